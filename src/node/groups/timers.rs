//! When the groups' own work next falls due — control retries, publications that found
//! no peer, connections to fellow members, meetups' ends and joins waiting out — kept as
//! deadlines, so the node wakes for them instead of scanning on a tick. Syncs have their
//! own schedule ([`crate::group::sync_schedule`]).

/// First wait before a publication that found no peer is tried again (ms); it doubles.
const REPUBLISH_FIRST_MS: u64 = 250;
/// Longest such wait (ms): members find the message by history sync meanwhile.
const REPUBLISH_CAP_MS: u64 = 8_000;

/// The groups' deadlines (ms); `None`: nothing waits.
#[derive(Debug, Default)]
pub(crate) struct GroupTimers {
    /// The earliest retry of a control message.
    pub(super) controls_ms: Option<u64>,
    /// Publications that found no peer are tried again then.
    pub(super) unpublished_ms: Option<u64>,
    unpublished_tries: u32,
    /// Fellow members' connections are looked at then.
    pub(super) members_ms: Option<u64>,
    /// A meetup ends or a join waits out then.
    pub(super) meetups_ms: Option<u64>,
}

impl GroupTimers {
    /// The timers of a node starting with control messages to retry from `controls_ms`.
    pub(super) fn starting(controls_ms: Option<u64>) -> Self {
        Self {
            controls_ms,
            ..Self::default()
        }
    }

    /// The earliest deadline.
    pub(super) fn deadline_ms(&self) -> Option<u64> {
        [self.controls_ms, self.unpublished_ms, self.members_ms, self.meetups_ms]
            .into_iter()
            .flatten()
            .min()
    }

    /// A control message is retried at `at`.
    pub(super) fn control_at(&mut self, at: u64) {
        self.controls_ms = Some(self.controls_ms.map_or(at, |t| t.min(at)));
    }

    /// Members or meetups changed at `now` (a new epoch, a commit, a lost connection):
    /// connections and meetups are looked at now.
    pub(super) fn look_now(&mut self, now: u64) {
        self.members_ms = Some(now);
        self.meetups_ms = Some(now);
    }

    /// Publications found no peer at `now` (`waiting`), or all went out.
    pub(super) fn published(&mut self, waiting: bool, now: u64) {
        if !waiting {
            (self.unpublished_ms, self.unpublished_tries) = (None, 0);
            return;
        }
        let wait = REPUBLISH_FIRST_MS
            .saturating_mul(1 << self.unpublished_tries.min(16))
            .min(REPUBLISH_CAP_MS);
        self.unpublished_tries = self.unpublished_tries.saturating_add(1);
        self.unpublished_ms = Some(now + wait);
    }

    /// Whether `at` has passed at `now`.
    pub(super) fn due(at: Option<u64>, now: u64) -> bool {
        at.is_some_and(|at| at <= now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publications_that_find_no_peer_back_off_and_stop_once_out() {
        let mut t = GroupTimers::default();
        assert_eq!(t.deadline_ms(), None);
        t.published(true, 1_000);
        assert_eq!(t.deadline_ms(), Some(1_250));
        t.published(true, 1_250);
        assert_eq!(t.deadline_ms(), Some(1_750));
        for _ in 0..10 {
            t.published(true, 2_000);
        }
        assert_eq!(t.deadline_ms(), Some(2_000 + REPUBLISH_CAP_MS));
        t.published(false, 3_000);
        assert_eq!(t.deadline_ms(), None);
        t.published(true, 4_000);
        assert_eq!(t.deadline_ms(), Some(4_250), "the back-off started over");
    }

    #[test]
    fn the_earliest_of_the_deadlines_wakes_the_node() {
        let mut t = GroupTimers::default();
        t.control_at(9_000);
        t.control_at(5_000);
        t.control_at(7_000);
        assert_eq!(t.deadline_ms(), Some(5_000));
        t.look_now(3_000);
        assert_eq!(t.deadline_ms(), Some(3_000));
        assert!(GroupTimers::due(t.members_ms, 3_000));
        assert!(!GroupTimers::due(None, u64::MAX));
    }
}
