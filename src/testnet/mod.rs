//! A local test net: N real chingu nodes in one process on 127.0.0.1 (ephemeral ports,
//! temporary homes, synthetic phone numbers), bootstrapped into one DHT. It is both the
//! playground behind `chingu testnet` and the macro benchmark of every capability:
//! scenarios (in [`scenarios`]) drive the nodes and report figures as JSON. Nets too large
//! for one process's descriptors run as several worker processes ([`spread`]), each a
//! `TestNet` holding a slice of the nodes.

pub mod demo;
pub mod resources;
pub mod scenarios;
pub mod spread;
pub mod stats;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use futures::stream::{FuturesUnordered, StreamExt};
use libp2p::Multiaddr;
use rand::{Rng, SeedableRng};
use serde::Serialize;

use crate::config::Config;
use crate::home::{Home, HomeError, InitOptions};
use crate::node::{Event, Node, NodeConfig, NodeError, NodeHandle};
use crate::phone::{synthetic, PhoneNumber, Region};
use stats::Summary;

/// Page cache per test-net node: small, hundreds share one process.
pub const TESTNET_CACHE_BYTES: u64 = 1 << 20;
/// Routing-table size that makes a node "ready" (or N−1 in smaller nets).
pub const READY_PEERS: usize = 8;
/// File descriptors a node needs besides its connections (listener, database files).
const FDS_PER_NODE: u64 = 8;
/// File descriptors kept free for everything else in the process.
const FDS_RESERVED: u64 = 256;
/// Fewest connections a node may hold when descriptors are scarce.
const MIN_CONNECTIONS: u64 = 16;
/// Nodes bootstrapping at once in a large net (where a full mesh cannot fit).
const JOINING_AT_ONCE: usize = 8;
/// Idle connections are closed after this in a large net, so connections opened while
/// bootstrapping do not pile up; small nets keep them (they all fit).
const LARGE_NET_IDLE_TIMEOUT: Duration = Duration::from_secs(3);
/// Idle timeout of a large net with [`ROOMY_BUDGET`] descriptors per node or more (a
/// worker's slice of a spread net): Kademlia lookups then reuse the connections of
/// earlier ones, about half as many handshakes.
const ROOMY_NET_IDLE_TIMEOUT: Duration = Duration::from_secs(10);
/// Descriptors per node from which a large net keeps idle connections longer (a 200-node
/// net at a 10 s idle timeout peaked at 82 per node).
const ROOMY_BUDGET: u64 = 100;
/// Idle timeout of a small net.
const SMALL_NET_IDLE_TIMEOUT: Duration = Duration::from_secs(3600);
/// Routing-table refresh period of a large net's nodes (a node's own default is 5 min).
/// A refresh dials a few hundred peers; 500 nodes sharing two cores refreshing every
/// 5 min would need more handshakes a second than the machine can do.
const LARGE_NET_DHT_REFRESH: Duration = Duration::from_secs(1800);
/// How long a net of `nodes` gets to be ready: a minute plus a second per five nodes.
pub fn ready_deadline(nodes: usize) -> Duration {
    Duration::from_secs(60 + nodes as u64 / 5)
}

/// Longest wait for an earlier node's first peers before starting the next one.
const JOIN_WAIT: Duration = Duration::from_secs(10);

/// Test net failures.
#[derive(Debug, thiserror::Error)]
pub enum TestNetError {
    /// A node could not be created or started.
    #[error("node {index}: {source}")]
    Node {
        /// Which node.
        index: usize,
        /// Why.
        source: NodeError,
    },
    /// A home could not be created.
    #[error("node {index}: {source}")]
    Home {
        /// Which node.
        index: usize,
        /// Why.
        source: HomeError,
    },
    /// A spread net's coordinator and workers did not get along (a worker ended early,
    /// or said something unreadable).
    #[error("spread test net: {reason}")]
    Spread {
        /// What went wrong.
        reason: String,
    },
    /// The temporary directory could not be created.
    #[error("cannot create the test net directory: {0}")]
    TempDir(std::io::Error),
    /// A scenario failed to run (not: reported bad figures).
    #[error("scenario {scenario}: {reason}")]
    Scenario {
        /// The scenario.
        scenario: &'static str,
        /// Why.
        reason: String,
    },
}

