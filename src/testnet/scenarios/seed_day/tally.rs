//! The books of a seed-day run: which sent messages still wait for arrivals, when each
//! user was away, when introduced friends found each other, and the latency of every
//! arrival by path. Memory stays bounded over a long run — a message is forgotten once
//! every recipient has it, and latencies go into fixed-size histograms — so the harness
//! does not add its own slope to the process's memory.
//!
//! Paths, for one recipient of one message:
//! - `dm_online` / `group`: neither sender nor recipient was away between the send and
//!   the arrival; latency from the `send`/`group_send` call (for friends who had just
//!   been introduced, from the moment the sender found the recipient, if later).
//! - `dm_mailbox` / `group_catch_up`: one of them was away meanwhile; latency from the
//!   return (restart) of whoever was away to the arrival. A 1:1 message to a friend who
//!   is offline waits in the mailbox; a group member catches up by history sync.
//! - `dm_deposit`: for 1:1 messages sent while the friend was offline, from the send to
//!   the sender's `sent` state (stored on the mailbox).

use std::collections::HashMap;
use std::time::Instant;

use serde::Serialize;

use super::plan::Traffic;
use crate::testnet::stats::{Histogram, Summary};

/// A message id: the 16 bytes of its UUIDv7 (the API's 32 hex digits).
pub(super) type Id = u128;

/// Parses a message id from its hex form.
pub(super) fn id_of(hex: &str) -> Option<Id> {
    (hex.len() == 32).then(|| u128::from_str_radix(hex, 16).ok()).flatten()
}

/// A sent message some recipient still lacks.
struct Flight {
    traffic: Traffic,
    sent_at: Instant,
    /// Recipients that have it (a group message goes to every other member).
    arrived: Vec<usize>,
    /// How many recipients it has.
    recipients: usize,
    /// A 1:1 message sent while its recipient was offline (waits for a deposit).
    deposit_pending: bool,
}

/// Latencies by path.
#[derive(Default)]
struct Latencies {
    dm_online: Histogram,
    dm_mailbox: Histogram,
    dm_deposit: Histogram,
    group: Histogram,
    group_catch_up: Histogram,
    discovery: Histogram,
}

/// Latency percentiles by path (see the module notes).
#[derive(Debug, Clone, Serialize)]
pub struct PathLatencies {
    /// 1:1, both online.
    pub dm_online: Summary,
    /// 1:1, one of them away meanwhile: from the return to the arrival.
    pub dm_mailbox: Summary,
    /// 1:1 to an offline friend: from the send to the deposit on the mailbox.
    pub dm_deposit: Summary,
    /// Group, both online.
    pub group: Summary,
    /// Group, one of them away meanwhile: from the return to the arrival.
    pub group_catch_up: Summary,
    /// From adding a number to the contact being found.
    pub discovery: Summary,
}

/// The books.
pub(super) struct Tally {
    in_flight: HashMap<Id, Flight>,
    /// Arrivals of ids whose send has not returned yet (or whose message was already
    /// complete: duplicates).
    early: HashMap<Id, Vec<(usize, Instant)>>,
    /// Per node: (left, back) of each absence.
    absences: Vec<Vec<(Instant, Option<Instant>)>>,
    /// (from, to) of introduced friends → when `from` found `to`.
    found: HashMap<(usize, usize), Instant>,
    latencies: Latencies,
    /// Group members by group index.
    group_sizes: Vec<usize>,
    /// Arrivals matched to a sent message.
    pub arrivals: usize,
    /// The same message shown twice to one recipient.
    pub duplicates: usize,
    /// Online 1:1 arrivals whose clock started at the discovery, not the send.
    pub waited_for_discovery: usize,
    /// Events a slow subscriber missed.
    pub lagged: u64,
}

impl Tally {
    /// Books for `nodes` nodes and groups of `group_sizes` members.
    pub fn new(nodes: usize, group_sizes: Vec<usize>) -> Self {
        Self {
            in_flight: HashMap::new(),
            early: HashMap::new(),
            absences: vec![Vec::new(); nodes],
            found: HashMap::new(),
            latencies: Latencies::default(),
            group_sizes,
            arrivals: 0,
            duplicates: 0,
            waited_for_discovery: 0,
            lagged: 0,
        }
    }

    /// `node` stops now.
    pub fn left(&mut self, node: usize) {
        self.absences[node].push((Instant::now(), None));
    }

    /// `node` is running again.
    pub fn back(&mut self, node: usize) {
        if let Some((_, back)) = self.absences[node].last_mut() {
            *back = Some(Instant::now());
        }
    }

    /// Introduced `from` found `to` after `ms`.
    pub fn found(&mut self, from: usize, to: usize, ms: f64) {
        self.found.insert((from, to), Instant::now());
        self.latencies.discovery.record(ms);
    }

    /// A send returned `id` (started at `sent_at`; `recipient_away` for a 1:1 message
    /// whose recipient was offline then).
    pub fn sent(&mut self, id: Id, traffic: Traffic, sent_at: Instant, recipient_away: bool) {
        let recipients = match traffic {
            Traffic::Direct { .. } => 1,
            Traffic::Group { group, .. } => self.group_sizes[group] - 1,
        };
        self.in_flight.insert(
            id,
            Flight {
                traffic,
                sent_at,
                arrived: Vec::new(),
                recipients,
                deposit_pending: recipient_away,
            },
        );
        for (node, at) in self.early.remove(&id).unwrap_or_default() {
            self.arrived(id, node, at);
        }
    }

