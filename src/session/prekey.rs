//! Signed, rotating prekeys: the X25519 keys offline messages are sealed to.
//!
//! A user publishes its current prekey in the rendezvous record as a [`SignedPrekey`]
//! (identity signature over `"chingu/prekey/v1" || u32be(id) || public`) and keeps the
//! private halves in a [`PrekeyRing`]. The ring rotates the current prekey every
//! [`PREKEY_ROTATION_SECS`] and deletes a retired prekey [`PREKEY_GRACE_SECS`] after its
//! retirement (the mailbox TTL, so every message sealed to it while it was current could
//! still be fetched). Deleting the private key is what bounds the damage of a later key
//! theft: sealed messages have no forward secrecy beyond this schedule.

use std::fmt;

use libp2p_identity::ed25519;
use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};

use super::keys::generate_keypair;
use super::{SessionError, KEY_LEN};
use crate::wire::Fixed;

/// Domain-separation label of the identity signature over a prekey.
pub const PREKEY_LABEL: &[u8] = b"chingu/prekey/v1";
/// How long a prekey stays current (24 h, seconds).
pub const PREKEY_ROTATION_SECS: u64 = 24 * 60 * 60;
/// How long a retired prekey's private key is kept (14 days = mailbox TTL, seconds).
pub const PREKEY_GRACE_SECS: u64 = 14 * 24 * 60 * 60;
/// Most retired prekeys a ring keeps (the oldest go first); the schedule needs 15.
pub const MAX_RETIRED_PREKEYS: usize = 32;

/// A prekey with its private half.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prekey {
    /// Identifier, published with the public key (`"id"`).
    pub id: u32,
    #[serde(rename = "sk")]
    secret: Fixed<KEY_LEN>,
    /// X25519 public key (`"pk"`).
    pub pk: Fixed<KEY_LEN>,
    /// Unix seconds of generation (`"at"`).
    #[serde(rename = "at")]
    pub created_at: u64,
}

impl fmt::Debug for Prekey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Prekey")
            .field("id", &self.id)
            .field("pk", &self.pk)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

impl Prekey {
    /// Generates prekey `id` at `now` (unix seconds) with snow's builder.
    pub fn generate(id: u32, now: u64, rng: &mut (impl RngCore + CryptoRng)) -> Result<Self, SessionError> {
        let (secret, public) = generate_keypair(rng)?;
        Ok(Self {
            id,
            secret: Fixed(secret),
            pk: Fixed(public),
            created_at: now,
        })
    }

    /// The private key.
    pub(crate) fn secret(&self) -> &[u8; KEY_LEN] {
        &self.secret
    }

    /// The public half, signed by `identity`, for the rendezvous record.
    pub fn sign(&self, identity: &ed25519::Keypair) -> SignedPrekey {
        SignedPrekey::sign(identity, self.id, self.pk.0)
    }
}

/// A published prekey: `{"id": u32, "pk": public, "sig": signature}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedPrekey {
    /// Identifier (`"id"`).
    pub id: u32,
    /// X25519 public key (`"pk"`).
    pub pk: Fixed<KEY_LEN>,
    /// Identity signature over `"chingu/prekey/v1" || u32be(id) || public` (`"sig"`).
    pub sig: Fixed<64>,
}

impl SignedPrekey {
    /// Signs prekey `id` with public key `pk` as `identity`.
    pub fn sign(identity: &ed25519::Keypair, id: u32, pk: [u8; KEY_LEN]) -> Self {
        Self {
            id,
            pk: Fixed(pk),
            sig: Fixed(crate::crypto::sign(identity, &Self::message(id, &pk))),
        }
    }

    /// Checks the signature against the (pinned) identity key
    /// ([`SessionError::BadPrekeySignature`] otherwise).
    pub fn verify(&self, identity_pk: &[u8; 32]) -> Result<(), SessionError> {
        if crate::crypto::verify(identity_pk, &Self::message(self.id, &self.pk), &self.sig) {
            Ok(())
        } else {
            Err(SessionError::BadPrekeySignature)
        }
    }

    /// The bytes the identity signs: `"chingu/prekey/v1" || u32be(id) || pk`.
    pub fn message(id: u32, public: &[u8; KEY_LEN]) -> Vec<u8> {
        [PREKEY_LABEL, &id.to_be_bytes(), public.as_slice()].concat()
    }
}

/// A prekey that is no longer current, kept until `retired_at + PREKEY_GRACE_SECS`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Retired {
    key: Prekey,
    #[serde(rename = "at")]
    retired_at: u64,
}

/// The local prekeys: the current one and the retired ones still in their grace period.
/// Persist it after every change ([`PrekeyRing::rotate_if_due`] returned true,
/// [`PrekeyRing::expire`] returned non-zero); call both from an hourly timer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrekeyRing {
    current: Prekey,
    retired: Vec<Retired>,
}