/// How to build a test net.
#[derive(Debug, Clone)]
pub struct TestNetOptions {
    /// Number of nodes.
    pub nodes: usize,
    /// Seed for everything random in the harness (which node bootstraps from which…).
    pub seed: u64,
    /// Settings every node starts with (listen addresses are overridden: loopback only;
    /// reachability is `public`: every node can dial every other).
    pub settings: Config,
    /// Per-node settings (index, base settings), for scenarios that mix modes.
    pub node_settings: Option<fn(usize, &Config) -> Config>,
    /// How the net fits in the process's descriptors; `None`: planned from the process's
    /// limit ([`FdPlan::for_process`]). Tests give a large plan to a small net to run
    /// large-net mode where it is quick.
    pub plan: Option<FdPlan>,
    /// Nodes bootstrapping at once in a large net.
    pub joining_at_once: usize,
}

impl TestNetOptions {
    /// `nodes` nodes with default settings.
    pub fn new(nodes: usize) -> Self {
        Self {
            nodes,
            seed: 1,
            settings: Config::default(),
            node_settings: None,
            plan: None,
            joining_at_once: JOINING_AT_ONCE,
        }
    }
}

/// Start-up progress, reported while a large net comes up.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// Nodes started so far.
    pub started: usize,
    /// Nodes whose routing table is ready.
    pub ready: usize,
    /// Nodes in total.
    pub total: usize,
}

/// Who owns a test-net node.
#[derive(Debug, Clone)]
pub struct Owner {
    /// The owner's number.
    pub phone: PhoneNumber,
    /// The owner's display name (what friends see in the profile).
    pub name: String,
    /// The owner's home region.
    pub region: Region,
}

/// One node of the net.
pub struct TestNode {
    /// Its handle (None while stopped).
    pub handle: Option<NodeHandle>,
    /// Its owner's synthetic number.
    pub phone: PhoneNumber,
    /// Its home directory.
    pub home: Home,
    /// Where it listens, with `/p2p/<peer id>`.
    pub addr: Multiaddr,
}

impl TestNode {
    /// The running node's handle.
    ///
    /// # Panics
    /// If the node is stopped (a harness bug).
    pub fn node(&self) -> &NodeHandle {
        self.handle.as_ref().expect("the node is running")
    }
}

/// Readiness of the net.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Readiness {
    /// Nodes whose routing table holds at least min(N−1, 8) peers.
    pub ready: usize,
    /// Milliseconds from the first node's start until all were ready (or the deadline).
    pub ready_ms: u64,
}

/// How the net fits in the process's file descriptors: every connection between two
/// nodes of the net takes one descriptor at each end, so a full mesh of N nodes needs
/// N·(N−1) of them. When that does not fit, each node gets a connection cap, idle
/// connections are closed after 3 s, nodes join a few at a time, they refresh their
/// routing tables every 30 min instead of 5 (the refreshes of hundreds of nodes sharing
/// two cores would otherwise take most of the machine), and a full k-bucket is not probed
/// (`NodeConfig::probe_full_buckets`). Idle connections are kept longer where the
/// descriptors allow ([`ROOMY_BUDGET`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FdPlan {
    /// Most established connections per node.
    pub max_connections: u32,
    /// Whether the full mesh does not fit (large-net mode).
    pub large: bool,
    /// How long an idle connection is kept.
    pub idle_timeout: Duration,
}

impl FdPlan {
    /// Plans for `nodes` nodes under a descriptor limit of `limit`.
    pub fn new(nodes: usize, limit: u64) -> Self {
        Self::slice(nodes, nodes, limit)
    }

