//! `report` on the demo (CSV columns, Excel sheets and filters, HTML sections
//! and escaping, Markdown), tenant strings carrying HTML, script and formula
//! payloads, the run-to-run diff, and the row caps of large runs.

mod common;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use xtenant::assess::{ExceptionReport, Results, RuleInfo, RunInfo, Summary};
use xtenant::report::{self, csv as rcsv, Caps, Format};
use xtenant::rules::exceptions::Exception;
use xtenant::rules::pack::{Scope, Severity};
use xtenant::rules::readiness::{Finding, ItemResult, Readiness};
use xtenant::snapshot::TenantInfo;

fn write_reports(r: &Results, prev: Option<&Results>, out: &Path) -> report::Written {
    report::write(r, prev, out, &Format::ALL, None, false, Caps::default()).expect("report")
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn csv_rows(p: &Path) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(p)
        .expect("open csv");
    r.records()
        .map(|x| x.expect("csv row").iter().map(String::from).collect())
        .collect()
}

/// The XML parts of an xlsx file, by name.
fn xlsx_parts(p: &Path) -> BTreeMap<String, String> {
    let f = std::fs::File::open(p).expect("open xlsx");
    let mut z = zip::ZipArchive::new(f).expect("xlsx is a zip");
    let mut out = BTreeMap::new();
    for i in 0..z.len() {
        let mut e = z.by_index(i).expect("zip entry");
        let mut s = String::new();
        if e.name().ends_with(".xml") || e.name().ends_with(".rels") {
            e.read_to_string(&mut s).expect("xml text");
            out.insert(e.name().to_string(), s);
        }
    }
    out
}

/// Sheet names in workbook order.
fn sheet_names(parts: &BTreeMap<String, String>) -> Vec<String> {
    let wb = &parts["xl/workbook.xml"];
    wb.split("<sheet ")
        .skip(1)
        .filter_map(|s| {
            let start = s.find("name=\"")? + 6;
            let end = s[start..].find('"')? + start;
            Some(s[start..end].to_string())
        })
        .collect()
}

fn count(hay: &str, needle: &str) -> usize {
    hay.matches(needle).count()
}

