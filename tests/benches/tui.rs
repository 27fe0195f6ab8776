//! Frame time of `chingu chat` with 10,000 messages in the open conversation (target:
//! ≤ 16 ms per frame), drawn into ratatui's `TestBackend` at 80×24 and 200×60, following
//! the newest message and scrolled halfway back; and the cost of taking in 1,000
//! streamed messages.
//!
//! ```text
//! cargo bench --bench tui -- --warm-up-time 1 --measurement-time 3
//! ```

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use serde_json::json;

use chingu::model::{ConvId, Direction, MessageState};
use chingu::node::{Event, MessageView};
use chingu::phone::PhoneNumber;
use chingu::tui::app::{Request, MAX_WINDOW};
use chingu::tui::input::Key;
use chingu::tui::{view, App, Input};

const MESSAGES: usize = 10_000;
const MINJI: &str = "+821012345678";

fn message(i: usize, conv: &str) -> MessageView {
    let incoming = !i.is_multiple_of(3);
    MessageView {
        id: format!("{i:032x}"),
        conv: conv.to_owned(),
        direction: if incoming {
            Direction::Incoming
        } else {
            Direction::Outgoing
        },
        sender: MINJI.to_owned(),
        sender_name: if incoming { "민지".into() } else { String::new() },
        title: "민지".into(),
        text: format!("메시지 {i}: 오늘 저녁에 홍대에서 만나요 — 今日はいい天気ですね, see you at seven"),
        kind: "text".into(),
        reply_to: None,
        card: None,
        reactions: Vec::new(),
        edited: false,
        paper: None,
        file: None,
        state: if incoming {
            MessageState::Seen
        } else {
            MessageState::Delivered
        },
        hlc: i as u64,
        sent_ms: 1_700_000_000_000 + i as u64 * 1_000,
        muted: false,
    }
}

/// A client with the conversation with 민지 open and `MESSAGES` messages streamed in.
fn chat_with_many_messages() -> (App, String) {
    let mut app = App::new();
    app.update(Input::Reply {
        request: Request::Contacts,
        result: Ok(
            json!([{"name": "민지", "phone": MINJI, "state": "verified", "peer_id": "12D3KooWa",
            "profile_name": null, "candidates": 0, "mailboxes": 1, "source": "manual"}]),
        ),
    });
    app.update(Input::Key(Key::Enter));
    let conv = ConvId::direct(&PhoneNumber::canonical(MINJI).expect("E.164")).to_string();
    for i in 0..MESSAGES {
        app.update(Input::Event(Event::MessageReceived {
            message: Box::new(message(i, &conv)),
        }));
    }
    assert_eq!(
        app.chat.as_ref().map(|c| c.messages.len()),
        Some(MESSAGES.min(MAX_WINDOW))
    );
    (app, conv)
}

fn frames(c: &mut Criterion) {
    let (app, _) = chat_with_many_messages();
    let mut scrolled = app.clone();
    for _ in 0..MESSAGES / 2 {
        scrolled.update(Input::Key(Key::Up));
    }
    let mut group = c.benchmark_group(format!("tui/frame ({MESSAGES} messages)"));
    for (width, height) in [(80, 24), (200, 60)] {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
        group.bench_function(format!("{width}x{height} newest"), |b| {
            b.iter(|| {
                terminal.draw(|frame| view(black_box(&app), frame)).expect("draws");
            })
        });
        group.bench_function(format!("{width}x{height} scrolled back"), |b| {
            b.iter(|| {
                terminal.draw(|frame| view(black_box(&scrolled), frame)).expect("draws");
            })
        });
    }
    group.finish();
}

fn streaming(c: &mut Criterion) {
    const BURST: usize = 1_000;
    let (app, conv) = chat_with_many_messages();
    let burst: Vec<MessageView> = (MESSAGES..MESSAGES + BURST).map(|i| message(i, &conv)).collect();
    let mut group = c.benchmark_group("tui/stream");
    group.throughput(Throughput::Elements(BURST as u64));
    group.bench_function(format!("{BURST} incoming messages into the open conversation"), |b| {
        b.iter_batched(
            || app.clone(),
            |mut app| {
                for message in &burst {
                    app.update(Input::Event(Event::MessageReceived {
                        message: Box::new(message.clone()),
                    }));
                }
                app
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, frames, streaming);
criterion_main!(benches);
