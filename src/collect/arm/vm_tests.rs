//! The VM-rebuild and governance collections: extensions, instance views,
//! resource SKUs, Marketplace agreements, providers, policy assignments.

use super::parse::parse;
use crate::collect::Status;
use crate::inventory::Inventory;
use crate::raw::{RawExport, Side};

const VM: &str = "/subscriptions/5b7e1f0c-3a2d-4e8b-9c61-0d2f4a6b8c01/resourcegroups/rg-app-prod/providers/microsoft.compute/virtualmachines/vm-ade01";

/// A source-side raw export holding `(collection/file, body)` pairs.
fn export(files: &[(&str, &str)]) -> (tempfile::TempDir, RawExport) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("xtenant-raw.json"),
        r#"{"format":"xtenant-raw-export","version":1}"#,
    )
    .expect("marker");
    for (path, body) in files {
        let p = dir.path().join("source").join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, body).expect("write");
    }
    let raw = RawExport::open(dir.path()).expect("open");
    (dir, raw)
}

fn parse_source(raw: &RawExport) -> crate::error::Result<Inventory> {
    let mut inv = Inventory::default();
    parse(raw, Side::Source, &mut inv)?;
    Ok(inv)
}

#[test]
fn ade_extension_hangs_under_its_vm_and_power_state_drops_its_prefix() {
    let (_d, raw) = export(&[
        (
            "arm/vm-extensions/page-0001.json",
            r#"{"value": [{"name": "AzureDiskEncryption",
                "id": "/subscriptions/5b7e1f0c-3a2d-4e8b-9c61-0d2f4a6b8c01/resourceGroups/rg-app-prod/providers/Microsoft.Compute/virtualMachines/vm-ade01/extensions/AzureDiskEncryption",
                "type": "Microsoft.Compute/virtualMachines/extensions", "location": "westeurope",
                "properties": {"publisher": "Microsoft.Azure.Security", "type": "AzureDiskEncryption",
                               "typeHandlerVersion": "2.2", "provisioningState": "Succeeded"}}]}"#,
        ),
        (
            "arm/vm-instance-views/page-0001.json",
            r#"{"value": [{"name": "vm-ade01",
                "id": "/subscriptions/5b7e1f0c-3a2d-4e8b-9c61-0d2f4a6b8c01/resourceGroups/rg-app-prod/providers/Microsoft.Compute/virtualMachines/vm-ade01",
                "properties": {"instanceView": {"statuses": [
                    {"code": "ProvisioningState/succeeded"}, {"code": "PowerState/running"}]}}}]}"#,
        ),
    ]);
    let inv = parse_source(&raw).expect("parses");
    assert_eq!(inv.vm_extensions.len(), 1);
    let e = &inv.vm_extensions[0];
    assert_eq!(e.vm_id, VM);
    assert_eq!(e.extension_type.as_deref(), Some("AzureDiskEncryption"));
    assert_eq!(e.publisher.as_deref(), Some("Microsoft.Azure.Security"));
    let iv = &inv.vm_instance_views[0];
    assert_eq!(iv.vm_id, VM);
    assert_eq!(iv.power_state.as_deref(), Some("running"));
    assert_eq!(iv.provisioning_state.as_deref(), Some("succeeded"));
}

#[test]
fn resource_skus_give_one_row_per_region_and_mark_the_restricted_one() {
    let (_d, raw) = export(&[
        (
            "arm/resource-skus/page-0001.json",
            r#"{"value": [{"resourceType": "virtualMachines", "name": "Standard_E8s_v5",
                "family": "standardESv5Family", "locations": ["WestEurope", "northeurope"],
                "capabilities": [{"name": "HyperVGenerations", "value": "V1,V2"},
                                 {"name": "CpuArchitectureType", "value": "x64"}],
                "restrictions": [{"type": "Zone", "values": ["northeurope"], "reasonCode": "NotAvailableForSubscription"},
                                 {"type": "Location", "values": ["westeurope"],
                                  "restrictionInfo": {"locations": ["westeurope"]},
                                  "reasonCode": "NotAvailableForSubscription"}]}]}"#,
        ),
        (
            "arm/resource-skus/page-0001.meta.json",
            r#"{"method": "GET", "url": "https://management.azure.com/subscriptions/E3F1A2B4-5C6D-4E7F-8A9B-0C1D2E3F4A03/providers/Microsoft.Compute/skus?api-version=2021-07-01"}"#,
        ),
    ]);
    let inv = parse_source(&raw).expect("parses");
    let rows: Vec<(&str, bool, Option<&str>)> = inv
        .resource_skus
        .iter()
        .map(|s| {
            (
                s.location.as_str(),
                s.restricted,
                s.restriction_reason.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("westeurope", true, Some("NotAvailableForSubscription")),
            ("northeurope", false, None)
        ]
    );
    let s = &inv.resource_skus[0];
    assert_eq!(
        s.subscription_id.as_deref(),
        Some("e3f1a2b4-5c6d-4e7f-8a9b-0c1d2e3f4a03")
    );
    assert_eq!(s.hyper_v_generations.as_deref(), Some("V1,V2"));
    assert_eq!(s.cpu_architecture.as_deref(), Some("x64"));
}

