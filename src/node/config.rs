//! What a node is started with: [`NodeConfig`], built from a home (keys and
//! `config.toml`) or by hand, and an operator's role preset on top.

use std::path::PathBuf;
use std::time::Duration;

use libp2p::Multiaddr;

use super::{admission, metrics, NodeError, OPERATOR_MAX_CONNECTIONS};
use crate::config::{Config, DhtMode, ReachabilityMode, Role};
use crate::home::Home;
use crate::identity::Identity;
use crate::store::{Store, StoreOptions};

/// Which transports a node uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transports {
    /// TCP (with Noise and Yamux).
    pub tcp: bool,
    /// QUIC v1.
    pub quic: bool,
}

/// Everything needed to start a node.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// Long-term keys.
    pub identity: Identity,
    /// Where the sled database lives (it holds the owner's profile, written by
    /// [`Home::init`]).
    pub db_path: PathBuf,
    /// Where files (photos, attachments) are kept: `files/` beside the database.
    pub files_dir: PathBuf,
    /// Database options.
    pub store: StoreOptions,
    /// An already open database to use instead of opening `db_path` (saves reopening the
    /// one [`Home::init`] just created).
    pub open_store: Option<Store>,
    /// Addresses to listen on.
    pub listen: Vec<Multiaddr>,
    /// Bootstrap peers.
    pub bootstrap: Vec<Multiaddr>,
    /// Discover peers on the LAN with mDNS.
    pub mdns: bool,
    /// Most established connections.
    pub max_connections: u32,
    /// Most established connections per peer.
    pub max_connections_per_peer: u32,
    /// How long idle connections are kept.
    pub idle_timeout: Duration,
    /// Limits on inbound connections (handshakes in progress, per address).
    pub inbound: admission::InboundLimits,
    /// Serve the DHT or only query it.
    pub dht_mode: DhtMode,
    /// How reachability is learnt (`network.reachability`).
    pub reachability: ReachabilityMode,
    /// External addresses taken without testing (`network.announce`).
    pub announce: Vec<Multiaddr>,
    /// The operator's role preset, if one was applied ([`NodeConfig::apply_role`]).
    pub role: Option<Role>,
    /// How often the DHT routing table is refreshed; `None`: only when it runs low.
    pub dht_refresh: Option<Duration>,
    /// Whether a peer that finds its k-bucket full has the bucket's oldest entry dialled
    /// to check it is still alive (Kademlia's rule, libp2p's default). Without, a full
    /// bucket keeps its entries and newcomers wait for room. Large test nets turn it off:
    /// their 3 s idle timeout leaves the oldest entry disconnected nearly always, so every
    /// new peer of a full bucket would cost one more connection.
    pub probe_full_buckets: bool,
    /// The full configuration file (protocol settings).
    pub settings: Config,
    /// Where to record libp2p's metrics (`chingu run --metrics`); `None` records nothing.
    pub metrics: Option<metrics::SwarmMetrics>,
}

impl NodeConfig {
    /// Builds the configuration of the node living in `home`: checks ownership and key
    /// permissions, loads the keys and `config.toml`.
    pub fn from_home(home: &Home) -> Result<Self, NodeError> {
        let identity = home.load_identity()?;
        let settings = home.load_config()?;
        let mut config = Self::new(identity, home.db_path());
        config.apply_settings(settings)?;
        Ok(config)
    }

    /// A configuration with defaults (listening on all interfaces, ephemeral ports).
    pub fn new(identity: Identity, db_path: PathBuf) -> Self {
        let mut config = Self {
            identity,
            files_dir: db_path.with_file_name("files"),
            db_path,
            store: StoreOptions::default(),
            open_store: None,
            listen: Vec::new(),
            bootstrap: Vec::new(),
            mdns: false,
            max_connections: 0,
            max_connections_per_peer: 0,
            idle_timeout: Duration::ZERO,
            inbound: (&crate::config::NetworkConfig::default()).into(),
            dht_mode: DhtMode::Auto,
            reachability: ReachabilityMode::Auto,
            announce: Vec::new(),
            role: None,
            dht_refresh: None,
            probe_full_buckets: true,
            settings: Config::default(),
            metrics: None,
        };
        config
            .apply_settings(Config::default())
            .expect("the default configuration is valid");
        config
    }

    /// Takes network and storage settings from a configuration file's contents.
    pub fn apply_settings(&mut self, settings: Config) -> Result<(), NodeError> {
        let network = &settings.network;
        self.listen = parse_addrs(&network.listen)?;
        self.bootstrap = parse_addrs(&network.bootstrap)?;
        self.mdns = network.mdns;
        self.max_connections = network.max_connections;
        self.max_connections_per_peer = network.max_connections_per_peer;
        self.idle_timeout = Duration::from_secs(network.idle_timeout_secs);
        self.inbound = network.into();
        self.dht_mode = network.dht_mode;
        self.reachability = network.reachability;
        self.announce = parse_addrs(&network.announce)?;
        parse_addrs(&settings.relay.use_nodes)?;
        self.dht_refresh = (network.dht_refresh_secs > 0).then(|| Duration::from_secs(network.dht_refresh_secs));
        self.store.cache_bytes = settings.storage.cache_mib << 20;
        self.settings = settings;
        Ok(())
    }

    /// Applies an operator's role preset: a DHT server and circuit relay with room for
    /// [`OPERATOR_MAX_CONNECTIONS`] connections that publishes no personal record (plus
    /// a mailbox for [`Role::Mailbox`]). An operator's node runs on a public address:
    /// unless the configuration says otherwise, its reachability is taken as `public`
    /// (its listen addresses, or `network.announce`, are its external addresses — a relay
    /// hands them out with every reservation).
    pub fn apply_role(&mut self, role: Role) {
        self.role = Some(role);
        if self.reachability == ReachabilityMode::Auto {
            self.reachability = ReachabilityMode::Public;
        }
        self.dht_mode = DhtMode::Server;
        self.max_connections = self.max_connections.max(OPERATOR_MAX_CONNECTIONS);
        self.settings.discovery.discoverable = crate::config::Discoverable::Nobody;
        self.settings.mailbox.serve |= role == Role::Mailbox;
        self.settings.relay.serve = true;
    }
}

/// Parses multiaddrs given as text.
pub fn parse_addrs(addrs: &[String]) -> Result<Vec<Multiaddr>, NodeError> {
    addrs
        .iter()
        .map(|a| {
            a.parse::<Multiaddr>().map_err(|e| NodeError::InvalidAddress {
                addr: a.clone(),
                source: e.into(),
            })
        })
        .collect()
}
