//! `xtenant verify`: proof after `apply`. The tenants are collected again
//! live; every item the journal says was executed is checked in the target:
//! a copied disk exists with the source disk's size and SKU (from the
//! snapshot the plan was made from), and every executed step with an exists
//! check passes it again (imported tags carry the source digest, image
//! versions and registries are `Succeeded`, a mail user carries the
//! source's GUIDs and addresses, a batch exists), and a copied image version
//! is replicated to every target region it asked for. Writes
//! `verify.json` and `verify.csv` (planned / executed / verified / failed per
//! item, the columns docs/reports.md describes).

use super::journal::{self, Event, Replay};
use super::plan::{self, Plan, PlanItem, Tenant};
use super::recheck;
use crate::auth::TenantAuth;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::http::write::{WriteClient, WriteOptions};
use crate::raw::Side;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const VERIFY_FORMAT: &str = "xtenant-verify";

pub struct VerifyOptions {
    pub plan: PathBuf,
    pub journal: Option<PathBuf>,
    /// Directory for verify.json and verify.csv; default: beside the plan.
    pub out: Option<PathBuf>,
    pub config: Option<PathBuf>,
    pub auth: Option<[TenantAuth; 2]>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Check {
    pub what: String,
    pub ok: bool,
    pub detail: String,
}

/// `verified`: every step executed and every check passed; `failed`: a
/// check failed or a step failed; `partial`: some steps executed;
/// `not-executed`: nothing done (skipped, pending).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ItemVerdict {
    pub item_id: String,
    pub workload: String,
    pub name: String,
    pub planned_steps: usize,
    pub executed_steps: usize,
    pub failed_steps: usize,
    pub skipped: Option<String>,
    pub state: String,
    pub checks: Vec<Check>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct VerifyReport {
    pub format: String,
    pub version: u32,
    pub plan_digest: String,
    pub verified_at: String,
    /// state → number of items.
    pub summary: BTreeMap<String, usize>,
    pub items: Vec<ItemVerdict>,
}

pub fn run(opts: &VerifyOptions) -> Result<(VerifyReport, Vec<PathBuf>)> {
    // A verify of an expired plan is still useful: only the digest is checked.
    let p = plan::load(&opts.plan)?;
    let jpath = opts
        .journal
        .clone()
        .unwrap_or_else(|| journal::default_path(&opts.plan));
    let replay = Replay::of(journal::read(&jpath)?, &p.digest, &jpath)?;
    let snap = crate::snapshot::read(Path::new(&p.derived_from.snapshot.path))?;
    let cfg = match &opts.config {
        Some(c) => Config::load(c)?,
        None => snap.config.clone(),
    };
    let source = snap.inventory(&["disks"])?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Runtime(format!("cannot start the async runtime: {e}")))?;
    let report = rt.block_on(async {
        let auths = match &opts.auth {
            Some(a) => a.clone(),
            None => [
                TenantAuth::from_config(Side::Source, &cfg.source, &cfg)?,
                TenantAuth::from_config(Side::Target, &cfg.target, &cfg)?,
            ],
        };
        // Only the disk check reads a fresh collection (the rest reads each
        // created object back itself): ARM only, the way the plan's
        // snapshot listed resources, and nothing when no disk was made.
        let has_disks = p
            .items
            .iter()
            .any(|i| i.steps.iter().any(|s| s.action == "create-disk"));
        let (_guard, fresh) = if has_disks {
            let arm_source =
                crate::snapshot::read_manifest(Path::new(&p.derived_from.snapshot.path))
                    .map(|m| recheck::arm_source_of(&m))
                    .unwrap_or_default();
            let (g, _, inv) = recheck::collect_scoped(
                &cfg,
                Some(auths.clone()),
                "verify",
                &[crate::collect::live::Family::Arm],
                arm_source,
            )
            .await?;
            (Some(g), inv)
        } else {
            (None, crate::inventory::Inventory::default())
        };
        let client = WriteClient::new(&p, WriteOptions::default())?;
        let mut items = Vec::new();
        for it in &p.items {
            items.push(verify_item(&p, it, &replay, &source, &fresh, &client, &auths).await);
        }
        let mut summary = BTreeMap::new();
        for i in &items {
            *summary.entry(i.state.clone()).or_insert(0) += 1;
        }
        Ok::<_, Error>(VerifyReport {
            format: VERIFY_FORMAT.into(),
            version: 1,
            plan_digest: p.digest.clone(),
            verified_at: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            summary,
            items,
        })
    })?;
    let dir = opts.out.clone().unwrap_or_else(|| {
        opts.plan
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    });
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let json = dir.join("verify.json");
    let text = serde_json::to_string_pretty(&report)
        .map_err(|e| Error::Runtime(format!("cannot serialise verify.json: {e}")))?;
    std::fs::write(&json, text + "\n").map_err(|e| Error::io(&json, e))?;
    let csv = dir.join("verify.csv");
    write_csv(&csv, &report)?;
    Ok((report, vec![json, csv]))
}

