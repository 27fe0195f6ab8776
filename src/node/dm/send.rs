//! Sending 1:1 (SPEC.md §6): queueing messages, receipts and typing; handshakes and frame
//! requests to friends, their answers and failures, retries and the mailbox fallback.

use super::*;
use crate::node::refusal::Refusal;

impl Actor {
    /// Queues a text for `contact`; the reply goes out once it is durably in the outbox.
    pub(in crate::node) fn queue_message(
        &mut self,
        contact: &Contact,
        body: Body,
    ) -> Result<StoredMessage, crate::node::NodeError> {
        self.queue_message_as(contact, body, MsgId::generate())
    }

    /// [`Actor::queue_message`] with the message id chosen by the caller (a rolling
    /// paper's delivery has the same id from every deliverer).
    pub(in crate::node) fn queue_message_as(
        &mut self,
        contact: &Contact,
        body: Body,
        id: MsgId,
    ) -> Result<StoredMessage, crate::node::NodeError> {
        let sender = self.own_phone()?;
        self.queue_message_from(contact, body, id, sender)
    }

    /// [`Actor::queue_message_as`] naming the account's number `sender` (a linked device
    /// sending while its first device is away names it itself).
    pub(in crate::node) fn queue_message_from(
        &mut self,
        contact: &Contact,
        body: Body,
        id: MsgId,
        sender: PhoneNumber,
    ) -> Result<StoredMessage, crate::node::NodeError> {
        if contact.blocked {
            let name = contact.display_name();
            let message = format!("you blocked {name}; unblock them to send (chingu contacts unblock)");
            return Err(Refusal::blocked("contact_blocked", message)
                .with("contact", name)
                .into());
        }
        if contact.state == ContactState::Conflict {
            // `key_changed` or `several_keys`, as the contact's standing says.
            let name = contact.display_name();
            let standing = crate::contacts::standing::Standing::of(contact);
            return Err(Refusal::blocked(standing.reason(), standing.explain(&name))
                .with("contact", name)
                .into());
        }
        WireBody::from_body(&body)?;
        let now = now_ms();
        let conv_id = ConvId::direct(&contact.phone);
        let mut conv = self
            .conversation_row(&conv_id)?
            .unwrap_or_else(|| Conversation::direct(conv_id, &contact.phone, &contact.name));
        let mut message = self.new_outgoing(&mut conv, id, body, now, sender);
        let entry = OutboxEntry {
            id: message.id,
            target: OutboxTarget::Direct {
                phone: contact.phone.clone(),
            },
            attempts: 0,
            next_attempt_ms: 0,
            created_ms: now,
            mailbox_ms: 0,
        };
        let mut batch = self.store.batch();
        let changed = self.absorb(&mut batch, &mut message)?;
        self.note_file(&mut batch, &message, None);
        batch.put_outgoing(&message, &entry);
        self.store.apply(batch)?;
        self.update_conversation(conv);
        if let Some(changed) = changed {
            self.announce_change(changed, contact.name.clone());
        }
        if self.dm.unacked.len() < MAX_UNACKED_CACHED {
            self.dm.unacked.insert(message.id, message.clone());
        }
        self.dm.outbox.insert(entry);
        self.dm.stats.queued += 1;
        self.dm.stats.outbox = self.dm.outbox.len() as u64;
        Ok(message)
    }

    /// Queues a receipt or typing indicator for `phone` (dropped when too many wait).
    pub(in crate::node) fn queue_ephemeral(&mut self, phone: &PhoneNumber, payload: DmPayload) {
        if self.dm.blocked_phones.contains(phone) {
            return;
        }
        // What only the first device takes makes us try it again now.
        if !matches!(payload, DmPayload::Typing { .. }) {
            self.back_to_first_device(phone);
        }
        let queue = self.dm.ephemeral.entry(phone.clone()).or_default();
        if queue.len() < MAX_EPHEMERAL {
            queue.push(payload);
        }
        self.pump_friend(phone);
    }

