//! Search signatures: one small Bloom filter per message over the grams of its text
//! (SPEC.md §8.3, "Search index").
//!
//! A gram is one character or two consecutive characters of a run of letters and digits
//! (see `search.rs`). The filter has 10 bits per distinct gram, rounded up to whole
//! 8-byte words (8 bytes at least, 4 KiB at most), and sets 4 bits per gram: with
//! `h = BLAKE3(gram)`, `a = u64le(h[0..8])`, `b = u64le(h[8..16]) | 1`, bit
//! `(a + i·b) mod m` for `i = 0..4`, where `m` is the filter's size in bits and bit `j` is
//! bit `j mod 8` (least significant first) of byte `j / 8`. A message that holds a gram
//! always has its bits set; about 1 % of messages without it have them set too, so every
//! hit is checked against the message's text.

use std::collections::BTreeSet;

/// Filter bits per distinct gram.
const BITS_PER_GRAM: usize = 10;
/// Bits set per gram.
const PROBES: u64 = 4;
/// Smallest filter, in bytes (and the granule of every size).
const WORD_BYTES: usize = 8;
/// Largest filter, in bytes: a longer text shares its bits (more false hits, never a miss).
const MAX_BYTES: usize = 4096;

/// Where a gram's bits are, for a filter of any size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    start: u64,
    step: u64,
}

impl Probe {
    /// The probe of one gram (its UTF-8 text).
    pub fn of(gram: &str) -> Self {
        let hash = blake3::hash(gram.as_bytes());
        let bytes = hash.as_bytes();
        let word = |range: std::ops::Range<usize>| u64::from_le_bytes(bytes[range].try_into().expect("8 bytes"));
        Self {
            start: word(0..8),
            step: word(8..16) | 1,
        }
    }

    fn bits(self, filter_bits: u64) -> impl Iterator<Item = usize> {
        (0..PROBES).map(move |i| (self.start.wrapping_add(i.wrapping_mul(self.step)) % filter_bits) as usize)
    }
}

/// The signature of a message whose text has `grams`; empty when it has none.
pub fn signature(grams: &BTreeSet<String>) -> Vec<u8> {
    if grams.is_empty() {
        return Vec::new();
    }
    let bytes = (grams.len() * BITS_PER_GRAM)
        .div_ceil(8)
        .next_multiple_of(WORD_BYTES)
        .clamp(WORD_BYTES, MAX_BYTES);
    let mut filter = vec![0u8; bytes];
    let filter_bits = (bytes * 8) as u64;
    for gram in grams {
        for bit in Probe::of(gram).bits(filter_bits) {
            filter[bit / 8] |= 1 << (bit % 8);
        }
    }
    filter
}

/// Whether a message with this signature may hold every probed gram (a well-formed
/// signature is a non-empty whole number of 8-byte words; anything else matches nothing).
pub fn may_contain(signature: &[u8], probes: &[Probe]) -> bool {
    if signature.is_empty() || !signature.len().is_multiple_of(WORD_BYTES) || signature.len() > MAX_BYTES {
        return false;
    }
    let filter_bits = (signature.len() * 8) as u64;
    probes.iter().all(|probe| {
        probe
            .bits(filter_bits)
            .all(|bit| signature[bit / 8] & (1 << (bit % 8)) != 0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grams(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|g| g.to_string()).collect()
    }

    fn probes(list: &[&str]) -> Vec<Probe> {
        list.iter().map(|g| Probe::of(g)).collect()
    }

    #[test]
    fn sizes_follow_the_gram_count() {
        assert!(signature(&BTreeSet::new()).is_empty());
        assert_eq!(signature(&grams(&["a"])).len(), 8);
        let many: BTreeSet<String> = (0..100).map(|i| format!("{i:02}")).collect();
        assert_eq!(signature(&many).len(), 128, "1,000 bits in whole words");
        let huge: BTreeSet<String> = (0..10_000).map(|i| i.to_string()).collect();
        assert_eq!(signature(&huge).len(), MAX_BYTES);
    }

    #[test]
    fn every_gram_of_a_message_is_found_and_few_others_are() {
        let held: BTreeSet<String> = (0..60).map(|i| format!("g{i}")).collect();
        let sig = signature(&held);
        for gram in &held {
            assert!(may_contain(&sig, &[Probe::of(gram)]), "{gram}");
        }
        assert!(may_contain(&sig, &probes(&["g1", "g2", "g59"])));
        let false_hits = (0..10_000)
            .filter(|i| may_contain(&sig, &[Probe::of(&format!("other{i}"))]))
            .count();
        assert!(false_hits < 300, "{false_hits} false hits in 10,000");
    }

    #[test]
    fn malformed_signatures_match_nothing() {
        let p = probes(&["a"]);
        assert!(!may_contain(&[], &p));
        assert!(!may_contain(&[0xff; 7], &p));
        assert!(!may_contain(&vec![0xff; MAX_BYTES + 8], &p));
        assert!(may_contain(&[0xff; 8], &p));
    }
}
