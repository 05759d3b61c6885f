//! `report.html`: one self-contained file (inline CSS, JS and SVG, no request
//! leaves the page, a Content-Security-Policy that says so), rendered from
//! `templates/report.html` with autoescaping: every tenant string reaches the
//! page through `{{ }}` and is escaped there.
//!
//! Tables are rendered on the server, so the page reads, prints and filters
//! without a framework; rows are capped per table (items per workload,
//! findings per rule) with a note pointing at the CSV and Excel files, so
//! 100,000 findings stay a file a browser opens.

use super::diff::Diff;
use super::model::{
    anchor, is_open, readiness_counts, readiness_rank, remediation_summary, status_rank, Index,
    ItemReason, READINESS,
};
use super::{Caps, Templates};
use crate::assess::Results;
use crate::error::Result;
use crate::rules::readiness::ItemResult;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

#[derive(Serialize)]
struct Page<'a> {
    title: String,
    source: String,
    target: String,
    run: &'a crate::assess::RunInfo,
    totals: Totals,
    chart: Chart,
    top_blockers: Vec<TopBlocker>,
    since: Option<Since>,
    workloads: Vec<Workload>,
    exceptions: Exceptions,
    rule_errors: Vec<RuleErrorRow>,
    gaps: Vec<GapRow>,
    caps: &'a Caps,
    files: Files,
    csp: String,
    css: &'a str,
    js: &'a str,
}

#[derive(Serialize)]
struct Files {
    csv: bool,
    xlsx: bool,
}

#[derive(Serialize)]
struct Totals {
    items: usize,
    ready: usize,
    needs_review: usize,
    blocked: usize,
    not_assessed: usize,
    rules: usize,
    findings: usize,
    open: usize,
    excepted: usize,
    ready_pct: String,
}

#[derive(Serialize)]
struct Chart {
    width: u32,
    height: u32,
    bar_x: u32,
    bar_w: u32,
    rows: Vec<ChartRow>,
}

#[derive(Serialize)]
struct ChartRow {
    workload: String,
    anchor: String,
    y: u32,
    text_y: u32,
    total: usize,
    segments: Vec<Segment>,
}

#[derive(Serialize)]
struct Segment {
    class: &'static str,
    label: &'static str,
    count: usize,
    x: String,
    w: String,
    text_x: String,
    show_count: bool,
}

#[derive(Serialize)]
struct TopBlocker {
    rule_id: String,
    anchor: String,
    title: String,
    items: usize,
}

#[derive(Serialize)]
struct Workload {
    name: String,
    anchor: String,
    counts: BTreeMap<&'static str, usize>,
    items_total: usize,
    items: Vec<ItemRow>,
    items_hidden: usize,
    rules: Vec<RuleCard>,
    rules_failing: usize,
}

#[derive(Serialize)]
struct ItemRow {
    anchor: String,
    name: String,
    kind: String,
    id: String,
    readiness: &'static str,
    rank: u8,
    reasons: Vec<Reason>,
}

#[derive(Serialize)]
struct Reason {
    rule_id: String,
    rule_anchor: String,
    status: String,
    excepted: bool,
    text: String,
    remediation: String,
}

#[derive(Serialize)]
struct RuleCard {
    id: String,
    anchor: String,
    title: String,
    severity: &'static str,
    scope: &'static str,
    applies_to: String,
    description: Vec<String>,
    remediation: Vec<String>,
    references: Vec<String>,
    predicts: Vec<String>,
    counts: BTreeMap<String, usize>,
    open: usize,
    excepted: usize,
    items_blocked: usize,
    rows: Vec<FindingRow>,
    rows_hidden: usize,
}

#[derive(Serialize)]
struct FindingRow {
    object_name: String,
    object_id: String,
    item_anchor: Option<String>,
    status: String,
    rank: u8,
    reason: String,
    excepted: bool,
    exception_id: String,
}

#[derive(Serialize)]
struct Since {
    diff: Diff,
    moves_hidden: usize,
    findings_hidden: usize,
}

