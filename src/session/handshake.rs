//! The 1:1 handshake: `Noise_IK_25519_ChaChaPoly_BLAKE2s`.
//!
//! The initiator knows the responder's static key from the responder's pinned
//! rendezvous record; the responder learns the initiator's static key from message 1
//! (encrypted) and checks its identity binding. Two messages, then a [`Session`].
//!
//! Prologue: `"chingu/dm/v1" || responder_identity_pk`. The initiator's identity is not
//! in the prologue because the responder does not know it before message 1, and sending
//! it in clear ahead of the handshake would reveal who is calling to any observer (IK
//! encrypts the initiator's static). Instead message 1's payload carries the initiator's
//! identity key and its signature over the initiator's static key; the payload ciphertext
//! is hashed into the handshake hash, so the session id and both transport keys commit to
//! the initiator's identity just as a prologue would. Binding the responder's identity in
//! the prologue means a message 1 built for one identity fails to decrypt at a responder
//! claiming another (no unknown-key-share through a copied static key).
//!
//! Message 1 carries no application data: it is replayable and only weakly
//! authenticated. A responder rejects repeated ephemeral keys ([`ReplayGuard`]) and its
//! session is not [`Session::confirmed`] until the initiator's first frame decrypts.

use rand::{CryptoRng, RngCore};
use snow::HandshakeState;

use super::keys::{draw_entropy, key_from, noise_builder, HandshakePayload, LocalKeys, MAX_HANDSHAKE_PAYLOAD};
use super::replay::ReplayGuard;
use super::transport::{Established, Role, Session};
use super::{check_len, SessionError, KEY_LEN, TAG_LEN};
use crate::wire::Fixed;

/// The Noise protocol name of the 1:1 handshake.
pub const DM_PATTERN: &str = "Noise_IK_25519_ChaChaPoly_BLAKE2s";
/// Domain-separation label at the start of the handshake prologue.
pub const DM_PROLOGUE_LABEL: &[u8] = b"chingu/dm/v1";
/// Smallest message 1: ephemeral key, encrypted static key, tag of an empty payload.
pub const MIN_MSG1: usize = KEY_LEN + KEY_LEN + TAG_LEN + TAG_LEN;
/// Largest message 1 (payload at its limit).
pub const MAX_MSG1: usize = MIN_MSG1 + MAX_HANDSHAKE_PAYLOAD;
/// Smallest message 2: ephemeral key, tag of an empty payload.
pub const MIN_MSG2: usize = KEY_LEN + TAG_LEN;
/// Largest message 2 (payload at its limit).
pub const MAX_MSG2: usize = MIN_MSG2 + MAX_HANDSHAKE_PAYLOAD;

/// The initiator between sending message 1 and receiving message 2.
pub struct Initiator {
    state: HandshakeState,
    remote_identity: [u8; 32],
    remote_static: [u8; KEY_LEN],
}

impl std::fmt::Debug for Initiator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Initiator")
            .field("remote_identity", &Fixed(self.remote_identity))
            .finish_non_exhaustive()
    }
}

