//! The node's devices (SPEC.md §8.5): the account's device list kept in the store, the
//! link offer `chingu link` opens, the glue that runs [`crate::account::link`] over
//! `/chingu/link/1` ([`admit`] on the existing device, [`join`] on the new one), and the
//! sync between a first device and its linked devices over `/chingu/device-sync/1`
//! ([`sync`], served by [`serve`]), and the account's groups on linked devices
//! ([`groups`]).
//!
//! One offer at a time. An incoming link stream is admitted only while an offer is open
//! and no other run holds it; every failed run counts (`link.<reason>` in `rejected`) and
//! the third withdraws the offer. The device list changes only on the account's first
//! device, and is on disk before the new device is told it joined.

mod admit;
mod event;
mod forward;
mod groups;
mod hand;
mod io;
pub mod join;
mod keep_up;
mod serve;
mod sync;
mod views;

pub(crate) use event::LinkEvent;
pub(in crate::node) use forward::linked_device;
pub(crate) use sync::DeviceNote;
pub(in crate::node) use sync::Forward;
pub use views::{DeviceView, DevicesView, LinkOfferView};

use std::time::Duration;

use futures::StreamExt;
use libp2p::{Multiaddr, PeerId, StreamProtocol};
use tokio::sync::{broadcast, mpsc, oneshot};

use super::actor::Actor;
use super::command::Reply;
use super::refusal::Refusal;
use super::{Event, NodeError, NodeHandle};
use crate::account::history::MAX_HISTORY_DAYS;
use crate::account::link::{LinkCode, LINK_CODE_VERSION, LINK_LIFETIME_MS, LINK_SECRET_LEN, MAX_LINK_FAILURES};
use crate::account::sync::served_device;
use crate::account::{AccountError, SignedDeviceList, LIST_META};
use crate::model::now_ms;
use crate::wire::{Bytes, Fixed, List};

/// The store's meta value holding where each linked device said it listens (the first
/// device's home): peer id → multiaddrs.
pub const DEVICE_ADDRS_META: &str = "account.device_addrs";
/// The store's meta value holding the first device's addresses (a linked device's home).
pub const FIRST_ADDRS_META: &str = "account.first_addrs";
/// The store's meta value holding the account's number (a linked device's home).
pub const ACCOUNT_PHONE_META: &str = "account.phone";
/// Most sends and actions a linked device's person may have on their way to the first
/// device.
const MAX_FORWARDS: usize = 64;
/// Most notes for linked devices kept for a server that has not read them (one that
/// falls further behind sends everything again).
const MAX_NOTES: usize = 256;
/// Most refusals written at once to link streams that came with no offer open.
const MAX_REFUSING: usize = 8;
/// The name a first device has in its account's list.
pub const FIRST_DEVICE_NAME: &str = "main";
/// Longest one step of a link run may wait for the other side (the people's
/// confirmation waits until the code expires instead).
const STEP_TIMEOUT: Duration = Duration::from_secs(30);

