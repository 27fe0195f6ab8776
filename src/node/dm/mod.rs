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

use std::collections::{HashMap, HashSet};

use libp2p::request_response::{self, OutboundRequestId, ResponseChannel};
use libp2p::{Multiaddr, PeerId};
use serde::Serialize;

use super::actor::Actor;
use super::event::Event;
use crate::content::body::WireBody;
use crate::dm::outbox::Outbox;
use crate::dm::wire::{Ack, DmPayload, DmRequest, DmResponse, Outcome, ReceiptState};
use crate::model::{
    now_ms, Body, Contact, ContactState, ConvId, Conversation, Direction, Hlc, MessageState, MsgId, StoredMessage,
};
use crate::phone::PhoneNumber;
use crate::ratelimit::{KeyedLimiter, Rate};
use crate::session::transport::DEFAULT_RESERVE_BLOCK;
use crate::session::{HandshakePayload, Initiator, ReplayGuard, Responder, Role, Session, SessionError};
use crate::store::keys::{DM_GUARD as GUARD, SESSION_PREFIX};
use crate::store::{OutboxEntry, OutboxTarget};
use crate::wire::{Bytes, Fixed, List, Text};

mod devices;
mod receive;
mod send;

/// Bytes of frames one request may carry (the envelope, less its own overhead).
const REQUEST_BUDGET: usize = crate::wire::MAX_BODY_BYTES - 256;
/// What a frame adds to its plaintext on the wire: tag, session id, nonce, CBOR.
const FRAME_OVERHEAD: usize = crate::session::TAG_LEN + 64;
/// Most message frames in one request.
const FRAMES_PER_REQUEST: usize = crate::dm::wire::MAX_FRAMES_PER_REQUEST;
/// Most frame requests in flight to one friend (pipelining: the friend's group commit
/// then covers several requests at once).
const MAX_IN_FLIGHT_PER_FRIEND: usize = 8;
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
        /// The ephemeral payloads it carries (they are in no outbox): put back in the
        /// queue when the request is lost, not dropped.
        ephemeral: Vec<DmPayload>,
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
    /// The outbox's direct entries and their retries.
    pub(super) outbox: Outbox,
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
    /// Contact number → the keys of the other devices its record lists (each also in
    /// `friends`): they speak for the contact's account too (protocol/devices.md §7).
    device_keys: HashMap<PhoneNumber, Vec<[u8; 32]>>,
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
    /// Friends whose messages go to another device of their account for now (their
    /// first device could not be reached); one entry per such friend.
    routes: HashMap<PhoneNumber, devices::DeviceRoute>,
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
        let outbox = Outbox::load(store.outbox()?);
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
            device_keys: HashMap::new(),
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
            routes: HashMap::new(),
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
            let devices = device_identities(pinned);
            for key in std::iter::once(&pinned.identity_pk).chain(&devices) {
                self.friends.insert(*key, contact.phone.clone());
                if contact.blocked {
                    self.blocked_ids.insert(*key);
                }
            }
            self.friend_keys.insert(contact.phone.clone(), pinned.identity_pk);
            if !devices.is_empty() {
                self.device_keys.insert(contact.phone.clone(), devices);
            }
        }
        if contact.blocked {
            self.blocked_phones.insert(contact.phone.clone());
        }
    }

    /// Forgets a removed contact's identity and block.
    pub(crate) fn contact_removed(&mut self, contact: &Contact) {
        let devices = self.device_keys.remove(&contact.phone).unwrap_or_default();
        if let Some(old) = self.friend_keys.remove(&contact.phone) {
            for key in std::iter::once(old).chain(devices) {
                if self.friends.get(&key) == Some(&contact.phone) {
                    self.friends.remove(&key);
                }
                self.blocked_ids.remove(&key);
            }
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
}

/// The plaintext of a message frame carrying `message` (None if its body cannot be sent).
fn message_payload(message: &StoredMessage) -> Option<Vec<u8>> {
    let body = WireBody::from_body(&message.body).ok()?;
    Some(DmPayload::message(message.id, message.hlc, message.sent_ms, &body).to_bytes())
}

fn refused(reason: &str) -> DmResponse {
    DmResponse::Refused {
        reason: Text::new(reason).unwrap_or_default(),
    }
}

/// The keys of the other devices a contact's record lists (their peer ids' keys).
fn device_identities(pinned: &crate::model::PeerKeys) -> Vec<[u8; 32]> {
    pinned
        .record
        .devices
        .iter()
        .filter_map(|d| d.peer_id.parse::<PeerId>().ok())
        .map(|peer| identity_of(&peer))
        .filter(|key| *key != [0; 32])
        .collect()
}

/// Whether `identity` is `pinned`'s account key or one of its other devices' keys.
fn speaks_for(pinned: &crate::model::PeerKeys, identity: &[u8; 32]) -> bool {
    pinned.identity_pk == *identity || device_identities(pinned).contains(identity)
}

/// The ed25519 key inside a peer id (all zero if it is not an ed25519 peer id).
pub(super) fn identity_of(peer: &PeerId) -> [u8; 32] {
    libp2p::identity::PublicKey::try_decode_protobuf(peer.as_ref().digest())
        .ok()
        .and_then(|pk| pk.try_into_ed25519().ok())
        .map(|pk| pk.to_bytes())
        .unwrap_or_default()
}
