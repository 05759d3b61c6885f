//! Building a plan: results.json (which items are ready) + the snapshot they
//! were assessed from (what the objects are) + the config (where they go) →
//! [`Plan`]. One module per workload turns its ready items into steps; the
//! PowerShell equivalents are assembled by `execute::runbook`.
//!
//! Nothing here talks to a tenant: every request is written out for a person
//! to review (`plan show`) and for `apply` to send verbatim.

pub mod acr;
pub mod disk;
pub mod exchange;
pub mod gallery;
pub mod powerplatform;
pub mod remediate;

use super::plan::{
    self, DerivedFrom, ExistsCheck, FileRef, Plan, PlanItem, PlanOptions, Service, SnapshotRef,
    Step, Tenant, TenantRef,
};
use super::runbook::Runbooks;
use crate::assess::{self, Results};
use crate::config::Config;
use crate::error::{Error, InputError, Location, Result};
use crate::inventory::derived::{self, MailboxPair, MigrationIdentity, RegistryTarget};
use crate::inventory::Inventory;
use crate::rules::readiness::{ItemResult, Readiness};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// ARM API versions of the requests planned (the ones the specs' examples use).
pub const COMPUTE_API: &str = "2024-03-02";
pub const VM_API: &str = "2024-07-01";
pub const NETWORK_API: &str = "2024-05-01";
pub const ACR_API: &str = "2023-07-01";
pub const GALLERY_API: &str = "2023-07-03";
pub const AUTHORIZATION_API: &str = "2022-04-01";

/// Workloads `--workload` accepts.
pub const WORKLOADS: &[&str] = &["disk", "acr", "gallery", "exchange", "powerplatform"];

#[derive(Debug, Clone)]
pub struct Options {
    /// Directory holding results.json.
    pub results: PathBuf,
    /// Snapshot directory; default: `snapshot` beside the results directory,
    /// else inside it.
    pub snapshot: Option<PathBuf>,
    /// Config to plan with; default: the one stored in the snapshot.
    pub config: Option<PathBuf>,
    pub workloads: Vec<String>,
    pub items: Vec<String>,
    pub remediate: bool,
    pub valid_for: chrono::Duration,
    pub now: chrono::DateTime<chrono::Utc>,
}

/// A plan and what was left out of it, with why.
pub struct Built {
    pub plan: Plan,
    /// Ready items that have no steps (a kind that does not move on its own,
    /// or a selection that named items that are not ready), one line each.
    pub notes: Vec<String>,
}

/// What each workload's planner reads.
pub struct Ctx<'a> {
    pub cfg: &'a Config,
    pub config_location: Location,
    pub inv: &'a Inventory,
    pub arm: String,
    pub graph: String,
    pub exchange: String,
    /// A registry's data plane, `{host}` for its login server (`https://{host}`).
    pub acr: String,
    pub source_tenant_id: Option<String>,
    pub target_tenant_id: Option<String>,
    pub pairs: Vec<MailboxPair>,
    pub registry_targets: Vec<RegistryTarget>,
    pub identities: Vec<MigrationIdentity>,
    /// Item kind → the rules that judge it (to re-run before its first step).
    pub rules_by_kind: BTreeMap<String, Vec<String>>,
}

impl Ctx<'_> {
    pub fn rules_for(&self, kind: &str) -> Vec<String> {
        self.rules_by_kind.get(kind).cloned().unwrap_or_default()
    }

    /// A config problem: where, what, and the key that fixes it.
    pub fn config_error(&self, message: impl Into<String>, fix: impl Into<String>) -> InputError {
        InputError {
            location: self.config_location.clone(),
            message: message.into(),
            fix: Some(fix.into()),
        }
    }

    /// A snapshot that lacks what a ready item needs: the assessment and the
    /// tables disagree, so plan nothing rather than guess.
    pub fn data_error(&self, item: &ItemResult, what: &str) -> InputError {
        InputError {
            location: Location::default(),
            message: format!("{} {}: {what}", item.kind, item.name),
            fix: Some("collect and assess again; the snapshot does not match the results".into()),
        }
    }
}

/// Tables the planners read (the others stay untyped).
const TABLES: &[&str] = &[
    "tenants",
    "tenant_domains",
    "disks",
    "virtual_machines",
    "vm_data_disks",
    "registries",
    "registry_tags",
    "galleries",
    "gallery_images",
    "gallery_image_versions",
    "gallery_image_version_regions",
    "mailboxes",
    "mail_users",
    "proxy_addresses",
    "accepted_domains",
    "migration_endpoints",
    "migration_batch",
    "pp_environments",
    "users",
    "service_principals",
    "applications",
];

