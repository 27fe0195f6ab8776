//! Receiving 1:1 (SPEC.md §6): answering handshakes, decrypting frames, storing and
//! acknowledging what they carry, and the requests of strangers.

use super::*;

impl Actor {
    /// Handles a request from `peer`; answers now or once its effects are durable.
    pub(in crate::node) fn on_dm_request(&mut self, peer: PeerId, bytes: &[u8], channel: ResponseChannel<Vec<u8>>) {
        if !self.dm.inbound.allow(&peer, now_ms()) {
            self.reject(Some(peer), "dm", "rate_limited");
            return self.respond_dm(channel, &refused("busy"));
        }
        if bytes == crate::node::codec::OVERSIZED {
            self.reject(Some(peer), "dm", "oversized");
            return self.respond_dm(channel, &refused("oversized"));
        }
        match crate::wire::decode::<DmRequest>(bytes) {
            Err(e) => {
                self.reject(Some(peer), "dm", e.reason());
                self.respond_dm(channel, &refused("malformed"));
            }
            Ok(DmRequest::Hello { msg1 }) => self.on_hello(peer, &msg1, channel),
            Ok(DmRequest::Frames { frames }) => self.on_frames(peer, frames.into_vec(), channel),
        }
    }

    pub(super) fn respond_dm(&mut self, channel: ResponseChannel<Vec<u8>>, response: &DmResponse) {
        let bytes = crate::wire::encode(response).expect("responses fit the envelope");
        let _ = self.swarm.behaviour_mut().dm.send_response(channel, bytes);
    }

