//! `chingu search` (full-text search over local history, Korean and Japanese included)
//! and `chingu export` (one conversation or all of them, as JSON or plain text).

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde::Serialize;
use serde_json::json;

use chingu::home::Home;
use chingu::model::Direction;
use chingu::node::{ExportPage, MessageView, SearchPage};
use chingu::text::for_terminal;
use chingu::tr;

use super::errors::FileError;
use super::output::{errln, outln, print_json, OutputError};

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
    /// Output format [default: text, or json with --json]
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write to this file instead of standard output
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

fn who(message: &MessageView) -> String {
    match message.direction {
        Direction::Outgoing => tr!("msg-me"),
        Direction::Incoming if message.sender_name.is_empty() => message.sender.clone(),
        Direction::Incoming => for_terminal(&message.sender_name).into_owned(),
    }
}

pub async fn search(home: &Home, args: SearchArgs, json: bool) -> anyhow::Result<()> {
    let mut client = super::connect(home).await?;
    let params = json!({
        "query": args.query,
        "conversation": args.conversation,
        "limit": args.limit,
        "before": args.before,
    });
    let page: SearchPage = client.call_as("history.search", params).await?;
    if json {
        return print_json(&page);
    }
    if page.results.is_empty() {
        outln!("{}", tr!("search-none"))?;
    }
    for hit in &page.results {
        outln!(
            "{}",
            tr!(
                "search-hit",
                time = super::output::clock(hit.message.sent_ms),
                title = for_terminal(&hit.title).into_owned(),
                who = who(&hit.message),
                text = for_terminal(&hit.message.text).into_owned()
            )
        )?;
    }
    if let (true, Some(last)) = (page.more, page.results.last()) {
        outln!(
            "{}",
            tr!(
                "search-more",
                query = for_terminal(&args.query).into_owned(),
                id = last.message.id.clone()
            )
        )?;
    }
    Ok(())
}

/// Messages fetched per export call.
const EXPORT_PAGE: usize = 1_000;

/// What `export --output FILE --json` prints.
#[derive(Serialize)]
struct Exported {
    file: PathBuf,
    conversations: usize,
    messages: usize,
}

/// `chingu export`: pages of `history.export` written as they come; a closed standard
/// output is a normal end.
pub async fn export(home: &Home, args: ExportArgs, json: bool) -> anyhow::Result<()> {
    export_pages(home, args, json)
        .await
        .map_err(|error| match error.downcast_ref::<std::io::Error>() {
            Some(io) if io.kind() == std::io::ErrorKind::BrokenPipe => OutputError::Closed.into(),
            _ => error,
        })
}

async fn export_pages(home: &Home, args: ExportArgs, json: bool) -> anyhow::Result<()> {
    let format = args.format.unwrap_or(if json { Format::Json } else { Format::Text });
    let mut client = super::connect(home).await?;
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(std::fs::File::create(path).map_err(
            |source| FileError {
                path: path.clone(),
                source,
            },
        )?)),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let (mut conversations, mut messages) = (0usize, 0usize);
    let mut current: Option<String> = None;
    let mut cursor: Option<String> = None;
    if format == Format::Json {
        write!(out, "{{\"exported_ms\":{},\"conversations\":[", chingu::model::now_ms())?;
    }
    loop {
        let params = json!({ "conversation": args.conversation, "cursor": cursor, "limit": EXPORT_PAGE });
        let page: ExportPage = client.call_as("history.export", params).await?;
        for part in page.conversations {
            if current.as_deref() != Some(part.conversation.id.as_str()) {
                // A new conversation starts (one may span pages).
                match format {
                    Format::Json if current.is_some() => write!(out, "]}},")?,
                    Format::Json => {}
                    Format::Text if current.is_some() => writeln!(out)?,
                    Format::Text => {}
                }
                match format {
                    Format::Json => {
                        let head = serde_json::to_string(&part.conversation)?;
                        write!(out, "{},\"messages\":[", &head[..head.len() - 1])?;
                    }
                    Format::Text => {
                        let phone = part.conversation.phone.clone().unwrap_or_default();
                        writeln!(out, "== {} {phone} ==", for_terminal(&part.conversation.title))?;
                    }
                }
                current = Some(part.conversation.id.clone());
                conversations += 1;
            } else if format == Format::Json && !part.messages.is_empty() {
                write!(out, ",")?;
            }
            for (i, message) in part.messages.iter().enumerate() {
                match format {
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
                        for_terminal(&message.text)
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
    if format == Format::Json {
        if current.is_some() {
            write!(out, "]}}")?;
        }
        writeln!(out, "]}}")?;
    }
    out.flush()?;
    drop(out);
    if let Some(path) = args.output {
        if json {
            return print_json(&Exported {
                file: path,
                conversations,
                messages,
            });
        }
        errln!(
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
