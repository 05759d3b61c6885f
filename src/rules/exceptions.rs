//! The exceptions file, owned by the customer: accepted findings with a reason,
//! an owner and an expiry. Excepted findings keep their status and are marked;
//! expired entries stop applying; entries that matched nothing are reported;
//! unknown rule ids are errors (never silently ignored).

use crate::config::{line_col, toml_error};
use crate::error::{Error, InputError, Location, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    exception: Vec<RawEntry>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    rule: toml::Spanned<String>,
    objects: Vec<String>,
    reason: String,
    #[serde(default)]
    owner: Option<String>,
    #[serde(default)]
    ticket: Option<String>,
    #[serde(default)]
    expires: Option<toml::Spanned<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exception {
    /// `EXC-<n>`: position in the file, for reports.
    pub id: String,
    pub rule: String,
    pub objects: Vec<String>,
    pub reason: String,
    pub owner: Option<String>,
    pub ticket: Option<String>,
    /// `YYYY-MM-DD`; the entry applies up to and including that day.
    pub expires: Option<String>,
    pub line: usize,
}

impl Exception {
    pub fn matches(&self, rule_id: &str, object_id: &str, object_name: &str) -> bool {
        self.rule.eq_ignore_ascii_case(rule_id)
            && self.objects.iter().any(|o| {
                o == "*" || o.eq_ignore_ascii_case(object_id) || o.eq_ignore_ascii_case(object_name)
            })
    }

    pub fn expired(&self, today: &str) -> bool {
        self.expires.as_deref().is_some_and(|e| e < today)
    }
}

/// Reads and checks an exceptions file against the known rule ids.
pub fn load(path: &Path, known_rule: impl Fn(&str) -> bool) -> Result<Vec<Exception>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    parse(&text, path, known_rule)
}

pub fn parse(text: &str, path: &Path, known_rule: impl Fn(&str) -> bool) -> Result<Vec<Exception>> {
    let file: File = toml::from_str(text).map_err(|e| {
        toml_error(
            path,
            text,
            &e,
            "see docs/exceptions.md for the fields of an exception",
        )
    })?;
    let mut out = Vec::new();
    let mut errs = Vec::new();
    for (i, e) in file.exception.into_iter().enumerate() {
        let (line, col) = line_col(text, e.rule.span().start);
        let at = Location::at(path, line, Some(col));
        let rule = e.rule.into_inner();
        if !known_rule(&rule) {
            errs.push(InputError {
                location: at.clone(),
                message: format!("exception for unknown rule id {rule:?}"),
                fix: Some("check the id with `xtenant rules list`".into()),
            });
        }
        if e.reason.trim().is_empty() {
            errs.push(InputError {
                location: at.clone(),
                message: format!("exception for {rule} has an empty reason"),
                fix: Some("say why the finding is accepted".into()),
            });
        }
        if e.objects.is_empty() {
            errs.push(InputError {
                location: at.clone(),
                message: format!("exception for {rule} names no objects"),
                fix: Some("list object ids or names, or \"*\" for every object".into()),
            });
        }
        let expires = match e.expires {
            None => None,
            Some(s) => {
                let (l, c) = line_col(text, s.span().start);
                let v = s.into_inner();
                if chrono::NaiveDate::parse_from_str(&v, "%Y-%m-%d").is_err() {
                    errs.push(InputError {
                        location: Location::at(path, l, Some(c)),
                        message: format!("expires {v:?} is not a date"),
                        fix: Some("write it as YYYY-MM-DD".into()),
                    });
                }
                Some(v)
            }
        };
        out.push(Exception {
            id: format!("EXC-{}", i + 1),
            rule,
            objects: e.objects,
            reason: e.reason,
            owner: e.owner,
            ticket: e.ticket,
            expires,
            line,
        });
    }
    if errs.is_empty() {
        Ok(out)
    } else {
        Err(Error::Inputs(errs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(id: &str) -> bool {
        id == "EXO-021"
    }

    #[test]
    fn unknown_rule_id_is_an_error_with_its_line() {
        let text = "[[exception]]\nrule = \"EXO-021\"\nobjects = [\"a\"]\nreason = \"ok\"\n\n[[exception]]\nrule = \"EXO-999\"\nobjects = [\"b\"]\nreason = \"typo\"\n";
        let err = parse(text, Path::new("exceptions.toml"), known).unwrap_err();
        assert_eq!(
            err.to_string(),
            "exceptions.toml:7:8: exception for unknown rule id \"EXO-999\"\n  fix: check the id with `xtenant rules list`"
        );
    }

    #[test]
    fn reason_is_required() {
        let text = "[[exception]]\nrule = \"EXO-021\"\nobjects = [\"a\"]\n";
        let err = parse(text, Path::new("e.toml"), known)
            .unwrap_err()
            .to_string();
        assert!(err.contains("missing field `reason`"), "{err}");
    }

    #[test]
    fn matching_and_expiry() {
        let text = "[[exception]]\nrule = \"exo-021\"\nobjects = [\"Guid.Mismatch@contoso.com\"]\nreason = \"accepted\"\nexpires = \"2026-11-25\"\n";
        let ex = parse(text, Path::new("e.toml"), |_| true).unwrap();
        assert!(ex[0].matches("EXO-021", "id-1", "guid.mismatch@contoso.com"));
        assert!(!ex[0].matches("EXO-022", "id-1", "guid.mismatch@contoso.com"));
        assert!(ex[0].expired("2026-11-26"));
        assert!(!ex[0].expired("2026-11-25"));
    }
}