    /// Puts ephemeral payloads whose request was lost back at the front of `phone`'s queue
    /// (as far as its cap allows), so they go with the next request instead of never.
    fn requeue_ephemeral(&mut self, phone: &PhoneNumber, payloads: Vec<DmPayload>) {
        if payloads.is_empty() {
            return;
        }
        put_back(self.dm.ephemeral.entry(phone.clone()).or_default(), payloads);
    }

    /// Sends a typing indicator to `phone` if allowed (setting on, friend pinned, rate).
    pub(in crate::node) fn send_typing(&mut self, phone: &PhoneNumber, active: bool) -> bool {
        if !self.config.settings.messaging.typing || !self.dm.typing.allow(phone, now_ms()) {
            return false;
        }
        self.queue_ephemeral(phone, DmPayload::Typing { active });
        true
    }

    /// Tries every friend whose retry fell due (the outbox's deadline passed).
    pub(in crate::node) fn pump_due_friends(&mut self) {
        for phone in self.dm.outbox.take_due(now_ms()) {
            self.pump_friend(&phone);
        }
    }

    /// Starts one delivery to `phone` if one is due and none is in flight.
    pub(in crate::node) fn pump_friend(&mut self, phone: &PhoneNumber) {
        if self.dm.handshaking.contains(phone) || self.requests_to(phone) >= MAX_IN_FLIGHT_PER_FRIEND {
            return;
        }
        let Ok(Some(contact)) = self.store.contact(phone) else {
            return;
        };
        let Some(keys) = reachable(&contact).cloned() else {
            return;
        };
        let Some(to) = self.send_to(&contact, &keys) else {
            return;
        };
        let now = now_ms();
        let peer = to.peer;
        let mut addrs = to.addrs.clone();
        if addrs.is_empty() && to.first {
            // No record (a fellow group member who is no contact of ours): a private
            // member is often reachable through the relays we use too, a public one
            // through what the DHT knows of it.
            addrs = self.routes_through_relays(peer);
            if !self.swarm.is_connected(&peer) {
                self.route_to_peer(peer, phone);
            }
        }
        if !self.learn_addrs(peer, addrs) && !self.swarm.is_connected(&peer) {
            // Every address the friend published is unusable or backing off: no dial now;
            // what is due goes to the friend's mailboxes (and retries later), receipts
            // wait for the friend's next try.
            let idle = self.requests_to(phone) == 0;
            if idle && self.dm.outbox.has_due(phone, now) {
                self.delivery_failed(phone, true);
            } else if idle && self.dm.ephemeral.contains_key(phone) {
                self.dm.outbox.retry_friend(phone, now, &mut rand::rngs::OsRng);
            }
            return;
        }
        let session_ok = self
            .dm
            .outbound
            .get(&to.identity)
            .and_then(|sid| self.dm.sessions.get(sid))
            .map(|s| !s.needs_rehandshake(now / 1000));
        match session_ok {
            Some(true) => {
                while self.requests_to(phone) < MAX_IN_FLIGHT_PER_FRIEND && self.send_frames(&contact, &to) {}
            }
            _ if self.requests_to(phone) > 0 => {}
            _ => {
                let has_work = self.dm.outbox.has_due(phone, now)
                    || self
                        .dm
                        .ephemeral
                        .get(phone)
                        .is_some_and(|q| q.iter().any(|p| to.takes(p)));
                if has_work {
                    self.start_handshake(&contact, &to);
                }
            }
        }
    }

