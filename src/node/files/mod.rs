//! The actor's glue for photos and files (SPEC.md §6.11, [`crate::files`]): sealing what
//! we send on a blocking thread, keeping a file's entry with each message that names it,
//! deciding on fetches others ask of us ([`crate::files::serve`]), and running the
//! fetches [`crate::files::fetch`] asks for. Bytes move in [`transfer`]'s tasks.

mod devices;
pub(crate) mod transfer;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use futures::StreamExt;
use libp2p::PeerId;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use super::actor::Actor;
use super::command::Reply;
use super::content::Destination;
use super::event::Event;
use super::messages::MessageView;
use super::refusal::Refusal;
use super::NodeError;
use crate::dm::wire::DmPayload;
use crate::files::blob::BlobDir;
use crate::files::fetch::{Effect, Fetches, Outcome};
use crate::files::serve::{Admission, Uploads};
use crate::files::throttle::Throttle;
use crate::files::wire::FileRequest;
use crate::files::{media, parts, FileError, Root};
use crate::model::{now_ms, Body, ConversationKind, Direction, FileRef, StoredMessage};
use crate::store::{Batch, FileEntry};
use transfer::{Decision, FileEvent};

/// Incoming streams whose request is still being read, at most.
const MAX_ASKING: usize = 64;

/// The node's file counters (in `status`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStats {
    /// Files we sent.
    pub sent: u64,
    /// Files that arrived whole and verified.
    pub received: u64,
    /// Files wanted and not here yet.
    pub wanted: u64,
    /// Fetches running now.
    pub fetching: u64,
    /// Uploads running now.
    pub uploading: u64,
    /// Bytes sent to others' fetches.
    pub uploaded_bytes: u64,
    /// Verified bytes received.
    pub downloaded_bytes: u64,
    /// Fetches that received data failing verification (the holder was penalised).
    pub corrupt: u64,
}

/// A file in `files.list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileInfo {
    /// Its id (root, hex).
    pub id: String,
    /// The name the sender gave.
    pub name: String,
    /// Bytes.
    pub size: u64,
    /// Media type.
    pub mime: String,
    /// `here`, `fetching` (wanted, with `received` bytes so far) or `not_fetched`
    /// (bigger than `files.auto_fetch_bytes`: `files.save` fetches it).
    pub state: String,
    /// Bytes of it here (all when `here`).
    pub received: u64,
    /// We sent it.
    pub outgoing: bool,
    /// The newest message naming it.
    pub message: String,
    /// When it was first named (ms).
    pub added_ms: u64,
}

/// What `files.save` wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedFile {
    /// The file's id.
    pub id: String,
    /// Where it was written.
    pub path: String,
    /// Bytes written.
    pub size: u64,
}

/// A `files.save` waiting for its file.
type SaveWaiter = (PathBuf, Reply<SavedFile>);

/// The actor's file state.
pub(crate) struct Files {
    blobs: BlobDir,
    fetches: Fetches,
    uploads: Uploads,
    control: libp2p_stream::Control,
    throttle: Arc<Mutex<Throttle>>,
    pub(super) events: mpsc::UnboundedReceiver<FileEvent>,
    events_tx: mpsc::UnboundedSender<FileEvent>,
    waiters: HashMap<Root, Vec<SaveWaiter>>,
    assemblies: parts::Assemblies,
    progress: HashMap<Root, u64>,
    stats: FileStats,
    auto_fetch_bytes: u64,
}

impl Files {
    /// The file state over `dir`, with the swarm's stream `control`.
    pub(crate) fn new(
        dir: &Path,
        control: libp2p_stream::Control,
        config: &crate::config::FilesConfig,
    ) -> Result<Self, NodeError> {
        let blobs = BlobDir::open(dir).map_err(|source| crate::home::HomeError::Io {
            action: "creating",
            path: dir.to_owned(),
            source,
        })?;
        let (events_tx, events) = mpsc::unbounded_channel();
        Ok(Self {
            blobs,
            fetches: Fetches::default(),
            uploads: Uploads::default(),
            control,
            throttle: Arc::new(Mutex::new(Throttle::new(config.upload_bytes_per_second))),
            events,
            events_tx,
            waiters: HashMap::new(),
            assemblies: parts::Assemblies::default(),
            progress: HashMap::new(),
            stats: FileStats::default(),
            auto_fetch_bytes: config.auto_fetch_bytes,
        })
    }

