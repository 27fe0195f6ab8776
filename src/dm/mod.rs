//! The one-to-one message protocol `/chingu/dm/1` (SPEC.md §6): its wire types and the
//! sans-IO retry schedule. The Noise sessions it runs on are in [`crate::session`]; the
//! node glue (outbox, acknowledgements, receipts) is in `node::dm`.

pub mod outbox;
pub mod wire;

/// The stream protocol name.
pub const DM_PROTOCOL: &str = "/chingu/dm/1";

/// First retry delay after a failed attempt.
pub const RETRY_BASE_MS: u64 = 1_000;
/// Longest delay between two attempts.
pub const RETRY_MAX_MS: u64 = 5 * 60 * 1_000;

/// How long to wait before attempt number `attempts + 1`, after `attempts` failed ones:
/// 1 s doubling up to 5 min, plus up to a quarter more from `jitter` (0..=u32::MAX) so
/// that many senders do not retry in lockstep.
pub fn retry_delay_ms(attempts: u32, jitter: u32) -> u64 {
    let exp = attempts.saturating_sub(1).min(16);
    let delay = RETRY_BASE_MS.saturating_mul(1 << exp).min(RETRY_MAX_MS);
    delay + delay / 4 * u64::from(jitter) / u64::from(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_a_ceiling() {
        assert_eq!(retry_delay_ms(1, 0), 1_000);
        assert_eq!(retry_delay_ms(2, 0), 2_000);
        assert_eq!(retry_delay_ms(5, 0), 16_000);
        assert_eq!(retry_delay_ms(40, 0), RETRY_MAX_MS);
        assert_eq!(retry_delay_ms(1, u32::MAX), 1_250);
        assert!(retry_delay_ms(u32::MAX, u32::MAX) <= RETRY_MAX_MS + RETRY_MAX_MS / 4);
    }
}
