//! Wire types and signatures of the mailbox protocol `/chingu/mailbox/1` (SPEC.md §6.6,
//! `protocol/mailbox.md`).
//!
//! A recipient is known to a mailbox only by an opaque *tag*: an Ed25519 public key
//! derived from the recipient's identity secret and the mailbox's peer id, so tags are
//! unlinkable across mailboxes. The tag key signs registration and pickup.

use hkdf::Hkdf;
use libp2p::identity::ed25519;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::session::seal::MAX_SEALED_BYTES;
use crate::wire::{Bytes, Fixed, List, Text, WireMessage};

/// Most items returned by one fetch.
pub const MAX_ITEMS_PER_FETCH: usize = 64;
/// Most ids acknowledged at once.
pub const MAX_ACK_IDS: usize = 256;
/// Longest refusal reason.
pub const MAX_REASON: usize = 32;

const TAG_INFO: &[u8] = b"chingu/mbox/v1/tag";
const REGISTER_LABEL: &[u8] = b"chingu/mbox/v1/register";
const FETCH_LABEL: &[u8] = b"chingu/mbox/v1/fetch";
const ACK_LABEL: &[u8] = b"chingu/mbox/v1/ack";

/// `mbox.req`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MboxRequest {
    /// The recipient asks the mailbox to accept deposits for `tag` until `expires`.
    Register {
        /// The tag (an Ed25519 public key).
        tag: Fixed<32>,
        /// Unix seconds.
        expires: u64,
        /// Tag signature, see [`register_message`].
        sig: Fixed<64>,
    },
    /// A sender leaves a sealed message for `tag`.
    Deposit {
        /// The recipient's tag.
        tag: Fixed<32>,
        /// Deduplication id (the message id).
        id: Fixed<16>,
        /// The sealed box (`session::Sealed` bytes).
        sealed: Bytes<MAX_SEALED_BYTES>,
    },
    /// The recipient asks for a pickup challenge.
    Challenge {
        /// The tag to pick up for.
        tag: Fixed<32>,
    },
    /// The recipient picks up, proving it holds the tag key.
    Fetch {
        /// The tag.
        tag: Fixed<32>,
        /// The challenge nonce.
        nonce: Fixed<32>,
        /// Tag signature, see [`fetch_message`].
        sig: Fixed<64>,
    },
    /// The recipient confirms it stored items; the mailbox deletes them.
    Ack {
        /// The tag.
        tag: Fixed<32>,
        /// The challenge nonce.
        nonce: Fixed<32>,
        /// The ids stored.
        ids: List<Fixed<16>, MAX_ACK_IDS>,
        /// Tag signature, see [`ack_message`].
        sig: Fixed<64>,
    },
}

impl WireMessage for MboxRequest {
    const KIND: &'static str = "mbox.req";
}

/// One stored item handed over on pickup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Deduplication id.
    pub id: Fixed<16>,
    /// The sealed box.
    pub sealed: Bytes<MAX_SEALED_BYTES>,
}

/// `mbox.resp`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MboxResponse {
    /// Registration accepted until `expires`.
    Registered {
        /// Unix seconds (may be earlier than asked: the mailbox caps it).
        expires: u64,
    },
    /// The deposit is durably stored (or was already).
    Deposited,
    /// A pickup challenge, valid for a short while.
    Challenge {
        /// Random nonce to sign.
        nonce: Fixed<32>,
    },
    /// Items for the tag, oldest first.
    Items {
        /// Up to [`MAX_ITEMS_PER_FETCH`] items, within the envelope limit.
        items: List<Item, MAX_ITEMS_PER_FETCH>,
        /// More items are waiting.
        more: bool,
    },
    /// Acknowledged items were deleted.
    Acked {
        /// How many were deleted.
        removed: u32,
    },
    /// Refused. Reasons: `not_registered`, `quota`, `rate_limited`, `bad_signature`,
    /// `bad_challenge`, `expired`, `not_a_mailbox`, `too_many_tags`.
    Refused {
        /// Stable reason name.
        reason: Text<MAX_REASON>,
    },
}

impl WireMessage for MboxResponse {
    const KIND: &'static str = "mbox.resp";
}

impl MboxResponse {
    /// A refusal.
    pub fn refused(reason: &str) -> Self {
        MboxResponse::Refused {
            reason: Text::new(reason).unwrap_or_default(),
        }
    }
}

