//! The chingu wire format: one versioned envelope for everything a node sends.
//!
//! Every message chingu puts on a stream, into the DHT or onto gossipsub is an
//! [envelope](encode): a CBOR map `{"v": version, "k": kind, "b": body}` whose body is
//! the CBOR encoding of one [`WireMessage`] type. The module is sans-IO: it turns values
//! into bytes and untrusted bytes into values or a typed [`WireError`], never panicking
//! and never allocating more than the (already size-checked) input. Stream framing for
//! libp2p protocols lives in [`frame`]. SPEC.md §3 describes the format byte by byte and
//! `protocol/vectors/wire.json` holds test vectors.

pub mod bounded;
pub mod frame;

use std::io::Cursor;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub use bounded::{Bytes, Fixed, List, Text, TooLong};

/// The only envelope version this node speaks.
pub const WIRE_VERSION: u16 = 1;
/// Largest envelope accepted anywhere (stream frame, DHT value, gossipsub message).
pub const MAX_ENVELOPE_BYTES: usize = 65_536;
/// Largest body inside an envelope.
pub const MAX_BODY_BYTES: usize = MAX_ENVELOPE_BYTES - 64;
/// Longest kind string.
pub const MAX_KIND_BYTES: usize = 32;
/// Deepest CBOR nesting a decoder follows before giving up.
pub const MAX_NESTING: usize = 16;

/// A message type that travels inside an envelope.
pub trait WireMessage: Serialize + DeserializeOwned {
    /// The envelope kind, e.g. `"dm.req"`. Unique per type.
    const KIND: &'static str;
}

/// Why bytes could not be turned into a message (or a message into bytes).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// The input is larger than the limit for where it arrived.
    #[error("message of {len} bytes exceeds the limit of {max}")]
    Oversized {
        /// Size of the input.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The envelope carries a version this node does not speak.
    #[error("unsupported wire version {0}")]
    UnsupportedVersion(u16),
    /// The envelope carries a kind this node does not know (not fatal: newer peers may
    /// send kinds we do not understand yet).
    #[error("unknown message kind {0:?}")]
    UnknownKind(String),
    /// The envelope carries a known kind, but not the one expected here.
    #[error("expected a {expected:?} message, got {got:?}")]
    UnexpectedKind {
        /// The kind this endpoint accepts.
        expected: &'static str,
        /// The kind received.
        got: String,
    },
    /// A field is longer than its limit.
    #[error("field over its limit: {0}")]
    LimitExceeded(String),
    /// Bytes were left over after the value.
    #[error("{0} trailing bytes after the message")]
    TrailingBytes(usize),
    /// Nesting deeper than [`MAX_NESTING`].
    #[error("nesting deeper than {MAX_NESTING}")]
    TooDeep,
    /// Anything else that is not a well-formed value of the expected type.
    #[error("malformed message: {0}")]
    Malformed(String),
}

impl WireError {
    /// A short stable name for counting rejections by reason.
    pub fn reason(&self) -> &'static str {
        match self {
            WireError::Oversized { .. } => "oversized",
            WireError::UnsupportedVersion(_) => "unsupported_version",
            WireError::UnknownKind(_) => "unknown_kind",
            WireError::UnexpectedKind { .. } => "unexpected_kind",
            WireError::LimitExceeded(_) => "limit_exceeded",
            WireError::TrailingBytes(_) => "trailing_bytes",
            WireError::TooDeep => "too_deep",
            WireError::Malformed(_) => "malformed",
        }
    }
}

impl<T: std::fmt::Debug> From<ciborium::de::Error<T>> for WireError {
    fn from(e: ciborium::de::Error<T>) -> Self {
        match e {
            ciborium::de::Error::RecursionLimitExceeded => WireError::TooDeep,
            ciborium::de::Error::Semantic(_, msg) => match msg.strip_prefix(bounded::LIMIT_MARK) {
                Some(rest) => WireError::LimitExceeded(rest.to_owned()),
                None => WireError::Malformed(msg),
            },
            ciborium::de::Error::Syntax(offset) => WireError::Malformed(format!("invalid CBOR at byte {offset}")),
            ciborium::de::Error::Io(e) => WireError::Malformed(format!("truncated input: {e:?}")),
        }
    }
}

/// Encodes any serde value as CBOR (definite lengths, shortest integers, fields in
/// declaration order). Used for bodies and for the inner structures of protocols.
pub fn to_cbor<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    // Writing into a Vec cannot fail, and every chingu type is serialisable.
    ciborium::ser::into_writer(value, &mut out).expect("CBOR encoding into memory cannot fail");
    out
}

