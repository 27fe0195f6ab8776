//! When a member asks a fellow member for messages it may have missed (SPEC.md §7.4,
//! protocol/group.md §7): the heads, gap and first-message syncs, as a sans-IO schedule.
//!
//! The node tells it which sender keys it holds (a key arrived, or was loaded), each
//! message received, each gap in a sender's sequence numbers, each sync asked and each
//! one that failed or left a hole, with the time; `poll_timeout` says when a sync next
//! falls due and `take_due` hands over what to ask then:
//! - **heads** (one request for a whole epoch, every sender key in it, by turns to the
//!   sender of the newest message heard and to a random member): [`TAIL_SYNC_AFTER_MS`]
//!   after the first message heard since the epoch was last asked — throttled, not pushed
//!   back by later messages, so a busy group asks once a second and a quiet one once per
//!   burst — at once when a key arrives or a heads sync failed a second ago, and
//!   [`POLL_SYNC_MS`] after it was last asked, whatever happened (the fallback when
//!   nothing revealed a loss); and, until a message of a key that just arrived is heard,
//!   at doubling intervals (1, 2, 4 … s after the key) for [`TAIL_SYNC_WINDOW_MS`] — a
//!   new member's first message can miss a member whose gossip mesh does not hold the
//!   newcomer yet;
//! - **gap** (one sender key, of its sender first): [`GAP_GRACE_MS`] after a sequence
//!   number skipped ahead (a message overtaken on another gossip path needs no request),
//!   at once after a sync failed or left a hole.
//!
//! Each epoch and key holds at most one armed time in an ordered set, so nothing scans
//! every key. What is taken is armed again at its next due time as if asked then: a sync
//! the node could not start (no member to ask) is tried again later, never in a loop. At
//! most [`SYNCS_PER_ROUND`] syncs are handed over per round, and the next round comes
//! [`SYNC_PACE_MS`] later.

use std::collections::{BTreeSet, HashMap};

use crate::wire::Fixed;

/// A sender key: its epoch and key id.
pub type SenderKeyId = (Fixed<32>, Fixed<8>);

/// An epoch is asked for every sender's news this long after the first message heard
/// since it was last asked (ms); a new key's sender this long after the key at first.
pub const TAIL_SYNC_AFTER_MS: u64 = 1_000;
/// A new key's sender is asked for its first message for this long (ms).
pub const TAIL_SYNC_WINDOW_MS: u64 = 120_000;
/// Every epoch is asked this often whether anything was sent that we did not get (ms).
pub const POLL_SYNC_MS: u64 = 30_000;
/// A gap in a sender's sequence numbers is asked about this long after it showed (ms),
/// if it is still open.
pub const GAP_GRACE_MS: u64 = 500;
/// Most syncs handed over per round.
pub const SYNCS_PER_ROUND: usize = 32;
/// Least time between two full rounds (ms).
pub const SYNC_PACE_MS: u64 = 500;

/// A sync that fell due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Due {
    /// Ask a member for everything past our heads of every sender key of this epoch.
    Heads(Fixed<32>),
    /// Ask about this sender key from its first missing message.
    Key(SenderKeyId),
}

/// What is known of one sender key's traffic.
#[derive(Debug, Default, Clone, Copy)]
struct KeyActivity {
    /// When it was last asked on its own (0: never).
    asked_ms: u64,
    /// When the key arrived (0: it was loaded, or its messages came first).
    key_ms: u64,
    /// A message from this key arrived.
    heard: bool,
    /// A gap showed or a sync failed: its hole is asked about then (the key is due on
    /// its own only for this).
    hole_ms: Option<u64>,
    /// The sender itself (who keeps all its messages) is asked next: the last sync went
    /// to another member, or that member's answer left a hole.
    ask_sender_next: bool,
}

/// What is known of one epoch's traffic.
#[derive(Debug, Default)]
struct EpochActivity {
    /// When its heads were last asked (0: never).
    asked_ms: u64,
    /// When what was heard since then is asked about (a second after the first of it).
    tail_ms: Option<u64>,
    /// New keys none of whose messages was heard yet, by arrival time.
    unheard: BTreeSet<(u64, Fixed<8>)>,
    /// The key of the newest message heard: its sender holds what may follow it.
    newest_key: Option<Fixed<8>>,
    /// The last heads request went to that sender (the next goes to a random member).
    asked_newest: bool,
}

