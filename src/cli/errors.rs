//! Errors as people read them: every error the CLI meets is described in the chosen
//! language, with what to do next. The node's refusals and the API's errors arrive as a
//! stable reason and details (SPEC.md §9.3) and are described from those, never from
//! their English text ([`chingu::i18n::api_errors`], shared with the chat UI). The node's
//! failures the CLI meets without a node to ask (`run` starting it, `history` and `init`
//! opening the database) are said from the same reasons ([`ApiError::from`],
//! [`ApiError::storage`]). Only failures nobody can act on (an OS error's own words, a
//! database's) keep some English, inside or after a translated sentence.

use std::path::PathBuf;

use chingu::account::AccountError;
use chingu::api::client::ClientError;
use chingu::api::server::ServerError;
use chingu::api::ApiError;
use chingu::backup::archive::MIN_PASSPHRASE_CHARS;
use chingu::backup::{ArchiveError, BackupError};
use chingu::config::ConfigError;
use chingu::contacts::import::ImportError;
use chingu::home::HomeError;
use chingu::i18n::api_errors::{self, io_problem};
use chingu::i18n::refusals::name;
pub use chingu::i18n::refusals::{phone_hint, phone_reason};
use chingu::metrics::BindError;
use chingu::node::NodeError;
use chingu::phone::{PhoneError, Region};
use chingu::store::StoreError;
use chingu::text::for_terminal;
use chingu::tr;

/// A mistake in how the command was called, found after parsing (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// A file given on the command line could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{}: {source}", path.display())]
pub struct FileError {
    /// The file.
    pub path: PathBuf,
    /// Why.
    pub source: std::io::Error,
}

/// The daemon could not serve an address given with `flag` (`--api`, `--metrics`).
#[derive(Debug, thiserror::Error)]
#[error("cannot serve {flag} on {}: {}", source.addr, source.source)]
pub struct ServeError {
    /// The option that named the address.
    pub flag: &'static str,
    /// Why the address could not be served.
    pub source: BindError,
}

/// A number that is not valid in the region it was read in.
#[derive(Debug, thiserror::Error)]
#[error("{input:?} is not a phone number in {region} ({reason})")]
pub struct PhoneProblem {
    /// What was typed.
    pub input: String,
    /// The region numbers without a country code were read in.
    pub region: Region,
    /// Why it was refused.
    pub reason: PhoneError,
}

/// The message shown after `error:` for `error`, every line of it safe for the terminal
/// (text from others and from files passes through [`for_terminal`]).
pub fn describe(error: &anyhow::Error) -> String {
    error
        .chain()
        .find_map(known)
        .unwrap_or_else(|| chingu::text::error_message(&format!("{error:#}")))
}

/// The description of one error in a chain, if it is one chingu knows.
fn known(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    if let Some(e) = error.downcast_ref::<ClientError>() {
        return Some(api_errors::client(e));
    }
    if let Some(e) = error.downcast_ref::<NodeError>() {
        return Some(node(e));
    }
    if let Some(e) = error.downcast_ref::<StoreError>() {
        return Some(api_errors::api(&ApiError::storage(e)));
    }
    if let Some(e) = error.downcast_ref::<HomeError>() {
        return Some(home(e));
    }
    if let Some(e) = error.downcast_ref::<ConfigError>() {
        return Some(config(e));
    }
    if let Some(e) = error.downcast_ref::<ImportError>() {
        return Some(import(*e));
    }
    if let Some(e) = error.downcast_ref::<PhoneProblem>() {
        return Some(phone_hint(&e.input, e.region.as_str(), e.reason.reason()));
    }
    if let Some(e) = error.downcast_ref::<FileError>() {
        return Some(tr!(
            "err-file",
            path = e.path.display().to_string(),
            problem = io_problem(&e.source)
        ));
    }
    if let Some(e) = error.downcast_ref::<ServeError>() {
        let (address, problem) = (e.source.addr.to_string(), io_problem(&e.source.source));
        return Some(match e.flag {
            "--api" => tr!("err-cannot-serve-api", address = address, problem = problem),
            _ => tr!("err-cannot-serve-metrics", address = address, problem = problem),
        });
    }
    if let Some(ServerError::Bind { path, source }) = error.downcast_ref::<ServerError>() {
        return Some(tr!(
            "err-cannot-serve-socket",
            path = path.display().to_string(),
            problem = io_problem(source)
        ));
    }
    if let Some(e) = error.downcast_ref::<AccountError>() {
        return Some(api_errors::api(&ApiError::from_refusal(&chingu::node::link::refusal(
            e,
        ))));
    }
    if let Some(e) = error.downcast_ref::<UsageError>() {
        return Some(e.0.clone());
    }
    if let Some(e) = error.downcast_ref::<BackupError>() {
        return Some(backup(e));
    }
    if let Some(e) = error.downcast_ref::<ArchiveError>() {
        return Some(archive(e));
    }
    None
}

/// A backup that cannot be restored, or a home that cannot take it.
fn backup(error: &BackupError) -> String {
    match error {
        BackupError::Archive(e) => archive(e),
        BackupError::HomeExists(home) => tr!("err-backup-home-exists", home = home.display().to_string()),
        BackupError::NewerSchema(_) => tr!("err-backup-newer"),
        BackupError::Home(e) => home(e),
        BackupError::Io { path, source, .. } => tr!(
            "err-file",
            path = path.display().to_string(),
            problem = io_problem(source)
        ),
        BackupError::Store(e) => api_errors::api(&ApiError::storage(e)),
    }
}

