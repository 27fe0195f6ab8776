//! Unit tests of the chat client state machine, driven with fabricated answers and
//! events (no node, no terminal).

use serde_json::{json, Value};

use super::*;
use crate::node::Event;
use crate::tui::testkit::*;

/// The calls that reload everything, the open conversation included.
const RELOAD: [&str; 5] = [
    "node.status",
    "contacts.list",
    "conversations.list",
    "groups.list",
    "messages.history",
];

fn methods(effects: &[Effect]) -> Vec<&'static str> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Call { method, .. } => Some(*method),
            _ => None,
        })
        .collect()
}

fn params_of(effects: &[Effect], wanted: &str) -> Value {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::Call { method, params, .. } if *method == wanted => Some(params.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no {wanted} call in {effects:?}"))
}

#[test]
fn start_loads_everything_and_the_list_orders_conversations_first() {
    let mut app = App::new();
    assert_eq!(
        methods(&app.start()),
        ["node.status", "contacts.list", "conversations.list", "groups.list"]
    );
    let app = loaded();
    let entries = app.entries();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].title, "민지");
    assert_eq!(entries[0].unread, 2);
    assert_eq!(entries[0].badge, Badge::Contact("verified".into()));
    assert_eq!(entries[1].title, "ゆき");
    assert_eq!(entries[1].badge, Badge::Contact("pending".into()));
}

#[test]
fn opening_a_conversation_loads_history_and_marks_it_read() {
    let mut app = loaded();
    let effects = open_minji(&mut app, page(0..5, MINJI));
    assert_eq!(methods(&effects), ["messages.history", "messages.read"]);
    assert_eq!(params_of(&effects, "messages.history")["limit"], PAGE);
    assert_eq!(app.focus, Focus::Chat);
    let chat = app.chat.as_ref().unwrap();
    assert_eq!(chat.messages.len(), 5);
    assert!(chat.reached_start, "a short page is the whole conversation");
    assert_eq!(app.entries()[0].unread, 0);
}

#[test]
fn incoming_messages_append_mark_read_once_at_a_time_and_count_elsewhere() {
    let mut app = loaded();
    open_minji(&mut app, page(0..3, MINJI));
    // The first read is still in flight: further messages do not pile up read calls.
    let effects = app.update(Input::Event(Event::MessageReceived {
        message: Box::new(message(10, MINJI, true, "new")),
    }));
    assert!(methods(&effects).is_empty());
    assert_eq!(app.chat.as_ref().unwrap().messages.len(), 4);
    let effects = app.update(ok(Request::Read, json!({"marked": 1})));
    assert_eq!(methods(&effects), ["messages.read"], "the queued read goes out");

    // A message from Yuki, whose conversation the list does not know yet, asks for the list.
    let effects = app.update(Input::Event(Event::MessageReceived {
        message: Box::new(message(11, YUKI, true, "こんにちは")),
    }));
    assert_eq!(methods(&effects), ["conversations.list"]);
    app.update(ok(
        Request::Conversations,
        json!([
            {"id": conv_id(YUKI), "kind": "direct", "phone": YUKI, "title": "ゆき", "unread": 1, "preview": "こんにちは"},
            {"id": conv_id(MINJI), "kind": "direct", "phone": MINJI, "title": "민지", "unread": 0, "preview": "new"}
        ]),
    ));
    // The next one is counted locally and moves the conversation up.
    app.update(Input::Event(Event::MessageReceived {
        message: Box::new(message(12, YUKI, true, "また")),
    }));
    let entries = app.entries();
    assert_eq!(entries[0].title, "ゆき");
    assert_eq!(entries[0].unread, 2);
    assert_eq!(entries[0].preview, "また");
    assert_eq!(
        app.chat.as_ref().unwrap().messages.len(),
        4,
        "not shown in 민지's conversation"
    );
}

