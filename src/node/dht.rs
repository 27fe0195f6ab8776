//! The actor's Kademlia part: record filtering (nothing is stored before the rendezvous
//! storage rules accept it, SPEC.md §5.4), per-peer PUT rate limits, and the put/get
//! queries behind [`super::NodeHandle::dht_put`] and [`super::NodeHandle::dht_get`].

use std::collections::HashMap;
use std::time::Instant;

use libp2p::kad::store::RecordStore;
use libp2p::kad::{self, GetRecordOk, InboundRequest, QueryId, QueryResult, Quorum, Record, RecordKey};
use libp2p::PeerId;
use tokio::sync::oneshot;

use super::actor::Actor;
use super::behaviour::DHT_RECORD_TTL;
use super::discovery::Published;
use super::rejoin::Rejoin;
use super::{Cause, NodeError};
use crate::model::now_ms;
use crate::phone::PhoneNumber;
use crate::ratelimit::{KeyedLimiter, Rate};
use crate::rendezvous::storage;
use crate::rendezvous::RendezvousKeys;

/// PUTs accepted from one peer: a burst of 120, then 60 a minute.
pub const PUT_RATE: Rate = Rate {
    burst: 120,
    per_minute: 60,
};
/// Peers tracked by the PUT rate limiter.
pub const MAX_RATE_LIMITED_PEERS: usize = 4096;
/// Protocol name used when counting rejections.
const PROTOCOL: &str = "kad";
/// A peer's addresses are asked of the DHT at most this often.
const PEER_ROUTE_EVERY_MS: u64 = 30_000;
/// Peers whose addresses may be asked for at once (more wait for the next turn).
const MAX_PEER_ROUTES: usize = 256;
/// How often idle peers are forgotten by the put limiter.
const HOUSEKEEPING_MS: u64 = 60_000;

/// Who waits for a get.
pub(crate) enum GetDone {
    /// A `dht_get` caller.
    Reply(oneshot::Sender<Result<Vec<Vec<u8>>, NodeError>>),
    /// A contact lookup (the keys open what is found).
    Lookup { phone: PhoneNumber, keys: RendezvousKeys },
}

/// Who waits for a put.
pub(crate) enum PutDone {
    /// A `dht_put` caller.
    Reply(oneshot::Sender<Result<(), NodeError>>),
    /// The node's own record publication (under the mutual keys shared with `contact`,
    /// if any), and what runs when it is over.
    Publish {
        contact: Option<PhoneNumber>,
        then: Option<super::discovery::AfterPut>,
    },
}

/// Why a put stored nothing.
enum PutFailed {
    /// This node would not put the value (not newer than what it holds, or kad refused
    /// it): putting it again changes nothing.
    Refused(Cause),
    /// No DHT node took it in time: worth another try.
    Unreached(Cause),
}

impl PutFailed {
    fn into_source(self) -> Cause {
        match self {
            Self::Refused(e) | Self::Unreached(e) => e,
        }
    }

    fn outcome(&self) -> Published {
        match self {
            Self::Refused(_) => Published::Refused,
            Self::Unreached(_) => Published::Unreached,
        }
    }
}

struct PendingGet {
    done: GetDone,
    quorum: usize,
    answers: usize,
    values: Vec<Vec<u8>>,
    /// Why the query ended without an answer, unless it was because nobody held the key.
    failure: Option<String>,
}

/// Kademlia bookkeeping owned by the actor.
pub(crate) struct Dht {
    puts: HashMap<QueryId, PutDone>,
    gets: HashMap<QueryId, PendingGet>,
    /// Peer routing queries: whose addresses, and for which contact.
    peer_routes: HashMap<QueryId, (PeerId, PhoneNumber)>,
    /// When each peer's addresses were last asked for.
    routed_at: HashMap<PeerId, u64>,
    put_limiter: KeyedLimiter<PeerId>,
    /// When idle peers are next forgotten by the put limiter (ms).
    next_housekeeping_ms: u64,
    /// When to bootstrap again while the routing table is thin.
    pub(crate) rejoin: Rejoin,
}

impl Default for Dht {
    fn default() -> Self {
        Self {
            puts: HashMap::new(),
            gets: HashMap::new(),
            peer_routes: HashMap::new(),
            routed_at: HashMap::new(),
            put_limiter: KeyedLimiter::new(PUT_RATE, MAX_RATE_LIMITED_PEERS),
            next_housekeeping_ms: now_ms() + HOUSEKEEPING_MS,
            rejoin: Rejoin::new(now_ms()),
        }
    }
}

impl Dht {
    /// When [`Dht::housekeep`] or the thin-table check is next due (ms).
    pub(crate) fn deadline_ms(&self) -> u64 {
        self.next_housekeeping_ms.min(self.rejoin.poll_timeout())
    }

    /// Forgets peers idle in the put limiter, once a minute.
    pub(crate) fn housekeep(&mut self, now: u64) {
        if now >= self.next_housekeeping_ms {
            self.next_housekeeping_ms = now + HOUSEKEEPING_MS;
            self.put_limiter.forget_idle(now);
        }
    }
}

