//! `chingu meetup …`: flash meetups (번개) through the running node — create one and get
//! its code, join one by code, close one early.

use clap::Subcommand;
use serde_json::json;

use chingu::home::Home;
use chingu::node::{GroupView, MeetupView};
use chingu::text::for_terminal;
use chingu::tr;

use super::output::{outln, print_json};

#[derive(Debug, Subcommand)]
pub enum MeetupCommand {
    /// Start a flash meetup and print its code (and link) to share
    Create {
        /// Its name
        #[arg(long, default_value = "번개")]
        name: String,
        /// How long it lasts, e.g. 90m, 2h (at most 24h)
        #[arg(long, default_value = "2h", value_parser = super::parse_duration)]
        expires: u64,
        /// Delete its history on this device when it ends (kept otherwise)
        #[arg(long)]
        forget: bool,
    },
    /// Join a flash meetup by its code (XXXXX-XXXXX or chingu://meetup/… link)
    Join {
        /// The code
        code: String,
        /// Delete its history on this device when it ends (kept otherwise)
        #[arg(long)]
        forget: bool,
    },
    /// Close a meetup early (its creator)
    Close {
        /// The meetup: name or id
        group: String,
    },
}

pub async fn run(home: &Home, command: MeetupCommand, json: bool) -> anyhow::Result<()> {
    let mut client = super::connect(home).await?;
    match command {
        MeetupCommand::Create { name, expires, forget } => {
            let meetup: MeetupView = client
                .call_as("meetups.create", json!({ "name": name, "expires_s": expires }))
                .await?;
            if forget {
                let _: GroupView = client
                    .call_as("meetups.forget", json!({ "group": meetup.group_id }))
                    .await?;
            }
            if json {
                return print_json(&meetup);
            }
            outln!(
                "{}",
                tr!(
                    "meetup-created",
                    name = for_terminal(&meetup.name).into_owned(),
                    code = meetup.code,
                    link = meetup.link,
                    until = super::output::clock(meetup.expires_ms)
                )
            )?;
        }
        MeetupCommand::Join { code, forget } => {
            let group: GroupView = client.call_as("meetups.join", json!({ "code": code })).await?;
            if forget {
                let _: GroupView = client
                    .call_as("meetups.forget", json!({ "group": group.group_id }))
                    .await?;
            }
            if json {
                return print_json(&group);
            }
            outln!(
                "{}",
                tr!(
                    "meetup-joined",
                    name = for_terminal(&group.name).into_owned(),
                    members = group.members
                )
            )?;
        }
        MeetupCommand::Close { group } => {
            let group: GroupView = client.call_as("meetups.close", json!({ "group": group })).await?;
            if json {
                return print_json(&group);
            }
            outln!(
                "{}",
                tr!("meetup-closed", name = for_terminal(&group.name).into_owned())
            )?;
        }
    }
    Ok(())
}
