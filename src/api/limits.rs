//! What an API client can make a node hold, and how it is bounded (SPEC.md §9.1):
//!
//! - **requests**: a line or WebSocket frame is at most [`MAX_REQUEST_BYTES`], checked
//!   before it is buffered; a longer one is answered `too_large` and the connection closed.
//!   A request that has started must arrive whole within [`REQUEST_TIMEOUT`];
//! - **in flight**: at most [`MAX_IN_FLIGHT`] requests per connection run at once; the
//!   connection stops reading until one is answered (backpressure);
//! - **answers**: answers and events waiting to be written take at most
//!   [`MAX_QUEUED_BYTES`] per connection; an answer waits for room (so a client that does
//!   not read its answers stops being read), an event that finds no room is dropped and
//!   counted (`lagged`);
//! - **connections**: at most [`MAX_CONNECTIONS`] per transport. A new connection over the
//!   cap evicts one: first those that keep the node waiting (an unfinished request, or
//!   answers not taken) longest, then the longest idle, then the least recently active;
//! - **idle**: a connection with nothing in flight, no subscription and no request for
//!   [`IDLE_TIMEOUT`] is closed.
//!
//! [`ConnectionTable`] keeps the connections of one transport and picks whom to evict;
//! [`Slot`] is one connection's entry, which its transport keeps up to date; [`OutQueue`]
//! is the byte-bounded queue of what a connection still has to write.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::metrics::ApiMetrics;

/// Longest request (a line on the Unix socket, a text message on the WebSocket). Bulk
/// input such as a large address book is sent in several requests.
pub const MAX_REQUEST_BYTES: usize = 128 << 10;
/// Connections served at once per transport.
pub const MAX_CONNECTIONS: usize = 32;
/// Requests of one connection running at once.
pub const MAX_IN_FLIGHT: usize = 8;
/// Bytes of answers and events one connection may have waiting to be written.
pub const MAX_QUEUED_BYTES: usize = 256 << 10;
/// How long a started request (or a WebSocket upgrade) may take to arrive whole.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a connection may sit with nothing to do before it is closed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(300);
/// How long a connection closed for a request over the limit is still read (and what
/// arrives discarded), so that a client still writing that request reads its error rather
/// than a connection reset.
pub const LINGER: Duration = Duration::from_secs(1);

/// The bounds one server applies (the constants above, unless a test narrows them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiLimits {
    /// See [`MAX_REQUEST_BYTES`].
    pub max_request_bytes: usize,
    /// See [`MAX_CONNECTIONS`].
    pub max_connections: usize,
    /// See [`MAX_IN_FLIGHT`].
    pub max_in_flight: usize,
    /// See [`MAX_QUEUED_BYTES`].
    pub max_queued_bytes: usize,
    /// See [`REQUEST_TIMEOUT`].
    pub request_timeout: Duration,
    /// See [`IDLE_TIMEOUT`].
    pub idle_timeout: Duration,
}

impl Default for ApiLimits {
    fn default() -> Self {
        Self {
            max_request_bytes: MAX_REQUEST_BYTES,
            max_connections: MAX_CONNECTIONS,
            max_in_flight: MAX_IN_FLIGHT,
            max_queued_bytes: MAX_QUEUED_BYTES,
            request_timeout: REQUEST_TIMEOUT,
            idle_timeout: IDLE_TIMEOUT,
        }
    }
}

/// Why the server closed a connection (the `reason` label of `chingu_api_closed_total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
    /// A request over the size limit.
    TooLarge,
    /// A started request (or upgrade) did not arrive whole in time.
    RequestTimeout,
    /// Nothing to do for too long.
    IdleTimeout,
    /// Made room for a new connection.
    Evicted,
    /// The app token the connection was opened with was revoked.
    Revoked,
}

impl CloseReason {
    /// Its metrics label.
    pub fn as_str(self) -> &'static str {
        match self {
            CloseReason::TooLarge => "too_large",
            CloseReason::RequestTimeout => "request_timeout",
            CloseReason::IdleTimeout => "idle_timeout",
            CloseReason::Evicted => "evicted",
            CloseReason::Revoked => "token_revoked",
        }
    }
}