/// Reads results, snapshot and config, checks they belong together, and plans.
pub fn build(opts: &Options) -> Result<Built> {
    let results_path = opts.results.join("results.json");
    let results = assess::read_results(&opts.results)?;
    let results_sha = plan::file_sha256(&results_path)?;
    let snap_dir = find_snapshot(opts)?;
    verify_snapshot(&snap_dir, &results)?;
    let snap = crate::snapshot::read(&snap_dir)?;
    let (cfg, config_sha256) = match &opts.config {
        Some(p) => (Config::load(p)?, Some(plan::file_sha256(p)?)),
        None => (snap.config.clone(), None),
    };
    let tables: Vec<&str> = TABLES
        .iter()
        .copied()
        .filter(|t| snap.frames.contains_key(*t))
        .collect();
    let inv = snap.inventory(&tables)?;
    let endpoints = resolve_endpoints(&cfg)?;
    let tenant_id =
        |side: &str, c: &crate::config::TenantConfig, m: &crate::snapshot::TenantInfo| {
            c.tenant_id
                .as_deref()
                .and_then(crate::normalize::canonical_guid)
                .or_else(|| m.tenant_id.clone())
                .or_else(|| {
                    inv.tenants
                        .iter()
                        .find(|t| t.tenant == side)
                        .map(|t| t.tenant_id.clone())
                })
        };
    let mut rules_by_kind: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in &results.rules {
        for k in &r.applies_to {
            rules_by_kind
                .entry(k.clone())
                .or_default()
                .push(r.id.clone());
        }
    }
    for v in rules_by_kind.values_mut() {
        v.sort();
        v.dedup();
    }
    let ctx = Ctx {
        cfg: &cfg,
        config_location: cfg.location(),
        inv: &inv,
        arm: endpoints["arm"].clone(),
        graph: endpoints["graph"].clone(),
        exchange: endpoints["exchange"].clone(),
        acr: endpoints["acr"].clone(),
        source_tenant_id: tenant_id("source", &cfg.source, &snap.manifest.source),
        target_tenant_id: tenant_id("target", &cfg.target, &snap.manifest.target),
        pairs: derived::mailbox_pairs::compute(&inv),
        registry_targets: derived::plans::registry_targets(&inv, &cfg),
        identities: derived::identities::compute(&inv, &cfg),
        rules_by_kind,
    };

    // With --remediate, a mailbox held back only by what its own
    // Set-MailUser writes (the target mail user's stamps) is planned too.
    let takes = |i: &ItemResult| plannable(i) || (opts.remediate && exchange::stampable(&ctx, i));
    let (selected, mut notes) = select(&results, opts, &takes)?;
    let mut by_workload: BTreeMap<&str, Vec<&ItemResult>> = BTreeMap::new();
    for it in &selected {
        by_workload
            .entry(it.workload.as_str())
            .or_default()
            .push(it);
    }
    let mut problems = Vec::new();
    let mut runbooks = Runbooks::default();
    let mut items: Vec<PlanItem> = Vec::new();
    for (workload, its) in &by_workload {
        let planned = match *workload {
            "disk" => disk::plan(&ctx, its, &mut problems, &mut notes),
            "acr" => acr::plan(&ctx, its, &mut problems),
            "gallery" => gallery::plan(&ctx, its, &mut problems),
            "exchange" => exchange::plan(&ctx, its, &mut problems, &mut notes, &mut runbooks),
            "powerplatform" => {
                powerplatform::plan(&ctx, its, &mut problems, &mut notes, &mut runbooks)
            }
            other => {
                for it in its {
                    notes.push(format!(
                        "{} {} ({other}) is ready but has no execution steps: {}",
                        it.kind,
                        it.name,
                        no_steps_reason(&it.kind)
                    ));
                }
                Vec::new()
            }
        };
        items.extend(planned);
    }
    if opts.remediate {
        let prereq = remediate::plan(&ctx, &mut items, &mut problems, &mut notes);
        // Prerequisites first, so a reader sees them before what needs them.
        items.splice(0..0, prereq);
    }
    check_unique_ids(&items, &mut problems);
    if !problems.is_empty() {
        return Err(Error::Inputs(problems));
    }
    let mut plan = Plan {
        format: plan::PLAN_FORMAT.into(),
        version: plan::PLAN_VERSION,
        created: rfc3339(opts.now),
        expires: rfc3339(opts.now + opts.valid_for),
        derived_from: DerivedFrom {
            results: FileRef {
                path: display_path(&results_path),
                sha256: results_sha,
            },
            snapshot: SnapshotRef {
                path: display_path(&snap_dir),
                content_hash: snap.manifest.content_hash.clone(),
            },
            config_sha256,
        },
        source: TenantRef {
            tenant_id: ctx.source_tenant_id.clone(),
            name: results.run.source.name.clone(),
        },
        target: TenantRef {
            tenant_id: ctx.target_tenant_id.clone(),
            name: results.run.target.name.clone(),
        },
        endpoints,
        options: PlanOptions {
            workloads: opts.workloads.clone(),
            items: opts.items.clone(),
            remediate: opts.remediate,
        },
        items,
        runbooks: runbooks.finish(),
        digest: String::new(),
    };
    plan.seal()?;
    Ok(Built { plan, notes })
}

