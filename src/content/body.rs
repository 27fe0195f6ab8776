//! The wire form of a message body (SPEC.md §6.9), shared by 1:1 messages (the `body`
//! of a `DmPayload::Message`) and group messages (the `body` of a `GroupPlain`): a CBOR
//! map with one key naming the kind. Every field is bounded, so a decoded body is within
//! its caps; a well-formed body of a kind this version does not know is kept as
//! [`Body::Unsupported`], not refused.

use serde::{Deserialize, Serialize};

use super::paper::{MAX_NOTE, MAX_NOTES};
use crate::model::{Body, FileRef, MsgId, PaperNote, StickerRef};
use crate::phone::PhoneNumber;
use crate::wire::{from_cbor, to_cbor, Bytes, Fixed, List, Text, WireError};

/// Largest message text, in bytes of UTF-8.
pub const MAX_TEXT_BYTES: usize = 16 * 1024;
/// Largest encoded message body.
pub const MAX_BODY: usize = MAX_TEXT_BYTES + 256;
/// Longest card template name.
pub const MAX_TEMPLATE: usize = 16;
/// Longest card title, in bytes of UTF-8.
pub const MAX_CARD_TITLE: usize = 128;
/// Longest card body, in bytes of UTF-8.
pub const MAX_CARD_TEXT: usize = 2_048;
/// Longest reaction, in bytes of UTF-8 (one emoji, with its modifiers and joiners).
pub const MAX_EMOJI: usize = 32;

/// The card templates this version draws; another name is drawn as `plain`.
pub const CARD_TEMPLATES: [&str; 5] = ["birthday", "thanks", "congrats", "love", "plain"];

/// A message body on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WireBody {
    /// Plain text.
    Text {
        /// The text.
        text: Text<MAX_TEXT_BYTES>,
    },
    /// A text answering the message `to` of the same conversation.
    Reply {
        /// The message answered.
        to: Fixed<16>,
        /// The text.
        text: Text<MAX_TEXT_BYTES>,
    },
    /// A text passed on from another conversation.
    Forward {
        /// The text.
        text: Text<MAX_TEXT_BYTES>,
    },
    /// A mobile card.
    Card {
        /// The template name.
        template: Text<MAX_TEMPLATE>,
        /// The title.
        title: Text<MAX_CARD_TITLE>,
        /// The body.
        text: Text<MAX_CARD_TEXT>,
    },
    /// The sender's reaction to `to` ("" withdraws it).
    React {
        /// The message reacted to.
        to: Fixed<16>,
        /// One emoji, or "".
        emoji: Text<MAX_EMOJI>,
    },
    /// The author's new text for their message `to`.
    Edit {
        /// The message edited.
        to: Fixed<16>,
        /// The new text.
        text: Text<MAX_TEXT_BYTES>,
    },
    /// The author deletes their message `to`.
    Delete {
        /// The message deleted.
        to: Fixed<16>,
    },
    /// In a rolling paper's group, from its starter: what the paper is.
    PaperStart {
        /// The recipient's number (E.164).
        to: Text<MAX_E164>,
        /// The title.
        title: Text<MAX_CARD_TITLE>,
        /// Delivery time (ms since the epoch).
        deliver_at: u64,
    },
    /// In a rolling paper's group: a writer's signed note.
    Note {
        /// The note.
        text: Text<MAX_NOTE>,
        /// The author's identity signature (`content::paper`).
        sig: Fixed<64>,
    },
    /// A photo or file: what names it (SPEC.md §6.11).
    File {
        /// BLAKE3 of the ciphertext.
        root: Fixed<32>,
        /// Bytes.
        size: u64,
        /// The file's ChaCha20 key.
        key: Fixed<32>,
        /// The file name.
        name: Text<MAX_FILE_NAME>,
        /// Its media type.
        mime: Text<MAX_MIME>,
        /// A photo's preview (a small JPEG).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        preview: Option<Bytes<{ crate::files::media::MAX_PREVIEW_BYTES }>>,
    },
    /// A sticker: its pack (as a file), its index and name, its preview.
    Sticker {
        /// The pack's id.
        pack_id: Fixed<32>,
        /// Which sticker.
        index: u16,
        /// Its name.
        name: Text<{ super::sticker::MAX_STICKER_NAME }>,
        /// The pack's name.
        pack_name: Text<{ super::sticker::MAX_PACK_NAME }>,
        /// The pack file's root.
        root: Fixed<32>,
        /// The pack file's size.
        size: u64,
        /// The pack file's key.
        key: Fixed<32>,
        /// The sticker's preview (a small JPEG).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        preview: Option<Bytes<{ crate::files::media::MAX_PREVIEW_BYTES }>>,
    },
    /// A gift: a card wrapping a voucher.
    Gift {
        /// The card's template.
        template: Text<MAX_TEMPLATE>,
        /// The card's title.
        title: Text<MAX_CARD_TITLE>,
        /// The card's text.
        text: Text<MAX_CARD_TEXT>,
        /// The voucher and its history.
        voucher: super::voucher::Gift,
    },
    /// A delivered rolling paper.
    Paper {
        /// The paper's id.
        paper: Fixed<16>,
        /// The title.
        title: Text<MAX_CARD_TITLE>,
        /// The notes.
        notes: List<WireNote, MAX_NOTES>,
    },
}

