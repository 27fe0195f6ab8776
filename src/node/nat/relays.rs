//! Relay reservations of a private node: which circuit relays to hold a reservation on,
//! when to ask again and when to give one up. A sans-IO state machine: the actor feeds it
//! candidates (configured bootstrap, mailbox and relay nodes; peers whose identify lists
//! the relay hop protocol), whether reservations are wanted (the node is private), and
//! what became of each request, with the time; it returns [`Effect`]s.
//!
//! While wanted, it keeps [`WANTED_RELAYS`] reservations: configured relays first (in the
//! order given), then discovered ones, most recently seen first. A request unanswered
//! after [`RESERVE_TIMEOUT_MS`], refused, or lost with its connection puts that relay in
//! back-off (5 s doubling to 10 min) and another is tried. libp2p's relay client renews a
//! reservation on its own before it expires; a failed renewal closes the listener, which
//! arrives here as a loss.

use std::collections::{BTreeMap, VecDeque};

use libp2p::{Multiaddr, PeerId};

use super::backoff::{Backoff, BackoffPolicy};

/// Reservations a private node keeps.
pub const WANTED_RELAYS: usize = 2;
/// Discovered relays remembered (configured ones are always kept).
pub const MAX_DISCOVERED: usize = 32;
/// How long a reservation request may go unanswered (ms).
pub const RESERVE_TIMEOUT_MS: u64 = 30_000;
/// Back-off of a relay that failed us.
pub const RELAY_BACKOFF: BackoffPolicy = BackoffPolicy {
    base_ms: 5_000,
    max_ms: 600_000,
    max_keys: 256,
};

/// Where a relay candidate came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    /// `network.bootstrap`, `mailbox.use` or `relay.use` (preferred, in this order).
    Configured(usize),
    /// A connected peer whose identify lists the hop protocol.
    Discovered,
}

#[derive(Debug, Clone)]
struct Candidate {
    addr: Multiaddr,
    source: Source,
    seen_ms: u64,
}

/// What became of our reservation on a relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotState {
    /// Asked, not answered yet.
    Requested {
        /// When asked (ms).
        since_ms: u64,
    },
    /// Accepted (and renewed by libp2p since).
    Active {
        /// When first accepted (ms).
        since_ms: u64,
    },
}

/// What the actor must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Listen on `addr/p2p/<relay>/p2p-circuit` (asks for a reservation).
    Reserve {
        /// The relay.
        relay: PeerId,
        /// How to reach it.
        addr: Multiaddr,
    },
    /// Stop listening through `relay` (gives the reservation up).
    Release {
        /// The relay.
        relay: PeerId,
    },
    /// The set of active reservations changed.
    Changed,
}

/// The relays this node holds reservations on.
#[derive(Debug)]
pub struct Relays {
    me: PeerId,
    wanted: bool,
    candidates: BTreeMap<PeerId, Candidate>,
    slots: BTreeMap<PeerId, SlotState>,
    backoff: Backoff<PeerId>,
    effects: VecDeque<Effect>,
    /// Reservations accepted (first acceptances, not renewals).
    pub accepted: u64,
    /// Requests refused, timed out or lost.
    pub failed: u64,
}

impl Relays {
    /// No candidates, nothing wanted.
    pub fn new(me: PeerId) -> Self {
        Self {
            me,
            wanted: false,
            candidates: BTreeMap::new(),
            slots: BTreeMap::new(),
            backoff: Backoff::new(RELAY_BACKOFF),
            effects: VecDeque::new(),
            accepted: 0,
            failed: 0,
        }
    }

    /// The next effect to execute.
    pub fn poll_effect(&mut self) -> Option<Effect> {
        self.effects.pop_front()
    }

    /// Our reservations and their states.
    pub fn slots(&self) -> impl Iterator<Item = (&PeerId, &SlotState)> {
        self.slots.iter()
    }

    /// Relays we hold an accepted reservation on.
    pub fn active(&self) -> impl Iterator<Item = &PeerId> {
        self.slots
            .iter()
            .filter(|(_, s)| matches!(s, SlotState::Active { .. }))
            .map(|(p, _)| p)
    }

