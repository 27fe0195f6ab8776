//! Wire types of the one-to-one protocol `/chingu/dm/1` (SPEC.md §6.3,
//! `protocol/dm.md`): requests and responses on the stream, and the plaintext carried
//! inside every encrypted frame or sealed box.

use serde::{Deserialize, Serialize};

use crate::model::{Body, MsgId};
use crate::session::handshake::{MAX_MSG1, MAX_MSG2};
use crate::session::Frame;
use crate::wire::{from_cbor, to_cbor, Bytes, Fixed, List, Text, WireError, WireMessage, MAX_BODY_BYTES};

/// Most frames in one request (and acknowledgements in one response).
pub const MAX_FRAMES_PER_REQUEST: usize = 64;
/// Largest message text, in bytes of UTF-8.
pub const MAX_TEXT_BYTES: usize = 16 * 1024;
/// Largest encoded message body.
pub const MAX_BODY: usize = MAX_TEXT_BYTES + 256;
/// Most message ids in one receipt.
pub const MAX_RECEIPT_IDS: usize = 256;
/// Longest reason text in a refusal.
pub const MAX_REASON: usize = 32;

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
        data: Bytes<{ MAX_BODY_BYTES / 2 }>,
    },
}

/// A message body on the wire: an extensible tagged union.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WireBody {
    /// Plain text.
    Text {
        /// The text (at most [`MAX_TEXT_BYTES`]).
        text: Text<MAX_TEXT_BYTES>,
    },
}

/// Why a body could not be turned into wire form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    /// The text is longer than [`MAX_TEXT_BYTES`].
    #[error("the message is {len} bytes; the limit is {MAX_TEXT_BYTES}")]
    TooLong {
        /// Its length.
        len: usize,
    },
    /// The body kind cannot be sent.
    #[error("this kind of message cannot be sent")]
    NotSendable,
}

impl WireBody {
    /// The wire form of a stored body.
    pub fn from_body(body: &Body) -> Result<Self, BodyError> {
        match body {
            Body::Text { text } => Ok(WireBody::Text {
                text: Text::new(text.as_str()).map_err(|_| BodyError::TooLong { len: text.len() })?,
            }),
            Body::Unsupported { .. } => Err(BodyError::NotSendable),
        }
    }

    /// Encodes the body for a [`DmPayload::Message`].
    pub fn encode(&self) -> Bytes<MAX_BODY> {
        Bytes::new(to_cbor(self)).expect("a bounded body fits its encoding limit")
    }

    /// Decodes a received body. A well-formed body of a kind this version does not know
    /// becomes [`Body::Unsupported`] naming the kind; anything else is an error.
    pub fn decode(bytes: &[u8]) -> Result<Body, WireError> {
        match from_cbor::<WireBody>(bytes, MAX_BODY) {
            Ok(WireBody::Text { text }) => Ok(Body::Text {
                text: text.into_string(),
            }),
            Err(error) => match from_cbor::<std::collections::BTreeMap<Text<64>, ciborium::Value>>(bytes, MAX_BODY) {
                Ok(map) if map.len() == 1 => {
                    let kind = map.into_keys().next().expect("one key").into_string();
                    Ok(Body::Unsupported { kind })
                }
                _ => Err(error),
            },
        }
    }
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
    fn unknown_body_kinds_are_reported_not_fatal() {
        #[derive(Serialize)]
        #[serde(rename_all = "snake_case")]
        enum Future {
            Sticker { pack: String, id: u32 },
        }
        let bytes = to_cbor(&Future::Sticker {
            pack: "hello".into(),
            id: 3,
        });
        assert_eq!(
            WireBody::decode(&bytes).unwrap(),
            Body::Unsupported { kind: "sticker".into() }
        );
        assert!(WireBody::decode(&[0xff, 0x00]).is_err());
        let text = WireBody::from_body(&Body::Text { text: "안녕".into() }).unwrap();
        assert_eq!(
            WireBody::decode(&text.encode()).unwrap(),
            Body::Text { text: "안녕".into() }
        );
    }

    #[test]
    fn long_texts_are_refused_before_sending() {
        let body = Body::Text {
            text: "가".repeat(MAX_TEXT_BYTES),
        };
        assert!(matches!(WireBody::from_body(&body), Err(BodyError::TooLong { .. })));
    }

    #[test]
    fn a_full_request_fits_the_envelope() {
        let payload = DmPayload::message(
            MsgId([7; 16]),
            u64::MAX,
            u64::MAX,
            &WireBody::Text {
                text: Text::new("x".repeat(MAX_TEXT_BYTES)).unwrap(),
            },
        );
        assert!(payload.to_bytes().len() < crate::session::transport::MAX_PLAINTEXT);
    }
}
