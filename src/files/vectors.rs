//! Test vectors of `protocol/files.md` (`protocol/vectors/files.json`): sealing (the
//! ciphertext, its root and its outboard) for sizes around the 1 KiB chunk and the 16 KiB
//! group, the encoding a holder sends for given ranges, and the CBOR of the protocol's
//! request and answers. Checked both ways; `print_vectors` (ignored) regenerates the
//! file from the fixed inputs.

use bao_tree::{ChunkNum, ChunkRanges};
use serde_json::{json, Value};

use super::blob::BlobDir;
use super::wire::{FileAnswer, FileRequest};
use super::Root;
use crate::wire::{to_cbor, Bytes, Fixed, List, Text};

const FILE: &str = include_str!("../../protocol/vectors/files.json");

/// The plaintext of `len` bytes every vector uses: byte i is i·7 mod 251.
fn plaintext(len: u64) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 251) as u8).collect()
}

fn u(v: &Value) -> u64 {
    v.as_u64().unwrap()
}

fn ranges_of(v: &Value) -> ChunkRanges {
    let mut ranges = ChunkRanges::empty();
    for pair in v.as_array().unwrap() {
        ranges |= ChunkRanges::from(ChunkNum(u(&pair[0]))..ChunkNum(u(&pair[1])));
    }
    ranges
}

/// Seals the vector's plaintext in a fresh directory.
fn sealed(v: &Value) -> (tempfile::TempDir, BlobDir, super::blob::Sealed) {
    let dir = tempfile::tempdir().unwrap();
    let blobs = BlobDir::open(dir.path().join("files")).unwrap();
    let plain = plaintext(u(&v["size"]));
    let key: [u8; 32] = hex::decode(v["key"].as_str().unwrap()).unwrap().try_into().unwrap();
    let sealed = blobs.seal_with_key(&plain[..], plain.len() as u64, key).unwrap();
    (dir, blobs, sealed)
}

fn compute(v: &Value) -> Value {
    match v["kind"].as_str().unwrap() {
        "seal" => {
            let (dir, _blobs, sealed) = sealed(v);
            let data = std::fs::read(dir.path().join("files").join(format!("{}.data", sealed.root))).unwrap();
            let outboard = std::fs::read(dir.path().join("files").join(format!("{}.obao", sealed.root))).unwrap();
            json!({
                "ciphertext_head": hex::encode(&data[..data.len().min(32)]),
                "root": sealed.root.to_hex(),
                "outboard_bytes": outboard.len(),
                "outboard_blake3": blake3::hash(&outboard).to_hex().to_string(),
            })
        }
        "encode" => {
            let (_dir, blobs, sealed) = sealed(v);
            let mut encoded = Vec::new();
            blobs
                .encode(&sealed.root, sealed.size, &ranges_of(&v["ranges"]), &mut encoded)
                .unwrap();
            json!({
                "encoded_bytes": encoded.len(),
                "encoded_head": hex::encode(&encoded[..encoded.len().min(96)]),
                "encoded_blake3": blake3::hash(&encoded).to_hex().to_string(),
            })
        }
        "request" => {
            let root = Root(hex::decode(v["root"].as_str().unwrap()).unwrap().try_into().unwrap());
            let request = FileRequest::new(root, u(&v["size"]), &ranges_of(&v["ranges"]), v["insist"] == true);
            json!({"cbor": hex::encode(to_cbor(&request))})
        }
        "answers" => {
            let holder = Bytes::new(hex::decode(v["holder"].as_str().unwrap()).unwrap()).unwrap();
            json!({
                "sending": hex::encode(to_cbor(&FileAnswer::Sending)),
                "busy": hex::encode(to_cbor(&FileAnswer::Busy { holders: List::truncating(vec![holder]) })),
                "refused": hex::encode(to_cbor(&FileAnswer::Refused {
                    reason: Text::new("unknown_file").unwrap(),
                })),
            })
        }
        other => panic!("no vector kind {other}"),
    }
}

/// The fixed inputs of every vector.
fn inputs() -> Vec<Value> {
    let key = hex::encode([0x42; 32]);
    let seal = |size: u64| json!({"name": format!("seal_{size}"), "kind": "seal", "key": key, "size": size});
    let peer = libp2p_identity::Keypair::ed25519_from_bytes([7u8; 32])
        .unwrap()
        .public()
        .to_peer_id();
    vec![
        seal(1),
        seal(1024),
        seal(16_384),
        seal(16_385),
        seal(100_000),
        json!({"name": "encode_first_group", "kind": "encode", "key": key, "size": 100_000, "ranges": [[0, 16]]}),
        json!({"name": "encode_tail", "kind": "encode", "key": key, "size": 100_000, "ranges": [[48, 98]]}),
        json!({"name": "encode_two_ranges", "kind": "encode", "key": key, "size": 100_000, "ranges": [[16, 32], [64, 80]]}),
        json!({"name": "request", "kind": "request", "root": hex::encode([0xab; 32]), "size": 100_000,
               "ranges": [[16, 32], [64, 98]], "insist": false}),
        json!({"name": "request_insisting", "kind": "request", "root": hex::encode([0xab; 32]), "size": 1,
               "ranges": [[0, 1]], "insist": true}),
        json!({"name": "answers", "kind": "answers", "holder": hex::encode(peer.to_bytes())}),
    ]
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
        if v["kind"] == "request" {
            let bytes = hex::decode(v["cbor"].as_str().unwrap()).unwrap();
            let request: FileRequest = crate::wire::from_cbor(&bytes, super::wire::MAX_REQUEST).unwrap();
            assert_eq!(
                request.root,
                Fixed(hex::decode(v["root"].as_str().unwrap()).unwrap().try_into().unwrap())
            );
            assert!(request.chunk_ranges().is_ok());
        }
    }
}

#[test]
#[ignore]
fn print_vectors() {
    let vectors = crate::wire::with_outputs(inputs(), compute);
    let file = json!({
        "description": "chingu file vectors (protocol/files.md). Byte fields are lowercase hex. The plaintext of \
            `size` bytes has byte i = i*7 mod 251. seal: the file sealed under `key` (ChaCha20, zero nonce): the \
            first 32 ciphertext bytes, the root (BLAKE3 of the ciphertext), and the pre-order outboard with 16 KiB \
            groups (its length and BLAKE3). encode: what a holder sends for `ranges` ([start, end) in 1 KiB \
            chunks): its length, first 96 bytes and BLAKE3. request: the CBOR of a FileRequest. answers: the CBOR \
            of each FileAnswer (`busy` naming `holder`, a peer id).",
        "vectors": vectors,
    });
    println!("{}", serde_json::to_string_pretty(&file).unwrap());
}
