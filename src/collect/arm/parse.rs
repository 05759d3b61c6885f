//! Saved ARM and Azure Resource Graph responses → inventory records.
//!
//! Both sources describe the same resources, so Resource Graph rows are
//! dispatched by their (lower-case) `type` to the very functions that parse
//! ARM list items. Each table keeps a resource once, keyed by canonical id:
//! the `arm/` collection is read first and wins, because its payload is the
//! full ARM representation, while a Resource Graph row is whatever the query
//! projected.
//!
//! Resources are parsed kind by kind, parents before children (galleries
//! before images before versions), so that a gallery image whose id lacks its
//! subscription can be placed under a gallery parsed earlier from either
//! source.

use super::{containers, gallery, governance, providers, rbac, resources, services, vm};
use crate::collect::{CollectionOutcome, CollectionSpec};
use crate::error::{Error, Location, Result};
use crate::inventory::Inventory;
use crate::normalize::{
    canonical_datetime, canonical_guid, canonical_id, canonical_region, id_parts, str_at,
    strings_at,
};
use crate::raw::{items, Envelope, RawExport, RawItem, Side};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap, HashSet};

const FAMILY: &str = "arm";

pub(super) const SUBSCRIPTIONS: &str = "arm/subscriptions";
pub(super) const RESOURCE_GROUPS: &str = "arm/resource-groups";
pub(super) const DISKS: &str = "arm/disks";
pub(super) const SNAPSHOTS: &str = "arm/snapshots";
pub(super) const VIRTUAL_MACHINES: &str = "arm/virtual-machines";
pub(super) const DISK_ENCRYPTION_SETS: &str = "arm/disk-encryption-sets";
pub(super) const REGISTRIES: &str = "arm/registries";
pub(super) const REGISTRY_REPLICATIONS: &str = "arm/registry-replications";
pub(super) const REGISTRY_WEBHOOKS: &str = "arm/registry-webhooks";
pub(super) const REGISTRY_SCOPE_MAPS: &str = "arm/registry-scope-maps";
pub(super) const REGISTRY_TOKENS: &str = "arm/registry-tokens";
pub(super) const GALLERIES: &str = "arm/galleries";
pub(super) const GALLERY_IMAGES: &str = "arm/gallery-images";
pub(super) const GALLERY_IMAGE_VERSIONS: &str = "arm/gallery-image-versions";
pub(super) const ROLE_DEFINITIONS: &str = "arm/role-definitions";
pub(super) const ROLE_ASSIGNMENTS: &str = "arm/role-assignments";
pub(super) const DENY_ASSIGNMENTS: &str = "arm/deny-assignments";
pub(super) const LOCKS: &str = "arm/locks";
pub(super) const VM_EXTENSIONS: &str = "arm/vm-extensions";
pub(super) const VM_INSTANCE_VIEWS: &str = "arm/vm-instance-views";
pub(super) const RESOURCE_SKUS: &str = "arm/resource-skus";
pub(super) const MARKETPLACE_AGREEMENTS: &str = "arm/marketplace-agreements";
pub(super) const PROVIDERS: &str = "arm/providers";
pub(super) const RESOURCES: &str = "arm/resources";
pub(super) const KEY_VAULTS: &str = "arm/key-vaults";
pub(super) const SQL_SERVERS: &str = "arm/sql-servers";
pub(super) const STORAGE_ACCOUNTS: &str = "arm/storage-accounts";
pub(super) const POLICY_ASSIGNMENTS: &str = "arm/policy-assignments";
pub(super) const ARG_RESOURCES: &str = "resource-graph/resources";
pub(super) const ARG_CONTAINERS: &str = "resource-graph/resourcecontainers";

