//! Lookups every report format shares: rules by id, open findings by object,
//! why an item is not ready, and how many items a failing finding holds back.
//! Built once per report in O(findings + items).

use crate::assess::{Results, RuleInfo};
use crate::rules::pack::{Scope, Severity};
use crate::rules::readiness::{Finding, ItemResult, Readiness};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// A finding someone has to act on (or accept): it failed, warned or errored.
pub fn is_open(f: &Finding) -> bool {
    matches!(f.status.as_str(), "fail" | "warn" | "error")
}

/// Readiness in the order people triage: blocked first, ready last.
pub fn readiness_rank(r: Readiness) -> u8 {
    match r {
        Readiness::Blocked => 0,
        Readiness::NeedsReview => 1,
        Readiness::NotAssessed => 2,
        Readiness::Ready => 3,
    }
}

pub const READINESS: [Readiness; 4] = [
    Readiness::Ready,
    Readiness::NeedsReview,
    Readiness::Blocked,
    Readiness::NotAssessed,
];

/// Finding statuses in the order people triage them.
pub fn status_rank(s: &str) -> u8 {
    match s {
        "error" => 0,
        "fail" => 1,
        "warn" => 2,
        "info" => 3,
        "skip" => 4,
        "pass" => 5,
        _ => 6,
    }
}

/// One reason an item is not ready, from one rule.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ItemReason {
    pub rule_id: String,
    pub severity: Severity,
    /// fail, warn or error.
    pub status: String,
    pub excepted: bool,
    pub text: String,
}

pub struct Index<'a> {
    pub results: &'a Results,
    pub rules: HashMap<&'a str, &'a RuleInfo>,
    /// Open findings by object id (item-scoped and organisation-level alike).
    open_by_object: HashMap<&'a str, Vec<&'a Finding>>,
    /// Open findings by rule id.
    open_by_rule: HashMap<&'a str, Vec<&'a Finding>>,
    /// Items whose blockers or review lists name the rule.
    held_back: HashMap<&'a str, usize>,
    item_ids: std::collections::HashSet<&'a str>,
}

impl<'a> Index<'a> {
    pub fn new(results: &'a Results) -> Self {
        let rules = results.rules.iter().map(|r| (r.id.as_str(), r)).collect();
        let mut open_by_object: HashMap<&str, Vec<&Finding>> = HashMap::new();
        let mut open_by_rule: HashMap<&str, Vec<&Finding>> = HashMap::new();
        for f in results.findings.iter().filter(|f| is_open(f)) {
            open_by_object
                .entry(f.object_id.as_str())
                .or_default()
                .push(f);
            open_by_rule.entry(f.rule_id.as_str()).or_default().push(f);
        }
        let mut held_back: HashMap<&str, usize> = HashMap::new();
        for i in &results.items {
            for r in i.blockers.iter().chain(&i.review) {
                *held_back.entry(r.as_str()).or_default() += 1;
            }
        }
        Index {
            results,
            rules,
            open_by_object,
            open_by_rule,
            held_back,
            item_ids: results.items.iter().map(|i| i.id.as_str()).collect(),
        }
    }

