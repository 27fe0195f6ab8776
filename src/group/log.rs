//! The membership log: members, operations, signed commits and the state they produce
//! (protocol/group.md §3).
//!
//! A [`Commit`] is a list of [`Op`]s signed by its committer's identity key on top of a
//! parent commit; applying it to the parent's [`GroupState`] yields the next state and a
//! new epoch. Only admins commit, except that any member may commit a lone
//! [`Op::Leave`] or a lone [`Op::Rekey`]. The ops travel as the exact CBOR bytes the
//! committer signed, so the signature and the commit hash never depend on a re-encoding.
//! Choosing between concurrent commits is [`super::fork`]'s job; this file defines what
//! one commit means.

use std::collections::BTreeSet;

use libp2p_identity::ed25519::Keypair;
use serde::{Deserialize, Serialize};

use super::epoch::{EpochKeys, EpochSecret};
use super::{decode_public, public_bytes, sha256, sign, verify, GroupId, Transcript, Verdict};
use crate::wire::{from_cbor, to_cbor, Bytes, Fixed, List, Text, WireError};

/// Most ops in one commit.
pub const MAX_OPS: usize = 128;
/// Largest CBOR encoding of a commit's op list (128 `add` ops of the largest valid member
/// take about 34 KiB).
pub const MAX_OPS_BYTES: usize = 36 * 1024;
/// Largest CBOR encoding of a whole commit.
pub const MAX_COMMIT_BYTES: usize = 40 * 1024;
/// Most members of a group.
pub const MAX_MEMBERS: usize = 1000;
/// Longest group or member display name, in bytes.
pub const MAX_NAME_BYTES: usize = 64;
/// Longest phone number (E.164 with `+` fits in 16; empty for meetup strangers).
pub const MAX_PHONE_BYTES: usize = 20;
/// Longest libp2p peer id in bytes (an ed25519 identity peer id takes 38).
pub const MAX_PEER_ID_BYTES: usize = 64;
/// Longest a meetup may live, from its genesis `time_ms` to `meetup_expires`.
pub const MAX_MEETUP_LIFETIME_MS: u64 = 24 * 60 * 60 * 1000;
const _: () = assert!(MAX_COMMIT_BYTES <= crate::wire::MAX_BODY_BYTES);

/// Label starting a commit's signed bytes.
pub const COMMIT_LABEL: &[u8] = b"chingu/group/v1/commit";
/// The `prev` of a genesis commit.
pub const GENESIS_PREV: Fixed<32> = Fixed([0; 32]);

/// One member of a group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// The member's ed25519 identity key: what identifies the member.
    pub identity_pk: Fixed<32>,
    /// The member's X25519 Noise static key (for 1:1 sessions).
    pub noise_pk: Fixed<32>,
    /// The libp2p peer id derived from `identity_pk` (checked on add).
    pub peer_id: Bytes<MAX_PEER_ID_BYTES>,
    /// E.164 phone number, or empty (meetup participants need not reveal one).
    pub phone: Text<MAX_PHONE_BYTES>,
    /// Display name.
    pub name: Text<MAX_NAME_BYTES>,
}

impl Member {
    /// The libp2p peer id bytes of an ed25519 identity key; `None` for an invalid key.
    pub fn peer_id_of(identity_pk: &Fixed<32>) -> Option<Bytes<MAX_PEER_ID_BYTES>> {
        let key = libp2p_identity::PublicKey::from(decode_public(identity_pk)?);
        Bytes::new(key.to_peer_id().to_bytes()).ok()
    }

    /// Checks the identity key decodes and the peer id is the one it implies.
    fn check(&self) -> Result<(), &'static str> {
        match Self::peer_id_of(&self.identity_pk) {
            None => Err("bad_identity_key"),
            Some(peer_id) if peer_id != self.peer_id => Err("peer_id_mismatch"),
            Some(_) => Ok(()),
        }
    }
}

