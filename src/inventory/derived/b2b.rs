//! Whether the cross-tenant access settings let a user migration identity
//! collaborate across the pair: B2B collaboration *inbound* in the tenant
//! where it is a guest, *outbound* in its home tenant. A partner entry's null
//! setting inherits the default; `allowed` with targets admits only those
//! targets, `blocked` with targets shuts out only those.

use super::{B2bAccess, MigrationIdentity};
use crate::inventory::Inventory;

pub fn compute(
    inv: &Inventory,
    identities: &[MigrationIdentity],
    tenant_id: impl Fn(&str) -> Option<String>,
) -> Vec<B2bAccess> {
    let mut out = Vec::new();
    for home in identities.iter().filter(|i| i.kind == "user" && i.is_home) {
        let home_side = home.tenant.as_str();
        let resource_side = if home_side == "source" {
            "target"
        } else {
            "source"
        };
        // Settings name the home tenant's objects: the user and its groups.
        let mut ids: Vec<String> = home.object_id.iter().cloned().collect();
        if let Some(uid) = &home.object_id {
            ids.extend(
                inv.group_members
                    .iter()
                    .filter(|m| m.tenant == home_side && &m.member_id == uid)
                    .map(|m| m.group_id.clone()),
            );
        }
        for (direction, side, partner_side) in [
            ("inbound", resource_side, home_side),
            ("outbound", home_side, resource_side),
        ] {
            let partner = tenant_id(partner_side);
            out.push(evaluate(
                inv,
                home,
                direction,
                side,
                partner.as_deref(),
                &ids,
            ));
        }
    }
    out
}

fn evaluate(
    inv: &Inventory,
    home: &MigrationIdentity,
    direction: &str,
    side: &str,
    partner: Option<&str>,
    ids: &[String],
) -> B2bAccess {
    let access_of = |p: &crate::inventory::CrossTenantAccessPolicy| {
        if direction == "inbound" {
            p.inbound_users_access.clone()
        } else {
            p.outbound_users_access.clone()
        }
    };
    let policies = || {
        inv.cross_tenant_access_policies
            .iter()
            .filter(|p| p.tenant == side)
    };
    let partner_entry =
        policies().find(|p| partner.is_some() && p.partner_tenant_id.as_deref() == partner);
    let default_entry = policies().find(|p| p.is_default);
    let (decided_by, entry) = match (partner_entry, default_entry) {
        (Some(p), _) if access_of(p).is_some() => ("partner", Some(p)),
        (_, Some(d)) => ("default", Some(d)),
        (Some(p), None) => ("partner", Some(p)),
        (None, None) => ("none", None),
    };
    let access_type = entry.and_then(access_of);
    let targets: Vec<&str> = entry
        .map(|e| {
            inv.cross_tenant_access_targets
                .iter()
                .filter(|t| {
                    t.tenant == side
                        && t.direction == direction
                        && t.kind == "usersAndGroups"
                        && t.partner_tenant_id == e.partner_tenant_id
                })
                .map(|t| t.target.as_str())
                .collect()
        })
        .unwrap_or_default();
    let hit = targets
        .iter()
        .any(|t| t.eq_ignore_ascii_case("AllUsers") || ids.iter().any(|i| i == t));
    // The service default (no setting returned) allows every user.
    let allowed = match (entry, access_type.as_deref()) {
        (None, _) => None,
        (Some(_), Some("blocked")) => Some(!hit),
        (Some(_), Some("allowed")) => Some(hit || targets.is_empty()),
        (Some(_), _) => Some(true),
    };
    B2bAccess {
        workload: home.workload.clone(),
        identity: home.identity.clone(),
        direction: direction.into(),
        tenant: side.into(),
        partner_tenant_id: partner.map(str::to_string),
        decided_by: decided_by.into(),
        access_type,
        targets: (!targets.is_empty()).then(|| targets.join("; ")),
        allowed,
    }
}
