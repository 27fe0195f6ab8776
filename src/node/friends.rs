//! Friends beyond discovery states: telling a friend at once that we found them (the
//! `hello` payload, checked by the friend with a lookup of its own), profiles shared
//! only with friends (`profile` payloads), blocking and muting, and message requests
//! from strangers (listed, accepted or blocked). See `protocol/dm.md` §4–§5 and SPEC.md
//! §5.6 and §6.8.

use std::collections::HashMap;

use libp2p::PeerId;
use serde::{Deserialize, Serialize};

use super::actor::Actor;
use super::command::{Command, PeopleCommand, Reply};
use super::contacts::{ContactView, Verification};
use super::event::Event;
use super::refusal::Refusal;
use super::NodeError;
use crate::config::Discoverable;
use crate::contacts::schedule::Urgency;
use crate::dm::wire::{DmPayload, Outcome, WireProfile, MAX_PROFILE_NAME, MAX_STATUS};
use crate::model::{now_ms, Contact, ContactSource, ContactState, ConvId, FriendProfile, MessageState, PeerKeys};
use crate::phone::{normalize, PhoneNumber};
use crate::store::{Store, StoreError};
use crate::wire::{Fixed, Text};

/// `meta` name of the strangers the owner blocked.
const BLOCKED_STRANGERS: &str = "blocked_strangers";
/// Most strangers blocked (the oldest block is dropped beyond).
const MAX_BLOCKED_STRANGERS: usize = 10_000;

/// A stranger the owner blocked from a message request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct BlockedStranger {
    identity_pk: Fixed<32>,
    phone: Option<PhoneNumber>,
    blocked_ms: u64,
}

/// Non-contacts the owner blocked (what they claimed lives in
/// [`Claims`](super::strangers::Claims)).
#[derive(Debug, Default)]
pub(crate) struct BlockedStrangers {
    blocked: Vec<BlockedStranger>,
}

impl BlockedStrangers {
    /// Loads the block list.
    pub(crate) fn load(store: &Store) -> Result<Self, StoreError> {
        Ok(Self {
            blocked: store.meta_value(BLOCKED_STRANGERS)?.unwrap_or_default(),
        })
    }

    /// Whether the owner blocked this stranger (by identity, or the number it claims).
    pub(crate) fn is_blocked(&self, identity: &[u8; 32], phone: Option<&PhoneNumber>) -> bool {
        self.blocked
            .iter()
            .any(|b| b.identity_pk.as_bytes() == identity || (phone.is_some() && b.phone.as_ref() == phone))
    }
}

/// A message request: a stranger's messages, held apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestView {
    /// The stranger's peer id (its identity).
    pub peer_id: String,
    /// The number it claims (unverified).
    pub phone: String,
    /// The request conversation's id (hex).
    pub conv: String,
    /// Messages waiting.
    pub messages: u32,
    /// The newest one, shortened.
    pub preview: String,
}

/// The owner's profile as shared with friends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileView {
    /// The owner's number.
    pub phone: String,
    /// Display name.
    pub name: String,
    /// Status message.
    pub status: String,
    /// When it last changed (ms, 0: never since `init`).
    pub updated_ms: u64,
}

impl super::NodeHandle {
    async fn people<T>(&self, make: impl FnOnce(Reply<T>) -> PeopleCommand) -> Result<T, NodeError> {
        self.request(|reply| Command::People(make(reply))).await?
    }

    /// Renames a contact (every number of the person) and its conversation.
    pub async fn rename_contact(&self, contact: &str, name: &str) -> Result<ContactView, NodeError> {
        let (query, name) = (contact.to_owned(), name.to_owned());
        self.people(|reply| PeopleCommand::Rename { query, name, reply }).await
    }

    /// Blocks (or unblocks) a contact: no messages or receipts either way, and they can
    /// no longer find this node's records for them.
    pub async fn block_contact(&self, contact: &str, blocked: bool) -> Result<ContactView, NodeError> {
        let query = contact.to_owned();
        self.people(|reply| PeopleCommand::Block { query, blocked, reply })
            .await
    }

