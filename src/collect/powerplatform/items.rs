//! One item of a Power Platform list → one record. Admin lists (Power Apps,
//! Power Automate) put everything but `name` and `id` under `properties`;
//! Dataverse Web API rows are flat, with lower-case logical names.

use super::perenv::{bad_item, Ctx};
use crate::error::Result;
use crate::inventory::{
    Inventory, PpApp, PpBot, PpConnection, PpCustomConnector, PpFlow, PpSolution, PpSystemUser,
    PpT2tMigration, PpTenantCapacity, PpWebsite,
};
use crate::normalize::{bool_at, canonical_datetime, canonical_guid, f64_at, i64_at, str_at};
use crate::raw::{RawItem, Side};

fn required(item: &RawItem, ctx: &Ctx, field: &str) -> Result<String> {
    str_at(item.value, field)
        .map(|s| s.trim().to_string())
        .ok_or_else(|| bad_item(item, ctx.collection, &format!("has no \"{field}\"")))
}

fn guid_or_text(s: String) -> String {
    canonical_guid(&s).unwrap_or_else(|| s.trim().to_lowercase())
}

fn date(v: &serde_json::Value, path: &str) -> Option<String> {
    str_at(v, path).and_then(|s| canonical_datetime(&s))
}

/// `GET https://api.powerplatform.com/licensing/tenantCapacity`: one row per
/// `tenantCapacities` entry.
pub(super) fn tenant_capacity(item: &RawItem, side: Side, inv: &mut Inventory) -> Result<()> {
    let v = item.value;
    let Some(capacity_type) = str_at(v, "capacityType") else {
        return Err(bad_item(
            item,
            "powerplatform/tenant-capacity",
            "(of tenantCapacities) has no \"capacityType\"",
        ));
    };
    inv.pp_tenant_capacity.push(PpTenantCapacity {
        tenant: side.as_str().to_string(),
        capacity_type,
        unit: str_at(v, "capacityUnits"),
        total: f64_at(v, "totalCapacity"),
        consumed: f64_at(v, "consumption.actual"),
        status: str_at(v, "status"),
    });
    Ok(())
}

/// `GET .../Microsoft.BusinessAppPlatform/t2tmigrations`: the raw items that
/// `TenantToTenant-ViewMigrationRequest` reshapes (id, environmentId,
/// targetTenantId, createdOnTime, createdBy, approvalActionedBy,
/// approvalStatus).
pub(super) fn t2t_migration(item: &RawItem, side: Side, inv: &mut Inventory) -> Result<()> {
    let v = item.value;
    let Some(id) = str_at(v, "id") else {
        return Err(bad_item(
            item,
            "powerplatform/t2t-migrations",
            "has no \"id\"",
        ));
    };
    inv.pp_t2t_migrations.push(PpT2tMigration {
        tenant: side.as_str().to_string(),
        id: guid_or_text(id),
        environment_name: str_at(v, "environmentId").map(|s| s.trim().to_lowercase()),
        target_tenant_id: str_at(v, "targetTenantId").and_then(|s| canonical_guid(&s)),
        created: date(v, "createdOnTime"),
        created_by_id: str_at(v, "createdBy.id").map(guid_or_text),
        approval_status: str_at(v, "approvalStatus"),
        approval_actioned_by_id: str_at(v, "approvalActionedBy.id").map(guid_or_text),
    });
    Ok(())
}

pub(super) fn flow(item: &RawItem, ctx: &Ctx, inv: &mut Inventory) -> Result<()> {
    let v = item.value;
    inv.pp_flows.push(PpFlow {
        tenant: ctx.tenant.to_string(),
        environment_name: ctx.env.clone(),
        id: guid_or_text(required(item, ctx, "name")?),
        display_name: str_at(v, "properties.displayName"),
        state: str_at(v, "properties.state"),
        // v2 lists carry it under properties; a full flow object also repeats
        // it in the definition's metadata (null for non-Dataverse flows).
        workflow_entity_id: str_at(v, "properties.workflowEntityId")
            .or_else(|| str_at(v, "properties.definition.metadata.workflowEntityId"))
            .map(guid_or_text),
        created: date(v, "properties.createdTime"),
        last_modified: date(v, "properties.lastModifiedTime"),
    });
    Ok(())
}

pub(super) fn app(item: &RawItem, ctx: &Ctx, inv: &mut Inventory) -> Result<()> {
    let v = item.value;
    // `appType` and `isAppComponentLibrary` sit beside `properties` in the
    // admin list, not inside it.
    let top_or_prop = |k: &str| str_at(v, k).or_else(|| str_at(v, &format!("properties.{k}")));
    inv.pp_apps.push(PpApp {
        tenant: ctx.tenant.to_string(),
        environment_name: ctx.env.clone(),
        id: guid_or_text(required(item, ctx, "name")?),
        display_name: str_at(v, "properties.displayName"),
        app_type: top_or_prop("appType"),
        alm_mode: str_at(v, "properties.almMode"),
        is_component_library: bool_at(v, "isAppComponentLibrary")
            .or_else(|| bool_at(v, "properties.isAppComponentLibrary"))
            .unwrap_or(false),
        uses_custom_api: bool_at(v, "properties.usesCustomApi"),
        uses_on_premise_gateway: bool_at(v, "properties.usesOnPremiseGateway"),
    });
    Ok(())
}