impl EpochActivity {
    /// When the epoch is next due, seen from `now`: the poll, the tail of what was heard
    /// since it was asked, and the first-message rule of its newest unheard key (whose
    /// doubling interval is the shortest and whose window ends last).
    fn next_due(&self, now: u64) -> u64 {
        let poll = self.asked_ms + POLL_SYNC_MS;
        let first = self.unheard.last().and_then(|&(key_ms, _)| {
            let half_age = (2 * self.asked_ms).saturating_sub(key_ms);
            Some(half_age.max(self.asked_ms + TAIL_SYNC_AFTER_MS))
                .filter(|at| (*at).max(now) <= key_ms + TAIL_SYNC_WINDOW_MS)
        });
        [self.tail_ms, first].into_iter().flatten().fold(poll, u64::min)
    }
}

/// The sync schedule of every sender key and epoch a member holds.
#[derive(Debug, Default)]
pub struct SyncSchedule {
    keys: HashMap<SenderKeyId, KeyActivity>,
    epochs: HashMap<Fixed<32>, EpochActivity>,
    /// When each armed sync is due.
    armed_at: HashMap<Due, u64>,
    armed: BTreeSet<(u64, Due)>,
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

    /// Key `key` arrived at `now` (`loaded`: read back at start-up, not new). A loaded key's
    /// epoch is asked at once whether more came; a new key's epoch at once and then at
    /// doubling intervals until one of the key's messages is heard.
    pub fn key_arrived(&mut self, key: SenderKeyId, now: u64, loaded: bool) {
        let (epoch_id, key_id) = key;
        if let Some(old_ms) = self.keys.get(&key).map(|old| old.key_ms) {
            self.epoch_mut(epoch_id).unheard.remove(&(old_ms, key_id));
        }
        let activity = KeyActivity {
            key_ms: if loaded { 0 } else { now },
            ..KeyActivity::default()
        };
        self.keys.insert(key, activity);
        self.arm(Due::Key(key), now);
        let epoch = self.epoch_mut(epoch_id);
        if loaded {
            epoch.tail_ms = Some(now);
        } else {
            epoch.unheard.insert((now, key_id));
        }
        self.arm(Due::Heads(epoch_id), now);
    }

    /// A message of `key` arrived at `now`. Cheap: it is called for every message.
    pub fn message(&mut self, key: SenderKeyId, now: u64) {
        let (epoch_id, key_id) = key;
        let activity = self.keys.entry(key).or_default();
        let first_heard = !activity.heard;
        activity.heard = true;
        let key_ms = activity.key_ms;
        let epoch = self.epoch_mut(epoch_id);
        epoch.newest_key = Some(key_id);
        let removed = first_heard && epoch.unheard.remove(&(key_ms, key_id));
        if removed || epoch.tail_ms.is_none() {
            epoch.tail_ms.get_or_insert(now + TAIL_SYNC_AFTER_MS);
            self.arm(Due::Heads(epoch_id), now);
        }
    }

    /// A sequence number of `key` skipped ahead at `now`: its hole is asked about
    /// [`GAP_GRACE_MS`] later if it is still open.
    pub fn gap(&mut self, key: SenderKeyId, now: u64) {
        let Some(activity) = self.keys.get_mut(&key) else {
            return;
        };
        let at = now + GAP_GRACE_MS;
        activity.hole_ms = Some(activity.hole_ms.map_or(at, |t| t.min(at)));
        self.arm(Due::Key(key), now);
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
        activity.hole_ms = None;
        activity.ask_sender_next = !by_sender;
        self.arm(Due::Key(key), now);
    }

    /// A sync about `key` failed or left a hole at `now`: asked again at once, the sender
    /// first if `ask_sender_next`.
    pub fn retry_soon(&mut self, key: SenderKeyId, now: u64, ask_sender_next: bool) {
        let Some(activity) = self.keys.get_mut(&key) else {
            return;
        };
        activity.hole_ms = Some(now);
        activity.ask_sender_next = ask_sender_next;
        self.arm(Due::Key(key), now);
    }

