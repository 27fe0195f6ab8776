use super::*;
use crate::group::message::MAX_GROUP_BODY;
use crate::group::testkit::{plain, Kit, NOT_A_POINT};
use crate::wire::WireError;

/// A sender key, its owner's ring entry at a receiver, and the receiver's state.
fn pair(seed: u8) -> (SenderKey, SenderKeyState) {
    let kit = Kit::new(1);
    let sender = SenderKey::from_parts(Fixed([seed; 32]), [seed; 32], 0, [seed.wrapping_add(1); 32]);
    let dist = sender.distribution(kit.id(0), kit.group);
    (sender, SenderKeyState::from_distribution(&dist).unwrap())
}

#[test]
fn in_order_round_trip_and_replay_after_dedup_cache_expiry() {
    let (mut sender, mut receiver) = pair(1);
    let m0 = sender.encrypt(&plain(0, b"hello")).unwrap();
    let m1 = sender.encrypt(&plain(1, b"world")).unwrap();
    assert_eq!(sender.iteration(), 2);
    assert_eq!(receiver.decrypt(&m0).unwrap(), plain(0, b"hello"));
    assert_eq!(receiver.decrypt(&m1).unwrap(), plain(1, b"world"));
    // Much later (gossipsub's duplicate cache has long forgotten it): delivered again.
    assert_eq!(receiver.decrypt(&m0).unwrap_err(), GroupError::Replay(0));
    assert_eq!(receiver.decrypt(&m1).unwrap_err(), GroupError::Replay(1));
    assert_eq!(receiver.next(), 2);
}

#[test]
fn out_of_order_within_max_skip() {
    let (mut sender, mut receiver) = pair(2);
    let msgs: Vec<_> = (0..10).map(|i| sender.encrypt(&plain(i, b"x")).unwrap()).collect();
    for i in [9, 3, 0, 8, 1, 2, 7, 4, 6, 5] {
        assert_eq!(receiver.decrypt(&msgs[i]).unwrap().sent_ms, i as u64, "seq {i}");
    }
    assert_eq!(receiver.skipped(), 0);
    for m in &msgs {
        assert!(matches!(receiver.decrypt(m), Err(GroupError::Replay(_))));
    }
}

#[test]
fn far_ahead_jump_is_refused_and_skipped_keys_are_bounded() {
    let (mut sender, mut receiver) = pair(3);
    let first = sender.encrypt(&plain(0, b"a")).unwrap();
    // Burn MAX_SKIP + 1 keys at the sender: message MAX_SKIP + 1 is one too far.
    let mut later = Vec::new();
    for i in 1..=MAX_SKIP + 2 {
        later.push(sender.encrypt(&plain(i, b"b")).unwrap());
    }
    let too_far = &later[MAX_SKIP as usize];
    assert_eq!(too_far.seq, MAX_SKIP + 1);
    assert_eq!(
        receiver.decrypt(too_far).unwrap_err(),
        GroupError::TooFarAhead {
            seq: MAX_SKIP + 1,
            next: 0
        }
    );
    // Exactly MAX_SKIP ahead is fine and leaves MAX_SKIP skipped keys.
    let edge = &later[MAX_SKIP as usize - 1];
    assert_eq!(receiver.decrypt(edge).unwrap().sent_ms, MAX_SKIP);
    assert_eq!(receiver.skipped(), MAX_SKIP as usize);
    // One more message past a gap evicts the oldest skipped key (seq 0).
    let (mut s2, mut r2) = (sender.clone(), receiver.clone());
    s2.encrypt(&plain(0, b"c")).unwrap(); // never delivered
    let after_gap = s2.encrypt(&plain(0, b"d")).unwrap();
    r2.decrypt(&after_gap).unwrap();
    assert_eq!(r2.skipped(), MAX_SKIP as usize);
    assert_eq!(r2.decrypt(&first).unwrap_err(), GroupError::TooOld(0));
    // Without eviction, seq 0 still opens.
    assert_eq!(receiver.decrypt(&first).unwrap().sent_ms, 0);
    assert_eq!(receiver.decrypt(&later[5]).unwrap().sent_ms, 6);
    assert_eq!(GroupError::TooFarAhead { seq: 0, next: 0 }.reason(), "too_far_ahead");
}

