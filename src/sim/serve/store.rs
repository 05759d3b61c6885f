//! The data the simulator serves: a raw export loaded once at start into
//! per-tenant, per-collection item lists, indexed the ways requests select
//! them (by subscription, by the list a per-parent item belongs to).

use crate::error::{Error, Location, Result};
use crate::raw::{RawExport, Side};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

/// The API families kept as item lists here; Exchange (`exchange/`) and the
/// registries' data plane (`acr/`) are loaded by their own modules.
const FAMILIES: &[&str] = &["arm", "graph", "resource-graph", "powerplatform"];

/// One item of a collection, kept as its compact JSON text (a page is sent by
/// joining item texts; a tree per item would cost five times the memory),
/// with the keys requests select it by.
#[derive(Debug, Clone)]
pub struct Item {
    pub json: Box<str>,
    /// Lowercased id, gallery `locations/{region}` segment removed.
    pub id: String,
    /// Lowercased subscription id from the item's id, else from its page's request URL.
    pub sub: Option<String>,
    /// Lowercased `type`.
    pub ty: Box<str>,
    /// `resourceId` (app role assignments: the resource service principal).
    pub resource_id: Option<Box<str>>,
    /// `@odata.type` (directory objects of a group's members).
    pub odata_type: Option<Box<str>>,
}

impl Item {
    /// The item as a JSON tree, for the few answers that look inside one.
    pub fn value(&self) -> Value {
        serde_json::from_str(&self.json).unwrap_or(Value::Null)
    }
}

/// A collection's items in export order, with lookup indexes.
#[derive(Debug, Default)]
pub struct Collection {
    pub items: Vec<Item>,
    /// Item indexes per subscription, in order.
    pub by_sub: HashMap<String, Vec<usize>>,
    /// Items that name no subscription (policy assignments inherited from a
    /// management group), deduplicated by id: ARM returns them in every
    /// subscription's list.
    pub unscoped: Vec<usize>,
    /// Item indexes per list path (the request path that returns the item:
    /// from the page's `.meta.json` URL, else the id without its last segment).
    pub by_list: HashMap<String, Vec<usize>>,
    /// `@odata.context` of the first page, echoed on Graph pages.
    pub context: Option<String>,
    unscoped_ids: HashSet<String>,
}

impl Collection {
    fn push(&mut self, value: &Value, meta_path: Option<&str>) {
        let text = |k: &str| value.get(k).and_then(Value::as_str);
        let id = text("id").map(normalize_id).unwrap_or_default();
        let sub = subscription_of(&id).or_else(|| meta_path.and_then(subscription_of));
        let list = match meta_path {
            Some(p) => Some(p.to_string()),
            None => id.rsplit_once('/').map(|(parent, _)| parent.to_string()),
        };
        let idx = self.items.len();
        match &sub {
            Some(s) => self.by_sub.entry(s.clone()).or_default().push(idx),
            None => {
                // A set, not a scan: a tenant's 50,000 users name no subscription.
                if id.is_empty() || self.unscoped_ids.insert(id.clone()) {
                    self.unscoped.push(idx);
                }
            }
        }
        if let Some(l) = list.filter(|l| !l.is_empty()) {
            self.by_list.entry(l).or_default().push(idx);
        }
        self.items.push(Item {
            json: value.to_string().into_boxed_str(),
            id,
            sub,
            ty: text("type")
                .unwrap_or("")
                .to_ascii_lowercase()
                .into_boxed_str(),
            resource_id: text("resourceId").map(Into::into),
            odata_type: text("@odata.type").map(Into::into),
        });
    }
}

/// One tenant of the pair.
#[derive(Debug)]
pub struct Tenant {
    pub side: Side,
    /// Lowercased tenant id.
    pub id: String,
    /// Lowercased verified domain names (the token endpoint accepts them too).
    pub domains: Vec<String>,
    /// Lowercased subscription ids this tenant's identity can read, in order.
    pub subscriptions: Vec<String>,
    /// `arm/disks`, `graph/users`, ... (per-parent collections under `children`).
    pub collections: HashMap<String, Collection>,
    /// `graph/group-members` -> group id (lowercased) -> members.
    pub children: HashMap<String, BTreeMap<String, Collection>>,
    /// Normalized ids of every ARM and Resource Graph item, for parent checks.
    pub ids: HashSet<String>,
    /// Number of users, which sets the tenant's Graph quota size.
    pub user_count: usize,
    /// The registries' data plane (`acr/`), by login server.
    pub acr: super::acr::Registries,
    /// `exchange/*`, served by the Exchange admin API.
    pub exchange: super::exchange::Data,
}

impl Tenant {
    pub fn collection(&self, name: &str) -> Option<&Collection> {
        self.collections.get(name)
    }
}

