//! The mailbox service: what a node run with `--mailbox` does with `mbox.req`s.
//!
//! It stores sealed items only for registered tags, within quotas (per tag, per sender
//! and tag) and rate limits (per sender), for [`ITEM_TTL_MS`] at most, and hands them over
//! only to the holder of the tag key (challenge, signed fetch, signed acknowledgement,
//! then deletion). It learns tags, sizes, times and depositing peers — never content,
//! numbers or identities. Time and randomness are inputs; the store is the only I/O.
//! Recipients that `watch` a tag are told of deposits for it ([`super::watch`]): the
//! notices to send are taken with [`MailboxService::take_notices`].

use std::collections::HashMap;

use libp2p::swarm::ConnectionId;
use rand::RngCore;

use super::watch::{Notify, Watchers};
use super::wire::{
    ack_message, fetch_message, register_message, verify, watch_message, Item, MboxRequest, MboxResponse,
    MAX_ITEMS_PER_FETCH,
};
use crate::ratelimit::{KeyedLimiter, Rate};
use crate::store::{MailboxItem, Registration, Store, StoreError};
use crate::wire::{Fixed, List, MAX_BODY_BYTES};

/// How long an item is kept (14 days).
pub const ITEM_TTL_MS: u64 = 14 * 24 * 3600 * 1000;
/// Longest registration granted (30 days).
pub const MAX_REGISTRATION_SECS: u64 = 30 * 24 * 3600;
/// Most registered tags.
pub const MAX_TAGS: usize = 10_000;
/// Most items held for one tag.
pub const MAX_ITEMS_PER_TAG: u32 = 5_000;
/// Most bytes held for one tag.
pub const MAX_BYTES_PER_TAG: u64 = 32 << 20;
/// Most items one sender may have waiting for one tag.
pub const MAX_ITEMS_PER_SENDER_AND_TAG: u32 = 2_000;
/// Deposits accepted from one sender: a burst of 1,000, then 20 a second.
pub const DEPOSIT_RATE: Rate = Rate {
    burst: 1_000,
    per_minute: 1_200,
};
/// Challenges, fetches and registrations from one peer: a burst of 60, then 2 a second.
pub const PICKUP_RATE: Rate = Rate {
    burst: 60,
    per_minute: 120,
};
/// How long a pickup challenge is valid.
pub const CHALLENGE_TTL_MS: u64 = 120_000;
/// Most outstanding challenges.
pub const MAX_CHALLENGES: usize = 10_000;
/// Peers tracked by the rate limiters.
const MAX_LIMITED_PEERS: usize = 10_000;
/// Bytes of items returned by one fetch (leaves room for the envelope).
const MAX_FETCH_BYTES: usize = MAX_BODY_BYTES - 2_048;

#[derive(Debug, Default, Clone)]
struct Usage {
    items: u32,
    bytes: u64,
    next_seq: u64,
    per_sender: HashMap<Vec<u8>, u32>,
}

/// What to do with the response.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// Send it now.
    Now(MboxResponse),
    /// Send it once the store is flushed (the request changed stored data).
    AfterFlush(MboxResponse),
}

impl Reply {
    /// The response.
    pub fn response(&self) -> &MboxResponse {
        match self {
            Reply::Now(r) | Reply::AfterFlush(r) => r,
        }
    }
}

/// Figures about what the mailbox holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MailboxStats {
    /// Registered tags.
    pub tags: usize,
    /// Items held.
    pub items: u64,
    /// Bytes held.
    pub bytes: u64,
    /// Watches held (recipients told of deposits, `protocol/mailbox.md` §5.7).
    #[serde(default)]
    pub watches: usize,
}

/// Who a challenge was issued to: (peer, tag).
type ChallengeKey = (Vec<u8>, [u8; 32]);
/// An issued challenge: (nonce, expiry in ms).
type Challenge = ([u8; 32], u64);

/// The service state (usage counters, limiters, challenges), rebuilt from the store on
/// start.
pub struct MailboxService {
    local_peer: Vec<u8>,
    usage: HashMap<[u8; 32], Usage>,
    registered: HashMap<[u8; 32], u64>,
    deposits: KeyedLimiter<Vec<u8>>,
    pickups: KeyedLimiter<Vec<u8>>,
    challenges: HashMap<ChallengeKey, Challenge>,
    watchers: Watchers<Vec<u8>, ConnectionId>,
}

