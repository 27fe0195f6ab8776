//! A file as nodes hold it (SPEC.md §6.11.1): the plaintext encrypted with the file's own
//! ChaCha20 key, the ciphertext named by its BLAKE3 root, and a pre-order bao outboard
//! (the tree's inner hashes, one pair per 16 KiB group) beside it, so any holder serves
//! any range with the hashes that prove it and the receiver checks every group as it
//! arrives. Holders never see plaintext; the key travels only inside the E2E message.
//!
//! On disk, in the node's `files/` directory: `<root>.data` and `<root>.obao` for a whole
//! file; `<root>.data.part` and `<root>.obao.part` while it arrives (a part file is
//! written in place, so what arrived survives a crash and is found again by hashing it
//! against the outboard: a resumed fetch asks only for what is still missing).

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use bao_tree::io::outboard::PreOrderOutboard;
use bao_tree::io::sync::{self as bao, DecodeResponseIter, Outboard};
use bao_tree::io::{BaoContentItem, DecodeError, EncodeError};
use bao_tree::{BaoTree, BlockSize, ChunkNum, ChunkRanges, ChunkRangesRef};
use chacha20::cipher::{KeyIvInit, StreamCipher};
use chacha20::ChaCha20;

use super::{FileError, Root, MAX_FILE_BYTES};

/// The tree's chunk groups: 2^4 BLAKE3 chunks of 1 KiB, so 16 KiB, the unit a receiver
/// checks and a resumed fetch may ask for again.
pub const BLOCK: BlockSize = BlockSize::from_chunk_log(4);
/// Bytes of a chunk group.
pub const GROUP_BYTES: u64 = 16 * 1024;
/// Buffer of the streaming passes (encrypting, hashing, decrypting).
const BUFFER: usize = 256 * 1024;

/// What sealing a file produced: what the message carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sealed {
    /// BLAKE3 of the ciphertext.
    pub root: Root,
    /// Bytes (plaintext and ciphertext alike).
    pub size: u64,
    /// The file's ChaCha20 key.
    pub key: [u8; 32],
}

/// The file's keystream: ChaCha20 (RFC 8439) under its own key with an all-zero nonce
/// (every key encrypts exactly one file).
fn cipher(key: &[u8; 32]) -> ChaCha20 {
    ChaCha20::new(key.into(), &[0u8; 12].into())
}

/// The tree of a file of `size` bytes.
pub fn tree(size: u64) -> BaoTree {
    BaoTree::new(size, BLOCK)
}

/// The outboard of `data` (already on disk), written to `outboard`; returns the root.
fn write_outboard(data: &Path, size: u64, outboard: &Path) -> io::Result<Root> {
    let file = File::create(outboard)?;
    file.set_len(tree(size).outboard_size())?;
    let out = PreOrderOutboard {
        root: blake3::hash(&[]),
        tree: tree(size),
        data: file,
    };
    let root = bao::outboard(BufReader::with_capacity(BUFFER, File::open(data)?), tree(size), out)?;
    Ok(Root(*root.as_bytes()))
}

/// The files of a node: whole ones it can serve and parts still arriving.
#[derive(Debug, Clone)]
pub struct BlobDir {
    dir: PathBuf,
}

impl BlobDir {
    /// The directory `dir`, created if missing.
    pub fn open(dir: impl Into<PathBuf>) -> io::Result<Self> {
        let dir = dir.into();
        fs::create_dir_all(&dir)?;
        Ok(Self { dir })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, root: &Root, suffix: &str) -> PathBuf {
        self.dir.join(format!("{}.{suffix}", root.to_hex()))
    }