    pub fn rule(&self, id: &str) -> Option<&'a RuleInfo> {
        self.rules.get(id).copied()
    }

    pub fn rule_title(&self, id: &str) -> &'a str {
        self.rule(id).map(|r| r.title.as_str()).unwrap_or("")
    }

    pub fn is_item(&self, object_id: &str) -> bool {
        self.item_ids.contains(object_id)
    }

    /// Open findings of a rule (empty for a rule that passed everywhere).
    pub fn open_of_rule(&self, rule_id: &str) -> &[&'a Finding] {
        self.open_by_rule
            .get(rule_id)
            .map(|v| v.as_slice())
            .unwrap_or(&[])
    }

    /// Why an item is not ready: one entry per rule that blocks it, asks for a
    /// review, or is excepted on it, in that order. An organisation-level rule
    /// has no finding on the item itself; its reason names the object that
    /// failed (and how many others did).
    pub fn item_reasons(&self, item: &ItemResult) -> Vec<ItemReason> {
        let own = self
            .open_by_object
            .get(item.id.as_str())
            .map(|v| v.as_slice())
            .unwrap_or(&[]);
        let mut out = Vec::new();
        for rule_id in item
            .blockers
            .iter()
            .chain(&item.review)
            .chain(&item.excepted)
        {
            if out.iter().any(|r: &ItemReason| &r.rule_id == rule_id) {
                continue;
            }
            if let Some(f) = own.iter().find(|f| &f.rule_id == rule_id) {
                out.push(ItemReason {
                    rule_id: rule_id.clone(),
                    severity: f.severity,
                    status: f.status.clone(),
                    excepted: f.excepted,
                    text: f.reason.clone(),
                });
                continue;
            }
            let org: Vec<&&Finding> = self
                .open_of_rule(rule_id)
                .iter()
                .filter(|f| {
                    f.evidence
                        .get("item_kind")
                        .is_none_or(|k| k.is_empty() || k == &item.kind)
                })
                .collect();
            let Some(first) = org.first() else {
                continue;
            };
            let more = match org.len() {
                1 => String::new(),
                n => format!(" (and {} more)", n - 1),
            };
            let text = if first.object_id == "*" {
                format!("rule could not run: {}", first.reason)
            } else {
                format!(
                    "organisation-level: {}: {}{more}",
                    first.object_name, first.reason
                )
            };
            out.push(ItemReason {
                rule_id: rule_id.clone(),
                severity: first.severity,
                status: first.status.clone(),
                excepted: item.excepted.contains(rule_id),
                text,
            });
        }
        out
    }

    /// Items a failing finding holds back: the item itself for an item-scoped
    /// rule, every item naming the rule for an organisation-level rule or a
    /// rule that could not run.
    pub fn items_affected(&self, f: &Finding) -> usize {
        let scope = self.rule(&f.rule_id).map(|r| r.scope);
        if f.object_id == "*" || scope == Some(Scope::All) {
            self.held_back.get(f.rule_id.as_str()).copied().unwrap_or(0)
        } else {
            usize::from(self.is_item(&f.object_id))
        }
    }

    /// Open, non-excepted findings: the action plan, most urgent first
    /// (blockers, then warnings; errors and failures before warnings within a
    /// severity), then by rule and object name.
    pub fn action_plan(&self) -> Vec<&'a Finding> {
        let mut v: Vec<&Finding> = self
            .results
            .findings
            .iter()
            .filter(|f| is_open(f) && !f.excepted)
            .collect();
        v.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(status_rank(&a.status).cmp(&status_rank(&b.status)))
                .then(a.rule_id.cmp(&b.rule_id))
                .then(a.object_name.cmp(&b.object_name))
                .then(a.object_id.cmp(&b.object_id))
        });
        v
    }
}

/// The first paragraph of a remediation, on one line: what a table cell has
/// room for. The rule card and the CSV keep the whole text.
pub fn remediation_summary(text: &str) -> String {
    let first = text.split("\n\n").next().unwrap_or("");
    first.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The first reference of a rule, or "".
pub fn first_reference(r: Option<&RuleInfo>) -> String {
    r.and_then(|r| r.references.first().cloned())
        .unwrap_or_default()
}

/// A stable fragment id for an object: ARM ids hold `/` and mail addresses
/// `@`, which make awkward fragments, so the id is a short hash of the
/// object id. The same object gets the same anchor in every run.
pub fn anchor(prefix: &str, id: &str) -> String {
    let h = Sha256::digest(id.as_bytes());
    format!("{prefix}-{}", hex::encode(&h[..6]))
}

/// Workloads in the pack's order, then any others alphabetically.
pub fn workload_order(results: &Results) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    let all = results
        .rules
        .iter()
        .map(|r| r.workload.as_str())
        .chain(results.items.iter().map(|i| i.workload.as_str()));
    for w in all {
        if !seen.iter().any(|s| s == w) {
            seen.push(w.to_string());
        }
    }
    let pos = |w: &str| {
        crate::rules::pack::WORKLOADS
            .iter()
            .position(|p| *p == w)
            .unwrap_or(usize::MAX)
    };
    seen.sort_by(|a, b| pos(a).cmp(&pos(b)).then(a.cmp(b)));
    seen
}

/// Counts per readiness over a slice of items.
pub fn readiness_counts(items: &[&ItemResult]) -> [usize; 4] {
    let mut c = [0; 4];
    for i in items {
        let k = READINESS
            .iter()
            .position(|r| *r == i.readiness)
            .unwrap_or(3);
        c[k] += 1;
    }
    c
}
