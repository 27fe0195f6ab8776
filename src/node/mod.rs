//! The node: one task (the actor) owns the libp2p swarm and the store; everything else
//! talks to it through a cloneable [`NodeHandle`] and listens to its [`Event`]s.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use chingu::{home::Home, Node, NodeConfig};
//! let home = Home::at("/tmp/chingu-demo");
//! let node = Node::start(NodeConfig::from_home(&home)?).await?;
//! println!("I am {}", node.peer_id());
//! let status = node.status().await?;
//! println!("{} peers", status.connected_peers);
//! node.shutdown().await?;
//! # Ok(()) }
//! ```
//!
//! Module map: [`behaviour`] composes the libp2p protocols; `actor` is the event loop
//! and `dht` its Kademlia part; `durability` is the group-commit machinery that makes
//! "on disk before we say so" cheap; [`event`] holds the public event and status types;
//! [`nat`] is reachability, relays, hole punching and dial back-off; `config` is what a
//! node starts with ([`NodeConfig`]).

mod actor;
pub mod admission;
pub mod backup;
pub mod behaviour;
pub mod codec;
mod command;
mod config;
pub mod contacts;
pub mod content;
mod deadlines;
mod dht;
mod discovery;
mod dm;
mod durability;
pub mod event;
pub mod files;
pub mod friends;
pub mod gossip;
pub mod groups;
pub mod history;
mod kdf;
pub mod link;
mod lru;
mod mailbox;
mod mailbox_push;
pub mod messages;
pub mod metrics;
pub mod nat;
mod paper;
pub mod refusal;
mod rejoin;
mod stickers;
mod strangers;
pub mod vouchers;

use std::path::PathBuf;
use std::time::Duration;

use libp2p::{Multiaddr, PeerId};
use tokio::sync::{broadcast, mpsc, oneshot, watch};

pub use config::{parse_addrs, NodeConfig, Transports};
pub use contacts::{find_contact, ContactView, ImportSummary, InviteView, NumberView, SafetyView, Verification};
pub use content::{Compose, ContentStats};
pub use discovery::DiscoveryStats;
pub use dm::DmStats;
pub use event::{ConnectionInfo, Event, EventStream, PeerInfo, Status};
pub use files::{FileInfo, FileStats, SavedFile};
pub use friends::{ProfileView, RequestView};
pub use groups::{AdminAction, GroupStats, GroupView, InvitationView, MeetupView, MemberView};
pub use stickers::PackView;
pub use vouchers::VoucherView;

pub use history::{ExportPage, ExportedConversation, HistoryPage, SearchHit, SearchPage};
pub use messages::{CardView, ConversationView, MessageView, NoteView, PaperView, ReactionView};

use crate::home::HomeError;
use crate::store::{Store, StoreError};
use command::Command;

/// Capacity of the command channel from handles to the actor.
pub const COMMAND_QUEUE: usize = 1024;
/// Events buffered per subscriber before a slow one starts missing some.
pub const EVENT_QUEUE: usize = 4096;
/// Connections an operator's node accepts ([`NodeConfig::apply_role`]; ordinary nodes:
/// `network.max_connections`).
pub const OPERATOR_MAX_CONNECTIONS: u32 = 2048;
/// How long `Node::start` waits for its listeners to come up.
pub const LISTEN_TIMEOUT: Duration = Duration::from_secs(10);

/// What caused a [`NodeError`]: the underlying error, or an explanation where there is
/// none (a timeout).
pub type Cause = Box<dyn std::error::Error + Send + Sync>;

