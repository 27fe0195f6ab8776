//! Keeping linked devices up to date over `/chingu/device-sync/1` (`protocol/devices.md`
//! §6). The account's first device [`serve`]s each linked device that dials it: the 1:1
//! history since the device's hello, then every message its node reports as received,
//! changed or moved on. A linked device [`follow`]s its first device: it dials, says
//! since when, hands what arrives to its actor, and dials again after a growing pause
//! when the stream ends — until the first device says it was removed. A 1:1 text its
//! person writes goes to the first device on the same stream, which sends it as its own
//! (friends take messages from the key they pinned only); so does a text to a group,
//! which the first device posts as its own member's, and the first device sends every
//! group as it shows it (never its keys) when the stream starts and after each change.

use std::collections::HashMap;
use std::time::Duration;

use futures::{AsyncReadExt, StreamExt};
use libp2p::{PeerId, StreamProtocol};
use tokio::sync::{broadcast, mpsc, oneshot};

use super::io::{as_wire, blocking, history_since, read_value, write_value};
use super::{AbortOnDrop, LinkEvent, STEP_TIMEOUT};
use crate::account::history::{self, HistoryEntry};
use crate::account::sync::{
    Action, GroupCopy, HandedMessage, SyncMessage, MAX_CONTACT_KEY, MAX_CONTACT_KEYS, MAX_CONTACT_QUERY,
    MAX_SYNC_FRAME, SYNC_PROTOCOL,
};
use crate::account::{AccountError, SignedDeviceList};
use crate::content::body::MAX_TEXT_BYTES;
use crate::model::MsgId;
use crate::node::command::Reply;
use crate::node::refusal::Refusal;
use crate::node::Event;
use crate::node::{MessageView, NodeError};
use crate::phone::PhoneNumber;
use crate::store::Store;
use crate::wire::{Bytes, List, Text};

/// The sync stream protocol.
pub(crate) fn protocol() -> StreamProtocol {
    StreamProtocol::new(SYNC_PROTOCOL)
}

/// The first pause before a linked device dials again, and the longest.
const FIRST_PAUSE: Duration = Duration::from_secs(1);
const LONGEST_PAUSE: Duration = Duration::from_secs(60);

type Reader = futures::io::ReadHalf<libp2p::Stream>;
type Writer = futures::io::WriteHalf<libp2p::Stream>;

/// What a linked device's person did, on its way to the first device.
pub(crate) enum Forward {
    /// A 1:1 text.
    Send {
        contact: Text<MAX_CONTACT_QUERY>,
        text: Text<MAX_TEXT_BYTES>,
        reply: Reply<MessageView>,
    },
    /// A file its person sends (sealed here).
    SendFile {
        to: Text<MAX_CONTACT_QUERY>,
        body: Bytes<{ crate::content::body::MAX_BODY }>,
        reply: Reply<MessageView>,
    },
    /// Anything else its person writes (`messages.compose`).
    Compose {
        compose: crate::node::Compose,
        reply: Reply<MessageView>,
    },
    /// A text to a group.
    SendGroup {
        group: Text<MAX_CONTACT_QUERY>,
        text: Text<MAX_TEXT_BYTES>,
        reply: Reply<MessageView>,
    },
    /// Anything else the first device does for the account; `then` runs on the linked
    /// device's actor with the first device's answer (what the action counts).
    Act { action: Action, then: Then },
    /// A friend's message left with this device while the first device was away; `then`
    /// runs with the first device's answer (1 once it has it on disk).
    Hand {
        contact: Text<MAX_CONTACT_KEY>,
        sent: bool,
        message: HandedMessage,
        then: Then,
    },
    /// A group text this device's person wrote while the first device was away.
    HandGroup {
        group: crate::wire::Fixed<16>,
        message: HandedMessage,
        then: Then,
    },
}

/// What a linked device does with the first device's answer to an action.
pub(crate) type Then = Box<dyn FnOnce(&mut crate::node::actor::Actor, Result<u64, NodeError>) + Send>;