#[test]
fn forged_or_corrupted_messages_change_nothing() {
    let (mut sender, mut receiver) = pair(4);
    let good = sender.encrypt(&plain(0, b"genuine")).unwrap();
    let snapshot = format!("{receiver:?}");
    let mut flipped_ct = good.clone();
    let mut ct = flipped_ct.ct.to_vec();
    ct[0] ^= 1;
    flipped_ct.ct = Bytes::new(ct).unwrap();
    assert_eq!(receiver.decrypt(&flipped_ct).unwrap_err(), GroupError::BadSignature);
    let mut flipped_seq = good.clone();
    flipped_seq.seq = 1;
    assert_eq!(receiver.decrypt(&flipped_seq).unwrap_err(), GroupError::BadSignature);
    let mut other_epoch = good.clone();
    other_epoch.epoch = Fixed([0; 32]);
    assert_eq!(receiver.decrypt(&other_epoch).unwrap_err(), GroupError::UnknownKey);
    assert_eq!(format!("{receiver:?}"), snapshot);
    assert_eq!(receiver.next(), 0);
    assert_eq!(receiver.decrypt(&good).unwrap().body.as_ref(), b"genuine");

    // Signed by the real key but encrypted under the wrong message key: DecryptFailed.
    let mut rogue = SenderKey::from_parts(*sender.epoch(), [0xee; 32], 1, [5; 32]);
    let mut bad = rogue.encrypt(&plain(1, b"x")).unwrap();
    bad.key_id = *sender.key_id();
    bad.sig = sign(&sender.signing, &bad.signed_bytes());
    assert_eq!(receiver.decrypt(&bad).unwrap_err(), GroupError::DecryptFailed);
    assert_eq!(receiver.next(), 1);
    // A valid AEAD of something that is not a GroupPlain: Malformed.
    let (mk, _) = chain_step(&sender.chain);
    let aad = GroupMessage::aad(sender.epoch(), sender.key_id(), 1);
    let mut junk = GroupMessage {
        epoch: *sender.epoch(),
        key_id: *sender.key_id(),
        seq: 1,
        ct: seal(&mk, &aad, b"\xff").unwrap(),
        sig: Fixed([0; 64]),
    };
    junk.sig = sign(&sender.signing, &junk.signed_bytes());
    assert!(matches!(
        receiver.decrypt(&junk),
        Err(GroupError::Malformed(WireError::Malformed(_)))
    ));
    assert_eq!(receiver.next(), 1);
}

#[test]
fn forward_secrecy_within_the_chain() {
    let (mut sender, _) = pair(5);
    let old = sender.encrypt(&plain(0, b"before")).unwrap();
    // Someone who obtains the key now (iteration 1) cannot open message 0.
    let mut late = SenderKeyState::new(Fixed([0; 32]), *sender.epoch(), &sender.public()).unwrap();
    assert_eq!(late.decrypt(&old).unwrap_err(), GroupError::TooOld(0));
    let new = sender.encrypt(&plain(1, b"after")).unwrap();
    assert_eq!(late.decrypt(&new).unwrap().body.as_ref(), b"after");
}

#[test]
fn size_limits() {
    let (mut sender, mut receiver) = pair(6);
    let biggest = GroupPlain {
        id: Fixed([0xff; 16]),
        sent_ms: u64::MAX,
        body: Bytes::new(vec![7; MAX_GROUP_BODY]).unwrap(),
    };
    let message = sender.encrypt(&biggest).unwrap();
    let bytes = message.encode().unwrap();
    assert!(bytes.len() <= crate::group::MAX_GROUP_MESSAGE, "{}", bytes.len());
    assert_eq!(
        receiver.decrypt(&GroupMessage::decode(&bytes).unwrap()).unwrap(),
        biggest
    );
    // One byte more cannot even be expressed.
    assert!(Bytes::<MAX_GROUP_BODY>::new(vec![7; MAX_GROUP_BODY + 1]).is_err());
}

#[test]
fn exhausted_chain() {
    let mut sender = SenderKey::from_parts(Fixed([0; 32]), [0; 32], u64::MAX, [1; 32]);
    assert_eq!(sender.encrypt(&plain(0, b"")).unwrap_err(), GroupError::ChainExhausted);
    let mut receiver = SenderKeyState::new(
        Fixed([0; 32]),
        Fixed([0; 32]),
        &SenderKeyPub {
            iteration: u64::MAX - 1,
            ..sender.public()
        },
    )
    .unwrap();
    let mut m = GroupMessage {
        epoch: Fixed([0; 32]),
        key_id: *sender.key_id(),
        seq: u64::MAX,
        ct: Bytes::default(),
        sig: Fixed([0; 64]),
    };
    assert!(matches!(receiver.decrypt(&m), Err(GroupError::TooFarAhead { .. })));
    m.seq = 0;
    assert_eq!(receiver.decrypt(&m).unwrap_err(), GroupError::TooOld(0));
}

