//! The libp2p protocols a chingu node runs, composed into one `NetworkBehaviour`, and
//! the swarm built around them (TCP and QUIC, Noise, Yamux, and circuits through relays).
//!
//! | protocol | id | purpose |
//! |---|---|---|
//! | identify | `/chingu/id/1.0.0` | learn peers' listen addresses and protocols |
//! | ping | `/ipfs/ping/1.0.0` | liveness and round-trip time |
//! | Kademlia | `/chingu/kad/1.0.0` | our own DHT (not the IPFS one), record filtering on |
//! | 1:1 messages | `/chingu/dm/1` | Noise handshakes and encrypted frames (SPEC.md §6) |
//! | mailbox | `/chingu/mailbox/1` | store-and-forward; inbound only on mailbox nodes |
//! | mailbox notices | `/chingu/mailbox-notice/1` | a mailbox tells a watching recipient of a deposit |
//! | gossipsub | `/meshsub/1.1.0`… | group messages on per-epoch topics, with fellow members only (SPEC.md §7.2) |
//! | history sync | `/chingu/group-sync/1` | missed group messages from fellow members |
//! | meetup join | `/chingu/meetup/1` | joining a flash meetup by its code |
//! | mDNS | — | optional LAN discovery |
//! | AutoNAT v2 | `/libp2p/autonat/2/dial-request`, `…/dial-back` | reachability (client and server) |
//! | circuit relay v2 | `/libp2p/circuit/relay/0.2.0/hop`, `…/stop` | relays for private nodes (hop served by relays) |
//! | DCUtR | `/libp2p/dcutr` | hole punching over a relayed connection |
//! | UPnP IGD | — | optional port mapping on the home router |

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use libp2p::connection_limits::{self, ConnectionLimits};
use libp2p::core::muxing::StreamMuxerBox;
use libp2p::core::upgrade::Version;
use libp2p::core::Transport;
use libp2p::identity::Keypair;
use libp2p::kad::store::{MemoryStore, MemoryStoreConfig};
use libp2p::request_response::{self, ProtocolSupport};
use libp2p::swarm::behaviour::toggle::Toggle;
use libp2p::swarm::NetworkBehaviour;
use libp2p::{
    autonat, dcutr, gossipsub, identify, kad, mdns, noise, ping, quic, relay, tcp, upnp, yamux, Multiaddr,
    StreamProtocol, Swarm,
};

use super::admission::transport::AdmissionGate;
use super::codec::FrameCodec;
use super::gossip::Gossip;
use super::groups::{GROUP_SYNC_PROTOCOL, MEETUP_PROTOCOL};
use super::nat::admission::RelayAdmission;
use super::nat::metered::{Metered, RelayedBytes};
use super::{NodeConfig, NodeError};
use crate::config::{ReachabilityMode, RelayConfig};
use crate::dm::DM_PROTOCOL;
use crate::group::MAX_GROUP_MESSAGE;
use crate::mailbox::{MAILBOX_NOTICE_PROTOCOL, MAILBOX_PROTOCOL};

