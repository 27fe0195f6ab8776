//! The group message format (`group.msg`), its limits and errors, and the buffer for
//! messages that arrive before their sender key (protocol/group.md §6).
//!
//! A [`GroupMessage`] is what gossipsub carries: a clear header naming the epoch (commit
//! hash), the sender key and the sequence number, the AEAD ciphertext of a CBOR
//! [`GroupPlain`], and the sender key's ed25519 signature over header and ciphertext.
//! Encryption and decryption live with the keys in [`super::sender_key`].

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use super::{Transcript, Verdict};
use crate::wire::{self, Bytes, Fixed, WireError, WireMessage};

/// Largest `group.msg` envelope accepted from gossipsub (bytes). Set gossipsub's
/// `max_transmit_size` accordingly.
pub const MAX_GROUP_MESSAGE: usize = 16 * 1024;
/// Largest ciphertext: the envelope cap minus room for the header (167 bytes used).
pub const MAX_GROUP_CT: usize = MAX_GROUP_MESSAGE - 256;
/// Length of the Poly1305 tag.
pub const TAG_LEN: usize = 16;
/// Largest CBOR plaintext.
pub const MAX_GROUP_PLAIN: usize = MAX_GROUP_CT - TAG_LEN;
/// Largest body (the node's own CBOR) in a [`GroupPlain`] (its other fields take at most
/// 46 bytes).
pub const MAX_GROUP_BODY: usize = 16_000;
/// Default cap of a [`PendingBuffer`] (messages per group).
pub const MAX_PENDING: usize = 1024;
/// Label starting the AEAD associated data.
pub const AAD_LABEL: &[u8] = b"chingu/group/v1/msg-aad";
/// Label starting the bytes the sender key signs.
pub const SIG_LABEL: &[u8] = b"chingu/group/v1/msg-sig";

const _: () = assert!(MAX_GROUP_BODY + 46 <= MAX_GROUP_PLAIN);

/// What a member says, before encryption.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupPlain {
    /// Message id (random or UUIDv7), for application-level dedup and receipts.
    pub id: Fixed<16>,
    /// The sender's clock (unix ms; informational).
    pub sent_ms: u64,
    /// The node's own CBOR body (text, attachment reference, reaction, ...).
    pub body: Bytes<MAX_GROUP_BODY>,
}

/// A group message as published on the epoch's gossipsub topic (kind `group.msg`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMessage {
    /// Hash of the commit that started the epoch. The full 32 bytes: the same key names
    /// the epoch secret, the sender-key ring and stored history, so no second identifier
    /// or collision rule exists; it costs 24 bytes over an 8-byte prefix.
    pub epoch: Fixed<32>,
    /// Sender key id: `SHA-256(signing public key)[0..8]`.
    pub key_id: Fixed<8>,
    /// Position in the sender's chain.
    pub seq: u64,
    /// `ChaCha20-Poly1305(CBOR(GroupPlain))` with the header as associated data.
    pub ct: Bytes<MAX_GROUP_CT>,
    /// Ed25519 signature by the sender key over [`GroupMessage::signed_bytes`].
    pub sig: Fixed<64>,
}

impl WireMessage for GroupMessage {
    const KIND: &'static str = "group.msg";
}

impl GroupMessage {
    /// The AEAD associated data: `label || epoch || key_id || u64be(seq)`.
    pub(crate) fn aad(epoch: &Fixed<32>, key_id: &Fixed<8>, seq: u64) -> Vec<u8> {
        Transcript::new(AAD_LABEL)
            .fixed(epoch.as_ref())
            .fixed(key_id.as_ref())
            .u64(seq)
            .into_bytes()
    }

    /// The signed bytes: `label || epoch || key_id || u64be(seq) || u32be(len) || ct`.
    pub fn signed_bytes(&self) -> Vec<u8> {
        Transcript::new(SIG_LABEL)
            .fixed(self.epoch.as_ref())
            .fixed(self.key_id.as_ref())
            .u64(self.seq)
            .var(&self.ct)
            .into_bytes()
    }

