//! The node side of `/chingu/dm/1`: Noise sessions with friends, the outbox and its
//! retries, acknowledgements, receipts and typing indicators (SPEC.md §6).
//!
//! Rules this module keeps:
//! - a message is in the outbox (flushed) before `send` answers, and stays there until
//!   the recipient's node acknowledges that it stored it;
//! - we acknowledge a frame only after what it carried is durable (group commit);
//! - a nonce is used only inside a reservation that is already durable, so a crash can
//!   never make us reuse one;
//! - each side sends only on sessions it initiated; sessions it answered only receive,
//!   so simultaneous handshakes never race;
//! - messages from someone who is not a contact are kept as requests and not
//!   acknowledged.

use std::collections::{BTreeMap, HashMap, HashSet};

use libp2p::request_response::{self, OutboundRequestId, ResponseChannel};
use libp2p::{Multiaddr, PeerId};
use rand::RngCore;
use serde::Serialize;

use super::actor::Actor;
use super::event::Event;
use crate::dm::retry_delay_ms;
use crate::dm::wire::{Ack, DmPayload, DmRequest, DmResponse, Outcome, ReceiptState, WireBody};
use crate::model::{
    now_ms, Body, Contact, ContactState, ConvId, Conversation, Direction, Hlc, MessageState, MsgId, StoredMessage,
};
use crate::phone::PhoneNumber;
use crate::ratelimit::{KeyedLimiter, Rate};
use crate::session::transport::DEFAULT_RESERVE_BLOCK;
use crate::session::{HandshakePayload, Initiator, ReplayGuard, Responder, Role, Session, SessionError};
use crate::store::{OutboxEntry, OutboxTarget};
use crate::wire::{Bytes, Fixed, List, Text};

/// Bytes of frames one request may carry (the envelope, less its own overhead).
const REQUEST_BUDGET: usize = crate::wire::MAX_BODY_BYTES - 256;
/// What a frame adds to its plaintext on the wire: tag, session id, nonce, CBOR.
const FRAME_OVERHEAD: usize = crate::session::TAG_LEN + 64;
/// Most message frames in one request.
const FRAMES_PER_REQUEST: usize = crate::dm::wire::MAX_FRAMES_PER_REQUEST;
/// Most frame requests in flight to one friend (pipelining: the friend's group commit
/// then covers several requests at once).
const MAX_IN_FLIGHT_PER_FRIEND: usize = 8;
/// `meta` prefix of persisted sessions (`session/<hex id>`).
const SESSION_PREFIX: &str = "session/";
/// `meta` name of the handshake replay guard.
const GUARD: &str = "dm_guard";
/// How long strangers' handshakes may leave the replay guard unwritten (a friend's
/// handshake writes it before its answer).
const GUARD_LAZY_MS: u64 = 10_000;
/// Most unacknowledged outgoing messages kept in memory (beyond, they are read back from
/// the store for each transmission).
const MAX_UNACKED_CACHED: usize = 4_096;
/// Most receipts and typing indicators waiting for one friend.
const MAX_EPHEMERAL: usize = 64;
/// Inbound requests allowed per peer.
const INBOUND_RATE: Rate = Rate {
    burst: 1_000,
    per_minute: 60_000,
};
/// Typing indicators sent per friend.
const TYPING_RATE: Rate = Rate {
    burst: 3,
    per_minute: 20,
};
/// Most peers tracked by the limiters.
const MAX_LIMITED: usize = 10_000;

/// Counters of the 1:1 protocol.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct DmStats {
    /// Messages queued by the owner.
    pub queued: u64,
    /// Messages acknowledged by their recipient.
    pub delivered: u64,
    /// Messages deposited on a mailbox.
    pub deposited: u64,
    /// Messages received and stored (new ones only).
    pub received: u64,
    /// Received messages that were already stored (retries whose ack was lost).
    pub duplicates: u64,
    /// Messages held as requests from non-contacts.
    pub requests: u64,
    /// Handshakes completed (both roles).
    pub handshakes: u64,
    /// Live Noise sessions.
    #[serde(default)]
    pub sessions: u64,
    /// Of those, responder sessions of non-contacts, kept in memory only (SPEC.md §6.2).
    #[serde(default)]
    pub stranger_sessions: u64,
    /// Sessions dropped to stay within the limits on strangers' and per-peer sessions.
    #[serde(default)]
    pub sessions_evicted: u64,
    /// Messages waiting in the outbox.
    pub outbox: u64,
}

/// An invite proof waiting for its session's confirmation.
struct PendingRedemption {
    phone: PhoneNumber,
    identity: [u8; 32],
    noise: [u8; 32],
    peer: PeerId,
    proof: Vec<u8>,
}

/// How far ahead of our clock a sender's HLC may be (larger values are clamped).
const MAX_CLOCK_SKEW_MS: u64 = 24 * 3600 * 1000;

/// What an outbound request carried, to settle it when the answer comes.
enum InFlight {
    Hello {
        phone: PhoneNumber,
        initiator: Box<Initiator>,
    },
    Frames {
        phone: PhoneNumber,
        sid: [u8; 16],
        messages: Vec<Option<MsgId>>,
    },
}

/// The 1:1 protocol's state, owned by the actor.
pub(crate) struct Dm {
    /// Every live session, by id.
    pub(super) sessions: HashMap<[u8; 16], Session>,
    /// The session we send on, per friend identity (one we initiated).
    outbound: HashMap<[u8; 32], [u8; 16]>,
    guard: ReplayGuard,
    /// Strangers' handshakes changed the guard since it was last written.
    guard_dirty: bool,
    /// When the guard was last written (ms).
    guard_written_ms: u64,
    /// Mirror of the outbox's direct entries.
    pub(super) outbox: BTreeMap<MsgId, OutboxEntry>,
    /// Requests in flight per friend.
    in_flight_to: HashMap<PhoneNumber, usize>,
    /// Friends with a handshake in flight (nothing else is sent to them meanwhile).
    handshaking: HashSet<PhoneNumber>,
    in_flight: HashMap<OutboundRequestId, InFlight>,
    /// Receipts and typing indicators waiting to go (not persisted: best effort).
    ephemeral: HashMap<PhoneNumber, Vec<DmPayload>>,
    /// Identity key → contact number, for contacts with a pinned key (kept in step by
    /// [`Dm::contact_changed`]).
    friends: HashMap<[u8; 32], PhoneNumber>,
    /// Contact number → its pinned identity key (the reverse of `friends`).
    friend_keys: HashMap<PhoneNumber, [u8; 32]>,
    /// Blocked contacts' numbers and pinned identities.
    blocked_phones: HashSet<PhoneNumber>,
    blocked_ids: HashSet<[u8; 32]>,
    /// Identity key → what a non-contact claimed in its handshake or sealed box (its
    /// requests are filed under that number, never merged into a friend's conversation).
    pub(super) claims: super::strangers::Claims,
    /// Responder sessions of non-contacts: in memory only, bounded.
    pub(super) strangers: super::lru::Lru<[u8; 16]>,
    /// Strangers the owner blocked.
    pub(super) blocked_strangers: super::friends::BlockedStrangers,
    inbound: KeyedLimiter<PeerId>,
    typing: KeyedLimiter<PhoneNumber>,
    /// Conversation rows changed this loop turn, written once at its end (before the
    /// turn's flush starts, so nothing waiting on that flush misses them).
    pub(super) conversations: HashMap<ConvId, Conversation>,
    /// Sessions changed this loop turn, written the same way.
    dirty_sessions: HashSet<[u8; 16]>,
    /// Outgoing messages queued by this run and not yet acknowledged, as stored (saves
    /// reading each back for every transmission and for its acknowledgement).
    unacked: HashMap<MsgId, StoredMessage>,
    /// Friends with messages queued this loop turn, pumped at its end.
    pub(super) pump_soon: HashSet<PhoneNumber>,
    /// Contacts resolved by identity during this loop turn (cleared at its end and when a
    /// contact changes): a request of 64 frames resolves its sender once.
    friend_cache: HashMap<[u8; 32], Option<Contact>>,
    /// Per session, the end of the nonce reservation known to be on disk.
    durable_reservation: HashMap<[u8; 16], u64>,
    /// Invite proofs from handshakes, redeemed when the session's first frame arrives.
    redemptions: HashMap<[u8; 16], PendingRedemption>,
    pub(super) stats: DmStats,
}

