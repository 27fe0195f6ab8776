//! The peer-address cache: addresses of peers this node has been connected to, so a
//! restarted node can rejoin the network even if its bootstrap nodes are gone.

use serde::{Deserialize, Serialize};

use super::{decode, Store, StoreError};

/// Most peers remembered; the least recently seen are forgotten first.
pub const MAX_CACHED_PEERS: usize = 256;
/// Most addresses remembered per peer.
pub const MAX_ADDRS_PER_PEER: usize = 4;

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
    /// Records that `peer_id` was reached at `addr` at `now_ms`.
    pub fn remember_peer(&self, peer_id: &str, addr: &str, now_ms: u64) -> Result<(), StoreError> {
        let mut peer = match self.peers.get(peer_id)? {
            Some(v) => decode(&v, "cached peer")?,
            None => CachedPeer {
                peer_id: peer_id.to_owned(),
                addrs: Vec::new(),
                last_seen_ms: 0,
            },
        };
        peer.addrs.retain(|a| a != addr);
        peer.addrs.insert(0, addr.to_owned());
        peer.addrs.truncate(MAX_ADDRS_PER_PEER);
        peer.last_seen_ms = now_ms;
        self.peers.insert(peer_id, crate::wire::to_cbor(&peer))?;
        Ok(())
    }

    /// Remembered peers, most recently seen first; prunes the cache to
    /// [`MAX_CACHED_PEERS`].
    pub fn cached_peers(&self) -> Result<Vec<CachedPeer>, StoreError> {
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
        peers.truncate(MAX_CACHED_PEERS);
        Ok(peers)
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
        assert_eq!(store.cached_peers().unwrap().len(), MAX_CACHED_PEERS);
        assert_eq!(store.peers.len(), MAX_CACHED_PEERS);
    }
}
