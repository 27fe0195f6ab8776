//! The group log with forks resolved deterministically (protocol/group.md §3.5).
//!
//! Two admins may commit on the same head at the same time. A [`GroupLog`] keeps every
//! valid commit it has seen that can still matter and defines one canonical chain: from
//! the final checkpoint, at each epoch it takes, among the commits on the chosen parent,
//! the one whose committer ranks first in the parent state (admins by seniority, then
//! members by join order), breaking ties by the lowest commit hash. Ranking by seniority
//! rather than by hash alone means the later of two racing committers cannot grind a
//! lower hash to win, a removed admin cannot undo its removal by a senior admin, and a
//! member's `Leave` never rolls back an admin's commit.
//!
//! A commit whose parent lost a fork can never win, so the log drops it
//! ([`LogError::Superseded`]) and drops the descendants of a commit that stops being
//! canonical; it keeps at most [`MAX_SIBLINGS`] commits per parent. The canonical head is
//! therefore a function of the set of commits inserted, whatever their order. A commit
//! becomes final once the canonical chain is [`FINALITY_DEPTH`] commits past it; nothing
//! at or below the final epoch is accepted any more ([`LogError::StaleEpoch`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::log::{Applied, Commit, GroupState, LogError};
use crate::wire::Fixed;

/// Most commits kept on one parent (the canonical one and its competitors).
pub const MAX_SIBLINGS: usize = 4;
/// How many commits the canonical chain may grow past a commit before that commit is
/// final: no fork below it is considered any more.
pub const FINALITY_DEPTH: usize = 16;

/// What inserting a commit did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogChange {
    /// The commit was already in the log (or is the final checkpoint).
    Duplicate,
    /// Stored as a competitor that ranks after the canonical commit on its parent: the
    /// head did not move.
    Sibling,
    /// The commit is the new canonical head.
    Head {
        /// Commits that were canonical and no longer are, oldest first. Re-base the ops of
        /// any of them you committed yourself ([`super::rebase`]) and forget their epoch
        /// secrets and sender keys.
        rolled_back: Vec<Commit>,
        /// Who joined and who left between the previous head state and the new one.
        applied: Applied,
        /// Commits that became final, oldest first (archive them: a new member may need
        /// the chain).
        finalized: Vec<Commit>,
    },
}

#[derive(Debug, Clone)]
struct Entry {
    commit: Commit,
    /// Committer's seniority in the parent state.
    rank: u64,
}

impl Entry {
    fn key(&self) -> (u64, Fixed<32>) {
        (self.rank, *self.commit.hash())
    }
}

/// A group's membership log: the final checkpoint, the non-final canonical chain above it
/// and the competitors of its commits. Persist it after every insert that returned `Ok`
/// other than `Duplicate` (it serialises as the checkpoint state plus the kept commits).
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "LogRepr")]
pub struct GroupLog {
    /// State at the final checkpoint.
    root: GroupState,
    /// Every kept non-final commit, by hash.
    entries: BTreeMap<Fixed<32>, Entry>,
    /// Hashes of the canonical commits above the checkpoint, oldest first.
    chain: Vec<Fixed<32>>,
    /// State at the canonical head.
    head: GroupState,
}

/// The persisted form of a [`GroupLog`]; the rest is recomputed on load.
#[derive(Deserialize)]
struct LogRepr {
    root: GroupState,
    commits: Vec<Commit>,
}

/// [`LogRepr`] borrowed from a live log: serialising a log (a group's record is written
/// every second while messages arrive) clones none of its members or commits.
#[derive(Serialize)]
struct LogReprRef<'a> {
    root: &'a GroupState,
    commits: Vec<&'a Commit>,
}

impl Serialize for GroupLog {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        LogReprRef {
            root: &self.root,
            commits: self.entries.values().map(|e| &e.commit).collect(),
        }
        .serialize(serializer)
    }
}

