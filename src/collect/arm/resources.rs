//! Compute and container-registry resources. Each function takes one ARM
//! list item or one Resource Graph row (same shape: `id`, `name`, `sku`,
//! `zones`, `managedBy`, `properties`, ...).

use super::parse::{
    bad_item, base, date_at, id_at, last_segment, lower_at, scope_before, zone_at, Base, Sink,
};
use crate::error::Result;
use crate::inventory::{
    Disk, DiskEncryptionSet, Registry, RegistryPrivateEndpointConnection, RegistryReplication,
    RegistryScopeMap, RegistryToken, RegistryWebhook, Snapshot, Table, VirtualMachine, VmDataDisk,
};
use crate::normalize::{arr_at, bool_at, canonical_guid, canonical_id, f64_at, i64_at, str_at};
use crate::raw::RawItem;
use serde_json::Value;

pub(super) fn disk(item: &RawItem, sink: &mut Sink) -> Result<()> {
    let b = base(item)?;
    if !sink.first(Disk::NAME, &b.id) {
        return Ok(());
    }
    let v = b.v;
    sink.inv.disks.push(Disk {
        tenant: sink.tenant.clone(),
        id: b.id,
        id_display: b.id_display,
        subscription_id: b.subscription_id,
        resource_group: b.resource_group,
        name: b.name,
        location: b.location,
        zone: zone_at(v),
        sku: str_at(v, "sku.name"),
        size_gb: i64_at(v, "properties.diskSizeGB"),
        size_bytes: i64_at(v, "properties.diskSizeBytes"),
        os_type: str_at(v, "properties.osType"),
        hyper_v_generation: str_at(v, "properties.hyperVGeneration"),
        // Kept as sent: an incremental snapshot example has "0" here.
        disk_state: str_at(v, "properties.diskState"),
        managed_by: id_at(v, "managedBy"),
        create_option: str_at(v, "properties.creationData.createOption"),
        source_resource_id: id_at(v, "properties.creationData.sourceResourceId"),
        encryption_type: str_at(v, "properties.encryption.type"),
        disk_encryption_set_id: id_at(v, "properties.encryption.diskEncryptionSetId"),
        ade_enabled: bool_at(v, "properties.encryptionSettingsCollection.enabled").unwrap_or(false),
        network_access_policy: str_at(v, "properties.networkAccessPolicy"),
        disk_access_id: id_at(v, "properties.diskAccessId"),
        public_network_access: str_at(v, "properties.publicNetworkAccess"),
        data_access_auth_mode: str_at(v, "properties.dataAccessAuthMode"),
        security_type: str_at(v, "properties.securityProfile.securityType"),
        logical_sector_size: i64_at(v, "properties.creationData.logicalSectorSize"),
        provisioning_state: str_at(v, "properties.provisioningState"),
        time_created: date_at(v, "properties.timeCreated"),
        tier: str_at(v, "properties.tier"),
        purchase_plan: plan_at(v, "properties.purchasePlan"),
        architecture: str_at(v, "properties.supportedCapabilities.architecture"),
    });
    Ok(())
}

pub(super) fn snapshot(item: &RawItem, sink: &mut Sink) -> Result<()> {
    let b = base(item)?;
    if !sink.first(Snapshot::NAME, &b.id) {
        return Ok(());
    }
    let v = b.v;
    sink.inv.snapshots.push(Snapshot {
        tenant: sink.tenant.clone(),
        id: b.id,
        subscription_id: b.subscription_id,
        resource_group: b.resource_group,
        name: b.name,
        location: b.location,
        sku: str_at(v, "sku.name"),
        incremental: bool_at(v, "properties.incremental"),
        create_option: str_at(v, "properties.creationData.createOption"),
        source_resource_id: id_at(v, "properties.creationData.sourceResourceId"),
        completion_percent: f64_at(v, "properties.completionPercent"),
        provisioning_state: str_at(v, "properties.provisioningState"),
        time_created: date_at(v, "properties.timeCreated"),
    });
    Ok(())
}

