//! Conversations, messages and the outbox: the `history` tree, written through ordered
//! [`Batch`]es.

use serde::{Deserialize, Serialize};

use super::{decode, get, keys, message_codec, Store, StoreError};
use crate::model::{ConvId, Conversation, MessageState, MsgId, StoredMessage};
use crate::phone::PhoneNumber;

/// Where an outbox entry must go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxTarget {
    /// A friend.
    Direct {
        /// Their number.
        phone: PhoneNumber,
    },
    /// A group.
    Group {
        /// The group id.
        group_id: [u8; 16],
    },
}

/// A message waiting for acknowledgement: retried until the recipient confirms it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// The message (its content is in the history).
    pub id: MsgId,
    /// Its destination.
    pub target: OutboxTarget,
    /// Delivery attempts so far.
    pub attempts: u32,
    /// Earliest time of the next attempt (ms).
    pub next_attempt_ms: u64,
    /// When it was queued (ms).
    pub created_ms: u64,
    /// When it was last deposited on a mailbox (ms), 0 if never.
    #[serde(default)]
    pub mailbox_ms: u64,
}

/// A list of writes applied in order by [`Store::apply`].
///
/// Not a sled batch on purpose: sled 0.34 makes `apply_batch` atomic with a lock that is
/// global to the process and that every running flush holds for its whole disk sync, so
/// one batch anywhere would make every later write of every store wait for flushes
/// (measured: BENCHMARKS.md). Each write is atomic and sled recovers a prefix of its log,
/// so after a crash a prefix of the list is there; the methods below order their writes
/// so that every prefix is consistent (SPEC.md §8.3).
#[derive(Default)]
pub struct Batch {
    writes: Vec<(sled::IVec, Option<sled::IVec>)>,
}

impl Batch {
    pub(super) fn insert(&mut self, key: &[u8], value: impl Into<sled::IVec>) {
        self.writes.push((key.into(), Some(value.into())));
    }

    pub(super) fn remove(&mut self, key: &[u8]) {
        self.writes.push((key.into(), None));
    }

    /// Stores a conversation row.
    pub fn put_conversation(&mut self, conversation: &Conversation) {
        self.insert(
            keys::conversation(&conversation.id).as_slice(),
            crate::wire::to_cbor(conversation),
        );
    }

    /// Stores a new message's search signature, the message, then its index entry: an
    /// index entry (the deduplication record) never exists without its message, and a
    /// message never without its signature.
    pub fn put_message(&mut self, message: &StoredMessage) {
        self.put_signature(message);
        self.put_body(message);
        self.put_message_state(message);
    }

    /// Writes a message's value under its key (conversation, clock, id).
    pub(super) fn put_body(&mut self, message: &StoredMessage) {
        self.insert(
            keys::message(&message.conv, message.hlc, &message.id).as_slice(),
            message_codec::encode(message),
        );
    }

    /// Records an already stored message's new state. The state lives in the message's
    /// index entry (a few bytes), so a state change does not rewrite its text.
    pub fn put_message_state(&mut self, message: &StoredMessage) {
        self.insert(
            keys::index(&message.id).as_slice(),
            keys::index_value(&message.conv, message.hlc, message_codec::state_byte(message.state)).as_slice(),
        );
    }

    /// Stores an outgoing message and its outbox entry: the outbox entry first, the
    /// message last, so a crash never leaves a message in the history that is not in the
    /// outbox (an outbox entry whose message is missing is dropped when it comes due).
    pub fn put_outgoing(&mut self, message: &StoredMessage, entry: &OutboxEntry) {
        self.put_outbox(entry);
        self.put_signature(message);
        self.put_message_state(message);
        self.put_body(message);
    }

    /// Writes a message's search signature (before the message: a crash between leaves
    /// a signature without a message, which search skips), or removes it when the text
    /// has nothing to find (an edit can empty it, a delete does).
    pub(super) fn put_signature(&mut self, message: &StoredMessage) {
        let key = keys::signature(message.hlc, &message.id);
        match super::search::message_signature(message) {
            Some(filter) => self.insert(&key, filter),
            None => self.remove(&key),
        }
    }

    /// Stores an outbox entry.
    pub fn put_outbox(&mut self, entry: &OutboxEntry) {
        self.insert(keys::outbox(&entry.id).as_slice(), crate::wire::to_cbor(entry));
    }

