//! Refusals people meet (a contact that does not exist, an empty message, a number that is
//! not valid where it was read…) as typed values: a stable reason and the details a client
//! needs to say it in the user's language. The API sends both in the error's `data`
//! (SPEC.md §9.3); the English text is for logs and for clients that do not know the
//! reason.

use std::collections::BTreeMap;

/// Which kind of failure a refusal is (it decides the API error code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalKind {
    /// The thing named does not exist.
    NotFound,
    /// The input is not acceptable.
    Invalid,
    /// Refused for safety until the owner acts.
    Blocked,
}

/// A refusal with its reason and details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// What kind of failure.
    pub kind: RefusalKind,
    /// Stable snake_case name (`no_such_contact`, `empty_message`…).
    pub reason: &'static str,
    /// Named details (`contact`, `group`, `region`…), also sent to API clients.
    pub details: BTreeMap<&'static str, String>,
    /// The explanation in English.
    pub message: String,
}

impl Refusal {
    fn new(kind: RefusalKind, reason: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind,
            reason,
            details: BTreeMap::new(),
            message: message.into(),
        }
    }

    /// Something named does not exist.
    pub fn not_found(reason: &'static str, message: impl Into<String>) -> Self {
        Self::new(RefusalKind::NotFound, reason, message)
    }

    /// The input is not acceptable.
    pub fn invalid(reason: &'static str, message: impl Into<String>) -> Self {
        Self::new(RefusalKind::Invalid, reason, message)
    }

    /// Refused for safety.
    pub fn blocked(reason: &'static str, message: impl Into<String>) -> Self {
        Self::new(RefusalKind::Blocked, reason, message)
    }

    /// Adds `problem`: what went wrong with a file, as [`io_problem`] names it.
    pub fn with_io(self, error: &std::io::Error) -> Self {
        self.with("problem", io_problem(error))
    }

    /// Adds a detail, cut to [`crate::text::MAX_ERROR_CHARS`] characters: a refusal never
    /// echoes a huge input back whole.
    pub fn with(mut self, key: &'static str, value: impl Into<String>) -> Self {
        let value = value.into();
        let value = crate::text::shorten(&value, crate::text::MAX_ERROR_CHARS).into_owned();
        self.details.insert(key, value);
        self
    }
}

/// An OS error as a refusal's `problem`: `not_found`, `permission_denied`,
/// `is_a_directory`, `no_space`, or the OS's own words for a rarer one.
pub fn io_problem(error: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::NotFound => "not_found".into(),
        ErrorKind::PermissionDenied => "permission_denied".into(),
        ErrorKind::IsADirectory => "is_a_directory".into(),
        ErrorKind::StorageFull => "no_space".into(),
        _ => error.to_string(),
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Refusal {}

impl super::NodeError {
    /// The refusal's stable reason, when this is a typed refusal.
    pub fn reason(&self) -> Option<&'static str> {
        match self {
            super::NodeError::Refused(refusal) => Some(refusal.reason),
            _ => None,
        }
    }
}

impl From<crate::model::InvalidId> for super::NodeError {
    /// A message id that is not 32 hex digits (`invalid_id`, detail `id`).
    fn from(error: crate::model::InvalidId) -> Self {
        Refusal::invalid("invalid_id", error.to_string())
            .with("id", error.0)
            .into()
    }
}

#[cfg(test)]
pub(crate) mod tests;