    /// Mutes (or unmutes) a contact: messages arrive marked `muted`.
    pub async fn mute_contact(&self, contact: &str, muted: bool) -> Result<ContactView, NodeError> {
        let query = contact.to_owned();
        self.people(|reply| PeopleCommand::Mute { query, muted, reply }).await
    }

    /// Accepts a contact's changed key (a reinstall): held messages go to the new key.
    pub async fn accept_key(&self, contact: &str) -> Result<Verification, NodeError> {
        let query = contact.to_owned();
        self.people(|reply| PeopleCommand::Accept { query, reply }).await
    }

    /// Message requests: strangers' messages waiting apart.
    pub async fn requests(&self) -> Result<Vec<RequestView>, NodeError> {
        self.people(PeopleCommand::Requests).await
    }

    /// Accepts a message request (by the number it claims, its peer id or conversation
    /// id): the sender becomes a contact named `name`.
    pub async fn accept_request(&self, request: &str, name: &str) -> Result<ContactView, NodeError> {
        let (query, name) = (request.to_owned(), name.to_owned());
        self.people(|reply| PeopleCommand::AcceptRequest { query, name, reply })
            .await
    }

    /// Blocks a message request's sender and deletes its messages.
    pub async fn block_request(&self, request: &str) -> Result<RequestView, NodeError> {
        let query = request.to_owned();
        self.people(|reply| PeopleCommand::BlockRequest { query, reply }).await
    }

    /// The owner's profile (name and status, shared with friends only).
    pub async fn profile(&self) -> Result<ProfileView, NodeError> {
        self.people(PeopleCommand::Profile).await
    }

    /// Changes the owner's name and/or status; friends receive it over the E2E channel.
    pub async fn set_profile(&self, name: Option<&str>, status: Option<&str>) -> Result<ProfileView, NodeError> {
        let (name, status) = (name.map(str::to_owned), status.map(str::to_owned));
        self.people(|reply| PeopleCommand::SetProfile { name, status, reply })
            .await
    }
}

impl Actor {
    pub(super) fn on_people_command(&mut self, command: PeopleCommand) {
        match command {
            PeopleCommand::Rename { query, name, reply } => {
                let _ = reply.send(self.cmd_rename(&query, &name));
            }
            PeopleCommand::Block { query, blocked, reply } => {
                let _ = reply.send(self.cmd_block(&query, blocked));
            }
            PeopleCommand::Mute { query, muted, reply } => {
                let _ = reply.send(self.cmd_mute(&query, muted));
            }
            PeopleCommand::Accept { query, reply } => {
                let _ = reply.send(self.cmd_accept(&query));
            }
            PeopleCommand::Requests(reply) => {
                let _ = reply.send(self.cmd_requests());
            }
            PeopleCommand::AcceptRequest { query, name, reply } => {
                let _ = reply.send(self.cmd_accept_request(&query, &name));
            }
            PeopleCommand::BlockRequest { query, reply } => {
                let _ = reply.send(self.cmd_block_request(&query));
            }
            PeopleCommand::Profile(reply) => {
                let _ = reply.send(Ok(self.cmd_profile()));
            }
            PeopleCommand::SetProfile { name, status, reply } => {
                let _ = reply.send(self.cmd_set_profile(name, status));
            }
        }
    }

    /// Another identity claimed the pinned `contact`'s number in a handshake: check the
    /// claim with a lookup now (found under the number's keys, it is a key change).
    pub(super) fn claim_seen(&mut self, mut contact: Contact, identity: [u8; 32]) {
        if contact.blocked || contact.claimant == Some(identity) && contact.state == ContactState::Conflict {
            return;
        }
        contact.claimant = Some(identity);
        match self.save_contact(&contact) {
            Ok(()) => self.lookup_now(contact.phone, None),
            Err(e) => self.failed("store.put_contact", &e),
        }
    }

    // --- hello and profiles ----------------------------------------------------------