    /// The counters now.
    pub(crate) fn stats(&self) -> FileStats {
        FileStats {
            wanted: self.fetches.wanted() as u64,
            fetching: self.fetches.running() as u64,
            uploading: self.uploads.running() as u64,
            ..self.stats
        }
    }

    /// When a waiting fetch is next due (ms).
    pub(crate) fn deadline_ms(&self) -> Option<u64> {
        self.fetches.poll_timeout()
    }
}

/// The media type of a file name, by its extension.
pub(super) fn media_type(name: &str) -> &'static str {
    let extension = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "heic" => "image/heic",
        "mp4" => "video/mp4",
        "mov" => "video/quicktime",
        "mp3" => "audio/mpeg",
        "m4a" => "audio/mp4",
        "pdf" => "application/pdf",
        "txt" => "text/plain",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
}

/// Seals the file at `path` for a message: a photo small enough to hold in memory loses
/// its metadata and gains a preview first; anything else is sealed as it is, streamed.
fn seal_file(blobs: &BlobDir, path: &Path, name: String, mime: String) -> Result<FileRef, FileError> {
    let size = std::fs::metadata(path)?.len();
    let (sealed, preview) = if media::is_photo(&mime) && size <= media::MAX_PHOTO_BYTES {
        let original = std::fs::read(path)?;
        let bytes = media::strip_metadata(&mime, original.clone()).unwrap_or(original);
        let preview = media::preview(&mime, &bytes).unwrap_or_default();
        (blobs.seal(&bytes[..], bytes.len() as u64)?, preview)
    } else {
        (blobs.seal(std::fs::File::open(path)?, size)?, Vec::new())
    };
    Ok(FileRef {
        root: sealed.root.0,
        size: sealed.size,
        key: sealed.key,
        name,
        mime,
        preview,
    })
}

fn file_reason(error: &FileError) -> &'static str {
    match error {
        FileError::TooLarge { .. } => "too_large",
        FileError::Changed => "changed",
        FileError::BadId => "bad_id",
        FileError::Io(e) if e.kind() == std::io::ErrorKind::NotFound => "no_such_file",
        FileError::Io(_) => "unreadable",
    }
}

impl From<FileError> for NodeError {
    /// `too_large` (details `what`: `file`, `max`), `no_such_file` and `unreadable`
    /// (detail `problem`, [`super::refusal::io_problem`]), `changed`, `bad_id`.
    fn from(error: FileError) -> Self {
        let reason = file_reason(&error);
        let refusal = match reason {
            "no_such_file" => Refusal::not_found(reason, error.to_string()),
            _ => Refusal::invalid(reason, error.to_string()),
        };
        match &error {
            FileError::TooLarge { .. } => refusal
                .with("what", "file")
                .with("max", crate::files::MAX_FILE_BYTES.to_string()),
            FileError::Io(e) => refusal.with_io(e),
            _ => refusal,
        }
        .into()
    }
}

impl Actor {
    /// Starts serving files and resumes the fetches that were running.
    pub(super) fn start_files(&mut self) {
        let incoming = match self.files.control.accept(transfer::protocol()) {
            Ok(incoming) => incoming,
            Err(e) => {
                tracing::error!(error = %e, "cannot serve files");
                return;
            }
        };
        let (tx, blobs, throttle) = (
            self.files.events_tx.clone(),
            self.files.blobs.clone(),
            self.files.throttle.clone(),
        );
        let asking = Arc::new(tokio::sync::Semaphore::new(MAX_ASKING));
        tokio::spawn(incoming.for_each(move |(peer, stream)| {
            match asking.clone().try_acquire_owned() {
                Ok(permit) => {
                    let (tx, blobs, throttle) = (tx.clone(), blobs.clone(), throttle.clone());
                    tokio::spawn(async move {
                        transfer::serve(peer, stream, tx, blobs, throttle).await;
                        drop(permit);
                    });
                }
                Err(_) => {
                    let _ = tx.send(FileEvent::BadRequest {
                        peer,
                        reason: "too_many_requests",
                    });
                }
            }
            futures::future::ready(())
        }));
        match self.store.files() {
            Ok(entries) => {
                for entry in entries.into_iter().filter(|e| e.wanted && !e.here) {
                    self.want_file(&entry);
                }
            }
            Err(e) => self.failed("store.files", &e),
        }
        self.pump_files();
    }

