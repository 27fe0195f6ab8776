//! `--scenario relay-load`: a loaded circuit relay. The relay is a real `chingu run --role
//! relay` child process on 127.0.0.1 ([`relay`]), so its resident memory and CPU are its
//! own, read from `/proc/<pid>`. Bare libp2p swarms ([`client`]) load it:
//!
//! 1. `--reservations` + a tenth more (at least 2) clients ask for a reservation; the relay
//!    holds at most `--reservations`, so the rest must be refused (`reservations_full`).
//! 2. `--circuits` sources open circuits to holders, plus one *probe* circuit; with those
//!    open (the relay's circuit cap) two more are asked for and must be refused
//!    (`circuits_full`).
//! 3. Every circuit streams 3/8 of `relay.circuit_bytes` each way (¾ of the cap in all)
//!    in 32 KiB chunks paced over `--duration` (10 s by default), each echoed back, while
//!    the probe streams the cap each way at the same pace: the relay must cut it.
//! 4. Once the probe's circuit is gone, a fresh circuit carries an echo: the relay still
//!    serves.
//!
//! The report has the relay's memory idle, with the reservations and at its peak with the
//! circuits, its CPU over the streaming, the bytes per circuit against the cap, and its own
//! counters (`nat.relay_service` of its status, which `/metrics` exports) beside what the
//! clients saw.
//!
//! All clients connect from 127.0.0.1. `network.limit_loopback` stays `false`, so the
//! per-IP *connection* caps do not count them as one address; the relay's per-IP
//! *reservation* and *circuit* caps do (relay admission applies them to loopback too), so
//! they are raised above the total caps, which are the ones under test.

mod client;
mod relay;

use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::{json, Map, Value};

use super::super::resources::Series;
use super::super::stats::round;
use super::super::TestNetError;
use crate::config::RelayConfig;
use crate::node::nat::admission::RelayServiceStats;
use client::{Client, Transfer, CHUNK};
use relay::RelayProcess;

/// Circuits asked for beyond the relay's cap while it is full.
const EXTRA_CIRCUITS: usize = 2;
/// Longest wait of each step.
const STEP_DEADLINE: Duration = Duration::from_secs(60);
/// Longest wait for all transfers.
const STREAM_DEADLINE: Duration = Duration::from_secs(300);
/// Requests to the relay in progress at once (its inbound handshake cap is 128).
const CONCURRENCY: usize = 16;
/// How long the circuits within the byte cap stream, by default (the probe a third longer,
/// if it were not cut).
const DEFAULT_STREAM_FOR: Duration = Duration::from_secs(10);
/// How often the relay's CPU and memory are sampled while circuits stream.
const SAMPLE_EVERY: Duration = Duration::from_millis(200);

fn scenario_error(reason: impl ToString) -> TestNetError {
    TestNetError::Scenario {
        scenario: "relay-load",
        reason: reason.to_string(),
    }
}

/// Reservations asked for beyond the cap.
fn extra_reservations(cap: usize) -> usize {
    (cap / 10).max(2)
}

/// The relay's limits for `reservations` and `circuits`: the total caps bind, the per-IP
/// ones (all clients are on 127.0.0.1) are above them; everything else is the default.
pub fn limits(reservations: usize, circuits: usize) -> RelayConfig {
    RelayConfig {
        max_reservations: reservations,
        max_reservations_per_ip: reservations + extra_reservations(reservations),
        max_circuits: circuits + 1,
        max_circuits_per_ip: circuits + 1 + EXTRA_CIRCUITS + 1,
        ..RelayConfig::default()
    }
}

/// Runs the scenario with `reservations` held and `circuits` streaming for about
/// `stream_for` (10 s if `None`).
pub async fn run(
    reservations: usize,
    circuits: usize,
    stream_for: Option<Duration>,
) -> Result<Map<String, Value>, TestNetError> {
    // Holders needed: the circuits' targets, the probe's, the refused ones' and the last one's.
    if circuits == 0 || reservations < circuits + EXTRA_CIRCUITS + 2 {
        return Err(scenario_error(format!(
            "needs --circuits ≥ 1 and --reservations ≥ circuits + {}",
            EXTRA_CIRCUITS + 2
        )));
    }
    let limits = limits(reservations, circuits);
    let mut relay = RelayProcess::start(limits.clone()).await.map_err(scenario_error)?;
    let outcome = load(&mut relay, &limits, stream_for.unwrap_or(DEFAULT_STREAM_FOR)).await;
    let running = relay.is_running();
    let tail = relay.log_tail();
    relay.stop().await;
    match outcome {
        Ok(map) => Ok(map),
        Err(reason) if running => Err(scenario_error(reason)),
        Err(reason) => Err(scenario_error(format!("{reason} (the relay exited: {tail})"))),
    }
}

