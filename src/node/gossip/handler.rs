//! The connection handler of [`super::Gossip`]: gossipsub's own handler while the
//! connection is active, nothing at all while it is dormant.
//!
//! - **Dormant**: inbound gossipsub streams are refused (the protocol is not offered), no
//!   stream is opened, nothing is read or written.
//! - **Active**: gossipsub's handler, created by the behaviour when the peer became a
//!   fellow member, with its streams marked as not keeping the connection alive and their
//!   codec buffers starting empty (see the module docs of [`super`]).
//!
//! The two ends of a connection learn of a new membership at different moments: the
//! first to activate opens its stream while the other still refuses it. Gossipsub would
//! take that refusal as "this peer does not speak gossipsub" and disable itself for the
//! life of the connection. The refused request is instead *parked*, hidden from
//! gossipsub, and made again as soon as the other end opens its own gossipsub stream to
//! us (which it does as soon as it activates: it always has a greeting to send) — at
//! once if it already did while the request was on its way — and otherwise every
//! [`PARKED_RETRY`].

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use asynchronous_codec::Framed;
use bytes::BytesMut;
use futures::future::Either;
use libp2p::core::upgrade::DeniedUpgrade;
use libp2p::gossipsub;
use libp2p::swarm::handler::{
    ConnectionEvent, DialUpgradeError, FullyNegotiatedInbound, FullyNegotiatedOutbound, StreamUpgradeError,
};
use libp2p::swarm::{ConnectionHandler, ConnectionHandlerEvent, NetworkBehaviour, SubstreamProtocol};

/// How long a refused request waits before it is made again, if the other end gives no
/// sign of activating first.
const PARKED_RETRY: Duration = Duration::from_secs(30);

/// Gossipsub's own connection handler.
pub(crate) type InnerHandler = <gossipsub::Behaviour as NetworkBehaviour>::ConnectionHandler;
type InnerIn = <InnerHandler as ConnectionHandler>::FromBehaviour;
type OutboundProtocol = <InnerHandler as ConnectionHandler>::OutboundProtocol;

/// What the behaviour tells a connection's handler.
pub enum GateIn {
    /// Start gossip with this handler (made by gossipsub for this connection).
    Activate(Box<InnerHandler>),
    /// Stop gossip: drop the handler and its streams.
    Deactivate,
    /// A message from gossipsub to its handler.
    Inner(InnerIn),
}

impl std::fmt::Debug for GateIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GateIn::Activate(_) => f.write_str("Activate"),
            GateIn::Deactivate => f.write_str("Deactivate"),
            GateIn::Inner(e) => f.debug_tuple("Inner").field(e).finish(),
        }
    }
}

/// The handler of one connection (see the module docs).
pub struct Handler {
    inner: Option<InnerHandler>,
    /// Outbound stream requests made and not answered yet.
    in_flight: usize,
    /// Of those, requests of a handler since dropped: their answers are discarded.
    stale: usize,
    /// The active handler's last outbound request, to make again if it is refused.
    last_request: Option<SubstreamProtocol<OutboundProtocol>>,
    /// A request the other end refused, waiting for it to open a stream of its own.
    parked: Option<SubstreamProtocol<OutboundProtocol>>,
    /// When the parked request is made again anyway.
    parked_until: Option<Pin<Box<tokio::time::Sleep>>>,
    /// The other end opened a stream since our last request was made.
    inbound_since_request: bool,
    /// Make the parked request again now.
    retry_parked: bool,
    waker: Option<Waker>,
}

impl Handler {
    /// A handler that carries no gossip until activated.
    pub(crate) fn dormant() -> Self {
        Self {
            inner: None,
            in_flight: 0,
            stale: 0,
            last_request: None,
            parked: None,
            parked_until: None,
            inbound_since_request: false,
            retry_parked: false,
            waker: None,
        }
    }

    /// A handler that carries gossip from the start.
    pub(crate) fn active(inner: InnerHandler) -> Self {
        Self {
            inner: Some(inner),
            ..Self::dormant()
        }
    }

    fn wake(&mut self) {
        if let Some(waker) = self.waker.take() {
            waker.wake();
        }
    }

    /// Drops the active handler (if any): its pending requests become stale.
    fn stop(&mut self) {
        self.inner = None;
        self.stale = self.in_flight;
        self.last_request = None;
        self.parked = None;
        self.parked_until = None;
        self.retry_parked = false;
    }

