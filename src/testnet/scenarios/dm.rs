//! The 1:1 message scenarios.
//!
//! - `dm`: nodes 1‥N−1 form sender → recipient pairs (1→2, 3→4, …) of mutual friends;
//!   `--messages` texts go out round-robin over the pairs (paced at `--rate` per second
//!   in total, or unpaced), each through `NodeHandle::send` (durable before it returns).
//!   Latency runs from the `send` call to the recipient's `message_received` event.
//! - `offline`: the same pairs, but every recipient is stopped (store kept) before the
//!   sends; the messages go to the recipients' mailbox (node 0 serves as one); then the
//!   senders are stopped and the recipients restarted. Latency runs from a recipient's
//!   restart to each of its messages' arrival; `return_to_last_ms` is the longest of them.
//! - `dm-raw`: the baseline — plain libp2p request-response between bare swarms (TCP,
//!   Noise, Yamux), one message per request, no end-to-end encryption, no store, no
//!   retries. Same pairs, same message sizes, same pacing.
//!
//! Every scenario reports `sent`, `delivered` (distinct messages stored by their
//! recipient), `lost`, `duplicates` (messages stored or reported twice), `msgs_per_s`
//! (delivered per second from the first send to the last arrival), `p50_ms`, `p99_ms`.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::{json, Map, Value};

use super::super::stats::Summary;
use super::super::{TestNet, TestNetError};
use crate::config::{Config, Discoverable};
use crate::node::EventStream;
use crate::{Event, NodeHandle};

/// Longest wait for every message to arrive.
const DELIVERY_DEADLINE: Duration = Duration::from_secs(180);
/// Longest wait for pairs to find each other.
const SETUP_DEADLINE: Duration = Duration::from_secs(120);
/// Sends in flight at once (each waits for its flush).
const SEND_CONCURRENCY: usize = 64;

pub(super) fn scenario_error(scenario: &'static str) -> impl Fn(String) -> TestNetError {
    move |reason| TestNetError::Scenario { scenario, reason }
}

/// Settings of node `index`: node 0 is a mailbox; everyone is discoverable by contacts.
pub fn node_settings(index: usize, base: &Config) -> Config {
    let mut settings = base.clone();
    settings.discovery.discoverable = Discoverable::Contacts;
    settings.mailbox.serve = index == 0;
    settings
}

/// The (sender, recipient) pairs among nodes 1‥n−1.
pub(super) fn pairs(n: usize) -> Vec<(usize, usize)> {
    (1..n.saturating_sub(1)).step_by(2).map(|i| (i, i + 1)).collect()
}

/// A message's text: a sequence number padded to a chat-like 64 bytes.
pub(super) fn text(seq: usize) -> String {
    format!("{seq:08} 안녕하세요, this is a 64-byte chingu test message..")
}

/// Makes each pair mutual friends and waits until both found each other (and, with
/// `mailboxes`, until each sees the other's mailbox).
pub(super) async fn befriend(net: &TestNet, pairs: &[(usize, usize)], mailboxes: usize) -> Result<(), String> {
    for &(a, b) in pairs {
        let (na, nb) = (net.nodes[a].node(), net.nodes[b].node());
        na.add_contact(&net.nodes[b].phone.to_string(), &format!("node {b}"))
            .await
            .map_err(|e| e.to_string())?;
        nb.add_contact(&net.nodes[a].phone.to_string(), &format!("node {a}"))
            .await
            .map_err(|e| e.to_string())?;
    }
    let deadline = tokio::time::Instant::now() + SETUP_DEADLINE;
    for &(a, b) in pairs {
        for (me, them, want) in [(a, b, mailboxes), (b, a, mailboxes)] {
            let node = net.nodes[me].node();
            let phone = net.nodes[them].phone.to_string();
            tokio::time::timeout_at(deadline, async {
                loop {
                    match node.lookup_contact(&phone).await {
                        Ok(view) if view.state == "found" && view.mailboxes >= want => return Ok(()),
                        Ok(_) => {}
                        Err(e) => return Err(e.to_string()),
                    }
                }
            })
            .await
            .map_err(|_| format!("node {me} did not find node {them} in time"))??;
        }
    }
    Ok(())
}

/// Arrivals seen on recipients' event streams.
#[derive(Default)]
struct Arrivals {
    first: HashMap<String, Instant>,
    /// Message id → the recipient's conversation it landed in.
    conv: HashMap<String, String>,
    duplicates: usize,
}

impl Arrivals {
    fn note(&mut self, id: String, conv: String) {
        if self.first.insert(id.clone(), Instant::now()).is_some() {
            self.duplicates += 1;
        }
        self.conv.insert(id, conv);
    }
}

