//! `chingu demo`: the scripted tour of chingu on a local net in this process (narrated,
//! with a summary of every delivery path), or with `--interactive` the same people for
//! the user to chat with in `chingu chat`.

use std::io::Write;
use std::time::Duration;

use clap::Args;

use chingu::api::dispatch::ApiContext;
use chingu::api::server::UnixServer;
use chingu::metrics::ApiMetrics;
use chingu::phone::{format_international, format_national};
use chingu::testnet::demo::report::{Path, Report};
use chingu::testnet::demo::{self, Demo, Stage, Step, Who};
use chingu::tr;

use super::output::{outln, Table};

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Chat with the others yourself in `chingu chat` instead of the scripted tour
    #[arg(long)]
    interactive: bool,
    /// Who you are in the interactive demo
    #[arg(long = "as", value_enum, default_value = "minji", value_name = "PERSON")]
    player: Who,
}

/// The scripted tour; with `--json` the figures are one JSON object on stdout and the
/// narration goes to stderr.
pub async fn run(args: DemoArgs, json: bool) -> anyhow::Result<()> {
    if args.interactive {
        return interactive(args.player).await;
    }
    // The narration is the output: logs only when asked for (RUST_LOG).
    if std::env::var_os("RUST_LOG").is_some() {
        super::output::init_logging(super::output::LogFormat::Text);
    }
    let mut narrate = |step: Step| say(&describe(&step), json);
    say(&tr!("demo-starting"), json);
    let report = demo::run(&mut narrate).await?;
    if json {
        super::output::print_json_line(&report)?;
    } else {
        print_summary(&report)?;
    }
    match report.lost() {
        0 => Ok(()),
        lost => Err(anyhow::anyhow!(tr!("demo-lost-error", lost = lost))),
    }
}

/// Prints a line of narration on stdout (stderr when stdout carries JSON). A closed
/// output (`chingu demo | head`) does not stop the demo.
fn say(line: &str, to_stderr: bool) {
    let _ = if to_stderr {
        writeln!(std::io::stderr(), "{line}")
    } else {
        writeln!(std::io::stdout(), "{line}")
    };
}

/// The interactive demo: the net comes up and the people meet and form their group;
/// the user becomes `player` in `chingu chat`; the others reply until the chat ends.
async fn interactive(player: Who) -> anyhow::Result<()> {
    let mut narrate = |step: Step| say(&describe(&step), false);
    say(&tr!("demo-starting"), false);
    let mut demo = Demo::start(&mut narrate).await?;
    let outcome = chat_as(&mut demo, player, &mut narrate).await;
    demo.shutdown().await;
    outln!("{}", tr!("demo-stopped"))?;
    outcome
}

async fn chat_as(demo: &mut Demo, player: Who, narrate: &mut impl FnMut(Step)) -> anyhow::Result<()> {
    demo.meet(narrate).await?;
    demo.group(narrate).await?;
    let home = demo.home(player).clone();
    let context = ApiContext {
        node: demo.node(player),
        metrics: ApiMetrics::default(),
        limits: Default::default(),
    };
    let _server = UnixServer::bind(&home.checked_socket_path()?, context)?;
    let replies = demo.keep_replying(player);
    let friends: Vec<&str> = Who::ALL.into_iter().filter(|w| *w != player).map(Who::name).collect();
    outln!(
        "{}",
        tr!(
            "demo-interactive-ready",
            name = player.name(),
            friends = friends.join(", ")
        )
    )?;
    let status = tokio::process::Command::new(std::env::current_exe()?)
        .arg("--home")
        .arg(home.dir())
        .arg("--lang")
        .arg(chingu::i18n::lang().code())
        .arg("chat")
        .status()
        .await;
    replies.abort();
    let status = status?;
    anyhow::ensure!(
        status.success(),
        tr!("demo-chat-failed", code = status.code().unwrap_or(-1))
    );
    Ok(())
}

/// Milliseconds, as the narration shows them.
fn ms(duration: Duration) -> String {
    format!("{:.0}", duration.as_secs_f64() * 1000.0)
}

/// Seconds since the start, as the narration's time stamps.
fn at(duration: Duration) -> String {
    format!("{:5.2}s", duration.as_secs_f64())
}

fn city(who: Who) -> String {
    match who {
        Who::Minji => tr!("demo-city-seoul"),
        Who::Yuki => tr!("demo-city-tokyo"),
        Who::Alex => tr!("demo-city-san-francisco"),
    }
}

