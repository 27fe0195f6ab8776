//! The mailbox's side of push (`protocol/mailbox.md` §5.7–§5.8): who asked to be told when
//! something is deposited for a tag, on which connection, and which notices are due.
//!
//! Sans-IO: the service feeds it watches, deposits, notice outcomes, closed connections
//! and time; it hands back the notices to send. At most one notice per watch is in flight;
//! deposits meanwhile fold into one more notice sent when it completes. Watches are capped
//! per peer and overall (the least recently renewed goes first), and end with their
//! connection, at their lifetime, or when the recipient refuses a notice or cannot be
//! reached.

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;

/// How long a watch lasts unless renewed (30 minutes).
pub const WATCH_TTL_MS: u64 = 30 * 60_000;
/// Most watches one peer holds (a recipient needs one per mailbox).
pub const MAX_WATCHES_PER_PEER: usize = 4;
/// Most watches held in all.
pub const MAX_WATCHES: usize = 10_000;

/// A notice to send: `peer` watches `tag`, and something arrived for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notify<P> {
    /// The watching peer.
    pub peer: P,
    /// The tag something was deposited for.
    pub tag: [u8; 32],
}

#[derive(Debug, Clone)]
struct Watch<C> {
    connection: C,
    expires_ms: u64,
    /// Renewal order (smaller: renewed longer ago).
    seq: u64,
    /// A notice is out and not yet answered.
    in_flight: bool,
    /// Something arrived while a notice was out: one more is due when it completes.
    pending: bool,
}

/// Every watch a mailbox holds.
#[derive(Debug)]
pub struct Watchers<P, C> {
    watches: HashMap<(P, [u8; 32]), Watch<C>>,
    /// Watches by renewal order, least recently renewed first.
    order: BTreeMap<u64, (P, [u8; 32])>,
    by_tag: HashMap<[u8; 32], Vec<P>>,
    by_peer: HashMap<P, Vec<[u8; 32]>>,
    next_seq: u64,
    outbox: Vec<Notify<P>>,
}

impl<P, C> Default for Watchers<P, C> {
    fn default() -> Self {
        Self {
            watches: HashMap::new(),
            order: BTreeMap::new(),
            by_tag: HashMap::new(),
            by_peer: HashMap::new(),
            next_seq: 0,
            outbox: Vec::new(),
        }
    }
}

impl<P: Clone + Eq + Hash, C: Copy + Eq> Watchers<P, C> {
    /// How many watches are held.
    pub fn len(&self) -> usize {
        self.watches.len()
    }

    /// Whether none is held.
    pub fn is_empty(&self) -> bool {
        self.watches.is_empty()
    }

