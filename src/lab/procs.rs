//! `chingu run` processes, driven through their control API: the lab's nodes inside its
//! namespaces, and the test net's `chaos` scenario's on loopback.
//!
//! Each lab node is the real binary, started in its host's namespace (the child joins it with
//! `setns` before `exec`, and asks to be sent SIGTERM if the lab dies). Its home lives in
//! the run's directory, so its Unix control socket is reachable from the lab in the root
//! namespace (Unix sockets belong to the file system, not to a network namespace). The lab
//! keeps two connections per node: one for calls, one subscribed to events, which are
//! timestamped as they arrive and kept in an [`EventLog`] that scenarios wait on.

use std::fs::File;
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::topology::Host;
use super::LabError;
use crate::api::client::{ApiClient, ClientError};
use crate::home::{Home, InitOptions};
use crate::phone::{PhoneNumber, Region};

/// How long a node may take to open its control socket.
const START_DEADLINE: Duration = Duration::from_secs(30);
/// How long a node may take to stop after SIGTERM before it is killed.
const STOP_DEADLINE: Duration = Duration::from_secs(15);

/// Events a node sent, with the time each reached the lab.
#[derive(Default)]
pub struct EventLog {
    events: Mutex<Vec<(Instant, Value)>>,
    notify: Notify,
}

impl EventLog {
    /// Events so far (an index to wait from).
    pub fn len(&self) -> usize {
        self.events.lock().expect("not poisoned").len()
    }

    /// Whether no event arrived yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn push(&self, event: Value) {
        self.events.lock().expect("not poisoned").push((Instant::now(), event));
        self.notify.notify_waiters();
    }

    /// Runs `look` over the events from index `from` on.
    pub fn scan<T>(&self, from: usize, look: impl FnOnce(&[(Instant, Value)]) -> T) -> T {
        let events = self.events.lock().expect("not poisoned");
        look(&events[from.min(events.len())..])
    }

    /// Waits until `done` holds for the events from index `from` on, or `deadline`;
    /// returns whether it held.
    pub async fn wait_until(
        &self,
        from: usize,
        deadline: Instant,
        mut done: impl FnMut(&[(Instant, Value)]) -> bool,
    ) -> bool {
        loop {
            let notified = self.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.scan(from, &mut done) {
                return true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.scan(from, &mut done);
            }
        }
    }

    /// Waits for the first event from index `from` on that `pick` accepts; returns when
    /// it arrived and what `pick` made of it.
    pub async fn wait_for<T>(
        &self,
        from: usize,
        deadline: Instant,
        mut pick: impl FnMut(&Value) -> Option<T>,
    ) -> Option<(Instant, T)> {
        let mut found = None;
        self.wait_until(from, deadline, |events| {
            found = events.iter().find_map(|(at, e)| pick(e).map(|t| (*at, t)));
            found.is_some()
        })
        .await;
        found
    }
}

/// What to start.
#[derive(Debug, Clone)]
pub struct NodeSpec {
    /// Its label (also its home's directory name).
    pub label: String,
    /// `--role` (`bootstrap`, `mailbox`, `relay`), none for a user's node.
    pub role: Option<&'static str>,
    /// Its owner's number.
    pub phone: PhoneNumber,
    /// `--bootstrap` addresses.
    pub bootstrap: Vec<String>,
    /// TCP and UDP (QUIC) port it listens on.
    pub port: u16,
}

/// How to start a [`NodeProcess`].
pub struct Launch<'a> {
    /// The chingu executable.
    pub bin: &'a Path,
    /// Its label (in errors).
    pub label: &'a str,
    /// Its home, already initialised.
    pub home: &'a Home,
    /// Arguments after `run`.
    pub run_args: Vec<String>,
    /// Where its stdout and stderr go (appended to).
    pub log: &'a Path,
    /// The network namespace it joins before `exec` (none: this one).
    pub netns: Option<File>,
    /// Where its events go (kept across restarts when the caller passes the same log).
    pub events: Arc<EventLog>,
}

/// A `chingu run` child process, driven through its control API: one connection for
/// calls, one subscribed to events.
pub struct NodeProcess {
    /// Its label.
    pub label: String,
    /// Its owner's number (E.164).
    pub phone: String,
    /// Its peer id.
    pub peer_id: String,
    /// Its events.
    pub events: Arc<EventLog>,
    api: tokio::sync::Mutex<ApiClient>,
    child: tokio::sync::Mutex<tokio::process::Child>,
    pid: Option<u32>,
    tasks: Vec<JoinHandle<()>>,
}

