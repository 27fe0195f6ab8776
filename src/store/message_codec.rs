//! How a message is stored (schema 3, SPEC.md §8.3): its id, conversation and clock are
//! in the key already, so the value holds only the rest, in a compact binary layout:
//!
//! ```text
//! flags        u8       bit 7: incoming; bit 6: annotated; bits 0-3: the state it was
//!                       stored with (queued 0, sent 1, delivered 2, read 3, received 4,
//!                       request 5, seen 6; the current state is in the message's index
//!                       entry)
//! sent_ms      varint   LEB128
//! stored_ms    varint   zigzag LEB128 of stored_ms - sent_ms
//! sender       varint length, then the E.164 text
//! annotations  if annotated: varint length, then CBOR of its `Annotations` (reactions,
//!              the clock of the edit shown)
//! body         u8 tag, then: tag 0 (text): varint length, UTF-8;
//!                             tag 255 (any other kind): the body as CBOR to the end
//! ```
//!
//! Schemas 1 and 2 stored the whole [`StoredMessage`] as a CBOR map (about 150 bytes more per
//! message); [`decode_schema1`] reads it for the migration.

use super::{keys, StoreError, MAX_STORED_VALUE};
use crate::model::{Body, Direction, MessageState, StoredMessage};
use crate::phone::PhoneNumber;

const INCOMING: u8 = 0x80;
const ANNOTATED: u8 = 0x40;
const TEXT: u8 = 0;
const OTHER: u8 = 255;

const STATES: [MessageState; 7] = [
    MessageState::Queued,
    MessageState::Sent,
    MessageState::Delivered,
    MessageState::Read,
    MessageState::Received,
    MessageState::Request,
    MessageState::Seen,
];

/// A state as one byte (in the flags here, and in the message's index entry).
pub fn state_byte(state: MessageState) -> u8 {
    STATES.iter().position(|s| *s == state).expect("every state listed") as u8
}

/// The state a byte names.
pub fn state_from_byte(byte: u8) -> Option<MessageState> {
    STATES.get(usize::from(byte)).copied()
}

fn corrupt(message: impl Into<String>) -> StoreError {
    StoreError::Corrupt {
        what: "message",
        message: message.into(),
    }
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// Reads a value front to back.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8, StoreError> {
        let (&b, rest) = self.0.split_first().ok_or_else(|| corrupt("truncated"))?;
        self.0 = rest;
        Ok(b)
    }

    fn varint(&mut self) -> Result<u64, StoreError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(corrupt("varint longer than 64 bits"))
    }

    fn bytes(&mut self) -> Result<&'a [u8], StoreError> {
        let len = usize::try_from(self.varint()?).map_err(|_| corrupt("length"))?;
        if len > self.0.len() {
            return Err(corrupt("length past the end"));
        }
        let (bytes, rest) = self.0.split_at(len);
        self.0 = rest;
        Ok(bytes)
    }

    fn text(&mut self) -> Result<&'a str, StoreError> {
        std::str::from_utf8(self.bytes()?).map_err(|_| corrupt("text is not UTF-8"))
    }
}

/// The stored value of `message`.
pub fn encode(message: &StoredMessage) -> Vec<u8> {
    let mut out = Vec::with_capacity(32 + message.sender.as_str().len());
    let state = state_byte(message.state);
    let incoming = if message.direction == Direction::Incoming {
        INCOMING
    } else {
        0
    };
    let annotated = if message.annotations.is_empty() { 0 } else { ANNOTATED };
    out.push(incoming | annotated | state);
    put_varint(&mut out, message.sent_ms);
    let delta = message.stored_ms.wrapping_sub(message.sent_ms) as i64;
    put_varint(&mut out, ((delta << 1) ^ (delta >> 63)) as u64);
    put_bytes(&mut out, message.sender.as_str().as_bytes());
    if annotated != 0 {
        put_bytes(&mut out, &crate::wire::to_cbor(&message.annotations));
    }
    match &message.body {
        Body::Text { text } => {
            out.push(TEXT);
            put_bytes(&mut out, text.as_bytes());
        }
        other => {
            out.push(OTHER);
            out.extend_from_slice(&crate::wire::to_cbor(other));
        }
    }
    out
}