/// Errors of the node API. Variants that come from a lower layer carry it as their
/// [`std::error::Error::source`].
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// The node has shut down, or its task ended with a panic (`panic` holds its
    /// message; `chingu run` exits with an error then).
    #[error("{}", match panic {
        None => "the node is not running".to_owned(),
        Some(panic) => format!("the node stopped: its task panicked ({panic})"),
    })]
    Stopped {
        /// The panic that ended the node's task, if one did.
        panic: Option<String>,
    },
    /// A listen address could not be used.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: String,
        /// Why.
        source: Cause,
    },
    /// A multiaddr did not parse or is unusable here.
    #[error("invalid address {}: {source}", crate::text::quote(addr))]
    InvalidAddress {
        /// The text given.
        addr: String,
        /// Why.
        source: Cause,
    },
    /// The transport stack could not be built.
    #[error("cannot start the network: {0}")]
    Transport(#[source] Cause),
    /// A dial failed.
    #[error("cannot reach {peer}: {source}")]
    Dial {
        /// Who or where.
        peer: String,
        /// Why.
        source: Cause,
    },
    /// A blocking task of the node (opening or flushing the store) failed.
    #[error("the node's {what} task failed: {source}")]
    Task {
        /// Which task.
        what: &'static str,
        /// How it ended.
        source: tokio::task::JoinError,
    },
    /// The home directory is unusable.
    #[error(transparent)]
    Home(#[from] HomeError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A step that cannot fail unless the node has a bug (encoding or encrypting a value
    /// it made, using a key of its own).
    #[error("internal error ({what}): {source}")]
    Internal {
        /// The step, a stable snake_case name (`encode_join_request`…).
        what: &'static str,
        /// Why.
        source: Cause,
    },
    /// A name the owner gave is too long or unprintable.
    #[error(transparent)]
    Name(#[from] crate::text::NameError),
    /// A refusal with a stable reason and details clients can show in their language.
    #[error(transparent)]
    Refused(#[from] refusal::Refusal),
    /// A DHT operation failed.
    #[error("DHT {op} failed: {source}")]
    Dht {
        /// `put` or `get`.
        op: &'static str,
        /// Why.
        source: Cause,
    },
}

/// Starts nodes.
pub struct Node;

impl Node {
    /// Opens the store (on a blocking thread), builds the swarm, starts listening
    /// (waiting until every listener is up), dials the bootstrap peers and spawns the
    /// actor under a supervisor that records how its task ended. Returns a handle.
    pub async fn start(mut config: NodeConfig) -> Result<NodeHandle, NodeError> {
        let store = match config.open_store.take() {
            Some(store) => store,
            None => {
                let (path, options) = (config.db_path.clone(), config.store.clone());
                tokio::task::spawn_blocking(move || Store::open(&path, options))
                    .await
                    .map_err(|source| NodeError::Task {
                        what: "open store",
                        source,
                    })??
            }
        };
        let (commands_tx, commands_rx) = mpsc::channel(COMMAND_QUEUE);
        let (events_tx, _) = broadcast::channel(EVENT_QUEUE);
        let peer_id = config.identity.peer_id();
        let mut actor = actor::Actor::new(config, store, commands_rx, events_tx.clone())?;
        actor.listen().await?;
        actor.bootstrap();
        let (exit_tx, exit) = watch::channel(None);
        let task = tokio::spawn(actor.run());
        tokio::spawn(supervise(task, exit_tx));
        Ok(NodeHandle {
            commands: commands_tx,
            events: events_tx,
            peer_id,
            exit,
        })
    }
}

/// How the node's task ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    /// It returned (shutdown, or every handle dropped).
    Returned,
    /// It panicked, with this message.
    Panicked(String),
}

/// Waits for the node's task and records how it ended; a panic is logged as an error.
async fn supervise(task: tokio::task::JoinHandle<()>, exit: watch::Sender<Option<Exit>>) {
    let outcome = match task.await {
        Ok(()) => Exit::Returned,
        Err(e) if e.is_panic() => {
            let payload = e.into_panic();
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".into());
            tracing::error!(panic = %message, "the node's task panicked; the node stopped");
            Exit::Panicked(message)
        }
        Err(_) => Exit::Returned,
    };
    exit.send_replace(Some(outcome));
}

/// A cloneable handle on a running node. Every method is a message to the node's task.
#[derive(Clone)]
pub struct NodeHandle {
    commands: mpsc::Sender<Command>,
    events: broadcast::Sender<Event>,
    peer_id: PeerId,
    exit: watch::Receiver<Option<Exit>>,
}

impl std::fmt::Debug for NodeHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NodeHandle({})", self.peer_id)
    }
}

