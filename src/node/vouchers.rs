//! The actor's glue for gifts and vouchers (SPEC.md §6.13, [`crate::content::voucher`]):
//! issuing a voucher in this node's name as a gift to a friend (`issue` scope), keeping
//! the vouchers we hold, giving one on, redeeming one at its issuer over
//! `/chingu/voucher/1`, and — as an issuer — answering redemptions, each serial once,
//! durably recorded before the answer.

use std::collections::HashMap;

use libp2p::request_response::{self, OutboundRequestId};
use libp2p::PeerId;
use serde::{Deserialize, Serialize};

use super::actor::Actor;
use super::command::Reply;
use super::event::Event;
use super::messages::MessageView;
use super::refusal::Refusal;
use super::NodeError;
use crate::content::voucher::{self, Gift, RedeemRequest, RedeemResponse, VoucherError};
use crate::model::{now_ms, Body, Contact, GiftRef, StoredMessage};
use crate::store::{Batch, StoreError};
use crate::wire::{from_cbor, to_cbor, Text};

/// The protocol name.
pub const VOUCHER_PROTOCOL: &str = "/chingu/voucher/1";

/// A voucher as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoucherView {
    /// Its serial (hex): what `vouchers.give` and `vouchers.redeem` take.
    pub serial: String,
    /// What it is for.
    pub item: String,
    /// What it is worth.
    pub value: String,
    /// The issuer's identity key (hex).
    pub issuer: String,
    /// When it expires (ms).
    pub expires_ms: u64,
    /// `held` (ours to use or give), `given` (passed on), `redeemed`, or `expired`.
    pub state: String,
    /// How many times it was passed on.
    pub hops: usize,
    /// The voucher with its history (base64 of its CBOR, `protocol/content.md` §6): what
    /// a holder shows, e.g. as a QR code.
    pub gift: String,
}

/// One voucher we hold or held, as kept in the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoucherEntry {
    /// CBOR of the [`Gift`] as it reached us (or as we passed it on).
    #[serde(with = "serde_bytes")]
    pub gift: Vec<u8>,
    /// `held`, `given` or `redeemed`.
    pub state: String,
}

/// Vouchers being redeemed: the answer each waits for.
#[derive(Default)]
pub(crate) struct Redemptions {
    in_flight: HashMap<OutboundRequestId, ([u8; 16], Reply<VoucherView>)>,
}

/// The identity key a friend's vouchers are made out to.
fn friend_key(contact: &Contact) -> Result<[u8; 32], NodeError> {
    contact
        .pinned
        .as_ref()
        .map(|k| k.identity_pk)
        .ok_or_else(|| Refusal::invalid("not_a_friend", "vouchers go to friends whose key is known").into())
}

pub(super) fn refused(error: VoucherError) -> NodeError {
    Refusal::invalid(error.reason(), error.to_string()).into()
}

impl Actor {
    fn view_of_gift(gift: &Gift, state: &str) -> VoucherView {
        let v = &gift.voucher.voucher;
        let state = if state == "held" && now_ms() > v.expires_ms {
            "expired"
        } else {
            state
        };
        VoucherView {
            serial: hex::encode(v.serial.0),
            item: v.item.to_string(),
            value: v.value.to_string(),
            issuer: hex::encode(v.issuer.0),
            expires_ms: v.expires_ms,
            state: state.into(),
            hops: gift.hops.len(),
            gift: data_encoding::BASE64.encode(&to_cbor(gift)),
        }
    }

