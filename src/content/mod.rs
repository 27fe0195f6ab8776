//! Message content beyond plain text (SPEC.md §6.9, §6.10): replies, forwards, mobile
//! cards and rolling papers, and the actions on an earlier message — reactions, edits and
//! deletes — in 1:1 chats and groups alike.
//!
//! - [`body`]: the wire form of every body kind, with its caps;
//! - [`compose`]: what a person asks to compose (the API's request);
//! - [`annotate`]: what an action does to its target (pure rules, tested without a node);
//! - [`paper`]: rolling papers — what a note signs, which notes a paper keeps, delivery.
//!
//! The node's glue (`node::content`) stores actions, applies them, and keeps the ones
//! whose target has not arrived yet.

pub mod annotate;
pub mod body;
pub mod compose;
pub mod paper;
pub mod sticker;
pub mod voucher;

#[cfg(test)]
mod vectors;
