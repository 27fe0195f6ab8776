//! Which holder each wanted file is fetched from, and when (SPEC.md §6.11.3): a sans-IO
//! state machine. The node tells it what is wanted and from whom, and how each fetch
//! ended; it answers with fetches to start and peers to penalise, and
//! [`Fetches::poll_timeout`] says when it next has something to do. Time is passed in
//! (ms).
//!
//! Rules: at most [`MAX_RUNNING`] fetches at once, one per file. A fetch cut short after
//! progress resumes at once from the same holder; a holder that fails without progress
//! waits a doubling delay and goes to the back of the line. Holders a busy holder names
//! are tried first; a busy holder waits a doubling delay of its own, and busy answers do
//! not make a fetch insist — only failures do (so askers keep going to the holders they
//! are referred to, and a file sent to a big group leaves its sender about twice). A
//! referred holder that cannot be reached is dropped, not waited for. A holder whose data fails verification is never asked for that file
//! again and is penalised. A file with nobody to ask waits for new holders, however
//! long: a big file waits until one of its holders is online.

use std::collections::{BTreeMap, VecDeque};

use libp2p::PeerId;

use super::Root;

/// Fetches running at once.
pub const MAX_RUNNING: usize = 4;
/// Files wanted at once; more are refused until some arrive.
pub const MAX_WANTED: usize = 1024;
/// Holders remembered per file.
pub const MAX_HOLDERS: usize = 32;
/// The first wait after a failure without progress; it doubles per failure.
pub const FIRST_RETRY_MS: u64 = 1_000;
/// The longest wait between attempts.
pub const MAX_RETRY_MS: u64 = 60_000;
/// The first wait after a busy answer; it doubles per busy answer in a row.
pub const FIRST_BUSY_MS: u64 = 250;
/// The longest wait after a busy answer (a busy holder is asked again soon: a slot, or
/// someone to refer to, comes as soon as a copy completes).
pub const MAX_BUSY_MS: u64 = 4_000;
/// Failures after which a fetch insists (asks a holder not to refer it on).
const INSIST_AFTER: u32 = 2;

/// How one fetch from one holder ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The whole file is here and verified.
    Complete,
    /// The stream ended early; `received` bytes of verified data were kept.
    Cut {
        /// Bytes kept.
        received: u64,
    },
    /// The holder sent data that failed verification.
    Corrupt,
    /// The holder had no slot and named these other holders.
    Busy {
        /// Holders it named.
        holders: Vec<PeerId>,
    },
    /// The holder does not serve this file to us.
    Refused,
    /// No stream could be opened to the holder.
    Unreachable,
}

/// What the node should do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Open a stream to `peer` and ask for what is missing of `root`.
    Fetch {
        /// The file.
        root: Root,
        /// Its size.
        size: u64,
        /// The holder.
        peer: PeerId,
        /// Ask it not to refer us on.
        insist: bool,
    },
    /// `peer` sent corrupt data: count it against the peer.
    Penalise {
        /// The peer.
        peer: PeerId,
    },
}

/// Why a file cannot be wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{MAX_WANTED} files are being fetched already")]
pub struct TooManyWanted;

#[derive(Debug, Clone)]
struct Holder {
    peer: PeerId,
    /// Not asked before this time.
    usable_ms: u64,
    /// Sent corrupt data or refused: never asked for this file again.
    excluded: bool,
    /// Named by a busy holder (not by the message): one we cannot reach is dropped
    /// rather than waited for.
    referred: bool,
}

#[derive(Debug, Clone)]
struct Want {
    size: u64,
    holders: Vec<Holder>,
    running: bool,
    /// Fetches that failed without progress (a busy answer is not a failure).
    failures: u32,
    /// Busy answers in a row.
    busy: u32,
}

impl Want {
    fn next_holder(&self, now_ms: u64) -> Option<usize> {
        self.holders.iter().position(|h| !h.excluded && h.usable_ms <= now_ms)
    }

    fn due_ms(&self) -> Option<u64> {
        self.holders.iter().filter(|h| !h.excluded).map(|h| h.usable_ms).min()
    }

    fn add(&mut self, peer: PeerId, front: bool, now_ms: u64) {
        if self.holders.iter().any(|h| h.peer == peer) {
            return;
        }
        let holder = Holder {
            peer,
            usable_ms: now_ms,
            excluded: false,
            referred: front,
        };
        if front {
            self.holders.insert(0, holder);
        } else {
            self.holders.push(holder);
        }
        if self.holders.len() > MAX_HOLDERS {
            // Forget an excluded holder first, else the last in line.
            let drop = self
                .holders
                .iter()
                .rposition(|h| h.excluded)
                .unwrap_or(self.holders.len() - 1);
            self.holders.remove(drop);
        }
    }
}

