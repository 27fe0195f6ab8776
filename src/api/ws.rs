//! The control API over WebSocket for app token holders (`chingu run --api ADDR`,
//! SPEC.md §9.5): `GET /api` upgrades to a WebSocket carrying one JSON-RPC message per
//! text frame, with the same methods and events as the Unix socket.
//!
//! The token comes in an `Authorization: Bearer <token>` header or, for browsers (which
//! cannot set headers on a WebSocket), a `token` query parameter. A missing, unknown or
//! revoked token is refused with HTTP 401 before the upgrade, its JSON body said in the
//! language the request accepts (`Accept-Language`). Each call on an open
//! connection is checked against the token as the apps file says *now*, and every open
//! connection checks its token every [`super::connection::REVOCATION_CHECK`]: revoking an
//! app closes its connections with close code 1008 and [`CLOSE_REVOKED_REASON`].
//!
//! Every TCP connection takes a place in the transport's [`ConnectionTable`] from accept
//! on, so the cap and eviction of [`super::limits`] cover connections that never finish
//! their upgrade too; those are closed after `request_timeout`. A frame over
//! `max_request_bytes` is refused from its header, before it is buffered.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::connect_info::Connected;
use axum::extract::ws::{close_code, CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::serve::{IncomingStream, Listener};
use axum::Router;
use futures::stream::{SplitSink, SplitStream};
use futures::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::WaitForCancellationFutureOwned;

use super::apps::{no_token, token_digest, TokenVerifier};
use super::connection::{self, Answers, Received, Requests};
use super::dispatch::{id_hint, ApiContext, Identity, Session, Transport};
use super::limits::{Admission, ApiLimits, CloseReason, ConnectionTable, OutQueue, Slot, LINGER};
use super::ApiError;
use crate::i18n::Lang;
use crate::metrics::{BindError, HttpServer};

/// The path the WebSocket API is served on.
pub const PATH: &str = "/api";
/// The close reason sent when a connection's token was revoked (with close code 1008,
/// policy violation).
pub const CLOSE_REVOKED_REASON: &str = "app token revoked";
/// Bytes read from the socket at a time (tungstenite's read buffer).
const READ_BUFFER_BYTES: usize = 16 << 10;
/// Bytes of frames gathered before they are written (a flush writes them at once anyway).
const WRITE_BUFFER_BYTES: usize = 16 << 10;

struct Shared {
    context: ApiContext,
    verifier: Arc<TokenVerifier>,
}

/// Serves the WebSocket API of `context` on `addr` to holders of tokens `verifier`
/// accepts, within `context.limits`.
pub async fn serve(
    addr: SocketAddr,
    context: ApiContext,
    verifier: Arc<TokenVerifier>,
) -> Result<HttpServer, BindError> {
    let tcp = TcpListener::bind(addr)
        .await
        .map_err(|source| BindError { addr, source })?;
    let local = tcp.local_addr().map_err(|source| BindError { addr, source })?;
    let listener = AdmittingListener {
        tcp,
        table: ConnectionTable::new(
            Transport::WebSocket.as_str(),
            context.limits.max_connections,
            context.metrics.clone(),
        ),
        context: context.clone(),
    };
    let app = router(context, verifier).into_make_service_with_connect_info::<Admitted>();
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "WebSocket API server stopped");
        }
    });
    Ok(HttpServer::from_task(local, task))
}

/// The router serving the WebSocket API; it needs connections accepted by [`serve`].
fn router(context: ApiContext, verifier: Arc<TokenVerifier>) -> Router {
    Router::new()
        .route(PATH, get(upgrade))
        .with_state(Arc::new(Shared { context, verifier }))
}

/// Accepts TCP connections into the transport's connection table.
struct AdmittingListener {
    tcp: TcpListener,
    table: Arc<ConnectionTable>,
    context: ApiContext,
}

/// A connection's place and state, handed to the upgrade handler.
#[derive(Debug, Clone)]
pub struct Admitted {
    slot: Arc<Slot>,
    upgraded: Arc<AtomicBool>,
}

impl Connected<IncomingStream<'_, AdmittingListener>> for Admitted {
    fn connect_info(stream: IncomingStream<'_, AdmittingListener>) -> Self {
        stream.remote_addr().clone()
    }
}

impl Listener for AdmittingListener {
    type Io = AdmittedStream;
    type Addr = Admitted;

