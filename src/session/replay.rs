//! Replay defences: snow accepts a replayed transport frame and a replayed IK message 1,
//! so both checks are ours.
//!
//! - [`ReplayWindow`]: an RFC 4303-style sliding window over the last
//!   [`REPLAY_WINDOW`] transport nonces of one session, persisted with the session.
//! - [`ReplayGuard`]: a bounded FIFO set of the ephemeral keys of handshake messages 1
//!   already answered, persisted by the responder.

use std::collections::{HashSet, VecDeque};

use serde::{Deserialize, Serialize};

use super::{SessionError, KEY_LEN};
use crate::wire::Fixed;

/// Number of nonces the receive window tracks below the highest one accepted.
pub const REPLAY_WINDOW: u64 = 2048;
/// Words of the window bitmap.
const WORDS: usize = (REPLAY_WINDOW / 64) as usize;

/// Which nonces of a session were already accepted.
///
/// `top` is one more than the highest nonce accepted (0 before the first). Bit
/// `n mod 2048` of `bits` (word `(n mod 2048) / 64`, bit `n mod 64`) records nonce `n`
/// for every `n` in `[top − 2048, top)`. Nonces `≥ top` are new; nonces below
/// `top − 2048` are [`SessionError::TooOld`] — including honest frames that arrive more
/// than 2048 nonces late, and every frame older than an authenticated frame that
/// jumped the window forward.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplayWindow {
    top: u64,
    bits: [u64; WORDS],
}

impl Default for ReplayWindow {
    fn default() -> Self {
        Self {
            top: 0,
            bits: [0; WORDS],
        }
    }
}

impl ReplayWindow {
    /// One more than the highest nonce accepted so far (0 if none).
    pub fn top(&self) -> u64 {
        self.top
    }

    /// The lowest nonce still inside the window.
    pub fn floor(&self) -> u64 {
        self.top.saturating_sub(REPLAY_WINDOW)
    }

    /// Whether `nonce` may be accepted: not below the window, not seen before.
    /// Does not change the window (call [`ReplayWindow::mark`] after authenticating).
    pub fn check(&self, nonce: u64) -> Result<(), SessionError> {
        if nonce >= self.top {
            return Ok(());
        }
        if nonce < self.floor() {
            return Err(SessionError::TooOld {
                nonce,
                floor: self.floor(),
            });
        }
        let (word, bit) = slot(nonce);
        if self.bits[word] & bit != 0 {
            return Err(SessionError::Replay(nonce));
        }
        Ok(())
    }

    /// Records `nonce` as accepted, sliding the window forward if it is new. Only call
    /// this for a nonce that passed [`ReplayWindow::check`] and authenticated.
    pub fn mark(&mut self, nonce: u64) {
        if nonce >= self.top {
            // Slots of the nonces in [top, nonce] held nonces that now leave the window.
            if nonce - self.top >= REPLAY_WINDOW {
                self.bits = [0; WORDS];
            } else {
                for skipped in self.top..nonce {
                    let (word, bit) = slot(skipped);
                    self.bits[word] &= !bit;
                }
            }
            self.top = nonce.saturating_add(1);
        }
        let (word, bit) = slot(nonce);
        self.bits[word] |= bit;
    }
}

/// Word index and bit mask of `nonce` in the bitmap.
fn slot(nonce: u64) -> (usize, u64) {
    let index = nonce % REPLAY_WINDOW;
    ((index / 64) as usize, 1u64 << (index % 64))
}

/// Number of handshake ephemeral keys a [`ReplayGuard`] remembers.
pub const REPLAY_GUARD_CAPACITY: usize = 4096;

/// The ephemeral public keys (first 32 bytes) of the last [`REPLAY_GUARD_CAPACITY`]
/// handshake messages 1 a responder authenticated. Oldest entries are forgotten first.
///
/// This is defence in depth, not the guarantee: anyone holding some static key can
/// produce fresh valid messages 1 and push old entries out. The guarantee is that a
/// replayed message 1 never yields a *confirmed* session ([`super::Session::confirmed`]):
/// only the holder of the initiator's ephemeral and static secrets can send the first
/// transport frame.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "Vec<Fixed<KEY_LEN>>", into = "Vec<Fixed<KEY_LEN>>")]
pub struct ReplayGuard {
    order: VecDeque<Fixed<KEY_LEN>>,
    seen: HashSet<Fixed<KEY_LEN>>,
}

impl ReplayGuard {
    /// An empty guard.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of remembered keys.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// [`SessionError::HandshakeReplay`] if `ephemeral` was already seen.
    pub fn check(&self, ephemeral: &[u8; KEY_LEN]) -> Result<(), SessionError> {
        if self.seen.contains(&Fixed(*ephemeral)) {
            Err(SessionError::HandshakeReplay)
        } else {
            Ok(())
        }
    }

    /// Remembers `ephemeral`, forgetting the oldest entry when full.
    pub fn insert(&mut self, ephemeral: &[u8; KEY_LEN]) {
        let key = Fixed(*ephemeral);
        if !self.seen.insert(key) {
            return;
        }
        self.order.push_back(key);
        if self.order.len() > REPLAY_GUARD_CAPACITY {
            if let Some(oldest) = self.order.pop_front() {
                self.seen.remove(&oldest);
            }
        }
    }
}

