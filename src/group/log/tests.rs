use super::*;
use crate::group::testkit::{Kit, NOT_A_POINT};

fn state_with(kit: &mut Kit, members: &[usize]) -> (Commit, GroupState) {
    let (genesis, _) = kit.genesis(members);
    let state = GroupState::genesis(&genesis).unwrap();
    (genesis, state)
}

fn invalid(index: usize, reason: &'static str) -> LogError {
    LogError::InvalidOp { index, reason }
}

#[test]
fn genesis_founds_the_group() {
    let mut kit = Kit::new(3);
    let (genesis, state) = state_with(&mut kit, &[0, 1, 2]);
    assert_eq!(state.epoch(), 0);
    assert_eq!(state.head(), genesis.hash());
    assert_eq!(state.admins(), &[kit.pk(0)]);
    assert_eq!(
        state.members().iter().map(|m| m.identity_pk).collect::<Vec<_>>(),
        kit.pks(&[0, 1, 2])
    );
    assert_eq!(state.name(), "test group");
    assert!(!state.closed() && state.meetup_expires().is_none() && !state.is_expired(u64::MAX));
    assert_eq!(Commit::decode(&genesis.encode()).unwrap(), genesis);
}

#[test]
fn genesis_rules() {
    let mut kit = Kit::new(3);
    let secret = kit.secret();
    let id = kit.id(0).clone();
    let name = Text::new("g").unwrap();
    let genesis = |kit: &Kit, expires: Option<u64>, creator: Member, more: Vec<Op>| {
        Commit::genesis(&id, kit.group, name.clone(), expires, creator, more, 1_000, &secret)
    };
    let (member0, member1) = (kit.member(0), kit.member(1));
    assert_eq!(
        genesis(&kit, None, member1.clone(), vec![]).unwrap_err(),
        LogError::BadGenesis("creator_not_committer")
    );
    let two_hours = Some(1_000 + 2 * 3_600_000);
    let (_, meetup) = genesis(&kit, two_hours, member0.clone(), vec![]).unwrap();
    assert_eq!(meetup.meetup_expires(), two_hours);
    assert!(!meetup.is_expired(1_000) && meetup.is_expired(1_000 + 2 * 3_600_000));
    for bad in [Some(1_000), Some(999), Some(1_001 + MAX_MEETUP_LIFETIME_MS)] {
        assert_eq!(
            genesis(&kit, bad, member0.clone(), vec![]).unwrap_err(),
            LogError::BadGenesis("meetup_expiry")
        );
    }
    let bad_peer = Member {
        peer_id: member1.peer_id.clone(),
        ..member0.clone()
    };
    assert_eq!(
        genesis(&kit, None, bad_peer, vec![]).unwrap_err(),
        invalid(1, "peer_id_mismatch")
    );
    assert_eq!(
        genesis(&kit, None, member0.clone(), vec![Op::Add(member0.clone())]).unwrap_err(),
        invalid(2, "already_member")
    );
    assert_eq!(
        genesis(&kit, None, member0.clone(), vec![Op::Leave]).unwrap_err(),
        invalid(2, "last_admin")
    );

    let check = *kit.keys(&secret).check();
    let raw = |epoch, prev, ops| Commit::build(&id, kit.group, epoch, prev, 1_000, check, ops).unwrap();
    let create = Op::Create {
        name: name.clone(),
        meetup_expires: None,
    };
    let ok_ops = vec![create.clone(), Op::Add(member0.clone())];
    assert!(GroupState::genesis(&raw(0, GENESIS_PREV, ok_ops.clone())).is_ok());
    assert_eq!(
        GroupState::genesis(&raw(1, GENESIS_PREV, ok_ops.clone())).unwrap_err(),
        LogError::BadEpoch { expected: 0, got: 1 }
    );
    assert_eq!(
        GroupState::genesis(&raw(0, Fixed([1; 32]), ok_ops.clone())).unwrap_err(),
        LogError::BadGenesis("prev_not_zero")
    );
    assert_eq!(
        GroupState::genesis(&raw(0, GENESIS_PREV, vec![Op::Add(member0.clone()), create])).unwrap_err(),
        LogError::BadGenesis("missing_create_or_creator")
    );
    let mut forged = raw(0, GENESIS_PREV, ok_ops).wire;
    forged.sig = Fixed([0; 64]);
    let forged = Commit::try_from(forged).unwrap();
    assert_eq!(GroupState::genesis(&forged).unwrap_err(), LogError::BadSignature);
    assert_eq!(LogError::BadGenesis("x").reason(), "bad_genesis");
}