/// Decodes a CBOR value from untrusted bytes of at most `max` bytes: rejects oversized
/// input before looking at it, nesting beyond [`MAX_NESTING`], fields over their limits
/// and trailing bytes.
pub fn from_cbor<T: DeserializeOwned>(bytes: &[u8], max: usize) -> Result<T, WireError> {
    if bytes.len() > max {
        return Err(WireError::Oversized { len: bytes.len(), max });
    }
    let mut cursor = Cursor::new(bytes);
    let value = ciborium::de::from_reader_with_recursion_limit(&mut cursor, MAX_NESTING)?;
    let used = cursor.position() as usize;
    if used != bytes.len() {
        return Err(WireError::TrailingBytes(bytes.len() - used));
    }
    Ok(value)
}

#[derive(Serialize)]
struct EnvelopeOut<'a> {
    v: u16,
    k: &'a str,
    #[serde(with = "serde_bytes")]
    b: &'a [u8],
}

/// A decoded envelope whose body has not been interpreted yet.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Envelope {
    /// Wire version (`"v"`).
    #[serde(rename = "v")]
    pub version: u16,
    /// Message kind (`"k"`).
    #[serde(rename = "k")]
    pub kind: Text<MAX_KIND_BYTES>,
    /// CBOR body (`"b"`).
    #[serde(rename = "b")]
    pub body: Bytes<MAX_BODY_BYTES>,
}

impl Envelope {
    /// Parses the outer envelope of untrusted bytes and checks its version.
    pub fn parse(bytes: &[u8]) -> Result<Self, WireError> {
        let envelope: Envelope = from_cbor(bytes, MAX_ENVELOPE_BYTES)?;
        if envelope.version != WIRE_VERSION {
            return Err(WireError::UnsupportedVersion(envelope.version));
        }
        Ok(envelope)
    }

    /// Interprets the body as `M`, checking the kind.
    pub fn open<M: WireMessage>(&self) -> Result<M, WireError> {
        if self.kind.as_str() != M::KIND {
            return Err(if is_known_kind(&self.kind) {
                WireError::UnexpectedKind {
                    expected: M::KIND,
                    got: self.kind.to_string(),
                }
            } else {
                WireError::UnknownKind(self.kind.to_string())
            });
        }
        from_cbor(&self.body, MAX_BODY_BYTES)
    }
}

/// Every kind this version of chingu defines (SPEC.md §3.3).
pub const KNOWN_KINDS: &[&str] = &[
    "rdv.value",
    "rdv.invite",
    "dm.req",
    "dm.resp",
    "mbox.req",
    "mbox.resp",
    "mbox.notice.req",
    "mbox.notice.resp",
    "group.msg",
    "group.sync.req",
    "group.sync.heads",
    "group.sync.resp",
    "meetup.join.req",
    "meetup.join.resp",
];

fn is_known_kind(kind: &str) -> bool {
    KNOWN_KINDS.contains(&kind)
}

/// Encodes `message` in an envelope.
pub fn encode<M: WireMessage>(message: &M) -> Result<Vec<u8>, WireError> {
    encode_raw(M::KIND, &to_cbor(message))
}

/// Wraps an already encoded body in an envelope.
pub fn encode_raw(kind: &str, body: &[u8]) -> Result<Vec<u8>, WireError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(WireError::Oversized {
            len: body.len(),
            max: MAX_BODY_BYTES,
        });
    }
    if kind.len() > MAX_KIND_BYTES {
        return Err(WireError::LimitExceeded(format!("kind of {} bytes", kind.len())));
    }
    Ok(to_cbor(&EnvelopeOut {
        v: WIRE_VERSION,
        k: kind,
        b: body,
    }))
}

/// Decodes an envelope holding an `M`.
pub fn decode<M: WireMessage>(bytes: &[u8]) -> Result<M, WireError> {
    Envelope::parse(bytes)?.open()
}