impl TryFrom<LogRepr> for GroupLog {
    type Error = LogError;

    /// Rebuilds the canonical chain level by level from the checkpoint; commits that do
    /// not hang off it are dropped.
    fn try_from(repr: LogRepr) -> Result<Self, LogError> {
        let mut log = GroupLog::from_root(repr.root);
        let mut by_parent: BTreeMap<Fixed<32>, Vec<Commit>> = BTreeMap::new();
        for commit in repr.commits {
            by_parent.entry(*commit.prev()).or_default().push(commit);
        }
        while let Some(children) = by_parent.remove(log.head.head()) {
            let mut level: Vec<Entry> = children
                .into_iter()
                .map(|commit| Entry {
                    rank: log.head.seniority(commit.committer()),
                    commit,
                })
                .collect();
            level.sort_by_key(Entry::key);
            level.truncate(MAX_SIBLINGS);
            let Some(best) = level.first().map(|e| e.commit.clone()) else {
                break;
            };
            log.head = log.head.successor(&best)?;
            log.chain.push(*best.hash());
            log.entries.extend(level.into_iter().map(|e| (*e.commit.hash(), e)));
        }
        Ok(log)
    }
}

impl GroupLog {
    fn from_root(root: GroupState) -> Self {
        GroupLog {
            head: root.clone(),
            root,
            entries: BTreeMap::new(),
            chain: Vec::new(),
        }
    }

    /// Starts a log at a genesis commit (the creator, or anyone replaying the chain from
    /// the beginning), checking every genesis rule and the signature.
    pub fn new(genesis: &Commit) -> Result<Self, LogError> {
        Ok(Self::from_root(GroupState::genesis(genesis)?))
    }

    /// Starts a log at a state received from the admin who added us (a welcome): we trust
    /// that admin for the member list as of that commit, as we trusted it to invite us.
    /// The state's internal consistency is checked.
    pub fn from_checkpoint(state: GroupState) -> Result<Self, LogError> {
        state.validate()?;
        Ok(Self::from_root(state))
    }

    /// Inserts a commit received from anyone (or made by us), checking it fully against
    /// its parent's state. See [`LogChange`] for what the caller must do next.
    pub fn insert(&mut self, commit: Commit) -> Result<LogChange, LogError> {
        if commit.group() != self.root.group() {
            return Err(LogError::WrongGroup);
        }
        let hash = *commit.hash();
        if hash == *self.root.head() || self.entries.contains_key(&hash) {
            return Ok(LogChange::Duplicate);
        }
        if commit.epoch() <= self.root.epoch() {
            return Err(LogError::StaleEpoch {
                epoch: commit.epoch(),
                final_epoch: self.root.epoch(),
            });
        }
        // Position of the parent on the canonical chain (0: the checkpoint).
        let depth = if commit.prev() == self.root.head() {
            0
        } else if let Some(i) = self.chain.iter().position(|h| h == commit.prev()) {
            i + 1
        } else if self.entries.contains_key(commit.prev()) {
            return Err(LogError::Superseded);
        } else {
            return Err(LogError::UnknownParent(*commit.prev()));
        };
        // The signature needs no state: a forgery costs one verification, not a replay.
        if !commit.signature_valid() {
            return Err(LogError::BadSignature);
        }
        let parent = self.state_at(depth)?;
        let state = parent.successor(&commit)?;
        let entry = Entry {
            rank: parent.seniority(commit.committer()),
            commit,
        };
        let key = entry.key();

        let mut siblings: Vec<(u64, Fixed<32>)> = self
            .entries
            .values()
            .filter(|e| e.commit.prev() == entry.commit.prev())
            .map(Entry::key)
            .collect();
        siblings.sort();
        if siblings.len() >= MAX_SIBLINGS {
            // Make room by dropping the last-ranked competitor, never the canonical one
            // (which ranks first); a competitor has no kept descendants.
            match siblings.pop() {
                Some(worst) if key < worst => {
                    self.entries.remove(&worst.1);
                }
                _ => return Err(LogError::TooManySiblings),
            }
        }
        self.entries.insert(hash, entry);
        if siblings.first().is_some_and(|best| *best < key) {
            return Ok(LogChange::Sibling);
        }

        // The new commit wins on its parent: everything canonical above the parent rolls
        // back; the commit that was canonical there stays as a competitor, the rest goes.
        let rolled: Vec<Fixed<32>> = self.chain.split_off(depth);
        let mut rolled_back = Vec::with_capacity(rolled.len());
        for (i, h) in rolled.iter().enumerate() {
            let commit = if i == 0 {
                self.entries.get(h).map(|e| e.commit.clone())
            } else {
                self.remove(h)
            };
            rolled_back.extend(commit);
        }
        // Competitors of the removed commits hang off the rolled-back ones.
        let orphaned: Vec<Fixed<32>> = self
            .entries
            .iter()
            .filter(|(_, e)| rolled.contains(e.commit.prev()))
            .map(|(h, _)| *h)
            .collect();
        for h in orphaned {
            self.remove(&h);
        }
        self.chain.push(hash);
        let previous = std::mem::replace(&mut self.head, state);
        let applied = Applied::between(&previous, &self.head);
        let finalized = self.finalize()?;
        Ok(LogChange::Head {
            rolled_back,
            applied,
            finalized,
        })
    }

