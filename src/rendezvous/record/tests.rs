use super::*;
use crate::rendezvous::testutil::{body, identity, FixedRng};

const NOW: u64 = 1_754_524_800 + 3600; // one hour into epoch 2901

fn keys(n: u8) -> RendezvousKeys {
    RendezvousKeys::from_secret(&[n; 32])
}

fn seal(id: &ed25519::Keypair, keys: &RendezvousKeys, seq: u64) -> Entry {
    seal_entry(
        id,
        keys,
        Epoch::at(NOW),
        seq,
        NOW + DEFAULT_LIFETIME_SECS,
        &body(id),
        &mut rand::rngs::OsRng,
    )
    .unwrap()
}

/// Seals `body` as `id`'s first entry under `keys(1)`, valid for a minute.
fn seal_body(id: &ed25519::Keypair, body: &InnerBody) -> Result<Entry, RecordError> {
    seal_entry(id, &keys(1), Epoch::at(NOW), 1, NOW + 60, body, &mut rand::rngs::OsRng)
}

/// Re-seals `inner` (already serialised) as an entry of `slot` under `keys`, the way
/// an attacker holding the encryption key could.
fn forge(slot: &ed25519::Keypair, keys: &RendezvousKeys, template: &Entry, plaintext: &[u8]) -> Entry {
    let slot_pk = slot.public().to_bytes();
    let outer = Outer {
        dht_key: &keys.dht_key,
        epoch: template.epoch,
        slot_pk: &slot_pk,
        seq: template.seq,
        expires: template.expires,
    };
    let nonce = [5u8; NONCE_LEN];
    let ct = cipher(keys)
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad: &outer.aad(),
            },
        )
        .unwrap();
    let ct = Bytes::new(ct).unwrap();
    let slot_sig = sign_fixed(slot, &outer.slot_sig_message(&nonce, &ct));
    Entry {
        slot_pk: Fixed(slot_pk),
        nonce: Fixed(nonce),
        ct,
        slot_sig,
        ..template.clone()
    }
}

fn decrypt(entry: &Entry, keys: &RendezvousKeys) -> Inner {
    let aad = entry.outer(&keys.dht_key).aad();
    let plaintext = cipher(keys)
        .decrypt(
            XNonce::from_slice(entry.nonce.as_slice()),
            Payload {
                msg: &entry.ct,
                aad: &aad,
            },
        )
        .unwrap();
    from_cbor(&plaintext, MAX_CT).unwrap()
}

#[test]
fn seal_then_open() {
    let alice = identity(1);
    let entry = seal(&alice, &keys(1), 10);
    let candidate = open_entry(&entry, &keys(1), NOW).unwrap();
    assert_eq!(candidate.body, body(&alice));
    assert_eq!(
        (candidate.seq, candidate.epoch, candidate.slot_pk),
        (10, Epoch(2901), entry.slot_pk)
    );
    // Wrong keys: the slot signature covers the DHT key; a right DHT key with a wrong
    // encryption key fails to decrypt.
    assert_eq!(open_entry(&entry, &keys(2), NOW), Err(RecordError::BadSlotSignature));
    let wrong_enc = RendezvousKeys {
        enc_key: [0; 32],
        ..keys(1)
    };
    assert_eq!(open_entry(&entry, &wrong_enc, NOW), Err(RecordError::DecryptFailed));
}

#[test]
fn slot_keys_are_stable_per_key_and_unlinkable_across_keys() {
    let alice = identity(1);
    assert_eq!(seal(&alice, &keys(1), 1).slot_pk, seal(&alice, &keys(1), 2).slot_pk);
    assert_ne!(seal(&alice, &keys(1), 1).slot_pk, seal(&alice, &keys(2), 1).slot_pk);
    assert_ne!(
        seal(&alice, &keys(1), 1).slot_pk,
        seal(&identity(2), &keys(1), 1).slot_pk
    );
    assert_ne!(seal(&alice, &keys(1), 1).slot_pk.0, alice.public().to_bytes());
}