/// The tag key a recipient uses with the mailbox `mailbox_peer` (its peer id bytes):
/// `seed = HKDF(ikm = identity secret, salt = mailbox peer id, info = "chingu/mbox/v1/tag")`.
pub fn tag_keypair(identity: &ed25519::Keypair, mailbox_peer: &[u8]) -> ed25519::Keypair {
    let secret = identity.secret();
    let hk = Hkdf::<Sha256>::new(Some(mailbox_peer), secret.as_ref());
    let mut seed = [0u8; 32];
    hk.expand(TAG_INFO, &mut seed).expect("32 bytes is a valid HKDF length");
    ed25519::SecretKey::try_from_bytes(&mut seed)
        .expect("any 32 bytes are an ed25519 secret")
        .into()
}

fn transcript(label: &[u8], mailbox_peer: &[u8], tag: &[u8; 32], tail: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::with_capacity(label.len() + 4 + mailbox_peer.len() + 32 + 64);
    out.extend_from_slice(label);
    out.extend_from_slice(&(mailbox_peer.len() as u32).to_be_bytes());
    out.extend_from_slice(mailbox_peer);
    out.extend_from_slice(tag);
    for part in tail {
        out.extend_from_slice(part);
    }
    out
}

/// Bytes signed to register: `label || len32(mailbox peer id) || tag || u64be(expires)`.
pub fn register_message(mailbox_peer: &[u8], tag: &[u8; 32], expires: u64) -> Vec<u8> {
    transcript(REGISTER_LABEL, mailbox_peer, tag, &[&expires.to_be_bytes()])
}

/// Bytes signed to fetch: `label || len32(mailbox peer id) || tag || nonce`.
pub fn fetch_message(mailbox_peer: &[u8], tag: &[u8; 32], nonce: &[u8; 32]) -> Vec<u8> {
    transcript(FETCH_LABEL, mailbox_peer, tag, &[nonce])
}

/// Bytes signed to acknowledge: `label || len32(mailbox peer id) || tag || nonce ||
/// u32be(count) || id…`.
pub fn ack_message(mailbox_peer: &[u8], tag: &[u8; 32], nonce: &[u8; 32], ids: &[Fixed<16>]) -> Vec<u8> {
    let mut tail = (ids.len() as u32).to_be_bytes().to_vec();
    for id in ids {
        tail.extend_from_slice(id.as_bytes());
    }
    transcript(ACK_LABEL, mailbox_peer, tag, &[nonce, &tail])
}

/// Signs `message` with a tag key.
pub fn sign(key: &ed25519::Keypair, message: &[u8]) -> Fixed<64> {
    let sig: [u8; 64] = key.sign(message).try_into().expect("ed25519 signatures are 64 bytes");
    Fixed(sig)
}

/// Verifies a tag signature.
pub fn verify(tag: &[u8; 32], message: &[u8], sig: &Fixed<64>) -> bool {
    ed25519::PublicKey::try_from_bytes(tag)
        .map(|pk| pk.verify(message, sig.as_bytes()))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_per_mailbox_and_signatures_bind_everything() {
        let identity = ed25519::Keypair::generate();
        let a = tag_keypair(&identity, b"mailbox-a");
        let b = tag_keypair(&identity, b"mailbox-b");
        assert_ne!(
            a.public().to_bytes(),
            b.public().to_bytes(),
            "unlinkable across mailboxes"
        );
        assert_eq!(
            a.public().to_bytes(),
            tag_keypair(&identity, b"mailbox-a").public().to_bytes()
        );
        let tag = a.public().to_bytes();
        let msg = fetch_message(b"mailbox-a", &tag, &[1; 32]);
        let sig = sign(&a, &msg);
        assert!(verify(&tag, &msg, &sig));
        assert!(
            !verify(&tag, &fetch_message(b"mailbox-b", &tag, &[1; 32]), &sig),
            "bound to the mailbox"
        );
        assert!(
            !verify(&tag, &fetch_message(b"mailbox-a", &tag, &[2; 32]), &sig),
            "bound to the nonce"
        );
        let ids = [Fixed([9; 16])];
        let ack = ack_message(b"mailbox-a", &tag, &[1; 32], &ids);
        assert!(!verify(&tag, &ack, &sig), "a fetch signature is not an ack signature");
    }
}