/// One change to a group. Encoded with serde's external tagging: `{"add": {..}}`,
/// `{"remove": h'..'}`, unit variants as text (`"leave"`, `"rekey"`, `"close"`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// Founds the group; only as the first op of the genesis commit.
    Create {
        /// The group's display name.
        name: Text<MAX_NAME_BYTES>,
        /// For a flash meetup: when it ends (unix ms); `None` for an ordinary group.
        meetup_expires: Option<u64>,
    },
    /// Adds a member (not already one).
    Add(Member),
    /// Removes a member by identity key (and demotes it if it was an admin).
    Remove(Fixed<32>),
    /// The committer leaves. Any member may commit `[Leave]`; always the last op.
    Leave,
    /// The committer draws new sender keys: changes nothing in the state, but like every
    /// commit starts a new epoch, so every member draws a fresh sender key. Any member may
    /// commit `[Rekey]` (a node restored from a backup does, so that it never reuses the
    /// sender-key chain it had at backup time); an admin may also put it among other ops.
    Rekey,
    /// Renames the group.
    Rename(Text<MAX_NAME_BYTES>),
    /// Makes a member an admin.
    AdminAdd(Fixed<32>),
    /// Takes admin rights from a member (never from the last admin).
    AdminRemove(Fixed<32>),
    /// Ends the group for good (meetups); always the last op. A closed group accepts no
    /// further commit.
    Close,
}

/// The wire form of a commit: the ops are the exact CBOR bytes the committer signed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct CommitWire {
    group: GroupId,
    epoch: u64,
    prev: Fixed<32>,
    committer: Fixed<32>,
    time_ms: u64,
    check: Fixed<16>,
    ops: Bytes<MAX_OPS_BYTES>,
    sig: Fixed<64>,
}

impl CommitWire {
    fn signed_bytes(&self) -> Vec<u8> {
        Transcript::new(COMMIT_LABEL)
            .fixed(self.group.as_bytes())
            .u64(self.epoch)
            .fixed(self.prev.as_ref())
            .fixed(self.committer.as_ref())
            .u64(self.time_ms)
            .fixed(self.check.as_ref())
            .var(&self.ops)
            .into_bytes()
    }
}

/// A signed change to a group's membership, starting a new epoch. Decoding checks the
/// op list parses; [`GroupState::apply`] and [`super::GroupLog::insert`] check the rest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "CommitWire", into = "CommitWire")]
pub struct Commit {
    wire: CommitWire,
    ops: List<Op, MAX_OPS>,
    hash: Fixed<32>,
}

impl TryFrom<CommitWire> for Commit {
    type Error = WireError;

    fn try_from(wire: CommitWire) -> Result<Self, WireError> {
        let ops = from_cbor(&wire.ops, MAX_OPS_BYTES)?;
        let hash = Fixed(sha256(&wire.signed_bytes()));
        Ok(Self { wire, ops, hash })
    }
}

impl From<Commit> for CommitWire {
    fn from(commit: Commit) -> Self {
        commit.wire
    }
}

impl Commit {
    /// Signs a commit from its parts, without checking it against any state.
    pub(crate) fn build(
        identity: &Keypair,
        group: GroupId,
        epoch: u64,
        prev: Fixed<32>,
        time_ms: u64,
        check: Fixed<16>,
        ops: Vec<Op>,
    ) -> Result<Commit, LogError> {
        let too_many = |_| LogError::InvalidOp {
            index: MAX_OPS,
            reason: "too_many_ops",
        };
        let ops = List::<Op, MAX_OPS>::new(ops).map_err(too_many)?;
        let ops_bytes = Bytes::new(to_cbor(&ops)).map_err(|_| LogError::InvalidOp {
            index: ops.len().saturating_sub(1),
            reason: "ops_too_large",
        })?;
        let mut wire = CommitWire {
            group,
            epoch,
            prev,
            committer: public_bytes(identity),
            time_ms,
            check,
            ops: ops_bytes,
            sig: Fixed([0; 64]),
        };
        let signed = wire.signed_bytes();
        wire.sig = sign(identity, &signed);
        Ok(Commit {
            wire,
            ops,
            hash: Fixed(sha256(&signed)),
        })
    }

