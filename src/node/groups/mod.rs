//! Group chats and flash meetups inside the node: the glue between the pure group core
//! ([`crate::group`]) and the swarm, the store and the 1:1 sessions (SPEC.md §7).
//!
//! - Membership commits, epoch secrets, welcomes and sender keys travel as
//!   [`GroupControl`] messages over 1:1 sessions ([`DmPayload::Group`]); each waits in a
//!   durable control outbox and is retried with back-off until the member acknowledges it
//!   (after making it durable).
//! - `group.msg` envelopes travel on the epoch's gossipsub topic: validated by us before
//!   gossipsub forwards anything, deduplicated by message id, stored with the ring state.
//! - Missed messages (a sequence gap, a quiet sender whose last messages may be lost, a
//!   member back from offline) are fetched with history sync (`/chingu/group-sync/1`).
//!
//! Every group's record (log, epoch secrets, own sender keys, rings) is written at the end
//! of the loop turn that changed it, before the turn's flush; a message is published only
//! after the sender key that encrypted it is durable.
//!
//! Here: the state, views and helpers. `commands` (the handle's group commands),
//! `control` (control messages), `messages` (group messages, sync deadlines, member
//! connections), `meetup` (flash meetups), `sync` (history sync).

use std::collections::{BTreeMap, HashMap, HashSet};

use libp2p::gossipsub::{self, IdentTopic, MessageAcceptance, TopicHash};
use libp2p::request_response::{self, OutboundRequestId, ResponseChannel};
use libp2p::PeerId;
use rand::RngCore;
use serde::{Deserialize, Serialize};

use super::actor::Actor;
use super::command::Reply;
use super::messages::MessageView;
use super::refusal::Refusal;
use super::{Event, NodeError};
use crate::content::body::{BodyError, WireBody};
use crate::dm::wire::DmPayload;
use crate::group::sync_schedule::{Due, SyncSchedule};
use crate::group::{
    Commit, EpochKeys, EpochSecret, EpochSecretShare, GroupControl, GroupError, GroupId, GroupLog, GroupMessage,
    GroupPlain, GroupState, LogChange, LogError, Member, Op, PendingBuffer, SenderKey, SenderKeyDistribution,
    SenderKeyRing, SyncRequest, SyncResponse, Verdict, MAX_GROUP_BODY, MAX_GROUP_MESSAGE,
};
use crate::model::{
    now_ms, Body, Contact, ContactSource, ContactState, ConvId, Conversation, Direction, Hlc, MessageState, MsgId,
    PeerKeys, StoredMessage,
};
use crate::phone::PhoneNumber;
use crate::ratelimit::{KeyedLimiter, Rate};
use crate::rendezvous::{CodeSecret, Epoch, RendezvousKeys};
use crate::store::StoreError;
use crate::wire::{Bytes, Fixed, List, Text};
use sync::AskedSync;

mod commands;
mod control;
mod handle;
mod meetup;
mod messages;
mod record;
mod sync;
mod timers;

use timers::GroupTimers;

use record::GroupRecord;

/// Protocol id of history sync.
pub const GROUP_SYNC_PROTOCOL: &str = "/chingu/group-sync/1";
/// Epochs of a group kept readable: the current one and the one before (messages in
/// flight when a commit lands).
const KEPT_EPOCHS: usize = 2;
/// Commits and sender keys that arrived before what they build on, kept per group.
const MAX_ORPHANS: usize = 64;
/// Unknown groups for which early control messages are kept (until their welcome).
const MAX_ORPHAN_GROUPS: usize = 64;
/// First retry of an unacknowledged control message (ms); doubles up to the cap.
const CONTROL_RETRY_MS: u64 = 2_000;
/// Longest wait between retries of a control message (ms).
const CONTROL_RETRY_CAP_MS: u64 = 60_000;
/// Sequence numbers asked per sync request.
const SYNC_SPAN: u64 = 255;
/// Least time between two writes of a group's receive state (ms).
const RING_WRITE_MS: u64 = 1_000;
/// Fellow members each node keeps a connection to, per group: gossipsub only talks over
/// open connections, so members make sure the group's mesh can form.
const MEMBER_CONNECTIONS: usize = 6;
/// Least time between two dials of the same member (ms).
const REDIAL_MS: u64 = 10_000;
/// Protocol id of joining a meetup by code.
pub const MEETUP_PROTOCOL: &str = "/chingu/meetup/1";
/// Join attempts a creator accepts per peer (protocol/group.md §8.3).
const JOINS_PER_PEER: Rate = Rate {
    burst: 5,
    per_minute: 5,
};
/// Join attempts a creator accepts per meetup: 60 per hour.
const JOINS_PER_MEETUP: Rate = Rate {
    burst: 60,
    per_minute: 1,
};
/// How long a joiner waits for the creator's welcome (ms).
const JOIN_WAIT_MS: u64 = 60_000;
/// How many times a join request is sent when the connection to the creator fails under it.
const JOIN_ATTEMPTS: u8 = 3;
/// Most declined groups remembered (the oldest is forgotten first).
const MAX_DECLINED: usize = 256;