fn write_csv(path: &Path, r: &VerifyReport) -> Result<()> {
    let mut w = csv::Writer::from_path(path)
        .map_err(|e| Error::Runtime(format!("{}: {e}", path.display())))?;
    let err = |e: csv::Error| Error::Runtime(format!("{}: {e}", path.display()));
    w.write_record([
        "item_id", "workload", "name", "planned", "executed", "failed", "state", "detail",
    ])
    .map_err(err)?;
    for i in &r.items {
        let detail = i
            .checks
            .iter()
            .filter(|c| !c.ok)
            .map(|c| format!("{}: {}", c.what, c.detail))
            .chain(i.skipped.clone())
            .collect::<Vec<_>>()
            .join("; ");
        w.write_record([
            i.item_id.as_str(),
            &i.workload,
            &i.name,
            &i.planned_steps.to_string(),
            &i.executed_steps.to_string(),
            &i.failed_steps.to_string(),
            &i.state,
            &detail,
        ])
        .map_err(err)?;
    }
    w.flush().map_err(|e| Error::io(path, e))
}

fn arm_id(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    let path = u.path();
    // Endpoint overrides may add a prefix (the simulator's `/arm`).
    let i = path.to_ascii_lowercase().find("/subscriptions/")?;
    Some(path[i..].to_ascii_lowercase())
}

async fn verify_item(
    p: &Plan,
    it: &PlanItem,
    replay: &Replay,
    source: &crate::inventory::Inventory,
    fresh: &crate::inventory::Inventory,
    client: &WriteClient,
    auths: &[TenantAuth; 2],
) -> ItemVerdict {
    let executed: Vec<_> = it.steps.iter().filter(|s| replay.finished(&s.id)).collect();
    let failed = it
        .steps
        .iter()
        .filter(|s| replay.last(&s.id) == Some(Event::Failed))
        .count();
    let skipped = it
        .steps
        .iter()
        .filter_map(|s| replay.steps.get(&s.id))
        .find(|e| e.event == Event::Skipped)
        .and_then(|e| e.reason.clone());
    let mut checks = Vec::new();
    for s in &executed {
        if s.action == "create-disk" {
            checks.push(disk_check(it, s, source, fresh));
        }
        if s.action == "copy-image-version" {
            checks.push(replication_check(s, client, &auths[1]).await);
        }
        let Some(c) = s.exists_check.as_ref().filter(|_| s.is_write()) else {
            continue;
        };
        if s.action == "delete-snapshot" {
            continue;
        }
        let auth = match s.tenant {
            Tenant::Source => &auths[0],
            Tenant::Target => &auths[1],
        };
        let r = client
            .send(&c.method, &c.url, c.body.as_ref(), c.service(s), auth, None)
            .await;
        let (ok, detail) = match r {
            Ok(r) if r.ok() => {
                let v = r.json().unwrap_or(serde_json::Value::Null);
                if super::apply::matches(&v, &c.expect) {
                    (true, "present in the expected state".to_string())
                } else {
                    (
                        false,
                        format!("present but not as expected ({:?})", c.expect),
                    )
                }
            }
            Ok(r) => (false, r.error_text()),
            Err(e) => (false, e.to_string()),
        };
        checks.push(Check {
            what: format!("{} ({})", s.id, s.action),
            ok,
            detail,
        });
    }
    let _ = p;
    let state = if failed > 0 || checks.iter().any(|c| !c.ok) {
        "failed"
    } else if executed.is_empty() {
        "not-executed"
    } else if executed.len() < it.steps.len() {
        "partial"
    } else {
        "verified"
    };
    ItemVerdict {
        item_id: it.item_id.clone(),
        workload: it.workload.clone(),
        name: it.name.clone(),
        planned_steps: it.steps.len(),
        executed_steps: executed.len(),
        failed_steps: failed,
        skipped,
        state: state.into(),
        checks,
    }
}