    /// Founds a group: signs its genesis commit (`[Create, Add(creator), more..]`, epoch
    /// 0) and returns it with the state it produces. The creator is the first admin.
    #[allow(clippy::too_many_arguments)]
    pub fn genesis(
        identity: &Keypair,
        group: GroupId,
        name: Text<MAX_NAME_BYTES>,
        meetup_expires: Option<u64>,
        creator: Member,
        more: Vec<Op>,
        time_ms: u64,
        secret: &EpochSecret,
    ) -> Result<(Commit, GroupState), LogError> {
        let mut ops = vec![Op::Create { name, meetup_expires }, Op::Add(creator)];
        ops.extend(more);
        let check = *EpochKeys::derive(&group, secret).check();
        let commit = Self::build(identity, group, 0, GENESIS_PREV, time_ms, check, ops)?;
        let state = GroupState::genesis(&commit)?;
        Ok((commit, state))
    }

    /// Signs a commit of `ops` on top of `parent` for the epoch secret `secret`, refusing
    /// (with the error a receiver would report) a commit that `parent` would not accept.
    pub fn create(
        identity: &Keypair,
        parent: &GroupState,
        ops: Vec<Op>,
        time_ms: u64,
        secret: &EpochSecret,
    ) -> Result<Commit, LogError> {
        let check = *EpochKeys::derive(&parent.group, secret).check();
        let epoch = parent.epoch.saturating_add(1);
        let commit = Self::build(identity, parent.group, epoch, parent.head, time_ms, check, ops)?;
        parent.successor(&commit)?;
        Ok(commit)
    }

    /// Decodes a commit from untrusted CBOR (at most [`MAX_COMMIT_BYTES`]).
    pub fn decode(bytes: &[u8]) -> Result<Commit, LogError> {
        from_cbor(bytes, MAX_COMMIT_BYTES).map_err(LogError::Malformed)
    }

    /// The CBOR encoding (what [`Commit::decode`] reads).
    pub fn encode(&self) -> Vec<u8> {
        to_cbor(self)
    }

    /// The commit hash: SHA-256 of the signed bytes. Names the epoch this commit starts.
    pub fn hash(&self) -> &Fixed<32> {
        &self.hash
    }

    /// The group.
    pub fn group(&self) -> &GroupId {
        &self.wire.group
    }

    /// The epoch this commit starts (its parent's plus one; 0 for genesis).
    pub fn epoch(&self) -> u64 {
        self.wire.epoch
    }

    /// Hash of the parent commit ([`GENESIS_PREV`] for genesis).
    pub fn prev(&self) -> &Fixed<32> {
        &self.wire.prev
    }

    /// Identity key of the committer.
    pub fn committer(&self) -> &Fixed<32> {
        &self.wire.committer
    }

    /// The committer's clock when it signed (unix ms; informational, not trusted).
    pub fn time_ms(&self) -> u64 {
        self.wire.time_ms
    }

    /// The check value of the epoch secret ([`EpochKeys::check`]).
    pub fn check(&self) -> &Fixed<16> {
        &self.wire.check
    }

    /// The operations, in order.
    pub fn ops(&self) -> &[Op] {
        &self.ops
    }

    /// The exact CBOR of the op list, as signed.
    pub fn ops_bytes(&self) -> &[u8] {
        &self.wire.ops
    }

    /// The bytes the committer signed (and the hash covers).
    pub fn signed_bytes(&self) -> Vec<u8> {
        self.wire.signed_bytes()
    }

    /// The committer's signature.
    pub fn sig(&self) -> &Fixed<64> {
        &self.wire.sig
    }

