//! What embedders and the control API see of conversations and messages, and the
//! actor's handlers for `send`, `history`, `read` and `typing`.

use serde::{Deserialize, Serialize};

use super::actor::Actor;
use super::command::Reply;
use super::NodeError;
use crate::dm::wire::{DmPayload, ReceiptState};
use crate::model::{
    Body, Contact, ConvId, Conversation, ConversationKind, Direction, MessageState, MsgId, StoredMessage,
};
use crate::store::Store;
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
    /// The text (a card's body; "" when deleted; `[kind]` for a kind this version
    /// cannot show).
    pub text: String,
    /// `text`, `reply`, `forward`, `card`, `deleted`, `unsupported`, or — only in the
    /// answer to sending one — the actions `reaction`, `edit`, `delete` (SPEC.md §6.9).
    #[serde(default = "text_kind", skip_serializing_if = "is_text_kind")]
    pub kind: String,
    /// The message a reply answers, or an action applies to (hex id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    /// A card's template and title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<Box<CardView>>,
    /// Reactions, counted by emoji, most frequent first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reactions: Vec<ReactionView>,
    /// The author changed the text after sending it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub edited: bool,
    /// A rolling paper: its start (in the writers' group) or the delivered paper.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paper: Option<Box<PaperView>>,
    /// A photo or file: what it is (`files.list` says whether it is here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<Box<FileView>>,
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

fn text_kind() -> String {
    "text".into()
}

fn is_text_kind(kind: &str) -> bool {
    kind == "text"
}

/// A card as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardView {
    /// The template (`plain` for one this version does not draw).
    pub template: String,
    /// The title.
    pub title: String,
}

/// A rolling paper as shown (SPEC.md §6.10).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaperView {
    /// The paper's id (hex of its writers' group id; "" in a start).
    pub id: String,
    /// Its title.
    pub title: String,
    /// Who it is for (E.164).
    pub recipient: String,
    /// When it is delivered (ms since the epoch; 0 in a delivered paper).
    pub deliver_at_ms: u64,
    /// The notes of a delivered paper, oldest first.
    pub notes: Vec<NoteView>,
}

/// One note of a delivered paper.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteView {
    /// The author's number (E.164).
    pub author: String,
    /// The author's name, as the writers' group knew it.
    pub name: String,
    /// The note.
    pub text: String,
    /// The signing key is the one the recipient pinned for that number (else the note is
    /// genuine but its author is not the recipient's verified contact).
    pub verified: bool,
}

/// A file a message names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileView {
    /// Its id (the root, hex): what `files.save` takes.
    pub id: String,
    /// The file name the sender gave.
    pub name: String,
    /// Bytes.
    pub size: u64,
    /// Its media type.
    pub mime: String,
    /// A photo's preview: a small JPEG, base64 (absent for none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview: Option<String>,
}

/// A gift's card text and what its voucher is for: "text — item (value)".
fn gift_line(gift: &crate::model::GiftRef) -> String {
    let voucher =
        crate::wire::from_cbor::<crate::content::voucher::Gift>(&gift.voucher, crate::content::body::MAX_BODY);
    match voucher {
        Ok(v) => {
            let v = &v.voucher.voucher;
            let item = format!("{} ({})", v.item.as_str(), v.value.as_str());
            if gift.text.is_empty() {
                item
            } else {
                format!("{} — {item}", gift.text)
            }
        }
        Err(_) => gift.text.clone(),
    }
}

/// One emoji's reactions to a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReactionView {
    /// The emoji.
    pub emoji: String,
    /// How many people chose it.
    pub count: usize,
    /// Who (numbers, E.164; empty for meetup members).
    pub by: Vec<String>,
}

