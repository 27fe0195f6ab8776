//! When contacts are looked up and when their keys are derived (SPEC.md §5.6): two small
//! sans-IO state machines the node feeds with "now" and drives from `poll_*` calls.
//!
//! - [`LookupSchedule`]: each contact's next lookup time, at most
//!   [`MAX_LOOKUPS_IN_FLIGHT`] lookups at once, and a queue of *interactive* lookups (a
//!   contact just added by hand, a friend's hello to check, `contacts lookup`) that start
//!   before anything merely due. A lookup asked for again while it runs runs once more
//!   right after (the answer it is waiting for may predate what prompted the new ask).
//! - [`KdfQueue`]: the slow key derivations a node wants, deduplicated, at most `limit`
//!   running, interactive ones first, republication last — so a contact added by hand is
//!   not stuck behind a thousand imported ones, a lookup not behind a republication, and
//!   an import never holds more than `limit` derivations of the shared pool.
//!
//! The delays: a lookup that found nothing is retried after [`retry_delay_ms`] (1 s
//! doubling with every miss in a row, at most 6 h, plus up to a quarter of jitter), one that
//! found the contact after [`refresh_delay_ms`] (1 h, same jitter).

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::hash::Hash;

/// Lookups running at once; more wait.
pub const MAX_LOOKUPS_IN_FLIGHT: usize = 16;
/// First retry after a lookup found nothing (ms).
pub const FIRST_RETRY_MS: u64 = 1_000;
/// Longest delay between lookups of a contact that is not found (ms).
pub const MAX_RETRY_MS: u64 = 6 * 3_600_000;
/// A found contact is looked up again after this (ms).
pub const REFRESH_FOUND_MS: u64 = 3_600_000;

/// `d + floor(floor(d / 4) · jitter / (2^32 − 1))`: up to a quarter more than `d`.
fn jittered(d: u64, jitter: u32) -> u64 {
    d + (d / 4) * u64::from(jitter) / u64::from(u32::MAX)
}

/// Delay before looking up again a contact that `misses` lookups in a row found nothing
/// for (`misses` 0 counts as 1); `jitter` uniform in `0..=u32::MAX`.
pub fn retry_delay_ms(misses: u32, jitter: u32) -> u64 {
    let exponent = misses.saturating_sub(1).min(24);
    jittered((FIRST_RETRY_MS << exponent).min(MAX_RETRY_MS), jitter)
}

/// Delay before refreshing a contact that was found.
pub fn refresh_delay_ms(jitter: u32) -> u64 {
    jittered(REFRESH_FOUND_MS, jitter)
}

/// How soon someone waits for a piece of work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Urgency {
    /// Nothing waits on it: republishing records every 12 h.
    Idle,
    /// Nobody watches closely: imported contacts, scheduled lookups.
    Background,
    /// The owner or a friend waits: a contact added by hand, a hello, `contacts lookup`.
    Interactive,
}

impl Urgency {
    const ALL_FIRST_TO_LAST: [Urgency; 3] = [Urgency::Interactive, Urgency::Background, Urgency::Idle];

    fn index(self) -> usize {
        self as usize
    }
}

/// Each contact's next lookup, and which run now. `K` names a contact.
#[derive(Debug)]
pub struct LookupSchedule<K> {
    due: BTreeSet<(u64, K)>,
    at: HashMap<K, u64>,
    urgent: VecDeque<K>,
    urgent_set: HashSet<K>,
    running: HashMap<K, bool>,
    limit: usize,
}

impl<K: Clone + Eq + Hash + Ord> LookupSchedule<K> {
    /// An empty schedule running at most `limit` lookups at once.
    pub fn new(limit: usize) -> Self {
        Self {
            due: BTreeSet::new(),
            at: HashMap::new(),
            urgent: VecDeque::new(),
            urgent_set: HashSet::new(),
            running: HashMap::new(),
            limit: limit.max(1),
        }
    }

    /// Looks `key` up at `at_ms` (replacing any earlier time; ignored while it runs or
    /// waits as interactive).
    pub fn schedule(&mut self, key: K, at_ms: u64) {
        if self.running.contains_key(&key) || self.urgent_set.contains(&key) {
            return;
        }
        if let Some(old) = self.at.insert(key.clone(), at_ms) {
            self.due.remove(&(old, key.clone()));
        }
        self.due.insert((at_ms, key));
    }

    /// Looks `key` up as soon as a slot is free, before anything merely due. If it is
    /// running now, it runs once more when it finishes.
    pub fn urgent(&mut self, key: K) {
        if let Some(again) = self.running.get_mut(&key) {
            *again = true;
            return;
        }
        if let Some(old) = self.at.remove(&key) {
            self.due.remove(&(old, key.clone()));
        }
        if self.urgent_set.insert(key.clone()) {
            self.urgent.push_back(key);
        }
    }

