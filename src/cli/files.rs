//! `chingu send … --file`, `group send … --file`, `files` and `save`: photos and files
//! through the running node (SPEC.md §6.11). `save` shows a progress bar while the file
//! arrives.

use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::json;

use chingu::home::Home;
use chingu::node::{FileInfo, MessageView, SavedFile};
use chingu::text::{for_terminal, human_bytes};
use chingu::tr;

use super::output::{outln, print_json, print_list, progress_bar};

/// The download progress bar: bytes here of all.
const BYTES_BAR: &str = "{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})";

/// What `send` and `group send` send: a text, a file or a sticker.
#[derive(Debug, Args)]
pub struct Payload {
    /// The text
    #[arg(required_unless_present_any = ["file", "sticker"], conflicts_with_all = ["file", "sticker"])]
    pub text: Option<String>,
    /// Send this photo or file instead of a text
    #[arg(long, value_name = "PATH", conflicts_with = "sticker")]
    pub file: Option<PathBuf>,
    /// Send a sticker instead: an installed pack (name or id) and the sticker's number
    #[arg(long, value_name = "PACK:INDEX")]
    pub sticker: Option<String>,
}

impl Payload {
    /// Sends a file or sticker to `to` and returns `None`; for a text, returns it.
    pub async fn send_attachment(&self, home: &Home, to: &str, json: bool) -> anyhow::Result<Option<&str>> {
        match (&self.text, &self.file, &self.sticker) {
            (_, _, Some(sticker)) => super::stickers::send(home, to, sticker, json).await?,
            (_, Some(path), None) => send(home, to, path, json).await?,
            (text, None, None) => return Ok(text.as_deref()),
        }
        Ok(None)
    }
}

#[derive(Debug, Args)]
pub struct SaveArgs {
    /// The file: its id from `chingu files` (8+ digits are enough) or the id of the
    /// message naming it
    id: String,
    /// Where to write it (a directory: under the sender's name for it)
    path: PathBuf,
}

/// The path as the node must see it: absolute (the node runs in its own directory).
fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    Ok(std::path::absolute(path)?)
}

/// Sends the file at `path` to a contact or group (`to`).
async fn send(home: &Home, to: &str, path: &Path, json: bool) -> anyhow::Result<()> {
    let mut client = super::connect(home).await?;
    let message: MessageView = client
        .call_as("messages.file", json!({ "to": to, "path": absolute(path)? }))
        .await?;
    if json {
        return print_json(&message);
    }
    let name = if message.title.is_empty() {
        for_terminal(to).into_owned()
    } else {
        for_terminal(&message.title).into_owned()
    };
    let file = message.file.as_deref();
    outln!(
        "{}",
        tr!(
            "file-sent",
            name = name,
            file = for_terminal(file.map_or("", |f| f.name.as_str())).into_owned(),
            size = human_bytes(file.map_or(0, |f| f.size))
        )
    )?;
    Ok(())
}

/// `chingu files`: every file, newest first.
pub async fn list(home: &Home, json: bool) -> anyhow::Result<()> {
    let mut client = super::connect(home).await?;
    let files: Vec<FileInfo> = client.call_as("files.list", json!({})).await?;
    print_list(
        &files,
        json,
        tr!("files-none"),
        [
            tr!("files-col-id"),
            tr!("files-col-name"),
            tr!("files-col-size"),
            tr!("files-col-state"),
        ],
        |f| {
            let state = match f.state.as_str() {
                "here" => tr!("file-state-here"),
                "fetching" => tr!("file-state-fetching", percent = f.received * 100 / f.size.max(1)),
                _ => tr!("file-state-not-fetched"),
            };
            [
                f.id.chars().take(12).collect(),
                for_terminal(&f.name).into_owned(),
                human_bytes(f.size),
                state,
            ]
        },
    )
}

/// `chingu save ID PATH`: writes the file there, fetching it first (with a progress bar).
pub async fn save(home: &Home, args: SaveArgs, json: bool) -> anyhow::Result<()> {
    let mut events = super::connect(home).await?;
    events.subscribe().await?;
    let mut client = super::connect(home).await?;
    let path = absolute(&args.path)?;
    let save = client.call_as::<SavedFile>("files.save", json!({ "id": args.id, "path": path }));
    tokio::pin!(save);
    let (mut bar, mut listening) = (None, true);
    let saved = loop {
        tokio::select! {
            saved = &mut save => break saved?,
            event = events.next_event(), if listening => {
                let Ok(Some(event)) = event else {
                    listening = false;
                    continue;
                };
                if event["type"] != "file_progress" {
                    continue;
                }
                let (received, size) = (event["received"].as_u64().unwrap_or(0), event["size"].as_u64().unwrap_or(0));
                let bar = bar.get_or_insert_with(|| {
                    let bar = progress_bar(size, json, BYTES_BAR);
                    bar.set_message(tr!("file-fetching"));
                    bar
                });
                bar.set_position(received);
            }
        }
    };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if json {
        return print_json(&saved);
    }
    outln!(
        "{}",
        tr!(
            "file-saved",
            path = for_terminal(&saved.path).into_owned(),
            size = human_bytes(saved.size)
        )
    )?;
    Ok(())
}
