//! Service quotas as the real services publish them (wire-facts.md §4,
//! inventory-anchors.md §4):
//! - ARM reads: a token bucket of 250 refilled at 25/s per tenant, principal
//!   and subscription (subscription-scoped requests) or per tenant and
//!   principal (tenant-level requests), reported in
//!   `x-ms-ratelimit-remaining-subscription-reads` / `-tenant-reads`;
//! - Resource Graph: 15 queries per 5-second window per user, reported in
//!   `x-ms-user-quota-remaining` and `x-ms-user-quota-resets-after` (hh:mm:ss);
//! - Graph identity and access: resource units per app and tenant per 10 s
//!   (3,500 / 5,000 / 8,000 for tenants under 50, up to 500, over 500 users).
//!
//! An exhausted quota answers 429 with `Retry-After` (whole seconds).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Quota switches and sizes (`SimOptions::quotas`).
#[derive(Debug, Clone, PartialEq)]
pub struct QuotaOptions {
    pub enabled: bool,
    /// ARM read bucket size and refill per second.
    pub arm_reads: u32,
    pub arm_refill_per_sec: f64,
    /// Resource Graph queries per window.
    pub rg_queries: u32,
    pub rg_window: Duration,
    /// Graph resource units per window; `None` sizes it by the tenant's users.
    pub graph_units: Option<u32>,
    pub graph_window: Duration,
}

impl Default for QuotaOptions {
    fn default() -> Self {
        QuotaOptions {
            enabled: true,
            arm_reads: 250,
            arm_refill_per_sec: 25.0,
            rg_queries: 15,
            rg_window: Duration::from_secs(5),
            graph_units: None,
            graph_window: Duration::from_secs(10),
        }
    }
}

/// The Graph identity-and-access budget for a tenant of `users` users.
pub fn graph_units_for(users: usize) -> u32 {
    match users {
        0..=49 => 3_500,
        50..=500 => 5_000,
        _ => 8_000,
    }
}

/// The outcome of taking from a quota.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Take {
    /// Allowed; `remaining` after this request, and when the window resets.
    Ok {
        remaining: u64,
        resets_after: Duration,
    },
    /// Refused; retry after this long.
    Throttled { retry_after: Duration },
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
    cap: f64,
    rate: f64,
    /// What was admitted over the run: the demand the floor is computed from.
    admitted: u64,
    admitted_cost: f64,
}

#[derive(Debug)]
struct Window {
    start: Instant,
    used: u32,
    limit: u32,
    window: Duration,
    admitted: u64,
}

/// One quota's demand over a run, and the least time any client needs to
/// be admitted that much: a bucket's `(cost - capacity) / refill`, a fixed
/// window's `(ceil(requests / limit) - 1) * window`. Benchmarks compare
/// their wall time with the largest of these (docs/simulator.md).
#[derive(Debug, Clone, PartialEq)]
pub struct Demand {
    pub key: String,
    pub requests: u64,
    pub cost: f64,
    pub floor: Duration,
}

pub struct Quotas {
    pub opts: QuotaOptions,
    buckets: Mutex<HashMap<String, Bucket>>,
    windows: Mutex<HashMap<String, Window>>,
}

