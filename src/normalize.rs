//! Normalisation applied once, at parse time, so rules never have to: the
//! services return ids, regions, GUIDs, dates, booleans and numbers in many
//! spellings (see `docs/raw-export.md` and the wire facts it cites).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::Value;

/// Canonical ARM id: leading `/`, lower-case, no trailing `/`, no doubled `/`.
/// ARM compares names case-insensitively and returns ids in mixed case
/// (`resourcegroups` vs `resourceGroups`, `/Subscriptions/`), sometimes without
/// the leading slash.
pub fn canonical_id(id: &str) -> String {
    let mut out = String::with_capacity(id.len() + 1);
    for seg in id.trim().split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        out.push_str(&seg.to_lowercase());
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// Canonical region name: `West Europe`, `westeurope`, `WestEurope` all become
/// `westeurope`.
pub fn canonical_region(region: &str) -> String {
    region
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Canonical GUID: lower-case, hyphenated, braces stripped. The all-zero GUID
/// (Exchange's "no archive") becomes `None`, as does anything that is not a GUID.
pub fn canonical_guid(s: &str) -> Option<String> {
    let t = s.trim().trim_start_matches('{').trim_end_matches('}');
    let hex: String = t.chars().filter(|c| *c != '-').collect();
    if hex.len() != 32 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    if hex.chars().all(|c| c == '0') {
        return None;
    }
    let h = hex.to_lowercase();
    Some(format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    ))
}

/// Whether a string is a GUID (zero GUID included).
pub fn is_guid(s: &str) -> bool {
    let t = s.trim();
    t.len() == 36
        && t.chars().enumerate().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// Timestamps as RFC 3339 UTC with second precision, so they sort and compare
/// as strings. Accepts 0–7 (or more) fraction digits, `Z` or an offset, no zone
/// (taken as UTC), a bare date, and the `M/d/yyyy h:mm:ss tt` form that
/// PowerShell's Export-Csv writes on en-US machines. The `0001-01-01` sentinel
/// ("never") becomes `None`.
pub fn canonical_datetime(s: &str) -> Option<String> {
    let t = s.trim();
    if t.is_empty() || t.starts_with("0001-01-01") {
        return None;
    }
    let utc: Option<DateTime<Utc>> = DateTime::parse_from_rfc3339(t)
        .map(|d| d.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            // Offsets without a colon (`+0000`) and space-separated forms.
            DateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f%z")
                .map(|d| d.with_timezone(&Utc))
                .ok()
        })
        .or_else(|| {
            [
                "%Y-%m-%dT%H:%M:%S%.f",
                "%Y-%m-%d %H:%M:%S%.f",
                "%m/%d/%Y %I:%M:%S %p",
                "%m/%d/%Y %H:%M:%S",
            ]
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok())
            .map(|n| n.and_utc())
        })
        .or_else(|| {
            NaiveDate::parse_from_str(t, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|n| n.and_utc())
        });
    utc.map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

/// The value at a dotted path, looking keys up exactly first and then
/// case-insensitively (payloads carry keys such as `LastOwnershipUpdateTime`).
pub fn at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = v;
    for key in path.split('.') {
        let obj = cur.as_object()?;
        cur = match obj.get(key) {
            Some(x) => x,
            None => obj
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, x)| x)?,
        };
    }
    if cur.is_null() {
        None
    } else {
        Some(cur)
    }
}

/// A string field; numbers and booleans are rendered, empty strings are `None`.
pub fn str_at(v: &Value, path: &str) -> Option<String> {
    match at(v, path)? {
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A boolean that may arrive as `true`, `"True"`, `"true"`, `1` or `"1"`.
pub fn bool_at(v: &Value, path: &str) -> Option<bool> {
    match at(v, path)? {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_i64().map(|i| i != 0),
        Value::String(s) => parse_bool(s),
        _ => None,
    }
}

pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "$true" => Some(true),
        "false" | "0" | "no" | "$false" => Some(false),
        _ => None,
    }
}

/// A 64-bit integer that may arrive as a number, a float with no fraction, or
/// a string (`"108"`).
pub fn i64_at(v: &Value, path: &str) -> Option<i64> {
    match at(v, path)? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => parse_i64(s),
        _ => None,
    }
}

pub fn parse_i64(s: &str) -> Option<i64> {
    let t = s.trim();
    t.parse::<i64>().ok().or_else(|| {
        t.parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(|f| f as i64)
    })
}

pub fn f64_at(v: &Value, path: &str) -> Option<f64> {
    match at(v, path)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// An array field; a missing or null field is an empty list, and a single
/// value where a list was expected is a list of one.
pub fn arr_at<'a>(v: &'a Value, path: &str) -> Vec<&'a Value> {
    match at(v, path) {
        Some(Value::Array(a)) => a.iter().filter(|x| !x.is_null()).collect(),
        Some(other) => vec![other],
        None => Vec::new(),
    }
}

