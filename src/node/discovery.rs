//! The actor's discovery part: publishing this node's rendezvous records and looking
//! contacts up by phone number (SPEC.md §5).
//!
//! Key derivation is slow on purpose (argon2id), so it runs on blocking threads, at most
//! one per core, and its results are cached per epoch in the store. Lookups ask several
//! peers (quorum) for every key a contact could be found under — their number alone
//! (`everyone` mode) and both numbers (`contacts` mode), this epoch and the previous one,
//! plus the record of an invite code — verify and decrypt every entry, and hand the
//! identities found to the trust rules in [`crate::contacts::trust`].

use std::collections::{HashMap, VecDeque};
use std::time::Instant;

use libp2p::Multiaddr;
use tokio::sync::oneshot;

use super::actor::Actor;
use super::{Event, NodeError};
use crate::config::Discoverable;
use crate::contacts::trust::{self, TrustEvent};
use crate::model::{now_ms, Contact, ContactState, FriendRecord, MailboxInfo, PeerKeys};
use crate::phone::PhoneNumber;
use crate::rendezvous::record::{DEFAULT_LIFETIME_SECS, REPUBLISH_SECS};
use crate::rendezvous::{
    open_entry, seal_entry, Candidate, Epoch, InnerBody, InviteCode, RendezvousKeys, RendezvousValue,
};
use crate::wire::{List, Text};

/// Lookups running at once; more wait in a queue.
pub const MAX_LOOKUPS_IN_FLIGHT: usize = 16;
/// Record publications in flight at once.
pub const MAX_PUTS_IN_FLIGHT: usize = 8;
/// Peers asked in each lookup (answers from this many are merged).
pub const LOOKUP_QUORUM: usize = 3;
/// A found contact is looked up again after this (ms).
pub const REFRESH_FOUND_MS: u64 = 3_600_000;
/// First retry after a lookup found nothing (ms); doubles up to [`MAX_RETRY_MS`].
pub const FIRST_RETRY_MS: u64 = 30_000;
/// Longest back-off between lookups of a contact that is not found (ms).
pub const MAX_RETRY_MS: u64 = 6 * 3_600_000;
/// How often the lookup schedule is checked (ms).
const SCHEDULE_EVERY_MS: u64 = 2_000;

/// Results coming back from blocking threads.
pub(crate) enum Internal {
    /// A key derivation finished.
    KeysDerived {
        input: Vec<u8>,
        epoch: Epoch,
        keys: RendezvousKeys,
        ms: f64,
    },
}

/// Why keys are wanted.
enum KeyUse {
    Publish,
    Lookup(PhoneNumber),
}

/// One running lookup.
struct Lookup {
    started: Instant,
    outstanding: usize,
    /// The previous epoch, asked only if the current one yields nothing.
    fallback: Option<Epoch>,
    found: HashMap<[u8; 32], PeerKeys>,
    replies: Vec<oneshot::Sender<Result<Contact, NodeError>>>,
}

/// Counters reported in status and metrics.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct DiscoveryStats {
    /// Lookups finished.
    pub lookups: u64,
    /// Lookups that found at least one identity.
    pub found: u64,
    /// Key derivations run.
    pub kdf_runs: u64,
    /// Total milliseconds spent in key derivation.
    pub kdf_ms_total: f64,
    /// Records published.
    pub records_published: u64,
}

/// Discovery bookkeeping owned by the actor.
pub(crate) struct Discovery {
    mode: Discoverable,
    keys: HashMap<(Vec<u8>, u32), RendezvousKeys>,
    deriving: HashMap<(Vec<u8>, u32), Vec<KeyUse>>,
    lookups: HashMap<PhoneNumber, Lookup>,
    queued: VecDeque<PhoneNumber>,
    queued_replies: HashMap<PhoneNumber, Vec<oneshot::Sender<Result<Contact, NodeError>>>>,
    due: HashMap<PhoneNumber, u64>,
    last_schedule_ms: u64,
    publish_due_ms: u64,
    publish_dirty: bool,
    put_queue: VecDeque<(Vec<u8>, Vec<u8>)>,
    puts_in_flight: usize,
    invites: Vec<InviteCode>,
    stats: DiscoveryStats,
}