#[test]
fn sending_clears_the_composer_and_failures_put_the_draft_back() {
    let mut app = loaded();
    open_minji(&mut app, page(0..2, MINJI));
    type_text(&mut app, "잘 지내?");
    let effects = keys(&mut app, &[Key::Enter]);
    let params = params_of(&effects, "messages.send");
    assert_eq!(params, json!({"contact": MINJI, "text": "잘 지내?"}));
    assert!(app.composer.is_empty());
    let sent = MessageView {
        state: MessageState::Queued,
        ..message(20, MINJI, false, "잘 지내?")
    };
    let request = Request::Send {
        target: Target::Contact(MINJI.into()),
        text: "잘 지내?".into(),
    };
    app.update(ok(request.clone(), serde_json::to_value(&sent).unwrap()));
    // The same message arriving as an event is not shown twice.
    app.update(Input::Event(Event::MessageReceived {
        message: Box::new(sent.clone()),
    }));
    let chat = app.chat.as_ref().unwrap();
    assert_eq!(chat.messages.len(), 3);

    // Delivery marks advance and never go back.
    let conv = conv_id(MINJI);
    for state in [MessageState::Delivered, MessageState::Sent, MessageState::Read] {
        app.update(Input::Event(Event::MessageState {
            id: sent.id.clone(),
            conv: conv.clone(),
            state,
            preview: String::new(),
        }));
    }
    assert_eq!(
        app.chat.as_ref().unwrap().messages.back().unwrap().state,
        MessageState::Read
    );

    app.update(Input::Reply {
        request,
        result: Err(Failure {
            code: Some(-32004),
            message: "blocked: key changed".into(),
        }),
    });
    assert_eq!(app.composer.text(), "잘 지내?");
    assert!(app.notice.as_ref().unwrap().error);
    // Blank text is not sent.
    keys(&mut app, &[Key::Ctrl('u')]);
    type_text(&mut app, "   ");
    assert!(methods(&keys(&mut app, &[Key::Enter])).is_empty());
}

#[test]
fn typing_is_signalled_sparingly_and_shown_until_it_expires() {
    let mut app = loaded();
    open_minji(&mut app, json!([]));
    let effects = type_text(&mut app, "abc");
    assert_eq!(methods(&effects), ["messages.typing"], "one signal for a burst of keys");
    assert_eq!(params_of(&effects, "messages.typing")["active"], true);
    app.update(Input::Tick(app.now_ms() + TYPING_RESEND_MS));
    assert_eq!(methods(&type_text(&mut app, "d")), ["messages.typing"]);
    let effects = keys(&mut app, &[Key::Esc]);
    assert_eq!(params_of(&effects, "messages.typing")["active"], false);

    app.update(Input::Event(Event::Typing {
        phone: MINJI.into(),
        name: "민지".into(),
        active: true,
    }));
    assert_eq!(app.typing_names(), ["민지"]);
    app.update(Input::Tick(app.now_ms() + TYPING_SHOWN_MS + 1));
    assert!(app.typing_names().is_empty(), "a typing indicator expires");
}

#[test]
fn scrolling_back_fetches_older_pages_until_the_start() {
    let mut app = loaded();
    open_minji(&mut app, page(1000..1000 + PAGE as u32, MINJI));
    assert!(!app.chat.as_ref().unwrap().reached_start);
    let mut effects = Vec::new();
    for _ in 0..PAGE {
        effects.extend(keys(&mut app, &[Key::PageUp]));
    }
    assert_eq!(methods(&effects), ["messages.history"], "one older page at a time");
    let oldest = format!("{:032x}", 1000);
    assert_eq!(params_of(&effects, "messages.history")["before"], oldest);
    app.update(ok(
        Request::History {
            target: Target::Contact(MINJI.into()),
            older: true,
        },
        page(950..1000, MINJI),
    ));
    let chat = app.chat.as_ref().unwrap();
    assert_eq!(chat.messages.len(), PAGE + 50);
    assert_eq!(chat.messages.front().unwrap().id, format!("{:032x}", 950));
    assert!(chat.reached_start);
    assert!(chat.scroll > 0);
    // New messages while scrolled up are counted, and End of scrolling follows again.
    app.update(Input::Event(Event::MessageReceived {
        message: Box::new(message(5000, MINJI, true, "new")),
    }));
    assert_eq!(app.chat.as_ref().unwrap().unseen, 1);
    for _ in 0..PAGE {
        keys(&mut app, &[Key::PageDown]);
    }
    let chat = app.chat.as_ref().unwrap();
    assert_eq!((chat.scroll, chat.unseen), (0, 0));
}