const fn spec(collection: &'static str, tables: &'static [&'static str]) -> CollectionSpec {
    CollectionSpec {
        family: FAMILY,
        collection,
        tables,
    }
}

/// Every `arm/*` and `resource-graph/*` collection of docs/raw-export.md.
pub const COLLECTIONS: &[CollectionSpec] = &[
    spec(SUBSCRIPTIONS, &["subscriptions"]),
    spec(RESOURCE_GROUPS, &["resource_groups"]),
    spec(DISKS, &["disks"]),
    spec(SNAPSHOTS, &["snapshots"]),
    spec(VIRTUAL_MACHINES, &["virtual_machines", "vm_data_disks"]),
    spec(DISK_ENCRYPTION_SETS, &["disk_encryption_sets"]),
    spec(
        REGISTRIES,
        &["registries", "registry_private_endpoint_connections"],
    ),
    spec(REGISTRY_REPLICATIONS, &["registry_replications"]),
    spec(REGISTRY_WEBHOOKS, &["registry_webhooks"]),
    spec(REGISTRY_SCOPE_MAPS, &["registry_scope_maps"]),
    spec(REGISTRY_TOKENS, &["registry_tokens"]),
    spec(GALLERIES, &["galleries", "gallery_sharing_groups"]),
    spec(GALLERY_IMAGES, &["gallery_images"]),
    spec(
        GALLERY_IMAGE_VERSIONS,
        &["gallery_image_versions", "gallery_image_version_regions"],
    ),
    spec(
        ROLE_DEFINITIONS,
        &[
            "role_definitions",
            "role_definition_actions",
            "role_definition_scopes",
        ],
    ),
    spec(ROLE_ASSIGNMENTS, &["role_assignments"]),
    spec(
        DENY_ASSIGNMENTS,
        &[
            "deny_assignments",
            "deny_assignment_actions",
            "deny_assignment_principals",
        ],
    ),
    spec(LOCKS, &["locks"]),
    spec(VM_EXTENSIONS, &["vm_extensions"]),
    spec(VM_INSTANCE_VIEWS, &["vm_instance_views"]),
    spec(RESOURCE_SKUS, &["resource_skus"]),
    spec(MARKETPLACE_AGREEMENTS, &["marketplace_agreements"]),
    spec(
        PROVIDERS,
        &["resource_providers", "resource_provider_locations"],
    ),
    spec(
        POLICY_ASSIGNMENTS,
        &["policy_assignments", "policy_assignment_parameters"],
    ),
    spec(RESOURCES, &["resources", "resource_user_identities"]),
    spec(KEY_VAULTS, &["key_vaults"]),
    spec(SQL_SERVERS, &["sql_servers"]),
    spec(STORAGE_ACCOUNTS, &["storage_accounts"]),
    spec(
        ARG_RESOURCES,
        &[
            "resources",
            "resource_user_identities",
            "key_vaults",
            "sql_servers",
            "storage_accounts",
            "disks",
            "snapshots",
            "virtual_machines",
            "vm_data_disks",
            "vm_extensions",
            "disk_encryption_sets",
            "registries",
            "registry_private_endpoint_connections",
            "registry_replications",
            "registry_webhooks",
            "galleries",
            "gallery_sharing_groups",
            "gallery_images",
            "gallery_image_versions",
            "gallery_image_version_regions",
        ],
    ),
    spec(
        ARG_CONTAINERS,
        &[
            "subscriptions",
            "subscription_management_groups",
            "resource_groups",
        ],
    ),
];

type ParseFn = fn(&RawItem, &mut Sink) -> Result<()>;

/// One kind of object: its `arm/` collection, the Resource Graph collection
/// and `type` that carry the same objects (if any), and its parser.
struct Kind {
    collection: &'static str,
    graph: Option<(&'static str, &'static str)>,
    parse: ParseFn,
    /// `Value` for lists; `Object` for collections saved one GET per page.
    envelope: Envelope,
}

/// In dependency order: parents before the children that look them up.
const KINDS: &[Kind] = &[
    Kind {
        collection: SUBSCRIPTIONS,
        graph: Some((ARG_CONTAINERS, "microsoft.resources/subscriptions")),
        parse: containers::subscription,
        envelope: Envelope::Value,
    },
    Kind {
        collection: RESOURCE_GROUPS,
        graph: Some((
            ARG_CONTAINERS,
            "microsoft.resources/subscriptions/resourcegroups",
        )),
        parse: containers::resource_group,
        envelope: Envelope::Value,
    },
    Kind {
        collection: DISK_ENCRYPTION_SETS,
        graph: Some((ARG_RESOURCES, "microsoft.compute/diskencryptionsets")),
        parse: resources::disk_encryption_set,
        envelope: Envelope::Value,
    },
    Kind {
        collection: DISKS,
        graph: Some((ARG_RESOURCES, "microsoft.compute/disks")),
        parse: resources::disk,
        envelope: Envelope::Value,
    },
    Kind {
        collection: SNAPSHOTS,
        graph: Some((ARG_RESOURCES, "microsoft.compute/snapshots")),
        parse: resources::snapshot,
        envelope: Envelope::Value,
    },
    Kind {
        collection: VIRTUAL_MACHINES,
        graph: Some((ARG_RESOURCES, "microsoft.compute/virtualmachines")),
        parse: resources::virtual_machine,
        envelope: Envelope::Value,
    },
    Kind {
        collection: REGISTRIES,
        graph: Some((ARG_RESOURCES, "microsoft.containerregistry/registries")),
        parse: resources::registry,
        envelope: Envelope::Value,
    },
    Kind {
        collection: REGISTRY_REPLICATIONS,
        graph: Some((
            ARG_RESOURCES,
            "microsoft.containerregistry/registries/replications",
        )),
        parse: resources::registry_replication,
        envelope: Envelope::Value,
    },
    Kind {
        collection: REGISTRY_WEBHOOKS,
        graph: Some((
            ARG_RESOURCES,
            "microsoft.containerregistry/registries/webhooks",
        )),
        parse: resources::registry_webhook,
        envelope: Envelope::Value,
    },
    Kind {
        collection: REGISTRY_SCOPE_MAPS,
        graph: None,
        parse: resources::registry_scope_map,
        envelope: Envelope::Value,
    },
    Kind {
        collection: REGISTRY_TOKENS,
        graph: None,
        parse: resources::registry_token,
        envelope: Envelope::Value,
    },
    Kind {
        collection: GALLERIES,
        graph: Some((ARG_RESOURCES, "microsoft.compute/galleries")),
        parse: gallery::gallery,
        envelope: Envelope::Value,
    },
    Kind {
        collection: GALLERY_IMAGES,
        graph: Some((ARG_RESOURCES, "microsoft.compute/galleries/images")),
        parse: gallery::image,
        envelope: Envelope::Value,
    },
    Kind {
        collection: GALLERY_IMAGE_VERSIONS,
        graph: Some((ARG_RESOURCES, "microsoft.compute/galleries/images/versions")),
        parse: gallery::image_version,
        envelope: Envelope::Value,
    },
    Kind {
        collection: ROLE_DEFINITIONS,
        graph: None,
        parse: rbac::role_definition,
        envelope: Envelope::Value,
    },
    Kind {
        collection: ROLE_ASSIGNMENTS,
        graph: None,
        parse: rbac::role_assignment,
        envelope: Envelope::Value,
    },
    Kind {
        collection: DENY_ASSIGNMENTS,
        graph: None,
        parse: rbac::deny_assignment,
        envelope: Envelope::Value,
    },
    Kind {
        collection: LOCKS,
        graph: None,
        parse: rbac::lock,
        envelope: Envelope::Value,
    },
    Kind {
        collection: VM_EXTENSIONS,
        graph: Some((
            ARG_RESOURCES,
            "microsoft.compute/virtualmachines/extensions",
        )),
        parse: vm::vm_extension,
        envelope: Envelope::Value,
    },
    Kind {
        collection: VM_INSTANCE_VIEWS,
        graph: None,
        parse: vm::vm_instance_view,
        envelope: Envelope::Value,
    },
    Kind {
        collection: RESOURCE_SKUS,
        graph: None,
        parse: vm::resource_sku,
        envelope: Envelope::Value,
    },
    Kind {
        collection: MARKETPLACE_AGREEMENTS,
        graph: None,
        parse: vm::marketplace_agreement,
        envelope: Envelope::Object,
    },
    Kind {
        collection: PROVIDERS,
        graph: None,
        parse: providers::provider,
        envelope: Envelope::Value,
    },
    Kind {
        collection: POLICY_ASSIGNMENTS,
        graph: None,
        parse: governance::policy_assignment,
        envelope: Envelope::Value,
    },
    Kind {
        collection: KEY_VAULTS,
        graph: Some((ARG_RESOURCES, "microsoft.keyvault/vaults")),
        parse: services::key_vault,
        envelope: Envelope::Value,
    },
    Kind {
        collection: SQL_SERVERS,
        graph: Some((ARG_RESOURCES, "microsoft.sql/servers")),
        parse: services::sql_server,
        envelope: Envelope::Value,
    },
    Kind {
        collection: STORAGE_ACCOUNTS,
        graph: Some((ARG_RESOURCES, "microsoft.storage/storageaccounts")),
        parse: services::storage_account,
        envelope: Envelope::Value,
    },
];

/// Resource Graph types that come in bulk (100,000 disks in a large tenant):
/// their rows are parsed while streaming the pages, never buffered.
const STREAMED: &[&str] = &[
    "microsoft.compute/disks",
    "microsoft.compute/snapshots",
    "microsoft.compute/virtualmachines",
];

/// A Resource Graph row kept until its kind's turn.
struct OwnedRow {
    value: Value,
    path: std::path::PathBuf,
    index: usize,
}

/// Reads every ARM and Resource Graph collection of one tenant into `inv`
/// and returns one outcome per [`COLLECTIONS`] entry.
///
/// Kinds go parents first; within a kind the ARM list comes before the
/// Resource Graph rows, so the full ARM payload wins a duplicate. Pages are
/// read one at a time; Resource Graph rows of small kinds are kept until
/// their kind's turn, rows of the bulk kinds ([`STREAMED`]) are parsed in one
/// streaming pass at the first bulk kind's turn, after those kinds' ARM lists.
pub fn parse(raw: &RawExport, side: Side, inv: &mut Inventory) -> Result<Vec<CollectionOutcome>> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    // Rows whose type xtenant has no table for (a query without a type
    // filter) are counted in the outcome but feed nothing.
    let mut graph_rows: HashMap<(&str, String), Vec<OwnedRow>> = HashMap::new();
    for collection in [ARG_RESOURCES, ARG_CONTAINERS] {
        let mut n = 0;
        raw.for_each_page(side, collection, |page| {
            for row in items(std::slice::from_ref(page), Envelope::Data)? {
                n += 1;
                let ty = graph_type(&row)?;
                if collection == ARG_RESOURCES && STREAMED.contains(&ty.as_str()) {
                    continue;
                }
                graph_rows
                    .entry((collection, ty))
                    .or_default()
                    .push(OwnedRow {
                        value: row.value.clone(),
                        path: row.path.to_path_buf(),
                        index: row.index,
                    });
            }
            Ok(())
        })?;
        counts.insert(collection, n);
    }

    let is_streamed = |k: &Kind| {
        k.graph
            .is_some_and(|(c, ty)| c == ARG_RESOURCES && STREAMED.contains(&ty))
    };
    let mut sink = Sink::new(side, inv);
    let mut streamed_done = false;
    for kind in KINDS {
        if is_streamed(kind) {
            if streamed_done {
                continue;
            }
            streamed_done = true;
            let bulk: Vec<&Kind> = KINDS.iter().filter(|k| is_streamed(k)).collect();
            for k in &bulk {
                counts.insert(k.collection, arm_list(raw, side, k, &mut sink)?);
            }
            raw.for_each_page(side, ARG_RESOURCES, |page| {
                for row in items(std::slice::from_ref(page), Envelope::Data)? {
                    let ty = graph_type(&row)?;
                    if let Some(k) = bulk.iter().find(|k| k.graph.is_some_and(|(_, t)| t == ty)) {
                        (k.parse)(&row, &mut sink)?;
                    }
                }
                Ok(())
            })?;
            continue;
        }
        counts.insert(kind.collection, arm_list(raw, side, kind, &mut sink)?);
        if let Some((collection, ty)) = kind.graph {
            for row in graph_rows
                .get(&(collection, ty.to_string()))
                .into_iter()
                .flatten()
            {
                let item = RawItem {
                    value: &row.value,
                    path: &row.path,
                    index: row.index,
                    meta: None,
                };
                (kind.parse)(&item, &mut sink)?;
            }
        }
    }

    // The generic list: every resource once, whatever its type, from the
    // `arm/resources` list first and then from every Resource Graph row.
    let mut n = 0;
    raw.for_each_page(side, RESOURCES, |page| {
        let list = items(std::slice::from_ref(page), Envelope::Value)?;
        n += list.len();
        for item in &list {
            services::resource(item, &mut sink)?;
        }
        Ok(())
    })?;
    counts.insert(RESOURCES, n);
    raw.for_each_page(side, ARG_RESOURCES, |page| {
        for row in items(std::slice::from_ref(page), Envelope::Data)? {
            services::resource(&row, &mut sink)?;
        }
        Ok(())
    })?;

    COLLECTIONS
        .iter()
        .map(|s| s.outcome(raw, side, counts.get(s.collection).copied().unwrap_or(0)))
        .collect()
}