    /// Removes an outbox entry.
    pub fn remove_outbox(&mut self, id: &MsgId) {
        self.remove(keys::outbox(id).as_slice());
    }

    /// Whether the batch holds no writes.
    pub fn is_empty(&self) -> bool {
        self.writes.is_empty()
    }
}

impl Store {
    /// A new, empty batch.
    pub fn batch(&self) -> Batch {
        Batch::default()
    }

    /// Applies a batch's writes in order (durable after the next flush).
    pub fn apply(&self, batch: Batch) -> Result<(), StoreError> {
        for (key, value) in batch.writes {
            match value {
                Some(value) => self.history.insert(key, value)?,
                None => self.history.remove(key)?,
            };
        }
        Ok(())
    }

    /// Where a message is stored, if it is.
    pub fn message_location(&self, id: &MsgId) -> Result<Option<(ConvId, u64)>, StoreError> {
        Ok(self.index_entry(id)?.map(|(conv, hlc, _)| (conv, hlc)))
    }

    /// A message's index entry: where it is and, since schema 3, its current state.
    fn index_entry(&self, id: &MsgId) -> Result<Option<(ConvId, u64, Option<MessageState>)>, StoreError> {
        let Some(v) = self.history.get(keys::index(id))? else {
            return Ok(None);
        };
        let corrupt = || StoreError::Corrupt {
            what: "message index",
            message: format!("{} bytes", v.len()),
        };
        let (conv, hlc, state) = keys::parse_index_value(&v).ok_or_else(corrupt)?;
        let state = state
            .map(|b| message_codec::state_from_byte(b).ok_or_else(corrupt))
            .transpose()?;
        Ok(Some((conv, hlc, state)))
    }

    /// The message under `key` with its current state from the index (the one it was
    /// stored with when the index predates schema 3 or is missing).
    pub(super) fn read_message(&self, key: &[u8], value: &[u8]) -> Result<StoredMessage, StoreError> {
        let mut message = message_codec::decode(key, value)?;
        if let Some((_, _, Some(state))) = self.index_entry(&message.id)? {
            message.state = state;
        }
        Ok(message)
    }

    /// Whether a message with this id is stored.
    pub fn has_message(&self, id: &MsgId) -> Result<bool, StoreError> {
        Ok(self.history.contains_key(keys::index(id))?)
    }

    /// One message by id.
    pub fn message(&self, id: &MsgId) -> Result<Option<StoredMessage>, StoreError> {
        match self.message_location(id)? {
            None => Ok(None),
            Some((conv, hlc)) => {
                let key = keys::message(&conv, hlc, id);
                self.history
                    .get(key)?
                    .map(|value| self.read_message(&key, &value))
                    .transpose()
            }
        }
    }

    /// Changes a stored message's state; returns the updated message.
    pub fn set_message_state(&self, id: &MsgId, state: MessageState) -> Result<Option<StoredMessage>, StoreError> {
        let Some(mut message) = self.message(id)? else {
            return Ok(None);
        };
        message.state = state;
        let mut batch = Batch::default();
        batch.put_message_state(&message);
        self.apply(batch)?;
        Ok(Some(message))
    }

    /// The last `limit` messages of a conversation strictly before `before` (or the
    /// newest), oldest first. A reverse range scan: cost proportional to `limit` (and to
    /// the actions passed over: reactions, edits and deletes are stored, never listed).
    pub fn last_messages(
        &self,
        conv: &ConvId,
        limit: usize,
        before: Option<&MsgId>,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        let start = keys::messages_of(conv).to_vec();
        let end = match before {
            Some(id) => match self.message_location(id)? {
                Some((c, hlc)) if c == *conv => keys::message(conv, hlc, id).to_vec(),
                _ => return Ok(Vec::new()),
            },
            None => {
                let mut end = start.clone();
                end.extend_from_slice(&[0xff; 24]);
                end
            }
        };
        let mut out = Vec::new();
        for item in self.history.range(start..end).rev() {
            if out.len() == limit {
                break;
            }
            let (key, value) = item?;
            let message = self.read_message(&key, &value)?;
            if !message.body.is_action() {
                out.push(message);
            }
        }
        out.reverse();
        Ok(out)
    }

