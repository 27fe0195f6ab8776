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

use std::collections::{BTreeMap, HashMap, HashSet};

use libp2p::gossipsub::{self, IdentTopic, MessageAcceptance, TopicHash};
use libp2p::request_response::{self, OutboundRequestId, ResponseChannel};
use libp2p::PeerId;
use rand::RngCore;
use serde::{Deserialize, Serialize};

use super::actor::Actor;
use super::command::Reply;
use super::messages::MessageView;
use super::{Event, NodeError};
use crate::content::body::{BodyError, WireBody};
use crate::dm::wire::DmPayload;
use crate::group::{
    Commit, EpochKeys, EpochSecret, EpochSecretShare, GroupControl, GroupError, GroupId, GroupLog, GroupMessage,
    GroupPlain, GroupState, LogChange, LogError, Member, Op, PendingBuffer, SenderKey, SenderKeyDistribution,
    SenderKeyRing, SyncRequest, SyncResponse, Verdict, MAX_GROUP_BODY, MAX_GROUP_MESSAGE,
};
use crate::model::{
    now_ms, Body, Contact, ContactSource, ContactState, ConvId, Conversation, ConversationKind, Direction, Hlc,
    MessageState, MsgId, PeerKeys, StoredMessage,
};
use crate::phone::PhoneNumber;
use crate::ratelimit::{KeyedLimiter, Rate};
use crate::rendezvous::{CodeSecret, Epoch};
use crate::wire::{Bytes, Fixed, List, Text};

mod meetup;
mod sync;

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
/// A sender quiet this long after its last message is asked whether more came (ms).
const TAIL_SYNC_AFTER_MS: u64 = 1_000;
/// Senders quiet longer than this are not asked any more (ms).
const TAIL_SYNC_WINDOW_MS: u64 = 120_000;
/// Every sender of a current epoch is asked this often whether it sent anything we did
/// not get (the fallback when gossipsub delivered nothing that would reveal a gap) (ms).
const POLL_SYNC_MS: u64 = 30_000;
/// Tail and poll sync requests started per tick, together.
const SYNCS_PER_TICK: usize = 32;
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

/// Everything kept about one group (persisted in the `groups` tree).
#[derive(Clone, Serialize, Deserialize)]
struct GroupRecord {
    meetup: bool,
    log: GroupLog,
    /// Epoch secrets of kept epochs, by commit hash.
    secrets: BTreeMap<Fixed<32>, EpochSecret>,
    /// Our sender key per kept epoch.
    own: BTreeMap<Fixed<32>, SenderKey>,
    /// Everyone's sender keys per kept epoch.
    rings: BTreeMap<Fixed<32>, SenderKeyRing>,
    /// Kept epochs, oldest first.
    epochs: Vec<Fixed<32>>,
    /// We were removed or left: nothing is sent or accepted any more.
    removed: bool,
    /// For a meetup this node created: its code's join key in the epoch it was created
    /// in (forgotten at expiry).
    #[serde(default)]
    join_key: Option<[u8; 32]>,
    /// And in the next epoch, for a meetup created in the last day of its epoch (whose
    /// entry was published for both).
    #[serde(default)]
    join_key_next: Option<[u8; 32]>,
    /// A meetup whose history this node deletes when it ends (`--forget`).
    #[serde(default)]
    forget_history: bool,
}

impl GroupRecord {
    fn id(&self) -> GroupId {
        *self.log.state().group()
    }

    fn current_epoch(&self) -> Option<&Fixed<32>> {
        self.epochs.last()
    }