    /// Whether the signature verifies under the committer's key.
    pub(crate) fn signature_valid(&self) -> bool {
        verify(&self.wire.committer, &self.signed_bytes(), &self.wire.sig)
    }
}

/// Who joined and who left between two states (identity keys, in member order).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// Members of the new state that were not members of the old one.
    pub joined: Vec<Fixed<32>>,
    /// Members of the old state that are not members of the new one (removed or left).
    pub left: Vec<Fixed<32>>,
}

impl Applied {
    /// The membership difference from `old` to `new`.
    pub fn between(old: &GroupState, new: &GroupState) -> Applied {
        let keys = |s: &GroupState| s.members.iter().map(|m| m.identity_pk).collect::<BTreeSet<_>>();
        let (before, after) = (keys(old), keys(new));
        Applied {
            joined: new
                .members
                .iter()
                .map(|m| m.identity_pk)
                .filter(|pk| !before.contains(pk))
                .collect(),
            left: old
                .members
                .iter()
                .map(|m| m.identity_pk)
                .filter(|pk| !after.contains(pk))
                .collect(),
        }
    }
}

/// Why a commit was refused. [`LogError::verdict`] says whether that proves the commit
/// invalid or only useless here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogError {
    /// The commit belongs to another group.
    #[error("commit for another group")]
    WrongGroup,
    /// The commit's epoch is at or below the final epoch (the log's final checkpoint, or
    /// the state's own epoch for [`GroupState::apply`]): it can never become canonical.
    #[error("epoch {epoch} is at or below the final epoch {final_epoch}")]
    StaleEpoch {
        /// The commit's epoch.
        epoch: u64,
        /// The final epoch.
        final_epoch: u64,
    },
    /// The parent commit is unknown: fetch it (from whoever sent this one) and retry.
    #[error("unknown parent commit {0:?}")]
    UnknownParent(Fixed<32>),
    /// The epoch is not the parent's plus one.
    #[error("epoch {got} on a parent at epoch {expected} - 1")]
    BadEpoch {
        /// Parent epoch + 1.
        expected: u64,
        /// The commit's epoch.
        got: u64,
    },
    /// The parent lost a fork: this commit can never become canonical.
    #[error("parent commit lost a fork")]
    Superseded,
    /// The committer is not an admin of the parent state (nor a member committing only
    /// `Leave` or only `Rekey`).
    #[error("committer may not commit these ops")]
    NotAdmin,
    /// The committer's signature does not verify.
    #[error("bad commit signature")]
    BadSignature,
    /// An op is not valid at its place; `reason` is a stable snake_case name.
    #[error("op {index} invalid: {reason}")]
    InvalidOp {
        /// Index of the op in the commit.
        index: usize,
        /// Why, e.g. `already_member`, `last_admin`.
        reason: &'static str,
    },
    /// A genesis commit breaks a genesis rule (`reason` names which).
    #[error("bad genesis commit: {0}")]
    BadGenesis(&'static str),
    /// A checkpoint state offered to [`super::GroupLog::from_checkpoint`] is inconsistent.
    #[error("bad checkpoint: {0}")]
    BadCheckpoint(&'static str),
    /// The group is closed: it accepts no more commits.
    #[error("group is closed")]
    Closed,
    /// The parent already has [`super::MAX_SIBLINGS`] children that all rank before this one.
    #[error("too many competing commits on one parent")]
    TooManySiblings,
    /// The bytes are not a well-formed commit.
    #[error("malformed commit: {0}")]
    Malformed(WireError),
}

impl LogError {
    /// A short stable name for counting rejections by reason.
    pub fn reason(&self) -> &'static str {
        match self {
            LogError::WrongGroup => "wrong_group",
            LogError::StaleEpoch { .. } => "stale_epoch",
            LogError::UnknownParent(_) => "unknown_parent",
            LogError::BadEpoch { .. } => "bad_epoch",
            LogError::Superseded => "superseded",
            LogError::NotAdmin => "not_admin",
            LogError::BadSignature => "bad_signature",
            LogError::InvalidOp { .. } => "invalid_op",
            LogError::BadGenesis(_) => "bad_genesis",
            LogError::BadCheckpoint(_) => "bad_checkpoint",
            LogError::Closed => "closed",
            LogError::TooManySiblings => "too_many_siblings",
            LogError::Malformed(_) => "malformed",
        }
    }

    /// Whether the commit is provably invalid (`Reject`) or may be honest but is of no
    /// use here now (`Ignore`: late, orphaned, out-competed, or for a closed group).
    pub fn verdict(&self) -> Verdict {
        match self {
            LogError::BadEpoch { .. }
            | LogError::NotAdmin
            | LogError::BadSignature
            | LogError::InvalidOp { .. }
            | LogError::BadGenesis(_)
            | LogError::BadCheckpoint(_)
            | LogError::Malformed(_) => Verdict::Reject,
            LogError::WrongGroup
            | LogError::StaleEpoch { .. }
            | LogError::UnknownParent(_)
            | LogError::Superseded
            | LogError::Closed
            | LogError::TooManySiblings => Verdict::Ignore,
        }
    }
}

