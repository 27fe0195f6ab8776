//! When a member asks a fellow member for a sender's messages it may have missed
//! (SPEC.md §7.4, protocol/group.md §6): the tail, poll and first-message syncs, as a
//! sans-IO schedule.
//!
//! The node tells it which sender keys it holds (a key arrived, or was loaded), each
//! message received, each sync asked and each one that failed or left a hole, with the
//! time; `poll_timeout` says when a sync next falls due and `take_due` hands over the
//! keys to ask about then. A key is due:
//! - **tail**: [`TAIL_SYNC_AFTER_MS`] after its last message, if it was not asked since
//!   and went quiet less than [`TAIL_SYNC_WINDOW_MS`] ago (holes a lost gap request left,
//!   and what came after);
//! - **first message**: until a message of a key that just arrived is heard, at doubling
//!   intervals (1, 2, 4 … s after the key) for [`TAIL_SYNC_WINDOW_MS`] — a new member's
//!   first message can miss a member whose gossip mesh does not hold the newcomer yet;
//! - **poll**: [`POLL_SYNC_MS`] after it was last asked, whatever happened (the fallback
//!   when gossip delivered nothing that would reveal a gap).
//!
//! Each key holds one armed time in an ordered set, so nothing scans every key. A key
//! taken is armed again at its next due time as if it were asked then: a sync the node
//! could not start (no member to ask) is tried again at the next poll, never in a loop.
//! At most [`SYNCS_PER_ROUND`] keys are handed over per round, and the next round comes
//! [`SYNC_PACE_MS`] later.

use std::collections::{BTreeSet, HashMap};

use crate::wire::Fixed;

/// A sender key: its epoch and key id.
pub type SenderKeyId = (Fixed<32>, Fixed<8>);

/// A sender quiet this long after its last message is asked whether more came (ms).
pub const TAIL_SYNC_AFTER_MS: u64 = 1_000;
/// Senders quiet longer than this are not asked by the tail rule (ms).
pub const TAIL_SYNC_WINDOW_MS: u64 = 120_000;
/// Every sender key is asked this often whether it sent anything we did not get (ms).
pub const POLL_SYNC_MS: u64 = 30_000;
/// Most syncs handed over per round.
pub const SYNCS_PER_ROUND: usize = 32;
/// Least time between two full rounds (ms).
pub const SYNC_PACE_MS: u64 = 500;

/// What is known of one sender key's traffic.
#[derive(Debug, Default, Clone, Copy)]
struct Activity {
    last_message_ms: u64,
    /// When it was last asked (0: never).
    asked_ms: u64,
    /// When the key arrived (0: it was loaded, or its messages came first).
    key_ms: u64,
    /// A message from this key arrived.
    heard: bool,
    /// The sender itself (who keeps all its messages) is asked next: the last sync went
    /// to another member, or that member's answer left a hole.
    ask_sender_next: bool,
    /// The time this key is armed at (its entry in `armed`), if it is.
    armed_ms: Option<u64>,
}

impl Activity {
    /// When the key is next due, seen from `now` (at least the poll).
    fn next_due(&self, now: u64) -> u64 {
        let poll = self.asked_ms + POLL_SYNC_MS;
        let tail = (self.asked_ms < self.last_message_ms)
            .then_some(self.last_message_ms + TAIL_SYNC_AFTER_MS)
            .filter(|at| (*at).max(now) <= self.last_message_ms + TAIL_SYNC_WINDOW_MS);
        let first = (!self.heard && self.key_ms > 0)
            .then(|| {
                let half_age = (2 * self.asked_ms).saturating_sub(self.key_ms);
                half_age.max(self.asked_ms + TAIL_SYNC_AFTER_MS)
            })
            .filter(|at| (*at).max(now) <= self.key_ms + TAIL_SYNC_WINDOW_MS);
        [tail, first].into_iter().flatten().fold(poll, u64::min)
    }
}

/// The sync schedule of every sender key a member holds.
#[derive(Debug, Default)]
pub struct SyncSchedule {
    keys: HashMap<SenderKeyId, Activity>,
    armed: BTreeSet<(u64, SenderKeyId)>,
    /// A full round was handed over: the next not before this.
    paced_until_ms: u64,
}