/// One step as a narration line.
fn describe(step: &Step) -> String {
    match step {
        Step::Stage(stage) => {
            let title = match stage {
                Stage::Meet => tr!("demo-stage-meet"),
                Stage::Invite => tr!("demo-stage-invite"),
                Stage::Online => tr!("demo-stage-online"),
                Stage::Offline => tr!("demo-stage-offline"),
                Stage::Group => tr!("demo-stage-group"),
                Stage::Meetup => tr!("demo-stage-meetup"),
                Stage::Devices => tr!("demo-stage-devices"),
            };
            format!("\n── {title} ──")
        }
        Step::NetUp { nodes, at: t } => tr!("demo-net-up", at = at(*t), nodes = *nodes),
        Step::Online { who, phone } => tr!(
            "demo-online",
            name = who.name(),
            city = city(*who),
            local = format_national(phone),
            phone = format_international(phone)
        ),
        Step::ContactAdded {
            who,
            friend,
            typed,
            phone,
        } => tr!(
            "demo-contact-added",
            name = who.name(),
            friend = friend.name(),
            typed = typed.clone(),
            phone = format_international(phone)
        ),
        Step::Found { who, friend, at: t } => {
            tr!("demo-found", at = at(*t), name = who.name(), friend = friend.name())
        }
        Step::InviteCreated { who, code } => tr!("demo-invite-created", name = who.name(), code = code.clone()),
        Step::InviteAccepted { who, inviter, at: t } => tr!(
            "demo-invite-accepted",
            at = at(*t),
            name = who.name(),
            inviter = inviter.name()
        ),
        Step::InviterFound { who, inviter, at: t } => tr!(
            "demo-inviter-found",
            at = at(*t),
            name = who.name(),
            inviter = inviter.name()
        ),
        Step::Message {
            path,
            from,
            to,
            text,
            deliveries,
        } => {
            let outcomes: Vec<String> = deliveries
                .iter()
                .map(|(who, latency)| match latency {
                    Some(latency) => tr!("demo-delivered", name = who.name(), ms = ms(*latency)),
                    None => tr!("demo-not-delivered", name = who.name()),
                })
                .collect();
            tr!(
                "demo-message",
                path = path_label(*path),
                from = from.name(),
                to = to.clone(),
                text = text.clone(),
                outcome = outcomes.join(", ")
            )
        }
        Step::Offline { who } => tr!("demo-offline", name = who.name()),
        Step::Deposited { from, to, count, at: t } => tr!(
            "demo-deposited",
            at = at(*t),
            count = *count,
            from = from.name(),
            to = to.name()
        ),
        Step::BackOnline { who, at: t } => tr!("demo-back-online", at = at(*t), name = who.name()),
        Step::GroupCreated { who, name, members } => tr!(
            "demo-group-created",
            name = who.name(),
            group = name.clone(),
            members = *members
        ),
        Step::Joined { who, name, at: t } => {
            tr!("demo-joined", at = at(*t), name = who.name(), group = name.clone())
        }
        Step::MeetupCreated { who, name, code } => tr!(
            "demo-meetup-created",
            name = who.name(),
            meetup = name.clone(),
            code = code.clone()
        ),
        Step::MeetupClosed { who, name } => tr!("demo-meetup-closed", name = who.name(), meetup = name.clone()),
        Step::SentFromDevice {
            who,
            device,
            to,
            reader,
            text,
            latency,
        } => tr!(
            "demo-sent-from-device",
            name = who.name(),
            device = *device,
            to = *to,
            reader = reader.name(),
            text = *text,
            ms = latency.as_millis() as u64
        ),
        Step::ReadOnDevice {
            who,
            device,
            friend,
            unread,
            latency,
        } => tr!(
            "demo-read-on-device",
            name = who.name(),
            device = *device,
            friend = friend.name(),
            unread = *unread,
            ms = latency.as_millis() as u64
        ),
        Step::FirstDeviceOff {
            who,
            device,
            friend,
            received,
            answered,
            handed,
        } => tr!(
            "demo-first-device-off",
            name = who.name(),
            device = *device,
            friend = friend.name(),
            ms = received.as_millis() as u64,
            answer_ms = answered.as_millis() as u64,
            handed_ms = handed.as_millis() as u64
        ),
        Step::LinkShown { who, code } => tr!(
            "demo-link-shown",
            name = who.name(),
            code = code.chars().take(20).collect::<String>()
        ),
        Step::DeviceLinked {
            who,
            device,
            sas,
            devices,
            messages,
            at: t,
        } => tr!(
            "demo-device-linked",
            at = at(*t),
            name = who.name(),
            device = *device,
            sas = sas.clone(),
            devices = *devices,
            messages = *messages
        ),
    }
}

fn path_label(path: Path) -> String {
    match path {
        Path::Online => tr!("demo-path-online"),
        Path::Mailbox => tr!("demo-path-mailbox"),
        Path::Group => tr!("demo-path-group"),
        Path::Meetup => tr!("demo-path-meetup"),
    }
}

fn print_summary(report: &Report) -> anyhow::Result<()> {
    outln!()?;
    outln!("{}", tr!("demo-summary"))?;
    let mut table = Table::new();
    table.header([
        tr!("demo-col-path"),
        tr!("demo-col-sent"),
        tr!("demo-col-delivered"),
        tr!("demo-col-lost"),
        tr!("demo-col-p50"),
        tr!("demo-col-max"),
    ]);
    let figure = |value: Option<f64>| value.map_or_else(|| "-".to_owned(), |v| format!("{v:.0}"));
    for (path, stats) in &report.paths {
        table.row([
            path_label(*path),
            stats.sent.to_string(),
            stats.delivered.to_string(),
            stats.lost.to_string(),
            figure(stats.p50_ms),
            figure(stats.max_ms),
        ]);
    }
    table.print()?;
    outln!(
        "{}",
        tr!(
            "demo-total",
            secs = format!("{:.1}", report.total_ms as f64 / 1000.0),
            lost = report.lost()
        )
    )?;
    Ok(())
}
