//! Push from mailboxes, `/chingu/mailbox-notice/1` (`protocol/mailbox.md` §5.8, §8.6): as
//! a mailbox, sending the notices its watches call for; as a recipient, taking notices
//! from our mailboxes (a pickup at once, within its rate) and refusing all others; and
//! ending watches with the connections they were made on. The decisions are the state
//! machines' (`mailbox::watch`, `mailbox::pickup`); this only carries them out.

use libp2p::request_response::{self, ResponseChannel};
use libp2p::swarm::ConnectionId;
use libp2p::PeerId;

use super::actor::Actor;
use crate::mailbox::pickup::{Cause, Noticed};
use crate::mailbox::watch::Notify;
use crate::mailbox::wire::{MboxNotice, MboxNoticeResponse};
use crate::model::now_ms;
use crate::wire::Fixed;

/// What `mailbox_notice` events are named in rejection counts.
const PROTOCOL: &str = "mailbox_notice";

impl Actor {
    /// A connection closed: watches made on it end, on either side.
    pub(super) fn mailbox_connection_closed(&mut self, peer: PeerId, connection: ConnectionId) {
        if let Some(service) = self.mailboxes.service.as_mut() {
            service.connection_closed(&peer.to_bytes(), connection);
        }
        self.mailboxes.schedule.connection_closed(&peer, connection);
    }

    /// Sends notices to watching recipients, over a connection they hold (never dialling:
    /// a watch lives only as long as its connection).
    pub(super) fn send_notices(&mut self, notices: Vec<Notify<Vec<u8>>>) {
        for Notify { peer, tag } in notices {
            let recipient = PeerId::from_bytes(&peer).ok().filter(|p| self.swarm.is_connected(p));
            let Some(recipient) = recipient else {
                if let Some(service) = self.mailboxes.service.as_mut() {
                    service.notice_done(&peer, &tag, false);
                }
                continue;
            };
            let notice = MboxNotice::Arrived { tag: Fixed(tag) };
            let bytes = crate::wire::encode(&notice).expect("a notice fits the envelope");
            let id = self
                .swarm
                .behaviour_mut()
                .mailbox_notice
                .send_request(&recipient, bytes);
            self.mailboxes.notices.insert(id, (recipient, tag));
        }
    }

    /// A notice we sent as a mailbox completed: the next one may be due, or the watch ends.
    fn notice_done(&mut self, id: request_response::OutboundRequestId, accepted: bool) {
        let Some((peer, tag)) = self.mailboxes.notices.remove(&id) else {
            return;
        };
        let Some(service) = self.mailboxes.service.as_mut() else {
            return;
        };
        service.notice_done(&peer.to_bytes(), &tag, accepted);
        let next = service.take_notices();
        self.send_notices(next);
    }

    pub(super) fn on_notice_event(&mut self, event: request_response::Event<Vec<u8>, Vec<u8>>) {
        match event {
            request_response::Event::Message { peer, message, .. } => match message {
                request_response::Message::Request { request, channel, .. } => self.on_notice(peer, &request, channel),
                request_response::Message::Response { request_id, response } => {
                    let accepted = match crate::wire::decode::<MboxNoticeResponse>(&response) {
                        Ok(MboxNoticeResponse::Noted) => true,
                        Ok(MboxNoticeResponse::Refused { reason }) => {
                            tracing::debug!(%reason, "a recipient refused a mailbox notice");
                            false
                        }
                        Err(e) => {
                            self.reject(Some(peer), PROTOCOL, e.reason());
                            false
                        }
                    };
                    self.notice_done(request_id, accepted);
                }
            },
            request_response::Event::OutboundFailure { request_id, .. } => self.notice_done(request_id, false),
            request_response::Event::InboundFailure { peer, error, .. } => {
                self.reject(Some(peer), PROTOCOL, super::actor::inbound_reason(&error));
            }
            request_response::Event::ResponseSent { .. } => {}
        }
    }

    /// A notice to us: from one of our mailboxes, for the tag we watch there, it starts a
    /// pickup (at once or as soon as the rate allows); anything else is refused, counted.
    fn on_notice(&mut self, peer: PeerId, bytes: &[u8], channel: ResponseChannel<Vec<u8>>) {
        let refuse = |actor: &mut Actor, channel, reason: &str| {
            actor.reject(Some(peer), PROTOCOL, reason);
            actor.respond_notice(channel, &MboxNoticeResponse::refused(reason));
        };
        if bytes == super::codec::OVERSIZED {
            return refuse(self, channel, "oversized");
        }
        let MboxNotice::Arrived { tag } = match crate::wire::decode::<MboxNotice>(bytes) {
            Ok(notice) => notice,
            Err(e) => {
                self.reject(Some(peer), PROTOCOL, e.reason());
                return self.respond_notice(channel, &MboxNoticeResponse::refused("malformed"));
            }
        };
        let mine = self.mailboxes.mine.iter().any(|m| m.peer_id == peer.to_string());
        let tag_ok = mine && tag.0 == self.tag_for(&peer).public().to_bytes();
        match self.mailboxes.schedule.notice(&peer, tag_ok, now_ms()) {
            Ok(noticed) => {
                self.respond_notice(channel, &MboxNoticeResponse::Noted);
                if noticed == Noticed::PickUp {
                    self.start_pickup(peer, Cause::Notice);
                }
            }
            Err(e) => refuse(self, channel, e.reason()),
        }
    }

    fn respond_notice(&mut self, channel: ResponseChannel<Vec<u8>>, response: &MboxNoticeResponse) {
        let bytes = crate::wire::encode(response).expect("notice responses fit the envelope");
        let _ = self.swarm.behaviour_mut().mailbox_notice.send_response(channel, bytes);
    }
}
