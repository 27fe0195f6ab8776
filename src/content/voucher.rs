//! Gifts and vouchers (SPEC.md §6.13, `protocol/content.md` §6): a shop's node mints a
//! voucher signed by its identity key for a first holder; a holder passes it on by signing
//! a hop to the next holder's identity key; the current holder redeems it with a signed
//! request the issuing node answers, recording the serial as spent. Pure: what is
//! signed, and the checks every party makes.

use serde::{Deserialize, Serialize};

use crate::group::Transcript;
use crate::wire::{Bytes, Fixed, List, Text};

/// Longest item description, in bytes of UTF-8.
pub const MAX_ITEM: usize = 128;
/// Longest value text ("₩10,000", "1 coffee"), in bytes of UTF-8.
pub const MAX_VALUE: usize = 32;
/// Most hops a voucher travels.
pub const MAX_HOPS: usize = 16;
/// How far a redemption request's clock may be from the issuer's.
pub const REDEEM_SKEW_MS: u64 = 5 * 60 * 1000;
/// The longest validity an issuer gives.
pub const MAX_VALID_MS: u64 = 366 * 24 * 3600 * 1000;

const VOUCHER_LABEL: &[u8] = b"chingu/voucher/v1/issue";
const HOP_LABEL: &[u8] = b"chingu/voucher/v1/hop";
const REDEEM_LABEL: &[u8] = b"chingu/voucher/v1/redeem";

/// What the issuer signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Voucher {
    /// The issuer's Ed25519 identity key.
    pub issuer: Fixed<32>,
    /// The issuing node's libp2p peer id: where it is redeemed.
    pub node: Bytes<64>,
    /// Unique per issuer.
    pub serial: Fixed<16>,
    /// What it is for.
    pub item: Text<MAX_ITEM>,
    /// What it is worth, as the issuer writes it.
    pub value: Text<MAX_VALUE>,
    /// When it was issued (ms).
    pub issued_ms: u64,
    /// After this it is refused (ms).
    pub expires_ms: u64,
    /// The first holder's identity key.
    pub holder: Fixed<32>,
}

/// A voucher and its issuer's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedVoucher {
    /// The voucher.
    pub voucher: Voucher,
    /// Ed25519 by `voucher.issuer` over [`voucher_bytes`].
    pub sig: Fixed<64>,
}

/// One transfer: the holder at that point gives it to `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hop {
    /// The next holder's identity key.
    pub to: Fixed<32>,
    /// When (ms).
    pub at_ms: u64,
    /// Ed25519 by the giving holder over [`hop_bytes`].
    pub sig: Fixed<64>,
}

/// A voucher with its transfer history: what a gift message carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gift {
    /// The voucher.
    pub voucher: SignedVoucher,
    /// Its transfers, oldest first.
    pub hops: List<Hop, MAX_HOPS>,
}

/// Why a voucher, a transfer or a redemption was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VoucherError {
    /// A signature (issuer's, a hop's or the request's) does not verify.
    #[error("a signature does not verify")]
    BadSignature,
    /// Past its expiry.
    #[error("the voucher expired")]
    Expired,
    /// Redeemed already.
    #[error("the voucher was redeemed already")]
    Spent,
    /// The one asking is not its current holder.
    #[error("only the voucher's current holder may do that")]
    NotTheHolder,
    /// Passed on too many times.
    #[error("a voucher travels at most {MAX_HOPS} hops")]
    TooManyHops,
    /// Not issued by this node.
    #[error("this node did not issue the voucher")]
    NotOurs,
    /// A redemption request whose clock is too far from ours (a replay or a bad clock).
    #[error("the request's time is too far from the issuer's clock")]
    Stale,
}

impl VoucherError {
    /// The stable reason name (API errors, refusals on the wire, metrics).
    pub fn reason(self) -> &'static str {
        match self {
            VoucherError::BadSignature => "bad_signature",
            VoucherError::Expired => "expired",
            VoucherError::Spent => "spent",
            VoucherError::NotTheHolder => "not_the_holder",
            VoucherError::TooManyHops => "too_many_hops",
            VoucherError::NotOurs => "not_ours",
            VoucherError::Stale => "stale_request",
        }
    }
}

/// `label || var(CBOR(voucher))`: what the issuer signs.
pub fn voucher_bytes(voucher: &Voucher) -> Vec<u8> {
    Transcript::new(VOUCHER_LABEL)
        .var(&crate::wire::to_cbor(voucher))
        .into_bytes()
}

