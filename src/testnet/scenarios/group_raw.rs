//! `--scenario group-raw`: the baseline for `group`. Bare libp2p swarms running gossipsub
//! as the rust-libp2p chat example does (libp2p-signed authorship, default config, no
//! validation callback) on TCP, Noise and Yamux: `--group-size` members subscribed to
//! one topic, each dialing up to 8 earlier ones. The same texts go out round-robin over
//! the members at the same pacing; each is expected at every other member. No end-to-end
//! encryption, no store, no repair: what gossipsub loses stays lost.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use futures::StreamExt;
use libp2p::gossipsub::{self, IdentTopic, MessageAuthenticity};
use libp2p::swarm::SwarmEvent;
use libp2p::{Multiaddr, Swarm};
use serde_json::{json, Map, Value};
use tokio::sync::{mpsc, oneshot};

use super::super::resources::{Usage, UsageMeter};
use super::super::TestNetError;
use super::group::{report, DELIVERY_DEADLINE, SETUP_DEADLINE};

/// The baseline's topic.
const TOPIC: &str = "chingu-raw-group";
/// Earlier members each member dials.
const DIALS: usize = 8;

fn scenario_error(reason: impl ToString) -> TestNetError {
    TestNetError::Scenario {
        scenario: "group-raw",
        reason: reason.to_string(),
    }
}

/// What the harness asks of one member's task.
enum Order {
    /// Publish message `seq`; the answer says whether gossipsub took it.
    Publish(u64, oneshot::Sender<bool>),
    /// Report how many peers are in the topic's mesh.
    MeshPeers(oneshot::Sender<usize>),
}

fn swarm() -> Result<Swarm<gossipsub::Behaviour>, TestNetError> {
    super::raw::bare_swarm(|key| {
        gossipsub::Behaviour::new(MessageAuthenticity::Signed(key.clone()), gossipsub::Config::default())
            .expect("the default gossipsub config is valid")
    })
    .map_err(scenario_error)
}

/// Starts member `index`: listens, dials `peers`, subscribes, then serves orders and
/// reports `(member, seq, arrival)` for every message received.
async fn member(
    index: usize,
    peers: &[Multiaddr],
    arrivals: mpsc::UnboundedSender<(usize, u64, Instant)>,
) -> Result<(Multiaddr, mpsc::UnboundedSender<Order>), TestNetError> {
    let mut swarm = swarm()?;
    let addr = super::raw::listen_on_loopback(&mut swarm)
        .await
        .map_err(scenario_error)?;
    for peer in peers {
        swarm.dial(peer.clone()).map_err(scenario_error)?;
    }
    let topic = IdentTopic::new(TOPIC);
    swarm.behaviour_mut().subscribe(&topic).map_err(scenario_error)?;
    let (tx, mut rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                order = rx.recv() => match order {
                    Some(Order::Publish(seq, done)) => {
                        let _ = done.send(swarm.behaviour_mut().publish(topic.clone(), payload(seq)).is_ok());
                    }
                    Some(Order::MeshPeers(reply)) => {
                        let _ = reply.send(swarm.behaviour().mesh_peers(&topic.hash()).count());
                    }
                    None => return,
                },
                event = swarm.select_next_some() => {
                    if let SwarmEvent::Behaviour(gossipsub::Event::Message { message, .. }) = event {
                        if let Some(seq) = seq_of(&message.data) {
                            let _ = arrivals.send((index, seq, Instant::now()));
                        }
                    }
                }
            }
        }
    });
    Ok((addr, tx))
}

