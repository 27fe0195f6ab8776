//! The actor's glue for rich content (SPEC.md §6.9, `content`): composing replies,
//! forwards, cards, reactions, edits and deletes from the API's request, and applying
//! actions — ours as we send them, others' as they arrive — to their target, or keeping
//! them until it arrives. The rules themselves are in [`crate::content::annotate`].

use serde::{Deserialize, Serialize};

use super::actor::Actor;
use super::command::Reply;
use super::event::Event;
use super::messages::MessageView;
use super::refusal::Refusal;
use super::NodeError;
use crate::content::annotate::{self, ActionError, Applied};
use crate::content::body::BodyError;
pub use crate::content::compose::Compose;
use crate::model::{Body, ConvId, ConversationKind, Direction, MsgId, StoredMessage};
use crate::store::Batch;

/// Most actions kept waiting for a target that has not arrived; later ones are refused
/// (`content.too_many_pending`) until targets arrive.
pub const MAX_PENDING_ACTIONS: usize = 10_000;

/// The node's counts for rich content (in `status`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentStats {
    /// Actions applied to their target.
    pub applied: u64,
    /// Actions waiting for their target now.
    pub pending: u64,
}

/// An incoming edit, once applied, keeps no copy of the text (the target holds it, and a
/// later delete must leave none). True when it changed.
fn blank_applied_edit(action: &mut StoredMessage) -> bool {
    match &mut action.body {
        Body::Edit { text, .. } if action.direction == Direction::Incoming && !text.is_empty() => {
            text.clear();
            true
        }
        _ => false,
    }
}

/// The stable reason an action was refused (API error data, metrics label).
fn reason(error: ActionError) -> &'static str {
    match error {
        ActionError::NotTheAuthor => "not_the_author",
        ActionError::OtherConversation => "other_conversation",
        ActionError::NotEditable => "not_editable",
        ActionError::Deleted => "deleted",
        ActionError::TooManyReactions => "too_many_reactions",
        ActionError::TooManyWaiting => "too_many_waiting",
    }
}

impl From<ActionError> for NodeError {
    fn from(error: ActionError) -> Self {
        Refusal::invalid(reason(error), error.to_string()).into()
    }
}

impl From<BodyError> for NodeError {
    /// `too_long` (details `field`, `max`), `empty_message` (`field`), `unknown_template`
    /// (`template`), `not_an_emoji` (`text`), `not_sendable`.
    fn from(error: BodyError) -> Self {
        let reason = match error {
            BodyError::TooLong { .. } => "too_long",
            BodyError::Empty { .. } => "empty_message",
            BodyError::UnknownTemplate { .. } => "unknown_template",
            BodyError::NotAnEmoji { .. } => "not_an_emoji",
            BodyError::NotSendable => "not_sendable",
        };
        let refusal = Refusal::invalid(reason, error.to_string());
        match error {
            BodyError::TooLong { field, max, .. } => refusal.with("field", field).with("max", max.to_string()),
            BodyError::Empty { field } => refusal.with("field", field),
            BodyError::UnknownTemplate { name } => refusal.with("template", name),
            BodyError::NotAnEmoji { text } => refusal.with("text", text),
            BodyError::NotSendable => refusal,
        }
        .into()
    }
}

/// Where a composed body goes.
pub(crate) enum Destination {
    /// A contact (a forward or card to someone, perhaps with no conversation yet).
    Contact(Box<crate::model::Contact>),
    /// A group or meetup, by id (hex).
    Group(String),
    /// The conversation of the message an action or reply names.
    Conversation(ConvId),
}

/// A composed message: ready to post, or a sticker whose preview is drawn first, off the
/// actor (its pack is read from disk).
enum Composed {
    Ready(Destination, Body),
    Sticker(Destination, super::stickers::ChosenSticker),
}

impl Actor {
    /// `compose`: builds the body, finds its conversation, and sends it there like a
    /// text (durable before the answer, retried until acknowledged or published).
    pub(super) fn cmd_compose(&mut self, compose: Compose, reply: Reply<MessageView>) {
        match self.composed(compose) {
            Ok(Composed::Ready(destination, body)) => self.post(destination, body, reply),
            Ok(Composed::Sticker(destination, sticker)) => self.send_sticker(destination, sticker, reply),
            Err(e) => {
                let _ = reply.send(Err(e));
            }
        }
    }

    fn composed(&self, compose: Compose) -> Result<Composed, NodeError> {
        let here = |target: &StoredMessage| Destination::Conversation(target.conv);
        let (destination, body) = match compose {
            Compose::Reply { message, text } => {
                let target = self.target(&message)?;
                (here(&target), Body::Reply { to: target.id, text })
            }
            Compose::React { message, emoji } => {
                let target = self.target(&message)?;
                (here(&target), Body::React { to: target.id, emoji })
            }
            Compose::Edit { message, text } => {
                let target = self.own_target(&message)?;
                (here(&target), Body::Edit { to: target.id, text })
            }
            Compose::Delete { message } => {
                let target = self.own_target(&message)?;
                (here(&target), Body::Delete { to: target.id })
            }
            Compose::Forward { message, to } => {
                let source = self.target(&message)?;
                let body = match source.body {
                    Body::Text { text } | Body::Reply { text, .. } | Body::Forward { text } => Body::Forward { text },
                    card @ Body::Card { .. } => card,
                    file @ (Body::File { .. } | Body::Sticker { .. }) => file,
                    _ => {
                        return Err(Refusal::invalid("not_forwardable", "this message cannot be forwarded").into());
                    }
                };
                (self.destination(&to)?, body)
            }
            Compose::Card {
                to,
                template,
                title,
                text,
            } => (self.destination(&to)?, Body::Card { template, title, text }),
            Compose::Sticker { to, pack, index } => {
                return Ok(Composed::Sticker(
                    self.destination(&to)?,
                    self.sticker_of(&pack, index)?,
                ))
            }
            Compose::Note { paper, text } => {
                let (conv, body) = self.note_body(&paper, text)?;
                (Destination::Conversation(conv), body)
            }
        };
        Ok(Composed::Ready(destination, body))
    }

