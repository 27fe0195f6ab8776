//! The actor's discovery part: publishing this node's rendezvous records and looking
//! contacts up by phone number (SPEC.md §5).
//!
//! The decisions live in two sans-IO machines of [`crate::contacts::schedule`]: a
//! [`LookupSchedule`] (when each contact is looked up; interactive lookups first; at most
//! 16 at once) and a [`KdfQueue`] (the slow argon2id derivations, deduplicated, at most one
//! per pool thread per node, interactive ones first). This module executes them: it runs
//! derivations on the process-wide pool (`super::kdf`), caches their results per epoch in
//! the store, asks several peers (quorum) for every key a contact could be found under —
//! their number alone (`everyone` mode) and both numbers (`contacts` mode), the previous
//! epoch while its entries can still live, plus the record of an invite code — verifies
//! and decrypts every entry, and hands the identities found to the trust rules in
//! [`crate::contacts::trust`].

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Instant;

use libp2p::Multiaddr;
use rand::RngCore;
use tokio::sync::oneshot;

use super::actor::Actor;
use super::{Event, NodeError};
use crate::config::Discoverable;
use crate::contacts::schedule::{
    refresh_delay_ms, retry_delay_ms, KdfQueue, LookupSchedule, Urgency, MAX_LOOKUPS_IN_FLIGHT,
};
use crate::contacts::trust::{self, TrustEvent};
use crate::model::{now_ms, Contact, ContactState, FriendRecord, MailboxInfo, PeerKeys};
use crate::phone::PhoneNumber;
use crate::rendezvous::record::{DEFAULT_LIFETIME_SECS, REPUBLISH_SECS};
use crate::rendezvous::{
    open_entry, seal_entry, Candidate, Epoch, InnerBody, InviteCode, RendezvousKeys, RendezvousValue,
};
use crate::wire::{List, Text};
pub(super) use publish::AfterPut;
pub(in crate::node) use publish::Published;
use publish::{PublishRetry, Put};

mod publish;

/// Record publications in flight at once.
pub const MAX_PUTS_IN_FLIGHT: usize = 8;
/// Peers asked in each lookup (answers from this many are merged).
pub const LOOKUP_QUORUM: usize = 3;
/// Derived keys kept in memory; the store's `cache` tree holds them all.
const MAX_KEYS_IN_MEMORY: usize = 4_096;
/// How often expired invites are dropped (ms).
const INVITE_CHECK_MS: u64 = 60_000;

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
    /// Publish our record under them (the mutual keys shared with this contact, if any).
    Publish(Option<PhoneNumber>),
    /// Withdraw our record from under them (a blocked contact).
    Withdraw,
    /// Look this contact up under them.
    Lookup(PhoneNumber),
}

/// One running lookup.
struct Lookup {
    started: Instant,
    urgency: Urgency,
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
    /// Publications no DHT node took (each failed round is retried after a back-off).
    #[serde(default)]
    pub publications_failed: u64,
    /// Hellos sent to friends just found.
    #[serde(default)]
    pub hellos_sent: u64,
    /// Hellos received (each checked with a lookup).
    #[serde(default)]
    pub hellos_received: u64,
    /// Key derivations waiting for the pool.
    #[serde(default)]
    pub kdf_waiting: u64,
    /// Contacts whose lookup is scheduled, waiting or running.
    #[serde(default)]
    pub scheduled: u64,
}

