//! Test vectors of SPEC.md §8.4 (`protocol/vectors/backup.json`): the archive key from a
//! passphrase (argon2id, small parameters) and from a recovery code, and a whole archive
//! of four records — its plaintext record stream and its sealed bytes — under each.
//! Checked both ways; `print_vectors` (ignored) regenerates the file from the fixed inputs.

use serde_json::{json, Value};
use zeroize::Zeroizing;

use super::*;

const FILE: &str = include_str!("../../protocol/vectors/backup.json");

fn header_of(v: &Value) -> Header {
    let bytes: [u8; HEADER_LEN] = hex::decode(v["header"].as_str().unwrap()).unwrap().try_into().unwrap();
    Header::decode(&bytes).unwrap()
}

fn secret_of(v: &Value) -> BackupSecret {
    match (v["passphrase"].as_str(), v["recovery_code"].as_str()) {
        (Some(p), None) => BackupSecret::Passphrase(Zeroizing::new(p.into())),
        (None, Some(words)) => BackupSecret::RecoveryCode(RecoveryCode::parse(words).unwrap()),
        _ => panic!("a vector names one secret"),
    }
}

/// The records every archive vector holds.
fn records() -> Vec<Record> {
    vec![
        Record::Manifest(Manifest {
            schema: 3,
            created_ms: 1_764_892_800_000,
            peer_id: "12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo".into(),
            phone: Some("+821012345678".into()),
            name: "민지".into(),
            chingu: "0.1.0".into(),
        }),
        Record::File {
            path: "config.toml".into(),
            bytes: b"region = \"KR\"\n".to_vec(),
        },
        Record::Entry {
            tree: 2,
            key: b"+821087654321".to_vec(),
            value: vec![0xa1, 0x64, b'n', b'a', b'm', b'e', 0x62, b'Y', b'k'],
        },
        Record::End { entries: 1, files: 1 },
    ]
}

fn compute(v: &Value) -> Value {
    let header = header_of(v);
    let secret = secret_of(v);
    let key = header.key(&secret).unwrap();
    let mut plaintext = Vec::new();
    for record in records() {
        let bytes = crate::wire::to_cbor(&record);
        plaintext.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
        plaintext.extend_from_slice(&bytes);
    }
    let mut writer = ArchiveWriter::with_header(Vec::new(), &secret, header).unwrap();
    for record in records() {
        writer.push(&record).unwrap();
    }
    let (archive, _) = writer.finish().unwrap();
    json!({
        "key": hex::encode(key.as_ref()),
        "plaintext": hex::encode(plaintext),
        "archive": hex::encode(archive),
    })
}

fn inputs() -> Vec<Value> {
    let mut passphrase = Header {
        kind: SecretKind::Passphrase,
        salt: *b"chingu-vector-01",
        argon2: (8, 1, 1),
        nonce: [7; 7],
    };
    let code = Header {
        kind: SecretKind::RecoveryCode,
        salt: *b"chingu-vector-02",
        argon2: (0, 0, 0),
        nonce: [9; 7],
    };
    let words = RecoveryCode(Zeroizing::new([0x42; 32])).words();
    let mut out = vec![
        json!({"name": "passphrase, argon2id m=8 KiB t=1 p=1", "header": hex::encode(passphrase.encode()), "passphrase": "장미꽃 한 송이 at dawn"}),
        json!({"name": "recovery code", "header": hex::encode(code.encode()), "recovery_code": words}),
    ];
    passphrase.argon2 = (65_536, 3, 1);
    out.push(json!({"name": "passphrase, the parameters chingu writes", "header": hex::encode(passphrase.encode()), "passphrase": "correct horse battery staple"}));
    out
}

#[test]
fn vectors_match_both_ways() {
    let file: Value = serde_json::from_str(FILE).unwrap();
    let vectors = file["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), inputs().len());
    for (v, input) in vectors.iter().zip(inputs()) {
        for field in ["name", "header", "passphrase", "recovery_code"] {
            assert_eq!(v.get(field), input.get(field), "{field}");
        }
        let expected = compute(v);
        for field in ["key", "plaintext", "archive"] {
            assert_eq!(v[field], expected[field], "{}: {field}", v["name"]);
        }
        // And read back: the archive opens to the records.
        let archive = hex::decode(v["archive"].as_str().unwrap()).unwrap();
        let mut input = &archive[..];
        let header = read_header(&mut input).unwrap();
        let mut reader = ArchiveReader::new(input, &header, &secret_of(v)).unwrap();
        let mut read = Vec::new();
        while let Some(record) = reader.next_record().unwrap() {
            read.push(record);
        }
        assert_eq!(read, records());
    }
}

#[test]
#[ignore = "prints protocol/vectors/backup.json"]
fn print_vectors() {
    let vectors: Vec<Value> = inputs()
        .into_iter()
        .map(|mut v| {
            let computed = compute(&v);
            for field in ["key", "plaintext", "archive"] {
                v[field] = computed[field].clone();
            }
            v
        })
        .collect();
    let file = json!({
        "description": "SPEC.md §8.4: backup archive keys and whole archives. Records: manifest, file config.toml, one contacts entry, end (see src/backup/vectors.rs); plaintext is the length-prefixed CBOR record stream before sealing.",
        "vectors": vectors,
    });
    println!("{}", serde_json::to_string_pretty(&file).unwrap());
}
