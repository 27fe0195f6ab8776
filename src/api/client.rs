//! A client for the control API over the Unix socket, used by the CLI and the chat UI.
//! Event notifications that arrive while waiting for a response are queued and returned
//! by [`ApiClient::next_event`]. Calls are made one at a time, so an error the node could
//! only answer with a null id (a request too large to read) belongs to the call waiting,
//! which fails at once. Address books larger than a request are imported in parts
//! ([`ApiClient::import_persons`]).

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use futures::StreamExt;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::UnixStream;
use tokio_util::codec::{FramedRead, LinesCodec, LinesCodecError};

use super::{ApiError, Response, MAX_REQUEST_BYTES};
use crate::contacts::import::{ImportReport, ImportedPerson};
use crate::node::ImportSummary;

/// Longest answer line the client reads (the node's own answers: a page of history is the
/// largest).
pub const MAX_ANSWER_BYTES: usize = 64 << 20;

/// Most bytes of persons (as JSON) sent in one `contacts.import` call: a quarter of the
/// request limit, so a part never comes near it.
pub const IMPORT_PART_BYTES: usize = MAX_REQUEST_BYTES / 4;

/// Client-side failures ([`crate::i18n::api_errors::client`] says them in the user's
/// language).
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
    /// The socket answers but the connection could not be made.
    #[error("cannot connect to the node at {socket}: {source}")]
    Connect {
        /// The socket tried.
        socket: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The connection broke.
    #[error("lost the connection to the node: {0}")]
    Io(#[from] std::io::Error),
    /// The node's answer was longer than the client reads ([`MAX_ANSWER_BYTES`]).
    #[error("the node's answer is longer than {max} bytes")]
    AnswerTooLarge {
        /// The most bytes read.
        max: usize,
    },
    /// The node answered something that is not JSON-RPC.
    #[error("unexpected answer from the node: {0}")]
    Protocol(String),
    /// The node answered with an error.
    #[error("{0}")]
    Rpc(#[from] ApiError),
}

impl ClientError {
    /// Whether the connection is no use after this error (a pooled client is dropped).
    pub fn breaks_connection(&self) -> bool {
        matches!(
            self,
            ClientError::Io(_) | ClientError::Protocol(_) | ClientError::AnswerTooLarge { .. }
        )
    }
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
            _ => ClientError::Connect {
                socket: socket.to_owned(),
                source: e,
            },
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
                // A null id answers a request the node could not read (too large, not
                // UTF-8): with one call in flight, that request is ours.
                if let (Value::Null, Some(error)) = (&response.id, response.error) {
                    return Err(ClientError::Rpc(error));
                }
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

    /// Imports the persons of a parsed address book, in as many `contacts.import` calls as
    /// needed to keep each under [`IMPORT_PART_BYTES`]; `progress(sent, total)` is called
    /// after each part. Returns the summaries added up, with the parser's issues and
    /// merges included.
    pub async fn import_persons(
        &mut self,
        report: ImportReport,
        mut progress: impl FnMut(usize, usize),
    ) -> Result<ImportSummary, ClientError> {
        let total = report.persons.len();
        let mut summary = ImportSummary {
            duplicates_merged: report.duplicates_merged,
            issues: report.issues,
            ..ImportSummary::default()
        };
        let mut sent = 0;
        for part in parts(&report.persons, IMPORT_PART_BYTES) {
            let answer: ImportSummary = self.call_as("contacts.import", json!({ "persons": part })).await?;
            summary.persons += answer.persons;
            summary.read += answer.read;
            summary.added += answer.added;
            summary.duplicates_merged += answer.duplicates_merged;
            summary.issues.extend(answer.issues);
            summary.phones.extend(answer.phones);
            sent += part.len();
            progress(sent, total);
        }
        summary.issues.sort_by_key(|issue| issue.line);
        Ok(summary)
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
            Some(Err(LinesCodecError::MaxLineLengthExceeded)) => {
                Err(ClientError::AnswerTooLarge { max: MAX_ANSWER_BYTES })
            }
            Some(Err(LinesCodecError::Io(e))) => Err(ClientError::Io(e)),
            Some(Ok(line)) => serde_json::from_str(&line).map_err(|e| ClientError::Protocol(e.to_string())),
        }
    }
}

/// `persons` cut into runs whose JSON takes at most `limit` bytes each (a person larger
/// than `limit` goes alone).
fn parts(persons: &[ImportedPerson], limit: usize) -> Vec<&[ImportedPerson]> {
    let mut parts = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (index, person) in persons.iter().enumerate() {
        let size = serde_json::to_string(person).map_or(0, |json| json.len() + 1);
        if index > start && bytes + size > limit {
            parts.push(&persons[start..index]);
            (start, bytes) = (index, 0);
        }
        bytes += size;
    }
    if start < persons.len() {
        parts.push(&persons[start..]);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_stay_under_the_limit_and_keep_every_person() {
        let persons: Vec<ImportedPerson> = (0..1000)
            .map(|i| ImportedPerson {
                name: "Person".into(),
                numbers: vec![crate::phone::synthetic(i)],
                line: 1,
            })
            .collect();
        let one = serde_json::to_string(&persons[0]).unwrap().len() + 1;
        let parts = parts(&persons, one * 10);
        assert_eq!(parts.len(), 100);
        assert!(parts.iter().all(|p| p.len() == 10));
        assert_eq!(parts.concat(), persons);
        assert_eq!(super::parts(&persons, 1).len(), 1000, "one oversized person per part");
        assert!(super::parts(&[], 100).is_empty());
    }

    /// A node that could not read a request answers with a null id: with one call in
    /// flight, that answer is the call's (events before it are kept).
    #[tokio::test]
    async fn a_null_id_error_answers_the_call_in_flight() {
        use tokio::io::{AsyncBufReadExt, BufReader};
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("node.sock");
        let listener = tokio::net::UnixListener::bind(&socket).unwrap();
        let node = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let (read, mut write) = stream.into_split();
            let mut line = String::new();
            BufReader::new(read).read_line(&mut line).await.unwrap();
            let event = r#"{"jsonrpc":"2.0","method":"event","params":{"type":"x"}}"#;
            let refusal = r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"too large","data":{"reason":"too_large"}}}"#;
            write
                .write_all(format!("{event}\n{refusal}\n").as_bytes())
                .await
                .unwrap();
            line
        });
        let mut client = ApiClient::connect(&socket).await.unwrap();
        let answer = client.call("node.status", json!({})).await;
        match answer {
            Err(ClientError::Rpc(error)) => assert_eq!(error.reason(), Some("too_large")),
            other => panic!("expected the refusal, got {other:?}"),
        }
        assert!(node.await.unwrap().contains("node.status"));
        assert_eq!(client.events.len(), 1, "the event before it is kept");
    }
}
