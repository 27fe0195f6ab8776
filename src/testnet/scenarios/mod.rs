//! Scenarios run on a started [`TestNet`]: each drives the nodes through one capability
//! and reports figures. The base report (every run) has readiness, memory and the DHT
//! put/get check; a scenario adds its own section.

pub mod attacks;
mod chaos;
mod compare;
pub(in crate::testnet) mod dht;
mod discovery;
mod dm;
mod group;
#[cfg(feature = "iroh-baseline")]
mod group_iroh;
mod group_raw;
mod mutual_add;
mod raw;
mod relay_load;
mod seed_day;
mod startup;

pub use compare::GROUP_IROH_FEATURE;

use serde::Serialize;

use super::resources::peak_rss_bytes;
use super::{PutGetReport, Readiness, TestNet, TestNetError};

/// How long the DHT check waits for nodes to finish their first bootstrap.
pub(in crate::testnet) const JOIN_DEADLINE: std::time::Duration = std::time::Duration::from_secs(60);

/// A capability to exercise after start-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scenario {
    /// Start-to-listening time of a node whose store holds `--messages` messages.
    Startup,
    /// Finding contacts by number: mutual and one-sided, mixed modes.
    Discovery,
    /// Two people adding each other, in either order and after a delay: time until both
    /// see `found`.
    MutualAdd,
    /// 1:1 messages between online friends (`--messages`, `--rate`).
    Dm,
    /// The baseline for `dm`: plain libp2p request-response, no E2E, no store.
    DmRaw,
    /// 1:1 messages to offline friends, through mailboxes.
    Offline,
    /// A group of `--group-size` members exchanging `--messages` over gossipsub.
    Group,
    /// `group` with every fourth member going offline and returning mid-run.
    GroupChurn,
    /// The baseline for `group`: plain signed gossipsub between bare swarms, no E2E, no
    /// store, no repair.
    GroupRaw,
    /// Stalled handshakes against node 0 from one address (`--rate` new ones per second,
    /// up to 150 open) while `--messages` honest peers connect and ping.
    InboundFlood,
    /// `--messages` fresh identities open Noise sessions with node 0, `--rate` per second.
    SessionFlood,
    /// The iroh-gossip baseline for `group`: iroh endpoints on loopback, no relays, no
    /// address lookup. Needs a build with the `iroh-baseline` feature.
    GroupIroh,
    /// `group`, `group-raw` and `group-iroh` one after another in this process, side by
    /// side with CPU and memory. Needs the `iroh-baseline` feature.
    GroupCompare,
    /// The seed's day: 1:1 (80 %) and group (20 %) traffic at `--rate`, friends found by
    /// number and users going offline and back, for `--duration` seconds.
    SeedDay,
    /// A circuit relay (a `chingu run --role relay` child process) holding
    /// `--reservations` with `--circuits` streaming through it: its RSS and CPU, refusals
    /// over its caps, and a circuit cut at its byte cap.
    RelayLoad,
    /// `--processes` users (and `--devices` linked to user 0) as separate processes,
    /// killed with SIGKILL at random (every `--kill-every` seconds on average) and started
    /// again, under 1:1 and group traffic at `--rate` for `--duration` seconds; lost and
    /// duplicate messages from the stored histories.
    Chaos,
}

impl Scenario {
    /// The per-node settings the scenario needs from the start, if any.
    pub fn node_settings(self) -> Option<fn(usize, &crate::config::Config) -> crate::config::Config> {
        match self {
            Scenario::Discovery => Some(discovery::node_settings),
            Scenario::Dm
            | Scenario::Offline
            | Scenario::Group
            | Scenario::GroupChurn
            | Scenario::GroupCompare
            | Scenario::SeedDay
            | Scenario::Chaos => Some(dm::node_settings),
            Scenario::InboundFlood => Some(attacks::node_settings),
            Scenario::Startup
            | Scenario::DmRaw
            | Scenario::GroupRaw
            | Scenario::GroupIroh
            | Scenario::SessionFlood
            | Scenario::MutualAdd
            | Scenario::RelayLoad => None,
        }
    }

