//! Attacks on node 0, and whether honest peers are still served meanwhile (issue 14):
//!
//! - `--scenario inbound-flood`: an attacker on another address (127.0.0.2) keeps up to
//!   150 connections open without ever starting the handshake, opening new ones at
//!   `--rate` per second as the node closes old ones; meanwhile `--messages` honest peers
//!   (127.0.0.1), 5 a second, each open a fresh connection and complete a ping.
//!
//! - `--scenario session-flood`: `--messages` fresh identities (a peer id costs nothing),
//!   `--rate` per second, each opening a Noise session with node 0 (a valid handshake,
//!   claiming a number node 0 does not know).
//!
//! Each report has the node's resident memory before the attack and at its peak during
//! it (the process's; node 0 is the only node that grows), how many honest peers were
//! served, and what the node counted (`net.*` rejections).

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use libp2p::identity::ed25519;
use libp2p::multiaddr::Protocol;
use libp2p::request_response::{self, ProtocolSupport};
use libp2p::swarm::SwarmEvent;
use libp2p::{noise, ping, tcp, yamux, Multiaddr, PeerId, StreamProtocol};
use serde::Serialize;
use serde_json::{Map, Value};

use super::super::resources::rss_bytes;
use super::super::{TestNet, TestNetError};
use crate::config::Config;
use crate::dm::wire::{DmRequest, DmResponse};
use crate::dm::DM_PROTOCOL;
use crate::node::codec::FrameCodec;
use crate::session::{HandshakePayload, Initiator, LocalKeys};
use crate::wire::Bytes;
use crate::NodeHandle;

/// The attacker's address: loopback, but not the honest peers' 127.0.0.1.
pub const ATTACKER_IP: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);
/// How long an honest peer waits for its ping.
const HONEST_DEADLINE: Duration = Duration::from_secs(10);
/// Stalled connections the `inbound-flood` scenario keeps open (more than the 128
/// handshake slots a node has).
const HELD: usize = 150;
/// Honest peers per second in the `inbound-flood` scenario (spread over the attack, which
/// goes through several handshake deadlines meanwhile).
const HONEST_RATE: f64 = 5.0;
/// Fresh identities opening sessions at once in the `session-flood` scenario.
const FLOOD_CONCURRENCY: usize = 16;

fn scenario_error(scenario: &'static str) -> impl Fn(String) -> TestNetError {
    move |reason| TestNetError::Scenario { scenario, reason }
}

/// Node 0 applies its per-address limits to loopback too (the attacker's 127.0.0.2 is
/// then one address, the honest 127.0.0.1 another).
pub fn node_settings(index: usize, base: &Config) -> Config {
    let mut settings = base.clone();
    settings.network.limit_loopback = index == 0;
    settings
}

/// The TCP address of a `/ip4/…/tcp/…` multiaddr.
fn tcp_addr(addr: &Multiaddr) -> Option<SocketAddr> {
    let mut ip = None;
    for protocol in addr.iter() {
        match protocol {
            Protocol::Ip4(a) => ip = Some(a.into()),
            Protocol::Tcp(port) => return ip.map(|ip| SocketAddr::new(ip, port)),
            _ => {}
        }
    }
    None
}

/// The node's `net.*` rejection counters.
async fn net_rejections(node: &NodeHandle) -> BTreeMap<String, u64> {
    node.status()
        .await
        .map(|s| s.rejected.into_iter().filter(|(k, _)| k.starts_with("net.")).collect())
        .unwrap_or_default()
}

/// What the inbound flood did.
#[derive(Debug, Clone, Serialize)]
pub struct InboundFloodReport {
    /// Connections the attacker opened.
    pub attack_connections: u64,
    /// Honest peers that tried.
    pub honest_dials: usize,
    /// Of those, served (connected and answered a ping).
    pub honest_served: usize,
    /// Resident memory before the attack.
    pub rss_idle_bytes: u64,
    /// Highest resident memory seen during the attack.
    pub rss_attack_peak_bytes: u64,
    /// What node 0 counted (`net.*`).
    pub rejected: BTreeMap<String, u64>,
}

