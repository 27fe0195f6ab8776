//! When a recipient registers with and picks up from its mailboxes (`protocol/mailbox.md`
//! §8.4, §8.6): the registrations and their renewal, the periodic schedule, the push
//! watch held at each mailbox, and notices.
//!
//! Sans-IO: the node feeds it its mailboxes and their registrations, registrations and
//! pickups started and finished, watch answers, closed connections, notices and time, and
//! asks whether a registration or pickup is due or a watch should be sent, and
//! ([`PickupSchedule::poll_timeout`]) when it next must ask. A registration is renewed
//! [`RENEW_BEFORE_MS`] before it ends; a failed one is tried again after a back-off that
//! doubles. Without a live watch a mailbox is picked up every `every_ms` (15 s); with
//! one, every `watched_every_ms` (4 min), since the mailbox tells us of deposits. A
//! notice starts a pickup at once within [`NOTICE_PICKUP_RATE`]; one that finds a pickup
//! running or the rate spent is kept (one per mailbox) and served as soon as possible.

use std::collections::HashMap;
use std::hash::Hash;

use crate::ratelimit::{KeyedLimiter, Rate};

/// Pickup interval without a live watch (`mailbox.pickup_secs`, 15 s).
pub const PICKUP_EVERY_MS: u64 = 15_000;
/// Pickup interval with a live watch: 4 min, under the default 5-min idle timeout, so the
/// connection holding the watch stays in use, and each such pickup renews the watch.
pub const WATCHED_PICKUP_EVERY_MS: u64 = 240_000;
/// A mailbox that did not know `watch` (it answered `malformed`) is asked again after 1 h.
pub const WATCH_RETRY_MS: u64 = 3_600_000;
/// A registration is renewed this long before it ends (a day).
pub const RENEW_BEFORE_MS: u64 = 24 * 3_600_000;
/// Pickups started by notices, per mailbox: a burst of 10, then one each 2 s (the
/// mailbox allows 60, then 2 a second, challenges per peer).
pub const NOTICE_PICKUP_RATE: Rate = Rate {
    burst: 10,
    per_minute: 30,
};
/// A notice kept because the rate was spent is looked at again this much later (the
/// rate's interval).
const NOTICE_RETRY_MS: u64 = 60_000 / NOTICE_PICKUP_RATE.per_minute as u64;

/// Why a notice was refused (`mbox.notice.resp` `refused`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeError {
    /// The sender is none of our mailboxes.
    NotMyMailbox,
    /// We hold no watch there for that tag.
    NotWatching,
}

impl NoticeError {
    /// The stable reason name.
    pub fn reason(self) -> &'static str {
        match self {
            NoticeError::NotMyMailbox => "not_my_mailbox",
            NoticeError::NotWatching => "not_watching",
        }
    }
}

/// What a notice does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Noticed {
    /// Start a pickup now.
    PickUp,
    /// Kept: a pickup follows when the running one ends or the rate allows.
    Later,
}

/// Why a pickup started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// The schedule, a registration or `more`: renews the watch.
    Periodic,
    /// A notice: renews the watch only if none is live.
    Notice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Watch<C> {
    None,
    /// Sent, not answered yet: notices are taken.
    Asked,
    Live {
        connection: C,
        expires_ms: u64,
    },
    /// The mailbox does not know `watch`.
    Unsupported {
        until_ms: u64,
    },
}

#[derive(Debug, Clone)]
struct Slot<C> {
    busy: bool,
    last_ms: Option<u64>,
    cause: Cause,
    pending: bool,
    /// A kept notice is looked at again then (the rate did not allow it earlier).
    pending_retry_ms: u64,
    watch: Watch<C>,
    /// Until when the mailbox holds our registration (0: it holds none).
    registered_until_ms: u64,
    /// Registrations failed in a row, and when to try again.
    register_failures: u32,
    register_retry_ms: u64,
}

/// The pickup schedule of every mailbox we use.
#[derive(Debug)]
pub struct PickupSchedule<P, C> {
    every_ms: u64,
    watched_every_ms: u64,
    push: bool,
    boxes: HashMap<P, Slot<C>>,
    notices: KeyedLimiter<P>,
}

impl<P: Clone + Eq + Hash, C: Copy + Eq> PickupSchedule<P, C> {
    /// A schedule picking up every `every_ms`, or every `watched_every_ms` (at least
    /// `every_ms`) while a watch is live; `push`: ask for watches at all.
    pub fn new(every_ms: u64, watched_every_ms: u64, push: bool) -> Self {
        Self {
            every_ms,
            watched_every_ms: watched_every_ms.max(every_ms),
            push,
            boxes: HashMap::new(),
            notices: KeyedLimiter::new(NOTICE_PICKUP_RATE, 16),
        }
    }

