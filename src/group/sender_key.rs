//! Sender keys: each member's per-epoch hash ratchet and signing key, their distribution,
//! and message encryption and decryption (protocol/group.md §5).
//!
//! For every epoch it is in, a member draws a [`SenderKey`]: a random 32-byte chain key
//! and a fresh ed25519 signing key. It sends the public half ([`SenderKeyPub`], inside a
//! [`SenderKeyDistribution`] signed by its identity key) over 1:1 sessions to the other
//! members of that epoch. Message `i` uses `mk_i = HMAC(ck_i, 0x01)`; the chain moves on
//! with `ck_{i+1} = HMAC(ck_i, 0x02)` and the old chain key is overwritten, so a stolen
//! current key opens no earlier message. Every message is signed with the signing key:
//! a member holding everyone's chain keys can read, but not forge, their messages.
//!
//! Receivers keep one [`SenderKeyState`] per sender in a [`SenderKeyRing`] per epoch; it
//! keeps up to [`MAX_SKIP`] skipped message keys for out-of-order delivery and refuses
//! anything it has already consumed, which also deduplicates beyond gossipsub's short
//! duplicate cache.

use std::collections::{BTreeMap, BTreeSet};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hkdf::Hkdf;
use hmac::Mac;
use libp2p_identity::ed25519;
use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::log::GroupState;
use super::message::{GroupError, GroupMessage, GroupPlain, MAX_GROUP_CT, MAX_GROUP_PLAIN};
use super::{
    decode_public, hmac_sha256, keypair_from_seed, keypair_seed, public_bytes, sha256, sign, verify, GroupId,
    Transcript,
};
use crate::wire::{from_cbor, to_cbor, Bytes, Fixed};

/// Most message keys a receiver derives ahead of the next expected one for a single
/// message, and most skipped keys it keeps per sender (the oldest are evicted first).
pub const MAX_SKIP: u64 = 2000;
/// Label starting the bytes an identity key signs to distribute a sender key.
pub const DISTRIBUTION_LABEL: &[u8] = b"chingu/group/v1/sender-key";
/// HKDF info turning a message key into an AEAD key and nonce.
pub const MESSAGE_KEY_INFO: &[u8] = b"chingu/group/v1/message-key";

/// One ratchet step: `(mk_i, ck_{i+1})` from `ck_i`.
pub(crate) fn chain_step(chain: &[u8; 32]) -> ([u8; 32], [u8; 32]) {
    let hmac = |byte: u8| -> [u8; 32] {
        let mut mac = hmac_sha256(chain);
        mac.update(&[byte]);
        mac.finalize().into_bytes().into()
    };
    (hmac(0x01), hmac(0x02))
}

/// The ChaCha20-Poly1305 key and nonce of a message key: HKDF-SHA256 with an empty salt,
/// `ikm = mk`, `info = MESSAGE_KEY_INFO`, 44 bytes split 32 | 12.
pub(crate) fn aead_key(mk: &[u8; 32]) -> ([u8; 32], [u8; 12]) {
    let mut okm = [0u8; 44];
    Hkdf::<Sha256>::new(None, mk)
        .expand(MESSAGE_KEY_INFO, &mut okm)
        .expect("HKDF-SHA256 can expand 44 bytes");
    let mut key = [0u8; 32];
    let mut nonce = [0u8; 12];
    key.copy_from_slice(&okm[..32]);
    nonce.copy_from_slice(&okm[32..]);
    (key, nonce)
}

/// The key id of a signing key: `SHA-256(signing public key)[0..8]`.
pub fn key_id(signing_pk: &Fixed<32>) -> Fixed<8> {
    let digest = sha256(signing_pk.as_ref());
    let mut id = [0u8; 8];
    id.copy_from_slice(&digest[..8]);
    Fixed(id)
}

/// Our own sender key for one epoch. Persist it after every [`SenderKey::encrypt`]
/// before publishing the message (in the same store transaction as our copy of the
/// message): a restart from an older copy would reuse message keys and nonces.
#[derive(Clone, Serialize, Deserialize)]
#[serde(try_from = "SenderKeyRepr", into = "SenderKeyRepr")]
pub struct SenderKey {
    epoch: Fixed<32>,
    chain: [u8; 32],
    iteration: u64,
    signing: ed25519::Keypair,
    key_id: Fixed<8>,
}

