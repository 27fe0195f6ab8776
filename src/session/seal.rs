//! Offline messages: a one-way `Noise_X_25519_ChaChaPoly_BLAKE2s` box sealed to the
//! recipient's signed prekey, for deposit on mailbox nodes.
//!
//! The sender's static key travels encrypted and is authenticated by the `ss` token; the
//! payload carries the sender's [`HandshakePayload`] so the recipient learns, verifiably,
//! which identity owns that static key. Prologue:
//! `"chingu/seal/v1" || recipient_identity_pk || u32be(prekey_id)`.
//!
//! Properties (protocol/session.md §7): confidentiality against everyone without the
//! prekey's private key; no forward secrecy beyond the prekey schedule (a thief of the
//! prekey ring reads every stored box sealed to a prekey it still holds); replayable (the
//! caller deduplicates by message id); sender authentication is KCI-vulnerable (whoever
//! holds the recipient's prekey secret can forge boxes "from" anyone to that recipient).

use serde::{Deserialize, Serialize};

use super::handshake::{read, remote_static, write};
use super::keys::{draw_entropy, noise_builder, HandshakePayload, LocalKeys, MAX_HANDSHAKE_PAYLOAD};
use super::prekey::{PrekeyRing, SignedPrekey};
use super::transport::MAX_FRAME_CT;
use super::{check_len, SessionError, KEY_LEN, TAG_LEN};
use crate::wire::{from_cbor, to_cbor, Bytes};

/// The Noise protocol name of the sealed box.
pub const SEAL_PATTERN: &str = "Noise_X_25519_ChaChaPoly_BLAKE2s";
/// Domain-separation label at the start of the sealed box's prologue.
pub const SEAL_PROLOGUE_LABEL: &[u8] = b"chingu/seal/v1";
/// Largest Noise message of a sealed box (same budget as a transport frame).
pub const MAX_SEALED: usize = MAX_FRAME_CT;
/// Smallest Noise message: ephemeral key, encrypted static key, payload tag.
pub const MIN_SEALED: usize = KEY_LEN + KEY_LEN + TAG_LEN + TAG_LEN;
/// CBOR overhead of the sealed payload around the body: map header, the keys
/// `"sender"` and `"body"`, the sender payload at its limit, a 3-byte body header.
const SEALED_PAYLOAD_OVERHEAD: usize = 1 + 7 + MAX_HANDSHAKE_PAYLOAD + 5 + 3;
/// Largest body (the caller's plaintext) of a sealed box.
pub const MAX_SEALED_BODY: usize = MAX_SEALED - MIN_SEALED - SEALED_PAYLOAD_OVERHEAD;
/// Largest CBOR encoding of a [`Sealed`] (17 bytes of map, keys and headers).
pub const MAX_SEALED_BYTES: usize = MAX_SEALED + 17;

/// A sealed box: `{"pid": prekey id, "msg": Noise X message}`. Not a top-level message:
/// the mailbox protocol carries it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    /// The recipient prekey it is sealed to (`"pid"`).
    #[serde(rename = "pid")]
    pub prekey_id: u32,
    /// The Noise message (`"msg"`).
    pub msg: Bytes<MAX_SEALED>,
}

impl Sealed {
    /// The CBOR encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        to_cbor(self)
    }

    /// Decodes an untrusted sealed box.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SessionError> {
        Ok(from_cbor(bytes, MAX_SEALED_BYTES)?)
    }
}

/// The encrypted content: `{"sender": HandshakePayload, "body": bytes}`.
#[derive(Serialize, Deserialize)]
struct SealedPayload {
    sender: HandshakePayload,
    body: Bytes<MAX_SEALED_BODY>,
}

/// What [`open`] recovers from a box.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opened {
    /// The sender's payload; its identity binding to `sender_static` is verified.
    pub sender: HandshakePayload,
    /// The sender's Noise static key, authenticated by the Noise `ss` token.
    pub sender_static: [u8; KEY_LEN],
    /// The caller's plaintext.
    pub body: Vec<u8>,
}

/// Seals `body` from `local` (whose `payload` it carries, see [`HandshakePayload::new`])
/// to `recipient_prekey` of the user with the pinned `recipient_identity_pk`. Verifies the
/// prekey signature first ([`SessionError::BadPrekeySignature`]); the ephemeral secret
/// comes from `rng`.
pub fn seal(
    local: &LocalKeys,
    recipient_identity_pk: &[u8; 32],
    recipient_prekey: &SignedPrekey,
    payload: &HandshakePayload,
    body: &[u8],
    rng: &mut (impl rand::RngCore + rand::CryptoRng),
) -> Result<Sealed, SessionError> {
    recipient_prekey.verify(recipient_identity_pk)?;
    let body = Bytes::new(body)?;
    let plaintext = to_cbor(&SealedPayload {
        sender: payload.clone(),
        body,
    });
    let prologue = prologue(recipient_identity_pk, recipient_prekey.id);
    let mut state = noise_builder(SEAL_PATTERN, Some(draw_entropy(rng)))?
        .local_private_key(local.noise_private())?
        .remote_public_key(recipient_prekey.pk.as_slice())?
        .prologue(&prologue)?
        .build_initiator()?;
    let msg = write(&mut state, &plaintext, MAX_SEALED)?;
    let msg = Bytes::new(msg)?;
    Ok(Sealed {
        prekey_id: recipient_prekey.id,
        msg,
    })
}