impl NodeProcess {
    /// Starts `bin run` for `launch`; returns once its control API answers.
    pub async fn start(launch: Launch<'_>) -> Result<Self, LabError> {
        let Launch {
            bin,
            label,
            home,
            run_args,
            log: log_path,
            netns,
            events,
        } = launch;
        let label = label.to_owned();
        let node_err = |reason: String| LabError::Node {
            label: label.clone(),
            reason,
        };
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log_path)
            .map_err(LabError::io(format!("opening {}", log_path.display())))?;
        let mut command = tokio::process::Command::new(bin);
        command
            .arg("--home")
            .arg(home.dir())
            .args(["--lang", "en", "run"])
            .args(&run_args)
            .env_remove("CHINGU_HOME")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log.try_clone().map_err(LabError::io("log file"))?))
            .kill_on_drop(true);
        // SAFETY: only async-signal-safe system calls between fork and exec.
        unsafe {
            command.pre_exec(move || {
                nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGTERM)?;
                if let Some(netns) = &netns {
                    nix::sched::setns(netns.as_fd(), nix::sched::CloneFlags::CLONE_NEWNET)?;
                }
                Ok(())
            });
        }
        let mut child = spawn(command)
            .await
            .map_err(LabError::io(format!("starting {}", bin.display())))?;

        // The node prints its socket's path once the API is up; everything it prints
        // goes to its log.
        let socket = home.socket_path();
        let stdout = child.stdout.take().expect("piped");
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        let socket_text = socket.display().to_string();
        let mut log = tokio::fs::File::from_std(log);
        let printer = tokio::spawn(async move {
            let mut lines = BufReader::new(stdout).lines();
            let mut ready = Some(ready_tx);
            while let Ok(Some(line)) = lines.next_line().await {
                let _ = log.write_all(format!("{line}\n").as_bytes()).await;
                if line.contains(&socket_text) {
                    if let Some(tx) = ready.take() {
                        let _ = tx.send(());
                    }
                }
            }
        });
        let ready = tokio::time::timeout(START_DEADLINE, ready_rx).await;
        if !matches!(ready, Ok(Ok(()))) {
            // Stdout closed without the line: the node is exiting; collect its status.
            let status = match ready {
                Ok(Err(_)) => tokio::time::timeout(STOP_DEADLINE, child.wait())
                    .await
                    .ok()
                    .and_then(Result::ok),
                _ => None,
            };
            printer.abort();
            let tail = log_tail(log_path);
            return Err(match status.and_then(|s| s.code()) {
                Some(2) => LabError::Usage { label, message: tail },
                _ => node_err(format!(
                    "no control socket within {START_DEADLINE:?} ({status:?}): {tail}"
                )),
            });
        }

        let api_err = |method: &str| {
            let label = label.clone();
            let method = method.to_owned();
            move |source: ClientError| LabError::Api { label, method, source }
        };
        let mut api = ApiClient::connect(&socket).await.map_err(api_err("connect"))?;
        let mut subscriber = ApiClient::connect(&socket).await.map_err(api_err("connect"))?;
        subscriber.subscribe().await.map_err(api_err("events.subscribe"))?;
        let sink = events.clone();
        let listener = tokio::spawn(async move {
            while let Ok(Some(event)) = subscriber.next_event().await {
                sink.push(event);
            }
        });
        let status = api
            .call("node.status", json!({}))
            .await
            .map_err(api_err("node.status"))?;
        let text = |key: &str| status.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
        Ok(Self {
            phone: text("phone"),
            peer_id: text("peer_id"),
            label,
            events,
            api: tokio::sync::Mutex::new(api),
            pid: child.id(),
            child: tokio::sync::Mutex::new(child),
            tasks: vec![printer, listener],
        })
    }

    /// Calls `method` on the node.
    pub async fn call(&self, method: &str, params: Value) -> Result<Value, LabError> {
        self.api
            .lock()
            .await
            .call(method, params)
            .await
            .map_err(|source| LabError::Api {
                label: self.label.clone(),
                method: method.to_owned(),
                source,
            })
    }

    /// Its process id (none once reaped).
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    /// Whether the process still runs (a node busy being stopped or killed counts).
    pub fn is_running(&self) -> bool {
        match self.child.try_lock() {
            Ok(mut child) => matches!(child.try_wait(), Ok(None)),
            Err(_) => true,
        }
    }

    /// Stops the node with SIGTERM (killing it if it does not stop in time).
    pub async fn stop(self) {
        self.signal(nix::sys::signal::Signal::SIGTERM);
        let mut child = self.child.lock().await;
        if tokio::time::timeout(STOP_DEADLINE, child.wait()).await.is_err() {
            let _ = child.kill().await;
        }
    }

    /// Kills the node at once (SIGKILL: no flush, no goodbye) and waits until it is gone;
    /// calls in flight fail.
    pub async fn kill(&self) {
        self.signal(nix::sys::signal::Signal::SIGKILL);
        let _ = self.child.lock().await.wait().await;
    }

    fn signal(&self, signal: nix::sys::signal::Signal) {
        if let Some(pid) = self.pid {
            let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), signal);
        }
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// A running node in the lab: a [`NodeProcess`] in a host's namespace.
pub struct LabNode {
    /// The host it runs on.
    pub host: Host,
    /// Its TCP address with `/p2p/`, as dialled on its own network.
    pub addr: String,
    /// Its home.
    pub home: PathBuf,
    process: NodeProcess,
}