    /// Forgets `key` (a removed or blocked contact). A running lookup finishes unnoticed.
    pub fn remove(&mut self, key: &K) {
        if let Some(old) = self.at.remove(key) {
            self.due.remove(&(old, key.clone()));
        }
        if self.urgent_set.remove(key) {
            self.urgent.retain(|k| k != key);
        }
        self.running.remove(key);
    }

    /// Whether a lookup of `key` runs now.
    pub fn is_running(&self, key: &K) -> bool {
        self.running.contains_key(key)
    }

    /// When `key` is due next (`None`: running, interactive or not scheduled).
    pub fn due_at(&self, key: &K) -> Option<u64> {
        self.at.get(key).copied()
    }

    /// The next lookup to start now, if a slot is free: interactive ones first, then the
    /// earliest due. The caller starts it and later calls [`LookupSchedule::finished`].
    pub fn poll_start(&mut self, now_ms: u64) -> Option<(K, Urgency)> {
        if self.running.len() >= self.limit {
            return None;
        }
        if let Some(key) = self.urgent.pop_front() {
            self.urgent_set.remove(&key);
            self.running.insert(key.clone(), false);
            return Some((key, Urgency::Interactive));
        }
        let (at, key) = self.due.first().cloned()?;
        if at > now_ms {
            return None;
        }
        self.due.remove(&(at, key.clone()));
        self.at.remove(&key);
        self.running.insert(key.clone(), false);
        Some((key, Urgency::Background))
    }

    /// A lookup of `key` finished; the caller schedules its next one. Returns true when it
    /// was asked for again meanwhile (it is then queued as interactive again).
    pub fn finished(&mut self, key: &K) -> bool {
        match self.running.remove(key) {
            Some(true) => {
                self.urgent(key.clone());
                true
            }
            _ => false,
        }
    }

    /// When [`LookupSchedule::poll_start`] may next return something: now if an
    /// interactive lookup waits for a slot, else the earliest due time; `None` when
    /// nothing is scheduled or every slot is taken (a finishing lookup frees one).
    pub fn poll_timeout(&self) -> Option<u64> {
        if self.running.len() >= self.limit {
            return None;
        }
        if !self.urgent.is_empty() {
            return Some(0);
        }
        self.due.first().map(|(at, _)| *at)
    }

    /// Contacts scheduled, waiting or running.
    pub fn len(&self) -> usize {
        self.at.len() + self.urgent.len() + self.running.len()
    }

    /// Whether nothing is scheduled.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Key derivations wanted, deduplicated, the most urgent first (first come, first served
/// within one urgency): at most `limit` interactive ones running, and besides them at
/// most `limit` others — so an import never makes a contact added by hand wait.
#[derive(Debug)]
pub struct KdfQueue<K> {
    queues: [VecDeque<K>; 3],
    queued: HashMap<K, Urgency>,
    running: HashMap<K, bool>,
    running_interactive: usize,
    limit: usize,
}

impl<K: Clone + Eq + Hash> KdfQueue<K> {
    /// An empty queue running at most `limit` derivations at once.
    pub fn new(limit: usize) -> Self {
        Self {
            queues: Default::default(),
            queued: HashMap::new(),
            running: HashMap::new(),
            running_interactive: 0,
            limit: limit.max(1),
        }
    }

    /// Wants `key` derived. A key already queued moves ahead when asked for more
    /// urgently; one already running or queued is not queued twice.
    pub fn request(&mut self, key: K, urgency: Urgency) {
        if self.running.contains_key(&key) {
            return;
        }
        match self.queued.get(&key) {
            Some(queued) if *queued >= urgency => return,
            _ => {}
        }
        self.queued.insert(key.clone(), urgency);
        self.queues[urgency.index()].push_back(key);
    }

    /// The next derivation to start, with its urgency, if a slot of its kind is free.
    pub fn start_next(&mut self) -> Option<(K, Urgency)> {
        let others = self.running.len() - self.running_interactive;
        for urgency in Urgency::ALL_FIRST_TO_LAST {
            let busy = match urgency {
                Urgency::Interactive => self.running_interactive,
                Urgency::Background | Urgency::Idle => others,
            };
            if busy >= self.limit {
                continue;
            }
            while let Some(key) = self.queues[urgency.index()].pop_front() {
                // A key moved ahead stays in its old queue too: skipped there.
                if self.queued.get(&key) == Some(&urgency) {
                    self.queued.remove(&key);
                    let interactive = urgency == Urgency::Interactive;
                    self.running_interactive += usize::from(interactive);
                    self.running.insert(key.clone(), interactive);
                    return Some((key, urgency));
                }
            }
        }
        None
    }

    /// A derivation finished.
    pub fn done(&mut self, key: &K) {
        if self.running.remove(key) == Some(true) {
            self.running_interactive -= 1;
        }
    }

