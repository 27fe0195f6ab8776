//! What two friends behind two NAT types do in the lab, and the matrix of pairs.
//!
//! For each pair the lab starts two fresh nodes, A on a site of the first type and B on a
//! site of the second (never the same site), and drives them through their control API:
//! 1. **discovery**: each adds the other's number; found when the node reports the
//!    contact `found` (its own lookups, or a lookup the lab asks for again, as an app's
//!    refresh would);
//! 2. **first message**: A → B, from A's `messages.send` to B's `message_received`;
//! 3. **exchange**: messages both ways, paced;
//! 4. **group**: A creates a group with B, both send;
//! 5. **meetup**: A creates a meetup, B joins it by its code, both send.
//!
//! Each pair starts with fresh operators' nodes too, so that no pair inherits an earlier
//! one's DHT. Then it reads how A and B are connected, hole-punch counts and relayed bytes (see
//! [`super::report::fields`]). Every wait has a deadline; a step that runs out of time is
//! reported, and the pair goes on.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::time::Instant;

use super::nat::NatType;
use super::procs::LabNode;
use super::report::{
    count_at, fields, Delivery, Discovery, FirstMessage, HolePunch, MatrixReport, NodeReport, PairReport, PairSummary,
    PathReport, SLOWEST_SHOWN,
};
use super::{probe, Lab, LabError, LabOptions};
use crate::testnet::stats::{round, Summary};

/// How much each pair does.
#[derive(Debug, Clone)]
pub struct PairOptions {
    /// 1:1 messages each way.
    pub messages: usize,
    /// Group and meetup messages each way.
    pub group_messages: usize,
    /// Time between two sends.
    pub pace: Duration,
    /// Longest wait of each step.
    pub deadline: Duration,
    /// How many times each pair runs (fresh nodes each time).
    pub repeat: usize,
}

impl Default for PairOptions {
    fn default() -> Self {
        Self {
            messages: 10,
            group_messages: 5,
            pace: Duration::from_millis(100),
            deadline: Duration::from_secs(60),
            repeat: 1,
        }
    }
}

/// Which pairs to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Matrix {
    /// public↔public, port-restricted↔port-restricted and strict-firewall↔strict-firewall
    /// (CI).
    Small,
    /// Every pair of the five types (15 pairs): the benchmark.
    Full,
}

impl Matrix {
    /// The pairs.
    pub fn pairs(self) -> Vec<(NatType, NatType)> {
        match self {
            Matrix::Small => vec![
                (NatType::Public, NatType::Public),
                (NatType::PortRestricted, NatType::PortRestricted),
                (NatType::StrictFirewall, NatType::StrictFirewall),
            ],
            Matrix::Full => {
                let all = NatType::ALL;
                let mut pairs = Vec::new();
                for (i, a) in all.iter().enumerate() {
                    for b in &all[i..] {
                        pairs.push((*a, *b));
                    }
                }
                pairs
            }
        }
    }
}

