//! Client-side pacing: token buckets sized from the services' published
//! limits (inventory-anchors §4), adaptive holds from the remaining-quota
//! headers and `Retry-After`, and bounded concurrency per host.
//!
//! Keys: ARM reads per (tenant, subscription) for subscription-scoped reads
//! and per (tenant) for tenant-level ones (ARM counts them against those
//! limits separately, per principal); Resource Graph
//! per (tenant) (the quota is per user, and one run signs in once per
//! tenant); Graph per (tenant) (limits are per app per tenant).

use super::Service;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use reqwest::header::HeaderMap;
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// A token bucket: `burst` requests at once, one more every `every`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub burst: u32,
    pub every: Duration,
}

impl Rate {
    pub const fn per_window(burst: u32, window: Duration) -> Rate {
        Rate {
            burst,
            every: Duration::from_nanos(window.as_nanos() as u64 / burst as u64),
        }
    }
    fn quota(self) -> Option<Quota> {
        Some(Quota::with_period(self.every)?.allow_burst(NonZeroU32::new(self.burst)?))
    }
}

/// Published limits, per key. Defaults:
/// - ARM reads: bucket 250, refill 25/s, per subscription and per tenant, per principal.
/// - Resource Graph: 15 queries per 5 s per user.
/// - Graph (identity and access, app + tenant, smallest tenant size): 3,500
///   resource units per 10 s at about 2 units per list request: 175 requests/s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub arm_tenant: Rate,
    pub arm_subscription: Rate,
    pub resource_graph: Rate,
    pub graph: Rate,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            arm_tenant: Rate::per_window(250, Duration::from_secs(10)),
            arm_subscription: Rate::per_window(250, Duration::from_secs(10)),
            resource_graph: Rate::per_window(15, Duration::from_secs(5)),
            graph: Rate::per_window(1750, Duration::from_secs(10)),
        }
    }
}

/// Exchange Online admin API: no published number; the EXO V3 module's own
/// client is budgeted per user/app and tenant. 10 requests per second with a
/// burst of 50 stays under the budgets users report; `Retry-After` and
/// "Server Busy" answers still hold the key (docs/exchange-rest.md).
pub const EXCHANGE: Rate = Rate::per_window(50, Duration::from_secs(5));

struct Bucket {
    limiter: Option<DefaultDirectRateLimiter>,
    /// Set from a 429's `Retry-After` or a quota header at zero: no request
    /// on this key before then.
    hold_until: Mutex<Option<Instant>>,
    /// Resource Graph: when the quota window the requests now go into
    /// opened (the first request sent after the last one closed).
    window_start: Mutex<Option<Instant>>,
}

/// Requests in flight per host and service when `[http] concurrency` does
/// not say. ARM's limits are its per-subscription and per-tenant buckets,
/// not connections, and one listing per subscription of 200 must not queue
/// behind eight slots; Graph is paced by resource units; Exchange and each
/// registry are small services where a handful in flight is what their
/// own clients use.
pub fn default_concurrency(service: Service) -> usize {
    match service {
        Service::Arm => 32,
        Service::Graph => 16,
        _ => 8,
    }
}

/// Added to Resource Graph's estimated window end.
const RG_MARGIN: Duration = Duration::from_millis(150);

pub struct Pacer {
    enabled: bool,
    limits: Limits,
    per_host: Option<usize>,
    buckets: Mutex<HashMap<String, Arc<Bucket>>>,
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
}

/// Which buckets a request draws from.
pub fn keys(service: Service, tenant: &str, subscription: Option<&str>) -> Vec<String> {
    let t = tenant.to_ascii_lowercase();
    match (service, subscription) {
        (Service::Arm, Some(s)) => vec![format!("arm|{t}|{}", s.to_ascii_lowercase())],
        _ => vec![format!("{}|{t}", service.as_str())],
    }
}

impl Pacer {
    pub fn new(enabled: bool, limits: Limits, per_host: Option<usize>) -> Pacer {
        Pacer {
            enabled,
            limits,
            per_host: per_host.map(|n| n.max(1)),
            buckets: Mutex::new(HashMap::new()),
            hosts: Mutex::new(HashMap::new()),
        }
    }

    fn bucket(&self, key: &str) -> Arc<Bucket> {
        let mut map = match self.buckets.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        map.entry(key.to_string())
            .or_insert_with(|| {
                let rate = match key.split('|').next() {
                    Some("arm") if key.matches('|').count() == 2 => {
                        Some(self.limits.arm_subscription)
                    }
                    Some("arm") => Some(self.limits.arm_tenant),
                    Some("resource-graph") => Some(self.limits.resource_graph),
                    Some("graph") => Some(self.limits.graph),
                    Some("exchange") => Some(EXCHANGE),
                    _ => None,
                };
                Arc::new(Bucket {
                    limiter: rate
                        .filter(|_| self.enabled)
                        .and_then(Rate::quota)
                        .map(RateLimiter::direct),
                    hold_until: Mutex::new(None),
                    window_start: Mutex::new(None),
                })
            })
            .clone()
    }

