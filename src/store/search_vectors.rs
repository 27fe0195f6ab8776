//! Test vectors of SPEC.md §8.3, "Search index" (`protocol/vectors/search.json`): each
//! text's normal form, grams and signature, and for each query its grams, the texts whose
//! signature has every one of them and the texts that match. Checked both ways;
//! `print_vectors` (ignored) regenerates the file from the fixed inputs.

use serde_json::{json, Value};

use super::search::{grams, normalize};
use super::signature::{may_contain, signature, Probe};

const FILE: &str = include_str!("../../protocol/vectors/search.json");

const TEXTS: &[&str] = &[
    "a",
    "안녕하세요, Ｃｈｉｎｇｕ!",
    "오늘 저녁에 치킨 먹을래?",
    "明日の会議は10時からです",
    "ﾃｽﾄ ＡＢＣ",
    "Let's grab chicken tonight 🍗",
    "🌸 ！？",
    "The quick brown fox jumps over the lazy dog while the cat watches from the windowsill",
    "ab ba",
];

const QUERIES: &[&str] = &[
    "치킨",
    "CHICKEN tonight",
    "会議",
    "テスト",
    "t",
    "the dog",
    "치킨집",
    "!!",
    "aba",
];

fn texts() -> Vec<Value> {
    TEXTS
        .iter()
        .map(|text| {
            let grams = grams(text);
            json!({
                "text": text,
                "normalized": normalize(text),
                "grams": grams,
                "signature": hex::encode(signature(&grams)),
            })
        })
        .collect()
}

fn queries() -> Vec<Value> {
    QUERIES
        .iter()
        .map(|query| {
            let grams = grams(query);
            let probes: Vec<Probe> = grams.iter().map(|g| Probe::of(g)).collect();
            let needles: Vec<String> = normalize(query)
                .split(|c: char| !c.is_alphanumeric())
                .filter(|run| !run.is_empty())
                .map(str::to_owned)
                .collect();
            let candidates: Vec<usize> = (0..TEXTS.len())
                .filter(|&i| !needles.is_empty() && may_contain(&signature(&super::search::grams(TEXTS[i])), &probes))
                .collect();
            let matches: Vec<usize> = (0..TEXTS.len())
                .filter(|&i| !needles.is_empty() && needles.iter().all(|n| normalize(TEXTS[i]).contains(n.as_str())))
                .collect();
            json!({"query": query, "grams": grams, "candidates": candidates, "matches": matches})
        })
        .collect()
}

#[test]
fn vectors_match_both_ways() {
    let file: Value = serde_json::from_str(FILE).unwrap();
    assert_eq!(file["texts"], Value::Array(texts()));
    assert_eq!(file["queries"], Value::Array(queries()));
    for query in queries() {
        let candidates = query["candidates"].as_array().unwrap();
        for matching in query["matches"].as_array().unwrap() {
            assert!(candidates.contains(matching), "a match is always a candidate: {query}");
        }
    }
}

#[test]
#[ignore = "prints protocol/vectors/search.json"]
fn print_vectors() {
    let file = json!({
        "description": "chingu search signature vectors (SPEC.md §8.3, Search index). texts: a message's text, its \
            normal form (NFKC, lower case), its grams (each character and each bigram of each run of letters and \
            digits, sorted by UTF-8 bytes) and its signature (the Bloom filter, lowercase hex; empty without \
            grams). queries: a query, its grams, the indices of the texts whose signature has every bit of every \
            query gram (candidates) and of those whose normal form contains every run of the query (matches): a \
            candidate need not match (`aba` in `ab ba`), a match is always a candidate.",
        "texts": texts(),
        "queries": queries(),
    });
    println!("{}", serde_json::to_string_pretty(&file).unwrap());
}
