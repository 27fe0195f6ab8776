//! The rendezvous record: the DHT value stored under a [`RendezvousKeys::dht_key`]
//! (protocol/rendezvous.md §3).
//!
//! A value ([`RendezvousValue`], wire kind `rdv.value`) holds up to [`MAX_ENTRIES`]
//! entries, one per *slot*. A slot key is an ed25519 key derived from the publisher's
//! identity secret and the DHT key, so the same identity always writes the same slot
//! under one key and its slots under different keys or epochs cannot be linked.
//!
//! An [`Entry`] has two layers:
//! - outer fields a storing node can check without knowing the number (version, epoch,
//!   slot key, sequence number, expiry, the slot signature over all of them and the
//!   ciphertext);
//! - a ciphertext (XChaCha20-Poly1305 under the encryption key, the outer fields as
//!   associated data) of the [`InnerBody`] — identity key, Noise static key, signed
//!   prekey, peer id, addresses, mailboxes, display name — and of an identity signature
//!   binding that body to this DHT key and these outer fields, so a genuine entry copied
//!   under another number's key is refused.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use libp2p_identity::{ed25519, PeerId, PublicKey};
use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};

use super::kdf::{Epoch, RendezvousKeys};
use super::{hkdf32, length_prefixed, RecordError};
use crate::wire::{self, from_cbor, to_cbor, Bytes, Fixed, List, Text, WireMessage};

/// The only entry version (`"v"`).
pub const ENTRY_VERSION: u8 = 1;
/// Most entries (slots) under one DHT key.
pub const MAX_ENTRIES: usize = 4;
/// Largest DHT value (the whole `rdv.value` envelope).
pub const MAX_VALUE_BYTES: usize = 8 * 1024;
/// Largest encoded [`InnerBody`].
pub const MAX_BODY: usize = 1_700;
/// Largest CBOR overhead of the encrypted `{"body", "id_sig"}` map around a body of
/// 256..=65 535 bytes.
pub const INNER_OVERHEAD: usize = 82;
/// Length of the Poly1305 tag.
pub const TAG_LEN: usize = 16;
/// Largest ciphertext: the largest inner map plus the tag.
pub const MAX_CT: usize = MAX_BODY + INNER_OVERHEAD + TAG_LEN;
/// Longest an entry may claim to live, counted from when it is checked (48 h).
pub const MAX_LIFETIME_SECS: u64 = 48 * 60 * 60;
/// Lifetime a publisher gives its entries (24 h).
pub const DEFAULT_LIFETIME_SECS: u64 = 24 * 60 * 60;
/// How often a publisher republishes (and on every address change): 12 h.
pub const REPUBLISH_SECS: u64 = 12 * 60 * 60;
/// Length of the XChaCha20-Poly1305 nonce.
pub const NONCE_LEN: usize = 24;
/// Longest peer id (binary multihash).
pub const MAX_PEER_ID_BYTES: usize = 64;
/// Longest binary multiaddr.
pub const MAX_ADDR_BYTES: usize = 256;
/// Most direct addresses in a body.
pub const MAX_ADDRS: usize = 8;
/// Most mailboxes in a body.
pub const MAX_MAILBOXES: usize = 4;
/// Most addresses per mailbox.
pub const MAX_MAILBOX_ADDRS: usize = 4;
/// Longest display name (UTF-8 bytes).
pub const MAX_NAME_BYTES: usize = 64;
/// Label of the associated data of the ciphertext.
pub const AAD_LABEL: &[u8] = b"chingu/rdv/v1/aad";
/// Label of the identity signature.
pub const ID_SIG_LABEL: &[u8] = b"chingu/rdv/v1/id-sig";
/// Label of the slot signature.
pub const SLOT_SIG_LABEL: &[u8] = b"chingu/rdv/v1/slot-sig";
/// HKDF info of the slot key seed.
pub const SLOT_INFO: &[u8] = b"chingu/rdv/v1/slot";

/// One binary multiaddr (opaque here).
pub type Addr = Bytes<MAX_ADDR_BYTES>;

pub use crate::session::SignedPrekey;

fn sign_fixed(key: &ed25519::Keypair, message: &[u8]) -> Fixed<64> {
    Fixed(crate::crypto::sign(key, message))
}