    /// Up to `limit` messages in key order (conversation, then oldest first) strictly
    /// after the message `after`, within `conv` when given; and whether more follow.
    /// Actions are not listed. Export reads the whole history this way, one page at a time.
    pub fn messages_after(
        &self,
        conv: Option<&ConvId>,
        after: Option<&MsgId>,
        limit: usize,
    ) -> Result<(Vec<StoredMessage>, bool), StoreError> {
        let prefix: Vec<u8> = match conv {
            Some(conv) => keys::messages_of(conv).to_vec(),
            None => vec![keys::MESSAGE],
        };
        let mut end = prefix.clone();
        end.extend_from_slice(&[0xff; 41]);
        let start = match after {
            Some(id) => match self.message_location(id)? {
                Some((c, hlc)) if conv.is_none_or(|conv| *conv == c) => {
                    let mut key = keys::message(&c, hlc, id).to_vec();
                    key.push(0);
                    key
                }
                _ => return Ok((Vec::new(), false)),
            },
            None => prefix,
        };
        let mut out = Vec::new();
        for item in self.history.range(start..end) {
            let (key, value) = item?;
            let message = self.read_message(&key, &value)?;
            if message.body.is_action() {
                continue;
            }
            if out.len() == limit {
                return Ok((out, true));
            }
            out.push(message);
        }
        Ok((out, false))
    }

    /// Deletes a conversation: its messages (each message, then its id index), then its
    /// row. A crash midway leaves fewer messages, never a dangling one.
    pub fn forget_conversation(&self, conv: &ConvId) -> Result<usize, StoreError> {
        let mut forgotten = 0;
        for item in self.history.scan_prefix(keys::messages_of(conv)) {
            let (key, value) = item?;
            let message = message_codec::decode(&key, &value)?;
            self.history.remove(key)?;
            self.history.remove(keys::index(&message.id))?;
            self.history.remove(keys::signature(message.hlc, &message.id))?;
            forgotten += 1;
        }
        self.history.remove(keys::conversation(conv))?;
        Ok(forgotten)
    }

    /// Moves every message of `from` into `to` (the direct conversation with `phone`,
    /// titled `title` if new) in `state` — an accepted message request — and deletes
    /// `from`'s row. Each message is written under its new key with its index entry
    /// repointed before its old copy goes: a crash midway leaves a message in both
    /// conversations (the index names the new one), never in neither. Returns how many
    /// moved.
    pub fn move_conversation(
        &self,
        from: &ConvId,
        to: ConvId,
        phone: &PhoneNumber,
        title: &str,
        state: MessageState,
    ) -> Result<usize, StoreError> {
        let mut row = self
            .conversation(&to)?
            .unwrap_or_else(|| Conversation::direct(to, phone, title));
        let mut moved = 0;
        for item in self.history.scan_prefix(keys::messages_of(from)) {
            let (old_key, value) = item?;
            let mut message = message_codec::decode(&old_key, &value)?;
            message.conv = to;
            message.state = state;
            let mut batch = Batch::default();
            batch.put_body(&message);
            batch.put_message_state(&message);
            batch.remove(&old_key);
            self.apply(batch)?;
            if message.hlc >= row.last_hlc {
                row.preview = message.body.preview();
            }
            row.last_hlc = row.last_hlc.max(message.hlc);
            row.unread = row.unread.saturating_add(1);
            moved += 1;
        }
        let mut batch = Batch::default();
        batch.put_conversation(&row);
        batch.remove(&keys::conversation(from));
        self.apply(batch)?;
        Ok(moved)
    }

    /// One conversation.
    pub fn conversation(&self, id: &ConvId) -> Result<Option<Conversation>, StoreError> {
        get(&self.history, &keys::conversation(id), "conversation")
    }

    /// All conversations, newest activity first.
    pub fn conversations(&self) -> Result<Vec<Conversation>, StoreError> {
        let mut all = self
            .history
            .scan_prefix(keys::conversations())
            .values()
            .map(|v| decode::<Conversation>(&v?, "conversation"))
            .collect::<Result<Vec<_>, _>>()?;
        all.sort_by_key(|c| std::cmp::Reverse(c.last_hlc));
        Ok(all)
    }

    /// Every outbox entry.
    pub fn outbox(&self) -> Result<Vec<OutboxEntry>, StoreError> {
        self.history
            .scan_prefix(keys::outbox_all())
            .values()
            .map(|v| decode(&v?, "outbox entry"))
            .collect()
    }

