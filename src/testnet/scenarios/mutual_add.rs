//! `--scenario mutual-add`: two people add each other's numbers (mutual mode, the
//! default), in either order and after a delay from none to several seconds, and we
//! measure how long after the *second* add both nodes hold the other as `found`.
//!
//! Nodes are paired (0 with 1, 2 with 3, …); in every other pair the odd node adds
//! first, and the delay between the two adds cycles through [`DELAYS_MS`]. At most
//! [`PAIRS_AT_ONCE`] pairs run at a time so that their key derivations do not queue
//! behind each other. The first adder's own lookup misses (the other has published
//! nothing yet) and backs off; what makes it find its friend at once is the second
//! node's hello (SPEC.md §5.6). The DHT put→get check of the base report is the raw
//! libp2p baseline for the same net.

use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt};
use serde_json::{json, Map, Value};

use super::super::stats::Summary;
use super::super::{TestNet, TestNetError};
use crate::{Event, NodeHandle};

/// Delays between the first and the second add, cycled over the pairs.
pub const DELAYS_MS: [u64; 6] = [0, 0, 200, 1_000, 3_000, 8_000];
/// Pairs adding each other at the same time.
const PAIRS_AT_ONCE: usize = 2;
/// Longest wait for a pair to find each other.
const PAIR_DEADLINE: Duration = Duration::from_secs(60);

fn scenario_error(reason: impl ToString) -> TestNetError {
    TestNetError::Scenario {
        scenario: "mutual-add",
        reason: reason.to_string(),
    }
}

/// What one pair measured.
struct Outcome {
    delay_ms: u64,
    /// Both found, this long after the second add (ms).
    both_ms: Option<f64>,
    /// The first adder found its friend this long after the second add (ms).
    first_ms: Option<f64>,
}

/// Waits until `node` reports `phone` found (or verified); returns when, measured from
/// `since`.
async fn found_at(
    node: &NodeHandle,
    mut events: crate::node::EventStream,
    phone: String,
    since: Instant,
) -> Option<f64> {
    let already = node.contacts().await.ok()?.into_iter().any(|c| {
        c.numbers
            .iter()
            .any(|n| n.phone == phone && (n.state == "found" || n.state == "verified"))
    });
    if already {
        return Some(0.0);
    }
    tokio::time::timeout(PAIR_DEADLINE, async {
        while let Some(event) = events.next().await {
            if let Event::ContactUpdated { phone: p, state, .. } = event {
                if p == phone && (state == "found" || state == "verified") {
                    return Some(since.elapsed().as_secs_f64() * 1000.0);
                }
            }
        }
        None
    })
    .await
    .ok()
    .flatten()
}

pub async fn run(net: &mut TestNet) -> Result<Map<String, Value>, TestNetError> {
    let n = net.nodes.len();
    if n < 3 {
        return Err(scenario_error("needs at least 3 nodes (a pair and one more)"));
    }
    let jobs: Vec<(usize, usize, u64)> = (0..n / 2)
        .map(|k| {
            let (a, b) = (2 * k, 2 * k + 1);
            let (first, second) = if k.is_multiple_of(2) { (a, b) } else { (b, a) };
            (first, second, DELAYS_MS[k % DELAYS_MS.len()])
        })
        .collect();
    let node = |i: usize| net.nodes[i].node().clone();
    let phone = |i: usize| net.nodes[i].phone.to_string();
    let outcomes: Vec<Outcome> = stream::iter(jobs)
        .map(|(first, second, delay_ms)| {
            let (a, b) = (node(first), node(second));
            let (a_phone, b_phone) = (phone(first), phone(second));
            async move {
                let (a_events, b_events) = (a.events(), b.events());
                if a.add_contact(&b_phone, "friend").await.is_err() {
                    return Outcome {
                        delay_ms,
                        both_ms: None,
                        first_ms: None,
                    };
                }
                // The delay is the scenario's input: how long after the first add the
                // second person adds back.
                tokio::time::sleep(Duration::from_millis(delay_ms)).await;
                let second_add = Instant::now();
                let added = b.add_contact(&a_phone, "friend").await.is_ok();
                let (first_ms, second_ms) = tokio::join!(
                    found_at(&a, a_events, b_phone, second_add),
                    found_at(&b, b_events, a_phone, second_add)
                );
                let both_ms = match (added, first_ms, second_ms) {
                    (true, Some(x), Some(y)) => Some(x.max(y)),
                    _ => None,
                };
                Outcome {
                    delay_ms,
                    both_ms,
                    first_ms,
                }
            }
        })
        .buffer_unordered(PAIRS_AT_ONCE)
        .collect()
        .await;

    let both: Vec<f64> = outcomes.iter().filter_map(|o| o.both_ms).collect();
    let first: Vec<f64> = outcomes.iter().filter_map(|o| o.first_ms).collect();
    let summary = Summary::of(&both);
    let by_delay: Map<String, Value> = DELAYS_MS
        .iter()
        .map(|d| {
            let of: Vec<f64> = outcomes
                .iter()
                .filter(|o| o.delay_ms == *d)
                .filter_map(|o| o.both_ms)
                .collect();
            (format!("{d}ms"), json!(Summary::of(&of).p50_ms))
        })
        .collect();
    let mut hellos = 0;
    for handle in net.nodes.iter().filter_map(|n| n.handle.as_ref()) {
        if let Ok(status) = handle.status().await {
            hellos += status.discovery.hellos_sent;
        }
    }
    let figures = json!({
        "pairs": outcomes.len(),
        "found_both": both.len(),
        "within_2s": both.iter().filter(|ms| **ms <= 2_000.0).count(),
        "p50_ms": summary.p50_ms,
        "p90_ms": summary.p90_ms,
        "p99_ms": summary.p99_ms,
        "max_ms": summary.max_ms,
        "first_adder_p50_ms": Summary::of(&first).p50_ms,
        "p50_ms_by_delay": by_delay,
        "hellos_sent": hellos,
    });
    Ok(figures.as_object().cloned().unwrap_or_default())
}