    pub(super) fn on_hello(&mut self, peer: PeerId, msg1: &[u8], channel: ResponseChannel<Vec<u8>>) {
        let local = self.local_keys();
        let responder = match Responder::read(&local, &mut self.dm.guard, msg1, &mut rand::rngs::OsRng) {
            Ok(r) => r,
            Err(e) => {
                self.reject(Some(peer), "dm", e.reason());
                return self.respond_dm(channel, &refused("handshake_failed"));
            }
        };
        let initiator = responder.initiator().clone();
        let identity = initiator.identity_pk.0;
        // The connection must come from the identity's own node.
        let claimed_peer = crate::identity::peer_id_of(&identity);
        if claimed_peer != Some(peer) {
            self.reject(Some(peer), "dm", "peer_mismatch");
            return self.respond_dm(channel, &refused("handshake_failed"));
        }
        let claimed_phone = initiator.phone.as_str().parse::<PhoneNumber>().ok();
        if self.dm.is_blocked(&identity, claimed_phone.as_ref()) {
            self.reject(Some(peer), "dm", "blocked");
            return self.respond_dm(channel, &refused("handshake_failed"));
        }
        if let Some(phone) = &claimed_phone {
            if let Ok(Some(contact)) = self.store.contact(phone) {
                if let Some(pinned) = &contact.pinned {
                    // Another device of the account speaks for it (its record lists it,
                    // signed by the pinned key: protocol/devices.md §7).
                    if !speaks_for(pinned, &identity) {
                        // Someone else claims a friend's number: never a silent switch.
                        // A lookup checks the claim (a reinstall shows as a key change).
                        self.reject(Some(peer), "dm", "identity_mismatch");
                        self.emit(Event::CandidateSeen {
                            phone: phone.to_string(),
                            name: contact.display_name(),
                        });
                        self.claim_seen(contact, identity);
                        return self.respond_dm(channel, &refused("handshake_failed"));
                    }
                }
            }
            self.remember_claim(identity, phone.clone(), responder.initiator_static());
        }
        // An invite proof is acted on only once the session is confirmed by its first
        // frame (protocol/session.md §3.2): message 1 alone may be a replay.
        let redemption = match (&claimed_phone, initiator.intro.as_ref()) {
            (Some(phone), Some(proof)) => Some(PendingRedemption {
                phone: phone.clone(),
                identity,
                noise: responder.initiator_static(),
                peer,
                proof: proof.to_vec(),
            }),
            _ => None,
        };
        let payload = match self.handshake_payload(None, claimed_phone.is_some()) {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %e, "cannot build a handshake payload");
                return self.respond_dm(channel, &refused("handshake_failed"));
            }
        };
        match responder.accept(&payload, now_ms() / 1000) {
            Ok((session, msg2)) => {
                let sid = session.id();
                if let Some(redemption) = redemption {
                    self.dm.redemptions.insert(sid, redemption);
                }
                let friend = self.keep_responder_session(session);
                self.dm.stats.handshakes += 1;
                let response = DmResponse::Welcome {
                    msg2: Bytes::new(msg2).expect("message 2 is within its bound"),
                };
                if friend {
                    self.save_guard();
                    self.durability.after_flush(Box::new(move |actor: &mut Actor| {
                        actor.respond_dm(channel, &response);
                        // A friend who reaches us is reachable: what waits for them goes now.
                        actor.friend_reachable(&identity);
                    }));
                } else {
                    // Nothing of a stranger's session is written (SPEC.md §6.2): the guard
                    // follows lazily, and the answer goes at once.
                    self.dm.guard_dirty = true;
                    self.respond_dm(channel, &response);
                }
            }
            Err(e) => {
                self.reject(Some(peer), "dm", e.reason());
                self.respond_dm(channel, &refused("handshake_failed"));
            }
        }
    }

    /// Makes everything waiting for the friend with `identity` due now and sends it.
    pub(super) fn friend_reachable(&mut self, identity: &[u8; 32]) {
        let Some(contact) = self.friend_of(identity) else {
            return;
        };
        if contact.pinned.as_ref().is_some_and(|p| p.identity_pk == *identity) {
            self.back_to_first_device(&contact.phone);
        }
        self.dm.outbox.friend_due(&contact.phone, now_ms(), false);
        self.pump_friend(&contact.phone);
    }

    /// The pinned key of `phone` changed: its waiting messages are sealed and deposited
    /// for the new key (a mailbox copy for the old one never reaches it) and sent now.
    pub(in crate::node) fn key_switched(&mut self, phone: &PhoneNumber) {
        self.dm.outbox.friend_due(phone, now_ms(), true);
        self.dm.friend_cache.clear();
        self.dm.pump_soon.insert(phone.clone());
    }

    /// When the replay guard's lazy write is due (ms), if strangers' handshakes changed it.
    pub(in crate::node) fn guard_deadline_ms(&self) -> Option<u64> {
        self.dm.guard_dirty.then_some(self.dm.guard_written_ms + GUARD_LAZY_MS)
    }

    /// Writes the replay guard if strangers' handshakes changed it and it was last written
    /// [`GUARD_LAZY_MS`] ago or more (or `now` regardless, before the last flush).
    pub(in crate::node) fn write_guard_lazily(&mut self, now: bool) {
        if self.dm.guard_dirty && (now || now_ms().saturating_sub(self.dm.guard_written_ms) >= GUARD_LAZY_MS) {
            self.save_guard();
        }
    }

    pub(super) fn save_guard(&mut self) {
        self.dm.guard_dirty = false;
        self.dm.guard_written_ms = now_ms();
        let guard: Vec<Fixed<32>> = self.dm.guard.clone().into();
        if let Err(e) = self.store.set_meta_value(GUARD, &guard) {
            tracing::error!(error = %e, "cannot save the handshake guard");
        }
        self.durability.wrote();
    }

    /// An initiator proved it holds one of our invite codes: it becomes a verified
    /// contact (unless the number is already pinned to someone else).
    pub(super) fn redeem_invite(&mut self, redemption: PendingRedemption) {
        let PendingRedemption {
            phone,
            identity,
            noise,
            peer,
            proof,
        } = redemption;
        let (phone, identity) = (&phone, &identity);
        if self.redeemed_invite(identity, &proof).is_none() {
            return;
        }
        let mut contact = match self.store.contact(phone) {
            Ok(Some(c)) if c.pinned.as_ref().is_some_and(|p| p.identity_pk != *identity) => return,
            Ok(Some(c)) => c,
            _ => Contact::new(phone.clone(), String::new(), crate::model::ContactSource::Invite),
        };
        let pinned = contact.pinned.get_or_insert_with(|| crate::model::PeerKeys {
            identity_pk: *identity,
            noise_pk: noise,
            peer_id: peer.to_string(),
            name: String::new(),
            first_seen_ms: now_ms(),
            record: Default::default(),
        });
        pinned.noise_pk = noise;
        contact.state = ContactState::Verified;
        match self.save_contact(&contact) {
            Ok(()) => self.emit(Event::ContactUpdated {
                phone: phone.to_string(),
                name: contact.name.clone(),
                state: "verified".into(),
            }),
            Err(e) => self.failed("store.put_contact", &e),
        }
    }

    pub(super) fn on_frames(
        &mut self,
        peer: PeerId,
        frames: Vec<crate::session::Frame>,
        channel: ResponseChannel<Vec<u8>>,
    ) {
        if self.dm.is_blocked(&identity_of(&peer), None) {
            // Blocked: as if we held no session (a new handshake is refused too).
            self.reject(Some(peer), "dm", "blocked");
            return self.respond_dm(channel, &refused("unknown_session"));
        }
        if frames.iter().all(|f| !self.dm.sessions.contains_key(&f.sid.0)) {
            self.reject(Some(peer), "dm", "unknown_session");
            return self.respond_dm(channel, &refused("unknown_session"));
        }
        let now = now_ms();
        let mut acks = Vec::with_capacity(frames.len());
        let mut touched = HashSet::new();
        let mut stored_any = false;
        for frame in frames {
            let decrypted = match self.dm.sessions.get_mut(&frame.sid.0) {
                None => Err(SessionError::WrongSession),
                Some(session) if session.remote_identity() != identity_of(&peer) => Err(SessionError::WrongSession),
                Some(session) => session.decrypt(&frame).map(|(_, pt)| (pt, session.remote_identity())),
            };
            let outcome = match decrypted {
                // A frame seen before: refused (nothing is stored twice) and counted, yet
                // acknowledged again, so an honest sender whose acknowledgement was lost
                // stops retrying.
                Err(SessionError::Replay(_)) => {
                    self.reject(Some(peer), "dm", "replay");
                    Outcome::Stored
                }
                Err(e) => {
                    self.reject(Some(peer), "dm", e.reason());
                    Outcome::Rejected
                }
                Ok((plaintext, identity)) => {
                    touched.insert(frame.sid.0);
                    self.touch_session(&frame.sid.0, &identity);
                    if let Some(redemption) = self.dm.redemptions.remove(&frame.sid.0) {
                        self.redeem_invite(redemption);
                    }
                    match DmPayload::from_bytes(&plaintext) {
                        Ok(payload) => {
                            let outcome = self.on_payload(identity, payload, now, false);
                            stored_any |= outcome == Outcome::Stored;
                            outcome
                        }
                        Err(e) => {
                            self.reject(Some(peer), "dm", e.reason());
                            Outcome::Rejected
                        }
                    }
                }
            };
            acks.push(Ack { n: frame.n, outcome });
        }
        for sid in &touched {
            self.save_session(sid);
        }
        let response = DmResponse::Acks {
            acks: List::new(acks).expect("one ack per frame"),
        };
        if touched.is_empty() && !stored_any {
            self.respond_dm(channel, &response);
        } else {
            self.durability.after_flush(Box::new(move |actor: &mut Actor| {
                actor.respond_dm(channel, &response);
            }));
        }
    }

    /// Applies one decrypted payload from `identity`. `via_mailbox`: it came sealed
    /// through a mailbox (the sender then wants a delivery receipt).
    pub(in crate::node) fn on_payload(
        &mut self,
        identity: [u8; 32],
        payload: DmPayload,
        now: u64,
        via_mailbox: bool,
    ) -> Outcome {
        if let Some(outcome) = self.linked_device_takes(&identity, &payload) {
            return outcome;
        }
        let friend = self.friend_of(&identity);
        match payload {
            DmPayload::Message { id, hlc, sent_ms, body } => {
                let body = WireBody::decode(&body).unwrap_or(Body::Unsupported {
                    kind: "malformed".into(),
                });
                let body = self.accept_paper(body);
                let id = MsgId(id.0);
                match friend {
                    Some(contact) => {
                        let conv = ConvId::direct(&contact.phone);
                        let outcome = self.store_incoming(&contact, conv, id, hlc, sent_ms, body, now, false);
                        if via_mailbox && outcome == Outcome::Stored {
                            self.queue_ephemeral(
                                &contact.phone,
                                DmPayload::Receipt {
                                    ids: List::new(vec![Fixed(id.0)]).expect("one id"),
                                    state: ReceiptState::Delivered,
                                },
                            );
                        }
                        outcome
                    }
                    None => {
                        let Some(phone) = self.request_phone(&identity) else {
                            return Outcome::Rejected;
                        };
                        let contact = Contact::new(phone, String::new(), crate::model::ContactSource::Request);
                        let conv = ConvId::request(&identity);
                        self.persist_claim(&identity);
                        self.store_incoming(&contact, conv, id, hlc, sent_ms, body, now, true);
                        Outcome::Held
                    }
                }
            }
            DmPayload::Receipt { ids, state } => {
                let Some(contact) = friend else {
                    return Outcome::Held;
                };
                let conv = ConvId::direct(&contact.phone);
                let ids: Vec<MsgId> = ids
                    .iter()
                    .map(|i| MsgId(i.0))
                    .filter(|id| matches!(self.store.message_location(id), Ok(Some((c, _))) if c == conv))
                    .collect();
                let state = match state {
                    ReceiptState::Delivered => MessageState::Delivered,
                    ReceiptState::Read => MessageState::Read,
                };
                self.settle_outgoing(&ids, state);
                Outcome::Stored
            }
            DmPayload::Typing { active } => {
                if let Some(contact) = friend {
                    self.emit(Event::Typing {
                        phone: contact.phone.to_string(),
                        name: contact.name,
                        active,
                    });
                }
                Outcome::Stored
            }
            DmPayload::Group { data } => self.on_group_control(identity, &data),
            DmPayload::Hello { profile } => self.on_hello_payload(identity, friend, profile),
            DmPayload::Profile { profile } => match friend {
                Some(contact) => {
                    self.profile_received(contact, profile);
                    Outcome::Stored
                }
                None => Outcome::Held,
            },
            DmPayload::FilePart {
                root,
                size,
                index,
                count,
                data,
            } => match friend {
                Some(_) if via_mailbox => {
                    self.on_file_part(crate::files::Root(root.0), size, index, count, data.into_vec());
                    Outcome::Stored
                }
                _ => Outcome::Rejected,
            },
        }
    }

    /// The contact whose pinned key is `identity`, if not in conflict (resolved once per
    /// loop turn).
    pub(in crate::node) fn friend_of(&mut self, identity: &[u8; 32]) -> Option<Contact> {
        if let Some(known) = self.dm.friend_cache.get(identity) {
            return known.clone();
        }
        let friend = self.lookup_friend(identity);
        self.dm.friend_cache.insert(*identity, friend.clone());
        friend
    }

    pub(super) fn lookup_friend(&mut self, identity: &[u8; 32]) -> Option<Contact> {
        let phone = self.dm.friends.get(identity)?.clone();
        let contact = self.store.contact(&phone).ok().flatten()?;
        let pinned = contact.pinned.as_ref()?;
        (speaks_for(pinned, identity) && contact.state != ContactState::Conflict).then_some(contact)
    }

    /// A friend sent a message we have again: if it was read here, its read receipt goes
    /// again (the first went to a device of the friend's account that did not know the
    /// message yet, or was lost; SPEC.md §6.4).
    fn answer_duplicate(&mut self, contact: &Contact, id: &MsgId) {
        let read = matches!(
            self.store.message(id),
            Ok(Some(m)) if m.direction == Direction::Incoming && m.sender == contact.phone && m.state == MessageState::Seen
        );
        if read {
            self.send_read_receipts(contact, &[*id]);
        }
    }

    /// Stores an incoming message (deduplicated by id). Returns `Stored` for new and
    /// duplicate messages alike: the sender may stop retrying either way.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn store_incoming(
        &mut self,
        contact: &Contact,
        conv_id: ConvId,
        id: MsgId,
        hlc: u64,
        sent_ms: u64,
        body: Body,
        now: u64,
        request: bool,
    ) -> Outcome {
        match self.store.has_message(&id) {
            Ok(true) => {
                self.dm.stats.duplicates += 1;
                self.answer_duplicate(contact, &id);
                return Outcome::Stored;
            }
            Ok(false) => {}
            Err(e) => {
                tracing::error!(error = %e, "cannot read history");
                return Outcome::Rejected;
            }
        }
        let hlc = Hlc::bounded(Hlc(hlc), now, MAX_CLOCK_SKEW_MS).0;
        let mut conv = match self.conversation_row(&conv_id) {
            Ok(Some(c)) => c,
            _ => Conversation::direct(conv_id, &contact.phone, &contact.name),
        };
        conv.last_hlc = Hlc(conv.last_hlc).observe(Hlc(hlc), now).0;
        let action = body.is_action();
        if !action {
            conv.unread = conv.unread.saturating_add(1);
            conv.preview = body.preview();
        }
        let mut message = StoredMessage {
            id,
            conv: conv_id,
            hlc,
            direction: Direction::Incoming,
            sender: contact.phone.clone(),
            body,
            state: if action {
                MessageState::Seen
            } else if request {
                MessageState::Request
            } else {
                MessageState::Received
            },
            sent_ms,
            stored_ms: now,
            annotations: Default::default(),
        };
        let mut batch = self.store.batch();
        let changed = match self.absorb(&mut batch, &mut message) {
            Ok(changed) => changed,
            // A refused action is acknowledged (resending cannot change the answer) and
            // not stored; one refused only because too many wait is left unacknowledged,
            // so the sender tries again later.
            Err(e @ crate::content::annotate::ActionError::TooManyWaiting) => {
                self.refuse_action(None, e);
                return Outcome::Held;
            }
            Err(e) => {
                self.refuse_action(None, e);
                return Outcome::Stored;
            }
        };
        let holder = contact.pinned.as_ref().and_then(|k| k.peer_id.parse().ok());
        self.note_file(&mut batch, &message, holder);
        batch.put_message(&message);
        if let Err(e) = self.store.apply(batch) {
            tracing::error!(error = %e, "cannot store a message");
            return Outcome::Rejected;
        }
        self.update_conversation(conv);
        let name = contact.display_name();
        if action {
            if let Some(changed) = changed {
                self.announce_change(changed, name);
            }
            return Outcome::Stored;
        }
        if request {
            self.dm.stats.requests += 1;
        } else {
            self.dm.stats.received += 1;
        }
        let mut view = crate::node::messages::MessageView::new(&message, &name).titled(&name);
        view.muted = contact.muted;
        self.durability.after_flush(Box::new(move |actor: &mut Actor| {
            actor.emit(Event::MessageReceived {
                message: Box::new(view),
            });
        }));
        Outcome::Stored
    }
}
