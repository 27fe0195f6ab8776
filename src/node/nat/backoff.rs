//! Dial back-off: a bounded table of keys (addresses or peers) that recently failed, each
//! waiting `base · 2^(failures − 1)`, capped, before it may be tried again. Pure: the time
//! is passed in (milliseconds). A success forgets the key; an entry whose wait ran out
//! long ago is forgotten too, so a key that fails again after a quiet hour starts from
//! `base` again.

use std::collections::HashMap;
use std::hash::Hash;

/// How a back-off grows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackoffPolicy {
    /// Wait after the first failure (ms).
    pub base_ms: u64,
    /// Longest wait (ms).
    pub max_ms: u64,
    /// Most keys remembered; the one whose wait ends first is forgotten to make room.
    pub max_keys: usize,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    until_ms: u64,
}

/// Keys that failed recently and when each may be tried again.
#[derive(Debug)]
pub struct Backoff<K> {
    policy: BackoffPolicy,
    entries: HashMap<K, Entry>,
}

impl<K: Hash + Eq + Clone> Backoff<K> {
    /// An empty table.
    pub fn new(policy: BackoffPolicy) -> Self {
        Self {
            policy,
            entries: HashMap::new(),
        }
    }

    /// Records a failure of `key` at `now_ms`; returns when it may be tried again. A
    /// failure while the key is still waiting (a dial started before the wait began)
    /// does not lengthen the wait.
    pub fn failed(&mut self, key: &K, now_ms: u64) -> u64 {
        self.forget_stale(key, now_ms);
        if let Some(entry) = self.entries.get(key) {
            if entry.until_ms > now_ms {
                return entry.until_ms;
            }
        } else if self.entries.len() >= self.policy.max_keys {
            self.evict_one();
        }
        let policy = self.policy;
        let entry = self.entries.entry(key.clone()).or_insert(Entry {
            failures: 0,
            until_ms: 0,
        });
        entry.failures = entry.failures.saturating_add(1);
        let doublings = entry.failures.saturating_sub(1).min(32);
        let wait = policy.base_ms.saturating_mul(1u64 << doublings).min(policy.max_ms);
        entry.until_ms = now_ms.saturating_add(wait);
        entry.until_ms
    }

    /// Forgets `key`'s failures (it worked).
    pub fn succeeded(&mut self, key: &K) {
        self.entries.remove(key);
    }

    /// Whether `key` may be tried at `now_ms`.
    pub fn allowed(&self, key: &K, now_ms: u64) -> bool {
        self.entries.get(key).is_none_or(|e| e.until_ms <= now_ms)
    }

    /// When `key`'s wait ends (if it failed recently).
    pub fn retry_at(&self, key: &K) -> Option<u64> {
        self.entries.get(key).map(|e| e.until_ms)
    }

    /// Failures in a row recorded for `key`.
    pub fn failures(&self, key: &K) -> u32 {
        self.entries.get(key).map_or(0, |e| e.failures)
    }

    /// Keys waiting now.
    pub fn waiting(&self, now_ms: u64) -> usize {
        self.entries.values().filter(|e| e.until_ms > now_ms).count()
    }

    /// Drops entries whose wait ended more than `max_ms` ago (housekeeping).
    pub fn prune(&mut self, now_ms: u64) {
        let max = self.policy.max_ms;
        self.entries
            .retain(|_, e| now_ms.saturating_sub(e.until_ms) < max.max(1));
    }

    /// Keys remembered.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn forget_stale(&mut self, key: &K, now_ms: u64) {
        let max = self.policy.max_ms;
        if self
            .entries
            .get(key)
            .is_some_and(|e| now_ms.saturating_sub(e.until_ms) >= max.max(1))
        {
            self.entries.remove(key);
        }
    }

    fn evict_one(&mut self) {
        if let Some(key) = self
            .entries
            .iter()
            .min_by_key(|(_, e)| e.until_ms)
            .map(|(k, _)| k.clone())
        {
            self.entries.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: BackoffPolicy = BackoffPolicy {
        base_ms: 1_000,
        max_ms: 60_000,
        max_keys: 4,
    };

    #[test]
    fn waits_double_up_to_the_cap() {
        let mut table = Backoff::new(POLICY);
        let mut now = 0;
        let mut waits = Vec::new();
        for _ in 0..9 {
            let until = table.failed(&"a", now);
            assert!(!table.allowed(&"a", now));
            assert!(!table.allowed(&"a", until - 1));
            assert!(table.allowed(&"a", until));
            waits.push(until - now);
            now = until;
        }
        assert_eq!(
            waits,
            [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]
        );
        assert_eq!(table.failures(&"a"), 9);
    }

    #[test]
    fn a_failure_during_the_wait_does_not_extend_it() {
        let mut table = Backoff::new(POLICY);
        assert_eq!(table.failed(&"a", 0), 1_000);
        // Several dials of the same address fail at once (started before the first failed).
        assert_eq!(table.failed(&"a", 10), 1_000);
        assert_eq!(table.failed(&"a", 999), 1_000);
        assert_eq!(table.failures(&"a"), 1);
        assert_eq!(table.failed(&"a", 1_000), 3_000);
    }

    #[test]
    fn success_and_a_quiet_period_forget() {
        let mut table = Backoff::new(POLICY);
        table.failed(&"a", 0);
        table.failed(&"a", 1_000);
        table.succeeded(&"a");
        assert!(table.allowed(&"a", 1_001));
        assert_eq!(table.failed(&"a", 1_001), 2_001, "starts from the base again");
        // Long after its wait ended, a key starts from the base again.
        assert_eq!(table.failed(&"a", 2_001 + 60_000), 2_001 + 60_000 + 1_000);
        table.prune(10_000_000);
        assert!(table.is_empty());
    }

    #[test]
    fn the_table_is_bounded() {
        let mut table = Backoff::new(POLICY);
        for i in 0..100u32 {
            table.failed(&i, u64::from(i));
        }
        assert_eq!(table.len(), 4);
        // The most recent failures are the ones kept.
        assert!(!table.allowed(&99, 99));
        assert!(table.allowed(&0, 0));
        assert_eq!(table.waiting(99), 4);
    }
}
