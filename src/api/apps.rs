//! Third-party apps and their tokens (SPEC.md §9.6).
//!
//! `chingu apps add NAME --scopes …` creates a 256-bit random token, shows it once and
//! stores only its SHA-256 digest with the app's name and scopes in `<home>/apps.json`
//! (mode 0600, replaced atomically, writers serialised by a lock file). The file, not the
//! database, holds them because the running node keeps the sled store locked: the CLI
//! edits the file whether or not a node runs, and the node's [`TokenVerifier`] re-reads
//! it whenever it changes, so a revocation applies to the very next call.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use data_encoding::BASE32_NOPAD;
use nix::fcntl::{Flock, FlockArg};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{codes, ApiError, Caller, Scope};

/// Prefix of every app token.
pub const TOKEN_PREFIX: &str = "chg_";
/// Random bytes in a token.
pub const TOKEN_BYTES: usize = 32;
/// Longest app name.
pub const MAX_NAME_CHARS: usize = 64;
/// Version of the apps file format.
const FILE_VERSION: u32 = 1;

/// Failures managing apps.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// An app with that name exists.
    #[error("an app named {0:?} already exists (revoke it first to replace its token)")]
    Duplicate(String),
    /// No app has that name.
    #[error("no app named {}", crate::text::quote(.0))]
    Unknown(String),
    /// The name is empty, too long or has characters other than letters, digits, `-`, `_`, `.`.
    #[error("invalid app name {}: use 1 to 64 letters, digits, '-', '_' or '.'", crate::text::quote(.0))]
    InvalidName(String),
    /// No scope given.
    #[error("an app needs at least one scope")]
    NoScopes,
    /// The apps file is not what chingu writes.
    #[error("{path} is damaged: {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Reading or writing the file failed.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

impl AppError {
    /// A stable name for the error.
    pub fn reason(&self) -> &'static str {
        match self {
            AppError::Duplicate(_) => "duplicate",
            AppError::Unknown(_) => "unknown_app",
            AppError::InvalidName(_) => "invalid_name",
            AppError::NoScopes => "no_scopes",
            AppError::Corrupt { .. } => "corrupt",
            AppError::Io { .. } => "io",
        }
    }
}

/// An app as listed (never its token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppInfo {
    /// Its name.
    pub name: String,
    /// What its token allows.
    pub scopes: Vec<Scope>,
    /// When it was added (Unix milliseconds).
    pub created_ms: u64,
}

/// A stored app: its listing plus the token's digest.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct AppRecord {
    #[serde(flatten)]
    info: AppInfo,
    /// Hex SHA-256 of the token text.
    token_sha256: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct AppsFile {
    version: u32,
    apps: Vec<AppRecord>,
}

/// A newly added app and its token (shown once).
#[derive(Debug, Clone)]
pub struct NewApp {
    /// The app.
    pub info: AppInfo,
    /// The token, `chg_` + base32 of 32 random bytes.
    pub token: String,
}

/// Hex SHA-256 of a token's text, the form stored and looked up.
pub fn token_digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn valid_name(name: &str) -> bool {
    (1..=MAX_NAME_CHARS).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The apps file of a home.
#[derive(Debug, Clone)]
pub struct AppStore {
    path: PathBuf,
}

impl AppStore {
    /// The store kept in `path` (normally [`crate::home::Home::apps_path`]).
    pub fn at(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn io(&self, action: &'static str) -> impl FnOnce(std::io::Error) -> AppError + '_ {
        move |source| AppError::Io {
            action,
            path: self.path.clone(),
            source,
        }
    }

    fn read(&self) -> Result<AppsFile, AppError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(AppsFile::default()),
            Err(e) => return Err(self.io("read")(e)),
        };
        let file: AppsFile = serde_json::from_str(&text).map_err(|e| AppError::Corrupt {
            path: self.path.clone(),
            reason: e.to_string(),
        })?;
        if file.version != FILE_VERSION {
            return Err(AppError::Corrupt {
                path: self.path.clone(),
                reason: format!("unsupported version {}", file.version),
            });
        }
        Ok(file)
    }

    /// Runs `change` on the file's contents under the writers' lock and replaces the file
    /// atomically (a temporary file with mode 0600, renamed over the old one).
    fn update<T>(&self, change: impl FnOnce(&mut AppsFile) -> Result<T, AppError>) -> Result<T, AppError> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let lock_path = self.path.with_extension("lock");
        let lock_file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&lock_path)
            .map_err(self.io("lock"))?;
        let _lock = Flock::lock(lock_file, FlockArg::LockExclusive).map_err(|(_, e)| self.io("lock")(e.into()))?;
        let mut file = self.read()?;
        file.version = FILE_VERSION;
        let result = change(&mut file)?;
        let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(self.io("write"))?;
        serde_json::to_writer_pretty(&mut temp, &file).map_err(|e| self.io("write")(e.into()))?;
        temp.write_all(b"\n").map_err(self.io("write"))?;
        temp.as_file().sync_all().map_err(self.io("write"))?;
        temp.persist(&self.path).map_err(|e| self.io("write")(e.error))?;
        File::open(dir).and_then(|d| d.sync_all()).map_err(self.io("write"))?;
        Ok(result)
    }

    /// Adds an app with `scopes` and returns its new token.
    pub fn add(&self, name: &str, scopes: &[Scope]) -> Result<NewApp, AppError> {
        if !valid_name(name) {
            return Err(AppError::InvalidName(name.to_owned()));
        }
        if scopes.is_empty() {
            return Err(AppError::NoScopes);
        }
        let mut scopes = scopes.to_vec();
        scopes.sort();
        scopes.dedup();
        let mut secret = [0u8; TOKEN_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut secret);
        let token = format!("{TOKEN_PREFIX}{}", BASE32_NOPAD.encode(&secret).to_ascii_lowercase());
        let info = AppInfo {
            name: name.to_owned(),
            scopes,
            created_ms: crate::model::now_ms(),
        };
        self.update(|file| {
            if file.apps.iter().any(|app| app.info.name == name) {
                return Err(AppError::Duplicate(name.to_owned()));
            }
            file.apps.push(AppRecord {
                info: info.clone(),
                token_sha256: token_digest(&token),
            });
            Ok(())
        })?;
        Ok(NewApp { info, token })
    }

    /// Every app, in the order they were added.
    pub fn list(&self) -> Result<Vec<AppInfo>, AppError> {
        Ok(self.read()?.apps.into_iter().map(|app| app.info).collect())
    }

    /// Removes an app: its token stops working for every new call.
    pub fn revoke(&self, name: &str) -> Result<AppInfo, AppError> {
        self.update(|file| {
            let index = file
                .apps
                .iter()
                .position(|app| app.info.name == name)
                .ok_or_else(|| AppError::Unknown(name.to_owned()))?;
            Ok(file.apps.remove(index).info)
        })
    }
}

