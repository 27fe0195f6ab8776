//! The group scenario (`--scenario group`): nodes 1‥G form a group created by node 1
//! (every member is node 1's mutual contact; the others learn each other from the signed
//! log). Once every control message is acknowledged (all sender keys delivered),
//! `--messages` texts go out round-robin over the members through
//! `NodeHandle::group_send` (durable before it returns), paced at `--rate` per second in
//! total or unpaced. Each message is expected at the G−1 other members.
//!
//! Reports `sent`, `expected_deliveries`, `delivered` (distinct (member, message) pairs
//! stored, from the members' histories), `lost`, `duplicates` (arrivals reported twice
//! plus stored twice), `repaired` (messages the members fetched by history sync),
//! `syncs_served` (history-sync requests the members answered, the group's formation
//! included),
//! `deliveries_per_s` (from the first send to the last arrival), `p50_ms`, `p99_ms`
//! (from the `group_send` call to each member's `message_received` event), the
//! `usage` (CPU and memory of the process) from the first send to the last arrival, and
//! `gossip`: the members' gossipsub state when the first message goes out and every
//! [`GOSSIP_SAMPLE_EVERY`] while messages are sent (see [`gossip_state`]).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::{json, Map, Value};

use super::super::resources::UsageMeter;
use super::super::stats::{round, Summary};
use super::super::{TestNet, TestNetError};
use super::dm::{befriend, scenario_error, text};
use crate::{Event, NodeHandle};

/// Longest wait for every delivery.
pub(super) const DELIVERY_DEADLINE: Duration = Duration::from_secs(180);
/// Longest wait for the group to form (welcomes and sender keys acknowledged).
pub(super) const SETUP_DEADLINE: Duration = Duration::from_secs(120);
/// Sends in flight at once.
const SEND_CONCURRENCY: usize = 64;
/// How often the members' gossipsub state is sampled while messages are sent.
const GOSSIP_SAMPLE_EVERY: Duration = Duration::from_secs(10);

/// Members 1‥G (node 0 stays out: it is the mailbox), the group formed by node 1.
async fn form_group(
    net: &TestNet,
    group_size: usize,
    error: &impl Fn(String) -> TestNetError,
) -> Result<(Vec<usize>, String), TestNetError> {
    if group_size < 2 || net.nodes.len() <= group_size {
        return Err(error(format!(
            "needs --group-size ≥ 2 and more nodes than members (node 0 stays out); got {} nodes, group of {group_size}",
            net.nodes.len()
        )));
    }
    let members: Vec<usize> = (1..=group_size).collect();
    let pairs: Vec<(usize, usize)> = members[1..].iter().map(|&m| (1, m)).collect();
    befriend(net, &pairs, 0).await.map_err(error)?;
    let group = create_group(net, &members).await.map_err(error)?;
    Ok((members, group))
}

/// The first of `members` creates a group of them all (it must be friends with the
/// others); returns its id once every member is in and no control message waits.
pub(super) async fn create_group(net: &TestNet, members: &[usize]) -> Result<String, String> {
    let contacts: Vec<String> = members[1..].iter().map(|&m| net.nodes[m].phone.to_string()).collect();
    let contacts: Vec<&str> = contacts.iter().map(String::as_str).collect();
    let group = net.nodes[members[0]]
        .node()
        .group_create("testnet group", &contacts, None)
        .await
        .map_err(|e| e.to_string())?;
    wait_formed(&handles_of(net, members), &group.group_id).await?;
    Ok(group.group_id)
}

fn handles_of(net: &TestNet, members: &[usize]) -> Vec<NodeHandle> {
    members.iter().map(|&m| net.nodes[m].node().clone()).collect()
}