impl Dm {
    /// Loads sessions, the replay guard and the outbox.
    pub(crate) fn load(store: &crate::store::Store, contacts: &[Contact]) -> Result<Self, crate::store::StoreError> {
        let now = now_ms() / 1000;
        let mut sessions = HashMap::new();
        let mut outbound = HashMap::new();
        for (name, mut session) in store.meta_values::<Session>(SESSION_PREFIX)? {
            if session.expired(now) {
                // `name` is the whole meta name (`session/<hex id>`).
                store.remove_meta_value(&name)?;
                continue;
            }
            // Nonces of the last reservation may have been used before a crash.
            session.restore_after_restart();
            if session.role() == Role::Initiator {
                let newer = outbound
                    .get(&session.remote_identity())
                    .and_then(|sid| sessions.get(sid))
                    .is_none_or(|s: &Session| s.created_at() <= session.created_at());
                if newer {
                    outbound.insert(session.remote_identity(), session.id());
                }
            }
            sessions.insert(session.id(), session);
        }
        let guard = store
            .meta_value::<Vec<Fixed<32>>>(GUARD)?
            .map(ReplayGuard::from)
            .unwrap_or_default();
        let outbox = store
            .outbox()?
            .into_iter()
            .filter(|e| matches!(e.target, OutboxTarget::Direct { .. }))
            .map(|e| (e.id, e))
            .collect::<BTreeMap<_, _>>();
        let mut dm = Self {
            sessions,
            outbound,
            guard,
            guard_dirty: false,
            guard_written_ms: 0,
            stats: DmStats {
                outbox: outbox.len() as u64,
                ..DmStats::default()
            },
            outbox,
            in_flight_to: HashMap::new(),
            handshaking: HashSet::new(),
            in_flight: HashMap::new(),
            ephemeral: HashMap::new(),
            friends: HashMap::new(),
            friend_keys: HashMap::new(),
            blocked_phones: HashSet::new(),
            blocked_ids: HashSet::new(),
            claims: super::strangers::Claims::load(store)?,
            strangers: super::lru::Lru::new(super::strangers::MAX_STRANGER_SESSIONS),
            blocked_strangers: super::friends::BlockedStrangers::load(store)?,
            inbound: KeyedLimiter::new(INBOUND_RATE, MAX_LIMITED),
            typing: KeyedLimiter::new(TYPING_RATE, MAX_LIMITED),
            conversations: HashMap::new(),
            dirty_sessions: HashSet::new(),
            unacked: HashMap::new(),
            pump_soon: HashSet::new(),
            friend_cache: HashMap::new(),
            durable_reservation: HashMap::new(),
            redemptions: HashMap::new(),
        };
        dm.durable_reservation = dm
            .sessions
            .iter()
            .map(|(sid, s)| (*sid, s.send_state().reserved_until))
            .collect();
        dm.stats.sessions = dm.sessions.len() as u64;
        for contact in contacts {
            dm.contact_changed(contact);
        }
        Ok(dm)
    }

    /// Keeps the identity maps and the block list in step with a saved contact.
    pub(crate) fn contact_changed(&mut self, contact: &Contact) {
        self.contact_removed(contact);
        if let Some(pinned) = &contact.pinned {
            self.friends.insert(pinned.identity_pk, contact.phone.clone());
            self.friend_keys.insert(contact.phone.clone(), pinned.identity_pk);
            if contact.blocked {
                self.blocked_ids.insert(pinned.identity_pk);
            }
        }
        if contact.blocked {
            self.blocked_phones.insert(contact.phone.clone());
        }
    }

    /// Forgets a removed contact's identity and block.
    pub(crate) fn contact_removed(&mut self, contact: &Contact) {
        if let Some(old) = self.friend_keys.remove(&contact.phone) {
            if self.friends.get(&old) == Some(&contact.phone) {
                self.friends.remove(&old);
            }
            self.blocked_ids.remove(&old);
        }
        self.blocked_phones.remove(&contact.phone);
        self.friend_cache.clear();
    }

    /// Whether `identity` is pinned for a contact.
    pub(crate) fn is_friend(&self, identity: &[u8; 32]) -> bool {
        self.friends.contains_key(identity)
    }

    /// Whether the owner blocked this identity, or the number it claims.
    pub(crate) fn is_blocked(&self, identity: &[u8; 32], phone: Option<&PhoneNumber>) -> bool {
        self.blocked_ids.contains(identity)
            || phone.is_some_and(|p| self.blocked_phones.contains(p))
            || self.blocked_strangers.is_blocked(identity, phone)
    }
}

/// A contact we may exchange messages with: pinned, not in conflict, not blocked, Noise
/// key known.
fn reachable(contact: &Contact) -> Option<&crate::model::PeerKeys> {
    match contact.state {
        ContactState::Found | ContactState::Verified if !contact.blocked => {
            contact.pinned.as_ref().filter(|p| p.noise_pk != [0; 32])
        }
        _ => None,
    }
}

fn session_name(sid: &[u8; 16]) -> String {
    format!("{SESSION_PREFIX}{}", hex::encode(sid))
}

impl Actor {
    /// This node's keys for Noise.
    fn local_keys(&self) -> crate::session::LocalKeys {
        crate::session::LocalKeys::new(
            self.config.identity.ed25519().clone(),
            self.config.identity.noise().private,
        )
    }

