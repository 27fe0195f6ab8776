//! The DHT check of every run: each node puts a genuine rendezvous record (its number,
//! `everyone` mode) and another random node gets it. Key derivation (the slow KDF) runs
//! before the clock starts, on every core; the figures are the DHT's own.

use std::time::Instant;

use futures::stream::{self, StreamExt};
use libp2p::identity::ed25519;

use super::super::stats::Summary;
use super::super::{PutGetReport, TestNet, TestNetError};
use crate::rendezvous::record::DEFAULT_LIFETIME_SECS;
use crate::rendezvous::{seal_entry, Epoch, InnerBody, RendezvousKeys, RendezvousValue};
use crate::session::Prekey;
use crate::wire::{List, Text};


fn scenario_error(reason: impl ToString) -> TestNetError {
    TestNetError::Scenario { scenario: "kad_put_get", reason: reason.to_string() }
}

/// A node's record: its DHT key and the encoded value.
fn record(identity: &ed25519::Keypair, noise_pk: [u8; 32], phone: &str, now: u64) -> Result<(Vec<u8>, Vec<u8>), TestNetError> {
    let epoch = Epoch::at(now);
    let keys = RendezvousKeys::single(phone, epoch);
    let mut rng = rand::rngs::OsRng;
    let prekey = Prekey::generate(1, now, &mut rng).map_err(scenario_error)?.sign(identity);
    let name = Text::new("test net").map_err(scenario_error)?;
    let body = InnerBody::new(&identity.public(), noise_pk, prekey, List::default(), List::default(), name);
    let entry =
        seal_entry(identity, &keys, epoch, now, now + DEFAULT_LIFETIME_SECS, &body, &mut rng).map_err(scenario_error)?;
    let value = RendezvousValue::new(vec![entry]).and_then(|v| v.encode()).map_err(scenario_error)?;
    Ok((keys.dht_key.to_vec(), value))
}

/// Runs the check over every running node.
pub async fn put_get(net: &mut TestNet) -> Result<PutGetReport, TestNetError> {
    let now = crate::model::now_ms() / 1000;
    let running: Vec<usize> = (0..net.nodes.len()).filter(|&i| net.nodes[i].handle.is_some()).collect();
    let mut inputs = Vec::new();
    for &i in &running {
        let identity = net.nodes[i].home.load_identity().map_err(|source| TestNetError::Home { index: i, source })?;
        inputs.push((identity, net.nodes[i].phone.to_string()));
    }
    // One KDF per core at a time: each takes 16 MiB and all the CPU it can get.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let records: Vec<_> = stream::iter(inputs)
        .map(|(identity, phone)| {
            tokio::task::spawn_blocking(move || record(identity.ed25519(), identity.noise().public, &phone, now))
        })
        .buffered(cores)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .map(|joined| joined.map_err(scenario_error)?)
        .collect::<Result<_, _>>()?;
    let mut pairs = Vec::new();
    for (position, record) in records.into_iter().enumerate() {
        // Another running node, chosen at random (the node itself in a net of one).
        let offset = if running.len() > 1 { 1 + net.rng_index(running.len() - 1) } else { 0 };
        let (i, j) = (running[position], running[(position + offset) % running.len()]);
        pairs.push((net.nodes[i].node().clone(), net.nodes[j].node().clone(), record));
    }

    let outcomes: Vec<Option<(f64, f64)>> = stream::iter(pairs)
        .map(|(putter, getter, (key, value))| async move {
            let start = Instant::now();
            putter.dht_put(key.clone(), value).await.ok()?;
            let put_ms = start.elapsed().as_secs_f64() * 1000.0;
            let start = Instant::now();
            let values = getter.dht_get(key, 1).await.ok()?;
            let get_ms = start.elapsed().as_secs_f64() * 1000.0;
            (!values.is_empty()).then_some((put_ms, get_ms))
        })
        // One pair at a time: latency, not queueing behind other pairs.
        .buffered(1)
        .collect()
        .await;

    let ok: Vec<(f64, f64)> = outcomes.iter().flatten().copied().collect();
    let total: Vec<f64> = ok.iter().map(|(p, g)| p + g).collect();
    let summary = Summary::of(&total);
    Ok(PutGetReport {
        ok: ok.len(),
        failed: outcomes.len() - ok.len(),
        p50_ms: summary.p50_ms,
        p99_ms: summary.p99_ms,
        put: Summary::of(&ok.iter().map(|(p, _)| *p).collect::<Vec<_>>()),
        get: Summary::of(&ok.iter().map(|(_, g)| *g).collect::<Vec<_>>()),
    })
}
