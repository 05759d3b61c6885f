//! What each workload's migration identity must be allowed to do, object by
//! object, evaluated with the RBAC evaluator. One list of requirements (like
//! azqr's scanner registry) so adding a check is adding a row.

use super::permissions::{Evaluator, PermissionQuery};
use super::{MigrationIdentity, PermissionCheck};
use crate::config::Config;
use crate::inventory::Inventory;

/// The objects of one tenant an action is needed on.
#[derive(Clone, Copy)]
enum Objects {
    /// Every managed disk of the tenant.
    Disks,
    /// The resource group the plan creates disk copies and VMs in
    /// (`[disk] target_subscription_id` / `target_resource_group`).
    DiskTargetGroup,
}

struct Requirement {
    workload: &'static str,
    tenant: &'static str,
    objects: Objects,
    actions: &'static [&'static str],
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
    identities: &[MigrationIdentity],
) -> Vec<PermissionCheck> {
    let eval = Evaluator::new(inv);
    let mut out = Vec::new();
    for req in REQUIREMENTS {
        let principal = identities
            .iter()
            .find(|i| i.workload == req.workload && i.tenant == req.tenant)
            .and_then(|i| i.object_id.clone());
        let target_group = disk_target_group(cfg);
        let objects: Vec<(&str, &str)> = match req.objects {
            Objects::Disks => inv
                .disks
                .iter()
                .filter(|d| d.tenant == req.tenant)
                .map(|d| (d.id.as_str(), d.name.as_str()))
                .collect(),
            Objects::DiskTargetGroup => target_group
                .as_ref()
                .map(|(id, name)| (id.as_str(), name.as_str()))
                .into_iter()
                .collect(),
        };
        for (id, name) in objects {
            for action in req.actions {
                let mut row = PermissionCheck {
                    workload: req.workload.into(),
                    tenant: req.tenant.into(),
                    object_id: id.into(),
                    object_name: name.into(),
                    principal_id: principal.clone(),
                    action: action.to_string(),
                    ..Default::default()
                };
                if let Some(p) = &principal {
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
                out.push(row);
            }
        }
    }
    out
}