/// Both tenants and who owns which subscription.
#[derive(Debug)]
pub struct Store {
    pub tenants: Vec<Tenant>,
    /// Subscription -> indexes of the tenants whose export lists it.
    pub sub_owner: HashMap<String, Vec<usize>>,
}

impl Store {
    /// Loads every tenant directory (`source/`, `target/`) of a raw export.
    pub fn load(dir: &Path) -> Result<Store> {
        let raw = RawExport::open(dir)?;
        let mut tenants = Vec::new();
        for side in Side::BOTH {
            if raw.side_dir(side).is_dir() {
                tenants.push(load_tenant(&raw, side)?);
            }
        }
        if tenants.is_empty() {
            return Err(Error::input(
                Location::file(dir),
                "the raw export has neither a source/ nor a target/ directory",
                "serve a raw export written by `xtenant collect --save-raw` or `xtenant sim generate`",
            ));
        }
        if tenants.len() == 2 && tenants[0].id == tenants[1].id {
            return Err(Error::input(
                Location::file(dir),
                format!("source and target are the same tenant ({})", tenants[0].id),
                "the simulator answers by the token's tenant, so the two directories must hold two tenants",
            ));
        }
        let mut sub_owner: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, t) in tenants.iter().enumerate() {
            for s in &t.subscriptions {
                sub_owner.entry(s.clone()).or_default().push(i);
            }
        }
        Ok(Store { tenants, sub_owner })
    }

    /// Loads the demo pair embedded in the binary.
    pub fn load_demo() -> Result<Store> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let dir =
            std::env::temp_dir().join(format!("xtenant-sim-demo-{}-{nanos}", std::process::id()));
        crate::demo::extract(&dir)?;
        let store = Store::load(&dir);
        // A leftover temp dir is harmless; failing the start over it is not.
        let _ = std::fs::remove_dir_all(&dir);
        store
    }

    pub fn tenant(&self, id: &str) -> Option<(usize, &Tenant)> {
        let id = id.to_ascii_lowercase();
        self.tenants
            .iter()
            .enumerate()
            .find(|(_, t)| t.id == id || t.domains.contains(&id))
    }
}

fn load_tenant(raw: &RawExport, side: Side) -> Result<Tenant> {
    let mut collections = HashMap::new();
    let mut children: HashMap<String, BTreeMap<String, Collection>> = HashMap::new();
    for family in FAMILIES {
        let fam_dir = raw.side_dir(side).join(family);
        if !fam_dir.is_dir() {
            continue;
        }
        let entries = std::fs::read_dir(&fam_dir).map_err(|e| Error::io(&fam_dir, e))?;
        let mut names = Vec::new();
        for e in entries {
            let e = e.map_err(|e| Error::io(&fam_dir, e))?;
            let name = e.file_name().to_string_lossy().to_string();
            if e.path().is_dir() {
                names.push(name);
            } else if let Some(stem) = name.strip_suffix(".json") {
                if !stem.ends_with(".meta") && !stem.starts_with('_') {
                    names.push(stem.to_string());
                }
            }
        }
        names.sort();
        names.dedup();
        for name in names {
            let coll_name = format!("{family}/{name}");
            let subdirs = raw.children(side, &coll_name)?;
            let has_pages = !raw.page_paths(side, &coll_name)?.is_empty();
            if coll_name == "powerplatform/dataverse" {
                // `dataverse/{env}/{table}`: kept per table, then per environment.
                for env in subdirs {
                    for table in raw.children(side, &format!("{coll_name}/{env}"))? {
                        let c = load_collection(raw, side, &format!("{coll_name}/{env}/{table}"))?;
                        children
                            .entry(format!("{coll_name}/{table}"))
                            .or_default()
                            .insert(env.to_ascii_lowercase(), c);
                    }
                }
            } else if !subdirs.is_empty() && !has_pages {
                let mut map = BTreeMap::new();
                for child in subdirs {
                    let c = load_collection(raw, side, &format!("{coll_name}/{child}"))?;
                    map.insert(child.to_ascii_lowercase(), c);
                }
                children.insert(coll_name, map);
            } else {
                let c = load_collection(raw, side, &coll_name)?;
                collections.insert(coll_name, c);
            }
        }
    }
    let id = tenant_id(&collections)
        .or_else(|| configured_tenant(raw, side))
        .ok_or_else(|| {
            Error::input(
                Location::file(raw.side_dir(side)),
                format!("cannot tell the {} tenant's id", side.as_str()),
                format!(
                    "include graph/organization (or arm/subscriptions with tenantId) in the export, or put an xtenant.toml with [{}] tenant_id beside it",
                    side.as_str()
                ),
            )
        })?;
    let domains = collections
        .get("graph/organization")
        .and_then(|c| c.items.first())
        .map(Item::value)
        .and_then(|o| o.get("verifiedDomains").and_then(Value::as_array).cloned())
        .map(|ds| {
            ds.iter()
                .filter_map(|d| d.get("name").and_then(Value::as_str))
                .map(str::to_ascii_lowercase)
                .collect()
        })
        .unwrap_or_default();
    let subscriptions = subscriptions(&collections);
    let mut ids = HashSet::new();
    for (name, c) in &collections {
        if name.starts_with("arm/") || name.starts_with("resource-graph/") {
            ids.extend(
                c.items
                    .iter()
                    .filter(|i| !i.id.is_empty())
                    .map(|i| i.id.clone()),
            );
        }
    }
    let user_count = collections.get("graph/users").map_or(0, |c| c.items.len());
    let acr = super::acr::Registries::load(raw, side, collections.get("arm/registries"))?;
    Ok(Tenant {
        side,
        id,
        domains,
        subscriptions,
        collections,
        children,
        ids,
        user_count,
        acr,
        exchange: super::exchange::Data::load(raw, side)?,
    })
}