/// Most devices besides the publisher a body gives addresses for.
pub const MAX_LINKED_DEVICES: usize = crate::account::MAX_DEVICES - 1;
/// Most addresses per linked device.
pub const MAX_DEVICE_ADDRS: usize = 4;

/// The publisher's account's devices (SPEC.md §5.3): the list its account key signed — the
/// body's identity key — and where its other devices listen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountDevices {
    /// The signed device list (`"list"`).
    pub list: crate::account::SignedDeviceList,
    /// Where each of the other current devices listens (`"addrs"`).
    pub addrs: List<DeviceAddrs, MAX_LINKED_DEVICES>,
}

/// Where one linked device listens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceAddrs {
    /// Its identity key (`"device"`).
    pub device: Fixed<32>,
    /// Its binary multiaddrs, best first (`"addrs"`).
    pub addrs: List<Addr, MAX_DEVICE_ADDRS>,
}

/// Where to leave messages for the publisher while it is offline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailboxRef {
    /// The mailbox node's peer id (`"peer_id"`).
    pub peer_id: Bytes<MAX_PEER_ID_BYTES>,
    /// Its addresses (`"addrs"`).
    pub addrs: List<Addr, MAX_MAILBOX_ADDRS>,
    /// The publisher's tag at that mailbox (`"tag"`, defined by the mailbox protocol).
    pub tag: Fixed<32>,
}

/// What the publisher tells whoever knows its number (encrypted in the entry).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InnerBody {
    /// ed25519 identity public key (`"identity_pk"`).
    pub identity_pk: Fixed<32>,
    /// X25519 Noise static public key (`"noise_pk"`).
    pub noise_pk: Fixed<32>,
    /// Current signed prekey (`"prekey"`).
    pub prekey: SignedPrekey,
    /// Binary libp2p peer id of `identity_pk` (`"peer_id"`).
    pub peer_id: Bytes<MAX_PEER_ID_BYTES>,
    /// Binary multiaddrs, best first (`"addrs"`).
    pub addrs: List<Addr, MAX_ADDRS>,
    /// Mailboxes, best first (`"mailboxes"`).
    pub mailboxes: List<MailboxRef, MAX_MAILBOXES>,
    /// Self-chosen display name, unverified (`"name"`).
    pub name: Text<MAX_NAME_BYTES>,
    /// The account's devices, when it has more than this one (`"devices"`; left out,
    /// not `null`, otherwise, so one device's body is what it always was).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub devices: Option<AccountDevices>,
}

impl InnerBody {
    /// A body for `identity`, its peer id filled in.
    pub fn new(
        identity: &ed25519::PublicKey,
        noise_pk: [u8; 32],
        prekey: SignedPrekey,
        addrs: List<Addr, MAX_ADDRS>,
        mailboxes: List<MailboxRef, MAX_MAILBOXES>,
        name: Text<MAX_NAME_BYTES>,
    ) -> Self {
        Self {
            identity_pk: Fixed(identity.to_bytes()),
            noise_pk: Fixed(noise_pk),
            prekey,
            peer_id: Bytes::new(peer_id_of(identity.clone())).expect("an ed25519 peer id is 38 bytes"),
            addrs,
            mailboxes,
            name,
            devices: None,
        }
    }

    /// Drops what does not fit in [`MAX_BODY`]: the account's devices first, then direct
    /// addresses from the end while more than one is left, then whole mailboxes from the
    /// end, then the last direct address. Returns how many items it dropped.
    pub fn trim_to_fit(&mut self) -> usize {
        let mut dropped = 0;
        if self.devices.is_some() && to_cbor(self).len() > MAX_BODY {
            self.devices = None;
            dropped += 1;
        }
        while to_cbor(self).len() > MAX_BODY {
            let mut addrs = std::mem::take(&mut self.addrs).into_vec();
            let mut mailboxes = std::mem::take(&mut self.mailboxes).into_vec();
            let removed = if addrs.len() > 1 || (mailboxes.is_empty() && !addrs.is_empty()) {
                addrs.pop().is_some()
            } else {
                mailboxes.pop().is_some()
            };
            self.addrs = List::truncating(addrs);
            self.mailboxes = List::truncating(mailboxes);
            if !removed {
                break;
            }
            dropped += 1;
        }
        dropped
    }