    fn remove(&mut self, hash: &Fixed<32>) -> Option<Commit> {
        self.entries.remove(hash).map(|e| e.commit)
    }

    /// State after the first `depth` canonical commits above the checkpoint.
    fn state_at(&self, depth: usize) -> Result<GroupState, LogError> {
        if depth == self.chain.len() {
            return Ok(self.head.clone());
        }
        let mut state = self.root.clone();
        for commit in self.canonical().take(depth) {
            state = state.successor(commit)?;
        }
        Ok(state)
    }

    /// Moves the checkpoint up while the chain is longer than [`FINALITY_DEPTH`].
    fn finalize(&mut self) -> Result<Vec<Commit>, LogError> {
        let mut finalized = Vec::new();
        while self.chain.len() > FINALITY_DEPTH {
            let hash = self.chain.remove(0);
            let Some(commit) = self.remove(&hash) else { break };
            let old_root = *self.root.head();
            self.root = self.root.successor(&commit)?;
            self.entries.retain(|_, e| *e.commit.prev() != old_root);
            finalized.push(commit);
        }
        Ok(finalized)
    }

    /// The state at the canonical head.
    pub fn state(&self) -> &GroupState {
        &self.head
    }

    /// Hash of the canonical head commit (the current epoch).
    pub fn head(&self) -> &Fixed<32> {
        self.head.head()
    }

    /// The state at the final checkpoint.
    pub fn final_state(&self) -> &GroupState {
        &self.root
    }

    /// A kept non-final commit by hash (to answer a peer that reported it missing).
    pub fn get(&self, hash: &Fixed<32>) -> Option<&Commit> {
        self.entries.get(hash).map(|e| &e.commit)
    }

    /// The canonical commits above the checkpoint, oldest first.
    pub fn canonical(&self) -> impl Iterator<Item = &Commit> {
        self.chain.iter().filter_map(|h| self.get(h))
    }

    /// Whether `hash` is the checkpoint or a canonical commit above it.
    pub fn is_canonical(&self, hash: &Fixed<32>) -> bool {
        hash == self.root.head() || self.chain.contains(hash)
    }

    /// How many non-final commits are kept (canonical and competitors).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no non-final commit is kept.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::log::{Commit, Op};
    use crate::group::testkit::Kit;
    use crate::group::Verdict;
    use crate::wire::{from_cbor, to_cbor, Text};

    fn rename(s: &str) -> Op {
        Op::Rename(Text::new(s).unwrap())
    }

