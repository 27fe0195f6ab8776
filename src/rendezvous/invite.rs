//! Invite codes: `chingu invite` prints one, a friend redeems it (protocol/rendezvous.md §6).
//!
//! A code carries the inviter's identity key, a fresh 128-bit secret, the inviter's
//! number and an expiry. The redeemer learns the inviter's key from the code itself — no
//! trust-on-first-use — finds the inviter's entry under
//! [`RendezvousKeys::from_invite_secret`] (same [`super::Entry`] format as a number's
//! record, and the entry's identity must be the code's), and proves it holds the code with
//! [`invite_proof`], so the inviter can recognise whom it invited.
//!
//! Text form: `CHINGU-` + RFC 4648 base32 (uppercase, no padding) of the code bytes with
//! a 4-byte SHA-256 checksum that catches typos; link form: `chingu://invite/` + the same.

use std::fmt;

use data_encoding::BASE32_NOPAD;
use hmac::{Hmac, Mac};
use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::kdf::{Epoch, RendezvousKeys};
use crate::wire::{Fixed, Text};

/// The only invite code version.
pub const INVITE_VERSION: u8 = 1;
/// Prefix of the text form.
pub const TEXT_PREFIX: &str = "CHINGU-";
/// Prefix of the link form.
pub const LINK_PREFIX: &str = "chingu://invite/";
/// Length of the invite secret.
pub const INVITE_SECRET_LEN: usize = 16;
/// Length of the checksum.
pub const CHECKSUM_LEN: usize = 4;
/// Longest E.164 number: `+` and 15 digits.
pub const MAX_E164_LEN: usize = 16;
/// Longest text [`InviteCode::parse`] looks at.
pub const MAX_INVITE_TEXT: usize = 512;
/// Lifetime `chingu invite` gives a code unless told otherwise (7 days).
pub const DEFAULT_INVITE_LIFETIME_SECS: u64 = 7 * 24 * 60 * 60;
/// Label of the redeemer's proof.
pub const PROOF_LABEL: &[u8] = b"chingu/invite/v1/proof";
/// Bytes before the number: version, identity key, secret, expiry.
const HEAD_LEN: usize = 1 + 32 + INVITE_SECRET_LEN + 4;

/// Why an invite code was not accepted. All are the user's to fix (retype, ask again).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InviteError {
    /// Neither `CHINGU-…` nor `chingu://invite/…`, or not base32.
    #[error("not an invite code")]
    BadFormat,
    /// Too short or too long to be a code (text characters or decoded bytes).
    #[error("invite code has the wrong length ({0})")]
    BadLength(usize),
    /// The checksum does not match: a typo.
    #[error("invite code checksum does not match (typo?)")]
    BadChecksum,
    /// A code version this node does not understand.
    #[error("unsupported invite code version {0}")]
    BadVersion(u8),
    /// The number is not `+` followed by 1 to 15 digits.
    #[error("invite code carries an invalid phone number")]
    BadNumber,
    /// The code expired at this unix second.
    #[error("invite code expired at {0}")]
    Expired(u64),
}

impl InviteError {
    /// A short stable name for counting failures by reason.
    pub fn reason(&self) -> &'static str {
        match self {
            InviteError::BadFormat => "bad_format",
            InviteError::BadLength(_) => "bad_length",
            InviteError::BadChecksum => "bad_checksum",
            InviteError::BadVersion(_) => "bad_version",
            InviteError::BadNumber => "bad_number",
            InviteError::Expired(_) => "expired",
        }
    }
}

/// An invite. The inviter persists the ones it issued (to republish the invite record
/// and check proofs until they expire); the secret never leaves the code.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteCode {
    /// The inviter's ed25519 identity key (`"id"`).
    #[serde(rename = "id")]
    pub identity_pk: Fixed<32>,
    #[serde(rename = "secret")]
    secret: Fixed<INVITE_SECRET_LEN>,
    /// The inviter's E.164 number (`"e164"`).
    pub e164: Text<MAX_E164_LEN>,
    /// Expiry in unix hours (`"exp"`).
    #[serde(rename = "exp")]
    pub expires_hours: u32,
}

impl fmt::Debug for InviteCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InviteCode")
            .field("identity_pk", &self.identity_pk)
            .field("e164", &self.e164)
            .field("expires_hours", &self.expires_hours)
            .finish_non_exhaustive()
    }
}