#[test]
fn ring_checks_distributions() {
    let mut kit = Kit::new(4);
    let (genesis, _) = kit.genesis(&[0, 1, 2]);
    let state = crate::group::GroupState::genesis(&genesis).unwrap();
    let mut ring = SenderKeyRing::new(&state);
    let key1 = SenderKey::generate(*state.head(), &mut kit.rng);
    let dist1 = key1.distribution(kit.id(1), kit.group);
    assert_eq!(ring.add(&dist1), Ok(true));
    assert_eq!(ring.add(&dist1), Ok(false), "re-sent: idempotent");
    assert!(ring.has_key(key1.key_id()));
    assert_eq!(ring.sender(&kit.pk(1)).unwrap().key_id(), key1.key_id());

    // A second key for the same sender and epoch.
    let other = SenderKey::generate(*state.head(), &mut kit.rng).distribution(kit.id(1), kit.group);
    assert_eq!(ring.add(&other), Err(GroupError::KeyConflict));
    // Member 2 re-distributing member 1's key as its own.
    let mut stolen = key1.distribution(kit.id(2), kit.group);
    assert_eq!(ring.add(&stolen), Err(GroupError::KeyConflict));
    stolen.sender = kit.pk(1);
    assert_eq!(ring.add(&stolen), Err(GroupError::BadSignature));
    // A non-member.
    let outsider = SenderKey::generate(*state.head(), &mut kit.rng).distribution(kit.id(3), kit.group);
    assert_eq!(ring.add(&outsider), Err(GroupError::NotMember));
    // Wrong epoch or group.
    let wrong = SenderKey::generate(Fixed([1; 32]), &mut kit.rng).distribution(kit.id(2), kit.group);
    assert_eq!(ring.add(&wrong), Err(GroupError::WrongEpoch));
    let wrong = SenderKey::generate(*state.head(), &mut kit.rng).distribution(kit.id(2), GroupId(Fixed([0; 16])));
    assert_eq!(ring.add(&wrong), Err(GroupError::WrongEpoch));
    // Key id that does not match the signing key.
    let mut bad_id = SenderKey::generate(*state.head(), &mut kit.rng).distribution(kit.id(2), kit.group);
    bad_id.key.key_id = Fixed([0; 8]);
    assert_eq!(ring.add(&bad_id), Err(GroupError::BadKeyId));
    bad_id.key.signing_pk = NOT_A_POINT;
    bad_id.key.key_id = key_id(&bad_id.key.signing_pk);
    assert_eq!(ring.add(&bad_id), Err(GroupError::BadKeyId));
}

#[test]
fn persisted_states_resume() {
    let (mut sender, mut receiver) = pair(7);
    let msgs: Vec<_> = (0..4).map(|i| sender.encrypt(&plain(i, b"p")).unwrap()).collect();
    receiver.decrypt(&msgs[3]).unwrap();
    let mut receiver: SenderKeyState = from_cbor(&to_cbor(&receiver), 1 << 20).unwrap();
    assert_eq!(receiver.decrypt(&msgs[3]).unwrap_err(), GroupError::Replay(3));
    assert_eq!(receiver.decrypt(&msgs[1]).unwrap().sent_ms, 1);
    let mut sender: SenderKey = from_cbor(&to_cbor(&sender), 1 << 10).unwrap();
    let next = sender.encrypt(&plain(4, b"q")).unwrap();
    assert_eq!(next.seq, 4);
    assert_eq!(receiver.decrypt(&next).unwrap().sent_ms, 4);
    assert!(!format!("{sender:?}").contains(&hex::encode(sender.chain)));
}

/// Release-mode throughput: `cargo test --release -- --ignored --nocapture throughput`.
#[test]
#[ignore]
fn throughput() {
    let (mut sender, mut receiver) = pair(8);
    let body = plain(0, &[0x61; 256]);
    let n = 20_000u64;
    let start = std::time::Instant::now();
    let msgs: Vec<_> = (0..n).map(|_| sender.encrypt(&body).unwrap()).collect();
    let enc = start.elapsed();
    let start = std::time::Instant::now();
    for m in &msgs {
        receiver.decrypt(m).unwrap();
    }
    let dec = start.elapsed();
    let wire_len = msgs[0].encode().unwrap().len();
    println!(
            "256 B body ({wire_len} B on the wire): encrypt+sign {:.0} msg/s ({:.1} us), verify+decrypt {:.0} msg/s ({:.1} us)",
            n as f64 / enc.as_secs_f64(),
            enc.as_secs_f64() * 1e6 / n as f64,
            n as f64 / dec.as_secs_f64(),
            dec.as_secs_f64() * 1e6 / n as f64,
        );
}
