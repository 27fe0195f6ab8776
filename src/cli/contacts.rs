//! `chingu contacts …` and `chingu invite`: the address book, discovery states, safety
//! numbers and invite codes, all through the running node. Address books are parsed here
//! and sent to the node in parts, so a file of any size up to the import limit works.

use std::collections::HashSet;
use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde::Serialize;
use serde_json::json;

use chingu::api::client::ApiClient;
use chingu::contacts::import::{decode, import};
use chingu::home::Home;
use chingu::node::refusal::Refusal;
use chingu::node::{ContactView, ImportSummary, InviteView, NodeError, Verification};
use chingu::phone::{normalize, Region};
use chingu::text::for_terminal;
use chingu::tr;

use super::errors::{FileError, PhoneProblem, UsageError};
use super::output::{errln, outln, print_json, print_list, progress_bar};

/// The import progress bar: persons done of all.
const COUNT_BAR: &str = "{msg} [{bar:30}] {pos}/{len} ({elapsed})";

#[derive(Debug, Subcommand)]
pub enum ContactsCommand {
    /// Add a contact by number, or by an invite code someone gave you
    Add(AddArgs),
    /// Import a vCard (.vcf) or CSV address book
    Import(ImportArgs),
    /// List contacts and whether they were found
    List,
    /// Remove a contact
    Remove(ContactArg),
    /// Show a contact's safety numbers; --confirm marks the key verified
    Verify(VerifyArgs),
    /// Look a contact up now
    Lookup(ContactArg),
    /// Show a contact: numbers, state, what it means and what to do
    Show(ContactArg),
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
pub struct RenameArgs {
    /// Name or number
    contact: String,
    /// The new name
    name: String,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The number, in any local format (or with +country code)
    #[arg(required_unless_present = "invite")]
    number: Option<String>,
    /// An invite code (CHINGU-… or chingu://invite/…)
    #[arg(long, conflicts_with = "number")]
    invite: Option<String>,
    /// The name to show (asked for when adding by invite without one)
    #[arg(long)]
    name: Option<String>,
    /// Read the number in this region (ISO 3166 code such as JP, US) instead of the node's
    #[arg(long, value_name = "CC", conflicts_with = "invite", value_parser = parse_region)]
    region: Option<Region>,
    /// Add the number to this existing contact (one person, several numbers)
    #[arg(long, value_name = "CONTACT", conflicts_with_all = ["invite", "name"])]
    to: Option<String>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The file (vCard 2.1/3.0/4.0 or CSV with a header row)
    file: PathBuf,
    /// Read numbers without a country code in this region instead of the node's
    #[arg(long, value_name = "CC", value_parser = parse_region)]
    region: Option<Region>,
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
    /// Also draw the safety number as a QR code for the other phone to scan
    #[arg(long)]
    qr: bool,
}

#[derive(Debug, Args)]
pub struct InviteArgs {
    /// How long the code works: 30m, 12h, 7d
    #[arg(long, default_value = "7d", value_parser = super::parse_duration)]
    valid: u64,
    /// Draw the link as a QR code (the default on a terminal)
    #[arg(long, conflicts_with = "no_qr")]
    qr: bool,
    /// Do not draw the QR code
    #[arg(long)]
    no_qr: bool,
}

/// Parses a `--region` value.
pub fn parse_region(text: &str) -> Result<Region, String> {
    text.parse()
        .map_err(|_| tr!("region-invalid", region = text.to_owned()))
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

/// How a contact is called on screen: its name, else the name it gives itself, else its
/// number.
pub fn display_name(contact: &ContactView) -> String {
    let profile = contact.profile_name.as_deref().unwrap_or_default();
    let name = [contact.name.as_str(), profile]
        .into_iter()
        .find(|n| !n.trim().is_empty())
        .unwrap_or(&contact.phone);
    for_terminal(name).into_owned()
}

/// The localised sentence saying where a contact stands and what to do.
pub fn standing_text(contact: &ContactView) -> String {
    let fallback = for_terminal(&contact.explanation);
    chingu::contacts::standing::localized(&contact.reason, &display_name(contact), &fallback)
}

fn print_contact(contact: &ContactView) -> anyhow::Result<()> {
    outln!(
        "{}",
        tr!(
            "contact-line",
            name = display_name(contact),
            phone = contact.phone.clone(),
            state = state_label(&contact.state)
        )
    )?;
    outln!("  {}", standing_text(contact))?;
    Ok(())
}

/// Everything about one contact, for `contacts show`.
fn print_details(contact: &ContactView) -> anyhow::Result<()> {
    print_contact(contact)?;
    if let Some(status) = &contact.status {
        outln!(
            "  {}",
            tr!("contact-status", status = for_terminal(status).into_owned())
        )?;
    }
    let others: Vec<String> = contact.numbers.iter().skip(1).map(|n| n.phone.clone()).collect();
    if !others.is_empty() {
        outln!("  {}", tr!("contact-numbers", numbers = others.join(", ")))?;
    }
    if !contact.devices.is_empty() {
        let devices: Vec<String> = contact.devices.iter().map(|d| for_terminal(d).into_owned()).collect();
        outln!("  {}", tr!("contact-devices", devices = devices.join(", ")))?;
    }
    if let Some(secs) = contact.next_lookup_s {
        outln!(
            "  {}",
            tr!("standing-next-lookup", time = super::output::duration(secs))
        )?;
    }
    Ok(())
}

/// The contact `query` names (a name, or any of its numbers as listed), from the list.
fn find_listed(contacts: Vec<ContactView>, query: &str) -> anyhow::Result<ContactView> {
    let query = query.trim();
    let wanted = query.to_lowercase();
    contacts
        .into_iter()
        .find(|c| c.name.to_lowercase() == wanted || c.phone == query || c.numbers.iter().any(|n| n.phone == query))
        .ok_or_else(|| {
            let refusal = Refusal::not_found(
                "no_such_contact",
                format!("no contact named {}", chingu::text::quote(query)),
            );
            NodeError::from(refusal.with("contact", query)).into()
        })
}

/// Calls a method that changes a contact (rename, block, mute…) and prints the changed
/// contact's JSON, or `message` about it.
async fn change(
    client: &mut ApiClient,
    method: &str,
    params: serde_json::Value,
    json: bool,
    message: impl FnOnce(String) -> String,
) -> anyhow::Result<()> {
    let contact: ContactView = client.call_as(method, params).await?;
    if json {
        return print_json(&contact);
    }
    outln!("{}", message(display_name(&contact)))?;
    Ok(())
}

/// Prints a contact (or its JSON).
fn show_contact(contact: &ContactView, json: bool) -> anyhow::Result<()> {
    if json {
        return print_json(contact);
    }
    print_contact(contact)
}

pub async fn run(home: &Home, command: ContactsCommand, json: bool) -> anyhow::Result<()> {
    if let ContactsCommand::Import(args) = command {
        return import_file(home, args, json).await;
    }
    let mut client = super::connect(home).await?;
    match command {
        ContactsCommand::Add(args) => {
            let params = add_params(args)?;
            let contact: ContactView = client.call_as("contacts.add", params).await?;
            show_contact(&contact, json)?;
        }
        ContactsCommand::List => {
            let contacts: Vec<ContactView> = client.call_as("contacts.list", json!({})).await?;
            print_list(
                &contacts,
                json,
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
                    [display_name(c), c.phone.clone(), state]
                },
            )?;
        }
        ContactsCommand::Remove(arg) => {
            let contact: ContactView = client
                .call_as("contacts.remove", json!({ "contact": arg.contact }))
                .await?;
            if json {
                return print_json(&contact);
            }
            outln!(
                "{}",
                tr!("contact-removed", name = display_name(&contact), phone = contact.phone)
            )?;
        }
        ContactsCommand::Verify(args) => {
            let params = json!({ "contact": args.contact, "confirm": args.confirm, "candidate": args.candidate });
            let verification: Verification = client.call_as("contacts.verify", params).await?;
            if json {
                return print_json(&verification);
            }
            print_verification(&verification, args.qr)?;
        }
        ContactsCommand::Lookup(arg) => {
            let contact: ContactView = client
                .call_as("contacts.lookup", json!({ "contact": arg.contact }))
                .await?;
            show_contact(&contact, json)?;
        }
        ContactsCommand::Show(arg) => {
            let contacts: Vec<ContactView> = client.call_as("contacts.list", json!({})).await?;
            let contact = find_listed(contacts, &arg.contact)?;
            if json {
                return print_json(&contact);
            }
            print_details(&contact)?;
        }
        ContactsCommand::Rename(args) => {
            let params = json!({ "contact": args.contact, "name": args.name });
            change(&mut client, "contacts.rename", params, json, |name| {
                tr!("contact-renamed", name = name)
            })
            .await?;
        }
        ContactsCommand::Block(arg) => {
            let params = json!({ "contact": arg.contact });
            change(&mut client, "contacts.block", params, json, |name| {
                tr!("contact-blocked", name = name)
            })
            .await?;
        }
        ContactsCommand::Unblock(arg) => {
            let params = json!({ "contact": arg.contact });
            change(&mut client, "contacts.unblock", params, json, |name| {
                tr!("contact-unblocked", name = name)
            })
            .await?;
        }
        ContactsCommand::Mute(arg) => {
            let params = json!({ "contact": arg.contact, "muted": true });
            change(&mut client, "contacts.mute", params, json, |name| {
                tr!("contact-muted", name = name)
            })
            .await?;
        }
        ContactsCommand::Unmute(arg) => {
            let params = json!({ "contact": arg.contact, "muted": false });
            change(&mut client, "contacts.mute", params, json, |name| {
                tr!("contact-unmuted", name = name)
            })
            .await?;
        }
        ContactsCommand::Accept(arg) => {
            let verification: Verification = client
                .call_as("contacts.accept", json!({ "contact": arg.contact }))
                .await?;
            if json {
                return print_json(&verification);
            }
            outln!(
                "{}",
                tr!("contact-accepted", name = display_name(&verification.contact))
            )?;
            print_verification(&verification, false)?;
        }
        ContactsCommand::Import(_) => unreachable!("handled above"),
    }
    Ok(())
}

/// The `contacts.add` parameters: a number (read in `--region` here, else by the node in
/// its region) or an invite code, and a name (asked for on a terminal when an invite comes
/// without one: an invite carries no name).
fn add_params(args: AddArgs) -> anyhow::Result<serde_json::Value> {
    if let Some(code) = args.invite {
        let name = match args.name {
            Some(name) => name,
            None => ask_name()?,
        };
        return Ok(json!({ "invite": code, "name": name }));
    }
    let number = args.number.unwrap_or_default();
    let phone = match &args.region {
        Some(region) => normalize(&number, region)
            .map_err(|reason| PhoneProblem {
                input: number.clone(),
                region: region.clone(),
                reason,
            })?
            .to_string(),
        None => number,
    };
    Ok(match args.to {
        Some(to) => json!({ "phone": phone, "to": to }),
        None => json!({ "phone": phone, "name": args.name.unwrap_or_default() }),
    })
}

/// Asks for a contact's name on the terminal; a usage error without one.
fn ask_name() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(UsageError(tr!("invite-needs-name")).into());
    }
    {
        use std::io::Write;
        let mut err = std::io::stderr();
        let _ = write!(err, "{} ", tr!("invite-name-prompt"));
        let _ = err.flush();
    }
    let mut line = String::new();
    stdin.read_line(&mut line)?;
    let name = line.trim().to_owned();
    if name.is_empty() {
        return Err(UsageError(tr!("invite-needs-name")).into());
    }
    Ok(name)
}

