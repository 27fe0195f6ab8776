//! A group chat on a local test net, through the library API: four people in one process,
//! one of them creates a group with three friends, everyone talks, the admin renames the
//! group, promotes a second admin and removes a member, who then reads nothing more.
//! Uses `group_create`, `group_send`, `group_history`, `group_members`, `group_rename`,
//! `group_admins`, `group_remove`, `groups` and the `group_changed` / message events.
//!
//! ```text
//! cargo run --example group_chat
//! ```

use std::time::Duration;

use futures::StreamExt;

use chingu::config::{Config, Discoverable};
use chingu::node::AdminAction;
use chingu::testnet::{TestNet, TestNetOptions};
use chingu::{Event, NodeHandle};

/// Waits (at most 60 s) until `node` holds `count` messages of the group.
async fn wait_for_messages(node: &NodeHandle, group: &str, count: usize) -> Result<(), Box<dyn std::error::Error>> {
    let mut events = node.events();
    tokio::time::timeout(Duration::from_secs(60), async {
        while node.group_history(group, 100, None).await?.len() < count {
            let _ = tokio::time::timeout(Duration::from_secs(1), events.next()).await;
        }
        Ok::<_, chingu::NodeError>(())
    })
    .await??;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .try_init();
    let mut net = TestNet::start(TestNetOptions::new(0), |_| {}).await?;
    let mut settings = Config::default();
    settings.discovery.discoverable = Discoverable::Contacts;
    for _ in 0..4 {
        net.add_node_with(settings.clone()).await?;
    }
    net.wait_ready(Duration::from_secs(60), |_| {}).await;
    net.wait_joined(Duration::from_secs(60)).await;
    let people: Vec<NodeHandle> = net.nodes.iter().map(|n| n.node().clone()).collect();
    let names = ["민지", "Yuki", "Alex", "Sora"];

    // 민지 knows the other three (and they know her): mutual contacts find each other.
    for (i, name) in names.iter().enumerate().skip(1) {
        people[0].add_contact(&net.nodes[i].phone.to_string(), name).await?;
        people[i].add_contact(&net.nodes[0].phone.to_string(), "민지").await?;
    }
    for (i, name) in names.iter().enumerate().skip(1) {
        while people[0].lookup_contact(name).await?.state != "found"
            || people[i].lookup_contact("민지").await?.state != "found"
        {}
    }

    let mut joins: Vec<_> = people[1..].iter().map(|p| p.events()).collect();
    let group = people[0]
        .group_create("주말 등산", &["Yuki", "Alex", "Sora"], None)
        .await?;
    println!("민지 created “{}” ({} members)", group.name, group.members);
    for (events, name) in joins.iter_mut().zip(&names[1..]) {
        while let Some(event) = events.next().await {
            if let Event::GroupChanged { group, change } = event {
                println!("{name}: {change} “{}”", group.name);
                break;
            }
        }
    }

    let id = group.group_id.clone();
    let lines = [
        (0, "토요일 9시 북한산 어때?"),
        (1, "いいね！行きます"),
        (2, "Count me in 🙌"),
        (3, "저도요!"),
    ];
    for (who, text) in lines {
        people[who].group_send(&id, text).await?;
    }
    wait_for_messages(&people[1], &id, lines.len()).await?;
    for m in people[1].group_history(&id, 10, None).await? {
        let who = if m.sender_name.is_empty() { "me" } else { &m.sender_name };
        println!("  Yuki sees [{who}] {}", m.text);
    }

    eprintln!("rename");
    people[0].group_rename(&id, "북한산 등산").await?;
    eprintln!("admins");
    people[0]
        .group_admins(&id, AdminAction::Add, &net.nodes[1].phone.to_string())
        .await?;
    eprintln!("remove");
    let after = people[0].group_remove(&id, &net.nodes[3].phone.to_string()).await?;
    println!("Sora was removed: epoch {}, {} members", after.epoch, after.members);
    // Members learn of the commit over their 1:1 sessions; a member still on the old
    // epoch would keep writing to it, so wait until Yuki and Alex are on the new one.
    for member in &people[1..3] {
        let mut events = member.events();
        tokio::time::timeout(Duration::from_secs(60), async {
            while !member
                .groups()
                .await?
                .iter()
                .any(|g| g.group_id == id && g.epoch == after.epoch)
            {
                let _ = tokio::time::timeout(Duration::from_secs(1), events.next()).await;
            }
            Ok::<_, chingu::NodeError>(())
        })
        .await??;
    }
    for m in people[2].group_members(&id).await? {
        let role = if m.admin { " (admin)" } else { "" };
        println!("  member {}{role}", m.name);
    }

    people[1].group_send(&id, "See you Saturday!").await?;
    wait_for_messages(&people[2], &id, lines.len() + 1).await?;
    let sora = people[3].group_history(&id, 100, None).await?;
    println!(
        "Sora holds {} messages; none sent after she left: {}",
        sora.len(),
        sora.iter().all(|m| m.text != "See you Saturday!")
    );
    net.shutdown().await;
    Ok(())
}