    /// Whether this build can run the scenario: the iroh baselines need the
    /// `iroh-baseline` feature; without it, the error says how to build with it.
    pub fn check_available(self) -> Result<(), TestNetError> {
        match self {
            Scenario::GroupIroh | Scenario::GroupCompare if !cfg!(feature = "iroh-baseline") => {
                Err(TestNetError::Scenario {
                    scenario: if self == Scenario::GroupIroh {
                        "group-iroh"
                    } else {
                        "group-compare"
                    },
                    reason: format!(
                        "this chingu was built without the `{GROUP_IROH_FEATURE}` feature; \
                         build it with `cargo build --release --features {GROUP_IROH_FEATURE}` \
                         (or `cargo run --release --features {GROUP_IROH_FEATURE} -- testnet …`)"
                    ),
                })
            }
            _ => Ok(()),
        }
    }
}

/// Knobs shared by scenarios.
#[derive(Debug, Clone)]
pub struct ScenarioOptions {
    /// Messages to send.
    pub messages: usize,
    /// Messages per second in total (0 = unpaced).
    pub rate: f64,
    /// Group members (group scenarios).
    pub group_size: usize,
    /// How long the traffic runs (`seed-day`; `None`: until `messages` are sent;
    /// `relay-load`: how long the circuits stream, 10 s for `None`).
    pub duration: Option<std::time::Duration>,
    /// Seed of the scenario's random choices (`seed-day`'s plan).
    pub seed: u64,
    /// Reservations the relay holds (`relay-load`: its cap; more are asked for).
    pub reservations: usize,
    /// Circuits streaming through the relay (`relay-load`).
    pub circuits: usize,
    /// Share of users away at any time, on average (`seed-day` as a soak; `None`: a
    /// few absences in the run's middle).
    pub churn: Option<f64>,
    /// Users run as separate processes (`chaos`).
    pub processes: usize,
    /// Mean time between two kills (`chaos`).
    pub kill_every: std::time::Duration,
    /// Devices linked to user 0's account, each a process too (`chaos`).
    pub devices: usize,
}

impl Default for ScenarioOptions {
    fn default() -> Self {
        Self {
            messages: 1000,
            rate: 0.0,
            group_size: 10,
            duration: None,
            seed: 1,
            reservations: 100,
            circuits: 20,
            churn: None,
            processes: 6,
            kill_every: std::time::Duration::from_secs(3),
            devices: 0,
        }
    }
}

/// The JSON report of a run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Nodes started.
    pub nodes: usize,
    /// Nodes whose routing table reached min(N−1, 8) peers.
    pub ready: usize,
    /// Milliseconds until all were ready.
    pub ready_ms: u64,
    /// Peak resident memory of the process.
    pub rss_bytes: u64,
    /// Peak resident memory divided by the number of nodes.
    pub rss_per_node_bytes: u64,
    /// The DHT check.
    pub kad_put_get: PutGetReport,
    /// The scenario run, if any.
    pub scenario: Option<&'static str>,
    /// CPU seconds the whole process used while the scenario ran (after the DHT check).
    pub scenario_cpu_s: f64,
    /// The scenario's figures.
    #[serde(flatten)]
    pub figures: serde_json::Map<String, serde_json::Value>,
}

