//! What of the database a device of the same account gets (SPEC.md §8.5,
//! `protocol/devices.md` §5–6): the window of history a new device is linked with, or
//! that a linked device missed, a changed message's entries or contacts for a linked
//! device, and writing what a linked device got.
//! The trees are numbered as in a backup ([`BackedUpTree`]).

use super::{keys, BackedUpTree, Store, StoreError};

/// One database entry a device gets: its tree, key and value.
pub type DeviceEntry = (BackedUpTree, sled::IVec, sled::IVec);

/// Which messages of the conversations a device gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// Those written from this time on (their HLC's milliseconds): a new device's history.
    WrittenSince(u64),
    /// Those this node stored from this time on (its own clock, `stored_ms`): what a
    /// linked device missed since the newest message it has from this node.
    StoredSince(u64),
}

/// The meta value where a linked device keeps the newest `stored_ms` among the messages
/// its first device sent it (the first device's clock): where it asks to go on from.
const SYNCED_META: &str = "account.synced_ms";
/// The meta entries naming 1:1 messages whose state changed on a first device with linked
/// devices, by when: `account.changed/<ms, 16 hex digits><message id, 32 hex digits>`.
const CHANGED_PREFIX: &str = "account.changed/";
/// Most such entries kept (the oldest are forgotten first).
pub const MAX_STATE_CHANGES: usize = 4_096;
/// The meta value marking a new device whose linked history's files are not noted yet
/// (cleared once they are).
pub const LINK_FILES: &str = "account.link_files";

impl Store {
    /// What a device of the account gets (SPEC.md §8.5): every contact, the
    /// conversations (1:1, groups and meetups) in the order of their ids, and their
    /// messages in `window` with their id-index entries — no outbox, search signatures,
    /// files or group records (a group's keys are never copied). With
    /// `after` (a message key), only what comes after that message in this order, besides
    /// the contacts: what a cut link run had not brought yet. Read while the node runs: a
    /// message written meanwhile may be in it or not, never half. `None` once the keys
    /// and values pass `max_bytes` (the window holds more than a new device takes).
    pub fn device_history(
        &self,
        window: Window,
        after: Option<&[u8]>,
        max_bytes: u64,
    ) -> Result<Option<Vec<DeviceEntry>>, StoreError> {
        let mut entries = Vec::new();
        let mut bytes = 0u64;
        let mut keep = |entries: &mut Vec<DeviceEntry>, entry: DeviceEntry| {
            bytes += (entry.1.len() + entry.2.len()) as u64;
            entries.push(entry);
            bytes <= max_bytes
        };
        for item in self.contacts.iter() {
            let (key, value) = item?;
            if !keep(&mut entries, (BackedUpTree::Contacts, key, value)) {
                return Ok(None);
            }
        }
        let (since_hlc, stored_since) = match window {
            Window::WrittenSince(ms) => (ms << 16, None),
            Window::StoredSince(ms) => (0, Some(ms)),
        };
        // A message key: 'm' || conv(16) || hlc(8) || id(16).
        let after = after.filter(|k| k.len() == 41 && k[0] == b'm');
        let after_conv = after.map(|k| &k[1..17]);
        // Rows in key order: the order of their ids.
        for item in self.history.scan_prefix(keys::conversations()) {
            let (key, row) = item?;
            let conversation = super::decode::<crate::model::Conversation>(&row, "conversation")?;
            if after_conv.is_some_and(|c| conversation.id.0.as_slice() < c) {
                continue;
            }
            if !keep(&mut entries, (BackedUpTree::History, key, row)) {
                return Ok(None);
            }
            let start = keys::message(&conversation.id, since_hlc, &crate::model::MsgId([0; 16]));
            let end = keys::message(&conversation.id, u64::MAX, &crate::model::MsgId([0xff; 16]));
            let start = match after {
                Some(k) if &k[1..17] == conversation.id.0.as_slice() && k > start.as_slice() => {
                    std::ops::Bound::Excluded(k.to_vec())
                }
                _ => std::ops::Bound::Included(start.to_vec()),
            };
            let range = (start, std::ops::Bound::Included(end.to_vec()));
            for item in self.history.range::<Vec<u8>, _>(range) {
                let (key, value) = item?;
                if let Some(since) = stored_since {
                    if super::message_codec::decode(&key, &value)?.stored_ms < since {
                        continue;
                    }
                }
                let id: [u8; 16] = key[key.len() - 16..]
                    .try_into()
                    .expect("a message key ends with its id");
                let index = keys::index(&crate::model::MsgId(id));
                if let Some(row) = self.history.get(index)? {
                    if !keep(&mut entries, (BackedUpTree::History, index.as_slice().into(), row)) {
                        return Ok(None);
                    }
                }
                if !keep(&mut entries, (BackedUpTree::History, key, value)) {
                    return Ok(None);
                }
            }
        }
        Ok(Some(entries))
    }

