//! Publishing this node's rendezvous records (SPEC.md §5.5): under its number, the mutual
//! keys shared with each contact, its invite codes and meetup codes, at most
//! [`MAX_PUTS_IN_FLIGHT`] at a time; withdrawing records it no longer wants found.

use super::*;

/// What runs once a publication is over, told whether a DHT node stored it.
pub(in crate::node) type AfterPut = Box<dyn FnOnce(&mut Actor, bool) + Send>;

/// A record publication waiting for a slot.
pub(super) struct Put {
    key: Vec<u8>,
    value: Vec<u8>,
    /// The contact whose mutual keys these are.
    contact: Option<PhoneNumber>,
    then: Option<AfterPut>,
}

impl Actor {
    /// Publishes every record this node should have in the DHT now.
    pub(super) fn publish_all(&mut self) {
        let now = now_ms() / 1000;
        let Some(me) = self.profile.phone.clone() else {
            return;
        };
        let contacts: Vec<PhoneNumber> = self
            .store
            .contacts()
            .unwrap_or_default()
            .into_iter()
            .filter(|c| !c.blocked)
            .map(|c| c.phone)
            .collect();
        for epoch in Epoch::to_publish(now) {
            match self.discovery.mode {
                Discoverable::Everyone => {
                    self.with_keys(single_input(&me), epoch, KeyUse::Publish(None), Urgency::Background)
                }
                Discoverable::Contacts => {
                    for phone in &contacts {
                        if let Some(input) = mutual_input(&me, phone) {
                            let key_use = KeyUse::Publish(Some(phone.clone()));
                            self.with_keys(input, epoch, key_use, Urgency::Idle);
                        }
                    }
                }
                Discoverable::Nobody => {}
            }
            for invite in self.discovery.invites.clone() {
                self.publish_record(epoch, &invite.keys(epoch), None);
            }
        }
    }

    /// Publishes the mutual record for one contact (contacts mode), right after adding it.
    pub(in crate::node) fn publish_for_contact(&mut self, phone: &PhoneNumber, urgency: Urgency) {
        if self.discovery.mode != Discoverable::Contacts {
            return;
        }
        let Some(me) = self.profile.phone.clone() else {
            return;
        };
        if let Some(input) = mutual_input(&me, phone) {
            for epoch in Epoch::to_publish(now_ms() / 1000) {
                *self.discovery.publishing.entry(phone.clone()).or_default() += 1;
                self.with_keys(input.clone(), epoch, KeyUse::Publish(Some(phone.clone())), urgency);
            }
        }
    }

    /// Replaces our entry under the mutual keys shared with `phone` by one nobody can
    /// read (a blocked contact no longer finds us; storing nodes keep the higher `seq`).
    pub(in crate::node) fn withdraw_for_contact(&mut self, phone: &PhoneNumber) {
        let Some(me) = self.profile.phone.clone() else {
            return;
        };
        if let Some(input) = mutual_input(&me, phone) {
            for epoch in Epoch::to_publish(now_ms() / 1000) {
                self.with_keys(input.clone(), epoch, KeyUse::Withdraw, Urgency::Interactive);
            }
        }
    }

    /// Addresses worth publishing (SPEC.md §12.3), direct ones first: the confirmed
    /// external addresses (direct ones, and circuits through relays that accepted a
    /// reservation), plus, while reachability is unknown, the listen addresses others
    /// could dial (as before reachability was detected: loopback and LAN nets).
    pub(super) fn publishable_addrs(&self) -> Vec<Multiaddr> {
        use crate::node::nat::addrs::{is_relayed, without_peer};
        let unspecified = |a: &Multiaddr| {
            a.iter().any(|p| {
                matches!(p, libp2p::multiaddr::Protocol::Ip4(ip) if ip.is_unspecified())
                    || matches!(p, libp2p::multiaddr::Protocol::Ip6(ip) if ip.is_unspecified())
            })
        };
        let mut addrs: Vec<Multiaddr> = self.swarm.external_addresses().map(without_peer).collect();
        if self.reachability() == crate::node::nat::reachability::Reachability::Unknown {
            addrs.extend(
                self.swarm
                    .listeners()
                    .filter(|a| !unspecified(a) && !is_relayed(a))
                    .cloned(),
            );
        }
        addrs.sort_by_key(is_relayed);
        let mut seen = std::collections::HashSet::new();
        addrs.retain(|a| seen.insert(a.clone()));
        addrs
    }

