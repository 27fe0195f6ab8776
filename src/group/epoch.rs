//! Epoch secrets and what is derived from them: the gossipsub topic, the commit's check
//! value and the history-sync key (protocol/group.md §4).
//!
//! Every commit's committer draws a fresh random [`EpochSecret`] and sends it, inside an
//! [`EpochSecretShare`], over 1:1 sessions to every member of the state the commit
//! produces, never to a removed member. The commit carries [`EpochKeys::check`], a one-way
//! commitment to the secret, so a member can verify a share whoever forwarded it. Because
//! concurrent commits can fork the log, secrets are keyed by commit hash, not by epoch
//! number.

use hkdf::Hkdf;
use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::log::Commit;
use super::GroupId;
use crate::wire::Fixed;

/// Prefix of every group topic; 32 lowercase hex characters follow.
pub const TOPIC_PREFIX: &str = "chingu/g/";
/// HKDF info for the topic id.
pub const TOPIC_INFO: &[u8] = b"chingu/group/v1/topic";
/// HKDF info for the check value a commit carries.
pub const CHECK_INFO: &[u8] = b"chingu/group/v1/check";
/// HKDF info for the history-sync MAC key.
pub const SYNC_KEY_INFO: &[u8] = b"chingu/group/v1/sync-key";
/// Bytes of HKDF output behind the topic (shown as 32 hex characters).
pub const TOPIC_ID_BYTES: usize = 16;

/// A 32-byte random epoch secret. Its `Debug` output never shows the bytes.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EpochSecret(Fixed<32>);

impl EpochSecret {
    /// Draws a fresh secret (one per commit, never reused).
    pub fn generate(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        let mut bytes = [0u8; 32];
        rng.fill_bytes(&mut bytes);
        Self(Fixed(bytes))
    }

    /// Wraps known bytes (tests, vectors, loading from the store).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(Fixed(bytes))
    }

    /// The secret bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        self.0.as_bytes()
    }
}

impl std::fmt::Debug for EpochSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EpochSecret(..)")
    }
}

/// Everything derived from one epoch secret of one group.
#[derive(Clone, PartialEq, Eq)]
pub struct EpochKeys {
    topic: String,
    check: Fixed<16>,
    sync_key: [u8; 32],
}

impl std::fmt::Debug for EpochKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EpochKeys")
            .field("topic", &self.topic)
            .field("check", &self.check)
            .finish_non_exhaustive()
    }
}

impl EpochKeys {
    /// Derives the epoch keys: `PRK = HKDF-Extract(salt = group id, ikm = secret)`, then
    /// one HKDF-Expand per purpose.
    pub fn derive(group: &GroupId, secret: &EpochSecret) -> Self {
        let hkdf = Hkdf::<Sha256>::new(Some(group.as_bytes()), secret.as_bytes());
        let mut topic_id = [0u8; TOPIC_ID_BYTES];
        let mut check = [0u8; 16];
        let mut sync_key = [0u8; 32];
        for (info, out) in [
            (TOPIC_INFO, &mut topic_id[..]),
            (CHECK_INFO, &mut check[..]),
            (SYNC_KEY_INFO, &mut sync_key[..]),
        ] {
            hkdf.expand(info, out).expect("HKDF-SHA256 can expand 32 bytes");
        }
        Self {
            topic: format!("{TOPIC_PREFIX}{}", hex::encode(topic_id)),
            check: Fixed(check),
            sync_key,
        }
    }

    /// The gossipsub topic of this epoch: `"chingu/g/" || hex(topic id)`.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// The check value the commit carries (`check` field): a commitment to the secret.
    pub fn check(&self) -> &Fixed<16> {
        &self.check
    }

    /// The key of the history-sync request MAC.
    pub(crate) fn sync_key(&self) -> &[u8; 32] {
        &self.sync_key
    }
}

/// Why an epoch secret share was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EpochError {
    /// The share names another group or another commit than the one offered.
    #[error("share is for another commit")]
    WrongCommit,
    /// The secret does not match the commit's check value: a wrong or forged secret.
    #[error("secret does not match the commit's check value")]
    CheckMismatch,
}

impl EpochError {
    /// A short stable name for counting failures by reason.
    pub fn reason(&self) -> &'static str {
        match self {
            EpochError::WrongCommit => "wrong_commit",
            EpochError::CheckMismatch => "check_mismatch",
        }
    }
}

/// An epoch secret on its way to a member, over a 1:1 session (the node chooses the
/// framing). Anyone holding the commit can verify it, so any member may forward it to
/// one who missed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpochSecretShare {
    /// The group.
    pub group: GroupId,
    /// Hash of the commit that starts the epoch.
    pub commit: Fixed<32>,
    /// The epoch secret.
    pub secret: EpochSecret,
}

impl EpochSecretShare {
    /// The share of `secret` for `commit`.
    pub fn new(commit: &Commit, secret: EpochSecret) -> Self {
        Self {
            group: *commit.group(),
            commit: *commit.hash(),
            secret,
        }
    }

    /// Checks the share against the commit it claims to belong to and derives the keys.
    pub fn open(&self, commit: &Commit) -> Result<EpochKeys, EpochError> {
        if self.group != *commit.group() || self.commit != *commit.hash() {
            return Err(EpochError::WrongCommit);
        }
        let keys = EpochKeys::derive(&self.group, &self.secret);
        if keys.check() != commit.check() {
            return Err(EpochError::CheckMismatch);
        }
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::testkit::Kit;

    #[test]
    fn topics_differ_per_secret_and_group() {
        let a = GroupId(Fixed([1; 16]));
        let b = GroupId(Fixed([2; 16]));
        let s1 = EpochSecret::from_bytes([7; 32]);
        let s2 = EpochSecret::from_bytes([8; 32]);
        let t = |g, s| EpochKeys::derive(g, s).topic().to_owned();
        assert_ne!(t(&a, &s1), t(&a, &s2));
        assert_ne!(t(&a, &s1), t(&b, &s1));
        let topic = t(&a, &s1);
        assert!(topic.starts_with(TOPIC_PREFIX));
        assert_eq!(topic.len(), TOPIC_PREFIX.len() + 2 * TOPIC_ID_BYTES);
        assert!(topic[TOPIC_PREFIX.len()..]
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert!(!format!("{:?}", EpochKeys::derive(&a, &s1)).contains(&hex::encode([7u8; 32])));
        assert_eq!(format!("{s1:?}"), "EpochSecret(..)");
    }

    #[test]
    fn shares_are_checked_against_the_commit() {
        let mut kit = Kit::new(3);
        let (genesis, secret) = kit.genesis(&[0, 1]);
        let share = EpochSecretShare::new(&genesis, secret.clone());
        assert_eq!(
            share.open(&genesis).unwrap(),
            EpochKeys::derive(genesis.group(), &secret)
        );

        let forged = EpochSecretShare {
            secret: EpochSecret::from_bytes([9; 32]),
            ..share.clone()
        };
        assert_eq!(forged.open(&genesis), Err(EpochError::CheckMismatch));
        assert_eq!(forged.open(&genesis).unwrap_err().reason(), "check_mismatch");

        let other = EpochSecretShare {
            commit: Fixed([0; 32]),
            ..share
        };
        assert_eq!(other.open(&genesis), Err(EpochError::WrongCommit));
        assert_eq!(EpochError::WrongCommit.reason(), "wrong_commit");
    }
}
