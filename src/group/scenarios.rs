//! End-to-end scenarios across the log, epoch keys, sender keys and messages (the attack
//! cases of the security notes), and properties over garbage input.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use proptest::prelude::*;

use super::sender_key::{aead_key, chain_step};
use super::testkit::{plain, Kit};
use super::*;
use crate::wire::{self, Bytes, Fixed};

/// One member's view of an epoch: its own sender key and its ring of the others'.
struct Peer {
    key: SenderKey,
    ring: SenderKeyRing,
}

/// Starts the epoch `state` is at for members `who`: each draws a sender key and every
/// other one accepts its distribution. Returns the peers and the distributions.
fn start_epoch(kit: &mut Kit, state: &GroupState, who: &[usize]) -> (Vec<Peer>, Vec<SenderKeyDistribution>) {
    let mut peers: Vec<Peer> = who
        .iter()
        .map(|_| Peer {
            key: SenderKey::generate(*state.head(), &mut kit.rng),
            ring: SenderKeyRing::new(state),
        })
        .collect();
    let dists: Vec<_> = who
        .iter()
        .zip(&peers)
        .map(|(i, p)| p.key.distribution(kit.id(*i), kit.group))
        .collect();
    for (a, dist) in dists.iter().enumerate() {
        for (b, peer) in peers.iter_mut().enumerate() {
            if a != b {
                assert_eq!(peer.ring.add(dist), Ok(true));
            }
        }
    }
    (peers, dists)
}

#[test]
fn a_member_cannot_sign_as_another() {
    let mut kit = Kit::new(3);
    let (genesis, _) = kit.genesis(&[0, 1, 2]);
    let state = GroupState::genesis(&genesis).unwrap();
    let (mut peers, dists) = start_epoch(&mut kit, &state, &[0, 1, 2]);
    let genuine = peers[0].key.encrypt(&plain(1, b"from alice")).unwrap();
    assert_eq!(peers[2].ring.decrypt(&genuine).unwrap().sender, kit.pk(0));

    // Bob holds Alice's chain key, as every member does, and writes message 1 "from
    // Alice": the AEAD is perfect, only the signature is his.
    let alice = &dists[0].key;
    let (_, ck1) = chain_step(&alice.chain.0);
    let (mk1, _) = chain_step(&ck1);
    let (key, nonce) = aead_key(&mk1);
    let aad = GroupMessage::aad(state.head(), &alice.key_id, 1);
    let body = wire::to_cbor(&plain(2, b"send me money -- alice"));
    let ct = ChaCha20Poly1305::new(Key::from_slice(&key))
        .encrypt(Nonce::from_slice(&nonce), Payload { msg: &body, aad: &aad })
        .unwrap();
    let mut forged = GroupMessage {
        epoch: *state.head(),
        key_id: alice.key_id,
        seq: 1,
        ct: Bytes::new(ct).unwrap(),
        sig: Fixed([0; 64]),
    };
    forged.sig = super::sign(kit.id(1), &forged.signed_bytes());
    assert_eq!(peers[2].ring.decrypt(&forged).unwrap_err(), GroupError::BadSignature);
    assert_eq!(GroupError::BadSignature.verdict(), Verdict::Reject);
    // Alice's real message 1 still opens afterwards: the forgery changed nothing.
    let real = peers[0].key.encrypt(&plain(3, b"really alice")).unwrap();
    assert_eq!(
        peers[2].ring.decrypt(&real).unwrap().plain.body.as_ref(),
        b"really alice"
    );
    // What Bob can do is speak as himself, whatever the text claims.
    let claim = peers[1].key.encrypt(&plain(4, b"this is alice")).unwrap();
    assert_eq!(peers[2].ring.decrypt(&claim).unwrap().sender, kit.pk(1));
}