/// Builds a lab with two sites of every type the pairs use, self-tests it, and runs
/// every pair, calling `progress` after each.
pub async fn run_matrix(
    options: &LabOptions,
    pairs: &[(NatType, NatType)],
    pair_options: &PairOptions,
    mut progress: impl FnMut(&PairReport),
) -> Result<MatrixReport, LabError> {
    let types: BTreeSet<NatType> = pairs.iter().flat_map(|(a, b)| [*a, *b]).collect();
    let mut first_site = BTreeMap::new();
    let mut sites = Vec::new();
    for nat in types {
        first_site.insert(nat, sites.len());
        sites.extend([nat, nat]);
    }
    let mut lab = Lab::start(options, "run", sites).await?;
    let selftest = tokio::task::block_in_place(|| probe::selftest(&lab.topology))?;
    let mut reports = Vec::new();
    let mut summary = Vec::new();
    for (a_type, b_type) in pairs {
        let mut runs = Vec::new();
        for _ in 0..pair_options.repeat.max(1) {
            if !reports.is_empty() || !runs.is_empty() {
                // Every pair starts from an empty DHT: stopped nodes of earlier pairs
                // would otherwise slow its lookups down, and more so the later it runs.
                lab.restart_infra().await?;
            }
            let a = lab.start_user(first_site[a_type]).await?;
            let b = lab.start_user(first_site[b_type] + 1).await?;
            let report = run_pair(&a, &b, pair_options).await;
            futures::future::join(a.stop(), b.stop()).await;
            progress(&report);
            runs.push(report);
        }
        summary.push(PairSummary::of(&runs.iter().collect::<Vec<_>>()));
        reports.extend(runs);
    }
    let report = MatrixReport {
        run_id: lab.run_id().to_owned(),
        links: lab.topology.backend,
        link: lab.topology.params,
        topology_build_ms: ms(lab.topology.build_time),
        infra_start_ms: ms(lab.infra_start),
        infra: lab.infra().iter().map(|n| n.label.clone()).collect(),
        selftest,
        pairs_ok: reports.iter().filter(|r| r.ok).count(),
        summary,
        pairs: reports,
        notes: lab.notes.clone(),
    };
    lab.shutdown().await;
    Ok(report)
}

/// Runs every step for friends `a` and `b` (fresh nodes on two sites of `lab`).
pub async fn run_pair(a: &LabNode, b: &LabNode, options: &PairOptions) -> PairReport {
    let started = Instant::now();
    let joined = futures::future::join(
        wait_joined(a, started + options.deadline),
        wait_joined(b, started + options.deadline),
    )
    .await;
    let discovery = match joined {
        (Ok(()), Ok(())) => discover(a, b, options.deadline).await,
        (Err(e), _) | (_, Err(e)) => Discovery {
            error: Some(e),
            ..Discovery::default()
        },
    };
    let (first_message, exchange, group) = if discovery.ok {
        (
            first_message(a, b, options.deadline).await,
            exchange(a, b, options).await,
            group(a, b, options).await,
        )
    } else {
        let skipped = || Delivery::failed("skipped: discovery failed".into());
        let first = FirstMessage {
            error: Some("skipped: discovery failed".into()),
            ..FirstMessage::default()
        };
        (first, skipped(), skipped())
    };
    let meetup = meetup(a, b, options).await;
    let (a_status, b_status) = (status(a).await, status(b).await);
    let path = [peer_path(a, &b.peer_id).await, peer_path(b, &a.peer_id).await];
    let hole_punch = HolePunch {
        attempts: sum_counts(&a_status, &b_status, fields::HOLE_PUNCH_ATTEMPTS),
        successes: sum_counts(&a_status, &b_status, fields::HOLE_PUNCH_SUCCESSES),
    };
    let mut report = PairReport {
        pair: [a.host.nat, b.host.nat],
        nodes: [node_report(a, &a_status), node_report(b, &b_status)],
        discovery,
        path,
        first_message,
        exchange,
        group,
        meetup,
        hole_punch,
        // Both friends are fresh nodes: what they sent through circuits is what the relays
        // carried for this pair.
        relayed_bytes: sum_counts(&a_status, &b_status, fields::RELAYED_SENT),
        lost: 0,
        duplicates: 0,
        ok: false,
        duration_ms: started.elapsed().as_millis() as u64,
    };
    report.finish();
    report
}

pub(super) fn ms(d: Duration) -> f64 {
    round(d.as_secs_f64() * 1000.0)
}

async fn status(node: &LabNode) -> Value {
    node.call("node.status", json!({})).await.unwrap_or(Value::Null)
}

fn sum_counts(a: &Value, b: &Value, pointer: &str) -> Option<u64> {
    match (count_at(a, pointer), count_at(b, pointer)) {
        (None, None) => None,
        (x, y) => Some(x.unwrap_or(0) + y.unwrap_or(0)),
    }
}

