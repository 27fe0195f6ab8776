//! A test net spread over several processes. One process holds at most 20,000 open
//! descriptors here, a connection takes one at each end, and the nets of hundreds of nodes
//! could only fit by closing idle connections after 3 s, so every Kademlia lookup dialled
//! its peers afresh. Spread over workers (`chingu testnet-worker`, this executable), each
//! holding a slice of the nodes with its own descriptors, connections live longer and are
//! reused. The coordinator (the `chingu testnet` process) starts the workers, passes every
//! started node's address on to the others (joiners bootstrap from nodes anywhere in the
//! net), waits until all are ready and have finished their first Kademlia bootstrap
//! (`joined_ms`: ready nodes may still be bootstrapping), has each worker run its part
//! of the DHT check, and
//! adds up their figures: the same report as a one-process net's, plus the workers' CPU
//! and their memory once the net is idle: resident (glibc keeps freed memory, so that is
//! the peak), the heap in use, and resident once the free memory is handed back.

pub mod wire;
pub mod worker;

use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::mpsc;

use super::resources::Process;
use super::scenarios::{dht, Report};
use super::{FdPlan, Progress, TestNetError};
use wire::{line, FromWorker, ToWorker};

/// Nodes per worker when the count of workers is not given. Each worker's nodes have room
/// to keep idle connections for 10 s (`ROOMY_BUDGET` descriptors each) from 150 nodes
/// down, and smaller slices, joining more nodes at once in all, came up sooner still: 500
/// nodes in 14 workers of 36 were ready in half the time of 7 workers of 72
/// (BENCHMARKS.md, "Thin routing tables bootstrapped again, 36 nodes per worker").
pub const NODES_PER_WORKER: usize = 36;
/// Most workers when their count is not given (the most measured: 1,000 nodes in 14).
pub const MAX_WORKERS: usize = 14;
/// How long workers get to shut their nodes down before they are killed.
const STOP_DEADLINE: Duration = Duration::from_secs(120);

pub(super) fn spread_error(reason: impl ToString) -> TestNetError {
    TestNetError::Spread {
        reason: reason.to_string(),
    }
}

/// How to spread a net.
#[derive(Debug, Clone)]
pub struct SpreadOptions {
    /// The chingu executable the workers run (`chingu testnet-worker`).
    pub program: std::path::PathBuf,
    /// Nodes in the whole net.
    pub nodes: usize,
    /// Worker processes.
    pub workers: usize,
    /// Seed of the harness's random choices (worker k uses `seed + k`).
    pub seed: u64,
    /// How long to keep the net up after the check.
    pub keep_up: Duration,
}

/// Workers for a net of `nodes`: one (this process, no spreading) while a full mesh fits
/// in this process's descriptors, else one per [`NODES_PER_WORKER`] nodes, at most
/// [`MAX_WORKERS`].
pub fn workers_for(nodes: usize) -> usize {
    if FdPlan::for_process(nodes, nodes).large {
        nodes.div_ceil(NODES_PER_WORKER).clamp(2, MAX_WORKERS)
    } else {
        1
    }
}

struct Worker {
    child: Child,
    stdin: ChildStdin,
    process: Process,
}

impl Worker {
    async fn tell(&mut self, message: &ToWorker) -> Result<(), TestNetError> {
        let mut text = line(message);
        text.push('\n');
        self.stdin
            .write_all(text.as_bytes())
            .await
            .map_err(|e| spread_error(format!("a worker is gone: {e}")))
    }
}