    /// Message `id` arrived at `node` at `at`.
    pub fn arrived(&mut self, id: Id, node: usize, at: Instant) {
        let Some(flight) = self.in_flight.get_mut(&id) else {
            self.early.entry(id).or_default().push((node, at));
            return;
        };
        if flight.arrived.contains(&node) {
            self.duplicates += 1;
            return;
        }
        flight.arrived.push(node);
        let (traffic, sent_at, done) = (
            flight.traffic,
            flight.sent_at,
            flight.arrived.len() >= flight.recipients,
        );
        if done {
            self.in_flight.remove(&id);
        }
        self.arrivals += 1;
        let (start, away) = self.clock_start(traffic.from(), node, sent_at, at);
        let histogram = match (traffic, away) {
            (Traffic::Direct { from, to }, false) => {
                let start = match self.found.get(&(from, to)) {
                    Some(&found) if found > start => {
                        self.waited_for_discovery += 1;
                        found
                    }
                    _ => start,
                };
                self.latencies.dm_online.record(ms_between(start, at));
                return;
            }
            (Traffic::Direct { .. }, true) => &mut self.latencies.dm_mailbox,
            (Traffic::Group { .. }, false) => &mut self.latencies.group,
            (Traffic::Group { .. }, true) => &mut self.latencies.group_catch_up,
        };
        histogram.record(ms_between(start, at));
    }

    /// The sender of `id` reports it handed over (for a 1:1 message to an offline
    /// friend: deposited on the mailbox).
    pub fn handed_over(&mut self, id: Id) {
        if let Some(flight) = self.in_flight.get_mut(&id) {
            if std::mem::take(&mut flight.deposit_pending) {
                self.latencies
                    .dm_deposit
                    .record(ms_between(flight.sent_at, Instant::now()));
            }
        }
    }

    /// Where the latency clock of an arrival at `to` at `at` of a message `from` sent at
    /// `sent_at` starts, and whether either was away meanwhile.
    fn clock_start(&self, from: usize, to: usize, sent_at: Instant, at: Instant) -> (Instant, bool) {
        let mut start = sent_at;
        let mut away = false;
        for node in [from, to] {
            for &(left, back) in &self.absences[node] {
                if left < at && back.is_none_or(|b| b > sent_at) {
                    away = true;
                    if let Some(back) = back.filter(|b| *b <= at) {
                        start = start.max(back);
                    }
                }
            }
        }
        (start, away)
    }

    /// Whether every recipient of every sent message has it.
    pub fn complete(&self) -> bool {
        self.in_flight.is_empty()
    }

    /// Arrivals that never matched a sent message: a message shown again after every
    /// recipient had it.
    pub fn unmatched_arrivals(&self) -> usize {
        self.early.values().map(Vec::len).sum()
    }

    /// Arrivals with a latency, by path.
    pub fn latencies(&self) -> PathLatencies {
        let l = &self.latencies;
        PathLatencies {
            dm_online: l.dm_online.summary(),
            dm_mailbox: l.dm_mailbox.summary(),
            dm_deposit: l.dm_deposit.summary(),
            group: l.group.summary(),
            group_catch_up: l.group_catch_up.summary(),
            discovery: l.discovery.summary(),
        }
    }
}

fn ms_between(start: Instant, end: Instant) -> f64 {
    end.saturating_duration_since(start).as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn arrivals_are_sorted_by_path_and_forgotten_when_complete() {
        let mut tally = Tally::new(5, vec![3]);
        let t0 = Instant::now();
        // A group message to members 2 and 3; one arrives before the send returns.
        tally.arrived(1, 2, t0 + Duration::from_millis(5));
        tally.sent(1, Traffic::Group { group: 0, from: 1 }, t0, false);
        assert!(!tally.complete());
        // Shown twice to member 2 while member 3 still waits.
        tally.arrived(1, 2, t0 + Duration::from_millis(7));
        tally.arrived(1, 3, t0 + Duration::from_millis(9));
        assert!(tally.complete());
        assert_eq!((tally.arrivals, tally.duplicates), (2, 1));
        // 1:1 to node 4, who is away at the send and returns later.
        tally.left(4);
        let sent = Instant::now();
        tally.sent(2, Traffic::Direct { from: 1, to: 4 }, sent, true);
        tally.handed_over(2);
        tally.back(4);
        tally.arrived(2, 4, Instant::now() + Duration::from_millis(30));
        let latencies = tally.latencies();
        assert_eq!(latencies.group.count, 2);
        assert_eq!((latencies.dm_mailbox.count, latencies.dm_deposit.count), (1, 1));
        assert!(latencies.dm_mailbox.p50_ms >= 29.0 && latencies.dm_mailbox.p50_ms < 1000.0);
        assert_eq!(latencies.dm_online.count, 0);
        // Once forgotten, another copy is unmatched: a duplicate.
        tally.arrived(2, 4, Instant::now());
        assert_eq!(tally.unmatched_arrivals(), 1);
        assert_eq!(
            id_of("0192f0c1a2b34c5d8e9f00112233aabb"),
            Some(0x0192f0c1a2b34c5d8e9f00112233aabb)
        );
        assert_eq!(id_of("xyz"), None);
    }
}