/// Parses one ARM list collection page by page; returns its item count.
fn arm_list(raw: &RawExport, side: Side, kind: &Kind, sink: &mut Sink) -> Result<usize> {
    let mut n = 0;
    raw.for_each_page(side, kind.collection, |page| {
        let arm_items = items(std::slice::from_ref(page), kind.envelope)?;
        n += arm_items.len();
        for item in &arm_items {
            (kind.parse)(item, sink)?;
        }
        Ok(())
    })?;
    Ok(n)
}

fn graph_type(row: &RawItem) -> Result<String> {
    let v = object(row)?;
    str_at(v, "type")
        .map(|t| t.to_ascii_lowercase())
        .ok_or_else(|| {
            bad_item(
                row,
                "has no \"type\"",
                "keep `type` in the Resource Graph query's project clause (see docs/raw-export.md)",
            )
        })
}

/// Where parsed records go, with the per-table keys already taken (so a
/// resource listed twice, or present in both ARM and Resource Graph, is kept
/// once) and the galleries seen so far.
pub(super) struct Sink<'a> {
    pub tenant: String,
    pub inv: &'a mut Inventory,
    seen: HashSet<(&'static str, String)>,
    /// Gallery name (lower-case) → the (subscription, resource group) pairs
    /// holding a gallery of that name.
    galleries: HashMap<String, BTreeSet<(String, String)>>,
}

