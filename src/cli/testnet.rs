//! `chingu testnet`: many nodes in this process, readiness, the DHT check, a scenario,
//! and a JSON report (the macro benchmark).

use std::io::Write;
use std::time::Duration;

use clap::Args;

use chingu::testnet::scenarios::{self, Scenario, ScenarioOptions};
use chingu::testnet::{Progress, TestNet, TestNetOptions};
use chingu::tr;

#[derive(Debug, Args)]
pub struct TestnetArgs {
    /// Number of nodes
    #[arg(long, default_value_t = 10)]
    nodes: usize,
    /// Keep the nodes up this many seconds after the checks (Ctrl-C ends early); with
    /// `--scenario seed-day`, how long its traffic runs instead (then `--messages` is
    /// ignored)
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
    /// Print one JSON object with the figures at the end
    #[arg(long)]
    json: bool,
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

pub async fn run(args: TestnetArgs) -> anyhow::Result<()> {
    super::output::init_logging();
    if let Some(scenario) = args.scenario {
        scenario.check_available()?;
    }
    let seed_day = args.scenario == Some(Scenario::SeedDay);
    let mut options = TestNetOptions::new(args.nodes.max(1));
    options.seed = args.seed;
    options.node_settings = args.scenario.and_then(|s| s.node_settings());
    let mut net = TestNet::start(options, show).await?;
    let readiness = net
        .wait_ready(Duration::from_secs(60 + args.nodes as u64 / 5), show)
        .await;
    eprintln!();
    let scenario_options = ScenarioOptions {
        messages: args.messages,
        rate: args.rate,
        group_size: args.group_size,
        duration: (seed_day && args.duration > 0).then(|| Duration::from_secs(args.duration)),
        seed: args.seed,
    };
    let report = scenarios::run(&mut net, readiness, args.scenario, &scenario_options).await?;
    if args.duration > 0 && !seed_day {
        eprintln!("{}", tr!("testnet-keeping-up", secs = args.duration));
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(args.duration)) => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    net.shutdown().await;
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!("{}", serde_json::to_string_pretty(&report)?);
    }
    Ok(())
}
