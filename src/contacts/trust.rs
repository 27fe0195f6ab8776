//! What a lookup result does to a contact: trust on first use, conflicts, key changes,
//! verification. Pure: a contact and the identities found go in, the updated contact and
//! what to tell the owner come out (SPEC.md §5.6).
//!
//! - The first identity seen for a number is pinned (state `found`, unverified).
//! - Several identities at first sight: nothing is pinned (`conflict`) until the owner
//!   verifies one.
//! - Once pinned, other identities for the number are kept as unverified candidates and
//!   never replace the pinned key; if the pinned identity disappears while another one
//!   shows up, that is a key change: `conflict` and a blocking warning, never a switch.
//! - The same holds when an identity claimed the number in a handshake (the contact's
//!   `claimant`, e.g. a reinstall) and the lookup finds it under the number's keys, even
//!   while the old pinned record is still alive: the owner hears of the change within
//!   seconds instead of when the old record expires.
//! - Verifying (safety number or invite) marks the pinned key verified, or re-pins to a
//!   candidate the owner chose; accepting a changed key re-pins to the claimant,
//!   unverified.

use crate::model::{Contact, ContactState, PeerKeys};

/// Lookups in a row without a result before a never-found contact is `not_found`.
pub const MISSES_BEFORE_NOT_FOUND: u32 = 1;
/// Most unverified candidates kept per contact.
pub const MAX_CANDIDATES: usize = 8;

/// What the owner should hear about after a lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustEvent {
    /// The contact was found and its key pinned (trust on first use).
    Found,
    /// Nothing was found.
    NotFound,
    /// Several identities claim the number and none is pinned.
    Conflict,
    /// The pinned identity is gone and another claims the number: blocking warning.
    KeyChanged {
        /// The pinned identity key.
        pinned: [u8; 32],
        /// The identity now claiming the number.
        claimed: [u8; 32],
    },
    /// A further identity claims the number next to the pinned one (kept, unverified).
    NewCandidate {
        /// Its identity key.
        identity_pk: [u8; 32],
    },
    /// The pinned identity's record changed (addresses, prekey, mailboxes).
    Updated,
}

/// Applies the identities found by a lookup (at most one entry per identity, newest
/// record) to `contact`.
pub fn apply_lookup(contact: &mut Contact, found: Vec<PeerKeys>, now_ms: u64) -> Vec<TrustEvent> {
    contact.looked_up_ms = now_ms;
    let mut events = Vec::new();
    if found.is_empty() {
        contact.misses = contact.misses.saturating_add(1);
        if contact.pinned.is_none()
            && contact.misses >= MISSES_BEFORE_NOT_FOUND
            && contact.state != ContactState::Conflict
        {
            contact.state = ContactState::NotFound;
            events.push(TrustEvent::NotFound);
        }
        return events;
    }
    contact.misses = 0;
    match contact.pinned.clone() {
        None if found.len() == 1 => {
            let mut only = found.into_iter().next().expect("one");
            only.first_seen_ms = now_ms;
            contact.pinned = Some(only);
            contact.candidates.clear();
            contact.state = ContactState::Found;
            events.push(TrustEvent::Found);
        }
        None => {
            for candidate in found {
                remember_candidate(contact, candidate, now_ms);
            }
            if contact.state != ContactState::Conflict {
                contact.state = ContactState::Conflict;
                events.push(TrustEvent::Conflict);
            }
        }
        Some(mut pinned) => {
            let (same, others): (Vec<_>, Vec<_>) = found.into_iter().partition(|k| k.identity_pk == pinned.identity_pk);
            // A handshake's claim counts once the claimant's record is found.
            let proven = contact
                .claimant
                .filter(|c| *c != pinned.identity_pk && others.iter().any(|o| o.identity_pk == *c));
            let pinned_seen = !same.is_empty();
            if let Some(current) = same.into_iter().next() {
                if current.record.seq > pinned.record.seq || pinned.noise_pk == [0; 32] {
                    pinned.noise_pk = current.noise_pk;
                    pinned.name = current.name;
                    pinned.record = current.record;
                    contact.pinned = Some(pinned.clone());
                    events.push(TrustEvent::Updated);
                }
            }
            if pinned_seen && proven.is_none() {
                if contact.state != ContactState::Conflict {
                    contact.claimant = None;
                }
                for other in others {
                    if remember_candidate(contact, other.clone(), now_ms) {
                        events.push(TrustEvent::NewCandidate {
                            identity_pk: other.identity_pk,
                        });
                    }
                }
            } else {
                for other in &others {
                    remember_candidate(contact, other.clone(), now_ms);
                }
                let claimed = proven.unwrap_or(others[0].identity_pk);
                if contact.state != ContactState::Conflict {
                    contact.state = ContactState::Conflict;
                    contact.claimant = Some(claimed);
                    events.push(TrustEvent::KeyChanged {
                        pinned: pinned.identity_pk,
                        claimed,
                    });
                }
            }
        }
    }
    events
}

