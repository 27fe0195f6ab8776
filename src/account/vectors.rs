//! Test vectors of `protocol/devices.md` (`protocol/vectors/devices.json`): a device list
//! of two versions, a link code with its text, PSK and prologue inputs, and a whole link
//! handshake with fixed static and ephemeral keys — its three messages, the handshake
//! hash, the SAS, the hello's signature and the first transport message — one of each
//! device-sync message, three link channel plaintexts, and the `devices` field of a
//! rendezvous body. Checked both ways; `print_vectors` (ignored) regenerates the file
//! from the fixed inputs.

use serde_json::{json, Value};

use super::devices::{device_name, list_bytes, Device, SignedDeviceList};
use super::link::{hello_bytes, sas, Admitter, Joiner, LinkCode, LinkMessage, LINK_CODE_VERSION};
use crate::identity::Identity;
use crate::wire::{to_cbor, Bytes, Fixed, List};

const FILE: &str = include_str!("../../protocol/vectors/devices.json");

fn identity(byte: u8) -> Identity {
    Identity::from_secrets([byte; 32], [byte.wrapping_add(0x40); 32])
}

fn code(first: &Identity) -> LinkCode {
    LinkCode {
        v: LINK_CODE_VERSION,
        peer: Bytes::new(first.peer_id().to_bytes()).unwrap(),
        addrs: List::new(vec![Bytes::new(
            "/ip4/127.0.0.1/tcp/4001".parse::<libp2p::Multiaddr>().unwrap().to_vec(),
        )
        .unwrap()])
        .unwrap(),
        secret: Fixed([0x5a; 16]),
        expires_ms: 1_764_893_400_000,
    }
}

fn compute() -> Value {
    let (first, new) = (identity(1), identity(2));
    let list1 = SignedDeviceList::first(first.ed25519(), first.noise().public, "phone", 1_764_892_800_000).unwrap();
    let laptop = Device {
        device: Fixed(new.public_key()),
        noise: Fixed(new.noise().public),
        name: device_name("laptop").unwrap(),
        added_ms: 1_764_892_860_000,
    };
    let list2 = list1.with_device(first.ed25519(), laptop, 1_764_892_860_000).unwrap();
    let (list3, _) = list2
        .without_device(first.ed25519(), "laptop", 1_764_892_920_000)
        .unwrap();
    let lists: Vec<Value> = [&list1, &list2, &list3]
        .iter()
        .map(|l| {
            json!({
                "version": l.list.version,
                "signed_bytes": hex::encode(list_bytes(&l.list)),
                "sig": hex::encode(l.sig.as_bytes()),
                "cbor": hex::encode(to_cbor(l)),
            })
        })
        .collect();
    let code = code(&first);
    let (joiner, msg1) = Joiner::start(&code, new.noise(), [0x11; 32]).unwrap();
    let (admitter, msg2) = Admitter::start(&code, first.noise(), &msg1, [0x22; 32]).unwrap();
    let (mut joined, msg3) = joiner.finish(&msg2).unwrap();
    let mut admitted = admitter.finish(&msg3).unwrap();
    let hello = joined
        .hello(new.ed25519(), &new.noise().public, &first.public_key(), "laptop")
        .unwrap();
    let LinkMessage::Hello { sig, .. } = &hello else {
        unreachable!("hello() makes a hello")
    };
    let intro = LinkMessage::Account {
        account: Fixed(first.public_key()),
        phone: crate::wire::Text::new("+821012345678").unwrap(),
        name: crate::wire::Text::new("민지").unwrap(),
    };
    let intro_sealed = admitted.seal(&intro).unwrap();
    assert_eq!(joined.open(&intro_sealed).unwrap(), intro);
    let handshake_hash = joined.handshake_hash().to_vec();
    assert_eq!(admitted.sas(), joined.sas());
    json!({
        "account_secret": hex::encode([1u8; 32]),
        "new_device_secret": hex::encode([2u8; 32]),
        "noise_privates": [hex::encode([0x41u8; 32]), hex::encode([0x42u8; 32])],
        "device_lists": lists,
        "link_code": {
            "cbor": hex::encode(to_cbor(&code)),
            "text": code.encode(),
            "psk": hex::encode(code.psk()),
        },
        "sync_messages": sync_messages(&list2),
        "record_devices": hex::encode(to_cbor(&crate::rendezvous::record::AccountDevices {
            list: list2.clone(),
            addrs: List::new(vec![crate::rendezvous::record::DeviceAddrs {
                device: Fixed(new.public_key()),
                addrs: List::new(vec![Bytes::new(
                    "/ip4/127.0.0.1/tcp/4002".parse::<libp2p::Multiaddr>().unwrap().to_vec(),
                )
                .unwrap()])
                .unwrap(),
            }])
            .unwrap(),
        })),
        "link_messages": {
            "confirm": hex::encode(to_cbor(&LinkMessage::Confirm)),
            "resume": hex::encode(to_cbor(&LinkMessage::Resume {
                after: Bytes::new([&b"m"[..], &[0x11; 16], &[0; 8], &[0x22; 16]].concat()).unwrap(),
            })),
            "history_ok": hex::encode(to_cbor(&LinkMessage::HistoryOk)),
        },
        "handshake": {
            "initiator_ephemeral_private": hex::encode([0x11u8; 32]),
            "responder_ephemeral_private": hex::encode([0x22u8; 32]),
            "msg1": hex::encode(&msg1),
            "msg2": hex::encode(&msg2),
            "msg3": hex::encode(&msg3),
            "handshake_hash": hex::encode(&handshake_hash),
            "sas": sas(&handshake_hash),
            "hello_signed": hex::encode(hello_bytes(
                &handshake_hash,
                &first.public_key(),
                &new.public_key(),
                &new.noise().public
            )),
            "hello_sig": hex::encode(sig.as_bytes()),
            "account_message_plaintext": hex::encode(to_cbor(&intro)),
            "account_message": hex::encode(&intro_sealed),
        },
    })
}