impl NodeHandle {
    /// This node's peer id.
    pub fn peer_id(&self) -> PeerId {
        self.peer_id
    }

    /// Subscribes to the node's events from now on.
    pub fn events(&self) -> EventStream {
        EventStream::new(self.events.subscribe())
    }

    async fn request<T>(&self, make: impl FnOnce(oneshot::Sender<T>) -> Command) -> Result<T, NodeError> {
        let (tx, rx) = oneshot::channel();
        if self.commands.send(make(tx)).await.is_err() {
            return Err(self.stopped_error().await);
        }
        match rx.await {
            Ok(answer) => Ok(answer),
            Err(_) => Err(self.stopped_error().await),
        }
    }

    /// The error for a request the node's task did not answer: it ended, and the
    /// supervisor says how.
    async fn stopped_error(&self) -> NodeError {
        let exit = self.wait_exit().await;
        NodeError::Stopped {
            panic: match exit {
                Some(Exit::Panicked(message)) => Some(message),
                _ => None,
            },
        }
    }

    async fn wait_exit(&self) -> Option<Exit> {
        let mut exit = self.exit.clone();
        let ended = exit.wait_for(Option::is_some).await.ok()?.clone();
        ended
    }

    /// How the node's task ended; `None` while it runs.
    pub fn exit(&self) -> Option<Exit> {
        self.exit.borrow().clone()
    }

    /// A snapshot of the node's state.
    pub async fn status(&self) -> Result<Status, NodeError> {
        self.request(Command::Status).await
    }

    /// Connected peers.
    pub async fn peers(&self) -> Result<Vec<PeerInfo>, NodeError> {
        self.request(Command::Peers).await
    }

    /// Addresses the node listens on.
    pub async fn listen_addrs(&self) -> Result<Vec<Multiaddr>, NodeError> {
        Ok(self
            .status()
            .await?
            .listen_addrs
            .iter()
            .filter_map(|a| a.parse().ok())
            .collect())
    }

    /// Connects to a peer (and adds it to the routing table if it speaks our DHT).
    /// Returns once the connection is established.
    pub async fn dial(&self, addr: Multiaddr) -> Result<PeerId, NodeError> {
        self.request(|reply| Command::Dial { addr, reply }).await?
    }

    /// Resolves once the Kademlia routing table holds at least `min` peers; returns the
    /// table's size.
    pub async fn wait_routing_table(&self, min: usize) -> Result<usize, NodeError> {
        self.request(|reply| Command::WaitRoutingTable { min, reply }).await
    }

    /// Resolves once the node has joined the DHT: its first bootstrap (a lookup of its
    /// own key and a refresh of every bucket) finished.
    pub async fn wait_joined(&self) -> Result<(), NodeError> {
        self.request(Command::WaitJoined).await
    }

    /// Adds a contact by number (any local format, normalised with the configured
    /// region) and starts finding it. An existing contact is renamed.
    pub async fn add_contact(&self, number: &str, name: &str) -> Result<ContactView, NodeError> {
        let (input, name) = (number.to_owned(), name.to_owned());
        self.request(|reply| Command::AddContact {
            input,
            name,
            to: None,
            reply,
        })
        .await?
    }

    /// Adds `number` as another number of the contact `to` (name or number): one person,
    /// several numbers.
    pub async fn add_number(&self, number: &str, to: &str) -> Result<ContactView, NodeError> {
        let (input, to) = (number.to_owned(), Some(to.to_owned()));
        self.request(|reply| Command::AddContact {
            input,
            name: String::new(),
            to,
            reply,
        })
        .await?
    }

