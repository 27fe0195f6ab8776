//! What the devices API shows: the account's devices and an open link offer.

use serde::{Deserialize, Serialize};

use crate::node::actor::Actor;

/// One device of the account, as `chingu devices` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceView {
    /// Its name.
    pub name: String,
    /// Its peer id.
    pub peer_id: String,
    /// When it joined (ms).
    pub added_ms: u64,
    /// This node.
    pub this_device: bool,
    /// It holds the account key (the first device).
    pub account_device: bool,
}

/// The account's devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevicesView {
    /// The account key, hex.
    pub account: String,
    /// The list's version.
    pub version: u64,
    /// Current devices, in the order they joined.
    pub devices: Vec<DeviceView>,
    /// How many devices were removed.
    pub removed: usize,
}

/// An open link offer: what `chingu link` shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkOfferView {
    /// The code, text form (also what the QR code holds).
    pub code: String,
    /// When it stops working (ms).
    pub expires_ms: u64,
}

impl Actor {
    /// The account's devices, as this device sees them.
    pub(super) fn devices_view(&self) -> DevicesView {
        let list = &self.links.list.list;
        let me = self.config.identity.public_key();
        DevicesView {
            account: hex::encode(list.account.as_bytes()),
            version: list.version,
            devices: list
                .devices
                .iter()
                .map(|d| DeviceView {
                    name: d.name.as_str().to_owned(),
                    peer_id: crate::identity::peer_id_of(d.device.as_bytes())
                        .map(|p| p.to_string())
                        .unwrap_or_default(),
                    added_ms: d.added_ms,
                    this_device: d.device.as_bytes() == &me,
                    account_device: d.device == list.account,
                })
                .collect(),
            removed: list.removed.len(),
        }
    }
}