/// What a connection is doing, as eviction sees it.
#[derive(Debug)]
struct Activity {
    /// Since when part of a request (or the upgrade) has been waiting for the rest.
    partial_since: Option<Instant>,
    /// Since when answers have been waiting for the client to take them.
    unsent_since: Option<Instant>,
    in_flight: usize,
    subscribed: bool,
    last_active: Instant,
}

/// One connection's entry in its [`ConnectionTable`].
#[derive(Debug)]
pub struct Slot {
    id: u64,
    activity: Mutex<Activity>,
    closing: CancellationToken,
    evicted: std::sync::atomic::AtomicBool,
    linger: std::sync::atomic::AtomicBool,
}

impl Slot {
    /// The connection is closed for a request over the limit or a revoked token: read it
    /// out for [`LINGER`] before letting go of the socket, so the client reads the last
    /// answers and the close rather than a reset.
    pub fn set_linger(&self) {
        self.linger.store(true, Ordering::Relaxed);
    }

    /// Whether the socket must be read out before it is let go.
    pub fn lingers(&self) -> bool {
        self.linger.load(Ordering::Relaxed)
    }

    fn activity(&self) -> std::sync::MutexGuard<'_, Activity> {
        self.activity.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Part of a request arrived; the rest is awaited.
    pub fn request_started(&self) {
        let mut a = self.activity();
        a.partial_since.get_or_insert_with(Instant::now);
    }

    /// What arrived needs no answer (a blank line, a ping): nothing is awaited.
    pub fn request_ignored(&self) {
        let mut a = self.activity();
        a.partial_since = None;
        a.last_active = Instant::now();
    }

    /// Since when part of a request has been waiting for the rest.
    pub fn partial_since(&self) -> Option<Instant> {
        self.activity().partial_since
    }

    /// Asks the connection to close (its transport stops serving it).
    pub fn close(&self) {
        self.closing.cancel();
    }

    /// A whole request arrived and runs now.
    pub fn request_arrived(&self) {
        let mut a = self.activity();
        a.partial_since = None;
        a.in_flight += 1;
        a.last_active = Instant::now();
    }

    /// A request's answer is queued.
    pub fn request_done(&self) {
        let mut a = self.activity();
        a.in_flight = a.in_flight.saturating_sub(1);
        a.last_active = Instant::now();
    }

    /// Answers wait to be written (`true`) or all were written (`false`).
    fn set_unsent(&self, unsent: bool) {
        let mut a = self.activity();
        match (unsent, a.unsent_since) {
            (true, None) => a.unsent_since = Some(Instant::now()),
            (false, Some(_)) => {
                a.unsent_since = None;
                a.last_active = Instant::now();
            }
            _ => {}
        }
    }

    /// The connection subscribed to events (or stopped).
    pub fn set_subscribed(&self, subscribed: bool) {
        self.activity().subscribed = subscribed;
    }

    /// Whether it has work or a subscription (the idle timeout does not apply).
    pub fn is_busy(&self) -> bool {
        let a = self.activity();
        a.in_flight > 0 || a.subscribed || a.unsent_since.is_some()
    }

    /// When it was last active.
    pub fn last_active(&self) -> Instant {
        self.activity().last_active
    }

    /// Resolves once the connection must close (evicted, or its server stopped).
    pub async fn closing(&self) {
        self.closing.cancelled().await
    }

    /// A token cancelled when the connection must close.
    pub fn closing_token(&self) -> CancellationToken {
        self.closing.clone()
    }

    /// Whether it was evicted.
    pub fn was_evicted(&self) -> bool {
        self.evicted.load(Ordering::Relaxed)
    }

    /// Eviction order: lower goes first. Keeping the node waiting comes first (oldest
    /// wait first), then idleness (longest first), then everything else (least recently
    /// active first).
    fn eviction_key(&self) -> (u8, Instant) {
        let a = self.activity();
        match a.partial_since.into_iter().chain(a.unsent_since).min() {
            Some(since) => (0, since),
            None if a.in_flight == 0 && !a.subscribed => (1, a.last_active),
            None => (2, a.last_active),
        }
    }
}