/// Our Kademlia protocol name: chingu nodes form their own DHT.
pub const KAD_PROTOCOL: &str = "/chingu/kad/1.0.0";
/// Our identify protocol name.
pub const IDENTIFY_PROTOCOL: &str = "/chingu/id/1.0.0";
/// Most DHT records a node holds for others.
pub const MAX_DHT_RECORDS: usize = 4096;
/// Largest DHT value stored (a full rendezvous value fits well below).
pub const MAX_DHT_VALUE_BYTES: usize = 16 * 1024;
/// Lifetime given to records we publish (they are republished well before).
pub const DHT_RECORD_TTL: Duration = Duration::from_secs(36 * 3600);
/// How long a DHT query may take.
pub const DHT_QUERY_TIMEOUT: Duration = Duration::from_secs(30);
/// Setting up a connection (dial or accept, both upgrades included) gives up after this.
/// It must be shorter than the 10 s an AutoNAT v2 client waits for its answer: a server's
/// dial-back to a node behind a firewall that drops SYNs then fails in time to be
/// reported, and the node learns it is private (libp2p's default, 10 s, lost that race
/// and left such nodes `unknown`, publishing addresses nobody could dial).
pub const CONNECTION_TIMEOUT: Duration = Duration::from_secs(7);
/// How often the AutoNAT client looks for addresses not tested yet (libp2p's default,
/// 5 s, made a node behind a firewall wait that long for its first probe, and a routed
/// node acts private until its first probe answers; an address is tested once, so a
/// shorter interval costs nothing more).
pub const AUTONAT_PROBE_INTERVAL: Duration = Duration::from_millis(250);
/// How long a 1:1 or mailbox request may wait for its response.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Most concurrent request streams per connection.
pub const MAX_CONCURRENT_STREAMS: usize = 64;
/// Most messages gossipsub accepts in one RPC (its default is 5,000).
pub const MAX_GOSSIP_MESSAGES_PER_RPC: usize = 256;
/// Gossipsub mesh degree of a group topic (D; libp2p's default is 6). Every member
/// forwards each message to its mesh peers but the one it came from, so a group's
/// traffic grows with D − 1. With D = 3 (D_lo 2, D_hi 4) and lazy flushes once a second,
/// a 100-member group at 10 msg/s cost the test net 134–157 CPU s instead of 138–181
/// and kept p99 at 73–168 ms in 6 runs of 6 (75–463 ms, 1 of 6 within 250 ms, before);
/// BENCHMARKS.md, "A 100-member group". Only fellow members are in a mesh, and what a
/// mesh misses, IHAVE gossip and history sync bring.
pub const MESH_N: usize = 3;
/// Fewest mesh peers before the heartbeat grafts more (D_lo).
pub const MESH_N_LOW: usize = 2;
/// Most mesh peers before the heartbeat prunes some (D_hi).
pub const MESH_N_HIGH: usize = 4;
/// Outbound peers kept in a mesh (D_out; below D_lo and at most D/2).
pub const MESH_OUTBOUND_MIN: usize = 1;
/// Non-mesh peers a heartbeat's gossip (IHAVE) goes to, whatever the group's size
/// (D_lazy; libp2p's default is 6, or a quarter of the non-mesh peers if more).
pub const GOSSIP_LAZY: usize = 3;
/// Connections of one peer that may each hold a reservation on our relay service.
pub const RELAY_RESERVATIONS_PER_PEER: usize = 2;
/// Peers whose identify addresses are cached for dialling them by peer id.
pub const IDENTIFY_CACHE_PEERS: usize = 256;
/// Room gossipsub needs around a `group.msg` envelope in one RPC frame.
const GOSSIP_FRAMING: usize = 1024;

/// Gossipsub for groups: anonymous authorship (our signature is inside the encrypted
/// payload), nothing forwarded before our validator accepts it, content-hash message
/// ids, bounded message size and messages per RPC. Peer scoring is switched on by
/// [`Behaviour::new`] and each topic gets [`topic_score_params`].
pub(super) fn gossipsub_behaviour() -> Result<gossipsub::Behaviour, Box<dyn std::error::Error + Send + Sync>> {
    let config = gossipsub::ConfigBuilder::default()
        .validation_mode(gossipsub::ValidationMode::Anonymous)
        .validate_messages()
        .message_id_fn(|message: &gossipsub::Message| {
            use sha2::Digest;
            gossipsub::MessageId::from(sha2::Sha256::digest(&message.data)[..20].to_vec())
        })
        .max_transmit_size(MAX_GROUP_MESSAGE + GOSSIP_FRAMING)
        .max_publish_messages(MAX_GOSSIP_MESSAGES_PER_RPC)
        .duplicate_cache_time(Duration::from_secs(120))
        .heartbeat_interval(Duration::from_millis(700))
        // Measured on a 20-member group (BENCHMARKS.md): publishing to the mesh only and a
        // mesh of 4 send each message about half as often as flooding the publisher's
        // topic peers with a mesh of 6; p99 at 200 msg/s fell from ~430 ms to a median of ~34 ms.
        // Losses this costs under saturation are repaired by history sync.
        .flood_publish(false)
        .mesh_n(MESH_N)
        .mesh_n_low(MESH_N_LOW)
        .mesh_n_high(MESH_N_HIGH)
        .mesh_outbound_min(MESH_OUTBOUND_MIN)
        // libp2p's default gossips each heartbeat to a quarter of the topic's non-mesh
        // peers (at least 6): 24 peers a heartbeat in a 100-member group, whose IHAVEs and
        // the IWANTs they draw kept both cores busy. A fixed 3 (BENCHMARKS.md, "A
        // 100-member group"): at 10 msg/s, p99 2.2–4.0 s became 117 ms–1.15 s in 6 of 7 runs.
        .gossip_factor(0.0)
        .gossip_lazy(GOSSIP_LAZY)
        .build()?;
    let mut behaviour = gossipsub::Behaviour::new(gossipsub::MessageAuthenticity::Anonymous, config)?;
    // Scoring's IP-colocation penalty (more than 10 peers on one address) would greylist
    // every peer of a test net on loopback; it stays on for every other address.
    let mut score = gossipsub::PeerScoreParams::default();
    score.ip_colocation_factor_whitelist.extend([
        std::net::IpAddr::from(std::net::Ipv4Addr::LOCALHOST),
        std::net::IpAddr::from(std::net::Ipv6Addr::LOCALHOST),
    ]);
    behaviour.with_peer_score(score, gossipsub::PeerScoreThresholds::default())?;
    Ok(behaviour)
}

