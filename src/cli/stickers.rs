//! `chingu stickers create|install|list` and `chingu send … --sticker PACK:INDEX`: emoticon
//! packs through the running node (SPEC.md §6.12).

use std::path::{Path, PathBuf};

use clap::Subcommand;
use serde_json::json;

use chingu::home::Home;
use chingu::node::{MessageView, PackView};
use chingu::text::for_terminal;
use chingu::tr;

use super::errors::UsageError;
use super::output::{outln, print_json, print_list};

#[derive(Debug, Subcommand)]
pub enum StickersCommand {
    /// Make a pack of the images in a directory (PNG, JPEG, WebP, GIF; up to 64 of 64 KiB),
    /// signed by you
    Create {
        /// The pack's name
        name: String,
        /// The directory of images (each sticker is named after its file)
        dir: PathBuf,
    },
    /// Install a pack from a file (a friend's `files/packs/<id>.pack`)
    Install {
        /// The pack file
        file: PathBuf,
    },
    /// List the installed packs
    List,
}

/// The path as the node must see it: absolute (the node runs in its own directory).
fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    Ok(std::path::absolute(path)?)
}

fn show(pack: &PackView, created: bool, json: bool) -> anyhow::Result<()> {
    if json {
        return print_json(pack);
    }
    let (name, count, id) = (
        for_terminal(&pack.name).into_owned(),
        pack.stickers.len(),
        pack.id.chars().take(12).collect::<String>(),
    );
    let line = if created {
        tr!("stickers-created", name = name, count = count, id = id)
    } else {
        tr!("stickers-installed", name = name, count = count, id = id)
    };
    outln!("{line}")?;
    Ok(())
}

pub async fn run(home: &Home, command: StickersCommand, json: bool) -> anyhow::Result<()> {
    let mut client = super::connect(home).await?;
    match command {
        StickersCommand::Create { name, dir } => {
            let pack: PackView = client
                .call_as("stickers.create", json!({ "name": name, "dir": absolute(&dir)? }))
                .await?;
            show(&pack, true, json)
        }
        StickersCommand::Install { file } => {
            let pack: PackView = client
                .call_as("stickers.install", json!({ "path": absolute(&file)? }))
                .await?;
            show(&pack, false, json)
        }
        StickersCommand::List => {
            let packs: Vec<PackView> = client.call_as("stickers.list", json!({})).await?;
            print_list(
                &packs,
                json,
                tr!("stickers-none"),
                [
                    tr!("stickers-col-name"),
                    tr!("stickers-col-id"),
                    tr!("stickers-col-stickers"),
                ],
                |p| {
                    let names: Vec<String> = p
                        .stickers
                        .iter()
                        .enumerate()
                        .map(|(i, s)| format!("{i}:{}", for_terminal(s)))
                        .collect();
                    [
                        for_terminal(&p.name).into_owned(),
                        p.id.chars().take(12).collect(),
                        names.join(" "),
                    ]
                },
            )
        }
    }
}

/// Sends sticker `PACK:INDEX` to a contact or group (`to`).
pub async fn send(home: &Home, to: &str, sticker: &str, json: bool) -> anyhow::Result<()> {
    let Some((pack, index)) = sticker
        .rsplit_once(':')
        .and_then(|(p, i)| Some((p, i.parse::<u16>().ok()?)))
    else {
        return Err(UsageError(tr!("stickers-bad-choice", given = for_terminal(sticker).into_owned())).into());
    };
    let mut client = super::connect(home).await?;
    let message: MessageView = client
        .call_as("messages.sticker", json!({ "to": to, "pack": pack, "index": index }))
        .await?;
    if json {
        return print_json(&message);
    }
    let name = if message.title.is_empty() { to } else { &message.title };
    outln!(
        "{}",
        tr!(
            "stickers-sent",
            name = for_terminal(name).into_owned(),
            sticker = for_terminal(&message.text).into_owned()
        )
    )?;
    Ok(())
}