/// `first` doubled per count after the first, at most `max`.
fn doubling(count: u32, first: u64, max: u64) -> u64 {
    first.saturating_mul(1 << count.saturating_sub(1).min(16)).min(max)
}

fn retry_delay(failures: u32) -> u64 {
    doubling(failures, FIRST_RETRY_MS, MAX_RETRY_MS)
}

/// The fetcher's state.
#[derive(Debug, Default)]
pub struct Fetches {
    wants: BTreeMap<Root, Want>,
    running: usize,
    effects: VecDeque<Effect>,
}

impl Fetches {
    /// Wants `root` (of `size` bytes) from `holders`; a file wanted already gains them.
    pub fn want(
        &mut self,
        root: Root,
        size: u64,
        holders: impl IntoIterator<Item = PeerId>,
        now_ms: u64,
    ) -> Result<(), TooManyWanted> {
        if !self.wants.contains_key(&root) && self.wants.len() >= MAX_WANTED {
            return Err(TooManyWanted);
        }
        let want = self.wants.entry(root).or_insert_with(|| Want {
            size,
            holders: Vec::new(),
            running: false,
            failures: 0,
            busy: 0,
        });
        for peer in holders {
            want.add(peer, false, now_ms);
        }
        Ok(())
    }

    /// Whether `root` is wanted.
    pub fn is_wanted(&self, root: &Root) -> bool {
        self.wants.contains_key(root)
    }

    /// Files wanted now.
    pub fn wanted(&self) -> usize {
        self.wants.len()
    }

    /// Fetches running now.
    pub fn running(&self) -> usize {
        self.running
    }

    /// Stops wanting `root` (a running fetch's end is then ignored).
    pub fn cancel(&mut self, root: &Root) {
        if let Some(want) = self.wants.remove(root) {
            if want.running {
                self.running -= 1;
            }
        }
    }

    /// A fetch of `root` from `peer` ended.
    pub fn finished(&mut self, root: &Root, peer: PeerId, outcome: Outcome, now_ms: u64) {
        let Some(want) = self.wants.get_mut(root) else {
            return;
        };
        if want.running {
            want.running = false;
            self.running -= 1;
        }
        let Some(index) = want.holders.iter().position(|h| h.peer == peer) else {
            return;
        };
        match outcome {
            Outcome::Complete => {
                self.wants.remove(root);
            }
            Outcome::Cut { received } if received > 0 => {
                want.failures = 0;
                want.busy = 0;
            }
            Outcome::Unreachable if want.holders[index].referred => want.holders[index].excluded = true,
            Outcome::Cut { .. } | Outcome::Unreachable => {
                want.failures += 1;
                let mut holder = want.holders.remove(index);
                holder.usable_ms = now_ms + retry_delay(want.failures);
                want.holders.push(holder);
            }
            Outcome::Corrupt => {
                want.holders[index].excluded = true;
                self.effects.push_back(Effect::Penalise { peer });
            }
            Outcome::Refused => want.holders[index].excluded = true,
            Outcome::Busy { holders } => {
                want.busy += 1;
                want.holders[index].usable_ms = now_ms + doubling(want.busy, FIRST_BUSY_MS, MAX_BUSY_MS);
                for other in holders.into_iter().rev().filter(|p| *p != peer) {
                    want.add(other, true, now_ms);
                }
            }
        }
    }

    /// The next thing to do now: a penalty, or a fetch that is due while a slot is free.
    pub fn poll_effect(&mut self, now_ms: u64) -> Option<Effect> {
        if let Some(effect) = self.effects.pop_front() {
            return Some(effect);
        }
        if self.running >= MAX_RUNNING {
            return None;
        }
        let (root, want, index) = self
            .wants
            .iter_mut()
            .filter(|(_, w)| !w.running)
            .find_map(|(root, w)| w.next_holder(now_ms).map(|i| (*root, w, i)))?;
        want.running = true;
        self.running += 1;
        Some(Effect::Fetch {
            root,
            size: want.size,
            peer: want.holders[index].peer,
            insist: want.failures >= INSIST_AFTER,
        })
    }

