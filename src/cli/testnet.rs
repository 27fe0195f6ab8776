//! `chingu testnet`: many nodes in this process (or spread over worker processes when
//! they do not fit in its descriptors), readiness, the DHT check, a scenario, and a JSON
//! report (the macro benchmark); `chingu testnet-worker` is one such worker.

use std::io::Write;
use std::time::Duration;

use clap::Args;

use super::output::errln;
use chingu::testnet::scenarios::{self, Scenario, ScenarioOptions};
use chingu::testnet::spread::{self, worker, SpreadOptions};
use chingu::testnet::{ready_deadline, Progress, TestNet, TestNetError, TestNetOptions};
use chingu::tr;

#[derive(Debug, Args)]
pub struct TestnetArgs {
    /// Number of nodes
    #[arg(long, default_value_t = 10)]
    nodes: usize,
    /// Keep the nodes up this many seconds after the checks (Ctrl-C ends early); with
    /// `--scenario seed-day` or `chaos`, how long its traffic runs instead (then
    /// `--messages` is ignored), with `relay-load` how long its circuits stream
    #[arg(long, default_value_t = 0, value_name = "SECS")]
    duration: u64,
    /// Scenario to run after start-up
    #[arg(long, value_enum)]
    scenario: Option<Scenario>,
    /// Messages to send (message scenarios)
    #[arg(long, default_value_t = 1000)]
    messages: usize,
    /// Messages per second in total (0 = as fast as possible)
    #[arg(long, default_value_t = 0.0)]
    rate: f64,
    /// Members of the group (group scenarios)
    #[arg(long, default_value_t = 10)]
    group_size: usize,
    /// Seed for the harness's random choices (and seed-day's plan)
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Reservations the relay holds (relay-load: its cap; a tenth more are asked for)
    #[arg(long, default_value_t = 100)]
    reservations: usize,
    /// Circuits streaming through the relay (relay-load)
    #[arg(long, default_value_t = 20)]
    circuits: usize,
    /// Share of users away at any time, on average, from 0 to 1 (seed-day as a soak;
    /// without it a few users leave in the run's middle)
    #[arg(long, value_name = "SHARE")]
    churn: Option<f64>,
    /// Users run as separate processes (chaos)
    #[arg(long, default_value_t = 6)]
    processes: usize,
    /// Worker processes the nodes are spread over (start-up and the DHT check only; a
    /// scenario runs in one process) [default: 1 while a full mesh of the nodes fits in
    /// this process's descriptors, else one per 36 nodes, at most 14]
    #[arg(long)]
    workers: Option<usize>,
    /// Mean seconds between two kills (chaos)
    #[arg(long, default_value_t = 3.0, value_name = "SECS")]
    kill_every: f64,
    /// Devices linked to user 0's account, each a process killed like the users (chaos)
    #[arg(long, default_value_t = 0)]
    devices: usize,
    /// Log line format on stderr: text or json
    #[arg(long, value_enum, default_value_t = super::output::LogFormat::Text, value_name = "FORMAT")]
    log_format: super::output::LogFormat,
}

fn show(progress: Progress) {
    let mut err = std::io::stderr();
    let _ = write!(
        err,
        "\r{}",
        tr!(
            "testnet-progress",
            started = progress.started,
            ready = progress.ready,
            total = progress.total
        )
    );
    let _ = err.flush();
}

/// `chingu testnet-worker`: one worker of a spread test net (started by `chingu testnet`,
/// spoken to on stdin and stdout).
#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// The directory holding every node's home
    #[arg(long)]
    root: std::path::PathBuf,
    /// Number of its first node
    #[arg(long)]
    first: usize,
    /// How many nodes it runs
    #[arg(long)]
    count: usize,
    /// Nodes in the whole net
    #[arg(long)]
    nodes: usize,
    /// Workers in the whole net
    #[arg(long)]
    workers: usize,
    /// Seed of its random choices
    #[arg(long)]
    seed: u64,
}

/// Runs one worker until the coordinator stops it or is gone.
pub async fn run_worker(args: WorkerArgs) -> anyhow::Result<()> {
    super::output::init_logging(super::output::LogFormat::Text);
    worker::run(worker::Slice {
        root: args.root,
        first: args.first,
        count: args.count,
        total: args.nodes,
        workers: args.workers,
        seed: args.seed,
    })
    .await?;
    Ok(())
}

/// Starts the net, runs the checks and the scenario, and prints the report: pretty JSON,
/// or with `--json` one line of JSON.
pub async fn run(args: TestnetArgs, json: bool) -> anyhow::Result<()> {
    super::output::init_logging(args.log_format);
    if let Some(scenario) = args.scenario {
        scenario.check_available()?;
    }
    let workers = match (args.workers, args.scenario) {
        (Some(workers), _) => workers.max(1),
        (None, None) => spread::workers_for(args.nodes.max(1)),
        (None, Some(_)) => 1,
    };
    if workers > 1 {
        if args.scenario.is_some() {
            return Err(TestNetError::Spread {
                reason: "a scenario runs in one process (--workers 1)".into(),
            }
            .into());
        }
        let options = SpreadOptions {
            program: std::env::current_exe()?,
            nodes: args.nodes.max(1),
            workers,
            seed: args.seed,
            keep_up: Duration::from_secs(args.duration),
        };
        if args.duration > 0 {
            errln!("{}", tr!("testnet-keeping-up", secs = args.duration));
        }
        let report = spread::run(options, show).await?;
        errln!();
        return print_report(&report, json);
    }
    let seed_day = args.scenario == Some(Scenario::SeedDay);
    // Scenarios for which `--duration` is how long their traffic runs.
    let timed = seed_day || matches!(args.scenario, Some(Scenario::RelayLoad | Scenario::Chaos));
    let mut options = TestNetOptions::new(args.nodes.max(1));
    options.seed = args.seed;
    options.node_settings = args.scenario.and_then(|s| s.node_settings());
    let mut net = TestNet::start(options, show).await?;
    let readiness = net.wait_ready(ready_deadline(args.nodes), show).await;
    errln!();
    let scenario_options = ScenarioOptions {
        messages: args.messages,
        rate: args.rate,
        group_size: args.group_size,
        duration: (timed && args.duration > 0).then(|| Duration::from_secs(args.duration)),
        seed: args.seed,
        reservations: args.reservations,
        circuits: args.circuits,
        churn: args.churn,
        processes: args.processes,
        kill_every: Duration::from_secs_f64(args.kill_every.max(0.1)),
        devices: args.devices,
    };
    let report = scenarios::run(&mut net, readiness, args.scenario, &scenario_options).await?;
    if args.duration > 0 && !timed {
        errln!("{}", tr!("testnet-keeping-up", secs = args.duration));
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(args.duration)) => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    net.shutdown().await;
    print_report(&report, json)
}

fn print_report(report: &scenarios::Report, json: bool) -> anyhow::Result<()> {
    if json {
        super::output::print_json_line(report)?;
    } else {
        super::output::print_json(report)?;
    }
    Ok(())
}
