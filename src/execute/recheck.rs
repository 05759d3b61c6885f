//! The re-check before an item's first step: the tenants are collected again
//! live (into a temporary raw export), parsed and assessed with the rule pack,
//! and an item whose rules no longer pass is skipped with the failing rule and
//! its reason. The source objects an item's steps read (the disk a snapshot
//! copies, the registry an import reads, the image version a copy reads) must
//! be in that fresh collection too: one that is gone skips the item. Target
//! objects are read per step by the exists checks in `apply`.

use crate::assess;
use crate::auth::TenantAuth;
use crate::collect::live::{self, LiveOptions};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::execute::plan::{PlanItem, Service};
use crate::rules::readiness::Readiness;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Why an item no longer passes.
#[derive(Debug, Clone, PartialEq)]
pub struct Drift {
    pub rule_id: Option<String>,
    pub reason: String,
}

/// A temporary directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Result<TempDir> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let p = std::env::temp_dir().join(format!("xtenant-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&p).map_err(|e| Error::io(&p, e))?;
        Ok(TempDir(p))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Collects both tenants live and returns the new snapshot's inventory
/// directory inside a temp dir the caller keeps alive.
pub async fn collect_fresh(
    cfg: &Config,
    auths: Option<[TenantAuth; 2]>,
    tag: &str,
) -> Result<(TempDirGuard, PathBuf, crate::inventory::Inventory)> {
    let tmp = TempDir::new(tag)?;
    let raw = tmp.0.join("raw");
    let snap = tmp.0.join("snapshot");
    let mut opts = LiveOptions::new(&raw);
    opts.auth = auths;
    opts.http = crate::http::HttpOptions::from_config(&cfg.http);
    let summary = live::collect_live_async(cfg, &opts).await?;
    for c in summary.incomplete() {
        tracing::info!(side = c.side.as_str(), collection = %c.collection, status = ?c.status, "re-check collection incomplete");
    }
    let cfg2 = cfg.clone();
    let (raw2, snap2) = (raw.clone(), snap.clone());
    let (_, inv) =
        tokio::task::spawn_blocking(move || crate::collect::from_raw(&raw2, &snap2, &cfg2, "live"))
            .await
            .map_err(|e| Error::Runtime(format!("the re-check's parse stopped: {e}")))??;
    Ok((TempDirGuard(tmp), snap, inv))
}

