//! Group control: what members send each other over their 1:1 sessions to run a group
//! (protocol/group.md §12) — commits with the new epoch's secret, the checkpoint that
//! welcomes a new member, sender-key distributions, and acknowledgements.
//!
//! Every control message but an acknowledgement carries a random 16-byte id. The
//! receiver applies it (idempotently: commits deduplicate by hash, distributions never
//! rewind a chain), makes the result durable and only then acknowledges the id; the
//! sender retries until it sees the acknowledgement.

use serde::{Deserialize, Serialize};

use super::epoch::EpochSecretShare;
use super::log::{Commit, GroupState};
use super::sender_key::SenderKeyDistribution;
use crate::wire::{from_cbor, to_cbor, Fixed, List, WireError};

/// Largest encoded control message (what fits a 1:1 `group` payload). A welcome carries
/// the member list twice (the commit's adds and the state), about 350 bytes per member:
/// about 90 members fit in half of this, about 180 in all of it.
pub const MAX_CONTROL_BYTES: usize = crate::dm::wire::MAX_GROUP_DATA;
/// Most ids one acknowledgement carries.
pub const MAX_ACK_IDS: usize = 64;

/// A control message's id: random, chosen by its sender.
pub type ControlId = Fixed<16>;

/// One group-control message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupControl {
    /// A commit for a member of the state it produces (`share` is the new epoch's
    /// secret) or for a member it removes (`share` is null: "you are out").
    Commit {
        /// Control id.
        id: ControlId,
        /// Whether the group is a flash meetup.
        meetup: bool,
        /// The commit.
        commit: Commit,
        /// The epoch secret, for remaining members only.
        share: Option<EpochSecretShare>,
    },
    /// The welcome of a member the commit `commit` added: the group's state at that
    /// commit (the checkpoint the joiner trusts, protocol/group.md §3.6) and the secret.
    Welcome {
        /// Control id.
        id: ControlId,
        /// Whether the group is a flash meetup.
        meetup: bool,
        /// The commit that added the member (the checkpoint's head).
        commit: Commit,
        /// The state at `commit`.
        state: GroupState,
        /// The epoch secret of `commit`.
        share: EpochSecretShare,
    },
    /// The sender's key for one epoch.
    SenderKey {
        /// Control id.
        id: ControlId,
        /// The signed distribution.
        dist: SenderKeyDistribution,
    },
    /// Control messages received and made durable.
    Ack {
        /// Their ids.
        ids: List<ControlId, MAX_ACK_IDS>,
    },
}

impl GroupControl {
    /// The id to acknowledge, if this message wants one.
    pub fn id(&self) -> Option<&ControlId> {
        match self {
            GroupControl::Commit { id, .. } | GroupControl::Welcome { id, .. } | GroupControl::SenderKey { id, .. } => {
                Some(id)
            }
            GroupControl::Ack { .. } => None,
        }
    }

    /// The group it concerns (`None` for an acknowledgement).
    pub fn group(&self) -> Option<super::GroupId> {
        match self {
            GroupControl::Commit { commit, .. } | GroupControl::Welcome { commit, .. } => Some(*commit.group()),
            GroupControl::SenderKey { dist, .. } => Some(dist.group),
            GroupControl::Ack { .. } => None,
        }
    }

    /// The CBOR encoding; fails when it would not fit a 1:1 payload.
    pub fn encode(&self) -> Result<Vec<u8>, WireError> {
        let bytes = to_cbor(self);
        if bytes.len() > MAX_CONTROL_BYTES {
            return Err(WireError::Oversized {
                len: bytes.len(),
                max: MAX_CONTROL_BYTES,
            });
        }
        Ok(bytes)
    }

    /// Decodes untrusted bytes (at most [`MAX_CONTROL_BYTES`]). Signatures and checks are
    /// the caller's: it inserts the commit into its log, opens the share against the
    /// commit, verifies the checkpoint and the distribution.
    pub fn decode(bytes: &[u8]) -> Result<Self, WireError> {
        from_cbor(bytes, MAX_CONTROL_BYTES)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::testkit::Kit;
    use crate::group::SenderKey;

    #[test]
    fn every_kind_round_trips() {
        let mut kit = Kit::new(3);
        let (genesis, secret) = kit.genesis(&[0, 1, 2]);
        let state = GroupState::genesis(&genesis).unwrap();
        let share = EpochSecretShare::new(&genesis, secret);
        let key = SenderKey::generate(*state.head(), &mut rand::rngs::OsRng);
        let dist = key.distribution(kit.id(0), *state.group());
        let messages = [
            GroupControl::Commit {
                id: Fixed([1; 16]),
                meetup: false,
                commit: genesis.clone(),
                share: Some(share.clone()),
            },
            GroupControl::Welcome {
                id: Fixed([2; 16]),
                meetup: true,
                commit: genesis,
                state,
                share,
            },
            GroupControl::SenderKey {
                id: Fixed([3; 16]),
                dist,
            },
            GroupControl::Ack {
                ids: List::new(vec![Fixed([1; 16]), Fixed([2; 16])]).unwrap(),
            },
        ];
        for message in messages {
            let bytes = message.encode().unwrap();
            assert_eq!(GroupControl::decode(&bytes).unwrap(), message);
        }
    }

    #[test]
    fn a_welcome_to_a_group_of_100_fits() {
        let mut kit = Kit::new(100);
        let everyone: Vec<usize> = (0..100).collect();
        let (genesis, secret) = kit.genesis(&everyone);
        let state = GroupState::genesis(&genesis).unwrap();
        let welcome = GroupControl::Welcome {
            id: Fixed([2; 16]),
            meetup: false,
            share: EpochSecretShare::new(&genesis, secret),
            commit: genesis,
            state,
        };
        let bytes = welcome.encode().unwrap();
        assert!(bytes.len() > MAX_CONTROL_BYTES / 4, "{} bytes", bytes.len());
        assert_eq!(GroupControl::decode(&bytes).unwrap(), welcome);
    }

    #[test]
    fn garbage_and_oversized_input_is_a_typed_error() {
        assert_eq!(GroupControl::decode(&[0xff, 0x00]).unwrap_err().reason(), "malformed");
        assert!(matches!(
            GroupControl::decode(&vec![0u8; MAX_CONTROL_BYTES + 1]),
            Err(crate::wire::WireError::Oversized { .. })
        ));
    }
}
