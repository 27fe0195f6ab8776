//! Gossipsub whose streams do not keep a connection open.
//!
//! libp2p's gossipsub opens a stream to every peer it connects to (since 0.50 it greets
//! each one with an `Extensions` message) and holds it for as long as the connection
//! lives. The swarm keeps a connection open while any stream is, so no connection ever
//! reached its idle timeout (rust-libp2p issue #5190): every peer Kademlia had ever
//! queried stayed connected, and a test net of 150 nodes filled all 20,000 descriptors of
//! its process within a minute. [`Gossip`] hands gossipsub's streams to it marked
//! `ignore_for_keep_alive`. What keeps a connection open is then what should: a stream
//! of another protocol in use, or gossipsub's own rule (the peer is in one of our
//! meshes, so a group's message paths stay up while it is quiet).
//!
//! The same streams also cost memory on every connection, group peer or not: each comes
//! with 16 KiB of codec buffers allocated up front, about a third of what a connection
//! costs a node. [`Gossip`] starts them empty; they grow to what the messages need.

use std::ops::{Deref, DerefMut};
use std::task::{Context, Poll};

use asynchronous_codec::Framed;
use bytes::BytesMut;
use futures::future::Either;
use libp2p::core::transport::PortUse;
use libp2p::core::Endpoint;
use libp2p::gossipsub;
use libp2p::swarm::handler::{ConnectionEvent, FullyNegotiatedInbound, FullyNegotiatedOutbound};
use libp2p::swarm::{
    ConnectionDenied, ConnectionHandler, ConnectionHandlerEvent, ConnectionId, FromSwarm, NetworkBehaviour,
    SubstreamProtocol, THandler, THandlerInEvent, THandlerOutEvent, ToSwarm,
};
use libp2p::{Multiaddr, PeerId};

type InnerHandler = <gossipsub::Behaviour as NetworkBehaviour>::ConnectionHandler;

/// Gossipsub, with its streams left out of the connection keep-alive. Dereferences to the
/// wrapped [`gossipsub::Behaviour`] for publishing, subscribing and scoring.
pub struct Gossip(gossipsub::Behaviour);

impl Gossip {
    /// Wraps `behaviour`.
    pub fn new(behaviour: gossipsub::Behaviour) -> Self {
        Self(behaviour)
    }
}

impl Deref for Gossip {
    type Target = gossipsub::Behaviour;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl DerefMut for Gossip {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl NetworkBehaviour for Gossip {
    type ConnectionHandler = Handler;
    type ToSwarm = gossipsub::Event;

    fn handle_pending_inbound_connection(
        &mut self,
        connection_id: ConnectionId,
        local_addr: &Multiaddr,
        remote_addr: &Multiaddr,
    ) -> Result<(), ConnectionDenied> {
        self.0
            .handle_pending_inbound_connection(connection_id, local_addr, remote_addr)
    }

    fn handle_established_inbound_connection(
        &mut self,
        connection_id: ConnectionId,
        peer: PeerId,
        local_addr: &Multiaddr,
        remote_addr: &Multiaddr,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        self.0
            .handle_established_inbound_connection(connection_id, peer, local_addr, remote_addr)
            .map(Handler)
    }

    fn handle_pending_outbound_connection(
        &mut self,
        connection_id: ConnectionId,
        maybe_peer: Option<PeerId>,
        addresses: &[Multiaddr],
        effective_role: Endpoint,
    ) -> Result<Vec<Multiaddr>, ConnectionDenied> {
        self.0
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
        self.0
            .handle_established_outbound_connection(connection_id, peer, addr, role_override, port_use)
            .map(Handler)
    }

    fn on_swarm_event(&mut self, event: FromSwarm) {
        self.0.on_swarm_event(event)
    }

    fn on_connection_handler_event(
        &mut self,
        peer_id: PeerId,
        connection_id: ConnectionId,
        event: THandlerOutEvent<Self>,
    ) {
        self.0.on_connection_handler_event(peer_id, connection_id, event)
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<ToSwarm<Self::ToSwarm, THandlerInEvent<Self>>> {
        self.0.poll(cx)
    }
}

/// Gossipsub's connection handler, handing it each stream marked as not keeping the
/// connection alive, with empty buffers.
pub struct Handler(InnerHandler);

impl ConnectionHandler for Handler {
    type FromBehaviour = <InnerHandler as ConnectionHandler>::FromBehaviour;
    type ToBehaviour = <InnerHandler as ConnectionHandler>::ToBehaviour;
    type InboundProtocol = <InnerHandler as ConnectionHandler>::InboundProtocol;
    type OutboundProtocol = <InnerHandler as ConnectionHandler>::OutboundProtocol;
    type InboundOpenInfo = <InnerHandler as ConnectionHandler>::InboundOpenInfo;
    type OutboundOpenInfo = <InnerHandler as ConnectionHandler>::OutboundOpenInfo;

    fn listen_protocol(&self) -> SubstreamProtocol<Self::InboundProtocol, Self::InboundOpenInfo> {
        self.0.listen_protocol()
    }

    fn connection_keep_alive(&self) -> bool {
        self.0.connection_keep_alive()
    }

    fn poll(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<ConnectionHandlerEvent<Self::OutboundProtocol, Self::OutboundOpenInfo, Self::ToBehaviour>> {
        self.0.poll(cx)
    }

    fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<Option<Self::ToBehaviour>> {
        self.0.poll_close(cx)
    }

    fn on_behaviour_event(&mut self, event: Self::FromBehaviour) {
        self.0.on_behaviour_event(event)
    }

    fn on_connection_event(
        &mut self,
        event: ConnectionEvent<
            Self::InboundProtocol,
            Self::OutboundProtocol,
            Self::InboundOpenInfo,
            Self::OutboundOpenInfo,
        >,
    ) {
        let event = match event {
            ConnectionEvent::FullyNegotiatedInbound(FullyNegotiatedInbound {
                protocol: Either::Left((stream, kind)),
                info,
            }) => ConnectionEvent::FullyNegotiatedInbound(FullyNegotiatedInbound {
                protocol: Either::Left((lightweight(stream), kind)),
                info,
            }),
            ConnectionEvent::FullyNegotiatedOutbound(FullyNegotiatedOutbound {
                protocol: (stream, kind),
                info,
            }) => ConnectionEvent::FullyNegotiatedOutbound(FullyNegotiatedOutbound {
                protocol: (lightweight(stream), kind),
                info,
            }),
            other => other,
        };
        self.0.on_connection_event(event)
    }
}

/// A gossipsub stream that does not keep its connection alive, its codec buffers emptied
/// (nothing has been read or written yet when it is handed over).
fn lightweight<C>(framed: Framed<libp2p::Stream, C>) -> Framed<libp2p::Stream, C>
where
    C: asynchronous_codec::Decoder + asynchronous_codec::Encoder,
{
    let mut parts = framed.into_parts();
    parts.io.ignore_for_keep_alive();
    if parts.read_buffer.is_empty() {
        parts.read_buffer = BytesMut::new();
    }
    if parts.write_buffer.is_empty() {
        parts.write_buffer = BytesMut::new();
    }
    Framed::from_parts(parts)
}
