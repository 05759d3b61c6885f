//! Injected faults: `--faults 429=5%,503=2%,reset=1%,truncate=0.5%` with a seed.
//!
//! Whether a request faults is decided by a keyed hash of (seed, method,
//! path and query, body, how many times this exact request was seen), not by
//! one shared random stream: the same seed then injects the same faults into
//! the same requests whatever order concurrent clients send them in, and a
//! retry of a faulted request draws afresh, so a finite fault rate always
//! lets a retrying client through.

use crate::error::{Error, Location, Result};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 429 with `Retry-After` and the service's throttling body.
    TooMany,
    /// 500 with the service's internal error body.
    Internal,
    /// 503 with `Retry-After` and the service's unavailable body.
    Unavailable,
    /// The connection is closed without a response.
    Reset,
    /// A 200 whose body is cut short (the JSON does not parse).
    Truncate,
}

impl Fault {
    pub fn name(self) -> &'static str {
        match self {
            Fault::TooMany => "429",
            Fault::Internal => "500",
            Fault::Unavailable => "503",
            Fault::Reset => "reset",
            Fault::Truncate => "truncate",
        }
    }
}

const KINDS: &str = "429, 500, 503, reset, truncate";

/// Fault kinds with their probabilities (0..=1), in the order given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultSpec(pub Vec<(Fault, f64)>);

impl FaultSpec {
    /// Parses `KIND=PERCENT%,...`; an empty string means no faults.
    pub fn parse(spec: &str) -> Result<FaultSpec> {
        let bad = |part: usize, text: &str, what: String| {
            Error::input(
                Location::file("--faults"),
                format!("part {part} ('{text}'): {what}"),
                format!("write KIND=PERCENT% parts separated by commas, e.g. 429=5%,503=2%,reset=1%,truncate=0.5%; kinds: {KINDS}; the percentages add up to at most 100%"),
            )
        };
        let mut out = Vec::new();
        let mut total = 0.0;
        for (i, raw) in spec.split(',').enumerate() {
            let text = raw.trim();
            if text.is_empty() {
                if spec.trim().is_empty() {
                    break;
                }
                return Err(bad(i + 1, text, "empty part".into()));
            }
            let Some((kind, pct)) = text.split_once('=') else {
                return Err(bad(
                    i + 1,
                    text,
                    "missing '=' between kind and percentage".into(),
                ));
            };
            let fault = match kind.trim().to_ascii_lowercase().as_str() {
                "429" => Fault::TooMany,
                "500" => Fault::Internal,
                "503" => Fault::Unavailable,
                "reset" => Fault::Reset,
                "truncate" => Fault::Truncate,
                other => return Err(bad(i + 1, text, format!("unknown kind '{other}'"))),
            };
            if out.iter().any(|(f, _)| *f == fault) {
                return Err(bad(
                    i + 1,
                    text,
                    format!("'{}' is given twice", fault.name()),
                ));
            }
            let Some(num) = pct.trim().strip_suffix('%') else {
                return Err(bad(
                    i + 1,
                    text,
                    format!("'{}' must end with %", pct.trim()),
                ));
            };
            let p: f64 = num
                .trim()
                .parse()
                .ok()
                .filter(|p: &f64| p.is_finite() && (0.0..=100.0).contains(p))
                .ok_or_else(|| {
                    bad(
                        i + 1,
                        text,
                        format!("'{}' is not a percentage from 0 to 100", num.trim()),
                    )
                })?;
            total += p;
            if total > 100.0 + 1e-9 {
                return Err(bad(
                    i + 1,
                    text,
                    format!("the percentages add up to {total}%, over 100%"),
                ));
            }
            out.push((fault, p / 100.0));
        }
        Ok(FaultSpec(out))
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|(_, p)| *p <= 0.0)
    }
}

/// Draws faults for requests.
pub struct Faults {
    spec: FaultSpec,
    seed: u64,
    seen: Mutex<HashMap<[u8; 32], u64>>,
}

