//! Test vectors (protocol/vectors/group.json): every vector is recomputed from its inputs
//! and compared byte for byte, and every encoded value is decoded back to its inputs.
//! `print_vectors` regenerates the file's content from the fixed inputs below.

use serde_json::{json, Value};

use super::epoch::EpochKeys;
use super::log::{Commit, GroupState, Member, Op, GENESIS_PREV};
use super::message::{GroupMessage, GroupPlain};
use super::sender_key::{aead_key, chain_step, SenderKey, SenderKeyDistribution, SenderKeyState};
use super::sync::{Head, HeadsRequest, SyncRequest};
use super::{keypair_from_seed, public_bytes, EpochSecret, GroupId, JoinRequest, MeetupCode};
use crate::wire::{self, Bytes, Fixed, Text};

const FILE: &str = include_str!("../../protocol/vectors/group.json");

fn bytes(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().expect("hex string")).expect("valid hex")
}

fn fixed<const N: usize>(v: &Value) -> [u8; N] {
    bytes(v).try_into().expect("right length")
}

fn num(v: &Value) -> u64 {
    v.as_u64().expect("integer")
}

fn text<const N: usize>(v: &Value) -> Text<N> {
    Text::new(v.as_str().expect("string")).expect("short enough")
}

/// The outputs of one vector, computed from its inputs.
fn compute(v: &Value) -> Value {
    match v["name"].as_str().expect("name") {
        "genesis_commit" | "meetup_genesis_commit" => genesis(v).1,
        "meetup_join_request" => {
            let request = join_request(v);
            json!({
                "identity_pk": hex::encode(request.member.identity_pk),
                "peer_id": hex::encode(&request.member.peer_id),
                "proof": hex::encode(request.proof),
                "envelope": hex::encode(wire::encode(&request).unwrap()),
            })
        }
        "epoch_keys" => {
            let keys = EpochKeys::derive(
                &GroupId(Fixed(fixed(&v["group"]))),
                &EpochSecret::from_bytes(fixed(&v["epoch_secret"])),
            );
            json!({
                "topic": keys.topic(),
                // Topics are gossipsub `IdentTopic`s: the hash on the wire is the string.
                "topic_hash": libp2p::gossipsub::IdentTopic::new(keys.topic()).hash().as_str(),
                "check": hex::encode(keys.check()),
                "sync_key": hex::encode(keys.sync_key()),
            })
        }
        "sender_chain" => {
            let mut chain: [u8; 32] = fixed(&v["chain_key"]);
            let steps: Vec<Value> = (0..3)
                .map(|i| {
                    let (mk, next) = chain_step(&chain);
                    let (key, nonce) = aead_key(&mk);
                    chain = next;
                    json!({
                        "iteration": i,
                        "message_key": hex::encode(mk),
                        "aead_key": hex::encode(key),
                        "nonce": hex::encode(nonce),
                        "next_chain_key": hex::encode(next),
                    })
                })
                .collect();
            json!({ "steps": steps })
        }
        "group_message" => group_message(v).1,
        "sender_key_distribution" => {
            let dist = distribution(v);
            json!({
                "sender": hex::encode(dist.sender),
                "key_id": hex::encode(dist.key.key_id),
                "signing_pk": hex::encode(dist.key.signing_pk),
                "signed_bytes": hex::encode(dist.signed_bytes()),
                "sig": hex::encode(dist.sig),
                "cbor": hex::encode(wire::to_cbor(&dist)),
            })
        }
        "sync_request" => {
            let req = sync_request(v);
            json!({
                "mac_bytes": hex::encode(req.mac_bytes()),
                "mac": hex::encode(req.mac),
                "envelope": hex::encode(wire::encode(&req).unwrap()),
            })
        }
        "sync_heads" => {
            let req = heads_request(v);
            json!({
                "mac_bytes": hex::encode(req.mac_bytes()),
                "mac": hex::encode(req.mac),
                "envelope": hex::encode(wire::encode(&req).unwrap()),
            })
        }
        "meetup_code" => {
            let value = u64::from_be_bytes(fixed(&v["random"])) >> 14;
            let code = MeetupCode::from_value(value);
            json!({
                "value": value,
                "bytes": hex::encode(code.as_bytes()),
                "display": code.display(),
                "link": code.link(),
            })
        }
        other => panic!("unknown vector {other}"),
    }
}

