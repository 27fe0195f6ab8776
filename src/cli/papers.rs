//! `chingu paper …`: rolling papers (롤링페이퍼, SPEC.md §6.10) through the running node —
//! start one for a friend with the writers you invite, and add your note. The paper shows
//! up as a group the recipient is not in; on its date a writer who is the recipient's
//! friend delivers it.

use clap::Subcommand;
use serde_json::json;

use chingu::home::Home;
use chingu::node::{GroupView, MessageView};
use chingu::text::for_terminal;
use chingu::tr;

use super::output::{outln, print_json};

#[derive(Debug, Subcommand)]
pub enum PaperCommand {
    /// Start a rolling paper for a friend; the writers add notes until it is delivered
    Start {
        /// Who it is for: a friend (name or number)
        recipient: String,
        /// Its title
        #[arg(long)]
        title: String,
        /// When it is delivered, from now: e.g. 3d, 12h, 90m
        #[arg(long = "in", value_parser = super::parse_duration)]
        deliver_in: u64,
        /// The writers: contacts, comma-separated (never the recipient)
        #[arg(long, value_delimiter = ',', required = true)]
        writers: Vec<String>,
    },
    /// Add your note to a rolling paper (its group: name or id)
    Write {
        /// The paper
        paper: String,
        /// Your note
        text: String,
    },
}

pub async fn run(home: &Home, command: PaperCommand, json: bool) -> anyhow::Result<()> {
    let mut client = super::connect(home).await?;
    match command {
        PaperCommand::Start {
            recipient,
            title,
            deliver_in,
            writers,
        } => {
            let params =
                json!({ "recipient": recipient, "title": title, "deliver_in_s": deliver_in, "writers": writers });
            let group: GroupView = client.call_as("papers.start", params).await?;
            if json {
                return print_json(&group);
            }
            outln!(
                "{}",
                tr!(
                    "paper-started",
                    name = for_terminal(&group.name).into_owned(),
                    writers = group.members.saturating_sub(1)
                )
            )?;
        }
        PaperCommand::Write { paper, text } => {
            let note: MessageView = client
                .call_as("papers.write", json!({ "paper": paper, "text": text }))
                .await?;
            if json {
                return print_json(&note);
            }
            outln!(
                "{}",
                tr!("paper-written", name = for_terminal(&note.title).into_owned())
            )?;
        }
    }
    Ok(())
}