    /// Whether reservations are wanted now.
    pub fn wanted(&self) -> bool {
        self.wanted
    }

    /// Candidate relays known (for status).
    pub fn candidates(&self) -> usize {
        self.candidates.len()
    }

    /// Known relays with their addresses, where other nodes of the same network most likely
    /// hold reservations: ours first, then in the order a private node picks them
    /// (configured ones first). A relay we hold a reservation on is always a candidate.
    pub fn likely(&self) -> Vec<(PeerId, Multiaddr)> {
        let ours = |p: &PeerId| matches!(self.slots.get(p), Some(SlotState::Active { .. }));
        let mut known: Vec<_> = self.candidates.iter().collect();
        known.sort_by_key(|(p, c)| (!ours(p), c.source, std::cmp::Reverse(c.seen_ms)));
        known.into_iter().map(|(p, c)| (*p, c.addr.clone())).collect()
    }

    /// Offers `relay`, reachable at `addr` (without `/p2p`), as a candidate.
    pub fn add_candidate(&mut self, relay: PeerId, addr: Multiaddr, source: Source, now_ms: u64) {
        if relay == self.me {
            return;
        }
        if let Some(existing) = self.candidates.get_mut(&relay) {
            existing.seen_ms = now_ms;
            if source < existing.source {
                existing.source = source;
                existing.addr = addr;
            }
        } else {
            let discovered = self
                .candidates
                .values()
                .filter(|c| c.source == Source::Discovered)
                .count();
            if source == Source::Discovered && discovered >= MAX_DISCOVERED {
                let oldest = self
                    .candidates
                    .iter()
                    .filter(|(p, c)| c.source == Source::Discovered && !self.slots.contains_key(*p))
                    .min_by_key(|(_, c)| c.seen_ms)
                    .map(|(p, _)| *p);
                match oldest {
                    Some(oldest) => {
                        self.candidates.remove(&oldest);
                    }
                    None => return,
                }
            }
            self.candidates.insert(
                relay,
                Candidate {
                    addr,
                    source,
                    seen_ms: now_ms,
                },
            );
        }
        self.fill(now_ms);
    }

    /// Reservations are wanted (the node is private) or not.
    pub fn set_wanted(&mut self, wanted: bool, now_ms: u64) {
        if self.wanted == wanted {
            return;
        }
        self.wanted = wanted;
        if wanted {
            self.fill(now_ms);
        } else {
            let had_active = self.active().next().is_some();
            for relay in std::mem::take(&mut self.slots).into_keys() {
                self.effects.push_back(Effect::Release { relay });
            }
            if had_active {
                self.effects.push_back(Effect::Changed);
            }
        }
    }

    /// `relay` accepted our reservation (or renewed it).
    pub fn on_accepted(&mut self, relay: PeerId, now_ms: u64) {
        let free = self.slots.len() < WANTED_RELAYS;
        match self.slots.get_mut(&relay) {
            Some(slot @ SlotState::Requested { .. }) => {
                *slot = SlotState::Active { since_ms: now_ms };
                self.accepted += 1;
                self.backoff.succeeded(&relay);
                self.effects.push_back(Effect::Changed);
            }
            Some(SlotState::Active { .. }) => {}
            // A late answer to a request given up: keep it if a slot is free.
            None if self.wanted && free => {
                self.slots.insert(relay, SlotState::Active { since_ms: now_ms });
                self.accepted += 1;
                self.effects.push_back(Effect::Changed);
            }
            None => self.effects.push_back(Effect::Release { relay }),
        }
    }

    /// Our reservation on `relay` failed or ended (refused, listener closed, connection
    /// lost).
    pub fn on_lost(&mut self, relay: PeerId, now_ms: u64) {
        if let Some(slot) = self.slots.remove(&relay) {
            self.failed += 1;
            self.backoff.failed(&relay, now_ms);
            if matches!(slot, SlotState::Active { .. }) {
                self.effects.push_back(Effect::Changed);
            }
        }
        self.fill(now_ms);
    }

