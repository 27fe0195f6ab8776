//! Admission of inbound connections (SPEC.md §1, "Inbound connections"): who may hold a
//! handshake open with us, and for how long.
//!
//! A node that anyone can reach (bootstrap, mailbox and relay nodes above all) must not
//! be starved by connections that never finish their handshake: an attacker opening
//! connections faster than handshakes time out would otherwise fill every slot for
//! connections being set up, and honest peers would find no room. The rules:
//!
//! - at most [`InboundLimits::max_pending`] handshakes in progress in all;
//! - at most [`InboundLimits::max_pending_per_ip`] of them from one address, and at most
//!   [`InboundLimits::max_connections_per_ip`] inbound connections (in progress or
//!   established) from one address. An IPv6 "address" is its /64 prefix, the block one
//!   subscriber holds;
//! - a handshake not finished after [`InboundLimits::handshake_timeout`] is abandoned;
//! - when all slots are taken, a newcomer from an address that holds fewer handshakes than
//!   the address holding the most takes the place of that address's oldest handshake:
//!   whoever floods makes room for everyone else at its own expense.
//!
//! Loopback addresses are exempt from the per-address limits unless
//! [`InboundLimits::limit_loopback`] is set (a test net runs hundreds of nodes on 127.0.0.1).
//!
//! [`Admission`] is the rule without I/O: inbound connections and the time in, decisions
//! out, [`Admission::poll_timeout`] for the next deadline. [`transport`] applies it to
//! the node's transports.

pub mod transport;

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Why the swarm reports an inbound connection as failed, when it was turned away on
/// purpose: by admission (its [`Refusal`]'s reason) or by the swarm's connection limits
/// (`connection_limit`).
pub fn refused_because(error: &libp2p::swarm::ListenError) -> Option<&'static str> {
    use libp2p::core::transport::TransportError;
    use libp2p::swarm::ListenError;
    match error {
        ListenError::Transport(TransportError::Other(e)) => transport::refusal_of(e).map(Refusal::reason),
        ListenError::Denied { cause } => cause
            .downcast_ref::<libp2p::connection_limits::Exceeded>()
            .map(|_| "connection_limit"),
        _ => None,
    }
}

/// Limits on inbound connections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundLimits {
    /// Handshakes in progress, in all.
    pub max_pending: usize,
    /// Handshakes in progress from one address.
    pub max_pending_per_ip: usize,
    /// Inbound connections (in progress or established) from one address.
    pub max_connections_per_ip: usize,
    /// How long an inbound handshake may take.
    pub handshake_timeout: Duration,
    /// Apply the per-address limits to loopback addresses too.
    pub limit_loopback: bool,
}

impl From<&crate::config::NetworkConfig> for InboundLimits {
    fn from(network: &crate::config::NetworkConfig) -> Self {
        Self {
            max_pending: network.max_pending_incoming as usize,
            max_pending_per_ip: network.max_pending_per_ip as usize,
            max_connections_per_ip: network.max_connections_per_ip as usize,
            handshake_timeout: Duration::from_secs(network.handshake_timeout_secs),
            limit_loopback: network.limit_loopback,
        }
    }
}

/// Whom a limit counts: an IPv4 address, or the /64 prefix of an IPv6 address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Source(IpAddr);

impl Source {
    /// The source an address counts under.
    pub fn of(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(v4) => Self(IpAddr::V4(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Self(IpAddr::V4(v4)),
                None => {
                    let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                    Self(IpAddr::V6(prefix.into()))
                }
            },
        }
    }

    fn is_loopback(&self) -> bool {
        self.0.is_loopback()
    }
}

/// Why an inbound connection was turned away (counted as `net.<reason>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Its address already holds [`InboundLimits::max_pending_per_ip`] handshakes.
    PendingPerIp,
    /// Its address already holds [`InboundLimits::max_connections_per_ip`] connections.
    ConnectionsPerIp,
    /// Every handshake slot is taken, by addresses holding no more than its own.
    PendingFull,
    /// Its handshake made room for one from a less busy address.
    Evicted,
    /// Its handshake took longer than [`InboundLimits::handshake_timeout`].
    HandshakeTimeout,
}

impl Refusal {
    /// The reason's name in metrics (`chingu_rejected_total{protocol="net"}`).
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::PendingPerIp => "pending_per_ip",
            Refusal::ConnectionsPerIp => "connections_per_ip",
            Refusal::PendingFull => "pending_full",
            Refusal::Evicted => "evicted",
            Refusal::HandshakeTimeout => "handshake_timeout",
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "inbound connection refused ({})", self.reason())
    }
}

impl std::error::Error for Refusal {}

/// A handshake in progress.
pub type PendingId = u64;

/// What to do with an inbound connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Let its handshake run; `evicted` is abandoned to make room for it.
    Admit {
        /// Its handshake's id.
        id: PendingId,
        /// A handshake to abandon ([`Refusal::Evicted`]).
        evicted: Option<PendingId>,
    },
    /// Close it at once.
    Refuse(Refusal),
}

#[derive(Debug)]
struct Pending {
    source: Source,
    deadline: Instant,
}

