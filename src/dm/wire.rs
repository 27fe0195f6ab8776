//! Wire types of the one-to-one protocol `/chingu/dm/1` (SPEC.md §6.3,
//! `protocol/dm.md`): requests and responses on the stream, and the plaintext carried
//! inside every encrypted frame or sealed box.

use serde::{Deserialize, Serialize};

use crate::content::body::{WireBody, MAX_BODY};
use crate::model::MsgId;
use crate::session::handshake::{MAX_MSG1, MAX_MSG2};
use crate::session::Frame;
use crate::wire::{from_cbor, to_cbor, Bytes, Fixed, List, Text, WireError, WireMessage, MAX_BODY_BYTES};

/// Most frames in one request (and acknowledgements in one response).
pub const MAX_FRAMES_PER_REQUEST: usize = 64;
/// Most message ids in one receipt.
pub const MAX_RECEIPT_IDS: usize = 256;
/// Largest `group` payload data: a `DmPayload::Group` at this size (16 bytes of CBOR
/// around it, 32 allowed) still fits a sealed box's body, the smaller of the two
/// containers a payload travels in (a frame holds 64,512 bytes).
pub const MAX_GROUP_DATA: usize = crate::session::seal::MAX_SEALED_BODY - 32;
/// Longest reason text in a refusal.
pub const MAX_REASON: usize = 32;
/// Longest display name in a profile, in bytes of UTF-8.
pub const MAX_PROFILE_NAME: usize = 64;
/// Longest status message in a profile, in bytes of UTF-8.
pub const MAX_STATUS: usize = 256;

/// `dm.req`: what a sender sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DmRequest {
    /// Noise IK message 1: opens a session.
    Hello {
        /// The handshake message.
        msg1: Bytes<MAX_MSG1>,
    },
    /// Encrypted frames on an established session.
    Frames {
        /// The frames, each carrying one [`DmPayload`].
        frames: List<Frame, MAX_FRAMES_PER_REQUEST>,
    },
}

impl WireMessage for DmRequest {
    const KIND: &'static str = "dm.req";
}

/// What became of one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Decrypted and durably stored (or already stored: a duplicate is acknowledged
    /// again, so a sender whose acknowledgement was lost stops retrying).
    Stored,
    /// Received from someone who is not a contact: held as a request, not acknowledged.
    Held,
    /// Rejected (replayed, undecryptable, malformed); retrying the same frame is useless.
    Rejected,
}

/// The fate of one frame, by its nonce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack {
    /// The frame's nonce.
    pub n: u64,
    /// What happened to it.
    pub outcome: Outcome,
}

/// `dm.resp`: the receiver's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DmResponse {
    /// Noise IK message 2: the session is open.
    Welcome {
        /// The handshake message.
        msg2: Bytes<MAX_MSG2>,
    },
    /// One outcome per frame of a [`DmRequest::Frames`], in order.
    Acks {
        /// The outcomes.
        acks: List<Ack, MAX_FRAMES_PER_REQUEST>,
    },
    /// The request was refused as a whole. Reasons: `handshake_failed` (deliberately the
    /// same for every handshake failure), `unknown_session` (open a new one), `busy`.
    Refused {
        /// The stable reason name.
        reason: Text<MAX_REASON>,
    },
}

impl WireMessage for DmResponse {
    const KIND: &'static str = "dm.resp";
}

/// The state a receipt reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptState {
    /// Stored by the recipient's node (used for messages that came through a mailbox).
    Delivered,
    /// Read by the recipient.
    Read,
}

