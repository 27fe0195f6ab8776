//! Staying in the DHT: when the routing table is thin, bootstrap again, backing off.
//!
//! Kademlia's own schedule cannot bring back a node whose table emptied: its periodic
//! refresh queries the peers in the table, and a node that met none (its bootstrap peers
//! were down or too busy to answer when it started, or its network went away long enough
//! for every entry to fail) has nobody to ask. [`Rejoin`] is the schedule that notices: a
//! sans-IO state machine fed the table's size when a bootstrap ends and when its deadline
//! passes, which answers when to try again. The actor executes the answer: the bootstrap
//! addresses (configured, or the cached peers) go back into the table and a bootstrap
//! starts. SPEC.md §5.5.

/// A routing table with fewer peers than this is thin: a lookup has too few to choose
/// from (and a test net's node is not ready below it, `testnet::READY_PEERS`).
pub const THIN_TABLE: usize = 8;
/// The first look at the table after the start, in case no bootstrap ever ended.
pub const FIRST_CHECK_MS: u64 = 30_000;
/// The first wait before bootstrapping again; doubled after every try.
pub const MIN_BACKOFF_MS: u64 = 5_000;
/// The longest wait between tries, and how often a healthy table is looked at.
pub const MAX_BACKOFF_MS: u64 = 300_000;

/// When to bootstrap again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rejoin {
    /// When the table is next looked at (ms).
    due_ms: u64,
    /// The wait after the next try.
    backoff_ms: u64,
    /// Tries to bootstrap again because the table was thin.
    tries: u64,
}

impl Rejoin {
    /// A node that started at `now`.
    pub(crate) fn new(now: u64) -> Self {
        Self {
            due_ms: now + FIRST_CHECK_MS,
            backoff_ms: MIN_BACKOFF_MS,
            tries: 0,
        }
    }

    /// When [`Rejoin::poll`] next has something to decide (ms).
    pub(crate) fn poll_timeout(&self) -> u64 {
        self.due_ms
    }

    /// Tries to bootstrap again because the table was thin (`node.status`: `dht_rejoins`;
    /// a node with no bootstrap address and an empty table tries, and starts nothing).
    pub(crate) fn tries(&self) -> u64 {
        self.tries
    }

    /// A bootstrap ended at `now` with `peers` in the table: a thin table is tried again
    /// after the current back-off (sooner than a later deadline), a healthy one resets it.
    pub(crate) fn bootstrap_ended(&mut self, now: u64, peers: usize) {
        if peers >= THIN_TABLE {
            self.backoff_ms = MIN_BACKOFF_MS;
            self.due_ms = now + MAX_BACKOFF_MS;
        } else {
            self.due_ms = self.due_ms.min(now + self.backoff_ms);
        }
    }

    /// The deadline passed (or not yet: then nothing) with `peers` in the table: whether
    /// to bootstrap again now. A try doubles the back-off and keeps a deadline of its own,
    /// should that bootstrap never end.
    pub(crate) fn poll(&mut self, now: u64, peers: usize) -> bool {
        if now < self.due_ms {
            return false;
        }
        if peers >= THIN_TABLE {
            self.backoff_ms = MIN_BACKOFF_MS;
            self.due_ms = now + MAX_BACKOFF_MS;
            return false;
        }
        self.tries += 1;
        self.due_ms = now + self.backoff_ms;
        self.backoff_ms = (self.backoff_ms * 2).min(MAX_BACKOFF_MS);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_healthy_node_never_bootstraps_again_and_looks_every_five_minutes() {
        let mut rejoin = Rejoin::new(0);
        rejoin.bootstrap_ended(4_000, 20);
        assert_eq!(rejoin.poll_timeout(), 4_000 + MAX_BACKOFF_MS);
        assert!(!rejoin.poll(FIRST_CHECK_MS, 20), "not due yet");
        assert!(!rejoin.poll(4_000 + MAX_BACKOFF_MS, 20));
        assert_eq!(rejoin.poll_timeout(), 4_000 + 2 * MAX_BACKOFF_MS);
        assert_eq!(rejoin.tries(), 0);
    }

    #[test]
    fn a_thin_table_is_tried_again_with_a_doubling_back_off_up_to_five_minutes() {
        let mut rejoin = Rejoin::new(0);
        rejoin.bootstrap_ended(2_000, 1);
        let mut now = rejoin.poll_timeout();
        assert_eq!(now, 2_000 + MIN_BACKOFF_MS);
        let mut waits = Vec::new();
        for _ in 0..9 {
            assert!(!rejoin.poll(now - 1, 1), "not before its deadline");
            assert!(rejoin.poll(now, 1));
            waits.push(rejoin.poll_timeout() - now);
            now = rejoin.poll_timeout();
        }
        assert_eq!(waits, [5, 10, 20, 40, 80, 160, 300, 300, 300].map(|s| s * 1_000));
        assert_eq!(rejoin.tries(), 9);
    }

    #[test]
    fn a_try_that_ends_thin_is_retried_after_the_back_off_and_healthy_resets_it() {
        let mut rejoin = Rejoin::new(0);
        assert!(rejoin.poll(FIRST_CHECK_MS, 0), "no bootstrap ended in 30 s: try");
        // That try ends at once with nobody found: next after the doubled back-off.
        rejoin.bootstrap_ended(FIRST_CHECK_MS + 100, 0);
        assert_eq!(rejoin.poll_timeout(), FIRST_CHECK_MS + MIN_BACKOFF_MS);
        assert!(rejoin.poll(FIRST_CHECK_MS + MIN_BACKOFF_MS, 3));
        let at = FIRST_CHECK_MS + MIN_BACKOFF_MS + 900;
        rejoin.bootstrap_ended(at, 12);
        assert_eq!(rejoin.poll_timeout(), at + MAX_BACKOFF_MS);
        // The table thins again later (the network went away): the back-off starts over.
        rejoin.bootstrap_ended(at + 60_000, 2);
        assert_eq!(rejoin.poll_timeout(), at + 60_000 + MIN_BACKOFF_MS);
    }

    #[test]
    fn a_bootstrap_ending_thin_never_postpones_an_earlier_deadline() {
        let mut rejoin = Rejoin::new(0);
        rejoin.bootstrap_ended(29_000, 2);
        assert_eq!(rejoin.poll_timeout(), FIRST_CHECK_MS, "30 s comes before 29 + 5 s");
    }
}
