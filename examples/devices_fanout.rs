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
//! cargo run --release --example devices_fanout -- 1000 50 phone-off
//! ```
//!
//! `phone-off` then stops the phone and sends as many again: Yuki's node, which cannot
//! reach the phone, sends to the laptop (protocol/devices.md §7) — its latencies are
//! compared with its own while the phone was on — and once the phone starts again the
//! laptop hands it every one; the time until the phone has them all is reported.

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

/// Yuki sends `messages` texts `{prefix}{i}` to 민지 at `rate` a second; when each went.
async fn send_paced(
    yuki: &NodeHandle,
    prefix: &str,
    messages: usize,
    rate: f64,
) -> Result<HashMap<String, Instant>, Error> {
    let started = Instant::now();
    let mut sent_at = HashMap::new();
    let gap = Duration::from_secs_f64(1.0 / rate);
    for i in 0..messages {
        tokio::time::sleep_until((started + gap * i as u32).into()).await;
        let text = format!("{prefix}{i}");
        sent_at.insert(text.clone(), Instant::now());
        yuki.send("민지", &text).await?;
    }
    Ok(sent_at)
}

/// Sorted latencies (ms) of the texts in `arrived`.
fn latencies(sent_at: &HashMap<String, Instant>, arrived: &HashMap<String, Instant>) -> Vec<f64> {
    let mut ms: Vec<f64> = arrived
        .iter()
        .map(|(text, at)| at.duration_since(sent_at[text]).as_secs_f64() * 1000.0)
        .collect();
    ms.sort_by(f64::total_cmp);
    ms
}

/// One line per device: how many arrived, lost, duplicated, and the latencies.
fn report(device: &str, ms: &[f64], messages: usize, duplicates: usize) {
    if ms.is_empty() {
        println!("{device}: 0 of {messages} arrived");
        return;
    }
    println!(
        "{device}: {} of {messages} arrived, lost {}, duplicates {duplicates}, latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        ms.len(),
        messages - ms.len(),
        percentile(ms, 0.5),
        percentile(ms, 0.99),
        ms[ms.len() - 1]
    );
}

/// 민지's phone stops; Yuki's texts go to her laptop, which hands them to the phone once
/// it is back. `laptop_p99`: the laptop's p99 while the phone was on.
async fn phone_off(
    dir: &std::path::Path,
    yuki: &NodeHandle,
    phone: NodeHandle,
    laptop: &NodeHandle,
    (messages, rate): (usize, f64),
    laptop_p99: f64,
) -> Result<(), Error> {
    // Yuki's copy of 민지's record must say where her linked devices listen now.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while yuki.lookup_contact("민지").await?.devices.len() < 2 {
        if tokio::time::Instant::now() > deadline {
            return Err("Yuki's view of 민지 never listed both linked devices".into());
        }
    }
    // Nobody reads: the phone's unread count tells how many it holds.
    let unread = |node: NodeHandle| async move {
        let conversations = node.conversations().await?;
        Ok::<u64, Error>(conversations.iter().map(|c| u64::from(c.unread)).sum())
    };
    let before = unread(phone.clone()).await?;
    phone.shutdown().await?;
    let mut on_laptop = laptop.events();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(event) = on_laptop.next().await {
            if let Event::MessageReceived { message } = event {
                let _ = tx.send((message.text, Instant::now()));
            }
        }
    });
    let sent_at = send_paced(yuki, "off", messages, rate).await?;
    let (mut arrived, mut duplicates) = (HashMap::new(), 0);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    while arrived.len() < messages {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some((text, at))) if sent_at.contains_key(&text) => {
                if arrived.insert(text, at).is_some() {
                    duplicates += 1;
                }
            }
            Ok(Some(_)) => {}
            _ => break,
        }
    }
    let ms = latencies(&sent_at, &arrived);
    report("laptop, phone off", &ms, messages, duplicates);
    if !ms.is_empty() {
        let p99 = percentile(&ms, 0.99);
        println!(
            "laptop with the phone off: p99 {p99:.2} ms = {:.2}x its p99 with the phone on ({laptop_p99:.2} ms)",
            p99 / laptop_p99
        );
    }
    // The phone starts again: the laptop hands it what Yuki left.
    let back = Instant::now();
    let phone = start_home(&Home::at(dir.join("민지")), Some(dial_addr(yuki).await?)).await?;
    // Counted again at each of the phone's events (what came before the subscription is
    // in the first count).
    let mut events = phone.events();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    let held = loop {
        let held = unread(phone.clone()).await?.saturating_sub(before);
        if held >= messages as u64 || !matches!(tokio::time::timeout_at(deadline, events.next()).await, Ok(Some(_))) {
            break held;
        }
    };
    println!(
        "phone back: {held} of {messages} handed by the laptop within {:.2} s of its start",
        back.elapsed().as_secs_f64()
    );
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let messages: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(1_000);
    let rate: f64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(50.0);
    let then_phone_off = args.next().as_deref() == Some("phone-off");
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
    let sent_at = send_paced(&yuki, "m", messages, rate).await?;
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
        let ms = latencies(&sent_at, &arrived.get(device).cloned().unwrap_or_default());
        report(device, &ms, messages, duplicates.get(device).copied().unwrap_or(0));
        if !ms.is_empty() {
            p99.insert(*device, percentile(&ms, 0.99));
        }
    }
    if let Some(single) = p99.get("phone") {
        let worst = p99.values().cloned().fold(0.0, f64::max);
        println!(
            "all three devices: p99 {worst:.2} ms = {:.2}x the phone's alone ({single:.2} ms); target <= 2x",
            worst / single
        );
    }
    if then_phone_off {
        let laptop_p99 = p99.get("laptop").copied().ok_or("the laptop got nothing")?;
        let [(_, phone), (_, laptop), _] = devices;
        phone_off(dir.path(), &yuki, phone, &laptop, (messages, rate), laptop_p99).await?;
    }
    Ok(())
}