    /// Decodes a gossipsub payload: a `group.msg` envelope of at most
    /// [`MAX_GROUP_MESSAGE`] bytes (checked before parsing).
    pub fn decode(bytes: &[u8]) -> Result<GroupMessage, GroupError> {
        if bytes.len() > MAX_GROUP_MESSAGE {
            return Err(GroupError::Oversized {
                len: bytes.len(),
                max: MAX_GROUP_MESSAGE,
            });
        }
        Ok(wire::decode(bytes)?)
    }

    /// Encodes the message as a `group.msg` envelope (what to publish).
    pub fn encode(&self) -> Result<Vec<u8>, GroupError> {
        let bytes = wire::encode(self)?;
        if bytes.len() > MAX_GROUP_MESSAGE {
            return Err(GroupError::Oversized {
                len: bytes.len(),
                max: MAX_GROUP_MESSAGE,
            });
        }
        Ok(bytes)
    }
}

/// Why a group message (or a sender-key distribution) was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GroupError {
    /// Larger than its limit.
    #[error("{len} bytes exceed the limit of {max}")]
    Oversized {
        /// Size offered.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Not a well-formed value (envelope, message, plaintext or distribution).
    #[error("malformed: {0}")]
    Malformed(#[from] WireError),
    /// No sender key for this epoch and key id yet: hold the message in a
    /// [`PendingBuffer`] until the key arrives.
    #[error("unknown sender key")]
    UnknownKey,
    /// The signature does not verify: a forgery (for instance one member claiming
    /// another's key) or corruption.
    #[error("bad signature")]
    BadSignature,
    /// This sequence number was already decrypted: drop it.
    #[error("sequence {0} already received")]
    Replay(u64),
    /// The message key for this sequence number is gone (consumed, evicted from the
    /// skipped keys, or older than the key we were given): drop it.
    #[error("sequence {0} is too old")]
    TooOld(u64),
    /// The sequence number is more than [`super::MAX_SKIP`] past the next expected one.
    #[error("sequence {seq} is too far ahead of {next}")]
    TooFarAhead {
        /// Sequence number of the message.
        seq: u64,
        /// Next sequence number expected.
        next: u64,
    },
    /// Authenticated decryption failed although the signature verified: the sender
    /// produced garbage.
    #[error("decryption failed")]
    DecryptFailed,
    /// The sender's chain is used up (2^64 messages): wait for the next epoch.
    #[error("sender key exhausted")]
    ChainExhausted,
    /// A distribution for another group or epoch than this ring's.
    #[error("sender key for another group or epoch")]
    WrongEpoch,
    /// A distribution from someone who is not a member of the epoch.
    #[error("sender is not a member of the epoch")]
    NotMember,
    /// A distribution whose key id does not match its signing key.
    #[error("key id does not match the signing key")]
    BadKeyId,
    /// A distribution that conflicts with a key already held: the sender already has
    /// another key this epoch, or the key id belongs to another sender.
    #[error("conflicting sender key")]
    KeyConflict,
}

impl GroupError {
    /// A short stable name for counting rejections by reason.
    pub fn reason(&self) -> &'static str {
        match self {
            GroupError::Oversized { .. } => "oversized",
            GroupError::Malformed(_) => "malformed",
            GroupError::UnknownKey => "unknown_key",
            GroupError::BadSignature => "bad_signature",
            GroupError::Replay(_) => "replay",
            GroupError::TooOld(_) => "too_old",
            GroupError::TooFarAhead { .. } => "too_far_ahead",
            GroupError::DecryptFailed => "decrypt_failed",
            GroupError::ChainExhausted => "chain_exhausted",
            GroupError::WrongEpoch => "wrong_epoch",
            GroupError::NotMember => "not_member",
            GroupError::BadKeyId => "bad_key_id",
            GroupError::KeyConflict => "key_conflict",
        }
    }

    /// What a gossipsub validator does with a message that failed this way. A message too
    /// far ahead is ignored, not rejected: it is refused before its signature is checked,
    /// and an honest sender may simply have sent more than we saw.
    pub fn verdict(&self) -> Verdict {
        match self {
            GroupError::Oversized { .. }
            | GroupError::Malformed(_)
            | GroupError::BadSignature
            | GroupError::DecryptFailed
            | GroupError::BadKeyId
            | GroupError::NotMember
            | GroupError::KeyConflict => Verdict::Reject,
            GroupError::UnknownKey
            | GroupError::Replay(_)
            | GroupError::TooOld(_)
            | GroupError::TooFarAhead { .. }
            | GroupError::ChainExhausted
            | GroupError::WrongEpoch => Verdict::Ignore,
        }
    }
}

