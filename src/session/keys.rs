//! Keys and identity binding shared by the handshake and the sealed box.
//!
//! A chingu user has a long-term ed25519 identity key and a separate X25519 Noise static
//! key. [`NoiseBinding`] is the identity's signature over the static key; it travels in
//! every [`HandshakePayload`] so a peer that learns a static key from Noise also learns,
//! verifiably, which identity owns it.
//!
//! This file also holds the bridge to snow's crypto: `noise_builder` configures snow
//! with ring's ChaChaPoly (default resolver as fallback, for BLAKE2s and X25519) and with
//! randomness drawn from the caller's RNG, so the module stays sans-IO and vectors can
//! fix every ephemeral key.

use std::cell::Cell;
use std::fmt;

use libp2p_identity::ed25519;
use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use snow::params::{CipherChoice, DHChoice, HashChoice, NoiseParams};
use snow::resolvers::{CryptoResolver, DefaultResolver, FallbackResolver, RingResolver};
use snow::types::{Cipher, Dh, Hash, Random};

use super::{SessionError, KEY_LEN};
use crate::wire::{from_cbor, to_cbor, Bytes, Fixed, Text};

/// Domain-separation label of the identity signature over a Noise static key.
pub const BINDING_LABEL: &[u8] = b"chingu/noise-binding/v1";
/// Longest claimed phone number in a payload (E.164 is at most 16 characters with `+`).
pub const MAX_PHONE: usize = 20;
/// Longest opaque introduction (e.g. an invite proof) in a payload.
pub const MAX_INTRO: usize = 64;
/// Largest CBOR encoding of a [`HandshakePayload`] (every field at its limit).
pub const MAX_HANDSHAKE_PAYLOAD: usize = 208;

/// The local user's keys, as the session module needs them.
#[derive(Clone)]
pub struct LocalKeys {
    identity: ed25519::Keypair,
    noise_private: [u8; KEY_LEN],
    binding: NoiseBinding,
}

impl fmt::Debug for LocalKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalKeys")
            .field("identity_pk", &self.binding.identity_pk)
            .field("noise_public", &self.binding.noise_static)
            .finish_non_exhaustive()
    }
}

impl LocalKeys {
    /// Builds the key set from the identity key pair and the X25519 static private key
    /// (derives the public key and signs the binding once).
    pub fn new(identity: ed25519::Keypair, noise_private: [u8; KEY_LEN]) -> Self {
        let noise_public = x25519_public(&noise_private);
        let binding = NoiseBinding::sign(&identity, &noise_public);
        Self {
            identity,
            noise_private,
            binding,
        }
    }

    /// The ed25519 identity public key.
    pub fn identity_pk(&self) -> [u8; 32] {
        self.binding.identity_pk.0
    }

    /// The identity key pair (signs prekeys).
    pub fn identity(&self) -> &ed25519::Keypair {
        &self.identity
    }

    /// The X25519 static public key (published in the rendezvous record).
    pub fn noise_public(&self) -> [u8; KEY_LEN] {
        self.binding.noise_static.0
    }

    /// The X25519 static private key.
    pub(crate) fn noise_private(&self) -> &[u8; KEY_LEN] {
        &self.noise_private
    }

    /// The identity's signature over the static key.
    pub fn binding(&self) -> &NoiseBinding {
        &self.binding
    }
}

/// An identity's signature over a Noise static key:
/// `ed25519_sign(identity, "chingu/noise-binding/v1" || noise_static)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoiseBinding {
    /// The ed25519 identity public key (`"id"`).
    #[serde(rename = "id")]
    pub identity_pk: Fixed<32>,
    /// The X25519 Noise static public key (`"ns"`).
    #[serde(rename = "ns")]
    pub noise_static: Fixed<32>,
    /// The signature (`"sig"`).
    pub sig: Fixed<64>,
}

impl NoiseBinding {
    /// Signs `noise_static` with `identity`.
    pub fn sign(identity: &ed25519::Keypair, noise_static: &[u8; KEY_LEN]) -> Self {
        Self {
            identity_pk: Fixed(identity.public().to_bytes()),
            noise_static: Fixed(*noise_static),
            sig: Fixed(crate::crypto::sign(identity, &Self::message(noise_static))),
        }
    }

    /// Checks the signature ([`SessionError::BadBinding`] if it does not verify or the
    /// identity key is not a valid ed25519 point).
    pub fn verify(&self) -> Result<(), SessionError> {
        if crate::crypto::verify(&self.identity_pk, &Self::message(&self.noise_static), &self.sig) {
            Ok(())
        } else {
            Err(SessionError::BadBinding)
        }
    }

    fn message(noise_static: &[u8; KEY_LEN]) -> Vec<u8> {
        [BINDING_LABEL, noise_static.as_slice()].concat()
    }
}

