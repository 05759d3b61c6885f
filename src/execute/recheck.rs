//! The re-check before an item's first step: the tenants are collected again
//! live (into a temporary raw export), parsed and assessed with the rule pack,
//! and an item whose rules no longer pass is skipped with the failing rule and
//! its reason. The source objects an item's steps read (the disk a snapshot
//! copies, the registry an import reads, the image version a copy reads) must
//! be in that fresh collection too: one that is gone skips the item. Target
//! objects are read per step by the exists checks in `apply`.
//!
//! The re-check is scoped to the items ([`Scope`]): only the items' rules
//! and the rules they depend on are assessed, and only the API families
//! whose collections feed the tables those rules read are collected (the
//! rules' `requires`, through the derived tables' inputs, to the snapshot
//! manifest's collection -> tables mapping). A disk plan collects ARM and
//! Graph; never Exchange or Power Platform.

use crate::assess;
use crate::auth::TenantAuth;
use crate::collect::live::{self, ArmSource, Family, LiveOptions};
use crate::collect::Status;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::execute::plan::{PlanItem, Service};
use crate::raw::Side;
use crate::rules::pack::Pack;
use crate::rules::readiness::Readiness;
use crate::snapshot::Manifest;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
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

/// What a re-check collects and assesses.
#[derive(Debug, Clone, PartialEq)]
pub struct Scope {
    /// The items' rules and every rule they depend on.
    pub rules: BTreeSet<String>,
    /// The API families whose collections feed the tables those rules read.
    pub families: Vec<Family>,
    /// Resource Graph when the snapshot listed the resources through it (a
    /// generated pair, a tenant of many subscriptions), so the re-check reads
    /// them the same way.
    pub arm_source: ArmSource,
}

impl Scope {
    /// The scope of `items`, from the rule pack and the manifest of the
    /// snapshot the plan was made from. `None` when it cannot be narrowed
    /// safely (a rule the pack does not have, a derived table of unknown
    /// inputs, a family it does not know): then everything is re-checked.
    pub fn of(items: &[&PlanItem], pack: &Pack, manifest: &Manifest) -> Option<Scope> {
        let mut rules = BTreeSet::new();
        let mut todo: Vec<String> = items.iter().flat_map(|i| i.rules.clone()).collect();
        while let Some(id) = todo.pop() {
            let rule = pack.get(&id)?;
            if rules.insert(rule.id.clone()) {
                todo.extend(rule.depends_on.iter().cloned());
            }
        }
        let derived: BTreeSet<&str> = crate::inventory::derived::table_defs()
            .iter()
            .map(|d| d.name)
            .collect();
        let mut tables = BTreeSet::new();
        for id in &rules {
            for t in &pack.get(id)?.requires {
                let base = t
                    .strip_prefix("src_")
                    .or_else(|| t.strip_prefix("tgt_"))
                    .unwrap_or(t);
                if derived.contains(base) {
                    let inputs = crate::inventory::derived::inputs(base);
                    if inputs.is_empty() && base != "run_context" {
                        return None;
                    }
                    tables.extend(inputs.iter().map(|s| s.to_string()));
                } else {
                    tables.insert(base.to_string());
                }
            }
        }
        let mut families = Vec::new();
        for c in &manifest.collections {
            if c.status == Status::NotCollected || !c.tables.iter().any(|t| tables.contains(t)) {
                continue;
            }
            let f = match c.family.as_str() {
                "arm" => Family::Arm,
                // Token probes are made by the Graph family's pass.
                "graph" | "auth" => Family::Graph,
                "exchange" => Family::Exchange,
                "acr" => Family::Acr,
                "powerplatform" => Family::PowerPlatform,
                // Read from the files the config names, not fetched.
                "userfiles" => continue,
                _ => return None,
            };
            if !families.contains(&f) {
                families.push(f);
            }
        }
        if families.contains(&Family::Acr) && !families.contains(&Family::Arm) {
            families.push(Family::Arm);
        }
        // An empty `only` would mean every family: keep at least one.
        if families.is_empty() {
            families.push(Family::Arm);
        }
        families.sort_by_key(|f| Family::ALL.iter().position(|x| x == f));
        Some(Scope {
            rules,
            families,
            arm_source: arm_source_of(manifest),
        })
    }
}

/// Resource Graph when the snapshot's source resources came from it and not
/// from the ARM lists; else the collector's own choice.
pub fn arm_source_of(manifest: &Manifest) -> ArmSource {
    let collected = |name: &str| {
        manifest.collections.iter().any(|c| {
            c.side == Side::Source && c.collection == name && c.status != Status::NotCollected
        })
    };
    if collected("resource-graph/resources") && !collected("arm/disks") {
        ArmSource::ResourceGraph
    } else {
        ArmSource::Auto
    }
}

/// Collects both tenants live and returns the new snapshot's inventory
/// directory inside a temp dir the caller keeps alive.
pub async fn collect_fresh(
    cfg: &Config,
    auths: Option<[TenantAuth; 2]>,
    tag: &str,
) -> Result<(TempDirGuard, PathBuf, crate::inventory::Inventory)> {
    collect_scoped(cfg, auths, tag, &[], ArmSource::Auto).await
}

