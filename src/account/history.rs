//! The history a new device receives while it links (`protocol/devices.md` §5): database
//! entries in batches inside the link channel, then their count and digest. Pure: cutting
//! entries into batches, and the receiving side's bounds and checks.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::AccountError;
use crate::group::Transcript;
use crate::wire::{Bytes, Fixed, List};

/// Largest entry value carried (a bigger one is left out and counted as skipped).
pub const MAX_HISTORY_VALUE: usize = 48_000;
/// Bytes of keys and values a batch holds at most (one entry alone may reach
/// [`MAX_HISTORY_VALUE`]).
pub const HISTORY_BATCH_BYTES: usize = 48_000;
/// Most entries in one batch.
pub const MAX_HISTORY_BATCH: usize = 4_096;
/// Most bytes of history a new device accepts in all.
pub const MAX_HISTORY_BYTES: u64 = 256 * 1024 * 1024;
/// The window of history a new device gets unless told otherwise (days).
pub const DEFAULT_HISTORY_DAYS: u32 = 90;
/// The longest window (days).
pub const MAX_HISTORY_DAYS: u32 = 3_650;

const DIGEST_LABEL: &[u8] = b"chingu/link/v1/history";

/// One database entry: the tree (SPEC.md §8.4's numbers: 2 contacts, 3 history), its key
/// and its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// The tree.
    pub tree: u8,
    /// The key.
    pub key: Bytes<64>,
    /// The value.
    pub value: Bytes<MAX_HISTORY_VALUE>,
}

impl HistoryEntry {
    /// An entry of `tree`, if its key and value are within their limits.
    pub fn new(tree: u8, key: Vec<u8>, value: Vec<u8>) -> Option<Self> {
        Some(Self {
            tree,
            key: Bytes::new(key).ok()?,
            value: Bytes::new(value).ok()?,
        })
    }
}

/// The running digest of the entries in order: SHA-256 over `"chingu/link/v1/history" ||
/// (tree(1) || var(key) || var(value))…`.
#[derive(Clone)]
pub struct HistoryDigest(Sha256);

impl Default for HistoryDigest {
    fn default() -> Self {
        Self(Sha256::new_with_prefix(DIGEST_LABEL))
    }
}

impl HistoryDigest {
    /// Adds one entry.
    pub fn add(&mut self, entry: &HistoryEntry) {
        let bytes = Transcript::new(&[entry.tree])
            .var(entry.key.as_ref())
            .var(entry.value.as_ref())
            .into_bytes();
        self.0.update(bytes);
    }

    /// The digest so far.
    pub fn value(&self) -> [u8; 32] {
        self.0.clone().finalize().into()
    }
}

/// `entries` cut into batches; returns them, the digest of what they carry, and how many
/// entries were left out (a key over 64 bytes or a value over [`MAX_HISTORY_VALUE`]).
pub fn batches(
    entries: impl IntoIterator<Item = (u8, Vec<u8>, Vec<u8>)>,
) -> (Vec<Vec<HistoryEntry>>, HistoryDigest, usize) {
    let (mut batches, mut digest, mut skipped) = (Vec::new(), HistoryDigest::default(), 0);
    let (mut batch, mut bytes) = (Vec::new(), 0);
    for (tree, key, value) in entries {
        let size = key.len() + value.len();
        let Some(entry) = HistoryEntry::new(tree, key, value) else {
            skipped += 1;
            continue;
        };
        if !batch.is_empty() && (bytes + size > HISTORY_BATCH_BYTES || batch.len() == MAX_HISTORY_BATCH) {
            batches.push(std::mem::take(&mut batch));
            bytes = 0;
        }
        digest.add(&entry);
        batch.push(entry);
        bytes += size;
    }
    if !batch.is_empty() {
        batches.push(batch);
    }
    (batches, digest, skipped)
}

/// The new device's side: entries as they arrive, within [`MAX_HISTORY_BYTES`].
#[derive(Default)]
pub struct HistoryReceiver {
    /// What earlier runs of the link brought before they were cut.
    kept: Vec<HistoryEntry>,
    /// This run's entries, and their digest.
    entries: Vec<HistoryEntry>,
    digest: HistoryDigest,
    /// Keys and values over all runs.
    bytes: u64,
}

impl HistoryReceiver {
    /// Takes one batch.
    pub fn add(&mut self, batch: List<HistoryEntry, MAX_HISTORY_BATCH>) -> Result<(), AccountError> {
        for entry in batch.into_vec() {
            if !matches!(entry.tree, 2 | 3) {
                return Err(AccountError::Malformed(
                    "a history entry of a tree a device does not copy",
                ));
            }
            self.bytes += (entry.key.len() + entry.value.len()) as u64;
            if self.bytes > MAX_HISTORY_BYTES {
                return Err(AccountError::Malformed("more history than a new device takes"));
            }
            self.digest.add(&entry);
            self.entries.push(entry);
        }
        Ok(())
    }

