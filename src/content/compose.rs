//! What a person asks to compose besides plain text (`messages.reply` … `messages.card`,
//! `papers.write`; SPEC.md §9.4): the request as the API takes it, which a linked device
//! also sends its first device to compose (`protocol/devices.md` §6).

use serde::{Deserialize, Serialize};

/// What to compose: every kind but plain text (`messages.send` and `groups.send`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Compose {
    /// A text answering `message`, in its conversation.
    Reply {
        /// The message answered (hex id).
        message: String,
        /// The text.
        text: String,
    },
    /// Our reaction to `message` ("" withdraws it).
    React {
        /// The message (hex id).
        message: String,
        /// One emoji, or "".
        emoji: String,
    },
    /// A new text for our `message`.
    Edit {
        /// The message (hex id).
        message: String,
        /// Its new text.
        text: String,
    },
    /// Deletes our `message` everywhere.
    Delete {
        /// The message (hex id).
        message: String,
    },
    /// Passes `message` on to `to`.
    Forward {
        /// The message (hex id).
        message: String,
        /// A contact or group (name, number or id).
        to: String,
    },
    /// Our note for the rolling paper `paper` (its writers' group: name or id).
    Note {
        /// The paper.
        paper: String,
        /// The note.
        text: String,
    },
    /// Sticker `index` of the installed pack `pack` (its name or id) to `to`.
    Sticker {
        /// A contact or group (name, number or id).
        to: String,
        /// The pack: its name, or 8+ digits of its id.
        pack: String,
        /// Which sticker, from 0.
        index: u16,
    },
    /// A mobile card to `to`.
    Card {
        /// A contact or group (name, number or id).
        to: String,
        /// `birthday`, `thanks`, `congrats`, `love` or `plain`.
        template: String,
        /// The title.
        title: String,
        /// The body ("" for none).
        #[serde(default)]
        text: String,
    },
}
