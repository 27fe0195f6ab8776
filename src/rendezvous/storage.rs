//! What DHT nodes check about rendezvous values (protocol/rendezvous.md §4).
//!
//! A storing node knows no number and decrypts nothing. It checks what it can — the key
//! length, the value size, every entry's version, epoch window, expiry window and slot
//! signature — and merges an accepted value with the one it holds, slot by slot:
//! - a slot only moves to a higher `seq` (the slot signature makes that the slot owner's
//!   decision alone);
//! - expired entries are dropped;
//! - a new slot is refused once [`MAX_ENTRIES`] live slots exist.
//!
//! So two identities claiming one number are both kept and neither can overwrite the
//! other. The reader side ([`validate_get_answer`], [`filter_answer`],
//! [`merge_answers`]) applies the same checks to every peer's answer, so junk from sybils
//! is dropped entry by entry and cannot hide a genuine entry another peer returned.

use std::collections::BTreeMap;

use super::record::{Entry, RendezvousValue, MAX_ENTRIES};
use super::RecordError;

/// The DHT key as 32 bytes ([`RecordError::BadKey`] otherwise).
fn dht_key(key: &[u8]) -> Result<[u8; 32], RecordError> {
    <[u8; 32]>::try_from(key).map_err(|_| RecordError::BadKey(key.len()))
}

/// What one incoming entry did to the stored set.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Merge {
    /// A new slot, or a higher `seq` for a stored slot.
    Changed,
    /// Exactly the stored entry (Kademlia replication re-sends values unchanged).
    Same,
    /// A lower `seq`, or the stored `seq` with other content.
    Stale,
    /// A new slot while all slots are taken.
    Full,
}

fn merge_one(live: &mut Vec<Entry>, entry: Entry) -> Merge {
    let full = live.len() >= MAX_ENTRIES;
    match live.iter_mut().find(|stored| stored.slot_pk == entry.slot_pk) {
        Some(stored) if entry.seq > stored.seq => {
            *stored = entry;
            Merge::Changed
        }
        Some(stored) if *stored == entry => Merge::Same,
        Some(_) => Merge::Stale,
        None if full => Merge::Full,
        None => {
            live.push(entry);
            Merge::Changed
        }
    }
}

/// Checks a PUT of `incoming` under `key` at `now` (unix seconds) against the value the
/// node holds (`existing`, if any) and returns the merged value to store.
///
/// Refusals, in order: a key that is not 32 bytes ([`RecordError::BadKey`]); a value over
/// [`super::MAX_VALUE_BYTES`] or not decoding ([`RecordError::Oversized`],
/// [`RecordError::Wire`]); no entry ([`RecordError::EmptyValue`]); any entry failing
/// [`Entry::check`] (the whole PUT is refused); nothing new: [`RecordError::SlotsFull`]
/// if a new slot found no room, else [`RecordError::StaleSeq`]. A PUT whose entries are
/// all exactly the stored ones (replication) is accepted unchanged. An `existing` value
/// that does not decode is replaced.
pub fn validate_put(key: &[u8], incoming: &[u8], existing: Option<&[u8]>, now: u64) -> Result<Vec<u8>, RecordError> {
    let dht_key = dht_key(key)?;
    let incoming = RendezvousValue::decode(incoming)?.entries.into_vec();
    if incoming.is_empty() {
        return Err(RecordError::EmptyValue);
    }
    for entry in &incoming {
        entry.check(&dht_key, now)?;
    }
    let mut live = existing
        .and_then(|bytes| RendezvousValue::decode(bytes).ok())
        .map(|value| value.entries.into_vec())
        .unwrap_or_default();
    // Stored entries were fully checked when they arrived; time may have expired them.
    live.retain(|entry| entry.check_fields(now).is_ok());
    let outcomes: Vec<Merge> = incoming.into_iter().map(|entry| merge_one(&mut live, entry)).collect();
    if !outcomes.contains(&Merge::Changed) {
        if outcomes.contains(&Merge::Full) {
            return Err(RecordError::SlotsFull);
        }
        if outcomes.contains(&Merge::Stale) {
            return Err(RecordError::StaleSeq);
        }
    }
    live.sort_by_key(|entry| entry.slot_pk);
    RendezvousValue::new(live)?.encode()
}

/// One peer's answer after the reader's checks.
struct Checked {
    /// Entries passing [`Entry::check`].
    entries: Vec<Entry>,
    /// The answer held something no honest storing node keeps: bytes that are not a
    /// value, or a version-1 entry whose slot signature does not verify.
    forged: bool,
}