impl Quotas {
    pub fn new(opts: QuotaOptions) -> Self {
        Quotas {
            opts,
            buckets: Mutex::new(HashMap::new()),
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Takes `cost` from the token bucket `key` (capacity `cap`, refilled at
    /// `rate` per second).
    pub fn bucket(&self, key: &str, cost: f64, cap: f64, rate: f64) -> Take {
        if !self.opts.enabled {
            return Take::Ok {
                remaining: cap as u64,
                resets_after: Duration::ZERO,
            };
        }
        let now = Instant::now();
        let Ok(mut map) = self.buckets.lock() else {
            return Take::Ok {
                remaining: 0,
                resets_after: Duration::ZERO,
            };
        };
        let b = map.entry(key.to_string()).or_insert(Bucket {
            tokens: cap,
            last: now,
            cap,
            rate,
            admitted: 0,
            admitted_cost: 0.0,
        });
        b.tokens = (b.tokens + now.duration_since(b.last).as_secs_f64() * rate).min(cap);
        b.last = now;
        if b.tokens >= cost {
            b.tokens -= cost;
            b.admitted += 1;
            b.admitted_cost += cost;
            let full_in = Duration::from_secs_f64(((cap - b.tokens) / rate.max(1e-9)).max(0.0));
            Take::Ok {
                remaining: b.tokens.floor() as u64,
                resets_after: full_in,
            }
        } else {
            Take::Throttled {
                retry_after: Duration::from_secs_f64((cost - b.tokens) / rate.max(1e-9)),
            }
        }
    }

    /// Takes one from the fixed window `key` (`limit` per `window`).
    pub fn window(&self, key: &str, limit: u32, window: Duration) -> Take {
        if !self.opts.enabled {
            return Take::Ok {
                remaining: u64::from(limit),
                resets_after: Duration::ZERO,
            };
        }
        let now = Instant::now();
        let Ok(mut map) = self.windows.lock() else {
            return Take::Ok {
                remaining: 0,
                resets_after: Duration::ZERO,
            };
        };
        let w = map.entry(key.to_string()).or_insert(Window {
            start: now,
            used: 0,
            limit,
            window,
            admitted: 0,
        });
        if now.duration_since(w.start) >= window {
            w.start = now;
            w.used = 0;
        }
        let resets_after = window.saturating_sub(now.duration_since(w.start));
        if w.used < limit {
            w.used += 1;
            w.admitted += 1;
            Take::Ok {
                remaining: u64::from(limit - w.used),
                resets_after,
            }
        } else {
            Take::Throttled {
                retry_after: resets_after,
            }
        }
    }
}

impl Quotas {
    /// Every quota's demand so far, largest floor first.
    pub fn demand(&self) -> Vec<Demand> {
        let mut out = Vec::new();
        if let Ok(map) = self.buckets.lock() {
            for (k, b) in map.iter() {
                let over = (b.admitted_cost - b.cap).max(0.0);
                out.push(Demand {
                    key: k.clone(),
                    requests: b.admitted,
                    cost: b.admitted_cost,
                    floor: Duration::from_secs_f64(over / b.rate.max(1e-9)),
                });
            }
        }
        if let Ok(map) = self.windows.lock() {
            for (k, w) in map.iter() {
                let windows = w.admitted.div_ceil(u64::from(w.limit.max(1)));
                out.push(Demand {
                    key: k.clone(),
                    requests: w.admitted,
                    cost: w.admitted as f64,
                    floor: w.window * windows.saturating_sub(1) as u32,
                });
            }
        }
        out.sort_by(|a, b| b.floor.cmp(&a.floor).then_with(|| a.key.cmp(&b.key)));
        out
    }
}

/// `Retry-After` in whole seconds, at least 1 (ARM sends integers).
pub fn retry_after_secs(d: Duration) -> u64 {
    (d.as_secs_f64().ceil() as u64).max(1)
}

/// `hh:mm:ss`, as `x-ms-user-quota-resets-after` carries it.
pub fn hhmmss(d: Duration) -> String {
    let s = d.as_secs_f64().ceil() as u64;
    format!("{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_empties_then_refuses_with_a_wait() {
        let q = Quotas::new(QuotaOptions::default());
        for i in 0..3 {
            assert!(
                matches!(q.bucket("k", 1.0, 3.0, 0.5), Take::Ok { remaining, .. } if remaining == 2 - i)
            );
        }
        match q.bucket("k", 1.0, 3.0, 0.5) {
            Take::Throttled { retry_after } => assert!(retry_after > Duration::from_millis(1500)),
            other => panic!("expected throttling, got {other:?}"),
        }
        // Other keys have their own bucket.
        assert!(matches!(q.bucket("other", 1.0, 3.0, 0.5), Take::Ok { .. }));
    }

    #[test]
    fn demand_gives_the_floor_of_what_was_admitted() {
        let q = Quotas::new(QuotaOptions::default());
        // 3 admitted from a bucket of 2 refilled at 0.5/s: one beyond the
        // burst, 2 s at the least. The refused take is not demand.
        q.bucket("b", 1.0, 2.0, 0.5);
        q.bucket("b", 1.0, 2.0, 0.5);
        assert!(matches!(
            q.bucket("b", 1.0, 2.0, 0.5),
            Take::Throttled { .. }
        ));
        // 31 queries of 15 per 5 s: three windows, the last from 10 s.
        for _ in 0..15 {
            q.window("w", 15, Duration::from_secs(5));
        }
        let d = q.demand();
        let w = d.iter().find(|d| d.key == "w").expect("window");
        assert_eq!((w.requests, w.floor), (15, Duration::ZERO));
        let b = d.iter().find(|d| d.key == "b").expect("bucket");
        assert_eq!((b.requests, b.floor), (2, Duration::ZERO));
        let mut q2 = Quotas::new(QuotaOptions::default());
        q2.buckets.get_mut().unwrap().insert(
            "x".into(),
            Bucket {
                tokens: 0.0,
                last: Instant::now(),
                cap: 250.0,
                rate: 25.0,
                admitted: 1_000,
                admitted_cost: 1_000.0,
            },
        );
        q2.windows.get_mut().unwrap().insert(
            "y".into(),
            Window {
                start: Instant::now(),
                used: 0,
                limit: 15,
                window: Duration::from_secs(5),
                admitted: 31,
            },
        );
        let d2 = q2.demand();
        assert_eq!(d2[0].key, "x");
        assert_eq!(d2[0].floor, Duration::from_secs(30));
        assert_eq!(d2[1].floor, Duration::from_secs(10));
    }

    #[test]
    fn window_counts_queries_and_off_means_off() {
        let q = Quotas::new(QuotaOptions::default());
        for _ in 0..15 {
            assert!(matches!(
                q.window("u", 15, Duration::from_secs(5)),
                Take::Ok { .. }
            ));
        }
        assert!(matches!(
            q.window("u", 15, Duration::from_secs(5)),
            Take::Throttled { .. }
        ));
        let off = Quotas::new(QuotaOptions {
            enabled: false,
            ..QuotaOptions::default()
        });
        for _ in 0..100 {
            assert!(matches!(
                off.window("u", 1, Duration::from_secs(5)),
                Take::Ok { .. }
            ));
        }
        assert_eq!(hhmmss(Duration::from_millis(4200)), "00:00:05");
        assert_eq!(retry_after_secs(Duration::from_millis(10)), 1);
        assert_eq!(graph_units_for(48), 3_500);
    }
}
