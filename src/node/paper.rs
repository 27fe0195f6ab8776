//! The actor's glue for rolling papers (SPEC.md §6.10, rules in
//! [`crate::content::paper`]): starting one (a group of writers plus the paper's start
//! message), signing notes, checking what arrives in a paper's group, and delivering the
//! paper on its date — by whichever writer is the recipient's friend and online.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::actor::Actor;
use super::command::Reply;
use super::groups::GroupView;
use super::refusal::Refusal;
use super::NodeError;
use crate::content::paper::{self, PaperError, MAX_LEAD_MS, MAX_WRITERS};
use crate::group::Member;
use crate::model::{now_ms, Body, ConvId, PaperNote, Stamp, StoredMessage};
use crate::phone::PhoneNumber;

/// Where the papers this node writes for are kept (`meta`).
const PAPERS: &str = "papers";

/// A paper this node is a writer of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaperInfo {
    /// Who it is for.
    pub recipient: PhoneNumber,
    /// Its title.
    pub title: String,
    /// When it is delivered (ms).
    pub deliver_at_ms: u64,
    /// Its date passed: notes are closed (and this node delivered it if it could).
    pub delivered: bool,
}

/// The actor's rolling-paper state: the papers it writes for, by group id.
#[derive(Debug, Default)]
pub struct Papers {
    known: BTreeMap<[u8; 16], PaperInfo>,
}

impl Papers {
    /// The papers kept in `store`.
    pub fn load(store: &crate::store::Store) -> Result<Self, crate::store::StoreError> {
        let known: Vec<([u8; 16], PaperInfo)> = store.meta_value(PAPERS)?.unwrap_or_default();
        Ok(Self {
            known: known.into_iter().collect(),
        })
    }

    /// The next delivery due (ms), if any paper waits.
    pub fn next_deadline_ms(&self) -> Option<u64> {
        self.known
            .values()
            .filter(|p| !p.delivered)
            .map(|p| p.deliver_at_ms)
            .min()
    }
}

/// The stable reason a paper body was refused (API error data, metrics label).
pub(super) fn reason(error: PaperError) -> &'static str {
    match error {
        PaperError::TooLate => "too_late",
        PaperError::BadSignature => "bad_signature",
        PaperError::NotTheStarter => "not_the_starter",
        PaperError::NotAPaper => "not_a_paper",
    }
}

pub(super) fn refused(error: PaperError) -> NodeError {
    Refusal::invalid(reason(error), error.to_string()).into()
}

impl Actor {
    /// `papers.start`: a group of `writers` (the recipient not among them) and the paper's
    /// start message in it; answers once both are durable.
    pub(super) fn cmd_paper_start(
        &mut self,
        recipient: &str,
        title: &str,
        deliver_at_ms: u64,
        writers: &[String],
        reply: Reply<GroupView>,
    ) {
        match self.start_paper(recipient, title, deliver_at_ms, writers) {
            Ok(view) => self.durability.after_flush(Box::new(move |actor: &mut Actor| {
                actor.publish_unpublished();
                let _ = reply.send(Ok(view));
            })),
            Err(e) => {
                let _ = reply.send(Err(e));
            }
        }
    }

    fn start_paper(
        &mut self,
        recipient: &str,
        title: &str,
        deliver_at_ms: u64,
        writers: &[String],
    ) -> Result<GroupView, NodeError> {
        let friend = self.resolve_contact(recipient)?;
        if friend.pinned.is_none() {
            return Err(Refusal::invalid(
                "not_a_friend",
                format!(
                    "{} is not your friend yet: a paper is delivered by friends",
                    friend.display_name()
                ),
            )
            .into());
        }
        let now = now_ms();
        if deliver_at_ms <= now || deliver_at_ms > now + MAX_LEAD_MS {
            return Err(Refusal::invalid("bad_date", "the delivery date must be within the next year").into());
        }
        if writers.is_empty() || writers.len() > MAX_WRITERS {
            let refusal = Refusal::invalid("bad_writers", format!("invite 1 to {MAX_WRITERS} writers"));
            return Err(refusal.with("max", MAX_WRITERS.to_string()).into());
        }
        for writer in writers {
            if self.resolve_contact(writer)?.phone == friend.phone {
                return Err(Refusal::invalid("recipient_invited", "the paper is hidden from its recipient").into());
            }
        }
        let body = Body::PaperStart {
            recipient: friend.phone.clone(),
            title: title.to_owned(),
            deliver_at_ms,
        };
        // Checked before the group exists (a title too long would leave a group behind).
        crate::content::body::WireBody::from_body(&body)?;
        // The group is named after the paper, cut to fit a group name.
        let mut name = format!("✉ {title}");
        while name.len() > crate::group::log::MAX_NAME_BYTES {
            name.pop();
        }
        let group = self.cmd_group_create(&name, writers, None)?;
        self.queue_group_message(&group.group_id, body)?;
        Ok(group)
    }

    /// A note for the paper `query` names, signed with our identity key.
    pub(super) fn note_body(&self, query: &str, text: String) -> Result<(ConvId, Body), NodeError> {
        let group = self.group_id_for(query)?;
        let info = self
            .papers
            .known
            .get(group.as_bytes())
            .ok_or_else(|| refused(PaperError::NotAPaper))?;
        if info.delivered || now_ms() >= info.deliver_at_ms {
            return Err(refused(PaperError::TooLate));
        }
        let signed = paper::note_signed_bytes(group.as_bytes(), &info.recipient, &self.own_phone()?, &text);
        let sig = crate::crypto::sign(self.config.identity.ed25519(), &signed);
        Ok((
            ConvId::group(*group.as_bytes()),
            Body::Note {
                text,
                sig: sig.to_vec(),
            },
        ))
    }