fn check_answer(key: &[u8], value: &[u8], now: u64) -> Checked {
    let (Ok(dht_key), Ok(value)) = (dht_key(key), RendezvousValue::decode(value)) else {
        return Checked {
            entries: Vec::new(),
            forged: true,
        };
    };
    let mut checked = Checked {
        entries: Vec::new(),
        forged: false,
    };
    for entry in value.entries.into_vec() {
        match entry.check(&dht_key, now) {
            Ok(()) => checked.entries.push(entry),
            Err(RecordError::BadSlotSignature) => checked.forged = true,
            // Time-dependent (clocks differ, entries expire in storage) or a newer
            // version: dropped without blame.
            Err(_) => {}
        }
    }
    checked
}

/// The entries of one peer's GET answer for `key` that pass every storage check at
/// `now`; everything else (undecodable bytes, expired or forged entries) is dropped.
pub fn validate_get_answer(key: &[u8], value: &[u8], now: u64) -> Vec<Entry> {
    check_answer(key, value, now).entries
}

/// For the DHT actor: the answer re-encoded with only its valid entries, or `None` if the
/// answer held something no honest storing node stores (count it against the peer).
/// Expired and out-of-window entries are dropped without blame.
pub fn filter_answer(key: &[u8], value: &[u8], now: u64) -> Option<Vec<u8>> {
    let checked = check_answer(key, value, now);
    if checked.forged {
        return None;
    }
    RendezvousValue::new(checked.entries).ok()?.encode().ok()
}

/// Merges the checked answers of several peers: one entry per slot, the highest `seq`
/// (the first seen on a tie), ordered by slot key. Not capped: every valid slot is kept
/// so that a crowd of junk slots cannot push out the genuine one; the caller opens each.
pub fn merge_answers(answers: impl IntoIterator<Item = Vec<Entry>>) -> Vec<Entry> {
    let mut slots: BTreeMap<[u8; 32], Entry> = BTreeMap::new();
    for entry in answers.into_iter().flatten() {
        match slots.get(&entry.slot_pk.0) {
            Some(kept) if kept.seq >= entry.seq => {}
            _ => {
                slots.insert(entry.slot_pk.0, entry);
            }
        }
    }
    slots.into_values().collect()
}

#[cfg(test)]
mod tests {
    use libp2p_identity::ed25519;
    use proptest::prelude::*;

    use super::*;
    use crate::rendezvous::kdf::{Epoch, RendezvousKeys};
    use crate::rendezvous::record::{open_entry, seal_entry, DEFAULT_LIFETIME_SECS, MAX_VALUE_BYTES};
    use crate::rendezvous::testutil::{body, identity};

    const NOW: u64 = 1_754_524_800 + 3600; // one hour into epoch 2901

    #[test]
    fn storage_vectors_hold() {
        use crate::rendezvous::testutil::{hex_of, vectors};
        for v in vectors("storage") {
            let outcome = validate_put(
                &hex_of(&v["dht_key"]),
                &hex_of(&v["value"]),
                None,
                v["now"].as_u64().unwrap(),
            );
            let got = match outcome {
                Ok(_) => "stored",
                Err(e) => e.reason(),
            };
            assert_eq!(got, v["result"].as_str().unwrap(), "{}", v["name"]);
        }
    }

    fn victim() -> RendezvousKeys {
        RendezvousKeys::from_secret(&[1; 32])
    }

    fn entry_at(id: &ed25519::Keypair, keys: &RendezvousKeys, epoch: Epoch, seq: u64, expires: u64) -> Entry {
        seal_entry(id, keys, epoch, seq, expires, &body(id), &mut rand::rngs::OsRng).unwrap()
    }

    fn entry(id: &ed25519::Keypair, keys: &RendezvousKeys, seq: u64) -> Entry {
        entry_at(id, keys, Epoch::at(NOW), seq, NOW + DEFAULT_LIFETIME_SECS)
    }

    fn value(entries: Vec<Entry>) -> Vec<u8> {
        RendezvousValue::new(entries).unwrap().encode().unwrap()
    }

    fn entries(bytes: &[u8]) -> Vec<Entry> {
        RendezvousValue::decode(bytes).unwrap().entries.into_vec()
    }

