//! What each workload's migration identity must be allowed to do, object by
//! object, evaluated with the RBAC evaluator. One list of requirements (like
//! azqr's scanner registry) so adding a check is adding a row.

use super::permissions::{Evaluator, PermissionQuery};
use super::{GalleryPlan, MigrationIdentity, PermissionCheck, RegistryTarget};
use crate::config::Config;
use crate::inventory::Inventory;
use rayon::prelude::*;

/// The objects of one tenant an action is needed on.
#[derive(Clone, Copy)]
enum Objects {
    /// Every managed disk of the tenant.
    Disks,
    /// The resource group the plan creates disk copies and VMs in
    /// (`[disk] target_subscription_id` / `target_resource_group`).
    DiskTargetGroup,
    /// The target registry of each source registry (existing or planned; a
    /// planned id inherits the assignments of its resource group and above).
    RegistryTargets,
    /// Every gallery image version of the tenant.
    GalleryImageVersions,
    /// The resource group VMs are created in from shared images (`[gallery]`).
    GalleryTargetResourceGroup,
}

struct Requirement {
    workload: &'static str,
    tenant: &'static str,
    objects: Objects,
    actions: &'static [&'static str],
}

/// What the plan names beyond the inventory.
pub struct Plans<'a> {
    pub registry_targets: &'a [RegistryTarget],
    pub gallery: &'a GalleryPlan,
}

/// Seed 000: the cross-tenant snapshot PUT makes ARM check, with the source
/// tenant's token, read and beginGetAccess on the source disk (a linked access
/// check; missing either gives 403 LinkedAuthorizationFailed).
///
/// In the target, the same identity's token creates the snapshot (Disk
/// Snapshot Contributor), the disk from it, and for an OS disk the VM, its
/// NIC and the subnet join (Virtual Machine Contributor plus network rights);
/// a disk encrypted with a customer-managed key is copied into a target disk
/// encryption set, which ARM checks with diskEncryptionSets/read. DISK-007
/// picks the subset each disk needs.
const REQUIREMENTS: &[Requirement] = &[
    Requirement {
        workload: "disk",
        tenant: "source",
        objects: Objects::Disks,
        actions: &[
            "Microsoft.Compute/disks/read",
            "Microsoft.Compute/disks/beginGetAccess/action",
        ],
    },
    Requirement {
        workload: "disk",
        tenant: "target",
        objects: Objects::DiskTargetGroup,
        actions: &[
            "Microsoft.Compute/snapshots/write",
            "Microsoft.Compute/disks/write",
            "Microsoft.Compute/diskEncryptionSets/read",
            "Microsoft.Compute/virtualMachines/write",
            "Microsoft.Network/networkInterfaces/write",
            "Microsoft.Network/virtualNetworks/subnets/join/action",
        ],
    },
    // ACR-005: `az acr import` runs against the target registry as the
    // target-tenant identity (Container Registry Data Importer and Data
    // Reader, Contributor, or a custom role with importImage).
    Requirement {
        workload: "acr",
        tenant: "target",
        objects: Objects::RegistryTargets,
        actions: &["Microsoft.ContainerRegistry/registries/importImage/action"],
    },
    // GAL-004: the app's service principal in tenant 1 reads the image
    // version (Reader on the gallery, per the app-registration guide).
    Requirement {
        workload: "gallery",
        tenant: "source",
        objects: Objects::GalleryImageVersions,
        actions: &["Microsoft.Compute/galleries/images/versions/read"],
    },
    // GAL-005: in tenant 2 it creates the VM, its disks and NIC in the target
    // resource group (Contributor there, per the guide).
    Requirement {
        workload: "gallery",
        tenant: "target",
        objects: Objects::GalleryTargetResourceGroup,
        actions: &[
            "Microsoft.Compute/virtualMachines/write",
            "Microsoft.Compute/disks/write",
            "Microsoft.Network/networkInterfaces/write",
        ],
    },
];