    /// Our profile in wire form.
    fn own_profile(&self) -> WireProfile {
        let cut = |text: &str, max: usize| {
            let mut end = text.len().min(max);
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text[..end].to_owned()
        };
        WireProfile {
            name: Text::new(cut(&self.profile.name, MAX_PROFILE_NAME)).unwrap_or_default(),
            status: Text::new(cut(&self.profile.status, MAX_STATUS)).unwrap_or_default(),
            updated_ms: self.profile.updated_ms.max(self.profile.created_ms),
        }
    }

    /// A lookup just pinned `phone`: greet it once our own record for it is in the DHT,
    /// so that the check its node makes finds it.
    pub(super) fn friend_found(&mut self, phone: &PhoneNumber) {
        // What waited for the friend's record goes at the end of the turn.
        self.dm.pump_soon.insert(phone.clone());
        if self.discovery.publishing_for(phone) {
            self.discovery.hello_waiting.insert(phone.clone());
        } else {
            self.send_hello(phone);
        }
    }

    /// Tells the friend `phone` that we found them (with our profile). A node nobody can
    /// find by number only shares its profile: a hello could not be checked.
    pub(super) fn send_hello(&mut self, phone: &PhoneNumber) {
        let Ok(Some(contact)) = self.store.contact(phone) else {
            return;
        };
        if contact.blocked || !matches!(contact.state, ContactState::Found | ContactState::Verified) {
            return;
        }
        let profile = self.own_profile();
        let payload = match self.discovery.mode {
            Discoverable::Nobody => DmPayload::Profile { profile },
            Discoverable::Contacts | Discoverable::Everyone => DmPayload::Hello { profile },
        };
        self.discovery.hello_sent();
        self.queue_ephemeral(phone, payload);
    }

    /// A `hello` from `identity`: a friend's is a profile (answered with ours, since our
    /// own hello may have arrived before they knew us); a stranger claiming the number of
    /// a contact we have not found yet makes us look that contact up now.
    pub(super) fn on_hello_payload(
        &mut self,
        identity: [u8; 32],
        friend: Option<Contact>,
        profile: WireProfile,
    ) -> Outcome {
        self.discovery.hello_received();
        if let Some(contact) = friend {
            let phone = contact.phone.clone();
            self.profile_received(contact, profile);
            let ours = self.own_profile();
            self.queue_ephemeral(&phone, DmPayload::Profile { profile: ours });
            return Outcome::Stored;
        }
        let Some(phone) = self.request_phone(&identity) else {
            return Outcome::Held;
        };
        if let Ok(Some(contact)) = self.store.contact(&phone) {
            if !contact.blocked && contact.pinned.is_none() {
                self.lookup_now(phone, None);
            }
        }
        Outcome::Held
    }

    /// Keeps a friend's newer profile.
    pub(super) fn profile_received(&mut self, mut contact: Contact, profile: WireProfile) {
        if contact
            .profile
            .as_ref()
            .is_some_and(|p| p.updated_ms >= profile.updated_ms)
        {
            return;
        }
        contact.profile = Some(FriendProfile {
            name: profile.name.into_string(),
            status: profile.status.into_string(),
            updated_ms: profile.updated_ms,
        });
        match self.save_contact(&contact) {
            Ok(()) => self.emit(Event::ContactUpdated {
                phone: contact.phone.to_string(),
                name: contact.display_name(),
                state: contact.state.as_str().to_owned(),
            }),
            Err(e) => self.failed("store.put_contact", &e),
        }
    }

    /// The owner's profile.
    pub(super) fn cmd_profile(&self) -> ProfileView {
        ProfileView {
            phone: self.profile.phone.as_ref().map(ToString::to_string).unwrap_or_default(),
            name: self.profile.name.clone(),
            status: self.profile.status.clone(),
            updated_ms: self.profile.updated_ms,
        }
    }