/// Messages waiting for their sender key, oldest first, at most `cap` of them (one buffer
/// per group). Nothing in it is verified: it only bounds what an unknown key can cost.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingBuffer {
    cap: usize,
    queue: VecDeque<GroupMessage>,
    evicted: u64,
}

impl Default for PendingBuffer {
    fn default() -> Self {
        Self::new(MAX_PENDING)
    }
}

impl PendingBuffer {
    /// An empty buffer holding at most `cap` messages.
    pub fn new(cap: usize) -> Self {
        Self {
            cap,
            queue: VecDeque::new(),
            evicted: 0,
        }
    }

    /// Adds a message; when full, evicts and returns the oldest one (count it).
    pub fn push(&mut self, message: GroupMessage) -> Option<GroupMessage> {
        if self.cap == 0 {
            self.evicted += 1;
            return Some(message);
        }
        let evicted = if self.queue.len() >= self.cap {
            self.queue.pop_front()
        } else {
            None
        };
        self.evicted += u64::from(evicted.is_some());
        self.queue.push_back(message);
        evicted
    }

    /// Removes and returns, in sequence order, the messages for a sender key that just
    /// arrived.
    pub fn take(&mut self, epoch: &Fixed<32>, key_id: &Fixed<8>) -> Vec<GroupMessage> {
        let (mut taken, kept): (Vec<_>, Vec<_>) = self
            .queue
            .drain(..)
            .partition(|m| m.epoch == *epoch && m.key_id == *key_id);
        self.queue = kept.into();
        taken.sort_by_key(|m| m.seq);
        taken
    }

    /// Drops every message of an epoch that was rolled back or retired; returns how many.
    pub fn drop_epoch(&mut self, epoch: &Fixed<32>) -> usize {
        let before = self.queue.len();
        self.queue.retain(|m| m.epoch != *epoch);
        before - self.queue.len()
    }