/// A group as of one commit: what every member that applied the same commits agrees on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupState {
    group: GroupId,
    name: Text<MAX_NAME_BYTES>,
    members: Vec<Member>,
    admins: Vec<Fixed<32>>,
    epoch: u64,
    head: Fixed<32>,
    time_ms: u64,
    closed: bool,
    meetup_expires: Option<u64>,
}

impl GroupState {
    /// The state a genesis commit founds, after checking every genesis rule and the
    /// creator's signature.
    pub fn genesis(commit: &Commit) -> Result<GroupState, LogError> {
        if commit.epoch() != 0 {
            return Err(LogError::BadEpoch {
                expected: 0,
                got: commit.epoch(),
            });
        }
        if *commit.prev() != GENESIS_PREV {
            return Err(LogError::BadGenesis("prev_not_zero"));
        }
        let [Op::Create { name, meetup_expires }, Op::Add(creator), rest @ ..] = commit.ops() else {
            return Err(LogError::BadGenesis("missing_create_or_creator"));
        };
        if creator.identity_pk != *commit.committer() {
            return Err(LogError::BadGenesis("creator_not_committer"));
        }
        creator
            .check()
            .map_err(|reason| LogError::InvalidOp { index: 1, reason })?;
        if let Some(expires) = *meetup_expires {
            let lifetime = expires.saturating_sub(commit.time_ms());
            if lifetime == 0 || lifetime > MAX_MEETUP_LIFETIME_MS {
                return Err(LogError::BadGenesis("meetup_expiry"));
            }
        }
        let mut state = GroupState {
            group: *commit.group(),
            name: name.clone(),
            members: vec![creator.clone()],
            admins: vec![*commit.committer()],
            epoch: 0,
            head: *commit.hash(),
            time_ms: commit.time_ms(),
            closed: false,
            meetup_expires: *meetup_expires,
        };
        state.apply_ops(commit.committer(), rest, 2)?;
        if !commit.signature_valid() {
            return Err(LogError::BadSignature);
        }
        Ok(state)
    }

    /// Applies a commit on top of this state after checking, cheapest first: group,
    /// closed, parent and epoch, the committer's rights, every op, and the signature. On
    /// error the state is unchanged. Returns who joined and left.
    pub fn apply(&mut self, commit: &Commit) -> Result<Applied, LogError> {
        let next = self.successor(commit)?;
        if !commit.signature_valid() {
            return Err(LogError::BadSignature);
        }
        let applied = Applied::between(self, &next);
        *self = next;
        Ok(applied)
    }

