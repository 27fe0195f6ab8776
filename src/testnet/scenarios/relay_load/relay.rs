//! The relay of `relay-load`: a real `chingu run --role relay` child process (this
//! executable, driven as a [`NodeProcess`]) listening on 127.0.0.1 only, with the
//! scenario's `[relay]` limits written to its home's config.toml. Its CPU and memory are
//! read from `/proc/<pid>` alone ([`Process`]); its counters come through its control API
//! (`node.status`, whose `nat.relay_service` is what `/metrics` exports as
//! `chingu_relay_service_*`).

use std::path::PathBuf;
use std::sync::Arc;

use libp2p::{Multiaddr, PeerId};
use serde_json::{json, Value};

use crate::config::{RelayConfig, Role};
use crate::home::Home;
use crate::lab::procs::{Launch, NodeProcess};
use crate::node::nat::admission::RelayServiceStats;
use crate::phone::Region;
use crate::testnet::resources::Process;

/// A running relay process.
pub struct RelayProcess {
    /// Its peer id.
    pub peer_id: PeerId,
    /// Its TCP address on 127.0.0.1, ending in `/p2p/<peer id>`.
    pub addr: Multiaddr,
    /// The process, for CPU and memory.
    pub process: Process,
    node: NodeProcess,
    log: PathBuf,
    _dir: tempfile::TempDir,
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
        let node = NodeProcess::start(Launch {
            bin: &exe,
            label: "relay",
            home: &home,
            run_args: ["--role", "relay", "--listen", "/ip4/127.0.0.1/tcp/0"]
                .map(String::from)
                .to_vec(),
            log: &log,
            netns: None,
            events: Arc::default(),
        })
        .await
        .map_err(|e| format!("the relay did not start: {e}"))?;
        let pid = node.pid().ok_or("the relay exited at once")?;
        let status = node
            .call("node.status", json!({}))
            .await
            .map_err(|e| format!("relay node.status: {e}"))?;
        let addr = status["listen_addrs"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .find(|a| a.contains("/tcp/"))
            .ok_or_else(|| format!("no TCP listen address in {status}"))?;
        let peer_id: PeerId = node.peer_id.parse().map_err(|e| format!("relay peer id: {e}"))?;
        // Listen addresses come without the peer id.
        let addr = addr
            .parse::<Multiaddr>()
            .map_err(|e| format!("relay address: {e}"))?
            .with(libp2p::multiaddr::Protocol::P2p(peer_id));
        Ok(Self {
            peer_id,
            addr,
            process: Process { pid },
            node,
            log,
            _dir: dir,
        })
    }

    /// Its `node.status`.
    pub async fn status(&mut self) -> Result<Value, String> {
        self.node
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
        self.node.is_running()
    }

    /// The last lines of its log (for error messages).
    pub fn log_tail(&self) -> String {
        crate::lab::procs::log_tail(&self.log)
    }

    /// Stops it with SIGTERM (killing it if it does not stop in time).
    pub async fn stop(self) {
        self.node.stop().await;
    }
}