/// The plaintext inside a frame or a sealed box.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DmPayload {
    /// A message.
    Message {
        /// Unique id (UUIDv7).
        id: Fixed<16>,
        /// The sender's hybrid logical clock for the conversation.
        hlc: u64,
        /// The sender's wall clock (ms).
        sent_ms: u64,
        /// The body: CBOR of a [`WireBody`], kept as bytes so a body kind this version
        /// does not know is reported, not fatal.
        body: Bytes<MAX_BODY>,
    },
    /// Delivery or read receipts.
    Receipt {
        /// The messages concerned.
        ids: List<Fixed<16>, MAX_RECEIPT_IDS>,
        /// Delivered or read.
        state: ReceiptState,
    },
    /// A typing indicator.
    Typing {
        /// Typing now or stopped.
        active: bool,
    },
    /// Group-control traffic (membership commits, epoch secrets, sender keys), opaque
    /// here: CBOR of a group-control message (SPEC.md §7).
    Group {
        /// The group-control message.
        data: Bytes<MAX_GROUP_DATA>,
    },
    /// "I found your record and added you": sent once a lookup pins the recipient. The
    /// recipient checks the claim with a lookup of its own (`protocol/dm.md` §5.4) instead
    /// of waiting for its next scheduled one.
    Hello {
        /// The sender's profile.
        profile: WireProfile,
    },
    /// The sender's profile changed (or a new session began).
    Profile {
        /// The sender's profile.
        profile: WireProfile,
    },
    /// Through a mailbox only: part `index` of `count` of a small file's verified
    /// encoding (`protocol/files.md` §6), so an offline friend gets the file with its
    /// message.
    FilePart {
        /// The file's root.
        root: Fixed<32>,
        /// Its size in bytes (at most `files::parts::MAX_MAILBOX_FILE`).
        size: u64,
        /// Which part, from 0.
        index: u64,
        /// How many parts.
        count: u64,
        /// The part.
        data: Bytes<{ crate::files::parts::PART_BYTES }>,
    },
}

/// A display name and a status message, shared only with friends, inside the E2E
/// channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireProfile {
    /// The display name the sender chose.
    pub name: Text<MAX_PROFILE_NAME>,
    /// A short status message ("" for none).
    pub status: Text<MAX_STATUS>,
    /// When the sender last changed it (ms): a receiver keeps the newest.
    pub updated_ms: u64,
}

impl DmPayload {
    /// A message payload.
    pub fn message(id: MsgId, hlc: u64, sent_ms: u64, body: &WireBody) -> Self {
        DmPayload::Message {
            id: Fixed(id.0),
            hlc,
            sent_ms,
            body: body.encode(),
        }
    }

    /// Encodes the payload as a frame or seal plaintext.
    pub fn to_bytes(&self) -> Vec<u8> {
        to_cbor(self)
    }

    /// Decodes a decrypted plaintext.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, WireError> {
        from_cbor(bytes, MAX_BODY_BYTES)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_request_fits_the_envelope() {
        let payload = DmPayload::message(
            MsgId([7; 16]),
            u64::MAX,
            u64::MAX,
            &WireBody::Text {
                text: Text::new("x".repeat(crate::content::body::MAX_TEXT_BYTES)).unwrap(),
            },
        );
        assert!(payload.to_bytes().len() < crate::session::transport::MAX_PLAINTEXT);
    }

    #[test]
    fn a_full_group_payload_fits_a_frame_and_a_sealed_box() {
        let payload = DmPayload::Group {
            data: Bytes::new(vec![0xff; MAX_GROUP_DATA]).unwrap(),
        };
        let len = payload.to_bytes().len();
        assert!(len <= crate::session::seal::MAX_SEALED_BODY, "{len}");
        assert!(len <= crate::session::transport::MAX_PLAINTEXT, "{len}");
        assert_eq!(MAX_GROUP_DATA, 64_176);
    }
}

/// Test vectors (`protocol/vectors/dm.json`, described in `protocol/dm.md` §9): every
/// vector is rebuilt from its input fields, encoded and compared byte for byte, and its
/// bytes are decoded back and compared with the value. `generate_dm_vectors` (ignored)
/// rewrites the file from the fixed inputs below.
#[cfg(test)]
mod vectors {
    use serde_json::{json, Value};

    use super::*;
    use crate::wire::{decode, encode, WireError};

    const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/protocol/vectors/dm.json");
    const SESSION_VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/protocol/vectors/session.json");

    fn hex_of(v: &Value) -> Vec<u8> {
        hex::decode(v.as_str().expect("hex string")).expect("valid hex")
    }

    fn fixed<const N: usize>(v: &Value) -> Fixed<N> {
        Fixed(hex_of(v).try_into().expect("right length"))
    }

    fn num(v: &Value) -> u64 {
        v.as_u64().expect("unsigned integer")
    }

    fn text<const N: usize>(v: &Value) -> Text<N> {
        Text::new(v.as_str().expect("text")).expect("within its limit")
    }