/// A task that ends with its owner.
pub(crate) struct AbortOnDrop(pub(crate) tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The link stream protocol.
pub(crate) fn protocol() -> StreamProtocol {
    StreamProtocol::new(crate::account::link::LINK_PROTOCOL)
}

struct Offer {
    code: LinkCode,
    history_days: u32,
    failures: u32,
    running: bool,
    decide: Option<oneshot::Sender<bool>>,
    /// The device both people confirmed, once they did.
    confirmed: Option<admit::Confirmed>,
}

/// The actor's device state.
pub(crate) struct Links {
    list: SignedDeviceList,
    offer: Option<Offer>,
    control: libp2p_stream::Control,
    /// Refusals being written to streams that came with no offer open (at most
    /// [`MAX_REFUSING`]; more are closed without a word).
    refusing: std::sync::Arc<tokio::sync::Semaphore>,
    /// The linked devices this (first) device serves, one task each.
    syncing: std::collections::HashMap<PeerId, tokio::task::AbortHandle>,
    /// Where a linked device's sends and actions go (to the task following its first
    /// device).
    forwards: Option<mpsc::Sender<sync::Forward>>,
    /// What the linked devices' servers must tell their devices (a first device).
    notes: broadcast::Sender<DeviceNote>,
    /// A linked device's first device, and what to wake when a connection to it comes up.
    first: Option<(PeerId, std::sync::Arc<tokio::sync::Notify>)>,
    /// The task following it.
    follower: Option<AbortOnDrop>,
    /// Messages a linked device has to hand to its first device.
    handing: hand::Handing,
    /// A linked device's stream to its first device is up.
    first_up: bool,
    /// A linked device's copies of its account's groups.
    pub(in crate::node) groups: groups::GroupCopies,
    /// How many state changes a first device keeps noted (counted at the first note).
    state_changes: Option<usize>,
    events_tx: mpsc::UnboundedSender<LinkEvent>,
    pub(super) events: mpsc::UnboundedReceiver<LinkEvent>,
}

impl Links {
    /// Whether `peer` is this linked device's first device.
    pub(crate) fn is_first_device(&self, peer: &PeerId) -> bool {
        self.first.as_ref().is_some_and(|(first, _)| first == peer)
    }

    /// The account's device list.
    pub(crate) fn device_list(&self) -> &SignedDeviceList {
        &self.list
    }

    /// Writes a refusal on a task of its own, if fewer than [`MAX_REFUSING`] are being
    /// written (else the stream is dropped, closing it, without a word).
    fn refuse_later(&self, refusal: impl std::future::Future<Output = ()> + Send + 'static) {
        if let Ok(permit) = self.refusing.clone().try_acquire_owned() {
            tokio::spawn(async move {
                refusal.await;
                drop(permit);
            });
        }
    }

    /// The open offer, if its code's secret is `secret` (not replaced meanwhile).
    fn current(&mut self, secret: &[u8; LINK_SECRET_LEN]) -> Option<&mut Offer> {
        self.offer.as_mut().filter(|o| o.code.secret.as_bytes() == secret)
    }

    /// The stored device list, or a first one for a home made before devices existed
    /// (stored at once: its signature must not change from one start to the next).
    pub(crate) fn load(
        store: &crate::store::Store,
        identity: &crate::identity::Identity,
        control: libp2p_stream::Control,
    ) -> Result<Self, NodeError> {
        let list = match store.meta_value::<SignedDeviceList>(LIST_META)? {
            Some(list) => list,
            None => {
                let list =
                    SignedDeviceList::first(identity.ed25519(), identity.noise().public, FIRST_DEVICE_NAME, now_ms())
                        .map_err(|e| NodeError::Internal {
                        what: "first_device_list",
                        source: e.into(),
                    })?;
                store.set_meta_value(LIST_META, &list)?;
                list
            }
        };
        let (events_tx, events) = mpsc::unbounded_channel();
        Ok(Self {
            list,
            offer: None,
            control,
            refusing: std::sync::Arc::new(tokio::sync::Semaphore::new(MAX_REFUSING)),
            syncing: std::collections::HashMap::new(),
            forwards: None,
            notes: broadcast::channel(MAX_NOTES).0,
            first: None,
            follower: None,
            handing: hand::Handing::load(store)?,
            first_up: false,
            groups: groups::GroupCopies::load(store)?,
            state_changes: None,
            events_tx,
            events,
        })
    }
}

/// Commands of the devices API.
pub(crate) enum DeviceCommand {
    List(Reply<DevicesView>),
    Offer {
        history_days: u32,
        reply: Reply<LinkOfferView>,
    },
    Decide {
        accept: bool,
        reply: Reply<()>,
    },
    Remove {
        name: String,
        reply: Reply<DevicesView>,
    },
}

/// `error` as a refusal people meet (the node's API, and `init --link` in the CLI).
pub fn refusal(error: &AccountError) -> Refusal {
    let refusal = match error {
        AccountError::NoSuchDevice(_) => Refusal::not_found(error.reason(), error.to_string()),
        _ => Refusal::invalid(error.reason(), error.to_string()),
    };
    match error {
        AccountError::NoSuchDevice(name) | AccountError::NameTaken(name) => refusal.with("device", name.clone()),
        AccountError::Handshake(detail) => refusal.with("detail", detail.clone()),
        AccountError::Malformed(what) => refusal.with("detail", *what),
        _ => refusal,
    }
}

fn refused(error: AccountError) -> NodeError {
    refusal(&error).into()
}

impl Actor {
    /// Starts taking link streams (they are refused unless an offer is open) and sync
    /// streams (served to the account's linked devices only); a linked device starts
    /// following its first device.
    pub(super) fn start_links(&mut self) {
        let take = |control: &mut libp2p_stream::Control,
                    protocol,
                    wrap: fn(PeerId, libp2p::Stream) -> LinkEvent,
                    tx: mpsc::UnboundedSender<LinkEvent>| {
            match control.accept(protocol) {
                Ok(incoming) => {
                    tokio::spawn(incoming.for_each(move |(peer, stream)| {
                        let _ = tx.send(wrap(peer, stream));
                        futures::future::ready(())
                    }));
                }
                Err(e) => tracing::error!(error = %e, "cannot take device streams"),
            }
        };
        let tx = self.links.events_tx.clone();
        take(&mut self.links.control, protocol(), LinkEvent::Incoming, tx.clone());
        take(
            &mut self.links.control,
            sync::protocol(),
            LinkEvent::SyncIncoming,
            tx.clone(),
        );
        if self.is_linked_device() {
            let me = self.config.identity.public_key();
            let first = crate::identity::peer_id_of(self.links.list.list.account.as_bytes());
            // A device its list no longer names was removed: it follows nobody.
            let Some(first) = first.filter(|_| self.links.list.device(&me).is_some()) else {
                return;
            };
            let addrs: Vec<String> = self
                .store
                .meta_value(FIRST_ADDRS_META)
                .ok()
                .flatten()
                .unwrap_or_default();
            for addr in addrs.iter().filter_map(|a| a.parse::<Multiaddr>().ok()) {
                self.swarm.add_peer_address(first, addr);
            }
            let (forwards, forwarded) = mpsc::channel(MAX_FORWARDS);
            self.links.forwards = Some(forwards);
            let connected = std::sync::Arc::new(tokio::sync::Notify::new());
            self.links.first = Some((first, connected.clone()));
            let following = sync::Following {
                first,
                account: *self.links.list.list.account.as_bytes(),
                me,
                own_addrs: self.link_addrs(),
                store: self.store.clone(),
                events: tx,
                forwards: forwarded,
                connected,
            };
            // Ends with the node: it holds the store.
            let task = tokio::spawn(sync::follow(self.links.control.clone(), following));
            self.links.follower = Some(AbortOnDrop(task));
            self.note_link_history_files();
        } else {
            // Linked devices that moved while this one was away are dialled where they said
            // they listen; they then sync over that connection.
            let known: std::collections::BTreeMap<String, Vec<String>> = self
                .store
                .meta_value(DEVICE_ADDRS_META)
                .ok()
                .flatten()
                .unwrap_or_default();
            for (peer, addrs) in known {
                // Removed since they said where they listen: not dialled.
                let Some(peer) = peer
                    .parse::<PeerId>()
                    .ok()
                    .filter(|p| served_device(&self.links.list, p).is_ok())
                else {
                    continue;
                };
                let addrs: Vec<Multiaddr> = addrs.iter().filter_map(|a| a.parse().ok()).collect();
                let opts = libp2p::swarm::dial_opts::DialOpts::peer_id(peer)
                    .addresses(addrs)
                    .build();
                if let Err(e) = self.swarm.dial(opts) {
                    tracing::debug!(%peer, error = %e, "cannot dial a linked device");
                }
            }
        }
    }

    /// On a first device with linked devices: notes that the states of these 1:1
    /// messages changed now, so a linked device that is off hears of it when it is back
    /// (protocol/devices.md §6).
    pub(in crate::node) fn note_state_changes(&mut self, ids: impl IntoIterator<Item = crate::model::MsgId>) {
        if self.is_linked_device() || self.links.list.list.devices.len() < 2 {
            return;
        }
        let ids: Vec<_> = ids.into_iter().collect();
        if ids.is_empty() {
            return;
        }
        let kept = match self.links.state_changes {
            Some(kept) => kept,
            None => self.store.state_changes_kept().unwrap_or(0),
        };
        if let Err(e) = self.store.note_state_changes(now_ms(), &ids) {
            return self.failed("store.note_state_changes", &e);
        }
        let mut kept = kept + ids.len();
        let excess = kept.saturating_sub(crate::store::MAX_STATE_CHANGES);
        if excess > 0 {
            match self.store.forget_oldest_state_changes(excess) {
                Ok(()) => kept -= excess,
                Err(e) => self.failed("store.forget_state_changes", &e),
            }
        }
        self.links.state_changes = Some(kept);
        self.durability.wrote_lazily();
    }

    fn is_account_device(&self) -> bool {
        self.links.list.list.account.as_bytes() == &self.config.identity.public_key()
    }

    /// Whether `peer` is a current linked device of this (first) device's account: it may
    /// fetch any file the account holds.
    pub(in crate::node) fn is_linked_device_peer(&self, peer: &PeerId) -> bool {
        self.is_account_device() && served_device(&self.links.list, peer).is_ok()
    }

    /// A device that joined another device's account (`init --link`).
    pub(super) fn is_linked_device(&self) -> bool {
        !self.is_account_device()
    }

    /// Addresses a new device may dial: published ones first, then this node's listeners.
    fn link_addrs(&self) -> Vec<Multiaddr> {
        let mut addrs = self.publishable_addrs();
        let unspecified = crate::node::nat::addrs::is_unspecified;
        addrs.extend(self.swarm.listeners().filter(|a| !unspecified(a)).cloned());
        let mut seen = std::collections::HashSet::new();
        addrs.retain(|a| seen.insert(a.clone()));
        addrs
    }

    pub(super) fn on_device_command(&mut self, command: DeviceCommand) {
        match command {
            DeviceCommand::List(reply) => {
                let _ = reply.send(Ok(self.devices_view()));
            }
            DeviceCommand::Offer { history_days, reply } => {
                let _ = reply.send(self.open_offer(history_days));
            }
            DeviceCommand::Decide { accept, reply } => {
                let decide = self.links.offer.as_mut().and_then(|o| o.decide.take());
                let answer = match decide {
                    Some(decide) => {
                        let _ = decide.send(accept);
                        Ok(())
                    }
                    None => {
                        Err(Refusal::not_found("no_link_waiting", "no new device is waiting for a confirmation").into())
                    }
                };
                let _ = reply.send(answer);
            }
            DeviceCommand::Remove { name, reply } => self.remove_device(&name, reply),
        }
    }

    fn open_offer(&mut self, history_days: u32) -> Result<LinkOfferView, NodeError> {
        if history_days > MAX_HISTORY_DAYS {
            return Err(
                Refusal::invalid("bad_history_days", "a new device gets at most ten years of history")
                    .with("max", MAX_HISTORY_DAYS.to_string())
                    .into(),
            );
        }
        if !self.is_account_device() {
            return Err(refused(AccountError::NotTheAccountDevice));
        }
        if self.profile.phone.is_none() {
            return Err(Refusal::invalid("no_phone", "an operator's node has no account to link devices to").into());
        }
        if self.links.list.list.devices.len() >= crate::account::MAX_DEVICES {
            return Err(refused(AccountError::TooManyDevices));
        }
        let addrs = self.link_addrs();
        if addrs.is_empty() {
            return Err(Refusal::invalid("not_listening", "this node has no address a new device could dial").into());
        }
        let mut secret = [0u8; LINK_SECRET_LEN];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut secret);
        let code = LinkCode {
            v: LINK_CODE_VERSION,
            peer: Bytes::new(self.config.identity.peer_id().to_bytes()).map_err(|e| NodeError::Internal {
                what: "link_code",
                source: e.into(),
            })?,
            addrs: List::truncating(addrs.iter().filter_map(|a| Bytes::new(a.to_vec()).ok()).collect()),
            secret: Fixed(secret),
            expires_ms: now_ms() + LINK_LIFETIME_MS,
        };
        let view = LinkOfferView {
            code: code.encode(),
            expires_ms: code.expires_ms,
        };
        // A new offer replaces an open one (its code stops working).
        self.links.offer = Some(Offer {
            code,
            history_days,
            failures: 0,
            running: false,
            decide: None,
            confirmed: None,
        });
        Ok(view)
    }

    /// Stores the account's new device list (this, the first device, signed it), tells the
    /// linked devices and republishes the record that carries it.
    fn change_device_list(&mut self, next: SignedDeviceList) -> Result<(), crate::store::StoreError> {
        self.store.set_meta_value(LIST_META, &next)?;
        self.durability.wrote();
        self.links.list = next.clone();
        self.note_devices(|| DeviceNote::List(next));
        self.discovery.republish_soon();
        Ok(())
    }

    fn remove_device(&mut self, name: &str, reply: Reply<DevicesView>) {
        if !self.is_account_device() {
            let _ = reply.send(Err(refused(AccountError::NotTheAccountDevice)));
            return;
        }
        let (next, gone) = match self
            .links
            .list
            .without_device(self.config.identity.ed25519(), name, now_ms())
        {
            Ok(changed) => changed,
            Err(e) => {
                let _ = reply.send(Err(refused(e)));
                return;
            }
        };
        if let Err(e) = self.change_device_list(next) {
            let _ = reply.send(Err(e.into()));
            return;
        }
        // Its server tells it and ends its sync (within a step's deadline); if it dials
        // again it is refused as removed.
        if let Some(peer) = crate::identity::peer_id_of(gone.device.as_bytes()) {
            self.links.syncing.remove(&peer);
        }
        let name = gone.name.as_str().to_owned();
        self.durability.after_flush(Box::new(move |actor: &mut Actor| {
            actor.emit(Event::DeviceRemoved { name });
            let _ = reply.send(Ok(actor.devices_view()));
        }));
    }

    pub(super) fn on_link_event(&mut self, event: LinkEvent) {
        match event {
            LinkEvent::Incoming(peer, stream) => {
                let now = now_ms();
                if self.links.offer.as_ref().is_some_and(|o| o.code.expires_ms <= now) {
                    self.links.offer = None;
                }
                let Some(offer) = self.links.offer.as_mut().filter(|o| !o.running) else {
                    self.reject(Some(peer), "link", AccountError::NoOffer.reason());
                    self.links.refuse_later(admit::refuse(stream, AccountError::NoOffer));
                    return;
                };
                offer.running = true;
                let account = admit::AccountInfo {
                    account: *self.links.list.list.account.as_bytes(),
                    phone: self
                        .profile
                        .phone
                        .as_ref()
                        .map(|p| p.as_str().to_owned())
                        .unwrap_or_default(),
                    name: self.profile.name.clone(),
                    history_days: offer.history_days,
                    store: self.store.clone(),
                    confirmed: offer.confirmed,
                };
                tokio::spawn(admit::admit(
                    peer,
                    stream,
                    offer.code.clone(),
                    self.config.identity.noise().clone(),
                    account,
                    self.links.events_tx.clone(),
                ));
            }
            LinkEvent::Pending {
                offer,
                sas,
                name,
                decide,
            } => {
                // A replaced offer's run gets no answer: dropping `decide` says no.
                if let Some(current) = self.links.current(&offer) {
                    current.decide = Some(decide);
                    self.emit(Event::DeviceLinkPending { sas, name });
                }
            }
            LinkEvent::Grant {
                offer,
                mut device,
                reply,
            } => {
                if self.links.current(&offer).is_none() {
                    let _ = reply.send(Err(AccountError::NoOffer));
                    return;
                }
                device.added_ms = now_ms();
                let granted =
                    self.links
                        .list
                        .with_device(self.config.identity.ed25519(), device.clone(), device.added_ms);
                let next = match granted {
                    Ok(next) => next,
                    Err(e) => {
                        let _ = reply.send(Err(e));
                        return;
                    }
                };
                if let Err(e) = self.change_device_list(next.clone()) {
                    tracing::error!(error = %e, "cannot store the device list");
                    let _ = reply.send(Err(AccountError::Handshake(
                        "the device list could not be stored".into(),
                    )));
                    return;
                }
                self.links.offer = None;
                let name = device.name.as_str().to_owned();
                let peer_id = crate::identity::peer_id_of(device.device.as_bytes())
                    .map(|p| p.to_string())
                    .unwrap_or_default();
                self.durability.after_flush(Box::new(move |actor: &mut Actor| {
                    let _ = reply.send(Ok(next));
                    actor.emit(Event::DeviceLinked { name, peer_id });
                }));
            }
            LinkEvent::SyncIncoming(peer, stream) => self.serve_linked_device(peer, stream),
            LinkEvent::Synced(entries) => self.apply_synced(entries),
            LinkEvent::DeviceAddrs { peer, addrs } => self.keep_device_addrs(peer, addrs),
            LinkEvent::SendFor { contact, text, reply } => self.on_command(crate::node::command::Command::Send {
                query: contact,
                text,
                reply,
            }),
            LinkEvent::SendGroupFor { group, text, reply } => {
                self.post_group(&group, crate::model::Body::Text { text }, reply)
            }
            LinkEvent::GroupCopied(whole) => self.take_group_copy(*whole),
            LinkEvent::HistoryFiles(ids) => self.take_history_files(ids),
            LinkEvent::ComposeFor { compose, reply } => self.cmd_compose(compose, reply),
            LinkEvent::SendFileFor { peer, to, body, reply } => self.send_file_for_device(peer, &to, &body, reply),
            LinkEvent::HandGroupFor { group, message, reply } => self.take_handed_group(group, message, reply),
            LinkEvent::ActFor { action, reply } => self.act_for_device(action, reply),
            LinkEvent::HandFor {
                contact,
                sent,
                message,
                reply,
            } => self.take_handed(contact, sent, message, reply),
            LinkEvent::Acted { result, then } => then(self, result),
            LinkEvent::ContactKeys(keep) => self.keep_only_contacts(&keep),
            LinkEvent::FirstAddrs(addrs) => {
                // The stream to the first device is up: what went between friends and
                // this device meanwhile goes too.
                self.links.first_up = true;
                self.first_moved(addrs);
                self.hand_to_first();
            }
            LinkEvent::FirstGone => self.links.first_up = false,
            LinkEvent::DeviceList(list) => self.take_device_list(list),
            LinkEvent::SentThrough { entries, reply } => self.sent_through(entries, reply),
            LinkEvent::Removed => {
                let me = self.config.identity.public_key();
                let name = self.links.list.device(&me).map(|d| d.name.as_str().to_owned());
                self.device_gone(name.unwrap_or_default());
            }
            LinkEvent::Confirmed { offer, confirmed } => {
                if let Some(current) = self.links.current(&offer) {
                    current.confirmed = Some(confirmed);
                }
            }
            LinkEvent::Failed {
                offer,
                peer,
                error,
                confirmed,
            } => {
                tracing::debug!(%peer, %error, "a link run failed");
                self.reject(Some(peer), "link", error.reason());
                // A replaced offer's run counts, and leaves the offer that replaced it be.
                let withdrawn = match self.links.current(&offer) {
                    Some(offer) => {
                        offer.running = false;
                        offer.decide = None;
                        offer.failures += u32::from(!confirmed);
                        offer.failures >= MAX_LINK_FAILURES
                            || matches!(error, AccountError::NotConfirmed | AccountError::CodeExpired)
                    }
                    None => self.links.offer.is_none(),
                };
                if withdrawn {
                    self.links.offer = None;
                }
                self.emit(Event::DeviceLinkFailed {
                    reason: error.reason().to_owned(),
                    withdrawn,
                });
            }
        }
    }
}