    /// Derivations waiting (not running).
    pub fn waiting(&self) -> usize {
        self.queued.len()
    }

    /// Derivations running.
    pub fn running(&self) -> usize {
        self.running.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_start_near_a_second_and_stay_capped() {
        assert_eq!(retry_delay_ms(0, 0), 1_000);
        assert_eq!(retry_delay_ms(1, 0), 1_000);
        assert_eq!(retry_delay_ms(2, 0), 2_000);
        assert_eq!(retry_delay_ms(1, u32::MAX), 1_250);
        assert_eq!(retry_delay_ms(15, 0), 16_384_000);
        assert_eq!(retry_delay_ms(16, 0), 6 * 3_600_000);
        assert_eq!(retry_delay_ms(u32::MAX, u32::MAX), 6 * 3_600_000 + 6 * 900_000);
        let sum: u64 = (1..=12).map(|m| retry_delay_ms(m, 0)).sum();
        assert_eq!(sum, 4_095_000, "twelve misses take about 68 minutes");
        assert!(refresh_delay_ms(u32::MAX / 2) > REFRESH_FOUND_MS);
    }

    #[test]
    fn interactive_lookups_jump_the_queue_and_slots_are_bounded() {
        let mut s = LookupSchedule::new(2);
        for (i, name) in ["a", "b", "c"].into_iter().enumerate() {
            s.schedule(name, i as u64);
        }
        s.urgent("z");
        assert_eq!(s.poll_timeout(), Some(0));
        assert_eq!(s.poll_start(10), Some(("z", Urgency::Interactive)));
        assert_eq!(s.poll_start(10), Some(("a", Urgency::Background)));
        assert_eq!(s.poll_start(10), None, "two slots");
        assert_eq!(s.poll_timeout(), None, "nothing can start until one finishes");
        assert!(!s.finished(&"a"));
        s.schedule("a", 1_000);
        assert_eq!(s.poll_start(10), Some(("b", Urgency::Background)));
        assert!(!s.finished(&"b"));
        assert_eq!(s.poll_start(10), Some(("c", Urgency::Background)));
        assert!(!s.finished(&"c"));
        assert_eq!(s.poll_start(10), None, "a is due at 1000");
        assert_eq!(s.poll_timeout(), Some(1_000));
        assert_eq!(s.poll_start(1_000), Some(("a", Urgency::Background)));
    }

    #[test]
    fn a_lookup_asked_for_while_running_runs_again() {
        let mut s = LookupSchedule::new(4);
        s.urgent("a");
        assert_eq!(s.poll_start(0), Some(("a", Urgency::Interactive)));
        s.urgent("a");
        s.schedule("a", 99);
        assert_eq!(s.poll_start(0), None);
        assert!(s.finished(&"a"));
        assert_eq!(s.poll_start(0), Some(("a", Urgency::Interactive)));
        assert!(!s.finished(&"a"));
        s.schedule("a", 50);
        s.remove(&"a");
        assert!(s.is_empty());
        assert_eq!(s.poll_timeout(), None);
    }

    #[test]
    fn rescheduling_replaces_the_due_time() {
        let mut s = LookupSchedule::new(1);
        s.schedule("a", 500);
        s.schedule("a", 100);
        assert_eq!(s.due_at(&"a"), Some(100));
        assert_eq!(s.poll_timeout(), Some(100));
        assert_eq!(s.len(), 1);
        assert_eq!(s.poll_start(99), None);
        assert_eq!(s.poll_start(100), Some(("a", Urgency::Background)));
        assert_eq!(s.poll_start(10_000), None);
    }

    #[test]
    fn derivations_are_deduplicated_bounded_and_interactive_first() {
        use Urgency::*;
        let mut q = KdfQueue::new(1);
        q.request(9, Idle);
        for k in 0..5 {
            q.request(k, Background);
        }
        q.request(9, Idle);
        q.request(3, Background);
        q.request(4, Interactive);
        assert_eq!(q.waiting(), 6);
        assert_eq!(q.start_next(), Some((4, Interactive)), "moved ahead");
        assert_eq!(q.start_next(), Some((0, Background)), "its own slot");
        assert_eq!(q.start_next(), None, "one of each kind");
        q.request(4, Interactive);
        assert_eq!(q.waiting(), 4, "running keys are not queued again");
        q.request(7, Interactive);
        assert_eq!(q.start_next(), None, "the interactive slot is taken");
        q.done(&4);
        assert_eq!(q.start_next(), Some((7, Interactive)), "not behind the background ones");
        q.done(&7);
        q.done(&0);
        let mut order = Vec::new();
        while let Some((k, _)) = q.start_next() {
            order.push(k);
            q.done(&k);
        }
        assert_eq!(order, [1, 2, 3, 9], "4 is not derived twice; republication last");
        assert_eq!((q.waiting(), q.running()), (0, 0));
    }
}
