//! Synthetic assessment results at a chosen size, for the report benchmark
//! (`benches/report_bench.sh`) and the large-report tests: the embedded
//! pack's rules, items of every kind in realistic proportions, findings with
//! realistic pass/fail ratios, and readiness decided by the real
//! `rules::readiness`. Same seed and size, same file.

use crate::assess::{self, ExceptionReport, Results, RunInfo};
use crate::error::Result;
use crate::inventory::derived::Item;
use crate::rules::pack::{Pack, Rule, Scope, Severity};
use crate::rules::readiness::{self, Finding};
use crate::snapshot::TenantInfo;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy)]
pub struct ResultsOptions {
    /// How many findings to produce (approximately: whole items are added).
    pub findings: usize,
    pub seed: u64,
}

/// Item kinds with their workload and share of the items.
const KINDS: &[(&str, &str, u32)] = &[
    ("exchange", "mailbox", 60),
    ("disk", "disk", 25),
    ("powerplatform", "mapped-user", 8),
    ("powerplatform", "environment", 3),
    ("acr", "registry", 2),
    ("gallery", "image-version", 2),
];

/// Organisation-level objects per org-level rule.
const ORG_OBJECTS: usize = 4;

pub fn generate(opts: &ResultsOptions) -> Result<Results> {
    let pack = Pack::load(None)?;
    let rules: Vec<&Rule> = pack.rules.iter().collect();
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let mut findings = Vec::with_capacity(opts.findings + 64);
    let org: Vec<&Rule> = rules
        .iter()
        .copied()
        .filter(|r| r.scope == Scope::All)
        .collect();
    for r in &org {
        for n in 0..ORG_OBJECTS {
            let id = format!("/tenants/contoso/{}/object-{n}", r.workload);
            let status = pick_status(&mut rng, 0.9);
            findings.push(finding(
                r,
                &id,
                &format!("{}-org-{n}", r.workload),
                status,
                n,
            ));
        }
    }
    let total_weight: u32 = KINDS.iter().map(|k| k.2).sum();
    let mut items = Vec::new();
    let mut i = 0usize;
    while findings.len() < opts.findings {
        let mut w = rng.random_range(0..total_weight);
        let &(workload, kind, _) = KINDS
            .iter()
            .find(|k| {
                if w < k.2 {
                    true
                } else {
                    w -= k.2;
                    false
                }
            })
            .unwrap_or(&KINDS[0]);
        let applicable: Vec<&Rule> = rules
            .iter()
            .copied()
            .filter(|r| r.scope == Scope::Item && r.applies_to.iter().any(|k| k == kind))
            .collect();
        if applicable.is_empty() {
            i += 1;
            if i > opts.findings + 1_000 {
                break;
            }
            continue;
        }
        let (id, name) = object(kind, i);
        for r in applicable {
            let status = pick_status(&mut rng, 0.86);
            findings.push(finding(r, &id, &name, status, i));
        }
        items.push(Item {
            workload: workload.into(),
            kind: kind.into(),
            id,
            name,
        });
        i += 1;
    }
    findings.sort_by(|a, b| {
        a.rule_id
            .cmp(&b.rule_id)
            .then(a.object_id.cmp(&b.object_id))
    });
    let mut item_results = readiness::decide(&items, &rules, &findings, &Default::default());
    item_results.sort_by(|a, b| {
        (a.workload.as_str(), a.kind.as_str(), a.name.as_str()).cmp(&(
            b.workload.as_str(),
            b.kind.as_str(),
            b.name.as_str(),
        ))
    });
    let summary = assess::summarize(
        &rules,
        &item_results,
        &findings,
        Vec::new(),
        Severity::Blocker,
    );
    let stamp = "2026-01-31T08:00:00Z".to_string();
    Ok(Results {
        format: assess::RESULTS_FORMAT.into(),
        version: assess::RESULTS_VERSION,
        run: RunInfo {
            tool_version: crate::VERSION.into(),
            pack_id: pack.info.id.clone(),
            pack_version: pack.info.version.clone(),
            baseline: "latest".into(),
            source: TenantInfo {
                tenant_id: Some("00000000-0000-4000-8000-00000000c0a7".into()),
                name: Some("Contoso (synthetic)".into()),
            },
            target: TenantInfo {
                tenant_id: Some("00000000-0000-4000-8000-0000000fab12".into()),
                name: Some("Fabrikam (synthetic)".into()),
            },
            collected_at: stamp.clone(),
            assessed_at: stamp,
            snapshot_hash: format!("synthetic-{}-{}", opts.seed, opts.findings),
            fail_on: Severity::Blocker,
        },
        summary,
        rules: rules.iter().map(|r| assess::rule_info(r)).collect(),
        items: item_results,
        findings,
        exceptions: ExceptionReport::default(),
        collection_gaps: Vec::new(),
    })
}

fn pick_status(rng: &mut ChaCha8Rng, pass: f64) -> &'static str {
    let x: f64 = rng.random();
    if x < pass {
        "pass"
    } else if x < pass + (1.0 - pass) * 0.6 {
        "fail"
    } else if x < pass + (1.0 - pass) * 0.9 {
        "warn"
    } else {
        "skip"
    }
}

fn object(kind: &str, i: usize) -> (String, String) {
    let sub = "5b7e1f0c-3a2d-4e8b-9c61-0d2f4a6b8c01";
    let rg = format!("rg-app{:03}", i % 400);
    match kind {
        "mailbox" => {
            let name = format!("user{i:06}@contoso.com");
            (name.clone(), name)
        }
        "mapped-user" => {
            let name = format!("maker{i:06}@contoso.com");
            (name.clone(), name)
        }
        "disk" => {
            let name = format!("disk-app{i:06}");
            (
                format!("/subscriptions/{sub}/resourcegroups/{rg}/providers/microsoft.compute/disks/{name}"),
                name,
            )
        }
        "registry" => {
            let name = format!("contosoacr{i:06}");
            (
                format!("/subscriptions/{sub}/resourcegroups/{rg}/providers/microsoft.containerregistry/registries/{name}"),
                name,
            )
        }
        "image-version" => {
            let name = format!("gallery01/image{:03}/1.0.{}", i % 50, i % 1000);
            (
                format!(
                    "/subscriptions/{sub}/resourcegroups/{rg}/providers/microsoft.compute/galleries/gallery01/images/image{:03}/versions/1.0.{i}",
                    i % 50
                ),
                name,
            )
        }
        _ => {
            let name = format!("env-{i:06}");
            (format!("/environments/{name}"), name)
        }
    }
}

fn finding(r: &Rule, id: &str, name: &str, status: &str, n: usize) -> Finding {
    let reason = match status {
        "pass" => String::new(),
        "skip" => format!("skipped: a rule this one depends on did not pass (case {n})"),
        _ => format!(
            "{}: observed value {} does not meet the requirement",
            r.title.to_lowercase(),
            n % 97
        ),
    };
    Finding {
        rule_id: r.id.clone(),
        severity: r.severity,
        workload: r.workload.clone(),
        object_id: id.into(),
        object_name: name.into(),
        status: status.into(),
        reason,
        excepted: false,
        exception_id: None,
        evidence: BTreeMap::new(),
    }
}