#[derive(Serialize)]
struct Exceptions {
    applied: Vec<ExceptionRow>,
    expired: Vec<ExceptionRow>,
    unused: Vec<ExceptionRow>,
}

#[derive(Serialize)]
struct ExceptionRow {
    id: String,
    rule: String,
    rule_anchor: String,
    objects: String,
    reason: String,
    owner: String,
    ticket: String,
    expires: String,
    findings: usize,
}

#[derive(Serialize)]
struct RuleErrorRow {
    rule_id: String,
    anchor: String,
    error: String,
}

#[derive(Serialize)]
struct GapRow {
    side: String,
    collection: String,
    status: String,
    error: String,
}

pub fn render(
    r: &Results,
    idx: &Index,
    diff: Option<&Diff>,
    caps: &Caps,
    t: &Templates,
    files_written: (bool, bool),
) -> Result<String> {
    let src = r.run.source.name.clone().unwrap_or_else(|| "source".into());
    let tgt = r.run.target.name.clone().unwrap_or_else(|| "target".into());
    let all: Vec<&ItemResult> = r.items.iter().collect();
    let c = readiness_counts(&all);
    let open = r.findings.iter().filter(|f| is_open(f)).count();
    let workloads = super::model::workload_order(r);
    let page = Page {
        title: format!("Migration readiness: {src} → {tgt}"),
        source: src,
        target: tgt,
        run: &r.run,
        totals: Totals {
            items: r.items.len(),
            ready: c[0],
            needs_review: c[1],
            blocked: c[2],
            not_assessed: c[3],
            rules: r.rules.len(),
            findings: r.findings.len(),
            open,
            excepted: r.summary.excepted,
            ready_pct: percent(c[0], r.items.len()),
        },
        chart: chart(r, &workloads),
        top_blockers: r
            .summary
            .top_blockers
            .iter()
            .take(10)
            .map(|b| TopBlocker {
                rule_id: b.rule_id.clone(),
                anchor: rule_anchor(&b.rule_id),
                title: b.title.clone(),
                items: b.items,
            })
            .collect(),
        since: diff.map(|d| since(d, caps)),
        workloads: workloads
            .iter()
            .map(|w| workload(r, idx, w, caps))
            .collect(),
        exceptions: exceptions(r),
        rule_errors: r
            .summary
            .rule_errors
            .iter()
            .map(|e| RuleErrorRow {
                rule_id: e.rule_id.clone(),
                anchor: rule_anchor(&e.rule_id),
                error: e.error.clone(),
            })
            .collect(),
        gaps: r
            .collection_gaps
            .iter()
            .map(|g| GapRow {
                side: g.side.as_str().to_string(),
                collection: g.collection.clone(),
                status: g.status.as_str().to_string(),
                error: g.error.clone().unwrap_or_default(),
            })
            .collect(),
        caps,
        files: Files {
            csv: files_written.0,
            xlsx: files_written.1,
        },
        csp: csp(&t.css, &t.js),
        css: &t.css,
        js: &t.js,
    };
    t.render("report.html", &page)
}

/// Only the page's own inline style and script may run (pinned by hash);
/// nothing may be fetched, framed, submitted or navigated to as a base.
pub fn csp(css: &str, js: &str) -> String {
    format!(
        "default-src 'none'; style-src '{}'; script-src '{}'; img-src data:; \
         base-uri 'none'; form-action 'none'",
        sha256_source(css),
        sha256_source(js)
    )
}