fn print_verification(v: &Verification, qr: bool) -> anyhow::Result<()> {
    print_contact(&v.contact)?;
    if let Some(pinned) = &v.pinned {
        outln!("{}", tr!("verify-pinned", peer_id = pinned.peer_id.clone()))?;
        outln!("{}", pinned.safety_number)?;
    }
    for candidate in &v.candidates {
        outln!(
            "{}",
            tr!(
                "verify-candidate",
                index = candidate.index,
                peer_id = candidate.peer_id.clone(),
                name = for_terminal(&candidate.profile_name).into_owned()
            )
        )?;
        outln!("{}", candidate.safety_number)?;
    }
    let shown = v.pinned.as_ref().or(v.candidates.first());
    if let (true, Some(safety)) = (qr, shown) {
        let digits: String = safety.safety_number.split_whitespace().collect();
        outln!("{}", super::qr::draw(&digits)?)?;
    }
    if v.confirmed {
        outln!("{}", tr!("verify-confirmed"))?;
    } else if shown.is_some() {
        outln!("{}", tr!("verify-howto"))?;
    }
    Ok(())
}

/// What `contacts import --json` prints: the summary, and how many of the new contacts
/// were found when it waited for discovery.
#[derive(Serialize)]
struct ImportOutcome {
    #[serde(flatten)]
    summary: ImportSummary,
    found: Option<usize>,
}

