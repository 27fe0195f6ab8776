//! `--scenario seed-day`: the seed's day of traffic on one test net. Node 0 is the
//! mailbox; nodes 1‥N−1 are users. Friend pairs (1–2, 3–4, …) and groups of
//! `--group-size` consecutive users (the first creates it) are set up first, unmeasured.
//! Then, for `--duration` seconds (or `--messages` messages) at `--rate` messages per
//! second in total, the run follows a [`plan::Plan`] drawn from `--seed`: 80 % 1:1
//! between friends, 20 % to a group; users go offline (node stopped, home kept) and
//! return (restarted from their home); strangers add each other's numbers and, once
//! found, chat too.
//!
//! Reported: per-path latency percentiles ([`tally`] explains the paths), lost and
//! duplicates (from the stored histories: the truth), CPU seconds per 1,000 messages,
//! resident memory and CPU sampled over the run with their slopes per minute, and the
//! process's disk syncs counted by the kernel
//! ([`crate::testnet::resources::SyncCounter`]).

mod plan;
mod tally;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use futures::stream::{SelectAll, StreamExt};
use serde::Serialize;
use serde_json::{Map, Value};
use tokio::sync::{mpsc, watch};

use super::dm::{befriend, scenario_error, text};
use super::group::create_group;
use super::ScenarioOptions;
use crate::model::{ConvId, MessageState};
use crate::node::EventStream;
use crate::testnet::resources::{self, Sample, Series, SyncCounter, SyncCounts, Trend};
use crate::testnet::stats::round;
use crate::testnet::{TestNet, TestNetError};
use crate::{Event, NodeHandle};
use libp2p::Multiaddr;
use plan::{Absence, Plan, PlanInput, Traffic};
use tally::{id_of, PathLatencies, Tally};

/// Sends in flight at once (each waits for its flush); enough that the rate holds.
const SEND_CONCURRENCY: usize = 4096;
/// Longest a planned sender's node may take to be running again.
const SENDER_WAIT: Duration = Duration::from_secs(60);
/// Longest an introduction may take.
const INTRODUCTION_DEADLINE: Duration = Duration::from_secs(60);
/// Longest a leaving user's outbox may take to empty.
const DRAIN_DEADLINE: Duration = Duration::from_secs(5);
/// Longest wait for every arrival after the last send.
const DELIVERY_DEADLINE: Duration = Duration::from_secs(180);
/// Without a new arrival for this long, the stored histories are counted.
const QUIET: Duration = Duration::from_secs(5);
/// How disk syncs are counted.
const SYNC_METHOD: &str =
    "kernel tracepoints syscalls:sys_enter_{fsync,fdatasync,sync_file_range} (perf_event_open), every thread of the process";

/// Sent messages and how many of them were delivered.
#[derive(Debug, Clone, Serialize)]
pub struct DirectFigures {
    /// Messages offered (sends that returned, and those that failed).
    pub sent: usize,
    /// Distinct messages stored by their recipients.
    pub delivered: usize,
    /// Offered and never stored.
    pub lost: usize,
    /// Stored twice.
    pub duplicates: usize,
}

/// Group messages and their deliveries.
#[derive(Debug, Clone, Serialize)]
pub struct GroupFigures {
    /// Messages offered.
    pub sent: usize,
    /// Each message at every other member of its group.
    pub expected_deliveries: usize,
    /// Distinct (member, message) pairs stored.
    pub delivered: usize,
    /// Expected and never stored.
    pub lost: usize,
    /// Stored twice.
    pub duplicates: usize,
    /// Messages members fetched by history sync (since each node's last start).
    pub repaired: u64,
}

/// Introductions.
#[derive(Debug, Clone, Serialize)]
pub struct DiscoveryFigures {
    /// Pairs of strangers who added each other.
    pub introductions: usize,
    /// Contacts expected to be found (two per introduction).
    pub expected: usize,
    /// Found in time.
    pub found: usize,
}

