//! Helpers shared by the examples that fill a store with synthetic history.

use chingu::model::{Body, ConvId, Direction, Hlc, MessageState, MsgId, StoredMessage};
use chingu::phone::PhoneNumber;

/// A text message of the 1:1 conversation with `peer` at `hlc`: from `peer` when
/// `incoming`, else from `owner`; `state` and the times as given.
pub fn text_message(
    peer: &PhoneNumber,
    owner: &PhoneNumber,
    hlc: Hlc,
    incoming: bool,
    text: String,
    state: MessageState,
    now: u64,
) -> StoredMessage {
    StoredMessage {
        id: MsgId::generate(),
        conv: ConvId::direct(peer),
        hlc: hlc.0,
        direction: if incoming {
            Direction::Incoming
        } else {
            Direction::Outgoing
        },
        sender: if incoming { peer.clone() } else { owner.clone() },
        body: Body::Text { text },
        state,
        sent_ms: now,
        stored_ms: now,
        annotations: Default::default(),
    }
}