fn load_collection(raw: &RawExport, side: Side, name: &str) -> Result<Collection> {
    let mut c = Collection::default();
    // One page in memory at a time: a large tenant's pages together are
    // several times the size of the item texts kept.
    raw.for_each_page(side, name, |page| {
        let meta_path = page
            .meta
            .as_ref()
            .and_then(|m| m.url.as_deref())
            .and_then(request_path);
        let body = &page.body;
        if c.context.is_none() {
            c.context = body
                .get("@odata.context")
                .and_then(Value::as_str)
                .map(str::to_string);
        }
        match body {
            Value::Array(items) => {
                for v in items {
                    c.push(v, meta_path.as_deref());
                }
            }
            Value::Object(o) => {
                let list = ["value", "data"]
                    .iter()
                    .find_map(|k| o.get(*k).filter(|v| v.is_array() || v.is_null()));
                match list {
                    Some(Value::Array(items)) => {
                        for v in items {
                            c.push(v, meta_path.as_deref());
                        }
                    }
                    Some(_) => {}
                    // A one-object page (crossTenantAccessPolicy/default, an
                    // agreement, the openid configuration).
                    None => c.push(body, meta_path.as_deref()),
                }
            }
            _ => return Err(Error::input(
                Location::file(&page.path),
                "unexpected response shape: expected a JSON object or array",
                "save the response body exactly as the API returned it (see docs/raw-export.md)",
            )),
        }
        Ok(())
    })?;
    Ok(c)
}

/// The tenant id: the organization object, else the subscriptions' home tenant.
fn tenant_id(collections: &HashMap<String, Collection>) -> Option<String> {
    let org = collections
        .get("graph/organization")
        .and_then(|c| c.items.first())
        .map(Item::value);
    if let Some(id) = org
        .as_ref()
        .and_then(|o| o.get("id"))
        .and_then(Value::as_str)
    {
        return Some(id.to_ascii_lowercase());
    }
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for name in ["arm/subscriptions", "resource-graph/resourcecontainers"] {
        for item in collections
            .get(name)
            .map(|c| c.items.as_slice())
            .unwrap_or(&[])
        {
            if let Some(t) = item.value().get("tenantId").and_then(Value::as_str) {
                *counts.entry(t.to_ascii_lowercase()).or_default() += 1;
            }
        }
    }
    counts.into_iter().max_by_key(|(_, n)| *n).map(|(t, _)| t)
}

/// The tenant id an `xtenant.toml` at the export's root gives the side.
fn configured_tenant(raw: &RawExport, side: Side) -> Option<String> {
    let path = raw.root().join(crate::config::FILE_NAME);
    let cfg = crate::config::Config::load(&path).ok()?;
    let t = match side {
        Side::Source => cfg.source.tenant_id,
        Side::Target => cfg.target.tenant_id,
    };
    t.map(|t| t.to_ascii_lowercase())
}

/// Subscriptions listed by `arm/subscriptions`, then any only Resource Graph knows.
fn subscriptions(collections: &HashMap<String, Collection>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |s: Option<String>| {
        if let Some(s) = s {
            if !out.contains(&s) {
                out.push(s);
            }
        }
    };
    if let Some(c) = collections.get("arm/subscriptions") {
        for i in &c.items {
            add(i
                .value()
                .get("subscriptionId")
                .and_then(Value::as_str)
                .map(str::to_ascii_lowercase)
                .or_else(|| i.sub.clone()));
        }
    }
    if let Some(c) = collections.get("resource-graph/resourcecontainers") {
        for i in &c.items {
            if &*i.ty == "microsoft.resources/subscriptions" {
                add(i.sub.clone());
            }
        }
    }
    out
}

