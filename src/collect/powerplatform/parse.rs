//! Saved Power Platform responses → environments and what they hold.
//!
//! BAP admin lists (`GET .../scopes/admin/environments`, the shape
//! `Get-AdminPowerAppEnvironment` reads) are `{"value": [...], "nextLink"?}`:
//! everything but `id`, `name` and `location` sits under `properties`;
//! Dataverse details only exist when a database is linked
//! (`linkedEnvironmentMetadata`), so their absence means "no Dataverse", never
//! an error.
//!
//! The per-environment collections (flows, apps, connections, custom
//! connectors, and the Dataverse tables) live in one directory per
//! environment, named by the environment's `name`; see [`super::perenv`] for
//! how their completeness is judged.

use super::items;
use super::perenv::{self, PerEnv};
use crate::collect::{CollectionOutcome, CollectionSpec};
use crate::error::{Error, Location, Result};
use crate::inventory::{Inventory, PpEnvironment, PpEnvironmentCapacity, PpEnvironmentPolicy};
use crate::normalize::{
    bool_at, canonical_datetime, canonical_guid, canonical_id, canonical_region, f64_at, str_at,
};
use crate::raw::{self, Envelope, RawExport, RawItem, Side};

const fn spec(collection: &'static str, tables: &'static [&'static str]) -> CollectionSpec {
    CollectionSpec {
        family: "powerplatform",
        collection,
        tables,
    }
}

const ENVIRONMENTS: CollectionSpec = spec(
    "powerplatform/environments",
    &[
        "pp_environments",
        "pp_environment_policies",
        "pp_environment_capacity",
    ],
);
const TENANT_CAPACITY: CollectionSpec =
    spec("powerplatform/tenant-capacity", &["pp_tenant_capacity"]);
const T2T_MIGRATIONS: CollectionSpec = spec("powerplatform/t2t-migrations", &["pp_t2t_migrations"]);
pub(super) const FLOWS: CollectionSpec = spec("powerplatform/flows/*", &["pp_flows"]);
pub(super) const APPS: CollectionSpec = spec("powerplatform/apps/*", &["pp_apps"]);
pub(super) const CONNECTIONS: CollectionSpec =
    spec("powerplatform/connections/*", &["pp_connections"]);
pub(super) const CUSTOM_CONNECTORS: CollectionSpec = spec(
    "powerplatform/custom-connectors/*",
    &["pp_custom_connectors"],
);
pub(super) const SOLUTIONS: CollectionSpec =
    spec("powerplatform/dataverse/*/solutions", &["pp_solutions"]);
pub(super) const SYSTEM_USERS: CollectionSpec = spec(
    "powerplatform/dataverse/*/systemusers",
    &["pp_system_users"],
);
pub(super) const BOTS: CollectionSpec = spec("powerplatform/dataverse/*/bots", &["pp_bots"]);
pub(super) const WEBSITES: CollectionSpec =
    spec("powerplatform/dataverse/*/websites", &["pp_websites"]);

pub const COLLECTIONS: &[CollectionSpec] = &[
    ENVIRONMENTS,
    TENANT_CAPACITY,
    T2T_MIGRATIONS,
    FLOWS,
    APPS,
    CONNECTIONS,
    CUSTOM_CONNECTORS,
    SOLUTIONS,
    SYSTEM_USERS,
    BOTS,
    WEBSITES,
];

/// Per-environment collections: (spec, whether only Dataverse environments
/// have it, parser of one item).
const PER_ENV: &[PerEnv] = &[
    PerEnv {
        spec: FLOWS,
        dataverse_only: false,
        parse: items::flow,
    },
    PerEnv {
        spec: APPS,
        dataverse_only: false,
        parse: items::app,
    },
    PerEnv {
        spec: CONNECTIONS,
        dataverse_only: false,
        parse: items::connection,
    },
    PerEnv {
        spec: CUSTOM_CONNECTORS,
        dataverse_only: false,
        parse: items::custom_connector,
    },
    PerEnv {
        spec: SOLUTIONS,
        dataverse_only: true,
        parse: items::solution,
    },
    PerEnv {
        spec: SYSTEM_USERS,
        dataverse_only: true,
        parse: items::system_user,
    },
    PerEnv {
        spec: BOTS,
        dataverse_only: true,
        parse: items::bot,
    },
    PerEnv {
        spec: WEBSITES,
        dataverse_only: true,
        parse: items::website,
    },
];

pub fn parse(raw: &RawExport, side: Side, inv: &mut Inventory) -> Result<Vec<CollectionOutcome>> {
    let pages = raw.pages(side, ENVIRONMENTS.collection)?;
    let list = raw::items(&pages, Envelope::Value)?;
    // Environments of this side, and those with Dataverse: what the
    // per-environment collections are expected to cover.
    let mut all = Vec::new();
    let mut dataverse = Vec::new();
    for item in &list {
        let env = environment(item, side, inv)?;
        all.push(env.name.clone());
        if env.dataverse_url.is_some() {
            dataverse.push(env.name.clone());
        }
        inv.pp_environments.push(env);
    }
    let env_outcome = ENVIRONMENTS.outcome(raw, side, list.len())?;
    let envs_collected = env_outcome.status == crate::collect::Status::Complete;
    let mut out = vec![env_outcome];

    let pages = raw.pages(side, TENANT_CAPACITY.collection)?;
    let caps = raw::items(&pages, Envelope::Field("tenantCapacities"))?;
    for item in &caps {
        items::tenant_capacity(item, side, inv)?;
    }
    out.push(TENANT_CAPACITY.outcome(raw, side, caps.len())?);

    let pages = raw.pages(side, T2T_MIGRATIONS.collection)?;
    let reqs = raw::items(&pages, Envelope::Value)?;
    for item in &reqs {
        items::t2t_migration(item, side, inv)?;
    }
    out.push(T2T_MIGRATIONS.outcome(raw, side, reqs.len())?);

    for p in PER_ENV {
        let expected = if p.dataverse_only { &dataverse } else { &all };
        out.push(perenv::parse(raw, side, p, expected, envs_collected, inv)?);
    }
    Ok(out)
}

fn environment(item: &RawItem, side: Side, inv: &mut Inventory) -> Result<PpEnvironment> {
    let v = item.value;
    let p = |path: &str| str_at(v, &format!("properties.{path}"));
    let id = canonical_id(&required(item, "id")?);
    let tenant = side.as_str().to_string();
    // `enterprisePolicies` is an object keyed by policy kind (`identity`,
    // `vNets`, `customerManagedKeys`, ...), one linked policy per kind.
    if let Some(obj) =
        crate::normalize::at(v, "properties.enterprisePolicies").and_then(|x| x.as_object())
    {
        for (kind, pol) in obj {
            if pol.is_null() {
                continue;
            }
            inv.pp_environment_policies.push(PpEnvironmentPolicy {
                tenant: tenant.clone(),
                environment_id: id.clone(),
                kind: kind.to_lowercase(),
                policy_id: str_at(pol, "id").map(|s| canonical_id(&s)),
                link_status: str_at(pol, "linkStatus"),
            });
        }
    }
    for c in crate::normalize::arr_at(v, "properties.capacity") {
        let Some(capacity_type) = str_at(c, "capacityType") else {
            continue;
        };
        inv.pp_environment_capacity.push(PpEnvironmentCapacity {
            tenant: tenant.clone(),
            environment_id: id.clone(),
            capacity_type,
            actual_mb: f64_at(c, "actualConsumption"),
            rated_mb: f64_at(c, "ratedConsumption"),
        });
    }
    Ok(PpEnvironment {
        tenant,
        id,
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
        linked_app_type: p("linkedAppMetadata.type"),
        linked_app_url: p("linkedAppMetadata.url").map(|s| s.trim().to_lowercase()),
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
                    linked_app_type: None,
                    linked_app_url: None,
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
                    linked_app_type: None,
                    linked_app_url: None,
                },
            ]
        );
        // Capacity is a child table; an int `0` reads like a float.
        let caps: Vec<(&str, Option<f64>)> = inv
            .pp_environment_capacity
            .iter()
            .map(|c| (c.capacity_type.as_str(), c.actual_mb))
            .collect();
        assert_eq!(caps, vec![("Database", Some(1392.68)), ("Log", Some(0.0))]);
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
        assert_eq!(
            o.tables,
            vec![
                "pp_environments",
                "pp_environment_policies",
                "pp_environment_capacity"
            ]
        );
    }

    const SANDBOX: &str = "5d3e2f1a-6b7c-4d8e-9f0a-1b2c3d4e5f60";
    const DEFAULT: &str = "Default-a1b2c3d4-0000-4e5f-8a9b-0c1d2e3f4a5b";

    fn outcome<'a>(outcomes: &'a [CollectionOutcome], c: &str) -> &'a CollectionOutcome {
        outcomes
            .iter()
            .find(|o| o.collection == c)
            .unwrap_or_else(|| panic!("no outcome for {c}"))
    }

    /// Every per-environment file of the fixtures, for the sandbox (which has
    /// Dataverse) and empty lists for the default environment (which has not).
    fn full_export() -> (tempfile::TempDir, RawExport) {
        let sb = |c: &str| format!("powerplatform/{c}/{SANDBOX}/page-0001.json");
        let dv = |c: &str, n: u8| format!("powerplatform/dataverse/{SANDBOX}/{c}/page-000{n}.json");
        let files = vec![
            (
                "environments-admin-list.json".to_string(),
                "powerplatform/environments/page-0001.json".to_string(),
            ),
            ("flows-v2-admin-list.json".into(), sb("flows")),
            ("apps-admin-list.json".into(), sb("apps")),
            ("connections-admin-list.json".into(), sb("connections")),
            (
                "custom-connectors-admin-list.json".into(),
                sb("custom-connectors"),
            ),
            ("dataverse-solutions.json".into(), dv("solutions", 1)),
            ("dataverse-systemusers.json".into(), dv("systemusers", 1)),
            ("dataverse-bots.json".into(), dv("bots", 1)),
            ("dataverse-websites-enhanced.json".into(), dv("websites", 1)),
            ("dataverse-websites-standard.json".into(), dv("websites", 2)),
            (
                "tenant-capacity.json".into(),
                "powerplatform/tenant-capacity/page-0001.json".into(),
            ),
            (
                "t2t-migrations.json".into(),
                "powerplatform/t2t-migrations/page-0001.json".into(),
            ),
        ];
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let (dir, _) = export(&refs);
        for c in ["flows", "apps", "connections", "custom-connectors"] {
            let d = dir
                .path()
                .join("source/powerplatform")
                .join(c)
                .join(DEFAULT);
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join("page-0001.json"), r#"{"value":[]}"#).unwrap();
        }
        let raw = RawExport::open(dir.path()).unwrap();
        (dir, raw)
    }

    #[test]
    fn per_environment_lists_and_dataverse_tables() {
        let (_d, raw) = full_export();
        let mut inv = Inventory::default();
        let outcomes = parse(&raw, Side::Source, &mut inv).unwrap();
        for o in &outcomes {
            assert_eq!(o.status, Status::Complete, "{o:?}");
        }
        let env = SANDBOX.to_string();
        // Flows: in Dataverse or not, whichever place the id sits in.
        let flows: Vec<(&str, Option<&str>)> = inv
            .pp_flows
            .iter()
            .map(|f| (f.id.as_str(), f.workflow_entity_id.as_deref()))
            .collect();
        assert_eq!(
            flows,
            vec![
                (
                    "0e6c9b1a-3d2f-4a5b-8c7d-9e0f1a2b3c4d",
                    Some("b7e2d3f4-1a2b-4c3d-9e8f-0a1b2c3d4e5f")
                ),
                ("6f0d2c3b-4a5e-4b6c-8d7e-1f2a3b4c5d6e", None),
            ]
        );
        assert!(inv.pp_flows.iter().all(|f| f.environment_name == env));
        assert_eq!(
            inv.pp_flows[0].created.as_deref(),
            Some("2023-04-11T08:15:02Z")
        );
        // Apps: appType beside properties or inside; "True" as a string.
        assert_eq!(inv.pp_apps.len(), 2);
        assert_eq!(inv.pp_apps[0].app_type.as_deref(), Some("ClassicCanvasApp"));
        assert_eq!(inv.pp_apps[0].uses_on_premise_gateway, Some(true));
        assert!(!inv.pp_apps[0].is_component_library);
        assert!(inv.pp_apps[1].is_component_library);
        assert_eq!(inv.pp_apps[1].alm_mode.as_deref(), Some("Solution"));
        // Connections: gateway in either parameter form; connector from the id
        // when apiId is missing.
        let conns: Vec<(&str, Option<&str>, Option<&str>)> = inv
            .pp_connections
            .iter()
            .map(|c| {
                (
                    c.api_name.as_str(),
                    c.gateway_id.as_deref(),
                    c.status.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            conns,
            vec![
                (
                    "shared_sql",
                    Some("/providers/microsoft.powerapps/apis/shared_sql/gateways/gw-01"),
                    Some("Connected")
                ),
                (
                    "shared_filesystem",
                    Some("/providers/microsoft.powerapps/apis/shared_filesystem/gateways/gw-02"),
                    Some("Error")
                ),
            ]
        );
        assert_eq!(
            inv.pp_custom_connectors[0].name,
            "shared_contoso-20erp-5f0629412a7d1fe83e.5f6f049093c9b7a698"
        );
        // Dataverse rows.
        let sols: Vec<&str> = inv
            .pp_solutions
            .iter()
            .map(|s| s.unique_name_lc.as_str())
            .collect();
        assert_eq!(sols, vec!["default", "omnichannelbase"]);
        assert_eq!(
            inv.pp_solutions[0].solution_id.as_deref(),
            Some("fd140aaf-4df4-11dd-bd17-0019b9312238")
        );
        let u = &inv.pp_system_users[1];
        assert_eq!(
            (
                u.domain_name_lc.as_deref(),
                u.access_mode,
                u.entra_object_id.as_deref()
            ),
            (
                Some("adele.vance@contoso.com"),
                Some(1),
                Some("6e1c2b3a-4d5e-4f60-8172-93a4b5c6d7e8")
            )
        );
        // An empty domainname (SYSTEM) is no name at all.
        assert_eq!(inv.pp_system_users[0].domain_name_lc, None);
        assert_eq!(
            inv.pp_bots[0].schema_name.as_deref(),
            Some("cr5f1_salesAssistant")
        );
        let sites: Vec<(&str, &str, Option<i64>)> = inv
            .pp_websites
            .iter()
            .map(|w| {
                (
                    w.name.as_deref().unwrap_or(""),
                    w.data_model.as_str(),
                    w.state,
                )
            })
            .collect();
        assert_eq!(
            sites,
            vec![
                ("Partner Portal", "enhanced", Some(0)),
                ("Customer Self-Service", "standard", Some(1))
            ]
        );
        // Tenant capacity and migration requests.
        let caps: Vec<(&str, Option<f64>, Option<f64>)> = inv
            .pp_tenant_capacity
            .iter()
            .map(|c| (c.capacity_type.as_str(), c.total, c.consumed))
            .collect();
        assert_eq!(
            caps,
            vec![
                ("Database", Some(20480.0), Some(3150.9449999999997)),
                ("Log", Some(4096.0), Some(0.0))
            ]
        );
        let m = &inv.pp_t2t_migrations[0];
        assert_eq!(
            (
                m.id.as_str(),
                m.environment_name.as_deref(),
                m.target_tenant_id.as_deref(),
                m.created.as_deref(),
                m.approval_actioned_by_id.as_deref()
            ),
            (
                "4b3a2918-0706-4f5e-8d4c-3b2a19081726",
                Some(SANDBOX),
                Some("2a3b4c5d-6e7f-4081-92a3-b4c5d6e7f809"),
                Some("2026-11-10T14:03:11Z"),
                None
            )
        );
        assert_eq!(
            outcome(&outcomes, "powerplatform/dataverse/*/websites").items,
            2
        );
        assert_eq!(outcome(&outcomes, "powerplatform/flows/*").items, 2);
    }

    #[test]
    fn a_missing_environment_directory_makes_the_collection_partial() {
        let (dir, _) = full_export();
        std::fs::remove_dir_all(dir.path().join("source/powerplatform/apps").join(DEFAULT))
            .unwrap();
        std::fs::remove_dir_all(
            dir.path()
                .join(format!("source/powerplatform/dataverse/{SANDBOX}/bots")),
        )
        .unwrap();
        let raw = RawExport::open(dir.path()).unwrap();
        let mut inv = Inventory::default();
        let outcomes = parse(&raw, Side::Source, &mut inv).unwrap();
        let apps = outcome(&outcomes, "powerplatform/apps/*");
        assert_eq!(apps.status, Status::Partial);
        assert_eq!(
            apps.error.as_deref(),
            Some(format!("not collected for {DEFAULT}").as_str())
        );
        assert_eq!(
            outcome(&outcomes, "powerplatform/dataverse/*/bots").status,
            Status::Partial
        );
        // The default environment has no Dataverse: nothing is missing there.
        assert_eq!(
            outcome(&outcomes, "powerplatform/dataverse/*/solutions").status,
            Status::Complete
        );
    }

    #[test]
    fn per_environment_collections_absent_are_not_collected() {
        let (_d, raw) = export(&[(
            "environments-admin-list.json",
            "powerplatform/environments/page-0001.json",
        )]);
        let mut inv = Inventory::default();
        let outcomes = parse(&raw, Side::Source, &mut inv).unwrap();
        for c in [
            "powerplatform/flows/*",
            "powerplatform/dataverse/*/systemusers",
            "powerplatform/tenant-capacity",
        ] {
            assert_eq!(outcome(&outcomes, c).status, Status::NotCollected, "{c}");
        }
    }

    #[test]
    fn a_website_row_without_an_id_names_file_and_row() {
        let (dir, _) = full_export();
        let p = dir.path().join(format!(
            "source/powerplatform/dataverse/{SANDBOX}/websites/page-0003.json"
        ));
        std::fs::write(&p, r#"{"value":[{"name":"x"}]}"#).unwrap();
        let raw = RawExport::open(dir.path()).unwrap();
        let err = parse(&raw, Side::Source, &mut Inventory::default()).unwrap_err();
        let Error::Input(e) = err else {
            panic!("expected an input error, got {err:?}")
        };
        assert!(e.location.path.unwrap().ends_with("page-0003.json"));
        assert_eq!(
            e.message,
            format!("value[0] has neither \"powerpagesiteid\" nor \"adx_websiteid\" (powerplatform/dataverse/{SANDBOX}/websites)")
        );
    }

    #[test]
    fn absent_collection_is_not_collected() {
        let (_d, raw) = export(&[]);
        let mut inv = Inventory::default();
        let outcomes = parse(&raw, Side::Source, &mut inv).unwrap();
        assert_eq!(outcomes.len(), COLLECTIONS.len());
        for o in &outcomes {
            assert_eq!((o.status, o.items), (Status::NotCollected, 0), "{o:?}");
        }
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
