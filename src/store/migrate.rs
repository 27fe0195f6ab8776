//! Keeping existing homes working across schema changes (SPEC.md §8.3).
//!
//! sled fixes a database's segment size and compression when it creates it. Schemas 1
//! and 2 were written in the old layout (uncompressed, 64 KiB segments, CBOR message
//! values; schema 2 added per-gram search postings); schema 3 moved to a compressed
//! layout (512 KiB segments, compact message values) and kept the postings; schema 4
//! replaced them by one search signature per message; new databases (and rebuilds) are
//! now uncompressed in 512 KiB segments, and compressed ones are opened as they are. A database of schema 1 or 2, or of
//! schema 3 with its postings (tens of keys per message: deleting them in place would
//! take longer than copying the rest), is **rebuilt** — every tree copied into a new
//! database next to it (`<db>.rebuild`), message values re-encoded where the layout was
//! old, search keys left behind — and then swapped in by two renames:
//!
//! 1. `<db>` → `<db>.schema1`, 2. `<db>.rebuild` → `<db>`, 3. `<db>.schema1` deleted.
//!
//! A crash anywhere leaves a state [`finish_interrupted`] completes or undoes on the next
//! open: a rebuild is only renamed into place after it was flushed whole. A rebuilt
//! database is of the current schema and marked as still to be indexed: the node writes
//! its search signatures in the background.

use std::path::{Path, PathBuf};

use super::{keys, message_codec, StoreError};

/// How sled lays a database out on disk (fixed when it creates it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Layout {
    /// Log segment size.
    pub segment_bytes: usize,
    /// Whether pages are zstd-compressed.
    pub compressed: bool,
}

/// What every new database gets: uncompressed pages in 512 KiB segments. Small segments
/// (64 KiB) leave most of the log as garbage between cleanings and make sled split large
/// pages into blob files. Not compressed: sled 0.34 compresses each log write on its own
/// with a new zstd context: 23 % more instructions per message for a store half the size
/// (BENCHMARKS.md, "Per-message cost").
pub(super) const CURRENT: Layout = Layout {
    segment_bytes: 512 << 10,
    compressed: false,
};

/// How schema 3 and 4 databases were created until the layout above replaced it:
/// zstd-compressed pages in 512 KiB segments. Such a database is opened as it is.
pub(super) const COMPRESSED: Layout = Layout {
    segment_bytes: 512 << 10,
    compressed: true,
};

/// Schemas 1 and 2: uncompressed, 64 KiB segments.
pub(super) const OLD_LAYOUT: Layout = Layout {
    segment_bytes: 64 << 10,
    compressed: false,
};

/// zstd level: the lowest compresses text nearly as well as higher ones, at a fraction
/// of the CPU (measured: BENCHMARKS.md, "Store size").
pub(super) const COMPRESSION_LEVEL: i32 = 1;

fn sibling(dir: &Path, suffix: &str) -> PathBuf {
    let mut name = dir.file_name().unwrap_or_default().to_owned();
    name.push(format!(".{suffix}"));
    dir.with_file_name(name)
}

/// Where a rebuild is written.
pub(super) fn rebuild_path(dir: &Path) -> PathBuf {
    sibling(dir, "rebuild")
}

/// Where the old database waits while the rebuild is swapped in.
pub(super) fn aside_path(dir: &Path) -> PathBuf {
    sibling(dir, "schema1")
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |e| StoreError::Open {
        path: path.to_owned(),
        message: e.to_string(),
    }
}

/// Completes or undoes a rebuild a crash interrupted.
pub(super) fn finish_interrupted(dir: &Path) -> Result<(), StoreError> {
    let (rebuild, aside) = (rebuild_path(dir), aside_path(dir));
    match (dir.exists(), aside.exists(), rebuild.exists()) {
        // Crashed between the renames: the rebuild is whole, put it in place.
        (false, true, true) => {
            std::fs::rename(&rebuild, dir).map_err(io(&rebuild))?;
            tracing::warn!(path = %dir.display(), "finished a database rebuild a crash interrupted");
        }
        // The rebuild vanished before it was swapped in: keep the old database.
        (false, true, false) => std::fs::rename(&aside, dir).map_err(io(&aside))?,
        _ => {}
    }
    if dir.exists() && aside.exists() {
        std::fs::remove_dir_all(&aside).map_err(io(&aside))?;
    }
    if dir.exists() && rebuild.exists() {
        // Crashed before the swap: start the rebuild over.
        std::fs::remove_dir_all(&rebuild).map_err(io(&rebuild))?;
    }
    Ok(())
}

