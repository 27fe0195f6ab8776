//! Message content beyond plain text (SPEC.md §6.9): replies, forwards and mobile cards,
//! and the actions on an earlier message — reactions, edits and deletes — in 1:1 chats
//! and groups alike.
//!
//! - [`body`]: the wire form of every body kind, with its caps;
//! - [`annotate`]: what an action does to its target (pure rules, tested without a node).
//!
//! The node's glue (`node::content`) stores actions, applies them, and keeps the ones
//! whose target has not arrived yet.

pub mod annotate;
pub mod body;

#[cfg(test)]
mod vectors;
