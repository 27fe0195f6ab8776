//! Measures full-text search over a large local history (BENCHMARKS.md, "Searching
//! 100,000 messages").
//!
//! Fills a store in a temporary directory through the library (`Batch::put_message`,
//! which writes each message's search signature in the same batch) with 100,000 chat
//! messages over 200 conversations: 40 % Korean, 30 % Japanese, 30 % English, two to seven
//! words each, drawn from a vocabulary of common words (Zipf-weighted) and a tail of
//! 3,000 rare made-up words. Then runs query classes — a common word, a rare word, two
//! words, one character, a word within one conversation, a word that is nowhere — and
//! prints the latency percentiles of `Store::search` (first page of 20, newest first)
//! for each class and overall, the fill rate and the store's size on disk.
//!
//! ```text
//! cargo run --release --example search_history            # 100,000 messages
//! cargo run --release --example search_history -- 20000   # another size
//! ```

mod common;

use std::time::Instant;

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use chingu::model::{ConvId, Hlc, MessageState};
use chingu::phone::synthetic;
use chingu::store::{Store, StoreOptions};
use chingu::testnet::stats::Summary;

/// Messages written unless told otherwise.
const MESSAGES: usize = 100_000;
/// Conversations the messages are spread over.
const CONVERSATIONS: u32 = 200;
/// Messages per batch while filling.
const BATCH: usize = 1_000;
/// Results per search page.
const PAGE: usize = 20;
/// Queries per class.
const QUERIES: usize = 60;

/// A class's queries: the words, and the conversation to search in (all if `None`).
type Queries = Vec<(String, Option<ConvId>)>;

const KOREAN: &[&str] = &[
    "안녕",
    "오늘",
    "내일",
    "저녁",
    "점심",
    "치킨",
    "커피",
    "회의",
    "학교",
    "회사",
    "친구",
    "고마워",
    "미안해",
    "집에",
    "가자",
    "먹자",
    "영화",
    "주말",
    "날씨",
    "비가",
    "와요",
    "진짜",
    "대박",
    "ㅋㅋㅋ",
    "사진",
    "생일",
    "선물",
    "버스",
    "지하철",
    "늦어",
    "괜찮아",
    "보고싶어",
    "어디야",
    "도착했어",
    "맛있다",
    "운동",
    "시험",
    "공부",
    "여행",
    "카페",
];
const JAPANESE: &[&str] = &[
    "こんにちは",
    "今日",
    "明日",
    "会議",
    "駅前",
    "カフェ",
    "ランチ",
    "映画",
    "週末",
    "天気",
    "雨",
    "ありがとう",
    "ごめん",
    "大丈夫",
    "電車",
    "遅れる",
    "仕事",
    "学校",
    "友達",
    "楽しい",
    "写真",
    "誕生日",
    "プレゼント",
    "旅行",
    "勉強",
    "試験",
    "ラーメン",
    "寿司",
    "買い物",
    "待ってる",
];
const ENGLISH: &[&str] = &[
    "hello", "today", "tomorrow", "dinner", "lunch", "coffee", "meeting", "school", "work", "movie", "weekend",
    "weather", "thanks", "sorry", "train", "late", "party", "birthday", "gift", "photo", "gym", "exam", "trip",
    "shopping", "ramen", "sushi", "where", "arrived", "see", "you",
];

/// A made-up rare word: two or three Hangul syllables, or three kana, or six letters.
fn rare_word(rng: &mut StdRng) -> String {
    match rng.gen_range(0..3) {
        0 => (0..rng.gen_range(2..=3))
            .map(|_| char::from_u32(rng.gen_range(0xAC00..0xD7A4)).expect("a Hangul syllable"))
            .collect(),
        1 => (0..3)
            .map(|_| char::from_u32(rng.gen_range(0x30A2..0x30F3)).expect("a katakana"))
            .collect(),
        _ => (0..6).map(|_| rng.gen_range(b'a'..=b'z') as char).collect(),
    }
}

/// A word of `list`, the first ones more often (Zipf-like).
fn common<'a>(rng: &mut StdRng, list: &[&'a str]) -> &'a str {
    let weights: Vec<f64> = (1..=list.len()).map(|r| 1.0 / r as f64).collect();
    let total: f64 = weights.iter().sum();
    let mut pick = rng.gen_range(0.0..total);
    for (word, w) in list.iter().zip(&weights) {
        if pick < *w {
            return word;
        }
        pick -= w;
    }
    list[list.len() - 1]
}