    async fn accept(&mut self) -> (AdmittedStream, Admitted) {
        loop {
            let stream = match self.tcp.accept().await {
                Ok((stream, _)) => stream,
                Err(e) => {
                    tracing::warn!(error = %e, "WebSocket API accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            };
            let admission = self.table.admit();
            let admitted = Admitted {
                slot: admission.slot().clone(),
                upgraded: Arc::new(AtomicBool::new(false)),
            };
            close_unless_upgraded(admitted.clone(), self.context.clone());
            let closing = Box::pin(admission.slot().closing_token().cancelled_owned());
            return (
                AdmittedStream {
                    stream: Some(stream),
                    admission,
                    closing,
                },
                admitted,
            );
        }
    }

    fn local_addr(&self) -> std::io::Result<Admitted> {
        Err(std::io::Error::other("connections are named by their admission"))
    }
}

/// Closes a connection that has not upgraded within `request_timeout`.
fn close_unless_upgraded(admitted: Admitted, context: ApiContext) {
    tokio::spawn(async move {
        tokio::select! {
            () = tokio::time::sleep(context.limits.request_timeout) => {
                if !admitted.upgraded.load(Ordering::Acquire) {
                    context.metrics.closed_by_server(
                        Transport::WebSocket.as_str(),
                        CloseReason::RequestTimeout.as_str(),
                    );
                    admitted.slot.close();
                }
            }
            () = admitted.slot.closing() => {}
        }
    });
}

/// A TCP stream holding its place in the connection table; it fails once the connection
/// must close (evicted, timed out), which ends HTTP and WebSocket alike.
pub struct AdmittedStream {
    stream: Option<TcpStream>,
    admission: Admission,
    closing: Pin<Box<WaitForCancellationFutureOwned>>,
}

impl AdmittedStream {
    fn closed(&mut self, cx: &mut Context<'_>) -> bool {
        self.closing.as_mut().poll(cx).is_ready()
    }

    fn stream(&mut self) -> Pin<&mut TcpStream> {
        Pin::new(self.stream.as_mut().expect("taken only on drop"))
    }
}

impl Drop for AdmittedStream {
    /// A connection closed for a frame over the limit is read out for [`LINGER`] first,
    /// so that the client reads the error and the close frame rather than a reset.
    fn drop(&mut self) {
        let (Some(mut stream), Ok(runtime)) = (self.stream.take(), tokio::runtime::Handle::try_current()) else {
            return;
        };
        if self.admission.slot().lingers() {
            runtime.spawn(async move {
                use tokio::io::AsyncReadExt;
                let mut sink = [0u8; 4096];
                let drain = async { while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {} };
                let _ = tokio::time::timeout(LINGER, drain).await;
            });
        }
    }
}

fn aborted() -> std::io::Error {
    std::io::Error::from(std::io::ErrorKind::ConnectionAborted)
}

impl AsyncRead for AdmittedStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        if self.closed(cx) {
            return Poll::Ready(Err(aborted()));
        }
        let before = buf.filled().len();
        let result = self.stream().poll_read(cx, buf);
        if buf.filled().len() > before {
            // Bytes of a request (or of the upgrade) arrived: the rest must follow in time.
            self.admission.slot().request_started();
        }
        result
    }
}

impl AsyncWrite for AdmittedStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        if self.closed(cx) {
            return Poll::Ready(Err(aborted()));
        }
        self.stream().poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.stream().poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.stream().poll_shutdown(cx)
    }
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

/// The refusal of an upgrade without a valid token: HTTP 401 with a JSON body holding
/// the error as §9.3 has it (`error`) and, as `text`, the error said in the language
/// `Accept-Language` prefers among ours (else English), named by `lang` and
/// `Content-Language` (SPEC.md §9.7).
fn unauthorized(error: ApiError, headers: &HeaderMap) -> Response {
    let lang = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Lang::from_accept_language)
        .unwrap_or(Lang::En);
    let text = crate::i18n::in_lang(lang, || crate::i18n::api_errors::api(&error));
    let body = serde_json::json!({ "error": error, "lang": lang.code(), "text": text });
    (
        StatusCode::UNAUTHORIZED,
        [
            (header::WWW_AUTHENTICATE, "Bearer"),
            (header::CONTENT_LANGUAGE, lang.code()),
        ],
        axum::Json(body),
    )
        .into_response()
}