fn refused(reason: &str) -> Result<Reply, StoreError> {
    Ok(Reply::Now(MboxResponse::refused(reason)))
}

impl MailboxService {
    /// Loads registrations and usage from the store, dropping expired items.
    pub fn open(store: &Store, local_peer: Vec<u8>, now_ms: u64) -> Result<Self, StoreError> {
        let mut service = Self {
            local_peer,
            usage: HashMap::new(),
            registered: store
                .mailbox_registrations()?
                .into_iter()
                .map(|(t, r)| (t, r.expires))
                .collect(),
            deposits: KeyedLimiter::new(DEPOSIT_RATE, MAX_LIMITED_PEERS),
            pickups: KeyedLimiter::new(PICKUP_RATE, MAX_LIMITED_PEERS),
            challenges: HashMap::new(),
            watchers: Watchers::default(),
        };
        service.expire(store, now_ms)?;
        Ok(service)
    }

    /// Deletes items older than [`ITEM_TTL_MS`] and recomputes usage. Returns how many
    /// items were deleted.
    pub fn expire(&mut self, store: &Store, now_ms: u64) -> Result<usize, StoreError> {
        let mut deleted = 0;
        self.usage.clear();
        for tag in store.mailbox_tags_with_items()? {
            let mut usage = Usage::default();
            let mut stale = Vec::new();
            for entry in store.mailbox_items(&tag) {
                let (seq, item) = entry?;
                usage.next_seq = usage.next_seq.max(seq + 1);
                if now_ms.saturating_sub(item.stored_ms) > ITEM_TTL_MS {
                    stale.push(item.id);
                } else {
                    usage.items += 1;
                    usage.bytes += item.sealed.len() as u64;
                    *usage.per_sender.entry(item.sender).or_default() += 1;
                }
            }
            deleted += store.mailbox_remove(&tag, &stale)?.len();
            self.usage.insert(tag, usage);
        }
        self.registered.retain(|_, expires| *expires * 1000 > now_ms);
        self.challenges.retain(|_, (_, expires)| *expires > now_ms);
        self.watchers.expire(now_ms);
        self.deposits.forget_idle(now_ms);
        self.pickups.forget_idle(now_ms);
        Ok(deleted)
    }

    /// Current figures.
    pub fn stats(&self) -> MailboxStats {
        MailboxStats {
            tags: self.registered.len(),
            items: self.usage.values().map(|u| u64::from(u.items)).sum(),
            bytes: self.usage.values().map(|u| u.bytes).sum(),
            watches: self.watchers.len(),
        }
    }

    /// Notices due to watching recipients (sent once what caused them is durable).
    pub fn take_notices(&mut self) -> Vec<Notify<Vec<u8>>> {
        self.watchers.take_notices()
    }

    /// A notice completed (`accepted`: answered `noted`); see [`Watchers::notice_done`].
    pub fn notice_done(&mut self, peer: &[u8], tag: &[u8; 32], accepted: bool) {
        self.watchers.notice_done(&peer.to_vec(), tag, accepted);
    }

    /// A connection of `peer` closed: its watches on it end.
    pub fn connection_closed(&mut self, peer: &[u8], connection: ConnectionId) {
        self.watchers.connection_closed(&peer.to_vec(), connection);
    }

