//! Reaching friends behind NATs (SPEC.md §12): reachability (AutoNAT v2),
//! reservations on circuit relays for private nodes, the relay service of operators'
//! nodes, hole punching (DCUtR), optional UPnP port mapping, and back-off for addresses
//! that cannot be dialled.
//!
//! The decisions are sans-IO state machines — [`reachability`], [`relays`], [`admission`],
//! [`paths`], [`backoff`] — fed with libp2p's events and the time; this module is the thin
//! glue that feeds them from the actor and executes their effects on the swarm.

pub mod addrs;
pub mod admission;
pub mod backoff;
pub mod metered;
pub mod paths;
pub mod reachability;
pub mod relays;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use libp2p::core::transport::ListenerId;
use libp2p::core::ConnectedPoint;
use libp2p::multiaddr::Protocol;
use libp2p::swarm::{ConnectionId, DialError, SwarmEvent};
use libp2p::{autonat, dcutr, kad, relay, upnp, Multiaddr, PeerId};
use serde::{Deserialize, Serialize};

use super::actor::Actor;
use super::behaviour::BehaviourEvent;
use super::{Event, NodeConfig};
use crate::model::now_ms;
use admission::{Kind, RelayAdmission, RelayServiceStats};
use backoff::{Backoff, BackoffPolicy};
use metered::{RelayedBytes, RelayedTotals};
use paths::{HolePunchStats, Path, Paths};
use reachability::{Reachability, ReachabilityState};
use relays::{Relays, SlotState, Source};

/// Back-off of an address that could not be dialled: 1 s doubling to 10 min.
pub const ADDR_BACKOFF: BackoffPolicy = BackoffPolicy {
    base_ms: 1_000,
    max_ms: 600_000,
    max_keys: 4096,
};

/// AutoNAT v2 probe counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutonatStats {
    /// Our addresses a server dialled back.
    pub confirmed: u64,
    /// Our addresses a server could not dial back.
    pub failed: u64,
    /// Dial-backs this node made for others.
    pub served: u64,
}

/// One of our relay reservations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelayView {
    /// The relay's peer id.
    pub peer_id: String,
    /// `requested` or `active`.
    pub state: String,
}

/// NAT traversal in `node.status` (`nat`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NatStatus {
    /// Our reservations on relays.
    pub relays: Vec<RelayView>,
    /// Relays known as candidates.
    pub relay_candidates: usize,
    /// Reservations accepted by relays / requests that failed (refused, timed out, lost).
    pub reservations_accepted: u64,
    /// See `reservations_accepted`.
    pub reservations_failed: u64,
    /// Hole punches (DCUtR).
    pub hole_punch: HolePunchStats,
    /// Bytes through relayed connections (this node's end).
    pub relayed_bytes: RelayedTotals,
    /// AutoNAT probes.
    pub autonat: AutonatStats,
    /// Addresses in dial back-off now.
    pub addrs_backing_off: usize,
    /// Addresses that failed when dialled.
    pub dial_failures: u64,
    /// Addresses left out of a dial because they were backing off (or unusable).
    pub dials_held_back: u64,
    /// UPnP: `off`, `searching`, `mapped`, `no_gateway` or `non_routable_gateway`.
    pub upnp: String,
    /// The relay service (absent unless this node serves as a relay).
    pub relay_service: Option<RelayServiceStats>,
}

/// Relays tried at most for a peer known only by its id.
const RELAY_ROUTES: usize = 3;

/// NAT traversal state owned by the actor.
pub(crate) struct Nat {
    pub(crate) reachability: ReachabilityState,
    pub(crate) relays: Relays,
    pub(crate) paths: Paths,
    addr_backoff: Backoff<Multiaddr>,
    relay_listeners: HashMap<ListenerId, PeerId>,
    /// Relays in `relay.use`, `network.bootstrap` and `mailbox.use`, in that order.
    configured: Vec<(PeerId, Multiaddr)>,
    pub(crate) admission: Option<Arc<Mutex<RelayAdmission>>>,
    pub(crate) relayed: Arc<RelayedBytes>,
    autonat: AutonatStats,
    upnp: &'static str,
    dial_failures: u64,
    dials_held_back: u64,
}

