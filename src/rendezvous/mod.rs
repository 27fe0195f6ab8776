//! Rendezvous: finding friends by phone number on the Kademlia DHT (protocol/rendezvous.md).
//!
//! Everything here is sans-IO cryptography and record format: numbers, epochs, the clock
//! (`now`, unix seconds) and randomness come in as parameters; keys, records, typed errors
//! and merged DHT values come out.
//!
//! - [`kdf`]: the weekly [`Epoch`], the slow argon2id derivation of a
//!   [`RendezvousKeys`] pair (DHT key + encryption key) from one E.164 number (single
//!   mode) or from two (mutual mode), and the derivations for invite secrets and short
//!   meetup codes ([`CodeSecret`]).
//! - [`record`]: the DHT value ([`RendezvousValue`], kind `rdv.value`): up to
//!   [`MAX_ENTRIES`] [`Entry`]s, each signed by a per-key *slot* key and carrying an
//!   encrypted, identity-signed [`InnerBody`]. [`seal_entry`] and [`open_entry`] write and
//!   read one.
//! - [`storage`]: what a storing DHT node checks before it keeps a value (it knows no
//!   number and decrypts nothing), how it merges values, and how a reader filters the
//!   answers of several peers.
//! - [`invite`]: `CHINGU-…` invite codes (identity key + 128-bit secret + number) and
//!   the redeemer's proof.
//! - [`safety`]: Signal-style 60-digit safety numbers.
//!
//! What this cannot prevent: anyone who knows a number can compute its keys and publish
//! an entry claiming it. Such an entry never replaces the owner's (entries live in
//! separate slots), but readers see several candidates and must treat every identity they
//! have not pinned or verified (safety number, invite code) as unverified.

pub mod invite;
pub mod kdf;
pub mod record;
pub mod safety;
pub mod storage;

pub use invite::{invite_proof, verify_invite_proof, InviteCode, InviteError};
pub use kdf::{derive_secret, salt, CodeSecret, Epoch, KdfParams, RendezvousKeys, EPOCH_SECS};
pub use record::{
    open_entry, seal_entry, Candidate, Entry, InnerBody, MailboxRef, RendezvousValue, SignedPrekey, MAX_BODY, MAX_CT,
    MAX_ENTRIES, MAX_LIFETIME_SECS, MAX_VALUE_BYTES,
};
pub use safety::{fingerprint, SafetyNumber};
pub use storage::{filter_answer, merge_answers, validate_get_answer, validate_put};

use hkdf::Hkdf;
use sha2::{Digest, Sha256};

use crate::wire::WireError;

/// Why a rendezvous record was refused. A storing node counts the refusal with
/// [`RecordError::reason`] and drops the PUT; a reader drops the entry. None of these is
/// fatal for the node.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// The bytes are not a well-formed value of the expected type.
    #[error("malformed record: {0}")]
    Wire(#[from] WireError),
    /// The DHT key is not 32 bytes.
    #[error("DHT key of {0} bytes, expected 32")]
    BadKey(usize),
    /// Something is larger than its limit (the whole value, a body, a ciphertext).
    #[error("{what} of {len} bytes exceeds the limit of {max}")]
    Oversized {
        /// What was too large.
        what: &'static str,
        /// Its size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The entry has a version this node does not speak.
    #[error("unsupported entry version {0}")]
    BadVersion(u8),
    /// The entry's epoch is not the current one, the previous or the next.
    #[error("entry epoch {epoch} outside the window around {current}")]
    EpochOutOfWindow {
        /// The entry's epoch.
        epoch: u32,
        /// The epoch of `now`.
        current: u32,
    },
    /// The entry's expiry is not after `now`.
    #[error("entry expired")]
    Expired,
    /// The entry claims to live longer than [`MAX_LIFETIME_SECS`] from `now`.
    #[error("entry expiry too far in the future")]
    ExpiryTooFar,
    /// The slot signature does not verify: forged, corrupted or moved to another key.
    #[error("slot signature does not verify")]
    BadSlotSignature,
    /// The identity signature inside the ciphertext does not verify (or, when sealing,
    /// the body names another identity than the signing key).
    #[error("identity signature does not verify")]
    BadIdentitySignature,
    /// The prekey is not signed by the body's identity key.
    #[error("prekey signature does not verify")]
    BadPrekeySignature,
    /// The body's peer id is not the one derived from its identity key.
    #[error("peer id does not match the identity key")]
    PeerIdMismatch,
    /// The body's device list is not signed by its identity key (the account key), breaks
    /// the list's rules, or addresses a device the list does not name.
    #[error("the device list does not verify")]
    BadDeviceList,
    /// Authenticated decryption failed: another key (number, epoch) or tampered bytes.
    #[error("decryption failed")]
    DecryptFailed,
    /// Nothing in the PUT is newer than what is stored (same or lower `seq` per slot).
    #[error("no entry newer than the stored ones")]
    StaleSeq,
    /// The PUT only brings new slots and the key already holds [`MAX_ENTRIES`] live ones.
    #[error("all slots of this key are taken")]
    SlotsFull,
    /// Mutual mode was asked for one number twice.
    #[error("mutual rendezvous needs two different numbers")]
    SameNumber,
    /// A PUT without any entry.
    #[error("value holds no entry")]
    EmptyValue,
}

impl RecordError {
    /// A short stable name for counting refusals by reason.
    pub fn reason(&self) -> &'static str {
        match self {
            RecordError::Wire(e) => e.reason(),
            RecordError::BadKey(_) => "bad_key",
            RecordError::Oversized { .. } => "oversized",
            RecordError::BadVersion(_) => "bad_version",
            RecordError::EpochOutOfWindow { .. } => "epoch_out_of_window",
            RecordError::Expired => "expired",
            RecordError::ExpiryTooFar => "expiry_too_far",
            RecordError::BadSlotSignature => "bad_slot_signature",
            RecordError::BadIdentitySignature => "bad_identity_signature",
            RecordError::BadPrekeySignature => "bad_prekey_signature",
            RecordError::PeerIdMismatch => "peer_id_mismatch",
            RecordError::BadDeviceList => "bad_device_list",
            RecordError::DecryptFailed => "decrypt_failed",
            RecordError::StaleSeq => "stale_seq",
            RecordError::SlotsFull => "slots_full",
            RecordError::SameNumber => "same_number",
            RecordError::EmptyValue => "empty_value",
        }
    }
}