    pub(super) fn start_handshake(&mut self, contact: &Contact, to: &devices::SendTo) {
        let payload = match self.handshake_payload(Some(contact), !contact.phone.is_pseudonym()) {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %e, "cannot build a handshake payload");
                return self.delivery_failed(&contact.phone, false);
            }
        };
        let local = self.local_keys();
        let (initiator, msg1) = match Initiator::new(&local, &to.noise, &to.identity, &payload, &mut rand::rngs::OsRng)
        {
            Ok(x) => x,
            Err(e) => {
                tracing::error!(error = %e, "cannot start a handshake");
                return self.delivery_failed(&contact.phone, false);
            }
        };
        let request = DmRequest::Hello {
            msg1: Bytes::new(msg1).expect("message 1 is within its bound"),
        };
        let bytes = crate::wire::encode(&request).expect("a hello fits the envelope");
        let id = self.swarm.behaviour_mut().dm.send_request(&to.peer, bytes);
        self.dm.handshaking.insert(contact.phone.clone());
        self.dm.in_flight.insert(
            id,
            InFlight::Hello {
                phone: contact.phone.clone(),
                initiator: Box::new(initiator),
            },
        );
    }

    pub(super) fn requests_to(&self, phone: &PhoneNumber) -> usize {
        self.dm.in_flight_to.get(phone).copied().unwrap_or(0)
    }

    /// Notes that a frames request to `phone` finished.
    pub(super) fn request_done(&mut self, phone: &PhoneNumber) {
        if let Some(count) = self.dm.in_flight_to.get_mut(phone) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                self.dm.in_flight_to.remove(phone);
            }
        }
    }

    /// Encrypts due messages and waiting receipts for `contact` on our session with the
    /// device `to` and sends them (after the nonce reservation is durable, when it had to
    /// grow). Returns whether a request went out.
    pub(super) fn send_frames(&mut self, contact: &Contact, to: &devices::SendTo) -> bool {
        let (peer, identity) = (to.peer, to.identity);
        let now = now_ms();
        let phone = contact.phone.clone();
        let due = self.dm.outbox.due(&phone, now, FRAMES_PER_REQUEST);
        // Frames are added while the request stays within the envelope.
        let mut budget = REQUEST_BUDGET;
        let mut payloads: Vec<(Option<MsgId>, Vec<u8>)> = Vec::new();
        for id in due {
            let bytes = match self.dm.unacked.get(&id) {
                Some(message) => message_payload(message),
                None => match self.store.message(&id) {
                    Ok(Some(message)) => message_payload(&message),
                    _ => None,
                },
            };
            let Some(bytes) = bytes else {
                self.forget_outbox(&id);
                continue;
            };
            if bytes.len() + FRAME_OVERHEAD > budget {
                break;
            }
            budget -= bytes.len() + FRAME_OVERHEAD;
            payloads.push((Some(id), bytes));
        }
        let mut ephemeral = Vec::new();
        if let Some(queue) = self.dm.ephemeral.get_mut(&phone) {
            // What this device does not take stays for the first device.
            while payloads.len() < FRAMES_PER_REQUEST {
                let Some(at) = queue.iter().position(|p| to.takes(p)) else {
                    break;
                };
                let bytes = queue[at].to_bytes();
                if bytes.len() + FRAME_OVERHEAD > budget {
                    break;
                }
                budget -= bytes.len() + FRAME_OVERHEAD;
                ephemeral.push(queue.remove(at));
                payloads.push((None, bytes));
            }
        }
        if payloads.is_empty() {
            return false;
        }
        let Some(sid) = self.dm.outbound.get(&identity).copied() else {
            self.requeue_ephemeral(&phone, ephemeral);
            return false;
        };
        let session = self.dm.sessions.get_mut(&sid).expect("outbound sessions are live");
        let state = session.send_state();
        if state.reserved_until.saturating_sub(state.next) < payloads.len() as u64 {
            session.reserve(DEFAULT_RESERVE_BLOCK.max(payloads.len() as u64));
            self.dm.dirty_sessions.insert(sid);
            self.durability.wrote();
        }
        let mut frames = Vec::with_capacity(payloads.len());
        let mut messages = Vec::with_capacity(payloads.len());
        for (id, payload) in payloads {
            match session.encrypt(&payload) {
                Ok(frame) => {
                    frames.push(frame);
                    messages.push(id);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot encrypt; re-handshaking");
                    self.drop_session(&sid);
                    self.requeue_ephemeral(&phone, ephemeral);
                    return false;
                }
            }
        }
        let sent: Vec<MsgId> = messages.iter().flatten().copied().collect();
        self.dm.outbox.attempted(&sent, now, &mut rand::rngs::OsRng);
        let request = DmRequest::Frames {
            frames: List::new(frames).expect("at most MAX_FRAMES_PER_REQUEST frames"),
        };
        let bytes = match crate::wire::encode(&request) {
            Ok(b) => b,
            Err(e) => {
                tracing::error!(error = %e, "a frames request does not fit");
                return false;
            }
        };
        *self.dm.in_flight_to.entry(phone.clone()).or_default() += 1;
        let in_flight = InFlight::Frames {
            phone,
            sid,
            messages,
            ephemeral,
        };
        // Every nonce used must lie inside a reservation already on disk; otherwise the
        // request waits for the flush that writes the grown reservation.
        let used_until = session.send_state().next;
        let reserved_until = session.send_state().reserved_until;
        if used_until > self.dm.durable_reservation.get(&sid).copied().unwrap_or(0) {
            self.durability.after_flush(Box::new(move |actor: &mut Actor| {
                let durable = actor.dm.durable_reservation.entry(sid).or_default();
                *durable = (*durable).max(reserved_until);
                let id = actor.swarm.behaviour_mut().dm.send_request(&peer, bytes);
                actor.dm.in_flight.insert(id, in_flight);
            }));
        } else {
            let id = self.swarm.behaviour_mut().dm.send_request(&peer, bytes);
            self.dm.in_flight.insert(id, in_flight);
        }
        true
    }

    /// Drops an outbox entry that can never be sent (its message is gone or unsendable).
    pub(super) fn forget_outbox(&mut self, id: &MsgId) {
        self.dm.outbox.remove(id);
        self.dm.unacked.remove(id);
        let mut batch = self.store.batch();
        batch.remove_outbox(id);
        if let Err(e) = self.store.apply(batch) {
            self.failed("store.forget_outbox", &e);
        }
        self.durability.wrote();
    }

    /// Marks `ids` delivered (or read): state change, outbox removal, event.
    pub(in crate::node) fn settle_outgoing(&mut self, ids: &[MsgId], state: MessageState) {
        let mut batch = self.store.batch();
        let mut changed = Vec::new();
        for id in ids {
            let Some(mut message) = self.outgoing_message(id) else {
                continue;
            };
            if message.direction != Direction::Outgoing || message.state >= state {
                if self.dm.outbox.remove(id).is_some() {
                    batch.remove_outbox(id);
                }
                continue;
            }
            // The state first, then the outbox removal: a crash in between only causes
            // one more (deduplicated) delivery.
            message.state = state;
            batch.put_message_state(&message);
            if self.dm.outbox.remove(id).is_some() {
                batch.remove_outbox(id);
                self.dm.stats.delivered += 1;
            }
            changed.push(message);
        }
        if batch.is_empty() {
            return;
        }
        if let Err(e) = self.store.apply(batch) {
            return tracing::error!(error = %e, "cannot record delivery");
        }
        self.dm.stats.outbox = self.dm.outbox.len() as u64;
        self.announce_direct_states(changed);
    }

    /// [`Actor::announce_states`] for 1:1 messages, which a first device also notes for
    /// its linked devices that are off.
    pub(in crate::node) fn announce_direct_states(&mut self, changed: Vec<StoredMessage>) {
        self.note_state_changes(changed.iter().map(|m| m.id));
        self.announce_states(changed);
    }

    /// An outgoing message as stored, taken out of the unacknowledged cache (the caller
    /// changes its state) or else read from the store.
    pub(in crate::node) fn outgoing_message(&mut self, id: &MsgId) -> Option<StoredMessage> {
        match self.dm.unacked.remove(id) {
            Some(message) => Some(message),
            None => self.store.message(id).ok().flatten(),
        }
    }

    /// Emits state changes once the writes recording them are durable.
    pub(in crate::node) fn announce_states(&mut self, changed: Vec<StoredMessage>) {
        self.durability.after_flush(Box::new(move |actor: &mut Actor| {
            for message in changed {
                actor.emit(Event::MessageState {
                    id: message.id.to_string(),
                    conv: message.conv.to_string(),
                    state: message.state,
                    preview: message.body.preview(),
                });
            }
        }));
    }

    /// Handles the answer to one of our requests.
    pub(in crate::node) fn on_dm_response(&mut self, peer: PeerId, id: OutboundRequestId, bytes: &[u8]) {
        let Some(in_flight) = self.dm.in_flight.remove(&id) else {
            return;
        };
        let response = crate::wire::decode::<DmResponse>(bytes);
        match in_flight {
            InFlight::Hello { phone, initiator } => {
                self.dm.handshaking.remove(&phone);
                match response {
                    Ok(DmResponse::Welcome { msg2 }) => match initiator.finish(&msg2, now_ms() / 1000) {
                        Ok((session, _payload)) => {
                            let sid = session.id();
                            self.dm.outbound.insert(session.remote_identity(), sid);
                            self.dm.sessions.insert(sid, session);
                            self.count_sessions();
                            self.dm.stats.handshakes += 1;
                            self.save_session(&sid);
                            self.pump_friend(&phone);
                        }
                        Err(e) => {
                            self.reject(Some(peer), "dm", e.reason());
                            // Another device of the account presenting a wrong key is no
                            // key change of the account.
                            if let SessionError::IdentityMismatch { expected, .. } = e {
                                if self.dm.friend_keys.get(&phone) == Some(&expected.0) {
                                    self.key_changed_warning(&phone);
                                }
                            }
                            self.delivery_failed(&phone, false);
                        }
                    },
                    Ok(_) => {
                        self.reject(Some(peer), "dm", "refused_hello");
                        self.delivery_failed(&phone, false);
                    }
                    Err(e) => {
                        self.reject(Some(peer), "dm", e.reason());
                        self.delivery_failed(&phone, false);
                    }
                }
            }
            InFlight::Frames {
                phone,
                sid,
                messages,
                ephemeral,
            } => {
                self.request_done(&phone);
                match response {
                    Ok(DmResponse::Acks { acks }) => {
                        let mut stored = Vec::new();
                        let mut rejected = false;
                        for (ack, id) in acks.iter().zip(messages.iter()) {
                            match (ack.outcome, id) {
                                (Outcome::Stored, Some(id)) => stored.push(*id),
                                (Outcome::Rejected, _) => rejected = true,
                                _ => {}
                            }
                        }
                        self.settle_outgoing(&stored, MessageState::Delivered);
                        self.dm.outbox.friend_settled(&phone);
                        if rejected {
                            self.drop_session(&sid);
                        }
                        self.pump_friend(&phone);
                    }
                    Ok(DmResponse::Refused { reason }) if reason.as_str() == "unknown_session" => {
                        // The friend lost the session: open a new one and resend at once.
                        self.drop_session(&sid);
                        self.retry_now(&messages);
                        self.requeue_ephemeral(&phone, ephemeral);
                        self.pump_friend(&phone);
                    }
                    Ok(DmResponse::Refused { reason }) => {
                        // `busy` (rate limit) or the like: the session is fine; the
                        // messages wait for their retry time, the rest for the next request.
                        tracing::debug!(%reason, "frames refused");
                        if !ephemeral.is_empty() {
                            self.requeue_ephemeral(&phone, ephemeral);
                            self.dm.outbox.retry_friend(&phone, now_ms(), &mut rand::rngs::OsRng);
                        }
                    }
                    Ok(DmResponse::Welcome { .. }) | Err(_) => {
                        self.reject(Some(peer), "dm", "bad_response");
                    }
                }
            }
        }
    }

    /// Makes `messages` due again at once (their request was refused, not lost).
    pub(super) fn retry_now(&mut self, messages: &[Option<MsgId>]) {
        let ids: Vec<MsgId> = messages.iter().flatten().copied().collect();
        self.dm.outbox.retry_now(&ids, now_ms());
    }

    /// A request to `peer` failed (unreachable, timeout, stream error).
    pub(in crate::node) fn on_dm_failure(
        &mut self,
        peer: PeerId,
        id: OutboundRequestId,
        error: &request_response::OutboundFailure,
    ) {
        let Some(in_flight) = self.dm.in_flight.remove(&id) else {
            return;
        };
        tracing::debug!(%error, "1:1 request failed");
        let (phone, carried) = match in_flight {
            InFlight::Hello { phone, .. } => {
                self.dm.handshaking.remove(&phone);
                (phone, Vec::new())
            }
            InFlight::Frames {
                phone,
                messages,
                ephemeral,
                ..
            } => {
                self.request_done(&phone);
                // Back in the queue: resent with the next request, or handed to the
                // friend's mailboxes below if the friend is unreachable.
                self.requeue_ephemeral(&phone, ephemeral);
                (phone, messages)
            }
        };
        if matches!(error, request_response::OutboundFailure::ConnectionClosed) && self.swarm.is_connected(&peer) {
            // The connection it went on gave way to another (a relayed one closed once a
            // hole punch gave a direct path): nothing failed, it goes again at once.
            self.retry_now(&carried);
            return self.pump_friend(&phone);
        }
        let unreachable = matches!(
            error,
            request_response::OutboundFailure::DialFailure | request_response::OutboundFailure::Timeout
        );
        self.delivery_failed(&phone, unreachable);
    }

    /// The friend could not be reached directly: back off, and hand due messages to the
    /// friend's mailboxes (once per message until a retry succeeds).
    pub(super) fn delivery_failed(&mut self, phone: &PhoneNumber, unreachable: bool) {
        if unreachable && self.try_other_device(phone) {
            return;
        }
        let backed = self.dm.outbox.back_off(phone, now_ms(), &mut rand::rngs::OsRng);
        let ephemeral = self.dm.ephemeral.remove(phone).unwrap_or_default();
        self.dm.outbox.friend_settled(phone);
        if unreachable {
            self.deposit_for(phone, &backed.undeposited, ephemeral);
            // The addresses in the friend's record may be stale (it moved, or published
            // before its relays accepted it): its record is looked up again, backing off.
            self.look_up_again(phone, backed.failures);
        }
    }

    /// The friend's record now gives other addresses: what waits for the friend is tried
    /// there at once.
    pub(in crate::node) fn friend_moved(&mut self, phone: &PhoneNumber) {
        self.back_to_first_device(phone);
        self.dm.outbox.friend_due(phone, now_ms(), false);
        self.pump_friend(phone);
    }

    pub(super) fn key_changed_warning(&mut self, phone: &PhoneNumber) {
        if let Ok(Some(contact)) = self.store.contact(phone) {
            self.emit(Event::KeyChanged {
                phone: phone.to_string(),
                name: contact.name,
            });
        }
    }
}