impl Nat {
    pub(crate) fn new(config: &NodeConfig) -> Self {
        let now = now_ms();
        let me = config.identity.peer_id();
        let mut relays = Relays::new(me);
        let relay_use = super::parse_addrs(&config.settings.relay.use_nodes).unwrap_or_default();
        let mailbox_use = super::parse_addrs(&config.settings.mailbox.use_nodes).unwrap_or_default();
        let configured: Vec<(PeerId, Multiaddr)> = relay_use
            .iter()
            .chain(&config.bootstrap)
            .chain(&mailbox_use)
            .filter_map(|a| Some((super::actor::peer_of(a)?, addrs::without_peer(a))))
            .collect();
        // `relay.use` entries are relays by the owner's word; bootstrap and mailbox nodes
        // become candidates once their identify shows the hop protocol.
        for (i, (peer, addr)) in configured.iter().take(relay_use.len()).enumerate() {
            relays.add_candidate(*peer, addr.clone(), Source::Configured(i), now);
        }
        Self {
            reachability: ReachabilityState::new(
                config.reachability,
                config.dht_mode,
                &config.announce,
                !config.bootstrap.is_empty(),
                now,
            ),
            relays,
            paths: Paths::default(),
            addr_backoff: Backoff::new(ADDR_BACKOFF),
            relay_listeners: HashMap::new(),
            configured,
            admission: config
                .settings
                .relay
                .serve
                .then(|| Arc::new(Mutex::new(RelayAdmission::new(&config.settings.relay)))),
            relayed: Arc::default(),
            autonat: AutonatStats::default(),
            upnp: if config.settings.network.upnp {
                "searching"
            } else {
                "off"
            },
            dial_failures: 0,
            dials_held_back: 0,
        }
    }

    fn admission(&self) -> Option<std::sync::MutexGuard<'_, RelayAdmission>> {
        self.admission
            .as_ref()
            .map(|a| a.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Housekeeping (hourly).
    pub(crate) fn prune(&mut self, now: u64) {
        self.addr_backoff.prune(now);
        if let Some(mut admission) = self.admission() {
            admission.forget_idle(now);
        }
    }
}

/// The key an address of `peer` is backed off under (with `/p2p/<peer>`).
fn backoff_key(addr: &Multiaddr, peer: Option<PeerId>) -> Multiaddr {
    match peer {
        Some(peer) => addr.clone().with_p2p(peer).unwrap_or_else(|a| a),
        None => addr.clone(),
    }
}

fn refusal_status(status: &relay::StatusCode) -> admission::Status {
    match status {
        relay::StatusCode::ResourceLimitExceeded => admission::Status::ResourceLimitExceeded,
        relay::StatusCode::NoReservation => admission::Status::NoReservation,
        relay::StatusCode::ConnectionFailed => admission::Status::ConnectionFailed,
        _ => admission::Status::Other,
    }
}

impl Actor {
    /// Reachability now.
    pub(super) fn reachability(&self) -> Reachability {
        self.nat.reachability.reachability()
    }

    /// The NAT part of `node.status`.
    pub(super) fn nat_status(&self) -> NatStatus {
        let nat = &self.nat;
        NatStatus {
            relays: nat
                .relays
                .slots()
                .map(|(peer, state)| RelayView {
                    peer_id: peer.to_string(),
                    state: match state {
                        SlotState::Requested { .. } => "requested",
                        SlotState::Active { .. } => "active",
                    }
                    .to_owned(),
                })
                .collect(),
            relay_candidates: nat.relays.candidates(),
            reservations_accepted: nat.relays.accepted,
            reservations_failed: nat.relays.failed,
            hole_punch: nat.paths.stats().clone(),
            relayed_bytes: nat.relayed.totals(),
            autonat: nat.autonat,
            addrs_backing_off: nat.addr_backoff.waiting(now_ms()),
            dial_failures: nat.dial_failures,
            dials_held_back: nat.dials_held_back,
            upnp: nat.upnp.to_owned(),
            relay_service: nat.admission().map(|a| a.stats()),
        }
    }

    /// Hands addresses of `peer` (from a record, a mailbox reference or the config) to the
    /// swarm, leaving out unusable ones and those in back-off (an unusable one is counted
    /// as a rejection once per back-off period). Returns false when addresses were given
    /// but none may be dialled now: the caller should not dial the peer.
    pub(super) fn learn_addrs(&mut self, peer: PeerId, addrs: impl IntoIterator<Item = Multiaddr>) -> bool {
        let now = now_ms();
        let (mut given, mut usable) = (0, 0);
        for addr in addrs {
            given += 1;
            let key = backoff_key(&addr, Some(peer));
            if !self.nat.addr_backoff.allowed(&key, now) {
                self.nat.dials_held_back += 1;
                continue;
            }
            if let Err(unusable) = addrs::check_dialable(&addr, &peer) {
                self.nat.addr_backoff.failed(&key, now);
                self.reject(Some(peer), "dial", unusable.reason());
                continue;
            }
            usable += 1;
            self.swarm.add_peer_address(peer, addr);
        }
        given == 0 || usable > 0
    }