impl Actor {
    /// A connection came up: if it is to this linked device's first device, the sync
    /// follower dials at once instead of finishing its pause.
    pub(super) fn link_peer_connected(&self, peer: &PeerId) {
        if let Some((first, connected)) = &self.links.first {
            if first == peer {
                connected.notify_one();
            }
        }
    }
}

impl NodeHandle {
    /// The account's devices.
    pub async fn devices(&self) -> Result<DevicesView, NodeError> {
        self.device_request(DeviceCommand::List).await
    }

    /// Opens a link offer (replacing an open one): its code is shown to the new device,
    /// which gets the last `history_days` days of 1:1 history. Only the account's first
    /// device links.
    pub async fn link_offer(&self, history_days: u32) -> Result<LinkOfferView, NodeError> {
        self.device_request(|reply| DeviceCommand::Offer { history_days, reply })
            .await
    }

    /// The owner's answer to [`Event::DeviceLinkPending`]: whether both screens show the
    /// same string.
    pub async fn link_decide(&self, accept: bool) -> Result<(), NodeError> {
        self.device_request(|reply| DeviceCommand::Decide { accept, reply })
            .await
    }

    /// Removes the device called `name` from the account.
    pub async fn remove_device(&self, name: &str) -> Result<DevicesView, NodeError> {
        let name = name.to_owned();
        self.device_request(|reply| DeviceCommand::Remove { name, reply }).await
    }

    async fn device_request<T>(&self, make: impl FnOnce(Reply<T>) -> DeviceCommand) -> Result<T, NodeError> {
        self.request(|reply| super::command::Command::Devices(make(reply)))
            .await?
    }
}