/// What each side proves about itself inside the handshake (and the sealed box): CBOR
/// `{"id": identity_pk, "bind": binding_sig, "phone": text, "intro": bytes / null}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandshakePayload {
    /// The sender's ed25519 identity public key (`"id"`).
    #[serde(rename = "id")]
    pub identity_pk: Fixed<32>,
    /// The sender's [`NoiseBinding`] signature over its Noise static key (`"bind"`).
    #[serde(rename = "bind")]
    pub binding_sig: Fixed<64>,
    /// The sender's claimed E.164 number; informational, never trusted (`"phone"`).
    pub phone: Text<MAX_PHONE>,
    /// Opaque introduction the caller interprets, e.g. an invite proof (`"intro"`).
    pub intro: Option<Bytes<MAX_INTRO>>,
}

impl HandshakePayload {
    /// The local user's payload.
    pub fn new(local: &LocalKeys, phone: &str, intro: Option<&[u8]>) -> Result<Self, SessionError> {
        Ok(Self {
            identity_pk: local.binding.identity_pk,
            binding_sig: local.binding.sig,
            phone: Text::new(phone)?,
            intro: intro.map(Bytes::try_from).transpose()?,
        })
    }

    /// Checks that the payload's identity signed `noise_static`, the key the Noise
    /// handshake authenticated ([`SessionError::BadBinding`] otherwise).
    pub fn verify_binding(&self, noise_static: &[u8; KEY_LEN]) -> Result<(), SessionError> {
        NoiseBinding {
            identity_pk: self.identity_pk,
            noise_static: Fixed(*noise_static),
            sig: self.binding_sig,
        }
        .verify()
    }

    /// The CBOR encoding.
    pub(crate) fn encode(&self) -> Vec<u8> {
        to_cbor(self)
    }

    /// Decodes an untrusted payload.
    pub(crate) fn decode(bytes: &[u8]) -> Result<Self, SessionError> {
        Ok(from_cbor(bytes, MAX_HANDSHAKE_PAYLOAD)?)
    }
}

/// The X25519 public key of `private`.
fn x25519_public(private: &[u8; KEY_LEN]) -> [u8; KEY_LEN] {
    let mut dh = resolver()
        .resolve_dh(&DHChoice::Curve25519)
        .expect("snow's default resolver always provides Curve25519");
    dh.set(private);
    let mut public = [0u8; KEY_LEN];
    public.copy_from_slice(dh.pubkey());
    public
}

/// Generates an X25519 key pair `(private, public)` with snow's builder, from 32 bytes
/// of the caller's RNG. Used for the Noise static key and for prekeys.
pub fn generate_keypair(rng: &mut (impl RngCore + CryptoRng)) -> Result<([u8; KEY_LEN], [u8; KEY_LEN]), SessionError> {
    let entropy = draw_entropy(rng);
    let keypair = noise_builder(super::handshake::DM_PATTERN, Some(entropy))?.generate_keypair()?;
    let private = key_from(&keypair.private)?;
    let public = key_from(&keypair.public)?;
    Ok((private, public))
}

/// Copies a snow key slice into an array.
pub(crate) fn key_from(bytes: &[u8]) -> Result<[u8; KEY_LEN], SessionError> {
    <[u8; KEY_LEN]>::try_from(bytes).map_err(|_| SessionError::Noise(format!("key of {} bytes", bytes.len())))
}

/// A ChaChaPoly cipher from the ring resolver (default resolver as fallback).
pub(crate) fn chacha_cipher() -> Box<dyn Cipher> {
    resolver()
        .resolve_cipher(&CipherChoice::ChaChaPoly)
        .expect("snow's resolvers always provide ChaChaPoly")
}

/// 32 bytes from the caller's RNG: the secret of the one key a snow builder generates.
pub(crate) fn draw_entropy(rng: &mut (impl RngCore + CryptoRng)) -> [u8; KEY_LEN] {
    let mut bytes = [0u8; KEY_LEN];
    rng.fill_bytes(&mut bytes);
    bytes
}

/// A snow builder for `pattern`. With `entropy`, the handshake (or `generate_keypair`)
/// uses those bytes as the secret of the single key it generates; without, any attempt
/// to generate a key fails with a snow RNG error (sides that never generate a key, such
/// as the receiving side of a one-way pattern).
pub(crate) fn noise_builder<'a>(
    pattern: &str,
    entropy: Option<[u8; KEY_LEN]>,
) -> Result<snow::Builder<'a>, SessionError> {
    let params: NoiseParams = pattern.parse()?;
    let resolver = CallerEntropy {
        inner: resolver(),
        entropy: Cell::new(entropy),
    };
    Ok(snow::Builder::with_resolver(params, Box::new(resolver)))
}

