//! Network namespaces for the lab, and the run that owns them.
//!
//! A run has a random id; its namespaces are named `chl-<id>-<label>` and its homes and
//! logs live in `<tmp>/chingu-lab-<id>`. While it lives, the run holds an exclusive
//! `flock` on `/run/chingu-lab/<id>.lock` (which also records its pid and directory). A
//! run whose namespaces exist but whose lock nobody holds has crashed: the next run, or
//! `chingu lab clean`, kills what still runs inside its namespaces, deletes them and
//! removes its directory. Dropping a [`Run`] tears everything down the same way, so a
//! panicking test or an interrupted command leaves nothing behind.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use nix::fcntl::{Flock, FlockArg};
use nix::sched::CloneFlags;
use serde::{Deserialize, Serialize};

use super::LabError;

/// Prefix of every namespace the lab creates.
pub const PREFIX: &str = "chl-";
/// Where the runs' lock files live.
const LOCK_DIR: &str = "/run/chingu-lab";
/// The extension of a lock file not yet moved into place (`<id>.unplaced`).
const UNPLACED_EXTENSION: &str = "unplaced";
/// Where `ip netns` keeps its namespaces.
const NETNS_DIR: &str = "/run/netns";
/// Prefix of a run's directory in the temporary directory.
const DIR_PREFIX: &str = "chingu-lab-";

/// Runs `program args…` (feeding `stdin` if given) and returns its stdout, or a
/// [`LabError::Command`] with its stderr.
pub fn run_cmd(program: &'static str, args: &[&str], stdin: Option<&str>) -> Result<String, LabError> {
    let mut command = Command::new(tool_path(program).unwrap_or_else(|| program.into()));
    command
        .args(args)
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => missing_tool(program),
        _ => LabError::Io {
            what: format!("running {program}"),
            source: e,
        },
    })?;
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(text.as_bytes())
            .map_err(LabError::io(format!("writing to {program}")))?;
    }
    let out = child
        .wait_with_output()
        .map_err(LabError::io(format!("waiting for {program}")))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(LabError::Command {
            command: format!("{program} {}", args.join(" ")),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        })
    }
}

fn missing_tool(program: &str) -> LabError {
    let (tool, package) = match program {
        "nft" => ("nft", "nftables"),
        "tc" => ("tc", "iproute2"),
        _ => ("ip", "iproute2"),
    };
    LabError::MissingTool { tool, package }
}

/// One network namespace (created by `ip netns add`, so `ip netns exec` reaches it too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Netns {
    name: String,
}

impl Netns {
    /// The namespace called `name` (which must exist to be used).
    pub fn named(name: &str) -> Self {
        Self { name: name.to_owned() }
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The file that pins it.
    pub fn path(&self) -> PathBuf {
        Path::new(NETNS_DIR).join(&self.name)
    }

    /// Runs `ip -n <ns> args…`.
    pub fn ip(&self, args: &[&str]) -> Result<String, LabError> {
        let mut all = vec!["-n", self.name.as_str()];
        all.extend_from_slice(args);
        run_cmd("ip", &all, None)
    }

    /// Runs `program args…` inside the namespace (`ip netns exec`).
    pub fn exec(&self, program: &str, args: &[&str], stdin: Option<&str>) -> Result<String, LabError> {
        let mut all = vec!["netns", "exec", self.name.as_str(), program];
        all.extend_from_slice(args);
        run_cmd("ip", &all, stdin).map_err(|e| match e {
            LabError::Command { stderr, .. } if stderr.contains("No such file or directory") && program == "nft" => {
                missing_tool("nft")
            }
            other => other,
        })
    }

    /// Sets a sysctl of the namespace (e.g. `net.ipv4.ip_forward`).
    pub fn sysctl(&self, key: &str, value: &str) -> Result<(), LabError> {
        let path = format!("/proc/sys/{}", key.replace('.', "/"));
        let value = value.to_owned();
        self.enter(move || std::fs::write(&path, value))
            .map_err(LabError::io(format!("setting {key} in {}", self.name)))
    }

    /// Runs `f` on a thread that has joined this namespace: sockets and devices it creates
    /// belong to the namespace for their whole life, whichever thread uses them later.
    pub fn enter<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> std::io::Result<T> + Send + 'static,
    ) -> std::io::Result<T> {
        let path = self.path();
        std::thread::spawn(move || {
            let file = File::open(&path)?;
            nix::sched::setns(file.as_fd(), CloneFlags::CLONE_NEWNET)?;
            f()
        })
        .join()
        .map_err(|_| std::io::Error::other("a thread inside a namespace panicked"))?
    }

    /// Process ids running inside the namespace.
    pub fn pids(&self) -> Vec<i32> {
        run_cmd("ip", &["netns", "pids", &self.name], None)
            .map(|out| out.split_whitespace().filter_map(|p| p.parse().ok()).collect())
            .unwrap_or_default()
    }

    /// Kills whatever still runs inside and deletes the namespace.
    fn remove(&self) {
        for pid in self.pids() {
            let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGKILL);
        }
        let _ = run_cmd("ip", &["netns", "del", &self.name], None);
    }
}

