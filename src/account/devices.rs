//! Device certificates and the account's device list (SPEC.md §8.5): what an account key
//! signs so that anyone holding the account's public key can tell which devices speak
//! for it. Pure: building, signing and checking; the node keeps the latest list in its
//! store and the linking protocol ([`super::link`]) carries it to a new device.

use serde::{Deserialize, Serialize};

use super::AccountError;
use crate::group::Transcript;
use crate::wire::{Fixed, List, Text, WireMessage};

/// Most devices an account has at once (the first device included).
pub const MAX_DEVICES: usize = 5;
/// Most removed device keys a list remembers (oldest forgotten first).
pub const MAX_REMOVED: usize = 32;
/// Longest device name, in bytes of UTF-8.
pub const MAX_DEVICE_NAME: usize = 64;

const POSSESSION_LABEL: &[u8] = b"chingu/account/v1/device";
const LIST_LABEL: &[u8] = b"chingu/account/v1/devices";

/// What the account key certifies about one device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    /// The device's Ed25519 identity key (its libp2p peer id derives from it). The first
    /// device's is the account key itself.
    pub device: Fixed<32>,
    /// The device's X25519 static key for Noise sessions.
    pub noise: Fixed<32>,
    /// What its owner calls it ("phone", "laptop").
    pub name: Text<MAX_DEVICE_NAME>,
    /// When it joined the account (ms).
    pub added_ms: u64,
}

/// The account's devices at one version, signed by the account key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceList {
    /// The account's Ed25519 key.
    pub account: Fixed<32>,
    /// Grows by one with every change; a list replaces a stored one only when newer.
    pub version: u64,
    /// The current devices, in the order they joined.
    pub devices: List<Device, MAX_DEVICES>,
    /// Keys of removed devices, most recent last: never accepted again for this account.
    pub removed: List<Fixed<32>, MAX_REMOVED>,
    /// When this version was signed (ms).
    pub signed_ms: u64,
}

/// A device list and the account key's signature over [`list_bytes`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedDeviceList {
    /// The list.
    pub list: DeviceList,
    /// Ed25519 by `list.account`.
    pub sig: Fixed<64>,
}

impl WireMessage for SignedDeviceList {
    const KIND: &'static str = "acct.devices";
}

/// What the account key signs: `label || account(32) || u64(version) || u64(signed_ms)
/// || u32(devices) || (device(32) || noise(32) || var(name) || u64(added_ms))… ||
/// u32(removed) || removed(32)…` — explicit fields, never a re-encoding.
pub fn list_bytes(list: &DeviceList) -> Vec<u8> {
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX).to_be_bytes();
    let mut t = Transcript::new(LIST_LABEL)
        .fixed(list.account.as_bytes())
        .u64(list.version)
        .u64(list.signed_ms)
        .fixed(&count(list.devices.len()));
    for d in list.devices.iter() {
        t = t
            .fixed(d.device.as_bytes())
            .fixed(d.noise.as_bytes())
            .var(d.name.as_str().as_bytes())
            .u64(d.added_ms);
    }
    t = t.fixed(&count(list.removed.len()));
    for key in list.removed.iter() {
        t = t.fixed(key.as_bytes());
    }
    t.into_bytes()
}

/// `label || account(32) || device(32) || noise(32)`: what a device's identity key signs
/// to show it holds the keys it asks the account to certify (sent while linking).
pub fn possession_bytes(account: &[u8; 32], device: &[u8; 32], noise: &[u8; 32]) -> Vec<u8> {
    Transcript::new(POSSESSION_LABEL)
        .fixed(account)
        .fixed(device)
        .fixed(noise)
        .into_bytes()
}

