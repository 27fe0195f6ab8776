//! The `chaos` scenario's users and their linked devices: `chingu run` child processes
//! (this executable) on 127.0.0.1, each with its home, its port and its event log kept
//! across restarts, so a node killed with SIGKILL comes back as the same node at the same
//! address.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::time::Instant;

use crate::account::LinkCode;
use crate::config::ReachabilityMode;
use crate::home::{Home, InitOptions};
use crate::identity::Identity;
use crate::lab::procs::{EventLog, Launch, NodeProcess};
use crate::model::now_ms;
use crate::node::link::join::join;
use crate::phone::{synthetic, Region};

/// Numbers of the users start here (the in-process nodes have the first ones).
const FIRST_USER_NUMBER: u32 = 100_000;
/// Tries to bring a killed user back before it counts as lost for good.
const RESTART_TRIES: usize = 5;
/// Wait between two tries to start a user again.
const RESTART_RETRY: Duration = Duration::from_secs(1);
/// Longest a device's link may take.
const LINK_DEADLINE: Duration = Duration::from_secs(60);

/// One user's node (or a linked device of one): its home and, while it runs, its
/// process.
pub struct User {
    /// `p<index>` (a device: its name).
    pub label: String,
    /// Its number (E.164; a device: its account's).
    pub phone: String,
    /// Its events, over all its lives.
    pub events: Arc<EventLog>,
    home: Home,
    log: PathBuf,
    port: u16,
    bootstrap: String,
    process: Mutex<Option<Arc<NodeProcess>>>,
}

/// What restarting a user cost, or why it failed.
pub struct Restart {
    /// From the first try until its control API answered.
    pub took: Duration,
    /// Tries that failed first, with why.
    pub failures: Vec<String>,
}

impl User {
    /// Creates user `index`'s home under `dir` and starts it, bootstrapping from
    /// `bootstrap`.
    pub async fn start(dir: &Path, index: usize, bootstrap: String) -> Result<Self, String> {
        let label = format!("p{index}");
        let home = Home::at(dir.join(&label));
        let phone = synthetic(FIRST_USER_NUMBER + index as u32);
        home.init(&InitOptions {
            phone: phone.clone(),
            name: label.clone(),
            region: Region::default(),
            force: false,
        })
        .map_err(|e| format!("{label}: {e}"))?;
        Self::start_home(dir, label, home, phone.to_string(), bootstrap).await
    }

    /// Links a new device called `name` to this user's account — both people confirm at
    /// once — and starts it (SPEC.md §8.5).
    pub async fn link_device(&self, dir: &Path, name: &str, bootstrap: String) -> Result<Self, String> {
        let failed = |e: &dyn std::fmt::Display| format!("{name}: {e}");
        let from = self.events.len();
        let offer = self.call("devices.link", json!({})).await?;
        let code = LinkCode::parse(offer["code"].as_str().unwrap_or_default(), now_ms()).map_err(|e| failed(&e))?;
        let confirming = async {
            let deadline = Instant::now() + LINK_DEADLINE;
            let pending = |e: &Value| (e["type"] == "device_link_pending").then_some(());
            self.events
                .wait_for(from, deadline, pending)
                .await
                .ok_or_else(|| failed(&"no device_link_pending"))?;
            self.call("devices.link_confirm", json!({ "accept": true })).await
        };
        let identity = Identity::generate();
        let joining = tokio::time::timeout(LINK_DEADLINE, join(&code, &identity, name, |_| async { true }));
        let (joined, confirmed) = tokio::join!(joining, confirming);
        confirmed?;
        let joined = joined
            .map_err(|_| failed(&"the link took too long"))?
            .map_err(|e| failed(&e))?;
        let home = Home::at(dir.join(name));
        home.init_linked(joined.home(identity), Region::default(), false)
            .map_err(|e| failed(&e))?;
        Self::start_home(dir, name.to_owned(), home, self.phone.clone(), bootstrap).await
    }

