//! Resources a subscription directory transfer touches: the generic
//! resource list (every type, with its managed identity), key vaults, SQL
//! servers, storage accounts and policy assignments. Each function takes one
//! ARM list item or one Resource Graph row.

use super::parse::{base, id_at, lower_at, principal_id, Sink};
use crate::error::Result;
use crate::inventory::{
    GenericResource, KeyVault, ResourceUserIdentity, SqlServer, StorageAccount, Table,
};
use crate::normalize::{arr_at, at, bool_at, canonical_guid, canonical_id, str_at};
use crate::raw::RawItem;

/// `https://kv-x.vault.azure.net/` → `https://kv-x.vault.azure.net`.
fn uri_lc(s: String) -> String {
    s.trim().trim_end_matches('/').to_lowercase()
}

/// `GET /subscriptions/{s}/resources`, or any Resource Graph `resources` row.
pub(super) fn resource(item: &RawItem, sink: &mut Sink) -> Result<()> {
    let b = base(item)?;
    if !sink.first(GenericResource::NAME, &b.id) {
        return Ok(());
    }
    let v = b.v;
    // userAssignedIdentities is an object keyed by the identity's resource id.
    if let Some(obj) = at(v, "identity.userAssignedIdentities").and_then(|x| x.as_object()) {
        for (identity_id, details) in obj {
            sink.inv
                .resource_user_identities
                .push(ResourceUserIdentity {
                    tenant: sink.tenant.clone(),
                    resource_id: b.id.clone(),
                    identity_id: canonical_id(identity_id),
                    principal_id: str_at(details, "principalId").map(|p| principal_id(&p)),
                });
        }
    }
    sink.inv.resources.push(GenericResource {
        tenant: sink.tenant.clone(),
        resource_type: lower_at(v, "type").unwrap_or_default(),
        kind: str_at(v, "kind"),
        sku: str_at(v, "sku.name"),
        managed_by: id_at(v, "managedBy"),
        identity_type: str_at(v, "identity.type"),
        identity_principal_id: str_at(v, "identity.principalId").map(|p| principal_id(&p)),
        id: b.id,
        subscription_id: b.subscription_id,
        resource_group: b.resource_group,
        name: b.name,
        location: b.location,
    });
    Ok(())
}

pub(super) fn key_vault(item: &RawItem, sink: &mut Sink) -> Result<()> {
    let b = base(item)?;
    if !sink.first(KeyVault::NAME, &b.id) {
        return Ok(());
    }
    let v = b.v;
    sink.inv.key_vaults.push(KeyVault {
        tenant: sink.tenant.clone(),
        vault_tenant_id: str_at(v, "properties.tenantId").and_then(|t| canonical_guid(&t)),
        vault_uri_lc: str_at(v, "properties.vaultUri").map(uri_lc),
        rbac_authorization: bool_at(v, "properties.enableRbacAuthorization"),
        access_policy_count: arr_at(v, "properties.accessPolicies").len() as i64,
        purge_protection: bool_at(v, "properties.enablePurgeProtection"),
        soft_delete: bool_at(v, "properties.enableSoftDelete"),
        id: b.id,
        subscription_id: b.subscription_id,
        resource_group: b.resource_group,
        name: b.name,
        location: b.location,
    });
    Ok(())
}

pub(super) fn sql_server(item: &RawItem, sink: &mut Sink) -> Result<()> {
    let b = base(item)?;
    if !sink.first(SqlServer::NAME, &b.id) {
        return Ok(());
    }
    let v = b.v;
    let admin = |f: &str| str_at(v, &format!("properties.administrators.{f}"));
    sink.inv.sql_servers.push(SqlServer {
        tenant: sink.tenant.clone(),
        entra_admin_login: admin("login"),
        entra_admin_sid: admin("sid").and_then(|s| canonical_guid(&s)),
        entra_admin_tenant_id: admin("tenantId").and_then(|s| canonical_guid(&s)),
        entra_only_auth: bool_at(v, "properties.administrators.azureADOnlyAuthentication"),
        key_id: str_at(v, "properties.keyId"),
        id: b.id,
        subscription_id: b.subscription_id,
        resource_group: b.resource_group,
        name: b.name,
        location: b.location,
    });
    Ok(())
}

pub(super) fn storage_account(item: &RawItem, sink: &mut Sink) -> Result<()> {
    let b = base(item)?;
    if !sink.first(StorageAccount::NAME, &b.id) {
        return Ok(());
    }
    let v = b.v;
    sink.inv.storage_accounts.push(StorageAccount {
        tenant: sink.tenant.clone(),
        kind: str_at(v, "kind"),
        sku: str_at(v, "sku.name"),
        hns_enabled: bool_at(v, "properties.isHnsEnabled"),
        key_source: str_at(v, "properties.encryption.keySource"),
        key_vault_uri_lc: str_at(v, "properties.encryption.keyvaultproperties.keyvaulturi")
            .map(uri_lc),
        files_identity_auth: str_at(
            v,
            "properties.azureFilesIdentityBasedAuthentication.directoryServiceOptions",
        ),
        id: b.id,
        subscription_id: b.subscription_id,
        resource_group: b.resource_group,
        name: b.name,
        location: b.location,
    });
    Ok(())
}
