//! The nouns of chingu shared by the store, the node and the API: contacts,
//! conversations, messages and their states. One name per concept everywhere.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::phone::PhoneNumber;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

/// Defines a 16-byte id type shown as lowercase hex.
macro_rules! id16 {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub struct $name(pub [u8; 16]);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&hex::encode(self.0))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), hex::encode(self.0))
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;
            fn from_str(s: &str) -> Result<Self, InvalidId> {
                let bytes = hex::decode(s).map_err(|_| InvalidId(s.to_owned()))?;
                bytes.try_into().map(Self).map_err(|_| InvalidId(s.to_owned()))
            }
        }
    };
}

/// A string that is not a 32-hex-digit id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} is not an id (32 hex digits)", crate::text::quote(.0))]
pub struct InvalidId(pub String);

id16!(
    /// A message id: a UUIDv7, unique and roughly time-ordered.
    MsgId
);
id16!(
    /// A conversation id (local to this node).
    ConvId
);

impl MsgId {
    /// A fresh UUIDv7.
    pub fn generate() -> Self {
        Self(*uuid::Uuid::now_v7().as_bytes())
    }
}

impl ConvId {
    /// The conversation holding message requests from the (non-contact) identity
    /// `identity_pk`: kept apart from any contact's conversation, whatever number the
    /// stranger claims.
    pub fn request(identity_pk: &[u8; 32]) -> Self {
        use sha2::Digest;
        let digest = sha2::Sha256::digest([b"chingu/conv/request/".as_slice(), identity_pk].concat());
        let mut id = [0u8; 16];
        id.copy_from_slice(&digest[..16]);
        Self(id)
    }

    /// The conversation with the owner of `phone`.
    pub fn direct(phone: &PhoneNumber) -> Self {
        use sha2::Digest;
        let digest = sha2::Sha256::digest([b"chingu/conv/direct/".as_slice(), phone.as_str().as_bytes()].concat());
        let mut id = [0u8; 16];
        id.copy_from_slice(&digest[..16]);
        Self(id)
    }

    /// The conversation of a group (its group id).
    pub fn group(group_id: [u8; 16]) -> Self {
        Self(group_id)
    }
}

/// Where a contact stands in discovery and verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactState {
    /// Added; not looked up yet (or lookup in progress).
    Pending,
    /// A rendezvous record was found and its key pinned (trust on first use, unverified).
    Found,
    /// The pinned key was verified (safety number confirmed or invite code).
    Verified,
    /// More than one identity claims this number, or the pinned key changed: blocked
    /// until the owner verifies.
    Conflict,
    /// Looked up; no record (the contact does not use chingu or hides).
    NotFound,
}

impl ContactState {
    /// The stable lowercase name used in the CLI and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            ContactState::Pending => "pending",
            ContactState::Found => "found",
            ContactState::Verified => "verified",
            ContactState::Conflict => "conflict",
            ContactState::NotFound => "not_found",
        }
    }
}

/// How a contact got into the address book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactSource {
    /// `contacts add`.
    Manual,
    /// `contacts import`.
    Import,
    /// An invite code.
    Invite,
    /// Someone not in the address book wrote to us and we accepted.
    Request,
    /// A fellow member of a group or meetup.
    Group,
}

/// A mailbox a friend listed: where to leave messages while they are offline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailboxInfo {
    /// The mailbox node's peer id.
    pub peer_id: String,
    /// Its addresses.
    pub addrs: Vec<String>,
    /// The friend's tag at that mailbox.
    pub tag: [u8; 32],
}

/// The latest rendezvous record of one identity: how to reach it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FriendRecord {
    /// Direct addresses, best first.
    pub addrs: Vec<String>,
    /// The current signed prekey (for offline messages).
    pub prekey: Option<crate::session::SignedPrekey>,
    /// Mailboxes.
    pub mailboxes: Vec<MailboxInfo>,
    /// The record's sequence number.
    pub seq: u64,
    /// When it was fetched (ms).
    pub fetched_ms: u64,
    /// The account's other devices, from the device list the record carries (SPEC.md
    /// §5.3): known, not yet sent to.
    #[serde(default)]
    pub devices: Vec<FriendDevice>,
}

