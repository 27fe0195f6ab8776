//! Keeping a linked device up to date (`protocol/devices.md` §6): the messages on
//! `/chingu/device-sync/1`, and who the account's first device serves. Pure.
//!
//! The stream runs between two devices of one account over libp2p's authenticated,
//! encrypted connection: the peer id at the other end is a device key, which the account's
//! signed list names or not. No second Noise layer is needed.

use libp2p::PeerId;
use serde::{Deserialize, Serialize};

use super::history::{HistoryEntry, MAX_HISTORY_BATCH};
use super::{AccountError, SignedDeviceList};
use crate::content::body::{MAX_BODY, MAX_TEXT_BYTES};
use crate::wire::{Bytes, Fixed, List, Text};

/// The stream protocol.
pub const SYNC_PROTOCOL: &str = "/chingu/device-sync/1";
/// Largest frame on it (a batch of history).
pub const MAX_SYNC_FRAME: usize = 60_000;

/// A message on `/chingu/device-sync/1`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncMessage {
    /// Linked → first device: send what was stored since this time (ms), then keep
    /// sending.
    Hello {
        /// Messages the first device stored from this time on (its `stored_ms`, its own
        /// clock: the newest among those the linked device has) are sent again.
        since_ms: u64,
        /// Where the linked device listens (binary multiaddrs): the first device dials it
        /// there when it starts again, on new addresses of its own.
        addrs: List<Bytes<256>, MAX_HELLO_ADDRS>,
    },
    /// First → linked device: database entries, as while linking.
    History(List<HistoryEntry, MAX_HISTORY_BATCH>),
    /// First → linked device: why it is not served (then the stream closes).
    Refused(Text<32>),
    /// Linked → first device: send this 1:1 text as the account (the first device's node
    /// sends it as its own, so friends get it from the key they pinned).
    Send {
        /// Numbers this request's answer.
        request: u64,
        /// The contact, as the linked device's person named it (name or number).
        contact: Text<MAX_CONTACT_QUERY>,
        /// The text.
        text: Text<MAX_TEXT_BYTES>,
    },
    /// First → linked device: the message is on the first device's disk and queued; its
    /// conversation row, index entry and message follow.
    Sent {
        /// The request answered.
        request: u64,
        /// The message's entries.
        entries: List<HistoryEntry, 3>,
    },
    /// First → linked device: the send or action was refused (a reason of SPEC.md §9.3).
    NotSent {
        /// The request answered.
        request: u64,
        /// Why.
        reason: Text<32>,
    },
    /// Linked → first device: do this as the account (the first device's node does it
    /// as if its own person had, and what changes comes back as entries).
    Act {
        /// Numbers this request's answer.
        request: u64,
        /// What to do.
        action: Action,
    },
    /// First → linked device: the action is done (its changed entries went first).
    Done {
        /// The request answered.
        request: u64,
        /// What the action counts (messages marked read; 0 for the others).
        count: u64,
    },
    /// First → linked device: the keys (numbers) of every contact the account has, in
    /// frames; after the `last` one the linked device forgets the contacts not named
    /// (sent when the stream starts, and after a contact is removed).
    ContactKeys {
        /// This frame's keys.
        keys: List<Bytes<MAX_CONTACT_KEY>, MAX_CONTACT_KEYS>,
        /// The last frame.
        last: bool,
    },
    /// First → linked device: the account's device list changed (sent when the stream
    /// starts, and after each change).
    Devices(SignedDeviceList),
    /// First → linked device: where the first device listens now (binary multiaddrs; sent
    /// when the stream starts): the linked device dials it there next time.
    Here(List<Bytes<256>, MAX_HELLO_ADDRS>),
    /// Linked → first device: a 1:1 message that went between a friend and this device
    /// while the first device could not be reached — a friend's (`sent` false), which the
    /// first device takes as if the friend had sent it there, or this device's person's
    /// (`sent` true), which the first device keeps and sends as its own (the friend
    /// keeps one copy). Answered `done` (`count` 1) once it is on disk.
    Hand {
        /// Numbers this request's answer.
        request: u64,
        /// The friend's number (the contact's key).
        contact: Text<MAX_CONTACT_KEY>,
        /// Sent by the account (true) or by the friend.
        sent: bool,
        /// The message, as the frame carried it.
        message: HandedMessage,
    },
    /// First → linked device: one of the account's groups as it is now, its members in
    /// frames of at most [`MAX_COPY_MEMBERS`] (sent when the stream starts, and after each
    /// change of the group).
    Group(GroupCopy),
    /// Linked → first device: a text its person wrote to a group while the first device
    /// could not be reached, stored there as queued; the first device posts it as its own
    /// member's under the same id. Answered `done` (`count` 1 once it is on disk, 0 when
    /// the group is not there or closed).
    HandGroup {
        /// Numbers this request's answer.
        request: u64,
        /// The group.
        group: Fixed<16>,
        /// The message (its `hlc` and `sent_ms` as the linked device stored it).
        message: HandedMessage,
    },
    /// Linked → first device: compose this (a reply, reaction, edit, delete, forward,
    /// card, sticker or paper note, as `messages.compose` takes it) and send it as the
    /// account (answered like `send`). Its texts are bounded by the frame and checked by
    /// the first device as its own person's.
    Compose {
        /// Numbers this request's answer.
        request: u64,
        /// What to compose.
        compose: crate::content::compose::Compose,
    },
    /// Linked → first device: send this file message (a `file` body, sealed on the
    /// linked device, which holds the content) to a contact or group as the account; the
    /// first device fetches the content from the linked device to serve it (answered like
    /// `send`).
    SendFile {
        /// Numbers this request's answer.
        request: u64,
        /// The contact (number) or group (id in hex).
        to: Text<MAX_CONTACT_QUERY>,
        /// The body, as a message carries it.
        body: Bytes<MAX_BODY>,
    },
    /// Linked → first device: send this text to a group as the account (answered like
    /// `send`).
    SendGroup {
        /// Numbers this request's answer.
        request: u64,
        /// The group, as the linked device's person named it (name or id in hex).
        group: Text<MAX_CONTACT_QUERY>,
        /// The text.
        text: Text<MAX_TEXT_BYTES>,
    },
}

