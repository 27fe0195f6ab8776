//! One API connection, whatever carries it: reads requests one at a time from a
//! [`Requests`] source, runs each in its own task (at most `max_in_flight` at once: the
//! connection is not read while that many wait for their answers), writes answers and
//! events through an [`Answers`] sink from the byte-bounded queue, and closes the
//! connection on a request over the size limit, a request that does not arrive whole in
//! time, idleness, eviction or a revoked app token (SPEC.md §9.1, §9.5,
//! [`super::limits`]).

use std::future::Future;
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::dispatch::{request_timeout, too_large, Session};
use super::limits::{ApiLimits, CloseReason, OutReceiver, Slot, LINGER};
use super::{codes, ApiError};

/// How long an evicted connection's last answers may take to be written.
const EVICTION_GRACE: std::time::Duration = std::time::Duration::from_millis(100);
/// How often a connection opened with an app token checks that the token still works
/// (revoking an app closes its connections, silent ones too).
pub const REVOCATION_CHECK: std::time::Duration = std::time::Duration::from_secs(1);

/// What a transport read.
#[derive(Debug)]
pub enum Received {
    /// A request's text.
    Request(String),
    /// Something that is not a request's text (not UTF-8, a binary frame): answered with
    /// this error; the connection carries on.
    Unreadable(ApiError),
    /// Nothing to answer (a blank line, a ping).
    Ignored,
    /// A request over the size limit (not buffered): answered, then the connection closes.
    /// `id` is the request's id when its first bytes tell it ([`super::dispatch::id_hint`]),
    /// else null, so the caller waiting for that answer gets the error.
    TooLarge {
        /// The id the error answers.
        id: Value,
    },
    /// The client went away or broke the transport's protocol.
    End,
}

/// Where requests come from. `next` must be cancel-safe: it is raced against timers.
pub trait Requests: Send {
    /// The next thing the client sent.
    fn next(&mut self) -> impl Future<Output = Received> + Send;
    /// Reads and discards what the client still sends, until it stops (bounded by the
    /// caller's [`super::limits::LINGER`]).
    fn drain(&mut self) -> impl Future<Output = ()> + Send;
}

/// Where answers go.
pub trait Answers: Send + 'static {
    /// Writes one JSON text.
    fn send(&mut self, text: String) -> impl Future<Output = std::io::Result<()>> + Send;
    /// Ends the connection after the last answer; `reason` says why the server closed it.
    fn finish(self, reason: Option<CloseReason>) -> impl Future<Output = ()> + Send;
}

/// The error a client is sent when the server closes its connection, if any.
pub(crate) fn close_error(reason: CloseReason, limits: &ApiLimits) -> Option<ApiError> {
    match reason {
        CloseReason::TooLarge => Some(too_large(limits.max_request_bytes)),
        CloseReason::RequestTimeout => Some(request_timeout(limits)),
        CloseReason::Evicted => Some(ApiError::new(
            codes::NODE_ERROR,
            "evicted",
            "the node closed this connection to make room for another (too many connections)",
        )),
        CloseReason::IdleTimeout | CloseReason::Revoked => None,
    }
}

/// When the connection's timers must next be checked: the end of the request being
/// received, else the end of the idle period; at least every `request_timeout`, so a
/// request that starts meanwhile is caught in time.
fn next_check(slot: &Slot, limits: &ApiLimits, now: Instant) -> Instant {
    let soon = now + limits.request_timeout;
    match slot.partial_since() {
        Some(since) => since + limits.request_timeout,
        None if slot.is_busy() => soon,
        None => soon.min(slot.last_active() + limits.idle_timeout),
    }
}

/// Whether a timer ran out, and which.
fn expired(slot: &Slot, limits: &ApiLimits, now: Instant) -> Option<CloseReason> {
    match slot.partial_since() {
        Some(since) if now >= since + limits.request_timeout => Some(CloseReason::RequestTimeout),
        Some(_) => None,
        None if !slot.is_busy() && now >= slot.last_active() + limits.idle_timeout => Some(CloseReason::IdleTimeout),
        None => None,
    }
}