#[test]
fn demo_reports_hold_what_the_docs_promise() {
    let dir = tempfile::tempdir().expect("tempdir");
    let r = common::assess_case("demo", dir.path());
    let out = dir.path().join("reports");
    let written = write_reports(&r, None, &out);
    let names: Vec<String> = written
        .files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
        .collect();
    for f in [
        "findings.csv",
        "items.csv",
        "action-plan.csv",
        "report.xlsx",
        "report.html",
        "summary.md",
        "summary.json",
    ] {
        assert!(names.iter().any(|n| n == f), "{f} not written: {names:?}");
    }

    // CSV: fixed columns, one row per finding / item / open finding.
    let findings = csv_rows(&out.join("findings.csv"));
    assert_eq!(findings[0], rcsv::FINDINGS_COLUMNS);
    assert_eq!(findings.len() - 1, r.findings.len());
    let items = csv_rows(&out.join("items.csv"));
    assert_eq!(items[0], rcsv::ITEMS_COLUMNS);
    assert_eq!(items.len() - 1, r.items.len());
    let plan = csv_rows(&out.join("action-plan.csv"));
    assert_eq!(plan[0], rcsv::ACTION_PLAN_COLUMNS);
    let open = r
        .findings
        .iter()
        .filter(|f| matches!(f.status.as_str(), "fail" | "warn" | "error") && !f.excepted)
        .count();
    assert_eq!(plan.len() - 1, open);
    let col = |name: &str| {
        rcsv::ACTION_PLAN_COLUMNS
            .iter()
            .position(|c| *c == name)
            .unwrap()
    };
    assert_eq!(plan[1][col("severity")], "blocker", "blockers come first");
    for row in &plan[1..] {
        assert!(row[col("owner")].is_empty() && row[col("due_date")].is_empty());
        assert!(!row[col("remediation")].is_empty(), "{row:?}");
    }
    // PP-016 is organisation-level: one row, holding back every environment.
    let pp = plan
        .iter()
        .find(|row| row[col("rule_id")] == "PP-016")
        .expect("PP-016 in the plan");
    assert_eq!(pp[col("items_affected")], "4");
    // Lists are joined with "; ".
    let multi = r.items.iter().find(|i| i.blockers.len() > 1);
    if let Some(i) = multi {
        assert!(items.iter().any(|row| row[5] == i.blockers.join("; ")));
    }

    // Excel: summary, a sheet per workload with items, then the tables.
    let parts = xlsx_parts(&out.join("report.xlsx"));
    let sheets = sheet_names(&parts);
    assert_eq!(
        sheets,
        [
            "Summary",
            "disk",
            "acr",
            "gallery",
            "exchange",
            "powerplatform",
            "subscription",
            "Findings",
            "Action plan",
            "Rules"
        ]
    );
    let disk = &parts["xl/worksheets/sheet2.xml"];
    let disks = r.items.iter().filter(|i| i.workload == "disk").count();
    assert!(
        disk.contains(&format!("<autoFilter ref=\"A1:I{}\"/>", disks + 1)),
        "disk sheet filter: {}",
        &disk[..disk.len().min(600)]
    );
    assert!(disk.contains("state=\"frozen\""), "header row frozen");
    assert!(disk.contains("<col "), "column widths set");
    let findings_sheet = &parts["xl/worksheets/sheet8.xml"];
    assert!(findings_sheet.contains(&format!(
        "<autoFilter ref=\"A1:I{}\"/>",
        r.findings.len() + 1
    )));
    // Readiness cells are coloured: the blocked fill is among the styles.
    assert!(parts["xl/styles.xml"].contains("FFFFC7CE"), "blocked fill");
    assert!(parts["xl/sharedStrings.xml"].contains("disk-reports01"));

    // HTML: sections, CSP, anchors, one card per rule, escaping of text.
    let html = read(&out.join("report.html"));
    for id in [
        "id=\"summary\"",
        "id=\"wl-disk\"",
        "id=\"wl-exchange\"",
        "id=\"exceptions\"",
        "id=\"run\"",
        "<svg",
        "Top blockers",
        "http-equiv=\"Content-Security-Policy\"",
        // Attribute values are escaped like everything else.
        "default-src &#39;none&#39;",
    ] {
        assert!(html.contains(id), "report.html lacks {id}");
    }
    assert!(!html.contains("id=\"since\""), "no previous run, no diff");
    for rule in &r.rules {
        assert!(
            html.contains(&format!("id=\"rule-{}\"", rule.id)),
            "no card for {}",
            rule.id
        );
    }
    assert_eq!(
        count(&html, "<script"),
        1,
        "one inline script, no external one"
    );
    assert_eq!(count(&html, "<style"), 1);
    // An apostrophe in a rule title is escaped, as every text is.
    assert!(html.contains("Each workload&#39;s migration identity"));
    assert!(html.contains("Contoso → Fabrikam"));

    let md = read(&out.join("summary.md"));
    assert!(md.contains("| workload | ready | needs review | blocked | not assessed | total |"));
    assert!(md.contains("| PP-016 | 4 |"), "{md}");
    assert!(md.lines().count() < 60, "short enough for a CI summary");
    let json: serde_json::Value = serde_json::from_str(&read(&out.join("summary.json"))).unwrap();
    assert_eq!(json["format"], "xtenant-report-summary");
    assert_eq!(json["items"], r.items.len());
    assert!(json["diff"].is_null());

    // The byte order mark is there only when asked for.
    assert!(!std::fs::read(out.join("items.csv"))
        .unwrap()
        .starts_with(b"\xEF\xBB\xBF"));
    let bom = dir.path().join("bom");
    report::write(&r, None, &bom, &[Format::Csv], None, true, Caps::default()).unwrap();
    for f in ["findings.csv", "items.csv", "action-plan.csv"] {
        assert!(
            std::fs::read(bom.join(f))
                .unwrap()
                .starts_with(b"\xEF\xBB\xBF"),
            "{f}"
        );
    }
    assert!(
        !bom.join("report.html").exists(),
        "only the formats asked for"
    );
}

