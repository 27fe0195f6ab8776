//! `chingu search` (full-text search over local history, Korean and Japanese included)
//! and `chingu export` (one conversation or all of them, as JSON or plain text).

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde_json::json;

use chingu::home::Home;
use chingu::model::Direction;
use chingu::node::{ExportPage, MessageView, SearchPage};
use chingu::tr;

use super::output::print_json;

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Words to find (every one must appear; any language, no spaces needed)
    query: String,
    /// Only in this conversation: a contact, a group, or a conversation id
    #[arg(long = "in", value_name = "CONVERSATION")]
    conversation: Option<String>,
    /// How many results
    #[arg(long, default_value_t = 20)]
    limit: usize,
    /// Only results older than this message id (the next page)
    #[arg(long, value_name = "ID")]
    before: Option<String>,
    /// Print JSON
    #[arg(long)]
    json: bool,
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One JSON document: conversations with their messages
    Json,
    /// Plain text, one line per message
    Text,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// One conversation (a contact, a group, or a conversation id); every one if absent
    conversation: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write to this file instead of standard output
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

fn who(message: &MessageView) -> String {
    match message.direction {
        Direction::Outgoing => tr!("msg-me"),
        Direction::Incoming if message.sender_name.is_empty() => message.sender.clone(),
        Direction::Incoming => message.sender_name.clone(),
    }
}

pub async fn search(home: &Home, args: SearchArgs) -> anyhow::Result<()> {
    let mut client = super::connect(home).await?;
    let params = json!({
        "query": args.query,
        "conversation": args.conversation,
        "limit": args.limit,
        "before": args.before,
    });
    let page: SearchPage = client.call_as("history.search", params).await?;
    if args.json {
        return print_json(&page);
    }
    if page.results.is_empty() {
        println!("{}", tr!("search-none"));
    }
    for hit in &page.results {
        println!(
            "{}",
            tr!(
                "search-hit",
                time = super::output::clock(hit.message.sent_ms),
                title = hit.title.clone(),
                who = who(&hit.message),
                text = hit.message.text.clone()
            )
        );
    }
    if let (true, Some(last)) = (page.more, page.results.last()) {
        println!(
            "{}",
            tr!("search-more", query = args.query, id = last.message.id.clone())
        );
    }
    Ok(())
}

/// Messages fetched per export call.
const EXPORT_PAGE: usize = 1_000;

pub async fn export(home: &Home, args: ExportArgs) -> anyhow::Result<()> {
    let mut client = super::connect(home).await?;
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let (mut conversations, mut messages) = (0usize, 0usize);
    let mut current: Option<String> = None;
    let mut cursor: Option<String> = None;
    if args.format == Format::Json {
        write!(out, "{{\"exported_ms\":{},\"conversations\":[", chingu::model::now_ms())?;
    }
    loop {
        let params = json!({ "conversation": args.conversation, "cursor": cursor, "limit": EXPORT_PAGE });
        let page: ExportPage = client.call_as("history.export", params).await?;
        for part in page.conversations {
            if current.as_deref() != Some(part.conversation.id.as_str()) {
                // A new conversation starts (one may span pages).
                match args.format {
                    Format::Json if current.is_some() => write!(out, "]}},")?,
                    Format::Json => {}
                    Format::Text if current.is_some() => writeln!(out)?,
                    Format::Text => {}
                }
                match args.format {
                    Format::Json => {
                        let head = serde_json::to_string(&part.conversation)?;
                        write!(out, "{},\"messages\":[", &head[..head.len() - 1])?;
                    }
                    Format::Text => {
                        let phone = part.conversation.phone.clone().unwrap_or_default();
                        writeln!(out, "== {} {phone} ==", part.conversation.title)?;
                    }
                }
                current = Some(part.conversation.id.clone());
                conversations += 1;
            } else if args.format == Format::Json && !part.messages.is_empty() {
                write!(out, ",")?;
            }
            for (i, message) in part.messages.iter().enumerate() {
                match args.format {
                    Format::Json => {
                        if i > 0 {
                            write!(out, ",")?;
                        }
                        serde_json::to_writer(&mut out, message)?;
                    }
                    Format::Text => writeln!(
                        out,
                        "[{}] {}: {}",
                        super::output::clock(message.sent_ms),
                        who(message),
                        message.text
                    )?,
                }
                messages += 1;
            }
        }
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    if args.format == Format::Json {
        if current.is_some() {
            write!(out, "]}}")?;
        }
        writeln!(out, "]}}")?;
    }
    out.flush()?;
    if let Some(path) = &args.output {
        eprintln!(
            "{}",
            tr!(
                "export-written",
                messages = messages,
                conversations = conversations,
                file = path.display().to_string()
            )
        );
    }
    Ok(())
}
