//! The 1:1 outbox as a sans-IO engine (SPEC.md §6.5): which queued messages are due for
//! which friend, their retry back-off, and when the node must next wake for them.
//!
//! The node feeds it what happens — a message queued, sent in a request, acknowledged,
//! refused, undeliverable, a friend back in reach — with the time, and asks it which
//! messages go in a friend's next request. `poll_timeout` says when a retry next falls
//! due and `take_due` hands over the friends to try then, so the node sleeps until the
//! next deadline instead of scanning on a tick.
//!
//! Each entry's retry time is armed once. When it passes, its friend is handed to the
//! node once; an entry that could not go then (no session yet, a request in flight, the
//! friend's record not found) stays due and goes with the friend's next request, which
//! an event starts: a handshake's answer, an acknowledgement, a found record, a friend
//! heard from. A friend with nothing due but receipts waiting (they are in no outbox)
//! is woken by [`Outbox::retry_friend`]'s own back-off. Nothing here scans the whole
//! outbox, nor a friend's messages that are not due: each friend has an ordered map of
//! its entries (oldest first: message ids are UUIDv7) and an ordered set of their retry
//! times, and the armed times are one ordered set.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use rand::RngCore;

use crate::model::MsgId;
use crate::phone::PhoneNumber;
use crate::store::{OutboxEntry, OutboxTarget};

/// What [`Outbox::back_off`] found for a friend that could not be reached.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct BackedOff {
    /// The most attempts any of the friend's messages has had (at least 1): how long to
    /// wait before looking the friend's record up again.
    pub failures: u32,
    /// The friend's messages never handed to a mailbox yet.
    pub undeposited: Vec<MsgId>,
}

/// One friend's entries, oldest first, and their retry times in order.
#[derive(Debug, Default)]
struct FriendQueue {
    entries: BTreeMap<MsgId, OutboxEntry>,
    /// `(next_attempt_ms, id)` of every entry, armed or not: what is due comes first.
    retries: BTreeSet<(u64, MsgId)>,
}

impl FriendQueue {
    /// The ids of the entries due at `now`, soonest retry first.
    fn due_ids(&self, now: u64) -> impl Iterator<Item = MsgId> + '_ {
        self.retries
            .iter()
            .take_while(move |(at, _)| *at <= now)
            .map(|(_, id)| *id)
    }
}

/// The direct entries of the outbox, by friend (oldest first) and by retry time.
#[derive(Debug, Default)]
pub struct Outbox {
    friends: HashMap<Arc<PhoneNumber>, FriendQueue>,
    /// Whose message each id is (the friend's key shared, not a copy of the number per
    /// message).
    owner: HashMap<MsgId, Arc<PhoneNumber>>,
    /// Retry times not reached yet (or reached and not taken), one per entry at most.
    armed: BTreeSet<(u64, MsgId)>,
    /// Friends to try again at a time of their own, with their failed tries in a row.
    friend_wakes: BTreeSet<(u64, PhoneNumber)>,
    friend_tries: HashMap<PhoneNumber, (u32, u64)>,
}

impl Outbox {
    /// The engine holding `entries` (those to groups are left out), each armed at its
    /// retry time.
    pub fn load(entries: impl IntoIterator<Item = OutboxEntry>) -> Self {
        let mut outbox = Self::default();
        for entry in entries {
            outbox.insert(entry);
        }
        outbox
    }

    /// Messages waiting.
    pub fn len(&self) -> usize {
        self.owner.len()
    }

    /// Whether no message waits.
    pub fn is_empty(&self) -> bool {
        self.owner.is_empty()
    }

    /// The entry of message `id`.
    pub fn get(&self, id: &MsgId) -> Option<&OutboxEntry> {
        self.friends.get(self.owner.get(id)?.as_ref())?.entries.get(id)
    }