/// Default lifetime of a flash meetup.
pub const DEFAULT_MEETUP_SECS: u64 = 2 * 3600;

/// Counters of the group protocols.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupStats {
    /// Group messages this node published.
    pub sent: u64,
    /// New group messages received (gossipsub or sync).
    pub received: u64,
    /// Of those, recovered by history sync.
    pub repaired: u64,
    /// Group messages seen again (deduplicated).
    pub duplicates: u64,
    /// Messages waiting for their sender's key.
    pub pending: u64,
    /// Control messages waiting for acknowledgement.
    pub control_outbox: u64,
    /// Sync requests answered.
    pub syncs_served: u64,
}

/// One group as shown to users and apps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupView {
    /// Group id (hex).
    pub group_id: String,
    /// Name.
    pub name: String,
    /// `group` or `meetup`.
    pub kind: String,
    /// Membership epoch.
    pub epoch: u64,
    /// Number of members.
    pub members: usize,
    /// Whether this node's owner is an admin.
    pub is_admin: bool,
    /// Whether this node's owner is still a member.
    pub active: bool,
    /// When a meetup expires (ms), `null` for groups.
    pub expires_ms: Option<u64>,
    /// Closed by an admin (or expired).
    pub closed: bool,
}

/// One member as shown to users and apps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    /// Display name.
    pub name: String,
    /// Number (E.164). In a meetup, only for members who are the owner's contacts (and the
    /// owner): meetup members share no number (SPEC.md §7.5); empty otherwise.
    pub phone: String,
    /// In a meetup, a short safety fingerprint of the member's identity (`12345 67890`)
    /// to compare face to face; empty in groups (use the contact's safety number).
    #[serde(default)]
    pub fingerprint: String,
    /// libp2p peer id.
    pub peer_id: String,
    /// An admin.
    pub admin: bool,
    /// This node's owner.
    pub me: bool,
}

/// A flash meetup just created: the code to hand out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetupView {
    /// Group id (hex).
    pub group_id: String,
    /// Name.
    pub name: String,
    /// The code, `XXXXX-XXXXX`.
    pub code: String,
    /// The same as a link, `chingu://meetup/XXXXX-XXXXX`.
    pub link: String,
    /// When it expires (ms).
    pub expires_ms: u64,
}

/// What an admin does to the admin list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdminAction {
    /// Promote a member.
    Add,
    /// Demote an admin.
    Remove,
}

/// A group request from a handle.
pub(crate) enum GroupCommand {
    Create {
        name: String,
        members: Vec<String>,
        meetup_secs: Option<u64>,
        reply: Reply<GroupView>,
    },
    List(Reply<Vec<GroupView>>),
    Members {
        group: String,
        reply: Reply<Vec<MemberView>>,
    },
    Change {
        group: String,
        change: Change,
        reply: Reply<GroupView>,
    },
    Send {
        group: String,
        text: String,
        reply: Reply<MessageView>,
    },
    CreateMeetup {
        name: String,
        secs: u64,
        reply: Reply<MeetupView>,
    },
    Join {
        creator: Box<PeerKeys>,
        auth_key: [u8; 32],
        reply: Reply<GroupView>,
    },
    History {
        group: String,
        limit: usize,
        before: Option<String>,
        reply: Reply<Vec<MessageView>>,
    },
    Invitations(Reply<Vec<InvitationView>>),
    Read {
        group: String,
        reply: Reply<usize>,
    },
    ForgetAtEnd {
        group: String,
        reply: Reply<GroupView>,
    },
    Answer {
        group: String,
        join: bool,
        reply: Reply<GroupView>,
    },
}

