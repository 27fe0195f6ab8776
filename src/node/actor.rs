//! The node's task: the only owner of the swarm and the store. It handles commands from
//! handles, swarm events and timers in one loop, and releases group-committed actions
//! once their writes are durable.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use futures::StreamExt;
use libp2p::core::ConnectedPoint;
use libp2p::multiaddr::Protocol;
use libp2p::swarm::dial_opts::DialOpts;
use libp2p::swarm::{ConnectionId, SwarmEvent};
use libp2p::{identify, mdns, ping, request_response, Multiaddr, PeerId, Swarm};
use tokio::sync::{broadcast, mpsc, oneshot};

use super::behaviour::{build_swarm, Behaviour, BehaviourEvent, KAD_PROTOCOL};
use super::command::Command;
use super::dht::Dht;
use super::discovery::{Discovery, Internal};
use super::dm::Dm;
use super::durability::Durability;
use super::groups::Groups;
use super::mailbox::Mailboxes;
use super::nat::Nat;
use super::{ConnectionInfo, Event, NodeConfig, NodeError, PeerInfo, Status, LISTEN_TIMEOUT};
use crate::model::now_ms;
use crate::phone::PhoneNumber;
use crate::rendezvous::InviteCode;
use crate::session::PrekeyRing;
use crate::store::{Profile, Store};

/// Commands handled in one loop turn before the turn's writes are flushed together.
const MAX_COMMANDS_PER_TURN: usize = 256;
/// `meta` name of the prekey ring.
pub(super) const PREKEYS: &str = "prekeys";
/// `meta` name of the live invites this node issued.
pub(super) const INVITES: &str = "invites";

/// What we know about a connected peer beyond the swarm's own state (its connections
/// are in `nat.paths`).
#[derive(Default)]
struct PeerMeta {
    agent: Option<String>,
    rtt: Option<Duration>,
}

pub(crate) struct Actor {
    pub(super) swarm: Swarm<Behaviour>,
    pub(super) store: Store,
    pub(super) profile: Profile,
    pub(super) config: NodeConfig,
    commands: mpsc::Receiver<Command>,
    events: broadcast::Sender<Event>,
    pub(super) durability: Durability,
    pub(super) dht: Dht,
    pub(super) discovery: Discovery,
    pub(super) prekeys: PrekeyRing,
    pub(super) dm: Dm,
    pub(super) mailboxes: Mailboxes,
    pub(super) groups: Groups,
    pub(super) content: super::content::ContentStats,
    pub(super) papers: super::paper::Papers,
    pub(super) files: super::files::Files,
    pub(super) links: super::link::Links,
    pub(super) redemptions: super::vouchers::Redemptions,
    pub(super) nat: Nat,
    pub(super) internal_tx: mpsc::UnboundedSender<Internal>,
    internal_rx: mpsc::UnboundedReceiver<Internal>,
    /// When the hourly upkeep (prekeys, sessions, caches) is next due (ms).
    pub(super) next_upkeep_ms: u64,
    pub(super) started: Instant,
    rejected: BTreeMap<String, u64>,
    failures: BTreeMap<String, u64>,
    pending_dials: HashMap<ConnectionId, oneshot::Sender<Result<PeerId, NodeError>>>,
    peers: HashMap<PeerId, PeerMeta>,
    bootstrap_peers: Vec<PeerId>,
    bootstrapped: bool,
    /// The first Kademlia bootstrap finished (or there was nothing to bootstrap from).
    pub(super) joined: bool,
    pub(super) routing_waiters: Vec<(usize, oneshot::Sender<usize>)>,
    pub(super) join_waiters: Vec<oneshot::Sender<()>>,
    /// A backup asked for, taken once the turn ends (`node::backup`).
    pub(super) backup: Option<super::backup::BackupJob>,
    /// The search index of a restored database, rebuilt in the background.
    pub(super) reindex: Option<super::backup::Reindex>,
}