/// Score parameters of a group topic: libp2p's defaults, except that invalid messages
/// (those our validator rejects) weigh −1,000 and their count decays by only 1 % a second.
/// The defaults reward time in the mesh with up to +1,800 (times the topic weight 0.5),
/// which keeps honest peers clear of penalties that heavy load causes (broken gossip
/// promises); against that, one invalid message costs 500 and fades, two or more put the
/// forwarder below the graylist threshold (−80; its RPCs are no longer read) for minutes.
pub(crate) fn topic_score_params() -> gossipsub::TopicScoreParams {
    gossipsub::TopicScoreParams {
        invalid_message_deliveries_weight: -1000.0,
        invalid_message_deliveries_decay: 0.99,
        ..Default::default()
    }
}

/// Everything a node speaks.
#[derive(NetworkBehaviour)]
pub struct Behaviour {
    /// Caps on connections (first, so limits apply before anything else).
    pub limits: connection_limits::Behaviour,
    /// Address and protocol exchange.
    pub identify: identify::Behaviour,
    /// Liveness.
    pub ping: ping::Behaviour,
    /// The DHT.
    pub kad: kad::Behaviour<MemoryStore>,
    /// Asks peers to dial our observed addresses back (off when reachability is forced).
    pub autonat: Toggle<autonat::v2::client::Behaviour>,
    /// Dials others' addresses back for them.
    pub autonat_server: autonat::v2::server::Behaviour,
    /// Reservations on relays and circuits through them.
    pub relay_client: relay::client::Behaviour,
    /// The relay service (operators' roles, `relay.serve`).
    pub relay: Toggle<relay::Behaviour>,
    /// Hole punching over relayed connections.
    pub dcutr: dcutr::Behaviour,
    /// Port mapping on the router (`network.upnp`).
    pub upnp: Toggle<upnp::tokio::Behaviour>,
    /// 1:1 messages.
    pub dm: request_response::Behaviour<FrameCodec>,
    /// Mailbox requests (served only when this node is a mailbox).
    pub mailbox: request_response::Behaviour<FrameCodec>,
    /// Notices from our mailboxes (sent by mailbox nodes, accepted by every node).
    pub mailbox_notice: request_response::Behaviour<FrameCodec>,
    /// LAN discovery, when enabled.
    pub mdns: Toggle<mdns::tokio::Behaviour>,
    /// Group messages (gossipsub, its streams not keeping connections open).
    pub gossipsub: Gossip,
    /// Group history sync.
    pub group_sync: request_response::Behaviour<FrameCodec>,
    /// Meetup joins by code.
    pub meetup: request_response::Behaviour<FrameCodec>,
    /// Raw streams: files (`/chingu/file/1`, `node::files`).
    pub streams: libp2p_stream::Behaviour,
    /// Voucher redemptions (`node::vouchers`).
    pub vouchers: request_response::Behaviour<FrameCodec>,
}

/// A request-response behaviour speaking `protocol` with our frame codec.
fn frames(protocol: &'static str, support: ProtocolSupport) -> request_response::Behaviour<FrameCodec> {
    request_response::Behaviour::with_codec(
        FrameCodec,
        [(StreamProtocol::new(protocol), support)],
        request_response::Config::default()
            .with_request_timeout(REQUEST_TIMEOUT)
            .with_max_concurrent_streams(MAX_CONCURRENT_STREAMS),
    )
}