    /// The checks that only need the body: its peer id is its identity's, its prekey is
    /// signed by its identity, and its device list (if any) by its identity as the
    /// account key, with addresses only for the list's current devices.
    fn check(&self) -> Result<(), RecordError> {
        if peer_id_bytes(&self.identity_pk).as_deref() != Some(&self.peer_id[..]) {
            return Err(RecordError::PeerIdMismatch);
        }
        self.prekey
            .verify(&self.identity_pk)
            .map_err(|_| RecordError::BadPrekeySignature)?;
        if let Some(devices) = &self.devices {
            devices
                .list
                .verify(&self.identity_pk)
                .map_err(|_| RecordError::BadDeviceList)?;
            if devices.addrs.iter().any(|a| devices.list.device(&a.device).is_none()) {
                return Err(RecordError::BadDeviceList);
            }
        }
        Ok(())
    }
}

/// The binary peer id of an ed25519 identity key; `None` for an invalid key.
pub fn peer_id_bytes(identity_pk: &[u8; 32]) -> Option<Vec<u8>> {
    ed25519::PublicKey::try_from_bytes(identity_pk).ok().map(peer_id_of)
}

/// `00 24 08 01 12 20 || key`: the identity multihash of the protobuf-encoded key.
fn peer_id_of(key: ed25519::PublicKey) -> Vec<u8> {
    PeerId::from_public_key(&PublicKey::from(key)).to_bytes()
}

/// One slot of a rendezvous value. Storing nodes read every field; only the slot key's
/// owner can produce `slot_sig`, only holders of the encryption key can read `ct`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Version, [`ENTRY_VERSION`] (`"v"`).
    pub v: u8,
    /// The epoch the keys were derived for (`"epoch"`).
    pub epoch: Epoch,
    /// The slot's ed25519 public key (`"slot_pk"`).
    pub slot_pk: Fixed<32>,
    /// Sequence number; a slot only ever moves to a higher one (`"seq"`).
    pub seq: u64,
    /// Unix seconds after which the entry is dropped (`"expires"`).
    pub expires: u64,
    /// XChaCha20-Poly1305 nonce (`"nonce"`).
    pub nonce: Fixed<NONCE_LEN>,
    /// Ciphertext of the inner map (`"ct"`).
    pub ct: Bytes<MAX_CT>,
    /// Slot signature over the DHT key, the outer fields and the ciphertext (`"slot_sig"`).
    pub slot_sig: Fixed<64>,
}

/// The fields every signed message and the associated data start with.
struct Outer<'a> {
    dht_key: &'a [u8; 32],
    epoch: Epoch,
    slot_pk: &'a [u8; 32],
    seq: u64,
    expires: u64,
}

impl Outer<'_> {
    /// `label || dht_key || u32be(epoch) || slot_pk || u64be(seq) || u64be(expires) || tail`.
    fn message(&self, label: &[u8], tail: &[u8]) -> Vec<u8> {
        [
            label,
            self.dht_key,
            &self.epoch.0.to_be_bytes(),
            self.slot_pk,
            &self.seq.to_be_bytes(),
            &self.expires.to_be_bytes(),
            tail,
        ]
        .concat()
    }

    fn aad(&self) -> Vec<u8> {
        self.message(AAD_LABEL, &[])
    }

    fn id_sig_message(&self, body: &[u8]) -> Vec<u8> {
        self.message(ID_SIG_LABEL, &length_prefixed(body))
    }

    fn slot_sig_message(&self, nonce: &[u8; NONCE_LEN], ct: &[u8]) -> Vec<u8> {
        self.message(SLOT_SIG_LABEL, &[nonce.as_slice(), &length_prefixed(ct)].concat())
    }
}

impl Entry {
    fn outer<'a>(&'a self, dht_key: &'a [u8; 32]) -> Outer<'a> {
        Outer {
            dht_key,
            epoch: self.epoch,
            slot_pk: &self.slot_pk,
            seq: self.seq,
            expires: self.expires,
        }
    }