    /// Our mailboxes are `mine`: new ones are due at once, others are forgotten.
    pub fn keep(&mut self, mine: &[P]) {
        self.boxes.retain(|p, _| mine.contains(p));
        for p in mine {
            self.boxes.entry(p.clone()).or_insert(Slot {
                busy: false,
                last_ms: None,
                cause: Cause::Periodic,
                pending: false,
                pending_retry_ms: 0,
                watch: Watch::None,
                registered_until_ms: 0,
                register_failures: 0,
                register_retry_ms: 0,
            });
        }
    }

    /// `p` holds our registration until `until_ms` (0: none, or no longer).
    pub fn registered_until(&mut self, p: &P, until_ms: u64) {
        if let Some(b) = self.boxes.get_mut(p) {
            b.registered_until_ms = until_ms;
        }
    }

    /// Whether `p` should be asked to register us now (none held, or it ends within
    /// [`RENEW_BEFORE_MS`]; not while a failed one backs off).
    pub fn register_due(&self, p: &P, now_ms: u64) -> bool {
        self.boxes
            .get(p)
            .is_some_and(|b| !b.busy && now_ms >= renew_at(b) && now_ms >= b.register_retry_ms)
    }

    /// `p` registered us (the caller also says until when).
    pub fn register_succeeded(&mut self, p: &P) {
        if let Some(b) = self.boxes.get_mut(p) {
            b.register_failures = 0;
            b.register_retry_ms = 0;
        }
    }

    /// Registering with `p` failed at `now_ms` (refused or unanswered): tried again after
    /// 1 s, doubling to 5 min.
    pub fn register_failed(&mut self, p: &P, now_ms: u64, jitter: u32) {
        if let Some(b) = self.boxes.get_mut(p) {
            b.register_failures = b.register_failures.saturating_add(1);
            b.register_retry_ms = now_ms + crate::dm::retry_delay_ms(b.register_failures, jitter);
        }
    }

    /// When a registration or pickup next falls due (ms); mailboxes busy with one are
    /// left out (their answer or failure comes first).
    pub fn poll_timeout(&self) -> Option<u64> {
        let every_ms = self.every_ms;
        let watched_every_ms = self.watched_every_ms;
        let next = |b: &Slot<C>| {
            let pickup = match (b.last_ms, b.watch) {
                (None, _) => 0,
                (Some(last), Watch::Live { expires_ms, .. }) => {
                    (last + watched_every_ms).min(expires_ms.max(last + every_ms))
                }
                (Some(last), _) => last + every_ms,
            };
            let pickup = if b.pending {
                pickup.min(b.pending_retry_ms)
            } else {
                pickup
            };
            // A registration that falls due first is what happens next, once its back-off allows.
            let renew = renew_at(b);
            if pickup < renew {
                pickup
            } else {
                renew.max(b.register_retry_ms)
            }
        };
        self.boxes.values().filter(|b| !b.busy).map(next).min()
    }

    /// Whether a registration or pickup with `p` is running.
    pub fn busy(&self, p: &P) -> bool {
        self.boxes.get(p).is_some_and(|b| b.busy)
    }

    /// A registration with `p` started.
    pub fn hold(&mut self, p: &P) {
        if let Some(b) = self.boxes.get_mut(p) {
            b.busy = true;
        }
    }

    /// A pickup from `p` started (it serves any notice kept).
    pub fn started(&mut self, p: &P, cause: Cause, now_ms: u64) {
        if let Some(b) = self.boxes.get_mut(p) {
            b.busy = true;
            b.last_ms = Some(now_ms);
            b.cause = cause;
            b.pending = false;
        }
    }

    /// The registration or pickup with `p` ended (either way).
    pub fn release(&mut self, p: &P) {
        if let Some(b) = self.boxes.get_mut(p) {
            b.busy = false;
        }
    }

    /// Whether `p` has a live watch (unexpired) now.
    pub fn watched(&self, p: &P, now_ms: u64) -> bool {
        matches!(self.boxes.get(p).map(|b| b.watch), Some(Watch::Live { expires_ms, .. }) if expires_ms > now_ms)
    }

