//! Safety numbers: 60 digits two friends compare (in person, on a call) to verify each
//! other's identity key (protocol/rendezvous.md §7).
//!
//! Signal-style: each party's 30-digit fingerprint is an iterated SHA-512 of its
//! ed25519 identity key and its E.164 number; the safety number is both fingerprints,
//! the lower first, so both sides compute the same digits. A match means neither side
//! is talking to an impostor who merely knows the number.

use sha2::{Digest, Sha512};

/// Version prefix of the first hash.
pub const FINGERPRINT_VERSION: u16 = 0;
/// Iterations after the first hash.
pub const FINGERPRINT_ITERATIONS: usize = 5200;
/// Digits of one fingerprint.
pub const FINGERPRINT_DIGITS: usize = 30;
/// Digits of a safety number.
pub const SAFETY_NUMBER_DIGITS: usize = 2 * FINGERPRINT_DIGITS;
/// Digits per displayed block.
const BLOCK_DIGITS: usize = 5;
/// Blocks per displayed line.
const BLOCKS_PER_LINE: usize = 4;

/// The 30-digit fingerprint of one party: h₀ = SHA-512(u16be(0) || identity_pk || e164),
/// hᵢ₊₁ = SHA-512(hᵢ || identity_pk) for 5200 iterations; the first 30 bytes of h₅₂₀₀
/// as six 5-byte big-endian integers, each mod 100 000, printed as 5 digits.
pub fn fingerprint(identity_pk: &[u8; 32], e164: &str) -> String {
    let mut hash = Sha512::new()
        .chain_update(FINGERPRINT_VERSION.to_be_bytes())
        .chain_update(identity_pk)
        .chain_update(e164.as_bytes())
        .finalize();
    for _ in 0..FINGERPRINT_ITERATIONS {
        hash = Sha512::new().chain_update(hash).chain_update(identity_pk).finalize();
    }
    hash[..FINGERPRINT_DIGITS]
        .chunks(BLOCK_DIGITS)
        .map(|chunk| {
            let value = chunk.iter().fold(0u64, |acc, &byte| (acc << 8) | u64::from(byte));
            format!("{:05}", value % 100_000)
        })
        .collect()
}

/// The safety number of two parties: the same 60 digits on both sides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SafetyNumber(String);

impl SafetyNumber {
    /// The safety number of (`a_pk`, `a_e164`) and (`b_pk`, `b_e164`), in either order.
    pub fn new(a_pk: &[u8; 32], a_e164: &str, b_pk: &[u8; 32], b_e164: &str) -> Self {
        let a = fingerprint(a_pk, a_e164);
        let b = fingerprint(b_pk, b_e164);
        Self(if a <= b { a + &b } else { b + &a })
    }

    /// The 60 digits.
    pub fn digits(&self) -> &str {
        &self.0
    }

    /// The digits as 12 blocks of 5, four blocks per line, three lines.
    pub fn display(&self) -> String {
        let blocks: Vec<&str> = self
            .0
            .as_bytes()
            .chunks(BLOCK_DIGITS)
            .map(|block| std::str::from_utf8(block).unwrap_or_default())
            .collect();
        blocks
            .chunks(BLOCKS_PER_LINE)
            .map(|line| line.join(" "))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_on_both_sides_and_well_formed() {
        let (a, b) = ([1u8; 32], [2u8; 32]);
        let ab = SafetyNumber::new(&a, "+821012345678", &b, "+14155550123");
        let ba = SafetyNumber::new(&b, "+14155550123", &a, "+821012345678");
        assert_eq!(ab, ba);
        assert_eq!(ab.digits().len(), SAFETY_NUMBER_DIGITS);
        assert!(ab.digits().bytes().all(|d| d.is_ascii_digit()));
        let shown = ab.display();
        assert_eq!(shown.lines().count(), 3);
        assert!(shown
            .lines()
            .all(|line| line.split(' ').count() == 4 && line.len() == 23));
        assert_eq!(shown.replace([' ', '\n'], ""), ab.digits());
    }

    #[test]
    fn vectors_hold() {
        use crate::rendezvous::testutil::{hex32, text, vectors};
        for v in vectors("safety") {
            let (a_pk, a) = (hex32(&v["a_identity_pk"]), text(&v["a_e164"]));
            let (b_pk, b) = (hex32(&v["b_identity_pk"]), text(&v["b_e164"]));
            assert_eq!(fingerprint(&a_pk, a), text(&v["a_fingerprint"]));
            assert_eq!(fingerprint(&b_pk, b), text(&v["b_fingerprint"]));
            let number = SafetyNumber::new(&a_pk, a, &b_pk, b);
            assert_eq!(number.digits(), text(&v["safety_number"]));
            assert_eq!(number.display(), text(&v["display"]));
        }
    }

    #[test]
    fn any_change_changes_the_number() {
        let base = SafetyNumber::new(&[1; 32], "+821012345678", &[2; 32], "+14155550123");
        assert_ne!(
            base,
            SafetyNumber::new(&[3; 32], "+821012345678", &[2; 32], "+14155550123")
        );
        assert_ne!(
            base,
            SafetyNumber::new(&[1; 32], "+821012345679", &[2; 32], "+14155550123")
        );
        assert_ne!(fingerprint(&[1; 32], "+1"), fingerprint(&[1; 32], "+2"));
    }
}
