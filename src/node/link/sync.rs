//! Keeping linked devices up to date over `/chingu/device-sync/1` (`protocol/devices.md`
//! §6). The account's first device [`serve`]s each linked device that dials it: the 1:1
//! history since the device's hello, then every message its node reports as received,
//! changed or moved on. A linked device [`follow`]s its first device: it dials, says
//! since when, hands what arrives to its actor, and dials again after a growing pause
//! when the stream ends — until the first device says it was removed. A 1:1 text its
//! person writes goes to the first device on the same stream, which sends it as its own
//! (friends take messages from the key they pinned only).

use std::collections::HashMap;
use std::time::Duration;

use futures::{AsyncReadExt, StreamExt};
use libp2p::{PeerId, StreamProtocol};
use tokio::sync::{broadcast, mpsc, oneshot};

use super::io::{as_wire, blocking, history_since, read_value, write_value};
use super::{AbortOnDrop, LinkEvent, STEP_TIMEOUT};
use crate::account::history::{self, HistoryEntry};
use crate::account::sync::{SyncMessage, MAX_SYNC_FRAME, SYNC_PROTOCOL};
use crate::account::AccountError;
use crate::model::{now_ms, MsgId};
use crate::node::command::Reply;
use crate::node::refusal::Refusal;
use crate::node::Event;
use crate::node::{MessageView, NodeError};
use crate::store::Store;
use crate::wire::{Bytes, List, Text};

/// The sync stream protocol.
pub(crate) fn protocol() -> StreamProtocol {
    StreamProtocol::new(SYNC_PROTOCOL)
}

/// The first pause before a linked device dials again, and the longest.
const FIRST_PAUSE: Duration = Duration::from_secs(1);
const LONGEST_PAUSE: Duration = Duration::from_secs(60);
/// How far back a first device sends again after its event stream lagged (ms).
const LAG_MARGIN_MS: u64 = 60_000;

type Reader = futures::io::ReadHalf<libp2p::Stream>;
type Writer = futures::io::WriteHalf<libp2p::Stream>;

/// A 1:1 text a linked device's person sent, on its way to the first device.
pub(crate) struct Forward {
    pub(crate) contact: String,
    pub(crate) text: String,
    pub(crate) reply: Reply<MessageView>,
}

async fn write(stream: &mut Writer, message: &SyncMessage) -> Result<(), AccountError> {
    write_value(stream, message).await
}

/// Reads `reader`'s messages on a task of their own (a frame half read is never dropped
/// by a `select!`); they arrive on the receiver until the stream fails.
fn reading(mut reader: Reader) -> (AbortOnDrop, mpsc::Receiver<Result<SyncMessage, AccountError>>) {
    let (tx, rx) = mpsc::channel(4);
    let task = tokio::spawn(async move {
        loop {
            let message = read_value(&mut reader, MAX_SYNC_FRAME + 64, None).await;
            let failed = message.is_err();
            if tx.send(message).await.is_err() || failed {
                return;
            }
        }
    });
    (AbortOnDrop(task), rx)
}

/// Sends `entries` (wire-shaped) in batches.
async fn send_entries(stream: &mut Writer, entries: Vec<(u8, Vec<u8>, Vec<u8>)>) -> Result<(), AccountError> {
    let (batches, _, _) = history::batches(entries);
    for batch in batches {
        write(stream, &SyncMessage::History(List::truncating(batch))).await?;
    }
    Ok(())
}

/// One message's entries (conversation row, index, message), if it is a 1:1 message.
async fn message_entries(store: &Store, id: &str) -> Result<Option<Vec<(u8, Vec<u8>, Vec<u8>)>>, AccountError> {
    let Ok(id) = id.parse::<MsgId>() else {
        return Ok(None);
    };
    let store = store.clone();
    Ok(blocking(move || store.message_entries(&id)).await?.map(as_wire))
}

/// Writes a refusal and closes.
pub(super) async fn refuse(stream: libp2p::Stream, error: AccountError) {
    super::io::refuse(stream, error, SyncMessage::Refused).await
}

/// The first device's side: serves one linked device until the stream fails, sending
/// what its person writes through `actor`.
pub(super) async fn serve(
    peer: PeerId,
    stream: libp2p::Stream,
    store: Store,
    mut events: broadcast::Receiver<Event>,
    actor: mpsc::UnboundedSender<LinkEvent>,
) {
    if let Err(e) = serve_on(peer, stream, &store, &mut events, &actor).await {
        tracing::debug!(error = %e, "a linked device's sync ended");
    }
}