    /// Whether a pickup from `p` is due now, and why: the interval passed since the last
    /// one, or a notice was kept and the rate allows it now.
    pub fn due(&mut self, p: &P, now_ms: u64) -> Option<Cause> {
        let watched = self.watched(p, now_ms);
        let b = self.boxes.get(p)?;
        if b.busy {
            return None;
        }
        let every = if watched { self.watched_every_ms } else { self.every_ms };
        if b.last_ms.is_none_or(|last| now_ms >= last + every) {
            return Some(Cause::Periodic);
        }
        if !b.pending || now_ms < b.pending_retry_ms {
            return None;
        }
        if self.notices.allow(p, now_ms) {
            return Some(Cause::Notice);
        }
        if let Some(b) = self.boxes.get_mut(p) {
            b.pending_retry_ms = now_ms + NOTICE_RETRY_MS;
        }
        None
    }

    /// Whether the pickup from `p` running now should send `watch` (after its challenge,
    /// before its fetch); if so the watch counts as asked.
    pub fn should_watch(&mut self, p: &P, now_ms: u64) -> bool {
        let push = self.push;
        let watched = self.watched(p, now_ms);
        let Some(b) = self.boxes.get_mut(p) else {
            return false;
        };
        let ask = push
            && match b.watch {
                Watch::Unsupported { until_ms } => now_ms >= until_ms,
                Watch::Asked => false,
                _ => b.cause == Cause::Periodic || !watched,
            };
        if ask && !watched {
            b.watch = Watch::Asked;
        }
        ask
    }

    /// `p` holds our watch on `connection` for `ttl_ms`.
    pub fn watching(&mut self, p: &P, connection: C, ttl_ms: u64, now_ms: u64) {
        if let Some(b) = self.boxes.get_mut(p) {
            b.watch = Watch::Live {
                connection,
                expires_ms: now_ms + ttl_ms,
            };
        }
    }

    /// `p` refused our watch with `reason` (`None`: the request failed). `malformed` means
    /// it does not know `watch` (an older mailbox): asked again after [`WATCH_RETRY_MS`].
    pub fn watch_refused(&mut self, p: &P, reason: Option<&str>, now_ms: u64) {
        if let Some(b) = self.boxes.get_mut(p) {
            b.watch = match reason {
                Some("malformed") => Watch::Unsupported {
                    until_ms: now_ms + WATCH_RETRY_MS,
                },
                _ => Watch::None,
            };
        }
    }

    /// A connection to `p` closed: a watch held on it is gone (and the shorter interval
    /// applies again).
    pub fn connection_closed(&mut self, p: &P, connection: C) {
        if let Some(b) = self.boxes.get_mut(p) {
            if matches!(b.watch, Watch::Live { connection: c, .. } if c == connection) {
                b.watch = Watch::None;
            }
        }
    }

    /// A notice from `from`; `tag_ok`: it names our tag there.
    pub fn notice(&mut self, from: &P, tag_ok: bool, now_ms: u64) -> Result<Noticed, NoticeError> {
        let watched = self.watched(from, now_ms);
        let b = self.boxes.get_mut(from).ok_or(NoticeError::NotMyMailbox)?;
        if !tag_ok || !(watched || b.watch == Watch::Asked) {
            return Err(NoticeError::NotWatching);
        }
        if !b.busy && self.notices.allow(from, now_ms) {
            return Ok(Noticed::PickUp);
        }
        if !b.pending {
            b.pending = true;
            b.pending_retry_ms = now_ms;
        }
        Ok(Noticed::Later)
    }
}

