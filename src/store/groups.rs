//! What the node keeps to run its groups (`groups` tree): one record per group, the
//! `group.msg` envelopes it saw (to answer history sync), and the group-control messages
//! waiting for a member's acknowledgement.
//!
//! ```text
//! 'g' | group(16)                           -> group record (CBOR, owned by the node)
//! 'e' | epoch(32) | key_id(8) | seq(u64be)  -> raw group.msg envelope
//! 'c' | control id(16)                      -> control outbox entry (CBOR)
//! 'i' | group(16)                           -> invitation waiting for the owner (CBOR)
//! ```
//!
//! The records are generic here: their types belong to the node's group glue.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{decode, get, put, Store, StoreError};

const RECORD: u8 = b'g';
const ENVELOPE: u8 = b'e';
const CONTROL: u8 = b'c';
const INVITATION: u8 = b'i';

fn key(prefix: u8, parts: &[&[u8]]) -> Vec<u8> {
    let mut k = vec![prefix];
    for part in parts {
        k.extend_from_slice(part);
    }
    k
}

fn values<T: DeserializeOwned>(tree: &sled::Tree, prefix: u8, what: &'static str) -> Result<Vec<T>, StoreError> {
    tree.scan_prefix([prefix])
        .map(|item| {
            let (_, v) = item?;
            decode(&v, what)
        })
        .collect()
}

impl Store {
    /// Writes a group's record.
    pub fn put_group<T: Serialize>(&self, group: &[u8; 16], record: &T) -> Result<(), StoreError> {
        put(&self.groups, &key(RECORD, &[group]), record)
    }

    /// A group's record.
    pub fn group<T: DeserializeOwned>(&self, group: &[u8; 16]) -> Result<Option<T>, StoreError> {
        get(&self.groups, &key(RECORD, &[group]), "group record")
    }

    /// Every group's record.
    pub fn groups<T: DeserializeOwned>(&self) -> Result<Vec<T>, StoreError> {
        values(&self.groups, RECORD, "group record")
    }

    /// Keeps a `group.msg` envelope for history sync (overwrites the same position).
    pub fn put_group_envelope(
        &self,
        epoch: &[u8; 32],
        key_id: &[u8; 8],
        seq: u64,
        envelope: &[u8],
    ) -> Result<(), StoreError> {
        self.groups
            .insert(key(ENVELOPE, &[epoch, key_id, &seq.to_be_bytes()]), envelope)?;
        Ok(())
    }

    /// The kept envelopes of one sender key with `from <= seq <= to`, in sequence order.
    pub fn group_envelopes(
        &self,
        epoch: &[u8; 32],
        key_id: &[u8; 8],
        from: u64,
        to: u64,
    ) -> Result<Vec<Vec<u8>>, StoreError> {
        let start = key(ENVELOPE, &[epoch, key_id, &from.to_be_bytes()]);
        let end = key(ENVELOPE, &[epoch, key_id, &to.to_be_bytes()]);
        self.groups
            .range(start..=end)
            .map(|item| Ok(item?.1.to_vec()))
            .collect()
    }

    /// Forgets every envelope of an epoch (a group left or a retired epoch).
    pub fn remove_group_envelopes(&self, epoch: &[u8; 32]) -> Result<(), StoreError> {
        // One removal at a time: a sled batch takes a process-wide lock that waits for
        // every running flush (SPEC.md §8.3).
        for item in self.groups.scan_prefix(key(ENVELOPE, &[epoch])) {
            self.groups.remove(item?.0)?;
        }
        Ok(())
    }

    /// Keeps an invitation until the owner joins or declines.
    pub fn put_group_invitation<T: Serialize>(&self, group: &[u8; 16], invitation: &T) -> Result<(), StoreError> {
        put(&self.groups, &key(INVITATION, &[group]), invitation)
    }

    /// Forgets an invitation (joined or declined).
    pub fn remove_group_invitation(&self, group: &[u8; 16]) -> Result<(), StoreError> {
        self.groups.remove(key(INVITATION, &[group]))?;
        Ok(())
    }

    /// Every invitation waiting for the owner.
    pub fn group_invitations<T: DeserializeOwned>(&self) -> Result<Vec<T>, StoreError> {
        values(&self.groups, INVITATION, "group invitation")
    }

    /// Writes a control message waiting for acknowledgement.
    pub fn put_group_control<T: Serialize>(&self, id: &[u8; 16], entry: &T) -> Result<(), StoreError> {
        put(&self.groups, &key(CONTROL, &[id]), entry)
    }

    /// Forgets an acknowledged control message.
    pub fn remove_group_control(&self, id: &[u8; 16]) -> Result<(), StoreError> {
        self.groups.remove(key(CONTROL, &[id]))?;
        Ok(())
    }

    /// Every control message waiting for acknowledgement.
    pub fn group_controls<T: DeserializeOwned>(&self) -> Result<Vec<T>, StoreError> {
        values(&self.groups, CONTROL, "group control")
    }
}
