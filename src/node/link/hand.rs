//! What a linked device does while the account's first device cannot be reached
//! (`protocol/devices.md` §7), and how it passes it on. 1:1 messages go between it and
//! friends directly: a friend's message that reached it (the friend's node could not
//! reach the first device), and a text its person sent. A text to a group is kept here
//! until the first device, the person's member, posts it. The linked device notes each
//! in `meta` with the message (a friend's before the acknowledgement); it hands the noted
//! ones over `/chingu/device-sync/1` whenever its stream to the first device is up, a few
//! at a time, and forgets each once the first device has it on disk. The first device
//! takes a friend's as if the friend had sent it there, and keeps and sends its person's
//! as its own (its linked devices then hear of either as of any). Reads and contact
//! changes made meanwhile are made here and passed on after the messages.

use std::collections::HashMap;

use super::sync::Forward;
use crate::account::sync::{Action, HandedMessage};
use crate::content::body::WireBody;
use crate::content::body::MAX_TEXT_BYTES;
use crate::dm::wire::{DmPayload, Outcome};
use crate::model::{now_ms, Body, Contact, ConvId, Conversation, ConversationKind, Direction, MsgId};
use crate::node::actor::Actor;
use crate::node::command::Reply;
use crate::node::refusal::Refusal;
use crate::node::{MessageView, NodeError};
use crate::phone::PhoneNumber;
use crate::wire::{Fixed, Text};

/// The store's meta entries naming the messages a linked device has not yet handed to
/// its first device: `account.handed/<message id in hex>`.
pub const HANDED_PREFIX: &str = "account.handed/";
/// Most such messages a linked device keeps at once: beyond, a friend's message is left
/// unacknowledged (`dm.handing_full`) and the friend tries again later.
pub const MAX_HANDED: usize = 4_096;
/// Most handed messages waiting for the first device's answer at once.
const HANDING_WINDOW: usize = 16;

/// The store's meta entries naming the 1:1 conversations a linked device's person read
/// while it had no stream to its first device: `account.read/<the friend's number>`.
pub const READ_PREFIX: &str = "account.read/";

/// The store's meta entries holding the contact changes a linked device's person made
/// while it had no stream to its first device, in order: `account.acts/<16 hex digits>`.
pub const ACTS_PREFIX: &str = "account.acts/";
/// Most such changes kept (more are refused `first_device_unreachable`).
pub const MAX_ACTS: usize = 1_024;

/// The messages a linked device still has to hand over, and the reads and contact
/// changes to pass on.
#[derive(Default)]
pub(crate) struct Handing {
    /// Message id → whether it is on its way (waiting for the first device's answer).
    waiting: HashMap<MsgId, bool>,
    /// A hand-over is due after the next flush.
    due: bool,
    /// Friend's number → whether the read of that conversation is on its way.
    reads: HashMap<PhoneNumber, bool>,
    /// Contact changes by sequence number → the change, and whether it is on its way.
    acts: std::collections::BTreeMap<u64, (Action, bool)>,
    /// The account's number (a linked device's own texts name it as their sender; none
    /// on a device linked before it was kept).
    account_phone: Option<PhoneNumber>,
}

impl Handing {
    /// The messages noted in `store`.
    pub(crate) fn load(store: &crate::store::Store) -> Result<Self, crate::store::StoreError> {
        let waiting = store
            .meta_values::<()>(HANDED_PREFIX)?
            .into_iter()
            .filter_map(|(name, ())| {
                let hex_id = name.strip_prefix(HANDED_PREFIX)?;
                let id: [u8; 16] = hex::decode(hex_id).ok()?.try_into().ok()?;
                Some((MsgId(id), false))
            })
            .collect();
        let reads = store
            .meta_values::<()>(READ_PREFIX)?
            .into_iter()
            .filter_map(|(name, ())| Some((name.strip_prefix(READ_PREFIX)?.parse().ok()?, false)))
            .collect();
        let account_phone = store
            .meta_value::<String>(super::ACCOUNT_PHONE_META)?
            .and_then(|phone| phone.parse().ok());
        let acts = store
            .meta_values::<Action>(ACTS_PREFIX)?
            .into_iter()
            .filter_map(|(name, action)| {
                let seq = u64::from_str_radix(name.strip_prefix(ACTS_PREFIX)?, 16).ok()?;
                Some((seq, (action, false)))
            })
            .collect();
        Ok(Self {
            waiting,
            due: false,
            reads,
            acts,
            account_phone,
        })
    }
}