fn no_steps_reason(kind: &str) -> &'static str {
    match kind {
        "mapped-user" => {
            "mapped users move with their environment (the mapping file is uploaded by its pp-upload-mapping step)"
        }
        "subscription" => {
            "transferring a whole subscription to the target directory is done in the portal (`az account transfer` is not planned)"
        }
        _ => "xtenant has no steps for this kind",
    }
}

/// Ready, not excepted, and in the selection. Names given to `--items` that
/// are not ready are noted, never planned.
fn select<'r>(
    results: &'r Results,
    opts: &Options,
    takes: &dyn Fn(&ItemResult) -> bool,
) -> Result<(Vec<&'r ItemResult>, Vec<String>)> {
    for w in &opts.workloads {
        if !WORKLOADS.contains(&w.as_str()) {
            return Err(Error::input(
                Location::default(),
                format!("--workload {w}: unknown workload"),
                format!("use one of: {}", WORKLOADS.join(", ")),
            ));
        }
    }
    let mut notes = Vec::new();
    for want in &opts.items {
        match results
            .items
            .iter()
            .find(|i| &i.id == want || &i.name == want)
        {
            None => {
                return Err(Error::input(
                    Location::file(opts.results.join("results.json")),
                    format!("--items {want}: no item with this id or name in the results"),
                    "use an id or name from items.csv",
                ))
            }
            Some(i) if !takes(i) => notes.push(format!(
                "{} {} is {}{}: not planned",
                i.kind,
                i.name,
                i.readiness.as_str(),
                describe_rules(i)
            )),
            Some(_) => {}
        }
    }
    let chosen = results
        .items
        .iter()
        .filter(|i| takes(i))
        .filter(|i| opts.workloads.is_empty() || opts.workloads.contains(&i.workload))
        .filter(|i| opts.items.is_empty() || opts.items.iter().any(|w| w == &i.id || w == &i.name))
        .collect();
    Ok((chosen, notes))
}

fn describe_rules(i: &ItemResult) -> String {
    let mut parts = Vec::new();
    if !i.blockers.is_empty() {
        parts.push(format!("blocked by {}", i.blockers.join(", ")));
    }
    if !i.excepted.is_empty() {
        parts.push(format!("excepted {}", i.excepted.join(", ")));
    }
    if !i.review.is_empty() {
        parts.push(format!("review {}", i.review.join(", ")));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join("; "))
    }
}

/// Only `ready` items whose blockers were not waived: an excepted blocker is
/// accepted for reporting, never for acting.
pub fn plannable(i: &ItemResult) -> bool {
    i.readiness == Readiness::Ready && i.excepted.is_empty() && i.blockers.is_empty()
}

fn check_unique_ids(items: &[PlanItem], problems: &mut Vec<InputError>) {
    let mut seen = BTreeMap::new();
    for it in items {
        for s in &it.steps {
            if let Some(prev) = seen.insert(s.id.clone(), it.item_id.clone()) {
                problems.push(InputError {
                    location: Location::default(),
                    message: format!(
                        "step {} would be planned twice (items {prev} and {}): two items share a name",
                        s.id, it.item_id
                    ),
                    fix: Some(
                        "plan them in separate runs with --items, or rename one; target names follow source names"
                            .into(),
                    ),
                });
            }
        }
    }
}

