//! The relay's clients in `relay-load`: bare libp2p swarms (TCP, Noise, Yamux, the circuit
//! relay v2 client transport, and an echo protocol on request-response with chingu's
//! length-prefixed frames), each run by its own task and driven by [`Order`]s. A client
//! reserves on the relay by listening on `<relay>/p2p-circuit`, opens a circuit by dialing
//! `<relay>/p2p-circuit/p2p/<target>`, and streams bytes both ways as chunks it sends and
//! the other end echoes.

use std::collections::HashMap;
use std::time::Duration;

use futures::StreamExt;
use libp2p::core::transport::ListenerId;
use libp2p::multiaddr::Protocol;
use libp2p::request_response::{self, OutboundRequestId, ProtocolSupport};
use libp2p::swarm::dial_opts::DialOpts;
use libp2p::swarm::{ConnectionId, NetworkBehaviour, SwarmEvent};
use libp2p::{noise, relay, tcp, yamux, Multiaddr, PeerId, StreamProtocol, Swarm};
use tokio::sync::{mpsc, oneshot};

use crate::node::codec::FrameCodec;

/// The echo protocol.
const ECHO_PROTOCOL: &str = "/chingu-relay-load/echo/1";
/// Bytes per request (and per echoed response), well under the frame limit.
pub const CHUNK: usize = 32 * 1024;
/// Requests in flight per transfer.
const WINDOW: usize = 4;

#[derive(NetworkBehaviour)]
struct ClientBehaviour {
    relay: relay::client::Behaviour,
    echo: request_response::Behaviour<FrameCodec>,
}

/// How a transfer through a circuit ended.
#[derive(Debug, Clone, Default)]
pub struct Transfer {
    /// Payload bytes sent and echoed back (counted when the echo arrived).
    pub sent: u64,
    /// Payload bytes received (the echoes).
    pub received: u64,
    /// Why it stopped before all bytes went through: the circuit was closed under it.
    pub cut: Option<String>,
}

/// What the harness asks of a client's task.
enum Order {
    /// Reserve on the relay: listen on this `/p2p-circuit` address.
    Reserve(Multiaddr, oneshot::Sender<Result<(), String>>),
    /// Open a circuit: dial this peer at this circuit address.
    Connect(PeerId, Multiaddr, oneshot::Sender<Result<(), String>>),
    /// Send this many bytes to this peer (and receive as many back).
    Stream(PeerId, u64, oneshot::Sender<Transfer>),
}

/// A transfer in progress.
struct Streaming {
    peer: PeerId,
    to_send: u64,
    in_flight: HashMap<OutboundRequestId, usize>,
    done: Transfer,
    reply: oneshot::Sender<Transfer>,
}

/// A running client.
pub struct Client {
    /// Its peer id.
    pub peer_id: PeerId,
    orders: mpsc::UnboundedSender<Order>,
}

fn swarm() -> Result<Swarm<ClientBehaviour>, String> {
    Ok(libp2p::SwarmBuilder::with_new_identity()
        .with_tokio()
        .with_tcp(
            tcp::Config::default().nodelay(true),
            noise::Config::new,
            yamux::Config::default,
        )
        .map_err(|e| e.to_string())?
        .with_relay_client(noise::Config::new, yamux::Config::default)
        .map_err(|e| e.to_string())?
        .with_behaviour(|_, relay| ClientBehaviour {
            relay,
            echo: request_response::Behaviour::with_codec(
                FrameCodec,
                [(StreamProtocol::new(ECHO_PROTOCOL), ProtocolSupport::Full)],
                request_response::Config::default().with_request_timeout(Duration::from_secs(60)),
            ),
        })
        .map_err(|e| e.to_string())?
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(600)))
        .build())
}

impl Client {
    /// Starts a client.
    pub fn start() -> Result<Self, String> {
        let swarm = swarm()?;
        let peer_id = *swarm.local_peer_id();
        let (orders, rx) = mpsc::unbounded_channel();
        tokio::spawn(drive(swarm, rx));
        Ok(Self { peer_id, orders })
    }

    /// Asks `relay` (its address with `/p2p/`) for a reservation; `Err` says why not.
    pub async fn reserve(&self, relay: &Multiaddr) -> Result<(), String> {
        let (tx, rx) = oneshot::channel();
        self.order(Order::Reserve(relay.clone().with(Protocol::P2pCircuit), tx));
        rx.await.unwrap_or_else(|_| Err("the client stopped".into()))
    }

    /// Opens a circuit to `target` through `relay` (its address with `/p2p/`).
    pub async fn connect(&self, relay: &Multiaddr, target: PeerId) -> Result<(), String> {
        let addr = relay.clone().with(Protocol::P2pCircuit).with(Protocol::P2p(target));
        let (tx, rx) = oneshot::channel();
        self.order(Order::Connect(target, addr, tx));
        rx.await.unwrap_or_else(|_| Err("the client stopped".into()))
    }

    /// Sends `bytes` to `target` over the open connection and waits for them to come back.
    pub async fn stream(&self, target: PeerId, bytes: u64) -> Transfer {
        let (tx, rx) = oneshot::channel();
        self.order(Order::Stream(target, bytes, tx));
        rx.await.unwrap_or_else(|_| Transfer {
            cut: Some("the client stopped".into()),
            ..Transfer::default()
        })
    }