    /// Adds the inviter of an invite code (`CHINGU-…` or `chingu://invite/…`) as a
    /// verified contact.
    pub async fn add_contact_from_invite(&self, code: &str, name: &str) -> Result<ContactView, NodeError> {
        let (code, name) = (code.to_owned(), name.to_owned());
        self.request(|reply| Command::AddInvite { code, name, reply }).await?
    }

    /// Imports a vCard or CSV address book (its text); discovery of the new contacts
    /// runs in the background (watch [`Event::ContactUpdated`]).
    pub async fn import_contacts(&self, content: String) -> Result<ImportSummary, NodeError> {
        self.request(|reply| Command::ImportContacts { content, reply }).await?
    }

    /// Imports persons an address book was already parsed into (by
    /// [`crate::contacts::import::import`], e.g. in a client that sends a large file in
    /// parts; at most [`contacts::MAX_PERSONS_PER_IMPORT`] per call); each person's
    /// numbers become one contact, and the report's issues are passed back in the summary.
    pub async fn import_persons(
        &self,
        report: crate::contacts::import::ImportReport,
    ) -> Result<ImportSummary, NodeError> {
        self.request(|reply| Command::ImportPersons { report, reply }).await?
    }

    /// The address book, by name.
    pub async fn contacts(&self) -> Result<Vec<ContactView>, NodeError> {
        self.request(Command::Contacts).await?
    }

    /// Removes a contact (by number or name).
    pub async fn remove_contact(&self, contact: &str) -> Result<ContactView, NodeError> {
        let query = contact.to_owned();
        self.request(|reply| Command::RemoveContact { query, reply }).await?
    }

    /// Shows a contact's safety numbers; with `confirm`, marks the pinned key (or
    /// `candidate`, 1-based) verified.
    pub async fn verify_contact(
        &self,
        contact: &str,
        confirm: bool,
        candidate: Option<usize>,
    ) -> Result<Verification, NodeError> {
        let query = contact.to_owned();
        self.request(|reply| Command::VerifyContact {
            query,
            confirm,
            candidate,
            reply,
        })
        .await?
    }

    /// Looks a contact up now and returns it once the lookup finished.
    pub async fn lookup_contact(&self, contact: &str) -> Result<ContactView, NodeError> {
        let query = contact.to_owned();
        self.request(|reply| Command::LookupContact { query, reply }).await?
    }

    /// Creates an invite code valid for `valid_secs` seconds.
    pub async fn create_invite(&self, valid_secs: u64) -> Result<InviteView, NodeError> {
        self.request(|reply| Command::CreateInvite { valid_secs, reply })
            .await?
    }

    /// Sends `text` to a contact (by name or number). Returns once the message is
    /// durably in the outbox (state `queued`); delivery is retried — directly, then
    /// through the friend's mailboxes — until the friend's node acknowledges it, and is
    /// reported by [`Event::MessageState`].
    pub async fn send(&self, contact: &str, text: &str) -> Result<MessageView, NodeError> {
        let (query, text) = (contact.to_owned(), text.to_owned());
        self.request(|reply| Command::Send { query, text, reply }).await?
    }

    /// Sends a reply, a reaction, an edit, a delete, a forward or a card (SPEC.md §6.6).
    /// Like [`NodeHandle::send`], it returns once the message is durable and is retried
    /// until delivered; reactions, edits and deletes change the message they name here at
    /// once (an [`Event::MessageChanged`]) and at the recipients as they arrive.
    pub async fn compose(&self, compose: Compose) -> Result<MessageView, NodeError> {
        self.request(|reply| Command::Compose { compose, reply }).await?
    }

    /// Sends the file at `path` to `to` (a contact or group; SPEC.md §6.11): encrypts it
    /// under a fresh key into the node's files, then sends the message naming it like any
    /// other. Recipients fetch the content from us (and, in a group, from each other).
    pub async fn send_file(&self, to: &str, path: impl Into<PathBuf>) -> Result<MessageView, NodeError> {
        let (to, path) = (to.to_owned(), path.into());
        self.request(|reply| Command::SendFile { to, path, reply }).await?
    }

