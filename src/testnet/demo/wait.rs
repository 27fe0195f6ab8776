//! Waiting in the demo: every step has a deadline.

use std::future::Future;
use std::time::{Duration, Instant};

use futures::StreamExt;

use super::{DemoError, STEP_DEADLINE};
use crate::node::{EventStream, MessageView, NodeError, NodeHandle};
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

/// `from` sends `text` to `contact`; waits (until the step deadline) for `to`, the
/// recipient's node, to receive it. Returns the message and the time from the send.
pub(super) async fn send_and_wait(
    from: &NodeHandle,
    contact: &str,
    text: &str,
    to: &NodeHandle,
    what: &'static str,
) -> Result<(MessageView, Duration), DemoError> {
    let mut events = to.events();
    let sent_at = Instant::now();
    let sent = from.send(contact, text).await?;
    let latency = wait_received(&mut events, &sent, sent_at)
        .await
        .ok_or(DemoError::Timeout(what))?;
    Ok((sent, latency))
}
