//! `report.xlsx`: a summary sheet, one sheet of items per workload, then all
//! findings, the action plan and the rules. Every table has its header row
//! frozen, an auto-filter and set column widths; readiness and status cells
//! are coloured. No Excel installation is needed to write it.
//!
//! Tenant strings are written as string cells, never as formulas, so a
//! display name like `=HYPERLINK(...)` stays text in every spreadsheet.

use super::model::{
    first_reference, readiness_counts, readiness_rank, remediation_summary, Index, READINESS,
};
use crate::assess::Results;
use crate::error::{Error, Result};
use crate::rules::readiness::ItemResult;
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};
use std::collections::HashSet;
use std::path::Path;

/// Excel refuses longer cell text.
const MAX_CELL: usize = 32_767;
/// Excel's last row (1,048,576) minus the header.
const MAX_ROWS: usize = 1_048_575;

struct Styles {
    header: Format,
    title: Format,
    bold: Format,
    wrap: Format,
    /// By readiness or finding status.
    ready: Format,
    review: Format,
    blocked: Format,
    muted: Format,
    error: Format,
}

impl Styles {
    fn new() -> Self {
        let fill = |bg: u32, fg: u32| {
            Format::new()
                .set_background_color(Color::RGB(bg))
                .set_font_color(Color::RGB(fg))
        };
        Styles {
            header: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0x1F3A5F))
                .set_font_color(Color::White)
                .set_border_bottom(FormatBorder::Thin),
            title: Format::new().set_bold().set_font_size(16),
            bold: Format::new().set_bold(),
            wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
            ready: fill(0xC6EFCE, 0x006100),
            review: fill(0xFFEB9C, 0x9C5700),
            blocked: fill(0xFFC7CE, 0x9C0006),
            muted: fill(0xEDEDED, 0x404040),
            error: fill(0xE4D7F5, 0x4B2480),
        }
    }

    fn readiness(&self, r: &str) -> &Format {
        match r {
            "ready" | "pass" => &self.ready,
            "needs-review" | "warn" | "warning" => &self.review,
            "blocked" | "fail" | "blocker" => &self.blocked,
            "error" => &self.error,
            _ => &self.muted,
        }
    }
}

fn xerr(path: &Path) -> impl Fn(XlsxError) -> Error + '_ {
    move |e| Error::Runtime(format!("{}: {e}", path.display()))
}

/// Cell text Excel accepts: at most 32,767 characters.
fn cell(s: &str) -> String {
    if s.chars().count() <= MAX_CELL {
        return s.to_string();
    }
    let mut t: String = s.chars().take(MAX_CELL - 1).collect();
    t.push('…');
    t
}

/// A sheet holding one table: header row frozen, auto-filter over the
/// written rows, column widths set.
struct Table<'w> {
    ws: &'w mut Worksheet,
    row: u32,
    cols: u16,
}

impl<'w> Table<'w> {
    fn new(ws: &'w mut Worksheet, st: &Styles, header: &[(&str, f64)]) -> Result<Self, XlsxError> {
        for (c, (name, width)) in header.iter().enumerate() {
            let c = c as u16;
            ws.write_string_with_format(0, c, *name, &st.header)?;
            ws.set_column_width(c, *width)?;
        }
        ws.set_freeze_panes(1, 0)?;
        Ok(Table {
            ws,
            row: 0,
            cols: header.len() as u16,
        })
    }

    fn full(&self) -> bool {
        self.row as usize >= MAX_ROWS
    }

    fn next(&mut self) {
        self.row += 1;
    }

    fn text(&mut self, col: u16, s: &str) -> Result<(), XlsxError> {
        if !s.is_empty() {
            self.ws.write_string(self.row, col, cell(s))?;
        }
        Ok(())
    }

    fn styled(&mut self, col: u16, s: &str, f: &Format) -> Result<(), XlsxError> {
        self.ws
            .write_string_with_format(self.row, col, cell(s), f)?;
        Ok(())
    }

    fn number(&mut self, col: u16, n: usize) -> Result<(), XlsxError> {
        self.ws.write_number(self.row, col, n as f64)?;
        Ok(())
    }

