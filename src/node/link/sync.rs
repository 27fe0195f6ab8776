//! Keeping linked devices up to date over `/chingu/device-sync/1` (`protocol/devices.md`
//! §6). The account's first device [`serve`]s each linked device that dials it: the 1:1
//! history since the device's hello, then every message its node reports as received,
//! changed or moved on. A linked device [`follow`]s its first device: it dials, says
//! since when, hands what arrives to its actor, and dials again after a growing pause
//! when the stream ends — until the first device says it was removed.

use std::time::Duration;

use futures::AsyncWriteExt;
use libp2p::{PeerId, StreamProtocol};
use tokio::sync::{broadcast, mpsc};

use super::{LinkEvent, STEP_TIMEOUT};
use crate::account::history::{self, HistoryEntry, MAX_HISTORY_BYTES};
use crate::account::sync::{SyncMessage, MAX_SYNC_FRAME, SYNC_PROTOCOL};
use crate::account::AccountError;
use crate::model::{now_ms, MsgId};
use crate::node::Event;
use crate::store::{DeviceEntry, Store};
use crate::wire::frame::{read_frame, write_frame};
use crate::wire::{from_cbor, to_cbor, List, Text};

/// The sync stream protocol.
pub(crate) fn protocol() -> StreamProtocol {
    StreamProtocol::new(SYNC_PROTOCOL)
}

/// The first pause before a linked device dials again, and the longest.
const FIRST_PAUSE: Duration = Duration::from_secs(1);
const LONGEST_PAUSE: Duration = Duration::from_secs(60);
/// How far back a first device sends again after its event stream lagged (ms).
const LAG_MARGIN_MS: u64 = 60_000;

async fn write(stream: &mut libp2p::Stream, message: &SyncMessage) -> Result<(), AccountError> {
    tokio::time::timeout(STEP_TIMEOUT, write_frame(stream, &to_cbor(message)))
        .await
        .map_err(|_| AccountError::Handshake("the other device stopped reading".into()))?
        .map_err(|e| AccountError::Handshake(e.to_string()))
}

async fn read(stream: &mut libp2p::Stream, wait: Option<Duration>) -> Result<SyncMessage, AccountError> {
    let frame = read_frame(stream, MAX_SYNC_FRAME + 64);
    let frame = match wait {
        Some(wait) => tokio::time::timeout(wait, frame)
            .await
            .map_err(|_| AccountError::Handshake("the other device stopped answering".into()))?,
        None => frame.await,
    }
    .map_err(|e| AccountError::Handshake(e.to_string()))?;
    from_cbor(&frame, MAX_SYNC_FRAME + 64).map_err(|_| AccountError::Malformed("not a device-sync message"))
}

/// Sends `entries` in batches.
async fn send_entries(stream: &mut libp2p::Stream, entries: Vec<DeviceEntry>) -> Result<(), AccountError> {
    let (batches, _, _) = history::batches(
        entries
            .into_iter()
            .map(|(tree, key, value)| (tree as u8, key.to_vec(), value.to_vec())),
    );
    for batch in batches {
        write(stream, &SyncMessage::History(List::truncating(batch))).await?;
    }
    Ok(())
}

/// Sends the 1:1 history from `since_ms` on.
async fn send_since(stream: &mut libp2p::Stream, store: &Store, since_ms: u64) -> Result<(), AccountError> {
    let store = store.clone();
    let entries = tokio::task::spawn_blocking(move || store.device_history(since_ms, MAX_HISTORY_BYTES))
        .await
        .map_err(|e| AccountError::Handshake(e.to_string()))?
        .map_err(|e| AccountError::Handshake(e.to_string()))?
        .ok_or(AccountError::HistoryTooLarge)?;
    send_entries(stream, entries).await
}