    /// PUTs `entry` on top of `stored` under the victim's key.
    fn put(entry: &Entry, stored: Option<&[u8]>) -> Result<Vec<u8>, RecordError> {
        validate_put(&victim().dht_key, &value(vec![entry.clone()]), stored, NOW)
    }

    #[test]
    fn first_put_is_stored() {
        let alice = entry(&identity(1), &victim(), 1);
        let stored = put(&alice, None).unwrap();
        assert_eq!(entries(&stored), vec![alice]);
    }

    #[test]
    fn forged_entry_becomes_a_second_candidate_never_a_replacement() {
        // Mallory knows Alice's number, so she has the keys; her entry is valid on its
        // own but lands in her own slot.
        let keys = victim();
        let alice = entry(&identity(1), &keys, 5);
        let stored = put(&alice, None).unwrap();
        let mallory = entry(&identity(66), &keys, u64::MAX);
        let stored = put(&mallory, Some(&stored)).unwrap();
        let kept = entries(&stored);
        assert_eq!(kept.len(), 2);
        assert!(kept.contains(&alice) && kept.contains(&mallory));
        // The reader opens both and sees two identities: a conflict, not a takeover.
        let ids: Vec<_> = kept
            .iter()
            .map(|e| open_entry(e, &keys, NOW).unwrap().body.identity_pk)
            .collect();
        assert_ne!(ids[0], ids[1]);
        // Mallory cannot move Alice's slot either: she cannot sign for it.
        let mut hijack = alice.clone();
        hijack.seq += 1;
        assert_eq!(put(&hijack, Some(&stored)), Err(RecordError::BadSlotSignature));
    }

    #[test]
    fn transplanted_entry_is_refused_by_storage() {
        let alice = entry(&identity(1), &victim(), 1);
        let other = RendezvousKeys::from_secret(&[2; 32]);
        assert_eq!(
            validate_put(&other.dht_key, &value(vec![alice]), None, NOW),
            Err(RecordError::BadSlotSignature)
        );
    }

    #[test]
    fn lower_or_equal_seq_is_stale_and_higher_replaces() {
        let alice = identity(1);
        let stored = put(&entry(&alice, &victim(), 5), None).unwrap();
        assert_eq!(
            put(&entry(&alice, &victim(), 4), Some(&stored)),
            Err(RecordError::StaleSeq)
        );
        // Same seq, other content (fresh nonce): stale too.
        assert_eq!(
            put(&entry(&alice, &victim(), 5), Some(&stored)),
            Err(RecordError::StaleSeq)
        );
        // Exactly the stored entry (replication): accepted, unchanged.
        assert_eq!(put(&entries(&stored)[0], Some(&stored)).unwrap(), stored);
        let newer = entry(&alice, &victim(), 6);
        assert_eq!(entries(&put(&newer, Some(&stored)).unwrap()), vec![newer]);
    }

    #[test]
    fn expired_entries_are_refused_and_dropped() {
        let keys = victim();
        let old = entry_at(&identity(1), &keys, Epoch::at(NOW), 1, NOW + 10);
        let stored = put(&old, None).unwrap();
        let late = NOW + 10;
        assert_eq!(
            validate_put(&keys.dht_key, &value(vec![old.clone()]), None, late),
            Err(RecordError::Expired)
        );
        let fresh = entry_at(&identity(2), &keys, Epoch::at(NOW), 1, late + 60);
        let merged = validate_put(&keys.dht_key, &value(vec![fresh.clone()]), Some(&stored), late).unwrap();
        assert_eq!(entries(&merged), vec![fresh]);
        let too_far = entry_at(&identity(3), &keys, Epoch::at(NOW), 1, NOW + 49 * 3600);
        assert_eq!(put(&too_far, None), Err(RecordError::ExpiryTooFar));
    }

    #[test]
    fn epoch_window() {
        let keys = victim();
        let e = Epoch::at(NOW);
        let expires = NOW + 60;
        let future = entry_at(&identity(1), &keys, Epoch(e.0 + 2), 1, expires);
        assert_eq!(
            put(&future, None),
            Err(RecordError::EpochOutOfWindow {
                epoch: e.0 + 2,
                current: e.0
            })
        );
        let past = entry_at(&identity(1), &keys, Epoch(e.0 - 2), 1, expires);
        assert!(matches!(put(&past, None), Err(RecordError::EpochOutOfWindow { .. })));
        for epoch in [e.prev(), e, e.next()] {
            put(&entry_at(&identity(1), &keys, epoch, 1, expires), None).unwrap();
        }
    }

