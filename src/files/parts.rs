//! Small files through mailboxes (SPEC.md §6.11, `protocol/files.md` §6): a file of at
//! most [`MAX_MAILBOX_FILE`] bytes travels to an offline friend with its message, as the
//! verified encoding of the whole file cut into [`PART_BYTES`] parts, each sealed to the
//! friend as one mailbox item. The receiver puts the parts together and checks the whole
//! against the root before it keeps anything. Pure: bytes in, bytes out.

use std::collections::{HashMap, VecDeque};

use super::Root;

/// Largest file sent through mailboxes.
pub const MAX_MAILBOX_FILE: u64 = 256 * 1024;
/// Bytes of one part (the last may be shorter).
pub const PART_BYTES: usize = 48 * 1024;
/// Files being put together at once (the oldest is dropped first).
pub const MAX_ASSEMBLING: usize = 16;

/// Bytes of the encoding of a whole file of `size` bytes: the file and one 64-byte hash
/// pair per 16 KiB group but the first.
pub fn encoded_len(size: u64) -> u64 {
    size + 64 * size.div_ceil(super::blob::GROUP_BYTES).saturating_sub(1)
}

/// Parts of a file of `size` bytes.
pub fn part_count(size: u64) -> u64 {
    encoded_len(size).div_ceil(PART_BYTES as u64).max(1)
}

/// The encoding of a whole file cut into parts.
pub fn split(encoded: &[u8]) -> Vec<&[u8]> {
    if encoded.is_empty() {
        return vec![encoded];
    }
    encoded.chunks(PART_BYTES).collect()
}

/// Why a part was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PartError {
    /// The file is over [`MAX_MAILBOX_FILE`].
    #[error("a file sent through a mailbox is at most {MAX_MAILBOX_FILE} bytes")]
    TooLarge,
    /// Its count, index or length does not fit the size.
    #[error("the part does not fit the file's size")]
    Misshapen,
}

#[derive(Debug)]
struct Assembly {
    size: u64,
    parts: Vec<Option<Vec<u8>>>,
}

/// Files being put together from their parts.
#[derive(Debug, Default)]
pub struct Assemblies {
    files: HashMap<Root, Assembly>,
    order: VecDeque<Root>,
}

impl Assemblies {
    /// Adds part `index` of `count` of `root` (`size` bytes); returns the whole encoding
    /// once every part is here. A part seen before is ignored.
    pub fn add(
        &mut self,
        root: Root,
        size: u64,
        index: u64,
        count: u64,
        data: Vec<u8>,
    ) -> Result<Option<Vec<u8>>, PartError> {
        if size > MAX_MAILBOX_FILE {
            return Err(PartError::TooLarge);
        }
        let expected_len = |i: u64| {
            let start = i * PART_BYTES as u64;
            encoded_len(size).saturating_sub(start).min(PART_BYTES as u64)
        };
        if count != part_count(size) || index >= count || data.len() as u64 != expected_len(index) {
            return Err(PartError::Misshapen);
        }
        if !self.files.contains_key(&root) {
            if self.order.len() >= MAX_ASSEMBLING {
                if let Some(oldest) = self.order.pop_front() {
                    self.files.remove(&oldest);
                }
            }
            self.order.push_back(root);
            self.files.insert(
                root,
                Assembly {
                    size,
                    parts: vec![None; count as usize],
                },
            );
        }
        let assembly = self.files.get_mut(&root).expect("inserted above");
        if assembly.size != size {
            return Err(PartError::Misshapen);
        }
        assembly.parts[index as usize].get_or_insert(data);
        if assembly.parts.iter().any(Option::is_none) {
            return Ok(None);
        }
        let assembly = self.files.remove(&root).expect("present");
        self.order.retain(|r| *r != root);
        Ok(Some(assembly.parts.into_iter().flatten().flatten().collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_in_any_order_make_the_whole_and_misfits_are_refused() {
        let size = 100_000;
        let encoded: Vec<u8> = (0..encoded_len(size)).map(|i| i as u8).collect();
        assert_eq!(encoded.len(), 100_000 + 6 * 64);
        let parts = split(&encoded);
        assert_eq!(parts.len() as u64, part_count(size));
        let mut assemblies = Assemblies::default();
        let root = Root([1; 32]);
        let count = parts.len() as u64;
        assert_eq!(count, 3);
        assert_eq!(assemblies.add(root, size, 2, count, parts[2].to_vec()), Ok(None));
        assert_eq!(assemblies.add(root, size, 1, count, parts[1].to_vec()), Ok(None));
        assert_eq!(
            assemblies.add(root, size, 1, count, parts[1].to_vec()),
            Ok(None),
            "again: ignored"
        );
        let whole = assemblies
            .add(root, size, 0, count, parts[0].to_vec())
            .unwrap()
            .unwrap();
        assert!(whole == encoded, "the parts in order");
        assert_eq!(
            assemblies.add(root, size, 0, count + 1, parts[0].to_vec()),
            Err(PartError::Misshapen)
        );
        assert_eq!(
            assemblies.add(root, size, 0, count, vec![0; 10]),
            Err(PartError::Misshapen)
        );
        assert_eq!(
            assemblies.add(root, MAX_MAILBOX_FILE + 1, 0, 1, vec![]),
            Err(PartError::TooLarge)
        );
        // Holding at most MAX_ASSEMBLING files: the oldest goes first.
        for i in 0..=MAX_ASSEMBLING as u8 {
            assemblies
                .add(Root([i + 10; 32]), size, 0, count, parts[0].to_vec())
                .unwrap();
        }
        assert_eq!(assemblies.files.len(), MAX_ASSEMBLING);
        assert!(!assemblies.files.contains_key(&Root([10; 32])));
    }
}