    /// Our handshake payload (with an invite proof for `contact` if we hold its code). It
    /// claims our number only with `claim_number`: never to a meetup member known only by
    /// its pseudonym, and in an answer only to an initiator that claimed one (SPEC.md §7.5).
    fn handshake_payload(
        &self,
        contact: Option<&Contact>,
        claim_number: bool,
    ) -> Result<HandshakePayload, SessionError> {
        let keys = self.local_keys();
        let proof = contact
            .and_then(|c| c.invite_secret)
            .map(|secret| crate::rendezvous::invite_proof(&secret, &keys.identity_pk()));
        let phone = match &self.profile.phone {
            Some(own) if claim_number => own.as_str(),
            _ => "",
        };
        HandshakePayload::new(&keys, phone, proof.as_ref().map(|p| p.as_slice()))
    }

    /// Marks a session for saving at the end of the loop turn.
    pub(super) fn save_session(&mut self, sid: &[u8; 16]) {
        self.dm.dirty_sessions.insert(*sid);
        self.durability.wrote();
    }

    /// A conversation row: this turn's pending version, else the stored one.
    pub(super) fn conversation_row(&self, id: &ConvId) -> Result<Option<Conversation>, crate::store::StoreError> {
        match self.dm.conversations.get(id) {
            Some(c) => Ok(Some(c.clone())),
            None => self.store.conversation(id),
        }
    }

    /// Keeps a changed conversation row for the end of the loop turn.
    pub(super) fn update_conversation(&mut self, conversation: Conversation) {
        self.dm.conversations.insert(conversation.id, conversation);
        self.durability.wrote();
    }

    /// Like [`Actor::update_conversation`], for a change nobody waits on (see
    /// `Durability::wrote_lazily`).
    pub(super) fn update_conversation_lazily(&mut self, conversation: Conversation) {
        self.dm.conversations.insert(conversation.id, conversation);
        self.durability.wrote_lazily();
    }

    /// Deletes a conversation and its messages, a row change still waiting for the end of
    /// the loop turn included (it would otherwise write the row back). Returns how many
    /// messages went.
    pub(super) fn forget_conversation(&mut self, id: &ConvId) -> Result<usize, crate::store::StoreError> {
        self.dm.conversations.remove(id);
        let forgotten = self.store.forget_conversation(id)?;
        self.durability.wrote();
        Ok(forgotten)
    }

    /// Ends a loop turn: starts deliveries to friends whose messages were queued in it,
    /// then writes what the turn changed (before the turn's flush starts).
    pub(super) fn end_turn(&mut self) {
        for phone in std::mem::take(&mut self.dm.pump_soon) {
            self.pump_friend(&phone);
        }
        self.dm.friend_cache.clear();
        self.write_pending();
    }

    /// Writes this turn's changed conversations and sessions (called before each flush).
    pub(super) fn write_pending(&mut self) {
        self.write_guard_lazily(false);
        if !self.dm.conversations.is_empty() {
            let mut batch = self.store.batch();
            for (_, conversation) in self.dm.conversations.drain() {
                batch.put_conversation(&conversation);
            }
            if let Err(e) = self.store.apply(batch) {
                tracing::error!(error = %e, "cannot save conversations");
            }
        }
        for sid in std::mem::take(&mut self.dm.dirty_sessions) {
            if self.is_stranger_session(&sid) {
                continue;
            }
            if let Some(session) = self.dm.sessions.get(&sid) {
                if let Err(e) = self.store.set_meta_value(&session_name(&sid), session) {
                    tracing::error!(error = %e, "cannot save a session");
                }
            }
        }
    }

    /// Forgets sessions past their maximum age (their keys are deleted: forward secrecy
    /// at the re-handshake interval). Senders re-handshake before that age.
    pub(super) fn prune_sessions(&mut self) {
        let now = now_ms() / 1000;
        let expired: Vec<[u8; 16]> = self
            .dm
            .sessions
            .iter()
            .filter(|(_, s)| s.expired(now))
            .map(|(sid, _)| *sid)
            .collect();
        for sid in expired {
            self.drop_session(&sid);
        }
    }

    /// Drops every session with `identity`, both directions (a blocked peer).
    pub(super) fn drop_sessions_with(&mut self, identity: &[u8; 32]) {
        let doomed: Vec<[u8; 16]> = self
            .dm
            .sessions
            .iter()
            .filter(|(_, s)| s.remote_identity() == *identity)
            .map(|(sid, _)| *sid)
            .collect();
        for sid in doomed {
            self.drop_session(&sid);
        }
    }

    pub(super) fn drop_session(&mut self, sid: &[u8; 16]) {
        if let Some(session) = self.dm.sessions.remove(sid) {
            if self.dm.outbound.get(&session.remote_identity()) == Some(sid) {
                self.dm.outbound.remove(&session.remote_identity());
            }
            self.dm.dirty_sessions.remove(sid);
            self.dm.redemptions.remove(sid);
            if !self.dm.strangers.remove(sid) {
                if let Err(e) = self.store.remove_meta_value(&session_name(sid)) {
                    self.failed("store.remove_session", &e);
                }
                self.durability.wrote();
            }
            self.count_sessions();
        }
    }

    // --- sending -------------------------------------------------------------------

    /// Queues a text for `contact`; the reply goes out once it is durably in the outbox.
    pub(super) fn queue_message(&mut self, contact: &Contact, body: Body) -> Result<StoredMessage, super::NodeError> {
        if contact.blocked {
            return Err(super::NodeError::Blocked(format!(
                "you blocked {}; unblock them to send (chingu contacts unblock)",
                contact.display_name()
            )));
        }
        if contact.state == ContactState::Conflict {
            let name = contact.display_name();
            return Err(super::NodeError::Blocked(
                crate::contacts::standing::Standing::of(contact).explain(&name),
            ));
        }
        WireBody::from_body(&body).map_err(|e| super::NodeError::Invalid(e.to_string()))?;
        let now = now_ms();
        let conv_id = ConvId::direct(&contact.phone);
        let mut conv = self
            .conversation_row(&conv_id)?
            .unwrap_or_else(|| Conversation::direct(conv_id, &contact.phone, &contact.name));
        let hlc = Hlc(conv.last_hlc).tick(now);
        conv.last_hlc = hlc.0;
        conv.preview = body.preview();
        let message = StoredMessage {
            id: MsgId::generate(),
            conv: conv_id,
            hlc: hlc.0,
            direction: Direction::Outgoing,
            sender: self.own_phone()?,
            body,
            state: MessageState::Queued,
            sent_ms: now,
            stored_ms: now,
        };
        let entry = OutboxEntry {
            id: message.id,
            target: OutboxTarget::Direct {
                phone: contact.phone.clone(),
            },
            attempts: 0,
            next_attempt_ms: 0,
            created_ms: now,
            mailbox_ms: 0,
        };
        let mut batch = self.store.batch();
        batch.put_outgoing(&message, &entry);
        self.store.apply(batch)?;
        self.update_conversation(conv);
        if self.dm.unacked.len() < MAX_UNACKED_CACHED {
            self.dm.unacked.insert(message.id, message.clone());
        }
        self.dm.outbox.insert(entry.id, entry);
        self.dm.stats.queued += 1;
        self.dm.stats.outbox = self.dm.outbox.len() as u64;
        Ok(message)
    }