/// A list of strings from an array field, or from a single string holding a
/// list separated by `sep` (Export-Csv output, organisation capabilities).
pub fn strings_at(v: &Value, path: &str, sep: &[char]) -> Vec<String> {
    match at(v, path) {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| match x {
                Value::String(s) => Some(s.trim().to_string()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .filter(|s| !s.is_empty())
            .collect(),
        Some(Value::String(s)) => split_list(s, sep),
        _ => Vec::new(),
    }
}

pub fn split_list(s: &str, sep: &[char]) -> Vec<String> {
    s.split(|c| sep.contains(&c))
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// Enum values compared case-insensitively are stored in one spelling.
pub fn lower(s: Option<String>) -> Option<String> {
    s.map(|x| x.to_lowercase())
}

/// The subscription GUID and resource group name of a canonical id.
pub fn id_parts(canonical: &str) -> (Option<String>, Option<String>) {
    let segs: Vec<&str> = canonical.split('/').filter(|s| !s.is_empty()).collect();
    let mut sub = None;
    let mut rg = None;
    let mut i = 0;
    while i + 1 < segs.len() {
        match segs[i] {
            "subscriptions" if sub.is_none() => sub = Some(segs[i + 1].to_string()),
            "resourcegroups" if rg.is_none() => rg = Some(segs[i + 1].to_string()),
            _ => {}
        }
        i += 2;
    }
    (sub, rg)
}

/// Whether `scope` is `resource` or one of its ancestors (segment-aware,
/// canonical ids only). The root scope `/` contains everything.
pub fn scope_contains(scope: &str, resource: &str) -> bool {
    if scope == "/" {
        return true;
    }
    resource == scope
        || (resource.len() > scope.len()
            && resource.starts_with(scope)
            && resource.as_bytes()[scope.len()] == b'/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_canonical_whatever_the_spelling() {
        let a = canonical_id(
            "/subscriptions/AB/resourceGroups/RG1/providers/Microsoft.Compute/disks/D1",
        );
        let b = canonical_id(
            "subscriptions/ab/resourcegroups/rg1/providers/microsoft.compute/disks/d1/",
        );
        let c = canonical_id(
            "/Subscriptions/ab//ResourceGroups/rg1/Providers/Microsoft.Compute/Disks/D1",
        );
        assert_eq!(
            a,
            "/subscriptions/ab/resourcegroups/rg1/providers/microsoft.compute/disks/d1"
        );
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(canonical_id(""), "/");
    }

    #[test]
    fn regions_display_and_canonical_agree() {
        assert_eq!(canonical_region("West US 2"), "westus2");
        assert_eq!(canonical_region("westus2"), "westus2");
        assert_eq!(canonical_region("North Europe"), "northeurope");
    }

    #[test]
    fn guids_lowercase_and_zero_is_none() {
        assert_eq!(
            canonical_guid("{9E8F0A1B-2C3D-4E5F-8A9B-0C1D2E3F4A5B}").as_deref(),
            Some("9e8f0a1b-2c3d-4e5f-8a9b-0c1d2e3f4a5b")
        );
        assert_eq!(canonical_guid("00000000-0000-0000-0000-000000000000"), None);
        assert_eq!(canonical_guid("not-a-guid"), None);
    }

    #[test]
    fn datetimes_with_any_fraction_and_zone() {
        let cases = [
            (
                "2016-12-28T04:41:35.079872+00:00",
                Some("2016-12-28T04:41:35Z"),
            ),
            ("2021-06-15T21:38:26.1537861Z", Some("2021-06-15T21:38:26Z")),
            ("2021-06-17T16:41:33Z", Some("2021-06-17T16:41:33Z")),
            ("2020-08-18T12:51:51", Some("2020-08-18T12:51:51Z")),
            ("2020-08-18T14:51:51+02:00", Some("2020-08-18T12:51:51Z")),
            ("2026-03-01", Some("2026-03-01T00:00:00Z")),
            ("11/26/2026 5:04:03 PM", Some("2026-11-26T17:04:03Z")),
            ("0001-01-01T00:00:00Z", None),
            ("", None),
            ("garbage", None),
        ];
        for (input, want) in cases {
            assert_eq!(canonical_datetime(input).as_deref(), want, "input {input}");
        }
    }

    #[test]
    fn lenient_scalars() {
        let v: Value = serde_json::json!({
            "a": {"B": "108", "c": null, "d": "True", "e": 1392.68, "f": ""},
            "LastOwnershipUpdateTime": "x"
        });
        assert_eq!(i64_at(&v, "a.b"), Some(108));
        assert_eq!(str_at(&v, "a.c"), None);
        assert_eq!(bool_at(&v, "a.d"), Some(true));
        assert_eq!(f64_at(&v, "a.e"), Some(1392.68));
        assert_eq!(str_at(&v, "a.f"), None);
        assert_eq!(str_at(&v, "lastOwnershipUpdateTime").as_deref(), Some("x"));
        assert!(arr_at(&v, "missing").is_empty());
    }

    #[test]
    fn scopes_are_segment_aware() {
        assert!(scope_contains(
            "/subscriptions/a",
            "/subscriptions/a/resourcegroups/r"
        ));
        assert!(!scope_contains("/subscriptions/a", "/subscriptions/ab"));
        assert!(scope_contains("/", "/subscriptions/a"));
        assert_eq!(
            id_parts("/subscriptions/s1/resourcegroups/rg/providers/x/y/z"),
            (Some("s1".into()), Some("rg".into()))
        );
    }
}