impl SignedDeviceList {
    /// The first list of an account whose first device is the account key's own node.
    pub fn first(
        account: &libp2p_identity::ed25519::Keypair,
        noise: [u8; 32],
        name: &str,
        now_ms: u64,
    ) -> Result<Self, AccountError> {
        let device = Device {
            device: Fixed(account.public().to_bytes()),
            noise: Fixed(noise),
            name: device_name(name)?,
            added_ms: now_ms,
        };
        let list = DeviceList {
            account: Fixed(account.public().to_bytes()),
            version: 1,
            devices: List::truncating(vec![device]),
            removed: List::truncating(Vec::new()),
            signed_ms: now_ms,
        };
        Ok(Self::sign(account, list))
    }

    fn sign(account: &libp2p_identity::ed25519::Keypair, list: DeviceList) -> Self {
        let sig = Fixed(crate::crypto::sign(account, &list_bytes(&list)));
        Self { list, sig }
    }

    /// Checks the signature and the list's rules: the account's own key is a device, no
    /// device twice, no name twice, no current device among the removed, every key
    /// usable. `account` is the key the caller expects (a friend's pinned one, or the
    /// account a device belongs to).
    pub fn verify(&self, account: &[u8; 32]) -> Result<&DeviceList, AccountError> {
        let list = &self.list;
        if list.account.as_bytes() != account {
            return Err(AccountError::OtherAccount);
        }
        if !crate::crypto::verify(account, &list_bytes(list), self.sig.as_bytes()) {
            return Err(AccountError::BadSignature);
        }
        if !list.devices.iter().any(|d| d.device == list.account) {
            return Err(AccountError::Malformed("the account's own device is missing"));
        }
        for (i, device) in list.devices.iter().enumerate() {
            let later = &list.devices[i + 1..];
            if later.iter().any(|d| d.device == device.device) {
                return Err(AccountError::Malformed("a device is listed twice"));
            }
            if later.iter().any(|d| d.name == device.name) {
                return Err(AccountError::Malformed("two devices have one name"));
            }
            if list.removed.contains(&device.device) {
                return Err(AccountError::Malformed("a current device is also removed"));
            }
            if !crate::crypto::is_usable_key(device.device.as_bytes()) {
                return Err(AccountError::Malformed("a device key is not a usable key"));
            }
        }
        Ok(list)
    }

    /// The device with identity key `device`, if it is current.
    pub fn device(&self, device: &[u8; 32]) -> Option<&Device> {
        self.list.devices.iter().find(|d| d.device.as_bytes() == device)
    }

    /// The next version with `device` added (refused when full, or when its key or name
    /// is taken or was removed).
    pub fn with_device(
        &self,
        account: &libp2p_identity::ed25519::Keypair,
        device: Device,
        now_ms: u64,
    ) -> Result<Self, AccountError> {
        let list = &self.list;
        if list.devices.len() >= MAX_DEVICES {
            return Err(AccountError::TooManyDevices);
        }
        if list.devices.iter().any(|d| d.name == device.name) {
            return Err(AccountError::NameTaken(device.name.as_str().to_owned()));
        }
        if list.devices.iter().any(|d| d.device == device.device) || list.removed.contains(&device.device) {
            return Err(AccountError::Malformed(
                "that device key is already known to the account",
            ));
        }
        let mut devices = list.devices.to_vec();
        devices.push(device);
        Ok(Self::sign(
            account,
            DeviceList {
                account: list.account,
                version: list.version + 1,
                devices: List::truncating(devices),
                removed: list.removed.clone(),
                signed_ms: now_ms,
            },
        ))
    }

    /// The next version without the device called `name` (the account's own device cannot
    /// be removed); returns it and the removed device.
    pub fn without_device(
        &self,
        account: &libp2p_identity::ed25519::Keypair,
        name: &str,
        now_ms: u64,
    ) -> Result<(Self, Device), AccountError> {
        let list = &self.list;
        let gone = list
            .devices
            .iter()
            .find(|d| d.name.as_str() == name)
            .cloned()
            .ok_or_else(|| AccountError::NoSuchDevice(name.to_owned()))?;
        if gone.device == list.account {
            return Err(AccountError::AccountDevice);
        }
        let devices = list
            .devices
            .iter()
            .filter(|d| d.device != gone.device)
            .cloned()
            .collect();
        let mut removed = list.removed.to_vec();
        removed.push(gone.device);
        let skip = removed.len().saturating_sub(MAX_REMOVED);
        let removed = removed.into_iter().skip(skip).collect();
        let next = Self::sign(
            account,
            DeviceList {
                account: list.account,
                version: list.version + 1,
                devices: List::truncating(devices),
                removed: List::truncating(removed),
                signed_ms: now_ms,
            },
        );
        Ok((next, gone))
    }
}