/// `--scenario group`.
pub async fn run(
    net: &mut TestNet,
    group_size: usize,
    messages: usize,
    rate: f64,
) -> Result<Map<String, Value>, TestNetError> {
    let error = scenario_error("group");
    let (members, group) = form_group(net, group_size, &error).await?;
    let handles = handles_of(net, &members);
    let streams: Vec<_> = handles.iter().map(|h| h.events()).collect();
    let meter = UsageMeter::start();
    let started = Instant::now();
    let expected = messages * (group_size - 1);
    let sending = AtomicBool::new(true);
    let collector = collect(streams, &group, expected, &sending);
    let (done, mut sent_all) = tokio::sync::watch::channel(false);
    let sender = async {
        let result = send_all(&handles, &group, 0..messages, rate).await;
        sending.store(false, Ordering::Relaxed);
        let _ = done.send(true);
        result
    };
    let sampler = async {
        let mut samples = Vec::new();
        let mut every = tokio::time::interval(GOSSIP_SAMPLE_EVERY);
        loop {
            tokio::select! {
                _ = every.tick() => {}
                _ = sent_all.changed() => return samples,
            }
            let mut sample = gossip_state(&handles).await;
            sample.insert("at_s".into(), json!(started.elapsed().as_secs()));
            samples.push(sample);
        }
    };
    let ((sent, errors), (arrivals, arrival_duplicates), gossip) = tokio::join!(sender, collector, sampler);
    let usage = meter.finish();
    let mut map = summarise(
        &handles,
        &group,
        messages,
        sent,
        errors,
        started,
        arrivals,
        arrival_duplicates,
    )
    .await?;
    map.insert("usage".into(), json!(usage));
    map.insert("gossip".into(), json!(gossip));
    Ok(map)
}

/// The members' gossipsub state at one moment: how many fellow members each has in its
/// mesh (`mesh`, and `without_mesh`: members with none), into how many parts the meshes
/// split the group (`mesh_parts`: 1 when a message pushed along mesh links reaches every
/// member; more, and the others hear of it only by gossip or history sync), how many
/// fellow members each speaks gossipsub with (`gossip_peers`), and the scores they give
/// each other — gossipsub stops gossiping with a peer below −10, publishing to it below
/// −50 and reading it below −80 (its default thresholds, which the nodes use).
async fn gossip_state(handles: &[NodeHandle]) -> Map<String, Value> {
    let (mut mesh, mut gossiping, mut scores) = (Vec::new(), Vec::new(), Vec::new());
    let index: HashMap<String, usize> = handles
        .iter()
        .enumerate()
        .map(|(i, h)| (h.peer_id().to_string(), i))
        .collect();
    let mut parts = Parts::new(handles.len());
    for (member, handle) in handles.iter().enumerate() {
        let Ok(peers) = handle.peers().await else {
            continue;
        };
        let (mut in_mesh, mut gossiping_with) = (0, 0);
        for peer in &peers {
            if peer.gossip_mesh {
                in_mesh += 1;
                if let Some(&other) = index.get(&peer.peer_id) {
                    parts.join(member, other);
                }
            }
            if let Some(score) = peer.gossip_score {
                gossiping_with += 1;
                scores.push(score);
            }
        }
        mesh.push(in_mesh);
        gossiping.push(gossiping_with);
    }
    let below = |threshold: f64| scores.iter().filter(|&&s| s < threshold).count();
    // The nodes score with gossipsub's default thresholds (`node::behaviour`).
    let thresholds = libp2p::gossipsub::PeerScoreThresholds::default();
    let mut map = Map::new();
    map.insert("mesh_parts".into(), json!(parts.count()));
    map.insert("without_mesh".into(), json!(mesh.iter().filter(|&&n| n == 0).count()));
    map.insert("mesh".into(), spread(&mut mesh));
    map.insert("gossip_peers".into(), spread(&mut gossiping));
    map.insert(
        "score_min".into(),
        json!(scores.iter().copied().reduce(f64::min).map(round)),
    );
    map.insert("scores_below_0".into(), json!(below(0.0)));
    map.insert("scores_below_gossip".into(), json!(below(thresholds.gossip_threshold)));
    map.insert(
        "scores_below_publish".into(),
        json!(below(thresholds.publish_threshold)),
    );
    map.insert("scores_graylisted".into(), json!(below(thresholds.graylist_threshold)));
    map
}