/// Runs the DHT check and `scenario` on `net`, and assembles the report.
pub async fn run(
    net: &mut TestNet,
    readiness: Readiness,
    scenario: Option<Scenario>,
    options: &ScenarioOptions,
) -> Result<Report, TestNetError> {
    if let Some(scenario) = scenario {
        scenario.check_available()?;
    }
    net.wait_joined(JOIN_DEADLINE).await;
    let kad_put_get = dht::put_get(net).await?;
    let cpu_before = super::resources::cpu_seconds();
    let (name, figures) = match scenario {
        None => (None, serde_json::Map::new()),
        Some(Scenario::Startup) => (Some("startup"), startup::run(net, options.messages).await?),
        Some(Scenario::Discovery) => (Some("discovery"), discovery::run(net).await?),
        Some(Scenario::MutualAdd) => (Some("mutual-add"), mutual_add::run(net).await?),
        Some(Scenario::Dm) => (Some("dm"), dm::run_online(net, options.messages, options.rate).await?),
        Some(Scenario::Offline) => (
            Some("offline"),
            dm::run_offline(net, options.messages, options.rate).await?,
        ),
        Some(Scenario::Group) => (
            Some("group"),
            group::run(net, options.group_size, options.messages, options.rate).await?,
        ),
        Some(Scenario::GroupChurn) => (
            Some("group-churn"),
            group::run_churn(net, options.group_size, options.messages, options.rate).await?,
        ),
        Some(Scenario::GroupRaw) => (
            Some("group-raw"),
            group_raw::run(options.group_size, options.messages, options.rate).await?,
        ),
        Some(Scenario::InboundFlood) => (
            Some("inbound-flood"),
            attacks::run_inbound_flood(net, options.messages, options.rate).await?,
        ),
        Some(Scenario::SessionFlood) => (
            Some("session-flood"),
            attacks::run_session_flood(net, options.messages, options.rate).await?,
        ),
        Some(Scenario::DmRaw) => (
            Some("dm-raw"),
            raw::run(dm::pairs(net.nodes.len()).len(), options.messages, options.rate).await?,
        ),
        Some(Scenario::GroupIroh) => (Some("group-iroh"), compare::run_iroh(options).await?),
        Some(Scenario::GroupCompare) => (Some("group-compare"), compare::run(net, options).await?),
        Some(Scenario::SeedDay) => (Some("seed-day"), seed_day::run(net, options).await?),
        Some(Scenario::RelayLoad) => (
            Some("relay-load"),
            relay_load::run(options.reservations, options.circuits, options.duration).await?,
        ),
        Some(Scenario::Chaos) => (Some("chaos"), chaos::run(net, options).await?),
    };
    let scenario_cpu_s = super::stats::round(super::resources::cpu_seconds() - cpu_before);
    let rss_bytes = peak_rss_bytes();
    Ok(Report {
        nodes: net.nodes.len(),
        ready: readiness.ready,
        ready_ms: readiness.ready_ms,
        rss_bytes,
        rss_per_node_bytes: rss_bytes / net.nodes.len().max(1) as u64,
        kad_put_get,
        scenario: name,
        scenario_cpu_s,
        figures,
    })
}

/// A clock ticking `rate` times per second (catching up after a stall, so the offered load
/// stays `rate` on average); `None` for unpaced (`rate` 0).
fn pacer(rate: f64) -> Option<tokio::time::Interval> {
    (rate > 0.0).then(|| {
        let mut interval = tokio::time::interval(std::time::Duration::from_secs_f64(1.0 / rate));
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        interval
    })
}

/// Starts `start(job)` for every job at `rate` per second (all at once for 0), with at
/// most `concurrency` unfinished, and hands each outcome to `done`. The started ones keep
/// running while the next tick is awaited: each send begins at its own tick, never in a
/// burst when a batch is finally polled.
async fn paced<J, F>(
    jobs: impl IntoIterator<Item = J>,
    rate: f64,
    concurrency: usize,
    mut start: impl FnMut(J) -> F,
    mut done: impl FnMut(F::Output),
) where
    F: std::future::Future,
{
    use futures::StreamExt;
    let mut pacer = pacer(rate);
    let mut in_flight = futures::stream::FuturesUnordered::new();
    for job in jobs {
        if let Some(pacer) = pacer.as_mut() {
            loop {
                tokio::select! {
                    biased;
                    _ = pacer.tick() => break,
                    Some(outcome) = in_flight.next(), if !in_flight.is_empty() => done(outcome),
                }
            }
        }
        while in_flight.len() >= concurrency {
            if let Some(outcome) = in_flight.next().await {
                done(outcome);
            }
        }
        in_flight.push(start(job));
    }
    while let Some(outcome) = in_flight.next().await {
        done(outcome);
    }
}