/// A device of a friend's account other than the one that holds the account key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FriendDevice {
    /// Its name.
    pub name: String,
    /// Its libp2p peer id.
    pub peer_id: String,
    /// Its Noise static key.
    pub noise_pk: [u8; 32],
    /// Where it listens, best first.
    pub addrs: Vec<String>,
}

/// Everything learned about one identity claiming a contact's number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerKeys {
    /// ed25519 identity key.
    pub identity_pk: [u8; 32],
    /// X25519 Noise static key (all zero until known, e.g. right after an invite).
    pub noise_pk: [u8; 32],
    /// libp2p peer id (derived from `identity_pk`).
    pub peer_id: String,
    /// Their profile name.
    pub name: String,
    /// When this identity was first seen.
    pub first_seen_ms: u64,
    /// How to reach it.
    #[serde(default)]
    pub record: FriendRecord,
}

/// An entry of the address book, keyed by E.164 number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// The number.
    pub phone: PhoneNumber,
    /// The name the owner gave.
    pub name: String,
    /// Discovery and verification state.
    pub state: ContactState,
    /// The pinned identity (trust on first use, or from an invite).
    pub pinned: Option<PeerKeys>,
    /// Other identities seen for this number (never used without verification).
    #[serde(default)]
    pub candidates: Vec<PeerKeys>,
    /// How the contact was added.
    pub source: ContactSource,
    /// When it was added.
    pub added_ms: u64,
    /// When it was last looked up.
    #[serde(default)]
    pub looked_up_ms: u64,
    /// When the next lookup is due (ms; 0 = now).
    #[serde(default)]
    pub next_lookup_ms: u64,
    /// Lookups in a row that found nothing (for back-off).
    #[serde(default)]
    pub misses: u32,
    /// For a contact added with an invite code: its secret, to prove to the inviter that
    /// we hold the code.
    #[serde(default)]
    pub invite_secret: Option<[u8; 16]>,
    /// Numbers sharing a person id are one person (one entry of the address book with
    /// several numbers); `None`: a person with this one number.
    #[serde(default)]
    pub person: Option<u64>,
    /// Blocked: no messages or receipts either way, our records withdrawn from them.
    #[serde(default)]
    pub blocked: bool,
    /// Muted: their messages arrive, marked muted, without notifications.
    #[serde(default)]
    pub muted: bool,
    /// The profile the friend shared with us over the E2E channel.
    #[serde(default)]
    pub profile: Option<FriendProfile>,
    /// An identity other than the pinned one that claimed this number in a handshake
    /// (a reinstall, or an impostor): checked by a lookup, then shown as a key change.
    #[serde(default)]
    pub claimant: Option<[u8; 32]>,
}

/// What a friend tells us about themselves (`profile` / `hello` payloads).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FriendProfile {
    /// Their display name.
    pub name: String,
    /// Their status message.
    pub status: String,
    /// When they changed it (their clock, ms).
    pub updated_ms: u64,
}

impl Contact {
    /// A fresh, not yet looked up contact.
    pub fn new(phone: PhoneNumber, name: impl Into<String>, source: ContactSource) -> Self {
        Self {
            phone,
            name: name.into(),
            state: ContactState::Pending,
            pinned: None,
            candidates: Vec::new(),
            source,
            added_ms: now_ms(),
            looked_up_ms: 0,
            next_lookup_ms: 0,
            misses: 0,
            invite_secret: None,
            person: None,
            blocked: false,
            muted: false,
            profile: None,
            claimant: None,
        }
    }

    /// The name to show: the owner's name for the contact, else the name the friend
    /// gave themselves, else the number.
    pub fn display_name(&self) -> String {
        if !self.name.is_empty() {
            return self.name.clone();
        }
        let own = self
            .profile
            .as_ref()
            .map(|p| p.name.as_str())
            .or(self.pinned.as_ref().map(|p| p.name.as_str()))
            .unwrap_or_default();
        if own.is_empty() {
            self.phone.to_string()
        } else {
            own.to_owned()
        }
    }
}

/// What a conversation is with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationKind {
    /// One friend.
    Direct {
        /// Their number.
        phone: PhoneNumber,
    },
    /// A group chat.
    Group {
        /// The group id.
        group_id: [u8; 16],
    },
    /// A flash meetup.
    Meetup {
        /// The meetup's group id.
        group_id: [u8; 16],
    },
}

