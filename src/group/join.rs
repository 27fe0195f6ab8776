//! Joining a flash meetup by its code (protocol/group.md §14): the request a joiner sends
//! to the meetup's creator over `/chingu/meetup/1`, and its answer.
//!
//! The joiner proves it knows the code with `HMAC-SHA256(code_auth_key, label ||
//! joiner identity key)`, where `code_auth_key` comes from the code's argon2 output
//! (protocol/rendezvous.md §2.6): the proof is bound to the joiner's identity, so a
//! relay cannot reuse it for someone else, and it reveals nothing about the code.

use hmac::Mac;
use serde::{Deserialize, Serialize};

use super::hmac_sha256;
use super::log::Member;
use crate::wire::{Fixed, Text, WireMessage};

/// Label starting the bytes the join proof covers.
pub const JOIN_PROOF_LABEL: &[u8] = b"chingu/meetup/v1/join";
/// Longest refusal reason.
pub const MAX_REASON_BYTES: usize = 32;

/// A request to join the meetup whose code the joiner typed (kind `meetup.join.req`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinRequest {
    /// `HMAC-SHA256(code_auth_key, label || member.identity_pk)`.
    pub proof: Fixed<32>,
    /// The joiner as it will appear in the group; its identity must be the requesting
    /// peer's.
    pub member: Member,
}

impl WireMessage for JoinRequest {
    const KIND: &'static str = "meetup.join.req";
}

/// The creator's answer (kind `meetup.join.resp`): on `accepted` the welcome follows over
/// a 1:1 session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinResponse {
    /// Whether the joiner was added.
    pub accepted: bool,
    /// Why not (`rate_limited`, `bad_code`, `expired`, `invalid_member`), empty when
    /// accepted.
    pub reason: Text<MAX_REASON_BYTES>,
}

impl WireMessage for JoinResponse {
    const KIND: &'static str = "meetup.join.resp";
}

fn proof_mac(auth_key: &[u8; 32], identity_pk: &Fixed<32>) -> hmac::Hmac<sha2::Sha256> {
    let mut mac = hmac_sha256(auth_key);
    mac.update(JOIN_PROOF_LABEL);
    mac.update(identity_pk.as_ref());
    mac
}

impl JoinRequest {
    /// The request of `member`, who knows the code behind `auth_key`.
    pub fn new(auth_key: &[u8; 32], member: Member) -> Self {
        let proof = Fixed(proof_mac(auth_key, &member.identity_pk).finalize().into_bytes().into());
        JoinRequest { proof, member }
    }

    /// Whether the proof was made with `auth_key` (constant time).
    pub fn proves(&self, auth_key: &[u8; 32]) -> bool {
        proof_mac(auth_key, &self.member.identity_pk)
            .verify_slice(self.proof.as_ref())
            .is_ok()
    }
}

impl JoinResponse {
    /// An acceptance.
    pub fn accepted() -> Self {
        JoinResponse {
            accepted: true,
            reason: Text::default(),
        }
    }

    /// A refusal for `reason` (a stable snake_case name).
    pub fn refused(reason: &str) -> Self {
        JoinResponse {
            accepted: false,
            reason: Text::new(reason).unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::testkit::Kit;

    #[test]
    fn a_proof_verifies_only_with_its_code_and_member() {
        let kit = Kit::new(2);
        let request = JoinRequest::new(&[7; 32], kit.member(0));
        assert!(request.proves(&[7; 32]));
        assert!(!request.proves(&[8; 32]), "another code");
        let stolen = JoinRequest {
            member: kit.member(1),
            ..request.clone()
        };
        assert!(!stolen.proves(&[7; 32]), "the proof is bound to the joiner");
        let bytes = crate::wire::encode(&request).unwrap();
        assert_eq!(crate::wire::decode::<JoinRequest>(&bytes).unwrap(), request);
        let refusal = JoinResponse::refused("rate_limited");
        let bytes = crate::wire::encode(&refusal).unwrap();
        assert_eq!(crate::wire::decode::<JoinResponse>(&bytes).unwrap(), refusal);
    }
}