    /// Plans for `here` nodes of a net of `total` under a descriptor limit of `limit` (a
    /// node may connect to any of the `total`, in this process or not).
    pub fn slice(here: usize, total: usize, limit: u64) -> Self {
        let here = here.max(1) as u64;
        let budget = limit.saturating_sub(FDS_RESERVED + here * FDS_PER_NODE) / here;
        let fits = budget.clamp(MIN_CONNECTIONS, 512);
        // A slice of a spread net is always large: its nodes' connections held for an hour
        // took 26 MB per node (500 nodes in 14 workers of 36, BENCHMARKS.md).
        let large = here < total as u64 || fits < (total.max(1) as u64) - 1;
        // A cap below what a node's bootstrap needs makes Kademlia drop peers it cannot
        // dial and bootstrap again, feeding on itself: large nets rely on closing idle
        // connections and staggered joins instead, with the cap only as a backstop.
        let max_connections = if large { (fits * 4).min(512) } else { fits } as u32;
        let idle_timeout = match (large, budget >= ROOMY_BUDGET) {
            (false, _) => SMALL_NET_IDLE_TIMEOUT,
            (true, true) => ROOMY_NET_IDLE_TIMEOUT,
            (true, false) => LARGE_NET_IDLE_TIMEOUT,
        };
        Self {
            max_connections,
            large,
            idle_timeout,
        }
    }

    /// Plans for `here` nodes of a net of `total` in this process: raises the soft
    /// descriptor limit to the hard one first.
    pub fn for_process(here: usize, total: usize) -> Self {
        use nix::sys::resource::{getrlimit, setrlimit, Resource};
        let limit = match getrlimit(Resource::RLIMIT_NOFILE) {
            Ok((soft, hard)) if soft < hard && setrlimit(Resource::RLIMIT_NOFILE, hard, hard).is_ok() => hard,
            Ok((soft, _)) => soft,
            Err(_) => 1024,
        };
        Self::slice(here, total, limit)
    }
}

/// N nodes in this process.
pub struct TestNet {
    _dir: Option<tempfile::TempDir>,
    root: PathBuf,
    /// The nodes, index 0 first (node 0 is everyone's bootstrap).
    pub nodes: Vec<TestNode>,
    /// Number of the first node (its home, phone and name): 0 unless the net is a worker's
    /// slice of a spread one.
    first: usize,
    /// Nodes of the net running in other processes, to bootstrap from.
    elsewhere: Vec<Multiaddr>,
    options: TestNetOptions,
    plan: FdPlan,
    started_at: Instant,
    rng: rand::rngs::StdRng,
}

impl TestNet {
    /// Creates homes and starts `options.nodes` nodes in a fresh temporary directory.
    pub async fn start(options: TestNetOptions, progress: impl FnMut(Progress)) -> Result<Self, TestNetError> {
        let dir = tempfile::Builder::new()
            .prefix("chingu-testnet-")
            .tempdir()
            .map_err(TestNetError::TempDir)?;
        let root = dir.path().to_owned();
        Self::start_in(Some(dir), root, options, progress).await
    }

    /// Like [`TestNet::start`], keeping the homes in `root`.
    pub async fn start_at(
        root: &Path,
        options: TestNetOptions,
        progress: impl FnMut(Progress),
    ) -> Result<Self, TestNetError> {
        Self::start_in(None, root.to_owned(), options, progress).await
    }

    /// A net with no node yet whose nodes are numbered from `first` and live in `root`: a
    /// worker's slice of a spread net, grown with [`TestNet::join_next`].
    pub fn slice_at(root: &Path, options: TestNetOptions, first: usize) -> Self {
        let mut net = Self::empty(None, root.to_owned(), options);
        net.first = first;
        net
    }