    /// Adds a direct entry (an entry to a group is ignored), armed at its retry time.
    pub fn insert(&mut self, entry: OutboxEntry) {
        let Some(phone) = friend_of(&entry) else {
            return;
        };
        let friend = match self.friends.get_key_value(phone) {
            Some((friend, _)) => Arc::clone(friend),
            None => Arc::new(phone.clone()),
        };
        self.remove(&entry.id);
        self.armed.insert((entry.next_attempt_ms, entry.id));
        self.owner.insert(entry.id, Arc::clone(&friend));
        let queue = self.friends.entry(friend).or_default();
        queue.retries.insert((entry.next_attempt_ms, entry.id));
        queue.entries.insert(entry.id, entry);
    }

    /// Takes message `id` out (acknowledged, or gone).
    pub fn remove(&mut self, id: &MsgId) -> Option<OutboxEntry> {
        let phone = self.owner.remove(id)?;
        let queue = self.friends.get_mut(phone.as_ref())?;
        let entry = queue.entries.remove(id)?;
        queue.retries.remove(&(entry.next_attempt_ms, entry.id));
        if queue.entries.is_empty() {
            self.friends.remove(phone.as_ref());
        }
        self.armed.remove(&(entry.next_attempt_ms, entry.id));
        Some(entry)
    }

    /// Up to `limit` of `phone`'s messages due at `now`, oldest first. Costs what is due,
    /// not what waits: messages in flight or backing off are not looked at.
    pub fn due(&self, phone: &PhoneNumber, now: u64, limit: usize) -> Vec<MsgId> {
        let mut ids: Vec<MsgId> = self
            .friends
            .get(phone)
            .map(|q| q.due_ids(now).collect())
            .unwrap_or_default();
        if ids.len() > limit {
            ids.select_nth_unstable(limit);
            ids.truncate(limit);
        }
        ids.sort_unstable();
        ids
    }

    /// Whether any of `phone`'s messages is due at `now`.
    pub fn has_due(&self, phone: &PhoneNumber, now: u64) -> bool {
        self.friends.get(phone).is_some_and(|q| q.due_ids(now).next().is_some())
    }

    /// `ids` went out in a request at `now`: each is tried again after its back-off
    /// unless acknowledged first.
    pub fn attempted(&mut self, ids: &[MsgId], now: u64, rng: &mut impl RngCore) {
        for id in ids {
            let Some(phone) = self.owner.get(id).cloned() else {
                continue;
            };
            self.reschedule(&phone, id, |entry| {
                entry.attempts += 1;
                entry.next_attempt_ms = now + super::retry_delay_ms(entry.attempts, rng.next_u32());
            });
        }
    }

    /// `ids` are due again at once (their request was refused or went on a connection
    /// that closed, not lost); the caller tries their friend now.
    pub fn retry_now(&mut self, ids: &[MsgId], now: u64) {
        for id in ids {
            let Some(phone) = self.owner.get(id).cloned() else {
                continue;
            };
            self.reschedule(&phone, id, |entry| {
                entry.next_attempt_ms = entry.next_attempt_ms.min(now)
            });
        }
    }

    /// Every message of `phone` is due at once (the friend is back in reach, moved or
    /// has a new key); `redeposit`: each goes to the friend's mailboxes again too (a
    /// copy sealed to an old key never reaches the new one). The caller tries the friend.
    pub fn friend_due(&mut self, phone: &PhoneNumber, now: u64, redeposit: bool) {
        let ids: Vec<MsgId> = self.friend_entries(phone).map(|e| e.id).collect();
        for id in ids {
            self.reschedule(phone, &id, |entry| {
                entry.next_attempt_ms = entry.next_attempt_ms.min(now);
                if redeposit {
                    entry.mailbox_ms = 0;
                }
            });
        }
    }

    /// `phone` could not be reached at `now`: its due messages back off (one attempt
    /// more each) and are armed again.
    pub fn back_off(&mut self, phone: &PhoneNumber, now: u64, rng: &mut impl RngCore) -> BackedOff {
        let due: Vec<MsgId> = self
            .friends
            .get(phone)
            .map(|q| q.due_ids(now).collect())
            .unwrap_or_default();
        for id in due {
            self.reschedule(phone, &id, |entry| {
                entry.attempts += 1;
                entry.next_attempt_ms = now + super::retry_delay_ms(entry.attempts, rng.next_u32());
            });
        }
        let mut found = BackedOff {
            failures: 1,
            undeposited: Vec::new(),
        };
        for entry in self.friend_entries(phone) {
            found.failures = found.failures.max(entry.attempts);
            if entry.mailbox_ms == 0 {
                found.undeposited.push(entry.id);
            }
        }
        found
    }

