//! The API's method table: every method's name, who may call it and one line on what it
//! does (SPEC.md §9.4 lists the same). `methods` dispatches them.

use super::Scope;

/// Who may call a method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Callers holding this scope (the owner holds all).
    Scoped(Scope),
    /// Only the owner, over the Unix socket.
    OwnerOnly,
}

/// One API method.
#[derive(Debug, Clone, Copy)]
pub struct Method {
    /// Its name.
    pub name: &'static str,
    /// Who may call it.
    pub access: Access,
    /// One line on what it does (SPEC.md §9.4 lists the same).
    pub summary: &'static str,
}

/// Subscribes the connection to events (handled by the transport).
pub const SUBSCRIBE: &str = "events.subscribe";
/// Ends the connection's event subscription (handled by the transport).
pub const UNSUBSCRIBE: &str = "events.unsubscribe";

/// Every method.
pub const METHODS: &[Method] = &[
    Method {
        name: "api.version",
        access: Access::Scoped(Scope::Read),
        summary: "API and chingu versions",
    },
    Method {
        name: "api.methods",
        access: Access::Scoped(Scope::Read),
        summary: "the methods the caller may use",
    },
    Method {
        name: SUBSCRIBE,
        access: Access::Scoped(Scope::Read),
        summary: "receive events as `event` notifications",
    },
    Method {
        name: UNSUBSCRIBE,
        access: Access::Scoped(Scope::Read),
        summary: "stop receiving events",
    },
    Method {
        name: "node.status",
        access: Access::Scoped(Scope::Read),
        summary: "peer id, phone, addresses, peers, routing table, uptime",
    },
    Method {
        name: "node.peers",
        access: Access::Scoped(Scope::Read),
        summary: "connected peers",
    },
    Method {
        name: "node.dial",
        access: Access::OwnerOnly,
        summary: "connect to a multiaddr",
    },
    Method {
        name: "node.shutdown",
        access: Access::OwnerOnly,
        summary: "stop the node",
    },
    Method {
        name: "contacts.add",
        access: Access::Scoped(Scope::Contacts),
        summary: "add a contact by number (or invite code) and find it",
    },
    Method {
        name: "contacts.import",
        access: Access::Scoped(Scope::Contacts),
        summary: "import a vCard or CSV address book (its text, or persons parsed by the caller)",
    },
    Method {
        name: "contacts.list",
        access: Access::Scoped(Scope::Contacts),
        summary: "the address book with discovery states",
    },
    Method {
        name: "contacts.remove",
        access: Access::Scoped(Scope::Contacts),
        summary: "remove a contact",
    },
    Method {
        name: "contacts.verify",
        access: Access::Scoped(Scope::Contacts),
        summary: "safety numbers; confirm to mark verified",
    },
    Method {
        name: "contacts.lookup",
        access: Access::Scoped(Scope::Contacts),
        summary: "look a contact up now",
    },
    Method {
        name: "contacts.rename",
        access: Access::Scoped(Scope::Contacts),
        summary: "rename a contact (every number)",
    },
    Method {
        name: "contacts.block",
        access: Access::Scoped(Scope::Contacts),
        summary: "block a contact: no messages either way; they can no longer find you",
    },
    Method {
        name: "contacts.unblock",
        access: Access::Scoped(Scope::Contacts),
        summary: "unblock a contact",
    },
    Method {
        name: "contacts.mute",
        access: Access::Scoped(Scope::Contacts),
        summary: "mute or unmute a contact",
    },
    Method {
        name: "contacts.accept",
        access: Access::Scoped(Scope::Contacts),
        summary: "accept a contact's changed key (new install)",
    },
    Method {
        name: "requests.list",
        access: Access::Scoped(Scope::Read),
        summary: "message requests from people not in your contacts",
    },
    Method {
        name: "requests.accept",
        access: Access::Scoped(Scope::Contacts),
        summary: "accept a message request: the sender becomes a contact",
    },
    Method {
        name: "requests.block",
        access: Access::Scoped(Scope::Contacts),
        summary: "block a message request's sender and delete its messages",
    },
    Method {
        name: "profile.get",
        access: Access::Scoped(Scope::Read),
        summary: "your name and status, as friends see them",
    },
    Method {
        name: "profile.set",
        access: Access::OwnerOnly,
        summary: "change your name or status (shared with friends only)",
    },
    Method {
        name: "invite.create",
        access: Access::Scoped(Scope::Contacts),
        summary: "create an invite code",
    },
    Method {
        name: "messages.send",
        access: Access::Scoped(Scope::Send),
        summary: "send a text to a contact (answers once it is on disk)",
    },
    Method {
        name: "messages.reply",
        access: Access::Scoped(Scope::Send),
        summary: "answer a message, in its conversation",
    },
    Method {
        name: "messages.react",
        access: Access::Scoped(Scope::Send),
        summary: "react to a message with one emoji (\"\" withdraws it)",
    },
    Method {
        name: "messages.edit",
        access: Access::Scoped(Scope::Send),
        summary: "change the text of one of your messages, everywhere",
    },
    Method {
        name: "messages.delete",
        access: Access::Scoped(Scope::Send),
        summary: "delete one of your messages, everywhere",
    },
    Method {
        name: "messages.forward",
        access: Access::Scoped(Scope::Send),
        summary: "pass a message on to a contact or a group",
    },
    Method {
        name: "messages.card",
        access: Access::Scoped(Scope::Send),
        summary: "send a mobile card to a contact or a group",
    },
    Method {
        name: "messages.file",
        // The node reads a path of the owner's machine: only the owner may name one.
        access: Access::OwnerOnly,
        summary: "send a photo or file (a path on this machine) to a contact or a group",
    },
    Method {
        name: "backup.create",
        // The archive holds the account key: only the owner may ask for one.
        access: Access::OwnerOnly,
        summary: "write an encrypted backup (keys, contacts, groups, history) to a path on this machine",
    },
    Method {
        name: "devices.list",
        access: Access::Scoped(Scope::Read),
        summary: "the account's devices",
    },
    Method {
        name: "devices.link",
        // Whoever holds the code joins the account: only the owner may show one.
        access: Access::OwnerOnly,
        summary: "open a link offer: a one-time code a new device joins the account with",
    },
    Method {
        name: "devices.link_confirm",
        access: Access::OwnerOnly,
        summary: "answer a waiting new device: whether both screens show the same string",
    },
    Method {
        name: "devices.remove",
        access: Access::OwnerOnly,
        summary: "remove a device from the account",
    },
    Method {
        name: "files.list",
        access: Access::Scoped(Scope::Read),
        summary: "files sent and received, and whether each is here",
    },
    Method {
        name: "files.save",
        access: Access::OwnerOnly,
        summary: "write a file, decrypted, to a path (fetching it first if needed)",
    },
    Method {
        name: "messages.sticker",
        access: Access::Scoped(Scope::Send),
        summary: "send a sticker of an installed pack to a contact or a group",
    },
    Method {
        name: "stickers.list",
        access: Access::Scoped(Scope::Read),
        summary: "the installed sticker packs",
    },
    Method {
        name: "stickers.create",
        access: Access::OwnerOnly,
        summary: "make a sticker pack, signed by you, of the images in a directory",
    },
    Method {
        name: "stickers.install",
        access: Access::OwnerOnly,
        summary: "install the sticker pack in a file (its signature checked)",
    },
    Method {
        name: "vouchers.issue",
        access: Access::Scoped(Scope::Issue),
        summary: "mint a voucher in this node's name and send it to a friend in a card",
    },
    Method {
        name: "vouchers.list",
        access: Access::Scoped(Scope::Read),
        summary: "the vouchers you hold or held",
    },
    Method {
        name: "vouchers.give",
        access: Access::Scoped(Scope::Send),
        summary: "pass a voucher you hold on to a friend",
    },
    Method {
        name: "vouchers.redeem",
        access: Access::Scoped(Scope::Send),
        summary: "redeem a voucher you hold at the node that issued it",
    },
    Method {
        name: "papers.start",
        access: Access::Scoped(Scope::Send),
        summary: "start a rolling paper for a friend: writers add notes, delivered on its date",
    },
    Method {
        name: "papers.write",
        access: Access::Scoped(Scope::Send),
        summary: "add your signed note to a rolling paper",
    },
    Method {
        name: "messages.history",
        access: Access::Scoped(Scope::Read),
        summary: "the last messages with a contact",
    },
    Method {
        name: "messages.read",
        access: Access::Scoped(Scope::Send),
        summary: "mark a conversation read (sends read receipts)",
    },
    Method {
        name: "messages.typing",
        access: Access::Scoped(Scope::Send),
        summary: "tell a friend you are typing",
    },
    Method {
        name: "conversations.list",
        access: Access::Scoped(Scope::Read),
        summary: "conversations, newest first, with unread counts",
    },
    Method {
        name: "conversations.read",
        access: Access::Scoped(Scope::Send),
        summary: "mark any conversation read: a friend's, a group's or a request's",
    },
    Method {
        name: "history.page",
        access: Access::Scoped(Scope::Read),
        summary: "a page of a conversation, and whether there is more",
    },
    Method {
        name: "history.search",
        access: Access::Scoped(Scope::Read),
        summary: "search local history (Korean and Japanese included)",
    },
    Method {
        name: "history.export",
        access: Access::Scoped(Scope::Read),
        summary: "export one conversation or all, a page at a time",
    },
    Method {
        name: "groups.create",
        access: Access::Scoped(Scope::Groups),
        summary: "create a group with contacts (you are its admin)",
    },
    Method {
        name: "groups.list",
        access: Access::Scoped(Scope::Read),
        summary: "your groups",
    },
    Method {
        name: "groups.invitations",
        access: Access::Scoped(Scope::Read),
        summary: "invitations waiting for an answer",
    },
    Method {
        name: "groups.join",
        access: Access::Scoped(Scope::Groups),
        summary: "accept an invitation to a group",
    },
    Method {
        name: "groups.decline",
        access: Access::Scoped(Scope::Groups),
        summary: "decline an invitation to a group",
    },
    Method {
        name: "groups.members",
        access: Access::Scoped(Scope::Read),
        summary: "the members of a group",
    },
    Method {
        name: "groups.invite",
        access: Access::Scoped(Scope::Groups),
        summary: "add a contact to a group (admins)",
    },
    Method {
        name: "groups.remove",
        access: Access::Scoped(Scope::Groups),
        summary: "remove a member from a group (admins)",
    },
    Method {
        name: "groups.admins",
        access: Access::Scoped(Scope::Groups),
        summary: "promote or demote an admin (admins)",
    },
    Method {
        name: "groups.rename",
        access: Access::Scoped(Scope::Groups),
        summary: "rename a group (admins)",
    },
    Method {
        name: "groups.leave",
        access: Access::Scoped(Scope::Groups),
        summary: "leave a group",
    },
    Method {
        name: "groups.close",
        access: Access::Scoped(Scope::Groups),
        summary: "close a group for everyone (admins)",
    },
    Method {
        name: "groups.send",
        access: Access::Scoped(Scope::Send),
        summary: "send a text to a group (answers once it is on disk)",
    },
    Method {
        name: "groups.history",
        access: Access::Scoped(Scope::Read),
        summary: "the last messages of a group",
    },
    Method {
        name: "groups.read",
        access: Access::Scoped(Scope::Send),
        summary: "mark a group's messages read (no receipts)",
    },
    Method {
        name: "meetups.create",
        access: Access::Scoped(Scope::Groups),
        summary: "create a flash meetup and get its code",
    },
    Method {
        name: "meetups.join",
        access: Access::Scoped(Scope::Groups),
        summary: "join a flash meetup by its code",
    },
    Method {
        name: "meetups.forget",
        access: Access::Scoped(Scope::Groups),
        summary: "delete a meetup's history on this device when it ends",
    },
    Method {
        name: "meetups.close",
        access: Access::Scoped(Scope::Groups),
        summary: "close a meetup early (its creator and admins)",
    },
];