async fn serve_on(
    peer: PeerId,
    stream: libp2p::Stream,
    store: &Store,
    events: &mut broadcast::Receiver<Event>,
    actor: &mpsc::UnboundedSender<LinkEvent>,
) -> Result<(), AccountError> {
    let (reader, mut writer) = stream.split();
    let (_reader, mut incoming) = reading(reader);
    let hello = tokio::time::timeout(STEP_TIMEOUT, incoming.recv())
        .await
        .map_err(|_| AccountError::Handshake("the linked device said nothing".into()))?;
    let Some(Ok(SyncMessage::Hello { since_ms, addrs })) = hello else {
        return Err(AccountError::Malformed("expected the linked device's hello"));
    };
    let addrs = addrs
        .iter()
        .filter_map(|a| libp2p::Multiaddr::try_from(a.as_ref().to_vec()).ok())
        .map(|a| a.to_string())
        .collect();
    let _ = actor.send(LinkEvent::DeviceAddrs { peer, addrs });
    send_entries(&mut writer, history_since(store, since_ms).await?).await?;
    let mut sending = futures::stream::FuturesUnordered::new();
    loop {
        tokio::select! {
            event = events.recv() => {
                let id = match event {
                    Ok(Event::MessageReceived { message } | Event::MessageChanged { message }) => message.id,
                    Ok(Event::MessageState { id, .. }) => id,
                    Ok(_) => continue,
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        let since_ms = now_ms().saturating_sub(LAG_MARGIN_MS);
                        send_entries(&mut writer, history_since(store, since_ms).await?).await?;
                        continue;
                    }
                    Err(broadcast::error::RecvError::Closed) => return Ok(()),
                };
                if let Some(entries) = message_entries(store, &id).await? {
                    send_entries(&mut writer, entries).await?;
                }
            }
            message = incoming.recv() => match message {
                Some(Ok(SyncMessage::Send { request, contact, text })) => {
                    let (reply, answer) = oneshot::channel();
                    let forward = Forward {
                        contact: contact.into_string(),
                        text: text.into_string(),
                        reply,
                    };
                    if actor.send(LinkEvent::SendFor(forward)).is_err() {
                        return Ok(());
                    }
                    sending.push(async move { (request, answer.await) });
                }
                Some(Ok(_)) => return Err(AccountError::Malformed("a device-sync message for the other side")),
                Some(Err(e)) => return Err(e),
                None => return Ok(()),
            },
            Some((request, answer)) = sending.next(), if !sending.is_empty() => {
                let answer = match answer {
                    Ok(Ok(view)) => match message_entries(store, &view.id).await? {
                        Some(entries) => SyncMessage::Sent {
                            request,
                            entries: List::truncating(
                                entries
                                    .into_iter()
                                    .filter_map(|(tree, key, value)| HistoryEntry::new(tree, key, value))
                                    .collect(),
                            ),
                        },
                        None => not_sent(request, "internal"),
                    },
                    Ok(Err(e)) => not_sent(request, crate::api::ApiError::from(&e).reason().unwrap_or("not_sent")),
                    Err(_) => not_sent(request, "stopped"),
                };
                write(&mut writer, &answer).await?;
            }
        }
    }
}

fn not_sent(request: u64, reason: &str) -> SyncMessage {
    SyncMessage::NotSent {
        request,
        reason: Text::new(reason).unwrap_or_else(|_| Text::new("not_sent").expect("a short reason fits")),
    }
}

/// The linked device's side: follows `first` (the account's first device) for as long
/// as the node runs, handing every batch to the actor and sending what its person writes
/// (`forwards`) through it.
pub(super) async fn follow(mut control: libp2p_stream::Control, following: Following) {
    let Following {
        first,
        own_addrs,
        store,
        events,
        mut forwards,
        connected,
    } = following;
    let mut pause = FIRST_PAUSE;
    loop {
        if let Ok(Ok(stream)) = tokio::time::timeout(STEP_TIMEOUT, control.open_stream(first, protocol())).await {
            match follow_on(stream, &own_addrs, &store, &events, &mut pause, &mut forwards).await {
                Err(AccountError::RevokedDevice) => {
                    refuse_the_rest(&mut forwards);
                    let _ = events.send(LinkEvent::Removed);
                    return;
                }
                Err(e) => tracing::debug!(error = %e, "the sync with the first device ended"),
                Ok(()) => {}
            }
        }
        if events.is_closed() {
            refuse_the_rest(&mut forwards);
            return;
        }
        // Meanwhile what the person writes cannot go: say so at once. A connection to
        // the first device (it dialled us after moving) ends the pause.
        let paused = tokio::time::sleep(pause);
        tokio::pin!(paused);
        loop {
            tokio::select! {
                _ = &mut paused => break,
                _ = connected.notified() => break,
                Some(forward) = forwards.recv() => unreachable_first(forward.reply),
            }
        }
        pause = (pause * 2).min(LONGEST_PAUSE);
    }
}