    /// Genesis with members 0..n, then 0 promotes 1 and 2 (seniority 0 < 1 < 2).
    fn three_admins(kit: &mut Kit) -> (GroupLog, Commit) {
        let (genesis, _) = kit.genesis(&[0, 1, 2, 3]);
        let mut log = GroupLog::new(&genesis).unwrap();
        let (promote, _) = kit.commit(0, log.state(), vec![Op::AdminAdd(kit.pk(1)), Op::AdminAdd(kit.pk(2))]);
        assert!(matches!(log.insert(promote.clone()).unwrap(), LogChange::Head { .. }));
        (log, promote)
    }

    /// Inserts `commits` in the given order, retrying orphans after each success (the
    /// caller fetching a missing parent), and returns the log.
    fn insert_all(start: &GroupLog, commits: &[Commit], order: &[usize]) -> GroupLog {
        let mut log = start.clone();
        let mut waiting: Vec<Commit> = Vec::new();
        for &i in order {
            waiting.push(commits[i].clone());
            loop {
                let before = waiting.len();
                waiting.retain(|c| match log.insert(c.clone()) {
                    Err(LogError::UnknownParent(_)) => true,
                    Ok(_) | Err(LogError::Superseded) => false,
                    Err(e) => panic!("unexpected {e:?}"),
                });
                if waiting.len() == before {
                    break;
                }
            }
        }
        log
    }

    fn permutations(n: usize) -> Vec<Vec<usize>> {
        if n == 0 {
            return vec![vec![]];
        }
        let mut out = Vec::new();
        for p in permutations(n - 1) {
            for i in 0..=p.len() {
                let mut q = p.clone();
                q.insert(i, n - 1);
                out.push(q);
            }
        }
        out
    }

    #[test]
    fn concurrent_admins_converge_in_every_order() {
        let mut kit = Kit::new(6);
        let (log, _) = three_admins(&mut kit);
        let base = log.state().clone();
        // Admin 2 (junior) adds 4 and builds on its own commit; admin 1 adds 5; member 3
        // leaves; admin 1 commits twice on the same parent (equal rank: hash decides).
        let (junior, _) = kit.commit(2, &base, vec![Op::Add(kit.member(4))]);
        let mut after_junior = base.clone();
        after_junior.apply(&junior).unwrap();
        let (junior_child, _) = kit.commit(2, &after_junior, vec![rename("junior")]);
        let (middle, _) = kit.commit(1, &base, vec![Op::Add(kit.member(5))]);
        let (middle2, _) = kit.commit(1, &base, vec![rename("middle")]);
        let (leave, _) = kit.commit(3, &base, vec![Op::Leave]);
        let commits = [junior, junior_child, middle, middle2, leave];

        let winner = if commits[2].hash() < commits[3].hash() {
            &commits[2]
        } else {
            &commits[3]
        };
        let reference = insert_all(&log, &commits, &[0, 1, 2, 3, 4]);
        let kept = |log: &GroupLog| log.entries.keys().copied().collect::<Vec<_>>();
        for order in permutations(commits.len()) {
            let result = insert_all(&log, &commits, &order);
            assert_eq!(result.head(), winner.hash(), "order {order:?}");
            assert_eq!(result.state(), reference.state(), "order {order:?}");
            assert_eq!(kept(&result), kept(&reference), "order {order:?}");
        }
    }

