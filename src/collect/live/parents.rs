//! The parents of per-parent and per-subscription requests, read back from
//! the pages already written (one page in memory at a time), so a fan-out
//! never needs the whole parent collection in memory.

use crate::collect::arm::fetch_rg;
use crate::collect::graph::fetch as graph;
use crate::error::Result;
use crate::normalize::{canonical_guid, str_at};
use crate::raw::{items, Envelope, RawExport, Side};
use serde_json::Value;
use std::collections::{BTreeSet, HashSet};

/// The Resource Graph `type` of the objects of an ARM collection, for
/// parents read from Resource Graph rows when the ARM listing was not made.
fn graph_type(collection: &str) -> Option<&'static str> {
    Some(match collection {
        "arm/registries" => "microsoft.containerregistry/registries",
        "arm/virtual-machines" => "microsoft.compute/virtualmachines",
        "arm/disks" => "microsoft.compute/disks",
        "arm/galleries" => "microsoft.compute/galleries",
        _ => return None,
    })
}

/// Calls `f` on every object of an ARM collection, or on the Resource Graph
/// rows of the same type when the ARM listing was not made.
pub fn each_arm_object(
    raw: &RawExport,
    side: Side,
    collection: &str,
    mut f: impl FnMut(&Value),
) -> Result<()> {
    if raw.has(side, collection) {
        return raw.for_each_page(side, collection, |page| {
            for item in items(std::slice::from_ref(page), Envelope::Value)? {
                f(item.value);
            }
            Ok(())
        });
    }
    let Some(ty) = graph_type(collection) else {
        return Ok(());
    };
    raw.for_each_page(side, fetch_rg::RESOURCES, |page| {
        for row in items(std::slice::from_ref(page), Envelope::Data)? {
            if str_at(row.value, "type").is_some_and(|t| t.eq_ignore_ascii_case(ty)) {
                f(row.value);
            }
        }
        Ok(())
    })
}

/// Item ids of an ARM collection (or its Resource Graph stand-in), in order,
/// each once.
pub fn arm_ids(raw: &RawExport, side: Side, collection: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    each_arm_object(raw, side, collection, |v| {
        if let Some(id) = str_at(v, "id") {
            if seen.insert(id.to_lowercase()) {
                out.push(id);
            }
        }
    })?;
    Ok(out)
}

/// Subscription ids the token can list, in order, restricted to `only` when
/// the config names subscriptions (compared case-insensitively).
pub fn subscriptions(raw: &RawExport, side: Side, only: &[String]) -> Result<Vec<String>> {
    let only: HashSet<String> = only.iter().map(|s| s.trim().to_lowercase()).collect();
    let mut out = Vec::new();
    raw.for_each_page(side, "arm/subscriptions", |page| {
        for item in items(std::slice::from_ref(page), Envelope::Value)? {
            let id = str_at(item.value, "subscriptionId").or_else(|| {
                str_at(item.value, "id").map(|i| i.rsplit('/').next().unwrap_or("").to_string())
            });
            if let Some(id) = id.filter(|i| !i.is_empty()) {
                if only.is_empty() || only.contains(&id.to_lowercase()) {
                    out.push(id);
                }
            }
        }
        Ok(())
    })?;
    Ok(out)
}

/// Gallery image paths (`/subscriptions/.../galleries/{g}/images/{i}`) for
/// the version listings: the image list's request path plus the image name,
/// because returned image ids carry an extra `locations/{region}` segment
/// and capitalised `Images`.
pub fn gallery_images(raw: &RawExport, side: Side) -> Result<Vec<String>> {
    let mut out = Vec::new();
    raw.for_each_page(side, "arm/gallery-images", |page| {
        let Some(url) = page.meta.as_ref().and_then(|m| m.url.as_deref()) else {
            return Ok(());
        };
        let Some(prefix) = arm_path(url) else {
            return Ok(());
        };
        for item in items(std::slice::from_ref(page), Envelope::Value)? {
            if let Some(name) = str_at(item.value, "name") {
                out.push(format!("{prefix}/{name}"));
            }
        }
        Ok(())
    })?;
    Ok(out)
}

