//! What embedders and the control API see of conversations and messages, and the
//! actor's handlers for `send`, `history`, `read` and `typing`.

use serde::{Deserialize, Serialize};

use super::actor::Actor;
use super::command::Reply;
use super::refusal::Refusal;
use super::NodeError;
use crate::dm::wire::{DmPayload, ReceiptState};
use crate::model::{
    Body, Contact, ConvId, Conversation, ConversationKind, Direction, MessageState, MsgId, StoredMessage,
};
use crate::store::{OutboxTarget, Store};
use crate::wire::{Fixed, List};

/// Most messages one `history` call returns.
pub const MAX_HISTORY_LIMIT: usize = 1_000;

/// One message as shown to users and apps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    /// Message id (hex of a UUIDv7).
    pub id: String,
    /// Conversation id (hex).
    pub conv: String,
    /// `outgoing` or `incoming`.
    pub direction: Direction,
    /// The sender's number (E.164); empty for a meetup member who shared none.
    pub sender: String,
    /// The sender's name as the owner knows it ("" for the owner and unknown senders).
    pub sender_name: String,
    /// The conversation's name: the friend's (1:1) or the group's ("" when unknown).
    #[serde(default)]
    pub title: String,
    /// The text (or `[kind]` for a kind this version cannot show).
    pub text: String,
    /// `queued`, `sent`, `delivered`, `read`, `received` or `request`.
    pub state: MessageState,
    /// Ordering key within the conversation (hybrid logical clock).
    pub hlc: u64,
    /// When the sender wrote it (ms since the epoch).
    pub sent_ms: u64,
    /// The conversation is muted: show it, without a notification.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub muted: bool,
}

impl MessageView {
    /// The view of a stored message whose sender is called `sender_name`.
    pub fn new(message: &StoredMessage, sender_name: &str) -> Self {
        Self {
            id: message.id.to_string(),
            conv: message.conv.to_string(),
            direction: message.direction,
            // A meetup member's pseudonym is no number (SPEC.md §7.5).
            sender: if message.sender.is_pseudonym() {
                String::new()
            } else {
                message.sender.to_string()
            },
            sender_name: sender_name.to_owned(),
            title: String::new(),
            text: match &message.body {
                Body::Text { text } => text.clone(),
                other => other.preview(),
            },
            state: message.state,
            hlc: message.hlc,
            sent_ms: message.sent_ms,
            muted: false,
        }
    }

    /// The view with the conversation's name set.
    pub fn titled(mut self, title: &str) -> Self {
        title.clone_into(&mut self.title);
        self
    }
}

/// One conversation in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationView {
    /// Conversation id (hex).
    pub id: String,
    /// `direct`, `group`, `meetup`, or `request` (a stranger's messages, held apart).
    pub kind: String,
    /// The friend's number, for direct conversations.
    pub phone: Option<String>,
    /// Title.
    pub title: String,
    /// Unread incoming messages.
    pub unread: u32,
    /// The newest message, shortened.
    pub preview: String,
    /// Muted: new messages come without notification.
    #[serde(default)]
    pub muted: bool,
    /// When the newest message was written, by its clock (ms since the epoch; 0: none).
    #[serde(default)]
    pub last_ms: u64,
}

impl ConversationView {
    /// A conversation whose row is missing (its messages outlived it).
    pub fn unknown(id: ConvId) -> Self {
        Self {
            id: id.to_string(),
            kind: "direct".into(),
            phone: None,
            title: String::new(),
            unread: 0,
            preview: String::new(),
            muted: false,
            last_ms: 0,
        }
    }
}

impl From<&Conversation> for ConversationView {
    fn from(c: &Conversation) -> Self {
        let (kind, phone) = match &c.kind {
            // Requests are filed under the claimed number but in a conversation of their own.
            ConversationKind::Direct { phone } if ConvId::direct(phone) != c.id => ("request", Some(phone.to_string())),
            ConversationKind::Direct { phone } => ("direct", Some(phone.to_string())),
            ConversationKind::Group { .. } => ("group", None),
            ConversationKind::Meetup { .. } => ("meetup", None),
        };
        Self {
            id: c.id.to_string(),
            kind: kind.to_owned(),
            phone,
            title: c.title.clone(),
            unread: c.unread,
            preview: c.preview.clone(),
            muted: false,
            last_ms: crate::model::Hlc(c.last_hlc).millis(),
        }
    }
}

/// Refuses a text that shows nothing: empty, or only white space and invisible
/// characters.
pub(super) fn check_text(text: &str) -> Result<(), NodeError> {
    let blank = |c: char| c.is_whitespace() || matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}');
    if text.chars().all(blank) {
        return Err(Refusal::invalid("empty_message", "the message is empty: write something to send").into());
    }
    Ok(())
}