#[test]
fn a_marketplace_agreement_page_is_one_object() {
    let (_d, raw) = export(&[(
        "arm/marketplace-agreements/page-0001.json",
        r#"{"id": "/subscriptions/e3f1a2b4-5c6d-4e7f-8a9b-0c1d2e3f4a03/providers/Microsoft.MarketplaceOrdering/offerTypes/VirtualMachine/publishers/fortinet/offers/fortinet_fortigate-vm_v5/plans/fortinet_fg-vm_payg_2023/agreements/current",
            "name": "fortinet_fg-vm_payg_2023",
            "properties": {"publisher": "fortinet", "product": "fortinet_fortigate-vm_v5",
                           "plan": "fortinet_fg-vm_payg_2023", "accepted": false,
                           "retrieveDatetime": "2026-11-20T06:14:09.2095812Z"}}"#,
    )]);
    let inv = parse_source(&raw).expect("parses");
    let a = &inv.marketplace_agreements[0];
    assert_eq!(a.subscription_id, "e3f1a2b4-5c6d-4e7f-8a9b-0c1d2e3f4a03");
    assert_eq!(
        a.plan_key,
        "fortinet/fortinet_fortigate-vm_v5/fortinet_fg-vm_payg_2023"
    );
    assert_eq!(a.accepted, Some(false));
    assert_eq!(a.retrieved.as_deref(), Some("2026-11-20T06:14:09Z"));
}

#[test]
fn an_agreement_without_its_plan_is_refused_with_the_file_and_the_fix() {
    let (d, raw) = export(&[(
        "arm/marketplace-agreements/page-0001.json",
        r#"{"id": "/subscriptions/e3f1a2b4-5c6d-4e7f-8a9b-0c1d2e3f4a03/providers/Microsoft.MarketplaceOrdering/agreements/x",
            "properties": {"publisher": "fortinet", "accepted": true}}"#,
    )]);
    let msg = parse_source(&raw).unwrap_err().to_string();
    let file = d
        .path()
        .join("source/arm/marketplace-agreements/page-0001.json");
    assert!(msg.contains(&file.display().to_string()), "{msg}");
    assert!(msg.contains("publisher / product / plan"), "{msg}");
    assert!(msg.contains("agreements/current unchanged"), "{msg}");
}

#[test]
fn providers_and_policy_assignments_with_array_parameters() {
    let (_d, raw) = export(&[
        (
            "arm/providers/page-0001.json",
            r#"{"value": [{"id": "/subscriptions/E3F1A2B4-5C6D-4E7F-8A9B-0C1D2E3F4A03/providers/Microsoft.Compute",
                "namespace": "Microsoft.Compute", "registrationState": "NotRegistered", "resourceTypes": []}]}"#,
        ),
        (
            "arm/policy-assignments/page-0001.json",
            r#"{"value": [{"id": "/subscriptions/e3f1a2b4-5c6d-4e7f-8a9b-0c1d2e3f4a03/providers/Microsoft.Authorization/policyAssignments/lz-allowed-locations",
                "name": "lz-allowed-locations",
                "properties": {"displayName": "Allowed locations", "scope": "/subscriptions/E3F1A2B4-5C6D-4E7F-8A9B-0C1D2E3F4A03",
                    "policyDefinitionId": "/providers/Microsoft.Authorization/policyDefinitions/e56962a6-4747-49cd-b67b-bf8b01975c4c",
                    "parameters": {"listOfAllowedLocations": {"value": ["westeurope", "NorthEurope"]},
                                   "effect": {"value": "Deny"}},
                    "enforcementMode": "Default"}}]}"#,
        ),
    ]);
    let inv = parse_source(&raw).expect("parses");
    let p = &inv.resource_providers[0];
    assert_eq!(
        (
            p.subscription_id.as_str(),
            p.namespace_lc.as_str(),
            p.registration_state.as_deref()
        ),
        (
            "e3f1a2b4-5c6d-4e7f-8a9b-0c1d2e3f4a03",
            "microsoft.compute",
            Some("NotRegistered")
        )
    );
    let a = &inv.policy_assignments[0];
    assert_eq!(
        a.scope,
        "/subscriptions/e3f1a2b4-5c6d-4e7f-8a9b-0c1d2e3f4a03"
    );
    assert_eq!(a.effect.as_deref(), Some("Deny"));
    assert_eq!(
        a.policy_definition_id.as_deref(),
        Some("/providers/microsoft.authorization/policydefinitions/e56962a6-4747-49cd-b67b-bf8b01975c4c")
    );
    let mut values: Vec<(&str, &str)> = inv
        .policy_assignment_parameters
        .iter()
        .map(|v| (v.parameter.as_str(), v.value_lc.as_str()))
        .collect();
    values.sort();
    assert_eq!(
        values,
        vec![
            ("effect", "deny"),
            ("listOfAllowedLocations", "northeurope"),
            ("listOfAllowedLocations", "westeurope")
        ]
    );
}

#[test]
fn absent_collections_are_not_collected_and_empty_ones_complete() {
    let (_d, raw) = export(&[("arm/vm-instance-views/page-0001.json", r#"{"value": []}"#)]);
    let mut inv = Inventory::default();
    let outcomes = parse(&raw, Side::Source, &mut inv).expect("parses");
    let status = |c: &str| {
        outcomes
            .iter()
            .find(|o| o.collection == c)
            .map(|o| o.status)
            .expect("outcome")
    };
    assert_eq!(status("arm/vm-instance-views"), Status::Complete);
    assert_eq!(status("arm/marketplace-agreements"), Status::NotCollected);
}