    /// `peer` (already authenticated as the holder of `tag`'s key) watches `tag` on
    /// `connection`, replacing its earlier watch of `tag`. Makes room first: the peer's
    /// least recently renewed watch if it holds [`MAX_WATCHES_PER_PEER`], the least
    /// recently renewed of all if [`MAX_WATCHES`] are held. Returns the lifetime granted.
    pub fn watch(&mut self, peer: P, connection: C, tag: [u8; 32], now_ms: u64) -> u64 {
        let key = (peer.clone(), tag);
        let (in_flight, pending) = match self.remove(&key) {
            Some(old) => (old.in_flight, old.pending),
            None => (false, false),
        };
        let held = self.by_peer.get(&peer).map_or(0, Vec::len);
        if held >= MAX_WATCHES_PER_PEER {
            let oldest = self.by_peer[&peer]
                .iter()
                .min_by_key(|t| self.watches[&(peer.clone(), **t)].seq)
                .copied();
            if let Some(t) = oldest {
                self.remove(&(peer.clone(), t));
            }
        }
        if self.watches.len() >= MAX_WATCHES {
            if let Some((_, oldest)) = self.order.first_key_value() {
                let oldest = oldest.clone();
                self.remove(&oldest);
            }
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.order.insert(seq, key.clone());
        self.by_tag.entry(tag).or_default().push(peer.clone());
        self.by_peer.entry(peer).or_default().push(tag);
        self.watches.insert(
            key,
            Watch {
                connection,
                expires_ms: now_ms + WATCH_TTL_MS,
                seq,
                in_flight,
                pending,
            },
        );
        WATCH_TTL_MS
    }

    /// Something was stored for `tag`: every live watch of it gets a notice, or one more
    /// after the one in flight.
    pub fn deposited(&mut self, tag: &[u8; 32], now_ms: u64) {
        let peers = self.by_tag.get(tag).cloned().unwrap_or_default();
        for peer in peers {
            let key = (peer, *tag);
            let Some(watch) = self.watches.get_mut(&key) else {
                continue;
            };
            if watch.expires_ms <= now_ms {
                self.remove(&key);
            } else if watch.in_flight {
                watch.pending = true;
            } else {
                watch.in_flight = true;
                self.outbox.push(Notify {
                    peer: key.0,
                    tag: key.1,
                });
            }
        }
    }

    /// The notices to send now.
    pub fn take_notices(&mut self) -> Vec<Notify<P>> {
        std::mem::take(&mut self.outbox)
    }

    /// The notice to `peer` for `tag` completed: `accepted` (the recipient answered
    /// `noted`) sends the next one if more arrived meanwhile; otherwise (refused, or the
    /// recipient could not be reached) the watch ends.
    pub fn notice_done(&mut self, peer: &P, tag: &[u8; 32], accepted: bool) {
        let key = (peer.clone(), *tag);
        if !accepted {
            self.remove(&key);
            return;
        }
        if let Some(watch) = self.watches.get_mut(&key) {
            watch.in_flight = watch.pending;
            if watch.pending {
                watch.pending = false;
                self.outbox.push(Notify {
                    peer: key.0,
                    tag: key.1,
                });
            }
        }
    }

    /// A connection of `peer` closed: the watches made on it end.
    pub fn connection_closed(&mut self, peer: &P, connection: C) {
        let tags = self.by_peer.get(peer).cloned().unwrap_or_default();
        for tag in tags {
            let key = (peer.clone(), tag);
            if self.watches.get(&key).is_some_and(|w| w.connection == connection) {
                self.remove(&key);
            }
        }
    }

    /// Drops watches past their lifetime.
    pub fn expire(&mut self, now_ms: u64) {
        let stale: Vec<_> = self
            .watches
            .iter()
            .filter(|(_, w)| w.expires_ms <= now_ms)
            .map(|(k, _)| k.clone())
            .collect();
        for key in stale {
            self.remove(&key);
        }
    }

    fn remove(&mut self, key: &(P, [u8; 32])) -> Option<Watch<C>> {
        let watch = self.watches.remove(key)?;
        self.order.remove(&watch.seq);
        if let Some(peers) = self.by_tag.get_mut(&key.1) {
            peers.retain(|p| *p != key.0);
            if peers.is_empty() {
                self.by_tag.remove(&key.1);
            }
        }
        if let Some(tags) = self.by_peer.get_mut(&key.0) {
            tags.retain(|t| *t != key.1);
            if tags.is_empty() {
                self.by_peer.remove(&key.0);
            }
        }
        Some(watch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type W = Watchers<u32, u8>;

    fn notices(w: &mut W) -> Vec<(u32, u8)> {
        let mut out: Vec<_> = w.take_notices().into_iter().map(|n| (n.peer, n.tag[0])).collect();
        out.sort();
        out
    }

    #[test]
    fn a_deposit_notifies_each_watcher_of_its_tag_once_in_flight_and_once_more() {
        let mut w = W::default();
        assert_eq!(w.watch(1, 10, [1; 32], 0), WATCH_TTL_MS);
        w.watch(2, 20, [2; 32], 0);
        w.deposited(&[1; 32], 1_000);
        assert_eq!(notices(&mut w), [(1, 1)], "only the tag's watcher");
        // Three more deposits while the notice is out: one more notice, after it.
        for t in 0..3 {
            w.deposited(&[1; 32], 1_100 + t);
        }
        assert!(notices(&mut w).is_empty());
        w.notice_done(&1, &[1; 32], true);
        assert_eq!(notices(&mut w), [(1, 1)]);
        w.notice_done(&1, &[1; 32], true);
        assert!(notices(&mut w).is_empty(), "nothing more arrived");
        w.deposited(&[1; 32], 2_000);
        assert_eq!(notices(&mut w), [(1, 1)]);
    }

    #[test]
    fn a_refused_or_failed_notice_ends_the_watch() {
        let mut w = W::default();
        w.watch(1, 10, [1; 32], 0);
        w.deposited(&[1; 32], 1);
        w.deposited(&[1; 32], 2);
        assert_eq!(notices(&mut w).len(), 1);
        w.notice_done(&1, &[1; 32], false);
        assert!(w.is_empty());
        assert!(notices(&mut w).is_empty(), "the pending one goes with it");
        w.deposited(&[1; 32], 3);
        assert!(notices(&mut w).is_empty());
    }

    #[test]
    fn watches_end_with_their_connection_and_their_lifetime() {
        let mut w = W::default();
        w.watch(1, 10, [1; 32], 0);
        w.watch(1, 11, [2; 32], 0);
        w.connection_closed(&1, 10);
        assert_eq!(w.len(), 1, "only the watch made on that connection");
        w.connection_closed(&2, 11);
        assert_eq!(w.len(), 1, "another peer's connection is not ours");
        // Renewed on another connection, it survives the old one closing.
        w.watch(1, 12, [2; 32], 1_000);
        w.connection_closed(&1, 11);
        assert_eq!(w.len(), 1);
        // Past its lifetime it notifies nobody and is dropped.
        w.deposited(&[2; 32], 1_000 + WATCH_TTL_MS);
        assert!(notices(&mut w).is_empty());
        assert!(w.is_empty());
        w.watch(3, 30, [3; 32], 0);
        w.expire(WATCH_TTL_MS - 1);
        assert_eq!(w.len(), 1);
        w.expire(WATCH_TTL_MS);
        assert!(w.is_empty());
    }

    #[test]
    fn watches_are_capped_per_peer_and_overall_least_recently_renewed_first() {
        let mut w = W::default();
        for t in 0..MAX_WATCHES_PER_PEER as u8 {
            w.watch(1, 10, [t; 32], u64::from(t));
        }
        w.watch(1, 10, [0; 32], 100); // renewed: tag 1 is now the oldest
        w.watch(1, 10, [9; 32], 200);
        assert_eq!(w.len(), MAX_WATCHES_PER_PEER);
        for t in 0..4 {
            w.deposited(&[t; 32], 300);
        }
        assert_eq!(notices(&mut w), [(1, 0), (1, 2), (1, 3)], "tag 1 was evicted");

        let mut w = W::default();
        for peer in 0..MAX_WATCHES as u32 {
            w.watch(peer, 0, [0; 32], 0);
        }
        w.watch(0, 0, [0; 32], 1); // peer 0 renews: peer 1 is now the oldest
        w.watch(u32::MAX, 0, [0; 32], 2);
        assert_eq!(w.len(), MAX_WATCHES);
        w.deposited(&[0; 32], 3);
        let notified: Vec<u32> = w.take_notices().into_iter().map(|n| n.peer).collect();
        assert_eq!(notified.len(), MAX_WATCHES);
        assert!(!notified.contains(&1) && notified.contains(&0) && notified.contains(&u32::MAX));
    }
}
