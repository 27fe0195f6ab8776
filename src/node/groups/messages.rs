//! Group messages (SPEC.md §7.4): encrypting and publishing ours, accepting members'
//! from gossipsub (checked, decrypted, stored, shown), the sync deadlines, and keeping connections
//! to fellow members.

use super::*;

impl Actor {
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
        self.queue_group_message_as(query, body, MsgId::generate())
    }

    /// [`Actor::queue_group_message`] under the id `message` (a text a linked device's
    /// person wrote while this device was away).
    pub(in crate::node) fn queue_group_message_as(
        &mut self,
        query: &str,
        body: Body,
        message: MsgId,
    ) -> Result<MessageView, NodeError> {
        let id = self.group_id_for(query)?;
        let now = now_ms();
        let record = self.record(&id)?;
        let state = record.log.state();
        if record.removed || state.closed() || state.is_expired(now) {
            let refusal = Refusal::invalid("group_closed", "this group is closed or you are no longer in it");
            return Err(refusal.with("group", state.name()).into());
        }
        let title = state.name().to_owned();
        let wire = WireBody::from_body(&body)?;
        let encoded = wire.encode();
        let body_bytes = Bytes::new(encoded.to_vec()).map_err(|_| BodyError::TooLong {
            field: "message",
            len: encoded.len(),
            max: MAX_GROUP_BODY,
        })?;
        let conv_id = ConvId::group(*id.as_bytes());
        let mut conv = self
            .conversation_row(&conv_id)?
            .unwrap_or_else(|| Conversation::group(*id.as_bytes(), record.meetup, ""));
        let mut stored = self.new_outgoing(&mut conv, message, body, now, self.own_phone()?);
        if crate::content::paper::is_paper_body(&stored.body) {
            let me = self.my_member(false)?;
            self.check_paper_body(id.as_bytes(), &me, &stored)
                .map_err(crate::node::paper::refused)?;
        }
        let mut batch = self.store.batch();
        let changed = self.absorb(&mut batch, &mut stored)?;
        self.note_file(&mut batch, &stored, None);
        let plain = GroupPlain {
            id: Fixed(stored.id.0),
            sent_ms: now,
            body: body_bytes,
        };
        let record = self.groups.records.get_mut(&id).expect("checked above");
        let epoch = *record
            .current_epoch()
            .ok_or_else(|| Refusal::invalid("no_epoch", "the group has no epoch yet"))?;
        let key = record.own.get_mut(&epoch).expect("every kept epoch has our key");
        let internal = |what| move |e: crate::group::GroupError| NodeError::Internal { what, source: e.into() };
        let message = key.encrypt(&plain).map_err(internal("encrypt_group_message"))?;
        let envelope = message.encode().map_err(internal("encode_group_message"))?;
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

    /// Publishes what waited for its flush; what finds no peer yet is tried again when a
    /// member subscribes or its back-off ends (members find it by history sync meanwhile).
    pub(in crate::node) fn publish_unpublished(&mut self) {
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
        let waiting = !self.groups.unpublished.is_empty();
        self.groups.timers.published(waiting, now_ms());
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

    pub(super) fn current_topic(&self, id: &GroupId) -> Option<IdentTopic> {
        let record = self.groups.records.get(id)?;
        let secret = record.secrets.get(record.current_epoch()?)?;
        Some(topic_of(&EpochKeys::derive(id, secret)))
    }

    /// A message from gossipsub: validated here before gossipsub forwards it.
    pub(in crate::node) fn on_gossip_message(
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

    pub(super) fn check_gossip(&mut self, message: &gossipsub::Message) -> Result<(), (Verdict, &'static str)> {
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
    pub(super) fn accept_group_message(
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
        let now = now_ms();
        if expected.is_some_and(|next| received.seq > next) {
            // Perhaps only overtaken on another gossip path: asked about after a grace.
            self.groups.sync_schedule.gap((message.epoch, message.key_id), now);
        }
        self.groups.ring_dirty.insert(group);
        self.groups.sync_schedule.message((message.epoch, message.key_id), now);
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
            self.reject(None, "content", crate::node::paper::reason(e));
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
        self.note_file(&mut batch, &stored, PeerId::from_bytes(sender.peer_id.as_ref()).ok());
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
        // so the next heads sync fetches it again.
        self.durability.wrote_lazily();
        if action {
            if let Some(changed) = changed {
                self.announce_change(changed, title);
            }
            return Ok(());
        }
        self.emit(Event::MessageReceived {
            message: Box::new(MessageView::new(&stored, sender.name.as_str()).titled(&title)),
        });
        Ok(())
    }

    /// When the groups next have something to do (ms): a sync, a control retry, a
    /// publication to try again, members to connect, a meetup to end.
    pub(in crate::node) fn group_deadline_ms(&self) -> Option<u64> {
        let syncs = self.groups.sync_schedule.poll_timeout();
        syncs.into_iter().chain(self.groups.timers.deadline_ms()).min()
    }

    /// A peer's last connection closed: if it was a fellow member, another is dialled.
    pub(in crate::node) fn groups_connection_lost(&mut self) {
        if !self.groups.records.is_empty() {
            self.groups.timers.members_ms = Some(now_ms());
        }
    }

    /// A fellow member subscribed to a group's topic: what found no peer goes now.
    pub(in crate::node) fn member_subscribed(&mut self) {
        if !self.groups.unpublished.is_empty() {
            self.publish_unpublished();
        }
    }

    /// Does the groups' work that fell due at `now`. Syncs: an epoch's heads (a second
    /// after the first message not yet asked about, new keys until a message is heard,
    /// every epoch polled), and holes in a sender's messages that outlived their grace.
    pub(in crate::node) fn on_group_deadline(&mut self, now: u64) {
        for due in self.groups.sync_schedule.take_due(now) {
            match due {
                Due::Heads(epoch) => {
                    let group = self.groups.records.iter().find(|(_, r)| r.rings.contains_key(&epoch));
                    match group.map(|(id, _)| *id) {
                        Some(group) => self.request_heads(group, epoch),
                        None => self.groups.sync_schedule.forget_epoch(&epoch),
                    }
                }
                Due::Key((epoch, key_id)) => {
                    let found = self.groups.records.iter().find_map(|(id, r)| {
                        r.rings
                            .get(&epoch)
                            .and_then(|ring| ring.key(&key_id))
                            .map(|k| (*id, k.first_missing(), k.next(), *k.sender()))
                    });
                    match found {
                        Some((group, missing, next, sender)) if sender != self.me() => {
                            if missing < next {
                                self.request_sync(group, epoch, key_id, missing, Some(next - 1));
                            }
                        }
                        _ => self.groups.sync_schedule.forget(&(epoch, key_id), now),
                    }
                }
            }
        }
        let timers = &self.groups.timers;
        let (unpublished, controls) = (timers.unpublished_ms, timers.controls_ms);
        let (members, meetups) = (timers.members_ms, timers.meetups_ms);
        if GroupTimers::due(unpublished, now) {
            self.publish_unpublished();
        }
        if GroupTimers::due(controls, now) {
            self.pump_control(None);
        }
        if GroupTimers::due(members, now) {
            self.connect_members();
        }
        if GroupTimers::due(meetups, now) {
            self.expire_meetups(now);
        }
    }

    /// Dials fellow members of every active group until [`MEMBER_CONNECTIONS`] of them
    /// are connected. Addresses come from the DHT's routing table, identify, the records of
    /// members who are contacts and, for the others, circuits through the relays they most likely use.
    pub(super) fn connect_members(&mut self) {
        let me = self.me();
        let now = now_ms();
        let mut dials = Vec::new();
        let mut missing_any = false;
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
            missing_any |= missing > 0;
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
                None => self.routes_through_relays(peer),
            };
            self.learn_addrs(peer, addrs);
            let opts = libp2p::swarm::dial_opts::DialOpts::peer_id(peer)
                .condition(libp2p::swarm::dial_opts::PeerCondition::DisconnectedAndNotDialing)
                .build();
            let _ = self.swarm.dial(opts);
        }
        self.groups.dialed.retain(|_, at| now.saturating_sub(*at) < REDIAL_MS);
        // Members still missing are looked at again once a redial is allowed (sooner if
        // members or connections change).
        self.groups.timers.members_ms = missing_any.then_some(now + REDIAL_MS);
    }
}
