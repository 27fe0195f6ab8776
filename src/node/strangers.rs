//! What someone who is not a contact can make a node keep (SPEC.md §6.2): its responder
//! sessions and the number it claims.
//!
//! Anyone can make a fresh identity (a peer id costs nothing) and open a session with us:
//! each such session is kept in memory only, among at most
//! [`MAX_STRANGER_SESSIONS`] of them, the least recently used dropped first. A session
//! is written to disk only once its peer is a contact (pinned, not in conflict: added by
//! the owner, from an invite, a fellow group member): from then on it is a friend's
//! session, never evicted by strangers. A stranger whose session went receives
//! `unknown_session` and opens a new one. Friends' responder sessions are bounded too:
//! at most [`MAX_RESPONDER_SESSIONS_PER_PEER`] per identity, the oldest dropped first.
//!
//! What a stranger claims — its number, and the Noise static key its handshake (or sealed
//! box) authenticated, which pins it if the owner accepts its request — is remembered in
//! memory (at most [`MAX_CLAIMS`], least recently used forgotten first) and written to
//! disk only once a message request from it is stored (its request conversation is filed
//! under that number); a forgotten claim leaves the disk too.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::actor::Actor;
use super::lru::Lru;
use crate::phone::PhoneNumber;
use crate::session::{Role, Session};
use crate::store::{Store, StoreError};
use crate::wire::Fixed;

/// Responder sessions kept for identities that are not contacts.
pub const MAX_STRANGER_SESSIONS: usize = 256;
/// Responder sessions kept per identity.
pub const MAX_RESPONDER_SESSIONS_PER_PEER: usize = 4;
/// Numbers claimed by non-contacts kept in memory.
pub const MAX_CLAIMS: usize = 1_000;
/// `meta` prefix of the numbers non-contacts claimed (`claim/<hex identity>`).
pub(super) const CLAIM_PREFIX: &str = "claim/";

/// What a non-contact claimed when it opened a session or sealed a box to us.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Claim {
    /// The number it claims (never trusted: its requests are filed apart).
    pub phone: PhoneNumber,
    /// Its Noise static key, authenticated by the handshake (all zero when loaded from a
    /// claim written by schema 1).
    pub noise: Fixed<32>,
}

/// A stored claim: the full form, or a number alone (written by schema 1).
#[derive(Deserialize)]
#[serde(untagged)]
enum StoredClaim {
    Full(Claim),
    Number(PhoneNumber),
}

impl From<StoredClaim> for Claim {
    fn from(stored: StoredClaim) -> Self {
        match stored {
            StoredClaim::Full(claim) => claim,
            StoredClaim::Number(phone) => Claim {
                phone,
                noise: Fixed([0; 32]),
            },
        }
    }
}

/// What identities that are not contacts claimed.
#[derive(Debug)]
pub(crate) struct Claims {
    claims: HashMap<[u8; 32], Claim>,
    recent: Lru<[u8; 32]>,
    /// Claims written to disk (their request conversations are filed under them).
    persisted: HashSet<[u8; 32]>,
}

impl Claims {
    /// The claims written to disk.
    pub(crate) fn load(store: &Store) -> Result<Self, StoreError> {
        let persisted = store
            .meta_values::<StoredClaim>(CLAIM_PREFIX)?
            .into_iter()
            .filter_map(|(name, claim)| {
                let identity = hex::decode(name.strip_prefix(CLAIM_PREFIX)?).ok()?.try_into().ok()?;
                Some((identity, Claim::from(claim)))
            });
        Ok(Self::with(persisted))
    }

    /// Claims known to be on disk already.
    fn with(persisted: impl IntoIterator<Item = ([u8; 32], Claim)>) -> Self {
        let mut claims = Self {
            claims: HashMap::new(),
            recent: Lru::new(MAX_CLAIMS),
            persisted: HashSet::new(),
        };
        for (identity, claim) in persisted {
            claims.recent.insert(identity);
            claims.persisted.insert(identity);
            claims.claims.insert(identity, claim);
        }
        claims
    }