#[test]
fn the_window_stays_bounded_while_thousands_stream_in() {
    let mut app = loaded();
    open_minji(&mut app, json!([]));
    for i in 0..(MAX_WINDOW as u32 + 500) {
        app.update(Input::Event(Event::MessageReceived {
            message: Box::new(message(i, MINJI, true, "flood")),
        }));
    }
    let chat = app.chat.as_ref().unwrap();
    assert_eq!(chat.messages.len(), MAX_WINDOW);
    assert_eq!(chat.messages.front().unwrap().id, format!("{:032x}", 500));
    assert!(!chat.reached_start, "trimmed messages can be fetched again");
}

#[test]
fn missed_events_reload_everything() {
    let mut app = loaded();
    open_minji(&mut app, page(0..3, MINJI));
    let effects = app.update(Input::Event(Event::Lagged { missed: 40 }));
    assert_eq!(methods(&effects), RELOAD);
    app.update(Input::Disconnected);
    assert!(!app.connected);
    assert!(app.update(Input::Reconnected).len() >= 4);
    assert!(app.connected);
}

#[test]
fn pasted_control_characters_are_removed() {
    let mut app = loaded();
    open_minji(&mut app, json!([]));
    app.update(Input::Paste("hi\x1b[2J\u{7}\nthere".into()));
    assert_eq!(app.composer.text(), "hi there");
}

#[test]
fn contacts_are_added_by_number_or_invite_code_and_imported_from_a_file() {
    let mut app = loaded();
    keys(&mut app, &[Key::Char('a')]);
    type_text(&mut app, "CHINGU-ABCD-EFGH");
    keys(&mut app, &[Key::Tab]);
    type_text(&mut app, "Alex");
    let effects = keys(&mut app, &[Key::Enter]);
    assert_eq!(
        params_of(&effects, "contacts.add"),
        json!({"invite": "CHINGU-ABCD-EFGH", "name": "Alex"})
    );
    assert!(app.overlay.is_none());

    keys(&mut app, &[Key::Char('a')]);
    type_text(&mut app, "010-5555-6666");
    let effects = keys(&mut app, &[Key::Enter, Key::Enter]);
    assert_eq!(
        params_of(&effects, "contacts.add"),
        json!({"phone": "010-5555-6666", "name": ""})
    );

    keys(&mut app, &[Key::Char('i')]);
    assert!(keys(&mut app, &[Key::Enter]).is_empty(), "an empty path is refused");
    assert!(app.notice.as_ref().unwrap().error);
    type_text(&mut app, "~/contacts.vcf");
    assert_eq!(
        keys(&mut app, &[Key::Enter]),
        [Effect::Import {
            path: "~/contacts.vcf".into()
        }]
    );
    let effects = app.update(ok(
        Request::Import,
        json!({"read": 3, "added": 2, "duplicates_merged": 1, "issues": [], "phones": []}),
    ));
    assert_eq!(methods(&effects), ["contacts.list"]);
    keys(&mut app, &[Key::Char('x')]);
    keys(&mut app, &[Key::Esc]);
}

