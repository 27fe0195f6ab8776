//! The command line: clap definitions, dispatch, exit codes and error reporting. Commands
//! that act on a running node talk to it through the control API; the rest use the
//! library directly.
//!
//! Every command takes the global `--json` (machine-readable output instead of text) and
//! `--lang`; help and usage errors come in the chosen language ([`help`]), other errors are
//! described by [`errors`]. Output goes through [`output`], where a closed pipe is a normal
//! end.
//!
//! Exit codes: 0 success, 1 failure, 2 usage error, 3 no node running.

mod apps;
mod backup;
#[cfg(feature = "tui")]
mod chat;
mod compose;
mod contacts;
mod daemon;
#[cfg(feature = "testnet")]
mod demo;
mod devices;
mod errors;
mod files;
mod groups;
mod help;
#[cfg(feature = "testnet")]
mod lab;
mod man;
mod meetups;
mod messages;
mod output;
mod papers;
mod people;
mod qr;
mod query;
mod search;
mod stickers;
#[cfg(feature = "testnet")]
mod testnet;
mod vouchers;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{FromArgMatches, Parser, Subcommand};

use chingu::api::client::{ApiClient, ClientError};
use chingu::home::Home;
use chingu::tr;

use output::{errln, OutputError};

/// Exit code of a failed command.
const EXIT_FAILURE: u8 = 1;
/// Exit code of a usage error (clap's).
const EXIT_USAGE: u8 = 2;
/// Exit code when no node is running for the home.
const EXIT_NOT_RUNNING: u8 = 3;

