//! `chingu lab`: real nodes on emulated networks (network namespaces, NAT routers, links
//! with delay and loss) — the NAT matrix, its self-test, a lab kept up for manual poking,
//! and cleaning up. The work is in [`chingu::lab`]; this file parses and prints.

use std::time::Duration;

use clap::{Args, Subcommand};

use chingu::lab::link::{Backend, LinkParams};
use chingu::lab::mixed_group::{run_group, GroupOptions};
use chingu::lab::nat::NatType;
use chingu::lab::report::PairReport;
use chingu::lab::scenarios::{self, Matrix, PairOptions};
use chingu::lab::{netns, probe, Lab, LabError, LabOptions};
use chingu::tr;

use super::output::{errln, outln, print_json};

#[derive(Debug, Subcommand)]
pub enum LabCommand {
    /// Run pairs of friends behind every pair of NAT types and report each
    Run(RunArgs),
    /// A group whose members sit behind every kind of network, all sending (JSON report)
    Group(GroupArgs),
    /// Check that each emulated NAT behaves as named (UDP and TCP probes)
    Selftest(SelftestArgs),
    /// Build a lab with a node on each network and keep it up until Ctrl-C or `lab down`
    Up(UpArgs),
    /// Stop a lab kept up by `lab up` (or a running `lab run`)
    Down {
        /// The run's id (`chingu lab list`); optional when only one runs
        id: Option<String>,
    },
    /// List the lab runs on this machine
    List,
    /// Remove what crashed lab runs left behind (namespaces, processes, directories)
    Clean,
}

