//! What each workload's migration identity must be allowed to do, object by
//! object, evaluated with the RBAC evaluator. One list of requirements (like
//! azqr's scanner registry) so adding a check is adding a row.

use super::permissions::{Evaluator, PermissionQuery};
use super::{MigrationIdentity, PermissionCheck};
use crate::inventory::Inventory;

/// The objects of one tenant an action is needed on.
#[derive(Clone, Copy)]
enum Objects {
    /// Every managed disk of the tenant.
    Disks,
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
const REQUIREMENTS: &[Requirement] = &[Requirement {
    workload: "disk",
    tenant: "source",
    objects: Objects::Disks,
    actions: &[
        "Microsoft.Compute/disks/read",
        "Microsoft.Compute/disks/beginGetAccess/action",
    ],
}];

pub fn compute(inv: &Inventory, identities: &[MigrationIdentity]) -> Vec<PermissionCheck> {
    let eval = Evaluator::new(inv);
    let mut out = Vec::new();
    for req in REQUIREMENTS {
        let principal = identities
            .iter()
            .find(|i| i.workload == req.workload && i.tenant == req.tenant)
            .and_then(|i| i.object_id.clone());
        let objects: Vec<(&str, &str)> = match req.objects {
            Objects::Disks => inv
                .disks
                .iter()
                .filter(|d| d.tenant == req.tenant)
                .map(|d| (d.id.as_str(), d.name.as_str()))
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