impl SyncSchedule {
    /// Sender keys tracked.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key is tracked.
    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Key `key` arrived at `now` (`loaded`: read back at start-up, not new): its sender
    /// is asked at once whether it sent more, and — for a new key — again until one of its
    /// messages is heard.
    pub fn key_arrived(&mut self, key: SenderKeyId, now: u64, loaded: bool) {
        let activity = Activity {
            last_message_ms: now.saturating_sub(TAIL_SYNC_AFTER_MS),
            key_ms: if loaded { 0 } else { now },
            ..Activity::default()
        };
        self.keys.insert(key, activity);
        self.arm(key, now);
    }

    /// A message of `key` arrived at `now`.
    pub fn message(&mut self, key: SenderKeyId, now: u64) {
        let activity = self.keys.entry(key).or_default();
        activity.last_message_ms = now;
        activity.heard = true;
        self.arm(key, now);
    }

    /// Whether the next sync about `key` goes to its sender (never asked yet, or the last
    /// went to someone else or left a hole).
    pub fn ask_sender(&self, key: &SenderKeyId) -> bool {
        self.keys.get(key).is_none_or(|a| a.asked_ms == 0 || a.ask_sender_next)
    }

    /// A sync about `key` was asked at `now`, of its sender or (`by_sender` false) of
    /// another member.
    pub fn asked(&mut self, key: SenderKeyId, now: u64, by_sender: bool) {
        let activity = self.keys.entry(key).or_default();
        activity.asked_ms = now;
        activity.ask_sender_next = !by_sender;
        self.arm(key, now);
    }

    /// A sync about `key` failed or left a hole at `now`: asked again at once (by the
    /// tail rule), the sender first if `ask_sender_next`.
    pub fn retry_soon(&mut self, key: SenderKeyId, now: u64, ask_sender_next: bool) {
        let Some(activity) = self.keys.get_mut(&key) else {
            return;
        };
        activity.asked_ms = activity.asked_ms.min(activity.last_message_ms.saturating_sub(1)).max(1);
        activity.ask_sender_next = ask_sender_next;
        self.arm(key, now);
    }

    /// `key` is not asked about any more (our own, or its group is gone).
    pub fn forget(&mut self, key: &SenderKeyId) {
        if let Some(activity) = self.keys.remove(key) {
            if let Some(at) = activity.armed_ms {
                self.armed.remove(&(at, *key));
            }
        }
    }

    /// Every key of `epoch` is forgotten (the epoch is no longer kept).
    pub fn forget_epoch(&mut self, epoch: &Fixed<32>) {
        let gone: Vec<SenderKeyId> = self.keys.keys().filter(|(e, _)| e == epoch).copied().collect();
        for key in gone {
            self.forget(&key);
        }
    }

    /// When a sync next falls due (ms), if any key is tracked.
    pub fn poll_timeout(&self) -> Option<u64> {
        self.armed.first().map(|(at, _)| (*at).max(self.paced_until_ms))
    }

    /// The keys due at `now` (at most [`SYNCS_PER_ROUND`]), each armed again at its next
    /// due time as if asked now.
    pub fn take_due(&mut self, now: u64) -> Vec<SenderKeyId> {
        if now < self.paced_until_ms {
            return Vec::new();
        }
        let mut due = Vec::new();
        while let Some((at, key)) = self.armed.first().copied() {
            if at > now || due.len() == SYNCS_PER_ROUND {
                break;
            }
            self.armed.pop_first();
            if let Some(activity) = self.keys.get_mut(&key) {
                activity.armed_ms = None;
                let mut asked = *activity;
                asked.asked_ms = now;
                let next = asked.next_due(now);
                activity.armed_ms = Some(next);
                self.armed.insert((next, key));
            }
            due.push(key);
        }
        if due.len() == SYNCS_PER_ROUND {
            self.paced_until_ms = now + SYNC_PACE_MS;
        }
        due
    }

