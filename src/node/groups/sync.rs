//! Group history sync (protocol/group.md §7): asking a fellow member for everything of
//! an epoch past our heads, asking a sender (or another member) for a hole in its
//! messages, and answering both kinds of request from fellow members.

use super::*;
use crate::group::{Head, HeadsRequest, SyncAsk, MAX_HEADS, MAX_SYNC_MESSAGES};
use crate::wire::{Envelope, WireMessage, MAX_BODY_BYTES};

/// A sync we asked and wait on.
pub(in crate::node) enum AskedSync {
    /// One sender key's range.
    Range(SyncRequest),
    /// Every sender key of an epoch past our heads.
    Heads(HeadsRequest),
}

impl Actor {
    /// Asks a fellow member for what it holds of `epoch` past our heads (the next sequence
    /// number of every other member's key): by turns the sender of the newest message
    /// heard and a member picked at random.
    pub(super) fn request_heads(&mut self, group: GroupId, epoch: Fixed<32>) {
        let now = now_ms();
        let me = self.me();
        let newest = self.groups.sync_schedule.heads_to_newest_sender(&epoch);
        let Some(record) = self.groups.records.get(&group) else {
            return self.groups.sync_schedule.asked_heads(epoch, now, false);
        };
        let (Some(secret), Some(ring)) = (record.secrets.get(&epoch), record.rings.get(&epoch)) else {
            return self.groups.sync_schedule.asked_heads(epoch, now, false);
        };
        let state = record.log.state();
        let peer_of = |m: &Member| PeerId::from_bytes(m.peer_id.as_ref()).ok();
        let newest_sender = newest
            .and_then(|key_id| ring.key(&key_id))
            .and_then(|k| state.member(k.sender()))
            .filter(|m| m.identity_pk != me)
            .and_then(peer_of);
        let peer = newest_sender.or_else(|| {
            let others: Vec<PeerId> = state
                .members()
                .iter()
                .filter(|m| m.identity_pk != me)
                .filter_map(peer_of)
                .collect();
            (!others.is_empty()).then(|| others[rand::rngs::OsRng.next_u32() as usize % others.len()])
        });
        self.groups
            .sync_schedule
            .asked_heads(epoch, now, newest_sender.is_some());
        let heads: Vec<Head> = ring
            .keys()
            .filter(|k| *k.sender() != me)
            .map(|k| Head {
                key_id: *k.key_id(),
                next: k.next(),
            })
            .take(MAX_HEADS)
            .collect();
        let Some(peer) = peer.filter(|_| !heads.is_empty()) else {
            return;
        };
        let Ok(request) = HeadsRequest::new(&EpochKeys::derive(&group, secret), group, epoch, heads) else {
            return;
        };
        let Ok(bytes) = crate::wire::encode(&request) else {
            return;
        };
        tracing::debug!(%peer, keys = request.heads.len(), "asking for a group's heads");
        let id = self.swarm.behaviour_mut().group_sync.send_request(&peer, bytes);
        self.groups.syncs.insert(id, (group, AskedSync::Heads(request)));
    }

    /// Asks the sender of `key_id` (or, failing that, another member) for `from..=to`.
    pub(super) fn request_sync(
        &mut self,
        group: GroupId,
        epoch: Fixed<32>,
        key_id: Fixed<8>,
        from: u64,
        to: Option<u64>,
    ) {
        let to = to
            .unwrap_or(from.saturating_add(SYNC_SPAN))
            .min(from.saturating_add(SYNC_SPAN));
        let Some(record) = self.groups.records.get(&group) else {
            return;
        };
        let Some(secret) = record.secrets.get(&epoch) else {
            return;
        };
        let keys = EpochKeys::derive(&group, secret);
        let Ok(request) = SyncRequest::new(&keys, group, epoch, key_id, from, to) else {
            return;
        };
        let me = self.me();
        let sender = record
            .rings
            .get(&epoch)
            .and_then(|r| r.key(&key_id))
            .map(|k| *k.sender());
        let state = record.log.state();
        let mut candidates: Vec<&Member> = state.members().iter().filter(|m| m.identity_pk != me).collect();
        candidates.sort_by_key(|m| Some(m.identity_pk) != sender);
        // The sender first, then by turns someone else picked at random and the sender
        // again: a sender whose gossip reaches nobody is still heard from at every second
        // poll, and one that is away does not stop others from serving what they hold.
        let pick = if self.groups.sync_schedule.ask_sender(&(epoch, key_id)) || candidates.len() < 2 {
            0
        } else {
            1 + (rand::rngs::OsRng.next_u32() as usize % (candidates.len() - 1))
        };
        let Some(peer) = candidates
            .get(pick)
            .and_then(|m| PeerId::from_bytes(m.peer_id.as_ref()).ok())
        else {
            return;
        };
        let Ok(bytes) = crate::wire::encode(&request) else {
            return;
        };
        tracing::debug!(%peer, from, to, sender = pick == 0, "asking for a group sync");
        let id = self.swarm.behaviour_mut().group_sync.send_request(&peer, bytes);
        self.groups.syncs.insert(id, (group, AskedSync::Range(request)));
        self.groups.sync_schedule.asked((epoch, key_id), now_ms(), pick == 0);
    }

