//! Test vectors of `protocol/content.md` (`protocol/vectors/content.json`): the CBOR of
//! every body kind, bodies a receiver must treat as malformed or unsupported, and action
//! sequences with the outcome of each action and the target they leave, and a rolling
//! paper's signed note and delivery. Checked both ways;
//! `print_vectors` (ignored) regenerates the file from the fixed inputs.

use serde_json::{json, Value};

use super::annotate::{apply, ActionError, Applied};
use super::body::WireBody;
use super::paper::{delivery_id, note_signed_bytes};
use crate::model::{Body, ConvId, Direction, MessageState, MsgId, PaperNote, StoredMessage};
use crate::phone::PhoneNumber;

const FILE: &str = include_str!("../../protocol/vectors/content.json");

fn id(v: &Value) -> MsgId {
    MsgId(hex::decode(v.as_str().unwrap()).unwrap().try_into().unwrap())
}

fn s(v: &Value) -> String {
    v.as_str().unwrap().to_owned()
}

/// The body a vector's `body` field describes.
fn body(v: &Value) -> Body {
    let (kind, f) = v.as_object().unwrap().iter().next().unwrap();
    match kind.as_str() {
        "text" => Body::Text { text: s(&f["text"]) },
        "reply" => Body::Reply {
            to: id(&f["to"]),
            text: s(&f["text"]),
        },
        "forward" => Body::Forward { text: s(&f["text"]) },
        "card" => Body::Card {
            template: s(&f["template"]),
            title: s(&f["title"]),
            text: s(&f["text"]),
        },
        "react" => Body::React {
            to: id(&f["to"]),
            emoji: s(&f["emoji"]),
        },
        "edit" => Body::Edit {
            to: id(&f["to"]),
            text: s(&f["text"]),
        },
        "delete" => Body::Delete { to: id(&f["to"]) },
        "paper_start" => Body::PaperStart {
            recipient: f["to"].as_str().unwrap().parse().unwrap(),
            title: s(&f["title"]),
            deliver_at_ms: f["deliver_at"].as_u64().unwrap(),
        },
        "file" => Body::File {
            file: crate::model::FileRef {
                root: hex::decode(s(&f["root"])).unwrap().try_into().unwrap(),
                size: f["size"].as_u64().unwrap(),
                key: hex::decode(s(&f["key"])).unwrap().try_into().unwrap(),
                name: s(&f["name"]),
                mime: s(&f["mime"]),
                preview: Vec::new(),
            },
        },
        "sticker" => Body::Sticker {
            sticker: crate::model::StickerRef {
                pack_id: hex::decode(s(&f["pack_id"])).unwrap().try_into().unwrap(),
                index: f["index"].as_u64().unwrap() as u16,
                name: s(&f["name"]),
                pack: crate::model::FileRef {
                    root: hex::decode(s(&f["root"])).unwrap().try_into().unwrap(),
                    size: f["size"].as_u64().unwrap(),
                    key: hex::decode(s(&f["key"])).unwrap().try_into().unwrap(),
                    name: s(&f["pack_name"]),
                    mime: crate::content::sticker::PACK_MIME.into(),
                    preview: Vec::new(),
                },
            },
        },
        other => panic!("no body kind {other}"),
    }
}

fn message(v: &Value, id: MsgId) -> StoredMessage {
    StoredMessage {
        id,
        conv: ConvId([1; 16]),
        hlc: v["hlc"].as_u64().unwrap(),
        direction: Direction::Incoming,
        sender: v["author"].as_str().unwrap().parse().unwrap(),
        body: body(&v["body"]),
        state: MessageState::Received,
        sent_ms: 0,
        stored_ms: 0,
        annotations: Default::default(),
    }
}

