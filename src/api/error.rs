//! The API's error answer (SPEC.md §9.3): a JSON-RPC code, an English message for logs
//! and for clients that know no better, and `data` holding a stable `reason` and the
//! details a client needs to say the error in its user's language
//! ([`crate::i18n::refusals`] does, for the CLI and the chat UI). The node's refusals
//! bring their own details ([`ApiError::from_refusal`]); the node's failures get theirs
//! here (`From<NodeError>`), and the API layer's own errors where they are made
//! ([`super::params`] for bad parameters, [`super::dispatch`] for requests it cannot
//! take).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::codes;
use crate::node::refusal::{Refusal, RefusalKind};
use crate::store::StoreError;
use crate::NodeError;

/// An error answered to a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    /// JSON-RPC error code (see [`codes`]).
    pub code: i64,
    /// Human-readable explanation.
    pub message: String,
    /// Machine-readable details: `{"reason": "<stable name>", …}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl ApiError {
    /// An error with a code, a message (cut to [`crate::text::MAX_ERROR_CHARS`]: errors
    /// never echo a huge input back) and a stable reason name.
    pub fn new(code: i64, reason: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            code,
            message: crate::text::shorten(&message, crate::text::MAX_ERROR_CHARS).into_owned(),
            data: Some(serde_json::json!({ "reason": reason })),
        }
    }

    /// Adds the detail `key` to `data`, cut like the message (as [`Refusal::with`] cuts
    /// a refusal's).
    pub fn with(mut self, key: &str, value: impl std::fmt::Display) -> Self {
        let value = value.to_string();
        let value = crate::text::shorten(&value, crate::text::MAX_ERROR_CHARS).into_owned();
        if let Some(Value::Object(data)) = &mut self.data {
            data.insert(key.into(), value.into());
        }
        self
    }

    /// A node's refusal: its kind's code, and `data` holding the reason and the details
    /// (the message cut like [`ApiError::new`]'s, the details by [`Refusal::with`]).
    pub fn from_refusal(refusal: &Refusal) -> Self {
        let code = match refusal.kind {
            RefusalKind::NotFound => codes::NOT_FOUND,
            RefusalKind::Invalid => codes::INVALID_INPUT,
            RefusalKind::Blocked => codes::BLOCKED,
        };
        let mut data = serde_json::Map::new();
        data.insert("reason".into(), refusal.reason.into());
        for (key, value) in &refusal.details {
            data.insert((*key).into(), value.clone().into());
        }
        Self {
            code,
            message: crate::text::shorten(&refusal.message, crate::text::MAX_ERROR_CHARS).into_owned(),
            data: Some(Value::Object(data)),
        }
    }

    /// A failure inside the node that is nobody's input's fault (`internal`): what
    /// failed, in English, as its `detail`.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        let detail = detail.to_string();
        ApiError::new(codes::INTERNAL, "internal", &detail).with("detail", detail)
    }

    /// A detail of `data` (besides the reason), as text.
    pub fn detail(&self, key: &str) -> Option<&str> {
        self.data.as_ref()?.get(key)?.as_str()
    }

    /// The stable reason name, if any.
    pub fn reason(&self) -> Option<&str> {
        self.data.as_ref()?.get("reason")?.as_str()
    }
}

impl From<NodeError> for ApiError {
    fn from(e: NodeError) -> Self {
        ApiError::from(&e)
    }
}

impl From<&NodeError> for ApiError {
    /// The node's failures, each with a reason and its details (`detail`: the English
    /// words of what failed, shown after a translated sentence). Every variant is listed:
    /// a new one needs its reason, and that reason its texts. The CLI says the failures it
    /// meets starting the node itself (`chingu run`) with these too.
    fn from(e: &NodeError) -> Self {
        let message = e.to_string();
        let failed = |reason| ApiError::new(codes::NODE_ERROR, reason, &message);
        match e {
            NodeError::Refused(refusal) => ApiError::from_refusal(refusal),
            NodeError::Name(name) => ApiError::new(codes::INVALID_INPUT, name.reason(), &message),
            NodeError::Stopped { panic: None } => failed("stopped"),
            NodeError::Stopped { panic: Some(panic) } => failed("stopped").with("detail", panic),
            NodeError::InvalidAddress { addr, source } => {
                ApiError::new(codes::INVALID_INPUT, "invalid_address", &message)
                    .with("address", crate::text::shorten(addr, crate::text::MAX_QUOTE_CHARS))
                    .with("detail", words(source.as_ref()))
            }
            NodeError::Listen { addr, source } => failed("cannot_listen")
                .with("address", crate::text::shorten(addr, crate::text::MAX_QUOTE_CHARS))
                .with("detail", words(source.as_ref())),
            NodeError::Dial { peer, source } => failed("unreachable")
                .with("peer", peer)
                .with("detail", words(source.as_ref())),
            NodeError::Dht { op, source } => failed("dht_failed")
                .with("op", op)
                .with("detail", words(source.as_ref())),
            NodeError::Store(store) => ApiError::storage(store),
            NodeError::Task { what, source } => failed("task_failed").with("task", what).with("detail", words(source)),
            NodeError::Internal { what, source } => ApiError::new(codes::INTERNAL, "internal", &message)
                .with("step", what)
                .with("detail", words(source.as_ref())),
            NodeError::Transport(_) | NodeError::Home(_) => failed("node_error").with("detail", &message),
        }
    }
}

impl ApiError {
    /// A database failure (`storage`): what it means for its owner (`problem`), the
    /// database's `path` when the failure names it (the CLI meets those opening the
    /// database itself), and the database's own words (`detail`).
    pub fn storage(error: &StoreError) -> Self {
        let failed =
            ApiError::new(codes::NODE_ERROR, "storage", error.to_string()).with("problem", storage_problem(error));
        match error {
            StoreError::Open { path, message } => failed.with("path", path.display()).with("detail", message),
            StoreError::Damaged { path, detail } => failed.with("path", path.display()).with("detail", detail),
            StoreError::Locked { path } => failed.with("path", path.display()),
            StoreError::Permissions { path, source } => {
                failed.with("path", path.display()).with("detail", words(source))
            }
            StoreError::NewerSchema { .. } | StoreError::Corrupt { .. } | StoreError::Sled(_) => {
                failed.with("detail", error)
            }
        }
    }
}

/// An error's words and its sources', each said once (libp2p's transport errors say
/// nothing themselves and leave it to their source).
fn words(error: &(dyn std::error::Error + 'static)) -> String {
    let mut words = String::new();
    let mut next = Some(error);
    while let Some(error) = next {
        let said = error.to_string();
        if !said.is_empty() && !words.contains(&said) {
            if !words.is_empty() {
                words.push_str(": ");
            }
            words.push_str(&said);
        }
        next = error.source();
    }
    words
}

/// What a database failure means for its owner (the `problem` of `storage`): `no_space`,
/// `damaged`, `newer_schema`, `locked` or `other`.
fn storage_problem(error: &StoreError) -> &'static str {
    match error {
        StoreError::Sled(sled::Error::Io(io)) if io.kind() == std::io::ErrorKind::StorageFull => "no_space",
        StoreError::Sled(sled::Error::Corruption { .. }) | StoreError::Corrupt { .. } | StoreError::Damaged { .. } => {
            "damaged"
        }
        StoreError::NewerSchema { .. } => "newer_schema",
        StoreError::Locked { .. } => "locked",
        _ => "other",
    }
}
