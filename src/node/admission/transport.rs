//! [`Admission`] applied to a transport: every inbound connection is admitted, refused,
//! evicted or timed out before and while its handshake (Noise and Yamux over TCP, TLS
//! over QUIC) runs, and counted per address until it closes.
//!
//! A refused connection is closed at once: its handshake future fails with a
//! [`Refusal`] (the swarm reports it as an incoming connection error, which the node
//! counts as `net.<reason>`). An admitted one runs under a cancellation: eviction and the
//! handshake deadline end it the same way. One [`AdmissionGate`] is shared by every
//! transport of a node, so the limits hold across TCP and QUIC.

use std::future::Future;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Instant;

use futures::channel::oneshot;
use futures::future::BoxFuture;
use futures::{FutureExt, TryFutureExt};
use libp2p::core::muxing::{StreamMuxer, StreamMuxerBox, StreamMuxerEvent, SubstreamBox};
use libp2p::core::transport::{DialOpts, ListenerId, Transport, TransportError, TransportEvent};
use libp2p::multiaddr::Protocol;
use libp2p::{Multiaddr, PeerId};

use super::{Admission, Decision, InboundLimits, PendingId, Refusal};

/// What every transport of a node shares: the admission rule and a way to end each
/// admitted handshake.
struct Shared {
    admission: Admission,
    cancels: std::collections::HashMap<PendingId, oneshot::Sender<Refusal>>,
}

impl Shared {
    fn cancel(&mut self, id: PendingId, why: Refusal) {
        if let Some(cancel) = self.cancels.remove(&id) {
            let _ = cancel.send(why);
        }
    }
}

/// The admission of one node's inbound connections, shared by its transports.
#[derive(Clone)]
pub struct AdmissionGate(Arc<Mutex<Shared>>);

impl AdmissionGate {
    /// A gate applying `limits`.
    pub fn new(limits: InboundLimits) -> Self {
        Self(Arc::new(Mutex::new(Shared {
            admission: Admission::new(limits),
            cancels: Default::default(),
        })))
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        // Nothing panics while holding the lock; a poisoned one is still consistent.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `transport`, its inbound connections under this gate.
    pub fn wrap<T>(&self, transport: T) -> Gated<T> {
        Gated {
            inner: transport,
            gate: self.clone(),
            timer: None,
        }
    }

    /// Handshakes in progress now.
    pub fn pending(&self) -> usize {
        self.lock().admission.pending()
    }
}

/// The reason a failed inbound connection was turned away by admission, if it was.
pub fn refusal_of(error: &(dyn std::error::Error + 'static)) -> Option<Refusal> {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(refusal) = error.downcast_ref::<Refusal>() {
            return Some(*refusal);
        }
        current = error.source();
    }
    None
}

/// The IP address in a multiaddr, if any.
fn ip_of(addr: &Multiaddr) -> Option<IpAddr> {
    addr.iter().find_map(|p| match p {
        Protocol::Ip4(ip) => Some(IpAddr::V4(ip)),
        Protocol::Ip6(ip) => Some(IpAddr::V6(ip)),
        _ => None,
    })
}

fn to_io<E: std::error::Error + Send + Sync + 'static>(error: E) -> io::Error {
    io::Error::other(error)
}