    fn finish(self) -> Result<(), XlsxError> {
        self.ws
            .autofilter(0, 0, self.row.max(1), self.cols.saturating_sub(1))?;
        Ok(())
    }
}

/// Sheet names: at most 31 characters, none of `[]:*?/\`, unique
/// (case-insensitively, as Excel compares them).
fn sheet_name(want: &str, used: &mut HashSet<String>) -> String {
    let base: String = want
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .take(28)
        .collect();
    let base = base.trim_matches('\'').to_string();
    let base = if base.is_empty() {
        "sheet".to_string()
    } else {
        base
    };
    let mut name = base.clone();
    let mut n = 2;
    while !used.insert(name.to_lowercase()) {
        name = format!("{base} {n}");
        n += 1;
    }
    name
}

pub fn write(path: &Path, r: &Results, idx: &Index) -> Result<()> {
    build(r, idx)
        .and_then(|mut wb| wb.save(path))
        .map_err(xerr(path))
}

fn build(r: &Results, idx: &Index) -> Result<Workbook, XlsxError> {
    let st = Styles::new();
    let mut wb = Workbook::new();
    let mut used = HashSet::new();
    let workloads = super::model::workload_order(r);

    let ws = wb.add_worksheet();
    ws.set_name(sheet_name("Summary", &mut used))?;
    summary(ws, r, &st, &workloads)?;

    for w in &workloads {
        let mut items: Vec<&ItemResult> = r.items.iter().filter(|i| &i.workload == w).collect();
        if items.is_empty() {
            continue;
        }
        items.sort_by(|a, b| {
            readiness_rank(a.readiness)
                .cmp(&readiness_rank(b.readiness))
                .then(a.name.cmp(&b.name))
        });
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(w, &mut used))?;
        let mut t = Table::new(
            ws,
            &st,
            &[
                ("Name", 32.0),
                ("Kind", 14.0),
                ("Readiness", 14.0),
                ("Blockers", 18.0),
                ("Review", 18.0),
                ("Excepted", 14.0),
                ("Reasons", 70.0),
                ("Remediation", 60.0),
                ("Id", 60.0),
            ],
        )?;
        for i in items {
            if t.full() {
                break;
            }
            t.next();
            let reasons = idx.item_reasons(i);
            let why: Vec<String> = reasons
                .iter()
                .map(|x| format!("{}: {}", x.rule_id, x.text))
                .collect();
            let fix: Vec<String> = reasons
                .iter()
                .filter(|x| !x.excepted)
                .filter_map(|x| {
                    idx.rule(&x.rule_id).map(|rule| {
                        format!("{}: {}", x.rule_id, remediation_summary(&rule.remediation))
                    })
                })
                .collect();
            t.text(0, &i.name)?;
            t.text(1, &i.kind)?;
            t.styled(2, i.readiness.as_str(), st.readiness(i.readiness.as_str()))?;
            t.text(3, &i.blockers.join("; "))?;
            t.text(4, &i.review.join("; "))?;
            t.text(5, &i.excepted.join("; "))?;
            t.text(6, &why.join("\n"))?;
            t.text(7, &fix.join("\n"))?;
            t.text(8, &i.id)?;
        }
        t.finish()?;
    }

    let ws = wb.add_worksheet();
    ws.set_name(sheet_name("Findings", &mut used))?;
    let mut t = Table::new(
        ws,
        &st,
        &[
            ("Rule", 11.0),
            ("Severity", 10.0),
            ("Workload", 14.0),
            ("Object", 32.0),
            ("Status", 9.0),
            ("Reason", 70.0),
            ("Excepted", 10.0),
            ("Exception", 11.0),
            ("Object id", 60.0),
        ],
    )?;
    for f in &r.findings {
        if t.full() {
            break;
        }
        t.next();
        t.text(0, &f.rule_id)?;
        t.styled(1, f.severity.as_str(), st.readiness(f.severity.as_str()))?;
        t.text(2, &f.workload)?;
        t.text(3, &f.object_name)?;
        t.styled(4, &f.status, st.readiness(&f.status))?;
        t.text(5, &f.reason)?;
        t.text(6, if f.excepted { "yes" } else { "" })?;
        t.text(7, f.exception_id.as_deref().unwrap_or(""))?;
        t.text(8, &f.object_id)?;
    }
    t.finish()?;

    let ws = wb.add_worksheet();
    ws.set_name(sheet_name("Action plan", &mut used))?;
    let mut t = Table::new(
        ws,
        &st,
        &[
            ("Severity", 10.0),
            ("Rule", 11.0),
            ("Title", 40.0),
            ("Workload", 14.0),
            ("Object", 32.0),
            ("Items affected", 9.0),
            ("Status", 9.0),
            ("Reason", 60.0),
            ("Remediation", 70.0),
            ("Reference", 40.0),
            ("Owner", 18.0),
            ("Due date", 12.0),
            ("Notes", 30.0),
            ("Object id", 60.0),
        ],
    )?;
    for f in idx.action_plan() {
        if t.full() {
            break;
        }
        t.next();
        let rule = idx.rule(&f.rule_id);
        t.styled(0, f.severity.as_str(), st.readiness(f.severity.as_str()))?;
        t.text(1, &f.rule_id)?;
        t.text(2, idx.rule_title(&f.rule_id))?;
        t.text(3, &f.workload)?;
        t.text(4, &f.object_name)?;
        t.number(5, idx.items_affected(f))?;
        t.styled(6, &f.status, st.readiness(&f.status))?;
        t.text(7, &f.reason)?;
        t.text(8, &rule.map(|x| x.remediation.clone()).unwrap_or_default())?;
        t.text(9, &first_reference(rule))?;
        t.text(13, &f.object_id)?;
    }
    t.finish()?;

    let ws = wb.add_worksheet();
    ws.set_name(sheet_name("Rules", &mut used))?;
    let mut t = Table::new(
        ws,
        &st,
        &[
            ("Rule", 11.0),
            ("Title", 50.0),
            ("Workload", 14.0),
            ("Severity", 10.0),
            ("Applies to", 16.0),
            ("Failing", 9.0),
            ("Description", 70.0),
            ("Remediation", 70.0),
            ("Predicts", 40.0),
            ("References", 50.0),
        ],
    )?;
    for rule in &r.rules {
        t.next();
        t.text(0, &rule.id)?;
        t.text(1, &rule.title)?;
        t.text(2, &rule.workload)?;
        t.styled(
            3,
            rule.severity.as_str(),
            st.readiness(rule.severity.as_str()),
        )?;
        t.text(4, &rule.applies_to.join("; "))?;
        t.number(5, idx.open_of_rule(&rule.id).len())?;
        t.text(6, &rule.description)?;
        t.text(7, &rule.remediation)?;
        t.text(8, &rule.predicts.join("; "))?;
        t.text(9, &rule.references.join("; "))?;
    }
    t.finish()?;

    let ex = &r.exceptions;
    if !(ex.applied.is_empty() && ex.expired.is_empty() && ex.unused.is_empty()) {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name("Exceptions", &mut used))?;
        let mut t = Table::new(
            ws,
            &st,
            &[
                ("State", 10.0),
                ("Id", 8.0),
                ("Rule", 11.0),
                ("Objects", 40.0),
                ("Reason", 50.0),
                ("Owner", 20.0),
                ("Ticket", 14.0),
                ("Expires", 12.0),
            ],
        )?;
        for (state, list) in [
            ("applied", &ex.applied),
            ("expired", &ex.expired),
            ("unused", &ex.unused),
        ] {
            for e in list {
                t.next();
                t.text(0, state)?;
                t.text(1, &e.id)?;
                t.text(2, &e.rule)?;
                t.text(3, &e.objects.join("; "))?;
                t.text(4, &e.reason)?;
                t.text(5, e.owner.as_deref().unwrap_or(""))?;
                t.text(6, e.ticket.as_deref().unwrap_or(""))?;
                t.text(7, e.expires.as_deref().unwrap_or(""))?;
            }
        }
        t.finish()?;
    }
    Ok(wb)
}