/// As [`collect_fresh`], for the families in `only` (empty: all).
pub async fn collect_scoped(
    cfg: &Config,
    auths: Option<[TenantAuth; 2]>,
    tag: &str,
    only: &[Family],
    arm_source: ArmSource,
) -> Result<(TempDirGuard, PathBuf, crate::inventory::Inventory)> {
    let tmp = TempDir::new(tag)?;
    let raw = tmp.0.join("raw");
    let snap = tmp.0.join("snapshot");
    let mut opts = LiveOptions::new(&raw);
    opts.auth = auths;
    opts.http = crate::http::HttpOptions::from_config(&cfg.http);
    opts.only = only.to_vec();
    opts.arm_source = arm_source;
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
/// `snapshot` is the plan's snapshot: its manifest scopes the re-check.
pub async fn assess_again(
    cfg: &Config,
    auths: Option<[TenantAuth; 2]>,
    baseline: &str,
    items: &[&PlanItem],
    snapshot: &Path,
) -> Result<BTreeMap<String, Option<Drift>>> {
    let scope = match crate::snapshot::read_manifest(snapshot) {
        Ok(m) => Scope::of(items, &Pack::load(None)?, &m),
        Err(e) => {
            tracing::info!(error = %e, "the plan's snapshot manifest cannot be read: re-checking everything");
            None
        }
    };
    match &scope {
        Some(s) => {
            tracing::info!(rules = s.rules.len(), families = ?s.families, arm_source = ?s.arm_source, "re-check scope")
        }
        None => tracing::info!("re-check scope: every family and rule"),
    }
    let (only, arm_source) = scope.as_ref().map_or((Vec::new(), ArmSource::Auto), |s| {
        (s.families.clone(), s.arm_source)
    });
    let (guard, snap, inv) = collect_scoped(cfg, auths, "recheck", &only, arm_source).await?;
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
    let rules = scope.map(|s| s.rules);
    let results = tokio::task::spawn_blocking(move || assess::run_rules(&opts, rules.as_ref()))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::CollectionOutcome;

    fn outcome(
        family: &str,
        collection: &str,
        status: Status,
        tables: &[&str],
    ) -> CollectionOutcome {
        CollectionOutcome {
            family: family.into(),
            collection: collection.into(),
            side: Side::Source,
            status,
            tables: tables.iter().map(|t| t.to_string()).collect(),
            items: 1,
            error: None,
        }
    }

    /// A generated pair's manifest: resources listed by Resource Graph.
    fn manifest() -> Manifest {
        let c = Status::Complete;
        Manifest {
            format: "xtenant-snapshot".into(),
            schema_version: 1,
            tool_version: "test".into(),
            source: Default::default(),
            target: Default::default(),
            collected_at: String::new(),
            origin: "raw:x".into(),
            collections: vec![
                outcome("arm", "arm/disks", Status::NotCollected, &["disks"]),
                outcome(
                    "arm",
                    "resource-graph/resources",
                    c,
                    &["disks", "registries"],
                ),
                outcome("arm", "arm/role-assignments", c, &["role_assignments"]),
                outcome("graph", "graph/users", c, &["users"]),
                outcome("graph", "graph/applications", c, &["applications"]),
                outcome(
                    "exchange",
                    "exchange/Get-OrganizationRelationship",
                    c,
                    &[
                        "organization_relationships",
                        "organization_relationship_domains",
                    ],
                ),
                outcome(
                    "powerplatform",
                    "powerplatform/environments",
                    c,
                    &["pp_environments"],
                ),
                outcome("acr", "acr/*/_tags", c, &["registry_tags"]),
            ],
            tables: BTreeMap::new(),
            content_hash: String::new(),
        }
    }

    fn item(rules: &[&str]) -> PlanItem {
        PlanItem {
            item_id: "x".into(),
            workload: "disk".into(),
            kind: "disk".into(),
            name: "x".into(),
            rules: rules.iter().map(|r| r.to_string()).collect(),
            steps: vec![],
        }
    }

    #[test]
    fn disk_items_recheck_arm_and_graph_only_with_their_rules_and_dependencies() {
        let pack = Pack::load(None).expect("pack");
        let disk = item(&["DISK-001", "DISK-006"]);
        let s = Scope::of(&[&disk], &pack, &manifest()).expect("scoped");
        assert_eq!(s.families, vec![Family::Arm, Family::Graph]);
        // DISK-006 depends on ID-003.
        let rules: Vec<&str> = s.rules.iter().map(String::as_str).collect();
        assert_eq!(rules, ["DISK-001", "DISK-006", "ID-003"]);
        assert_eq!(s.arm_source, ArmSource::ResourceGraph);

        // An Exchange rule brings Exchange (and never Power Platform).
        let mbx = item(&["EXO-010"]);
        let s = Scope::of(&[&disk, &mbx], &pack, &manifest()).expect("scoped");
        assert_eq!(
            s.families,
            vec![Family::Arm, Family::Graph, Family::Exchange]
        );

        // A rule the pack does not know: everything is re-checked.
        assert_eq!(Scope::of(&[&item(&["NOPE-1"])], &pack, &manifest()), None);

        // Resources listed by ARM: the collector chooses.
        let mut m = manifest();
        m.collections[0].status = Status::Complete;
        assert_eq!(arm_source_of(&m), ArmSource::Auto);
    }
}