impl Actor {
    /// An actor on the open `store` (`Node::start` opens it on a blocking thread).
    pub(crate) fn new(
        config: NodeConfig,
        store: Store,
        commands: mpsc::Receiver<Command>,
        events: broadcast::Sender<Event>,
    ) -> Result<Self, NodeError> {
        let profile = store.owner_profile()?;
        let now = now_ms() / 1000;
        let prekeys = match store.meta_value::<PrekeyRing>(PREKEYS)? {
            Some(ring) => ring,
            None => {
                let ring = PrekeyRing::new(now, &mut rand::rngs::OsRng).map_err(|e| NodeError::Internal {
                    what: "make_prekey",
                    source: e.into(),
                })?;
                store.set_meta_value(PREKEYS, &ring)?;
                ring
            }
        };
        let invites = store.meta_value::<Vec<InviteCode>>(INVITES)?.unwrap_or_default();
        let contacts = store.contacts()?;
        let discovery = Discovery::new(
            config.settings.discovery.discoverable,
            &contacts,
            invites,
            store.previous_identities()?,
        );
        let dm = Dm::load(&store, &contacts)?;
        let mailboxes = Mailboxes::load(&store, &config)?;
        let groups = Groups::load(&store)?;
        let content = super::content::ContentStats {
            pending: store.count_pending_actions() as u64,
            ..Default::default()
        };
        let papers = super::paper::Papers::load(&store)?;
        let (internal_tx, internal_rx) = mpsc::unbounded_channel();
        let nat = Nat::new(&config);
        let swarm = build_swarm(&config, nat.relayed.clone(), nat.admission.clone())?;
        let files = super::files::Files::new(
            &config.files_dir,
            swarm.behaviour().streams.new_control(),
            &config.settings.files,
        )?;
        let links = super::link::Links::load(&store, &config.identity, swarm.behaviour().streams.new_control())?;
        Ok(Self {
            files,
            links,
            redemptions: Default::default(),
            durability: Durability::new(store.flusher()),
            discovery,
            prekeys,
            dm,
            mailboxes,
            groups,
            content,
            papers,
            nat,
            internal_tx,
            internal_rx,
            next_upkeep_ms: now_ms() + super::deadlines::UPKEEP_EVERY_MS,
            swarm,
            store,
            profile,
            config,
            commands,
            events,
            dht: Dht::default(),
            started: Instant::now(),
            rejected: BTreeMap::new(),
            failures: BTreeMap::new(),
            pending_dials: HashMap::new(),
            peers: HashMap::new(),
            bootstrap_peers: Vec::new(),
            bootstrapped: false,
            joined: false,
            routing_waiters: Vec::new(),
            join_waiters: Vec::new(),
            backup: None,
            reindex: None,
        })
    }

    /// Starts every listener and waits until each reported an address or failed.
    pub(crate) async fn listen(&mut self) -> Result<(), NodeError> {
        let mut waiting = HashMap::new();
        for addr in self.config.listen.clone() {
            let id = self.swarm.listen_on(addr.clone()).map_err(|e| NodeError::Listen {
                addr: addr.to_string(),
                source: e.into(),
            })?;
            waiting.insert(id, addr);
        }
        let deadline = tokio::time::Instant::now() + LISTEN_TIMEOUT;
        while !waiting.is_empty() {
            let event = tokio::time::timeout_at(deadline, self.swarm.select_next_some())
                .await
                .map_err(|_| NodeError::Listen {
                    addr: waiting.values().map(|a| a.to_string()).collect::<Vec<_>>().join(", "),
                    source: "no listen address reported in time".into(),
                })?;
            match &event {
                SwarmEvent::NewListenAddr { listener_id, .. } => {
                    waiting.remove(listener_id);
                }
                SwarmEvent::ListenerError { listener_id, error } => {
                    if let Some(addr) = waiting.remove(listener_id) {
                        return Err(NodeError::Listen {
                            addr: addr.to_string(),
                            source: error.to_string().into(),
                        });
                    }
                }
                SwarmEvent::ListenerClosed {
                    listener_id, reason, ..
                } => {
                    if let Some(addr) = waiting.remove(listener_id) {
                        let reason = match reason {
                            Err(e) => e.to_string(),
                            Ok(()) => "closed".into(),
                        };
                        return Err(NodeError::Listen {
                            addr: addr.to_string(),
                            source: reason.into(),
                        });
                    }
                }
                _ => {}
            }
            self.on_swarm_event(event);
        }
        Ok(())
    }