/// How links behave.
#[derive(Debug, Args)]
pub struct LinkArgs {
    /// One-way delay of every uplink, per direction
    #[arg(long, default_value_t = 40.0, value_name = "MS")]
    delay_ms: f64,
    /// Extra delay, uniform in 0..=MS (packets are never reordered)
    #[arg(long, default_value_t = 0.0, value_name = "MS")]
    jitter_ms: f64,
    /// Packets lost per uplink and direction
    #[arg(long, default_value_t = 0.5, value_name = "PERCENT")]
    loss_pct: f64,
    /// How links are emulated: netem (kernel) or userspace (TUN) [default: netem when the kernel has it]
    #[arg(long, value_enum)]
    links: Option<LinkBackend>,
    /// Keep the run's directory (homes, node logs) afterwards
    #[arg(long)]
    keep: bool,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum LinkBackend {
    Netem,
    Userspace,
}

impl LinkArgs {
    fn options(&self) -> anyhow::Result<LabOptions> {
        let ms = |v: f64, flag: &str| {
            anyhow::ensure!(
                v.is_finite() && (0.0..=10_000.0).contains(&v),
                "{flag} must be 0–10000 ms"
            );
            Ok(Duration::from_secs_f64(v / 1000.0))
        };
        anyhow::ensure!(
            (0.0..=100.0).contains(&self.loss_pct),
            "--loss-pct must be between 0 and 100"
        );
        Ok(LabOptions {
            bin: std::env::current_exe()?,
            link: LinkParams {
                delay: ms(self.delay_ms, "--delay-ms")?,
                jitter: ms(self.jitter_ms, "--jitter-ms")?,
                loss_pct: self.loss_pct,
            },
            links: self.links.map(|b| match b {
                LinkBackend::Netem => Backend::Netem,
                LinkBackend::Userspace => Backend::Userspace,
            }),
            keep_dir: self.keep,
        })
    }
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Which pairs: small (public↔public, port-restricted↔port-restricted) or full (all 15)
    #[arg(long, value_enum, default_value = "small")]
    matrix: Matrix,
    /// Run this pair instead (repeatable), e.g. `--pair full-cone:symmetric`
    #[arg(long, value_name = "A:B", value_parser = parse_pair)]
    pair: Vec<(NatType, NatType)>,
    /// 1:1 messages each way per pair
    #[arg(long, default_value_t = 10)]
    messages: usize,
    /// Group and meetup messages each way per pair
    #[arg(long, default_value_t = 5)]
    group_messages: usize,
    /// Time between two sends
    #[arg(long, default_value_t = 100, value_name = "MS")]
    pace_ms: u64,
    /// Longest wait of each step
    #[arg(long, default_value_t = 60, value_name = "SECS")]
    deadline: u64,
    /// Run each pair this many times, with fresh nodes each time
    #[arg(long, default_value_t = 1)]
    repeat: usize,
    #[command(flatten)]
    link: LinkArgs,
}

#[derive(Debug, Args)]
pub struct GroupArgs {
    /// Members, the creator included
    #[arg(long, default_value_t = 10)]
    members: usize,
    /// Messages in total, sent by the members in turn
    #[arg(long, default_value_t = 200)]
    messages: usize,
    /// Messages per second, all members together
    #[arg(long, default_value_t = 20.0)]
    rate: f64,
    /// Networks to spread the members over, round-robin (repeatable) [default: every type]
    #[arg(long, value_name = "TYPE", value_parser = parse_nat)]
    nat: Vec<NatType>,
    /// Longest wait of each step
    #[arg(long, default_value_t = 60, value_name = "SECS")]
    deadline: u64,
    #[command(flatten)]
    link: LinkArgs,
}

#[derive(Debug, Args)]
pub struct SelftestArgs {
    #[command(flatten)]
    link: LinkArgs,
}

#[derive(Debug, Args)]
pub struct UpArgs {
    /// Networks to put a user's node on (repeatable) [default: one of each type]
    #[arg(long, value_name = "TYPE", value_parser = parse_nat)]
    nat: Vec<NatType>,
    #[command(flatten)]
    link: LinkArgs,
}

fn parse_nat(text: &str) -> Result<NatType, String> {
    text.parse()
}

fn parse_pair(text: &str) -> Result<(NatType, NatType), String> {
    let (a, b) = text
        .split_once(':')
        .ok_or_else(|| format!("{text:?}: write a pair as TYPE:TYPE"))?;
    Ok((a.parse()?, b.parse()?))
}

pub async fn run(command: LabCommand, json: bool) -> anyhow::Result<()> {
    super::output::init_logging(super::output::LogFormat::Text);
    match command {
        LabCommand::Run(args) => until_stopped(matrix(args, json)).await,
        LabCommand::Group(args) => until_stopped(group(args)).await,
        LabCommand::Selftest(args) => until_stopped(selftest(args, json)).await,
        LabCommand::Up(args) => up(args, json).await,
        LabCommand::Down { id } => {
            let id = netns::stop_run(id.as_deref(), Duration::from_secs(60)).await?;
            outln!("{}", tr!("lab-down-done", id = id))?;
            Ok(())
        }
        LabCommand::List => list(json),
        LabCommand::Clean => {
            let cleaned = netns::clean_stale();
            outln!(
                "{}",
                tr!("lab-clean-done", count = cleaned.len(), ids = cleaned.join(", "))
            )?;
            Ok(())
        }
    }
}

/// Runs `work` until it ends or Ctrl-C/SIGTERM arrives; dropping the work on a signal
/// tears its lab down.
async fn until_stopped<T>(work: impl std::future::Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    tokio::select! {
        result = work => result,
        signal = stop_signal() => {
            signal?;
            Err(LabError::Interrupted.into())
        }
    }
}

/// Waits for Ctrl-C or SIGTERM.
async fn stop_signal() -> anyhow::Result<()> {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
    Ok(())
}

async fn matrix(args: RunArgs, json: bool) -> anyhow::Result<()> {
    let options = args.link.options()?;
    let pairs = if args.pair.is_empty() {
        args.matrix.pairs()
    } else {
        args.pair.clone()
    };
    let pair_options = PairOptions {
        messages: args.messages,
        group_messages: args.group_messages,
        pace: Duration::from_millis(args.pace_ms.max(1)),
        deadline: Duration::from_secs(args.deadline.max(1)),
        repeat: args.repeat.max(1),
    };
    errln!("{}", tr!("lab-building"));
    let report = scenarios::run_matrix(&options, &pairs, &pair_options, |pair| {
        errln!("{}", pair_line(pair));
    })
    .await?;
    if json {
        return print_json(&report);
    }
    for probe in &report.selftest {
        outln!("{}", probe_line(probe))?;
    }
    for pair in &report.pairs {
        outln!("{}", pair_line(pair))?;
    }
    for pair in report.summary.iter().filter(|s| s.runs > 1) {
        outln!(
            "{}",
            tr!(
                "lab-repeat-line",
                a = pair.pair[0].name(),
                b = pair.pair[1].name(),
                ok = pair.ok,
                runs = pair.runs,
                direct = pair.direct_pct,
                first = pair.first_message.p50_ms,
                lost = pair.lost,
                duplicates = pair.duplicates
            )
        )?;
    }
    for note in &report.notes {
        outln!("{}", tr!("lab-note", note = note.clone()))?;
    }
    outln!(
        "{}",
        tr!(
            "lab-summary",
            ok = report.pairs_ok,
            total = report.pairs.len(),
            build_ms = report.topology_build_ms,
            links = report.links.name(),
            id = report.run_id.clone()
        )
    )?;
    Ok(())
}

async fn group(args: GroupArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.members >= 2, "a group needs at least 2 members");
    anyhow::ensure!(args.rate > 0.0 && args.rate.is_finite(), "--rate must be above 0");
    let options = args.link.options()?;
    let group = GroupOptions {
        members: args.members,
        messages: args.messages,
        rate: args.rate,
        deadline: Duration::from_secs(args.deadline.max(1)),
    };
    errln!("{}", tr!("lab-building"));
    print_json(&run_group(&options, &group, &args.nat).await?)
}

