//! The actor's address-book commands: add (by number, invite code, or as another number
//! of someone), import, list, rename, remove, verify (safety numbers), accept a changed
//! key, look up now, and create invites. Contacts are named by number (any local format)
//! or by name. One contact is one person: numbers sharing a person id are listed,
//! renamed and removed together (each number is still looked up on its own).

use std::collections::BTreeMap;

use rand::RngCore;
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

use super::actor::Actor;
use super::refusal::Refusal;
use super::NodeError;
use crate::contacts::import::{import, ImportIssue, ImportReport};
use crate::contacts::schedule::Urgency;
use crate::contacts::standing::Standing;
use crate::contacts::trust::{self, VerifyError};
use crate::model::{now_ms, Contact, ContactSource, ContactState, PeerKeys};
use crate::phone::{normalize, PhoneNumber};
use crate::rendezvous::{InviteCode, InviteError, SafetyNumber};

/// Longest validity of an invite code.
pub const MAX_INVITE_SECS: u64 = 30 * 24 * 3600;
/// Most numbers one person may have.
pub const MAX_NUMBERS_PER_PERSON: usize = 16;
/// Most persons one `contacts.import` call may carry pre-parsed.
pub const MAX_PERSONS_PER_IMPORT: usize = 20_000;

/// One number of a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberView {
    /// E.164 number.
    pub phone: String,
    /// Its discovery state.
    pub state: String,
    /// Its standing ([`Standing::reason`]).
    pub reason: String,
}

/// A contact — one person, with one or more numbers — as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactView {
    /// The name the owner gave.
    pub name: String,
    /// The E.164 number in use: the person's best-found number.
    pub phone: String,
    /// That number's state: `pending`, `found`, `verified`, `conflict` or `not_found`.
    pub state: String,
    /// The pinned identity's peer id.
    pub peer_id: Option<String>,
    /// The name the contact gave themselves (shared over the E2E channel).
    pub profile_name: Option<String>,
    /// Other, unverified identities claiming the number.
    pub candidates: usize,
    /// Mailboxes the friend's latest record lists (where offline messages go).
    #[serde(default)]
    pub mailboxes: usize,
    /// How the contact was added (`manual`, `import`, `invite`, `request`, `group`).
    pub source: String,
    /// The status message the friend shares.
    #[serde(default)]
    pub status: Option<String>,
    /// Where the contact stands, as a stable name: `looking_up`, `waiting_for_them`,
    /// `found_unverified`, `verified`, `key_changed`, `several_keys`, `blocked`.
    #[serde(default)]
    pub reason: String,
    /// What that means and what to do, in one English sentence.
    #[serde(default)]
    pub explanation: String,
    /// Blocked by the owner.
    #[serde(default)]
    pub blocked: bool,
    /// Muted by the owner.
    #[serde(default)]
    pub muted: bool,
    /// Seconds until the next scheduled lookup of the number in use, if one is scheduled.
    #[serde(default)]
    pub next_lookup_s: Option<u64>,
    /// Every number of the person, the one in use first.
    #[serde(default)]
    pub numbers: Vec<NumberView>,
    /// The names of the friend's other devices, from the device list their record
    /// carries (SPEC.md §5.3).
    #[serde(default)]
    pub devices: Vec<String>,
}

/// How good a number is to reach someone: found and verified numbers first.
fn rank(contact: &Contact) -> u8 {
    match contact.state {
        ContactState::Verified => 0,
        ContactState::Found => 1,
        ContactState::Conflict => 2,
        ContactState::Pending => 3,
        ContactState::NotFound => 4,
    }
}

