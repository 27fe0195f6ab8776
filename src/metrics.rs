//! Operator metrics (`chingu run --metrics ADDR`): Prometheus/OpenMetrics text at
//! `/metrics`, and the probes `/health` (the node answers) and `/ready` (it listens and
//! has joined the DHT) for orchestrators (SPEC.md §9.8). Three sources are encoded into
//! one `/metrics` answer (SPEC.md §9.7):
//!
//! - libp2p's own metrics (`libp2p_*`), recorded by the node's actor through
//!   [`crate::node::metrics::SwarmMetrics`];
//! - the control API's counters ([`ApiMetrics`], atomics shared by every transport);
//! - the node's own counters and gauges (`chingu_*`: messages, rejections, discovery,
//!   mailbox, peers), taken from a [`Status`] snapshot the scrape asks the actor for, so
//!   the actor's state stays its own and needs no locks.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use prometheus_client::encoding::text::{encode_eof, encode_registry};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use tokio::task::JoinHandle;

use crate::node::Status;
use crate::NodeHandle;

/// Content type of the OpenMetrics text format.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Labels of an API call.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallLabels {
    transport: &'static str,
    method: &'static str,
    outcome: String,
}

/// Labels naming a transport.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TransportLabels {
    transport: &'static str,
}

/// Labels naming a reason.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: &'static str,
}

/// Labels of a connection the server closed.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ClosedLabels {
    transport: &'static str,
    reason: &'static str,
}

/// Counters of the control API, shared (cheap clones of the same atomics) by every
/// transport.
#[derive(Debug, Clone, Default)]
pub struct ApiMetrics {
    calls: Family<CallLabels, Counter>,
    connections: Family<TransportLabels, Counter>,
    open: Family<TransportLabels, Gauge>,
    refused: Family<ReasonLabels, Counter>,
    closed_by_server: Family<ClosedLabels, Counter>,
    backpressure: Family<TransportLabels, Counter>,
    events_dropped: Family<TransportLabels, Counter>,
}

impl ApiMetrics {
    /// Registers the families (`chingu_api_*`) in `registry`.
    pub fn register(&self, registry: &mut Registry) {
        let api = registry.sub_registry_with_prefix("chingu_api");
        api.register(
            "calls",
            "API requests by transport, method and outcome (ok or the error's reason)",
            self.calls.clone(),
        );
        api.register("connections", "API connections accepted", self.connections.clone());
        api.register("open_connections", "API connections open now", self.open.clone());
        api.register(
            "refused",
            "WebSocket connections refused before the upgrade, by reason",
            self.refused.clone(),
        );
        api.register(
            "closed",
            "API connections the server closed, by transport and reason (too_large, request_timeout, idle_timeout, evicted)",
            self.closed_by_server.clone(),
        );
        api.register(
            "backpressure",
            "times a connection stopped being read because its answers were not taken",
            self.backpressure.clone(),
        );
        api.register(
            "events_dropped",
            "events not sent to a subscriber that read too slowly",
            self.events_dropped.clone(),
        );
    }

    /// Counts one request. `method` is the method's name as listed, `unknown` for a
    /// method that does not exist, or `-` when the request could not be read.
    pub fn call(&self, transport: &'static str, method: &'static str, outcome: &str) {
        self.calls
            .get_or_create(&CallLabels {
                transport,
                method,
                outcome: outcome.to_owned(),
            })
            .inc();
    }

    /// Counts a connection opening.
    pub fn opened(&self, transport: &'static str) {
        let labels = TransportLabels { transport };
        self.connections.get_or_create(&labels).inc();
        self.open.get_or_create(&labels).inc();
    }

    /// Counts a connection closing.
    pub fn closed(&self, transport: &'static str) {
        self.open.get_or_create(&TransportLabels { transport }).dec();
    }

    /// Counts a connection refused before it was served.
    pub fn refused(&self, reason: &'static str) {
        self.refused.get_or_create(&ReasonLabels { reason }).inc();
    }

    /// Counts a connection the server closed (see [`crate::api::limits::CloseReason`]).
    pub fn closed_by_server(&self, transport: &'static str, reason: &'static str) {
        self.closed_by_server
            .get_or_create(&ClosedLabels { transport, reason })
            .inc();
    }

    /// Counts a connection that stopped being read until its answers are taken.
    pub fn backpressure(&self, transport: &'static str) {
        self.backpressure.get_or_create(&TransportLabels { transport }).inc();
    }

