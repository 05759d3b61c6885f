//! The re-check before an item's first step: the tenants are collected again
//! live (into a temporary raw export), parsed and assessed with the rule pack,
//! and an item whose rules no longer pass is skipped with the failing rule and
//! its reason. Then, per item, the source objects its steps read (the disk a
//! snapshot copies, the registry an import reads, the image version a copy
//! reads) are fetched with the source tenant's token: a source object that is
//! gone skips the item too.

use crate::assess;
use crate::auth::TenantAuth;
use crate::collect::live::{self, LiveOptions};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::execute::plan::{Plan, PlanItem, Service};
use crate::http::write::WriteClient;
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
        let p = std::env::temp_dir().join(format!(
            "xtenant-{tag}-{}-{nanos}",
            std::process::id()
        ));
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
    let (_, inv) = tokio::task::spawn_blocking(move || {
        crate::collect::from_raw(&raw2, &snap2, &cfg2, "live")
    })
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
    let (guard, snap, _) = collect_fresh(cfg, auths, "recheck").await?;
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
    Ok(judge(&results, items))
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

/// GETs the source objects `item`'s steps read; the first one missing is a drift.
pub async fn source_objects(
    client: &WriteClient,
    plan: &Plan,
    item: &PlanItem,
    source: &TenantAuth,
) -> Result<Option<Drift>> {
    let Some(arm) = plan.endpoints.get("arm") else {
        return Ok(None);
    };
    for s in &item.steps {
        let (Some(body), Some(url)) = (&s.body, &s.url) else {
            continue;
        };
        if s.service != Service::Arm || s.auxiliary_tenant.is_none() {
            continue;
        }
        // The same provider's API version as the step itself.
        let api = url::Url::parse(url).ok().and_then(|u| {
            u.query_pairs()
                .find(|(k, _)| k == "api-version")
                .map(|(_, v)| v.to_string())
        });
        let Some(api) = api else { continue };
        for id in source_ids(body) {
            let get = format!("{arm}{id}?api-version={api}");
            let r = client.get(&get, Service::Arm, source).await?;
            if r.status == 404 {
                return Ok(Some(Drift {
                    rule_id: None,
                    reason: format!("the source object {id} no longer exists"),
                }));
            }
            if !r.ok() {
                return Ok(Some(Drift {
                    rule_id: None,
                    reason: format!("cannot read the source object {id}: {}", r.error_text()),
                }));
            }
        }
    }
    Ok(None)
}
