//! The real binary: exit codes and the messages people see on bad input.

mod common;

use std::path::Path;
use std::process::{Command, Output};

fn xtenant(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtenant"))
        .args(args)
        .output()
        .expect("run xtenant")
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).to_string(),
        String::from_utf8_lossy(&o.stderr).to_string(),
    )
}

fn p(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

#[test]
fn help_documents_the_exit_codes() {
    let o = xtenant(&["--help"]);
    let (out, _) = text(&o);
    assert!(o.status.success());
    for line in [
        "0  no failing",
        "1  failing blockers",
        "2  a rule errored",
        "3  invalid input",
        "4  runtime",
    ] {
        assert!(out.contains(line), "help lacks {line:?}:\n{out}");
    }
}

#[test]
fn demo_runs_end_to_end_and_writes_every_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("demo");
    let o = xtenant(&["demo", "--out", p(&out)]);
    let (stdout, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("Contoso → Fabrikam"), "{stdout}");
    assert!(stdout.contains("top blockers:"), "{stdout}");
    for f in [
        "snapshot/manifest.json",
        "results/results.json",
        "results/findings.csv",
        "results/items.csv",
        "results/action-plan.csv",
        "results/report.html",
        "results/report.xlsx",
        "results/summary.md",
        "results/summary.json",
        "raw/xtenant-raw.json",
        "export/xtenant-raw.json",
        "day-1/export/UserMapping.csv",
        "day-1/raw/xtenant-raw.json",
        "day-1/snapshot/manifest.json",
        "day-1/results/results.json",
        "day-1/results/report.html",
        "day-1/results/summary.md",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    // Today's run is compared with day 1's, which had more failing.
    assert!(
        stdout.contains("day 1, before the organisation prerequisites: "),
        "{stdout}"
    );
    let since = stdout
        .lines()
        .find(|l| l.starts_with("since "))
        .unwrap_or_else(|| panic!("no diff line:\n{stdout}"));
    assert!(
        !since.contains(" 0 resolved") && !since.contains(" 0 improved"),
        "{since}"
    );
    // The day-1 overlay is not part of today's export.
    assert!(!out.join("export/day-1").exists());
    assert!(!out.join("day-1/export/day-1").exists());
    // The pair was collected over HTTP from the in-process simulator.
    assert!(
        stdout.contains("collected live over HTTP from the tenant simulator at http://127.0.0.1:"),
        "{stdout}"
    );
    // assess alone on that snapshot exits 1: the demo has failing blockers.
    let o = xtenant(&[
        "assess",
        "--snapshot",
        p(&out.join("snapshot")),
        "--out",
        p(&dir.path().join("r2")),
    ]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn report_and_diff_commands_read_results_directories() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("demo");
    let o = xtenant(&["demo", "--out", p(&out)]);
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let results = out.join("results");

    // report: only the formats asked for, into --out, with the diff.
    let rep = dir.path().join("rep");
    let o = xtenant(&[
        "report",
        "--results",
        p(&results),
        "--format",
        "md,csv",
        "--out",
        p(&rep),
        "--previous",
        p(&results),
        "--bom",
    ]);
    let (stdout, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("0 new, 0 resolved, 0 changed"), "{stdout}");
    assert!(rep.join("summary.md").is_file() && rep.join("action-plan.csv").is_file());
    assert!(!rep.join("report.html").exists());
    assert!(std::fs::read(rep.join("items.csv"))
        .expect("items.csv")
        .starts_with(b"\xEF\xBB\xBF"));

    let o = xtenant(&["report", "--results", p(&results), "--format", "pdf"]);
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("unknown report format \"pdf\""), "{stderr}");

    let o = xtenant(&["report", "--results", p(&dir.path().join("nowhere"))]);
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("results.json"), "{stderr}");

    // diff: the same run twice moves nothing; JSON on request.
    let o = xtenant(&["diff", p(&results), p(&results)]);
    let (stdout, _) = text(&o);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout.contains("findings: 0 new, 0 resolved, 0 changed"),
        "{stdout}"
    );
    let o = xtenant(&["diff", p(&results), p(&results), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("diff json");
    assert_eq!(v["counts"]["new"], 0);
    assert!(v["counts"]["unchanged"].as_u64().unwrap_or(0) > 0);
}

#[test]
fn raw_export_without_marker_is_invalid_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("source")).expect("mkdir");
    let o = xtenant(&[
        "collect",
        "--from-dir",
        p(dir.path()),
        "--out",
        p(&dir.path().join("snap")),
    ]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        err.contains("xtenant-raw.json: not an xtenant raw export: the marker file is missing"),
        "{err}"
    );
    assert!(err.contains("fix: create it with"), "{err}");
}