/// Keeps a temporary collection alive.
pub struct TempDirGuard(#[allow(dead_code)] TempDir);

impl TempDirGuard {
    pub fn path(&self) -> &Path {
        &self.0 .0
    }
}

/// Re-collects, re-assesses and judges `items`: `None` = still passes.
pub async fn assess_again(
    cfg: &Config,
    auths: Option<[TenantAuth; 2]>,
    baseline: &str,
    items: &[&PlanItem],
) -> Result<BTreeMap<String, Option<Drift>>> {
    let (guard, snap, inv) = collect_fresh(cfg, auths, "recheck").await?;
    let objects = SourceObjects::of(&inv);
    let out = guard.path().join("results");
    let opts = assess::Options {
        snapshot: snap,
        out,
        rules: None,
        exceptions: None,
        config: None,
        baseline: baseline.to_string(),
        fail_on: crate::rules::pack::Severity::Blocker,
        include_passing: false,
    };
    let results = tokio::task::spawn_blocking(move || assess::run(&opts))
        .await
        .map_err(|e| Error::Runtime(format!("the re-check's assessment stopped: {e}")))??;
    let mut verdicts = judge(&results, items);
    for it in items {
        if let Some(v) = verdicts.get_mut(&it.item_id) {
            if v.is_none() {
                *v = source_objects(it, &objects);
            }
        }
    }
    Ok(verdicts)
}

/// The verdict per plan item from a fresh assessment.
pub fn judge(results: &assess::Results, items: &[&PlanItem]) -> BTreeMap<String, Option<Drift>> {
    let by_id: BTreeMap<String, &crate::rules::readiness::ItemResult> = results
        .items
        .iter()
        .map(|i| (i.id.to_ascii_lowercase(), i))
        .collect();
    let mut out = BTreeMap::new();
    for it in items {
        // Items made by the planner (batches, prerequisites) have no rules
        // of their own; their members are checked as items.
        if it.rules.is_empty() {
            out.insert(it.item_id.clone(), None);
            continue;
        }
        let verdict = match by_id.get(&it.item_id.to_ascii_lowercase()) {
            None => Some(Drift {
                rule_id: None,
                reason: "the item is no longer in the source tenant's inventory".into(),
            }),
            Some(r) if r.readiness == Readiness::Ready => None,
            // Held back only by rules the plan does not re-run: those its
            // own steps fix (a mail user's stamps, `plan --remediate`).
            Some(r)
                if r.readiness == Readiness::Blocked
                    && r.review.is_empty()
                    && r.blockers.iter().all(|b| !it.rules.contains(b)) =>
            {
                None
            }
            Some(r) => {
                let rule = r
                    .blockers
                    .iter()
                    .find(|b| it.rules.contains(b))
                    .or(r.blockers.first())
                    .cloned();
                let reason = rule
                    .as_deref()
                    .and_then(|rid| {
                        results
                            .findings
                            .iter()
                            .find(|f| {
                                f.rule_id == rid
                                    && f.status == "fail"
                                    && f.object_id.eq_ignore_ascii_case(&it.item_id)
                            })
                            .or_else(|| {
                                results
                                    .findings
                                    .iter()
                                    .find(|f| f.rule_id == rid && f.status == "fail")
                            })
                            .map(|f| f.reason.clone())
                    })
                    .unwrap_or_else(|| {
                        format!(
                            "the item is now {} (it was ready when planned)",
                            r.readiness.as_str()
                        )
                    });
                Some(Drift {
                    rule_id: rule,
                    reason,
                })
            }
        };
        out.insert(it.item_id.clone(), verdict);
    }
    out
}

/// Resource ids in a step body that name an object of the other tenant.
pub fn source_ids(body: &Value) -> Vec<String> {
    [
        "/properties/creationData/sourceResourceId",
        "/source/resourceId",
        "/properties/storageProfile/source/id",
    ]
    .iter()
    .filter_map(|p| body.pointer(p).and_then(Value::as_str))
    .map(str::to_string)
    .collect()
}

/// Ids of the source objects a step can read (disks, registries, image
/// versions), lowercase, from a fresh collection.
#[derive(Debug, Clone, Default)]
pub struct SourceObjects(std::collections::BTreeSet<String>);

impl SourceObjects {
    pub fn of(inv: &crate::inventory::Inventory) -> SourceObjects {
        let src = |t: &str| t == "source";
        SourceObjects(
            inv.disks
                .iter()
                .filter(|d| src(&d.tenant))
                .map(|d| d.id.to_ascii_lowercase())
                .chain(
                    inv.registries
                        .iter()
                        .filter(|r| src(&r.tenant))
                        .map(|r| r.id.to_ascii_lowercase()),
                )
                .chain(
                    inv.gallery_image_versions
                        .iter()
                        .filter(|v| src(&v.tenant))
                        .map(|v| v.id.to_ascii_lowercase()),
                )
                .collect(),
        )
    }
}

/// The first source object `item`'s steps read that the fresh collection no
/// longer has. The re-check's collection read the source moments ago, so a
/// per-object GET would only repeat it.
pub fn source_objects(item: &PlanItem, fresh: &SourceObjects) -> Option<Drift> {
    for s in &item.steps {
        let Some(body) = &s.body else { continue };
        if s.service != Service::Arm || s.auxiliary_tenant.is_none() {
            continue;
        }
        for id in source_ids(body) {
            if !fresh.0.contains(&id.to_ascii_lowercase()) {
                return Some(Drift {
                    rule_id: None,
                    reason: format!(
                        "the source object {id} is no longer in the source tenant (collected again just now)"
                    ),
                });
            }
        }
    }
    None
}
