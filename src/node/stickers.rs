//! The actor's glue for sticker packs (SPEC.md §6.12, [`crate::content::sticker`]):
//! creating a pack from a directory of images, installing one from a file or from the
//! pack a friend's sticker message names (fetched like any file), listing them, and
//! composing sticker messages. Reading, checking and sealing packs run on blocking
//! threads.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::actor::Actor;
use super::command::Reply;
use super::content::Destination;
use super::event::Event;
use super::files::transfer::FileEvent;
use super::messages::MessageView;
use super::refusal::Refusal;
use super::NodeError;
use crate::content::sticker::{self, StickerError, PACK_MIME};
use crate::files::blob::BlobDir;
use crate::files::{media, FileError, Root};
use crate::model::{now_ms, Body, FileRef, StickerRef};
use crate::store::PackEntry;

/// An installed pack, as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackView {
    /// Its id (hex): what `messages.sticker` and `stickers.export` take (or its name).
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its author's identity key (hex).
    pub author: String,
    /// The author's version.
    pub version: u32,
    /// Its stickers' names, in order: a sticker is named by its index.
    pub stickers: Vec<String>,
}

impl From<&PackEntry> for PackView {
    fn from(entry: &PackEntry) -> Self {
        Self {
            id: hex::encode(entry.id),
            name: entry.name.clone(),
            author: hex::encode(entry.author),
            version: entry.version,
            stickers: entry.stickers.clone(),
        }
    }
}

/// A pack checked and kept on disk, ready to record.
pub(crate) struct ReadyPack {
    entry: PackEntry,
}

/// Why a pack could not be made or installed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PackError {
    #[error(transparent)]
    Sticker(#[from] StickerError),
    #[error(transparent)]
    File(#[from] FileError),
}

impl From<std::io::Error> for PackError {
    fn from(e: std::io::Error) -> Self {
        PackError::File(e.into())
    }
}

impl From<PackError> for NodeError {
    fn from(error: PackError) -> Self {
        match error {
            PackError::File(e) => e.into(),
            PackError::Sticker(e) => {
                let reason = match e {
                    StickerError::TooLarge => "too_large",
                    StickerError::Malformed(_) => "bad_pack",
                    StickerError::BadSignature => "bad_signature",
                    StickerError::Empty => "empty_pack",
                    StickerError::BadImage { .. } => "bad_image",
                };
                let refusal = Refusal::invalid(reason, e.to_string());
                match &e {
                    StickerError::TooLarge => refusal
                        .with("what", "sticker_pack")
                        .with("max", sticker::MAX_PACK_BYTES.to_string()),
                    StickerError::BadImage { name, .. } => refusal.with("sticker", name),
                    _ => refusal,
                }
                .into()
            }
        }
    }
}

/// Where installed packs' bytes are kept.
fn packs_dir(blobs: &BlobDir) -> PathBuf {
    blobs.dir().join("packs")
}

/// Checks `bytes` as a pack, keeps them under their id and seals them as a file.
fn keep_pack(blobs: &BlobDir, bytes: &[u8], sealed: Option<FileRef>) -> Result<ReadyPack, PackError> {
    let signed = sticker::open(bytes)?;
    let id = sticker::pack_id(bytes);
    let dir = packs_dir(blobs);
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("{}.pack", hex::encode(id)));
    let staging = dir.join(format!(".{}.pack", hex::encode(id)));
    std::fs::write(&staging, bytes)?;
    std::fs::rename(&staging, &path)?;
    let file = match sealed {
        Some(file) => file,
        None => {
            let sealed = blobs.seal(bytes, bytes.len() as u64)?;
            FileRef {
                root: sealed.root.0,
                size: sealed.size,
                key: sealed.key,
                name: signed.pack.name.to_string(),
                mime: PACK_MIME.into(),
                preview: Vec::new(),
            }
        }
    };
    Ok(ReadyPack {
        entry: PackEntry {
            id,
            name: signed.pack.name.to_string(),
            author: signed.pack.author.0,
            version: signed.pack.version,
            stickers: signed.pack.stickers.iter().map(|s| s.name.to_string()).collect(),
            file,
            installed_ms: now_ms(),
        },
    })
}