/// The open connections of one transport, at most `max`.
#[derive(Debug)]
pub struct ConnectionTable {
    transport: &'static str,
    max: usize,
    metrics: ApiMetrics,
    next_id: AtomicU64,
    slots: Mutex<Vec<Arc<Slot>>>,
}

/// A connection's place in its table; leaving it (drop) frees the place.
#[derive(Debug)]
pub struct Admission {
    table: Arc<ConnectionTable>,
    slot: Arc<Slot>,
}

impl Admission {
    /// The connection's entry.
    pub fn slot(&self) -> &Arc<Slot> {
        &self.slot
    }
}

impl Drop for Admission {
    fn drop(&mut self) {
        let mut slots = self.table.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots.retain(|s| s.id != self.slot.id);
    }
}

impl ConnectionTable {
    /// A table for `transport` (a metrics label) holding at most `max` connections.
    pub fn new(transport: &'static str, max: usize, metrics: ApiMetrics) -> Arc<Self> {
        Arc::new(Self {
            transport,
            max: max.max(1),
            metrics,
            next_id: AtomicU64::new(0),
            slots: Mutex::new(Vec::new()),
        })
    }

    /// Admits a new connection, evicting one first when the table is full.
    pub fn admit(self: &Arc<Self>) -> Admission {
        let now = Instant::now();
        let slot = Arc::new(Slot {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            activity: Mutex::new(Activity {
                partial_since: None,
                unsent_since: None,
                in_flight: 0,
                subscribed: false,
                last_active: now,
            }),
            closing: CancellationToken::new(),
            evicted: false.into(),
            linger: false.into(),
        });
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        while slots.len() >= self.max {
            let victim = slots
                .iter()
                .enumerate()
                .min_by_key(|(_, s)| s.eviction_key())
                .map(|(i, _)| i)
                .expect("the table is full, so not empty");
            let victim = slots.swap_remove(victim);
            victim.evicted.store(true, Ordering::Relaxed);
            victim.closing.cancel();
            self.metrics
                .closed_by_server(self.transport, CloseReason::Evicted.as_str());
        }
        slots.push(slot.clone());
        Admission {
            table: self.clone(),
            slot,
        }
    }

    /// Connections admitted and not yet gone.
    pub fn len(&self) -> usize {
        self.slots.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Whether no connection is open.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Closes every connection (the server stops).
    pub fn close_all(&self) {
        for slot in self.slots.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            slot.closing.cancel();
        }
    }
}

/// One text waiting to be written, holding its share of the queue's bytes.
#[derive(Debug)]
pub struct Outgoing {
    /// The JSON text.
    pub text: String,
    _room: OwnedSemaphorePermit,
}

/// The sending side of a connection's outgoing queue, bounded in bytes.
#[derive(Debug, Clone)]
pub struct OutQueue {
    room: Arc<Semaphore>,
    max: usize,
    tx: mpsc::UnboundedSender<Outgoing>,
    slot: Arc<Slot>,
}

/// The writer's side of an [`OutQueue`].
#[derive(Debug)]
pub struct OutReceiver {
    room: Arc<Semaphore>,
    max: usize,
    rx: mpsc::UnboundedReceiver<Outgoing>,
    slot: Arc<Slot>,
}

/// The queue was full (events only: answers wait).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueError {
    /// No room now.
    Full,
    /// The connection is gone.
    Closed,
}

impl OutQueue {
    /// A queue of at most `max_bytes` for the connection in `slot`.
    pub fn new(max_bytes: usize, slot: Arc<Slot>) -> (Self, OutReceiver) {
        let room = Arc::new(Semaphore::new(max_bytes));
        let (tx, rx) = mpsc::unbounded_channel();
        (
            Self {
                room: room.clone(),
                max: max_bytes,
                tx,
                slot: slot.clone(),
            },
            OutReceiver {
                room,
                max: max_bytes,
                rx,
                slot,
            },
        )
    }

    /// Room a text takes: its length, capped so that one large answer still fits alone.
    fn cost(&self, text: &str) -> u32 {
        u32::try_from(text.len().clamp(1, self.max)).unwrap_or(u32::MAX)
    }