    /// What `identity` claimed.
    pub(crate) fn get(&self, identity: &[u8; 32]) -> Option<&Claim> {
        self.claims.get(identity)
    }

    /// Every claim remembered, by identity.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&[u8; 32], &Claim)> {
        self.claims.iter()
    }

    /// Remembers a claim; returns a claim forgotten to make room, and whether it was on
    /// disk.
    fn remember(&mut self, identity: [u8; 32], claim: Claim) -> Option<([u8; 32], bool)> {
        if self.claims.get(&identity) != Some(&claim) {
            self.persisted.remove(&identity);
        }
        self.claims.insert(identity, claim);
        let evicted = self.recent.insert(identity)?;
        self.claims.remove(&evicted);
        Some((evicted, self.persisted.remove(&evicted)))
    }

    /// Forgets the claim of `identity`; returns whether it was on disk.
    fn forget(&mut self, identity: &[u8; 32]) -> bool {
        self.claims.remove(identity);
        self.recent.remove(identity);
        self.persisted.remove(identity)
    }
}

/// The `meta` name of a claim.
fn claim_name(identity: &[u8; 32]) -> String {
    format!("{CLAIM_PREFIX}{}", hex::encode(identity))
}

impl Actor {
    /// Keeps a responder session just accepted; returns whether it is a friend's (and
    /// must be durable before the welcome) or a stranger's (memory only).
    pub(super) fn keep_responder_session(&mut self, session: Session) -> bool {
        let sid = session.id();
        let identity = session.remote_identity();
        let friend = self.friend_of(&identity).is_some();
        self.dm.sessions.insert(sid, session);
        self.limit_responder_sessions(&identity, &sid);
        if friend {
            self.save_session(&sid);
        } else if let Some(evicted) = self.dm.strangers.insert(sid) {
            self.drop_session(&evicted);
            self.dm.stats.sessions_evicted += 1;
        }
        self.count_sessions();
        friend
    }

    /// Drops the oldest responder sessions of `identity` beyond
    /// [`MAX_RESPONDER_SESSIONS_PER_PEER`] (never `keep`).
    fn limit_responder_sessions(&mut self, identity: &[u8; 32], keep: &[u8; 16]) {
        let mut answered: Vec<(u64, [u8; 16])> = self
            .dm
            .sessions
            .values()
            .filter(|s| s.role() == Role::Responder && s.remote_identity() == *identity && s.id() != *keep)
            .map(|s| (s.created_at(), s.id()))
            .collect();
        if answered.len() < MAX_RESPONDER_SESSIONS_PER_PEER {
            return;
        }
        answered.sort();
        let excess = answered.len() + 1 - MAX_RESPONDER_SESSIONS_PER_PEER;
        for (_, sid) in answered.into_iter().take(excess) {
            self.drop_session(&sid);
            self.dm.stats.sessions_evicted += 1;
        }
    }

    /// A stranger's session in use again (it stays longer); once its peer is a contact
    /// it becomes a friend's session, written with the next save.
    pub(super) fn touch_session(&mut self, sid: &[u8; 16], identity: &[u8; 32]) {
        if self.dm.strangers.touch(sid) && self.friend_of(identity).is_some() {
            self.dm.strangers.remove(sid);
            self.count_sessions();
        }
    }

    /// Whether a session lives in memory only (a stranger's).
    pub(super) fn is_stranger_session(&self, sid: &[u8; 16]) -> bool {
        self.dm.strangers.contains(sid)
    }

    /// Updates the session gauges.
    pub(super) fn count_sessions(&mut self) {
        self.dm.stats.sessions = self.dm.sessions.len() as u64;
        self.dm.stats.stranger_sessions = self.dm.strangers.len() as u64;
    }