    /// Waits until every key's hold has passed and its bucket admits one
    /// request. Returns the time spent waiting.
    pub async fn admit(&self, keys: &[String]) -> Duration {
        let start = Instant::now();
        for k in keys {
            let b = self.bucket(k);
            loop {
                let until = *lock(&b.hold_until);
                match until {
                    Some(t) if t > Instant::now() => tokio::time::sleep_until(t).await,
                    _ => break,
                }
            }
            if let Some(l) = &b.limiter {
                l.until_ready().await;
            }
            if k.starts_with("resource-graph|") {
                let now = Instant::now();
                let window = self.rg_window();
                let mut ws = lock(&b.window_start);
                if ws.is_none_or(|t| now >= t + window) {
                    *ws = Some(now);
                }
            }
        }
        start.elapsed()
    }

    /// Resource Graph's quota window (15 queries per 5 s by default).
    fn rg_window(&self) -> Duration {
        let r = self.limits.resource_graph;
        r.every * r.burst
    }

    /// No request on these keys for `wait` (a 429's `Retry-After`). A later
    /// hold never shortens an earlier one.
    pub fn hold(&self, keys: &[String], wait: Duration) {
        let until = Instant::now() + wait;
        for k in keys {
            let b = self.bucket(k);
            let mut h = lock(&b.hold_until);
            if h.is_none_or(|t| t < until) {
                *h = Some(until);
            }
        }
    }

    /// Adaptive pacing from a response's remaining-quota headers.
    pub fn observe(&self, service: Service, keys: &[String], headers: &HeaderMap) {
        if !self.enabled {
            return;
        }
        let int = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<i64>().ok())
        };
        match service {
            Service::Arm | Service::ResourceGraph => {
                // ARM: when few reads are left in the server's bucket, wait for
                // it to refill a little (25 tokens/s) rather than run into 429s.
                let refill = self.limits.arm_tenant.every;
                let low = |remaining: i64| -> Option<Duration> {
                    (remaining < 10).then(|| refill * (10 - remaining.max(0)) as u32)
                };
                let header = if keys.iter().any(|k| k.matches('|').count() == 2) {
                    "x-ms-ratelimit-remaining-subscription-reads"
                } else {
                    "x-ms-ratelimit-remaining-tenant-reads"
                };
                if service == Service::Arm {
                    if let Some(w) = int(header).and_then(low) {
                        self.hold(keys, w);
                    }
                }
                if service == Service::ResourceGraph && int("x-ms-user-quota-remaining") == Some(0)
                {
                    let header = headers
                        .get("x-ms-user-quota-resets-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(super::retry::parse_hms)
                        .unwrap_or(Duration::from_secs(5));
                    // The header counts whole seconds, rounded up: up to a
                    // second late every window. The window opened when its
                    // first query was sent, so it closes one window length
                    // later (plus a little for the server's clock); a guess
                    // that is early costs one 429 and its Retry-After.
                    let wait = keys
                        .first()
                        .and_then(|k| *lock(&self.bucket(k).window_start))
                        .map(|t| {
                            (t + self.rg_window() + RG_MARGIN)
                                .saturating_duration_since(Instant::now())
                        })
                        .map_or(header, |w| w.min(header));
                    self.hold(keys, wait.min(super::retry::MAX_SERVER_WAIT));
                }
            }
            Service::Graph | Service::Login | Service::Exchange | Service::Acr => {}
            // Power Platform and Dataverse send no remaining-quota headers
            // before their 429 (whose Retry-After the client honours).
            Service::Bap
            | Service::PowerApps
            | Service::Flow
            | Service::PowerPlatform
            | Service::Dataverse => {}
        }
    }

    /// A slot among the requests in flight to one host for one service. Keyed
    /// by service too, so one simulator port serving every service behaves
    /// like the separate real hosts.
    pub async fn permit(&self, service: Service, url: &str) -> Option<OwnedSemaphorePermit> {
        let n = self
            .per_host
            .unwrap_or_else(|| default_concurrency(service));
        let sem = lock(&self.hosts)
            .entry(host_key(service, url))
            .or_insert_with(|| Arc::new(Semaphore::new(n)))
            .clone();
        sem.acquire_owned().await.ok()
    }
}

