//! Deterministic identities, members and commits for the group tests.

use libp2p_identity::ed25519::Keypair;
use rand::rngs::StdRng;
use rand::SeedableRng;

use super::epoch::{EpochKeys, EpochSecret};
use super::log::{Commit, GroupState, Member, Op};
use super::message::GroupPlain;
use super::{keypair_from_seed, public_bytes, GroupId};
use crate::wire::{Bytes, Fixed, Text};

/// 32 bytes that are not an ed25519 point encoding (y = 2 is not on the curve).
pub(crate) const NOT_A_POINT: Fixed<32> = {
    let mut bytes = [0u8; 32];
    bytes[0] = 2;
    Fixed(bytes)
};

/// `n` identities (seeds `[i + 1; 32]`), a group id and a seeded RNG.
pub(crate) struct Kit {
    ids: Vec<Keypair>,
    pub group: GroupId,
    pub rng: StdRng,
    clock: u64,
}

impl Kit {
    pub fn new(n: usize) -> Self {
        Kit {
            ids: (0..n).map(|i| keypair_from_seed([i as u8 + 1; 32])).collect(),
            group: GroupId(Fixed([n as u8; 16])),
            rng: StdRng::seed_from_u64(n as u64),
            clock: 1_700_000_000_000,
        }
    }

    pub fn id(&self, i: usize) -> &Keypair {
        &self.ids[i]
    }

    pub fn pk(&self, i: usize) -> Fixed<32> {
        public_bytes(&self.ids[i])
    }

    pub fn pks(&self, is: &[usize]) -> Vec<Fixed<32>> {
        is.iter().map(|i| self.pk(*i)).collect()
    }

    pub fn member(&self, i: usize) -> Member {
        let identity_pk = self.pk(i);
        Member {
            identity_pk,
            noise_pk: Fixed([0x80 + i as u8; 32]),
            peer_id: Member::peer_id_of(&identity_pk).unwrap(),
            phone: Text::new(format!("+8210000000{i}")).unwrap(),
            name: Text::new(format!("member {i}")).unwrap(),
        }
    }

    pub fn secret(&mut self) -> EpochSecret {
        EpochSecret::generate(&mut self.rng)
    }

    pub fn keys(&self, secret: &EpochSecret) -> EpochKeys {
        EpochKeys::derive(&self.group, secret)
    }

    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    /// Genesis by `members[0]`, adding the others.
    pub fn genesis(&mut self, members: &[usize]) -> (Commit, EpochSecret) {
        let secret = self.secret();
        let more = members[1..].iter().map(|i| Op::Add(self.member(*i))).collect();
        let name = Text::new("test group").unwrap();
        let time = self.tick();
        let creator = self.member(members[0]);
        let (commit, _) = Commit::genesis(
            &self.ids[members[0]],
            self.group,
            name,
            None,
            creator,
            more,
            time,
            &secret,
        )
        .unwrap();
        (commit, secret)
    }

    /// A valid commit by `by` on `parent`.
    pub fn commit(&mut self, by: usize, parent: &GroupState, ops: Vec<Op>) -> (Commit, EpochSecret) {
        let secret = self.secret();
        let time = self.tick();
        (
            Commit::create(&self.ids[by], parent, ops, time, &secret).unwrap(),
            secret,
        )
    }

    /// A commit by `by` on `parent`, signed without any check.
    pub fn commit_unchecked(&mut self, by: usize, parent: &GroupState, ops: Vec<Op>) -> (Commit, EpochSecret) {
        let secret = self.secret();
        let check = *self.keys(&secret).check();
        let time = self.tick();
        let commit = Commit::build(
            &self.ids[by],
            self.group,
            parent.epoch() + 1,
            *parent.head(),
            time,
            check,
            ops,
        )
        .unwrap();
        (commit, secret)
    }
}

/// A plaintext with a fixed id.
pub(crate) fn plain(sent_ms: u64, body: &[u8]) -> GroupPlain {
    GroupPlain {
        id: Fixed([0x1d; 16]),
        sent_ms,
        body: Bytes::new(body.to_vec()).unwrap(),
    }
}
