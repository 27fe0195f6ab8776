//! Flash meetups (SPEC.md §7.5): creating one and publishing its code, joining by code,
//! admitting joiners who prove the code, and ending meetups at expiry or close.

use super::*;

impl Actor {
    /// Meetups past their expiry (or closed) stop: their keys and topics are forgotten,
    /// their history stays. Joins that got no welcome in time fail. The next meetup's end
    /// or join's wait is armed.
    pub(super) fn expire_meetups(&mut self, now: u64) {
        let over: Vec<GroupId> = self
            .groups
            .records
            .values()
            .filter(|r| r.meetup && !r.removed)
            .filter(|r| r.log.state().is_expired(now) || r.log.state().closed())
            .map(|r| r.id())
            .collect();
        for id in over {
            if let Some(record) = self.groups.records.get_mut(&id) {
                (record.join_key, record.join_key_next) = (None, None);
                record.code_entries.clear();
            }
            self.leave_group(id);
            self.announce_group(&id, "expired");
            if self.groups.records.get(&id).is_some_and(|r| r.forget_history) {
                self.forget_history(id);
            }
        }
        let late: Vec<[u8; 32]> = self
            .groups
            .joining
            .iter()
            .filter(|(_, (until, _))| *until <= now)
            .map(|(k, _)| *k)
            .collect();
        for creator in late {
            if let Some((_, Some(reply))) = self.groups.joining.remove(&creator) {
                let _ = reply.send(Err(NodeError::Dial {
                    peer: "the meetup's creator".into(),
                    source: "no welcome in time".into(),
                }));
            }
        }
        let groups = &self.groups;
        let ends = (groups.records.values())
            .filter(|r| r.meetup && !r.removed)
            .filter_map(|r| r.log.state().meetup_expires());
        let waits = groups.joining.values().map(|(until, _)| *until);
        self.groups.timers.meetups_ms = ends.chain(waits).min();
    }

    /// Marks a meetup so that its history is deleted when it ends (at once if it has).
    pub(super) fn cmd_forget_at_end(&mut self, id: GroupId) -> Result<GroupView, NodeError> {
        let me = self.me();
        let record = self.groups.records.get_mut(&id).expect("looked up by id");
        if !record.meetup {
            let message = "only a meetup's history is forgotten when it ends; this is a group";
            return Err(Refusal::invalid("not_a_meetup", message)
                .with("group", record.log.state().name())
                .into());
        }
        record.forget_history = true;
        let (ended, view) = (record.removed, record.view(&me));
        self.mark_dirty(id);
        if ended {
            self.forget_history(id);
        }
        Ok(view)
    }

    /// Deletes an ended meetup's messages and conversation (its epochs, and with them the
    /// kept envelopes, went when it ended).
    pub(super) fn forget_history(&mut self, id: GroupId) {
        match self.forget_conversation(&ConvId::group(*id.as_bytes())) {
            Ok(n) => tracing::info!(group = %group_hex(&id), messages = n, "meetup history forgotten"),
            Err(e) => tracing::error!(error = %e, "cannot forget a meetup's history"),
        }
    }