fn outcome(result: Result<Applied, ActionError>) -> &'static str {
    match result {
        Ok(Applied::Changed) => "changed",
        Ok(Applied::Stale) => "stale",
        Err(ActionError::NotTheAuthor) => "not_the_author",
        Err(ActionError::OtherConversation) => "other_conversation",
        Err(ActionError::NotEditable) => "not_editable",
        Err(ActionError::Deleted) => "deleted",
        Err(ActionError::TooManyReactions) => "too_many_reactions",
        Err(ActionError::TooManyWaiting) => "too_many_waiting",
    }
}

/// What a vector's inputs produce.
fn compute(v: &Value) -> Value {
    match v["kind"].as_str().unwrap() {
        "body" => {
            let wire = WireBody::from_body(&body(&v["body"])).unwrap();
            json!({ "cbor": hex::encode(wire.encode().as_ref()) })
        }
        "voucher" => {
            use crate::content::voucher::{issue, redeem_bytes, RedeemRequest};
            let seed =
                |field: &str| crate::group::keypair_from_seed(hex::decode(s(&v[field])).unwrap().try_into().unwrap());
            let (shop, first, second) = (seed("issuer_seed"), seed("first_seed"), seed("second_seed"));
            let node = libp2p_identity::PublicKey::from(shop.public()).to_peer_id();
            let at = v["at_ms"].as_u64().unwrap();
            let serial: [u8; 16] = hex::decode(s(&v["serial"])).unwrap().try_into().unwrap();
            let gift = issue(
                &shop,
                &node,
                &s(&v["item"]),
                &s(&v["value"]),
                at,
                30 * 86_400_000,
                first.public().to_bytes(),
                serial,
            )
            .unwrap();
            let given = gift.give(&first, second.public().to_bytes(), at + 1_000).unwrap();
            let request = RedeemRequest::new(given.clone(), &second, at + 2_000);
            json!({
                "issued_cbor": hex::encode(crate::wire::to_cbor(&gift)),
                "given_cbor": hex::encode(crate::wire::to_cbor(&given)),
                "redeem_signed": hex::encode(redeem_bytes(&serial, 1, at + 2_000)),
                "redeem_envelope": hex::encode(crate::wire::encode(&request).unwrap()),
            })
        }
        "paper_note" => {
            let key = crate::group::keypair_from_seed(hex::decode(s(&v["author_seed"])).unwrap().try_into().unwrap());
            let paper: [u8; 16] = hex::decode(s(&v["paper"])).unwrap().try_into().unwrap();
            let recipient: PhoneNumber = s(&v["recipient"]).parse().unwrap();
            let author: PhoneNumber = s(&v["author"]).parse().unwrap();
            let signed = note_signed_bytes(&paper, &recipient, &author, &s(&v["text"]));
            let sig = crate::crypto::sign(&key, &signed);
            let note = PaperNote {
                author,
                name: s(&v["name"]),
                key: key.public().to_bytes(),
                text: s(&v["text"]),
                sig: sig.to_vec(),
                verified: false,
            };
            let paper_body = Body::Paper {
                paper,
                title: s(&v["title"]),
                notes: vec![note.clone()],
            };
            let note_body = Body::Note {
                text: note.text.clone(),
                sig: sig.to_vec(),
            };
            let cbor = |b: &Body| hex::encode(WireBody::from_body(b).unwrap().encode().as_ref());
            json!({
                "author_key": hex::encode(note.key),
                "signed": hex::encode(&signed),
                "sig": hex::encode(sig),
                "note_cbor": cbor(&note_body),
                "paper_cbor": cbor(&paper_body),
                "delivery_id": delivery_id(&paper).to_string(),
            })
        }
        "received" => {
            let bytes = hex::decode(v["cbor"].as_str().unwrap()).unwrap();
            let stored = match WireBody::decode(&bytes) {
                Ok(Body::Unsupported { kind }) => format!("unsupported:{kind}"),
                Ok(_) => "shown".to_owned(),
                Err(_) => "unsupported:malformed".to_owned(),
            };
            json!({ "stored_as": stored })
        }
        "actions" => {
            let mut target = message(&v["target"], id(&v["target"]["id"]));
            let outcomes: Vec<&str> = v["actions"]
                .as_array()
                .unwrap()
                .iter()
                .enumerate()
                .map(|(i, a)| outcome(apply(&mut target, &message(a, MsgId([i as u8 + 1; 16])))))
                .collect();
            let mut reactions: Vec<Value> = target
                .annotations
                .reactions
                .iter()
                .map(|r| json!({ "by": r.by.to_string(), "emoji": r.emoji, "hlc": r.at.hlc }))
                .collect();
            reactions.sort_by_key(|r| r["by"].as_str().unwrap().to_owned());
            json!({
                "outcomes": outcomes,
                "final": {
                    "text": target.body.text().unwrap_or(""),
                    "deleted": target.body == Body::Deleted,
                    "edit_hlc": target.annotations.edit.map(|e| e.hlc),
                    "reactions": reactions,
                },
            })
        }
        other => panic!("no vector kind {other}"),
    }
}