async fn upgrade(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(admitted): ConnectInfo<Admitted>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    ws: WebSocketUpgrade,
) -> Response {
    let metrics = &shared.context.metrics;
    let Some(token) = presented_token(&headers, &query) else {
        metrics.refused("no_token");
        return unauthorized(no_token(), &headers);
    };
    let identity = Identity::App {
        digest: token_digest(&token),
        verifier: shared.verifier.clone(),
    };
    if let Err(e) = identity.caller() {
        metrics.refused("unknown_token");
        return unauthorized(e, &headers);
    }
    admitted.upgraded.store(true, Ordering::Release);
    admitted.slot.request_ignored();
    let context = shared.context.clone();
    let limits: ApiLimits = context.limits;
    ws.max_message_size(limits.max_request_bytes)
        .max_frame_size(limits.max_request_bytes)
        .read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(WRITE_BUFFER_BYTES)
        .on_upgrade(move |socket| serve_socket(socket, context, identity, admitted.slot))
}

/// Serves one WebSocket until the client goes away or the server closes it.
async fn serve_socket(socket: WebSocket, context: ApiContext, identity: Identity, slot: Arc<Slot>) {
    let (sink, stream) = socket.split();
    let (queue, out) = OutQueue::new(context.limits.max_queued_bytes, slot.clone());
    let requests = Frames {
        stream,
        max: context.limits.max_request_bytes,
        metrics: context.metrics.clone(),
    };
    let session = Session::new(context, identity, Transport::WebSocket, queue, slot.clone());
    connection::serve(requests, FrameWriter(sink), session, out, slot).await;
}

/// One request per text frame.
struct Frames {
    stream: SplitStream<WebSocket>,
    max: usize,
    metrics: crate::metrics::ApiMetrics,
}

impl Requests for Frames {
    async fn next(&mut self) -> Received {
        match self.stream.next().await {
            None | Some(Ok(Message::Close(_))) => Received::End,
            Some(Ok(Message::Text(text))) if text.len() > self.max => Received::TooLarge {
                id: id_hint(text.as_bytes()),
            },
            Some(Ok(Message::Text(text))) => Received::Request(text.as_str().to_owned()),
            Some(Ok(Message::Binary(_))) => Received::Unreadable(super::dispatch::binary_frame()),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => Received::Ignored,
            Some(Err(e)) => {
                let inner = e.into_inner();
                if let Some(tungstenite::Error::Capacity(_)) = inner.downcast_ref::<tungstenite::Error>() {
                    // A frame header announced more than the limit: nothing was buffered.
                    return Received::TooLarge { id: Value::Null };
                }
                // A protocol violation, a vanished peer.
                tracing::debug!(error = %inner, "WebSocket API connection failed");
                self.metrics
                    .call(Transport::WebSocket.as_str(), "-", "connection_error");
                Received::End
            }
        }
    }

    /// Reads (and drops) what the client still sends until its Close: the closing
    /// handshake after a revoked token. After a frame over the limit the WebSocket reads
    /// no more; [`AdmittedStream`] reads the socket out when it is let go.
    async fn drain(&mut self) {
        while let Some(Ok(message)) = self.stream.next().await {
            if matches!(message, Message::Close(_)) {
                return;
            }
        }
    }
}

/// Writes each answer as a text frame.
struct FrameWriter(SplitSink<WebSocket, Message>);

impl Answers for FrameWriter {
    async fn send(&mut self, text: String) -> std::io::Result<()> {
        self.0
            .send(Message::Text(text.into()))
            .await
            .map_err(std::io::Error::other)
    }

    async fn finish(mut self, reason: Option<CloseReason>) {
        let code = match reason {
            None => close_code::NORMAL,
            Some(CloseReason::TooLarge) => close_code::SIZE,
            Some(CloseReason::RequestTimeout | CloseReason::IdleTimeout | CloseReason::Revoked) => close_code::POLICY,
            Some(CloseReason::Evicted) => close_code::AGAIN,
        };
        let text = match reason {
            Some(CloseReason::Revoked) => CLOSE_REVOKED_REASON,
            other => other.map_or("", CloseReason::as_str),
        };
        let frame = CloseFrame {
            code,
            reason: text.into(),
        };
        let _ = self.0.send(Message::Close(Some(frame))).await;
        let _ = self.0.close().await;
    }
}