    /// The peer of the member whose sender key `request` asks about.
    pub(super) fn sync_sender_peer(&self, group: &GroupId, request: &SyncRequest) -> Option<PeerId> {
        let record = self.groups.records.get(group)?;
        let sender = *record.rings.get(&request.epoch)?.key(&request.key_id)?.sender();
        let member = record.log.state().member(&sender)?;
        PeerId::from_bytes(member.peer_id.as_ref()).ok()
    }

    /// After a sync that failed or left a hole: ask again at once, the sender first if
    /// someone else was asked.
    pub(super) fn retry_sync_soon(&mut self, request: &SyncRequest, ask_sender_next: bool) {
        let key = (request.epoch, request.key_id);
        self.groups.sync_schedule.retry_soon(key, now_ms(), ask_sender_next);
    }

    /// Whether the receive chain of `key_id` still has a hole below its highest message.
    pub(super) fn has_hole(&self, group: &GroupId, epoch: &Fixed<32>, key_id: &Fixed<8>) -> bool {
        self.groups
            .records
            .get(group)
            .and_then(|r| r.rings.get(epoch)?.key(key_id).map(|k| k.first_missing() < k.next()))
            .unwrap_or(false)
    }

    pub(in crate::node) fn on_group_sync_event(&mut self, event: request_response::Event<Vec<u8>, Vec<u8>>) {
        match event {
            request_response::Event::Message { peer, message, .. } => match message {
                request_response::Message::Request { request, channel, .. } => {
                    self.on_sync_request(peer, &request, channel)
                }
                request_response::Message::Response { request_id, response } => {
                    self.on_sync_response(peer, request_id, &response)
                }
            },
            request_response::Event::OutboundFailure { peer, request_id, .. } => {
                match self.groups.syncs.remove(&request_id) {
                    Some((group, AskedSync::Range(request))) => {
                        let asked_sender = self.sync_sender_peer(&group, &request) == Some(peer);
                        self.retry_sync_soon(&request, !asked_sender);
                    }
                    Some((_, AskedSync::Heads(request))) => {
                        self.groups.sync_schedule.ask_heads_again(request.epoch, now_ms());
                    }
                    None => {}
                }
            }
            request_response::Event::InboundFailure { peer, error, .. } => {
                self.reject(Some(peer), "group_sync", crate::node::actor::inbound_reason(&error));
            }
            request_response::Event::ResponseSent { .. } => {}
        }
    }

    pub(super) fn on_sync_request(&mut self, peer: PeerId, bytes: &[u8], channel: ResponseChannel<Vec<u8>>) {
        let answer = self.answer_sync(bytes);
        let response = match answer {
            Ok(r) => r,
            Err(reason) => {
                self.reject(Some(peer), "group_sync", reason);
                SyncResponse::default()
            }
        };
        // Without an answer (never an empty one) the requester asks someone else.
        match crate::wire::encode(&response) {
            Ok(bytes) => {
                let _ = self.swarm.behaviour_mut().group_sync.send_response(channel, bytes);
            }
            Err(e) => self.failed("encode.sync_response", &e),
        }
    }