    fn view(&self, me: &Fixed<32>) -> GroupView {
        let state = self.log.state();
        group_view(state, self.meetup, state.is_admin(me), !self.removed)
    }
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

/// Tracking of one sender key's traffic, for tail sync.
#[derive(Default, Clone, Copy)]
struct SenderActivity {
    last_message_ms: u64,
    asked_ms: u64,
    /// The last sync went to another member, who did not have everything: the sender
    /// (who keeps all its messages) is asked next.
    ask_sender_next: bool,
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
    syncs: HashMap<OutboundRequestId, (GroupId, SyncRequest)>,
    activity: HashMap<(Fixed<32>, Fixed<8>), SenderActivity>,
    /// When each member was last dialed (ms).
    dialed: HashMap<PeerId, u64>,
    /// Joins we asked for, by the creator's identity: until when we accept its welcome,
    /// and who waits for it.
    joining: HashMap<[u8; 32], (u64, Option<Reply<GroupView>>)>,
    joins_in_flight: HashMap<OutboundRequestId, [u8; 32]>,
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
        let invitations: Vec<Invitation> = store.group_invitations()?;
        Ok(Self {
            records: records.into_iter().map(|r| (r.id(), r)).collect(),
            topics: HashMap::new(),
            pending: HashMap::new(),
            orphans: HashMap::new(),
            controls: controls.into_iter().map(|c| (c.id, c)).collect(),
            syncs: HashMap::new(),
            activity: HashMap::new(),
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

fn text<const N: usize>(s: &str, what: &str) -> Result<Text<N>, NodeError> {
    Text::new(s).map_err(|_| NodeError::Invalid(format!("the {what} is longer than {N} bytes")))
}

fn log_error(e: LogError) -> NodeError {
    NodeError::Invalid(format!("refused by the group's rules: {e}"))
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
            peer_id: Member::peer_id_of(&pk).ok_or_else(|| NodeError::Invalid("own identity key".into()))?,
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
            return Err(NodeError::NotFound(format!(
                "{} is only a meetup acquaintance, not a contact",
                contact.name
            )));
        }
        let keys = match (contact.state, contact.pinned.as_ref()) {
            (ContactState::Found | ContactState::Verified, Some(k)) if k.noise_pk != [0; 32] => k,
            _ => {
                return Err(NodeError::Blocked(format!(
                    "{} has not been found on chingu yet (or their key needs verifying)",
                    contact.phone
                )))
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
            peer_id: Member::peer_id_of(&pk).ok_or_else(|| NodeError::Invalid("contact key".into()))?,
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
        super::refusal::Refusal::not_found(
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
    pub(super) fn group_id_for(&self, query: &str) -> Result<GroupId, NodeError> {
        if let Ok(bytes) = hex::decode(query) {
            if let Ok(id) = <[u8; 16]>::try_from(bytes.as_slice()) {
                let id = GroupId(Fixed(id));
                if self.groups.records.contains_key(&id) {
                    return Ok(id);
                }
            }
        }
        let mut found = self
            .groups
            .records
            .values()
            .filter(|r| r.log.state().name() == query)
            .map(|r| r.id());
        match (found.next(), found.next()) {
            (Some(id), None) => Ok(id),
            (Some(_), Some(_)) => Err(NodeError::Invalid(format!(
                "more than one group is called {}; use its id",
                crate::text::quote(query)
            ))),
            _ => Err(super::refusal::Refusal::not_found(
                "no_such_group",
                format!("no group {}", crate::text::quote(query)),
            )
            .with("group", query)
            .into()),
        }
    }

    fn record(&self, id: &GroupId) -> Result<&GroupRecord, NodeError> {
        self.groups
            .records
            .get(id)
            .ok_or_else(|| NodeError::NotFound(format!("no group {}", group_hex(id))))
    }

    fn mark_dirty(&mut self, id: GroupId) {
        self.groups.dirty.insert(id);
        self.durability.wrote();
    }

    /// Writes this turn's changed group records (called before each flush).
    pub(super) fn write_groups(&mut self) {
        let now = now_ms();
        if now.saturating_sub(self.groups.last_ring_write_ms) >= RING_WRITE_MS {
            self.groups.last_ring_write_ms = now;
            let rings = std::mem::take(&mut self.groups.ring_dirty);
            self.groups.dirty.extend(rings);
        }
        self.write_dirty_groups();
    }

    /// Writes every changed group now, receive state included (before the last flush).
    pub(super) fn write_all_groups(&mut self) {
        let rings = std::mem::take(&mut self.groups.ring_dirty);
        self.groups.dirty.extend(rings);
        self.write_dirty_groups();
    }

    fn write_dirty_groups(&mut self) {
        if !self.groups.dirty.is_empty() {
            self.update_gossip_members();
        }
        for id in std::mem::take(&mut self.groups.dirty) {
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
                    self.groups.activity.insert(
                        (*ring.epoch(), *key.key_id()),
                        SenderActivity {
                            last_message_ms: now.saturating_sub(TAIL_SYNC_AFTER_MS),
                            ..SenderActivity::default()
                        },
                    );
                }
            }
        }
        self.update_gossip_members();
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
    }

    fn unsubscribe_epoch(&mut self, id: GroupId, epoch: &Fixed<32>) {
        let Some(secret) = self.groups.records.get(&id).and_then(|r| r.secrets.get(epoch)) else {
            return;
        };
        let topic = topic_of(&EpochKeys::derive(&id, secret));
        self.swarm.behaviour_mut().gossipsub.unsubscribe(&topic);
        self.groups.topics.remove(&topic.hash());
    }

    // --- commands ------------------------------------------------------------------

    pub(super) fn on_group_command(&mut self, command: GroupCommand) {
        match command {
            GroupCommand::Create {
                name,
                members,
                meetup_secs,
                reply,
            } => {
                let result = self.cmd_group_create(&name, &members, meetup_secs);
                self.reply_after_flush(reply, result);
            }
            GroupCommand::List(reply) => {
                let me = self.me();
                let mut views: Vec<GroupView> = self.groups.records.values().map(|r| r.view(&me)).collect();
                views.sort_by(|a, b| a.name.cmp(&b.name).then(a.group_id.cmp(&b.group_id)));
                let _ = reply.send(Ok(views));
            }
            GroupCommand::Members { group, reply } => {
                let result = self.group_id_for(&group).and_then(|id| self.member_views(&id));
                let _ = reply.send(result);
            }
            GroupCommand::Change { group, change, reply } => {
                let result = self
                    .group_id_for(&group)
                    .and_then(|id| self.cmd_group_change(id, change));
                self.reply_after_flush(reply, result);
            }
            GroupCommand::Send { group, text, reply } => self.post_group(&group, Body::Text { text }, reply),
            GroupCommand::CreateMeetup { name, secs, reply } => self.cmd_meetup_create(&name, secs, reply),
            GroupCommand::Join {
                creator,
                auth_key,
                reply,
            } => self.cmd_meetup_join(*creator, auth_key, reply),
            GroupCommand::Invitations(reply) => {
                let views = self.groups.invitations.values().map(Invitation::view).collect();
                let _ = reply.send(Ok(views));
            }
            GroupCommand::Read { group, reply } => {
                let result = self
                    .group_id_for(&group)
                    .and_then(|id| self.mark_conversation_read(&ConvId::group(*id.as_bytes())))
                    .map(|ids| ids.len());
                let _ = reply.send(result);
            }
            GroupCommand::ForgetAtEnd { group, reply } => {
                let result = self.group_id_for(&group).and_then(|id| self.cmd_forget_at_end(id));
                self.reply_after_flush(reply, result);
            }
            GroupCommand::Answer { group, join, reply } => {
                let result = self.cmd_answer_invitation(&group, join);
                self.reply_after_flush(reply, result);
            }
            GroupCommand::History {
                group,
                limit,
                before,
                reply,
            } => {
                let _ = reply.send(
                    self.group_id_for(&group)
                        .and_then(|id| self.group_history(&id, limit, before)),
                );
            }
        }
    }

    /// Answers once this turn's writes are durable (or at once with an error).
    fn reply_after_flush<T: Send + 'static>(&mut self, reply: Reply<T>, result: Result<T, NodeError>) {
        match result {
            Ok(value) => self.durability.after_flush(Box::new(move |_: &mut Actor| {
                let _ = reply.send(Ok(value));
            })),
            Err(e) => {
                let _ = reply.send(Err(e));
            }
        }
    }

    /// The members as shown to the owner. In a meetup nobody's number is shown but the
    /// owner's and those of the owner's contacts; every member has a short fingerprint.
    fn member_views(&mut self, id: &GroupId) -> Result<Vec<MemberView>, NodeError> {
        let record = self.record(id)?;
        let (meetup, state) = (record.meetup, record.log.state().clone());
        let me = self.me();
        let mut views = Vec::with_capacity(state.members().len());
        for m in state.members() {
            let is_me = m.identity_pk == me;
            let (phone, fingerprint) = if !meetup {
                (m.phone.as_str().to_owned(), String::new())
            } else {
                let known = if is_me {
                    self.profile.phone.clone()
                } else {
                    self.friend_of(m.identity_pk.as_bytes())
                        .map(|c| c.phone)
                        .filter(|p| !p.is_pseudonym())
                };
                let phone = known.map(|p| p.to_string()).unwrap_or_default();
                (phone, self.groups.fingerprint(m.identity_pk.as_bytes()))
            };
            views.push(MemberView {
                name: m.name.as_str().to_owned(),
                phone,
                fingerprint,
                peer_id: PeerId::from_bytes(m.peer_id.as_ref())
                    .map(|p| p.to_string())
                    .unwrap_or_default(),
                admin: state.is_admin(&m.identity_pk),
                me: is_me,
            });
        }
        Ok(views)
    }

    fn group_history(&self, id: &GroupId, limit: usize, before: Option<String>) -> Result<Vec<MessageView>, NodeError> {
        let before = before
            .map(|b| b.parse::<MsgId>().map_err(|e| NodeError::Invalid(e.to_string())))
            .transpose()?;
        let state = self.record(id)?.log.state();
        let messages = self.store.last_messages(
            &ConvId::group(*id.as_bytes()),
            limit.clamp(1, super::messages::MAX_HISTORY_LIMIT),
            before.as_ref(),
        )?;
        Ok(messages
            .iter()
            .map(|m| {
                let name = match m.direction {
                    Direction::Outgoing => "",
                    Direction::Incoming => state
                        .members()
                        .iter()
                        .find(|mb| member_number(mb).as_ref() == Some(&m.sender))
                        .map(|mb| mb.name.as_str())
                        .unwrap_or(""),
                };
                MessageView::new(m, name).titled(state.name())
            })
            .collect())
    }

    pub(in crate::node) fn cmd_group_create(
        &mut self,
        name: &str,
        members: &[String],
        meetup_secs: Option<u64>,
    ) -> Result<GroupView, NodeError> {
        crate::text::check_name(name.trim())?;
        let name = text(name.trim(), "group name")?;
        if name.as_str().is_empty() {
            return Err(NodeError::Invalid("a group needs a name".into()));
        }
        let me = self.my_member(meetup_secs.is_some())?;
        let mut added = Vec::new();
        for query in members {
            let contact = self.contact_for(query)?;
            let member = self.member_of_contact(&contact)?;
            if member.identity_pk != me.identity_pk
                && !added.iter().any(|m: &Member| m.identity_pk == member.identity_pk)
            {
                added.push(member);
            }
        }
        let now = now_ms();
        let expires = meetup_secs.map(|s| now + s.saturating_mul(1000));
        let id = GroupId::generate(&mut rand::rngs::OsRng);
        let secret = EpochSecret::generate(&mut rand::rngs::OsRng);
        let (commit, state) = Commit::genesis(
            self.config.identity.ed25519(),
            id,
            name,
            expires,
            me,
            added.into_iter().map(Op::Add).collect(),
            now,
            &secret,
        )
        .map_err(log_error)?;
        let log = GroupLog::new(&commit).map_err(log_error)?;
        let record = GroupRecord {
            meetup: expires.is_some(),
            log,
            secrets: BTreeMap::new(),
            own: BTreeMap::new(),
            rings: BTreeMap::new(),
            epochs: Vec::new(),
            removed: false,
            join_key: None,
            join_key_next: None,
            forget_history: false,
        };
        self.groups.records.insert(id, record);
        self.ensure_conversation(&id);
        self.enter_epoch(id, &commit, secret);
        let others: Vec<Member> = state
            .members()
            .iter()
            .filter(|m| m.identity_pk != self.me())
            .cloned()
            .collect();
        for member in others {
            self.send_welcome(&id, &member, &commit);
        }
        self.announce_group(&id, "created");
        Ok(self.record(&id)?.view(&self.me()))
    }

    fn cmd_group_change(&mut self, id: GroupId, change: Change) -> Result<GroupView, NodeError> {
        let record = self.record(&id)?;
        if record.removed {
            return Err(NodeError::Invalid("you are no longer a member of this group".into()));
        }
        let state = record.log.state().clone();
        let member_by = |query: &str| -> Result<Fixed<32>, NodeError> {
            state
                .members()
                .iter()
                .find(|m| {
                    m.name.as_str() == query
                        || m.phone.as_str() == query
                        || PeerId::from_bytes(m.peer_id.as_ref()).is_ok_and(|p| p.to_string() == query)
                })
                .map(|m| m.identity_pk)
                .ok_or_else(|| NodeError::NotFound(format!("no member {} in this group", crate::text::quote(query))))
        };
        let ops = match change {
            Change::Invite(query) => {
                let contact = self.contact_for(&query)?;
                vec![Op::Add(self.member_of_contact(&contact)?)]
            }
            Change::Remove(query) => vec![Op::Remove(member_by(&query)?)],
            Change::Admins(AdminAction::Add, query) => vec![Op::AdminAdd(member_by(&query)?)],
            Change::Admins(AdminAction::Remove, query) => vec![Op::AdminRemove(member_by(&query)?)],
            Change::Rename(name) => {
                crate::text::check_name(name.trim())?;
                vec![Op::Rename(text(name.trim(), "group name")?)]
            }
            Change::Leave => vec![Op::Leave],
            Change::Close => vec![Op::Close],
        };
        self.commit_ops(id, ops)?;
        Ok(self.record(&id)?.view(&self.me()))
    }

    /// Signs and applies a commit of `ops`, then tells every member concerned.
    fn commit_ops(&mut self, id: GroupId, ops: Vec<Op>) -> Result<(), NodeError> {
        let secret = EpochSecret::generate(&mut rand::rngs::OsRng);
        let record = self.record(&id)?;
        let old = record.log.state().clone();
        let commit = Commit::create(self.config.identity.ed25519(), &old, ops, now_ms(), &secret).map_err(log_error)?;
        let change = self
            .groups
            .records
            .get_mut(&id)
            .expect("checked above")
            .log
            .insert(commit.clone())
            .map_err(log_error)?;
        self.after_head_change(id, &old, change, Some((&commit, secret)));
        Ok(())
    }

    /// Everything that follows a move of the head: epoch entry, notices to members,
    /// removal of ourselves.
    fn after_head_change(
        &mut self,
        id: GroupId,
        old: &GroupState,
        change: LogChange,
        own: Option<(&Commit, EpochSecret)>,
    ) {
        let LogChange::Head {
            rolled_back, applied, ..
        } = change
        else {
            return;
        };
        let me = self.me();
        let record = self.groups.records.get(&id).expect("caller holds the group");
        let new = record.log.state().clone();
        for commit in &rolled_back {
            self.forget_epoch(id, commit.hash());
        }
        if let Some((commit, secret)) = own {
            // Our own epoch first: a welcome carries its secret.
            if new.is_member(&me) {
                self.enter_epoch(id, commit, secret.clone());
            }
            // Tell everyone: remaining members get the secret, new ones a welcome,
            // removed ones the bare commit.
            for member in new.members().iter().filter(|m| m.identity_pk != me) {
                if applied.joined.contains(&member.identity_pk) {
                    self.send_welcome(&id, member, commit);
                } else {
                    let share = EpochSecretShare::new(commit, secret.clone());
                    self.send_control_to(
                        &id,
                        member,
                        GroupControl::Commit {
                            id: Fixed(rand::random()),
                            meetup: self.groups.records[&id].meetup,
                            commit: commit.clone(),
                            share: Some(share),
                        },
                    );
                }
            }
            for member in old
                .members()
                .iter()
                .filter(|m| applied.left.contains(&m.identity_pk) && m.identity_pk != me)
            {
                self.send_control_to(
                    &id,
                    member,
                    GroupControl::Commit {
                        id: Fixed(rand::random()),
                        meetup: self.groups.records[&id].meetup,
                        commit: commit.clone(),
                        share: None,
                    },
                );
            }
        }
        if !new.is_member(&me) {
            self.leave_group(id);
            self.announce_group(&id, "removed");
        } else {
            self.announce_group(&id, if new.name() != old.name() { "renamed" } else { "members" });
        }
        self.mark_dirty(id);
    }

    /// Starts the epoch `commit` begins: keeps its secret, subscribes its topic, makes our
    /// sender key and sends it to every other member; retires epochs beyond the kept ones.
    fn enter_epoch(&mut self, id: GroupId, commit: &Commit, secret: EpochSecret) {
        let epoch = *commit.hash();
        let me = self.me();
        let record = self.groups.records.get_mut(&id).expect("caller holds the group");
        if record.epochs.contains(&epoch) {
            return;
        }
        let state = record.log.state().clone();
        record.secrets.insert(epoch, secret);
        record.rings.insert(epoch, SenderKeyRing::new(&state));
        let key = SenderKey::generate(epoch, &mut rand::rngs::OsRng);
        let dist = key.distribution(self.config.identity.ed25519(), id);
        record.own.insert(epoch, key);
        record.epochs.push(epoch);
        let retired: Vec<Fixed<32>> = if record.epochs.len() > KEPT_EPOCHS {
            record.epochs.drain(..record.epochs.len() - KEPT_EPOCHS).collect()
        } else {
            Vec::new()
        };
        self.subscribe_epoch(id, &epoch);
        for old in retired {
            self.forget_epoch(id, &old);
        }
        for member in state.members().iter().filter(|m| m.identity_pk != me) {
            self.send_control_to(
                &id,
                member,
                GroupControl::SenderKey {
                    id: Fixed(rand::random()),
                    dist: dist.clone(),
                },
            );
        }
        self.mark_dirty(id);
        self.retry_orphans(id);
        self.connect_members();
    }

    /// Drops one epoch's keys, topic, buffered messages and kept envelopes.
    fn forget_epoch(&mut self, id: GroupId, epoch: &Fixed<32>) {
        self.unsubscribe_epoch(id, epoch);
        if let Some(record) = self.groups.records.get_mut(&id) {
            record.secrets.remove(epoch);
            record.own.remove(epoch);
            record.rings.remove(epoch);
            record.epochs.retain(|e| e != epoch);
        }
        if let Some(buffer) = self.groups.pending.get_mut(&id) {
            buffer.drop_epoch(epoch);
        }
        self.groups.activity.retain(|(e, _), _| e != epoch);
        if let Err(e) = self.store.remove_group_envelopes(epoch.as_bytes()) {
            tracing::error!(error = %e, "cannot forget a group epoch");
        }
        self.mark_dirty(id);
    }

    /// We are out: forget every epoch (history stays).
    fn leave_group(&mut self, id: GroupId) {
        let epochs = self
            .groups
            .records
            .get(&id)
            .map(|r| r.epochs.clone())
            .unwrap_or_default();
        for epoch in &epochs {
            self.forget_epoch(id, epoch);
        }
        if let Some(record) = self.groups.records.get_mut(&id) {
            record.removed = true;
        }
        self.groups.pending.remove(&id);
        self.groups.orphans.remove(&id);
        self.mark_dirty(id);
    }

    fn ensure_conversation(&mut self, id: &GroupId) {
        let Some(record) = self.groups.records.get(id) else {
            return;
        };
        let conv_id = ConvId::group(*id.as_bytes());
        let title = record.log.state().name().to_owned();
        let kind = if record.meetup {
            ConversationKind::Meetup {
                group_id: *id.as_bytes(),
            }
        } else {
            ConversationKind::Group {
                group_id: *id.as_bytes(),
            }
        };
        let mut conv = match self.conversation_row(&conv_id) {
            Ok(Some(c)) => c,
            _ => Conversation {
                id: conv_id,
                kind,
                title: title.clone(),
                last_hlc: 0,
                unread: 0,
                preview: String::new(),
            },
        };
        if conv.title != title || conv.last_hlc == 0 {
            conv.title = title;
            self.update_conversation(conv);
        }
    }

    fn announce_group(&mut self, id: &GroupId, change: &str) {
        let Some(record) = self.groups.records.get(id) else {
            return;
        };
        let view = record.view(&self.me());
        let change = change.to_owned();
        self.ensure_conversation(id);
        self.durability.after_flush(Box::new(move |actor: &mut Actor| {
            actor.emit(Event::GroupChanged { group: view, change });
        }));
    }

    // --- control messages ------------------------------------------------------------

    fn send_welcome(&mut self, id: &GroupId, member: &Member, commit: &Commit) {
        let Some(record) = self.groups.records.get(id) else {
            return;
        };
        let Some(secret) = record.secrets.get(commit.hash()).cloned() else {
            return;
        };
        let control = GroupControl::Welcome {
            id: Fixed(rand::random()),
            meetup: record.meetup,
            commit: commit.clone(),
            state: record.log.state().clone(),
            share: EpochSecretShare::new(commit, secret),
        };
        self.send_control_to(id, member, control);
    }

    /// Queues a control message for `member` durably; it goes out after the flush and is
    /// retried until acknowledged.
    fn send_control_to(&mut self, group: &GroupId, member: &Member, control: GroupControl) {
        let Some(phone) = self.member_contact(member) else {
            tracing::warn!(group = %group_hex(group), "a member cannot be reached over 1:1 (no usable number or key conflict)");
            return;
        };
        let Some(id) = control.id().map(|i| *i.as_bytes()) else {
            return;
        };
        let data = match control.encode() {
            Ok(d) => d,
            Err(e) => return tracing::error!(error = %e, "a group control message does not fit"),
        };
        let entry = ControlEntry {
            id,
            phone,
            data,
            attempts: 0,
            next_attempt_ms: 0,
        };
        if let Err(e) = self.store.put_group_control(&id, &entry) {
            return tracing::error!(error = %e, "cannot queue a group control message");
        }
        self.groups.controls.insert(id, entry);
        self.groups.stats.control_outbox = self.groups.controls.len() as u64;
        self.durability.wrote();
        self.durability
            .after_flush(Box::new(move |actor: &mut Actor| actor.pump_control(Some(id))));
    }

    /// The number under which `member` is reachable 1:1: an existing contact pinned to its
    /// key, or a new contact (source `group`) pinned to the key the signed log gives. A
    /// meetup member who shared no number is filed under its pseudonym (SPEC.md §7.5),
    /// unless it is a contact of ours.
    fn member_contact(&mut self, member: &Member) -> Option<PhoneNumber> {
        if member.phone.as_str().is_empty() {
            if let Some(friend) = self.friend_of(member.identity_pk.as_bytes()) {
                return Some(friend.phone);
            }
        }
        let phone = member_number(member)?;
        match self.store.contact(&phone).ok()? {
            Some(mut contact) => {
                let pinned = contact.pinned.as_ref()?;
                let same = pinned.identity_pk == *member.identity_pk.as_bytes();
                if same && contact.name.is_empty() {
                    // An unnamed contact (from an invite) takes the name it has in the group.
                    contact.name = member.name.as_str().to_owned();
                    if let Err(e) = self.save_contact(&contact) {
                        self.failed("store.put_contact", &e);
                        return None;
                    }
                }
                (same && contact.state != ContactState::Conflict).then_some(phone)
            }
            None => {
                let mut contact = Contact::new(phone.clone(), member.name.as_str(), ContactSource::Group);
                contact.state = ContactState::Found;
                contact.pinned = Some(PeerKeys {
                    identity_pk: *member.identity_pk.as_bytes(),
                    noise_pk: *member.noise_pk.as_bytes(),
                    peer_id: PeerId::from_bytes(member.peer_id.as_ref()).ok()?.to_string(),
                    name: member.name.as_str().to_owned(),
                    first_seen_ms: now_ms(),
                    record: Default::default(),
                });
                if let Err(e) = self.save_contact(&contact) {
                    self.failed("store.put_contact", &e);
                    return None;
                }
                Some(phone)
            }
        }
    }

    /// Hands due control messages (or just `only`) to the 1:1 layer.
    pub(super) fn pump_control(&mut self, only: Option<[u8; 16]>) {
        let now = now_ms();
        let due: Vec<[u8; 16]> = match only {
            Some(id) => vec![id],
            None => self
                .groups
                .controls
                .values()
                .filter(|c| c.next_attempt_ms <= now)
                .map(|c| c.id)
                .collect(),
        };
        for id in due {
            let Some(entry) = self.groups.controls.get_mut(&id) else {
                continue;
            };
            entry.attempts += 1;
            let backoff = CONTROL_RETRY_MS
                .saturating_mul(1 << entry.attempts.min(6))
                .min(CONTROL_RETRY_CAP_MS);
            entry.next_attempt_ms = now + backoff;
            let phone = entry.phone.clone();
            let Ok(data) = Bytes::new(entry.data.clone()) else {
                continue;
            };
            self.queue_ephemeral(&phone, DmPayload::Group { data });
        }
    }

    /// A group-control payload from the 1:1 session with `identity`.
    pub(super) fn on_group_control(&mut self, identity: [u8; 32], data: &[u8]) -> crate::dm::wire::Outcome {
        use crate::dm::wire::Outcome;
        let control = match GroupControl::decode(data) {
            Ok(c) => c,
            Err(e) => {
                self.reject(None, "group", e.reason());
                return Outcome::Rejected;
            }
        };
        let mut ack = control.id().copied();
        if let Some(group) = control.group() {
            if self.groups.invitations.contains_key(&group) {
                // Not acknowledged while the owner has not answered the invitation: the
                // sender keeps it in its outbox and offers it again after the join.
                return Outcome::Stored;
            }
        }
        match control {
            GroupControl::Ack { ids } => {
                for id in ids.iter() {
                    if self.groups.controls.remove(id.as_bytes()).is_some() {
                        if let Err(e) = self.store.remove_group_control(id.as_bytes()) {
                            self.failed("store.remove_group_control", &e);
                        }
                        self.durability.wrote();
                    }
                }
                self.groups.stats.control_outbox = self.groups.controls.len() as u64;
            }
            GroupControl::Welcome {
                id,
                meetup,
                commit,
                state,
                share,
            } => match self.on_welcome(identity, id, meetup, commit, state, share) {
                Ok(WelcomeOutcome::Joined) => {}
                Ok(WelcomeOutcome::Invited) => ack = None,
                Err(reason) => self.reject(None, "group", reason),
            },
            control @ (GroupControl::Commit { .. } | GroupControl::SenderKey { .. }) => {
                if let Err(reason) = self.on_member_control(identity, control) {
                    self.reject(None, "group", reason);
                }
            }
        }
        if let Some(id) = ack {
            self.acknowledge_control(identity, id);
        }
        Outcome::Stored
    }

    /// Acknowledges a control message to its sender once what it changed is durable.
    fn acknowledge_control(&mut self, identity: [u8; 32], id: Fixed<16>) {
        self.durability.wrote();
        if let Some(phone) = self.friend_of(&identity).map(|c| c.phone) {
            self.durability.after_flush(Box::new(move |actor: &mut Actor| {
                actor.queue_ephemeral(
                    &phone,
                    DmPayload::Group {
                        data: Bytes::new(
                            GroupControl::Ack {
                                ids: List::new(vec![id]).expect("one id"),
                            }
                            .encode()
                            .expect("an ack fits"),
                        )
                        .expect("an ack fits"),
                    },
                );
            }));
        }
    }

    /// A welcome from `identity`: joins at once, or keeps it as an invitation when the
    /// owner answers invitations (`[groups] auto_join = false`).
    fn on_welcome(
        &mut self,
        from: [u8; 32],
        control_id: Fixed<16>,
        meetup: bool,
        commit: Commit,
        state: GroupState,
        share: EpochSecretShare,
    ) -> Result<WelcomeOutcome, &'static str> {
        let id = *commit.group();
        if self.groups.records.contains_key(&id) {
            // Already in: treat it as the commit it carries.
            self.on_member_control(
                from,
                GroupControl::Commit {
                    id: Fixed([0; 16]),
                    meetup,
                    commit,
                    share: Some(share),
                },
            )?;
            return Ok(WelcomeOutcome::Joined);
        }
        // Only a contact (someone in our address book, pinned) may add us to a group.
        // `friend_of` answers from the identity → contact map, not a scan of the store.
        let from_contact = self.friend_of(&from).is_some_and(|c| c.source != ContactSource::Group);
        let joining = self.groups.joining.contains_key(&from) && meetup;
        if !from_contact && !joining {
            return Err("welcome_from_stranger");
        }
        if state.head() != commit.hash() || *state.group() != id || !state.is_member(&self.me()) {
            return Err("bad_welcome");
        }
        if commit.committer().as_bytes() != &from || !state.is_admin(commit.committer()) {
            return Err("bad_welcome");
        }
        share.open(&commit).map_err(|e| e.reason())?;
        if !joining && !self.config.settings.groups.auto_join {
            if !self.groups.invitations.contains_key(&id) {
                let invitation = Invitation {
                    from,
                    id: control_id,
                    meetup,
                    commit,
                    state,
                    share,
                    received_ms: now_ms(),
                };
                if let Err(e) = self.store.put_group_invitation(id.as_bytes(), &invitation) {
                    tracing::error!(error = %e, "cannot keep an invitation");
                    return Err("store");
                }
                let view = invitation.view().group;
                self.groups.invitations.insert(id, invitation);
                self.durability.after_flush(Box::new(move |actor: &mut Actor| {
                    actor.emit(Event::GroupChanged {
                        group: view,
                        change: "invited".into(),
                    });
                }));
            }
            return Ok(WelcomeOutcome::Invited);
        }
        self.enter_welcomed(from, meetup, commit, state, share)?;
        Ok(WelcomeOutcome::Joined)
    }

    /// Becomes a member from a checked welcome.
    fn enter_welcomed(
        &mut self,
        from: [u8; 32],
        meetup: bool,
        commit: Commit,
        state: GroupState,
        share: EpochSecretShare,
    ) -> Result<(), &'static str> {
        let id = *commit.group();
        let log = GroupLog::from_checkpoint(state.clone()).map_err(|e| e.reason())?;
        self.groups.records.insert(
            id,
            GroupRecord {
                meetup,
                log,
                secrets: BTreeMap::new(),
                own: BTreeMap::new(),
                rings: BTreeMap::new(),
                epochs: Vec::new(),
                removed: false,
                join_key: None,
                join_key_next: None,
                forget_history: false,
            },
        );
        self.ensure_conversation(&id);
        self.enter_epoch(id, &commit, share.secret);
        self.announce_group(&id, "joined");
        if let Some((_, Some(reply))) = self.groups.joining.remove(&from) {
            let view = self.groups.records[&id].view(&self.me());
            self.reply_after_flush(reply, Ok(view));
        }
        Ok(())
    }

