//! The DHT check of every run: each node puts a genuine rendezvous record and another
//! random node gets it. The record lives under the keys of a fresh random invite secret,
//! so the check neither pays the slow number KDF nor makes any node findable by its
//! number (scenarios that measure discovery see only what the nodes publish themselves).

use std::time::Instant;

use futures::stream::{self, StreamExt};
use libp2p::identity::ed25519;

use super::super::stats::Summary;
use super::super::{PutGetReport, TestNet, TestNetError};
use crate::rendezvous::record::DEFAULT_LIFETIME_SECS;
use crate::rendezvous::{seal_entry, Epoch, InnerBody, RendezvousKeys, RendezvousValue};
use crate::session::Prekey;
use crate::wire::{List, Text};

/// Nets larger than this run the check with [`LARGE_CHECK_CONCURRENCY`] pairs at once.
const LARGE_CHECK_FROM: usize = 200;
/// Pairs checked at once in a large net.
const LARGE_CHECK_CONCURRENCY: usize = 8;

fn scenario_error(reason: impl ToString) -> TestNetError {
    TestNetError::Scenario {
        scenario: "kad_put_get",
        reason: reason.to_string(),
    }
}

/// A node's record: its DHT key and the encoded value.
fn record(identity: &ed25519::Keypair, noise_pk: [u8; 32], now: u64) -> Result<(Vec<u8>, Vec<u8>), TestNetError> {
    let epoch = Epoch::at(now);
    let mut rng = rand::rngs::OsRng;
    let mut secret = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rng, &mut secret);
    let keys = RendezvousKeys::from_invite_secret(&secret, epoch);
    let prekey = Prekey::generate(1, now, &mut rng)
        .map_err(scenario_error)?
        .sign(identity);
    let name = Text::new("test net").map_err(scenario_error)?;
    let body = InnerBody::new(
        &identity.public(),
        noise_pk,
        prekey,
        List::default(),
        List::default(),
        name,
    );
    let seq = crate::model::now_ms();
    let entry = seal_entry(
        identity,
        &keys,
        epoch,
        seq,
        now + DEFAULT_LIFETIME_SECS,
        &body,
        &mut rng,
    )
    .map_err(scenario_error)?;
    let value = RendezvousValue::new(vec![entry])
        .and_then(|v| v.encode())
        .map_err(scenario_error)?;
    Ok((keys.dht_key.to_vec(), value))
}

/// Runs the check over every running node.
pub async fn put_get(net: &mut TestNet) -> Result<PutGetReport, TestNetError> {
    let concurrency = check_concurrency(net.nodes.len(), 1);
    Ok(report(&pair_outcomes(net, concurrency).await?))
}

/// Pairs checked at once in a net of `nodes` whose check runs in `processes` processes:
/// one at a time (latency, not queueing behind other pairs), except in large nets, where
/// one at a time would take most of an hour.
pub fn check_concurrency(nodes: usize, processes: usize) -> usize {
    if nodes > LARGE_CHECK_FROM {
        LARGE_CHECK_CONCURRENCY.div_ceil(processes.max(1))
    } else {
        1
    }
}

/// Each running node puts a record another random running node of `net` gets,
/// `concurrency` pairs at once: the put and get times of each pair, `None` where either
/// failed.
pub async fn pair_outcomes(net: &mut TestNet, concurrency: usize) -> Result<Vec<Option<(f64, f64)>>, TestNetError> {
    let now = crate::model::now_ms() / 1000;
    let running: Vec<usize> = (0..net.nodes.len())
        .filter(|&i| net.nodes[i].handle.is_some())
        .collect();
    let mut records = Vec::new();
    for &i in &running {
        let identity = net.nodes[i]
            .home
            .load_identity()
            .map_err(|source| TestNetError::Home { index: i, source })?;
        records.push(record(identity.ed25519(), identity.noise().public, now)?);
    }
    let mut pairs = Vec::new();
    for (position, record) in records.into_iter().enumerate() {
        // Another running node, chosen at random (the node itself in a net of one).
        let offset = if running.len() > 1 {
            1 + net.rng_index(running.len() - 1)
        } else {
            0
        };
        let (i, j) = (running[position], running[(position + offset) % running.len()]);
        pairs.push((net.nodes[i].node().clone(), net.nodes[j].node().clone(), record));
    }

    Ok(stream::iter(pairs)
        .map(|(putter, getter, (key, value))| async move {
            let start = Instant::now();
            putter.dht_put(key.clone(), value).await.ok()?;
            let put_ms = start.elapsed().as_secs_f64() * 1000.0;
            let start = Instant::now();
            let values = getter.dht_get(key, 1).await.ok()?;
            let get_ms = start.elapsed().as_secs_f64() * 1000.0;
            (!values.is_empty()).then_some((put_ms, get_ms))
        })
        .buffered(concurrency.max(1))
        .collect()
        .await)
}

/// The check's report from its pairs' outcomes.
pub fn report(outcomes: &[Option<(f64, f64)>]) -> PutGetReport {
    let ok: Vec<(f64, f64)> = outcomes.iter().flatten().copied().collect();
    let total: Vec<f64> = ok.iter().map(|(p, g)| p + g).collect();
    let summary = Summary::of(&total);
    PutGetReport {
        ok: ok.len(),
        failed: outcomes.len() - ok.len(),
        p50_ms: summary.p50_ms,
        p99_ms: summary.p99_ms,
        put: Summary::of(&ok.iter().map(|(p, _)| *p).collect::<Vec<_>>()),
        get: Summary::of(&ok.iter().map(|(_, g)| *g).collect::<Vec<_>>()),
    }
}