#[test]
fn commit_from_a_non_admin_is_refused_but_a_lone_leave_is_not() {
    let mut kit = Kit::new(4);
    let (_, mut state) = state_with(&mut kit, &[0, 1, 2]);
    let (add, _) = kit.commit_unchecked(1, &state, vec![Op::Add(kit.member(3))]);
    assert_eq!(state.apply(&add).unwrap_err(), LogError::NotAdmin);
    assert_eq!(LogError::NotAdmin.verdict(), Verdict::Reject);
    // A stranger cannot even leave.
    let (leave, _) = kit.commit_unchecked(3, &state, vec![Op::Leave]);
    assert_eq!(state.apply(&leave).unwrap_err(), LogError::NotAdmin);
    // Leave plus anything else is an admin-only commit.
    let (leave_rename, _) = kit.commit_unchecked(1, &state, vec![Op::Rename(Text::new("x").unwrap()), Op::Leave]);
    assert_eq!(state.apply(&leave_rename).unwrap_err(), LogError::NotAdmin);
    let (leave, _) = kit.commit(1, &state, vec![Op::Leave]);
    let applied = state.apply(&leave).unwrap();
    assert_eq!(
        applied,
        Applied {
            joined: vec![],
            left: vec![kit.pk(1)]
        }
    );
    assert!(!state.is_member(&kit.pk(1)));
    // The former member's rights are gone.
    let (again, _) = kit.commit_unchecked(1, &state, vec![Op::Leave]);
    assert_eq!(state.apply(&again).unwrap_err(), LogError::NotAdmin);
}

#[test]
fn any_member_may_rekey_alone() {
    let mut kit = Kit::new(4);
    let (_, mut state) = state_with(&mut kit, &[0, 1, 2]);
    assert_eq!(to_cbor(&Op::Rekey), b"\x65rekey");
    assert_eq!(from_cbor::<Op>(b"\x65rekey", MAX_OPS_BYTES).unwrap(), Op::Rekey);
    // Rekey plus anything else is an admin-only commit.
    for ops in [
        vec![Op::Rekey, Op::Rename(Text::new("x").unwrap())],
        vec![Op::Rekey, Op::Leave],
        vec![Op::Rekey, Op::Rekey],
    ] {
        let (commit, _) = kit.commit_unchecked(1, &state, ops.clone());
        assert_eq!(state.apply(&commit).unwrap_err(), LogError::NotAdmin, "{ops:?}");
    }
    // A stranger cannot rekey.
    let (stranger, _) = kit.commit_unchecked(3, &state, vec![Op::Rekey]);
    assert_eq!(state.apply(&stranger).unwrap_err(), LogError::NotAdmin);

    let before = state.clone();
    let (rekey, _) = kit.commit(1, &state, vec![Op::Rekey]);
    assert_eq!(state.apply(&rekey).unwrap(), Applied::default());
    assert_eq!(state.members(), before.members());
    assert_eq!(state.admins(), before.admins());
    assert_eq!(state.name(), before.name());
    assert_eq!(state.epoch(), before.epoch() + 1);
    assert_eq!(state.head(), rekey.hash());
    assert_ne!(state.head(), before.head());

    // An admin may rekey anywhere among other ops.
    let (mixed, _) = kit.commit(
        0,
        &state,
        vec![Op::Rekey, Op::Rename(Text::new("y").unwrap()), Op::Rekey],
    );
    state.apply(&mixed).unwrap();
    assert_eq!(state.name(), "y");
}

