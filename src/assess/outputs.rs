//! Files written by `assess`: `results.json`, `findings.csv`, `items.csv`.
//! CSV columns are fixed and documented in docs/results-schema.md.

use super::Results;
use crate::error::{Error, Result};
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

/// Neutralises a cell against formula injection: tenant-supplied strings
/// starting with `=`, `+`, `-`, `@`, tab or carriage return are prefixed with
/// an apostrophe so Excel shows them as text.
pub fn csv_safe(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_string(),
    }
}

pub fn write_all(dir: &Path, results: &Results) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let p = dir.join("results.json");
    let file = std::fs::File::create(&p).map_err(|e| io(&p, e))?;
    let mut w = std::io::BufWriter::new(file);
    serde_json::to_writer_pretty(&mut w, results)
        .map_err(|e| Error::Runtime(format!("{}: {e}", p.display())))?;
    std::io::Write::flush(&mut w).map_err(|e| io(&p, e))?;
    write_findings(&dir.join("findings.csv"), results)?;
    write_items(&dir.join("items.csv"), results)?;
    Ok(())
}

fn writer(path: &Path) -> Result<csv::Writer<std::fs::File>> {
    csv::Writer::from_path(path).map_err(|e| Error::Runtime(format!("{}: {e}", path.display())))
}

fn write_findings(path: &Path, r: &Results) -> Result<()> {
    let mut w = writer(path)?;
    let err = |e: csv::Error| Error::Runtime(format!("{}: {e}", path.display()));
    w.write_record(FINDINGS_COLUMNS).map_err(err)?;
    for f in &r.findings {
        w.write_record([
            csv_safe(&f.rule_id),
            f.severity.as_str().to_string(),
            csv_safe(&f.workload),
            csv_safe(&f.object_id),
            csv_safe(&f.object_name),
            f.status.clone(),
            csv_safe(&f.reason),
            f.excepted.to_string(),
            f.exception_id.clone().unwrap_or_default(),
        ])
        .map_err(err)?;
    }
    w.flush().map_err(|e| io(path, e))
}

fn write_items(path: &Path, r: &Results) -> Result<()> {
    let mut w = writer(path)?;
    let err = |e: csv::Error| Error::Runtime(format!("{}: {e}", path.display()));
    w.write_record(ITEMS_COLUMNS).map_err(err)?;
    for i in &r.items {
        w.write_record([
            csv_safe(&i.workload),
            csv_safe(&i.kind),
            csv_safe(&i.id),
            csv_safe(&i.name),
            i.readiness.as_str().to_string(),
            i.blockers.join("; "),
            i.review.join("; "),
            i.excepted.join("; "),
        ])
        .map_err(err)?;
    }
    w.flush().map_err(|e| io(path, e))
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
        assert_eq!(csv_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_safe("\tx"), "'\tx");
        assert_eq!(csv_safe("adele@contoso.com"), "adele@contoso.com");
    }
}