impl Discovery {
    pub(crate) fn new(mode: Discoverable, contacts: &[Contact], invites: Vec<InviteCode>) -> Self {
        Self {
            mode,
            keys: HashMap::new(),
            deriving: HashMap::new(),
            lookups: HashMap::new(),
            queued: VecDeque::new(),
            queued_replies: HashMap::new(),
            // A meetup acquaintance's pseudonym is no number: nothing to look up.
            due: contacts
                .iter()
                .filter(|c| !c.phone.is_pseudonym())
                .map(|c| (c.phone.clone(), c.next_lookup_ms))
                .collect(),
            last_schedule_ms: 0,
            publish_due_ms: 0,
            publish_dirty: true,
            put_queue: VecDeque::new(),
            puts_in_flight: 0,
            invites,
            stats: DiscoveryStats::default(),
        }
    }

    /// The counters.
    pub(crate) fn stats(&self) -> &DiscoveryStats {
        &self.stats
    }

    /// Marks this node's records stale (addresses, prekey or mailboxes changed).
    pub(crate) fn republish_soon(&mut self) {
        self.publish_dirty = true;
    }
}

/// The derivation input of `everyone` mode.
fn single_input(phone: &PhoneNumber) -> Vec<u8> {
    phone.as_str().as_bytes().to_vec()
}

/// The derivation input of `contacts` mode (order-independent).
fn mutual_input(a: &PhoneNumber, b: &PhoneNumber) -> Option<Vec<u8>> {
    crate::rendezvous::kdf::mutual_input(a.as_str(), b.as_str()).ok()
}

/// Turns a verified, decrypted entry into what we keep about an identity.
/// Our tag at the mailbox `peer` (public half of the tag key).
fn mailbox_tag(identity: &libp2p::identity::ed25519::Keypair, peer: &libp2p::PeerId) -> [u8; 32] {
    crate::mailbox::wire::tag_keypair(identity, &peer.to_bytes())
        .public()
        .to_bytes()
}

pub(super) fn peer_keys(candidate: Candidate) -> Option<PeerKeys> {
    let body = candidate.body;
    let peer_id = libp2p::PeerId::from_bytes(&body.peer_id).ok()?;
    let addrs = |list: &[crate::rendezvous::record::Addr]| -> Vec<String> {
        list.iter()
            .filter_map(|a| Multiaddr::try_from(a.to_vec()).ok())
            .map(|a| a.to_string())
            .collect()
    };
    let mailboxes = body
        .mailboxes
        .iter()
        .filter_map(|m| {
            let peer = libp2p::PeerId::from_bytes(&m.peer_id).ok()?;
            Some(MailboxInfo {
                peer_id: peer.to_string(),
                addrs: addrs(&m.addrs),
                tag: m.tag.0,
            })
        })
        .collect();
    Some(PeerKeys {
        identity_pk: body.identity_pk.0,
        noise_pk: body.noise_pk.0,
        peer_id: peer_id.to_string(),
        name: body.name.to_string(),
        first_seen_ms: 0,
        record: FriendRecord {
            addrs: addrs(&body.addrs),
            prekey: Some(body.prekey),
            mailboxes,
            seq: candidate.seq,
            fetched_ms: now_ms(),
        },
    })
}