    /// Starts the node of `home` (settings for a loopback net: no mDNS, reachable as it
    /// is) on a port of its own.
    async fn start_home(
        dir: &Path,
        label: String,
        home: Home,
        phone: String,
        bootstrap: String,
    ) -> Result<Self, String> {
        let mut config = home.load_config().map_err(|e| format!("{label}: {e}"))?;
        config.network.mdns = false;
        config.network.reachability = ReachabilityMode::Public;
        config.save(&home.config_path()).map_err(|e| format!("{label}: {e}"))?;
        let port = free_port().map_err(|e| format!("{label}: a free port: {e}"))?;
        let user = Self {
            log: dir.join(format!("{label}.log")),
            phone,
            label,
            events: Arc::default(),
            home,
            port,
            bootstrap,
            process: Mutex::new(None),
        };
        let process = user.launch().await?;
        *user.process.lock().expect("not poisoned") = Some(Arc::new(process));
        Ok(user)
    }

    async fn launch(&self) -> Result<NodeProcess, String> {
        let exe = std::env::current_exe().map_err(|e| format!("this executable: {e}"))?;
        NodeProcess::start(Launch {
            bin: &exe,
            label: &self.label,
            home: &self.home,
            run_args: vec![
                "--listen".into(),
                format!("/ip4/127.0.0.1/tcp/{}", self.port),
                "--bootstrap".into(),
                self.bootstrap.clone(),
            ],
            log: &self.log,
            netns: None,
            events: self.events.clone(),
        })
        .await
        .map_err(|e| e.to_string())
    }

    /// Its process, if it runs.
    pub fn process(&self) -> Option<Arc<NodeProcess>> {
        self.process.lock().expect("not poisoned").clone()
    }

    /// Calls `method` on it; an error when it is down.
    pub async fn call(&self, method: &str, params: Value) -> Result<Value, String> {
        let process = self.process().ok_or_else(|| format!("{} is down", self.label))?;
        process.call(method, params).await.map_err(|e| e.to_string())
    }

    /// Kills it with SIGKILL (if it runs) and waits until it is gone.
    pub async fn kill(&self) -> bool {
        let process = self.process.lock().expect("not poisoned").take();
        match process {
            Some(process) => {
                process.kill().await;
                true
            }
            None => false,
        }
    }

    /// Starts it again from its home, trying a few times.
    pub async fn restart(&self) -> Result<Restart, String> {
        let started = Instant::now();
        let mut failures = Vec::new();
        for _ in 0..RESTART_TRIES {
            match self.launch().await {
                Ok(process) => {
                    *self.process.lock().expect("not poisoned") = Some(Arc::new(process));
                    return Ok(Restart {
                        took: started.elapsed(),
                        failures,
                    });
                }
                Err(e) => {
                    failures.push(e);
                    tokio::time::sleep(RESTART_RETRY).await;
                }
            }
        }
        Err(format!("{} did not start again: {}", self.label, failures.join("; ")))
    }

    /// Stops it with SIGTERM at the end of the run.
    pub async fn stop(&self) {
        let process = self.process.lock().expect("not poisoned").take();
        if let Some(process) = process {
            match Arc::try_unwrap(process) {
                Ok(process) => process.stop().await,
                Err(shared) => shared.kill().await,
            }
        }
    }

    /// Waits for its next event, for a second at most (or until `until`).
    pub async fn next_event(&self, until: Instant) {
        let from = self.events.len();
        let until = until.min(Instant::now() + Duration::from_secs(1));
        self.events.wait_until(from, until, |events| !events.is_empty()).await;
    }

    /// Whether it found contact `name` (`found` or `verified`).
    pub async fn has_found(&self, name: &str) -> bool {
        let contact = self.call("contacts.lookup", json!({ "contact": name })).await;
        matches!(
            contact.as_ref().ok().and_then(|c| c["state"].as_str()),
            Some("found" | "verified")
        )
    }
}

/// A TCP port free on 127.0.0.1 right now (the user listens on it for its whole run).
fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}
