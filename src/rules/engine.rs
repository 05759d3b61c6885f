//! Runs rules: each rule's SQL over the registered tables, in parallel, with
//! the output contract checked and results in a deterministic order.

use super::pack::{ParamType, Rule};
use crate::collect::Status;
use crate::error::{Error, Result};
use crate::inventory::TableDef;
use polars::prelude::*;
use polars::sql::SQLContext;
use std::collections::BTreeMap;

/// Columns every rule query must return.
pub const CONTRACT: &[&str] = &["object_id", "object_name", "status", "reason"];
pub const STATUSES: &[&str] = &["pass", "fail", "warn", "info", "skip", "error"];

/// A table the rules can read, with how completely each side was collected.
#[derive(Clone)]
pub struct Registered {
    pub frame: LazyFrame,
    pub source: Status,
    pub target: Status,
}

/// Every table a rule may name: base and derived tables, their `src_`/`tgt_`
/// views, and `run_context`.
#[derive(Clone, Default)]
pub struct Catalog {
    tables: BTreeMap<String, Registered>,
}

impl Catalog {
    /// Registers `name` plus its per-tenant views when it has a `tenant` column.
    pub fn add(&mut self, name: &str, df: DataFrame, source: Status, target: Status) {
        let has_tenant = df.schema().contains("tenant");
        let lf = df.lazy();
        if has_tenant {
            for (prefix, tenant, status) in [("src_", "source", source), ("tgt_", "target", target)]
            {
                let view = lf.clone().filter(col("tenant").eq(lit(tenant)));
                self.tables.insert(
                    format!("{prefix}{name}"),
                    Registered {
                        frame: view,
                        source: status,
                        target: status,
                    },
                );
            }
        }
        self.tables.insert(
            name.to_string(),
            Registered {
                frame: lf,
                source,
                target,
            },
        );
    }

    /// A catalog of empty frames with the declared schemas, for planning
    /// rules at load time.
    pub fn empty(defs: &[TableDef]) -> Catalog {
        let mut c = Catalog::default();
        for d in defs {
            c.add(d.name, d.empty_frame(), Status::Complete, Status::Complete);
        }
        c
    }

    pub fn names(&self) -> Vec<&str> {
        self.tables.keys().map(|s| s.as_str()).collect()
    }

    pub fn get(&self, name: &str) -> Option<&Registered> {
        self.tables.get(name)
    }

    /// The worst status of the sides a required table name covers.
    pub fn status_of(&self, name: &str) -> Status {
        match self.tables.get(name) {
            None => Status::NotCollected,
            Some(r) => r.source.max(r.target),
        }
    }
}