/// Lowercases an id, adds a missing leading slash and drops the
/// `locations/{region}` segment gallery objects come back with, so an item
/// matches the request path that lists it.
pub fn normalize_id(id: &str) -> String {
    let mut s = id.trim().to_ascii_lowercase();
    if !s.is_empty() && !s.starts_with('/') {
        s.insert(0, '/');
    }
    if let Some(pos) = s.find("/providers/microsoft.compute/locations/") {
        let after = pos + "/providers/microsoft.compute".len();
        let rest = &s[after + "/locations/".len()..];
        if let Some((_, tail)) = rest.split_once('/') {
            if tail.starts_with("galleries/") {
                s = format!("{}/{}", &s[..after], tail);
            }
        }
    }
    s.trim_end_matches('/').to_string()
}

/// Lowercased path of a saved request URL from `/subscriptions/` on, so an
/// export fetched through the simulator's `/arm` prefix matches too.
pub fn request_path(url: &str) -> Option<String> {
    let path = match url::Url::parse(url) {
        Ok(u) => u.path().to_string(),
        Err(_) => url.split('?').next().unwrap_or("").to_string(),
    };
    let lower = path.to_ascii_lowercase();
    let from = lower.find("/subscriptions/")?;
    Some(lower[from..].trim_end_matches('/').to_string())
}

/// The subscription id of a normalized id or path.
pub fn subscription_of(id: &str) -> Option<String> {
    let rest = id.strip_prefix("/subscriptions/")?;
    let sub = rest.split('/').next()?;
    (!sub.is_empty()).then(|| sub.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gallery_ids_lose_their_location_segment() {
        assert_eq!(
            normalize_id("/subscriptions/S/resourceGroups/RG/providers/Microsoft.Compute/locations/eastus/Galleries/G/Images/I"),
            "/subscriptions/s/resourcegroups/rg/providers/microsoft.compute/galleries/g/images/i"
        );
        assert_eq!(
            normalize_id("subscriptions/S/resourceGroups/RG/providers/Microsoft.Compute/locations/eastus/operations/x"),
            "/subscriptions/s/resourcegroups/rg/providers/microsoft.compute/locations/eastus/operations/x"
        );
    }

    #[test]
    fn meta_urls_match_with_or_without_the_simulator_prefix() {
        assert_eq!(
            request_path("https://management.azure.com/subscriptions/A/providers/Microsoft.Compute/skus?api-version=1").as_deref(),
            Some("/subscriptions/a/providers/microsoft.compute/skus")
        );
        assert_eq!(
            request_path("http://127.0.0.1:9/arm/subscriptions/A/resourceGroups/x/").as_deref(),
            Some("/subscriptions/a/resourcegroups/x")
        );
        assert_eq!(request_path("https://graph.microsoft.com/v1.0/users"), None);
    }

    #[test]
    fn demo_loads_both_tenants_with_their_subscriptions() {
        let s = Store::load_demo().expect("demo");
        assert_eq!(s.tenants.len(), 2);
        let (_, src) = s
            .tenant("8f1c2b3a-0d4e-4f5a-9b6c-7d8e9f0a1b2c")
            .expect("source");
        assert_eq!(src.side, Side::Source);
        assert_eq!(src.subscriptions.len(), 3);
        // Inherited management-group assignment appears twice in the export,
        // once per subscription page; it is served once per subscription.
        let pa = src.collection("arm/policy-assignments").expect("pa");
        assert_eq!(pa.items.len(), 3);
        assert_eq!(pa.unscoped.len(), 1);
        assert!(src.children["graph/group-members"].len() == 2);
        assert!(s.sub_owner["e3f1a2b4-5c6d-4e7f-8a9b-0c1d2e3f4a03"] == vec![1]);
    }

    #[test]
    fn tenant_ids_fall_back_to_the_config_beside_the_export() {
        let dir = tempfile::tempdir().expect("tempdir");
        crate::demo::extract(dir.path()).expect("demo");
        for side in ["source", "target"] {
            std::fs::remove_dir_all(dir.path().join(side).join("graph/organization")).expect("rm");
            std::fs::remove_dir_all(dir.path().join(side).join("arm/subscriptions")).expect("rm");
        }
        let s = Store::load(dir.path()).expect("load");
        assert_eq!(s.tenants[1].id, "2a3b4c5d-6e7f-4081-92a3-b4c5d6e7f809");
        std::fs::remove_file(dir.path().join(crate::config::FILE_NAME)).expect("rm config");
        let e = Store::load(dir.path())
            .expect_err("no id anywhere")
            .to_string();
        assert!(
            e.contains("cannot tell the source tenant's id") && e.contains("tenant_id"),
            "{e}"
        );
    }
}