/// The ARM path of a request URL: from `/subscriptions/` to before the query.
fn arm_path(url: &str) -> Option<String> {
    let no_query = url.split('?').next()?;
    let at = no_query.to_ascii_lowercase().find("/subscriptions/")?;
    Some(no_query[at..].trim_end_matches('/').to_string())
}

/// The object ids of the groups whose members are fetched (see `graph::fetch`).
pub fn member_groups(
    raw: &RawExport,
    side: Side,
    scope_group: Option<&str>,
) -> Result<Vec<String>> {
    let mut groups: Vec<(String, Option<String>, Option<String>)> = Vec::new();
    raw.for_each_page(side, graph::GROUPS, |page| {
        for item in items(std::slice::from_ref(page), Envelope::Value)? {
            if let Some(id) = str_at(item.value, "id") {
                groups.push((
                    id,
                    str_at(item.value, "mail"),
                    str_at(item.value, "displayName"),
                ));
            }
        }
        Ok(())
    })?;
    if groups.len() <= graph::ALL_GROUPS_UP_TO {
        return Ok(groups.into_iter().map(|g| g.0).collect());
    }
    let wanted = referenced_principals(raw, side)?;
    let scope = scope_group.map(|s| s.trim().to_lowercase());
    Ok(groups
        .into_iter()
        .filter(|(id, mail, name)| {
            let key = canonical_guid(id).unwrap_or_else(|| id.to_lowercase());
            wanted.contains(&key)
                || scope.as_deref().is_some_and(|s| {
                    s == key
                        || mail.as_deref().is_some_and(|m| m.eq_ignore_ascii_case(s))
                        || name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(s))
                })
        })
        .map(|g| g.0)
        .collect())
}

/// Principal ids named by role assignments (ARM and directory), deny
/// assignments and cross-tenant access policies: the groups among them are
/// the ones whose membership a rule can follow.
fn referenced_principals(raw: &RawExport, side: Side) -> Result<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    let mut add = |s: Option<String>| {
        if let Some(s) = s {
            out.insert(canonical_guid(&s).unwrap_or_else(|| s.to_lowercase()));
        }
    };
    for (collection, fields) in [
        ("arm/role-assignments", &["properties.principalId"][..]),
        ("graph/directory-role-assignments", &["principalId"][..]),
    ] {
        raw.for_each_page(side, collection, |page| {
            for item in items(std::slice::from_ref(page), Envelope::Value)? {
                for f in fields {
                    add(str_at(item.value, f));
                }
            }
            Ok(())
        })?;
    }
    raw.for_each_page(side, "arm/deny-assignments", |page| {
        for item in items(std::slice::from_ref(page), Envelope::Value)? {
            for key in ["properties.principals", "properties.excludePrincipals"] {
                if let Some(Value::Array(ps)) = crate::normalize::at(item.value, key) {
                    for p in ps {
                        add(str_at(p, "id"));
                    }
                }
            }
        }
        Ok(())
    })?;
    // Cross-tenant access targets name groups anywhere in the policy objects.
    for collection in [
        "graph/cross-tenant-access-partners",
        "graph/cross-tenant-access-default",
    ] {
        raw.for_each_page(side, collection, |page| {
            collect_targets(&page.body, &mut add);
            Ok(())
        })?;
    }
    Ok(out)
}

fn collect_targets(v: &Value, add: &mut impl FnMut(Option<String>)) {
    match v {
        Value::Object(o) => {
            if let (Some(Value::String(t)), Some(Value::String(kind))) =
                (o.get("target"), o.get("targetType"))
            {
                if kind.eq_ignore_ascii_case("group") {
                    add(Some(t.clone()));
                }
            }
            o.values().for_each(|x| collect_targets(x, add));
        }
        Value::Array(a) => a.iter().for_each(|x| collect_targets(x, add)),
        _ => {}
    }
}

