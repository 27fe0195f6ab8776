//! The relay service's admission rules: caps and rates per peer and per IP address on
//! top of libp2p's relay server (`libp2p::relay::Behaviour`), and the reason behind each
//! refusal. Sans-IO: libp2p calls [`RelayAdmission::admit_reservation`] and
//! [`RelayAdmission::admit_circuit`] through its rate-limiter hook for every request that
//! passed its own caps (total reservations, reservations per peer, total circuits,
//! circuits per peer); the actor reports what libp2p then did, and the refusal's reason is
//! the one recorded here or, when libp2p refused before asking, the cap it hit.
//!
//! Reasons (the `relay.<reason>` rejections of `Status.rejected` and the `reason` label of
//! `chingu_relay_refused_total`): `reservations_full`, `circuits_full`, `per_peer`,
//! `per_ip`, `rate_limited`, `no_reservation`, `connection_failed`.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use libp2p::{Multiaddr, PeerId};
use serde::{Deserialize, Serialize};

use super::addrs::ip_of;
use crate::config::RelayConfig;
use crate::ratelimit::{KeyedLimiter, Rate};

/// Peers tracked by the rate limiters and the pending-IP table.
const MAX_TRACKED: usize = 4096;

/// The kind of request refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A reservation (`RESERVE` on the hop protocol).
    Reservation,
    /// A circuit (`CONNECT` on the hop protocol).
    Circuit,
}

/// The status libp2p answered a refused request with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// `RESOURCE_LIMIT_EXCEEDED`.
    ResourceLimitExceeded,
    /// `NO_RESERVATION`: the destination holds no reservation here.
    NoReservation,
    /// `CONNECTION_FAILED`: the destination could not be reached.
    ConnectionFailed,
    /// Anything else.
    Other,
}

/// Counters of the relay service (status `nat.relay_service`, metrics `chingu_relay_*`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RelayServiceStats {
    /// Reservations held now.
    pub reservations: usize,
    /// Circuits open now.
    pub circuits: usize,
    /// Reservations accepted (renewals not counted).
    pub reservations_accepted: u64,
    /// Circuits accepted.
    pub circuits_accepted: u64,
    /// Reservations refused, by reason.
    pub reservations_refused: BTreeMap<String, u64>,
    /// Circuits refused, by reason.
    pub circuits_refused: BTreeMap<String, u64>,
}

/// Admission state of a relay service.
#[derive(Debug)]
pub struct RelayAdmission {
    config: RelayConfig,
    /// Peers holding a reservation, with the IP they reserved from.
    reservations: HashMap<PeerId, Option<IpAddr>>,
    /// Open circuits: (source, source IP, destination).
    circuits: Vec<(PeerId, Option<IpAddr>, PeerId)>,
    /// The IP each recently admitted peer asked from (until its outcome arrives).
    asked_from: HashMap<PeerId, Option<IpAddr>>,
    /// The reason this module refused a peer's last request, until libp2p reports it.
    refused: HashMap<(PeerId, u8), &'static str>,
    reservation_rate: KeyedLimiter<PeerId>,
    circuit_rate: KeyedLimiter<PeerId>,
    stats: RelayServiceStats,
}

fn rate(per_minute: u32) -> Rate {
    Rate {
        burst: per_minute,
        per_minute,
    }
}

fn slot(kind: Kind) -> u8 {
    match kind {
        Kind::Reservation => 0,
        Kind::Circuit => 1,
    }
}

impl RelayAdmission {
    /// Admission under `config`'s limits.
    pub fn new(config: &RelayConfig) -> Self {
        Self {
            config: config.clone(),
            reservations: HashMap::new(),
            circuits: Vec::new(),
            asked_from: HashMap::new(),
            refused: HashMap::new(),
            reservation_rate: KeyedLimiter::new(rate(config.reservation_rate_per_peer), MAX_TRACKED),
            circuit_rate: KeyedLimiter::new(rate(config.circuit_rate_per_peer), MAX_TRACKED),
            stats: RelayServiceStats::default(),
        }
    }

    /// The counters.
    pub fn stats(&self) -> RelayServiceStats {
        RelayServiceStats {
            reservations: self.reservations.len(),
            circuits: self.circuits.len(),
            ..self.stats.clone()
        }
    }

    /// Whether `peer` holds a reservation here.
    pub fn holds_reservation(&self, peer: &PeerId) -> bool {
        self.reservations.contains_key(peer)
    }