    /// Handles one request from `peer` (its peer id bytes) on `connection`.
    pub fn handle(
        &mut self,
        store: &Store,
        peer: &[u8],
        connection: ConnectionId,
        request: MboxRequest,
        now_ms: u64,
        rng: &mut impl RngCore,
    ) -> Result<Reply, StoreError> {
        match request {
            MboxRequest::Register { tag, expires, sig } => {
                if !self.pickups.allow(&peer.to_vec(), now_ms) {
                    return refused("rate_limited");
                }
                if !verify(&tag, &register_message(&self.local_peer, &tag, expires), &sig) {
                    return refused("bad_signature");
                }
                let now_s = now_ms / 1000;
                if expires <= now_s {
                    return refused("expired");
                }
                if !self.registered.contains_key(&tag.0) && self.registered.len() >= MAX_TAGS {
                    return refused("too_many_tags");
                }
                let expires = expires.min(now_s + MAX_REGISTRATION_SECS);
                store.set_mailbox_registration(&tag, Registration { expires })?;
                self.registered.insert(tag.0, expires);
                Ok(Reply::AfterFlush(MboxResponse::Registered { expires }))
            }
            MboxRequest::Deposit { tag, id, sealed } => {
                self.deposit(store, peer, tag.0, id.0, sealed.into_vec(), now_ms)
            }
            MboxRequest::Challenge { tag } => {
                if !self.pickups.allow(&peer.to_vec(), now_ms) {
                    return refused("rate_limited");
                }
                if !self.registered.contains_key(&tag.0) {
                    return refused("not_registered");
                }
                if self.challenges.len() >= MAX_CHALLENGES {
                    self.challenges.retain(|_, (_, expires)| *expires > now_ms);
                    if self.challenges.len() >= MAX_CHALLENGES {
                        return refused("busy");
                    }
                }
                let mut nonce = [0u8; 32];
                rng.fill_bytes(&mut nonce);
                self.challenges
                    .insert((peer.to_vec(), tag.0), (nonce, now_ms + CHALLENGE_TTL_MS));
                Ok(Reply::Now(MboxResponse::Challenge { nonce: Fixed(nonce) }))
            }
            MboxRequest::Fetch { tag, nonce, sig } => {
                if let Err(reason) = self.check_challenge(peer, &tag.0, &nonce.0, now_ms) {
                    return refused(reason);
                }
                if !verify(&tag, &fetch_message(&self.local_peer, &tag, &nonce), &sig) {
                    return refused("bad_signature");
                }
                let mut items = Vec::new();
                let mut bytes = 0;
                let mut more = false;
                for entry in store.mailbox_items(&tag.0) {
                    let (_, item) = entry?;
                    // The first item always goes (every accepted item fits an envelope
                    // alone), so one large item can never wedge the queue.
                    let full = !items.is_empty() && bytes + item.sealed.len() + 64 > MAX_FETCH_BYTES;
                    if items.len() == MAX_ITEMS_PER_FETCH || full {
                        more = true;
                        break;
                    }
                    bytes += item.sealed.len() + 64;
                    items.push(Item {
                        id: Fixed(item.id),
                        sealed: crate::wire::Bytes::new(item.sealed).map_err(|e| StoreError::Corrupt {
                            what: "mailbox item",
                            message: e.to_string(),
                        })?,
                    });
                }
                Ok(Reply::Now(MboxResponse::Items {
                    items: List::truncating(items),
                    more,
                }))
            }
            MboxRequest::Ack { tag, nonce, ids, sig } => {
                if let Err(reason) = self.check_challenge(peer, &tag.0, &nonce.0, now_ms) {
                    return refused(reason);
                }
                if !verify(&tag, &ack_message(&self.local_peer, &tag, &nonce, &ids), &sig) {
                    return refused("bad_signature");
                }
                let ids: Vec<[u8; 16]> = ids.iter().map(|id| id.0).collect();
                let removed = store.mailbox_remove(&tag.0, &ids)?;
                if let Some(usage) = self.usage.get_mut(&tag.0) {
                    for item in &removed {
                        usage.items = usage.items.saturating_sub(1);
                        usage.bytes = usage.bytes.saturating_sub(item.sealed.len() as u64);
                        if let Some(count) = usage.per_sender.get_mut(&item.sender) {
                            *count = count.saturating_sub(1);
                        }
                    }
                    usage.per_sender.retain(|_, c| *c > 0);
                }
                Ok(Reply::AfterFlush(MboxResponse::Acked {
                    removed: removed.len() as u32,
                }))
            }
            MboxRequest::Watch { tag, nonce, sig } => {
                if let Err(reason) = self.check_challenge(peer, &tag.0, &nonce.0, now_ms) {
                    return refused(reason);
                }
                if !verify(&tag, &watch_message(&self.local_peer, &tag, &nonce), &sig) {
                    return refused("bad_signature");
                }
                match self.registered.get(&tag.0) {
                    Some(expires) if expires * 1000 > now_ms => {}
                    _ => return refused("not_registered"),
                }
                let ttl = self.watchers.watch(peer.to_vec(), connection, tag.0, now_ms);
                Ok(Reply::Now(MboxResponse::Watching { ttl: ttl / 1000 }))
            }
        }
    }

