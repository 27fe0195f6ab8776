//! The file protocol's I/O (SPEC.md §6.11.2): the tasks that serve one fetch and run one
//! fetch. Each reads and writes its stream, asks or tells the actor through
//! [`FileEvent`]s, and moves bytes on a blocking thread (hashing, encrypting and disk
//! I/O never run on the actor). A stream idle for [`IDLE`] fails.

use std::future::Future;
use std::io::{BufReader, BufWriter, Read, Write};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bao_tree::ChunkRanges;
use futures::{AsyncRead, AsyncWrite, AsyncWriteExt};
use libp2p::{PeerId, Stream, StreamProtocol};
use tokio::sync::{mpsc, oneshot};
use tokio_util::compat::FuturesAsyncReadCompatExt;
use tokio_util::compat::FuturesAsyncWriteCompatExt;
use tokio_util::io::SyncIoBridge;

use crate::files::blob::{BlobDir, ReceiveError};
use crate::files::fetch::Outcome;
use crate::files::serve::UploadId;
use crate::files::throttle::{Throttle, ThrottledWrite};
use crate::files::wire::{FileAnswer, FileRequest, MAX_ANSWER, MAX_REQUEST, PROTOCOL};
use crate::files::Root;
use crate::wire::frame::{read_frame, write_frame};
use crate::wire::{from_cbor, to_cbor, Bytes, List, Text};

/// A stream with no progress for this long fails (either side).
pub const IDLE: Duration = Duration::from_secs(30);
/// How long opening a stream (dialling included) may take.
const OPEN: Duration = Duration::from_secs(20);
/// Progress is reported every this many bytes.
const PROGRESS_EVERY: u64 = 4 << 20;
/// Buffer between the bao encoder or decoder and the stream.
const STREAM_BUFFER: usize = 256 * 1024;

/// What the file tasks tell the actor.
pub(crate) enum FileEvent {
    /// A message whose body was prepared off the actor (a file sealed, a sticker's
    /// preview drawn), or could not be.
    Prepared {
        body: Result<crate::model::Body, crate::node::NodeError>,
        destination: crate::node::content::Destination,
        reply: crate::node::command::Reply<crate::node::messages::MessageView>,
    },
    /// A peer asks for ranges of a file: may it have them?
    Asked {
        peer: PeerId,
        request: FileRequest,
        answer: oneshot::Sender<Decision>,
    },
    /// A small file from a mailbox was checked and kept (or failed its check).
    Delivered { root: Root, kept: bool },
    /// A sticker pack was made, installed or fetched (or could not be).
    PackReady {
        ready: Result<crate::node::stickers::ReadyPack, crate::node::stickers::PackError>,
        reply: Option<crate::node::command::Reply<crate::node::stickers::PackView>>,
    },
    /// A peer's request was malformed.
    BadRequest { peer: PeerId, reason: &'static str },
    /// An upload ended.
    Uploaded { id: UploadId, whole: bool, bytes: u64 },
    /// More of a file (of `size` bytes) arrived.
    Progress { root: Root, bytes: u64, size: u64 },
    /// A fetch ended.
    Fetched {
        root: Root,
        peer: PeerId,
        outcome: Outcome,
        bytes: u64,
    },
}

/// The actor's answer to [`FileEvent::Asked`].
#[derive(Debug)]
pub(crate) enum Decision {
    /// Send these ranges.
    Serve { id: UploadId, ranges: ChunkRanges },
    /// No slot: name these holders.
    Busy(Vec<PeerId>),
    /// Not served (`unknown_file`, `bad_request`).
    Refused(&'static str),
}

/// The protocol name as libp2p takes it.
pub(crate) fn protocol() -> StreamProtocol {
    StreamProtocol::new(PROTOCOL)
}

/// A stream that fails when no byte moves for [`IDLE`].
struct Idle<S> {
    inner: S,
    deadline: Pin<Box<tokio::time::Sleep>>,
}

impl<S> Idle<S> {
    fn new(inner: S) -> Self {
        Self {
            inner,
            deadline: Box::pin(tokio::time::sleep(IDLE)),
        }
    }

