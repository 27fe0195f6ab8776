//! Messages from [`super::NodeHandle`]s to the actor, and where the actor sends each.
//! Each carries a oneshot sender for its reply.

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
    Backup {
        path: std::path::PathBuf,
        key: super::backup::BackupKey,
        reply: Reply<crate::backup::BackupReport>,
    },
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
    Devices(super::link::DeviceCommand),
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

impl super::actor::Actor {
    /// Runs a command from a handle: each goes to the part of the actor that owns it.
    pub(super) fn on_command(&mut self, command: Command) {
        let Some(command) = self.forward_to_first(command) else {
            return;
        };
        match command {
            Command::Status(reply) => {
                let _ = reply.send(self.status());
            }
            Command::Backup { path, key, reply } => self.cmd_backup(path, key, reply),
            Command::Devices(command) => self.on_device_command(command),
            Command::Peers(reply) => {
                let _ = reply.send(self.peer_infos());
            }
            Command::Dial { addr, reply } => self.dial(addr, reply),
            Command::DhtPut { key, value, reply } => self.dht_put_for(key, value, super::dht::PutDone::Reply(reply)),
            Command::DhtGet { key, quorum, reply } => self.dht_get_for(key, quorum, super::dht::GetDone::Reply(reply)),
            Command::WaitRoutingTable { min, reply } => {
                self.routing_waiters.push((min, reply));
                self.check_routing_waiters();
            }
            Command::WaitJoined(reply) => {
                self.join_waiters.push(reply);
                self.check_routing_waiters();
            }
            Command::AddContact { input, name, to, reply } => {
                let _ = reply.send(self.cmd_add_contact(&input, name, to));
            }
            Command::AddInvite { code, name, reply } => {
                let _ = reply.send(self.cmd_add_invite(&code, name));
            }
            Command::ImportContacts { content, reply } => {
                let _ = reply.send(self.cmd_import(&content));
            }
            Command::ImportPersons { report, reply } => {
                let _ = reply.send(self.cmd_import_persons(report));
            }
            Command::Contacts(reply) => {
                let _ = reply.send(self.cmd_contacts());
            }
            Command::RemoveContact { query, reply } => {
                let _ = reply.send(self.cmd_remove_contact(&query));
            }
            Command::VerifyContact {
                query,
                confirm,
                candidate,
                reply,
            } => {
                let _ = reply.send(self.cmd_verify(&query, confirm, candidate));
            }
            Command::LookupContact { query, reply } => self.cmd_lookup(&query, reply),
            Command::CreateInvite { valid_secs, reply } => self.cmd_create_invite(valid_secs, reply),
            Command::Send { query, text, reply } => self.cmd_send(&query, text, reply),
            Command::Compose { compose, reply } => self.cmd_compose(compose, reply),
            Command::SendFile { to, path, reply } => self.cmd_send_file(to, path, reply),
            Command::Files(reply) => self.cmd_files(reply),
            Command::CreatePack { name, dir, reply } => self.cmd_create_pack(name, dir, reply),
            Command::InstallPack { path, reply } => self.cmd_install_pack(path, reply),
            Command::Packs(reply) => self.cmd_packs(reply),
            Command::IssueVoucher {
                to,
                item,
                value,
                valid_days,
                title,
                text,
                reply,
            } => self.cmd_issue_voucher(to, item, value, valid_days, title, text, reply),
            Command::Vouchers(reply) => self.cmd_vouchers(reply),
            Command::GiveVoucher {
                serial,
                to,
                text,
                reply,
            } => self.cmd_give_voucher(serial, to, text, reply),
            Command::RedeemVoucher { serial, reply } => self.cmd_redeem_voucher(serial, reply),
            Command::SaveFile { id, path, reply } => self.cmd_save_file(id, path, reply),
            Command::StartPaper {
                recipient,
                title,
                deliver_at_ms,
                writers,
                reply,
            } => self.cmd_paper_start(&recipient, &title, deliver_at_ms, &writers, reply),
            Command::History {
                query,
                limit,
                before,
                reply,
            } => {
                let _ = reply.send(self.cmd_history(&query, limit, before));
            }
            Command::Read { query, reply } => {
                let _ = reply.send(self.cmd_read(&query));
            }
            Command::Typing { query, active, reply } => {
                let _ = reply.send(self.cmd_typing(&query, active));
            }
            Command::Group(command) => self.on_group_command(command),
            Command::People(command) => self.on_people_command(command),
            Command::Browse(command) => self.on_history_command(command),
            Command::Conversations(reply) => {
                self.write_pending();
                let _ = reply.send(super::messages::conversations(&self.store));
            }
            Command::Shutdown(_) => unreachable!("handled by the loop"),
            #[cfg(test)]
            Command::Panic => panic!("a panic the test asked for"),
        }
    }
}
