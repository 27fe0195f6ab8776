//! The lab: real `chingu run` processes on emulated networks, built on this machine from
//! Linux network namespaces, links with delay, jitter and loss, and nftables NAT routers
//! (SPEC.md §13). It is how reachability, relaying and hole punching are tested: the test
//! net beyond one process.
//!
//! ```text
//!   boot   mbox   relay   pub1 …          public hosts (one namespace each)
//!     \      |      |      /
//!      `---- inet (router) ----.            the "internet": routes between its links,
//!            |        |         \           probe servers on 172.16.0.1 and .2
//!          s1r       s2r        s3r         NAT routers (nftables), one per site
//!           |         |          |
//!          s1h       s2h        s3h         a home/carrier/office host behind each
//! ```
//!
//! - [`netns`]: namespaces, the run's id and lock, cleaning up a crashed run's leftovers.
//! - [`link`]: links between namespaces with delay, jitter and loss (`tc netem` where the
//!   kernel has it, otherwise a userspace emulator over TUN devices).
//! - [`nat`]: the NAT types and their nftables rulesets.
//! - [`topology`]: the address plan and building the namespaces, links and routers.
//! - [`probe`]: the self-test that checks each NAT behaves as named (UDP and TCP probes).
//! - [`procs`]: `chingu run` processes inside the namespaces, driven over their control API.
//! - [`scenarios`]: what a pair of friends behind two NAT types does, and the matrix.
//! - [`mixed_group`]: a group whose members sit behind every kind of network at once.
//! - [`report`]: the JSON reports.
//!
//! Everything the lab creates carries the prefix `chl-` and the run's id; nothing is
//! routed off the machine: the namespaces have no link to the root namespace at all.

pub mod link;
pub mod mixed_group;
pub mod nat;
pub mod netns;
pub mod probe;
pub mod procs;
pub mod report;
pub mod scenarios;
pub mod topology;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::api::client::ClientError;
use crate::phone::synthetic;
use nat::NatType;
use netns::Run;
use procs::{LabNode, NodeSpec};
use topology::{Topology, TopologySpec};

/// Lab failures.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    /// This machine cannot create network namespaces (not root, or no kernel support).
    #[error("this machine cannot create network namespaces: {0}")]
    NoNamespaces(String),
    /// A tool the lab runs is missing.
    #[error("`{tool}` is not installed; install the `{package}` package (e.g. `apt-get install -y {package}`)")]
    MissingTool {
        /// The program.
        tool: &'static str,
        /// The Debian package that has it.
        package: &'static str,
    },
    /// A command the lab ran failed.
    #[error("`{command}` failed: {stderr}")]
    Command {
        /// The command line.
        command: String,
        /// What it printed on stderr.
        stderr: String,
    },
    /// `tc netem` was asked for but the kernel has no netem qdisc.
    #[error("this kernel has no `tc netem` (sch_netem): {0}; use `--links userspace`")]
    NoNetem(String),
    /// A system call or file operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// A node could not be started or stopped.
    #[error("node {label}: {reason}")]
    Node {
        /// The node's label.
        label: String,
        /// Why.
        reason: String,
    },
    /// The node's command line refused an argument (e.g. a role this build lacks).
    #[error("node {label}: the node refused its arguments: {message}")]
    Usage {
        /// The node's label.
        label: String,
        /// What clap printed.
        message: String,
    },
    /// A control API call failed.
    #[error("node {label}: {method}: {source}")]
    Api {
        /// The node's label.
        label: String,
        /// The method called.
        method: String,
        /// Why.
        source: ClientError,
    },
    /// No lab run with this id is running.
    #[error("no lab run {0} is running (`chingu lab list` shows the runs)")]
    UnknownRun(String),
    /// Stopped by Ctrl-C or SIGTERM.
    #[error("interrupted")]
    Interrupted,
}

impl LabError {
    /// An I/O error while doing `what`.
    pub fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> LabError {
        let what = what.into();
        move |source| LabError::Io { what, source }
    }
}

/// What every lab run needs.
#[derive(Debug, Clone)]
pub struct LabOptions {
    /// The `chingu` binary the nodes run (the CLI passes its own executable).
    pub bin: PathBuf,
    /// Delay, jitter and loss of every link that crosses the "internet".
    pub link: link::LinkParams,
    /// How links are emulated (`None`: netem where the kernel has it).
    pub links: Option<link::Backend>,
    /// Keep the run's directory (homes and node logs) after the run.
    pub keep_dir: bool,
}