/// Canonical id of the plan's disk target resource group, when configured.
pub fn disk_target_group(cfg: &Config) -> Option<(String, String)> {
    let sub = cfg.disk.target_subscription_id.as_deref()?.trim();
    let rg = cfg.disk.target_resource_group.as_deref()?.trim();
    if sub.is_empty() || rg.is_empty() {
        return None;
    }
    let id = crate::normalize::canonical_id(&format!("/subscriptions/{sub}/resourceGroups/{rg}"));
    Some((id, rg.to_string()))
}

pub fn compute(
    inv: &Inventory,
    cfg: &Config,
    eval: &Evaluator,
    identities: &[MigrationIdentity],
    plans: &Plans,
) -> Vec<PermissionCheck> {
    let mut out = Vec::new();
    for req in REQUIREMENTS {
        let principal = identities
            .iter()
            .find(|i| i.workload == req.workload && i.tenant == req.tenant)
            .and_then(|i| i.object_id.clone());
        // 100,000 disks x 2 actions at scale: each check walks the principal's
        // groups and the scope's ancestors, so the objects are split across
        // the pool (the evaluator is read-only); `collect` keeps their order.
        let rows: Vec<PermissionCheck> = objects(inv, cfg, plans, req)
            .par_iter()
            .flat_map_iter(|(id, name)| {
                req.actions
                    .iter()
                    .map(|action| check(eval, req, principal.as_deref(), id, name, action))
            })
            .collect();
        out.extend(rows);
    }
    out
}

fn check(
    eval: &Evaluator,
    req: &Requirement,
    principal: Option<&str>,
    id: &str,
    name: &str,
    action: &str,
) -> PermissionCheck {
    let mut row = PermissionCheck {
        workload: req.workload.into(),
        tenant: req.tenant.into(),
        object_id: id.to_string(),
        object_name: name.to_string(),
        principal_id: principal.map(str::to_string),
        action: action.to_string(),
        ..Default::default()
    };
    if let Some(p) = principal {
        let a = eval.check(&PermissionQuery {
            tenant: req.tenant,
            principal_id: p,
            scope: id,
            action,
        });
        row.allowed = a.allowed;
        row.granted = a.granted;
        row.denied = a.denied;
        row.via_roles = (!a.via_roles.is_empty()).then(|| a.via_roles.join("; "));
        row.denied_by = (!a.denied_by.is_empty()).then(|| a.denied_by.join("; "));
        row.conditional = a.conditional;
    }
    row
}

/// (canonical id, display name) of the objects a requirement covers.
fn objects(
    inv: &Inventory,
    cfg: &Config,
    plans: &Plans,
    req: &Requirement,
) -> Vec<(String, String)> {
    match req.objects {
        Objects::DiskTargetGroup => disk_target_group(cfg).into_iter().collect(),
        Objects::Disks => inv
            .disks
            .iter()
            .filter(|d| d.tenant == req.tenant)
            .map(|d| (d.id.clone(), d.name.clone()))
            .collect(),
        Objects::RegistryTargets => {
            // Several source registries may share one target: check it once.
            let mut v: Vec<(String, String)> = plans
                .registry_targets
                .iter()
                .filter_map(|t| Some((t.target_id.clone()?, t.target_name.clone()?)))
                .collect();
            v.sort();
            v.dedup();
            v
        }
        Objects::GalleryImageVersions => inv
            .gallery_image_versions
            .iter()
            .filter(|v| v.tenant == req.tenant)
            .map(|v| {
                let name = format!("{}/{}/{}", v.gallery_name, v.image_name, v.name);
                (v.id.clone(), name)
            })
            .collect(),
        Objects::GalleryTargetResourceGroup => plans
            .gallery
            .target_rg_id
            .iter()
            .map(|id| {
                let name = plans
                    .gallery
                    .target_resource_group
                    .clone()
                    .unwrap_or_else(|| id.clone());
                (id.clone(), name)
            })
            .collect(),
    }
}