    /// Whom the next heads request of `epoch` goes to: by turns the sender of the newest
    /// message heard (`Some` of its key; it holds whatever followed, even what gossip
    /// brought nobody) and a member picked at random (`None`).
    pub fn heads_to_newest_sender(&self, epoch: &Fixed<32>) -> Option<Fixed<8>> {
        let activity = self.epochs.get(epoch)?;
        if activity.asked_newest {
            None
        } else {
            activity.newest_key
        }
    }

    /// The heads of `epoch` were asked at `now`, of the newest message's sender or not.
    pub fn asked_heads(&mut self, epoch: Fixed<32>, now: u64, of_newest_sender: bool) {
        let activity = self.epoch_mut(epoch);
        activity.asked_ms = now;
        activity.tail_ms = None;
        activity.asked_newest = of_newest_sender;
        self.arm(Due::Heads(epoch), now);
    }

    /// A heads sync of `epoch` failed, or brought messages (more may wait): asked again
    /// [`TAIL_SYNC_AFTER_MS`] after `now`.
    pub fn ask_heads_again(&mut self, epoch: Fixed<32>, now: u64) {
        if let Some(activity) = self.epochs.get_mut(&epoch) {
            let at = now + TAIL_SYNC_AFTER_MS;
            activity.tail_ms = Some(activity.tail_ms.map_or(at, |t| t.min(at)));
            self.arm(Due::Heads(epoch), now);
        }
    }

    /// `key` is not asked about any more at `now` (our own, or its group is gone).
    pub fn forget(&mut self, key: &SenderKeyId, now: u64) {
        if let Some(activity) = self.keys.remove(key) {
            self.disarm(&Due::Key(*key));
            if let Some(epoch) = self.epochs.get_mut(&key.0) {
                if epoch.unheard.remove(&(activity.key_ms, key.1)) {
                    self.arm(Due::Heads(key.0), now);
                }
            }
        }
    }

    /// Every key of `epoch` is forgotten, and the epoch too (it is no longer kept).
    pub fn forget_epoch(&mut self, epoch: &Fixed<32>) {
        let gone: Vec<SenderKeyId> = self.keys.keys().filter(|(e, _)| e == epoch).copied().collect();
        for key in gone {
            self.keys.remove(&key);
            self.disarm(&Due::Key(key));
        }
        self.epochs.remove(epoch);
        self.disarm(&Due::Heads(*epoch));
    }

    /// When a sync next falls due (ms), if any is armed.
    pub fn poll_timeout(&self) -> Option<u64> {
        self.armed.first().map(|(at, _)| (*at).max(self.paced_until_ms))
    }

    /// The syncs due at `now` (at most [`SYNCS_PER_ROUND`]), each counted as asked now: an
    /// epoch is armed again for its next poll (or first-message turn), a key's hole is
    /// handed over (asked again only if the node reports it still open).
    pub fn take_due(&mut self, now: u64) -> Vec<Due> {
        if now < self.paced_until_ms {
            return Vec::new();
        }
        let mut due = Vec::new();
        while let Some((at, item)) = self.armed.first().copied() {
            if at > now || due.len() == SYNCS_PER_ROUND {
                break;
            }
            self.armed.pop_first();
            self.armed_at.remove(&item);
            match item {
                Due::Heads(epoch) => {
                    if let Some(activity) = self.epochs.get_mut(&epoch) {
                        (activity.asked_ms, activity.tail_ms) = (now, None);
                    }
                    self.arm(item, now);
                }
                Due::Key(key) => {
                    if let Some(activity) = self.keys.get_mut(&key) {
                        activity.hole_ms = None;
                    }
                }
            }
            due.push(item);
        }
        if due.len() == SYNCS_PER_ROUND {
            self.paced_until_ms = now + SYNC_PACE_MS;
        }
        due
    }

    fn epoch_mut(&mut self, epoch: Fixed<32>) -> &mut EpochActivity {
        self.epochs.entry(epoch).or_default()
    }

