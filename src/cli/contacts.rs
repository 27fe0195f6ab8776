//! `chingu contacts …` and `chingu invite`: the address book, discovery states, safety
//! numbers and invite codes, all through the running node.

use std::collections::HashSet;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::json;

use chingu::home::Home;
use chingu::node::{ContactView, ImportSummary, InviteView, Verification};
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
}

pub async fn run(home: &Home, command: ContactsCommand) -> anyhow::Result<()> {
    let mut client = super::connect(home).await?;
    match command {
        ContactsCommand::Add(args) => {
            let params = match (args.number, args.invite) {
                (_, Some(code)) => json!({ "invite": code, "name": args.name }),
                (Some(number), None) => json!({ "phone": number, "name": args.name }),
                (None, None) => unreachable!("clap requires one"),
            };
            let contact: ContactView = client.call_as("contacts.add", params).await?;
            print_contact(&contact);
        }
        ContactsCommand::Import(args) => {
            let bytes = std::fs::read(&args.file).map_err(|e| anyhow::anyhow!("{}: {e}", args.file.display()))?;
            let content = String::from_utf8(bytes)
                .map_err(|_| anyhow::anyhow!("{}", tr!("import-not-utf8", file = args.file.display().to_string())))?;
            client.subscribe().await?;
            let summary = import_in_chunks(&mut client, &content).await?;
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
    }
    Ok(())
}

/// Content per `contacts.import` request: the API takes requests of at most
/// [`chingu::api::MAX_REQUEST_BYTES`], and JSON escaping can grow the text.
const IMPORT_CHUNK_BYTES: usize = chingu::api::MAX_REQUEST_BYTES / 2;

/// Splits an address book into pieces of whole entries of at most `max` bytes where
/// entries allow it: whole vCards, or CSV rows each piece under the header line. Each
/// piece comes with the number of the file's line its first line stands for, less one.
fn import_chunks(content: &str, max: usize) -> Vec<(usize, String)> {
    let lines: Vec<&str> = content.split_inclusive('\n').collect();
    let vcard = matches!(
        chingu::contacts::import::detect_format(content),
        chingu::contacts::import::Format::VCard
    );
    let (header, rows, first) = match (vcard, lines.split_first()) {
        (false, Some((header, rows))) => (*header, rows, 1),
        _ => ("", lines.as_slice(), 0),
    };
    // Entries: (index of their first line, text). A vCard ends at its END:VCARD line.
    let mut entries: Vec<(usize, String)> = Vec::new();
    let mut open = false;
    for (i, line) in rows.iter().enumerate() {
        if !open {
            entries.push((first + i, String::new()));
        }
        entries.last_mut().expect("pushed").1.push_str(line);
        open = vcard && !line.trim().eq_ignore_ascii_case("END:VCARD");
    }
    let mut chunks: Vec<(usize, String)> = Vec::new();
    for (start, entry) in entries {
        match chunks.last_mut() {
            Some((_, chunk)) if chunk.len() + entry.len() <= max => chunk.push_str(&entry),
            _ => chunks.push((start - first, format!("{header}{entry}"))),
        }
    }
    if chunks.is_empty() {
        chunks.push((0, header.to_owned()));
    }
    chunks
}

/// Imports `content` in requests the API accepts, adding up what each reports.
async fn import_in_chunks(client: &mut chingu::api::client::ApiClient, content: &str) -> anyhow::Result<ImportSummary> {
    let mut total = ImportSummary {
        read: 0,
        added: 0,
        duplicates_merged: 0,
        issues: Vec::new(),
        phones: Vec::new(),
    };
    for (offset, chunk) in import_chunks(content, IMPORT_CHUNK_BYTES) {
        let mut part: ImportSummary = client.call_as("contacts.import", json!({ "content": chunk })).await?;
        total.read += part.read;
        total.added += part.added;
        total.duplicates_merged += part.duplicates_merged;
        for issue in &mut part.issues {
            issue.line += offset;
        }
        total.issues.append(&mut part.issues);
        total.phones.append(&mut part.phones);
    }
    Ok(total)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_address_books_are_imported_in_pieces_of_whole_entries() {
        let card = |i: usize| format!("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:P{i}\r\nTEL:010-0000-{i:04}\r\nEND:VCARD\r\n");
        let vcards: String = (0..100).map(card).collect();
        let chunks = import_chunks(&vcards, 500);
        assert!(chunks.len() > 1);
        assert_eq!(chunks.iter().map(|(_, c)| c.as_str()).collect::<String>(), vcards);
        for (offset, chunk) in &chunks {
            assert!(chunk.starts_with("BEGIN:VCARD") && chunk.ends_with("END:VCARD\r\n"));
            assert!(chunk.len() <= 500);
            assert_eq!(
                vcards.lines().nth(*offset),
                chunk.lines().next(),
                "offsets name file lines"
            );
        }
        let csv: String = std::iter::once("name,phone\n".to_owned())
            .chain((0..100).map(|i| format!("P{i},010-0000-{i:04}\n")))
            .collect();
        let chunks = import_chunks(&csv, 200);
        assert!(chunks.len() > 1);
        for (offset, chunk) in &chunks {
            assert!(chunk.starts_with("name,phone\n"), "each piece has the header");
            // The piece's line 2 is the file's line offset + 2.
            assert_eq!(csv.lines().nth(offset + 1), chunk.lines().nth(1));
        }
        let rows: usize = chunks.iter().map(|(_, c)| c.lines().count() - 1).sum();
        assert_eq!(rows, 100);
        assert_eq!(import_chunks("small,file\n", 200), vec![(0, "small,file\n".to_owned())]);
    }
}