/// The keys of `notes` not on their way, at most `limit` of them.
fn idle<K: Clone>(notes: &HashMap<K, bool>, limit: usize) -> Vec<K> {
    notes
        .iter()
        .filter(|(_, on_way)| !**on_way)
        .map(|(key, _)| key.clone())
        .take(limit)
        .collect()
}

fn act_name(seq: u64) -> String {
    format!("{ACTS_PREFIX}{seq:016x}")
}

fn read_name(phone: &PhoneNumber) -> String {
    format!("{READ_PREFIX}{phone}")
}

fn handed_name(id: &MsgId) -> String {
    format!("{HANDED_PREFIX}{}", hex::encode(id.0))
}

impl Actor {
    /// On a linked device, what becomes of a payload a friend sent it directly: `None`
    /// to take it as any node would (a message, then noted to be handed over; typing),
    /// else the outcome to answer with — anything else is for the first device, and
    /// nothing is taken from someone the account does not know (`Held`: the sender
    /// tries again later, maybe the first device).
    pub(in crate::node) fn linked_device_takes(&mut self, identity: &[u8; 32], payload: &DmPayload) -> Option<Outcome> {
        if !self.is_linked_device() {
            return None;
        }
        if self.friend_of(identity).is_none() {
            return Some(Outcome::Held);
        }
        match payload {
            DmPayload::Message { id, .. } => {
                let id = MsgId(id.0);
                let handing = &self.links.handing;
                if handing.waiting.contains_key(&id) || matches!(self.store.has_message(&id), Ok(true)) {
                    // A duplicate: acknowledged as any.
                    return None;
                }
                if handing.waiting.len() >= MAX_HANDED {
                    self.reject(None, "dm", "handing_full");
                    return Some(Outcome::Held);
                }
                // Noted before the message is stored, both before the acknowledgement's
                // flush: a note whose message never got stored is dropped when handed.
                self.note_handed(id);
                None
            }
            DmPayload::Typing { .. } => None,
            _ => Some(Outcome::Held),
        }
    }

    /// Notes `id` to be handed to the first device (written with the next flush, after
    /// which a hand-over starts).
    pub(super) fn note_handed(&mut self, id: MsgId) {
        self.links.handing.waiting.insert(id, false);
        if let Err(e) = self.store.set_meta_value(&handed_name(&id), &()) {
            self.failed("store.note_handed", &e);
        }
        self.durability.wrote();
        if !std::mem::replace(&mut self.links.handing.due, true) {
            self.durability
                .after_flush(Box::new(|actor: &mut Actor| actor.hand_to_first()));
        }
    }

    /// On a linked device with no stream to its first device: its person's 1:1 text goes
    /// to the friend from here (the friend's node takes it from a device its copy of the
    /// account's record lists), and to the first device once the two meet again.
    pub(super) fn send_without_first(&mut self, query: &str, text: String, reply: Reply<MessageView>) {
        if self.links.handing.waiting.len() >= MAX_HANDED {
            let _ = reply.send(Err(super::sync::first_unreachable()));
            return;
        }
        match (self.resolve_contact(query), self.links.handing.account_phone.clone()) {
            (Ok(contact), Some(account)) => {
                let queued = self.queue_message_from(&contact, Body::Text { text }, MsgId::generate(), account);
                if let Some(id) = self.answer_queued(queued, &contact, reply) {
                    self.note_handed(id);
                }
            }
            (Err(e), _) => {
                let _ = reply.send(Err(e));
            }
            // A device linked before it kept the account's number.
            (_, None) => {
                let _ = reply.send(Err(super::sync::first_unreachable()));
            }
        }
    }