/// Longest file name, in bytes of UTF-8.
pub const MAX_FILE_NAME: usize = 255;
/// Longest media type.
pub const MAX_MIME: usize = 100;

/// Longest E.164 number text.
pub const MAX_E164: usize = 32;

/// One note of a delivered paper on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireNote {
    /// The author's number (E.164).
    pub author: Text<MAX_E164>,
    /// The author's name.
    pub name: Text<64>,
    /// The author's identity key.
    pub key: Fixed<32>,
    /// The note.
    pub text: Text<MAX_NOTE>,
    /// The author's signature.
    pub sig: Fixed<64>,
}

/// Why a body cannot be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    /// A field is longer than its limit.
    #[error("the {field} is {len} bytes; the limit is {max}")]
    TooLong {
        /// Which field.
        field: &'static str,
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A text, title or reaction shows nothing.
    #[error("the {field} is empty: write something to send")]
    Empty {
        /// Which field.
        field: &'static str,
    },
    /// The card template is not one of [`CARD_TEMPLATES`].
    #[error("there is no card template {name:?}; choose one of birthday, thanks, congrats, love, plain")]
    UnknownTemplate {
        /// The name given.
        name: String,
    },
    /// A reaction that is not one emoji.
    #[error("a reaction is one emoji, not {text:?}")]
    NotAnEmoji {
        /// The text given.
        text: String,
    },
    /// The body kind cannot be sent (deleted or unknown messages).
    #[error("this kind of message cannot be sent")]
    NotSendable,
}

fn malformed() -> Body {
    Body::Unsupported {
        kind: "malformed".into(),
    }
}

/// A preview as the wire bounds it (none when empty).
fn preview_bytes(preview: &[u8]) -> Result<Option<Bytes<{ crate::files::media::MAX_PREVIEW_BYTES }>>, BodyError> {
    match preview {
        [] => Ok(None),
        bytes => Bytes::new(bytes.to_vec()).map(Some).map_err(|_| BodyError::TooLong {
            field: "preview",
            len: bytes.len(),
            max: crate::files::media::MAX_PREVIEW_BYTES,
        }),
    }
}

fn bounded<const N: usize>(field: &'static str, text: &str) -> Result<Text<N>, BodyError> {
    Text::new(text).map_err(|_| BodyError::TooLong {
        field,
        len: text.len(),
        max: N,
    })
}

/// Whether `text` shows nothing: empty, or only white space and invisible characters.
pub fn is_blank(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_whitespace() || matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}'))
}

fn shown<const N: usize>(field: &'static str, text: &str) -> Result<Text<N>, BodyError> {
    if is_blank(text) {
        return Err(BodyError::Empty { field });
    }
    bounded(field, text)
}