    #[test]
    fn rollback_reports_losers_for_rebase() {
        let mut kit = Kit::new(6);
        let (mut log, _) = three_admins(&mut kit);
        let base = log.state().clone();
        let (junior, _) = kit.commit(2, &base, vec![Op::Add(kit.member(4)), rename("j")]);
        let change = log.insert(junior.clone()).unwrap();
        assert!(matches!(&change, LogChange::Head { applied, rolled_back, .. }
            if applied.joined == vec![kit.pk(4)] && rolled_back.is_empty()));
        let mut mid = base.clone();
        mid.apply(&junior).unwrap();
        let (junior_child, _) = kit.commit(2, &mid, vec![Op::Remove(kit.pk(3))]);
        log.insert(junior_child.clone()).unwrap();

        // The senior admin's concurrent commit wins over both.
        let (senior, _) = kit.commit(0, &base, vec![Op::Add(kit.member(4))]);
        let LogChange::Head {
            rolled_back,
            applied,
            finalized,
        } = log.insert(senior.clone()).unwrap()
        else {
            panic!("senior commit must win");
        };
        assert_eq!(rolled_back, vec![junior.clone(), junior_child.clone()]);
        assert_eq!(applied.joined, vec![kit.pk(3)], "3 is back, 4 stays");
        assert!(applied.left.is_empty() && finalized.is_empty());
        assert_eq!(log.head(), senior.hash());
        assert!(log.is_canonical(senior.hash()) && !log.is_canonical(junior.hash()));
        assert!(log.get(junior.hash()).is_some(), "the loser stays as a competitor");
        assert!(log.get(junior_child.hash()).is_none(), "its descendant is dropped");
        // The junior's child is now superseded; the junior re-bases its ops.
        assert_eq!(log.insert(junior_child).unwrap_err(), LogError::Superseded);
        assert_eq!(LogError::Superseded.verdict(), Verdict::Ignore);
        let kept = crate::group::rebase(junior.ops(), &kit.pk(2), log.state());
        assert_eq!(kept, vec![rename("j")]);
        let (rebased, _) = kit.commit(2, log.state(), kept);
        assert!(matches!(log.insert(rebased).unwrap(), LogChange::Head { .. }));
        assert_eq!(log.insert(senior).unwrap(), LogChange::Duplicate);
    }

    #[test]
    fn a_lone_leave_never_rolls_back_an_admin() {
        let mut kit = Kit::new(5);
        let (mut log, _) = three_admins(&mut kit);
        let base = log.state().clone();
        let (admin, _) = kit.commit(2, &base, vec![rename("a")]);
        let (leave, _) = kit.commit(3, &base, vec![Op::Leave]);
        log.insert(admin.clone()).unwrap();
        assert_eq!(log.insert(leave.clone()).unwrap(), LogChange::Sibling);
        assert_eq!(log.head(), admin.hash());
        assert_eq!(
            crate::group::rebase(leave.ops(), &kit.pk(3), log.state()),
            vec![Op::Leave]
        );
    }

    #[test]
    fn sibling_cap_evicts_the_last_ranked() {
        let mut kit = Kit::new(5);
        let (mut log, _) = three_admins(&mut kit);
        let base = log.state().clone();
        let mut juniors: Vec<Commit> = (0..MAX_SIBLINGS)
            .map(|i| kit.commit(2, &base, vec![rename(&i.to_string())]).0)
            .collect();
        juniors.sort_by_key(|c| *c.hash());
        for c in &juniors {
            log.insert(c.clone()).unwrap();
        }
        assert_eq!(log.len(), 1 + MAX_SIBLINGS);
        // A fifth junior commit ranking after all four is refused ...
        let late = loop {
            let (c, _) = kit.commit(2, &base, vec![rename("late")]);
            if c.hash() > juniors.last().unwrap().hash() {
                break c;
            }
        };
        assert_eq!(log.insert(late).unwrap_err(), LogError::TooManySiblings);
        assert_eq!(LogError::TooManySiblings.reason(), "too_many_siblings");
        // ... a senior one evicts the last-ranked junior commit and wins.
        let (senior, _) = kit.commit(1, &base, vec![rename("senior")]);
        assert!(matches!(log.insert(senior.clone()).unwrap(), LogChange::Head { .. }));
        assert_eq!(log.len(), 1 + MAX_SIBLINGS);
        assert!(log.get(juniors.last().unwrap().hash()).is_none());
        assert_eq!(log.head(), senior.hash());
    }