/// Keeps `candidate` among the contact's unverified identities; true if it is new.
fn remember_candidate(contact: &mut Contact, mut candidate: PeerKeys, now_ms: u64) -> bool {
    if let Some(existing) = contact
        .candidates
        .iter_mut()
        .find(|c| c.identity_pk == candidate.identity_pk)
    {
        if candidate.record.seq > existing.record.seq {
            existing.record = candidate.record;
            existing.noise_pk = candidate.noise_pk;
            existing.name = candidate.name;
        }
        return false;
    }
    candidate.first_seen_ms = now_ms;
    if contact.candidates.len() >= MAX_CANDIDATES {
        contact.candidates.remove(0);
    }
    contact.candidates.push(candidate);
    true
}

/// Why a verification was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// There is no identity to verify yet.
    #[error("no key is known for this contact yet; wait until it is found, or add it with an invite code")]
    NothingToVerify,
    /// Several identities claim the number: the owner must say which one.
    #[error("several keys claim this number; choose one with --candidate N (see the safety numbers)")]
    ChooseCandidate,
    /// The chosen candidate does not exist.
    #[error("there is no candidate {0}")]
    NoSuchCandidate(usize),
    /// `accept` on a contact whose key did not change.
    #[error("no new key waits to be accepted for this contact")]
    NoKeyChange,
}

/// Marks the contact verified: the pinned key (when `candidate` is `None`) or candidate
/// number `candidate` (1-based, re-pinned; the previous pin becomes a candidate).
pub fn verify(contact: &mut Contact, candidate: Option<usize>) -> Result<(), VerifyError> {
    match candidate {
        None => {
            if contact.pinned.is_none() {
                return Err(if contact.candidates.is_empty() {
                    VerifyError::NothingToVerify
                } else {
                    VerifyError::ChooseCandidate
                });
            }
            if contact.state == ContactState::Conflict && !contact.candidates.is_empty() {
                return Err(VerifyError::ChooseCandidate);
            }
        }
        Some(n) => {
            if n == 0 || n > contact.candidates.len() {
                return Err(VerifyError::NoSuchCandidate(n));
            }
            let chosen = contact.candidates.remove(n - 1);
            if let Some(old) = contact.pinned.replace(chosen) {
                contact.candidates.push(old);
            }
        }
    }
    contact.state = ContactState::Verified;
    contact.claimant = None;
    Ok(())
}

/// Accepts a changed key: re-pins the contact to the identity that claims its number
/// now (its `claimant`, or its only candidate), unverified (`found`); the old pin becomes
/// a candidate. Messages then go to the new key.
pub fn accept(contact: &mut Contact) -> Result<[u8; 32], VerifyError> {
    if contact.state != ContactState::Conflict {
        return Err(VerifyError::NoKeyChange);
    }
    let index = match contact.claimant {
        Some(claimant) => contact.candidates.iter().position(|c| c.identity_pk == claimant),
        None if contact.candidates.len() == 1 => Some(0),
        None => None,
    }
    .ok_or(VerifyError::ChooseCandidate)?;
    let chosen = contact.candidates.remove(index);
    let identity = chosen.identity_pk;
    if let Some(old) = contact.pinned.replace(chosen) {
        contact.candidates.push(old);
    }
    contact.state = ContactState::Found;
    contact.claimant = None;
    Ok(identity)
}