    /// The entries of messages a linked device gets when they change: each one's
    /// conversation row (once per conversation), index entry and message — those that
    /// are stored in a conversation that is.
    pub fn message_entries(&self, ids: &[crate::model::MsgId]) -> Result<Vec<DeviceEntry>, StoreError> {
        let mut rows: std::collections::HashMap<crate::model::ConvId, bool> = std::collections::HashMap::new();
        let mut entries = Vec::new();
        for id in ids {
            let index = keys::index(id);
            let Some(location) = self.history.get(index)? else {
                continue;
            };
            let Some((conv, hlc, _)) = keys::parse_index_value(&location) else {
                continue;
            };
            let stored = match rows.get(&conv) {
                Some(stored) => *stored,
                None => {
                    let row_key = keys::conversation(&conv);
                    let row = self.history.get(row_key)?;
                    let stored = row.is_some();
                    if let Some(row) = row {
                        entries.push((BackedUpTree::History, row_key.as_slice().into(), row));
                    }
                    rows.insert(conv, stored);
                    stored
                }
            };
            if !stored {
                continue;
            }
            let message = keys::message(&conv, hlc, id);
            if let Some(value) = self.history.get(message)? {
                entries.push((BackedUpTree::History, index.as_slice().into(), location));
                entries.push((BackedUpTree::History, message.as_slice().into(), value));
            }
        }
        Ok(entries)
    }

    /// The contacts entries of `phones` still stored: what a linked device gets when
    /// they change.
    pub fn contact_entries(&self, phones: &[crate::phone::PhoneNumber]) -> Result<Vec<DeviceEntry>, StoreError> {
        let mut entries = Vec::new();
        for phone in phones {
            let key = phone.as_str().as_bytes();
            if let Some(value) = self.contacts.get(key)? {
                entries.push((BackedUpTree::Contacts, key.into(), value));
            }
        }
        Ok(entries)
    }

    /// Every contact's key (its number).
    pub fn contact_keys(&self) -> Result<Vec<sled::IVec>, StoreError> {
        self.contacts.iter().keys().map(|key| key.map_err(Into::into)).collect()
    }

    /// Forgets the contacts whose key is not in `keep` (a linked device, once its first
    /// device named every contact the account has); returns them.
    pub fn forget_contacts_except(
        &self,
        keep: &std::collections::HashSet<Vec<u8>>,
    ) -> Result<Vec<crate::model::Contact>, StoreError> {
        let mut gone = Vec::new();
        let mut cache = self.contact_cache();
        cache.0.clear();
        for item in self.contacts.iter() {
            let (key, value) = item?;
            if !keep.contains(key.as_ref()) {
                gone.push(super::decode(&value, "contact")?);
                self.contacts.remove(key)?;
            }
        }
        Ok(gone)
    }

