//! Measures the size of a store holding a large history, against the text it holds, and
//! a node's start-to-listening time on it (BENCHMARKS.md, "Store size and start-up").
//!
//! Creates a home in a temporary directory and fills its store through the library with
//! messages of 10–200 random letters spread over 100 conversations, each written as over
//! its life in a node: an outgoing message is queued (outbox entry, index, message), then
//! rewritten `sent`, `delivered` (its outbox entry removed) and `read`; an incoming one is
//! stored `received`, then rewritten `seen`. Flushes and closes it, prints the size on
//! disk (every file of `db/`, indexes included) and its ratio to the text bytes, then
//! starts a node on that home several times, timing `Node::start` (open the database,
//! build the swarm, wait until the TCP listener on 127.0.0.1 is up). The page cache is
//! warm after the fill, so these are warm starts.
//!
//! Then takes a backup of that home through a running node (SPEC.md §8.4: the node
//! pauses its writes meanwhile) and restores it into a new home, timing each and reading
//! the process's peak RSS during each (reset between them through `/proc/self/clear_refs`)
//! — BENCHMARKS.md, "Backup and restore".
//!
//! Last, links a new device to that home's account through a running node (SPEC.md §8.5,
//! both confirmations answered at once) and times it until the new device's own node
//! shows the newest conversation: the history (90 days: all of it) streamed, verified and
//! written into the new home — BENCHMARKS.md, "Linking a device". A third argument cuts
//! the link's connection after those numbers of history batches (each run resumes).
//!
//! ```text
//! cargo run --release --example store_startup                  # 100,000 messages, 5 runs
//! cargo run --release --example store_startup -- 1000000 3     # other sizes
//! cargo run --release --example store_startup -- 10000 1 1,1   # the link cut twice
//! ```

mod common;

use std::path::Path;
use std::time::Instant;

use rand::{Rng, SeedableRng};

use chingu::account::history::DEFAULT_HISTORY_DAYS;
use chingu::account::LinkCode;
use chingu::backup::{restore, BackupSecret, RestoreOptions};
use chingu::home::{Home, InitOptions};
use chingu::identity::Identity;
use chingu::model::{now_ms, ConvId, Conversation, ConversationKind, Direction, Hlc, MessageState};
use chingu::node::backup::BackupKey;
use chingu::node::link::join::join_with_cuts;
use chingu::phone::{synthetic, PhoneNumber, Region};
use chingu::store::{OutboxEntry, OutboxTarget, Store};
use chingu::{Node, NodeConfig};

/// Messages written unless told otherwise.
const MESSAGES: usize = 100_000;
/// Conversations the messages are spread over.
const CONVERSATIONS: usize = 100;
/// Timed starts unless told otherwise.
const RUNS: usize = 5;
/// Messages per batch while filling.
const BATCH: usize = 1_000;

/// Writes `messages` messages over [`CONVERSATIONS`] conversations, in batches, each
/// through the writes of its life, and flushes. Returns the bytes of text written.
fn fill(store: &Store, owner: &PhoneNumber, messages: usize) -> Result<u64, Box<dyn std::error::Error>> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let peers: Vec<PhoneNumber> = (0..CONVERSATIONS).map(|i| synthetic(1_000_000 + i as u32)).collect();
    let mut clocks = vec![Hlc::default(); CONVERSATIONS];
    let mut previews = vec![String::new(); CONVERSATIONS];
    let mut written = 0;
    let mut text_bytes = 0u64;
    while written < messages {
        let mut batch = store.batch();
        let mut later = Vec::new();
        for _ in 0..BATCH.min(messages - written) {
            let c = rng.gen_range(0..CONVERSATIONS);
            let now = now_ms();
            clocks[c] = clocks[c].tick(now);
            let incoming = rng.gen_bool(0.5);
            let len = rng.gen_range(10..=200);
            let text: String = (0..len).map(|_| rng.gen_range(b'a'..=b'z') as char).collect();
            text_bytes += len as u64;
            previews[c] = text.chars().take(80).collect();
            let state = if incoming {
                MessageState::Received
            } else {
                MessageState::Queued
            };
            let message = common::text_message(&peers[c], owner, clocks[c], incoming, text, state, now);
            if incoming {
                batch.put_message(&message);
            } else {
                let entry = OutboxEntry {
                    id: message.id,
                    target: OutboxTarget::Direct {
                        phone: peers[c].clone(),
                    },
                    attempts: 0,
                    next_attempt_ms: now,
                    created_ms: now,
                    mailbox_ms: 0,
                };
                batch.put_outgoing(&message, &entry);
            }
            later.push(message);
            written += 1;
        }
        store.apply(batch)?;
        // The rest of each message's life: state changes, the outbox entry's removal.
        let mut batch = store.batch();
        for message in &mut later {
            let states: &[MessageState] = match message.direction {
                Direction::Incoming => &[MessageState::Seen],
                Direction::Outgoing => &[MessageState::Sent, MessageState::Delivered, MessageState::Read],
            };
            for state in states {
                message.state = *state;
                batch.put_message_state(message);
                if *state == MessageState::Delivered {
                    batch.remove_outbox(&message.id);
                }
            }
        }
        store.apply(batch)?;
    }
    let mut batch = store.batch();
    for (c, peer) in peers.iter().enumerate() {
        batch.put_conversation(&Conversation {
            id: ConvId::direct(peer),
            kind: ConversationKind::Direct { phone: peer.clone() },
            title: format!("peer {c}"),
            last_hlc: clocks[c].0,
            unread: 0,
            preview: previews[c].clone(),
        });
    }
    store.apply(batch)?;
    store.flush()?;
    Ok(text_bytes)
}