    fn check<T>(&mut self, cx: &mut Context<'_>, poll: Poll<std::io::Result<T>>) -> Poll<std::io::Result<T>> {
        match poll {
            Poll::Ready(result) => {
                self.deadline.as_mut().reset(tokio::time::Instant::now() + IDLE);
                Poll::Ready(result)
            }
            Poll::Pending => match self.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Err(std::io::ErrorKind::TimedOut.into())),
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Idle<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<std::io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        self.check(cx, poll)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Idle<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.check(cx, poll)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let poll = Pin::new(&mut self.inner).poll_flush(cx);
        self.check(cx, poll)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let poll = Pin::new(&mut self.inner).poll_close(cx);
        self.check(cx, poll)
    }
}

/// Counts the bytes that pass.
struct Counted<T> {
    inner: T,
    bytes: u64,
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Serves one incoming stream: reads the request, asks the actor, answers, and sends the
/// encoding when it may.
pub(crate) async fn serve(
    peer: PeerId,
    stream: Stream,
    events: mpsc::UnboundedSender<FileEvent>,
    blobs: BlobDir,
    throttle: Arc<Mutex<Throttle>>,
) {
    let mut stream = Idle::new(stream);
    let request = match read_frame(&mut stream, MAX_REQUEST).await {
        Ok(frame) => match from_cbor::<FileRequest>(&frame, MAX_REQUEST) {
            Ok(request) => request,
            Err(_) => {
                let _ = events.send(FileEvent::BadRequest {
                    peer,
                    reason: "malformed",
                });
                return;
            }
        },
        Err(crate::wire::frame::FrameError::Oversized { .. }) => {
            let _ = events.send(FileEvent::BadRequest {
                peer,
                reason: "oversized",
            });
            return;
        }
        Err(_) => return,
    };
    let (root, size) = (Root(request.root.0), request.size);
    let (answer, decision) = oneshot::channel();
    if events.send(FileEvent::Asked { peer, request, answer }).is_err() {
        return;
    }
    let Ok(decision) = decision.await else {
        return;
    };
    let (id, ranges) = match decision {
        Decision::Serve { id, ranges } => (id, ranges),
        Decision::Busy(holders) => {
            let holders = holders.iter().filter_map(|p| Bytes::new(p.to_bytes()).ok()).collect();
            let _ = answer_and_close(
                &mut stream,
                FileAnswer::Busy {
                    holders: List::truncating(holders),
                },
            )
            .await;
            return;
        }
        Decision::Refused(reason) => {
            let reason = Text::new(reason).unwrap_or_else(|_| Text::new("refused").expect("short"));
            let _ = answer_and_close(&mut stream, FileAnswer::Refused { reason }).await;
            return;
        }
    };
    if write_frame(&mut stream, &to_cbor(&FileAnswer::Sending)).await.is_err() {
        let _ = events.send(FileEvent::Uploaded {
            id,
            whole: false,
            bytes: 0,
        });
        return;
    }
    let bridge = SyncIoBridge::new(stream.compat_write());
    // Bytes that went out count whether or not the upload finished.
    let sent = tokio::task::spawn_blocking(move || {
        let counted = Counted {
            inner: bridge,
            bytes: 0,
        };
        let mut out = BufWriter::with_capacity(STREAM_BUFFER, ThrottledWrite::new(counted, throttle));
        let encoded = blobs.encode(&root, size, &ranges, &mut out).is_ok() && out.flush().is_ok();
        let counted = out.get_mut().inner_mut();
        let whole = encoded && counted.inner.shutdown().is_ok();
        (whole, counted.bytes)
    });
    let (whole, bytes) = sent.await.unwrap_or((false, 0));
    let _ = events.send(FileEvent::Uploaded { id, whole, bytes });
}

async fn answer_and_close<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    answer: FileAnswer,
) -> std::io::Result<()> {
    write_frame(stream, &to_cbor(&answer)).await?;
    stream.close().await
}

/// One fetch of what is missing of `root` from `peer`; reports how it ended.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn fetch(
    mut control: libp2p_stream::Control,
    blobs: BlobDir,
    root: Root,
    size: u64,
    peer: PeerId,
    insist: bool,
    events: mpsc::UnboundedSender<FileEvent>,
) {
    let (outcome, bytes) = match fetch_from(&mut control, &blobs, root, size, peer, insist, &events).await {
        Ok(done) => done,
        Err(outcome) => (outcome, 0),
    };
    let _ = events.send(FileEvent::Fetched {
        root,
        peer,
        outcome,
        bytes,
    });
}

async fn fetch_from(
    control: &mut libp2p_stream::Control,
    blobs: &BlobDir,
    root: Root,
    size: u64,
    peer: PeerId,
    insist: bool,
    events: &mpsc::UnboundedSender<FileEvent>,
) -> Result<(Outcome, u64), Outcome> {
    let disk = |e: &dyn std::fmt::Display| {
        tracing::error!(%root, error = %e, "cannot keep a file part");
        Outcome::Cut { received: 0 }
    };
    let blobs_copy = blobs.clone();
    let (mut partial, missing) = tokio::task::spawn_blocking(move || {
        let partial = blobs_copy.partial(&root, size)?;
        let missing = partial.missing()?;
        Ok::<_, crate::files::FileError>((partial, missing))
    })
    .await
    .map_err(|e| disk(&e))?
    .map_err(|e| disk(&e))?;
    if missing.is_empty() {
        tokio::task::spawn_blocking(move || partial.complete())
            .await
            .map_err(|e| disk(&e))?
            .map_err(|e| disk(&e))?;
        return Ok((Outcome::Complete, 0));
    }
    let stream = match tokio::time::timeout(OPEN, control.open_stream(peer, protocol())).await {
        Ok(Ok(stream)) => stream,
        _ => return Err(Outcome::Unreachable),
    };
    let mut stream = Idle::new(stream);
    let request = FileRequest::new(root, size, &missing, insist);
    let asked = async {
        write_frame(&mut stream, &to_cbor(&request)).await?;
        read_frame(&mut stream, MAX_ANSWER).await.map_err(std::io::Error::from)
    };
    let answer = match asked.await.map(|frame| from_cbor::<FileAnswer>(&frame, MAX_ANSWER)) {
        Ok(Ok(answer)) => answer,
        Ok(Err(_)) => return Err(Outcome::Corrupt),
        Err(_) => return Err(Outcome::Unreachable),
    };
    match answer {
        FileAnswer::Sending => {}
        FileAnswer::Busy { holders } => {
            let holders = holders
                .iter()
                .filter_map(|b| PeerId::from_bytes(b.as_ref()).ok())
                .collect();
            return Err(Outcome::Busy { holders });
        }
        FileAnswer::Refused { .. } => return Err(Outcome::Refused),
    }
    let bridge = SyncIoBridge::new(stream.compat());
    let events = events.clone();
    let received = tokio::task::spawn_blocking(move || {
        let mut input = Progress {
            inner: BufReader::with_capacity(STREAM_BUFFER, bridge),
            root,
            size,
            bytes: 0,
            reported: 0,
            events,
        };
        let received = partial.receive(&mut input, &missing)?;
        partial.complete().map_err(ReceiveError::Disk)?;
        Ok::<u64, ReceiveError>(received)
    })
    .await
    .map_err(|e| disk(&e))?;
    match received {
        Ok(bytes) => Ok((Outcome::Complete, bytes)),
        Err(ReceiveError::Corrupt) => Err(Outcome::Corrupt),
        // What arrived before the cut is kept, verified: the next fetch resumes after it.
        Err(ReceiveError::Broken { received, .. }) => Err(Outcome::Cut { received }),
        Err(ReceiveError::Disk(e)) => Err(disk(&e)),
    }
}

/// Reports the bytes read, every [`PROGRESS_EVERY`].
struct Progress<R> {
    inner: R,
    root: Root,
    size: u64,
    bytes: u64,
    reported: u64,
    events: mpsc::UnboundedSender<FileEvent>,
}

impl<R: Read> Read for Progress<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes += n as u64;
        if self.bytes - self.reported >= PROGRESS_EVERY {
            self.reported = self.bytes;
            let _ = self.events.send(FileEvent::Progress {
                root: self.root,
                bytes: self.bytes,
                size: self.size,
            });
        }
        Ok(n)
    }
}
