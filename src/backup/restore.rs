//! A home rebuilt from a backup: unpacked into a staging directory inside the home,
//! checked from its first record to its last chunk, and only then moved into place (an
//! existing home, with `force`, is first moved aside into `backup-<unix time>`).

use std::io::BufReader;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::archive::{read_header, ArchiveReader, Manifest, Record};
use super::{io_error, open_archive, BackupError, BackupSecret, KEY_FILES, SETTINGS_FILES};
use crate::home::{create_private_dir, write_private, Home};
use crate::store::{BackedUpTree, Store, StoreOptions, SCHEMA_VERSION};

/// How to restore.
#[derive(Debug, Clone, Default)]
pub struct RestoreOptions {
    /// Replace an existing home (moved aside first).
    pub force: bool,
}

/// What a restore brought back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Restored {
    /// The home.
    pub home: String,
    /// The person's peer id (the same as before: friends see the same account).
    pub peer_id: String,
    /// The person's number.
    pub phone: Option<String>,
    /// The person's name.
    pub name: String,
    /// When the backup was taken (unix ms).
    pub backup_ms: u64,
    /// Messages restored.
    pub messages: u64,
    /// Database entries restored.
    pub entries: u64,
    /// Files restored (keys, settings, sticker packs).
    pub files: u64,
    /// Where the home's previous contents were moved, if it had any.
    pub moved_aside: Option<String>,
}

/// Whether `path` is a file a backup may bring back: the home's own files, a sticker
/// pack, or a pack's sealed bytes. Nothing else — no other name, no `..`.
fn allowed(path: &str) -> bool {
    let hex64 = |s: &str| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
    if KEY_FILES.contains(&path) || SETTINGS_FILES.contains(&path) {
        return true;
    }
    if let Some(pack) = path.strip_prefix("files/packs/").and_then(|p| p.strip_suffix(".pack")) {
        return hex64(pack);
    }
    path.strip_prefix("files/")
        .and_then(|p| p.strip_suffix(".data").or_else(|| p.strip_suffix(".obao")))
        .is_some_and(hex64)
}

/// Restores the backup at `archive` into `home` with `secret`. Blocking (argon2id and
/// the database): call it from a blocking thread in async code.
pub fn restore(
    home: &Home,
    archive: &Path,
    secret: &BackupSecret,
    options: &RestoreOptions,
) -> Result<Restored, BackupError> {
    home.checked_socket_path()?;
    if home.is_initialized() && !options.force {
        return Err(BackupError::HomeExists(home.dir().to_owned()));
    }
    create_private_dir(home.dir())?;
    let lock = home.lock()?;
    let staging = tempfile::Builder::new()
        .prefix(".restoring-")
        .tempdir_in(home.dir())
        .map_err(io_error("cannot restore into", home.dir()))?;
    let mut restored = unpack(archive, secret, staging.path())?;
    let moved_aside = if home.is_initialized() {
        Some(home.move_aside()?)
    } else {
        None
    };
    for entry in std::fs::read_dir(staging.path()).map_err(io_error("cannot read", staging.path()))? {
        let entry = entry.map_err(io_error("cannot read", staging.path()))?;
        let to = home.dir().join(entry.file_name());
        std::fs::rename(entry.path(), &to).map_err(io_error("cannot move into place", &to))?;
    }
    drop(lock);
    restored.home = home.dir().display().to_string();
    restored.moved_aside = moved_aside.map(|p| p.display().to_string());
    Ok(restored)
}

/// Unpacks the archive into `dir` (empty): every record checked, the whole stream
/// verified, the database completed and flushed.
fn unpack(archive: &Path, secret: &BackupSecret, dir: &Path) -> Result<Restored, BackupError> {
    let mut file = open_archive(archive)?;
    let header = read_header(&mut file)?;
    let mut reader = ArchiveReader::new(BufReader::new(file), &header, secret)?;
    let malformed = |why: &str| BackupError::Archive(super::ArchiveError::Malformed(why.into()));
    let manifest: Manifest = match reader.next_record()? {
        Some(Record::Manifest(manifest)) => manifest,
        _ => return Err(malformed("it does not start with its manifest")),
    };
    if manifest.schema > SCHEMA_VERSION {
        return Err(BackupError::NewerSchema(manifest.schema));
    }
    let store = Store::open(&dir.join("db"), StoreOptions::default())?;
    let (mut entries, mut files) = (0u64, 0u64);
    loop {
        match reader.next_record()? {
            Some(Record::File { path, bytes }) => {
                if !allowed(&path) {
                    return Err(malformed(&format!("a file named {}", crate::text::quote(&path))));
                }
                let to = dir.join(&path);
                if let Some(parent) = to.parent() {
                    create_private_dir(parent)?;
                }
                write_private(&to, &bytes)?;
                files += 1;
            }
            Some(Record::Entry { tree, key, value }) => {
                let tree = BackedUpTree::from_byte(tree).ok_or_else(|| malformed("an entry of an unknown tree"))?;
                store.restore_entry(tree, &key, &value)?;
                entries += 1;
            }
            Some(Record::End {
                entries: written,
                files: carried,
            }) => {
                if (written, carried) != (entries, files) {
                    return Err(malformed("its end record counts other records than it holds"));
                }
                break;
            }
            Some(Record::Manifest(_)) => return Err(malformed("a second manifest")),
            None => return Err(malformed("it ends without its end record")),
        }
    }
    if reader.next_record()?.is_some() {
        return Err(malformed("records after its end record"));
    }
    let staged = Home::at(dir);
    let identity = staged.load_identity()?;
    if identity.peer_id().to_string() != manifest.peer_id {
        return Err(malformed("its keys are not those of its manifest's peer id"));
    }
    let blobs = dir.join("files");
    let messages = store.finish_restore(
        |root| blobs.join(format!("{}.data", hex::encode(root))).is_file(),
        crate::model::now_ms(),
    )?;
    drop(store);
    Ok(Restored {
        home: String::new(),
        peer_id: manifest.peer_id,
        phone: manifest.phone,
        name: manifest.name,
        backup_ms: manifest.created_ms,
        messages: messages as u64,
        entries,
        files,
        moved_aside: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_home_s_files_and_packs_come_back() {
        let hex = "ab".repeat(32);
        for ok in [
            "identity.key".to_string(),
            "config.toml".into(),
            format!("files/packs/{hex}.pack"),
            format!("files/{hex}.data"),
            format!("files/{hex}.obao"),
        ] {
            assert!(allowed(&ok), "{ok}");
        }
        for bad in [
            "../identity.key".to_string(),
            "db/conf".into(),
            format!("files/packs/../{hex}.pack"),
            format!("files/{}.data", "AB".repeat(32)),
            format!("files/{hex}.data.part"),
            "/etc/passwd".into(),
        ] {
            assert!(!allowed(&bad), "{bad}");
        }
    }
}
