//! A node's home directory: where its keys, configuration, database and control socket
//! live, and the checks that keep it private and single-owner.
//!
//! Layout (SPEC.md §8.1):
//! ```text
//! <home>/identity.key   ed25519 identity secret        mode 0600
//! <home>/noise.key      X25519 Noise static secret     mode 0600
//! <home>/config.toml    settings (see config::Config)
//! <home>/db/            the sled database (store::Store)
//! <home>/chingu.lock    held (flock) by the running daemon
//! <home>/chingu.sock    control API socket             mode 0600, only while running
//! <home>/apps.json      app names, scopes, token digests mode 0600 (api::apps)
//! ```
//! The home is resolved from `--home`, else `CHINGU_HOME`, else the platform data directory.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use nix::fcntl::{Flock, FlockArg};

use crate::config::{Config, Role};
use crate::identity::Identity;
use crate::phone::{PhoneNumber, Region};
use crate::store::{Profile, Store, StoreError, StoreOptions};

/// Longest path a Unix socket address can hold (`sun_path`, minus the terminator).
pub const MAX_SOCKET_PATH: usize = 107;

/// Problems with a home directory.
#[derive(Debug, thiserror::Error)]
pub enum HomeError {
    /// No directory was given and the platform has none for application data.
    #[error("cannot determine a home directory: pass --home DIR or set CHINGU_HOME")]
    NoDefault,
    /// The home holds no identity yet.
    #[error("{0} is not a chingu home yet: run `chingu init --phone NUMBER` first")]
    NotInitialized(PathBuf),
    /// `init` on an existing home without `--force`.
    #[error("{0} already holds a chingu identity; use --force to replace it (the old home is kept as a backup)")]
    AlreadyInitialized(PathBuf),
    /// The directory or a key belongs to someone else.
    #[error("{path} is owned by uid {owner}, but you are uid {me}: refusing to use another user's home")]
    WrongOwner {
        /// The offending path.
        path: PathBuf,
        /// Its owner.
        owner: u32,
        /// The current effective uid.
        me: u32,
    },
    /// The home directory can be entered or read by others.
    #[error("{} has mode {mode:o}; a chingu home must be private to you: run `chmod 700 {}`", .path.display(), .path.display())]
    InsecureHome {
        /// The home.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// A key file is readable or writable by others.
    #[error("{path} has mode {mode:o}; key files must be private: run `chmod 600 {path}`")]
    InsecurePermissions {
        /// The offending path.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// Another daemon holds the home's lock.
    #[error("a chingu node is already running on {home} (pid {pid})")]
    AlreadyRunning {
        /// The home.
        home: PathBuf,
        /// Pid recorded by the running daemon, if readable.
        pid: String,
    },
    /// The socket path does not fit in a Unix socket address.
    #[error("the control socket path {0} is longer than {MAX_SOCKET_PATH} bytes; use a shorter --home")]
    SocketPathTooLong(PathBuf),
    /// A key file is not in the expected format.
    #[error("{path} is not a valid chingu key file: {reason}")]
    BadKeyFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The configuration file is malformed.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The database could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The owner's name is too long or unprintable.
    #[error(transparent)]
    Name(#[from] crate::text::NameError),
    /// A filesystem operation failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// On which path.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

fn io_err<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> HomeError + 'a {
    move |source| HomeError::Io {
        action,
        path: path.to_owned(),
        source,
    }
}

/// What `init` should create.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// The owner's number, already normalised.
    pub phone: PhoneNumber,
    /// Display name shown to friends.
    pub name: String,
    /// Default region for numbers typed without a country code.
    pub region: Region,
    /// Replace an existing home (moving the old one aside).
    pub force: bool,
}

/// The keys and account of a home being made.
struct Made<'a> {
    identity: Identity,
    phone: Option<PhoneNumber>,
    /// A linked device's account list, the history its link carried, where its first
    /// device was reached and the account's number.
    devices: Option<(
        &'a crate::account::SignedDeviceList,
        &'a [crate::account::history::HistoryEntry],
        &'a [String],
        &'a str,
    )>,
}

/// What a device that joined an account starts its home with ([`Home::init_linked`]).
pub struct LinkedHome<'a> {
    /// Its own keys (the ones the link run certified).
    pub identity: Identity,
    /// The account's device list.
    pub list: &'a crate::account::SignedDeviceList,
    /// The history the link carried.
    pub history: &'a [crate::account::history::HistoryEntry],
    /// Where the account's first device was reached (multiaddrs).
    pub first_addrs: &'a [String],
    /// The account's display name (the device's profile name).
    pub name: &'a str,
    /// The account's number (the device keeps none of its own; its person's texts name
    /// it as their sender).
    pub phone: &'a str,
}