/// libp2p's relay service with our limits; every request that passes libp2p's own caps
/// is put to `admission` (per-IP caps, per-peer rates, refusal reasons).
fn relay_service(
    local: libp2p::PeerId,
    config: &RelayConfig,
    admission: Arc<Mutex<RelayAdmission>>,
) -> relay::Behaviour {
    let reservations = admission.clone();
    let circuits = admission;
    fn admit(gate: &Mutex<RelayAdmission>) -> std::sync::MutexGuard<'_, RelayAdmission> {
        gate.lock().unwrap_or_else(|e| e.into_inner())
    }
    let relay_config = relay::Config {
        max_reservations: config.max_reservations,
        max_reservations_per_peer: RELAY_RESERVATIONS_PER_PEER,
        reservation_duration: Duration::from_secs(config.reservation_secs),
        reservation_rate_limiters: vec![Box::new(move |peer, addr: &Multiaddr, _: std::time::Instant| {
            admit(&reservations).admit_reservation(peer, addr, crate::model::now_ms())
        })],
        max_circuits: config.max_circuits,
        max_circuits_per_peer: config.max_circuits_per_peer,
        max_circuit_duration: Duration::from_secs(config.circuit_secs.min(u64::from(u32::MAX))),
        max_circuit_bytes: config.circuit_bytes,
        circuit_src_rate_limiters: vec![Box::new(move |peer, addr: &Multiaddr, _: std::time::Instant| {
            admit(&circuits).admit_circuit(peer, addr, crate::model::now_ms())
        })],
    };
    let mut service = relay::Behaviour::new(local, relay_config);
    // Serve at once: an operator's node is meant to be public, and a relay only hands
    // out addresses it holds as external ones, which may come later.
    service.set_status(Some(relay::Status::Enable));
    service
}

impl Behaviour {
    fn new(
        key: &Keypair,
        config: &NodeConfig,
        relay_client: relay::client::Behaviour,
        admission: Option<Arc<Mutex<RelayAdmission>>>,
    ) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        let peer_id = key.public().to_peer_id();
        let limits = ConnectionLimits::default()
            .with_max_established(Some(config.max_connections))
            .with_max_established_per_peer(Some(config.max_connections_per_peer))
            // A backstop: admission (`node::admission`) holds inbound handshakes to
            // `network.max_pending_incoming` and makes room for less busy addresses.
            .with_max_pending_incoming(Some(2 * config.inbound.max_pending as u32));

        let identify = identify::Behaviour::new(
            identify::Config::new(IDENTIFY_PROTOCOL.into(), key.public())
                .with_agent_version(format!("chingu/{}", crate::VERSION))
                .with_push_listen_addr_updates(true)
                .with_cache_size(IDENTIFY_CACHE_PEERS),
        );

        let mut kad_config = kad::Config::new(StreamProtocol::new(KAD_PROTOCOL));
        kad_config
            .set_record_filtering(kad::StoreInserts::FilterBoth)
            .set_record_ttl(Some(DHT_RECORD_TTL))
            .set_publication_interval(None)
            .set_query_timeout(DHT_QUERY_TIMEOUT)
            .set_periodic_bootstrap_interval(config.dht_refresh)
            .disjoint_query_paths(true)
            .set_replication_factor(NonZeroUsize::new(20).expect("non-zero"));
        if !config.probe_full_buckets {
            // Connected peers are then offered as `RoutablePeer` events, and inserted while
            // there is room (`Actor::offer_dht_address`), like the addresses identify finds.
            kad_config.set_kbucket_inserts(kad::BucketInserts::Manual);
        }
        let store = MemoryStore::with_config(
            peer_id,
            MemoryStoreConfig {
                max_records: MAX_DHT_RECORDS,
                max_value_bytes: MAX_DHT_VALUE_BYTES,
                max_providers_per_key: 1,
                max_provided_keys: 1,
            },
        );
        let mut kad = kad::Behaviour::with_config(peer_id, store, kad_config);
        // The reachability state machine sets the mode it wants at start; serving is the
        // mode of an unknown reachability (it never waits for a confirmed address).
        kad.set_mode(Some(kad::Mode::Server));