/// The host a request counts against. Each registry is its own host
/// (`https://{loginServer}/acr/v1/...`); a proxy or the simulator serving
/// them all under `/acr/{loginServer}/` must count them apart too.
fn host_key(service: Service, url: &str) -> String {
    let origin = crate::auth::cloud::origin_of(url).unwrap_or_default();
    let mut key = format!("{}|{origin}", service.as_str());
    if service == Service::Acr {
        let path = url.get(origin.len()..).unwrap_or("");
        if let Some(server) = path
            .strip_prefix("/acr/")
            .and_then(|p| p.split('/').next())
            .filter(|s| s.contains('.'))
        {
            key.push('|');
            key.push_str(&server.to_ascii_lowercase());
        }
    }
    key
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registries_behind_one_origin_are_counted_as_their_own_hosts() {
        let a = host_key(
            Service::Acr,
            "http://127.0.0.1:9/acr/a.azurecr.io/acr/v1/_catalog",
        );
        let b = host_key(
            Service::Acr,
            "http://127.0.0.1:9/acr/b.azurecr.io/oauth2/token",
        );
        assert_ne!(a, b);
        // The real host form: `/acr/v1` is the API, not a registry.
        assert_eq!(
            host_key(Service::Acr, "https://a.azurecr.io/acr/v1/_catalog"),
            host_key(Service::Acr, "https://a.azurecr.io/acr/v1/x/_tags")
        );
        assert_ne!(
            host_key(Service::Arm, "http://127.0.0.1:9/arm/x"),
            host_key(Service::Graph, "http://127.0.0.1:9/graph/x")
        );
    }

    #[test]
    fn keys_per_service_tenant_and_subscription() {
        assert_eq!(keys(Service::Arm, "T", Some("S")), vec!["arm|t|s"]);
        assert_eq!(keys(Service::Arm, "T", None), vec!["arm|t"]);
        assert_eq!(
            keys(Service::ResourceGraph, "T", Some("S")),
            vec!["resource-graph|t"]
        );
    }

    /// The quota header rounds up to whole seconds; the hold ends when the
    /// window its first query opened closes, not a rounded second later.
    #[tokio::test]
    async fn resource_graph_holds_until_the_window_closes_not_the_rounded_header() {
        let p = Pacer::new(true, Limits::default(), Some(8));
        let k = keys(Service::ResourceGraph, "t", None);
        let before = Instant::now();
        for _ in 0..15 {
            p.admit(&k).await;
        }
        let opened = (*lock(&p.bucket(&k[0]).window_start)).expect("window");
        assert!(opened >= before);
        let mut h = HeaderMap::new();
        h.insert("x-ms-user-quota-remaining", "0".parse().unwrap());
        h.insert("x-ms-user-quota-resets-after", "00:00:06".parse().unwrap());
        p.observe(Service::ResourceGraph, &k, &h);
        let until = (*lock(&p.bucket(&k[0]).hold_until)).expect("a hold");
        let want = opened + Duration::from_secs(5) + RG_MARGIN;
        // `hold` re-adds the wait to its own clock reading: microseconds apart.
        let off = until.max(want) - until.min(want);
        assert!(off < Duration::from_millis(5), "{off:?}");
    }

    #[tokio::test]
    async fn resource_graph_bucket_admits_15_then_paces() {
        let p = Pacer::new(true, Limits::default(), Some(8));
        let k = keys(Service::ResourceGraph, "t", None);
        for _ in 0..15 {
            assert!(p.admit(&k).await < Duration::from_millis(10));
        }
        let waited = p.admit(&k).await;
        assert!(waited >= Duration::from_millis(300), "{waited:?}");
    }

    #[tokio::test]
    async fn quota_header_at_zero_holds_until_the_reset() {
        let p = Pacer::new(true, Limits::default(), Some(8));
        let k = keys(Service::ResourceGraph, "t", None);
        let mut h = HeaderMap::new();
        h.insert("x-ms-user-quota-remaining", "0".parse().unwrap());
        h.insert(
            "x-ms-user-quota-resets-after",
            "00:00:00.3".parse().unwrap(),
        );
        p.observe(Service::ResourceGraph, &k, &h);
        let waited = p.admit(&k).await;
        assert!(waited >= Duration::from_millis(290), "{waited:?}");
        // Another tenant is not held.
        let other = keys(Service::ResourceGraph, "u", None);
        assert!(p.admit(&other).await < Duration::from_millis(10));
    }

    #[tokio::test]
    async fn a_hold_is_never_shortened_and_pacing_off_skips_buckets() {
        let p = Pacer::new(false, Limits::default(), Some(8));
        let k = keys(Service::Graph, "t", None);
        p.hold(&k, Duration::from_millis(300));
        p.hold(&k, Duration::from_millis(100));
        assert!(p.admit(&k).await >= Duration::from_millis(290));
        for _ in 0..5000 {
            p.admit(&k).await;
        }
        assert!(p.admit(&k).await < Duration::from_millis(1));
    }
}