    fn frame(v: &Value) -> Frame {
        Frame {
            sid: fixed(&v["sid"]),
            n: num(&v["n"]),
            ct: Bytes::new(hex_of(&v["ct"])).expect("within its limit"),
        }
    }

    fn outcome(v: &Value) -> Outcome {
        serde_json::from_value(v.clone()).expect("stored, held or rejected")
    }

    fn request(v: &Value) -> DmRequest {
        match v["variant"].as_str().expect("variant") {
            "hello" => DmRequest::Hello {
                msg1: Bytes::new(hex_of(&v["msg1"])).expect("within its limit"),
            },
            "frames" => DmRequest::Frames {
                frames: List::new(v["frames"].as_array().expect("frames").iter().map(frame).collect())
                    .expect("within its limit"),
            },
            other => panic!("no request variant {other}"),
        }
    }

    fn response(v: &Value) -> DmResponse {
        match v["variant"].as_str().expect("variant") {
            "welcome" => DmResponse::Welcome {
                msg2: Bytes::new(hex_of(&v["msg2"])).expect("within its limit"),
            },
            "acks" => DmResponse::Acks {
                acks: List::new(
                    v["acks"]
                        .as_array()
                        .expect("acks")
                        .iter()
                        .map(|a| Ack {
                            n: num(&a["n"]),
                            outcome: outcome(&a["outcome"]),
                        })
                        .collect(),
                )
                .expect("within its limit"),
            },
            "refused" => DmResponse::Refused {
                reason: text(&v["reason"]),
            },
            other => panic!("no response variant {other}"),
        }
    }

    fn payload(v: &Value) -> DmPayload {
        match v["variant"].as_str().expect("variant") {
            "message" => DmPayload::message(
                MsgId(*fixed::<16>(&v["id"]).as_bytes()),
                num(&v["hlc"]),
                num(&v["sent_ms"]),
                &WireBody::Text { text: text(&v["text"]) },
            ),
            "receipt" => DmPayload::Receipt {
                ids: List::new(v["ids"].as_array().expect("ids").iter().map(fixed).collect())
                    .expect("within its limit"),
                state: serde_json::from_value(v["state"].clone()).expect("delivered or read"),
            },
            "typing" => DmPayload::Typing {
                active: v["active"].as_bool().expect("bool"),
            },
            "hello" => DmPayload::Hello {
                profile: profile(&v["profile"]),
            },
            "profile" => DmPayload::Profile {
                profile: profile(&v["profile"]),
            },
            "file_part" => DmPayload::FilePart {
                root: fixed::<32>(&v["root"]),
                size: num(&v["size"]),
                index: num(&v["index"]),
                count: num(&v["count"]),
                data: Bytes::new(hex::decode(v["data"].as_str().expect("hex")).expect("hex")).expect("small"),
            },
            other => panic!("no payload variant {other}"),
        }
    }

    fn profile(v: &Value) -> WireProfile {
        WireProfile {
            name: text(&v["name"]),
            status: text(&v["status"]),
            updated_ms: num(&v["updated_ms"]),
        }
    }

    /// `u32be(len) || envelope`: the bytes on the stream.
    fn stream(envelope: &[u8]) -> Vec<u8> {
        let mut out = (envelope.len() as u32).to_be_bytes().to_vec();
        out.extend_from_slice(envelope);
        out
    }

    /// The outputs of one vector, computed from its inputs.
    fn compute(v: &Value) -> Value {
        let (body, envelope) = match v["type"].as_str().expect("type") {
            "DmRequest" => {
                let value = request(v);
                (to_cbor(&value), encode(&value).expect("fits"))
            }
            "DmResponse" => {
                let value = response(v);
                (to_cbor(&value), encode(&value).expect("fits"))
            }
            "DmPayload" => {
                let value = payload(v);
                let mut out = json!({ "cbor": hex::encode(value.to_bytes()) });
                if let DmPayload::Message { body, .. } = &value {
                    out["body_cbor"] = json!(hex::encode(body.as_ref()));
                }
                return out;
            }
            other => panic!("no type {other}"),
        };
        json!({
            "body": hex::encode(&body),
            "envelope": hex::encode(&envelope),
            "stream": hex::encode(stream(&envelope)),
        })
    }