    /// The stored message `id` names (hex), in a conversation we can write to.
    fn target(&self, id: &str) -> Result<StoredMessage, NodeError> {
        let id = id.trim().parse::<MsgId>().map_err(NodeError::from)?;
        match self.store.message(&id)? {
            Some(message) if !message.body.is_action() => Ok(message),
            _ => Err(Refusal::not_found("no_such_message", format!("no message {id}"))
                .with("id", id.to_string())
                .into()),
        }
    }

    /// Like [`Actor::target`], for an edit or delete: the message must be ours.
    fn own_target(&self, id: &str) -> Result<StoredMessage, NodeError> {
        let target = self.target(id)?;
        if target.direction != Direction::Outgoing {
            return Err(ActionError::NotTheAuthor.into());
        }
        Ok(target)
    }

    /// Where a forward or card goes: a contact, or a group.
    pub(super) fn destination(&self, query: &str) -> Result<Destination, NodeError> {
        match self.resolve_contact(query) {
            Ok(contact) => Ok(Destination::Contact(Box::new(contact))),
            Err(contact_error) => match self.group_id_for(query) {
                Ok(group) => Ok(Destination::Group(hex::encode(group.as_bytes()))),
                Err(_) => Err(contact_error),
            },
        }
    }

    /// Sends `body` to `destination`: a friend, a group or a meetup.
    pub(super) fn post(&mut self, destination: Destination, body: Body, reply: Reply<MessageView>) {
        let conv = match destination {
            Destination::Contact(contact) => return self.post_direct(&contact, body, reply),
            Destination::Group(group) => return self.post_group(&group, body, reply),
            Destination::Conversation(conv) => conv,
        };
        let kind = match self.conversation_row(&conv) {
            Ok(row) => row.map(|r| r.kind),
            Err(e) => {
                let _ = reply.send(Err(e.into()));
                return;
            }
        };
        match kind {
            Some(ConversationKind::Direct { phone }) if ConvId::direct(&phone) == conv => {
                match self.resolve_contact(phone.as_str()) {
                    Ok(contact) => self.post_direct(&contact, body, reply),
                    Err(e) => {
                        let _ = reply.send(Err(e));
                    }
                }
            }
            Some(ConversationKind::Group { group_id } | ConversationKind::Meetup { group_id }) => {
                self.post_group(&hex::encode(group_id), body, reply);
            }
            _ => {
                let refusal = Refusal::invalid("not_writable", "accept the request before answering it");
                let _ = reply.send(Err(refusal.into()));
            }
        }
    }

    /// Prepares storing `message`: an action is applied to its target (written into
    /// `batch`) or kept waiting for it; a message is given the actions that waited for
    /// it. Returns the target an action changed, to show again. Refused actions write
    /// nothing.
    pub(super) fn absorb(
        &mut self,
        batch: &mut Batch,
        message: &mut StoredMessage,
    ) -> Result<Option<StoredMessage>, ActionError> {
        let Some(to) = message.body.action_target() else {
            self.apply_waiting(batch, message);
            return Ok(None);
        };
        let Ok(Some(old)) = self.store.message(&to) else {
            if self.content.pending as usize >= MAX_PENDING_ACTIONS {
                return Err(ActionError::TooManyWaiting);
            }
            batch.put_pending_action(&to, &message.id);
            self.content.pending += 1;
            return Ok(None);
        };
        let mut new = old.clone();
        let applied = annotate::apply(&mut new, message)?;
        blank_applied_edit(message);
        if applied == Applied::Stale {
            return Ok(None);
        }
        self.content.applied += 1;
        batch.rewrite_message(&new);
        Ok(Some(new))
    }

    /// The actions that waited for `message`, applied to it in clock order before it is
    /// stored; refused ones are counted and dropped.
    fn apply_waiting(&mut self, batch: &mut Batch, message: &mut StoredMessage) {
        if self.content.pending == 0 {
            return;
        }
        let waiting = match self.store.pending_actions(&message.id) {
            Ok(waiting) => waiting,
            Err(e) => {
                self.failed("store.pending_actions", &e);
                return;
            }
        };
        for mut action in waiting {
            batch.remove_pending_action(&message.id, &action.id);
            self.content.pending = self.content.pending.saturating_sub(1);
            match annotate::apply(message, &action) {
                Ok(applied) => {
                    if applied == Applied::Changed {
                        self.content.applied += 1;
                    }
                    if blank_applied_edit(&mut action) {
                        batch.put_message(&action);
                    }
                }
                Err(e) => self.reject(None, "content", reason(e)),
            }
        }
    }

    /// Shows a message an action changed, once the change is durable.
    pub(super) fn announce_change(&mut self, changed: StoredMessage, title: String) {
        let view = self.view_of(&changed).titled(&title);
        self.durability.after_flush(Box::new(move |actor: &mut Actor| {
            actor.emit(Event::MessageChanged {
                message: Box::new(view),
            });
        }));
    }

    /// A refused incoming action, counted and reported.
    pub(super) fn refuse_action(&mut self, peer: Option<libp2p::PeerId>, error: ActionError) {
        self.reject(peer, "content", reason(error));
    }
}