/// What changed on the first device that its linked devices must hear of (besides the
/// messages its events name).
#[derive(Clone)]
pub(crate) enum DeviceNote {
    /// These contacts were written.
    Contacts(Vec<PhoneNumber>),
    /// A contact was removed.
    ContactRemoved,
    /// These messages were marked read (their entries are on disk).
    Read(Vec<MsgId>),
    /// The device list changed (stored).
    List(SignedDeviceList),
    /// A group changed: its copy's frames.
    Group(Vec<GroupCopy>),
}

/// What a first device says when a linked device's stream starts.
pub(super) struct Opening {
    /// Where the first device listens.
    pub(super) addrs: Vec<libp2p::Multiaddr>,
    /// The account's device list.
    pub(super) list: SignedDeviceList,
    /// The account's groups' copies (frames).
    pub(super) groups: Vec<GroupCopy>,
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

/// Names every contact the account has, in frames (the linked device forgets the others).
async fn send_contact_keys(stream: &mut Writer, store: &Store) -> Result<(), AccountError> {
    let store = store.clone();
    let keys = blocking(move || store.contact_keys()).await?;
    let keys: Vec<Bytes<{ crate::account::sync::MAX_CONTACT_KEY }>> =
        keys.iter().filter_map(|k| Bytes::new(k.to_vec()).ok()).collect();
    // At least one frame, the last one saying so (none: the account has no contacts).
    let frames: Vec<&[_]> = match keys.is_empty() {
        true => vec![&[]],
        false => keys.chunks(MAX_CONTACT_KEYS).collect(),
    };
    for (i, frame) in frames.iter().enumerate() {
        let last = i + 1 == frames.len();
        let keys = List::truncating(frame.to_vec());
        write(stream, &SyncMessage::ContactKeys { keys, last }).await?;
    }
    Ok(())
}

/// Tells the linked device `peer` what `note` says; `false` once the device list no
/// longer names it (the stream then ends).
async fn tell(stream: &mut Writer, store: &Store, peer: &PeerId, note: DeviceNote) -> Result<bool, AccountError> {
    match note {
        DeviceNote::Contacts(phones) => {
            let store = store.clone();
            let entries = blocking(move || store.contact_entries(&phones)).await?;
            send_entries(stream, super::io::as_wire(entries)).await?;
        }
        DeviceNote::ContactRemoved => send_contact_keys(stream, store).await?,
        DeviceNote::Read(ids) => send_entries(stream, message_entries(store, ids).await?).await?,
        DeviceNote::List(list) => {
            let still = crate::account::sync::served_device(&list, peer).is_ok();
            write(stream, &SyncMessage::Devices(list)).await?;
            return Ok(still);
        }
        DeviceNote::Group(frames) => send_groups(stream, frames).await?,
    }
    Ok(true)
}

/// Writes group copies' frames.
async fn send_groups(stream: &mut Writer, frames: Vec<GroupCopy>) -> Result<(), AccountError> {
    for frame in frames {
        write(stream, &SyncMessage::Group(frame)).await?;
    }
    Ok(())
}

/// Every contact, the messages this (first) device stored from `since_ms` on and those
/// whose state changed since (the stream's start).
async fn catch_up(stream: &mut Writer, store: &Store, since_ms: u64) -> Result<(), AccountError> {
    send_entries(
        stream,
        history_since(store, crate::store::Window::StoredSince(since_ms), None).await?,
    )
    .await?;
    let reading = store.clone();
    let changed = blocking(move || reading.state_changes_since(since_ms)).await?;
    if !changed.is_empty() {
        send_entries(stream, message_entries(store, changed).await?).await?;
    }
    send_contact_keys(stream, store).await
}

/// The entries of messages (their conversations' rows, index entries, messages).
async fn message_entries(store: &Store, ids: Vec<MsgId>) -> Result<Vec<(u8, Vec<u8>, Vec<u8>)>, AccountError> {
    let store = store.clone();
    Ok(as_wire(blocking(move || store.message_entries(&ids)).await?))
}

/// The entries of the message `id` names (none for a bad id).
async fn entries_of(store: &Store, id: &str) -> Result<Vec<(u8, Vec<u8>, Vec<u8>)>, AccountError> {
    match id.parse::<MsgId>() {
        Ok(id) => message_entries(store, vec![id]).await,
        Err(_) => Ok(Vec::new()),
    }
}

/// Writes a refusal and closes.
pub(super) async fn refuse(stream: libp2p::Stream, error: AccountError) {
    super::io::refuse(stream, error, SyncMessage::Refused).await
}

/// What a first device's server of one linked device needs.
pub(super) struct Serving {
    pub(super) peer: PeerId,
    pub(super) store: Store,
    pub(super) events: broadcast::Receiver<Event>,
    pub(super) notes: broadcast::Receiver<DeviceNote>,
    /// Where the device's person's sends and actions go.
    pub(super) actor: mpsc::UnboundedSender<LinkEvent>,
    pub(super) opening: Opening,
}

/// The first device's side: serves one linked device until the stream fails, or until
/// the device list no longer names it, carrying out what its person does through
/// `actor`.
pub(super) async fn serve(stream: libp2p::Stream, serving: Serving) {
    if let Err(e) = serve_on(stream, serving).await {
        tracing::debug!(error = %e, "a linked device's sync ended");
    }
}

/// An answer the first device's actor owes the linked device.
type Owed = futures::future::BoxFuture<'static, (u64, Answer)>;

enum Answer {
    Sent(Result<Result<MessageView, NodeError>, oneshot::error::RecvError>),
    Done(Result<Result<u64, NodeError>, oneshot::error::RecvError>),
}

async fn serve_on(stream: libp2p::Stream, serving: Serving) -> Result<(), AccountError> {
    let Serving {
        peer,
        store,
        mut events,
        mut notes,
        actor,
        opening,
    } = serving;
    let store = &store;
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
    let here = opening
        .addrs
        .iter()
        .filter_map(|a| Bytes::new(a.to_vec()).ok())
        .collect();
    write(&mut writer, &SyncMessage::Here(List::truncating(here))).await?;
    write(&mut writer, &SyncMessage::Devices(opening.list)).await?;
    catch_up(&mut writer, store, since_ms).await?;
    send_groups(&mut writer, opening.groups).await?;
    // Behind its own events or notes, the server ends the stream: the device dials again
    // after a second and catches up from what it has.
    let mut owed = futures::stream::FuturesUnordered::<Owed>::new();
    loop {
        tokio::select! {
            event = events.recv() => {
                let id = match event {
                    Ok(Event::MessageReceived { message } | Event::MessageChanged { message }) => message.id,
                    Ok(Event::MessageState { id, .. }) => id,
                    Ok(_) => continue,
                    Err(broadcast::error::RecvError::Lagged(_)) => return Err(AccountError::Handshake("the server fell behind its node's events".into())),
                    Err(broadcast::error::RecvError::Closed) => return Ok(()),
                };
                send_entries(&mut writer, entries_of(store, &id).await?).await?;
            }
            note = notes.recv() => match note {
                Ok(note) => {
                    if !tell(&mut writer, store, &peer, note).await? {
                        return Ok(());
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => return Err(AccountError::Handshake("the server fell behind its node's notes".into())),
                Err(broadcast::error::RecvError::Closed) => return Ok(()),
            },
            message = incoming.recv() => match message {
                Some(Ok(SyncMessage::Send { request, contact, text })) => {
                    let (contact, text) = (contact.into_string(), text.into_string());
                    let send = |reply| LinkEvent::SendFor { contact, text, reply };
                    if !owe(&actor, &mut owed, request, send, Answer::Sent) {
                        return Ok(());
                    }
                }
                Some(Ok(SyncMessage::SendFile { request, to, body })) => {
                    let send = |reply| LinkEvent::SendFileFor { peer, to: to.into_string(), body: body.into_vec(), reply };
                    if !owe(&actor, &mut owed, request, send, Answer::Sent) {
                        return Ok(());
                    }
                }
                Some(Ok(SyncMessage::Compose { request, compose })) => {
                    let compose = |reply| LinkEvent::ComposeFor { compose, reply };
                    if !owe(&actor, &mut owed, request, compose, Answer::Sent) {
                        return Ok(());
                    }
                }
                Some(Ok(SyncMessage::SendGroup { request, group, text })) => {
                    let (group, text) = (group.into_string(), text.into_string());
                    let send = |reply| LinkEvent::SendGroupFor { group, text, reply };
                    if !owe(&actor, &mut owed, request, send, Answer::Sent) {
                        return Ok(());
                    }
                }
                Some(Ok(SyncMessage::Act { request, action })) => {
                    let act = |reply| LinkEvent::ActFor { action, reply };
                    if !owe(&actor, &mut owed, request, act, Answer::Done) {
                        return Ok(());
                    }
                }
                Some(Ok(SyncMessage::HandGroup { request, group, message })) => {
                    let hand = |reply| LinkEvent::HandGroupFor { group: *group.as_bytes(), message, reply };
                    if !owe(&actor, &mut owed, request, hand, Answer::Done) {
                        return Ok(());
                    }
                }
                Some(Ok(SyncMessage::Hand { request, contact, sent, message })) => {
                    let contact = contact.into_string();
                    let hand = |reply| LinkEvent::HandFor { contact, sent, message, reply };
                    if !owe(&actor, &mut owed, request, hand, Answer::Done) {
                        return Ok(());
                    }
                }
                Some(Ok(_)) => return Err(AccountError::Malformed("a device-sync message for the other side")),
                Some(Err(e)) => return Err(e),
                None => return Ok(()),
            },
            Some((request, answer)) = owed.next(), if !owed.is_empty() => {
                // What the actor changed went out as notes before it answered: they
                // reach the device before the answer does.
                while let Ok(note) = notes.try_recv() {
                    if !tell(&mut writer, store, &peer, note).await? {
                        return Ok(());
                    }
                }
                let answer = match answer {
                    Answer::Sent(Ok(Ok(view))) => match entries_of(store, &view.id).await? {
                        entries if entries.is_empty() => not_sent(request, "internal"),
                        entries => SyncMessage::Sent {
                            request,
                            entries: List::truncating(
                                entries
                                    .into_iter()
                                    .filter_map(|(tree, key, value)| HistoryEntry::new(tree, key, value))
                                    .collect(),
                            ),
                        },
                    },
                    Answer::Done(Ok(Ok(count))) => SyncMessage::Done { request, count },
                    Answer::Sent(Ok(Err(e))) | Answer::Done(Ok(Err(e))) => {
                        not_sent(request, crate::api::ApiError::from(&e).reason().unwrap_or("not_sent"))
                    }
                    Answer::Sent(Err(_)) | Answer::Done(Err(_)) => not_sent(request, "stopped"),
                };
                write(&mut writer, &answer).await?;
            }
        }
    }
}

/// Hands the actor what `make` makes of a reply channel, and owes the linked device the
/// answer to `request` (as `answer` wraps it); false once the actor is gone.
fn owe<T: Send + 'static>(
    actor: &mpsc::UnboundedSender<LinkEvent>,
    owed: &mut futures::stream::FuturesUnordered<Owed>,
    request: u64,
    make: impl FnOnce(Reply<T>) -> LinkEvent,
    answer: fn(Result<Result<T, NodeError>, oneshot::error::RecvError>) -> Answer,
) -> bool {
    let (reply, answered) = oneshot::channel();
    if actor.send(make(reply)).is_err() {
        return false;
    }
    owed.push(Box::pin(async move { (request, answer(answered.await)) }));
    true
}

fn not_sent(request: u64, reason: &str) -> SyncMessage {
    SyncMessage::NotSent {
        request,
        reason: Text::new(reason).unwrap_or_else(|_| Text::new("not_sent").expect("a short reason fits")),
    }
}

/// The linked device's side: follows `first` (the account's first device) for as long
/// as the node runs, handing every batch to the actor and sending what its person does
/// (`forwards`) through it.
pub(super) async fn follow(mut control: libp2p_stream::Control, following: Following) {
    let Following {
        first,
        account,
        me,
        own_addrs,
        store,
        events,
        mut forwards,
        connected,
    } = following;
    let mut pause = FIRST_PAUSE;
    loop {
        if let Ok(Ok(stream)) = tokio::time::timeout(STEP_TIMEOUT, control.open_stream(first, protocol())).await {
            let mut on = FollowOn {
                account,
                me,
                own_addrs: &own_addrs,
                store: &store,
                events: &events,
                pause: &mut pause,
                forwards: &mut forwards,
            };
            match on.run(stream).await {
                Err(AccountError::RevokedDevice) => {
                    refuse_the_rest(&mut forwards, &events);
                    let _ = events.send(LinkEvent::Removed);
                    return;
                }
                Err(e) => tracing::debug!(error = %e, "the sync with the first device ended"),
                Ok(()) => {}
            }
            let _ = events.send(LinkEvent::FirstGone);
        }
        if events.is_closed() {
            refuse_the_rest(&mut forwards, &events);
            return;
        }
        // Meanwhile what the person does cannot go: say so at once. A connection to the
        // first device (it dialled us after moving) ends the pause.
        let paused = tokio::time::sleep(pause);
        tokio::pin!(paused);
        loop {
            tokio::select! {
                _ = &mut paused => break,
                _ = connected.notified() => break,
                Some(forward) = forwards.recv() => unreachable_first(forward, &events),
            }
        }
        pause = (pause * 2).min(LONGEST_PAUSE);
    }
}

/// What a linked device's follower needs.
pub(super) struct Following {
    /// The account's first device.
    pub(super) first: PeerId,
    /// The account key (the first device's).
    pub(super) account: [u8; 32],
    /// This device's key.
    pub(super) me: [u8; 32],
    /// Where this device listens (named in the hello).
    pub(super) own_addrs: Vec<libp2p::Multiaddr>,
    pub(super) store: Store,
    pub(super) events: mpsc::UnboundedSender<LinkEvent>,
    /// What the person does.
    pub(super) forwards: mpsc::Receiver<Forward>,
    /// Woken when a connection to the first device comes up.
    pub(super) connected: std::sync::Arc<tokio::sync::Notify>,
}

/// Stops taking sends and actions and answers every one still queued: one whose answer
/// is dropped would leave its caller waiting for ever.
fn refuse_the_rest(forwards: &mut mpsc::Receiver<Forward>, events: &mpsc::UnboundedSender<LinkEvent>) {
    forwards.close();
    while let Ok(forward) = forwards.try_recv() {
        unreachable_first(forward, events);
    }
}

/// The refusal of what the first device cannot take now.
pub(super) fn first_unreachable() -> NodeError {
    Refusal::invalid(
        "first_device_unreachable",
        "the account's first device cannot be reached now: nothing was sent or changed",
    )
    .into()
}

/// Answers `forward` with [`first_unreachable`].
fn unreachable_first(forward: Forward, events: &mpsc::UnboundedSender<LinkEvent>) {
    answer(Waiting::from(forward), first_unreachable(), events);
}

/// A send or action waiting for the first device's answer.
enum Waiting {
    Send(Reply<MessageView>),
    Act(Then),
}

impl From<Forward> for Waiting {
    fn from(forward: Forward) -> Self {
        match forward {
            Forward::Send { reply, .. }
            | Forward::SendGroup { reply, .. }
            | Forward::Compose { reply, .. }
            | Forward::SendFile { reply, .. } => Self::Send(reply),
            Forward::Act { then, .. } | Forward::Hand { then, .. } | Forward::HandGroup { then, .. } => Self::Act(then),
        }
    }
}

/// Gives `waiting` a refusal (an action's goes through the actor, which runs its `then`).
fn answer(waiting: Waiting, refusal: NodeError, events: &mpsc::UnboundedSender<LinkEvent>) {
    match waiting {
        Waiting::Send(reply) => {
            let _ = reply.send(Err(refusal));
        }
        Waiting::Act(then) => {
            let _ = events.send(LinkEvent::Acted {
                result: Err(refusal),
                then,
            });
        }
    }
}

/// One stream to the first device.
struct FollowOn<'a> {
    account: [u8; 32],
    me: [u8; 32],
    own_addrs: &'a [libp2p::Multiaddr],
    store: &'a Store,
    events: &'a mpsc::UnboundedSender<LinkEvent>,
    pause: &'a mut Duration,
    forwards: &'a mut mpsc::Receiver<Forward>,
}

impl FollowOn<'_> {
    async fn run(&mut self, stream: libp2p::Stream) -> Result<(), AccountError> {
        let (reader, mut writer) = stream.split();
        let (_reader, mut incoming) = reading(reader);
        let store = self.store.clone();
        let since_ms = blocking(move || store.synced_ms()).await?;
        let hello = SyncMessage::Hello {
            since_ms,
            addrs: List::truncating(
                self.own_addrs
                    .iter()
                    .filter_map(|a| Bytes::new(a.to_vec()).ok())
                    .collect(),
            ),
        };
        write(&mut writer, &hello).await?;
        // Sends and actions waiting for the first device's answer, each until its deadline.
        let mut waiting: HashMap<u64, (tokio::time::Instant, Waiting)> = HashMap::new();
        // The account's contacts named so far by `contact_keys` frames, and the group
        // whose copy's frames are arriving.
        let mut contact_keys = std::collections::HashSet::new();
        let mut group: Option<super::groups::WholeGroup> = None;
        let mut next_request = 0u64;
        let ended = loop {
            let next_deadline = waiting.values().map(|(deadline, _)| *deadline).min();
            tokio::select! {
                _ = tokio::time::sleep_until(next_deadline.unwrap_or_else(tokio::time::Instant::now)), if next_deadline.is_some() => {
                    let now = tokio::time::Instant::now();
                    let late: Vec<u64> = waiting.iter().filter(|(_, (d, _))| *d <= now).map(|(r, _)| *r).collect();
                    for request in late {
                        if let Some((_, late)) = waiting.remove(&request) {
                            answer(late, first_unreachable(), self.events);
                        }
                    }
                }
                message = incoming.recv() => {
                    let message = match message {
                        Some(Ok(message)) => message,
                        Some(Err(e)) => break Err(e),
                        None => break Ok(()),
                    };
                    if let Err(e) = self.take(message, &mut waiting, &mut contact_keys, &mut group) {
                        break Err(e);
                    }
                }
                Some(forward) = self.forwards.recv() => {
                    next_request += 1;
                    let request = next_request;
                    let message = match &forward {
                        Forward::Send { contact, text, .. } => {
                            SyncMessage::Send { request, contact: contact.clone(), text: text.clone() }
                        }
                        Forward::SendFile { to, body, .. } => {
                            SyncMessage::SendFile { request, to: to.clone(), body: body.clone() }
                        }
                        Forward::Compose { compose, .. } => {
                            SyncMessage::Compose { request, compose: compose.clone() }
                        }
                        Forward::SendGroup { group, text, .. } => {
                            SyncMessage::SendGroup { request, group: group.clone(), text: text.clone() }
                        }
                        Forward::Act { action, .. } => SyncMessage::Act { request, action: action.clone() },
                        Forward::Hand { contact, sent, message, .. } => SyncMessage::Hand {
                            request,
                            contact: contact.clone(),
                            sent: *sent,
                            message: message.clone(),
                        },
                        Forward::HandGroup { group, message, .. } => SyncMessage::HandGroup {
                            request,
                            group: *group,
                            message: message.clone(),
                        },
                    };
                    if let Err(e) = write(&mut writer, &message).await {
                        unreachable_first(forward, self.events);
                        break Err(e);
                    }
                    waiting.insert(next_request, (tokio::time::Instant::now() + STEP_TIMEOUT, forward.into()));
                }
            }
        };
        for (_, (_, left)) in waiting {
            answer(left, first_unreachable(), self.events);
        }
        ended
    }