/// A membership change asked for by the owner.
pub(crate) enum Change {
    Invite(String),
    Remove(String),
    Admins(AdminAction, String),
    Rename(String),
    Leave,
    Close,
}

/// How a group in `state` is shown to users and apps.
fn group_view(state: &GroupState, meetup: bool, is_admin: bool, active: bool) -> GroupView {
    GroupView {
        group_id: hex::encode(state.group().as_bytes()),
        name: state.name().to_owned(),
        kind: if meetup { "meetup" } else { "group" }.to_owned(),
        epoch: state.epoch(),
        members: state.members().len(),
        is_admin,
        active,
        expires_ms: state.meetup_expires(),
        closed: state.closed() || state.is_expired(now_ms()),
    }
}

/// A welcome from a contact kept for the owner to join or decline (`[groups] auto_join =
/// false`), persisted. It is not acknowledged until then, so the admin keeps offering it
/// and the other members keep their sender keys for us in their outboxes.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Invitation {
    /// The admin who added us (identity key).
    from: [u8; 32],
    /// The control message id of the welcome (acknowledged on join or decline).
    id: Fixed<16>,
    meetup: bool,
    commit: Commit,
    state: GroupState,
    share: EpochSecretShare,
    received_ms: u64,
}

impl Invitation {
    fn view(&self) -> InvitationView {
        let admin = self.state.member(&Fixed(self.from));
        InvitationView {
            group: group_view(&self.state, self.meetup, false, false),
            from: admin.map(|m| m.phone.to_string()).unwrap_or_default(),
            from_name: admin.map(|m| m.name.to_string()).unwrap_or_default(),
            received_ms: self.received_ms,
        }
    }
}

/// What became of a welcome.
enum WelcomeOutcome {
    Joined,
    /// For a group whose invitation the owner declined: acknowledged, nothing kept.
    Declined,
    /// Kept for the owner to answer; not acknowledged yet.
    Invited,
}

/// An invitation as shown to users and apps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationView {
    /// The group (`active` is false until joined).
    pub group: GroupView,
    /// Who added us: their number (E.164).
    pub from: String,
    /// Their name in the group's member list.
    pub from_name: String,
    /// When the invitation arrived (ms).
    pub received_ms: u64,
}

/// A control message waiting for its acknowledgement (persisted).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ControlEntry {
    id: [u8; 16],
    phone: PhoneNumber,
    #[serde(with = "serde_bytes")]
    data: Vec<u8>,
    attempts: u32,
    next_attempt_ms: u64,
}

/// A meetup join request on its way to the creator, kept to ask again on a new connection.
struct JoinInFlight {
    /// The creator's identity key.
    creator: [u8; 32],
    peer: PeerId,
    request: Vec<u8>,
    attempts: u8,
}

/// The groups' state, owned by the actor.
pub(crate) struct Groups {
    records: HashMap<GroupId, GroupRecord>,
    /// Subscribed topic → (group, epoch).
    topics: HashMap<TopicHash, (GroupId, Fixed<32>)>,
    pending: HashMap<GroupId, PendingBuffer>,
    /// Commits and distributions waiting for what they build on.
    orphans: HashMap<GroupId, Vec<GroupControl>>,
    controls: BTreeMap<[u8; 16], ControlEntry>,
    syncs: HashMap<OutboundRequestId, (GroupId, AskedSync)>,
    /// When each epoch and sender key is next asked about in a sync.
    sync_schedule: SyncSchedule,
    timers: timers::GroupTimers,
    /// When each member was last dialed (ms).
    dialed: HashMap<PeerId, u64>,
    /// Joins we asked for, by the creator's identity: until when we accept its welcome,
    /// and who waits for it.
    joining: HashMap<[u8; 32], (u64, Option<Reply<GroupView>>)>,
    joins_in_flight: HashMap<OutboundRequestId, JoinInFlight>,
    joins_per_peer: KeyedLimiter<PeerId>,
    joins_per_meetup: KeyedLimiter<GroupId>,
    /// Groups changed this loop turn, written once at its end.
    dirty: HashSet<GroupId>,
    /// Groups whose only change is receive state (rings), written at most every
    /// [`RING_WRITE_MS`]: losing that much of it in a crash only lets replays of those
    /// messages reach the store, which deduplicates them by message id.
    ring_dirty: HashSet<GroupId>,
    last_ring_write_ms: u64,
    /// Envelopes published only once the turn's flush is done: (group, message id, bytes).
    unpublished: Vec<(GroupId, MsgId, Vec<u8>)>,
    /// Invitations waiting for the owner.
    invitations: BTreeMap<GroupId, Invitation>,
    /// Groups whose invitation the owner declined since the node started (newest last,
    /// at most [`MAX_DECLINED`]): a copy of the welcome still in flight is acknowledged
    /// and dropped, not kept as a new invitation.
    declined: std::collections::VecDeque<GroupId>,
    /// Short fingerprints of meetup members, by identity key.
    fingerprints: HashMap<[u8; 32], String>,
    pub(super) stats: GroupStats,
}