impl Initiator {
    /// Starts a handshake with the peer whose pinned record gave `remote_static` and
    /// `remote_identity_pk`; returns the state and message 1. `payload` is the local
    /// user's ([`HandshakePayload::new`]); the ephemeral secret comes from `rng`.
    pub fn new(
        local: &LocalKeys,
        remote_static: &[u8; KEY_LEN],
        remote_identity_pk: &[u8; 32],
        payload: &HandshakePayload,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<(Self, Vec<u8>), SessionError> {
        let prologue = prologue(remote_identity_pk);
        let mut state = noise_builder(DM_PATTERN, Some(draw_entropy(rng)))?
            .local_private_key(local.noise_private())?
            .remote_public_key(remote_static)?
            .prologue(&prologue)?
            .build_initiator()?;
        let msg1 = write(&mut state, &payload.encode(), MAX_MSG1)?;
        let initiator = Self {
            state,
            remote_identity: *remote_identity_pk,
            remote_static: *remote_static,
        };
        Ok((initiator, msg1))
    }

    /// Reads message 2 and completes the handshake at `now` (unix seconds). Fails with
    /// [`SessionError::DecryptFailed`] for anything not from the holder of the pinned
    /// static key, [`SessionError::IdentityMismatch`] if the responder presents another
    /// identity than the pinned one, [`SessionError::BadBinding`] if its binding does not
    /// verify.
    pub fn finish(mut self, msg2: &[u8], now: u64) -> Result<(Session, HandshakePayload), SessionError> {
        check_len(msg2.len(), MIN_MSG2, MAX_MSG2)?;
        let payload = HandshakePayload::decode(&read(&mut self.state, msg2)?)?;
        if payload.identity_pk.0 != self.remote_identity {
            return Err(SessionError::IdentityMismatch {
                expected: Fixed(self.remote_identity),
                got: payload.identity_pk,
            });
        }
        payload.verify_binding(&self.remote_static)?;
        let session = establish(self.state, Role::Initiator, &payload, now)?;
        Ok((session, payload))
    }
}

/// The responder after authenticating message 1, before answering it.
pub struct Responder {
    state: HandshakeState,
    initiator: HandshakePayload,
    initiator_static: [u8; KEY_LEN],
}

impl std::fmt::Debug for Responder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Responder")
            .field("initiator", &self.initiator)
            .finish_non_exhaustive()
    }
}

