//! Transport-independent request handling: a [`Session`] is one client connection,
//! whatever carries it (a Unix-socket line or a WebSocket text frame). It parses each
//! request, resolves the caller's identity afresh for every call (so a revoked token stops
//! working at once), checks the method's scope, runs it, counts it and queues the answer
//! (on the connection's byte-bounded [`OutQueue`], waiting for room: see [`super::limits`]);
//! it also owns the connection's event subscription and ends it when the client goes.

use std::sync::{Arc, Mutex};

use futures::StreamExt;
use serde_json::Value;
use tokio::task::JoinHandle;

use super::apps::TokenVerifier;
use super::limits::{ApiLimits, OutQueue, QueueError, Slot};
use super::methods::{self, SUBSCRIBE, UNSUBSCRIBE};
use super::{codes, ApiError, Caller, Notification, Response, Scope};
use crate::metrics::ApiMetrics;
use crate::node::Event;
use crate::NodeHandle;

/// What every transport shares: the node, the API's counters and its bounds.
#[derive(Debug, Clone)]
pub struct ApiContext {
    /// The node requests run against.
    pub node: NodeHandle,
    /// Counters of calls and connections.
    pub metrics: ApiMetrics,
    /// Bounds on what clients can make the node hold.
    pub limits: ApiLimits,
}

/// Who is on the other end of a connection.
#[derive(Debug, Clone)]
pub enum Identity {
    /// The owner (Unix socket).
    Owner,
    /// The holder of an app token, known by the token's digest.
    App {
        /// Hex SHA-256 of the token.
        digest: String,
        /// Checks the digest against the current apps file.
        verifier: Arc<TokenVerifier>,
    },
}

impl Identity {
    /// The caller this identity stands for now (`FORBIDDEN` once its token is revoked).
    pub fn caller(&self) -> Result<Caller, ApiError> {
        match self {
            Identity::Owner => Ok(Caller::Owner),
            Identity::App { digest, verifier } => verifier.caller(digest),
        }
    }
}

/// The transports, as named in metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// The owner's Unix socket.
    Unix,
    /// The token holders' WebSocket.
    WebSocket,
}

impl Transport {
    /// Its metrics label.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Unix => "unix",
            Transport::WebSocket => "websocket",
        }
    }
}

/// The answer to a request longer than `max` bytes (the connection is closed after it;
/// detail `max`).
pub fn too_large(max: usize) -> ApiError {
    ApiError::new(
        codes::INVALID_REQUEST,
        "too_large",
        format!("request longer than {max} bytes; send large input in several requests"),
    )
    .with("max", max)
}

/// The answer to a request that did not arrive whole in time (the connection is closed;
/// detail `seconds`).
pub fn request_timeout(limits: &ApiLimits) -> ApiError {
    let seconds = limits.request_timeout.as_secs();
    ApiError::new(
        codes::INVALID_REQUEST,
        "request_timeout",
        format!("the request did not arrive whole within {seconds} s"),
    )
    .with("seconds", seconds)
}

/// The answer to a request that is not UTF-8 (the connection carries on).
pub fn not_utf8() -> ApiError {
    ApiError::new(codes::PARSE_ERROR, "not_utf8", "request is not UTF-8")
}

/// The answer to a binary WebSocket frame (the connection carries on).
pub fn binary_frame() -> ApiError {
    ApiError::new(
        codes::INVALID_REQUEST,
        "binary_frame",
        "binary frames are not accepted: send each JSON-RPC request as a text frame",
    )
}

/// The metrics label of a request that could not be read.
const UNREADABLE: &str = "-";

/// How much of an oversized request is kept to find its id ([`id_hint`]).
pub const ID_HINT_BYTES: usize = 4096;

