//! Messages from [`super::NodeHandle`]s to the actor. Each carries a oneshot sender for
//! its reply.

use libp2p::{Multiaddr, PeerId};
use tokio::sync::oneshot;

use super::contacts::{ContactView, ImportSummary, InviteView, Verification};
use super::friends::{ProfileView, RequestView};
use super::history::{ExportPage, HistoryPage, SearchPage};
use super::messages::{ConversationView, MessageView};
use super::{NodeError, PeerInfo, Status};

/// Where a fallible command's answer goes.
pub(crate) type Reply<T> = oneshot::Sender<Result<T, NodeError>>;

/// A request to the node's task.
pub(crate) enum Command {
    Status(oneshot::Sender<Status>),
    Peers(oneshot::Sender<Vec<PeerInfo>>),
    Dial {
        addr: Multiaddr,
        reply: oneshot::Sender<Result<PeerId, NodeError>>,
    },
    DhtPut {
        key: Vec<u8>,
        value: Vec<u8>,
        reply: oneshot::Sender<Result<(), NodeError>>,
    },
    DhtGet {
        key: Vec<u8>,
        quorum: usize,
        reply: oneshot::Sender<Result<Vec<Vec<u8>>, NodeError>>,
    },
    WaitRoutingTable {
        min: usize,
        reply: oneshot::Sender<usize>,
    },
    WaitJoined(oneshot::Sender<()>),
    AddContact {
        input: String,
        name: String,
        to: Option<String>,
        reply: Reply<ContactView>,
    },
    AddInvite {
        code: String,
        name: String,
        reply: Reply<ContactView>,
    },
    ImportContacts {
        content: String,
        reply: Reply<ImportSummary>,
    },
    ImportPersons {
        report: crate::contacts::import::ImportReport,
        reply: Reply<ImportSummary>,
    },
    Contacts(Reply<Vec<ContactView>>),
    RemoveContact {
        query: String,
        reply: Reply<ContactView>,
    },
    VerifyContact {
        query: String,
        confirm: bool,
        candidate: Option<usize>,
        reply: Reply<Verification>,
    },
    LookupContact {
        query: String,
        reply: Reply<ContactView>,
    },
    CreateInvite {
        valid_secs: u64,
        reply: Reply<InviteView>,
    },
    Send {
        query: String,
        text: String,
        reply: Reply<MessageView>,
    },
    Compose {
        compose: super::content::Compose,
        reply: Reply<MessageView>,
    },
    SendFile {
        to: String,
        path: std::path::PathBuf,
        reply: Reply<MessageView>,
    },
    Files(Reply<Vec<super::files::FileInfo>>),
    CreatePack {
        name: String,
        dir: std::path::PathBuf,
        reply: Reply<super::stickers::PackView>,
    },
    InstallPack {
        path: std::path::PathBuf,
        reply: Reply<super::stickers::PackView>,
    },
    Packs(Reply<Vec<super::stickers::PackView>>),
    IssueVoucher {
        to: String,
        item: String,
        value: String,
        valid_days: u32,
        title: String,
        text: String,
        reply: Reply<MessageView>,
    },
    Vouchers(Reply<Vec<super::vouchers::VoucherView>>),
    GiveVoucher {
        serial: String,
        to: String,
        text: String,
        reply: Reply<MessageView>,
    },
    RedeemVoucher {
        serial: String,
        reply: Reply<super::vouchers::VoucherView>,
    },
    SaveFile {
        id: String,
        path: std::path::PathBuf,
        reply: Reply<super::files::SavedFile>,
    },
    StartPaper {
        recipient: String,
        title: String,
        deliver_at_ms: u64,
        writers: Vec<String>,
        reply: Reply<super::groups::GroupView>,
    },
    History {
        query: String,
        limit: usize,
        before: Option<String>,
        reply: Reply<Vec<MessageView>>,
    },
    Read {
        query: String,
        reply: Reply<usize>,
    },
    Typing {
        query: String,
        active: bool,
        reply: Reply<bool>,
    },
    Conversations(Reply<Vec<ConversationView>>),
    Group(super::groups::GroupCommand),
    People(PeopleCommand),
    Browse(HistoryCommand),
    Shutdown(oneshot::Sender<Result<(), NodeError>>),
    /// Makes the node's task panic (tests of the supervisor).
    #[cfg(test)]
    Panic,
}

/// Address-book and profile commands beyond adding and finding (handled in `friends.rs`
/// and `contacts.rs`).
pub(crate) enum PeopleCommand {
    Rename {
        query: String,
        name: String,
        reply: Reply<ContactView>,
    },
    Block {
        query: String,
        blocked: bool,
        reply: Reply<ContactView>,
    },
    Mute {
        query: String,
        muted: bool,
        reply: Reply<ContactView>,
    },
    Accept {
        query: String,
        reply: Reply<Verification>,
    },
    Requests(Reply<Vec<RequestView>>),
    AcceptRequest {
        query: String,
        name: String,
        reply: Reply<ContactView>,
    },
    BlockRequest {
        query: String,
        reply: Reply<RequestView>,
    },
    Profile(Reply<ProfileView>),
    SetProfile {
        name: Option<String>,
        status: Option<String>,
        reply: Reply<ProfileView>,
    },
}

/// Reading local history: pages, search and export (handled in `history.rs`).
pub(crate) enum HistoryCommand {
    Page {
        conversation: String,
        limit: usize,
        before: Option<String>,
        after: Option<String>,
        reply: Reply<HistoryPage>,
    },
    Search {
        query: String,
        conversation: Option<String>,
        limit: usize,
        before: Option<String>,
        reply: Reply<SearchPage>,
    },
    Export {
        conversation: Option<String>,
        cursor: Option<String>,
        limit: usize,
        reply: Reply<ExportPage>,
    },
    MarkRead {
        conversation: String,
        reply: Reply<usize>,
    },
}
