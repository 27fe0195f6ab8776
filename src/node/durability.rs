//! Group commit: the actor writes to the store freely, registers what must wait until
//! those writes are durable ("tell the user it is sent", "acknowledge to the sender"), and
//! a single flush on a blocking thread makes a whole batch durable at once. While one
//! flush runs, new writes and their waiters gather for the next one, so throughput grows
//! with load instead of paying one fsync per message.

use std::time::Duration;

use tokio::task::JoinHandle;

use super::actor::Actor;
use crate::store::{Flusher, StoreError};

/// An action to run once the writes made before it was registered are durable.
pub(crate) type Deferred = Box<dyn FnOnce(&mut Actor) + Send>;

/// Delay before retrying a failed flush.
const RETRY_FLUSH_AFTER: Duration = Duration::from_millis(200);

/// A flush running on the blocking pool, with the actions waiting for it.
type InFlightFlush = (JoinHandle<Result<(), StoreError>>, Vec<Deferred>);

pub(crate) struct Durability {
    flusher: Flusher,
    dirty: bool,
    pending: Vec<Deferred>,
    in_flight: Option<InFlightFlush>,
}

impl Durability {
    pub(crate) fn new(flusher: Flusher) -> Self {
        Self {
            flusher,
            dirty: false,
            pending: Vec::new(),
            in_flight: None,
        }
    }

    /// Notes that the store was written.
    pub(crate) fn wrote(&mut self) {
        self.dirty = true;
    }

    /// Runs `action` after everything written so far is on disk.
    pub(crate) fn after_flush(&mut self, action: Deferred) {
        self.dirty = true;
        self.pending.push(action);
    }

    /// Whether anything is written but not yet flushed, or being flushed.
    pub(crate) fn is_idle(&self) -> bool {
        !self.dirty && self.in_flight.is_none()
    }

    /// Starts a flush if there are unflushed writes and none is running.
    pub(crate) fn kick(&mut self) {
        if self.dirty && self.in_flight.is_none() {
            let flusher = self.flusher.clone();
            let waiters = std::mem::take(&mut self.pending);
            self.dirty = false;
            self.in_flight = Some((tokio::task::spawn_blocking(move || flusher.flush()), waiters));
        }
    }

    /// Waits for the running flush and returns the actions it released (pending forever
    /// if no flush runs). On a failed flush the waiters are kept and retried.
    pub(crate) async fn completed(&mut self) -> Vec<Deferred> {
        let Some((handle, _)) = self.in_flight.as_mut() else {
            return futures::future::pending().await;
        };
        let result = handle.await;
        let (_, waiters) = self.in_flight.take().expect("a flush was in flight");
        match result {
            Ok(Ok(())) => waiters,
            failure => {
                tracing::error!(?failure, "flushing the store failed; retrying");
                tokio::time::sleep(RETRY_FLUSH_AFTER).await;
                self.dirty = true;
                let mut waiters = waiters;
                waiters.append(&mut self.pending);
                self.pending = waiters;
                Vec::new()
            }
        }
    }
}