const PAYLOADS: &[&str] = &[
    "<img src=x onerror=alert(1)>",
    "</script><script>alert('x')</script>",
    "\"><svg onload=alert(2)>",
    "=HYPERLINK(\"http://evil.example/\",\"click\")",
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
];

/// Results built by hand, with a payload in every tenant-supplied string.
fn hostile_results() -> Results {
    let rule = RuleInfo {
        id: "DISK-001".into(),
        title: "Disk check".into(),
        workload: "disk".into(),
        severity: Severity::Blocker,
        applies_to: vec!["disk".into()],
        description: "A test rule.".into(),
        predicts: vec![],
        remediation: "Fix it.".into(),
        references: vec![
            "https://learn.microsoft.com/x".into(),
            "javascript:alert(3)".into(),
        ],
        covers: vec![],
        scope: Scope::Item,
    };
    let mut items = Vec::new();
    let mut findings = Vec::new();
    for (n, p) in PAYLOADS.iter().enumerate() {
        let id = format!("/subscriptions/s/disks/{n}{p}");
        items.push(ItemResult {
            workload: "disk".into(),
            kind: "disk".into(),
            id: id.clone(),
            name: p.to_string(),
            readiness: Readiness::Blocked,
            blockers: vec!["DISK-001".into()],
            review: vec![],
            excepted: vec![],
        });
        findings.push(Finding {
            rule_id: "DISK-001".into(),
            severity: Severity::Blocker,
            workload: "disk".into(),
            object_id: id,
            object_name: p.to_string(),
            status: "fail".into(),
            reason: format!("tag value {p}"),
            excepted: false,
            exception_id: None,
            evidence: BTreeMap::new(),
        });
    }
    let mut summary = Summary::default();
    summary
        .readiness
        .entry("disk".into())
        .or_default()
        .insert("blocked".into(), items.len());
    summary.top_blockers = vec![xtenant::assess::TopBlocker {
        rule_id: "DISK-001".into(),
        title: "Disk check".into(),
        items: items.len(),
    }];
    Results {
        format: xtenant::assess::RESULTS_FORMAT.into(),
        version: xtenant::assess::RESULTS_VERSION,
        run: RunInfo {
            tool_version: "0.1.0".into(),
            pack_id: "xtenant-core".into(),
            pack_version: "test".into(),
            baseline: "latest".into(),
            source: TenantInfo {
                tenant_id: Some("<b>src</b>".into()),
                name: Some(PAYLOADS[0].into()),
            },
            target: TenantInfo {
                tenant_id: None,
                name: Some(PAYLOADS[3].into()),
            },
            collected_at: "2026-11-01T00:00:00Z".into(),
            assessed_at: "2026-11-01T00:00:00Z".into(),
            snapshot_hash: "h".into(),
            fail_on: Severity::Blocker,
        },
        summary,
        rules: vec![rule],
        items,
        findings,
        exceptions: ExceptionReport {
            applied: vec![],
            expired: vec![],
            unused: vec![Exception {
                id: "EXC-1".into(),
                rule: "DISK-001".into(),
                objects: vec![PAYLOADS[1].into()],
                reason: PAYLOADS[2].into(),
                owner: Some(PAYLOADS[3].into()),
                ticket: None,
                expires: None,
                line: 1,
            }],
        },
        collection_gaps: vec![],
    }
}

