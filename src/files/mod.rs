//! Photos and files (SPEC.md §6.11): a file travels as a message naming it (root, size,
//! key, name, type) and, separately, as encrypted content any holder serves over
//! `/chingu/file/1`, verified group by group as it streams.
//!
//! - [`blob`]: the encrypted, content-addressed file on disk; sealing, serving,
//!   receiving in verified pieces, resuming.
//! - [`wire`]: the protocol's request and answer.
//! - [`fetch`]: which holder each wanted file is fetched from, and when (sans-IO).
//! - [`media`]: a photo's metadata stripped and its preview drawn before sealing.
//! - [`parts`]: small files through mailboxes, in parts.
//! - [`serve`]: which fetches a holder serves, and whom it refers askers to (pure).
//! - [`throttle`]: the upload rate limit.

pub mod blob;
pub mod fetch;
pub mod media;
pub mod parts;
pub mod serve;
pub mod throttle;
#[cfg(test)]
mod vectors;
pub mod wire;

use std::fmt;
use std::str::FromStr;

/// The largest file: 2 GiB.
pub const MAX_FILE_BYTES: u64 = 2 << 30;

/// A file's name on the network: BLAKE3 of its ciphertext.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Root(pub [u8; 32]);

impl Root {
    /// Lower-case hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// As a BLAKE3 hash.
    pub fn hash(&self) -> blake3::Hash {
        blake3::Hash::from_bytes(self.0)
    }
}

impl fmt::Debug for Root {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Root({})", &self.to_hex()[..16])
    }
}

impl fmt::Display for Root {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl FromStr for Root {
    type Err = FileError;

    fn from_str(s: &str) -> Result<Self, FileError> {
        let bytes = hex::decode(s.trim()).map_err(|_| FileError::BadId)?;
        Ok(Root(bytes.try_into().map_err(|_| FileError::BadId)?))
    }
}

/// Why a file could not be sealed, kept or opened.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// Over [`MAX_FILE_BYTES`].
    #[error("the file is {size} bytes; the limit is {MAX_FILE_BYTES}")]
    TooLarge {
        /// Its size.
        size: u64,
    },
    /// The source changed size while it was read.
    #[error("the file changed while it was read")]
    Changed,
    /// Not a file id (64 hex digits).
    #[error("a file id is 64 hex digits")]
    BadId,
    /// Reading or writing failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}
