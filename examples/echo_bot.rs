//! An echo bot embedded in a Rust program through the library: it answers every 1:1
//! message a friend sends with `echo: <text>`.
//!
//! ```text
//! cargo run --example echo_bot -- ~/.local/share/chingu   # be the bot on an existing home, until Ctrl-C
//! cargo run --example echo_bot                            # a bot and a friend on a local net, as a demo
//! ```
//!
//! With a home, the bot is that home's node (so no `chingu run` may be running on it):
//! add friends with `chingu contacts add` beforehand, and they get their echoes. Without
//! one, it starts a two-node net in this process, makes the two friends, has the friend
//! send two messages and prints the echoes that come back.

use futures::StreamExt;

use chingu::home::Home;
use chingu::model::{Direction, MessageState};
use chingu::testnet::{TestNet, TestNetOptions};
use chingu::{Event, Node, NodeConfig, NodeHandle};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The bot: echoes every message from a friend (not message requests from strangers).
async fn echo(node: NodeHandle) {
    let mut events = node.events();
    while let Some(event) = events.next().await {
        let Event::MessageReceived { message } = event else {
            continue;
        };
        if message.direction != Direction::Incoming || message.state == MessageState::Request {
            continue;
        }
        match node.send(&message.sender, &format!("echo: {}", message.text)).await {
            Ok(_) => println!("echoed {:?} to {}", message.text, message.sender),
            Err(e) => eprintln!("cannot echo to {}: {e}", message.sender),
        }
    }
}

/// Runs the bot on an existing home until Ctrl-C.
async fn serve(home: Home) -> Result<(), BoxError> {
    let _lock = home.lock()?;
    let node = Node::start(NodeConfig::from_home(&home)?).await?;
    println!("echo bot {} running; Ctrl-C stops it", node.peer_id());
    tokio::select! {
        _ = echo(node.clone()) => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    node.shutdown().await?;
    Ok(())
}

/// Waits until `node` has found `contact`.
async fn find(node: &NodeHandle, contact: &str) -> Result<(), BoxError> {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    while node.lookup_contact(contact).await?.state != "found" {
        if tokio::time::Instant::now() > deadline {
            return Err(format!("{contact} not found").into());
        }
    }
    Ok(())
}

/// A bot and a friend on a local net: the friend sends, the bot echoes.
async fn demo() -> Result<(), BoxError> {
    let net = TestNet::start(TestNetOptions::new(2), |_| {}).await?;
    let (bot, friend) = (&net.nodes[0], &net.nodes[1]);
    bot.node().add_contact(&friend.phone.to_string(), "Friend").await?;
    friend.node().add_contact(&bot.phone.to_string(), "Bot").await?;
    find(bot.node(), "Friend").await?;
    find(friend.node(), "Bot").await?;
    tokio::spawn(echo(bot.node().clone()));

    let mut replies = friend.node().events();
    let texts = ["안녕하세요", "こんにちは"];
    for text in texts {
        friend.node().send("Bot", text).await?;
    }
    let mut echoed = 0;
    while echoed < texts.len() {
        match replies.next().await {
            Some(Event::MessageReceived { message }) => {
                println!("the friend got {:?} back", message.text);
                echoed += 1;
            }
            Some(_) => {}
            None => return Err("the friend's node stopped".into()),
        }
    }
    net.shutdown().await;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    match std::env::args_os().nth(1) {
        Some(home) => serve(Home::at(home)).await,
        None => demo().await,
    }
}