    /// `messages.file`: seals `path` on a blocking thread, then sends the message naming
    /// it to `to` (a contact or group) like any other.
    pub(super) fn cmd_send_file(&mut self, to: String, path: PathBuf, reply: Reply<MessageView>) {
        let destination = match self.destination(&to) {
            Ok(destination) => destination,
            Err(e) => {
                let _ = reply.send(Err(e));
                return;
            }
        };
        let name = crate::text::safe_file_name(&path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default());
        let mime = media_type(&name).to_owned();
        let blobs = self.files.blobs.clone();
        let tx = self.files.events_tx.clone();
        tokio::task::spawn_blocking(move || {
            let body = seal_file(&blobs, &path, name, mime)
                .map(|file| Body::File { file })
                .map_err(NodeError::from);
            let _ = tx.send(FileEvent::Prepared {
                body,
                destination,
                reply,
            });
        });
    }

    fn on_prepared(&mut self, body: Result<Body, NodeError>, to: Destination, reply: Reply<MessageView>) {
        match body {
            // A linked device's file goes through its first device (it holds the content).
            Ok(body) if self.is_linked_device() => self.send_file_through_first(to, body, reply),
            Ok(body) => {
                if matches!(body, Body::File { .. }) {
                    self.files.stats.sent += 1;
                }
                self.post(to, body, reply);
            }
            Err(e) => {
                let _ = reply.send(Err(e));
            }
        }
    }

    /// Records the file a message names in the batch that stores it: who may fetch it
    /// from us (the conversation) and, for one that arrived, `from` as a holder; a small
    /// one is fetched as soon as the message is on disk. (A gift's voucher is kept the same way, `node::vouchers`.)
    pub(super) fn note_file(&mut self, batch: &mut Batch, message: &StoredMessage, from: Option<PeerId>) {
        if matches!(message.body, Body::Gift { .. }) {
            return self.note_gift(batch, message);
        }
        // A sticker's pack travels as a file, fetched whatever its size unless installed.
        let (file, must_fetch) = match &message.body {
            Body::File { file } => (file, false),
            Body::Sticker { sticker } => (&sticker.pack, !self.has_pack(&sticker.pack_id)),
            _ => return,
        };
        let root = Root(file.root);
        let mut entry = match self.store.file(&file.root) {
            Ok(Some(entry)) => entry,
            Ok(None) => FileEntry {
                file: FileRef {
                    preview: Vec::new(),
                    ..file.clone()
                },
                convs: Vec::new(),
                holders: Vec::new(),
                here: false,
                outgoing: message.direction == Direction::Outgoing,
                wanted: false,
                message: message.id,
                added_ms: now_ms(),
            },
            Err(e) => {
                self.failed("store.file", &e);
                return;
            }
        };
        entry.add_conv(message.conv);
        entry.message = message.id;
        entry.here = entry.here || self.files.blobs.has(&root);
        if let Some(peer) = from {
            entry.add_holder(peer.to_bytes());
        }
        if !entry.here && (entry.wanted || must_fetch || file.size <= self.files.auto_fetch_bytes) {
            entry.wanted = true;
            // Fetched once the message is on disk, so the file is never ready before
            // its message is announced.
            let wanted = entry.clone();
            self.durability.after_flush(Box::new(move |actor: &mut Actor| {
                actor.want_file(&wanted);
                actor.pump_files();
            }));
        }
        batch.put_file(&entry);
    }

    pub(super) fn want_file(&mut self, entry: &FileEntry) {
        let holders: Vec<PeerId> = entry
            .holders
            .iter()
            .filter_map(|p| PeerId::from_bytes(p).ok())
            .collect();
        if self
            .files
            .fetches
            .want(Root(entry.file.root), entry.file.size, holders, now_ms())
            .is_err()
        {
            self.reject(None, "files", "too_many_wanted");
        }
    }

    /// `files.list`: every file, newest first.
    pub(super) fn cmd_files(&mut self, reply: Reply<Vec<FileInfo>>) {
        let answer = self.store.files().map_err(NodeError::from).map(|mut entries| {
            entries.sort_by_key(|e| std::cmp::Reverse(e.added_ms));
            entries.iter().map(|e| self.file_info(e)).collect()
        });
        let _ = reply.send(answer);
    }