    /// Encrypts the `size` bytes `input` yields under a fresh key and keeps them;
    /// returns what a message names. Streams: memory stays bounded whatever the size.
    pub fn seal(&self, input: impl Read, size: u64) -> Result<Sealed, FileError> {
        let mut key = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut key);
        self.seal_with_key(input, size, key)
    }

    /// [`BlobDir::seal`] with a given key (vectors).
    pub fn seal_with_key(&self, input: impl Read, size: u64, key: [u8; 32]) -> Result<Sealed, FileError> {
        if size > MAX_FILE_BYTES {
            return Err(FileError::TooLarge { size });
        }
        // One byte more than announced is enough to tell that the source grew.
        let mut input = input.take(size + 1);
        let staging = tempfile::Builder::new().prefix(".sealing").tempdir_in(&self.dir)?;
        let data = staging.path().join("data");
        let mut output = BufWriter::with_capacity(BUFFER, File::create(&data)?);
        let mut cipher = cipher(&key);
        let mut buf = vec![0u8; BUFFER];
        let mut written = 0u64;
        loop {
            let n = input.read(&mut buf)?;
            if n == 0 {
                break;
            }
            cipher.apply_keystream(&mut buf[..n]);
            output.write_all(&buf[..n])?;
            written += n as u64;
        }
        output.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        if written != size {
            return Err(FileError::Changed);
        }
        let outboard = staging.path().join("obao");
        let root = write_outboard(&data, size, &outboard)?;
        fs::rename(&data, self.path(&root, "data"))?;
        fs::rename(&outboard, self.path(&root, "obao"))?;
        Ok(Sealed { root, size, key })
    }

    /// Whether the whole file `root` is here.
    pub fn has(&self, root: &Root) -> bool {
        self.path(root, "obao").exists() && self.path(root, "data").exists()
    }

    /// Writes the verified encoding of `ranges` of the whole file `root` to `out`: what a
    /// holder sends. Every group is checked against the outboard before it goes out.
    pub fn encode(&self, root: &Root, size: u64, ranges: &ChunkRangesRef, out: impl Write) -> Result<(), EncodeError> {
        let data = File::open(self.path(root, "data"))?;
        let outboard = PreOrderOutboard {
            root: root.hash(),
            tree: tree(size),
            data: File::open(self.path(root, "obao"))?,
        };
        bao::encode_ranges_validated(data, outboard, ranges, out)
    }

    /// The verified encoding of the whole file `root` (for a small file sent in parts).
    pub fn encode_whole(&self, root: &Root, size: u64) -> Result<Vec<u8>, EncodeError> {
        let mut encoded = Vec::new();
        self.encode(root, size, &ChunkRanges::all(), &mut encoded)?;
        Ok(encoded)
    }

    /// Keeps the whole file `root` from its verified encoding, checking every hash.
    pub fn receive_whole(&self, root: &Root, size: u64, encoded: &[u8]) -> Result<(), ReceiveError> {
        let mut part = self.partial(root, size).map_err(|e| match e {
            FileError::Io(e) => ReceiveError::Disk(e),
            other => ReceiveError::Disk(io::Error::other(other)),
        })?;
        let all = ChunkRanges::from(ChunkNum(0)..tree(size).chunks());
        part.receive(encoded, &all)?;
        part.complete().map_err(ReceiveError::Disk)
    }

    /// The part of `root` received so far (created empty the first time).
    pub fn partial(&self, root: &Root, size: u64) -> Result<Partial, FileError> {
        if size > MAX_FILE_BYTES {
            return Err(FileError::TooLarge { size });
        }
        let open = |path: &Path, len: u64| -> io::Result<File> {
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(path)?;
            if file.metadata()?.len() != len {
                file.set_len(len)?;
            }
            Ok(file)
        };
        let data_path = self.path(root, "data.part");
        let outboard_path = self.path(root, "obao.part");
        Ok(Partial {
            data: open(&data_path, size)?,
            outboard: PreOrderOutboard {
                root: root.hash(),
                tree: tree(size),
                data: open(&outboard_path, tree(size).outboard_size())?,
            },
            paths: [
                data_path,
                outboard_path,
                self.path(root, "data"),
                self.path(root, "obao"),
            ],
        })
    }

    /// Decrypts the whole file `root` into `out`.
    pub fn open_into(&self, root: &Root, key: &[u8; 32], out: &mut impl Write) -> Result<u64, FileError> {
        let mut input = File::open(self.path(root, "data"))?;
        let mut cipher = cipher(key);
        let mut buf = vec![0u8; BUFFER];
        let mut total = 0u64;
        loop {
            let n = input.read(&mut buf)?;
            if n == 0 {
                break;
            }
            cipher.apply_keystream(&mut buf[..n]);
            out.write_all(&buf[..n])?;
            total += n as u64;
        }
        Ok(total)
    }

    /// Deletes everything kept of `root` (a whole file or a part).
    pub fn remove(&self, root: &Root) {
        for suffix in ["data", "obao", "data.part", "obao.part"] {
            let _ = fs::remove_file(self.path(root, suffix));
        }
    }
}