    /// Circuit addresses of `peer` through the relays it most likely holds a reservation
    /// on: ours first (nodes reserve on the same well-known relays), then the relays a
    /// private node would pick — what a public node, which holds none, can try for a
    /// private peer whose addresses it does not know. At most [`RELAY_ROUTES`].
    pub(super) fn routes_through_relays(&self, peer: PeerId) -> Vec<Multiaddr> {
        self.nat
            .relays
            .likely()
            .into_iter()
            .filter(|(relay, _)| *relay != peer)
            .take(RELAY_ROUTES)
            .map(|(relay, addr)| {
                addrs::without_peer(&addr)
                    .with(Protocol::P2p(relay))
                    .with(Protocol::P2pCircuit)
                    .with(Protocol::P2p(peer))
            })
            .collect()
    }

    /// Feeds a swarm event to the NAT state machines (before the actor's own handling).
    pub(super) fn nat_observe(&mut self, event: &SwarmEvent<BehaviourEvent>) {
        let now = now_ms();
        if let SwarmEvent::ConnectionEstablished {
            peer_id,
            connection_id,
            endpoint,
            ..
        } = event
        {
            self.nat_connection_established(*peer_id, *connection_id, endpoint, now);
        }
        let nat = &mut self.nat;
        match event {
            SwarmEvent::NewListenAddr { address, .. } => nat.reachability.on_listen_addr(address.clone(), now),
            SwarmEvent::ExpiredListenAddr { address, .. } => nat.reachability.on_listen_addr_expired(address, now),
            SwarmEvent::NewExternalAddrCandidate { address } => nat.reachability.on_candidate(address.clone(), now),
            SwarmEvent::ExternalAddrConfirmed { address } => nat.reachability.on_confirmed(address.clone(), now),
            SwarmEvent::ExternalAddrExpired { address } => nat.reachability.on_expired(address, now),
            SwarmEvent::ListenerClosed {
                listener_id, reason, ..
            } => {
                if let Some(relay) = nat.relay_listeners.remove(listener_id) {
                    if let Err(e) = reason {
                        tracing::debug!(%relay, error = %e, "relay reservation ended");
                    }
                    nat.relays.on_lost(relay, now);
                }
            }
            SwarmEvent::ConnectionClosed { connection_id, .. } => nat.paths.on_closed(connection_id, now),
            SwarmEvent::OutgoingConnectionError { peer_id, error, .. } => match error {
                DialError::Transport(errors) => {
                    nat.dial_failures += errors.len() as u64;
                    for (addr, _) in errors {
                        nat.addr_backoff.failed(&backoff_key(addr, *peer_id), now);
                    }
                }
                DialError::WrongPeerId { address, .. } => {
                    nat.dial_failures += 1;
                    nat.addr_backoff.failed(&backoff_key(address, *peer_id), now);
                }
                _ => {}
            },
            _ => {}
        }
        self.run_nat_effects();
    }

    fn nat_connection_established(&mut self, peer: PeerId, id: ConnectionId, endpoint: &ConnectedPoint, now: u64) {
        let before = self.nat.paths.best(&peer);
        let (addr, outbound) = match endpoint {
            ConnectedPoint::Dialer { address, .. } => {
                if !addrs::is_relayed(address) {
                    self.nat.addr_backoff.succeeded(&backoff_key(address, Some(peer)));
                }
                (address.clone(), true)
            }
            ConnectedPoint::Listener {
                local_addr,
                send_back_addr,
            } => {
                let punching = self.nat.paths.punching(&peer);
                self.nat
                    .reachability
                    .on_inbound(local_addr, send_back_addr, punching, now);
                let addr = if addrs::is_relayed(local_addr) {
                    local_addr.clone().with(Protocol::P2p(peer))
                } else {
                    send_back_addr.clone()
                };
                (addr, false)
            }
        };
        self.nat.paths.on_established(id, peer, addr, outbound, now);
        // Traffic moves to the direct path: a relayed connection is limited in time and
        // bytes (requests in flight on it fail and are retried on the direct one).
        for relayed in self.nat.paths.superseded(&peer) {
            self.swarm.close_connection(relayed);
        }
        let after = self.nat.paths.best(&peer);
        if after != before && !(before.is_none() && after == Some(Path::Direct)) {
            if let Some(path) = after {
                self.emit(Event::PathChanged {
                    peer_id: peer.to_string(),
                    path: path.as_str().to_owned(),
                });
            }
        }
    }