    fn file_info(&self, entry: &FileEntry) -> FileInfo {
        let root = Root(entry.file.root);
        let (state, received) = if entry.here {
            ("here", entry.file.size)
        } else if self.files.fetches.is_wanted(&root) {
            ("fetching", self.files.progress.get(&root).copied().unwrap_or(0))
        } else {
            ("not_fetched", 0)
        };
        FileInfo {
            id: root.to_hex(),
            name: entry.file.name.clone(),
            size: entry.file.size,
            mime: entry.file.mime.clone(),
            state: state.into(),
            received: received.min(entry.file.size),
            outgoing: entry.outgoing,
            message: entry.message.to_string(),
            added_ms: entry.added_ms,
        }
    }

    /// The entry `id` names: a file id or a unique prefix of one (8+ hex digits), or the
    /// id of a message naming a file.
    fn find_file(&self, id: &str) -> Result<FileEntry, NodeError> {
        let id = id.trim().to_ascii_lowercase();
        let missing = || {
            NodeError::from(
                Refusal::not_found("no_such_file", format!("no file {}", crate::text::quote(&id))).with("file", &id),
            )
        };
        if let Ok(message) = id.parse::<crate::model::MsgId>() {
            if let Some(StoredMessage {
                body: Body::File { file },
                ..
            }) = self.store.message(&message)?
            {
                return self.store.file(&file.root)?.ok_or_else(missing);
            }
        }
        if id.len() < 8 || !id.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(missing());
        }
        let mut found = self
            .store
            .files()?
            .into_iter()
            .filter(|e| hex::encode(e.file.root).starts_with(&id));
        match (found.next(), found.next()) {
            (Some(entry), None) => Ok(entry),
            (Some(_), Some(_)) => {
                let refusal = Refusal::invalid("ambiguous", "more than one file starts so: give more digits");
                Err(refusal.with("what", "file").with("query", &id).into())
            }
            _ => Err(missing()),
        }
    }

    /// `files.save`: writes the file `id`, decrypted, to `path` (a directory gets the
    /// sender's name for it, made safe) — at once when it is here, else once fetched.
    pub(super) fn cmd_save_file(&mut self, id: String, path: PathBuf, reply: Reply<SavedFile>) {
        let mut entry = match self.find_file(&id) {
            Ok(entry) => entry,
            Err(e) => {
                let _ = reply.send(Err(e));
                return;
            }
        };
        let path = if path.is_dir() {
            path.join(crate::text::safe_file_name(&entry.file.name))
        } else {
            path
        };
        let root = Root(entry.file.root);
        if entry.here {
            self.write_out(&entry.file, path, reply);
            return;
        }
        if !entry.wanted {
            // Durable at the next flush, not lazily: a fetch asked for survives a crash.
            entry.wanted = true;
            if let Err(e) = self.store.put_file(&entry) {
                let _ = reply.send(Err(e.into()));
                return;
            }
            self.durability.wrote();
        }
        self.want_file(&entry);
        self.files.waiters.entry(root).or_default().push((path, reply));
        self.pump_files();
    }

    fn write_out(&mut self, file: &FileRef, path: PathBuf, reply: Reply<SavedFile>) {
        let (blobs, root, key) = (self.files.blobs.clone(), Root(file.root), file.key);
        tokio::task::spawn_blocking(move || {
            let written = (|| {
                let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
                let size = blobs.open_into(&root, &key, &mut out)?;
                std::io::Write::flush(&mut out)?;
                Ok::<u64, FileError>(size)
            })();
            let _ = reply.send(written.map_err(NodeError::from).map(|size| SavedFile {
                id: root.to_hex(),
                path: path.display().to_string(),
                size,
            }));
        });
    }

    /// Handles what the file tasks report.
    pub(super) fn on_file_event(&mut self, event: FileEvent) {
        match event {
            FileEvent::Prepared {
                body,
                destination,
                reply,
            } => self.on_prepared(body, destination, reply),
            FileEvent::Asked { peer, request, answer } => {
                let _ = answer.send(self.decide(peer, &request));
            }
            FileEvent::BadRequest { peer, reason } => self.reject(Some(peer), "files", reason),
            FileEvent::Delivered { root, kept } => self.on_delivered(root, kept),
            FileEvent::PackReady { ready, reply } => self.on_pack_ready(ready, reply),
            FileEvent::Uploaded { id, whole, bytes } => {
                self.files.uploads.finished(id, whole);
                self.files.stats.uploaded_bytes += bytes;
            }
            FileEvent::Progress { root, bytes, size } => {
                let base = self.files.progress.entry(root).or_default();
                *base = (*base).max(bytes);
                let received = *base;
                self.emit(Event::FileProgress {
                    id: root.to_hex(),
                    received,
                    size,
                });
            }
            FileEvent::Fetched {
                root,
                peer,
                outcome,
                bytes,
            } => self.on_fetched(root, peer, outcome, bytes),
        }
        self.pump_files();
    }

    /// Whether `peer` may have ranges of a file, and whether we have a slot for it.
    fn decide(&mut self, peer: PeerId, request: &FileRequest) -> Decision {
        let ranges = match request.chunk_ranges() {
            Ok(ranges) => ranges,
            Err(_) => {
                self.reject(Some(peer), "files", "bad_request");
                return Decision::Refused("bad_request");
            }
        };
        let root = Root(request.root.0);
        let allowed = match self.store.file(&root.0) {
            // A linked device asks for a file this device has not fetched yet: it is
            // fetched here now, and the device asked to come back.
            Ok(Some(entry)) if !entry.here && self.is_linked_device_peer(&peer) => {
                self.want_for_device(entry);
                return Decision::Busy(Vec::new());
            }
            // One it is fetching, asked by someone who may have it: come back later.
            Ok(Some(entry)) if !entry.here && entry.wanted && self.may_fetch(peer, &entry) => {
                return Decision::Busy(Vec::new());
            }
            Ok(Some(entry)) => entry.here && entry.file.size == request.size && self.may_fetch(peer, &entry),
            _ => false,
        };
        if !allowed {
            self.reject(Some(peer), "files", "unknown_file");
            return Decision::Refused("unknown_file");
        }
        match self.files.uploads.admit(peer, root, request.insist) {
            Admission::Serve(id) => Decision::Serve { id, ranges },
            Admission::Busy(holders) => Decision::Busy(holders),
        }
    }

    /// Whether `peer` is in a conversation that named the file — the friend of a 1:1
    /// conversation, or a member of a group — or another device of this account (a
    /// linked device, or a linked device's first device).
    fn may_fetch(&mut self, peer: PeerId, entry: &FileEntry) -> bool {
        if self.is_linked_device_peer(&peer) || self.links.is_first_device(&peer) {
            return true;
        }
        entry.convs.iter().any(|conv| match self.conversation_row(conv) {
            Ok(Some(row)) => match row.kind {
                ConversationKind::Direct { phone } => matches!(
                    self.store.contact(&phone),
                    Ok(Some(contact)) if contact.pinned.as_ref().is_some_and(|k| k.peer_id == peer.to_string())
                ),
                ConversationKind::Group { group_id } | ConversationKind::Meetup { group_id } => {
                    self.is_member_peer(group_id, &peer)
                }
            },
            _ => false,
        })
    }

    fn on_fetched(&mut self, root: Root, peer: PeerId, outcome: Outcome, bytes: u64) {
        self.files.stats.downloaded_bytes += match outcome {
            Outcome::Cut { received } => received,
            _ => bytes,
        };
        let complete = outcome == Outcome::Complete;
        self.files.fetches.finished(&root, peer, outcome, now_ms());
        if !complete {
            return;
        }
        if let Ok(Some(entry)) = self.store.file(&root.0) {
            self.file_arrived(entry, Some(peer));
        }
    }

    /// A whole file arrived (from `from`, or from a mailbox): marked here, announced,
    /// and written out for whoever waits to save it.
    fn file_arrived(&mut self, mut entry: FileEntry, from: Option<PeerId>) {
        let root = Root(entry.file.root);
        self.files.progress.remove(&root);
        entry.here = true;
        entry.wanted = false;
        if let Err(e) = self.store.put_file(&entry) {
            self.failed("store.put_file", &e);
        }
        self.durability.wrote_lazily();
        self.files.stats.received += 1;
        if let Some(peer) = from {
            self.files.uploads.holds(root, peer);
        }
        if entry.file.mime == crate::content::sticker::PACK_MIME {
            self.install_fetched_pack(entry.file.clone());
        }
        self.emit(Event::FileReady {
            id: root.to_hex(),
            name: entry.file.name.clone(),
        });
        for (path, reply) in self.files.waiters.remove(&root).unwrap_or_default() {
            self.write_out(&entry.file, path, reply);
        }
    }

    /// Runs what the fetch state machine asks for now.
    pub(super) fn pump_files(&mut self) {
        while let Some(effect) = self.files.fetches.poll_effect(now_ms()) {
            match effect {
                Effect::Fetch {
                    root,
                    size,
                    peer,
                    insist,
                } => {
                    tokio::spawn(transfer::fetch(
                        self.files.control.clone(),
                        self.files.blobs.clone(),
                        root,
                        size,
                        peer,
                        insist,
                        self.files.events_tx.clone(),
                    ));
                }
                Effect::Penalise { peer } => {
                    self.files.stats.corrupt += 1;
                    self.reject(Some(peer), "files", "corrupt_data");
                }
            }
        }
    }
}

