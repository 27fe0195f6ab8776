//! `chingu group …`: group chats through the running node (create, members, admins,
//! send, history). Every command talks to the node over the control API.

use clap::{Args, Subcommand};
use serde_json::json;

use chingu::home::Home;
use chingu::node::{GroupView, InvitationView, MemberView, MessageView};
use chingu::text::for_terminal;
use chingu::tr;

use super::output::{outln, print_json, print_list, Table};

#[derive(Debug, Subcommand)]
pub enum GroupCommand {
    /// Create a group with contacts (you are its admin)
    Create {
        /// The group's name
        name: String,
        /// Contacts to add (names or numbers, comma-separated)
        #[arg(long, value_delimiter = ',', value_name = "A,B,…")]
        members: Vec<String>,
    },
    /// Add a contact to a group (admins)
    Invite {
        /// The group: name or id
        group: String,
        /// The contact: name or number
        contact: String,
    },
    /// Remove a member from a group (admins); they can read nothing sent after
    Remove {
        /// The group: name or id
        group: String,
        /// The member: name, number or peer id
        member: String,
    },
    /// Rename a group (admins)
    Rename {
        /// The group: name or id
        group: String,
        /// The new name
        name: String,
    },
    /// Promote or demote admins (admins)
    #[command(subcommand)]
    Admins(AdminsCommand),
    /// List invitations waiting for an answer (with `auto_join = false` in `[groups]`)
    Invitations,
    /// Accept an invitation
    Join {
        /// The group: name, id or the first digits of its id
        group: String,
    },
    /// Decline an invitation
    Decline {
        /// The group: name, id or the first digits of its id
        group: String,
    },
    /// Leave a group (its history stays on this device)
    Leave {
        /// The group: name or id
        group: String,
    },
    /// Close a group for everyone (admins)
    Close {
        /// The group: name or id
        group: String,
    },
    /// List your groups
    List,
    /// List a group's members
    Members {
        /// The group: name or id
        group: String,
    },
    /// Send a text, photo or file to a group
    Send {
        /// The group: name or id
        group: String,
        #[command(flatten)]
        payload: super::files::Payload,
    },
    /// Show a group's messages
    History(GroupHistoryArgs),
    /// Mark a group's messages read
    Read {
        /// The group: name or id
        group: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminsCommand {
    /// Make a member an admin
    Add {
        /// The group: name or id
        group: String,
        /// The member: name, number or peer id
        member: String,
    },
    /// Take admin rights from a member
    Remove {
        /// The group: name or id
        group: String,
        /// The member: name, number or peer id
        member: String,
    },
}

#[derive(Debug, Args)]
pub struct GroupHistoryArgs {
    /// The group: name or id
    group: String,
    #[command(flatten)]
    page: super::messages::PageArgs,
}

fn kind_label(view: &GroupView) -> String {
    if view.kind == "meetup" {
        tr!("group-kind-meetup")
    } else {
        tr!("group-kind-group")
    }
}

/// A group's name, safe for the terminal.
fn name_of(view: &GroupView) -> String {
    for_terminal(&view.name).into_owned()
}

/// Prints a group after a change (or its JSON).
fn print_changed(view: &GroupView, json: bool) -> anyhow::Result<()> {
    if json {
        return print_json(view);
    }
    outln!(
        "{}",
        tr!(
            "group-changed",
            name = name_of(view),
            epoch = view.epoch,
            members = view.members
        )
    )?;
    Ok(())
}

/// Prints a group with a message of its own (or its JSON).
fn print_group(view: &GroupView, json: bool, text: String) -> anyhow::Result<()> {
    if json {
        return print_json(view);
    }
    outln!("{text}")?;
    Ok(())
}

pub async fn run(home: &Home, command: GroupCommand, json: bool) -> anyhow::Result<()> {
    let mut client = super::connect(home).await?;
    let changed = match command {
        GroupCommand::Create { name, members } => {
            let view: GroupView = client
                .call_as("groups.create", json!({ "name": name, "members": members }))
                .await?;
            let text = tr!(
                "group-created",
                name = name_of(&view),
                id = view.group_id.clone(),
                members = view.members
            );
            return print_group(&view, json, text);
        }
        GroupCommand::Invite { group, contact } => {
            client
                .call_as("groups.invite", json!({ "group": group, "contact": contact }))
                .await?
        }
        GroupCommand::Remove { group, member } => {
            client
                .call_as("groups.remove", json!({ "group": group, "member": member }))
                .await?
        }
        GroupCommand::Rename { group, name } => {
            client
                .call_as("groups.rename", json!({ "group": group, "name": name }))
                .await?
        }
        GroupCommand::Admins(command) => {
            let (action, group, member) = match command {
                AdminsCommand::Add { group, member } => ("add", group, member),
                AdminsCommand::Remove { group, member } => ("remove", group, member),
            };
            client
                .call_as(
                    "groups.admins",
                    json!({ "group": group, "action": action, "member": member }),
                )
                .await?
        }
        GroupCommand::Invitations => {
            let invitations: Vec<InvitationView> = client.call_as("groups.invitations", json!({})).await?;
            return print_list(
                &invitations,
                json,
                tr!("group-invitations-none"),
                [
                    tr!("group-col-name"),
                    tr!("group-col-kind"),
                    tr!("group-col-members"),
                    tr!("group-col-from"),
                    tr!("group-col-id"),
                ],
                |i| {
                    [
                        name_of(&i.group),
                        kind_label(&i.group),
                        i.group.members.to_string(),
                        format!("{} {}", for_terminal(&i.from_name), i.from),
                        i.group.group_id.clone(),
                    ]
                },
            );
        }
        GroupCommand::Join { group } => {
            let view: GroupView = client.call_as("groups.join", json!({ "group": group })).await?;
            let text = tr!("group-joined", name = name_of(&view), members = view.members);
            return print_group(&view, json, text);
        }
        GroupCommand::Decline { group } => {
            let view: GroupView = client.call_as("groups.decline", json!({ "group": group })).await?;
            let text = tr!("group-declined", name = name_of(&view));
            return print_group(&view, json, text);
        }
        GroupCommand::Leave { group } => {
            let view: GroupView = client.call_as("groups.leave", json!({ "group": group })).await?;
            let text = tr!("group-left", name = name_of(&view));
            return print_group(&view, json, text);
        }
        GroupCommand::Close { group } => client.call_as("groups.close", json!({ "group": group })).await?,
        GroupCommand::List => {
            let groups: Vec<GroupView> = client.call_as("groups.list", json!({})).await?;
            return print_list(
                &groups,
                json,
                tr!("group-none"),
                [
                    tr!("group-col-name"),
                    tr!("group-col-kind"),
                    tr!("group-col-members"),
                    tr!("group-col-role"),
                    tr!("group-col-id"),
                ],
                |g| {
                    let role = match (g.active, g.is_admin) {
                        (false, _) => tr!("group-role-gone"),
                        (true, true) => tr!("group-role-admin"),
                        (true, false) => tr!("group-role-member"),
                    };
                    [
                        name_of(g),
                        kind_label(g),
                        g.members.to_string(),
                        role,
                        g.group_id.clone(),
                    ]
                },
            );
        }
        GroupCommand::Members { group } => {
            let members: Vec<MemberView> = client.call_as("groups.members", json!({ "group": group })).await?;
            if json {
                return print_json(&members);
            }
            let mut table = Table::new();
            table.header([
                tr!("group-col-name"),
                tr!("group-col-phone"),
                tr!("group-col-fingerprint"),
                tr!("group-col-role"),
            ]);
            for m in &members {
                let mut role = if m.admin {
                    tr!("group-role-admin")
                } else {
                    tr!("group-role-member")
                };
                if m.me {
                    role = tr!("group-role-me", role = role);
                }
                table.row([
                    for_terminal(&m.name).into_owned(),
                    m.phone.clone(),
                    m.fingerprint.clone(),
                    role,
                ]);
            }
            table.print()?;
            return Ok(());
        }
        GroupCommand::Send { group, payload } => {
            let Some(text) = payload.send_attachment(home, &group, json).await? else {
                return Ok(());
            };
            let message: MessageView = client
                .call_as("groups.send", json!({ "group": group, "text": text }))
                .await?;
            if json {
                return print_json(&message);
            }
            let name = if message.title.is_empty() {
                &group
            } else {
                &message.title
            };
            outln!(
                "{}",
                tr!(
                    "group-sent",
                    name = for_terminal(name).into_owned(),
                    text = super::messages::short(&message.text)
                )
            )?;
            return Ok(());
        }
        GroupCommand::History(args) => {
            let messages = super::messages::Conversation::Group(&mut client, &args.group)
                .last(args.page.limit.max(1), args.page.before)
                .await?;
            return super::messages::print_messages(&messages, json);
        }
        GroupCommand::Read { group } => {
            let answer: serde_json::Value = client.call("groups.read", json!({ "group": group })).await?;
            if json {
                return print_json(&answer);
            }
            let count = answer["marked"].as_u64().unwrap_or(0);
            outln!("{}", tr!("msg-marked-read", count = count))?;
            return Ok(());
        }
    };
    print_changed(&changed, json)
}
