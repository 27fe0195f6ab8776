//! Friends' 1:1 messages that reach a linked device directly — their node could not
//! reach the account's first device (`protocol/devices.md` §7) — and how the linked device
//! hands them to the first device. The linked device stores each and notes it in `meta`
//! before the friend's acknowledgement; it hands the noted ones over
//! `/chingu/device-sync/1` whenever its stream to the first device is up, a few at a
//! time, and forgets each once the first device has it on disk. The first device takes
//! one as if the friend had sent it there (its linked devices then hear of it as of any).

use std::collections::HashMap;

use super::sync::Forward;
use crate::account::sync::HandedMessage;
use crate::content::body::WireBody;
use crate::dm::wire::{DmPayload, Outcome};
use crate::model::{now_ms, MsgId};
use crate::node::actor::Actor;
use crate::node::command::Reply;
use crate::node::NodeError;
use crate::wire::{Fixed, Text};

/// The store's meta entries naming the friends' messages a linked device has not yet
/// handed to its first device: `account.handed/<message id in hex>`.
pub const HANDED_PREFIX: &str = "account.handed/";
/// Most such messages a linked device keeps at once: beyond, a friend's message is left
/// unacknowledged (`dm.handing_full`) and the friend tries again later.
pub const MAX_HANDED: usize = 4_096;
/// Most handed messages waiting for the first device's answer at once.
const HANDING_WINDOW: usize = 16;

/// The friends' messages a linked device still has to hand over.
#[derive(Default)]
pub(crate) struct Handing {
    /// Message id → whether it is on its way (waiting for the first device's answer).
    waiting: HashMap<MsgId, bool>,
    /// A hand-over is due after the next flush.
    due: bool,
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
        Ok(Self { waiting, due: false })
    }
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
                let handing = &mut self.links.handing;
                if handing.waiting.contains_key(&id) || matches!(self.store.has_message(&id), Ok(true)) {
                    // A duplicate: acknowledged as any.
                    return None;
                }
                if handing.waiting.len() >= MAX_HANDED {
                    self.reject(None, "dm", "handing_full");
                    return Some(Outcome::Held);
                }
                handing.waiting.insert(id, false);
                // Noted before the message is stored, both before the acknowledgement's
                // flush: a note whose message never got stored is dropped when handed.
                if let Err(e) = self.store.set_meta_value(&handed_name(&id), &()) {
                    self.failed("store.note_handed", &e);
                }
                self.durability.wrote();
                if !std::mem::replace(&mut self.links.handing.due, true) {
                    self.durability
                        .after_flush(Box::new(|actor: &mut Actor| actor.hand_to_first()));
                }
                None
            }
            DmPayload::Typing { .. } => None,
            _ => Some(Outcome::Held),
        }
    }

    /// Hands noted messages to the first device, keeping at most [`HANDING_WINDOW`] on
    /// their way (called when the stream to it starts and as answers come).
    pub(super) fn hand_to_first(&mut self) {
        self.links.handing.due = false;
        if self.links.forwards.is_none() {
            return;
        }
        let on_way = self.links.handing.waiting.values().filter(|on| **on).count();
        let next: Vec<MsgId> = self
            .links
            .handing
            .waiting
            .iter()
            .filter(|(_, on)| !**on)
            .map(|(id, _)| *id)
            .take(HANDING_WINDOW.saturating_sub(on_way))
            .collect();
        for id in next {
            let handed = self.store.message(&id).ok().flatten().and_then(|message| {
                let from = Text::new(message.sender.as_str()).ok()?;
                let body = WireBody::from_body(&message.body).ok()?.encode();
                let message = HandedMessage {
                    id: Fixed(id.0),
                    hlc: message.hlc,
                    sent_ms: message.sent_ms,
                    body,
                };
                Some((from, message))
            });
            let Some((from, message)) = handed else {
                // Never stored (or gone since): nothing to hand.
                self.handed(&id);
                continue;
            };
            self.links.handing.waiting.insert(id, true);
            self.forward(Forward::Hand {
                from,
                message,
                then: Box::new(move |actor: &mut Actor, answer| actor.hand_answered(id, answer)),
            });
        }
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
                tracing::debug!(error = %e, "a friend's message is not handed yet");
                if let Some(on_way) = self.links.handing.waiting.get_mut(&id) {
                    *on_way = false;
                }
            }
        }
    }

    fn handed(&mut self, id: &MsgId) {
        self.links.handing.waiting.remove(id);
        if let Err(e) = self.store.remove_meta_value(&handed_name(id)) {
            self.failed("store.forget_handed", &e);
        }
        self.durability.wrote_lazily();
    }

    /// On the first device: a linked device hands over a message `from` (a friend's
    /// number) left with it. Taken as if the friend had sent it here; the answer (1:
    /// stored, 0: not taken — the friend is unknown, blocked or in conflict here) goes
    /// once it is on disk. A message refused only for now (too many waiting) is refused,
    /// and handed again later.
    pub(super) fn take_handed(&mut self, from: String, message: HandedMessage, reply: Reply<u64>) {
        let friend = from
            .parse()
            .ok()
            .and_then(|phone| self.store.contact(&phone).ok().flatten())
            .filter(|contact| !contact.blocked)
            .and_then(|contact| contact.pinned.map(|pinned| pinned.identity_pk))
            .filter(|identity| self.friend_of(identity).is_some());
        let outcome = match friend {
            Some(identity) => {
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
}
