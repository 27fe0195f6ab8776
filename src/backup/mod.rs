//! Backups (SPEC.md §8.4): a person's account key, contacts, groups and history in one
//! encrypted archive, taken while the node runs, and a home rebuilt from one.
//!
//! - [`archive`]: the format — header, key derivation, encrypted chunk stream, records.
//! - this module: what goes in ([`write_backup`], called by the node while it pauses its
//!   writes, so the copy is of one moment) and [`restore`], which rebuilds a home in a
//!   staging directory and moves it into place only once the whole archive verified, so
//!   a damaged or truncated archive restores nothing.

pub mod archive;
mod restore;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

pub use archive::{ArchiveError, BackupSecret, Manifest, RecoveryCode, SecretKind};
pub use restore::{restore, RestoreOptions, Restored};

use crate::store::{Store, StoreError};
use archive::{ArchiveWriter, Record};

/// The key files a backup carries (written from the keys in memory).
const KEY_FILES: [&str; 2] = ["identity.key", "noise.key"];
/// The home's settings files a backup carries when present.
const SETTINGS_FILES: [&str; 2] = ["config.toml", "apps.json"];

/// Why a backup could not be taken or restored.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The archive itself (format, secret, damage).
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    /// The database.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The home (keys, lock, permissions).
    #[error(transparent)]
    Home(#[from] crate::home::HomeError),
    /// Restoring over an existing home without `--force`.
    #[error("{0} already holds a chingu home; pass --force to replace it (the old one is kept aside)")]
    HomeExists(PathBuf),
    /// The archive's database is newer than this chingu.
    #[error("the backup holds schema {0}, newer than this chingu understands; upgrade chingu")]
    NewerSchema(u32),
    /// A file could not be read or written.
    #[error("{action} {}: {source}", .path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// On which path.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

fn io_error<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> BackupError + 'a {
    move |source| BackupError::Io {
        action,
        path: path.to_owned(),
        source,
    }
}

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct BackupReport {
    /// The archive.
    pub path: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// Database entries in it.
    pub entries: u64,
    /// Messages among them.
    pub messages: u64,
    /// Files of the home in it (keys, settings, sticker packs).
    pub files: u64,
    /// The secret it needs.
    pub secret: SecretKind,
    /// The new recovery code, when one was made for this backup: shown once, never kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_code: Option<String>,
    /// How long the node paused its writes to take it (ms).
    pub paused_ms: u64,
}

/// What a backup is taken of: a running node's keys, database and directories.
pub struct BackupSource<'a> {
    /// The person's keys.
    pub identity: &'a crate::identity::Identity,
    /// The database (kept still by the caller while the backup is written).
    pub store: &'a Store,
    /// The home (for `config.toml` and `apps.json`).
    pub home: &'a Path,
    /// The files directory (for sticker packs).
    pub files: &'a Path,
}

impl BackupSource<'_> {
    /// The home's settings and apps files and the sticker packs (with their sealed
    /// bytes), as (path in the archive, path on disk), those that exist.
    fn files(&self) -> Result<Vec<(String, PathBuf)>, BackupError> {
        let mut paths: Vec<(String, PathBuf)> = SETTINGS_FILES
            .into_iter()
            .map(|name| (name.to_owned(), self.home.join(name)))
            .collect();
        for pack in self.store.packs()? {
            let root = hex::encode(pack.file.root);
            let name = format!("packs/{}.pack", hex::encode(pack.id));
            for name in [name, format!("{root}.data"), format!("{root}.obao")] {
                paths.push((format!("files/{name}"), self.files.join(&name)));
            }
        }
        Ok(paths.into_iter().filter(|(_, p)| p.is_file()).collect())
    }
}

/// Writes the backup of `source` to `path`, through a temporary file renamed into place
/// once complete. Blocking; the caller keeps the database still meanwhile.
pub fn write_backup(
    source: &BackupSource<'_>,
    path: &Path,
    secret: &BackupSecret,
    manifest: Manifest,
) -> Result<BackupReport, BackupError> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let staging = tempfile::Builder::new()
        .prefix(".chingu-backup-")
        .tempfile_in(&parent)
        .map_err(io_error("cannot write a backup in", &parent))?;
    let mut writer = ArchiveWriter::new(BufWriter::new(staging.as_file()), secret, &mut rand::rngs::OsRng)?;
    writer.push(&Record::Manifest(manifest))?;
    let (mut entries, mut messages, mut files) = (0u64, 0u64, 0u64);
    let (identity_key, noise_key) = source.identity.key_files();
    for (name, bytes) in KEY_FILES.into_iter().zip([identity_key, noise_key]) {
        writer.push(&Record::File {
            path: name.into(),
            bytes: bytes.as_bytes().to_vec(),
        })?;
        files += 1;
    }
    for (name, full) in source.files()? {
        let bytes = std::fs::read(&full).map_err(io_error("cannot read", &full))?;
        writer.push(&Record::File { path: name, bytes })?;
        files += 1;
    }
    for entry in source.store.backup_entries() {
        let (tree, key, value) = entry?;
        if tree == crate::store::BackedUpTree::History && key.first() == Some(&crate::store::keys::MESSAGE) {
            messages += 1;
        }
        writer.push(&Record::Entry {
            tree: tree as u8,
            key: key.to_vec(),
            value: value.to_vec(),
        })?;
        entries += 1;
    }
    writer.push(&Record::End { entries, files })?;
    let (mut out, bytes) = writer.finish()?;
    out.flush().map_err(io_error("cannot write", path))?;
    drop(out);
    staging.as_file().sync_all().map_err(io_error("cannot write", path))?;
    staging
        .persist(path)
        .map_err(|e| e.error)
        .map_err(io_error("cannot write", path))?;
    Ok(BackupReport {
        path: path.display().to_string(),
        bytes,
        entries,
        messages,
        files,
        secret: secret.kind(),
        recovery_code: None,
        paused_ms: 0,
    })
}

/// Opens `path` for a backup's header.
pub(crate) fn open_archive(path: &Path) -> Result<File, BackupError> {
    File::open(path).map_err(io_error("cannot open", path))
}