/// The images of `dir` (by extension, in name order) as stickers named after their files.
fn images_in(dir: &Path) -> Result<Vec<(String, String, Vec<u8>)>, PackError> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    let mut stickers = Vec::new();
    for path in paths {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mime = super::files::media_type(&name);
        if !sticker::STICKER_TYPES.contains(&mime) {
            continue;
        }
        if std::fs::metadata(&path)?.len() > sticker::MAX_STICKER_IMAGE as u64 {
            return Err(StickerError::BadImage {
                name,
                why: format!("over {} bytes", sticker::MAX_STICKER_IMAGE),
            }
            .into());
        }
        let stem = name.rsplit_once('.').map_or(name.as_str(), |(stem, _)| stem);
        let stem: String = crate::text::safe_file_name(stem).chars().take(16).collect();
        stickers.push((stem, mime.to_owned(), std::fs::read(&path)?));
    }
    Ok(stickers)
}

impl Actor {
    /// `stickers.create`: a pack of the images in `dir`, signed by us, installed.
    pub(super) fn cmd_create_pack(&mut self, name: String, dir: PathBuf, reply: Reply<PackView>) {
        let identity = self.config.identity.ed25519().clone();
        let (blobs, tx) = (self.files_blobs(), self.files_events());
        tokio::task::spawn_blocking(move || {
            let ready = images_in(&dir).and_then(|stickers| {
                let bytes = sticker::create(&identity, &name, 1, stickers)?;
                keep_pack(&blobs, &bytes, None)
            });
            let _ = tx.send(FileEvent::PackReady {
                ready,
                reply: Some(reply),
            });
        });
    }

    /// `stickers.install`: the pack in the file at `path`.
    pub(super) fn cmd_install_pack(&mut self, path: PathBuf, reply: Reply<PackView>) {
        let (blobs, tx) = (self.files_blobs(), self.files_events());
        tokio::task::spawn_blocking(move || {
            let ready = read_bounded(&path).and_then(|bytes| keep_pack(&blobs, &bytes, None));
            let _ = tx.send(FileEvent::PackReady {
                ready,
                reply: Some(reply),
            });
        });
    }

    /// A pack a sticker message named arrived as a file: checked and installed.
    pub(super) fn install_fetched_pack(&mut self, file: FileRef) {
        let (blobs, tx) = (self.files_blobs(), self.files_events());
        tokio::task::spawn_blocking(move || {
            let mut bytes = Vec::new();
            let ready = blobs
                .open_into(&Root(file.root), &file.key, &mut bytes)
                .map_err(PackError::from)
                .and_then(|_| keep_pack(&blobs, &bytes, Some(file)));
            let _ = tx.send(FileEvent::PackReady { ready, reply: None });
        });
    }

    /// Records a pack made, installed or fetched.
    pub(super) fn on_pack_ready(&mut self, ready: Result<ReadyPack, PackError>, reply: Option<Reply<PackView>>) {
        let outcome = ready.map_err(NodeError::from).and_then(|ready| {
            self.store.put_pack(&ready.entry)?;
            self.put_own_file(&ready.entry.file)?;
            self.durability.wrote_lazily();
            Ok(PackView::from(&ready.entry))
        });
        match (reply, outcome) {
            (Some(reply), outcome) => {
                let _ = reply.send(outcome);
            }
            (None, Ok(pack)) => self.emit(Event::StickersInstalled { pack: Box::new(pack) }),
            (None, Err(_)) => self.reject(None, "stickers", "bad_pack"),
        }
    }

    /// `stickers.list`.
    pub(super) fn cmd_packs(&mut self, reply: Reply<Vec<PackView>>) {
        let _ = reply.send(
            self.store
                .packs()
                .map(|packs| packs.iter().map(PackView::from).collect())
                .map_err(Into::into),
        );
    }

