//! Group control over 1:1 sessions (SPEC.md §7.3): welcomes, commits and sender keys
//! sent to members until acknowledged, and what arrives from them (invitations kept for
//! the owner to answer, commits and keys waiting for what they depend on).

use super::*;

impl Actor {
    pub(super) fn send_welcome(&mut self, id: &GroupId, member: &Member, commit: &Commit) {
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
    pub(super) fn send_control_to(&mut self, group: &GroupId, member: &Member, control: GroupControl) {
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
    pub(super) fn member_contact(&mut self, member: &Member) -> Option<PhoneNumber> {
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
    pub(in crate::node) fn pump_control(&mut self, only: Option<[u8; 16]>) {
        let now = now_ms();
        let due: Vec<[u8; 16]> = match only {
            Some(id) => vec![id],
            None => {
                // The deadline passed: what is due goes, and the next retry is armed.
                let controls = self.groups.controls.values();
                self.groups.timers.controls_ms =
                    controls.clone().map(|c| c.next_attempt_ms).filter(|at| *at > now).min();
                controls.filter(|c| c.next_attempt_ms <= now).map(|c| c.id).collect()
            }
        };
        for id in due {
            let Some(entry) = self.groups.controls.get_mut(&id) else {
                continue;
            };
            entry.attempts += 1;
            entry.next_attempt_ms = now + control_retry_ms(entry.attempts);
            self.groups.timers.control_at(entry.next_attempt_ms);
            let phone = entry.phone.clone();
            let Ok(data) = Bytes::new(entry.data.clone()) else {
                continue;
            };
            self.queue_ephemeral(&phone, DmPayload::Group { data });
        }
    }

    /// A group-control payload from the 1:1 session with `identity`.
    pub(in crate::node) fn on_group_control(&mut self, identity: [u8; 32], data: &[u8]) -> crate::dm::wire::Outcome {
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
                Ok(WelcomeOutcome::Joined | WelcomeOutcome::Declined) => {}
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
    pub(super) fn acknowledge_control(&mut self, identity: [u8; 32], id: Fixed<16>) {
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
    pub(super) fn on_welcome(
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
        if self.groups.declined.contains(&id) && !joining {
            return Ok(WelcomeOutcome::Declined);
        }
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
                        group: Box::new(view),
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
    pub(super) fn enter_welcomed(
        &mut self,
        from: [u8; 32],
        meetup: bool,
        commit: Commit,
        state: GroupState,
        share: EpochSecretShare,
    ) -> Result<(), &'static str> {
        let id = *commit.group();
        let log = GroupLog::from_checkpoint(state.clone()).map_err(|e| e.reason())?;
        self.groups.records.insert(id, GroupRecord::new(meetup, log));
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
    pub(super) fn cmd_answer_invitation(&mut self, query: &str, join: bool) -> Result<GroupView, NodeError> {
        let id = self.invitation_for(query)?;
        let invitation = self.groups.invitations.remove(&id).expect("found above");
        self.store.remove_group_invitation(id.as_bytes())?;
        self.durability.wrote();
        self.acknowledge_control(invitation.from, invitation.id);
        if !join {
            if self.groups.declined.len() == MAX_DECLINED {
                self.groups.declined.pop_front();
            }
            self.groups.declined.push_back(id);
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
            .map_err(|reason| {
                Refusal::invalid(
                    "invitation_invalid",
                    format!("the invitation is no longer valid ({reason})"),
                )
                .with("problem", reason)
            })?;
        self.retry_orphans(id);
        Ok(self.groups.records[&id].view(&self.me()))
    }

    /// The invitation `query` names: its group's name, id, or at least 4 leading hex
    /// digits of the id.
    pub(super) fn invitation_for(&self, query: &str) -> Result<GroupId, NodeError> {
        let prefix = (query.len() >= 4).then(|| query.to_ascii_lowercase());
        let mut found = self.groups.invitations.iter().filter(|(id, i)| {
            let by_id = prefix
                .as_deref()
                .is_some_and(|p| hex::encode(id.as_bytes()).starts_with(p));
            by_id || i.state.name() == query
        });
        match (found.next(), found.next()) {
            (Some((id, _)), None) => Ok(*id),
            (Some(_), Some(_)) => Err(Refusal::invalid(
                "ambiguous_invitation",
                format!(
                    "more than one invitation matches {}; use the group id",
                    crate::text::quote(query)
                ),
            )
            .with("group", query)
            .into()),
            _ => Err(Refusal::not_found(
                "no_such_invitation",
                format!("no invitation to {}", crate::text::quote(query)),
            )
            .with("group", query)
            .into()),
        }
    }

    /// A commit or a sender key from a fellow member.
    pub(super) fn on_member_control(&mut self, from: [u8; 32], control: GroupControl) -> Result<(), &'static str> {
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

    pub(super) fn on_commit(
        &mut self,
        group: GroupId,
        commit: Commit,
        share: Option<EpochSecretShare>,
    ) -> Result<(), &'static str> {
        // Members may come or go, a meetup may close: connections and meetups are
        // looked at again.
        self.groups.timers.look_now(now_ms());
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
                            if commit.ops() == [Op::Rekey] && *commit.committer() != self.me() {
                                self.resend_sender_keys(group, commit.committer());
                            }
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

    pub(super) fn on_sender_key(&mut self, group: GroupId, dist: SenderKeyDistribution) -> Result<(), &'static str> {
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
                if dist.sender != self.me() {
                    let arrived = (dist.epoch, dist.key.key_id);
                    self.groups.sync_schedule.key_arrived(arrived, now_ms(), false);
                }
                let waiting = self
                    .groups
                    .pending
                    .get_mut(&group)
                    .map(|b| b.take(&dist.epoch, &dist.key.key_id))
                    .unwrap_or_default();
                tracing::debug!(group = %group_hex(&group), held = waiting.len(), "a member's sender key arrived");
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

    pub(super) fn keep_orphan(&mut self, group: GroupId, control: GroupControl) {
        let orphans = self.groups.orphans.entry(group).or_default();
        if orphans.len() >= MAX_ORPHANS {
            orphans.remove(0);
        }
        orphans.push(control);
    }

    /// Tries again what was waiting for a commit or an epoch.
    pub(super) fn retry_orphans(&mut self, group: GroupId) {
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
}

/// How long a control message sent for the `attempts`-th time (1 = the first) waits for
/// its acknowledgement before it goes again: 2 s, doubling, at most 60 s (SPEC.md §7.3).
fn control_retry_ms(attempts: u32) -> u64 {
    CONTROL_RETRY_MS
        .saturating_mul(1 << attempts.saturating_sub(1).min(6))
        .min(CONTROL_RETRY_CAP_MS)
}

#[cfg(test)]
mod tests {
    use super::control_retry_ms;

    #[test]
    fn control_messages_are_retried_after_2_s_doubling_up_to_60_s() {
        let waits: Vec<u64> = (1..=8).map(control_retry_ms).collect();
        assert_eq!(waits, [2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);
        assert_eq!(control_retry_ms(0), 2_000);
        assert_eq!(control_retry_ms(u32::MAX), 60_000);
    }
}
