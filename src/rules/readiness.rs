//! Readiness per item: `blocked` if a non-excepted blocker fails on it (or on
//! an organisation-level object its kind depends on), `needs-review` on
//! warnings or errors, `ready` when the rules that apply found nothing,
//! `not-assessed` when no selected rule said anything about it.
//!
//! An org-level (`scope = "all"`) rule holds back every item of the kinds it
//! applies to, unless its finding carries an `item_kind` column naming the
//! one kind it concerns.

use super::pack::{Rule, Scope, Severity};
use crate::inventory::derived::Item;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Finding {
    pub rule_id: String,
    pub severity: Severity,
    pub workload: String,
    pub object_id: String,
    pub object_name: String,
    /// pass, fail, warn, info, skip, error.
    pub status: String,
    pub reason: String,
    pub excepted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exception_id: Option<String>,
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub evidence: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Readiness {
    Ready,
    NeedsReview,
    Blocked,
    NotAssessed,
}

impl Readiness {
    pub fn as_str(self) -> &'static str {
        match self {
            Readiness::Ready => "ready",
            Readiness::NeedsReview => "needs-review",
            Readiness::Blocked => "blocked",
            Readiness::NotAssessed => "not-assessed",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ItemResult {
    pub workload: String,
    pub kind: String,
    pub id: String,
    pub name: String,
    pub readiness: Readiness,
    /// Rules whose failing blocker finding blocks this item.
    pub blockers: Vec<String>,
    /// Rules that failed as warnings, warned, or errored on this item.
    pub review: Vec<String>,
    /// Rules whose failures on this item are excepted.
    pub excepted: Vec<String>,
}

/// `passed` holds, per rule, the objects that passed it when their findings
/// were not kept whole: they count as assessed.
pub fn decide(
    items: &[Item],
    rules: &[&Rule],
    findings: &[Finding],
    passed: &std::collections::BTreeMap<String, Vec<String>>,
) -> Vec<ItemResult> {
    let rule_by_id: HashMap<&str, &Rule> = rules.iter().map(|r| (r.id.as_str(), *r)).collect();
    // Findings of item-scoped rules by object id; of org-level rules by kind.
    let mut by_object: HashMap<&str, Vec<&Finding>> = HashMap::new();
    let mut by_kind: HashMap<&str, Vec<&Finding>> = HashMap::new();
    for f in findings {
        let Some(rule) = rule_by_id.get(f.rule_id.as_str()) else {
            continue;
        };
        match rule.scope {
            Scope::Item => by_object.entry(f.object_id.as_str()).or_default().push(f),
            Scope::All => match f.evidence.get("item_kind") {
                // An org-level finding may name the one kind it holds back
                // (an identity serves one workload), or none ("").
                Some(kind) => {
                    if rule.applies_to.iter().any(|k| k == kind) {
                        by_kind.entry(kind.as_str()).or_default().push(f);
                    }
                }
                None => {
                    for k in &rule.applies_to {
                        by_kind.entry(k.as_str()).or_default().push(f);
                    }
                }
            },
        }
    }
    let mut passed_by_kind: HashMap<&str, std::collections::HashSet<&str>> = HashMap::new();
    for (rule_id, ids) in passed {
        let Some(rule) = rule_by_id.get(rule_id.as_str()) else {
            continue;
        };
        for k in &rule.applies_to {
            passed_by_kind
                .entry(k.as_str())
                .or_default()
                .extend(ids.iter().map(String::as_str));
        }
    }
    items
        .iter()
        .map(|item| {
            let mut blockers = BTreeSet::new();
            let mut review = BTreeSet::new();
            let mut excepted = BTreeSet::new();
            let own = by_object.get(item.id.as_str()).into_iter().flatten();
            let org = by_kind.get(item.kind.as_str()).into_iter().flatten();
            // Assessed means some rule said something about this item (or
            // about an org-level object its kind depends on), pass included.
            let mut assessed = passed_by_kind
                .get(item.kind.as_str())
                .is_some_and(|s| s.contains(item.id.as_str()));
            for f in own.chain(org) {
                let Some(rule) = rule_by_id.get(f.rule_id.as_str()) else {
                    continue;
                };
                if !rule.applies_to.iter().any(|k| k == &item.kind) {
                    continue;
                }
                assessed = true;
                let failing = matches!(f.status.as_str(), "fail" | "warn" | "error");
                if !failing {
                    continue;
                }
                if f.excepted {
                    excepted.insert(f.rule_id.clone());
                } else if f.status == "fail" && f.severity == Severity::Blocker {
                    blockers.insert(f.rule_id.clone());
                } else if f.severity != Severity::Info || f.status == "error" {
                    review.insert(f.rule_id.clone());
                }
            }
            let readiness = if !assessed {
                Readiness::NotAssessed
            } else if !blockers.is_empty() {
                Readiness::Blocked
            } else if !review.is_empty() {
                Readiness::NeedsReview
            } else {
                Readiness::Ready
            };
            ItemResult {
                workload: item.workload.clone(),
                kind: item.kind.clone(),
                id: item.id.clone(),
                name: item.name.clone(),
                readiness,
                blockers: blockers.into_iter().collect(),
                review: review.into_iter().collect(),
                excepted: excepted.into_iter().collect(),
            }
        })
        .collect()
}