impl Responder {
    /// Reads message 1: rejects a repeated ephemeral key
    /// ([`SessionError::HandshakeReplay`]), anything that does not decrypt under the
    /// local static key and prologue ([`SessionError::DecryptFailed`]) and an initiator
    /// whose identity did not sign its static key ([`SessionError::BadBinding`]). The
    /// ephemeral key is remembered in `guard` once message 1 authenticates; persist
    /// `guard` with the session. The ephemeral secret of message 2 is drawn from `rng`.
    /// Look at [`Responder::initiator`] (pinned friend? non-contact request? blocked?),
    /// then [`Responder::accept`] or drop it.
    pub fn read(
        local: &LocalKeys,
        guard: &mut ReplayGuard,
        msg1: &[u8],
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<Self, SessionError> {
        check_len(msg1.len(), MIN_MSG1, MAX_MSG1)?;
        let ephemeral = key_from(msg1.get(..KEY_LEN).unwrap_or_default())?;
        guard.check(&ephemeral)?;
        let prologue = prologue(&local.identity_pk());
        // snow fixes its RNG when the state is built: the ephemeral secret for message 2
        // is drawn now.
        let mut state = noise_builder(DM_PATTERN, Some(draw_entropy(rng)))?
            .local_private_key(local.noise_private())?
            .prologue(&prologue)?
            .build_responder()?;
        let payload = read(&mut state, msg1)?;
        guard.insert(&ephemeral);
        let initiator = HandshakePayload::decode(&payload)?;
        let initiator_static = remote_static(&state)?;
        initiator.verify_binding(&initiator_static)?;
        Ok(Self {
            state,
            initiator,
            initiator_static,
        })
    }

    /// The initiator's verified payload (identity and binding checked; the rest is
    /// claimed). Weakly authenticated until the session is confirmed.
    pub fn initiator(&self) -> &HandshakePayload {
        &self.initiator
    }

    /// The initiator's Noise static key (authenticated by message 1's `ss` token).
    pub fn initiator_static(&self) -> [u8; KEY_LEN] {
        self.initiator_static
    }

    /// Answers with message 2 carrying `payload` (the local user's) and returns the
    /// unconfirmed session, created at `now` (unix seconds).
    pub fn accept(self, payload: &HandshakePayload, now: u64) -> Result<(Session, Vec<u8>), SessionError> {
        let Self {
            mut state, initiator, ..
        } = self;
        let msg2 = write(&mut state, &payload.encode(), MAX_MSG2)?;
        let session = establish(state, Role::Responder, &initiator, now)?;
        Ok((session, msg2))
    }

    /// [`Responder::read`] then [`Responder::accept`], for callers that answer every
    /// authenticated message 1. Returns the session, the initiator's payload and message 2.
    pub fn respond(
        local: &LocalKeys,
        guard: &mut ReplayGuard,
        msg1: &[u8],
        payload: &HandshakePayload,
        now: u64,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<(Session, HandshakePayload, Vec<u8>), SessionError> {
        let responder = Self::read(local, guard, msg1, rng)?;
        let initiator = responder.initiator.clone();
        let (session, msg2) = responder.accept(payload, now)?;
        Ok((session, initiator, msg2))
    }
}

/// Writes the next handshake message (at most `max` bytes) carrying `payload`.
pub(super) fn write(state: &mut HandshakeState, payload: &[u8], max: usize) -> Result<Vec<u8>, SessionError> {
    let mut msg = vec![0u8; max];
    let len = state.write_message(payload, &mut msg)?;
    msg.truncate(len);
    Ok(msg)
}

/// Reads a handshake message and returns its payload bytes.
pub(super) fn read(state: &mut HandshakeState, msg: &[u8]) -> Result<Vec<u8>, SessionError> {
    let mut buf = vec![0u8; msg.len()];
    let len = state.read_message(msg, &mut buf)?;
    buf.truncate(len);
    Ok(buf)
}

/// The peer's static key as authenticated by the handshake.
pub(super) fn remote_static(state: &HandshakeState) -> Result<[u8; KEY_LEN], SessionError> {
    key_from(state.get_remote_static().unwrap_or_default())
}

/// `"chingu/dm/v1" || responder_identity_pk`.
fn prologue(responder_identity_pk: &[u8; 32]) -> Vec<u8> {
    [DM_PROLOGUE_LABEL, responder_identity_pk.as_slice()].concat()
}

/// Turns a finished handshake into a session.
fn establish(
    mut state: HandshakeState,
    role: Role,
    remote: &HandshakePayload,
    now: u64,
) -> Result<Session, SessionError> {
    if !state.is_handshake_finished() {
        return Err(SessionError::Noise("handshake not finished".into()));
    }
    let remote_static = remote_static(&state)?;
    Session::new(Established {
        handshake_hash: state.get_handshake_hash().to_vec(),
        role,
        split: state.dangerously_get_raw_split(),
        remote_identity: remote.identity_pk.0,
        remote_static,
        now,
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rand::rngs::OsRng;

    use super::*;
    use crate::session::testutil::{hex32, hex_field, keys, user, vector, ScriptedRng};
    use crate::session::transport::DEFAULT_RESERVE_BLOCK;

    fn payload(keys: &LocalKeys) -> HandshakePayload {
        HandshakePayload::new(keys, "+821012345678", None).unwrap()
    }

    /// Runs a full handshake from `a` to `b`.
    fn handshake(a: &LocalKeys, b: &LocalKeys) -> (Session, Session) {
        let (init, msg1) = Initiator::new(a, &b.noise_public(), &b.identity_pk(), &payload(a), &mut OsRng).unwrap();
        let (resp, from_a, msg2) =
            Responder::respond(b, &mut ReplayGuard::new(), &msg1, &payload(b), 10, &mut OsRng).unwrap();
        assert_eq!(from_a, payload(a));
        let (init, from_b) = init.finish(&msg2, 10).unwrap();
        assert_eq!(from_b, payload(b));
        (init, resp)
    }

    fn talk(x: &mut Session, y: &mut Session, text: &[u8]) -> Result<Vec<u8>, SessionError> {
        x.reserve(DEFAULT_RESERVE_BLOCK);
        y.decrypt(&x.encrypt(text)?).map(|(_, pt)| pt)
    }

    #[test]
    fn round_trip_both_ways() {
        let (alice, bob) = (user(1), user(2));
        for (a, b) in [(&alice, &bob), (&bob, &alice)] {
            let (mut i, mut r) = handshake(a, b);
            assert_eq!(i.id(), r.id());
            assert_eq!((i.role(), r.role()), (Role::Initiator, Role::Responder));
            assert_eq!(i.remote_identity(), b.identity_pk());
            assert_eq!(r.remote_identity(), a.identity_pk());
            assert_eq!(r.remote_static(), a.noise_public());
            assert!(i.confirmed() && !r.confirmed());
            // The responder may speak first; its session confirms on the first frame in.
            assert_eq!(talk(&mut r, &mut i, b"welcome").unwrap(), b"welcome");
            assert!(!r.confirmed());
            assert_eq!(talk(&mut i, &mut r, b"hello").unwrap(), b"hello");
            assert!(r.confirmed());
        }
        // Two handshakes between the same people give unrelated sessions.
        let (s1, _) = handshake(&alice, &bob);
        let (s2, _) = handshake(&alice, &bob);
        assert_ne!(s1.id(), s2.id());
    }

    #[test]
    fn tampered_msg1_and_msg2_fail() {
        let (alice, bob) = (user(1), user(2));
        let (_, msg1) = Initiator::new(
            &alice,
            &bob.noise_public(),
            &bob.identity_pk(),
            &payload(&alice),
            &mut OsRng,
        )
        .unwrap();
        for i in 0..msg1.len() {
            let mut bad = msg1.clone();
            bad[i] ^= 0x80;
            let err = Responder::read(&bob, &mut ReplayGuard::new(), &bad, &mut OsRng).unwrap_err();
            assert_eq!(err, SessionError::DecryptFailed, "byte {i}");
        }
        let guard = &mut ReplayGuard::new();
        let responder = Responder::read(&bob, guard, &msg1, &mut OsRng).unwrap();
        let (_, msg2) = responder.accept(&payload(&bob), 0).unwrap();
        for i in 0..msg2.len() {
            // Each attempt needs the initiator state that sent msg1: rebuild it with the
            // same ephemeral secret.
            let rng = &mut ScriptedRng::new(&[[i as u8; 32], [0xaa; 32]]);
            let (init, msg1) =
                Initiator::new(&alice, &bob.noise_public(), &bob.identity_pk(), &payload(&alice), rng).unwrap();
            let (_, mut msg2) = Responder::read(&bob, &mut ReplayGuard::new(), &msg1, rng)
                .unwrap()
                .accept(&payload(&bob), 0)
                .unwrap();
            msg2[i] ^= 0x01;
            assert_eq!(
                init.finish(&msg2, 0).unwrap_err(),
                SessionError::DecryptFailed,
                "byte {i}"
            );
        }
    }

    #[test]
    fn wrong_prologue_fails_at_the_responder() {
        // Alice believes the static key belongs to Carol's identity (a copied key in a
        // forged record): the prologue differs and Bob cannot decrypt message 1.
        let (alice, bob, carol) = (user(1), user(2), user(3));
        let (_, msg1) = Initiator::new(
            &alice,
            &bob.noise_public(),
            &carol.identity_pk(),
            &payload(&alice),
            &mut OsRng,
        )
        .unwrap();
        let err = Responder::read(&bob, &mut ReplayGuard::new(), &msg1, &mut OsRng).unwrap_err();
        assert_eq!(err, SessionError::DecryptFailed);
    }

    #[test]
    fn pinned_friend_presenting_another_key() {
        let (alice, bob) = (user(1), user(2));
        let pinned_static = bob.noise_public();

        // 1. Bob now uses another static key than the pinned one: he cannot read message
        //    1 (the caller answers "handshake_failed" and re-reads Bob's record).
        let bob_new = keys([2; 32], [77; 32]);
        let (_, msg1) =
            Initiator::new(&alice, &pinned_static, &bob.identity_pk(), &payload(&alice), &mut OsRng).unwrap();
        let err = Responder::read(&bob_new, &mut ReplayGuard::new(), &msg1, &mut OsRng).unwrap_err();
        assert_eq!(err.reason(), "decrypt_failed");

        // 2. Whoever holds the pinned static key (here Mallory, who has Bob's Noise
        //    private key) answers with her own identity and a valid binding of it.
        let mallory = keys([66; 32], [102; 32]);
        assert_eq!(mallory.noise_public(), pinned_static);
        let (init, msg1) =
            Initiator::new(&alice, &pinned_static, &bob.identity_pk(), &payload(&alice), &mut OsRng).unwrap();
        // Reading message 1 needs the static key and Bob's (public) identity key only.
        let responder = Responder::read(&bob, &mut ReplayGuard::new(), &msg1, &mut OsRng).unwrap();
        let (_, msg2) = responder.accept(&payload(&mallory), 0).unwrap();
        let err = init.finish(&msg2, 0).unwrap_err();
        assert_eq!(
            err,
            SessionError::IdentityMismatch {
                expected: Fixed(bob.identity_pk()),
                got: Fixed(mallory.identity_pk()),
            }
        );
        assert_eq!(err.reason(), "identity_mismatch");

        // 3. The right identity, but its binding covers another static key.
        let bob_other_binding = payload(&bob_new);
        let (init, msg1) =
            Initiator::new(&alice, &pinned_static, &bob.identity_pk(), &payload(&alice), &mut OsRng).unwrap();
        let responder = Responder::read(&bob, &mut ReplayGuard::new(), &msg1, &mut OsRng).unwrap();
        let (_, msg2) = responder.accept(&bob_other_binding, 0).unwrap();
        assert_eq!(init.finish(&msg2, 0).unwrap_err(), SessionError::BadBinding);
    }

    #[test]
    fn initiator_with_a_bad_binding_is_rejected() {
        let (alice, bob) = (user(1), user(2));
        // Alice's payload claims Carol's identity (Carol never signed Alice's static).
        let carol = user(3);
        let (_, msg1) = Initiator::new(
            &alice,
            &bob.noise_public(),
            &bob.identity_pk(),
            &payload(&carol),
            &mut OsRng,
        )
        .unwrap();
        let err = Responder::read(&bob, &mut ReplayGuard::new(), &msg1, &mut OsRng).unwrap_err();
        assert_eq!(err, SessionError::BadBinding);
    }

    #[test]
    fn malformed_payload_is_rejected() {
        let (alice, bob) = (user(1), user(2));
        let prologue = prologue(&bob.identity_pk());
        let mut state = noise_builder(DM_PATTERN, Some([5; 32]))
            .unwrap()
            .local_private_key(alice.noise_private())
            .unwrap()
            .remote_public_key(&bob.noise_public())
            .unwrap()
            .prologue(&prologue)
            .unwrap()
            .build_initiator()
            .unwrap();
        let msg1 = write(&mut state, b"\xa1\x61x\x00 not a payload", MAX_MSG1).unwrap();
        let err = Responder::read(&bob, &mut ReplayGuard::new(), &msg1, &mut OsRng).unwrap_err();
        assert_eq!(err.reason(), "malformed");
    }

    #[test]
    fn msg1_replay_is_rejected_and_never_confirms() {
        let (alice, bob) = (user(1), user(2));
        let guard = &mut ReplayGuard::new();
        let (init, msg1) = Initiator::new(
            &alice,
            &bob.noise_public(),
            &bob.identity_pk(),
            &payload(&alice),
            &mut OsRng,
        )
        .unwrap();
        let (mut bob_session, _, msg2) = Responder::respond(&bob, guard, &msg1, &payload(&bob), 0, &mut OsRng).unwrap();
        let (mut alice_session, _) = init.finish(&msg2, 0).unwrap();
        assert_eq!(
            Responder::read(&bob, guard, &msg1, &mut OsRng).unwrap_err(),
            SessionError::HandshakeReplay
        );
        // The guard survives a restart.
        let restored: ReplayGuard = crate::wire::from_cbor(&crate::wire::to_cbor(guard), 1 << 20).unwrap();
        assert_eq!(
            Responder::read(&bob, &mut restored.clone(), &msg1, &mut OsRng).unwrap_err(),
            SessionError::HandshakeReplay
        );
        // Even past a guard that forgot it (evicted, or lost in a crash), a replayed
        // message 1 yields a session that never confirms: no frame the attacker has —
        // Alice's genuine ones included — decrypts in it.
        let (mut replayed, _, _) =
            Responder::respond(&bob, &mut ReplayGuard::new(), &msg1, &payload(&bob), 0, &mut OsRng).unwrap();
        assert!(!replayed.confirmed());
        assert_ne!(replayed.id(), alice_session.id());
        alice_session.reserve(8);
        let genuine = alice_session.encrypt(b"hi bob").unwrap();
        assert_eq!(replayed.decrypt(&genuine).unwrap_err(), SessionError::WrongSession);
        let mut retargeted = genuine.clone();
        retargeted.sid = Fixed(replayed.id());
        assert_eq!(replayed.decrypt(&retargeted).unwrap_err(), SessionError::DecryptFailed);
        assert!(!replayed.confirmed());
        assert_eq!(bob_session.decrypt(&genuine).unwrap().1, b"hi bob");
        assert!(bob_session.confirmed());
    }

    #[test]
    fn lengths_are_checked_before_noise() {
        let bob = user(2);
        let guard = &mut ReplayGuard::new();
        assert_eq!(
            Responder::read(&bob, guard, &[0; MIN_MSG1 - 1], &mut OsRng).unwrap_err(),
            SessionError::Truncated {
                len: MIN_MSG1 - 1,
                min: MIN_MSG1
            }
        );
        assert_eq!(
            Responder::read(&bob, guard, &[0; MAX_MSG1 + 1], &mut OsRng).unwrap_err(),
            SessionError::TooLarge {
                len: MAX_MSG1 + 1,
                max: MAX_MSG1
            }
        );
        let (init, _) = Initiator::new(
            &user(1),
            &bob.noise_public(),
            &bob.identity_pk(),
            &payload(&user(1)),
            &mut OsRng,
        )
        .unwrap();
        assert!(matches!(init.finish(&[0; 3], 0), Err(SessionError::Truncated { .. })));
        assert!(guard.is_empty(), "nothing unauthenticated is remembered");
        // A maximal payload fits the limits exactly.
        let alice = user(1);
        let big = HandshakePayload::new(&alice, &"1".repeat(20), Some(&[0; 64])).unwrap();
        let (init, msg1) = Initiator::new(&alice, &bob.noise_public(), &bob.identity_pk(), &big, &mut OsRng).unwrap();
        assert_eq!(msg1.len(), MAX_MSG1);
        let bob_big = HandshakePayload::new(&bob, &"1".repeat(20), Some(&[0; 64])).unwrap();
        let (_, from_a, msg2) = Responder::respond(&bob, guard, &msg1, &bob_big, 0, &mut OsRng).unwrap();
        assert_eq!(msg2.len(), MAX_MSG2);
        assert_eq!(from_a, big);
        assert_eq!(init.finish(&msg2, 0).unwrap().1, bob_big);
    }

    proptest! {
        #[test]
        fn garbage_handshake_messages_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let (alice, bob) = (user(1), user(2));
            prop_assert!(Responder::read(&bob, &mut ReplayGuard::new(), &bytes, &mut OsRng).is_err());
            let (init, _) = Initiator::new(&alice, &bob.noise_public(), &bob.identity_pk(), &payload(&alice), &mut OsRng).unwrap();
            prop_assert!(init.finish(&bytes, 0).is_err());
        }
    }

    /// The inputs of the handshake vector.
    struct HandshakeInputs {
        initiator: LocalKeys,
        responder: LocalKeys,
        rng: ScriptedRng,
        initiator_payload: HandshakePayload,
        responder_payload: HandshakePayload,
        now: u64,
    }

    fn handshake_inputs(v: &serde_json::Value) -> HandshakeInputs {
        let initiator = keys(
            hex32(v, "initiator_identity_secret"),
            hex32(v, "initiator_noise_private"),
        );
        let responder = keys(
            hex32(v, "responder_identity_secret"),
            hex32(v, "responder_noise_private"),
        );
        let intro = hex_field(v, "initiator_intro");
        HandshakeInputs {
            initiator_payload: HandshakePayload::new(&initiator, v["initiator_phone"].as_str().unwrap(), Some(&intro))
                .unwrap(),
            responder_payload: HandshakePayload::new(&responder, v["responder_phone"].as_str().unwrap(), None).unwrap(),
            rng: ScriptedRng::new(&[
                hex32(v, "initiator_ephemeral_private"),
                hex32(v, "responder_ephemeral_private"),
            ]),
            initiator,
            responder,
            now: v["now"].as_u64().unwrap(),
        }
    }

    #[test]
    fn handshake_vector() {
        let v = vector("ik handshake");
        let mut x = handshake_inputs(&v);
        let hexed = |field: &str| v[field].as_str().unwrap().to_owned();
        assert_eq!(hex::encode(x.initiator.identity_pk()), hexed("initiator_identity_pk"));
        assert_eq!(hex::encode(x.initiator.noise_public()), hexed("initiator_noise_public"));
        assert_eq!(hex::encode(x.responder.identity_pk()), hexed("responder_identity_pk"));
        assert_eq!(hex::encode(x.responder.noise_public()), hexed("responder_noise_public"));
        assert_eq!(hex::encode(prologue(&x.responder.identity_pk())), hexed("prologue"));
        assert_eq!(
            hex::encode(x.initiator_payload.encode()),
            hexed("initiator_payload_cbor")
        );
        assert_eq!(
            hex::encode(x.responder_payload.encode()),
            hexed("responder_payload_cbor")
        );

        // Encode direction: the same inputs give the same bytes.
        let (init, msg1) = Initiator::new(
            &x.initiator,
            &x.responder.noise_public(),
            &x.responder.identity_pk(),
            &x.initiator_payload,
            &mut x.rng,
        )
        .unwrap();
        assert_eq!(hex::encode(&msg1), hexed("msg1"));
        let responder = Responder::read(&x.responder, &mut ReplayGuard::new(), &msg1, &mut x.rng).unwrap();
        let (r_session, msg2) = responder.accept(&x.responder_payload, x.now).unwrap();
        assert_eq!(hex::encode(&msg2), hexed("msg2"));
        let (i_session, _) = init.finish(&msg2, x.now).unwrap();
        for s in [&i_session, &r_session] {
            assert_eq!(hex::encode(s.id()), hexed("session_id"));
            let (k1, k2) = s.split_keys();
            assert_eq!((hex::encode(k1), hex::encode(k2)), (hexed("k1"), hexed("k2")));
        }

        // Decode direction: the vector's messages give back the inputs.
        let y = handshake_inputs(&v);
        let mut rng = ScriptedRng::new(&[hex32(&v, "responder_ephemeral_private")]);
        let responder =
            Responder::read(&y.responder, &mut ReplayGuard::new(), &hex_field(&v, "msg1"), &mut rng).unwrap();
        assert_eq!(responder.initiator(), &y.initiator_payload);
        assert_eq!(responder.initiator_static(), y.initiator.noise_public());
        let mut rng = ScriptedRng::new(&[hex32(&v, "initiator_ephemeral_private")]);
        let (init, _) = Initiator::new(
            &y.initiator,
            &y.responder.noise_public(),
            &y.responder.identity_pk(),
            &y.initiator_payload,
            &mut rng,
        )
        .unwrap();
        let (session, from_responder) = init.finish(&hex_field(&v, "msg2"), y.now).unwrap();
        assert_eq!(from_responder, y.responder_payload);
        assert_eq!(hex::encode(session.id()), hexed("session_id"));
    }

    /// Full IK handshakes per second (both sides, bindings verified). Run with
    /// `cargo test --release -- --ignored --nocapture handshake_throughput`.
    #[test]
    #[ignore]
    fn handshake_throughput() {
        let (alice, bob) = (user(1), user(2));
        let (pa, pb) = (payload(&alice), payload(&bob));
        let guard = &mut ReplayGuard::new();
        let count = 2_000u32;
        let start = std::time::Instant::now();
        for _ in 0..count {
            let (init, msg1) =
                Initiator::new(&alice, &bob.noise_public(), &bob.identity_pk(), &pa, &mut OsRng).unwrap();
            let (_, _, msg2) = Responder::respond(&bob, guard, &msg1, &pb, 0, &mut OsRng).unwrap();
            init.finish(&msg2, 0).unwrap();
        }
        let secs = start.elapsed().as_secs_f64();
        println!("IK handshakes: {:.0}/s", f64::from(count) / secs);
    }
}
