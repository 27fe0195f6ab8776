//! `chingu contacts …` and `chingu invite`: the address book, discovery states, safety
//! numbers and invite codes, all through the running node.

use std::collections::HashSet;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::json;

use chingu::home::Home;
use chingu::node::{ContactView, ImportSummary, InviteView, NewPerson, Verification};
use chingu::tr;

use super::output::{print_json, print_list};

#[derive(Debug, Subcommand)]
pub enum ContactsCommand {
    /// Add a contact by number, or by an invite code someone gave you
    Add(AddArgs),
    /// Import a vCard (.vcf) or CSV address book
    Import(ImportArgs),
    /// List contacts and whether they were found
    List(super::query::JsonFlag),
    /// Remove a contact
    Remove(ContactArg),
    /// Show a contact's safety numbers; --confirm marks the key verified
    Verify(VerifyArgs),
    /// Look a contact up now
    Lookup(ContactArg),
    /// Show a contact: numbers, state, what it means and what to do
    Show(ContactJsonArg),
    /// Rename a contact (every number)
    Rename(RenameArgs),
    /// Block a contact: no messages either way, and they can no longer find you
    Block(ContactArg),
    /// Unblock a contact
    Unblock(ContactArg),
    /// Mute a contact: messages arrive without notification
    Mute(ContactArg),
    /// Unmute a contact
    Unmute(ContactArg),
    /// Accept a contact's new key after they reinstalled (compare safety numbers first)
    Accept(ContactArg),
}