/// What `init` did.
#[derive(Debug)]
pub struct InitReport {
    /// The new identity's peer id.
    pub peer_id: libp2p::PeerId,
    /// Where an existing home was moved when `--force` replaced it.
    pub backup: Option<PathBuf>,
    /// The new database, still open (a node started right away can use it instead of
    /// reopening it: see `NodeConfig::open_store`).
    pub store: Store,
}

/// A chingu home directory.
#[derive(Debug, Clone)]
pub struct Home {
    dir: PathBuf,
}

impl Home {
    /// Uses `dir` as the home.
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// Resolves the home: an explicit directory (from `--home` or `CHINGU_HOME`), else the
    /// platform's data directory for chingu.
    pub fn resolve(explicit: Option<PathBuf>) -> Result<Self, HomeError> {
        if let Some(dir) = explicit {
            return Ok(Self::at(dir));
        }
        let dirs = directories::ProjectDirs::from("", "", "chingu").ok_or(HomeError::NoDefault)?;
        Ok(Self::at(dirs.data_dir()))
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Path of the identity key.
    pub fn identity_path(&self) -> PathBuf {
        self.dir.join("identity.key")
    }

    /// Path of the Noise static key.
    pub fn noise_key_path(&self) -> PathBuf {
        self.dir.join("noise.key")
    }

    /// Path of the configuration file.
    pub fn config_path(&self) -> PathBuf {
        self.dir.join("config.toml")
    }

    /// Path of the sled database directory.
    pub fn db_path(&self) -> PathBuf {
        self.dir.join("db")
    }

    /// Path of the control socket.
    pub fn socket_path(&self) -> PathBuf {
        self.dir.join("chingu.sock")
    }

    /// Path of the apps file (third-party apps' token digests and scopes).
    pub fn apps_path(&self) -> PathBuf {
        self.dir.join("apps.json")
    }

    /// Path of the daemon lock file.
    pub fn lock_path(&self) -> PathBuf {
        self.dir.join("chingu.lock")
    }

    /// Whether an identity exists here.
    pub fn is_initialized(&self) -> bool {
        self.identity_path().exists()
    }

    /// Creates a new home: identity and Noise keys (mode 0600), `config.toml` and the
    /// database with the owner's profile. Refuses an existing home unless `force`, in which
    /// case the old contents are moved into a `backup-<unix time>` directory first; refuses
    /// while a daemon runs on it.
    pub fn init(&self, options: &InitOptions) -> Result<InitReport, HomeError> {
        let config = Config {
            region: options.region.clone(),
            ..Config::default()
        };
        let made = Made {
            identity: Identity::generate(),
            phone: Some(options.phone.clone()),
            devices: None,
        };
        self.create(made, &options.name, &config, options.force)
    }

    /// Creates the home of a device that joined an account (`chingu init --link`): its
    /// own keys, the account's device list, the history the link carried (contacts, 1:1
    /// conversations and messages) and where the first device was reached. It keeps no
    /// number of its own: the account's first device publishes the account's record.
    /// Otherwise like [`Home::init`].
    pub fn init_linked(&self, linked: LinkedHome<'_>, region: Region, force: bool) -> Result<InitReport, HomeError> {
        let config = Config {
            region,
            ..Config::default()
        };
        let name = linked.name.to_owned();
        let made = Made {
            identity: linked.identity,
            phone: None,
            devices: Some((linked.list, linked.history, linked.first_addrs, linked.phone)),
        };
        self.create(made, &name, &config, force)
    }

    /// Creates the home of an operator's node with `role` and no phone number: it keeps no
    /// contacts, messages or groups and publishes no personal record (`role` is written
    /// to `config.toml`, so `chingu run` applies it). Otherwise like [`Home::init`].
    pub fn init_role(&self, role: Role, name: &str, region: Region, force: bool) -> Result<InitReport, HomeError> {
        let config = Config {
            region,
            role: Some(role),
            ..Config::default()
        };
        let made = Made {
            identity: Identity::generate(),
            phone: None,
            devices: None,
        };
        self.create(made, name, &config, force)
    }

    fn create(&self, made: Made<'_>, name: &str, config: &Config, force: bool) -> Result<InitReport, HomeError> {
        crate::text::check_name(name)?;
        // `run` could not bind its control socket: refuse now, before anything is made.
        self.checked_socket_path()?;
        let mut backup = None;
        let mut previous = None;
        if self.is_initialized() {
            if !force {
                return Err(HomeError::AlreadyInitialized(self.dir.clone()));
            }
            let lock = self.lock()?;
            // The replaced identity's records stay in the DHT until they expire: the new
            // node must know them for its own, never a friend's candidate.
            previous = self.load_identity().ok().map(|old| old.public_key());
            backup = Some(self.move_aside()?);
            drop(lock);
        }
        create_private_dir(&self.dir)?;
        let Made {
            identity,
            phone,
            devices,
        } = made;
        identity.save(&self.identity_path(), &self.noise_key_path())?;
        config.save(&self.config_path())?;
        let store = Store::open(&self.db_path(), StoreOptions::default())?;
        store.set_profile(&Profile {
            phone,
            name: name.to_owned(),
            created_ms: crate::model::now_ms(),
            status: String::new(),
            updated_ms: 0,
        })?;
        if let Some(old) = previous {
            store.add_previous_identity(old)?;
        }
        if let Some((list, history, first_addrs, phone)) = devices {
            store.set_meta_value(crate::account::LIST_META, list)?;
            store.set_meta_value(crate::node::link::FIRST_ADDRS_META, &first_addrs)?;
            store.set_meta_value(crate::node::link::ACCOUNT_PHONE_META, &phone)?;
            for entry in history {
                // The link run let only contacts and history entries through.
                if let Some(tree) = crate::store::BackedUpTree::from_byte(entry.tree) {
                    store.restore_entry(tree, entry.key.as_ref(), entry.value.as_ref())?;
                }
            }
            store.finish_device_copy(crate::model::now_ms())?;
        }
        store.flush()?;
        Ok(InitReport {
            peer_id: identity.peer_id(),
            backup,
            store,
        })
    }

    /// Moves the home's keys, settings, apps, database and files into a new
    /// `backup-<unix time>` directory inside it; returns that directory.
    pub(crate) fn move_aside(&self) -> Result<PathBuf, HomeError> {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let backup = self.dir.join(format!("backup-{stamp}"));
        create_private_dir(&backup)?;
        for name in ["identity.key", "noise.key", "config.toml", "apps.json", "db", "files"] {
            let from = self.dir.join(name);
            if from.exists() {
                fs::rename(&from, backup.join(name)).map_err(io_err("moving aside", &from))?;
            }
        }
        Ok(backup)
    }

    /// Checks that the home and its key files belong to the current user and that the
    /// home (mode 0700) and the keys (0600) are private. Called before anything reads
    /// them.
    pub fn check_ownership(&self) -> Result<(), HomeError> {
        if !self.is_initialized() {
            return Err(HomeError::NotInitialized(self.dir.clone()));
        }
        let me = nix::unistd::geteuid().as_raw();
        check_owner(&self.dir, me)?;
        // Refused, not fixed: a home others could enter may have been tampered with.
        let mode = fs::metadata(&self.dir).map_err(io_err("reading", &self.dir))?.mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(HomeError::InsecureHome {
                path: self.dir.clone(),
                mode,
            });
        }
        for key in [self.identity_path(), self.noise_key_path()] {
            check_owner(&key, me)?;
            let mode = fs::metadata(&key).map_err(io_err("reading", &key))?.mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(HomeError::InsecurePermissions { path: key, mode });
            }
        }
        Ok(())
    }

    /// Loads the identity after checking ownership and permissions.
    pub fn load_identity(&self) -> Result<Identity, HomeError> {
        self.check_ownership()?;
        Identity::load(&self.identity_path(), &self.noise_key_path())
    }

    /// Loads `config.toml` (defaults if it does not exist).
    pub fn load_config(&self) -> Result<Config, HomeError> {
        Ok(Config::load_or_default(&self.config_path())?)
    }

    /// Takes the home's exclusive lock, held for as long as the returned guard lives.
    /// Fails with [`HomeError::AlreadyRunning`] if a daemon holds it.
    pub fn lock(&self) -> Result<HomeLock, HomeError> {
        let path = self.lock_path();
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .map_err(io_err("opening", &path))?;
        match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(mut lock) => {
                lock.set_len(0).map_err(io_err("writing", &path))?;
                lock.rewind().map_err(io_err("writing", &path))?;
                write!(lock, "{}", std::process::id()).map_err(io_err("writing", &path))?;
                Ok(HomeLock { _lock: lock })
            }
            Err((mut file, _)) => {
                let mut pid = String::new();
                let _ = file.read_to_string(&mut pid);
                Err(HomeError::AlreadyRunning {
                    home: self.dir.clone(),
                    pid: if pid.trim().is_empty() {
                        "unknown".into()
                    } else {
                        pid.trim().into()
                    },
                })
            }
        }
    }

    /// The socket path, checked to fit in a socket address.
    pub fn checked_socket_path(&self) -> Result<PathBuf, HomeError> {
        let path = self.socket_path();
        if path.as_os_str().len() > MAX_SOCKET_PATH {
            return Err(HomeError::SocketPathTooLong(path));
        }
        Ok(path)
    }
}