    /// Writes entries a linked device got from its first device: contacts and
    /// conversation rows as they are, each message with its search signature and the
    /// state its index entry carries. Other entries are left out and counted. Returns the
    /// messages written, each with whether it was new here, and how many were left out.
    pub fn apply_device_entries(
        &self,
        entries: &[crate::account::history::HistoryEntry],
    ) -> Result<(Vec<(crate::model::MsgId, bool)>, usize), StoreError> {
        use super::message_codec;
        let mut states = std::collections::HashMap::new();
        for entry in entries.iter().filter(|e| e.tree == BackedUpTree::History as u8) {
            if entry.key.first() == Some(&b'i') {
                if let Some((_, _, Some(state))) = keys::parse_index_value(&entry.value) {
                    states.insert(entry.key[1..].to_vec(), state);
                }
            }
        }
        let (mut written, mut left_out) = (Vec::new(), 0);
        let mut synced = 0;
        let mut batch = self.batch();
        for entry in entries {
            let (tree, key, value) = (entry.tree, entry.key.as_ref(), entry.value.as_ref());
            match (BackedUpTree::from_byte(tree), key.first()) {
                (Some(BackedUpTree::Contacts), _) => self.put_contact_entry(key, value)?,
                (Some(BackedUpTree::History), Some(b'c')) if key.len() == 17 => {
                    batch.insert(key, value.to_vec());
                }
                (Some(BackedUpTree::History), Some(b'm')) => {
                    let Ok(mut message) = message_codec::decode(key, value) else {
                        left_out += 1;
                        continue;
                    };
                    if let Some(state) = states
                        .get(message.id.0.as_slice())
                        .and_then(|b| message_codec::state_from_byte(*b))
                    {
                        message.state = state;
                    }
                    let known = self.message_location(&message.id)?;
                    // One row per message: the first device's copy of one this device
                    // stored itself (a text its person sent while the first device was
                    // away) may have another clock; it replaces this one.
                    if let Some((conv, hlc)) = known.filter(|at| *at != (message.conv, message.hlc)) {
                        batch.remove(keys::message(&conv, hlc, &message.id).as_slice());
                        batch.remove(keys::signature(hlc, &message.id).as_slice());
                    }
                    written.push((message.id, known.is_none()));
                    synced = synced.max(message.stored_ms);
                    batch.put_message(&message);
                }
                (Some(BackedUpTree::History), Some(b'i')) => {}
                _ => left_out += 1,
            }
        }
        self.apply(batch)?;
        if synced > self.synced_ms()? {
            self.set_meta_value(SYNCED_META, &synced)?;
        }
        Ok((written, left_out))
    }

    /// The messages that name a file or a sticker pack (a new device's linked history, at
    /// its first start).
    pub fn messages_naming_files(&self) -> Result<Vec<crate::model::StoredMessage>, StoreError> {
        let mut messages = Vec::new();
        for item in self.history.scan_prefix(b"m") {
            let (key, value) = item?;
            let message = super::message_codec::decode(&key, &value)?;
            if names_a_file(&message) {
                messages.push(message);
            }
        }
        Ok(messages)
    }

    /// The newest `stored_ms` among the messages a linked device got from its first
    /// device (the first device's clock; 0 with none): where it asks to go on from.
    pub fn synced_ms(&self) -> Result<u64, StoreError> {
        if let Some(ms) = self.meta_value::<u64>(SYNCED_META)? {
            return Ok(ms);
        }
        // A home written before this was kept: its messages say, once.
        let mut newest = 0;
        for item in self.history.scan_prefix(b"m") {
            let (key, value) = item?;
            newest = newest.max(super::message_codec::decode(&key, &value)?.stored_ms);
        }
        self.set_meta_value(SYNCED_META, &newest)?;
        Ok(newest)
    }

    /// Notes that the states of the messages `ids` changed at `at_ms` (a first device with
    /// linked devices: one that was off hears of it when it is back).
    pub fn note_state_changes(&self, at_ms: u64, ids: &[crate::model::MsgId]) -> Result<(), StoreError> {
        for id in ids {
            self.set_meta_value(&format!("{CHANGED_PREFIX}{at_ms:016x}{}", hex::encode(id.0)), &())?;
        }
        Ok(())
    }

    /// How many state changes are noted.
    pub fn state_changes_kept(&self) -> Result<usize, StoreError> {
        Ok(self.meta.scan_prefix(keys::meta_named(CHANGED_PREFIX)).count())
    }

    /// Forgets the `n` oldest noted state changes.
    pub fn forget_oldest_state_changes(&self, n: usize) -> Result<(), StoreError> {
        let oldest: Vec<sled::IVec> = self
            .meta
            .scan_prefix(keys::meta_named(CHANGED_PREFIX))
            .keys()
            .take(n)
            .collect::<Result<_, _>>()?;
        for key in oldest {
            self.meta.remove(key)?;
        }
        Ok(())
    }

