//! `chingu reply`, `react`, `edit`, `delete`, `forward` and `card`: more than text, in
//! a friend's conversation or a group's (SPEC.md §6.9). A message is named by its
//! conversation: by default the newest one the command can apply to (the newest from the
//! others for `reply` and `react`, your own newest for `edit` and `delete`); `--message
//! ID` names another (ids are in `history --json`).

use clap::Args;
use serde_json::{json, Value};

use chingu::api::client::ApiClient;
use chingu::home::Home;
use chingu::model::Direction;
use chingu::node::{HistoryPage, MessageView};
use chingu::text::for_terminal;
use chingu::tr;

use super::messages::short;
use super::output::{outln, print_json};

/// How far back the default message is looked for.
const LOOK_BACK: usize = 200;

/// The message an action applies to.
#[derive(Debug, Args)]
pub struct Target {
    /// The conversation: a contact (name or number) or a group (name or id)
    conversation: String,
    /// The message, by id (default: the newest one the command applies to)
    #[arg(long, value_name = "ID")]
    message: Option<String>,
}

#[derive(Debug, Args)]
pub struct ReplyArgs {
    #[command(flatten)]
    target: Target,
    /// The text
    text: String,
}

#[derive(Debug, Args)]
pub struct ReactArgs {
    #[command(flatten)]
    target: Target,
    /// One emoji (e.g. 👍 ❤️ 😂); with --remove, leave it out
    emoji: Option<String>,
    /// Withdraw your reaction
    #[arg(long, conflicts_with = "emoji")]
    remove: bool,
}

#[derive(Debug, Args)]
pub struct EditArgs {
    #[command(flatten)]
    target: Target,
    /// The new text
    text: String,
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    #[command(flatten)]
    target: Target,
}

#[derive(Debug, Args)]
pub struct ForwardArgs {
    #[command(flatten)]
    target: Target,
    /// Where to: a contact or a group
    to: String,
}

#[derive(Debug, Args)]
pub struct CardArgs {
    /// To whom: a contact or a group
    to: String,
    /// birthday, thanks, congrats, love or plain
    #[arg(long, default_value = "plain")]
    template: String,
    /// The card's title
    #[arg(long)]
    title: String,
    /// The card's text
    #[arg(default_value = "")]
    text: String,
}

/// Which of a conversation's messages a command applies to by default.
#[derive(Clone, Copy)]
enum Whose {
    Theirs,
    Mine,
    Any,
}

/// The id of the message `target` names.
async fn message_id(client: &mut ApiClient, target: &Target, whose: Whose) -> anyhow::Result<String> {
    if let Some(id) = &target.message {
        return Ok(id.clone());
    }
    let page: HistoryPage = client
        .call_as(
            "history.page",
            json!({ "conversation": target.conversation, "limit": LOOK_BACK }),
        )
        .await?;
    page.messages
        .iter()
        .rev()
        .find(|m| {
            m.kind != "deleted"
                && match whose {
                    Whose::Theirs => m.direction == Direction::Incoming,
                    Whose::Mine => m.direction == Direction::Outgoing,
                    Whose::Any => true,
                }
        })
        .map(|m| m.id.clone())
        .ok_or_else(|| {
            let conversation = for_terminal(&target.conversation).into_owned();
            match whose {
                Whose::Mine => anyhow::anyhow!(tr!("compose-none-mine", conversation = conversation)),
                _ => anyhow::anyhow!(tr!("compose-none", conversation = conversation)),
            }
        })
}

/// Calls `method` and reports what was sent.
async fn run(client: &mut ApiClient, method: &str, params: Value, json: bool) -> anyhow::Result<()> {
    let sent: MessageView = client.call_as(method, params).await?;
    if json {
        return print_json(&sent);
    }
    let title = for_terminal(&sent.title).into_owned();
    let line = match sent.kind.as_str() {
        "reaction" if sent.text.is_empty() => tr!("compose-unreacted", title = title),
        "reaction" => tr!("compose-reacted", title = title, emoji = short(&sent.text)),
        "edit" => tr!("compose-edited", title = title, text = short(&sent.text)),
        "delete" => tr!("compose-deleted", title = title),
        "card" => tr!("compose-card", title = title),
        _ => tr!("msg-queued", name = title, text = short(&sent.text)),
    };
    outln!("{line}")?;
    Ok(())
}

pub async fn reply(home: &Home, args: ReplyArgs, json: bool) -> anyhow::Result<()> {
    let mut client = super::connect(home).await?;
    let message = message_id(&mut client, &args.target, Whose::Theirs).await?;
    let params = json!({ "message": message, "text": args.text });
    run(&mut client, "messages.reply", params, json).await
}

pub async fn react(home: &Home, args: ReactArgs, json: bool) -> anyhow::Result<()> {
    let mut client = super::connect(home).await?;
    let message = message_id(&mut client, &args.target, Whose::Theirs).await?;
    let emoji = match (args.emoji, args.remove) {
        (Some(emoji), false) => emoji,
        (None, true) => String::new(),
        _ => anyhow::bail!(tr!("compose-emoji-or-remove")),
    };
    let params = json!({ "message": message, "emoji": emoji });
    run(&mut client, "messages.react", params, json).await
}

pub async fn edit(home: &Home, args: EditArgs, json: bool) -> anyhow::Result<()> {
    let mut client = super::connect(home).await?;
    let message = message_id(&mut client, &args.target, Whose::Mine).await?;
    let params = json!({ "message": message, "text": args.text });
    run(&mut client, "messages.edit", params, json).await
}

pub async fn delete(home: &Home, args: DeleteArgs, json: bool) -> anyhow::Result<()> {
    let mut client = super::connect(home).await?;
    let message = message_id(&mut client, &args.target, Whose::Mine).await?;
    run(&mut client, "messages.delete", json!({ "message": message }), json).await
}

pub async fn forward(home: &Home, args: ForwardArgs, json: bool) -> anyhow::Result<()> {
    let mut client = super::connect(home).await?;
    let message = message_id(&mut client, &args.target, Whose::Any).await?;
    let params = json!({ "message": message, "to": args.to });
    run(&mut client, "messages.forward", params, json).await
}

pub async fn card(home: &Home, args: CardArgs, json: bool) -> anyhow::Result<()> {
    let mut client = super::connect(home).await?;
    let params = json!({ "to": args.to, "template": args.template, "title": args.title, "text": args.text });
    run(&mut client, "messages.card", params, json).await
}
