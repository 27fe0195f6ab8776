//! The database is private (SPEC.md §8.1): its directories mode 0700, its files 0600.
//! sled creates files with the process's umask (usually 0644), so opening a store
//! tightens every entry that is looser; `chingu` also runs with umask 077, so what sled
//! creates later is private from the start.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::StoreError;

/// Mode of the database's directories.
pub const DIR_MODE: u32 = 0o700;
/// Mode of the database's files.
pub const FILE_MODE: u32 = 0o600;

/// Sets `dir` and everything under it to [`DIR_MODE`] / [`FILE_MODE`] where looser.
pub fn make_private(dir: &Path) -> Result<(), StoreError> {
    let denied = |path: &Path| {
        let path = path.to_owned();
        move |source| StoreError::Permissions { path, source }
    };
    let mut pending = vec![dir.to_owned()];
    while let Some(path) = pending.pop() {
        let meta = fs::symlink_metadata(&path).map_err(denied(&path))?;
        let wanted = if meta.is_dir() {
            for entry in fs::read_dir(&path).map_err(denied(&path))? {
                pending.push(entry.map_err(denied(&path))?.path());
            }
            DIR_MODE
        } else if meta.is_file() {
            FILE_MODE
        } else {
            continue;
        };
        let mode = meta.permissions().mode() & 0o777;
        if mode & !wanted != 0 {
            fs::set_permissions(&path, fs::Permissions::from_mode(mode & wanted)).map_err(denied(&path))?;
            tracing::info!(path = %path.display(), from = format!("{mode:o}"), to = format!("{:o}", mode & wanted), "made a database file private");
        }
    }
    Ok(())
}