#[test]
fn transplanted_entry_fails_the_identity_binding() {
    // Mallory knows both numbers (both encryption keys), decrypts Alice's genuine
    // entry and re-seals the very same inner bytes under Bob's key with her own slot
    // key: storage accepts it, the reader refuses it (id_sig covers the DHT key).
    let alice = identity(1);
    let genuine = seal(&alice, &keys(1), 10);
    let plaintext = to_cbor(&decrypt(&genuine, &keys(1)));
    let moved = forge(&identity(66), &keys(2), &genuine, &plaintext);
    moved.check(&keys(2).dht_key, NOW).unwrap();
    assert_eq!(
        open_entry(&moved, &keys(2), NOW),
        Err(RecordError::BadIdentitySignature)
    );
    // Copied verbatim, it fails the slot signature (storage and reader).
    assert_eq!(open_entry(&genuine, &keys(2), NOW), Err(RecordError::BadSlotSignature));
}

#[test]
fn tampered_bodies_are_refused() {
    let alice = identity(1);
    let entry = seal(&alice, &keys(1), 10);
    let inner = decrypt(&entry, &keys(1));
    let sig = inner.id_sig;
    let mallory = identity(66);
    let reseal = |body: &InnerBody, sig: Fixed<64>| {
        let plaintext = to_cbor(&Inner {
            body: Bytes::new(to_cbor(body)).unwrap(),
            id_sig: sig,
        });
        forge(&mallory, &keys(1), &entry, &plaintext)
    };
    // Another slot key under the same id_sig: the signature covers slot_pk.
    let genuine: InnerBody = from_cbor(&inner.body, MAX_BODY).unwrap();
    assert_eq!(
        open_entry(&reseal(&genuine, sig), &keys(1), NOW),
        Err(RecordError::BadIdentitySignature)
    );

    // Mallory signs a body with her key but Alice's peer id.
    let mut wrong_peer = body(&mallory);
    wrong_peer.peer_id = body(&alice).peer_id;
    assert_eq!(
        seal_entry(
            &mallory,
            &keys(1),
            entry.epoch,
            1,
            entry.expires,
            &wrong_peer,
            &mut rand::rngs::OsRng
        ),
        Err(RecordError::PeerIdMismatch)
    );
    let victim_keys = keys(1);
    let slot = slot_keypair(&mallory, &victim_keys.dht_key);
    let id_sig_for = |b: &InnerBody| {
        let slot_pk = slot.public().to_bytes();
        let outer = Outer {
            dht_key: &victim_keys.dht_key,
            epoch: entry.epoch,
            slot_pk: &slot_pk,
            seq: entry.seq,
            expires: entry.expires,
        };
        sign_fixed(&mallory, &outer.id_sig_message(&to_cbor(b)))
    };
    let forged = |b: &InnerBody| {
        let plaintext = to_cbor(&Inner {
            body: Bytes::new(to_cbor(b)).unwrap(),
            id_sig: id_sig_for(b),
        });
        forge(&slot, &keys(1), &entry, &plaintext)
    };
    assert_eq!(
        open_entry(&forged(&wrong_peer), &keys(1), NOW),
        Err(RecordError::PeerIdMismatch)
    );
    // Alice's prekey in Mallory's body.
    let mut wrong_prekey = body(&mallory);
    wrong_prekey.prekey = body(&alice).prekey;
    assert_eq!(
        open_entry(&forged(&wrong_prekey), &keys(1), NOW),
        Err(RecordError::BadPrekeySignature)
    );
    // Mallory's own body opens fine: it is a candidate, not an impostor the record
    // layer could detect.
    assert_eq!(
        open_entry(&forged(&body(&mallory)), &keys(1), NOW).unwrap().body,
        body(&mallory)
    );
    // Garbage plaintext under valid encryption.
    let junk = forge(&slot, &keys(1), &entry, b"\xff\x00");
    assert!(matches!(open_entry(&junk, &keys(1), NOW), Err(RecordError::Wire(_))));
}

#[test]
fn sealing_checks_the_body() {
    let alice = identity(1);
    let epoch = Epoch::at(NOW);
    let rng = &mut rand::rngs::OsRng;
    let bob_body = body(&identity(2));
    assert_eq!(
        seal_entry(&alice, &keys(1), epoch, 1, NOW + 60, &bob_body, rng),
        Err(RecordError::BadIdentitySignature)
    );
    let mut bad_prekey = body(&alice);
    bad_prekey.prekey.id += 1;
    assert_eq!(
        seal_entry(&alice, &keys(1), epoch, 1, NOW + 60, &bad_prekey, rng),
        Err(RecordError::BadPrekeySignature)
    );
}