/// Starts the net in `options.workers` processes, waits until every node is ready, runs
/// the DHT check, keeps the net up for `options.keep_up`, measures the idle net, and stops
/// it. `progress` sees the nodes start and get ready.
pub async fn run(options: SpreadOptions, mut progress: impl FnMut(Progress)) -> Result<Report, TestNetError> {
    let dir = tempfile::Builder::new()
        .prefix("chingu-testnet-")
        .tempdir()
        .map_err(TestNetError::TempDir)?;
    let total = options.nodes.max(1);
    let count = options.workers.clamp(1, total);
    let started_at = Instant::now();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut workers = Vec::with_capacity(count);
    for k in 0..count {
        let first = k * total / count;
        let mut child = Command::new(&options.program)
            .arg("testnet-worker")
            .arg("--root")
            .arg(dir.path())
            .args(["--first", &first.to_string()])
            .args(["--count", &((k + 1) * total / count - first).to_string()])
            .args(["--nodes", &total.to_string()])
            .args(["--workers", &count.to_string()])
            .args(["--seed", &(options.seed + k as u64).to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| spread_error(format!("cannot start a worker: {e}")))?;
        let (Some(stdin), Some(stdout), Some(pid)) = (child.stdin.take(), child.stdout.take(), child.id()) else {
            return Err(spread_error("a worker has no pipes"));
        };
        let tx = tx.clone();
        tokio::spawn(async move {
            let mut lines = tokio::io::BufReader::new(stdout).lines();
            while let Ok(Some(text)) = lines.next_line().await {
                let message = serde_json::from_str::<FromWorker>(&text).map_err(|e| format!("{e}: {text}"));
                if tx.send((k, Some(message))).is_err() {
                    return;
                }
            }
            let _ = tx.send((k, None));
        });
        workers.push(Worker {
            child,
            stdin,
            process: Process { pid },
        });
    }
    drop(tx);

    // Start-up: pass every started node on to the other workers until all are ready and
    // have finished their first bootstrap (one worker may finish before another is ready).
    let (mut started, mut ready, mut joined) = (0, 0, 0);
    let (mut readied, mut joins_ended) = (0, 0);
    let (mut ready_ms, mut joined_ms) = (0, 0);
    let elapsed_ms = || started_at.elapsed().as_millis() as u64;
    while readied < count || joins_ended < count {
        match next(&mut rx).await? {
            (k, FromWorker::Started { addr, .. }) => {
                started += 1;
                for (j, worker) in workers.iter_mut().enumerate() {
                    if j != k {
                        worker.tell(&ToWorker::Node { addr: addr.clone() }).await?;
                    }
                }
                if started % 10 == 0 || started == total {
                    progress(Progress { started, ready, total });
                }
            }
            (_, FromWorker::Ready { ready: theirs }) => {
                ready += theirs;
                readied += 1;
                ready_ms = elapsed_ms();
                progress(Progress { started, ready, total });
            }
            (_, FromWorker::Joined { joined: theirs }) => {
                joined += theirs;
                joins_ended += 1;
                joined_ms = elapsed_ms();
            }
            (k, other) => return Err(spread_error(format!("worker {k} said {other:?} while starting"))),
        }
    }

    let concurrency = dht::check_concurrency(total, count);
    for worker in &mut workers {
        worker.tell(&ToWorker::Check { concurrency }).await?;
    }
    let mut outcomes = Vec::with_capacity(total);
    for _ in 0..count {
        match next(&mut rx).await? {
            (_, FromWorker::Checked { pairs }) => outcomes.extend(pairs),
            (k, other) => return Err(spread_error(format!("worker {k} said {other:?} during the check"))),
        }
    }
    if !options.keep_up.is_zero() {
        tokio::select! {
            _ = tokio::time::sleep(options.keep_up) => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    for worker in &mut workers {
        worker.tell(&ToWorker::Measure).await?;
    }
    let (mut idle_rss_bytes, mut rss_bytes, mut heap_bytes, mut rejoins) = (0, 0, 0, 0);
    for _ in 0..count {
        match next(&mut rx).await? {
            (
                _,
                FromWorker::Measured {
                    rss_bytes: idle,
                    peak_rss_bytes,
                    heap_bytes: theirs,
                    dht_rejoins,
                },
            ) => {
                rejoins += dht_rejoins;
                idle_rss_bytes += idle;
                rss_bytes += peak_rss_bytes;
                heap_bytes += theirs.unwrap_or_default();
            }
            (k, other) => return Err(spread_error(format!("worker {k} said {other:?} when measured"))),
        }
    }
    let trimmed_rss_bytes: u64 = workers.iter().filter_map(|w| w.process.rss_bytes()).sum();
    let trimmed_pss_bytes: u64 = workers.iter().filter_map(|w| w.process.pss_bytes()).sum();
    let cpu_s: f64 = workers.iter().filter_map(|w| w.process.cpu_seconds()).sum();
    stop(workers).await;

    let per_node = |bytes: u64| bytes / total as u64;
    let mut figures = serde_json::Map::new();
    figures.insert("workers".into(), count.into());
    figures.insert("joined".into(), joined.into());
    figures.insert("joined_ms".into(), joined_ms.into());
    figures.insert("dht_rejoins".into(), rejoins.into());
    figures.insert("workers_cpu_s".into(), super::stats::round(cpu_s).into());
    figures.insert("idle_rss_bytes".into(), idle_rss_bytes.into());
    figures.insert("idle_rss_per_node_bytes".into(), per_node(idle_rss_bytes).into());
    figures.insert("idle_heap_bytes".into(), heap_bytes.into());
    figures.insert("idle_heap_per_node_bytes".into(), per_node(heap_bytes).into());
    figures.insert("trimmed_rss_bytes".into(), trimmed_rss_bytes.into());
    figures.insert("trimmed_rss_per_node_bytes".into(), per_node(trimmed_rss_bytes).into());
    figures.insert("trimmed_pss_bytes".into(), trimmed_pss_bytes.into());
    figures.insert("trimmed_pss_per_node_bytes".into(), per_node(trimmed_pss_bytes).into());
    Ok(Report {
        nodes: total,
        ready,
        ready_ms,
        rss_bytes,
        rss_per_node_bytes: per_node(rss_bytes),
        kad_put_get: dht::report(&outcomes),
        scenario: None,
        scenario_cpu_s: 0.0,
        figures,
    })
}

/// The next message from any worker; an error when one ends or says something unreadable.
async fn next(
    rx: &mut mpsc::UnboundedReceiver<(usize, Option<Result<FromWorker, String>>)>,
) -> Result<(usize, FromWorker), TestNetError> {
    match rx.recv().await {
        Some((k, Some(Ok(message)))) => Ok((k, message)),
        Some((k, Some(Err(e)))) => Err(spread_error(format!("worker {k} said something unreadable: {e}"))),
        Some((k, None)) => Err(spread_error(format!("worker {k} ended early (its errors are above)"))),
        None => Err(spread_error("every worker ended")),
    }
}

/// Tells every worker to stop and waits for them (killing those that take too long).
async fn stop(workers: Vec<Worker>) {
    let waits = workers.into_iter().map(|mut worker| async move {
        let _ = worker.tell(&ToWorker::Stop).await;
        drop(worker.stdin);
        if tokio::time::timeout(STOP_DEADLINE, worker.child.wait()).await.is_err() {
            let _ = worker.child.kill().await;
        }
    });
    futures::future::join_all(waits).await;
}