impl ContactView {
    /// The view of one person from its numbers' entries (at least one); `next_lookup_ms`
    /// is when the number in use is looked up next, if scheduled.
    pub fn person(numbers: &[&Contact], next_lookup_ms: impl Fn(&PhoneNumber) -> Option<u64>) -> Self {
        let mut numbers = numbers.to_vec();
        numbers.sort_by_key(|c| (rank(c), c.added_ms));
        let main = numbers[0];
        let source = serde_json::to_value(main.source)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        let standing = Standing::of(main);
        let name = main.display_name();
        let profile_name = main
            .profile
            .as_ref()
            .map(|p| p.name.clone())
            .or_else(|| main.pinned.as_ref().map(|p| p.name.clone()))
            .filter(|n| !n.is_empty());
        Self {
            name: main.name.clone(),
            phone: main.phone.to_string(),
            state: main.state.as_str().to_owned(),
            peer_id: main.pinned.as_ref().map(|p| p.peer_id.clone()),
            profile_name,
            candidates: main.candidates.len(),
            mailboxes: main.pinned.as_ref().map_or(0, |p| p.record.mailboxes.len()),
            devices: main
                .pinned
                .as_ref()
                .map(|p| p.record.devices.iter().map(|d| d.name.clone()).collect())
                .unwrap_or_default(),
            source,
            status: main
                .profile
                .as_ref()
                .map(|p| p.status.clone())
                .filter(|s| !s.is_empty()),
            reason: standing.reason().to_owned(),
            explanation: standing.explain(&name),
            blocked: main.blocked,
            muted: main.muted,
            next_lookup_s: next_lookup_ms(&main.phone).map(|at| at.saturating_sub(now_ms()).div_ceil(1000)),
            numbers: numbers
                .iter()
                .map(|c| NumberView {
                    phone: c.phone.to_string(),
                    state: c.state.as_str().to_owned(),
                    reason: Standing::of(c).reason().to_owned(),
                })
                .collect(),
        }
    }
}

impl From<&Contact> for ContactView {
    fn from(c: &Contact) -> Self {
        Self::person(&[c], |_| None)
    }
}

/// Groups contacts into persons (numbers sharing a person id), in the order of each
/// person's first number.
pub fn persons(contacts: &[Contact]) -> Vec<Vec<&Contact>> {
    let mut groups: BTreeMap<(u8, u64, String), Vec<&Contact>> = BTreeMap::new();
    for c in contacts {
        let key = match c.person {
            Some(id) => (0, id, String::new()),
            None => (1, 0, c.phone.to_string()),
        };
        groups.entry(key).or_default().push(c);
    }
    groups.into_values().collect()
}

/// One identity's safety number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SafetyView {
    /// 1-based candidate number (0 = the pinned identity).
    pub index: usize,
    /// Its peer id.
    pub peer_id: String,
    /// The name it gives itself.
    pub profile_name: String,
    /// 60 digits in 12 blocks of 5.
    pub safety_number: String,
}

/// The outcome of `contacts verify` (and `contacts accept`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    /// The contact after the command.
    pub contact: ContactView,
    /// The pinned identity's safety number, if one is pinned.
    pub pinned: Option<SafetyView>,
    /// The candidates' safety numbers.
    pub candidates: Vec<SafetyView>,
    /// Whether the command marked a key verified (or accepted).
    pub confirmed: bool,
}

/// The outcome of `contacts import`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSummary {
    /// Persons read from the file (each with one or more numbers).
    #[serde(default)]
    pub persons: usize,
    /// Distinct numbers read from the file.
    pub read: usize,
    /// Contacts (numbers) that were new (discovery started for them).
    pub added: usize,
    /// Repeated numbers folded together.
    pub duplicates_merged: usize,
    /// Entries skipped, with their line numbers.
    pub issues: Vec<ImportIssue>,
    /// The numbers imported (to follow their discovery).
    pub phones: Vec<String>,
}

/// A fresh invite code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteView {
    /// `CHINGU-…`.
    pub code: String,
    /// `chingu://invite/…`.
    pub link: String,
    /// Unix seconds when it stops working.
    pub expires: u64,
}

/// A person with normalised numbers, ready to store.
pub(super) struct Person {
    pub name: String,
    pub numbers: Vec<PhoneNumber>,
    pub source: ContactSource,
    pub invite: Option<(PeerKeys, [u8; 16])>,
    /// The person the numbers join (`contacts add --to`), if not a new one.
    pub person: Option<u64>,
}

impl Actor {
    fn region(&self) -> &crate::phone::Region {
        &self.config.settings.region
    }

