//! Fabricated node answers shared by the chat client's unit and screen tests: two
//! friends (민지 and ゆき), conversations, message pages and a group.

use serde_json::{json, Value};

use super::app::{App, Effect, Input, Request, Target};
use super::input::Key;
use crate::model::{Direction, MessageState};
use crate::node::MessageView;

pub const MINJI: &str = "+821012345678";
pub const YUKI: &str = "+819012345678";
pub const GROUP: &str = "00112233445566778899aabbccddeeff";

pub fn ok(request: Request, value: Value) -> Input {
    Input::Reply {
        request,
        result: Ok(value),
    }
}

pub fn contacts() -> Value {
    json!([
        {"name": "민지", "phone": MINJI, "state": "verified", "peer_id": "12D3KooWa", "profile_name": null,
         "candidates": 0, "mailboxes": 1, "source": "manual"},
        {"name": "ゆき", "phone": YUKI, "state": "pending", "peer_id": null, "profile_name": null,
         "candidates": 0, "mailboxes": 0, "source": "import"}
    ])
}

pub fn conv_id(phone: &str) -> String {
    Target::Contact(phone.into()).conv_id()
}

pub fn message(id: u32, phone: &str, incoming: bool, text: &str) -> MessageView {
    MessageView {
        id: format!("{id:032x}"),
        conv: conv_id(phone),
        direction: if incoming {
            Direction::Incoming
        } else {
            Direction::Outgoing
        },
        sender: phone.into(),
        sender_name: if incoming { "민지".into() } else { String::new() },
        title: String::new(),
        text: text.into(),
        kind: "text".into(),
        reply_to: None,
        card: None,
        reactions: Vec::new(),
        edited: false,
        paper: None,
        file: None,
        state: if incoming {
            MessageState::Received
        } else {
            MessageState::Sent
        },
        hlc: u64::from(id),
        sent_ms: 1_700_000_000_000 + u64::from(id) * 1000,
        muted: false,
    }
}

pub fn page(range: std::ops::Range<u32>, phone: &str) -> Value {
    let messages: Vec<MessageView> = range.map(|i| message(i, phone, i % 2 == 0, &format!("m{i}"))).collect();
    serde_json::to_value(messages).unwrap()
}

/// An app with two contacts, a conversation with 민지 (2 unread) and no groups support.
pub fn loaded() -> App {
    let mut app = App::new();
    app.update(Input::Tick(1_700_000_000_000));
    app.start();
    app.update(ok(Request::Contacts, contacts()));
    app.update(ok(
        Request::Conversations,
        json!([{"id": conv_id(MINJI), "kind": "direct", "phone": MINJI, "title": "민지", "unread": 2, "preview": "안녕"}]),
    ));
    app
}

pub fn keys(app: &mut App, keys: &[Key]) -> Vec<Effect> {
    keys.iter().flat_map(|k| app.update(Input::Key(*k))).collect()
}

pub fn type_text(app: &mut App, text: &str) -> Vec<Effect> {
    text.chars()
        .flat_map(|c| app.update(Input::Key(Key::Char(c))))
        .collect()
}

/// Opens the conversation with 민지 and answers its history with `history`.
pub fn open_minji(app: &mut App, history: Value) -> Vec<Effect> {
    let effects = keys(app, &[Key::Enter]);
    app.update(ok(
        Request::History {
            target: Target::Contact(MINJI.into()),
            older: false,
        },
        history,
    ));
    effects
}

pub fn groups(admin: bool) -> Value {
    json!([{"group_id": GROUP, "name": "등산 모임", "kind": "group", "epoch": 3, "members": 4,
            "is_admin": admin, "active": true, "expires_ms": null, "closed": false}])
}

pub fn members() -> Value {
    json!([
        {"name": "나", "phone": "+821011112222", "peer_id": "12D3KooWme", "admin": true, "me": true},
        {"name": "ゆき", "phone": "+819012345678", "peer_id": "12D3KooWyuki", "admin": false, "me": false}
    ])
}
