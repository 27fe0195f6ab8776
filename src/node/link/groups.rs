//! The account's groups on its linked devices (`protocol/devices.md` §6). Only the first
//! device is the person's member — it holds the group's keys, which are never copied, so
//! a group counts people, not devices. It sends each group as it shows it (name, state,
//! members) when a linked device's stream starts and after every change of the group;
//! the groups' messages travel like 1:1 ones. A linked device keeps these copies
//! ([`GroupCopies`]), answers its person's group questions from them and its own store,
//! and sends what its person writes to a group, or reads there, through the first
//! device, which posts or marks it as its own member's.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::sync::Forward;
use crate::account::sync::{
    Action, GroupChange, GroupCopy, HandedMessage, MemberCopy, MAX_CONTACT_QUERY, MAX_COPY_MEMBERS, MAX_CREATE_MEMBERS,
};
use crate::account::AccountError;
use crate::content::body::WireBody;
use crate::group::GroupId;
use crate::model::MsgId;
use crate::node::actor::Actor;
use crate::node::command::Reply;
use crate::node::groups::{find_group, AdminAction, Change, GroupCommand, GroupView, MemberView};
use crate::node::{MessageView, NodeError};
use crate::store::Store;
use crate::wire::{Fixed, List, Text};

/// The store's meta values holding a linked device's copies of the account's groups:
/// `account.groups/<group id in hex>`.
const COPIES_PREFIX: &str = "account.groups/";
/// Most group copies a linked device keeps (more are refused and counted).
pub const MAX_GROUP_COPIES: usize = 4_096;

/// A group as the first device shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Copied {
    pub(super) view: GroupView,
    members: Vec<MemberView>,
}

/// A linked device's copies of its account's groups.
#[derive(Default)]
pub(crate) struct GroupCopies(BTreeMap<[u8; 16], Copied>);

impl GroupCopies {
    /// The copies kept in `store`.
    pub(super) fn load(store: &Store) -> Result<Self, NodeError> {
        let mut copies = BTreeMap::new();
        for (_, copied) in store.meta_values::<Copied>(COPIES_PREFIX)? {
            if let Some(id) = hex::decode(&copied.view.group_id)
                .ok()
                .and_then(|id| <[u8; 16]>::try_from(id).ok())
            {
                copies.insert(id, copied);
            }
        }
        Ok(Self(copies))
    }

    /// The group `query` names (its name, or its id in hex).
    pub(in crate::node) fn id_for(&self, query: &str) -> Result<GroupId, NodeError> {
        find_group(
            query,
            self.0.iter().map(|(id, c)| (GroupId(Fixed(*id)), c.view.name.as_str())),
        )
    }

    fn get(&self, id: &GroupId) -> Option<&Copied> {
        self.0.get(id.as_bytes())
    }
}

/// A text of the protocol, cut at its limit (what the first device shows always fits).
fn text<const N: usize>(value: &str) -> Text<N> {
    let mut end = value.len().min(N);
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    Text::new(&value[..end]).expect("cut to the limit")
}

/// A group's copy in frames of at most [`MAX_COPY_MEMBERS`] members (one frame at least).
pub(super) fn copy_frames(id: &GroupId, view: &GroupView, members: &[MemberView]) -> Vec<GroupCopy> {
    let members: Vec<MemberCopy> = members
        .iter()
        .map(|m| MemberCopy {
            name: text(&m.name),
            phone: text(&m.phone),
            fingerprint: text(&m.fingerprint),
            peer_id: text(&m.peer_id),
            admin: m.admin,
            me: m.me,
        })
        .collect();
    let chunks: Vec<&[MemberCopy]> = match members.is_empty() {
        true => vec![&[]],
        false => members.chunks(MAX_COPY_MEMBERS).collect(),
    };
    chunks
        .iter()
        .enumerate()
        .map(|(i, chunk)| GroupCopy {
            id: Fixed(*id.as_bytes()),
            name: text(&view.name),
            meetup: view.kind == "meetup",
            epoch: view.epoch,
            admin: view.is_admin,
            active: view.active,
            closed: view.closed,
            expires_ms: view.expires_ms,
            count: members.len() as u64,
            from: (i * MAX_COPY_MEMBERS) as u64,
            members: List::truncating(chunk.to_vec()),
        })
        .collect()
}

/// The group and members a whole copy describes, as shown on the linked device.
fn copied(whole: WholeGroup) -> Copied {
    let head = whole.head;
    Copied {
        view: GroupView {
            group_id: hex::encode(head.id.as_bytes()),
            name: head.name.as_str().to_owned(),
            kind: if head.meetup { "meetup" } else { "group" }.to_owned(),
            epoch: head.epoch,
            members: whole.members.len(),
            is_admin: head.admin,
            active: head.active,
            expires_ms: head.expires_ms,
            closed: head.closed,
        },
        members: whole
            .members
            .into_iter()
            .map(|m| MemberView {
                name: m.name.into_string(),
                phone: m.phone.into_string(),
                fingerprint: m.fingerprint.into_string(),
                peer_id: m.peer_id.into_string(),
                admin: m.admin,
                me: m.me,
            })
            .collect(),
    }
}