    /// The checks that need no signature: version, epoch ∈ {e−1, e, e+1} with
    /// e = [`Epoch::at`]`(now)`, and now < expires ≤ now + [`MAX_LIFETIME_SECS`].
    pub fn check_fields(&self, now: u64) -> Result<(), RecordError> {
        if self.v != ENTRY_VERSION {
            return Err(RecordError::BadVersion(self.v));
        }
        let current = Epoch::at(now);
        if self.epoch.0.abs_diff(current.0) > 1 {
            return Err(RecordError::EpochOutOfWindow {
                epoch: self.epoch.0,
                current: current.0,
            });
        }
        if self.expires <= now {
            return Err(RecordError::Expired);
        }
        if self.expires > now.saturating_add(MAX_LIFETIME_SECS) {
            return Err(RecordError::ExpiryTooFar);
        }
        Ok(())
    }

    /// Verifies the slot signature for `dht_key` ([`RecordError::BadSlotSignature`]).
    pub fn verify_slot_sig(&self, dht_key: &[u8; 32]) -> Result<(), RecordError> {
        let message = self.outer(dht_key).slot_sig_message(&self.nonce, &self.ct);
        if crate::crypto::verify(&self.slot_pk, &message, &self.slot_sig) {
            Ok(())
        } else {
            Err(RecordError::BadSlotSignature)
        }
    }

    /// Everything a storing node checks: [`Entry::check_fields`] then
    /// [`Entry::verify_slot_sig`].
    pub fn check(&self, dht_key: &[u8; 32], now: u64) -> Result<(), RecordError> {
        self.check_fields(now)?;
        self.verify_slot_sig(dht_key)
    }
}

/// A DHT value: the entries stored under one key (`{"entries": [...]}`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RendezvousValue {
    /// At most [`MAX_ENTRIES`] entries (`"entries"`).
    pub entries: List<Entry, MAX_ENTRIES>,
}

impl WireMessage for RendezvousValue {
    const KIND: &'static str = "rdv.value";
}

impl RendezvousValue {
    /// A value of `entries` ([`RecordError::Oversized`] beyond [`MAX_ENTRIES`]).
    pub fn new(entries: Vec<Entry>) -> Result<Self, RecordError> {
        let entries = List::new(entries).map_err(|e| RecordError::Oversized {
            what: "entry list",
            len: e.len,
            max: MAX_ENTRIES,
        })?;
        Ok(Self { entries })
    }

    /// The DHT value bytes: the `rdv.value` envelope, at most [`MAX_VALUE_BYTES`].
    pub fn encode(&self) -> Result<Vec<u8>, RecordError> {
        let bytes = wire::encode(self)?;
        check_value_size(&bytes)?;
        Ok(bytes)
    }

    /// Parses untrusted DHT value bytes (size checked before anything else).
    pub fn decode(bytes: &[u8]) -> Result<Self, RecordError> {
        check_value_size(bytes)?;
        Ok(wire::decode(bytes)?)
    }
}

fn check_value_size(bytes: &[u8]) -> Result<(), RecordError> {
    if bytes.len() > MAX_VALUE_BYTES {
        return Err(RecordError::Oversized {
            what: "value",
            len: bytes.len(),
            max: MAX_VALUE_BYTES,
        });
    }
    Ok(())
}

/// The plaintext of an entry's ciphertext: the body exactly as signed, and the signature.
#[derive(Serialize, Deserialize)]
struct Inner {
    body: Bytes<MAX_BODY>,
    id_sig: Fixed<64>,
}

/// An opened entry: someone holding `body.identity_pk` claims this DHT key. Unverified
/// until the identity is pinned or checked out of band; several candidates under one key
/// are a conflict to show the user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    /// The entry's epoch.
    pub epoch: Epoch,
    /// The slot it was found in.
    pub slot_pk: Fixed<32>,
    /// Its sequence number.
    pub seq: u64,
    /// Its expiry (unix seconds).
    pub expires: u64,
    /// What the publisher said.
    pub body: InnerBody,
}