    fn empty(dir: Option<tempfile::TempDir>, root: PathBuf, options: TestNetOptions) -> Self {
        Self {
            _dir: dir,
            root,
            nodes: Vec::with_capacity(options.nodes),
            first: 0,
            elsewhere: Vec::new(),
            rng: rand::rngs::StdRng::seed_from_u64(options.seed),
            plan: options
                .plan
                .unwrap_or_else(|| FdPlan::for_process(options.nodes, options.nodes)),
            options,
            started_at: Instant::now(),
        }
    }

    async fn start_in(
        dir: Option<tempfile::TempDir>,
        root: PathBuf,
        options: TestNetOptions,
        mut progress: impl FnMut(Progress),
    ) -> Result<Self, TestNetError> {
        let mut net = Self::empty(dir, root, options);
        let total = net.options.nodes;
        for index in 0..total {
            net.join_next().await?;
            if index % 10 == 9 || index + 1 == total {
                progress(Progress {
                    started: index + 1,
                    ready: 0,
                    total,
                });
            }
        }
        Ok(net)
    }

    /// Starts one more node with the net's settings. In a large net, first lets the node
    /// that started `joining_at_once` ago find its first peers (bounded by a deadline: a
    /// slow joiner never stalls the net); its full Kademlia bootstrap goes on in the
    /// background. Returns its index.
    pub async fn join_next(&mut self) -> Result<usize, TestNetError> {
        let at_once = self.options.joining_at_once.max(1);
        let index = self.nodes.len();
        if self.plan.large && index >= at_once {
            let earlier = self.nodes[index - at_once].node().clone();
            let _ = tokio::time::timeout(JOIN_WAIT, earlier.wait_routing_table(READY_PEERS)).await;
        }
        self.add_node().await
    }

    /// Learns a node of the net that runs in another process (`addr` with `/p2p/`), to
    /// bootstrap later nodes from.
    pub fn learn_elsewhere(&mut self, addr: Multiaddr) {
        self.elsewhere.push(addr);
    }

    /// Whether a node started now would have a node to bootstrap from.
    pub fn knows_a_node(&self) -> bool {
        !self.nodes.is_empty() || !self.elsewhere.is_empty()
    }

    /// How the net fits in the process's file descriptors.
    pub fn plan(&self) -> FdPlan {
        self.plan
    }