    /// Finds a contact by number (any local format) or by name.
    pub(super) fn resolve_contact(&self, query: &str) -> Result<Contact, NodeError> {
        find_contact(&self.store, self.region(), query)
    }

    /// Writes a contact and keeps the 1:1 layer's identity map in step with it.
    pub(super) fn save_contact(&mut self, contact: &Contact) -> Result<(), NodeError> {
        self.store.put_contact(contact)?;
        self.durability.wrote();
        self.dm.contact_changed(contact);
        self.note_devices(|| super::link::DeviceNote::Contacts(vec![contact.phone.clone()]));
        Ok(())
    }

    /// Every entry of the person `contact` belongs to (itself included).
    pub(super) fn numbers_of(&self, contact: &Contact) -> Result<Vec<Contact>, NodeError> {
        Ok(match contact.person {
            None => vec![contact.clone()],
            Some(id) => self
                .store
                .contacts()?
                .into_iter()
                .filter(|c| c.person == Some(id))
                .collect(),
        })
    }

    /// The view of the person `contact` belongs to.
    pub(super) fn person_view(&self, contact: &Contact) -> Result<ContactView, NodeError> {
        let numbers = self.numbers_of(contact)?;
        let refs: Vec<&Contact> = numbers.iter().collect();
        Ok(ContactView::person(&refs, |p| self.discovery.schedule.due_at(p)))
    }

    pub(super) fn cmd_add_contact(
        &mut self,
        input: &str,
        name: String,
        to: Option<String>,
    ) -> Result<ContactView, NodeError> {
        let own = self.account_phone()?;
        crate::text::check_name(&name)?;
        let phone = normalize(input, self.region()).map_err(|e| invalid_phone(input, self.region(), e))?;
        if phone == own {
            return Err(Refusal::invalid("own_number", "that is your own number").into());
        }
        let (name, person) = match &to {
            Some(other) => {
                let other = self.resolve_contact(other)?;
                let id = self.join_person(&other)?;
                (other.name, Some(id))
            }
            None => (name, None),
        };
        let person = Person {
            name,
            numbers: vec![phone.clone()],
            source: ContactSource::Manual,
            invite: None,
            person,
        };
        self.add_people(vec![person], Urgency::Interactive)?;
        let contact = self.contact(&phone)?;
        self.person_view(&contact)
    }

    /// The person id of `other` (given one if it had a single number), for a number to
    /// join it.
    fn join_person(&mut self, other: &Contact) -> Result<u64, NodeError> {
        let id = match other.person {
            Some(id) => id,
            None => {
                let id = rand::rngs::OsRng.next_u64();
                let mut other = other.clone();
                other.person = Some(id);
                self.save_contact(&other)?;
                id
            }
        };
        if self.numbers_of(other)?.len() >= MAX_NUMBERS_PER_PERSON {
            let message = format!("{} already has {MAX_NUMBERS_PER_PERSON} numbers", other.display_name());
            return Err(Refusal::invalid("too_many_numbers", message)
                .with("contact", other.display_name())
                .with("max", MAX_NUMBERS_PER_PERSON.to_string())
                .into());
        }
        Ok(id)
    }

    /// Adds the inviter of `code` as a verified contact.
    pub(super) fn cmd_add_invite(&mut self, code: &str, name: String) -> Result<ContactView, NodeError> {
        self.own_phone()?;
        crate::text::check_name(&name)?;
        let invite = InviteCode::parse(code, now_ms() / 1000).map_err(|e| match e {
            InviteError::Expired(_) => Refusal::invalid("invite_expired", e.to_string()).into(),
            _ => bad_invite(e.reason(), e.to_string()),
        })?;
        let phone: PhoneNumber = invite
            .e164
            .parse()
            .map_err(|e| bad_invite("bad_number", format!("{e}")))?;
        if invite.identity_pk.0 == self.config.identity.public_key() {
            return Err(Refusal::invalid("own_invite", "that is your own invite code").into());
        }
        let peer_id = libp2p::identity::ed25519::PublicKey::try_from_bytes(&invite.identity_pk.0)
            .map(|pk| libp2p::PeerId::from_public_key(&pk.into()).to_string())
            .map_err(|e| bad_invite("bad_key", e.to_string()))?;
        let keys = PeerKeys {
            identity_pk: invite.identity_pk.0,
            noise_pk: [0; 32],
            peer_id,
            name: String::new(),
            first_seen_ms: now_ms(),
            record: Default::default(),
        };
        let person = Person {
            name,
            numbers: vec![phone.clone()],
            source: ContactSource::Invite,
            invite: Some((keys, *invite.secret())),
            person: None,
        };
        self.add_people(vec![person], Urgency::Interactive)?;
        let contact = self.contact(&phone)?;
        self.person_view(&contact)
    }