impl MessageView {
    /// The view of a stored message whose sender is called `sender_name`.
    pub fn new(message: &StoredMessage, sender_name: &str) -> Self {
        let (kind, reply_to, card) = match &message.body {
            Body::Text { .. } => ("text", None, None),
            Body::Reply { to, .. } => ("reply", Some(to.to_string()), None),
            Body::Forward { .. } => ("forward", None, None),
            Body::Card { template, title, .. } => (
                "card",
                None,
                Some(Box::new(CardView {
                    template: if crate::content::body::CARD_TEMPLATES.contains(&template.as_str()) {
                        template.clone()
                    } else {
                        "plain".into()
                    },
                    title: title.clone(),
                })),
            ),
            Body::File { .. } => ("file", None, None),
            Body::Sticker { .. } => ("sticker", None, None),
            Body::Gift { gift } => (
                "gift",
                None,
                Some(Box::new(CardView {
                    template: if crate::content::body::CARD_TEMPLATES.contains(&gift.template.as_str()) {
                        gift.template.clone()
                    } else {
                        "plain".into()
                    },
                    title: gift.title.clone(),
                })),
            ),
            Body::Deleted => ("deleted", None, None),
            Body::React { to, .. } => ("reaction", Some(to.to_string()), None),
            Body::Edit { to, .. } => ("edit", Some(to.to_string()), None),
            Body::Delete { to } => ("delete", Some(to.to_string()), None),
            Body::PaperStart { .. } => ("paper_start", None, None),
            Body::Note { .. } => ("note", None, None),
            Body::Paper { .. } => ("paper", None, None),
            Body::Unsupported { .. } => ("unsupported", None, None),
        };
        let paper = match &message.body {
            Body::PaperStart {
                recipient,
                title,
                deliver_at_ms,
            } => Some(Box::new(PaperView {
                id: String::new(),
                title: title.clone(),
                recipient: recipient.to_string(),
                deliver_at_ms: *deliver_at_ms,
                notes: Vec::new(),
            })),
            Body::Paper { paper, title, notes } => Some(Box::new(PaperView {
                id: hex::encode(paper),
                title: title.clone(),
                recipient: String::new(),
                deliver_at_ms: 0,
                notes: notes
                    .iter()
                    .map(|n| NoteView {
                        author: n.author.to_string(),
                        name: n.name.clone(),
                        text: n.text.clone(),
                        verified: n.verified,
                    })
                    .collect(),
            })),
            _ => None,
        };
        let file = match &message.body {
            Body::File { file }
            | Body::Sticker {
                sticker: crate::model::StickerRef { pack: file, .. },
            } => Some(Box::new(FileView {
                id: hex::encode(file.root),
                name: file.name.clone(),
                size: file.size,
                mime: file.mime.clone(),
                preview: (!file.preview.is_empty()).then(|| data_encoding::BASE64.encode(&file.preview)),
            })),
            _ => None,
        };
        let reactions = crate::content::annotate::tally(&message.annotations.reactions)
            .into_iter()
            .map(|(emoji, count)| ReactionView {
                by: message
                    .annotations
                    .reactions
                    .iter()
                    .filter(|r| r.emoji == emoji && !r.by.is_pseudonym())
                    .map(|r| r.by.to_string())
                    .collect(),
                emoji,
                count,
            })
            .collect();
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
                Body::Card { text, .. } | Body::Edit { text, .. } => text.clone(),
                Body::React { emoji, .. } => emoji.clone(),
                Body::File { file } => file.name.clone(),
                Body::Sticker { sticker } => sticker.name.clone(),
                Body::Gift { gift } => gift_line(gift),
                Body::Deleted | Body::Delete { .. } => String::new(),
                other => other.text().map_or_else(|| other.preview(), str::to_owned),
            },
            kind: kind.into(),
            reply_to,
            card,
            reactions,
            edited: message.annotations.edit.is_some(),
            paper,
            file,
            state: message.state,
            hlc: message.hlc,
            sent_ms: message.sent_ms,
            muted: false,
        }
    }

    /// The message as one line of text for people: the text with what kind of message it
    /// is, `(edited)`, and its reactions (not yet made safe for a terminal).
    pub fn shown_text(&self) -> String {
        let mut line = match self.kind.as_str() {
            "reply" => format!("↪ {}", self.text),
            "forward" => format!("{} {}", crate::tr!("msg-forwarded"), self.text),
            "sticker" => format!("{} {}", crate::tr!("msg-sticker"), self.text),
            "file" => format!(
                "{} {} ({})",
                crate::tr!("msg-file"),
                self.text,
                crate::text::human_bytes(self.file.as_ref().map_or(0, |f| f.size))
            ),
            "card" => {
                let card = self.card.as_ref();
                let title = card.map_or("", |c| c.title.as_str());
                let template = card.map_or("plain", |c| c.template.as_str());
                let mut framed = format!("{} {title}", crate::tr!("msg-card", template = template));
                if !self.text.is_empty() {
                    framed = format!("{framed} — {}", self.text);
                }
                framed
            }
            "gift" => {
                let title = self.card.as_ref().map_or("", |c| c.title.as_str());
                format!("{} {title} — {}", crate::tr!("msg-gift"), self.text)
            }
            "deleted" => crate::tr!("msg-deleted"),
            "note" => format!("✍ {}", self.text),
            "paper_start" | "paper" => {
                let Some(paper) = &self.paper else {
                    return self.text.clone();
                };
                if self.kind == "paper_start" {
                    format!(
                        "{} {}",
                        crate::tr!("msg-paper-start", recipient = paper.recipient.clone()),
                        paper.title
                    )
                } else {
                    let notes: Vec<String> = paper
                        .notes
                        .iter()
                        .map(|n| {
                            let who = if n.name.is_empty() { &n.author } else { &n.name };
                            let mark = if n.verified { " ✓" } else { "" };
                            format!("{who}{mark}: {}", n.text)
                        })
                        .collect();
                    format!("{} {} — {}", crate::tr!("msg-paper"), paper.title, notes.join(" · "))
                }
            }
            _ => self.text.clone(),
        };
        if self.edited {
            line = format!("{line} {}", crate::tr!("msg-edited"));
        }
        if !self.reactions.is_empty() {
            let counts: Vec<String> = self
                .reactions
                .iter()
                .map(|r| format!("{} {}", r.emoji, r.count))
                .collect();
            line = format!("{line}  [{}]", counts.join(" "));
        }
        line
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

/// The last `limit` messages with `contact`, before message `before` (hex id), oldest
/// first. Reads the store directly, so it works with no node running.
pub fn history(
    store: &Store,
    contact: &Contact,
    limit: usize,
    before: Option<&str>,
) -> Result<Vec<MessageView>, NodeError> {
    let before = before
        .map(|b| b.parse::<MsgId>().map_err(NodeError::from))
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
        match self.resolve_contact(query).map_err(|e| self.maybe_a_group(query, e)) {
            Ok(contact) => self.post_direct(&contact, Body::Text { text }, reply),
            Err(e) => {
                let _ = reply.send(Err(e));
            }
        }
    }

    /// Queues `body` for `contact` and answers once it is durable.
    pub(super) fn post_direct(&mut self, contact: &Contact, body: Body, reply: Reply<MessageView>) {
        let queued = self.queue_message(contact, body);
        self.answer_queued(queued, contact, reply);
    }

    /// Answers a 1:1 message's caller once the message `queued` for `contact` is durable
    /// (and sends it); returns its id when queued.
    pub(super) fn answer_queued(
        &mut self,
        queued: Result<StoredMessage, NodeError>,
        contact: &Contact,
        reply: Reply<MessageView>,
    ) -> Option<MsgId> {
        match queued {
            Ok(message) => {
                let view = MessageView::new(&message, "").titled(&contact.name);
                // The answer waits for the flush that makes the message durable; the
                // transmission does not: it starts at the end of this loop turn (with
                // everything else queued in the turn, in one request) and overlaps the
                // flush. Crash-safe either way: the recipient only acknowledges what it
                // stored durably, and an unflushed message was never reported as queued.
                self.durability.after_flush(Box::new(move |_: &mut Actor| {
                    let _ = reply.send(Ok(view));
                }));
                self.dm.pump_soon.insert(contact.phone.clone());
                Some(message.id)
            }
            Err(e) => {
                let _ = reply.send(Err(e));
                None
            }
        }
    }

    /// A message of ours (`sender`: the account's number) about to be stored in `conv`: it
    /// takes the conversation's next clock and, unless it is an action, becomes its
    /// preview.
    pub(super) fn new_outgoing(
        &self,
        conv: &mut Conversation,
        id: MsgId,
        body: Body,
        now: u64,
        sender: crate::phone::PhoneNumber,
    ) -> StoredMessage {
        let hlc = crate::model::Hlc(conv.last_hlc).tick(now);
        conv.last_hlc = hlc.0;
        if !body.is_action() {
            conv.preview = body.preview();
        }
        StoredMessage {
            id,
            conv: conv.id,
            hlc: hlc.0,
            direction: Direction::Outgoing,
            sender,
            body,
            state: MessageState::Queued,
            sent_ms: now,
            stored_ms: now,
            annotations: Default::default(),
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
        self.send_read_receipts(&contact, &ids);
        Ok(ids.len())
    }

    /// Tells `contact` that these of its messages were read (if receipts are enabled and
    /// the friend is pinned).
    pub(super) fn send_read_receipts(&mut self, contact: &Contact, ids: &[MsgId]) {
        if !self.config.settings.messaging.receipts || contact.pinned.is_none() {
            return;
        }
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
        self.note_state_changes(ids.iter().copied());
        // Linked devices hear of it once the row is written too (at the turn's end).
        if self.linked_devices_listen() {
            let read = ids.clone();
            self.durability.after_flush(Box::new(move |actor: &mut Actor| {
                actor.note_devices(|| super::link::DeviceNote::Read(read));
            }));
        }
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