    /// Creates a meetup (a group with an expiry), draws its code and publishes this
    /// node's rendezvous entry under the code's keys so joiners can find the creator.
    /// Creates a meetup and answers once its code's entry is stored in the DHT, so the
    /// code works from the moment it is shown; if no DHT node takes it, the meetup is
    /// closed again and the answer is `dht_failed`.
    pub(super) fn cmd_meetup_create(&mut self, name: &str, secs: u64, reply: Reply<MeetupView>) {
        if secs == 0 || secs.saturating_mul(1000) > crate::group::log::MAX_MEETUP_LIFETIME_MS {
            let refusal = Refusal::invalid("bad_meetup_duration", "a meetup lasts from 1 second to 24 hours");
            return drop(reply.send(Err(refusal.into())));
        }
        let view = match self.cmd_group_create(name, &[], Some(secs)) {
            Ok(view) => view,
            Err(e) => return drop(reply.send(Err(e))),
        };
        let id = match self.group_id_for(&view.group_id) {
            Ok(id) => id,
            Err(e) => return drop(reply.send(Err(e))),
        };
        let code = crate::group::MeetupCode::generate(&mut rand::rngs::OsRng);
        let secrets: Vec<(Epoch, CodeSecret)> = Epoch::to_publish(now_ms() / 1000)
            .into_iter()
            .map(|epoch| (epoch, CodeSecret::derive(code.as_bytes(), epoch)))
            .collect();
        if let Some(record) = self.groups.records.get_mut(&id) {
            let mut keys = secrets.iter().map(|(_, secret)| secret.auth_key());
            (record.join_key, record.join_key_next) = (keys.next(), keys.next());
        }
        self.mark_dirty(id);
        let meetup = MeetupView {
            group_id: view.group_id,
            name: view.name,
            code: code.display(),
            link: code.link(),
            expires_ms: view.expires_ms.unwrap_or_default(),
        };
        let then = Box::new(move |actor: &mut Actor, stored: bool| {
            if stored {
                return actor.reply_after_flush(reply, Ok(meetup));
            }
            if let Err(e) = actor.cmd_group_change(id, Change::Close) {
                tracing::warn!(error = %e, "cannot close a meetup nobody can join");
            }
            let _ = reply.send(Err(NodeError::Dht {
                op: "put",
                source: "no DHT node stored the meetup's code, so nobody could join: it was closed".into(),
            }));
        });
        let entries: Vec<(Epoch, RendezvousKeys)> =
            secrets.iter().map(|(epoch, secret)| (*epoch, secret.keys())).collect();
        if let Some(record) = self.groups.records.get_mut(&id) {
            record.code_entries = entries.clone();
        }
        self.publish_records_then(entries, then);
    }

    /// The code entries of the live meetups we created: published again with our other
    /// records, so that joiners find the addresses we have now.
    pub(in crate::node) fn meetup_code_entries(&self) -> Vec<(Epoch, RendezvousKeys)> {
        self.groups
            .records
            .values()
            .filter(|r| r.meetup && !r.removed)
            .flat_map(|r| r.code_entries.iter().cloned())
            .collect()
    }

    /// Asks the creator found under a code to add us; the reply waits for its welcome.
    pub(super) fn cmd_meetup_join(&mut self, creator: PeerKeys, auth_key: [u8; 32], reply: Reply<GroupView>) {
        let peer = match creator.peer_id.parse::<PeerId>() {
            Ok(p) => p,
            Err(e) => {
                let source = e.into();
                return drop(reply.send(Err(NodeError::Internal {
                    what: "creator_peer_id",
                    source,
                })));
            }
        };
        let member = match self.my_member(true) {
            Ok(m) => m,
            Err(e) => return drop(reply.send(Err(e))),
        };
        self.learn_addrs(peer, creator.record.addrs.iter().filter_map(|a| a.parse().ok()));
        let request = crate::group::JoinRequest::new(&auth_key, member);
        let bytes = match crate::wire::encode(&request) {
            Ok(bytes) => bytes,
            Err(e) => {
                let source = e.into();
                return drop(reply.send(Err(NodeError::Internal {
                    what: "encode_join_request",
                    source,
                })));
            }
        };
        let until = now_ms() + JOIN_WAIT_MS;
        self.groups.joining.insert(creator.identity_pk, (until, Some(reply)));
        let timers = &mut self.groups.timers;
        timers.meetups_ms = Some(timers.meetups_ms.map_or(until, |at| at.min(until)));
        self.send_join(JoinInFlight {
            creator: creator.identity_pk,
            peer,
            request: bytes,
            attempts: 1,
        });
    }

    fn send_join(&mut self, join: JoinInFlight) {
        let id = self
            .swarm
            .behaviour_mut()
            .meetup
            .send_request(&join.peer, join.request.clone());
        self.groups.joins_in_flight.insert(id, join);
    }

