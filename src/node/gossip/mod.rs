//! Gossipsub for groups, spoken only with fellow members, and whose streams do not keep
//! a connection open.
//!
//! **Members only** (SPEC.md §7.2, §10). Gossipsub announces every topic a node subscribes
//! to to every peer it is connected to, and grafts any subscriber into its mesh: a
//! stranger connected to a member (a DHT neighbour, a bootstrap node, a relay) would
//! learn the group's topic and receive every envelope. [`Gossip`] therefore hands a
//! connection to gossipsub only while its peer is a current member of one of our groups
//! (the set the node gives [`Gossip::set_members`] from the signed membership logs), and
//! shuts out a member that subscribes to a topic of a group it is not in. The rule itself
//! is [`gate`]; [`handler`] is the per-connection side.
//!
//! **Streams do not keep connections open.** libp2p's gossipsub holds one stream open to
//! every peer it speaks with for as long as the connection lives, and the swarm keeps a
//! connection open while any stream is (rust-libp2p issue #5190): every peer Kademlia
//! had ever queried stayed connected, and a test net of 150 nodes filled all 20,000
//! descriptors of its process within a minute. Gossipsub's streams are handed to it
//! marked `ignore_for_keep_alive`; what keeps a connection open is then a stream of
//! another protocol in use, or gossipsub's own rule (the peer is in one of our meshes).
//! Each stream's 16 KiB of codec buffers also start empty and grow to what the messages
//! need.

mod gate;
mod handler;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet, VecDeque};
use std::ops::{Deref, DerefMut};
use std::task::{Context, Poll};

use libp2p::core::transport::PortUse;
use libp2p::core::{ConnectedPoint, Endpoint};
use libp2p::gossipsub::{self, TopicHash};
use libp2p::swarm::behaviour::{ConnectionClosed, ConnectionEstablished};
use libp2p::swarm::{
    ConnectionDenied, ConnectionId, FromSwarm, NetworkBehaviour, NotifyHandler, THandler, THandlerInEvent,
    THandlerOutEvent, ToSwarm,
};
use libp2p::{Multiaddr, PeerId};

use gate::{Effect, Gate};
pub use handler::{GateIn, Handler};

/// What [`Gossip`] reports.
#[derive(Debug)]
pub enum Event {
    /// An event of gossipsub itself.
    Gossipsub(gossipsub::Event),
    /// A member subscribed to a topic of a group it is not in and was shut out of gossip.
    ShutOut {
        /// The peer.
        peer_id: PeerId,
    },
}

/// Gossipsub gated by group membership, its streams left out of the connection
/// keep-alive. Dereferences to the wrapped [`gossipsub::Behaviour`] for publishing,
/// subscribing and scoring.
pub struct Gossip {
    inner: gossipsub::Behaviour,
    gate: Gate,
    events: VecDeque<ToSwarm<Event, GateIn>>,
}

impl Gossip {
    /// Wraps `behaviour`. Until [`Gossip::set_members`] is called, nobody is a member.
    pub fn new(behaviour: gossipsub::Behaviour) -> Self {
        Self {
            inner: behaviour,
            gate: Gate::default(),
            events: VecDeque::new(),
        }
    }

    /// Sets who speaks gossipsub with us: `members` (current members of our groups) and,
    /// per topic we subscribe to, the members of its epoch. Connections are activated and
    /// deactivated to match; members subscribed to a topic they are not entitled to are
    /// shut out.
    pub fn set_members(&mut self, members: HashSet<PeerId>, entitled: HashMap<TopicHash, HashSet<PeerId>>) {
        let effects = self.gate.set_members(members, entitled);
        self.apply(effects);
        for peer in self.gate.active_peers() {
            self.enforce_topics(peer);
        }
    }

    /// Whether `peer` speaks gossipsub with us now.
    pub fn is_gossiping_with(&self, peer: &PeerId) -> bool {
        self.gate.active_count(peer) > 0
    }

    /// Shuts `peer` out if gossipsub lists it subscribed to one of our topics that it is
    /// not entitled to.
    fn enforce_topics(&mut self, peer: PeerId) {
        let trespasses = self
            .inner
            .all_peers()
            .find(|(p, _)| **p == peer)
            .is_some_and(|(_, topics)| topics.into_iter().any(|t| !self.gate.entitled(&peer, t)));
        if trespasses {
            tracing::debug!(%peer, "a member subscribed to another group's topic: shut out of gossip");
            let effects = self.gate.shut_out(peer);
            self.apply(effects);
            self.events
                .push_back(ToSwarm::GenerateEvent(Event::ShutOut { peer_id: peer }));
        }
    }

