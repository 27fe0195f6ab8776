//! History sync: asking another member for stored messages of one sender key
//! (protocol/group.md §7).
//!
//! A member that missed messages (offline, or a gap in sequence numbers) sends a
//! [`SyncRequest`] over a 1:1 session to a member that was in the epoch. The request
//! carries a MAC under the epoch's sync key, so the answering member needs no historic
//! member list to know the requester held the epoch secret. The answer is a
//! [`SyncResponse`] of the raw `group.msg` envelopes the member stored; the requester
//! decrypts them as if they came from gossipsub (signatures, replay checks and all), so an
//! answering member can withhold messages but cannot alter or invent them.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::epoch::EpochKeys;
use super::message::{GroupError, GroupMessage, MAX_GROUP_MESSAGE};
use super::{hmac_sha256, GroupId, Transcript};
use crate::wire::{Bytes, Fixed, List, WireMessage, MAX_BODY_BYTES};

/// Most messages one request may ask for (`to_seq - from_seq + 1`) and one response may
/// carry.
pub const MAX_SYNC_MESSAGES: usize = 256;
/// Label starting the bytes the request MAC covers.
pub const SYNC_MAC_LABEL: &[u8] = b"chingu/group/v1/sync-req";
/// Label starting the bytes the heads request MAC covers.
pub const HEADS_MAC_LABEL: &[u8] = b"chingu/group/v1/sync-heads";
/// Most sender keys one heads request may name: one per member.
pub const MAX_HEADS: usize = super::log::MAX_MEMBERS;
/// Bytes [`SyncResponse::pack`] reserves for the response's own CBOR framing.
const RESPONSE_FRAMING: usize = 16;
/// Upper bound of the CBOR header of one item (a byte string of at most 64 KiB).
const ITEM_FRAMING: usize = 5;

/// Why a sync request or response was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    /// `from_seq > to_seq`.
    #[error("empty range {from}..={to}")]
    Inverted {
        /// First sequence number asked for.
        from: u64,
        /// Last sequence number asked for.
        to: u64,
    },
    /// The range asks for more than [`MAX_SYNC_MESSAGES`] messages.
    #[error("range of {count} messages exceeds {MAX_SYNC_MESSAGES}")]
    TooMany {
        /// Messages asked for (saturating).
        count: u64,
    },
    /// The MAC does not verify: the requester does not hold this epoch's secret.
    #[error("bad request MAC")]
    BadMac,
    /// A heads request names no sender key.
    #[error("no heads")]
    NoHeads,
    /// A heads request's keys are not in strictly ascending order.
    #[error("heads not in ascending order of key id")]
    Unsorted,
    /// A response item is malformed or outside the request: the answering member
    /// misbehaves; drop the whole response.
    #[error("response item {index} invalid: {reason}")]
    BadItem {
        /// Index of the item.
        index: usize,
        /// `malformed` or `outside_request`.
        reason: &'static str,
    },
}

impl SyncError {
    /// A short stable name for counting rejections by reason.
    pub fn reason(&self) -> &'static str {
        match self {
            SyncError::Inverted { .. } => "inverted",
            SyncError::TooMany { .. } => "too_many",
            SyncError::BadMac => "bad_mac",
            SyncError::NoHeads => "no_heads",
            SyncError::Unsorted => "unsorted",
            SyncError::BadItem { .. } => "bad_item",
        }
    }
}

/// "Send me sender key `key_id`'s messages `from_seq..=to_seq` of epoch `epoch`."
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRequest {
    /// The group.
    pub group: GroupId,
    /// The epoch (commit hash).
    pub epoch: Fixed<32>,
    /// The sender key.
    pub key_id: Fixed<8>,
    /// First sequence number wanted.
    pub from_seq: u64,
    /// Last sequence number wanted (inclusive).
    pub to_seq: u64,
    /// HMAC-SHA256 under the epoch's sync key over [`SyncRequest::mac_bytes`].
    pub mac: Fixed<32>,
}

impl WireMessage for SyncRequest {
    const KIND: &'static str = "group.sync.req";
}