    /// When [`Relays::handle_timeout`] must run next.
    pub fn poll_timeout(&self) -> Option<u64> {
        let request_timeout = self
            .slots
            .values()
            .filter_map(|s| match s {
                SlotState::Requested { since_ms } => Some(since_ms + RESERVE_TIMEOUT_MS),
                SlotState::Active { .. } => None,
            })
            .min();
        let retry = (self.wanted && self.slots.len() < WANTED_RELAYS)
            .then(|| {
                self.candidates
                    .keys()
                    .filter(|p| !self.slots.contains_key(*p))
                    .filter_map(|p| self.backoff.retry_at(p))
                    .min()
            })
            .flatten();
        [request_timeout, retry].into_iter().flatten().min()
    }

    /// Time passed: give up unanswered requests, retry relays whose back-off ended.
    pub fn handle_timeout(&mut self, now_ms: u64) {
        let expired: Vec<PeerId> = self
            .slots
            .iter()
            .filter(|(_, s)| matches!(s, SlotState::Requested { since_ms } if now_ms >= since_ms + RESERVE_TIMEOUT_MS))
            .map(|(p, _)| *p)
            .collect();
        for relay in expired {
            self.slots.remove(&relay);
            self.failed += 1;
            self.backoff.failed(&relay, now_ms);
            self.effects.push_back(Effect::Release { relay });
        }
        self.backoff.prune(now_ms);
        self.fill(now_ms);
    }