/// A conversation's summary row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversation {
    /// Its id.
    pub id: ConvId,
    /// With whom.
    pub kind: ConversationKind,
    /// Title shown in lists.
    pub title: String,
    /// Hybrid logical clock of the newest message.
    pub last_hlc: u64,
    /// Unread incoming messages.
    pub unread: u32,
    /// A short preview of the newest message.
    pub preview: String,
}

impl Conversation {
    /// An empty conversation with the owner of `phone`, titled `title`.
    pub fn direct(id: ConvId, phone: &PhoneNumber, title: &str) -> Self {
        Self {
            id,
            kind: ConversationKind::Direct { phone: phone.clone() },
            title: title.to_owned(),
            last_hlc: 0,
            unread: 0,
            preview: String::new(),
        }
    }

    /// An empty conversation of the group or meetup `group_id`, titled `title`.
    pub fn group(group_id: [u8; 16], meetup: bool, title: &str) -> Self {
        Self {
            id: ConvId::group(group_id),
            kind: match meetup {
                true => ConversationKind::Meetup { group_id },
                false => ConversationKind::Group { group_id },
            },
            title: title.to_owned(),
            last_hlc: 0,
            unread: 0,
            preview: String::new(),
        }
    }
}

/// Who sent a message, seen from this node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Sent by this node's owner.
    Outgoing,
    /// Received.
    Incoming,
}

/// A message's lifecycle (SPEC.md §6.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageState {
    /// On disk in the outbox; not yet handed to the network.
    Queued,
    /// Handed over (to the recipient's node or a mailbox), not yet acknowledged.
    Sent,
    /// The recipient's node stored it and acknowledged.
    Delivered,
    /// The recipient read it.
    Read,
    /// An incoming message, not read yet.
    Received,
    /// An incoming message from someone not in the address book, held as a request.
    Request,
    /// An incoming message the owner has read.
    Seen,
}

impl MessageState {
    /// The stable lowercase name used in the CLI and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageState::Queued => "queued",
            MessageState::Sent => "sent",
            MessageState::Delivered => "delivered",
            MessageState::Read => "read",
            MessageState::Received => "received",
            MessageState::Request => "request",
            MessageState::Seen => "seen",
        }
    }
}

/// A message body: an extensible tagged union (SPEC.md §6.9). Texts, replies, forwards
/// and cards are shown as messages; reactions, edits and deletes are *actions* on an
/// earlier message of the same conversation: stored (so they are deduplicated and
/// retried like any message) but never listed, their effect kept in the target's
/// [`Annotations`]. A kind this version does not know is kept as [`Body::Unsupported`]
/// rather than dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Body {
    /// Plain text.
    Text {
        /// The text.
        text: String,
    },
    /// A text answering an earlier message.
    Reply {
        /// The message answered.
        to: MsgId,
        /// The text.
        text: String,
    },
    /// A text passed on from another conversation.
    Forward {
        /// The forwarded text.
        text: String,
    },
    /// A mobile card: a template, a title and a body.
    Card {
        /// The template's name (`birthday`, `thanks`, `congrats`, `love`, `plain`; an
        /// unknown one is shown as `plain`).
        template: String,
        /// The title.
        title: String,
        /// The body.
        text: String,
    },
    /// Action: the sender's reaction to a message ("" withdraws it).
    React {
        /// The message reacted to.
        to: MsgId,
        /// One emoji, or "" to withdraw.
        emoji: String,
    },
    /// Action: the author replaces the text of their message.
    Edit {
        /// The message edited.
        to: MsgId,
        /// Its new text.
        text: String,
    },
    /// Action: the author deletes their message everywhere.
    Delete {
        /// The message deleted.
        to: MsgId,
    },
    /// In a rolling paper's group, from its starter: what the paper is (SPEC.md §6.10).
    PaperStart {
        /// Who the paper is for.
        recipient: PhoneNumber,
        /// Its title.
        title: String,
        /// When it is delivered (ms since the epoch).
        deliver_at_ms: u64,
    },
    /// In a rolling paper's group: a writer's note, signed with their identity key.
    Note {
        /// The note.
        text: String,
        /// Ed25519 signature by the author's identity key (`content::paper`).
        sig: Vec<u8>,
    },
    /// A delivered rolling paper: every writer's note.
    Paper {
        /// The paper's id (its writers' group id).
        paper: [u8; 16],
        /// Its title.
        title: String,
        /// The notes, oldest first.
        notes: Vec<PaperNote>,
    },
    /// A photo or file (SPEC.md §6.11): what names it; the content travels apart.
    File {
        /// What names the file.
        file: FileRef,
    },
    /// A sticker (SPEC.md §6.12): which pack, which one, and its preview.
    Sticker {
        /// The sticker.
        sticker: StickerRef,
    },
    /// A gift: a card wrapping a voucher (SPEC.md §6.13).
    Gift {
        /// The gift.
        gift: GiftRef,
    },
    /// What is left of a deleted message (local; never sent).
    Deleted,
    /// A kind of message this version cannot show.
    Unsupported {
        /// The kind's name.
        kind: String,
    },
}

