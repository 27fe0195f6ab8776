//! Publishing this node's rendezvous records (SPEC.md §5.5): under its number, the mutual
//! keys shared with each contact, its invite codes and meetup codes, at most
//! [`MAX_PUTS_IN_FLIGHT`] at a time; withdrawing records it no longer wants found.

use super::*;

/// What runs once a publication is over, told whether a DHT node stored it.
pub(in crate::node) type AfterPut = Box<dyn FnOnce(&mut Actor, bool) + Send>;

/// How long after start a node may hold its first publications back while it learns
/// which addresses to publish (SPEC.md §12.3).
pub(in crate::node) const ADDRESS_SETTLE_MS: u64 = 3_000;

/// The first wait before publishing again after DHT nodes could not be reached; it doubles
/// with each round in a row that failed, up to [`PUBLISH_RETRY_MAX_MS`].
pub(in crate::node) const PUBLISH_RETRY_MS: u64 = 5_000;
/// The longest wait before publishing again after a failed round.
pub(in crate::node) const PUBLISH_RETRY_MAX_MS: u64 = 300_000;

/// How one publication ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(in crate::node) enum Published {
    /// A DHT node stored it.
    Stored,
    /// This node would not put it (nothing newer to say): trying again changes nothing.
    Refused,
    /// No DHT node took it in time (none known, none answered): try again soon.
    Unreached,
}

/// When to publish again after a round of publications some DHT nodes did not take:
/// sans-IO, the time in and the next due time out. A round gets one retry however many of
/// its puts failed; the wait doubles with each failed round in a row and starts over once
/// a put is stored. Without it a record nobody took would wait for the 12-hour
/// republication (a put can fail for reasons that pass within seconds: a node just
/// started, a request sent over a connection that was closing).
#[derive(Debug, Default)]
pub(in crate::node) struct PublishRetry {
    failed_rounds: u32,
    retry_due: bool,
}

impl PublishRetry {
    /// A round of publications starts (what it publishes is worked out afresh).
    pub(in crate::node) fn round_started(&mut self) {
        self.retry_due = false;
    }

    /// A DHT node stored a record: the next failure waits the shortest time again.
    pub(in crate::node) fn stored(&mut self) {
        self.failed_rounds = 0;
    }

    /// No DHT node took a record: when to publish again, unless this round already has a
    /// retry due.
    pub(in crate::node) fn unreached(&mut self, now_ms: u64) -> Option<u64> {
        if self.retry_due {
            return None;
        }
        self.retry_due = true;
        let wait = PUBLISH_RETRY_MS
            .saturating_mul(1 << self.failed_rounds.min(10))
            .min(PUBLISH_RETRY_MAX_MS);
        self.failed_rounds = self.failed_rounds.saturating_add(1);
        Some(now_ms + wait)
    }
}

