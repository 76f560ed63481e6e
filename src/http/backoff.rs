//! Pure delay arithmetic for retries and polling.

use std::time::Duration;

/// Equal-jitter exponential backoff: with `c = min(cap, base·2^(attempt-1))`, a delay in
/// `[c/2, c]` placed by `jitter` in `[0, 1)` drawn by the caller. Half of it is fixed, so
/// the waits grow even when the draws are small (a throttled burst spreads out).
pub fn retry_delay(attempt: u32, base: Duration, cap: Duration, jitter: f64) -> Duration {
    let exp = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
    let ceiling = exp.min(cap);
    ceiling / 2 + (ceiling / 2).mul_f64(jitter.clamp(0.0, 1.0))
}

/// The poll interval after `rounds` rounds: grows by half each round from `initial` up to `max`.
pub fn poll_interval(rounds: u32, initial: Duration, max: Duration) -> Duration {
    let mut d = initial;
    for _ in 0..rounds.min(64) {
        d = d.mul_f64(1.5);
        if d >= max {
            return max;
        }
    }
    d.min(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delay_grows_and_caps() {
        let b = Duration::from_millis(100);
        let cap = Duration::from_secs(1);
        assert_eq!(retry_delay(1, b, cap, 1.0), b);
        assert_eq!(retry_delay(3, b, cap, 1.0), Duration::from_millis(400));
        assert_eq!(retry_delay(30, b, cap, 1.0), cap);
        assert_eq!(retry_delay(3, b, cap, 0.5), Duration::from_millis(300));
        assert_eq!(retry_delay(3, b, cap, 0.0), Duration::from_millis(200));
        assert_eq!(retry_delay(30, b, cap, 0.0), cap / 2);
    }

    #[test]
    fn poll_interval_backs_off_to_max() {
        let i = Duration::from_secs(10);
        let m = Duration::from_secs(60);
        assert_eq!(poll_interval(0, i, m), i);
        assert_eq!(poll_interval(1, i, m), Duration::from_secs(15));
        assert_eq!(poll_interval(100, i, m), m);
    }
}