#[derive(Debug, Args)]
pub struct ContactJsonArg {
    /// Name or number
    contact: String,
    /// Print JSON
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct RenameArgs {
    /// Name or number
    contact: String,
    /// The new name
    name: String,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The number, in any local format
    #[arg(required_unless_present = "invite")]
    number: Option<String>,
    /// An invite code (CHINGU-… or chingu://invite/…)
    #[arg(long, conflicts_with = "number")]
    invite: Option<String>,
    /// The name to show
    #[arg(long, default_value = "")]
    name: String,
    /// Add the number to this existing contact (one person, several numbers)
    #[arg(long, value_name = "CONTACT", conflicts_with_all = ["invite", "name"])]
    to: Option<String>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The file (vCard 3.0/4.0 or CSV with a header row)
    file: PathBuf,
    /// Return at once instead of following discovery
    #[arg(long)]
    no_wait: bool,
}

#[derive(Debug, Args)]
pub struct ContactArg {
    /// Name or number
    contact: String,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Name or number
    contact: String,
    /// Mark the key verified (after comparing the safety number in person)
    #[arg(long)]
    confirm: bool,
    /// Verify candidate N instead of the pinned key (after a key change or a conflict)
    #[arg(long, value_name = "N")]
    candidate: Option<usize>,
}

#[derive(Debug, Args)]
pub struct InviteArgs {
    /// How long the code works: 30m, 12h, 7d
    #[arg(long, default_value = "7d", value_parser = super::parse_duration)]
    valid: u64,
    /// Print JSON
    #[arg(long)]
    json: bool,
}

/// The localised name of a contact state.
pub fn state_label(state: &str) -> String {
    match state {
        "pending" => tr!("state-pending"),
        "found" => tr!("state-found"),
        "verified" => tr!("state-verified"),
        "conflict" => tr!("state-conflict"),
        "not_found" => tr!("state-not-found"),
        other => other.to_owned(),
    }
}

/// The localised sentence saying where a contact stands and what to do.
pub fn standing_text(contact: &ContactView) -> String {
    let name = if contact.name.is_empty() {
        contact.profile_name.clone().unwrap_or_else(|| contact.phone.clone())
    } else {
        contact.name.clone()
    };
    chingu::contacts::standing::localized(&contact.reason, &name, &contact.explanation)
}

fn print_contact(contact: &ContactView) {
    println!(
        "{}",
        tr!(
            "contact-line",
            name = contact.name.clone(),
            phone = contact.phone.clone(),
            state = state_label(&contact.state)
        )
    );
    println!("  {}", standing_text(contact));
}

/// Everything about one contact, for `contacts show`.
fn print_details(contact: &ContactView) {
    print_contact(contact);
    if let Some(status) = &contact.status {
        println!("  {}", tr!("contact-status", status = status.clone()));
    }
    let others: Vec<String> = contact.numbers.iter().skip(1).map(|n| n.phone.clone()).collect();
    if !others.is_empty() {
        println!("  {}", tr!("contact-numbers", numbers = others.join(", ")));
    }
    if let Some(secs) = contact.next_lookup_s {
        println!(
            "  {}",
            tr!("standing-next-lookup", time = super::output::duration(secs))
        );
    }
}

pub async fn run(home: &Home, command: ContactsCommand) -> anyhow::Result<()> {
    let mut client = super::connect(home).await?;
    match command {
        ContactsCommand::Add(args) => {
            let params = match (args.number, args.invite, args.to) {
                (_, Some(code), _) => json!({ "invite": code, "name": args.name }),
                (Some(number), None, Some(to)) => json!({ "phone": number, "to": to }),
                (Some(number), None, None) => json!({ "phone": number, "name": args.name }),
                (None, None, _) => unreachable!("clap requires one"),
            };
            let contact: ContactView = client.call_as("contacts.add", params).await?;
            print_contact(&contact);
        }
        ContactsCommand::Import(args) => {
            let bytes = std::fs::read(&args.file).map_err(|e| anyhow::anyhow!("{}: {e}", args.file.display()))?;
            let content = String::from_utf8(bytes)
                .map_err(|_| anyhow::anyhow!("{}", tr!("import-not-utf8", file = args.file.display().to_string())))?;
            // Parsed here and sent in chunks: a large book does not fit one API request.
            let region = home.load_config()?.region;
            let report = chingu::contacts::import::import(&content, &region)
                .map_err(|e| anyhow::anyhow!("{}: {e}", args.file.display()))?;
            if !args.no_wait {
                client.subscribe().await?;
            }
            let summary = import_in_chunks(&mut client, report).await?;
            for issue in &summary.issues {
                eprintln!(
                    "{}",
                    tr!(
                        "import-issue",
                        line = issue.line,
                        input = issue.input.clone(),
                        reason = issue.error.clone()
                    )
                );
            }
            println!(
                "{}",
                tr!(
                    "import-summary",
                    read = summary.read,
                    added = summary.added,
                    merged = summary.duplicates_merged,
                    skipped = summary.issues.len()
                )
            );
            if !args.no_wait && summary.added > 0 {
                follow_discovery(&mut client, &summary).await?;
            }
        }
        ContactsCommand::List(flag) => {
            let contacts: Vec<ContactView> = client.call_as("contacts.list", json!({})).await?;
            print_list(
                &contacts,
                flag.json,
                tr!("contacts-none"),
                [
                    tr!("contacts-col-name"),
                    tr!("contacts-col-phone"),
                    tr!("contacts-col-state"),
                ],
                |c| {
                    let mut state = state_label(&c.state);
                    if c.candidates > 0 {
                        state = tr!("contacts-with-candidates", state = state, count = c.candidates);
                    }
                    [c.name.clone(), c.phone.clone(), state]
                },
            )?;
        }
        ContactsCommand::Remove(arg) => {
            let contact: ContactView = client
                .call_as("contacts.remove", json!({ "contact": arg.contact }))
                .await?;
            println!("{}", tr!("contact-removed", name = contact.name, phone = contact.phone));
        }
        ContactsCommand::Verify(args) => {
            let params = json!({ "contact": args.contact, "confirm": args.confirm, "candidate": args.candidate });
            let verification: Verification = client.call_as("contacts.verify", params).await?;
            print_verification(&verification);
        }
        ContactsCommand::Lookup(arg) => {
            let contact: ContactView = client
                .call_as("contacts.lookup", json!({ "contact": arg.contact }))
                .await?;
            print_contact(&contact);
        }
        ContactsCommand::Show(arg) => {
            let contacts: Vec<ContactView> = client.call_as("contacts.list", json!({})).await?;
            let wanted = arg.contact.trim().to_lowercase();
            let contact = contacts
                .into_iter()
                .find(|c| {
                    c.name.to_lowercase() == wanted
                        || c.numbers.iter().any(|n| n.phone == arg.contact.trim())
                        || c.phone == arg.contact.trim()
                })
                .ok_or_else(|| anyhow::anyhow!("{}", tr!("contact-unknown", contact = arg.contact.clone())))?;
            if arg.json {
                return print_json(&contact);
            }
            print_details(&contact);
        }
        ContactsCommand::Rename(args) => {
            let contact: ContactView = client
                .call_as("contacts.rename", json!({ "contact": args.contact, "name": args.name }))
                .await?;
            println!("{}", tr!("contact-renamed", name = contact.name));
        }
        ContactsCommand::Block(arg) => {
            let contact = change(&mut client, "contacts.block", json!({ "contact": arg.contact })).await?;
            println!("{}", tr!("contact-blocked", name = contact.name));
        }
        ContactsCommand::Unblock(arg) => {
            let contact = change(&mut client, "contacts.unblock", json!({ "contact": arg.contact })).await?;
            println!("{}", tr!("contact-unblocked", name = contact.name));
        }
        ContactsCommand::Mute(arg) => {
            let params = json!({ "contact": arg.contact, "muted": true });
            let contact = change(&mut client, "contacts.mute", params).await?;
            println!("{}", tr!("contact-muted", name = contact.name));
        }
        ContactsCommand::Unmute(arg) => {
            let params = json!({ "contact": arg.contact, "muted": false });
            let contact = change(&mut client, "contacts.mute", params).await?;
            println!("{}", tr!("contact-unmuted", name = contact.name));
        }
        ContactsCommand::Accept(arg) => {
            let verification: Verification = client
                .call_as("contacts.accept", json!({ "contact": arg.contact }))
                .await?;
            println!("{}", tr!("contact-accepted", name = verification.contact.name.clone()));
            print_verification(&verification);
        }
    }
    Ok(())
}

/// Calls a method that answers with the changed contact.
async fn change(
    client: &mut chingu::api::client::ApiClient,
    method: &str,
    params: serde_json::Value,
) -> anyhow::Result<ContactView> {
    Ok(client.call_as(method, params).await?)
}

fn print_verification(v: &Verification) {
    print_contact(&v.contact);
    if let Some(pinned) = &v.pinned {
        println!("{}", tr!("verify-pinned", peer_id = pinned.peer_id.clone()));
        println!("{}", pinned.safety_number);
    }
    for candidate in &v.candidates {
        println!(
            "{}",
            tr!(
                "verify-candidate",
                index = candidate.index,
                peer_id = candidate.peer_id.clone(),
                name = candidate.profile_name.clone()
            )
        );
        println!("{}", candidate.safety_number);
    }
    if v.confirmed {
        println!("{}", tr!("verify-confirmed"));
    } else if v.pinned.is_some() || !v.candidates.is_empty() {
        println!("{}", tr!("verify-howto"));
    }
}

/// Persons sent per `contacts.import` call (well under the API's 1 MiB request line).
const IMPORT_CHUNK: usize = 5_000;

/// Sends an address book parsed here to the node, [`IMPORT_CHUNK`] persons per call, and
/// adds the summaries up.
async fn import_in_chunks(
    client: &mut chingu::api::client::ApiClient,
    report: chingu::contacts::import::ImportReport,
) -> anyhow::Result<ImportSummary> {
    let persons: Vec<NewPerson> = report.contacts.into_iter().map(NewPerson::from).collect();
    let mut total = ImportSummary {
        read: 0,
        added: 0,
        duplicates_merged: report.duplicates_merged,
        issues: report.issues,
        phones: Vec::new(),
        persons: 0,
    };
    for chunk in persons.chunks(IMPORT_CHUNK) {
        let part: ImportSummary = client.call_as("contacts.import", json!({ "persons": chunk })).await?;
        total.read += part.read;
        total.added += part.added;
        total.duplicates_merged += part.duplicates_merged;
        total.issues.extend(part.issues);
        total.phones.extend(part.phones);
        total.persons += part.persons;
    }
    Ok(total)
}

/// Shows a progress bar until every imported contact has left `pending` (Ctrl-C leaves
/// discovery running in the node).
async fn follow_discovery(client: &mut chingu::api::client::ApiClient, summary: &ImportSummary) -> anyhow::Result<()> {
    let mut waiting: HashSet<String> = summary.phones.iter().cloned().collect();
    let contacts: Vec<ContactView> = client.call_as("contacts.list", json!({})).await?;
    for c in contacts.iter().filter(|c| c.state != "pending") {
        waiting.remove(&c.phone);
    }
    let bar = indicatif::ProgressBar::new(summary.phones.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({elapsed})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_message(tr!("import-discovering"));
    bar.set_position((summary.phones.len() - waiting.len()) as u64);
    let mut found = 0usize;
    while !waiting.is_empty() {
        tokio::select! {
            event = client.next_event() => {
                let Some(event) = event? else { break };
                if event["type"] == "contact_updated" {
                    let phone = event["phone"].as_str().unwrap_or_default().to_owned();
                    if event["state"] != "pending" && waiting.remove(&phone) {
                        bar.inc(1);
                        if event["state"] == "found" || event["state"] == "verified" {
                            found += 1;
                        }
                    }
                }
            }
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    bar.finish_and_clear();
    println!(
        "{}",
        tr!("import-discovered", found = found, total = summary.phones.len())
    );
    Ok(())
}

pub async fn invite(home: &Home, args: InviteArgs) -> anyhow::Result<()> {
    let mut client = super::connect(home).await?;
    let invite: InviteView = client
        .call_as("invite.create", json!({ "valid_secs": args.valid }))
        .await?;
    if args.json {
        return print_json(&invite);
    }
    println!("{}", invite.code);
    println!("{}", invite.link);
    println!("{}", tr!("invite-howto", hours = args.valid.div_ceil(3600)));
    Ok(())
}
