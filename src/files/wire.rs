//! The file protocol's messages (SPEC.md §6.11.2), `/chingu/file/1`: one stream per
//! fetch; the fetcher sends a [`FileRequest`] frame, the holder answers with a
//! [`FileAnswer`] frame and, when it is `sending`, the bao encoding of the ranges asked
//! for, then closes the stream.

use bao_tree::{ChunkNum, ChunkRanges};
use serde::{Deserialize, Serialize};

use super::{Root, MAX_FILE_BYTES};
use crate::wire::{Bytes, Fixed, List, Text};

/// The protocol name.
pub const PROTOCOL: &str = "/chingu/file/1";
/// Most ranges in one request (a fetch resumed after many cuts asks for the rest at once).
pub const MAX_RANGES: usize = 512;
/// Largest request frame.
pub const MAX_REQUEST: usize = 16 * 1024;
/// Largest answer frame.
pub const MAX_ANSWER: usize = 1024;
/// Most holders named in a `busy` answer.
pub const MAX_REFERRALS: usize = 8;
/// Longest refusal reason.
pub const MAX_REASON: usize = 32;

/// Asks a holder for ranges of a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRequest {
    /// The file's root.
    pub root: Fixed<32>,
    /// Its size in bytes (from the message that named it).
    pub size: u64,
    /// `[start, end)` in 1 KiB chunks: ascending, disjoint, non-empty, inside the file.
    pub ranges: List<(u64, u64), MAX_RANGES>,
    /// The holders this holder referred us to could not serve: send, do not refer.
    #[serde(default)]
    pub insist: bool,
}

/// A holder's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum FileAnswer {
    /// The encoding follows.
    Sending,
    /// No slot now; these peers (libp2p peer ids) hold the whole file.
    Busy {
        /// Other holders, perhaps none.
        holders: List<Bytes<64>, MAX_REFERRALS>,
    },
    /// Not served: `unknown_file` (not held, or not for the asker: the same answer, so
    /// an asker learns nothing of files it may not have) or `bad_request`.
    Refused {
        /// Why.
        reason: Text<MAX_REASON>,
    },
}

/// Why a request was not served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// The size is over the limit.
    #[error("a file of {0} bytes is over the limit")]
    TooLarge(u64),
    /// The ranges are empty, unordered, overlapping or outside the file.
    #[error("the ranges are not ascending, disjoint ranges inside the file")]
    BadRanges,
}

/// Chunks of 1 KiB in a file of `size` bytes.
pub fn chunks(size: u64) -> u64 {
    size.div_ceil(1024)
}

impl FileRequest {
    /// A request for `ranges` of `root`.
    pub fn new(root: Root, size: u64, ranges: &ChunkRanges, insist: bool) -> Self {
        let end = chunks(size);
        // Boundaries alternate start, end; an odd count leaves the last range open.
        let pairs: Vec<(u64, u64)> = ranges
            .boundaries()
            .chunks(2)
            .map(|pair| (pair[0].0, pair.get(1).map_or(end, |stop| stop.0.min(end))))
            .filter(|(start, stop)| start < stop)
            .collect();
        Self {
            root: Fixed(root.0),
            size,
            ranges: List::truncating(pairs),
            insist,
        }
    }

    /// The chunk ranges asked for, checked.
    pub fn chunk_ranges(&self) -> Result<ChunkRanges, RequestError> {
        if self.size > MAX_FILE_BYTES {
            return Err(RequestError::TooLarge(self.size));
        }
        let end = chunks(self.size);
        let mut previous_end = None;
        let mut ranges = ChunkRanges::empty();
        for &(start, stop) in self.ranges.iter() {
            if start >= stop || stop > end || previous_end.is_some_and(|p| start <= p) {
                return Err(RequestError::BadRanges);
            }
            previous_end = Some(stop);
            ranges |= ChunkRanges::from(ChunkNum(start)..ChunkNum(stop));
        }
        if ranges.is_empty() {
            return Err(RequestError::BadRanges);
        }
        Ok(ranges)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{from_cbor, to_cbor};

    #[test]
    fn a_request_round_trips_and_its_ranges_are_checked() {
        let ranges = ChunkRanges::from(ChunkNum(0)..ChunkNum(16)) | ChunkRanges::from(ChunkNum(32)..);
        let request = FileRequest::new(Root([7; 32]), 100 * 1024, &ranges, false);
        assert_eq!(
            request.ranges.iter().copied().collect::<Vec<_>>(),
            vec![(0, 16), (32, 100)]
        );
        let back: FileRequest = from_cbor(&to_cbor(&request), MAX_REQUEST).unwrap();
        assert_eq!(
            back.chunk_ranges().unwrap(),
            ranges & ChunkRanges::from(..ChunkNum(100))
        );
        for bad in [
            vec![(5, 5)],
            vec![(0, 101)],
            vec![(10, 20), (15, 30)],
            vec![(20, 30), (0, 10)],
            vec![],
        ] {
            let request = FileRequest {
                ranges: List::truncating(bad),
                ..back.clone()
            };
            assert_eq!(request.chunk_ranges(), Err(RequestError::BadRanges));
        }
        let huge = FileRequest {
            size: MAX_FILE_BYTES + 1,
            ..back
        };
        assert!(matches!(huge.chunk_ranges(), Err(RequestError::TooLarge(_))));
    }
}