/// Floods `target` (listening on `addr`) with stalled connections from [`ATTACKER_IP`]
/// (up to `held` at once, `rate` new ones per second) while `honest_dials` honest peers
/// try, one after the other, at most `honest_rate` per second (0: back to back).
pub async fn inbound_flood(
    target: &NodeHandle,
    addr: &Multiaddr,
    held: usize,
    rate: f64,
    honest_dials: usize,
    honest_rate: f64,
) -> Result<InboundFloodReport, TestNetError> {
    let error = scenario_error("inbound-flood");
    let socket = tcp_addr(addr).ok_or_else(|| error(format!("{addr} is not a TCP address")))?;
    let rss_idle_bytes = rss_bytes();
    let opened = Arc::new(AtomicU64::new(0));
    let attacker = tokio::spawn(stall(socket, held, rate, opened.clone()));
    // Let the attack build up before the honest peers come.
    let warm_up = Duration::from_secs_f64(held as f64 / rate.max(1.0));
    tokio::time::sleep(warm_up.min(Duration::from_secs(10))).await;
    let mut rss_attack_peak_bytes = rss_bytes();
    let mut honest_served = 0;
    let mut pacer = super::pacer(honest_rate);
    for _ in 0..honest_dials {
        if let Some(pacer) = pacer.as_mut() {
            pacer.tick().await;
        }
        if honest_ping(addr.clone()).await {
            honest_served += 1;
        }
        rss_attack_peak_bytes = rss_attack_peak_bytes.max(rss_bytes());
    }
    attacker.abort();
    Ok(InboundFloodReport {
        attack_connections: opened.load(Ordering::Relaxed),
        honest_dials,
        honest_served,
        rss_idle_bytes,
        rss_attack_peak_bytes,
        rejected: net_rejections(target).await,
    })
}

/// Keeps up to `held` connections from [`ATTACKER_IP`] to `target` open, sending nothing,
/// opening a new one at most `rate` times a second whenever one was closed.
async fn stall(target: SocketAddr, held: usize, rate: f64, opened: Arc<AtomicU64>) {
    let slots = Arc::new(tokio::sync::Semaphore::new(held));
    let mut pacer = super::pacer(rate);
    let mut connections = tokio::task::JoinSet::new();
    loop {
        if let Some(pacer) = pacer.as_mut() {
            pacer.tick().await;
        }
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let opened = opened.clone();
        connections.spawn(async move {
            let Ok(socket) = tokio::net::TcpSocket::new_v4() else {
                return;
            };
            if socket.bind(SocketAddr::new(ATTACKER_IP.into(), 0)).is_err() {
                return;
            }
            if let Ok(mut stream) = socket.connect(target).await {
                opened.fetch_add(1, Ordering::Relaxed);
                // Hold it until the node closes it.
                let mut buf = [0u8; 256];
                while matches!(tokio::io::AsyncReadExt::read(&mut stream, &mut buf).await, Ok(n) if n > 0) {}
            }
            drop(slot);
        });
        while connections.try_join_next().is_some() {}
    }
}

/// A fresh honest peer: connects to `addr` and completes one ping. False if it was not
/// served within [`HONEST_DEADLINE`].
pub async fn honest_ping(addr: Multiaddr) -> bool {
    let Ok(builder) = libp2p::SwarmBuilder::with_new_identity().with_tokio().with_tcp(
        tcp::Config::default().nodelay(true),
        noise::Config::new,
        yamux::Config::default,
    ) else {
        return false;
    };
    let Ok(builder) = builder.with_behaviour(|_| ping::Behaviour::new(ping::Config::new()));
    let mut swarm = builder.build();
    if swarm.dial(addr).is_err() {
        return false;
    }
    tokio::time::timeout(HONEST_DEADLINE, async {
        loop {
            match swarm.select_next_some().await {
                SwarmEvent::Behaviour(ping::Event { result: Ok(_), .. }) => return true,
                SwarmEvent::OutgoingConnectionError { .. } | SwarmEvent::ConnectionClosed { .. } => return false,
                _ => {}
            }
        }
    })
    .await
    .unwrap_or(false)
}

/// `--scenario inbound-flood`: `rate` new stalled connections per second against node 0,
/// `messages` honest peers.
pub async fn run_inbound_flood(net: &TestNet, messages: usize, rate: f64) -> Result<Map<String, Value>, TestNetError> {
    let node = net.nodes[0].node();
    let report = inbound_flood(node, &net.nodes[0].addr, HELD, rate, messages, HONEST_RATE).await?;
    match serde_json::to_value(report) {
        Ok(Value::Object(figures)) => Ok(figures),
        _ => Err(scenario_error("inbound-flood")("report".into())),
    }
}

/// The opening of a Noise session from `identity` (claiming `phone`) to the owner of the
/// keys `target` (identity key, Noise static key): the initiator's state, to finish the
/// session with the answer, and the first message as a `dm.req` envelope.
pub fn opening(identity: &ed25519::Keypair, phone: &str, target: ([u8; 32], [u8; 32])) -> Option<(Initiator, Vec<u8>)> {
    let local = LocalKeys::new(identity.clone(), rand::random());
    let payload = HandshakePayload::new(&local, phone, None).ok()?;
    let (initiator, msg1) = Initiator::new(&local, &target.1, &target.0, &payload, &mut rand::rngs::OsRng).ok()?;
    let hello = crate::wire::encode(&DmRequest::Hello {
        msg1: Bytes::new(msg1).ok()?,
    })
    .ok()?;
    Some((initiator, hello))
}

