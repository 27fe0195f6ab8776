//! What the store keeps for reactions, edits and deletes (SPEC.md §6.9, §8.3): a target
//! rewritten in place (new text or `deleted`, its annotations, its search signature), and
//! the index of actions that arrived before their target.

use super::history::Batch;
use super::{keys, StoreError};
use crate::model::{MsgId, StoredMessage};
use crate::store::Store;

impl Batch {
    /// Replaces a stored message's content by `new` (same id, conversation and clock):
    /// the new signature (none for a deleted text) goes first, then the value — a crash
    /// between leaves a signature search checks against the stored text, never old text
    /// findable after a delete.
    pub fn rewrite_message(&mut self, new: &StoredMessage) {
        self.put_signature(new);
        self.put_body(new);
    }

    /// Records that `action` waits for its target `target`.
    pub fn put_pending_action(&mut self, target: &MsgId, action: &MsgId) {
        self.insert(&keys::pending_action(target, action), &[][..]);
    }

    /// Forgets that `action` waits for `target` (it was applied or refused).
    pub fn remove_pending_action(&mut self, target: &MsgId, action: &MsgId) {
        self.remove(&keys::pending_action(target, action));
    }
}

impl Store {
    /// The actions waiting for the message `target`, as stored messages (an index entry
    /// whose action is gone is skipped).
    pub fn pending_actions(&self, target: &MsgId) -> Result<Vec<StoredMessage>, StoreError> {
        let mut actions = Vec::new();
        for item in self.history.scan_prefix(keys::pending_actions_of(target)) {
            let (key, _) = item?;
            let id = MsgId(key[17..].try_into().map_err(|_| StoreError::Corrupt {
                what: "pending action",
                message: format!("a {} byte key", key.len()),
            })?);
            if let Some(action) = self.message(&id)? {
                actions.push(action);
            }
        }
        actions.sort_by_key(|a| (a.hlc, a.id));
        Ok(actions)
    }

    /// How many actions wait for a target (counted once, when a node starts).
    pub fn count_pending_actions(&self) -> usize {
        self.history.scan_prefix(keys::pending_actions()).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Body, ConvId, Direction, MessageState};

    fn message(body: Body) -> StoredMessage {
        StoredMessage {
            id: MsgId::generate(),
            conv: ConvId([4; 16]),
            hlc: 100,
            direction: Direction::Incoming,
            sender: "+821012345678".parse().unwrap(),
            body,
            state: MessageState::Received,
            sent_ms: 1,
            stored_ms: 1,
            annotations: Default::default(),
        }
    }

    #[test]
    fn a_deleted_text_cannot_be_found_and_pending_actions_are_listed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), crate::store::StoreOptions::default()).unwrap();
        let original = message(Body::Text {
            text: "비밀 이야기".into(),
        });
        let mut batch = store.batch();
        batch.put_message(&original);
        store.apply(batch).unwrap();
        assert_eq!(store.search("비밀", None, 10, None).unwrap().messages.len(), 1);
        let mut deleted = original.clone();
        deleted.body = Body::Deleted;
        let mut batch = store.batch();
        batch.rewrite_message(&deleted);
        store.apply(batch).unwrap();
        assert_eq!(store.message(&original.id).unwrap().unwrap().body, Body::Deleted);
        assert!(store.search("비밀", None, 10, None).unwrap().messages.is_empty());
        let signatures = store.history.scan_prefix([keys::SEARCH]).count();
        assert_eq!(signatures, 0, "no signature of the deleted text is left");

        let target = MsgId::generate();
        let late = message(Body::Delete { to: target });
        let mut early = message(Body::Edit {
            to: target,
            text: "x".into(),
        });
        early.hlc = 50;
        let mut batch = store.batch();
        for action in [&late, &early] {
            batch.put_message(action);
            batch.put_pending_action(&target, &action.id);
        }
        store.apply(batch).unwrap();
        assert_eq!(store.count_pending_actions(), 2);
        let waiting = store.pending_actions(&target).unwrap();
        assert_eq!(waiting.iter().map(|a| a.id).collect::<Vec<_>>(), [early.id, late.id]);
    }
}