    /// Changes the owner's name and/or status and shares it with every friend.
    pub(super) fn cmd_set_profile(
        &mut self,
        name: Option<String>,
        status: Option<String>,
    ) -> Result<ProfileView, NodeError> {
        if let Some(name) = &name {
            let name = name.trim();
            crate::text::check_name(name)?;
            if name.is_empty() {
                return Err(Refusal::invalid("empty_name", "your profile name cannot be empty").into());
            }
        }
        if let Some(status) = status.as_deref().filter(|s| s.trim().len() > MAX_STATUS) {
            return Err(Refusal::invalid(
                "status_too_long",
                format!(
                    "a status is at most {MAX_STATUS} bytes; this one has {}",
                    status.trim().len()
                ),
            )
            .into());
        }
        let mut profile = self.profile.clone();
        if let Some(name) = name {
            profile.name = name.trim().to_owned();
        }
        if let Some(status) = status {
            profile.status = status.trim().to_owned();
        }
        profile.updated_ms = now_ms().max(profile.updated_ms + 1);
        self.store.set_profile(&profile)?;
        self.durability.wrote();
        self.profile = profile;
        let ours = self.own_profile();
        let friends: Vec<PhoneNumber> = self
            .store
            .contacts()?
            .into_iter()
            .filter(|c| !c.blocked && matches!(c.state, ContactState::Found | ContactState::Verified))
            .map(|c| c.phone)
            .collect();
        for phone in friends {
            self.queue_ephemeral(&phone, DmPayload::Profile { profile: ours.clone() });
        }
        Ok(self.cmd_profile())
    }

    // --- block and mute --------------------------------------------------------------

    /// Blocks or unblocks a person (every number): no messages or receipts either way,
    /// their sessions dropped, and our mutual records withdrawn (`contacts` mode) so they
    /// cannot find us; unblocking republishes and looks them up again.
    pub(super) fn cmd_block(&mut self, query: &str, blocked: bool) -> Result<ContactView, NodeError> {
        let contact = self.resolve_contact(query)?;
        for mut number in self.numbers_of(&contact)? {
            if number.blocked == blocked {
                continue;
            }
            number.blocked = blocked;
            self.save_contact(&number)?;
            if blocked {
                self.discovery.schedule.remove(&number.phone);
                if let Some(pinned) = &number.pinned {
                    self.drop_sessions_with(&pinned.identity_pk);
                }
                if self.discovery.mode == Discoverable::Contacts {
                    self.withdraw_for_contact(&number.phone);
                }
            } else {
                self.publish_for_contact(&number.phone, Urgency::Interactive);
                self.lookup_now(number.phone.clone(), None);
                // What was queued before the block goes again.
                self.dm.pump_soon.insert(number.phone.clone());
            }
        }
        let contact = self.contact(&contact.phone)?;
        self.person_view(&contact)
    }

    /// Mutes or unmutes a person: their messages arrive marked muted.
    pub(super) fn cmd_mute(&mut self, query: &str, muted: bool) -> Result<ContactView, NodeError> {
        let contact = self.resolve_contact(query)?;
        for mut number in self.numbers_of(&contact)? {
            number.muted = muted;
            self.save_contact(&number)?;
        }
        let contact = self.contact(&contact.phone)?;
        self.person_view(&contact)
    }

    // --- message requests ------------------------------------------------------------

    /// Strangers' messages waiting in request conversations, newest first.
    pub(super) fn cmd_requests(&mut self) -> Result<Vec<RequestView>, NodeError> {
        self.write_pending();
        let by_conv: HashMap<ConvId, ([u8; 32], PhoneNumber)> = self
            .dm
            .claims
            .iter()
            .map(|(id, claim)| (ConvId::request(id), (*id, claim.phone.clone())))
            .collect();
        Ok(self
            .store
            .conversations()?
            .into_iter()
            .filter_map(|conv| {
                let (identity, phone) = by_conv.get(&conv.id)?;
                Some(RequestView {
                    peer_id: crate::identity::peer_id_of(identity)?.to_string(),
                    phone: phone.to_string(),
                    conv: conv.id.to_string(),
                    messages: conv.unread,
                    preview: conv.preview,
                })
            })
            .collect())
    }

