//! Serves the control API on a Unix socket (mode 0600) for the node's owner.
//!
//! Each connection reads newline-delimited JSON-RPC requests (at most
//! [`super::MAX_REQUEST_BYTES`] per line), hands each to its [`Session`] in its own task
//! so a slow call does not hold up the next, and writes responses and event notifications
//! through a single writer. Garbage gets a JSON-RPC error and the connection (and the
//! node) carry on.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::UnixListener;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::dispatch::{ApiContext, Identity, Session, Transport, ID_HINT_BYTES};
use super::{codes, ApiError, MAX_QUEUED_NOTIFICATIONS, MAX_REQUEST_BYTES};

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

/// A running Unix-socket server; removes its socket file when dropped.
pub struct UnixServer {
    path: PathBuf,
    task: JoinHandle<()>,
}

impl Drop for UnixServer {
    fn drop(&mut self) {
        self.task.abort();
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
        let task = tokio::spawn(async move {
            loop {
                match listener.accept().await {
                    Ok((stream, _)) => {
                        let context = context.clone();
                        tokio::spawn(async move {
                            let (read, write) = stream.into_split();
                            serve_connection(read, write, context).await;
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
        })
    }

    /// The socket path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Serves the owner's connection until the client goes away.
async fn serve_connection<R, W>(read: R, mut write: W, context: ApiContext)
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let (out_tx, mut out_rx) = mpsc::channel::<String>(MAX_QUEUED_NOTIFICATIONS);
    let writer = tokio::spawn(async move {
        while let Some(mut line) = out_rx.recv().await {
            line.push('\n');
            if write.write_all(line.as_bytes()).await.is_err() {
                break;
            }
        }
    });
    let session = Session::new(context, Identity::Owner, Transport::Unix, out_tx);
    let mut reader = BufReader::new(read);
    let mut buf = Vec::new();
    loop {
        match read_line(&mut reader, &mut buf, MAX_REQUEST_BYTES).await {
            Ok(Line::End) | Err(_) => break,
            Ok(Line::TooLong) => session.refuse_too_large(&buf).await,
            Ok(Line::Complete) => match std::str::from_utf8(&buf) {
                Ok(line) if line.trim().is_empty() => {}
                Ok(line) => {
                    let session = session.clone();
                    let line = line.to_owned();
                    tokio::spawn(async move { session.handle_line(&line).await });
                }
                Err(_) => {
                    let error = ApiError::new(codes::PARSE_ERROR, "not_utf8", "request is not UTF-8");
                    session.refuse(error).await;
                }
            },
        }
    }
    session.unsubscribe();
    drop(session);
    let _ = writer.await;
}

/// The outcome of reading one line.
enum Line {
    /// A line (without its newline) is in the buffer.
    Complete,
    /// The line was longer than the limit and was skipped.
    TooLong,
    /// The peer closed the connection.
    End,
}

/// Reads one `\n`-terminated line into `buf` (cleared first), keeping at most `max`
/// bytes: a longer line is consumed and reported as [`Line::TooLong`] (with its first
/// [`ID_HINT_BYTES`] left in `buf`, to find its id), so the connection can carry on with
/// the next one.
async fn read_line<R: AsyncBufRead + Unpin>(reader: &mut R, buf: &mut Vec<u8>, max: usize) -> std::io::Result<Line> {
    buf.clear();
    let mut too_long = false;
    loop {
        let available = reader.fill_buf().await?;
        if available.is_empty() {
            return Ok(if buf.is_empty() && !too_long {
                Line::End
            } else if too_long {
                Line::TooLong
            } else {
                Line::Complete
            });
        }
        let (chunk, used, done) = match available.iter().position(|&b| b == b'\n') {
            Some(i) => (&available[..i], i + 1, true),
            None => (available, available.len(), false),
        };
        if !too_long && buf.len() + chunk.len() <= max {
            buf.extend_from_slice(chunk);
        } else if !too_long {
            too_long = true;
            buf.extend_from_slice(chunk);
            buf.truncate(ID_HINT_BYTES);
        }
        reader.consume(used);
        if done {
            return Ok(if too_long { Line::TooLong } else { Line::Complete });
        }
    }
}