impl Groups {
    /// Loads every group and the control outbox; subscribes nothing yet (see
    /// [`Actor::resume_groups`]).
    pub(crate) fn load(store: &crate::store::Store) -> Result<Self, crate::store::StoreError> {
        let records: Vec<GroupRecord> = store.groups()?;
        let controls: Vec<ControlEntry> = store.group_controls()?;
        let first_control_ms = controls.iter().map(|c| c.next_attempt_ms).min();
        let invitations: Vec<Invitation> = store.group_invitations()?;
        Ok(Self {
            records: records.into_iter().map(|r| (r.id(), r)).collect(),
            topics: HashMap::new(),
            pending: HashMap::new(),
            orphans: HashMap::new(),
            controls: controls.into_iter().map(|c| (c.id, c)).collect(),
            syncs: HashMap::new(),
            sync_schedule: SyncSchedule::default(),
            // Control messages read back are offered again at once.
            timers: GroupTimers::starting(first_control_ms),
            dialed: HashMap::new(),
            joining: HashMap::new(),
            joins_in_flight: HashMap::new(),
            joins_per_peer: KeyedLimiter::new(JOINS_PER_PEER, 10_000),
            joins_per_meetup: KeyedLimiter::new(JOINS_PER_MEETUP, 10_000),
            dirty: HashSet::new(),
            ring_dirty: HashSet::new(),
            last_ring_write_ms: 0,
            unpublished: Vec::new(),
            invitations: invitations.into_iter().map(|i| (*i.state.group(), i)).collect(),
            declined: std::collections::VecDeque::new(),
            fingerprints: HashMap::new(),
            stats: GroupStats::default(),
        })
    }

    /// The short fingerprint of a meetup member: the first two blocks of its safety
    /// fingerprint with no number (SPEC.md §5.8, §7.5), `12345 67890`.
    fn fingerprint(&mut self, identity_pk: &[u8; 32]) -> String {
        if self.fingerprints.len() >= MAX_FINGERPRINTS {
            self.fingerprints.clear();
        }
        self.fingerprints
            .entry(*identity_pk)
            .or_insert_with(|| {
                let digits = crate::rendezvous::safety::fingerprint(identity_pk, "");
                format!("{} {}", &digits[..5], &digits[5..10])
            })
            .clone()
    }
}

fn group_hex(id: &GroupId) -> String {
    hex::encode(id.as_bytes())
}

/// `s` as a wire text of at most `N` bytes; `what` names it in the refusal (`text_too_long`,
/// details `what`: `group_name`, `name` or `number`, and `max`).
fn text<const N: usize>(s: &str, what: &'static str) -> Result<Text<N>, NodeError> {
    Text::new(s).map_err(|_| {
        Refusal::invalid("text_too_long", format!("the {what} is longer than {N} bytes"))
            .with("what", what.replace(' ', "_"))
            .with("max", N.to_string())
            .into()
    })
}

/// A change the group's log refuses (`group_rules`, detail `rule`: the op's reason, such
/// as `already_member` or `last_admin`, else the [`LogError::reason`]).
fn log_error(e: LogError) -> NodeError {
    let rule = match &e {
        LogError::InvalidOp { reason, .. } | LogError::BadGenesis(reason) => *reason,
        other => other.reason(),
    };
    Refusal::invalid("group_rules", format!("refused by the group's rules: {e}"))
        .with("rule", rule)
        .into()
}