/// Members joined into parts by mesh links (union–find).
struct Parts(Vec<usize>);

impl Parts {
    fn new(members: usize) -> Self {
        Self((0..members).collect())
    }

    fn root(&mut self, mut member: usize) -> usize {
        while self.0[member] != member {
            self.0[member] = self.0[self.0[member]];
            member = self.0[member];
        }
        member
    }

    fn join(&mut self, a: usize, b: usize) {
        let (a, b) = (self.root(a), self.root(b));
        self.0[a] = b;
    }

    fn count(&mut self) -> usize {
        (0..self.0.len()).filter(|&m| self.root(m) == m).count()
    }
}

/// The least, median and most of `counts`.
fn spread(counts: &mut [usize]) -> Value {
    counts.sort_unstable();
    json!({
        "min": counts.first(),
        "p50": counts.get(counts.len() / 2),
        "max": counts.last(),
    })
}

/// `--scenario group-churn`: as `group`, but every fourth member but the creator goes
/// offline (node stopped, store kept) after the first third of the messages and returns
/// after the second; the others keep sending meanwhile. The returning members must catch
/// up by history sync. Latencies are those of the members that stayed online.
pub async fn run_churn(
    net: &mut TestNet,
    group_size: usize,
    messages: usize,
    rate: f64,
) -> Result<Map<String, Value>, TestNetError> {
    let error = scenario_error("group-churn");
    let (members, group) = form_group(net, group_size, &error).await?;
    let churners: Vec<usize> = members[1..].iter().copied().filter(|m| m % 4 == 0).collect();
    if churners.is_empty() {
        return Err(error(
            "needs --group-size ≥ 4 (every fourth member goes offline)".into(),
        ));
    }
    let steady: Vec<usize> = members.iter().copied().filter(|m| !churners.contains(m)).collect();
    let steady_handles = handles_of(net, &steady);
    let streams: Vec<_> = steady_handles.iter().map(|h| h.events()).collect();
    let started = Instant::now();
    let third = messages / 3;
    let sending = AtomicBool::new(true);
    let phases = async {
        let mut sent = HashMap::new();
        let mut errors = 0;
        let mut merge = |(s, e): (HashMap<String, Instant>, usize)| {
            sent.extend(s);
            errors += e;
        };
        merge(send_all(&handles_of(net, &members), &group, 0..third, rate).await);
        for &m in &churners {
            net.stop_node(m).await.map_err(|e| error(e.to_string()))?;
        }
        merge(send_all(&steady_handles, &group, third..2 * third, rate).await);
        for &m in &churners {
            net.restart_node(m).await.map_err(|e| error(e.to_string()))?;
        }
        merge(send_all(&handles_of(net, &members), &group, 2 * third..messages, rate).await);
        sending.store(false, Ordering::Relaxed);
        Ok::<_, TestNetError>((sent, errors))
    };
    let collector = collect(streams, &group, usize::MAX, &sending);
    let (phases, (arrivals, arrival_duplicates)) = tokio::join!(phases, collector);
    let (sent, errors) = phases?;
    let handles = handles_of(net, &members);
    let mut map = summarise(
        &handles,
        &group,
        messages,
        sent,
        errors,
        started,
        arrivals,
        arrival_duplicates,
    )
    .await?;
    map.insert("churned".into(), json!(churners.len()));
    Ok(map)
}