        let mdns = if config.mdns {
            Some(mdns::tokio::Behaviour::new(mdns::Config::default(), peer_id)?)
        } else {
            None
        };

        Ok(Self {
            limits: connection_limits::Behaviour::new(limits),
            identify,
            ping: ping::Behaviour::default(),
            kad,
            autonat: (config.reachability == ReachabilityMode::Auto)
                .then(|| {
                    autonat::v2::client::Behaviour::new(
                        rand_autonat::make_rng::<rand_autonat::rngs::StdRng>(),
                        autonat::v2::client::Config::default().with_probe_interval(AUTONAT_PROBE_INTERVAL),
                    )
                })
                .into(),
            autonat_server: autonat::v2::server::Behaviour::default(),
            relay_client,
            relay: admission
                .map(|admission| relay_service(peer_id, &config.settings.relay, admission))
                .into(),
            dcutr: dcutr::Behaviour::new(peer_id),
            upnp: config
                .settings
                .network
                .upnp
                .then(upnp::tokio::Behaviour::default)
                .into(),
            dm: frames(DM_PROTOCOL, ProtocolSupport::Full),
            mailbox: frames(
                MAILBOX_PROTOCOL,
                if config.settings.mailbox.serve {
                    ProtocolSupport::Full
                } else {
                    ProtocolSupport::Outbound
                },
            ),
            mailbox_notice: frames(MAILBOX_NOTICE_PROTOCOL, ProtocolSupport::Full),
            mdns: mdns.into(),
            gossipsub: Gossip::new(gossipsub_behaviour()?),
            group_sync: frames(GROUP_SYNC_PROTOCOL, ProtocolSupport::Full),
            meetup: frames(MEETUP_PROTOCOL, ProtocolSupport::Full),
            streams: libp2p_stream::Behaviour::new(),
            vouchers: frames(super::vouchers::VOUCHER_PROTOCOL, ProtocolSupport::Full),
        })
    }
}

/// Builds the swarm: TCP (Noise, Yamux) and QUIC transports with their inbound
/// connections under one admission gate, circuits through relays (their bytes counted in
/// `relayed`), and our behaviour. With `admission`, the node serves as a relay under its
/// rules.
pub(crate) fn build_swarm(
    config: &NodeConfig,
    relayed: Arc<RelayedBytes>,
    admission: Option<Arc<Mutex<RelayAdmission>>>,
) -> Result<Swarm<Behaviour>, NodeError> {
    let transport_error = |e: &dyn std::fmt::Display| NodeError::Transport(e.to_string().into());
    let gate = AdmissionGate::new(config.inbound.clone());
    let (relay_transport, relay_client) = relay::client::new(config.identity.peer_id());
    Ok(libp2p::SwarmBuilder::with_existing_identity(config.identity.keypair())
        .with_tokio()
        .with_other_transport(|key| -> Result<_, Box<dyn std::error::Error + Send + Sync>> {
            Ok(gate.wrap(
                tcp::tokio::Transport::new(tcp::Config::default().nodelay(true))
                    .upgrade(Version::V1Lazy)
                    .authenticate(noise::Config::new(key)?)
                    .multiplex(yamux::Config::default())
                    .map(|(peer, muxer), _| (peer, StreamMuxerBox::new(muxer))),
            ))
        })
        .map_err(|e| transport_error(&e))?
        .with_other_transport(|key| {
            gate.wrap(
                quic::tokio::Transport::new(quic::Config::new(key))
                    .map(|(peer, muxer), _| (peer, StreamMuxerBox::new(muxer))),
            )
        })
        .map_err(|e| transport_error(&e))?
        .with_other_transport(|key| {
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(
                relay_transport
                    .map(move |connection, _| Metered::new(connection, relayed))
                    .upgrade(Version::V1Lazy)
                    .authenticate(noise::Config::new(key)?)
                    .multiplex(yamux::Config::default())
                    .map(|(peer, muxer), _| (peer, StreamMuxerBox::new(muxer))),
            )
        })
        .map_err(|e| transport_error(&e))?
        .with_behaviour(|key| Behaviour::new(key, config, relay_client, admission))
        .map_err(|e| transport_error(&e))?
        .with_swarm_config(|c| c.with_idle_connection_timeout(config.idle_timeout))
        .with_connection_timeout(CONNECTION_TIMEOUT)
        .build())
}