impl std::ops::Deref for LabNode {
    type Target = NodeProcess;

    fn deref(&self) -> &NodeProcess {
        &self.process
    }
}

impl LabNode {
    /// Creates a home in `dir` and starts `bin run` for `spec` inside `host`'s namespace;
    /// returns once its control API answers.
    pub async fn start(bin: &Path, dir: &Path, host: &Host, spec: NodeSpec) -> Result<Self, LabError> {
        let home = Home::at(dir.join("homes").join(&spec.label));
        home.init(&InitOptions {
            phone: spec.phone.clone(),
            name: spec.label.clone(),
            region: Region::default(),
            force: false,
        })
        .map_err(|e| LabError::Node {
            label: spec.label.clone(),
            reason: e.to_string(),
        })?;
        let logs = dir.join("logs");
        std::fs::create_dir_all(&logs).map_err(LabError::io(format!("creating {}", logs.display())))?;
        let mut run_args = vec![
            "--listen".to_owned(),
            format!("/ip4/0.0.0.0/tcp/{}", spec.port),
            "--listen".to_owned(),
            format!("/ip4/0.0.0.0/udp/{}/quic-v1", spec.port),
        ];
        for addr in &spec.bootstrap {
            run_args.extend(["--bootstrap".to_owned(), addr.clone()]);
        }
        if let Some(role) = spec.role {
            run_args.extend(["--role".to_owned(), role.to_owned()]);
        }
        let netns = File::open(host.ns.path()).map_err(LabError::io(format!("opening {}", host.ns.name())))?;
        let process = NodeProcess::start(Launch {
            bin,
            label: &spec.label,
            home: &home,
            run_args,
            log: &logs.join(format!("{}.log", spec.label)),
            netns: Some(netns),
            events: Arc::default(),
        })
        .await?;
        Ok(Self {
            addr: format!("/ip4/{}/tcp/{}/p2p/{}", host.ip, spec.port, process.peer_id),
            host: host.clone(),
            home: home.dir().to_owned(),
            process,
        })
    }

    /// Stops the node with SIGTERM (killing it if it does not stop in time).
    pub async fn stop(self) {
        self.process.stop().await;
    }
}

/// Spawns `command` from a thread that lives as long as the process. The kernel sends a
/// child its death signal when the *thread* that forked it ends, and runtime threads come
/// and go (`block_in_place` hands a worker's place to a new thread that may later retire).
/// Test-net scenarios that start a node process use it too.
pub async fn spawn(mut command: tokio::process::Command) -> std::io::Result<tokio::process::Child> {
    type Job = Box<dyn FnOnce() + Send>;
    static SPAWNER: OnceLock<Mutex<std::sync::mpsc::Sender<Job>>> = OnceLock::new();
    let spawner = SPAWNER.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("lab-spawner".into())
            .spawn(move || rx.into_iter().for_each(|job| job()))
            .expect("a thread can be started");
        Mutex::new(tx)
    });
    let runtime = tokio::runtime::Handle::current();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _context = runtime.enter();
        let _ = tx.send(command.spawn());
    });
    spawner
        .lock()
        .expect("not poisoned")
        .send(job)
        .map_err(|_| std::io::Error::other("the spawner thread is gone"))?;
    rx.await
        .map_err(|_| std::io::Error::other("the spawner thread is gone"))?
}

/// The last lines of a node's log (for error messages).
pub fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(5)..].join(" | ")
}