impl Actor {
    /// Periodic work: rotate prekeys, republish, run due lookups, expire invites.
    pub(super) fn discovery_tick(&mut self) {
        let now = now_ms();
        if now.saturating_sub(self.discovery.last_schedule_ms) >= SCHEDULE_EVERY_MS {
            self.discovery.last_schedule_ms = now;
            let due: Vec<PhoneNumber> = self
                .discovery
                .due
                .iter()
                .filter(|(_, at)| **at <= now)
                .map(|(p, _)| p.clone())
                .collect();
            for phone in due {
                self.discovery.due.insert(phone.clone(), u64::MAX);
                self.start_lookup(phone, None);
            }
            let before = self.discovery.invites.len();
            self.discovery.invites.retain(|i| i.expires_at() > now / 1000);
            if before != self.discovery.invites.len() {
                self.save_invites();
            }
        }
        let joined = self.joined || self.bootstrap_peers_empty();
        if joined && (self.discovery.publish_dirty || now >= self.discovery.publish_due_ms) {
            self.discovery.publish_dirty = false;
            self.discovery.publish_due_ms = now + REPUBLISH_SECS * 1000;
            self.publish_all();
        }
    }

    /// Handles a result from a blocking thread.
    pub(super) fn on_internal(&mut self, internal: Internal) {
        match internal {
            Internal::KeysDerived { input, epoch, keys, ms } => {
                self.discovery.stats.kdf_runs += 1;
                self.discovery.stats.kdf_ms_total += ms;
                if let Err(e) = self
                    .store
                    .cache_rendezvous_keys(epoch.0, &input, &keys.dht_key, &keys.enc_key)
                {
                    tracing::warn!(error = %e, "cannot cache rendezvous keys");
                }
                self.durability.wrote();
                let uses = self
                    .discovery
                    .deriving
                    .remove(&(input.clone(), epoch.0))
                    .unwrap_or_default();
                self.discovery.keys.insert((input.clone(), epoch.0), keys.clone());
                for key_use in uses {
                    self.use_keys(key_use, epoch, &keys);
                }
            }
        }
    }

    /// Gets the keys for `input` in `epoch` and then does `key_use` with them: from memory,
    /// from the store's cache, or by deriving them on a blocking thread.
    fn with_keys(&mut self, input: Vec<u8>, epoch: Epoch, key_use: KeyUse) {
        let slot = (input, epoch.0);
        if let Some(keys) = self.discovery.keys.get(&slot).cloned() {
            return self.use_keys(key_use, epoch, &keys);
        }
        if let Ok(Some((dht_key, enc_key))) = self.store.cached_rendezvous_keys(epoch.0, &slot.0) {
            let keys = RendezvousKeys { dht_key, enc_key };
            self.discovery.keys.insert(slot, keys.clone());
            return self.use_keys(key_use, epoch, &keys);
        }
        if let Some(waiting) = self.discovery.deriving.get_mut(&slot) {
            waiting.push(key_use);
            return;
        }
        self.discovery.deriving.insert(slot.clone(), vec![key_use]);
        let internal = self.internal_tx.clone();
        tokio::spawn(async move {
            let (input, epoch) = (slot.0, Epoch(slot.1));
            if let Some((keys, ms)) = super::kdf::derive(input.clone(), epoch).await {
                let _ = internal.send(Internal::KeysDerived { input, epoch, keys, ms });
            }
        });
    }

    fn use_keys(&mut self, key_use: KeyUse, epoch: Epoch, keys: &RendezvousKeys) {
        match key_use {
            KeyUse::Publish => self.publish_record(epoch, keys),
            KeyUse::Lookup(phone) => self.lookup_get(phone, keys.clone()),
        }
    }

    // --- publishing ------------------------------------------------------------------

    /// Publishes every record this node should have in the DHT now.
    fn publish_all(&mut self) {
        let now = now_ms() / 1000;
        let Some(me) = self.profile.phone.clone() else {
            return;
        };
        let contacts: Vec<PhoneNumber> = self
            .store
            .contacts()
            .unwrap_or_default()
            .into_iter()
            .map(|c| c.phone)
            .collect();
        for epoch in Epoch::to_publish(now) {
            match self.discovery.mode {
                Discoverable::Everyone => self.with_keys(single_input(&me), epoch, KeyUse::Publish),
                Discoverable::Contacts => {
                    for phone in &contacts {
                        if let Some(input) = mutual_input(&me, phone) {
                            self.with_keys(input, epoch, KeyUse::Publish);
                        }
                    }
                }
                Discoverable::Nobody => {}
            }
            for invite in self.discovery.invites.clone() {
                self.publish_record(epoch, &invite.keys(epoch));
            }
        }
    }