    /// Handles of the nodes that run (a stopped node has none).
    fn running_handles(&self) -> impl Iterator<Item = NodeHandle> + '_ {
        self.nodes.iter().filter_map(|n| n.handle.clone())
    }

    /// How many running nodes pass `check`, all checked at once.
    async fn count_running<F, Fut>(&self, check: F) -> usize
    where
        F: Fn(NodeHandle) -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        futures::future::join_all(self.running_handles().map(check))
            .await
            .into_iter()
            .filter(|passed| *passed)
            .count()
    }

    /// Waits (until `deadline` from now) for every running node to finish its first
    /// bootstrap, so measurements that follow see the DHT rather than the start-up
    /// storm. Returns how many joined in time.
    pub async fn wait_joined(&self, deadline: Duration) -> usize {
        let until = tokio::time::Instant::now() + deadline;
        self.count_running(
            |h| async move { matches!(tokio::time::timeout_at(until, h.wait_joined()).await, Ok(Ok(()))) },
        )
        .await
    }

    /// Waits (until `deadline` from now) for every running node to hold no connection, as
    /// a quiet net does once its idle connections timed out; a node is asked again each
    /// time one of its peers disconnects. Returns how many nodes are still connected.
    pub async fn wait_unconnected(&self, deadline: Duration) -> usize {
        let until = tokio::time::Instant::now() + deadline;
        self.count_running(|h| async move {
            let mut events = h.events();
            loop {
                match h.status().await {
                    Ok(status) if status.connected_peers == 0 => return false,
                    Ok(_) => {}
                    Err(_) => return true,
                }
                // The next disconnect, or missed events (one may have been a disconnect).
                let disconnect = async {
                    while let Some(event) = events.next().await {
                        if matches!(event, Event::PeerDisconnected { .. } | Event::Lagged { .. }) {
                            return true;
                        }
                    }
                    false
                };
                if !matches!(tokio::time::timeout_at(until, disconnect).await, Ok(true)) {
                    return true;
                }
            }
        })
        .await
    }

    /// Tries of the running nodes to bootstrap again because their routing tables were
    /// thin (`node.status.dht_rejoins`, summed).
    pub async fn dht_rejoins(&self) -> u64 {
        let statuses = futures::future::join_all(self.running_handles().map(|h| async move { h.status().await })).await;
        statuses.into_iter().flatten().map(|status| status.dht_rejoins).sum()
    }

    /// The directory holding every node's home.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Creates and starts one more node with the net's settings (see
    /// [`TestNet::add_node_with`]).
    pub async fn add_node(&mut self) -> Result<usize, TestNetError> {
        let settings = match self.options.node_settings {
            Some(settings_for) => settings_for(self.nodes.len(), &self.options.settings),
            None => self.options.settings.clone(),
        };
        self.add_node_with(settings).await
    }

    /// Creates and starts one more node with `settings`, owned by "node N" with a
    /// synthetic number, bootstrapping from node 0 and a random earlier node. Returns its
    /// index.
    pub async fn add_node_with(&mut self, settings: Config) -> Result<usize, TestNetError> {
        let number = self.first + self.nodes.len();
        let owner = Owner {
            phone: synthetic(number as u32),
            name: format!("node {number}"),
            region: settings.region.clone(),
        };
        self.add_node_as(settings, owner).await
    }

    /// Like [`TestNet::add_node_with`], owned by `owner`: its profile carries the owner's
    /// number and name, and the owner's region replaces `settings.region` (numbers the
    /// owner types without a country code are read in that region).
    pub async fn add_node_as(&mut self, mut settings: Config, owner: Owner) -> Result<usize, TestNetError> {
        let index = self.nodes.len();
        let number = self.first + index;
        let Owner { phone, name, region } = owner;
        settings.region = region.clone();
        let home = Home::at(self.root.join(format!("node-{number:04}")));
        let report = home
            .init(&InitOptions {
                phone: phone.clone(),
                name,
                region,
                force: false,
            })
            .map_err(|source| TestNetError::Home { index: number, source })?;
        let bootstrap = self.bootstrap_addrs();
        if let Err(e) = settings.save(&home.config_path()) {
            return Err(TestNetError::Home {
                index: number,
                source: e,
            });
        }
        let handle = Self::start_node(self.plan, &home, bootstrap, number, Some(report.store)).await?;
        let addr = listen_addr(&handle, number).await?;
        self.nodes.push(TestNode {
            handle: Some(handle),
            phone,
            home,
            addr,
        });
        Ok(index)
    }

    /// Where a new node bootstraps: small nets from the first node plus one random node;
    /// large nets from two random nodes, spreading the load (the first node's connection
    /// cap would otherwise turn most joiners away).
    fn bootstrap_addrs(&mut self) -> Vec<Multiaddr> {
        let known: Vec<&Multiaddr> = self.nodes.iter().map(|n| &n.addr).chain(&self.elsewhere).collect();
        let mut bootstrap = Vec::new();
        let Some(first) = known.first() else {
            return bootstrap;
        };
        let large = self.plan.large && known.len() > JOINING_AT_ONCE;
        if !large {
            bootstrap.push((*first).clone());
        }
        while bootstrap.len() < 2 {
            let other = self.rng.gen_range(0..known.len());
            if (other != 0 || large) && !bootstrap.contains(known[other]) {
                bootstrap.push(known[other].clone());
            } else if known.len() == 1 {
                break;
            }
        }
        bootstrap
    }

    async fn start_node(
        plan: FdPlan,
        home: &Home,
        bootstrap: Vec<Multiaddr>,
        index: usize,
        open_store: Option<crate::store::Store>,
    ) -> Result<NodeHandle, TestNetError> {
        let node_error = |source| TestNetError::Node { index, source };
        let mut config = NodeConfig::from_home(home).map_err(node_error)?;
        config.listen = vec!["/ip4/127.0.0.1/tcp/0".parse().expect("valid multiaddr")];
        config.bootstrap = bootstrap;
        config.mdns = false;
        config.store.cache_bytes = TESTNET_CACHE_BYTES;
        config.max_connections = plan.max_connections;
        config.idle_timeout = plan.idle_timeout;
        if plan.large {
            config.dht_refresh = Some(LARGE_NET_DHT_REFRESH);
            config.probe_full_buckets = false;
        }
        // Every node of the net listens on loopback, reachable by all the others: no
        // AutoNAT probes (and no dial-backs) are needed to know it, which keeps large nets
        // cheap and their verdicts free of probes refused by connection caps.
        config.reachability = crate::config::ReachabilityMode::Public;
        config.open_store = open_store;
        Node::start(config).await.map_err(node_error)
    }

    /// Stops node `index`, keeping its home (an "offline" user).
    pub async fn stop_node(&mut self, index: usize) -> Result<(), TestNetError> {
        if let Some(handle) = self.nodes[index].handle.take() {
            handle
                .shutdown()
                .await
                .map_err(|source| TestNetError::Node { index, source })?;
        }
        Ok(())
    }

    /// Restarts a stopped node from its home, bootstrapping from node 0 (or node 1 if it
    /// is node 0).
    pub async fn restart_node(&mut self, index: usize) -> Result<(), TestNetError> {
        let bootstrap: Vec<Multiaddr> = self
            .nodes
            .iter()
            .enumerate()
            .filter(|(i, n)| *i != index && n.handle.is_some())
            .take(2)
            .map(|(_, n)| n.addr.clone())
            .collect();
        let (handle, addr) = Self::start_again(self.plan, &self.nodes[index].home, bootstrap, index).await?;
        self.nodes[index].addr = addr;
        self.nodes[index].handle = Some(handle);
        Ok(())
    }

    /// Starts a stopped node again from its home without borrowing the net, so that
    /// several can start at once; returns its handle and listen address, which the caller
    /// puts back into [`TestNet::nodes`].
    pub async fn start_again(
        plan: FdPlan,
        home: &Home,
        bootstrap: Vec<Multiaddr>,
        index: usize,
    ) -> Result<(NodeHandle, Multiaddr), TestNetError> {
        let handle = Self::start_node(plan, home, bootstrap, index, None).await?;
        let addr = listen_addr(&handle, index).await?;
        Ok((handle, addr))
    }

    /// Reinstalls node `index` with the same number, name and settings (what `chingu init
    /// --force` does to a user's home): stops it, replaces its identity and database (the
    /// old ones are moved aside, the old identity remembered) and starts it again.
    pub async fn reinstall_node(&mut self, index: usize) -> Result<(), TestNetError> {
        self.stop_node(index).await?;
        let home = self.nodes[index].home.clone();
        let home_error = |source| TestNetError::Home { index, source };
        let settings = home.load_config().map_err(home_error)?;
        let profile = crate::store::Store::open(&home.db_path(), Default::default())
            .map_err(|e| home_error(e.into()))?
            .profile()
            .map_err(|e| home_error(e.into()))?
            .ok_or_else(|| home_error(crate::home::HomeError::NotInitialized(home.dir().to_owned())))?;
        let phone = profile.phone.ok_or_else(|| TestNetError::Node {
            index,
            source: crate::node::refusal::Refusal::invalid(
                "no_phone",
                "a node without a number cannot be reinstalled with it",
            )
            .into(),
        })?;
        home.init(&InitOptions {
            phone,
            name: profile.name,
            region: settings.region.clone(),
            force: true,
        })
        .map_err(home_error)?;
        settings.save(&home.config_path()).map_err(home_error)?;
        self.restart_node(index).await
    }

    /// Waits (until `deadline` from now) for every running node's routing table to hold
    /// min(N−1, [`READY_PEERS`]) peers, N the running nodes (a stopped node is no peer to
    /// count on: with it counted, the others would wait out the deadline).
    pub async fn wait_ready(&self, deadline: Duration, mut progress: impl FnMut(Progress)) -> Readiness {
        let running: Vec<NodeHandle> = self.running_handles().collect();
        let total = running.len();
        let min = total.saturating_sub(1).min(READY_PEERS);
        let until = tokio::time::Instant::now() + deadline;
        let mut waits: FuturesUnordered<_> = running
            .into_iter()
            .map(|h| async move { tokio::time::timeout_at(until, h.wait_routing_table(min)).await })
            .collect();
        let mut ready = 0;
        while let Some(outcome) = waits.next().await {
            if matches!(outcome, Ok(Ok(_))) {
                ready += 1;
                if ready % 10 == 0 || ready == total {
                    progress(Progress {
                        started: total,
                        ready,
                        total,
                    });
                }
            }
        }
        Readiness {
            ready,
            ready_ms: self.started_at.elapsed().as_millis() as u64,
        }
    }

    /// A random number in `0..n` from the harness's seeded generator.
    pub fn rng_index(&mut self, n: usize) -> usize {
        self.rng.gen_range(0..n.max(1))
    }

    /// Stops every node, flushing their stores.
    pub async fn shutdown(mut self) {
        let handles: Vec<_> = self.nodes.iter_mut().filter_map(|n| n.handle.take()).collect();
        futures::future::join_all(handles.iter().map(|h| h.shutdown())).await;
    }
}