#[test]
fn tenant_payloads_come_out_inert_in_html_csv_excel_and_markdown() {
    let dir = tempfile::tempdir().expect("tempdir");
    let r = hostile_results();
    write_reports(&r, None, dir.path());

    let html = read(&dir.path().join("report.html"));
    // The page's own script and style only; every payload is text.
    assert_eq!(count(&html, "<script"), 1, "payload opened a script");
    assert_eq!(count(&html, "</script>"), 1, "payload closed the script");
    for bad in ["<img", "<svg onload", "<b>src"] {
        assert!(!html.contains(bad), "raw {bad:?} in report.html");
    }
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(html.contains("&quot;&gt;&lt;svg onload=alert(2)&gt;"));
    assert!(
        !html.contains("href=\"javascript:"),
        "only https references are links"
    );
    assert!(html.contains("href=\"https://learn.microsoft.com/x\""));

    // CSV: no cell anywhere starts with a formula character.
    for f in ["findings.csv", "items.csv", "action-plan.csv"] {
        for row in csv_rows(&dir.path().join(f)) {
            for cell in row {
                assert!(
                    !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "{f}: live formula cell {cell:?}"
                );
            }
        }
    }
    let items = csv_rows(&dir.path().join("items.csv"));
    assert!(items
        .iter()
        .any(|row| row[3] == "'=HYPERLINK(\"http://evil.example/\",\"click\")"));

    // Excel: payloads are string cells; no formula anywhere in the workbook.
    let parts = xlsx_parts(&dir.path().join("report.xlsx"));
    for (name, xml) in &parts {
        assert!(
            !xml.contains("<f>") && !xml.contains("<f "),
            "{name} holds a formula"
        );
    }
    let strings = &parts["xl/sharedStrings.xml"];
    assert!(strings.contains("<t>=HYPERLINK(\"http://evil.example/\",\"click\")</t>"));
    assert!(strings.contains("&lt;img src=x onerror=alert(1)&gt;"));

    let md = read(&dir.path().join("summary.md"));
    assert!(
        md.match_indices('<').all(|(i, _)| md[..i].ends_with('\\')),
        "unescaped < in summary.md:\n{md}"
    );
    assert!(md.contains("\\<img src=x onerror=alert(1)\\>"), "{md}");
}

#[test]
fn diff_keys_findings_by_rule_and_object_and_tracks_readiness() {
    let dir = tempfile::tempdir().expect("tempdir");
    let old = common::assess_case("demo", dir.path());
    let mut new = old.clone();
    // Resolve one failure, break one pass, reword one failure, drop one
    // failing object, and move two items.
    let fail_idx: Vec<usize> = new
        .findings
        .iter()
        .enumerate()
        .filter(|(_, f)| f.status == "fail")
        .map(|(i, _)| i)
        .collect();
    let pass_idx = new
        .findings
        .iter()
        .position(|f| f.status == "pass")
        .expect("a pass");
    new.findings[fail_idx[0]].status = "pass".into();
    new.findings[pass_idx].status = "fail".into();
    new.findings[pass_idx].reason = "now failing".into();
    new.findings[fail_idx[1]].reason = "reworded".into();
    let gone = new.findings.remove(fail_idx[2]);
    let blocked = new
        .items
        .iter()
        .position(|i| i.readiness == Readiness::Blocked)
        .expect("blocked item");
    new.items[blocked].readiness = Readiness::Ready;
    let ready = new
        .items
        .iter()
        .position(|i| i.readiness == Readiness::Ready && i.name != new.items[blocked].name)
        .expect("ready item");
    new.items[ready].readiness = Readiness::Blocked;

    let d = report::diff::diff(&old, &new);
    assert_eq!(d.counts.new, 1);
    assert_eq!(d.counts.resolved, 2, "one passes now, one object is gone");
    assert_eq!(d.counts.changed, 1);
    let open_old = old.findings.iter().filter(|f| f.status == "fail").count();
    assert_eq!(d.counts.unchanged, open_old - 3);
    assert_eq!((d.counts.improved, d.counts.worsened), (1, 1));
    let resolved_gone = d
        .findings
        .iter()
        .find(|c| c.object_id == gone.object_id && c.rule_id == gone.rule_id)
        .expect("gone finding listed");
    assert_eq!(resolved_gone.new_status, "absent");
    assert_eq!(d.moves[0].direction, report::diff::Direction::Worsened);
    assert_eq!(d.moves[0].from, "ready");
    assert_eq!(d.moves[0].to, "blocked");

    // The same diff shows in the HTML, the Markdown and the JSON summary.
    let out = dir.path().join("since");
    let w = write_reports(&new, Some(&old), &out);
    assert!(w.diff.is_some());
    let html = read(&out.join("report.html"));
    assert!(html.contains("id=\"since\""));
    assert!(html.contains("now failing"));
    let md = read(&out.join("summary.md"));
    assert!(
        md.contains("Findings: 1 new, 2 resolved, 1 changed"),
        "{md}"
    );
    let json: serde_json::Value = serde_json::from_str(&read(&out.join("summary.json"))).unwrap();
    assert_eq!(json["diff"]["counts"]["new"], 1);

    // Identical runs: nothing moves.
    let same = report::diff::diff(&old, &old);
    assert_eq!(
        (same.counts.new, same.counts.resolved, same.counts.changed),
        (0, 0, 0)
    );
    assert!(same.moves.is_empty());
}