fn valid_e164(number: &str) -> bool {
    number
        .strip_prefix('+')
        .is_some_and(|digits| (1..MAX_E164_LEN).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()))
}

fn checksum(bytes: &[u8]) -> [u8; CHECKSUM_LEN] {
    let digest = Sha256::digest(bytes);
    let mut sum = [0u8; CHECKSUM_LEN];
    sum.copy_from_slice(&digest[..CHECKSUM_LEN]);
    sum
}

impl InviteCode {
    /// A fresh invite from `identity_pk` (the inviter's) for its number `e164`, valid
    /// until `expires` (unix seconds, rounded down to the hour), with a secret from `rng`.
    pub fn new(
        identity_pk: [u8; 32],
        e164: &str,
        expires: u64,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<Self, InviteError> {
        if !valid_e164(e164) {
            return Err(InviteError::BadNumber);
        }
        let e164 = Text::new(e164).map_err(|_| InviteError::BadNumber)?;
        let mut secret = [0u8; INVITE_SECRET_LEN];
        rng.fill_bytes(&mut secret);
        let expires_hours = u32::try_from(expires / 3600).unwrap_or(u32::MAX);
        Ok(Self {
            identity_pk: Fixed(identity_pk),
            secret: Fixed(secret),
            e164,
            expires_hours,
        })
    }

    /// The 128-bit secret.
    pub fn secret(&self) -> &[u8; INVITE_SECRET_LEN] {
        &self.secret
    }

    /// Unix seconds at which the code expires.
    pub fn expires_at(&self) -> u64 {
        u64::from(self.expires_hours) * 3600
    }

    /// The keys of the invite record in `epoch`.
    pub fn keys(&self, epoch: Epoch) -> RendezvousKeys {
        RendezvousKeys::from_invite_secret(&self.secret, epoch)
    }

    /// version || identity_pk || secret || u32be(expires_hours) || e164 || checksum.
    fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = [
            &[INVITE_VERSION],
            self.identity_pk.as_slice(),
            self.secret.as_slice(),
            &self.expires_hours.to_be_bytes(),
            self.e164.as_bytes(),
        ]
        .concat();
        let sum = checksum(&bytes);
        bytes.extend_from_slice(&sum);
        bytes
    }

    /// The text form, `CHINGU-` + base32.
    pub fn encode(&self) -> String {
        format!("{TEXT_PREFIX}{}", BASE32_NOPAD.encode(&self.to_bytes()))
    }

    /// The link form, `chingu://invite/` + base32.
    pub fn link(&self) -> String {
        format!("{LINK_PREFIX}{}", BASE32_NOPAD.encode(&self.to_bytes()))
    }

    /// Parses either form, ignoring case and any whitespace or dashes, and checks the
    /// checksum, version, number and expiry (against `now`, unix seconds), in that order.
    pub fn parse(text: &str, now: u64) -> Result<Self, InviteError> {
        if text.len() > MAX_INVITE_TEXT {
            return Err(InviteError::BadLength(text.len()));
        }
        let compact: String = text
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        let rest = [LINK_PREFIX, TEXT_PREFIX]
            .iter()
            .find_map(|prefix| compact.strip_prefix(&prefix.to_ascii_uppercase()))
            .ok_or(InviteError::BadFormat)?;
        let data: String = rest.chars().filter(|&c| c != '-').collect();
        let bytes = BASE32_NOPAD
            .decode(data.as_bytes())
            .map_err(|_| InviteError::BadFormat)?;
        let min = HEAD_LEN + 2 + CHECKSUM_LEN;
        let max = HEAD_LEN + MAX_E164_LEN + CHECKSUM_LEN;
        if !(min..=max).contains(&bytes.len()) {
            return Err(InviteError::BadLength(bytes.len()));
        }
        let (payload, sum) = bytes.split_at(bytes.len() - CHECKSUM_LEN);
        if checksum(payload) != sum {
            return Err(InviteError::BadChecksum);
        }
        // The length check above makes every split below in range.
        let (head, number) = payload.split_at(HEAD_LEN);
        let (&version, head) = head.split_first().ok_or(InviteError::BadLength(bytes.len()))?;
        if version != INVITE_VERSION {
            return Err(InviteError::BadVersion(version));
        }
        let (identity_pk, head) = head.split_at(32);
        let (secret, expires) = head.split_at(INVITE_SECRET_LEN);
        let number = std::str::from_utf8(number).map_err(|_| InviteError::BadNumber)?;
        if !valid_e164(number) {
            return Err(InviteError::BadNumber);
        }
        let code = Self {
            identity_pk: Fixed::try_from(identity_pk).map_err(|_| InviteError::BadFormat)?,
            secret: Fixed::try_from(secret).map_err(|_| InviteError::BadFormat)?,
            e164: Text::new(number).map_err(|_| InviteError::BadNumber)?,
            expires_hours: u32::from_be_bytes(expires.try_into().map_err(|_| InviteError::BadFormat)?),
        };
        if now >= code.expires_at() {
            return Err(InviteError::Expired(code.expires_at()));
        }
        Ok(code)
    }
}