    /// Counts events a slow subscriber missed.
    pub fn events_dropped(&self, transport: &'static str, missed: u64) {
        self.events_dropped
            .get_or_create(&TransportLabels { transport })
            .inc_by(missed);
    }
}

/// Labels of a rejection of network input.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RejectionLabels {
    protocol: String,
    reason: String,
}

/// Labels naming a failed operation.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct WhatLabels {
    what: String,
}

/// Labels of a message counter.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MessageLabels {
    event: &'static str,
}

/// Labels of a refusal by the relay service.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RefusalLabels {
    kind: &'static str,
    reason: String,
}

/// Labels of a state (reachability).
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: &'static str,
}

fn counter(registry: &mut Registry, name: &str, help: &str, value: u64) {
    let metric: Counter = Counter::default();
    metric.inc_by(value);
    registry.register(name, help, metric);
}

/// A counter family labelled `event`, one series per `(event, value)`.
fn events(registry: &mut Registry, name: &str, help: &str, values: &[(&'static str, u64)]) {
    let family = Family::<MessageLabels, Counter>::default();
    for (event, value) in values {
        family.get_or_create(&MessageLabels { event }).inc_by(*value);
    }
    registry.register(name, help, family);
}

fn gauge(registry: &mut Registry, name: &str, help: &str, value: u64) {
    let metric: Gauge = Gauge::default();
    metric.set(i64::try_from(value).unwrap_or(i64::MAX));
    registry.register(name, help, metric);
}

/// The node's own metrics (`chingu_*`) from a status snapshot.
fn snapshot_registry(status: &Status) -> Registry {
    let mut registry = Registry::with_prefix("chingu");
    let m = &status.messages;
    events(
        &mut registry,
        "messages",
        "1:1 messages by what happened to them (queued by the owner, delivered, deposited on a mailbox, received, duplicate, request from a non-contact)",
        &[
            ("queued", m.queued),
            ("delivered", m.delivered),
            ("deposited", m.deposited),
            ("received", m.received),
            ("duplicate", m.duplicates),
            ("request", m.requests),
        ],
    );
    gauge(
        &mut registry,
        "outbox_messages",
        "messages waiting in the outbox",
        m.outbox,
    );
    counter(&mut registry, "handshakes", "Noise handshakes completed", m.handshakes);
    gauge(&mut registry, "sessions", "live Noise sessions", m.sessions);
    gauge(
        &mut registry,
        "stranger_sessions",
        "responder sessions of non-contacts (memory only, bounded)",
        m.stranger_sessions,
    );
    counter(
        &mut registry,
        "sessions_evicted",
        "sessions dropped to stay within the limits on strangers' and per-peer sessions",
        m.sessions_evicted,
    );

    let rejected = Family::<RejectionLabels, Counter>::default();
    for (key, value) in &status.rejected {
        let (protocol, reason) = key.split_once('.').unwrap_or((key.as_str(), "unknown"));
        rejected
            .get_or_create(&RejectionLabels {
                protocol: protocol.to_owned(),
                reason: reason.to_owned(),
            })
            .inc_by(*value);
    }
    registry.register("rejected", "network input rejected, by protocol and reason", rejected);

    let failures = Family::<WhatLabels, Counter>::default();
    for (what, value) in &status.failures {
        failures
            .get_or_create(&WhatLabels { what: what.clone() })
            .inc_by(*value);
    }
    registry.register(
        "failures",
        "the node's own operations that failed (store writes, encoding answers), by what",
        failures,
    );

    counter(
        &mut registry,
        "actions_applied",
        "reactions, edits and deletes applied to their message",
        status.content.applied,
    );
    gauge(
        &mut registry,
        "actions_waiting",
        "reactions, edits and deletes waiting for their message to arrive",
        status.content.pending,
    );

    let f = &status.files;
    events(
        &mut registry,
        "files",
        "photos and files by what happened to them (sent, received whole and verified, refused as corrupt)",
        &[("sent", f.sent), ("received", f.received), ("corrupt", f.corrupt)],
    );
    counter(
        &mut registry,
        "file_uploaded_bytes",
        "bytes of files sent to others' fetches",
        f.uploaded_bytes,
    );
    counter(
        &mut registry,
        "file_downloaded_bytes",
        "verified bytes of files received",
        f.downloaded_bytes,
    );
    gauge(&mut registry, "file_fetches", "file fetches running", f.fetching);
    gauge(&mut registry, "file_uploads", "file uploads running", f.uploading);
    gauge(&mut registry, "files_wanted", "files wanted and not here yet", f.wanted);

    let g = &status.groups;
    events(
        &mut registry,
        "group_messages",
        "group messages by what happened to them (sent, received, repaired by history sync, duplicate)",
        &[
            ("sent", g.sent),
            ("received", g.received),
            ("repaired", g.repaired),
            ("duplicate", g.duplicates),
        ],
    );
    gauge(
        &mut registry,
        "group_pending_messages",
        "group messages waiting for their sender's key",
        g.pending,
    );
    gauge(
        &mut registry,
        "group_control_outbox",
        "group control messages waiting for a member's acknowledgement",
        g.control_outbox,
    );
    counter(
        &mut registry,
        "group_syncs_served",
        "history-sync requests answered",
        g.syncs_served,
    );

    let d = &status.discovery;
    let discovery = registry.sub_registry_with_prefix("discovery");
    counter(discovery, "lookups", "contact lookups finished", d.lookups);
    counter(discovery, "found", "lookups that found an identity", d.found);
    counter(discovery, "kdf_runs", "rendezvous key derivations run", d.kdf_runs);
    let kdf_seconds: Counter<f64, AtomicU64> = Counter::default();
    kdf_seconds.inc_by(d.kdf_ms_total / 1000.0);
    discovery.register("kdf_seconds", "time spent deriving rendezvous keys", kdf_seconds);
    counter(
        discovery,
        "records_published",
        "rendezvous records published",
        d.records_published,
    );
    counter(
        discovery,
        "publications_failed",
        "rendezvous publications no DHT node took",
        d.publications_failed,
    );

    let mailbox = registry.sub_registry_with_prefix("mailbox");
    if let Some(served) = &status.mailbox {
        gauge(
            mailbox,
            "tags",
            "recipients registered with this mailbox",
            served.tags as u64,
        );
        gauge(mailbox, "items", "sealed messages held for others", served.items);
        gauge(mailbox, "bytes", "bytes held for others", served.bytes);
        gauge(
            mailbox,
            "watches",
            "recipients told at once of deposits for them (push watches)",
            served.watches as u64,
        );
    }
    gauge(
        mailbox,
        "registrations",
        "mailboxes this node is registered with",
        status.my_mailboxes.len() as u64,
    );

    nat_families(&mut registry, status);

    gauge(
        &mut registry,
        "connected_peers",
        "peers connected now",
        status.connected_peers as u64,
    );
    gauge(
        &mut registry,
        "routing_table_peers",
        "peers in the Kademlia routing table",
        status.routing_table_size as u64,
    );
    counter(
        &mut registry,
        "dht_rejoins",
        "tries to bootstrap again because the routing table was thin",
        status.dht_rejoins,
    );
    gauge(
        &mut registry,
        "dht_records",
        "DHT records held",
        status.dht_records as u64,
    );
    gauge(
        &mut registry,
        "uptime_seconds",
        "seconds since the node started",
        status.uptime_s,
    );
    registry
}

/// Reachability, relays, hole punching and the relay service (SPEC.md §9.8).
fn nat_families(registry: &mut Registry, status: &Status) {
    let nat = &status.nat;
    let reachability = Family::<StateLabels, Gauge>::default();
    for state in ["public", "private", "unknown"] {
        reachability
            .get_or_create(&StateLabels { state })
            .set(i64::from(status.reachability == state));
    }
    registry.register(
        "reachability",
        "1 for this node's reachability (public, private or unknown)",
        reachability,
    );
    let active = nat.relays.iter().filter(|r| r.state == "active").count();
    gauge(
        registry,
        "relay_reservations",
        "relays holding a reservation for this node",
        active as u64,
    );
    counter(
        registry,
        "hole_punch_attempts",
        "hole punches started (relayed connections to peers without a direct one)",
        nat.hole_punch.attempts,
    );
    events(
        registry,
        "hole_punches",
        "hole punches by outcome",
        &[
            ("succeeded", nat.hole_punch.succeeded),
            ("failed", nat.hole_punch.failed),
        ],
    );
    events(
        registry,
        "relayed_bytes",
        "bytes through this node's relayed connections (sent, received)",
        &[
            ("sent", nat.relayed_bytes.sent),
            ("received", nat.relayed_bytes.received),
        ],
    );
    events(
        registry,
        "autonat_probes",
        "AutoNAT dial-backs of our addresses (confirmed, failed) and made for others (served)",
        &[
            ("confirmed", nat.autonat.confirmed),
            ("failed", nat.autonat.failed),
            ("served", nat.autonat.served),
        ],
    );
    gauge(
        registry,
        "dial_backoff_addrs",
        "addresses waiting out a dial back-off",
        nat.addrs_backing_off as u64,
    );
    let Some(service) = &nat.relay_service else {
        return;
    };
    let relay = registry.sub_registry_with_prefix("relay_service");
    gauge(
        relay,
        "reservations",
        "reservations held for others",
        service.reservations as u64,
    );
    gauge(
        relay,
        "circuits",
        "circuits open through this node",
        service.circuits as u64,
    );
    events(
        relay,
        "accepted",
        "reservations and circuits accepted",
        &[
            ("reservation", service.reservations_accepted),
            ("circuit", service.circuits_accepted),
        ],
    );
    let refused = Family::<RefusalLabels, Counter>::default();
    for (kind, counts) in [
        ("reservation", &service.reservations_refused),
        ("circuit", &service.circuits_refused),
    ] {
        for (reason, value) in counts {
            refused
                .get_or_create(&RefusalLabels {
                    kind,
                    reason: reason.clone(),
                })
                .inc_by(*value);
        }
    }
    relay.register(
        "refused",
        "reservations and circuits refused, by kind and reason",
        refused,
    );
}

/// Encodes `live` (libp2p and API metrics) and the snapshot of `status` as one OpenMetrics
/// text.
pub fn render(live: &Registry, status: &Status) -> String {
    let mut text = String::new();
    encode_registry(&mut text, live)
        .and_then(|()| encode_registry(&mut text, &snapshot_registry(status)))
        .and_then(|()| encode_eof(&mut text))
        .expect("writing to a String does not fail");
    text
}

/// Problems starting an HTTP listener (metrics or WebSocket API).
#[derive(Debug, thiserror::Error)]
#[error("cannot listen on {addr}: {source}")]
pub struct BindError {
    /// The address.
    pub addr: SocketAddr,
    /// The OS error.
    pub source: std::io::Error,
}

/// A running HTTP server; stops when dropped.
pub struct HttpServer {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl HttpServer {
    /// Binds `addr` and serves `router` on it.
    pub async fn serve(addr: SocketAddr, router: Router) -> Result<Self, BindError> {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| BindError { addr, source })?;
        let addr = listener.local_addr().map_err(|source| BindError { addr, source })?;
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, router).await {
                tracing::error!(error = %e, "HTTP server stopped");
            }
        });
        Ok(Self { addr, task })
    }

    /// A server already running as `task` on `addr`.
    #[cfg(feature = "websocket")]
    pub(crate) fn from_task(addr: SocketAddr, task: JoinHandle<()>) -> Self {
        Self { addr, task }
    }

    /// The address it listens on (with the port the OS chose for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }
}

