//! The control API over WebSocket for app token holders (`chingu run --api ADDR`,
//! SPEC.md §9.5): `GET /api` upgrades to a WebSocket carrying one JSON-RPC message per
//! text frame, with the same methods and events as the Unix socket.
//!
//! The token comes in an `Authorization: Bearer <token>` header or, for browsers (which
//! cannot set headers on a WebSocket), a `token` query parameter. A missing, unknown or
//! revoked token is refused with HTTP 401 before the upgrade. Each call on an open
//! connection is checked against the token as the apps file says *now*, and every open
//! connection checks its token every [`REVOCATION_CHECK`]: revoking an app closes its
//! connections with close code [`CLOSE_REVOKED`] and a reason.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures::{SinkExt, StreamExt};
use tokio::sync::{mpsc, oneshot};

use super::apps::{token_digest, TokenVerifier};
use super::dispatch::{ApiContext, Identity, Session, Transport};
use super::{codes, ApiError, MAX_QUEUED_NOTIFICATIONS, MAX_REQUEST_BYTES};

/// The path the WebSocket API is served on.
pub const PATH: &str = "/api";
/// Largest WebSocket message read at all; requests between [`MAX_REQUEST_BYTES`] and this
/// get a `too_large` error and the connection carries on, larger ones close it.
pub const MAX_MESSAGE_BYTES: usize = 4 * MAX_REQUEST_BYTES;
/// How often an open connection checks that its token still works.
pub const REVOCATION_CHECK: std::time::Duration = std::time::Duration::from_secs(1);
/// The close code sent when a connection's token was revoked (1008, policy violation).
pub const CLOSE_REVOKED: u16 = 1008;
/// The close reason sent with [`CLOSE_REVOKED`].
pub const CLOSE_REVOKED_REASON: &str = "app token revoked";
/// How long a closing connection waits for the client's Close frame.
const CLOSE_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

struct Shared {
    context: ApiContext,
    verifier: Arc<TokenVerifier>,
}

/// The router serving the WebSocket API of `context` to holders of tokens `verifier`
/// accepts.
pub fn router(context: ApiContext, verifier: Arc<TokenVerifier>) -> Router {
    Router::new()
        .route(PATH, get(upgrade))
        .with_state(Arc::new(Shared { context, verifier }))
}

/// The token of a request: the bearer token, else the `token` query parameter.
fn presented_token(headers: &HeaderMap, query: &HashMap<String, String>) -> Option<String> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_owned());
    bearer.or_else(|| query.get("token").cloned())
}

fn unauthorized(message: &str) -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Bearer")],
        format!("{message}\n"),
    )
        .into_response()
}

async fn upgrade(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    ws: WebSocketUpgrade,
) -> Response {
    let metrics = &shared.context.metrics;
    let Some(token) = presented_token(&headers, &query) else {
        metrics.refused("no_token");
        return unauthorized("an app token is required: Authorization: Bearer <token> or ?token=<token>");
    };
    let identity = Identity::App {
        digest: token_digest(&token),
        verifier: shared.verifier.clone(),
    };
    if let Err(e) = identity.caller() {
        metrics.refused("unknown_token");
        return unauthorized(&e.message);
    }
    let context = shared.context.clone();
    ws.max_message_size(MAX_MESSAGE_BYTES)
        .on_upgrade(move |socket| serve_socket(socket, context, identity))
}

/// Serves one WebSocket until the client goes away.
async fn serve_socket(socket: WebSocket, context: ApiContext, identity: Identity) {
    let (mut sink, mut stream) = socket.split();
    let (out_tx, mut out_rx) = mpsc::channel::<String>(MAX_QUEUED_NOTIFICATIONS);
    let (close_tx, mut close_rx) = oneshot::channel::<CloseFrame>();
    let writer = tokio::spawn(async move {
        loop {
            tokio::select! {
                text = out_rx.recv() => match text {
                    Some(text) => {
                        if sink.send(Message::Text(text.into())).await.is_err() {
                            break;
                        }
                    }
                    None => break,
                },
                Ok(frame) = &mut close_rx => {
                    let _ = sink.send(Message::Close(Some(frame))).await;
                    break;
                }
            }
        }
    });
    let metrics = context.metrics.clone();
    let session = Session::new(context, identity.clone(), Transport::WebSocket, out_tx);
    let mut check = tokio::time::interval(REVOCATION_CHECK);
    let mut close_tx = Some(close_tx);
    loop {
        let message = tokio::select! {
            message = stream.next() => match message {
                Some(message) => message,
                None => break,
            },
            _ = check.tick() => {
                if identity.caller().is_err() {
                    metrics.call(Transport::WebSocket.as_str(), "-", "token_revoked");
                    if let Some(close) = close_tx.take() {
                        let _ = close.send(CloseFrame {
                            code: CLOSE_REVOKED,
                            reason: CLOSE_REVOKED_REASON.into(),
                        });
                    }
                    // The closing handshake: read (and drop) what the client still sends
                    // until its own Close, so the connection ends cleanly, not reset.
                    let _ = tokio::time::timeout(CLOSE_WAIT, async {
                        while let Some(Ok(message)) = stream.next().await {
                            if matches!(message, Message::Close(_)) {
                                break;
                            }
                        }
                    })
                    .await;
                    break;
                }
                continue;
            }
        };
        match message {
            Ok(Message::Text(text)) if text.len() > MAX_REQUEST_BYTES => {
                session.refuse_too_large(text.as_bytes()).await
            }
            Ok(Message::Text(text)) => {
                let session = session.clone();
                tokio::spawn(async move { session.handle_line(text.as_str()).await });
            }
            Ok(Message::Binary(_)) => {
                let error = ApiError::new(
                    codes::INVALID_REQUEST,
                    "binary_frame",
                    "binary frames are not accepted: send each JSON-RPC request as a text frame",
                );
                session.refuse(error).await;
            }
            Ok(Message::Close(_)) => break,
            Ok(Message::Ping(_) | Message::Pong(_)) => {}
            Err(e) => {
                // A protocol violation, a message over MAX_MESSAGE_BYTES, a vanished peer.
                tracing::debug!(error = %e, "WebSocket API connection failed");
                metrics.call(Transport::WebSocket.as_str(), "-", "connection_error");
                break;
            }
        }
    }
    session.unsubscribe();
    drop(session);
    let _ = writer.await;
}
