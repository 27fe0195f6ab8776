//! What a request carries, decoded — or, when it does not fit, an error that says what is
//! wrong in terms a client can translate (SPEC.md §9.3): a request that is not JSON
//! (`parse_error`, with `line` and `column`), not a JSON-RPC request (`invalid_request`,
//! with the `field` at fault), and parameters a method cannot take (`invalid_params`: the
//! `param` at fault, by its path such as `writers[2]`, and the [`Problem`] with it). The
//! problem is read from serde's error where serde's words allow; where they do not, the
//! error names no problem and clients say the method's parameters are not valid.

use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use serde_path_to_error::{Path, Segment};

use super::{codes, ApiError, Request};

/// What is wrong with a method's parameters (the `problem` of `invalid_params`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// A required parameter is absent.
    Missing,
    /// A parameter has the wrong JSON type (`expected`: `string`, `number`, `boolean`,
    /// `list` or `object`, when serde says).
    WrongType,
    /// A number too large or too small for its parameter.
    OutOfRange,
    /// The method has no parameter of that name.
    UnknownField,
    /// A parameter that takes one of a few names got another (`expected`: those names).
    UnknownValue,
    /// A parameter whose value cannot be used otherwise.
    InvalidValue,
    /// Exactly one of several parameters must be given (`params`: their names).
    ChooseOne,
}

impl Problem {
    /// Every problem.
    pub const ALL: [Problem; 7] = [
        Problem::Missing,
        Problem::WrongType,
        Problem::OutOfRange,
        Problem::UnknownField,
        Problem::UnknownValue,
        Problem::InvalidValue,
        Problem::ChooseOne,
    ];

    /// Its name in `data`.
    pub fn as_str(self) -> &'static str {
        match self {
            Problem::Missing => "missing",
            Problem::WrongType => "wrong_type",
            Problem::OutOfRange => "out_of_range",
            Problem::UnknownField => "unknown_field",
            Problem::UnknownValue => "unknown_value",
            Problem::InvalidValue => "invalid_value",
            Problem::ChooseOne => "choose_one",
        }
    }
}

/// What serde's error says is wrong, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fault {
    /// The problem, when serde's words tell it.
    problem: Option<Problem>,
    /// The path of the value at fault (`contact`, `writers[2]`; cut to
    /// [`crate::text::MAX_QUOTE_CHARS`], as it may be an unknown key sent); empty for
    /// the whole.
    param: String,
    /// For [`Problem::WrongType`] the JSON type wanted, for [`Problem::UnknownValue`]
    /// the names allowed.
    expected: Option<String>,
}

/// Decodes a method's parameters (absent parameters mean `{}`).
pub fn decode<T: DeserializeOwned>(params: Value) -> Result<T, ApiError> {
    decode_at(object(params)?, 0)
}

/// Decodes parameters wrapped as `{variant: params}` into an enum (the method names the
/// variant): a fault is told by its path inside the parameters.
pub fn decode_variant<T: DeserializeOwned>(variant: &str, params: Value) -> Result<T, ApiError> {
    decode_at(json!({ variant: object(params)? }), 1)
}

/// The parameters, which must be an object (`{}` when absent).
fn object(params: Value) -> Result<Value, ApiError> {
    match params {
        Value::Null => Ok(json!({})),
        Value::Object(_) => Ok(params),
        _ => Err(invalid_params("params must be an object", Problem::WrongType).with("expected", "object")),
    }
}

fn invalid_params(message: impl Into<String>, problem: Problem) -> ApiError {
    ApiError::new(codes::INVALID_PARAMS, "invalid_params", message).with("problem", problem.as_str())
}

fn decode_at<T: DeserializeOwned>(params: Value, skip: usize) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(params).map_err(|e| {
        let fault = fault(e.path(), skip, e.inner());
        let mut error = ApiError::new(codes::INVALID_PARAMS, "invalid_params", e.inner().to_string());
        if let Some(problem) = fault.problem {
            error = error.with("problem", problem.as_str());
        }
        if !fault.param.is_empty() {
            error = error.with("param", &fault.param);
        }
        match fault.expected {
            Some(expected) => error.with("expected", expected),
            None => error,
        }
    })
}

