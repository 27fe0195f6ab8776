//! End-to-end encryption between two chingu users (protocol/session.md).
//!
//! Everything here is sans-IO: values in, values or typed errors out. Callers pass the
//! clock (`now`, unix seconds) and randomness (a [`rand::CryptoRng`]) explicitly; snow
//! draws every ephemeral and generated key from that RNG (see [`keys`]).
//!
//! - [`keys`]: the local key set, the identity ↔ Noise-static binding and the
//!   handshake payload both sides exchange.
//! - [`handshake`]: `Noise_IK_25519_ChaChaPoly_BLAKE2s` between friends who are online;
//!   yields a [`Session`].
//! - [`transport`]: the [`Session`] (persistable keys, explicit nonces, durable nonce
//!   reservation, rekey schedule) and the [`Frame`] it produces.
//! - [`replay`]: the sliding receive window and the handshake-replay guard.
//! - [`prekey`] and [`mod@seal`]: offline messages sealed with `Noise_X_25519_ChaChaPoly_BLAKE2s`
//!   to the recipient's signed, rotating prekey, for deposit on mailbox nodes.
//!
//! libp2p's own transport encryption is never relied upon: every byte of user content
//! leaves this module inside a [`Frame`] or a [`Sealed`] box.

pub mod handshake;
pub mod keys;
pub mod prekey;
pub mod replay;
pub mod seal;
pub mod transport;

pub use handshake::{Initiator, Responder};
pub use keys::{HandshakePayload, LocalKeys, NoiseBinding};
pub use prekey::{Prekey, PrekeyRing, SignedPrekey};
pub use replay::{ReplayGuard, ReplayWindow};
pub use seal::{open, seal, Sealed};
pub use transport::{Frame, Role, SendState, Session};

use crate::wire::{Fixed, TooLong, WireError};

/// Length of an X25519 public or private key, and of a ChaChaPoly key.
pub const KEY_LEN: usize = 32;
/// Length of the Poly1305 tag appended to every ciphertext.
pub const TAG_LEN: usize = 16;
/// Largest Noise message (tag included), from the Noise specification §3.
pub const NOISE_MAX_MSG: usize = 65_535;

/// Why a session operation failed. Every variant tells the caller what to decide; none
/// of them is fatal for the node (count it with [`SessionError::reason`], drop the input).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    /// snow refused an operation for a reason other than a failed decryption (a bug or
    /// an impossible parameter; the message is snow's).
    #[error("noise error: {0}")]
    Noise(String),
    /// A handshake message or sealed box is shorter than its fixed part.
    #[error("message of {len} bytes is shorter than the minimum of {min}")]
    Truncated {
        /// Length received.
        len: usize,
        /// Smallest valid length.
        min: usize,
    },
    /// Authenticated decryption failed: tampered or forged bytes, a wrong key (for
    /// example a stale pinned static key), a wrong prologue, or a reflected frame.
    #[error("decryption failed")]
    DecryptFailed,
    /// The identity signature over the peer's Noise static key does not verify.
    #[error("identity binding does not verify")]
    BadBinding,
    /// The responder proved another identity than the one the initiator pinned. The
    /// caller shows a key-change warning; nothing from this handshake may be used.
    #[error("expected identity {expected:?}, peer presented {got:?}")]
    IdentityMismatch {
        /// The pinned identity key.
        expected: Fixed<32>,
        /// The identity key in the responder's payload.
        got: Fixed<32>,
    },
    /// A handshake message 1 whose ephemeral key was already seen (0-RTT replay).
    #[error("replayed handshake message")]
    HandshakeReplay,
    /// The frame belongs to another session.
    #[error("frame for another session")]
    WrongSession,
    /// The frame's nonce is below the replay window (see [`replay::REPLAY_WINDOW`]).
    #[error("nonce {nonce} is below the replay window starting at {floor}")]
    TooOld {
        /// Nonce of the frame.
        nonce: u64,
        /// Lowest nonce the window still tracks.
        floor: u64,
    },
    /// The frame's nonce was already accepted once.
    #[error("nonce {0} already received")]
    Replay(u64),
    /// No reserved nonce is left: call [`Session::reserve`] and persist the session first.
    #[error("nonce reservation exhausted: reserve and persist before encrypting")]
    NeedReservation,
    /// The nonce space of this session is used up: run a new handshake.
    #[error("session nonces exhausted: run a new handshake")]
    Exhausted,
    /// The plaintext or message is larger than its limit.
    #[error("{len} bytes exceed the limit of {max}")]
    TooLarge {
        /// Length offered.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A sealed box names a prekey this node does not hold (never had it, or deleted it
    /// after [`prekey::PREKEY_GRACE_SECS`]): the message cannot be opened, ever.
    #[error("unknown or expired prekey {0}")]
    UnknownPrekey(u32),
    /// The recipient's prekey is not signed by the recipient's identity.
    #[error("prekey signature does not verify")]
    BadPrekeySignature,
    /// A CBOR structure (payload, frame, sealed box) is malformed or over a limit.
    #[error("malformed: {0}")]
    Malformed(#[from] WireError),
}

impl SessionError {
    /// A short stable name for counting failures by reason.
    pub fn reason(&self) -> &'static str {
        match self {
            SessionError::Noise(_) => "noise",
            SessionError::Truncated { .. } => "truncated",
            SessionError::DecryptFailed => "decrypt_failed",
            SessionError::BadBinding => "bad_binding",
            SessionError::IdentityMismatch { .. } => "identity_mismatch",
            SessionError::HandshakeReplay => "handshake_replay",
            SessionError::WrongSession => "wrong_session",
            SessionError::TooOld { .. } => "too_old",
            SessionError::Replay(_) => "replay",
            SessionError::NeedReservation => "need_reservation",
            SessionError::Exhausted => "exhausted",
            SessionError::TooLarge { .. } => "too_large",
            SessionError::UnknownPrekey(_) => "unknown_prekey",
            SessionError::BadPrekeySignature => "bad_prekey_signature",
            SessionError::Malformed(_) => "malformed",
        }
    }
}