/// A group's copy with all its members (a group of many takes several frames).
pub(crate) struct WholeGroup {
    /// The group as its first frame says (its `members` left empty).
    pub(crate) head: GroupCopy,
    /// Every member.
    pub(crate) members: Vec<MemberCopy>,
}

/// Adds one frame of a group's copy to the one arriving (`from` 0 starts one); the whole
/// copy once it has all of its members.
pub(super) fn assemble(
    arriving: &mut Option<WholeGroup>,
    frame: GroupCopy,
) -> Result<Option<WholeGroup>, AccountError> {
    let malformed = || AccountError::Malformed("a group copy's frames out of order");
    if frame.count > crate::group::log::MAX_MEMBERS as u64 {
        return Err(AccountError::Malformed("a group copy of more members than a group has"));
    }
    let mut frame = frame;
    let members = std::mem::take(&mut frame.members).into_vec();
    let mut whole = match arriving.take() {
        _ if frame.from == 0 => WholeGroup {
            head: frame.clone(),
            members: Vec::new(),
        },
        Some(whole) if whole.head.id == frame.id && whole.members.len() as u64 == frame.from => whole,
        _ => return Err(malformed()),
    };
    whole.members.extend(members);
    if whole.members.len() as u64 > frame.count {
        return Err(malformed());
    }
    if whole.members.len() as u64 == frame.count {
        return Ok(Some(whole));
    }
    *arriving = Some(whole);
    Ok(None)
}

/// The refusal of a group created with more contacts than a linked device forwards.
fn too_many_members() -> NodeError {
    crate::node::refusal::Refusal::invalid(
        "too_long",
        format!("a linked device creates a group with at most {MAX_CREATE_MEMBERS} contacts"),
    )
    .with("max", MAX_CREATE_MEMBERS.to_string())
    .into()
}

/// A change of a group as the first device is asked for it.
fn wire_change(change: Change) -> Result<GroupChange, NodeError> {
    use super::forward::bounded;
    Ok(match change {
        Change::Invite(contact) => GroupChange::Invite(bounded(&contact, "contact")?),
        Change::Remove(member) => GroupChange::Remove(bounded(&member, "member")?),
        Change::Admins(AdminAction::Add, member) => GroupChange::AdminAdd(bounded(&member, "member")?),
        Change::Admins(AdminAction::Remove, member) => GroupChange::AdminRemove(bounded(&member, "member")?),
        Change::Rename(name) => GroupChange::Rename(bounded(&name, "group name")?),
        Change::Leave => GroupChange::Leave,
        Change::Close => GroupChange::Close,
    })
}

/// The change a linked device asked for, as the first device's own.
pub(super) fn change_of(change: GroupChange) -> Change {
    match change {
        GroupChange::Invite(contact) => Change::Invite(contact.into_string()),
        GroupChange::Remove(member) => Change::Remove(member.into_string()),
        GroupChange::AdminAdd(member) => Change::Admins(AdminAction::Add, member.into_string()),
        GroupChange::AdminRemove(member) => Change::Admins(AdminAction::Remove, member.into_string()),
        GroupChange::Rename(name) => Change::Rename(name.into_string()),
        GroupChange::Leave => Change::Leave,
        GroupChange::Close => Change::Close,
    }
}

/// Answers `reply` with group `id` as its copy shows it once the first device is done
/// (its new copy went before the answer).
fn view_of_copy(id: GroupId, reply: Reply<GroupView>) -> super::sync::Then {
    Box::new(move |actor: &mut Actor, done: Result<u64, NodeError>| {
        let view = done.and_then(|_| {
            actor
                .links
                .groups
                .get(&id)
                .map(|copy| copy.view.clone())
                .ok_or_else(super::sync::first_unreachable)
        });
        let _ = reply.send(view);
    })
}

impl Actor {
    /// The frames of every group's copy (a first device, as a linked device's stream
    /// starts).
    pub(super) fn all_group_copies(&mut self) -> Vec<GroupCopy> {
        self.group_ids().iter().flat_map(|id| self.group_copy(id)).collect()
    }

    /// The frames of group `id`'s copy (none for a group this node does not have).
    fn group_copy(&mut self, id: &GroupId) -> Vec<GroupCopy> {
        let Some(view) = self.shown_group(id) else {
            return Vec::new();
        };
        match self.member_views(id) {
            Ok(members) => copy_frames(id, &view, &members),
            Err(_) => Vec::new(),
        }
    }