    fn check_challenge(&self, peer: &[u8], tag: &[u8; 32], nonce: &[u8; 32], now_ms: u64) -> Result<(), &'static str> {
        match self.challenges.get(&(peer.to_vec(), *tag)) {
            Some((expected, expires)) if expected == nonce && *expires > now_ms => Ok(()),
            Some((expected, _)) if expected == nonce => Err("expired"),
            _ => Err("bad_challenge"),
        }
    }

    fn deposit(
        &mut self,
        store: &Store,
        peer: &[u8],
        tag: [u8; 32],
        id: [u8; 16],
        sealed: Vec<u8>,
        now_ms: u64,
    ) -> Result<Reply, StoreError> {
        match self.registered.get(&tag) {
            Some(expires) if expires * 1000 > now_ms => {}
            _ => return refused("not_registered"),
        }
        if store.mailbox_has(&tag, &id)? {
            return Ok(Reply::Now(MboxResponse::Deposited));
        }
        if !self.deposits.allow(&peer.to_vec(), now_ms) {
            return refused("rate_limited");
        }
        let usage = self.usage.entry(tag).or_default();
        let from_sender = usage.per_sender.get(peer).copied().unwrap_or(0);
        if usage.items >= MAX_ITEMS_PER_TAG
            || usage.bytes + sealed.len() as u64 > MAX_BYTES_PER_TAG
            || from_sender >= MAX_ITEMS_PER_SENDER_AND_TAG
        {
            return refused("quota");
        }
        let seq = usage.next_seq;
        usage.next_seq += 1;
        usage.items += 1;
        usage.bytes += sealed.len() as u64;
        *usage.per_sender.entry(peer.to_vec()).or_default() += 1;
        store.mailbox_put(
            &tag,
            seq,
            &MailboxItem {
                id,
                sealed,
                sender: peer.to_vec(),
                stored_ms: now_ms,
            },
        )?;
        self.watchers.deposited(&tag, now_ms);
        Ok(Reply::AfterFlush(MboxResponse::Deposited))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mailbox::wire::{sign, tag_keypair};
    use crate::store::StoreOptions;
    use crate::wire::Bytes;
    use libp2p::identity::ed25519;

    const MAILBOX: &[u8] = b"mailbox-peer";

    struct Fixture {
        _dir: tempfile::TempDir,
        store: Store,
        service: MailboxService,
        key: ed25519::Keypair,
        tag: Fixed<32>,
        rng: rand::rngs::ThreadRng,
    }

    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
        let service = MailboxService::open(&store, MAILBOX.to_vec(), 0).unwrap();
        let key = tag_keypair(&ed25519::Keypair::generate(), MAILBOX);
        let tag = Fixed(key.public().to_bytes());
        let mut f = Fixture {
            _dir: dir,
            store,
            service,
            key,
            tag,
            rng: rand::thread_rng(),
        };
        let expires = 10_000_000;
        let sig = sign(&f.key, &register_message(MAILBOX, &f.tag, expires));
        let reply = f.handle(
            b"recipient",
            MboxRequest::Register {
                tag: f.tag,
                expires,
                sig,
            },
            1_000,
        );
        assert!(matches!(reply.response(), MboxResponse::Registered { .. }));
        f
    }

    impl Fixture {
        fn handle(&mut self, peer: &[u8], request: MboxRequest, now_ms: u64) -> Reply {
            self.service
                .handle(
                    &self.store,
                    peer,
                    ConnectionId::new_unchecked(7),
                    request,
                    now_ms,
                    &mut self.rng,
                )
                .unwrap()
        }

        fn deposit(&mut self, sender: &[u8], id: u8, now_ms: u64) -> MboxResponse {
            let request = MboxRequest::Deposit {
                tag: self.tag,
                id: Fixed([id; 16]),
                sealed: Bytes::new(vec![id; 100]).unwrap(),
            };
            self.handle(sender, request, now_ms).response().clone()
        }

        fn fetch(&mut self, peer: &[u8], now_ms: u64) -> (Fixed<32>, MboxResponse) {
            let MboxResponse::Challenge { nonce } = self
                .handle(peer, MboxRequest::Challenge { tag: self.tag }, now_ms)
                .response()
                .clone()
            else {
                panic!("no challenge")
            };
            let sig = sign(&self.key, &fetch_message(MAILBOX, &self.tag, &nonce));
            (
                nonce,
                self.handle(
                    peer,
                    MboxRequest::Fetch {
                        tag: self.tag,
                        nonce,
                        sig,
                    },
                    now_ms,
                )
                .response()
                .clone(),
            )
        }
    }

    fn reason(response: &MboxResponse) -> &str {
        match response {
            MboxResponse::Refused { reason } => reason.as_str(),
            _ => "accepted",
        }
    }

    #[test]
    fn deposit_fetch_ack_deletes() {
        let mut f = fixture();
        assert_eq!(f.deposit(b"alice", 1, 2_000), MboxResponse::Deposited);
        assert_eq!(
            f.deposit(b"alice", 1, 2_000),
            MboxResponse::Deposited,
            "duplicates are idempotent"
        );
        let (nonce, items) = f.fetch(b"recipient", 3_000);
        let MboxResponse::Items { items, more } = items else {
            panic!("{items:?}")
        };
        assert_eq!((items.len(), more), (1, false));
        let ids = List::new(vec![items[0].id]).unwrap();
        let sig = sign(&f.key, &ack_message(MAILBOX, &f.tag, &nonce, &ids));
        let reply = f.handle(
            b"recipient",
            MboxRequest::Ack {
                tag: f.tag,
                nonce,
                ids,
                sig,
            },
            3_000,
        );
        assert_eq!(reply, Reply::AfterFlush(MboxResponse::Acked { removed: 1 }));
        assert_eq!(f.service.stats().items, 0);
    }

    #[test]
    fn one_maximal_item_cannot_wedge_the_queue() {
        let mut f = fixture();
        let big = crate::wire::Bytes::new(vec![7u8; crate::session::seal::MAX_SEALED_BYTES]).unwrap();
        let reply = f.handle(
            b"stranger",
            MboxRequest::Deposit {
                tag: f.tag,
                id: Fixed([1; 16]),
                sealed: big,
            },
            2_000,
        );
        assert_eq!(reply.response(), &MboxResponse::Deposited);
        assert_eq!(f.deposit(b"alice", 2, 2_000), MboxResponse::Deposited);
        let (_, items) = f.fetch(b"recipient", 3_000);
        let MboxResponse::Items { items, more } = items else {
            panic!("{items:?}")
        };
        assert_eq!(
            (items.len(), more),
            (1, true),
            "the big item comes alone, then the rest"
        );
        let response = crate::wire::encode(&MboxResponse::Items { items, more });
        assert!(response.is_ok(), "and it fits the envelope");
    }

    #[test]
    fn someone_elses_mail_is_refused() {
        let mut f = fixture();
        f.deposit(b"alice", 1, 2_000);
        // A thief with its own key, asking for the victim's tag.
        let thief = tag_keypair(&ed25519::Keypair::generate(), MAILBOX);
        let MboxResponse::Challenge { nonce } = f
            .handle(b"thief", MboxRequest::Challenge { tag: f.tag }, 3_000)
            .response()
            .clone()
        else {
            panic!()
        };
        let sig = sign(&thief, &fetch_message(MAILBOX, &f.tag, &nonce));
        assert_eq!(
            reason(
                f.handle(b"thief", MboxRequest::Fetch { tag: f.tag, nonce, sig }, 3_000)
                    .response()
            ),
            "bad_signature"
        );
        // A genuine signature replayed by another peer does not match that peer's challenge.
        let good = sign(&f.key, &fetch_message(MAILBOX, &f.tag, &nonce));
        assert_eq!(
            reason(
                f.handle(
                    b"other",
                    MboxRequest::Fetch {
                        tag: f.tag,
                        nonce,
                        sig: good
                    },
                    3_000
                )
                .response()
            ),
            "bad_challenge"
        );
        assert_eq!(f.service.stats().items, 1, "nothing was handed over or lost");
    }

    #[test]
    fn one_sender_flooding_hits_limits_and_others_are_unaffected() {
        let mut f = fixture();
        let mut accepted = 0;
        let mut reasons: HashMap<String, u32> = HashMap::new();
        for i in 0..10_000u32 {
            let request = MboxRequest::Deposit {
                tag: f.tag,
                id: Fixed([
                    (i % 256) as u8,
                    (i / 256) as u8,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    1,
                ]),
                sealed: Bytes::new(vec![0; 200]).unwrap(),
            };
            // 10,000 deposits within ~100 seconds.
            match f.handle(b"flooder", request, 2_000 + u64::from(i) * 10).response() {
                MboxResponse::Deposited => accepted += 1,
                other => *reasons.entry(reason(other).to_owned()).or_default() += 1,
            }
        }
        assert!(
            accepted <= MAX_ITEMS_PER_SENDER_AND_TAG,
            "per-sender quota holds: {accepted}"
        );
        assert!(reasons.contains_key("rate_limited"), "{reasons:?}");
        assert_eq!(
            f.deposit(b"bob", 7, 200_000),
            MboxResponse::Deposited,
            "another sender still gets through"
        );
    }

    #[test]
    fn unregistered_tags_and_expired_items() {
        let mut f = fixture();
        let stranger = Fixed([9; 32]);
        let request = MboxRequest::Deposit {
            tag: stranger,
            id: Fixed([1; 16]),
            sealed: Bytes::new(vec![1]).unwrap(),
        };
        assert_eq!(reason(f.handle(b"alice", request, 2_000).response()), "not_registered");
        f.deposit(b"alice", 1, 2_000);
        assert_eq!(f.service.expire(&f.store, 2_000 + ITEM_TTL_MS + 1).unwrap(), 1);
        assert_eq!(f.service.stats().items, 0);
    }

    #[test]
    fn only_the_tag_holder_watches_and_a_new_deposit_notifies_it() {
        let mut f = fixture();
        let (nonce, _) = f.fetch(b"recipient", 2_000);
        let watch = |key: &ed25519::Keypair, tag: Fixed<32>| MboxRequest::Watch {
            tag,
            nonce,
            sig: sign(key, &watch_message(MAILBOX, &tag, &nonce)),
        };
        // Another peer replaying the recipient's signature has no challenge of its own.
        let genuine = watch(&f.key, f.tag);
        assert_eq!(
            reason(f.handle(b"other", genuine.clone(), 2_000).response()),
            "bad_challenge"
        );
        // A fetch signature is no watch signature.
        let fetch_sig = sign(&f.key, &fetch_message(MAILBOX, &f.tag, &nonce));
        let forged = MboxRequest::Watch {
            tag: f.tag,
            nonce,
            sig: fetch_sig,
        };
        assert_eq!(
            reason(f.handle(b"recipient", forged, 2_000).response()),
            "bad_signature"
        );
        assert_eq!(f.service.stats().watches, 0);
        assert_eq!(
            f.handle(b"recipient", genuine, 2_000).response(),
            &MboxResponse::Watching { ttl: 1_800 }
        );
        assert_eq!(f.service.stats().watches, 1);
        assert!(f.service.take_notices().is_empty());
        f.deposit(b"alice", 1, 3_000);
        f.deposit(b"alice", 1, 3_000); // a duplicate stores nothing and notifies nobody
        let notices = f.service.take_notices();
        assert_eq!(notices.len(), 1);
        assert_eq!(
            (notices[0].peer.as_slice(), notices[0].tag),
            (&b"recipient"[..], f.tag.0)
        );
        // Its connection closes: the watch ends.
        f.service
            .connection_closed(b"recipient", ConnectionId::new_unchecked(7));
        f.deposit(b"alice", 2, 4_000);
        assert!(f.service.take_notices().is_empty());
        assert_eq!(f.service.stats().watches, 0);
    }

    #[test]
    fn usage_survives_a_restart() {
        let mut f = fixture();
        f.deposit(b"alice", 1, 2_000);
        f.deposit(b"alice", 2, 2_000);
        let service = MailboxService::open(&f.store, MAILBOX.to_vec(), 3_000).unwrap();
        assert_eq!(
            service.stats(),
            MailboxStats {
                tags: 1,
                items: 2,
                bytes: 200,
                watches: 0,
            }
        );
    }
}