    /// Arms `item` at its next due time seen from `now` (or not at all).
    fn arm(&mut self, item: Due, now: u64) {
        self.disarm(&item);
        let next = match item {
            Due::Heads(epoch) => self.epochs.get(&epoch).map(|a| a.next_due(now)),
            Due::Key(key) => self.keys.get(&key).and_then(|a| a.hole_ms),
        };
        if let Some(next) = next {
            self.armed_at.insert(item, next);
            self.armed.insert((next, item));
        }
    }

    fn disarm(&mut self, item: &Due) {
        if let Some(at) = self.armed_at.remove(item) {
            self.armed.remove(&(at, *item));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EPOCH: Fixed<32> = Fixed([1; 32]);

    fn key(n: u8) -> SenderKeyId {
        (EPOCH, Fixed([n; 8]))
    }

    /// Takes what is due at `now` and asks it (each key of its sender).
    fn round(s: &mut SyncSchedule, now: u64) -> Vec<Due> {
        let due = s.take_due(now);
        for item in &due {
            match *item {
                Due::Heads(epoch) => s.asked_heads(epoch, now, false),
                Due::Key(key) => s.asked(key, now, true),
            }
        }
        due
    }

    #[test]
    fn a_new_key_has_its_epoch_asked_at_once_then_at_doubling_intervals_until_a_message_is_heard() {
        let mut s = SyncSchedule::default();
        s.key_arrived(key(1), 10_000, false);
        assert!(s.poll_timeout().is_some_and(|at| at <= 10_000), "at once");
        let mut asked_at = Vec::new();
        while let Some(at) = s.poll_timeout().filter(|at| *at < 40_000) {
            let at = at.max(10_000);
            assert_eq!(round(&mut s, at), [Due::Heads(EPOCH)]);
            asked_at.push(at - 10_000);
        }
        assert_eq!(asked_at, [0, 1_000, 2_000, 4_000, 8_000, 16_000]);
        // A message is heard: the tail rule asks once more a second after it, then polls.
        s.message(key(1), 27_000);
        assert_eq!(s.poll_timeout(), Some(28_000));
        assert_eq!(round(&mut s, 28_000), [Due::Heads(EPOCH)]);
        assert_eq!(s.poll_timeout(), Some(28_000 + POLL_SYNC_MS));
    }

    #[test]
    fn loaded_keys_have_their_epoch_asked_once_and_then_polled() {
        let mut s = SyncSchedule::default();
        for n in 0..50 {
            s.key_arrived(key(n), 50_000, true);
        }
        assert_eq!(
            round(&mut s, 50_000),
            [Due::Heads(EPOCH)],
            "one request for the 50 keys"
        );
        assert_eq!(s.poll_timeout(), Some(50_000 + POLL_SYNC_MS));
        assert!(s.take_due(50_000 + POLL_SYNC_MS - 1).is_empty());
    }

    #[test]
    fn a_busy_epoch_is_asked_once_a_second_and_a_quiet_one_once_per_burst() {
        let mut s = SyncSchedule::default();
        s.key_arrived(key(1), 0, true);
        s.key_arrived(key(2), 0, true);
        round(&mut s, 0);
        for t in (100..=2_500).step_by(100) {
            s.message(key((t / 100 % 2) as u8 + 1), t);
            if s.poll_timeout().is_some_and(|at| at <= t) {
                assert_eq!(round(&mut s, t), [Due::Heads(EPOCH)]);
            }
        }
        // Throttled, not pushed back: asked at 1.1 s and 2.2 s, then a second after the
        // first message not yet asked about.
        assert_eq!(s.poll_timeout(), Some(3_300));
        assert_eq!(round(&mut s, 3_300), [Due::Heads(EPOCH)]);
        assert_eq!(s.poll_timeout(), Some(3_300 + POLL_SYNC_MS), "quiet: only the poll");
    }

    #[test]
    fn a_gap_is_asked_about_after_a_grace_and_a_failed_sync_at_once() {
        let mut s = SyncSchedule::default();
        s.key_arrived(key(1), 0, true);
        round(&mut s, 0);
        s.gap(key(1), 1_000);
        s.gap(key(1), 1_200);
        assert_eq!(s.poll_timeout(), Some(1_000 + GAP_GRACE_MS), "the first gap's grace");
        assert_eq!(s.take_due(1_000 + GAP_GRACE_MS), [Due::Key(key(1))]);
        s.asked(key(1), 1_500, true);
        assert!(!s.ask_sender(&key(1)), "then someone else");
        s.retry_soon(key(1), 2_000, true);
        assert!(s.ask_sender(&key(1)), "a hole left: the sender next");
        assert_eq!(s.take_due(2_000), [Due::Key(key(1))], "at once");
        assert_eq!(s.poll_timeout(), Some(POLL_SYNC_MS), "nothing more on its own");
        s.gap(key(9), 2_000);
        assert_eq!(s.poll_timeout(), Some(POLL_SYNC_MS), "an unknown key's gap is ignored");
    }

    #[test]
    fn heads_go_by_turns_to_the_newest_messages_sender_and_to_a_random_member() {
        let mut s = SyncSchedule::default();
        s.key_arrived(key(1), 0, true);
        assert_eq!(s.heads_to_newest_sender(&EPOCH), None, "nothing heard: a random member");
        s.message(key(1), 100);
        s.message(key(2), 200);
        assert_eq!(s.heads_to_newest_sender(&EPOCH), Some(key(2).1));
        s.asked_heads(EPOCH, 1_200, true);
        assert_eq!(s.heads_to_newest_sender(&EPOCH), None, "then someone else");
        s.asked_heads(EPOCH, 2_200, false);
        assert_eq!(
            s.heads_to_newest_sender(&EPOCH),
            Some(key(2).1),
            "then the sender again"
        );
    }

    #[test]
    fn a_failed_or_fruitful_heads_sync_is_asked_again_a_second_later() {
        let mut s = SyncSchedule::default();
        s.key_arrived(key(1), 0, true);
        round(&mut s, 0);
        s.ask_heads_again(EPOCH, 4_000);
        assert_eq!(s.poll_timeout(), Some(5_000));
        s.ask_heads_again(Fixed([7; 32]), 4_000);
        assert_eq!(s.poll_timeout(), Some(5_000), "an unknown epoch is not asked");
    }

    #[test]
    fn many_syncs_due_at_once_are_asked_in_paced_rounds() {
        let mut s = SyncSchedule::default();
        for n in 0..40 {
            s.key_arrived(key(n), 5_000, true);
            s.gap(key(n), 5_000);
        }
        assert_eq!(s.len(), 40);
        round(&mut s, 5_000);
        let first = round(&mut s, 5_000 + GAP_GRACE_MS);
        assert_eq!(first.len(), SYNCS_PER_ROUND);
        let at = 5_000 + GAP_GRACE_MS + SYNC_PACE_MS;
        assert_eq!(s.poll_timeout(), Some(at), "the rest after the pace");
        assert!(s.take_due(at - 1).is_empty());
        assert_eq!(round(&mut s, at).len(), 40 - SYNCS_PER_ROUND);
        assert_eq!(s.poll_timeout(), Some(5_000 + POLL_SYNC_MS));
    }

    #[test]
    fn forgotten_keys_and_epochs_are_never_due() {
        let mut s = SyncSchedule::default();
        s.key_arrived(key(1), 0, false);
        let other = (Fixed([2; 32]), Fixed([1; 8]));
        s.key_arrived(other, 0, true);
        s.gap(other, 0);
        s.forget_epoch(&EPOCH);
        assert_eq!(s.len(), 1);
        s.forget_epoch(&other.0);
        assert!(s.is_empty());
        assert_eq!(s.poll_timeout(), None);
        assert!(s.take_due(u64::MAX).is_empty());
    }

    #[test]
    fn an_unheard_key_forgotten_stops_the_first_message_rule() {
        let mut s = SyncSchedule::default();
        s.key_arrived(key(1), 0, false);
        round(&mut s, 0);
        assert_eq!(s.poll_timeout(), Some(1_000));
        s.forget(&key(1), 500);
        assert_eq!(s.poll_timeout(), Some(POLL_SYNC_MS));
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
