use serde::Deserialize;

use super::*;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Sample {
    contact: String,
    #[serde(default)]
    limit: usize,
    #[serde(default)]
    days: Option<u32>,
    #[serde(default)]
    writers: Vec<String>,
    #[serde(default)]
    action: Option<crate::node::AdminAction>,
    #[serde(default)]
    confirm: bool,
}

/// The details of the error decoding `params` as a [`Sample`]:
/// `(problem, param, expected)`, `""` for an absent one.
fn refused(params: Value) -> (String, String, String) {
    let error = decode::<Sample>(params).unwrap_err();
    assert_eq!(error.code, codes::INVALID_PARAMS);
    assert_eq!(error.reason(), Some("invalid_params"));
    let detail = |key| error.detail(key).unwrap_or_default().to_owned();
    (detail("problem"), detail("param"), detail("expected"))
}

fn details(problem: &str, param: &str, expected: &str) -> (String, String, String) {
    (problem.into(), param.into(), expected.into())
}

#[test]
fn a_bad_parameter_is_named_with_its_problem() {
    assert_eq!(refused(json!({})), details("missing", "contact", ""));
    assert_eq!(refused(Value::Null), details("missing", "contact", ""));
    assert_eq!(
        refused(json!({"contact": 5})),
        details("wrong_type", "contact", "string")
    );
    assert_eq!(
        refused(json!({"contact": "a", "limit": "x"})),
        details("wrong_type", "limit", "number")
    );
    assert_eq!(
        refused(json!({"contact": "a", "confirm": "yes"})),
        details("wrong_type", "confirm", "boolean")
    );
    assert_eq!(
        refused(json!({"contact": "a", "writers": "Bo"})),
        details("wrong_type", "writers", "list")
    );
    assert_eq!(
        refused(json!({"contact": "a", "writers": ["Bo", 3]})),
        details("wrong_type", "writers[1]", "string")
    );
    assert_eq!(
        refused(json!({"contact": "a", "limit": -1})),
        details("out_of_range", "limit", "")
    );
    assert_eq!(
        refused(json!({"contact": "a", "days": 5_000_000_000u64})),
        details("out_of_range", "days", "")
    );
    assert_eq!(
        refused(json!({"contact": "a", "bogus": 1})),
        details("unknown_field", "bogus", "")
    );
    assert_eq!(
        refused(json!({"contact": "a", "action": "crown"})),
        details("unknown_value", "action", "add, remove")
    );
    assert_eq!(refused(json!(["a"])), details("wrong_type", "", "object"));
}

#[test]
fn a_message_kind_is_told_by_its_own_parameters() {
    let error = decode_variant::<crate::node::Compose>("reply", json!({"message": "m"})).unwrap_err();
    assert_eq!(error.detail("problem"), Some("missing"));
    assert_eq!(error.detail("param"), Some("text"));
    let error = decode_variant::<crate::node::Compose>("reply", json!({"message": "m", "text": 3})).unwrap_err();
    assert_eq!(error.detail("param"), Some("text"));
    assert_eq!(error.detail("expected"), Some("string"));
    let error = decode_variant::<crate::node::Compose>("reply", json!(7)).unwrap_err();
    assert_eq!(error.detail("problem"), Some("wrong_type"));
    assert_eq!(error.detail("param"), None);
}

#[test]
fn one_of_several_parameters() {
    let error = choose_one(&["phone", "invite"]);
    assert_eq!(error.reason(), Some("invalid_params"));
    assert_eq!(error.detail("problem"), Some("choose_one"));
    assert_eq!(error.detail("params"), Some("phone, invite"));
}

#[test]
fn requests_that_cannot_be_read_say_where() {
    let error = parse("{\"jsonrpc\": \"2.0\",\n \"id\": ").unwrap_err();
    assert_eq!((error.code, error.reason()), (codes::PARSE_ERROR, Some("parse_error")));
    assert_eq!((error.detail("line"), error.detail("column")), (Some("2"), Some("7")));
    let error = request(json!({"jsonrpc": "2.0", "id": 1})).unwrap_err();
    assert_eq!(
        (error.code, error.reason(), error.detail("field")),
        (codes::INVALID_REQUEST, Some("invalid_request"), Some("method"))
    );
    let error = request(json!({"jsonrpc": "1.0", "id": 1, "method": "x"})).unwrap_err();
    assert_eq!(error.detail("field"), Some("jsonrpc"));
    let error = request(json!({"jsonrpc": "2.0", "method": 3})).unwrap_err();
    assert_eq!(error.detail("field"), Some("method"));
    let error = request(json!([1, 2, 3])).unwrap_err();
    assert_eq!((error.reason(), error.detail("field")), (Some("invalid_request"), None));
    assert!(request(json!({"jsonrpc": "2.0", "method": "x"})).is_ok());
}

#[test]
fn every_problem_has_its_own_name() {
    let names: std::collections::BTreeSet<_> = Problem::ALL.iter().map(|p| p.as_str()).collect();
    assert_eq!(names.len(), Problem::ALL.len());
}