fn message_text(rng: &mut StdRng, rare: &[String]) -> String {
    let list = match rng.gen_range(0..10) {
        0..=3 => KOREAN,
        4..=6 => JAPANESE,
        _ => ENGLISH,
    };
    let words: Vec<String> = (0..rng.gen_range(2..=7))
        .map(|_| {
            if rng.gen_bool(0.08) {
                rare.choose(rng).expect("rare words").clone()
            } else {
                common(rng, list).to_owned()
            }
        })
        .collect();
    let separator = if std::ptr::eq(list, JAPANESE) { "" } else { " " };
    words.join(separator)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let messages: usize = std::env::args()
        .nth(1)
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(MESSAGES);
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path(), StoreOptions::default())?;
    let mut rng = StdRng::seed_from_u64(100_000);
    let rare: Vec<String> = (0..3_000).map(|_| rare_word(&mut rng)).collect();
    let owner = synthetic(1);
    let peers: Vec<_> = (0..CONVERSATIONS).map(|i| synthetic(1_000_000 + i)).collect();
    let mut clocks = vec![Hlc::default(); CONVERSATIONS as usize];

    let started = Instant::now();
    let mut written = 0;
    while written < messages {
        let mut batch = store.batch();
        for _ in 0..BATCH.min(messages - written) {
            let c = rng.gen_range(0..CONVERSATIONS as usize);
            clocks[c] = clocks[c].tick(chingu::model::now_ms());
            let incoming = rng.gen_bool(0.5);
            let text = message_text(&mut rng, &rare);
            let message =
                common::text_message(&peers[c], &owner, clocks[c], incoming, text, MessageState::Delivered, 0);
            batch.put_message(&message);
            written += 1;
        }
        store.apply(batch)?;
    }
    store.flush()?;
    let fill_s = started.elapsed().as_secs_f64();
    println!(
        "filled {messages} messages in {fill_s:.1} s ({:.0} messages/s, signatures included); {:.1} MB on disk",
        messages as f64 / fill_s,
        store.size_on_disk()? as f64 / 1e6
    );

    let pick = |rng: &mut StdRng| -> String {
        let list = [KOREAN, JAPANESE, ENGLISH][rng.gen_range(0..3)];
        list.choose(rng).expect("words").to_string()
    };
    let classes: Vec<(&str, Queries)> = vec![
        ("common word", (0..QUERIES).map(|_| (pick(&mut rng), None)).collect()),
        (
            "rare word",
            (0..QUERIES)
                .map(|_| (rare.choose(&mut rng).unwrap().clone(), None))
                .collect(),
        ),
        (
            "two words",
            (0..QUERIES)
                .map(|_| {
                    let list = [KOREAN, ENGLISH][rng.gen_range(0..2)];
                    let (a, b) = (list.choose(&mut rng).unwrap(), list.choose(&mut rng).unwrap());
                    (format!("{a} {b}"), None)
                })
                .collect(),
        ),
        (
            "one character",
            (0..QUERIES)
                .map(|_| (pick(&mut rng).chars().next().unwrap().to_string(), None))
                .collect(),
        ),
        (
            "in one conversation",
            (0..QUERIES)
                .map(|_| {
                    let conv = ConvId::direct(&peers[rng.gen_range(0..CONVERSATIONS as usize)]);
                    (pick(&mut rng), Some(conv))
                })
                .collect(),
        ),
        (
            "nowhere",
            (0..QUERIES).map(|i| (format!("없는단어{i}"), None)).collect(),
        ),
    ];
    let mut all = Vec::new();
    println!("class                 queries  hits/q   p50 ms   p90 ms   p99 ms   max ms");
    for (name, queries) in classes {
        let mut samples = Vec::new();
        let mut hits = 0;
        for (query, conv) in queries {
            let started = Instant::now();
            let found = store.search(&query, conv.as_ref(), PAGE, None)?;
            samples.push(started.elapsed().as_secs_f64() * 1000.0);
            hits += found.messages.len();
        }
        let s = Summary::of(&samples);
        println!(
            "{name:<21} {:>7} {:>7.1} {:>8.2} {:>8.2} {:>8.2} {:>8.2}",
            samples.len(),
            hits as f64 / samples.len() as f64,
            s.p50_ms,
            s.p90_ms,
            s.p99_ms,
            s.max_ms
        );
        all.extend(samples);
    }
    let s = Summary::of(&all);
    println!(
        "all                   {:>7}          {:>8.2} {:>8.2} {:>8.2} {:>8.2}",
        all.len(),
        s.p50_ms,
        s.p90_ms,
        s.p99_ms,
        s.max_ms
    );
    Ok(())
}