impl PrekeyRing {
    /// A ring with one fresh prekey; its id is random so that a reinstalled node does
    /// not reuse the ids cached in old records.
    pub fn new(now: u64, rng: &mut (impl RngCore + CryptoRng)) -> Result<Self, SessionError> {
        let id = rng.next_u32();
        Ok(Self {
            current: Prekey::generate(id, now, rng)?,
            retired: Vec::new(),
        })
    }

    /// The prekey to publish.
    pub fn current(&self) -> &Prekey {
        &self.current
    }

    /// Replaces the current prekey if it is [`PREKEY_ROTATION_SECS`] old. Returns true if
    /// it did: persist the ring, then publish the new [`Prekey::sign`] in the record.
    pub fn rotate_if_due(&mut self, now: u64, rng: &mut (impl RngCore + CryptoRng)) -> Result<bool, SessionError> {
        if now < self.current.created_at.saturating_add(PREKEY_ROTATION_SECS) {
            return Ok(false);
        }
        let next = Prekey::generate(self.current.id.wrapping_add(1), now, rng)?;
        let key = std::mem::replace(&mut self.current, next);
        self.retired.push(Retired { key, retired_at: now });
        if self.retired.len() > MAX_RETIRED_PREKEYS {
            self.retired.remove(0);
        }
        Ok(true)
    }

    /// Deletes retired prekeys whose grace period ended; returns how many.
    pub fn expire(&mut self, now: u64) -> usize {
        let before = self.retired.len();
        self.retired
            .retain(|r| now < r.retired_at.saturating_add(PREKEY_GRACE_SECS));
        before - self.retired.len()
    }

    /// The prekey with `id`, current or retired.
    pub fn find(&self, id: u32) -> Option<&Prekey> {
        std::iter::once(&self.current)
            .chain(self.retired.iter().map(|r| &r.key))
            .find(|k| k.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::testutil::user;
    use crate::wire::{from_cbor, to_cbor};

    const DAY: u64 = 24 * 60 * 60;

    #[test]
    fn signed_prekey_verifies_only_for_its_identity() {
        let alice = user(1);
        let prekey = Prekey::generate(7, 0, &mut rand::rngs::OsRng).unwrap();
        let signed = prekey.sign(alice.identity());
        signed.verify(&alice.identity_pk()).unwrap();
        assert_eq!(
            signed.verify(&user(2).identity_pk()),
            Err(SessionError::BadPrekeySignature)
        );
        let mut other_id = signed;
        other_id.id = 8;
        assert_eq!(
            other_id.verify(&alice.identity_pk()),
            Err(SessionError::BadPrekeySignature)
        );
        let mut other_key = signed;
        other_key.pk.0[0] ^= 1;
        assert_eq!(
            other_key.verify(&alice.identity_pk()),
            Err(SessionError::BadPrekeySignature)
        );
        assert_eq!(signed.verify(&[0xff; 32]), Err(SessionError::BadPrekeySignature));
    }

    #[test]
    fn ring_rotates_daily_and_expires_after_grace() {
        let rng = &mut rand::rngs::OsRng;
        let mut ring = PrekeyRing::new(1_000, rng).unwrap();
        let first = ring.current().id;
        assert!(!ring.rotate_if_due(1_000 + DAY - 1, rng).unwrap());
        assert!(ring.rotate_if_due(1_000 + DAY, rng).unwrap());
        assert_eq!(ring.current().id, first.wrapping_add(1));
        assert!(ring.find(first).is_some());
        // Retired at 1000 + DAY: kept through the grace period, then deleted.
        let retired_at = 1_000 + DAY;
        assert_eq!(ring.expire(retired_at + PREKEY_GRACE_SECS - 1), 0);
        assert!(ring.find(first).is_some());
        assert_eq!(ring.expire(retired_at + PREKEY_GRACE_SECS), 1);
        assert!(ring.find(first).is_none());
        assert!(
            ring.find(first.wrapping_add(1)).is_some(),
            "the current key never expires"
        );
        // Survives persistence, and the Debug output hides the secrets.
        let restored: PrekeyRing = from_cbor(&to_cbor(&ring), 1 << 16).unwrap();
        assert_eq!(restored, ring);
        let secret = hex::encode(ring.current().secret());
        assert!(!format!("{ring:?}").contains(&secret));
    }

    #[test]
    fn ring_stays_bounded_on_a_steady_schedule() {
        let rng = &mut rand::rngs::OsRng;
        let mut ring = PrekeyRing::new(0, rng).unwrap();
        for day in 1..=100 {
            ring.rotate_if_due(day * DAY, rng).unwrap();
            ring.expire(day * DAY);
        }
        assert_eq!(ring.retired.len(), 14);
        // Without expiry, the cap holds.
        for day in 101..=200 {
            ring.rotate_if_due(day * DAY, rng).unwrap();
        }
        assert_eq!(ring.retired.len(), MAX_RETIRED_PREKEYS);
    }
}