#[derive(Serialize, Deserialize)]
struct SenderKeyRepr {
    epoch: Fixed<32>,
    chain: Fixed<32>,
    iteration: u64,
    signing: Fixed<32>,
}

impl From<SenderKeyRepr> for SenderKey {
    fn from(r: SenderKeyRepr) -> Self {
        SenderKey::from_parts(r.epoch, r.chain.0, r.iteration, r.signing.0)
    }
}

impl From<SenderKey> for SenderKeyRepr {
    fn from(k: SenderKey) -> Self {
        SenderKeyRepr {
            epoch: k.epoch,
            chain: Fixed(k.chain),
            iteration: k.iteration,
            signing: keypair_seed(&k.signing),
        }
    }
}

impl std::fmt::Debug for SenderKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SenderKey")
            .field("epoch", &self.epoch)
            .field("key_id", &self.key_id)
            .field("iteration", &self.iteration)
            .finish_non_exhaustive()
    }
}

impl SenderKey {
    /// Draws a fresh sender key for the epoch started by commit `epoch`.
    pub fn generate(epoch: Fixed<32>, rng: &mut (impl RngCore + CryptoRng)) -> Self {
        let mut chain = [0u8; 32];
        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut chain);
        rng.fill_bytes(&mut seed);
        Self::from_parts(epoch, chain, 0, seed)
    }

    /// Rebuilds a sender key from its parts (store, vectors).
    pub fn from_parts(epoch: Fixed<32>, chain: [u8; 32], iteration: u64, signing_seed: [u8; 32]) -> Self {
        let signing = keypair_from_seed(signing_seed);
        let key_id = key_id(&public_bytes(&signing));
        Self {
            epoch,
            chain,
            iteration,
            signing,
            key_id,
        }
    }

    /// The epoch (commit hash) this key is for.
    pub fn epoch(&self) -> &Fixed<32> {
        &self.epoch
    }

    /// The key id.
    pub fn key_id(&self) -> &Fixed<8> {
        &self.key_id
    }

    /// The sequence number the next message will carry.
    pub fn iteration(&self) -> u64 {
        self.iteration
    }

    /// The public half at the current iteration: whoever receives it can read our
    /// messages from now on, none before.
    pub fn public(&self) -> SenderKeyPub {
        SenderKeyPub {
            key_id: self.key_id,
            chain: Fixed(self.chain),
            iteration: self.iteration,
            signing_pk: public_bytes(&self.signing),
        }
    }

    /// The public half, signed by our identity key, for one member of the epoch.
    pub fn distribution(&self, identity: &ed25519::Keypair, group: GroupId) -> SenderKeyDistribution {
        let mut dist = SenderKeyDistribution {
            group,
            epoch: self.epoch,
            sender: public_bytes(identity),
            key: self.public(),
            sig: Fixed([0; 64]),
        };
        dist.sig = sign(identity, &dist.signed_bytes());
        dist
    }

    /// Encrypts and signs one message, then advances the chain (the used keys are gone).
    pub fn encrypt(&mut self, plain: &GroupPlain) -> Result<GroupMessage, GroupError> {
        let next_iteration = self.iteration.checked_add(1).ok_or(GroupError::ChainExhausted)?;
        let plaintext = to_cbor(plain);
        let (mk, next_chain) = chain_step(&self.chain);
        let aad = GroupMessage::aad(&self.epoch, &self.key_id, self.iteration);
        let ct = seal(&mk, &aad, &plaintext)?;
        let mut message = GroupMessage {
            epoch: self.epoch,
            key_id: self.key_id,
            seq: self.iteration,
            ct,
            sig: Fixed([0; 64]),
        };
        message.sig = sign(&self.signing, &message.signed_bytes());
        self.chain = next_chain;
        self.iteration = next_iteration;
        Ok(message)
    }
}

/// The AEAD instance and nonce of a message key.
fn cipher(mk: &[u8; 32]) -> (ChaCha20Poly1305, [u8; 12]) {
    let (key, nonce) = aead_key(mk);
    (ChaCha20Poly1305::new(Key::from_slice(&key)), nonce)
}