    fn enqueue(&self, text: String, room: OwnedSemaphorePermit) -> Result<(), QueueError> {
        self.slot.set_unsent(true);
        self.tx
            .send(Outgoing { text, _room: room })
            .map_err(|_| QueueError::Closed)
    }

    /// Queues an answer, waiting for room.
    pub async fn send(&self, text: String) -> Result<(), QueueError> {
        let room = self
            .room
            .clone()
            .acquire_many_owned(self.cost(&text))
            .await
            .map_err(|_| QueueError::Closed)?;
        self.enqueue(text, room)
    }

    /// Queues an event if there is room now.
    pub fn try_send(&self, text: String) -> Result<(), QueueError> {
        if self.tx.is_closed() {
            return Err(QueueError::Closed);
        }
        let room = self
            .room
            .clone()
            .try_acquire_many_owned(self.cost(&text))
            .map_err(|_| QueueError::Full)?;
        self.enqueue(text, room)
    }
}

impl OutReceiver {
    /// The next text to write; `None` once every sender is gone and the queue is empty.
    pub async fn recv(&mut self) -> Option<Outgoing> {
        self.rx.recv().await
    }

    /// Called once a text was written: marks the queue drained when it is.
    pub fn written(&self, item: Outgoing) {
        drop(item);
        if self.rx.is_empty() && self.room.available_permits() == self.max {
            self.slot.set_unsent(false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_connection_that_keeps_the_node_waiting_longest_is_evicted() {
        let table = ConnectionTable::new("unix", 3, ApiMetrics::default());
        let stuck = table.admit();
        stuck.slot().request_started();
        tokio::time::advance(Duration::from_secs(1)).await;
        let idle = table.admit();
        idle.slot().request_arrived();
        idle.slot().request_done();
        let subscribed = table.admit();
        subscribed.slot().set_subscribed(true);
        tokio::time::advance(Duration::from_secs(1)).await;

        // Full: the unfinished request goes first, however old the others are.
        let newcomer = table.admit();
        assert!(stuck.slot().was_evicted() && stuck.slot().closing_token().is_cancelled());
        assert_eq!(table.len(), 3);
        drop(stuck);
        assert_eq!(table.len(), 3, "an evicted connection is out of the table already");
        // Then the idle one, then the least recently active.
        newcomer.slot().request_arrived();
        let second = table.admit();
        assert!(idle.slot().was_evicted());
        second.slot().request_arrived();
        assert!(!subscribed.slot().was_evicted() && !newcomer.slot().was_evicted());
        let _third = table.admit();
        assert!(subscribed.slot().was_evicted(), "older activity than the newcomer's");
        assert!(!newcomer.slot().was_evicted());
    }

    #[tokio::test(start_paused = true)]
    async fn answers_not_taken_make_a_connection_stalled_and_bound_the_queue() {
        let table = ConnectionTable::new("unix", 2, ApiMetrics::default());
        let reader = table.admit();
        let (queue, mut rx) = OutQueue::new(10, reader.slot().clone());
        queue.send("12345".into()).await.unwrap();
        queue.send("67890".into()).await.unwrap();
        assert_eq!(queue.try_send("x".into()), Err(QueueError::Full), "the queue is full");
        assert!(reader.slot().is_busy());
        let blocked = tokio::spawn({
            let queue = queue.clone();
            async move { queue.send("abc".into()).await }
        });
        tokio::time::advance(Duration::from_secs(5)).await;
        assert!(!blocked.is_finished(), "an answer waits for room");
        // An idle connection admitted later is evicted after the stalled one.
        let idle = table.admit();
        let _newcomer = table.admit();
        assert!(reader.slot().was_evicted() && !idle.slot().was_evicted());

        let first = rx.recv().await.unwrap();
        assert_eq!(first.text, "12345");
        rx.written(first);
        blocked.await.unwrap().unwrap();
        for _ in 0..2 {
            let item = rx.recv().await.unwrap();
            rx.written(item);
        }
        assert!(!reader.slot().is_busy(), "all written");
        // One answer larger than the whole queue still goes out alone.
        queue.send("x".repeat(100)).await.unwrap();
        drop(queue);
        assert_eq!(rx.recv().await.unwrap().text.len(), 100);
    }
}