/// Most members one `group` frame carries.
pub const MAX_COPY_MEMBERS: usize = 256;

/// One of the account's groups or meetups as the first device shows it, for a linked
/// device (`protocol/devices.md` §6): never its keys. A group of more than
/// [`MAX_COPY_MEMBERS`] members takes several frames, `from` saying where each one's
/// members start; the linked device takes the group once it has `count` of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupCopy {
    /// The group id.
    pub id: Fixed<16>,
    /// Its name.
    pub name: Text<{ crate::group::log::MAX_NAME_BYTES }>,
    /// A meetup (else a group).
    pub meetup: bool,
    /// The membership epoch.
    pub epoch: u64,
    /// The account's person is an admin.
    pub admin: bool,
    /// The account's person is still a member.
    pub active: bool,
    /// Closed by an admin, or expired.
    pub closed: bool,
    /// When a meetup expires (ms).
    pub expires_ms: Option<u64>,
    /// How many members the group has.
    pub count: u64,
    /// The index of this frame's first member.
    pub from: u64,
    /// Members `from`, `from + 1`, …
    pub members: List<MemberCopy, MAX_COPY_MEMBERS>,
}

/// A member as the first device shows it (a meetup's members show a number only when
/// they are the account's contacts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberCopy {
    /// The member's name in the group.
    pub name: Text<{ crate::group::log::MAX_NAME_BYTES }>,
    /// The number (E.164, or a meetup member's pseudonym), or empty.
    pub phone: Text<32>,
    /// In a meetup, the member's short safety fingerprint; else empty.
    pub fingerprint: Text<16>,
    /// The member's peer id (base58).
    pub peer_id: Text<64>,
    /// An admin.
    pub admin: bool,
    /// The account's person.
    pub me: bool,
}

/// A friend's 1:1 message as a linked device hands it to the first device: the fields
/// of the `message` payload of `/chingu/dm/1` (protocol/session.md), the HLC as the
/// linked device stored it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandedMessage {
    /// The message id.
    pub id: Fixed<16>,
    /// The sender's hybrid logical clock.
    pub hlc: u64,
    /// The sender's wall clock (ms).
    pub sent_ms: u64,
    /// The body (CBOR of a content body, as sent).
    pub body: Bytes<MAX_BODY>,
}

