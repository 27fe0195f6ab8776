//! Store-and-forward for offline friends, `/chingu/mailbox/1` (SPEC.md §6.6): the wire
//! types and signatures ([`wire`]) and the service a mailbox node runs ([`service`]).
//! A mailbox holds sealed boxes under opaque tags; it never learns who writes to whom.

pub mod service;
pub mod wire;

/// The stream protocol name.
pub const MAILBOX_PROTOCOL: &str = "/chingu/mailbox/1";