    /// Publishes the mutual record for one contact (contacts mode), right after adding it.
    fn publish_for_contact(&mut self, phone: &PhoneNumber) {
        if self.discovery.mode != Discoverable::Contacts {
            return;
        }
        let Some(me) = self.profile.phone.clone() else {
            return;
        };
        if let Some(input) = mutual_input(&me, phone) {
            for epoch in Epoch::to_publish(now_ms() / 1000) {
                self.with_keys(input.clone(), epoch, KeyUse::Publish);
            }
        }
    }

    /// Addresses worth publishing (SPEC.md §12.3), direct ones first: the confirmed
    /// external addresses (direct ones, and circuits through relays that accepted a
    /// reservation), plus, while reachability is unknown, the listen addresses others
    /// could dial (as before reachability was detected: loopback and LAN nets).
    fn publishable_addrs(&self) -> Vec<Multiaddr> {
        use super::nat::addrs::{is_relayed, without_peer};
        let unspecified = |a: &Multiaddr| {
            a.iter().any(|p| {
                matches!(p, libp2p::multiaddr::Protocol::Ip4(ip) if ip.is_unspecified())
                    || matches!(p, libp2p::multiaddr::Protocol::Ip6(ip) if ip.is_unspecified())
            })
        };
        let mut addrs: Vec<Multiaddr> = self.swarm.external_addresses().map(without_peer).collect();
        if self.reachability() == super::nat::reachability::Reachability::Unknown {
            addrs.extend(
                self.swarm
                    .listeners()
                    .filter(|a| !unspecified(a) && !is_relayed(a))
                    .cloned(),
            );
        }
        addrs.sort_by_key(is_relayed);
        let mut seen = std::collections::HashSet::new();
        addrs.retain(|a| seen.insert(a.clone()));
        addrs
    }

    /// Builds, seals and publishes this node's entry under `keys`.
    pub(super) fn publish_record(&mut self, epoch: Epoch, keys: &RendezvousKeys) {
        let now = now_ms() / 1000;
        let identity = self.config.identity.clone();
        let addrs = List::truncating(
            self.publishable_addrs()
                .into_iter()
                .filter_map(|a| crate::wire::Bytes::new(a.to_vec()).ok())
                .collect(),
        );
        let mailboxes = List::truncating(
            self.mailboxes
                .registered()
                .filter_map(|m| {
                    let peer = m.peer_id.parse::<libp2p::PeerId>().ok()?;
                    let tag = mailbox_tag(identity.ed25519(), &peer);
                    Some(crate::rendezvous::record::MailboxRef {
                        peer_id: crate::wire::Bytes::new(peer.to_bytes()).ok()?,
                        addrs: List::truncating(
                            m.addrs
                                .iter()
                                .filter_map(|a| a.parse::<Multiaddr>().ok())
                                .filter_map(|a| crate::wire::Bytes::new(a.to_vec()).ok())
                                .collect(),
                        ),
                        tag: crate::wire::Fixed(tag),
                    })
                })
                .collect(),
        );
        let name = Text::new(self.profile.name.as_str()).unwrap_or_default();
        let prekey = self.prekeys.current().sign(identity.ed25519());
        let mut body = InnerBody::new(
            &identity.ed25519().public(),
            identity.noise().public,
            prekey,
            addrs,
            mailboxes,
            name,
        );
        body.trim_to_fit();
        let seq = now_ms();
        let entry = match seal_entry(
            identity.ed25519(),
            keys,
            epoch,
            seq,
            now + DEFAULT_LIFETIME_SECS,
            &body,
            &mut rand::rngs::OsRng,
        ) {
            Ok(entry) => entry,
            Err(e) => return tracing::warn!(error = %e, "cannot seal a rendezvous entry"),
        };
        match RendezvousValue::new(vec![entry]).and_then(|v| v.encode()) {
            Ok(value) => {
                self.discovery.put_queue.push_back((keys.dht_key.to_vec(), value));
                self.pump_puts();
            }
            Err(e) => tracing::warn!(error = %e, "cannot encode a rendezvous value"),
        }
    }