/// Discovery bookkeeping owned by the actor.
pub(crate) struct Discovery {
    pub(super) mode: Discoverable,
    keys: HashMap<(Vec<u8>, u32), RendezvousKeys>,
    deriving: HashMap<(Vec<u8>, u32), Vec<KeyUse>>,
    kdf: KdfQueue<(Vec<u8>, u32)>,
    pub(super) schedule: LookupSchedule<PhoneNumber>,
    lookups: HashMap<PhoneNumber, Lookup>,
    /// Callers waiting for a lookup that has not started yet.
    replies: HashMap<PhoneNumber, Vec<oneshot::Sender<Result<Contact, NodeError>>>>,
    /// Identity keys this home had before a reinstall: never a contact.
    previous_identities: Vec<[u8; 32]>,
    publish_due_ms: u64,
    publish_dirty: bool,
    /// When to publish again after a round DHT nodes did not take.
    retry: PublishRetry,
    put_queue: VecDeque<Put>,
    puts_in_flight: usize,
    /// Mutual-record publications in flight per contact.
    publishing: HashMap<PhoneNumber, usize>,
    /// Friends to greet once our record for them is in the DHT (so their check finds it).
    pub(super) hello_waiting: HashSet<PhoneNumber>,
    /// Contacts added in the background whose mutual record is published when their
    /// first lookup starts (it derives the same keys, in the same order).
    pub(super) unpublished: HashSet<PhoneNumber>,
    invites: Vec<InviteCode>,
    next_invite_check_ms: u64,
    stats: DiscoveryStats,
}

impl Discovery {
    pub(crate) fn new(
        mode: Discoverable,
        contacts: &[Contact],
        invites: Vec<InviteCode>,
        previous_identities: Vec<[u8; 32]>,
    ) -> Self {
        let mut schedule = LookupSchedule::new(MAX_LOOKUPS_IN_FLIGHT);
        // A meetup acquaintance's pseudonym is no number: nothing to look up.
        for contact in contacts.iter().filter(|c| !c.blocked && !c.phone.is_pseudonym()) {
            schedule.schedule(contact.phone.clone(), contact.next_lookup_ms);
        }
        Self {
            mode,
            keys: HashMap::new(),
            deriving: HashMap::new(),
            kdf: KdfQueue::new(super::kdf::threads()),
            schedule,
            lookups: HashMap::new(),
            replies: HashMap::new(),
            previous_identities,
            publish_due_ms: 0,
            publish_dirty: true,
            retry: PublishRetry::default(),
            put_queue: VecDeque::new(),
            puts_in_flight: 0,
            publishing: HashMap::new(),
            hello_waiting: HashSet::new(),
            unpublished: HashSet::new(),
            invites,
            next_invite_check_ms: 0,
            stats: DiscoveryStats::default(),
        }
    }

    /// The counters.
    pub(crate) fn stats(&self) -> DiscoveryStats {
        DiscoveryStats {
            kdf_waiting: self.kdf.waiting() as u64,
            scheduled: self.schedule.len() as u64,
            ..self.stats.clone()
        }
    }

    /// Marks this node's records stale (addresses, prekey or mailboxes changed).
    pub(crate) fn republish_soon(&mut self) {
        self.publish_dirty = true;
    }

    /// Whether our record for `phone` is still on its way into the DHT.
    pub(super) fn publishing_for(&self, phone: &PhoneNumber) -> bool {
        self.publishing.get(phone).is_some_and(|n| *n > 0)
    }

    /// Counts a hello received.
    pub(super) fn hello_received(&mut self) {
        self.stats.hellos_received += 1;
    }

