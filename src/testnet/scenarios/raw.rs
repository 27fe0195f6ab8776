//! `--scenario dm-raw`: the baseline for `dm`. Bare libp2p swarms (TCP, Noise, Yamux,
//! request-response with the same length-prefixed frames) in the same sender → recipient
//! pairs, one message per request, answered at once: no end-to-end encryption, no store,
//! no retries, no acknowledgement semantics. The ratio of `dm` to `dm-raw` is the cost
//! of chingu's guarantees.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use futures::StreamExt;
use libp2p::request_response::{self, ProtocolSupport};
use libp2p::swarm::SwarmEvent;
use libp2p::{noise, tcp, yamux, Multiaddr, PeerId, StreamProtocol, Swarm};
use serde_json::{json, Map, Value};
use tokio::sync::mpsc;

use super::super::TestNetError;
use crate::node::codec::FrameCodec;

/// The baseline's protocol name.
const RAW_PROTOCOL: &str = "/chingu-raw/1";
/// Longest wait for every message.
const DEADLINE: Duration = Duration::from_secs(180);
/// Requests in flight per sender (libp2p refuses streams beyond its per-connection cap,
/// so a sensible app queues the rest, as chingu does).
const WINDOW: usize = 64;

type RawSwarm = Swarm<request_response::Behaviour<FrameCodec>>;

fn scenario_error(reason: impl ToString) -> TestNetError {
    TestNetError::Scenario {
        scenario: "dm-raw",
        reason: reason.to_string(),
    }
}

/// A bare swarm of the baselines: a fresh identity, TCP, Noise, Yamux and `behaviour`.
pub(super) fn bare_swarm<B: libp2p::swarm::NetworkBehaviour>(
    behaviour: impl FnOnce(&libp2p::identity::Keypair) -> B,
) -> Result<Swarm<B>, String> {
    Ok(libp2p::SwarmBuilder::with_new_identity()
        .with_tokio()
        .with_tcp(
            tcp::Config::default().nodelay(true),
            noise::Config::new,
            yamux::Config::default,
        )
        .map_err(|e| e.to_string())?
        .with_behaviour(behaviour)
        .map_err(|e| e.to_string())?
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(300)))
        .build())
}

/// Listens on a fresh loopback TCP port and returns the address.
pub(super) async fn listen_on_loopback<B: libp2p::swarm::NetworkBehaviour>(
    swarm: &mut Swarm<B>,
) -> Result<Multiaddr, String> {
    swarm
        .listen_on("/ip4/127.0.0.1/tcp/0".parse().expect("valid"))
        .map_err(|e| e.to_string())?;
    loop {
        if let SwarmEvent::NewListenAddr { address, .. } = swarm.select_next_some().await {
            return Ok(address);
        }
    }
}

fn swarm() -> Result<RawSwarm, TestNetError> {
    bare_swarm(|_| {
        request_response::Behaviour::with_codec(
            FrameCodec,
            [(StreamProtocol::new(RAW_PROTOCOL), ProtocolSupport::Full)],
            request_response::Config::default().with_request_timeout(Duration::from_secs(30)),
        )
    })
    .map_err(scenario_error)
}

/// Starts a recipient: reports `(seq, arrival)` for each request and answers it.
async fn recipient(arrivals: mpsc::UnboundedSender<(u64, Instant)>) -> Result<(PeerId, Multiaddr), TestNetError> {
    let mut swarm = swarm()?;
    let addr = super::raw::listen_on_loopback(&mut swarm)
        .await
        .map_err(scenario_error)?;
    let peer = *swarm.local_peer_id();
    tokio::spawn(async move {
        loop {
            if let SwarmEvent::Behaviour(request_response::Event::Message {
                message: request_response::Message::Request { request, channel, .. },
                ..
            }) = swarm.select_next_some().await
            {
                let seq = request.get(..8).and_then(|b| b.try_into().ok()).map(u64::from_be_bytes);
                if let Some(seq) = seq {
                    if arrivals.send((seq, Instant::now())).is_err() {
                        return;
                    }
                }
                let _ = swarm.behaviour_mut().send_response(channel, vec![1]);
            }
        }
    });
    Ok((peer, addr))
}