/// One row of one rule's output, before exceptions and dependencies.
#[derive(Debug, Clone, PartialEq)]
pub struct RawFinding {
    pub object_id: String,
    pub object_name: String,
    pub status: String,
    pub reason: String,
    pub evidence: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RuleOutcome {
    /// Rows that did not pass (and passing rows too when asked for), plus the
    /// object ids of passing rows kept only as ids: at 200,000 mailboxes the
    /// passing rows are millions, and people act on the others.
    Findings {
        findings: Vec<RawFinding>,
        passed: Vec<String>,
    },
    /// The rule could not run: required data missing or the query failed.
    Error(String),
}

/// The one-row `params` table of a rule: defaults overridden by the config.
pub fn params_frame(rule: &Rule, overrides: Option<&toml::Table>) -> Result<DataFrame> {
    let mut cols = vec![Column::new("rule_id".into(), [rule.id.as_str()])];
    for (name, def) in &rule.params {
        let v = overrides.and_then(|o| o.get(name)).unwrap_or(&def.default);
        let bad = || {
            Error::input(
                crate::error::Location::file("xtenant.toml"),
                format!(
                    "[params.\"{}\"] {name} = {v}: expected {:?}",
                    rule.id, def.ty
                ),
                format!("set {name} to a {:?} value ({})", def.ty, def.description),
            )
        };
        let c = match def.ty {
            ParamType::Int => Column::new(name.into(), [v.as_integer().ok_or_else(bad)?]),
            ParamType::Float => Column::new(
                name.into(),
                [v.as_float()
                    .or_else(|| v.as_integer().map(|i| i as f64))
                    .ok_or_else(bad)?],
            ),
            ParamType::String => Column::new(name.into(), [v.as_str().ok_or_else(bad)?]),
            ParamType::Bool => Column::new(name.into(), [v.as_bool().ok_or_else(bad)?]),
        };
        cols.push(c);
    }
    Ok(DataFrame::new(1, cols)?)
}

fn context_for(catalog: &Catalog, params: DataFrame) -> SQLContext {
    let mut map: PlHashMap<String, LazyFrame> = PlHashMap::new();
    for (k, v) in &catalog.tables {
        map.insert(k.clone(), v.frame.clone());
    }
    map.insert("params".to_string(), params.lazy());
    SQLContext::new_from_table_map(map)
}

/// Plans and runs a rule's query against empty frames of the declared
/// schemas: a wrong column, an unknown table or a broken output contract
/// fails here, with the rule id, before any data is read.
pub fn check_rule(rule: &Rule, catalog: &Catalog) -> std::result::Result<(), String> {
    for t in &rule.requires {
        if catalog.get(t).is_none() {
            return Err(format!("requires unknown table {t:?}"));
        }
    }
    let params = params_frame(rule, None).map_err(|e| e.to_string())?;
    let mut ctx = context_for(catalog, params);
    let lf = ctx
        .execute(&rule.query)
        .map_err(|e| format!("query does not plan: {e}"))?;
    let df = lf
        .collect()
        .map_err(|e| format!("query does not run: {e}"))?;
    for c in CONTRACT {
        match df.schema().get(c) {
            None => {
                return Err(format!(
                    "output lacks the contract column {c:?} (needs {})",
                    CONTRACT.join(", ")
                ))
            }
            Some(DataType::String) | Some(DataType::Null) => {}
            Some(dt) => return Err(format!("contract column {c:?} must be a string, is {dt}")),
        }
    }
    Ok(())
}

/// Runs one rule over the real tables. Passing rows of item-level rules are
/// kept as object ids only, unless `keep_passing`.
pub fn run_rule(
    rule: &Rule,
    catalog: &Catalog,
    overrides: Option<&toml::Table>,
    keep_passing: bool,
) -> RuleOutcome {
    let missing: Vec<String> = rule
        .requires
        .iter()
        .filter_map(|t| {
            let s = catalog.status_of(t);
            (s != Status::Complete).then(|| format!("{t} ({})", s.as_str()))
        })
        .collect();
    if !missing.is_empty() {
        return RuleOutcome::Error(format!(
            "required data was not fully collected: {}",
            missing.join(", ")
        ));
    }
    let params = match params_frame(rule, overrides) {
        Ok(p) => p,
        Err(e) => return RuleOutcome::Error(e.to_string()),
    };
    let mut ctx = context_for(catalog, params);
    let df = match ctx.execute(&rule.query).and_then(|lf| lf.collect()) {
        Ok(df) => df,
        Err(e) => return RuleOutcome::Error(format!("query failed: {e}")),
    };
    let keep = keep_passing || rule.scope == super::pack::Scope::All;
    match split_passing(df, keep) {
        Ok((rest, passed)) => match findings_from(&rest) {
            Ok(findings) => RuleOutcome::Findings { findings, passed },
            Err(e) => RuleOutcome::Error(e),
        },
        Err(e) => RuleOutcome::Error(e),
    }
}

/// Splits off the passing rows as object ids, unless they are to be kept whole.
fn split_passing(
    df: DataFrame,
    keep: bool,
) -> std::result::Result<(DataFrame, Vec<String>), String> {
    if keep || df.height() == 0 {
        return Ok((df, Vec::new()));
    }
    let status = df
        .column("status")
        .map_err(|_| "output lacks the contract column \"status\"".to_string())?
        .cast(&DataType::String)
        .map_err(|e| e.to_string())?;
    let is_pass: BooleanChunked = status
        .str()
        .map_err(|e| e.to_string())?
        .iter()
        .map(|s| s.is_some_and(|s| s.eq_ignore_ascii_case("pass")))
        .collect();
    let passing = df.filter(&is_pass).map_err(|e| e.to_string())?;
    let rest = df.filter(&!&is_pass).map_err(|e| e.to_string())?;
    let mut passed: Vec<String> = string_values(&passing, "object_id")?
        .into_iter()
        .flatten()
        .collect();
    passed.sort();
    Ok((rest, passed))
}

fn string_values(df: &DataFrame, name: &str) -> std::result::Result<Vec<Option<String>>, String> {
    let c = df
        .column(name)
        .map_err(|_| format!("output lacks the contract column {name:?}"))?
        .cast(&DataType::String)
        .map_err(|e| e.to_string())?;
    let ca = c.str().map_err(|e| e.to_string())?;
    Ok(ca.iter().map(|v| v.map(str::to_string)).collect())
}

fn findings_from(df: &DataFrame) -> std::result::Result<Vec<RawFinding>, String> {
    let ids = string_values(df, "object_id")?;
    let names = string_values(df, "object_name")?;
    let statuses = string_values(df, "status")?;
    let reasons = string_values(df, "reason")?;
    let evidence_cols: Vec<(String, Vec<Option<String>>)> = df
        .get_column_names()
        .into_iter()
        .filter(|n| !CONTRACT.contains(&n.as_str()))
        .map(|n| string_values(df, n.as_str()).map(|v| (n.to_string(), v)))
        .collect::<std::result::Result<_, _>>()?;
    let mut out = Vec::with_capacity(df.height());
    for i in 0..df.height() {
        let status = statuses[i].clone().unwrap_or_default().to_lowercase();
        let (status, reason) = if STATUSES.contains(&status.as_str()) {
            (status, reasons[i].clone().unwrap_or_default())
        } else {
            (
                "error".to_string(),
                format!("rule returned an invalid status {status:?}"),
            )
        };
        let evidence = evidence_cols
            .iter()
            .filter_map(|(n, v)| v[i].clone().map(|x| (n.clone(), x)))
            .collect();
        out.push(RawFinding {
            object_id: ids[i].clone().unwrap_or_default(),
            object_name: names[i].clone().unwrap_or_default(),
            status,
            reason,
            evidence,
        });
    }
    // Deterministic order whatever the join order polars chose.
    out.sort_by(|a, b| (&a.object_id, &a.object_name).cmp(&(&b.object_id, &b.object_name)));
    Ok(out)
}

/// Stack of a rule thread: polars plans and optimises a query recursively, and
/// long CTE chains go deep, more so in debug builds (past the 2 MiB of a test
/// thread or a rayon worker).
const RULE_STACK: usize = 32 * 1024 * 1024;

/// Calls `f` on every rule, in parallel on threads with a large stack, and
/// returns the results in rule order (`None` for a rule that did not run,
/// which only a panicking thread could cause, and that panic propagates).
///
/// Plain threads that each take the next rule, not a rayon `par_iter`: a rayon
/// worker that waits for polars' own thread pool keeps stealing queued rules
/// onto its stack, so the plans of several rules pile up on one thread until it
/// overflows (seen with some 60 rules in a debug build).
pub fn on_rule_threads<T: Send>(rules: &[&Rule], f: impl Fn(&Rule) -> T + Sync) -> Vec<Option<T>> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<T>>> = rules.iter().map(|_| Mutex::new(None)).collect();
    let work = || loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(r) = rules.get(i) else { break };
        let out = f(r);
        if let Ok(mut slot) = slots[i].lock() {
            *slot = Some(out);
        }
    };
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(rules.len());
    let mut started = 0;
    std::thread::scope(|s| {
        for _ in 0..workers {
            // A thread that cannot be started leaves its share to the others.
            let spawned = std::thread::Builder::new()
                .name("xtenant-rule".into())
                .stack_size(RULE_STACK)
                .spawn_scoped(s, work);
            started += usize::from(spawned.is_ok());
        }
    });
    if started == 0 {
        // No thread at all: run here, on whatever stack this thread has.
        work();
    }
    slots
        .into_iter()
        .map(|slot| slot.into_inner().ok().flatten())
        .collect()
}

/// Runs every rule and returns the outcomes in rule order.
pub fn run_all(
    rules: &[&Rule],
    catalog: &Catalog,
    overrides: &BTreeMap<String, toml::Table>,
    keep_passing: bool,
) -> Vec<RuleOutcome> {
    on_rule_threads(rules, |r| {
        run_rule(r, catalog, overrides.get(&r.id), keep_passing)
    })
    .into_iter()
    .zip(rules)
    .map(|(out, r)| out.unwrap_or_else(|| RuleOutcome::Error(format!("rule {} did not run", r.id))))
    .collect()
}