fn find_snapshot(opts: &Options) -> Result<PathBuf> {
    if let Some(s) = &opts.snapshot {
        return Ok(s.clone());
    }
    let beside = opts
        .results
        .parent()
        .map(|p| p.join("snapshot"))
        .filter(|p| p.join("manifest.json").is_file());
    let inside = Some(opts.results.join("snapshot")).filter(|p| p.join("manifest.json").is_file());
    beside.or(inside).ok_or_else(|| {
        Error::input(
            Location::file(&opts.results),
            "no snapshot beside the results (looked for ../snapshot and ./snapshot)",
            "pass the snapshot the results were assessed from with --snapshot DIR",
        )
    })
}

/// The snapshot must be the one assessed (manifest hash = results'), and its
/// tables must still hash to what the manifest says: a plan is only as good
/// as the data it read.
fn verify_snapshot(dir: &Path, results: &Results) -> Result<()> {
    let manifest = crate::snapshot::read_manifest(dir)?;
    if manifest.content_hash != results.run.snapshot_hash {
        return Err(Error::input(
            Location::file(dir.join("manifest.json")),
            format!(
                "this snapshot (content hash {}) is not the one the results were assessed from ({})",
                manifest.content_hash, results.run.snapshot_hash
            ),
            "pass the snapshot the results came from with --snapshot, or assess this snapshot again",
        ));
    }
    let actual = content_hash(dir)?;
    if actual != manifest.content_hash {
        return Err(Error::input(
            Location::file(dir.join("tables")),
            format!(
                "the snapshot's tables changed after collection: they hash to {actual}, the manifest says {}",
                manifest.content_hash
            ),
            "collect and assess again; never edit a snapshot",
        ));
    }
    Ok(())
}

/// Recomputes the manifest's `content_hash` from the table files: SHA-256
/// over each table name and the SHA-256 of its file, in name order.
pub fn content_hash(dir: &Path) -> Result<String> {
    let mut names = Inventory::table_names();
    names.sort_unstable();
    let mut h = Sha256::new();
    for name in names {
        let p = dir.join("tables").join(format!("{name}.parquet"));
        let bytes = std::fs::read(&p).map_err(|e| Error::io(&p, e))?;
        h.update(name.as_bytes());
        h.update(Sha256::digest(&bytes));
    }
    Ok(hex::encode(h.finalize()))
}

/// Base URLs every step uses: the target cloud's, with `[endpoints]` overrides.
fn resolve_endpoints(cfg: &Config) -> Result<BTreeMap<String, String>> {
    use crate::auth::cloud::{Cloud, Endpoints, AZURE_CLOUD};
    let cloud = cfg
        .target
        .cloud
        .as_deref()
        .and_then(Cloud::by_name)
        .unwrap_or(&AZURE_CLOUD);
    let e = Endpoints::resolve(cloud, &cfg.endpoints).map_err(|e| match e {
        Error::Input(mut i) => {
            i.location = cfg.location();
            Error::Input(i)
        }
        other => other,
    })?;
    let exchange_default = match cloud.name {
        "AzureUSGovernment" => "https://outlook.office365.us",
        "AzureChinaCloud" => "https://partner.outlook.cn",
        _ => "https://outlook.office365.com",
    };
    let exchange = cfg
        .endpoints
        .exchange
        .as_deref()
        .map(|v| v.trim().trim_end_matches('/').to_string())
        .unwrap_or_else(|| exchange_default.to_string());
    Ok(BTreeMap::from([
        ("acr".to_string(), e.acr),
        ("arm".to_string(), e.arm),
        ("exchange".to_string(), exchange),
        ("graph".to_string(), e.graph),
        ("login".to_string(), e.login),
    ]))
}

fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn display_path(p: &Path) -> String {
    std::path::absolute(p)
        .unwrap_or_else(|_| p.to_path_buf())
        .display()
        .to_string()
}