#[test]
fn outer_checks() {
    let alice = identity(1);
    let entry = seal(&alice, &keys(1), 10);
    let dht = keys(1).dht_key;
    entry.check(&dht, NOW).unwrap();
    let bad_version = Entry { v: 2, ..entry.clone() };
    assert_eq!(bad_version.check(&dht, NOW), Err(RecordError::BadVersion(2)));
    assert_eq!(entry.check(&dht, entry.expires), Err(RecordError::Expired));
    assert_eq!(
        entry.check(&dht, entry.expires - MAX_LIFETIME_SECS - 1),
        Err(RecordError::ExpiryTooFar)
    );
    // e−1 and e+1 are fine, e+2 and e−2 are not (checked before the signature).
    for (delta, ok) in [(-2i64, false), (-1, true), (1, true), (2, false)] {
        let epoch = Epoch((i64::from(entry.epoch.0) + delta) as u32);
        let moved = Entry { epoch, ..entry.clone() };
        let result = moved.check_fields(NOW);
        assert_eq!(result.is_ok(), ok, "delta {delta}: {result:?}");
    }
    let mut bad_sig = entry.clone();
    bad_sig.slot_sig.0[0] ^= 1;
    assert_eq!(bad_sig.check(&dht, NOW), Err(RecordError::BadSlotSignature));
    let mut bad_ct = entry.clone();
    bad_ct.nonce.0[0] ^= 1;
    assert_eq!(bad_ct.check(&dht, NOW), Err(RecordError::BadSlotSignature));
    let higher = Entry {
        seq: entry.seq + 1,
        ..entry
    };
    assert_eq!(higher.check(&dht, NOW), Err(RecordError::BadSlotSignature));
}

#[test]
fn a_body_carries_its_accounts_devices_signed_by_its_identity() {
    use crate::account::{devices::device_name, Device, SignedDeviceList};
    let alice = identity(1);
    let laptop = identity(2);
    let first = SignedDeviceList::first(&alice, [7; 32], "phone", 1).unwrap();
    let device = Device {
        device: Fixed(laptop.public().to_bytes()),
        noise: Fixed([8; 32]),
        name: device_name("laptop").unwrap(),
        added_ms: 2,
    };
    let list = first.with_device(&alice, device, 2).unwrap();
    let where_laptop = DeviceAddrs {
        device: Fixed(laptop.public().to_bytes()),
        addrs: List::new(vec![Addr::new(vec![4, 127, 0, 0, 1, 6, 0x0f, 0xa2]).unwrap()]).unwrap(),
    };
    let mut with_devices = body(&alice);
    with_devices.devices = Some(AccountDevices {
        list: list.clone(),
        addrs: List::new(vec![where_laptop.clone()]).unwrap(),
    });
    let entry = seal_body(&alice, &with_devices).unwrap();
    assert_eq!(open_entry(&entry, &keys(1), NOW).unwrap().body, with_devices);
    // Without devices the body encodes as it always did: no `devices` key.
    assert!(!to_cbor(&body(&alice)).windows(7).any(|w| w == b"devices"));
    // Another account's list, or addresses for a device the list does not name, are
    // refused.
    let bob = identity(3);
    let mut foreign = with_devices.clone();
    foreign.devices.as_mut().unwrap().list = SignedDeviceList::first(&bob, [9; 32], "phone", 1).unwrap();
    assert_eq!(seal_body(&alice, &foreign), Err(RecordError::BadDeviceList));
    let mut stray = with_devices.clone();
    stray.devices.as_mut().unwrap().addrs = List::new(vec![DeviceAddrs {
        device: Fixed(bob.public().to_bytes()),
        ..where_laptop
    }])
    .unwrap();
    assert_eq!(seal_body(&alice, &stray), Err(RecordError::BadDeviceList));
    // (Opening runs the same checks on the body, after the identity signature.)
    // A body too large for its devices drops them before any address.
    let mut crowded = with_devices;
    crowded.addrs = List::new(vec![Addr::new(vec![0xaa; MAX_ADDR_BYTES]).unwrap(); 5]).unwrap();
    assert!(to_cbor(&crowded).len() > MAX_BODY);
    assert_eq!(crowded.trim_to_fit(), 1);
    assert_eq!((crowded.devices, crowded.addrs.len()), (None, 5));
}

