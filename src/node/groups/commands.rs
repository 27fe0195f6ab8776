//! Group commands from the node's handle (SPEC.md §7): create, change membership and
//! admins, rename, leave and close, history, and what a change of head does (epochs,
//! welcomes, the conversation row).

use super::*;

impl Actor {
    pub(in crate::node) fn on_group_command(&mut self, command: GroupCommand) {
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
    pub(super) fn reply_after_flush<T: Send + 'static>(&mut self, reply: Reply<T>, result: Result<T, NodeError>) {
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
    pub(in crate::node) fn member_views(&mut self, id: &GroupId) -> Result<Vec<MemberView>, NodeError> {
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

    pub(super) fn group_history(
        &self,
        id: &GroupId,
        limit: usize,
        before: Option<String>,
    ) -> Result<Vec<MessageView>, NodeError> {
        let state = self.record(id)?.log.state();
        self.group_page(id, limit, before, state.name(), |sender| {
            state
                .members()
                .iter()
                .find(|mb| member_number(mb).as_ref() == Some(sender))
                .map(|mb| mb.name.as_str())
        })
    }

    /// The last `limit` messages of group `id` before `before`, titled `title`, each
    /// incoming one with the name `member_name` gives its sender's number.
    pub(in crate::node) fn group_page<'a>(
        &self,
        id: &GroupId,
        limit: usize,
        before: Option<String>,
        title: &str,
        member_name: impl Fn(&PhoneNumber) -> Option<&'a str>,
    ) -> Result<Vec<MessageView>, NodeError> {
        let before = before
            .map(|b| b.parse::<MsgId>().map_err(NodeError::from))
            .transpose()?;
        let messages = self.store.last_messages(
            &ConvId::group(*id.as_bytes()),
            limit.clamp(1, crate::node::messages::MAX_HISTORY_LIMIT),
            before.as_ref(),
        )?;
        Ok(messages
            .iter()
            .map(|m| {
                let name = match m.direction {
                    Direction::Outgoing => "",
                    Direction::Incoming => member_name(&m.sender).unwrap_or(""),
                };
                MessageView::new(m, name).titled(title)
            })
            .collect())
    }

    pub(in crate::node) fn cmd_group_create(
        &mut self,
        name: &str,
        members: &[String],
        meetup_secs: Option<u64>,
    ) -> Result<GroupView, NodeError> {
        self.create_group(GroupId::generate(&mut rand::rngs::OsRng), name, members, meetup_secs)
    }

    /// Creates group `id` (new: a linked device's person chose it, to find the group).
    pub(in crate::node) fn create_group(
        &mut self,
        id: GroupId,
        name: &str,
        members: &[String],
        meetup_secs: Option<u64>,
    ) -> Result<GroupView, NodeError> {
        if self.groups.records.contains_key(&id) {
            let refusal = Refusal::invalid("group_exists", "a group with this id exists already");
            return Err(refusal.with("group", group_hex(&id)).into());
        }
        crate::text::check_name(name.trim())?;
        let name = text(name.trim(), "group name")?;
        if name.as_str().is_empty() {
            return Err(Refusal::invalid("group_needs_name", "a group needs a name").into());
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
        self.groups.records.insert(id, GroupRecord::new(expires.is_some(), log));
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

    pub(in crate::node) fn cmd_group_change(&mut self, id: GroupId, change: Change) -> Result<GroupView, NodeError> {
        let record = self.record(&id)?;
        if record.removed {
            let refusal = Refusal::invalid("not_a_member", "you are no longer a member of this group");
            return Err(refusal.with("group", record.log.state().name()).into());
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
                .ok_or_else(|| {
                    let message = format!("no member {} in this group", crate::text::quote(query));
                    Refusal::not_found("no_such_member", message)
                        .with("member", query)
                        .into()
                })
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
    pub(super) fn commit_ops(&mut self, id: GroupId, ops: Vec<Op>) -> Result<(), NodeError> {
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
    pub(super) fn after_head_change(
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
    pub(super) fn enter_epoch(&mut self, id: GroupId, commit: &Commit, secret: EpochSecret) {
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
        record.own_dists.insert(epoch, dist.clone());
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

    /// After a lone `rekey` by `member` (a node restored from a backup): sends it again our
    /// sender key of every older epoch we keep, as first made — it may have acknowledged
    /// one after its backup and lost it with its machine, and without it cannot read, or
    /// ask for, what we sent in that epoch while it was away (protocol/group.md §5.3).
    pub(super) fn resend_sender_keys(&mut self, id: GroupId, member: &Fixed<32>) {
        let Some(record) = self.groups.records.get(&id) else {
            return;
        };
        let Some(member) = record.log.state().member(member).cloned() else {
            return;
        };
        let older = &record.epochs[..record.epochs.len().saturating_sub(1)];
        let dists: Vec<SenderKeyDistribution> = older.iter().filter_map(|e| record.own_dists.get(e).cloned()).collect();
        for dist in dists {
            self.send_control_to(
                &id,
                &member,
                GroupControl::SenderKey {
                    id: Fixed(rand::random()),
                    dist,
                },
            );
        }
    }

    /// Drops one epoch's keys, topic, buffered messages and kept envelopes.
    pub(super) fn forget_epoch(&mut self, id: GroupId, epoch: &Fixed<32>) {
        self.unsubscribe_epoch(id, epoch);
        if let Some(record) = self.groups.records.get_mut(&id) {
            record.secrets.remove(epoch);
            record.own.remove(epoch);
            record.own_dists.remove(epoch);
            record.rings.remove(epoch);
            record.epochs.retain(|e| e != epoch);
        }
        if let Some(buffer) = self.groups.pending.get_mut(&id) {
            buffer.drop_epoch(epoch);
        }
        self.groups.sync_schedule.forget_epoch(epoch);
        if let Err(e) = self.store.remove_group_envelopes(epoch.as_bytes()) {
            tracing::error!(error = %e, "cannot forget a group epoch");
        }
        self.mark_dirty(id);
    }

    /// We are out: forget every epoch (history stays).
    pub(super) fn leave_group(&mut self, id: GroupId) {
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

    pub(super) fn ensure_conversation(&mut self, id: &GroupId) {
        let Some(record) = self.groups.records.get(id) else {
            return;
        };
        let conv_id = ConvId::group(*id.as_bytes());
        let title = record.log.state().name().to_owned();
        let mut conv = match self.conversation_row(&conv_id) {
            Ok(Some(c)) => c,
            _ => Conversation::group(*id.as_bytes(), record.meetup, &title),
        };
        if conv.title != title || conv.last_hlc == 0 {
            conv.title = title;
            self.update_conversation(conv);
        }
    }

    pub(super) fn announce_group(&mut self, id: &GroupId, change: &str) {
        let Some(record) = self.groups.records.get(id) else {
            return;
        };
        let view = record.view(&self.me());
        let change = change.to_owned();
        self.ensure_conversation(id);
        let id = *id;
        self.durability.after_flush(Box::new(move |actor: &mut Actor| {
            actor.note_group_to_devices(&id);
            actor.emit(Event::GroupChanged {
                group: Box::new(view),
                change,
            });
        }));
    }

    /// On a home restored from a backup: a `rekey` commit in every group we are still in,
    /// so the sender-key chains the backup held are never used again (a chain restored
    /// at an older position would reuse message keys). The mark is cleared once done.
    pub(super) fn rekey_after_restore(&mut self) {
        if !matches!(self.store.restored_ms(), Ok(Some(_))) {
            return;
        }
        let me = self.me();
        let ids: Vec<GroupId> = self
            .groups
            .records
            .iter()
            .filter(|(_, r)| !r.removed && !r.log.state().closed() && r.log.state().is_member(&me))
            .map(|(id, _)| *id)
            .collect();
        for id in ids {
            if let Err(e) = self.commit_ops(id, vec![Op::Rekey]) {
                tracing::warn!(group = %group_hex(&id), error = %e, "cannot re-key a restored group");
            }
        }
        if let Err(e) = self.store.clear_restored() {
            self.failed("store.clear_restored", &e);
        }
    }
}