/// When `b`'s registration must be renewed (0: now, there is none).
fn renew_at<C>(b: &Slot<C>) -> u64 {
    b.registered_until_ms.saturating_sub(RENEW_BEFORE_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    type S = PickupSchedule<u8, u32>;

    /// A schedule with mailbox 1, after its first pickup (at 0) found it and watched it on
    /// connection 7.
    fn watched() -> S {
        let mut s = S::new(PICKUP_EVERY_MS, WATCHED_PICKUP_EVERY_MS, true);
        s.keep(&[1]);
        s.registered_until(&1, 7 * 24 * 3_600_000);
        assert_eq!(s.due(&1, 0), Some(Cause::Periodic), "a new mailbox is due at once");
        s.started(&1, Cause::Periodic, 0);
        assert_eq!(s.due(&1, 0), None, "busy");
        assert!(s.should_watch(&1, 0));
        s.watching(&1, 7, 1_800_000, 10);
        s.release(&1);
        s
    }

    #[test]
    fn a_live_watch_slows_the_schedule_and_a_notice_picks_up_at_once() {
        let mut s = watched();
        assert!(s.watched(&1, 20));
        assert_eq!(s.due(&1, PICKUP_EVERY_MS), None, "15 s no longer makes it due");
        assert_eq!(s.due(&1, WATCHED_PICKUP_EVERY_MS), Some(Cause::Periodic));
        assert_eq!(s.notice(&1, true, 1_000), Ok(Noticed::PickUp));
        s.started(&1, Cause::Notice, 1_000);
        assert!(
            !s.should_watch(&1, 1_000),
            "a notice's pickup does not renew a live watch"
        );
        s.release(&1);
        // Without push the plain interval stays.
        let mut plain = S::new(PICKUP_EVERY_MS, WATCHED_PICKUP_EVERY_MS, false);
        plain.keep(&[1]);
        plain.started(&1, Cause::Periodic, 0);
        assert!(!plain.should_watch(&1, 0));
        plain.release(&1);
        assert_eq!(plain.due(&1, PICKUP_EVERY_MS), Some(Cause::Periodic));
    }

    #[test]
    fn a_notice_during_a_pickup_is_kept_for_one_more_after_it() {
        let mut s = watched();
        s.started(&1, Cause::Periodic, 1_000);
        assert_eq!(s.notice(&1, true, 1_100), Ok(Noticed::Later));
        assert_eq!(s.notice(&1, true, 1_200), Ok(Noticed::Later));
        assert_eq!(s.due(&1, 1_300), None, "still busy");
        s.release(&1);
        assert_eq!(s.due(&1, 1_300), Some(Cause::Notice));
        s.started(&1, Cause::Notice, 1_300);
        s.release(&1);
        assert_eq!(s.due(&1, 1_400), None, "the two notices made one pickup");
    }

    #[test]
    fn notices_start_pickups_only_within_the_rate() {
        let mut s = watched();
        let mut now = 1_000;
        let mut at_once = 0;
        // A mailbox sending a notice every 10 ms for 10 s (forged or replayed alike).
        for _ in 0..1_000 {
            now += 10;
            match s.notice(&1, true, now) {
                Ok(Noticed::PickUp) => {
                    at_once += 1;
                    s.started(&1, Cause::Notice, now);
                    s.release(&1);
                }
                Ok(Noticed::Later) => {
                    if s.due(&1, now).is_some() {
                        at_once += 1;
                        s.started(&1, Cause::Notice, now);
                        s.release(&1);
                    }
                }
                Err(e) => panic!("{e:?}"),
            }
        }
        let allowed = NOTICE_PICKUP_RATE.burst + NOTICE_PICKUP_RATE.per_minute * 10 / 60 + 1;
        assert!(at_once <= allowed, "{at_once} pickups > {allowed}");
        assert!(at_once >= NOTICE_PICKUP_RATE.burst);
        // The one kept is served when the rate allows.
        assert_eq!(s.due(&1, now + 2_000), Some(Cause::Notice));
    }

    #[test]
    fn a_notice_from_a_stranger_or_for_no_watch_is_refused() {
        let mut s = watched();
        assert_eq!(s.notice(&9, true, 100), Err(NoticeError::NotMyMailbox));
        assert_eq!(s.notice(&1, false, 100), Err(NoticeError::NotWatching), "another tag");
        let mut fresh = S::new(PICKUP_EVERY_MS, WATCHED_PICKUP_EVERY_MS, true);
        fresh.keep(&[1, 2]);
        assert_eq!(
            fresh.notice(&2, true, 0),
            Err(NoticeError::NotWatching),
            "never watched"
        );
        // Past the watch's lifetime, too.
        assert_eq!(s.notice(&1, true, 1_800_010), Err(NoticeError::NotWatching));
        // A watch asked for and not yet answered takes notices (the answer may come later).
        fresh.started(&2, Cause::Periodic, 0);
        assert!(fresh.should_watch(&2, 0));
        assert_eq!(fresh.notice(&2, true, 5), Ok(Noticed::Later));
        assert_eq!(
            NoticeError::NotMyMailbox.reason(),
            "not_my_mailbox",
            "the name counted in metrics"
        );
    }

    #[test]
    fn the_watch_ends_with_its_connection_and_the_short_interval_returns() {
        let mut s = watched();
        s.connection_closed(&1, 8);
        assert!(s.watched(&1, 100), "another connection");
        s.connection_closed(&1, 7);
        assert!(!s.watched(&1, 100));
        assert_eq!(s.notice(&1, true, 100), Err(NoticeError::NotWatching));
        assert_eq!(s.due(&1, PICKUP_EVERY_MS), Some(Cause::Periodic), "15 s again");
        s.started(&1, Cause::Notice, PICKUP_EVERY_MS);
        assert!(s.should_watch(&1, PICKUP_EVERY_MS), "and the next pickup watches again");
        // Dropped mailboxes are forgotten.
        s.keep(&[2]);
        assert_eq!(s.notice(&1, true, 100), Err(NoticeError::NotMyMailbox));
    }

    #[test]
    fn an_older_mailbox_without_watch_keeps_the_plain_schedule() {
        let mut s = S::new(PICKUP_EVERY_MS, WATCHED_PICKUP_EVERY_MS, true);
        s.keep(&[1]);
        s.started(&1, Cause::Periodic, 0);
        assert!(s.should_watch(&1, 0));
        s.watch_refused(&1, Some("malformed"), 10);
        s.release(&1);
        assert_eq!(s.due(&1, PICKUP_EVERY_MS), Some(Cause::Periodic));
        s.started(&1, Cause::Periodic, PICKUP_EVERY_MS);
        assert!(!s.should_watch(&1, PICKUP_EVERY_MS), "not asked again at once");
        s.release(&1);
        s.started(&1, Cause::Periodic, WATCH_RETRY_MS + 10);
        assert!(s.should_watch(&1, WATCH_RETRY_MS + 10), "but after an hour");
        // Any other refusal, or a failed request, is tried again at the next pickup.
        s.watch_refused(&1, Some("rate_limited"), WATCH_RETRY_MS + 20);
        s.release(&1);
        s.started(&1, Cause::Periodic, WATCH_RETRY_MS + PICKUP_EVERY_MS + 20);
        assert!(s.should_watch(&1, WATCH_RETRY_MS + PICKUP_EVERY_MS + 20));
    }

    #[test]
    fn the_schedule_says_when_to_wake_and_backs_off_failed_registrations() {
        let mut s = S::new(PICKUP_EVERY_MS, WATCHED_PICKUP_EVERY_MS, true);
        assert_eq!(s.poll_timeout(), None, "no mailbox: nothing to do");
        s.keep(&[1]);
        assert_eq!(s.poll_timeout(), Some(0), "unregistered: register at once");
        assert!(s.register_due(&1, 0));
        s.hold(&1);
        assert_eq!(s.poll_timeout(), None, "busy: the answer comes first");
        s.register_failed(&1, 100, 0);
        s.release(&1);
        assert_eq!(s.poll_timeout(), Some(1_100), "failed: again after 1 s");
        assert!(!s.register_due(&1, 1_099));
        s.hold(&1);
        s.register_failed(&1, 1_100, 0);
        s.release(&1);
        assert_eq!(s.poll_timeout(), Some(3_100), "then 2 s");

        // Registered for a week at 3,100: a pickup at once, then every 15 s.
        let week = 7 * 24 * 3_600_000;
        s.register_succeeded(&1);
        s.registered_until(&1, 3_100 + week);
        assert!(!s.register_due(&1, 3_100));
        assert_eq!(s.poll_timeout(), Some(0), "never picked up");
        s.started(&1, Cause::Periodic, 3_100);
        s.release(&1);
        assert_eq!(s.poll_timeout(), Some(3_100 + PICKUP_EVERY_MS));
        // A live watch for 10 min: the long interval, but no later than the watch's end.
        s.started(&1, Cause::Periodic, 20_000);
        assert!(s.should_watch(&1, 20_000));
        s.watching(&1, 7, 600_000, 20_000);
        s.release(&1);
        assert_eq!(s.poll_timeout(), Some(20_000 + WATCHED_PICKUP_EVERY_MS));
        s.started(&1, Cause::Periodic, 400_000);
        s.release(&1);
        assert_eq!(s.poll_timeout(), Some(620_000), "the watch ends before the next 4 min");
        // Near the registration's end the renewal comes first.
        let renew = 3_100 + week - RENEW_BEFORE_MS;
        s.started(&1, Cause::Periodic, renew - 1_000);
        s.release(&1);
        assert_eq!(s.poll_timeout(), Some(renew));
        assert!(s.register_due(&1, renew));
    }

    #[test]
    fn a_notice_kept_over_the_rate_wakes_the_node_when_the_rate_allows() {
        let mut s = watched();
        let mut now = 1_000;
        for _ in 0..NOTICE_PICKUP_RATE.burst {
            assert_eq!(s.notice(&1, true, now), Ok(Noticed::PickUp));
            s.started(&1, Cause::Notice, now);
            s.release(&1);
            now += 1;
        }
        assert_eq!(s.notice(&1, true, now), Ok(Noticed::Later), "the burst is spent");
        assert_eq!(s.poll_timeout(), Some(now), "looked at at once");
        assert_eq!(s.due(&1, now), None, "not allowed yet");
        let retry = s.poll_timeout().expect("a retry is armed");
        assert_eq!(retry, now + NOTICE_RETRY_MS, "not a busy loop: the rate's interval");
        assert_eq!(s.due(&1, retry), Some(Cause::Notice));
    }
}
