//! Typed access to cmdlet properties, whichever form the output came in:
//! REST JSON (JSON booleans, GUIDs as strings), Windows PowerShell 5.1
//! ConvertTo-Json (`{"Guid": "..."}`, `"\/Date(ms)\/"`), Export-Csv (every
//! value a string, `True`/`False`, lists joined into one cell). A value that
//! is there but cannot be read is an error naming the item and property,
//! never a silent null.

use super::source::Item;
use crate::error::Result;
use crate::normalize::{at, canonical_datetime, canonical_guid, parse_bool, parse_i64};
use chrono::{DateTime, Utc};
use serde_json::Value;

const FIX_UNCHANGED: &str = "save the cmdlet output unchanged (see docs/raw-export.md)";
const FIX_ENUM: &str = "save enum properties as names: use the InvokeCommand REST output, Export-Csv, or PowerShell 7's ConvertTo-Json -EnumsAsStrings";

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

impl Item<'_> {
    /// A text property as returned; empty means absent.
    pub fn str(&self, key: &str) -> Result<Option<String>> {
        match at(self.value, key) {
            None => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(Value::Bool(b)) => Ok(Some(b.to_string())),
            Some(other) => Err(self.error(
                key,
                format!("{key} should be a single value, found {}", kind(other)),
                FIX_UNCHANGED,
            )),
        }
    }

    /// A text property, lower-case, for `*_lc` columns and keys.
    pub fn str_lc(&self, key: &str) -> Result<Option<String>> {
        Ok(self.str(key)?.map(|s| s.to_lowercase()))
    }

    /// An enum property: Windows PowerShell's ConvertTo-Json writes enums as
    /// their numbers, which rules comparing names would silently miss.
    pub fn enum_name(&self, key: &str) -> Result<Option<String>> {
        if let Some(Value::Number(n)) = at(self.value, key) {
            return Err(self.error(
                key,
                format!("{key} is the number {n}, not the name of the value"),
                FIX_ENUM,
            ));
        }
        self.str(key)
    }

    /// A boolean: `true`, `"True"` (Export-Csv), `1`.
    pub fn bool(&self, key: &str) -> Result<Option<bool>> {
        let bad = |v: &Value| {
            self.error(
                key,
                format!("{key} should be True or False, found {v}"),
                FIX_UNCHANGED,
            )
        };
        match at(self.value, key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(v @ Value::String(s)) => parse_bool(s).map(Some).ok_or_else(|| bad(v)),
            Some(v @ Value::Number(n)) => match n.as_i64() {
                Some(0) => Ok(Some(false)),
                Some(1) => Ok(Some(true)),
                _ => Err(bad(v)),
            },
            Some(v) => Err(bad(v)),
        }
    }

    /// A GUID, canonical; the zero GUID (Exchange's "none") is absent. Windows
    /// PowerShell 5.1 writes a typed GUID as `{"Guid": "..."}`.
    pub fn guid(&self, key: &str) -> Result<Option<String>> {
        let text = match at(self.value, key) {
            None => return Ok(None),
            Some(Value::String(s)) => s.as_str(),
            Some(v @ Value::Object(_)) => match at(v, "Guid") {
                Some(Value::String(s)) => s.as_str(),
                None => return Ok(None),
                Some(_) => return Err(self.not_a_guid(key, &v.to_string())),
            },
            Some(v) => return Err(self.not_a_guid(key, &v.to_string())),
        };
        parse_guid(text).ok_or_else(|| self.not_a_guid(key, &format!("{text:?}")))
    }

    fn not_a_guid(&self, key: &str, shown: &str) -> crate::error::Error {
        self.error(key, format!("{key} {shown} is not a GUID"), FIX_UNCHANGED)
    }

    /// A multi-valued property: a JSON list (elements as they are), or one
    /// string holding the values joined (Export-Csv after `-join ';'`), cut by `split`.
    pub fn list(&self, key: &str, split: fn(&str) -> Vec<String>) -> Result<Vec<String>> {
        match at(self.value, key) {
            None => Ok(Vec::new()),
            Some(Value::String(s)) => Ok(split(s)),
            Some(Value::Array(a)) => {
                let mut out = Vec::with_capacity(a.len());
                for (i, v) in a.iter().enumerate() {
                    match v {
                        Value::Null => {}
                        Value::String(s) if s.trim().is_empty() => {}
                        Value::String(s) => out.push(s.trim().to_string()),
                        Value::Number(n) => out.push(n.to_string()),
                        other => {
                            return Err(self.error(
                                key,
                                format!(
                                    "{key} element {} should be text, found {}",
                                    i + 1,
                                    kind(other)
                                ),
                                FIX_UNCHANGED,
                            ))
                        }
                    }
                }
                Ok(out)
            }
            Some(other) => Err(self.error(
                key,
                format!("{key} should be a list, found {}", kind(other)),
                FIX_UNCHANGED,
            )),
        }
    }

    /// A flags enum (`MailboxMoveCapability`) as comma-joined names,
    /// `Inbound, RemoteOutbound`, whether it came as a list or a string.
    pub fn flags(&self, key: &str) -> Result<Option<String>> {
        if let Some(Value::Number(_)) = at(self.value, key) {
            return self.enum_name(key);
        }
        let names = self.list(key, split_flags)?;
        Ok((!names.is_empty()).then(|| names.join(", ")))
    }

    /// Number of `MailboxLocations` entries of type auxArchive. Each entry
    /// (`1;{guid};AuxArchive;{forest};{database}`) names its type once, so a
    /// joined CSV cell is counted by occurrences.
    pub fn aux_archive_count(&self, key: &str) -> Result<i64> {
        const AUX: &str = "auxarchive";
        match at(self.value, key) {
            None => Ok(0),
            Some(Value::String(s)) => Ok(s.to_lowercase().matches(AUX).count() as i64),
            Some(Value::Array(a)) => Ok(a
                .iter()
                .filter_map(Value::as_str)
                .filter(|e| e.to_lowercase().contains(AUX))
                .count() as i64),
            Some(other) => Err(self.error(
                key,
                format!("{key} should be a list, found {}", kind(other)),
                FIX_UNCHANGED,
            )),
        }
    }

    /// A quota as Exchange prints it (`30 GB (32,212,254,720 bytes)`,
    /// `Unlimited`); typed `Unlimited<ByteQuantifiedSize>` objects are accepted.
    pub fn quota(&self, key: &str) -> Result<Option<String>> {
        match at(self.value, key) {
            Some(v @ Value::Object(_)) => {
                if matches!(at(v, "IsUnlimited"), Some(Value::Bool(true))) {
                    return Ok(Some("Unlimited".to_string()));
                }
                match at(v, "Value") {
                    Some(Value::String(s)) => Ok(Some(s.clone())),
                    _ => Err(self.error(
                        key,
                        format!("{key} should be a size such as \"30 GB (32,212,254,720 bytes)\", found {v}"),
                        FIX_UNCHANGED,
                    )),
                }
            }
            _ => self.str(key),
        }
    }

    /// A size as Exchange prints it (`30 GB (32,212,254,720 bytes)`,
    /// `Unlimited`): the text, and the bytes when it is not Unlimited.
    pub fn size(&self, key: &str) -> Result<(Option<String>, Option<i64>)> {
        let Some(text) = self.quota(key)? else {
            return Ok((None, None));
        };
        if text.trim().eq_ignore_ascii_case("unlimited") {
            return Ok((Some(text), None));
        }
        match size_bytes(&text) {
            Some(b) => Ok((Some(text), Some(b))),
            None => Err(self.error(
                key,
                format!("{key} {text:?} is not a size such as \"30 GB (32,212,254,720 bytes)\""),
                FIX_UNCHANGED,
            )),
        }
    }

    /// A count that may be `Unlimited` (absent here, as there is no number for it).
    pub fn count_or_unlimited(&self, key: &str) -> Result<Option<i64>> {
        let bad = |v: &Value| {
            self.error(
                key,
                format!("{key} should be a whole number or Unlimited, found {v}"),
                FIX_UNCHANGED,
            )
        };
        let v = match at(self.value, key) {
            None => return Ok(None),
            Some(v @ Value::Object(_)) => {
                if matches!(at(v, "IsUnlimited"), Some(Value::Bool(true))) {
                    return Ok(None);
                }
                at(v, "Value").ok_or_else(|| bad(v))?
            }
            Some(v) => v,
        };
        match v {
            Value::Number(n) => n.as_i64().map(Some).ok_or_else(|| bad(v)),
            Value::String(s)
                if s.trim().is_empty() || s.trim().eq_ignore_ascii_case("unlimited") =>
            {
                Ok(None)
            }
            Value::String(s) => parse_i64(s).map(Some).ok_or_else(|| bad(v)),
            _ => Err(bad(v)),
        }
    }
}