    /// On a linked device with no stream to its first device: its person's text to a
    /// group is stored here, queued, and handed to the first device — the person's member
    /// — once the two meet again, which posts it under the same id.
    pub(super) fn send_group_without_first(&mut self, query: &str, text: String, reply: Reply<MessageView>) {
        let queued = (|| {
            let (id, copy) = self.copy_named(query)?;
            let (view, group_id) = (copy.view.clone(), *id.as_bytes());
            if !view.active || view.closed {
                let refusal = Refusal::invalid("group_closed", "this group is closed or you are no longer in it");
                return Err(refusal.with("group", view.name.as_str()).into());
            }
            let account = self.links.handing.account_phone.clone();
            let account = account
                .filter(|_| self.links.handing.waiting.len() < MAX_HANDED)
                .ok_or_else(super::sync::first_unreachable)?;
            let text = super::forward::bounded::<MAX_TEXT_BYTES>(&text, "text")?.into_string();
            let conv_id = ConvId::group(group_id);
            let mut conv = self
                .conversation_row(&conv_id)?
                .unwrap_or_else(|| Conversation::group(group_id, view.kind == "meetup", &view.name));
            let stored = self.new_outgoing(&mut conv, MsgId::generate(), Body::Text { text }, now_ms(), account);
            let mut batch = self.store.batch();
            batch.put_message(&stored);
            self.store.apply(batch)?;
            self.update_conversation(conv);
            Ok::<_, NodeError>(MessageView::new(&stored, "").titled(&view.name))
        })();
        match queued {
            Ok(view) => {
                if let Ok(id) = view.id.parse() {
                    self.note_handed(id);
                }
                self.durability.after_flush(Box::new(move |_: &mut Actor| {
                    let _ = reply.send(Ok(view));
                }));
            }
            Err(e) => {
                let _ = reply.send(Err(e));
            }
        }
    }

    /// On a linked device with no stream to its first device: its person reads the 1:1
    /// conversation with `query` here (the read receipts go to the friend from here), and
    /// the first device marks it read too once every noted message is handed to it.
    pub(super) fn read_without_first(&mut self, query: &str, reply: Reply<usize>) {
        let read = self.resolve_contact(query).and_then(|contact| {
            let count = self.cmd_read(contact.phone.as_str())?;
            self.store.set_meta_value(&read_name(&contact.phone), &())?;
            self.links.handing.reads.insert(contact.phone, false);
            Ok(count)
        });
        self.durability.wrote();
        self.durability.after_flush(Box::new(move |_: &mut Actor| {
            let _ = reply.send(read);
        }));
    }

    /// Passes the reads made while the first device was away on to it, once nothing is
    /// left to hand (so what it marks read includes what was handed).
    fn pass_reads_on(&mut self) {
        for phone in idle(&self.links.handing.reads, usize::MAX) {
            let Ok(contact) = Text::new(phone.as_str()) else {
                self.read_passed_on(&phone);
                continue;
            };
            self.links.handing.reads.insert(phone.clone(), true);
            self.forward(Forward::Act {
                action: Action::Read { contact },
                then: Box::new(move |actor: &mut Actor, done| match done {
                    Ok(_) => actor.read_passed_on(&phone),
                    Err(_) => {
                        actor.links.handing.reads.insert(phone, false);
                    }
                }),
            });
        }
    }

    fn read_passed_on(&mut self, phone: &PhoneNumber) {
        self.links.handing.reads.remove(phone);
        self.forget_note(&read_name(phone));
    }

    /// Removes the `meta` note `name` (written with the next flush).
    fn forget_note(&mut self, name: &str) {
        if let Err(e) = self.store.remove_meta_value(name) {
            self.failed("store.forget_note", &e);
        }
        self.durability.wrote_lazily();
    }

