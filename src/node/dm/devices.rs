//! Which device of a friend's account our 1:1 messages go to (`protocol/devices.md` §7):
//! the first device — the one holding the account key — while it can be reached; when it
//! cannot, each other device its record lists, in turn, which takes the messages and
//! hands them to the first device later. Back to the first device a minute on, or as soon
//! as it reaches us. Receipts, group controls and profiles are for the first device only:
//! those waiting when we switch go to its mailboxes, and a new one makes us try the first
//! device again at once.
//!
//! [`DeviceRoute`] is the per-friend state machine (time in, the device to use out);
//! the actor glue below resolves a device to a peer, keys and addresses.

use super::*;

/// How long messages keep going to another device of a friend's account before the first
/// device is tried again (ms).
pub const OTHER_DEVICE_MS: u64 = 60_000;

/// The device of one friend's account that messages go to now. Device 0 is the first
/// device; device `i` is the `i`-th other device its record lists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeviceRoute {
    device: usize,
    /// When the first device is tried again (ms; 0 while on it).
    until_ms: u64,
}

impl DeviceRoute {
    /// The device to send to at `now`, when the record lists `others` other devices.
    pub fn device(&mut self, now: u64, others: usize) -> usize {
        if self.device > others || (self.device != 0 && now >= self.until_ms) {
            *self = Self::default();
        }
        self.device
    }

    /// The device in use could not be reached: moves on to the next other device and
    /// returns true, or, when none is left this round, back to the first device and
    /// returns false (the caller backs off and uses the mailboxes).
    pub fn unreachable(&mut self, now: u64, others: usize) -> bool {
        if self.device < others {
            self.device += 1;
            self.until_ms = now + OTHER_DEVICE_MS;
            true
        } else {
            *self = Self::default();
            false
        }
    }

    /// Whether this is the first device.
    pub fn on_first(&self) -> bool {
        self.device == 0
    }
}

/// A device of a friend's account, resolved: where to dial and which keys to expect.
pub(super) struct SendTo {
    pub(super) peer: PeerId,
    pub(super) identity: [u8; 32],
    pub(super) noise: [u8; 32],
    pub(super) addrs: Vec<Multiaddr>,
    /// The first device (the account key's): it alone takes receipts, group controls
    /// and profiles.
    pub(super) first: bool,
}

impl SendTo {
    /// Whether `payload` goes to this device.
    pub(super) fn takes(&self, payload: &DmPayload) -> bool {
        self.first || matches!(payload, DmPayload::Typing { .. })
    }
}

impl Actor {
    /// The device of `contact`'s account to send to now (`keys`: its pinned keys).
    pub(super) fn send_to(&mut self, contact: &Contact, keys: &crate::model::PeerKeys) -> Option<SendTo> {
        let others = &keys.record.devices;
        let device = match self.dm.routes.get_mut(&contact.phone) {
            Some(route) => {
                let device = route.device(now_ms(), others.len());
                if route.on_first() {
                    self.dm.routes.remove(&contact.phone);
                }
                device
            }
            None => 0,
        };
        let addrs = |addrs: &[String]| addrs.iter().filter_map(|a| a.parse().ok()).collect();
        match device.checked_sub(1).and_then(|i| others.get(i)) {
            None => Some(SendTo {
                peer: keys.peer_id.parse().ok()?,
                identity: keys.identity_pk,
                noise: keys.noise_pk,
                addrs: addrs(&keys.record.addrs),
                first: true,
            }),
            Some(other) => {
                let peer: PeerId = other.peer_id.parse().ok()?;
                Some(SendTo {
                    identity: identity_of(&peer),
                    peer,
                    noise: other.noise_pk,
                    addrs: addrs(&other.addrs),
                    first: false,
                })
            }
        }
    }

    /// The device of `phone`'s account in use could not be reached: if another device of
    /// the account is left to try, what waits goes there now (receipts and the like to
    /// the first device's mailboxes) and this returns true.
    pub(super) fn try_other_device(&mut self, phone: &PhoneNumber) -> bool {
        let others = match self.store.contact(phone) {
            Ok(Some(contact)) => contact.pinned.map_or(0, |p| p.record.devices.len()),
            _ => 0,
        };
        if others == 0 {
            return false;
        }
        let route = self.dm.routes.entry(phone.clone()).or_default();
        let moved = route.unreachable(now_ms(), others);
        if !moved {
            self.dm.routes.remove(phone);
            return false;
        }
        self.dm.outbox.friend_due(phone, now_ms(), false);
        let ephemeral: Vec<DmPayload> = self.dm.ephemeral.remove(phone).unwrap_or_default();
        let (typing, rest): (Vec<_>, Vec<_>) = ephemeral
            .into_iter()
            .partition(|p| matches!(p, DmPayload::Typing { .. }));
        if !typing.is_empty() {
            self.dm.ephemeral.insert(phone.clone(), typing);
        }
        if !rest.is_empty() {
            self.deposit_for(phone, &[], rest);
        }
        self.dm.pump_soon.insert(phone.clone());
        true
    }

    /// The first device of `phone`'s account reached us, or its record changed: messages
    /// go to it again.
    pub(super) fn back_to_first_device(&mut self, phone: &PhoneNumber) {
        self.dm.routes.remove(phone);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_device_then_each_other_device_then_back_after_a_minute() {
        let mut route = DeviceRoute::default();
        assert_eq!(route.device(1_000, 2), 0);
        // The first device cannot be reached: the second, then the third.
        assert!(route.unreachable(1_000, 2));
        assert_eq!(route.device(1_001, 2), 1);
        assert!(route.unreachable(1_002, 2));
        assert_eq!(route.device(1_003, 2), 2);
        // The third stays in use while it answers, until a minute after the switch.
        assert_eq!(route.device(1_002 + OTHER_DEVICE_MS - 1, 2), 2);
        assert_eq!(route.device(1_002 + OTHER_DEVICE_MS, 2), 0);
    }

    #[test]
    fn a_round_with_no_device_reached_ends_on_the_first_device() {
        let mut route = DeviceRoute::default();
        assert!(route.unreachable(0, 1));
        assert!(!route.unreachable(1, 1));
        assert!(route.on_first());
        assert_eq!(route.device(2, 1), 0);
        // No other device: nothing to move to.
        assert!(!DeviceRoute::default().unreachable(0, 0));
    }

    #[test]
    fn a_record_that_lists_fewer_devices_sends_to_the_first_again() {
        let mut route = DeviceRoute::default();
        assert!(route.unreachable(0, 3));
        assert!(route.unreachable(0, 3));
        assert_eq!(route.device(1, 3), 2);
        assert_eq!(route.device(2, 1), 0);
    }
}
