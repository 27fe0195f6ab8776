//! The node side of `/chingu/mailbox/1` (SPEC.md §6.6): serving as a mailbox
//! (`run --mailbox`), choosing and registering with mailboxes for ourselves, depositing
//! sealed messages for unreachable friends, and picking up what waits for us (on the
//! schedule of [`PickupSchedule`], watching where the mailbox can tell us of deposits;
//! the notices themselves are in `mailbox_push`).

use std::collections::HashMap;

use libp2p::identity::ed25519;
use libp2p::request_response::{self, OutboundRequestId, ResponseChannel};
use libp2p::swarm::ConnectionId;
use libp2p::{Multiaddr, PeerId};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use super::actor::Actor;
use crate::content::body::WireBody;
use crate::dm::wire::DmPayload;
use crate::mailbox::pickup::{Cause, PickupSchedule, WATCHED_PICKUP_EVERY_MS};
use crate::mailbox::service::{MailboxService, MailboxStats, Reply};
use crate::mailbox::wire::{
    ack_message, fetch_message, register_message, sign, tag_keypair, watch_message, Item, MboxRequest, MboxResponse,
};
use crate::model::{now_ms, MessageState, MsgId};
use crate::phone::PhoneNumber;
use crate::session::{HandshakePayload, Sealed};
use crate::wire::{Bytes, Fixed, List};

/// How many mailboxes a node uses.
pub const MAILBOXES_PER_NODE: usize = 2;
/// Registration lifetime asked for (7 days); renewed when less than a day is left
/// ([`crate::mailbox::pickup::RENEW_BEFORE_MS`]).
const REGISTRATION_SECS: u64 = 7 * 24 * 3600;
/// How often a mailbox service drops expired items.
const EXPIRE_EVERY_MS: u64 = 60_000;
/// Deposits in flight per mailbox (more would exceed libp2p's concurrent-stream cap);
/// the rest wait in a queue.
const DEPOSITS_IN_FLIGHT: usize = 16;
/// `meta` name of our mailboxes.
const MY_MAILBOXES: &str = "my_mailboxes";

/// A mailbox this node uses, as persisted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyMailbox {
    /// The mailbox node's peer id.
    pub peer_id: String,
    /// Its addresses.
    pub addrs: Vec<String>,
    /// Registered until (unix seconds; 0 = not yet).
    pub registered_until: u64,
}

/// What an outbound mailbox request was for.
enum MboxInFlight {
    Register { peer: PeerId },
    Deposit { peer: PeerId, ids: Vec<MsgId> },
    Challenge { peer: PeerId },
    Watch { peer: PeerId, nonce: [u8; 32] },
    Fetch { peer: PeerId, nonce: [u8; 32] },
    Ack { peer: PeerId, more: bool },
}

/// Mailbox state owned by the actor.
pub(crate) struct Mailboxes {
    pub(super) service: Option<MailboxService>,
    pub(super) mine: Vec<MyMailbox>,
    /// Reachable mailbox nodes learned from identify.
    candidates: HashMap<PeerId, Vec<Multiaddr>>,
    in_flight: HashMap<OutboundRequestId, MboxInFlight>,
    /// When we pick up from each of our mailboxes, and the watches they hold for us.
    pub(super) schedule: PickupSchedule<PeerId, ConnectionId>,
    /// Notices we sent as a mailbox: (recipient, tag).
    pub(super) notices: HashMap<OutboundRequestId, (PeerId, [u8; 32])>,
    next_expire_ms: u64,
    /// Our mailboxes are to be chosen again and looked at at the next turn (a mailbox
    /// node seen or gone, a registration lost).
    review_soon: bool,
    /// Items opened from our mailboxes.
    pub(super) picked_up: u64,
    /// Deposits waiting for a slot, per mailbox: (addresses, request, message ids).
    deposit_queue: HashMap<PeerId, std::collections::VecDeque<QueuedDeposit>>,
    deposits_in_flight: HashMap<PeerId, usize>,
}

/// A deposit waiting for a free slot towards its mailbox.
struct QueuedDeposit {
    addrs: Vec<String>,
    request: MboxRequest,
    ids: Vec<MsgId>,
}