    /// Hands noted messages to the first device, keeping at most [`HANDING_WINDOW`] on
    /// their way (called when the stream to it starts and as answers come); then passes
    /// the reads made meanwhile on.
    pub(super) fn hand_to_first(&mut self) {
        self.links.handing.due = false;
        if self.links.forwards.is_none() {
            return;
        }
        let on_way = self.links.handing.waiting.values().filter(|on| **on).count();
        for id in idle(&self.links.handing.waiting, HANDING_WINDOW.saturating_sub(on_way)) {
            let then: super::sync::Then = Box::new(move |actor: &mut Actor, answer| actor.hand_answered(id, answer));
            let Some(forward) = self.handing_of(&id, then) else {
                // Never stored (or gone since): nothing to hand.
                self.handed(&id);
                continue;
            };
            self.links.handing.waiting.insert(id, true);
            self.forward(forward);
        }
        if self.links.handing.waiting.is_empty() {
            self.pass_reads_on();
            self.pass_acts_on();
        }
    }

    /// The number the account has: a linked device's own texts and its checks of numbers
    /// use it (the first device's is its own).
    pub(in crate::node) fn account_phone(&self) -> Result<PhoneNumber, NodeError> {
        match self.is_linked_device() {
            true => self
                .links
                .handing
                .account_phone
                .clone()
                .ok_or_else(super::sync::first_unreachable),
            false => self.own_phone(),
        }
    }

    /// On a linked device with no stream to its first device: its person's change of a
    /// contact is made here (the first device's answer is this device's), noted, and
    /// passed on to the first device, in order, once the two meet again.
    pub(super) fn change_contact_without_first(&mut self, action: Action, then: super::sync::Then) {
        if self.links.handing.acts.len() >= MAX_ACTS {
            return then(self, Err(super::sync::first_unreachable()));
        }
        let done = self.carry_out(&action);
        if done.is_ok() {
            let seq = self.links.handing.acts.keys().next_back().map_or(0, |last| last + 1);
            match self.store.set_meta_value(&act_name(seq), &action) {
                Ok(()) => {
                    self.links.handing.acts.insert(seq, (action, false));
                }
                Err(e) => self.failed("store.note_act", &e),
            }
        }
        self.durability.wrote();
        self.durability
            .after_flush(Box::new(move |actor: &mut Actor| then(actor, done)));
    }

    /// Passes the contact changes made while the first device was away on to it, one at
    /// a time and in order, once nothing is left to hand.
    fn pass_acts_on(&mut self) {
        let acts = &mut self.links.handing.acts;
        let Some((&seq, (action, on_way))) = acts.iter_mut().next() else {
            return;
        };
        if std::mem::replace(on_way, true) {
            return;
        }
        let action = action.clone();
        self.forward(Forward::Act {
            action,
            then: Box::new(move |actor: &mut Actor, done| actor.act_passed_on(seq, done)),
        });
    }

    /// The first device answered a contact change passed on: done, or refused for good
    /// (its address book decides; what it has comes back) — forgotten here, and the next
    /// one goes; not reached — passed on again with the next stream.
    fn act_passed_on(&mut self, seq: u64, done: Result<u64, NodeError>) {
        let unreached = matches!(&done, Err(NodeError::Refused(r)) if r.reason == "first_device_unreachable");
        if unreached {
            if let Some((_, on_way)) = self.links.handing.acts.get_mut(&seq) {
                *on_way = false;
            }
            return;
        }
        if let Err(e) = done {
            tracing::debug!(error = %e, "the first device refused a contact change made here");
        }
        self.links.handing.acts.remove(&seq);
        self.forget_note(&act_name(seq));
        self.pass_acts_on();
    }