    /// `vouchers.issue`: mints a voucher in this node's name for the friend `to` and sends
    /// it to them wrapped in a card.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn cmd_issue_voucher(
        &mut self,
        to: String,
        item: String,
        value: String,
        valid_days: u32,
        title: String,
        text: String,
        reply: Reply<MessageView>,
    ) {
        let gift = (|| {
            let contact = self.resolve_contact(&to)?;
            let holder = friend_key(&contact)?;
            let mut serial = [0u8; 16];
            rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut serial);
            let gift = voucher::issue(
                self.config.identity.ed25519(),
                &self.config.identity.peer_id(),
                &item,
                &value,
                now_ms(),
                u64::from(valid_days.max(1)) * 24 * 3600 * 1000,
                holder,
                serial,
            )
            .map_err(|e| Refusal::invalid("too_long", e.to_string()))?;
            let title = if title.trim().is_empty() { item.clone() } else { title };
            Ok((contact, gift, title))
        })();
        self.send_gift(gift, text, reply);
    }

    /// Sends `gift` to its friend in a card titled as given, with `text`.
    fn send_gift(&mut self, gift: Result<(Contact, Gift, String), NodeError>, text: String, reply: Reply<MessageView>) {
        match gift {
            Ok((contact, gift, title)) => {
                let body = Body::Gift {
                    gift: GiftRef {
                        template: "thanks".into(),
                        title,
                        text,
                        voucher: to_cbor(&gift),
                    },
                };
                self.post_direct(&contact, body, reply);
            }
            Err(e) => {
                let _ = reply.send(Err(e));
            }
        }
    }

    /// Keeps the voucher a gift message carries, when it is ours to hold (in the batch
    /// that stores the message).
    pub(super) fn note_gift(&mut self, batch: &mut Batch, message: &StoredMessage) {
        let Body::Gift { gift } = &message.body else {
            return;
        };
        let Ok(parsed) = from_cbor::<Gift>(&gift.voucher, crate::content::body::MAX_BODY) else {
            return;
        };
        let me = self.config.identity.ed25519().public().to_bytes();
        let state = match parsed.holder(now_ms()) {
            Ok(holder) if holder == me => "held",
            Ok(_) => "given",
            Err(e) => {
                self.reject(None, "vouchers", e.reason());
                return;
            }
        };
        // A newer copy of a voucher we passed on does not make it ours again.
        if let Ok(Some(known)) = self.store.voucher(&parsed.serial()) {
            if known.state != "held" && state == "held" && known.gift.len() >= gift.voucher.len() {
                return;
            }
        }
        batch.put_voucher(
            &parsed.serial(),
            &VoucherEntry {
                gift: gift.voucher.clone(),
                state: state.into(),
            },
        );
    }

    /// `vouchers.list`: the vouchers we hold or held.
    pub(super) fn cmd_vouchers(&mut self, reply: Reply<Vec<VoucherView>>) {
        let answer = self.store.vouchers().map_err(NodeError::from).map(|entries| {
            entries
                .iter()
                .filter_map(|e| {
                    let gift = from_cbor::<Gift>(&e.gift, crate::content::body::MAX_BODY).ok()?;
                    Some(Self::view_of_gift(&gift, &e.state))
                })
                .collect()
        });
        let _ = reply.send(answer);
    }

    fn held_voucher(&self, serial: &str) -> Result<Gift, NodeError> {
        let missing = || NodeError::from(Refusal::not_found("no_such_voucher", "no voucher with that serial"));
        let serial: [u8; 16] = hex::decode(serial.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(missing)?;
        let entry = self.store.voucher(&serial)?.ok_or_else(missing)?;
        if entry.state != "held" {
            let message = format!("the voucher was {} already", entry.state);
            return Err(Refusal::invalid("not_held", message).with("state", entry.state).into());
        }
        from_cbor::<Gift>(&entry.gift, crate::content::body::MAX_BODY).map_err(|_| missing())
    }

    /// `vouchers.give`: passes a voucher we hold to the friend `to`, in a card.
    pub(super) fn cmd_give_voucher(&mut self, serial: String, to: String, text: String, reply: Reply<MessageView>) {
        let gift = (|| {
            let gift = self.held_voucher(&serial)?;
            let contact = self.resolve_contact(&to)?;
            let next = friend_key(&contact)?;
            let given = gift
                .give(self.config.identity.ed25519(), next, now_ms())
                .map_err(refused)?;
            let title = given.voucher.voucher.item.to_string();
            Ok((contact, given, title))
        })();
        self.send_gift(gift, text, reply);
    }

    /// `vouchers.redeem`: asks the voucher's issuing node to redeem it.
    pub(super) fn cmd_redeem_voucher(&mut self, serial: String, reply: Reply<VoucherView>) {
        let gift = match self.held_voucher(&serial) {
            Ok(gift) => gift,
            Err(e) => {
                let _ = reply.send(Err(e));
                return;
            }
        };
        let Ok(issuer) = PeerId::from_bytes(gift.voucher.voucher.node.as_ref()) else {
            let _ = reply.send(Err(refused(VoucherError::BadSignature)));
            return;
        };
        let serial = gift.serial();
        let request = RedeemRequest::new(gift, self.config.identity.ed25519(), now_ms());
        match crate::wire::encode(&request) {
            Ok(bytes) => {
                let id = self.swarm.behaviour_mut().vouchers.send_request(&issuer, bytes);
                self.redemptions.in_flight.insert(id, (serial, reply));
            }
            Err(e) => {
                let _ = reply.send(Err(NodeError::Internal {
                    what: "encode_redeem_request",
                    source: e.into(),
                }));
            }
        }
    }

    /// The voucher protocol's events: requests to us as issuer, answers to our requests.
    pub(super) fn on_voucher_event(&mut self, event: request_response::Event<Vec<u8>, Vec<u8>>) {
        match event {
            request_response::Event::Message { peer, message, .. } => match message {
                request_response::Message::Request { request, channel, .. } => {
                    self.answer_redeem(peer, &request, channel)
                }
                request_response::Message::Response { request_id, response } => {
                    let Some((serial, reply)) = self.redemptions.in_flight.remove(&request_id) else {
                        return;
                    };
                    let outcome = match crate::wire::decode::<RedeemResponse>(&response) {
                        Ok(RedeemResponse::Redeemed { .. }) => self.mark_redeemed(&serial),
                        Ok(RedeemResponse::Refused { reason }) => Err(Refusal::invalid(
                            "refused",
                            format!("the issuer refused it ({})", crate::text::for_terminal(reason.as_str())),
                        )
                        .with("problem", crate::text::for_terminal(reason.as_str()))
                        .into()),
                        Err(e) => Err(Refusal::invalid(
                            "malformed_answer",
                            format!("the issuer's answer is malformed ({})", e.reason()),
                        )
                        .with("problem", e.reason())
                        .into()),
                    };
                    let _ = reply.send(outcome);
                }
            },
            request_response::Event::OutboundFailure { request_id, error, .. } => {
                if let Some((_, reply)) = self.redemptions.in_flight.remove(&request_id) {
                    let _ = reply.send(Err(NodeError::Dial {
                        peer: "the voucher's issuer".into(),
                        source: error.into(),
                    }));
                }
            }
            request_response::Event::InboundFailure { peer, error, .. } => {
                self.reject(Some(peer), "vouchers", crate::node::actor::inbound_reason(&error));
            }
            request_response::Event::ResponseSent { .. } => {}
        }
    }

    fn mark_redeemed(&mut self, serial: &[u8; 16]) -> Result<VoucherView, NodeError> {
        let mut entry = self
            .store
            .voucher(serial)?
            .ok_or_else(|| Refusal::not_found("no_such_voucher", "no voucher with that serial"))?;
        entry.state = "redeemed".into();
        let mut batch = self.store.batch();
        batch.put_voucher(serial, &entry);
        self.store.apply(batch)?;
        self.durability.wrote();
        let gift = from_cbor::<Gift>(&entry.gift, crate::content::body::MAX_BODY).map_err(|e| StoreError::Corrupt {
            what: "voucher",
            message: e.to_string(),
        })?;
        Ok(Self::view_of_gift(&gift, "redeemed"))
    }

    /// As issuer: checks a redemption, refuses a spent serial, and answers `redeemed`
    /// only once the serial is durably recorded as spent.
    fn answer_redeem(&mut self, peer: PeerId, request: &[u8], channel: request_response::ResponseChannel<Vec<u8>>) {
        let me = self.config.identity.ed25519().public().to_bytes();
        let checked = crate::wire::decode::<RedeemRequest>(request)
            .map_err(|_| "malformed")
            .and_then(|r| {
                let holder = r.check(&me, now_ms()).map_err(VoucherError::reason)?;
                match self.store.spent(&r.gift.serial()) {
                    Ok(None) => Ok((r, holder)),
                    Ok(Some(_)) => Err(VoucherError::Spent.reason()),
                    Err(_) => Err("unavailable"),
                }
            });
        let (request, holder) = match checked {
            Ok(checked) => checked,
            Err(reason) => {
                self.reject(Some(peer), "vouchers", reason);
                let answer = RedeemResponse::Refused {
                    reason: Text::new(reason).unwrap_or_else(|_| Text::new("refused").expect("short")),
                };
                if let Ok(bytes) = crate::wire::encode(&answer) {
                    let _ = self.swarm.behaviour_mut().vouchers.send_response(channel, bytes);
                }
                return;
            }
        };
        let at_ms = now_ms();
        let serial = request.gift.serial();
        if let Err(e) = self.store.put_spent(&serial, at_ms, &holder) {
            self.failed("store.put_spent", &e);
            return;
        }
        self.durability.wrote();
        let v = request.gift.voucher.voucher;
        let event = Event::VoucherRedeemed {
            serial: hex::encode(serial),
            item: v.item.to_string(),
            value: v.value.to_string(),
            holder: hex::encode(holder),
        };
        self.durability.after_flush(Box::new(move |actor: &mut Actor| {
            if let Ok(bytes) = crate::wire::encode(&RedeemResponse::Redeemed { at_ms }) {
                let _ = actor.swarm.behaviour_mut().vouchers.send_response(channel, bytes);
            }
            actor.emit(event);
        }));
    }
}