    /// The installed pack `query` names: its id, 8+ digits of it, or its name.
    fn find_pack(&self, query: &str) -> Result<PackEntry, NodeError> {
        let query = query.trim();
        let lower = query.to_ascii_lowercase();
        let packs = self.store.packs()?;
        let mut found = packs
            .iter()
            .filter(|p| p.name == query || (lower.len() >= 8 && hex::encode(p.id).starts_with(&lower)));
        match (found.next(), found.next()) {
            (Some(pack), None) => Ok(pack.clone()),
            (Some(_), Some(_)) => {
                let refusal = Refusal::invalid("ambiguous", "more than one pack is called so: give its id");
                Err(refusal.with("what", "sticker_pack").with("query", query).into())
            }
            _ => {
                let refusal =
                    Refusal::not_found("no_such_pack", format!("no sticker pack {}", crate::text::quote(query)));
                Err(refusal.with("pack", query).into())
            }
        }
    }

    /// Sticker `index` of the pack `query` names (checked here; its preview is drawn by
    /// [`Actor::send_sticker`], off the actor).
    pub(super) fn sticker_of(&self, query: &str, index: u16) -> Result<ChosenSticker, NodeError> {
        let pack = self.find_pack(query)?;
        let Some(name) = pack.stickers.get(usize::from(index)).cloned() else {
            let why = format!("the pack has {} stickers, from 0", pack.stickers.len());
            let refusal = Refusal::invalid("no_such_sticker", why)
                .with("pack", pack.name.as_str())
                .with("count", pack.stickers.len().to_string());
            return Err(refusal.into());
        };
        let path = packs_dir(&self.files_blobs()).join(format!("{}.pack", hex::encode(pack.id)));
        Ok(ChosenSticker {
            pack,
            index,
            name,
            path,
        })
    }

    /// Draws the sticker's preview from its pack on a blocking thread, then sends the
    /// message like any other (`FileEvent::Prepared`).
    pub(super) fn send_sticker(&mut self, destination: Destination, chosen: ChosenSticker, reply: Reply<MessageView>) {
        let tx = self.files_events();
        tokio::task::spawn_blocking(move || {
            let body = chosen.body().map_err(NodeError::from);
            let _ = tx.send(FileEvent::Prepared {
                body,
                destination,
                reply,
            });
        });
    }

    /// Whether the pack `id` is installed.
    pub(super) fn has_pack(&self, id: &[u8; 32]) -> bool {
        matches!(self.store.pack(id), Ok(Some(_)))
    }
}

/// A sticker chosen for a message: its pack, checked to hold it, and the pack's file.
pub(super) struct ChosenSticker {
    pack: PackEntry,
    index: u16,
    name: String,
    path: PathBuf,
}

impl ChosenSticker {
    /// The message's body, with the sticker's preview. Blocking (reads the pack).
    fn body(self) -> Result<Body, PackError> {
        let bytes = read_bounded(&self.path)?;
        let signed = sticker::open(&bytes)?;
        let image = signed
            .pack
            .stickers
            .get(usize::from(self.index))
            .ok_or(StickerError::Malformed("fewer stickers than its entry lists".into()))?;
        let mut file = self.pack.file.clone();
        file.preview = media::preview(image.mime.as_str(), image.image.as_ref()).unwrap_or_default();
        Ok(Body::Sticker {
            sticker: StickerRef {
                pack_id: self.pack.id,
                index: self.index,
                name: self.name,
                pack: file,
            },
        })
    }
}

/// A pack file's bytes, refused when over the limit before they are read.
fn read_bounded(path: &Path) -> Result<Vec<u8>, PackError> {
    if std::fs::metadata(path)?.len() > sticker::MAX_PACK_BYTES as u64 {
        return Err(StickerError::TooLarge.into());
    }
    Ok(std::fs::read(path)?)
}