/// `label || serial(16) || u64(index) || to(32) || u64(at_ms)`: what the holder giving
/// hop `index` signs.
pub fn hop_bytes(serial: &[u8; 16], index: u64, to: &[u8; 32], at_ms: u64) -> Vec<u8> {
    Transcript::new(HOP_LABEL)
        .fixed(serial)
        .u64(index)
        .fixed(to)
        .u64(at_ms)
        .into_bytes()
}

/// `label || serial(16) || hops(u64) || u64(at_ms)`: what a holder asking to redeem signs.
pub fn redeem_bytes(serial: &[u8; 16], hops: u64, at_ms: u64) -> Vec<u8> {
    Transcript::new(REDEEM_LABEL)
        .fixed(serial)
        .u64(hops)
        .u64(at_ms)
        .into_bytes()
}

/// Mints a voucher for `holder`, signed with the issuer's identity key.
#[allow(clippy::too_many_arguments)]
pub fn issue(
    issuer: &libp2p_identity::ed25519::Keypair,
    node: &libp2p::PeerId,
    item: &str,
    value: &str,
    now_ms: u64,
    valid_ms: u64,
    holder: [u8; 32],
    serial: [u8; 16],
) -> Result<Gift, crate::wire::TooLong> {
    let voucher = Voucher {
        issuer: Fixed(issuer.public().to_bytes()),
        node: Bytes::new(node.to_bytes())?,
        serial: Fixed(serial),
        item: Text::new(item)?,
        value: Text::new(value)?,
        issued_ms: now_ms,
        expires_ms: now_ms.saturating_add(valid_ms.min(MAX_VALID_MS)),
        holder: Fixed(holder),
    };
    let sig = crate::crypto::sign(issuer, &voucher_bytes(&voucher));
    Ok(Gift {
        voucher: SignedVoucher {
            voucher,
            sig: Fixed(sig),
        },
        hops: List::new(Vec::new())?,
    })
}

impl Gift {
    /// Checks the issuer's signature, expiry and every hop; returns the current holder.
    pub fn holder(&self, now_ms: u64) -> Result<[u8; 32], VoucherError> {
        let v = &self.voucher.voucher;
        if !crate::crypto::verify(&v.issuer.0, &voucher_bytes(v), &self.voucher.sig.0) {
            return Err(VoucherError::BadSignature);
        }
        if now_ms > v.expires_ms {
            return Err(VoucherError::Expired);
        }
        let mut holder = v.holder.0;
        for (index, hop) in self.hops.iter().enumerate() {
            let signed = hop_bytes(&v.serial.0, index as u64, &hop.to.0, hop.at_ms);
            if !crate::crypto::verify(&holder, &signed, &hop.sig.0) {
                return Err(VoucherError::BadSignature);
            }
            holder = hop.to.0;
        }
        Ok(holder)
    }

    /// Passes it on to `to`, signed by the current holder `me`.
    pub fn give(
        &self,
        me: &libp2p_identity::ed25519::Keypair,
        to: [u8; 32],
        now_ms: u64,
    ) -> Result<Gift, VoucherError> {
        if self.holder(now_ms)? != me.public().to_bytes() {
            return Err(VoucherError::NotTheHolder);
        }
        let index = self.hops.len() as u64;
        let sig = crate::crypto::sign(me, &hop_bytes(&self.voucher.voucher.serial.0, index, &to, now_ms));
        let mut hops = self.hops.iter().cloned().collect::<Vec<_>>();
        hops.push(Hop {
            to: Fixed(to),
            at_ms: now_ms,
            sig: Fixed(sig),
        });
        Ok(Gift {
            voucher: self.voucher.clone(),
            hops: List::new(hops).map_err(|_| VoucherError::TooManyHops)?,
        })
    }

    /// The serial.
    pub fn serial(&self) -> [u8; 16] {
        self.voucher.voucher.serial.0
    }
}

/// What the holder asks the issuing node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedeemRequest {
    /// The voucher and its history.
    pub gift: Gift,
    /// The holder's clock (ms).
    pub at_ms: u64,
    /// Ed25519 by the current holder over [`redeem_bytes`].
    pub sig: Fixed<64>,
}

