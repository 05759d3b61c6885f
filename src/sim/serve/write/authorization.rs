//! Authorization writes (`PUT roleDefinitions/{id}`, `PUT` / `DELETE
//! roleAssignments/{id}`) and the RBAC view the cross-tenant checks consult:
//! the assessment's own [`Evaluator`] over an inventory parsed from the
//! served export, kept in step with every role write (rebuilt after each,
//! so a deleted prerequisite changes the next answer).

use super::{base_item, body_json, digest, now_rfc3339, put_reply, store_put, ResPath, Written};
use super::{Ctx, DataSource, Reply, Shared};
use crate::error::Result;
use crate::inventory::derived::permissions::{Evaluator, PermissionQuery};
use crate::inventory::{Inventory, RoleAssignment, RoleDefinition, RoleDefinitionAction};
use crate::normalize::canonical_id;
use crate::sim::serve::arm::error;
use axum::http::StatusCode;
use serde_json::{json, Value};

/// The inventory the served data parses to, and its evaluator.
pub struct Rbac {
    pub inv: Inventory,
    eval: Evaluator,
}

impl std::fmt::Debug for Rbac {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Rbac({} role assignments)",
            self.inv.role_assignments.len()
        )
    }
}

impl Rbac {
    /// Parses the export the simulator serves (the same files as the store).
    pub fn load(data: &DataSource) -> Result<Rbac> {
        let inv = match data {
            DataSource::Raw(dir) => parse(dir)?,
            DataSource::Demo => {
                let nanos = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or_default();
                let dir = std::env::temp_dir()
                    .join(format!("xtenant-sim-rbac-{}-{nanos}", std::process::id()));
                crate::demo::extract(&dir)?;
                let inv = parse(&dir);
                // A leftover temp dir is harmless; failing over it is not.
                let _ = std::fs::remove_dir_all(&dir);
                inv?
            }
        };
        Ok(Rbac {
            eval: Evaluator::new(&inv),
            inv,
        })
    }

    /// Whether `principal` of the `side` tenant may perform `action` at `scope`.
    pub fn allowed(&self, side: &str, principal: &str, scope: &str, action: &str) -> bool {
        self.eval
            .check(&PermissionQuery {
                tenant: side,
                principal_id: principal,
                scope,
                action,
            })
            .allowed
    }

    fn rebuild(&mut self) {
        self.eval = Evaluator::new(&self.inv);
    }
}

fn parse(dir: &std::path::Path) -> Result<Inventory> {
    let raw = crate::raw::RawExport::open(dir)?;
    Ok(crate::collect::parse_export(&raw)?.0)
}

/// The last segment of a role definition id, lowercased (the role's GUID).
fn role_guid(def_id: &str) -> String {
    canonical_id(def_id)
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string()
}

fn bad_request(code: &str, message: &str) -> Reply {
    error(StatusCode::BAD_REQUEST, code, message)
}

/// `PUT {scope}/providers/Microsoft.Authorization/roleAssignments/{guid}`.
pub fn put_assignment(sh: &Shared, ctx: &Ctx, ti: usize, rp: &ResPath) -> Reply {
    let req = match body_json(ctx) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let p = req.get("properties").cloned().unwrap_or(Value::Null);
    let (Some(def_id), Some(principal)) = (
        p.get("roleDefinitionId").and_then(Value::as_str),
        p.get("principalId").and_then(Value::as_str),
    ) else {
        return bad_request(
            "InvalidRoleAssignmentRequest",
            "The role assignment request must have properties.roleDefinitionId and properties.principalId.",
        );
    };
    if crate::normalize::canonical_guid(rp.name()).is_none() {
        return bad_request(
            "InvalidRoleAssignmentId",
            &format!(
                "The role assignment ID '{}' is not valid. The role assignment ID must be a GUID.",
                rp.name()
            ),
        );
    }
    let side = sh.store.tenants[ti].side.as_str();
    let id = canonical_id(&rp.display_id());
    let scope = canonical_id(&rp.scope);
    let role = role_guid(def_id);
    let principal = principal.trim().to_ascii_lowercase();
    {
        let mut st = sh.writes.lock();
        let rbac = match sh.writes.rbac(&mut st) {
            Ok(r) => r,
            Err(r) => return r,
        };
        if let Some(other) = rbac.inv.role_assignments.iter().find(|a| {
            a.tenant == side
                && a.scope == scope
                && a.role_id == role
                && a.principal_id == principal
                && a.id != id
        }) {
            return error(
                StatusCode::CONFLICT,
                "RoleAssignmentExists",
                &format!(
                    "The role assignment already exists. The ID of the existing role assignment is {}.",
                    other.id.rsplit('/').next().unwrap_or_default()
                ),
            );
        }
    }
    let now = now_rfc3339();
    let mut props = json!({
        "roleDefinitionId": def_id,
        "principalId": principal,
        "principalType": p.get("principalType").cloned().unwrap_or(Value::Null),
        "scope": rp.scope,
        "condition": p.get("condition").cloned().unwrap_or(Value::Null),
        "conditionVersion": p.get("conditionVersion").cloned().unwrap_or(Value::Null),
        "createdOn": now,
        "updatedOn": now,
        "createdBy": null,
        "updatedBy": null,
        "delegatedManagedIdentityResourceId": null,
        "description": p.get("description").cloned().unwrap_or(Value::Null),
    });
    if props["principalType"].is_null() {
        props["principalType"] = "User".into();
    }
    let body = json!({
        "properties": props,
        "id": rp.display_id(),
        "type": "Microsoft.Authorization/roleAssignments",
        "name": rp.name(),
    });
    let out = store_put(
        sh,
        ti,
        rp,
        Some("arm/role-assignments"),
        body,
        digest(&req),
        false,
    );
    if !out.repeat {
        let mut st = sh.writes.lock();
        if let Some(rbac) = st.rbac.as_mut() {
            rbac.inv
                .role_assignments
                .retain(|a| !(a.tenant == side && a.id == id));
            rbac.inv.role_assignments.push(RoleAssignment {
                tenant: side.to_string(),
                id,
                scope,
                role_id: role,
                principal_id: principal,
                principal_type: p
                    .get("principalType")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                condition: p
                    .get("condition")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            });
            rbac.rebuild();
        }
    }
    put_reply(ctx, rp, out)
}