/// Copies every tree of `old` into the new database `new` (at [`rebuild_path`], in the
/// [`CURRENT`] layout) but the schema version and the search keys, re-encoding message
/// values when `old` is in the [`OLD_LAYOUT`] (`reencode`). Returns how many entries were
/// copied.
pub(super) fn rebuild(old: &sled::Db, new: &sled::Db, reencode: bool) -> Result<u64, StoreError> {
    let mut copied = 0;
    for name in old.tree_names() {
        let (from, to) = (old.open_tree(&name)?, new.open_tree(&name)?);
        let history = name.as_ref() == b"history";
        let search = keys::search_range();
        let entries: Box<dyn Iterator<Item = sled::Result<(sled::IVec, sled::IVec)>>> = if history {
            // The postings are most of the keys: skipped by range, not read.
            Box::new(from.range(..search.start).chain(from.range(search.end..)))
        } else {
            Box::new(from.iter())
        };
        for item in entries {
            let (key, value) = item?;
            if history && reencode && keys::parse_message(&key).is_some() {
                let message = message_codec::decode_schema1(&value)?;
                to.insert(key, message_codec::encode(&message))?;
            } else if name.as_ref() != b"meta" || key.as_ref() != keys::SCHEMA {
                to.insert(key, value)?;
            }
            copied += 1;
        }
    }
    Ok(copied)
}

