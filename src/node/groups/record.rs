//! What a node keeps about one group: its log, the epochs' secrets and sender keys, and
//! for a meetup it created, the code's join keys and entries (persisted in the `groups`
//! tree).

use super::*;

/// Everything kept about one group (persisted in the `groups` tree).
#[derive(Clone, Serialize, Deserialize)]
pub(super) struct GroupRecord {
    pub(super) meetup: bool,
    pub(super) log: GroupLog,
    /// Epoch secrets of kept epochs, by commit hash.
    pub(super) secrets: BTreeMap<Fixed<32>, EpochSecret>,
    /// Our sender key per kept epoch.
    pub(super) own: BTreeMap<Fixed<32>, SenderKey>,
    /// Our sender key's distribution per kept epoch as first made (iteration 0): sent
    /// again to a member that commits a lone `rekey` (restored from a backup, it may have
    /// lost the one it acknowledged after the backup).
    #[serde(default)]
    pub(super) own_dists: BTreeMap<Fixed<32>, SenderKeyDistribution>,
    /// Everyone's sender keys per kept epoch.
    pub(super) rings: BTreeMap<Fixed<32>, SenderKeyRing>,
    /// Kept epochs, oldest first.
    pub(super) epochs: Vec<Fixed<32>>,
    /// We were removed or left: nothing is sent or accepted any more.
    pub(super) removed: bool,
    /// For a meetup this node created: its code's join key in the epoch it was created
    /// in (forgotten at expiry).
    #[serde(default)]
    pub(super) join_key: Option<[u8; 32]>,
    /// And in the next epoch, for a meetup created in the last day of its epoch (whose
    /// entry was published for both).
    #[serde(default)]
    pub(super) join_key_next: Option<[u8; 32]>,
    /// Where its code's entries live, per epoch: republished with our other records
    /// (when our addresses change) until it ends.
    #[serde(default)]
    pub(super) code_entries: Vec<(Epoch, RendezvousKeys)>,
    /// A meetup whose history this node deletes when it ends (`--forget`).
    #[serde(default)]
    pub(super) forget_history: bool,
}

impl GroupRecord {
    /// A group just entered (created or welcomed into): its log, nothing else yet.
    pub(super) fn new(meetup: bool, log: GroupLog) -> Self {
        Self {
            meetup,
            log,
            secrets: BTreeMap::new(),
            own: BTreeMap::new(),
            own_dists: BTreeMap::new(),
            rings: BTreeMap::new(),
            epochs: Vec::new(),
            removed: false,
            join_key: None,
            join_key_next: None,
            code_entries: Vec::new(),
            forget_history: false,
        }
    }

    pub(super) fn id(&self) -> GroupId {
        *self.log.state().group()
    }

    /// The sequence number past every message of `key_id` in `epoch` we sent or received
    /// (every envelope we store was encrypted or decrypted with that chain), if the key
    /// is ours or in our ring. After a crash the ring may lag the stored envelopes by up
    /// to [`RING_WRITE_MS`] of messages.
    pub(super) fn next_held(&self, epoch: &Fixed<32>, key_id: &Fixed<8>) -> Option<u64> {
        let own = self
            .own
            .get(epoch)
            .filter(|k| k.key_id() == key_id)
            .map(|k| k.iteration());
        own.or_else(|| self.rings.get(epoch)?.key(key_id).map(|k| k.next()))
    }

    pub(super) fn current_epoch(&self) -> Option<&Fixed<32>> {
        self.epochs.last()
    }

    pub(super) fn view(&self, me: &Fixed<32>) -> GroupView {
        let state = self.log.state();
        group_view(state, self.meetup, state.is_admin(me), !self.removed)
    }
}
