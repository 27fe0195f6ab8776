//! `chingu inbox`, `send`, `history`, `watch` and `read`: 1:1 messages through the
//! running node, shown with names and text (never bare message ids). `history` also reads
//! the store directly when no node is running, and pages through any `--limit`.

use std::collections::{HashMap, VecDeque};

use clap::Args;
use serde_json::{json, Value};

use chingu::api::client::{ApiClient, ClientError};
use chingu::home::Home;
use chingu::model::{Direction, MessageState};
use chingu::node::messages::MAX_HISTORY_LIMIT;
use chingu::node::{ContactView, ConversationView, MessageView};
use chingu::store::{Store, StoreOptions};
use chingu::text::for_terminal;
use chingu::tr;

use super::output::{errln, outln, print_json, print_json_line, print_list};

/// Characters of a message shown in one-line summaries.
const SHORT_TEXT: usize = 40;

#[derive(Debug, Args)]
pub struct SendArgs {
    /// The contact: name or number
    contact: String,
    #[command(flatten)]
    payload: super::files::Payload,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The contact: name or number
    contact: String,
    #[command(flatten)]
    page: PageArgs,
}

/// Which messages of a conversation to show.
#[derive(Debug, Args)]
pub struct PageArgs {
    /// How many messages (the newest; fetched in pages of 1,000)
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Only messages before this message id
    #[arg(long, value_name = "ID")]
    pub before: Option<String>,
}

#[derive(Debug, Args)]
pub struct ReadArgs {
    /// The contact: name or number
    contact: String,
}

/// Where pages of a conversation come from.
pub enum Conversation<'a> {
    /// A contact, through the node.
    Contact(&'a mut ApiClient, &'a str),
    /// A group, through the node.
    Group(&'a mut ApiClient, &'a str),
    /// A contact, from the store of a home whose node is not running.
    Stored(&'a Store, &'a chingu::model::Contact),
}

impl Conversation<'_> {
    async fn page(&mut self, limit: usize, before: Option<&str>) -> anyhow::Result<Vec<MessageView>> {
        Ok(match self {
            Conversation::Contact(client, contact) => {
                let params = json!({ "contact": contact, "limit": limit, "before": before });
                client.call_as("messages.history", params).await?
            }
            Conversation::Group(client, group) => {
                let params = json!({ "group": group, "limit": limit, "before": before });
                client.call_as("groups.history", params).await?
            }
            Conversation::Stored(store, contact) => chingu::node::messages::history(store, contact, limit, before)?,
        })
    }

    /// The newest `limit` messages before `before`, oldest first, in as many pages as
    /// it takes (the node answers at most [`MAX_HISTORY_LIMIT`] per call).
    pub async fn last(&mut self, limit: usize, before: Option<String>) -> anyhow::Result<Vec<MessageView>> {
        let mut messages: VecDeque<MessageView> = VecDeque::new();
        let mut before = before;
        while messages.len() < limit {
            let want = (limit - messages.len()).min(MAX_HISTORY_LIMIT);
            let page = self.page(want, before.as_deref()).await?;
            let short = page.len() < want;
            before = page.first().map(|m| m.id.clone());
            for message in page.into_iter().rev() {
                messages.push_front(message);
            }
            if short || before.is_none() {
                break;
            }
        }
        Ok(messages.into())
    }
}

/// `text` cut to [`SHORT_TEXT`] characters (with `…`), made safe for the terminal.
pub fn short(text: &str) -> String {
    let clean = for_terminal(text);
    let mut cut: String = clean.chars().take(SHORT_TEXT).collect();
    if clean.chars().nth(SHORT_TEXT).is_some() {
        cut.push('…');
    }
    cut
}

