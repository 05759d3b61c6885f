//! What the VM rebuild in the target needs to know beyond the VM itself:
//! its extensions (Azure Disk Encryption), its power state, the compute SKUs
//! a region offers the subscription, and the Marketplace terms accepted there.

use super::parse::{bad_item, base, object, resource_id, scope_before, Sink};
use crate::error::Result;
use crate::inventory::{MarketplaceAgreement, ResourceSku, Table, VmExtension, VmInstanceView};
use crate::normalize::{arr_at, bool_at, canonical_datetime, canonical_region, id_parts, str_at};
use crate::raw::RawItem;

pub(super) fn vm_extension(item: &RawItem, sink: &mut Sink) -> Result<()> {
    let b = base(item)?;
    let vm_id = scope_before(&b.id, "/extensions/").ok_or_else(|| {
        bad_item(
            item,
            "has an id without /virtualMachines/{vm}/extensions/{name}",
            "save the response of GET .../virtualMachines/{vm}/extensions unchanged",
        )
    })?;
    if !sink.first(VmExtension::NAME, &b.id) {
        return Ok(());
    }
    let v = b.v;
    sink.inv.vm_extensions.push(VmExtension {
        tenant: sink.tenant.clone(),
        vm_id,
        name: b.name,
        publisher: str_at(v, "properties.publisher"),
        extension_type: str_at(v, "properties.type"),
        type_handler_version: str_at(v, "properties.typeHandlerVersion"),
        provisioning_state: str_at(v, "properties.provisioningState"),
        id: b.id,
    });
    Ok(())
}

/// One VM of the `statusOnly=true` list: the VM id with only its instance
/// view (`properties.instanceView.statuses[].code`).
pub(super) fn vm_instance_view(item: &RawItem, sink: &mut Sink) -> Result<()> {
    let b = base(item)?;
    if !sink.first(VmInstanceView::NAME, &b.id) {
        return Ok(());
    }
    let codes: Vec<String> = arr_at(b.v, "properties.instanceView.statuses")
        .into_iter()
        .filter_map(|s| str_at(s, "code"))
        .collect();
    let state = |prefix: &str| {
        codes.iter().find_map(|c| {
            c.split_once('/')
                .filter(|(p, _)| p.eq_ignore_ascii_case(prefix))
                .map(|(_, s)| s.to_lowercase())
        })
    };
    sink.inv.vm_instance_views.push(VmInstanceView {
        tenant: sink.tenant.clone(),
        power_state: state("PowerState"),
        provisioning_state: state("ProvisioningState"),
        vm_id: b.id,
    });
    Ok(())
}