impl<'a> Sink<'a> {
    fn new(side: Side, inv: &'a mut Inventory) -> Self {
        Sink {
            tenant: side.as_str().to_string(),
            inv,
            seen: HashSet::new(),
            galleries: HashMap::new(),
        }
    }

    /// True the first time `key` is offered for `table`.
    pub fn first(&mut self, table: &'static str, key: &str) -> bool {
        self.seen.insert((table, key.to_string()))
    }

    pub fn note_gallery(&mut self, name: &str, subscription: &str, resource_group: &str) {
        if subscription.is_empty() || resource_group.is_empty() {
            return;
        }
        self.galleries
            .entry(name.to_lowercase())
            .or_default()
            .insert((subscription.to_string(), resource_group.to_string()));
    }

    /// The subscription and resource group of the only gallery with this name.
    pub fn gallery_home(&self, name: &str) -> Option<(String, String)> {
        let homes = self.galleries.get(&name.to_lowercase())?;
        if homes.len() == 1 {
            homes.iter().next().cloned()
        } else {
            None
        }
    }
}

/// An input error about one item of a page.
pub(super) fn bad_item(item: &RawItem, what: &str, fix: &str) -> Error {
    Error::input(
        Location::file(item.path),
        format!("item {} (counting from 0) {what}", item.index),
        fix,
    )
}