fn topic_of(keys: &EpochKeys) -> IdentTopic {
    IdentTopic::new(keys.topic())
}

/// The number a member's messages are filed under: its number, or for a meetup member
/// who shared none, its pseudonym (SPEC.md §7.5).
pub(super) fn member_number(member: &Member) -> Option<PhoneNumber> {
    if member.phone.as_str().is_empty() {
        Some(PhoneNumber::pseudonym(member.identity_pk.as_bytes()))
    } else {
        PhoneNumber::canonical(member.phone.as_str())
    }
}

/// The one group among `groups` (id, name) that `query` names: by its id in hex, or by
/// its name when no other group has it.
pub(in crate::node) fn find_group<'a>(
    query: &str,
    groups: impl Iterator<Item = (GroupId, &'a str)>,
) -> Result<GroupId, NodeError> {
    let groups: Vec<(GroupId, &str)> = groups.collect();
    if let Ok(bytes) = hex::decode(query) {
        if let Ok(id) = <[u8; 16]>::try_from(bytes.as_slice()) {
            if let Some((id, _)) = groups.iter().find(|(g, _)| *g.as_bytes() == id) {
                return Ok(*id);
            }
        }
    }
    let mut found = groups.iter().filter(|(_, name)| *name == query).map(|(id, _)| *id);
    match (found.next(), found.next()) {
        (Some(id), None) => Ok(id),
        (Some(_), Some(_)) => Err(Refusal::invalid(
            "ambiguous_group",
            format!(
                "more than one group is called {}; use its id",
                crate::text::quote(query)
            ),
        )
        .with("group", query)
        .into()),
        _ => Err(
            Refusal::not_found("no_such_group", format!("no group {}", crate::text::quote(query)))
                .with("group", query)
                .into(),
        ),
    }
}

/// Meetup fingerprints kept (each costs 5,200 SHA-512 rounds).
const MAX_FINGERPRINTS: usize = 4_096;

impl Actor {
    fn me(&self) -> Fixed<32> {
        Fixed(self.config.identity.public_key())
    }

    /// This node's member entry: in a meetup, without our number (SPEC.md §7.5).
    fn my_member(&self, meetup: bool) -> Result<Member, NodeError> {
        let pk = self.me();
        Ok(Member {
            identity_pk: pk,
            noise_pk: Fixed(self.config.identity.noise().public),
            peer_id: Member::peer_id_of(&pk).ok_or_else(|| NodeError::Internal {
                what: "own_peer_id",
                source: "the identity key is not an ed25519 key".into(),
            })?,
            phone: if meetup {
                Text::default()
            } else {
                text(self.own_phone()?.as_str(), "number")?
            },
            name: text(&self.profile.name, "name")?,
        })
    }

    /// The member entry of a contact whose keys are pinned.
    fn member_of_contact(&self, contact: &Contact) -> Result<Member, NodeError> {
        if contact.phone.is_pseudonym() {
            let message = format!("{} is only a meetup acquaintance, not a contact", contact.name);
            return Err(Refusal::not_found("meetup_acquaintance", message)
                .with("contact", contact.name.as_str())
                .into());
        }
        let keys = match (contact.state, contact.pinned.as_ref()) {
            (ContactState::Found | ContactState::Verified, Some(k)) if k.noise_pk != [0; 32] => k,
            _ => {
                let message = format!(
                    "{} has not been found on chingu yet (or their key needs verifying)",
                    contact.phone
                );
                return Err(Refusal::blocked("contact_not_ready", message)
                    .with("contact", contact.display_name())
                    .into());
            }
        };
        let pk = Fixed(keys.identity_pk);
        let name = if keys.name.is_empty() {
            &contact.name
        } else {
            &keys.name
        };
        Ok(Member {
            identity_pk: pk,
            noise_pk: Fixed(keys.noise_pk),
            peer_id: Member::peer_id_of(&pk).ok_or_else(|| StoreError::Corrupt {
                what: "contact",
                message: format!("{}'s identity key is not an ed25519 key", contact.display_name()),
            })?,
            phone: text(contact.phone.as_str(), "number")?,
            name: text(name.chars().take(32).collect::<String>().as_str(), "name")?,
        })
    }