#[test]
fn oversized_bodies_are_refused_or_trimmed() {
    let alice = identity(1);
    let big_addr = Addr::new(vec![0xaa; MAX_ADDR_BYTES]).unwrap();
    let mut big = body(&alice);
    big.addrs = List::new(vec![big_addr.clone(); MAX_ADDRS]).unwrap();
    let mailbox = MailboxRef {
        peer_id: Bytes::new(vec![1; MAX_PEER_ID_BYTES]).unwrap(),
        addrs: List::new(vec![big_addr; MAX_MAILBOX_ADDRS]).unwrap(),
        tag: Fixed([3; 32]),
    };
    big.mailboxes = List::new(vec![mailbox; MAX_MAILBOXES]).unwrap();
    let len = to_cbor(&big).len();
    assert_eq!(
        seal_body(&alice, &big),
        Err(RecordError::Oversized {
            what: "body",
            len,
            max: MAX_BODY
        })
    );
    let dropped = big.trim_to_fit();
    assert!(to_cbor(&big).len() <= MAX_BODY);
    assert_eq!(big.addrs.len(), 1, "direct addresses go first, one is kept");
    assert_eq!(dropped, MAX_ADDRS - 1 + MAX_MAILBOXES - big.mailboxes.len());
    let entry = seal_body(&alice, &big).unwrap();
    assert_eq!(open_entry(&entry, &keys(1), NOW).unwrap().body, big);
    let mut small = body(&alice);
    assert_eq!(small.trim_to_fit(), 0);
    assert_eq!(small, body(&alice));
}

#[test]
fn worst_case_value_fits() {
    // Largest possible integers, the largest ciphertext, four entries.
    let worst = Entry {
        v: u8::MAX,
        epoch: Epoch(u32::MAX),
        slot_pk: Fixed([0xff; 32]),
        seq: u64::MAX,
        expires: u64::MAX,
        nonce: Fixed([0xff; NONCE_LEN]),
        ct: Bytes::new(vec![0xff; MAX_CT]).unwrap(),
        slot_sig: Fixed([0xff; 64]),
    };
    let value = RendezvousValue::new(vec![worst; MAX_ENTRIES]).unwrap();
    let bytes = value.encode().unwrap();
    assert!(bytes.len() <= MAX_VALUE_BYTES, "{} bytes", bytes.len());
    assert_eq!(RendezvousValue::decode(&bytes).unwrap(), value);
    // The largest body seals into a ciphertext of exactly MAX_CT bytes.
    let alice = identity(1);
    let body = largest_body(&alice);
    assert_eq!(to_cbor(&body).len(), MAX_BODY);
    let entry = seal_body(&alice, &body).unwrap();
    assert_eq!(entry.ct.len(), MAX_CT);
}

/// A body of exactly MAX_BODY bytes: full-size addresses, the last one sized to fit.
fn largest_body(identity: &ed25519::Keypair) -> InnerBody {
    let mut body = body(identity);
    let mut addrs = Vec::new();
    loop {
        for len in (0..=MAX_ADDR_BYTES).rev() {
            let mut candidate = addrs.clone();
            candidate.push(Addr::new(vec![0; len]).unwrap());
            body.addrs = List::new(candidate).unwrap();
            if to_cbor(&body).len() == MAX_BODY {
                return body;
            }
        }
        addrs.push(Addr::new(vec![0; MAX_ADDR_BYTES]).unwrap());
    }
}

#[test]
fn value_limits() {
    let too_many = vec![seal(&identity(1), &keys(1), 1); MAX_ENTRIES + 1];
    assert_eq!(
        RendezvousValue::new(too_many),
        Err(RecordError::Oversized {
            what: "entry list",
            len: MAX_ENTRIES + 1,
            max: MAX_ENTRIES
        })
    );
    let big = vec![0u8; MAX_VALUE_BYTES + 1];
    assert_eq!(
        RendezvousValue::decode(&big),
        Err(RecordError::Oversized {
            what: "value",
            len: MAX_VALUE_BYTES + 1,
            max: MAX_VALUE_BYTES
        })
    );
    assert!(matches!(RendezvousValue::decode(b"\xa0"), Err(RecordError::Wire(_))));
}