    /// The stored message `id` as it is handed over, `then` getting the answer: a 1:1 one
    /// with the friend's number and whether the account sent it, or the person's text to
    /// a group.
    fn handing_of(&self, id: &MsgId, then: super::sync::Then) -> Option<Forward> {
        let message = self.store.message(id).ok()??;
        let handed = HandedMessage {
            id: Fixed(id.0),
            hlc: message.hlc,
            sent_ms: message.sent_ms,
            body: WireBody::from_body(&message.body).ok()?.encode(),
        };
        Some(match self.conversation_row(&message.conv).ok()??.kind {
            ConversationKind::Direct { phone } => Forward::Hand {
                contact: Text::new(phone.as_str()).ok()?,
                sent: message.direction == Direction::Outgoing,
                message: handed,
                then,
            },
            ConversationKind::Group { group_id } | ConversationKind::Meetup { group_id } => Forward::HandGroup {
                group: Fixed(group_id),
                message: handed,
                then,
            },
        })
    }

    /// The first device answered a hand-over: taken (or refused for good: it does not
    /// know the friend) — forgotten here; not reached — handed again with the next stream.
    fn hand_answered(&mut self, id: MsgId, answer: Result<u64, NodeError>) {
        match answer {
            Ok(_) => {
                self.handed(&id);
                self.hand_to_first();
            }
            Err(e) => {
                tracing::debug!(error = %e, "a message is not handed yet");
                if let Some(on_way) = self.links.handing.waiting.get_mut(&id) {
                    *on_way = false;
                }
            }
        }
    }

    fn handed(&mut self, id: &MsgId) {
        self.links.handing.waiting.remove(id);
        self.forget_note(&handed_name(id));
    }

    /// On the first device: a linked device hands over a message that went between it and
    /// `contact` (a friend's number). A friend's is taken as if the friend had sent it
    /// here; one the account `sent` is kept and sent as this device's own (the friend
    /// keeps one copy). The answer (1: stored, 0: not taken — the friend is unknown,
    /// blocked or in conflict here) goes once it is on disk. A message refused only for
    /// now (too many waiting) is refused, and handed again later.
    pub(super) fn take_handed(&mut self, contact: String, sent: bool, message: HandedMessage, reply: Reply<u64>) {
        let friend = contact
            .parse()
            .ok()
            .and_then(|phone| self.store.contact(&phone).ok().flatten())
            .filter(|contact| !contact.blocked)
            .and_then(|contact| Some((contact.pinned.as_ref()?.identity_pk, contact)))
            .filter(|(identity, _)| self.friend_of(identity).is_some());
        let outcome = match friend {
            Some((_, contact)) if sent => self.keep_handed_sent(&contact, message),
            Some((identity, _)) => {
                let payload = DmPayload::Message {
                    id: message.id,
                    hlc: message.hlc,
                    sent_ms: message.sent_ms,
                    body: message.body,
                };
                self.on_payload(identity, payload, now_ms(), false)
            }
            None => Outcome::Rejected,
        };
        let answer = match outcome {
            Outcome::Stored => Ok(1),
            Outcome::Rejected => Ok(0),
            Outcome::Held => Err(crate::node::refusal::Refusal::invalid(
                "busy",
                "the first device cannot take the message now",
            )
            .into()),
        };
        self.durability.after_flush(Box::new(move |_: &mut Actor| {
            let _ = reply.send(answer);
        }));
    }

    /// Keeps a text a linked device's person sent to `contact` as this device's own, and
    /// sends it (the friend acknowledges a copy it has as any duplicate).
    fn keep_handed_sent(&mut self, contact: &Contact, message: HandedMessage) -> Outcome {
        let id = MsgId(message.id.0);
        match self.store.has_message(&id) {
            Ok(true) => return Outcome::Stored,
            Ok(false) => {}
            Err(_) => return Outcome::Held,
        }
        let body = WireBody::decode(&message.body).unwrap_or(Body::Unsupported {
            kind: "malformed".into(),
        });
        match self.queue_message_as(contact, body, id) {
            Ok(_) => {
                self.dm.pump_soon.insert(contact.phone.clone());
                Outcome::Stored
            }
            Err(e) => {
                tracing::debug!(error = %e, "a handed text is not kept");
                Outcome::Rejected
            }
        }
    }
}