#[test]
fn a_removed_member_is_locked_out_of_the_new_epoch() {
    let mut kit = Kit::new(3);
    let (genesis, s0) = kit.genesis(&[0, 1, 2]);
    let mut log = GroupLog::new(&genesis).unwrap();
    let (mut old, _) = start_epoch(&mut kit, log.state(), &[0, 1, 2]);
    let old_keys = kit.keys(&s0);

    // Alice removes Carol; the new secret goes to Alice and Bob only.
    let (remove, s1) = kit.commit(0, log.state(), vec![Op::Remove(kit.pk(2))]);
    let LogChange::Head { applied, .. } = log.insert(remove.clone()).unwrap() else {
        panic!("head moves")
    };
    assert_eq!(applied.left, vec![kit.pk(2)]);
    let new_keys = EpochSecretShare::new(&remove, s1).open(&remove).unwrap();
    let (mut new, _) = start_epoch(&mut kit, log.state(), &[0, 1]);

    // Carol holds the old secret, every old sender key and the commit itself. None of it
    // names the new topic, and she cannot pass off a secret of her choosing.
    assert_ne!(new_keys.topic(), old_keys.topic());
    for guess in [
        s0.clone(),
        EpochSecret::from_bytes(remove.hash().0),
        EpochSecret::from_bytes(genesis.hash().0),
    ] {
        assert_ne!(kit.keys(&guess).topic(), new_keys.topic());
        assert_eq!(
            EpochSecretShare::new(&remove, guess).open(&remove),
            Err(EpochError::CheckMismatch)
        );
    }
    assert!(!new_keys.topic().contains(&hex::encode(&remove.check().0[..4])));

    // Her old sender key relabelled for the new epoch, or a fresh one: no such key.
    let mut relabelled = old[2].key.encrypt(&plain(1, b"still here")).unwrap();
    relabelled.epoch = *remove.hash();
    assert_eq!(new[1].ring.decrypt(&relabelled).unwrap_err(), GroupError::UnknownKey);
    let mut fresh = SenderKey::generate(*remove.hash(), &mut kit.rng);
    let message = fresh.encrypt(&plain(2, b"hello?")).unwrap();
    assert_eq!(new[1].ring.decrypt(&message).unwrap_err(), GroupError::UnknownKey);
    assert_eq!(
        new[1].ring.add(&fresh.distribution(kit.id(2), kit.group)),
        Err(GroupError::NotMember)
    );
    // Nor can she commit her way back in.
    let (back, _) = kit.commit_unchecked(2, log.state(), vec![Op::Add(kit.member(2))]);
    assert_eq!(log.insert(back).unwrap_err(), LogError::NotAdmin);

    // Her old-epoch messages open only on the old ring, which members retire after a
    // grace period; the remaining members talk on the new one.
    let stale = old[2].key.encrypt(&plain(3, b"old epoch")).unwrap();
    assert!(old[0].ring.decrypt(&stale).is_ok());
    let m = new[0].key.encrypt(&plain(4, b"without carol")).unwrap();
    assert_eq!(new[1].ring.decrypt(&m).unwrap().sender, kit.pk(0));
}

#[test]
fn a_new_member_cannot_read_what_came_before() {
    let mut kit = Kit::new(4);
    let (genesis, _) = kit.genesis(&[0, 1]);
    let mut log = GroupLog::new(&genesis).unwrap();
    let (mut before, _) = start_epoch(&mut kit, log.state(), &[0, 1]);
    let old = before[0].key.encrypt(&plain(1, b"before dave")).unwrap();
    assert!(before[1].ring.decrypt(&old).is_ok());

    let (add, _) = kit.commit(0, log.state(), vec![Op::Add(kit.member(3))]);
    log.insert(add).unwrap();
    // Alice starts the new epoch and speaks once before Dave gets her key.
    let mut alice = SenderKey::generate(*log.head(), &mut kit.rng);
    let early = alice.encrypt(&plain(2, b"dave is not here yet")).unwrap();
    let mut dave = SenderKeyRing::new(log.state());
    assert_eq!(dave.add(&alice.distribution(kit.id(0), kit.group)), Ok(true));
    // Nothing from the old epoch, nothing before the iteration he was given.
    assert_eq!(dave.decrypt(&old).unwrap_err(), GroupError::UnknownKey);
    assert_eq!(dave.decrypt(&early).unwrap_err(), GroupError::TooOld(0));
    let welcome = alice.encrypt(&plain(3, b"welcome dave")).unwrap();
    assert_eq!(dave.decrypt(&welcome).unwrap().plain.body.as_ref(), b"welcome dave");
}

#[test]
fn messages_before_their_key_wait_in_the_buffer() {
    let mut kit = Kit::new(2);
    let (genesis, secret) = kit.genesis(&[0, 1]);
    let log = GroupLog::new(&genesis).unwrap();
    let topic = kit.keys(&secret).topic().to_owned();
    assert!(topic.starts_with("chingu/g/"));
    let mut bob = SenderKey::generate(*log.head(), &mut kit.rng);
    let mut alice_ring = SenderKeyRing::new(log.state());
    let mut buffer = PendingBuffer::default();
    // Bob distributes his new key (at iteration 0), but the 1:1 delivery is slow.
    let dist = bob.distribution(kit.id(1), kit.group);
    // Three messages over gossipsub, out of order, before Bob's distribution.
    let wire_msgs: Vec<Vec<u8>> = (0..3)
        .map(|i| bob.encrypt(&plain(i, b"early")).unwrap().encode().unwrap())
        .collect();
    for bytes in wire_msgs.iter().rev() {
        let message = GroupMessage::decode(bytes).unwrap();
        let err = alice_ring.decrypt(&message).unwrap_err();
        assert_eq!((err.clone(), err.verdict()), (GroupError::UnknownKey, Verdict::Ignore));
        assert!(buffer.push(message).is_none());
    }
    let dist: SenderKeyDistribution = wire::from_cbor(&wire::to_cbor(&dist), 1024).unwrap();
    assert_eq!(alice_ring.add(&dist), Ok(true));
    let waiting = buffer.take(log.head(), bob.key_id());
    let got: Vec<u64> = waiting
        .iter()
        .map(|m| alice_ring.decrypt(m).unwrap().plain.sent_ms)
        .collect();
    assert_eq!(got, vec![0, 1, 2]);
    assert!(buffer.is_empty());
}

