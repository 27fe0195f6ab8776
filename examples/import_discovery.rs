//! Measures importing an address book of 1,000 contacts and the first discovery round
//! that follows (BENCHMARKS.md, "Import and first discovery of 1,000 contacts").
//!
//! Starts a local test net of 21 nodes through the library. Node 0 is the importer
//! (default settings: discoverable by `contacts`); nodes 1–20 are its friends, half of
//! them discoverable by `everyone` (single records) and half by `contacts` (they add the
//! importer's number first, so a mutual record exists). Once every friend has published,
//! node 0 imports a 1,000-card vCard text holding the 20 friends' numbers (national
//! format, at random positions) and 980 random valid numbers nobody uses. The clock runs
//! from the `NodeHandle::import_contacts` call until every contact has left `pending`
//! (found through `Event::ContactUpdated`, with a `contacts()` poll as a fallback).
//! Prints the total time, contacts per second, how many were found (and whether each
//! found contact carries the right peer id), per-contact latency percentiles and the
//! importer's key-derivation counters.
//!
//! Node 21 is the importer's chat friend (they found each other before the import).
//! While the import's discovery runs, the two exchange a message every 50 ms (20/s, both
//! directions in turn) and the one-way latency — `send` called to the recipient's
//! `message_received` event, one process, one clock — is reported next to the same
//! exchange measured for 10 s before the import, on the idle net.
//!
//! ```text
//! cargo run --release --example import_discovery            # 1,000 contacts
//! cargo run --release --example import_discovery -- 200    # another book size
//! ```

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use futures::StreamExt;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use chingu::config::{Config, Discoverable};
use chingu::phone::{format_national, synthetic, SYNTHETIC_CAPACITY};
use chingu::testnet::stats::Summary;
use chingu::testnet::{TestNet, TestNetOptions};
use chingu::{Event, NodeHandle};

/// Contacts in the imported book unless told otherwise.
const CONTACTS: usize = 1_000;
/// Friends: nodes 1..=FRIENDS of the net.
const FRIENDS: usize = 20;
/// Longest wait for the friends' records.
const PUBLISH_DEADLINE: Duration = Duration::from_secs(120);
/// Longest wait for the whole discovery round.
const DISCOVERY_DEADLINE: Duration = Duration::from_secs(1_200);
/// How often the contact list is polled besides the events.
const POLL_EVERY: Duration = Duration::from_secs(2);
/// One message every this often between the importer and its chat friend.
const CHAT_EVERY: Duration = Duration::from_millis(50);
/// How long the chat is measured on the idle net, before the import.
const IDLE_CHAT: Duration = Duration::from_secs(10);

