//! Screen tests: the chat client drawn into ratatui's `TestBackend`, asserted on the
//! buffer's text lines.

use ratatui::backend::TestBackend;
use ratatui::Terminal;
use serde_json::json;
use unicode_width::UnicodeWidthStr;

use super::*;
use crate::i18n::Lang;
use crate::node::Event;
use crate::tui::app::{Input, Request};
use crate::tui::input::Key;
use crate::tui::testkit::*;

/// The screen's text, one string per row; a wide character's trailing cell is skipped so
/// rows read as the terminal shows them.
fn draw(app: &App, width: u16, height: u16) -> Vec<String> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| view(app, frame)).unwrap();
    let buffer = terminal.backend().buffer().clone();
    (0..height)
        .map(|y| {
            let mut row = String::new();
            let mut skip = 0;
            for x in 0..width {
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                let symbol = buffer[(x, y)].symbol();
                skip = symbol.width().saturating_sub(1);
                row.push_str(symbol);
            }
            row
        })
        .collect()
}

/// The screens are asserted in English.
fn english() {
    crate::i18n::init(Some("en"));
    assert_eq!(
        crate::i18n::lang(),
        Lang::En,
        "run the tests with LANG=C or an English locale"
    );
}

/// 민지 and ゆき in the list, the conversation with 민지 open with Korean and Japanese
/// text, a draft in the composer.
fn conversation() -> App {
    let mut app = loaded();
    app.update(ok(Request::Status, json!({"name": "Alex", "phone": "+14155550100"})));
    let mut messages: Vec<MessageView> = (0..4).map(|i| message(i, MINJI, i % 2 == 0, "")).collect();
    messages[0].text = "안녕! 오늘 저녁에 시간 있어? 홍대에서 새로 생긴 떡볶이 집에 가 보고 싶어".into();
    messages[1].text = "좋아, 7시 어때?".into();
    messages[1].state = MessageState::Read;
    messages[2].text = "ゆきも来るって 😀".into();
    messages[3].text = "evil\x1b[2Jescape".into();
    messages[3].state = MessageState::Delivered;
    open_minji(&mut app, serde_json::to_value(messages).unwrap());
    app.update(Input::Event(Event::MessageReceived {
        message: Box::new(MessageView {
            conv: conv_id(YUKI),
            ..message(9, YUKI, true, "こんにちは")
        }),
    }));
    app.update(Input::Event(Event::Typing {
        phone: MINJI.into(),
        name: "민지".into(),
        active: true,
    }));
    type_text(&mut app, "잘 지내? 今日は");
    app
}

#[test]
fn a_conversation_in_korean_and_japanese_at_80x24() {
    english();
    let mut app = conversation();
    app.update(ok(
        Request::Conversations,
        json!([
            {"id": conv_id(MINJI), "kind": "direct", "phone": MINJI, "title": "민지", "unread": 0, "preview": ""},
            {"id": conv_id(YUKI), "kind": "direct", "phone": YUKI, "title": "ゆき", "unread": 3, "preview": "こんにちは"}
        ]),
    ));
    let screen = draw(&app, 80, 24);
    let expected = [
        " chingu · Alex +14155550100                                ● connected · ? help ",
        "┌ 2 friends ───────────┐┌ 민지 · verified ─────────────────────────────────────┐",
        "│✔ 민지                ││                                                      │",
        "│… ゆき               3││                                                      │",
        "│                      ││                                                      │",
        "│                      ││                                                      │",
        "│                      ││                                                      │",
        "│                      ││                                                      │",
        "│                      ││                                                      │",
        "│                      ││                                                      │",
        "│                      ││                                                      │",
        "│                      ││                                                      │",
        "│                      ││                                                      │",
        "│                      ││— start of the conversation —                         │",
        "│                      ││22:13 민지: 안녕! 오늘 저녁에 시간 있어? 홍대에서 새로│",
        "│                      ││생긴 떡볶이 집에 가 보고 싶어                         │",
        "│                      ││22:13 me: 좋아, 7시 어때? ✓✓ read                     │",
        "│                      ││22:13 민지: ゆきも来るって 😀                         │",
        "│                      ││22:13 me: evilescape ✓✓                               │",
        "│                      │└ 민지 is typing… ─────────────────────────────────────┘",
        "│                      │┌ Message (Enter sends) ───────────────────────────────┐",
        "│                      ││잘 지내? 今日は                                       │",
        "└──────────────────────┘└──────────────────────────────────────────────────────┘",
        "Enter send · PgUp/PgDn scroll · Esc friend list · F1 help · Ctrl-C quit         ",
    ];
    assert_eq!(screen.len(), expected.len());
    for (row, (got, want)) in screen.iter().zip(expected).enumerate() {
        assert_eq!(got, want, "row {row}:\n{}", screen.join("\n"));
    }
    for row in &screen {
        assert_eq!(row.width(), 80, "every row is exactly 80 columns: {row:?}");
    }
}