    /// Identify over connection `id` says the peer sees us at `observed`.
    pub(super) fn nat_observed(&mut self, id: &ConnectionId, observed: &Multiaddr) {
        if let Some(conn) = self.nat.paths.conn(id) {
            let (observer, outbound) = (conn.addr.clone(), conn.outbound);
            self.nat
                .reachability
                .on_observed(observed, &observer, outbound, now_ms());
            self.run_nat_effects();
        }
    }

    /// Handles the events of the NAT protocols' behaviours.
    pub(super) fn on_nat_event(&mut self, event: BehaviourEvent) {
        let now = now_ms();
        match event {
            BehaviourEvent::Autonat(autonat::v2::client::Event {
                tested_addr, result, ..
            }) => {
                if result.is_ok() {
                    self.nat.autonat.confirmed += 1;
                } else {
                    self.nat.autonat.failed += 1;
                }
                self.nat.reachability.on_probe(tested_addr, result.is_ok(), now);
            }
            BehaviourEvent::AutonatServer(autonat::v2::server::Event {
                client,
                tested_addr,
                result,
                ..
            }) => {
                if result.is_ok() {
                    self.nat.autonat.served += 1;
                }
                // The dial-back connection has done its job: it would otherwise stay open
                // until the idle timeout and take one of the client's per-peer slots.
                if let Some(id) = self.nat.paths.dialled(client, &tested_addr) {
                    self.swarm.close_connection(id);
                }
            }
            BehaviourEvent::RelayClient(relay::client::Event::ReservationReqAccepted { relay_peer_id, .. }) => {
                self.nat.relays.on_accepted(relay_peer_id, now);
            }
            BehaviourEvent::Relay(event) => self.on_relay_service_event(event),
            BehaviourEvent::Dcutr(dcutr::Event { remote_peer_id, result }) => {
                if let Err(e) = &result {
                    tracing::debug!(peer = %remote_peer_id, error = %e, "hole punch failed");
                }
                self.nat.paths.on_dcutr(remote_peer_id, result.map_err(|_| ()));
            }
            BehaviourEvent::Upnp(event) => {
                self.nat.upnp = match event {
                    upnp::Event::NewExternalAddr { .. } => "mapped",
                    upnp::Event::ExpiredExternalAddr { .. } => "searching",
                    upnp::Event::GatewayNotFound => "no_gateway",
                    upnp::Event::NonRoutableGateway => "non_routable_gateway",
                }
            }
            _ => {}
        }
        self.run_nat_effects();
    }

    fn on_relay_service_event(&mut self, event: relay::Event) {
        let Some(gate) = self.nat.admission.clone() else {
            return;
        };
        let mut admission = gate.lock().unwrap_or_else(|e| e.into_inner());
        let refused = match event {
            relay::Event::ReservationReqAccepted { src_peer_id, renewed } => {
                admission.on_reservation_accepted(src_peer_id, renewed);
                None
            }
            relay::Event::ReservationReqDenied { src_peer_id, status } => Some((
                src_peer_id,
                admission.on_refused(Kind::Reservation, src_peer_id, refusal_status(&status)),
            )),
            relay::Event::ReservationTimedOut { src_peer_id } | relay::Event::ReservationClosed { src_peer_id } => {
                admission.on_reservation_ended(&src_peer_id);
                None
            }
            relay::Event::CircuitReqAccepted {
                src_peer_id,
                dst_peer_id,
            } => {
                admission.on_circuit_accepted(src_peer_id, dst_peer_id);
                None
            }
            relay::Event::CircuitReqDenied {
                src_peer_id, status, ..
            } => Some((
                src_peer_id,
                admission.on_refused(Kind::Circuit, src_peer_id, refusal_status(&status)),
            )),
            relay::Event::CircuitClosed {
                src_peer_id,
                dst_peer_id,
                ..
            } => {
                admission.on_circuit_closed(&src_peer_id, &dst_peer_id);
                None
            }
            _ => None,
        };
        drop(admission);
        if let Some((peer, reason)) = refused {
            self.reject(Some(peer), "relay", reason);
        }
    }