#[test]
fn the_safety_number_screen_confirms_a_key() {
    let mut app = loaded();
    let effects = keys(&mut app, &[Key::Char('v')]);
    assert_eq!(params_of(&effects, "contacts.verify"), json!({"contact": MINJI}));
    let number = "12345 67890 12345 67890\n11111 22222 33333 44444\n55555 66666 77777 88888";
    app.update(ok(
        Request::SafetyNumbers,
        json!({
            "contact": contacts()[0],
            "pinned": {"index": 0, "peer_id": "12D3KooWa", "profile_name": "민지", "safety_number": number},
            "candidates": [],
            "confirmed": false
        }),
    ));
    let Some(Overlay::Info(info)) = &app.overlay else {
        panic!("no safety panel: {:?}", app.overlay)
    };
    assert!(info.lines.iter().any(|l| l.contains("12345 67890 12345 67890")));
    let effects = keys(&mut app, &[Key::Char('c')]);
    assert_eq!(
        params_of(&effects, "contacts.verify"),
        json!({"contact": MINJI, "confirm": true})
    );
    // Groups have no safety number.
    app.update(ok(Request::Groups, groups(false)));
    keys(&mut app, &[Key::End]);
    assert!(methods(&keys(&mut app, &[Key::Char('v')])).is_empty());
    assert!(app.notice.as_ref().unwrap().error);
}

#[test]
fn invite_codes_are_shown() {
    let mut app = loaded();
    assert_eq!(methods(&keys(&mut app, &[Key::Char('n')])), ["invite.create"]);
    let expires = app.now_ms() / 1000 + 7 * 24 * 3600;
    app.update(ok(
        Request::Invite,
        json!({"code": "CHINGU-1234", "link": "chingu://invite/1234", "expires": expires}),
    ));
    let Some(Overlay::Info(info)) = &app.overlay else {
        panic!("no invite panel")
    };
    assert_eq!(info.lines[0], "CHINGU-1234");
    keys(&mut app, &[Key::Esc]);
    assert!(app.overlay.is_none());
}

#[test]
fn the_accounts_devices_are_shown() {
    let mut app = loaded();
    assert_eq!(methods(&keys(&mut app, &[Key::Char('D')])), ["devices.list"]);
    app.update(ok(
        Request::Devices,
        json!({"account": "ab", "version": 2, "removed": 0, "devices": [
            {"name": "main", "peer_id": "12D3KooWAAAAAAAA11112222", "added_ms": 1, "this_device": true, "account_device": true},
            {"name": "laptop\u{1b}[2J", "peer_id": "12D3KooWBBBBBBBB33334444", "added_ms": 2, "this_device": false, "account_device": false}
        ]}),
    ));
    let Some(Overlay::Info(info)) = &app.overlay else {
        panic!("no devices panel")
    };
    assert!(info.lines[0].starts_with("main  …11112222"), "{:?}", info.lines);
    // A device's name passes through the terminal sanitiser.
    assert!(info.lines[1].starts_with("laptop  …33334444"), "{:?}", info.lines);
}

#[test]
fn groups_show_in_the_list_and_use_the_group_methods() {
    let mut app = loaded();
    app.update(ok(Request::Groups, groups(true)));
    let entries = app.entries();
    assert_eq!(entries.last().unwrap().title, "등산 모임");
    assert_eq!(entries.last().unwrap().badge, Badge::Group);
    let effects = keys(&mut app, &[Key::End, Key::Enter]);
    // No receipts for groups, but the node's unread count is zeroed too.
    assert_eq!(methods(&effects), ["groups.history", "groups.read"]);
    assert_eq!(params_of(&effects, "groups.read"), json!({"group": GROUP}));
    assert_eq!(params_of(&effects, "groups.history")["group"], GROUP);
    type_text(&mut app, "안녕 모두");
    let effects = keys(&mut app, &[Key::Enter]);
    assert_eq!(
        params_of(&effects, "groups.send"),
        json!({"group": GROUP, "text": "안녕 모두"})
    );
    // A group message arrives in the open group conversation.
    let mut incoming = message(7, YUKI, true, "やあ");
    incoming.conv = GROUP.into();
    app.update(Input::Event(Event::MessageReceived {
        message: Box::new(incoming),
    }));
    assert_eq!(app.chat.as_ref().unwrap().messages.len(), 1);
}