    fn order(&self, order: Order) {
        // A stopped task drops the order's reply, which the caller sees.
        let _ = self.orders.send(order);
    }
}

/// The client's task: serves orders, echoes requests, until the [`Client`] is dropped.
async fn drive(mut swarm: Swarm<ClientBehaviour>, mut orders: mpsc::UnboundedReceiver<Order>) {
    let mut reserving: HashMap<ListenerId, oneshot::Sender<Result<(), String>>> = HashMap::new();
    let mut connecting: HashMap<ConnectionId, oneshot::Sender<Result<(), String>>> = HashMap::new();
    let mut streaming: Option<Streaming> = None;
    loop {
        tokio::select! {
            order = orders.recv() => match order {
                None => return,
                Some(Order::Reserve(addr, reply)) => match swarm.listen_on(addr) {
                    Ok(id) => {
                        reserving.insert(id, reply);
                    }
                    Err(e) => {
                        let _ = reply.send(Err(e.to_string()));
                    }
                },
                Some(Order::Connect(peer, addr, reply)) => {
                    let opts = DialOpts::peer_id(peer).addresses(vec![addr]).build();
                    let id = opts.connection_id();
                    match swarm.dial(opts) {
                        Ok(()) => {
                            connecting.insert(id, reply);
                        }
                        Err(e) => {
                            let _ = reply.send(Err(e.to_string()));
                        }
                    }
                }
                Some(Order::Stream(peer, bytes, reply)) => {
                    let mut transfer = Streaming {
                        peer,
                        to_send: bytes,
                        in_flight: HashMap::new(),
                        done: Transfer::default(),
                        reply,
                    };
                    fill(&mut swarm, &mut transfer);
                    streaming = finish_if_done(transfer);
                }
            },
            event = swarm.select_next_some() => match event {
                SwarmEvent::NewListenAddr { listener_id, .. } => {
                    if let Some(reply) = reserving.remove(&listener_id) {
                        let _ = reply.send(Ok(()));
                    }
                }
                SwarmEvent::ListenerClosed { listener_id, reason, .. } => {
                    if let Some(reply) = reserving.remove(&listener_id) {
                        let _ = reply.send(Err(match reason {
                            Ok(()) => "listener closed".to_owned(),
                            Err(e) => format!("{e:?}"),
                        }));
                    }
                }
                SwarmEvent::ConnectionEstablished { connection_id, .. } => {
                    if let Some(reply) = connecting.remove(&connection_id) {
                        let _ = reply.send(Ok(()));
                    }
                }
                SwarmEvent::OutgoingConnectionError { connection_id, error, .. } => {
                    if let Some(reply) = connecting.remove(&connection_id) {
                        let _ = reply.send(Err(format!("{error:?}")));
                    }
                }
                SwarmEvent::Behaviour(ClientBehaviourEvent::Echo(event)) => {
                    streaming = on_echo(&mut swarm, streaming, event);
                }
                _ => {}
            },
        }
    }
}

/// Handles an event of the echo protocol: answers requests, and moves the transfer on.
fn on_echo(
    swarm: &mut Swarm<ClientBehaviour>,
    streaming: Option<Streaming>,
    event: request_response::Event<Vec<u8>, Vec<u8>>,
) -> Option<Streaming> {
    let mut transfer = match event {
        request_response::Event::Message {
            message: request_response::Message::Request { request, channel, .. },
            ..
        } => {
            let _ = swarm.behaviour_mut().echo.send_response(channel, request);
            return streaming;
        }
        request_response::Event::Message {
            message: request_response::Message::Response { request_id, response },
            ..
        } => {
            let mut transfer = streaming?;
            if let Some(len) = transfer.in_flight.remove(&request_id) {
                transfer.done.sent += len as u64;
                transfer.done.received += response.len() as u64;
            }
            transfer
        }
        request_response::Event::OutboundFailure { request_id, error, .. } => {
            let mut transfer = streaming?;
            if transfer.in_flight.remove(&request_id).is_some() {
                transfer.done.cut.get_or_insert_with(|| error.to_string());
                transfer.to_send = 0;
            }
            transfer
        }
        _ => return streaming,
    };
    fill(swarm, &mut transfer);
    finish_if_done(transfer)
}

/// Sends chunks until the window is full or nothing is left, but only over the connection
/// open now: a closed circuit ends the transfer rather than being dialled again.
fn fill(swarm: &mut Swarm<ClientBehaviour>, transfer: &mut Streaming) {
    if transfer.to_send > 0 && !swarm.is_connected(&transfer.peer) {
        transfer.done.cut.get_or_insert_with(|| "connection closed".into());
        transfer.to_send = 0;
    }
    while transfer.in_flight.len() < WINDOW && transfer.to_send > 0 {
        let len = transfer.to_send.min(CHUNK as u64) as usize;
        let id = swarm.behaviour_mut().echo.send_request(&transfer.peer, vec![0x5a; len]);
        transfer.in_flight.insert(id, len);
        transfer.to_send -= len as u64;
    }
}

/// Answers the transfer once nothing is in flight or left to send.
fn finish_if_done(transfer: Streaming) -> Option<Streaming> {
    if transfer.in_flight.is_empty() && transfer.to_send == 0 {
        let _ = transfer.reply.send(transfer.done);
        None
    } else {
        Some(transfer)
    }
}
