//! A photo to a big group (issue 15's target: "a 20-member group receives a 10 MiB photo;
//! every member has it verified; the sender uploads ≤ 3× the file size in total, because
//! members serve each other"). Starts the sender and MEMBERS members as real nodes in
//! this process on loopback, makes them friends and a group, sends one file of SIZE MiB,
//! waits until every member has it whole and verified, and prints what each node uploaded.
//!
//! ```text
//! cargo run --release --example group_photo -- [MEMBERS] [SIZE_MIB]   # default 20 10
//! ```

use std::time::{Duration, Instant};

use futures::StreamExt;

use chingu::config::{Config, Discoverable};
use chingu::testnet::{TestNet, TestNetOptions};
use chingu::{Event, NodeHandle};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const DEADLINE: Duration = Duration::from_secs(120);

/// Looks `contact` up until it is found.
async fn found(node: &NodeHandle, contact: &str) -> Result<(), BoxError> {
    tokio::time::timeout(DEADLINE, async {
        while node.lookup_contact(contact).await?.state != "found" {}
        Ok::<_, BoxError>(())
    })
    .await?
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>());
    let members = args.next().transpose()?.unwrap_or(20);
    let size_mib = args.next().transpose()?.unwrap_or(10);
    let mut net = TestNet::start(TestNetOptions::new(0), |_| {}).await?;
    let mut settings = Config::default();
    settings.discovery.discoverable = Discoverable::Contacts;
    for _ in 0..=members {
        net.add_node_with(settings.clone()).await?;
    }
    net.wait_ready(DEADLINE, |_| {}).await;
    net.wait_joined(DEADLINE).await;
    let sender = net.nodes[0].node().clone();
    let mut names = Vec::new();
    for i in 1..=members {
        let member = net.nodes[i].node().clone();
        let name = format!("m{i}");
        sender.add_contact(&net.nodes[i].phone.to_string(), &name).await?;
        member.add_contact(&net.nodes[0].phone.to_string(), "sender").await?;
        names.push(name);
    }
    for (i, name) in names.iter().enumerate() {
        found(&sender, name).await?;
        found(net.nodes[i + 1].node(), "sender").await?;
    }
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut events: Vec<_> = (1..=members).map(|i| net.nodes[i].node().events()).collect();
    let group = sender.group_create("photos", &name_refs, None).await?;
    for e in events.iter_mut() {
        while !matches!(e.next().await, Some(Event::GroupChanged { ref change, .. }) if change == "joined") {}
    }

    let dir = tempfile::tempdir()?;
    let photo = dir.path().join("photo.jpg");
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let bytes: Vec<u8> = (0..size_mib << 20)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    std::fs::write(&photo, &bytes)?;
    let start = Instant::now();
    let file = sender
        .send_file(&group.group_id, &photo)
        .await?
        .file
        .ok_or("no file in the message")?;
    let mut ready_ms = Vec::new();
    for e in events.iter_mut() {
        tokio::time::timeout(DEADLINE, async {
            while !matches!(e.next().await, Some(Event::FileReady { ref id, .. }) if *id == file.id) {}
        })
        .await?;
        ready_ms.push(start.elapsed().as_millis());
    }
    let all_ms = start.elapsed().as_millis();
    let size = (size_mib << 20) as f64;
    let sender_up = sender.status().await?.files.uploaded_bytes;
    let mut member_up = Vec::new();
    for i in 1..=members {
        let node = net.nodes[i].node();
        let out = dir.path().join(format!("m{i}.jpg"));
        node.save_file(&file.id, &out).await?;
        if std::fs::read(&out)? != bytes {
            return Err(format!("member {i} saved other bytes").into());
        }
        std::fs::remove_file(&out)?;
        member_up.push(node.status().await?.files.uploaded_bytes);
    }
    ready_ms.sort();
    println!("{members} members, {size_mib} MiB: every member has it verified after {all_ms} ms");
    println!(
        "  first ready {} ms, median {} ms",
        ready_ms[0],
        ready_ms[ready_ms.len() / 2]
    );
    println!(
        "  the sender uploaded {:.2} MiB = {:.2}× the file",
        sender_up as f64 / 1048576.0,
        sender_up as f64 / size
    );
    let serving = member_up.iter().filter(|b| **b > 0).count();
    let total: u64 = member_up.iter().sum();
    println!(
        "  members uploaded {:.2} MiB in all ({serving} of {members} served someone; most by one {:.2} MiB)",
        total as f64 / 1048576.0,
        *member_up.iter().max().unwrap_or(&0) as f64 / 1048576.0
    );
    net.shutdown().await;
    Ok(())
}