/// `contacts import FILE`: parse here (a bad byte or a bad line spoils only its entry),
/// send in parts, report the skipped lines, then follow discovery unless `--no-wait`.
async fn import_file(home: &Home, args: ImportArgs, json: bool) -> anyhow::Result<()> {
    let bytes = std::fs::read(&args.file).map_err(|source| FileError {
        path: args.file.clone(),
        source,
    })?;
    let region = match args.region {
        Some(region) => region,
        None => home.load_config()?.region,
    };
    let report = import(&decode(&bytes), &region)?;
    drop(bytes);
    let mut client = super::connect(home).await?;
    let wait = !args.no_wait;
    if wait {
        client.subscribe().await?;
    }
    let bar = progress_bar(report.persons.len() as u64, json, COUNT_BAR);
    bar.set_message(tr!("import-sending"));
    let summary = client
        .import_persons(report, |sent, _| bar.set_position(sent as u64))
        .await?;
    bar.finish_and_clear();
    if !json {
        for issue in &summary.issues {
            errln!(
                "{}",
                tr!(
                    "import-issue",
                    line = issue.line,
                    input = for_terminal(&issue.input).into_owned(),
                    reason = super::errors::phone_reason(&issue.error)
                )
            );
        }
        outln!(
            "{}",
            tr!(
                "import-summary",
                persons = summary.persons,
                read = summary.read,
                added = summary.added,
                merged = summary.duplicates_merged,
                skipped = summary.issues.len()
            )
        )?;
    }
    let found = if wait && summary.added > 0 {
        Some(follow_discovery(&mut client, &summary, json).await?)
    } else {
        None
    };
    if json {
        return print_json(&ImportOutcome { summary, found });
    }
    if let Some(found) = found {
        outln!(
            "{}",
            tr!("import-discovered", found = found, total = summary.phones.len())
        )?;
    }
    Ok(())
}