impl From<snow::Error> for SessionError {
    fn from(e: snow::Error) -> Self {
        match e {
            snow::Error::Decrypt => SessionError::DecryptFailed,
            other => SessionError::Noise(format!("{other:?}")),
        }
    }
}

impl From<TooLong> for SessionError {
    fn from(e: TooLong) -> Self {
        SessionError::TooLarge { len: e.len, max: e.max }
    }
}

/// Rejects `len` outside `min..=max` for a Noise message about to be read.
fn check_len(len: usize, min: usize, max: usize) -> Result<(), SessionError> {
    if len < min {
        return Err(SessionError::Truncated { len, min });
    }
    if len > max {
        return Err(SessionError::TooLarge { len, max });
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod testutil {
    //! Deterministic keys and randomness for tests and vectors.

    use std::collections::VecDeque;

    use libp2p_identity::ed25519;
    use rand::{CryptoRng, RngCore};

    use super::LocalKeys;

    /// An "RNG" replaying scripted 32-byte blocks: lets vectors fix ephemeral keys.
    /// Cryptographically worthless; tests only.
    pub struct ScriptedRng(pub VecDeque<[u8; 32]>);

    impl ScriptedRng {
        pub fn new(blocks: &[[u8; 32]]) -> Self {
            Self(blocks.iter().copied().collect())
        }
    }

    impl RngCore for ScriptedRng {
        fn next_u32(&mut self) -> u32 {
            let mut bytes = [0u8; 4];
            self.fill_bytes(&mut bytes);
            u32::from_be_bytes(bytes)
        }
        fn next_u64(&mut self) -> u64 {
            u64::from(self.next_u32())
        }
        fn fill_bytes(&mut self, dest: &mut [u8]) {
            let block = self.0.pop_front().expect("scripted RNG ran out of blocks");
            dest.copy_from_slice(&block[..dest.len()]);
        }
        fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand::Error> {
            self.fill_bytes(dest);
            Ok(())
        }
    }

    impl CryptoRng for ScriptedRng {}

    /// A key set from fixed secrets.
    pub fn keys(identity_secret: [u8; 32], noise_private: [u8; 32]) -> LocalKeys {
        let mut secret = identity_secret;
        let secret = ed25519::SecretKey::try_from_bytes(&mut secret).expect("32 bytes");
        LocalKeys::new(secret.into(), noise_private)
    }

    /// A key set whose secrets are `seed` repeated (distinct seeds, distinct users).
    pub fn user(seed: u8) -> LocalKeys {
        keys([seed; 32], [seed.wrapping_add(100); 32])
    }

    /// Reads `field` of a JSON vector as hex bytes.
    pub fn hex_field(v: &serde_json::Value, field: &str) -> Vec<u8> {
        let s = v[field]
            .as_str()
            .unwrap_or_else(|| panic!("vector field {field} missing"));
        hex::decode(s).expect("hex")
    }

    /// Reads `field` as exactly 32 bytes.
    pub fn hex32(v: &serde_json::Value, field: &str) -> [u8; 32] {
        hex_field(v, field).try_into().expect("32 bytes")
    }

    /// The session vectors.
    pub fn vectors() -> serde_json::Value {
        serde_json::from_str(include_str!("../../protocol/vectors/session.json")).expect("json")
    }

    /// The vector named `name`.
    pub fn vector(name: &str) -> serde_json::Value {
        vectors()["vectors"]
            .as_array()
            .expect("vectors")
            .iter()
            .find(|v| v["name"] == name)
            .unwrap_or_else(|| panic!("vector {name} missing"))
            .clone()
    }

    #[test]
    fn error_reasons_are_distinct() {
        use super::SessionError as E;
        let all = [
            E::Noise(String::new()),
            E::Truncated { len: 0, min: 1 },
            E::DecryptFailed,
            E::BadBinding,
            E::IdentityMismatch {
                expected: Default::default(),
                got: Default::default(),
            },
            E::HandshakeReplay,
            E::WrongSession,
            E::TooOld { nonce: 0, floor: 1 },
            E::Replay(0),
            E::NeedReservation,
            E::Exhausted,
            E::TooLarge { len: 2, max: 1 },
            E::UnknownPrekey(0),
            E::BadPrekeySignature,
            E::Malformed(crate::wire::WireError::TooDeep),
        ];
        let reasons: std::collections::HashSet<_> = all.iter().map(|e| e.reason()).collect();
        assert_eq!(reasons.len(), all.len());
    }
}