/// The copied image version is replicated to every region its step asked
/// for (`replicationStatus.summary[].state` = `Completed`; a version still
/// replicating fails the check, verify again later).
async fn replication_check(s: &plan::Step, client: &WriteClient, auth: &TenantAuth) -> Check {
    let what = format!("{} (replicated to its target regions)", s.id);
    let norm = |r: &str| r.replace(' ', "").to_ascii_lowercase();
    let wanted: Vec<String> = s
        .body
        .as_ref()
        .and_then(|b| b.pointer("/properties/publishingProfile/targetRegions"))
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| r.get("name").and_then(serde_json::Value::as_str))
        .map(norm)
        .collect();
    let Some(url) = s.url.as_deref() else {
        return Check {
            what,
            ok: false,
            detail: "the step has no URL".into(),
        };
    };
    let url = format!("{url}&$expand=ReplicationStatus");
    let r = match client.get(&url, s.service, auth).await {
        Ok(r) if r.ok() => r,
        Ok(r) => {
            return Check {
                what,
                ok: false,
                detail: r.error_text(),
            }
        }
        Err(e) => {
            return Check {
                what,
                ok: false,
                detail: e.to_string(),
            }
        }
    };
    let v = r.json().unwrap_or_default();
    let done: Vec<String> = v
        .pointer("/properties/replicationStatus/summary")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .filter(|x| {
            x.get("state")
                .and_then(serde_json::Value::as_str)
                .is_some_and(|st| st.eq_ignore_ascii_case("Completed"))
        })
        .filter_map(|x| x.get("region").and_then(serde_json::Value::as_str))
        .map(norm)
        .collect();
    let missing: Vec<&String> = wanted.iter().filter(|w| !done.contains(w)).collect();
    Check {
        what,
        ok: missing.is_empty() && !wanted.is_empty(),
        detail: if missing.is_empty() {
            format!("replicated to {}", wanted.join(", "))
        } else {
            format!(
                "not (yet) replicated to {}",
                missing
                    .iter()
                    .map(|m| m.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        },
    }
}

/// The copied disk in the fresh target inventory has the source's size and SKU.
fn disk_check(
    it: &PlanItem,
    s: &plan::Step,
    source: &crate::inventory::Inventory,
    fresh: &crate::inventory::Inventory,
) -> Check {
    let what = format!("{} (disk in the target)", s.id);
    let Some(target_id) = s.url.as_deref().and_then(arm_id) else {
        return Check {
            what,
            ok: false,
            detail: "the step's URL names no ARM resource".into(),
        };
    };
    let src = source
        .disks
        .iter()
        .find(|d| d.tenant == "source" && d.id.eq_ignore_ascii_case(&it.item_id));
    let got = fresh
        .disks
        .iter()
        .find(|d| d.tenant == "target" && d.id.eq_ignore_ascii_case(&target_id));
    match (src, got) {
        (_, None) => Check {
            what,
            ok: false,
            detail: format!("{target_id} is not in the target's disks"),
        },
        (None, Some(_)) => Check {
            what,
            ok: false,
            detail: "the source disk is not in the plan's snapshot".into(),
        },
        (Some(a), Some(b)) => {
            let same_size = a.size_gb == b.size_gb;
            let same_sku = a.sku.as_deref().map(str::to_ascii_lowercase)
                == b.sku.as_deref().map(str::to_ascii_lowercase);
            Check {
                what,
                ok: same_size && same_sku,
                detail: format!(
                    "size {:?} GB (source {:?}), SKU {:?} (source {:?})",
                    b.size_gb, a.size_gb, b.sku, a.sku
                ),
            }
        }
    }
}