/// What identifies one version of the apps file: a replaced file has a new inode.
type Fingerprint = Option<(u64, u64, i64, i64, u64)>;

/// The node's side: checks tokens against the apps file, re-reading it when it changed.
#[derive(Debug)]
pub struct TokenVerifier {
    store: AppStore,
    cache: Mutex<(Fingerprint, HashMap<String, AppInfo>)>,
}

impl TokenVerifier {
    /// Checks tokens against `store`.
    pub fn new(store: AppStore) -> Self {
        Self {
            store,
            cache: Mutex::new((None, HashMap::new())),
        }
    }

    fn fingerprint(&self) -> Fingerprint {
        std::fs::metadata(self.store.path())
            .ok()
            .map(|m| (m.dev(), m.ino(), m.mtime(), m.mtime_nsec(), m.size()))
    }

    /// The caller a token digest stands for now, or `FORBIDDEN` (reason `unknown_token`)
    /// if no current app holds it — never added, or revoked.
    pub fn caller(&self, digest: &str) -> Result<Caller, ApiError> {
        let fingerprint = self.fingerprint();
        let mut cache = self.cache.lock().expect("not poisoned");
        if cache.0 != fingerprint || fingerprint.is_none() {
            let apps = match self.store.read() {
                Ok(file) => file.apps,
                Err(e) => {
                    tracing::error!(error = %e, "cannot read the apps file; refusing every token");
                    Vec::new()
                }
            };
            *cache = (
                fingerprint,
                apps.into_iter().map(|app| (app.token_sha256, app.info)).collect(),
            );
        }
        match cache.1.get(digest) {
            Some(info) => Ok(Caller::App {
                name: info.name.clone(),
                scopes: info.scopes.clone(),
            }),
            None => Err(ApiError::new(
                codes::FORBIDDEN,
                "unknown_token",
                "unknown or revoked app token",
            )),
        }
    }
}

/// The refusal of a WebSocket upgrade that presents no token (`FORBIDDEN`, reason
/// `no_token`; HTTP 401, SPEC.md §9.7).
pub fn no_token() -> ApiError {
    ApiError::new(
        codes::FORBIDDEN,
        "no_token",
        "an app token is required: Authorization: Bearer <token> or ?token=<token>",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_list_revoke_and_verify() {
        let dir = tempfile::tempdir().unwrap();
        let store = AppStore::at(dir.path().join("apps.json"));
        let verifier = TokenVerifier::new(store.clone());
        let bot = store.add("echo-bot", &[Scope::Send, Scope::Read, Scope::Read]).unwrap();
        assert!(bot.token.starts_with(TOKEN_PREFIX));
        assert_eq!(bot.token.len(), TOKEN_PREFIX.len() + 52);
        assert_eq!(bot.info.scopes, vec![Scope::Read, Scope::Send]);
        let mode = std::fs::metadata(store.path()).unwrap().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let text = std::fs::read_to_string(store.path()).unwrap();
        assert!(!text.contains(&bot.token), "only the digest is stored");

        let caller = verifier.caller(&token_digest(&bot.token)).unwrap();
        assert!(caller.may(Scope::Send) && !caller.may(Scope::Contacts));
        assert!(matches!(
            store.add("echo-bot", &[Scope::Read]),
            Err(AppError::Duplicate(_))
        ));
        assert!(matches!(
            store.add("no spaces", &[Scope::Read]),
            Err(AppError::InvalidName(_))
        ));
        assert!(matches!(store.add("x", &[]), Err(AppError::NoScopes)));
        assert_eq!(store.list().unwrap().len(), 1);

        store.revoke("echo-bot").unwrap();
        let refused = verifier.caller(&token_digest(&bot.token)).unwrap_err();
        assert_eq!(refused.reason(), Some("unknown_token"));
        assert!(matches!(store.revoke("echo-bot"), Err(AppError::Unknown(_))));
        assert!(store.list().unwrap().is_empty());
    }

    #[test]
    fn a_damaged_file_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let store = AppStore::at(dir.path().join("apps.json"));
        std::fs::write(store.path(), "{not json").unwrap();
        assert_eq!(store.list().unwrap_err().reason(), "corrupt");
        assert!(TokenVerifier::new(store).caller("00").is_err());
    }
}