/// ring first (ChaChaPoly), snow's RustCrypto resolver for the rest (X25519, BLAKE2s).
fn resolver() -> FallbackResolver {
    FallbackResolver::new(Box::new(RingResolver), Box::new(DefaultResolver))
}

/// A resolver that hands snow 32 bytes drawn from the caller's RNG, once.
struct CallerEntropy {
    inner: FallbackResolver,
    entropy: Cell<Option<[u8; KEY_LEN]>>,
}

impl CryptoResolver for CallerEntropy {
    fn resolve_rng(&self) -> Option<Box<dyn Random>> {
        Some(Box::new(OneShot(self.entropy.take())))
    }

    fn resolve_dh(&self, choice: &DHChoice) -> Option<Box<dyn Dh>> {
        self.inner.resolve_dh(choice)
    }

    fn resolve_hash(&self, choice: &HashChoice) -> Option<Box<dyn Hash>> {
        self.inner.resolve_hash(choice)
    }

    fn resolve_cipher(&self, choice: &CipherChoice) -> Option<Box<dyn Cipher>> {
        self.inner.resolve_cipher(choice)
    }
}

/// Yields its 32 bytes to exactly one request of exactly 32 bytes, then fails: a key
/// can never be generated twice from the same entropy.
struct OneShot(Option<[u8; KEY_LEN]>);

impl Random for OneShot {
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), snow::Error> {
        match (self.0.take(), dest.len()) {
            (Some(bytes), KEY_LEN) => {
                dest.copy_from_slice(&bytes);
                Ok(())
            }
            _ => Err(snow::Error::Rng),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::testutil::{user, ScriptedRng};
    use crate::wire::WireError;

    #[test]
    fn binding_signs_and_verifies() {
        let alice = user(1);
        alice.binding().verify().unwrap();
        let payload = HandshakePayload::new(&alice, "+821012345678", None).unwrap();
        payload.verify_binding(&alice.noise_public()).unwrap();
        // Another static key, another identity, a flipped signature bit: all rejected.
        let bob = user(2);
        assert_eq!(
            payload.verify_binding(&bob.noise_public()),
            Err(SessionError::BadBinding)
        );
        let mut forged = payload.clone();
        forged.identity_pk = Fixed(bob.identity_pk());
        assert_eq!(
            forged.verify_binding(&alice.noise_public()),
            Err(SessionError::BadBinding)
        );
        let mut flipped = payload;
        flipped.binding_sig.0[10] ^= 1;
        assert_eq!(
            flipped.verify_binding(&alice.noise_public()),
            Err(SessionError::BadBinding)
        );
        // An identity key that is not a curve point.
        let mut invalid = *alice.binding();
        invalid.identity_pk = Fixed([0xff; 32]);
        assert_eq!(invalid.verify(), Err(SessionError::BadBinding));
    }

    #[test]
    fn payload_limits() {
        let alice = user(1);
        let max = HandshakePayload::new(&alice, &"9".repeat(MAX_PHONE), Some(&[7; MAX_INTRO])).unwrap();
        assert_eq!(max.encode().len(), MAX_HANDSHAKE_PAYLOAD);
        assert_eq!(HandshakePayload::decode(&max.encode()).unwrap(), max);
        assert!(matches!(
            HandshakePayload::new(&alice, &"9".repeat(MAX_PHONE + 1), None),
            Err(SessionError::TooLarge { .. })
        ));
        assert!(matches!(
            HandshakePayload::new(&alice, "", Some(&[0; MAX_INTRO + 1])),
            Err(SessionError::TooLarge { .. })
        ));
        let mut long = max.encode();
        long.push(0);
        assert!(matches!(
            HandshakePayload::decode(&long),
            Err(SessionError::Malformed(WireError::Oversized { .. }))
        ));
    }

    #[test]
    fn generated_keys_come_from_the_callers_rng() {
        let (private, public) = generate_keypair(&mut ScriptedRng::new(&[[9; 32]])).unwrap();
        assert_eq!(private, [9; 32]);
        assert_eq!(public, x25519_public(&private));
        let (other, _) = generate_keypair(&mut rand::rngs::OsRng).unwrap();
        assert_ne!(other, private);
    }

    #[test]
    fn entropy_is_handed_out_once() {
        let mut once = OneShot(Some([1; 32]));
        let mut out = [0u8; 32];
        once.try_fill_bytes(&mut out).unwrap();
        assert_eq!(out, [1; 32]);
        assert_eq!(once.try_fill_bytes(&mut out), Err(snow::Error::Rng));
        assert_eq!(
            OneShot(Some([1; 32])).try_fill_bytes(&mut [0; 16]),
            Err(snow::Error::Rng)
        );
        let builder = noise_builder(crate::session::handshake::DM_PATTERN, None).unwrap();
        assert!(builder.generate_keypair().is_err());
    }
}