struct Scrape {
    node: NodeHandle,
    live: Registry,
    /// Set once the node has joined the DHT (it never goes back).
    joined: Arc<AtomicBool>,
}

/// The router serving `/metrics`, `/health` and `/ready` for `node`, with `live` holding
/// the registered libp2p and API families. Must be called inside a Tokio runtime (it
/// starts watching for the node to join the DHT).
pub fn router(node: NodeHandle, live: Registry) -> Router {
    let joined = Arc::new(AtomicBool::new(false));
    let watcher = node.clone();
    let flag = joined.clone();
    tokio::spawn(async move {
        if watcher.wait_joined().await.is_ok() {
            flag.store(true, Ordering::Release);
        }
    });
    Router::new()
        .route("/metrics", get(scrape))
        .route("/health", get(health))
        .route("/ready", get(ready))
        .with_state(Arc::new(Scrape { node, live, joined }))
}

async fn scrape(State(scrape): State<Arc<Scrape>>) -> Response {
    match scrape.node.status().await {
        Ok(status) => ([(header::CONTENT_TYPE, CONTENT_TYPE)], render(&scrape.live, &status)).into_response(),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response(),
    }
}

/// A probe's answer: its status code and a small JSON body.
fn probe(code: StatusCode, body: serde_json::Value) -> Response {
    (code, [(header::CONTENT_TYPE, "application/json")], format!("{body}\n")).into_response()
}