    /// libp2p asks whether `peer`, connected from `addr`, may reserve (or renew).
    pub fn admit_reservation(&mut self, peer: PeerId, addr: &Multiaddr, now_ms: u64) -> bool {
        let ip = ip_of(addr);
        let renewal = self.reservations.contains_key(&peer);
        let from_ip = ip.map_or(0, |ip| self.reservations.values().filter(|r| **r == Some(ip)).count());
        let verdict = if !renewal && from_ip >= self.config.max_reservations_per_ip {
            Err("per_ip")
        } else if !self.reservation_rate.allow(&peer, now_ms) {
            Err("rate_limited")
        } else {
            Ok(())
        };
        self.note(peer, ip, Kind::Reservation, verdict)
    }

    /// libp2p asks whether `src`, connected from `addr`, may open a circuit.
    pub fn admit_circuit(&mut self, src: PeerId, addr: &Multiaddr, now_ms: u64) -> bool {
        let ip = ip_of(addr);
        let from_ip = ip.map_or(0, |ip| self.circuits.iter().filter(|c| c.1 == Some(ip)).count());
        let verdict = if from_ip >= self.config.max_circuits_per_ip {
            Err("per_ip")
        } else if !self.circuit_rate.allow(&src, now_ms) {
            Err("rate_limited")
        } else {
            Ok(())
        };
        self.note(src, ip, Kind::Circuit, verdict)
    }

    fn note(&mut self, peer: PeerId, ip: Option<IpAddr>, kind: Kind, verdict: Result<(), &'static str>) -> bool {
        if self.asked_from.len() >= MAX_TRACKED {
            self.asked_from.clear();
        }
        if self.refused.len() >= MAX_TRACKED {
            self.refused.clear();
        }
        self.asked_from.insert(peer, ip);
        match verdict {
            Ok(()) => {
                self.refused.remove(&(peer, slot(kind)));
                true
            }
            Err(reason) => {
                self.refused.insert((peer, slot(kind)), reason);
                false
            }
        }
    }

    /// libp2p accepted `peer`'s reservation.
    pub fn on_reservation_accepted(&mut self, peer: PeerId, renewed: bool) {
        let ip = self.asked_from.remove(&peer).flatten();
        let previous = self.reservations.insert(peer, ip);
        if !renewed && previous.is_none() {
            self.stats.reservations_accepted += 1;
        }
    }

    /// `peer`'s reservation ended (timed out, or the peer disconnected).
    pub fn on_reservation_ended(&mut self, peer: &PeerId) {
        self.reservations.remove(peer);
    }

    /// libp2p accepted a circuit from `src` to `dst`.
    pub fn on_circuit_accepted(&mut self, src: PeerId, dst: PeerId) {
        let ip = self.asked_from.remove(&src).flatten();
        if self.circuits.len() < self.config.max_circuits.saturating_mul(2).max(16) {
            self.circuits.push((src, ip, dst));
        }
        self.stats.circuits_accepted += 1;
    }

    /// A circuit from `src` to `dst` closed.
    pub fn on_circuit_closed(&mut self, src: &PeerId, dst: &PeerId) {
        if let Some(i) = self.circuits.iter().position(|c| c.0 == *src && c.2 == *dst) {
            self.circuits.swap_remove(i);
        }
    }

