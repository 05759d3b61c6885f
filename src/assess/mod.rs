//! `assess`: snapshot + rule pack + exceptions → findings and readiness per
//! item, written as `results.json` (schema in docs/results-schema.md). The
//! CSVs, HTML, Excel and Markdown views of it are the `report` stage's.

pub mod outputs;

use crate::collect::Status;
use crate::config::Config;
use crate::error::{exit, Error, InputError, Location, Result};
use crate::inventory::{derived, Inventory};
use crate::raw::Side;
use crate::rules::engine::{self, Catalog, RuleOutcome};
use crate::rules::exceptions::{self, Exception};
use crate::rules::pack::{Pack, Rule, Scope, Severity};
use crate::rules::readiness::{self, Finding, ItemResult, Readiness};
use crate::snapshot::{self, Manifest};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const RESULTS_FORMAT: &str = "xtenant-results";
pub const RESULTS_VERSION: u32 = 1;

#[derive(Debug, Clone)]
pub struct Options {
    pub snapshot: PathBuf,
    pub out: PathBuf,
    pub rules: Option<PathBuf>,
    pub exceptions: Option<PathBuf>,
    pub config: Option<PathBuf>,
    pub baseline: String,
    pub fail_on: Severity,
    /// Keep passing findings of item-level rules whole in `findings` (they
    /// are otherwise counted, and the items they concern marked assessed).
    pub include_passing: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Results {
    pub format: String,
    pub version: u32,
    pub run: RunInfo,
    pub summary: Summary,
    pub rules: Vec<RuleInfo>,
    pub items: Vec<ItemResult>,
    pub findings: Vec<Finding>,
    pub exceptions: ExceptionReport,
    /// Collections that were not complete, with their errors.
    pub collection_gaps: Vec<crate::collect::CollectionOutcome>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunInfo {
    pub tool_version: String,
    pub pack_id: String,
    pub pack_version: String,
    pub baseline: String,
    pub source: snapshot::TenantInfo,
    pub target: snapshot::TenantInfo,
    pub collected_at: String,
    pub assessed_at: String,
    pub snapshot_hash: String,
    pub fail_on: Severity,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Summary {
    /// workload → readiness → count.
    pub readiness: BTreeMap<String, BTreeMap<String, usize>>,
    /// status → count, over all findings (excepted included; passing rows
    /// counted even when `findings` leaves them out).
    pub findings: BTreeMap<String, usize>,
    pub excepted: usize,
    /// Rules that could not run, with why.
    pub rule_errors: Vec<RuleError>,
    /// Blocker rules by the number of items they block, most first.
    pub top_blockers: Vec<TopBlocker>,
    pub exit_code: i32,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RuleError {
    pub rule_id: String,
    pub error: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TopBlocker {
    pub rule_id: String,
    pub title: String,
    pub items: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RuleInfo {
    pub id: String,
    pub title: String,
    pub workload: String,
    pub severity: Severity,
    pub applies_to: Vec<String>,
    pub description: String,
    pub predicts: Vec<String>,
    pub remediation: String,
    pub references: Vec<String>,
    pub covers: Vec<String>,
    /// `item`: findings name items; `all`: organisation-level objects that
    /// hold back every item of the kinds in `applies_to`.
    #[serde(default = "item_scope")]
    pub scope: Scope,
}

fn item_scope() -> Scope {
    Scope::Item
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ExceptionReport {
    pub applied: Vec<Exception>,
    pub expired: Vec<Exception>,
    pub unused: Vec<Exception>,
}

/// Lints every selected rule and plans it against empty frames of the
/// declared schemas. Errors carry the rule id and file.
pub fn validate_rules(rules: &[&Rule]) -> Result<()> {
    let mut defs = Inventory::table_defs();
    defs.extend(derived::table_defs());
    let catalog = Catalog::empty(&defs);
    let planned = engine::on_rule_threads(rules, |r| engine::check_rule(r, &catalog));
    let mut errs = Vec::new();
    for (r, plan) in rules.iter().zip(planned) {
        for issue in crate::rules::lint::lint_sql(&r.query) {
            errs.push(InputError {
                location: Location::file(&r.origin),
                message: format!("rule {}: {} {}", r.id, issue.code, issue.message),
                fix: Some(issue.fix.to_string()),
            });
        }
        if let Err(e) = plan.unwrap_or_else(|| Err("the rule was not planned".into())) {
            errs.push(InputError {
                location: Location::file(&r.origin),
                message: format!("rule {}: {e}", r.id),
                fix: Some(
                    "see docs/rule-authoring.md for the tables and the output contract".into(),
                ),
            });
        }
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(Error::Inputs(errs))
    }
}

/// Every base table but [`derived::UNTYPED`].
fn typed_tables() -> Vec<&'static str> {
    Inventory::table_names()
        .into_iter()
        .filter(|t| !derived::UNTYPED.contains(t))
        .collect()
}

/// Whether every rule of the embedded pack has linted and planned in this
/// process. The embedded pack and the schemas are compiled in, so the answer
/// cannot change; checking it once saves half of each later assessment (the
/// demo assesses twice, the tests dozens of times). Held while checking, so a
/// run started meanwhile waits for the answer instead of checking again.
static EMBEDDED_PACK_VALID: std::sync::Mutex<bool> = std::sync::Mutex::new(false);

/// [`validate_rules`] on the selection, at most once per process for the
/// whole embedded pack.
fn validate_selected(pack: &Pack, selected: &[&Rule], user_rules: bool) -> Result<()> {
    if user_rules || selected.len() != pack.rules.len() {
        return validate_rules(selected);
    }
    // A poisoned lock only means another run panicked while checking: check again.
    let mut valid = EMBEDDED_PACK_VALID
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if !*valid {
        validate_rules(selected)?;
        *valid = true;
    }
    Ok(())
}

pub fn run(opts: &Options) -> Result<Results> {
    run_rules(opts, None)
}

/// As [`run`], with only the baseline's rules whose ids are in `only` (the
/// apply re-check: the planned items' rules and what they depend on).
pub fn run_rules(
    opts: &Options,
    only: Option<&std::collections::BTreeSet<String>>,
) -> Result<Results> {
    let pack = Pack::load(opts.rules.as_deref())?;
    let mut selected = pack.select(&opts.baseline)?;
    if let Some(only) = only {
        selected.retain(|r| only.contains(&r.id));
    }
    validate_selected(&pack, &selected, opts.rules.is_some())?;
    let exceptions = match &opts.exceptions {
        Some(p) => exceptions::load(p, |id| pack.get(id).is_some())?,
        None => Vec::new(),
    };
    let started = std::time::Instant::now();
    let snap = snapshot::read(&opts.snapshot)?;
    tracing::info!(elapsed = ?started.elapsed(), "read the snapshot");
    let config = match &opts.config {
        Some(p) => Config::load(p)?,
        None => snap.config.clone(),
    };
    let now = chrono::Utc::now();
    let results = evaluate(
        &pack,
        &selected,
        &snap.inventory(&typed_tables())?,
        &snap.frames,
        &snap.manifest,
        &config,
        &exceptions,
        &now.format("%Y-%m-%d").to_string(),
        &now.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        opts,
    )?;
    tracing::info!(elapsed = ?started.elapsed(), "assessed");
    outputs::write_all(&opts.out, &results)?;
    tracing::info!(elapsed = ?started.elapsed(), "wrote the results");
    Ok(results)
}

#[allow(clippy::too_many_arguments)]
fn evaluate(
    pack: &Pack,
    rules: &[&Rule],
    inv: &Inventory,
    frames: &BTreeMap<String, polars::prelude::DataFrame>,
    manifest: &Manifest,
    config: &Config,
    exceptions: &[Exception],
    run_date: &str,
    run_time: &str,
    opts: &Options,
) -> Result<Results> {
    let mut catalog = Catalog::default();
    for (name, df) in frames {
        catalog.add(
            name,
            df.clone(),
            manifest.table_status(name, Side::Source),
            manifest.table_status(name, Side::Target),
        );
    }
    let t = std::time::Instant::now();
    let d = derived::compute(inv, config, run_date, run_time)?;
    tracing::info!(elapsed = ?t.elapsed(), "computed the derived tables");
    for (name, df) in d.frames {
        let worst = |side: Side| {
            derived::inputs(name)
                .iter()
                .map(|t| manifest.table_status(t, side))
                .max()
                .unwrap_or(Status::Complete)
        };
        let (s, t) = (worst(Side::Source), worst(Side::Target));
        catalog.add(name, df, s, t);
    }

    let t = std::time::Instant::now();
    let outcomes = engine::run_all(rules, &catalog, &config.params, opts.include_passing);
    tracing::info!(elapsed = ?t.elapsed(), "ran the rules");
    let mut findings = Vec::new();
    let mut passed: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut rule_errors = Vec::new();
    for (rule, outcome) in rules.iter().zip(outcomes) {
        let mk =
            |object_id: String, object_name: String, status: String, reason: String, evidence| {
                Finding {
                    rule_id: rule.id.clone(),
                    severity: rule.severity,
                    workload: rule.workload.clone(),
                    object_id,
                    object_name,
                    status,
                    reason,
                    excepted: false,
                    exception_id: None,
                    evidence,
                }
            };
        match outcome {
            RuleOutcome::Findings {
                findings: rows,
                passed: ids,
            } => {
                for r in rows {
                    findings.push(mk(
                        r.object_id,
                        r.object_name,
                        r.status,
                        r.reason,
                        r.evidence,
                    ));
                }
                if !ids.is_empty() {
                    passed.insert(rule.id.clone(), ids);
                }
            }
            RuleOutcome::Error(e) => {
                rule_errors.push(RuleError {
                    rule_id: rule.id.clone(),
                    error: e.clone(),
                });
                findings.push(mk(
                    "*".into(),
                    "(whole rule)".into(),
                    "error".into(),
                    e,
                    BTreeMap::new(),
                ));
            }
        }
    }
    apply_dependencies(rules, &mut findings);
    let exception_report = apply_exceptions(exceptions, &mut findings, run_date);
    let items = readiness::decide(&d.items, rules, &findings, &passed);
    let mut summary = summarize(rules, &items, &findings, rule_errors, opts.fail_on);
    let n_passed: usize = passed.values().map(Vec::len).sum();
    if n_passed > 0 {
        *summary.findings.entry("pass".into()).or_default() += n_passed;
    }
    Ok(Results {
        format: RESULTS_FORMAT.into(),
        version: RESULTS_VERSION,
        run: RunInfo {
            tool_version: crate::VERSION.into(),
            pack_id: pack.info.id.clone(),
            pack_version: pack.info.version.clone(),
            baseline: opts.baseline.clone(),
            source: manifest.source.clone(),
            target: manifest.target.clone(),
            collected_at: manifest.collected_at.clone(),
            assessed_at: run_time.into(),
            snapshot_hash: manifest.content_hash.clone(),
            fail_on: opts.fail_on,
        },
        summary,
        rules: rules.iter().map(|r| rule_info(r)).collect(),
        items,
        findings,
        exceptions: exception_report,
        // A collection that stands in for another (Resource Graph for ARM
        // lists) is no gap when the tables it feeds are complete anyway.
        collection_gaps: manifest
            .collections
            .iter()
            .filter(|c| c.status != Status::Complete)
            .filter(|c| {
                c.tables
                    .iter()
                    .any(|t| manifest.table_status(t, c.side) != Status::Complete)
            })
            .cloned()
            .collect(),
    })
}

/// A rule as `results.json` describes it.
pub(crate) fn rule_info(r: &Rule) -> RuleInfo {
    RuleInfo {
        id: r.id.clone(),
        title: r.title.clone(),
        workload: r.workload.clone(),
        severity: r.severity,
        applies_to: r.applies_to.clone(),
        description: r.description.trim().to_string(),
        predicts: r.predicts.clone(),
        remediation: r.remediation.trim().to_string(),
        references: r.references.clone(),
        covers: r.covers.clone(),
        scope: r.scope,
    }
}

/// A finding whose object failed (or errored) a rule it depends on becomes
/// `skip`, so one root cause is reported once.
fn apply_dependencies(rules: &[&Rule], findings: &mut [Finding]) {
    let failed: std::collections::HashSet<(String, String)> = findings
        .iter()
        .filter(|f| f.status == "fail" || f.status == "error")
        .map(|f| (f.rule_id.clone(), f.object_id.clone()))
        .collect();
    let errored: std::collections::HashSet<String> = findings
        .iter()
        .filter(|f| f.status == "error" && f.object_id == "*")
        .map(|f| f.rule_id.clone())
        .collect();
    for f in findings.iter_mut() {
        let Some(rule) = rules.iter().find(|r| r.id == f.rule_id) else {
            continue;
        };
        if f.status == "pass" || f.status == "skip" || f.object_id == "*" {
            continue;
        }
        if let Some(dep) = rule
            .depends_on
            .iter()
            .find(|d| errored.contains(*d) || failed.contains(&((*d).clone(), f.object_id.clone())))
        {
            f.reason = format!("skipped: {dep} did not pass for this object ({})", f.reason);
            f.status = "skip".into();
        }
    }
}

fn apply_exceptions(
    exceptions: &[Exception],
    findings: &mut [Finding],
    today: &str,
) -> ExceptionReport {
    let mut report = ExceptionReport::default();
    for e in exceptions {
        if e.expired(today) {
            report.expired.push(e.clone());
            continue;
        }
        let mut used = false;
        for f in findings.iter_mut() {
            if matches!(f.status.as_str(), "fail" | "warn" | "error")
                && e.matches(&f.rule_id, &f.object_id, &f.object_name)
            {
                f.excepted = true;
                f.exception_id = Some(e.id.clone());
                used = true;
            }
        }
        if used {
            report.applied.push(e.clone());
        } else {
            report.unused.push(e.clone());
        }
    }
    report
}

pub(crate) fn summarize(
    rules: &[&Rule],
    items: &[ItemResult],
    findings: &[Finding],
    rule_errors: Vec<RuleError>,
    fail_on: Severity,
) -> Summary {
    let mut s = Summary::default();
    for i in items {
        *s.readiness
            .entry(i.workload.clone())
            .or_default()
            .entry(i.readiness.as_str().to_string())
            .or_default() += 1;
    }
    for f in findings {
        *s.findings.entry(f.status.clone()).or_default() += 1;
        if f.excepted {
            s.excepted += 1;
        }
    }
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for i in items.iter().filter(|i| i.readiness == Readiness::Blocked) {
        for b in &i.blockers {
            *counts.entry(b.as_str()).or_default() += 1;
        }
    }
    let mut top: Vec<TopBlocker> = counts
        .into_iter()
        .map(|(id, n)| TopBlocker {
            rule_id: id.to_string(),
            title: rules
                .iter()
                .find(|r| r.id == id)
                .map(|r| r.title.clone())
                .unwrap_or_default(),
            items: n,
        })
        .collect();
    top.sort_by(|a, b| b.items.cmp(&a.items).then(a.rule_id.cmp(&b.rule_id)));
    s.top_blockers = top;
    let errored =
        !rule_errors.is_empty() || findings.iter().any(|f| f.status == "error" && !f.excepted);
    let failing = findings.iter().any(|f| {
        !f.excepted
            && f.severity >= fail_on
            && (f.status == "fail" || (fail_on == Severity::Warning && f.status == "warn"))
    });
    s.rule_errors = rule_errors;
    s.exit_code = if errored {
        exit::RULE_ERROR
    } else if failing {
        exit::FAILING
    } else {
        exit::OK
    };
    s
}

/// Reads a `results.json` written by `assess` (reports and execution use it).
pub fn read_results(dir: &Path) -> Result<Results> {
    let p = dir.join("results.json");
    let text = std::fs::read_to_string(&p).map_err(|e| Error::io(&p, e))?;
    let r: Results = serde_json::from_str(&text).map_err(|e| crate::raw::json_error(&p, &e))?;
    if r.format != RESULTS_FORMAT || r.version != RESULTS_VERSION {
        return Err(Error::input(
            Location::file(&p),
            format!(
                "results format {} v{} is not supported",
                r.format, r.version
            ),
            "assess again with this version of xtenant",
        ));
    }
    Ok(r)
}
