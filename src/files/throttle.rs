//! The upload rate limit (`files.upload_bytes_per_second`): one budget shared by every
//! upload of the node. [`Throttle::reserve`] is pure (time in); [`ThrottledWrite`] wraps
//! an upload's writer on its blocking thread and waits as the budget says.

use std::io::{self, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A byte budget refilled at `rate` bytes per second, holding at most a quarter second's
/// worth (so a burst after idling stays short). `rate` 0 is no limit.
#[derive(Debug, Clone)]
pub struct Throttle {
    rate: u64,
    /// When the bytes reserved so far will have been paid for.
    paid_until: Option<Instant>,
}

impl Throttle {
    /// A throttle of `rate` bytes per second (0: none).
    pub fn new(rate: u64) -> Self {
        Self { rate, paid_until: None }
    }

    /// Reserves `bytes` at `now`; returns how long to wait before sending them.
    pub fn reserve(&mut self, bytes: usize, now: Instant) -> Duration {
        if self.rate == 0 {
            return Duration::ZERO;
        }
        let cost = Duration::from_secs_f64(bytes as f64 / self.rate as f64);
        let burst = Duration::from_millis(250);
        let start = match self.paid_until {
            Some(until) if until + burst > now => until.max(now.checked_sub(burst).unwrap_or(now)),
            _ => now.checked_sub(burst).unwrap_or(now),
        };
        let until = start + cost;
        self.paid_until = Some(until);
        until.saturating_duration_since(now)
    }
}

/// A writer that pays for what it writes from a shared [`Throttle`]. Blocking: use it on a
/// blocking thread.
pub struct ThrottledWrite<W> {
    inner: W,
    throttle: Arc<Mutex<Throttle>>,
}

impl<W> ThrottledWrite<W> {
    /// `inner`, paying from `throttle`.
    pub fn new(inner: W, throttle: Arc<Mutex<Throttle>>) -> Self {
        Self { inner, throttle }
    }

    /// The writer inside.
    pub fn inner_mut(&mut self) -> &mut W {
        &mut self.inner
    }
}

impl<W: Write> Write for ThrottledWrite<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        let wait = self
            .throttle
            .lock()
            .map_or(Duration::ZERO, |mut t| t.reserve(n, Instant::now()));
        if !wait.is_zero() {
            std::thread::sleep(wait);
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_steady_sender_is_held_to_the_rate_after_a_short_burst() {
        let mut throttle = Throttle::new(1_000_000);
        let t0 = Instant::now();
        // A quarter second's worth goes at once.
        assert_eq!(throttle.reserve(250_000, t0), Duration::ZERO);
        // The next 500 KB are paid for half a second later.
        let wait = throttle.reserve(500_000, t0);
        assert!((wait.as_secs_f64() - 0.5).abs() < 1e-6, "{wait:?}");
        // Idle for a while: again only a quarter second of credit.
        let later = t0 + Duration::from_secs(10);
        assert_eq!(throttle.reserve(250_000, later), Duration::ZERO);
        assert!(throttle.reserve(100_000, later) > Duration::ZERO);
        assert_eq!(Throttle::new(0).reserve(usize::MAX, t0), Duration::ZERO);
    }
}