/// The imported numbers still `pending`, from the node's current list.
async fn still_pending(client: &mut ApiClient, phones: &[String]) -> anyhow::Result<HashSet<String>> {
    let mut waiting: HashSet<String> = phones.iter().cloned().collect();
    let contacts: Vec<ContactView> = client.call_as("contacts.list", json!({})).await?;
    for c in contacts.iter().filter(|c| c.state != "pending") {
        waiting.remove(&c.phone);
    }
    Ok(waiting)
}

/// Shows a progress bar until every imported contact has left `pending` (Ctrl-C leaves
/// discovery running in the node); returns how many were found.
async fn follow_discovery(client: &mut ApiClient, summary: &ImportSummary, json: bool) -> anyhow::Result<usize> {
    let total = summary.phones.len();
    let mut waiting = still_pending(client, &summary.phones).await?;
    let bar = progress_bar(total as u64, json, COUNT_BAR);
    bar.set_message(tr!("import-discovering"));
    bar.set_position((total - waiting.len()) as u64);
    let mut found = 0usize;
    while !waiting.is_empty() {
        tokio::select! {
            event = client.next_event() => {
                let Some(event) = event? else { break };
                match event["type"].as_str() {
                    Some("contact_updated") => {
                        let phone = event["phone"].as_str().unwrap_or_default();
                        if event["state"] != "pending" && waiting.remove(phone) {
                            bar.inc(1);
                            if event["state"] == "found" || event["state"] == "verified" {
                                found += 1;
                            }
                        }
                    }
                    // Events were dropped: take the states from the node again.
                    Some("lagged") => {
                        let before = waiting.len();
                        waiting = waiting.intersection(&still_pending(client, &summary.phones).await?).cloned().collect();
                        bar.inc((before - waiting.len()) as u64);
                    }
                    _ => {}
                }
            }
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    bar.finish_and_clear();
    Ok(found)
}

pub async fn invite(home: &Home, args: InviteArgs, json: bool) -> anyhow::Result<()> {
    let mut client = super::connect(home).await?;
    let invite: InviteView = client
        .call_as("invite.create", json!({ "valid_secs": args.valid }))
        .await?;
    if json {
        return print_json(&invite);
    }
    outln!("{}", invite.code)?;
    outln!("{}", invite.link)?;
    if args.qr || (!args.no_qr && std::io::stdout().is_terminal()) {
        outln!("{}", super::qr::draw(&invite.link)?)?;
    }
    outln!("{}", tr!("invite-howto", hours = args.valid.div_ceil(3600)))?;
    Ok(())
}