/// What a run's lock file records.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunInfo {
    /// The run's id.
    pub id: String,
    /// The lab process.
    pub pid: u32,
    /// Its directory (homes and logs).
    pub dir: PathBuf,
    /// What it is doing (`run`, `up`, `selftest`, a test's name).
    pub purpose: String,
}

/// One lab run: its id, lock, directory and namespaces. Dropping it tears them down.
pub struct Run {
    info: RunInfo,
    _lock: Flock<File>,
    namespaces: Mutex<Vec<Netns>>,
    keep_dir: bool,
}

impl Run {
    /// Starts a run for `purpose`: removes crashed runs' leftovers, takes a fresh id and
    /// its lock, and creates its directory.
    pub fn start(purpose: &str, keep_dir: bool) -> Result<Self, LabError> {
        check_tools()?;
        clean_stale();
        std::fs::create_dir_all(LOCK_DIR).map_err(LabError::io(format!("creating {LOCK_DIR}")))?;
        let id = hex::encode(rand::random::<[u8; 3]>());
        let lock_path = lock_path(&id);
        // The lock is taken on a file of another name and only then moved into place: a
        // lock file another run's `clean_stale` can see is always held (seen unheld
        // between its creation and its lock, it was taken for a crashed run's and
        // removed under the live run).
        let unplaced = lock_path.with_extension(UNPLACED_EXTENSION);
        let file = OpenOptions::new()
            .create_new(true)
            .write(true)
            .open(&unplaced)
            .map_err(LabError::io(format!("creating {}", unplaced.display())))?;
        let mut lock = Flock::lock(file, FlockArg::LockExclusiveNonblock).map_err(|(_, e)| LabError::Io {
            what: format!("locking {}", unplaced.display()),
            source: e.into(),
        })?;
        let dir = std::env::temp_dir().join(format!("{DIR_PREFIX}{id}"));
        std::fs::create_dir_all(&dir).map_err(LabError::io(format!("creating {}", dir.display())))?;
        let info = RunInfo {
            id,
            pid: std::process::id(),
            dir,
            purpose: purpose.to_owned(),
        };
        let text = serde_json::to_string(&info).expect("serialisable");
        lock.write_all(text.as_bytes())
            .map_err(LabError::io(format!("writing {}", unplaced.display())))?;
        std::fs::rename(&unplaced, &lock_path).map_err(LabError::io(format!("placing {}", lock_path.display())))?;
        Ok(Self {
            info,
            _lock: lock,
            namespaces: Mutex::new(Vec::new()),
            keep_dir,
        })
    }

    /// The run's id.
    pub fn id(&self) -> &str {
        &self.info.id
    }

    /// The run's directory.
    pub fn dir(&self) -> &Path {
        &self.info.dir
    }

    /// Creates the namespace `chl-<id>-<label>` with its loopback up.
    pub fn add_netns(&self, label: &str) -> Result<Netns, LabError> {
        let ns = Netns::named(&format!("{PREFIX}{}-{label}", self.info.id));
        run_cmd("ip", &["netns", "add", ns.name()], None)?;
        self.namespaces.lock().expect("not poisoned").push(ns.clone());
        ns.ip(&["link", "set", "lo", "up"])?;
        Ok(ns)
    }

    /// Deletes the run's namespaces (killing what still runs in them) and, unless kept,
    /// its directory. Called on drop; idempotent.
    pub fn teardown(&self) {
        let namespaces = std::mem::take(&mut *self.namespaces.lock().expect("not poisoned"));
        for ns in namespaces.iter().rev() {
            ns.remove();
        }
        if !self.keep_dir {
            let _ = std::fs::remove_dir_all(&self.info.dir);
        }
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        self.teardown();
        let _ = std::fs::remove_file(lock_path(&self.info.id));
    }
}

fn lock_path(id: &str) -> PathBuf {
    Path::new(LOCK_DIR).join(format!("{id}.lock"))
}

/// Checks that `ip` and `nft` are installed.
fn check_tools() -> Result<(), LabError> {
    for tool in ["ip", "nft"] {
        if tool_path(tool).is_none() {
            return Err(missing_tool(tool));
        }
    }
    Ok(())
}

/// Where `tool` is: on `PATH`, or in the sbin directories a user's `PATH` may lack.
fn tool_path(tool: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin"].map(PathBuf::from))
        .map(|dir| dir.join(tool))
        .find(|file| file.is_file())
}

/// Whether this machine can create network namespaces, found out by creating (and
/// deleting) one. `Err` says why not.
pub fn available() -> Result<(), LabError> {
    let name = format!(
        "{PREFIX}check-{}-{}",
        std::process::id(),
        hex::encode(rand::random::<[u8; 4]>())
    );
    match run_cmd("ip", &["netns", "add", &name], None) {
        Ok(_) => {
            let _ = run_cmd("ip", &["netns", "del", &name], None);
        }
        Err(LabError::Command { stderr, .. }) => return Err(LabError::NoNamespaces(stderr)),
        Err(e) => return Err(e),
    }
    check_tools()
}