    /// One outbox entry.
    pub fn outbox_entry(&self, id: &MsgId) -> Result<Option<OutboxEntry>, StoreError> {
        get(&self.history, &keys::outbox(id), "outbox entry")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Body, ConversationKind, Direction, Hlc};
    use crate::store::StoreOptions;

    fn message(conv: ConvId, hlc: u64, text: &str) -> StoredMessage {
        StoredMessage {
            id: MsgId::generate(),
            conv,
            hlc,
            direction: Direction::Outgoing,
            sender: "+821012345678".parse().unwrap(),
            body: Body::Text { text: text.into() },
            state: MessageState::Queued,
            sent_ms: 0,
            stored_ms: 0,
            annotations: Default::default(),
        }
    }

    #[test]
    fn a_new_device_gets_contacts_and_the_window_of_every_conversations_history() {
        use crate::model::{Contact, ContactSource, Conversation};
        use crate::store::BackedUpTree;
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
        let yuki: crate::phone::PhoneNumber = "+819012345678".parse().unwrap();
        store
            .put_contact(&Contact::new(yuki.clone(), "Yuki", ContactSource::Manual))
            .unwrap();
        let (direct, group) = (ConvId([1; 16]), ConvId([2; 16]));
        let at = |ms| Hlc::default().tick(ms).0;
        let (mut old, new) = (message(direct, at(1_000), "old"), message(direct, at(5_000), "new"));
        // Written earlier, but stored last (it came late, from a mailbox).
        old.stored_ms = 9_000;
        let mut batch = store.batch();
        batch.put_conversation(&Conversation::direct(direct, &yuki, "Yuki"));
        batch.put_conversation(&Conversation {
            kind: ConversationKind::Group { group_id: [3; 16] },
            ..Conversation::direct(group, &yuki, "g")
        });
        batch.put_message(&old);
        batch.put_message(&new);
        let in_group = message(group, at(5_000), "in a group");
        batch.put_message(&in_group);
        store.apply(batch).unwrap();

        assert_eq!(
            store
                .device_history(crate::store::Window::WrittenSince(4_000), None, 10)
                .unwrap(),
            None,
            "over the budget"
        );
        let copied = store
            .device_history(crate::store::Window::WrittenSince(4_000), None, u64::MAX)
            .unwrap()
            .unwrap();
        let contacts = copied.iter().filter(|(t, _, _)| *t == BackedUpTree::Contacts).count();
        // The contact; each conversation's row, its new message and that one's index.
        assert_eq!((contacts, copied.len()), (1, 7));
        let other = tempfile::tempdir().unwrap();
        let copy = Store::open(other.path(), StoreOptions::default()).unwrap();
        for (tree, key, value) in &copied {
            copy.restore_entry(*tree, key, value).unwrap();
        }
        assert_eq!(copy.message(&new.id).unwrap().map(|m| m.body), Some(new.body));
        assert_eq!(copy.message(&old.id).unwrap(), None);
        assert_eq!(
            copy.message(&in_group.id).unwrap().map(|m| m.body),
            Some(in_group.body.clone())
        );
        assert_eq!(copy.conversations().unwrap().len(), 2);
        assert_eq!(copy.contacts().unwrap().len(), 1);
        // A linked device that has what was stored until 8,000 gets the late message.
        let missed = store
            .device_history(crate::store::Window::StoredSince(8_000), None, u64::MAX)
            .unwrap()
            .unwrap();
        let messages: Vec<_> = missed.iter().filter(|(_, key, _)| key.first() == Some(&b'm')).collect();
        assert_eq!(messages.len(), 1);
        assert_eq!(
            messages[0].1.as_ref(),
            keys::message(&direct, old.hlc, &old.id).as_slice()
        );
        // A cut link run that holds `old` gets what follows it: `new`, then the group's.
        let after = keys::message(&direct, old.hlc, &old.id);
        let rest = store
            .device_history(crate::store::Window::WrittenSince(0), Some(after.as_slice()), u64::MAX)
            .unwrap()
            .unwrap();
        let messages: Vec<&[u8]> = rest
            .iter()
            .filter(|(_, key, _)| key.first() == Some(&b'm'))
            .map(|(_, key, _)| key.as_ref())
            .collect();
        assert_eq!(
            messages,
            [
                keys::message(&direct, new.hlc, &new.id).as_slice(),
                keys::message(&group, in_group.hlc, &in_group.id).as_slice()
            ]
        );
        // A message that changed comes with its conversation's row, whatever its kind.
        let changed = store.message_entries(&[in_group.id, new.id]).unwrap();
        assert_eq!(changed.len(), 6);
    }