fn archive(error: &ArchiveError) -> String {
    match error {
        ArchiveError::NotABackup => tr!("err-backup-not-a-backup", path = tr!("backup-the-file")),
        ArchiveError::NewerFormat(_) => tr!("err-backup-newer"),
        ArchiveError::WrongSecret => tr!("err-backup-wrong-secret"),
        ArchiveError::Damaged { .. } => tr!("err-backup-damaged"),
        ArchiveError::WeakPassphrase => tr!("err-backup-weak", chars = MIN_PASSPHRASE_CHARS),
        ArchiveError::BadRecoveryCode(problem) => {
            tr!("err-backup-bad-code", problem = for_terminal(problem).into_owned())
        }
        ArchiveError::WrongSecretKind { needed, .. } => tr!(
            "err-backup-wrong-kind",
            needed = if needed.contains("passphrase") {
                "passphrase"
            } else {
                "code"
            }
        ),
        ArchiveError::BadParameters { .. } | ArchiveError::Malformed(_) => {
            tr!(
                "err-backup-malformed",
                problem = for_terminal(&error.to_string()).into_owned()
            )
        }
        ArchiveError::Io(e) => tr!("err-file", path = tr!("backup-the-file"), problem = io_problem(e)),
    }
}

/// A node error met without a running node (`run` starts the node, `history` reads the
/// store itself): as the API would send it, the home's own problems in more words.
fn node(error: &NodeError) -> String {
    match error {
        NodeError::Home(e) => home(e),
        other => api_errors::api(&ApiError::from(other)),
    }
}

fn home(error: &HomeError) -> String {
    let path = |p: &std::path::Path| p.display().to_string();
    match error {
        HomeError::NoDefault => tr!("err-no-home"),
        HomeError::NotInitialized(dir) => tr!("err-not-initialized", home = path(dir)),
        HomeError::AlreadyInitialized(dir) => tr!("err-already-initialized", home = path(dir)),
        HomeError::WrongOwner { path: p, owner, me } => {
            tr!("err-wrong-owner", path = path(p), owner = *owner, me = *me)
        }
        HomeError::InsecureHome { path: p, mode } => {
            tr!("err-insecure-home", path = path(p), mode = format!("{mode:o}"))
        }
        HomeError::Name(e) => name(e.reason()),
        HomeError::InsecurePermissions { path: p, mode } => {
            tr!("err-insecure-key", path = path(p), mode = format!("{mode:o}"))
        }
        HomeError::AlreadyRunning { home, pid } => {
            tr!("err-already-running", home = path(home), pid = pid.clone())
        }
        HomeError::SocketPathTooLong(p) => tr!(
            "err-socket-too-long",
            path = path(p),
            max = chingu::home::MAX_SOCKET_PATH
        ),
        HomeError::BadKeyFile { path: p, reason } => {
            tr!("err-bad-key-file", path = path(p), problem = reason.clone())
        }
        HomeError::Config(e) => config(e),
        HomeError::Io { path: p, source, .. } => tr!("err-file", path = path(p), problem = io_problem(source)),
        HomeError::Store(e) => api_errors::api(&ApiError::storage(e)),
    }
}

/// A configuration error: the translated sentence, then the offending line and a caret.
fn config(error: &ConfigError) -> String {
    match error {
        ConfigError::Read { path, source } => tr!(
            "err-file",
            path = path.display().to_string(),
            problem = io_problem(source)
        ),
        ConfigError::Invalid { path, message, at } => match at {
            Some(spot) => {
                let sentence = tr!(
                    "err-config-at",
                    path = path.display().to_string(),
                    line = spot.line,
                    column = spot.column,
                    message = message.clone()
                );
                format!("{sentence}{}", spot.excerpt())
            }
            None => tr!(
                "err-config",
                path = path.display().to_string(),
                message = message.clone()
            ),
        },
    }
}

fn import(error: ImportError) -> String {
    match error {
        ImportError::Empty => tr!("err-import-empty"),
        ImportError::TooLarge => tr!(
            "err-import-too-large",
            limit = chingu::contacts::import::MAX_IMPORT_BYTES >> 20
        ),
        ImportError::Binary => tr!("err-import-binary"),
        ImportError::NoHeader => tr!("err-import-no-header"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_described_from_their_reason_not_their_text() {
        let refusal = chingu::node::refusal::Refusal::not_found("no_such_contact", "English text")
            .with("contact", "Yuki\u{1b}[2J");
        let error: anyhow::Error = ClientError::Rpc(ApiError::from_refusal(&refusal)).into();
        let text = describe(&error);
        assert!(!text.contains("English text"), "{text}");
        assert!(
            text.contains("Yuki") && !text.contains("[2J") && !text.contains('\u{1b}'),
            "{text}"
        );
    }

    #[test]
    fn a_foreign_local_number_names_the_region_assumed_and_where_it_is_valid() {
        let text = phone_hint("090-1234-5678", "KR", "invalid_for_region");
        assert!(text.contains("KR") && text.contains("--region JP"), "{text}");
        let text = phone_hint("12", "KR", "invalid_for_region");
        assert!(text.contains("KR") && text.contains("--region"), "{text}");
    }

    #[test]
    fn unknown_errors_keep_their_chain() {
        let error = anyhow::anyhow!("inner").context("outer");
        assert_eq!(describe(&error), "outer: inner");
    }
}