    /// The messages whose states changed from `since_ms` on (oldest first).
    pub fn state_changes_since(&self, since_ms: u64) -> Result<Vec<crate::model::MsgId>, StoreError> {
        let prefix = keys::meta_named(CHANGED_PREFIX);
        let start = keys::meta_named(&format!("{CHANGED_PREFIX}{since_ms:016x}"));
        let mut ids = Vec::new();
        for key in self.meta.range(start..).keys() {
            let key = key?;
            if !key.starts_with(&prefix) {
                break;
            }
            let id = hex::decode(&key[prefix.len() + 16..])
                .ok()
                .and_then(|id| <[u8; 16]>::try_from(id).ok());
            if let Some(id) = id {
                ids.push(crate::model::MsgId(id));
            }
        }
        Ok(ids)
    }

    /// Completes the database of a new device after its history was written: the search
    /// signatures are written in the background at its first start, and the files its
    /// messages name are noted then ([`LINK_FILES`]).
    pub fn finish_device_copy(&self, now_ms: u64) -> Result<(), StoreError> {
        self.set_meta_value(super::UNINDEXED, &now_ms)?;
        self.set_meta_value(LINK_FILES, &now_ms)?;
        self.synced_ms()?;
        self.flush()
    }
}

/// Whether `message` names a file or a sticker pack (whose content a device fetches).
pub fn names_a_file(message: &crate::model::StoredMessage) -> bool {
    matches!(
        message.body,
        crate::model::Body::File { .. } | crate::model::Body::Sticker { .. }
    )
}

#[cfg(test)]
mod tests {
    use super::super::StoreOptions;
    use super::*;
    use crate::model::{Contact, ContactSource};

    #[test]
    fn state_changes_are_kept_by_time_and_the_oldest_forgotten_first() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
        let id = |n: u8| crate::model::MsgId([n; 16]);
        store.note_state_changes(1_000, &[id(1), id(2)]).unwrap();
        store.note_state_changes(2_000, &[id(3)]).unwrap();
        store.note_state_changes(3_000, &[id(1)]).unwrap();
        assert_eq!(store.state_changes_kept().unwrap(), 4);
        assert_eq!(store.state_changes_since(2_000).unwrap(), [id(3), id(1)]);
        assert_eq!(store.state_changes_since(3_001).unwrap(), []);
        store.forget_oldest_state_changes(2).unwrap();
        assert_eq!(store.state_changes_since(0).unwrap(), [id(3), id(1)]);
        // Other meta values are not taken for changes.
        store.set_meta_value("account.changes_elsewhere", &1u8).unwrap();
        assert_eq!(store.state_changes_kept().unwrap(), 2);
    }

    #[test]
    fn a_linked_device_keeps_only_the_contacts_its_first_device_names() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
        let numbers = ["+819012345678", "+821055556666", "+821077778888"];
        for number in numbers {
            store
                .put_contact(&Contact::new(number.parse().unwrap(), "x", ContactSource::Manual))
                .unwrap();
        }
        let wanted: Vec<crate::phone::PhoneNumber> = vec![numbers[0].parse().unwrap(), "+12025550100".parse().unwrap()];
        let entries = store.contact_entries(&wanted).unwrap();
        assert_eq!(entries.len(), 1, "only stored contacts have entries");
        assert_eq!(entries[0].1.as_ref(), numbers[0].as_bytes());
        assert_eq!(store.contact_keys().unwrap().len(), 3);
        let keep = [numbers[0], numbers[2]].iter().map(|n| n.as_bytes().to_vec()).collect();
        let gone = store.forget_contacts_except(&keep).unwrap();
        assert_eq!(
            gone.iter().map(|c| c.phone.to_string()).collect::<Vec<_>>(),
            [numbers[1]]
        );
        let left: Vec<String> = store.contacts().unwrap().iter().map(|c| c.phone.to_string()).collect();
        assert_eq!(left, [numbers[0], numbers[2]]);
    }
}