    #[test]
    fn last_n_is_a_reverse_scan_and_pages_with_before() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
        let conv = ConvId([1; 16]);
        let other = ConvId([2; 16]);
        let mut hlc = Hlc::default();
        let mut ids = Vec::new();
        for i in 0..100 {
            hlc = hlc.tick(1_000 + i);
            let m = message(conv, hlc.0, &format!("m{i}"));
            ids.push(m.id);
            let mut batch = store.batch();
            batch.put_message(&m);
            batch.put_message(&message(other, hlc.0, "noise"));
            store.apply(batch).unwrap();
        }
        let last = store.last_messages(&conv, 10, None).unwrap();
        let texts: Vec<_> = last.iter().map(|m| m.body.preview()).collect();
        assert_eq!(texts.first().unwrap(), "m90");
        assert_eq!(texts.last().unwrap(), "m99");
        let page = store.last_messages(&conv, 5, Some(&ids[90])).unwrap();
        assert_eq!(
            page.iter().map(|m| m.body.preview()).collect::<Vec<_>>(),
            ["m85", "m86", "m87", "m88", "m89"]
        );
    }

    #[test]
    fn stored_messages_are_found_by_id_and_batches_apply_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
        let conv = ConvId([3; 16]);
        let m = message(conv, 5, "hi");
        let mut batch = store.batch();
        batch.put_message(&m);
        batch.put_conversation(&Conversation {
            id: conv,
            kind: ConversationKind::Direct {
                phone: "+819012345678".parse().unwrap(),
            },
            title: "Yuki".into(),
            last_hlc: 5,
            unread: 0,
            preview: "hi".into(),
        });
        batch.put_outbox(&OutboxEntry {
            id: m.id,
            target: OutboxTarget::Direct {
                phone: "+819012345678".parse().unwrap(),
            },
            attempts: 0,
            next_attempt_ms: 0,
            created_ms: 0,
            mailbox_ms: 0,
        });
        store.apply(batch).unwrap();
        assert!(store.has_message(&m.id).unwrap(), "the id index finds it");
        assert_eq!(store.outbox().unwrap().len(), 1);
        assert_eq!(store.conversations().unwrap()[0].title, "Yuki");
        let updated = store
            .set_message_state(&m.id, MessageState::Delivered)
            .unwrap()
            .unwrap();
        assert_eq!(store.message(&m.id).unwrap().unwrap(), updated);
    }

    /// Applies the first `n` writes of `batch` to a fresh store (what a crash after them
    /// leaves, sled recovering a prefix of its log).
    fn prefix_store(batch: &Batch, n: usize) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
        let prefix = Batch {
            writes: batch.writes[..n].to_vec(),
        };
        store.apply(prefix).unwrap();
        (dir, store)
    }

    #[test]
    fn every_prefix_of_a_batch_is_consistent() {
        let conv = ConvId([4; 16]);
        let m = message(conv, 7, "hi");
        let entry = OutboxEntry {
            id: m.id,
            target: OutboxTarget::Direct {
                phone: "+819012345678".parse().unwrap(),
            },
            attempts: 0,
            next_attempt_ms: 0,
            created_ms: 0,
            mailbox_ms: 0,
        };
        // Outgoing: a message in the history always has its outbox entry.
        let mut outgoing = Batch::default();
        outgoing.put_outgoing(&m, &entry);
        for n in 0..=outgoing.writes.len() {
            let (_dir, store) = prefix_store(&outgoing, n);
            if !store.last_messages(&conv, 10, None).unwrap().is_empty() {
                assert!(store.outbox_entry(&m.id).unwrap().is_some(), "prefix {n}");
                assert!(store.message(&m.id).unwrap().is_some(), "prefix {n}");
            }
        }
        // Incoming: the dedup record never exists without the message.
        let mut incoming = Batch::default();
        incoming.put_message(&m);
        for n in 0..=incoming.writes.len() {
            let (_dir, store) = prefix_store(&incoming, n);
            if store.has_message(&m.id).unwrap() {
                assert!(store.message(&m.id).unwrap().is_some(), "prefix {n}");
            }
        }
    }
}