#[test]
fn header_checks() {
    let mut kit = Kit::new(3);
    let (genesis, mut state) = state_with(&mut kit, &[0, 1]);
    let (c1, _) = kit.commit(0, &state, vec![Op::Add(kit.member(2))]);
    let before = state.clone();

    let check = *c1.check();
    let wrong_group = Commit::build(kit.id(0), GroupId(Fixed([9; 16])), 1, *genesis.hash(), 0, check, vec![]);
    assert_eq!(state.apply(&wrong_group.unwrap()).unwrap_err(), LogError::WrongGroup);
    let bad_epoch = Commit::build(kit.id(0), kit.group, 5, *genesis.hash(), 0, check, vec![]).unwrap();
    assert_eq!(
        state.apply(&bad_epoch).unwrap_err(),
        LogError::BadEpoch { expected: 1, got: 5 }
    );
    let orphan = Commit::build(kit.id(0), kit.group, 2, Fixed([3; 32]), 0, check, vec![]).unwrap();
    assert_eq!(
        state.apply(&orphan).unwrap_err(),
        LogError::UnknownParent(Fixed([3; 32]))
    );
    let mut forged = c1.wire.clone();
    forged.sig.0[0] ^= 1;
    assert_eq!(
        state.apply(&Commit::try_from(forged).unwrap()).unwrap_err(),
        LogError::BadSignature
    );
    assert_eq!(state, before, "failed applies change nothing");

    state.apply(&c1).unwrap();
    // Stale: a commit on the genesis after epoch 1 was applied.
    let (stale, _) = kit.commit(0, &before, vec![Op::Rename(Text::new("late").unwrap())]);
    assert_eq!(
        state.apply(&stale).unwrap_err(),
        LogError::StaleEpoch {
            epoch: 1,
            final_epoch: 1
        }
    );
    assert_eq!(state.apply(&genesis).unwrap_err().verdict(), Verdict::Ignore);
}

#[test]
fn last_admin_cannot_go() {
    let mut kit = Kit::new(3);
    let (_, state) = state_with(&mut kit, &[0, 1]);
    let pk0 = kit.pk(0);
    for (ops, err) in [
        (vec![Op::Remove(pk0)], invalid(0, "last_admin")),
        (vec![Op::AdminRemove(pk0)], invalid(0, "last_admin")),
        (vec![Op::Leave], invalid(0, "last_admin")),
        (vec![Op::AdminRemove(kit.pk(1))], invalid(0, "not_admin")),
    ] {
        let (commit, _) = kit.commit_unchecked(0, &state, ops.clone());
        assert_eq!(state.clone().apply(&commit).unwrap_err(), err, "{ops:?}");
        let secret = kit.secret();
        assert_eq!(Commit::create(kit.id(0), &state, ops, 0, &secret).unwrap_err(), err);
    }
    // Promote first, then leave: fine, and the successor is the senior admin.
    let (handover, _) = kit.commit(0, &state, vec![Op::AdminAdd(kit.pk(1)), Op::Leave]);
    let mut next = state.clone();
    next.apply(&handover).unwrap();
    assert_eq!(next.admins(), &[kit.pk(1)]);
    assert_eq!(next.seniority(&kit.pk(1)), 0);
}