    /// Messages waiting.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Whether nothing is waiting.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// How many messages were evicted since the buffer was created.
    pub fn evicted(&self) -> u64 {
        self.evicted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(epoch: u8, key: u8, seq: u64) -> GroupMessage {
        GroupMessage {
            epoch: Fixed([epoch; 32]),
            key_id: Fixed([key; 8]),
            seq,
            ct: Bytes::new(vec![0; 20]).unwrap(),
            sig: Fixed([0; 64]),
        }
    }

    #[test]
    fn pending_buffer_is_bounded_and_reports_evictions() {
        let mut buffer = PendingBuffer::new(3);
        assert!(buffer.push(msg(1, 1, 5)).is_none());
        assert!(buffer.push(msg(1, 2, 0)).is_none());
        assert!(buffer.push(msg(1, 1, 2)).is_none());
        assert_eq!(buffer.push(msg(2, 1, 0)), Some(msg(1, 1, 5)));
        assert_eq!(buffer.evicted(), 1);
        assert_eq!(buffer.len(), 3);
        assert_eq!(buffer.take(&Fixed([1; 32]), &Fixed([1; 8])), vec![msg(1, 1, 2)]);
        assert_eq!(buffer.drop_epoch(&Fixed([2; 32])), 1);
        assert_eq!(buffer.len(), 1);
        buffer.push(msg(1, 1, 9));
        buffer.push(msg(1, 1, 3));
        let taken = buffer.take(&Fixed([1; 32]), &Fixed([1; 8]));
        assert_eq!(taken.iter().map(|m| m.seq).collect::<Vec<_>>(), vec![3, 9]);
        assert!(!buffer.is_empty());
        let mut none = PendingBuffer::new(0);
        assert_eq!(none.push(msg(1, 1, 1)), Some(msg(1, 1, 1)));
        assert_eq!(none.evicted(), 1);
        assert_eq!(PendingBuffer::default().cap, MAX_PENDING);
    }

    #[test]
    fn default_buffer_holds_1024_then_evicts_oldest() {
        let mut buffer = PendingBuffer::default();
        for seq in 0..MAX_PENDING as u64 {
            assert!(buffer.push(msg(1, 1, seq)).is_none());
        }
        assert_eq!(buffer.push(msg(1, 1, 5000)).map(|m| m.seq), Some(0));
        assert_eq!(buffer.len(), MAX_PENDING);
    }

    #[test]
    fn size_cap_is_checked_before_parsing() {
        let err = GroupMessage::decode(&vec![0u8; MAX_GROUP_MESSAGE + 1]).unwrap_err();
        assert_eq!(
            err,
            GroupError::Oversized {
                len: MAX_GROUP_MESSAGE + 1,
                max: MAX_GROUP_MESSAGE
            }
        );
        assert_eq!(err.verdict(), Verdict::Reject);
        // A body whose ciphertext is over MAX_GROUP_CT fails as a limit, inside the cap.
        #[derive(Serialize)]
        struct Loose {
            epoch: Fixed<32>,
            key_id: Fixed<8>,
            seq: u64,
            #[serde(with = "serde_bytes")]
            ct: Vec<u8>,
            sig: Fixed<64>,
        }
        let loose = Loose {
            epoch: Fixed([0; 32]),
            key_id: Fixed([0; 8]),
            seq: 0,
            ct: vec![0; MAX_GROUP_CT + 1],
            sig: Fixed([0; 64]),
        };
        let bytes = wire::encode_raw("group.msg", &wire::to_cbor(&loose)).unwrap();
        assert!(bytes.len() <= MAX_GROUP_MESSAGE);
        assert!(matches!(
            GroupMessage::decode(&bytes),
            Err(GroupError::Malformed(WireError::LimitExceeded(_)))
        ));
    }

    #[test]
    fn reasons_and_verdicts() {
        let all = [
            (GroupError::Oversized { len: 1, max: 0 }, "oversized", Verdict::Reject),
            (GroupError::Malformed(WireError::TooDeep), "malformed", Verdict::Reject),
            (GroupError::UnknownKey, "unknown_key", Verdict::Ignore),
            (GroupError::BadSignature, "bad_signature", Verdict::Reject),
            (GroupError::Replay(1), "replay", Verdict::Ignore),
            (GroupError::TooOld(1), "too_old", Verdict::Ignore),
            (
                GroupError::TooFarAhead { seq: 1, next: 0 },
                "too_far_ahead",
                Verdict::Ignore,
            ),
            (GroupError::DecryptFailed, "decrypt_failed", Verdict::Reject),
            (GroupError::ChainExhausted, "chain_exhausted", Verdict::Ignore),
            (GroupError::WrongEpoch, "wrong_epoch", Verdict::Ignore),
            (GroupError::NotMember, "not_member", Verdict::Reject),
            (GroupError::BadKeyId, "bad_key_id", Verdict::Reject),
            (GroupError::KeyConflict, "key_conflict", Verdict::Reject),
        ];
        for (err, reason, verdict) in all {
            assert_eq!((err.reason(), err.verdict()), (reason, verdict), "{err}");
        }
    }
}
