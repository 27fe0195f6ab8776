//! What a mailbox node keeps for others (`mailbox` tree): registrations and sealed items
//! per recipient tag.
//!
//! ```text
//! 'r' | tag(32)                 -> Registration
//! 'i' | tag(32) | seq(u64be)    -> MailboxItem      (oldest first per tag)
//! 'd' | tag(32) | id(16)        -> seq(u64be)       (deduplication)
//! ```

use serde::{Deserialize, Serialize};

use super::{decode, get, put, Store, StoreError};

/// A recipient's registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    /// Until when deposits are accepted (unix seconds).
    pub expires: u64,
}

/// One sealed item held for a recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailboxItem {
    /// Deduplication id.
    pub id: [u8; 16],
    /// The sealed box.
    #[serde(with = "serde_bytes")]
    pub sealed: Vec<u8>,
    /// The depositing peer (for per-sender quotas).
    #[serde(with = "serde_bytes")]
    pub sender: Vec<u8>,
    /// When it was stored (ms).
    pub stored_ms: u64,
}

fn key(prefix: u8, tag: &[u8; 32], tail: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(1 + 32 + tail.len());
    k.push(prefix);
    k.extend_from_slice(tag);
    k.extend_from_slice(tail);
    k
}

impl Store {
    /// A tag's registration.
    pub fn mailbox_registration(&self, tag: &[u8; 32]) -> Result<Option<Registration>, StoreError> {
        get(&self.mailbox, &key(b'r', tag, &[]), "mailbox registration")
    }

    /// Records a registration.
    pub fn set_mailbox_registration(&self, tag: &[u8; 32], registration: Registration) -> Result<(), StoreError> {
        put(&self.mailbox, &key(b'r', tag, &[]), &registration)
    }

    /// Every registration.
    pub fn mailbox_registrations(&self) -> Result<Vec<([u8; 32], Registration)>, StoreError> {
        self.mailbox
            .scan_prefix([b'r'])
            .map(|kv| {
                let (k, v) = kv?;
                let tag: [u8; 32] = k
                    .get(1..33)
                    .and_then(|t| t.try_into().ok())
                    .ok_or(StoreError::Corrupt {
                        what: "mailbox registration",
                        message: "bad key".into(),
                    })?;
                Ok((tag, decode(&v, "mailbox registration")?))
            })
            .collect()
    }

    /// Whether an item with `id` is held for `tag`.
    pub fn mailbox_has(&self, tag: &[u8; 32], id: &[u8; 16]) -> Result<bool, StoreError> {
        Ok(self.mailbox.contains_key(key(b'd', tag, id))?)
    }

    /// Stores an item at position `seq`, then its dedup entry (a dedup entry never exists
    /// without its item; see [`super::Batch`] for why this is not a sled batch).
    pub fn mailbox_put(&self, tag: &[u8; 32], seq: u64, item: &MailboxItem) -> Result<(), StoreError> {
        self.mailbox
            .insert(key(b'i', tag, &seq.to_be_bytes()), crate::wire::to_cbor(item))?;
        self.mailbox.insert(key(b'd', tag, &item.id), &seq.to_be_bytes())?;
        Ok(())
    }

    /// Items held for `tag`, oldest first, with their positions.
    pub fn mailbox_items(&self, tag: &[u8; 32]) -> impl Iterator<Item = Result<(u64, MailboxItem), StoreError>> + '_ {
        self.mailbox.scan_prefix(key(b'i', tag, &[])).map(|kv| {
            let (k, v) = kv?;
            let seq = k
                .get(33..41)
                .and_then(|s| s.try_into().ok())
                .map(u64::from_be_bytes)
                .ok_or(StoreError::Corrupt {
                    what: "mailbox item",
                    message: "bad key".into(),
                })?;
            Ok((seq, decode(&v, "mailbox item")?))
        })
    }

    /// Removes the items with these ids (each item before its dedup entry, so a crash
    /// can only leave a dedup entry that refuses a redeposit of an acknowledged item);
    /// returns the removed items.
    pub fn mailbox_remove(&self, tag: &[u8; 32], ids: &[[u8; 16]]) -> Result<Vec<MailboxItem>, StoreError> {
        let mut removed = Vec::new();
        for id in ids {
            let dedup = key(b'd', tag, id);
            if let Some(seq) = self.mailbox.get(&dedup)? {
                if let Some(item) = self.mailbox.remove(key(b'i', tag, &seq))? {
                    removed.push(decode(&item, "mailbox item")?);
                }
                self.mailbox.remove(dedup)?;
            }
        }
        Ok(removed)
    }

    /// Every tag holding items, with its items (for rebuilding usage and expiring).
    pub fn mailbox_tags_with_items(&self) -> Result<Vec<[u8; 32]>, StoreError> {
        let mut tags: Vec<[u8; 32]> = Vec::new();
        for k in self.mailbox.scan_prefix([b'i']).keys() {
            let k = k?;
            if let Some(tag) = k.get(1..33).and_then(|t| <[u8; 32]>::try_from(t).ok()) {
                if tags.last() != Some(&tag) {
                    tags.push(tag);
                }
            }
        }
        Ok(tags)
    }
}
