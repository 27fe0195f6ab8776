//! Key layouts of every tree, in one place (SPEC.md §8.3).
//!
//! `history` tree (one key space, written by ordered batches):
//! ```text
//! 'c' | conv(16)                      -> Conversation
//! 'm' | conv(16) | hlc(8, BE) | id(16) -> the rest of the message (message_codec)
//! 'i' | id(16)                        -> conv(16) | hlc(8) | state(1)  (message-id index:
//!                                        dedup, lookup, and the message's current state)
//! 'o' | id(16)                        -> OutboxEntry
//! 's' | hlc(8, BE) | id(16)           -> search signature (see `search.rs`)
//! 'p' | target(16) | action(16)       -> (empty)  (a reaction, edit or delete whose
//!                                        target has not arrived, see `actions.rs`)
//! ```

use crate::model::{ConvId, MsgId};

/// `meta` key of the schema version (u32, big-endian).
pub const SCHEMA: &[u8] = b"schema_version";
/// `meta` key of the owner's profile.
pub const PROFILE: &[u8] = b"profile";
/// `meta` prefix of the persisted 1:1 sessions (`session/<hex id>`).
pub const SESSION_PREFIX: &str = "session/";
/// `meta` name of the 1:1 handshake-replay guard.
pub const DM_GUARD: &str = "dm_guard";
/// `meta` name of the identity keys `init --force` replaced.
pub const PREVIOUS_IDENTITIES: &str = "previous_identities";

const CONVERSATION: u8 = b'c';
/// Prefix of message keys.
pub const MESSAGE: u8 = b'm';
/// Prefix of search signatures (of search postings before schema 4).
pub const SEARCH: u8 = b's';
const INDEX: u8 = b'i';
const OUTBOX: u8 = b'o';
const PENDING_ACTION: u8 = b'p';
const FILE: u8 = b'f';
const PACK: u8 = b'k';
const VOUCHER: u8 = b'g';
const SPENT: u8 = b'x';

/// Every search key (signatures; postings before schema 4).
pub fn search_range() -> std::ops::Range<&'static [u8]> {
    &[SEARCH]..&[SEARCH + 1]
}

/// `meta` key of a named protocol value.
pub fn meta_named(name: &str) -> Vec<u8> {
    [b"v/".as_slice(), name.as_bytes()].concat()
}

/// Key of a conversation row.
pub fn conversation(conv: &ConvId) -> [u8; 17] {
    let mut key = [0u8; 17];
    key[0] = CONVERSATION;
    key[1..].copy_from_slice(&conv.0);
    key
}

/// Prefix of all conversation rows.
pub fn conversations() -> [u8; 1] {
    [CONVERSATION]
}

/// Key of a message.
pub fn message(conv: &ConvId, hlc: u64, id: &MsgId) -> [u8; 41] {
    let mut key = [0u8; 41];
    key[0] = MESSAGE;
    key[1..17].copy_from_slice(&conv.0);
    key[17..25].copy_from_slice(&hlc.to_be_bytes());
    key[25..].copy_from_slice(&id.0);
    key
}

/// The conversation, clock and id a message key holds.
pub fn parse_message(key: &[u8]) -> Option<(ConvId, u64, MsgId)> {
    if key.len() != 41 || key[0] != MESSAGE {
        return None;
    }
    let conv: [u8; 16] = key[1..17].try_into().ok()?;
    let hlc: [u8; 8] = key[17..25].try_into().ok()?;
    let id: [u8; 16] = key[25..].try_into().ok()?;
    Some((ConvId(conv), u64::from_be_bytes(hlc), MsgId(id)))
}

/// Key of a message's search signature.
pub fn signature(hlc: u64, id: &MsgId) -> [u8; 25] {
    let mut key = [0u8; 25];
    key[0] = SEARCH;
    key[1..9].copy_from_slice(&hlc.to_be_bytes());
    key[9..].copy_from_slice(&id.0);
    key
}

