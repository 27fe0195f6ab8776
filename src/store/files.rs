//! What the store keeps of files (SPEC.md §6.11): one entry per file root, written in the
//! same batch as the message that named it, saying who may fetch it from us (the
//! conversations it went through), whom to fetch it from, and whether it is here. The
//! content itself lives in the node's `files/` directory ([`crate::files::blob`]).

use serde::{Deserialize, Serialize};

use super::history::Batch;
use super::{keys, Store, StoreError};
use crate::model::{ConvId, FileRef, MsgId};

/// Conversations remembered per file (a file forwarded further is served to the newest).
pub const MAX_FILE_CONVS: usize = 16;
/// Holders remembered per file.
pub const MAX_FILE_HOLDERS: usize = 16;
/// Largest stored entry.
const MAX_ENTRY: usize = 8 * 1024;

/// One file this node sent, received or is receiving.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// What names it.
    pub file: FileRef,
    /// The conversations that named it: their people may fetch it from us.
    pub convs: Vec<ConvId>,
    /// Peers known to hold it (libp2p peer id bytes): whom to fetch it from.
    pub holders: Vec<Vec<u8>>,
    /// The whole file is on disk.
    pub here: bool,
    /// We sent it.
    pub outgoing: bool,
    /// It is being fetched (small enough to fetch at once, or asked for): resumed when
    /// the node starts.
    #[serde(default)]
    pub wanted: bool,
    /// The newest message naming it.
    pub message: MsgId,
    /// When it was first named (ms).
    pub added_ms: u64,
}

impl FileEntry {
    /// Adds the conversation `conv` (newest last, oldest forgotten past the cap).
    pub fn add_conv(&mut self, conv: ConvId) {
        self.convs.retain(|c| *c != conv);
        self.convs.push(conv);
        if self.convs.len() > MAX_FILE_CONVS {
            self.convs.remove(0);
        }
    }

    /// Adds a holder (newest last, oldest forgotten past the cap).
    pub fn add_holder(&mut self, peer: Vec<u8>) {
        self.holders.retain(|p| *p != peer);
        self.holders.push(peer);
        if self.holders.len() > MAX_FILE_HOLDERS {
            self.holders.remove(0);
        }
    }
}

/// An installed sticker pack (SPEC.md §6.12); its bytes are in `files/packs/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackEntry {
    /// BLAKE3 of the pack's bytes.
    pub id: [u8; 32],
    /// Its name.
    pub name: String,
    /// Its author's identity key.
    pub author: [u8; 32],
    /// The author's version.
    pub version: u32,
    /// Its stickers' names, in order.
    pub stickers: Vec<String>,
    /// The pack sealed as a file: what sticker messages name, to be fetched from us.
    pub file: FileRef,
    /// When it was installed (ms).
    pub installed_ms: u64,
}

/// A voucher this node issued, redeemed (SPEC.md §6.13).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpentEntry {
    /// When (ms).
    pub at_ms: u64,
    /// Who redeemed it (identity key).
    pub holder: [u8; 32],
}

impl Batch {
    /// Stores a voucher we hold or held.
    pub fn put_voucher(&mut self, serial: &[u8; 16], entry: &crate::node::vouchers::VoucherEntry) {
        self.insert(&keys::voucher(serial), crate::wire::to_cbor(entry));
    }

    /// Stores a file's entry.
    pub fn put_file(&mut self, entry: &FileEntry) {
        self.insert(&keys::file(&entry.file.root), crate::wire::to_cbor(entry));
    }
}

impl Store {
    /// The entry of the file `root`.
    pub fn file(&self, root: &[u8; 32]) -> Result<Option<FileEntry>, StoreError> {
        self.entry(&keys::file(root), "file entry")
    }

    /// Every file entry, in root order (an unreadable one is skipped).
    pub fn files(&self) -> Result<Vec<FileEntry>, StoreError> {
        self.entries(&keys::files())
    }

    /// The installed pack `id`.
    pub fn pack(&self, id: &[u8; 32]) -> Result<Option<PackEntry>, StoreError> {
        self.entry(&keys::pack(id), "sticker pack entry")
    }

    /// Every installed pack, in id order (an unreadable entry is skipped).
    pub fn packs(&self) -> Result<Vec<PackEntry>, StoreError> {
        self.entries(&keys::packs())
    }

    /// The voucher `serial` we hold or held.
    pub fn voucher(&self, serial: &[u8; 16]) -> Result<Option<crate::node::vouchers::VoucherEntry>, StoreError> {
        self.entry(&keys::voucher(serial), "voucher")
    }

    /// Every voucher we hold or held.
    pub fn vouchers(&self) -> Result<Vec<crate::node::vouchers::VoucherEntry>, StoreError> {
        self.entries(&keys::vouchers())
    }

    /// Whether the voucher `serial` this node issued was redeemed.
    pub fn spent(&self, serial: &[u8; 16]) -> Result<Option<SpentEntry>, StoreError> {
        self.entry(&keys::spent(serial), "spent voucher")
    }

    /// Records the voucher `serial` this node issued as redeemed by `holder`.
    pub fn put_spent(&self, serial: &[u8; 16], at_ms: u64, holder: &[u8; 32]) -> Result<(), StoreError> {
        let entry = SpentEntry { at_ms, holder: *holder };
        self.history.insert(keys::spent(serial), crate::wire::to_cbor(&entry))?;
        Ok(())
    }

    /// The CBOR value under `key` in `history`.
    fn entry<T: serde::de::DeserializeOwned>(&self, key: &[u8], what: &'static str) -> Result<Option<T>, StoreError> {
        let Some(value) = self.history.get(key)? else {
            return Ok(None);
        };
        crate::wire::from_cbor(&value, MAX_ENTRY)
            .map(Some)
            .map_err(|e| StoreError::Corrupt {
                what,
                message: e.to_string(),
            })
    }

    /// The CBOR values under `prefix` in `history` (unreadable ones skipped).
    fn entries<T: serde::de::DeserializeOwned>(&self, prefix: &[u8]) -> Result<Vec<T>, StoreError> {
        let mut entries = Vec::new();
        for item in self.history.scan_prefix(prefix) {
            let (_, value) = item?;
            if let Ok(entry) = crate::wire::from_cbor(&value, MAX_ENTRY) {
                entries.push(entry);
            }
        }
        Ok(entries)
    }

    /// Stores an installed pack's entry.
    pub fn put_pack(&self, entry: &PackEntry) -> Result<(), StoreError> {
        self.history
            .insert(keys::pack(&entry.id), crate::wire::to_cbor(entry))?;
        Ok(())
    }

    /// Stores a file's entry now.
    pub fn put_file(&self, entry: &FileEntry) -> Result<(), StoreError> {
        let mut batch = self.batch();
        batch.put_file(entry);
        self.apply(batch)
    }
}