/// The operators' nodes: label and `--role`. The relay is optional: a build without
/// `--role relay` runs without it (bootstrap and mailbox nodes relay too once they can).
const INFRA: [(&str, &str); 3] = [("boot", "bootstrap"), ("mbox", "mailbox"), ("relay", "relay")];
/// The first port nodes listen on (TCP and UDP); each node gets the next one.
const FIRST_PORT: u16 = 4001;

/// A built lab: the topology, the operators' nodes on public hosts, and user nodes
/// started on demand on its sites. Dropping it kills the nodes and removes everything;
/// [`Lab::shutdown`] stops the nodes gracefully first.
pub struct Lab {
    infra: Vec<LabNode>,
    /// The namespaces, links and routers.
    pub topology: Topology,
    run: Run,
    options: LabOptions,
    next_port: u16,
    next_phone: u32,
    generation: u32,
    /// How long starting the operators' nodes took.
    pub infra_start: Duration,
    /// Remarks (e.g. a role this build lacks).
    pub notes: Vec<String>,
}

impl Lab {
    /// Builds a topology with the operators' public hosts and one site per entry of
    /// `sites`, and starts the operators' nodes.
    pub async fn start(options: &LabOptions, purpose: &str, sites: Vec<NatType>) -> Result<Self, LabError> {
        let run = Run::start(purpose, options.keep_dir)?;
        let spec = TopologySpec {
            public: INFRA.iter().map(|(label, _)| label.to_string()).collect(),
            sites,
        };
        let topology = Topology::build(&run, &spec, options.link, options.links)?;
        let mut lab = Self {
            infra: Vec::new(),
            topology,
            run,
            options: options.clone(),
            next_port: FIRST_PORT,
            next_phone: 0,
            generation: 0,
            infra_start: Duration::ZERO,
            notes: Vec::new(),
        };
        let started = Instant::now();
        lab.start_infra().await?;
        lab.infra_start = started.elapsed();
        Ok(lab)
    }

    /// Starts a new generation of operators' nodes (fresh homes and ports).
    async fn start_infra(&mut self) -> Result<(), LabError> {
        self.generation += 1;
        for (index, (label, role)) in INFRA.iter().enumerate() {
            let host = self.topology.public[index].clone();
            let label = match self.generation {
                1 => label.to_string(),
                n => format!("{label}-{n}"),
            };
            let spec = self.spec(&label, Some(role));
            match LabNode::start(&self.options.bin, self.run.dir(), &host, spec).await {
                Ok(node) => self.infra.push(node),
                Err(LabError::Usage { message, .. }) if *role == "relay" => {
                    if self.generation == 1 {
                        self.notes
                            .push(format!("no relay node: this build has no `--role relay` ({message})"));
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Replaces the operators' nodes with fresh ones, so that what follows starts from
    /// an empty DHT (no records or peers left by earlier nodes).
    pub async fn restart_infra(&mut self) -> Result<(), LabError> {
        futures::future::join_all(self.infra.drain(..).map(LabNode::stop)).await;
        self.start_infra().await
    }

    /// The run's id.
    pub fn run_id(&self) -> &str {
        self.run.id()
    }

    /// The run's directory (homes in `homes/`, node logs in `logs/`).
    pub fn dir(&self) -> &Path {
        self.run.dir()
    }

    /// The operators' nodes that run.
    pub fn infra(&self) -> &[LabNode] {
        &self.infra
    }

    fn spec(&mut self, label: &str, role: Option<&'static str>) -> NodeSpec {
        // Users' nodes join through the bootstrap and mailbox nodes (the first two).
        let port = self.next_port;
        self.next_port += 1;
        let phone = synthetic(self.next_phone);
        self.next_phone += 1;
        NodeSpec {
            label: label.to_owned(),
            role,
            phone,
            bootstrap: self.infra.iter().take(2).map(|n| n.addr.clone()).collect(),
            port,
        }
    }

    /// Starts a user's node on site `site` (an index into the topology's sites).
    pub async fn start_user(&mut self, site: usize) -> Result<LabNode, LabError> {
        let host = self.topology.sites[site].clone();
        let label = format!("{}-{}", host.nat, self.next_phone);
        let spec = self.spec(&label, None);
        LabNode::start(&self.options.bin, self.run.dir(), &host, spec).await
    }

    /// Stops the operators' nodes, then removes the namespaces (and, unless kept, the
    /// run's directory).
    pub async fn shutdown(mut self) {
        futures::future::join_all(self.infra.drain(..).map(LabNode::stop)).await;
    }
}