    /// Joins (or declines) a waiting invitation. Joining enters the group at the welcome's
    /// epoch; what changed since reaches us as its senders offer it again. Declining
    /// forgets the invitation: until an admin removes us, the members still list us, but
    /// this node ignores the group (its traffic is acknowledged and dropped).
    fn cmd_answer_invitation(&mut self, query: &str, join: bool) -> Result<GroupView, NodeError> {
        let id = self.invitation_for(query)?;
        let invitation = self.groups.invitations.remove(&id).expect("found above");
        self.store.remove_group_invitation(id.as_bytes())?;
        self.durability.wrote();
        self.acknowledge_control(invitation.from, invitation.id);
        if !join {
            return Ok(invitation.view().group);
        }
        let Invitation {
            from,
            meetup,
            commit,
            state,
            share,
            ..
        } = invitation;
        self.enter_welcomed(from, meetup, commit, state, share)
            .map_err(|reason| NodeError::Invalid(format!("the invitation is no longer valid ({reason})")))?;
        self.retry_orphans(id);
        Ok(self.groups.records[&id].view(&self.me()))
    }

    /// The invitation `query` names: its group's name, id, or at least 4 leading hex
    /// digits of the id.
    fn invitation_for(&self, query: &str) -> Result<GroupId, NodeError> {
        let prefix = (query.len() >= 4).then(|| query.to_ascii_lowercase());
        let mut found = self.groups.invitations.iter().filter(|(id, i)| {
            let by_id = prefix
                .as_deref()
                .is_some_and(|p| hex::encode(id.as_bytes()).starts_with(p));
            by_id || i.state.name() == query
        });
        match (found.next(), found.next()) {
            (Some((id, _)), None) => Ok(*id),
            (Some(_), Some(_)) => Err(NodeError::Invalid(format!(
                "more than one invitation matches {}; use the group id",
                crate::text::quote(query)
            ))),
            _ => Err(NodeError::NotFound(format!(
                "no invitation to {}",
                crate::text::quote(query)
            ))),
        }
    }