#[test]
fn op_rules() {
    let mut kit = Kit::new(4);
    let (_, state) = state_with(&mut kit, &[0, 1]);
    let (m1, m3) = (kit.member(1), kit.member(3));
    let name = Text::new("n").unwrap();
    let cases = [
        (vec![Op::Add(m1)], invalid(0, "already_member")),
        (
            vec![Op::Add(m3.clone()), Op::Add(m3.clone())],
            invalid(1, "already_member"),
        ),
        (vec![Op::Remove(kit.pk(2))], invalid(0, "not_member")),
        (vec![Op::AdminAdd(kit.pk(2))], invalid(0, "not_member")),
        (vec![Op::AdminAdd(kit.pk(0))], invalid(0, "already_admin")),
        (
            vec![Op::Create {
                name: name.clone(),
                meetup_expires: None,
            }],
            invalid(0, "create_outside_genesis"),
        ),
        (vec![Op::Leave, Op::Rename(name.clone())], invalid(0, "leave_not_last")),
        (vec![Op::Close, Op::Rename(name.clone())], invalid(0, "close_not_last")),
        (
            vec![Op::Add(Member {
                identity_pk: NOT_A_POINT,
                ..m3.clone()
            })],
            invalid(0, "bad_identity_key"),
        ),
        (
            vec![Op::Add(Member {
                peer_id: kit.member(2).peer_id,
                ..m3
            })],
            invalid(0, "peer_id_mismatch"),
        ),
    ];
    for (ops, err) in cases {
        let (commit, _) = kit.commit_unchecked(0, &state, ops.clone());
        assert_eq!(state.clone().apply(&commit).unwrap_err(), err, "{ops:?}");
    }
    assert_eq!(invalid(0, "x").reason(), "invalid_op");
    let too_many = Commit::build(
        kit.id(0),
        kit.group,
        1,
        Fixed([0; 32]),
        0,
        Fixed([0; 16]),
        vec![Op::Leave; 129],
    );
    assert_eq!(too_many.unwrap_err(), invalid(MAX_OPS, "too_many_ops"));
}

#[test]
fn member_cap() {
    let mut kit = Kit::new(2);
    let (_, mut state) = state_with(&mut kit, &[0]);
    let filler = kit.member(0);
    state.members.extend((1..MAX_MEMBERS).map(|i| {
        let mut m = filler.clone();
        m.identity_pk.0[..8].copy_from_slice(&(i as u64).to_be_bytes());
        m
    }));
    assert_eq!(state.members().len(), MAX_MEMBERS);
    let (commit, _) = kit.commit_unchecked(0, &state, vec![Op::Add(kit.member(1))]);
    assert_eq!(state.apply(&commit).unwrap_err(), invalid(0, "too_many_members"));
}

#[test]
fn biggest_commit_fits() {
    let mut kit = Kit::new(1);
    let (_, state) = state_with(&mut kit, &[0]);
    let big = Member {
        identity_pk: Fixed([1; 32]),
        noise_pk: Fixed([2; 32]),
        peer_id: Bytes::new(vec![3; MAX_PEER_ID_BYTES]).unwrap(),
        phone: Text::new("9".repeat(MAX_PHONE_BYTES)).unwrap(),
        name: Text::new("n".repeat(MAX_NAME_BYTES)).unwrap(),
    };
    let (commit, _) = kit.commit_unchecked(0, &state, vec![Op::Add(big); MAX_OPS]);
    assert!(commit.encode().len() <= MAX_COMMIT_BYTES, "{}", commit.encode().len());
}

#[test]
fn checkpoint_invariants() {
    let mut kit = Kit::new(3);
    let (_, state) = state_with(&mut kit, &[0, 1]);
    assert_eq!(state.validate(), Ok(()));
    let broken = |f: &dyn Fn(&mut GroupState)| {
        let mut s = state.clone();
        f(&mut s);
        s.validate().unwrap_err()
    };
    assert_eq!(broken(&|s| s.admins.clear()), LogError::BadCheckpoint("admins"));
    assert_eq!(
        broken(&|s| s.admins.push(s.admins[0])),
        LogError::BadCheckpoint("admins")
    );
    assert_eq!(
        broken(&|s| s.admins.push(Fixed([5; 32]))),
        LogError::BadCheckpoint("admins")
    );
    assert_eq!(
        broken(&|s| s.members.push(s.members[0].clone())),
        LogError::BadCheckpoint("duplicate_member")
    );
    assert_eq!(
        broken(&|s| s.members[1].peer_id = Bytes::default()),
        LogError::BadCheckpoint("peer_id_mismatch")
    );
    assert_eq!(LogError::BadCheckpoint("x").reason(), "bad_checkpoint");
}

#[test]
fn closed_group_accepts_nothing() {
    let mut kit = Kit::new(3);
    let (_, mut state) = state_with(&mut kit, &[0, 1]);
    let (close, _) = kit.commit(0, &state, vec![Op::Close]);
    state.apply(&close).unwrap();
    assert!(state.closed());
    let (leave, _) = kit.commit_unchecked(1, &state, vec![Op::Leave]);
    assert_eq!(state.apply(&leave).unwrap_err(), LogError::Closed);
    assert_eq!(rebase(&[Op::Leave], &kit.pk(1), &state), vec![]);
}