/// Collects `message_received` events from `streams` until `expected` distinct messages
/// are stored at the recipients or the deadline passes. The histories are the truth: the
/// event streams may lag under load, so they are checked whenever the events pause.
async fn collect(
    net: &TestNet,
    pairs: &[(usize, usize)],
    streams: Vec<EventStream>,
    expected: usize,
    arrivals: &mut Arrivals,
) {
    let mut merged = futures::stream::select_all(streams);
    let _ = tokio::time::timeout(DELIVERY_DEADLINE, async {
        while arrivals.first.len() < expected {
            match tokio::time::timeout(Duration::from_secs(1), merged.next()).await {
                Ok(Some(Event::MessageReceived { message })) => arrivals.note(message.id, message.conv),
                Ok(Some(Event::Lagged { .. })) | Err(_) => {
                    if stored(net, pairs, expected).await.0 >= expected {
                        return;
                    }
                }
                Ok(Some(_)) => {}
                Ok(None) => return,
            }
        }
    })
    .await;
}

/// Sends `messages` texts over `pairs` (round robin, paced at `rate`/s when > 0);
/// returns (message id → send instant) and the send errors.
async fn send_all(
    net: &TestNet,
    pairs: &[(usize, usize)],
    messages: usize,
    rate: f64,
) -> (HashMap<String, Instant>, usize) {
    let jobs: Vec<(NodeHandle, String, usize)> = (0..messages)
        .map(|seq| {
            let (a, b) = pairs[seq % pairs.len()];
            (net.nodes[a].node().clone(), net.nodes[b].phone.to_string(), seq)
        })
        .collect();
    let mut sent = HashMap::new();
    let mut errors = 0;
    super::paced(
        jobs,
        rate,
        SEND_CONCURRENCY,
        |(node, phone, seq)| {
            let started = Instant::now();
            async move { (started, node.send(&phone, &text(seq)).await) }
        },
        |(started, result)| record(&mut sent, &mut errors, started, result),
    )
    .await;
    (sent, errors)
}

fn record(
    sent: &mut HashMap<String, Instant>,
    errors: &mut usize,
    started: Instant,
    result: Result<crate::node::MessageView, crate::NodeError>,
) {
    match result {
        Ok(view) => {
            sent.insert(view.id, started);
        }
        Err(e) => {
            tracing::warn!(error = %e, "send failed");
            *errors += 1;
        }
    }
}

/// Distinct stored incoming messages and stored duplicates over the recipients' histories.
pub(super) async fn stored(net: &TestNet, pairs: &[(usize, usize)], limit: usize) -> (usize, usize) {
    let page = crate::node::messages::MAX_HISTORY_LIMIT;
    let mut ids = HashSet::new();
    let mut duplicates = 0;
    for &(a, b) in pairs {
        let Some(node) = net.nodes[b].handle.as_ref() else {
            continue;
        };
        let phone = net.nodes[a].phone.to_string();
        duplicates += incoming(limit, &mut ids, |before| {
            let (node, phone) = (node.clone(), phone.clone());
            Box::pin(async move { node.history(&phone, page, before.as_deref()).await.unwrap_or_default() })
        })
        .await;
    }
    (ids.len(), duplicates)
}

/// Pages back through a conversation (`fetch(before)` gives the page before a message id,
/// oldest first) until `limit` messages were seen; adds the incoming ones to `ids` and
/// returns how many were already there (stored twice).
pub(super) async fn incoming(
    limit: usize,
    ids: &mut HashSet<String>,
    fetch: impl Fn(Option<String>) -> futures::future::BoxFuture<'static, Vec<crate::node::MessageView>>,
) -> usize {
    let mut duplicates = 0;
    let mut before: Option<String> = None;
    let mut seen = 0;
    while seen < limit {
        let history = fetch(before.clone()).await;
        let Some(first) = history.first() else {
            break;
        };
        before = Some(first.id.clone());
        seen += history.len();
        for m in history
            .into_iter()
            .filter(|m| m.direction == crate::model::Direction::Incoming)
        {
            if !ids.insert(m.id) {
                duplicates += 1;
            }
        }
    }
    duplicates
}

pub(super) fn report(
    sent: usize,
    delivered: usize,
    duplicates: usize,
    elapsed: Duration,
    latencies: &[f64],
) -> Map<String, Value> {
    let summary = Summary::of(latencies);
    let msgs_per_s = delivered as f64 / elapsed.as_secs_f64().max(1e-9);
    let mut map = Map::new();
    map.insert("sent".into(), json!(sent));
    map.insert("delivered".into(), json!(delivered));
    map.insert("lost".into(), json!(sent.saturating_sub(delivered)));
    map.insert("duplicates".into(), json!(duplicates));
    map.insert("msgs_per_s".into(), json!(super::super::stats::round(msgs_per_s)));
    map.insert("p50_ms".into(), json!(summary.p50_ms));
    map.insert("p99_ms".into(), json!(summary.p99_ms));
    map.insert("latency".into(), json!(summary));
    map
}