    /// Takes one message from the first device.
    fn take(
        &mut self,
        message: SyncMessage,
        waiting: &mut HashMap<u64, (tokio::time::Instant, Waiting)>,
        contact_keys: &mut std::collections::HashSet<Vec<u8>>,
        group: &mut Option<super::groups::WholeGroup>,
    ) -> Result<(), AccountError> {
        let events = self.events;
        let gone = || AccountError::Handshake("the node stopped".into());
        match message {
            SyncMessage::History(batch) => {
                *self.pause = FIRST_PAUSE;
                events.send(LinkEvent::Synced(batch.into_vec())).map_err(|_| gone())?;
            }
            SyncMessage::ContactKeys { keys, last } => {
                contact_keys.extend(keys.iter().map(|k| k.as_ref().to_vec()));
                if last {
                    let keep = std::mem::take(contact_keys);
                    events.send(LinkEvent::ContactKeys(keep)).map_err(|_| gone())?;
                }
            }
            SyncMessage::Here(addrs) => {
                let addrs = addrs
                    .iter()
                    .filter_map(|a| libp2p::Multiaddr::try_from(a.as_ref().to_vec()).ok())
                    .collect();
                events.send(LinkEvent::FirstAddrs(addrs)).map_err(|_| gone())?;
            }
            SyncMessage::Devices(list) => {
                list.verify(&self.account)?;
                let removed = list.device(&self.me).is_none();
                events.send(LinkEvent::DeviceList(list)).map_err(|_| gone())?;
                if removed {
                    return Err(AccountError::RevokedDevice);
                }
            }
            SyncMessage::Sent { request, entries } => {
                if let Some((_, Waiting::Send(reply))) = waiting.remove(&request) {
                    let _ = events.send(LinkEvent::SentThrough {
                        entries: entries.into_vec(),
                        reply,
                    });
                }
            }
            SyncMessage::Done { request, count } => {
                if let Some((_, Waiting::Act(then))) = waiting.remove(&request) {
                    let _ = events.send(LinkEvent::Acted {
                        result: Ok(count),
                        then,
                    });
                }
            }
            SyncMessage::NotSent { request, reason } => {
                if let Some((_, left)) = waiting.remove(&request) {
                    answer(left, refused_by_first(reason.as_str()), events);
                }
            }
            SyncMessage::Group(frame) => {
                if let Some(whole) = super::groups::assemble(group, frame)? {
                    events
                        .send(LinkEvent::GroupCopied(Box::new(whole)))
                        .map_err(|_| gone())?;
                }
            }
            SyncMessage::Refused(reason) => return Err(AccountError::from_reason(reason.as_str())),
            SyncMessage::Hello { .. }
            | SyncMessage::Send { .. }
            | SyncMessage::SendGroup { .. }
            | SyncMessage::Compose { .. }
            | SyncMessage::SendFile { .. }
            | SyncMessage::HandGroup { .. }
            | SyncMessage::Act { .. }
            | SyncMessage::Hand { .. } => {
                return Err(AccountError::Malformed("a device-sync message for the other side"))
            }
        }
        Ok(())
    }
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
