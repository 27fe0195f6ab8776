use std::collections::BTreeSet;

use super::*;
use crate::i18n::{in_lang, Lang};

/// The English message every sample refusal carries: no description may fall back to it.
const ENGLISH: &str = "English words from the node";

/// A refusal with `reason` and a sample of every detail any reason reads.
fn sample(reason: &str) -> ApiError {
    let mut data = serde_json::json!({
        "reason": reason,
        "contact": "Yuki",
        "candidates": "Yuki (+819012345678), Yuki (+819087654321)",
        "input": "090-1234",
        "region": "KR",
        "problem": "bad_checksum",
        "max": "64",
        "max_days": "30",
        "candidate": "3",
        "request": "+819099990000",
        "id": "f00",
        "group": "등산 모임",
        "kind": "meetup",
        "what": "group_name",
        "rule": "last_admin",
        "member": "Bo",
        "state": "redeemed",
        "template": "funeral",
        "text": "ok",
        "query": "3f2a",
        "pack": "토끼",
        "count": "12",
        "file": "3f2a9c",
        "sticker": "wave",
        "path": "/mnt/backup.chingu",
        "method": "messages.send",
        "param": "writers[2]",
        "expected": "string",
        "params": "phone, invite",
        "scope": "send",
        "line": "1",
        "column": "7",
        "field": "jsonrpc",
        "seconds": "10",
        "peer": "12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo",
        "address": "/ip4/1.2.3.4/tcp/x",
        "op": "put",
        "task": "flush",
        "detail": "database error: disk I/O",
    });
    data["reason"] = reason.into();
    ApiError {
        code: crate::api::codes::INVALID_INPUT,
        message: ENGLISH.into(),
        data: Some(data),
    }
}

#[test]
fn every_reason_is_said_in_every_language_not_with_the_english_fallback() {
    let mut problems = Vec::new();
    for (reason, _) in REASONS {
        let error = sample(reason);
        let said = |lang| in_lang(lang, || describe(&error)).expect("every listed reason is described");
        let fallback = |lang| in_lang(lang, || tr!("err-node", message = ENGLISH));
        let english = said(Lang::En);
        for lang in Lang::ALL {
            let text = said(lang);
            let code = lang.code();
            if text == fallback(lang) || text.trim().is_empty() {
                problems.push(format!("{reason} ({code}): the fallback {text:?}"));
            }
            // Only the reasons whose detail is the message may quote it.
            if text.contains(ENGLISH) && !matches!(*reason, "bad_recovery_code" | "backup_failed") {
                problems.push(format!("{reason} ({code}) quotes the English message: {text:?}"));
            }
            if text.contains("{$") || text.contains("{ $") {
                problems.push(format!("{reason} ({code}) has an unfilled variable: {text:?}"));
            }
            if lang != Lang::En && text == english {
                problems.push(format!("{reason} ({code}) is English: {text:?}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn each_reason_is_listed_once_and_unknown_ones_are_left_to_the_caller() {
    let mut seen = BTreeSet::new();
    for (reason, _) in REASONS {
        assert!(seen.insert(*reason), "{reason} is listed twice");
        assert!(
            reason
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "{reason} is not snake_case"
        );
    }
    assert_eq!(describe(&sample("a_reason_from_a_newer_node")), None);
    let no_reason = ApiError {
        data: None,
        ..sample("x")
    };
    assert_eq!(describe(&no_reason), None);
}

#[test]
fn details_come_from_the_refusal_not_its_english_text() {
    let refusal = crate::node::refusal::Refusal::blocked("contact_blocked", "you blocked Yuki; unblock them")
        .with("contact", "Yuki\u{1b}[2J");
    let error = ApiError::from_refusal(&refusal);
    for lang in [Lang::Ko, Lang::Ja] {
        let text = in_lang(lang, || describe(&error)).unwrap();
        assert!(text.contains("Yuki") && !text.contains('\u{1b}'), "{text}");
        assert!(!text.contains("you blocked"), "{text}");
    }
    let text = in_lang(Lang::Ko, || describe(&error)).unwrap();
    assert!(text.contains("차단"), "{text}");
    let text = in_lang(Lang::Ja, || describe(&error)).unwrap();
    assert!(text.contains("ブロック"), "{text}");
}

#[test]
fn every_reason_is_in_the_spec_table() {
    let spec = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/SPEC.md")).expect("SPEC.md");
    let start = spec.find("### 9.3 Errors").expect("SPEC.md §9.3");
    let end = start + spec[start..].find("### 9.4").expect("SPEC.md §9.4");
    let section = &spec[start..end];
    let missing: Vec<&str> = REASONS
        .iter()
        .map(|(reason, _)| *reason)
        .filter(|reason| !section.contains(&format!("`{reason}`")))
        .collect();
    assert!(missing.is_empty(), "SPEC.md §9.3 does not name: {missing:?}");
}