/// The report shared by `dm` and `offline`: what the recipients stored (the truth for
/// `delivered` and stored duplicates), plus the arrivals' timing.
async fn summarise(
    net: &TestNet,
    pairs: &[(usize, usize)],
    offered: usize,
    arrivals: &Arrivals,
    started: Instant,
    latencies: &[f64],
) -> Map<String, Value> {
    let last = arrivals.first.values().max().copied().unwrap_or(started);
    let (delivered, stored_duplicates) = stored(net, pairs, offered).await;
    let mut map = report(
        offered,
        delivered,
        arrivals.duplicates + stored_duplicates,
        last.duration_since(started),
        latencies,
    );
    map.insert("pairs".into(), json!(pairs.len()));
    map
}

/// `--scenario dm`.
pub async fn run_online(net: &mut TestNet, messages: usize, rate: f64) -> Result<Map<String, Value>, TestNetError> {
    let error = scenario_error("dm");
    let pairs = pairs(net.nodes.len());
    if pairs.is_empty() {
        return Err(error("needs at least 3 nodes (a mailbox and one pair)".into()));
    }
    befriend(net, &pairs, 0).await.map_err(&error)?;
    let streams = pairs.iter().map(|&(_, b)| net.nodes[b].node().events()).collect();
    let started = Instant::now();
    let collector = async {
        let mut arrivals = Arrivals::default();
        collect(net, &pairs, streams, messages, &mut arrivals).await;
        arrivals
    };
    let ((sent, errors), arrivals) = tokio::join!(send_all(net, &pairs, messages, rate), collector);
    let latencies: Vec<f64> = arrivals
        .first
        .iter()
        .filter_map(|(id, at)| sent.get(id).map(|s| at.duration_since(*s).as_secs_f64() * 1000.0))
        .collect();
    Ok(summarise(net, &pairs, sent.len() + errors, &arrivals, started, &latencies).await)
}

/// `--scenario offline`.
pub async fn run_offline(net: &mut TestNet, messages: usize, rate: f64) -> Result<Map<String, Value>, TestNetError> {
    let error = scenario_error("offline");
    let pairs = pairs(net.nodes.len());
    if pairs.is_empty() {
        return Err(error("needs at least 3 nodes (a mailbox and one pair)".into()));
    }
    befriend(net, &pairs, 1).await.map_err(&error)?;
    for &(_, b) in &pairs {
        net.stop_node(b).await.map_err(|e| error(e.to_string()))?;
    }
    // Sends go to mailboxes; wait until each is deposited (state `sent`).
    let sender_streams: Vec<EventStream> = pairs.iter().map(|&(a, _)| net.nodes[a].node().events()).collect();
    let (sent, errors) = send_all(net, &pairs, messages, rate).await;
    let mut waiting: HashSet<String> = sent.keys().cloned().collect();
    let mut merged = futures::stream::select_all(sender_streams);
    let _ = tokio::time::timeout(DELIVERY_DEADLINE, async {
        while !waiting.is_empty() {
            match merged.next().await {
                Some(Event::MessageState { id, .. }) => {
                    waiting.remove(&id);
                }
                Some(_) => {}
                None => return,
            }
        }
    })
    .await;
    drop(merged);
    let deposited = sent.len() - waiting.len();
    for &(a, _) in &pairs {
        net.stop_node(a).await.map_err(|e| error(e.to_string()))?;
    }
    let started = Instant::now();
    let mut restarted = HashMap::new();
    let mut streams = Vec::new();
    for &(_, b) in &pairs {
        net.restart_node(b).await.map_err(|e| error(e.to_string()))?;
        restarted.insert(b, Instant::now());
        streams.push(net.nodes[b].node().events());
    }
    let mut arrivals = Arrivals::default();
    collect(net, &pairs, streams, messages, &mut arrivals).await;
    // Each arrival counts from its own recipient's return.
    let recipient_of: HashMap<String, usize> = pairs
        .iter()
        .map(|&(a, b)| (crate::model::ConvId::direct(&net.nodes[a].phone).to_string(), b))
        .collect();
    let latencies: Vec<f64> = arrivals
        .first
        .iter()
        .filter_map(|(id, at)| {
            let back = restarted.get(recipient_of.get(arrivals.conv.get(id)?)?)?;
            Some(at.saturating_duration_since(*back).as_secs_f64() * 1000.0)
        })
        .collect();
    let return_to_last_ms = latencies.iter().copied().fold(0.0, f64::max);
    let mut map = summarise(net, &pairs, sent.len() + errors, &arrivals, started, &latencies).await;
    map.insert("deposited".into(), json!(deposited));
    map.insert(
        "return_to_last_ms".into(),
        json!(super::super::stats::round(return_to_last_ms)),
    );
    Ok(map)
}
