//! Group commit: the actor writes to the store freely, registers what must wait until
//! those writes are durable ("tell the user it is sent", "acknowledge to the sender"), and
//! a flush on a blocking thread makes a whole batch durable at once. While flushes run,
//! new writes and their waiters gather for the next one, so throughput grows with load
//! instead of paying one fsync per message.
//!
//! Up to [`MAX_FLUSHES_IN_FLIGHT`] flushes overlap: a write made while one flush runs
//! starts its own flush at the end of the loop turn instead of waiting for the running
//! one to finish first, which takes a whole flush off the latency of every write that
//! arrives mid-flush. Flushes are released oldest first: a flush covers every write made
//! before it started, so releasing one releases nothing that is not on disk.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use tokio::task::JoinHandle;

use super::actor::Actor;
use crate::store::{Flusher, StoreError};

/// An action to run once the writes made before it was registered are durable.
pub(crate) type Deferred = Box<dyn FnOnce(&mut Actor) + Send>;

/// Delay before retrying a failed flush.
const RETRY_FLUSH_AFTER: Duration = Duration::from_millis(200);

/// Longest a write registered with [`Durability::wrote_lazily`] waits for a flush: as
/// often as a group's receive state is written. With 250 ms, the members of a 100-member
/// group at 10 msg/s each flushed 4 times a second, and sled's I/O threads alone took 5 %
/// of the test net's CPU (`perf`; BENCHMARKS.md, "A 100-member group"); a crash loses at
/// most this much of what history sync fetches again.
const LAZY_FLUSH_AFTER: Duration = Duration::from_secs(1);

/// Most flushes running at once. Two is enough for a write arriving mid-flush not to wait
/// for that flush; more only adds disk syncs under load.
const MAX_FLUSHES_IN_FLIGHT: usize = 2;

/// A flush running on the blocking pool, with the actions waiting for it.
struct InFlightFlush {
    handle: JoinHandle<Result<(), StoreError>>,
    waiters: Vec<Deferred>,
}

pub(crate) struct Durability {
    flusher: Flusher,
    dirty: bool,
    /// When the oldest write that may wait for a flush was made.
    lazy_since: Option<Instant>,
    pending: Vec<Deferred>,
    /// Running flushes, oldest first.
    in_flight: VecDeque<InFlightFlush>,
    /// After a failed flush, no new one starts before this instant.
    retry_at: Option<Instant>,
}

impl Durability {
    pub(crate) fn new(flusher: Flusher) -> Self {
        Self {
            flusher,
            dirty: false,
            lazy_since: None,
            pending: Vec::new(),
            in_flight: VecDeque::with_capacity(MAX_FLUSHES_IN_FLIGHT),
            retry_at: None,
        }
    }

    /// Notes that the store was written.
    pub(crate) fn wrote(&mut self) {
        self.dirty = true;
    }

    /// Notes a write that nobody waits for and that can be recovered if a crash loses it
    /// (a received group message: history sync fetches it again; a cached peer address).
    /// It is flushed with the next flush, or [`LAZY_FLUSH_AFTER`] after the first such
    /// write at the latest, so a stream of them costs a few flushes a second instead of
    /// one per loop turn.
    pub(crate) fn wrote_lazily(&mut self) {
        self.lazy_since.get_or_insert_with(Instant::now);
    }

    /// Runs `action` after everything written so far is on disk.
    pub(crate) fn after_flush(&mut self, action: Deferred) {
        self.dirty = true;
        self.pending.push(action);
    }

    /// Whether anything that waits for a flush is written but not yet flushed, or being
    /// flushed (lazy writes are left to the caller's final flush).
    pub(crate) fn is_idle(&self) -> bool {
        !self.dirty && self.in_flight.is_empty()
    }

    /// Starts a flush if there are unflushed writes and fewer than
    /// [`MAX_FLUSHES_IN_FLIGHT`] are running (and no failed flush is waiting to retry).
    pub(crate) fn kick(&mut self) {
        if self.lazy_since.is_some_and(|since| since.elapsed() >= LAZY_FLUSH_AFTER) {
            self.dirty = true;
        }
        if !self.dirty || self.in_flight.len() >= MAX_FLUSHES_IN_FLIGHT {
            return;
        }
        if let Some(at) = self.retry_at {
            if Instant::now() < at {
                return;
            }
            self.retry_at = None;
        }
        let flusher = self.flusher.clone();
        self.dirty = false;
        self.lazy_since = None;
        self.in_flight.push_back(InFlightFlush {
            handle: tokio::task::spawn_blocking(move || flusher.flush()),
            waiters: std::mem::take(&mut self.pending),
        });
    }

    /// Waits for the oldest running flush and returns the actions it released (with none
    /// running: until a retry or a lazy flush is due, or forever). Cancel-safe: nothing is
    /// taken before the flush ended. On a failed flush, its waiters and those of the
    /// flushes after it (kept in order) go back before the pending ones, and a new flush
    /// starts after [`RETRY_FLUSH_AFTER`].
    pub(crate) async fn completed(&mut self) -> Vec<Deferred> {
        let Some(oldest) = self.in_flight.front_mut() else {
            // Nothing running: wake when a flush is due (a retry, or lazy writes that
            // waited long enough), so the loop turn that follows starts it.
            let due = self
                .retry_at
                .or_else(|| self.lazy_since.map(|since| since + LAZY_FLUSH_AFTER));
            return match due {
                Some(at) => {
                    tokio::time::sleep_until(at.into()).await;
                    Vec::new()
                }
                None => futures::future::pending().await,
            };
        };
        let result = (&mut oldest.handle).await;
        let InFlightFlush { mut waiters, .. } = self.in_flight.pop_front().expect("a flush was in flight");
        match result {
            Ok(Ok(())) => waiters,
            failure => {
                tracing::error!(?failure, "flushing the store failed; retrying");
                self.dirty = true;
                self.retry_at = Some(Instant::now() + RETRY_FLUSH_AFTER);
                for later in &mut self.in_flight {
                    waiters.append(&mut later.waiters);
                }
                waiters.append(&mut self.pending);
                self.pending = waiters;
                Vec::new()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Store, StoreOptions};

    #[tokio::test]
    async fn a_lazy_write_is_flushed_without_further_activity() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db"), StoreOptions::default()).unwrap();
        let mut durability = Durability::new(store.flusher());
        durability.wrote_lazily();
        durability.kick();
        assert!(durability.in_flight.is_empty(), "a fresh lazy write starts no flush");
        assert!(durability.is_idle(), "nothing waits on it");
        // With nothing else happening, the loop is woken when the lazy flush is due.
        let released = tokio::time::timeout(Duration::from_secs(5), durability.completed())
            .await
            .expect("woken once the lazy write waited long enough");
        assert!(released.is_empty());
        durability.kick();
        assert_eq!(durability.in_flight.len(), 1, "the due lazy write is flushed");
        tokio::time::timeout(Duration::from_secs(5), durability.completed())
            .await
            .expect("the flush ends");
        assert!(durability.lazy_since.is_none() && durability.is_idle());
    }
}
