//! `chingu send`, `history`, `watch` and `read`: 1:1 messages through the running node.
//! `history` also reads the store directly when no node is running.

use clap::Args;
use serde_json::{json, Value};

use chingu::api::client::ClientError;
use chingu::home::Home;
use chingu::model::{Direction, MessageState};
use chingu::node::MessageView;
use chingu::store::{Store, StoreOptions};
use chingu::tr;

use super::output::print_json;

#[derive(Debug, Args)]
pub struct SendArgs {
    /// The contact: name or number
    contact: String,
    /// The text
    text: String,
    /// Print JSON
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The contact: name or number
    contact: String,
    #[command(flatten)]
    page: PageArgs,
}

/// Which messages of a conversation to show, and how.
#[derive(Debug, Args)]
pub struct PageArgs {
    /// How many messages
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Only messages before this message id
    #[arg(long, value_name = "ID")]
    pub before: Option<String>,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

/// Prints a page of messages (or JSON of them).
pub fn print_messages(messages: &[MessageView], json: bool) -> anyhow::Result<()> {
    if json {
        return print_json(&messages);
    }
    if messages.is_empty() {
        println!("{}", tr!("history-none"));
    }
    for m in messages {
        print_message(m);
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct ReadArgs {
    /// The contact: name or number
    contact: String,
}

/// The localised name of a message state.
pub fn state_label(state: MessageState) -> String {
    match state {
        MessageState::Queued => tr!("msg-state-queued"),
        MessageState::Sent => tr!("msg-state-sent"),
        MessageState::Delivered => tr!("msg-state-delivered"),
        MessageState::Read => tr!("msg-state-read"),
        MessageState::Received => tr!("msg-state-received"),
        MessageState::Request => tr!("msg-state-request"),
        MessageState::Seen => tr!("msg-state-seen"),
    }
}

pub fn print_message(m: &MessageView) {
    let who = match m.direction {
        Direction::Outgoing => tr!("msg-me"),
        Direction::Incoming if m.sender_name.is_empty() => m.sender.clone(),
        Direction::Incoming => m.sender_name.clone(),
    };
    println!(
        "{}",
        tr!(
            "msg-line",
            time = super::output::clock(m.sent_ms),
            who = who,
            text = m.text.clone(),
            state = state_label(m.state)
        )
    );
}

pub async fn send(home: &Home, args: SendArgs) -> anyhow::Result<()> {
    let mut client = super::connect(home).await?;
    let message: MessageView = client
        .call_as("messages.send", json!({ "contact": args.contact, "text": args.text }))
        .await?;
    if args.json {
        return print_json(&message);
    }
    println!("{}", tr!("msg-queued", id = message.id));
    Ok(())
}

pub async fn history(home: &Home, args: HistoryArgs) -> anyhow::Result<()> {
    let messages: Vec<MessageView> = match super::connect(home).await {
        Ok(mut client) => {
            client
                .call_as(
                    "messages.history",
                    json!({ "contact": args.contact, "limit": args.page.limit, "before": args.page.before }),
                )
                .await?
        }
        Err(ClientError::NotRunning { .. }) => {
            // No node: read the store directly (the lock keeps a node from starting meanwhile).
            let _lock = home.lock()?;
            let config = home.load_config()?;
            let store = Store::open(&home.db_path(), StoreOptions::default())?;
            store.owner_profile()?;
            let contact = chingu::node::find_contact(&store, &config.region, &args.contact)?;
            chingu::node::messages::history(&store, &contact, args.page.limit, args.page.before.as_deref())?
        }
        Err(e) => return Err(e.into()),
    };
    print_messages(&messages, args.page.json)
}

pub async fn read(home: &Home, args: ReadArgs) -> anyhow::Result<()> {
    let mut client = super::connect(home).await?;
    let answer: Value = client.call("messages.read", json!({ "contact": args.contact })).await?;
    println!(
        "{}",
        tr!("msg-marked-read", count = answer["marked"].as_u64().unwrap_or(0))
    );
    Ok(())
}

/// Prints incoming messages and state changes until the node stops or Ctrl-C.
pub async fn watch(home: &Home, flag: super::query::JsonFlag) -> anyhow::Result<()> {
    let mut client = super::connect(home).await?;
    client.subscribe().await?;
    loop {
        let event = tokio::select! {
            _ = tokio::signal::ctrl_c() => return Ok(()),
            event = client.next_event() => event?,
        };
        let Some(event) = event else {
            eprintln!("{}", tr!("watch-ended"));
            return Ok(());
        };
        let kind = event["type"].as_str().unwrap_or_default();
        if !matches!(
            kind,
            "message_received" | "message_state" | "typing" | "contact_updated" | "key_changed"
        ) {
            continue;
        }
        if flag.json {
            println!("{event}");
            continue;
        }
        match kind {
            "message_received" => {
                if let Ok(m) = serde_json::from_value::<MessageView>(event["message"].clone()) {
                    print_message(&m);
                }
            }
            "message_state" => {
                if let Ok(state) = serde_json::from_value::<MessageState>(event["state"].clone()) {
                    let id = event["id"].as_str().unwrap_or_default().to_owned();
                    println!("{}", tr!("msg-state-changed", id = id, state = state_label(state)));
                }
            }
            "typing" if event["active"].as_bool() == Some(true) => {
                let name = event["name"].as_str().unwrap_or_default().to_owned();
                println!("{}", tr!("msg-typing", name = name));
            }
            "key_changed" => {
                let name = event["name"].as_str().unwrap_or_default().to_owned();
                println!("{}", tr!("msg-key-changed", name = name));
            }
            "contact_updated" => {
                let name = event["name"].as_str().unwrap_or_default().to_owned();
                let state = super::contacts::state_label(event["state"].as_str().unwrap_or_default());
                println!("{}", tr!("msg-contact-updated", name = name, state = state));
            }
            _ => {}
        }
    }
}