/// Memory over the run.
#[derive(Debug, Clone, Serialize)]
pub struct MemoryFigures {
    /// Peak resident memory of the process (its whole life, setup included).
    pub peak_bytes: u64,
    /// Resident memory when the traffic started.
    pub start_bytes: u64,
    /// Resident memory when the last message had arrived.
    pub end_bytes: u64,
}

/// Disk syncs over the run.
#[derive(Debug, Clone, Serialize)]
pub struct SyncFigures {
    /// How they were counted.
    pub method: &'static str,
    /// By system call (absent if they could not be counted).
    pub counts: Option<SyncCounts>,
    /// All of them.
    pub total: Option<u64>,
    /// Per 1,000 messages sent.
    pub per_1000_messages: Option<f64>,
    /// Why they could not be counted.
    pub unavailable: Option<String>,
}

/// How complete the event-based latencies are.
#[derive(Debug, Clone, Serialize)]
pub struct EventFigures {
    /// Events the harness missed (slow subscriber).
    pub lagged: u64,
    /// Deliveries stored without an arrival event seen (e.g. just after a restart,
    /// before the harness subscribed again): they have no latency sample.
    pub latency_samples_missing: usize,
    /// Online 1:1 arrivals whose clock started when the sender found the friend.
    pub waited_for_discovery: usize,
}

/// The seed-day report.
#[derive(Debug, Clone, Serialize)]
pub struct SeedDayReport {
    /// The plan's seed.
    pub seed: u64,
    /// Messages per second offered, in total.
    pub rate: f64,
    /// Planned length of the traffic, seconds.
    pub duration_s: f64,
    /// Wall-clock seconds from the first send until the last message had arrived.
    pub run_s: f64,
    /// User nodes.
    pub users: usize,
    /// Friend pairs at the start.
    pub friendships: usize,
    /// Groups.
    pub groups: usize,
    /// Members per group.
    pub group_size: usize,
    /// Messages in the plan.
    pub planned: usize,
    /// Messages whose send returned (durable at the sender).
    pub sent: usize,
    /// Sends that failed.
    pub send_errors: usize,
    /// Sends per second actually started (the plan's rate, if the harness kept up).
    pub offered_per_s: f64,
    /// The share of users meant to be away at any time (`--churn`), if given.
    pub churn: Option<f64>,
    /// Absences (node stopped and restarted) that took place.
    pub absences: usize,
    /// 1:1 messages.
    pub dm: DirectFigures,
    /// Group messages.
    pub group: GroupFigures,
    /// 1:1 messages lost plus group deliveries lost.
    pub lost: usize,
    /// Everything stored or shown twice.
    pub duplicates: usize,
    /// Latency percentiles by path.
    pub latency: PathLatencies,
    /// Discovery of new friends.
    pub discovery: DiscoveryFigures,
    /// CPU seconds of the process over the run.
    pub cpu_s: f64,
    /// CPU seconds per 1,000 messages sent.
    pub cpu_s_per_1000_messages: f64,
    /// Resident memory.
    pub rss: MemoryFigures,
    /// Slopes of memory and CPU over the run.
    pub trend: Trend,
    /// Disk syncs.
    pub fsyncs: SyncFigures,
    /// Completeness of the latency samples.
    pub events: EventFigures,
    /// Memory and CPU over time.
    pub samples: Vec<Sample>,
}

/// Who is running: each node's handle while it runs, and every node's number.
struct Roster {
    handles: Vec<watch::Sender<Option<NodeHandle>>>,
    phones: Vec<String>,
}

impl Roster {
    fn of(net: &TestNet) -> Self {
        Self {
            handles: net.nodes.iter().map(|n| watch::Sender::new(n.handle.clone())).collect(),
            phones: net.nodes.iter().map(|n| n.phone.to_string()).collect(),
        }
    }