/// The admission rule (see the module docs).
#[derive(Debug)]
pub struct Admission {
    limits: InboundLimits,
    next_id: PendingId,
    /// Handshakes in progress, oldest first (ids only grow).
    pending: BTreeMap<PendingId, Pending>,
    pending_from: HashMap<Source, usize>,
    established_from: HashMap<Source, usize>,
}

impl Admission {
    /// An admission with `limits` and nothing in progress.
    pub fn new(limits: InboundLimits) -> Self {
        Self {
            limits,
            next_id: 0,
            pending: BTreeMap::new(),
            pending_from: HashMap::new(),
            established_from: HashMap::new(),
        }
    }

    /// Decides on a new inbound connection from `ip`.
    pub fn incoming(&mut self, ip: IpAddr, now: Instant) -> Decision {
        let source = Source::of(ip);
        let pending = self.pending_from.get(&source).copied().unwrap_or(0);
        if self.limits.limit_loopback || !source.is_loopback() {
            if pending >= self.limits.max_pending_per_ip {
                return Decision::Refuse(Refusal::PendingPerIp);
            }
            let established = self.established_from.get(&source).copied().unwrap_or(0);
            if pending + established >= self.limits.max_connections_per_ip {
                return Decision::Refuse(Refusal::ConnectionsPerIp);
            }
        }
        let mut evicted = None;
        if self.pending.len() >= self.limits.max_pending {
            match self.busiest_other_than(&source, pending) {
                Some(victim) => {
                    self.remove(victim);
                    evicted = Some(victim);
                }
                None => return Decision::Refuse(Refusal::PendingFull),
            }
        }
        let id = self.next_id;
        self.next_id += 1;
        self.pending.insert(
            id,
            Pending {
                source,
                deadline: now + self.limits.handshake_timeout,
            },
        );
        *self.pending_from.entry(source).or_default() += 1;
        Decision::Admit { id, evicted }
    }

    /// The oldest handshake of the source holding the most, if it holds more than
    /// `than` (what the newcomer's source holds).
    fn busiest_other_than(&self, newcomer: &Source, than: usize) -> Option<PendingId> {
        let (busiest, count) = self
            .pending_from
            .iter()
            .filter(|(s, _)| *s != newcomer)
            .max_by_key(|(s, n)| (**n, std::cmp::Reverse(self.oldest_of(s))))?;
        (*count > than).then(|| self.oldest_of(busiest)).flatten()
    }

    fn oldest_of(&self, source: &Source) -> Option<PendingId> {
        self.pending
            .iter()
            .find(|(_, p)| p.source == *source)
            .map(|(id, _)| *id)
    }

    fn remove(&mut self, id: PendingId) -> Option<Source> {
        let pending = self.pending.remove(&id)?;
        if let Some(n) = self.pending_from.get_mut(&pending.source) {
            *n -= 1;
            if *n == 0 {
                self.pending_from.remove(&pending.source);
            }
        }
        Some(pending.source)
    }

    /// A handshake ended (finished, failed, or dropped). With `established`, the
    /// connection from `ip` now counts as established until [`Admission::closed`].
    pub fn handshake_done(&mut self, id: PendingId, ip: IpAddr, established: bool) {
        self.remove(id);
        if established {
            *self.established_from.entry(Source::of(ip)).or_default() += 1;
        }
    }

    /// An established inbound connection from `ip` closed.
    pub fn closed(&mut self, ip: IpAddr) {
        let source = Source::of(ip);
        if let Some(n) = self.established_from.get_mut(&source) {
            *n -= 1;
            if *n == 0 {
                self.established_from.remove(&source);
            }
        }
    }