    /// The request named by `query`: the number it claims, its peer id, or at least 4
    /// leading hex digits of its conversation id.
    fn find_request(&mut self, query: &str) -> Result<(RequestView, [u8; 32]), NodeError> {
        let query = query.trim();
        let phone = normalize(query, &self.config.settings.region).ok();
        let matches: Vec<RequestView> = self
            .cmd_requests()?
            .into_iter()
            .filter(|r| {
                Some(r.phone.as_str()) == phone.as_ref().map(|p| p.as_str())
                    || r.peer_id == query
                    || (query.len() >= 4 && r.conv.starts_with(&query.to_lowercase()))
            })
            .collect();
        match matches.as_slice() {
            [one] => {
                let identity = one
                    .peer_id
                    .parse::<PeerId>()
                    .ok()
                    .map(|p| super::dm::identity_of(&p))
                    .ok_or_else(|| StoreError::Corrupt {
                        what: "message request",
                        message: format!("peer id {:?} does not parse", one.peer_id),
                    })?;
                Ok((one.clone(), identity))
            }
            [] => Err(
                Refusal::not_found("no_such_request", format!("no message request matches {query:?}"))
                    .with("request", query)
                    .into(),
            ),
            _ => Err(Refusal::invalid(
                "ambiguous_request",
                format!("{query:?} matches several requests; use the peer id"),
            )
            .with("request", query)
            .into()),
        }
    }

    /// Accepts a message request: the stranger becomes a contact pinned to the identity
    /// that wrote (unverified), its messages move to the new conversation, and its
    /// retries are acknowledged from now on.
    pub(super) fn cmd_accept_request(&mut self, query: &str, name: &str) -> Result<ContactView, NodeError> {
        crate::text::check_name(name.trim())?;
        let (request, identity) = self.find_request(query)?;
        let claim = self
            .dm
            .claims
            .get(&identity)
            .cloned()
            .ok_or_else(|| Refusal::not_found("request_gone", "that request is gone"))?;
        let mut contact = match self.store.contact(&claim.phone)? {
            Some(c) if c.pinned.as_ref().is_some_and(|p| p.identity_pk != identity) => {
                let name = c.display_name();
                let message = format!(
                    "{name} is your contact with another key: this request claims their number; block it or verify {name}"
                );
                return Err(Refusal::blocked("request_claims_contact", message)
                    .with("contact", name)
                    .into());
            }
            Some(c) => c,
            None => Contact::new(claim.phone.clone(), name.trim(), ContactSource::Request),
        };
        if !name.trim().is_empty() {
            contact.name = name.trim().to_owned();
        }
        contact.pinned = Some(PeerKeys {
            identity_pk: identity,
            noise_pk: *claim.noise.as_bytes(),
            peer_id: request.peer_id.clone(),
            name: String::new(),
            first_seen_ms: now_ms(),
            record: Default::default(),
        });
        contact.state = ContactState::Found;
        contact.blocked = false;
        self.save_contact(&contact)?;
        self.forget_claim(&identity);
        let from = ConvId::request(&identity);
        self.dm.conversations.remove(&from);
        let to = ConvId::direct(&contact.phone);
        self.store.move_conversation(
            &from,
            to,
            &contact.phone,
            &contact.display_name(),
            MessageState::Received,
        )?;
        self.durability.wrote();
        self.lookup_now(contact.phone.clone(), None);
        self.send_hello(&contact.phone);
        self.person_view(&contact)
    }

    /// Blocks a message request's sender (its identity and the number it claims) and
    /// deletes its messages.
    pub(super) fn cmd_block_request(&mut self, query: &str) -> Result<RequestView, NodeError> {
        let (request, identity) = self.find_request(query)?;
        let strangers = &mut self.dm.blocked_strangers.blocked;
        if strangers.len() >= MAX_BLOCKED_STRANGERS {
            strangers.remove(0);
        }
        strangers.push(BlockedStranger {
            identity_pk: Fixed(identity),
            phone: request.phone.parse().ok(),
            blocked_ms: now_ms(),
        });
        self.store
            .set_meta_value(BLOCKED_STRANGERS, &self.dm.blocked_strangers.blocked)?;
        self.forget_claim(&identity);
        self.drop_sessions_with(&identity);
        self.forget_conversation(&ConvId::request(&identity))?;
        Ok(request)
    }
}
