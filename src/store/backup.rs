//! What of the database a backup carries, and how a restored database is made whole
//! (SPEC.md §8.4).
//!
//! Carried: `meta` (profile, prekeys, invites, …) without the 1:1 sessions and the
//! handshake-replay guard — a session restored from a backup would send again under
//! nonces it already used, so friends open new ones instead —, `contacts`, `history`
//! without its search signatures (written again on restore), and `groups`. Not carried: the
//! peer-address cache, the rendezvous-key cache and what a mailbox node holds for others.

use super::{keys, Store, StoreError};

/// A tree a backup carries, by the byte that names it in an archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackedUpTree {
    /// `meta`.
    Meta = 1,
    /// `contacts`.
    Contacts = 2,
    /// `history`.
    History = 3,
    /// `groups`.
    Groups = 4,
}

impl BackedUpTree {
    /// Every one, in archive order.
    pub const ALL: [BackedUpTree; 4] = [
        BackedUpTree::Meta,
        BackedUpTree::Contacts,
        BackedUpTree::History,
        BackedUpTree::Groups,
    ];

    /// The tree a byte names.
    pub fn from_byte(byte: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|t| *t as u8 == byte)
    }
}

/// `meta` name set on a restored database until the node has made new sender keys in
/// its groups (a restored chain must never be used again).
pub const RESTORED: &str = "restored";

/// Whether an entry of `tree` stays out of a backup.
fn left_out(tree: BackedUpTree, key: &[u8]) -> bool {
    match tree {
        BackedUpTree::Meta => {
            key.starts_with(&keys::meta_named(keys::SESSION_PREFIX))
                || key == keys::meta_named(keys::DM_GUARD).as_slice()
        }
        BackedUpTree::History => key.first() == Some(&keys::SEARCH),
        BackedUpTree::Contacts | BackedUpTree::Groups => false,
    }
}

impl Store {
    fn backed_up(&self, tree: BackedUpTree) -> &sled::Tree {
        match tree {
            BackedUpTree::Meta => &self.meta,
            BackedUpTree::Contacts => &self.contacts,
            BackedUpTree::History => &self.history,
            BackedUpTree::Groups => &self.groups,
        }
    }

    /// Every entry a backup carries, tree by tree, in key order. Consistent only while
    /// nothing writes (the node pauses while it takes a backup). The search signatures
    /// are skipped by range, not read (rebuilt on restore).
    pub fn backup_entries(
        &self,
    ) -> impl Iterator<Item = Result<(BackedUpTree, sled::IVec, sled::IVec), StoreError>> + '_ {
        BackedUpTree::ALL.into_iter().flat_map(move |tree| {
            let entries = self.backed_up(tree);
            let all: Box<dyn Iterator<Item = sled::Result<(sled::IVec, sled::IVec)>>> = match tree {
                BackedUpTree::History => Box::new(
                    entries
                        .range(..[keys::SEARCH].as_slice())
                        .chain(entries.range([keys::SEARCH + 1].as_slice()..)),
                ),
                _ => Box::new(entries.iter()),
            };
            all.filter_map(move |item| match item {
                Ok((key, _)) if left_out(tree, &key) => None,
                Ok((key, value)) => Some(Ok((tree, key, value))),
                Err(e) => Some(Err(e.into())),
            })
        })
    }

    /// Writes one entry of a backup being restored (into a new, empty database).
    pub fn restore_entry(&self, tree: BackedUpTree, key: &[u8], value: &[u8]) -> Result<(), StoreError> {
        if left_out(tree, key) {
            return Ok(());
        }
        match tree {
            BackedUpTree::Contacts => self.put_contact_entry(key, value)?,
            _ => {
                self.backed_up(tree).insert(key, value)?;
            }
        }
        Ok(())
    }

    /// Completes a restored database: its schema migrated, files whose bytes were not
    /// carried marked as not here (they are fetched again from their holders), and the
    /// restored and unindexed marks set (the node re-keys its groups and writes the
    /// search signatures in the background: [`Store::index_if_unindexed`]). Returns how
    /// many messages it holds.
    pub fn finish_restore(&self, blob_here: impl Fn(&[u8; 32]) -> bool, now_ms: u64) -> Result<usize, StoreError> {
        self.migrate()?;
        let messages = self.history.scan_prefix([keys::MESSAGE]).count();
        for mut file in self.files()? {
            if file.here && !blob_here(&file.file.root) {
                file.here = false;
                self.put_file(&file)?;
            }
        }
        self.set_meta_value(RESTORED, &now_ms)?;
        self.set_meta_value(super::UNINDEXED, &now_ms)?;
        self.flush()?;
        Ok(messages)
    }

    /// When this database was restored from a backup, until its groups were re-keyed.
    pub fn restored_ms(&self) -> Result<Option<u64>, StoreError> {
        self.meta_value(RESTORED)
    }

    /// Clears the restored mark.
    pub fn clear_restored(&self) -> Result<(), StoreError> {
        self.remove_meta_value(RESTORED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreOptions;

    #[test]
    fn sessions_guards_and_search_signatures_stay_out_and_the_rest_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
        store.set_meta_value("session/abc", &1u32).unwrap();
        store.set_meta_value(keys::DM_GUARD, &2u32).unwrap();
        store.set_meta_value("prekeys", &3u32).unwrap();
        store.history.insert([keys::SEARCH, 1, 2], &[]).unwrap();
        store.history.insert([b'c', 1, 2], b"conv".as_slice()).unwrap();
        let entries: Vec<_> = store.backup_entries().map(Result::unwrap).collect();
        let named = |name: &str| {
            entries
                .iter()
                .any(|(_, k, _)| k.as_ref() == keys::meta_named(name).as_slice())
        };
        assert!(named("prekeys"));
        assert!(!named("session/abc") && !named(keys::DM_GUARD));
        assert!(entries
            .iter()
            .all(|(t, k, _)| *t != BackedUpTree::History || k[0] != keys::SEARCH));

        let other = tempfile::tempdir().unwrap();
        let restored = Store::open(other.path(), StoreOptions::default()).unwrap();
        for (tree, key, value) in &entries {
            restored.restore_entry(*tree, key, value).unwrap();
        }
        restored.finish_restore(|_| false, 5).unwrap();
        let stop = std::sync::atomic::AtomicBool::new(false);
        assert_eq!(restored.index_if_unindexed(&stop).unwrap(), Some(0));
        assert_eq!(restored.index_if_unindexed(&stop).unwrap(), None, "done once");
        assert_eq!(restored.meta_value::<u32>("prekeys").unwrap(), Some(3));
        assert_eq!(restored.meta_value::<u32>("session/abc").unwrap(), None);
        assert_eq!(restored.restored_ms().unwrap(), Some(5));
        assert_eq!(BackedUpTree::from_byte(3), Some(BackedUpTree::History));
        assert_eq!(BackedUpTree::from_byte(9), None);
    }
}
