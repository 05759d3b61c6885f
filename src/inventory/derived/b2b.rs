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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{CrossTenantAccessPolicy, CrossTenantAccessTarget, GroupMember};

    const HOME: &str = "2a3b4c5d-6e7f-4081-92a3-b4c5d6e7f809";
    const RES: &str = "8f1c2b3a-0d4e-4f5a-9b6c-7d8e9f0a1b2c";

    fn identity() -> MigrationIdentity {
        MigrationIdentity {
            workload: "disk".into(),
            kind: "user".into(),
            mode: "pull".into(),
            tenant: "target".into(),
            is_home: true,
            identity: "migrator@fabrikam.com".into(),
            found: true,
            object_id: Some("u1".into()),
            ..Default::default()
        }
    }

    fn policy(
        tenant: &str,
        partner: Option<&str>,
        inbound: Option<&str>,
    ) -> CrossTenantAccessPolicy {
        CrossTenantAccessPolicy {
            tenant: tenant.into(),
            partner_tenant_id: partner.map(str::to_string),
            is_default: partner.is_none(),
            inbound_users_access: inbound.map(str::to_string),
            outbound_users_access: Some("allowed".into()),
            ..Default::default()
        }
    }

    fn target(
        tenant: &str,
        partner: Option<&str>,
        access: &str,
        t: &str,
    ) -> CrossTenantAccessTarget {
        CrossTenantAccessTarget {
            tenant: tenant.into(),
            partner_tenant_id: partner.map(str::to_string),
            direction: "inbound".into(),
            kind: "usersAndGroups".into(),
            access_type: Some(access.into()),
            target: t.into(),
            target_type: None,
        }
    }

    fn side_tenant(side: &str) -> Option<String> {
        Some(if side == "target" { HOME } else { RES }.to_string())
    }

    fn inbound(inv: &Inventory) -> B2bAccess {
        compute(inv, &[identity()], side_tenant)
            .into_iter()
            .find(|r| r.direction == "inbound")
            .expect("inbound row")
    }

    #[test]
    fn a_null_partner_setting_falls_back_to_the_default() {
        let inv = Inventory {
            cross_tenant_access_policies: vec![
                policy("source", None, Some("blocked")),
                policy("source", Some(HOME), None),
            ],
            cross_tenant_access_targets: vec![target("source", None, "blocked", "AllUsers")],
            ..Default::default()
        };
        let r = inbound(&inv);
        assert_eq!((r.decided_by.as_str(), r.allowed), ("default", Some(false)));
        assert_eq!(r.tenant, "source");
        assert_eq!(r.partner_tenant_id.as_deref(), Some(HOME));
    }

    #[test]
    fn a_partner_block_on_a_group_hits_its_members_only() {
        let mut inv = Inventory {
            cross_tenant_access_policies: vec![
                policy("source", None, Some("allowed")),
                policy("source", Some(HOME), Some("blocked")),
            ],
            cross_tenant_access_targets: vec![
                target("source", None, "allowed", "AllUsers"),
                target("source", Some(HOME), "blocked", "g1"),
            ],
            ..Default::default()
        };
        assert_eq!(inbound(&inv).allowed, Some(true));
        inv.group_members.push(GroupMember {
            tenant: "target".into(),
            group_id: "g1".into(),
            member_id: "u1".into(),
            member_type: None,
        });
        let r = inbound(&inv);
        assert_eq!((r.decided_by.as_str(), r.allowed), ("partner", Some(false)));
        assert_eq!(r.targets.as_deref(), Some("g1"));
    }

    #[test]
    fn an_allow_list_admits_only_its_targets_and_no_settings_decide_nothing() {
        let inv = Inventory {
            cross_tenant_access_policies: vec![policy("source", Some(HOME), Some("allowed"))],
            cross_tenant_access_targets: vec![target(
                "source",
                Some(HOME),
                "allowed",
                "someone-else",
            )],
            ..Default::default()
        };
        assert_eq!(inbound(&inv).allowed, Some(false));
        assert_eq!(inbound(&Inventory::default()).allowed, None);
    }
}