/// The report of a group run from the members' histories (the truth for deliveries and
/// stored duplicates) and the arrivals seen on their event streams.
#[allow(clippy::too_many_arguments)]
async fn summarise(
    handles: &[NodeHandle],
    group: &str,
    messages: usize,
    sent: HashMap<String, Instant>,
    errors: usize,
    started: Instant,
    arrivals: HashMap<(usize, String), Instant>,
    arrival_duplicates: usize,
) -> Result<Map<String, Value>, TestNetError> {
    // Members still repairing by history sync: wait (bounded) for the histories.
    let expected = (sent.len() + errors) * (handles.len() - 1);
    let mut counted = stored(handles, group, messages).await;
    let _ = tokio::time::timeout(DELIVERY_DEADLINE, async {
        let mut events = futures::stream::select_all(handles.iter().map(|h| h.events()));
        while counted.0 < expected {
            // Each count pages every member's history: count again after the next event
            // and at most once a second, taking in the events of that second meanwhile.
            let checked = tokio::time::Instant::now();
            let _ = tokio::time::timeout(Duration::from_secs(1), events.next()).await;
            let _ = tokio::time::timeout_at(checked + Duration::from_secs(1), async {
                while events.next().await.is_some() {}
            })
            .await;
            counted = stored(handles, group, messages).await;
        }
    })
    .await;
    // Cut off by the deadline, the last count may be stale.
    let (delivered, stored_duplicates) = if counted.0 < expected {
        stored(handles, group, messages).await
    } else {
        counted
    };
    let (mut repaired, mut syncs_served) = (0, 0);
    for handle in handles {
        if let Ok(status) = handle.status().await {
            repaired += status.groups.repaired;
            syncs_served += status.groups.syncs_served;
        }
    }
    let mut map = report(
        handles.len(),
        sent.len() + errors,
        delivered,
        arrival_duplicates + stored_duplicates,
        repaired,
        started,
        &arrivals,
        &sent,
    );
    map.insert("syncs_served".into(), json!(syncs_served));
    Ok(map)
}

/// The report shared by `group` and `group-raw`; latencies run from each message's send
/// to each member's arrival.
#[allow(clippy::too_many_arguments)]
pub(super) fn report(
    group_size: usize,
    offered: usize,
    delivered: usize,
    duplicates: usize,
    repaired: u64,
    started: Instant,
    arrivals: &HashMap<(usize, String), Instant>,
    sent: &HashMap<String, Instant>,
) -> Map<String, Value> {
    let latencies: Vec<f64> = arrivals
        .iter()
        .filter_map(|((_, id), at)| sent.get(id).map(|s| at.duration_since(*s).as_secs_f64() * 1000.0))
        .collect();
    let last = arrivals.values().max().copied().unwrap_or(started);
    let expected = offered * (group_size - 1);
    let summary = Summary::of(&latencies);
    let mut map = Map::new();
    map.insert("group_size".into(), json!(group_size));
    map.insert("sent".into(), json!(offered));
    map.insert("expected_deliveries".into(), json!(expected));
    map.insert("delivered".into(), json!(delivered));
    map.insert("lost".into(), json!(expected.saturating_sub(delivered)));
    map.insert("duplicates".into(), json!(duplicates));
    map.insert("repaired".into(), json!(repaired));
    map.insert(
        "deliveries_per_s".into(),
        json!(round(
            delivered as f64 / last.duration_since(started).as_secs_f64().max(1e-9)
        )),
    );
    map.insert("p50_ms".into(), json!(summary.p50_ms));
    map.insert("p99_ms".into(), json!(summary.p99_ms));
    map.insert("latency".into(), json!(summary));
    map
}

/// Waits until every member is in the group and no control message waits anywhere.
async fn wait_formed(handles: &[NodeHandle], group: &str) -> Result<(), String> {
    tokio::time::timeout(SETUP_DEADLINE, async {
        let mut events = futures::stream::select_all(handles.iter().map(|h| h.events()));
        loop {
            let mut formed = true;
            for handle in handles {
                let joined = handle
                    .groups()
                    .await
                    .map(|gs| gs.iter().any(|g| g.group_id == group))
                    .unwrap_or(false);
                let quiet = handle
                    .status()
                    .await
                    .map(|s| s.groups.control_outbox == 0)
                    .unwrap_or(false);
                formed &= joined && quiet;
            }
            if formed {
                return;
            }
            let _ = tokio::time::timeout(Duration::from_millis(500), events.next()).await;
        }
    })
    .await
    .map_err(|_| "the group did not form in time".to_owned())
}