    /// Makes a sticker pack of the images in `dir` (PNG, JPEG, WebP or GIF, at most 64 of
    /// 64 KiB each, named after their files), signed by this node's identity, and
    /// installs it (SPEC.md §6.12).
    pub async fn create_pack(&self, name: &str, dir: impl Into<PathBuf>) -> Result<PackView, NodeError> {
        let (name, dir) = (name.to_owned(), dir.into());
        self.request(|reply| Command::CreatePack { name, dir, reply }).await?
    }

    /// Installs the sticker pack in the file at `path` (checked: its author's signature).
    pub async fn install_pack(&self, path: impl Into<PathBuf>) -> Result<PackView, NodeError> {
        let path = path.into();
        self.request(|reply| Command::InstallPack { path, reply }).await?
    }

    /// The installed sticker packs.
    pub async fn packs(&self) -> Result<Vec<PackView>, NodeError> {
        self.request(Command::Packs).await?
    }

    /// Mints a voucher in this node's name — for `item`, worth `value`, valid `valid_days`
    /// — for the friend `to`, and sends it to them in a card titled `title` (the item if
    /// empty) with `text` (SPEC.md §6.13). For a shop's node: apps need the `issue` scope.
    pub async fn issue_voucher(
        &self,
        to: &str,
        item: &str,
        value: &str,
        valid_days: u32,
        title: &str,
        text: &str,
    ) -> Result<MessageView, NodeError> {
        let (to, item, value, title, text) = (to.into(), item.into(), value.into(), title.into(), text.into());
        self.request(|reply| Command::IssueVoucher {
            to,
            item,
            value,
            valid_days,
            title,
            text,
            reply,
        })
        .await?
    }

    /// The vouchers this node holds or held.
    pub async fn vouchers(&self) -> Result<Vec<VoucherView>, NodeError> {
        self.request(Command::Vouchers).await?
    }

    /// Passes the voucher `serial` we hold to the friend `to`, with a hop signed by us.
    pub async fn give_voucher(&self, serial: &str, to: &str, text: &str) -> Result<MessageView, NodeError> {
        let (serial, to, text) = (serial.into(), to.into(), text.into());
        self.request(|reply| Command::GiveVoucher {
            serial,
            to,
            text,
            reply,
        })
        .await?
    }

    /// Redeems the voucher `serial` we hold at its issuing node: answers once the issuer
    /// recorded it as spent, or with its refusal.
    pub async fn redeem_voucher(&self, serial: &str) -> Result<VoucherView, NodeError> {
        let serial = serial.into();
        self.request(|reply| Command::RedeemVoucher { serial, reply }).await?
    }

    /// Every file sent, received or arriving, newest first.
    pub async fn files(&self) -> Result<Vec<FileInfo>, NodeError> {
        self.request(Command::Files).await?
    }

    /// Writes the file `id` (a file id, a unique prefix of 8+ digits, or the id of the
    /// message naming it), decrypted, to `path` (into it, under the sender's name made
    /// safe, when it is a directory). Fetches it first if it is not here: returns once it
    /// is written, reporting [`Event::FileProgress`] on the way.
    pub async fn save_file(&self, id: &str, path: impl Into<PathBuf>) -> Result<SavedFile, NodeError> {
        let (id, path) = (id.to_owned(), path.into());
        self.request(|reply| Command::SaveFile { id, path, reply }).await?
    }

    /// Starts a rolling paper for `recipient` (a friend), delivered at `deliver_at_ms`:
    /// a group of `writers` (contacts; never the recipient) that each add a note with
    /// [`Compose::Note`]. On the date, whichever writer is the recipient's friend delivers
    /// it (SPEC.md §6.10). Returns the writers' group.
    pub async fn start_paper(
        &self,
        recipient: &str,
        title: &str,
        deliver_at_ms: u64,
        writers: &[&str],
    ) -> Result<GroupView, NodeError> {
        let (recipient, title) = (recipient.to_owned(), title.to_owned());
        let writers = writers.iter().map(|w| (*w).to_owned()).collect();
        self.request(|reply| Command::StartPaper {
            recipient,
            title,
            deliver_at_ms,
            writers,
            reply,
        })
        .await?
    }