impl Actor {
    /// The mailbox parts of the small file `body` names, if we hold it, each with the
    /// id that deduplicates it on a mailbox (`protocol/files.md` §6).
    pub(super) fn file_parts(&self, body: &Body) -> Vec<([u8; 16], DmPayload)> {
        let Body::File { file } = body else {
            return Vec::new();
        };
        let root = Root(file.root);
        if file.size > parts::MAX_MAILBOX_FILE || !self.files.blobs.has(&root) {
            return Vec::new();
        }
        let Ok(encoded) = self.files.blobs.encode_whole(&root, file.size) else {
            return Vec::new();
        };
        let pieces = parts::split(&encoded);
        let count = pieces.len() as u64;
        pieces
            .into_iter()
            .enumerate()
            .filter_map(|(index, piece)| {
                let mut hasher = blake3::Hasher::new();
                hasher.update(b"chingu file part");
                hasher.update(&file.root);
                hasher.update(&(index as u64).to_be_bytes());
                let dedup: [u8; 16] = hasher.finalize().as_bytes()[..16].try_into().expect("16 bytes");
                let part = DmPayload::FilePart {
                    root: crate::wire::Fixed(file.root),
                    size: file.size,
                    index: index as u64,
                    count,
                    data: crate::wire::Bytes::new(piece.to_vec()).ok()?,
                };
                Some((dedup, part))
            })
            .collect()
    }