/// `DELETE .../roleAssignments/{guid}`: 200 with the deleted assignment,
/// 204 when there is none. Synchronous, as ARM answers it.
pub fn delete_assignment(sh: &Shared, ti: usize, rp: &ResPath) -> Reply {
    let side = sh.store.tenants[ti].side.as_str();
    let id = canonical_id(&rp.display_id());
    let base = base_item(&sh.store.tenants[ti], &rp.id);
    let mut st = sh.writes.lock();
    // The view must hold the export's assignments before one is removed.
    if let Err(r) = sh.writes.rbac(&mut st) {
        return r;
    }
    let shown = match st.resources.get(&rp.id).filter(|c| c.tenant == ti) {
        Some(c) => Some(c.render(std::time::Instant::now())),
        None => base.filter(|_| !st.deleted.contains(&rp.id)),
    };
    let written = Some(Written {
        created: false,
        resource_id: Some(rp.display_id()),
    });
    let Some(shown) = shown else {
        let mut r = Reply::json(StatusCode::NO_CONTENT, &Value::Null);
        r.body.clear();
        r.written = written;
        return r;
    };
    st.resources.remove(&rp.id);
    st.deleted.insert(rp.id.clone());
    if let Some(rbac) = st.rbac.as_mut() {
        rbac.inv
            .role_assignments
            .retain(|a| !(a.tenant == side && a.id == id));
        rbac.rebuild();
    }
    let mut r = Reply::json(StatusCode::OK, &shown);
    r.written = written;
    r
}

/// `PUT {scope}/providers/Microsoft.Authorization/roleDefinitions/{guid}`:
/// a custom role. 201 new, 200 update; a second role of the same name is 409.
pub fn put_definition(sh: &Shared, ctx: &Ctx, ti: usize, rp: &ResPath) -> Reply {
    let req = match body_json(ctx) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let p = req.get("properties").cloned().unwrap_or(Value::Null);
    let Some(name) = p.get("roleName").and_then(Value::as_str) else {
        return bad_request(
            "RoleDefinitionNameNullOrEmpty",
            "The role definition name cannot be null or empty.",
        );
    };
    let scopes: Vec<String> = p
        .get("assignableScopes")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if scopes.is_empty() {
        return bad_request(
            "InvalidRoleDefinitionRequest",
            "The role definition must have at least one assignable scope.",
        );
    }
    let side = sh.store.tenants[ti].side.as_str();
    let guid = rp.name().to_ascii_lowercase();
    {
        let mut st = sh.writes.lock();
        let rbac = match sh.writes.rbac(&mut st) {
            Ok(r) => r,
            Err(r) => return r,
        };
        if rbac.inv.role_definitions.iter().any(|d| {
            d.tenant == side
                && d.role_id != guid
                && d.role_name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
        }) {
            return error(
                StatusCode::CONFLICT,
                "RoleDefinitionWithSameNameExists",
                &format!("A custom role with the same name '{name}' already exists in this directory. Use a different name."),
            );
        }
    }
    let body = json!({
        "properties": {
            "roleName": name,
            "type": "CustomRole",
            "description": p.get("description").cloned().unwrap_or(Value::Null),
            "assignableScopes": scopes,
            "permissions": p.get("permissions").cloned().unwrap_or_else(|| json!([])),
            "createdOn": now_rfc3339(),
            "updatedOn": now_rfc3339(),
            "createdBy": null,
            "updatedBy": null,
        },
        "id": rp.display_id(),
        "type": "Microsoft.Authorization/roleDefinitions",
        "name": rp.name(),
    });
    let out = store_put(
        sh,
        ti,
        rp,
        Some("arm/role-definitions"),
        body,
        digest(&req),
        false,
    );
    if !out.repeat {
        let mut st = sh.writes.lock();
        if let Some(rbac) = st.rbac.as_mut() {
            rbac.inv
                .role_definitions
                .retain(|d| !(d.tenant == side && d.role_id == guid));
            rbac.inv
                .role_definition_actions
                .retain(|a| !(a.tenant == side && a.role_id == guid));
            for perm in p
                .get("permissions")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                for kind in ["actions", "notActions", "dataActions", "notDataActions"] {
                    for pat in perm
                        .get(kind)
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                    {
                        rbac.inv.role_definition_actions.push(RoleDefinitionAction {
                            tenant: side.to_string(),
                            role_id: guid.clone(),
                            kind: kind.to_string(),
                            pattern: pat.to_lowercase(),
                        });
                    }
                }
            }
            rbac.inv.role_definitions.push(RoleDefinition {
                tenant: side.to_string(),
                id: canonical_id(&rp.display_id()),
                role_id: guid.clone(),
                role_name: Some(name.to_string()),
                role_type: Some("CustomRole".into()),
                description: p
                    .get("description")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            });
            rbac.rebuild();
        }
    }
    put_reply(ctx, rp, out)
}