fn seal(mk: &[u8; 32], aad: &[u8], plaintext: &[u8]) -> Result<Bytes<MAX_GROUP_CT>, GroupError> {
    let (cipher, nonce) = cipher(mk);
    let too_big = || GroupError::Oversized {
        len: plaintext.len(),
        max: MAX_GROUP_PLAIN,
    };
    let ct = cipher
        .encrypt(Nonce::from_slice(&nonce), Payload { msg: plaintext, aad })
        .map_err(|_| too_big())?;
    Bytes::new(ct).map_err(|_| too_big())
}

fn open(mk: &[u8; 32], aad: &[u8], ct: &[u8]) -> Result<Vec<u8>, GroupError> {
    let (cipher, nonce) = cipher(mk);
    cipher
        .decrypt(Nonce::from_slice(&nonce), Payload { msg: ct, aad })
        .map_err(|_| GroupError::DecryptFailed)
}

/// The public half of a sender key at one iteration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SenderKeyPub {
    /// `SHA-256(signing_pk)[0..8]`.
    pub key_id: Fixed<8>,
    /// The chain key at `iteration`.
    pub chain: Fixed<32>,
    /// The sequence number of the next message.
    pub iteration: u64,
    /// The ed25519 key that signs every message of this chain.
    pub signing_pk: Fixed<32>,
}

/// A sender key on its way to one member over a 1:1 session (the node chooses the
/// framing), signed by the sender's identity key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SenderKeyDistribution {
    /// The group.
    pub group: GroupId,
    /// The epoch (commit hash).
    pub epoch: Fixed<32>,
    /// The sender's identity key.
    pub sender: Fixed<32>,
    /// The sender key's public half.
    pub key: SenderKeyPub,
    /// Identity signature over [`SenderKeyDistribution::signed_bytes`].
    pub sig: Fixed<64>,
}

impl SenderKeyDistribution {
    /// `label || group || epoch || sender || key_id || chain || u64be(iteration) || signing_pk`.
    pub fn signed_bytes(&self) -> Vec<u8> {
        Transcript::new(DISTRIBUTION_LABEL)
            .fixed(self.group.as_bytes())
            .fixed(self.epoch.as_ref())
            .fixed(self.sender.as_ref())
            .fixed(self.key.key_id.as_ref())
            .fixed(self.key.chain.as_ref())
            .u64(self.key.iteration)
            .fixed(self.key.signing_pk.as_ref())
            .into_bytes()
    }
}

/// What a receiver keeps of one sender's chain. Persist it with the ring after every
/// successful decrypt (in the same store transaction as the message), or replays of the
/// unsaved sequence numbers are accepted again after a restart (the message id still
/// deduplicates them).
#[derive(Clone, Serialize, Deserialize)]
#[serde(try_from = "StateRepr", into = "StateRepr")]
pub struct SenderKeyState {
    sender: Fixed<32>,
    epoch: Fixed<32>,
    key_id: Fixed<8>,
    signing_pk: Fixed<32>,
    /// Chain key for sequence number `next`.
    chain: [u8; 32],
    next: u64,
    /// Sequence numbers below `floor` are gone for good (consumed, evicted, or before the
    /// key was given to us).
    floor: u64,
    /// Message keys of skipped sequence numbers in `floor..next`.
    skipped: BTreeMap<u64, [u8; 32]>,
}

#[derive(Serialize, Deserialize)]
struct StateRepr {
    sender: Fixed<32>,
    epoch: Fixed<32>,
    key: SenderKeyPub,
    floor: u64,
    skipped: BTreeMap<u64, Fixed<32>>,
}

impl TryFrom<StateRepr> for SenderKeyState {
    type Error = GroupError;

    fn try_from(r: StateRepr) -> Result<Self, GroupError> {
        let mut state = SenderKeyState::new(r.sender, r.epoch, &r.key)?;
        state.floor = r.floor;
        state.skipped = r.skipped.into_iter().map(|(seq, mk)| (seq, mk.0)).collect();
        Ok(state)
    }
}

impl From<SenderKeyState> for StateRepr {
    fn from(s: SenderKeyState) -> Self {
        StateRepr {
            sender: s.sender,
            epoch: s.epoch,
            key: SenderKeyPub {
                key_id: s.key_id,
                chain: Fixed(s.chain),
                iteration: s.next,
                signing_pk: s.signing_pk,
            },
            floor: s.floor,
            skipped: s.skipped.into_iter().map(|(seq, mk)| (seq, Fixed(mk))).collect(),
        }
    }
}