/// Prints a page of messages (or JSON of them).
pub fn print_messages(messages: &[MessageView], json: bool) -> anyhow::Result<()> {
    if json {
        return print_json(&messages);
    }
    if messages.is_empty() {
        outln!("{}", tr!("history-none"))?;
    }
    for m in messages {
        print_message(m)?;
    }
    Ok(())
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

pub fn print_message(m: &MessageView) -> anyhow::Result<()> {
    let who = match m.direction {
        Direction::Outgoing => tr!("msg-me"),
        Direction::Incoming if m.sender_name.is_empty() => m.sender.clone(),
        Direction::Incoming => for_terminal(&m.sender_name).into_owned(),
    };
    outln!(
        "{}",
        tr!(
            "msg-line",
            time = super::output::clock(m.sent_ms),
            who = who,
            text = for_terminal(&m.shown_text()).into_owned(),
            state = state_label(m.state)
        )
    )?;
    Ok(())
}

pub async fn send(home: &Home, args: SendArgs, json: bool) -> anyhow::Result<()> {
    let Some(text) = args.payload.send_attachment(home, &args.contact, json).await? else {
        return Ok(());
    };
    let mut client = super::connect(home).await?;
    let message: MessageView = client
        .call_as("messages.send", json!({ "contact": args.contact, "text": text }))
        .await?;
    if json {
        return print_json(&message);
    }
    let name = if message.title.is_empty() {
        for_terminal(&args.contact).into_owned()
    } else {
        for_terminal(&message.title).into_owned()
    };
    outln!("{}", tr!("msg-queued", name = name, text = short(&message.text)))?;
    Ok(())
}

pub async fn history(home: &Home, args: HistoryArgs, json: bool) -> anyhow::Result<()> {
    let (limit, before) = (args.page.limit.max(1), args.page.before);
    let messages = match super::connect(home).await {
        Ok(mut client) => {
            Conversation::Contact(&mut client, &args.contact)
                .last(limit, before)
                .await?
        }
        Err(ClientError::NotRunning { .. }) => {
            // No node: read the store directly (the lock keeps a node from starting meanwhile).
            home.check_ownership()?;
            let _lock = home.lock()?;
            let config = home.load_config()?;
            let store = Store::open(&home.db_path(), StoreOptions::default())?;
            store.owner_profile()?;
            let contact = chingu::node::find_contact(&store, &config.region, &args.contact)?;
            Conversation::Stored(&store, &contact).last(limit, before).await?
        }
        Err(e) => return Err(e.into()),
    };
    print_messages(&messages, json)
}

pub async fn read(home: &Home, args: ReadArgs, json: bool) -> anyhow::Result<()> {
    let mut client = super::connect(home).await?;
    let answer: Value = client.call("messages.read", json!({ "contact": args.contact })).await?;
    if json {
        return print_json(&answer);
    }
    outln!(
        "{}",
        tr!("msg-marked-read", count = answer["marked"].as_u64().unwrap_or(0))
    )?;
    Ok(())
}

/// `chingu inbox`: every conversation, newest first, with its unread count and last
/// message.
pub async fn inbox(home: &Home, json: bool) -> anyhow::Result<()> {
    let mut client = super::connect(home).await?;
    let conversations: Vec<ConversationView> = client.call_as("conversations.list", json!({})).await?;
    let names = if json {
        Names::default()
    } else {
        Names::load(&mut client).await?
    };
    print_list(
        &conversations,
        json,
        tr!("inbox-none"),
        [tr!("inbox-col-name"), tr!("inbox-col-unread"), tr!("inbox-col-last")],
        |c| {
            let unread = if c.unread > 0 {
                c.unread.to_string()
            } else {
                String::new()
            };
            [names.of(c), unread, short(&c.preview)]
        },
    )?;
    if !json {
        let unread: u64 = conversations.iter().map(|c| u64::from(c.unread)).sum();
        if unread > 0 {
            outln!("{}", tr!("inbox-unread", count = unread))?;
        }
    }
    Ok(())
}

/// Names to show for conversations: contacts by number, the rest by title.
#[derive(Default)]
struct Names {
    contacts: HashMap<String, String>,
    conversations: HashMap<String, ConversationView>,
}

impl Names {
    async fn load(client: &mut ApiClient) -> anyhow::Result<Self> {
        let mut names = Self::default();
        names.refresh(client).await?;
        Ok(names)
    }

    async fn refresh(&mut self, client: &mut ApiClient) -> anyhow::Result<()> {
        let contacts: Vec<ContactView> = client.call_as("contacts.list", json!({})).await?;
        self.contacts = contacts
            .iter()
            .map(|c| (c.phone.clone(), super::contacts::display_name(c)))
            .collect();
        let conversations: Vec<ConversationView> = client.call_as("conversations.list", json!({})).await?;
        self.conversations = conversations.into_iter().map(|c| (c.id.clone(), c)).collect();
        Ok(())
    }

    /// How a conversation is called: its contact's name, else its title, else its number.
    fn of(&self, conversation: &ConversationView) -> String {
        let contact = conversation.phone.as_ref().and_then(|p| self.contacts.get(p));
        match (contact, conversation.phone.as_ref()) {
            (Some(name), _) => name.clone(),
            _ if !conversation.title.trim().is_empty() => for_terminal(&conversation.title).into_owned(),
            (None, Some(phone)) => phone.clone(),
            (None, None) => conversation.id.clone(),
        }
    }

    /// The name of conversation `conv`, reloading once when it is new.
    async fn of_id(&mut self, client: &mut ApiClient, conv: &str) -> anyhow::Result<String> {
        if !self.conversations.contains_key(conv) {
            self.refresh(client).await?;
        }
        Ok(match self.conversations.get(conv) {
            Some(conversation) => self.of(conversation),
            None => conv.to_owned(),
        })
    }
}

/// Prints incoming messages and state changes until the node stops or Ctrl-C: with
/// `--json` one event object per line, otherwise names and text.
pub async fn watch(home: &Home, json: bool) -> anyhow::Result<()> {
    let mut client = super::connect(home).await?;
    client.subscribe().await?;
    // Names are looked up on a second connection, so events keep flowing on the first.
    let mut lookups = super::connect(home).await?;
    let mut names = if json {
        Names::default()
    } else {
        Names::load(&mut lookups).await?
    };
    loop {
        let event = tokio::select! {
            _ = tokio::signal::ctrl_c() => return Ok(()),
            event = client.next_event() => event?,
        };
        let Some(event) = event else {
            errln!("{}", tr!("watch-ended"));
            return Ok(());
        };
        let kind = event["type"].as_str().unwrap_or_default();
        if !matches!(
            kind,
            "message_received" | "message_changed" | "message_state" | "typing" | "contact_updated" | "key_changed"
        ) {
            continue;
        }
        if json {
            print_json_line(&event)?;
            continue;
        }
        let text = |key: &str| for_terminal(event[key].as_str().unwrap_or_default()).into_owned();
        match kind {
            "message_received" | "message_changed" => {
                if let Ok(mut m) = serde_json::from_value::<MessageView>(event["message"].clone()) {
                    // A group's message says which group it is in.
                    if !m.title.is_empty() && m.title != m.sender_name && m.direction == Direction::Incoming {
                        let who = if m.sender_name.is_empty() {
                            &m.sender
                        } else {
                            &m.sender_name
                        };
                        m.sender_name = format!("{who} · {}", m.title);
                    }
                    print_message(&m)?;
                }
            }
            "message_state" => {
                if let Ok(state) = serde_json::from_value::<MessageState>(event["state"].clone()) {
                    let conv = event["conv"].as_str().unwrap_or_default();
                    let name = names.of_id(&mut lookups, conv).await?;
                    let preview = short(event["preview"].as_str().unwrap_or_default());
                    outln!(
                        "{}",
                        tr!(
                            "msg-state-changed",
                            name = name,
                            text = preview,
                            state = state_label(state)
                        )
                    )?;
                }
            }
            "typing" if event["active"].as_bool() == Some(true) => {
                outln!("{}", tr!("msg-typing", name = text("name")))?;
            }
            "key_changed" => {
                outln!("{}", tr!("msg-key-changed", name = text("name")))?;
            }
            "contact_updated" => {
                let state = super::contacts::state_label(event["state"].as_str().unwrap_or_default());
                outln!("{}", tr!("msg-contact-updated", name = text("name"), state = state))?;
            }
            _ => {}
        }
    }
}