/// A reaction is "" (withdrawn) or one emoji: at most [`MAX_EMOJI`] bytes, at most eight
/// characters (skin tones and joiners included), none of them a letter, digit, space or
/// control character.
fn check_emoji(emoji: &str) -> Result<Text<MAX_EMOJI>, BodyError> {
    let refused = || BodyError::NotAnEmoji { text: emoji.into() };
    if emoji.chars().count() > 8 {
        return Err(refused());
    }
    if emoji
        .chars()
        .any(|c| c.is_alphanumeric() || c.is_whitespace() || c.is_control() || c.is_ascii())
    {
        return Err(refused());
    }
    bounded("reaction", emoji)
}

impl WireBody {
    /// The wire form of a body about to be sent, checked against every limit.
    pub fn from_body(body: &Body) -> Result<Self, BodyError> {
        Ok(match body {
            Body::Text { text } => WireBody::Text {
                text: shown("message", text)?,
            },
            Body::Reply { to, text } => WireBody::Reply {
                to: Fixed(to.0),
                text: shown("message", text)?,
            },
            Body::Forward { text } => WireBody::Forward {
                text: shown("message", text)?,
            },
            Body::Card { template, title, text } => {
                if !CARD_TEMPLATES.contains(&template.as_str()) {
                    return Err(BodyError::UnknownTemplate { name: template.clone() });
                }
                WireBody::Card {
                    template: bounded("template", template)?,
                    title: shown("title", title)?,
                    text: bounded("card text", text)?,
                }
            }
            Body::React { to, emoji } => WireBody::React {
                to: Fixed(to.0),
                emoji: check_emoji(emoji)?,
            },
            Body::Edit { to, text } => WireBody::Edit {
                to: Fixed(to.0),
                text: shown("message", text)?,
            },
            Body::Delete { to } => WireBody::Delete { to: Fixed(to.0) },
            Body::PaperStart {
                recipient,
                title,
                deliver_at_ms,
            } => WireBody::PaperStart {
                to: bounded("number", recipient.as_str())?,
                title: shown("title", title)?,
                deliver_at: *deliver_at_ms,
            },
            Body::Note { text, sig } => WireBody::Note {
                text: shown("note", text)?,
                sig: Fixed(sig.as_slice().try_into().map_err(|_| BodyError::NotSendable)?),
            },
            Body::Paper { paper, title, notes } => WireBody::Paper {
                paper: Fixed(*paper),
                title: bounded("title", title)?,
                notes: List::new(
                    notes
                        .iter()
                        .map(|n| {
                            Ok(WireNote {
                                author: bounded("number", n.author.as_str())?,
                                name: bounded("name", &n.name)?,
                                key: Fixed(n.key),
                                text: bounded("note", &n.text)?,
                                sig: Fixed(n.sig.as_slice().try_into().map_err(|_| BodyError::NotSendable)?),
                            })
                        })
                        .collect::<Result<Vec<_>, BodyError>>()?,
                )
                .map_err(|_| BodyError::TooLong {
                    field: "paper",
                    len: notes.len(),
                    max: MAX_NOTES,
                })?,
            },
            Body::File { file } => {
                if file.size > crate::files::MAX_FILE_BYTES {
                    return Err(BodyError::TooLong {
                        field: "file",
                        len: usize::try_from(file.size).unwrap_or(usize::MAX),
                        max: crate::files::MAX_FILE_BYTES as usize,
                    });
                }
                WireBody::File {
                    root: Fixed(file.root),
                    size: file.size,
                    key: Fixed(file.key),
                    name: shown("file name", &file.name)?,
                    mime: bounded("media type", &file.mime)?,
                    preview: preview_bytes(&file.preview)?,
                }
            }
            Body::Sticker { sticker } => WireBody::Sticker {
                pack_id: Fixed(sticker.pack_id),
                index: sticker.index,
                name: shown("sticker name", &sticker.name)?,
                pack_name: bounded("pack name", &sticker.pack.name)?,
                root: Fixed(sticker.pack.root),
                size: sticker.pack.size,
                key: Fixed(sticker.pack.key),
                preview: preview_bytes(&sticker.pack.preview)?,
            },
            Body::Gift { gift } => WireBody::Gift {
                template: bounded("template", &gift.template)?,
                title: shown("title", &gift.title)?,
                text: bounded("card text", &gift.text)?,
                voucher: from_cbor(&gift.voucher, MAX_BODY).map_err(|_| BodyError::NotSendable)?,
            },
            Body::Deleted | Body::Unsupported { .. } => return Err(BodyError::NotSendable),
        })
    }