fn node_report(node: &LabNode, status: &Value) -> NodeReport {
    NodeReport {
        label: node.label.clone(),
        nat: node.host.nat,
        ip: node.host.ip.to_string(),
        public_ip: node.host.public_ip.to_string(),
        peer_id: node.peer_id.clone(),
        reachability: status
            .pointer(fields::REACHABILITY)
            .and_then(Value::as_str)
            .map(str::to_owned),
        external_addrs: status
            .pointer(fields::EXTERNAL_ADDRS)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect()),
    }
}

pub(super) async fn peer_path(node: &LabNode, peer_id: &str) -> PathReport {
    let peers = node.call("node.peers", json!({})).await.unwrap_or(Value::Null);
    PathReport::from_peers(&peers, peer_id)
}

/// Waits until `node` has a peer in its routing table.
pub(super) async fn wait_joined(node: &LabNode, deadline: Instant) -> Result<(), String> {
    loop {
        let from = node.events.len();
        let status = node.call("node.status", json!({})).await.map_err(|e| e.to_string())?;
        if status["routing_table_size"].as_u64().unwrap_or(0) > 0 {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!("{} joined no DHT peer", node.label));
        }
        // Routing-table changes are not events: look again after the next event, or a
        // second.
        let until = deadline.min(Instant::now() + Duration::from_secs(1));
        node.events.wait_until(from, until, |events| !events.is_empty()).await;
    }
}

/// Each adds the other's number; both must find the other.
async fn discover(a: &LabNode, b: &LabNode, deadline: Duration) -> Discovery {
    let froms = [a.events.len(), b.events.len()];
    let started = Instant::now();
    for (me, other, name) in [(a, b, "b"), (b, a, "a")] {
        if let Err(e) = me
            .call("contacts.add", json!({ "phone": other.phone, "name": name }))
            .await
        {
            return Discovery {
                error: Some(e.to_string()),
                ..Discovery::default()
            };
        }
    }
    let until = started + deadline;
    let (ab, ba) = futures::future::join(
        found(a, "b", &b.phone, froms[0], started, until),
        found(b, "a", &a.phone, froms[1], started, until),
    )
    .await;
    let error = match (&ab, &ba) {
        (Err(e), _) | (_, Err(e)) => Some(e.clone()),
        _ => None,
    };
    Discovery {
        ok: error.is_none(),
        a_found_b_ms: ab.ok(),
        b_found_a_ms: ba.ok(),
        error,
    }
}

fn is_found(event: &Value, phone: &str) -> bool {
    event["type"] == "contact_updated"
        && event["phone"] == phone
        && matches!(event["state"].as_str(), Some("found" | "verified"))
}

/// Waits until `node` found contact `name` (`phone`); returns ms since `started`.
pub(super) async fn found(
    node: &LabNode,
    name: &str,
    phone: &str,
    from: usize,
    started: Instant,
    until: Instant,
) -> Result<f64, String> {
    loop {
        let seen = node.events.scan(from, |events| {
            events.iter().find(|(_, e)| is_found(e, phone)).map(|(at, _)| *at)
        });
        if let Some(at) = seen {
            return Ok(ms(at - started));
        }
        if Instant::now() >= until {
            return Err(format!(
                "{} did not find {name} within {:?}",
                node.label,
                until - started
            ));
        }
        let lookup = tokio::time::timeout_at(until, node.call("contacts.lookup", json!({ "contact": name }))).await;
        if let Ok(Ok(contact)) = lookup {
            if matches!(contact["state"].as_str(), Some("found" | "verified")) {
                return Ok(ms(started.elapsed()));
            }
        }
        // Not found yet (the friend's record may not be stored yet): look again once the
        // node reports it, or after a second.
        let retry = until.min(Instant::now() + Duration::from_secs(1));
        let now = node.events.len();
        node.events
            .wait_until(now, retry, |events| events.iter().any(|(_, e)| is_found(e, phone)))
            .await;
    }
}