/// The body described field by field in the entry vector.
fn body_from(v: &serde_json::Value) -> InnerBody {
    use crate::rendezvous::testutil::{hex32, hex_of, int, text};
    let addrs = |list: &serde_json::Value| -> Vec<Addr> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|a| Addr::new(hex_of(a)).unwrap())
            .collect()
    };
    let mailboxes = v["mailboxes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| MailboxRef {
            peer_id: Bytes::new(hex_of(&m["peer_id"])).unwrap(),
            addrs: List::new(addrs(&m["addrs"])).unwrap(),
            tag: Fixed(hex32(&m["tag"])),
        })
        .collect();
    InnerBody {
        identity_pk: Fixed(hex32(&v["identity_pk"])),
        noise_pk: Fixed(hex32(&v["noise_pk"])),
        prekey: SignedPrekey {
            id: u32::try_from(int(&v["prekey"]["id"])).unwrap(),
            pk: Fixed(hex32(&v["prekey"]["pk"])),
            sig: Fixed::try_from(hex_of(&v["prekey"]["sig"]).as_slice()).unwrap(),
        },
        peer_id: Bytes::new(hex_of(&v["peer_id"])).unwrap(),
        addrs: List::new(addrs(&v["addrs"])).unwrap(),
        mailboxes: List::new(mailboxes).unwrap(),
        name: Text::new(text(&v["name"])).unwrap(),
        devices: None,
    }
}

#[test]
fn vectors_hold() {
    use crate::rendezvous::testutil::{hex32, hex_of, identity_from, int, vectors};
    for v in vectors("entry") {
        let identity = identity_from(&v["identity_secret"]);
        assert_eq!(identity.public().to_bytes(), hex32(&v["identity_pk"]));
        let keys = RendezvousKeys {
            dht_key: hex32(&v["dht_key"]),
            enc_key: hex32(&v["enc_key"]),
        };
        let epoch = Epoch(u32::try_from(int(&v["epoch"])).unwrap());
        let (seq, expires, now) = (int(&v["seq"]), int(&v["expires"]), int(&v["now"]));
        let body = body_from(&v["body"]);
        assert_eq!(
            SignedPrekey::message(body.prekey.id, &body.prekey.pk),
            hex_of(&v["prekey_sig_message"])
        );
        assert_eq!(
            SignedPrekey::sign(&identity, body.prekey.id, body.prekey.pk.0),
            body.prekey
        );
        assert_eq!(to_cbor(&body), hex_of(&v["body_cbor"]));
        // Encode direction: seal with the vector's nonce.
        let slot = slot_keypair(&identity, &keys.dht_key);
        assert_eq!(slot.secret().as_ref(), hex_of(&v["slot_seed"]).as_slice());
        let entry = seal_entry(
            &identity,
            &keys,
            epoch,
            seq,
            expires,
            &body,
            &mut FixedRng(hex_of(&v["nonce"])),
        )
        .unwrap();
        assert_eq!(entry.slot_pk.0, hex32(&v["slot_pk"]));
        let outer = entry.outer(&keys.dht_key);
        assert_eq!(outer.aad(), hex_of(&v["aad"]));
        assert_eq!(outer.id_sig_message(&to_cbor(&body)), hex_of(&v["id_sig_message"]));
        let inner = decrypt(&entry, &keys);
        assert_eq!(inner.id_sig.as_slice(), hex_of(&v["id_sig"]).as_slice());
        assert_eq!(to_cbor(&inner), hex_of(&v["inner_cbor"]));
        assert_eq!(entry.ct.as_ref(), hex_of(&v["ct"]).as_slice());
        assert_eq!(
            outer.slot_sig_message(&entry.nonce, &entry.ct),
            hex_of(&v["slot_sig_message"])
        );
        assert_eq!(entry.slot_sig.as_slice(), hex_of(&v["slot_sig"]).as_slice());
        let value = RendezvousValue::new(vec![entry.clone()]).unwrap().encode().unwrap();
        assert_eq!(value, hex_of(&v["value"]));
        // Decode direction: the value opens to the vector's body.
        let decoded = RendezvousValue::decode(&hex_of(&v["value"])).unwrap();
        assert_eq!(decoded.entries.to_vec(), vec![entry.clone()]);
        let candidate = open_entry(&decoded.entries[0], &keys, now).unwrap();
        assert_eq!(
            candidate,
            Candidate {
                epoch,
                slot_pk: entry.slot_pk,
                seq,
                expires,
                body
            }
        );
    }
}

#[test]
fn fixed_rng_makes_sealing_deterministic() {
    let alice = identity(1);
    let a = seal_entry(
        &alice,
        &keys(1),
        Epoch(2901),
        1,
        NOW + 60,
        &body(&alice),
        &mut FixedRng(vec![9; 24]),
    );
    let b = seal_entry(
        &alice,
        &keys(1),
        Epoch(2901),
        1,
        NOW + 60,
        &body(&alice),
        &mut FixedRng(vec![9; 24]),
    );
    assert_eq!(a.unwrap(), b.unwrap());
}
