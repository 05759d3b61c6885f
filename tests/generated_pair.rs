//! The synthetic pair (`xtenant sim generate`) is a complete export: every
//! collection a rule requires is there, so assessing it runs every rule
//! (exit code not 2), and each workload has items that pass and items that
//! fail, as in a real estate.

use std::collections::{BTreeMap, BTreeSet};
use xtenant::assess;
use xtenant::config::Config;
use xtenant::rules::pack::Severity;
use xtenant::sim::generate::{generate, GenerateOptions};

#[test]
fn a_generated_pair_assesses_with_no_missing_collection() {
    let dir = tempfile::tempdir().expect("temp dir");
    let raw = dir.path().join("raw");
    generate(&raw, &GenerateOptions::new(1, 42)).expect("generate");
    let config = Config::load(&raw.join(xtenant::config::FILE_NAME)).expect("config");
    let snap = dir.path().join("snapshot");
    let (manifest, _) = xtenant::collect::offline(&raw, &snap, &config).expect("collect");
    let results = assess::run(&assess::Options {
        snapshot: snap,
        out: dir.path().join("results"),
        rules: None,
        exceptions: None,
        config: None,
        baseline: "latest".into(),
        fail_on: Severity::Blocker,
        include_passing: true,
    })
    .expect("assess");

    let gaps: Vec<String> = results
        .collection_gaps
        .iter()
        .map(|g| format!("{:?}", g))
        .collect();
    assert!(gaps.is_empty(), "incomplete collections: {gaps:#?}");
    let errors: Vec<String> = results
        .summary
        .rule_errors
        .iter()
        .map(|e| format!("{}: {}", e.rule_id, e.error))
        .collect();
    assert!(errors.is_empty(), "rules that could not run: {errors:#?}");
    let erroring: BTreeSet<&str> = results
        .findings
        .iter()
        .filter(|f| f.status == "error")
        .map(|f| f.rule_id.as_str())
        .collect();
    assert!(
        erroring.is_empty(),
        "rules with error findings: {erroring:?}"
    );
    assert_ne!(results.summary.exit_code, 2, "exit code 2: data missing");
    assert!(!manifest.tables.is_empty());

    // Per workload: (passing, failing) findings.
    let mut by_workload: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for rule in &results.rules {
        by_workload.entry(rule.workload.as_str()).or_default();
    }
    for f in &results.findings {
        let e = by_workload.entry(f.workload.as_str()).or_default();
        match f.status.as_str() {
            "pass" => e.0 += 1,
            "fail" => e.1 += 1,
            _ => {}
        }
    }
    println!("findings per workload (pass, fail): {by_workload:?}");
    for (workload, (pass, fail)) in &by_workload {
        assert!(
            *pass > 0 && *fail > 0,
            "{workload}: {pass} passing and {fail} failing findings"
        );
    }
    // Every rule judged something.
    let judged: BTreeSet<&str> = results
        .findings
        .iter()
        .map(|f| f.rule_id.as_str())
        .collect();
    let silent: Vec<&str> = results
        .rules
        .iter()
        .map(|r| r.id.as_str())
        .filter(|id| !judged.contains(id))
        .collect();
    println!("rules with no finding: {silent:?}");
}