    /// Adds the configured bootstrap peers (and, without any, remembered peers) to the
    /// routing table and dials them.
    pub(crate) fn bootstrap(&mut self) {
        for addr in self.bootstrap_addrs_into_table() {
            if let Some(peer) = peer_of(&addr) {
                self.bootstrap_peers.push(peer);
            }
            if let Err(e) = self.swarm.dial(addr.clone()) {
                tracing::warn!(%addr, error = %e, "cannot dial bootstrap peer");
            }
        }
    }

    /// Where the node bootstraps from — the configured bootstrap peers, else up to 8 cached
    /// peers of earlier runs — less its own address: those naming their peer are put into
    /// the routing table. Returns them all.
    pub(super) fn bootstrap_addrs_into_table(&mut self) -> Vec<Multiaddr> {
        let mut addrs = self.config.bootstrap.clone();
        if addrs.is_empty() {
            let cached = self.store.cached_peers().unwrap_or_default();
            for peer in cached.iter().take(8) {
                if let Some(addr) = peer.addrs.first().and_then(|a| a.parse::<Multiaddr>().ok()) {
                    if let Ok(peer_id) = peer.peer_id.parse::<PeerId>() {
                        addrs.push(addr.with_p2p(peer_id).unwrap_or_else(|a| a));
                    }
                }
            }
        }
        let local = *self.swarm.local_peer_id();
        addrs.retain(|addr| peer_of(addr) != Some(local));
        for addr in &addrs {
            if let Some(peer) = peer_of(addr) {
                self.swarm.behaviour_mut().kad.add_address(&peer, addr.clone());
            }
        }
        addrs
    }

    /// The event loop. Ends on `Shutdown` or when every handle is gone; flushes the store
    /// before returning.
    pub(crate) async fn run(mut self) {
        self.resume_groups();
        self.start_files();
        self.start_links();
        self.start_reindex();
        let mut shutdown_reply = None;
        loop {
            let wake = self.next_wake();
            tokio::select! {
                command = self.commands.recv() => match command {
                    None => break,
                    Some(Command::Shutdown(reply)) => { shutdown_reply = Some(reply); break }
                    Some(command) => {
                        self.on_command(command);
                        for _ in 1..MAX_COMMANDS_PER_TURN {
                            match self.commands.try_recv() {
                                Ok(Command::Shutdown(reply)) => { shutdown_reply = Some(reply); break }
                                Ok(command) => self.on_command(command),
                                Err(_) => break,
                            }
                        }
                        if shutdown_reply.is_some() { break }
                    }
                },
                event = self.swarm.select_next_some() => self.on_swarm_event(event),
                released = self.durability.completed() => {
                    for action in released { action(&mut self) }
                }
                Some(internal) = self.internal_rx.recv() => self.on_internal(internal),
                Some(event) = self.files.events.recv() => self.on_file_event(event),
                Some(event) = self.links.events.recv() => self.on_link_event(event),
                _ = tokio::time::sleep_until(wake) => self.on_deadline(),
            }
            self.end_turn();
            self.write_groups();
            self.durability.kick();
            self.take_backup().await;
        }
        let result = self.finish().await;
        if let Some(reply) = shutdown_reply {
            let _ = reply.send(result);
        }
    }

    /// Writes what was changed and kept in memory until the flush.
    pub(super) fn write_state(&mut self) {
        self.write_pending();
        self.write_guard_lazily(true);
        self.write_all_groups();
    }

    /// Lets in-flight durable actions complete, then flushes everything.
    async fn finish(mut self) -> Result<(), NodeError> {
        self.stop_reindex().await;
        self.write_state();
        while !self.durability.is_idle() {
            self.write_state();
            self.durability.kick();
            for action in self.durability.completed().await {
                action(&mut self);
            }
        }
        let store = self.store.clone();
        drop(self.swarm);
        tokio::task::spawn_blocking(move || store.flush())
            .await
            .map_err(|source| NodeError::Task { what: "flush", source })??;
        Ok(())
    }

