//! Who can pull from each source registry, and who holds roles on it.
//!
//! Cross-tenant import needs a credential of the source tenant (ACR-004), and
//! every assignment on the source registry has to be recreated by hand in the
//! target (ACR-015). Candidates are the principals of role assignments at the
//! registry or above it, plus the ACR migration identity; each is checked with
//! the RBAC evaluator for the pull permission the registry's mode honours:
//! `registries/pull/read` (AcrPull, AcrPush, Owner, Contributor) in the legacy
//! mode, the data action `repositories/content/read` (Container Registry
//! Repository Reader/Writer/Contributor) when repository permissions are ABAC.

use super::permissions::{Evaluator, PermissionQuery};
use super::{MigrationIdentity, RegistryAccess};
use crate::inventory::Inventory;
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub const PULL_ACTION: &str = "Microsoft.ContainerRegistry/registries/pull/read";
pub const ABAC_PULL_DATA_ACTION: &str =
    "Microsoft.ContainerRegistry/registries/repositories/content/read";

fn is_abac(mode: Option<&str>) -> bool {
    mode.is_some_and(|m| m.eq_ignore_ascii_case("AbacRepositoryPermissions"))
}

pub fn compute(
    inv: &Inventory,
    eval: &Evaluator,
    identities: &[MigrationIdentity],
) -> Vec<RegistryAccess> {
    let identity = identities
        .iter()
        .find(|i| i.workload == "acr" && i.tenant == "source")
        .and_then(|i| i.object_id.clone());
    let role_names: BTreeMap<(&str, &str), &str> = inv
        .role_definitions
        .iter()
        .filter_map(|d| {
            Some((
                (d.tenant.as_str(), d.role_id.as_str()),
                d.role_name.as_deref()?,
            ))
        })
        .collect();
    // Assignments by scope, once: a registry looks up its own ancestors
    // instead of scanning every assignment (500,000 in a large tenant).
    // Scopes are canonical since parsing (records.rs conventions).
    let mut by_scope: HashMap<(&str, &str), Vec<&crate::inventory::RoleAssignment>> =
        HashMap::new();
    for a in &inv.role_assignments {
        by_scope
            .entry((a.tenant.as_str(), a.scope.as_str()))
            .or_default()
            .push(a);
    }
    let names = Names::new(inv);
    use rayon::prelude::*;
    let sources: Vec<&crate::inventory::Registry> = inv
        .registries
        .iter()
        .filter(|r| r.tenant == "source")
        .collect();
    // Registries are independent: evaluated in parallel, kept in order.
    let per_registry: Vec<Vec<RegistryAccess>> = sources
        .par_iter()
        .map(|r| {
            let mut out = Vec::new();
            // principal -> (type from the assignment, roles assigned at the registry itself)
            let mut candidates: BTreeMap<String, (Option<String>, BTreeSet<String>)> =
                BTreeMap::new();
            let scopes = ancestors(&r.id);
            let assignments = scopes
                .iter()
                .filter_map(|s| by_scope.get(&(r.tenant.as_str(), s.as_str())))
                .flatten();
            // Every assignment found at an ancestor scope contains the registry.
            for a in assignments {
                let scope = a.scope.as_str();
                // Above the resource group (subscription, root) a large tenant has
                // tens of thousands of readers; listing each for every registry is
                // quadratic. Service principals (the cross-tenant credential of
                // ACR-004) are kept at every level; people and groups inherited
                // from so high are recreated with the subscription, not the registry.
                let above_group = !scope.contains("/resourcegroups/");
                let is_sp = a
                    .principal_type
                    .as_deref()
                    .is_some_and(|t| t.eq_ignore_ascii_case("ServicePrincipal"));
                if above_group && !is_sp && identity.as_deref() != Some(a.principal_id.as_str()) {
                    continue;
                }
                let entry = candidates
                    .entry(a.principal_id.clone())
                    .or_insert_with(|| (a.principal_type.clone(), BTreeSet::new()));
                if scope == r.id {
                    let name = role_names
                        .get(&(a.tenant.as_str(), a.role_id.as_str()))
                        .map(|n| n.to_string())
                        .unwrap_or_else(|| a.role_id.clone());
                    entry.1.insert(name);
                }
            }
            if let Some(id) = &identity {
                candidates
                    .entry(id.clone())
                    .or_insert((None, BTreeSet::new()));
            }
            let abac = is_abac(r.role_assignment_mode.as_deref());
            for (principal, (principal_type, at_registry)) in candidates {
                let q = PermissionQuery {
                    tenant: &r.tenant,
                    principal_id: &principal,
                    scope: &r.id,
                    action: if abac {
                        ABAC_PULL_DATA_ACTION
                    } else {
                        PULL_ACTION
                    },
                };
                let a = if abac {
                    eval.check_data(&q)
                } else {
                    eval.check(&q)
                };
                let (name, sp_type, principal_type) =
                    names.describe(&r.tenant, &principal, principal_type);
                out.push(RegistryAccess {
                    tenant: r.tenant.clone(),
                    registry_id: r.id.clone(),
                    registry_name: r.name.clone(),
                    is_migration_identity: identity.as_deref() == Some(principal.as_str()),
                    principal_id: principal,
                    principal_type,
                    principal_name: name,
                    service_principal_type: sp_type,
                    can_pull: a.allowed,
                    pull_via: (!a.via_roles.is_empty()).then(|| a.via_roles.join("; ")),
                    conditional: a.conditional,
                    roles_at_registry: (!at_registry.is_empty())
                        .then(|| at_registry.into_iter().collect::<Vec<_>>().join("; ")),
                });
            }
            out
        })
        .collect();
    per_registry.into_iter().flatten().collect()
}

