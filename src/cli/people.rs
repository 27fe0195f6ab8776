//! `chingu requests …` (messages from people not in your contacts: list, accept, block)
//! and `chingu profile …` (your name and status, shared with friends only).

use clap::{Args, Subcommand};
use serde_json::json;

use chingu::home::Home;
use chingu::node::{ContactView, ProfileView, RequestView};
use chingu::text::for_terminal;
use chingu::tr;

use super::errors::UsageError;
use super::output::{outln, print_json, print_list, Table};

#[derive(Debug, Subcommand)]
pub enum RequestsCommand {
    /// List message requests
    List,
    /// Accept a request: the sender becomes a contact and its messages join your chats
    Accept(AcceptArgs),
    /// Block a request's sender and delete its messages
    Block(RequestArg),
}

#[derive(Debug, Args)]
pub struct RequestArg {
    /// The number it claims, its peer id, or the start of its conversation id
    request: String,
}

#[derive(Debug, Args)]
pub struct AcceptArgs {
    /// The number it claims, its peer id, or the start of its conversation id
    request: String,
    /// The name to give the new contact
    #[arg(long, default_value = "")]
    name: String,
}

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Show your profile
    Show,
    /// Change your name and/or status; friends see it at once
    Set(SetProfileArgs),
}

#[derive(Debug, Args)]
pub struct SetProfileArgs {
    /// Your display name
    #[arg(long)]
    name: Option<String>,
    /// Your status message ("" clears it)
    #[arg(long)]
    status: Option<String>,
}

pub async fn requests(home: &Home, command: RequestsCommand, json: bool) -> anyhow::Result<()> {
    let mut client = super::connect(home).await?;
    match command {
        RequestsCommand::List => {
            let requests: Vec<RequestView> = client.call_as("requests.list", json!({})).await?;
            print_list(
                &requests,
                json,
                tr!("requests-none"),
                [
                    tr!("requests-col-from"),
                    tr!("requests-col-messages"),
                    tr!("requests-col-preview"),
                    tr!("requests-col-peer"),
                ],
                |r| {
                    [
                        r.phone.clone(),
                        r.messages.to_string(),
                        r.preview.clone(),
                        r.peer_id.clone(),
                    ]
                },
            )?;
        }
        RequestsCommand::Accept(args) => {
            let contact: ContactView = client
                .call_as("requests.accept", json!({ "request": args.request, "name": args.name }))
                .await?;
            if json {
                return print_json(&contact);
            }
            let name = super::contacts::display_name(&contact);
            outln!("{}", tr!("request-accepted", name = name))?;
        }
        RequestsCommand::Block(arg) => {
            let request: RequestView = client
                .call_as("requests.block", json!({ "request": arg.request }))
                .await?;
            if json {
                return print_json(&request);
            }
            outln!(
                "{}",
                tr!("request-blocked", phone = for_terminal(&request.phone).into_owned())
            )?;
        }
    }
    Ok(())
}

pub async fn profile(home: &Home, command: ProfileCommand, json: bool) -> anyhow::Result<()> {
    if let ProfileCommand::Set(args) = &command {
        if args.name.is_none() && args.status.is_none() {
            return Err(UsageError(tr!("profile-nothing-to-set")).into());
        }
    }
    let mut client = super::connect(home).await?;
    let profile: ProfileView = match command {
        ProfileCommand::Show => client.call_as("profile.get", json!({})).await?,
        ProfileCommand::Set(args) => {
            let params = json!({ "name": args.name, "status": args.status });
            let profile = client.call_as("profile.set", params).await?;
            if !json {
                outln!("{}", tr!("profile-updated"))?;
            }
            profile
        }
    };
    if json {
        return print_json(&profile);
    }
    let mut table = Table::new();
    table.row([tr!("profile-phone"), profile.phone]);
    table.row([tr!("profile-name"), profile.name]);
    table.row([tr!("profile-status"), profile.status]);
    table.print()?;
    Ok(())
}
