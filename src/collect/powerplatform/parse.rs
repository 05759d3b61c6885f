//! Saved BAP admin responses → Power Platform environments.
//!
//! `GET .../scopes/admin/environments` pages are `{"value": [...], "nextLink"?}`
//! (the shape `Get-AdminPowerAppEnvironment` reads). Everything but `id`,
//! `name` and `location` sits under `properties`; Dataverse details only exist
//! when a database is linked (`linkedEnvironmentMetadata`), so their absence
//! means "no Dataverse", never an error.

use crate::collect::{CollectionOutcome, CollectionSpec};
use crate::error::{Error, Location, Result};
use crate::inventory::{Inventory, PpEnvironment};
use crate::normalize::{
    bool_at, canonical_datetime, canonical_guid, canonical_id, canonical_region, str_at,
};
use crate::raw::{items, Envelope, RawExport, RawItem, Side};

const ENVIRONMENTS: CollectionSpec = CollectionSpec {
    family: "powerplatform",
    collection: "powerplatform/environments",
    tables: &["pp_environments"],
};

pub const COLLECTIONS: &[CollectionSpec] = &[ENVIRONMENTS];

pub fn parse(raw: &RawExport, side: Side, inv: &mut Inventory) -> Result<Vec<CollectionOutcome>> {
    let pages = raw.pages(side, ENVIRONMENTS.collection)?;
    let list = items(&pages, Envelope::Value)?;
    for item in &list {
        inv.pp_environments.push(environment(item, side)?);
    }
    Ok(vec![ENVIRONMENTS.outcome(raw, side, list.len())?])
}

fn environment(item: &RawItem, side: Side) -> Result<PpEnvironment> {
    let v = item.value;
    let p = |path: &str| str_at(v, &format!("properties.{path}"));
    Ok(PpEnvironment {
        tenant: side.as_str().to_string(),
        id: canonical_id(&required(item, "id")?),
        // `Default-<tenantId>` or a GUID, as the BAP URLs use it.
        name: required(item, "name")?.trim().to_string(),
        display_name: p("displayName"),
        sku: p("environmentSku"),
        // Only the default environment carries `true`; absent reads as false.
        is_default: bool_at(v, "properties.isDefault").unwrap_or(false),
        // A geography (`unitedstates`, `europe`), not an Azure region.
        location: str_at(v, "location").map(|s| canonical_region(&s)),
        azure_region: p("azureRegion").map(|s| canonical_region(&s)),
        dataverse_url: p("linkedEnvironmentMetadata.instanceUrl"),
        dataverse_state: p("linkedEnvironmentMetadata.instanceState"),
        security_group_id: p("linkedEnvironmentMetadata.securityGroupId")
            .and_then(|s| canonical_guid(&s)),
        protection_level: p("governanceConfiguration.protectionLevel"),
        key_managed_by: p("protectionStatus.keyManagedBy"),
        created: p("createdTime").and_then(|s| canonical_datetime(&s)),
        state: p("states.management.id"),
    })
}

fn required(item: &RawItem, field: &str) -> Result<String> {
    str_at(item.value, field).ok_or_else(|| {
        Error::input(
            Location::file(item.path),
            format!(
                "value[{}] has no \"{field}\" ({})",
                item.index, ENVIRONMENTS.collection
            ),
            "save the body of the BAP scopes/admin/environments response exactly as returned (see docs/raw-export.md)",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::Status;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/wire/powerplatform");

    /// A raw export whose source tenant holds fixtures at the given paths.
    fn export(files: &[(&str, &str)]) -> (tempfile::TempDir, RawExport) {
        crate::raw::testing::export(FIXTURES, files)
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn environments_with_and_without_dataverse() {
        let (_d, raw) = export(&[(
            "environments-admin-list.json",
            "powerplatform/environments/page-0001.json",
        )]);
        let mut inv = Inventory::default();
        let outcomes = parse(&raw, Side::Source, &mut inv).unwrap();
        assert_eq!(
            inv.pp_environments,
            vec![
                PpEnvironment {
                    tenant: "source".into(),
                    id: "/providers/microsoft.businessappplatform/scopes/admin/environments/5d3e2f1a-6b7c-4d8e-9f0a-1b2c3d4e5f60".into(),
                    name: "5d3e2f1a-6b7c-4d8e-9f0a-1b2c3d4e5f60".into(),
                    display_name: s("Contoso Sales (sandbox)"),
                    sku: s("Sandbox"),
                    is_default: false,
                    location: s("unitedstates"),
                    azure_region: s("westus"),
                    dataverse_url: s("https://contososales-sbx.crm.dynamics.com/"),
                    dataverse_state: s("Ready"),
                    security_group_id: s("7e1c2b3a-4d5e-4f60-8172-93a4b5c6d7e8"),
                    protection_level: s("Standard"),
                    key_managed_by: s("Microsoft"),
                    created: s("2020-10-22T04:38:17Z"),
                    state: s("Ready"),
                },
                PpEnvironment {
                    tenant: "source".into(),
                    id: "/providers/microsoft.businessappplatform/scopes/admin/environments/default-a1b2c3d4-0000-4e5f-8a9b-0c1d2e3f4a5b".into(),
                    name: "Default-a1b2c3d4-0000-4e5f-8a9b-0c1d2e3f4a5b".into(),
                    display_name: s("Contoso (default)"),
                    sku: s("Default"),
                    is_default: true,
                    location: s("europe"),
                    azure_region: s("northeurope"),
                    dataverse_url: None,
                    dataverse_state: None,
                    security_group_id: None,
                    protection_level: s("Basic"),
                    key_managed_by: None,
                    created: s("2019-05-14T09:12:01Z"),
                    state: s("NotSpecified"),
                },
            ]
        );
        let o = &outcomes[0];
        assert_eq!(
            (o.family.as_str(), o.collection.as_str(), o.status, o.items),
            (
                "powerplatform",
                "powerplatform/environments",
                Status::Complete,
                2
            )
        );
        assert_eq!(o.tables, vec!["pp_environments"]);
    }

    #[test]
    fn absent_collection_is_not_collected() {
        let (_d, raw) = export(&[]);
        let mut inv = Inventory::default();
        let outcomes = parse(&raw, Side::Source, &mut inv).unwrap();
        assert_eq!(outcomes.len(), 1);
        assert_eq!(
            (outcomes[0].status, outcomes[0].items),
            (Status::NotCollected, 0)
        );
        assert!(inv.pp_environments.is_empty());
    }

    #[test]
    fn single_file_form_and_missing_name() {
        let (dir, _) = export(&[]);
        let p = dir.path().join("source/powerplatform");
        std::fs::create_dir_all(&p).unwrap();
        std::fs::write(
            p.join("environments.json"),
            r#"{"value":[{"id":"/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/x","properties":{}}]}"#,
        )
        .unwrap();
        let raw = RawExport::open(dir.path()).unwrap();
        let err = parse(&raw, Side::Source, &mut Inventory::default()).unwrap_err();
        let Error::Input(e) = err else {
            panic!("expected an input error, got {err:?}")
        };
        assert!(e
            .location
            .path
            .unwrap()
            .ends_with("powerplatform/environments.json"));
        assert_eq!(
            e.message,
            "value[0] has no \"name\" (powerplatform/environments)"
        );
    }
}