pub(super) fn virtual_machine(item: &RawItem, sink: &mut Sink) -> Result<()> {
    let b = base(item)?;
    if !sink.first(VirtualMachine::NAME, &b.id) {
        return Ok(());
    }
    let v = b.v;
    for dd in arr_at(v, "properties.storageProfile.dataDisks") {
        let disk_id = data_disk_id(dd).ok_or_else(|| {
            bad_item(
                item,
                "has a data disk with neither managedDisk.id nor vhd.uri",
                "save the virtual machine list response unchanged",
            )
        })?;
        sink.inv.vm_data_disks.push(VmDataDisk {
            tenant: sink.tenant.clone(),
            vm_id: b.id.clone(),
            disk_id,
            lun: i64_at(dd, "lun"),
        });
    }
    sink.inv.virtual_machines.push(VirtualMachine {
        tenant: sink.tenant.clone(),
        id: b.id,
        subscription_id: b.subscription_id,
        resource_group: b.resource_group,
        name: b.name,
        location: b.location,
        zone: zone_at(v),
        vm_size: str_at(v, "properties.hardwareProfile.vmSize"),
        os_type: str_at(v, "properties.storageProfile.osDisk.osType"),
        os_disk_id: id_at(v, "properties.storageProfile.osDisk.managedDisk.id"),
        security_type: str_at(v, "properties.securityProfile.securityType"),
        plan: plan_at(v, "plan"),
        provisioning_state: str_at(v, "properties.provisioningState"),
    });
    Ok(())
}

/// The managed disk's canonical id; for an unmanaged (VHD) data disk, its
/// blob URI as sent, so the attachment is still visible.
fn data_disk_id(dd: &Value) -> Option<String> {
    id_at(dd, "managedDisk.id").or_else(|| str_at(dd, "vhd.uri"))
}

/// Marketplace plan (a VM's `plan`, a disk's `purchasePlan`) as
/// `publisher/product/name`.
fn plan_at(v: &Value, at: &str) -> Option<String> {
    let parts = ["publisher", "product", "name"].map(|p| str_at(v, &format!("{at}.{p}")));
    if parts.iter().all(Option::is_none) {
        return None;
    }
    Some(parts.map(Option::unwrap_or_default).join("/"))
}

pub(super) fn disk_encryption_set(item: &RawItem, sink: &mut Sink) -> Result<()> {
    let b = base(item)?;
    if !sink.first(DiskEncryptionSet::NAME, &b.id) {
        return Ok(());
    }
    let v = b.v;
    sink.inv.disk_encryption_sets.push(DiskEncryptionSet {
        tenant: sink.tenant.clone(),
        id: b.id,
        subscription_id: b.subscription_id,
        name: b.name,
        location: b.location,
        encryption_type: str_at(v, "properties.encryptionType"),
        key_vault_id: id_at(v, "properties.activeKey.sourceVault.id"),
        key_url: str_at(v, "properties.activeKey.keyUrl"),
        federated_client_id: str_at(v, "properties.federatedClientId")
            .and_then(|s| canonical_guid(&s)),
    });
    Ok(())
}

pub(super) fn registry(item: &RawItem, sink: &mut Sink) -> Result<()> {
    let b = base(item)?;
    if !sink.first(Registry::NAME, &b.id) {
        return Ok(());
    }
    let v = b.v;
    for (i, pe) in arr_at(v, "properties.privateEndpointConnections")
        .into_iter()
        .enumerate()
    {
        let id = id_at(pe, "id").ok_or_else(|| {
            bad_item(
                item,
                &format!("has a privateEndpointConnections entry {i} without \"id\""),
                "save the registry list response unchanged",
            )
        })?;
        sink.inv
            .registry_private_endpoint_connections
            .push(RegistryPrivateEndpointConnection {
                tenant: sink.tenant.clone(),
                registry_id: b.id.clone(),
                name: str_at(pe, "name").unwrap_or_else(|| last_segment(&id).to_string()),
                private_endpoint_id: id_at(pe, "properties.privateEndpoint.id"),
                status: str_at(pe, "properties.privateLinkServiceConnectionState.status"),
                id,
            });
    }
    // One registry object mixes "enabled" and "Enabled": enabled/disabled
    // values are stored lower-case so rules compare one spelling.
    sink.inv.registries.push(Registry {
        tenant: sink.tenant.clone(),
        id: b.id,
        subscription_id: b.subscription_id,
        resource_group: b.resource_group,
        name: b.name,
        login_server: lower_at(v, "properties.loginServer"),
        location: b.location,
        sku: str_at(v, "sku.name"),
        admin_user_enabled: bool_at(v, "properties.adminUserEnabled"),
        public_network_access: lower_at(v, "properties.publicNetworkAccess"),
        network_default_action: str_at(v, "properties.networkRuleSet.defaultAction"),
        network_rule_bypass: str_at(v, "properties.networkRuleBypassOptions"),
        trust_policy: lower_at(v, "properties.policies.trustPolicy.status"),
        quarantine_policy: lower_at(v, "properties.policies.quarantinePolicy.status"),
        retention_policy: lower_at(v, "properties.policies.retentionPolicy.status"),
        retention_days: i64_at(v, "properties.policies.retentionPolicy.days"),
        export_policy: lower_at(v, "properties.policies.exportPolicy.status"),
        zone_redundancy: lower_at(v, "properties.zoneRedundancy"),
        anonymous_pull_enabled: bool_at(v, "properties.anonymousPullEnabled"),
        data_endpoint_enabled: bool_at(v, "properties.dataEndpointEnabled"),
        aad_auth_as_arm_policy: lower_at(
            v,
            "properties.policies.azureADAuthenticationAsArmPolicy.status",
        ),
        provisioning_state: str_at(v, "properties.provisioningState"),
        role_assignment_mode: str_at(v, "properties.roleAssignmentMode"),
        ip_rule_count: arr_at(v, "properties.networkRuleSet.ipRules").len() as i64,
        encryption_status: lower_at(v, "properties.encryption.status"),
        soft_delete_policy: lower_at(v, "properties.policies.softDeletePolicy.status"),
    });
    Ok(())
}

