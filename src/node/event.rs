//! What a node tells the outside world: the [`Event`] stream, and the [`Status`] and
//! [`PeerInfo`] snapshots. All serialise to the JSON the control API sends.

use std::collections::BTreeMap;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::Stream;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_stream::wrappers::BroadcastStream;

/// Something that happened in the node. New variants are added over time: match with a
/// wildcard arm.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A listener is up on `addr`.
    Listening {
        /// The address.
        addr: String,
    },
    /// A connection to a peer was established (first connection only).
    PeerConnected {
        /// Its peer id.
        peer_id: String,
    },
    /// The last connection to a peer closed.
    PeerDisconnected {
        /// Its peer id.
        peer_id: String,
    },
    /// Input from the network was rejected (malformed, oversized, forged, replayed,
    /// expired or over a rate limit). Counted in [`Status::rejected`].
    Rejected {
        /// Who sent it, if known.
        peer_id: Option<String>,
        /// Which protocol it arrived on.
        protocol: String,
        /// The stable reason name.
        reason: String,
    },
    /// A contact's discovery or verification state changed (`pending`, `found`,
    /// `verified`, `conflict`, `not_found`): found friends appear this way.
    ContactUpdated {
        /// The contact's number.
        phone: String,
        /// The contact's name.
        name: String,
        /// The new state.
        state: String,
    },
    /// Blocking warning: the key pinned for this contact is gone and another identity
    /// claims the number. Messages to the contact are held until the owner verifies.
    KeyChanged {
        /// The contact's number.
        phone: String,
        /// The contact's name.
        name: String,
    },
    /// Another, unverified identity claims the number of a pinned contact (it is kept
    /// as a candidate and never used unless the owner verifies it).
    CandidateSeen {
        /// The contact's number.
        phone: String,
        /// The contact's name.
        name: String,
    },
    /// One of this node's rendezvous records was stored in the DHT (`total` so far).
    RecordPublished {
        /// Records published since start.
        total: u64,
    },
    /// A message arrived (from a friend, or as a request from someone not in the
    /// address book: then its state is `request`).
    MessageReceived {
        /// The message.
        message: Box<super::messages::MessageView>,
    },
    /// A message shown earlier changed: a reaction, an edit or a delete (ours or its
    /// author's) applied to it. Replace the message with the same id.
    MessageChanged {
        /// The message as it is now.
        message: Box<super::messages::MessageView>,
    },
    /// Part of a file arrived (at most every few MiB).
    FileProgress {
        /// The file's id.
        id: String,
        /// Bytes of it here now.
        received: u64,
        /// Its size.
        size: u64,
    },
    /// A whole file arrived and was verified.
    FileReady {
        /// The file's id.
        id: String,
        /// Its name, as the sender gave it.
        name: String,
    },
    /// A sticker pack a friend's sticker named arrived and was installed.
    StickersInstalled {
        /// The pack.
        pack: Box<super::stickers::PackView>,
    },
    /// A voucher this node issued was redeemed (recorded as spent).
    VoucherRedeemed {
        /// Its serial (hex).
        serial: String,
        /// What it is for.
        item: String,
        /// What it is worth.
        value: String,
        /// Who redeemed it (identity key, hex).
        holder: String,
    },
    /// One of our messages changed state (`sent`, `delivered`, `read`).
    MessageState {
        /// Message id (hex).
        id: String,
        /// Conversation id (hex).
        conv: String,
        /// The new state.
        state: crate::model::MessageState,
        /// The message, shortened (as in the conversation list).
        #[serde(default)]
        preview: String,
    },
    /// A friend started or stopped typing.
    Typing {
        /// Their number.
        phone: String,
        /// Their name.
        name: String,
        /// Typing now.
        active: bool,
    },
    /// A group or meetup changed: `created`, `joined`, `members`, `renamed` or `removed`
    /// (this node's owner is no longer a member).
    GroupChanged {
        /// The group as it is now.
        group: Box<super::GroupView>,
        /// What happened.
        change: String,
    },
    /// This node's reachability changed (SPEC.md §12.2).
    ReachabilityChanged {
        /// `public`, `private` or `unknown`.
        reachability: String,
        /// The confirmed external addresses now.
        external_addrs: Vec<String>,
    },
    /// The relays this node holds a reservation on changed (peer ids of the active ones).
    RelaysChanged {
        /// Relays with an accepted reservation.
        relays: Vec<String>,
    },
    /// A peer's best connection path changed: it became `relayed`, `hole_punched`, or
    /// `direct` after another path (a first direct connection is only `peer_connected`).
    PathChanged {
        /// The peer.
        peer_id: String,
        /// The best path now.
        path: String,
    },
    /// A new device said hello to an open link offer: the owner compares `sas` with the
    /// new device's screen and answers with `devices.link_confirm`.
    DeviceLinkPending {
        /// The string both screens show.
        sas: String,
        /// The name the new device gave itself.
        name: String,
    },
    /// A device joined the account (the list is stored).
    DeviceLinked {
        /// Its name.
        name: String,
        /// Its peer id.
        peer_id: String,
    },
    /// A link run ended without a device (`reason`: SPEC.md §9.3).
    DeviceLinkFailed {
        /// Why.
        reason: String,
        /// The offer ended with it (a refusal by a person, its expiry, or the third failed
        /// run); otherwise its code still works.
        withdrawn: bool,
    },
    /// A device was removed from the account.
    DeviceRemoved {
        /// Its name.
        name: String,
    },
    /// A subscriber was too slow and missed `missed` events.
    Lagged {
        /// How many events were dropped for this subscriber.
        missed: u64,
    },
}