impl RedeemRequest {
    /// A request to redeem `gift`, signed by its holder `me`.
    pub fn new(gift: Gift, me: &libp2p_identity::ed25519::Keypair, now_ms: u64) -> Self {
        let sig = crate::crypto::sign(me, &redeem_bytes(&gift.serial(), gift.hops.len() as u64, now_ms));
        Self {
            gift,
            at_ms: now_ms,
            sig: Fixed(sig),
        }
    }

    /// The issuer's checks, but for spent serials: ours (`issuer` is our identity key),
    /// signed, not expired, a valid history, asked by the current holder, now. Returns the
    /// holder.
    pub fn check(&self, issuer: &[u8; 32], now_ms: u64) -> Result<[u8; 32], VoucherError> {
        if self.gift.voucher.voucher.issuer.0 != *issuer {
            return Err(VoucherError::NotOurs);
        }
        let holder = self.gift.holder(now_ms)?;
        if self.at_ms.abs_diff(now_ms) > REDEEM_SKEW_MS {
            return Err(VoucherError::Stale);
        }
        let signed = redeem_bytes(&self.gift.serial(), self.gift.hops.len() as u64, self.at_ms);
        if !crate::crypto::verify(&holder, &signed, &self.sig.0) {
            return Err(VoucherError::NotTheHolder);
        }
        Ok(holder)
    }
}

/// The issuing node's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RedeemResponse {
    /// Redeemed now, and recorded as spent.
    Redeemed {
        /// When (the issuer's clock, ms).
        at_ms: u64,
    },
    /// Refused: a [`VoucherError::reason`].
    Refused {
        /// Why.
        reason: Text<32>,
    },
}

impl crate::wire::WireMessage for RedeemRequest {
    const KIND: &'static str = "voucher.redeem.req";
}

impl crate::wire::WireMessage for RedeemResponse {
    const KIND: &'static str = "voucher.redeem.resp";
}

#[cfg(test)]
mod tests {
    use super::*;
    use libp2p_identity::ed25519::Keypair;

    fn key(k: &Keypair) -> [u8; 32] {
        k.public().to_bytes()
    }

    #[test]
    fn a_voucher_travels_hop_by_hop_and_only_its_holder_redeems_it() {
        let (shop, minji, yuki, eve) = (
            Keypair::generate(),
            Keypair::generate(),
            Keypair::generate(),
            Keypair::generate(),
        );
        let node = libp2p::PeerId::random();
        let day = 24 * 3600 * 1000;
        let gift = issue(
            &shop,
            &node,
            "아메리카노",
            "₩4,500",
            1_000,
            30 * day,
            key(&minji),
            [7; 16],
        )
        .unwrap();
        assert_eq!(gift.holder(2_000), Ok(key(&minji)));
        // Minji gives it to Yuki; Eve cannot give what she does not hold.
        let given = gift.give(&minji, key(&yuki), 3_000).unwrap();
        assert_eq!(given.holder(4_000), Ok(key(&yuki)));
        assert_eq!(gift.give(&eve, key(&eve), 3_000), Err(VoucherError::NotTheHolder));
        // Yuki redeems; Minji's old copy no longer names her as the holder.
        let request = RedeemRequest::new(given.clone(), &yuki, 5_000);
        assert_eq!(request.check(&key(&shop), 6_000), Ok(key(&yuki)));
        let by_minji = RedeemRequest::new(given.clone(), &minji, 5_000);
        assert_eq!(by_minji.check(&key(&shop), 6_000), Err(VoucherError::NotTheHolder));
        assert_eq!(request.check(&key(&eve), 6_000), Err(VoucherError::NotOurs));
        assert_eq!(
            request.check(&key(&shop), 5_000 + REDEEM_SKEW_MS + 1),
            Err(VoucherError::Stale)
        );
        assert_eq!(request.check(&key(&shop), 31 * day), Err(VoucherError::Expired));

        // A changed value, or a hop re-pointed to someone else, breaks a signature.
        let mut dearer = given.clone();
        dearer.voucher.voucher.value = Text::new("₩45,000").unwrap();
        assert_eq!(dearer.holder(4_000), Err(VoucherError::BadSignature));
        let mut stolen = given.clone();
        let mut hops: Vec<Hop> = stolen.hops.iter().cloned().collect();
        hops[0].to = Fixed(key(&eve));
        stolen.hops = List::new(hops).unwrap();
        assert_eq!(stolen.holder(4_000), Err(VoucherError::BadSignature));
    }
}