fn received_id(event: &Value) -> Option<&str> {
    (event["type"] == "message_received")
        .then(|| event["message"]["id"].as_str())
        .flatten()
}

async fn first_message(a: &LabNode, b: &LabNode, deadline: Duration) -> FirstMessage {
    let from = b.events.len();
    let started = Instant::now();
    let sent = match a
        .call("messages.send", json!({ "contact": "b", "text": "안녕! 첫 메시지" }))
        .await
    {
        Ok(sent) => sent,
        Err(e) => {
            return FirstMessage {
                error: Some(e.to_string()),
                ..FirstMessage::default()
            }
        }
    };
    let id = sent["id"].as_str().unwrap_or_default().to_owned();
    match b
        .events
        .wait_for(from, started + deadline, |e| {
            (received_id(e) == Some(&id)).then_some(())
        })
        .await
    {
        Some((at, ())) => FirstMessage {
            delivered: true,
            ms: Some(ms(at - started)),
            error: None,
        },
        None => FirstMessage {
            error: Some(format!("not received within {deadline:?}")),
            ..FirstMessage::default()
        },
    }
}

/// One message sent: its id, when `send` was called, and by which node.
struct Sent {
    id: String,
    at: Instant,
    from: usize,
}

/// Has `nodes` send `total` messages in turn (node `i % n` sends the `i`-th), one every
/// `pace`; `send(node, k)` gives the method and parameters of a node's `k`-th message.
/// Every other node should report each message once: waits for that until `deadline`
/// after the last send, then counts the copies.
pub(super) async fn deliver(
    nodes: &[&LabNode],
    total: usize,
    pace: Duration,
    deadline: Duration,
    send: impl Fn(usize, usize) -> (&'static str, Value),
) -> Delivery {
    let froms: Vec<usize> = nodes.iter().map(|n| n.events.len()).collect();
    let mut sent = Vec::new();
    let mut ticks = tokio::time::interval(pace);
    let mut error = None;
    for i in 0..total {
        ticks.tick().await;
        let from = i % nodes.len();
        let (method, params) = send(from, i / nodes.len());
        let at = Instant::now();
        match nodes[from].call(method, params).await {
            Ok(message) => sent.push(Sent {
                id: message["id"].as_str().unwrap_or_default().to_owned(),
                at,
                from,
            }),
            Err(e) => {
                error = Some(e.to_string());
                break;
            }
        }
    }
    let until = Instant::now() + deadline;
    let waits = (0..nodes.len()).map(|to| {
        let expected: Vec<&str> = sent.iter().filter(|s| s.from != to).map(|s| s.id.as_str()).collect();
        let (log, from) = (nodes[to].events.clone(), froms[to]);
        async move {
            log.wait_until(from, until, |events| {
                let got: BTreeSet<&str> = events.iter().filter_map(|(_, e)| received_id(e)).collect();
                expected.iter().all(|id| got.contains(id))
            })
            .await
        }
    });
    futures::future::join_all(waits).await;
    let index: HashMap<&str, usize> = sent.iter().enumerate().map(|(i, s)| (s.id.as_str(), i)).collect();
    // (message, receiver) → (first arrival, times reported)
    let mut arrivals: HashMap<(usize, usize), (Instant, usize)> = HashMap::new();
    for (to, node) in nodes.iter().enumerate() {
        node.events.scan(froms[to], |events| {
            for (at, event) in events {
                let message = received_id(event).and_then(|id| index.get(id)).copied();
                if let Some(m) = message.filter(|m| sent[*m].from != to) {
                    arrivals.entry((m, to)).or_insert((*at, 0)).1 += 1;
                }
            }
        });
    }
    let mut copies: Vec<(usize, usize, f64)> = arrivals
        .iter()
        .map(|((m, to), (at, _))| (*m, *to, ms(*at - sent[*m].at)))
        .collect();
    copies.sort_by(|a, b| b.2.total_cmp(&a.2));
    let latencies: Vec<f64> = copies.iter().map(|c| c.2).collect();
    let expected = sent.len() * (nodes.len() - 1);
    let mut missing: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    for (m, message) in sent.iter().enumerate() {
        for to in (0..nodes.len()).filter(|to| *to != message.from && !arrivals.contains_key(&(m, *to))) {
            *missing.entry((message.from, to)).or_default() += 1;
        }
    }
    Delivery {
        sent: sent.len(),
        expected,
        delivered: arrivals.len(),
        lost: expected - arrivals.len(),
        duplicates: arrivals.values().map(|(_, n)| n - 1).sum(),
        latency: Summary::of(&latencies),
        error,
        missing: missing
            .into_iter()
            .map(|((from, to), copies)| (nodes[from].label.clone(), nodes[to].label.clone(), copies))
            .collect(),
        slowest: copies
            .iter()
            .take(SLOWEST_SHOWN)
            .map(|(m, to, ms)| (nodes[sent[*m].from].label.clone(), nodes[*to].label.clone(), *m, *ms))
            .collect(),
    }
}

async fn exchange(a: &LabNode, b: &LabNode, options: &PairOptions) -> Delivery {
    deliver(
        &[a, b],
        options.messages * 2,
        options.pace,
        options.deadline,
        |from, n| {
            let contact = if from == 0 { "b" } else { "a" };
            (
                "messages.send",
                json!({ "contact": contact, "text": format!("exchange {n}") }),
            )
        },
    )
    .await
}

/// Waits until `node` reports group `id` active (joined).
pub(super) async fn wait_member(node: &LabNode, from: usize, id: &str, until: Instant) -> bool {
    node.events
        .wait_for(from, until, |e| {
            (e["type"] == "group_changed" && e["group"]["group_id"] == id && e["group"]["active"] == true).then_some(())
        })
        .await
        .is_some()
}

async fn group(a: &LabNode, b: &LabNode, options: &PairOptions) -> Delivery {
    let from = b.events.len();
    let until = Instant::now() + options.deadline;
    let created = match a
        .call("groups.create", json!({ "name": "lab 산악회", "members": ["b"] }))
        .await
    {
        Ok(group) => group,
        Err(e) => return Delivery::failed(e.to_string()),
    };
    let id = created["group_id"].as_str().unwrap_or_default().to_owned();
    if !wait_member(b, from, &id, until).await {
        return Delivery::failed(format!("B did not join the group within {:?}", options.deadline));
    }
    group_messages(a, b, &id, options).await
}

async fn meetup(a: &LabNode, b: &LabNode, options: &PairOptions) -> Delivery {
    let created = match a
        .call("meetups.create", json!({ "name": "lab 번개", "expires_s": 3600 }))
        .await
    {
        Ok(meetup) => meetup,
        Err(e) => return Delivery::failed(e.to_string()),
    };
    let (id, code) = (created["group_id"].as_str().unwrap_or_default(), &created["code"]);
    let until = Instant::now() + options.deadline;
    match tokio::time::timeout_at(until, b.call("meetups.join", json!({ "code": code }))).await {
        Ok(Ok(_)) => group_messages(a, b, id, options).await,
        Ok(Err(e)) => Delivery::failed(e.to_string()),
        Err(_) => Delivery::failed(format!("B could not join the meetup within {:?}", options.deadline)),
    }
}

async fn group_messages(a: &LabNode, b: &LabNode, id: &str, options: &PairOptions) -> Delivery {
    deliver(
        &[a, b],
        options.group_messages * 2,
        options.pace,
        options.deadline,
        |_, n| ("groups.send", json!({ "group": id, "text": format!("group {n}") })),
    )
    .await
}
