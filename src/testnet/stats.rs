//! Latency summaries for scenario reports: percentiles by the nearest-rank method, from
//! all samples ([`Summary::of`]) or, for long runs, from a [`Histogram`] of fixed size.

use serde::Serialize;

/// Percentiles of a set of samples, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Summary {
    /// Number of samples.
    pub count: usize,
    /// Median.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Largest sample.
    pub max_ms: f64,
    /// Mean.
    pub mean_ms: f64,
}

impl Summary {
    /// Summarises `samples` (milliseconds, any order).
    pub fn of(samples: &[f64]) -> Self {
        if samples.is_empty() {
            return Self::default();
        }
        let mut sorted = samples.to_vec();
        sorted.sort_by(|a, b| a.total_cmp(b));
        let rank = |p: f64| sorted[((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1];
        Self {
            count: sorted.len(),
            p50_ms: round(rank(0.50)),
            p90_ms: round(rank(0.90)),
            p99_ms: round(rank(0.99)),
            max_ms: round(sorted[sorted.len() - 1]),
            mean_ms: round(sorted.iter().sum::<f64>() / sorted.len() as f64),
        }
    }
}

/// Exact below this many microseconds; above, 128 buckets per doubling.
const EXACT_BELOW_US: u64 = 128;
/// Sub-buckets per doubling (2^7: a bucket spans under 0.8 % of its values).
const SUB_BITS: u32 = 7;

/// Latencies counted in buckets of at most 0.8 % relative width, so a run of any length
/// keeps a fixed amount of memory (a few tens of KiB) for its percentiles; count, mean
/// and maximum are exact.
#[derive(Debug, Clone, Default)]
pub struct Histogram {
    buckets: Vec<u64>,
    count: usize,
    sum_ms: f64,
    max_ms: f64,
}

impl Histogram {
    /// Adds a sample in milliseconds (negative ones count as 0).
    pub fn record(&mut self, ms: f64) {
        let ms = ms.max(0.0);
        let index = bucket_of((ms * 1000.0) as u64);
        if self.buckets.len() <= index {
            self.buckets.resize(index + 1, 0);
        }
        self.buckets[index] += 1;
        self.count += 1;
        self.sum_ms += ms;
        self.max_ms = self.max_ms.max(ms);
    }

    /// Number of samples.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Percentiles by nearest rank; each is the middle of its bucket (within 0.4 %).
    pub fn summary(&self) -> Summary {
        if self.count == 0 {
            return Summary::default();
        }
        let rank = |p: f64| {
            let wanted = ((p * self.count as f64).ceil() as u64).clamp(1, self.count as u64);
            let mut seen = 0;
            for (index, &n) in self.buckets.iter().enumerate() {
                seen += n;
                if seen >= wanted {
                    return (bucket_middle_us(index) / 1000.0).min(self.max_ms);
                }
            }
            self.max_ms
        };
        Summary {
            count: self.count,
            p50_ms: round(rank(0.50)),
            p90_ms: round(rank(0.90)),
            p99_ms: round(rank(0.99)),
            max_ms: round(self.max_ms),
            mean_ms: round(self.sum_ms / self.count as f64),
        }
    }
}

/// The bucket of a value in microseconds.
fn bucket_of(us: u64) -> usize {
    if us < EXACT_BELOW_US {
        return us as usize;
    }
    let octave = 63 - us.leading_zeros(); // ≥ SUB_BITS
    let shift = octave - SUB_BITS;
    let sub = (us >> shift) - (1 << SUB_BITS); // 0..128
    (EXACT_BELOW_US + u64::from(shift) * (1 << SUB_BITS) + sub) as usize
}

/// The middle of a bucket, in microseconds.
fn bucket_middle_us(index: usize) -> f64 {
    let index = index as u64;
    if index < EXACT_BELOW_US {
        return index as f64;
    }
    let shift = (index - EXACT_BELOW_US) >> SUB_BITS;
    let sub = (index - EXACT_BELOW_US) & ((1 << SUB_BITS) - 1);
    let low = ((1 << SUB_BITS) + sub) << shift;
    low as f64 + ((1u64 << shift) as f64 - 1.0) / 2.0
}

/// Rounds to 0.01 (reports stay readable).
pub fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let samples: Vec<f64> = (1..=100).map(f64::from).collect();
        let s = Summary::of(&samples);
        assert_eq!((s.p50_ms, s.p90_ms, s.p99_ms, s.max_ms), (50.0, 90.0, 99.0, 100.0));
        assert_eq!(Summary::of(&[]).count, 0);
        assert_eq!(Summary::of(&[7.0]).p99_ms, 7.0);
    }

    #[test]
    fn histogram_percentiles_are_within_a_bucket_of_the_exact_ones() {
        // Latencies from 50 µs to 20 s, spread unevenly.
        let samples: Vec<f64> = (1..=20_000).map(|i| 0.05 * (i as f64).powf(1.3)).collect();
        let mut histogram = Histogram::default();
        samples.iter().for_each(|&ms| histogram.record(ms));
        let (exact, counted) = (Summary::of(&samples), histogram.summary());
        assert_eq!((counted.count, counted.max_ms), (exact.count, exact.max_ms));
        assert!(
            (counted.mean_ms - exact.mean_ms).abs() < 0.02,
            "{counted:?} vs {exact:?}"
        );
        for (c, e) in [
            (counted.p50_ms, exact.p50_ms),
            (counted.p90_ms, exact.p90_ms),
            (counted.p99_ms, exact.p99_ms),
        ] {
            assert!((c - e).abs() <= e * 0.008 + 0.01, "{counted:?} vs {exact:?}");
        }
        assert_eq!(Histogram::default().summary(), Summary::default());
        let mut small = Histogram::default();
        small.record(0.1);
        assert_eq!(small.summary().p99_ms, 0.1, "exact below 128 µs");
    }

    #[test]
    fn every_value_falls_in_the_bucket_around_it() {
        for us in (0..5_000u64).chain((1..40).map(|s| (1u64 << s) + 12_345)) {
            let middle = bucket_middle_us(bucket_of(us));
            assert!(
                (middle - us as f64).abs() <= (us as f64 / 128.0).max(0.5),
                "{us} → {middle}"
            );
        }
    }
}