/// Waits until the relay's counters satisfy `done`, or the step deadline; returns the last.
async fn counters_until(
    relay: &mut RelayProcess,
    done: impl Fn(&RelayServiceStats) -> bool,
) -> Result<RelayServiceStats, String> {
    let deadline = tokio::time::Instant::now() + STEP_DEADLINE;
    let mut ticks = tokio::time::interval(Duration::from_millis(50));
    loop {
        ticks.tick().await;
        let stats = relay.service().await?;
        if done(&stats) || tokio::time::Instant::now() >= deadline {
            return Ok(stats);
        }
    }
}

/// Runs `job` for each item, `CONCURRENCY` at once, each within the step deadline; the
/// outcomes in order.
async fn each<'a, T: 'a, F>(items: impl IntoIterator<Item = T>, job: impl FnMut(T) -> F) -> Vec<Result<(), String>>
where
    F: std::future::Future<Output = Result<(), String>> + 'a,
{
    futures::stream::iter(items.into_iter().map(job))
        .map(|f| async move {
            tokio::time::timeout(STEP_DEADLINE, f)
                .await
                .unwrap_or_else(|_| Err(format!("no answer within {STEP_DEADLINE:?}")))
        })
        .buffered(CONCURRENCY)
        .collect()
        .await
}

/// Whether a refusal came from the relay (a relay v2 `RESOURCE_LIMIT_EXCEEDED` status).
fn refused_by_relay(error: &str) -> bool {
    error.contains("ResourceLimitExceeded")
}

/// Counts outcomes: (succeeded, refused by the relay, failed otherwise, the first few
/// distinct errors of the failures).
fn tally(outcomes: &[Result<(), String>]) -> (usize, usize, usize, Vec<String>) {
    let ok = outcomes.iter().filter(|o| o.is_ok()).count();
    let refused = outcomes
        .iter()
        .filter(|o| o.as_ref().is_err_and(|e| refused_by_relay(e)))
        .count();
    let mut errors: Vec<String> = outcomes
        .iter()
        .filter_map(|o| o.clone().err())
        .filter(|e| !refused_by_relay(e))
        .collect();
    errors.sort();
    errors.dedup();
    errors.truncate(3);
    (ok, refused, outcomes.len() - ok - refused, errors)
}

/// Streams `bytes` each way to `target`, one chunk (and its echo) every `every`, until
/// all went through or the circuit was cut.
async fn paced_stream(client: &Client, target: libp2p::PeerId, bytes: u64, every: Duration) -> Transfer {
    let mut ticks = tokio::time::interval(every);
    let mut total = Transfer::default();
    let mut left = bytes;
    while left > 0 {
        ticks.tick().await;
        let chunk = left.min(CHUNK as u64);
        let step = client.stream(target, chunk).await;
        total.sent += step.sent;
        total.received += step.received;
        if step.cut.is_some() {
            total.cut = step.cut;
            break;
        }
        left -= chunk;
    }
    total
}

fn mib(bytes: u64) -> f64 {
    round(bytes as f64 / (1024.0 * 1024.0))
}