    /// Carries out the gate's effects on gossipsub and the connections' handlers.
    fn apply(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Activate { id, others } => self.activate(id, others),
                Effect::Deactivate { id, remaining } => self.deactivate(id, remaining),
            }
        }
    }

    /// Gives gossipsub a connection it did not know: a handler of its own, then the
    /// connection's establishment beside `others` it knows (with none, it greets the peer).
    fn activate(&mut self, id: ConnectionId, others: usize) {
        let Some(conn) = self.gate.connection(&id).cloned() else {
            return;
        };
        let handler = match &conn.endpoint {
            ConnectedPoint::Listener {
                local_addr,
                send_back_addr,
            } => self
                .inner
                .handle_established_inbound_connection(id, conn.peer, local_addr, send_back_addr),
            ConnectedPoint::Dialer {
                address,
                role_override,
                port_use,
            } => self
                .inner
                .handle_established_outbound_connection(id, conn.peer, address, *role_override, *port_use),
        };
        let Ok(handler) = handler else {
            return;
        };
        self.inner
            .on_swarm_event(FromSwarm::ConnectionEstablished(ConnectionEstablished {
                peer_id: conn.peer,
                connection_id: id,
                endpoint: &conn.endpoint,
                failed_addresses: &[],
                other_established: others,
            }));
        self.events.push_back(ToSwarm::NotifyHandler {
            peer_id: conn.peer,
            handler: NotifyHandler::One(id),
            event: GateIn::Activate(Box::new(handler)),
        });
    }

    /// Takes a connection away from gossipsub as if it had closed, leaving `remaining`
    /// it knows, and stops its handler.
    fn deactivate(&mut self, id: ConnectionId, remaining: usize) {
        let Some(conn) = self.gate.connection(&id).cloned() else {
            return;
        };
        self.inner.on_swarm_event(FromSwarm::ConnectionClosed(ConnectionClosed {
            peer_id: conn.peer,
            connection_id: id,
            endpoint: &conn.endpoint,
            cause: None,
            remaining_established: remaining,
        }));
        self.events.push_back(ToSwarm::NotifyHandler {
            peer_id: conn.peer,
            handler: NotifyHandler::One(id),
            event: GateIn::Deactivate,
        });
    }

    /// The handler for a new connection: gossipsub's own if the peer is a member.
    fn new_handler(
        &mut self,
        peer: PeerId,
        make: impl FnOnce(&mut gossipsub::Behaviour) -> Result<handler::InnerHandler, ConnectionDenied>,
    ) -> Result<Handler, ConnectionDenied> {
        if self.gate.admits(&peer) {
            make(&mut self.inner).map(Handler::active)
        } else {
            Ok(Handler::dormant())
        }
    }
}

impl Deref for Gossip {
    type Target = gossipsub::Behaviour;

    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

impl DerefMut for Gossip {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.inner
    }
}

impl NetworkBehaviour for Gossip {
    type ConnectionHandler = Handler;
    type ToSwarm = Event;

    fn handle_pending_inbound_connection(
        &mut self,
        connection_id: ConnectionId,
        local_addr: &Multiaddr,
        remote_addr: &Multiaddr,
    ) -> Result<(), ConnectionDenied> {
        self.inner
            .handle_pending_inbound_connection(connection_id, local_addr, remote_addr)
    }

    fn handle_established_inbound_connection(
        &mut self,
        connection_id: ConnectionId,
        peer: PeerId,
        local_addr: &Multiaddr,
        remote_addr: &Multiaddr,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        self.new_handler(peer, |inner| {
            inner.handle_established_inbound_connection(connection_id, peer, local_addr, remote_addr)
        })
    }

    fn handle_pending_outbound_connection(
        &mut self,
        connection_id: ConnectionId,
        maybe_peer: Option<PeerId>,
        addresses: &[Multiaddr],
        effective_role: Endpoint,
    ) -> Result<Vec<Multiaddr>, ConnectionDenied> {
        self.inner
            .handle_pending_outbound_connection(connection_id, maybe_peer, addresses, effective_role)
    }

    fn handle_established_outbound_connection(
        &mut self,
        connection_id: ConnectionId,
        peer: PeerId,
        addr: &Multiaddr,
        role_override: Endpoint,
        port_use: PortUse,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        self.new_handler(peer, |inner| {
            inner.handle_established_outbound_connection(connection_id, peer, addr, role_override, port_use)
        })
    }

    fn on_swarm_event(&mut self, event: FromSwarm) {
        match event {
            // Gossipsub hears only of connections it has a handler on, and counts only those.
            FromSwarm::ConnectionEstablished(e) => {
                if self.gate.established(e.connection_id, e.peer_id, e.endpoint.clone()) {
                    self.inner
                        .on_swarm_event(FromSwarm::ConnectionEstablished(ConnectionEstablished {
                            other_established: self.gate.active_count(&e.peer_id) - 1,
                            ..e
                        }));
                }
            }
            FromSwarm::ConnectionClosed(e) => {
                if self.gate.closed(&e.connection_id).is_some() {
                    self.inner.on_swarm_event(FromSwarm::ConnectionClosed(ConnectionClosed {
                        remaining_established: self.gate.active_count(&e.peer_id),
                        ..e
                    }));
                }
            }
            FromSwarm::AddressChange(e) => {
                if self.gate.is_active(&e.connection_id) {
                    self.inner.on_swarm_event(event);
                }
            }
            other => self.inner.on_swarm_event(other),
        }
    }

    fn on_connection_handler_event(
        &mut self,
        peer_id: PeerId,
        connection_id: ConnectionId,
        event: THandlerOutEvent<Self>,
    ) {
        // An event a handler sent before it was stopped: gossipsub no longer knows it.
        if !self.gate.is_active(&connection_id) {
            return;
        }
        self.inner.on_connection_handler_event(peer_id, connection_id, event);
        // Checked at once, before anything else can be sent to the peer.
        self.enforce_topics(peer_id);
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<ToSwarm<Self::ToSwarm, THandlerInEvent<Self>>> {
        if let Some(event) = self.events.pop_front() {
            return Poll::Ready(event);
        }
        self.inner
            .poll(cx)
            .map(|event| event.map_out(Event::Gossipsub).map_in(GateIn::Inner))
    }
}
