//! Which fetches a holder serves (SPEC.md §6.11.4): upload slots, and referrals that make
//! the members of a group serve each other. A holder that has served whole copies of a
//! file to [`REFER_AFTER`] peers names them instead of sending again, unless the asker
//! insists (the holders named before failed it); with no free slot it names whoever it
//! knows has the file. So a file sent to a big group leaves its sender about twice, and
//! spreads from member to member. Pure: the node asks and reports.

use std::collections::{HashMap, VecDeque};

use libp2p::PeerId;

use super::wire::MAX_REFERRALS;
use super::Root;

/// Uploads at once, over all files and peers.
pub const MAX_UPLOADS: usize = 8;
/// Uploads at once to one peer.
pub const MAX_UPLOADS_PER_PEER: usize = 2;
/// Uploads of one file at once.
pub const MAX_UPLOADS_PER_FILE: usize = 2;
/// Whole copies served before askers are referred to the peers that have them.
pub const REFER_AFTER: usize = 2;
/// Files whose holders are remembered (the least recently served is forgotten first).
pub const MAX_FILES_REMEMBERED: usize = 1024;

/// One running upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UploadId(u64);

/// Whether to serve a fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// Serve it; report its end with [`Uploads::finished`].
    Serve(UploadId),
    /// Do not; name these holders instead (perhaps none).
    Busy(Vec<PeerId>),
}

/// The holder's uploads and what it knows of who has each file.
#[derive(Debug, Default)]
pub struct Uploads {
    running: HashMap<UploadId, (PeerId, Root)>,
    next: u64,
    holders: HashMap<Root, Vec<PeerId>>,
    order: VecDeque<Root>,
}

impl Uploads {
    /// Decides on `peer`'s fetch of `root`.
    pub fn admit(&mut self, peer: PeerId, root: Root, insist: bool) -> Admission {
        let others: Vec<PeerId> = self
            .holders
            .get(&root)
            .map(|h| {
                h.iter()
                    .filter(|p| **p != peer)
                    .rev()
                    .take(MAX_REFERRALS)
                    .copied()
                    .collect()
            })
            .unwrap_or_default();
        if !insist && others.len() >= REFER_AFTER {
            return Admission::Busy(others);
        }
        let of_peer = self.running.values().filter(|(p, _)| *p == peer).count();
        let of_file = self.running.values().filter(|(_, r)| *r == root).count();
        if self.running.len() >= MAX_UPLOADS || of_peer >= MAX_UPLOADS_PER_PEER || of_file >= MAX_UPLOADS_PER_FILE {
            return Admission::Busy(others);
        }
        let id = UploadId(self.next);
        self.next += 1;
        self.running.insert(id, (peer, root));
        Admission::Serve(id)
    }

    /// An upload ended; `whole` when the asker now has the whole file.
    pub fn finished(&mut self, id: UploadId, whole: bool) {
        let Some((peer, root)) = self.running.remove(&id) else {
            return;
        };
        if whole {
            self.holds(root, peer);
        }
    }

    /// Records that `peer` has the whole of `root`.
    pub fn holds(&mut self, root: Root, peer: PeerId) {
        if !self.holders.contains_key(&root) {
            if self.order.len() >= MAX_FILES_REMEMBERED {
                if let Some(old) = self.order.pop_front() {
                    self.holders.remove(&old);
                }
            }
            self.order.push_back(root);
        }
        let holders = self.holders.entry(root).or_default();
        holders.retain(|p| *p != peer);
        holders.push(peer);
        if holders.len() > MAX_REFERRALS * 2 {
            holders.remove(0);
        }
    }

    /// Uploads running now.
    pub fn running(&self) -> usize {
        self.running.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serve(uploads: &mut Uploads, peer: PeerId, root: Root, insist: bool) -> UploadId {
        match uploads.admit(peer, root, insist) {
            Admission::Serve(id) => id,
            busy => panic!("expected to serve, got {busy:?}"),
        }
    }

    #[test]
    fn after_two_whole_copies_askers_are_referred_unless_they_insist() {
        let mut uploads = Uploads::default();
        let root = Root([3; 32]);
        let (a, b, c) = (PeerId::random(), PeerId::random(), PeerId::random());
        let first = serve(&mut uploads, a, root, false);
        let second = serve(&mut uploads, b, root, false);
        assert_eq!(
            uploads.admit(c, root, false),
            Admission::Busy(vec![]),
            "two per file at once"
        );
        uploads.finished(first, true);
        uploads.finished(second, true);
        assert_eq!(uploads.admit(c, root, false), Admission::Busy(vec![b, a]));
        let insisted = serve(&mut uploads, c, root, true);
        uploads.finished(insisted, false);
        // A holder asking again is never referred to itself.
        assert_eq!(uploads.admit(a, root, false), Admission::Serve(UploadId(3)));
    }

    #[test]
    fn slots_are_capped_per_peer_and_in_all() {
        let mut uploads = Uploads::default();
        let greedy = PeerId::random();
        serve(&mut uploads, greedy, Root([1; 32]), false);
        serve(&mut uploads, greedy, Root([2; 32]), false);
        assert!(matches!(uploads.admit(greedy, Root([3; 32]), true), Admission::Busy(_)));
        for i in 0..(MAX_UPLOADS - 2) {
            serve(&mut uploads, PeerId::random(), Root([10 + i as u8; 32]), false);
        }
        assert!(matches!(
            uploads.admit(PeerId::random(), Root([99; 32]), true),
            Admission::Busy(_)
        ));
        assert_eq!(uploads.running(), MAX_UPLOADS);
    }
}