    /// Decodes the vector's bytes and compares them with the value built from its inputs.
    fn check_decoding(v: &Value) {
        let name = v["name"].as_str().unwrap_or_default();
        match v["type"].as_str().expect("type") {
            "DmRequest" => {
                let expected = request(v);
                assert_eq!(
                    decode::<DmRequest>(&hex_of(&v["envelope"])).unwrap(),
                    expected,
                    "{name}"
                );
                assert_eq!(
                    from_cbor::<DmRequest>(&hex_of(&v["body"]), MAX_BODY_BYTES).unwrap(),
                    expected,
                    "{name}"
                );
            }
            "DmResponse" => {
                let expected = response(v);
                assert_eq!(
                    decode::<DmResponse>(&hex_of(&v["envelope"])).unwrap(),
                    expected,
                    "{name}"
                );
                assert_eq!(
                    from_cbor::<DmResponse>(&hex_of(&v["body"]), MAX_BODY_BYTES).unwrap(),
                    expected,
                    "{name}"
                );
            }
            "DmPayload" => {
                let expected = payload(v);
                assert_eq!(DmPayload::from_bytes(&hex_of(&v["cbor"])).unwrap(), expected, "{name}");
                if v["variant"] == "message" {
                    assert_eq!(
                        WireBody::decode(&hex_of(&v["body_cbor"])).unwrap(),
                        crate::model::Body::Text {
                            text: v["text"].as_str().unwrap().to_owned()
                        },
                        "{name}"
                    );
                }
            }
            other => panic!("no type {other}"),
        }
    }