    pub(super) fn answer_sync(&mut self, bytes: &[u8]) -> Result<SyncResponse, &'static str> {
        if bytes == crate::node::codec::OVERSIZED {
            return Err("oversized");
        }
        let envelope = Envelope::parse(bytes).map_err(|e| e.reason())?;
        if envelope.kind.as_str() == HeadsRequest::KIND {
            let request: HeadsRequest = envelope.open().map_err(|e| e.reason())?;
            request.validate().map_err(|e| e.reason())?;
            request
                .verify(&self.sync_keys(&request.group, &request.epoch)?)
                .map_err(|e| e.reason())?;
            let record = self.groups.records.get(&request.group);
            let (mut stored, mut stored_bytes) = (Vec::new(), 0);
            for head in request.heads.iter() {
                if stored.len() >= MAX_SYNC_MESSAGES || stored_bytes >= MAX_BODY_BYTES {
                    break;
                }
                // Most heads are up to date: no store lookup for a key whose chain we
                // hold nothing past (other members serve what a crash left unrecorded).
                let next_held = record.and_then(|r| r.next_held(&request.epoch, &head.key_id));
                if next_held.is_some_and(|next| head.next >= next) {
                    continue;
                }
                let room = (MAX_SYNC_MESSAGES - stored.len()) as u64;
                let found = self
                    .store
                    .group_envelopes(
                        request.epoch.as_bytes(),
                        head.key_id.as_bytes(),
                        head.next,
                        head.next.saturating_add(room - 1),
                    )
                    .map_err(|_| "store")?;
                stored_bytes += found.iter().map(Vec::len).sum::<usize>();
                stored.extend(found);
            }
            self.groups.stats.syncs_served += 1;
            return Ok(SyncResponse::pack(stored));
        }
        let request: SyncRequest = envelope.open().map_err(|e| e.reason())?;
        request.validate().map_err(|e| e.reason())?;
        request
            .verify(&self.sync_keys(&request.group, &request.epoch)?)
            .map_err(|e| e.reason())?;
        let stored = self
            .store
            .group_envelopes(
                request.epoch.as_bytes(),
                request.key_id.as_bytes(),
                request.from_seq,
                request.to_seq,
            )
            .map_err(|_| "store")?;
        self.groups.stats.syncs_served += 1;
        Ok(SyncResponse::pack(stored))
    }

    /// The keys of an epoch we hold the secret of, for checking a sync request's MAC.
    fn sync_keys(&self, group: &GroupId, epoch: &Fixed<32>) -> Result<EpochKeys, &'static str> {
        let secret = self
            .groups
            .records
            .get(group)
            .and_then(|r| r.secrets.get(epoch))
            .ok_or("unknown_epoch")?;
        Ok(EpochKeys::derive(group, secret))
    }

    pub(super) fn on_sync_response(&mut self, peer: PeerId, id: OutboundRequestId, bytes: &[u8]) {
        let Some((group, asked)) = self.groups.syncs.remove(&id) else {
            return;
        };
        let response: SyncResponse = match crate::wire::decode(bytes) {
            Ok(r) => r,
            Err(e) => return self.reject(Some(peer), "group_sync", e.reason()),
        };
        match asked {
            AskedSync::Range(request) => self.on_range_response(peer, group, request, &response),
            AskedSync::Heads(request) => self.on_heads_response(peer, group, request, &response),
        }
    }

    /// Checks an answer against what was asked and takes in its messages; the sequence
    /// numbers it brought, or `None` if it was refused.
    fn accept_synced(
        &mut self,
        peer: PeerId,
        group: GroupId,
        asked: &impl SyncAsk,
        response: &SyncResponse,
    ) -> Option<Vec<u64>> {
        let messages = match response.open(asked) {
            Ok(m) => m,
            Err(e) => {
                self.reject(Some(peer), "group_sync", e.reason());
                return None;
            }
        };
        for (message, envelope) in messages.iter().zip(response.messages.iter()) {
            // Items were checked against the request; one that is still bad is counted
            // against the peer that served it (duplicates and unknown keys are not).
            if let Err((Verdict::Reject, reason)) = self.accept_group_message(group, message, envelope.as_ref(), true) {
                self.reject(Some(peer), "group_sync", reason);
            }
        }
        Some(messages.iter().map(|m| m.seq).collect())
    }

    fn on_range_response(&mut self, peer: PeerId, group: GroupId, request: SyncRequest, response: &SyncResponse) {
        let Some(seqs) = self.accept_synced(peer, group, &request, response) else {
            return;
        };
        tracing::debug!(%peer, from = request.from_seq, got = seqs.len(), "a group sync answered");
        let full = seqs.len() as u64 == request.to_seq - request.from_seq + 1;
        if full {
            if let Some(last) = seqs.last() {
                self.request_sync(group, request.epoch, request.key_id, last + 1, None);
            }
        } else if self.has_hole(&group, &request.epoch, &request.key_id)
            && self.sync_sender_peer(&group, &request) != Some(peer)
        {
            // Someone else lacked part of it: the sender, who keeps all its messages, next.
            self.retry_sync_soon(&request, true);
        }
    }

    /// A heads answer: what it brought is taken in (and the epoch asked again soon, as
    /// more may wait); a hole it leaves below a sender's newest message is asked about of
    /// the sender after the gap's grace.
    fn on_heads_response(&mut self, peer: PeerId, group: GroupId, request: HeadsRequest, response: &SyncResponse) {
        let Some(seqs) = self.accept_synced(peer, group, &request, response) else {
            return;
        };
        tracing::debug!(%peer, got = seqs.len(), "a group's heads answered");
        let now = now_ms();
        if !seqs.is_empty() {
            self.groups.sync_schedule.ask_heads_again(request.epoch, now);
        }
        for head in request.heads.iter() {
            if self.has_hole(&group, &request.epoch, &head.key_id) {
                self.groups.sync_schedule.gap((request.epoch, head.key_id), now);
            }
        }
    }
}