    /// This node's record body: keys, prekey, addresses and mailboxes. The display name is
    /// left empty: it goes to friends only, over the E2E channel (`profile` payloads).
    pub(super) fn record_body(&self) -> InnerBody {
        let identity = &self.config.identity;
        let addrs = List::truncating(
            self.publishable_addrs()
                .into_iter()
                .filter_map(|a| crate::wire::Bytes::new(a.to_vec()).ok())
                .collect(),
        );
        let mailboxes = List::truncating(
            self.mailboxes
                .registered()
                .filter_map(|m| {
                    let peer = m.peer_id.parse::<libp2p::PeerId>().ok()?;
                    let tag = mailbox_tag(identity.ed25519(), &peer);
                    Some(crate::rendezvous::record::MailboxRef {
                        peer_id: crate::wire::Bytes::new(peer.to_bytes()).ok()?,
                        addrs: List::truncating(
                            m.addrs
                                .iter()
                                .filter_map(|a| a.parse::<Multiaddr>().ok())
                                .filter_map(|a| crate::wire::Bytes::new(a.to_vec()).ok())
                                .collect(),
                        ),
                        tag: crate::wire::Fixed(tag),
                    })
                })
                .collect(),
        );
        let prekey = self.prekeys.current().sign(identity.ed25519());
        let mut body = InnerBody::new(
            &identity.ed25519().public(),
            identity.noise().public,
            prekey,
            addrs,
            mailboxes,
            Text::default(),
        );
        body.trim_to_fit();
        body
    }

    /// Builds, seals and publishes this node's entry under `keys` (for `contact`'s mutual
    /// keys, if any).
    pub(in crate::node) fn publish_record(
        &mut self,
        epoch: Epoch,
        keys: &RendezvousKeys,
        contact: Option<PhoneNumber>,
    ) {
        let body = self.record_body();
        self.put_entry(epoch, keys, &body, contact, None);
    }

    /// Publishes our record under each epoch's keys, and runs `then` once a DHT node
    /// stored the first entry (the current epoch's: the one looked up now), or none would.
    pub(in crate::node) fn publish_records_then(&mut self, entries: Vec<(Epoch, RendezvousKeys)>, then: AfterPut) {
        let body = self.record_body();
        let mut then = Some(then);
        for (epoch, keys) in entries {
            self.put_entry(epoch, &keys, &body, None, then.take());
        }
    }

    /// Seals our body under the real DHT key but a random encryption key: the slot (and
    /// its `seq`) moves on, and nobody can open what it holds.
    pub(super) fn withdraw_record(&mut self, epoch: Epoch, keys: &RendezvousKeys) {
        let mut unreadable = keys.clone();
        rand::rngs::OsRng.fill_bytes(&mut unreadable.enc_key);
        let body = self.record_body();
        self.put_entry(epoch, &unreadable, &body, None, None);
    }

    pub(super) fn put_entry(
        &mut self,
        epoch: Epoch,
        keys: &RendezvousKeys,
        body: &InnerBody,
        contact: Option<PhoneNumber>,
        then: Option<AfterPut>,
    ) {
        let now = now_ms() / 1000;
        let entry = match seal_entry(
            self.config.identity.ed25519(),
            keys,
            epoch,
            now_ms(),
            now + DEFAULT_LIFETIME_SECS,
            body,
            &mut rand::rngs::OsRng,
        ) {
            Ok(entry) => entry,
            Err(e) => {
                tracing::warn!(error = %e, "cannot seal a rendezvous entry");
                return self.publication_settled(contact, then, false);
            }
        };
        match RendezvousValue::new(vec![entry]).and_then(|v| v.encode()) {
            Ok(value) => {
                self.discovery.put_queue.push_back(Put {
                    key: keys.dht_key.to_vec(),
                    value,
                    contact,
                    then,
                });
                self.pump_puts();
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot encode a rendezvous value");
                self.publication_settled(contact, then, false);
            }
        }
    }

    /// Starts queued publications up to the in-flight limit.
    pub(in crate::node) fn pump_puts(&mut self) {
        while self.discovery.puts_in_flight < MAX_PUTS_IN_FLIGHT {
            let Some(put) = self.discovery.put_queue.pop_front() else {
                break;
            };
            self.discovery.puts_in_flight += 1;
            let done = crate::node::dht::PutDone::Publish {
                contact: put.contact,
                then: put.then,
            };
            self.dht_put_for(put.key, put.value, done);
        }
    }

    /// A publication finished (whatever the outcome: the next republish retries).
    pub(in crate::node) fn on_publish_done(&mut self, ok: bool, contact: Option<PhoneNumber>, then: Option<AfterPut>) {
        self.discovery.puts_in_flight = self.discovery.puts_in_flight.saturating_sub(1);
        if ok {
            self.discovery.stats.records_published += 1;
            self.emit(Event::RecordPublished {
                total: self.discovery.stats.records_published,
            });
        }
        self.publication_settled(contact, then, ok);
        self.pump_puts();
    }

    /// A publication is over (`stored`: a DHT node took it): its continuation runs, and if
    /// it was the last one counted for `contact`, a hello waiting for it goes out.
    pub(super) fn publication_settled(&mut self, contact: Option<PhoneNumber>, then: Option<AfterPut>, stored: bool) {
        if let Some(then) = then {
            then(self, stored);
        }
        let Some(phone) = contact else { return };
        if let Some(count) = self.discovery.publishing.get_mut(&phone) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                self.discovery.publishing.remove(&phone);
                if self.discovery.hello_waiting.remove(&phone) {
                    self.send_hello(&phone);
                }
            }
        }
    }
}