/// Puts `payloads` (oldest first) back in front of `queue`, keeping it within
/// [`MAX_EPHEMERAL`]: what went out first goes out first again, and what does not fit
/// (the newest of them) is dropped.
fn put_back(queue: &mut Vec<DmPayload>, payloads: Vec<DmPayload>) {
    let room = MAX_EPHEMERAL.saturating_sub(queue.len());
    queue.splice(0..0, payloads.into_iter().take(room));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typing(n: usize) -> Vec<DmPayload> {
        (0..n).map(|i| DmPayload::Typing { active: i % 2 == 0 }).collect()
    }

    #[test]
    fn payloads_of_a_lost_request_go_back_in_front_within_the_cap() {
        let mut queue = vec![DmPayload::Typing { active: false }];
        put_back(&mut queue, vec![DmPayload::Typing { active: true }]);
        assert_eq!(
            queue,
            [DmPayload::Typing { active: true }, DmPayload::Typing { active: false }]
        );

        let mut full = typing(MAX_EPHEMERAL - 1);
        put_back(&mut full, typing(3));
        assert_eq!(full.len(), MAX_EPHEMERAL, "the cap holds");
        assert_eq!(
            full[0],
            DmPayload::Typing { active: true },
            "the oldest put back is first"
        );
    }
}
