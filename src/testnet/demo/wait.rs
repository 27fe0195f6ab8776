//! Waiting in the demo: every step has a deadline.

use std::future::Future;
use std::time::{Duration, Instant};

use futures::StreamExt;

use super::{DemoError, STEP_DEADLINE};
use crate::node::{EventStream, MessageView, NodeError};
use crate::Event;

/// Runs `work` with the step deadline.
pub(super) async fn within<T>(
    what: &'static str,
    work: impl Future<Output = Result<T, NodeError>>,
) -> Result<T, DemoError> {
    match tokio::time::timeout(STEP_DEADLINE, work).await {
        Ok(result) => Ok(result?),
        Err(_) => Err(DemoError::Timeout(what)),
    }
}

/// Waits (until the step deadline) for `sent` to arrive on a subscription taken before
/// it was sent; returns the time since `sent_at`, or `None` if it never came.
pub(super) async fn wait_received(events: &mut EventStream, sent: &MessageView, sent_at: Instant) -> Option<Duration> {
    let arrived = async {
        while let Some(event) = events.next().await {
            if let Event::MessageReceived { message } = event {
                if message.id == sent.id {
                    return Some(sent_at.elapsed());
                }
            }
        }
        None
    };
    tokio::time::timeout(STEP_DEADLINE, arrived).await.ok().flatten()
}
