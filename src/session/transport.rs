//! An established 1:1 session: persistable keys, explicit-nonce ChaChaPoly frames,
//! durable nonce reservation, replay window and rekey schedule.
//!
//! The handshake hands over snow's raw split keys; from then on this module drives
//! snow's `ChaChaPoly` cipher itself with explicit nonces, so a [`Session`] is plain data
//! the caller stores (serde) and restores after a restart. No snow state is persisted.
//!
//! Crash safety: the sender never uses a nonce at or above `reserved_until`, and the
//! caller persists every new `reserved_until` durably before encrypting with it; after a
//! restart [`Session::restore_after_restart`] resumes at the persisted `reserved_until`,
//! so a nonce is never reused even if the process died after sending but before saving.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use snow::types::Cipher;

use super::keys::chacha_cipher;
use super::replay::ReplayWindow;
use super::{SessionError, KEY_LEN, NOISE_MAX_MSG, TAG_LEN};
use crate::wire::{from_cbor, to_cbor, Bytes, Fixed};

/// Domain-separation label at the start of every frame's associated data.
pub const FRAME_AD_LABEL: &[u8] = b"chingu/dm/v1/frame";
/// Length of a session id (the first bytes of the handshake hash).
pub const SESSION_ID_LEN: usize = 16;
/// Largest plaintext of one frame: the Noise limit (65,535 bytes, tag included) minus
/// the tag, minus 1,007 bytes of margin so that a full frame plus the message carrying it
/// fits in one envelope body ([`crate::wire::MAX_BODY_BYTES`] = 65,472).
pub const MAX_PLAINTEXT: usize = 64_512;
/// Largest frame ciphertext (plaintext and tag).
pub const MAX_FRAME_CT: usize = MAX_PLAINTEXT + TAG_LEN;
/// Largest CBOR encoding of a [`Frame`] (40 bytes of map, keys and headers).
pub const MAX_FRAME_BYTES: usize = MAX_FRAME_CT + 40;
/// Nonces a sender may never reach: a session this old must be replaced.
pub const NONCE_LIMIT: u64 = 1 << 63;
/// Default number of nonces reserved (and persisted) at a time.
pub const DEFAULT_RESERVE_BLOCK: u64 = 1024;
/// Age after which a session should be replaced by a new handshake (24 h, seconds).
pub const REKEY_AFTER_SECS: u64 = 24 * 60 * 60;
/// Number of nonces after which a session should be replaced by a new handshake.
pub const REKEY_AFTER_MESSAGES: u64 = 1 << 20;
/// Age after which a session is deleted, even if no new one replaced it (25 h,
/// seconds): one hour of overlap for frames still in flight after a rehandshake.
pub const SESSION_MAX_AGE_SECS: u64 = REKEY_AFTER_SECS + 60 * 60;

const _: () = assert!(MAX_FRAME_CT <= NOISE_MAX_MSG);
const _: () = assert!(MAX_FRAME_BYTES + 512 <= crate::wire::MAX_BODY_BYTES);

/// Which side of the handshake this session was.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Sent handshake message 1; sends with the first split key.
    Initiator,
    /// Answered message 1; sends with the second split key.
    Responder,
}

/// One encrypted transport message: `{"sid": session id, "n": nonce, "ct": ciphertext}`.
/// Not a top-level message: the caller embeds it in its own wire message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Frame {
    /// Session id (`"sid"`).
    pub sid: Fixed<SESSION_ID_LEN>,
    /// Explicit nonce (`"n"`).
    pub n: u64,
    /// ChaChaPoly ciphertext with its tag (`"ct"`).
    pub ct: Bytes<MAX_FRAME_CT>,
}

impl Frame {
    /// The CBOR encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        to_cbor(self)
    }

    /// Decodes an untrusted frame.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SessionError> {
        Ok(from_cbor(bytes, MAX_FRAME_BYTES)?)
    }
}

/// The sender's nonce state: `next` is the next nonce to use; nonces in
/// `[next, reserved_until)` are reserved (persisted) and may be used without saving.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendState {
    /// Next nonce to use.
    pub next: u64,
    /// First nonce not yet covered by a durable reservation.
    pub reserved_until: u64,
}

/// A ChaChaPoly key with its ready cipher; persists as the 32 key bytes.
struct CipherKey {
    key: [u8; KEY_LEN],
    cipher: Box<dyn Cipher>,
}