/// The MAC under the epoch's sync key over a request's `mac_bytes`.
fn sync_mac(keys: &EpochKeys, bytes: &[u8]) -> Fixed<32> {
    let mut mac = hmac_sha256(keys.sync_key());
    mac.update(bytes);
    Fixed(mac.finalize().into_bytes().into())
}

/// Checks a request's MAC over its `mac_bytes`, in constant time.
fn check_sync_mac(keys: &EpochKeys, bytes: &[u8], mac: &Fixed<32>) -> Result<(), SyncError> {
    let mut expected: Hmac<Sha256> = hmac_sha256(keys.sync_key());
    expected.update(bytes);
    expected.verify_slice(mac.as_ref()).map_err(|_| SyncError::BadMac)
}

impl SyncRequest {
    /// A request authenticated with the epoch's keys.
    pub fn new(
        keys: &EpochKeys,
        group: GroupId,
        epoch: Fixed<32>,
        key_id: Fixed<8>,
        from_seq: u64,
        to_seq: u64,
    ) -> Result<Self, SyncError> {
        let mut request = SyncRequest {
            group,
            epoch,
            key_id,
            from_seq,
            to_seq,
            mac: Fixed([0; 32]),
        };
        request.validate()?;
        request.mac = sync_mac(keys, &request.mac_bytes());
        Ok(request)
    }

    /// `label || group || epoch || key_id || u64be(from_seq) || u64be(to_seq)`.
    pub fn mac_bytes(&self) -> Vec<u8> {
        Transcript::new(SYNC_MAC_LABEL)
            .fixed(self.group.as_bytes())
            .fixed(self.epoch.as_ref())
            .fixed(self.key_id.as_ref())
            .u64(self.from_seq)
            .u64(self.to_seq)
            .into_bytes()
    }

    /// Checks the range: `from_seq <= to_seq` and at most [`MAX_SYNC_MESSAGES`] messages.
    pub fn validate(&self) -> Result<(), SyncError> {
        if self.from_seq > self.to_seq {
            return Err(SyncError::Inverted {
                from: self.from_seq,
                to: self.to_seq,
            });
        }
        let count = (self.to_seq - self.from_seq).saturating_add(1);
        if count > MAX_SYNC_MESSAGES as u64 {
            return Err(SyncError::TooMany { count });
        }
        Ok(())
    }

    /// What the answering member checks: the range, then the MAC (in constant time)
    /// under the keys of the epoch the request names.
    pub fn verify(&self, keys: &EpochKeys) -> Result<(), SyncError> {
        self.validate()?;
        check_sync_mac(keys, &self.mac_bytes(), &self.mac)
    }
}

/// One sender key of a [`HeadsRequest`] and the first of its sequence numbers the
/// requester lacks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    /// The sender key.
    pub key_id: Fixed<8>,
    /// First sequence number wanted (every later one is wanted too).
    pub next: u64,
}

/// "Send me what you hold of epoch `epoch` past these heads": the tail and poll syncs of
/// a whole group in one request instead of one per sender key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeadsRequest {
    /// The group.
    pub group: GroupId,
    /// The epoch (commit hash).
    pub epoch: Fixed<32>,
    /// Every sender key asked about, in ascending order of key id, each once.
    pub heads: List<Head, MAX_HEADS>,
    /// HMAC-SHA256 under the epoch's sync key over [`HeadsRequest::mac_bytes`].
    pub mac: Fixed<32>,
}

impl WireMessage for HeadsRequest {
    const KIND: &'static str = "group.sync.heads";
}

impl HeadsRequest {
    /// A request about `heads` (any order; sorted here, each key once), authenticated
    /// with the epoch's keys; at most [`MAX_HEADS`] of them.
    pub fn new(keys: &EpochKeys, group: GroupId, epoch: Fixed<32>, mut heads: Vec<Head>) -> Result<Self, SyncError> {
        heads.sort_by_key(|h| h.key_id);
        heads.dedup_by_key(|h| h.key_id);
        let count = heads.len();
        let heads = List::new(heads).map_err(|_| SyncError::TooMany { count: count as u64 })?;
        let mut request = HeadsRequest {
            group,
            epoch,
            heads,
            mac: Fixed([0; 32]),
        };
        request.validate()?;
        request.mac = sync_mac(keys, &request.mac_bytes());
        Ok(request)
    }

