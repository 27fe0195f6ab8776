//! The API's own errors, made by the code that makes them, are said in Korean and
//! Japanese from their details: no English message leaks into the sentence, and the
//! node's English words come only after it, as a detail.

use serde_json::json;

use super::*;
use crate::api::{params, Caller, Scope};
use crate::i18n::{in_lang, Lang};

/// The detail label each language puts before the node's English words.
fn detail_label(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "(detail:",
        Lang::Ko => "(자세히:",
        Lang::Ja => "（詳細:",
    }
}

/// Whether `text` is written in `lang`'s script.
fn in_script(lang: Lang, text: &str) -> bool {
    match lang {
        Lang::En => true,
        Lang::Ko => text.chars().any(|c| ('\u{ac00}'..='\u{d7a3}').contains(&c)),
        Lang::Ja => text.chars().any(|c| ('\u{3040}'..='\u{30ff}').contains(&c)),
    }
}

/// Problems with `text`, said in `lang` for an error whose English is `english`: its
/// sentence (before any detail) must be in the language and must not quote `english`.
fn check(what: &str, lang: Lang, text: &str, english: &str) -> Vec<String> {
    let sentence = text.split(detail_label(lang)).next().unwrap_or_default();
    let mut problems = Vec::new();
    if !in_script(lang, sentence) {
        problems.push(format!("{what} ({}) is not in its language: {text:?}", lang.code()));
    }
    if lang != Lang::En && !english.is_empty() && sentence.contains(english) {
        problems.push(format!("{what} ({}) quotes its English: {text:?}", lang.code()));
    }
    if text.contains("{$") || text.contains("{ $") || text.contains('\u{1b}') {
        problems.push(format!("{what} ({}) is not filled or not safe: {text:?}", lang.code()));
    }
    problems
}

/// Every error the API layer makes itself, made where the API makes it. Invalid
/// parameters name their method as `methods::call` adds it.
fn api_errors() -> Vec<ApiError> {
    use crate::api::methods::{self, find};
    let in_call = |error: ApiError| error.with("method", "groups.admins");
    let app = Caller::App {
        name: "bot".into(),
        scopes: vec![Scope::Read],
    };
    let limits = crate::api::limits::ApiLimits::default();
    let dir = tempfile::tempdir().unwrap();
    let tokens = crate::api::apps::TokenVerifier::new(crate::api::apps::AppStore::at(dir.path().join("apps.json")));
    let mut errors = vec![
        in_call(params::decode_variant::<crate::node::Compose>("reply", json!({"message": "m"})).unwrap_err()),
        in_call(
            params::decode_variant::<crate::node::Compose>("reply", json!({"message": 3, "text": "t"})).unwrap_err(),
        ),
        in_call(params::decode_variant::<crate::node::Compose>("reply", json!({"text": "t", "x": 1})).unwrap_err()),
        in_call(params::decode_variant::<crate::node::Compose>("reply", json!([])).unwrap_err()),
        in_call(params::choose_one(&["phone", "invite"])),
        methods::method("nodes.status").unwrap_err(),
        methods::authorize(&app, find("messages.send").unwrap()).unwrap_err(),
        methods::authorize(&app, find("node.shutdown").unwrap()).unwrap_err(),
        tokens.caller("00").unwrap_err(),
        crate::api::apps::no_token(),
        params::parse("{\"id\": ").unwrap_err(),
        params::request(json!({"jsonrpc": "2.0"})).unwrap_err(),
        params::request(json!([])).unwrap_err(),
        crate::api::dispatch::too_large(limits.max_request_bytes),
        crate::api::dispatch::request_timeout(&limits),
        crate::api::dispatch::not_utf8(),
        crate::api::dispatch::binary_frame(),
        ApiError::internal("groups.nope is listed but not dispatched"),
    ];
    for reason in [
        crate::api::limits::CloseReason::Evicted,
        crate::api::limits::CloseReason::TooLarge,
    ] {
        errors.extend(crate::api::connection::close_error(reason, &limits));
    }
    errors.extend(
        crate::node::refusal::tests::node_failures()
            .into_iter()
            .map(ApiError::from),
    );
    // Typed parameters of every kind.
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Typed {
        limit: u32,
        action: crate::node::AdminAction,
        #[serde(default)]
        initial: Option<char>,
    }
    for value in [
        json!({"limit": -1, "action": "add"}),
        json!({"limit": "many", "action": "add"}),
        json!({"limit": 1, "action": "crown"}),
        json!({"limit": 1, "action": "add", "initial": "민지"}),
    ] {
        errors.push(in_call(params::decode::<Typed>(value).unwrap_err()));
    }
    errors
}