fn creator(v: &Value) -> (libp2p_identity::ed25519::Keypair, Member) {
    member_of(fixed(&v["creator_seed"]), v)
}

/// The member entry of the identity with `seed`, with the vector's Noise key, number and
/// name.
fn member_of(seed: [u8; 32], v: &Value) -> (libp2p_identity::ed25519::Keypair, Member) {
    let id = keypair_from_seed(seed);
    let pk = public_bytes(&id);
    let member = Member {
        identity_pk: pk,
        noise_pk: Fixed(fixed(&v["noise_pk"])),
        peer_id: Member::peer_id_of(&pk).unwrap(),
        phone: text(&v["phone"]),
        name: text(&v["member_name"]),
    };
    (id, member)
}

fn genesis(v: &Value) -> (Commit, Value) {
    let (id, member) = creator(v);
    let (commit, _) = Commit::genesis(
        &id,
        GroupId(Fixed(fixed(&v["group"]))),
        text(&v["group_name"]),
        v["meetup_expires"].as_u64(),
        member.clone(),
        vec![],
        num(&v["time_ms"]),
        &EpochSecret::from_bytes(fixed(&v["epoch_secret"])),
    )
    .unwrap();
    let out = json!({
        "identity_pk": hex::encode(member.identity_pk),
        "peer_id": hex::encode(&member.peer_id),
        "check": hex::encode(commit.check()),
        "ops_cbor": hex::encode(commit.ops_bytes()),
        "signed_bytes": hex::encode(commit.signed_bytes()),
        "sig": hex::encode(commit.sig()),
        "hash": hex::encode(commit.hash()),
        "commit_cbor": hex::encode(commit.encode()),
    });
    (commit, out)
}

fn join_request(v: &Value) -> JoinRequest {
    let (_, member) = member_of(fixed(&v["joiner_seed"]), v);
    JoinRequest::new(&fixed(&v["code_auth_key"]), member)
}

fn sender_key(v: &Value) -> SenderKey {
    SenderKey::from_parts(
        Fixed(fixed(&v["epoch"])),
        fixed(&v["chain_key"]),
        num(&v["iteration"]),
        fixed(&v["signing_seed"]),
    )
}

/// The body a node puts in a group message for `text`: the 1:1 protocol's `WireBody`.
fn text_body(v: &Value) -> Vec<u8> {
    let body = crate::model::Body::Text {
        text: v["text"].as_str().expect("text").to_owned(),
    };
    crate::content::body::WireBody::from_body(&body)
        .unwrap()
        .encode()
        .to_vec()
}

fn plain(v: &Value) -> GroupPlain {
    GroupPlain {
        id: Fixed(fixed(&v["plain_id"])),
        sent_ms: num(&v["sent_ms"]),
        body: Bytes::new(text_body(v)).unwrap(),
    }
}

fn group_message(v: &Value) -> (GroupMessage, Value) {
    let mut key = sender_key(v);
    let public = key.public();
    let message = key.encrypt(&plain(v)).unwrap();
    let out = json!({
        "body": hex::encode(text_body(v)),
        "key_id": hex::encode(public.key_id),
        "signing_pk": hex::encode(public.signing_pk),
        "plain_cbor": hex::encode(wire::to_cbor(&plain(v))),
        "aad": hex::encode(GroupMessage::aad(&message.epoch, &message.key_id, message.seq)),
        "ct": hex::encode(&message.ct),
        "signed_bytes": hex::encode(message.signed_bytes()),
        "sig": hex::encode(message.sig),
        "message_cbor": hex::encode(wire::to_cbor(&message)),
        "envelope": hex::encode(message.encode().unwrap()),
    });
    (message, out)
}

fn distribution(v: &Value) -> SenderKeyDistribution {
    let identity = keypair_from_seed(fixed(&v["identity_seed"]));
    sender_key(v).distribution(&identity, GroupId(Fixed(fixed(&v["group"]))))
}

fn sync_request(v: &Value) -> SyncRequest {
    let group = GroupId(Fixed(fixed(&v["group"])));
    let keys = EpochKeys::derive(&group, &EpochSecret::from_bytes(fixed(&v["epoch_secret"])));
    SyncRequest::new(
        &keys,
        group,
        Fixed(fixed(&v["epoch"])),
        Fixed(fixed(&v["key_id"])),
        num(&v["from_seq"]),
        num(&v["to_seq"]),
    )
    .unwrap()
}