impl Actor {
    /// Bootstraps again when [`Rejoin`] says the thin routing table is due another try:
    /// the bootstrap addresses go back into the table first (a table that emptied has
    /// nobody else to ask).
    pub(super) fn rejoin_when_thin(&mut self, now: u64) {
        if now < self.dht.rejoin.poll_timeout() {
            return;
        }
        let peers = self.routing_table_size();
        if !self.dht.rejoin.poll(now, peers) {
            return;
        }
        tracing::debug!(peers, "routing table thin: bootstrapping again");
        self.bootstrap_addrs_into_table();
        if let Err(e) = self.swarm.behaviour_mut().kad.bootstrap() {
            tracing::debug!(error = %e, "kad bootstrap not started");
        }
    }

    /// Asks the DHT where `peer` is (a fellow group member with no record of its own):
    /// a public one is a DHT server whose addresses its neighbours know. At most once per
    /// [`PEER_ROUTE_EVERY_MS`] per peer; what is found is tried for `phone` at once.
    pub(super) fn route_to_peer(&mut self, peer: PeerId, phone: &PhoneNumber) {
        let now = now_ms();
        let fresh = |at: &u64| now.saturating_sub(*at) < PEER_ROUTE_EVERY_MS;
        let routes = &mut self.dht;
        if routes.routed_at.get(&peer).is_some_and(fresh) {
            return;
        }
        routes.routed_at.retain(|_, at| fresh(at));
        if routes.routed_at.len() >= MAX_PEER_ROUTES {
            return;
        }
        routes.routed_at.insert(peer, now);
        let id = self.swarm.behaviour_mut().kad.get_closest_peers(peer);
        self.dht.peer_routes.insert(id, (peer, phone.clone()));
    }

    fn on_peer_routed(&mut self, id: QueryId, peers: Vec<kad::PeerInfo>) {
        let Some((peer, phone)) = self.dht.peer_routes.remove(&id) else {
            return;
        };
        let addrs: Vec<libp2p::Multiaddr> = peers
            .into_iter()
            .filter(|info| info.peer_id == peer)
            .flat_map(|info| info.addrs)
            .collect();
        if !addrs.is_empty() && self.learn_addrs(peer, addrs) {
            self.pump_friend(&phone);
        }
    }

    /// Offers a DHT server's address to the routing table. With `probe_full_buckets` off
    /// a new peer is inserted only while its bucket has room (libp2p would dial the
    /// bucket's oldest entry to see whether it is still alive); a peer already in the
    /// table always gets the address.
    pub(super) fn offer_dht_address(&mut self, peer: PeerId, address: libp2p::Multiaddr) {
        let probe = self.config.probe_full_buckets;
        let kad = &mut self.swarm.behaviour_mut().kad;
        let welcome = probe
            || kad.kbucket(peer).is_some_and(|bucket| {
                bucket.num_entries() < kad::K_VALUE.get() || bucket.iter().any(|e| *e.node.key.preimage() == peer)
            });
        if welcome {
            kad.add_address(&peer, address);
        }
    }

    pub(super) fn dht_record_count(&mut self) -> usize {
        self.swarm.behaviour_mut().kad.store_mut().records().count()
    }

    /// Validates our own value like any storing node would, merges it with what we hold
    /// for the key, stores it locally and sends it to the closest peers.
    pub(super) fn dht_put_for(&mut self, key: Vec<u8>, value: Vec<u8>, done: PutDone) {
        let record_key = RecordKey::new(&key);
        let kad = &mut self.swarm.behaviour_mut().kad;
        let existing = kad.store_mut().get(&record_key).map(|r| r.value.clone());
        let merged = match storage::validate_put(&key, &value, existing.as_deref(), now_ms() / 1000) {
            Ok(merged) => merged,
            Err(e) => return self.put_finished(done, Err(PutFailed::Refused(e.into()))),
        };
        let mut record = Record::new(record_key, merged);
        record.expires = Some(Instant::now() + DHT_RECORD_TTL);
        match kad.put_record(record, Quorum::One) {
            Ok(id) => {
                self.dht.puts.insert(id, done);
            }
            Err(e) => self.put_finished(done, Err(PutFailed::Refused(format!("{e:?}").into()))),
        }
    }

    fn put_finished(&mut self, done: PutDone, result: Result<(), PutFailed>) {
        match done {
            PutDone::Reply(reply) => {
                let _ = reply.send(result.map_err(|failed| NodeError::Dht {
                    op: "put",
                    source: failed.into_source(),
                }));
            }
            PutDone::Publish { contact, then } => {
                let outcome = match result {
                    Ok(()) => Published::Stored,
                    Err(failed) => {
                        let outcome = failed.outcome();
                        tracing::debug!(error = %failed.into_source(), ?outcome, "a record publication failed");
                        outcome
                    }
                };
                self.on_publish_done(outcome, contact, then)
            }
        }
    }

