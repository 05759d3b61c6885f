//! The ARM REST requests of live collection (docs/raw-export.md, `arm/`):
//! exact paths and api-versions, and which collection each fans out from.
//! Per-parent collections take their parents from the pages just written
//! (registries, galleries, gallery images, VMs).

use crate::collect::live::spec::{Fanout, Parent, Spec};

pub const SUBSCRIPTIONS: Spec = Spec::arm(
    "arm/subscriptions",
    "/subscriptions",
    "api-version=2022-12-01",
)
.fanout(Fanout::Tenant);

const fn per_registry(collection: &'static str, path: &'static str) -> Spec {
    Spec::arm(collection, path, "api-version=2023-07-01")
        .fanout(Fanout::Parent(Parent::ArmId("arm/registries")))
}

/// Listings per subscription that ARM REST serves and Resource Graph can
/// stand in for (used when [`super::fetch_rg`] is not).
pub const BULK: &[Spec] = &[
    Spec::arm(
        "arm/disks",
        "/subscriptions/{s}/providers/Microsoft.Compute/disks",
        "api-version=2024-03-02",
    ),
    Spec::arm(
        "arm/snapshots",
        "/subscriptions/{s}/providers/Microsoft.Compute/snapshots",
        "api-version=2024-03-02",
    ),
    Spec::arm(
        "arm/virtual-machines",
        "/subscriptions/{s}/providers/Microsoft.Compute/virtualMachines",
        "api-version=2024-07-01",
    ),
    Spec::arm(
        "arm/disk-encryption-sets",
        "/subscriptions/{s}/providers/Microsoft.Compute/diskEncryptionSets",
        "api-version=2024-03-02",
    ),
    Spec::arm(
        "arm/registries",
        "/subscriptions/{s}/providers/Microsoft.ContainerRegistry/registries",
        "api-version=2023-07-01",
    ),
    Spec::arm(
        "arm/key-vaults",
        "/subscriptions/{s}/providers/Microsoft.KeyVault/vaults",
        "api-version=2023-07-01",
    ),
    Spec::arm(
        "arm/sql-servers",
        "/subscriptions/{s}/providers/Microsoft.Sql/servers",
        "api-version=2023-08-01",
    ),
    Spec::arm(
        "arm/storage-accounts",
        "/subscriptions/{s}/providers/Microsoft.Storage/storageAccounts",
        "api-version=2023-05-01",
    ),
    Spec::arm(
        "arm/resources",
        "/subscriptions/{s}/resources",
        "api-version=2021-04-01",
    ),
    Spec::arm(
        "arm/resource-groups",
        "/subscriptions/{s}/resourcegroups",
        "api-version=2021-04-01",
    ),
    per_registry("arm/registry-replications", "{parent}/replications"),
    per_registry("arm/registry-webhooks", "{parent}/webhooks"),
    Spec::arm(
        "arm/vm-extensions",
        "{parent}/extensions",
        "api-version=2024-07-01",
    )
    .fanout(Fanout::Parent(Parent::ArmId("arm/virtual-machines"))),
];

/// Listings always fetched from ARM REST: Resource Graph lacks them, or
/// lacks what the parser reads in them (gallery sharing groups and image
/// version replication status need `$expand`; RBAC and governance objects
/// are not in the `resources` table).
pub const ALWAYS: &[Spec] = &[
    Spec::arm(
        "arm/galleries",
        "/subscriptions/{s}/providers/Microsoft.Compute/galleries",
        "api-version=2023-07-03&$expand=SharingProfile/Groups",
    ),
    Spec::arm("arm/gallery-images", "{parent}/images", "api-version=2023-07-03")
        .fanout(Fanout::Parent(Parent::ArmId("arm/galleries"))),
    Spec::arm(
        "arm/gallery-image-versions",
        "{parent}/versions",
        "api-version=2023-07-03&$expand=ReplicationStatus",
    )
    .fanout(Fanout::Parent(Parent::GalleryImage)),
    Spec::arm(
        "arm/role-definitions",
        "/subscriptions/{s}/providers/Microsoft.Authorization/roleDefinitions",
        "api-version=2022-04-01",
    ),
    Spec::arm(
        "arm/role-assignments",
        "/subscriptions/{s}/providers/Microsoft.Authorization/roleAssignments",
        "api-version=2022-04-01",
    ),
    Spec::arm(
        "arm/deny-assignments",
        "/subscriptions/{s}/providers/Microsoft.Authorization/denyAssignments",
        "api-version=2022-04-01",
    ),
    Spec::arm(
        "arm/locks",
        "/subscriptions/{s}/providers/Microsoft.Authorization/locks",
        "api-version=2016-09-01",
    ),
    Spec::arm(
        "arm/vm-instance-views",
        "/subscriptions/{s}/providers/Microsoft.Compute/virtualMachines",
        "api-version=2024-07-01&statusOnly=true",
    ),
    Spec::arm(
        "arm/providers",
        "/subscriptions/{s}/providers",
        "api-version=2021-04-01",
    ),
    Spec::arm(
        "arm/policy-assignments",
        "/subscriptions/{s}/providers/Microsoft.Authorization/policyAssignments",
        "api-version=2023-04-01",
    ),
    per_registry("arm/registry-scope-maps", "{parent}/scopeMaps"),
    per_registry("arm/registry-tokens", "{parent}/tokens"),
    Spec::arm(
        "arm/resource-skus",
        "/subscriptions/{s}/providers/Microsoft.Compute/skus",
        "api-version=2021-07-01&$filter=location eq '{region}'",
    )
    .fanout(Fanout::ResourceSkus),
    Spec::arm(
        "arm/marketplace-agreements",
        "/subscriptions/{s}/providers/Microsoft.MarketplaceOrdering/offerTypes/virtualmachine/publishers/{publisher}/offers/{product}/plans/{plan}/agreements/current",
        "api-version=2021-01-01",
    )
    .fanout(Fanout::MarketplaceAgreements)
    .single(),
];

/// The Permissions API: what the signed-in principal may do at a scope
/// (`xtenant doctor` checks Reader on each subscription with it).
pub const PERMISSIONS: Spec = Spec::arm(
    "arm/permissions",
    "/subscriptions/{s}/providers/Microsoft.Authorization/permissions",
    "api-version=2022-04-01",
);