    fn contact_for(&self, query: &str) -> Result<Contact, NodeError> {
        super::contacts::find_contact(&self.store, &self.config.settings.region, query)
    }

    /// `error` (from looking `query` up as a contact), or, when `query` names a group or a
    /// meetup, a refusal that says so (messages to groups go through `groups.send`).
    pub(super) fn maybe_a_group(&self, query: &str, error: NodeError) -> NodeError {
        let Ok(id) = self.group_id_for(query) else {
            return error;
        };
        let record = &self.groups.records[&id];
        let kind = if record.meetup { "meetup" } else { "group" };
        Refusal::not_found(
            "is_a_group",
            format!(
                "{} is a {kind}, not a contact: send to it with `chingu group send`",
                crate::text::quote(query)
            ),
        )
        .with("group", record.log.state().name())
        .with("kind", kind)
        .into()
    }

    /// A group's members and its first admin (its creator, while it is the only one).
    pub(in crate::node) fn group_members(&self, group: &[u8; 16]) -> Option<(Vec<Member>, Option<Fixed<32>>)> {
        let record = self.groups.records.get(&GroupId(Fixed(*group)))?;
        let state = record.log.state();
        Some((state.members().to_vec(), state.admins().first().copied()))
    }

    /// The group named by `query`: its id in hex, or its name.
    /// Whether `peer` is a member of the group `group_id` we are in.
    pub(super) fn is_member_peer(&self, group_id: [u8; 16], peer: &PeerId) -> bool {
        let peer = peer.to_bytes();
        self.groups
            .records
            .get(&GroupId(crate::wire::Fixed(group_id)))
            .is_some_and(|r| {
                !r.removed
                    && r.log
                        .state()
                        .members()
                        .iter()
                        .any(|m| m.peer_id.as_ref() == peer.as_slice())
            })
    }

    /// Every group's id (a first device's copies for its linked devices).
    pub(in crate::node) fn group_ids(&self) -> Vec<GroupId> {
        self.groups.records.keys().copied().collect()
    }

    /// Group `id` as shown now, if this node has it.
    pub(in crate::node) fn shown_group(&self, id: &GroupId) -> Option<GroupView> {
        self.groups.records.get(id).map(|r| r.view(&self.me()))
    }

    /// The group `query` names (its name, or its id in hex); on a linked device, among the
    /// copies of its account's groups.
    pub(in crate::node) fn group_id_for(&self, query: &str) -> Result<GroupId, NodeError> {
        if self.is_linked_device() {
            return self.links.groups.id_for(query);
        }
        find_group(
            query,
            self.groups.records.values().map(|r| (r.id(), r.log.state().name())),
        )
    }

    fn record(&self, id: &GroupId) -> Result<&GroupRecord, NodeError> {
        self.groups.records.get(id).ok_or_else(|| {
            Refusal::not_found("no_such_group", format!("no group {}", group_hex(id)))
                .with("group", group_hex(id))
                .into()
        })
    }

    fn mark_dirty(&mut self, id: GroupId) {
        self.groups.dirty.insert(id);
        self.durability.wrote();
    }

    /// When receive state waiting for its write is due to be written (ms).
    pub(super) fn ring_write_deadline_ms(&self) -> Option<u64> {
        let waiting = !self.groups.ring_dirty.is_empty();
        waiting.then_some(self.groups.last_ring_write_ms + RING_WRITE_MS)
    }

    /// Writes this turn's changed group records (called before each flush).
    pub(super) fn write_groups(&mut self) {
        let now = now_ms();
        let rings = if now.saturating_sub(self.groups.last_ring_write_ms) >= RING_WRITE_MS {
            self.groups.last_ring_write_ms = now;
            std::mem::take(&mut self.groups.ring_dirty)
        } else {
            HashSet::new()
        };
        self.write_dirty_groups(rings);
    }

    /// Writes every changed group now, receive state included (before the last flush).
    pub(super) fn write_all_groups(&mut self) {
        let rings = std::mem::take(&mut self.groups.ring_dirty);
        self.write_dirty_groups(rings);
    }