    /// A group changed (a first device): its copy goes to the linked devices being served.
    pub(in crate::node) fn note_group_to_devices(&mut self, id: &GroupId) {
        if self.linked_devices_listen() {
            let frames = self.group_copy(id);
            self.note_devices(|| super::DeviceNote::Group(frames));
        }
    }

    /// Keeps a group's copy from the first device (a linked device) and tells its apps.
    pub(super) fn take_group_copy(&mut self, whole: WholeGroup) {
        let key = *whole.head.id.as_bytes();
        let copy = copied(whole);
        let copies = &mut self.links.groups.0;
        // Every stream starts with every group: one that did not change is not news.
        if copies.get(&key) == Some(&copy) {
            return;
        }
        if !copies.contains_key(&key) && copies.len() >= MAX_GROUP_COPIES {
            return self.reject(None, "device_sync", "too_many_groups");
        }
        let name = format!("{COPIES_PREFIX}{}", copy.view.group_id);
        if let Err(e) = self.store.set_meta_value(&name, &copy) {
            return self.failed("store.group_copy", &e);
        }
        let view = copy.view.clone();
        self.links.groups.0.insert(key, copy);
        self.durability.after_flush(Box::new(move |actor: &mut Actor| {
            actor.emit(crate::node::Event::GroupChanged {
                group: Box::new(view),
                change: "updated".into(),
            });
        }));
    }

    /// A group command on a linked device: questions answered from the copies and this
    /// device's store, texts and reads sent through the first device; membership changes
    /// are made on the first device.
    pub(in crate::node) fn group_command_on_linked(&mut self, command: GroupCommand) {
        match command {
            GroupCommand::List(reply) => {
                let mut views: Vec<GroupView> = self.links.groups.0.values().map(|c| c.view.clone()).collect();
                views.sort_by(|a, b| a.name.cmp(&b.name).then(a.group_id.cmp(&b.group_id)));
                let _ = reply.send(Ok(views));
            }
            GroupCommand::Members { group, reply } => {
                let members = self.copy_named(&group).map(|(_, c)| c.members.clone());
                let _ = reply.send(members);
            }
            GroupCommand::History {
                group,
                limit,
                before,
                reply,
            } => {
                let _ = reply.send(self.copied_group_history(&group, limit, before));
            }
            GroupCommand::Send { group, text, reply } if !self.links.first_up => {
                self.send_group_without_first(&group, text, reply)
            }
            GroupCommand::Send { group, text, reply } => {
                let bounded = self
                    .copied_group_ref(&group)
                    .and_then(|(_, group)| Ok((group, super::forward::bounded(&text, "text")?)));
                match bounded {
                    Ok((group, text)) => self.forward(Forward::SendGroup { group, text, reply }),
                    Err(e) => {
                        let _ = reply.send(Err(e));
                    }
                }
            }
            GroupCommand::Read { group, reply } => self.read_group_for_account(&group, reply),
            GroupCommand::Create {
                name,
                members,
                meetup_secs: None,
                reply,
            } => {
                let id = GroupId::generate(&mut rand::rngs::OsRng);
                let action = (|| {
                    let members = members
                        .iter()
                        .map(|m| super::forward::bounded(m, "contact"))
                        .collect::<Result<Vec<_>, _>>()?;
                    Ok(Action::CreateGroup {
                        id: Fixed(*id.as_bytes()),
                        name: super::forward::bounded(&name, "group name")?,
                        members: List::new(members).map_err(|_| too_many_members())?,
                    })
                })();
                self.act(action, view_of_copy(id, reply));
            }
            GroupCommand::Change { group, change, reply } => {
                let action = self.copied_group_ref(&group).and_then(|(id, group)| {
                    let change = wire_change(change)?;
                    Ok((id, Action::ChangeGroup { group, change }))
                });
                match action {
                    Ok((id, action)) => self.act(Ok(action), view_of_copy(id, reply)),
                    Err(e) => {
                        let _ = reply.send(Err(e));
                    }
                }
            }
            GroupCommand::Create { reply, .. }
            | GroupCommand::Join { reply, .. }
            | GroupCommand::ForgetAtEnd { reply, .. }
            | GroupCommand::Answer { reply, .. } => {
                let _ = reply.send(Err(super::linked_device()));
            }
            GroupCommand::CreateMeetup { reply, .. } => {
                let _ = reply.send(Err(super::linked_device()));
            }
            GroupCommand::Invitations(reply) => {
                let _ = reply.send(Err(super::linked_device()));
            }
        }
    }