    /// A part of a small file from a friend's mailbox deposit: kept until the file is
    /// whole, then checked against its root and kept on a blocking thread.
    pub(super) fn on_file_part(&mut self, root: Root, size: u64, index: u64, count: u64, data: Vec<u8>) {
        if self.files.blobs.has(&root) {
            return;
        }
        let encoded = match self.files.assemblies.add(root, size, index, count, data) {
            Ok(Some(encoded)) => encoded,
            Ok(None) => return,
            Err(_) => {
                self.reject(None, "files", "bad_part");
                return;
            }
        };
        let (blobs, tx) = (self.files.blobs.clone(), self.files.events_tx.clone());
        tokio::task::spawn_blocking(move || {
            let kept = blobs.receive_whole(&root, size, &encoded).is_ok();
            let _ = tx.send(FileEvent::Delivered { root, kept });
        });
    }

    /// A small file from a mailbox was checked: whole and kept, or refused.
    fn on_delivered(&mut self, root: Root, kept: bool) {
        if !kept {
            self.files.stats.corrupt += 1;
            self.reject(None, "files", "corrupt_data");
            return;
        }
        self.files.fetches.cancel(&root);
        // Else the message naming it comes later, and its entry finds the file here.
        if let Ok(Some(entry)) = self.store.file(&root.0) {
            self.file_arrived(entry, None);
        }
    }
}

impl Actor {
    /// The node's files directory.
    pub(super) fn files_blobs(&self) -> BlobDir {
        self.files.blobs.clone()
    }

    /// Where blocking file work reports back.
    pub(super) fn files_events(&self) -> mpsc::UnboundedSender<FileEvent> {
        self.files.events_tx.clone()
    }

    /// Records a file we hold whole (a pack we made or installed): it may be named by
    /// messages we send and fetched from us.
    pub(super) fn put_own_file(&mut self, file: &FileRef) -> Result<(), NodeError> {
        let entry = match self.store.file(&file.root)? {
            Some(mut entry) => {
                entry.here = true;
                entry
            }
            None => FileEntry {
                file: file.clone(),
                convs: Vec::new(),
                holders: Vec::new(),
                here: true,
                outgoing: true,
                wanted: false,
                message: crate::model::MsgId([0; 16]),
                added_ms: now_ms(),
            },
        };
        self.store.put_file(&entry)?;
        Ok(())
    }
}