    /// When the next handshake times out.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.pending.values().map(|p| p.deadline).min()
    }

    /// Abandons the handshakes whose time is up ([`Refusal::HandshakeTimeout`]).
    pub fn handle_timeout(&mut self, now: Instant) -> Vec<PendingId> {
        let expired: Vec<PendingId> = self
            .pending
            .iter()
            .filter(|(_, p)| p.deadline <= now)
            .map(|(id, _)| *id)
            .collect();
        for id in &expired {
            self.remove(*id);
        }
        expired
    }

    /// Handshakes in progress.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Inbound connections counted for `ip`: (in progress, established).
    pub fn from(&self, ip: IpAddr) -> (usize, usize) {
        let source = Source::of(ip);
        (
            self.pending_from.get(&source).copied().unwrap_or(0),
            self.established_from.get(&source).copied().unwrap_or(0),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn limits() -> InboundLimits {
        InboundLimits {
            max_pending: 6,
            max_pending_per_ip: 3,
            max_connections_per_ip: 4,
            handshake_timeout: Duration::from_millis(5_000),
            limit_loopback: false,
        }
    }

    fn admitted(decision: Decision) -> (PendingId, Option<PendingId>) {
        match decision {
            Decision::Admit { id, evicted } => (id, evicted),
            other => panic!("refused: {other:?}"),
        }
    }

    #[test]
    fn one_address_holds_a_few_handshakes_and_a_few_connections() {
        let t0 = Instant::now();
        let mut admission = Admission::new(limits());
        let attacker = ip("203.0.113.7");
        for _ in 0..3 {
            admitted(admission.incoming(attacker, t0));
        }
        assert_eq!(
            admission.incoming(attacker, t0),
            Decision::Refuse(Refusal::PendingPerIp)
        );
        // Two handshakes finish: established and pending together stay within 4.
        admission.handshake_done(0, attacker, true);
        admission.handshake_done(1, attacker, true);
        assert_eq!(admission.from(attacker), (1, 2));
        admitted(admission.incoming(attacker, t0));
        assert_eq!(
            admission.incoming(attacker, t0),
            Decision::Refuse(Refusal::ConnectionsPerIp)
        );
        admission.closed(attacker);
        admitted(admission.incoming(attacker, t0));
        assert_eq!(Refusal::ConnectionsPerIp.reason(), "connections_per_ip");
    }

    #[test]
    fn a_full_house_makes_room_at_the_expense_of_the_busiest_address() {
        let t0 = Instant::now();
        let mut admission = Admission::new(limits());
        let (a, b, honest) = (ip("198.51.100.1"), ip("198.51.100.2"), ip("192.0.2.9"));
        for _ in 0..3 {
            admitted(admission.incoming(a, t0));
        }
        for _ in 0..3 {
            admitted(admission.incoming(b, t0));
        }
        assert_eq!(admission.pending(), 6);
        // The newcomer holds nothing: the oldest handshake of a busiest address goes
        // (a and b hold 3 each; a's is the oldest).
        let (id, evicted) = admitted(admission.incoming(honest, t0));
        assert_eq!(evicted, Some(0));
        assert_eq!(admission.from(a), (2, 0));
        // Next, b is the busiest.
        let (_, evicted) = admitted(admission.incoming(ip("192.0.2.10"), t0));
        assert_eq!(evicted, Some(3));
        // The honest handshake finishes; it was never at risk.
        admission.handshake_done(id, honest, true);
        assert_eq!(admission.from(honest), (0, 1));
    }

    #[test]
    fn a_newcomer_as_busy_as_everyone_else_is_refused_when_full() {
        let t0 = Instant::now();
        let mut admission = Admission::new(InboundLimits {
            max_pending: 3,
            ..limits()
        });
        for last in 1..=3 {
            admitted(admission.incoming(ip(&format!("10.0.0.{last}")), t0));
        }
        // 10.0.0.1 already holds one, as many as anyone: no one makes room for it.
        assert_eq!(
            admission.incoming(ip("10.0.0.1"), t0),
            Decision::Refuse(Refusal::PendingFull)
        );
        // A fresh address does get in, in place of the oldest.
        assert_eq!(admitted(admission.incoming(ip("10.0.0.4"), t0)).1, Some(0));
    }

    #[test]
    fn handshakes_time_out_in_order() {
        let t0 = Instant::now();
        let mut admission = Admission::new(limits());
        let a = ip("198.51.100.1");
        admitted(admission.incoming(a, t0));
        admitted(admission.incoming(a, t0 + Duration::from_millis(1_000)));
        assert_eq!(admission.poll_timeout(), Some(t0 + Duration::from_millis(5_000)));
        assert!(admission.handle_timeout(t0 + Duration::from_millis(4_999)).is_empty());
        assert_eq!(admission.handle_timeout(t0 + Duration::from_millis(5_000)), [0]);
        assert_eq!(admission.poll_timeout(), Some(t0 + Duration::from_millis(6_000)));
        // A handshake that finishes after it was abandoned changes nothing twice.
        admission.handshake_done(0, a, false);
        assert_eq!(admission.from(a), (1, 0));
        assert_eq!(admission.handle_timeout(t0 + Duration::from_millis(6_000)), [1]);
        assert_eq!(admission.poll_timeout(), None);
    }

    #[test]
    fn loopback_is_exempt_unless_limited_and_ipv6_counts_by_prefix() {
        let t0 = Instant::now();
        let mut admission = Admission::new(limits());
        for _ in 0..5 {
            admitted(admission.incoming(ip("127.0.0.1"), t0));
        }
        let mut limited = Admission::new(InboundLimits {
            limit_loopback: true,
            ..limits()
        });
        for _ in 0..3 {
            admitted(limited.incoming(ip("127.0.0.1"), t0));
        }
        assert_eq!(
            limited.incoming(ip("127.0.0.1"), t0),
            Decision::Refuse(Refusal::PendingPerIp)
        );
        let mut v6 = Admission::new(limits());
        for host in ["2001:db8::1", "2001:db8::2", "2001:db8::ffff:1"] {
            admitted(v6.incoming(ip(host), t0));
        }
        assert_eq!(
            v6.incoming(ip("2001:db8::3"), t0),
            Decision::Refuse(Refusal::PendingPerIp),
            "one /64"
        );
        admitted(v6.incoming(ip("2001:db8:0:1::1"), t0));
        assert_eq!(Source::of(ip("::ffff:192.0.2.1")), Source::of(ip("192.0.2.1")));
    }
}