async fn send_all(
    handles: &[NodeHandle],
    group: &str,
    seqs: std::ops::Range<usize>,
    rate: f64,
) -> (HashMap<String, Instant>, usize) {
    let mut sent = HashMap::new();
    let mut errors = 0;
    super::paced(
        seqs,
        rate,
        SEND_CONCURRENCY,
        |seq| {
            let handle = handles[seq % handles.len()].clone();
            let group = group.to_owned();
            let started = Instant::now();
            async move { (started, handle.group_send(&group, &text(seq)).await) }
        },
        |(started, result)| match result {
            Ok(view) => {
                sent.insert(view.id, started);
            }
            Err(e) => {
                tracing::warn!(error = %e, "group send failed");
                errors += 1;
            }
        },
    )
    .await;
    (sent, errors)
}

/// First arrival per (member, message) from the members' event streams, until `expected`
/// or the deadline (histories are checked when the streams pause), and duplicates.
async fn collect(
    streams: Vec<crate::node::EventStream>,
    group: &str,
    expected: usize,
    sending: &AtomicBool,
) -> (HashMap<(usize, String), Instant>, usize) {
    let tagged = streams
        .into_iter()
        .enumerate()
        .map(|(i, s)| s.map(move |e| (i, e)).boxed());
    let mut merged = futures::stream::select_all(tagged);
    let mut arrivals = HashMap::new();
    let mut duplicates = 0;
    let conv = group.to_owned();
    let _ = tokio::time::timeout(DELIVERY_DEADLINE, async {
        while arrivals.len() < expected {
            match tokio::time::timeout(Duration::from_secs(5), merged.next()).await {
                Ok(Some((member, Event::MessageReceived { message }))) if message.conv == conv => {
                    if arrivals.insert((member, message.id), Instant::now()).is_some() {
                        duplicates += 1;
                    }
                }
                Ok(Some(_)) => {}
                // Quiet for a while: done, unless messages are still being sent.
                Err(_) if sending.load(Ordering::Relaxed) => {}
                Ok(None) | Err(_) => return,
            }
        }
    })
    .await;
    (arrivals, duplicates)
}

/// Distinct incoming messages stored per member, summed, and stored duplicates.
pub(super) async fn stored(handles: &[NodeHandle], group: &str, limit: usize) -> (usize, usize) {
    let page = crate::node::messages::MAX_HISTORY_LIMIT;
    let (mut delivered, mut duplicates) = (0, 0);
    for handle in handles {
        let mut ids = HashSet::new();
        duplicates += super::dm::incoming(limit + page, &mut ids, |before| {
            let (handle, group) = (handle.clone(), group.to_owned());
            Box::pin(async move {
                handle
                    .group_history(&group, page, before.as_deref())
                    .await
                    .unwrap_or_default()
            })
        })
        .await;
        delivered += ids.len();
    }
    (delivered, duplicates)
}

#[cfg(test)]
mod tests {
    use super::Parts;

    #[test]
    fn mesh_links_join_members_into_parts() {
        let mut parts = Parts::new(6);
        assert_eq!(parts.count(), 6, "no links: every member alone");
        for (a, b) in [(0, 1), (2, 1), (3, 4), (1, 0)] {
            parts.join(a, b);
        }
        assert_eq!(parts.count(), 3, "{{0, 1, 2}}, {{3, 4}}, {{5}}");
        parts.join(4, 2);
        parts.join(5, 5);
        assert_eq!(parts.count(), 2);
        parts.join(0, 5);
        assert_eq!(parts.count(), 1);
    }
}
