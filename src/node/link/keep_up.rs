//! What a linked device's actor does with what its first device sends over
//! `/chingu/device-sync/1` (`protocol/devices.md` §6): writes messages, conversation rows
//! and contacts and tells its apps, fetches the files new messages name from the first
//! device, forgets the contacts the account no longer has, keeps
//! the device list and where the first device listens, and stops following once the
//! list no longer names it.

use std::collections::HashSet;

use libp2p::Multiaddr;

use super::{FIRST_ADDRS_META, LIST_META};
use crate::account::history::HistoryEntry;
use crate::account::{AccountError, SignedDeviceList};
use crate::model::{Contact, StoredMessage};
use crate::node::actor::Actor;
use crate::node::command::Reply;
use crate::node::{Event, MessageView, NodeError};
use crate::store::names_a_file;
use crate::store::BackedUpTree;

impl Actor {
    /// Writes what the first device sent and tells the apps: a message new here as
    /// received, a known one as changed, a contact as updated.
    pub(super) fn apply_synced(&mut self, entries: Vec<HistoryEntry>) {
        let contacts: Vec<Contact> = entries
            .iter()
            .filter(|e| e.tree == BackedUpTree::Contacts as u8)
            .filter_map(|e| crate::wire::from_cbor(e.value.as_ref(), e.value.len()).ok())
            .collect();
        let (written, left_out) = match self.store.apply_device_entries(&entries) {
            Ok(applied) => applied,
            Err(e) => {
                tracing::error!(error = %e, "cannot keep what the first device sent");
                return;
            }
        };
        for _ in 0..left_out {
            self.reject(None, "device_sync", AccountError::Malformed("").reason());
        }
        self.durability.wrote();
        for contact in contacts {
            self.dm.contact_changed(&contact);
            self.contact_updated(&contact, contact.state.as_str());
        }
        let messages: Vec<(StoredMessage, bool)> = written
            .into_iter()
            .filter_map(|(id, new)| Some((self.store.message(&id).ok()??, new)))
            .collect();
        // Files and sticker packs the new messages name are fetched from the first device
        // (it holds what it fetched or sent) as on any node.
        let first = self.links.first.as_ref().map(|(peer, _)| *peer);
        self.note_copied_files(messages.iter().filter(|(_, new)| *new).map(|(m, _)| m), first);
        for (message, new) in messages {
            let message = Box::new(self.view_of(&message));
            self.emit(if new {
                Event::MessageReceived { message }
            } else {
                Event::MessageChanged { message }
            });
        }
    }

    /// At a new device's first start: the files its linked history names are found off
    /// the actor, then noted with the first device as their holder.
    pub(super) fn note_link_history_files(&mut self) {
        if !matches!(self.store.meta_value::<u64>(crate::store::LINK_FILES), Ok(Some(_))) {
            return;
        }
        let (store, events) = (self.store.clone(), self.links.events_tx.clone());
        tokio::task::spawn_blocking(move || match store.messages_naming_files() {
            Ok(ids) => {
                let _ = events.send(super::LinkEvent::HistoryFiles(ids));
            }
            Err(e) => tracing::warn!(error = %e, "cannot read the linked history's files"),
        });
    }

    /// Notes the files the linked history names (found by [`Self::note_link_history_files`]).
    pub(super) fn take_history_files(&mut self, messages: Vec<StoredMessage>) {
        let first = self.links.first.as_ref().map(|(peer, _)| *peer);
        self.note_copied_files(messages.iter(), first);
        if let Err(e) = self.store.remove_meta_value(crate::store::LINK_FILES) {
            self.failed("store.link_files", &e);
        }
        self.durability.wrote();
    }

    /// Notes the files and sticker packs `messages` name, `holder` holding them (a gift's
    /// voucher is the first device's to keep).
    fn note_copied_files<'a>(
        &mut self,
        messages: impl Iterator<Item = &'a StoredMessage>,
        holder: Option<libp2p::PeerId>,
    ) {
        let mut files = self.store.batch();
        for message in messages.filter(|m| names_a_file(m)) {
            self.note_file(&mut files, message, holder);
        }
        if let Err(e) = self.store.apply(files) {
            self.failed("store.note_file", &e);
        }
    }

    /// Writes a message the first device sent for this device's person, and answers its
    /// caller with it (a file's entry learns its message).
    pub(super) fn sent_through(&mut self, entries: Vec<HistoryEntry>, reply: Reply<MessageView>) {
        let answer = match self.store.apply_device_entries(&entries) {
            Ok((written, _)) => {
                let messages: Vec<StoredMessage> = written
                    .iter()
                    .filter_map(|(id, _)| self.store.message(id).ok()?)
                    .collect();
                self.note_copied_files(messages.iter(), None);
                messages
                    .first()
                    .map(|message| self.view_of(message))
                    .ok_or_else(|| NodeError::Internal {
                        what: "forwarded_send",
                        source: "the first device's answer held no message".into(),
                    })
            }
            Err(e) => Err(e.into()),
        };
        self.durability.wrote();
        let _ = reply.send(answer);
    }

    /// The first device named every contact the account has: the others go.
    pub(super) fn keep_only_contacts(&mut self, keep: &HashSet<Vec<u8>>) {
        let gone = match self.store.forget_contacts_except(keep) {
            Ok(gone) => gone,
            Err(e) => return self.failed("store.remove_contact", &e),
        };
        self.durability.wrote();
        for contact in gone {
            self.dm.contact_removed(&contact);
            self.contact_updated(&contact, "removed");
        }
    }

    /// Tells the apps that `contact` is now in `state`.
    fn contact_updated(&mut self, contact: &Contact, state: &str) {
        self.emit(Event::ContactUpdated {
            phone: contact.phone.to_string(),
            name: contact.display_name(),
            state: state.to_owned(),
        });
    }

    /// The first device listens at `addrs` now: this device dials it there next time.
    pub(super) fn first_moved(&mut self, addrs: Vec<Multiaddr>) {
        let Some((first, _)) = &self.links.first else {
            return;
        };
        let first = *first;
        for addr in &addrs {
            self.swarm.add_peer_address(first, addr.clone());
        }
        let addrs: Vec<String> = addrs.iter().map(ToString::to_string).collect();
        match self.store.set_meta_value(FIRST_ADDRS_META, &addrs) {
            Ok(()) => self.durability.wrote_lazily(),
            Err(e) => self.failed("store.first_addrs", &e),
        }
    }

    /// Keeps a newer device list the first device sent (the follower checked it against
    /// the account key); one that no longer names this device ends its following.
    pub(super) fn take_device_list(&mut self, list: SignedDeviceList) {
        if list.list.version <= self.links.list.list.version {
            return;
        }
        if let Err(e) = self.store.set_meta_value(LIST_META, &list) {
            return self.failed("store.device_list", &e);
        }
        self.durability.wrote();
        let me = self.config.identity.public_key();
        let name = self.links.list.device(&me).map(|d| d.name.as_str().to_owned());
        self.links.list = list;
        if self.links.list.device(&me).is_none() {
            self.device_gone(name.unwrap_or_default());
        }
    }

    /// This device was removed from the account: it stops following its first device
    /// and tells its apps (once).
    pub(super) fn device_gone(&mut self, name: String) {
        if self.links.forwards.take().is_some() {
            self.emit(Event::DeviceRemoved { name });
        }
    }
}