impl Mailboxes {
    pub(crate) fn load(
        store: &crate::store::Store,
        config: &super::NodeConfig,
    ) -> Result<Self, crate::store::StoreError> {
        let settings = &config.settings.mailbox;
        let service = if settings.serve {
            Some(MailboxService::open(
                store,
                config.identity.peer_id().to_bytes(),
                now_ms(),
            )?)
        } else {
            None
        };
        // With a live watch: 4 min, and well inside the idle timeout, so that the
        // connection holding the watch stays in use.
        let idle_ms = config.idle_timeout.as_millis() as u64;
        let watched_ms = WATCHED_PICKUP_EVERY_MS.min(idle_ms / 5 * 4).max(1_000);
        let schedule = PickupSchedule::new(settings.pickup_secs.max(1) * 1000, watched_ms, settings.push);
        Ok(Self {
            service,
            mine: store.meta_value(MY_MAILBOXES)?.unwrap_or_default(),
            candidates: HashMap::new(),
            in_flight: HashMap::new(),
            schedule,
            notices: HashMap::new(),
            next_expire_ms: 0,
            review_soon: true,
            picked_up: 0,
            deposit_queue: HashMap::new(),
            deposits_in_flight: HashMap::new(),
        })
    }

    /// What this node holds as a mailbox (None when it does not serve).
    pub(crate) fn service_stats(&self) -> Option<MailboxStats> {
        self.service.as_ref().map(|s| s.stats())
    }

    /// Our registered mailboxes.
    pub(crate) fn registered(&self) -> impl Iterator<Item = &MyMailbox> {
        let now = now_ms() / 1000;
        self.mine.iter().filter(move |m| m.registered_until > now)
    }

    /// Notes a peer that serves mailboxes.
    pub(crate) fn saw_mailbox_node(&mut self, peer: PeerId, addrs: Vec<Multiaddr>) {
        self.candidates.insert(peer, addrs);
        self.review_soon = true;
    }

    pub(crate) fn forget_node(&mut self, peer: &PeerId) {
        self.review_soon |= self.candidates.remove(peer).is_some();
    }

    /// When mailbox work next falls due (ms): a registration, a pickup, the expiry of
    /// what this node holds as a mailbox, or a review asked for.
    pub(crate) fn deadline_ms(&self) -> Option<u64> {
        let expire = self.service.as_ref().map(|_| self.next_expire_ms);
        let review = self.review_soon.then_some(0);
        [expire, review, self.schedule.poll_timeout()]
            .into_iter()
            .flatten()
            .min()
    }
}

impl Actor {
    /// The tag key for the mailbox `peer`.
    pub(super) fn tag_for(&self, peer: &PeerId) -> ed25519::Keypair {
        tag_keypair(self.config.identity.ed25519(), &peer.to_bytes())
    }

    /// Mailbox work that fell due: choose, register, pick up, expire.
    pub(super) fn run_due_mailbox_work(&mut self) {
        let now = now_ms();
        if let Some(service) = self.mailboxes.service.as_mut() {
            if now >= self.mailboxes.next_expire_ms {
                self.mailboxes.next_expire_ms = now + EXPIRE_EVERY_MS;
                match service.expire(&self.store, now) {
                    Ok(0) => {}
                    Ok(_) => self.durability.wrote(),
                    Err(e) => tracing::warn!(error = %e, "cannot expire mailbox items"),
                }
            }
        }
        self.mailboxes.review_soon = false;
        self.choose_mailboxes();
        let mine: Vec<(MyMailbox, PeerId)> = (self.mailboxes.mine.iter())
            .filter_map(|m| Some((m.clone(), m.peer_id.parse().ok()?)))
            .collect();
        let peers: Vec<PeerId> = mine.iter().map(|(_, p)| *p).collect();
        let schedule = &mut self.mailboxes.schedule;
        schedule.keep(&peers);
        for (mailbox, peer) in &mine {
            schedule.registered_until(peer, mailbox.registered_until.saturating_mul(1000));
        }
        for (mailbox, peer) in &mine {
            let peer = *peer;
            if self.mailboxes.schedule.register_due(&peer, now) {
                self.register_with(peer, mailbox);
            } else if let Some(cause) = self.mailboxes.schedule.due(&peer, now) {
                self.start_pickup(peer, cause);
            }
        }
    }

