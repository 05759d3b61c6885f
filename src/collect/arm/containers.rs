//! Subscriptions and resource groups, from ARM lists or Resource Graph's
//! `resourcecontainers` rows (which name the fields differently: the
//! subscription's display name is `name` and its state sits in `properties`).

use super::parse::{bad_item, base, object, principal_id, resource_id, Sink};
use crate::error::Result;
use crate::inventory::{ResourceGroup, Subscription, SubscriptionManagementGroup, Table};
use crate::normalize::{arr_at, canonical_guid, id_parts, str_at};
use crate::raw::RawItem;

pub(super) fn subscription(item: &RawItem, sink: &mut Sink) -> Result<()> {
    let v = object(item)?;
    let (_, id) = resource_id(item)?;
    let subscription_id = str_at(v, "subscriptionId")
        .map(|s| principal_id(&s))
        .or_else(|| id_parts(&id).0)
        .ok_or_else(|| {
            bad_item(
                item,
                "has no \"subscriptionId\" and its id is not /subscriptions/{id}",
                "save the response body of GET /subscriptions unchanged",
            )
        })?;

    // Resource Graph carries the ancestry, ARM does not: take it whichever
    // copy of the subscription was kept.
    for (i, mg) in arr_at(v, "properties.managementGroupAncestorsChain")
        .into_iter()
        .enumerate()
    {
        let Some(name) = str_at(mg, "name") else {
            return Err(bad_item(
                item,
                &format!("has a managementGroupAncestorsChain entry {i} without \"name\""),
                "project properties.managementGroupAncestorsChain unchanged in the Resource Graph query",
            ));
        };
        let management_group_id = format!(
            "/providers/microsoft.management/managementgroups/{}",
            name.to_lowercase()
        );
        if sink.first(
            SubscriptionManagementGroup::NAME,
            &format!("{subscription_id}|{management_group_id}"),
        ) {
            sink.inv
                .subscription_management_groups
                .push(SubscriptionManagementGroup {
                    tenant: sink.tenant.clone(),
                    subscription_id: subscription_id.clone(),
                    management_group_id,
                    depth: i as i64 + 1,
                });
        }
    }

    if !sink.first(Subscription::NAME, &id) {
        return Ok(());
    }
    sink.inv.subscriptions.push(Subscription {
        tenant: sink.tenant.clone(),
        id,
        subscription_id,
        display_name: str_at(v, "displayName").or_else(|| str_at(v, "name")),
        state: str_at(v, "state").or_else(|| str_at(v, "properties.state")),
        tenant_id: str_at(v, "tenantId").and_then(|t| canonical_guid(&t)),
        // ARM puts the policies at the top level, Resource Graph under properties.
        quota_id: str_at(v, "subscriptionPolicies.quotaId")
            .or_else(|| str_at(v, "properties.subscriptionPolicies.quotaId")),
        spending_limit: str_at(v, "subscriptionPolicies.spendingLimit")
            .or_else(|| str_at(v, "properties.subscriptionPolicies.spendingLimit")),
    });
    Ok(())
}

pub(super) fn resource_group(item: &RawItem, sink: &mut Sink) -> Result<()> {
    let b = base(item)?;
    if !sink.first(ResourceGroup::NAME, &b.id) {
        return Ok(());
    }
    sink.inv.resource_groups.push(ResourceGroup {
        tenant: sink.tenant.clone(),
        provisioning_state: str_at(b.v, "properties.provisioningState"),
        id: b.id,
        subscription_id: b.subscription_id,
        name: b.name,
        location: b.location,
    });
    Ok(())
}