impl CipherKey {
    fn new(key: [u8; KEY_LEN]) -> Self {
        let mut cipher = chacha_cipher();
        cipher.set(&key);
        Self { key, cipher }
    }
}

impl Clone for CipherKey {
    fn clone(&self) -> Self {
        Self::new(self.key)
    }
}

impl fmt::Debug for CipherKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CipherKey(<secret>)")
    }
}

impl PartialEq for CipherKey {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl Serialize for CipherKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Fixed(self.key).serialize(s)
    }
}

impl<'de> Deserialize<'de> for CipherKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fixed::<KEY_LEN>::deserialize(d).map(|key| Self::new(key.0))
    }
}

/// An established session with one peer. Plain data: persist it (serde/CBOR) whenever
/// [`Session::reserve`] returns and together with every message it decrypted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// First 16 bytes of the Noise handshake hash (`"sid"`).
    #[serde(rename = "sid")]
    id: Fixed<SESSION_ID_LEN>,
    role: Role,
    /// The peer's identity key, from its verified handshake payload (`"peer"`).
    #[serde(rename = "peer")]
    remote_identity: Fixed<32>,
    /// The peer's Noise static key (`"rs"`).
    #[serde(rename = "rs")]
    remote_static: Fixed<KEY_LEN>,
    #[serde(rename = "tx")]
    send_key: CipherKey,
    #[serde(rename = "rx")]
    recv_key: CipherKey,
    send: SendState,
    #[serde(rename = "recv")]
    window: ReplayWindow,
    /// Unix seconds of the handshake (`"at"`).
    #[serde(rename = "at")]
    created_at: u64,
    /// Frames encrypted (since the handshake, as of the last persisted copy).
    sent: u64,
    /// Frames accepted.
    received: u64,
    /// Whether the peer proved liveness (see [`Session::confirmed`]).
    confirmed: bool,
}

/// What the handshake hands to [`Session::new`].
pub(crate) struct Established {
    pub handshake_hash: Vec<u8>,
    pub role: Role,
    pub split: ([u8; KEY_LEN], [u8; KEY_LEN]),
    pub remote_identity: [u8; 32],
    pub remote_static: [u8; KEY_LEN],
    pub now: u64,
}

impl Session {
    /// A session from a completed handshake. The initiator's session is confirmed (the
    /// responder's message 2 proved it live); the responder's is not until
    /// the first frame decrypts.
    pub(crate) fn new(e: Established) -> Result<Self, SessionError> {
        let id = e
            .handshake_hash
            .get(..SESSION_ID_LEN)
            .and_then(|h| Fixed::try_from(h).ok())
            .ok_or_else(|| SessionError::Noise("handshake hash too short".into()))?;
        let (k1, k2) = e.split;
        let (send, recv) = match e.role {
            Role::Initiator => (k1, k2),
            Role::Responder => (k2, k1),
        };
        Ok(Self {
            id,
            role: e.role,
            remote_identity: Fixed(e.remote_identity),
            remote_static: Fixed(e.remote_static),
            send_key: CipherKey::new(send),
            recv_key: CipherKey::new(recv),
            send: SendState::default(),
            window: ReplayWindow::default(),
            created_at: e.now,
            sent: 0,
            received: 0,
            confirmed: e.role == Role::Initiator,
        })
    }

    /// The split keys `(k1, k2)` (initiator-to-responder first), for vectors.
    #[cfg(test)]
    pub(crate) fn split_keys(&self) -> ([u8; KEY_LEN], [u8; KEY_LEN]) {
        match self.role {
            Role::Initiator => (self.send_key.key, self.recv_key.key),
            Role::Responder => (self.recv_key.key, self.send_key.key),
        }
    }

    /// The session id.
    pub fn id(&self) -> [u8; SESSION_ID_LEN] {
        self.id.0
    }

    /// Which side of the handshake this was.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The peer's identity key (verified through its binding).
    pub fn remote_identity(&self) -> [u8; 32] {
        self.remote_identity.0
    }

    /// The peer's Noise static key.
    pub fn remote_static(&self) -> [u8; KEY_LEN] {
        self.remote_static.0
    }

    /// Unix seconds of the handshake.
    pub fn created_at(&self) -> u64 {
        self.created_at
    }

    /// Frames encrypted so far.
    pub fn sent(&self) -> u64 {
        self.sent
    }

