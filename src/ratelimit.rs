//! Rate limits for untrusted input: a token bucket, and a bounded map of buckets keyed by
//! peer (or anything else). Pure: time is passed in as milliseconds.

use std::collections::HashMap;
use std::hash::Hash;

/// A token bucket: `burst` tokens, refilled at `per_minute` per minute.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    /// Tokens available at once.
    pub burst: u32,
    /// Tokens added per minute.
    pub per_minute: u32,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    last_ms: u64,
}

impl Bucket {
    fn full(rate: Rate, now_ms: u64) -> Self {
        Self {
            tokens: f64::from(rate.burst),
            last_ms: now_ms,
        }
    }

    fn refill(&mut self, rate: Rate, now_ms: u64) {
        let elapsed = now_ms.saturating_sub(self.last_ms) as f64;
        self.tokens = (self.tokens + elapsed * f64::from(rate.per_minute) / 60_000.0).min(f64::from(rate.burst));
        self.last_ms = now_ms;
    }
}

/// Token buckets per key, holding at most `max_keys` keys (the least recently used key is
/// forgotten first, which only ever makes a limit more lenient for that key).
#[derive(Debug)]
pub struct KeyedLimiter<K> {
    rate: Rate,
    max_keys: usize,
    buckets: HashMap<K, Bucket>,
}

impl<K: Hash + Eq + Clone> KeyedLimiter<K> {
    /// A limiter allowing `rate` per key.
    pub fn new(rate: Rate, max_keys: usize) -> Self {
        Self {
            rate,
            max_keys,
            buckets: HashMap::new(),
        }
    }

    /// Takes one token for `key`; false if the key is over its rate.
    pub fn allow(&mut self, key: &K, now_ms: u64) -> bool {
        self.allow_n(key, 1, now_ms)
    }

    /// Takes `n` tokens for `key`; false (and nothing taken) if there are not enough.
    pub fn allow_n(&mut self, key: &K, n: u32, now_ms: u64) -> bool {
        if !self.buckets.contains_key(key) && self.buckets.len() >= self.max_keys {
            self.evict_oldest();
        }
        let rate = self.rate;
        let bucket = self
            .buckets
            .entry(key.clone())
            .or_insert_with(|| Bucket::full(rate, now_ms));
        bucket.refill(rate, now_ms);
        if bucket.tokens >= f64::from(n) {
            bucket.tokens -= f64::from(n);
            true
        } else {
            false
        }
    }

    fn evict_oldest(&mut self) {
        if let Some(oldest) = self
            .buckets
            .iter()
            .min_by_key(|(_, b)| b.last_ms)
            .map(|(k, _)| k.clone())
        {
            self.buckets.remove(&oldest);
        }
    }

    /// Forgets keys whose buckets have been full for a while (housekeeping).
    pub fn forget_idle(&mut self, now_ms: u64) {
        let rate = self.rate;
        let refill_ms = if rate.per_minute == 0 {
            u64::MAX
        } else {
            u64::from(rate.burst) * 60_000 / u64::from(rate.per_minute)
        };
        self.buckets.retain(|_, b| now_ms.saturating_sub(b.last_ms) < refill_ms);
    }

    /// Number of keys tracked.
    pub fn len(&self) -> usize {
        self.buckets.len()
    }

    /// Whether no key is tracked.
    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_then_refills() {
        let mut limiter = KeyedLimiter::new(
            Rate {
                burst: 3,
                per_minute: 60,
            },
            10,
        );
        assert!((0..3).all(|_| limiter.allow(&"a", 0)));
        assert!(!limiter.allow(&"a", 0));
        assert!(limiter.allow(&"b", 0), "keys are independent");
        assert!(!limiter.allow(&"a", 500));
        assert!(limiter.allow(&"a", 1_000), "one token per second");
        assert!(!limiter.allow_n(&"a", 5, 2_000));
    }

    #[test]
    fn key_count_is_bounded() {
        let mut limiter = KeyedLimiter::new(
            Rate {
                burst: 1,
                per_minute: 1,
            },
            100,
        );
        for i in 0..10_000u32 {
            limiter.allow(&i, u64::from(i));
        }
        assert_eq!(limiter.len(), 100);
        limiter.forget_idle(10_000_000);
        assert!(limiter.is_empty());
    }
}
