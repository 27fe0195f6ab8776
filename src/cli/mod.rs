//! The command line: clap definitions, dispatch, exit codes and error reporting. Commands
//! that act on a running node talk to it through the control API; the rest use the
//! library directly.
//!
//! Exit codes: 0 success, 1 failure, 2 usage error, 3 no node running.

mod apps;
#[cfg(feature = "tui")]
mod chat;
mod contacts;
mod daemon;
#[cfg(feature = "testnet")]
mod demo;
mod groups;
mod meetups;
mod messages;
mod output;
mod query;
#[cfg(feature = "testnet")]
mod testnet;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use chingu::api::client::{ApiClient, ClientError};
use chingu::home::Home;
use chingu::tr;

/// Exit code when no node is running for the home.
const EXIT_NOT_RUNNING: u8 = 3;

/// chingu (친구): a peer-to-peer messenger. Your contacts are your friend list.
#[derive(Debug, Parser)]
#[command(name = "chingu", version, propagate_version = true)]
pub struct Cli {
    /// Home directory of the node [default: the platform data dir]
    #[arg(long, global = true, env = "CHINGU_HOME", value_name = "DIR")]
    home: Option<PathBuf>,
    /// Language of messages: en, ko or ja [default: from LC_ALL/LANG]
    #[arg(long, global = true, value_name = "LANG")]
    lang: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a node's home: identity, Noise key, config and database
    Init(daemon::InitArgs),
    /// Run a node in the foreground (Ctrl-C stops it)
    Run(daemon::RunArgs),
    /// Show the running node's status
    Status(query::JsonFlag),
    /// List the running node's connected peers
    Peers(query::JsonFlag),
    /// Manage your contacts: add, import, list, verify
    #[command(subcommand)]
    Contacts(contacts::ContactsCommand),
    /// Create an invite code a friend can add you with (already verified)
    Invite(contacts::InviteArgs),
    /// Send a message to a contact (by name or number)
    Send(messages::SendArgs),
    /// Show the messages with a contact (works with no node running)
    History(messages::HistoryArgs),
    /// Follow incoming messages and delivery states as they happen
    Watch(query::JsonFlag),
    /// Mark the conversation with a contact read
    Read(messages::ReadArgs),
    /// Group chats: create, invite, remove, admins, send, history
    #[command(subcommand)]
    Group(groups::GroupCommand),
    /// Flash meetups (번개): create one with a short code, join by code, close
    #[command(subcommand)]
    Meetup(meetups::MeetupCommand),
    /// Third-party apps: tokens for the WebSocket API (add, list, revoke)
    #[command(subcommand)]
    Apps(apps::AppsCommand),
    /// Chat in the terminal with the running node's friends and groups
    #[cfg(feature = "tui")]
    Chat,
    /// Start a local test net of many nodes in this process
    #[cfg(feature = "testnet")]
    Testnet(testnet::TestnetArgs),
    /// Watch three people meet and chat on a local net in this process (or join them)
    #[cfg(feature = "testnet")]
    Demo(demo::DemoArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    Completions {
        /// The shell
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `chingu man > chingu.1`
    Man,
}

/// Runs the parsed command line and returns the process exit code.
pub fn main(cli: Cli) -> ExitCode {
    // Whatever chingu creates (keys, config, the database sled writes) is private.
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o077));
    let choice = chingu::i18n::init(cli.lang.as_deref());
    if let Some(requested) = choice.unavailable {
        eprintln!("{}", tr!("lang-unavailable", lang = requested));
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{}", tr!("error-prefix", message = e.to_string()));
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(dispatch(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{}", tr!("error-prefix", message = describe(&error)));
            match error.downcast_ref::<ClientError>() {
                Some(ClientError::NotRunning { .. }) => ExitCode::from(EXIT_NOT_RUNNING),
                _ => ExitCode::FAILURE,
            }
        }
    }
}

/// The message shown for an error: the localised text for errors people meet often,
/// otherwise the error chain.
fn describe(error: &anyhow::Error) -> String {
    if let Some(ClientError::NotRunning { socket }) = error.downcast_ref::<ClientError>() {
        return tr!("error-not-running", socket = socket.display().to_string());
    }
    chingu::text::error_message(&error.to_string())
}

async fn dispatch(cli: Cli) -> anyhow::Result<()> {
    let home = Home::resolve(cli.home)?;
    match cli.command {
        Command::Init(args) => daemon::init(&home, args),
        Command::Run(args) => daemon::run(&home, args).await,
        Command::Status(flag) => query::status(&home, flag).await,
        Command::Peers(flag) => query::peers(&home, flag).await,
        Command::Contacts(command) => contacts::run(&home, command).await,
        Command::Invite(args) => contacts::invite(&home, args).await,
        Command::Send(args) => messages::send(&home, args).await,
        Command::History(args) => messages::history(&home, args).await,
        Command::Watch(flag) => messages::watch(&home, flag).await,
        Command::Read(args) => messages::read(&home, args).await,
        Command::Group(command) => groups::run(&home, command).await,
        Command::Meetup(command) => meetups::run(&home, command).await,
        Command::Apps(command) => apps::run(&home, command),
        #[cfg(feature = "testnet")]
        Command::Testnet(args) => testnet::run(args).await,
        #[cfg(feature = "testnet")]
        Command::Demo(args) => demo::run(args).await,
        #[cfg(feature = "tui")]
        Command::Chat => chat::run(&home).await,
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "chingu", &mut std::io::stdout());
            Ok(())
        }
        Command::Man => {
            clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout())?;
            Ok(())
        }
    }
}

/// Connects to the node running on `home`.
async fn connect(home: &Home) -> Result<ApiClient, ClientError> {
    ApiClient::connect(&home.socket_path()).await
}

/// Parses a duration such as `90s`, `30m`, `2h` or `7d` into seconds.
fn parse_duration(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| tr!("duration-invalid", text = text.to_owned()))?;
    let unit = match unit {
        "s" | "" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(tr!("duration-invalid", text = text.to_owned())),
    };
    number
        .checked_mul(unit)
        .filter(|s| *s > 0)
        .ok_or_else(|| tr!("duration-invalid", text = text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Ok(90));
        assert_eq!(parse_duration("2h"), Ok(7200));
        assert_eq!(parse_duration("7d"), Ok(604_800));
        assert_eq!(parse_duration("45"), Ok(45));
        assert!(parse_duration("0m").is_err());
        assert!(parse_duration("2 weeks").is_err());
        assert!(parse_duration("h").is_err());
    }
}
