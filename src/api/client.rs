//! A client for the control API over the Unix socket, used by the CLI and the chat UI.
//! Event notifications that arrive while waiting for a response are queued and returned
//! by [`ApiClient::next_event`].

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use futures::StreamExt;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::UnixStream;
use tokio_util::codec::{FramedRead, LinesCodec};

use super::{ApiError, Response};

/// Longest answer line the client reads (the node's own answers: a page of history is the
/// largest).
pub const MAX_ANSWER_BYTES: usize = 64 << 20;

/// Client-side failures.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Nothing listens on the socket.
    #[error("no chingu node is running for this home ({socket} does not answer); start one with `chingu run`")]
    NotRunning {
        /// The socket tried.
        socket: PathBuf,
    },
    /// The socket exists but belongs to someone else.
    #[error("permission denied on {socket}: the node belongs to another user")]
    PermissionDenied {
        /// The socket tried.
        socket: PathBuf,
    },
    /// The connection broke.
    #[error("lost the connection to the node: {0}")]
    Io(#[from] std::io::Error),
    /// The node answered something that is not JSON-RPC.
    #[error("unexpected answer from the node: {0}")]
    Protocol(String),
    /// The node answered with an error.
    #[error("{0}")]
    Rpc(#[from] ApiError),
}

/// A connection to a node's control API.
pub struct ApiClient {
    lines: FramedRead<OwnedReadHalf, LinesCodec>,
    writer: OwnedWriteHalf,
    next_id: u64,
    events: VecDeque<Value>,
}

impl ApiClient {
    /// Connects to the socket at `socket`.
    pub async fn connect(socket: &Path) -> Result<Self, ClientError> {
        let stream = UnixStream::connect(socket).await.map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused => ClientError::NotRunning {
                socket: socket.to_owned(),
            },
            std::io::ErrorKind::PermissionDenied => ClientError::PermissionDenied {
                socket: socket.to_owned(),
            },
            _ => ClientError::Io(e),
        })?;
        let (read, writer) = stream.into_split();
        Ok(Self {
            lines: FramedRead::new(read, LinesCodec::new_with_max_length(MAX_ANSWER_BYTES)),
            writer,
            next_id: 1,
            events: VecDeque::new(),
        })
    }

    /// Calls `method` with `params` and waits for its result.
    pub async fn call(&mut self, method: &str, params: Value) -> Result<Value, ClientError> {
        let id = self.next_id;
        self.next_id += 1;
        let mut line = json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }).to_string();
        line.push('\n');
        self.writer.write_all(line.as_bytes()).await?;
        loop {
            let value = self.read_value().await?;
            if value.get("method").is_some() {
                self.events
                    .push_back(value.get("params").cloned().unwrap_or(Value::Null));
                continue;
            }
            let response: Response = serde_json::from_value(value).map_err(|e| ClientError::Protocol(e.to_string()))?;
            if response.id != json!(id) {
                continue;
            }
            return match (response.result, response.error) {
                (_, Some(error)) => Err(ClientError::Rpc(error)),
                (Some(result), None) => Ok(result),
                (None, None) => Err(ClientError::Protocol("a response without result or error".into())),
            };
        }
    }

    /// Calls `method` and decodes its result as `T`.
    pub async fn call_as<T: DeserializeOwned>(&mut self, method: &str, params: Value) -> Result<T, ClientError> {
        let value = self.call(method, params).await?;
        serde_json::from_value(value).map_err(|e| ClientError::Protocol(e.to_string()))
    }

    /// Subscribes to events; read them with [`ApiClient::next_event`].
    pub async fn subscribe(&mut self) -> Result<(), ClientError> {
        self.call(super::methods::SUBSCRIBE, json!({})).await.map(|_| ())
    }

    /// The next event (after [`ApiClient::subscribe`]); `None` when the node closed the
    /// connection.
    pub async fn next_event(&mut self) -> Result<Option<Value>, ClientError> {
        if let Some(event) = self.events.pop_front() {
            return Ok(Some(event));
        }
        loop {
            let value = match self.read_value().await {
                Ok(v) => v,
                Err(ClientError::Io(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
                Err(e) => return Err(e),
            };
            if value.get("method").is_some() {
                return Ok(Some(value.get("params").cloned().unwrap_or(Value::Null)));
            }
        }
    }

    async fn read_value(&mut self) -> Result<Value, ClientError> {
        match self.lines.next().await {
            None => Err(ClientError::Io(std::io::ErrorKind::UnexpectedEof.into())),
            Some(Err(e)) => Err(ClientError::Protocol(e.to_string())),
            Some(Ok(line)) => serde_json::from_str(&line).map_err(|e| ClientError::Protocol(e.to_string())),
        }
    }
}