/// A file arriving: its part files and what has been verified of them.
#[derive(Debug)]
pub struct Partial {
    data: File,
    outboard: PreOrderOutboard<File>,
    /// Part data, part outboard, whole data, whole outboard.
    paths: [PathBuf; 4],
}

/// How a fetch from one holder ended, for the receiver.
#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    /// A group or hash did not match: the holder sent bad data (penalise it).
    #[error("the data failed verification")]
    Corrupt,
    /// The stream ended or failed before the ranges were complete, after `received`
    /// verified bytes (kept: resume later).
    #[error("the stream broke: {error}")]
    Broken {
        /// Why.
        error: io::Error,
        /// Bytes verified and kept before it broke.
        received: u64,
    },
    /// Our disk failed.
    #[error("cannot write the file: {0}")]
    Disk(io::Error),
}

impl Partial {
    /// The chunk ranges still missing: everything not verified against the outboard
    /// (hashes the part files; a part group cut short by a crash counts as missing).
    pub fn missing(&self) -> io::Result<ChunkRanges> {
        let all = ChunkRanges::from(ChunkNum(0)..self.outboard.tree.chunks());
        let mut valid = ChunkRanges::empty();
        for range in bao::valid_ranges(&self.outboard, &self.data, &all) {
            valid |= ChunkRanges::from(range?);
        }
        Ok(all - valid)
    }

    /// Reads the encoding of `ranges` from `encoded`, checking every hash and group and
    /// writing each verified group in place. Returns the bytes of data received.
    pub fn receive(&mut self, encoded: impl Read, ranges: &ChunkRangesRef) -> Result<u64, ReceiveError> {
        let mut received = 0u64;
        let tree = self.outboard.tree();
        let items = DecodeResponseIter::new(self.outboard.root(), tree, encoded, ranges);
        for item in items {
            match item {
                Ok(BaoContentItem::Parent(parent)) => {
                    bao_tree::io::sync::OutboardMut::save(&mut self.outboard, parent.node, &parent.pair)
                        .map_err(ReceiveError::Disk)?;
                }
                Ok(BaoContentItem::Leaf(leaf)) => {
                    positioned_write(&self.data, leaf.offset, &leaf.data).map_err(ReceiveError::Disk)?;
                    received += leaf.data.len() as u64;
                }
                Err(DecodeError::LeafHashMismatch(_) | DecodeError::ParentHashMismatch(_)) => {
                    return Err(ReceiveError::Corrupt)
                }
                Err(DecodeError::Io(error)) => return Err(ReceiveError::Broken { error, received }),
                Err(other) => {
                    return Err(ReceiveError::Broken {
                        error: io::Error::other(other),
                        received,
                    })
                }
            }
        }
        Ok(received)
    }

    /// Once nothing is missing: the part files become the whole file.
    pub fn complete(self) -> io::Result<()> {
        self.data.sync_all()?;
        self.outboard.data.sync_all()?;
        let [data, outboard, whole_data, whole_outboard] = &self.paths;
        fs::rename(outboard, whole_outboard)?;
        fs::rename(data, whole_data)
    }
}