/// Swaps a flushed rebuild in for `dir` (both closed).
pub(super) fn swap_in(dir: &Path) -> Result<(), StoreError> {
    let (rebuild, aside) = (rebuild_path(dir), aside_path(dir));
    std::fs::rename(dir, &aside).map_err(io(dir))?;
    std::fs::rename(&rebuild, dir).map_err(io(&rebuild))?;
    std::fs::remove_dir_all(&aside).map_err(io(&aside))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Body, ConvId, Direction, Hlc, MessageState, MsgId, StoredMessage};
    use crate::store::tests::{owner_profile, yuki};
    use crate::store::{OutboxEntry, OutboxTarget, Store, StoreOptions, SCHEMA_VERSION};

    fn message(i: u64) -> StoredMessage {
        StoredMessage {
            id: MsgId::generate(),
            conv: ConvId([4; 16]),
            hlc: Hlc::default().tick(1_764_000_000_000 + i).0,
            direction: if i.is_multiple_of(2) {
                Direction::Incoming
            } else {
                Direction::Outgoing
            },
            sender: "+819012345678".parse().unwrap(),
            body: Body::Text {
                text: format!("message {i}"),
            },
            state: MessageState::Delivered,
            sent_ms: 1_764_000_000_000 + i,
            stored_ms: 1_764_000_000_100 + i,
            annotations: Default::default(),
        }
    }

    /// The search postings schemas 2 and 3 wrote for a message: `'s' | gram | 0x00 | hlc |
    /// id`, for each bigram and each run's last character.
    /// An outbox entry for `m`, retried twice already: a migration must keep it as it is.
    fn waiting_entry(m: &StoredMessage) -> OutboxEntry {
        OutboxEntry {
            id: m.id,
            target: OutboxTarget::Direct {
                phone: "+819012345678".parse().unwrap(),
            },
            attempts: 2,
            next_attempt_ms: 5,
            created_ms: 1,
            mailbox_ms: 0,
        }
    }

    fn postings(m: &StoredMessage) -> Vec<Vec<u8>> {
        let text = crate::store::search::normalize(&m.body.preview());
        let mut grams = std::collections::BTreeSet::new();
        for run in text.split(|c: char| !c.is_alphanumeric()).filter(|r| !r.is_empty()) {
            let chars: Vec<char> = run.chars().collect();
            grams.extend(chars.windows(2).map(|p| p.iter().collect::<String>()));
            grams.insert(chars[chars.len() - 1].to_string());
        }
        grams
            .into_iter()
            .map(|gram| [b"s", gram.as_bytes(), &[0], &m.hlc.to_be_bytes(), &m.id.0].concat())
            .collect()
    }

    /// A database as chingu wrote it at `schema` 1 or 2: uncompressed, 64 KiB segments,
    /// CBOR messages; schema 2 with their search postings. Returns its messages.
    fn old_database(dir: &Path, schema: u32) -> Vec<StoredMessage> {
        let db = sled::Config::new()
            .path(dir)
            .segment_size(OLD_LAYOUT.segment_bytes)
            .flush_every_ms(None)
            .open()
            .unwrap();
        let meta = db.open_tree("meta").unwrap();
        meta.insert(keys::SCHEMA, &schema.to_be_bytes()).unwrap();
        meta.insert(keys::PROFILE, crate::wire::to_cbor(&owner_profile()))
            .unwrap();
        let contact = yuki();
        db.open_tree("contacts")
            .unwrap()
            .insert(contact.phone.as_str(), crate::wire::to_cbor(&contact))
            .unwrap();
        let history = db.open_tree("history").unwrap();
        let messages: Vec<_> = (0..300).map(message).collect();
        for m in &messages {
            history
                .insert(keys::message(&m.conv, m.hlc, &m.id), crate::wire::to_cbor(m))
                .unwrap();
            history
                .insert(keys::index(&m.id), &keys::index_value(&m.conv, m.hlc, 0)[..24])
                .unwrap();
            if schema == 2 {
                for key in postings(m) {
                    history.insert(key, &[]).unwrap();
                }
            }
        }
        let entry = waiting_entry(&messages[1]);
        history
            .insert(keys::outbox(&entry.id), crate::wire::to_cbor(&entry))
            .unwrap();
        db.flush().unwrap();
        messages
    }

    fn copy_dir(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let path = entry.unwrap().path();
            let target = to.join(path.file_name().unwrap());
            if path.is_dir() {
                copy_dir(&path, &target);
            } else {
                std::fs::copy(&path, &target).unwrap();
            }
        }
    }

    fn assert_migrated(db: &Path, messages: &[StoredMessage]) {
        let store = Store::open(db, StoreOptions::default()).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(store.profile().unwrap().unwrap().name, "민지");
        assert_eq!(store.contacts().unwrap()[0].name, "Yuki");
        let conv = messages[0].conv;
        assert_eq!(store.last_messages(&conv, 1_000, None).unwrap(), messages);
        assert_eq!(store.message(&messages[7].id).unwrap().as_ref(), Some(&messages[7]));
        assert_eq!(store.outbox().unwrap()[0].attempts, 2);
        // No posting is left; the signatures are written once (by the node, in the
        // background), and then every message is found.
        let search_keys: Vec<_> = store.history.range(keys::search_range()).keys().collect();
        assert!(
            search_keys
                .iter()
                .all(|k| keys::parse_signature(k.as_ref().unwrap()).is_some()),
            "signatures only"
        );
        let never = std::sync::atomic::AtomicBool::new(false);
        store.index_if_unindexed(&never).unwrap();
        assert_eq!(store.index_if_unindexed(&never).unwrap(), None, "indexed once");
        let found = store.search("message 299", None, 10, None).unwrap().messages;
        assert_eq!(found, [messages[299].clone()], "searchable");
        let conf = String::from_utf8_lossy(&std::fs::read(db.join("conf")).unwrap()).into_owned();
        assert!(
            conf.contains("use_compression: false"),
            "rebuilt in today's layout: {conf}"
        );
        assert!(!rebuild_path(db).exists() && !aside_path(db).exists(), "no leftovers");
    }

    #[test]
    fn a_schema1_database_is_rebuilt_with_everything_in_it() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("db");
        let messages = old_database(&db, 1);
        assert_migrated(&db, &messages);
        assert_migrated(&db, &messages); // and opens again as it is
    }

    #[test]
    fn a_schema2_database_is_rebuilt_without_its_postings() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("db");
        let messages = old_database(&db, 2);
        assert_migrated(&db, &messages);
    }

    /// An empty database in the [`COMPRESSED`] layout, as schemas 3 and 4 created them.
    fn compressed_database(dir: &Path) {
        let db = sled::Config::new()
            .path(dir)
            .segment_size(COMPRESSED.segment_bytes)
            .use_compression(true)
            .compression_factor(COMPRESSION_LEVEL)
            .flush_every_ms(None)
            .open()
            .unwrap();
        db.flush().unwrap();
    }

    /// A store opened on a new [`compressed_database`], with the owner's profile, and the
    /// 300 messages the migration tests write.
    fn compressed_store(db: &Path) -> (Store, Vec<StoredMessage>) {
        compressed_database(db);
        let store = Store::open(db, StoreOptions::default()).unwrap();
        store.set_profile(&owner_profile()).unwrap();
        (store, (0..300).map(message).collect())
    }

    #[test]
    fn a_schema3_database_is_rebuilt_without_its_postings() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("db");
        let messages = {
            let (store, messages) = compressed_store(&db);
            store.put_contact(&yuki()).unwrap();
            let mut batch = store.batch();
            for m in &messages {
                batch.put_body(m);
                batch.put_message_state(m);
            }
            batch.put_outbox(&waiting_entry(&messages[1]));
            store.apply(batch).unwrap();
            for key in messages.iter().flat_map(postings) {
                store.history.insert(key, &[]).unwrap();
            }
            store.meta.insert(keys::SCHEMA, &3u32.to_be_bytes()).unwrap();
            store.flush().unwrap();
            messages
        };
        assert_migrated(&db, &messages);
    }

    #[test]
    fn a_compressed_schema4_database_is_opened_as_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("db");
        let messages = {
            let (store, messages) = compressed_store(&db);
            let mut batch = store.batch();
            for m in &messages {
                batch.put_message(m);
            }
            store.apply(batch).unwrap();
            store.flush().unwrap();
            messages
        };
        let store = Store::open(&db, StoreOptions::default()).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(store.last_messages(&messages[0].conv, 1_000, None).unwrap(), messages);
        let conf = String::from_utf8_lossy(&std::fs::read(db.join("conf")).unwrap()).into_owned();
        assert!(conf.contains("use_compression: true"), "kept as it was: {conf}");
        assert!(!rebuild_path(&db).exists() && !aside_path(&db).exists(), "not rebuilt");
    }

    #[test]
    fn a_new_database_is_uncompressed() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("db");
        drop(Store::open(&db, StoreOptions::default()).unwrap());
        let conf = String::from_utf8_lossy(&std::fs::read(db.join("conf")).unwrap()).into_owned();
        assert!(conf.contains("use_compression: false"), "{conf}");
    }

    #[test]
    fn an_interrupted_rebuild_is_finished_or_started_over() {
        let dir = tempfile::tempdir().unwrap();
        let original = dir.path().join("original");
        let messages = old_database(&original, 1);

        // Crashed between the two renames: the whole rebuild waits beside the old one.
        let done = dir.path().join("done");
        copy_dir(&original, &done);
        drop(Store::open(&done, StoreOptions::default()).unwrap());
        let db = dir.path().join("a").join("db");
        copy_dir(&original, &aside_path(&db));
        copy_dir(&done, &rebuild_path(&db));
        assert_migrated(&db, &messages);

        // Crashed while copying: a partial rebuild beside the untouched old database.
        let db = dir.path().join("b").join("db");
        copy_dir(&original, &db);
        std::fs::create_dir_all(rebuild_path(&db)).unwrap();
        std::fs::write(rebuild_path(&db).join("db"), b"half").unwrap();
        assert_migrated(&db, &messages);
    }
}
