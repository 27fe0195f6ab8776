//! Connection paths and hole punching: which of a peer's connections are direct, relayed
//! or hole-punched, and how DCUtR attempts end. Sans-IO: the actor reports connections
//! opening and closing and DCUtR's results, with the time.
//!
//! A relayed connection to a peer we have no direct connection to starts a hole-punch
//! *attempt* (DCUtR runs on every relayed connection, from both ends). The attempt
//! *succeeds* when a direct connection to that peer opens while it runs — whichever end's
//! dial won, the new connection is `hole_punched` — and *fails* when DCUtR reports a
//! failure, the relayed connection closed [`CLOSED_GRACE_MS`] ago with no direct one (the
//! other end closes it as soon as its side of the direct connection is up, which can be
//! seen here before this side's), or [`PUNCH_TIMEOUT_MS`] passes.

use std::collections::HashMap;

use libp2p::swarm::ConnectionId;
use libp2p::{Multiaddr, PeerId};
use serde::{Deserialize, Serialize};

use super::addrs::{is_relayed, without_peer};

/// How long a hole punch may take before it counts as failed (ms). DCUtR gives up after
/// three rounds of a few seconds each.
pub const PUNCH_TIMEOUT_MS: u64 = 60_000;
/// How long after its relayed connection closed a hole punch may still succeed (ms).
pub const CLOSED_GRACE_MS: u64 = 5_000;

/// How a connection reaches its peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Path {
    /// Through a circuit relay (limited in time and bytes by the relay).
    Relayed,
    /// Dialled or accepted directly.
    Direct,
    /// Direct, opened by a hole punch while a relayed connection existed.
    HolePunched,
}

impl Path {
    /// The name used in `node.peers` and events.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Relayed => "relayed",
            Self::Direct => "direct",
            Self::HolePunched => "hole_punched",
        }
    }

    /// Whether the path is direct (plain or hole-punched).
    pub fn is_direct(self) -> bool {
        self != Self::Relayed
    }
}

/// One open connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conn {
    /// The peer.
    pub peer: PeerId,
    /// The remote address.
    pub addr: Multiaddr,
    /// How it reaches the peer.
    pub path: Path,
    /// We dialled it.
    pub outbound: bool,
}

/// Hole-punch counters (status `nat.hole_punch`, metric `chingu_hole_punches_total`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HolePunchStats {
    /// Attempts started (relayed connections to peers without a direct one).
    pub attempts: u64,
    /// Attempts that ended with a direct connection.
    pub succeeded: u64,
    /// Attempts that failed (DCUtR gave up, the relayed connection closed, or time ran out).
    pub failed: u64,
}

/// A running hole punch.
#[derive(Debug, Clone, Copy)]
struct Punch {
    since_ms: u64,
    /// When the last relayed connection to the peer closed, if it did.
    relayed_closed_ms: Option<u64>,
}

impl Punch {
    fn deadline(&self) -> u64 {
        let timeout = self.since_ms + PUNCH_TIMEOUT_MS;
        self.relayed_closed_ms
            .map_or(timeout, |closed| timeout.min(closed + CLOSED_GRACE_MS))
    }
}

/// Open connections and running hole punches.
#[derive(Debug, Default)]
pub struct Paths {
    conns: HashMap<ConnectionId, Conn>,
    /// Peers with a hole punch running.
    punching: HashMap<PeerId, Punch>,
    stats: HolePunchStats,
}

impl Paths {
    /// The counters.
    pub fn stats(&self) -> &HolePunchStats {
        &self.stats
    }

    /// A connection opened; returns its path.
    pub fn on_established(
        &mut self,
        id: ConnectionId,
        peer: PeerId,
        addr: Multiaddr,
        outbound: bool,
        now_ms: u64,
    ) -> Path {
        let path = if is_relayed(&addr) {
            let direct = self.has_direct(&peer);
            match self.punching.get_mut(&peer) {
                Some(punch) => punch.relayed_closed_ms = None,
                None if !direct => {
                    self.stats.attempts += 1;
                    self.punching.insert(
                        peer,
                        Punch {
                            since_ms: now_ms,
                            relayed_closed_ms: None,
                        },
                    );
                }
                None => {}
            }
            Path::Relayed
        } else if self.punching.remove(&peer).is_some() {
            self.stats.succeeded += 1;
            Path::HolePunched
        } else {
            Path::Direct
        };
        self.conns.insert(
            id,
            Conn {
                peer,
                addr,
                path,
                outbound,
            },
        );
        path
    }

