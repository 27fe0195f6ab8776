//! Two friends find each other by phone number and chat, end to end encrypted, through
//! the library API: `add_contact`, `lookup_contact`, `send`, `history`, `mark_read`,
//! `typing`, `conversations` and the message events.
//!
//! ```text
//! cargo run --example two_friends
//! ```

use futures::StreamExt;

use chingu::home::{Home, InitOptions};
use chingu::model::MessageState;
use chingu::{Event, Node, NodeConfig, NodeHandle};

async fn start(
    dir: &std::path::Path,
    phone: &str,
    name: &str,
    bootstrap: Option<libp2p::Multiaddr>,
) -> Result<NodeHandle, Box<dyn std::error::Error>> {
    let home = Home::at(dir.join(name));
    let region = "KR".parse()?;
    let report = home.init(&InitOptions {
        phone: chingu::phone::normalize(phone, &region)?,
        name: name.into(),
        region,
        force: false,
    })?;
    let mut config = NodeConfig::from_home(&home)?;
    config.listen = vec!["/ip4/127.0.0.1/tcp/0".parse()?];
    config.bootstrap = bootstrap.into_iter().collect();
    config.open_store = Some(report.store);
    Ok(Node::start(config).await?)
}

/// Looks `contact` up until its record is found.
async fn find(node: &NodeHandle, contact: &str) -> Result<(), Box<dyn std::error::Error>> {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    while node.lookup_contact(contact).await?.state != "found" {
        if tokio::time::Instant::now() > deadline {
            return Err(format!("{contact} not found").into());
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let minji = start(dir.path(), "010-1234-5678", "민지", None).await?;
    let first = minji
        .listen_addrs()
        .await?
        .remove(0)
        .with_p2p(minji.peer_id())
        .expect("no /p2p yet");
    let yuki = start(dir.path(), "010-8765-4321", "Yuki", Some(first)).await?;
    minji.wait_joined().await?;
    yuki.wait_joined().await?;

    // Each holds the other's number (in any local format): mutual contacts find each other.
    minji.add_contact("010-8765-4321", "Yuki").await?;
    yuki.add_contact("+82 10 1234 5678", "민지").await?;
    find(&minji, "Yuki").await?;
    find(&yuki, "민지").await?;
    println!("민지 and Yuki found each other by phone number");

    let mut minji_events = minji.events();
    let mut yuki_events = yuki.events();
    minji.typing("Yuki", true).await?;
    let sent = minji.send("Yuki", "안녕, Yuki! 今日はどう?").await?;
    println!(
        "민지 → Yuki: {:?} ({:?}: on disk, being delivered)",
        sent.text, sent.state
    );

    while let Some(event) = yuki_events.next().await {
        match event {
            Event::Typing { name, active: true, .. } => println!("Yuki sees: {name} is typing…"),
            Event::MessageReceived { message } => {
                println!("Yuki received from {}: {:?}", message.sender_name, message.text);
                break;
            }
            _ => {}
        }
    }
    yuki.mark_read("민지").await?;
    yuki.send("민지", "元気だよ! Long time no see.").await?;

    let mut read = false;
    let mut replied = false;
    while let Some(event) = minji_events.next().await {
        match event {
            Event::MessageState { state, .. } => {
                println!("민지's message is now {state:?}");
                read |= state == MessageState::Read;
            }
            Event::MessageReceived { message } => {
                println!("민지 received from {}: {:?}", message.sender_name, message.text);
                replied = true;
            }
            _ => {}
        }
        if read && replied {
            break;
        }
    }

    for message in minji.history("Yuki", 10, None).await? {
        println!("  [{:?}] {}: {}", message.state, message.sender, message.text);
    }
    println!("conversations: {:?}", minji.conversations().await?);
    minji.shutdown().await?;
    yuki.shutdown().await?;
    Ok(())
}