    /// Counts a hello sent.
    pub(super) fn hello_sent(&mut self) {
        self.stats.hellos_sent += 1;
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

/// Our tag at the mailbox `peer` (public half of the tag key).
fn mailbox_tag(identity: &libp2p::identity::ed25519::Keypair, peer: &libp2p::PeerId) -> [u8; 32] {
    crate::mailbox::wire::tag_keypair(identity, &peer.to_bytes())
        .public()
        .to_bytes()
}

/// The devices of a record's account other than its first (the record's own identity),
/// each with the addresses the record gives it.
fn friend_devices(
    devices: &crate::rendezvous::record::AccountDevices,
    addrs: impl Fn(&[crate::rendezvous::record::Addr]) -> Vec<String>,
) -> Vec<crate::model::FriendDevice> {
    let list = &devices.list.list;
    list.devices
        .iter()
        .filter(|d| d.device != list.account)
        .filter_map(|d| {
            Some(crate::model::FriendDevice {
                name: d.name.as_str().to_owned(),
                peer_id: crate::identity::peer_id_of(d.device.as_bytes())?.to_string(),
                noise_pk: *d.noise.as_bytes(),
                addrs: devices
                    .addrs
                    .iter()
                    .find(|a| a.device == d.device)
                    .map(|a| addrs(&a.addrs))
                    .unwrap_or_default(),
            })
        })
        .collect()
}

/// Turns a verified, decrypted entry into what we keep about an identity.
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
            devices: body
                .devices
                .as_ref()
                .map(|d| friend_devices(d, addrs))
                .unwrap_or_default(),
            prekey: Some(body.prekey),
            mailboxes,
            seq: candidate.seq,
            fetched_ms: now_ms(),
        },
    })
}

impl Actor {
    /// Discovery work that fell due: republish, start lookups, expire invites.
    pub(super) fn run_due_discovery(&mut self) {
        let now = now_ms();
        self.pump_lookups(now);
        if now >= self.discovery.next_invite_check_ms {
            self.discovery.next_invite_check_ms = now + INVITE_CHECK_MS;
            let before = self.discovery.invites.len();
            self.discovery.invites.retain(|i| i.expires_at() > now / 1000);
            if before != self.discovery.invites.len() {
                self.save_invites();
            }
        }
        self.pump_puts();
        let joined = self.joined || self.bootstrap_peers_empty();
        if joined && (self.discovery.publish_dirty || now >= self.discovery.publish_due_ms) {
            self.discovery.publish_dirty = false;
            self.discovery.publish_due_ms = now + REPUBLISH_SECS * 1000;
            self.discovery.retry.round_started();
            self.publish_all();
        }
    }