    pub(in crate::node) fn on_meetup_event(&mut self, event: request_response::Event<Vec<u8>, Vec<u8>>) {
        match event {
            request_response::Event::Message { peer, message, .. } => match message {
                request_response::Message::Request { request, channel, .. } => {
                    let response = match self.answer_join(peer, &request) {
                        Ok(()) => crate::group::JoinResponse::accepted(),
                        Err(reason) => {
                            self.reject(Some(peer), "meetup", reason);
                            crate::group::JoinResponse::refused(reason)
                        }
                    };
                    // Without an answer (never an empty one) the joiner's request fails.
                    match crate::wire::encode(&response) {
                        Ok(bytes) => {
                            let _ = self.swarm.behaviour_mut().meetup.send_response(channel, bytes);
                        }
                        Err(e) => self.failed("encode.meetup_response", &e),
                    }
                }
                request_response::Message::Response { request_id, response } => {
                    let Some(JoinInFlight { creator, .. }) = self.groups.joins_in_flight.remove(&request_id) else {
                        return;
                    };
                    let answer = crate::wire::decode::<crate::group::JoinResponse>(&response);
                    let refusal = match answer {
                        Ok(r) if r.accepted => return,
                        Ok(r) => Refusal::blocked(
                            "meetup_refused",
                            format!("the meetup refused to add you ({})", r.reason.as_str()),
                        )
                        .with("problem", r.reason.as_str()),
                        Err(e) => Refusal::blocked(
                            "meetup_refused",
                            format!("the meetup's answer is malformed ({})", e.reason()),
                        )
                        .with("problem", e.reason()),
                    };
                    if let Some((_, Some(reply))) = self.groups.joining.remove(&creator) {
                        let _ = reply.send(Err(refusal.into()));
                    }
                }
            },
            request_response::Event::OutboundFailure { request_id, error, .. } => {
                if let Some(mut join) = self.groups.joins_in_flight.remove(&request_id) {
                    // A connection lost under the request (or a failed dial) is asked again
                    // on a fresh one, while the join is still awaited.
                    let transient = matches!(
                        error,
                        request_response::OutboundFailure::ConnectionClosed
                            | request_response::OutboundFailure::DialFailure
                            | request_response::OutboundFailure::Io(_)
                    );
                    if transient && join.attempts < JOIN_ATTEMPTS && self.groups.joining.contains_key(&join.creator) {
                        join.attempts += 1;
                        tracing::debug!(%error, attempt = join.attempts, "meetup join asked again");
                        return self.send_join(join);
                    }
                    if let Some((_, Some(reply))) = self.groups.joining.remove(&join.creator) {
                        let _ = reply.send(Err(NodeError::Dial {
                            peer: "the meetup's creator".into(),
                            source: error.into(),
                        }));
                    }
                }
            }
            request_response::Event::InboundFailure { peer, error, .. } => {
                self.reject(Some(peer), "meetup", crate::node::actor::inbound_reason(&error));
            }
            request_response::Event::ResponseSent { .. } => {}
        }
    }

    /// Checks a join request (rate limits first, then the proof against every live meetup
    /// we created) and adds the joiner.
    pub(super) fn answer_join(&mut self, peer: PeerId, bytes: &[u8]) -> Result<(), &'static str> {
        let now = now_ms();
        if !self.groups.joins_per_peer.allow(&peer, now) {
            return Err("rate_limited");
        }
        if bytes == crate::node::codec::OVERSIZED {
            return Err("oversized");
        }
        let request: crate::group::JoinRequest = crate::wire::decode(bytes).map_err(|e| e.reason())?;
        if Member::peer_id_of(&request.member.identity_pk)
            .as_ref()
            .map(|b| b.as_ref())
            != Some(peer.to_bytes().as_slice())
            || request.member.peer_id.as_ref() != peer.to_bytes().as_slice()
        {
            return Err("invalid_member");
        }
        let id = self
            .groups
            .records
            .values()
            .filter(|r| !r.removed)
            .find(|r| {
                [r.join_key, r.join_key_next]
                    .iter()
                    .flatten()
                    .any(|k| request.proves(k))
            })
            .map(|r| r.id())
            .ok_or("bad_code")?;
        if !self.groups.joins_per_meetup.allow(&id, now) {
            return Err("rate_limited");
        }
        let state = self.groups.records[&id].log.state();
        if state.is_expired(now) || state.closed() {
            return Err("expired");
        }
        if state.is_member(&request.member.identity_pk) {
            // Already in (a retried join): send the welcome again.
            let head = self.groups.records[&id].log.get(state.head()).cloned();
            if let Some(commit) = head {
                self.send_welcome(&id, &request.member, &commit);
            }
            return Ok(());
        }
        // Whatever the joiner sent, a meetup's log carries no number (SPEC.md §7.5).
        let member = Member {
            phone: Text::default(),
            ..request.member
        };
        self.commit_ops(id, vec![Op::Add(member)]).map_err(|_| "invalid_member")
    }
}