    /// Starts queued publications up to the in-flight limit.
    pub(super) fn pump_puts(&mut self) {
        while self.discovery.puts_in_flight < MAX_PUTS_IN_FLIGHT {
            let Some((key, value)) = self.discovery.put_queue.pop_front() else {
                break;
            };
            self.discovery.puts_in_flight += 1;
            self.dht_put_for(key, value, super::dht::PutDone::Publish);
        }
    }

    /// A publication finished (whatever the outcome: the next republish retries).
    pub(super) fn on_publish_done(&mut self, ok: bool) {
        self.discovery.puts_in_flight = self.discovery.puts_in_flight.saturating_sub(1);
        if ok {
            self.discovery.stats.records_published += 1;
            self.emit(Event::RecordPublished {
                total: self.discovery.stats.records_published,
            });
        }
        self.pump_puts();
    }

    // --- lookups ---------------------------------------------------------------------

    /// Looks `phone` up now (or joins the running lookup); `reply` gets the updated contact.
    pub(super) fn start_lookup(
        &mut self,
        phone: PhoneNumber,
        reply: Option<oneshot::Sender<Result<Contact, NodeError>>>,
    ) {
        if let Some(lookup) = self.discovery.lookups.get_mut(&phone) {
            lookup.replies.extend(reply);
            return;
        }
        if self.discovery.lookups.len() >= MAX_LOOKUPS_IN_FLIGHT {
            if !self.discovery.queued.contains(&phone) {
                self.discovery.queued.push_back(phone.clone());
            }
            self.discovery.queued_replies.entry(phone).or_default().extend(reply);
            return;
        }
        let Ok(Some(contact)) = self.store.contact(&phone) else {
            if let Some(reply) = reply {
                let _ = reply.send(Err(NodeError::NotFound(format!("no contact {phone}"))));
            }
            return;
        };
        let mut epochs = Epoch::to_look_up(now_ms() / 1000).into_iter();
        let current = epochs.next().expect("the current epoch is always looked up");
        self.discovery.lookups.insert(
            phone.clone(),
            Lookup {
                started: Instant::now(),
                outstanding: 0,
                fallback: epochs.next(),
                found: HashMap::new(),
                replies: reply.into_iter().collect(),
            },
        );
        self.lookup_epoch(&phone, contact.invite_secret, current);
    }

    /// Asks for every key `phone` could be found under in `epoch`: the number alone, both
    /// numbers, and the invite record if the contact came with an invite code.
    fn lookup_epoch(&mut self, phone: &PhoneNumber, invite_secret: Option<[u8; 16]>, epoch: Epoch) {
        let mut inputs = vec![single_input(phone)];
        if let Some(me) = &self.profile.phone {
            inputs.extend(mutual_input(me, phone));
        }
        let invite_keys = invite_secret.map(|secret| RendezvousKeys::from_invite_secret(&secret, epoch));
        if let Some(lookup) = self.discovery.lookups.get_mut(phone) {
            lookup.outstanding += inputs.len() + usize::from(invite_keys.is_some());
        }
        if let Some(keys) = invite_keys {
            self.lookup_get(phone.clone(), keys);
        }
        for input in inputs {
            self.with_keys(input, epoch, KeyUse::Lookup(phone.clone()));
        }
    }

    fn lookup_get(&mut self, phone: PhoneNumber, keys: RendezvousKeys) {
        let key = keys.dht_key.to_vec();
        self.dht_get_for(key, LOOKUP_QUORUM, super::dht::GetDone::Lookup { phone, keys });
    }