/// `/providers/Microsoft.PowerApps/apis/shared_sql` → `shared_sql`.
fn last_segment(s: &str) -> String {
    s.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_lowercase()
}

pub(super) fn connection(item: &RawItem, ctx: &Ctx, inv: &mut Inventory) -> Result<()> {
    let v = item.value;
    // The id is `.../apis/{api}/connections/{name}` when apiId is missing.
    let api_name = str_at(v, "properties.apiId")
        .map(|a| last_segment(&a))
        .or_else(|| {
            str_at(v, "id").and_then(|id| {
                let lc = id.to_lowercase();
                let (_, rest) = lc.split_once("/apis/")?;
                rest.split('/').next().map(str::to_string)
            })
        })
        .ok_or_else(|| bad_item(item, ctx.collection, "has no \"properties.apiId\""))?;
    let status = crate::normalize::arr_at(v, "properties.statuses")
        .first()
        .and_then(|s| str_at(s, "status"));
    inv.pp_connections.push(PpConnection {
        tenant: ctx.tenant.to_string(),
        environment_name: ctx.env.clone(),
        id: required(item, ctx, "name")?,
        api_name,
        display_name: str_at(v, "properties.displayName"),
        status,
        // Older connections keep parameters flat, newer ones in a named set.
        gateway_id: str_at(v, "properties.connectionParameters.gateway.id")
            .or_else(|| {
                str_at(
                    v,
                    "properties.connectionParametersSet.values.gateway.value.id",
                )
            })
            .map(|g| g.trim().to_lowercase()),
    });
    Ok(())
}

pub(super) fn custom_connector(item: &RawItem, ctx: &Ctx, inv: &mut Inventory) -> Result<()> {
    inv.pp_custom_connectors.push(PpCustomConnector {
        tenant: ctx.tenant.to_string(),
        environment_name: ctx.env.clone(),
        name: required(item, ctx, "name")?.to_lowercase(),
        display_name: str_at(item.value, "properties.displayName"),
    });
    Ok(())
}

pub(super) fn solution(item: &RawItem, ctx: &Ctx, inv: &mut Inventory) -> Result<()> {
    let v = item.value;
    let unique_name = required(item, ctx, "uniquename")?;
    inv.pp_solutions.push(PpSolution {
        tenant: ctx.tenant.to_string(),
        environment_name: ctx.env.clone(),
        solution_id: str_at(v, "solutionid").map(guid_or_text),
        unique_name_lc: unique_name.to_lowercase(),
        unique_name,
        friendly_name: str_at(v, "friendlyname"),
        is_managed: bool_at(v, "ismanaged"),
        version: str_at(v, "version"),
    });
    Ok(())
}

pub(super) fn system_user(item: &RawItem, ctx: &Ctx, inv: &mut Inventory) -> Result<()> {
    let v = item.value;
    inv.pp_system_users.push(PpSystemUser {
        tenant: ctx.tenant.to_string(),
        environment_name: ctx.env.clone(),
        id: guid_or_text(required(item, ctx, "systemuserid")?),
        full_name: str_at(v, "fullname"),
        domain_name_lc: str_at(v, "domainname").map(|s| s.trim().to_lowercase()),
        internal_email_lc: str_at(v, "internalemailaddress").map(|s| s.trim().to_lowercase()),
        is_disabled: bool_at(v, "isdisabled"),
        access_mode: i64_at(v, "accessmode"),
        entra_object_id: str_at(v, "azureactivedirectoryobjectid").and_then(|s| canonical_guid(&s)),
    });
    Ok(())
}

pub(super) fn bot(item: &RawItem, ctx: &Ctx, inv: &mut Inventory) -> Result<()> {
    let v = item.value;
    inv.pp_bots.push(PpBot {
        tenant: ctx.tenant.to_string(),
        environment_name: ctx.env.clone(),
        id: guid_or_text(required(item, ctx, "botid")?),
        name: str_at(v, "name"),
        schema_name: str_at(v, "schemaname"),
        state: i64_at(v, "statecode"),
    });
    Ok(())
}

/// Rows of `powerpagesites` (enhanced data model) or `adx_websites`
/// (standard data model) — one collection holds both queries' pages.
pub(super) fn website(item: &RawItem, ctx: &Ctx, inv: &mut Inventory) -> Result<()> {
    let v = item.value;
    let (id, name, data_model) = if let Some(id) = str_at(v, "powerpagesiteid") {
        (id, str_at(v, "name"), "enhanced")
    } else if let Some(id) = str_at(v, "adx_websiteid") {
        (id, str_at(v, "adx_name"), "standard")
    } else {
        return Err(bad_item(
            item,
            ctx.collection,
            "has neither \"powerpagesiteid\" nor \"adx_websiteid\"",
        ));
    };
    inv.pp_websites.push(PpWebsite {
        tenant: ctx.tenant.to_string(),
        environment_name: ctx.env.clone(),
        id: guid_or_text(id),
        name,
        data_model: data_model.to_string(),
        state: i64_at(v, "statecode"),
    });
    Ok(())
}