/// `invalid_params` for a call that gives none or several of `params`, of which it takes
/// exactly one.
pub fn choose_one(params: &[&str]) -> ApiError {
    let names = params.join(", ");
    invalid_params(format!("give exactly one of {names}"), Problem::ChooseOne).with("params", names)
}

/// A request's text as JSON, or `parse_error` (with `line` and `column`).
pub fn parse(text: &str) -> Result<Value, ApiError> {
    serde_json::from_str(text).map_err(|e| {
        ApiError::new(codes::PARSE_ERROR, "parse_error", e.to_string())
            .with("line", e.line())
            .with("column", e.column())
    })
}

/// A JSON value as a JSON-RPC 2.0 request, or `invalid_request` (with the `field` at
/// fault when it can be told).
pub fn request(value: Value) -> Result<Request, ApiError> {
    let invalid = |message: String, field: &str| {
        let error = ApiError::new(codes::INVALID_REQUEST, "invalid_request", message);
        if field.is_empty() {
            error
        } else {
            error.with("field", field)
        }
    };
    if !value.is_object() {
        return Err(invalid("a request is a JSON object".into(), ""));
    }
    let request: Request = serde_path_to_error::deserialize(value).map_err(|e| {
        let fault = fault(e.path(), 0, e.inner());
        invalid(e.inner().to_string(), &fault.param)
    })?;
    if request.jsonrpc != "2.0" {
        return Err(invalid("jsonrpc must be \"2.0\"".into(), "jsonrpc"));
    }
    Ok(request)
}

/// Reads serde's error `error` met at `path` (its first `skip` segments left out).
fn fault(path: &Path, skip: usize, error: &serde_json::Error) -> Fault {
    let mut param = String::new();
    for segment in path.iter().skip(skip) {
        match segment {
            Segment::Seq { index } => param.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !param.is_empty() {
                    param.push('.');
                }
                param.push_str(key);
            }
            Segment::Unknown => param.push_str(if param.is_empty() { "?" } else { ".?" }),
        }
    }
    let words = error.to_string();
    let mut fault = Fault {
        problem: None,
        param,
        expected: None,
    };
    if let Some(field) = words
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
    {
        // The path is the object missing it.
        if !fault.param.is_empty() {
            fault.param.push('.');
        }
        fault.param.push_str(field);
        fault.problem = Some(Problem::Missing);
    } else if words.starts_with("unknown field `") {
        fault.problem = Some(Problem::UnknownField);
    } else if let Some((_, expected)) = words
        .strip_prefix("invalid type: ")
        .and_then(|r| r.split_once(", expected "))
    {
        fault.problem = Some(Problem::WrongType);
        fault.expected = json_type(expected).map(str::to_owned);
    } else if let Some((found, _)) = words
        .strip_prefix("invalid value: ")
        .and_then(|r| r.split_once(", expected "))
    {
        let number = found.starts_with("integer") || found.starts_with("floating point");
        fault.problem = Some(if number {
            Problem::OutOfRange
        } else {
            Problem::InvalidValue
        });
    } else if let Some((_, expected)) = words
        .strip_prefix("unknown variant `")
        .and_then(|r| r.split_once(", expected "))
    {
        fault.problem = Some(Problem::UnknownValue);
        // The names allowed are the backquoted words.
        let names: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        fault.expected = Some(names.join(", ")).filter(|names| !names.is_empty());
    } else if !fault.param.is_empty() {
        // A length, or a type's own check: the value cannot be used.
        fault.problem = Some(Problem::InvalidValue);
    }
    fault.param = crate::text::shorten(&fault.param, crate::text::MAX_QUOTE_CHARS).into_owned();
    fault
}

/// The JSON type serde's `expected …` words ask for.
fn json_type(expected: &str) -> Option<&'static str> {
    const NUMBERS: [&str; 14] = [
        "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize", "f32", "f64",
    ];
    Some(match expected {
        "a boolean" => "boolean",
        "a sequence" => "list",
        word if NUMBERS.contains(&word) || word.contains("integer") || word.contains("number") => "number",
        word if word.contains("string") || word.starts_with("a character") => "string",
        word if word.starts_with("struct") || word.contains("map") => "object",
        _ => return None,
    })
}

#[cfg(test)]
mod tests;