async fn selftest(args: SelftestArgs, json: bool) -> anyhow::Result<()> {
    let options = args.link.options()?;
    let lab = Lab::start(&options, "selftest", NatType::ALL.to_vec()).await?;
    let reports = tokio::task::block_in_place(|| probe::selftest(&lab.topology));
    lab.shutdown().await;
    let reports = reports?;
    if json {
        return print_json(&reports);
    }
    for probe in &reports {
        outln!("{}", probe_line(probe))?;
    }
    anyhow::ensure!(reports.iter().all(|r| r.ok), "a NAT did not behave as named");
    Ok(())
}

async fn up(args: UpArgs, json: bool) -> anyhow::Result<()> {
    let options = args.link.options()?;
    let types = if args.nat.is_empty() {
        NatType::ALL.to_vec()
    } else {
        args.nat.clone()
    };
    let (lab, users) = until_stopped(async {
        let mut lab = Lab::start(&options, "up", types.clone()).await?;
        let mut users = Vec::new();
        for site in 0..types.len() {
            users.push(lab.start_user(site).await?);
        }
        Ok((lab, users))
    })
    .await?;
    let nodes: Vec<_> = lab.infra().iter().chain(users.iter()).collect();
    if json {
        let list: Vec<_> = nodes
            .iter()
            .map(|n| {
                serde_json::json!({
                    "label": n.label, "nat": n.host.nat, "netns": n.host.ns.name(), "ip": n.host.ip,
                    "public_ip": n.host.public_ip, "phone": n.phone, "peer_id": n.peer_id,
                    "addr": n.addr, "home": n.home,
                })
            })
            .collect();
        print_json(&serde_json::json!({ "run_id": lab.run_id(), "dir": lab.dir(), "nodes": list }))?;
    } else {
        let links = lab.topology.backend.name();
        outln!("{}", tr!("lab-up-ready", id = lab.run_id().to_owned(), links = links))?;
        for n in &nodes {
            outln!(
                "{}",
                tr!(
                    "lab-up-node",
                    label = n.label.clone(),
                    nat = n.host.nat.name(),
                    netns = n.host.ns.name().to_owned(),
                    ip = n.host.ip.to_string(),
                    public_ip = n.host.public_ip.to_string(),
                    phone = n.phone.clone(),
                    home = n.home.display().to_string()
                )
            )?;
        }
    }
    for note in &lab.notes {
        outln!("{}", tr!("lab-note", note = note.clone()))?;
    }
    stop_signal().await?;
    futures::future::join_all(users.into_iter().map(|n| n.stop())).await;
    lab.shutdown().await;
    Ok(())
}

fn list(json: bool) -> anyhow::Result<()> {
    let runs = netns::runs();
    if json {
        return print_json(&runs);
    }
    if runs.is_empty() {
        outln!("{}", tr!("lab-list-none"))?;
    }
    for run in runs {
        let info = run.info.as_ref();
        outln!(
            "{}",
            tr!(
                "lab-list-line",
                id = run.id.clone(),
                state = if run.live { "live" } else { "crashed" },
                pid = info.map(|i| i.pid.to_string()).unwrap_or_default(),
                purpose = info.map(|i| i.purpose.clone()).unwrap_or_default(),
                namespaces = run.namespaces.len(),
                dir = info.map(|i| i.dir.display().to_string()).unwrap_or_default()
            )
        )?;
    }
    Ok(())
}

fn probe_line(probe: &probe::ProbeReport) -> String {
    tr!(
        "lab-selftest-line",
        host = probe.host.clone(),
        nat = probe.nat.name(),
        mapping = kebab(&probe.observed.mapping),
        filtering = kebab(&probe.observed.filtering),
        inbound = if probe.observed.inbound_tcp { "yes" } else { "no" },
        verdict = verdict(probe.ok)
    )
}

/// A report enum's name, as in the JSON.
fn kebab<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn verdict(ok: bool) -> String {
    if ok {
        tr!("lab-ok")
    } else {
        tr!("lab-failed")
    }
}

fn pair_line(pair: &PairReport) -> String {
    let found = match (pair.discovery.a_found_b_ms, pair.discovery.b_found_a_ms) {
        (Some(a), Some(b)) => format!("{:.1} s / {:.1} s", a / 1000.0, b / 1000.0),
        _ => tr!("lab-none"),
    };
    let first = pair
        .first_message
        .ms
        .map(|ms| format!("{ms:.0} ms"))
        .unwrap_or_else(|| tr!("lab-none"));
    tr!(
        "lab-pair-line",
        a = pair.pair[0].name(),
        b = pair.pair[1].name(),
        verdict = verdict(pair.ok),
        found = found,
        first = first,
        path = format!("{}/{}", pair.path[0].path, pair.path[1].path),
        lost = pair.lost,
        duplicates = pair.duplicates
    )
}