/// A resource SKU lists its regions in `locations`; a `Location` restriction
/// with reason NotAvailableForSubscription names the regions closed to this
/// subscription. SKUs carry no id, so the subscription comes from the saved
/// request URL when there is one.
pub(super) fn resource_sku(item: &RawItem, sink: &mut Sink) -> Result<()> {
    let v = object(item)?;
    let (Some(resource_type), Some(name)) = (str_at(v, "resourceType"), str_at(v, "name")) else {
        return Err(bad_item(
            item,
            "has no \"resourceType\" or \"name\"",
            "save the response of GET /subscriptions/{s}/providers/Microsoft.Compute/skus unchanged",
        ));
    };
    let subscription_id = item
        .meta
        .and_then(|m| m.url.as_deref())
        .and_then(|u| id_parts(&crate::normalize::canonical_id(url_path(u))).0);
    let capability = |cap: &str| {
        arr_at(v, "capabilities")
            .into_iter()
            .find(|c| str_at(c, "name").is_some_and(|n| n.eq_ignore_ascii_case(cap)))
            .and_then(|c| str_at(c, "value"))
    };
    let mut restricted_in: Vec<(String, Option<String>)> = Vec::new();
    for r in arr_at(v, "restrictions") {
        if !str_at(r, "type").is_some_and(|t| t.eq_ignore_ascii_case("Location")) {
            continue;
        }
        let reason = str_at(r, "reasonCode");
        let mut regions: Vec<String> = arr_at(r, "restrictionInfo.locations")
            .into_iter()
            .chain(arr_at(r, "values"))
            .filter_map(|x| x.as_str().map(canonical_region))
            .collect();
        regions.dedup();
        restricted_in.extend(regions.into_iter().map(|l| (l, reason.clone())));
    }
    for loc in arr_at(v, "locations") {
        let Some(location) = loc.as_str().map(canonical_region) else {
            continue;
        };
        let key = format!(
            "{}|{resource_type}|{name}|{location}",
            subscription_id.as_deref().unwrap_or("")
        )
        .to_lowercase();
        if !sink.first(ResourceSku::NAME, &key) {
            continue;
        }
        let restriction = restricted_in.iter().find(|(l, _)| *l == location);
        sink.inv.resource_skus.push(ResourceSku {
            tenant: sink.tenant.clone(),
            subscription_id: subscription_id.clone(),
            resource_type: resource_type.clone(),
            name: name.clone(),
            location,
            family: str_at(v, "family"),
            hyper_v_generations: capability("HyperVGenerations"),
            cpu_architecture: capability("CpuArchitectureType"),
            restricted: restriction.is_some(),
            restriction_reason: restriction.and_then(|(_, r)| r.clone()),
        });
    }
    Ok(())
}

/// `https://management.azure.com/subscriptions/...?api-version=...` → the path.
/// The ARM path of a request URL, from `/subscriptions/` on: an endpoint
/// override with a path prefix (the simulator's `http://host/arm`) puts
/// segments before it.
fn url_path(url: &str) -> &str {
    let no_query = url.split('?').next().unwrap_or(url);
    let path = match no_query.find("://") {
        Some(i) => {
            let rest = &no_query[i + 3..];
            rest.find('/').map(|j| &rest[j..]).unwrap_or("/")
        }
        None => no_query,
    };
    match path.to_ascii_lowercase().find("/subscriptions/") {
        Some(at) => &path[at..],
        None => path,
    }
}

#[cfg(test)]
#[test]
fn url_path_skips_an_endpoint_prefix() {
    assert_eq!(
        url_path("http://127.0.0.1:1/arm/subscriptions/s1/providers/Microsoft.Compute/skus?x=1"),
        "/subscriptions/s1/providers/Microsoft.Compute/skus"
    );
    assert_eq!(
        url_path("https://management.azure.com/Subscriptions/s1/providers"),
        "/Subscriptions/s1/providers"
    );
}

/// One agreement (`.../plans/{plan}/agreements/current`) per page.
pub(super) fn marketplace_agreement(item: &RawItem, sink: &mut Sink) -> Result<()> {
    let v = object(item)?;
    let (_, id) = resource_id(item)?;
    let (subscription_id, _) = id_parts(&id);
    let fields = ["publisher", "product", "plan"].map(|f| str_at(v, &format!("properties.{f}")));
    let (Some(subscription_id), [Some(publisher), Some(product), Some(plan)]) =
        (subscription_id, fields)
    else {
        return Err(bad_item(
            item,
            "lacks its subscription id or properties.publisher / product / plan",
            "save the response of GET .../offerTypes/virtualmachine/publishers/{p}/offers/{o}/plans/{n}/agreements/current unchanged",
        ));
    };
    if !sink.first(MarketplaceAgreement::NAME, &id) {
        return Ok(());
    }
    sink.inv.marketplace_agreements.push(MarketplaceAgreement {
        tenant: sink.tenant.clone(),
        subscription_id,
        plan_key: format!("{publisher}/{product}/{plan}").to_lowercase(),
        publisher,
        product,
        plan,
        accepted: bool_at(v, "properties.accepted"),
        retrieved: str_at(v, "properties.retrieveDatetime").and_then(|s| canonical_datetime(&s)),
    });
    Ok(())
}
