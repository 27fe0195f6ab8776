//! Store-and-forward for offline friends, `/chingu/mailbox/1` (SPEC.md §6.6): the wire
//! types and signatures ([`wire`]), the service a mailbox node runs ([`service`]) with the
//! watches it holds for push ([`watch`]), and a recipient's pickup schedule ([`pickup`]).
//! A mailbox holds sealed boxes under opaque tags; it never learns who writes to whom.

pub mod pickup;
pub mod service;
pub mod watch;
pub mod wire;

/// The stream protocol name.
pub const MAILBOX_PROTOCOL: &str = "/chingu/mailbox/1";
/// The protocol on which a mailbox tells a watching recipient that something arrived
/// (`protocol/mailbox.md` §5.8); every node accepts it.
pub const MAILBOX_NOTICE_PROTOCOL: &str = "/chingu/mailbox-notice/1";