    #[test]
    fn bad_key_oversized_and_garbage() {
        let good = value(vec![entry(&identity(1), &victim(), 1)]);
        assert_eq!(validate_put(&[0; 31], &good, None, NOW), Err(RecordError::BadKey(31)));
        let big = vec![0xa0; MAX_VALUE_BYTES + 1];
        assert_eq!(
            validate_put(&victim().dht_key, &big, None, NOW),
            Err(RecordError::Oversized {
                what: "value",
                len: MAX_VALUE_BYTES + 1,
                max: MAX_VALUE_BYTES
            })
        );
        let err = validate_put(&victim().dht_key, b"not cbor", None, NOW).unwrap_err();
        assert!(matches!(err, RecordError::Wire(_)), "{err:?}");
        assert_eq!(
            validate_put(&victim().dht_key, &value(vec![]), None, NOW),
            Err(RecordError::EmptyValue)
        );
        // A corrupt stored value is replaced.
        assert_eq!(
            validate_put(&victim().dht_key, &good, Some(b"junk"), NOW).unwrap(),
            good
        );
    }

    #[test]
    fn one_bad_signature_rejects_the_whole_put() {
        let good = entry(&identity(1), &victim(), 1);
        let mut bad = entry(&identity(2), &victim(), 1);
        bad.slot_sig.0[10] ^= 0x40;
        assert_eq!(
            validate_put(&victim().dht_key, &value(vec![good, bad]), None, NOW),
            Err(RecordError::BadSlotSignature)
        );
    }

    #[test]
    fn fifth_identity_is_refused_while_owners_can_republish() {
        let keys = victim();
        let mut stored: Option<Vec<u8>> = None;
        for n in 1..=MAX_ENTRIES as u8 {
            stored = Some(put(&entry(&identity(n), &keys, 1), stored.as_deref()).unwrap());
        }
        let stored = stored.unwrap();
        let fifth = entry(&identity(5), &keys, 1);
        assert_eq!(put(&fifth, Some(&stored)), Err(RecordError::SlotsFull));
        // An existing slot with a higher seq still goes through, alone or next to the
        // refused newcomer.
        let republished = entry(&identity(2), &keys, 2);
        let merged = put(&republished, Some(&stored)).unwrap();
        assert!(entries(&merged).contains(&republished));
        let both = value(vec![fifth.clone(), entry(&identity(3), &keys, 2)]);
        let merged = validate_put(&keys.dht_key, &both, Some(&merged), NOW).unwrap();
        assert_eq!(entries(&merged).len(), MAX_ENTRIES);
        assert!(!entries(&merged).contains(&fifth));
        assert!(merged.len() <= MAX_VALUE_BYTES);
    }

    #[test]
    fn slots_free_up_when_entries_expire() {
        let keys = victim();
        let mut stored: Option<Vec<u8>> = None;
        for n in 1..=MAX_ENTRIES as u8 {
            let short = entry_at(&identity(n), &keys, Epoch::at(NOW), 1, NOW + 100);
            stored = Some(put(&short, stored.as_deref()).unwrap());
        }
        let later = NOW + 100;
        let fifth = entry_at(&identity(5), &keys, Epoch::at(later), 1, later + 100);
        let merged = validate_put(&keys.dht_key, &value(vec![fifth.clone()]), stored.as_deref(), later).unwrap();
        assert_eq!(entries(&merged), vec![fifth]);
    }

    #[test]
    fn junk_answers_cannot_hide_the_genuine_entry() {
        let keys = victim();
        let genuine = entry(&identity(1), &keys, 3);
        let older = entry(&identity(1), &keys, 2);
        let honest = value(vec![genuine.clone()]);
        let stale_honest = value(vec![older]);
        let mut forged = genuine.clone();
        forged.seq = 99; // unsigned change: fails the slot signature
        let sybil_mixed = value(vec![forged, entry(&identity(7), &keys, 1)]);
        let expired = value(vec![entry_at(&identity(8), &keys, Epoch::at(NOW), 1, NOW + 1)]);
        let answers: Vec<&[u8]> = vec![b"\x00garbage", &sybil_mixed, &stale_honest, &honest, &expired];
        let later = NOW + 1;
        let checked: Vec<Vec<Entry>> = answers
            .iter()
            .map(|a| validate_get_answer(&keys.dht_key, a, later))
            .collect();
        assert_eq!(checked[0], vec![]);
        assert_eq!(checked[1].len(), 1, "the forged entry is dropped, the sybil's own kept");
        assert_eq!(checked[4], vec![], "expired");
        let merged = merge_answers(checked);
        assert_eq!(merged.len(), 2);
        assert!(merged.contains(&genuine), "highest seq of the genuine slot survives");
        // The actor's filter: forged answers are blamed, expired ones are not.
        assert_eq!(filter_answer(&keys.dht_key, b"\x00garbage", later), None);
        assert_eq!(filter_answer(&keys.dht_key, &sybil_mixed, later), None);
        assert_eq!(filter_answer(&keys.dht_key, &honest, later), Some(honest.clone()));
        assert_eq!(filter_answer(&keys.dht_key, &expired, later), Some(value(vec![])));
        assert_eq!(filter_answer(&[0; 3], &honest, later), None);
        assert_eq!(validate_get_answer(&[0; 3], &honest, later), vec![]);
    }