impl Faults {
    pub fn new(spec: FaultSpec, seed: u64) -> Self {
        Faults {
            spec,
            seed,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// The fault for this request, if any.
    pub fn draw(&self, method: &str, path_and_query: &str, body: &[u8]) -> Option<Fault> {
        if self.spec.is_empty() {
            return None;
        }
        let key: [u8; 32] = Sha256::new()
            .chain_update(method.as_bytes())
            .chain_update([0])
            .chain_update(path_and_query.as_bytes())
            .chain_update([0])
            .chain_update(body)
            .finalize()
            .into();
        let n = {
            let mut seen = self.seen.lock().ok()?;
            let n = seen.entry(key).or_insert(0);
            *n += 1;
            *n
        };
        let h = Sha256::new()
            .chain_update(self.seed.to_le_bytes())
            .chain_update(key)
            .chain_update(n.to_le_bytes())
            .finalize();
        let mut b = [0u8; 8];
        b.copy_from_slice(&h[..8]);
        // 53 random bits -> a uniform number in [0, 1).
        let u = (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64;
        let mut acc = 0.0;
        for (fault, p) in &self.spec.0 {
            acc += p;
            if u < acc {
                return Some(*fault);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_example() {
        let s = FaultSpec::parse("429=5%,503=2%,reset=1%,truncate=0.5%").expect("spec");
        assert_eq!(
            s.0,
            vec![
                (Fault::TooMany, 0.05),
                (Fault::Unavailable, 0.02),
                (Fault::Reset, 0.01),
                (Fault::Truncate, 0.005)
            ]
        );
        assert!(FaultSpec::parse("").expect("empty").is_empty());
    }

    #[test]
    fn bad_specs_say_which_part_and_what_is_allowed() {
        for (spec, part, what) in [
            ("429=5%,404=1%", "part 2 ('404=1%')", "unknown kind '404'"),
            ("429=5", "part 1 ('429=5')", "must end with %"),
            ("reset", "part 1 ('reset')", "missing '='"),
            ("503=abc%", "part 1 ('503=abc%')", "not a percentage"),
            ("429=60%,503=50%", "part 2", "over 100%"),
            ("429=1%,,503=1%", "part 2", "empty part"),
            ("429=1%,429=2%", "part 2", "given twice"),
        ] {
            let e = FaultSpec::parse(spec).expect_err(spec).to_string();
            assert!(e.contains(part) && e.contains(what), "{spec}: {e}");
            assert!(e.contains("429, 500, 503, reset, truncate"), "{e}");
        }
    }

    #[test]
    fn same_seed_same_faults_whatever_the_order() {
        let spec = FaultSpec::parse("429=30%,reset=20%").expect("spec");
        let paths: Vec<String> = (0..200).map(|i| format!("/arm/x?i={i}")).collect();
        let a = Faults::new(spec.clone(), 7);
        let fa: Vec<_> = paths.iter().map(|p| a.draw("GET", p, b"")).collect();
        let b = Faults::new(spec.clone(), 7);
        let mut fb: Vec<_> = paths.iter().rev().map(|p| b.draw("GET", p, b"")).collect();
        fb.reverse();
        assert_eq!(fa, fb);
        let hits = fa.iter().filter(|f| f.is_some()).count();
        assert!((60..140).contains(&hits), "{hits} of 200 at 50%");
        let c = Faults::new(spec, 8);
        let fc: Vec<_> = paths.iter().map(|p| c.draw("GET", p, b"")).collect();
        assert_ne!(fa, fc);
    }

    #[test]
    fn a_retry_draws_again() {
        let f = Faults::new(FaultSpec::parse("503=50%").expect("spec"), 1);
        let draws: Vec<_> = (0..64).map(|_| f.draw("GET", "/same", b"")).collect();
        assert!(draws.iter().any(Option::is_none) && draws.iter().any(Option::is_some));
    }
}
