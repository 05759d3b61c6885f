//! Subscription-level lists that are not resources: resource provider
//! registrations and accepted Marketplace terms.
//!
//! Neither object carries the subscription anywhere but its id
//! (`/subscriptions/{s}/providers/Microsoft.ContainerRegistry`,
//! `/subscriptions/{s}/providers/Microsoft.MarketplaceOrdering/agreements/...`),
//! and a published example has bare ids (`id1`): the page's request URL
//! (`.meta.json`) is the fallback.

use super::gallery::PathNames;
use super::parse::{bad_item, last_segment, object, Sink};
use crate::error::Result;
use crate::inventory::{ResourceProvider, ResourceProviderLocation, Table};
use crate::normalize::{arr_at, canonical_id, id_parts, str_at};
use crate::raw::RawItem;

/// The subscription of a subscription-scoped object: from its id, else from
/// the request URL of its page.
fn subscription_of(item: &RawItem, id: Option<&str>, list: &str) -> Result<String> {
    id.and_then(|id| id_parts(&canonical_id(id)).0)
        .or_else(|| {
            item.meta
                .and_then(|m| m.url.as_deref())
                .and_then(|u| PathNames::from_url(u).subscription)
                .map(|s| s.to_lowercase())
        })
        .ok_or_else(|| {
            bad_item(
                item,
                "names no subscription: its id has no /subscriptions/{id} and the page has no request URL",
                &format!(
                    "save the response of GET /subscriptions/{{s}}/{list} unchanged, with its page-NNNN.meta.json (see docs/raw-export.md)"
                ),
            )
        })
}

pub(super) fn provider(item: &RawItem, sink: &mut Sink) -> Result<()> {
    let v = object(item)?;
    let id = str_at(v, "id");
    let subscription_id = subscription_of(item, id.as_deref(), "providers")?;
    let namespace = str_at(v, "namespace")
        .or_else(|| id.as_deref().map(|i| last_segment(i).to_string()))
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| {
            bad_item(
                item,
                "has neither \"namespace\" nor an id",
                "save the response of GET /subscriptions/{s}/providers unchanged",
            )
        })?;
    let namespace_lc = namespace.to_lowercase();
    if !sink.first(
        ResourceProvider::NAME,
        &format!("{subscription_id}|{namespace_lc}"),
    ) {
        return Ok(());
    }
    for t in arr_at(v, "resourceTypes") {
        let Some(resource_type) = str_at(t, "resourceType") else {
            return Err(bad_item(
                item,
                "has a resourceTypes entry without \"resourceType\"",
                "save the response of GET /subscriptions/{s}/providers unchanged",
            ));
        };
        for loc in arr_at(t, "locations") {
            // Locations come as display names ("West Europe"); a global
            // type lists none or the empty string.
            let Some(location) = loc.as_str().map(crate::normalize::canonical_region) else {
                continue;
            };
            if location.is_empty() {
                continue;
            }
            sink.inv
                .resource_provider_locations
                .push(ResourceProviderLocation {
                    tenant: sink.tenant.clone(),
                    subscription_id: subscription_id.clone(),
                    namespace_lc: namespace_lc.clone(),
                    resource_type: resource_type.to_lowercase(),
                    location,
                });
        }
    }
    sink.inv.resource_providers.push(ResourceProvider {
        tenant: sink.tenant.clone(),
        subscription_id,
        namespace,
        namespace_lc,
        registration_state: str_at(v, "registrationState"),
    });
    Ok(())
}