#[test]
fn a_terminal_too_small_gets_a_notice_not_garbage() {
    english();
    let app = conversation();
    let screen = draw(&app, 40, 10).join("\n");
    assert!(screen.contains("Terminal too small: 40×10."), "{screen}");
    assert!(screen.contains("50×12"), "{screen}");
    assert!(!screen.contains("friends"), "{screen}");
    // The smallest size that draws, and a large one.
    let small = draw(&app, MIN_WIDTH, MIN_HEIGHT).join("\n");
    assert!(small.contains("잘 지내?"), "{small}");
    let large = draw(&app, 200, 60);
    assert!(large[1].contains("민지 · verified"));
    assert!(large
        .iter()
        .any(|row| row.contains("홍대에서 새로 생긴 떡볶이 집에 가 보고 싶어")));
}

#[test]
fn dialogs_draw_over_the_screen() {
    english();
    let mut app = conversation();
    keys(&mut app, &[Key::Help]);
    let screen = draw(&app, 80, 24).join("\n");
    for line in help_lines() {
        let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
        assert!(screen.contains(&text), "help line {text:?} cut or missing:\n{screen}");
    }
    keys(&mut app, &[Key::Esc, Key::Esc, Key::Char('a')]);
    type_text(&mut app, "010-5555-6666");
    let screen = draw(&app, 80, 24).join("\n");
    assert!(screen.contains("Add a friend"), "{screen}");
    assert!(screen.contains("> 010-5555-6666"), "{screen}");
    // A long entry in a narrow terminal scrolls so its end and the cursor stay visible.
    type_text(&mut app, &format!(" {}end", "가".repeat(40)));
    let screen = draw(&app, MIN_WIDTH, MIN_HEIGHT).join("\n");
    assert!(screen.contains("가가end"), "{screen}");

    keys(&mut app, &[Key::Esc]);
    app.update(ok(Request::Groups, groups(true)));
    app.update(ok(Request::Members { group: GROUP.into() }, members()));
    let screen = draw(&app, 80, 24).join("\n");
    assert!(screen.contains("나 (admin) (me)"), "{screen}");
    assert!(screen.contains("ゆき"), "{screen}");
    assert!(screen.contains("d remove"), "{screen}");
}

#[test]
fn text_is_measured_in_display_columns() {
    assert_eq!(fit("민지와 ゆき", 7), "민지와…");
    assert_eq!(fit("short", 10), "short");
    assert_eq!(wrap("안녕하세요 여러분", 6), ["안녕하", "세요", "여러분"]);
    assert_eq!(wrap("a long line of words", 8), ["a long", "line of", "words"]);
    assert_eq!(wrap("", 8), [""]);
    assert_eq!(scrolled_input("0123456789", 10, 5), ("6789".to_owned(), 4));
    assert_eq!(scrolled_input("민지민지", 1, 4), ("민지".to_owned(), 2));
}

#[test]
fn hints_and_help_fit_80_columns_in_every_language() {
    use fluent_bundle::FluentArgs;
    let limits = [
        ("tui-hint-list", 80),
        ("tui-hint-chat", 80),
        ("tui-help-list-move", 72),
        ("tui-help-list-people", 72),
        ("tui-help-list-invite", 72),
        ("tui-help-list-groups", 72),
        ("tui-help-list-quit", 72),
        ("tui-help-chat-send", 72),
        ("tui-help-list-devices", 72),
        ("tui-help-chat-scroll", 72),
        ("tui-help-chat-more", 72),
        ("tui-help-chat-actions", 72),
        ("tui-help-chat-files", 72),
        ("tui-help-members-keys", 72),
        ("tui-members-keys-admin", 72),
        ("tui-members-keys-meetup-admin", 72),
        ("tui-form-keys", 72),
    ];
    for lang in Lang::ALL {
        let bundle = crate::i18n::bundle(lang);
        for (id, limit) in limits {
            let pattern = bundle.get_message(id).and_then(|m| m.value()).unwrap();
            let text = bundle.format_pattern(pattern, None::<&FluentArgs>, &mut Vec::new());
            assert!(
                text.width() <= limit,
                "{}: {id} is {} columns: {text}",
                lang.code(),
                text.width()
            );
        }
    }
}

#[test]
fn long_codes_wrap_instead_of_being_cut() {
    english();
    let mut app = loaded();
    let code = format!("CHINGU-{}", "ABCDEFGHIJ".repeat(10));
    let expires = app.now_ms() / 1000 + 3600;
    app.update(ok(
        Request::Invite,
        json!({"code": code, "link": "chingu://invite/x", "expires": expires}),
    ));
    let screen = draw(&app, 80, 24);
    let shown: String = screen
        .iter()
        .filter_map(|row| row.split('│').nth(2))
        .map(str::trim)
        .collect();
    assert!(
        shown.contains(&code),
        "the whole code is on screen:\n{}",
        screen.join("\n")
    );
    assert!(screen.iter().any(|row| row.contains("Valid for one hour.")));
}

#[test]
fn the_list_title_counts_friends_and_groups_apart() {
    english();
    let mut app = loaded();
    app.update(ok(Request::Groups, groups(true)));
    let screen = draw(&app, 100, 30).join("\n");
    assert!(screen.contains("2 friends · one group"), "{screen}");
    let app = loaded();
    let screen = draw(&app, 100, 30).join("\n");
    assert!(screen.contains(" 2 friends "), "{screen}");
}
