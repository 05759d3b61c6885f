//! Subscription-level governance the target must allow: resource provider
//! registration and Azure Policy assignments.

use super::parse::{bad_item, object, resource_id, scope_before, Sink};
use crate::error::Result;
use crate::inventory::{PolicyAssignment, PolicyAssignmentParameter, Table};
use crate::normalize::{canonical_id, str_at};
use crate::raw::RawItem;
use serde_json::Value;

pub(super) fn policy_assignment(item: &RawItem, sink: &mut Sink) -> Result<()> {
    let v = object(item)?;
    let (id_display, id) = resource_id(item)?;
    let scope = str_at(v, "properties.scope")
        .map(|s| canonical_id(&s))
        .or_else(|| scope_before(&id, "/providers/microsoft.authorization/policyassignments/"))
        .ok_or_else(|| {
            bad_item(
                item,
                "has neither properties.scope nor an id with /providers/Microsoft.Authorization/policyAssignments/{name}",
                "save the policy assignment list response unchanged",
            )
        })?;
    if !sink.first(PolicyAssignment::NAME, &id) {
        return Ok(());
    }
    let mut effect = None;
    if let Some(params) = v
        .pointer("/properties/parameters")
        .and_then(Value::as_object)
    {
        for (name, p) in params {
            let values: Vec<String> = match p.get("value") {
                Some(Value::Array(a)) => a.iter().filter_map(scalar).collect(),
                Some(x) => scalar(x).into_iter().collect(),
                None => Vec::new(),
            };
            if name.eq_ignore_ascii_case("effect") {
                effect = values.first().cloned();
            }
            for value in values {
                sink.inv
                    .policy_assignment_parameters
                    .push(PolicyAssignmentParameter {
                        tenant: sink.tenant.clone(),
                        assignment_id: id.clone(),
                        parameter: name.clone(),
                        value_lc: value.to_lowercase(),
                        value,
                    });
            }
        }
    }
    sink.inv.policy_assignments.push(PolicyAssignment {
        tenant: sink.tenant.clone(),
        name: str_at(v, "name")
            .unwrap_or_else(|| super::parse::last_segment(&id_display).to_string()),
        id,
        scope,
        display_name: str_at(v, "properties.displayName"),
        policy_definition_id: str_at(v, "properties.policyDefinitionId").map(|s| canonical_id(&s)),
        enforcement_mode: str_at(v, "properties.enforcementMode"),
        effect,
        // The assignment's managed identity (remediation tasks) is a
        // resource a subscription transfer does not carry (SUB-003).
        identity_type: str_at(v, "identity.type"),
    });
    Ok(())
}

/// A parameter value as text; objects are kept as compact JSON.
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}