/// The identity to use for messages, if the contact may be messaged: pinned and not in
/// conflict.
pub fn usable(contact: &Contact) -> Option<&PeerKeys> {
    match contact.state {
        ContactState::Found | ContactState::Verified => contact.pinned.as_ref(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ContactSource, FriendRecord};

    fn keys(id: u8, seq: u64) -> PeerKeys {
        PeerKeys {
            identity_pk: [id; 32],
            noise_pk: [id + 100; 32],
            peer_id: format!("peer{id}"),
            name: format!("n{id}"),
            first_seen_ms: 0,
            record: FriendRecord {
                seq,
                ..FriendRecord::default()
            },
        }
    }

    fn contact() -> Contact {
        Contact::new("+821012345678".parse().unwrap(), "Minji", ContactSource::Manual)
    }

    #[test]
    fn first_key_is_pinned_unverified() {
        let mut c = contact();
        assert_eq!(apply_lookup(&mut c, vec![keys(1, 1)], 10), vec![TrustEvent::Found]);
        assert_eq!(c.state, ContactState::Found);
        assert_eq!(c.pinned.as_ref().unwrap().identity_pk, [1; 32]);
        assert!(usable(&c).is_some());
    }

    #[test]
    fn a_forged_second_identity_never_replaces_the_pinned_key() {
        let mut c = contact();
        apply_lookup(&mut c, vec![keys(1, 1)], 10);
        let events = apply_lookup(&mut c, vec![keys(1, 1), keys(66, 9)], 20);
        assert_eq!(events, vec![TrustEvent::NewCandidate { identity_pk: [66; 32] }]);
        assert_eq!(c.pinned.as_ref().unwrap().identity_pk, [1; 32]);
        assert_eq!(c.state, ContactState::Found);
        assert_eq!(c.candidates.len(), 1);
    }

    #[test]
    fn a_changed_key_is_a_blocking_warning_not_a_switch() {
        let mut c = contact();
        apply_lookup(&mut c, vec![keys(1, 1)], 10);
        let events = apply_lookup(&mut c, vec![keys(2, 5)], 20);
        assert_eq!(
            events,
            vec![TrustEvent::KeyChanged {
                pinned: [1; 32],
                claimed: [2; 32]
            }]
        );
        assert_eq!(c.state, ContactState::Conflict);
        assert_eq!(c.pinned.as_ref().unwrap().identity_pk, [1; 32], "never a silent switch");
        assert!(usable(&c).is_none(), "messages are blocked until the owner decides");
        assert_eq!(verify(&mut c, None), Err(VerifyError::ChooseCandidate));
        verify(&mut c, Some(1)).unwrap();
        assert_eq!(c.pinned.as_ref().unwrap().identity_pk, [2; 32]);
        assert_eq!(c.state, ContactState::Verified);
    }

    #[test]
    fn a_proven_claim_is_a_key_change_even_while_the_old_record_lives() {
        let mut c = contact();
        apply_lookup(&mut c, vec![keys(1, 1)], 10);
        verify(&mut c, None).unwrap();
        // A record alone is a quiet candidate…
        assert_eq!(
            apply_lookup(&mut c, vec![keys(1, 1), keys(2, 5)], 20),
            vec![TrustEvent::NewCandidate { identity_pk: [2; 32] }]
        );
        // …an identity claiming the number in a handshake is not, once its record is found.
        c.claimant = Some([2; 32]);
        assert_eq!(
            apply_lookup(&mut c, vec![keys(1, 1), keys(2, 6)], 30),
            vec![TrustEvent::KeyChanged {
                pinned: [1; 32],
                claimed: [2; 32]
            }]
        );
        assert_eq!(c.state, ContactState::Conflict);
        assert!(usable(&c).is_none(), "messages wait");
        assert_eq!(accept(&mut c), Ok([2; 32]));
        assert_eq!(c.pinned.as_ref().unwrap().identity_pk, [2; 32]);
        assert_eq!(c.state, ContactState::Found, "accepted, not verified");
        assert_eq!(accept(&mut c), Err(VerifyError::NoKeyChange));
        // An unproven claim (no record under the number's keys) changes nothing.
        c.claimant = Some([9; 32]);
        assert!(apply_lookup(&mut c, vec![keys(2, 7)], 40).contains(&TrustEvent::Updated));
        assert_eq!(c.state, ContactState::Found);
        assert_eq!(c.claimant, None);
    }

    #[test]
    fn two_identities_at_first_sight_are_a_conflict() {
        let mut c = contact();
        assert_eq!(
            apply_lookup(&mut c, vec![keys(1, 1), keys(2, 1)], 10),
            vec![TrustEvent::Conflict]
        );
        assert!(c.pinned.is_none());
        assert_eq!(verify(&mut c, Some(3)), Err(VerifyError::NoSuchCandidate(3)));
        verify(&mut c, Some(2)).unwrap();
        assert_eq!(c.pinned.as_ref().unwrap().identity_pk, [2; 32]);
    }

    #[test]
    fn nothing_found_and_record_updates() {
        let mut c = contact();
        assert_eq!(apply_lookup(&mut c, vec![], 10), vec![TrustEvent::NotFound]);
        assert_eq!(c.state, ContactState::NotFound);
        assert_eq!(verify(&mut c, None), Err(VerifyError::NothingToVerify));
        apply_lookup(&mut c, vec![keys(1, 1)], 20);
        assert_eq!(apply_lookup(&mut c, vec![keys(1, 7)], 30), vec![TrustEvent::Updated]);
        assert_eq!(c.pinned.as_ref().unwrap().record.seq, 7);
        assert!(
            apply_lookup(&mut c, vec![keys(1, 3)], 40).is_empty(),
            "older records are ignored"
        );
        assert!(
            apply_lookup(&mut c, vec![], 50).is_empty(),
            "a pinned friend offline stays found"
        );
        assert_eq!(c.state, ContactState::Found);
    }
}