/// The slot key of `identity` under `dht_key`: the ed25519 key whose 32-byte secret is
/// HKDF-SHA256(ikm = identity secret key, salt = dht_key, info = `"chingu/rdv/v1/slot"`).
fn slot_keypair(identity: &ed25519::Keypair, dht_key: &[u8; 32]) -> ed25519::Keypair {
    let seed = hkdf32(dht_key, identity.secret().as_ref(), SLOT_INFO);
    ed25519::Keypair::from(ed25519::SecretKey::try_from_bytes(seed).expect("any 32 bytes are an ed25519 secret key"))
}

fn cipher(keys: &RendezvousKeys) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new(Key::from_slice(&keys.enc_key))
}

/// Writes `identity`'s entry under `keys` for `epoch`: derives the slot key, signs the
/// body with the identity key, encrypts with a fresh 24-byte nonce from `rng`, signs the
/// outer fields with the slot key. `seq` must grow with every publication under the same
/// key (unix seconds of publication do); `expires` should be now +
/// [`DEFAULT_LIFETIME_SECS`]. Errors: the body names another identity
/// ([`RecordError::BadIdentitySignature`]), fails its own checks, or is over
/// [`MAX_BODY`] (see [`InnerBody::trim_to_fit`]).
pub fn seal_entry(
    identity: &ed25519::Keypair,
    keys: &RendezvousKeys,
    epoch: Epoch,
    seq: u64,
    expires: u64,
    body: &InnerBody,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<Entry, RecordError> {
    if body.identity_pk.0 != identity.public().to_bytes() {
        return Err(RecordError::BadIdentitySignature);
    }
    body.check()?;
    let body_bytes = Bytes::<MAX_BODY>::new(to_cbor(body)).map_err(|e| RecordError::Oversized {
        what: "body",
        len: e.len,
        max: MAX_BODY,
    })?;
    let slot = slot_keypair(identity, &keys.dht_key);
    let slot_pk = slot.public().to_bytes();
    let outer = Outer {
        dht_key: &keys.dht_key,
        epoch,
        slot_pk: &slot_pk,
        seq,
        expires,
    };
    let id_sig = sign_fixed(identity, &outer.id_sig_message(&body_bytes));
    let plaintext = to_cbor(&Inner {
        body: body_bytes,
        id_sig,
    });
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill_bytes(&mut nonce);
    let ct = cipher(keys)
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: &plaintext,
                aad: &outer.aad(),
            },
        )
        .ok()
        .and_then(|ct| Bytes::<MAX_CT>::new(ct).ok())
        .ok_or(RecordError::Oversized {
            what: "ciphertext",
            len: plaintext.len() + TAG_LEN,
            max: MAX_CT,
        })?;
    let slot_sig = sign_fixed(&slot, &outer.slot_sig_message(&nonce, &ct));
    Ok(Entry {
        v: ENTRY_VERSION,
        epoch,
        slot_pk: Fixed(slot_pk),
        seq,
        expires,
        nonce: Fixed(nonce),
        ct,
        slot_sig,
    })
}

/// Reads an entry found under `keys.dht_key`: the storing node's checks
/// ([`Entry::check`]), decryption, the identity signature (which binds the body to this
/// DHT key), the peer id and the prekey signature.
pub fn open_entry(entry: &Entry, keys: &RendezvousKeys, now: u64) -> Result<Candidate, RecordError> {
    entry.check(&keys.dht_key, now)?;
    let outer = entry.outer(&keys.dht_key);
    let plaintext = cipher(keys)
        .decrypt(
            XNonce::from_slice(entry.nonce.as_slice()),
            Payload {
                msg: &entry.ct,
                aad: &outer.aad(),
            },
        )
        .map_err(|_| RecordError::DecryptFailed)?;
    let inner: Inner = from_cbor(&plaintext, MAX_CT)?;
    let body: InnerBody = from_cbor(&inner.body, MAX_BODY)?;
    if !crate::crypto::verify(&body.identity_pk, &outer.id_sig_message(&inner.body), &inner.id_sig) {
        return Err(RecordError::BadIdentitySignature);
    }
    body.check()?;
    Ok(Candidate {
        epoch: entry.epoch,
        slot_pk: entry.slot_pk,
        seq: entry.seq,
        expires: entry.expires,
        body,
    })
}

#[cfg(test)]
mod tests;
