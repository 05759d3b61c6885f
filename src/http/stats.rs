//! Counters per service for the benchmark and `--verbose`: requests sent,
//! retries, 429s, body bytes, and time spent waiting on pacing or backoff.

use super::Service;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    retries: AtomicU64,
    throttled: AtomicU64,
    bytes: AtomicU64,
    waited_us: AtomicU64,
}

#[derive(Default)]
pub struct Stats {
    per: [Counters; Service::ALL.len()],
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ServiceStats {
    pub requests: u64,
    pub retries: u64,
    pub throttled: u64,
    pub bytes: u64,
    /// Time requests spent waiting for pacing, `Retry-After` or backoff, summed.
    pub waited_ms: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct StatsSnapshot {
    /// By `Service::as_str()`; services with no request are left out.
    pub services: BTreeMap<&'static str, ServiceStats>,
}

impl StatsSnapshot {
    pub fn total(&self) -> ServiceStats {
        self.services
            .values()
            .fold(ServiceStats::default(), |a, s| ServiceStats {
                requests: a.requests + s.requests,
                retries: a.retries + s.retries,
                throttled: a.throttled + s.throttled,
                bytes: a.bytes + s.bytes,
                waited_ms: a.waited_ms + s.waited_ms,
            })
    }
}

impl Stats {
    fn c(&self, s: Service) -> &Counters {
        &self.per[s.index()]
    }
    pub fn request(&self, s: Service, bytes: u64) {
        self.c(s).requests.fetch_add(1, Relaxed);
        self.c(s).bytes.fetch_add(bytes, Relaxed);
    }
    pub fn retry(&self, s: Service) {
        self.c(s).retries.fetch_add(1, Relaxed);
    }
    pub fn throttled(&self, s: Service) {
        self.c(s).throttled.fetch_add(1, Relaxed);
    }
    pub fn waited(&self, s: Service, d: Duration) {
        self.c(s)
            .waited_us
            .fetch_add(d.as_micros().min(u64::MAX as u128) as u64, Relaxed);
    }
    pub fn snapshot(&self) -> StatsSnapshot {
        let mut services = BTreeMap::new();
        for s in Service::ALL {
            let c = self.c(s);
            let st = ServiceStats {
                requests: c.requests.load(Relaxed),
                retries: c.retries.load(Relaxed),
                throttled: c.throttled.load(Relaxed),
                bytes: c.bytes.load(Relaxed),
                waited_ms: c.waited_us.load(Relaxed) / 1000,
            };
            if st != ServiceStats::default() {
                services.insert(s.as_str(), st);
            }
        }
        StatsSnapshot { services }
    }
}