    /// Whether the node had nobody to bootstrap from (the first node of a network).
    pub(super) fn bootstrap_peers_empty(&self) -> bool {
        self.bootstrap_peers.is_empty()
    }

    /// Publishes an event to every subscriber (none listening is fine).
    /// A new receiver of the node's events (a linked device's sync follows them).
    pub(super) fn subscribe_events(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    pub(super) fn emit(&self, event: Event) {
        let _ = self.events.send(event);
    }

    /// Counts and reports rejected network input.
    /// Counts and logs a failed operation of the node's own (`kind.operation`, e.g.
    /// `store.put_contact`) whose caller cannot do more about it.
    pub(super) fn failed(&mut self, what: &str, error: &dyn std::error::Error) {
        *self.failures.entry(what.to_owned()).or_default() += 1;
        tracing::error!(what, error = %error, "operation failed");
    }

    pub(super) fn reject(&mut self, peer: Option<PeerId>, protocol: &str, reason: &str) {
        *self.rejected.entry(format!("{protocol}.{reason}")).or_default() += 1;
        tracing::debug!(?peer, protocol, reason, "rejected input");
        self.emit(Event::Rejected {
            peer_id: peer.map(|p| p.to_string()),
            protocol: protocol.to_owned(),
            reason: reason.to_owned(),
        });
    }

    pub(super) fn dial(&mut self, addr: Multiaddr, reply: oneshot::Sender<Result<PeerId, NodeError>>) {
        if let Some(peer) = peer_of(&addr) {
            if self.swarm.is_connected(&peer) {
                let _ = reply.send(Ok(peer));
                return;
            }
        }
        let opts = DialOpts::from(addr.clone());
        let id = opts.connection_id();
        match self.swarm.dial(opts) {
            Ok(()) => {
                self.pending_dials.insert(id, reply);
            }
            Err(e) => {
                let _ = reply.send(Err(NodeError::Dial {
                    peer: addr.to_string(),
                    source: e.into(),
                }));
            }
        }
    }

    pub(super) fn routing_table_size(&mut self) -> usize {
        self.swarm.behaviour_mut().kad.kbuckets().map(|b| b.num_entries()).sum()
    }

    /// The owner's number; a refusal on an operator's node, which has none (and so no
    /// contacts, messages or groups), and on a device linked to an account for what it does
    /// not forward to its first device (SPEC.md §8.5).
    pub(super) fn own_phone(&self) -> Result<PhoneNumber, NodeError> {
        if self.is_linked_device() {
            return Err(super::link::linked_device());
        }
        self.profile.phone.clone().ok_or_else(|| {
            super::refusal::Refusal::invalid(
                "no_phone",
                "this node has no phone number (an operator's bootstrap, mailbox or relay node): it keeps no contacts, messages or groups",
            )
            .into()
        })
    }

    /// Answers `wait_routing_table` callers whose minimum is reached, and `wait_joined`
    /// callers once the node has joined (its first bootstrap finished, or it had nobody to
    /// bootstrap from).
    pub(super) fn check_routing_waiters(&mut self) {
        if self.joined || self.bootstrap_peers.is_empty() {
            for reply in self.join_waiters.drain(..) {
                let _ = reply.send(());
            }
        }
        if self.routing_waiters.is_empty() {
            return;
        }
        let size = self.routing_table_size();
        let (ready, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.routing_waiters)
            .into_iter()
            .partition(|(min, _)| *min <= size);
        self.routing_waiters = waiting;
        for (_, reply) in ready {
            let _ = reply.send(size);
        }
    }

    pub(super) fn status(&mut self) -> Status {
        let routing_table_size = self.routing_table_size();
        let profile = &self.profile;
        Status {
            peer_id: self.swarm.local_peer_id().to_string(),
            phone: profile.phone.as_ref().map(ToString::to_string).unwrap_or_default(),
            name: profile.name.clone(),
            version: crate::VERSION.to_owned(),
            listen_addrs: self.swarm.listeners().map(|a| a.to_string()).collect(),
            reachability: self.reachability().as_str().to_owned(),
            external_addrs: self.swarm.external_addresses().map(|a| a.to_string()).collect(),
            role: self.config.role.map(|r| r.as_str().to_owned()),
            nat: self.nat_status(),
            connected_peers: self.swarm.connected_peers().count(),
            routing_table_size,
            dht_rejoins: self.dht.rejoin.tries(),
            dht_records: self.dht_record_count(),
            uptime_s: self.started.elapsed().as_secs(),
            rejected: self.rejected.clone(),
            failures: self.failures.clone(),
            discovery: self.discovery.stats().clone(),
            messages: self.dm.stats.clone(),
            groups: self.groups.stats.clone(),
            content: self.content,
            files: self.files.stats(),
            mailbox: self.mailboxes.service_stats(),
            my_mailboxes: self.mailboxes.registered().map(|m| m.peer_id.clone()).collect(),
        }
    }

    pub(super) fn peer_infos(&mut self) -> Vec<PeerInfo> {
        let mut routing = std::collections::HashSet::new();
        for bucket in self.swarm.behaviour_mut().kad.kbuckets() {
            for entry in bucket.iter() {
                routing.insert(*entry.node.key.preimage());
            }
        }
        let mesh: std::collections::HashSet<PeerId> =
            self.swarm.behaviour().gossipsub.all_mesh_peers().copied().collect();
        let connected: Vec<PeerId> = self.swarm.connected_peers().copied().collect();
        connected
            .into_iter()
            .map(|peer| {
                let meta = self.peers.get(&peer);
                let connections: Vec<ConnectionInfo> = self
                    .nat
                    .paths
                    .of(peer)
                    .map(|c| ConnectionInfo {
                        addr: c.addr.to_string(),
                        path: c.path.as_str().to_owned(),
                        direction: if c.outbound { "outbound" } else { "inbound" }.to_owned(),
                    })
                    .collect();
                PeerInfo {
                    peer_id: peer.to_string(),
                    addrs: connections.iter().map(|c| c.addr.clone()).collect(),
                    path: self.nat.paths.best(&peer).map(|p| p.as_str().to_owned()),
                    connections,
                    agent: meta.and_then(|m| m.agent.clone()),
                    rtt_ms: meta.and_then(|m| m.rtt).map(|d| d.as_secs_f64() * 1000.0),
                    in_routing_table: routing.contains(&peer),
                    gossip_score: {
                        let gossip = &self.swarm.behaviour().gossipsub;
                        gossip
                            .is_gossiping_with(&peer)
                            .then(|| gossip.peer_score(&peer))
                            .flatten()
                    },
                    gossip_mesh: mesh.contains(&peer),
                }
            })
            .collect()
    }

    fn on_swarm_event(&mut self, event: SwarmEvent<BehaviourEvent>) {
        if let Some(metrics) = &self.config.metrics {
            metrics.record(&event);
        }
        self.nat_observe(&event);
        match event {
            SwarmEvent::NewListenAddr { address, .. } => {
                tracing::info!(%address, "listening");
                self.discovery.republish_soon();
                self.emit(Event::Listening {
                    addr: address.to_string(),
                });
            }
            SwarmEvent::ExpiredListenAddr { .. }
            | SwarmEvent::ExternalAddrConfirmed { .. }
            | SwarmEvent::ExternalAddrExpired { .. } => {
                self.discovery.republish_soon();
            }
            SwarmEvent::ConnectionEstablished {
                peer_id,
                connection_id,
                num_established,
                endpoint,
                ..
            } => {
                if let Some(reply) = self.pending_dials.remove(&connection_id) {
                    let _ = reply.send(Ok(peer_id));
                }
                self.link_peer_connected(&peer_id);
                let dialled = match &endpoint {
                    ConnectedPoint::Dialer { address, .. } if !super::nat::addrs::is_relayed(address) => Some(address),
                    _ => None, // accepted, or a circuit: no address to bootstrap from
                };
                if let Some(address) = dialled {
                    // A hint for the next start, not a promise: it rides on the next flush.
                    match self
                        .store
                        .remember_peer(&peer_id.to_string(), &address.to_string(), now_ms())
                    {
                        Ok(true) => self.durability.wrote_lazily(),
                        Ok(false) => {}
                        Err(e) => tracing::warn!(error = %e, "cannot cache a peer address"),
                    }
                }
                self.peers.entry(peer_id).or_default();
                if num_established.get() == 1 {
                    self.emit(Event::PeerConnected {
                        peer_id: peer_id.to_string(),
                    });
                }
                if !self.bootstrapped && self.bootstrap_peers.contains(&peer_id) {
                    self.bootstrapped = true;
                    if let Err(e) = self.swarm.behaviour_mut().kad.bootstrap() {
                        tracing::debug!(error = %e, "kad bootstrap not started");
                    }
                }
            }
            SwarmEvent::ConnectionClosed {
                peer_id,
                connection_id,
                num_established,
                ..
            } => {
                self.mailbox_connection_closed(peer_id, connection_id);
                if num_established > 0 {
                    return;
                }
                self.peers.remove(&peer_id);
                self.mailboxes.forget_node(&peer_id);
                self.groups_connection_lost();
                self.emit(Event::PeerDisconnected {
                    peer_id: peer_id.to_string(),
                });
            }
            SwarmEvent::OutgoingConnectionError {
                connection_id,
                peer_id,
                error,
            } => {
                tracing::debug!(?peer_id, %error, "dial failed");
                if let Some(reply) = self.pending_dials.remove(&connection_id) {
                    let peer = peer_id.map(|p| p.to_string()).unwrap_or_else(|| "peer".into());
                    let _ = reply.send(Err(NodeError::Dial {
                        peer,
                        source: error.into(),
                    }));
                }
            }
            SwarmEvent::IncomingConnectionError {
                error, send_back_addr, ..
            } => {
                tracing::debug!(%send_back_addr, %error, "incoming connection failed");
                if let Some(reason) = super::admission::refused_because(&error) {
                    self.reject(None, "net", reason);
                }
            }
            SwarmEvent::Behaviour(event) => self.on_behaviour_event(event),
            _ => {}
        }
    }

    fn on_behaviour_event(&mut self, event: BehaviourEvent) {
        match event {
            BehaviourEvent::Identify(identify::Event::Received {
                peer_id,
                info,
                connection_id,
            }) => {
                self.nat_observed(&connection_id, &info.observed_addr);
                if info.protocols.iter().any(|p| p.as_ref() == KAD_PROTOCOL) {
                    // Only addresses that reach it from where we see it: others learn
                    // them from us in lookups.
                    let seen = self.nat.paths.remote_addr(&connection_id).cloned();
                    for addr in &info.listen_addrs {
                        if seen
                            .as_ref()
                            .is_none_or(|seen| super::nat::addrs::reachable_from(addr, seen))
                        {
                            self.offer_dht_address(peer_id, addr.clone());
                        }
                    }
                } else {
                    // It stopped serving the DHT (found itself private): libp2p would keep
                    // it, unreachable, in the routing table and hand it out to lookups.
                    self.swarm.behaviour_mut().kad.remove_peer(&peer_id);
                }
                let speaks = |protocol: &str| info.protocols.iter().any(|p| p.as_ref() == protocol);
                // A mailbox must be reachable by everyone: one that found itself private
                // (it stops serving the DHT) is not chosen.
                if speaks(crate::mailbox::MAILBOX_PROTOCOL) && speaks(KAD_PROTOCOL) {
                    let mut addrs = info.listen_addrs.clone();
                    addrs.retain(|a| !super::nat::addrs::is_relayed(a));
                    self.mailboxes.saw_mailbox_node(peer_id, addrs);
                }
                if speaks(libp2p::relay::HOP_PROTOCOL_NAME.as_ref()) {
                    self.saw_relay(peer_id, &info.listen_addrs);
                }
                self.peers.entry(peer_id).or_default().agent = Some(info.agent_version);
            }
            BehaviourEvent::Ping(ping::Event {
                peer, result: Ok(rtt), ..
            }) => {
                if let Some(meta) = self.peers.get_mut(&peer) {
                    meta.rtt = Some(rtt);
                }
            }
            BehaviourEvent::Kad(event) => self.on_kad_event(event),
            BehaviourEvent::Dm(event) => match event {
                request_response::Event::Message { peer, message, .. } => match message {
                    request_response::Message::Request { request, channel, .. } => {
                        self.on_dm_request(peer, &request, channel)
                    }
                    request_response::Message::Response { request_id, response } => {
                        self.on_dm_response(peer, request_id, &response)
                    }
                },
                request_response::Event::OutboundFailure {
                    peer,
                    request_id,
                    error,
                    ..
                } => self.on_dm_failure(peer, request_id, &error),
                request_response::Event::InboundFailure { peer, error, .. } => {
                    self.reject(Some(peer), "dm", inbound_reason(&error));
                }
                request_response::Event::ResponseSent { .. } => {}
            },
            BehaviourEvent::Mailbox(event) => match event {
                request_response::Event::Message {
                    peer,
                    connection_id: via,
                    message,
                } => match message {
                    request_response::Message::Request { request, channel, .. } => {
                        self.on_mbox_request(peer, via, &request, channel)
                    }
                    request_response::Message::Response { request_id, response } => {
                        self.on_mbox_response(peer, via, request_id, &response)
                    }
                },
                request_response::Event::OutboundFailure { request_id, error, .. } => {
                    self.on_mbox_failure(request_id, &error)
                }
                request_response::Event::InboundFailure { peer, error, .. } => {
                    self.reject(Some(peer), "mailbox", inbound_reason(&error));
                }
                request_response::Event::ResponseSent { .. } => {}
            },
            BehaviourEvent::MailboxNotice(event) => self.on_notice_event(event),
            BehaviourEvent::Gossipsub(super::gossip::Event::Gossipsub(libp2p::gossipsub::Event::Message {
                propagation_source,
                message_id,
                message,
            })) => self.on_gossip_message(propagation_source, message_id, message),
            BehaviourEvent::Gossipsub(super::gossip::Event::ShutOut { peer_id }) => {
                self.reject(Some(peer_id), "gossip", "foreign_topic")
            }
            BehaviourEvent::Gossipsub(super::gossip::Event::Gossipsub(libp2p::gossipsub::Event::Subscribed {
                ..
            })) => self.member_subscribed(),
            BehaviourEvent::GroupSync(event) => self.on_group_sync_event(event),
            BehaviourEvent::Meetup(event) => self.on_meetup_event(event),
            BehaviourEvent::Vouchers(event) => self.on_voucher_event(event),
            event @ (BehaviourEvent::Autonat(_)
            | BehaviourEvent::AutonatServer(_)
            | BehaviourEvent::RelayClient(_)
            | BehaviourEvent::Relay(_)
            | BehaviourEvent::Dcutr(_)
            | BehaviourEvent::Upnp(_)) => self.on_nat_event(event),
            BehaviourEvent::Mdns(mdns::Event::Discovered(found)) => {
                for (peer, addr) in found {
                    self.swarm.behaviour_mut().kad.add_address(&peer, addr.clone());
                    if !self.swarm.is_connected(&peer) {
                        let _ = self.swarm.dial(addr);
                    }
                }
            }
            _ => {}
        }
    }
}

/// A stable reason name for a failed inbound request (counted as a rejection).
pub(super) fn inbound_reason(error: &request_response::InboundFailure) -> &'static str {
    match error {
        request_response::InboundFailure::Timeout => "timeout",
        request_response::InboundFailure::ConnectionClosed => "connection_closed",
        request_response::InboundFailure::UnsupportedProtocols => "unsupported_protocol",
        request_response::InboundFailure::ResponseOmission => "no_response",
        request_response::InboundFailure::Io(_) => "bad_frame",
    }
}

/// The peer id at the end of a multiaddr (`…/p2p/<id>`), if any.
pub(crate) fn peer_of(addr: &Multiaddr) -> Option<PeerId> {
    addr.iter().last().and_then(|p| match p {
        Protocol::P2p(peer) => Some(peer),
        _ => None,
    })
}