/// The scope and every scope above it: `/`, the subscription, the resource
/// group, ... (management groups are not part of a resource id).
fn ancestors(id: &str) -> Vec<String> {
    let mut out = vec!["/".to_string()];
    let mut cur = String::new();
    for seg in id.split('/').filter(|s| !s.is_empty()) {
        cur.push('/');
        cur.push_str(seg);
        out.push(cur.clone());
    }
    out
}

/// Display names of principals, indexed once.
struct Names<'a> {
    sps: HashMap<(&'a str, &'a str), &'a crate::inventory::ServicePrincipal>,
    users: HashMap<(&'a str, &'a str), &'a str>,
    groups: HashMap<(&'a str, &'a str), Option<&'a str>>,
}

impl<'a> Names<'a> {
    fn new(inv: &'a Inventory) -> Self {
        Names {
            sps: inv
                .service_principals
                .iter()
                .map(|s| ((s.tenant.as_str(), s.id.as_str()), s))
                .collect(),
            users: inv
                .users
                .iter()
                .map(|u| ((u.tenant.as_str(), u.id.as_str()), u.upn.as_str()))
                .collect(),
            groups: inv
                .groups
                .iter()
                .map(|g| {
                    (
                        (g.tenant.as_str(), g.id.as_str()),
                        g.display_name.as_deref(),
                    )
                })
                .collect(),
        }
    }