#[test]
fn the_apis_own_errors_are_said_in_every_language_from_their_details() {
    let mut problems = Vec::new();
    let mut reasons = std::collections::BTreeSet::new();
    for error in api_errors() {
        let reason = error.reason().expect("every API error has a reason").to_owned();
        reasons.insert(reason.clone());
        for lang in Lang::ALL {
            match in_lang(lang, || super::super::refusals::describe(&error)) {
                Some(text) => problems.extend(check(&reason, lang, &text, &error.message)),
                None => problems.push(format!("{reason} is not described")),
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let made: Vec<&str> = API_REASONS
        .iter()
        .copied()
        .filter(|reason| !reasons.contains(*reason))
        .collect();
    assert!(made.is_empty(), "no error made with {made:?}");
}

#[test]
fn every_problem_with_parameters_is_made_and_said() {
    let made: std::collections::BTreeSet<String> = api_errors()
        .iter()
        .filter(|error| error.reason() == Some("invalid_params"))
        .filter_map(|error| error.detail("problem").map(str::to_owned))
        .collect();
    for problem in params::Problem::ALL {
        assert!(made.contains(problem.as_str()), "no invalid_params with {problem:?}");
    }
}

/// The reasons of the API layer's own errors (SPEC.md §9.3).
const API_REASONS: &[&str] = &[
    "invalid_params",
    "method_not_found",
    "forbidden",
    "no_token",
    "unknown_token",
    "parse_error",
    "not_utf8",
    "binary_frame",
    "invalid_request",
    "too_large",
    "request_timeout",
    "evicted",
    "stopped",
    "invalid_address",
    "cannot_listen",
    "unreachable",
    "dht_failed",
    "storage",
    "task_failed",
    "node_error",
    "internal",
];

#[test]
fn every_client_error_is_said_in_every_language() {
    use std::io::ErrorKind;
    fn listed(error: &ClientError) {
        // A new variant fails to compile here until it is made below too.
        match error {
            ClientError::NotRunning { .. }
            | ClientError::PermissionDenied { .. }
            | ClientError::Connect { .. }
            | ClientError::Io(_)
            | ClientError::AnswerTooLarge { .. }
            | ClientError::Protocol(_)
            | ClientError::Rpc(_) => {}
        }
    }
    let socket = std::path::PathBuf::from("/home/minji/.chingu/node.sock");
    let errors = [
        ClientError::NotRunning { socket: socket.clone() },
        ClientError::PermissionDenied { socket: socket.clone() },
        ClientError::Connect {
            socket,
            source: ErrorKind::TimedOut.into(),
        },
        ClientError::Io(ErrorKind::UnexpectedEof.into()),
        ClientError::AnswerTooLarge {
            max: crate::api::client::MAX_ANSWER_BYTES,
        },
        ClientError::Protocol("missing field `peer_id`".into()),
        ClientError::Rpc(crate::api::dispatch::too_large(131_072)),
    ];
    let mut problems = Vec::new();
    for error in &errors {
        listed(error);
        let english = error.to_string();
        for lang in Lang::ALL {
            let text = in_lang(lang, || client(error));
            problems.extend(check(&format!("{error:?}"), lang, &text, &english));
            if lang != Lang::En && text.contains("timed out") {
                problems.push(format!("{error:?} ({}): {text}", lang.code()));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let text = in_lang(Lang::Ko, || client(&errors[6]));
    assert!(text.contains("128 KiB"), "{text}");
    let text = in_lang(Lang::Ja, || client(&errors[4]));
    assert!(text.contains("64 MiB"), "{text}");
}

#[test]
fn a_bad_parameter_is_said_with_its_name_and_its_method() {
    let error = params::decode_variant::<crate::node::Compose>("reply", json!({"message": "m"}))
        .unwrap_err()
        .with("method", "messages.reply");
    let ko = in_lang(Lang::Ko, || api(&error));
    assert_eq!(ko, "messages.reply에는 “text” 매개변수가 필요해요.");
    let error = params::choose_one(&["deliver_at_ms", "deliver_in_s"]).with("method", "papers.start");
    let ja = in_lang(Lang::Ja, || api(&error));
    assert_eq!(
        ja,
        "papers.start には次のパラメーターのうち一つだけを指定してください: deliver_at_ms, deliver_in_s。"
    );
    // An older node's invalid_params, with no details: said without its English.
    let bare = ApiError::new(crate::api::codes::INVALID_PARAMS, "invalid_params", "missing field `x`");
    let ko = in_lang(Lang::Ko, || api(&bare));
    assert_eq!(ko, "호출의 매개변수가 올바르지 않아요.");
}

#[test]
fn a_storage_failure_says_what_to_do_then_the_sanitised_detail() {
    let failure = crate::store::StoreError::Sled(sled::Error::Io(std::io::Error::new(
        std::io::ErrorKind::StorageFull,
        "write \u{1b}[2Jfailed",
    )));
    let error = ApiError::from(crate::NodeError::Store(failure));
    assert_eq!(error.detail("problem"), Some("no_space"));
    let ko = in_lang(Lang::Ko, || api(&error));
    assert!(ko.starts_with("노드의 디스크가 가득 찼어요."), "{ko}");
    let (sentence, detail) = ko.split_once("(자세히: ").expect("the detail follows");
    assert!(
        !sentence.contains("database") && detail.contains("write failed"),
        "{ko}"
    );
    assert!(!ko.contains('\u{1b}'), "{ko}");
    let ja = in_lang(Lang::Ja, || api(&error));
    assert!(ja.starts_with("ノードのディスクがいっぱいです。"), "{ja}");
    // An older node's storage error, with no details: the sentence for any failure alone.
    let bare = ApiError::new(crate::api::codes::NODE_ERROR, "storage", "database error: I/O");
    let ko = in_lang(Lang::Ko, || api(&bare));
    assert!(ko.contains("디스크에 빈 공간이 있는지") && !ko.contains("I/O"), "{ko}");
}

#[test]
fn a_scope_an_app_lacks_is_named() {
    let app = Caller::App {
        name: "bot".into(),
        scopes: vec![Scope::Read],
    };
    let method = crate::api::methods::find("groups.create").unwrap();
    let error = crate::api::methods::authorize(&app, method).unwrap_err();
    let ko = in_lang(Lang::Ko, || api(&error));
    assert!(
        ko.starts_with("이 앱은 groups.create을(를) 호출할 수 없어요. “groups” 권한이 필요해요"),
        "{ko}"
    );
    let ja = in_lang(Lang::Ja, || api(&error));
    assert!(ja.contains("「groups」の権限が必要です"), "{ja}");
}