    /// The body as stored. A received reaction that is not one emoji is kept as
    /// `Unsupported` (it cannot be shown as a reaction).
    fn into_body(self) -> Body {
        match self {
            WireBody::Text { text } => Body::Text {
                text: text.into_string(),
            },
            WireBody::Reply { to, text } => Body::Reply {
                to: MsgId(to.0),
                text: text.into_string(),
            },
            WireBody::Forward { text } => Body::Forward {
                text: text.into_string(),
            },
            WireBody::Card { template, title, text } => Body::Card {
                template: template.into_string(),
                title: title.into_string(),
                text: text.into_string(),
            },
            WireBody::React { to, emoji } => match check_emoji(&emoji) {
                Ok(_) => Body::React {
                    to: MsgId(to.0),
                    emoji: emoji.into_string(),
                },
                Err(_) => malformed(),
            },
            WireBody::Edit { to, text } => Body::Edit {
                to: MsgId(to.0),
                text: text.into_string(),
            },
            WireBody::Delete { to } => Body::Delete { to: MsgId(to.0) },
            WireBody::PaperStart { to, title, deliver_at } => match PhoneNumber::canonical(&to) {
                Some(recipient) => Body::PaperStart {
                    recipient,
                    title: title.into_string(),
                    deliver_at_ms: deliver_at,
                },
                None => malformed(),
            },
            WireBody::File {
                root,
                size,
                key,
                name,
                mime,
                preview,
            } if size <= crate::files::MAX_FILE_BYTES => Body::File {
                file: FileRef {
                    root: root.0,
                    size,
                    key: key.0,
                    name: name.into_string(),
                    mime: mime.into_string(),
                    preview: preview.map(Bytes::into_vec).unwrap_or_default(),
                },
            },
            WireBody::File { .. } => malformed(),
            WireBody::Sticker {
                pack_id,
                index,
                name,
                pack_name,
                root,
                size,
                key,
                preview,
            } if size <= super::sticker::MAX_PACK_BYTES as u64 => Body::Sticker {
                sticker: StickerRef {
                    pack_id: pack_id.0,
                    index,
                    name: name.into_string(),
                    pack: FileRef {
                        root: root.0,
                        size,
                        key: key.0,
                        name: pack_name.into_string(),
                        mime: super::sticker::PACK_MIME.into(),
                        preview: preview.map(Bytes::into_vec).unwrap_or_default(),
                    },
                },
            },
            WireBody::Sticker { .. } => malformed(),
            WireBody::Gift {
                template,
                title,
                text,
                voucher,
            } => Body::Gift {
                gift: crate::model::GiftRef {
                    template: template.into_string(),
                    title: title.into_string(),
                    text: text.into_string(),
                    voucher: to_cbor(&voucher),
                },
            },
            WireBody::Note { text, sig } => Body::Note {
                text: text.into_string(),
                sig: sig.0.to_vec(),
            },
            WireBody::Paper { paper, title, notes } => {
                let notes: Option<Vec<PaperNote>> = notes
                    .iter()
                    .map(|n| {
                        Some(PaperNote {
                            author: PhoneNumber::canonical(&n.author)?,
                            name: n.name.to_string(),
                            key: n.key.0,
                            text: n.text.to_string(),
                            sig: n.sig.0.to_vec(),
                            verified: false,
                        })
                    })
                    .collect();
                match notes {
                    Some(notes) => Body::Paper {
                        paper: paper.0,
                        title: title.into_string(),
                        notes,
                    },
                    None => malformed(),
                }
            }
        }
    }