pub(super) fn object<'v>(item: &RawItem<'v>) -> Result<&'v Value> {
    if item.value.is_object() {
        Ok(item.value)
    } else {
        Err(bad_item(
            item,
            "is not a JSON object",
            "save the response body exactly as the API returned it; every list element is an object",
        ))
    }
}

/// The item's `id` as returned and in canonical form.
pub(super) fn resource_id(item: &RawItem) -> Result<(String, String)> {
    let v = object(item)?;
    match str_at(v, "id") {
        Some(id) if !id.trim().is_empty() => {
            let canonical = canonical_id(&id);
            Ok((id, canonical))
        }
        _ => Err(bad_item(
            item,
            "has no \"id\"",
            "every ARM object carries its id: save the response body unchanged, and keep `id` in a Resource Graph query's project clause",
        )),
    }
}

/// The fields every tracked resource has, normalised.
pub(super) struct Base<'v> {
    pub v: &'v Value,
    pub id_display: String,
    pub id: String,
    pub name: String,
    /// Lower-case, as in the canonical id.
    pub subscription_id: String,
    /// Lower-case, as in the canonical id.
    pub resource_group: String,
    pub location: Option<String>,
}

pub(super) fn base<'v>(item: &RawItem<'v>) -> Result<Base<'v>> {
    let v = object(item)?;
    let (id_display, id) = resource_id(item)?;
    let (sub, rg) = id_parts(&id);
    // Resource Graph rows also carry the parts as columns; a hand-made or
    // truncated id may not.
    let subscription_id = sub
        .or_else(|| str_at(v, "subscriptionId").map(|s| s.to_lowercase()))
        .unwrap_or_default();
    let resource_group = rg
        .or_else(|| str_at(v, "resourceGroup").map(|s| s.to_lowercase()))
        .unwrap_or_default();
    Ok(Base {
        v,
        name: name_of(v, &id_display),
        id_display,
        id,
        subscription_id,
        resource_group,
        location: region_at(v, "location"),
    })
}