fn sha256_source(s: &str) -> String {
    format!("sha256-{}", base64(&Sha256::digest(s.as_bytes())))
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub fn rule_anchor(id: &str) -> String {
    fragment("rule", id)
}

fn workload_anchor(w: &str) -> String {
    fragment("wl", w)
}

/// Rule ids and workloads are pack data (`EXO-009`, `disk`), but a
/// `--rules DIR` may bring anything: keep fragment-safe characters only.
fn fragment(prefix: &str, id: &str) -> String {
    let safe: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{prefix}-{safe}")
}

fn percent(n: usize, total: usize) -> String {
    if total == 0 {
        return "0".into();
    }
    format!("{:.0}", n as f64 * 100.0 / total as f64)
}

const SEGMENTS: [(usize, &str, &str); 4] = [
    (0, "ready", "ready"),
    (1, "needs-review", "needs review"),
    (2, "blocked", "blocked"),
    (3, "not-assessed", "not assessed"),
];

fn chart(r: &Results, workloads: &[String]) -> Chart {
    let (bar_x, bar_w, row_h) = (130u32, 420u32, 30u32);
    let mut rows = Vec::new();
    for w in workloads {
        let items: Vec<&ItemResult> = r.items.iter().filter(|i| &i.workload == w).collect();
        if items.is_empty() {
            continue;
        }
        let c = readiness_counts(&items);
        let total = items.len();
        let y = 8 + rows.len() as u32 * row_h;
        let mut x = f64::from(bar_x);
        let mut segments = Vec::new();
        // Ready, needs review, blocked, not assessed: left to right.
        for (k, class, label) in [SEGMENTS[0], SEGMENTS[1], SEGMENTS[2], SEGMENTS[3]] {
            if c[k] == 0 {
                continue;
            }
            let wpx = f64::from(bar_w) * c[k] as f64 / total as f64;
            segments.push(Segment {
                class,
                label,
                count: c[k],
                x: format!("{x:.1}"),
                w: format!("{wpx:.1}"),
                text_x: format!("{:.1}", x + wpx / 2.0),
                show_count: wpx >= 22.0,
            });
            x += wpx;
        }
        rows.push(ChartRow {
            workload: w.clone(),
            anchor: workload_anchor(w),
            y,
            text_y: y + 15,
            total,
            segments,
        });
    }
    Chart {
        width: bar_x + bar_w + 70,
        height: 16 + rows.len() as u32 * row_h,
        bar_x,
        bar_w,
        rows,
    }
}

fn reason_row(idx: &Index, r: ItemReason) -> Reason {
    Reason {
        rule_anchor: rule_anchor(&r.rule_id),
        remediation: idx
            .rule(&r.rule_id)
            .map(|x| remediation_summary(&x.remediation))
            .unwrap_or_default(),
        rule_id: r.rule_id,
        status: r.status,
        excepted: r.excepted,
        text: r.text,
    }
}

fn workload(r: &Results, idx: &Index, w: &str, caps: &Caps) -> Workload {
    let mut items: Vec<&ItemResult> = r.items.iter().filter(|i| i.workload == w).collect();
    let c = readiness_counts(&items);
    let mut counts = BTreeMap::new();
    for (k, rd) in READINESS.iter().enumerate() {
        counts.insert(rd.as_str(), c[k]);
    }
    items.sort_by(|a, b| {
        readiness_rank(a.readiness)
            .cmp(&readiness_rank(b.readiness))
            .then(a.name.cmp(&b.name))
    });
    let items_total = items.len();
    let rows: Vec<ItemRow> = items
        .iter()
        .take(caps.items)
        .map(|i| ItemRow {
            anchor: anchor("item", &i.id),
            name: i.name.clone(),
            kind: i.kind.clone(),
            id: i.id.clone(),
            readiness: i.readiness.as_str(),
            rank: readiness_rank(i.readiness),
            reasons: idx
                .item_reasons(i)
                .into_iter()
                .map(|x| reason_row(idx, x))
                .collect(),
        })
        .collect();
    let mut rules: Vec<RuleCard> = r
        .rules
        .iter()
        .filter(|x| x.workload == w)
        .map(|x| rule_card(r, idx, x, caps))
        .collect();
    rules.sort_by(|a, b| {
        (a.open - a.excepted == 0)
            .cmp(&(b.open - b.excepted == 0))
            .then(b.items_blocked.cmp(&a.items_blocked))
            .then(a.id.cmp(&b.id))
    });
    Workload {
        name: w.to_string(),
        anchor: workload_anchor(w),
        counts,
        items_total,
        items_hidden: items_total.saturating_sub(rows.len()),
        items: rows,
        rules_failing: rules.iter().filter(|c| c.open > c.excepted).count(),
        rules,
    }
}

fn rule_card(r: &Results, idx: &Index, rule: &crate::assess::RuleInfo, caps: &Caps) -> RuleCard {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    // Counting walks all findings once per rule; fine for the ~100 rules of a
    // pack, and keeps the index small.
    for f in r.findings.iter().filter(|f| f.rule_id == rule.id) {
        *counts.entry(f.status.clone()).or_default() += 1;
    }
    let mut open: Vec<_> = idx.open_of_rule(&rule.id).to_vec();
    open.sort_by(|a, b| {
        a.excepted
            .cmp(&b.excepted)
            .then(status_rank(&a.status).cmp(&status_rank(&b.status)))
            .then(a.object_name.cmp(&b.object_name))
    });
    let excepted = open.iter().filter(|f| f.excepted).count();
    let rows: Vec<FindingRow> = open
        .iter()
        .take(caps.findings)
        .map(|f| FindingRow {
            object_name: f.object_name.clone(),
            object_id: f.object_id.clone(),
            item_anchor: idx
                .is_item(&f.object_id)
                .then(|| anchor("item", &f.object_id)),
            status: f.status.clone(),
            rank: status_rank(&f.status),
            reason: f.reason.clone(),
            excepted: f.excepted,
            exception_id: f.exception_id.clone().unwrap_or_default(),
        })
        .collect();
    let items_blocked = r
        .summary
        .top_blockers
        .iter()
        .find(|b| b.rule_id == rule.id)
        .map_or(0, |b| b.items);
    RuleCard {
        id: rule.id.clone(),
        anchor: rule_anchor(&rule.id),
        title: rule.title.clone(),
        severity: rule.severity.as_str(),
        scope: match rule.scope {
            crate::rules::pack::Scope::Item => "item",
            crate::rules::pack::Scope::All => "organisation",
        },
        applies_to: rule.applies_to.join(", "),
        description: paragraphs(&rule.description),
        remediation: paragraphs(&rule.remediation),
        references: rule.references.clone(),
        predicts: rule.predicts.clone(),
        counts,
        open: open.len(),
        excepted,
        items_blocked,
        rows_hidden: open.len().saturating_sub(rows.len()),
        rows,
    }
}

/// Rule texts are hard-wrapped in their TOML files: a single line break is
/// a space (commands continue on the next line), a blank line a paragraph.
fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect()
}