    /// (name, service principal type, principal type) of a principal.
    fn describe(
        &self,
        tenant: &str,
        principal: &str,
        assigned_type: Option<String>,
    ) -> (Option<String>, Option<String>, Option<String>) {
        if let Some(sp) = self.sps.get(&(tenant, principal)) {
            return (
                sp.display_name.clone(),
                sp.service_principal_type.clone(),
                assigned_type.or(Some("ServicePrincipal".into())),
            );
        }
        if let Some(upn) = self.users.get(&(tenant, principal)) {
            return (
                Some(upn.to_string()),
                None,
                assigned_type.or(Some("User".into())),
            );
        }
        if let Some(name) = self.groups.get(&(tenant, principal)) {
            return (
                name.map(str::to_string),
                None,
                assigned_type.or(Some("Group".into())),
            );
        }
        (None, None, assigned_type)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{
        Registry, RoleAssignment, RoleDefinition, RoleDefinitionAction, ServicePrincipal,
    };

    const REG: &str =
        "/subscriptions/s/resourcegroups/rg/providers/microsoft.containerregistry/registries/r1";

    fn role(inv: &mut Inventory, id: &str, name: &str, kind: &str, patterns: &[&str]) {
        inv.role_definitions.push(RoleDefinition {
            tenant: "source".into(),
            id: id.into(),
            role_id: id.into(),
            role_name: Some(name.into()),
            ..Default::default()
        });
        for p in patterns {
            inv.role_definition_actions.push(RoleDefinitionAction {
                tenant: "source".into(),
                role_id: id.into(),
                kind: kind.into(),
                pattern: p.to_lowercase(),
            });
        }
    }

    fn assign(inv: &mut Inventory, id: &str, scope: &str, role: &str, principal: &str, t: &str) {
        inv.role_assignments.push(RoleAssignment {
            tenant: "source".into(),
            id: id.into(),
            scope: scope.into(),
            role_id: role.into(),
            principal_id: principal.into(),
            principal_type: Some(t.into()),
            condition: None,
        });
    }

    fn inventory(mode: Option<&str>) -> Inventory {
        let mut inv = Inventory {
            registries: vec![Registry {
                tenant: "source".into(),
                id: REG.into(),
                name: "r1".into(),
                role_assignment_mode: mode.map(String::from),
                ..Default::default()
            }],
            service_principals: vec![ServicePrincipal {
                tenant: "source".into(),
                id: "sp-export".into(),
                app_id: "app-export".into(),
                display_name: Some("Registry Export".into()),
                service_principal_type: Some("Application".into()),
                ..Default::default()
            }],
            ..Default::default()
        };
        role(&mut inv, "acrpull", "AcrPull", "actions", &[PULL_ACTION]);
        role(&mut inv, "reader", "Reader", "actions", &["*/read"]);
        role(
            &mut inv,
            "repo-reader",
            "Container Registry Repository Reader",
            "dataActions",
            &[ABAC_PULL_DATA_ACTION],
        );
        assign(
            &mut inv,
            "a1",
            REG,
            "acrpull",
            "sp-export",
            "ServicePrincipal",
        );
        assign(
            &mut inv,
            "a2",
            "/subscriptions/s",
            "reader",
            "u-admin",
            "User",
        );
        assign(
            &mut inv,
            "a3",
            "/subscriptions/s/resourcegroups/other",
            "acrpull",
            "u-other",
            "User",
        );
        assign(
            &mut inv,
            "a4",
            REG,
            "repo-reader",
            "sp-abac",
            "ServicePrincipal",
        );
        inv
    }

    #[test]
    fn legacy_registries_honour_acrpull_and_list_roles_at_the_registry() {
        let inv = inventory(None);
        let rows = compute(&inv, &Evaluator::new(&inv), &[]);
        let row = |p: &str| rows.iter().find(|r| r.principal_id == p);
        let sp = row("sp-export").expect("assigned at the registry");
        assert!(sp.can_pull);
        assert_eq!(sp.roles_at_registry.as_deref(), Some("AcrPull"));
        assert_eq!(sp.principal_name.as_deref(), Some("Registry Export"));
        assert_eq!(sp.service_principal_type.as_deref(), Some("Application"));
        // A person inherited from the subscription is recreated with the
        // subscription, not listed for every registry (quadratic at scale).
        assert!(
            row("u-admin").is_none(),
            "user inherited from the subscription"
        );
        assert!(
            row("u-other").is_none(),
            "another resource group's assignment"
        );
        assert!(
            !row("sp-abac").unwrap().can_pull,
            "data actions do not count in legacy mode"
        );
    }

    #[test]
    fn abac_registries_need_the_repository_data_action() {
        let inv = inventory(Some("AbacRepositoryPermissions"));
        let rows = compute(&inv, &Evaluator::new(&inv), &[]);
        let pull = |p: &str| rows.iter().find(|r| r.principal_id == p).unwrap().can_pull;
        assert!(
            !pull("sp-export"),
            "AcrPull grants no data access in ABAC mode"
        );
        assert!(pull("sp-abac"));
    }

    #[test]
    fn the_migration_identity_is_always_a_candidate() {
        let inv = inventory(None);
        let id = MigrationIdentity {
            workload: "acr".into(),
            tenant: "source".into(),
            object_id: Some("guest-1".into()),
            found: true,
            ..Default::default()
        };
        let rows = compute(&inv, &Evaluator::new(&inv), &[id]);
        let g = rows.iter().find(|r| r.principal_id == "guest-1").unwrap();
        assert!(g.is_migration_identity && !g.can_pull);
    }
}
