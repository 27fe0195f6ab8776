//! Message bodies (SPEC.md §6.9, §6.10) as a friend or a group member could send them:
//! whatever decodes is applied as an action to a fixed target, or checked as a rolling
//! paper, and must never panic; a body that decodes as a known kind encodes back to
//! itself; and a target stays within its caps however many actions reach it.

use chingu::content::annotate::{apply, MAX_REACTIONS};
use chingu::content::body::WireBody;
use chingu::content::paper;
use chingu::model::{Body, ConvId, Direction, MessageState, MsgId, StoredMessage};

fn message(id: MsgId, sender: &str, hlc: u64, body: Body) -> StoredMessage {
    StoredMessage {
        id,
        conv: ConvId([1; 16]),
        hlc,
        direction: Direction::Incoming,
        sender: sender.parse().expect("a valid number"),
        body,
        state: MessageState::Received,
        sent_ms: 0,
        stored_ms: 0,
        annotations: Default::default(),
    }
}

/// One input.
pub fn run(data: &[u8]) {
    let target_id = MsgId([0x11; 16]);
    let mut target = message(target_id, "+821012345678", 1, Body::Text { text: "hi".into() });
    let senders = ["+821012345678", "+819012345678", "+821055556666"];
    // Each chunk (split at 0xff bytes) is one body, from a sender and at a clock its
    // first byte picks.
    for (i, chunk) in data.split(|b| *b == 0xff).enumerate() {
        let Some((&pick, bytes)) = chunk.split_first() else {
            continue;
        };
        let Ok(body) = WireBody::decode(bytes) else {
            continue;
        };
        if !matches!(body, Body::Unsupported { .. }) {
            let wire = WireBody::from_body(&body);
            if let Ok(wire) = wire {
                assert_eq!(WireBody::decode(&wire.encode()).expect("its encoding decodes"), body);
            }
        }
        if let Body::Paper { paper: id, notes, .. } = &body {
            let recipient = "+821012345678".parse().expect("a valid number");
            let (kept, dropped) = paper::receive(id, &recipient, notes.clone(), |_| None);
            assert_eq!(kept.len() + dropped, notes.len());
        }
        let sender = senders[usize::from(pick) % senders.len()];
        let action = message(MsgId([i as u8; 16]), sender, u64::from(pick >> 2), body);
        let _ = apply(&mut target, &action);
        assert!(target.annotations.reactions.len() <= MAX_REACTIONS);
    }
}