    /// `label || group || epoch || u32be(count) || (key_id || u64be(next))…`.
    pub fn mac_bytes(&self) -> Vec<u8> {
        let count = u32::try_from(self.heads.len()).unwrap_or(u32::MAX);
        let transcript = Transcript::new(HEADS_MAC_LABEL)
            .fixed(self.group.as_bytes())
            .fixed(self.epoch.as_ref())
            .fixed(&count.to_be_bytes());
        self.heads
            .iter()
            .fold(transcript, |t, head| t.fixed(head.key_id.as_ref()).u64(head.next))
            .into_bytes()
    }

    /// Checks the heads: at least one, in strictly ascending order of key id.
    pub fn validate(&self) -> Result<(), SyncError> {
        if self.heads.is_empty() {
            return Err(SyncError::NoHeads);
        }
        if self.heads.windows(2).any(|pair| pair[0].key_id >= pair[1].key_id) {
            return Err(SyncError::Unsorted);
        }
        Ok(())
    }

    /// What the answering member checks: the heads, then the MAC (in constant time)
    /// under the keys of the epoch the request names.
    pub fn verify(&self, keys: &EpochKeys) -> Result<(), SyncError> {
        self.validate()?;
        check_sync_mac(keys, &self.mac_bytes(), &self.mac)
    }
}

/// What a sync asked for, so that its answer can be checked against it.
pub trait SyncAsk {
    /// Whether a message is one this request asked for.
    fn covers(&self, message: &GroupMessage) -> bool;
}

impl SyncAsk for SyncRequest {
    fn covers(&self, message: &GroupMessage) -> bool {
        message.epoch == self.epoch
            && message.key_id == self.key_id
            && (self.from_seq..=self.to_seq).contains(&message.seq)
    }
}

impl SyncAsk for HeadsRequest {
    fn covers(&self, message: &GroupMessage) -> bool {
        message.epoch == self.epoch
            && self
                .heads
                .binary_search_by_key(&message.key_id, |h| h.key_id)
                .is_ok_and(|at| message.seq >= self.heads[at].next)
    }
}

/// The stored `group.msg` envelopes answering a [`SyncRequest`], in sequence order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncResponse {
    /// Raw envelopes exactly as received from gossipsub (or as we published them).
    pub messages: List<Bytes<MAX_GROUP_MESSAGE>, MAX_SYNC_MESSAGES>,
}

impl WireMessage for SyncResponse {
    const KIND: &'static str = "group.sync.resp";
}

impl SyncResponse {
    /// Packs stored envelopes, in the order given, while they fit one response (at most
    /// [`MAX_SYNC_MESSAGES`] and the 64 KiB envelope); stops at the first that does not
    /// fit, so the requester asks again from the sequence number after the last one it
    /// got. Items over [`MAX_GROUP_MESSAGE`] (never stored by a correct node) are skipped.
    pub fn pack(stored: impl IntoIterator<Item = Vec<u8>>) -> SyncResponse {
        let mut used = RESPONSE_FRAMING;
        let mut items = Vec::new();
        for bytes in stored {
            if items.len() == MAX_SYNC_MESSAGES || used + bytes.len() + ITEM_FRAMING > MAX_BODY_BYTES {
                break;
            }
            if let Ok(item) = Bytes::new(bytes) {
                used += item.len() + ITEM_FRAMING;
                items.push(item);
            }
        }
        SyncResponse {
            messages: List::truncating(items),
        }
    }