/// `/health`: 200 while the node's task answers, 503 once it has stopped.
async fn health(State(scrape): State<Arc<Scrape>>) -> Response {
    match scrape.node.status().await {
        Ok(status) => probe(
            StatusCode::OK,
            serde_json::json!({ "status": "ok", "uptime_s": status.uptime_s }),
        ),
        Err(_) => probe(
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({ "status": "stopped" }),
        ),
    }
}

/// `/ready`: 200 when the node listens on at least one address and has joined the DHT
/// (its first bootstrap finished, or it has no bootstrap peers); 503 otherwise.
async fn ready(State(scrape): State<Arc<Scrape>>) -> Response {
    let Ok(status) = scrape.node.status().await else {
        return probe(
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({ "status": "stopped" }),
        );
    };
    let listening = !status.listen_addrs.is_empty();
    let joined = scrape.joined.load(Ordering::Acquire);
    let code = if listening && joined {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    probe(
        code,
        serde_json::json!({
            "status": if code == StatusCode::OK { "ready" } else { "starting" },
            "listening": listening,
            "joined_dht": joined,
            "routing_table": status.routing_table_size,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status() -> Status {
        Status {
            peer_id: "12D3KooW".into(),
            phone: "+821012345678".into(),
            name: String::new(),
            version: crate::VERSION.into(),
            listen_addrs: Vec::new(),
            reachability: "private".into(),
            external_addrs: Vec::new(),
            role: None,
            nat: crate::node::nat::NatStatus {
                hole_punch: crate::node::nat::paths::HolePunchStats {
                    attempts: 2,
                    succeeded: 1,
                    failed: 1,
                },
                relay_service: Some(crate::node::nat::admission::RelayServiceStats {
                    circuits_refused: [("rate_limited".to_owned(), 5)].into(),
                    ..Default::default()
                }),
                ..Default::default()
            },
            connected_peers: 3,
            routing_table_size: 7,
            dht_rejoins: 1,
            dht_records: 2,
            uptime_s: 60,
            rejected: [("dm.bad_frame".to_owned(), 4), ("mailbox.rate_limited".to_owned(), 1)].into(),
            failures: [("store.put_contact".to_owned(), 2)].into(),
            discovery: Default::default(),
            messages: crate::node::DmStats {
                queued: 5,
                delivered: 4,
                ..Default::default()
            },
            groups: crate::node::GroupStats {
                received: 3,
                ..Default::default()
            },
            content: Default::default(),
            files: Default::default(),
            mailbox: Some(crate::mailbox::service::MailboxStats {
                tags: 2,
                items: 9,
                bytes: 4096,
                watches: 3,
            }),
            my_mailboxes: Vec::new(),
        }
    }

    #[test]
    fn a_snapshot_renders_labelled_families_after_the_live_ones() {
        let mut live = Registry::default();
        let api = ApiMetrics::default();
        api.register(&mut live);
        api.call("unix", "messages.send", "forbidden");
        api.opened("websocket");
        let text = render(&live, &status());
        for line in [
            r#"chingu_api_calls_total{transport="unix",method="messages.send",outcome="forbidden"} 1"#,
            r#"chingu_api_open_connections{transport="websocket"} 1"#,
            r#"chingu_rejected_total{protocol="dm",reason="bad_frame"} 4"#,
            r#"chingu_rejected_total{protocol="mailbox",reason="rate_limited"} 1"#,
            r#"chingu_failures_total{what="store.put_contact"} 2"#,
            r#"chingu_messages_total{event="delivered"} 4"#,
            r#"chingu_group_messages_total{event="received"} 3"#,
            "chingu_mailbox_items 9",
            "chingu_mailbox_watches 3",
            "chingu_connected_peers 3",
            "chingu_routing_table_peers 7",
            "chingu_dht_rejoins_total 1",
            r#"chingu_reachability{state="private"} 1"#,
            r#"chingu_reachability{state="public"} 0"#,
            "chingu_hole_punch_attempts_total 2",
            r#"chingu_hole_punches_total{event="succeeded"} 1"#,
            r#"chingu_relay_service_refused_total{kind="circuit",reason="rate_limited"} 5"#,
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing from:\n{text}");
        }
        assert_eq!(text.matches("# EOF").count(), 1);
        assert!(text.ends_with("# EOF\n"));
    }
}