fn positioned_write(file: &File, offset: u64, data: &[u8]) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, data, offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 % 251) as u8).collect()
    }

    /// A sender's and a receiver's files directories (in one temporary directory).
    fn two_ends() -> (tempfile::TempDir, BlobDir, BlobDir) {
        let dir = tempfile::tempdir().unwrap();
        let from = BlobDir::open(dir.path().join("from")).unwrap();
        let to = BlobDir::open(dir.path().join("to")).unwrap();
        (dir, from, to)
    }

    fn sealed(dir: &BlobDir, plain: &[u8]) -> Sealed {
        dir.seal(plain, plain.len() as u64).unwrap()
    }

    #[test]
    fn a_sealed_file_travels_in_verified_pieces_and_opens_to_its_plaintext() {
        let (_dir, from, to) = two_ends();
        let plain = sample(100_000);
        let file = sealed(&from, &plain);
        assert_eq!(file.size, 100_000);
        let mut part = to.partial(&file.root, file.size).unwrap();
        // First the first half, then whatever is missing.
        let half = ChunkRanges::from(ChunkNum(0)..ChunkNum(48));
        let mut wire = Vec::new();
        from.encode(&file.root, file.size, &half, &mut wire).unwrap();
        assert_eq!(part.receive(&wire[..], &half).unwrap(), 48 * 1024);
        let missing = part.missing().unwrap();
        assert_eq!(missing, ChunkRanges::from(ChunkNum(48)..ChunkNum(98)));
        let mut wire = Vec::new();
        from.encode(&file.root, file.size, &missing, &mut wire).unwrap();
        part.receive(&wire[..], &missing).unwrap();
        assert!(part.missing().unwrap().is_empty());
        part.complete().unwrap();
        assert!(to.has(&file.root));
        let mut out = Vec::new();
        to.open_into(&file.root, &file.key, &mut out).unwrap();
        assert_eq!(out, plain);
    }

    #[test]
    fn a_flipped_byte_is_refused_as_corrupt_and_nothing_of_it_is_kept() {
        let (_dir, from, to) = two_ends();
        let file = sealed(&from, &sample(40_000));
        let all = ChunkRanges::all();
        let mut wire = Vec::new();
        from.encode(&file.root, file.size, &all, &mut wire).unwrap();
        let last = wire.len() - 10;
        wire[last] ^= 1;
        let mut part = to.partial(&file.root, file.size).unwrap();
        assert!(matches!(part.receive(&wire[..], &all), Err(ReceiveError::Corrupt)));
        // The groups before the bad one were verified and stay; the bad one is missing.
        let missing = part.missing().unwrap();
        assert!(!missing.is_empty());
        assert!(!missing.contains(&ChunkNum(0)));
    }

    #[test]
    fn a_cut_stream_resumes_from_what_was_written() {
        let (_dir, from, to) = two_ends();
        let file = sealed(&from, &sample(200_000));
        let all = ChunkRanges::all();
        let mut wire = Vec::new();
        from.encode(&file.root, file.size, &all, &mut wire).unwrap();
        {
            let mut part = to.partial(&file.root, file.size).unwrap();
            assert!(matches!(
                part.receive(&wire[..wire.len() / 2], &all),
                Err(ReceiveError::Broken { .. })
            ));
        }
        // Opened again (a restart): only what did not arrive is asked for.
        let part = to.partial(&file.root, file.size).unwrap();
        let missing = part.missing().unwrap();
        let missing_chunks = (0..196).filter(|&i| missing.contains(&ChunkNum(i))).count();
        assert!(missing_chunks > 0 && missing_chunks < 196 / 2 + 16, "{missing:?}");
    }

    #[test]
    fn files_over_the_limit_are_refused_before_anything_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobDir::open(dir.path()).unwrap();
        assert!(matches!(
            blobs.partial(&Root([1; 32]), MAX_FILE_BYTES + 1),
            Err(FileError::TooLarge { .. })
        ));
    }
}
