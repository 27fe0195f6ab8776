//! Files between the devices of one account (`protocol/devices.md` §6,
//! `protocol/files.md`): a file a linked device's person sends is sealed there and its
//! message sent by the first device, which fetches the content from it; a file a linked
//! device asks for that the first device lacks is fetched by the first device first.

use libp2p::PeerId;

use super::super::actor::Actor;
use super::super::command::Reply;
use super::super::content::Destination;
use super::super::messages::MessageView;
use crate::model::{now_ms, Body, ConvId, FileRef, MsgId};
use crate::store::FileEntry;

impl Actor {
    /// On a linked device: the message of a file sealed here goes to the first device,
    /// which sends it as its own and fetches the content from here.
    pub(super) fn send_file_through_first(&mut self, to: Destination, body: Body, reply: Reply<MessageView>) {
        let (to, conv) = match to {
            Destination::Contact(contact) => (contact.phone.to_string(), ConvId::direct(&contact.phone)),
            Destination::Group(group) => {
                let id = hex::decode(&group).ok().and_then(|id| <[u8; 16]>::try_from(id).ok());
                (group, ConvId::group(id.unwrap_or_default()))
            }
            Destination::Conversation(conv) => (conv.to_string(), conv),
        };
        // Kept here, whole, before the first device comes to fetch it (its message's id
        // is the first device's, filled in when the message comes back).
        if let Body::File { file } = &body {
            let entry = FileEntry {
                file: FileRef {
                    preview: Vec::new(),
                    ..file.clone()
                },
                convs: vec![conv],
                holders: Vec::new(),
                here: true,
                outgoing: true,
                wanted: false,
                message: MsgId([0; 16]),
                added_ms: now_ms(),
            };
            if let Err(e) = self.store.put_file(&entry) {
                self.failed("store.put_file", &e);
            }
        }
        let encoded = crate::content::body::WireBody::from_body(&body).map(|wire| wire.encode());
        match (crate::wire::Text::new(to), encoded) {
            (Ok(to), Ok(body)) => self.forward(crate::node::link::Forward::SendFile { to, body, reply }),
            _ => {
                let _ = reply.send(Err(crate::content::body::BodyError::NotSendable.into()));
            }
        }
    }

    /// On the first device: a linked device's person sends a file it sealed; its message
    /// goes as this device's own, and the content is fetched from `peer` (whatever its
    /// size) to serve it — friends who ask meanwhile are asked to come back.
    pub(in crate::node) fn send_file_for_device(
        &mut self,
        peer: PeerId,
        to: &str,
        body: &[u8],
        reply: Reply<MessageView>,
    ) {
        let file = match crate::content::body::WireBody::decode(body) {
            Ok(Body::File { file }) => file,
            _ => {
                let _ = reply.send(Err(crate::content::body::BodyError::NotSendable.into()));
                return;
            }
        };
        let destination = match self.destination(to) {
            Ok(destination) => destination,
            Err(e) => {
                let _ = reply.send(Err(e));
                return;
            }
        };
        let root = file.root;
        self.post(destination, Body::File { file }, reply);
        if let Ok(Some(mut entry)) = self.store.file(&root) {
            entry.add_holder(peer.to_bytes());
            self.fetch_now(entry);
        }
    }

    /// Fetches a file a linked device of this account asked for, if not yet fetching it.
    pub(super) fn want_for_device(&mut self, entry: FileEntry) {
        if !entry.wanted {
            self.fetch_now(entry);
        }
    }

    /// Keeps `entry` and, unless its file is here, fetches it from its holders now.
    fn fetch_now(&mut self, mut entry: FileEntry) {
        entry.wanted = !entry.here;
        if let Err(e) = self.store.put_file(&entry) {
            return self.failed("store.put_file", &e);
        }
        self.durability.wrote_lazily();
        if entry.wanted {
            self.want_file(&entry);
            self.pump_files();
        }
    }
}
