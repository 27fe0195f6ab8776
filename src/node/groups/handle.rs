//! The library's group API: [`NodeHandle`]'s methods for groups and flash meetups, each a
//! [`GroupCommand`] to the actor.

use super::*;
use crate::node::NodeHandle;

impl NodeHandle {
    async fn group_request<T>(&self, make: impl FnOnce(Reply<T>) -> GroupCommand) -> Result<T, NodeError> {
        self.request(|reply| crate::node::command::Command::Group(make(reply)))
            .await?
    }

    /// Creates a group named `name` with contacts (names or numbers) whose keys are
    /// pinned; we are its first admin. Returns once it is durable; members are told
    /// over 1:1 sessions (retried until they acknowledge). With `meetup_secs`, it is a
    /// flash meetup that closes after that many seconds (at most 24 h).
    pub async fn group_create(
        &self,
        name: &str,
        members: &[&str],
        meetup_secs: Option<u64>,
    ) -> Result<GroupView, NodeError> {
        let name = name.to_owned();
        let members = members.iter().map(|m| (*m).to_owned()).collect();
        self.group_request(|reply| GroupCommand::Create {
            name,
            members,
            meetup_secs,
            reply,
        })
        .await
    }

    /// Every group and meetup this node knows (including ones it was removed from).
    pub async fn groups(&self) -> Result<Vec<GroupView>, NodeError> {
        self.group_request(GroupCommand::List).await
    }

    /// Invitations waiting for an answer (only with `[groups] auto_join = false`; otherwise
    /// a contact's invitation is joined at once).
    pub async fn group_invitations(&self) -> Result<Vec<InvitationView>, NodeError> {
        self.group_request(GroupCommand::Invitations).await
    }

    /// Accepts an invitation (by group id, at least 4 hex digits of it, or name): this
    /// node becomes a member and catches up from the epoch it was added in.
    pub async fn group_join(&self, group: &str) -> Result<GroupView, NodeError> {
        self.answer_invitation(group, true).await
    }

    /// Declines an invitation: it is forgotten and the group ignored (the members list us
    /// until an admin removes us).
    pub async fn group_decline(&self, group: &str) -> Result<GroupView, NodeError> {
        self.answer_invitation(group, false).await
    }

    async fn answer_invitation(&self, group: &str, join: bool) -> Result<GroupView, NodeError> {
        let group = group.to_owned();
        self.group_request(|reply| GroupCommand::Answer { group, join, reply })
            .await
    }

    /// The members of a group (by id or name).
    pub async fn group_members(&self, group: &str) -> Result<Vec<MemberView>, NodeError> {
        let group = group.to_owned();
        self.group_request(|reply| GroupCommand::Members { group, reply }).await
    }

    async fn group_change(&self, group: &str, change: Change) -> Result<GroupView, NodeError> {
        let group = group.to_owned();
        self.group_request(|reply| GroupCommand::Change { group, change, reply })
            .await
    }

    /// Adds a contact to a group (admins only); it receives the group's state and keys
    /// from now on, nothing from before.
    pub async fn group_invite(&self, group: &str, contact: &str) -> Result<GroupView, NodeError> {
        self.group_change(group, Change::Invite(contact.to_owned())).await
    }

    /// Removes a member (by name, number or peer id; admins only). Starts a new epoch:
    /// the removed member can read nothing sent after.
    pub async fn group_remove(&self, group: &str, member: &str) -> Result<GroupView, NodeError> {
        self.group_change(group, Change::Remove(member.to_owned())).await
    }

    /// Promotes or demotes an admin (admins only).
    pub async fn group_admins(&self, group: &str, action: AdminAction, member: &str) -> Result<GroupView, NodeError> {
        self.group_change(group, Change::Admins(action, member.to_owned()))
            .await
    }

    /// Renames a group (admins only).
    pub async fn group_rename(&self, group: &str, name: &str) -> Result<GroupView, NodeError> {
        self.group_change(group, Change::Rename(name.to_owned())).await
    }

    /// Leaves a group; its history stays on this node.
    pub async fn group_leave(&self, group: &str) -> Result<GroupView, NodeError> {
        self.group_change(group, Change::Leave).await
    }