fn summary(
    ws: &mut Worksheet,
    r: &Results,
    st: &Styles,
    workloads: &[String],
) -> Result<(), XlsxError> {
    let src = r.run.source.name.as_deref().unwrap_or("source");
    let tgt = r.run.target.name.as_deref().unwrap_or("target");
    ws.write_string_with_format(
        0,
        0,
        cell(&format!("Migration readiness: {src} → {tgt}")),
        &st.title,
    )?;
    let meta = [
        (
            "Source tenant",
            format!(
                "{src} ({})",
                r.run.source.tenant_id.as_deref().unwrap_or("?")
            ),
        ),
        (
            "Target tenant",
            format!(
                "{tgt} ({})",
                r.run.target.tenant_id.as_deref().unwrap_or("?")
            ),
        ),
        ("Collected at", r.run.collected_at.clone()),
        ("Assessed at", r.run.assessed_at.clone()),
        (
            "Rule pack",
            format!(
                "{} {} (baseline {})",
                r.run.pack_id, r.run.pack_version, r.run.baseline
            ),
        ),
        ("xtenant", r.run.tool_version.clone()),
    ];
    for (i, (k, v)) in meta.iter().enumerate() {
        let row = 2 + i as u32;
        ws.write_string_with_format(row, 0, *k, &st.bold)?;
        ws.write_string(row, 1, cell(v))?;
    }
    let top = 2 + meta.len() as u32 + 1;
    let header = [
        "Workload",
        "Ready",
        "Needs review",
        "Blocked",
        "Not assessed",
        "Total",
    ];
    for (c, h) in header.iter().enumerate() {
        ws.write_string_with_format(top, c as u16, *h, &st.header)?;
    }
    let mut row = top;
    let mut totals = [0usize; 4];
    for w in workloads {
        let items: Vec<&ItemResult> = r.items.iter().filter(|i| &i.workload == w).collect();
        if items.is_empty() {
            continue;
        }
        row += 1;
        let c = readiness_counts(&items);
        ws.write_string(row, 0, cell(w))?;
        for (k, rd) in READINESS.iter().enumerate() {
            totals[k] += c[k];
            if c[k] > 0 {
                ws.write_number_with_format(
                    row,
                    1 + k as u16,
                    c[k] as f64,
                    st.readiness(rd.as_str()),
                )?;
            } else {
                ws.write_number(row, 1 + k as u16, 0.0)?;
            }
        }
        ws.write_number(row, 5, items.len() as f64)?;
    }
    row += 1;
    ws.write_string_with_format(row, 0, "Total", &st.bold)?;
    for (k, n) in totals.iter().enumerate() {
        ws.write_number_with_format(row, 1 + k as u16, *n as f64, &st.bold)?;
    }
    ws.write_number_with_format(row, 5, r.items.len() as f64, &st.bold)?;

    row += 2;
    ws.write_string_with_format(row, 0, "Top blockers", &st.bold)?;
    row += 1;
    for (c, h) in ["Rule", "Items blocked", "Title"].iter().enumerate() {
        ws.write_string_with_format(row, c as u16, *h, &st.header)?;
    }
    for b in r.summary.top_blockers.iter().take(15) {
        row += 1;
        ws.write_string(row, 0, cell(&b.rule_id))?;
        ws.write_number(row, 1, b.items as f64)?;
        ws.write_string(row, 2, cell(&b.title))?;
    }
    if !r.summary.rule_errors.is_empty() {
        row += 2;
        ws.write_string_with_format(row, 0, "Rules that could not run", &st.bold)?;
        for e in &r.summary.rule_errors {
            row += 1;
            ws.write_string_with_format(row, 0, cell(&e.rule_id), &st.error)?;
            ws.write_string_with_format(row, 2, cell(&e.error), &st.wrap)?;
        }
    }
    ws.set_column_width(0, 18)?;
    for c in 1..=5 {
        ws.set_column_width(c, 13)?;
    }
    ws.set_column_width(2, 14)?;
    Ok(())
}