    /// Decodes an invalid vector; returns the error's reason.
    fn invalid_reason(v: &Value) -> &'static str {
        let bytes = hex_of(&v["envelope"]);
        let error: WireError = match v["type"].as_str().expect("type") {
            "DmRequest" => decode::<DmRequest>(&bytes).unwrap_err(),
            "DmResponse" => decode::<DmResponse>(&bytes).unwrap_err(),
            other => panic!("no type {other}"),
        };
        error.reason()
    }

    fn file() -> Value {
        let text = std::fs::read_to_string(PATH).expect("protocol/vectors/dm.json exists");
        serde_json::from_str(&text).expect("valid JSON")
    }

    #[test]
    fn dm_vectors_encode_and_decode() {
        let file = file();
        let vectors = file["vectors"].as_array().expect("vectors");
        assert!(vectors.len() >= 10);
        for v in vectors {
            let name = v["name"].as_str().expect("name");
            let computed = compute(v);
            for (field, value) in computed.as_object().unwrap() {
                assert_eq!(&v[field], value, "{name}: {field}");
            }
            check_decoding(v);
        }
        for v in file["invalid"].as_array().expect("invalid") {
            assert_eq!(invalid_reason(v), v["error"].as_str().unwrap(), "{}", v["name"]);
        }
    }

    /// Fixed inputs of the vectors; handshake messages and the frame come from
    /// `protocol/vectors/session.json`, so the two files describe one exchange.
    fn inputs() -> (Vec<Value>, Vec<Value>) {
        let session: Value =
            serde_json::from_str(&std::fs::read_to_string(SESSION_VECTORS).expect("session.json")).expect("JSON");
        let named = |name: &str| {
            session["vectors"]
                .as_array()
                .unwrap()
                .iter()
                .find(|v| v["name"] == name)
                .unwrap_or_else(|| panic!("session vector {name}"))
                .clone()
        };
        let ik = named("ik handshake");
        let transport = named("transport frame");
        let id1 = "019b76daa87b7c3e8f1a2b3c4d5e6f70";
        let id2 = "019b76daa87c7d4f9a0b1c2d3e4f5061";
        let sent_ms: u64 = 1_767_225_600_123;
        let valid = vec![
            json!({"name": "dm.req hello", "type": "DmRequest", "variant": "hello", "msg1": ik["msg1"]}),
            json!({"name": "dm.req frames (one frame)", "type": "DmRequest", "variant": "frames",
                   "frames": [{"sid": transport["session_id"], "n": transport["nonce"], "ct": transport["ciphertext"]}]}),
            json!({"name": "dm.resp welcome", "type": "DmResponse", "variant": "welcome", "msg2": ik["msg2"]}),
            json!({"name": "dm.resp acks (two)", "type": "DmResponse", "variant": "acks",
                   "acks": [{"n": 42, "outcome": "stored"}, {"n": 43, "outcome": "held"}]}),
            json!({"name": "dm.resp refused", "type": "DmResponse", "variant": "refused", "reason": "unknown_session"}),
            json!({"name": "payload message (text)", "type": "DmPayload", "variant": "message", "id": id1,
                   "hlc": sent_ms << 16, "sent_ms": sent_ms, "text": "안녕, chingu!"}),
            json!({"name": "payload receipt (read)", "type": "DmPayload", "variant": "receipt",
                   "ids": [id1, id2], "state": "read"}),
            json!({"name": "payload typing", "type": "DmPayload", "variant": "typing", "active": true}),
            json!({"name": "payload hello", "type": "DmPayload", "variant": "hello",
                   "profile": {"name": "민지", "status": "", "updated_ms": sent_ms}}),
            json!({"name": "payload profile", "type": "DmPayload", "variant": "profile",
                   "profile": {"name": "Yuki", "status": "今日は休み 🌸", "updated_ms": sent_ms + 1}}),
            json!({"name": "payload file_part", "type": "DmPayload", "variant": "file_part",
                   "root": hex::encode([0xab; 32]), "size": 5, "index": 0, "count": 1, "data": "0102030405"}),
        ];
        let invalid = vec![
            json!({"name": "hello with a 305-byte msg1", "type": "DmRequest",
                   "envelope": hex::encode(crate::wire::encode_raw(DmRequest::KIND, &{
                       let mut b = vec![0xa1, 0x65];
                       b.extend_from_slice(b"hello");
                       b.extend_from_slice(&[0xa1, 0x64]);
                       b.extend_from_slice(b"msg1");
                       b.extend_from_slice(&[0x59, 0x01, 0x31]);
                       b.extend_from_slice(&[0u8; 305]);
                       b
                   }).unwrap()),
                   "error": "limit_exceeded"}),
            json!({"name": "unknown request variant", "type": "DmRequest",
                   "envelope": hex::encode(crate::wire::encode_raw(DmRequest::KIND, b"\xa1\x64ping\xa0").unwrap()),
                   "error": "malformed"}),
            json!({"name": "a dm.resp where a dm.req is expected", "type": "DmRequest",
                   "envelope": hex::encode(crate::wire::encode_raw(DmResponse::KIND, b"\xa1\x67refused\xa1\x66reason\x64busy").unwrap()),
                   "error": "unexpected_kind"}),
            json!({"name": "refusal reason of 33 bytes", "type": "DmResponse",
                   "envelope": hex::encode(crate::wire::encode_raw(DmResponse::KIND, &{
                       let mut b = b"\xa1\x67refused\xa1\x66reason\x78\x21".to_vec();
                       b.extend_from_slice(&[b'x'; 33]);
                       b
                   }).unwrap()),
                   "error": "limit_exceeded"}),
        ];
        (valid, invalid)
    }

    #[test]
    #[ignore]
    fn generate_dm_vectors() {
        let (valid, invalid) = inputs();
        let vectors = crate::wire::with_outputs(valid, compute);
        let file = json!({
            "description": "chingu /chingu/dm/1 vectors (protocol/dm.md). Byte fields are lowercase hex, text \
                fields UTF-8, integers JSON numbers. Input fields carry the CBOR field names of the layout \
                tables. DmRequest/DmResponse: body = CBOR of the value, envelope = the SPEC §3.3 envelope \
                (kind dm.req / dm.resp), stream = u32be(len) || envelope as written on the stream. \
                DmPayload: cbor = the frame / sealed-box plaintext; for a message, body_cbor = CBOR of the \
                WireBody carried in its body field. msg1, msg2 and the frame are the ik handshake and \
                transport frame vectors of session.json. invalid: decoding the envelope must fail with \
                the given reason (WireError::reason).",
            "vectors": vectors,
            "invalid": invalid,
        });
        std::fs::write(PATH, serde_json::to_string_pretty(&file).unwrap() + "\n").unwrap();
    }
}