/// Serves one connection until the client goes or the server closes it.
pub async fn serve(
    mut requests: impl Requests,
    mut answers: impl Answers,
    session: Arc<Session>,
    mut queue: OutReceiver,
    slot: Arc<Slot>,
) {
    let limits = *session.limits();
    // Cancelled when the client can no longer be written to: what it sent before it went
    // is not worth running.
    let gone = tokio_util::sync::CancellationToken::new();
    let mut writer = tokio::spawn({
        let gone = gone.clone();
        async move {
            while let Some(mut item) = queue.recv().await {
                let text = std::mem::take(&mut item.text);
                if answers.send(text).await.is_err() {
                    gone.cancel();
                    return None;
                }
                queue.written(item);
            }
            Some(answers)
        }
    });
    let in_flight = Arc::new(Semaphore::new(limits.max_in_flight));
    let mut tasks = JoinSet::new();
    let mut too_large_id = Value::Null;
    let revocable = session.revocable();
    let mut revocation = tokio::time::interval(REVOCATION_CHECK);
    revocation.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let reason = loop {
        while tasks.try_join_next().is_some() {}
        let permit = match in_flight.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                // Every slot waits for its answer to be taken: stop reading.
                session.backpressure();
                tokio::select! {
                    permit = in_flight.clone().acquire_owned() => permit.expect("never closed"),
                    () = slot.closing() => break slot.was_evicted().then_some(CloseReason::Evicted),
                    () = gone.cancelled() => break None,
                }
            }
        };
        let check = next_check(&slot, &limits, Instant::now());
        let received = tokio::select! {
            () = slot.closing() => break slot.was_evicted().then_some(CloseReason::Evicted),
            () = gone.cancelled() => break None,
            received = requests.next() => received,
            () = tokio::time::sleep_until(check) => match expired(&slot, &limits, Instant::now()) {
                Some(reason) => break Some(reason),
                None => continue,
            },
            _ = revocation.tick(), if revocable => {
                if session.revoked() {
                    break Some(CloseReason::Revoked);
                }
                continue;
            }
        };
        match received {
            Received::End => break None,
            Received::TooLarge { id } => {
                too_large_id = id;
                break Some(CloseReason::TooLarge);
            }
            Received::Ignored => slot.request_ignored(),
            Received::Unreadable(error) => {
                slot.request_arrived();
                let session = session.clone();
                tasks.spawn(async move {
                    session.refuse(error).await;
                    drop(permit);
                });
            }
            Received::Request(text) => {
                slot.request_arrived();
                let session = session.clone();
                tasks.spawn(async move {
                    session.handle_line(&text).await;
                    drop(permit);
                });
            }
        }
    };
    if matches!(reason, Some(CloseReason::TooLarge | CloseReason::Revoked)) {
        slot.set_linger();
    }
    if let Some(reason) = reason {
        session.closed_because(reason);
        if let Some(error) = close_error(reason, &limits) {
            session.tell(too_large_id, error);
        }
    }
    // Requests still running are abandoned; the writer gets what is queued out, for as
    // long as a request may take to arrive.
    drop(tasks);
    session.unsubscribe();
    drop(session);
    // An evicted connection's place is taken already: it gets a moment to take its last
    // answers, no more.
    let closing = slot.closing_token();
    let grace = if closing.is_cancelled() {
        EVICTION_GRACE
    } else {
        limits.request_timeout
    };
    let written = tokio::select! {
        written = tokio::time::timeout(grace, &mut writer) => written.ok(),
        () = closing.cancelled(), if !closing.is_cancelled() => None,
    };
    match written {
        Some(Ok(Some(answers))) => answers.finish(reason).await,
        Some(_) => {}
        None => writer.abort(),
    }
    if slot.lingers() {
        tokio::select! {
            _ = tokio::time::timeout(LINGER, requests.drain()) => {}
            () = slot.closing() => {}
        }
    }
}