/// The message stored under `key` with `value`.
pub fn decode(key: &[u8], value: &[u8]) -> Result<StoredMessage, StoreError> {
    let (conv, hlc, id) = keys::parse_message(key).ok_or_else(|| corrupt(format!("a {} byte key", key.len())))?;
    let mut r = Reader(value);
    let flags = r.byte()?;
    let state = *STATES
        .get(usize::from(flags & 0x0f))
        .ok_or_else(|| corrupt(format!("state {}", flags & 0x0f)))?;
    let direction = if flags & INCOMING != 0 {
        Direction::Incoming
    } else {
        Direction::Outgoing
    };
    let sent_ms = r.varint()?;
    let zigzag = r.varint()?;
    let delta = ((zigzag >> 1) as i64) ^ -((zigzag & 1) as i64);
    let stored_ms = sent_ms.wrapping_add(delta as u64);
    // Checked by shape only, as every stored number (`PhoneNumber`'s serde): it was
    // normalised when it was written, and a meetup member's pseudonym (SPEC.md §7.5) is
    // E.164-shaped but no number libphonenumber accepts.
    let sender = PhoneNumber::canonical(r.text()?).ok_or_else(|| corrupt("sender is not E.164"))?;
    let annotations = if flags & ANNOTATED != 0 {
        crate::wire::from_cbor(r.bytes()?, MAX_STORED_VALUE).map_err(|e| corrupt(e.to_string()))?
    } else {
        Default::default()
    };
    let body = match r.byte()? {
        TEXT => Body::Text {
            text: r.text()?.to_owned(),
        },
        OTHER => crate::wire::from_cbor(r.0, MAX_STORED_VALUE).map_err(|e| corrupt(e.to_string()))?,
        tag => return Err(corrupt(format!("body tag {tag}"))),
    };
    Ok(StoredMessage {
        id,
        conv,
        hlc,
        direction,
        sender,
        body,
        state,
        sent_ms,
        stored_ms,
        annotations,
    })
}

/// A message as schemas 1 and 2 stored it (a CBOR map of every field).
pub fn decode_schema1(value: &[u8]) -> Result<StoredMessage, StoreError> {
    super::decode(value, "message")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ConvId, Hlc, MsgId};

    fn message(direction: Direction, state: MessageState, body: Body) -> StoredMessage {
        StoredMessage {
            id: MsgId::generate(),
            conv: ConvId([9; 16]),
            hlc: Hlc::default().tick(1_764_000_000_000).0,
            direction,
            sender: "+821012345678".parse().unwrap(),
            body,
            state,
            sent_ms: 1_764_000_000_000,
            stored_ms: 1_763_999_999_000,
            annotations: Default::default(),
        }
    }

    #[test]
    fn every_field_round_trips_and_text_costs_little() {
        for (i, state) in STATES.into_iter().enumerate() {
            let direction = if i % 2 == 0 {
                Direction::Incoming
            } else {
                Direction::Outgoing
            };
            for body in [
                Body::Text {
                    text: "안녕 👋".into()
                },
                Body::Unsupported { kind: "sticker".into() },
                Body::Reply {
                    to: MsgId([1; 16]),
                    text: "응".into(),
                },
                Body::Deleted,
            ] {
                let mut m = message(direction, state, body);
                let key = keys::message(&m.conv, m.hlc, &m.id);
                assert_eq!(decode(&key, &encode(&m)).unwrap(), m);
                let at = crate::model::Stamp {
                    hlc: 7,
                    id: MsgId([2; 16]),
                };
                m.annotations.edit = Some(at);
                m.annotations.reactions.push(crate::model::Reaction {
                    by: "+819012345678".parse().unwrap(),
                    emoji: "👍".into(),
                    at,
                });
                let key = keys::message(&m.conv, m.hlc, &m.id);
                assert_eq!(decode(&key, &encode(&m)).unwrap(), m);
            }
        }
        let m = message(
            Direction::Outgoing,
            MessageState::Read,
            Body::Text { text: "x".repeat(100) },
        );
        let value = encode(&m);
        assert!(value.len() <= 100 + 30, "{} bytes for 100 bytes of text", value.len());
        assert!(
            crate::wire::to_cbor(&m).len() > value.len() + 100,
            "schema 1 took far more"
        );
        assert_eq!(decode_schema1(&crate::wire::to_cbor(&m)).unwrap(), m);
    }

    #[test]
    fn a_meetup_members_pseudonym_round_trips() {
        let mut m = message(
            Direction::Incoming,
            MessageState::Delivered,
            Body::Text { text: "hi".into() },
        );
        m.sender = PhoneNumber::pseudonym(&[7; 32]);
        let key = keys::message(&m.conv, m.hlc, &m.id);
        assert_eq!(decode(&key, &encode(&m)).unwrap(), m);
    }

    #[test]
    fn damaged_values_are_typed_errors() {
        let m = message(
            Direction::Incoming,
            MessageState::Seen,
            Body::Text { text: "hi".into() },
        );
        let key = keys::message(&m.conv, m.hlc, &m.id);
        let value = encode(&m);
        for cut in 0..value.len() {
            assert!(matches!(
                decode(&key, &value[..cut]),
                Err(StoreError::Corrupt { what: "message", .. })
            ));
        }
        assert!(decode(&key[..10], &value).is_err());
        let mut bad_state = value.clone();
        bad_state[0] = 0x0f;
        assert!(decode(&key, &bad_state).is_err());
    }
}
