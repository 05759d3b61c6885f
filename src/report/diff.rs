//! Run-to-run diff (`xtenant diff OLD NEW`, and the report's "since last run"
//! section): findings keyed by rule + object, and readiness moves per item.
//!
//! Only open findings (fail, warn, error) count: a finding is `new` when it is
//! open now and was not before (absent, or it passed), `resolved` when it was
//! open and now is not (it passes, or its object is gone), `changed` when it is
//! open in both runs with a different status, severity, reason or exception,
//! and `unchanged` otherwise. Findings that pass in both runs are not counted.

use super::model::{is_open, readiness_rank, status_rank};
use crate::assess::Results;
use crate::rules::readiness::{Finding, Readiness};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Diff {
    pub old: RunRef,
    pub new: RunRef,
    pub counts: Counts,
    /// New, resolved and changed findings (unchanged ones are only counted),
    /// blockers first, then by rule and object.
    pub findings: Vec<FindingChange>,
    /// Items whose readiness moved, appeared or disappeared; worsened first.
    pub moves: Vec<ReadinessMove>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RunRef {
    pub assessed_at: String,
    pub collected_at: String,
    pub pack_version: String,
    pub snapshot_hash: String,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Counts {
    pub new: usize,
    pub resolved: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub improved: usize,
    pub worsened: usize,
    /// Moves between needs-review and not-assessed.
    pub moved: usize,
    pub items_added: usize,
    pub items_removed: usize,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    New,
    Changed,
    Resolved,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::New => "new",
            Change::Changed => "changed",
            Change::Resolved => "resolved",
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FindingChange {
    pub change: Change,
    pub rule_id: String,
    pub severity: String,
    pub workload: String,
    pub object_id: String,
    pub object_name: String,
    /// Status before (`absent` when the rule did not report the object).
    pub old_status: String,
    pub new_status: String,
    pub old_reason: String,
    pub new_reason: String,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Worsened,
    Improved,
    Moved,
    Added,
    Removed,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Worsened => "worsened",
            Direction::Improved => "improved",
            Direction::Moved => "moved",
            Direction::Added => "added",
            Direction::Removed => "removed",
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ReadinessMove {
    pub direction: Direction,
    pub workload: String,
    pub kind: String,
    pub id: String,
    pub name: String,
    /// `absent` when the item did not exist in that run.
    pub from: String,
    pub to: String,
}

const ABSENT: &str = "absent";

fn run_ref(r: &Results) -> RunRef {
    RunRef {
        assessed_at: r.run.assessed_at.clone(),
        collected_at: r.run.collected_at.clone(),
        pack_version: r.run.pack_version.clone(),
        snapshot_hash: r.run.snapshot_hash.clone(),
    }
}

pub fn diff(old: &Results, new: &Results) -> Diff {
    let key = |f: &Finding| (f.rule_id.clone(), f.object_id.clone());
    let old_by: HashMap<(String, String), &Finding> =
        old.findings.iter().map(|f| (key(f), f)).collect();
    let new_by: HashMap<(String, String), &Finding> =
        new.findings.iter().map(|f| (key(f), f)).collect();
    let mut counts = Counts::default();
    let mut findings = Vec::new();
    let change = |c: Change, o: Option<&Finding>, n: Option<&Finding>| {
        let f = n.or(o).expect("one side exists");
        let status = |x: Option<&Finding>| x.map_or(ABSENT.to_string(), |x| x.status.clone());
        let reason = |x: Option<&Finding>| x.map(|x| x.reason.clone()).unwrap_or_default();
        FindingChange {
            change: c,
            rule_id: f.rule_id.clone(),
            severity: f.severity.as_str().to_string(),
            workload: f.workload.clone(),
            object_id: f.object_id.clone(),
            object_name: f.object_name.clone(),
            old_status: status(o),
            new_status: status(n),
            old_reason: reason(o),
            new_reason: reason(n),
        }
    };
    for n in &new.findings {
        let o = old_by.get(&key(n)).copied();
        let was_open = o.is_some_and(is_open);
        match (was_open, is_open(n)) {
            (false, true) => {
                counts.new += 1;
                findings.push(change(Change::New, o, Some(n)));
            }
            (true, false) => {
                counts.resolved += 1;
                findings.push(change(Change::Resolved, o, Some(n)));
            }
            (true, true) => {
                let o = o.expect("was open");
                if o.status != n.status
                    || o.severity != n.severity
                    || o.reason != n.reason
                    || o.excepted != n.excepted
                {
                    counts.changed += 1;
                    findings.push(change(Change::Changed, Some(o), Some(n)));
                } else {
                    counts.unchanged += 1;
                }
            }
            (false, false) => {}
        }
    }
    for o in old.findings.iter().filter(|f| is_open(f)) {
        if !new_by.contains_key(&key(o)) {
            counts.resolved += 1;
            findings.push(change(Change::Resolved, Some(o), None));
        }
    }
    findings.sort_by(|a, b| {
        a.change
            .cmp(&b.change)
            .then(severity_rank(&a.severity).cmp(&severity_rank(&b.severity)))
            .then(status_rank(&a.new_status).cmp(&status_rank(&b.new_status)))
            .then(a.rule_id.cmp(&b.rule_id))
            .then(a.object_name.cmp(&b.object_name))
            .then(a.object_id.cmp(&b.object_id))
    });

    let item_key = |w: &str, k: &str, id: &str| (w.to_string(), k.to_string(), id.to_string());
    let old_items: BTreeMap<_, _> = old
        .items
        .iter()
        .map(|i| (item_key(&i.workload, &i.kind, &i.id), i))
        .collect();
    let new_items: BTreeMap<_, _> = new
        .items
        .iter()
        .map(|i| (item_key(&i.workload, &i.kind, &i.id), i))
        .collect();
    let mut moves = Vec::new();
    for (k, n) in &new_items {
        let (direction, from) = match old_items.get(k) {
            None => {
                counts.items_added += 1;
                (Direction::Added, ABSENT.to_string())
            }
            Some(o) if o.readiness == n.readiness => continue,
            Some(o) => (
                direction(o.readiness, n.readiness, &mut counts),
                o.readiness.as_str().to_string(),
            ),
        };
        moves.push(ReadinessMove {
            direction,
            workload: n.workload.clone(),
            kind: n.kind.clone(),
            id: n.id.clone(),
            name: n.name.clone(),
            from,
            to: n.readiness.as_str().to_string(),
        });
    }
    for (k, o) in &old_items {
        if !new_items.contains_key(k) {
            counts.items_removed += 1;
            moves.push(ReadinessMove {
                direction: Direction::Removed,
                workload: o.workload.clone(),
                kind: o.kind.clone(),
                id: o.id.clone(),
                name: o.name.clone(),
                from: o.readiness.as_str().to_string(),
                to: ABSENT.to_string(),
            });
        }
    }
    moves.sort_by(|a, b| {
        a.direction
            .cmp(&b.direction)
            .then(a.workload.cmp(&b.workload))
            .then(a.name.cmp(&b.name))
            .then(a.id.cmp(&b.id))
    });
    Diff {
        old: run_ref(old),
        new: run_ref(new),
        counts,
        findings,
        moves,
    }
}

fn severity_rank(s: &str) -> u8 {
    match s {
        "blocker" => 0,
        "warning" => 1,
        _ => 2,
    }
}

fn direction(from: Readiness, to: Readiness, counts: &mut Counts) -> Direction {
    // needs-review and not-assessed are equally far from ready; a move between
    // them is neither better nor worse.
    let rank = |r: Readiness| match r {
        Readiness::NotAssessed => readiness_rank(Readiness::NeedsReview),
        r => readiness_rank(r),
    };
    match rank(to).cmp(&rank(from)) {
        std::cmp::Ordering::Greater => {
            counts.improved += 1;
            Direction::Improved
        }
        std::cmp::Ordering::Less => {
            counts.worsened += 1;
            Direction::Worsened
        }
        std::cmp::Ordering::Equal => {
            counts.moved += 1;
            Direction::Moved
        }
    }
}

/// Plain text for `xtenant diff` (also the base of the Markdown version).
pub fn render_text(d: &Diff) -> String {
    let mut s = String::new();
    let c = &d.counts;
    s.push_str(&format!(
        "{} → {}\nfindings: {} new, {} resolved, {} changed, {} unchanged\n",
        d.old.assessed_at, d.new.assessed_at, c.new, c.resolved, c.changed, c.unchanged
    ));
    s.push_str(&format!(
        "items: {} worsened, {} improved, {} moved, {} added, {} removed\n",
        c.worsened, c.improved, c.moved, c.items_added, c.items_removed
    ));
    if !d.moves.is_empty() {
        s.push_str("\nreadiness moves:\n");
        for m in &d.moves {
            s.push_str(&format!(
                "  {:<9} {:<14} {:<40} {} → {}\n",
                m.direction.as_str(),
                m.workload,
                one_line(&m.name),
                m.from,
                m.to
            ));
        }
    }
    if !d.findings.is_empty() {
        s.push_str("\nfindings:\n");
        for f in &d.findings {
            let reason = if f.change == Change::Resolved {
                &f.old_reason
            } else {
                &f.new_reason
            };
            s.push_str(&format!(
                "  {:<8} {:<9} {:<8} {:<32} {} → {}  {}\n",
                f.change.as_str(),
                f.rule_id,
                f.severity,
                one_line(&f.object_name),
                f.old_status,
                f.new_status,
                one_line(reason)
            ));
        }
    }
    s
}

/// Tenant strings on one terminal line: control characters (which could
/// move the cursor or recolour the terminal) shown as `?`.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}