    /// Queues a receipt or typing indicator for `phone` (dropped when too many wait).
    pub(super) fn queue_ephemeral(&mut self, phone: &PhoneNumber, payload: DmPayload) {
        if self.dm.blocked_phones.contains(phone) {
            return;
        }
        let queue = self.dm.ephemeral.entry(phone.clone()).or_default();
        if queue.len() < MAX_EPHEMERAL {
            queue.push(payload);
        }
        self.pump_friend(phone);
    }

    /// Sends a typing indicator to `phone` if allowed (setting on, friend pinned, rate).
    pub(super) fn send_typing(&mut self, phone: &PhoneNumber, active: bool) -> bool {
        if !self.config.settings.messaging.typing || !self.dm.typing.allow(phone, now_ms()) {
            return false;
        }
        self.queue_ephemeral(phone, DmPayload::Typing { active });
        true
    }

    /// Starts deliveries that are due, for every friend without a request in flight.
    pub(super) fn pump_outbox(&mut self) {
        let now = now_ms();
        let mut due: Vec<PhoneNumber> = self
            .dm
            .outbox
            .values()
            .filter(|e| e.next_attempt_ms <= now)
            .filter_map(|e| match &e.target {
                OutboxTarget::Direct { phone } => Some(phone.clone()),
                OutboxTarget::Group { .. } => None,
            })
            .collect();
        due.extend(self.dm.ephemeral.keys().cloned());
        due.sort();
        due.dedup();
        for phone in due {
            self.pump_friend(&phone);
        }
    }

    /// Starts one delivery to `phone` if one is due and none is in flight.
    pub(super) fn pump_friend(&mut self, phone: &PhoneNumber) {
        if self.dm.handshaking.contains(phone) || self.requests_to(phone) >= MAX_IN_FLIGHT_PER_FRIEND {
            return;
        }
        let Ok(Some(contact)) = self.store.contact(phone) else {
            return;
        };
        let Some(keys) = reachable(&contact).cloned() else {
            return;
        };
        let Ok(peer) = keys.peer_id.parse::<PeerId>() else {
            return;
        };
        let now = now_ms();
        let addrs: Vec<Multiaddr> = keys.record.addrs.iter().filter_map(|a| a.parse().ok()).collect();
        if !self.learn_addrs(peer, addrs) && !self.swarm.is_connected(&peer) {
            // Every address the friend published is unusable or backing off: no dial now;
            // what is due goes to the friend's mailboxes (and retries later).
            let due = self
                .dm
                .outbox
                .values()
                .any(|e| e.next_attempt_ms <= now && e.target == direct(phone));
            if due && self.requests_to(phone) == 0 {
                self.delivery_failed(phone, true);
            }
            return;
        }
        let session_ok = self
            .dm
            .outbound
            .get(&keys.identity_pk)
            .and_then(|sid| self.dm.sessions.get(sid))
            .map(|s| !s.needs_rehandshake(now / 1000));
        match session_ok {
            Some(true) => {
                while self.requests_to(phone) < MAX_IN_FLIGHT_PER_FRIEND
                    && self.send_frames(&contact, peer, keys.identity_pk)
                {}
            }
            _ if self.requests_to(phone) > 0 => {}
            _ => {
                let has_work = self
                    .dm
                    .outbox
                    .values()
                    .any(|e| e.next_attempt_ms <= now && e.target == direct(phone))
                    || self.dm.ephemeral.get(phone).is_some_and(|q| !q.is_empty());
                if has_work {
                    self.start_handshake(&contact, peer, &keys);
                }
            }
        }
    }

    fn start_handshake(&mut self, contact: &Contact, peer: PeerId, keys: &crate::model::PeerKeys) {
        let payload = match self.handshake_payload(Some(contact), !contact.phone.is_pseudonym()) {
            Ok(p) => p,
            Err(e) => return tracing::error!(error = %e, "cannot build a handshake payload"),
        };
        let local = self.local_keys();
        let (initiator, msg1) = match Initiator::new(
            &local,
            &keys.noise_pk,
            &keys.identity_pk,
            &payload,
            &mut rand::rngs::OsRng,
        ) {
            Ok(x) => x,
            Err(e) => return tracing::error!(error = %e, "cannot start a handshake"),
        };
        let request = DmRequest::Hello {
            msg1: Bytes::new(msg1).expect("message 1 is within its bound"),
        };
        let bytes = crate::wire::encode(&request).expect("a hello fits the envelope");
        let id = self.swarm.behaviour_mut().dm.send_request(&peer, bytes);
        self.dm.handshaking.insert(contact.phone.clone());
        self.dm.in_flight.insert(
            id,
            InFlight::Hello {
                phone: contact.phone.clone(),
                initiator: Box::new(initiator),
            },
        );
    }

    fn requests_to(&self, phone: &PhoneNumber) -> usize {
        self.dm.in_flight_to.get(phone).copied().unwrap_or(0)
    }