pub(super) fn registry_replication(item: &RawItem, sink: &mut Sink) -> Result<()> {
    let b = base(item)?;
    let registry_id = scope_before(&b.id, "/replications/").ok_or_else(|| {
        bad_item(
            item,
            "has an id without /replications/{name}",
            "save the response of GET .../registries/{r}/replications unchanged",
        )
    })?;
    if !sink.first(RegistryReplication::NAME, &b.id) {
        return Ok(());
    }
    sink.inv.registry_replications.push(RegistryReplication {
        tenant: sink.tenant.clone(),
        registry_id: canonical_id(&registry_id),
        location: b.location,
        provisioning_state: str_at(b.v, "properties.provisioningState"),
        id: b.id,
    });
    Ok(())
}

/// The registry a child resource (`/replications/`, `/webhooks/`, ...) hangs
/// under, from its own id.
fn parent_registry(item: &RawItem, b: &Base, marker: &str, list: &str) -> Result<String> {
    scope_before(&b.id, marker).ok_or_else(|| {
        bad_item(
            item,
            &format!("has an id without {marker}{{name}}"),
            &format!("save the response of GET .../registries/{{r}}/{list} unchanged"),
        )
    })
}

pub(super) fn registry_webhook(item: &RawItem, sink: &mut Sink) -> Result<()> {
    let b = base(item)?;
    let registry_id = parent_registry(item, &b, "/webhooks/", "webhooks")?;
    if !sink.first(RegistryWebhook::NAME, &b.id) {
        return Ok(());
    }
    let v = b.v;
    sink.inv.registry_webhooks.push(RegistryWebhook {
        tenant: sink.tenant.clone(),
        registry_id,
        status: lower_at(v, "properties.status"),
        scope: str_at(v, "properties.scope"),
        provisioning_state: str_at(v, "properties.provisioningState"),
        id: b.id,
        name: b.name,
        location: b.location,
    });
    Ok(())
}

pub(super) fn registry_scope_map(item: &RawItem, sink: &mut Sink) -> Result<()> {
    let b = base(item)?;
    let registry_id = parent_registry(item, &b, "/scopemaps/", "scopeMaps")?;
    if !sink.first(RegistryScopeMap::NAME, &b.id) {
        return Ok(());
    }
    sink.inv.registry_scope_maps.push(RegistryScopeMap {
        tenant: sink.tenant.clone(),
        registry_id,
        scope_map_type: str_at(b.v, "properties.type"),
        description: str_at(b.v, "properties.description"),
        id: b.id,
        name: b.name,
    });
    Ok(())
}

pub(super) fn registry_token(item: &RawItem, sink: &mut Sink) -> Result<()> {
    let b = base(item)?;
    let registry_id = parent_registry(item, &b, "/tokens/", "tokens")?;
    if !sink.first(RegistryToken::NAME, &b.id) {
        return Ok(());
    }
    let v = b.v;
    let passwords = arr_at(v, "properties.credentials.passwords");
    // Canonical timestamps compare as strings, so the latest is the maximum.
    let password_expiry = passwords.iter().filter_map(|p| date_at(p, "expiry")).max();
    sink.inv.registry_tokens.push(RegistryToken {
        tenant: sink.tenant.clone(),
        registry_id,
        status: lower_at(v, "properties.status"),
        scope_map_id: id_at(v, "properties.scopeMapId"),
        password_count: passwords.len() as i64,
        password_expiry,
        id: b.id,
        name: b.name,
    });
    Ok(())
}
