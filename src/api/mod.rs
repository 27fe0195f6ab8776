//! The local control API: JSON-RPC 2.0, one JSON object per line, served on a Unix
//! socket inside the node's home (mode 0600: only the owner can connect). The CLI is a
//! client of it, and so are third-party apps and bots. SPEC.md §9 specifies it.
//!
//! - [`server`] accepts the owner's connections on the Unix socket, [`ws`] token holders'
//!   over WebSocket; [`connection`] serves each, within the bounds of [`limits`], handing
//!   each request to a [`dispatch::Session`];
//! - [`methods`] is the method table (names, required scope, parameters), [`params`]
//!   decodes a call's parameters and says which one is wrong and how;
//! - [`error`] is the error answer: a code, a stable reason and the details a client
//!   needs to say it in its user's language;
//! - [`apps`] keeps third-party apps' tokens and checks them;
//! - [`client`] is the blocking-free client the CLI uses.

pub mod apps;
pub mod client;
pub mod connection;
pub mod dispatch;
pub mod error;
pub mod limits;
pub mod method_table;
pub mod methods;
pub mod params;
pub mod server;
#[cfg(feature = "websocket")]
pub mod ws;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Version of the API (`api.version`). Bumped on incompatible changes only.
pub const API_VERSION: u32 = 1;
pub use error::ApiError;
pub use limits::MAX_REQUEST_BYTES;

/// JSON-RPC error codes (SPEC.md §9.3).
pub mod codes {
    /// Not JSON.
    pub const PARSE_ERROR: i64 = -32700;
    /// JSON, but not a request object.
    pub const INVALID_REQUEST: i64 = -32600;
    /// No such method.
    pub const METHOD_NOT_FOUND: i64 = -32601;
    /// Parameters missing or of the wrong type.
    pub const INVALID_PARAMS: i64 = -32602;
    /// A bug or an unexpected failure inside the node.
    pub const INTERNAL: i64 = -32603;
    /// The node failed to do what was asked (network, storage).
    pub const NODE_ERROR: i64 = -32000;
    /// The thing named does not exist.
    pub const NOT_FOUND: i64 = -32001;
    /// The input is invalid (phone number, address, code…).
    pub const INVALID_INPUT: i64 = -32002;
    /// The caller's token lacks the scope this method needs, or is unknown/revoked.
    pub const FORBIDDEN: i64 = -32003;
    /// Refused for safety: a contact's key changed, a conflict awaits verification.
    pub const BLOCKED: i64 = -32004;
}

/// What a caller may do. The owner (Unix socket) may do everything; apps get the scopes
/// their token carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Read status, history, events.
    Read,
    /// Send messages.
    Send,
    /// Read and change contacts.
    Contacts,
    /// Manage groups and meetups.
    Groups,
    /// Issue vouchers in this node's name and see them redeemed (a shop's app).
    Issue,
}

impl Scope {
    /// Every scope.
    pub const ALL: [Scope; 5] = [Scope::Read, Scope::Send, Scope::Contacts, Scope::Groups, Scope::Issue];

    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Send => "send",
            Scope::Contacts => "contacts",
            Scope::Groups => "groups",
            Scope::Issue => "issue",
        }
    }
}

impl std::str::FromStr for Scope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Scope::ALL.into_iter().find(|scope| scope.as_str() == s).ok_or_else(|| {
            format!(
                "unknown scope {} (expected read, send, contacts, groups or issue)",
                crate::text::quote(s)
            )
        })
    }
}

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// The node's owner (Unix socket): every method.
    Owner,
    /// A third-party app holding a token.
    App {
        /// The app's name.
        name: String,
        /// What its token allows.
        scopes: Vec<Scope>,
    },
}

impl Caller {
    /// Whether this caller holds `scope`.
    pub fn may(&self, scope: Scope) -> bool {
        match self {
            Caller::Owner => true,
            Caller::App { scopes, .. } => scopes.contains(&scope),
        }
    }
}

/// A request as it arrives.
#[derive(Debug, Clone, Deserialize)]
pub struct Request {
    /// Must be `"2.0"`.
    pub jsonrpc: String,
    /// Absent for notifications (which get no answer).
    #[serde(default)]
    pub id: Option<Value>,
    /// The method name.
    pub method: String,
    /// Parameters (an object, or absent).
    #[serde(default)]
    pub params: Value,
}

/// A response line.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Response {
    /// Always `"2.0"`.
    pub jsonrpc: String,
    /// The request's id (null when the request could not be parsed).
    pub id: Value,
    /// The result, on success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    /// The error, on failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
}

impl Response {
    /// A response carrying `outcome` for request `id`.
    pub fn new(id: Value, outcome: Result<Value, ApiError>) -> Self {
        let (result, error) = match outcome {
            Ok(v) => (Some(v), None),
            Err(e) => (None, Some(e)),
        };
        Self {
            jsonrpc: "2.0".into(),
            id,
            result,
            error,
        }
    }
}

/// A server-to-client notification (events).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Notification {
    /// Always `"2.0"`.
    pub jsonrpc: String,
    /// Always `"event"`.
    pub method: String,
    /// The event object.
    pub params: Value,
}

impl Notification {
    /// An event notification.
    pub fn event(params: Value) -> Self {
        Self {
            jsonrpc: "2.0".into(),
            method: "event".into(),
            params,
        }
    }
}