/// Holds the home's daemon lock until dropped.
#[derive(Debug)]
pub struct HomeLock {
    _lock: Flock<File>,
}

fn check_owner(path: &Path, me: u32) -> Result<(), HomeError> {
    let owner = fs::metadata(path).map_err(io_err("reading", path))?.uid();
    if owner != me {
        return Err(HomeError::WrongOwner {
            path: path.to_owned(),
            owner,
            me,
        });
    }
    Ok(())
}

pub(crate) fn create_private_dir(dir: &Path) -> Result<(), HomeError> {
    fs::create_dir_all(dir).map_err(io_err("creating", dir))?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(io_err("securing", dir))
}

/// Writes `data` to `path` with mode 0600, atomically (write to a temporary file, then
/// rename), so a crash never leaves a half-written key or config.
pub(crate) fn write_private(path: &Path, data: &[u8]) -> Result<(), HomeError> {
    let tmp = path.with_extension("tmp");
    {
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(io_err("creating", &tmp))?;
        file.write_all(data).map_err(io_err("writing", &tmp))?;
        file.sync_all().map_err(io_err("syncing", &tmp))?;
    }
    fs::rename(&tmp, path).map_err(io_err("renaming", path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> InitOptions {
        InitOptions {
            phone: "+821012345678".parse().unwrap(),
            name: "민지".into(),
            region: Region::default(),
            force: false,
        }
    }

    #[test]
    fn init_creates_private_keys_and_refuses_twice() {
        let dir = tempfile::tempdir().unwrap();
        let home = Home::at(dir.path().join("h"));
        home.init(&options()).unwrap();
        home.check_ownership().unwrap();
        let mode = fs::metadata(home.identity_path()).unwrap().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert!(matches!(home.init(&options()), Err(HomeError::AlreadyInitialized(_))));
        let report = home
            .init(&InitOptions {
                force: true,
                ..options()
            })
            .unwrap();
        assert!(report.backup.unwrap().join("identity.key").exists());
        assert_eq!(
            report.store.previous_identities().unwrap().len(),
            1,
            "the old key is remembered"
        );
    }

    #[test]
    fn a_home_others_can_enter_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let home = Home::at(dir.path().join("h"));
        home.init(&options()).unwrap();
        fs::set_permissions(home.dir(), fs::Permissions::from_mode(0o755)).unwrap();
        let error = home.check_ownership().unwrap_err();
        assert!(matches!(error, HomeError::InsecureHome { mode: 0o755, .. }), "{error}");
        assert!(error.to_string().contains("chmod 700"));
    }

    #[test]
    fn loose_key_permissions_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let home = Home::at(dir.path());
        home.init(&options()).unwrap();
        fs::set_permissions(home.noise_key_path(), fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            home.load_identity(),
            Err(HomeError::InsecurePermissions { .. })
        ));
    }

    #[test]
    fn second_lock_reports_already_running() {
        let dir = tempfile::tempdir().unwrap();
        let home = Home::at(dir.path());
        let _held = home.lock().unwrap();
        match home.lock() {
            Err(HomeError::AlreadyRunning { pid, .. }) => {
                assert_eq!(pid, std::process::id().to_string())
            }
            other => panic!("expected AlreadyRunning, got {other:?}"),
        }
    }
}