impl std::fmt::Debug for SenderKeyState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SenderKeyState")
            .field("sender", &self.sender)
            .field("key_id", &self.key_id)
            .field("next", &self.next)
            .field("skipped", &self.skipped.len())
            .finish_non_exhaustive()
    }
}

/// Where a sequence number stands with respect to a receiver's chain.
enum Position {
    /// A skipped key is waiting for it.
    Skipped([u8; 32]),
    /// At or after `next`, within reach.
    Ahead,
}

impl SenderKeyState {
    fn new(sender: Fixed<32>, epoch: Fixed<32>, key: &SenderKeyPub) -> Result<Self, GroupError> {
        if key_id(&key.signing_pk) != key.key_id {
            return Err(GroupError::BadKeyId);
        }
        // A signing key that is no curve point, or a weak one, could never verify.
        if decode_public(&key.signing_pk).is_none() || !crate::crypto::is_usable_key(&key.signing_pk.0) {
            return Err(GroupError::BadKeyId);
        }
        Ok(SenderKeyState {
            sender,
            epoch,
            key_id: key.key_id,
            signing_pk: key.signing_pk,
            chain: key.chain.0,
            next: key.iteration,
            floor: key.iteration,
            skipped: BTreeMap::new(),
        })
    }

    /// Checks a distribution's key id and identity signature and starts receiving from
    /// it. (Membership is the ring's check: see [`SenderKeyRing::add`].)
    pub fn from_distribution(dist: &SenderKeyDistribution) -> Result<Self, GroupError> {
        let state = Self::new(dist.sender, dist.epoch, &dist.key)?;
        if !verify(&dist.sender, &dist.signed_bytes(), &dist.sig) {
            return Err(GroupError::BadSignature);
        }
        Ok(state)
    }

    /// The sender's identity key.
    pub fn sender(&self) -> &Fixed<32> {
        &self.sender
    }

    /// The key id.
    pub fn key_id(&self) -> &Fixed<8> {
        &self.key_id
    }

    /// The next sequence number expected in order.
    pub fn next(&self) -> u64 {
        self.next
    }

    /// The lowest sequence number still missing: the oldest skipped one, else `next`.
    pub fn first_missing(&self) -> u64 {
        self.skipped.keys().next().copied().unwrap_or(self.next)
    }

    /// How many skipped message keys are held.
    pub fn skipped(&self) -> usize {
        self.skipped.len()
    }

    fn position(&self, seq: u64) -> Result<Position, GroupError> {
        if seq >= self.next {
            return match seq.checked_add(1) {
                Some(_) if seq - self.next <= MAX_SKIP => Ok(Position::Ahead),
                _ => Err(GroupError::TooFarAhead { seq, next: self.next }),
            };
        }
        match self.skipped.get(&seq) {
            Some(mk) => Ok(Position::Skipped(*mk)),
            None if seq < self.floor => Err(GroupError::TooOld(seq)),
            None => Err(GroupError::Replay(seq)),
        }
    }

    /// Verifies and decrypts one message, cheapest rejections first: key, sequence number
    /// (replay, too old, too far ahead), then the signature, then the AEAD and the
    /// plaintext. The state changes only when all of them pass. (Size is bounded by the
    /// types: a decoded ciphertext is at most [`MAX_GROUP_CT`] bytes.)
    pub fn decrypt(&mut self, message: &GroupMessage) -> Result<GroupPlain, GroupError> {
        if message.epoch != self.epoch || message.key_id != self.key_id {
            return Err(GroupError::UnknownKey);
        }
        let position = self.position(message.seq)?;
        if !crate::crypto::verify(&self.signing_pk.0, &message.signed_bytes(), &message.sig.0) {
            return Err(GroupError::BadSignature);
        }
        let aad = GroupMessage::aad(&message.epoch, &message.key_id, message.seq);
        match position {
            Position::Skipped(mk) => {
                let plain = decode_plain(&open(&mk, &aad, &message.ct)?)?;
                self.skipped.remove(&message.seq);
                Ok(plain)
            }
            Position::Ahead => {
                let mut chain = self.chain;
                let mut passed = Vec::new();
                for seq in self.next..message.seq {
                    let (mk, next) = chain_step(&chain);
                    passed.push((seq, mk));
                    chain = next;
                }
                let (mk, after) = chain_step(&chain);
                let plain = decode_plain(&open(&mk, &aad, &message.ct)?)?;
                self.skipped.extend(passed);
                while self.skipped.len() as u64 > MAX_SKIP {
                    if let Some((seq, _)) = self.skipped.pop_first() {
                        self.floor = self.floor.max(seq + 1);
                    }
                }
                self.chain = after;
                self.next = message.seq + 1;
                Ok(plain)
            }
        }
    }
}