/// A [`Refusal`] as the error of a connection: it names the refusal as its source, so
/// [`refusal_of`] finds it through every layer of the swarm's transport stack (those
/// forward `source()`, skipping the error they wrap).
#[derive(Debug)]
struct Refused(Refusal);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Refused {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

fn refused(why: Refusal) -> io::Error {
    io::Error::other(Refused(why))
}

/// A transport whose inbound connections pass an [`AdmissionGate`].
pub struct Gated<T> {
    inner: T,
    gate: AdmissionGate,
    /// Wakes the transport when the next handshake is due to time out.
    timer: Option<(Instant, Pin<Box<tokio::time::Sleep>>)>,
}

impl<T> Gated<T> {
    /// Ends the handshakes whose time is up, and arms the timer for the next deadline.
    fn expire(&mut self, cx: &mut Context<'_>) {
        loop {
            let next = {
                let mut shared = self.gate.lock();
                for id in shared.admission.handle_timeout(Instant::now()) {
                    shared.cancel(id, Refusal::HandshakeTimeout);
                }
                shared.admission.poll_timeout()
            };
            let Some(deadline) = next else {
                self.timer = None;
                return;
            };
            if self.timer.as_ref().is_none_or(|(at, _)| *at != deadline) {
                let sleep = tokio::time::sleep_until(tokio::time::Instant::from_std(deadline));
                self.timer = Some((deadline, Box::pin(sleep)));
            }
            let (_, sleep) = self.timer.as_mut().expect("just armed");
            if sleep.as_mut().poll(cx).is_pending() {
                return;
            }
        }
    }
}

impl<T> Transport for Gated<T>
where
    T: Transport<Output = (PeerId, StreamMuxerBox)> + Unpin,
    T::Error: Send + Sync + 'static,
    T::ListenerUpgrade: Send + 'static,
{
    type Output = (PeerId, StreamMuxerBox);
    type Error = io::Error;
    type ListenerUpgrade = BoxFuture<'static, Result<Self::Output, io::Error>>;
    type Dial = futures::future::MapErr<T::Dial, fn(T::Error) -> io::Error>;

    fn listen_on(&mut self, id: ListenerId, addr: Multiaddr) -> Result<(), TransportError<Self::Error>> {
        self.inner.listen_on(id, addr).map_err(|e| e.map(to_io))
    }

    fn remove_listener(&mut self, id: ListenerId) -> bool {
        self.inner.remove_listener(id)
    }

    fn dial(&mut self, addr: Multiaddr, opts: DialOpts) -> Result<Self::Dial, TransportError<Self::Error>> {
        Ok(self
            .inner
            .dial(addr, opts)
            .map_err(|e| e.map(to_io))?
            .map_err(to_io as fn(T::Error) -> io::Error))
    }

    fn poll(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<TransportEvent<Self::ListenerUpgrade, Self::Error>> {
        self.expire(cx);
        let this = &mut *self;
        let event = match Pin::new(&mut this.inner).poll(cx) {
            Poll::Ready(event) => event,
            Poll::Pending => return Poll::Pending,
        };
        let event = match event {
            TransportEvent::Incoming {
                listener_id,
                upgrade,
                local_addr,
                send_back_addr,
            } => {
                let upgrade = admit(&this.gate, ip_of(&send_back_addr), upgrade);
                this.expire(cx);
                TransportEvent::Incoming {
                    listener_id,
                    upgrade,
                    local_addr,
                    send_back_addr,
                }
            }
            other => other
                .map_upgrade(|_| -> BoxFuture<'static, _> { unreachable!("only `Incoming` carries an upgrade") })
                .map_err(to_io),
        };
        Poll::Ready(event)
    }
}

/// Decides on one inbound connection and returns the future of its handshake.
fn admit<F, E>(
    gate: &AdmissionGate,
    ip: Option<IpAddr>,
    upgrade: F,
) -> BoxFuture<'static, Result<(PeerId, StreamMuxerBox), io::Error>>
where
    F: Future<Output = Result<(PeerId, StreamMuxerBox), E>> + Send + 'static,
    E: std::error::Error + Send + Sync + 'static,
{
    // A connection without an IP address (none of our transports makes one) is not
    // limited per address.
    let Some(ip) = ip else {
        return upgrade.map_err(to_io).boxed();
    };
    let mut shared = gate.lock();
    let id = match shared.admission.incoming(ip, Instant::now()) {
        Decision::Refuse(why) => {
            drop(upgrade);
            return futures::future::ready(Err(refused(why))).boxed();
        }
        Decision::Admit { id, evicted } => {
            if let Some(evicted) = evicted {
                shared.cancel(evicted, Refusal::Evicted);
            }
            id
        }
    };
    let (cancel, cancelled) = oneshot::channel();
    shared.cancels.insert(id, cancel);
    drop(shared);
    let mut handshake = HandshakeGuard {
        gate: gate.clone(),
        id,
        ip,
        done: false,
    };
    async move {
        let upgrade = std::pin::pin!(upgrade);
        match futures::future::select(upgrade, cancelled).await {
            futures::future::Either::Left((Ok((peer, muxer)), _)) => {
                handshake.finish(true);
                let counted = CountedMuxer {
                    inner: muxer,
                    _open: OpenGuard {
                        gate: handshake.gate.clone(),
                        ip,
                    },
                };
                Ok((peer, StreamMuxerBox::new(counted)))
            }
            futures::future::Either::Left((Err(e), _)) => {
                handshake.finish(false);
                Err(to_io(e))
            }
            futures::future::Either::Right((why, _)) => {
                handshake.abandoned();
                Err(refused(why.unwrap_or(Refusal::Evicted)))
            }
        }
    }
    .boxed()
}

/// Reports the end of an admitted handshake, also when its future is dropped unfinished.
struct HandshakeGuard {
    gate: AdmissionGate,
    id: PendingId,
    ip: IpAddr,
    done: bool,
}

impl HandshakeGuard {
    fn finish(&mut self, established: bool) {
        let mut shared = self.gate.lock();
        shared.cancels.remove(&self.id);
        shared.admission.handshake_done(self.id, self.ip, established);
        self.done = true;
    }
}

impl HandshakeGuard {
    /// Admission already forgot the handshake (it evicted it or its time ran out).
    fn abandoned(&mut self) {
        self.done = true;
    }
}

impl Drop for HandshakeGuard {
    fn drop(&mut self) {
        if !self.done {
            self.finish(false);
        }
    }
}

/// Counts an established inbound connection against its address until it is dropped.
struct OpenGuard {
    gate: AdmissionGate,
    ip: IpAddr,
}

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.gate.lock().admission.closed(self.ip);
    }
}

/// A connection's multiplexer carrying its [`OpenGuard`].
struct CountedMuxer {
    inner: StreamMuxerBox,
    _open: OpenGuard,
}

impl StreamMuxer for CountedMuxer {
    type Substream = SubstreamBox;
    type Error = io::Error;

    fn poll_inbound(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<Self::Substream, Self::Error>> {
        Pin::new(&mut self.get_mut().inner).poll_inbound(cx)
    }

    fn poll_outbound(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<Self::Substream, Self::Error>> {
        Pin::new(&mut self.get_mut().inner).poll_outbound(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Pin::new(&mut self.get_mut().inner).poll_close(cx)
    }

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<StreamMuxerEvent, Self::Error>> {
        Pin::new(&mut self.get_mut().inner).poll(cx)
    }
}