/// The id of a request too large to parse, from its first bytes: the value of a
/// top-level `"id"` key that comes before any object or array value (clients write
/// `{"jsonrpc":"2.0","id":7,"method":…,"params":{…}}` or, sorting keys, `{"id":7,…}`);
/// `null` when it cannot be told. Lets the error answer reach the caller waiting for it.
pub fn id_hint(prefix: &[u8]) -> Value {
    let text = String::from_utf8_lossy(&prefix[..prefix.len().min(ID_HINT_BYTES)]);
    let mut rest = text.trim_start();
    let Some(after) = rest.strip_prefix('{') else {
        return Value::Null;
    };
    rest = after;
    loop {
        // A key.
        rest = rest.trim_start();
        let Some((key, after)) = json_string(rest) else {
            return Value::Null;
        };
        let Some(after) = after.trim_start().strip_prefix(':') else {
            return Value::Null;
        };
        rest = after.trim_start();
        // Its value, when it is a scalar.
        let end = match rest.chars().next() {
            Some('"') => match json_string(rest) {
                Some((_, after)) => rest.len() - after.len(),
                None => return Value::Null,
            },
            Some('-' | '0'..='9' | 't' | 'f' | 'n') => rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '+' | '.')))
                .unwrap_or(rest.len()),
            _ => return Value::Null,
        };
        let (value, after) = rest.split_at(end);
        if key == "id" {
            return serde_json::from_str(value)
                .ok()
                .filter(|v: &Value| v.is_string() || v.is_number())
                .unwrap_or(Value::Null);
        }
        match after.trim_start().strip_prefix(',') {
            Some(after) => rest = after,
            None => return Value::Null,
        }
    }
}

/// A JSON string at the start of `text`: its decoded value and the text after it.
fn json_string(text: &str) -> Option<(String, &str)> {
    let body = text.strip_prefix('"')?;
    let mut escaped = false;
    for (index, c) in body.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => {
                let literal = &text[..index + 2];
                return Some((serde_json::from_str(literal).ok()?, &body[index + 1..]));
            }
            _ => {}
        }
    }
    None
}

/// One client connection.
pub struct Session {
    context: ApiContext,
    identity: Identity,
    transport: Transport,
    out: OutQueue,
    slot: Arc<Slot>,
    subscription: Mutex<Option<JoinHandle<()>>>,
}

impl Drop for Session {
    fn drop(&mut self) {
        self.unsubscribe();
        self.context.metrics.closed(self.transport.as_str());
    }
}

impl Session {
    /// A connection of `identity` over `transport`, in `slot` of its transport's table;
    /// answers and notifications go to `out` (one JSON text each), which the transport
    /// writes out.
    pub fn new(
        context: ApiContext,
        identity: Identity,
        transport: Transport,
        out: OutQueue,
        slot: Arc<Slot>,
    ) -> Arc<Self> {
        context.metrics.opened(transport.as_str());
        Arc::new(Self {
            context,
            identity,
            transport,
            out,
            slot,
            subscription: Mutex::new(None),
        })
    }

    /// The bounds this connection is served with.
    pub fn limits(&self) -> &ApiLimits {
        &self.context.limits
    }

    /// Counts a connection closed by the server and why.
    pub fn closed_because(&self, reason: super::limits::CloseReason) {
        self.context
            .metrics
            .closed_by_server(self.transport.as_str(), reason.as_str());
        if reason == super::limits::CloseReason::Revoked {
            self.context
                .metrics
                .call(self.transport.as_str(), UNREADABLE, reason.as_str());
        }
    }

    /// Whether the caller's app token can be revoked while the connection is open.
    pub fn revocable(&self) -> bool {
        matches!(self.identity, Identity::App { .. })
    }

    /// Whether the caller's token no longer works (always false for the owner).
    pub fn revoked(&self) -> bool {
        self.identity.caller().is_err()
    }

    /// Counts a stop in reading because answers were not taken.
    pub fn backpressure(&self) {
        self.context.metrics.backpressure(self.transport.as_str());
    }

    /// Counts a request's outcome and queues its answer (none for a notification, a
    /// request without id).
    async fn answer(&self, id: Option<Value>, method: &'static str, outcome: Result<Value, ApiError>) {
        let label = match &outcome {
            Ok(_) => "ok",
            Err(e) => e.reason().unwrap_or("error"),
        };
        self.context.metrics.call(self.transport.as_str(), method, label);
        if let Some(id) = id {
            let line = serde_json::to_string(&Response::new(id, outcome)).expect("responses serialise");
            let _ = self.out.send(line).await;
        }
        self.slot.request_done();
    }

    /// Sends `error` for request `id` if the queue has room now, without waiting: the
    /// last word on a connection the server closes.
    pub fn tell(&self, id: Value, error: ApiError) {
        let label = error.reason().unwrap_or("error").to_owned();
        self.context.metrics.call(self.transport.as_str(), UNREADABLE, &label);
        let line = serde_json::to_string(&Response::new(id, Err(error))).expect("responses serialise");
        let _ = self.out.try_send(line);
    }

    /// Answers (with a null id) a message the transport could not read as text: not
    /// UTF-8, a binary frame.
    pub async fn refuse(&self, error: ApiError) {
        self.answer(Some(Value::Null), UNREADABLE, Err(error)).await;
    }