async fn load(
    relay: &mut RelayProcess,
    limits: &RelayConfig,
    stream_for: Duration,
) -> Result<Map<String, Value>, String> {
    let process = relay.process;
    let cap = limits.max_reservations;
    let circuits = limits.max_circuits - 1;
    let idle_status = relay.status().await?;
    let rss_idle = process.rss_bytes().unwrap_or_default();

    // 1. Reservations: the cap and some more.
    let asked = cap + extra_reservations(cap);
    let holders: Vec<Client> = (0..asked).map(|_| Client::start()).collect::<Result<_, _>>()?;
    let (cpu_start, started) = (process.cpu_seconds().unwrap_or_default(), Instant::now());
    let outcomes = each(&holders, |c| c.reserve(&relay.addr)).await;
    let reservation_s = started.elapsed().as_secs_f64();
    let (accepted, refused, failed, errors) = tally(&outcomes);
    let held: Vec<&Client> = holders
        .iter()
        .zip(&outcomes)
        .filter(|(_, o)| o.is_ok())
        .map(|(c, _)| c)
        .collect();
    if held.len() < circuits + EXTRA_CIRCUITS + 2 {
        return Err(format!(
            "only {accepted} of {asked} reservations accepted (refused {refused}, failed {failed}: {errors:?})"
        ));
    }
    let after_reservations = counters_until(relay, |s| s.reservations == accepted).await?;
    let rss_reserved = process.rss_bytes().unwrap_or_default();
    let cpu_reservations = process.cpu_seconds().unwrap_or_default() - cpu_start;
    let reservations = json!({
        "cap": cap,
        "asked": asked,
        "accepted": accepted,
        "refused": refused,
        "failed": failed,
        "failures": errors,
        "s": round(reservation_s),
        "relay_counters": after_reservations,
    });

    // 2. Circuits up to the cap (the last is the probe), then more while it is full.
    let sources: Vec<Client> = (0..circuits + 1 + EXTRA_CIRCUITS + 1)
        .map(|_| Client::start())
        .collect::<Result<_, _>>()?;
    let peak_reset = process.reset_peak_rss();
    let pairs: Vec<(&Client, &Client)> = sources.iter().zip(held.iter().copied()).collect();
    let open = each(&pairs[..=circuits], |(s, t)| s.connect(&relay.addr, t.peer_id)).await;
    let (opened, _, _, open_errors) = tally(&open);
    if opened <= circuits {
        return Err(format!(
            "only {opened} of {} circuits opened: {open_errors:?}",
            circuits + 1
        ));
    }
    let over = &pairs[circuits + 1..circuits + 1 + EXTRA_CIRCUITS];
    let over_outcomes = each(over, |(s, t)| s.connect(&relay.addr, t.peer_id)).await;
    let (over_opened, over_refused, over_failed, over_errors) = tally(&over_outcomes);

    // 3. Streaming: every circuit ¾ of the byte cap in all, the probe twice the cap.
    let circuit_cap = limits.circuit_bytes;
    let each_way = circuit_cap * 3 / 8;
    let (cpu_start, started) = (process.cpu_seconds().unwrap_or_default(), Instant::now());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let sampler = tokio::spawn(Series::record_process(process, SAMPLE_EVERY, async {
        let _ = stopped.await;
    }));
    let every = stream_for / (each_way / CHUNK as u64).max(1) as u32;
    let transfers = futures::future::join_all(pairs[..=circuits].iter().enumerate().map(|(i, (s, t))| {
        let bytes = if i == circuits { circuit_cap } else { each_way };
        paced_stream(s, t.peer_id, bytes, every)
    }));
    let mut transfers: Vec<Transfer> = tokio::time::timeout(STREAM_DEADLINE, transfers)
        .await
        .map_err(|_| format!("the circuits did not finish streaming within {STREAM_DEADLINE:?}"))?;
    let stream_s = started.elapsed().as_secs_f64();
    let cpu_stream = process.cpu_seconds().unwrap_or_default() - cpu_start;
    let _ = stop.send(());
    let series = sampler.await.unwrap_or_default();
    let rss_peak = process.peak_rss_bytes().unwrap_or_default();
    let probe = transfers.pop().expect("the probe streamed");

    // 4. The relay still serves: the probe's slot comes free, and a new circuit echoes.
    let freed = counters_until(relay, |s| s.circuits <= circuits).await?;
    let (last_source, last_target) = pairs[circuits + 1 + EXTRA_CIRCUITS];
    let last = match last_source.connect(&relay.addr, last_target.peer_id).await {
        Ok(()) => last_source.stream(last_target.peer_id, 2 * CHUNK as u64).await,
        Err(e) => Transfer {
            cut: Some(e),
            ..Transfer::default()
        },
    };
    let last_ok = last.cut.is_none() && last.sent == 2 * CHUNK as u64;
    let final_counters = relay.service().await?;
    let serving_after = last_ok && relay.is_running();
    let rss_end = process.rss_bytes().unwrap_or_default();

    let totals: Vec<u64> = transfers.iter().map(|t| t.sent + t.received).collect();
    let relayed: u64 = totals.iter().sum::<u64>() + probe.sent + probe.received;
    let cut_within_cap = transfers.iter().filter(|t| t.cut.is_some()).count();
    let probe_bytes = probe.sent + probe.received;
    let counters_agree = final_counters.reservations_accepted == accepted as u64
        && final_counters.reservations_refused.get("reservations_full").copied() == Some(refused as u64)
        && final_counters.circuits_refused.get("circuits_full").copied() == Some(over_refused as u64);
    let mut map = Map::new();
    map.insert(
        "relay".into(),
        json!({
            "process": "chingu run --role relay (a child process; CPU and memory from /proc/<pid>)",
            "pid": process.pid,
            "peer_id": relay.peer_id.to_string(),
            "addr": relay.addr.to_string(),
            "role": idle_status["role"],
            "reachability": idle_status["reachability"],
            "limits": {
                "max_reservations": limits.max_reservations,
                "max_reservations_per_ip": limits.max_reservations_per_ip,
                "max_circuits": limits.max_circuits,
                "max_circuits_per_ip": limits.max_circuits_per_ip,
                "circuit_bytes": limits.circuit_bytes,
                "circuit_secs": limits.circuit_secs,
            },
            "loopback": "all clients on 127.0.0.1: network.limit_loopback = false (per-IP connection \
                         caps exempt loopback); relay per-IP caps raised above the total caps",
        }),
    );
    map.insert("reservations".into(), reservations);
    map.insert(
        "circuits".into(),
        json!({
            "cap": limits.max_circuits,
            "asked": circuits + 1 + EXTRA_CIRCUITS,
            "opened": opened + over_opened,
            "refused": over_refused,
            "failed": (circuits + 1 - opened) + over_failed,
            "failures": open_errors.into_iter().chain(over_errors).collect::<Vec<_>>(),
            "streaming": circuits,
            "bytes_each_way": each_way,
            "chunk_bytes": CHUNK,
            "chunk_every_ms": round(every.as_secs_f64() * 1000.0),
            "bytes_per_circuit": {
                "min": totals.iter().min(),
                "max": totals.iter().max(),
                "of_cap": round(totals.iter().max().copied().unwrap_or_default() as f64 / circuit_cap as f64),
            },
            "cut_within_cap": cut_within_cap,
            "relayed_bytes": relayed,
            "stream_s": round(stream_s),
            "mib_per_s": round(mib(relayed) / stream_s.max(1e-9)),
        }),
    );
    map.insert(
        "byte_cap".into(),
        json!({
            "circuit_bytes": circuit_cap,
            "asked_bytes": 2 * circuit_cap,
            "delivered_bytes": probe_bytes,
            "of_cap": round(probe_bytes as f64 / circuit_cap as f64),
            "cut": probe.cut.is_some(),
            "error": probe.cut,
        }),
    );
    map.insert(
        "relay_rss".into(),
        json!({
            "idle_bytes": rss_idle,
            "with_reservations_bytes": rss_reserved,
            "per_reservation_bytes": rss_reserved.saturating_sub(rss_idle) / accepted.max(1) as u64,
            "peak_with_circuits_bytes": rss_peak,
            "peak_reset_before_circuits": peak_reset,
            "sampled_max_while_streaming_bytes": series.trend().rss_max_bytes,
            "end_bytes": rss_end,
        }),
    );
    map.insert(
        "relay_cpu".into(),
        json!({
            "reservation_phase_s": round(cpu_reservations),
            "circuit_phase_s": round(cpu_stream),
            "circuit_phase_wall_s": round(stream_s),
            "circuit_phase_pct": round(100.0 * cpu_stream / stream_s.max(1e-9)),
            "cpu_s_per_gib_relayed": round(cpu_stream / (relayed as f64 / f64::from(1 << 30)).max(1e-9)),
            "samples": series.samples.len(),
        }),
    );
    map.insert("relay_counters".into(), json!(final_counters));
    map.insert("counters_agree".into(), json!(counters_agree));
    map.insert("circuits_after_cut".into(), json!(freed.circuits));
    map.insert("serving_after".into(), json!(serving_after));
    Ok(map)
}