/// Object ids of the resource service principals of [`graph::RESOURCE_APPS`].
pub fn resource_sps(raw: &RawExport, side: Side) -> Result<Vec<String>> {
    let mut out = Vec::new();
    raw.for_each_page(side, graph::SERVICE_PRINCIPALS, |page| {
        for item in items(std::slice::from_ref(page), Envelope::Value)? {
            let app = str_at(item.value, "appId")
                .unwrap_or_default()
                .to_lowercase();
            if graph::RESOURCE_APPS.contains(&app.as_str()) {
                if let Some(id) = str_at(item.value, "id") {
                    out.push(id);
                }
            }
        }
        Ok(())
    })?;
    Ok(out)
}

/// A Marketplace plan in use: (publisher, product, plan) as written.
pub type Plan = (String, String, String);

/// The plans of the source tenant's VMs (`plan`) and disks
/// (`properties.purchasePlan`), each with the subscription using it, in order.
pub fn plans_in_use(raw: &RawExport, side: Side) -> Result<Vec<(String, Plan)>> {
    let mut out: Vec<(String, Plan)> = Vec::new();
    for (collection, at, product) in [
        ("arm/virtual-machines", "plan", "product"),
        ("arm/disks", "properties.purchasePlan", "product"),
    ] {
        each_arm_object(raw, side, collection, |v| {
            let p = |f: &str| str_at(v, &format!("{at}.{f}"));
            let (Some(publisher), Some(prod), Some(name)) = (p("publisher"), p(product), p("name"))
            else {
                return;
            };
            let id = str_at(v, "id").unwrap_or_default();
            let (sub, _) = crate::normalize::id_parts(&crate::normalize::canonical_id(&id));
            let Some(sub) = sub else { return };
            let entry = (sub, (publisher, prod, name));
            if !out.iter().any(|e| {
                e.0 == entry.0
                    && e.1 .0.eq_ignore_ascii_case(&entry.1 .0)
                    && e.1 .1.eq_ignore_ascii_case(&entry.1 .1)
                    && e.1 .2.eq_ignore_ascii_case(&entry.1 .2)
            }) {
                out.push(entry);
            }
        })?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arm_path_strips_host_prefix_and_query() {
        assert_eq!(
            arm_path("http://127.0.0.1:9/arm/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images?api-version=2023-07-03").as_deref(),
            Some("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images")
        );
    }

    #[test]
    fn demo_parents_are_found_in_the_demo_pages() {
        let raw = RawExport::open(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo")).unwrap();
        let subs = subscriptions(&raw, Side::Source, &[]).unwrap();
        assert_eq!(subs.len(), 3, "{subs:?}");
        assert_eq!(subs[0], "5b7e1f0c-3a2d-4e8b-9c61-0d2f4a6b8c01");
        let only = subscriptions(&raw, Side::Source, &[subs[1].to_uppercase()]).unwrap();
        assert_eq!(only, vec![subs[1].clone()]);
        assert!(!arm_ids(&raw, Side::Source, "arm/registries")
            .unwrap()
            .is_empty());
        let images = gallery_images(&raw, Side::Source).unwrap();
        assert!(images
            .iter()
            .all(|i| i.starts_with("/subscriptions/") && i.contains("/images/")));
        assert!(!images.is_empty());
        assert_eq!(member_groups(&raw, Side::Source, None).unwrap().len(), 2);
        assert_eq!(resource_sps(&raw, Side::Source).unwrap().len(), 2);
        let plans = plans_in_use(&raw, Side::Source).unwrap();
        assert!(
            plans.iter().any(|(_, p)| p.2 == "fortinet_fg-vm_payg_2023"),
            "{plans:?}"
        );
    }
}