    /// libp2p refused a request of `peer` with `status`; returns (and counts) the reason.
    pub fn on_refused(&mut self, kind: Kind, peer: PeerId, status: Status) -> &'static str {
        let recorded = self.refused.remove(&(peer, slot(kind)));
        self.asked_from.remove(&peer);
        let reason = match (status, recorded) {
            (Status::NoReservation, _) => "no_reservation",
            (Status::ConnectionFailed, _) => "connection_failed",
            (_, Some(reason)) => reason,
            // libp2p refused before asking. A new reservation is refused so for its total
            // or for the peer's connections already holding one: a peer that holds none here
            // met the total. libp2p counts a reservation the moment it grants it, before
            // this module hears of it, so in a burst its total is ahead of ours.
            (_, None) => match kind {
                Kind::Reservation
                    if self.reservations.len() >= self.config.max_reservations
                        || !self.reservations.contains_key(&peer) =>
                {
                    "reservations_full"
                }
                Kind::Circuit if self.circuits.len() >= self.config.max_circuits => "circuits_full",
                _ => "per_peer",
            },
        };
        let counters = match kind {
            Kind::Reservation => &mut self.stats.reservations_refused,
            Kind::Circuit => &mut self.stats.circuits_refused,
        };
        *counters.entry(reason.to_owned()).or_default() += 1;
        reason
    }

    /// Housekeeping: forgets idle rate-limiter buckets.
    pub fn forget_idle(&mut self, now_ms: u64) {
        self.reservation_rate.forget_idle(now_ms);
        self.circuit_rate.forget_idle(now_ms);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> RelayConfig {
        RelayConfig {
            max_reservations: 3,
            max_reservations_per_ip: 2,
            reservation_rate_per_peer: 2,
            max_circuits: 4,
            max_circuits_per_ip: 2,
            circuit_rate_per_peer: 3,
            ..RelayConfig::default()
        }
    }

    fn from(ip: &str) -> Multiaddr {
        format!("/ip4/{ip}/tcp/5000").parse().unwrap()
    }

    #[test]
    fn reservations_per_ip_and_rate() {
        let mut gate = RelayAdmission::new(&config());
        let (a, b, c) = (PeerId::random(), PeerId::random(), PeerId::random());
        assert!(gate.admit_reservation(a, &from("198.51.100.1"), 0));
        gate.on_reservation_accepted(a, false);
        assert!(gate.admit_reservation(b, &from("198.51.100.1"), 0));
        gate.on_reservation_accepted(b, false);
        // A third peer behind the same address is over the per-IP cap…
        assert!(!gate.admit_reservation(c, &from("198.51.100.1"), 0));
        assert_eq!(
            gate.on_refused(Kind::Reservation, c, Status::ResourceLimitExceeded),
            "per_ip"
        );
        // …but a renewal from the same address is not, until the peer's rate runs out.
        assert!(gate.admit_reservation(a, &from("198.51.100.1"), 1));
        gate.on_reservation_accepted(a, true);
        assert!(!gate.admit_reservation(a, &from("198.51.100.1"), 2));
        assert_eq!(
            gate.on_refused(Kind::Reservation, a, Status::ResourceLimitExceeded),
            "rate_limited"
        );
        assert!(
            gate.admit_reservation(a, &from("198.51.100.1"), 30_000),
            "the rate refills"
        );
        // Refusals libp2p made before asking: its total cap.
        assert!(gate.admit_reservation(c, &from("198.51.100.2"), 3));
        gate.on_reservation_accepted(c, false);
        let d = PeerId::random();
        assert_eq!(
            gate.on_refused(Kind::Reservation, d, Status::ResourceLimitExceeded),
            "reservations_full"
        );
        gate.on_reservation_ended(&b);
        // Below the total by this module's count, a peer holding a reservation was refused
        // for its connections' reservations…
        assert_eq!(
            gate.on_refused(Kind::Reservation, a, Status::ResourceLimitExceeded),
            "per_peer"
        );
        // …and one holding none for libp2p's total, which counts grants not reported yet.
        assert_eq!(
            gate.on_refused(Kind::Reservation, d, Status::ResourceLimitExceeded),
            "reservations_full"
        );
        let stats = gate.stats();
        assert_eq!((stats.reservations, stats.reservations_accepted), (2, 3));
        assert_eq!(stats.reservations_refused["per_ip"], 1);
        assert_eq!(stats.reservations_refused["rate_limited"], 1);
        assert_eq!(stats.reservations_refused["reservations_full"], 2);
        assert_eq!(stats.reservations_refused["per_peer"], 1);
    }

    #[test]
    fn circuits_per_ip_rate_and_libp2p_reasons() {
        let mut gate = RelayAdmission::new(&config());
        let (stranger, honest, dst) = (PeerId::random(), PeerId::random(), PeerId::random());
        for _ in 0..3 {
            assert!(gate.admit_circuit(stranger, &from("203.0.113.9"), 0));
            assert_eq!(
                gate.on_refused(Kind::Circuit, stranger, Status::NoReservation),
                "no_reservation"
            );
        }
        assert!(!gate.admit_circuit(stranger, &from("203.0.113.9"), 0));
        assert_eq!(
            gate.on_refused(Kind::Circuit, stranger, Status::ResourceLimitExceeded),
            "rate_limited"
        );
        // An honest peer is not affected by the stranger's exhausted quota.
        assert!(gate.admit_circuit(honest, &from("198.51.100.1"), 0));
        gate.on_circuit_accepted(honest, dst);
        assert!(gate.admit_circuit(honest, &from("198.51.100.1"), 0));
        gate.on_circuit_accepted(honest, dst);
        assert!(!gate.admit_circuit(honest, &from("198.51.100.1"), 0));
        assert_eq!(
            gate.on_refused(Kind::Circuit, honest, Status::ResourceLimitExceeded),
            "per_ip"
        );
        gate.on_circuit_closed(&honest, &dst);
        assert_eq!(gate.stats().circuits, 1);
        assert_eq!(
            gate.on_refused(Kind::Circuit, PeerId::random(), Status::ConnectionFailed),
            "connection_failed"
        );
        assert_eq!(
            gate.on_refused(Kind::Circuit, PeerId::random(), Status::ResourceLimitExceeded),
            "per_peer"
        );
        let stats = gate.stats();
        assert_eq!(stats.circuits_accepted, 2);
        assert_eq!(stats.circuits_refused.values().sum::<u64>(), 7);
    }
}