    /// Imports an address book given as text (vCard or CSV).
    pub(super) fn cmd_import(&mut self, content: &str) -> Result<ImportSummary, NodeError> {
        let report = import(content, self.region())
            .map_err(|e| Refusal::invalid("bad_import", e.to_string()).with("problem", e.reason()))?;
        self.cmd_import_persons(report)
    }

    /// Imports the persons an address book was parsed into (here, or by a client that
    /// sends a large book in several calls): each person's numbers become one contact.
    pub(super) fn cmd_import_persons(&mut self, report: ImportReport) -> Result<ImportSummary, NodeError> {
        let own = self.own_phone()?;
        if report.persons.len() > MAX_PERSONS_PER_IMPORT {
            return Err(Refusal::invalid(
                "too_many_persons",
                format!("at most {MAX_PERSONS_PER_IMPORT} persons per call; send the rest in another"),
            )
            .into());
        }
        let read = report.numbers();
        let mut phones = Vec::new();
        let mut people = Vec::with_capacity(report.persons.len());
        for person in report.persons {
            let numbers: Vec<PhoneNumber> = person
                .numbers
                .into_iter()
                .filter(|phone| *phone != own)
                .take(MAX_NUMBERS_PER_PERSON)
                .collect();
            if numbers.is_empty() {
                continue;
            }
            phones.extend(numbers.iter().map(PhoneNumber::to_string));
            people.push(Person {
                name: person.name,
                numbers,
                source: ContactSource::Import,
                invite: None,
                person: None,
            });
        }
        let persons = people.len();
        let added = self.add_people(people, Urgency::Background)?;
        Ok(ImportSummary {
            persons,
            read,
            added,
            duplicates_merged: report.duplicates_merged,
            issues: report.issues,
            phones,
        })
    }

    /// Adds persons (renaming known numbers when the name comes from the owner), joins
    /// the numbers of each person, and starts finding them: interactive ones at once,
    /// background ones (imports) through the schedule. Returns how many numbers were new.
    pub(super) fn add_people(&mut self, people: Vec<Person>, urgency: Urgency) -> Result<usize, NodeError> {
        let mut added = 0;
        let now = now_ms();
        for person in people {
            // Numbers already known keep their person; new ones join it.
            let mut known = Vec::new();
            let mut new = Vec::new();
            for phone in person.numbers {
                match self.store.contact(&phone)? {
                    Some(existing) => known.push(existing),
                    None => new.push(phone),
                }
            }
            let person_id = person
                .person
                .or_else(|| known.iter().find_map(|c| c.person))
                .or_else(|| (known.len() + new.len() > 1).then(|| rand::rngs::OsRng.next_u64()));
            for mut existing in known {
                let rename =
                    (existing.name.is_empty() || person.source == ContactSource::Manual) && !person.name.is_empty();
                if rename {
                    existing.name = person.name.clone();
                }
                if existing.person.is_none() || person.person.is_some() {
                    existing.person = person_id;
                }
                if let Some((keys, secret)) = &person.invite {
                    existing.invite_secret = Some(*secret);
                    if existing.pinned.is_none() {
                        existing.pinned = Some(keys.clone());
                    }
                    existing.state = ContactState::Verified;
                }
                self.save_contact(&existing)?;
                if urgency == Urgency::Interactive && !existing.blocked {
                    self.lookup_now(existing.phone.clone(), None);
                }
            }
            for phone in new {
                let mut contact = Contact::new(phone.clone(), person.name.clone(), person.source);
                contact.person = person_id;
                if let Some((keys, secret)) = &person.invite {
                    contact.pinned = Some(keys.clone());
                    contact.state = ContactState::Verified;
                    contact.invite_secret = Some(*secret);
                }
                contact.next_lookup_ms = now;
                self.save_contact(&contact)?;
                added += 1;
                match urgency {
                    Urgency::Interactive => {
                        self.publish_for_contact(&phone, urgency);
                        self.lookup_now(phone, None);
                    }
                    Urgency::Background | Urgency::Idle => {
                        self.discovery.unpublished.insert(phone.clone());
                        self.discovery.schedule.schedule(phone, now);
                    }
                }
            }
        }
        self.pump_lookups(now);
        Ok(added)
    }