    /// When a waiting fetch is next due (`None`: nothing waits on time, or no slot is
    /// free until a running fetch ends).
    pub fn poll_timeout(&self) -> Option<u64> {
        if self.running >= MAX_RUNNING {
            return None;
        }
        self.wants
            .values()
            .filter(|w| !w.running)
            .filter_map(Want::due_ms)
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer() -> PeerId {
        PeerId::random()
    }

    fn fetch_of(effect: Option<Effect>) -> (Root, PeerId, bool) {
        match effect {
            Some(Effect::Fetch { root, peer, insist, .. }) => (root, peer, insist),
            other => panic!("expected a fetch, got {other:?}"),
        }
    }

    #[test]
    fn a_cut_fetch_resumes_at_once_and_a_failed_one_waits_a_doubling_delay() {
        let mut fetches = Fetches::default();
        let (a, b) = (peer(), peer());
        let root = Root([1; 32]);
        fetches.want(root, 10, [a, b], 0).unwrap();
        assert_eq!(fetch_of(fetches.poll_effect(0)), (root, a, false));
        assert_eq!(fetches.poll_effect(0), None, "one fetch per file");
        fetches.finished(&root, a, Outcome::Cut { received: 5 }, 100);
        assert_eq!(
            fetch_of(fetches.poll_effect(100)).1,
            a,
            "progress: the same holder at once"
        );
        fetches.finished(&root, a, Outcome::Unreachable, 200);
        assert_eq!(fetch_of(fetches.poll_effect(200)).1, b, "the next holder");
        fetches.finished(&root, b, Outcome::Unreachable, 300);
        assert_eq!(fetches.poll_effect(300), None);
        assert_eq!(fetches.poll_timeout(), Some(1_200), "a waits 1 s from its failure");
        assert_eq!(fetch_of(fetches.poll_effect(1_200)).1, a);
        fetches.finished(&root, a, Outcome::Unreachable, 1_300);
        // Third failure without progress: a waits 4 s, b (2 s from 300) comes first, and
        // the fetch now insists.
        assert_eq!(fetches.poll_timeout(), Some(2_300));
        assert_eq!(fetch_of(fetches.poll_effect(2_300)), (root, b, true));
        fetches.finished(&root, b, Outcome::Complete, 2_400);
        assert!(!fetches.is_wanted(&root));
        assert_eq!(fetches.poll_timeout(), None);
    }

    #[test]
    fn a_busy_holder_s_referrals_come_first_and_a_corrupt_holder_is_dropped_and_penalised() {
        let mut fetches = Fetches::default();
        let (sender, c, d) = (peer(), peer(), peer());
        let root = Root([2; 32]);
        fetches.want(root, 10, [sender], 0).unwrap();
        fetch_of(fetches.poll_effect(0));
        fetches.finished(&root, sender, Outcome::Busy { holders: vec![c, d] }, 10);
        assert_eq!(fetch_of(fetches.poll_effect(10)).1, c);
        fetches.finished(&root, c, Outcome::Corrupt, 20);
        assert_eq!(fetches.poll_effect(20), Some(Effect::Penalise { peer: c }));
        assert_eq!(fetch_of(fetches.poll_effect(20)).1, d);
        fetches.finished(&root, d, Outcome::Unreachable, 30);
        // Only the sender is left, after its busy delay; c and d are never asked again.
        assert_eq!(fetches.poll_effect(30), None);
        assert_eq!(fetches.poll_timeout(), Some(10 + FIRST_BUSY_MS));
        let (_, again, insist) = fetch_of(fetches.poll_effect(10 + FIRST_BUSY_MS));
        assert_eq!((again, insist), (sender, false), "busy answers are not failures");
    }

    #[test]
    fn slots_and_wants_are_capped() {
        let mut fetches = Fetches::default();
        let holder = peer();
        for i in 0..MAX_WANTED {
            let mut root = [0u8; 32];
            root[..8].copy_from_slice(&(i as u64).to_be_bytes());
            fetches.want(Root(root), 1, [holder], 0).unwrap();
        }
        assert_eq!(fetches.want(Root([9; 32]), 1, [holder], 0), Err(TooManyWanted));
        for _ in 0..MAX_RUNNING {
            fetch_of(fetches.poll_effect(0));
        }
        assert_eq!(fetches.poll_effect(0), None);
        assert_eq!(fetches.poll_timeout(), None, "no slot until a fetch ends");
        assert_eq!(fetches.running(), MAX_RUNNING);
        let mut first = [0u8; 32];
        first[..8].copy_from_slice(&0u64.to_be_bytes());
        fetches.cancel(&Root(first));
        assert_eq!(fetches.running(), MAX_RUNNING - 1);
        fetch_of(fetches.poll_effect(0));
    }
}