impl From<Vec<Fixed<KEY_LEN>>> for ReplayGuard {
    fn from(keys: Vec<Fixed<KEY_LEN>>) -> Self {
        let mut guard = Self::new();
        for key in keys {
            guard.insert(&key.0);
        }
        guard
    }
}

impl From<ReplayGuard> for Vec<Fixed<KEY_LEN>> {
    fn from(guard: ReplayGuard) -> Self {
        guard.order.into()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::wire::{from_cbor, to_cbor};

    fn accept(window: &mut ReplayWindow, nonce: u64) -> Result<(), SessionError> {
        window.check(nonce)?;
        window.mark(nonce);
        Ok(())
    }

    #[test]
    fn in_order_out_of_order_and_replays() {
        let mut w = ReplayWindow::default();
        for n in [0, 1, 2, 5, 4, 3, 10, 7] {
            accept(&mut w, n).unwrap();
        }
        for n in [0, 3, 5, 10] {
            assert_eq!(accept(&mut w, n), Err(SessionError::Replay(n)));
        }
        accept(&mut w, 6).unwrap();
        assert_eq!(w.top(), 11);
    }

    #[test]
    fn window_edges() {
        let mut w = ReplayWindow::default();
        accept(&mut w, REPLAY_WINDOW + 100).unwrap();
        // The lowest nonce inside the window is accepted once, the one below is too old.
        let floor = w.floor();
        assert_eq!(floor, 101);
        accept(&mut w, floor).unwrap();
        assert_eq!(accept(&mut w, floor), Err(SessionError::Replay(floor)));
        assert_eq!(
            accept(&mut w, floor - 1),
            Err(SessionError::TooOld { nonce: 100, floor })
        );
        // A slot reused by a newer nonce is clear for it.
        accept(&mut w, REPLAY_WINDOW + floor).unwrap();
        assert_eq!(
            accept(&mut w, floor),
            Err(SessionError::TooOld {
                nonce: floor,
                floor: floor + 1
            })
        );
    }

    #[test]
    fn far_jump_clears_everything_and_makes_older_nonces_too_old() {
        let mut w = ReplayWindow::default();
        for n in 0..100 {
            accept(&mut w, n).unwrap();
        }
        accept(&mut w, 1_000_000).unwrap();
        assert!(matches!(accept(&mut w, 99), Err(SessionError::TooOld { .. })));
        accept(&mut w, 1_000_000 - 1).unwrap();
        accept(&mut w, 1_000_000 - REPLAY_WINDOW + 1).unwrap();
        assert!(matches!(
            accept(&mut w, 1_000_000 - REPLAY_WINDOW),
            Err(SessionError::TooOld { .. })
        ));
    }

    #[test]
    fn window_survives_serialisation() {
        let mut w = ReplayWindow::default();
        for n in [3, 64, 65, 2000, 4000] {
            accept(&mut w, n).unwrap();
        }
        let bytes = to_cbor(&w);
        assert!(bytes.len() < 300, "{} bytes", bytes.len());
        let restored: ReplayWindow = from_cbor(&bytes, 1000).unwrap();
        assert_eq!(restored, w);
        assert_eq!(restored.check(4000), Err(SessionError::Replay(4000)));
        assert_eq!(restored.check(2000), Err(SessionError::Replay(2000)));
        restored.check(2001).unwrap();
    }

    proptest! {
        /// The window agrees with a model that remembers every accepted nonce.
        #[test]
        fn window_matches_model(nonces in proptest::collection::vec(0u64..6000, 1..400)) {
            let mut w = ReplayWindow::default();
            let mut seen = std::collections::BTreeSet::new();
            for n in nonces {
                let top = seen.iter().next_back().map_or(0, |m| m + 1);
                let expected = if seen.contains(&n) && n + REPLAY_WINDOW >= top {
                    Err(SessionError::Replay(n))
                } else if n + REPLAY_WINDOW < top {
                    Err(SessionError::TooOld { nonce: n, floor: top - REPLAY_WINDOW })
                } else {
                    Ok(())
                };
                prop_assert_eq!(accept(&mut w, n), expected.clone());
                if expected.is_ok() {
                    seen.insert(n);
                }
            }
        }
    }

    #[test]
    fn guard_rejects_repeats_and_forgets_fifo() {
        let mut g = ReplayGuard::new();
        g.insert(&[1; 32]);
        assert_eq!(g.check(&[1; 32]), Err(SessionError::HandshakeReplay));
        g.check(&[2; 32]).unwrap();
        g.insert(&[1; 32]);
        assert_eq!(g.len(), 1);
        for i in 0..REPLAY_GUARD_CAPACITY as u32 {
            let mut key = [0u8; 32];
            key[..4].copy_from_slice(&i.to_be_bytes());
            key[31] = 0xee;
            g.insert(&key);
        }
        assert_eq!(g.len(), REPLAY_GUARD_CAPACITY);
        g.check(&[1; 32]).unwrap();
        let restored: ReplayGuard = from_cbor(&to_cbor(&g), 1 << 20).unwrap();
        assert_eq!(restored, g);
        let mut last = [0u8; 32];
        last[..4].copy_from_slice(&(REPLAY_GUARD_CAPACITY as u32 - 1).to_be_bytes());
        last[31] = 0xee;
        assert_eq!(restored.check(&last), Err(SessionError::HandshakeReplay));
    }
}
