//! What the tasks of device linking and device sync report to the actor (one event
//! type for both: the actor reads them from one channel).

use libp2p::{Multiaddr, PeerId};
use tokio::sync::oneshot;

use super::{admit, groups, sync};
use crate::account::link::LINK_SECRET_LEN;
use crate::account::{AccountError, Device, SignedDeviceList};
use crate::node::command::Reply;
use crate::node::NodeError;

/// What a link run reports to the actor.
pub(crate) enum LinkEvent {
    /// A stream arrived on `/chingu/link/1`.
    Incoming(PeerId, libp2p::Stream),
    /// A run's channel is up and its device said hello: the owner must compare `sas`.
    /// (Every event of a run names its offer by the code's secret: a run of an offer that
    /// was replaced meanwhile changes nothing.)
    Pending {
        offer: [u8; LINK_SECRET_LEN],
        sas: String,
        name: String,
        decide: oneshot::Sender<bool>,
    },
    /// Both people confirmed: add `device` and answer with the new list, once stored.
    Grant {
        offer: [u8; LINK_SECRET_LEN],
        device: Device,
        reply: oneshot::Sender<Result<SignedDeviceList, AccountError>>,
    },
    /// A linked device dialled `/chingu/device-sync/1` (first device).
    SyncIncoming(PeerId, libp2p::Stream),
    /// Entries from the first device (linked device).
    Synced(Vec<crate::account::history::HistoryEntry>),
    /// A linked device named where it listens (first device).
    DeviceAddrs { peer: PeerId, addrs: Vec<String> },
    /// A linked device's person sent a 1:1 text: send it as this (first) device.
    SendFor {
        contact: String,
        text: String,
        reply: Reply<crate::node::MessageView>,
    },
    /// A linked device's person sent a text to a group: post it as this (first) device's
    /// member.
    SendGroupFor {
        group: String,
        text: String,
        reply: Reply<crate::node::MessageView>,
    },
    /// A linked device hands over a group text its person wrote while this (first)
    /// device was away: post it as this device's member's.
    HandGroupFor {
        group: [u8; 16],
        message: crate::account::sync::HandedMessage,
        reply: Reply<u64>,
    },
    /// A linked device's person sends a file it sealed: send its message as this (first)
    /// device's, fetching the content from `peer`.
    SendFileFor {
        peer: PeerId,
        to: String,
        body: Vec<u8>,
        reply: Reply<crate::node::MessageView>,
    },
    /// A linked device's person composed something: send it as this (first) device's.
    ComposeFor {
        compose: crate::node::Compose,
        reply: Reply<crate::node::MessageView>,
    },
    /// The messages of the linked history that name files (a new device's first start).
    HistoryFiles(Vec<crate::model::StoredMessage>),
    /// The first device sent one of the account's groups (linked device).
    GroupCopied(Box<groups::WholeGroup>),
    /// A linked device's person did something else the account does (first device).
    ActFor {
        action: crate::account::sync::Action,
        reply: Reply<u64>,
    },
    /// A linked device hands over a message that went between it and a friend (first
    /// device).
    HandFor {
        contact: String,
        sent: bool,
        message: crate::account::sync::HandedMessage,
        reply: Reply<u64>,
    },
    /// The first device answered an action (linked device): run `then`.
    Acted {
        result: Result<u64, NodeError>,
        then: sync::Then,
    },
    /// The first device named every contact of the account (linked device).
    ContactKeys(std::collections::HashSet<Vec<u8>>),
    /// The first device said where it listens, as its stream starts (linked device).
    FirstAddrs(Vec<Multiaddr>),
    /// The stream to the first device ended (linked device).
    FirstGone,
    /// The first device sent the account's device list (linked device).
    DeviceList(SignedDeviceList),
    /// The first device sent a forwarded text: its entries, and the answer to give
    /// (linked device).
    SentThrough {
        entries: Vec<crate::account::history::HistoryEntry>,
        reply: Reply<crate::node::MessageView>,
    },
    /// The first device said this device was removed (linked device).
    Removed,
    /// Both people confirmed a run's device: a cut run of it may resume.
    Confirmed {
        offer: [u8; LINK_SECRET_LEN],
        confirmed: admit::Confirmed,
    },
    /// A run ended without a device (`confirmed`: after both people confirmed it — a cut,
    /// which does not count against the offer).
    Failed {
        offer: [u8; LINK_SECRET_LEN],
        peer: PeerId,
        error: AccountError,
        confirmed: bool,
    },
}
