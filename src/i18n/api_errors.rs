//! The API's own errors and the client's, in the user's language: parameters a method
//! cannot take, app tokens and scopes, requests the node cannot read, the node's failures
//! (storage, tasks, the network), and what the client meets on its side (no node, a
//! connection that breaks, an answer too large). [`super::refusals::REASONS`] lists the
//! API's reasons with the node's refusals and says the simple ones; the rest are said
//! here, from the error's details (SPEC.md §9.3), never from its English message. A
//! failure nobody can act on keeps the node's English words, sanitised, only as a detail
//! after a translated sentence that says what to do ([`with_detail`]). The CLI's errors
//! and the chat UI both describe a failed call with [`client`].

use super::refusals::detail;
use crate::api::client::ClientError;
use crate::api::ApiError;
use crate::text::for_terminal;

/// A failed call in the user's language.
pub fn client(error: &ClientError) -> String {
    let socket = |path: &std::path::Path| path.display().to_string();
    match error {
        ClientError::NotRunning { socket: path } => tr!("error-not-running", socket = socket(path)),
        ClientError::PermissionDenied { socket: path } => tr!("err-socket-denied", socket = socket(path)),
        ClientError::Connect { socket: path, source } => {
            tr!(
                "err-cannot-connect",
                socket = socket(path),
                problem = io_problem(source)
            )
        }
        ClientError::Io(e) => tr!("err-connection-lost", problem = io_problem(e)),
        ClientError::AnswerTooLarge { max } => tr!("err-answer-too-large", mib = max >> 20),
        ClientError::Protocol(words) => and_detail(tr!("err-protocol"), words),
        ClientError::Rpc(e) => api(e),
    }
}

/// The node's answer, from its reason and details ([`super::refusals::describe`]); the
/// English message in a translated sentence only for a reason this version does not know
/// (a newer node's).
pub fn api(error: &ApiError) -> String {
    super::refusals::describe(error)
        .unwrap_or_else(|| tr!("err-node", message = for_terminal(&error.message).into_owned()))
}

/// An OS error in words (the OS's own words when it is a rare one).
pub fn io_problem(error: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::NotFound => tr!("io-not-found"),
        ErrorKind::PermissionDenied => tr!("io-permission-denied"),
        ErrorKind::IsADirectory => tr!("io-is-a-directory"),
        ErrorKind::StorageFull => tr!("io-no-space"),
        ErrorKind::TimedOut => tr!("io-timed-out"),
        ErrorKind::AddrInUse => tr!("io-addr-in-use"),
        ErrorKind::AddrNotAvailable => tr!("io-addr-not-available"),
        ErrorKind::UnexpectedEof | ErrorKind::ConnectionReset | ErrorKind::BrokenPipe => tr!("io-closed"),
        _ => error.to_string(),
    }
}

/// `sentence`, then the error's `detail` (the node's English words) when it has one.
pub fn with_detail(sentence: String, error: &ApiError) -> String {
    and_detail(sentence, error.detail("detail").unwrap_or_default())
}

/// `sentence`, then `detail` (sanitised) when it is not empty.
fn and_detail(sentence: String, detail: &str) -> String {
    let detail = for_terminal(detail).trim().to_owned();
    if detail.is_empty() {
        sentence
    } else {
        tr!("err-with-detail", sentence = sentence, detail = detail)
    }
}

/// `invalid_params`: which parameter of which method, and what is wrong with it
/// ([`crate::api::params::Problem`]); the method's parameters as a whole when the node
/// could not tell.
pub fn params(error: &ApiError) -> String {
    let method = detail(error, "method");
    if method.is_empty() {
        return tr!("err-params-invalid-any");
    }
    let param = detail(error, "param");
    let expected = detail(error, "expected");
    let problem = error.detail("problem").unwrap_or_default();
    match (problem, param.is_empty()) {
        ("choose_one", _) => tr!(
            "err-param-choose-one",
            method = method,
            params = detail(error, "params")
        ),
        ("wrong_type", true) => tr!("err-params-not-object", method = method),
        (_, true) => tr!("err-params-invalid", method = method),
        ("missing", false) => tr!("err-param-missing", method = method, param = param),
        ("unknown_field", false) => tr!("err-param-unknown", method = method, param = param),
        ("wrong_type", false) => tr!(
            "err-param-wrong-type",
            method = method,
            param = param,
            expected = expected
        ),
        ("out_of_range", false) => tr!("err-param-out-of-range", method = method, param = param),
        ("unknown_value", false) if !expected.is_empty() => tr!(
            "err-param-unknown-value",
            method = method,
            param = param,
            expected = expected
        ),
        (_, false) => tr!("err-param-invalid-value", method = method, param = param),
    }
}

/// `forbidden`: the method an app may not call, and the scope it needs (`owner`: only
/// the owner may).
pub fn forbidden(error: &ApiError) -> String {
    let method = detail(error, "method");
    match (error.detail("scope"), method.is_empty()) {
        (_, true) | (None, _) => tr!("err-forbidden-any"),
        (Some("owner"), false) => tr!("err-forbidden-owner", method = method),
        (Some(scope), false) => tr!(
            "err-forbidden-scope",
            method = method,
            scope = for_terminal(scope).into_owned()
        ),
    }
}

#[cfg(test)]
mod tests;