    /// Encodes the body for a message.
    pub fn encode(&self) -> Bytes<MAX_BODY> {
        Bytes::new(to_cbor(self)).expect("a bounded body fits its encoding limit")
    }

    /// Decodes a received body. A well-formed body of a kind this version does not know
    /// becomes [`Body::Unsupported`] naming the kind; anything else is an error.
    pub fn decode(bytes: &[u8]) -> Result<Body, WireError> {
        match from_cbor::<WireBody>(bytes, MAX_BODY) {
            Ok(body) => Ok(body.into_body()),
            Err(error) => match from_cbor::<std::collections::BTreeMap<Text<64>, ciborium::Value>>(bytes, MAX_BODY) {
                Ok(map) if map.len() == 1 => {
                    let kind = map.into_keys().next().expect("one key").into_string();
                    let known = [
                        "text",
                        "reply",
                        "forward",
                        "card",
                        "react",
                        "edit",
                        "delete",
                        "paper_start",
                        "note",
                        "paper",
                    ];
                    if known.contains(&kind.as_str()) {
                        // A known kind with a bad field is malformed, not a future kind.
                        return Err(error);
                    }
                    Ok(Body::Unsupported { kind })
                }
                _ => Err(error),
            },
        }
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
    }

    #[test]
    fn every_kind_round_trips() {
        let to = MsgId([3; 16]);
        for body in [
            Body::Text { text: "안녕".into() },
            Body::Reply {
                to, text: "응!".into()
            },
            Body::Forward { text: "fwd".into() },
            Body::Card {
                template: "birthday".into(),
                title: "생일 축하해".into(),
                text: "🎂".into(),
            },
            Body::React {
                to, emoji: "❤️".into()
            },
            Body::React { to, emoji: "".into() },
            Body::Edit {
                to,
                text: "고침".into(),
            },
            Body::Delete { to },
        ] {
            let wire = WireBody::from_body(&body).unwrap();
            assert_eq!(WireBody::decode(&wire.encode()).unwrap(), body);
        }
    }

    #[test]
    fn bad_bodies_are_refused_before_sending() {
        let to = MsgId([3; 16]);
        let long = Body::Text {
            text: "가".repeat(MAX_TEXT_BYTES),
        };
        assert!(matches!(WireBody::from_body(&long), Err(BodyError::TooLong { .. })));
        let blank = Body::Edit {
            to,
            text: " \u{200B}".into(),
        };
        assert!(matches!(WireBody::from_body(&blank), Err(BodyError::Empty { .. })));
        for emoji in ["ok", "👍 👍", "a👍", "👍👍👍👍👍👍👍👍👍"] {
            let react = Body::React {
                to,
                emoji: emoji.into(),
            };
            assert!(
                matches!(WireBody::from_body(&react), Err(BodyError::NotAnEmoji { .. })),
                "{emoji}"
            );
        }
        let card = Body::Card {
            template: "funeral".into(),
            title: "t".into(),
            text: String::new(),
        };
        assert!(matches!(
            WireBody::from_body(&card),
            Err(BodyError::UnknownTemplate { .. })
        ));
        assert_eq!(WireBody::from_body(&Body::Deleted), Err(BodyError::NotSendable));
    }

    #[test]
    fn a_known_kind_with_a_bad_field_is_malformed() {
        let bytes = to_cbor(&std::collections::BTreeMap::from([(
            "react",
            std::collections::BTreeMap::from([("to", ciborium::Value::Bytes(vec![1; 3]))]),
        )]));
        assert!(WireBody::decode(&bytes).is_err());
        // A received reaction that is not an emoji is not shown as one.
        let bytes = to_cbor(&WireBody::React {
            to: Fixed([1; 16]),
            emoji: Text::new("lol").unwrap(),
        });
        assert_eq!(
            WireBody::decode(&bytes).unwrap(),
            Body::Unsupported {
                kind: "malformed".into()
            }
        );
    }
}
