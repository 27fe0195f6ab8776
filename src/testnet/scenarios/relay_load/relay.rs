//! The relay of `relay-load`: a real `chingu run --role relay` child process (this
//! executable) listening on 127.0.0.1 only, with the scenario's `[relay]` limits written to
//! its home's config.toml. Its CPU and memory are read from `/proc/<pid>` alone
//! ([`Process`]); its counters come through its control API (`node.status`, whose
//! `nat.relay_service` is what `/metrics` exports as `chingu_relay_service_*`).

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use libp2p::{Multiaddr, PeerId};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::api::client::ApiClient;
use crate::config::{RelayConfig, Role};
use crate::home::Home;
use crate::node::nat::admission::RelayServiceStats;
use crate::phone::Region;
use crate::testnet::resources::Process;

/// How long the relay may take to print that it serves.
const START_DEADLINE: Duration = Duration::from_secs(30);
/// How long it may take to stop after SIGTERM before it is killed.
const STOP_DEADLINE: Duration = Duration::from_secs(15);

/// A running relay process.
pub struct RelayProcess {
    /// Its peer id.
    pub peer_id: PeerId,
    /// Its TCP address on 127.0.0.1, ending in `/p2p/<peer id>`.
    pub addr: Multiaddr,
    /// The process, for CPU and memory.
    pub process: Process,
    api: ApiClient,
    child: tokio::process::Child,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

/// The `started` line `chingu --json run` prints once it serves.
#[derive(serde::Deserialize)]
struct Started {
    peer_id: String,
    listen: Vec<String>,
}

impl RelayProcess {
    /// Creates a relay home whose `[relay]` section is `limits`, starts `chingu run --role
    /// relay` on it and returns once its control API answers.
    pub async fn start(limits: RelayConfig) -> Result<Self, String> {
        let dir = tempfile::Builder::new()
            .prefix("chingu-relay-load")
            .tempdir()
            .map_err(|e| format!("temporary directory: {e}"))?;
        let home = Home::at(dir.path().join("relay"));
        // The report holds the home's store open: closed before the node opens it.
        drop(
            home.init_role(Role::Relay, "relay", Region::default(), false)
                .map_err(|e| format!("relay home: {e}"))?,
        );
        let mut config = home.load_config().map_err(|e| format!("relay config: {e}"))?;
        config.relay = RelayConfig { serve: true, ..limits };
        config
            .save(&home.config_path())
            .map_err(|e| format!("relay config: {e}"))?;

        let exe = std::env::current_exe().map_err(|e| format!("this executable: {e}"))?;
        let log = dir.path().join("relay.log");
        let log_file = std::fs::File::create(&log).map_err(|e| format!("relay log: {e}"))?;
        let mut command = tokio::process::Command::new(exe);
        command
            .arg("--home")
            .arg(home.dir())
            .args(["--json", "run", "--role", "relay", "--listen", "/ip4/127.0.0.1/tcp/0"])
            .env_remove("CHINGU_HOME")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log_file))
            .kill_on_drop(true);
        // SAFETY: only an async-signal-safe system call between fork and exec.
        unsafe {
            command.pre_exec(|| {
                nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGTERM)?;
                Ok(())
            });
        }
        let mut child = crate::lab::procs::spawn(command)
            .await
            .map_err(|e| format!("starting the relay: {e}"))?;
        let pid = child.id().ok_or("the relay exited at once")?;
        let stdout = child.stdout.take().expect("piped");
        let mut lines = BufReader::new(stdout).lines();
        let started = tokio::time::timeout(START_DEADLINE, async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Ok(started) = serde_json::from_str::<Started>(&line) {
                    return Some(started);
                }
            }
            None
        })
        .await;
        let Ok(Some(started)) = started else {
            return Err(format!(
                "the relay did not start within {START_DEADLINE:?}: {}",
                crate::lab::procs::log_tail(&log)
            ));
        };
        // Nothing more is read from stdout (only the `stopped` line comes).
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let addr = started
            .listen
            .iter()
            .find(|a| a.contains("/tcp/"))
            .ok_or_else(|| format!("no TCP listen address in {:?}", started.listen))?
            .parse()
            .map_err(|e| format!("relay address: {e}"))?;
        let peer_id = started.peer_id.parse().map_err(|e| format!("relay peer id: {e}"))?;
        let api = ApiClient::connect(&home.socket_path())
            .await
            .map_err(|e| format!("relay control API: {e}"))?;
        Ok(Self {
            peer_id,
            addr,
            process: Process { pid },
            api,
            child,
            log,
            _dir: dir,
        })
    }

    /// Its `node.status`.
    pub async fn status(&mut self) -> Result<Value, String> {
        self.api
            .call("node.status", json!({}))
            .await
            .map_err(|e| format!("relay node.status: {e}"))
    }

    /// Its relay service's counters (`nat.relay_service` of its status).
    pub async fn service(&mut self) -> Result<RelayServiceStats, String> {
        let status = self.status().await?;
        serde_json::from_value(status["nat"]["relay_service"].clone())
            .map_err(|e| format!("relay service counters: {e} in {status}"))
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The last lines of its log (for error messages).
    pub fn log_tail(&self) -> String {
        crate::lab::procs::log_tail(&self.log)
    }

    /// Stops it with SIGTERM (killing it if it does not stop in time).
    pub async fn stop(mut self) {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.process.pid as i32),
            nix::sys::signal::Signal::SIGTERM,
        );
        if tokio::time::timeout(STOP_DEADLINE, self.child.wait()).await.is_err() {
            let _ = self.child.kill().await;
        }
    }
}
