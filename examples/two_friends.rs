//! Two friends find each other by phone number and chat, end to end encrypted, through
//! the library API: `add_contact`, `lookup_contact`, `send`, `history`, `mark_read`,
//! `typing`, `conversations` and the message events.
//!
//! ```text
//! cargo run --example two_friends
//! ```

use futures::StreamExt;

use chingu::model::MessageState;
use chingu::Event;

#[path = "common/people.rs"]
mod people;

use people::{dial_addr, find, person};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let minji = person(dir.path(), "010-1234-5678", "민지", None).await?;
    let first = dial_addr(&minji).await?;
    let yuki = person(dir.path(), "010-8765-4321", "Yuki", Some(first)).await?;
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
