//! Group chats: the pure (sans-IO) core (protocol/group.md).
//!
//! A group is an admin-ordered, signed **membership log** ([`log`], [`fork`]) whose every
//! commit starts a new epoch with a fresh random **epoch secret** ([`epoch`]). The secret
//! names the epoch's gossipsub topic, so the topic reveals neither the group nor its
//! members and a removed member cannot find the new one. Inside an epoch every member
//! publishes with its own **sender key** ([`sender_key`]): a symmetric hash ratchet for
//! forward secrecy plus a fresh ed25519 signing key, so no member can forge another's
//! messages. [`message`] defines the `group.msg` format and the buffer for messages whose
//! sender key has not arrived yet, [`sync`] the history-sync request and response, and
//! [`meetup`] the short codes strangers type to join a flash meetup.
//!
//! Everything here is values in, values or typed errors out: callers pass the clock
//! (`time_ms`, unix milliseconds) and randomness (a [`rand::CryptoRng`]) explicitly. The
//! node's glue does the I/O: gossipsub, delivery of commits, epoch secrets and sender keys
//! over 1:1 sessions, and persistence of every `Serialize` state type here.

pub mod control;
pub mod epoch;
pub mod fork;
pub mod join;
pub mod log;
pub mod meetup;
pub mod message;
pub mod sender_key;
pub mod sync;
pub mod sync_schedule;

#[cfg(test)]
mod scenarios;
#[cfg(test)]
pub(crate) mod testkit;
#[cfg(test)]
mod vectors;

pub use control::{ControlId, GroupControl, MAX_CONTROL_BYTES};
pub use epoch::{EpochError, EpochKeys, EpochSecret, EpochSecretShare};
pub use fork::{GroupLog, LogChange, FINALITY_DEPTH, MAX_SIBLINGS};
pub use join::{JoinRequest, JoinResponse};
pub use log::{rebase, Applied, Commit, GroupState, LogError, Member, Op, MAX_MEMBERS, MAX_OPS};
pub use meetup::{MeetupCode, MeetupCodeError};
pub use message::{GroupError, GroupMessage, GroupPlain, PendingBuffer, MAX_GROUP_BODY, MAX_GROUP_MESSAGE};
pub use sender_key::{
    Received, SenderKey, SenderKeyDistribution, SenderKeyPub, SenderKeyRing, SenderKeyState, MAX_SKIP,
};
pub use sync::{Head, HeadsRequest, SyncAsk, SyncError, SyncRequest, SyncResponse, MAX_HEADS, MAX_SYNC_MESSAGES};

use hmac::{Hmac, Mac};
use libp2p_identity::ed25519;
use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::wire::Fixed;

/// A group's identity: 16 random bytes drawn by its creator, fixed for the group's life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct GroupId(pub Fixed<16>);

impl GroupId {
    /// Draws a fresh random group id.
    pub fn generate(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        let mut id = [0u8; 16];
        rng.fill_bytes(&mut id);
        Self(Fixed(id))
    }

    /// The 16 bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        self.0.as_bytes()
    }
}

/// What a gossipsub validator should do with an input that failed: maps onto
/// `MessageAcceptance::{Ignore, Reject}`. Only provably invalid input is `Reject`ed (it
/// lowers the forwarding peer's score); input that may be honest but useless to us now
/// (a replay, an unknown key, a stale or orphaned commit) is `Ignore`d.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Drop without penalty and do not forward.
    Ignore,
    /// Drop, do not forward and penalise the peer that sent it.
    Reject,
}

/// Builds the explicit byte strings chingu signs, MACs and hashes (protocol/group.md §2):
/// an ASCII label, then fixed-width fields, big-endian integers and `u32be` length-prefixed
/// variable fields. Never a re-encoding of CBOR.
pub(crate) struct Transcript(Vec<u8>);

impl Transcript {
    /// Starts with a domain-separation label.
    pub(crate) fn new(label: &[u8]) -> Self {
        let mut bytes = Vec::with_capacity(256);
        bytes.extend_from_slice(label);
        Self(bytes)
    }

    /// Appends fixed-length bytes as they are.
    pub(crate) fn fixed(mut self, bytes: &[u8]) -> Self {
        self.0.extend_from_slice(bytes);
        self
    }

    /// Appends a big-endian u64.
    pub(crate) fn u64(self, value: u64) -> Self {
        self.fixed(&value.to_be_bytes())
    }

    /// Appends `u32be(len) || bytes`. Every caller passes a bounded field (at most a
    /// 64 KiB envelope), far below `u32::MAX`.
    pub(crate) fn var(self, bytes: &[u8]) -> Self {
        let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
        self.fixed(&len.to_be_bytes()).fixed(bytes)
    }

    /// The finished byte string.
    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

/// SHA-256 of `bytes`.
pub(crate) fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// An HMAC-SHA256 instance keyed with `key`.
pub(crate) fn hmac_sha256(key: &[u8]) -> Hmac<Sha256> {
    <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes keys of any length")
}

/// Signs `message` with an ed25519 key.
pub(crate) fn sign(key: &ed25519::Keypair, message: &[u8]) -> Fixed<64> {
    let sig = key.sign(message);
    Fixed::try_from(sig.as_slice()).expect("ed25519 signatures are 64 bytes")
}

/// Decodes a 32-byte ed25519 public key; `None` if it is not a valid point encoding.
pub(crate) fn decode_public(pk: &Fixed<32>) -> Option<ed25519::PublicKey> {
    ed25519::PublicKey::try_from_bytes(pk.as_ref()).ok()
}

/// Verifies an ed25519 signature by the key `pk`, strictly (false for an invalid or weak
/// key: [`crate::crypto::verify`]).
pub(crate) fn verify(pk: &Fixed<32>, message: &[u8], sig: &Fixed<64>) -> bool {
    crate::crypto::verify(&pk.0, message, &sig.0)
}

/// Rebuilds an ed25519 key pair from its 32-byte secret seed.
pub(crate) fn keypair_from_seed(seed: [u8; 32]) -> ed25519::Keypair {
    let mut seed = seed;
    let secret = ed25519::SecretKey::try_from_bytes(&mut seed).expect("any 32 bytes are an ed25519 secret key");
    secret.into()
}

/// The 32-byte seed of an ed25519 key pair (for persistence).
pub(crate) fn keypair_seed(key: &ed25519::Keypair) -> Fixed<32> {
    Fixed::try_from(key.secret().as_ref()).expect("ed25519 secret keys are 32 bytes")
}

/// The 32-byte public key of an ed25519 key pair, as carried on the wire.
pub(crate) fn public_bytes(key: &ed25519::Keypair) -> Fixed<32> {
    Fixed(key.public().to_bytes())
}