/// The last `limit` messages with `contact`, before message `before` (hex id), oldest
/// first. Reads the store directly, so it works with no node running.
pub fn history(
    store: &Store,
    contact: &Contact,
    limit: usize,
    before: Option<&str>,
) -> Result<Vec<MessageView>, NodeError> {
    let before = before
        .map(|b| b.parse::<MsgId>().map_err(|e| NodeError::Invalid(e.to_string())))
        .transpose()?;
    let conv = ConvId::direct(&contact.phone);
    let messages = store.last_messages(&conv, limit.clamp(1, MAX_HISTORY_LIMIT), before.as_ref())?;
    Ok(messages
        .iter()
        .map(|m| {
            let name = match m.direction {
                Direction::Incoming => contact.name.as_str(),
                Direction::Outgoing => "",
            };
            MessageView::new(m, name).titled(&contact.name)
        })
        .collect())
}

/// Every conversation, newest activity first (muted ones marked).
pub fn conversations(store: &Store) -> Result<Vec<ConversationView>, NodeError> {
    let mut views = Vec::new();
    for row in store.conversations()? {
        let mut view = ConversationView::from(&row);
        if let ConversationKind::Direct { phone } = &row.kind {
            view.muted = view.kind == "direct" && store.contact(phone)?.is_some_and(|c| c.muted);
        }
        views.push(view);
    }
    Ok(views)
}

impl Actor {
    /// `send`: queue, make durable, answer.
    pub(super) fn cmd_send(&mut self, query: &str, text: String, reply: Reply<MessageView>) {
        let result = check_text(&text)
            .and_then(|()| self.resolve_contact(query).map_err(|e| self.maybe_a_group(query, e)))
            .and_then(|contact| {
                let message = self.queue_message(&contact, Body::Text { text })?;
                Ok((message, contact.name))
            });
        match result {
            Ok((message, title)) => {
                let view = MessageView::new(&message, "").titled(&title);
                let OutboxTarget::Direct { phone } = self.dm.outbox[&message.id].target.clone() else {
                    unreachable!("1:1 messages go to one friend")
                };
                // The answer waits for the flush that makes the message durable; the
                // transmission does not: it starts at the end of this loop turn (with
                // everything else queued in the turn, in one request) and overlaps the
                // flush. Crash-safe either way: the recipient only acknowledges what it
                // stored durably, and an unflushed message was never reported as queued.
                self.durability.after_flush(Box::new(move |_: &mut Actor| {
                    let _ = reply.send(Ok(view));
                }));
                self.dm.pump_soon.insert(phone);
            }
            Err(e) => {
                let _ = reply.send(Err(e));
            }
        }
    }

    pub(super) fn cmd_history(
        &mut self,
        query: &str,
        limit: usize,
        before: Option<String>,
    ) -> Result<Vec<MessageView>, NodeError> {
        let contact = self.resolve_contact(query)?;
        history(&self.store, &contact, limit, before.as_deref())
    }

    /// `read`: marks the conversation's received messages read and sends read receipts
    /// (if enabled and the friend is pinned). Returns how many were marked.
    pub(super) fn cmd_read(&mut self, query: &str) -> Result<usize, NodeError> {
        let contact = self.resolve_contact(query).map_err(|e| self.maybe_a_group(query, e))?;
        let ids = self.mark_conversation_read(&ConvId::direct(&contact.phone))?;
        let pinned = contact.pinned.is_some();
        if self.config.settings.messaging.receipts && pinned {
            for chunk in ids.chunks(crate::dm::wire::MAX_RECEIPT_IDS) {
                let list = chunk.iter().map(|id| Fixed(id.0)).collect::<Vec<_>>();
                self.queue_ephemeral(
                    &contact.phone,
                    DmPayload::Receipt {
                        ids: List::new(list).expect("chunked to the limit"),
                        state: ReceiptState::Read,
                    },
                );
            }
        }
        Ok(ids.len())
    }

    /// Marks the received messages of a conversation (the newest [`MAX_HISTORY_LIMIT`])
    /// seen and its unread count zero; returns the ids marked.
    pub(super) fn mark_conversation_read(&mut self, conv_id: &ConvId) -> Result<Vec<MsgId>, NodeError> {
        let Some(mut conv) = self.conversation_row(conv_id)? else {
            return Ok(Vec::new());
        };
        let mut batch = self.store.batch();
        let mut ids = Vec::new();
        for message in self.store.last_messages(conv_id, MAX_HISTORY_LIMIT, None)? {
            if message.state == MessageState::Received {
                let mut read = message.clone();
                read.state = MessageState::Seen;
                batch.put_message_state(&read);
                ids.push(message.id);
            }
        }
        conv.unread = 0;
        self.store.apply(batch)?;
        self.update_conversation(conv);
        Ok(ids)
    }

    /// `typing`: tells a pinned friend we are (not) typing; false when not sent (turned
    /// off, not a friend yet, or rate-limited).
    pub(super) fn cmd_typing(&mut self, query: &str, active: bool) -> Result<bool, NodeError> {
        let contact = self.resolve_contact(query)?;
        if contact.pinned.is_none() {
            return Ok(false);
        }
        Ok(self.send_typing(&contact.phone, active))
    }
}