    /// Frames accepted so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// The sender's nonce state.
    pub fn send_state(&self) -> SendState {
        self.send
    }

    /// The receive window.
    pub fn window(&self) -> &ReplayWindow {
        &self.window
    }

    /// Whether the peer is proven live in this session. Always true for the initiator.
    /// For the responder, true once a frame from the initiator decrypted: a replayed
    /// message 1 yields a session that never confirms, and message 1's payload is only
    /// weakly authenticated (KCI), so act on the initiator's payload only once confirmed.
    pub fn confirmed(&self) -> bool {
        self.confirmed
    }

    /// Reserves `block` more nonces and returns the new `reserved_until`, which the
    /// caller must persist durably (with the whole session) before the next
    /// [`Session::encrypt`]. Never lowers an existing reservation; capped at
    /// [`NONCE_LIMIT`].
    pub fn reserve(&mut self, block: u64) -> u64 {
        let wanted = self.send.next.saturating_add(block).min(NONCE_LIMIT);
        self.send.reserved_until = self.send.reserved_until.max(wanted);
        self.send.reserved_until
    }

    /// Call once on a session loaded from storage after a restart: resumes sending at
    /// the persisted `reserved_until`, skipping nonces that may have been used after the
    /// last save. Encryption then needs a fresh [`Session::reserve`].
    pub fn restore_after_restart(&mut self) {
        self.send.next = self.send.next.max(self.send.reserved_until);
    }

    /// Whether the caller should run a new handshake with this peer: the session is
    /// [`REKEY_AFTER_SECS`] old or has used [`REKEY_AFTER_MESSAGES`] nonces (far below
    /// [`NONCE_LIMIT`], so nonces never approach 2^63).
    pub fn needs_rehandshake(&self, now: u64) -> bool {
        now.saturating_sub(self.created_at) >= REKEY_AFTER_SECS || self.send.next >= REKEY_AFTER_MESSAGES
    }

    /// Whether the caller should delete this session: it is [`SESSION_MAX_AGE_SECS`] old.
    /// Deleting old keys is what gives transport forward secrecy; unacknowledged
    /// plaintexts are re-encrypted under the new session, never re-sent as old frames.
    pub fn expired(&self, now: u64) -> bool {
        now.saturating_sub(self.created_at) >= SESSION_MAX_AGE_SECS
    }

    /// Encrypts `plaintext` into a frame with the next reserved nonce.
    pub fn encrypt(&mut self, plaintext: &[u8]) -> Result<Frame, SessionError> {
        if plaintext.len() > MAX_PLAINTEXT {
            return Err(SessionError::TooLarge {
                len: plaintext.len(),
                max: MAX_PLAINTEXT,
            });
        }
        let n = self.send.next;
        if n >= NONCE_LIMIT {
            return Err(SessionError::Exhausted);
        }
        if n >= self.send.reserved_until {
            return Err(SessionError::NeedReservation);
        }
        self.send.next = n + 1;
        let mut ct = vec![0u8; plaintext.len() + TAG_LEN];
        let len = self
            .send_key
            .cipher
            .encrypt(n, &frame_ad(&self.id, n), plaintext, &mut ct);
        ct.truncate(len);
        self.sent += 1;
        Ok(Frame {
            sid: self.id,
            n,
            ct: Bytes::new(ct)?,
        })
    }

    /// Authenticates and decrypts `frame`, returning its nonce and plaintext. Checks,
    /// in order: session id ([`SessionError::WrongSession`]), nonce below the window
    /// ([`SessionError::TooOld`]) or already seen ([`SessionError::Replay`]), then the
    /// tag ([`SessionError::DecryptFailed`]); only an authentic frame moves the window.
    /// Persist the session in the same transaction as the message before acknowledging.
    pub fn decrypt(&mut self, frame: &Frame) -> Result<(u64, Vec<u8>), SessionError> {
        if frame.sid != self.id {
            return Err(SessionError::WrongSession);
        }
        // No honest sender reaches NONCE_LIMIT: such a frame cannot authenticate.
        if frame.n >= NONCE_LIMIT || frame.ct.len() < TAG_LEN {
            return Err(SessionError::DecryptFailed);
        }
        self.window.check(frame.n)?;
        let mut plaintext = vec![0u8; frame.ct.len()];
        let len = self
            .recv_key
            .cipher
            .decrypt(frame.n, &frame_ad(&self.id, frame.n), &frame.ct, &mut plaintext)?;
        plaintext.truncate(len);
        self.window.mark(frame.n);
        self.received += 1;
        self.confirmed = true;
        Ok((frame.n, plaintext))
    }
}

