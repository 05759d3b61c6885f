//! `plan.json` (format `xtenant-plan`, version 1): the exact requests that
//! move the ready items, which tenant each writes to, what the plan was
//! derived from, and a digest over all of it so `apply` runs exactly what a
//! person reviewed. Schema: docs/plan-schema.md. Building a plan lives in
//! `execute::build`; this module is the file format only, so `apply` depends
//! on nothing else.

use crate::error::{Error, Location, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

pub const PLAN_FORMAT: &str = "xtenant-plan";
pub const PLAN_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub format: String,
    pub version: u32,
    /// RFC 3339 UTC.
    pub created: String,
    /// RFC 3339 UTC; `apply` refuses the plan after it.
    pub expires: String,
    pub derived_from: DerivedFrom,
    pub source: TenantRef,
    pub target: TenantRef,
    /// Base URLs resolved when planned (`arm`, `graph`, `exchange`, `login`),
    /// no trailing slash. Every step URL starts with one of them (or with a
    /// registry login server, for `acr` steps).
    pub endpoints: BTreeMap<String, String>,
    pub options: PlanOptions,
    pub items: Vec<PlanItem>,
    /// File name → content; also written beside plan.json.
    pub runbooks: BTreeMap<String, String>,
    /// Hex SHA-256 over the canonical JSON of everything above (see [`digest`]).
    pub digest: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DerivedFrom {
    pub results: FileRef,
    pub snapshot: SnapshotRef,
    /// SHA-256 of the config file's bytes; `None` when the snapshot's stored
    /// config was used (its hash is covered by the snapshot directory).
    pub config_sha256: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FileRef {
    pub path: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SnapshotRef {
    pub path: String,
    /// The manifest's `content_hash`, verified against the table files when planned.
    pub content_hash: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TenantRef {
    pub tenant_id: Option<String>,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PlanOptions {
    /// `--workload` filter (empty: all).
    pub workloads: Vec<String>,
    /// `--items` filter: item ids or names (empty: all).
    pub items: Vec<String>,
    /// Prerequisite remediation steps were planned (`--remediate`).
    pub remediate: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PlanItem {
    /// The item id in results.json (`items[].id`).
    pub item_id: String,
    pub workload: String,
    pub kind: String,
    pub name: String,
    /// Rules to re-run for this item before its first step.
    pub rules: Vec<String>,
    pub steps: Vec<Step>,
}

/// Which tenant a step writes to (or reads, for a check).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Tenant {
    Source,
    Target,
}

impl Tenant {
    pub fn as_str(self) -> &'static str {
        match self {
            Tenant::Source => "source",
            Tenant::Target => "target",
        }
    }
}

/// Which service (and so which token audience) a step talks to.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    /// Azure Resource Manager.
    Arm,
    /// Microsoft Graph.
    Graph,
    /// Exchange Online admin API (`InvokeCommand`).
    Exchange,
    /// A container registry's data plane (`https://<login server>/v2/…`).
    Acr,
    /// Power Platform admin (manual steps only: their routes are not public).
    Powerplatform,
}

impl Service {
    pub fn as_str(self) -> &'static str {
        match self {
            Service::Arm => "arm",
            Service::Graph => "graph",
            Service::Exchange => "exchange",
            Service::Acr => "acr",
            Service::Powerplatform => "powerplatform",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Unique in the plan and stable across runs: `<item name>/<step name>`.
    pub id: String,
    /// `create-snapshot`, `create-disk`, `create-vm`, `delete-snapshot`,
    /// `check-registry-name`, `create-registry`, `import-image`,
    /// `verify-digests`, `create-image-definition`, `copy-image-version`,
    /// `set-mail-user`, `new-migration-batch`, `pp-*`,
    /// `create-role-definition`, `create-role-assignment`, `invite-guest`.
    pub action: String,
    /// The tenant written to: `source` only for `--remediate` steps.
    pub tenant: Tenant,
    pub service: Service,
    /// HTTP method; `None` only for manual steps.
    pub method: Option<String>,
    /// Full request URL; `None` only for manual steps.
    pub url: Option<String>,
    /// JSON request body, sent as is.
    pub body: Option<Value>,
    /// Also send `x-ms-authorization-auxiliary` with this tenant's token.
    pub auxiliary_tenant: Option<Tenant>,
    /// Follow `Azure-AsyncOperation` / `Location` at the `Retry-After` cadence.
    pub long_running: bool,
    /// Read before write: an existing resource matching `expect` means done.
    pub exists_check: Option<ExistsCheck>,
    /// Step ids that must be done first: usually of the same item; a VM
    /// waits for its data disks' items, a migration batch for the
    /// `set-mail-user` steps of its mailboxes, first steps for the
    /// `--remediate` prerequisites.
    pub after: Vec<String>,
    /// Run by a person: apply stops and prints `runbook`.
    pub manual: bool,
    /// `<file>#<section>` of the runbook that does this step, for manual steps
    /// and steps that also have a PowerShell equivalent.
    pub runbook: Option<String>,
}

/// Actions that send a request but change nothing (a POST that only asks).
pub const READ_ONLY_ACTIONS: &[&str] = &["check-registry-name", "verify-digests"];

impl Step {
    /// Whether xtenant itself changes something with this step: not a manual
    /// step (a person runs it), not a GET, not a read-only action.
    pub fn is_write(&self) -> bool {
        !self.manual
            && !READ_ONLY_ACTIONS.contains(&self.action.as_str())
            && self
                .method
                .as_deref()
                .is_some_and(|m| !m.eq_ignore_ascii_case("GET"))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ExistsCheck {
    pub method: String,
    pub url: String,
    /// Request body of a check that is a POST (Exchange `InvokeCommand`
    /// with a `Get-*` cmdlet); `None` for a GET.
    #[serde(default)]
    pub body: Option<Value>,
    /// Dotted JSON path in the response → the value it must have
    /// (e.g. `properties.provisioningState` → `"Succeeded"`). Empty: a 200 is enough.
    pub expect: BTreeMap<String, Value>,
}

impl ExistsCheck {
    /// The service (token audience) the check is read with: its step's,
    /// except a registry data-plane URL (`…/acr/v1/…`), which an import step
    /// (an ARM request) checks with a registry token.
    pub fn service(&self, step: &Step) -> Service {
        if self.url.contains("/acr/v1/") {
            Service::Acr
        } else {
            step.service
        }
    }
}

impl Plan {
    /// Sets `digest` from the rest of the plan.
    pub fn seal(&mut self) -> Result<()> {
        self.digest = digest(self)?;
        Ok(())
    }

    pub fn steps(&self) -> impl Iterator<Item = (&PlanItem, &Step)> {
        self.items
            .iter()
            .flat_map(|i| i.steps.iter().map(move |s| (i, s)))
    }

    /// The plan as written to disk: pretty JSON with a final newline.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self)
            .map(|s| s + "\n")
            .map_err(|e| Error::Runtime(format!("cannot serialise the plan: {e}")))
    }
}

/// Canonical JSON: object keys sorted at every depth, no whitespace, strings
/// and numbers as serde_json writes them. Field order in the structs,
/// pretty-printing or a reformatting editor cannot change it. Keys are sorted
/// here rather than trusted to serde_json's map, whose order depends on a
/// feature (`preserve_order`) any dependency may switch on.
pub fn canonical_json(v: &Value) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out);
    out
}

fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(o) => {
            let mut keys: Vec<&String> = o.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(&o[k.as_str()], out);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(x, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// Hex SHA-256 over the canonical JSON of the plan without its `digest`.
pub fn digest(plan: &Plan) -> Result<String> {
    let mut v = serde_json::to_value(plan)
        .map_err(|e| Error::Runtime(format!("cannot serialise the plan: {e}")))?;
    Ok(digest_of_value(&mut v))
}

fn digest_of_value(v: &mut Value) -> String {
    if let Some(o) = v.as_object_mut() {
        o.remove("digest");
    }
    hex::encode(Sha256::digest(canonical_json(v).as_bytes()))
}

/// Reads plan.json and refuses anything that is not exactly a sealed version 1
/// plan: another format or version, a damaged file, or a digest that differs
/// (the plan was edited after it was written). Does not check expiry or the
/// results/snapshot hashes: `apply` does, with [`check_fresh`] and its own
/// re-reads.
pub fn load(path: &Path) -> Result<Plan> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let at = || Location::file(path);
    let mut v: Value = serde_json::from_str(&text).map_err(|e| {
        Error::input(
            Location::at(path, e.line(), Some(e.column())),
            format!("plan.json is not valid JSON: {e}"),
            "write the plan again with `xtenant plan`",
        )
    })?;
    // Format and version first, so another file or a newer plan gets a
    // message about that rather than a field error.
    let format = v.get("format").and_then(Value::as_str).unwrap_or("");
    if format != PLAN_FORMAT {
        return Err(Error::input(
            at(),
            format!("not an xtenant plan (format {format:?}, expected {PLAN_FORMAT:?})"),
            "pass the file written by `xtenant plan --out`",
        ));
    }
    let version = v.get("version").and_then(Value::as_u64);
    if version != Some(u64::from(PLAN_VERSION)) {
        let shown = version.map_or_else(|| "missing".to_string(), |n| n.to_string());
        return Err(Error::input(
            at(),
            format!(
                "plan version {shown} is not supported by xtenant {} (it reads version {PLAN_VERSION})",
                crate::VERSION
            ),
            "plan again with this version of xtenant",
        ));
    }
    let recorded = match v.get("digest").and_then(Value::as_str) {
        Some(d) => d.to_string(),
        None => {
            return Err(Error::input(
                at(),
                "the plan has no digest",
                "plan again with `xtenant plan`; a plan without its digest cannot be trusted",
            ))
        }
    };
    let plan: Plan = serde_json::from_value(v.clone()).map_err(|e| {
        Error::input(
            at(),
            format!("plan.json is damaged: {e}"),
            "plan again with `xtenant plan`",
        )
    })?;
    let actual = digest_of_value(&mut v);
    if actual != recorded {
        return Err(Error::input(
            at(),
            format!(
                "the plan was changed after it was written: its digest is {recorded} but its content hashes to {actual}"
            ),
            "plan again with `xtenant plan` and review it with `xtenant plan show`; never edit plan.json by hand",
        ));
    }
    check_steps(&plan, path)?;
    Ok(plan)
}

/// Invariants `apply` relies on, checked on load so a hand-made plan with a
/// valid digest still cannot delete in the source or run a step twice.
fn check_steps(plan: &Plan, path: &Path) -> Result<()> {
    let err = |msg: String| {
        Err(Error::input(
            Location::file(path),
            msg,
            "plan again with `xtenant plan`",
        ))
    };
    let all: std::collections::BTreeSet<&str> = plan.steps().map(|(_, s)| s.id.as_str()).collect();
    let mut seen = std::collections::BTreeSet::new();
    for item in &plan.items {
        for s in &item.steps {
            if !seen.insert(s.id.as_str()) {
                return err(format!("step id {:?} appears twice", s.id));
            }
            let delete = s
                .method
                .as_deref()
                .is_some_and(|m| m.eq_ignore_ascii_case("DELETE"));
            if delete && s.tenant == Tenant::Source {
                return err(format!(
                    "step {} deletes in the source tenant, which xtenant never does",
                    s.id
                ));
            }
            if s.is_write() && s.tenant == Tenant::Source && !plan.options.remediate {
                return err(format!(
                    "step {} writes to the source tenant but the plan was not made with --remediate",
                    s.id
                ));
            }
            if !s.manual && (s.method.is_none() || s.url.is_none()) {
                return err(format!("step {} has no request and is not manual", s.id));
            }
            for a in &s.after {
                if !all.contains(a.as_str()) || a == &s.id {
                    return err(format!(
                        "step {} waits for {a:?}, which is not another step of this plan",
                        s.id
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Refuses a plan past its expiry at `now`.
pub fn check_fresh(plan: &Plan, path: &Path, now: chrono::DateTime<chrono::Utc>) -> Result<()> {
    let expires = chrono::DateTime::parse_from_rfc3339(&plan.expires).map_err(|e| {
        Error::input(
            Location::file(path),
            format!("the plan's expiry {:?} is not a time: {e}", plan.expires),
            "plan again with `xtenant plan`",
        )
    })?;
    if now > expires {
        return Err(Error::input(
            Location::file(path),
            format!(
                "the plan expired at {} (it is now {})",
                plan.expires,
                now.format("%Y-%m-%dT%H:%M:%SZ")
            ),
            "assess again and make a new plan; a stale plan may act on objects that changed since",
        ));
    }
    Ok(())
}

/// Hex SHA-256 of a file's bytes.
pub fn file_sha256(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    Ok(hex::encode(Sha256::digest(&bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Plan {
        let mut p = Plan {
            format: PLAN_FORMAT.into(),
            version: PLAN_VERSION,
            created: "2026-11-26T10:00:00Z".into(),
            expires: "2026-11-27T10:00:00Z".into(),
            derived_from: DerivedFrom {
                results: FileRef {
                    path: "r/results.json".into(),
                    sha256: "aa".into(),
                },
                snapshot: SnapshotRef {
                    path: "s".into(),
                    content_hash: "bb".into(),
                },
                config_sha256: None,
            },
            source: TenantRef::default(),
            target: TenantRef::default(),
            endpoints: BTreeMap::from([("arm".into(), "https://management.azure.com".into())]),
            options: PlanOptions::default(),
            items: vec![PlanItem {
                item_id: "/subscriptions/x/disks/d1".into(),
                workload: "disk".into(),
                kind: "disk".into(),
                name: "d1".into(),
                rules: vec!["DISK-001".into()],
                steps: vec![Step {
                    id: "d1/snapshot".into(),
                    action: "create-snapshot".into(),
                    tenant: Tenant::Target,
                    service: Service::Arm,
                    method: Some("PUT".into()),
                    url: Some("https://management.azure.com/x".into()),
                    body: Some(serde_json::json!({"location": "westeurope", "a": 1})),
                    auxiliary_tenant: Some(Tenant::Source),
                    long_running: true,
                    exists_check: None,
                    after: vec![],
                    manual: false,
                    runbook: None,
                }],
            }],
            runbooks: BTreeMap::new(),
            digest: String::new(),
        };
        p.seal().unwrap();
        p
    }

    fn write(dir: &Path, text: &str) -> std::path::PathBuf {
        std::fs::create_dir_all(dir).unwrap();
        let p = dir.join("plan.json");
        std::fs::write(&p, text).unwrap();
        p
    }

    fn tmp(name: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("xtenant-plan-{}-{name}", std::process::id()))
    }

    #[test]
    fn sealed_plan_round_trips() {
        let p = tiny();
        let path = write(&tmp("ok"), &p.to_json().unwrap());
        assert_eq!(load(&path).unwrap(), p);
    }

    #[test]
    fn digest_ignores_layout_but_not_content() {
        let p = tiny();
        // Compact, key order changed by re-serialising: same digest.
        let compact = serde_json::to_value(&p).unwrap().to_string();
        assert!(load(&write(&tmp("compact"), &compact)).is_ok());
        let tampered = p.to_json().unwrap().replace("westeurope", "eastus");
        let e = load(&write(&tmp("tampered"), &tampered))
            .unwrap_err()
            .to_string();
        assert!(e.contains("changed after it was written"), "{e}");
    }

    #[test]
    fn wrong_format_version_and_missing_digest_are_refused() {
        let v = serde_json::to_value(tiny()).unwrap();
        let mut other = v.clone();
        other["format"] = "xtenant-results".into();
        let e = load(&write(&tmp("fmt"), &other.to_string()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("not an xtenant plan"), "{e}");
        let mut newer = v.clone();
        newer["version"] = 2.into();
        let e = load(&write(&tmp("ver"), &newer.to_string()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("plan version 2 is not supported"), "{e}");
        let mut bare = v;
        bare.as_object_mut().unwrap().remove("digest");
        let e = load(&write(&tmp("nodigest"), &bare.to_string()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("no digest"), "{e}");
    }

    #[test]
    fn a_sealed_source_delete_is_still_refused() {
        let mut p = tiny();
        p.items[0].steps[0].tenant = Tenant::Source;
        p.items[0].steps[0].method = Some("DELETE".into());
        p.options.remediate = true;
        p.seal().unwrap();
        let e = load(&write(&tmp("srcdel"), &p.to_json().unwrap()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("deletes in the source tenant"), "{e}");
    }

    #[test]
    fn expiry_is_enforced() {
        let p = tiny();
        let late = chrono::DateTime::parse_from_rfc3339("2026-11-28T00:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let e = check_fresh(&p, Path::new("plan.json"), late)
            .unwrap_err()
            .to_string();
        assert!(e.contains("expired at 2026-11-27T10:00:00Z"), "{e}");
    }
}