/// The first message of a Noise session from `identity` (claiming `phone`) to the owner
/// of the keys `target` (identity key, Noise static key), as a `dm.req` envelope.
pub fn hello_request(identity: &ed25519::Keypair, phone: &str, target: ([u8; 32], [u8; 32])) -> Option<Vec<u8>> {
    opening(identity, phone, target).map(|(_, hello)| hello)
}

/// What the session flood did.
#[derive(Debug, Clone, Serialize)]
pub struct SessionFloodReport {
    /// Fresh identities that sent a handshake.
    pub identities: usize,
    /// Of those, welcomed (the node answered with its handshake message).
    pub welcomed: usize,
    /// Sessions the node holds afterwards.
    pub sessions: u64,
    /// Of those, strangers' (memory only).
    pub stranger_sessions: u64,
    /// Sessions the node dropped to stay within its limits.
    pub sessions_evicted: u64,
    /// Resident memory before the flood.
    pub rss_idle_bytes: u64,
    /// Highest resident memory seen during it.
    pub rss_attack_peak_bytes: u64,
}

/// Opens sessions with `target` (on `addr`, keys `keys`: identity and Noise static)
/// from `identities` fresh identities, `rate` per second.
pub async fn session_flood(
    target: &NodeHandle,
    addr: &Multiaddr,
    keys: ([u8; 32], [u8; 32]),
    identities: usize,
    rate: f64,
) -> Result<SessionFloodReport, TestNetError> {
    let rss_idle_bytes = rss_bytes();
    let mut rss_attack_peak_bytes = rss_idle_bytes;
    let mut welcomed = 0;
    let peer = target.peer_id();
    super::paced(
        0..identities,
        rate,
        FLOOD_CONCURRENCY,
        |i| stranger_hello(peer, addr.clone(), keys, i),
        |ok| {
            welcomed += usize::from(ok);
            rss_attack_peak_bytes = rss_attack_peak_bytes.max(rss_bytes());
        },
    )
    .await;
    let status = target
        .status()
        .await
        .map_err(|e| scenario_error("session-flood")(e.to_string()))?;
    Ok(SessionFloodReport {
        identities,
        welcomed,
        sessions: status.messages.sessions,
        stranger_sessions: status.messages.stranger_sessions,
        sessions_evicted: status.messages.sessions_evicted,
        rss_idle_bytes,
        rss_attack_peak_bytes,
    })
}

/// One fresh identity opens a session with `peer`; true if it was welcomed.
async fn stranger_hello(peer: PeerId, addr: Multiaddr, keys: ([u8; 32], [u8; 32]), index: usize) -> bool {
    let identity = ed25519::Keypair::generate();
    let phone = crate::phone::synthetic(2_000_000 + index as u32);
    let Some(hello) = hello_request(&identity, phone.as_str(), keys) else {
        return false;
    };
    let Ok(builder) = libp2p::SwarmBuilder::with_existing_identity(identity.into())
        .with_tokio()
        .with_tcp(
            tcp::Config::default().nodelay(true),
            noise::Config::new,
            yamux::Config::default,
        )
    else {
        return false;
    };
    let Ok(builder) = builder.with_behaviour(|_| {
        request_response::Behaviour::with_codec(
            FrameCodec,
            [(StreamProtocol::new(DM_PROTOCOL), ProtocolSupport::Outbound)],
            request_response::Config::default(),
        )
    });
    let mut swarm = builder.build();
    swarm.add_peer_address(peer, addr);
    let id = swarm.behaviour_mut().send_request(&peer, hello);
    tokio::time::timeout(HONEST_DEADLINE, async {
        loop {
            match swarm.select_next_some().await {
                SwarmEvent::Behaviour(request_response::Event::Message {
                    message: request_response::Message::Response { request_id, response },
                    ..
                }) if request_id == id => {
                    return matches!(crate::wire::decode(&response), Ok(DmResponse::Welcome { .. }));
                }
                SwarmEvent::Behaviour(request_response::Event::OutboundFailure { request_id, .. })
                    if request_id == id =>
                {
                    return false
                }
                _ => {}
            }
        }
    })
    .await
    .unwrap_or(false)
}

/// `--scenario session-flood`: `messages` fresh identities open sessions with node 0,
/// `rate` per second.
pub async fn run_session_flood(net: &TestNet, messages: usize, rate: f64) -> Result<Map<String, Value>, TestNetError> {
    let error = scenario_error("session-flood");
    let identity = net.nodes[0].home.load_identity().map_err(|e| error(e.to_string()))?;
    let keys = (identity.public_key(), identity.noise().public);
    let report = session_flood(net.nodes[0].node(), &net.nodes[0].addr, keys, messages, rate).await?;
    match serde_json::to_value(report) {
        Ok(Value::Object(figures)) => Ok(figures),
        _ => Err(error("report".into())),
    }
}
