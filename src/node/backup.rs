//! The actor's glue for backups (SPEC.md §8.4, [`crate::backup`]): `backup.create` waits
//! for the end of the actor's turn, writes what the actor keeps in memory, then pauses
//! the actor while a blocking thread copies its keys, database and sticker packs into an
//! encrypted archive — nothing writes meanwhile, so the copy is of one moment.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use zeroize::Zeroizing;

use super::actor::Actor;
use super::command::Reply;
use super::refusal::Refusal;
use super::NodeError;
use crate::backup::{
    write_backup, ArchiveError, BackupError, BackupReport, BackupSecret, BackupSource, Manifest, RecoveryCode,
};
use crate::model::now_ms;

/// What a backup is locked with.
pub enum BackupKey {
    /// A passphrase (at least [`crate::backup::archive::MIN_PASSPHRASE_CHARS`] characters).
    Passphrase(Zeroizing<String>),
    /// An existing recovery code's 24 words.
    RecoveryCode(Zeroizing<String>),
    /// A new recovery code, made for this backup and returned in its report.
    NewRecoveryCode,
}

/// The search signatures of a restored or migrated database being written on a thread
/// of their own.
pub(crate) struct Reindex {
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

/// A backup asked for, taken at the end of the turn.
pub(crate) struct BackupJob {
    path: PathBuf,
    key: BackupKey,
    reply: Reply<BackupReport>,
}

impl From<BackupError> for NodeError {
    /// `weak_passphrase`, `bad_recovery_code`, `cannot_write` (details `problem`,
    /// [`super::refusal::io_problem`], and `path` when known), `backup_failed`.
    fn from(error: BackupError) -> Self {
        let message = error.to_string();
        let reason = match error {
            BackupError::Store(e) => return NodeError::Store(e),
            BackupError::Archive(ArchiveError::WeakPassphrase) => "weak_passphrase",
            BackupError::Archive(ArchiveError::BadRecoveryCode(_)) => "bad_recovery_code",
            BackupError::Io { .. } | BackupError::Archive(ArchiveError::Io(_)) => "cannot_write",
            _ => "backup_failed",
        };
        let refusal = Refusal::invalid(reason, message);
        match &error {
            BackupError::Io { path, source, .. } => refusal.with_io(source).with("path", path.display().to_string()),
            BackupError::Archive(ArchiveError::Io(source)) => refusal.with_io(source),
            _ => refusal,
        }
        .into()
    }
}

impl super::NodeHandle {
    /// Writes an encrypted backup of this person (keys, contacts, groups, history) to
    /// the absolute `path`, with the node's writes paused meanwhile (SPEC.md §8.4).
    pub async fn backup(&self, path: impl Into<PathBuf>, key: BackupKey) -> Result<BackupReport, NodeError> {
        let path = path.into();
        self.request(|reply| super::command::Command::Backup { path, key, reply })
            .await?
    }
}

impl Actor {
    /// On a restored or migrated database: writes its search signatures in the background
    /// (search finds only part of the history until it is done; a restart resumes it).
    pub(super) fn start_reindex(&mut self) {
        if !matches!(self.store.meta_value::<u64>(crate::store::UNINDEXED), Ok(Some(_))) {
            return;
        }
        let (store, stop) = (self.store.clone(), Arc::new(AtomicBool::new(false)));
        let stopping = stop.clone();
        let task = tokio::task::spawn_blocking(move || match store.index_if_unindexed(&stopping) {
            Ok(Some(messages)) => tracing::info!(messages, "search index rebuilt"),
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "cannot rebuild the search index"),
        });
        self.reindex = Some(Reindex { stop, task });
    }

    /// Stops a rebuild still running (before the store closes).
    pub(super) async fn stop_reindex(&mut self) {
        if let Some(Reindex { stop, task }) = self.reindex.take() {
            stop.store(true, Ordering::Relaxed);
            let _ = task.await;
        }
    }

    /// `backup.create`: queued for the end of this turn (one at a time).
    pub(super) fn cmd_backup(&mut self, path: PathBuf, key: BackupKey, reply: Reply<BackupReport>) {
        if !path.is_absolute() {
            let _ = reply.send(Err(Refusal::invalid(
                "relative_path",
                "the backup's path must be absolute",
            )
            .into()));
            return;
        }
        if self.backup.is_some() {
            let _ = reply.send(Err(Refusal::invalid("busy", "a backup is being taken").into()));
            return;
        }
        self.backup = Some(BackupJob { path, key, reply });
    }

    /// Takes the queued backup, if any, with the actor paused.
    pub(super) async fn take_backup(&mut self) {
        let Some(BackupJob { path, key, reply }) = self.backup.take() else {
            return;
        };
        let started = Instant::now();
        let (secret, new_code) = match key {
            BackupKey::Passphrase(passphrase) => (BackupSecret::Passphrase(passphrase), None),
            BackupKey::RecoveryCode(words) => match RecoveryCode::parse(&words) {
                Ok(code) => (BackupSecret::RecoveryCode(code), None),
                Err(e) => {
                    let _ = reply.send(Err(BackupError::from(e).into()));
                    return;
                }
            },
            BackupKey::NewRecoveryCode => {
                let code = RecoveryCode::generate(&mut rand::rngs::OsRng);
                let words = code.words();
                (BackupSecret::RecoveryCode(code), Some(words))
            }
        };
        self.write_state();
        let manifest = Manifest {
            schema: crate::store::SCHEMA_VERSION,
            created_ms: now_ms(),
            peer_id: self.config.identity.peer_id().to_string(),
            phone: self.profile.phone.as_ref().map(|p| p.to_string()),
            name: self.profile.name.clone(),
            chingu: crate::VERSION.into(),
        };
        let (identity, store) = (self.config.identity.clone(), self.store.clone());
        let home = self.config.db_path.parent().map(PathBuf::from).unwrap_or_default();
        let files = self.config.files_dir.clone();
        let written = tokio::task::spawn_blocking(move || {
            let source = BackupSource {
                identity: &identity,
                store: &store,
                home: &home,
                files: &files,
            };
            write_backup(&source, &path, &secret, manifest)
        })
        .await;
        let outcome = match written {
            Ok(Ok(mut report)) => {
                report.recovery_code = new_code;
                report.paused_ms = started.elapsed().as_millis() as u64;
                tracing::info!(
                    bytes = report.bytes,
                    entries = report.entries,
                    paused_ms = report.paused_ms,
                    "backup taken"
                );
                Ok(report)
            }
            Ok(Err(e)) => Err(e.into()),
            Err(source) => Err(NodeError::Task { what: "backup", source }),
        };
        let _ = reply.send(outcome);
    }
}