fn decode_plain(bytes: &[u8]) -> Result<GroupPlain, GroupError> {
    Ok(from_cbor(bytes, MAX_GROUP_PLAIN)?)
}

/// A decrypted message and who sent it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    /// The sender's identity key.
    pub sender: Fixed<32>,
    /// Its sequence number in the sender's chain.
    pub seq: u64,
    /// The plaintext.
    pub plain: GroupPlain,
}

/// Every sender key we hold for one epoch, and the members allowed to have one.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SenderKeyRing {
    group: GroupId,
    epoch: Fixed<32>,
    members: BTreeSet<Fixed<32>>,
    keys: BTreeMap<Fixed<8>, SenderKeyState>,
}

impl SenderKeyRing {
    /// An empty ring for the epoch `state` is at (its head commit) and its members.
    pub fn new(state: &GroupState) -> Self {
        SenderKeyRing {
            group: *state.group(),
            epoch: *state.head(),
            members: state.members().iter().map(|m| m.identity_pk).collect(),
            keys: BTreeMap::new(),
        }
    }

    /// The epoch (commit hash).
    pub fn epoch(&self) -> &Fixed<32> {
        &self.epoch
    }

    /// The identity keys of the epoch's members.
    pub fn members(&self) -> impl Iterator<Item = &Fixed<32>> {
        self.members.iter()
    }

    /// Whether a key with this id is held.
    pub fn has_key(&self, key_id: &Fixed<8>) -> bool {
        self.keys.contains_key(key_id)
    }

    /// The state of a key, by its id.
    pub fn key(&self, key_id: &Fixed<8>) -> Option<&SenderKeyState> {
        self.keys.get(key_id)
    }

    /// Every key held.
    pub fn keys(&self) -> impl Iterator<Item = &SenderKeyState> {
        self.keys.values()
    }

    /// The state of a sender's key, by the sender's identity key.
    pub fn sender(&self, sender: &Fixed<32>) -> Option<&SenderKeyState> {
        self.keys.values().find(|s| s.sender == *sender)
    }

    /// Accepts a distribution from a member of this epoch. Returns `true` if the key is
    /// new (then decrypt what [`super::PendingBuffer::take`] holds for it), `false` if we
    /// already had exactly this key (a re-sent distribution never rewinds the chain).
    pub fn add(&mut self, dist: &SenderKeyDistribution) -> Result<bool, GroupError> {
        if dist.group != self.group || dist.epoch != self.epoch {
            return Err(GroupError::WrongEpoch);
        }
        if !self.members.contains(&dist.sender) {
            return Err(GroupError::NotMember);
        }
        let state = SenderKeyState::from_distribution(dist)?;
        if let Some(existing) = self.keys.get(&dist.key.key_id) {
            return if existing.sender == dist.sender && existing.signing_pk == dist.key.signing_pk {
                Ok(false)
            } else {
                Err(GroupError::KeyConflict)
            };
        }
        if self.sender(&dist.sender).is_some() {
            return Err(GroupError::KeyConflict);
        }
        self.keys.insert(dist.key.key_id, state);
        Ok(true)
    }

    /// Verifies and decrypts a message of this epoch; [`GroupError::UnknownKey`] means
    /// "buffer it until the sender's key arrives".
    pub fn decrypt(&mut self, message: &GroupMessage) -> Result<Received, GroupError> {
        if message.epoch != self.epoch {
            return Err(GroupError::UnknownKey);
        }
        let state = self.keys.get_mut(&message.key_id).ok_or(GroupError::UnknownKey)?;
        let plain = state.decrypt(message)?;
        Ok(Received {
            sender: state.sender,
            seq: message.seq,
            plain,
        })
    }
}

#[cfg(test)]
mod tests;