/// One of each `/chingu/device-sync/1` message (protocol/devices.md §6), as CBOR.
fn sync_messages(list: &SignedDeviceList) -> Value {
    use super::history::HistoryEntry;
    use super::sync::{Action, SyncMessage};
    use crate::wire::Text;
    fn text<const N: usize>(s: &str) -> Text<N> {
        Text::new(s).unwrap()
    }
    let addr = || Bytes::new("/ip4/127.0.0.1/tcp/4002".parse::<libp2p::Multiaddr>().unwrap().to_vec()).unwrap();
    let entry = HistoryEntry::new(2, b"+821012345678".to_vec(), vec![0xa0]).unwrap();
    let messages = [
        (
            "hello",
            SyncMessage::Hello {
                since_ms: 1_764_892_860_000,
                addrs: List::new(vec![addr()]).unwrap(),
            },
        ),
        ("history", SyncMessage::History(List::new(vec![entry.clone()]).unwrap())),
        ("refused", SyncMessage::Refused(text("revoked_device"))),
        ("here", SyncMessage::Here(List::new(vec![addr()]).unwrap())),
        ("devices", SyncMessage::Devices(list.clone())),
        (
            "contact_keys",
            SyncMessage::ContactKeys {
                keys: List::new(vec![Bytes::new(b"+821012345678".to_vec()).unwrap()]).unwrap(),
                last: true,
            },
        ),
        (
            "send",
            SyncMessage::Send {
                request: 1,
                contact: text("Yuki"),
                text: text("안녕"),
            },
        ),
        (
            "sent",
            SyncMessage::Sent {
                request: 1,
                entries: List::new(vec![entry]).unwrap(),
            },
        ),
        (
            "not_sent",
            SyncMessage::NotSent {
                request: 1,
                reason: text("contact_blocked"),
            },
        ),
        (
            "act_read",
            SyncMessage::Act {
                request: 2,
                action: Action::Read { contact: text("Yuki") },
            },
        ),
        (
            "act_typing",
            SyncMessage::Act {
                request: 3,
                action: Action::Typing {
                    contact: text("Yuki"),
                    active: true,
                },
            },
        ),
        (
            "act_add_contact",
            SyncMessage::Act {
                request: 4,
                action: Action::AddContact {
                    number: text("010-5555-6666"),
                    name: text("Bo"),
                    to: None,
                },
            },
        ),
        (
            "act_remove_contact",
            SyncMessage::Act {
                request: 5,
                action: Action::RemoveContact { contact: text("Bo") },
            },
        ),
        (
            "act_rename",
            SyncMessage::Act {
                request: 6,
                action: Action::Rename {
                    contact: text("Yuki"),
                    name: text("유키"),
                },
            },
        ),
        (
            "act_block",
            SyncMessage::Act {
                request: 7,
                action: Action::Block {
                    contact: text("Bo"),
                    blocked: true,
                },
            },
        ),
        (
            "act_mute",
            SyncMessage::Act {
                request: 8,
                action: Action::Mute {
                    contact: text("Bo"),
                    muted: false,
                },
            },
        ),
        (
            "act_read_group",
            SyncMessage::Act {
                request: 9,
                action: Action::ReadGroup {
                    group: text("등산 모임"),
                },
            },
        ),
        (
            "act_create_group",
            SyncMessage::Act {
                request: 11,
                action: Action::CreateGroup {
                    id: crate::wire::Fixed([8; 16]),
                    name: text("새 모임"),
                    members: List::new(vec![text("Yuki"), text("+821055556666")]).unwrap(),
                },
            },
        ),
        (
            "act_change_group",
            SyncMessage::Act {
                request: 12,
                action: Action::ChangeGroup {
                    group: text("08080808080808080808080808080808"),
                    change: super::sync::GroupChange::Invite(text("Bo")),
                },
            },
        ),
        (
            "act_leave_group",
            SyncMessage::Act {
                request: 13,
                action: Action::ChangeGroup {
                    group: text("새 모임"),
                    change: super::sync::GroupChange::Leave,
                },
            },
        ),
        (
            "compose",
            SyncMessage::Compose {
                request: 15,
                compose: crate::content::compose::Compose::React {
                    message: "01010101010101010101010101010101".into(),
                    emoji: "👍".into(),
                },
            },
        ),
        (
            "send_file",
            SyncMessage::SendFile {
                request: 16,
                to: text("+819012345678"),
                body: crate::content::body::WireBody::from_body(&crate::model::Body::File {
                    file: crate::model::FileRef {
                        root: [0x33; 32],
                        size: 100_000,
                        key: [0x44; 32],
                        name: "map.bin".into(),
                        mime: "application/octet-stream".into(),
                        preview: Vec::new(),
                    },
                })
                .unwrap()
                .encode(),
            },
        ),
        (
            "send_group",
            SyncMessage::SendGroup {
                request: 10,
                group: text("07070707070707070707070707070707"),
                text: text("토요일 9시"),
            },
        ),
        (
            "group",
            SyncMessage::Group(super::sync::GroupCopy {
                id: crate::wire::Fixed([7; 16]),
                name: text("등산 모임"),
                meetup: false,
                epoch: 2,
                admin: true,
                active: true,
                closed: false,
                expires_ms: None,
                count: 2,
                from: 0,
                members: List::new(vec![
                    super::sync::MemberCopy {
                        name: text("Minji"),
                        phone: text("+821012345678"),
                        fingerprint: text(""),
                        peer_id: text("12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN"),
                        admin: true,
                        me: true,
                    },
                    super::sync::MemberCopy {
                        name: text("Yuki"),
                        phone: text("+819012345678"),
                        fingerprint: text(""),
                        peer_id: text("12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo"),
                        admin: false,
                        me: false,
                    },
                ])
                .unwrap(),
            }),
        ),
        ("done", SyncMessage::Done { request: 2, count: 3 }),
        (
            "hand",
            SyncMessage::Hand {
                request: 9,
                contact: text("+818012345678"),
                sent: false,
                message: super::sync::HandedMessage {
                    id: crate::wire::Fixed([0x01; 16]),
                    hlc: 1_764_892_860_000 << 16,
                    sent_ms: 1_764_892_860_000,
                    // A text body, as `/chingu/dm/1` carries it.
                    body: crate::content::body::WireBody::from_body(&crate::model::Body::Text {
                        text: "やあ".into()
                    })
                    .unwrap()
                    .encode(),
                },
            },
        ),
        (
            "hand_group",
            SyncMessage::HandGroup {
                request: 14,
                group: crate::wire::Fixed([7; 16]),
                message: super::sync::HandedMessage {
                    id: crate::wire::Fixed([0x02; 16]),
                    hlc: 1_764_892_920_000 << 16,
                    sent_ms: 1_764_892_920_000,
                    body: crate::content::body::WireBody::from_body(&crate::model::Body::Text {
                        text: "anyone?".into(),
                    })
                    .unwrap()
                    .encode(),
                },
            },
        ),
    ];
    messages
        .iter()
        .map(|(name, message)| (name.to_string(), json!(hex::encode(to_cbor(message)))))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

#[test]
fn vectors_match_the_file() {
    let file: Value = serde_json::from_str(FILE).unwrap();
    let computed = compute();
    for key in [
        "account_secret",
        "new_device_secret",
        "noise_privates",
        "device_lists",
        "link_code",
        "handshake",
        "sync_messages",
        "link_messages",
        "record_devices",
    ] {
        assert_eq!(file[key], computed[key], "{key}");
    }
    // The file's lists verify, and its code parses before its expiry.
    let first = identity(1);
    for list in file["device_lists"].as_array().unwrap() {
        let bytes = hex::decode(list["cbor"].as_str().unwrap()).unwrap();
        let list: SignedDeviceList = crate::wire::from_cbor(&bytes, 4096).unwrap();
        list.verify(&first.public_key()).unwrap();
    }
    let text = file["link_code"]["text"].as_str().unwrap();
    assert_eq!(LinkCode::parse(text, 1_764_892_800_000).unwrap(), code(&first));
}

#[test]
#[ignore = "prints protocol/vectors/devices.json"]
fn print_vectors() {
    let mut file = compute();
    file["description"] = json!(
        "protocol/devices.md: device lists (first, +laptop, -laptop), a link code, one of each device-sync message (sync_messages: CBOR, `devices` carrying the second list), three link channel plaintexts (link_messages: CBOR; `resume` names a message key), the `devices` field of the first device's rendezvous body with the second list and the laptop at /ip4/127.0.0.1/tcp/4002 (record_devices: CBOR, SPEC §5.3), and a whole link handshake with fixed keys (account_secret and noise_privates[0]: the first device (responder); new_device_secret and noise_privates[1]: the new device (initiator); ephemeral privates as given; account message = E's first transport message)."
    );
    println!("{}", serde_json::to_string_pretty(&file).unwrap());
}
