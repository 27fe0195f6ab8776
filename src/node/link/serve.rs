//! The first device's side of `/chingu/device-sync/1` in its actor (`protocol/devices.md`
//! §6): a current linked device's stream gets a server of its own (one per device: a new
//! stream replaces the old), anyone else a counted refusal; and where each linked device
//! says it listens is kept, for the record and for dialling it after a move.

use libp2p::PeerId;

use super::{sync, DEVICE_ADDRS_META};
use crate::account::sync::served_device;
use crate::node::actor::Actor;

impl Actor {
    /// Serves `peer`'s sync stream if the device list names it as a current linked device.
    pub(super) fn serve_linked_device(&mut self, peer: PeerId, stream: libp2p::Stream) {
        if let Err(error) = served_device(&self.links.list, &peer) {
            self.reject(Some(peer), "device_sync", error.reason());
            return self.links.refuse_later(sync::refuse(stream, error));
        }
        let serving = sync::Serving {
            peer,
            store: self.store.clone(),
            events: self.subscribe_events(),
            notes: self.links.notes.subscribe(),
            actor: self.links.events_tx.clone(),
            opening: sync::Opening {
                addrs: self.link_addrs(),
                list: self.links.list.clone(),
                groups: self.all_group_copies(),
            },
        };
        let task = tokio::spawn(sync::serve(stream, serving));
        if let Some(old) = self.links.syncing.insert(peer, task.abort_handle()) {
            old.abort();
        }
    }

    /// Keeps where the linked device `peer` said it listens (the record tells friends).
    pub(super) fn keep_device_addrs(&mut self, peer: PeerId, addrs: Vec<String>) {
        if served_device(&self.links.list, &peer).is_err() {
            return;
        }
        let mut known: std::collections::BTreeMap<String, Vec<String>> = self
            .store
            .meta_value(DEVICE_ADDRS_META)
            .ok()
            .flatten()
            .unwrap_or_default();
        // Only current devices are kept (at most MAX_DEVICES − 1).
        known.retain(|p, _| p.parse().is_ok_and(|p| served_device(&self.links.list, &p).is_ok()));
        if known.get(&peer.to_string()) == Some(&addrs) {
            return;
        }
        known.insert(peer.to_string(), addrs);
        // The record gives friends where the account's devices listen.
        self.discovery.republish_soon();
        match self.store.set_meta_value(DEVICE_ADDRS_META, &known) {
            Ok(()) => self.durability.wrote_lazily(),
            Err(e) => tracing::warn!(error = %e, "cannot keep a linked device's addresses"),
        }
    }
}