    /// A commit or a sender key from a fellow member.
    fn on_member_control(&mut self, from: [u8; 32], control: GroupControl) -> Result<(), &'static str> {
        let group = match &control {
            GroupControl::Commit { commit, .. } => *commit.group(),
            GroupControl::SenderKey { dist, .. } => dist.group,
            _ => return Ok(()),
        };
        let Some(record) = self.groups.records.get(&group) else {
            // Possibly sent before the welcome that tells us about the group.
            if self.groups.orphans.contains_key(&group) || self.groups.orphans.len() < MAX_ORPHAN_GROUPS {
                self.keep_orphan(group, control);
            }
            return Ok(());
        };
        if record.removed {
            return Ok(());
        }
        match control {
            GroupControl::Commit { commit, share, .. } => self.on_commit(group, commit, share),
            GroupControl::SenderKey { dist, .. } => {
                if *dist.sender.as_bytes() != from {
                    return Err("sender_key_not_from_sender");
                }
                self.on_sender_key(group, dist)
            }
            _ => Ok(()),
        }
    }

    fn on_commit(
        &mut self,
        group: GroupId,
        commit: Commit,
        share: Option<EpochSecretShare>,
    ) -> Result<(), &'static str> {
        if let Some(share) = &share {
            share.open(&commit).map_err(|e| e.reason())?;
        }
        let record = self.groups.records.get_mut(&group).expect("checked by the caller");
        let old = record.log.state().clone();
        match record.log.insert(commit.clone()) {
            Ok(change) => {
                let head_moved = matches!(change, LogChange::Head { .. });
                self.after_head_change(group, &old, change, None);
                if head_moved {
                    if let Some(share) = share {
                        if self.groups.records.get(&group).is_some_and(|r| !r.removed) {
                            self.enter_epoch(group, &commit, share.secret);
                        } else {
                            // The commit that removed us must not carry the new secret.
                            self.reject(None, "group", "share_after_removal");
                        }
                    }
                }
                self.mark_dirty(group);
                self.retry_orphans(group);
                Ok(())
            }
            Err(LogError::UnknownParent(_)) => {
                self.keep_orphan(
                    group,
                    GroupControl::Commit {
                        id: Fixed([0; 16]),
                        meetup: false,
                        commit,
                        share,
                    },
                );
                Ok(())
            }
            Err(e) if e.verdict() == Verdict::Ignore => Ok(()),
            Err(e) => Err(e.reason()),
        }
    }

    fn on_sender_key(&mut self, group: GroupId, dist: SenderKeyDistribution) -> Result<(), &'static str> {
        let record = self.groups.records.get_mut(&group).expect("checked by the caller");
        let Some(ring) = record.rings.get_mut(&dist.epoch) else {
            self.keep_orphan(
                group,
                GroupControl::SenderKey {
                    id: Fixed([0; 16]),
                    dist,
                },
            );
            return Ok(());
        };
        match ring.add(&dist) {
            Ok(true) => {
                self.mark_dirty(group);
                self.groups.activity.insert(
                    (dist.epoch, dist.key.key_id),
                    SenderActivity {
                        last_message_ms: now_ms().saturating_sub(TAIL_SYNC_AFTER_MS),
                        ..SenderActivity::default()
                    },
                );
                let waiting = self
                    .groups
                    .pending
                    .get_mut(&group)
                    .map(|b| b.take(&dist.epoch, &dist.key.key_id))
                    .unwrap_or_default();
                for message in waiting {
                    // Held messages were decoded from an envelope: they encode again.
                    let envelope = match message.encode() {
                        Ok(envelope) => envelope,
                        Err(e) => {
                            self.failed("encode.held_group_message", &e);
                            continue;
                        }
                    };
                    if let Err((Verdict::Reject, reason)) = self.accept_group_message(group, &message, &envelope, false)
                    {
                        self.reject(None, "group", reason);
                    }
                }
                self.groups.stats.pending = self.groups.pending.values().map(|b| b.len() as u64).sum();
                Ok(())
            }
            Ok(false) => Ok(()),
            Err(e) => Err(e.reason()),
        }
    }

    fn keep_orphan(&mut self, group: GroupId, control: GroupControl) {
        let orphans = self.groups.orphans.entry(group).or_default();
        if orphans.len() >= MAX_ORPHANS {
            orphans.remove(0);
        }
        orphans.push(control);
    }

    /// Tries again what was waiting for a commit or an epoch.
    fn retry_orphans(&mut self, group: GroupId) {
        let Some(orphans) = self.groups.orphans.remove(&group) else {
            return;
        };
        for control in orphans {
            let _ = match control {
                GroupControl::Commit { commit, share, .. } => self.on_commit(group, commit, share),
                GroupControl::SenderKey { dist, .. } => self.on_sender_key(group, dist),
                _ => Ok(()),
            };
        }
    }

    // --- messages ----------------------------------------------------------------------

    /// Queues `body` for the group `query` names and answers once it is durable.
    pub(in crate::node) fn post_group(&mut self, query: &str, body: Body, reply: Reply<MessageView>) {
        match self.queue_group_message(query, body) {
            Ok(view) => self.durability.after_flush(Box::new(move |actor: &mut Actor| {
                actor.publish_unpublished();
                let _ = reply.send(Ok(view));
            })),
            Err(e) => {
                let _ = reply.send(Err(e));
            }
        }
    }

    /// Encrypts a body with our current sender key, stores it and its envelope, and
    /// queues it for publishing after the flush (the advanced key must be durable first).
    /// A reaction, edit or delete changes its target here before it is encrypted (so a
    /// refused one advances no key).
    pub(in crate::node) fn queue_group_message(&mut self, query: &str, body: Body) -> Result<MessageView, NodeError> {
        let id = self.group_id_for(query)?;
        let now = now_ms();
        let record = self.record(&id)?;
        let state = record.log.state();
        if record.removed || state.closed() || state.is_expired(now) {
            return Err(NodeError::Invalid(
                "this group is closed or you are no longer in it".into(),
            ));
        }
        let title = state.name().to_owned();
        let wire = WireBody::from_body(&body)?;
        let body_bytes = Bytes::new(wire.encode().to_vec()).map_err(|_| BodyError::TooLong {
            field: "message",
            len: wire.encode().len(),
            max: MAX_GROUP_BODY,
        })?;
        let conv_id = ConvId::group(*id.as_bytes());
        let mut conv = self.conversation_row(&conv_id)?.unwrap_or_else(|| Conversation {
            id: conv_id,
            kind: ConversationKind::Group {
                group_id: *id.as_bytes(),
            },
            title: String::new(),
            last_hlc: 0,
            unread: 0,
            preview: String::new(),
        });
        let hlc = Hlc(conv.last_hlc).tick(now);
        conv.last_hlc = hlc.0;
        if !body.is_action() {
            conv.preview = body.preview();
        }
        let mut stored = StoredMessage {
            id: MsgId::generate(),
            conv: conv_id,
            hlc: hlc.0,
            direction: Direction::Outgoing,
            sender: self.own_phone()?,
            body,
            state: MessageState::Queued,
            sent_ms: now,
            stored_ms: now,
            annotations: Default::default(),
        };
        if crate::content::paper::is_paper_body(&stored.body) {
            let me = self.my_member(false)?;
            self.check_paper_body(id.as_bytes(), &me, &stored)
                .map_err(super::paper::refused)?;
        }
        let mut batch = self.store.batch();
        let changed = self.absorb(&mut batch, &mut stored)?;
        let plain = GroupPlain {
            id: Fixed(stored.id.0),
            sent_ms: now,
            body: body_bytes,
        };
        let record = self.groups.records.get_mut(&id).expect("checked above");
        let epoch = *record
            .current_epoch()
            .ok_or_else(|| NodeError::Invalid("the group has no epoch yet".into()))?;
        let key = record.own.get_mut(&epoch).expect("every kept epoch has our key");
        let message = key.encrypt(&plain).map_err(|e| NodeError::Invalid(e.to_string()))?;
        let envelope = message.encode().map_err(|e| NodeError::Invalid(e.to_string()))?;
        self.store
            .put_group_envelope(epoch.as_bytes(), message.key_id.as_bytes(), message.seq, &envelope)?;
        batch.put_message(&stored);
        self.store.apply(batch)?;
        self.update_conversation(conv);
        self.mark_dirty(id);
        self.groups.unpublished.push((id, stored.id, envelope));
        self.groups.stats.sent += 1;
        if let Some(changed) = changed {
            self.announce_change(changed, title.clone());
        }
        Ok(MessageView::new(&stored, "").titled(&title))
    }

    /// Publishes what waited for its flush; what finds no peer yet is tried again on the
    /// next tick (members find it by history sync meanwhile).
    pub(super) fn publish_unpublished(&mut self) {
        let waiting = std::mem::take(&mut self.groups.unpublished);
        let mut published = Vec::new();
        for (id, msg_id, envelope) in waiting {
            let Some(topic) = self.current_topic(&id) else { continue };
            match self.swarm.behaviour_mut().gossipsub.publish(topic, envelope.clone()) {
                Ok(_) => published.push(msg_id),
                Err(gossipsub::PublishError::Duplicate) => published.push(msg_id),
                Err(e) => {
                    tracing::debug!(error = %e, "group message not published yet");
                    self.groups.unpublished.push((id, msg_id, envelope));
                }
            }
        }
        let mut changed = Vec::new();
        for id in published {
            if let Ok(Some(m)) = self.store.set_message_state(&id, MessageState::Sent) {
                changed.push(m);
            }
        }
        if !changed.is_empty() {
            self.durability.wrote();
            self.announce_states(changed);
        }
    }

    fn current_topic(&self, id: &GroupId) -> Option<IdentTopic> {
        let record = self.groups.records.get(id)?;
        let secret = record.secrets.get(record.current_epoch()?)?;
        Some(topic_of(&EpochKeys::derive(id, secret)))
    }

    /// A message from gossipsub: validated here before gossipsub forwards it.
    pub(super) fn on_gossip_message(
        &mut self,
        source: PeerId,
        message_id: gossipsub::MessageId,
        message: gossipsub::Message,
    ) {
        let verdict = self.check_gossip(&message);
        let acceptance = match verdict {
            Ok(()) => MessageAcceptance::Accept,
            Err((Verdict::Ignore, _)) => MessageAcceptance::Ignore,
            Err((Verdict::Reject, reason)) => {
                self.reject(Some(source), "group", reason);
                MessageAcceptance::Reject
            }
        };
        self.swarm
            .behaviour_mut()
            .gossipsub
            .report_message_validation_result(&message_id, &source, acceptance);
    }

    fn check_gossip(&mut self, message: &gossipsub::Message) -> Result<(), (Verdict, &'static str)> {
        if message.data.len() > MAX_GROUP_MESSAGE {
            return Err((Verdict::Reject, "oversized"));
        }
        let Some(&(group, epoch)) = self.groups.topics.get(&message.topic) else {
            return Err((Verdict::Ignore, "unknown_topic"));
        };
        let parsed = GroupMessage::decode(&message.data).map_err(|e| (e.verdict(), e.reason()))?;
        if parsed.epoch != epoch {
            return Err((Verdict::Reject, "wrong_epoch"));
        }
        self.accept_group_message(group, &parsed, &message.data, false)
    }

    /// Decrypts, deduplicates and stores one group message; buffers it when its sender
    /// key has not arrived, and asks for a sync when it reveals a gap.
    fn accept_group_message(
        &mut self,
        group: GroupId,
        message: &GroupMessage,
        envelope: &[u8],
        repaired: bool,
    ) -> Result<(), (Verdict, &'static str)> {
        let Some(record) = self.groups.records.get_mut(&group) else {
            return Err((Verdict::Ignore, "unknown_group"));
        };
        let Some(ring) = record.rings.get_mut(&message.epoch) else {
            return Err((Verdict::Ignore, "unknown_epoch"));
        };
        let expected = ring.key(&message.key_id).map(|k| k.next());
        let received = match ring.decrypt(message) {
            Ok(r) => r,
            Err(GroupError::UnknownKey) => {
                let buffer = self
                    .groups
                    .pending
                    .entry(group)
                    .or_insert_with(|| PendingBuffer::new(crate::group::message::MAX_PENDING));
                buffer.push(message.clone());
                self.groups.stats.pending = self.groups.pending.values().map(|b| b.len() as u64).sum();
                return Err((Verdict::Ignore, "unknown_key"));
            }
            Err(e @ (GroupError::Replay(_) | GroupError::TooOld(_))) => {
                self.groups.stats.duplicates += 1;
                return Err((e.verdict(), e.reason()));
            }
            Err(e @ GroupError::TooFarAhead { .. }) => {
                if let Some(next) = expected {
                    self.request_sync(group, message.epoch, message.key_id, next, None);
                }
                return Err((e.verdict(), e.reason()));
            }
            Err(e) => return Err((e.verdict(), e.reason())),
        };
        // Only the sender's entry is needed (cloning the whole state per message is costly).
        let sender = record.log.state().member(&received.sender).cloned();
        let title = record.log.state().name().to_owned();
        if let Some(next) = expected {
            if received.seq > next {
                self.request_sync(group, message.epoch, message.key_id, next, Some(received.seq - 1));
            }
        }
        self.groups.ring_dirty.insert(group);
        let now = now_ms();
        let activity = self.groups.activity.entry((message.epoch, message.key_id)).or_default();
        activity.last_message_ms = now;
        if let Err(e) = self.store.put_group_envelope(
            message.epoch.as_bytes(),
            message.key_id.as_bytes(),
            message.seq,
            envelope,
        ) {
            tracing::error!(error = %e, "cannot keep a group envelope");
        }
        let Some(sender) = sender else {
            return Ok(());
        };
        let Some(phone) = member_number(&sender) else {
            return Ok(());
        };
        let body = WireBody::decode(&received.plain.body).unwrap_or(Body::Unsupported {
            kind: "malformed".into(),
        });
        let conv_id = ConvId::group(*group.as_bytes());
        let id = MsgId(received.plain.id.0);
        let hlc = Hlc::bounded(Hlc(received.plain.sent_ms << 16), now, 24 * 3600 * 1000).0;
        let action = body.is_action();
        let mut stored = StoredMessage {
            id,
            conv: conv_id,
            hlc,
            direction: Direction::Incoming,
            sender: phone,
            body,
            state: if action {
                MessageState::Seen
            } else {
                MessageState::Received
            },
            sent_ms: received.plain.sent_ms,
            stored_ms: now,
            annotations: Default::default(),
        };
        match self.store.has_message(&stored.id) {
            Ok(false) => {}
            Ok(true) => {
                self.groups.stats.duplicates += 1;
                return Ok(());
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot store a group message");
                return Ok(());
            }
        }
        if let Err(e) = self.check_paper_body(group.as_bytes(), &sender, &stored) {
            self.reject(None, "content", super::paper::reason(e));
            return Ok(());
        }
        let mut batch = self.store.batch();
        let changed = match self.absorb(&mut batch, &mut stored) {
            Ok(changed) => changed,
            Err(e) => {
                self.refuse_action(None, e);
                return Ok(());
            }
        };
        batch.put_message(&stored);
        if let Err(e) = self.store.apply(batch) {
            tracing::error!(error = %e, "cannot store a group message");
            return Ok(());
        }
        self.groups.stats.received += 1;
        if repaired {
            self.groups.stats.repaired += 1;
        }
        if let Ok(Some(mut conv)) = self.conversation_row(&conv_id) {
            conv.last_hlc = Hlc(conv.last_hlc).observe(Hlc(hlc), now).0;
            if !action {
                conv.unread = conv.unread.saturating_add(1);
                conv.preview = stored.body.preview();
            }
            self.update_conversation_lazily(conv);
        }
        // Shown at once and flushed lazily: nobody is told it is stored, and if a crash
        // loses it, the receive ring on disk (written after it) does not count it either,
        // so the next tail sync fetches it again.
        self.durability.wrote_lazily();
        if action {
            if let Some(changed) = changed {
                self.announce_change(changed, title);
            }
            return Ok(());
        }
        self.emit(Event::MessageReceived {
            message: MessageView::new(&stored, sender.name.as_str()).titled(&title),
        });
        Ok(())
    }

    /// Tail sync: senders that went quiet recently are asked for everything from their
    /// first missing message (holes a lost gap request left, and what came after).
    pub(super) fn group_tick(&mut self) {
        let now = now_ms();
        let quiet: Vec<(Fixed<32>, Fixed<8>, u64)> = self
            .groups
            .activity
            .iter()
            .filter(|(_, a)| {
                let quiet_for = now.saturating_sub(a.last_message_ms);
                let tail =
                    (TAIL_SYNC_AFTER_MS..=TAIL_SYNC_WINDOW_MS).contains(&quiet_for) && a.asked_ms < a.last_message_ms;
                tail || now.saturating_sub(a.asked_ms) >= POLL_SYNC_MS
            })
            .map(|((e, k), a)| (*e, *k, a.last_message_ms))
            .take(SYNCS_PER_TICK)
            .collect();
        for (epoch, key_id, _) in quiet {
            let found = self.groups.records.iter().find_map(|(id, r)| {
                r.rings
                    .get(&epoch)
                    .and_then(|ring| ring.key(&key_id))
                    .map(|k| (*id, k.first_missing(), *k.sender()))
            });
            match found {
                Some((_, _, sender)) if sender == self.me() => {
                    self.groups.activity.remove(&(epoch, key_id));
                }
                Some((group, next, _)) => self.request_sync(group, epoch, key_id, next, None),
                None => {
                    self.groups.activity.remove(&(epoch, key_id));
                }
            }
        }
        if !self.groups.unpublished.is_empty() {
            self.publish_unpublished();
        }
        self.pump_control(None);
        self.connect_members();
        self.expire_meetups(now);
    }

    /// Dials fellow members of every active group until [`MEMBER_CONNECTIONS`] of them
    /// are connected. Addresses come from the DHT's routing table, identify, the records of
    /// members who are contacts and, for the others, circuits through our own relays.
    fn connect_members(&mut self) {
        let me = self.me();
        let now = now_ms();
        let mut dials = Vec::new();
        for record in self.groups.records.values().filter(|r| !r.removed) {
            let peers: Vec<(PeerId, [u8; 32])> = record
                .log
                .state()
                .members()
                .iter()
                .filter(|m| m.identity_pk != me)
                .filter_map(|m| Some((PeerId::from_bytes(m.peer_id.as_ref()).ok()?, m.identity_pk.0)))
                .collect();
            let connected = peers.iter().filter(|(p, _)| self.swarm.is_connected(p)).count();
            let missing = MEMBER_CONNECTIONS.min(peers.len()).saturating_sub(connected);
            let offset = rand::rngs::OsRng.next_u32() as usize % peers.len().max(1);
            dials.extend(
                peers
                    .iter()
                    .cycle()
                    .skip(offset)
                    .take(peers.len())
                    .filter(|(p, _)| !self.swarm.is_connected(p))
                    .filter(|(p, _)| {
                        self.groups
                            .dialed
                            .get(p)
                            .is_none_or(|at| now.saturating_sub(*at) >= REDIAL_MS)
                    })
                    .take(missing)
                    .copied(),
            );
        }
        for (peer, identity) in dials {
            self.groups.dialed.insert(peer, now);
            let addrs: Vec<libp2p::Multiaddr> = match self.friend_of(&identity) {
                Some(contact) => contact
                    .pinned
                    .iter()
                    .flat_map(|k| k.record.addrs.iter().filter_map(|a| a.parse().ok()))
                    .collect(),
                None => self.routes_through_our_relays(peer),
            };
            self.learn_addrs(peer, addrs);
            let opts = libp2p::swarm::dial_opts::DialOpts::peer_id(peer)
                .condition(libp2p::swarm::dial_opts::PeerCondition::DisconnectedAndNotDialing)
                .build();
            let _ = self.swarm.dial(opts);
        }
        self.groups.dialed.retain(|_, at| now.saturating_sub(*at) < REDIAL_MS);
    }
}