    pub(super) fn cmd_contacts(&self) -> Result<Vec<ContactView>, NodeError> {
        // Meetup acquaintances filed under a pseudonym are not the owner's contacts.
        let all: Vec<Contact> = self
            .store
            .contacts()?
            .into_iter()
            .filter(|c| !c.phone.is_pseudonym())
            .collect();
        let mut views: Vec<ContactView> = persons(&all)
            .iter()
            .map(|numbers| ContactView::person(numbers, |p| self.discovery.schedule.due_at(p)))
            .collect();
        views.sort_by(|a, b| {
            a.name
                .to_lowercase()
                .cmp(&b.name.to_lowercase())
                .then(a.phone.cmp(&b.phone))
        });
        Ok(views)
    }

    /// Removes a contact: by name, the whole person; by number, that number only.
    pub(super) fn cmd_remove_contact(&mut self, query: &str) -> Result<ContactView, NodeError> {
        let contact = self.resolve_contact(query)?;
        let by_number = normalize(query, self.region()).is_ok();
        let view = self.person_view(&contact)?;
        let doomed = if by_number {
            vec![contact]
        } else {
            self.numbers_of(&contact)?
        };
        for c in doomed {
            self.discovery.schedule.remove(&c.phone);
            self.discovery.unpublished.remove(&c.phone);
            self.store.remove_contact(&c.phone)?;
            self.dm.contact_removed(&c);
        }
        self.durability.wrote();
        self.note_devices(|| super::link::DeviceNote::ContactRemoved);
        Ok(view)
    }

    /// Renames a person (every number) and its conversations.
    pub(super) fn cmd_rename(&mut self, query: &str, name: &str) -> Result<ContactView, NodeError> {
        let name = name.trim();
        crate::text::check_name(name)?;
        if name.is_empty() {
            return Err(Refusal::invalid("empty_name", "a contact's new name cannot be empty").into());
        }
        let contact = self.resolve_contact(query)?;
        for mut number in self.numbers_of(&contact)? {
            number.name = name.to_owned();
            self.save_contact(&number)?;
            let conv = crate::model::ConvId::direct(&number.phone);
            if let Some(mut row) = self.conversation_row(&conv)? {
                row.title = name.to_owned();
                self.update_conversation(row);
            }
        }
        let contact = self.contact(&contact.phone)?;
        self.person_view(&contact)
    }

    fn safety(&self, index: usize, keys: &PeerKeys, phone: &PhoneNumber) -> SafetyView {
        let number = SafetyNumber::new(
            &self.config.identity.public_key(),
            self.profile.phone.as_ref().map_or("", PhoneNumber::as_str),
            &keys.identity_pk,
            phone.as_str(),
        );
        SafetyView {
            index,
            peer_id: keys.peer_id.clone(),
            profile_name: keys.name.clone(),
            safety_number: number.display(),
        }
    }

    fn verification(&self, contact: &Contact, confirmed: bool) -> Result<Verification, NodeError> {
        Ok(Verification {
            pinned: contact.pinned.as_ref().map(|p| self.safety(0, p, &contact.phone)),
            candidates: contact
                .candidates
                .iter()
                .enumerate()
                .map(|(i, c)| self.safety(i + 1, c, &contact.phone))
                .collect(),
            contact: self.person_view(contact)?,
            confirmed,
        })
    }