    /// The state after `commit`, checking everything except the signature.
    pub(crate) fn successor(&self, commit: &Commit) -> Result<GroupState, LogError> {
        if *commit.group() != self.group {
            return Err(LogError::WrongGroup);
        }
        if self.closed {
            return Err(LogError::Closed);
        }
        if *commit.prev() != self.head {
            return Err(if commit.epoch() <= self.epoch {
                LogError::StaleEpoch {
                    epoch: commit.epoch(),
                    final_epoch: self.epoch,
                }
            } else {
                LogError::UnknownParent(*commit.prev())
            });
        }
        let expected = self.epoch.saturating_add(1);
        if commit.epoch() != expected {
            return Err(LogError::BadEpoch {
                expected,
                got: commit.epoch(),
            });
        }
        let lone_member_op = matches!(commit.ops(), [Op::Leave] | [Op::Rekey]);
        if !(self.is_admin(commit.committer()) || lone_member_op && self.is_member(commit.committer())) {
            return Err(LogError::NotAdmin);
        }
        let mut next = self.clone();
        next.apply_ops(commit.committer(), commit.ops(), 0)?;
        next.epoch = commit.epoch();
        next.head = *commit.hash();
        next.time_ms = commit.time_ms();
        Ok(next)
    }

    /// Applies `ops` in order; `first_index` numbers the first one in errors.
    fn apply_ops(&mut self, committer: &Fixed<32>, ops: &[Op], first_index: usize) -> Result<(), LogError> {
        let last = ops.len().saturating_sub(1);
        for (i, op) in ops.iter().enumerate() {
            self.apply_op(committer, op, i == last)
                .map_err(|reason| LogError::InvalidOp {
                    index: first_index + i,
                    reason,
                })?;
        }
        Ok(())
    }