    /// Fills our mailbox list: configured nodes first, else reachable mailbox nodes.
    fn choose_mailboxes(&mut self) {
        let local = *self.swarm.local_peer_id();
        let mut wanted: Vec<(PeerId, Vec<Multiaddr>)> = Vec::new();
        for text in &self.config.settings.mailbox.use_nodes {
            if let Ok(addr) = text.parse::<Multiaddr>() {
                if let Some(peer) = super::actor::peer_of(&addr) {
                    wanted.push((peer, vec![addr]));
                }
            }
        }
        if wanted.is_empty() {
            let mut found: Vec<_> = self.mailboxes.candidates.iter().map(|(p, a)| (*p, a.clone())).collect();
            // Spread users over mailboxes: order candidates by a hash of (us, them).
            found.sort_by_key(|(p, _)| {
                use sha2::Digest;
                sha2::Sha256::digest([local.to_bytes(), p.to_bytes()].concat())
            });
            wanted = found;
        }
        wanted.retain(|(p, _)| *p != local);
        let mut changed = false;
        // Keep mailboxes still wanted, and registered ones even while unreachable (items
        // may wait there); drop only unregistered ones nobody advertises any more.
        let before = self.mailboxes.mine.len();
        let now_s = now_ms() / 1000;
        self.mailboxes.mine.retain(|m| {
            m.registered_until > now_s || wanted.is_empty() || wanted.iter().any(|(p, _)| p.to_string() == m.peer_id)
        });
        changed |= before != self.mailboxes.mine.len();
        for (peer, addrs) in wanted {
            if self.mailboxes.mine.len() >= MAILBOXES_PER_NODE {
                break;
            }
            if self.mailboxes.mine.iter().any(|m| m.peer_id == peer.to_string()) {
                continue;
            }
            self.mailboxes.mine.push(MyMailbox {
                peer_id: peer.to_string(),
                addrs: addrs.iter().map(|a| a.to_string()).collect(),
                registered_until: 0,
            });
            changed = true;
        }
        if changed {
            self.save_my_mailboxes();
        }
    }

    fn save_my_mailboxes(&mut self) {
        if let Err(e) = self.store.set_meta_value(MY_MAILBOXES, &self.mailboxes.mine) {
            tracing::warn!(error = %e, "cannot save mailboxes");
        }
        self.durability.wrote();
        self.discovery.republish_soon();
    }

    fn send_mbox(&mut self, peer: PeerId, addrs: &[String], request: &MboxRequest, what: MboxInFlight) {
        self.learn_addrs(peer, addrs.iter().filter_map(|a| a.parse::<Multiaddr>().ok()));
        let bytes = crate::wire::encode(request).expect("mailbox requests fit the envelope");
        let id = self.swarm.behaviour_mut().mailbox.send_request(&peer, bytes);
        self.mailboxes.in_flight.insert(id, what);
    }

    fn register_with(&mut self, peer: PeerId, mailbox: &MyMailbox) {
        let tag = self.tag_for(&peer);
        let tag_pk = tag.public().to_bytes();
        let expires = now_ms() / 1000 + REGISTRATION_SECS;
        let sig = sign(&tag, &register_message(&peer.to_bytes(), &tag_pk, expires));
        let request = MboxRequest::Register {
            tag: Fixed(tag_pk),
            expires,
            sig,
        };
        self.mailboxes.schedule.hold(&peer);
        self.send_mbox(peer, &mailbox.addrs, &request, MboxInFlight::Register { peer });
    }

    pub(super) fn start_pickup(&mut self, peer: PeerId, cause: Cause) {
        let tag = Fixed(self.tag_for(&peer).public().to_bytes());
        let addrs = self.addrs_of_mine(&peer);
        self.mailboxes.schedule.started(&peer, cause, now_ms());
        self.send_mbox(
            peer,
            &addrs,
            &MboxRequest::Challenge { tag },
            MboxInFlight::Challenge { peer },
        );
    }