    #[test]
    fn finality_and_stale_epochs() {
        let mut kit = Kit::new(4);
        let (mut log, promote) = three_admins(&mut kit);
        let base = log.state().clone();
        let mut finalized_total = vec![];
        for i in 0..FINALITY_DEPTH + 3 {
            let (c, _) = kit.commit(0, log.state(), vec![rename(&i.to_string())]);
            if let LogChange::Head { finalized, .. } = log.insert(c).unwrap() {
                finalized_total.extend(finalized);
            }
        }
        assert_eq!(log.state().epoch(), FINALITY_DEPTH as u64 + 4);
        assert_eq!(log.final_state().epoch(), 4);
        assert_eq!(finalized_total.len(), 4);
        assert_eq!(finalized_total[0], promote);
        assert_eq!(log.canonical().count(), FINALITY_DEPTH);
        assert_eq!(log.len(), FINALITY_DEPTH);
        // A competitor from long ago, even from the most senior admin, is stale.
        let (late, _) = kit.commit(0, &base, vec![rename("late")]);
        assert_eq!(
            log.insert(late).unwrap_err(),
            LogError::StaleEpoch {
                epoch: 2,
                final_epoch: 4
            }
        );
        assert_eq!(log.insert(finalized_total[3].clone()).unwrap(), LogChange::Duplicate);
        // A commit on an unknown parent above the checkpoint asks for the parent.
        let (next, _) = kit.commit(0, log.state(), vec![rename("x")]);
        let mut after = log.state().clone();
        after.apply(&next).unwrap();
        let (orphan, _) = kit.commit(0, &after, vec![rename("y")]);
        assert_eq!(log.insert(orphan).unwrap_err(), LogError::UnknownParent(*next.hash()));
    }

    #[test]
    fn insert_checks_like_apply() {
        let mut kit = Kit::new(5);
        let (mut log, _) = three_admins(&mut kit);
        let (bad, _) = kit.commit_unchecked(3, log.state(), vec![rename("x")]);
        assert_eq!(log.insert(bad).unwrap_err(), LogError::NotAdmin);
        let (other, _) = Kit::new(1).genesis(&[0]);
        assert_eq!(log.insert(other).unwrap_err(), LogError::WrongGroup);
        let (good, _) = kit.commit(0, log.state(), vec![rename("x")]);
        let mut wire = from_cbor::<ciborium::Value>(&good.encode(), 1 << 16).unwrap();
        if let ciborium::Value::Map(fields) = &mut wire {
            fields[7].1 = ciborium::Value::Bytes(vec![0; 64]);
        }
        let forged = Commit::decode(&to_cbor(&wire)).unwrap();
        assert_eq!(log.insert(forged).unwrap_err(), LogError::BadSignature);
        assert_eq!(log.len(), 1);
    }

    #[test]
    fn checkpoint_and_persistence() {
        let mut kit = Kit::new(6);
        let (mut log, _) = three_admins(&mut kit);
        let base = log.state().clone();
        let (a, _) = kit.commit(2, &base, vec![rename("a")]);
        let (b, _) = kit.commit(1, &base, vec![rename("b")]);
        log.insert(a).unwrap();
        log.insert(b).unwrap();
        let bytes = to_cbor(&log);
        let loaded: GroupLog = from_cbor(&bytes, 1 << 20).unwrap();
        assert_eq!(loaded.head(), log.head());
        assert_eq!(loaded.state(), log.state());
        assert_eq!(loaded.len(), log.len());
        assert_eq!(
            loaded.canonical().collect::<Vec<_>>(),
            log.canonical().collect::<Vec<_>>()
        );

        let joined = GroupLog::from_checkpoint(log.state().clone()).unwrap();
        assert_eq!(joined.state(), log.state());
        assert!(joined.is_empty());
    }
}