    /// Writes the groups changed this turn and those of `rings` (receive state only; no
    /// member changed there, so gossip's member set is not rebuilt for them).
    fn write_dirty_groups(&mut self, rings: HashSet<GroupId>) {
        if !self.groups.dirty.is_empty() {
            self.update_gossip_members();
        }
        let mut dirty = std::mem::take(&mut self.groups.dirty);
        dirty.extend(rings);
        for id in dirty {
            if let Some(record) = self.groups.records.get(&id) {
                if let Err(e) = self.store.put_group(id.as_bytes(), record) {
                    tracing::error!(error = %e, "cannot save a group");
                }
            }
        }
    }

    /// Tells gossip who it may talk to (SPEC.md §7.2): the current members of every group
    /// we are in, and for each subscribed topic the members of its epoch. Called whenever
    /// a group changed, before the turn's writes.
    fn update_gossip_members(&mut self) {
        let me = self.me();
        let mut peers: HashMap<Fixed<32>, PeerId> = HashMap::new();
        let mut members = HashSet::new();
        for record in self.groups.records.values().filter(|r| !r.removed) {
            for member in record.log.state().members().iter().filter(|m| m.identity_pk != me) {
                if let Ok(peer) = PeerId::from_bytes(member.peer_id.as_ref()) {
                    peers.insert(member.identity_pk, peer);
                    members.insert(peer);
                }
            }
        }
        let mut entitled = HashMap::new();
        for (topic, (group, epoch)) in &self.groups.topics {
            let Some(ring) = self.groups.records.get(group).and_then(|r| r.rings.get(epoch)) else {
                continue;
            };
            let of_epoch: HashSet<PeerId> =
                ring.members()
                    .filter(|pk| **pk != me)
                    .filter_map(|pk| {
                        peers.get(pk).copied().or_else(|| {
                            Member::peer_id_of(pk).and_then(|bytes| PeerId::from_bytes(bytes.as_ref()).ok())
                        })
                    })
                    .collect();
            entitled.insert(topic.clone(), of_epoch);
        }
        self.swarm.behaviour_mut().gossipsub.set_members(members, entitled);
    }

    /// Subscribes the topics of every kept epoch and asks for what was missed while the
    /// node was down. Called once the swarm runs.
    pub(crate) fn resume_groups(&mut self) {
        let ids: Vec<GroupId> = self.groups.records.keys().copied().collect();
        let now = now_ms();
        for id in ids {
            let record = &self.groups.records[&id];
            if record.removed {
                continue;
            }
            let epochs = record.epochs.clone();
            for epoch in &epochs {
                self.subscribe_epoch(id, epoch);
            }
            let record = &self.groups.records[&id];
            for ring in record.rings.values() {
                for key in ring.keys() {
                    let loaded = (*ring.epoch(), *key.key_id());
                    self.groups.sync_schedule.key_arrived(loaded, now, true);
                }
            }
        }
        self.update_gossip_members();
        self.rekey_after_restore();
    }

    fn subscribe_epoch(&mut self, id: GroupId, epoch: &Fixed<32>) {
        let Some(secret) = self.groups.records.get(&id).and_then(|r| r.secrets.get(epoch)) else {
            return;
        };
        let keys = EpochKeys::derive(&id, secret);
        let topic = topic_of(&keys);
        let gossip = &mut self.swarm.behaviour_mut().gossipsub;
        if let Err(e) = gossip.subscribe(&topic) {
            tracing::error!(error = %e, "cannot subscribe a group topic");
        }
        let _ = gossip.set_topic_params(topic.clone(), super::behaviour::topic_score_params());
        self.groups.topics.insert(topic.hash(), (id, *epoch));
        // A new epoch may have new members to connect to, or end a meetup.
        self.groups.timers.look_now(now_ms());
    }

    fn unsubscribe_epoch(&mut self, id: GroupId, epoch: &Fixed<32>) {
        let Some(secret) = self.groups.records.get(&id).and_then(|r| r.secrets.get(epoch)) else {
            return;
        };
        let topic = topic_of(&EpochKeys::derive(&id, secret));
        self.swarm.behaviour_mut().gossipsub.unsubscribe(&topic);
        self.groups.topics.remove(&topic.hash());
    }
}