/// A device name as the list holds it: trimmed, checked like a display name.
pub fn device_name(name: &str) -> Result<Text<MAX_DEVICE_NAME>, AccountError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AccountError::BadName);
    }
    crate::text::check_name(name).map_err(|_| AccountError::BadName)?;
    Text::new(name).map_err(|_| AccountError::BadName)
}

#[cfg(test)]
mod tests {
    use libp2p_identity::ed25519::Keypair;

    use super::*;

    fn device(key: &Keypair, name: &str) -> Device {
        Device {
            device: Fixed(key.public().to_bytes()),
            noise: Fixed([7; 32]),
            name: device_name(name).unwrap(),
            added_ms: 5,
        }
    }

    #[test]
    fn a_list_grows_shrinks_and_verifies_under_its_account_only() {
        let account = Keypair::generate();
        let pk = account.public().to_bytes();
        let first = SignedDeviceList::first(&account, [1; 32], "phone", 1).unwrap();
        assert_eq!(first.verify(&pk).unwrap().version, 1);
        let laptop = Keypair::generate();
        let two = first.with_device(&account, device(&laptop, "laptop"), 2).unwrap();
        assert_eq!(two.verify(&pk).unwrap().devices.len(), 2);
        assert!(two.device(&laptop.public().to_bytes()).is_some());
        assert_eq!(
            two.verify(&Keypair::generate().public().to_bytes()),
            Err(AccountError::OtherAccount)
        );
        let (three, gone) = two.without_device(&account, "laptop", 3).unwrap();
        assert_eq!(gone.name.as_str(), "laptop");
        let list = three.verify(&pk).unwrap();
        assert_eq!((list.version, list.devices.len(), list.removed.len()), (3, 1, 1));
        // A removed device never comes back, and the account's own device never goes.
        assert!(three.with_device(&account, device(&laptop, "laptop2"), 4).is_err());
        assert_eq!(
            three.without_device(&account, "phone", 4).unwrap_err(),
            AccountError::AccountDevice
        );
    }

    #[test]
    fn a_changed_or_mis_signed_list_is_refused() {
        let account = Keypair::generate();
        let pk = account.public().to_bytes();
        let list = SignedDeviceList::first(&account, [1; 32], "phone", 1).unwrap();
        let mut changed = list.clone();
        changed.list.version = 9;
        assert_eq!(changed.verify(&pk), Err(AccountError::BadSignature));
        // Signed by the account but breaking a rule: a device twice.
        let mut devices = list.list.devices.to_vec();
        devices.push(devices[0].clone());
        let twice = SignedDeviceList::sign(
            &account,
            DeviceList {
                devices: List::truncating(devices),
                ..list.list.clone()
            },
        );
        assert!(matches!(twice.verify(&pk), Err(AccountError::Malformed(_))));
    }

    #[test]
    fn a_full_account_and_a_taken_name_are_refused() {
        let account = Keypair::generate();
        let mut list = SignedDeviceList::first(&account, [1; 32], "phone", 1).unwrap();
        assert_eq!(
            list.with_device(&account, device(&Keypair::generate(), "phone"), 2),
            Err(AccountError::NameTaken("phone".into()))
        );
        for i in 1..MAX_DEVICES {
            list = list
                .with_device(&account, device(&Keypair::generate(), &format!("d{i}")), 2)
                .unwrap();
        }
        assert_eq!(
            list.with_device(&account, device(&Keypair::generate(), "one more"), 3),
            Err(AccountError::TooManyDevices)
        );
        assert_eq!(device_name("  "), Err(AccountError::BadName));
    }
}