fn since(d: &Diff, caps: &Caps) -> Since {
    let mut d = d.clone();
    let moves_hidden = d.moves.len().saturating_sub(caps.findings);
    d.moves.truncate(caps.findings);
    let findings_hidden = d.findings.len().saturating_sub(caps.findings);
    d.findings.truncate(caps.findings);
    Since {
        diff: d,
        moves_hidden,
        findings_hidden,
    }
}

fn exceptions(r: &Results) -> Exceptions {
    let mut used: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &r.findings {
        if let Some(id) = &f.exception_id {
            *used.entry(id.as_str()).or_default() += 1;
        }
    }
    let rows = |v: &[crate::rules::exceptions::Exception]| {
        v.iter()
            .map(|e| ExceptionRow {
                id: e.id.clone(),
                rule: e.rule.clone(),
                rule_anchor: rule_anchor(&e.rule),
                objects: e.objects.join("; "),
                reason: e.reason.clone(),
                owner: e.owner.clone().unwrap_or_default(),
                ticket: e.ticket.clone().unwrap_or_default(),
                expires: e.expires.clone().unwrap_or_default(),
                findings: used.get(e.id.as_str()).copied().unwrap_or(0),
            })
            .collect()
    };
    Exceptions {
        applied: rows(&r.exceptions.applied),
        expired: rows(&r.exceptions.expired),
        unused: rows(&r.exceptions.unused),
    }
}

#[cfg(test)]
mod tests {
    use super::{base64, rule_anchor};

    #[test]
    fn base64_matches_rfc4648_vectors() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn rule_anchors_keep_fragment_safe_characters_only() {
        assert_eq!(rule_anchor("EXO-009"), "rule-EXO-009");
        assert_eq!(rule_anchor("X\"><b>"), "rule-X___b_");
    }
}