#[test]
fn rebase_keeps_what_is_still_valid() {
    let mut kit = Kit::new(5);
    let (_, mut state) = state_with(&mut kit, &[0, 1, 2]);
    let (promote, _) = kit.commit(0, &state, vec![Op::AdminAdd(kit.pk(1))]);
    state.apply(&promote).unwrap();
    // Admin 1's losing commit: add 3 and 4, remove 2, rename.
    let mine = vec![
        Op::Add(kit.member(3)),
        Op::Add(kit.member(4)),
        Op::Remove(kit.pk(2)),
        Op::Rename(Text::new("r").unwrap()),
    ];
    // The winner (admin 0) already added 3 and removed 2.
    let (winner, _) = kit.commit(0, &state, vec![Op::Add(kit.member(3)), Op::Remove(kit.pk(2))]);
    let mut won = state.clone();
    won.apply(&winner).unwrap();
    let kept = rebase(&mine, &kit.pk(1), &won);
    assert_eq!(kept, vec![Op::Add(kit.member(4)), Op::Rename(Text::new("r").unwrap())]);
    let secret = kit.secret();
    assert!(Commit::create(kit.id(1), &won, kept, 0, &secret).is_ok());
    // Demoted: only a Leave survives.
    let (demote, _) = kit.commit(0, &state, vec![Op::AdminRemove(kit.pk(1))]);
    let mut demoted = state.clone();
    demoted.apply(&demote).unwrap();
    assert_eq!(
        rebase(&[Op::Rename(Text::new("r").unwrap()), Op::Leave], &kit.pk(1), &demoted),
        vec![Op::Leave]
    );
    // ... or else a Rekey, alone, which a member may commit.
    let kept = rebase(
        &[Op::Rekey, Op::Rename(Text::new("r").unwrap()), Op::Rekey],
        &kit.pk(1),
        &demoted,
    );
    assert_eq!(kept, vec![Op::Rekey]);
    let (rekey, _) = kit.commit(1, &demoted, kept);
    assert!(demoted.clone().apply(&rekey).is_ok());
    assert_eq!(rebase(&[Op::Rekey, Op::Leave], &kit.pk(1), &demoted), vec![Op::Leave]);
    // An admin keeps its Rekey among the rest.
    assert_eq!(
        rebase(&[Op::Rekey, Op::Add(kit.member(3))], &kit.pk(1), &won),
        vec![Op::Rekey]
    );
    assert_eq!(
        rebase(&[Op::Rekey, Op::Add(kit.member(4))], &kit.pk(1), &won),
        vec![Op::Rekey, Op::Add(kit.member(4))]
    );
    // Removed: nothing.
    let (remove, _) = kit.commit(0, &state, vec![Op::Remove(kit.pk(1))]);
    let mut removed = state;
    removed.apply(&remove).unwrap();
    assert_eq!(rebase(&mine, &kit.pk(1), &removed), vec![]);
    assert_eq!(rebase(&[Op::Rekey], &kit.pk(1), &removed), vec![]);
}

#[test]
fn garbage_commits_are_malformed() {
    for bytes in [&b""[..], &[0xa0], &[0xff; 40], &[0x5b, 0x40, 0, 0, 0, 0, 0, 0, 0]] {
        let err = Commit::decode(bytes).unwrap_err();
        assert_eq!(err.reason(), "malformed");
        assert_eq!(err.verdict(), Verdict::Reject);
    }
    let mut kit = Kit::new(2);
    let (genesis, _) = state_with(&mut kit, &[0]);
    let mut wire = genesis.wire.clone();
    wire.ops = Bytes::new(vec![0x81, 0x61, b'x']).unwrap();
    assert!(Commit::decode(&to_cbor(&wire)).is_err());
    assert!(Commit::decode(&vec![0u8; MAX_COMMIT_BYTES + 1]).is_err());
}