    /// Message `id` was handed to a mailbox at `now`: the entry as it is now, to be
    /// saved, unless it was handed over before (or is gone).
    pub fn deposited(&mut self, id: &MsgId, now: u64) -> Option<OutboxEntry> {
        let entry = self
            .friends
            .get_mut(self.owner.get(id)?.as_ref())?
            .entries
            .get_mut(id)?;
        if entry.mailbox_ms != 0 {
            return None;
        }
        entry.mailbox_ms = now;
        Some(entry.clone())
    }

    /// Nothing could be sent to `phone` at `now` though something waits for it outside
    /// the outbox (receipts): the friend is woken again after a back-off that doubles
    /// with each such try in a row.
    pub fn retry_friend(&mut self, phone: &PhoneNumber, now: u64, rng: &mut impl RngCore) {
        let (tries, at) = self.friend_tries.get(phone).copied().unwrap_or((0, 0));
        self.friend_wakes.remove(&(at, phone.clone()));
        let tries = tries.saturating_add(1);
        let at = now + super::retry_delay_ms(tries, rng.next_u32());
        self.friend_wakes.insert((at, phone.clone()));
        self.friend_tries.insert(phone.clone(), (tries, at));
    }

    /// `phone` answered, or nothing waits for it any more: its own back-off starts over.
    pub fn friend_settled(&mut self, phone: &PhoneNumber) {
        if let Some((_, at)) = self.friend_tries.remove(phone) {
            self.friend_wakes.remove(&(at, phone.clone()));
        }
    }

    /// When a retry next falls due (ms), if any is armed.
    pub fn poll_timeout(&self) -> Option<u64> {
        let entry = self.armed.first().map(|(at, _)| *at);
        let friend = self.friend_wakes.first().map(|(at, _)| *at);
        entry.into_iter().chain(friend).min()
    }

    /// The friends whose retries fell due by `now` (each once), disarming those retries.
    pub fn take_due(&mut self, now: u64) -> Vec<PhoneNumber> {
        let mut friends = Vec::new();
        while let Some((at, id)) = self.armed.first().copied() {
            if at > now {
                break;
            }
            self.armed.pop_first();
            if let Some(phone) = self.owner.get(&id) {
                friends.push(PhoneNumber::clone(phone));
            }
        }
        while let Some((at, phone)) = self.friend_wakes.first().cloned() {
            if at > now {
                break;
            }
            self.friend_wakes.pop_first();
            friends.push(phone);
        }
        friends.sort();
        friends.dedup();
        friends
    }

    fn friend_entries(&self, phone: &PhoneNumber) -> impl Iterator<Item = &OutboxEntry> {
        self.friends
            .get(phone)
            .into_iter()
            .flat_map(|queue| queue.entries.values())
    }

    /// Changes `phone`'s entry `id` and arms it at its new retry time (one already passed
    /// fires at the next [`Outbox::take_due`]: a try more than needed is harmless, a
    /// retry never armed would wait for an event that may not come).
    fn reschedule(&mut self, phone: &PhoneNumber, id: &MsgId, change: impl FnOnce(&mut OutboxEntry)) {
        let Some(queue) = self.friends.get_mut(phone) else {
            return;
        };
        let Some(entry) = queue.entries.get_mut(id) else {
            return;
        };
        self.armed.remove(&(entry.next_attempt_ms, *id));
        queue.retries.remove(&(entry.next_attempt_ms, *id));
        change(entry);
        self.armed.insert((entry.next_attempt_ms, *id));
        queue.retries.insert((entry.next_attempt_ms, *id));
    }
}