    /// On the first device: a linked device hands over a text its person wrote to a group
    /// while this device was away; it is posted as this device's member's under the same
    /// id. The answer (1: kept, 0: not taken — no such group here, closed, or the text is
    /// malformed) goes once it is on disk.
    pub(super) fn take_handed_group(&mut self, group: [u8; 16], message: HandedMessage, reply: Reply<u64>) {
        let id = MsgId(message.id.0);
        let answer = match (self.store.has_message(&id), WireBody::decode(&message.body)) {
            (Ok(true), _) => Ok(1),
            (Err(e), _) => Err(e.into()),
            (Ok(false), Err(_)) => Ok(0),
            (Ok(false), Ok(body)) => match self.queue_group_message_as(&hex::encode(group), body, id) {
                Ok(_) => Ok(1),
                Err(e) => {
                    tracing::debug!(error = %e, "a handed group text is not posted");
                    Ok(0)
                }
            },
        };
        self.durability.after_flush(Box::new(move |actor: &mut Actor| {
            actor.publish_unpublished();
            let _ = reply.send(answer);
        }));
    }

    /// Marks a group's conversation read through the first device (a linked device).
    pub(super) fn read_group_for_account(&mut self, group: &str, reply: Reply<usize>) {
        let action = self
            .copied_group_ref(group)
            .map(|(_, group)| Action::ReadGroup { group });
        self.act(action, super::forward::counted(reply));
    }

    /// The copied group `query` names, and its id.
    pub(super) fn copy_named(&self, query: &str) -> Result<(GroupId, &Copied), NodeError> {
        let id = self.links.groups.id_for(query)?;
        Ok((id, self.links.groups.get(&id).expect("found among the copies")))
    }

    /// The copied group `query` names: its id, and the id as the first device is told it.
    fn copied_group_ref(&self, query: &str) -> Result<(GroupId, Text<MAX_CONTACT_QUERY>), NodeError> {
        let id = self.links.groups.id_for(query)?;
        Ok((id, Text::new(hex::encode(id.as_bytes())).expect("32 hex digits fit")))
    }

    /// A page of a copied group's history, senders named as its members are.
    fn copied_group_history(
        &self,
        query: &str,
        limit: usize,
        before: Option<String>,
    ) -> Result<Vec<MessageView>, NodeError> {
        let (id, copy) = self.copy_named(query)?;
        self.group_page(&id, limit, before, &copy.view.name, |sender| {
            copy.members
                .iter()
                .find(|member| member.phone == sender.as_str())
                .map(|member| member.name.as_str())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(n: usize) -> MemberView {
        MemberView {
            // 60 bytes and up to 3 digits: as long as a name may be.
            name: "가".repeat(20) + &format!("{n:03}") + "x",
            phone: "+999123456789012".into(),
            fingerprint: "12345 67890".into(),
            peer_id: "12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN".into(),
            admin: n == 0,
            me: n == 1,
        }
    }

    fn view(members: usize) -> GroupView {
        GroupView {
            group_id: hex::encode([7; 16]),
            name: "모임".repeat(10),
            kind: "meetup".into(),
            epoch: 3,
            members,
            is_admin: true,
            active: true,
            expires_ms: Some(u64::MAX),
            closed: false,
        }
    }

    #[test]
    fn a_group_of_many_goes_in_frames_that_fit_and_comes_back_whole() {
        let members: Vec<MemberView> = (0..600).map(member).collect();
        let id = GroupId(Fixed([7; 16]));
        let frames = copy_frames(&id, &view(600), &members);
        assert_eq!(frames.len(), 3);
        for frame in &frames {
            let bytes = crate::wire::to_cbor(&crate::account::sync::SyncMessage::Group(frame.clone()));
            assert!(
                bytes.len() <= crate::account::sync::MAX_SYNC_FRAME,
                "{} bytes",
                bytes.len()
            );
        }
        let mut arriving = None;
        let mut whole = None;
        for frame in frames {
            whole = assemble(&mut arriving, frame).unwrap();
        }
        let back = copied(whole.expect("the last frame completes it"));
        assert!(back.members == members, "the members come back as they went");
        assert_eq!(back.view, view(600));
    }

    #[test]
    fn frames_out_of_order_or_of_too_many_members_are_malformed() {
        let members: Vec<MemberView> = (0..300).map(member).collect();
        let id = GroupId(Fixed([7; 16]));
        let frames = copy_frames(&id, &view(300), &members);
        let mut arriving = None;
        assert!(assemble(&mut arriving, frames[1].clone()).is_err());
        let mut arriving = None;
        let mut too_many = frames[0].clone();
        too_many.count = crate::group::log::MAX_MEMBERS as u64 + 1;
        assert!(assemble(&mut arriving, too_many).is_err());
        // A group with no members to show still has its one frame.
        let empty = copy_frames(&id, &view(0), &[]);
        let mut arriving = None;
        let whole = assemble(&mut arriving, empty[0].clone()).unwrap();
        assert_eq!(whole.map(|w| w.members.len()), Some(0));
    }
}