/// Runs the baseline with `group_size` members.
pub async fn run(group_size: usize, messages: usize, rate: f64) -> Result<Map<String, Value>, TestNetError> {
    if group_size < 2 {
        return Err(scenario_error("needs --group-size ≥ 2"));
    }
    let (arrivals_tx, arrivals_rx) = mpsc::unbounded_channel();
    let mut addrs: Vec<Multiaddr> = Vec::new();
    let mut members = Vec::new();
    for index in 0..group_size {
        let start = addrs.len().saturating_sub(DIALS);
        let (addr, orders) = member(index, &addrs[start..], arrivals_tx.clone()).await?;
        addrs.push(addr);
        members.push(orders);
    }
    drop(arrivals_tx);
    // Wait for every member's mesh (gossipsub's heartbeat grafts peers).
    let want = (group_size - 1).min(gossipsub::Config::default().mesh_n_low());
    let formed = poll_until_formed(|| {
        let members = &members;
        async move {
            let mut ready = true;
            for orders in members {
                let (reply, answer) = oneshot::channel();
                let _ = orders.send(Order::MeshPeers(reply));
                ready &= answer.await.unwrap_or(0) >= want;
            }
            ready
        }
    })
    .await;
    if !formed {
        return Err(scenario_error("the mesh did not form in time"));
    }

    let meter = UsageMeter::start();
    let started = Instant::now();
    let sent_at = publish_all(messages, rate, |seq| {
        let (done, published) = oneshot::channel();
        let ordered = members[seq as usize % group_size]
            .send(Order::Publish(seq, done))
            .is_ok();
        async move { ordered && published.await.unwrap_or(false) }
    })
    .await;
    let arrivals = collect_arrivals(arrivals_rx, messages * (group_size - 1)).await;
    let usage = meter.finish();
    drop(members);
    Ok(baseline_report(group_size, messages, started, sent_at, arrivals, usage))
}

/// Asks `formed` every 200 ms until it answers yes (true) or [`SETUP_DEADLINE`] passed
/// (false).
pub(super) async fn poll_until_formed<F: std::future::Future<Output = bool>>(mut formed: impl FnMut() -> F) -> bool {
    tokio::time::timeout(SETUP_DEADLINE, async {
        let mut poll = tokio::time::interval(Duration::from_millis(200));
        loop {
            poll.tick().await;
            if formed().await {
                return;
            }
        }
    })
    .await
    .is_ok()
}

/// A baseline message: its sequence number (8 bytes, big-endian), then its text.
pub(super) fn payload(seq: u64) -> Vec<u8> {
    let mut payload = seq.to_be_bytes().to_vec();
    payload.extend_from_slice(super::dm::text(seq as usize).as_bytes());
    payload
}

/// The sequence number at the start of a baseline message.
pub(super) fn seq_of(payload: &[u8]) -> Option<u64> {
    payload.get(..8).and_then(|b| b.try_into().ok()).map(u64::from_be_bytes)
}

/// Publishes messages 0‥`messages` at `rate` per second (or unpaced), one after the
/// other; returns when each that `publish` accepted went out.
pub(super) async fn publish_all<F: std::future::Future<Output = bool>>(
    messages: usize,
    rate: f64,
    mut publish: impl FnMut(u64) -> F,
) -> HashMap<u64, Instant> {
    let mut pacer = super::pacer(rate);
    let mut sent_at = HashMap::new();
    for seq in 0..messages as u64 {
        if let Some(pacer) = pacer.as_mut() {
            pacer.tick().await;
        }
        let at = Instant::now();
        if publish(seq).await {
            sent_at.insert(seq, at);
        }
    }
    sent_at
}

/// First arrival per (member, seq) from `arrivals` until `expected` of them, 5 s without
/// one, or the deadline; and how many came twice.
pub(super) async fn collect_arrivals(
    mut arrivals: mpsc::UnboundedReceiver<(usize, u64, Instant)>,
    expected: usize,
) -> (HashMap<(usize, String), Instant>, usize) {
    let mut first: HashMap<(usize, String), Instant> = HashMap::new();
    let mut duplicates = 0;
    let _ = tokio::time::timeout(DELIVERY_DEADLINE, async {
        while first.len() < expected {
            match tokio::time::timeout(Duration::from_secs(5), arrivals.recv()).await {
                Ok(Some((member, seq, at))) => {
                    if first.insert((member, seq.to_string()), at).is_some() {
                        duplicates += 1;
                    }
                }
                Ok(None) | Err(_) => return,
            }
        }
    })
    .await;
    (first, duplicates)
}

/// The report of a baseline run (the `group` report, nothing repaired) with the CPU and
/// memory of its traffic.
pub(super) fn baseline_report(
    group_size: usize,
    messages: usize,
    started: Instant,
    sent_at: HashMap<u64, Instant>,
    (arrivals, duplicates): (HashMap<(usize, String), Instant>, usize),
    usage: Usage,
) -> Map<String, Value> {
    let sent: HashMap<String, Instant> = sent_at.into_iter().map(|(s, at)| (s.to_string(), at)).collect();
    let mut map = report(
        group_size,
        messages,
        arrivals.len(),
        duplicates,
        0,
        started,
        &arrivals,
        &sent,
    );
    map.insert("usage".into(), json!(usage));
    map
}
