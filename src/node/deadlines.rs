//! When the node's actor wakes without a command or a network event: every engine says
//! when it next has something to do (its `poll_timeout` or deadline), the actor sleeps
//! until the earliest, and then each engine does what fell due. There is no fixed tick:
//! an idle node sleeps until its next retry, pickup, sync, republication or the hourly
//! upkeep.

use std::time::Duration;

use super::actor::{Actor, PREKEYS};
use crate::model::now_ms;

/// How often prekey rotation is checked (and old sessions and cached peers pruned).
pub(super) const UPKEEP_EVERY_MS: u64 = 3_600_000;

impl Actor {
    /// When an engine next has something to do: a discovery lookup or publication, a
    /// rolling paper's date, a file fetch's or a 1:1 message's retry, a NAT machine's
    /// timer, a mailbox registration or pickup, a group sync, control retry or meetup's
    /// end, a lazy write (the replay guard's, groups' receive state: the turn's end writes
    /// them), the DHT's upkeep and thin-table check, and the node's upkeep.
    pub(super) fn next_wake(&self) -> tokio::time::Instant {
        let now = now_ms();
        let due = [
            self.discovery_deadline_ms(),
            self.paper_deadline_ms(),
            self.files.deadline_ms(),
            self.dm.outbox.poll_timeout(),
            self.nat_deadline_ms(),
            self.mailboxes.deadline_ms(),
            self.group_deadline_ms(),
            self.guard_deadline_ms(),
            self.ring_write_deadline_ms(),
            Some(self.dht.deadline_ms()),
        ]
        .into_iter()
        .flatten()
        .fold(self.next_upkeep_ms, u64::min);
        tokio::time::Instant::now() + Duration::from_millis(due.saturating_sub(now))
    }

    /// A deadline passed: every engine does what fell due.
    pub(super) fn on_deadline(&mut self) {
        let now = now_ms();
        self.upkeep(now);
        self.dht.housekeep(now);
        self.rejoin_when_thin(now);
        self.run_due_discovery();
        self.deliver_due_papers();
        self.pump_files();
        self.pump_due_friends();
        self.run_nat_timeouts();
        if self.mailboxes.deadline_ms().is_some_and(|at| at <= now) {
            self.run_due_mailbox_work();
        }
        self.on_group_deadline(now);
    }

    /// The hourly upkeep: prekeys rotated, expired sessions, back-offs and cached peer
    /// addresses forgotten.
    fn upkeep(&mut self, now: u64) {
        if now < self.next_upkeep_ms {
            return;
        }
        self.next_upkeep_ms = now + UPKEEP_EVERY_MS;
        self.rotate_prekeys();
        self.prune_sessions();
        self.nat.prune(now);
        match self.store.prune_peers() {
            Ok(0) => {}
            Ok(_) => self.durability.wrote_lazily(),
            Err(e) => tracing::warn!(error = %e, "cannot prune the peer-address cache"),
        }
    }

    /// Rotates the prekey when due and forgets expired ones; a new prekey is republished.
    fn rotate_prekeys(&mut self) {
        let now = now_ms() / 1000;
        let rotated = self.prekeys.rotate_if_due(now, &mut rand::rngs::OsRng).unwrap_or(false);
        let expired = self.prekeys.expire(now);
        if rotated || expired > 0 {
            if let Err(e) = self.store.set_meta_value(PREKEYS, &self.prekeys) {
                tracing::error!(error = %e, "cannot save prekeys");
            }
            self.durability.wrote();
        }
        if rotated {
            self.discovery.republish_soon();
        }
    }
}