async fn listen_addr(handle: &NodeHandle, index: usize) -> Result<Multiaddr, TestNetError> {
    let addrs = handle
        .listen_addrs()
        .await
        .map_err(|source| TestNetError::Node { index, source })?;
    let addr = addrs.into_iter().next().ok_or(TestNetError::Node {
        index,
        source: NodeError::Listen {
            addr: "127.0.0.1".into(),
            source: "no listen address".into(),
        },
    })?;
    Ok(addr.with_p2p(handle.peer_id()).unwrap_or_else(|a| a))
}

/// Outcome of the DHT check: every node puts a record that another random node gets.
#[derive(Debug, Clone, Serialize)]
pub struct PutGetReport {
    /// Pairs where the get returned the record.
    pub ok: usize,
    /// Pairs where the put or the get failed.
    pub failed: usize,
    /// Put then get, end to end (median, ms).
    pub p50_ms: f64,
    /// Put then get, end to end (99th percentile, ms).
    pub p99_ms: f64,
    /// The put alone.
    pub put: Summary,
    /// The get alone.
    pub get: Summary,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptor_plans() {
        let small = FdPlan::new(100, 20_000);
        assert!(
            !small.large && small.max_connections >= 99,
            "a full mesh of 100 fits: {small:?}"
        );
        let plan = FdPlan::new(500, 20_000);
        assert!(plan.large && (120..160).contains(&plan.max_connections), "{plan:?}");
        assert_eq!(FdPlan::new(2000, 1024).max_connections, 4 * MIN_CONNECTIONS as u32);
        assert_eq!(plan.idle_timeout, LARGE_NET_IDLE_TIMEOUT, "500 nodes in one process");
        let slice = FdPlan::slice(125, 500, 20_000);
        assert!(slice.large, "a quarter of 500 nodes still cannot reach all 500");
        assert_eq!(slice.idle_timeout, ROOMY_NET_IDLE_TIMEOUT, "{slice:?}");
        assert_eq!(small.idle_timeout, SMALL_NET_IDLE_TIMEOUT);
    }
}
