//! Azure Resource Graph requests of live collection (`resource-graph/`):
//! one query answers for many subscriptions (up to 1,000 per request), 1,000
//! rows a page, so a tenant with 200 subscriptions and 100,000 resources
//! needs ~100 requests instead of ~3,000 ARM list calls.
//!
//! The `resources` query has no type filter: every row feeds the
//! `resources` table, and rows of the types xtenant models feed their own
//! tables too (the parser dispatches by `type`), replacing the ARM listings
//! of [`super::fetch::BULK`].

/// Columns both queries project: `id` keeps paging stable; `plan` carries a
/// VM's Marketplace plan, which the VM parser reads.
pub const RESOURCES_QUERY: &str = "resources | project id, name, type, kind, location, subscriptionId, resourceGroup, tenantId, sku, zones, managedBy, identity, tags, properties, plan";

/// Subscriptions (with their management-group chain) and resource groups.
pub const CONTAINERS_QUERY: &str = "resourcecontainers | where type in~ ('microsoft.resources/subscriptions', 'microsoft.resources/subscriptions/resourcegroups') | project id, name, type, location, subscriptionId, resourceGroup, tenantId, tags, properties";

/// The registries' ids, for the per-registry listings to start before the
/// full resource listing is in.
pub const REGISTRY_IDS_QUERY: &str =
    "resources | where type =~ 'microsoft.containerregistry/registries' | project id";

pub const RESOURCES: &str = "resource-graph/resources";
pub const CONTAINERS: &str = "resource-graph/resourcecontainers";

/// `POST {arm}{PATH}`.
pub const PATH: &str = "/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01";

/// Rows per page (the service maximum).
pub const PAGE_ROWS: u32 = 1000;

/// Subscriptions per request (the service maximum).
pub const SUBSCRIPTIONS_PER_QUERY: usize = 1000;

/// The request body of the first page; the HTTP client adds `$skipToken`.
pub fn body(query: &str, subscriptions: &[String]) -> serde_json::Value {
    serde_json::json!({
        "subscriptions": subscriptions,
        "query": query,
        "options": {"$top": PAGE_ROWS, "resultFormat": "objectArray"},
    })
}