    /// The number a non-contact claimed in its handshake (or sealed box).
    pub(super) fn request_phone(&self, identity: &[u8; 32]) -> Option<PhoneNumber> {
        self.dm.claims.get(identity).map(|c| c.phone.clone())
    }

    /// Remembers the number and Noise static key a non-contact claims (in memory,
    /// bounded).
    pub(crate) fn remember_claim(&mut self, identity: [u8; 32], phone: PhoneNumber, noise: [u8; 32]) {
        if self.dm.is_friend(&identity) {
            return;
        }
        let claim = Claim {
            phone,
            noise: Fixed(noise),
        };
        if let Some((forgotten, on_disk)) = self.dm.claims.remember(identity, claim) {
            if on_disk {
                self.remove_claim_from_disk(&forgotten);
            }
        }
    }

    /// Forgets the claim of `identity` (accepted or blocked), on disk too.
    pub(super) fn forget_claim(&mut self, identity: &[u8; 32]) {
        if self.dm.claims.forget(identity) {
            self.remove_claim_from_disk(identity);
        }
    }

    fn remove_claim_from_disk(&mut self, identity: &[u8; 32]) {
        match self.store.remove_meta_value(&claim_name(identity)) {
            Ok(_) => self.durability.wrote(),
            Err(e) => tracing::warn!(error = %e, "cannot forget a claimed number"),
        }
    }

    /// Writes the claim of `identity` to disk (a message request from it is being stored).
    pub(super) fn persist_claim(&mut self, identity: &[u8; 32]) {
        let Some(claim) = self.dm.claims.claims.get(identity).cloned() else {
            return;
        };
        if !self.dm.claims.persisted.insert(*identity) {
            return;
        }
        match self.store.set_meta_value(&claim_name(identity), &claim) {
            Ok(()) => self.durability.wrote(),
            Err(e) => {
                self.dm.claims.persisted.remove(identity);
                tracing::warn!(error = %e, "cannot keep a claimed number");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_are_bounded_and_say_which_one_was_on_disk() {
        let phone = |n: u32| Claim {
            phone: crate::phone::synthetic(n),
            noise: Fixed([n as u8; 32]),
        };
        let id = |n: u32| {
            let mut id = [0u8; 32];
            id[..4].copy_from_slice(&n.to_be_bytes());
            id
        };
        let mut claims = Claims::with(vec![(id(0), phone(0))]);
        for n in 1..MAX_CLAIMS as u32 {
            assert_eq!(claims.remember(id(n), phone(n)), None);
        }
        // The least recently used go first: the one loaded from disk, then the next.
        assert_eq!(claims.remember(id(5_000), phone(5)), Some((id(0), true)));
        assert_eq!(claims.remember(id(5_001), phone(6)), Some((id(1), false)));
        assert!(claims.get(&id(0)).is_none() && claims.get(&id(5_000)).is_some());
        assert_eq!(claims.claims.len(), MAX_CLAIMS);
        // A claim forgotten on purpose says whether it was on disk, and leaves room.
        claims.persisted.insert(id(5_000));
        assert!(claims.forget(&id(5_000)));
        assert!(!claims.forget(&id(5_001)));
        assert_eq!(claims.remember(id(7_000), phone(7)), None);
    }

    #[test]
    fn claims_load_in_both_stored_forms() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db"), Default::default()).unwrap();
        let full = Claim {
            phone: crate::phone::synthetic(1),
            noise: Fixed([7; 32]),
        };
        store.set_meta_value(&claim_name(&[1; 32]), &full).unwrap();
        // Schema 1 wrote the number alone.
        let number = crate::phone::synthetic(2);
        store.set_meta_value(&claim_name(&[2; 32]), &number).unwrap();
        let claims = Claims::load(&store).unwrap();
        assert_eq!(claims.get(&[1; 32]), Some(&full));
        let old = claims.get(&[2; 32]).unwrap();
        assert_eq!((&old.phone, old.noise), (&number, Fixed([0; 32])));
        assert_eq!(claims.persisted.len(), 2);
    }
}
