//! The one backoff of lamux and lamux-deploy: exponential, capped, with optional full
//! jitter. The direct Invoke's retries (full jitter, as the SDK's standard mode), the
//! extension's `event/next` loop, the deployer's CloudFormation polling and its preview's
//! Lambda polling all use it.

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// The delay before the second try.
    pub initial: Duration,
    /// Each delay is this many times the one before.
    pub factor: f64,
    /// No delay is longer.
    pub max: Duration,
    /// A random delay up to the exponential one ("full jitter"), so that clients that
    /// failed together do not retry together.
    pub jitter: bool,
}

impl Backoff {
    /// The SDK's standard retry mode: `initial * 2^(attempt-1)`, capped, full jitter.
    pub fn standard(initial: Duration, max: Duration) -> Self {
        Self { initial, factor: 2.0, max, jitter: true }
    }

    /// The delay after the `attempt`th failure (1 for the first).
    pub fn delay(&self, attempt: u32) -> Duration {
        let exponent = i32::try_from(attempt.saturating_sub(1).min(64)).unwrap_or(64);
        let ceiling = self.initial.as_secs_f64() * self.factor.powi(exponent);
        let ceiling = Duration::try_from_secs_f64(ceiling).unwrap_or(self.max).min(self.max);
        if self.jitter { ceiling.mul_f64(fastrand::f64()) } else { ceiling }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_then_caps() {
        let doubling =
            Backoff { initial: Duration::from_millis(100), factor: 2.0, max: Duration::from_secs(5), jitter: false };
        let delays: Vec<u128> = (1..=9).map(|n| doubling.delay(n).as_millis()).collect();
        assert_eq!(delays, [100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
        let polling =
            Backoff { initial: Duration::from_millis(200), factor: 1.5, max: Duration::from_secs(5), jitter: false };
        let delays: Vec<u128> = (1..=4).map(|n| polling.delay(n).as_millis()).collect();
        assert_eq!(delays, [200, 300, 450, 675]);
        assert_eq!(doubling.delay(u32::MAX), Duration::from_secs(5), "no overflow");
    }

    #[test]
    fn full_jitter_stays_under_the_ceiling() {
        let standard = Backoff::standard(Duration::from_secs(1), Duration::from_secs(20));
        for attempt in 1..=10 {
            let ceiling = Duration::from_secs(1 << (attempt - 1)).min(Duration::from_secs(20));
            assert!((0..100).all(|_| standard.delay(attempt) <= ceiling), "attempt {attempt}");
        }
    }
}