fn proof_mac(secret: &[u8; INVITE_SECRET_LEN], redeemer_identity_pk: &[u8; 32]) -> Hmac<sha2::Sha256> {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(PROOF_LABEL);
    mac.update(redeemer_identity_pk);
    mac
}

/// The redeemer's proof of holding the code: HMAC-SHA256(key = secret,
/// `"chingu/invite/v1/proof"` || redeemer identity key). Sent in the first handshake's
/// introduction.
pub fn invite_proof(secret: &[u8; INVITE_SECRET_LEN], redeemer_identity_pk: &[u8; 32]) -> [u8; 32] {
    proof_mac(secret, redeemer_identity_pk).finalize().into_bytes().into()
}

/// Checks a proof in constant time.
pub fn verify_invite_proof(secret: &[u8; INVITE_SECRET_LEN], redeemer_identity_pk: &[u8; 32], proof: &[u8]) -> bool {
    proof_mac(secret, redeemer_identity_pk).verify_slice(proof).is_ok()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::rendezvous::testutil::FixedRng;

    const NOW: u64 = 1_754_524_800;

    fn code() -> InviteCode {
        InviteCode::new(
            [0xab; 32],
            "+821012345678",
            NOW + 7 * 86_400 + 1234,
            &mut FixedRng(vec![0x5c; 16]),
        )
        .unwrap()
    }

    #[test]
    fn round_trip_in_both_forms_and_any_case() {
        let code = code();
        assert_eq!(code.expires_at(), NOW + 7 * 86_400, "rounded down to the hour");
        let text = code.encode();
        assert!(text.starts_with("CHINGU-"));
        assert_eq!(InviteCode::parse(&text, NOW).unwrap(), code);
        assert_eq!(InviteCode::parse(&code.link(), NOW).unwrap(), code);
        let data = &text[TEXT_PREFIX.len()..];
        let grouped: Vec<String> = data
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect();
        let messy = format!("  chingu - {}\n", grouped.join("-").to_lowercase());
        assert_eq!(InviteCode::parse(&messy, NOW).unwrap(), code);
        let link = format!("CHINGU://Invite/{}", grouped.join(" "));
        assert_eq!(InviteCode::parse(&link, NOW).unwrap(), code);
    }

    #[test]
    fn every_single_typo_is_detected() {
        let text = code().encode();
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        for at in TEXT_PREFIX.len()..text.len() {
            let original = text.as_bytes()[at] as char;
            let replacement = alphabet.chars().find(|&c| c != original).unwrap();
            let mut typo = text.clone();
            typo.replace_range(at..at + 1, &replacement.to_string());
            let err = InviteCode::parse(&typo, NOW).unwrap_err();
            assert!(
                matches!(err, InviteError::BadChecksum | InviteError::BadFormat),
                "{at}: {err:?}"
            );
        }
    }

    #[test]
    fn errors() {
        let good = code();
        assert_eq!(InviteCode::parse("hello", NOW), Err(InviteError::BadFormat));
        assert_eq!(InviteCode::parse("CHINGU-!!!!", NOW), Err(InviteError::BadFormat));
        assert_eq!(InviteCode::parse("CHINGU-AAAA", NOW), Err(InviteError::BadLength(2)));
        let huge = format!("CHINGU-{}", "A".repeat(MAX_INVITE_TEXT));
        assert_eq!(InviteCode::parse(&huge, NOW), Err(InviteError::BadLength(huge.len())));
        assert_eq!(
            InviteCode::parse(&good.encode(), good.expires_at()),
            Err(InviteError::Expired(good.expires_at()))
        );
        // Well-formed codes with a bad version or number (valid checksums).
        let reencode = |mutate: &dyn Fn(&mut Vec<u8>)| {
            let mut bytes = good.to_bytes();
            bytes.truncate(bytes.len() - CHECKSUM_LEN);
            mutate(&mut bytes);
            let sum = checksum(&bytes);
            bytes.extend_from_slice(&sum);
            format!("{TEXT_PREFIX}{}", BASE32_NOPAD.encode(&bytes))
        };
        assert_eq!(
            InviteCode::parse(&reencode(&|b| b[0] = 2), NOW),
            Err(InviteError::BadVersion(2))
        );
        let last = HEAD_LEN + good.e164.len() - 1;
        assert_eq!(
            InviteCode::parse(&reencode(&|b| b[last] = b'x'), NOW),
            Err(InviteError::BadNumber)
        );
        assert_eq!(
            InviteCode::parse(&reencode(&|b| b[HEAD_LEN] = b'0'), NOW),
            Err(InviteError::BadNumber)
        );
        assert_eq!(
            InviteCode::parse(&reencode(&|b| b[last] = 0xff), NOW),
            Err(InviteError::BadNumber)
        );
        let rng = &mut FixedRng(vec![]);
        for bad in ["821012345678", "+", "+82101234567890123", "+8210-1234", ""] {
            assert_eq!(
                InviteCode::new([0; 32], bad, NOW, rng).unwrap_err(),
                InviteError::BadNumber,
                "{bad}"
            );
        }
        for (e, reason) in [
            (InviteError::BadFormat, "bad_format"),
            (InviteError::BadLength(1), "bad_length"),
            (InviteError::BadChecksum, "bad_checksum"),
            (InviteError::BadVersion(2), "bad_version"),
            (InviteError::BadNumber, "bad_number"),
            (InviteError::Expired(1), "expired"),
        ] {
            assert_eq!(e.reason(), reason);
        }
    }

    #[test]
    fn vectors_hold() {
        use crate::rendezvous::testutil::{hex32, hex_of, int, text, vectors};
        for v in vectors("invite") {
            let hours = int(&v["expires_hours"]);
            let secret = hex_of(&v["secret"]);
            let code = InviteCode::new(
                hex32(&v["identity_pk"]),
                text(&v["e164"]),
                hours * 3600,
                &mut FixedRng(secret),
            )
            .unwrap();
            assert_eq!(code.to_bytes(), hex_of(&v["bytes"]));
            assert_eq!(code.encode(), text(&v["text"]));
            assert_eq!(code.link(), text(&v["link"]));
            let now = int(&v["now"]);
            assert_eq!(InviteCode::parse(text(&v["text"]), now).unwrap(), code);
            assert_eq!(InviteCode::parse(text(&v["link"]), now).unwrap(), code);
            let redeemer = hex32(&v["redeemer_identity_pk"]);
            let proof = invite_proof(code.secret(), &redeemer);
            assert_eq!(proof.as_slice(), hex_of(&v["proof"]));
            assert!(verify_invite_proof(code.secret(), &redeemer, &hex_of(&v["proof"])));
        }
    }

    #[test]
    fn proof_recognises_the_redeemer() {
        let code = code();
        let redeemer = [0x42; 32];
        let proof = invite_proof(code.secret(), &redeemer);
        assert!(verify_invite_proof(code.secret(), &redeemer, &proof));
        assert!(!verify_invite_proof(code.secret(), &[0x43; 32], &proof));
        assert!(!verify_invite_proof(&[0; 16], &redeemer, &proof));
        assert!(!verify_invite_proof(code.secret(), &redeemer, &proof[..31]));
    }

    #[test]
    fn persistence_and_debug() {
        let code = code();
        let restored: InviteCode = crate::wire::from_cbor(&crate::wire::to_cbor(&code), 200).unwrap();
        assert_eq!(restored, code);
        assert!(!format!("{code:?}").contains("5c5c"));
        assert_eq!(
            code.keys(Epoch(1)),
            RendezvousKeys::from_invite_secret(&[0x5c; 16], Epoch(1))
        );
    }

    proptest! {
        #[test]
        fn parse_never_panics(text in "\\PC{0,200}") {
            let _ = InviteCode::parse(&text, NOW);
            let _ = InviteCode::parse(&format!("CHINGU-{text}"), NOW);
        }
    }
}