    #[test]
    fn vector_value_is_stored_as_is() {
        use crate::rendezvous::testutil::{hex_of, int, vectors};
        for v in vectors("entry") {
            let value = hex_of(&v["value"]);
            let now = int(&v["now"]);
            assert_eq!(validate_put(&hex_of(&v["dht_key"]), &value, None, now).unwrap(), value);
            assert_eq!(filter_answer(&hex_of(&v["dht_key"]), &value, now), Some(value));
        }
    }

    #[test]
    fn merge_keeps_highest_seq_and_first_on_ties() {
        let keys = victim();
        let a1 = entry(&identity(1), &keys, 1);
        let a2 = entry(&identity(1), &keys, 2);
        let a2_again = entry(&identity(1), &keys, 2);
        let b = entry(&identity(2), &keys, 1);
        let merged = merge_answers([vec![a1.clone(), b.clone()], vec![a2.clone()], vec![a2_again, a1]]);
        let mut expected = vec![a2, b];
        expected.sort_by_key(|entry| entry.slot_pk);
        assert_eq!(merged, expected);
    }

    #[test]
    fn reasons_are_stable() {
        let cases = [
            (RecordError::BadKey(1), "bad_key"),
            (
                RecordError::Oversized {
                    what: "value",
                    len: 2,
                    max: 1,
                },
                "oversized",
            ),
            (RecordError::BadVersion(2), "bad_version"),
            (
                RecordError::EpochOutOfWindow { epoch: 1, current: 3 },
                "epoch_out_of_window",
            ),
            (RecordError::Expired, "expired"),
            (RecordError::ExpiryTooFar, "expiry_too_far"),
            (RecordError::BadSlotSignature, "bad_slot_signature"),
            (RecordError::BadIdentitySignature, "bad_identity_signature"),
            (RecordError::BadPrekeySignature, "bad_prekey_signature"),
            (RecordError::PeerIdMismatch, "peer_id_mismatch"),
            (RecordError::BadDeviceList, "bad_device_list"),
            (RecordError::DecryptFailed, "decrypt_failed"),
            (RecordError::StaleSeq, "stale_seq"),
            (RecordError::SlotsFull, "slots_full"),
            (RecordError::SameNumber, "same_number"),
            (RecordError::EmptyValue, "empty_value"),
            (RecordError::Wire(crate::wire::WireError::TooDeep), "too_deep"),
        ];
        for (error, reason) in cases {
            assert_eq!(error.reason(), reason);
            assert!(!error.to_string().is_empty());
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..2048), key in proptest::collection::vec(any::<u8>(), 0..40)) {
            let _ = validate_put(&key, &bytes, None, NOW);
            let _ = validate_put(&victim().dht_key, &bytes, Some(&bytes), NOW);
            let _ = validate_get_answer(&key, &bytes, NOW);
            let _ = filter_answer(&victim().dht_key, &bytes, NOW);
        }

        #[test]
        fn mutated_values_are_refused_or_mean_the_same(flips in proptest::collection::vec((any::<usize>(), 1u8..=255), 1..4)) {
            let original = entry(&identity(1), &victim(), 1);
            let mut bytes = value(vec![original.clone()]);
            for (at, mask) in flips {
                let at = at % bytes.len();
                bytes[at] ^= mask;
            }
            if let Ok(stored) = validate_put(&victim().dht_key, &bytes, None, NOW) {
                prop_assert_eq!(entries(&stored), vec![original]);
            }
        }
    }
}