/// A record publication waiting for a slot. It is sealed when it starts, so that it
/// carries the addresses of that moment.
pub(super) struct Put {
    epoch: Epoch,
    keys: RendezvousKeys,
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
        for (epoch, keys) in self.meetup_code_entries() {
            self.publish_record(epoch, &keys, None);
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
    /// reservation), plus, while reachability is unknown and not unproven, the listen
    /// addresses others could dial (as before reachability was detected: loopback and LAN
    /// nets).
    pub(crate) fn publishable_addrs(&self) -> Vec<Multiaddr> {
        use crate::node::nat::addrs::{is_relayed, is_unspecified, without_peer};
        let mut addrs: Vec<Multiaddr> = self.swarm.external_addresses().map(without_peer).collect();
        if self.reachability() == crate::node::nat::reachability::Reachability::Unknown
            && !self.nat.reachability.unproven()
        {
            addrs.extend(
                self.swarm
                    .listeners()
                    .filter(|a| !is_unspecified(a) && !is_relayed(a))
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
        let publishable = self.publishable_addrs();
        tracing::debug!(addrs = ?publishable, "our record's addresses");
        let addrs = List::truncating(
            publishable
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
        body.devices = self.account_devices();
        body.trim_to_fit();
        body
    }

    /// The account's devices for this node's record, when it holds the account key and
    /// has linked devices: the signed list and where they last said they listen.
    fn account_devices(&self) -> Option<crate::rendezvous::record::AccountDevices> {
        let list = self.links.device_list();
        if list.list.devices.len() < 2 || list.list.account.as_bytes() != &self.config.identity.public_key() {
            return None;
        }
        let known: std::collections::BTreeMap<String, Vec<String>> = self
            .store
            .meta_value(crate::node::link::DEVICE_ADDRS_META)
            .ok()
            .flatten()
            .unwrap_or_default();
        let addrs = list
            .list
            .devices
            .iter()
            .filter_map(|d| {
                let peer = crate::identity::peer_id_of(d.device.as_bytes())?;
                let addrs = known.get(&peer.to_string())?;
                Some(crate::rendezvous::record::DeviceAddrs {
                    device: d.device,
                    addrs: List::truncating(
                        addrs
                            .iter()
                            .filter_map(|a| a.parse::<Multiaddr>().ok())
                            .filter_map(|a| crate::wire::Bytes::new(a.to_vec()).ok())
                            .collect(),
                    ),
                })
            })
            .collect();
        Some(crate::rendezvous::record::AccountDevices {
            list: list.clone(),
            addrs: List::truncating(addrs),
        })
    }

    /// Builds, seals and publishes this node's entry under `keys` (for `contact`'s mutual
    /// keys, if any).
    pub(in crate::node) fn publish_record(
        &mut self,
        epoch: Epoch,
        keys: &RendezvousKeys,
        contact: Option<PhoneNumber>,
    ) {
        self.queue_put(epoch, keys.clone(), contact, None);
    }

    /// Publishes our record under each epoch's keys, and runs `then` once a DHT node
    /// stored the first entry (the current epoch's: the one looked up now), or none would.
    pub(in crate::node) fn publish_records_then(&mut self, entries: Vec<(Epoch, RendezvousKeys)>, then: AfterPut) {
        let mut then = Some(then);
        for (epoch, keys) in entries {
            self.queue_put(epoch, keys, None, then.take());
        }
    }

    /// Seals our body under the real DHT key but a random encryption key: the slot (and
    /// its `seq`) moves on, and nobody can open what it holds.
    pub(super) fn withdraw_record(&mut self, epoch: Epoch, keys: &RendezvousKeys) {
        let mut unreadable = keys.clone();
        rand::rngs::OsRng.fill_bytes(&mut unreadable.enc_key);
        self.queue_put(epoch, unreadable, None, None);
    }

    fn queue_put(&mut self, epoch: Epoch, keys: RendezvousKeys, contact: Option<PhoneNumber>, then: Option<AfterPut>) {
        self.discovery.put_queue.push_back(Put {
            epoch,
            keys,
            contact,
            then,
        });
        self.pump_puts();
    }

    /// Whether the addresses our record would carry are the ones to publish: for the first
    /// [`ADDRESS_SETTLE_MS`] after start, a node that has peers waits until it knows
    /// whether it sits behind a NAT or a firewall and, if so, until a relay accepted it — a record with
    /// addresses nobody can dial would send friends' first messages to the mailbox.
    pub(in crate::node) fn addresses_settled(&self) -> bool {
        use crate::node::nat::reachability::Reachability;
        if self.started.elapsed().as_millis() as u64 >= ADDRESS_SETTLE_MS || self.bootstrap_peers_empty() {
            return true;
        }
        match self.reachability() {
            Reachability::Public => true,
            Reachability::Private => self.nat.relays.active().next().is_some(),
            Reachability::Unknown => !self.nat.reachability.undecided() && !self.nat.reachability.unproven(),
        }
    }

    /// When held publications go out at the latest (ms), if any are held.
    pub(super) fn held_puts_deadline_ms(&self) -> Option<u64> {
        if self.discovery.put_queue.is_empty() || self.discovery.puts_in_flight >= MAX_PUTS_IN_FLIGHT {
            return None;
        }
        let waited = self.started.elapsed().as_millis() as u64;
        Some(now_ms() + ADDRESS_SETTLE_MS.saturating_sub(waited))
    }

    /// Seals one queued publication with our body as it is now.
    fn seal_put(&self, put: &Put, body: &InnerBody) -> Option<Vec<u8>> {
        let now = now_ms() / 1000;
        let sealed = seal_entry(
            self.config.identity.ed25519(),
            &put.keys,
            put.epoch,
            now_ms(),
            now + DEFAULT_LIFETIME_SECS,
            body,
            &mut rand::rngs::OsRng,
        )
        .map_err(|e| tracing::warn!(error = %e, "cannot seal a rendezvous entry"))
        .ok()?;
        RendezvousValue::new(vec![sealed])
            .and_then(|v| v.encode())
            .map_err(|e| tracing::warn!(error = %e, "cannot encode a rendezvous value"))
            .ok()
    }

    /// Starts queued publications up to the in-flight limit, once our addresses settled.
    pub(in crate::node) fn pump_puts(&mut self) {
        if self.discovery.put_queue.is_empty() || !self.addresses_settled() {
            return;
        }
        let mut body = None;
        while self.discovery.puts_in_flight < MAX_PUTS_IN_FLIGHT {
            let Some(put) = self.discovery.put_queue.pop_front() else {
                break;
            };
            let body = body.get_or_insert_with(|| self.record_body());
            let Some(value) = self.seal_put(&put, body) else {
                self.publication_settled(put.contact, put.then, Published::Refused);
                continue;
            };
            self.discovery.puts_in_flight += 1;
            let done = crate::node::dht::PutDone::Publish {
                contact: put.contact,
                then: put.then,
            };
            self.dht_put_for(put.keys.dht_key.to_vec(), value, done);
        }
    }

    /// A publication finished: counted if stored; if no DHT node took it, the node
    /// publishes again after a back-off (SPEC.md §12.3).
    pub(in crate::node) fn on_publish_done(
        &mut self,
        outcome: Published,
        contact: Option<PhoneNumber>,
        then: Option<AfterPut>,
    ) {
        self.discovery.puts_in_flight = self.discovery.puts_in_flight.saturating_sub(1);
        match outcome {
            Published::Stored => {
                self.discovery.retry.stored();
                self.discovery.stats.records_published += 1;
                self.emit(Event::RecordPublished {
                    total: self.discovery.stats.records_published,
                });
            }
            Published::Unreached => {
                self.discovery.stats.publications_failed += 1;
                if let Some(due) = self.discovery.retry.unreached(now_ms()) {
                    self.discovery.publish_due_ms = self.discovery.publish_due_ms.min(due);
                }
            }
            Published::Refused => {}
        }
        self.publication_settled(contact, then, outcome);
        self.pump_puts();
    }

    /// A publication is over: its continuation runs (told whether a DHT node took it), and
    /// if it was the last one counted for `contact`, a hello waiting for it goes out.
    pub(super) fn publication_settled(
        &mut self,
        contact: Option<PhoneNumber>,
        then: Option<AfterPut>,
        outcome: Published,
    ) {
        if let Some(then) = then {
            then(self, outcome == Published::Stored);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_round_is_retried_once_with_a_wait_that_doubles_and_starts_over_once_stored() {
        let mut retry = PublishRetry::default();
        retry.round_started();
        assert_eq!(retry.unreached(1_000), Some(1_000 + PUBLISH_RETRY_MS));
        assert_eq!(retry.unreached(1_001), None, "one retry per round");
        retry.round_started();
        assert_eq!(retry.unreached(10_000), Some(10_000 + 2 * PUBLISH_RETRY_MS));
        retry.round_started();
        assert_eq!(retry.unreached(30_000), Some(30_000 + 4 * PUBLISH_RETRY_MS));
        retry.round_started();
        retry.stored();
        assert_eq!(retry.unreached(60_000), Some(60_000 + PUBLISH_RETRY_MS));
    }

    #[test]
    fn the_wait_stops_growing_at_its_cap() {
        let mut retry = PublishRetry::default();
        let mut last = 0;
        for round in 0..100u64 {
            retry.round_started();
            let now = round * 1_000_000;
            last = retry.unreached(now).unwrap() - now;
        }
        assert_eq!(last, PUBLISH_RETRY_MAX_MS);
    }
}