    /// Starts a lookup that completes once `quorum` peers answered (or the query ends).
    pub(super) fn dht_get_for(&mut self, key: Vec<u8>, quorum: usize, done: GetDone) {
        let id = self.swarm.behaviour_mut().kad.get_record(RecordKey::new(&key));
        self.dht.gets.insert(
            id,
            PendingGet {
                done,
                quorum: quorum.max(1),
                answers: 0,
                values: Vec::new(),
                failure: None,
            },
        );
    }

    pub(super) fn on_kad_event(&mut self, event: kad::Event) {
        match event {
            kad::Event::InboundRequest {
                request:
                    InboundRequest::PutRecord {
                        source,
                        record: Some(record),
                        ..
                    },
            } => {
                self.on_inbound_put(source, record);
            }
            kad::Event::InboundRequest {
                request: InboundRequest::AddProvider { .. },
            } => {
                self.reject(None, PROTOCOL, "provider_records_unsupported");
            }
            kad::Event::RoutingUpdated { .. } => self.check_routing_waiters(),
            kad::Event::RoutablePeer { peer, address } => self.offer_dht_address(peer, address),
            kad::Event::OutboundQueryProgressed { id, result, step, .. } => match result {
                QueryResult::PutRecord(result) => {
                    if let Some(done) = self.dht.puts.remove(&id) {
                        let result = result.map(|_| ()).map_err(|e| PutFailed::Unreached(e.into()));
                        self.put_finished(done, result);
                    }
                }
                QueryResult::GetRecord(result) => self.on_get_progress(id, result, step.last),
                QueryResult::GetClosestPeers(result) if step.last => {
                    let peers = match result {
                        Ok(kad::GetClosestPeersOk { peers, .. })
                        | Err(kad::GetClosestPeersError::Timeout { peers, .. }) => peers,
                    };
                    self.on_peer_routed(id, peers);
                }
                QueryResult::Bootstrap(Ok(kad::BootstrapOk { num_remaining: 0, .. }) | Err(_)) => {
                    let peers = self.routing_table_size();
                    self.dht.rejoin.bootstrap_ended(now_ms(), peers);
                    if !self.joined {
                        self.joined = true;
                        self.check_routing_waiters();
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }

    fn on_inbound_put(&mut self, source: PeerId, record: Record) {
        let now = now_ms();
        if !self.dht.put_limiter.allow(&source, now) {
            self.reject(Some(source), PROTOCOL, "rate_limited");
            return;
        }
        let key = record.key.to_vec();
        let store = self.swarm.behaviour_mut().kad.store_mut();
        let existing = store.get(&record.key).map(|r| r.value.clone());
        match storage::validate_put(&key, &record.value, existing.as_deref(), now / 1000) {
            Ok(merged) => {
                let mut stored = Record::new(record.key, merged);
                stored.expires = Some(Instant::now() + DHT_RECORD_TTL);
                if let Err(e) = store.put(stored) {
                    self.reject(Some(source), PROTOCOL, store_error_reason(&e));
                }
            }
            Err(e) => self.reject(Some(source), PROTOCOL, e.reason()),
        }
    }

    fn on_get_progress(&mut self, id: QueryId, result: Result<GetRecordOk, kad::GetRecordError>, last: bool) {
        let Some(pending) = self.dht.gets.get_mut(&id) else {
            return;
        };
        let mut junk_from = None;
        match &result {
            Err(kad::GetRecordError::NotFound { .. }) | Ok(_) => {}
            Err(e) => pending.failure = Some(e.to_string()),
        }
        if let Ok(GetRecordOk::FoundRecord(found)) = &result {
            pending.answers += 1;
            match storage::filter_answer(found.record.key.as_ref(), &found.record.value, now_ms() / 1000) {
                Some(value) => pending.values.push(value),
                None => junk_from = Some(found.peer),
            }
        }
        let done = last || pending.answers >= pending.quorum;
        if let Some(peer) = junk_from {
            self.reject(peer, PROTOCOL, "invalid_answer");
        }
        if done {
            if let Some(pending) = self.dht.gets.remove(&id) {
                if !last {
                    if let Some(mut query) = self.swarm.behaviour_mut().kad.query_mut(&id) {
                        query.finish();
                    }
                }
                match pending.done {
                    // A query that timed out is a failure, not an absence.
                    GetDone::Reply(reply) => {
                        let _ = reply.send(match pending.failure {
                            Some(failure) if pending.values.is_empty() => Err(NodeError::Dht {
                                op: "get",
                                source: failure.into(),
                            }),
                            _ => Ok(pending.values),
                        });
                    }
                    GetDone::Lookup { phone, keys } => self.on_lookup_answer(phone, keys, pending.values),
                }
            }
        }
    }
}

fn store_error_reason(error: &kad::store::Error) -> &'static str {
    match error {
        kad::store::Error::MaxRecords => "store_full",
        kad::store::Error::ValueTooLarge => "oversized",
        kad::store::Error::MaxProvidedKeys => "store_full",
    }
}