/// Bytes of a size: the `(N bytes)` part Exchange appends (digit grouping of
/// any culture), a bare number, or `<number> <unit>` with binary units (what
/// people type into a CSV).
pub fn size_bytes(text: &str) -> Option<i64> {
    let t = text.trim();
    let digits = |s: &str| -> Option<i64> {
        let d: String = s
            .chars()
            .filter(|c| !matches!(c, ',' | '.' | ' ' | '\u{a0}' | '\''))
            .collect();
        (!d.is_empty() && d.chars().all(|c| c.is_ascii_digit()))
            .then(|| d.parse().ok())
            .flatten()
    };
    if let Some(open) = t.rfind('(') {
        let inner = t[open + 1..].trim_end_matches(')').trim();
        let n = inner
            .strip_suffix("bytes")
            .or_else(|| inner.strip_suffix("byte"))?;
        return digits(n);
    }
    if let Some(n) = digits(t) {
        return Some(n);
    }
    let (num, unit) = t.split_once(char::is_whitespace)?;
    let factor: f64 = match unit.trim().to_ascii_uppercase().as_str() {
        "B" => 1.0,
        "KB" => 1024.0,
        "MB" => 1024.0 * 1024.0,
        "GB" => 1024.0 * 1024.0 * 1024.0,
        "TB" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    let n: f64 = num.replace(',', ".").parse().ok()?;
    (n >= 0.0).then(|| (n * factor).round() as i64)
}

/// A GUID in any spelling, canonical; `Some(None)` for empty or zero, `None`
/// when the text is not a GUID.
pub fn parse_guid(text: &str) -> Option<Option<String>> {
    let t = text.trim();
    if t.is_empty() {
        return Some(None);
    }
    if let Some(g) = canonical_guid(t) {
        return Some(Some(g));
    }
    let hex: String = t
        .trim_start_matches('{')
        .trim_end_matches('}')
        .chars()
        .filter(|c| *c != '-')
        .collect();
    (hex.len() == 32 && hex.chars().all(|c| c == '0')).then_some(None)
}

/// A date-time as RFC 3339 UTC: ISO strings (REST), Windows PowerShell 5.1's
/// `/Date(1700000000000)/` (optionally with a `+0100` offset, which does not
/// change the instant), and its `{"value": "/Date(...)/", "DateTime": ...}`
/// wrapping of a PSObject date. No Exchange column holds a date yet; this is
/// here so the first one reads all three forms.
pub fn ps_datetime(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => json_date(s).or_else(|| canonical_datetime(s)),
        Value::Object(_) => at(v, "value").and_then(ps_datetime),
        _ => None,
    }
}