/// Opens a box addressed to the local user (`local_identity_pk`) with the prekey it
/// names. Errors: [`SessionError::UnknownPrekey`] (never held or already deleted: the box
/// can never be opened), [`SessionError::DecryptFailed`], [`SessionError::Malformed`],
/// [`SessionError::BadBinding`].
pub fn open(ring: &PrekeyRing, local_identity_pk: &[u8; 32], sealed: &Sealed) -> Result<Opened, SessionError> {
    let prekey = ring
        .find(sealed.prekey_id)
        .ok_or(SessionError::UnknownPrekey(sealed.prekey_id))?;
    check_len(sealed.msg.len(), MIN_SEALED, MAX_SEALED)?;
    let prologue = prologue(local_identity_pk, sealed.prekey_id);
    let mut state = noise_builder(SEAL_PATTERN, None)?
        .local_private_key(prekey.secret())?
        .prologue(&prologue)?
        .build_responder()?;
    let plaintext = read(&mut state, &sealed.msg)?;
    let SealedPayload { sender, body } = from_cbor(&plaintext, MAX_SEALED)?;
    let sender_static = remote_static(&state)?;
    sender.verify_binding(&sender_static)?;
    Ok(Opened {
        sender,
        sender_static,
        body: body.into_vec(),
    })
}