/// The clock and id a signature key holds (`None` for anything else, such as a
/// posting of schemas 2 and 3).
pub fn parse_signature(key: &[u8]) -> Option<(u64, MsgId)> {
    if key.len() != 25 || key[0] != SEARCH {
        return None;
    }
    let hlc: [u8; 8] = key[1..9].try_into().ok()?;
    let id: [u8; 16] = key[9..].try_into().ok()?;
    Some((u64::from_be_bytes(hlc), MsgId(id)))
}

/// Prefix of a conversation's messages.
pub fn messages_of(conv: &ConvId) -> [u8; 17] {
    let mut key = [0u8; 17];
    key[0] = MESSAGE;
    key[1..].copy_from_slice(&conv.0);
    key
}

/// Key of a message-id index entry.
pub fn index(id: &MsgId) -> [u8; 17] {
    let mut key = [0u8; 17];
    key[0] = INDEX;
    key[1..].copy_from_slice(&id.0);
    key
}

/// The value of an index entry: where the message is, and its state.
pub fn index_value(conv: &ConvId, hlc: u64, state: u8) -> [u8; 25] {
    let mut value = [0u8; 25];
    value[..16].copy_from_slice(&conv.0);
    value[16..24].copy_from_slice(&hlc.to_be_bytes());
    value[24] = state;
    value
}

/// Parses an index entry's value back into (conversation, hlc, state); entries of
/// schemas 1 and 2 (24 bytes) carry no state.
pub fn parse_index_value(value: &[u8]) -> Option<(ConvId, u64, Option<u8>)> {
    let conv: [u8; 16] = value.get(..16)?.try_into().ok()?;
    let hlc: [u8; 8] = value.get(16..24)?.try_into().ok()?;
    let state = match value.len() {
        24 => None,
        25 => Some(value[24]),
        _ => return None,
    };
    Some((ConvId(conv), u64::from_be_bytes(hlc), state))
}

/// Key of an outbox entry.
pub fn outbox(id: &MsgId) -> [u8; 17] {
    let mut key = [0u8; 17];
    key[0] = OUTBOX;
    key[1..].copy_from_slice(&id.0);
    key
}

/// Prefix of all outbox entries.
pub fn outbox_all() -> [u8; 1] {
    [OUTBOX]
}

/// Key recording that `action` waits for the message `target`.
pub fn pending_action(target: &MsgId, action: &MsgId) -> [u8; 33] {
    let mut key = [0u8; 33];
    key[0] = PENDING_ACTION;
    key[1..17].copy_from_slice(&target.0);
    key[17..].copy_from_slice(&action.0);
    key
}

/// Prefix of the actions waiting for `target`.
pub fn pending_actions_of(target: &MsgId) -> [u8; 17] {
    let mut key = [0u8; 17];
    key[0] = PENDING_ACTION;
    key[1..].copy_from_slice(&target.0);
    key
}

/// Prefix of every waiting action.
pub fn pending_actions() -> [u8; 1] {
    [PENDING_ACTION]
}

/// Key of a file's entry (SPEC.md §6.11).
pub fn file(root: &[u8; 32]) -> [u8; 33] {
    let mut key = [0u8; 33];
    key[0] = FILE;
    key[1..].copy_from_slice(root);
    key
}

/// Prefix of every file entry.
pub fn files() -> [u8; 1] {
    [FILE]
}

/// Key of an installed sticker pack's entry.
pub fn pack(id: &[u8; 32]) -> [u8; 33] {
    let mut key = [0u8; 33];
    key[0] = PACK;
    key[1..].copy_from_slice(id);
    key
}

/// Prefix of every sticker pack entry.
pub fn packs() -> [u8; 1] {
    [PACK]
}

/// Key of a voucher we hold or held.
pub fn voucher(serial: &[u8; 16]) -> [u8; 17] {
    let mut key = [0u8; 17];
    key[0] = VOUCHER;
    key[1..].copy_from_slice(serial);
    key
}

/// Prefix of every voucher we hold or held.
pub fn vouchers() -> [u8; 1] {
    [VOUCHER]
}

/// Key recording that a voucher this node issued was redeemed.
pub fn spent(serial: &[u8; 16]) -> [u8; 17] {
    let mut key = [0u8; 17];
    key[0] = SPENT;
    key[1..].copy_from_slice(serial);
    key
}
