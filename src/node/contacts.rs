//! The actor's address-book commands: add (by number or invite code), import, list,
//! remove, verify (safety numbers), look up now, and create invites. Contacts are named
//! by number (any local format) or by name.

use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

use super::actor::Actor;
use super::refusal::Refusal;
use super::NodeError;
use crate::contacts::import::{import, ImportIssue, ImportReport};
use crate::contacts::trust::{self, VerifyError};
use crate::model::{now_ms, Contact, ContactSource, ContactState, PeerKeys};
use crate::phone::{normalize, PhoneNumber};
use crate::rendezvous::{InviteCode, SafetyNumber};

/// Longest validity of an invite code.
pub const MAX_INVITE_SECS: u64 = 30 * 24 * 3600;

/// A contact as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactView {
    /// The name the owner gave.
    pub name: String,
    /// E.164 number.
    pub phone: String,
    /// `pending`, `found`, `verified`, `conflict` or `not_found`.
    pub state: String,
    /// The pinned identity's peer id.
    pub peer_id: Option<String>,
    /// The name the contact gave themselves (from their record).
    pub profile_name: Option<String>,
    /// Other, unverified identities claiming the number.
    pub candidates: usize,
    /// Mailboxes the friend's latest record lists (where offline messages go).
    #[serde(default)]
    pub mailboxes: usize,
    /// How the contact was added (`manual`, `import`, `invite`, `request`, `group`).
    pub source: String,
}

impl From<&Contact> for ContactView {
    fn from(c: &Contact) -> Self {
        let source = serde_json::to_value(c.source)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        Self {
            name: c.name.clone(),
            phone: c.phone.to_string(),
            state: c.state.as_str().to_owned(),
            peer_id: c.pinned.as_ref().map(|p| p.peer_id.clone()),
            profile_name: c.pinned.as_ref().map(|p| p.name.clone()).filter(|n| !n.is_empty()),
            candidates: c.candidates.len(),
            mailboxes: c.pinned.as_ref().map_or(0, |p| p.record.mailboxes.len()),
            source,
        }
    }
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

/// The outcome of `contacts verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    /// The contact after the command.
    pub contact: ContactView,
    /// The pinned identity's safety number, if one is pinned.
    pub pinned: Option<SafetyView>,
    /// The candidates' safety numbers.
    pub candidates: Vec<SafetyView>,
    /// Whether the command marked a key verified.
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
    /// Contacts that were new (discovery started for them).
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

impl Actor {
    fn region(&self) -> &crate::phone::Region {
        &self.config.settings.region
    }

    /// Finds a contact by number (any local format) or by name.
    pub(super) fn resolve_contact(&self, query: &str) -> Result<Contact, NodeError> {
        find_contact(&self.store, self.region(), query)
    }

    pub(super) fn cmd_add_contact(&mut self, input: &str, name: String) -> Result<ContactView, NodeError> {
        let own = self.own_phone()?;
        crate::text::check_name(&name)?;
        let phone = normalize(input, self.region()).map_err(|e| invalid_phone(input, self.region(), e))?;
        if phone == own {
            return Err(Refusal::invalid("own_number", "that is your own number").into());
        }
        self.add_contacts(vec![Contact::new(phone.clone(), name, ContactSource::Manual)])?;
        self.contact_view(&phone)
    }

    /// Adds the inviter of `code` as a verified contact.
    pub(super) fn cmd_add_invite(&mut self, code: &str, name: String) -> Result<ContactView, NodeError> {
        self.own_phone()?;
        crate::text::check_name(&name)?;
        let invite = InviteCode::parse(code, now_ms() / 1000).map_err(|e| NodeError::Invalid(e.to_string()))?;
        let phone: PhoneNumber = invite.e164.parse().map_err(|e| NodeError::Invalid(format!("{e}")))?;
        if invite.identity_pk.0 == self.config.identity.public_key() {
            return Err(Refusal::invalid("own_invite", "that is your own invite code").into());
        }
        let peer_id = libp2p::identity::ed25519::PublicKey::try_from_bytes(&invite.identity_pk.0)
            .map(|pk| libp2p::PeerId::from_public_key(&pk.into()).to_string())
            .map_err(|e| NodeError::Invalid(e.to_string()))?;
        let mut contact = Contact::new(phone.clone(), name, ContactSource::Invite);
        contact.pinned = Some(PeerKeys {
            identity_pk: invite.identity_pk.0,
            noise_pk: [0; 32],
            peer_id,
            name: String::new(),
            first_seen_ms: now_ms(),
            record: Default::default(),
        });
        contact.state = ContactState::Verified;
        contact.invite_secret = Some(*invite.secret());
        self.add_contacts(vec![contact])?;
        self.contact_view(&phone)
    }