/// `"chingu/seal/v1" || recipient_identity_pk || u32be(prekey_id)`.
fn prologue(recipient_identity_pk: &[u8; 32], prekey_id: u32) -> Vec<u8> {
    [
        SEAL_PROLOGUE_LABEL,
        recipient_identity_pk.as_slice(),
        &prekey_id.to_be_bytes(),
    ]
    .concat()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rand::rngs::OsRng;

    use super::*;
    use crate::session::prekey::{Prekey, PREKEY_GRACE_SECS, PREKEY_ROTATION_SECS};
    use crate::session::testutil::{hex32, hex_field, keys, user, vector, ScriptedRng};
    use crate::wire::{Fixed, WireError};

    fn payload(keys: &LocalKeys) -> HandshakePayload {
        HandshakePayload::new(keys, "+821012345678", None).unwrap()
    }

    struct Setup {
        alice: LocalKeys,
        bob: LocalKeys,
        ring: PrekeyRing,
        signed: SignedPrekey,
    }

    fn setup() -> Setup {
        let (alice, bob) = (user(1), user(2));
        let ring = PrekeyRing::new(1_000, &mut OsRng).unwrap();
        let signed = ring.current().sign(bob.identity());
        Setup {
            alice,
            bob,
            ring,
            signed,
        }
    }

    #[test]
    fn seal_open_round_trip() {
        let s = setup();
        let sealed = seal(
            &s.alice,
            &s.bob.identity_pk(),
            &s.signed,
            &payload(&s.alice),
            b"are you there?",
            &mut OsRng,
        )
        .unwrap();
        let wire = Sealed::from_bytes(&sealed.to_bytes()).unwrap();
        let opened = open(&s.ring, &s.bob.identity_pk(), &wire).unwrap();
        assert_eq!(opened.body, b"are you there?");
        assert_eq!(opened.sender, payload(&s.alice));
        assert_eq!(opened.sender_static, s.alice.noise_public());
        // Replayable by design: opening twice works (the caller deduplicates by id).
        assert_eq!(open(&s.ring, &s.bob.identity_pk(), &wire).unwrap(), opened);
        // Largest body fits every limit; one more byte is refused.
        let max = seal(
            &s.alice,
            &s.bob.identity_pk(),
            &s.signed,
            &payload(&s.alice),
            &[1; MAX_SEALED_BODY],
            &mut OsRng,
        )
        .unwrap();
        assert!(max.to_bytes().len() <= MAX_SEALED_BYTES);
        let big = HandshakePayload::new(&s.alice, &"1".repeat(20), Some(&[2; 64])).unwrap();
        let max = seal(
            &s.alice,
            &s.bob.identity_pk(),
            &s.signed,
            &big,
            &[1; MAX_SEALED_BODY],
            &mut OsRng,
        )
        .unwrap();
        assert_eq!(max.msg.len(), MAX_SEALED);
        assert_eq!(
            open(&s.ring, &s.bob.identity_pk(), &max).unwrap().body.len(),
            MAX_SEALED_BODY
        );
        assert!(matches!(
            seal(
                &s.alice,
                &s.bob.identity_pk(),
                &s.signed,
                &big,
                &[1; MAX_SEALED_BODY + 1],
                &mut OsRng
            ),
            Err(SessionError::TooLarge { .. })
        ));
    }

    #[test]
    fn open_with_a_deleted_prekey_is_a_clear_error() {
        let mut s = setup();
        let old_id = s.signed.id;
        let sealed = seal(
            &s.alice,
            &s.bob.identity_pk(),
            &s.signed,
            &payload(&s.alice),
            b"late",
            &mut OsRng,
        )
        .unwrap();
        // Still readable after rotation, during the grace period.
        assert!(s.ring.rotate_if_due(1_000 + PREKEY_ROTATION_SECS, &mut OsRng).unwrap());
        open(&s.ring, &s.bob.identity_pk(), &sealed).unwrap();
        // Gone after it.
        s.ring.expire(1_000 + PREKEY_ROTATION_SECS + PREKEY_GRACE_SECS);
        assert_eq!(
            open(&s.ring, &s.bob.identity_pk(), &sealed),
            Err(SessionError::UnknownPrekey(old_id))
        );
        assert_eq!(SessionError::UnknownPrekey(old_id).reason(), "unknown_prekey");
    }

    #[test]
    fn forged_prekey_signature_is_refused() {
        let s = setup();
        // Mallory's prekey, signed by Mallory, presented as Bob's.
        let mallory = user(9);
        let forged = Prekey::generate(s.signed.id, 0, &mut OsRng)
            .unwrap()
            .sign(mallory.identity());
        assert_eq!(
            seal(
                &s.alice,
                &s.bob.identity_pk(),
                &forged,
                &payload(&s.alice),
                b"x",
                &mut OsRng
            ),
            Err(SessionError::BadPrekeySignature)
        );
        // Bob's signature with a swapped key.
        let mut swapped = s.signed;
        swapped.pk = forged.pk;
        assert_eq!(
            seal(
                &s.alice,
                &s.bob.identity_pk(),
                &swapped,
                &payload(&s.alice),
                b"x",
                &mut OsRng
            ),
            Err(SessionError::BadPrekeySignature)
        );
    }

    #[test]
    fn tampering_wrong_recipient_and_bad_binding() {
        let s = setup();
        let sealed = seal(
            &s.alice,
            &s.bob.identity_pk(),
            &s.signed,
            &payload(&s.alice),
            b"hi",
            &mut OsRng,
        )
        .unwrap();
        for i in 0..sealed.msg.len() {
            let mut bad = sealed.msg.to_vec();
            bad[i] ^= 0x80;
            let bad = Sealed {
                prekey_id: sealed.prekey_id,
                msg: Bytes::new(bad).unwrap(),
            };
            assert_eq!(
                open(&s.ring, &s.bob.identity_pk(), &bad),
                Err(SessionError::DecryptFailed),
                "byte {i}"
            );
        }
        // Opened as if addressed to another identity (prologue mismatch).
        assert_eq!(
            open(&s.ring, &user(3).identity_pk(), &sealed),
            Err(SessionError::DecryptFailed)
        );
        // A box claiming another id that the ring also holds.
        let mut ring = s.ring.clone();
        ring.rotate_if_due(1_000 + PREKEY_ROTATION_SECS, &mut OsRng).unwrap();
        let moved = Sealed {
            prekey_id: ring.current().id,
            msg: sealed.msg.clone(),
        };
        assert_eq!(
            open(&ring, &s.bob.identity_pk(), &moved),
            Err(SessionError::DecryptFailed)
        );
        // The sender's payload claims an identity that did not sign its static key.
        let claims_carol = payload(&user(3));
        let sealed = seal(
            &s.alice,
            &s.bob.identity_pk(),
            &s.signed,
            &claims_carol,
            b"hi",
            &mut OsRng,
        )
        .unwrap();
        assert_eq!(
            open(&s.ring, &s.bob.identity_pk(), &sealed),
            Err(SessionError::BadBinding)
        );
        // Too short to hold the fixed part.
        let short = Sealed {
            prekey_id: s.signed.id,
            msg: Bytes::new(vec![0; MIN_SEALED - 1]).unwrap(),
        };
        assert!(matches!(
            open(&s.ring, &s.bob.identity_pk(), &short),
            Err(SessionError::Truncated { .. })
        ));
    }

    #[test]
    fn malformed_sealed_payload_is_rejected() {
        let s = setup();
        let prologue = prologue(&s.bob.identity_pk(), s.signed.id);
        let mut state = noise_builder(SEAL_PATTERN, Some([4; 32]))
            .unwrap()
            .local_private_key(s.alice.noise_private())
            .unwrap()
            .remote_public_key(s.signed.pk.as_slice())
            .unwrap()
            .prologue(&prologue)
            .unwrap()
            .build_initiator()
            .unwrap();
        let msg = write(&mut state, &[0xa0], MAX_SEALED).unwrap();
        let sealed = Sealed {
            prekey_id: s.signed.id,
            msg: Bytes::new(msg).unwrap(),
        };
        assert!(matches!(
            open(&s.ring, &s.bob.identity_pk(), &sealed),
            Err(SessionError::Malformed(WireError::Malformed(_)))
        ));
    }

    proptest! {
        #[test]
        fn garbage_sealed_boxes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let s = setup();
            if let Ok(sealed) = Sealed::from_bytes(&bytes) {
                prop_assert!(open(&s.ring, &s.bob.identity_pk(), &sealed).is_err());
            }
            let raw = Sealed { prekey_id: s.signed.id, msg: Bytes::new(bytes).unwrap() };
            prop_assert!(open(&s.ring, &s.bob.identity_pk(), &raw).is_err());
        }
    }

    /// Inputs of the sealed-box vector: sender keys, recipient, ring, payload, body, rng.
    fn sealed_inputs(
        v: &serde_json::Value,
    ) -> (LocalKeys, LocalKeys, PrekeyRing, HandshakePayload, Vec<u8>, ScriptedRng) {
        let sender = keys(hex32(v, "sender_identity_secret"), hex32(v, "sender_noise_private"));
        let recipient = keys(
            hex32(v, "recipient_identity_secret"),
            hex32(v, "recipient_noise_private"),
        );
        let id = v["prekey_id"].as_u64().unwrap() as u32;
        // A ring whose first id and prekey secret come from the vector.
        let mut seed = [0u8; 32];
        seed[..4].copy_from_slice(&id.to_be_bytes());
        let ring = PrekeyRing::new(
            v["prekey_created_at"].as_u64().unwrap(),
            &mut ScriptedRng::new(&[seed, hex32(v, "prekey_secret")]),
        )
        .unwrap();
        // The vector spells the intro out: null, as the node's own boxes carry it.
        assert!(v["sender_intro"].is_null(), "sender_intro is null in this vector");
        let payload = HandshakePayload::new(&sender, v["sender_phone"].as_str().unwrap(), None).unwrap();
        let rng = ScriptedRng::new(&[hex32(v, "sender_ephemeral_private")]);
        (sender, recipient, ring, payload, hex_field(v, "body"), rng)
    }

    #[test]
    fn sealed_vector() {
        let v = vector("sealed box");
        let (sender, recipient, ring, payload, body, mut rng) = sealed_inputs(&v);
        let signed = ring.current().sign(recipient.identity());
        assert_eq!(ring.current().id, v["prekey_id"].as_u64().unwrap() as u32);
        assert_eq!(hex::encode(signed.pk), v["prekey_public"].as_str().unwrap());
        assert_eq!(hex::encode(signed.sig), v["prekey_sig"].as_str().unwrap());
        assert_eq!(
            hex::encode(prologue(&recipient.identity_pk(), signed.id)),
            v["prologue"].as_str().unwrap()
        );
        // Encode direction.
        let sealed = seal(&sender, &recipient.identity_pk(), &signed, &payload, &body, &mut rng).unwrap();
        assert_eq!(hex::encode(&sealed.msg[..]), v["noise_msg"].as_str().unwrap());
        assert_eq!(hex::encode(sealed.to_bytes()), v["sealed_cbor"].as_str().unwrap());
        // The sender payload and the plaintext the Noise message carries, byte for byte.
        assert_eq!(
            hex::encode(payload.encode()),
            v["sender_payload_cbor"].as_str().unwrap()
        );
        let plaintext = to_cbor(&SealedPayload {
            sender: payload.clone(),
            body: Bytes::new(body.clone()).unwrap(),
        });
        assert_eq!(hex::encode(plaintext), v["plaintext_cbor"].as_str().unwrap());
        // Decode direction.
        let decoded = Sealed::from_bytes(&hex_field(&v, "sealed_cbor")).unwrap();
        let opened = open(&ring, &recipient.identity_pk(), &decoded).unwrap();
        assert_eq!(opened.body, body);
        assert_eq!(opened.sender, payload);
        assert_eq!(opened.sender_static, sender.noise_public());
        assert_eq!(Fixed(opened.sender_static), Fixed(hex32(&v, "sender_noise_public")));
    }
}