fn friend_of(entry: &OutboxEntry) -> Option<&PhoneNumber> {
    match &entry.target {
        OutboxTarget::Direct { phone } => Some(phone),
        OutboxTarget::Group { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::mock::StepRng;

    fn phone(n: &str) -> PhoneNumber {
        n.parse().expect("a valid number")
    }

    fn entry(to: &PhoneNumber, next_attempt_ms: u64) -> OutboxEntry {
        OutboxEntry {
            id: MsgId::generate(),
            target: OutboxTarget::Direct { phone: to.clone() },
            attempts: 0,
            next_attempt_ms,
            created_ms: 0,
            mailbox_ms: 0,
        }
    }

    /// No jitter: retry delays are exactly 1 s, 2 s, 4 s…
    fn no_jitter() -> StepRng {
        StepRng::new(0, 0)
    }

    #[test]
    fn a_queued_message_wakes_the_node_once_and_backs_off_after_each_try() {
        let alice = phone("+821012345678");
        let first = entry(&alice, 0);
        let mut outbox = Outbox::load([first.clone()]);
        assert_eq!(outbox.poll_timeout(), Some(0), "due at once");
        assert_eq!(outbox.take_due(10), vec![alice.clone()]);
        assert_eq!(
            outbox.poll_timeout(),
            None,
            "taken once: no wake until something changes"
        );
        assert_eq!(
            outbox.due(&alice, 10, 8),
            [first.id],
            "still due for the friend's next request"
        );

        outbox.attempted(&[first.id], 10, &mut no_jitter());
        assert_eq!(outbox.poll_timeout(), Some(1_010));
        assert!(!outbox.has_due(&alice, 1_009));
        assert!(outbox.take_due(1_009).is_empty());
        assert_eq!(outbox.take_due(1_010), vec![alice.clone()]);
        outbox.attempted(&[first.id], 1_010, &mut no_jitter());
        assert_eq!(outbox.poll_timeout(), Some(3_010), "doubled");

        assert_eq!(outbox.remove(&first.id).map(|e| e.attempts), Some(2));
        assert_eq!(outbox.poll_timeout(), None, "acknowledged: nothing armed");
        assert!(outbox.is_empty());
        assert!(outbox.take_due(u64::MAX).is_empty());
    }

    #[test]
    fn each_friend_gets_its_own_messages_oldest_first() {
        let (alice, bob) = (phone("+821012345678"), phone("+821087654321"));
        let mut outbox = Outbox::default();
        let to_alice: Vec<OutboxEntry> = (0..5).map(|_| entry(&alice, 0)).collect();
        for e in to_alice.iter().rev() {
            outbox.insert(e.clone());
        }
        let to_bob = entry(&bob, 500);
        outbox.insert(to_bob.clone());
        let oldest: Vec<MsgId> = to_alice.iter().map(|e| e.id).take(3).collect();
        assert_eq!(outbox.due(&alice, 0, 3), oldest);
        assert!(outbox.due(&bob, 499, 8).is_empty());
        assert_eq!(outbox.due(&bob, 500, 8), [to_bob.id]);
        assert_eq!(outbox.take_due(0), vec![alice.clone()], "once, however many are due");
        assert_eq!(outbox.take_due(500), vec![bob.clone()]);
        outbox.insert(OutboxEntry {
            target: OutboxTarget::Group { group_id: [7; 16] },
            ..entry(&alice, 0)
        });
        assert_eq!(outbox.len(), 6, "group entries are not the 1:1 outbox's");
    }

    #[test]
    fn only_what_is_due_is_handed_out_oldest_first_whatever_its_retry_order() {
        let alice = phone("+821012345678");
        // Ten messages, the oldest retried last: retry order is the reverse of age.
        let queued: Vec<OutboxEntry> = (0..10u64).map(|i| entry(&alice, 10_000 - i * 1_000)).collect();
        let mut outbox = Outbox::load(queued.clone());
        assert!(!outbox.has_due(&alice, 999), "none due before the first retry time");
        assert!(outbox.due(&alice, 999, 8).is_empty());
        // At 4,000 the four youngest are due; the request takes the three oldest of them.
        assert!(outbox.has_due(&alice, 4_000));
        let due_ids: Vec<MsgId> = queued[6..].iter().map(|e| e.id).collect();
        assert_eq!(outbox.due(&alice, 4_000, 3), due_ids[..3]);
        assert_eq!(outbox.due(&alice, 4_000, 64), due_ids);
        outbox.attempted(&due_ids, 4_000, &mut no_jitter());
        assert!(
            !outbox.has_due(&alice, 4_999),
            "in flight: nothing due until the back-off ends"
        );
        let next: Vec<MsgId> = queued[5..].iter().map(|e| e.id).collect();
        assert_eq!(
            outbox.due(&alice, 5_000, 64),
            next,
            "…then again, with one more fallen due"
        );
        outbox.remove(&next[0]);
        assert_eq!(outbox.due(&alice, 5_000, 1), next[1..2], "an acknowledged one is gone");
    }

    proptest::proptest! {
        /// The engine's answers match a plain filter over every entry, whatever happened.
        #[test]
        fn due_matches_a_scan_of_every_entry(ops in proptest::collection::vec((0u8..4, 0usize..12, 0u64..5_000), 1..60)) {
            let alice = phone("+821012345678");
            let queued: Vec<OutboxEntry> = (0..12u64).map(|i| entry(&alice, (i * 937) % 5_000)).collect();
            let mut outbox = Outbox::load(queued.clone());
            for (op, index, now) in ops {
                let id = queued[index].id;
                match op {
                    0 => outbox.attempted(&[id], now, &mut no_jitter()),
                    1 => outbox.retry_now(&[id], now),
                    2 => { outbox.remove(&id); }
                    _ => { outbox.back_off(&alice, now, &mut no_jitter()); }
                }
                let mut scan: Vec<MsgId> = queued
                    .iter()
                    .filter_map(|e| outbox.get(&e.id))
                    .filter(|e| e.next_attempt_ms <= now)
                    .map(|e| e.id)
                    .collect();
                scan.sort();
                proptest::prop_assert_eq!(outbox.has_due(&alice, now), !scan.is_empty());
                scan.truncate(5);
                proptest::prop_assert_eq!(outbox.due(&alice, now, 5), scan);
            }
        }
    }

    #[test]
    fn an_unreachable_friend_backs_off_only_what_was_due_and_names_what_no_mailbox_holds() {
        let alice = phone("+821012345678");
        let (due, later) = (entry(&alice, 0), entry(&alice, 60_000));
        let mut outbox = Outbox::load([due.clone(), later.clone()]);
        outbox.take_due(0);
        let backed = outbox.back_off(&alice, 100, &mut no_jitter());
        assert_eq!(backed.failures, 1);
        assert_eq!(backed.undeposited, sorted([due.id, later.id]));
        assert_eq!(outbox.get(&due.id).map(|e| e.next_attempt_ms), Some(1_100));
        assert_eq!(
            outbox.get(&later.id).map(|e| (e.attempts, e.next_attempt_ms)),
            Some((0, 60_000))
        );
        assert_eq!(outbox.poll_timeout(), Some(1_100), "armed again");

        assert!(outbox.deposited(&due.id, 100).is_some_and(|e| e.mailbox_ms == 100));
        assert_eq!(outbox.deposited(&due.id, 200), None, "handed over once");
        let backed = outbox.back_off(&alice, 1_100, &mut no_jitter());
        assert_eq!(backed.failures, 2);
        assert_eq!(backed.undeposited, [later.id]);

        outbox.friend_due(&alice, 1_200, true);
        assert_eq!(outbox.due(&alice, 1_200, 8).len(), 2, "back in reach: everything due");
        assert_eq!(outbox.take_due(1_200), vec![alice.clone()]);
        assert_eq!(
            outbox.back_off(&alice, 1_200, &mut no_jitter()).undeposited.len(),
            2,
            "a new key: every message goes to the mailboxes again"
        );
    }

    #[test]
    fn a_request_refused_or_moved_to_another_connection_goes_again_at_once() {
        let alice = phone("+821012345678");
        let message = entry(&alice, 0);
        let mut outbox = Outbox::load([message.clone()]);
        outbox.take_due(0);
        outbox.attempted(&[message.id], 0, &mut no_jitter());
        outbox.retry_now(&[message.id], 300);
        assert!(outbox.has_due(&alice, 300));
        assert_eq!(outbox.poll_timeout(), Some(300));
        assert_eq!(outbox.take_due(300), [alice]);
    }

    #[test]
    fn a_friend_waited_for_outside_the_outbox_is_woken_with_its_own_back_off() {
        let alice = phone("+821012345678");
        let mut outbox = Outbox::default();
        outbox.retry_friend(&alice, 0, &mut no_jitter());
        outbox.retry_friend(&alice, 0, &mut no_jitter());
        assert_eq!(
            outbox.poll_timeout(),
            Some(2_000),
            "the second try in a row waits twice as long"
        );
        assert_eq!(outbox.take_due(2_000), vec![alice.clone()]);
        outbox.retry_friend(&alice, 2_000, &mut no_jitter());
        assert_eq!(outbox.poll_timeout(), Some(6_000));
        outbox.friend_settled(&alice);
        assert_eq!(outbox.poll_timeout(), None);
        outbox.retry_friend(&alice, 7_000, &mut no_jitter());
        assert_eq!(
            outbox.poll_timeout(),
            Some(8_000),
            "answered: the back-off started over"
        );
    }

    /// A friend behind a lossy, duplicating, reordering link: requests of up to 8
    /// messages, a third of them lost, acknowledgements arriving late, twice, or for
    /// requests long retried. Every message is acknowledged, the node wakes only when
    /// something is due, and after the last acknowledgement nothing is armed.
    #[test]
    fn every_message_gets_through_a_lossy_link_in_simulated_time() {
        let alice = phone("+821012345678");
        let mut outbox = Outbox::default();
        let ids: Vec<MsgId> = (0..200)
            .map(|_| {
                let e = entry(&alice, 0);
                outbox.insert(e.clone());
                e.id
            })
            .collect();
        let mut rng = StepRng::new(0x9e37_79b9_7f4a_7c15, 0x6a09_e667_f3bc_c909);
        let mut acks: Vec<(u64, Vec<MsgId>)> = Vec::new();
        let (mut now, mut wakes) = (0u64, 0u32);
        while !outbox.is_empty() {
            let ack_at = acks.iter().map(|(at, _)| *at).min();
            now = match (outbox.poll_timeout(), ack_at) {
                (Some(a), Some(b)) => a.min(b),
                (a, b) => a.or(b).expect("something is always armed or in flight"),
            }
            .max(now);
            wakes += 1;
            let (arrived, flying): (Vec<_>, Vec<_>) = acks.into_iter().partition(|(at, _)| *at <= now);
            acks = flying;
            // An acknowledgement makes the node try the friend again, as does a retry.
            let mut pump = outbox.take_due(now);
            for (_, batch) in arrived {
                for id in batch {
                    outbox.remove(&id);
                }
                pump.push(alice.clone());
            }
            pump.dedup();
            for friend in pump {
                loop {
                    let batch = outbox.due(&friend, now, 8);
                    if batch.is_empty() {
                        break;
                    }
                    outbox.attempted(&batch, now, &mut rng);
                    match rng.next_u32() % 6 {
                        0 | 1 => {}
                        2 => {
                            acks.push((now + 30, batch.clone()));
                            acks.push((now + 5_000, batch));
                        }
                        3 => acks.push((now + 900 + u64::from(rng.next_u32() % 4_000), batch)),
                        _ => acks.push((now + 40, batch)),
                    }
                }
            }
        }
        assert!(ids.iter().all(|id| outbox.get(id).is_none()));
        assert_eq!(outbox.poll_timeout(), None);
        assert!(wakes < 2_000, "{wakes} wakes: the node sleeps between deadlines");
    }

    fn sorted<const N: usize>(mut ids: [MsgId; N]) -> Vec<MsgId> {
        ids.sort();
        ids.to_vec()
    }
}