    /// The remote address of an open connection.
    pub fn remote_addr(&self, id: &ConnectionId) -> Option<&Multiaddr> {
        self.conn(id).map(|c| &c.addr)
    }

    /// An open connection.
    pub fn conn(&self, id: &ConnectionId) -> Option<&Conn> {
        self.conns.get(id)
    }

    /// DCUtR reported its result for `peer` (`Ok` with the direct connection).
    pub fn on_dcutr(&mut self, peer: PeerId, result: Result<ConnectionId, ()>) {
        match result {
            Ok(id) => {
                if let Some(conn) = self.conns.get_mut(&id) {
                    conn.path = Path::HolePunched;
                }
                if self.punching.remove(&peer).is_some() {
                    self.stats.succeeded += 1;
                }
            }
            Err(()) => {
                if self.punching.remove(&peer).is_some() {
                    self.stats.failed += 1;
                }
            }
        }
    }

    /// A connection closed.
    pub fn on_closed(&mut self, id: &ConnectionId, now_ms: u64) {
        let Some(conn) = self.conns.remove(id) else {
            return;
        };
        let relayed_left = self
            .conns
            .values()
            .any(|c| c.peer == conn.peer && c.path == Path::Relayed);
        if conn.path == Path::Relayed && !relayed_left {
            if let Some(punch) = self.punching.get_mut(&conn.peer) {
                punch.relayed_closed_ms = Some(now_ms);
            }
        }
    }

    /// When [`Paths::handle_timeout`] must run next.
    pub fn poll_timeout(&self) -> Option<u64> {
        self.punching.values().map(Punch::deadline).min()
    }

    /// Time passed: hole punches running too long, or left without a relayed connection
    /// for too long, failed.
    pub fn handle_timeout(&mut self, now_ms: u64) {
        let before = self.punching.len();
        self.punching.retain(|_, punch| now_ms < punch.deadline());
        self.stats.failed += (before - self.punching.len()) as u64;
    }

    /// Whether a hole punch to `peer` is running.
    pub fn punching(&self, peer: &PeerId) -> bool {
        self.punching.contains_key(peer)
    }

    /// `peer`'s open connections.
    pub fn of(&self, peer: PeerId) -> impl Iterator<Item = &Conn> {
        self.conns.values().filter(move |c| c.peer == peer)
    }

    /// The best path to `peer` (hole-punched, then direct, then relayed), if connected.
    pub fn best(&self, peer: &PeerId) -> Option<Path> {
        self.of(*peer)
            .map(|c| c.path)
            .max_by_key(|p| (p.is_direct(), *p == Path::HolePunched))
    }

    /// The newest connection we dialled to `peer` at `addr` (compared without `/p2p`).
    pub fn dialled(&self, peer: PeerId, addr: &Multiaddr) -> Option<ConnectionId> {
        let addr = without_peer(addr);
        self.conns
            .iter()
            .filter(|(_, c)| c.peer == peer && c.outbound && without_peer(&c.addr) == addr)
            .map(|(id, _)| *id)
            .max()
    }

    /// `peer`'s relayed connections, if it also has a direct one: they are only limited
    /// (in time and bytes) copies of the direct path, to be closed.
    pub fn superseded(&self, peer: &PeerId) -> Vec<ConnectionId> {
        if !self.has_direct(peer) {
            return Vec::new();
        }
        self.conns
            .iter()
            .filter(|(_, c)| c.peer == *peer && c.path == Path::Relayed)
            .map(|(id, _)| *id)
            .collect()
    }

