//! Serves the control API on a Unix socket (mode 0600) for the node's owner.
//!
//! Each connection reads newline-delimited JSON-RPC requests and is served by
//! [`super::connection::serve`] within the bounds of [`super::limits`]: a line is at most
//! `max_request_bytes` (checked before it is buffered), a few requests run at once, and
//! the connections of the socket are capped, evicting the one that keeps the node waiting
//! longest. Garbage gets a JSON-RPC error and the connection (and the node) carry on.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::UnixListener;
use tokio::task::JoinHandle;

use super::connection::{self, Answers, Received, Requests};
use super::dispatch::{id_hint, ApiContext, Identity, Session, Transport, ID_HINT_BYTES};
use super::limits::{CloseReason, ConnectionTable, OutQueue, Slot};

/// Problems starting the server.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The socket could not be created.
    #[error("cannot serve the control API on {path}: {source}")]
    Bind {
        /// The socket path.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

/// A running Unix-socket server; removes its socket file and closes its connections when
/// dropped.
pub struct UnixServer {
    path: PathBuf,
    task: JoinHandle<()>,
    connections: Arc<ConnectionTable>,
}

impl Drop for UnixServer {
    fn drop(&mut self) {
        self.task.abort();
        self.connections.close_all();
        let _ = std::fs::remove_file(&self.path);
    }
}

impl UnixServer {
    /// Binds `path` (replacing a stale socket left by a crashed daemon: the caller holds
    /// the home lock, so no live daemon owns it), restricts it to the owner and serves
    /// the API of `context` on it.
    pub fn bind(path: &Path, context: ApiContext) -> Result<Self, ServerError> {
        let bind_error = |source| ServerError::Bind {
            path: path.to_owned(),
            source,
        };
        match std::fs::remove_file(path) {
            Ok(()) => tracing::info!(path = %path.display(), "removed a stale control socket"),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(bind_error(e)),
        }
        // The home directory is 0700, so nobody else can reach the socket in the moment
        // between bind and chmod.
        let listener = UnixListener::bind(path).map_err(bind_error)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(bind_error)?;
        let connections = ConnectionTable::new(
            Transport::Unix.as_str(),
            context.limits.max_connections,
            context.metrics.clone(),
        );
        let table = connections.clone();
        let task = tokio::spawn(async move {
            loop {
                match listener.accept().await {
                    Ok((stream, _)) => {
                        let admission = table.admit();
                        let context = context.clone();
                        tokio::spawn(async move {
                            let (read, write) = stream.into_split();
                            serve_connection(read, write, context, admission.slot().clone()).await;
                            drop(admission);
                        });
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "control socket accept failed");
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    }
                }
            }
        });
        Ok(Self {
            path: path.to_owned(),
            task,
            connections,
        })
    }

    /// The socket path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Serves the owner's connection (admitted as `slot`) until the client goes away or the
/// server closes it.
pub async fn serve_connection<R, W>(read: R, write: W, context: ApiContext, slot: Arc<Slot>)
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let (queue, out) = OutQueue::new(context.limits.max_queued_bytes, slot.clone());
    let requests = Lines {
        reader: BufReader::new(read),
        buf: Vec::new(),
        max: context.limits.max_request_bytes,
        slot: slot.clone(),
    };
    let session = Session::new(context, Identity::Owner, Transport::Unix, queue, slot.clone());
    connection::serve(requests, LineWriter(write), session, out, slot).await;
}

/// Newline-delimited requests.
struct Lines<R> {
    reader: BufReader<R>,
    /// The line read so far (kept across cancelled reads).
    buf: Vec<u8>,
    max: usize,
    slot: Arc<Slot>,
}

impl<R: AsyncRead + Unpin + Send> Requests for Lines<R> {
    async fn next(&mut self) -> Received {
        loop {
            let Ok(available) = self.reader.fill_buf().await else {
                return Received::End;
            };
            if available.is_empty() {
                return match std::mem::take(&mut self.buf) {
                    line if line.is_empty() => Received::End,
                    line => parse(line),
                };
            }
            if self.buf.is_empty() {
                self.slot.request_started();
            }
            let (chunk, used, done) = match available.iter().position(|&b| b == b'\n') {
                Some(i) => (&available[..i], i + 1, true),
                None => (available, available.len(), false),
            };
            if self.buf.len() + chunk.len() > self.max {
                // Only the first bytes are looked at, for the id the error answers.
                let mut start = std::mem::take(&mut self.buf);
                start.truncate(ID_HINT_BYTES);
                start.extend_from_slice(&chunk[..chunk.len().min(ID_HINT_BYTES - start.len())]);
                return Received::TooLarge { id: id_hint(&start) };
            }
            self.buf.extend_from_slice(chunk);
            self.reader.consume(used);
            if done {
                return parse(std::mem::take(&mut self.buf));
            }
        }
    }

    async fn drain(&mut self) {
        while let Ok(available) = self.reader.fill_buf().await {
            match available.len() {
                0 => return,
                n => self.reader.consume(n),
            }
        }
    }
}

/// A whole line as a request.
fn parse(line: Vec<u8>) -> Received {
    match String::from_utf8(line) {
        Ok(line) if line.trim().is_empty() => Received::Ignored,
        Ok(line) => Received::Request(line),
        Err(_) => Received::Unreadable(super::dispatch::not_utf8()),
    }
}

/// Writes each answer as a line.
struct LineWriter<W>(W);

impl<W: AsyncWrite + Unpin + Send + 'static> Answers for LineWriter<W> {
    async fn send(&mut self, mut text: String) -> std::io::Result<()> {
        text.push('\n');
        self.0.write_all(text.as_bytes()).await
    }

    async fn finish(mut self, _reason: Option<CloseReason>) {
        let _ = self.0.shutdown().await;
    }
}