    /// Notes that a frames request to `phone` finished.
    fn request_done(&mut self, phone: &PhoneNumber) {
        if let Some(count) = self.dm.in_flight_to.get_mut(phone) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                self.dm.in_flight_to.remove(phone);
            }
        }
    }

    /// Encrypts due messages and waiting receipts for `contact` on our session and sends
    /// them (after the nonce reservation is durable, when it had to grow). Returns
    /// whether a request went out.
    fn send_frames(&mut self, contact: &Contact, peer: PeerId, identity: [u8; 32]) -> bool {
        let now = now_ms();
        let phone = contact.phone.clone();
        let target = direct(&phone);
        let due: Vec<MsgId> = self
            .dm
            .outbox
            .values()
            .filter(|e| e.target == target && e.next_attempt_ms <= now)
            .map(|e| e.id)
            .take(FRAMES_PER_REQUEST)
            .collect();
        // Frames are added while the request stays within the envelope.
        let mut budget = REQUEST_BUDGET;
        let mut payloads: Vec<(Option<MsgId>, Vec<u8>)> = Vec::new();
        for id in due {
            let bytes = match self.dm.unacked.get(&id) {
                Some(message) => message_payload(message),
                None => match self.store.message(&id) {
                    Ok(Some(message)) => message_payload(&message),
                    _ => None,
                },
            };
            let Some(bytes) = bytes else {
                self.forget_outbox(&id);
                continue;
            };
            if bytes.len() + FRAME_OVERHEAD > budget {
                break;
            }
            budget -= bytes.len() + FRAME_OVERHEAD;
            payloads.push((Some(id), bytes));
        }
        if let Some(queue) = self.dm.ephemeral.get_mut(&phone) {
            while payloads.len() < FRAMES_PER_REQUEST {
                let Some(next) = queue.first() else { break };
                let bytes = next.to_bytes();
                if bytes.len() + FRAME_OVERHEAD > budget {
                    break;
                }
                budget -= bytes.len() + FRAME_OVERHEAD;
                queue.remove(0);
                payloads.push((None, bytes));
            }
        }
        if payloads.is_empty() {
            return false;
        }
        let Some(sid) = self.dm.outbound.get(&identity).copied() else {
            return false;
        };
        let session = self.dm.sessions.get_mut(&sid).expect("outbound sessions are live");
        let state = session.send_state();
        if state.reserved_until.saturating_sub(state.next) < payloads.len() as u64 {
            session.reserve(DEFAULT_RESERVE_BLOCK.max(payloads.len() as u64));
            self.dm.dirty_sessions.insert(sid);
            self.durability.wrote();
        }
        let mut frames = Vec::with_capacity(payloads.len());
        let mut messages = Vec::with_capacity(payloads.len());
        for (id, payload) in payloads {
            match session.encrypt(&payload) {
                Ok(frame) => {
                    frames.push(frame);
                    messages.push(id);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot encrypt; re-handshaking");
                    self.drop_session(&sid);
                    return false;
                }
            }
        }
        for id in messages.iter().flatten() {
            if let Some(entry) = self.dm.outbox.get_mut(id) {
                entry.attempts += 1;
                entry.next_attempt_ms = now + retry_delay_ms(entry.attempts, rand::rngs::OsRng.next_u32());
            }
        }
        let request = DmRequest::Frames {
            frames: List::new(frames).expect("at most MAX_FRAMES_PER_REQUEST frames"),
        };
        let bytes = match crate::wire::encode(&request) {
            Ok(b) => b,
            Err(e) => {
                tracing::error!(error = %e, "a frames request does not fit");
                return false;
            }
        };
        *self.dm.in_flight_to.entry(phone.clone()).or_default() += 1;
        let in_flight = InFlight::Frames { phone, sid, messages };
        // Every nonce used must lie inside a reservation already on disk; otherwise the
        // request waits for the flush that writes the grown reservation.
        let used_until = session.send_state().next;
        let reserved_until = session.send_state().reserved_until;
        if used_until > self.dm.durable_reservation.get(&sid).copied().unwrap_or(0) {
            self.durability.after_flush(Box::new(move |actor: &mut Actor| {
                let durable = actor.dm.durable_reservation.entry(sid).or_default();
                *durable = (*durable).max(reserved_until);
                let id = actor.swarm.behaviour_mut().dm.send_request(&peer, bytes);
                actor.dm.in_flight.insert(id, in_flight);
            }));
        } else {
            let id = self.swarm.behaviour_mut().dm.send_request(&peer, bytes);
            self.dm.in_flight.insert(id, in_flight);
        }
        true
    }

    /// Drops an outbox entry that can never be sent (its message is gone or unsendable).
    fn forget_outbox(&mut self, id: &MsgId) {
        self.dm.outbox.remove(id);
        self.dm.unacked.remove(id);
        let mut batch = self.store.batch();
        batch.remove_outbox(id);
        if let Err(e) = self.store.apply(batch) {
            self.failed("store.forget_outbox", &e);
        }
        self.durability.wrote();
    }

    /// Marks `ids` delivered (or read): state change, outbox removal, event.
    pub(super) fn settle_outgoing(&mut self, ids: &[MsgId], state: MessageState) {
        let mut batch = self.store.batch();
        let mut changed = Vec::new();
        for id in ids {
            let Some(mut message) = self.outgoing_message(id) else {
                continue;
            };
            if message.direction != Direction::Outgoing || message.state >= state {
                if self.dm.outbox.remove(id).is_some() {
                    batch.remove_outbox(id);
                }
                continue;
            }
            // The state first, then the outbox removal: a crash in between only causes
            // one more (deduplicated) delivery.
            message.state = state;
            batch.put_message_state(&message);
            if self.dm.outbox.remove(id).is_some() {
                batch.remove_outbox(id);
                self.dm.stats.delivered += 1;
            }
            changed.push(message);
        }
        if batch.is_empty() {
            return;
        }
        if let Err(e) = self.store.apply(batch) {
            return tracing::error!(error = %e, "cannot record delivery");
        }
        self.dm.stats.outbox = self.dm.outbox.len() as u64;
        self.announce_states(changed);
    }

    /// An outgoing message as stored, taken out of the unacknowledged cache (the caller
    /// changes its state) or else read from the store.
    pub(super) fn outgoing_message(&mut self, id: &MsgId) -> Option<StoredMessage> {
        match self.dm.unacked.remove(id) {
            Some(message) => Some(message),
            None => self.store.message(id).ok().flatten(),
        }
    }

    /// Emits state changes once the writes recording them are durable.
    pub(super) fn announce_states(&mut self, changed: Vec<StoredMessage>) {
        self.durability.after_flush(Box::new(move |actor: &mut Actor| {
            for message in changed {
                actor.emit(Event::MessageState {
                    id: message.id.to_string(),
                    conv: message.conv.to_string(),
                    state: message.state,
                    preview: message.body.preview(),
                });
            }
        }));
    }

    /// Handles the answer to one of our requests.
    pub(super) fn on_dm_response(&mut self, peer: PeerId, id: OutboundRequestId, bytes: &[u8]) {
        let Some(in_flight) = self.dm.in_flight.remove(&id) else {
            return;
        };
        let response = crate::wire::decode::<DmResponse>(bytes);
        match in_flight {
            InFlight::Hello { phone, initiator } => {
                self.dm.handshaking.remove(&phone);
                match response {
                    Ok(DmResponse::Welcome { msg2 }) => match initiator.finish(&msg2, now_ms() / 1000) {
                        Ok((session, _payload)) => {
                            let sid = session.id();
                            self.dm.outbound.insert(session.remote_identity(), sid);
                            self.dm.sessions.insert(sid, session);
                            self.count_sessions();
                            self.dm.stats.handshakes += 1;
                            self.save_session(&sid);
                            self.pump_friend(&phone);
                        }
                        Err(e) => {
                            self.reject(Some(peer), "dm", e.reason());
                            if let SessionError::IdentityMismatch { .. } = e {
                                self.key_changed_warning(&phone);
                            }
                            self.delivery_failed(&phone, false);
                        }
                    },
                    Ok(_) => {
                        self.reject(Some(peer), "dm", "refused_hello");
                        self.delivery_failed(&phone, false);
                    }
                    Err(e) => {
                        self.reject(Some(peer), "dm", e.reason());
                        self.delivery_failed(&phone, false);
                    }
                }
            }
            InFlight::Frames { phone, sid, messages } => {
                self.request_done(&phone);
                match response {
                    Ok(DmResponse::Acks { acks }) => {
                        let mut stored = Vec::new();
                        let mut rejected = false;
                        for (ack, id) in acks.iter().zip(messages.iter()) {
                            match (ack.outcome, id) {
                                (Outcome::Stored, Some(id)) => stored.push(*id),
                                (Outcome::Rejected, _) => rejected = true,
                                _ => {}
                            }
                        }
                        self.settle_outgoing(&stored, MessageState::Delivered);
                        if rejected {
                            self.drop_session(&sid);
                        }
                        self.pump_friend(&phone);
                    }
                    Ok(DmResponse::Refused { reason }) if reason.as_str() == "unknown_session" => {
                        // The friend lost the session: open a new one and resend at once.
                        self.drop_session(&sid);
                        self.retry_now(&messages);
                        self.pump_friend(&phone);
                    }
                    Ok(DmResponse::Refused { reason }) => {
                        // `busy` (rate limit) or the like: the session is fine; the
                        // messages wait for their retry time.
                        tracing::debug!(%reason, "frames refused");
                    }
                    Ok(DmResponse::Welcome { .. }) | Err(_) => {
                        self.reject(Some(peer), "dm", "bad_response");
                    }
                }
            }
        }
    }

    /// Makes `messages` due again at once (their request was refused, not lost).
    fn retry_now(&mut self, messages: &[Option<MsgId>]) {
        for id in messages.iter().flatten() {
            if let Some(entry) = self.dm.outbox.get_mut(id) {
                entry.next_attempt_ms = 0;
            }
        }
    }

    /// A request to `peer` failed (unreachable, timeout, stream error).
    pub(super) fn on_dm_failure(&mut self, id: OutboundRequestId, error: &request_response::OutboundFailure) {
        let Some(in_flight) = self.dm.in_flight.remove(&id) else {
            return;
        };
        tracing::debug!(%error, "1:1 request failed");
        let phone = match in_flight {
            InFlight::Hello { phone, .. } => {
                self.dm.handshaking.remove(&phone);
                phone
            }
            InFlight::Frames { phone, .. } => {
                self.request_done(&phone);
                phone
            }
        };
        let unreachable = matches!(
            error,
            request_response::OutboundFailure::DialFailure | request_response::OutboundFailure::Timeout
        );
        self.delivery_failed(&phone, unreachable);
    }

    /// The friend could not be reached directly: back off, and hand due messages to the
    /// friend's mailboxes (once per message until a retry succeeds).
    fn delivery_failed(&mut self, phone: &PhoneNumber, unreachable: bool) {
        let now = now_ms();
        let target = direct(phone);
        let mut to_deposit = Vec::new();
        let mut failures = 1;
        for entry in self.dm.outbox.values_mut().filter(|e| e.target == target) {
            if entry.next_attempt_ms <= now {
                entry.attempts += 1;
                entry.next_attempt_ms = now + retry_delay_ms(entry.attempts, rand::rngs::OsRng.next_u32());
            }
            failures = failures.max(entry.attempts);
            if unreachable && entry.mailbox_ms == 0 {
                to_deposit.push(entry.id);
            }
        }
        let ephemeral = self.dm.ephemeral.remove(phone).unwrap_or_default();
        if unreachable {
            self.deposit_for(phone, &to_deposit, ephemeral);
            // The addresses in the friend's record may be stale (it moved, or published
            // before its relays accepted it): its record is looked up again, backing off.
            self.look_up_again(phone, failures);
        }
    }

    /// The friend's record now gives other addresses: what waits for the friend is tried
    /// there at once.
    pub(super) fn friend_moved(&mut self, phone: &PhoneNumber) {
        let target = direct(phone);
        for entry in self.dm.outbox.values_mut().filter(|e| e.target == target) {
            entry.next_attempt_ms = 0;
        }
        self.pump_friend(phone);
    }

    fn key_changed_warning(&mut self, phone: &PhoneNumber) {
        if let Ok(Some(contact)) = self.store.contact(phone) {
            self.emit(Event::KeyChanged {
                phone: phone.to_string(),
                name: contact.name,
            });
        }
    }

    // --- receiving -----------------------------------------------------------------

    /// Handles a request from `peer`; answers now or once its effects are durable.
    pub(super) fn on_dm_request(&mut self, peer: PeerId, bytes: &[u8], channel: ResponseChannel<Vec<u8>>) {
        if !self.dm.inbound.allow(&peer, now_ms()) {
            self.reject(Some(peer), "dm", "rate_limited");
            return self.respond_dm(channel, &refused("busy"));
        }
        if bytes == super::codec::OVERSIZED {
            self.reject(Some(peer), "dm", "oversized");
            return self.respond_dm(channel, &refused("oversized"));
        }
        match crate::wire::decode::<DmRequest>(bytes) {
            Err(e) => {
                self.reject(Some(peer), "dm", e.reason());
                self.respond_dm(channel, &refused("malformed"));
            }
            Ok(DmRequest::Hello { msg1 }) => self.on_hello(peer, &msg1, channel),
            Ok(DmRequest::Frames { frames }) => self.on_frames(peer, frames.into_vec(), channel),
        }
    }

    fn respond_dm(&mut self, channel: ResponseChannel<Vec<u8>>, response: &DmResponse) {
        let bytes = crate::wire::encode(response).expect("responses fit the envelope");
        let _ = self.swarm.behaviour_mut().dm.send_response(channel, bytes);
    }

    fn on_hello(&mut self, peer: PeerId, msg1: &[u8], channel: ResponseChannel<Vec<u8>>) {
        let local = self.local_keys();
        let responder = match Responder::read(&local, &mut self.dm.guard, msg1, &mut rand::rngs::OsRng) {
            Ok(r) => r,
            Err(e) => {
                self.reject(Some(peer), "dm", e.reason());
                return self.respond_dm(channel, &refused("handshake_failed"));
            }
        };
        let initiator = responder.initiator().clone();
        let identity = initiator.identity_pk.0;
        // The connection must come from the identity's own node.
        let claimed_peer = libp2p::identity::ed25519::PublicKey::try_from_bytes(&identity)
            .map(|pk| PeerId::from_public_key(&pk.into()))
            .ok();
        if claimed_peer != Some(peer) {
            self.reject(Some(peer), "dm", "peer_mismatch");
            return self.respond_dm(channel, &refused("handshake_failed"));
        }
        let claimed_phone = initiator.phone.as_str().parse::<PhoneNumber>().ok();
        if self.dm.is_blocked(&identity, claimed_phone.as_ref()) {
            self.reject(Some(peer), "dm", "blocked");
            return self.respond_dm(channel, &refused("handshake_failed"));
        }
        if let Some(phone) = &claimed_phone {
            if let Ok(Some(contact)) = self.store.contact(phone) {
                if let Some(pinned) = &contact.pinned {
                    if pinned.identity_pk != identity {
                        // Someone else claims a friend's number: never a silent switch.
                        // A lookup checks the claim (a reinstall shows as a key change).
                        self.reject(Some(peer), "dm", "identity_mismatch");
                        self.emit(Event::CandidateSeen {
                            phone: phone.to_string(),
                            name: contact.display_name(),
                        });
                        self.claim_seen(contact, identity);
                        return self.respond_dm(channel, &refused("handshake_failed"));
                    }
                }
            }
            self.remember_claim(identity, phone.clone(), responder.initiator_static());
        }
        // An invite proof is acted on only once the session is confirmed by its first
        // frame (protocol/session.md §3.2): message 1 alone may be a replay.
        let redemption = match (&claimed_phone, initiator.intro.as_ref()) {
            (Some(phone), Some(proof)) => Some(PendingRedemption {
                phone: phone.clone(),
                identity,
                noise: responder.initiator_static(),
                peer,
                proof: proof.to_vec(),
            }),
            _ => None,
        };
        let payload = match self.handshake_payload(None, claimed_phone.is_some()) {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %e, "cannot build a handshake payload");
                return self.respond_dm(channel, &refused("handshake_failed"));
            }
        };
        match responder.accept(&payload, now_ms() / 1000) {
            Ok((session, msg2)) => {
                let sid = session.id();
                if let Some(redemption) = redemption {
                    self.dm.redemptions.insert(sid, redemption);
                }
                let friend = self.keep_responder_session(session);
                self.dm.stats.handshakes += 1;
                let response = DmResponse::Welcome {
                    msg2: Bytes::new(msg2).expect("message 2 is within its bound"),
                };
                if friend {
                    self.save_guard();
                    self.durability.after_flush(Box::new(move |actor: &mut Actor| {
                        actor.respond_dm(channel, &response);
                        // A friend who reaches us is reachable: what waits for them goes now.
                        actor.friend_reachable(&identity);
                    }));
                } else {
                    // Nothing of a stranger's session is written (SPEC.md §6.2): the guard
                    // follows lazily, and the answer goes at once.
                    self.dm.guard_dirty = true;
                    self.respond_dm(channel, &response);
                }
            }
            Err(e) => {
                self.reject(Some(peer), "dm", e.reason());
                self.respond_dm(channel, &refused("handshake_failed"));
            }
        }
    }

    /// Makes everything waiting for the friend with `identity` due now and sends it.
    fn friend_reachable(&mut self, identity: &[u8; 32]) {
        let Some(contact) = self.friend_of(identity) else {
            return;
        };
        let target = direct(&contact.phone);
        for entry in self.dm.outbox.values_mut().filter(|e| e.target == target) {
            entry.next_attempt_ms = 0;
        }
        self.pump_friend(&contact.phone);
    }

    /// The pinned key of `phone` changed: its waiting messages are sealed and deposited
    /// for the new key (a mailbox copy for the old one never reaches it) and sent now.
    pub(super) fn key_switched(&mut self, phone: &PhoneNumber) {
        let target = direct(phone);
        for entry in self.dm.outbox.values_mut().filter(|e| e.target == target) {
            entry.next_attempt_ms = 0;
            entry.mailbox_ms = 0;
        }
        self.dm.friend_cache.clear();
        self.dm.pump_soon.insert(phone.clone());
    }

    /// Writes the replay guard if strangers' handshakes changed it and it was last written
    /// [`GUARD_LAZY_MS`] ago or more (or `now` regardless, before the last flush).
    pub(super) fn write_guard_lazily(&mut self, now: bool) {
        if self.dm.guard_dirty && (now || now_ms().saturating_sub(self.dm.guard_written_ms) >= GUARD_LAZY_MS) {
            self.save_guard();
        }
    }

    fn save_guard(&mut self) {
        self.dm.guard_dirty = false;
        self.dm.guard_written_ms = now_ms();
        let guard: Vec<Fixed<32>> = self.dm.guard.clone().into();
        if let Err(e) = self.store.set_meta_value(GUARD, &guard) {
            tracing::error!(error = %e, "cannot save the handshake guard");
        }
        self.durability.wrote();
    }

    /// An initiator proved it holds one of our invite codes: it becomes a verified
    /// contact (unless the number is already pinned to someone else).
    fn redeem_invite(&mut self, redemption: PendingRedemption) {
        let PendingRedemption {
            phone,
            identity,
            noise,
            peer,
            proof,
        } = redemption;
        let (phone, identity) = (&phone, &identity);
        if self.redeemed_invite(identity, &proof).is_none() {
            return;
        }
        let mut contact = match self.store.contact(phone) {
            Ok(Some(c)) if c.pinned.as_ref().is_some_and(|p| p.identity_pk != *identity) => return,
            Ok(Some(c)) => c,
            _ => Contact::new(phone.clone(), String::new(), crate::model::ContactSource::Invite),
        };
        let pinned = contact.pinned.get_or_insert_with(|| crate::model::PeerKeys {
            identity_pk: *identity,
            noise_pk: noise,
            peer_id: peer.to_string(),
            name: String::new(),
            first_seen_ms: now_ms(),
            record: Default::default(),
        });
        pinned.noise_pk = noise;
        contact.state = ContactState::Verified;
        match self.save_contact(&contact) {
            Ok(()) => self.emit(Event::ContactUpdated {
                phone: phone.to_string(),
                name: contact.name.clone(),
                state: "verified".into(),
            }),
            Err(e) => self.failed("store.put_contact", &e),
        }
    }

    fn on_frames(&mut self, peer: PeerId, frames: Vec<crate::session::Frame>, channel: ResponseChannel<Vec<u8>>) {
        if self.dm.is_blocked(&identity_of(&peer), None) {
            // Blocked: as if we held no session (a new handshake is refused too).
            self.reject(Some(peer), "dm", "blocked");
            return self.respond_dm(channel, &refused("unknown_session"));
        }
        if frames.iter().all(|f| !self.dm.sessions.contains_key(&f.sid.0)) {
            self.reject(Some(peer), "dm", "unknown_session");
            return self.respond_dm(channel, &refused("unknown_session"));
        }
        let now = now_ms();
        let mut acks = Vec::with_capacity(frames.len());
        let mut touched = HashSet::new();
        let mut stored_any = false;
        for frame in frames {
            let decrypted = match self.dm.sessions.get_mut(&frame.sid.0) {
                None => Err(SessionError::WrongSession),
                Some(session) if session.remote_identity() != identity_of(&peer) => Err(SessionError::WrongSession),
                Some(session) => session.decrypt(&frame).map(|(_, pt)| (pt, session.remote_identity())),
            };
            let outcome = match decrypted {
                // A frame seen before: refused (nothing is stored twice) and counted, yet
                // acknowledged again, so an honest sender whose acknowledgement was lost
                // stops retrying.
                Err(SessionError::Replay(_)) => {
                    self.reject(Some(peer), "dm", "replay");
                    Outcome::Stored
                }
                Err(e) => {
                    self.reject(Some(peer), "dm", e.reason());
                    Outcome::Rejected
                }
                Ok((plaintext, identity)) => {
                    touched.insert(frame.sid.0);
                    self.touch_session(&frame.sid.0, &identity);
                    if let Some(redemption) = self.dm.redemptions.remove(&frame.sid.0) {
                        self.redeem_invite(redemption);
                    }
                    match DmPayload::from_bytes(&plaintext) {
                        Ok(payload) => {
                            let outcome = self.on_payload(identity, payload, now, false);
                            stored_any |= outcome == Outcome::Stored;
                            outcome
                        }
                        Err(e) => {
                            self.reject(Some(peer), "dm", e.reason());
                            Outcome::Rejected
                        }
                    }
                }
            };
            acks.push(Ack { n: frame.n, outcome });
        }
        for sid in &touched {
            self.save_session(sid);
        }
        let response = DmResponse::Acks {
            acks: List::new(acks).expect("one ack per frame"),
        };
        if touched.is_empty() && !stored_any {
            self.respond_dm(channel, &response);
        } else {
            self.durability.after_flush(Box::new(move |actor: &mut Actor| {
                actor.respond_dm(channel, &response);
            }));
        }
    }

    /// Applies one decrypted payload from `identity`. `via_mailbox`: it came sealed
    /// through a mailbox (the sender then wants a delivery receipt).
    pub(super) fn on_payload(
        &mut self,
        identity: [u8; 32],
        payload: DmPayload,
        now: u64,
        via_mailbox: bool,
    ) -> Outcome {
        let friend = self.friend_of(&identity);
        match payload {
            DmPayload::Message { id, hlc, sent_ms, body } => {
                let body = WireBody::decode(&body).unwrap_or(Body::Unsupported {
                    kind: "malformed".into(),
                });
                let id = MsgId(id.0);
                match friend {
                    Some(contact) => {
                        let conv = ConvId::direct(&contact.phone);
                        let outcome = self.store_incoming(&contact, conv, id, hlc, sent_ms, body, now, false);
                        if via_mailbox && outcome == Outcome::Stored {
                            self.queue_ephemeral(
                                &contact.phone,
                                DmPayload::Receipt {
                                    ids: List::new(vec![Fixed(id.0)]).expect("one id"),
                                    state: ReceiptState::Delivered,
                                },
                            );
                        }
                        outcome
                    }
                    None => {
                        let Some(phone) = self.request_phone(&identity) else {
                            return Outcome::Rejected;
                        };
                        let contact = Contact::new(phone, String::new(), crate::model::ContactSource::Request);
                        let conv = ConvId::request(&identity);
                        self.persist_claim(&identity);
                        self.store_incoming(&contact, conv, id, hlc, sent_ms, body, now, true);
                        Outcome::Held
                    }
                }
            }
            DmPayload::Receipt { ids, state } => {
                let Some(contact) = friend else {
                    return Outcome::Held;
                };
                let conv = ConvId::direct(&contact.phone);
                let ids: Vec<MsgId> = ids
                    .iter()
                    .map(|i| MsgId(i.0))
                    .filter(|id| matches!(self.store.message_location(id), Ok(Some((c, _))) if c == conv))
                    .collect();
                let state = match state {
                    ReceiptState::Delivered => MessageState::Delivered,
                    ReceiptState::Read => MessageState::Read,
                };
                self.settle_outgoing(&ids, state);
                Outcome::Stored
            }
            DmPayload::Typing { active } => {
                if let Some(contact) = friend {
                    self.emit(Event::Typing {
                        phone: contact.phone.to_string(),
                        name: contact.name,
                        active,
                    });
                }
                Outcome::Stored
            }
            DmPayload::Group { data } => self.on_group_control(identity, &data),
            DmPayload::Hello { profile } => self.on_hello_payload(identity, friend, profile),
            DmPayload::Profile { profile } => match friend {
                Some(contact) => {
                    self.profile_received(contact, profile);
                    Outcome::Stored
                }
                None => Outcome::Held,
            },
        }
    }

    /// The contact whose pinned key is `identity`, if not in conflict (resolved once per
    /// loop turn).
    pub(super) fn friend_of(&mut self, identity: &[u8; 32]) -> Option<Contact> {
        if let Some(known) = self.dm.friend_cache.get(identity) {
            return known.clone();
        }
        let friend = self.lookup_friend(identity);
        self.dm.friend_cache.insert(*identity, friend.clone());
        friend
    }

    fn lookup_friend(&mut self, identity: &[u8; 32]) -> Option<Contact> {
        let phone = self.dm.friends.get(identity)?.clone();
        let contact = self.store.contact(&phone).ok().flatten()?;
        let pinned = contact.pinned.as_ref()?;
        (pinned.identity_pk == *identity && contact.state != ContactState::Conflict).then_some(contact)
    }

    /// Stores an incoming message (deduplicated by id). Returns `Stored` for new and
    /// duplicate messages alike: the sender may stop retrying either way.
    #[allow(clippy::too_many_arguments)]
    fn store_incoming(
        &mut self,
        contact: &Contact,
        conv_id: ConvId,
        id: MsgId,
        hlc: u64,
        sent_ms: u64,
        body: Body,
        now: u64,
        request: bool,
    ) -> Outcome {
        match self.store.has_message(&id) {
            Ok(true) => {
                self.dm.stats.duplicates += 1;
                return Outcome::Stored;
            }
            Ok(false) => {}
            Err(e) => {
                tracing::error!(error = %e, "cannot read history");
                return Outcome::Rejected;
            }
        }
        let hlc = Hlc::bounded(Hlc(hlc), now, MAX_CLOCK_SKEW_MS).0;
        let mut conv = match self.conversation_row(&conv_id) {
            Ok(Some(c)) => c,
            _ => Conversation::direct(conv_id, &contact.phone, &contact.name),
        };
        conv.last_hlc = Hlc(conv.last_hlc).observe(Hlc(hlc), now).0;
        conv.unread = conv.unread.saturating_add(1);
        conv.preview = body.preview();
        let message = StoredMessage {
            id,
            conv: conv_id,
            hlc,
            direction: Direction::Incoming,
            sender: contact.phone.clone(),
            body,
            state: if request {
                MessageState::Request
            } else {
                MessageState::Received
            },
            sent_ms,
            stored_ms: now,
        };
        let mut batch = self.store.batch();
        batch.put_message(&message);
        if let Err(e) = self.store.apply(batch) {
            tracing::error!(error = %e, "cannot store a message");
            return Outcome::Rejected;
        }
        self.update_conversation(conv);
        if request {
            self.dm.stats.requests += 1;
        } else {
            self.dm.stats.received += 1;
        }
        let name = contact.display_name();
        let mut view = super::messages::MessageView::new(&message, &name).titled(&name);
        view.muted = contact.muted;
        self.durability.after_flush(Box::new(move |actor: &mut Actor| {
            actor.emit(Event::MessageReceived { message: view });
        }));
        Outcome::Stored
    }
}

/// The plaintext of a message frame carrying `message` (None if its body cannot be sent).
fn message_payload(message: &StoredMessage) -> Option<Vec<u8>> {
    let body = WireBody::from_body(&message.body).ok()?;
    Some(DmPayload::message(message.id, message.hlc, message.sent_ms, &body).to_bytes())
}

/// The outbox target of the friend `phone`.
fn direct(phone: &PhoneNumber) -> OutboxTarget {
    OutboxTarget::Direct { phone: phone.clone() }
}

fn refused(reason: &str) -> DmResponse {
    DmResponse::Refused {
        reason: Text::new(reason).unwrap_or_default(),
    }
}

/// The ed25519 key inside a peer id (all zero if it is not an ed25519 peer id).
pub(super) fn identity_of(peer: &PeerId) -> [u8; 32] {
    libp2p::identity::PublicKey::try_decode_protobuf(peer.as_ref().digest())
        .ok()
        .and_then(|pk| pk.try_into_ed25519().ok())
        .map(|pk| pk.to_bytes())
        .unwrap_or_default()
}