    /// Asks the best free candidates until [`WANTED_RELAYS`] slots are taken.
    fn fill(&mut self, now_ms: u64) {
        if !self.wanted {
            return;
        }
        while self.slots.len() < WANTED_RELAYS {
            let best = self
                .candidates
                .iter()
                .filter(|(p, _)| !self.slots.contains_key(*p) && self.backoff.allowed(p, now_ms))
                .min_by_key(|(_, c)| (c.source, std::cmp::Reverse(c.seen_ms)))
                .map(|(p, c)| (*p, c.addr.clone()));
            let Some((relay, addr)) = best else {
                return;
            };
            self.slots.insert(relay, SlotState::Requested { since_ms: now_ms });
            self.effects.push_back(Effect::Reserve { relay, addr });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(relays: &mut Relays) -> Vec<Effect> {
        std::iter::from_fn(|| relays.poll_effect()).collect()
    }

    fn addr(n: u8) -> Multiaddr {
        format!("/ip4/198.51.100.{n}/tcp/4001").parse().unwrap()
    }

    fn setup() -> (Relays, [PeerId; 4]) {
        let relays = Relays::new(PeerId::random());
        let peers = [PeerId::random(), PeerId::random(), PeerId::random(), PeerId::random()];
        (relays, peers)
    }

    /// Candidates `a` and `b` configured (in that order), `c` discovered; added last first.
    fn two_configured_one_discovered() -> (Relays, [PeerId; 3]) {
        let (mut relays, [a, b, c, _]) = setup();
        relays.add_candidate(c, addr(3), Source::Discovered, 0);
        relays.add_candidate(b, addr(2), Source::Configured(1), 0);
        relays.add_candidate(a, addr(1), Source::Configured(0), 0);
        (relays, [a, b, c])
    }

    #[test]
    fn nothing_is_reserved_until_wanted_then_two_configured_first() {
        let (mut relays, [a, b, _]) = two_configured_one_discovered();
        assert_eq!(drain(&mut relays), []);
        relays.set_wanted(true, 10);
        assert_eq!(
            drain(&mut relays),
            [
                Effect::Reserve {
                    relay: a,
                    addr: addr(1)
                },
                Effect::Reserve {
                    relay: b,
                    addr: addr(2)
                }
            ]
        );
        relays.on_accepted(a, 20);
        relays.on_accepted(a, 30);
        relays.on_accepted(b, 40);
        assert_eq!(drain(&mut relays), [Effect::Changed, Effect::Changed]);
        assert_eq!(relays.active().count(), 2);
        assert_eq!(relays.poll_timeout(), None, "nothing to wait for");
    }

    #[test]
    fn likely_relays_are_ours_first_then_as_a_private_node_picks() {
        let (mut relays, [a, b, c]) = two_configured_one_discovered();
        assert_eq!(relays.likely(), [(a, addr(1)), (b, addr(2)), (c, addr(3))]);
        // Holding a reservation on the discovered one puts it first.
        relays.set_wanted(true, 10);
        drain(&mut relays);
        relays.on_lost(a, 20);
        relays.on_lost(b, 20);
        drain(&mut relays);
        relays.on_accepted(c, 30);
        assert_eq!(relays.likely()[0], (c, addr(3)));
    }

    #[test]
    fn a_lost_reservation_is_replaced_and_the_relay_backs_off() {
        let (mut relays, [a, b, c, _]) = setup();
        for (i, p) in [a, b, c].into_iter().enumerate() {
            relays.add_candidate(p, addr(i as u8), Source::Configured(i), 0);
        }
        relays.set_wanted(true, 0);
        relays.on_accepted(a, 1);
        relays.on_accepted(b, 1);
        drain(&mut relays);
        relays.on_lost(a, 1_000);
        assert_eq!(
            drain(&mut relays),
            [
                Effect::Changed,
                Effect::Reserve {
                    relay: c,
                    addr: addr(2)
                }
            ]
        );
        // c refuses too: nothing left until a's back-off ends.
        relays.on_lost(c, 2_000);
        assert_eq!(drain(&mut relays), []);
        assert_eq!(relays.poll_timeout(), Some(1_000 + RELAY_BACKOFF.base_ms));
        relays.handle_timeout(1_000 + RELAY_BACKOFF.base_ms);
        assert_eq!(
            drain(&mut relays),
            [Effect::Reserve {
                relay: a,
                addr: addr(0)
            }]
        );
        assert_eq!(relays.failed, 2);
    }

    #[test]
    fn unanswered_requests_time_out() {
        let (mut relays, [a, _, _, _]) = setup();
        relays.add_candidate(a, addr(1), Source::Discovered, 0);
        relays.set_wanted(true, 100);
        drain(&mut relays);
        assert_eq!(relays.poll_timeout(), Some(100 + RESERVE_TIMEOUT_MS));
        relays.handle_timeout(100 + RESERVE_TIMEOUT_MS);
        assert_eq!(drain(&mut relays), [Effect::Release { relay: a }]);
        assert_eq!(
            relays.poll_timeout(),
            Some(100 + RESERVE_TIMEOUT_MS + RELAY_BACKOFF.base_ms),
            "retried once its back-off ends"
        );
        // A late acceptance is still used while a slot is free.
        relays.on_accepted(a, 100 + RESERVE_TIMEOUT_MS + 1);
        assert_eq!(drain(&mut relays), [Effect::Changed]);
    }

    #[test]
    fn not_wanted_any_more_releases_everything() {
        let (mut relays, [a, b, _, _]) = setup();
        relays.add_candidate(a, addr(1), Source::Discovered, 0);
        relays.add_candidate(b, addr(2), Source::Discovered, 5);
        relays.set_wanted(true, 10);
        assert_eq!(
            drain(&mut relays),
            [
                Effect::Reserve {
                    relay: b,
                    addr: addr(2)
                },
                Effect::Reserve {
                    relay: a,
                    addr: addr(1)
                }
            ],
            "most recently seen first"
        );
        relays.on_accepted(a, 20);
        drain(&mut relays);
        relays.set_wanted(false, 30);
        let effects = drain(&mut relays);
        assert_eq!(effects.len(), 3);
        assert!(effects.contains(&Effect::Release { relay: a }) && effects.contains(&Effect::Release { relay: b }));
        assert_eq!(effects.last(), Some(&Effect::Changed));
        relays.on_accepted(b, 40);
        assert_eq!(
            drain(&mut relays),
            [Effect::Release { relay: b }],
            "a late answer is given back"
        );
    }

    #[test]
    fn ourselves_and_too_many_strangers_are_not_candidates() {
        let me = PeerId::random();
        let mut relays = Relays::new(me);
        relays.add_candidate(me, addr(1), Source::Configured(0), 0);
        for i in 0..100u64 {
            relays.add_candidate(PeerId::random(), addr(2), Source::Discovered, i);
        }
        assert_eq!(relays.candidates(), MAX_DISCOVERED);
    }
}