    /// Makes an outbound request (gossipsub's own, or a parked one again).
    fn request(
        &mut self,
        protocol: SubstreamProtocol<OutboundProtocol>,
    ) -> ConnectionHandlerEvent<OutboundProtocol, (), <Self as ConnectionHandler>::ToBehaviour> {
        self.in_flight += 1;
        self.inbound_since_request = false;
        self.last_request = Some(protocol.clone());
        ConnectionHandlerEvent::OutboundSubstreamRequest { protocol }
    }
}

impl ConnectionHandler for Handler {
    type FromBehaviour = GateIn;
    type ToBehaviour = <InnerHandler as ConnectionHandler>::ToBehaviour;
    type InboundProtocol = <InnerHandler as ConnectionHandler>::InboundProtocol;
    type OutboundProtocol = OutboundProtocol;
    type InboundOpenInfo = ();
    type OutboundOpenInfo = ();

    fn listen_protocol(&self) -> SubstreamProtocol<Self::InboundProtocol> {
        match &self.inner {
            Some(inner) => inner.listen_protocol(),
            None => SubstreamProtocol::new(either::Either::Right(DeniedUpgrade), ()),
        }
    }

    fn connection_keep_alive(&self) -> bool {
        self.inner.as_ref().is_some_and(|h| h.connection_keep_alive())
    }

    fn poll(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<ConnectionHandlerEvent<Self::OutboundProtocol, (), Self::ToBehaviour>> {
        let Some(inner) = self.inner.as_mut() else {
            self.waker = Some(cx.waker().clone());
            return Poll::Pending;
        };
        if self
            .parked_until
            .as_mut()
            .is_some_and(|until| until.as_mut().poll(cx).is_ready())
        {
            self.retry_parked = true;
        }
        if std::mem::take(&mut self.retry_parked) {
            self.parked_until = None;
            if let Some(protocol) = self.parked.take() {
                return Poll::Ready(self.request(protocol));
            }
        }
        match inner.poll(cx) {
            Poll::Ready(ConnectionHandlerEvent::OutboundSubstreamRequest { protocol }) => {
                Poll::Ready(self.request(protocol))
            }
            other => {
                self.waker = Some(cx.waker().clone());
                other
            }
        }
    }

    fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<Option<Self::ToBehaviour>> {
        match self.inner.as_mut() {
            Some(inner) => inner.poll_close(cx),
            None => Poll::Ready(None),
        }
    }

    fn on_behaviour_event(&mut self, event: GateIn) {
        match event {
            GateIn::Activate(inner) => {
                self.stop();
                self.inner = Some(*inner);
                self.wake();
            }
            GateIn::Deactivate => self.stop(),
            GateIn::Inner(event) => {
                if let Some(inner) = self.inner.as_mut() {
                    inner.on_behaviour_event(event);
                }
            }
        }
    }

    fn on_connection_event(&mut self, event: ConnectionEvent<Self::InboundProtocol, Self::OutboundProtocol, (), ()>) {
        if matches!(
            event,
            ConnectionEvent::FullyNegotiatedOutbound(_) | ConnectionEvent::DialUpgradeError(_)
        ) {
            self.in_flight = self.in_flight.saturating_sub(1);
            if self.stale > 0 {
                self.stale -= 1;
                return;
            }
        }
        let Some(inner) = self.inner.as_mut() else {
            return;
        };
        let event = match event {
            ConnectionEvent::FullyNegotiatedInbound(FullyNegotiatedInbound {
                protocol: Either::Left((stream, kind)),
                info,
            }) => {
                self.inbound_since_request = true;
                if self.parked.is_some() {
                    self.retry_parked = true;
                    if let Some(waker) = self.waker.take() {
                        waker.wake();
                    }
                }
                ConnectionEvent::FullyNegotiatedInbound(FullyNegotiatedInbound {
                    protocol: Either::Left((lightweight(stream), kind)),
                    info,
                })
            }
            ConnectionEvent::FullyNegotiatedOutbound(FullyNegotiatedOutbound {
                protocol: (stream, kind),
                info,
            }) => {
                self.last_request = None;
                ConnectionEvent::FullyNegotiatedOutbound(FullyNegotiatedOutbound {
                    protocol: (lightweight(stream), kind),
                    info,
                })
            }
            ConnectionEvent::DialUpgradeError(DialUpgradeError {
                error: StreamUpgradeError::NegotiationFailed,
                ..
            }) if self.last_request.is_some() => {
                // Not a member yet in the other end's eyes: ask again when it opens up (at
                // once if it already did while our request was on its way).
                self.parked = self.last_request.take();
                self.retry_parked = self.inbound_since_request;
                self.parked_until = Some(Box::pin(tokio::time::sleep(PARKED_RETRY)));
                self.wake();
                return;
            }
            other => other,
        };
        inner.on_connection_event(event)
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
