//! `summary.md`: counts, top blockers and what changed, short enough for a CI
//! job summary or a ticket. Rendered from `templates/summary.md`; tenant
//! strings go through the `md` filter so they cannot break a table or bring
//! their own links, emphasis or HTML.

use super::diff::Diff;
use super::model::{readiness_counts, READINESS};
use super::Templates;
use crate::assess::Results;
use crate::error::Result;
use crate::rules::readiness::ItemResult;
use serde::Serialize;

#[derive(Serialize)]
struct Summary<'a> {
    source: &'a str,
    target: &'a str,
    run: &'a crate::assess::RunInfo,
    rows: Vec<Row>,
    total: Row,
    top_blockers: &'a [crate::assess::TopBlocker],
    rule_errors: &'a [crate::assess::RuleError],
    gaps: usize,
    excepted: usize,
    since: Option<Since<'a>>,
    files: Vec<&'a str>,
}

#[derive(Serialize)]
struct Since<'a> {
    counts: &'a super::diff::Counts,
    worsened: Vec<&'a super::diff::ReadinessMove>,
    worsened_more: usize,
}

#[derive(Serialize)]
struct Row {
    workload: String,
    ready: usize,
    needs_review: usize,
    blocked: usize,
    not_assessed: usize,
    total: usize,
}

fn row(workload: &str, items: &[&ItemResult]) -> Row {
    let c = readiness_counts(items);
    debug_assert_eq!(READINESS[0].as_str(), "ready");
    Row {
        workload: workload.to_string(),
        ready: c[0],
        needs_review: c[1],
        blocked: c[2],
        not_assessed: c[3],
        total: items.len(),
    }
}

/// How many worsened items the summary names before "and N more".
const WORSENED_SHOWN: usize = 10;

pub fn render(r: &Results, diff: Option<&Diff>, files: &[&str], t: &Templates) -> Result<String> {
    let rows = super::model::workload_order(r)
        .iter()
        .filter_map(|w| {
            let items: Vec<&ItemResult> = r.items.iter().filter(|i| &i.workload == w).collect();
            (!items.is_empty()).then(|| row(w, &items))
        })
        .collect();
    let all: Vec<&ItemResult> = r.items.iter().collect();
    let since = diff.map(|d| {
        let worsened: Vec<_> = d
            .moves
            .iter()
            .filter(|m| m.direction == super::diff::Direction::Worsened)
            .collect();
        Since {
            counts: &d.counts,
            worsened_more: worsened.len().saturating_sub(WORSENED_SHOWN),
            worsened: worsened.into_iter().take(WORSENED_SHOWN).collect(),
        }
    });
    let s = Summary {
        source: r.run.source.name.as_deref().unwrap_or("source"),
        target: r.run.target.name.as_deref().unwrap_or("target"),
        run: &r.run,
        rows,
        total: row("total", &all),
        top_blockers: &r.summary.top_blockers[..r.summary.top_blockers.len().min(10)],
        rule_errors: &r.summary.rule_errors,
        gaps: r.collection_gaps.len(),
        excepted: r.summary.excepted,
        since,
        files: files.to_vec(),
    };
    t.render("summary.md", &s)
}

/// Escapes a string for a Markdown table cell or line: no line breaks, no
/// pipes, and the characters that start emphasis, code, links, images or
/// HTML are backslash-escaped. Tenant strings only appear inside lines and
/// cells, so line-start syntax (`#`, `-`, `1.`) needs no escaping.
pub fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '<' | '>' | '~' | '&' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::md_escape;

    #[test]
    fn markdown_escape_keeps_a_cell_a_cell() {
        assert_eq!(md_escape("a|b\nc"), "a\\|b c");
        assert_eq!(
            md_escape("<img src=x onerror=alert(1)>"),
            "\\<img src=x onerror=alert(1)\\>"
        );
        assert_eq!(md_escape("[x](http://e)"), "\\[x\\](http://e)");
        assert_eq!(md_escape("disk-reports01"), "disk-reports01");
    }
}
