//! RBAC role definitions, role and deny assignments, and management locks.
//!
//! Action patterns are stored lower-case (ARM matches them
//! case-insensitively), one row per pattern, with the permission list it came
//! from as `kind`.

use super::parse::{bad_item, last_segment, object, principal_id, resource_id, scope_before, Sink};
use crate::error::Result;
use crate::inventory::{
    DenyAssignment, DenyAssignmentAction, DenyAssignmentPrincipal, Lock, RoleAssignment,
    RoleDefinition, RoleDefinitionAction, RoleDefinitionScope, Table,
};
use crate::normalize::{arr_at, bool_at, canonical_id, is_guid, str_at, strings_at};
use crate::raw::RawItem;
use serde_json::Value;
use std::collections::HashSet;

const PERMISSION_KINDS: [&str; 4] = ["actions", "notActions", "dataActions", "notDataActions"];

/// `(kind, pattern)` pairs of a `permissions` array, lower-cased, without
/// repeats; `dataActions` may be absent (docs) or `[]` (spec examples).
fn permission_patterns(v: &Value) -> Vec<(String, String)> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for perm in arr_at(v, "properties.permissions") {
        for kind in PERMISSION_KINDS {
            for pattern in strings_at(perm, kind, &[]) {
                let pair = (kind.to_string(), pattern.to_lowercase());
                if seen.insert(pair.clone()) {
                    out.push(pair);
                }
            }
        }
    }
    out
}

/// Role definitions are keyed by their GUID, not their id: listing several
/// subscriptions returns each built-in role once per subscription, under a
/// different subscription-scoped id.
pub(super) fn role_definition(item: &RawItem, sink: &mut Sink) -> Result<()> {
    let v = object(item)?;
    let (_, id) = resource_id(item)?;
    let role_id = str_at(v, "name")
        .filter(|n| is_guid(n))
        .map(|n| n.to_lowercase())
        .unwrap_or_else(|| last_segment(&id).to_string());
    if !sink.first(RoleDefinition::NAME, &role_id) {
        return Ok(());
    }
    for (kind, pattern) in permission_patterns(v) {
        sink.inv.role_definition_actions.push(RoleDefinitionAction {
            tenant: sink.tenant.clone(),
            role_id: role_id.clone(),
            kind,
            pattern,
        });
    }
    for scope in strings_at(v, "properties.assignableScopes", &[]) {
        sink.inv.role_definition_scopes.push(RoleDefinitionScope {
            tenant: sink.tenant.clone(),
            role_id: role_id.clone(),
            scope: canonical_id(&scope),
        });
    }
    sink.inv.role_definitions.push(RoleDefinition {
        tenant: sink.tenant.clone(),
        id,
        role_id,
        role_name: str_at(v, "properties.roleName"),
        role_type: str_at(v, "properties.type"),
        description: str_at(v, "properties.description"),
    });
    Ok(())
}

pub(super) fn role_assignment(item: &RawItem, sink: &mut Sink) -> Result<()> {
    let v = object(item)?;
    let (_, id) = resource_id(item)?;
    // Tenant-level (`/providers/...`) or subscription-scoped
    // (`/subscriptions/{s}/providers/...`): the GUID is what identifies the role.
    let role_id = str_at(v, "properties.roleDefinitionId")
        .map(|r| last_segment(&canonical_id(&r)).to_string())
        .ok_or_else(|| {
            bad_item(
                item,
                "has no properties.roleDefinitionId",
                "save the role assignment list response unchanged",
            )
        })?;
    let principal = str_at(v, "properties.principalId").ok_or_else(|| {
        bad_item(
            item,
            "has no properties.principalId",
            "save the role assignment list response unchanged",
        )
    })?;
    let scope = str_at(v, "properties.scope")
        .map(|s| canonical_id(&s))
        .or_else(|| scope_before(&id, "/providers/microsoft.authorization/roleassignments/"))
        .ok_or_else(|| {
            bad_item(
                item,
                "has neither properties.scope nor an id of the form {scope}/providers/Microsoft.Authorization/roleAssignments/{name}",
                "save the role assignment list response unchanged",
            )
        })?;
    if !sink.first(RoleAssignment::NAME, &id) {
        return Ok(());
    }
    sink.inv.role_assignments.push(RoleAssignment {
        tenant: sink.tenant.clone(),
        id,
        scope,
        role_id,
        principal_id: principal_id(&principal),
        principal_type: str_at(v, "properties.principalType"),
        condition: str_at(v, "properties.condition"),
    });
    Ok(())
}

pub(super) fn deny_assignment(item: &RawItem, sink: &mut Sink) -> Result<()> {
    let v = object(item)?;
    let (_, id) = resource_id(item)?;
    let scope = str_at(v, "properties.scope")
        .map(|s| canonical_id(&s))
        .or_else(|| scope_before(&id, "/providers/microsoft.authorization/denyassignments/"))
        .ok_or_else(|| {
            bad_item(
                item,
                "has neither properties.scope nor an id of the form {scope}/providers/Microsoft.Authorization/denyAssignments/{name}",
                "save the deny assignment list response unchanged",
            )
        })?;
    let mut principals = Vec::new();
    for (field, excluded) in [
        ("properties.principals", false),
        ("properties.excludePrincipals", true),
    ] {
        for p in arr_at(v, field) {
            // Not canonical_guid: the all-zero GUID here means Everyone and
            // must survive as such.
            let principal = str_at(p, "id").ok_or_else(|| {
                bad_item(
                    item,
                    &format!("has an entry of {field} without \"id\""),
                    "save the deny assignment list response unchanged",
                )
            })?;
            principals.push(DenyAssignmentPrincipal {
                tenant: sink.tenant.clone(),
                deny_id: id.clone(),
                principal_id: principal.trim().to_lowercase(),
                principal_type: str_at(p, "type"),
                excluded,
            });
        }
    }
    if !sink.first(DenyAssignment::NAME, &id) {
        return Ok(());
    }
    sink.inv.deny_assignment_principals.extend(principals);
    for (kind, pattern) in permission_patterns(v) {
        sink.inv.deny_assignment_actions.push(DenyAssignmentAction {
            tenant: sink.tenant.clone(),
            deny_id: id.clone(),
            kind,
            pattern,
        });
    }
    sink.inv.deny_assignments.push(DenyAssignment {
        tenant: sink.tenant.clone(),
        id,
        name: str_at(v, "properties.denyAssignmentName"),
        scope,
        does_not_apply_to_child_scopes: bool_at(v, "properties.doNotApplyToChildScopes"),
        is_system_protected: bool_at(v, "properties.isSystemProtected"),
    });
    Ok(())
}

/// A lock applies to the scope its id hangs under (`/` for the bare
/// `/providers/Microsoft.Authorization/locks/{name}` of the list example).
pub(super) fn lock(item: &RawItem, sink: &mut Sink) -> Result<()> {
    let v = object(item)?;
    let (id_display, id) = resource_id(item)?;
    let scope =
        scope_before(&id, "/providers/microsoft.authorization/locks/").ok_or_else(|| {
            bad_item(
                item,
                "has an id without /providers/Microsoft.Authorization/locks/{name}",
                "save the lock list response unchanged",
            )
        })?;
    if !sink.first(Lock::NAME, &id) {
        return Ok(());
    }
    sink.inv.locks.push(Lock {
        tenant: sink.tenant.clone(),
        name: str_at(v, "name").unwrap_or_else(|| last_segment(&id_display).to_string()),
        id,
        scope,
        level: str_at(v, "properties.level"),
        notes: str_at(v, "properties.notes"),
    });
    Ok(())
}
