//! `--scenario discovery`: every node holds a few of the others' numbers, some mutual,
//! some one-sided, under a mix of discoverability modes, and we measure how long it
//! takes from adding a contact to holding its verified record.
//!
//! Nodes whose index is a multiple of [`EVERYONE_EVERY`] are discoverable by `everyone`,
//! the rest by `contacts` (mutual records). Node *i* holds *i+1* (mutual: *i+1* holds *i*)
//! and *i+3* (one-sided). Expected: every *i+1*, and *i+3* when it is an `everyone` node;
//! anything else found is a leak and counts as `wrong`, like a wrong identity.
//!
//! Phase 1 (not measured): every node *i+1* adds *i*, so the mutual records exist. Phase 2:
//! one contact at a time (latency, not queueing), *i* adds *i+1* and *i+3*; the clock runs
//! from `contacts.add` to the node's `contact_updated` event — key derivation included.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt};
use serde_json::{json, Map, Value};

use super::super::stats::Summary;
use super::super::{TestNet, TestNetError};
use crate::config::{Config, Discoverable};
use crate::Event;

/// Every this-many-th node is discoverable by everyone.
pub const EVERYONE_EVERY: usize = 4;
/// Longest wait for one contact's discovery.
const PER_CONTACT_DEADLINE: Duration = Duration::from_secs(60);
/// Longest wait for phase 1's publications.
const PUBLISH_DEADLINE: Duration = Duration::from_secs(120);

fn scenario_error(reason: impl ToString) -> TestNetError {
    TestNetError::Scenario {
        scenario: "discovery",
        reason: reason.to_string(),
    }
}

/// The settings of node `index` in this scenario.
pub fn node_settings(index: usize, base: &Config) -> Config {
    let mut settings = base.clone();
    settings.discovery.discoverable = if index.is_multiple_of(EVERYONE_EVERY) {
        Discoverable::Everyone
    } else {
        Discoverable::Contacts
    };
    settings
}

/// What one node found for one contact.
struct Outcome {
    expected: bool,
    found_peer: Option<String>,
    true_peer: String,
    ms: f64,
}

pub async fn run(net: &mut TestNet) -> Result<Map<String, Value>, TestNetError> {
    let n = net.nodes.len();
    if n < 5 {
        return Err(scenario_error("needs at least 5 nodes"));
    }
    let node = |i: usize| net.nodes[i % n].node().clone();
    let phone = |i: usize| net.nodes[i % n].phone.to_string();

    // Phase 1: i+1 holds i, so the mutual records of the pairs are published.
    for i in 0..n {
        node(i + 1)
            .add_contact(&phone(i), &format!("node {i}"))
            .await
            .map_err(scenario_error)?;
    }
    let deadline = tokio::time::Instant::now() + PUBLISH_DEADLINE;
    for i in 0..n {
        let handle = node(i);
        let mut events = handle.events();
        let _ = tokio::time::timeout_at(deadline, async {
            loop {
                let status = handle.status().await.map_err(scenario_error)?;
                if status.discovery.records_published >= 1 {
                    return Ok::<_, TestNetError>(());
                }
                if events.next().await.is_none() {
                    return Ok(());
                }
            }
        })
        .await;
    }

    // Phase 2, measured.
    let kdf_before: (u64, f64) = kdf_totals(net).await;
    let jobs: Vec<(usize, usize, bool)> = (0..n)
        .flat_map(|i| {
            [
                (i, (i + 1) % n, true),
                (i, (i + 3) % n, ((i + 3) % n).is_multiple_of(EVERYONE_EVERY)),
            ]
        })
        .collect();
    let outcomes: Vec<Outcome> = stream::iter(jobs)
        .map(|(i, j, expected)| {
            let (me, them, their_phone) = (node(i), node(j), phone(j));
            async move {
                let mut events = me.events();
                let started = Instant::now();
                me.add_contact(&their_phone, &format!("node {j}")).await.ok()?;
                let state = tokio::time::timeout(PER_CONTACT_DEADLINE, async {
                    while let Some(event) = events.next().await {
                        if let Event::ContactUpdated { phone, state, .. } = event {
                            if phone == their_phone && state != "pending" {
                                return Some(state);
                            }
                        }
                    }
                    None
                })
                .await
                .ok()
                .flatten()?;
                let ms = started.elapsed().as_secs_f64() * 1000.0;
                let found_peer = if state == "found" || state == "verified" {
                    me.contacts()
                        .await
                        .ok()?
                        .into_iter()
                        .find(|c| c.phone == their_phone)
                        .and_then(|c| c.peer_id)
                } else {
                    None
                };
                Some(Outcome {
                    expected,
                    found_peer,
                    true_peer: them.peer_id().to_string(),
                    ms,
                })
            }
        })
        .buffer_unordered(1)
        .filter_map(|o| async { o })
        .collect()
        .await;
    let kdf_after = kdf_totals(net).await;

    let expected = outcomes.iter().filter(|o| o.expected).count();
    let discovered = outcomes
        .iter()
        .filter(|o| o.expected && o.found_peer.as_ref() == Some(&o.true_peer))
        .count();
    let wrong = outcomes
        .iter()
        .filter(|o| match &o.found_peer {
            Some(peer) => !o.expected || *peer != o.true_peer,
            None => false,
        })
        .count();
    let latencies: Vec<f64> = outcomes
        .iter()
        .filter(|o| o.expected && o.found_peer.is_some())
        .map(|o| o.ms)
        .collect();
    let summary = Summary::of(&latencies);
    let kdf_runs = kdf_after.0.saturating_sub(kdf_before.0);
    let kdf_ms = if kdf_runs == 0 {
        0.0
    } else {
        (kdf_after.1 - kdf_before.1) / kdf_runs as f64
    };
    let mut by_state: HashMap<&str, usize> = HashMap::new();
    for o in &outcomes {
        *by_state
            .entry(if o.found_peer.is_some() { "found" } else { "not_found" })
            .or_default() += 1;
    }
    let figures = json!({
        "expected": expected,
        "discovered": discovered,
        "wrong": wrong,
        "p50_ms": summary.p50_ms,
        "p99_ms": summary.p99_ms,
        "kdf_ms": super::super::stats::round(kdf_ms),
        "kdf_runs": kdf_runs,
        "lookups": outcomes.len(),
        "outcomes": by_state,
    });
    Ok(figures.as_object().cloned().unwrap_or_default())
}

async fn kdf_totals(net: &TestNet) -> (u64, f64) {
    let mut totals = (0, 0.0);
    for node in net.nodes.iter().filter_map(|n| n.handle.as_ref()) {
        if let Ok(status) = node.status().await {
            totals.0 += status.discovery.kdf_runs;
            totals.1 += status.discovery.kdf_ms_total;
        }
    }
    totals
}
