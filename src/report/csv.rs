//! `findings.csv`, `items.csv`, `action-plan.csv`: fixed, documented column
//! order (docs/reports.md), plain text, lists joined with `; `, UTF-8 with an
//! optional BOM, and every cell neutralised against formula injection.

use super::model::{first_reference, Index};
use crate::assess::Results;
use crate::error::{Error, Result};
use std::io::Write;
use std::path::Path;

pub const FINDINGS_COLUMNS: &[&str] = &[
    "rule_id",
    "severity",
    "workload",
    "object_id",
    "object_name",
    "status",
    "reason",
    "excepted",
    "exception_id",
];

pub const ITEMS_COLUMNS: &[&str] = &[
    "workload",
    "kind",
    "id",
    "name",
    "readiness",
    "blockers",
    "review",
    "excepted",
];

pub const ACTION_PLAN_COLUMNS: &[&str] = &[
    "severity",
    "rule_id",
    "rule_title",
    "workload",
    "object_id",
    "object_name",
    "items_affected",
    "status",
    "reason",
    "remediation",
    "reference",
    "owner",
    "due_date",
    "notes",
];

/// Neutralises a cell against formula injection: strings starting with `=`,
/// `+`, `-`, `@`, tab or carriage return are prefixed with an apostrophe so a
/// spreadsheet shows them as text. Applied to every cell, not only to the
/// ones that come from a tenant, so no column is ever missed.
pub fn csv_safe(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_string(),
    }
}

/// A CSV file whose every cell goes through [`csv_safe`].
struct SafeWriter<'p> {
    w: csv::Writer<std::io::BufWriter<std::fs::File>>,
    path: &'p Path,
}

impl<'p> SafeWriter<'p> {
    fn create(path: &'p Path, bom: bool, header: &[&str]) -> Result<Self> {
        let f = std::fs::File::create(path).map_err(|e| io(path, e))?;
        let mut buf = std::io::BufWriter::new(f);
        if bom {
            buf.write_all("\u{feff}".as_bytes())
                .map_err(|e| io(path, e))?;
        }
        let mut w = SafeWriter {
            w: csv::Writer::from_writer(buf),
            path,
        };
        w.row(header.iter().copied())?;
        Ok(w)
    }

    fn row<'s>(&mut self, cells: impl IntoIterator<Item = &'s str>) -> Result<()> {
        self.w
            .write_record(cells.into_iter().map(csv_safe))
            .map_err(|e| Error::Runtime(format!("{}: {e}", self.path.display())))
    }

    fn finish(mut self) -> Result<()> {
        self.w.flush().map_err(|e| io(self.path, e))
    }
}

pub fn write_findings(path: &Path, r: &Results, bom: bool) -> Result<()> {
    let mut w = SafeWriter::create(path, bom, FINDINGS_COLUMNS)?;
    for f in &r.findings {
        let excepted = f.excepted.to_string();
        w.row([
            f.rule_id.as_str(),
            f.severity.as_str(),
            &f.workload,
            &f.object_id,
            &f.object_name,
            &f.status,
            &f.reason,
            &excepted,
            f.exception_id.as_deref().unwrap_or(""),
        ])?;
    }
    w.finish()
}

pub fn write_items(path: &Path, r: &Results, bom: bool) -> Result<()> {
    let mut w = SafeWriter::create(path, bom, ITEMS_COLUMNS)?;
    for i in &r.items {
        let (b, rv, e) = (
            i.blockers.join("; "),
            i.review.join("; "),
            i.excepted.join("; "),
        );
        w.row([
            i.workload.as_str(),
            &i.kind,
            &i.id,
            &i.name,
            i.readiness.as_str(),
            &b,
            &rv,
            &e,
        ])?;
    }
    w.finish()
}

/// The failing, non-excepted findings with their remediation, most urgent
/// first, and empty owner / due-date / notes columns for the team to fill.
pub fn write_action_plan(path: &Path, idx: &Index, bom: bool) -> Result<()> {
    let mut w = SafeWriter::create(path, bom, ACTION_PLAN_COLUMNS)?;
    for f in idx.action_plan() {
        let rule = idx.rule(&f.rule_id);
        let affected = idx.items_affected(f).to_string();
        let remediation = rule
            .map(|r| {
                r.remediation
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default();
        let reference = first_reference(rule);
        w.row([
            f.severity.as_str(),
            &f.rule_id,
            idx.rule_title(&f.rule_id),
            &f.workload,
            &f.object_id,
            &f.object_name,
            &affected,
            &f.status,
            &f.reason,
            &remediation,
            &reference,
            "",
            "",
            "",
        ])?;
    }
    w.finish()
}

fn io(path: &Path, e: std::io::Error) -> Error {
    Error::Runtime(format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::csv_safe;

    #[test]
    fn formula_cells_are_neutralised() {
        assert_eq!(csv_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_safe("-1+2"), "'-1+2");
        assert_eq!(csv_safe("+1"), "'+1");
        assert_eq!(csv_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_safe("\tx"), "'\tx");
        assert_eq!(csv_safe("\rx"), "'\rx");
        assert_eq!(csv_safe("adele@contoso.com"), "adele@contoso.com");
        assert_eq!(csv_safe(""), "");
    }
}