impl Body {
    /// A one-line preview.
    pub fn preview(&self) -> String {
        match self {
            Body::Text { text } | Body::Reply { text, .. } | Body::Forward { text } | Body::Note { text, .. } => {
                text.chars().take(80).collect()
            }
            Body::Card { title, .. } => format!("[card] {}", title.chars().take(72).collect::<String>()),
            Body::PaperStart { title, .. } | Body::Paper { title, .. } => {
                format!("[rolling paper] {}", title.chars().take(64).collect::<String>())
            }
            Body::File { file } => format!(
                "[file] {} ({})",
                file.name.chars().take(64).collect::<String>(),
                crate::text::human_bytes(file.size)
            ),
            Body::Sticker { sticker } => format!("[{}]", sticker.name.chars().take(32).collect::<String>()),
            Body::Gift { gift } => format!("[gift] {}", gift.title.chars().take(64).collect::<String>()),
            Body::Deleted => "[deleted]".into(),
            Body::React { .. } | Body::Edit { .. } | Body::Delete { .. } => String::new(),
            Body::Unsupported { kind } => format!("[{kind}]"),
        }
    }

    /// The text a person reads, searches and may forward (None for cards' frames,
    /// actions, deleted and unknown messages).
    pub fn text(&self) -> Option<&str> {
        match self {
            Body::Text { text } | Body::Reply { text, .. } | Body::Forward { text } | Body::Note { text, .. } => {
                Some(text)
            }
            _ => None,
        }
    }

    /// The message an action applies to, for reactions, edits and deletes.
    pub fn action_target(&self) -> Option<MsgId> {
        match self {
            Body::React { to, .. } | Body::Edit { to, .. } | Body::Delete { to } => Some(*to),
            _ => None,
        }
    }

    /// An action (reaction, edit, delete): stored, never listed.
    pub fn is_action(&self) -> bool {
        self.action_target().is_some()
    }
}

/// What a message says of a file (SPEC.md §6.11): enough to fetch it from any holder,
/// check it and read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRef {
    /// BLAKE3 of the ciphertext: the file's name on the network.
    pub root: [u8; 32],
    /// Bytes.
    pub size: u64,
    /// The file's ChaCha20 key.
    pub key: [u8; 32],
    /// The file name the sender gave (no directories; shown sanitised).
    pub name: String,
    /// Its media type (`image/jpeg`, `application/octet-stream`, …).
    pub mime: String,
    /// A photo's preview: a JPEG of at most 8 KiB (empty for none).
    #[serde(default, skip_serializing_if = "Vec::is_empty", with = "serde_bytes")]
    pub preview: Vec<u8>,
}

/// What a sticker message says (SPEC.md §6.12).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StickerRef {
    /// The pack's id: BLAKE3 of its bytes.
    pub pack_id: [u8; 32],
    /// Which sticker of the pack.
    pub index: u16,
    /// The sticker's name.
    pub name: String,
    /// The pack as a file (its name the pack's, its preview this sticker's): fetched from
    /// the sender by a receiver that lacks it.
    pub pack: FileRef,
}

/// What a gift message says (SPEC.md §6.13): a card and the voucher it wraps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GiftRef {
    /// The card's template.
    pub template: String,
    /// The card's title.
    pub title: String,
    /// The card's text.
    pub text: String,
    /// The voucher with its history: CBOR of `content::voucher::Gift`.
    #[serde(with = "serde_bytes")]
    pub voucher: Vec<u8>,
}

