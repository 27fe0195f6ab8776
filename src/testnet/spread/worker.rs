//! One worker process of a spread net: it starts its slice of the nodes (bootstrapping
//! from nodes anywhere in the net, as the coordinator passes them on), waits until they
//! are ready, runs its part of the DHT check when told, and shuts them down at the end.

use std::io::Write;
use std::path::PathBuf;

use libp2p::Multiaddr;
use tokio::io::AsyncBufReadExt;
use tokio::sync::mpsc;

use super::super::resources;
use super::super::scenarios::dht;
use super::super::{ready_deadline, FdPlan, TestNet, TestNetError, TestNetOptions, JOINING_AT_ONCE};
use super::spread_error;
use super::wire::{line, FromWorker, ToWorker};

/// A worker's share of the net.
#[derive(Debug, Clone)]
pub struct Slice {
    /// The directory holding every node's home (shared by all workers).
    pub root: PathBuf,
    /// Number of its first node.
    pub first: usize,
    /// How many nodes it runs.
    pub count: usize,
    /// Nodes in the whole net.
    pub total: usize,
    /// Workers in the whole net.
    pub workers: usize,
    /// Seed of its random choices.
    pub seed: u64,
}

/// Runs the worker on this process's stdin and stdout until told to stop (or until the
/// coordinator is gone: stdin ends or stdout closes).
pub async fn run(slice: Slice) -> Result<(), TestNetError> {
    let mut options = TestNetOptions::new(slice.count);
    options.seed = slice.seed;
    options.plan = Some(FdPlan::for_process(slice.count, slice.total));
    // About as many nodes joining at once in the whole net as in one process.
    options.joining_at_once = (JOINING_AT_ONCE / slice.workers.max(1)).max(2);
    let mut net = TestNet::slice_at(&slice.root, options, slice.first);
    let mut inbox = read_stdin();
    let outcome = serve(&slice, &mut net, &mut inbox).await;
    net.shutdown().await;
    outcome
}

async fn serve(
    slice: &Slice,
    net: &mut TestNet,
    inbox: &mut mpsc::UnboundedReceiver<ToWorker>,
) -> Result<(), TestNetError> {
    for _ in 0..slice.count {
        loop {
            match inbox.try_recv() {
                Ok(message) => {
                    if !learn(net, message)? {
                        return Ok(());
                    }
                }
                Err(mpsc::error::TryRecvError::Empty) => break,
                Err(mpsc::error::TryRecvError::Disconnected) => return Ok(()),
            }
        }
        // Every worker but the first waits for a node to bootstrap from.
        while !net.knows_a_node() && slice.first > 0 {
            let Some(message) = inbox.recv().await else {
                return Ok(());
            };
            if !learn(net, message)? {
                return Ok(());
            }
        }
        let index = net.join_next().await?;
        say(&FromWorker::Started {
            number: slice.first + index,
            addr: net.nodes[index].addr.to_string(),
        })?;
    }
    let readiness = net.wait_ready(ready_deadline(slice.total), |_| {}).await;
    say(&FromWorker::Ready { ready: readiness.ready })?;
    let joined = net.wait_joined(ready_deadline(slice.total)).await;
    say(&FromWorker::Joined { joined })?;
    while let Some(message) = inbox.recv().await {
        match message {
            ToWorker::Check { concurrency } => {
                let pairs = dht::pair_outcomes(net, concurrency).await?;
                say(&FromWorker::Checked { pairs })?;
            }
            ToWorker::Measure => {
                // Idle: the check's connections close after this worker's idle timeout.
                let connected = net.wait_unconnected(2 * net.plan().idle_timeout).await;
                tracing::debug!(connected, "measuring the idle net");
                let (rss_bytes, peak_rss_bytes) = (resources::rss_bytes(), resources::peak_rss_bytes());
                let heap_bytes = resources::heap_bytes();
                // Freed memory otherwise stays resident: an idle net's RSS is its peak.
                crate::allocator::return_free_memory();
                say(&FromWorker::Measured {
                    rss_bytes,
                    peak_rss_bytes,
                    heap_bytes,
                    dht_rejoins: net.dht_rejoins().await,
                })?;
            }
            message => {
                if !learn(net, message)? {
                    break;
                }
            }
        }
    }
    Ok(())
}

/// Takes in a message that may come at any time; false for `Stop`.
fn learn(net: &mut TestNet, message: ToWorker) -> Result<bool, TestNetError> {
    match message {
        ToWorker::Node { addr } => {
            let addr: Multiaddr = addr
                .parse()
                .map_err(|e| spread_error(format!("a node's address {addr:?}: {e}")))?;
            net.learn_elsewhere(addr);
            Ok(true)
        }
        ToWorker::Check { .. } | ToWorker::Measure => {
            Err(spread_error("told to check or measure before its nodes were ready"))
        }
        ToWorker::Stop => Ok(false),
    }
}

/// The coordinator's messages, read from stdin by a task of their own (the channel holds
/// at most one message per node of the net and a few more).
fn read_stdin() -> mpsc::UnboundedReceiver<ToWorker> {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            match serde_json::from_str(&line) {
                Ok(message) => {
                    if tx.send(message).is_err() {
                        break;
                    }
                }
                Err(e) => tracing::error!(error = %e, "unreadable message from the coordinator"),
            }
        }
    });
    rx
}

/// Tells the coordinator; an error once it is gone.
fn say(message: &FromWorker) -> Result<(), TestNetError> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", line(message))
        .and_then(|()| out.flush())
        .map_err(|e| spread_error(format!("the coordinator is gone: {e}")))
}
