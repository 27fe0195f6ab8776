//! One person, several devices (SPEC.md §8.5, `protocol/devices.md`).
//!
//! A person's **account key** is the Ed25519 identity key of their first device: homes
//! made before devices existed are accounts of one device, their friends' pins and safety
//! numbers already name the account. The account key signs the account's
//! [`SignedDeviceList`] — every current device's identity key, Noise key and name, and
//! the keys removed — and only the first device holds it, so only it adds or removes
//! devices. A new device joins through [`link`]: a one-time code, a Noise channel keyed by
//! it, and a short string both people confirm.
//!
//! Pure: the node keeps the list in its store (`store` meta value [`LIST_META`]) and
//! runs the link exchange in `node::link`.

pub mod devices;
pub mod history;
pub mod link;
pub mod sync;
#[cfg(test)]
mod vectors;

pub use devices::{Device, DeviceList, SignedDeviceList, MAX_DEVICES};
pub use link::{LinkCode, LinkMessage};

/// The store's meta value holding the account's latest [`SignedDeviceList`].
pub const LIST_META: &str = "account.devices";

/// Why an account operation or a link was refused; [`AccountError::reason`] is the
/// stable name the API and metrics use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    /// Not a link code at all (prefix, base32, checksum, version or layout).
    #[error("this is not a chingu link code")]
    BadCode,
    /// The code's time is over.
    #[error("the link code has expired: show a new one with chingu link")]
    CodeExpired,
    /// The handshake failed at message 3: another code, or a replayed message.
    #[error("the link code does not match (a wrong or replaced code, or a replayed message)")]
    WrongCode,
    /// The existing device has no offer open (none shown, used, expired or withdrawn).
    #[error("that device is not offering a link now: show a new code with chingu link")]
    NoOffer,
    /// One of the two people said the strings did not match, or cancelled.
    #[error("the link was not confirmed")]
    NotConfirmed,
    /// The Noise handshake could not proceed (not a link message, or a local fault).
    #[error("link handshake failed: {0}")]
    Handshake(String),
    /// A signature by the account or a device does not verify.
    #[error("a signature does not verify")]
    BadSignature,
    /// A list or certificate of another account than the one expected.
    #[error("the device list belongs to another account")]
    OtherAccount,
    /// A value that breaks the format's rules.
    #[error("malformed account data: {0}")]
    Malformed(&'static str),
    /// The account has [`MAX_DEVICES`] devices already.
    #[error("the account has {MAX_DEVICES} devices already: remove one first")]
    TooManyDevices,
    /// Another device of the account has this name.
    #[error("another device is called {0:?}")]
    NameTaken(String),
    /// No current device has this name.
    #[error("no device is called {0:?}")]
    NoSuchDevice(String),
    /// The account's own first device cannot be removed.
    #[error("the account's first device holds the account key and cannot be removed")]
    AccountDevice,
    /// Only the device holding the account key adds or removes devices.
    #[error("only the account's first device can link or remove devices")]
    NotTheAccountDevice,
    /// A device the account removed asked to be kept up to date.
    #[error("this device was removed from the account")]
    RevokedDevice,
    /// A peer that is no linked device of the account asked to be kept up to date.
    #[error("that peer is not a device of this account")]
    NotADevice,
    /// The window of history holds more than a new device takes.
    #[error("the history of that window is more than a new device takes: choose fewer days with --history-days")]
    HistoryTooLarge,
    /// An empty or unprintable device name.
    #[error("a device name must be 1–64 bytes of printable text")]
    BadName,
}

impl AccountError {
    /// The stable name of the refusal (SPEC.md §9.3).
    pub fn reason(&self) -> &'static str {
        match self {
            AccountError::BadCode => "bad_link_code",
            AccountError::CodeExpired => "link_code_expired",
            AccountError::WrongCode => "wrong_link_code",
            AccountError::NoOffer => "no_link_offer",
            AccountError::NotConfirmed => "link_not_confirmed",
            AccountError::Handshake(_) => "link_failed",
            AccountError::BadSignature => "bad_signature",
            AccountError::OtherAccount => "other_account",
            AccountError::Malformed(_) => "link_malformed",
            AccountError::TooManyDevices => "too_many_devices",
            AccountError::NameTaken(_) => "device_name_taken",
            AccountError::NoSuchDevice(_) => "no_such_device",
            AccountError::AccountDevice => "account_device",
            AccountError::NotTheAccountDevice => "not_the_account_device",
            AccountError::BadName => "bad_device_name",
            AccountError::HistoryTooLarge => "history_too_large",
            AccountError::RevokedDevice => "revoked_device",
            AccountError::NotADevice => "not_a_device",
        }
    }

    /// The error a [`link::LinkFrame::Refused`] reason stands for (unknown reasons from
    /// newer nodes read as a failed link).
    pub fn from_reason(reason: &str) -> Self {
        match reason {
            "link_code_expired" => AccountError::CodeExpired,
            "wrong_link_code" => AccountError::WrongCode,
            "no_link_offer" => AccountError::NoOffer,
            "link_not_confirmed" => AccountError::NotConfirmed,
            "too_many_devices" => AccountError::TooManyDevices,
            "history_too_large" => AccountError::HistoryTooLarge,
            "revoked_device" => AccountError::RevokedDevice,
            "not_a_device" => AccountError::NotADevice,
            other => AccountError::Handshake(format!("refused: {}", crate::text::for_terminal(other))),
        }
    }
}