    pub(super) fn cmd_verify(
        &mut self,
        query: &str,
        confirm: bool,
        candidate: Option<usize>,
    ) -> Result<Verification, NodeError> {
        let mut contact = self.resolve_contact(query)?;
        if confirm {
            let before = contact.pinned.as_ref().map(|p| p.identity_pk);
            trust::verify(&mut contact, candidate).map_err(|e| verify_error(&contact, e))?;
            self.repinned(&contact, before);
        }
        self.verification(&contact, confirm)
    }

    /// Accepts a contact's changed key (re-pinned, unverified): held messages go to it.
    pub(super) fn cmd_accept(&mut self, query: &str) -> Result<Verification, NodeError> {
        let mut contact = self.resolve_contact(query)?;
        let before = contact.pinned.as_ref().map(|p| p.identity_pk);
        trust::accept(&mut contact).map_err(|e| verify_error(&contact, e))?;
        self.repinned(&contact, before);
        self.verification(&contact, true)
    }

    /// Saves a contact the owner verified or re-pinned, and tells everyone concerned:
    /// subscribers, and — when the pinned key changed — the new key's node (a hello) and
    /// the outbox (messages still waiting are sealed to the new key from now on).
    fn repinned(&mut self, contact: &Contact, before: Option<[u8; 32]>) {
        if let Err(e) = self.save_contact(contact) {
            return tracing::error!(error = %e, "cannot save a verified contact");
        }
        self.emit(super::Event::ContactUpdated {
            phone: contact.phone.to_string(),
            name: contact.display_name(),
            state: contact.state.as_str().to_owned(),
        });
        let after = contact.pinned.as_ref().map(|p| p.identity_pk);
        if after != before {
            self.key_switched(&contact.phone);
            self.friend_found(&contact.phone);
        }
    }

    pub(super) fn cmd_lookup(&mut self, query: &str, reply: oneshot::Sender<Result<ContactView, NodeError>>) {
        match self.resolve_contact(query) {
            Err(e) => {
                let _ = reply.send(Err(e));
            }
            Ok(contact) if contact.blocked => {
                let message = format!("you blocked {}; unblock them first", contact.display_name());
                let refusal = Refusal::blocked("contact_blocked", message).with("contact", contact.display_name());
                let _ = reply.send(Err(refusal.into()));
            }
            Ok(contact) => {
                let (tx, rx) = oneshot::channel();
                self.lookup_now(contact.phone, Some(tx));
                tokio::spawn(async move {
                    let result = match rx.await {
                        Ok(result) => result.map(|c| ContactView::from(&c)),
                        Err(_) => Err(NodeError::Stopped { panic: None }),
                    };
                    let _ = reply.send(result);
                });
            }
        }
    }

    pub(super) fn cmd_create_invite(&mut self, valid_secs: u64, reply: super::command::Reply<InviteView>) {
        if valid_secs == 0 || valid_secs > MAX_INVITE_SECS {
            let days = MAX_INVITE_SECS / 86_400;
            let message = format!("an invite is valid for 1 second to {days} days");
            let refusal = Refusal::invalid("bad_invite_validity", message).with("max_days", days.to_string());
            let _ = reply.send(Err(refusal.into()));
            return;
        }
        self.create_invite(valid_secs, reply);
    }

    /// The stored contact for `phone`.
    pub(super) fn contact(&self, phone: &PhoneNumber) -> Result<Contact, NodeError> {
        self.store.contact(phone)?.ok_or_else(|| {
            Refusal::not_found("no_such_contact", format!("no contact {phone}"))
                .with("contact", phone.as_str())
                .into()
        })
    }
}

/// An invite code that cannot be used: `problem` is an [`InviteError::reason`] (or
/// `bad_key` for an identity key that is not one).
fn bad_invite(problem: &'static str, message: String) -> NodeError {
    Refusal::invalid("bad_invite", message).with("problem", problem).into()
}