/// Every node keeps [`super::EVENT_QUEUE`] events in its broadcast ring, allocated and
/// written at start whether anyone listens or not: large payloads (a message, a group,
/// a sticker pack) are boxed so a slot stays small (0.5 MB a node rather than 1.2 MB).
const _: () = assert!(std::mem::size_of::<Event>() <= 96);

/// A snapshot of a node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Status {
    /// This node's peer id.
    pub peer_id: String,
    /// The owner's number, E.164.
    pub phone: String,
    /// The owner's display name.
    pub name: String,
    /// chingu version.
    pub version: String,
    /// Addresses the node listens on (with `/p2p-circuit` ones through relays).
    pub listen_addrs: Vec<String>,
    /// Whether others can dial this node: `public`, `private` or `unknown` (SPEC.md §12.2).
    #[serde(default)]
    pub reachability: String,
    /// Confirmed external addresses: direct ones confirmed by AutoNAT, UPnP or an inbound
    /// connection, and `/p2p-circuit` ones through relays that accepted a reservation.
    /// These are what the rendezvous records carry (unless reachability is `unknown`).
    #[serde(default)]
    pub external_addrs: Vec<String>,
    /// The operator's role preset (`bootstrap`, `mailbox`, `relay`), if any.
    #[serde(default)]
    pub role: Option<String>,
    /// NAT traversal: relay reservations, hole punches, relayed bytes, AutoNAT, the relay
    /// service.
    #[serde(default)]
    pub nat: super::nat::NatStatus,
    /// Number of connected peers.
    pub connected_peers: usize,
    /// Peers in the Kademlia routing table.
    pub routing_table_size: usize,
    /// Tries to bootstrap again because the routing table was thin (SPEC.md §5.5).
    #[serde(default)]
    pub dht_rejoins: u64,
    /// Records held for the DHT.
    pub dht_records: usize,
    /// Seconds since the node started.
    pub uptime_s: u64,
    /// Rejected network input by `protocol.reason`.
    pub rejected: BTreeMap<String, u64>,
    /// The node's own operations that failed (a write to the store, encoding an
    /// answer), by `kind.operation`; each is also logged as an error.
    #[serde(default)]
    pub failures: BTreeMap<String, u64>,
    /// Discovery counters.
    pub discovery: super::DiscoveryStats,
    /// 1:1 message counters.
    pub messages: super::DmStats,
    /// Group message counters.
    #[serde(default)]
    pub groups: super::GroupStats,
    /// Reactions, edits and deletes applied and waiting.
    #[serde(default)]
    pub content: super::ContentStats,
    /// Photos and files sent, received, fetching and served.
    #[serde(default)]
    pub files: super::FileStats,
    /// What this node holds as a mailbox for others (absent unless it serves).
    pub mailbox: Option<crate::mailbox::service::MailboxStats>,
    /// The mailboxes this node is registered with (peer ids).
    pub my_mailboxes: Vec<String>,
}

/// One open connection to a peer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionInfo {
    /// The remote address (for a relayed connection, the circuit address).
    pub addr: String,
    /// `direct`, `relayed` or `hole_punched`.
    pub path: String,
    /// `outbound` (we dialled) or `inbound`.
    pub direction: String,
}

/// A connected peer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeerInfo {
    /// Its peer id.
    pub peer_id: String,
    /// Remote addresses of the open connections.
    pub addrs: Vec<String>,
    /// The best path of its connections: `hole_punched`, `direct`, then `relayed`.
    #[serde(default)]
    pub path: Option<String>,
    /// Its open connections.
    #[serde(default)]
    pub connections: Vec<ConnectionInfo>,
    /// Its agent string from identify, if received.
    pub agent: Option<String>,
    /// Last measured round-trip time in milliseconds.
    pub rtt_ms: Option<f64>,
    /// Whether it is in our Kademlia routing table.
    pub in_routing_table: bool,
    /// Its gossipsub peer score (invalid group messages it forwarded push it below 0;
    /// `None` if we speak no gossipsub with it: it is not a fellow member of a group).
    pub gossip_score: Option<f64>,
    /// Whether it is in one of our gossipsub meshes (the peers group messages are pushed to
    /// at once; the other fellow members only hear of them by gossip or history sync).
    #[serde(default)]
    pub gossip_mesh: bool,
}

/// A stream of [`Event`]s. A subscriber that falls behind by more than
/// [`super::EVENT_QUEUE`] events receives [`Event::Lagged`] and continues.
pub struct EventStream {
    inner: BroadcastStream<Event>,
}

impl EventStream {
    pub(crate) fn new(receiver: broadcast::Receiver<Event>) -> Self {
        Self {
            inner: BroadcastStream::new(receiver),
        }
    }
}

impl Stream for EventStream {
    type Item = Event;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        Pin::new(&mut self.inner).poll_next(cx).map(|item| {
            item.map(|result| match result {
                Ok(event) => event,
                Err(BroadcastStreamRecvError::Lagged(missed)) => Event::Lagged { missed },
            })
        })
    }
}