/// Test vectors: every input with the fields `compute` derives from it added (what the
/// vector generators print).
#[cfg(test)]
pub(crate) fn with_outputs(
    inputs: Vec<serde_json::Value>,
    compute: impl Fn(&serde_json::Value) -> serde_json::Value,
) -> Vec<serde_json::Value> {
    inputs
        .into_iter()
        .map(|mut v| {
            let out = compute(&v);
            let obj = v.as_object_mut().expect("a vector is an object");
            obj.extend(out.as_object().expect("outputs are an object").clone());
            v
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Probe {
        n: u64,
        name: Text<8>,
        data: Bytes<4>,
        items: List<u8, 3>,
    }

    impl WireMessage for Probe {
        const KIND: &'static str = "dm.req";
    }

    fn probe() -> Probe {
        Probe {
            n: 7,
            name: Text::new("hi").unwrap(),
            data: Bytes::new(vec![1, 2]).unwrap(),
            items: List::new(vec![1, 2, 3]).unwrap(),
        }
    }

    #[test]
    fn round_trip() {
        let bytes = encode(&probe()).unwrap();
        assert_eq!(decode::<Probe>(&bytes).unwrap(), probe());
    }

    #[test]
    fn limits_are_enforced() {
        #[derive(Serialize)]
        struct Loose {
            n: u64,
            name: String,
            #[serde(with = "serde_bytes")]
            data: Vec<u8>,
            items: Vec<u8>,
        }
        let cases = [
            Loose {
                n: 1,
                name: "x".repeat(9),
                data: vec![],
                items: vec![],
            },
            Loose {
                n: 1,
                name: "x".into(),
                data: vec![0; 5],
                items: vec![],
            },
            Loose {
                n: 1,
                name: "x".into(),
                data: vec![],
                items: vec![1, 2, 3, 4],
            },
        ];
        for case in cases {
            let err = from_cbor::<Probe>(&to_cbor(&case), 1000).unwrap_err();
            assert!(matches!(err, WireError::LimitExceeded(_)), "{err:?}");
        }
    }

    #[test]
    fn huge_length_prefix_does_not_allocate() {
        // A byte string claiming 2^62 bytes, followed by nothing.
        let bytes = [0x5b, 0x40, 0, 0, 0, 0, 0, 0, 0];
        assert!(from_cbor::<Bytes<4>>(&bytes, 100).is_err());
        // An array claiming 2^62 elements.
        let bytes = [0x9b, 0x40, 0, 0, 0, 0, 0, 0, 0];
        assert!(matches!(
            from_cbor::<List<u8, 3>>(&bytes, 100),
            Err(WireError::LimitExceeded(_))
        ));
    }

    #[test]
    fn deep_nesting_is_rejected() {
        let mut bytes = vec![0x81; 10_000];
        bytes.push(0x00);
        let err = from_cbor::<serde_json::Value>(&bytes, 100_000).unwrap_err();
        assert_eq!(err, WireError::TooDeep);
    }

    #[test]
    fn trailing_bytes_and_versions() {
        let mut bytes = encode(&probe()).unwrap();
        bytes.push(0);
        assert_eq!(decode::<Probe>(&bytes).unwrap_err(), WireError::TrailingBytes(1));
        let other = to_cbor(&EnvelopeOut {
            v: 2,
            k: "dm.req",
            b: &[0xa0],
        });
        assert_eq!(decode::<Probe>(&other).unwrap_err(), WireError::UnsupportedVersion(2));
        let unknown = encode_raw("card.v9", &[0xa0]).unwrap();
        assert!(matches!(decode::<Probe>(&unknown), Err(WireError::UnknownKind(_))));
        let unexpected = encode_raw("dm.resp", &[0xa0]).unwrap();
        assert!(matches!(
            decode::<Probe>(&unexpected),
            Err(WireError::UnexpectedKind { .. })
        ));
    }

    #[test]
    fn vectors_hold_in_both_directions() {
        let vectors: serde_json::Value =
            serde_json::from_str(include_str!("../../protocol/vectors/wire.json")).unwrap();
        for v in vectors["valid"].as_array().unwrap() {
            let kind = v["kind"].as_str().unwrap();
            let body = hex::decode(v["body"].as_str().unwrap()).unwrap();
            let envelope = hex::decode(v["envelope"].as_str().unwrap()).unwrap();
            assert_eq!(encode_raw(kind, &body).unwrap(), envelope, "{}", v["name"]);
            let parsed = Envelope::parse(&envelope).unwrap();
            assert_eq!(
                (parsed.kind.as_str(), &parsed.body[..]),
                (kind, &body[..]),
                "{}",
                v["name"]
            );
        }
        for v in vectors["accepted"].as_array().unwrap() {
            let envelope = hex::decode(v["envelope"].as_str().unwrap()).unwrap();
            let parsed = Envelope::parse(&envelope).unwrap_or_else(|e| panic!("{}: {e}", v["name"]));
            assert_eq!(parsed.kind.as_str(), v["kind"].as_str().unwrap(), "{}", v["name"]);
            assert_eq!(
                hex::encode(&parsed.body[..]),
                v["body"].as_str().unwrap(),
                "{}",
                v["name"]
            );
        }
        for v in vectors["invalid"].as_array().unwrap() {
            let envelope = hex::decode(v["envelope"].as_str().unwrap()).unwrap();
            let err = Envelope::parse(&envelope).unwrap_err();
            assert_eq!(err.reason(), v["error"].as_str().unwrap(), "{}: {err}", v["name"]);
        }
    }

    #[test]
    fn oversized_input_is_rejected_before_parsing() {
        let bytes = vec![0u8; MAX_ENVELOPE_BYTES + 1];
        assert!(matches!(Envelope::parse(&bytes), Err(WireError::Oversized { .. })));
    }
}