    /// Closes a group or meetup for everyone (admins only).
    pub async fn group_close(&self, group: &str) -> Result<GroupView, NodeError> {
        self.group_change(group, Change::Close).await
    }

    /// Creates a flash meetup named `name` that lasts `secs` seconds (at most 24 h) and
    /// returns its code: whoever types it while it lasts can join
    /// ([`NodeHandle::meetup_join`]). At expiry every member forgets its keys and topic;
    /// the history stays.
    pub async fn meetup_create(&self, name: &str, secs: u64) -> Result<MeetupView, NodeError> {
        let name = name.to_owned();
        self.group_request(|reply| GroupCommand::CreateMeetup { name, secs, reply })
            .await
    }

    /// Deletes a meetup's history on this node when the meetup ends (expiry or close; at
    /// once if it already ended). Without this the history stays.
    pub async fn meetup_forget_at_end(&self, group: &str) -> Result<GroupView, NodeError> {
        let group = group.to_owned();
        self.group_request(|reply| GroupCommand::ForgetAtEnd { group, reply })
            .await
    }

    /// Joins the meetup behind `code` (`XXXXX-XXXXX` or its `chingu://meetup/` link):
    /// finds its creator in the DHT under the code's slow-hashed key, proves knowledge of
    /// the code and waits for the welcome. Joiners reveal their number and name to the
    /// meetup's members.
    pub async fn meetup_join(&self, code: &str) -> Result<GroupView, NodeError> {
        let code = crate::group::MeetupCode::parse(code)
            .map_err(|e| Refusal::invalid("bad_meetup_code", e.to_string()).with("problem", e.reason()))?;
        let now = crate::model::now_ms() / 1000;
        // A lookup that failed (timed out) is not evidence that there is no meetup.
        let mut failure = None;
        for epoch in crate::rendezvous::Epoch::to_look_up(now) {
            let bytes = *code.as_bytes();
            let secret = tokio::task::spawn_blocking(move || crate::rendezvous::CodeSecret::derive(&bytes, epoch))
                .await
                .map_err(|source| NodeError::Task {
                    what: "meetup code",
                    source,
                })?;
            let keys = secret.keys();
            let values = match self.dht_get(keys.dht_key.to_vec(), 1).await {
                Ok(values) => values,
                Err(e) => {
                    failure = Some(e);
                    continue;
                }
            };
            let creator = values
                .iter()
                .filter_map(|v| crate::rendezvous::RendezvousValue::decode(v).ok())
                .flat_map(|v| v.entries.iter().cloned().collect::<Vec<_>>())
                .filter_map(|e| crate::rendezvous::open_entry(&e, &keys, now).ok())
                .filter_map(crate::node::discovery::peer_keys)
                .max_by_key(|k| k.record.seq);
            if let Some(creator) = creator {
                let auth_key = secret.auth_key();
                return self
                    .group_request(|reply| GroupCommand::Join {
                        creator: Box::new(creator),
                        auth_key,
                        reply,
                    })
                    .await;
            }
        }
        Err(failure.unwrap_or_else(|| {
            Refusal::not_found(
                "no_such_meetup",
                "no meetup with this code (mistyped, expired or closed)",
            )
            .into()
        }))
    }

    /// Sends a text to a group. Returns once it is durable (state `queued`); it turns
    /// `sent` when published. Members that miss it fetch it by history sync.
    pub async fn group_send(&self, group: &str, text: &str) -> Result<MessageView, NodeError> {
        let (group, text) = (group.to_owned(), text.to_owned());
        self.group_request(|reply| GroupCommand::Send { group, text, reply })
            .await
    }

    /// The last `limit` messages of a group, oldest first, before message `before`.
    pub async fn group_history(
        &self,
        group: &str,
        limit: usize,
        before: Option<&str>,
    ) -> Result<Vec<MessageView>, NodeError> {
        let group = group.to_owned();
        let before = before.map(str::to_owned);
        self.group_request(|reply| GroupCommand::History {
            group,
            limit,
            before,
            reply,
        })
        .await
    }

    /// Marks a group's (or meetup's) received messages read and its unread count zero;
    /// returns how many were marked. Groups send no read receipts.
    pub async fn group_read(&self, group: &str) -> Result<usize, NodeError> {
        let group = group.to_owned();
        self.group_request(|reply| GroupCommand::Read { group, reply }).await
    }
}