/// The passphrase of the benchmark's backup.
const PASSPHRASE: &str = "a benchmark passphrase";

/// Resets the process's peak RSS (Linux ≥ 4.0), so the next reading covers what follows.
fn reset_peak_rss() -> std::io::Result<()> {
    std::fs::write("/proc/self/clear_refs", "5")
}

/// The process's peak RSS since the last reset, MiB.
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

/// Starts a node on `home`, listening on loopback only and bootstrapping from nobody.
async fn start_node(home: &Home) -> Result<chingu::node::NodeHandle, Box<dyn std::error::Error>> {
    let mut config = NodeConfig::from_home(home)?;
    config.listen = vec!["/ip4/127.0.0.1/tcp/0".parse()?];
    config.bootstrap = Vec::new();
    config.mdns = false;
    Ok(Node::start(config).await?)
}

/// Backs `home` up through a running node and restores it into a new home beside it.
async fn backup_and_restore(home: &Home, dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let node = start_node(home).await?;
    let archive = dir.join("history.backup");
    reset_peak_rss()?;
    let started = Instant::now();
    let report = node
        .backup(&archive, BackupKey::Passphrase(PASSPHRASE.to_owned().into()))
        .await?;
    let backup_s = started.elapsed().as_secs_f64();
    let backup_peak = peak_rss_mib();
    node.shutdown().await?;
    println!(
        "backup: {} messages ({} entries) in {backup_s:.2} s, node paused {} ms; archive {} bytes \
         ({:.1} MiB); peak RSS {backup_peak:.0} MiB",
        report.messages,
        report.entries,
        report.paused_ms,
        report.bytes,
        report.bytes as f64 / (1024.0 * 1024.0),
    );
    let restored_home = Home::at(dir.join("restored"));
    reset_peak_rss()?;
    let started = Instant::now();
    let restored = tokio::task::spawn_blocking(move || {
        let secret = BackupSecret::Passphrase(PASSPHRASE.to_owned().into());
        restore(&restored_home, &archive, &secret, &RestoreOptions::default()).map_err(|e| e.to_string())
    })
    .await??;
    println!(
        "restore: {} messages ({} entries) in {:.2} s (argon2id included); peak RSS {:.0} MiB",
        restored.messages,
        restored.entries,
        started.elapsed().as_secs_f64(),
        peak_rss_mib()
    );
    // What a restored node then does on a thread of its own: the search signatures.
    let restored_db = dir.join("restored").join("db");
    let started = Instant::now();
    let indexed = tokio::task::spawn_blocking(move || {
        let store = Store::open(&restored_db, Default::default()).map_err(|e| e.to_string())?;
        let never = std::sync::atomic::AtomicBool::new(false);
        store.index_if_unindexed(&never).map_err(|e| e.to_string())
    })
    .await??;
    println!(
        "search index rebuilt after the restore (in the background of a running node): {} messages in {:.1} s",
        indexed.unwrap_or_default(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Links a new device to `home`'s account and times each step until its node shows the
/// history.
async fn link_new_device(home: &Home, dir: &Path, cuts: &[usize]) -> Result<(), Box<dyn std::error::Error>> {
    use futures::StreamExt;
    let node = start_node(home).await?;
    let (answering, mut events) = (node.clone(), node.events());
    tokio::spawn(async move {
        while let Some(event) = events.next().await {
            if let chingu::Event::DeviceLinkPending { .. } = event {
                let _ = answering.link_decide(true).await;
            }
        }
    });
    reset_peak_rss()?;
    let started = Instant::now();
    let offer = node.link_offer(DEFAULT_HISTORY_DAYS).await?;
    let code = LinkCode::parse(&offer.code, now_ms())?;
    let identity = Identity::generate();
    let joined = join_with_cuts(&code, &identity, "laptop", |_| async { true }, cuts).await?;
    let linked_s = started.elapsed().as_secs_f64();
    let messages = joined
        .history
        .iter()
        .filter(|e| e.tree == 3 && e.key.first() == Some(&b'm'))
        .count();
    let entries = joined.history.len();
    let laptop = Home::at(dir.join("laptop"));
    let made = laptop.clone();
    tokio::task::spawn_blocking(move || {
        made.init_linked(joined.home(identity), Region::default(), false)
            .map(drop)
            .map_err(|e| e.to_string())
    })
    .await??;
    let written_s = started.elapsed().as_secs_f64();
    let peak = peak_rss_mib();
    node.shutdown().await?;
    let second = start_node(&laptop).await?;
    let newest = second
        .conversations()
        .await?
        .into_iter()
        .next()
        .ok_or("no conversation")?;
    let page = second.history_page(&newest.id, 50, None, None).await?;
    println!(
        "link ({} cuts): {messages} messages ({entries} entries) streamed and verified in {linked_s:.2} s, \
         written at {written_s:.2} s, the new device's node showing its newest conversation \
         ({} messages) at {:.2} s; peak RSS of both sides {peak:.0} MiB",
        cuts.len(),
        page.messages.len(),
        started.elapsed().as_secs_f64()
    );
    second.shutdown().await?;
    Ok(())
}

/// Bytes of every file under `dir`.
fn dir_bytes(dir: &Path) -> std::io::Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        total += if meta.is_dir() {
            dir_bytes(&entry.path())?
        } else {
            meta.len()
        };
    }
    Ok(total)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let messages: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(MESSAGES);
    let runs: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(RUNS).max(1);
    let cuts: Vec<usize> = match args.next() {
        Some(list) => list.split(',').map(str::parse).collect::<Result<_, _>>()?,
        None => Vec::new(),
    };

    let dir = tempfile::tempdir()?;
    let home = Home::at(dir.path().join("home"));
    let owner = synthetic(42);
    let report = home.init(&InitOptions {
        phone: owner.clone(),
        name: "store startup".into(),
        region: Region::default(),
        force: false,
    })?;
    let store = report.store;
    let started = Instant::now();
    let (store, text_bytes) = tokio::task::spawn_blocking(move || {
        fill(&store, &owner, messages)
            .map(|text| (store, text))
            .map_err(|e| e.to_string())
    })
    .await??;
    let fill_s = started.elapsed().as_secs_f64();
    let sled_bytes = store.size_on_disk()?;
    drop(store);
    let disk_bytes = dir_bytes(&home.db_path())?;
    println!(
        "filled {messages} messages in {CONVERSATIONS} conversations in {fill_s:.1} s \
         ({:.0} messages/s); text {text_bytes} bytes; store on disk: {disk_bytes} bytes ({:.1} MiB; \
         sled reports {sled_bytes}), {:.2}x the text",
        messages as f64 / fill_s,
        disk_bytes as f64 / (1024.0 * 1024.0),
        disk_bytes as f64 / text_bytes as f64,
    );

    let mut starts = Vec::with_capacity(runs);
    for run in 1..=runs {
        let started = Instant::now();
        let node = start_node(&home).await?;
        let listening_ms = started.elapsed().as_secs_f64() * 1000.0;
        let status = node.status().await?;
        let answering_ms = started.elapsed().as_secs_f64() * 1000.0;
        println!(
            "run {run}: start-to-listening {listening_ms:.2} ms (first status answer at {answering_ms:.2} ms, \
             listening on {})",
            status.listen_addrs.join(", ")
        );
        starts.push(listening_ms);
        node.shutdown().await?;
    }
    starts.sort_by(f64::total_cmp);
    println!(
        "start-to-listening over {runs} runs: min {:.2} ms, median {:.2} ms, max {:.2} ms",
        starts[0],
        starts[starts.len() / 2],
        starts[starts.len() - 1]
    );
    backup_and_restore(&home, dir.path()).await?;
    link_new_device(&home, dir.path(), &cuts).await
}