    /// Handles one request's text: parses it, checks the caller, runs it and queues the
    /// answer.
    pub async fn handle_line(&self, line: &str) {
        let value = match super::params::parse(line) {
            Ok(v) => v,
            Err(error) => return self.refuse(error).await,
        };
        let id = Some(value.get("id").cloned().unwrap_or(Value::Null));
        let request = match super::params::request(value) {
            Ok(r) => r,
            Err(error) => return self.answer(id, UNREADABLE, Err(error)).await,
        };
        let label = methods::find(&request.method).map_or("unknown", |m| m.name);
        let outcome = match self.identity.caller() {
            Err(e) => Err(e),
            Ok(caller) => match request.method.as_str() {
                SUBSCRIBE | UNSUBSCRIBE => self.subscription_call(&caller, &request.method),
                _ => methods::call(&self.context.node, &caller, &request.method, request.params).await,
            },
        };
        self.answer(request.id, label, outcome).await;
    }

    fn subscription_call(&self, caller: &Caller, method: &str) -> Result<Value, ApiError> {
        let spec = methods::find(method).expect("listed");
        methods::authorize(caller, spec)?;
        if method == UNSUBSCRIBE {
            self.unsubscribe();
            return Ok(serde_json::json!({ "subscribed": false }));
        }
        let mut subscription = self.subscription.lock().expect("not poisoned");
        if subscription.is_none() {
            let events = self.context.node.events();
            *subscription = Some(tokio::spawn(forward_events(
                events,
                self.identity.clone(),
                self.out.clone(),
                (self.context.metrics.clone(), self.transport.as_str()),
            )));
            self.slot.set_subscribed(true);
        }
        Ok(serde_json::json!({ "subscribed": true }))
    }

    /// Ends the event subscription, if any.
    pub fn unsubscribe(&self) {
        if let Some(task) = self.subscription.lock().expect("not poisoned").take() {
            task.abort();
            self.slot.set_subscribed(false);
        }
    }
}

/// Sends events to a subscriber as notifications while it still may read them; a slow
/// subscriber gets [`Event::Lagged`] instead of what it missed (counted in `metrics`).
async fn forward_events(
    mut events: crate::node::EventStream,
    identity: Identity,
    out: OutQueue,
    (metrics, transport): (ApiMetrics, &'static str),
) {
    let mut missed = 0u64;
    while let Some(event) = events.next().await {
        if !identity.caller().is_ok_and(|caller| caller.may(Scope::Read)) {
            break;
        }
        if missed > 0 {
            let lag = Notification::event(serde_json::to_value(Event::Lagged { missed }).expect("serialises"));
            if out.try_send(serde_json::to_string(&lag).expect("serialises")).is_ok() {
                missed = 0;
            }
        }
        let line = serde_json::to_string(&Notification::event(serde_json::to_value(&event).expect("serialises")))
            .expect("serialises");
        match out.try_send(line) {
            Ok(()) => {}
            Err(QueueError::Full) => {
                missed += 1;
                metrics.events_dropped(transport, 1);
            }
            Err(QueueError::Closed) => break,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_id_of_a_request_too_large_to_read() {
        let big = "x".repeat(10 * ID_HINT_BYTES);
        for (text, id) in [
            (
                format!(r#"{{"id":7,"jsonrpc":"2.0","method":"contacts.import","params":{{"content":"{big}"}}}}"#),
                json!(7),
            ),
            (
                format!(r#"{{ "jsonrpc" : "2.0", "id" : "a\"b", "params": {{"content":"{big}"}} }}"#),
                json!("a\"b"),
            ),
            (
                format!(r#"{{"jsonrpc":"2.0","method":"x","params":["{big}"],"id":3}}"#),
                Value::Null,
            ),
            (format!(r#"{{"params":{{}},"id":3,"x":"{big}"}}"#), Value::Null),
            (format!(r#"{{"id":{{"nested":1}},"x":"{big}"}}"#), Value::Null),
            (format!(r#"{{"id":true,"x":"{big}"}}"#), Value::Null),
            (big.clone(), Value::Null),
            (String::new(), Value::Null),
        ] {
            assert_eq!(id_hint(text.as_bytes()), id, "{}", &text[..60.min(text.len())]);
        }
        // Cut in the middle of a multi-byte character or of the id itself.
        assert_eq!(id_hint("{\"id\":12".as_bytes()), json!(12));
        assert_eq!(id_hint("{\"id\":\"한".as_bytes()), Value::Null);
    }
}
