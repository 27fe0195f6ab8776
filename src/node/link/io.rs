//! What both device protocols (`/chingu/link/1`, `/chingu/device-sync/1`) do on a stream:
//! one CBOR value per `u32be`-length frame, each step within a deadline, a refusal written
//! in clear before closing; and the store reads they need, off the actor's thread.

use std::time::Duration;

use futures::{AsyncRead, AsyncWrite, AsyncWriteExt};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::STEP_TIMEOUT;
use crate::account::history::MAX_HISTORY_BYTES;
use crate::account::AccountError;
use crate::store::{DeviceEntry, Store, StoreError, Window};
use crate::wire::frame::{read_frame, write_frame};
use crate::wire::{from_cbor, to_cbor, Text};

/// Writes `value` as one frame within [`STEP_TIMEOUT`].
pub(super) async fn write_value<W: AsyncWrite + Unpin, T: Serialize>(
    io: &mut W,
    value: &T,
) -> Result<(), AccountError> {
    tokio::time::timeout(STEP_TIMEOUT, write_frame(io, &to_cbor(value)))
        .await
        .map_err(|_| AccountError::Handshake("the other device stopped reading".into()))?
        .map_err(|e| AccountError::Handshake(e.to_string()))
}

/// Reads one value of at most `max` bytes, within `wait` (`None`: as long as it takes).
pub(super) async fn read_value<R: AsyncRead + Unpin, T: DeserializeOwned>(
    io: &mut R,
    max: usize,
    wait: Option<Duration>,
) -> Result<T, AccountError> {
    let frame = read_frame(io, max);
    let frame = match wait {
        Some(wait) => tokio::time::timeout(wait, frame)
            .await
            .map_err(|_| AccountError::Handshake("the other device stopped answering".into()))?,
        None => frame.await,
    }
    .map_err(|e| AccountError::Handshake(e.to_string()))?;
    from_cbor(&frame, max).map_err(|_| AccountError::Malformed("not a message of this protocol"))
}

/// Writes `error`'s reason in clear (as the protocol's refusal `frame`) and closes.
pub(super) async fn refuse<T: Serialize>(mut stream: libp2p::Stream, error: AccountError, frame: fn(Text<32>) -> T) {
    let _ = tokio::time::timeout(STEP_TIMEOUT, async {
        // Every reason is a short ASCII name: it always fits.
        if let Ok(reason) = Text::new(error.reason()) {
            let _ = write_frame(&mut stream, &to_cbor(&frame(reason))).await;
        }
        let _ = stream.close().await;
    })
    .await;
}

/// Closes our side of `stream` and reads until the other side closes too (within
/// [`STEP_TIMEOUT`], at most 64 KiB): what we wrote last has then reached the other side,
/// and the connection under the stream may be dropped.
pub(super) async fn close_and_drain(stream: &mut libp2p::Stream) {
    use futures::AsyncReadExt;
    let _ = tokio::time::timeout(STEP_TIMEOUT, async {
        let _ = stream.close().await;
        let (mut buf, mut total) = ([0u8; 4096], 0);
        while let Ok(n @ 1..) = stream.read(&mut buf).await {
            total += n;
            if total > 64 * 1024 {
                break;
            }
        }
    })
    .await;
}

/// Runs a store read on a blocking thread.
pub(super) async fn blocking<T: Send + 'static>(
    read: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, AccountError> {
    tokio::task::spawn_blocking(read)
        .await
        .map_err(|e| AccountError::Handshake(e.to_string()))?
        .map_err(|e| AccountError::Handshake(e.to_string()))
}

/// The 1:1 history in `window` (after the message `after`, if any) and every contact
/// (protocol/devices.md §5–6), as the wire carries it (tree number, key, value);
/// [`AccountError::HistoryTooLarge`] past the budget.
pub(super) async fn history_since(
    store: &Store,
    window: Window,
    after: Option<Vec<u8>>,
) -> Result<Vec<(u8, Vec<u8>, Vec<u8>)>, AccountError> {
    let store = store.clone();
    let entries = blocking(move || store.device_history(window, after.as_deref(), MAX_HISTORY_BYTES))
        .await?
        .ok_or(AccountError::HistoryTooLarge)?;
    Ok(as_wire(entries))
}

/// Database entries as the wire carries them.
pub(super) fn as_wire(entries: Vec<DeviceEntry>) -> Vec<(u8, Vec<u8>, Vec<u8>)> {
    entries
        .into_iter()
        .map(|(tree, key, value)| (tree as u8, key.to_vec(), value.to_vec()))
        .collect()
}