    /// The node's handle, waiting (bounded) for it to run again.
    async fn running(&self, node: usize) -> Option<NodeHandle> {
        let mut handle = self.handles[node].subscribe();
        let running = match tokio::time::timeout(SENDER_WAIT, handle.wait_for(Option::is_some)).await {
            Ok(Ok(running)) => running.clone(),
            _ => None,
        };
        running
    }

    fn is_running(&self, node: usize) -> bool {
        self.handles[node].borrow().is_some()
    }

    fn set(&self, node: usize, handle: Option<NodeHandle>) {
        self.handles[node].send_replace(handle);
    }
}

/// What the sends came to.
#[derive(Default)]
struct Sends {
    dm: usize,
    dm_errors: usize,
    /// Per group: (sent, failed).
    group: Vec<(usize, usize)>,
    last_start: Option<Instant>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// `--scenario seed-day`.
pub async fn run(net: &mut TestNet, options: &ScenarioOptions) -> Result<Map<String, Value>, TestNetError> {
    let error = scenario_error("seed-day");
    let n = net.nodes.len();
    let group_size = options.group_size;
    if options.rate <= 0.0 {
        return Err(error("needs --rate > 0 (messages per second in total)".into()));
    }
    if n < 5 || group_size < 2 || group_size > n - 1 {
        return Err(error(format!(
            "needs at least 5 nodes (a mailbox and 4 users) and 2 ≤ --group-size ≤ users; got {n} nodes, groups of {group_size}"
        )));
    }
    let messages = match options.duration {
        Some(duration) if !duration.is_zero() => (options.rate * duration.as_secs_f64()).round() as usize,
        _ => options.messages,
    };
    let users: Vec<usize> = (1..n).collect();
    let groups: Vec<Vec<usize>> = users.chunks_exact(group_size).map(<[usize]>::to_vec).collect();
    let mut friendships: BTreeSet<(usize, usize)> = super::dm::pairs(n).into_iter().collect();
    for members in &groups {
        friendships.extend(members[1..].iter().map(|&m| (members[0], m)));
    }
    let friendships: Vec<(usize, usize)> = friendships.into_iter().collect();
    befriend(net, &friendships, 1).await.map_err(&error)?;
    let mut group_ids = Vec::with_capacity(groups.len());
    for members in &groups {
        group_ids.push(create_group(net, members).await.map_err(&error)?);
    }
    let plan = Plan::draw(&PlanInput {
        users: users.clone(),
        friendships: friendships.clone(),
        groups: groups.clone(),
        messages,
        rate: options.rate,
        seed: options.seed,
        churn: options.churn,
    });
    let length = plan::length(messages, options.rate);

    let roster = Roster::of(net);
    let tally = Mutex::new(Tally::new(n, groups.iter().map(Vec::len).collect()));
    let convs: HashSet<String> = roster
        .phones
        .iter()
        .map(|p| p.parse().map(|p| ConvId::direct(&p).to_string()))
        .filter_map(Result::ok)
        .chain(group_ids.iter().cloned())
        .collect();
    let (streams_tx, streams_rx) = mpsc::unbounded_channel();
    for &user in &users {
        let _ = streams_tx.send((user, net.nodes[user].node().events()));
    }
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut syncs = SyncCounter::start();
    let sync_start = syncs.as_mut().map(SyncCounter::read).unwrap_or_default();
    let (cpu_start, rss_start) = (resources::cpu_seconds(), resources::rss_bytes());
    let started = Instant::now();
    let clock = tokio::time::Instant::now();

    let measured = async {
        let (sends, absences, found) = tokio::join!(
            send_all(&plan, &roster, &group_ids, options.rate, &tally),
            churn(net, &plan, clock, &roster, &streams_tx, &tally),
            introduce_all(&plan, clock, &roster, &tally),
        );
        let absences = absences?;
        let expected = Expected::of(&sends, &groups);
        wait_delivered(net, &friendships, &plan, &groups, &group_ids, &expected, &tally).await;
        let run = Snapshot {
            run_s: started.elapsed().as_secs_f64(),
            cpu_s: resources::cpu_seconds() - cpu_start,
            rss_end: resources::rss_bytes(),
            syncs: syncs.as_mut().ok().map(|s| s.read()),
        };
        let _ = stop_tx.send(true);
        Ok::<_, TestNetError>((sends, absences, found, expected, run))
    };
    let sample_every = (length / 100).clamp(Duration::from_millis(250), Duration::from_secs(5));
    let mut stop_sampling = stop_rx.clone();
    let sampling = Series::record(sample_every, async move {
        let _ = stop_sampling.wait_for(|stop| *stop).await;
    });
    let (outcome, (), series) = tokio::join!(measured, collect(streams_rx, &convs, &tally, stop_rx), sampling);
    let (sends, absences, found, expected, run) = outcome?;

    // The stored histories are the truth for deliveries and stored duplicates.
    let (dm_delivered, dm_stored_twice) = super::dm::stored(net, &directed(&friendships, &plan), expected.dm).await;
    let (mut group_delivered, mut group_stored_twice, mut repaired) = (0, 0, 0);
    for (members, id) in groups.iter().zip(&group_ids) {
        let handles: Vec<NodeHandle> = members.iter().map(|&m| net.nodes[m].node().clone()).collect();
        let (delivered, twice) = super::group::stored(&handles, id, expected.group_messages).await;
        group_delivered += delivered;
        group_stored_twice += twice;
        for handle in &handles {
            repaired += handle.status().await.map(|s| s.groups.repaired).unwrap_or_default();
        }
    }
    let tally = tally.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    let sent = sends.dm + sends.group.iter().map(|g| g.0).sum::<usize>();
    let dm = DirectFigures {
        sent: expected.dm,
        delivered: dm_delivered,
        lost: expected.dm.saturating_sub(dm_delivered),
        duplicates: dm_stored_twice,
    };
    let group = GroupFigures {
        sent: expected.group_messages,
        expected_deliveries: expected.group_deliveries,
        delivered: group_delivered,
        lost: expected.group_deliveries.saturating_sub(group_delivered),
        duplicates: group_stored_twice,
        repaired,
    };
    let per_1000 = |x: f64| round(x * 1000.0 / sent.max(1) as f64);
    let synced = run.syncs.map(|end| SyncCounts {
        fsync: end.fsync - sync_start.fsync,
        fdatasync: end.fdatasync - sync_start.fdatasync,
        sync_file_range: end.sync_file_range - sync_start.sync_file_range,
    });
    let report = SeedDayReport {
        seed: options.seed,
        rate: options.rate,
        duration_s: round(length.as_secs_f64()),
        run_s: round(run.run_s),
        users: users.len(),
        friendships: friendships.len(),
        groups: groups.len(),
        group_size,
        planned: plan.sends.len(),
        sent,
        send_errors: sends.dm_errors + sends.group.iter().map(|g| g.1).sum::<usize>(),
        offered_per_s: round(
            sent as f64
                / sends
                    .last_start
                    .map_or(0.0, |l| l.duration_since(started).as_secs_f64())
                    .max(1e-9),
        ),
        churn: options.churn,
        absences,
        lost: dm.lost + group.lost,
        duplicates: dm.duplicates + group.duplicates + tally.duplicates + tally.unmatched_arrivals(),
        dm,
        group,
        latency: tally.latencies(),
        discovery: DiscoveryFigures {
            introductions: plan.introductions.len(),
            expected: 2 * plan.introductions.len(),
            found,
        },
        cpu_s: round(run.cpu_s),
        cpu_s_per_1000_messages: per_1000(run.cpu_s),
        rss: MemoryFigures {
            peak_bytes: resources::peak_rss_bytes(),
            start_bytes: rss_start,
            end_bytes: run.rss_end,
        },
        trend: series.trend(),
        fsyncs: SyncFigures {
            method: SYNC_METHOD,
            counts: synced,
            total: synced.map(|s| s.total()),
            per_1000_messages: synced.map(|s| per_1000(s.total() as f64)),
            unavailable: syncs.err(),
        },
        events: EventFigures {
            lagged: tally.lagged,
            latency_samples_missing: (dm_delivered + group_delivered).saturating_sub(tally.arrivals),
            waited_for_discovery: tally.waited_for_discovery,
        },
        samples: series.samples,
    };
    match serde_json::to_value(report) {
        Ok(Value::Object(map)) => Ok(map),
        other => Err(error(format!("the report did not serialise to an object: {other:?}"))),
    }
}

/// Measurements taken when the last message had arrived.
struct Snapshot {
    run_s: f64,
    cpu_s: f64,
    rss_end: u64,
    syncs: Option<SyncCounts>,
}

/// What should arrive, from what was sent.
struct Expected {
    /// 1:1 messages offered.
    dm: usize,
    /// Group messages offered.
    group_messages: usize,
    /// Each at every other member.
    group_deliveries: usize,
}

impl Expected {
    fn of(sends: &Sends, groups: &[Vec<usize>]) -> Self {
        let offered = |(sent, failed): &(usize, usize)| sent + failed;
        Self {
            dm: sends.dm + sends.dm_errors,
            group_messages: sends.group.iter().map(offered).sum(),
            group_deliveries: sends
                .group
                .iter()
                .zip(groups)
                .map(|(g, members)| offered(g) * (members.len() - 1))
                .sum(),
        }
    }
}

/// Every friendship in both directions (the plan's introductions included).
fn directed(friendships: &[(usize, usize)], plan: &Plan) -> Vec<(usize, usize)> {
    friendships
        .iter()
        .copied()
        .chain(plan.introductions.iter().map(|i| (i.a, i.b)))
        .flat_map(|(a, b)| [(a, b), (b, a)])
        .collect()
}

/// Sends the plan's messages at `rate`, each from its sender's running node.
async fn send_all(plan: &Plan, roster: &Roster, group_ids: &[String], rate: f64, tally: &Mutex<Tally>) -> Sends {
    let mut sends = Sends {
        group: vec![(0, 0); group_ids.len()],
        ..Sends::default()
    };
    super::paced(
        plan.sends.iter().copied(),
        rate,
        SEND_CONCURRENCY,
        |planned| async move {
            let started = Instant::now();
            let Some(node) = roster.running(planned.traffic.from()).await else {
                return (
                    planned,
                    started,
                    false,
                    Err("the sender's node did not come back".to_owned()),
                );
            };
            let text = text(planned.seq);
            let (recipient_away, result) = match planned.traffic {
                Traffic::Direct { to, .. } => (!roster.is_running(to), node.send(&roster.phones[to], &text).await),
                Traffic::Group { group, .. } => (false, node.group_send(&group_ids[group], &text).await),
            };
            let id = result.map_err(|e| e.to_string()).map(|view| id_of(&view.id));
            (planned, started, recipient_away, id)
        },
        |(planned, started, recipient_away, id)| {
            sends.last_start = Some(started);
            let ok = match id {
                Ok(Some(id)) => {
                    lock(tally).sent(id, planned.traffic, started, recipient_away);
                    true
                }
                Ok(None) => true,
                Err(e) => {
                    tracing::warn!(error = %e, "seed-day send failed");
                    false
                }
            };
            match (planned.traffic, ok) {
                (Traffic::Direct { .. }, true) => sends.dm += 1,
                (Traffic::Direct { .. }, false) => sends.dm_errors += 1,
                (Traffic::Group { group, .. }, true) => sends.group[group].0 += 1,
                (Traffic::Group { group, .. }, false) => sends.group[group].1 += 1,
            }
        },
    )
    .await;
    sends
}

/// Stops and restarts nodes as the plan says; returns how many came back. Each user's
/// absences are taken in order, different users' at once: a soak's plan has a move every
/// fraction of a second, and one stop (outbox drained, store flushed) or start takes
/// longer than that.
async fn churn(
    net: &mut TestNet,
    plan: &Plan,
    clock: tokio::time::Instant,
    roster: &Roster,
    streams: &mpsc::UnboundedSender<(usize, EventStream)>,
    tally: &Mutex<Tally>,
) -> Result<usize, TestNetError> {
    let fd_plan = net.plan();
    let addrs: Vec<Mutex<Multiaddr>> = net.nodes.iter().map(|n| Mutex::new(n.addr.clone())).collect();
    let mut absences: BTreeMap<usize, Vec<&Absence>> = BTreeMap::new();
    for absence in &plan.absences {
        absences.entry(absence.node).or_default().push(absence);
    }
    let nodes = &net.nodes;
    let addrs = &addrs;
    let users = absences.into_iter().map(|(node, mut absences)| async move {
        absences.sort_by_key(|a| a.leave);
        for absence in absences {
            tokio::time::sleep_until(clock + absence.leave).await;
            // Like a user closing the app once their messages went out.
            let running = roster.handles[node].borrow().clone();
            if let Some(handle) = &running {
                drain_outbox(handle).await;
            }
            roster.set(node, None);
            lock(tally).left(node);
            if let Some(handle) = running {
                handle
                    .shutdown()
                    .await
                    .map_err(|source| TestNetError::Node { index: node, source })?;
            }
            tokio::time::sleep_until(clock + absence.back).await;
            let bootstrap: Vec<Multiaddr> = (0..addrs.len())
                .filter(|&other| other != node && roster.is_running(other))
                .take(2)
                .map(|other| lock(&addrs[other]).clone())
                .collect();
            let (handle, addr) = TestNet::start_again(fd_plan, &nodes[node].home, bootstrap, node).await?;
            *lock(&addrs[node]) = addr;
            let _ = streams.send((node, handle.events()));
            roster.set(node, Some(handle));
            lock(tally).back(node);
        }
        Ok::<_, TestNetError>(())
    });
    let outcome: Result<Vec<()>, TestNetError> = futures::future::join_all(users).await.into_iter().collect();
    for (node, addr) in addrs.iter().enumerate() {
        net.nodes[node].handle = roster.handles[node].borrow().clone();
        net.nodes[node].addr = lock(addr).clone();
    }
    outcome?;
    Ok(plan.absences.len())
}

/// Waits (bounded) until the node's outbox is empty.
async fn drain_outbox(handle: &NodeHandle) {
    let _ = tokio::time::timeout(DRAIN_DEADLINE, async {
        let mut poll = tokio::time::interval(Duration::from_millis(50));
        loop {
            poll.tick().await;
            match handle.status().await {
                Ok(status) if status.messages.outbox > 0 => {}
                _ => return,
            }
        }
    })
    .await;
}

/// Runs every introduction at its time; returns how many contacts were found.
async fn introduce_all(plan: &Plan, clock: tokio::time::Instant, roster: &Roster, tally: &Mutex<Tally>) -> usize {
    futures::stream::iter(plan.introductions.iter().copied())
        .map(|intro| async move {
            tokio::time::sleep_until(clock + intro.at).await;
            let sides = [(intro.a, intro.b), (intro.b, intro.a)].map(|(me, them)| introduce(me, them, roster, tally));
            futures::future::join_all(sides)
                .await
                .into_iter()
                .filter(|found| *found)
                .count()
        })
        .buffer_unordered(plan.introductions.len().max(1))
        .fold(0, |total, found| async move { total + found })
        .await
}

/// `me` adds `them` by number; true once found (the time goes into the tally).
async fn introduce(me: usize, them: usize, roster: &Roster, tally: &Mutex<Tally>) -> bool {
    let Some(node) = roster.running(me).await else {
        return false;
    };
    let phone = &roster.phones[them];
    let is_found = |state: &str| state == "found" || state == "verified";
    let mut events = node.events();
    let started = Instant::now();
    if node.add_contact(phone, &format!("node {them}")).await.is_err() {
        return false;
    }
    let found = tokio::time::timeout(INTRODUCTION_DEADLINE, async {
        // The first answer is an event. `not_found` means the other side has not
        // published its record for the two of them yet: ask again until it has.
        while let Some(event) = events.next().await {
            if let Event::ContactUpdated { phone: p, state, .. } = event {
                if p == *phone && is_found(&state) {
                    return true;
                }
                if p == *phone && state == "not_found" {
                    break;
                }
            }
        }
        loop {
            match node.lookup_contact(phone).await {
                Ok(view) if is_found(&view.state) => return true,
                Ok(_) => {}
                Err(_) => return false,
            }
        }
    })
    .await
    .unwrap_or(false);
    if found {
        lock(tally).found(me, them, started.elapsed().as_secs_f64() * 1000.0);
    }
    found
}

/// Notes arrivals and hand-overs from the users' event streams (new ones come after a
/// restart) until `stop`.
async fn collect(
    mut new_streams: mpsc::UnboundedReceiver<(usize, EventStream)>,
    convs: &HashSet<String>,
    tally: &Mutex<Tally>,
    mut stop: watch::Receiver<bool>,
) {
    let mut merged = SelectAll::new();
    loop {
        tokio::select! {
            Some((node, stream)) = new_streams.recv() => merged.push(stream.map(move |e| (node, e))),
            Some((node, event)) = merged.next(), if !merged.is_empty() => match event {
                Event::MessageReceived { message } if convs.contains(&message.conv) => {
                    if let Some(id) = id_of(&message.id) {
                        lock(tally).arrived(id, node, Instant::now());
                    }
                }
                Event::MessageState { id, state: MessageState::Sent, .. } => {
                    if let Some(id) = id_of(&id) {
                        lock(tally).handed_over(id);
                    }
                }
                Event::Lagged { missed } => lock(tally).lagged += missed,
                _ => {}
            },
            _ = stop.wait_for(|stop| *stop) => return,
        }
    }
}

/// Waits until every recipient has every message: by the arrival events, or, when they
/// pause, by counting the stored histories (events may be missed); bounded.
async fn wait_delivered(
    net: &TestNet,
    friendships: &[(usize, usize)],
    plan: &Plan,
    groups: &[Vec<usize>],
    group_ids: &[String],
    expected: &Expected,
    tally: &Mutex<Tally>,
) {
    let deadline = tokio::time::Instant::now() + DELIVERY_DEADLINE;
    let mut poll = tokio::time::interval(Duration::from_millis(250));
    let mut progress = (usize::MAX, tokio::time::Instant::now());
    while tokio::time::Instant::now() < deadline {
        poll.tick().await;
        let (complete, arrivals) = {
            let tally = lock(tally);
            (tally.complete(), tally.arrivals)
        };
        if complete {
            return;
        }
        if arrivals != progress.0 {
            progress = (arrivals, tokio::time::Instant::now());
        } else if progress.1.elapsed() >= QUIET {
            let (dm, _) = super::dm::stored(net, &directed(friendships, plan), expected.dm).await;
            let mut group = 0;
            for (members, id) in groups.iter().zip(group_ids) {
                let handles: Vec<NodeHandle> = members.iter().filter_map(|&m| net.nodes[m].handle.clone()).collect();
                group += super::group::stored(&handles, id, expected.group_messages).await.0;
            }
            if dm >= expected.dm && group >= expected.group_deliveries {
                return;
            }
            progress.1 = tokio::time::Instant::now();
        }
    }
}