    fn addrs_of_mine(&self, peer: &PeerId) -> Vec<String> {
        self.mailboxes
            .mine
            .iter()
            .find(|m| m.peer_id == peer.to_string())
            .map(|m| m.addrs.clone())
            .unwrap_or_default()
    }

    /// Seals `ids` (and `ephemeral` receipts) to the friend `phone`'s prekey and deposits
    /// them on the friend's mailboxes.
    pub(super) fn deposit_for(&mut self, phone: &PhoneNumber, ids: &[MsgId], ephemeral: Vec<DmPayload>) {
        let Ok(Some(contact)) = self.store.contact(phone) else {
            return;
        };
        let Some(pinned) = contact.pinned.as_ref() else {
            return;
        };
        let Some(prekey) = pinned.record.prekey else {
            return;
        };
        if pinned.record.mailboxes.is_empty() {
            return;
        }
        let local = crate::session::LocalKeys::new(
            self.config.identity.ed25519().clone(),
            self.config.identity.noise().private,
        );
        let claim = match &self.profile.phone {
            Some(own) if !phone.is_pseudonym() => own.as_str(),
            _ => "",
        };
        let Ok(sender) = HandshakePayload::new(&local, claim, None) else {
            return;
        };
        let mut items: Vec<(Option<MsgId>, [u8; 16], DmPayload)> = Vec::new();
        for id in ids {
            if let Ok(Some(message)) = self.store.message(id) {
                if let Ok(body) = WireBody::from_body(&message.body) {
                    items.push((
                        Some(*id),
                        id.0,
                        DmPayload::message(*id, message.hlc, message.sent_ms, &body),
                    ));
                }
                // A small file goes with its message (deduplicated by root and part).
                items.extend(
                    self.file_parts(&message.body)
                        .into_iter()
                        .map(|(dedup, part)| (None, dedup, part)),
                );
            }
        }
        // Receipts and profiles still matter later; a typing indicator does not.
        let later = |p: &DmPayload| {
            matches!(
                p,
                DmPayload::Receipt { .. } | DmPayload::Hello { .. } | DmPayload::Profile { .. }
            )
        };
        for payload in ephemeral.into_iter().filter(later) {
            items.push((None, MsgId::generate().0, payload));
        }
        for (id, dedup, payload) in items {
            let sealed = match crate::session::seal(
                &local,
                &pinned.identity_pk,
                &prekey,
                &sender,
                &payload.to_bytes(),
                &mut rand::rngs::OsRng,
            ) {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot seal for a mailbox");
                    return;
                }
            };
            let sealed = Bytes::new(sealed.to_bytes()).expect("a sealed box fits its bound");
            for mailbox in pinned.record.mailboxes.iter().take(MAILBOXES_PER_NODE) {
                let Ok(peer) = mailbox.peer_id.parse::<PeerId>() else {
                    continue;
                };
                let request = MboxRequest::Deposit {
                    tag: Fixed(mailbox.tag),
                    id: Fixed(dedup),
                    sealed: sealed.clone(),
                };
                self.mailboxes
                    .deposit_queue
                    .entry(peer)
                    .or_default()
                    .push_back(QueuedDeposit {
                        addrs: mailbox.addrs.clone(),
                        request,
                        ids: id.into_iter().collect(),
                    });
                self.pump_deposits(peer);
            }
        }
    }

    /// Sends queued deposits to `peer` while slots are free.
    fn pump_deposits(&mut self, peer: PeerId) {
        while self.mailboxes.deposits_in_flight.get(&peer).copied().unwrap_or(0) < DEPOSITS_IN_FLIGHT {
            let Some(next) = self.mailboxes.deposit_queue.get_mut(&peer).and_then(|q| q.pop_front()) else {
                self.mailboxes.deposit_queue.remove(&peer);
                return;
            };
            *self.mailboxes.deposits_in_flight.entry(peer).or_default() += 1;
            self.send_mbox(
                peer,
                &next.addrs,
                &next.request,
                MboxInFlight::Deposit { peer, ids: next.ids },
            );
        }
    }

    /// A deposit to `peer` finished (either way): frees its slot.
    fn deposit_done(&mut self, peer: PeerId) {
        if let Some(count) = self.mailboxes.deposits_in_flight.get_mut(&peer) {
            *count = count.saturating_sub(1);
        }
        self.pump_deposits(peer);
    }

    /// A mailbox accepted our deposit of `ids`: they are `sent` (still retried directly
    /// until the friend acknowledges).
    fn deposited(&mut self, ids: &[MsgId]) {
        let now = now_ms();
        let mut batch = self.store.batch();
        let mut changed = Vec::new();
        for id in ids {
            let Some(entry) = self.dm.outbox.deposited(id, now) else {
                continue;
            };
            batch.put_outbox(&entry);
            self.dm.stats.deposited += 1;
            if let Some(mut message) = self.outgoing_message(id) {
                if message.state == MessageState::Queued {
                    message.state = MessageState::Sent;
                    batch.put_message_state(&message);
                    changed.push(message);
                }
            }
        }
        if batch.is_empty() {
            return;
        }
        if let Err(e) = self.store.apply(batch) {
            return tracing::error!(error = %e, "cannot record a deposit");
        }
        self.announce_direct_states(changed);
    }

    /// Handles a request to our mailbox service.
    pub(super) fn on_mbox_request(
        &mut self,
        peer: PeerId,
        connection: ConnectionId,
        bytes: &[u8],
        channel: ResponseChannel<Vec<u8>>,
    ) {
        if bytes == super::codec::OVERSIZED {
            self.reject(Some(peer), "mailbox", "oversized");
            return self.respond_mbox(channel, &MboxResponse::refused("oversized"));
        }
        let request = match crate::wire::decode::<MboxRequest>(bytes) {
            Ok(r) => r,
            Err(e) => {
                self.reject(Some(peer), "mailbox", e.reason());
                return self.respond_mbox(channel, &MboxResponse::refused("malformed"));
            }
        };
        let Some(service) = self.mailboxes.service.as_mut() else {
            return self.respond_mbox(channel, &MboxResponse::refused("not_a_mailbox"));
        };
        let handled = service.handle(
            &self.store,
            &peer.to_bytes(),
            connection,
            request,
            now_ms(),
            &mut rand::rngs::OsRng,
        );
        let notices = service.take_notices();
        if !notices.is_empty() {
            // Watchers are told once the deposit is durable, as its depositor is.
            self.durability
                .after_flush(Box::new(move |actor: &mut Actor| actor.send_notices(notices)));
        }
        match handled {
            Ok(Reply::Now(response)) => {
                if let MboxResponse::Refused { reason } = &response {
                    let reason = reason.as_str().to_owned();
                    self.reject(Some(peer), "mailbox", &reason);
                }
                self.respond_mbox(channel, &response);
            }
            Ok(Reply::AfterFlush(response)) => {
                self.durability.after_flush(Box::new(move |actor: &mut Actor| {
                    actor.respond_mbox(channel, &response);
                }));
            }
            Err(e) => {
                tracing::error!(error = %e, "mailbox store error");
                self.respond_mbox(channel, &MboxResponse::refused("busy"));
            }
        }
    }

    fn respond_mbox(&mut self, channel: ResponseChannel<Vec<u8>>, response: &MboxResponse) {
        let bytes = crate::wire::encode(response).expect("mailbox responses fit the envelope");
        let _ = self.swarm.behaviour_mut().mailbox.send_response(channel, bytes);
    }

    /// Handles a mailbox's answer to one of our requests.
    pub(super) fn on_mbox_response(
        &mut self,
        from: PeerId,
        connection: ConnectionId,
        id: OutboundRequestId,
        bytes: &[u8],
    ) {
        let Some(what) = self.mailboxes.in_flight.remove(&id) else {
            return;
        };
        let response = match crate::wire::decode::<MboxResponse>(bytes) {
            Ok(r) => r,
            Err(e) => {
                self.reject(Some(from), "mailbox", e.reason());
                return self.mbox_failed(what);
            }
        };
        match (what, response) {
            (MboxInFlight::Register { peer }, MboxResponse::Registered { expires }) => {
                if let Some(m) = self.mailboxes.mine.iter_mut().find(|m| m.peer_id == peer.to_string()) {
                    m.registered_until = expires;
                }
                let schedule = &mut self.mailboxes.schedule;
                schedule.register_succeeded(&peer);
                schedule.registered_until(&peer, expires.saturating_mul(1000));
                self.save_my_mailboxes();
                self.start_pickup(peer, Cause::Periodic);
            }
            (MboxInFlight::Deposit { peer, ids }, MboxResponse::Deposited) => {
                self.deposited(&ids);
                self.deposit_done(peer);
            }
            (MboxInFlight::Challenge { peer }, MboxResponse::Challenge { nonce }) => {
                // Watch before fetching: whatever arrives after the fetch is read is noticed.
                if self.mailboxes.schedule.should_watch(&peer, now_ms()) {
                    let tag = self.tag_for(&peer);
                    let tag_pk = tag.public().to_bytes();
                    let sig = sign(&tag, &watch_message(&peer.to_bytes(), &tag_pk, &nonce.0));
                    let request = MboxRequest::Watch {
                        tag: Fixed(tag_pk),
                        nonce,
                        sig,
                    };
                    let addrs = self.addrs_of_mine(&peer);
                    self.send_mbox(peer, &addrs, &request, MboxInFlight::Watch { peer, nonce: nonce.0 });
                } else {
                    self.fetch_from(peer, nonce.0);
                }
            }
            (MboxInFlight::Watch { peer, nonce }, MboxResponse::Watching { ttl }) => {
                let ttl_ms = ttl.saturating_mul(1000);
                self.mailboxes.schedule.watching(&peer, connection, ttl_ms, now_ms());
                self.fetch_from(peer, nonce);
            }
            (MboxInFlight::Watch { peer, nonce }, MboxResponse::Refused { reason }) => {
                // An older mailbox does not know `watch` (`malformed`): pick up as before.
                tracing::debug!(%reason, "mailbox refused to watch");
                self.mailboxes
                    .schedule
                    .watch_refused(&peer, Some(reason.as_str()), now_ms());
                self.fetch_from(peer, nonce);
            }
            (MboxInFlight::Fetch { peer, nonce }, MboxResponse::Items { items, more }) => {
                self.on_items(peer, nonce, items.into_vec(), more)
            }
            (MboxInFlight::Ack { peer, more }, MboxResponse::Acked { .. }) => {
                self.mailboxes.schedule.release(&peer);
                if more {
                    // More items wait: fetch the next batch at once.
                    self.start_pickup(peer, Cause::Periodic);
                } else if let Some(cause) = self.mailboxes.schedule.due(&peer, now_ms()) {
                    // A notice came during this pickup.
                    self.start_pickup(peer, cause);
                }
            }
            (what, MboxResponse::Refused { reason }) => {
                tracing::debug!(%reason, "mailbox refused");
                if let MboxInFlight::Register { peer } | MboxInFlight::Challenge { peer } = &what {
                    if reason.as_str() == "not_registered" {
                        if let Some(m) = self.mailboxes.mine.iter_mut().find(|m| m.peer_id == peer.to_string()) {
                            m.registered_until = 0;
                        }
                        self.mailboxes.schedule.registered_until(peer, 0);
                    }
                }
                self.mbox_failed(what);
            }
            (what, _) => {
                self.reject(Some(from), "mailbox", "unexpected_response");
                self.mbox_failed(what);
            }
        }
    }

    /// A mailbox request failed; frees the mailbox for its next turn (a registration
    /// backs off).
    fn mbox_failed(&mut self, what: MboxInFlight) {
        match what {
            MboxInFlight::Register { peer } => {
                let schedule = &mut self.mailboxes.schedule;
                schedule.register_failed(&peer, now_ms(), rand::rngs::OsRng.next_u32());
                schedule.release(&peer);
            }
            MboxInFlight::Challenge { peer } | MboxInFlight::Fetch { peer, .. } | MboxInFlight::Ack { peer, .. } => {
                self.mailboxes.schedule.release(&peer);
            }
            MboxInFlight::Watch { peer, .. } => {
                self.mailboxes.schedule.watch_refused(&peer, None, now_ms());
                self.mailboxes.schedule.release(&peer);
            }
            MboxInFlight::Deposit { peer, .. } => self.deposit_done(peer),
        }
    }

    pub(super) fn on_mbox_failure(&mut self, id: OutboundRequestId, error: &request_response::OutboundFailure) {
        if let Some(what) = self.mailboxes.in_flight.remove(&id) {
            tracing::debug!(%error, "mailbox request failed");
            self.mbox_failed(what);
        }
    }

    /// Sends the signed `fetch` of a pickup from `peer` with the challenge `nonce`.
    fn fetch_from(&mut self, peer: PeerId, nonce: [u8; 32]) {
        let tag = self.tag_for(&peer);
        let tag_pk = tag.public().to_bytes();
        let sig = sign(&tag, &fetch_message(&peer.to_bytes(), &tag_pk, &nonce));
        let request = MboxRequest::Fetch {
            tag: Fixed(tag_pk),
            nonce: Fixed(nonce),
            sig,
        };
        let addrs = self.addrs_of_mine(&peer);
        self.send_mbox(peer, &addrs, &request, MboxInFlight::Fetch { peer, nonce });
    }

    /// Opens picked-up items, stores what they carry, then acknowledges them to the
    /// mailbox once that is durable (and fetches again if more wait).
    fn on_items(&mut self, peer: PeerId, nonce: [u8; 32], items: Vec<Item>, more: bool) {
        let now = now_ms();
        let identity_pk = self.config.identity.public_key();
        let mut done = Vec::new();
        for item in items {
            let opened = Sealed::from_bytes(&item.sealed)
                .and_then(|sealed| crate::session::open(&self.prekeys, &identity_pk, &sealed));
            match opened {
                Ok(opened) => {
                    self.mailboxes.picked_up += 1;
                    let sender = opened.sender.identity_pk.0;
                    let claimed = opened.sender.phone.as_str().parse::<PhoneNumber>().ok();
                    if self.dm.is_blocked(&sender, claimed.as_ref()) {
                        // Picked up and dropped: nothing of a blocked sender is kept.
                        self.reject(Some(peer), "mailbox", "blocked");
                        done.push(item.id);
                        continue;
                    }
                    if let Some(phone) = claimed {
                        // Someone else claiming a pinned contact's number: dropped, never
                        // filed under the contact.
                        let pinned_other = matches!(
                            self.store.contact(&phone),
                            Ok(Some(c)) if c.pinned.as_ref().is_some_and(|p| p.identity_pk != sender)
                        );
                        if pinned_other {
                            self.reject(Some(peer), "mailbox", "identity_mismatch");
                            done.push(item.id);
                            continue;
                        }
                        self.remember_claim(sender, phone, opened.sender_static);
                    }
                    match DmPayload::from_bytes(&opened.body) {
                        Ok(payload) => {
                            self.on_payload(sender, payload, now, true);
                        }
                        Err(e) => self.reject(Some(peer), "mailbox", e.reason()),
                    }
                    // Stored, kept as a request, or malformed: nothing more to fetch.
                    done.push(item.id);
                }
                Err(e) => {
                    // Undecryptable or expired-prekey items can never be opened: drop them.
                    self.reject(Some(peer), "mailbox", e.reason());
                    done.push(item.id);
                }
            }
        }
        let tag = self.tag_for(&peer);
        let tag_pk = tag.public().to_bytes();
        let ids: Vec<Fixed<16>> = done.into_iter().take(crate::mailbox::wire::MAX_ACK_IDS).collect();
        let sig = sign(&tag, &ack_message(&peer.to_bytes(), &tag_pk, &nonce, &ids));
        let request = MboxRequest::Ack {
            tag: Fixed(tag_pk),
            nonce: Fixed(nonce),
            ids: List::truncating(ids),
            sig,
        };
        let addrs = self.addrs_of_mine(&peer);
        self.durability.after_flush(Box::new(move |actor: &mut Actor| {
            actor.send_mbox(peer, &addrs, &request, MboxInFlight::Ack { peer, more });
        }));
    }
}