    /// The run was cut: keeps this run's entries up to its last message (what follows it —
    /// a conversation's row, the index entry of a message that did not come — is sent
    /// again) and starts the next run's count. Returns the key of the last message held
    /// (empty: none), which the next run's `resume` names.
    pub fn cut(&mut self) -> Vec<u8> {
        let is_message = |e: &HistoryEntry| e.tree == 3 && e.key.first() == Some(&b'm');
        let mut run = std::mem::take(&mut self.entries);
        run.truncate(run.iter().rposition(is_message).map_or(0, |i| i + 1));
        self.kept.extend(run);
        self.digest = HistoryDigest::default();
        self.kept
            .iter()
            .rev()
            .find(|e| is_message(e))
            .map(|e| e.key.as_ref().to_vec())
            .unwrap_or_default()
    }

    /// Checks this run's end — its count and digest — and returns every run's entries,
    /// in the order they came.
    pub fn finish(mut self, entries: u64, digest: &Fixed<32>) -> Result<Vec<HistoryEntry>, AccountError> {
        if entries != self.entries.len() as u64 || digest.as_bytes() != &self.digest.value() {
            return Err(AccountError::Malformed("the history does not match its digest"));
        }
        self.kept.extend(self.entries);
        Ok(self.kept)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(n: usize, size: usize) -> Vec<(u8, Vec<u8>, Vec<u8>)> {
        (0..n)
            .map(|i| (3, (i as u64).to_be_bytes().to_vec(), vec![7; size]))
            .collect()
    }

    #[test]
    fn batches_arrive_whole_and_a_changed_or_dropped_entry_fails_the_digest() {
        let (sent, digest, skipped) = batches(entries(100, 1_000));
        assert_eq!(skipped, 0);
        assert!(
            sent.len() >= 2
                && sent
                    .iter()
                    .all(|b| b.iter().map(|e| e.value.len()).sum::<usize>() <= HISTORY_BATCH_BYTES)
        );
        let receive = |batches: &[Vec<HistoryEntry>]| {
            let mut receiver = HistoryReceiver::default();
            for batch in batches {
                receiver.add(List::new(batch.clone()).unwrap()).unwrap();
            }
            receiver.finish(100, &Fixed(digest.value()))
        };
        assert_eq!(receive(&sent).unwrap().len(), 100);
        let mut changed = sent.clone();
        changed[1][0].value = Bytes::new(vec![8; 1_000]).unwrap();
        assert!(receive(&changed).is_err());
        let mut dropped = sent.clone();
        dropped[0].pop();
        assert!(receive(&dropped).is_err());
    }

    #[test]
    fn oversized_entries_are_left_out_and_foreign_trees_refused() {
        let mut input = entries(2, 10);
        input.push((3, vec![1], vec![0; MAX_HISTORY_VALUE + 1]));
        let (sent, _, skipped) = batches(input);
        assert_eq!((sent.concat().len(), skipped), (2, 1));
        let mut receiver = HistoryReceiver::default();
        let meta = HistoryEntry {
            tree: 1,
            key: Bytes::new(b"v/x".to_vec()).unwrap(),
            value: Bytes::new(Vec::new()).unwrap(),
        };
        assert!(receiver.add(List::new(vec![meta]).unwrap()).is_err());
    }

    #[test]
    fn a_cut_run_keeps_what_came_up_to_its_last_message_and_the_next_run_is_checked_alone() {
        let entry = |tree: u8, key: &[u8]| HistoryEntry::new(tree, key.to_vec(), vec![1]).unwrap();
        let first_run = vec![
            entry(2, b"+821012345678"),
            entry(3, b"c-row"),
            entry(3, b"i-one"),
            entry(3, b"m-one"),
            entry(3, b"i-two"),
        ];
        let mut receiver = HistoryReceiver::default();
        receiver.add(List::new(first_run.clone()).unwrap()).unwrap();
        // The index entry of a message that did not come is sent again with it.
        assert_eq!(receiver.cut(), b"m-one");
        let second_run = vec![entry(2, b"+821012345678"), entry(3, b"i-two"), entry(3, b"m-two")];
        let mut digest = HistoryDigest::default();
        second_run.iter().for_each(|e| digest.add(e));
        receiver.add(List::new(second_run.clone()).unwrap()).unwrap();
        let all = receiver.finish(3, &Fixed(digest.value())).unwrap();
        assert_eq!(all, [&first_run[..4], &second_run[..]].concat());
        // A run cut before any message keeps nothing of it.
        let mut early = HistoryReceiver::default();
        early.add(List::new(first_run[..3].to_vec()).unwrap()).unwrap();
        assert_eq!(early.cut(), Vec::<u8>::new());
        assert_eq!(early.finish(0, &Fixed(HistoryDigest::default().value())).unwrap(), []);
    }
}