    /// When discovery next has something to do (ms): a lookup falls due, or the record is
    /// due for republication.
    pub(super) fn discovery_deadline_ms(&self) -> Option<u64> {
        let lookups = self.discovery.schedule.poll_timeout();
        let publish = (self.joined || self.bootstrap_peers_empty()).then_some(if self.discovery.publish_dirty {
            0
        } else {
            self.discovery.publish_due_ms
        });
        [
            lookups,
            publish,
            self.held_puts_deadline_ms(),
            Some(self.discovery.next_invite_check_ms),
        ]
        .into_iter()
        .flatten()
        .min()
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
                // A cache entry: lost in a crash, it is derived again.
                self.durability.wrote_lazily();
                let slot = (input, epoch.0);
                self.discovery.kdf.done(&slot);
                let uses = self.discovery.deriving.remove(&slot).unwrap_or_default();
                self.remember_keys(slot, keys.clone());
                for key_use in uses {
                    self.use_keys(key_use, epoch, &keys);
                }
                self.pump_kdf();
            }
        }
    }

    fn remember_keys(&mut self, slot: (Vec<u8>, u32), keys: RendezvousKeys) {
        if self.discovery.keys.len() >= MAX_KEYS_IN_MEMORY {
            self.discovery.keys.clear();
        }
        self.discovery.keys.insert(slot, keys);
    }

    /// Gets the keys for `input` in `epoch` and then does `key_use` with them: from memory,
    /// from the store's cache, or by deriving them on the pool (queued by `urgency`).
    fn with_keys(&mut self, input: Vec<u8>, epoch: Epoch, key_use: KeyUse, urgency: Urgency) {
        let slot = (input, epoch.0);
        if let Some(keys) = self.discovery.keys.get(&slot).cloned() {
            return self.use_keys(key_use, epoch, &keys);
        }
        if let Ok(Some((dht_key, enc_key))) = self.store.cached_rendezvous_keys(epoch.0, &slot.0) {
            let keys = RendezvousKeys { dht_key, enc_key };
            self.remember_keys(slot, keys.clone());
            return self.use_keys(key_use, epoch, &keys);
        }
        self.discovery.deriving.entry(slot.clone()).or_default().push(key_use);
        self.discovery.kdf.request(slot, urgency);
        self.pump_kdf();
    }

    /// Hands queued derivations to the pools while this node has fewer than its share
    /// running (interactive ones to the normal-priority pool, the rest to the
    /// low-priority one).
    fn pump_kdf(&mut self) {
        while let Some(((input, epoch), urgency)) = self.discovery.kdf.start_next() {
            let internal = self.internal_tx.clone();
            let background = urgency != Urgency::Interactive;
            tokio::spawn(async move {
                let epoch = Epoch(epoch);
                if let Some((keys, ms)) = super::kdf::derive(input.clone(), epoch, background).await {
                    let _ = internal.send(Internal::KeysDerived { input, epoch, keys, ms });
                }
            });
        }
    }

    fn use_keys(&mut self, key_use: KeyUse, epoch: Epoch, keys: &RendezvousKeys) {
        match key_use {
            KeyUse::Publish(contact) => self.publish_record(epoch, keys, contact),
            KeyUse::Withdraw => self.withdraw_record(epoch, keys),
            KeyUse::Lookup(phone) => self.lookup_get(phone, keys.clone()),
        }
    }

    // --- lookups ---------------------------------------------------------------------

    /// Looks `phone` up as soon as a slot is free, ahead of scheduled lookups (again after
    /// the running one, if one runs); `reply` gets the updated contact.
    pub(super) fn lookup_now(
        &mut self,
        phone: PhoneNumber,
        reply: Option<oneshot::Sender<Result<Contact, NodeError>>>,
    ) {
        if let Some(reply) = reply {
            self.discovery.replies.entry(phone.clone()).or_default().push(reply);
        }
        self.discovery.schedule.urgent(phone);
        self.pump_lookups(now_ms());
    }

    /// Starts every lookup the schedule lets start now.
    pub(super) fn pump_lookups(&mut self, now: u64) {
        while let Some((phone, urgency)) = self.discovery.schedule.poll_start(now) {
            self.begin_lookup(phone, urgency);
        }
    }

    fn begin_lookup(&mut self, phone: PhoneNumber, urgency: Urgency) {
        let replies = self.discovery.replies.remove(&phone).unwrap_or_default();
        let contact = match self.store.contact(&phone) {
            Ok(Some(contact)) if !contact.blocked => contact,
            _ => {
                self.discovery.schedule.remove(&phone);
                for reply in replies {
                    let refusal =
                        super::refusal::Refusal::not_found("no_such_contact", format!("no contact {phone} to look up"));
                    let _ = reply.send(Err(refusal.with("contact", phone.as_str()).into()));
                }
                return;
            }
        };
        if self.discovery.unpublished.remove(&phone) {
            self.publish_for_contact(&phone, urgency);
        }
        let mut epochs = Epoch::to_look_up(now_ms() / 1000).into_iter();
        let current = epochs.next().expect("the current epoch is always looked up");
        // The previous epoch matters only for a friend whose current-epoch record is
        // missing (a failed put, a skewed clock): worth two more derivations when someone
        // waits, not for every imported or scheduled contact.
        let fallback = epochs.next().filter(|_| urgency == Urgency::Interactive);
        self.discovery.lookups.insert(
            phone.clone(),
            Lookup {
                started: Instant::now(),
                urgency,
                outstanding: 0,
                fallback,
                found: HashMap::new(),
                replies,
            },
        );
        self.lookup_epoch(&phone, contact.invite_secret, current, urgency);
    }

    /// Asks for every key `phone` could be found under in `epoch`: the number alone, both
    /// numbers, and the invite record if the contact came with an invite code.
    fn lookup_epoch(&mut self, phone: &PhoneNumber, invite_secret: Option<[u8; 16]>, epoch: Epoch, urgency: Urgency) {
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
            self.with_keys(input, epoch, KeyUse::Lookup(phone.clone()), urgency);
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
        // Storage nodes a withdrawal (or an update) did not reach may still answer with a
        // slot's older entry: only each slot's newest entry among the answers counts.
        let newest = crate::rendezvous::storage::merge_answers(
            values
                .iter()
                .filter_map(|value| RendezvousValue::decode(value).ok())
                .map(|value| value.entries.to_vec()),
        );
        for entry in &newest {
            match open_entry(entry, &keys, now).map(peer_keys) {
                // Our own entry under the shared mutual key is not the contact, and
                // neither is one of our own previous installs.
                Ok(Some(found))
                    if found.identity_pk == me || self.discovery.previous_identities.contains(&found.identity_pk) => {}
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
        lookup.outstanding = lookup.outstanding.saturating_sub(1);
        let done = lookup.outstanding == 0;
        // Records of the previous epoch matter only while a friend has not republished
        // since the epoch turned: ask for them when the current epoch gave nothing.
        let fallback = if done && lookup.found.is_empty() {
            lookup.fallback.take()
        } else {
            None
        };
        let urgency = lookup.urgency;
        for _ in 0..rejected {
            self.reject(None, "rendezvous", "invalid_entry");
        }
        match (done, fallback) {
            (true, Some(previous)) => {
                let invite_secret = self.store.contact(&phone).ok().flatten().and_then(|c| c.invite_secret);
                self.lookup_epoch(&phone, invite_secret, previous, urgency);
            }
            (true, None) => self.finish_lookup(phone),
            (false, _) => {}
        }
    }

    /// A found friend could not be reached at any address its record gave, `failures`
    /// times in a row: its record is looked up again after the retry delay of that many
    /// misses (1 s, doubling), unless a lookup is due sooner (SPEC.md §5.6).
    pub(super) fn look_up_again(&mut self, phone: &PhoneNumber, failures: u32) {
        let schedule = &mut self.discovery.schedule;
        if schedule.is_running(phone) {
            return;
        }
        let at = now_ms() + retry_delay_ms(failures, rand::rngs::OsRng.next_u32());
        if schedule.due_at(phone).is_some_and(|due| due > at) {
            schedule.schedule(phone.clone(), at);
        }
    }

    fn finish_lookup(&mut self, phone: PhoneNumber) {
        let Some(lookup) = self.discovery.lookups.remove(&phone) else {
            return;
        };
        let now = now_ms();
        let result = self.apply_lookup(&phone, lookup.found.into_values().collect(), now);
        self.discovery.stats.lookups += 1;
        let again = self.discovery.schedule.finished(&phone);
        if let Ok(contact) = &result {
            if contact.pinned.is_some() || !contact.candidates.is_empty() {
                self.discovery.stats.found += 1;
            }
            if !again && !contact.blocked {
                self.discovery.schedule.schedule(phone.clone(), contact.next_lookup_ms);
            }
            tracing::debug!(
                %phone,
                ms = lookup.started.elapsed().as_millis(),
                state = contact.state.as_str(),
                addrs = ?contact.pinned.as_ref().map(|keys| &keys.record.addrs),
                "lookup done"
            );
        }
        for reply in lookup.replies {
            let _ = reply.send(result.as_ref().map(Clone::clone).map_err(|e| NodeError::Dht {
                op: "lookup",
                source: e.to_string().into(),
            }));
        }
        self.pump_lookups(now);
    }

    /// Applies the identities found to the stored contact, schedules its next lookup and
    /// tells subscribers what changed.
    fn apply_lookup(&mut self, phone: &PhoneNumber, found: Vec<PeerKeys>, now: u64) -> Result<Contact, NodeError> {
        let Some(mut contact) = self.store.contact(phone)? else {
            return Err(
                super::refusal::Refusal::not_found("no_such_contact", format!("no contact {phone}"))
                    .with("contact", phone.as_str())
                    .into(),
            );
        };
        let before = contact.state;
        let noise_unknown = contact.pinned.as_ref().is_some_and(|p| p.noise_pk == [0; 32]);
        let addrs_before = contact.pinned.as_ref().map(|p| p.record.addrs.clone());
        let events = trust::apply_lookup(&mut contact, found, now);
        let moved = addrs_before.is_some() && contact.pinned.as_ref().map(|p| &p.record.addrs) != addrs_before.as_ref();
        // A contact pinned from an invite becomes reachable once its record is found.
        let reachable_now = noise_unknown && contact.pinned.as_ref().is_some_and(|p| p.noise_pk != [0; 32]);
        let jitter = rand::rngs::OsRng.next_u32();
        let delay = match contact.state {
            ContactState::Found | ContactState::Verified | ContactState::Conflict => refresh_delay_ms(jitter),
            ContactState::Pending | ContactState::NotFound => retry_delay_ms(contact.misses, jitter),
        };
        contact.next_lookup_ms = now + delay;
        self.save_contact(&contact)?;
        let name = contact.display_name();
        for event in events {
            match event {
                TrustEvent::KeyChanged { .. } => self.emit(Event::KeyChanged {
                    phone: phone.to_string(),
                    name: name.clone(),
                }),
                TrustEvent::NewCandidate { .. } => self.emit(Event::CandidateSeen {
                    phone: phone.to_string(),
                    name: name.clone(),
                }),
                TrustEvent::Found => self.friend_found(phone),
                TrustEvent::NotFound | TrustEvent::Conflict | TrustEvent::Updated => {}
            }
        }
        if moved {
            self.friend_moved(phone);
        }
        if reachable_now {
            self.friend_found(phone);
        }
        if contact.state != before || before == ContactState::Pending {
            self.emit(Event::ContactUpdated {
                phone: phone.to_string(),
                name,
                state: contact.state.as_str().to_owned(),
            });
        }
        Ok(contact)
    }

    // --- invites ---------------------------------------------------------------------

    /// Creates an invite code valid for `valid_secs`, publishes its record, and answers
    /// once the current epoch's entry is stored (an error, and the code dropped, when no
    /// DHT node would store it).
    pub(super) fn create_invite(&mut self, valid_secs: u64, reply: super::command::Reply<super::InviteView>) {
        let expires = now_ms() / 1000 + valid_secs;
        let code = self.own_phone().and_then(|phone| {
            InviteCode::new(
                self.config.identity.public_key(),
                phone.as_str(),
                expires,
                &mut rand::rngs::OsRng,
            )
            .map_err(|e| NodeError::Internal {
                what: "make_invite_code",
                source: e.into(),
            })
        });
        let code = match code {
            Ok(code) => code,
            Err(e) => {
                let _ = reply.send(Err(e));
                return;
            }
        };
        self.discovery.invites.push(code.clone());
        self.save_invites();
        let view = super::InviteView {
            code: code.encode(),
            link: code.link(),
            expires: code.expires_at(),
        };
        // The answer waits for the current epoch's entry (the one a friend looks up now)
        // to be stored: a code handed out before that could not be found yet.
        let secret = code.clone();
        let then = Box::new(move |actor: &mut Actor, stored: bool| {
            if stored {
                actor.durability.after_flush(Box::new(move |_: &mut Actor| {
                    let _ = reply.send(Ok(view));
                }));
                return;
            }
            actor.discovery.invites.retain(|i| i.encode() != secret.encode());
            actor.save_invites();
            let _ = reply.send(Err(NodeError::Dht {
                op: "put",
                source: "no DHT node stored the invite, so nobody could use it: it was dropped".into(),
            }));
        });
        let entries = Epoch::to_publish(now_ms() / 1000)
            .into_iter()
            .map(|epoch| (epoch, code.keys(epoch)))
            .collect();
        self.publish_records_then(entries, then);
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