    /// Checks a paper body arriving in (or sent to) the group `group` from `sender`: a
    /// start from the group's first admin, once; a note signed by its author and written
    /// before the date. A start makes the group a paper this node delivers.
    pub(super) fn check_paper_body(
        &mut self,
        group: &[u8; 16],
        sender: &Member,
        message: &StoredMessage,
    ) -> Result<(), PaperError> {
        match &message.body {
            Body::PaperStart {
                recipient,
                title,
                deliver_at_ms,
            } => {
                let first_admin = self.group_members(group).and_then(|(_, admin)| admin);
                if self.papers.known.contains_key(group) || first_admin != Some(sender.identity_pk) {
                    return Err(PaperError::NotTheStarter);
                }
                self.papers.known.insert(
                    *group,
                    PaperInfo {
                        recipient: recipient.clone(),
                        title: title.clone(),
                        deliver_at_ms: *deliver_at_ms,
                        delivered: false,
                    },
                );
                self.save_papers();
                Ok(())
            }
            Body::Note { text, sig } => {
                // A note that outran its paper's start is kept; it is checked on delivery.
                let Some(info) = self.papers.known.get(group) else {
                    return Ok(());
                };
                if message.sent_ms >= info.deliver_at_ms {
                    return Err(PaperError::TooLate);
                }
                let note = PaperNote {
                    author: message.sender.clone(),
                    name: String::new(),
                    key: *sender.identity_pk.as_bytes(),
                    text: text.clone(),
                    sig: sig.clone(),
                    verified: false,
                };
                if !paper::verify_note(group, &info.recipient, &note) {
                    return Err(PaperError::BadSignature);
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn save_papers(&mut self) {
        let list: Vec<(&[u8; 16], &PaperInfo)> = self.papers.known.iter().collect();
        if let Err(e) = self.store.set_meta_value(PAPERS, &list) {
            self.failed("store.papers", &e);
        }
    }

    /// When the next paper is due (for the event loop's wake-up).
    pub(super) fn paper_deadline_ms(&self) -> Option<u64> {
        self.papers.next_deadline_ms()
    }

    /// Closes every paper whose date came, and delivers the ones whose recipient is our
    /// friend: every writer's newest note that verifies, as one message whose id is the
    /// same from every deliverer (the recipient keeps the first).
    pub(super) fn deliver_due_papers(&mut self) {
        let now = now_ms();
        let due: Vec<([u8; 16], PaperInfo)> = self
            .papers
            .known
            .iter()
            .filter(|(_, p)| !p.delivered && p.deliver_at_ms <= now)
            .map(|(g, p)| (*g, p.clone()))
            .collect();
        if due.is_empty() {
            return;
        }
        for (group, info) in due {
            if let Some(p) = self.papers.known.get_mut(&group) {
                p.delivered = true;
            }
            let friend = self
                .store
                .contact(&info.recipient)
                .ok()
                .flatten()
                .filter(|c| c.pinned.is_some() && !c.blocked);
            let Some(friend) = friend else { continue };
            let id = paper::delivery_id(&group);
            if self.store.has_message(&id).unwrap_or(true) {
                continue;
            }
            let notes = self.paper_notes(&group, &info);
            let body = Body::Paper {
                paper: group,
                title: info.title.clone(),
                notes,
            };
            match self.queue_message_as(&friend, body, id) {
                Ok(_) => {
                    self.dm.pump_soon.insert(friend.phone.clone());
                }
                Err(e) => tracing::warn!(error = %e, "cannot deliver a rolling paper"),
            }
        }
        self.save_papers();
    }

    /// The notes of the paper `group`, from its history: each writer's newest that
    /// verifies under the writer's identity key.
    fn paper_notes(&mut self, group: &[u8; 16], info: &PaperInfo) -> Vec<PaperNote> {
        let members: Vec<Member> = self.group_members(group).map(|(m, _)| m).unwrap_or_default();
        let messages = self
            .store
            .last_messages(&ConvId::group(*group), super::messages::MAX_HISTORY_LIMIT, None)
            .unwrap_or_default();
        let mut notes = Vec::new();
        for m in messages {
            let Body::Note { text, sig } = m.body else { continue };
            let Some(member) = members
                .iter()
                .find(|mb| super::groups::member_number(mb).as_ref() == Some(&m.sender))
            else {
                continue;
            };
            let note = PaperNote {
                author: m.sender.clone(),
                name: member.name.to_string(),
                key: *member.identity_pk.as_bytes(),
                text,
                sig,
                verified: false,
            };
            if m.sent_ms < info.deliver_at_ms && paper::verify_note(group, &info.recipient, &note) {
                notes.push((Stamp { hlc: m.hlc, id: m.id }, note));
            }
        }
        paper::collect(notes)
    }

    /// A delivered paper arriving for us: the notes that verify, each marked when its key
    /// is the one we pinned for its author; forged ones are dropped and counted.
    pub(super) fn accept_paper(&mut self, body: Body) -> Body {
        let Body::Paper {
            paper: id,
            title,
            notes,
        } = body
        else {
            return body;
        };
        let Ok(me) = self.own_phone() else {
            return Body::Paper {
                paper: id,
                title,
                notes,
            };
        };
        let store = &self.store;
        let pinned = |phone: &PhoneNumber| {
            store
                .contact(phone)
                .ok()
                .flatten()
                .and_then(|c| c.pinned.map(|p| p.identity_pk))
        };
        let (notes, dropped) = paper::receive(&id, &me, notes, pinned);
        for _ in 0..dropped {
            self.reject(None, "content", "bad_signature");
        }
        Body::Paper {
            paper: id,
            title,
            notes,
        }
    }
}