/// One note of a delivered rolling paper.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaperNote {
    /// The author's number.
    pub author: PhoneNumber,
    /// The author's name in the paper's group.
    pub name: String,
    /// The author's identity key (Ed25519).
    pub key: [u8; 32],
    /// The note.
    pub text: String,
    /// The author's signature (`content::paper::note_signed_bytes`).
    pub sig: Vec<u8>,
    /// Set by the recipient: the key is the one it pinned for that number.
    #[serde(default)]
    pub verified: bool,
}

/// When an action happened, for ordering actions of one kind on one message: its clock,
/// then its id (two actions in the same millisecond still have an order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Stamp {
    /// The action's clock.
    pub hlc: u64,
    /// The action's id.
    pub id: MsgId,
}

/// One person's reaction to a message; a withdrawn one is kept with no emoji, so an older
/// reaction arriving later cannot bring it back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reaction {
    /// Who reacted: their number (or meetup pseudonym).
    pub by: PhoneNumber,
    /// The emoji ("" once withdrawn).
    pub emoji: String,
    /// The action that set it (a later one from the same person wins).
    pub at: Stamp,
}

/// What actions did to a message: reactions and the edit shown (SPEC.md §6.9).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Annotations {
    /// Reactions, at most one per person (withdrawn ones included).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reactions: Vec<Reaction>,
    /// The edit whose text is shown (none: never edited).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edit: Option<Stamp>,
}

impl Annotations {
    /// No reactions (not even withdrawn ones) and no edit.
    pub fn is_empty(&self) -> bool {
        self.reactions.is_empty() && self.edit.is_none()
    }
}

/// A message as stored in a conversation's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredMessage {
    /// Unique id.
    pub id: MsgId,
    /// The conversation it belongs to.
    pub conv: ConvId,
    /// Hybrid logical clock: the ordering key within the conversation.
    pub hlc: u64,
    /// Sent or received.
    pub direction: Direction,
    /// The sender's number (own number for outgoing messages).
    pub sender: PhoneNumber,
    /// Content.
    pub body: Body,
    /// Lifecycle state.
    pub state: MessageState,
    /// Wall-clock time the sender wrote it (ms).
    pub sent_ms: u64,
    /// When this node stored it (ms).
    pub stored_ms: u64,
    /// Reactions and edits applied to it.
    #[serde(default)]
    pub annotations: Annotations,
}

/// A hybrid logical clock value: 48 bits of milliseconds and a 16-bit counter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Hlc(pub u64);

impl Hlc {
    const COUNTER_BITS: u32 = 16;

    /// The next timestamp for a local event, after `self` (the newest seen).
    pub fn tick(self, now_ms: u64) -> Hlc {
        let physical = now_ms << Self::COUNTER_BITS;
        Hlc(physical.max(self.0 + 1))
    }

    /// Merges a remote timestamp: the result is after both `self` and `remote`.
    pub fn observe(self, remote: Hlc, now_ms: u64) -> Hlc {
        Hlc(self.tick(now_ms).0.max(remote.0.saturating_add(1)))
    }

    /// `remote` bounded to at most `max_skew_ms` ahead of `now_ms`: a peer's clock (or a
    /// forged value) cannot push a conversation's clock arbitrarily far into the future.
    pub fn bounded(remote: Hlc, now_ms: u64, max_skew_ms: u64) -> Hlc {
        let limit = now_ms.saturating_add(max_skew_ms) << Self::COUNTER_BITS;
        Hlc(remote.0.min(limit))
    }

    /// The millisecond part.
    pub fn millis(self) -> u64 {
        self.0 >> Self::COUNTER_BITS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hlc_is_monotonic_even_when_the_clock_goes_back() {
        let a = Hlc::default().tick(1_000);
        let b = a.tick(999);
        assert!(b > a);
        let c = b.observe(Hlc(u64::from(u32::MAX) << 16), 1_000);
        assert!(c.0 > u64::from(u32::MAX) << 16);
        assert_eq!(a.millis(), 1_000);
    }

    #[test]
    fn ids_print_and_parse() {
        let id = MsgId::generate();
        assert_eq!(id.to_string().parse::<MsgId>().unwrap(), id);
        assert!("xyz".parse::<MsgId>().is_err());
    }
}