#[test]
fn admins_manage_members_with_confirmation() {
    let mut app = loaded();
    app.update(ok(Request::Groups, groups(true)));
    keys(&mut app, &[Key::End]);
    let effects = keys(&mut app, &[Key::Char('e')]);
    assert_eq!(params_of(&effects, "groups.members"), json!({"group": GROUP}));
    app.update(ok(Request::Members { group: GROUP.into() }, members()));
    assert!(matches!(app.overlay, Some(Overlay::Members(_))));
    // Removing yourself is not offered; removing another member asks first.
    assert!(keys(&mut app, &[Key::Char('d')]).is_empty());
    assert!(matches!(app.overlay, Some(Overlay::Members(_))));
    assert!(keys(&mut app, &[Key::Down, Key::Char('d')]).is_empty());
    assert!(matches!(app.overlay, Some(Overlay::Confirm(_))));
    let effects = keys(&mut app, &[Key::Char('y')]);
    assert_eq!(
        params_of(&effects, "groups.remove"),
        json!({"group": GROUP, "member": "12D3KooWyuki"})
    );
    // Back in the member list, the change is reported and the lists are refreshed.
    assert!(matches!(app.overlay, Some(Overlay::Members(_))));
    let effects = app.update(ok(Request::GroupChange, json!({})));
    assert_eq!(
        methods(&effects),
        ["groups.list", "conversations.list", "groups.members"]
    );

    app.update(ok(Request::Members { group: GROUP.into() }, members()));
    let effects = keys(&mut app, &[Key::Down, Key::Char('o')]);
    assert_eq!(
        params_of(&effects, "groups.admins"),
        json!({"group": GROUP, "action": "add", "member": "12D3KooWyuki"})
    );
    app.update(ok(Request::Members { group: GROUP.into() }, members()));
    keys(&mut app, &[Key::Char('a')]);
    type_text(&mut app, "민지");
    let effects = keys(&mut app, &[Key::Enter]);
    assert_eq!(
        params_of(&effects, "groups.invite"),
        json!({"group": GROUP, "contact": "민지"})
    );
}

#[test]
fn members_who_are_not_admins_can_only_leave() {
    let mut app = loaded();
    app.update(ok(Request::Groups, groups(false)));
    app.update(ok(Request::Members { group: GROUP.into() }, members()));
    assert!(keys(&mut app, &[Key::Down, Key::Char('d')]).is_empty());
    assert!(app.notice.as_ref().unwrap().error);
    assert!(matches!(app.overlay, Some(Overlay::Members(_))));
    keys(&mut app, &[Key::Char('l')]);
    let effects = keys(&mut app, &[Key::Enter]);
    assert_eq!(params_of(&effects, "groups.leave"), json!({"group": GROUP}));
}

#[test]
fn meetups_are_created_with_a_duration_and_joined_by_code() {
    let mut app = loaded();
    keys(&mut app, &[Key::Char('m')]);
    type_text(&mut app, "번개");
    keys(&mut app, &[Key::Tab]);
    type_text(&mut app, "forever");
    assert!(keys(&mut app, &[Key::Enter]).is_empty(), "a bad duration is refused");
    assert!(app.notice.as_ref().unwrap().error);
    keys(&mut app, &[Key::Ctrl('u')]);
    type_text(&mut app, "90m");
    let effects = keys(&mut app, &[Key::Enter]);
    assert_eq!(
        params_of(&effects, "meetups.create"),
        json!({"name": "번개", "expires_s": 5400})
    );
    let effects = app.update(ok(
        Request::MeetupCreate,
        json!({"group_id": GROUP, "code": "MEET-7788", "link": "chingu://meetup/7788",
               "expires_ms": app.now_ms() + 90 * 60_000}),
    ));
    assert_eq!(methods(&effects), ["groups.list"]);
    let Some(Overlay::Info(info)) = &app.overlay else {
        panic!("no meetup panel")
    };
    assert_eq!(info.lines[0], "MEET-7788");
    keys(&mut app, &[Key::Esc, Key::Char('J')]);
    type_text(&mut app, "MEET-7788");
    let effects = keys(&mut app, &[Key::Enter]);
    assert_eq!(params_of(&effects, "meetups.join"), json!({"code": "MEET-7788"}));
    assert_eq!(parse_minutes("2h"), Ok(120));
    assert!(parse_minutes("0m").is_err());
}