    /// Identify told us `peer` serves as a relay, reachable at `listen_addrs`.
    pub(super) fn saw_relay(&mut self, peer: PeerId, listen_addrs: &[Multiaddr]) {
        let connected = self
            .nat
            .paths
            .of(peer)
            .find(|c| c.outbound && c.path == Path::Direct)
            .map(|c| addrs::without_peer(&c.addr));
        let addr = connected.or_else(|| {
            listen_addrs
                .iter()
                .find(|a| addrs::check_dialable(a, &peer).is_ok() && !addrs::is_relayed(a))
                .cloned()
        });
        let Some(addr) = addr else {
            return;
        };
        let source = match self.nat.configured.iter().position(|(p, _)| *p == peer) {
            Some(i) => Source::Configured(i),
            None => Source::Discovered,
        };
        self.nat.relays.add_candidate(peer, addr, source, now_ms());
        self.run_nat_effects();
    }

    /// When the state machines next have a timeout (ms).
    pub(super) fn nat_deadline_ms(&self) -> Option<u64> {
        let nat = &self.nat;
        [
            nat.reachability.poll_timeout(),
            nat.relays.poll_timeout(),
            nat.paths.poll_timeout(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Runs the state machines' timeouts that are due (when the actor wakes for them).
    pub(super) fn run_nat_timeouts(&mut self) {
        let now = now_ms();
        let nat = &mut self.nat;
        if nat.reachability.poll_timeout().is_some_and(|at| at <= now) {
            nat.reachability.handle_timeout(now);
        }
        if nat.relays.poll_timeout().is_some_and(|at| at <= now) {
            nat.relays.handle_timeout(now);
        }
        if nat.paths.poll_timeout().is_some_and(|at| at <= now) {
            nat.paths.handle_timeout(now);
        }
        self.run_nat_effects();
    }

    /// Executes what the state machines decided.
    fn run_nat_effects(&mut self) {
        let now = now_ms();
        while let Some(effect) = self.nat.reachability.poll_effect() {
            match effect {
                reachability::Effect::Confirm(addr) => self.swarm.add_external_address(addr),
                reachability::Effect::Unconfirm(addr) => self.swarm.remove_external_address(&addr),
                reachability::Effect::DhtServer(server) => {
                    let mode = if server { kad::Mode::Server } else { kad::Mode::Client };
                    self.swarm.behaviour_mut().kad.set_mode(Some(mode));
                }
                reachability::Effect::WantRelays(wanted) => self.nat.relays.set_wanted(wanted, now),
                reachability::Effect::Changed(reachability) => {
                    tracing::info!(reachability = reachability.as_str(), "reachability changed");
                    self.discovery.republish_soon();
                    self.emit(Event::ReachabilityChanged {
                        reachability: reachability.as_str().to_owned(),
                        external_addrs: self.swarm.external_addresses().map(|a| a.to_string()).collect(),
                    });
                }
            }
        }
        while let Some(effect) = self.nat.relays.poll_effect() {
            match effect {
                relays::Effect::Reserve { relay, addr } => {
                    let circuit = addr.with(Protocol::P2p(relay)).with(Protocol::P2pCircuit);
                    match self.swarm.listen_on(circuit.clone()) {
                        Ok(id) => {
                            self.nat.relay_listeners.insert(id, relay);
                        }
                        Err(e) => {
                            tracing::debug!(%circuit, error = %e, "cannot listen through a relay");
                            self.nat.relays.on_lost(relay, now);
                        }
                    }
                }
                relays::Effect::Release { relay } => {
                    let ids: Vec<ListenerId> = self
                        .nat
                        .relay_listeners
                        .iter()
                        .filter(|(_, r)| **r == relay)
                        .map(|(id, _)| *id)
                        .collect();
                    for id in ids {
                        self.nat.relay_listeners.remove(&id);
                        self.swarm.remove_listener(id);
                    }
                }
                relays::Effect::Changed => {
                    self.discovery.republish_soon();
                    self.emit(Event::RelaysChanged {
                        relays: self.nat.relays.active().map(|p| p.to_string()).collect(),
                    });
                }
            }
        }
        // Publications held while our addresses settled may go now.
        self.pump_puts();
    }
}