/// Length of a frame's associated data.
const AD_LEN: usize = FRAME_AD_LABEL.len() + SESSION_ID_LEN + 8;

/// `"chingu/dm/v1/frame" || session_id || u64be(nonce)`.
fn frame_ad(sid: &[u8; SESSION_ID_LEN], n: u64) -> [u8; AD_LEN] {
    let mut ad = [0u8; AD_LEN];
    let (label, rest) = ad.split_at_mut(FRAME_AD_LABEL.len());
    label.copy_from_slice(FRAME_AD_LABEL);
    let (id, nonce) = rest.split_at_mut(SESSION_ID_LEN);
    id.copy_from_slice(sid);
    nonce.copy_from_slice(&n.to_be_bytes());
    ad
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::session::replay::REPLAY_WINDOW;
    use crate::session::testutil::{hex32, hex_field, vector};

    /// A connected pair with reservations made.
    pub(crate) fn pair() -> (Session, Session) {
        let established = |role| Established {
            handshake_hash: [0x5a; 32].to_vec(),
            role,
            split: ([1; 32], [2; 32]),
            remote_identity: [3; 32],
            remote_static: [4; 32],
            now: 1_000,
        };
        let mut a = Session::new(established(Role::Initiator)).unwrap();
        let mut b = Session::new(established(Role::Responder)).unwrap();
        a.reserve(DEFAULT_RESERVE_BLOCK);
        b.reserve(DEFAULT_RESERVE_BLOCK);
        (a, b)
    }

    fn persist(s: &Session) -> Vec<u8> {
        to_cbor(s)
    }

    fn load(bytes: &[u8]) -> Session {
        from_cbor(bytes, 4096).unwrap()
    }

    #[test]
    fn round_trip_both_ways() {
        let (mut a, mut b) = pair();
        let f = a.encrypt(b"hello bob").unwrap();
        assert_eq!(b.decrypt(&f).unwrap(), (0, b"hello bob".to_vec()));
        let g = b.encrypt(b"hi alice").unwrap();
        assert_eq!(a.decrypt(&g).unwrap(), (0, b"hi alice".to_vec()));
        let empty = a.encrypt(b"").unwrap();
        assert_eq!(b.decrypt(&empty).unwrap(), (1, vec![]));
        let max = a.encrypt(&[7; MAX_PLAINTEXT]).unwrap();
        assert!(Frame::from_bytes(&max.to_bytes()).unwrap().to_bytes().len() <= MAX_FRAME_BYTES);
        assert_eq!(b.decrypt(&max).unwrap().1.len(), MAX_PLAINTEXT);
        assert_eq!((a.sent(), b.received()), (3, 3));
    }

    #[test]
    fn oversized_plaintext_is_refused() {
        let (mut a, _) = pair();
        assert_eq!(
            a.encrypt(&[0; MAX_PLAINTEXT + 1]),
            Err(SessionError::TooLarge {
                len: MAX_PLAINTEXT + 1,
                max: MAX_PLAINTEXT
            })
        );
        assert_eq!(a.send_state().next, 0, "a refused plaintext uses no nonce");
    }

    #[test]
    fn bit_flips_in_ct_tag_nonce_and_sid_fail() {
        let (mut a, b) = pair();
        let f = a.encrypt(b"attack at dawn").unwrap();
        let body_len = f.ct.len() - TAG_LEN;
        for i in 0..f.ct.len() * 8 {
            let mut bad = f.clone();
            let mut ct = bad.ct.to_vec();
            ct[i / 8] ^= 1 << (i % 8);
            bad.ct = Bytes::new(ct).unwrap();
            let what = if i / 8 < body_len { "ciphertext" } else { "tag" };
            assert_eq!(
                b.clone().decrypt(&bad),
                Err(SessionError::DecryptFailed),
                "{what} bit {i}"
            );
        }
        for bit in 0..64 {
            let mut bad = f.clone();
            bad.n ^= 1 << bit;
            assert_eq!(
                b.clone().decrypt(&bad),
                Err(SessionError::DecryptFailed),
                "nonce bit {bit}"
            );
        }
        for bit in 0..SESSION_ID_LEN * 8 {
            let mut bad = f.clone();
            bad.sid.0[bit / 8] ^= 1 << (bit % 8);
            assert_eq!(
                b.clone().decrypt(&bad),
                Err(SessionError::WrongSession),
                "sid bit {bit}"
            );
        }
        // Truncated below the tag.
        let mut short = f.clone();
        short.ct = Bytes::new(f.ct[..TAG_LEN - 1].to_vec()).unwrap();
        assert_eq!(b.clone().decrypt(&short), Err(SessionError::DecryptFailed));
        // The untouched frame still decrypts: failures did not move the window.
        let mut b = b;
        assert_eq!(b.decrypt(&f).unwrap().1, b"attack at dawn");
    }

    #[test]
    fn a_session_with_the_right_id_but_other_keys_fails() {
        // Same sid, different keys (as if an attacker guessed a session id).
        let (mut a, _) = pair();
        let (_, mut other) = pair();
        other.recv_key = CipherKey::new([9; 32]);
        let f = a.encrypt(b"x").unwrap();
        assert_eq!(other.decrypt(&f), Err(SessionError::DecryptFailed));
    }

    #[test]
    fn replay_inside_and_below_the_window() {
        let (mut a, mut b) = pair();
        a.reserve(REPLAY_WINDOW * 2);
        let frames: Vec<Frame> = (0..REPLAY_WINDOW + 10).map(|_| a.encrypt(b"m").unwrap()).collect();
        b.decrypt(&frames[5]).unwrap();
        assert_eq!(b.decrypt(&frames[5]), Err(SessionError::Replay(5)));
        b.decrypt(&frames[(REPLAY_WINDOW + 9) as usize]).unwrap();
        // 10 is the floor now: inside; 9 and 5 are below.
        b.decrypt(&frames[10]).unwrap();
        assert_eq!(b.decrypt(&frames[9]), Err(SessionError::TooOld { nonce: 9, floor: 10 }));
        assert_eq!(b.decrypt(&frames[5]), Err(SessionError::TooOld { nonce: 5, floor: 10 }));
        assert_eq!(b.received(), 3);
    }

    #[test]
    fn replay_after_restart() {
        let (mut a, mut b) = pair();
        let f = a.encrypt(b"once").unwrap();
        b.decrypt(&f).unwrap();
        let stored = persist(&b);
        drop(b);
        let mut b = load(&stored);
        b.restore_after_restart();
        assert_eq!(b.decrypt(&f), Err(SessionError::Replay(0)));
        let g = a.encrypt(b"twice").unwrap();
        assert_eq!(b.decrypt(&g).unwrap().1, b"twice");
    }

    #[test]
    fn out_of_order_delivery() {
        let (mut a, mut b) = pair();
        let frames: Vec<Frame> = (0..20u8).map(|i| a.encrypt(&[i]).unwrap()).collect();
        for i in [3usize, 0, 19, 7, 1, 2, 18, 4] {
            assert_eq!(b.decrypt(&frames[i]).unwrap(), (i as u64, vec![i as u8]));
        }
        assert_eq!(b.window().top(), 20);
    }

    #[test]
    fn reflected_frame_fails() {
        let (mut a, _) = pair();
        let f = a.encrypt(b"to bob").unwrap();
        assert_eq!(a.decrypt(&f), Err(SessionError::DecryptFailed));
    }

    #[test]
    fn reservation_is_required_and_bounded() {
        let (mut a, _) = pair();
        let mut fresh = a.clone();
        fresh.send = SendState::default();
        assert_eq!(fresh.encrypt(b"x"), Err(SessionError::NeedReservation));
        for _ in 0..DEFAULT_RESERVE_BLOCK {
            a.encrypt(b"x").unwrap();
        }
        assert_eq!(a.encrypt(b"x"), Err(SessionError::NeedReservation));
        assert_eq!(a.reserve(10), DEFAULT_RESERVE_BLOCK + 10);
        // Reserving less than what is left never lowers the reservation.
        assert_eq!(a.reserve(1), DEFAULT_RESERVE_BLOCK + 10);
        assert_eq!(a.encrypt(b"x").unwrap().n, DEFAULT_RESERVE_BLOCK);
    }

    #[test]
    fn crash_between_encrypt_and_persistence_never_reuses_a_nonce() {
        let (mut a, mut b) = pair();
        a.encrypt(b"before").unwrap();
        a.reserve(DEFAULT_RESERVE_BLOCK);
        let persisted = persist(&a);
        // Frames sent after the last save; then the process dies (the session is dropped
        // without being saved again).
        let sent: Vec<u64> = (0..5).map(|_| a.encrypt(b"unsaved").unwrap().n).collect();
        let max_used = *sent.iter().max().unwrap();
        drop(a);
        let mut a = load(&persisted);
        a.restore_after_restart();
        assert_eq!(a.encrypt(b"after"), Err(SessionError::NeedReservation));
        let until = a.reserve(DEFAULT_RESERVE_BLOCK);
        let _durable = persist(&a); // the caller saves before encrypting
        let f = a.encrypt(b"after").unwrap();
        assert!(f.n > max_used, "nonce {} reused (max used {max_used})", f.n);
        assert_eq!(f.n, DEFAULT_RESERVE_BLOCK + 1);
        assert_eq!(until, f.n + DEFAULT_RESERVE_BLOCK);
        assert_eq!(b.decrypt(&f).unwrap().1, b"after");
    }

    #[test]
    fn skipped_nonce_flood_moves_the_window() {
        // An authenticated frame far ahead (a sender that skipped nonces, e.g. after many
        // restarts) slides the window: everything older than 2048 below it is TooOld,
        // even frames never received. Only authentic frames move the window.
        let (mut a, mut b) = pair();
        let early: Vec<Frame> = (0..3).map(|_| a.encrypt(b"early").unwrap()).collect();
        b.decrypt(&early[0]).unwrap();
        a.send.next = 1_000_000;
        a.reserve(1);
        let far = a.encrypt(b"far").unwrap();
        // A forged far-ahead frame does not move it.
        let mut forged = far.clone();
        forged.n = 50_000_000;
        assert_eq!(b.decrypt(&forged), Err(SessionError::DecryptFailed));
        assert_eq!(b.window().top(), 1);
        b.decrypt(&far).unwrap();
        assert_eq!(b.window().floor(), 1_000_001 - REPLAY_WINDOW);
        assert!(matches!(
            b.decrypt(&early[1]),
            Err(SessionError::TooOld { nonce: 1, .. })
        ));
    }

    #[test]
    fn rehandshake_schedule_and_exhaustion() {
        let (mut a, _) = pair();
        assert!(!a.needs_rehandshake(1_000));
        assert!(!a.needs_rehandshake(1_000 + REKEY_AFTER_SECS - 1));
        assert!(a.needs_rehandshake(1_000 + REKEY_AFTER_SECS));
        assert!(!a.needs_rehandshake(0), "a clock going backwards does not panic");
        assert!(!a.expired(1_000 + SESSION_MAX_AGE_SECS - 1));
        assert!(a.expired(1_000 + SESSION_MAX_AGE_SECS));
        a.send.next = REKEY_AFTER_MESSAGES;
        assert!(a.needs_rehandshake(1_000));
        a.send.next = NONCE_LIMIT - 1;
        assert_eq!(a.reserve(u64::MAX), NONCE_LIMIT);
        assert_eq!(a.encrypt(b"last").unwrap().n, NONCE_LIMIT - 1);
        assert_eq!(a.encrypt(b"x"), Err(SessionError::Exhausted));
    }

    #[test]
    fn persisted_session_hides_nothing_but_debug_hides_keys() {
        let (a, _) = pair();
        let restored = load(&persist(&a));
        assert_eq!(restored, a);
        let debug = format!("{a:?}");
        assert!(debug.contains("<secret>") && !debug.contains("[1, 1, 1"), "{debug}");
    }

    #[test]
    fn frame_vector() {
        let v = vector("transport frame");
        let key = hex32(&v, "key");
        let sid: [u8; 16] = hex_field(&v, "session_id").try_into().unwrap();
        let n = v["nonce"].as_u64().unwrap();
        let plaintext = hex_field(&v, "plaintext");
        assert_eq!(frame_ad(&sid, n).to_vec(), hex_field(&v, "ad"));
        let mut hash = sid.to_vec();
        hash.extend([0; 16]);
        let mut sender = Session::new(Established {
            handshake_hash: hash,
            role: Role::Initiator,
            split: (key, [0; 32]),
            remote_identity: [0; 32],
            remote_static: [0; 32],
            now: 0,
        })
        .unwrap();
        let mut receiver = sender.clone();
        receiver.role = Role::Responder;
        receiver.recv_key = CipherKey::new(key);
        sender.send.next = n;
        sender.reserve(1);
        // Encode direction.
        let frame = sender.encrypt(&plaintext).unwrap();
        assert_eq!(hex::encode(&frame.ct[..]), v["ciphertext"].as_str().unwrap());
        assert_eq!(hex::encode(frame.to_bytes()), v["frame_cbor"].as_str().unwrap());
        // Decode direction.
        let decoded = Frame::from_bytes(&hex_field(&v, "frame_cbor")).unwrap();
        assert_eq!(receiver.decrypt(&decoded).unwrap(), (n, plaintext.clone()));
        // Independent check with RustCrypto's ChaCha20-Poly1305 (Noise nonce layout:
        // 4 zero bytes then the nonce little-endian).
        use chacha20poly1305::aead::{Aead, KeyInit, Payload};
        let mut nonce = [0u8; 12];
        nonce[4..].copy_from_slice(&n.to_le_bytes());
        let ad = hex_field(&v, "ad");
        let ct = chacha20poly1305::ChaCha20Poly1305::new(&key.into())
            .encrypt(
                &nonce.into(),
                Payload {
                    msg: &plaintext,
                    aad: &ad,
                },
            )
            .unwrap();
        assert_eq!(ct, hex_field(&v, "ciphertext"));
    }

    proptest! {
        /// Garbage, truncated and oversized frames never panic, never authenticate.
        #[test]
        fn garbage_frames_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let (_, mut b) = pair();
            if let Ok(frame) = Frame::from_bytes(&bytes) {
                prop_assert!(b.decrypt(&frame).is_err());
            }
        }

        #[test]
        fn mutated_frames_never_authenticate(
            pos in any::<prop::sample::Index>(),
            byte in any::<u8>(),
            cut in any::<prop::sample::Index>(),
        ) {
            let (mut a, mut b) = pair();
            let good = a.encrypt(b"a genuine message").unwrap().to_bytes();
            let mut bad = good.clone();
            let i = pos.index(bad.len());
            bad[i] ^= byte.max(1);
            let truncated = &good[..cut.index(good.len())];
            for input in [&bad[..], truncated] {
                if let Ok(frame) = Frame::from_bytes(input) {
                    let result = b.clone().decrypt(&frame);
                    // Only a mutation of non-authenticated CBOR framing that decodes to
                    // the same frame may pass.
                    prop_assert!(result.is_err() || frame == Frame::from_bytes(&good).unwrap());
                }
            }
            prop_assert!(b.decrypt(&Frame::from_bytes(&good).unwrap()).is_ok());
        }
    }

    #[test]
    fn oversized_frame_bytes_are_rejected_before_parsing() {
        let huge = vec![0u8; MAX_FRAME_BYTES + 1];
        assert!(matches!(
            Frame::from_bytes(&huge),
            Err(SessionError::Malformed(crate::wire::WireError::Oversized { .. }))
        ));
        let big_ct = Frame {
            sid: Fixed([0; 16]),
            n: 0,
            ct: Bytes::default(),
        };
        let mut cbor = big_ct.to_bytes();
        // Replace the empty ct (0x40) with a byte string one over the limit.
        cbor.pop();
        cbor.extend([0x59]);
        cbor.extend(((MAX_FRAME_CT + 1) as u16).to_be_bytes());
        cbor.extend(vec![0; MAX_FRAME_CT + 1]);
        assert!(matches!(
            Frame::from_bytes(&cbor),
            Err(SessionError::Malformed(crate::wire::WireError::LimitExceeded(_)))
        ));
    }

    /// Throughput of encrypt + decrypt of 256-byte messages (one thread). Run with
    /// `cargo test --release -- --ignored --nocapture transport_throughput`.
    #[test]
    #[ignore]
    fn transport_throughput() {
        let (mut a, mut b) = pair();
        a.reserve(NONCE_LIMIT);
        let msg = [0x42u8; 256];
        let count = 2_000_000u64;
        let start = std::time::Instant::now();
        for _ in 0..count {
            let frame = a.encrypt(&msg).unwrap();
            let (_, pt) = b.decrypt(&frame).unwrap();
            assert_eq!(pt.len(), 256);
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "256 B encrypt+decrypt: {:.2} M msgs/s ({:.0} MB/s)",
            count as f64 / secs / 1e6,
            count as f64 * 256.0 / secs / 1e6
        );
    }
}