/// Starts a sender towards `peer`; each `seq` received on the returned channel becomes
/// one request. Failed requests are counted in `failures`.
fn sender(
    peer: PeerId,
    addr: Multiaddr,
    failures: mpsc::UnboundedSender<u64>,
) -> Result<mpsc::UnboundedSender<u64>, TestNetError> {
    let mut swarm = swarm()?;
    swarm.add_peer_address(peer, addr);
    let (tx, mut rx) = mpsc::unbounded_channel::<u64>();
    tokio::spawn(async move {
        let mut pending = HashMap::new();
        let mut queue = std::collections::VecDeque::new();
        let mut open = true;
        loop {
            while pending.len() < WINDOW {
                let Some(seq) = queue.pop_front() else { break };
                let mut payload = u64::to_be_bytes(seq).to_vec();
                payload.extend_from_slice(super::dm::text(seq as usize).as_bytes());
                let id = swarm.behaviour_mut().send_request(&peer, payload);
                pending.insert(id, seq);
            }
            if !open && queue.is_empty() && pending.is_empty() {
                return;
            }
            tokio::select! {
                seq = rx.recv(), if open => match seq {
                    Some(seq) => queue.push_back(seq),
                    None => open = false,
                },
                event = swarm.select_next_some() => match event {
                    SwarmEvent::Behaviour(request_response::Event::OutboundFailure { request_id, .. }) => {
                        if let Some(seq) = pending.remove(&request_id) {
                            let _ = failures.send(seq);
                        }
                    }
                    SwarmEvent::Behaviour(request_response::Event::Message {
                        message: request_response::Message::Response { request_id, .. },
                        ..
                    }) => {
                        pending.remove(&request_id);
                    }
                    _ => {}
                },
            }
        }
    });
    Ok(tx)
}

/// Runs the baseline with `pairs` pairs.
pub async fn run(pairs: usize, messages: usize, rate: f64) -> Result<Map<String, Value>, TestNetError> {
    if pairs == 0 {
        return Err(scenario_error("needs at least 3 nodes (one pair)"));
    }
    let (arrivals_tx, mut arrivals_rx) = mpsc::unbounded_channel();
    let (failures_tx, mut failures_rx) = mpsc::unbounded_channel();
    let mut senders = Vec::new();
    for _ in 0..pairs {
        let (peer, addr) = recipient(arrivals_tx.clone()).await?;
        senders.push(sender(peer, addr, failures_tx.clone())?);
    }
    drop(arrivals_tx);
    let mut pacer = super::pacer(rate);
    let started = Instant::now();
    let mut sent_at = Vec::with_capacity(messages);
    for seq in 0..messages {
        if let Some(pacer) = pacer.as_mut() {
            pacer.tick().await;
        }
        sent_at.push(Instant::now());
        senders[seq % pairs].send(seq as u64).map_err(scenario_error)?;
    }
    let mut first: HashMap<u64, Instant> = HashMap::new();
    let mut duplicates = 0;
    let mut failed = 0;
    let _ = tokio::time::timeout(DEADLINE, async {
        while first.len() + failed < messages {
            tokio::select! {
                Some((seq, at)) = arrivals_rx.recv() => {
                    if first.insert(seq, at).is_some() {
                        duplicates += 1;
                    }
                }
                Some(_) = failures_rx.recv() => failed += 1,
                else => return,
            }
        }
    })
    .await;
    drop(senders);
    let last = first.values().max().copied().unwrap_or(started);
    let latencies: Vec<f64> = first
        .iter()
        .filter_map(|(seq, at)| {
            sent_at
                .get(*seq as usize)
                .map(|s| at.duration_since(*s).as_secs_f64() * 1000.0)
        })
        .collect();
    let mut map = super::dm::report(
        messages,
        first.len(),
        duplicates,
        last.duration_since(started),
        &latencies,
    );
    map.insert("pairs".into(), json!(pairs));
    Ok(map)
}