/// What a linked device's person did that the first device carries out for the account
/// (`protocol/devices.md` §6). `contact` is a name or number as typed, resolved in the
/// first device's address book.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Mark a 1:1 conversation read (read receipts go to the friend).
    Read {
        /// The conversation's contact.
        contact: Text<MAX_CONTACT_QUERY>,
    },
    /// Tell a friend whether the person is typing.
    Typing {
        /// The friend.
        contact: Text<MAX_CONTACT_QUERY>,
        /// Typing or stopped.
        active: bool,
    },
    /// Add a contact (`to`: as another number of an existing contact).
    AddContact {
        /// The number as typed.
        number: Text<MAX_CONTACT_QUERY>,
        /// Its name.
        name: Text<{ crate::text::MAX_NAME_BYTES }>,
        /// The contact it is another number of.
        to: Option<Text<MAX_CONTACT_QUERY>>,
    },
    /// Remove a contact (a number: that number; a name: the person).
    RemoveContact {
        /// The contact.
        contact: Text<MAX_CONTACT_QUERY>,
    },
    /// Rename a person.
    Rename {
        /// The contact.
        contact: Text<MAX_CONTACT_QUERY>,
        /// The new name.
        name: Text<{ crate::text::MAX_NAME_BYTES }>,
    },
    /// Block or unblock a person.
    Block {
        /// The contact.
        contact: Text<MAX_CONTACT_QUERY>,
        /// Block (true) or unblock.
        blocked: bool,
    },
    /// Mute or unmute a person.
    Mute {
        /// The contact.
        contact: Text<MAX_CONTACT_QUERY>,
        /// Mute (true) or unmute.
        muted: bool,
    },
    /// Mark a group's conversation read (name or id in hex).
    ReadGroup {
        /// The group.
        group: Text<MAX_CONTACT_QUERY>,
    },
    /// Create a group under this id (the linked device chooses it, to find the group's
    /// copy when the first device answers), with these contacts.
    CreateGroup {
        /// The new group's id.
        id: Fixed<16>,
        /// Its name.
        name: Text<{ crate::group::log::MAX_NAME_BYTES }>,
        /// The contacts to add, as typed.
        members: List<Text<MAX_CONTACT_QUERY>, MAX_CREATE_MEMBERS>,
    },
    /// Change a group (name or id in hex) as one of its members.
    ChangeGroup {
        /// The group.
        group: Text<MAX_CONTACT_QUERY>,
        /// What to change.
        change: GroupChange,
    },
}

/// Most contacts a linked device names when it creates a group.
pub const MAX_CREATE_MEMBERS: usize = 256;

/// A change of a group a linked device's person makes (members named by name, number or
/// peer id; contacts as typed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupChange {
    /// Add a contact.
    Invite(Text<MAX_CONTACT_QUERY>),
    /// Remove a member.
    Remove(Text<MAX_CONTACT_QUERY>),
    /// Make a member an admin.
    AdminAdd(Text<MAX_CONTACT_QUERY>),
    /// Make an admin a member only.
    AdminRemove(Text<MAX_CONTACT_QUERY>),
    /// Rename the group.
    Rename(Text<{ crate::group::log::MAX_NAME_BYTES }>),
    /// Leave it.
    Leave,
    /// Close it for everyone (an admin).
    Close,
}

/// Most addresses a linked device names in its hello.
pub const MAX_HELLO_ADDRS: usize = 4;
/// Longest contact query a linked device forwards (a name or a number as typed).
pub const MAX_CONTACT_QUERY: usize = 128;
/// Longest key of the contacts tree (a number).
pub const MAX_CONTACT_KEY: usize = 64;
/// Most keys one `contact_keys` frame carries.
pub const MAX_CONTACT_KEYS: usize = 2_048;

/// The device key of `peer`, if `list` names it as a current device of the account;
/// [`AccountError::RevokedDevice`] for a removed one, [`AccountError::NotADevice`] for
/// any other peer. The account's own device is never served (it is the server).
pub fn served_device(list: &SignedDeviceList, peer: &PeerId) -> Result<[u8; 32], AccountError> {
    let is = |key: &[u8; 32]| crate::identity::peer_id_of(key).as_ref() == Some(peer);
    if let Some(device) = list.list.devices.iter().find(|d| is(d.device.as_bytes())) {
        if device.device != list.list.account {
            return Ok(*device.device.as_bytes());
        }
    }
    if list.list.removed.iter().any(|key| is(key.as_bytes())) {
        return Err(AccountError::RevokedDevice);
    }
    Err(AccountError::NotADevice)
}

#[cfg(test)]
mod tests {
    use libp2p_identity::ed25519::Keypair;

    use super::*;
    use crate::account::devices::device_name;
    use crate::account::Device;
    use crate::wire::Fixed;

    fn peer(key: &Keypair) -> PeerId {
        PeerId::from_public_key(&libp2p_identity::PublicKey::from(key.public()))
    }

    #[test]
    fn only_current_linked_devices_are_served() {
        let account = Keypair::generate();
        let laptop = Keypair::generate();
        let list = SignedDeviceList::first(&account, [1; 32], "main", 1).unwrap();
        let device = Device {
            device: Fixed(laptop.public().to_bytes()),
            noise: Fixed([2; 32]),
            name: device_name("laptop").unwrap(),
            added_ms: 2,
        };
        let two = list.with_device(&account, device, 2).unwrap();
        assert_eq!(served_device(&two, &peer(&laptop)), Ok(laptop.public().to_bytes()));
        assert_eq!(served_device(&two, &peer(&account)), Err(AccountError::NotADevice));
        assert_eq!(
            served_device(&two, &peer(&Keypair::generate())),
            Err(AccountError::NotADevice)
        );
        let (three, _) = two.without_device(&account, "laptop", 3).unwrap();
        assert_eq!(served_device(&three, &peer(&laptop)), Err(AccountError::RevokedDevice));
    }
}