#[test]
fn large_runs_are_capped_with_a_pointer_to_the_full_lists() {
    let r = xtenant::sim::results::generate(&xtenant::sim::results::ResultsOptions {
        findings: 20_000,
        seed: 7,
    })
    .expect("synthetic results");
    assert!(r.findings.len() >= 20_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let caps = Caps {
        items: 100,
        findings: 40,
    };
    report::write(&r, None, dir.path(), &[Format::Html], None, false, caps).unwrap();
    let html = read(&dir.path().join("report.html"));
    let item_rows = count(&html, "data-readiness=");
    let workloads = r
        .items
        .iter()
        .map(|i| i.workload.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    assert!(item_rows <= workloads * caps.items, "{item_rows} item rows");
    assert!(html.contains("Showing 100 of"), "items cap note");
    assert!(html.contains("Showing 40 of"), "findings cap note");
    assert!(html.contains("<code>items.csv</code>"));
    // Bounded by the caps, not by the findings: far under 25 MB.
    assert!(html.len() < 3_000_000, "{} bytes", html.len());
}

#[test]
fn templates_can_be_overridden_file_by_file_and_errors_name_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let r = hostile_results();
    let t = dir.path().join("templates");
    std::fs::create_dir_all(&t).unwrap();
    std::fs::write(
        t.join("summary.md"),
        "custom {{ source | md }} {{ total.blocked }}\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    report::write(
        &r,
        None,
        &out,
        &[Format::Md, Format::Html],
        Some(&t),
        false,
        Caps::default(),
    )
    .unwrap();
    assert_eq!(
        read(&out.join("summary.md")),
        "custom \\<img src=x onerror=alert(1)\\> 9\n"
    );
    // The HTML still comes from the embedded template.
    assert!(read(&out.join("report.html")).contains("Executive summary"));

    std::fs::write(t.join("report.html"), "{% if %}").unwrap();
    let err = report::write(
        &r,
        None,
        &out,
        &[Format::Html],
        Some(&t),
        false,
        Caps::default(),
    )
    .expect_err("broken template");
    let msg = err.to_string();
    assert!(
        msg.contains("report.html") && msg.contains("template error"),
        "{msg}"
    );
    assert_eq!(err.exit_code(), 3);
}

#[test]
fn reports_doc_lists_the_csv_columns_in_order() {
    let doc = read(&common::manifest_dir().join("docs/reports.md"));
    for cols in [
        rcsv::FINDINGS_COLUMNS,
        rcsv::ITEMS_COLUMNS,
        rcsv::ACTION_PLAN_COLUMNS,
    ] {
        let line = format!("Columns: `{}`", cols.join(", "));
        assert!(doc.contains(&line), "docs/reports.md lacks {line}");
    }
}