#[test]
fn a_lost_fork_moves_everyone_to_the_winners_epoch() {
    let mut kit = Kit::new(4);
    let (genesis, _) = kit.genesis(&[0, 1, 2, 3]);
    let mut log = GroupLog::new(&genesis).unwrap();
    let (promote, _) = kit.commit(0, log.state(), vec![Op::AdminAdd(kit.pk(1))]);
    log.insert(promote).unwrap();
    let base = log.state().clone();
    let (junior, junior_secret) = kit.commit(1, &base, vec![Op::Remove(kit.pk(3))]);
    let (senior, senior_secret) = kit.commit(0, &base, vec![Op::Rename(wire::Text::new("x").unwrap())]);
    let (mut a, mut b) = (log.clone(), log);
    a.insert(junior.clone()).unwrap();
    a.insert(senior.clone()).unwrap();
    b.insert(senior.clone()).unwrap();
    assert_eq!(b.insert(junior.clone()).unwrap(), LogChange::Sibling);
    assert_eq!(a.head(), b.head());
    assert_eq!(a.state(), b.state());
    // Secrets are keyed by commit hash: the two forks had different topics.
    let topic = |c: &Commit, s: EpochSecret| EpochSecretShare::new(c, s).open(c).unwrap().topic().to_owned();
    assert_ne!(topic(&junior, junior_secret), topic(&senior, senior_secret));
    // The junior admin re-bases its removal onto the winner.
    let ops = rebase(junior.ops(), &kit.pk(1), a.state());
    assert_eq!(ops, vec![Op::Remove(kit.pk(3))]);
    let (again, _) = kit.commit(1, a.state(), ops);
    assert!(matches!(a.insert(again).unwrap(), LogChange::Head { .. }));
    assert!(!a.state().is_member(&kit.pk(3)));
}

/// A fixture for mutation properties: a ring, a valid message and a valid commit.
fn fixture() -> (SenderKeyRing, Vec<u8>, GroupLog, Vec<u8>) {
    let mut kit = Kit::new(2);
    let (genesis, _) = kit.genesis(&[0, 1]);
    let log = GroupLog::new(&genesis).unwrap();
    let mut key = SenderKey::generate(*log.head(), &mut kit.rng);
    let mut ring = SenderKeyRing::new(log.state());
    ring.add(&key.distribution(kit.id(1), kit.group)).unwrap();
    let message = key
        .encrypt(&plain(7, b"a perfectly ordinary message"))
        .unwrap()
        .encode()
        .unwrap();
    let (commit, _) = kit.commit(0, log.state(), vec![Op::Rename(wire::Text::new("renamed").unwrap())]);
    (ring, message, log, commit.encode())
}

fn mutate(bytes: &[u8], flips: &[(usize, u8)]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for (at, xor) in flips {
        let i = at % out.len();
        out[i] ^= xor.max(&1);
    }
    out
}

proptest! {
    #[test]
    fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        let _ = GroupMessage::decode(&bytes);
        let _ = Commit::decode(&bytes);
        let _ = wire::decode::<SyncRequest>(&bytes);
        let _ = wire::decode::<SyncResponse>(&bytes);
        let _ = wire::from_cbor::<SenderKeyDistribution>(&bytes, 4096);
        let _ = wire::from_cbor::<EpochSecretShare>(&bytes, 4096);
        let _ = wire::from_cbor::<GroupLog>(&bytes, 4096);
        let _ = wire::from_cbor::<GroupState>(&bytes, 4096);
        let _ = wire::from_cbor::<SenderKeyState>(&bytes, 4096);
        let _ = wire::from_cbor::<SenderKey>(&bytes, 4096);
        let _ = wire::from_cbor::<SenderKeyRing>(&bytes, 4096);
        let _ = wire::from_cbor::<PendingBuffer>(&bytes, 4096);
        let _ = wire::from_cbor::<MeetupCode>(&bytes, 4096);
    }

    #[test]
    fn mutated_messages_and_commits_are_refused(flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6)) {
        let (mut ring, message, mut log, commit) = fixture();
        let original = GroupMessage::decode(&message).unwrap();
        if let Ok(m) = GroupMessage::decode(&mutate(&message, &flips)) {
            if m != original {
                prop_assert!(ring.decrypt(&m).is_err());
            }
        }
        let original = Commit::decode(&commit).unwrap();
        if let Ok(c) = Commit::decode(&mutate(&commit, &flips)) {
            if c != original {
                prop_assert!(log.insert(c).is_err());
            }
        }
        prop_assert!(ring.decrypt(&GroupMessage::decode(&message).unwrap()).is_ok());
        let inserted = matches!(log.insert(original), Ok(LogChange::Head { .. }));
        prop_assert!(inserted);
    }
}