    fn has_direct(&self, peer: &PeerId) -> bool {
        self.of(*peer).any(|c| c.path.is_direct())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relayed(peer: &PeerId) -> Multiaddr {
        format!("/ip4/198.51.100.1/tcp/4001/p2p/{}/p2p-circuit", PeerId::random())
            .parse::<Multiaddr>()
            .unwrap()
            .with_p2p(*peer)
            .unwrap()
    }

    fn direct() -> Multiaddr {
        "/ip4/203.0.113.7/tcp/4001".parse().unwrap()
    }

    #[test]
    fn a_direct_connection_during_a_relayed_one_is_a_successful_punch() {
        let mut paths = Paths::default();
        let peer = PeerId::random();
        let (r, d) = (ConnectionId::new_unchecked(1), ConnectionId::new_unchecked(2));
        assert_eq!(paths.on_established(r, peer, relayed(&peer), true, 0), Path::Relayed);
        assert!(paths.punching(&peer));
        assert_eq!(paths.best(&peer), Some(Path::Relayed));
        assert_eq!(paths.on_established(d, peer, direct(), false, 900), Path::HolePunched);
        // DCUtR's own report of the same success is not counted twice.
        paths.on_dcutr(peer, Ok(d));
        assert_eq!(paths.best(&peer), Some(Path::HolePunched));
        assert_eq!(paths.superseded(&peer), [r], "the relayed connection is to be closed");
        paths.on_closed(&r, 1_000);
        assert!(paths.superseded(&peer).is_empty());
        assert_eq!(
            paths.stats(),
            &HolePunchStats {
                attempts: 1,
                succeeded: 1,
                failed: 0
            }
        );
        assert_eq!(paths.poll_timeout(), None);
    }

    #[test]
    fn failures_dcutr_closing_or_time() {
        let mut paths = Paths::default();
        let (a, b, c) = (PeerId::random(), PeerId::random(), PeerId::random());
        paths.on_established(ConnectionId::new_unchecked(1), a, relayed(&a), true, 0);
        paths.on_established(ConnectionId::new_unchecked(2), b, relayed(&b), false, 10);
        paths.on_established(ConnectionId::new_unchecked(3), c, relayed(&c), false, 20);
        paths.on_dcutr(a, Err(()));
        paths.on_closed(&ConnectionId::new_unchecked(2), 30);
        assert_eq!(paths.poll_timeout(), Some(30 + CLOSED_GRACE_MS));
        paths.handle_timeout(30 + CLOSED_GRACE_MS);
        assert_eq!(paths.poll_timeout(), Some(20 + PUNCH_TIMEOUT_MS));
        paths.handle_timeout(20 + PUNCH_TIMEOUT_MS - 1);
        assert!(paths.punching(&c));
        paths.handle_timeout(20 + PUNCH_TIMEOUT_MS);
        assert_eq!(
            paths.stats(),
            &HolePunchStats {
                attempts: 3,
                succeeded: 0,
                failed: 3
            }
        );
        // The connection stays relayed: messages still flow through the relay.
        assert_eq!(paths.best(&c), Some(Path::Relayed));
    }

    #[test]
    fn the_direct_connection_may_show_up_just_after_the_relayed_one_closed() {
        let mut paths = Paths::default();
        let peer = PeerId::random();
        let r = ConnectionId::new_unchecked(1);
        paths.on_established(r, peer, relayed(&peer), false, 0);
        // The other end, its direct connection up, closed the relayed one first.
        paths.on_closed(&r, 100);
        assert!(paths.punching(&peer));
        let d = ConnectionId::new_unchecked(2);
        assert_eq!(paths.on_established(d, peer, direct(), false, 150), Path::HolePunched);
        assert_eq!(
            paths.stats(),
            &HolePunchStats {
                attempts: 1,
                succeeded: 1,
                failed: 0
            }
        );
    }

    #[test]
    fn a_relayed_connection_beside_a_direct_one_is_no_attempt() {
        let mut paths = Paths::default();
        let peer = PeerId::random();
        paths.on_established(ConnectionId::new_unchecked(1), peer, direct(), true, 0);
        paths.on_established(ConnectionId::new_unchecked(2), peer, relayed(&peer), false, 1);
        assert_eq!(paths.stats().attempts, 0);
        assert_eq!(paths.best(&peer), Some(Path::Direct));
        assert_eq!(paths.of(peer).count(), 2);
        paths.on_established(
            ConnectionId::new_unchecked(3),
            peer,
            direct().with_p2p(peer).unwrap(),
            true,
            2,
        );
        assert_eq!(paths.dialled(peer, &direct()), Some(ConnectionId::new_unchecked(3)));
    }
}
