//! The peer-address cache: addresses of peers this node has been connected to, so a
//! restarted node can rejoin the network even if its bootstrap nodes are gone.

use serde::{Deserialize, Serialize};

use super::{decode, Store, StoreError};

/// Most peers remembered; the least recently seen are forgotten first.
pub const MAX_CACHED_PEERS: usize = 256;
/// Most addresses remembered per peer.
pub const MAX_ADDRS_PER_PEER: usize = 4;
/// A peer reached again at its newest address within this long is not rewritten: in a
/// busy network connections come and go every few seconds, and the cache only needs to
/// know who was around recently.
pub const PEER_REFRESH_MS: u64 = 10 * 60 * 1000;

/// A remembered peer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedPeer {
    /// Its peer id (base58).
    pub peer_id: String,
    /// Multiaddrs it was reached at, newest first.
    pub addrs: Vec<String>,
    /// When it was last connected (ms).
    pub last_seen_ms: u64,
}

impl Store {
    /// Records that `peer_id` was reached at `addr` at `now_ms`. Returns whether anything
    /// was written (nothing is when the peer was seen at that same newest address less
    /// than [`PEER_REFRESH_MS`] ago).
    pub fn remember_peer(&self, peer_id: &str, addr: &str, now_ms: u64) -> Result<bool, StoreError> {
        let mut peer = match self.peers.get(peer_id)? {
            Some(v) => decode(&v, "cached peer")?,
            None => CachedPeer {
                peer_id: peer_id.to_owned(),
                addrs: Vec::new(),
                last_seen_ms: 0,
            },
        };
        let fresh = now_ms.saturating_sub(peer.last_seen_ms) < PEER_REFRESH_MS;
        if fresh && peer.addrs.first().is_some_and(|newest| newest == addr) {
            return Ok(false);
        }
        peer.addrs.retain(|a| a != addr);
        peer.addrs.insert(0, addr.to_owned());
        peer.addrs.truncate(MAX_ADDRS_PER_PEER);
        peer.last_seen_ms = now_ms;
        self.peers.insert(peer_id, crate::wire::to_cbor(&peer))?;
        Ok(true)
    }

    /// Remembered peers, most recently seen first; prunes the cache to
    /// [`MAX_CACHED_PEERS`].
    pub fn cached_peers(&self) -> Result<Vec<CachedPeer>, StoreError> {
        self.kept_peers().map(|(peers, _)| peers)
    }

    /// Forgets the least recently seen peers beyond [`MAX_CACHED_PEERS`] (every new peer
    /// a running node meets is remembered, so the cache grows until pruned). Returns how
    /// many were forgotten.
    pub fn prune_peers(&self) -> Result<usize, StoreError> {
        self.kept_peers().map(|(_, forgotten)| forgotten)
    }

    /// The peers kept, most recently seen first, after forgetting the rest; and how many
    /// were forgotten.
    fn kept_peers(&self) -> Result<(Vec<CachedPeer>, usize), StoreError> {
        let mut peers = self
            .peers
            .iter()
            .values()
            .map(|v| decode::<CachedPeer>(&v?, "cached peer"))
            .collect::<Result<Vec<_>, _>>()?;
        peers.sort_by_key(|p| std::cmp::Reverse(p.last_seen_ms));
        for stale in peers.iter().skip(MAX_CACHED_PEERS) {
            self.peers.remove(&stale.peer_id)?;
        }
        let forgotten = peers.len().saturating_sub(MAX_CACHED_PEERS);
        peers.truncate(MAX_CACHED_PEERS);
        Ok((peers, forgotten))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreOptions;

    #[test]
    fn remembers_newest_addresses_first_and_prunes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
        store.remember_peer("p1", "/ip4/127.0.0.1/tcp/1", 1).unwrap();
        store.remember_peer("p1", "/ip4/127.0.0.1/tcp/2", 2).unwrap();
        store.remember_peer("p1", "/ip4/127.0.0.1/tcp/1", 3).unwrap();
        let peers = store.cached_peers().unwrap();
        assert_eq!(peers[0].addrs, ["/ip4/127.0.0.1/tcp/1", "/ip4/127.0.0.1/tcp/2"]);
        for i in 0..(MAX_CACHED_PEERS as u64 + 10) {
            store
                .remember_peer(&format!("q{i}"), "/ip4/127.0.0.1/tcp/9", 10 + i)
                .unwrap();
        }
        assert_eq!(store.peers.len(), MAX_CACHED_PEERS + 11);
        assert_eq!(store.prune_peers().unwrap(), 11);
        assert_eq!(store.peers.len(), MAX_CACHED_PEERS);
        assert_eq!(store.prune_peers().unwrap(), 0);
        assert_eq!(store.cached_peers().unwrap().len(), MAX_CACHED_PEERS);
    }

    #[test]
    fn a_peer_seen_again_at_its_newest_address_is_rewritten_only_after_the_refresh_interval() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
        let addr = "/ip4/127.0.0.1/tcp/1";
        assert!(store.remember_peer("p1", addr, 1_000).unwrap());
        assert!(!store.remember_peer("p1", addr, 2_000).unwrap());
        assert!(store.remember_peer("p1", "/ip4/127.0.0.1/tcp/2", 3_000).unwrap());
        assert!(store.remember_peer("p1", addr, 4_000).unwrap());
        assert!(store.remember_peer("p1", addr, 4_000 + PEER_REFRESH_MS).unwrap());
        assert_eq!(store.cached_peers().unwrap()[0].last_seen_ms, 4_000 + PEER_REFRESH_MS);
    }
}