#[test]
fn a_node_without_group_methods_gets_a_clear_notice() {
    let mut app = loaded();
    let not_found = Failure {
        code: Some(METHOD_NOT_FOUND),
        message: "no method \"groups.list\"".into(),
    };
    app.update(Input::Reply {
        request: Request::Groups,
        result: Err(not_found.clone()),
    });
    assert!(!app.groups_available);
    assert!(app.notice.is_none(), "quiet at start");
    assert!(!methods(&app.start()).contains(&"groups.list"), "not asked again");
    assert!(keys(&mut app, &[Key::Char('g')]).is_empty());
    assert!(app.overlay.is_none());
    let notice = app.notice.clone().unwrap();
    assert!(notice.error);
    assert_eq!(notice.text, tr!("tui-groups-unavailable"));

    // A group call that fails the same way says so too.
    let mut app = loaded();
    app.update(Input::Reply {
        request: Request::MeetupCreate,
        result: Err(not_found),
    });
    assert_eq!(app.notice.unwrap().text, tr!("tui-groups-unavailable"));
}

#[test]
fn help_opens_and_closes_and_quit_quits() {
    let mut app = loaded();
    keys(&mut app, &[Key::Char('?')]);
    assert_eq!(app.overlay, Some(Overlay::Help));
    keys(&mut app, &[Key::Char('j')]);
    assert_eq!(app.overlay, Some(Overlay::Help), "other keys keep the help open");
    keys(&mut app, &[Key::Esc]);
    assert!(app.overlay.is_none());
    // In a conversation `?` is text; F1 is help.
    open_minji(&mut app, json!([]));
    keys(&mut app, &[Key::Char('?')]);
    assert_eq!(app.composer.text(), "?");
    keys(&mut app, &[Key::Help]);
    assert_eq!(app.overlay, Some(Overlay::Help));
    assert_eq!(keys(&mut app, &[Key::Ctrl('c')]), [Effect::Quit]);
    assert!(app.should_quit());
}

#[test]
fn slash_searches_every_conversation_and_shows_the_results() {
    let mut app = loaded();
    keys(&mut app, &[Key::Char('/')]);
    type_text(&mut app, "치킨");
    let effects = keys(&mut app, &[Key::Enter]);
    assert_eq!(params_of(&effects, "history.search")["query"], "치킨");
    let hit = |id, text: &str| json!({"message": message(id, MINJI, true, text), "title": "민지"});
    app.update(ok(
        Request::Search { query: "치킨".into() },
        json!({"results": [hit(2, "치킨 먹자"), hit(1, "오늘 치킨?")], "more": false}),
    ));
    let Some(Overlay::Info(info)) = &app.overlay else {
        panic!("a results panel: {:?}", app.overlay)
    };
    assert_eq!(info.lines.len(), 2);
    assert!(
        info.lines[0].contains("민지") && info.lines[0].contains("치킨 먹자"),
        "{:?}",
        info.lines
    );
}

#[test]
fn a_delivery_state_that_overtakes_the_send_answer_is_kept() {
    let mut app = loaded();
    open_minji(&mut app, page(0..2, MINJI));
    type_text(&mut app, "빨리");
    keys(&mut app, &[Key::Enter]);
    let sent = MessageView {
        state: MessageState::Queued,
        ..message(30, MINJI, false, "빨리")
    };
    // The node delivered it and said so before the answer to the send came back.
    app.update(Input::Event(Event::MessageState {
        id: sent.id.clone(),
        conv: conv_id(MINJI),
        state: MessageState::Delivered,
        preview: "빨리".into(),
    }));
    let request = Request::Send {
        target: Target::Contact(MINJI.into()),
        text: "빨리".into(),
    };
    app.update(ok(request, serde_json::to_value(&sent).unwrap()));
    let shown = app.chat.as_ref().unwrap().messages.back().unwrap();
    assert_eq!(
        (shown.id.as_str(), shown.state),
        (sent.id.as_str(), MessageState::Delivered)
    );
}

