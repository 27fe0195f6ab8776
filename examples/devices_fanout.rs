//! A message to a person with three online devices (issue 16's second target): Yuki
//! sends 1:1 texts to 민지, whose phone (her first device) has linked a laptop and a
//! tablet (SPEC.md §8.5); every device's node reports each message's arrival, and the
//! latencies of the three are compared with the phone's alone in the same run. The linked
//! devices get messages through the phone (`/chingu/device-sync/1`), so their figure is
//! the phone's plus that hop.
//!
//! ```text
//! cargo run --release --example devices_fanout                 # 1,000 messages at 50/s
//! cargo run --release --example devices_fanout -- 5000 200     # other counts and rates
//! ```

use std::collections::HashMap;
use std::time::{Duration, Instant};

use futures::StreamExt;

use chingu::account::history::DEFAULT_HISTORY_DAYS;
use chingu::account::LinkCode;
use chingu::home::Home;
use chingu::identity::Identity;
use chingu::node::link::join::join;
use chingu::{Event, NodeHandle};

#[path = "common/people.rs"]
mod people;

use people::{dial_addr, find, person, start_home};

type Error = Box<dyn std::error::Error>;

/// Links a new device called `name` to `first`'s account and starts its node.
async fn link(first: &NodeHandle, dir: &std::path::Path, name: &str) -> Result<NodeHandle, Error> {
    let (answering, mut events) = (first.clone(), first.events());
    tokio::spawn(async move {
        while let Some(event) = events.next().await {
            if let Event::DeviceLinkPending { .. } = event {
                let _ = answering.link_decide(true).await;
                return;
            }
        }
    });
    let offer = first.link_offer(DEFAULT_HISTORY_DAYS).await?;
    let code = LinkCode::parse(&offer.code, chingu::model::now_ms())?;
    let identity = Identity::generate();
    let joined = join(&code, &identity, name, |_| async { true }).await?;
    let home = Home::at(dir.join(name));
    home.init_linked(joined.home(identity), "KR".parse()?, false)?;
    start_home(&home, None).await
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let messages: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(1_000);
    let rate: f64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(50.0);
    let dir = tempfile::tempdir()?;
    let phone = person(dir.path(), "010-1234-5678", "민지", None).await?;
    let at = dial_addr(&phone).await?;
    let yuki = person(dir.path(), "010-8765-4321", "Yuki", Some(at)).await?;
    phone.add_contact("010-8765-4321", "Yuki").await?;
    yuki.add_contact("010-1234-5678", "민지").await?;
    find(&phone, "Yuki").await?;
    find(&yuki, "민지").await?;
    // One message first, so each linked device has a conversation to follow from.
    yuki.send("민지", "warm-up").await?;
    let laptop = link(&phone, dir.path(), "laptop").await?;
    let tablet = link(&phone, dir.path(), "tablet").await?;
    let devices = [("phone", phone.clone()), ("laptop", laptop), ("tablet", tablet)];
    // Every device's arrival times, by text.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    for (name, node) in &devices {
        let (tx, mut events) = (tx.clone(), node.events());
        let name = *name;
        tokio::spawn(async move {
            while let Some(event) = events.next().await {
                if let Event::MessageReceived { message } = event {
                    let _ = tx.send((name, message.text, Instant::now()));
                }
            }
        });
    }
    drop(tx);
    // Ready when every device has a message sent after the links (the linked devices
    // follow the phone by then).
    yuki.send("민지", "ready?").await?;
    let mut ready = std::collections::HashSet::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while ready.len() < devices.len() {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some((device, text, _))) if text == "ready?" => {
                ready.insert(device);
            }
            Ok(Some(_)) => {}
            _ => return Err(format!("only {ready:?} got the first message after the links").into()),
        }
    }
    let started = Instant::now();
    let mut sent_at = HashMap::new();
    let gap = Duration::from_secs_f64(1.0 / rate);
    for i in 0..messages {
        tokio::time::sleep_until((started + gap * i as u32).into()).await;
        let text = format!("m{i}");
        sent_at.insert(text.clone(), Instant::now());
        yuki.send("민지", &text).await?;
    }
    let mut arrived: HashMap<&str, HashMap<String, Instant>> = HashMap::new();
    let mut duplicates: HashMap<&str, usize> = HashMap::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    while arrived.values().map(HashMap::len).sum::<usize>() < 3 * messages {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some((device, text, at))) if sent_at.contains_key(&text) => {
                match arrived.entry(device).or_default().entry(text) {
                    std::collections::hash_map::Entry::Vacant(first) => {
                        first.insert(at);
                    }
                    std::collections::hash_map::Entry::Occupied(_) => *duplicates.entry(device).or_default() += 1,
                }
            }
            Ok(Some(_)) => {}
            _ => break,
        }
    }
    let mut p99 = HashMap::new();
    for (device, _) in &devices {
        let got = arrived.get(device).cloned().unwrap_or_default();
        let mut ms: Vec<f64> = got
            .iter()
            .map(|(text, at)| at.duration_since(sent_at[text]).as_secs_f64() * 1000.0)
            .collect();
        ms.sort_by(f64::total_cmp);
        if ms.is_empty() {
            println!("{device}: 0 of {messages} arrived");
            continue;
        }
        p99.insert(*device, percentile(&ms, 0.99));
        println!(
            "{device}: {} of {messages} arrived, lost {}, duplicates {}, latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            ms.len(),
            messages - ms.len(),
            duplicates.get(device).copied().unwrap_or(0),
            percentile(&ms, 0.5),
            percentile(&ms, 0.99),
            ms[ms.len() - 1]
        );
    }
    if let Some(single) = p99.get("phone") {
        let worst = p99.values().cloned().fold(0.0, f64::max);
        println!(
            "all three devices: p99 {worst:.2} ms = {:.2}x the phone's alone ({single:.2} ms); target <= 2x",
            worst / single
        );
    }
    Ok(())
}