/// `name` wins over the id's last segment: list examples disagree on them.
pub(super) fn name_of(v: &Value, id_display: &str) -> String {
    str_at(v, "name").unwrap_or_else(|| last_segment(id_display).to_string())
}

pub(super) fn last_segment(id: &str) -> &str {
    id.trim_end_matches('/').rsplit('/').next().unwrap_or("")
}

pub(super) fn id_at(v: &Value, path: &str) -> Option<String> {
    str_at(v, path).map(|s| canonical_id(&s))
}

pub(super) fn region_at(v: &Value, path: &str) -> Option<String> {
    str_at(v, path)
        .map(|s| canonical_region(&s))
        .filter(|s| !s.is_empty())
}

pub(super) fn date_at(v: &Value, path: &str) -> Option<String> {
    str_at(v, path).and_then(|s| canonical_datetime(&s))
}

pub(super) fn lower_at(v: &Value, path: &str) -> Option<String> {
    str_at(v, path).map(|s| s.to_lowercase())
}

/// The first availability zone, for zonal resources.
pub(super) fn zone_at(v: &Value) -> Option<String> {
    strings_at(v, "zones", &[',']).into_iter().next()
}

/// A principal or object id: a GUID in canonical form when it is one,
/// otherwise the trimmed, lower-cased text (never dropped).
pub(super) fn principal_id(s: &str) -> String {
    canonical_guid(s).unwrap_or_else(|| s.trim().to_lowercase())
}

/// The scope an extension resource (lock, assignment) is attached to: the
/// canonical id before `marker` (e.g. `/providers/microsoft.authorization/locks/`),
/// `/` for the root scope.
pub(super) fn scope_before(canonical: &str, marker: &str) -> Option<String> {
    let at = canonical.rfind(marker)?;
    Some(canonical_id(&canonical[..at]))
}