/// What a linked device's follower needs.
pub(super) struct Following {
    /// The account's first device.
    pub(super) first: PeerId,
    /// Where this device listens (named in the hello).
    pub(super) own_addrs: Vec<libp2p::Multiaddr>,
    pub(super) store: Store,
    pub(super) events: mpsc::UnboundedSender<LinkEvent>,
    /// Texts the person writes.
    pub(super) forwards: mpsc::Receiver<Forward>,
    /// Woken when a connection to the first device comes up.
    pub(super) connected: std::sync::Arc<tokio::sync::Notify>,
}

/// Stops taking sends and answers every one still queued: a send whose answer is
/// dropped would leave its caller waiting for ever.
fn refuse_the_rest(forwards: &mut mpsc::Receiver<Forward>) {
    forwards.close();
    while let Ok(forward) = forwards.try_recv() {
        unreachable_first(forward.reply);
    }
}

/// The answer to a send the first device cannot take now.
fn unreachable_first(reply: Reply<MessageView>) {
    let _ = reply.send(Err(Refusal::invalid(
        "first_device_unreachable",
        "the account's first device cannot be reached now: the message was not sent",
    )
    .into()));
}

async fn follow_on(
    stream: libp2p::Stream,
    own_addrs: &[libp2p::Multiaddr],
    store: &Store,
    events: &mpsc::UnboundedSender<LinkEvent>,
    pause: &mut Duration,
    forwards: &mut mpsc::Receiver<Forward>,
) -> Result<(), AccountError> {
    let (reader, mut writer) = stream.split();
    let (_reader, mut incoming) = reading(reader);
    let store = store.clone();
    let since_ms = blocking(move || store.newest_direct_ms()).await?;
    let hello = SyncMessage::Hello {
        since_ms,
        addrs: List::truncating(own_addrs.iter().filter_map(|a| Bytes::new(a.to_vec()).ok()).collect()),
    };
    write(&mut writer, &hello).await?;
    // Sends waiting for the first device's answer, each until its deadline.
    let mut waiting: HashMap<u64, (tokio::time::Instant, Reply<MessageView>)> = HashMap::new();
    let mut next_request = 0u64;
    let ended = loop {
        let next_deadline = waiting.values().map(|(deadline, _)| *deadline).min();
        tokio::select! {
            _ = tokio::time::sleep_until(next_deadline.unwrap_or_else(tokio::time::Instant::now)), if next_deadline.is_some() => {
                let now = tokio::time::Instant::now();
                let late: Vec<u64> = waiting.iter().filter(|(_, (d, _))| *d <= now).map(|(r, _)| *r).collect();
                for request in late {
                    if let Some((_, reply)) = waiting.remove(&request) {
                        unreachable_first(reply);
                    }
                }
            }
            message = incoming.recv() => match message {
                Some(Ok(SyncMessage::History(batch))) => {
                    *pause = FIRST_PAUSE;
                    if events.send(LinkEvent::Synced(batch.into_vec())).is_err() {
                        break Ok(());
                    }
                }
                Some(Ok(SyncMessage::Sent { request, entries })) => {
                    if let Some((_, reply)) = waiting.remove(&request) {
                        let _ = events.send(LinkEvent::SentThrough { entries: entries.into_vec(), reply });
                    }
                }
                Some(Ok(SyncMessage::NotSent { request, reason })) => {
                    if let Some((_, reply)) = waiting.remove(&request) {
                        let _ = reply.send(Err(refused_by_first(reason.as_str())));
                    }
                }
                Some(Ok(SyncMessage::Refused(reason))) => break Err(AccountError::from_reason(reason.as_str())),
                Some(Ok(_)) => break Err(AccountError::Malformed("a device-sync message for the other side")),
                Some(Err(e)) => break Err(e),
                None => break Ok(()),
            },
            Some(forward) = forwards.recv() => {
                let (Ok(contact), Ok(text)) = (Text::new(forward.contact.as_str()), Text::new(forward.text.as_str())) else {
                    let _ = forward.reply.send(Err(Refusal::invalid("too_long", "the contact or the text is over its limit").into()));
                    continue;
                };
                next_request += 1;
                let request = SyncMessage::Send { request: next_request, contact, text };
                if let Err(e) = write(&mut writer, &request).await {
                    unreachable_first(forward.reply);
                    break Err(e);
                }
                waiting.insert(next_request, (tokio::time::Instant::now() + STEP_TIMEOUT, forward.reply));
            }
        }
    };
    for (_, (_, reply)) in waiting {
        unreachable_first(reply);
    }
    ended
}

/// A refusal the first device gave a forwarded send, as the linked device's own.
fn refused_by_first(reason: &str) -> NodeError {
    let known = crate::i18n::refusals::REASONS
        .iter()
        .map(|(known, _)| *known)
        .find(|known| *known == reason);
    match known {
        Some(reason) => Refusal::invalid(reason, format!("the first device refused: {reason}")).into(),
        None => Refusal::invalid(
            "first_device_unreachable",
            format!("the first device refused: {reason}"),
        )
        .into(),
    }
}