#[test]
fn vectors_match_both_ways() {
    let file: Value = serde_json::from_str(FILE).unwrap();
    let vectors = file["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), inputs().len());
    for v in vectors {
        for (field, expected) in compute(v).as_object().unwrap() {
            assert_eq!(&v[field], expected, "{} / {field}", v["name"]);
        }
        if v["kind"] == "body" {
            let bytes = hex::decode(v["cbor"].as_str().unwrap()).unwrap();
            assert_eq!(WireBody::decode(&bytes).unwrap(), body(&v["body"]), "{}", v["name"]);
        }
    }
}

/// The fixed inputs of every vector.
fn inputs() -> Vec<Value> {
    let t = hex::encode([0x11; 16]);
    let minji = "+821012345678";
    let yuki = "+819012345678";
    let target = json!({"id": t, "author": minji, "hlc": 100, "body": {"text": {"text": "helo"}}});
    let act = |author: &str, hlc: u64, body: Value| json!({"author": author, "hlc": hlc, "body": body});
    vec![
        json!({"name": "text", "kind": "body", "body": {"text": {"text": "안녕"}}}),
        json!({"name": "reply", "kind": "body", "body": {"reply": {"to": t, "text": "응!"}}}),
        json!({"name": "forward", "kind": "body", "body": {"forward": {"text": "fwd"}}}),
        json!({"name": "card", "kind": "body",
               "body": {"card": {"template": "birthday", "title": "생일 축하해", "text": "🎂"}}}),
        json!({"name": "react", "kind": "body", "body": {"react": {"to": t, "emoji": "👍"}}}),
        json!({"name": "react_withdrawn", "kind": "body", "body": {"react": {"to": t, "emoji": ""}}}),
        json!({"name": "edit", "kind": "body", "body": {"edit": {"to": t, "text": "hello"}}}),
        json!({"name": "delete", "kind": "body", "body": {"delete": {"to": t}}}),
        json!({"name": "paper_start", "kind": "body",
               "body": {"paper_start": {"to": minji, "title": "생일 축하해!", "deliver_at": 1_767_225_600_000u64}}}),
        json!({"name": "file", "kind": "body",
               "body": {"file": {"root": hex::encode([0xab; 32]), "size": 100_000, "key": hex::encode([0x42; 32]),
                                 "name": "서울.jpg", "mime": "image/jpeg"}}}),
        json!({"name": "sticker", "kind": "body",
               "body": {"sticker": {"pack_id": hex::encode([0xcd; 32]), "index": 2, "name": "하하", "pack_name": "기분",
                                    "root": hex::encode([0xab; 32]), "size": 30_000, "key": hex::encode([0x42; 32])}}}),
        json!({"name": "voucher_issued_given_redeemed", "kind": "voucher", "issuer_seed": hex::encode([0x44; 32]),
               "first_seed": hex::encode([0x55; 32]), "second_seed": hex::encode([0x66; 32]), "serial": hex::encode([0x77; 16]),
               "item": "아메리카노", "value": "₩4,500", "at_ms": 1_767_225_600_000u64}),
        json!({"name": "paper_note", "kind": "paper_note", "author_seed": hex::encode([0x22; 32]), "paper": hex::encode([0x33; 16]),
               "recipient": minji, "author": yuki, "name": "Yuki", "text": "おめでとう 🎂", "title": "생일 축하해!"}),
        // {"sticker": {"pack": "x"}}: a kind this version does not know.
        json!({"name": "unknown_kind", "kind": "received", "cbor": "a167737469636b6572a1647061636b6178"}),
        // {"react": {"to": h'010203'}}: a known kind with a bad field.
        json!({"name": "known_kind_bad_field", "kind": "received", "cbor": "a1657265616374a162746f43010203"}),
        // {"react": {"to": 16 × 0x11, "emoji": "lol"}}: a reaction that is not one emoji.
        json!({"name": "reaction_not_an_emoji", "kind": "received",
               "cbor": format!("a1657265616374a262746f50{t}65656d6f6a69636c6f6c")}),
        json!({"name": "edits_in_any_order", "kind": "actions", "target": target, "actions": [
            act(minji, 300, json!({"edit": {"to": t, "text": "hello!"}})),
            act(minji, 200, json!({"edit": {"to": t, "text": "hello"}})),
            act(yuki, 400, json!({"edit": {"to": t, "text": "hacked"}})),
        ]}),
        json!({"name": "reactions", "kind": "actions", "target": target, "actions": [
            act(yuki, 200, json!({"react": {"to": t, "emoji": "👍"}})),
            act(minji, 210, json!({"react": {"to": t, "emoji": "😂"}})),
            act(yuki, 300, json!({"react": {"to": t, "emoji": "❤️"}})),
            act(yuki, 250, json!({"react": {"to": t, "emoji": "😮"}})),
            act(minji, 400, json!({"react": {"to": t, "emoji": ""}})),
        ]}),
        json!({"name": "delete_is_final", "kind": "actions", "target": target, "actions": [
            act(yuki, 200, json!({"react": {"to": t, "emoji": "👍"}})),
            act(yuki, 250, json!({"delete": {"to": t}})),
            act(minji, 300, json!({"delete": {"to": t}})),
            act(minji, 400, json!({"edit": {"to": t, "text": "back"}})),
            act(yuki, 500, json!({"react": {"to": t, "emoji": "👍"}})),
            act(minji, 600, json!({"delete": {"to": t}})),
        ]}),
    ]
}

#[test]
#[ignore]
fn print_vectors() {
    let vectors = crate::wire::with_outputs(inputs(), compute);
    let file = json!({
        "description": "chingu message content vectors (protocol/content.md). Byte fields are lowercase hex; \
            ids are 16 bytes. body: a body kind and the CBOR of its WireBody. received: CBOR a receiver \
            gets and what it stores (shown, or unsupported with a kind name; `malformed` for a known kind \
            with a bad field). actions: a target message and actions applied in the order listed, each \
            with its author and clock (the i-th action, from 0, has the id of 16 bytes of i+1); `outcomes` \
            is what each action did (changed, stale, or the reason it was refused) and `final` the target \
            left (text, deleted, the clock of the edit shown, reactions sorted by author — a withdrawn \
            one kept with emoji \"\"). voucher: a voucher issued under `issuer_seed`'s key to `first_seed`'s, \
            valid 30 days from `at_ms`, given on to `second_seed`'s 1 s later, and the second holder's redemption \
            2 s later (its signed bytes and its envelope); Ed25519 keys from 32-byte seeds.",
        "vectors": vectors,
    });
    println!("{}", serde_json::to_string_pretty(&file).unwrap());
}