/// Writes a refusal and closes.
pub(super) async fn refuse(mut stream: libp2p::Stream, error: AccountError) {
    if let Ok(reason) = Text::new(error.reason()) {
        let _ = write(&mut stream, &SyncMessage::Refused(reason)).await;
    }
    let _ = tokio::time::timeout(STEP_TIMEOUT, stream.close()).await;
}

/// The first device's side: serves one linked device until the stream fails.
pub(super) async fn serve(mut stream: libp2p::Stream, store: Store, mut events: broadcast::Receiver<Event>) {
    if let Err(e) = serve_on(&mut stream, &store, &mut events).await {
        tracing::debug!(error = %e, "a linked device's sync ended");
    }
}

async fn serve_on(
    stream: &mut libp2p::Stream,
    store: &Store,
    events: &mut broadcast::Receiver<Event>,
) -> Result<(), AccountError> {
    let SyncMessage::Hello { since_ms } = read(stream, Some(STEP_TIMEOUT)).await? else {
        return Err(AccountError::Malformed("expected the linked device's hello"));
    };
    send_since(stream, store, since_ms).await?;
    loop {
        let id = match events.recv().await {
            Ok(Event::MessageReceived { message } | Event::MessageChanged { message }) => message.id,
            Ok(Event::MessageState { id, .. }) => id,
            Ok(_) => continue,
            Err(broadcast::error::RecvError::Lagged(_)) => {
                send_since(stream, store, now_ms().saturating_sub(LAG_MARGIN_MS)).await?;
                continue;
            }
            Err(broadcast::error::RecvError::Closed) => return Ok(()),
        };
        let Ok(id) = id.parse::<MsgId>() else {
            continue;
        };
        let store = store.clone();
        let entries = tokio::task::spawn_blocking(move || store.message_entries(&id))
            .await
            .map_err(|e| AccountError::Handshake(e.to_string()))?
            .map_err(|e| AccountError::Handshake(e.to_string()))?;
        if let Some(entries) = entries {
            send_entries(stream, entries).await?;
        }
    }
}

/// The linked device's side: follows `first` (the account's first device) for as long
/// as the node runs, handing every batch to the actor.
pub(super) async fn follow(
    mut control: libp2p_stream::Control,
    first: PeerId,
    store: Store,
    events: mpsc::UnboundedSender<LinkEvent>,
) {
    let mut pause = FIRST_PAUSE;
    loop {
        if let Ok(Ok(mut stream)) = tokio::time::timeout(STEP_TIMEOUT, control.open_stream(first, protocol())).await {
            match follow_on(&mut stream, &store, &events, &mut pause).await {
                Err(AccountError::RevokedDevice) => {
                    let _ = events.send(LinkEvent::Removed);
                    return;
                }
                Err(e) => tracing::debug!(error = %e, "the sync with the first device ended"),
                Ok(()) => {}
            }
        }
        if events.is_closed() {
            return;
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(LONGEST_PAUSE);
    }
}

async fn follow_on(
    stream: &mut libp2p::Stream,
    store: &Store,
    events: &mpsc::UnboundedSender<LinkEvent>,
    pause: &mut Duration,
) -> Result<(), AccountError> {
    let store = store.clone();
    let since_ms = tokio::task::spawn_blocking(move || store.newest_direct_ms())
        .await
        .map_err(|e| AccountError::Handshake(e.to_string()))?
        .map_err(|e| AccountError::Handshake(e.to_string()))?;
    write(stream, &SyncMessage::Hello { since_ms }).await?;
    loop {
        match read(stream, None).await? {
            SyncMessage::History(batch) => {
                *pause = FIRST_PAUSE;
                let entries: Vec<HistoryEntry> = batch.into_vec();
                if events.send(LinkEvent::Synced(entries)).is_err() {
                    return Ok(());
                }
            }
            SyncMessage::Refused(reason) => return Err(AccountError::from_reason(reason.as_str())),
            SyncMessage::Hello { .. } => return Err(AccountError::Malformed("a hello from the first device")),
        }
    }
}