    /// The answers of one DHT get of a lookup.
    pub(super) fn on_lookup_answer(&mut self, phone: PhoneNumber, keys: RendezvousKeys, values: Vec<Vec<u8>>) {
        let now = now_ms() / 1000;
        let me = self.config.identity.public_key();
        let Some(lookup) = self.discovery.lookups.get_mut(&phone) else {
            return;
        };
        let mut rejected = 0;
        for value in values {
            let Ok(value) = RendezvousValue::decode(&value) else {
                continue;
            };
            for entry in value.entries.iter() {
                match open_entry(entry, &keys, now).map(peer_keys) {
                    // Our own entry under the shared mutual key is not the contact.
                    Ok(Some(found)) if found.identity_pk == me => {}
                    Ok(Some(found)) => {
                        let keep = lookup
                            .found
                            .get(&found.identity_pk)
                            .is_none_or(|k| k.record.seq < found.record.seq);
                        if keep {
                            lookup.found.insert(found.identity_pk, found);
                        }
                    }
                    _ => rejected += 1,
                }
            }
        }
        lookup.outstanding = lookup.outstanding.saturating_sub(1);
        let done = lookup.outstanding == 0;
        // Records of the previous epoch matter only while a friend has not republished
        // since the epoch turned: ask for them when the current epoch gave nothing.
        let fallback = if done && lookup.found.is_empty() {
            lookup.fallback.take()
        } else {
            None
        };
        for _ in 0..rejected {
            self.reject(None, "rendezvous", "invalid_entry");
        }
        match (done, fallback) {
            (true, Some(previous)) => {
                let invite_secret = self.store.contact(&phone).ok().flatten().and_then(|c| c.invite_secret);
                self.lookup_epoch(&phone, invite_secret, previous);
            }
            (true, None) => self.finish_lookup(phone),
            (false, _) => {}
        }
    }

    fn finish_lookup(&mut self, phone: PhoneNumber) {
        let Some(lookup) = self.discovery.lookups.remove(&phone) else {
            return;
        };
        let now = now_ms();
        let result = self.apply_lookup(&phone, lookup.found.into_values().collect(), now);
        self.discovery.stats.lookups += 1;
        if let Ok(contact) = &result {
            if contact.pinned.is_some() || !contact.candidates.is_empty() {
                self.discovery.stats.found += 1;
            }
            tracing::debug!(%phone, ms = lookup.started.elapsed().as_millis(), state = contact.state.as_str(), "lookup done");
        }
        for reply in lookup.replies {
            let _ = reply.send(result.as_ref().map(Clone::clone).map_err(|e| NodeError::Dht {
                op: "lookup",
                source: e.to_string().into(),
            }));
        }
        while self.discovery.lookups.len() < MAX_LOOKUPS_IN_FLIGHT {
            let Some(next) = self.discovery.queued.pop_front() else {
                break;
            };
            let waiting = self.discovery.queued_replies.remove(&next).unwrap_or_default();
            self.start_lookup(next.clone(), None);
            if let Some(lookup) = self.discovery.lookups.get_mut(&next) {
                lookup.replies.extend(waiting);
            }
        }
    }

    /// Applies the identities found to the stored contact, schedules its next lookup and
    /// tells subscribers what changed.
    fn apply_lookup(&mut self, phone: &PhoneNumber, found: Vec<PeerKeys>, now: u64) -> Result<Contact, NodeError> {
        let Some(mut contact) = self.store.contact(phone)? else {
            return Err(NodeError::NotFound(format!("no contact {phone}")));
        };
        let before = contact.state;
        let events = trust::apply_lookup(&mut contact, found, now);
        let delay = match contact.state {
            ContactState::Found | ContactState::Verified | ContactState::Conflict => REFRESH_FOUND_MS,
            ContactState::Pending | ContactState::NotFound => {
                (FIRST_RETRY_MS << contact.misses.saturating_sub(1).min(16)).min(MAX_RETRY_MS)
            }
        };
        contact.next_lookup_ms = now + delay;
        self.discovery.due.insert(phone.clone(), contact.next_lookup_ms);
        self.store.put_contact(&contact)?;
        self.durability.wrote();
        for event in events {
            match event {
                TrustEvent::KeyChanged { .. } => self.emit(Event::KeyChanged {
                    phone: phone.to_string(),
                    name: contact.name.clone(),
                }),
                TrustEvent::NewCandidate { .. } => self.emit(Event::CandidateSeen {
                    phone: phone.to_string(),
                    name: contact.name.clone(),
                }),
                TrustEvent::Found | TrustEvent::NotFound | TrustEvent::Conflict | TrustEvent::Updated => {}
            }
        }
        if contact.state != before || before == ContactState::Pending {
            self.emit(Event::ContactUpdated {
                phone: phone.to_string(),
                name: contact.name.clone(),
                state: contact.state.as_str().to_owned(),
            });
        }
        Ok(contact)
    }