#[test]
fn snapshot_of_another_schema_version_is_refused_with_a_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let raw = common::build_case("demo", dir.path());
    let snap = dir.path().join("snap");
    let o = xtenant(&["collect", "--from-dir", p(&raw), "--out", p(&snap)]);
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let m = snap.join("manifest.json");
    let t = std::fs::read_to_string(&m)
        .expect("manifest")
        .replace("\"schema_version\": 1", "\"schema_version\": 99");
    std::fs::write(&m, t).expect("write");
    let o = xtenant(&[
        "assess",
        "--snapshot",
        p(&snap),
        "--out",
        p(&dir.path().join("r")),
    ]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        err.contains("snapshot schema version 99 is not supported"),
        "{err}"
    );
    assert!(
        err.contains("fix: collect again with this version of xtenant"),
        "{err}"
    );
}

#[test]
fn export_of_the_wrong_tenant_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let raw = common::build_case("demo", dir.path());
    let cfg = raw.join("xtenant.toml");
    let t = std::fs::read_to_string(&cfg).expect("config").replace(
        "2a3b4c5d-6e7f-4081-92a3-b4c5d6e7f809",
        "11111111-2222-4333-8444-555555555555",
    );
    std::fs::write(&cfg, t).expect("write");
    let o = xtenant(&[
        "collect",
        "--from-dir",
        p(&raw),
        "--out",
        p(&dir.path().join("snap")),
    ]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        err.contains("the target export is of tenant 2a3b4c5d-6e7f-4081-92a3-b4c5d6e7f809 but the config says the target tenant is 11111111-2222-4333-8444-555555555555"),
        "{err}"
    );
}

#[test]
fn exceptions_mark_findings_report_expired_and_unused_and_refuse_unknown_rules() {
    let dir = tempfile::tempdir().expect("tempdir");
    let raw = common::build_case("demo", dir.path());
    let snap = dir.path().join("snap");
    assert_eq!(
        xtenant(&["collect", "--from-dir", p(&raw), "--out", p(&snap)])
            .status
            .code(),
        Some(0)
    );
    let ex = dir.path().join("exceptions.toml");
    std::fs::write(
        &ex,
        r#"[[exception]]
rule = "DISK-003"
objects = ["vm-app01-ultra01", "vm-app01-data01"]
reason = "copied at OS level instead"
owner = "infra team"
expires = "2999-01-01"

[[exception]]
rule = "PP-001"
objects = ["Contoso Trial"]
reason = "trial is abandoned"
expires = "2020-01-01"

[[exception]]
rule = "EXO-021"
objects = ["nobody@contoso.com"]
reason = "stale entry"
"#,
    )
    .expect("write");
    let out = dir.path().join("r");
    let o = xtenant(&[
        "assess",
        "--snapshot",
        p(&snap),
        "--out",
        p(&out),
        "--exceptions",
        p(&ex),
    ]);
    let (stdout, _) = text(&o);
    assert!(
        stdout.contains("exceptions: 1 applied, 1 expired, 1 unused"),
        "{stdout}"
    );
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).expect("results"))
            .expect("json");
    let items = r["items"].as_array().expect("items");
    let ultra = items
        .iter()
        .find(|i| i["name"] == "vm-app01-ultra01")
        .expect("ultra");
    assert_eq!(ultra["excepted"], serde_json::json!(["DISK-003"]));
    let blockers = ultra["blockers"].as_array().expect("blockers");
    assert!(
        !blockers.contains(&serde_json::json!("DISK-003")),
        "an excepted failure no longer blocks: {blockers:?}"
    );
    let trial = items
        .iter()
        .find(|i| i["name"] == "Contoso Trial")
        .expect("trial");
    assert_eq!(
        trial["readiness"], "blocked",
        "an expired exception no longer applies"
    );
    let f = r["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule_id"] == "DISK-003" && f["object_name"] == "vm-app01-ultra01")
        .expect("finding");
    assert_eq!(f["status"], "fail", "excepted findings keep their status");
    assert_eq!(f["excepted"], true);

    std::fs::write(
        &ex,
        "[[exception]]\nrule = \"DISK-999\"\nobjects = [\"x\"]\nreason = \"typo\"\n",
    )
    .expect("write");
    let o = xtenant(&[
        "assess",
        "--snapshot",
        p(&snap),
        "--out",
        p(&out),
        "--exceptions",
        p(&ex),
    ]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        err.contains("exceptions.toml:2:8: exception for unknown rule id \"DISK-999\""),
        "{err}"
    );
}