fn heads_request(v: &Value) -> HeadsRequest {
    let group = GroupId(Fixed(fixed(&v["group"])));
    let keys = EpochKeys::derive(&group, &EpochSecret::from_bytes(fixed(&v["epoch_secret"])));
    let heads = v["heads"]
        .as_array()
        .expect("heads")
        .iter()
        .map(|h| Head {
            key_id: Fixed(fixed(&h["key_id"])),
            next: num(&h["next"]),
        })
        .collect();
    HeadsRequest::new(&keys, group, Fixed(fixed(&v["epoch"])), heads).unwrap()
}

/// Decodes the encoded outputs of a vector and checks they give back its inputs.
fn check_decoding(v: &Value) {
    match v["name"].as_str().unwrap() {
        "genesis_commit" | "meetup_genesis_commit" => {
            let commit = Commit::decode(&bytes(&v["commit_cbor"])).unwrap();
            let (_, member) = creator(v);
            assert_eq!(commit.group().as_bytes(), &fixed::<16>(&v["group"]));
            assert_eq!((commit.epoch(), commit.prev()), (0, &GENESIS_PREV));
            assert_eq!(commit.committer(), &member.identity_pk);
            assert_eq!(commit.time_ms(), num(&v["time_ms"]));
            let create = Op::Create {
                name: text(&v["group_name"]),
                meetup_expires: v["meetup_expires"].as_u64(),
            };
            assert_eq!(commit.ops(), &[create, Op::Add(member.clone())]);
            assert_eq!(hex::encode(commit.hash()), v["hash"].as_str().unwrap());
            let state = GroupState::genesis(&commit).unwrap();
            assert_eq!(state.members(), &[member]);
        }
        "group_message" => {
            let message = GroupMessage::decode(&bytes(&v["envelope"])).unwrap();
            assert_eq!(
                wire::from_cbor::<GroupMessage>(&bytes(&v["message_cbor"]), 1 << 16).unwrap(),
                message
            );
            assert_eq!(
                (message.epoch.0, message.seq),
                (fixed(&v["epoch"]), num(&v["iteration"]))
            );
            // Any identity may hand the key over; the message does not depend on it.
            let dist = sender_key(v).distribution(&keypair_from_seed([1; 32]), GroupId(Fixed([0; 16])));
            let mut receiver = SenderKeyState::from_distribution(&dist).unwrap();
            let received = receiver.decrypt(&message).unwrap();
            assert_eq!(received, plain(v));
            assert_eq!(
                crate::content::body::WireBody::decode(&received.body).unwrap(),
                crate::model::Body::Text {
                    text: v["text"].as_str().unwrap().to_owned()
                },
                "the body is a WireBody"
            );
        }
        "sender_key_distribution" => {
            let dist: SenderKeyDistribution = wire::from_cbor(&bytes(&v["cbor"]), 1 << 12).unwrap();
            assert_eq!(dist, distribution(v));
            assert!(SenderKeyState::from_distribution(&dist).is_ok());
        }
        "sync_request" => {
            let req: SyncRequest = wire::decode(&bytes(&v["envelope"])).unwrap();
            assert_eq!((req.from_seq, req.to_seq), (num(&v["from_seq"]), num(&v["to_seq"])));
            let group = GroupId(Fixed(fixed(&v["group"])));
            let keys = EpochKeys::derive(&group, &EpochSecret::from_bytes(fixed(&v["epoch_secret"])));
            assert_eq!(req.verify(&keys), Ok(()));
        }
        "sync_heads" => {
            let req: HeadsRequest = wire::decode(&bytes(&v["envelope"])).unwrap();
            assert_eq!(req, heads_request(v));
            let group = GroupId(Fixed(fixed(&v["group"])));
            let keys = EpochKeys::derive(&group, &EpochSecret::from_bytes(fixed(&v["epoch_secret"])));
            assert_eq!(req.verify(&keys), Ok(()));
        }
        "meetup_join_request" => {
            let request: JoinRequest = wire::decode(&bytes(&v["envelope"])).unwrap();
            assert_eq!(request, join_request(v));
            assert!(request.proves(&fixed(&v["code_auth_key"])));
            assert_eq!(request.member.phone.as_str(), "", "a joiner reveals no number");
        }
        "meetup_code" => {
            let code = MeetupCode::parse(v["display"].as_str().unwrap()).unwrap();
            assert_eq!(code.value(), num(&v["value"]));
            assert_eq!(MeetupCode::parse(v["link"].as_str().unwrap()).unwrap(), code);
            assert_eq!(code.as_bytes().as_slice(), bytes(&v["bytes"]).as_slice());
        }
        _ => {}
    }
}