    /// The last `limit` messages with a contact, oldest first, strictly before the
    /// message `before` (hex id) when given. [`messages::history`] reads the same from a
    /// store with no node running.
    pub async fn history(
        &self,
        contact: &str,
        limit: usize,
        before: Option<&str>,
    ) -> Result<Vec<MessageView>, NodeError> {
        let query = contact.to_owned();
        let before = before.map(str::to_owned);
        self.request(|reply| Command::History {
            query,
            limit,
            before,
            reply,
        })
        .await?
    }

    /// Marks the conversation with a contact read (sending read receipts when enabled);
    /// returns how many messages changed.
    pub async fn mark_read(&self, contact: &str) -> Result<usize, NodeError> {
        let query = contact.to_owned();
        self.request(|reply| Command::Read { query, reply }).await?
    }

    /// Tells a friend we are typing (or stopped); false if not sent (turned off in the
    /// config, not a pinned friend, or over the rate limit).
    pub async fn typing(&self, contact: &str, active: bool) -> Result<bool, NodeError> {
        let query = contact.to_owned();
        self.request(|reply| Command::Typing { query, active, reply }).await?
    }

    /// Every conversation, newest activity first.
    pub async fn conversations(&self) -> Result<Vec<ConversationView>, NodeError> {
        self.request(Command::Conversations).await?
    }

    /// Stores a record in the DHT (validated by every storing node, SPEC.md §5.4) and
    /// returns once a quorum of one stored it.
    pub async fn dht_put(&self, key: Vec<u8>, value: Vec<u8>) -> Result<(), NodeError> {
        self.request(|reply| Command::DhtPut { key, value, reply }).await?
    }

    /// Looks a key up in the DHT and returns every valid value found, from up to
    /// `quorum` peers.
    pub async fn dht_get(&self, key: Vec<u8>, quorum: usize) -> Result<Vec<Vec<u8>>, NodeError> {
        self.request(|reply| Command::DhtGet { key, quorum, reply }).await?
    }

    /// Resolves when the node has stopped (after [`NodeHandle::shutdown`] from any handle,
    /// or if its task ended), with how it ended.
    pub async fn stopped(&self) -> Option<Exit> {
        self.wait_exit().await
    }

    /// Stops the node: closes connections, flushes the store and waits for the task to end.
    pub async fn shutdown(&self) -> Result<(), NodeError> {
        match self.request(Command::Shutdown).await {
            Ok(result) => result,
            Err(NodeError::Stopped { panic: None }) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::home::Home;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panic_in_the_node_is_reported_by_every_handle() {
        let dir = tempfile::tempdir().unwrap();
        let home = Home::at(dir.path());
        let report = home
            .init(&crate::home::InitOptions {
                phone: "+821012345678".parse().unwrap(),
                name: String::new(),
                region: Default::default(),
                force: false,
            })
            .unwrap();
        let mut config = NodeConfig::from_home(&home).unwrap();
        config.open_store = Some(report.store);
        config.listen = vec!["/ip4/127.0.0.1/tcp/0".parse().unwrap()];
        let node = Node::start(config).await.unwrap();
        assert_eq!(node.exit(), None);
        node.commands.send(Command::Panic).await.unwrap();
        let exit = node.stopped().await;
        assert_eq!(exit, Some(Exit::Panicked("a panic the test asked for".into())));
        match node.status().await {
            Err(NodeError::Stopped { panic: Some(panic) }) => assert!(panic.contains("test asked for")),
            other => panic!("expected Stopped with the panic, got {other:?}"),
        }
        let error = node.shutdown().await.unwrap_err();
        assert!(error.to_string().contains("panicked"), "{error}");
    }
}