/// A verification refusal as a node error naming the contact.
fn verify_error(contact: &Contact, error: VerifyError) -> NodeError {
    let message = format!("{}: {error}", contact.display_name());
    let refusal = match error {
        VerifyError::NothingToVerify => Refusal::not_found("nothing_to_verify", message),
        VerifyError::NoKeyChange => Refusal::not_found("no_key_change", message),
        VerifyError::ChooseCandidate => Refusal::invalid("choose_candidate", message),
        VerifyError::NoSuchCandidate(n) => {
            Refusal::invalid("no_such_candidate", message).with("candidate", n.to_string())
        }
    };
    refusal.with("contact", contact.display_name()).into()
}

/// Finds a contact by number (any local format, read with `region`) or by name
/// (case-insensitive). A name shared by the numbers of one person gives its best-found
/// number; a name shared by several persons is ambiguous. Works on a store with no node.
pub fn find_contact(
    store: &crate::store::Store,
    region: &crate::phone::Region,
    query: &str,
) -> Result<Contact, NodeError> {
    // Fast path: a stored number written canonically (what apps and scripts pass).
    // Meetup acquaintances filed under a pseudonym (SPEC.md §7.5) are never found.
    if let Some(contact) = PhoneNumber::canonical(query.trim())
        .filter(|p| !p.is_pseudonym())
        .and_then(|p| store.contact(&p).ok().flatten())
    {
        return Ok(contact);
    }
    if let Ok(phone) = normalize(query, region) {
        return store.contact(&phone)?.ok_or_else(|| {
            Refusal::not_found("no_such_contact", format!("no contact with number {phone}"))
                .with("contact", phone.as_str())
                .into()
        });
    }
    let wanted = query.trim().to_lowercase();
    let matches: Vec<Contact> = store
        .contacts()?
        .into_iter()
        .filter(|c| !c.phone.is_pseudonym() && c.display_name().to_lowercase() == wanted)
        .collect();
    let groups = persons(&matches);
    match groups.len() {
        0 => Err(Refusal::not_found(
            "no_such_contact",
            format!("no contact named {}", crate::text::quote(query)),
        )
        .with("contact", query)
        .into()),
        1 => Ok(groups[0]
            .iter()
            .min_by_key(|c| (rank(c), c.added_ms))
            .map(|c| (*c).clone())
            .expect("a person has a number")),
        _ => {
            let candidates = groups
                .iter()
                .map(|g| format!("{} ({})", g[0].display_name(), g[0].phone))
                .collect::<Vec<_>>()
                .join(", ");
            Err(Refusal::invalid(
                "ambiguous_contact",
                format!("{} is ambiguous: {candidates}", crate::text::quote(query)),
            )
            .with("contact", query)
            .with("candidates", candidates)
            .into())
        }
    }
}

/// A number that is not valid in the region it was read in: the refusal names the input,
/// the region assumed and why, so clients can say how to write it (`+CC…`, `--region`).
pub fn invalid_phone(input: &str, region: &crate::phone::Region, error: crate::phone::PhoneError) -> NodeError {
    let shown: String = input.chars().take(crate::phone::MAX_INPUT_CHARS).collect();
    Refusal::invalid(
        "invalid_phone",
        format!(
            "{} is not a phone number in {region} ({error})",
            crate::text::quote(input)
        ),
    )
    .with("input", shown)
    .with("region", region.as_str())
    .with("problem", error.reason())
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(phone: &str, person: Option<u64>, state: ContactState) -> Contact {
        let mut c = Contact::new(phone.parse().unwrap(), "Yuki", ContactSource::Import);
        c.person = person;
        c.state = state;
        c
    }

    #[test]
    fn one_person_several_numbers_one_view() {
        let all = vec![
            contact("+819012345678", Some(7), ContactState::NotFound),
            contact("+819012345679", Some(7), ContactState::Found),
            contact("+821012345678", None, ContactState::Pending),
        ];
        let groups = persons(&all);
        assert_eq!(groups.len(), 2);
        let view = ContactView::person(&groups[0], |_| None);
        assert_eq!(view.phone, "+819012345679", "the found number is the one in use");
        assert_eq!(view.state, "found");
        assert_eq!(view.numbers.len(), 2);
        assert_eq!(view.numbers[1].reason, "waiting_for_them");
        assert_eq!(view.reason, "found_unverified");
    }
}