/// Sends a message every [`CHAT_EVERY`] between `a` and `b` (in turn) until `stop`, and
/// returns the one-way latencies (ms).
async fn chat(a: NodeHandle, b: NodeHandle, stop: tokio::sync::watch::Receiver<bool>) -> Vec<f64> {
    let (mut a_events, mut b_events) = (a.events(), b.events());
    // How each knows the other: `a` (the buddy) is "buddy" to `b`, `b` is "importer" to `a`.
    let (a_name, b_name) = ("buddy", "importer");
    let mut latencies = Vec::new();
    let mut tick = tokio::time::interval(CHAT_EVERY);
    let mut i = 0u64;
    while !*stop.borrow() {
        tick.tick().await;
        let (from, to, events) = if i.is_multiple_of(2) {
            (&a, b_name, &mut b_events)
        } else {
            (&b, a_name, &mut a_events)
        };
        let started = Instant::now();
        let Ok(sent) = from.send(to, &format!("ping {i}")).await else {
            continue;
        };
        let arrived = tokio::time::timeout(Duration::from_secs(10), async {
            while let Some(event) = events.next().await {
                if matches!(&event, Event::MessageReceived { message } if message.id == sent.id) {
                    return true;
                }
            }
            false
        })
        .await;
        if matches!(arrived, Ok(true)) {
            latencies.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        i += 1;
    }
    latencies
}

/// Node 0 keeps the default (`contacts`); odd friends are findable by everyone.
fn node_settings(index: usize, base: &Config) -> Config {
    let mut settings = base.clone();
    settings.discovery.discoverable = if index % 2 == 1 {
        Discoverable::Everyone
    } else {
        Discoverable::Contacts
    };
    settings
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let contacts: usize = std::env::args()
        .nth(1)
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(CONTACTS)
        .max(FRIENDS);
    let mut options = TestNetOptions::new(FRIENDS + 2);
    options.node_settings = Some(node_settings);
    let net = TestNet::start(options, |_| {}).await?;
    let readiness = net.wait_ready(Duration::from_secs(60), |_| {}).await;
    let joined = net.wait_joined(Duration::from_secs(60)).await;
    println!(
        "test net: {} nodes, {} ready in {} ms, {joined} joined",
        net.nodes.len(),
        readiness.ready,
        readiness.ready_ms
    );
    let importer = net.nodes[0].node().clone();
    let my_number = net.nodes[0].phone.to_string();
    let buddy = net.nodes[FRIENDS + 1].node().clone();
    buddy.add_contact(&my_number, "importer").await?;
    importer
        .add_contact(&net.nodes[FRIENDS + 1].phone.to_string(), "buddy")
        .await?;
    tokio::time::timeout(PUBLISH_DEADLINE, async {
        let found = |c: Result<chingu::node::ContactView, _>| c.is_ok_and(|c| c.state == "found");
        while !found(importer.lookup_contact("buddy").await) || !found(buddy.lookup_contact("importer").await) {}
    })
    .await?;

    // Friends in `contacts` mode hold the importer's number, so their mutual record exists.
    for (index, friend) in net.nodes.iter().enumerate().skip(1).take(FRIENDS) {
        if node_settings(index, &Config::default()).discovery.discoverable == Discoverable::Contacts {
            friend.node().add_contact(&my_number, "importer").await?;
        }
    }
    let deadline = tokio::time::Instant::now() + PUBLISH_DEADLINE;
    let mut published = 0;
    for friend in net.nodes.iter().skip(1).take(FRIENDS) {
        let handle = friend.node();
        let mut events = handle.events();
        let done = tokio::time::timeout_at(deadline, async {
            loop {
                if handle
                    .status()
                    .await
                    .map(|s| s.discovery.records_published)
                    .unwrap_or(0)
                    >= 1
                {
                    return true;
                }
                if events.next().await.is_none() {
                    return false;
                }
            }
        })
        .await;
        published += usize::from(matches!(done, Ok(true)));
    }
    println!("{published}/{FRIENDS} friends published their record");

    // The address book: friends at random positions, the rest random unused numbers.
    let mut rng = rand::rngs::StdRng::seed_from_u64(1_000);
    let friends: HashMap<String, String> = net
        .nodes
        .iter()
        .skip(1)
        .take(FRIENDS)
        .map(|n| (n.phone.to_string(), n.node().peer_id().to_string()))
        .collect();
    let mut numbers: Vec<String> = net
        .nodes
        .iter()
        .skip(1)
        .take(FRIENDS)
        .map(|n| n.phone.to_string())
        .collect();
    let mut taken: HashSet<u32> = (0..net.nodes.len() as u32).collect();
    while numbers.len() < contacts {
        let index = rng.gen_range(1_000_000..SYNTHETIC_CAPACITY);
        if taken.insert(index) {
            numbers.push(synthetic(index).to_string());
        }
    }
    numbers.shuffle(&mut rng);
    let mut vcard = String::new();
    for (i, number) in numbers.iter().enumerate() {
        let national = format_national(&number.parse()?);
        vcard.push_str(&format!(
            "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Contact {i}\r\nTEL;TYPE=CELL:{national}\r\nEND:VCARD\r\n"
        ));
    }

    // The chat on the idle net, then during the import.
    let (stop_idle, stopped) = tokio::sync::watch::channel(false);
    let idle_chat = tokio::spawn(chat(buddy.clone(), importer.clone(), stopped));
    tokio::time::sleep(IDLE_CHAT).await;
    stop_idle.send(true)?;
    let idle = idle_chat.await?;
    let (stop_chat, stopped) = tokio::sync::watch::channel(false);
    let busy_chat = tokio::spawn(chat(buddy.clone(), importer.clone(), stopped));

    let before = importer.status().await?.discovery;
    let mut events = importer.events();
    let started = Instant::now();
    let summary = importer.import_contacts(vcard).await?;
    let import_ms = started.elapsed().as_secs_f64() * 1000.0;
    println!(
        "import_contacts returned after {import_ms:.1} ms: read {}, added {}, issues {}",
        summary.read,
        summary.added,
        summary.issues.len()
    );

    // Wait until no contact is pending.
    let mut resolved_ms: HashMap<String, f64> = HashMap::new();
    let mut poll = tokio::time::interval(POLL_EVERY);
    let deadline = tokio::time::Instant::now() + DISCOVERY_DEADLINE;
    let mut finished = false;
    while !finished && tokio::time::Instant::now() < deadline {
        tokio::select! {
            event = events.next() => match event {
                Some(Event::ContactUpdated { phone, state, .. }) if state != "pending" => {
                    resolved_ms.entry(phone).or_insert_with(|| started.elapsed().as_secs_f64() * 1000.0);
                    finished = resolved_ms.len() >= summary.read;
                }
                Some(_) => {}
                None => break,
            },
            _ = poll.tick() => {
                let pending = importer.contacts().await?.iter().filter(|c| c.state == "pending").count();
                finished = pending == 0;
            }
            _ = tokio::time::sleep_until(deadline) => {}
        }
    }
    let total_ms = started.elapsed().as_secs_f64() * 1000.0;
    stop_chat.send(true)?;
    let busy = busy_chat.await?;
    let after = importer.status().await?.discovery;

    let book: Vec<_> = importer
        .contacts()
        .await?
        .into_iter()
        .filter(|c| c.name != "buddy")
        .collect();
    let mut states: HashMap<&str, usize> = HashMap::new();
    for contact in &book {
        *states.entry(contact.state.as_str()).or_default() += 1;
    }
    let found: Vec<_> = book
        .iter()
        .filter(|c| c.state == "found" || c.state == "verified")
        .collect();
    let right = found
        .iter()
        .filter(|c| {
            friends
                .get(&c.phone)
                .is_some_and(|peer| c.peer_id.as_ref() == Some(peer))
        })
        .count();
    let latencies: Vec<f64> = resolved_ms.values().copied().collect();
    let all = Summary::of(&latencies);
    let friend_latencies: Vec<f64> = resolved_ms
        .iter()
        .filter(|(phone, _)| friends.contains_key(*phone))
        .map(|(_, ms)| *ms)
        .collect();
    let of_friends = Summary::of(&friend_latencies);
    let kdf_runs = after.kdf_runs - before.kdf_runs;
    let kdf_ms = after.kdf_ms_total - before.kdf_ms_total;

    println!(
        "{} contacts, none pending: {}; total {:.1} s, {:.1} contacts/s",
        book.len(),
        finished,
        total_ms / 1000.0,
        book.len() as f64 / (total_ms / 1000.0)
    );
    println!("states: {states:?}");
    println!(
        "found {} of {FRIENDS} friends ({right} with the right peer id)",
        found.len()
    );
    println!(
        "time to leave pending, all: p50 {:.0} ms, p90 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        all.p50_ms, all.p90_ms, all.p99_ms, all.max_ms
    );
    println!(
        "time to leave pending, friends: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        of_friends.p50_ms, of_friends.p99_ms, of_friends.max_ms
    );
    println!(
        "importer: {kdf_runs} key derivations, {:.1} ms each on average, {} lookups, {} found",
        if kdf_runs == 0 { 0.0 } else { kdf_ms / kdf_runs as f64 },
        after.lookups - before.lookups,
        after.found - before.found
    );
    for (label, samples) in [("idle net", &idle), ("during the import", &busy)] {
        let s = Summary::of(samples);
        println!(
            "1:1 one-way latency, {label}: {} messages, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            s.count, s.p50_ms, s.p99_ms, s.max_ms
        );
    }
    net.shutdown().await;
    Ok(())
}