fn json_date(s: &str) -> Option<String> {
    let inner = s.trim().strip_prefix("/Date(")?.strip_suffix(")/")?;
    let end = inner
        .char_indices()
        .skip(1)
        .find(|(_, c)| *c == '+' || *c == '-')
        .map(|(i, _)| i)
        .unwrap_or(inner.len());
    let ms: i64 = inner[..end].parse().ok()?;
    let dt: DateTime<Utc> = DateTime::from_timestamp_millis(ms)?;
    Some(dt.format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

/// Splits a joined `EmailAddresses` cell. Addresses are separated by `;` or
/// white space, but both also occur inside addresses (X500 DNs have spaces,
/// X400 and EUM addresses have semicolons), so a separator only counts when
/// a `prefix:` follows it.
pub fn split_proxy_addresses(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in s.char_indices() {
        if (c == ';' || c.is_whitespace()) && starts_with_prefix(&s[i + c.len_utf8()..]) {
            push_address(&mut out, &s[start..i]);
            start = i + c.len_utf8();
        }
    }
    push_address(&mut out, &s[start..]);
    out
}

fn push_address(out: &mut Vec<String>, piece: &str) {
    let mut t = piece.trim();
    // X400 addresses end with `;` themselves; for others it is a joiner left over.
    if !t.to_ascii_lowercase().starts_with("x400:") {
        t = t.trim_end_matches(';').trim_end();
    }
    if !t.is_empty() {
        out.push(t.to_string());
    }
}

fn starts_with_prefix(s: &str) -> bool {
    let n = s.chars().take_while(|c| c.is_ascii_alphanumeric()).count();
    (1..=16).contains(&n) && s[n..].starts_with(':')
}

/// Values without spaces (holds, capabilities, domains): any of `;`, `,` or white space.
pub fn split_words(s: &str) -> Vec<String> {
    crate::normalize::split_list(s, &[';', ',', ' ', '\t', '\r', '\n'])
}

/// Values that may contain spaces and commas (group names, DNs): `;` only.
pub fn split_semicolons(s: &str) -> Vec<String> {
    crate::normalize::split_list(s, &[';'])
}

/// Flag names (`Inbound, RemoteOutbound`): `,` as .NET prints flags, or `;`.
pub fn split_flags(s: &str) -> Vec<String> {
    crate::normalize::split_list(s, &[',', ';'])
}

/// One `EmailAddresses` entry taken apart.
#[derive(Debug, Clone, PartialEq)]
pub struct Proxy {
    pub prefix: String,
    pub value_lc: String,
    pub is_primary: bool,
    pub domain: Option<String>,
}

/// `None` when the entry has no `prefix:`.
pub fn proxy(address: &str) -> Option<Proxy> {
    let (prefix, value) = address.split_once(':')?;
    if prefix.is_empty() || !prefix.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let prefix_lc = prefix.to_ascii_lowercase();
    let value_lc = value.trim().to_lowercase();
    let domain = (prefix_lc == "smtp")
        .then(|| value_lc.rsplit_once('@').map(|(_, d)| d.to_string()))
        .flatten()
        .filter(|d| !d.is_empty());
    Some(Proxy {
        is_primary: prefix == "SMTP",
        prefix: prefix_lc,
        value_lc,
        domain,
    })
}