#[test]
fn vectors_match_both_ways() {
    let file: Value = serde_json::from_str(FILE).unwrap();
    let vectors = file["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 10);
    for v in vectors {
        let computed = compute(v);
        for (field, expected) in computed.as_object().unwrap() {
            assert_eq!(&v[field], expected, "{} / {field}", v["name"]);
        }
        check_decoding(v);
    }
}

/// The fixed inputs of every vector.
fn inputs() -> Vec<Value> {
    let h = |b: u8, n: usize| hex::encode(vec![b; n]);
    vec![
        json!({"name": "genesis_commit", "creator_seed": h(0x11, 32), "noise_pk": h(0x22, 32), "phone": "+821012345678",
               "member_name": "Minji", "group": h(0x33, 16), "group_name": "Hiking club", "meetup_expires": null,
               "time_ms": 1_750_000_000_000u64, "epoch_secret": h(0x44, 32)}),
        json!({"name": "epoch_keys", "group": h(0x33, 16), "epoch_secret": h(0x44, 32)}),
        json!({"name": "sender_chain", "chain_key": h(0x55, 32)}),
        json!({"name": "group_message", "epoch": h(0x66, 32), "chain_key": h(0x55, 32), "iteration": 0,
               "signing_seed": h(0x77, 32), "plain_id": h(0x88, 16), "sent_ms": 1_750_000_000_123u64,
               "text": "annyeong!!"}),
        json!({"name": "sender_key_distribution", "identity_seed": h(0x11, 32), "group": h(0x33, 16), "epoch": h(0x66, 32),
               "chain_key": h(0x55, 32), "iteration": 0, "signing_seed": h(0x77, 32)}),
        json!({"name": "sync_request", "group": h(0x33, 16), "epoch_secret": h(0x44, 32), "epoch": h(0x66, 32),
               "key_id": h(0x99, 8), "from_seq": 10, "to_seq": 42}),
        json!({"name": "sync_heads", "group": h(0x33, 16), "epoch_secret": h(0x44, 32), "epoch": h(0x66, 32),
               "heads": [{"key_id": h(0x99, 8), "next": 43}, {"key_id": h(0x9a, 8), "next": 0}]}),
        json!({"name": "meetup_code", "random": "8f3a5c7e19b2d460"}),
        json!({"name": "meetup_genesis_commit", "creator_seed": h(0x11, 32), "noise_pk": h(0x22, 32), "phone": "",
               "member_name": "Minji", "group": h(0x34, 16), "group_name": "Chicken tonight",
               "meetup_expires": 1_750_007_200_000u64, "time_ms": 1_750_000_000_000u64, "epoch_secret": h(0x45, 32)}),
        json!({"name": "meetup_join_request", "joiner_seed": h(0xaa, 32), "noise_pk": h(0xbb, 32), "phone": "",
               "member_name": "Jun", "code_auth_key": h(0xcc, 32)}),
    ]
}

#[test]
#[ignore]
fn print_vectors() {
    let vectors = crate::wire::with_outputs(inputs(), compute);
    let file = json!({
        "description": "chingu group protocol vectors (protocol/group.md). Byte fields are lowercase hex. \
            genesis_commit: a genesis commit for fixed keys (ed25519 signatures are deterministic). \
            epoch_keys: topic, its gossipsub topic hash (an IdentTopic: the string itself), check and sync key \
            of a fixed epoch secret. sender_chain: the first three \
            message keys of a fixed chain key. group_message: one group.msg for a fixed sender key, \
            its body the 1:1 protocol's WireBody of `text` ({\"text\": {\"text\": …}}). \
            sender_key_distribution: a distribution signed by a fixed identity. sync_request: an \
            authenticated history-sync request. sync_heads: an authenticated heads request (keys in \
            ascending order, as the inputs list them). meetup_code: a code from 8 fixed random bytes. \
            meetup_genesis_commit: a meetup's genesis (an expiry, the creator's entry without a number). \
            meetup_join_request: a joiner's meetup.join.req (its entry without a number, the proof for a \
            fixed code_auth_key).",
        "vectors": vectors,
    });
    println!("{}", serde_json::to_string_pretty(&file).unwrap());
}