/// A lab run seen from outside.
#[derive(Debug, Clone, Serialize)]
pub struct RunState {
    /// The run's id.
    pub id: String,
    /// Whether its process still holds its lock.
    pub live: bool,
    /// What its lock file says (absent for leftovers without one).
    pub info: Option<RunInfo>,
    /// Its namespaces.
    pub namespaces: Vec<String>,
}

/// Every run with a lock file or namespaces on this machine.
pub fn runs() -> Vec<RunState> {
    let mut by_id: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if let Ok(entries) = std::fs::read_dir(NETNS_DIR) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(id) = run_id_of(&name) {
                by_id.entry(id.to_owned()).or_default().push(name);
            }
        }
    }
    if let Ok(entries) = std::fs::read_dir(LOCK_DIR) {
        for entry in entries.flatten() {
            if let Some(id) = entry.file_name().to_string_lossy().strip_suffix(".lock") {
                by_id.entry(id.to_owned()).or_default();
            }
        }
    }
    by_id
        .into_iter()
        .map(|(id, mut namespaces)| {
            namespaces.sort();
            let info = std::fs::read_to_string(lock_path(&id))
                .ok()
                .and_then(|t| serde_json::from_str(&t).ok());
            RunState {
                live: is_live(&id),
                id,
                info,
                namespaces,
            }
        })
        .collect()
}

/// The run id in a lab namespace's name (`chl-<id>-<label>`).
fn run_id_of(name: &str) -> Option<&str> {
    let rest = name.strip_prefix(PREFIX)?;
    let (id, _) = rest.split_once('-')?;
    (id.len() == 6 && id.bytes().all(|b| b.is_ascii_hexdigit())).then_some(id)
}

/// Whether a process holds run `id`'s lock.
fn is_live(id: &str) -> bool {
    let Ok(file) = File::open(lock_path(id)) else {
        return false;
    };
    matches!(
        Flock::lock(file, FlockArg::LockSharedNonblock),
        Err((_, nix::errno::Errno::EWOULDBLOCK))
    )
}

/// Removes every crashed run's namespaces, processes, directory and lock file; returns
/// the ids cleaned.
pub fn clean_stale() -> Vec<String> {
    let mut cleaned = Vec::new();
    for run in runs().into_iter().filter(|r| !r.live) {
        for name in &run.namespaces {
            Netns::named(name).remove();
        }
        let dir = run
            .info
            .map(|i| i.dir)
            .unwrap_or_else(|| std::env::temp_dir().join(format!("{DIR_PREFIX}{}", run.id)));
        let _ = std::fs::remove_dir_all(dir);
        let _ = std::fs::remove_file(lock_path(&run.id));
        cleaned.push(run.id);
    }
    // Lock files a run never placed: left by a crash during its start (one being placed
    // now is held).
    for entry in std::fs::read_dir(LOCK_DIR).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != UNPLACED_EXTENSION) {
            continue;
        }
        if File::open(&path).is_ok_and(|f| Flock::lock(f, FlockArg::LockSharedNonblock).is_ok()) {
            let _ = std::fs::remove_file(path);
        }
    }
    cleaned
}

/// Asks the live run `id` (or the only live one) to stop, and waits until it released
/// its lock (it tears its namespaces down first). Returns the id stopped.
pub async fn stop_run(id: Option<&str>, deadline: std::time::Duration) -> Result<String, LabError> {
    let live: Vec<RunState> = runs().into_iter().filter(|r| r.live).collect();
    let run = match id {
        Some(id) => live.into_iter().find(|r| r.id == id),
        None if live.len() == 1 => live.into_iter().next(),
        None => None,
    }
    .ok_or_else(|| LabError::UnknownRun(id.unwrap_or("(give an id)").to_owned()))?;
    let info = run.info.ok_or_else(|| LabError::UnknownRun(run.id.clone()))?;
    let pid = nix::unistd::Pid::from_raw(info.pid as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).map_err(|e| LabError::Io {
        what: format!("signalling the lab process {}", info.pid),
        source: e.into(),
    })?;
    let path = lock_path(&run.id);
    let wait = tokio::task::spawn_blocking(move || match File::open(&path) {
        // Blocks until the run's process lets go of its lock (on exit).
        Ok(file) => Flock::lock(file, FlockArg::LockShared).map(drop).map_err(|(_, e)| e),
        Err(_) => Ok(()),
    });
    match tokio::time::timeout(deadline, wait).await {
        Ok(_) => Ok(run.id),
        Err(_) => Err(LabError::Node {
            label: format!("lab run {}", run.id),
            reason: format!("did not stop within {deadline:?}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_ids_in_namespace_names() {
        assert_eq!(run_id_of("chl-0a1b2c-inet"), Some("0a1b2c"));
        assert_eq!(run_id_of("chl-0a1b2c-s1-r"), Some("0a1b2c"));
        assert_eq!(run_id_of("chl-check-42"), None);
        assert_eq!(run_id_of("other-0a1b2c-inet"), None);
    }
}