    /// Applies one op, or leaves the state untouched and says why not.
    fn apply_op(&mut self, committer: &Fixed<32>, op: &Op, is_last: bool) -> Result<(), &'static str> {
        match op {
            Op::Create { .. } => Err("create_outside_genesis"),
            Op::Add(member) => {
                if self.is_member(&member.identity_pk) {
                    return Err("already_member");
                }
                if self.members.len() >= MAX_MEMBERS {
                    return Err("too_many_members");
                }
                member.check()?;
                self.members.push(member.clone());
                Ok(())
            }
            Op::Remove(pk) => self.remove_member(pk),
            Op::Leave if is_last => self.remove_member(committer),
            Op::Leave => Err("leave_not_last"),
            Op::Rekey => Ok(()),
            Op::Rename(name) => {
                self.name = name.clone();
                Ok(())
            }
            Op::AdminAdd(pk) => {
                if !self.is_member(pk) {
                    return Err("not_member");
                }
                if self.is_admin(pk) {
                    return Err("already_admin");
                }
                self.admins.push(*pk);
                Ok(())
            }
            Op::AdminRemove(pk) => self.demote(pk),
            Op::Close if is_last => {
                self.closed = true;
                Ok(())
            }
            Op::Close => Err("close_not_last"),
        }
    }

    fn remove_member(&mut self, pk: &Fixed<32>) -> Result<(), &'static str> {
        let position = self
            .members
            .iter()
            .position(|m| m.identity_pk == *pk)
            .ok_or("not_member")?;
        if self.is_admin(pk) {
            self.demote(pk)?;
        }
        self.members.remove(position);
        Ok(())
    }

    fn demote(&mut self, pk: &Fixed<32>) -> Result<(), &'static str> {
        let position = self.admins.iter().position(|a| a == pk).ok_or("not_admin")?;
        if self.admins.len() == 1 {
            return Err("last_admin");
        }
        self.admins.remove(position);
        Ok(())
    }

    /// Checks the invariants every state reached by commits has (for a checkpoint received
    /// from another member).
    pub(crate) fn validate(&self) -> Result<(), LogError> {
        if self.members.len() > MAX_MEMBERS {
            return Err(LogError::BadCheckpoint("too_many_members"));
        }
        let mut seen = BTreeSet::new();
        for member in &self.members {
            member.check().map_err(LogError::BadCheckpoint)?;
            if !seen.insert(member.identity_pk) {
                return Err(LogError::BadCheckpoint("duplicate_member"));
            }
        }
        let admins: BTreeSet<_> = self.admins.iter().collect();
        if admins.is_empty() || admins.len() != self.admins.len() || !admins.iter().all(|a| seen.contains(*a)) {
            return Err(LogError::BadCheckpoint("admins"));
        }
        Ok(())
    }

    /// How a committer ranks when its commit competes with others on the same parent
    /// (lower wins): admins by seniority (order of promotion, the creator first), then
    /// other members by join order. Everything a committer can sign on this parent ranks
    /// below `u64::MAX`.
    pub(crate) fn seniority(&self, pk: &Fixed<32>) -> u64 {
        let admin = self.admins.iter().position(|a| a == pk);
        let member = || {
            self.members
                .iter()
                .position(|m| m.identity_pk == *pk)
                .map(|i| self.admins.len() + i)
        };
        admin.or_else(member).map_or(u64::MAX, |rank| rank as u64)
    }

    /// The group.
    pub fn group(&self) -> &GroupId {
        &self.group
    }

    /// The group's display name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The members, in join order.
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// The admins' identity keys, in order of promotion (the creator first).
    pub fn admins(&self) -> &[Fixed<32>] {
        &self.admins
    }

    /// The member with this identity key.
    pub fn member(&self, pk: &Fixed<32>) -> Option<&Member> {
        self.members.iter().find(|m| m.identity_pk == *pk)
    }

    /// Whether `pk` is a member.
    pub fn is_member(&self, pk: &Fixed<32>) -> bool {
        self.member(pk).is_some()
    }

    /// Whether `pk` is an admin.
    pub fn is_admin(&self, pk: &Fixed<32>) -> bool {
        self.admins.contains(pk)
    }

    /// The epoch of the last applied commit.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Hash of the last applied commit (the current epoch's id).
    pub fn head(&self) -> &Fixed<32> {
        &self.head
    }

    /// `time_ms` of the last applied commit.
    pub fn time_ms(&self) -> u64 {
        self.time_ms
    }

    /// Whether a `Close` was applied.
    pub fn closed(&self) -> bool {
        self.closed
    }

    /// For a meetup, when it ends (unix ms).
    pub fn meetup_expires(&self) -> Option<u64> {
        self.meetup_expires
    }

    /// Whether this is a meetup past its end at `now_ms` (the creator should commit
    /// `Close` and stop answering joins).
    pub fn is_expired(&self, now_ms: u64) -> bool {
        self.meetup_expires.is_some_and(|end| now_ms >= end)
    }
}

/// Re-bases the ops of one's own commit that lost a fork: the ops still valid, in order,
/// on `state` (the new head) for `committer`. Ops the winner already did (an `Add` of the
/// same member, a `Remove` of someone gone) drop out; a committer no longer an admin keeps
/// only a `Leave` or else a `Rekey` (one lone op, as a member may commit; leaving starts a
/// new epoch too); a closed group or a committer no longer a member keeps nothing. Commit
/// the result with a fresh epoch secret if it is not empty.
pub fn rebase(ops: &[Op], committer: &Fixed<32>, state: &GroupState) -> Vec<Op> {
    if state.closed || !state.is_member(committer) {
        return Vec::new();
    }
    let admin = state.is_admin(committer);
    let mut scratch = state.clone();
    let last = ops.len().saturating_sub(1);
    let mut kept = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        if (admin || matches!(op, Op::Leave | Op::Rekey)) && scratch.apply_op(committer, op, i == last).is_ok() {
            kept.push(op.clone());
        }
    }
    if !admin {
        // Only `Leave` and `Rekey` were kept, a `Leave` last: keep that one op.
        kept.drain(..kept.len().saturating_sub(1));
    }
    kept
}

#[cfg(test)]
mod tests;