/// chingu (친구): a peer-to-peer messenger. Your contacts are your friend list.
#[derive(Debug, Parser)]
#[command(name = "chingu", version, propagate_version = true)]
pub struct Cli {
    /// Home directory of the node [default: the platform data dir]
    #[arg(long, global = true, env = "CHINGU_HOME", value_name = "DIR")]
    home: Option<PathBuf>,
    /// Language of messages and help: en, ko or ja [default: from LC_ALL/LANG]
    #[arg(long, global = true, value_name = "LANG")]
    lang: Option<String>,
    /// Print JSON instead of text
    #[arg(long, global = true)]
    json: bool,
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
    Status,
    /// List the running node's connected peers
    Peers,
    /// Manage your contacts: add, import, list, verify
    #[command(subcommand)]
    Contacts(contacts::ContactsCommand),
    /// Create an invite code a friend can add you with (already verified)
    Invite(contacts::InviteArgs),
    /// Your conversations, newest first, with their unread counts
    Inbox,
    /// Send a message to a contact (by name or number)
    Send(messages::SendArgs),
    /// Show the messages with a contact (works with no node running)
    History(messages::HistoryArgs),
    /// Answer a message (the newest from the others, or --message ID)
    Reply(compose::ReplyArgs),
    /// React to a message with one emoji (the newest from the others, or --message ID)
    React(compose::ReactArgs),
    /// Change the text of one of your messages, everywhere (your newest, or --message ID)
    Edit(compose::EditArgs),
    /// Delete one of your messages, everywhere (your newest, or --message ID)
    Delete(compose::DeleteArgs),
    /// Pass a message on to a contact or a group (the newest, or --message ID)
    Forward(compose::ForwardArgs),
    /// Send a mobile card: birthday, thanks, congrats, love or plain
    Card(compose::CardArgs),
    /// Photos and files sent and received, and whether each is here
    Files,
    /// Gifts and vouchers: issue (a shop's node), list, give on, redeem
    #[command(subcommand)]
    Vouchers(vouchers::VouchersCommand),
    /// Emoticon packs: make one from images, install one, list them
    #[command(subcommand)]
    Stickers(stickers::StickersCommand),
    /// Write a received file to a path (fetching it first if needed)
    Save(files::SaveArgs),
    /// Follow incoming messages and delivery states as they happen
    Watch,
    /// Mark the conversation with a contact read
    Read(messages::ReadArgs),
    /// Search your message history (every conversation, or one)
    Search(search::SearchArgs),
    /// Export one conversation or all of them, as JSON or plain text
    Export(search::ExportArgs),
    /// Messages from people not in your contacts: list, accept, block
    #[command(subcommand)]
    Requests(people::RequestsCommand),
    /// Your name and status, shared with friends only
    #[command(subcommand)]
    Profile(people::ProfileCommand),
    /// Group chats: create, invite, remove, admins, send, history
    #[command(subcommand)]
    Group(groups::GroupCommand),
    /// Flash meetups (번개): create one with a short code, join by code, close
    #[command(subcommand)]
    Meetup(meetups::MeetupCommand),
    /// Rolling papers (롤링페이퍼): start one for a friend, add your note
    #[command(subcommand)]
    Paper(papers::PaperCommand),
    /// Write an encrypted backup of you: keys, contacts, groups and history
    Backup(backup::BackupArgs),
    /// Bring yourself back from a backup on this machine (no node may be running)
    Restore(backup::RestoreArgs),
    /// Show a one-time code a new device joins your account with (chingu init --link)
    Link(devices::LinkArgs),
    /// Your account's devices; remove one with chingu devices remove NAME
    Devices(devices::DevicesArgs),
    /// Third-party apps: tokens for the WebSocket API (add, list, revoke)
    #[command(subcommand)]
    Apps(apps::AppsCommand),
    /// Chat in the terminal with the running node's friends and groups
    #[cfg(feature = "tui")]
    Chat,
    /// Start a local test net of many nodes in this process
    #[cfg(feature = "testnet")]
    Testnet(testnet::TestnetArgs),
    /// One worker process of a spread test net (started by `chingu testnet`)
    #[cfg(feature = "testnet")]
    #[command(hide = true)]
    TestnetWorker(testnet::WorkerArgs),
    /// Real nodes on emulated networks behind NATs (network namespaces; needs root)
    #[cfg(feature = "testnet")]
    #[command(subcommand)]
    Lab(lab::LabCommand),
    /// Watch three people meet and chat on a local net in this process (or join them)
    #[cfg(feature = "testnet")]
    Demo(demo::DemoArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    Completions {
        /// The shell
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), or write one page per command with --dir
    Man(man::ManArgs),
}

/// Parses the command line (help and usage errors in the chosen language), runs the
/// command and returns the process exit code.
pub fn main() -> ExitCode {
    chingu::allocator::tune();
    // Whatever chingu creates (keys, config, the database sled writes) is private.
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o077));
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let choice = chingu::i18n::init(help::requested_lang(&argv).as_deref());
    let matches = match help::command().try_get_matches_from(&argv) {
        Ok(matches) => matches,
        Err(error) => return help::usage_error(error),
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(error) => return help::usage_error(error),
    };
    if let Some(requested) = choice.unavailable {
        errln!("{}", tr!("lang-unavailable", lang = requested));
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            errln!("{}", tr!("error-prefix", message = e.to_string()));
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    match runtime.block_on(dispatch(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if matches!(error.downcast_ref::<OutputError>(), Some(OutputError::Closed)) => ExitCode::SUCCESS,
        Err(error) => {
            // The first line goes through the sanitiser with the prefix; lines after it
            // (a configuration error's excerpt and caret) are made safe by `describe`.
            let description = errors::describe(&error);
            let (first, rest) = description.split_once('\n').unwrap_or((&description, ""));
            errln!("{}", tr!("error-prefix", message = first.to_owned()));
            if !rest.is_empty() {
                errln!("{rest}");
            }
            match error.downcast_ref::<ClientError>() {
                Some(ClientError::NotRunning { .. }) => ExitCode::from(EXIT_NOT_RUNNING),
                _ if error.is::<errors::UsageError>() => ExitCode::from(EXIT_USAGE),
                _ => ExitCode::from(EXIT_FAILURE),
            }
        }
    }
}

async fn dispatch(cli: Cli) -> anyhow::Result<()> {
    let json = cli.json;
    let home = Home::resolve(cli.home)?;
    match cli.command {
        Command::Init(args) => daemon::init(&home, args, json).await,
        Command::Link(args) => devices::link(&home, args, json).await,
        Command::Devices(args) => devices::devices(&home, args, json).await,
        Command::Run(args) => daemon::run(&home, args, json).await,
        Command::Status => query::status(&home, json).await,
        Command::Peers => query::peers(&home, json).await,
        Command::Contacts(command) => contacts::run(&home, command, json).await,
        Command::Invite(args) => contacts::invite(&home, args, json).await,
        Command::Inbox => messages::inbox(&home, json).await,
        Command::Send(args) => messages::send(&home, args, json).await,
        Command::History(args) => messages::history(&home, args, json).await,
        Command::Reply(args) => compose::reply(&home, args, json).await,
        Command::React(args) => compose::react(&home, args, json).await,
        Command::Edit(args) => compose::edit(&home, args, json).await,
        Command::Delete(args) => compose::delete(&home, args, json).await,
        Command::Forward(args) => compose::forward(&home, args, json).await,
        Command::Card(args) => compose::card(&home, args, json).await,
        Command::Files => files::list(&home, json).await,
        Command::Stickers(command) => stickers::run(&home, command, json).await,
        Command::Vouchers(command) => vouchers::run(&home, command, json).await,
        Command::Save(args) => files::save(&home, args, json).await,
        Command::Watch => messages::watch(&home, json).await,
        Command::Read(args) => messages::read(&home, args, json).await,
        Command::Search(args) => search::search(&home, args, json).await,
        Command::Export(args) => search::export(&home, args, json).await,
        Command::Requests(command) => people::requests(&home, command, json).await,
        Command::Profile(command) => people::profile(&home, command, json).await,
        Command::Group(command) => groups::run(&home, command, json).await,
        Command::Meetup(command) => meetups::run(&home, command, json).await,
        Command::Paper(command) => papers::run(&home, command, json).await,
        Command::Backup(args) => backup::backup(&home, args, json).await,
        Command::Restore(args) => backup::restore(&home, args, json).await,
        Command::Apps(command) => apps::run(&home, command, json),
        #[cfg(feature = "testnet")]
        Command::Testnet(args) => testnet::run(args, json).await,
        #[cfg(feature = "testnet")]
        Command::TestnetWorker(args) => testnet::run_worker(args).await,
        #[cfg(feature = "testnet")]
        Command::Lab(command) => lab::run(command, json).await,
        #[cfg(feature = "testnet")]
        Command::Demo(args) => demo::run(args, json).await,
        #[cfg(feature = "tui")]
        Command::Chat => chat::run(&home, json).await,
        Command::Completions { shell } => completions(shell, json),
        Command::Man(args) => man::run(args, json),
    }
}

/// `chingu completions SHELL`: the script, or with `--json` `{"shell", "script"}`.
fn completions(shell: clap_complete::Shell, json: bool) -> anyhow::Result<()> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut help::command(), "chingu", &mut script);
    if json {
        let script = String::from_utf8_lossy(&script);
        return output::print_json(&serde_json::json!({ "shell": shell.to_string(), "script": script }));
    }
    output::raw(&script)?;
    Ok(())
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