#[test]
fn rules_lint_rejects_a_silently_wrong_outer_join_with_the_rule_id() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rule = r#"id = "LOCAL-001"
title = "Local rule"
workload = "exchange"
severity = "warning"
applies_to = ["mailbox"]
scope = "item"
description = "A local rule with an outer join polars would run as an inner join."
remediation = "None."
references = ["https://example.com/local"]
requires = ["mailbox_pairs"]
query = """
SELECT p.mailbox_id AS object_id, p.mailbox_name AS object_name, 'pass' AS status, '' AS reason
FROM mailbox_pairs p LEFT JOIN mail_users m ON m.id = p.mail_user_id AND m.tenant = 'target'
"""
"#;
    std::fs::create_dir_all(dir.path().join("exchange")).expect("mkdir");
    std::fs::write(dir.path().join("exchange/LOCAL-001.toml"), rule).expect("write");
    let o = xtenant(&["rules", "lint", p(dir.path())]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(3));
    assert!(err.contains("rule LOCAL-001: SQL004"), "{err}");
}

#[test]
fn rule_with_a_wrong_column_fails_at_load_with_its_id() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rule = r#"id = "LOCAL-002"
title = "Local rule"
workload = "disk"
severity = "warning"
applies_to = ["disk"]
scope = "item"
description = "Names a column that does not exist."
remediation = "None."
references = ["https://example.com/local"]
requires = ["src_disks"]
query = "SELECT id AS object_id, name AS object_name, 'pass' AS status, no_such_column AS reason FROM src_disks"
"#;
    std::fs::write(dir.path().join("LOCAL-002.toml"), rule).expect("write");
    let o = xtenant(&["rules", "lint", p(dir.path())]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(3));
    assert!(err.contains("rule LOCAL-002: query does not plan"), "{err}");
    assert!(err.contains("no_such_column"), "{err}");
}

#[test]
fn validate_usermapping_reports_semicolons_with_line_and_exit_3() {
    let f = common::manifest_dir().join("fixtures/cases/pp-mapping-semicolon/usermapping.csv");
    let o = xtenant(&["validate", "usermapping", p(&f)]);
    let (out, _) = text(&o);
    assert_eq!(o.status.code(), Some(3));
    assert!(out.contains("error[UF-MAP-DELIMITER]"), "{out}");
}

#[test]
fn schema_prints_every_table_with_types_and_sources() {
    let o = xtenant(&["schema", "--table", "mailboxes"]);
    let (out, _) = text(&o);
    assert!(o.status.success());
    assert!(out.starts_with("mailboxes  (Exchange Get-Mailbox"), "{out}");
    assert!(out.contains("exchange_guid"), "{out}");
    let o = xtenant(&["schema", "--table", "nope"]);
    assert_eq!(o.status.code(), Some(3));
}
