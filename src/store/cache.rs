//! Derived rendezvous keys (`cache` tree), so a restart does not pay the slow key
//! derivation again: `u32be(epoch) || SHA-256(derivation input)` → `dht_key || enc_key`.
//! Only this node's own store holds them; they are as sensitive as its contact list.

use sha2::{Digest, Sha256};

use super::{Store, StoreError};

fn key(epoch: u32, input: &[u8]) -> Vec<u8> {
    [epoch.to_be_bytes().as_slice(), Sha256::digest(input).as_slice()].concat()
}

/// A cached pair of rendezvous keys: (`dht_key`, `enc_key`).
pub type RendezvousKeys = ([u8; 32], [u8; 32]);

impl Store {
    /// Cached keys (`dht_key`, `enc_key`) for a derivation input in `epoch`.
    pub fn cached_rendezvous_keys(&self, epoch: u32, input: &[u8]) -> Result<Option<RendezvousKeys>, StoreError> {
        Ok(self.cache.get(key(epoch, input))?.and_then(|v| {
            let dht: [u8; 32] = v.get(..32)?.try_into().ok()?;
            let enc: [u8; 32] = v.get(32..64)?.try_into().ok()?;
            Some((dht, enc))
        }))
    }

    /// Caches keys for a derivation input in `epoch`.
    pub fn cache_rendezvous_keys(
        &self,
        epoch: u32,
        input: &[u8],
        dht_key: &[u8; 32],
        enc_key: &[u8; 32],
    ) -> Result<(), StoreError> {
        self.cache
            .insert(key(epoch, input), [dht_key.as_slice(), enc_key.as_slice()].concat())?;
        Ok(())
    }

    /// Forgets keys of epochs before `epoch`.
    pub fn prune_rendezvous_keys(&self, epoch: u32) -> Result<usize, StoreError> {
        let mut removed = 0;
        for k in self.cache.range(..epoch.to_be_bytes().to_vec()).keys() {
            self.cache.remove(k?)?;
            removed += 1;
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use crate::store::{Store, StoreOptions};

    #[test]
    fn keys_are_cached_per_epoch_and_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
        store
            .cache_rendezvous_keys(7, b"+821012345678", &[1; 32], &[2; 32])
            .unwrap();
        store
            .cache_rendezvous_keys(8, b"+821012345678", &[3; 32], &[4; 32])
            .unwrap();
        assert_eq!(
            store.cached_rendezvous_keys(7, b"+821012345678").unwrap(),
            Some(([1; 32], [2; 32]))
        );
        assert_eq!(store.cached_rendezvous_keys(7, b"+819012345678").unwrap(), None);
        assert_eq!(store.prune_rendezvous_keys(8).unwrap(), 1);
        assert_eq!(store.cached_rendezvous_keys(7, b"+821012345678").unwrap(), None);
        assert!(store.cached_rendezvous_keys(8, b"+821012345678").unwrap().is_some());
    }
}