#[test]
fn opening_a_friend_not_found_yet_says_why() {
    let mut app = loaded();
    let mut contacts: Vec<ContactView> = serde_json::from_value(contacts()).unwrap();
    contacts[1].reason = "waiting_for_them".into();
    contacts[1].name = "ゆき".into();
    app.contacts = contacts;
    let yuki = app.contacts[1].phone.clone();
    app.open(Target::Contact(yuki));
    let notice = app.notice.as_ref().expect("a notice");
    assert!(
        notice.text.contains("Waiting for ゆき to add you back"),
        "{}",
        notice.text
    );
}

#[test]
fn reloading_fetches_the_open_conversation_again() {
    let mut app = loaded();
    open_minji(&mut app, page(0..2, MINJI));
    keys(&mut app, &[Key::Esc]);
    let effects = keys(&mut app, &[Key::Char('r')]);
    assert_eq!(methods(&effects), RELOAD);
    // The fresh page replaces what was shown (states as the node has them now).
    let mut fresh: Vec<MessageView> = serde_json::from_value(page(0..2, MINJI)).unwrap();
    fresh[1].state = MessageState::Read;
    app.update(ok(
        Request::History {
            target: Target::Contact(MINJI.into()),
            older: false,
        },
        serde_json::to_value(&fresh).unwrap(),
    ));
    assert_eq!(app.chat.as_ref().unwrap().messages[1].state, MessageState::Read);
}

#[test]
fn page_up_stops_when_the_first_message_reaches_the_top() {
    let mut app = loaded();
    app.update(Input::Resize(100, 30));
    // 40 one-line messages, the whole conversation.
    open_minji(&mut app, page(0..40, MINJI));
    let (_, rows) = crate::tui::view::message_pane(100, 30);
    for _ in 0..20 {
        keys(&mut app, &[Key::PageUp]);
    }
    let chat = app.chat.as_ref().unwrap();
    // The oldest message is at the top under the start marker: rows - 1 messages shown.
    assert_eq!(chat.scroll, 40 - (rows - 1));
    keys(&mut app, &[Key::PageDown]);
    assert_eq!(app.chat.as_ref().unwrap().scroll, 40 - (rows - 1) - SCROLL_PAGE);
    // A conversation that fits on the screen does not scroll at all.
    let mut short = loaded();
    short.update(Input::Resize(100, 30));
    open_minji(&mut short, page(0..3, MINJI));
    keys(&mut short, &[Key::PageUp, Key::Up]);
    assert_eq!(short.chat.as_ref().unwrap().scroll, 0);
    // A taller terminal keeps the scroll within the new bounds.
    app.update(Input::Resize(100, 40));
    let (_, taller) = crate::tui::view::message_pane(100, 40);
    assert!(taller - 1 < 40 && taller > rows);
    assert_eq!(app.chat.as_ref().unwrap().scroll, 40 - (taller - 1));
    app.update(Input::Resize(100, 60));
    assert_eq!(app.chat.as_ref().unwrap().scroll, 0, "everything fits");
}

#[test]
fn ctrl_v_is_left_to_the_terminal_and_ctrl_s_shows_the_safety_number() {
    let mut app = loaded();
    open_minji(&mut app, page(0..2, MINJI));
    type_text(&mut app, "draft");
    let effects = keys(&mut app, &[Key::Ctrl('v')]);
    assert!(effects.is_empty(), "{effects:?}");
    assert!(app.overlay.is_none(), "no safety number panel");
    assert_eq!(app.composer.text(), "draft", "the draft is untouched");
    assert!(app
        .notice
        .as_ref()
        .is_some_and(|n| !n.error && n.text.contains("Ctrl-S")));
    // A paste arrives as text.
    app.update(Input::Paste(" pasted".into()));
    assert_eq!(app.composer.text(), "draft pasted");
    let effects = keys(&mut app, &[Key::Ctrl('s')]);
    assert_eq!(params_of(&effects, "contacts.verify"), json!({"contact": MINJI}));
}
