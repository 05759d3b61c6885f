//! When to retry and how long to wait: `Retry-After` in its three forms, the
//! Resource Graph reset header, and exponential backoff with full jitter.

use rand::Rng;
use reqwest::header::HeaderMap;
use std::time::{Duration, SystemTime};

/// Longest wait we accept from a server before retrying (ARM has sent 1200 s).
pub const MAX_SERVER_WAIT: Duration = Duration::from_secs(20 * 60);

/// Statuses worth another attempt: throttling, timeouts and transient server faults.
pub fn retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429) || (500..600).contains(&status) && !matches!(status, 501 | 505)
}

/// `Retry-After`: integer seconds, fractional seconds, or an HTTP date.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Some(Duration::from_secs_f64(
                secs.min(MAX_SERVER_WAIT.as_secs_f64()),
            ));
        }
        return None;
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// `x-ms-user-quota-resets-after`: `hh:mm:ss` (Resource Graph).
pub fn parse_hms(value: &str) -> Option<Duration> {
    let mut parts = value.trim().split(':');
    let h: u64 = parts.next()?.trim().parse().ok()?;
    let m: u64 = parts.next()?.trim().parse().ok()?;
    let s: f64 = parts.next()?.trim().parse().ok()?;
    if parts.next().is_some() || m >= 60 || !(0.0..61.0).contains(&s) {
        return None;
    }
    Some(Duration::from_secs(h * 3600 + m * 60) + Duration::from_secs_f64(s))
}

/// The wait a response asks for: `Retry-After` (or ARM's `x-ms-retry-after-ms`),
/// else, when Resource Graph says the quota is spent, its reset time.
pub fn server_wait(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(ms) = get("x-ms-retry-after-ms").and_then(|v| v.trim().parse::<f64>().ok()) {
        if ms.is_finite() && ms >= 0.0 {
            return Some(Duration::from_secs_f64(ms / 1000.0).min(MAX_SERVER_WAIT));
        }
    }
    if let Some(d) = get("retry-after").and_then(|v| parse_retry_after(v, now)) {
        return Some(d.min(MAX_SERVER_WAIT));
    }
    if get("x-ms-user-quota-remaining").and_then(|v| v.trim().parse::<i64>().ok()) == Some(0) {
        return get("x-ms-user-quota-resets-after")
            .and_then(parse_hms)
            .map(|d| d.min(MAX_SERVER_WAIT));
    }
    None
}

/// Full-jitter exponential backoff: uniform in `[0, min(max, base * 2^attempt)]`
/// (attempt counts from 0), so a herd of clients retrying together spreads out.
pub fn backoff(attempt: u32, base: Duration, max: Duration, rng: &mut impl Rng) -> Duration {
    let cap = base
        .checked_mul(1u32.checked_shl(attempt.min(31)).unwrap_or(u32::MAX))
        .unwrap_or(max)
        .min(max);
    if cap.is_zero() {
        return Duration::ZERO;
    }
    Duration::from_secs_f64(rng.random_range(0.0..=cap.as_secs_f64()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn retry_after_in_every_form() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after(" 0.25 ", now),
            Some(Duration::from_millis(250))
        );
        let date = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(parse_retry_after(&date, now), Some(Duration::from_secs(30)));
        // A date in the past means "now".
        let past = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(parse_retry_after(&past, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("99999999", now), Some(MAX_SERVER_WAIT));
    }

    #[test]
    fn resource_graph_reset_header() {
        assert_eq!(parse_hms("00:00:03"), Some(Duration::from_secs(3)));
        assert_eq!(parse_hms("01:02:03"), Some(Duration::from_secs(3723)));
        assert_eq!(parse_hms("00:00:01.5"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_hms("3"), None);
        assert_eq!(parse_hms("00:99:00"), None);

        let mut h = HeaderMap::new();
        h.insert("x-ms-user-quota-remaining", "0".parse().unwrap());
        h.insert("x-ms-user-quota-resets-after", "00:00:04".parse().unwrap());
        assert_eq!(
            server_wait(&h, SystemTime::now()),
            Some(Duration::from_secs(4))
        );
        h.insert("x-ms-user-quota-remaining", "3".parse().unwrap());
        assert_eq!(server_wait(&h, SystemTime::now()), None);
        h.insert("retry-after", "2".parse().unwrap());
        assert_eq!(
            server_wait(&h, SystemTime::now()),
            Some(Duration::from_secs(2))
        );
        h.insert("x-ms-retry-after-ms", "150".parse().unwrap());
        assert_eq!(
            server_wait(&h, SystemTime::now()),
            Some(Duration::from_millis(150))
        );
    }

    #[test]
    fn backoff_stays_within_its_bounds_and_grows() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let base = Duration::from_millis(100);
        let max = Duration::from_secs(5);
        for attempt in 0..40 {
            let cap = (base * 2u32.saturating_pow(attempt.min(20))).min(max);
            for _ in 0..50 {
                let d = backoff(attempt, base, max, &mut rng);
                assert!(d <= cap, "attempt {attempt}: {d:?} > {cap:?}");
            }
        }
        // Full jitter: over many draws at a high attempt the mean is near max/2.
        let mean: f64 = (0..2000)
            .map(|_| backoff(10, base, max, &mut rng).as_secs_f64())
            .sum::<f64>()
            / 2000.0;
        assert!((2.0..3.0).contains(&mean), "{mean}");
        assert_eq!(backoff(3, Duration::ZERO, max, &mut rng), Duration::ZERO);
    }

    #[test]
    fn which_statuses_are_retried() {
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(retryable_status(s), "{s}");
        }
        for s in [200, 400, 401, 403, 404, 409, 501, 505] {
            assert!(!retryable_status(s), "{s}");
        }
    }
}