    /// Decodes every item and checks it is one the request asked for. Decrypt them with
    /// the epoch's ring as usual (replays and forgeries fail there).
    pub fn open(&self, request: &impl SyncAsk) -> Result<Vec<GroupMessage>, SyncError> {
        self.messages
            .iter()
            .enumerate()
            .map(|(index, bytes)| {
                let message = GroupMessage::decode(bytes).map_err(|_: GroupError| SyncError::BadItem {
                    index,
                    reason: "malformed",
                })?;
                if !request.covers(&message) {
                    return Err(SyncError::BadItem {
                        index,
                        reason: "outside_request",
                    });
                }
                Ok(message)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::epoch::EpochSecret;
    use crate::group::testkit::plain;
    use crate::group::{SenderKey, MAX_GROUP_BODY};
    use crate::wire::{self, WireError};

    fn keys(byte: u8) -> EpochKeys {
        EpochKeys::derive(&GroupId(Fixed([1; 16])), &EpochSecret::from_bytes([byte; 32]))
    }

    #[test]
    fn request_range_and_mac() {
        let k = keys(1);
        let group = GroupId(Fixed([1; 16]));
        let req = SyncRequest::new(&k, group, Fixed([2; 32]), Fixed([3; 8]), 10, 265).unwrap();
        assert_eq!(req.verify(&k), Ok(()));
        assert_eq!(req.verify(&keys(2)), Err(SyncError::BadMac));
        let mut tampered = req.clone();
        tampered.from_seq = 11;
        assert_eq!(tampered.verify(&k).unwrap_err().reason(), "bad_mac");
        let decoded: SyncRequest = wire::decode(&wire::encode(&req).unwrap()).unwrap();
        assert_eq!(decoded, req);

        let too_many = SyncRequest::new(&k, group, Fixed([2; 32]), Fixed([3; 8]), 10, 266).unwrap_err();
        assert_eq!(too_many, SyncError::TooMany { count: 257 });
        assert_eq!(too_many.reason(), "too_many");
        let all = SyncRequest {
            to_seq: u64::MAX,
            from_seq: 0,
            ..req.clone()
        };
        assert_eq!(all.validate(), Err(SyncError::TooMany { count: u64::MAX }));
        let inverted = SyncRequest {
            from_seq: 5,
            to_seq: 4,
            ..req.clone()
        };
        assert_eq!(inverted.verify(&k), Err(SyncError::Inverted { from: 5, to: 4 }));
        assert_eq!(inverted.validate().unwrap_err().reason(), "inverted");
        let single = SyncRequest {
            from_seq: 7,
            to_seq: 7,
            ..req
        };
        assert_eq!(single.validate(), Ok(()));
    }

    #[test]
    fn heads_requests_are_sorted_authenticated_and_checked() {
        let k = keys(1);
        let group = GroupId(Fixed([1; 16]));
        let head = |n: u8, next| Head {
            key_id: Fixed([n; 8]),
            next,
        };
        let req = HeadsRequest::new(&k, group, Fixed([2; 32]), vec![head(9, 4), head(3, 0), head(9, 7)]).unwrap();
        assert_eq!(&req.heads[..], &[head(3, 0), head(9, 4)], "sorted, each key once");
        assert_eq!(req.verify(&k), Ok(()));
        assert_eq!(req.verify(&keys(2)), Err(SyncError::BadMac));
        let decoded: HeadsRequest = wire::decode(&wire::encode(&req).unwrap()).unwrap();
        assert_eq!(decoded, req);
        let mut tampered = req.clone();
        tampered.heads = List::new(vec![head(3, 1), head(9, 4)]).unwrap();
        assert_eq!(tampered.verify(&k), Err(SyncError::BadMac));
        let unsorted = HeadsRequest {
            heads: List::new(vec![head(9, 4), head(3, 0)]).unwrap(),
            ..req.clone()
        };
        assert_eq!(unsorted.verify(&k).unwrap_err().reason(), "unsorted");
        let empty = HeadsRequest::new(&k, group, Fixed([2; 32]), Vec::new()).unwrap_err();
        assert_eq!(empty.reason(), "no_heads");
        let many: Vec<Head> = (0..=MAX_HEADS as u32)
            .map(|n| Head {
                key_id: Fixed([n.to_be_bytes(), [0; 4]].concat().try_into().unwrap()),
                next: 0,
            })
            .collect();
        let too_many = HeadsRequest::new(&k, group, Fixed([2; 32]), many).unwrap_err();
        assert_eq!(
            too_many,
            SyncError::TooMany {
                count: MAX_HEADS as u64 + 1
            }
        );

        // An answer may carry any listed key from its head on, and nothing else.
        let mut sender = SenderKey::from_parts(Fixed([2; 32]), [4; 32], 0, [5; 32]);
        let messages: Vec<GroupMessage> = (0..3).map(|i| sender.encrypt(&plain(i, b"hi")).unwrap()).collect();
        let listed = HeadsRequest::new(
            &k,
            group,
            Fixed([2; 32]),
            vec![
                head(3, 0),
                Head {
                    key_id: *sender.key_id(),
                    next: messages[1].seq,
                },
            ],
        )
        .unwrap();
        assert!(!listed.covers(&messages[0]), "below the head");
        assert!(listed.covers(&messages[1]) && listed.covers(&messages[2]));
        let other_epoch = HeadsRequest {
            epoch: Fixed([3; 32]),
            ..listed.clone()
        };
        assert!(!other_epoch.covers(&messages[2]));
        assert!(!req.covers(&messages[2]), "a key not listed");
        let answer = SyncResponse::pack(messages.iter().map(|m| m.encode().unwrap()));
        assert_eq!(
            answer.open(&listed),
            Err(SyncError::BadItem {
                index: 0,
                reason: "outside_request"
            })
        );
    }

    #[test]
    fn responses_fit_the_envelope_and_are_checked() {
        let mut sender = SenderKey::from_parts(Fixed([2; 32]), [4; 32], 0, [5; 32]);
        let big: Vec<Vec<u8>> = (0..10)
            .map(|i| {
                sender
                    .encrypt(&plain(i, &vec![0; MAX_GROUP_BODY]))
                    .unwrap()
                    .encode()
                    .unwrap()
            })
            .collect();
        let packed = SyncResponse::pack(big.clone());
        assert!(
            packed.messages.len() >= 3 && packed.messages.len() < 10,
            "{}",
            packed.messages.len()
        );
        assert!(wire::encode(&packed).is_ok());

        let small: Vec<Vec<u8>> = (0..300)
            .map(|i| sender.encrypt(&plain(i, b"hi")).unwrap().encode().unwrap())
            .collect();
        let packed = SyncResponse::pack(small.clone());
        assert_eq!(packed.messages.len(), MAX_SYNC_MESSAGES);
        let bytes = wire::encode(&packed).unwrap();
        let decoded: SyncResponse = wire::decode(&bytes).unwrap();
        let first = GroupMessage::decode(&small[0]).unwrap().seq;
        let req = SyncRequest::new(
            &keys(1),
            GroupId(Fixed([1; 16])),
            Fixed([2; 32]),
            *sender.key_id(),
            first,
            first + 255,
        )
        .unwrap();
        assert_eq!(decoded.open(&req).unwrap().len(), MAX_SYNC_MESSAGES);
        let narrow = SyncRequest {
            to_seq: first + 10,
            ..req.clone()
        };
        assert_eq!(
            decoded.open(&narrow),
            Err(SyncError::BadItem {
                index: 11,
                reason: "outside_request"
            })
        );
        let junk = SyncResponse {
            messages: List::new(vec![Bytes::new(vec![0xff; 3]).unwrap()]).unwrap(),
        };
        assert_eq!(junk.open(&req).unwrap_err().reason(), "bad_item");
        assert_eq!(
            SyncResponse::pack(vec![vec![0; MAX_GROUP_MESSAGE + 1]]).messages.len(),
            0
        );
        // A response with 257 items does not decode.
        #[derive(Serialize)]
        struct Loose {
            messages: Vec<serde_bytes::ByteBuf>,
        }
        let loose = Loose {
            messages: vec![serde_bytes::ByteBuf::from(vec![1]); 257],
        };
        let bytes = wire::encode_raw(SyncResponse::KIND, &wire::to_cbor(&loose)).unwrap();
        assert!(matches!(
            wire::decode::<SyncResponse>(&bytes),
            Err(WireError::LimitExceeded(_))
        ));
    }
}