/// HKDF-SHA256 expanded to 32 bytes.
fn hkdf32(salt: &[u8], ikm: &[u8], info: &[u8]) -> [u8; 32] {
    let mut okm = [0u8; 32];
    Hkdf::<Sha256>::new(Some(salt), ikm)
        .expand(info, &mut okm)
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    okm
}

/// The first 16 bytes of SHA-256(`label` || u32be(`epoch`)).
fn labelled_salt(label: &[u8], epoch: Epoch) -> [u8; 16] {
    let digest = Sha256::new()
        .chain_update(label)
        .chain_update(epoch.0.to_be_bytes())
        .finalize();
    let mut salt = [0u8; 16];
    salt.copy_from_slice(&digest[..16]);
    salt
}

/// `u32be(len(bytes)) || bytes`: how variable-length fields enter signed messages.
fn length_prefixed(bytes: &[u8]) -> Vec<u8> {
    // Every signed field is bounded far below 4 GiB by its wire type.
    let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    [len.to_be_bytes().as_slice(), bytes].concat()
}

#[cfg(test)]
pub(crate) mod testutil {
    //! Deterministic keys, bodies and randomness shared by the tests of this module.

    use libp2p_identity::ed25519;
    use rand::{CryptoRng, RngCore};

    use super::record::{InnerBody, MailboxRef, SignedPrekey};
    use crate::wire::{Bytes, Fixed, List, Text};

    /// The identity whose ed25519 secret key is 32 bytes of `n`.
    pub fn identity(n: u8) -> ed25519::Keypair {
        ed25519::Keypair::from(ed25519::SecretKey::try_from_bytes([n; 32]).expect("32 bytes"))
    }

    /// A plausible body for `identity`: two addresses, one mailbox, a name.
    pub fn body(identity: &ed25519::Keypair) -> InnerBody {
        let addr = Bytes::new(vec![4, 127, 0, 0, 1, 6, 0x0f, 0xa1]).expect("fits");
        let mailbox = MailboxRef {
            peer_id: Bytes::new(vec![0x00, 0x24, 0x08, 0x01, 0x12, 0x20]).expect("fits"),
            addrs: List::new(vec![addr.clone()]).expect("fits"),
            tag: Fixed([0x7a; 32]),
        };
        InnerBody::new(
            &identity.public(),
            [0x11; 32],
            SignedPrekey::sign(identity, 7, [0x22; 32]),
            List::new(vec![addr]).expect("fits"),
            List::new(vec![mailbox]).expect("fits"),
            Text::new("Minji").expect("fits"),
        )
    }

    /// The vectors of protocol/vectors/rendezvous.json of one `kind`.
    pub fn vectors(kind: &str) -> Vec<serde_json::Value> {
        let file: serde_json::Value =
            serde_json::from_str(include_str!("../../protocol/vectors/rendezvous.json")).expect("valid JSON");
        let all = file["vectors"].as_array().expect("a vector list").clone();
        let found: Vec<_> = all.into_iter().filter(|v| v["kind"] == kind).collect();
        assert!(!found.is_empty(), "no {kind} vector");
        found
    }

    /// A hex field of a vector.
    pub fn hex_of(value: &serde_json::Value) -> Vec<u8> {
        hex::decode(value.as_str().expect("a hex string")).expect("valid hex")
    }

    /// A 32-byte hex field of a vector.
    pub fn hex32(value: &serde_json::Value) -> [u8; 32] {
        hex_of(value).try_into().expect("32 bytes")
    }

    /// A text field of a vector.
    pub fn text(value: &serde_json::Value) -> &str {
        value.as_str().expect("a string")
    }

    /// An integer field of a vector.
    pub fn int(value: &serde_json::Value) -> u64 {
        value.as_u64().expect("an integer")
    }

    /// The identity whose RFC 8032 secret key is this hex field.
    pub fn identity_from(value: &serde_json::Value) -> ed25519::Keypair {
        ed25519::Keypair::from(ed25519::SecretKey::try_from_bytes(hex_of(value)).expect("32 bytes"))
    }

    /// An "RNG" that hands out fixed bytes (then zeros): makes sealing deterministic.
    pub struct FixedRng(pub Vec<u8>);

    impl RngCore for FixedRng {
        fn next_u32(&mut self) -> u32 {
            let mut b = [0u8; 4];
            self.fill_bytes(&mut b);
            u32::from_le_bytes(b)
        }
        fn next_u64(&mut self) -> u64 {
            let mut b = [0u8; 8];
            self.fill_bytes(&mut b);
            u64::from_le_bytes(b)
        }
        fn fill_bytes(&mut self, dest: &mut [u8]) {
            for byte in dest.iter_mut() {
                *byte = if self.0.is_empty() { 0 } else { self.0.remove(0) };
            }
        }
        fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand::Error> {
            self.fill_bytes(dest);
            Ok(())
        }
    }

    impl CryptoRng for FixedRng {}
}