/// Writes plan.json and each runbook beside it.
pub fn write(plan: &Plan, out: &Path) -> Result<Vec<PathBuf>> {
    let runtime = |p: &Path, e: std::io::Error| Error::Runtime(format!("{}: {e}", p.display()));
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| runtime(dir, e))?;
    }
    std::fs::write(out, plan.to_json()?).map_err(|e| runtime(out, e))?;
    let mut written = vec![out.to_path_buf()];
    let dir = out.parent().unwrap_or(Path::new("."));
    for (name, text) in &plan.runbooks {
        let p = dir.join(name);
        std::fs::write(&p, text).map_err(|e| runtime(&p, e))?;
        written.push(p);
    }
    // A runbook left by an earlier plan in this directory would be taken for
    // this plan's: an admin could run moves nobody planned this time.
    for name in [super::runbook::EXCHANGE, super::runbook::POWERPLATFORM] {
        let p = dir.join(name);
        if !plan.runbooks.contains_key(name) && p.is_file() {
            std::fs::remove_file(&p).map_err(|e| runtime(&p, e))?;
            tracing::info!(path = %p.display(), "removed a runbook of an earlier plan");
        }
    }
    Ok(written)
}

/// `--valid-for`: `24h`, `90m`, `2d`, `3600s`.
pub fn parse_duration(s: &str) -> std::result::Result<chrono::Duration, String> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: i64 = num
        .parse()
        .map_err(|_| format!("{s:?}: expected a number and a unit, e.g. 24h"))?;
    let d = match unit {
        "s" => chrono::Duration::try_seconds(n),
        "m" => chrono::Duration::try_minutes(n),
        "h" | "" => chrono::Duration::try_hours(n),
        "d" => chrono::Duration::try_days(n),
        _ => return Err(format!("{s:?}: unknown unit {unit:?} (use s, m, h or d)")),
    };
    match d {
        Some(d) if n > 0 => Ok(d),
        _ => Err(format!(
            "{s:?}: must be more than zero and under a few years"
        )),
    }
}

// --- step construction helpers shared by the workloads ---

/// A step with the common defaults: writes the target, no auxiliary token,
/// not long-running, no check, nothing before it, not manual.
pub fn step(id: String, action: &str, service: Service, method: &str, url: String) -> Step {
    Step {
        id,
        action: action.to_string(),
        tenant: Tenant::Target,
        service,
        method: Some(method.to_string()),
        url: Some(url),
        body: None,
        auxiliary_tenant: None,
        long_running: false,
        exists_check: None,
        after: Vec::new(),
        manual: false,
        runbook: None,
    }
}

/// Read-before-write on an ARM resource: present and `Succeeded` means done.
pub fn arm_exists(url: &str) -> ExistsCheck {
    ExistsCheck {
        method: "GET".into(),
        url: url.to_string(),
        body: None,
        expect: BTreeMap::from([(
            "properties.provisioningState".to_string(),
            Value::from("Succeeded"),
        )]),
    }
}

/// `{arm}/{id}?api-version=…` for a resource id (with its leading slash).
pub fn arm_url(arm: &str, id: &str, api: &str) -> String {
    format!("{arm}{id}?api-version={api}")
}

/// A canonical (lower-case) resource id with ARM's usual casing of the fixed
/// segments, for requests people read; ARM itself ignores the case.
pub fn display_id(id: &str) -> String {
    id.replace("/resourcegroups/", "/resourceGroups/")
        .replace(
            "/providers/microsoft.compute/",
            "/providers/Microsoft.Compute/",
        )
        .replace(
            "/providers/microsoft.containerregistry/",
            "/providers/Microsoft.ContainerRegistry/",
        )
}

/// A GUID derived from its inputs: role definitions and assignments need
/// GUID names, and the same plan inputs must give the same name (so a second
/// apply finds the first one's resource instead of creating another).
pub fn stable_guid(parts: &[&str]) -> String {
    let h = Sha256::digest(parts.join("\n").as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&h[..16]);
    // Version 5 and the RFC 4122 variant, so services that validate GUIDs accept it.
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let x = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &x[0..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("24h").unwrap(), chrono::Duration::hours(24));
        assert_eq!(
            parse_duration("90m").unwrap(),
            chrono::Duration::minutes(90)
        );
        assert_eq!(parse_duration("2d").unwrap(), chrono::Duration::days(2));
        assert!(parse_duration("0h").is_err());
        assert!(parse_duration("1w").is_err());
        assert!(parse_duration("h").is_err());
    }

    #[test]
    fn stable_guids_are_guids_and_stable() {
        let a = stable_guid(&["/subscriptions/x", "role"]);
        assert_eq!(a, stable_guid(&["/subscriptions/x", "role"]));
        assert_ne!(a, stable_guid(&["/subscriptions/y", "role"]));
        assert!(crate::normalize::canonical_guid(&a).is_some(), "{a}");
        assert_eq!(&a[14..15], "5");
        assert!("89ab".contains(&a[19..20]), "{a}");
    }
}
