//! Client-side pacing: a token bucket per (cloud, region) so a wide fan-out stays under the
//! cloud's request-rate limits. A throttled reply halves the bucket's rate; successful calls
//! bring it back up gradually (additive increase, multiplicative decrease).

use crate::model::Cloud;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// The slowest a throttled bucket goes.
const MIN_RATE: f64 = 0.5;

#[derive(Debug)]
struct Bucket {
    rate: f64,
    max: f64,
    tokens: f64,
    last: Instant,
}

impl Bucket {
    fn new(rate: f64, now: Instant) -> Self {
        Bucket {
            rate,
            max: rate,
            tokens: burst(rate),
            last: now,
        }
    }

    fn refill(&mut self, now: Instant) {
        let dt = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + dt * self.rate).min(burst(self.rate));
        self.last = now;
    }
}

/// One second's worth of calls may go at once.
fn burst(rate: f64) -> f64 {
    rate.max(1.0)
}

#[derive(Debug, Default)]
pub struct Pacer {
    /// Requests per second per region; a cloud missing here, or with 0, is not paced.
    rates: BTreeMap<Cloud, f64>,
    buckets: Mutex<HashMap<(Cloud, String), Bucket>>,
}

impl Pacer {
    pub fn new(rates: BTreeMap<Cloud, f64>) -> Self {
        Pacer {
            rates,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Waits until a call to `region` may go.
    pub async fn acquire(&self, cloud: Cloud, region: &str) {
        let Some(&rate) = self.rates.get(&cloud).filter(|r| **r > 0.0) else {
            return;
        };
        loop {
            let wait = {
                let mut buckets = self.buckets.lock().expect("pacer lock");
                let now = Instant::now();
                let b = buckets
                    .entry((cloud, region.to_string()))
                    .or_insert_with(|| Bucket::new(rate, now));
                b.refill(now);
                if b.tokens >= 1.0 {
                    b.tokens -= 1.0;
                    return;
                }
                Duration::from_secs_f64((1.0 - b.tokens) / b.rate)
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// The cloud throttled a call to `region`: halve the rate and drain the bucket.
    pub fn throttled(&self, cloud: Cloud, region: &str) {
        self.adjust(cloud, region, |b| {
            b.rate = (b.rate / 2.0).max(MIN_RATE);
            b.tokens = b.tokens.min(0.0);
            tracing::info!(cloud = %cloud, region, rate = b.rate, "throttled; slowing down");
        });
    }

    /// A call to `region` succeeded: win back a twentieth of the configured rate.
    pub fn succeeded(&self, cloud: Cloud, region: &str) {
        self.adjust(cloud, region, |b| {
            b.rate = (b.rate + b.max / 20.0).min(b.max);
        });
    }

    /// The current rate for `region` (for tests and logs).
    pub fn rate(&self, cloud: Cloud, region: &str) -> Option<f64> {
        let buckets = self.buckets.lock().expect("pacer lock");
        buckets.get(&(cloud, region.to_string())).map(|b| b.rate)
    }

    fn adjust(&self, cloud: Cloud, region: &str, f: impl FnOnce(&mut Bucket)) {
        let mut buckets = self.buckets.lock().expect("pacer lock");
        if let Some(b) = buckets.get_mut(&(cloud, region.to_string())) {
            b.refill(Instant::now());
            f(b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn paces_to_the_rate_after_a_burst() {
        let p = Pacer::new([(Cloud::Aws, 10.0)].into_iter().collect());
        let start = Instant::now();
        for _ in 0..30 {
            p.acquire(Cloud::Aws, "us-east-1").await;
        }
        // 10 at once, then 20 more at 10/s.
        let took = start.elapsed().as_secs_f64();
        assert!((1.9..2.2).contains(&took), "took {took}s");
        // Another region has its own bucket.
        let t = Instant::now();
        p.acquire(Cloud::Aws, "eu-west-1").await;
        assert_eq!(t.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn throttling_halves_the_rate_and_success_restores_it() {
        let p = Pacer::new([(Cloud::Alibaba, 8.0)].into_iter().collect());
        p.acquire(Cloud::Alibaba, "cn-hangzhou").await;
        p.throttled(Cloud::Alibaba, "cn-hangzhou");
        p.throttled(Cloud::Alibaba, "cn-hangzhou");
        assert_eq!(p.rate(Cloud::Alibaba, "cn-hangzhou"), Some(2.0));
        for _ in 0..40 {
            p.succeeded(Cloud::Alibaba, "cn-hangzhou");
        }
        assert_eq!(p.rate(Cloud::Alibaba, "cn-hangzhou"), Some(8.0));
        for _ in 0..10 {
            p.throttled(Cloud::Alibaba, "cn-hangzhou");
        }
        assert_eq!(p.rate(Cloud::Alibaba, "cn-hangzhou"), Some(MIN_RATE));
    }

    #[tokio::test(start_paused = true)]
    async fn zero_or_missing_rate_is_unpaced() {
        let p = Pacer::new([(Cloud::Baidu, 0.0)].into_iter().collect());
        let start = Instant::now();
        for _ in 0..1000 {
            p.acquire(Cloud::Baidu, "bj").await;
            p.acquire(Cloud::Huawei, "cn-north-4").await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
    }
}