    // --- contacts --------------------------------------------------------------------

    /// Adds (or renames) contacts and starts finding them at once; returns how many were
    /// new.
    pub(super) fn add_contacts(&mut self, contacts: Vec<Contact>) -> Result<usize, NodeError> {
        let mut added = 0;
        let mut to_find = Vec::new();
        for mut contact in contacts {
            if Some(&contact.phone) == self.profile.phone.as_ref() {
                continue;
            }
            match self.store.contact(&contact.phone)? {
                Some(mut existing) => {
                    if (existing.name.is_empty() || contact.source == crate::model::ContactSource::Manual)
                        && !contact.name.is_empty()
                    {
                        existing.name = contact.name;
                    }
                    if contact.invite_secret.is_some() {
                        existing.invite_secret = contact.invite_secret;
                        existing.pinned = contact.pinned.or(existing.pinned);
                        existing.state = ContactState::Verified;
                    }
                    self.store.put_contact(&existing)?;
                }
                None => {
                    contact.next_lookup_ms = 0;
                    self.store.put_contact(&contact)?;
                    self.publish_for_contact(&contact.phone);
                    added += 1;
                }
            }
            self.discovery.due.insert(contact.phone.clone(), u64::MAX);
            to_find.push(contact.phone);
        }
        self.durability.wrote();
        for phone in to_find {
            self.start_lookup(phone, None);
        }
        Ok(added)
    }

    /// Removes a contact (its mutual record simply expires).
    pub(super) fn remove_contact(&mut self, phone: &PhoneNumber) -> Result<bool, NodeError> {
        self.discovery.due.remove(phone);
        let removed = self.store.remove_contact(phone)?;
        self.durability.wrote();
        Ok(removed)
    }

    /// Creates an invite code valid for `valid_secs` and publishes its record.
    pub(super) fn create_invite(&mut self, valid_secs: u64) -> Result<InviteCode, NodeError> {
        let expires = now_ms() / 1000 + valid_secs;
        let code = InviteCode::new(
            self.config.identity.public_key(),
            self.own_phone()?.as_str(),
            expires,
            &mut rand::rngs::OsRng,
        )
        .map_err(|e| NodeError::Invalid(e.to_string()))?;
        self.discovery.invites.push(code.clone());
        self.save_invites();
        for epoch in Epoch::to_publish(now_ms() / 1000) {
            self.publish_record(epoch, &code.keys(epoch));
        }
        Ok(code)
    }

    /// Whether `proof` (from a handshake) proves the sender holds one of our live
    /// invites; returns the invite's code when it does.
    pub(super) fn redeemed_invite(&self, redeemer_identity_pk: &[u8; 32], proof: &[u8]) -> Option<&InviteCode> {
        self.discovery
            .invites
            .iter()
            .find(|i| crate::rendezvous::verify_invite_proof(i.secret(), redeemer_identity_pk, proof))
    }

    fn save_invites(&mut self) {
        if let Err(e) = self
            .store
            .set_meta_value(super::actor::INVITES, &self.discovery.invites)
        {
            tracing::warn!(error = %e, "cannot save invites");
        }
        self.durability.wrote();
    }
}