    pub(super) fn cmd_import(&mut self, content: &str) -> Result<ImportSummary, NodeError> {
        let report = import(content, self.region()).map_err(|e| NodeError::Invalid(e.to_string()))?;
        self.cmd_import_persons(report)
    }

    pub(super) fn cmd_import_persons(&mut self, report: ImportReport) -> Result<ImportSummary, NodeError> {
        self.own_phone()?;
        let phones: Vec<String> = report
            .persons
            .iter()
            .flat_map(|p| p.numbers.iter().map(PhoneNumber::to_string))
            .collect();
        let persons = report.persons.len();
        let contacts = report
            .persons
            .into_iter()
            .flat_map(|person| {
                let name = person.name;
                person
                    .numbers
                    .into_iter()
                    .map(move |phone| Contact::new(phone, name.clone(), ContactSource::Import))
            })
            .collect();
        let added = self.add_contacts(contacts)?;
        Ok(ImportSummary {
            persons,
            read: phones.len(),
            added,
            duplicates_merged: report.duplicates_merged,
            issues: report.issues,
            phones,
        })
    }

    pub(super) fn cmd_contacts(&self) -> Result<Vec<ContactView>, NodeError> {
        // Meetup acquaintances filed under a pseudonym are not the owner's contacts.
        let mut contacts: Vec<ContactView> = self
            .store
            .contacts()?
            .iter()
            .filter(|c| !c.phone.is_pseudonym())
            .map(ContactView::from)
            .collect();
        contacts.sort_by(|a, b| {
            a.name
                .to_lowercase()
                .cmp(&b.name.to_lowercase())
                .then(a.phone.cmp(&b.phone))
        });
        Ok(contacts)
    }

    pub(super) fn cmd_remove_contact(&mut self, query: &str) -> Result<ContactView, NodeError> {
        let contact = self.resolve_contact(query)?;
        self.remove_contact(&contact.phone)?;
        Ok(ContactView::from(&contact))
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

    pub(super) fn cmd_verify(
        &mut self,
        query: &str,
        confirm: bool,
        candidate: Option<usize>,
    ) -> Result<Verification, NodeError> {
        let mut contact = self.resolve_contact(query)?;
        if confirm {
            trust::verify(&mut contact, candidate).map_err(|e| match e {
                VerifyError::NothingToVerify => NodeError::NotFound(e.to_string()),
                VerifyError::ChooseCandidate | VerifyError::NoSuchCandidate(_) => NodeError::Invalid(e.to_string()),
            })?;
            self.store.put_contact(&contact)?;
            self.durability.wrote();
            self.emit(super::Event::ContactUpdated {
                phone: contact.phone.to_string(),
                name: contact.name.clone(),
                state: contact.state.as_str().to_owned(),
            });
        }
        Ok(Verification {
            pinned: contact.pinned.as_ref().map(|p| self.safety(0, p, &contact.phone)),
            candidates: contact
                .candidates
                .iter()
                .enumerate()
                .map(|(i, c)| self.safety(i + 1, c, &contact.phone))
                .collect(),
            contact: ContactView::from(&contact),
            confirmed: confirm,
        })
    }

    pub(super) fn cmd_lookup(&mut self, query: &str, reply: oneshot::Sender<Result<ContactView, NodeError>>) {
        match self.resolve_contact(query) {
            Err(e) => {
                let _ = reply.send(Err(e));
            }
            Ok(contact) => {
                let (tx, rx) = oneshot::channel();
                self.start_lookup(contact.phone, Some(tx));
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

    pub(super) fn cmd_create_invite(&mut self, valid_secs: u64) -> Result<InviteView, NodeError> {
        if valid_secs == 0 || valid_secs > MAX_INVITE_SECS {
            return Err(NodeError::Invalid(format!(
                "an invite is valid for 1 second to {} days",
                MAX_INVITE_SECS / 86_400
            )));
        }
        let code = self.create_invite(valid_secs)?;
        Ok(InviteView {
            code: code.encode(),
            link: code.link(),
            expires: code.expires_at(),
        })
    }

    fn contact_view(&self, phone: &PhoneNumber) -> Result<ContactView, NodeError> {
        let contact = self
            .store
            .contact(phone)?
            .ok_or_else(|| NodeError::NotFound(format!("no contact {phone}")))?;
        Ok(ContactView::from(&contact))
    }
}

/// Finds a contact by number (any local format, read with `region`) or by name
/// (case-insensitive; an ambiguous name is an error). Works on a store with no node.
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
        .filter(|c| !c.phone.is_pseudonym() && c.name.to_lowercase() == wanted)
        .collect();
    match matches.len() {
        0 => Err(Refusal::not_found(
            "no_such_contact",
            format!("no contact named {}", crate::text::quote(query)),
        )
        .with("contact", query)
        .into()),
        1 => Ok(matches.into_iter().next().expect("one")),
        _ => {
            let candidates = matches
                .iter()
                .map(|c| format!("{} ({})", c.name, c.phone))
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
