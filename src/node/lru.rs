//! A bounded set that forgets its least recently used key first: the eviction rule of
//! what strangers can make a node keep (responder sessions, claimed numbers).

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;

/// At most `capacity` keys; inserting one more evicts the least recently used.
#[derive(Debug)]
pub(crate) struct Lru<K> {
    capacity: usize,
    clock: u64,
    used: HashMap<K, u64>,
    by_use: BTreeMap<u64, K>,
}

impl<K: Hash + Eq + Copy> Lru<K> {
    /// An empty set holding at most `capacity` keys (at least one).
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            clock: 0,
            used: HashMap::new(),
            by_use: BTreeMap::new(),
        }
    }

    /// Adds `key` (or marks it used); returns the key evicted to make room, if any.
    pub(crate) fn insert(&mut self, key: K) -> Option<K> {
        let evicted = if !self.used.contains_key(&key) && self.used.len() >= self.capacity {
            self.by_use.pop_first().map(|(_, oldest)| {
                self.used.remove(&oldest);
                oldest
            })
        } else {
            None
        };
        self.clock += 1;
        if let Some(old) = self.used.insert(key, self.clock) {
            self.by_use.remove(&old);
        }
        self.by_use.insert(self.clock, key);
        evicted
    }

    /// Marks `key` used, if present; returns whether it is.
    pub(crate) fn touch(&mut self, key: &K) -> bool {
        if self.used.contains_key(key) {
            self.insert(*key);
            true
        } else {
            false
        }
    }

    /// Removes `key`; returns whether it was present.
    pub(crate) fn remove(&mut self, key: &K) -> bool {
        match self.used.remove(key) {
            Some(used) => {
                self.by_use.remove(&used);
                true
            }
            None => false,
        }
    }

    /// Whether `key` is present.
    pub(crate) fn contains(&self, key: &K) -> bool {
        self.used.contains_key(key)
    }

    /// How many keys are held.
    pub(crate) fn len(&self) -> usize {
        self.used.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_least_recently_used_key_goes_first() {
        let mut lru = Lru::new(3);
        assert_eq!([1, 2, 3].map(|k| lru.insert(k)), [None, None, None]);
        assert!(lru.touch(&1), "1 is now the most recent");
        assert_eq!(lru.insert(4), Some(2));
        assert_eq!(lru.insert(4), None, "already there: nothing evicted");
        assert!(lru.remove(&3) && !lru.remove(&3));
        assert_eq!(lru.insert(5), None, "room after the removal");
        assert_eq!(lru.insert(6), Some(1));
        assert_eq!(lru.len(), 3);
        assert!(!lru.contains(&1) && lru.contains(&6) && !lru.touch(&2));
    }
}