    /// Arms `key` at its next due time seen from `now`.
    fn arm(&mut self, key: SenderKeyId, now: u64) {
        let Some(activity) = self.keys.get_mut(&key) else {
            return;
        };
        if let Some(at) = activity.armed_ms.take() {
            self.armed.remove(&(at, key));
        }
        let next = activity.next_due(now);
        activity.armed_ms = Some(next);
        self.armed.insert((next, key));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> SenderKeyId {
        (Fixed([1; 32]), Fixed([n; 8]))
    }

    /// Takes what is due at `now` and asks each of its sender.
    fn round(s: &mut SyncSchedule, now: u64) -> Vec<SenderKeyId> {
        let due = s.take_due(now);
        for k in &due {
            s.asked(*k, now, true);
        }
        due
    }

    #[test]
    fn a_new_key_is_asked_at_once_then_at_doubling_intervals_until_a_message_is_heard() {
        let mut s = SyncSchedule::default();
        s.key_arrived(key(1), 10_000, false);
        assert!(s.poll_timeout().is_some_and(|at| at <= 10_000), "at once");
        assert!(s.ask_sender(&key(1)));
        let mut asked_at = Vec::new();
        while let Some(at) = s.poll_timeout().filter(|at| *at < 40_000) {
            let at = at.max(10_000);
            assert_eq!(round(&mut s, at), [key(1)]);
            asked_at.push(at - 10_000);
        }
        assert_eq!(asked_at, [0, 1_000, 2_000, 4_000, 8_000, 16_000]);
        // A message is heard: the tail rule asks once more a second after it, then polls.
        s.message(key(1), 27_000);
        assert_eq!(s.poll_timeout(), Some(28_000));
        assert_eq!(round(&mut s, 28_000), [key(1)]);
        assert_eq!(s.poll_timeout(), Some(28_000 + POLL_SYNC_MS));
    }

    #[test]
    fn a_loaded_key_is_asked_once_and_then_polled() {
        let mut s = SyncSchedule::default();
        s.key_arrived(key(1), 50_000, true);
        assert_eq!(round(&mut s, 50_000), [key(1)]);
        assert_eq!(s.poll_timeout(), Some(50_000 + POLL_SYNC_MS));
        assert!(s.take_due(50_000 + POLL_SYNC_MS - 1).is_empty());
    }

    #[test]
    fn messages_push_the_tail_sync_back_and_a_quiet_sender_is_only_polled() {
        let mut s = SyncSchedule::default();
        s.key_arrived(key(1), 0, true);
        round(&mut s, 0);
        for t in (100..=900).step_by(100) {
            s.message(key(1), t);
        }
        assert_eq!(s.poll_timeout(), Some(1_900), "a second after the last message");
        // A sync that failed is asked again at once; not asking at all is polled later.
        assert_eq!(s.take_due(1_900), [key(1)]);
        s.retry_soon(key(1), 2_000, true);
        assert_eq!(s.poll_timeout(), Some(1_900), "due again at once");
        assert_eq!(s.take_due(2_000), [key(1)]);
        assert_eq!(s.poll_timeout(), Some(2_000 + POLL_SYNC_MS), "not asked: the next poll");
        // Long quiet: no tail sync, only polls.
        s.message(key(1), 3_000);
        assert_eq!(s.take_due(3_000 + TAIL_SYNC_WINDOW_MS + 1), [key(1)]);
    }

    #[test]
    fn many_keys_due_at_once_are_asked_in_paced_rounds() {
        let mut s = SyncSchedule::default();
        for n in 0..40 {
            s.key_arrived(key(n), 5_000, true);
        }
        assert_eq!(s.len(), 40);
        assert_eq!(round(&mut s, 5_000).len(), SYNCS_PER_ROUND);
        assert_eq!(s.poll_timeout(), Some(5_000 + SYNC_PACE_MS), "the rest after the pace");
        assert!(s.take_due(5_100).is_empty());
        assert_eq!(round(&mut s, 5_500).len(), 40 - SYNCS_PER_ROUND);
        assert_eq!(s.poll_timeout(), Some(5_000 + POLL_SYNC_MS));
    }

    #[test]
    fn forgotten_keys_and_epochs_are_never_due() {
        let mut s = SyncSchedule::default();
        s.key_arrived(key(1), 0, true);
        s.key_arrived((Fixed([2; 32]), Fixed([1; 8])), 0, true);
        s.forget_epoch(&Fixed([1; 32]));
        assert_eq!(s.len(), 1);
        s.forget(&(Fixed([2; 32]), Fixed([1; 8])));
        assert!(s.is_empty());
        assert_eq!(s.poll_timeout(), None);
        assert!(s.take_due(u64::MAX).is_empty());
    }

    #[test]
    fn syncs_alternate_between_the_sender_and_another_member() {
        let mut s = SyncSchedule::default();
        s.key_arrived(key(1), 0, true);
        assert!(s.ask_sender(&key(1)), "never asked: the sender");
        s.asked(key(1), 1_000, true);
        assert!(!s.ask_sender(&key(1)), "then someone else");
        s.asked(key(1), 30_000, false);
        assert!(s.ask_sender(&key(1)), "then the sender again");
    }
}
