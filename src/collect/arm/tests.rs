//! Parses small raw exports built from fixtures/wire/arm and checks exact values.

use super::parse::{parse, COLLECTIONS};
use crate::collect::{CollectionOutcome, Status};
use crate::error::Error;
use crate::inventory::{GalleryImageVersionRegion, Inventory, Registry};
use crate::raw::{RawExport, Side};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

const S: &str = "291bba3f-e0a5-47bc-a099-3bdcb2a50a05";
const SUB: &str = "/subscriptions/291bba3f-e0a5-47bc-a099-3bdcb2a50a05";
const MY_RG: &str =
    "/subscriptions/291bba3f-e0a5-47bc-a099-3bdcb2a50a05/resourcegroups/myresourcegroup";
const IMAGES_RG: &str =
    "/subscriptions/291bba3f-e0a5-47bc-a099-3bdcb2a50a05/resourcegroups/images-rg";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/wire/arm")
        .join(name)
}

/// A raw export under construction, source side only unless said otherwise.
struct Export {
    dir: TempDir,
}

impl Export {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("xtenant-raw.json"),
            r#"{"format":"xtenant-raw-export","version":1}"#,
        )
        .unwrap();
        Export { dir }
    }

    fn collection_dir(&self, collection: &str) -> PathBuf {
        let d = self.dir.path().join("source").join(collection);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    /// Copies `fixture.json` as page `n`, with its `.meta.json` sidecar if any.
    fn page(self, collection: &str, n: usize, fixture_name: &str) -> Self {
        let d = self.collection_dir(collection);
        std::fs::copy(
            fixture(&format!("{fixture_name}.json")),
            d.join(format!("page-{n:04}.json")),
        )
        .unwrap();
        let meta = fixture(&format!("{fixture_name}.meta.json"));
        if meta.is_file() {
            std::fs::copy(meta, d.join(format!("page-{n:04}.meta.json"))).unwrap();
        }
        self
    }

    /// Copies `fixture.json` as page `n`, leaving its sidecar behind.
    fn page_without_meta(self, collection: &str, n: usize, fixture_name: &str) -> Self {
        let d = self.collection_dir(collection);
        std::fs::copy(
            fixture(&format!("{fixture_name}.json")),
            d.join(format!("page-{n:04}.json")),
        )
        .unwrap();
        self
    }

    fn body(self, collection: &str, n: usize, body: &str) -> Self {
        let d = self.collection_dir(collection);
        std::fs::write(d.join(format!("page-{n:04}.json")), body).unwrap();
        self
    }

    fn status(self, collection: &str, body: &str) -> Self {
        let d = self.collection_dir(collection);
        std::fs::write(d.join("_status.json"), body).unwrap();
        self
    }

    fn path(&self, collection: &str, n: usize) -> PathBuf {
        self.dir
            .path()
            .join("source")
            .join(collection)
            .join(format!("page-{n:04}.json"))
    }

    fn try_parse(&self) -> crate::error::Result<(Inventory, Vec<CollectionOutcome>)> {
        let raw = RawExport::open(self.dir.path())?;
        let mut inv = Inventory::default();
        let outcomes = parse(&raw, Side::Source, &mut inv)?;
        Ok((inv, outcomes))
    }

    fn parse(&self) -> (Inventory, Vec<CollectionOutcome>) {
        self.try_parse().expect("parses")
    }
}

fn outcome<'a>(outcomes: &'a [CollectionOutcome], collection: &str) -> &'a CollectionOutcome {
    outcomes
        .iter()
        .find(|o| o.collection == collection)
        .unwrap_or_else(|| panic!("no outcome for {collection}"))
}

#[test]
fn collections_are_exactly_the_arm_and_resource_graph_ones_of_the_docs() {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/raw-export.md"))
            .unwrap();
    let documented: BTreeSet<String> = doc
        .lines()
        .filter(|l| l.starts_with("| `arm/") || l.starts_with("| `resource-graph/"))
        .map(|l| l.split('`').nth(1).unwrap().to_string())
        .collect();
    let ours: BTreeSet<String> = COLLECTIONS
        .iter()
        .map(|c| c.collection.to_string())
        .collect();
    assert_eq!(ours, documented);
    assert_eq!(ours.len(), COLLECTIONS.len(), "no collection listed twice");
    assert!(COLLECTIONS.iter().all(|c| c.family == "arm"));
    let table_names = Inventory::table_names();
    for c in COLLECTIONS {
        for t in c.tables {
            assert!(
                table_names.contains(t),
                "{}: unknown table {t}",
                c.collection
            );
        }
    }
}

#[test]
fn outcomes_say_not_collected_partial_and_complete() {
    let e = Export::new()
        .page("arm/disks", 1, "disks")
        .body("arm/locks", 1, r#"{"value": []}"#)
        .page("arm/role-assignments", 1, "role-assignments")
        .status(
            "arm/role-assignments",
            r#"{"status": "partial", "error": "429 after 5 retries on subscription 72ac930a"}"#,
        );
    let (_, outcomes) = e.parse();
    assert_eq!(outcomes.len(), COLLECTIONS.len());
    assert!(outcomes
        .iter()
        .all(|o| o.side == Side::Source && o.family == "arm"));

    let disks = outcome(&outcomes, "arm/disks");
    assert_eq!((disks.status, disks.items), (Status::Complete, 4));
    assert_eq!(disks.tables, vec!["disks".to_string()]);

    let locks = outcome(&outcomes, "arm/locks");
    assert_eq!((locks.status, locks.items), (Status::Complete, 0));

    let ra = outcome(&outcomes, "arm/role-assignments");
    assert_eq!((ra.status, ra.items), (Status::Partial, 3));
    assert_eq!(
        ra.error.as_deref(),
        Some("429 after 5 retries on subscription 72ac930a")
    );

    for absent in [
        "arm/snapshots",
        "resource-graph/resources",
        "arm/gallery-images",
    ] {
        let o = outcome(&outcomes, absent);
        assert_eq!((o.status, o.items), (Status::NotCollected, 0), "{absent}");
    }
}

#[test]
fn subscriptions_resource_groups_and_management_group_ancestry() {
    let e = Export::new()
        .page("arm/subscriptions", 1, "subscriptions")
        .page("arm/resource-groups", 1, "resource-groups")
        .page(
            "resource-graph/resourcecontainers",
            1,
            "resource-graph-resourcecontainers",
        );
    let (inv, outcomes) = e.parse();

    let subs: Vec<_> = inv
        .subscriptions
        .iter()
        .map(|s| {
            (
                s.id.as_str(),
                s.subscription_id.as_str(),
                s.display_name.as_deref(),
                s.state.as_deref(),
                s.tenant_id.as_deref(),
            )
        })
        .collect();
    let tenant = Some("31c75423-32d6-4322-88b7-c478bdde4858");
    assert_eq!(
        subs,
        vec![
            (
                SUB,
                S,
                Some("Example Subscription"),
                Some("Enabled"),
                tenant
            ),
            (
                "/subscriptions/72ac930a-f34e-42d8-b06d-dc2a9e12ed71",
                "72ac930a-f34e-42d8-b06d-dc2a9e12ed71",
                Some("Example Subscription2"),
                Some("Warned"),
                tenant
            ),
            (
                "/subscriptions/c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f",
                "c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f",
                Some("Sandbox"),
                Some("Disabled"),
                tenant
            ),
        ]
    );
    assert!(inv.subscriptions.iter().all(|s| s.tenant == "source"));

    let mgs: Vec<_> = inv
        .subscription_management_groups
        .iter()
        .map(|m| {
            (
                m.subscription_id.as_str(),
                m.management_group_id.as_str(),
                m.depth,
            )
        })
        .collect();
    let root =
        "/providers/microsoft.management/managementgroups/31c75423-32d6-4322-88b7-c478bdde4858";
    assert_eq!(
        mgs,
        vec![
            (
                S,
                "/providers/microsoft.management/managementgroups/landingzones",
                1
            ),
            (
                S,
                "/providers/microsoft.management/managementgroups/contoso-root",
                2
            ),
            (S, root, 3),
            ("c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f", root, 1),
        ]
    );

    let rgs: Vec<_> = inv
        .resource_groups
        .iter()
        .map(|r| {
            (
                r.id.as_str(),
                r.subscription_id.as_str(),
                r.name.as_str(),
                r.location.as_deref(),
                r.provisioning_state.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        rgs,
        vec![
            (
                MY_RG,
                S,
                "myResourceGroup",
                Some("westus"),
                Some("Succeeded")
            ),
            // No leading slash, `resourcegroups`, display-name location.
            (
                IMAGES_RG,
                S,
                "Images-RG",
                Some("westeurope"),
                Some("Succeeded")
            ),
            (
                "/subscriptions/c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f/resourcegroups/rg-arg",
                "c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f",
                "rg-arg",
                Some("northeurope"),
                Some("Succeeded")
            ),
        ]
    );
    assert_eq!(
        outcome(&outcomes, "resource-graph/resourcecontainers").items,
        3
    );
}

#[test]
fn disks_keep_every_quirk_normalised() {
    let (inv, _) = Export::new().page("arm/disks", 1, "disks").parse();
    assert_eq!(inv.disks.len(), 4);

    let d = &inv.disks[0];
    assert_eq!(d.tenant, "source");
    assert_eq!(
        d.id,
        format!("{MY_RG}/providers/microsoft.compute/disks/mymanageddisk")
    );
    assert_eq!(
        d.id_display,
        format!("/subscriptions/{S}/resourceGroups/myResourceGroup/providers/Microsoft.Compute/disks/myManagedDisk")
    );
    // `name` and the id's last segment disagree: `name` wins.
    assert_eq!(d.name, "myManagedDisk1");
    assert_eq!(
        (d.subscription_id.as_str(), d.resource_group.as_str()),
        (S, "myresourcegroup")
    );
    assert_eq!(d.location.as_deref(), Some("westus"));
    assert_eq!(d.zone, None);
    assert_eq!(d.sku.as_deref(), Some("Standard_LRS"));
    assert_eq!(
        (d.size_gb, d.size_bytes),
        (Some(200), Some(214_748_364_800))
    );
    assert_eq!(d.os_type.as_deref(), Some("Windows"));
    assert_eq!(d.hyper_v_generation.as_deref(), Some("V1"));
    assert_eq!(d.disk_state.as_deref(), Some("Attached"));
    assert_eq!(
        d.managed_by.as_deref(),
        Some(format!("{MY_RG}/providers/microsoft.compute/virtualmachines/myvm").as_str())
    );
    assert_eq!(d.create_option.as_deref(), Some("Copy"));
    // Sent without the leading slash.
    assert_eq!(
        d.source_resource_id.as_deref(),
        Some(format!("{MY_RG}/providers/microsoft.compute/snapshots/mysnapshot").as_str())
    );
    assert_eq!(
        d.encryption_type.as_deref(),
        Some("EncryptionAtRestWithPlatformKey")
    );
    assert_eq!(d.disk_encryption_set_id, None);
    assert!(d.ade_enabled);
    assert_eq!(d.security_type.as_deref(), Some("TrustedLaunch"));
    assert_eq!(d.provisioning_state.as_deref(), Some("Succeeded"));
    // Seven fraction digits and an offset.
    assert_eq!(d.time_created.as_deref(), Some("2016-12-28T04:41:35Z"));
    assert_eq!(d.tier, None);

    let p = &inv.disks[1];
    // `/Subscriptions/`, `ResourceGroups`: one canonical spelling.
    assert_eq!(
        p.id,
        format!("{MY_RG}/providers/microsoft.compute/disks/mypremiumv2disk")
    );
    assert_eq!(p.location.as_deref(), Some("westus"));
    assert_eq!(p.zone.as_deref(), Some("1"));
    assert_eq!(p.sku.as_deref(), Some("PremiumV2_LRS"));
    assert_eq!(p.tier.as_deref(), Some("P15"));
    assert_eq!(p.logical_sector_size, Some(4096));
    assert_eq!(p.size_bytes, None);
    assert_eq!(
        p.encryption_type.as_deref(),
        Some("EncryptionAtRestWithCustomerKey")
    );
    assert_eq!(
        p.disk_encryption_set_id.as_deref(),
        Some(
            format!("{MY_RG}/providers/microsoft.compute/diskencryptionsets/mydiskencryptionset")
                .as_str()
        )
    );
    assert_eq!(p.network_access_policy.as_deref(), Some("AllowPrivate"));
    assert_eq!(
        p.disk_access_id.as_deref(),
        Some(format!("{MY_RG}/providers/microsoft.compute/diskaccesses/mydiskaccess").as_str())
    );
    assert_eq!(p.public_network_access.as_deref(), Some("Disabled"));
    assert_eq!(
        p.data_access_auth_mode.as_deref(),
        Some("AzureActiveDirectory")
    );
    assert_eq!(p.disk_state.as_deref(), Some("Unattached"));
    assert!(!p.ade_enabled);
    assert_eq!(p.time_created.as_deref(), Some("2024-03-02T10:00:00Z"));

    let f = &inv.disks[2];
    assert_eq!(f.create_option.as_deref(), Some("FromImage"));
    // An image reference is not a source resource.
    assert_eq!(f.source_resource_id, None);
    assert!(!f.ade_enabled);
    assert_eq!(f.sku, None);

    let r = &inv.disks[3];
    // Numbers where enum names belong stay as the open strings they are.
    assert_eq!(r.network_access_policy.as_deref(), Some("0"));
    assert_eq!(r.disk_state.as_deref(), Some("0"));
    assert_eq!(r.size_bytes, Some(10_737_418_240));
}

#[test]
fn snapshots() {
    let (inv, _) = Export::new().page("arm/snapshots", 1, "snapshots").parse();
    let s = &inv.snapshots[0];
    assert_eq!(
        s.id,
        format!("{MY_RG}/providers/microsoft.compute/snapshots/myincrementalsnapshot")
    );
    assert_eq!(s.name, "myIncrementalSnapshot");
    assert_eq!(s.location.as_deref(), Some("westus"));
    assert_eq!(s.sku.as_deref(), Some("Standard_ZRS"));
    assert_eq!(s.incremental, Some(true));
    assert_eq!(s.completion_percent, Some(100.0));
    assert_eq!(
        s.source_resource_id.as_deref(),
        Some(format!("{MY_RG}/providers/microsoft.compute/disks/mymanageddisk").as_str())
    );
    assert_eq!(s.time_created.as_deref(), Some("2016-12-28T04:41:35Z"));
    let i = &inv.snapshots[1];
    assert_eq!(i.create_option.as_deref(), Some("Import"));
    assert_eq!(
        (
            i.incremental,
            i.source_resource_id.as_deref(),
            i.sku.as_deref()
        ),
        (None, None, None)
    );
}

#[test]
fn virtual_machines_and_their_data_disks() {
    let (inv, _) = Export::new()
        .page("arm/virtual-machines", 1, "virtual-machines")
        .parse();
    let vm = &inv.virtual_machines[0];
    let vm_id = format!("{MY_RG}/providers/microsoft.compute/virtualmachines/myvm");
    assert_eq!(vm.id, vm_id);
    assert_eq!(vm.location.as_deref(), Some("westus"));
    assert_eq!(vm.zone.as_deref(), Some("2"));
    assert_eq!(vm.vm_size.as_deref(), Some("Standard_DS3_v2"));
    assert_eq!(vm.os_type.as_deref(), Some("Windows"));
    assert_eq!(
        vm.os_disk_id.as_deref(),
        Some(format!("{MY_RG}/providers/microsoft.compute/disks/mymanageddisk").as_str())
    );
    assert_eq!(vm.security_type.as_deref(), Some("TrustedLaunch"));
    assert_eq!(
        vm.plan.as_deref(),
        Some("test_test_pmc2pc1/marketplace_vm_test/test_sku")
    );
    let legacy = &inv.virtual_machines[1];
    assert_eq!(
        (legacy.os_disk_id.as_deref(), legacy.plan.as_deref()),
        (None, None)
    );

    let dd: Vec<_> = inv
        .vm_data_disks
        .iter()
        .map(|d| (d.vm_id.as_str(), d.disk_id.as_str(), d.lun))
        .collect();
    let d0 = format!("{MY_RG}/providers/microsoft.compute/disks/mydatadisk0");
    let d1 = format!("{MY_RG}/providers/microsoft.compute/disks/mydatadisk1");
    let legacy_id = format!("{MY_RG}/providers/microsoft.compute/virtualmachines/legacyvm");
    assert_eq!(
        dd,
        vec![
            (vm_id.as_str(), d0.as_str(), Some(0)),
            (vm_id.as_str(), d1.as_str(), Some(1)),
            (
                legacy_id.as_str(),
                "https://mystorageaccount.blob.core.windows.net/vhds/data0.vhd",
                Some(0)
            ),
        ]
    );
}

#[test]
fn disk_encryption_sets() {
    let (inv, _) = Export::new()
        .page("arm/disk-encryption-sets", 1, "disk-encryption-sets")
        .parse();
    let d = &inv.disk_encryption_sets[0];
    assert_eq!(
        d.id,
        format!("{MY_RG}/providers/microsoft.compute/diskencryptionsets/mydiskencryptionset")
    );
    assert_eq!(
        d.encryption_type.as_deref(),
        Some("EncryptionAtRestWithCustomerKey")
    );
    assert_eq!(
        d.key_vault_id.as_deref(),
        Some(format!("{MY_RG}/providers/microsoft.keyvault/vaults/myvmvault").as_str())
    );
    assert_eq!(
        d.key_url.as_deref(),
        Some("https://myvmvault.vault-int.azure-int.net/keys/{key}")
    );
    assert_eq!(d.federated_client_id, None);
    let x = &inv.disk_encryption_sets[1];
    assert_eq!(x.location.as_deref(), Some("westus"));
    assert_eq!(x.key_vault_id, None);
    assert_eq!(
        x.federated_client_id.as_deref(),
        Some("6c8f3b5e-7a01-4b0b-9d2a-0e5d6f7a8b9c")
    );
}

#[test]
fn registries_fill_every_column() {
    let (inv, _) = Export::new()
        .page("arm/registries", 1, "registries")
        .page("arm/registry-replications", 1, "registry-replications")
        .parse();
    let base = format!("{MY_RG}/providers/microsoft.containerregistry/registries");
    assert_eq!(
        inv.registries,
        vec![
            Registry {
                tenant: "source".into(),
                id: format!("{base}/myregistry"),
                subscription_id: S.into(),
                resource_group: "myresourcegroup".into(),
                name: "myRegistry".into(),
                login_server: Some("myregistry.azurecr-test.io".into()),
                location: Some("westus".into()),
                sku: Some("Standard".into()),
                admin_user_enabled: Some(false),
                public_network_access: Some("enabled".into()),
                network_default_action: Some("Allow".into()),
                network_rule_bypass: Some("AzureServices".into()),
                trust_policy: Some("disabled".into()),
                quarantine_policy: Some("disabled".into()),
                retention_policy: Some("disabled".into()),
                retention_days: Some(7),
                export_policy: Some("enabled".into()),
                zone_redundancy: Some("disabled".into()),
                anonymous_pull_enabled: None,
                data_endpoint_enabled: Some(false),
                aad_auth_as_arm_policy: None,
                provisioning_state: Some("Succeeded".into()),
                role_assignment_mode: None,
                ip_rule_count: 0,
                encryption_status: Some("disabled".into()),
                soft_delete_policy: None,
            },
            Registry {
                tenant: "source".into(),
                id: format!("{base}/mylockedregistry"),
                subscription_id: S.into(),
                resource_group: "myresourcegroup".into(),
                name: "myLockedRegistry".into(),
                login_server: Some("mylockedregistry.azurecr.io".into()),
                location: Some("westeurope".into()),
                sku: Some("Premium".into()),
                admin_user_enabled: Some(true),
                public_network_access: Some("disabled".into()),
                network_default_action: Some("Deny".into()),
                network_rule_bypass: Some("None".into()),
                trust_policy: Some("enabled".into()),
                quarantine_policy: Some("enabled".into()),
                retention_policy: Some("enabled".into()),
                retention_days: Some(30),
                export_policy: Some("disabled".into()),
                zone_redundancy: Some("enabled".into()),
                anonymous_pull_enabled: Some(true),
                data_endpoint_enabled: Some(true),
                aad_auth_as_arm_policy: Some("disabled".into()),
                provisioning_state: Some("Succeeded".into()),
                role_assignment_mode: Some("AbacRepositoryPermissions".into()),
                ip_rule_count: 2,
                encryption_status: Some("enabled".into()),
                soft_delete_policy: Some("enabled".into()),
            },
        ]
    );
    let pe = &inv.registry_private_endpoint_connections;
    assert_eq!(pe.len(), 1, "only the locked registry has a connection");
    assert_eq!(pe[0].registry_id, format!("{base}/mylockedregistry"));
    assert_eq!(
        pe[0].id,
        format!("{base}/mylockedregistry/privateendpointconnections/myconnection")
    );
    assert_eq!(pe[0].name, "myConnection");
    assert_eq!(pe[0].status.as_deref(), Some("Approved"));
    assert_eq!(
        pe[0].private_endpoint_id.as_deref(),
        Some(
            format!("{MY_RG}/providers/microsoft.network/privateendpoints/myprivateendpoint")
                .as_str()
        )
    );
    let r = &inv.registry_replications[0];
    assert_eq!(r.id, format!("{base}/mylockedregistry/replications/eastus"));
    assert_eq!(r.registry_id, format!("{base}/mylockedregistry"));
    assert_eq!(r.location.as_deref(), Some("eastus"));
    assert_eq!(r.provisioning_state.as_deref(), Some("Succeeded"));
}

#[test]
fn registry_webhooks_scope_maps_and_tokens_hang_under_their_registry() {
    let (inv, outcomes) = Export::new()
        .page("arm/registry-webhooks", 1, "registry-webhooks")
        .page("arm/registry-scope-maps", 1, "registry-scope-maps")
        .page("arm/registry-tokens", 1, "registry-tokens")
        .parse();
    let reg = format!("{MY_RG}/providers/microsoft.containerregistry/registries/mylockedregistry");
    assert_eq!(outcome(&outcomes, "arm/registry-tokens").items, 2);
    let w = &inv.registry_webhooks[0];
    assert_eq!(
        (w.registry_id.as_str(), w.name.as_str()),
        (reg.as_str(), "myWebhook")
    );
    assert_eq!(w.status.as_deref(), Some("enabled"), "stored lower-case");
    assert_eq!(w.scope.as_deref(), Some("myRepository"));
    assert_eq!(w.location.as_deref(), Some("westeurope"));
    let types: Vec<_> = inv
        .registry_scope_maps
        .iter()
        .map(|m| (m.name.as_str(), m.scope_map_type.as_deref()))
        .collect();
    assert_eq!(
        types,
        vec![
            ("_repositories_pull", Some("SystemDefined")),
            ("myScopeMap", Some("IsUserDefined"))
        ]
    );
    assert!(inv.registry_scope_maps.iter().all(|m| m.registry_id == reg));
    let t = &inv.registry_tokens;
    assert_eq!(t[0].name, "myToken");
    assert_eq!(t[0].status.as_deref(), Some("disabled"));
    assert_eq!(
        t[0].scope_map_id.as_deref(),
        Some(format!("{reg}/scopemaps/myscopemap").as_str())
    );
    // Certificates only: no password to hand over.
    assert_eq!(
        (t[0].password_count, t[0].password_expiry.as_deref()),
        (0, None)
    );
    assert_eq!(t[1].status.as_deref(), Some("enabled"));
    // The later of the two expiries, whatever their spelling.
    assert_eq!(
        (t[1].password_count, t[1].password_expiry.as_deref()),
        (2, Some("2027-06-01T10:00:00Z"))
    );
}

#[test]
fn registry_children_without_their_parent_segment_are_refused() {
    let err = Export::new()
        .body(
            "arm/registry-tokens",
            1,
            r#"{"value": [{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/r/tokenz/t", "name": "t"}]}"#,
        )
        .try_parse()
        .unwrap_err();
    let e = input_error(err);
    assert!(
        e.message.contains("without /tokens/{name}"),
        "{}",
        e.message
    );
    assert!(e
        .location
        .to_string()
        .contains("arm/registry-tokens/page-0001.json"));
}

#[test]
fn providers_one_row_each_with_their_regions_per_type() {
    let (inv, _) = Export::new().page("arm/providers", 1, "providers").parse();
    let states: Vec<_> = inv
        .resource_providers
        .iter()
        .map(|p| {
            (
                p.subscription_id.as_str(),
                p.namespace_lc.as_str(),
                p.registration_state.as_deref(),
            )
        })
        .collect();
    // The second id spells `/Subscriptions/` with an upper-case GUID.
    assert_eq!(
        states,
        vec![
            (S, "microsoft.containerregistry", Some("Registered")),
            (S, "microsoft.compute", Some("NotRegistered")),
        ]
    );
    assert_eq!(
        inv.resource_providers[0].namespace,
        "Microsoft.ContainerRegistry"
    );
    let locs: Vec<_> = inv
        .resource_provider_locations
        .iter()
        .map(|l| {
            (
                l.namespace_lc.as_str(),
                l.resource_type.as_str(),
                l.location.as_str(),
            )
        })
        .collect();
    // Display names become canonical regions; an empty location is no region.
    assert_eq!(
        locs,
        vec![
            ("microsoft.containerregistry", "registries", "westus"),
            ("microsoft.containerregistry", "registries", "westeurope"),
            ("microsoft.containerregistry", "registries", "eastus"),
            ("microsoft.compute", "galleries", "westus"),
        ]
    );
}

#[test]
fn resource_graph_rows_feed_the_same_tables_once() {
    let (inv, outcomes) = Export::new()
        .page("arm/disks", 1, "disks")
        .page("arm/registries", 1, "registries")
        .page("resource-graph/resources", 1, "resource-graph-resources")
        .parse();
    assert_eq!(outcome(&outcomes, "resource-graph/resources").items, 5);

    // The ARG copy of myManagedDisk (other id casing, other size) is dropped.
    assert_eq!(inv.disks.len(), 5);
    let dups: Vec<_> = inv
        .disks
        .iter()
        .filter(|d| d.name == "myManagedDisk1")
        .collect();
    assert_eq!(dups.len(), 1);
    assert_eq!(dups[0].size_gb, Some(200));

    let g = inv.disks.last().unwrap();
    assert_eq!(
        g.id,
        format!("{SUB}/resourcegroups/rg1/providers/microsoft.compute/disks/yetanothertest_osdisk_1_f396cbcb625a457bb69fe2abf5975820")
    );
    assert_eq!(g.resource_group, "rg1");
    assert_eq!(g.zone.as_deref(), Some("3"));
    // Resource Graph sends "" for no manager.
    assert_eq!(g.managed_by, None);
    assert_eq!(g.disk_state.as_deref(), Some("Reserved"));
    assert_eq!(g.size_bytes, Some(32_213_303_296));
    // Three fraction digits.
    assert_eq!(g.time_created.as_deref(), Some("2023-05-04T06:07:08Z"));

    assert_eq!(inv.registries.len(), 3);
    let a = &inv.registries[2];
    assert_eq!(a.name, "argRegistry");
    assert_eq!(a.resource_group, "rg2");
    assert_eq!(a.location.as_deref(), Some("westeurope"));
    assert_eq!(a.sku.as_deref(), Some("Basic"));
    assert_eq!(a.public_network_access.as_deref(), Some("enabled"));
    assert_eq!(a.trust_policy.as_deref(), Some("disabled"));

    // A gallery image version row, keyed like its ARM twin would be.
    let v = &inv.gallery_image_versions[0];
    assert_eq!(
        v.id,
        format!("{IMAGES_RG}/providers/microsoft.compute/galleries/mygalleryname/images/mygalleryimagename/versions/2.0.0")
    );
    assert_eq!(v.provisioning_state.as_deref(), Some("Creating"));
    // The network interface has no table; nothing else was produced.
    assert!(inv.virtual_machines.is_empty() && inv.snapshots.is_empty());
}

#[test]
fn gallery_images_are_keyed_by_request_names() {
    let (inv, _) = Export::new()
        .page("arm/galleries", 1, "galleries")
        .page("arm/gallery-images", 1, "gallery-images")
        .page_without_meta(
            "arm/gallery-images",
            2,
            "gallery-image-without-subscription",
        )
        .parse();
    let g = &inv.galleries[0];
    let gallery_id = format!("{IMAGES_RG}/providers/microsoft.compute/galleries/mygalleryname");
    assert_eq!(g.id, gallery_id);
    assert_eq!(
        (g.name.as_str(), g.resource_group.as_str()),
        ("myGalleryName", "images-rg")
    );
    assert_eq!(g.location.as_deref(), Some("westus"));
    assert_eq!(g.sharing_permissions.as_deref(), Some("Groups"));
    let shared: Vec<_> = inv
        .gallery_sharing_groups
        .iter()
        .map(|m| {
            (
                m.gallery_id.as_str(),
                m.group_type.as_str(),
                m.member_id.as_str(),
            )
        })
        .collect();
    assert_eq!(
        shared,
        vec![(
            gallery_id.as_str(),
            "AADTenants",
            "8f70baf1-1f6e-46a2-a1ff-238dac1ebfb7"
        )]
    );

    let i = &inv.gallery_images[0];
    // The id came back with locations/westus/Galleries/.../Images/...
    assert_eq!(i.id, format!("{gallery_id}/images/mygalleryimagename"));
    assert_eq!(i.gallery_id, gallery_id);
    assert_eq!(i.name, "myGalleryImageName");
    assert_eq!(i.location.as_deref(), Some("westus"));
    assert_eq!(i.os_type.as_deref(), Some("Windows"));
    assert_eq!(i.os_state.as_deref(), Some("Generalized"));
    assert_eq!(i.hyper_v_generation.as_deref(), Some("V2"));
    assert_eq!(i.architecture.as_deref(), Some("x64"));
    assert_eq!(
        (i.publisher.as_deref(), i.offer.as_deref(), i.sku.as_deref()),
        (
            Some("myPublisherName"),
            Some("myOfferName"),
            Some("mySkuName")
        )
    );
    assert_eq!(i.security_type.as_deref(), Some("TrustedLaunch"));
    assert_eq!(
        (
            i.purchase_plan_publisher.as_deref(),
            i.purchase_plan_product.as_deref(),
            i.purchase_plan_name.as_deref()
        ),
        (
            Some("myPlanPublisher"),
            Some("myPlanProduct"),
            Some("myPlan")
        )
    );
    assert_eq!(i.end_of_life_date.as_deref(), Some("2030-01-01T00:00:00Z"));

    // No request URL, no subscription in the id, and no gallery "myGallery"
    // known: the subscription-less form is the best available.
    let orphan = &inv.gallery_images[1];
    assert_eq!(
        orphan.id,
        "/providers/microsoft.compute/galleries/mygallery/images/mylinuximage"
    );
    assert_eq!(
        orphan.gallery_id,
        "/providers/microsoft.compute/galleries/mygallery"
    );
    assert_eq!(orphan.security_type, None);
    assert_eq!(orphan.purchase_plan_name, None);
}

#[test]
fn request_url_beats_the_returned_id() {
    // Same page, now with the request that produced it: the id says gallery
    // "myGallery" and no subscription, the request says otherwise.
    let (inv, _) = Export::new()
        .page(
            "arm/gallery-images",
            1,
            "gallery-image-without-subscription",
        )
        .parse();
    assert_eq!(
        inv.gallery_images[0].id,
        format!(
            "{IMAGES_RG}/providers/microsoft.compute/galleries/mygalleryname/images/mylinuximage"
        )
    );
}

#[test]
fn subscription_less_image_is_placed_under_the_only_gallery_of_its_name() {
    let (inv, _) = Export::new()
        .page("arm/galleries", 1, "galleries")
        .body(
            "arm/gallery-images",
            1,
            r#"{"value": [{"id": "/providers/Microsoft.Compute/galleries/myGalleryName/Images/img2", "name": "img2", "location": "West US"}]}"#,
        )
        .parse();
    assert_eq!(
        inv.gallery_images[0].id,
        format!("{IMAGES_RG}/providers/microsoft.compute/galleries/mygalleryname/images/img2")
    );
}

#[test]
fn image_versions_and_replication_per_region() {
    let (inv, outcomes) = Export::new()
        .page("arm/gallery-image-versions", 1, "gallery-image-versions")
        .parse();
    assert_eq!(outcome(&outcomes, "arm/gallery-image-versions").items, 2);
    let image_id = format!(
        "{IMAGES_RG}/providers/microsoft.compute/galleries/mygalleryname/images/mygalleryimagename"
    );
    let v = &inv.gallery_image_versions[0];
    let v_id = format!("{image_id}/versions/1.0.0");
    assert_eq!(v.id, v_id);
    assert_eq!(v.image_id, image_id);
    assert_eq!(
        v.gallery_id,
        format!("{IMAGES_RG}/providers/microsoft.compute/galleries/mygalleryname")
    );
    assert_eq!(
        (
            v.gallery_name.as_str(),
            v.image_name.as_str(),
            v.name.as_str()
        ),
        ("myGalleryName", "myGalleryImageName", "1.0.0")
    );
    assert_eq!(v.location.as_deref(), Some("westus"));
    assert_eq!(v.exclude_from_latest, Some(true));
    assert_eq!(v.end_of_life_date.as_deref(), Some("2026-03-01T00:00:00Z"));
    assert_eq!(v.storage_account_type.as_deref(), Some("Standard_LRS"));
    assert_eq!(
        v.source_id.as_deref(),
        Some(format!("{MY_RG}/providers/microsoft.compute/images/myimage").as_str())
    );
    assert_eq!(v.replication_state.as_deref(), Some("InProgress"));
    assert_eq!(
        (v.os_disk_size_gb, v.data_disk_size_gb, v.data_disk_count),
        (Some(10), 0, 0)
    );
    assert_eq!(v.replication_mode, None);

    let w = &inv.gallery_image_versions[1];
    let w_id = format!("{image_id}/versions/1.0.1");
    assert_eq!(w.id, w_id);
    // osDiskImage.source.id, sent without the leading slash.
    assert_eq!(
        w.source_id.as_deref(),
        Some(
            format!("{MY_RG}/providers/microsoft.compute/snapshots/myincrementalsnapshot").as_str()
        )
    );
    assert_eq!(
        (w.replication_state.as_deref(), w.exclude_from_latest),
        (None, None)
    );
    assert_eq!(
        (w.os_disk_size_gb, w.data_disk_size_gb, w.data_disk_count),
        (Some(10), 3072, 2)
    );
    assert_eq!(w.replication_mode.as_deref(), Some("Shallow"));

    let region =
        |version_id: &str, region: &str, is_target, state: Option<&str>, progress, count| {
            GalleryImageVersionRegion {
                tenant: "source".into(),
                version_id: version_id.to_string(),
                region: region.into(),
                is_target,
                state: state.map(String::from),
                progress,
                replica_count: count,
                ..Default::default()
            }
        };
    let des = |name: &str| Some(format!("{MY_RG}/providers/microsoft.compute/{name}"));
    assert_eq!(
        inv.gallery_image_version_regions,
        vec![
            GalleryImageVersionRegion {
                // The example's singular `diskEncryptionSet/` kept as sent.
                os_disk_encryption_set_id: des("diskencryptionset/mydiskencryptionset"),
                ..region(&v_id, "westus", true, Some("Completed"), Some(100), Some(1))
            },
            region(
                &v_id,
                "eastus",
                true,
                Some("Replicating"),
                Some(45),
                Some(2)
            ),
            // Reported but no longer targeted: still a row.
            region(&v_id, "northeurope", false, Some("Failed"), Some(0), None),
            // One of two data disk entries names a disk encryption set.
            GalleryImageVersionRegion {
                encrypted_data_disks: 1,
                ..region(&w_id, "westus", true, None, None, Some(1))
            },
        ]
    );
}

#[test]
fn image_versions_without_request_url_get_the_same_ids() {
    let (with_meta, _) = Export::new()
        .page("arm/gallery-image-versions", 1, "gallery-image-versions")
        .parse();
    let (without, _) = Export::new()
        .page_without_meta("arm/gallery-image-versions", 1, "gallery-image-versions")
        .parse();
    assert_eq!(
        with_meta.gallery_image_versions,
        without.gallery_image_versions
    );
    assert_eq!(
        with_meta.gallery_image_version_regions,
        without.gallery_image_version_regions
    );
}

#[test]
fn role_definitions_one_row_per_lower_case_pattern() {
    // Listed for two subscriptions: the same roles come back twice.
    let (inv, _) = Export::new()
        .page("arm/role-definitions", 1, "role-definitions")
        .page("arm/role-definitions", 2, "role-definitions")
        .parse();
    let defs: Vec<_> = inv
        .role_definitions
        .iter()
        .map(|d| {
            (
                d.role_id.as_str(),
                d.role_name.as_deref(),
                d.role_type.as_deref(),
                d.description.is_some(),
            )
        })
        .collect();
    let custom = "9b1c4a6e-0f2d-4e3a-8b5c-7d6e5f4a3b2c";
    let reader = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
    assert_eq!(
        defs,
        vec![
            (reader, Some("Reader"), Some("BuiltInRole"), true),
            (
                custom,
                Some("Disk Copy Operator"),
                Some("CustomRole"),
                false
            ),
        ]
    );
    assert_eq!(
        inv.role_definitions[1].id,
        format!("{SUB}/providers/microsoft.authorization/roledefinitions/{custom}")
    );
    let actions: Vec<_> = inv
        .role_definition_actions
        .iter()
        .map(|a| (a.role_id.as_str(), a.kind.as_str(), a.pattern.as_str()))
        .collect();
    assert_eq!(
        actions,
        vec![
            (reader, "actions", "*/read"),
            (custom, "actions", "microsoft.compute/disks/read"),
            (
                custom,
                "actions",
                "microsoft.compute/disks/begingetaccess/action"
            ),
            (custom, "notActions", "microsoft.compute/disks/delete"),
            (
                custom,
                "dataActions",
                "microsoft.compute/disks/download/action"
            ),
        ]
    );
    let scopes: Vec<_> = inv
        .role_definition_scopes
        .iter()
        .map(|s| (s.role_id.as_str(), s.scope.as_str()))
        .collect();
    assert_eq!(scopes, vec![(reader, "/"), (custom, SUB), (custom, MY_RG)]);
}

#[test]
fn role_assignments_by_role_guid_and_canonical_scope() {
    let (inv, _) = Export::new()
        .page("arm/role-assignments", 1, "role-assignments")
        .page("arm/role-assignments", 2, "role-assignments")
        .parse();
    let rows: Vec<_> = inv
        .role_assignments
        .iter()
        .map(|a| {
            (
                a.scope.as_str(),
                a.role_id.as_str(),
                a.principal_id.as_str(),
                a.principal_type.as_deref(),
                a.condition.is_some(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (
                SUB,
                "acdd72a7-3385-48ef-bd42-f606fba81ae7",
                "ce2ce14e-85d7-4629-bdbc-454d0519d987",
                Some("User"),
                false
            ),
            // Subscription-scoped, upper-case role definition id.
            (
                MY_RG,
                "7f951dda-4ed3-4680-a7ca-43fe172d538d",
                "4b2e6d1a-9c3f-4a5b-8e7d-1f0a2b3c4d5e",
                Some("ServicePrincipal"),
                true
            ),
            (
                "/",
                "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
                "0d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a",
                Some("Group"),
                false
            ),
        ]
    );
    assert_eq!(
        inv.role_assignments[2].id,
        "/providers/microsoft.authorization/roleassignments/e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b"
    );
}

#[test]
fn deny_assignments_keep_everyone() {
    let (inv, _) = Export::new()
        .page("arm/deny-assignments", 1, "deny-assignments")
        .parse();
    let d = &inv.deny_assignments[0];
    let deny_id = format!(
        "{SUB}/resourcegroups/mrg-app/providers/microsoft.authorization/denyassignments/6d9a4c2e-3b1f-4e8a-9c7d-5b4a3e2f1d0c"
    );
    assert_eq!(d.id, deny_id);
    assert_eq!(
        d.name.as_deref(),
        Some("Deny assignment for managed application")
    );
    assert_eq!(d.scope, format!("{SUB}/resourcegroups/mrg-app"));
    assert_eq!(d.does_not_apply_to_child_scopes, Some(false));
    assert_eq!(d.is_system_protected, Some(true));

    let principals: Vec<_> = inv
        .deny_assignment_principals
        .iter()
        .map(|p| {
            (
                p.deny_id.as_str(),
                p.principal_id.as_str(),
                p.principal_type.as_deref(),
                p.excluded,
            )
        })
        .collect();
    assert_eq!(
        principals,
        vec![
            (
                deny_id.as_str(),
                "00000000-0000-0000-0000-000000000000",
                Some("SystemDefined"),
                false
            ),
            (
                deny_id.as_str(),
                "ce2ce14e-85d7-4629-bdbc-454d0519d987",
                Some("User"),
                true
            ),
        ]
    );
    let actions: Vec<_> = inv
        .deny_assignment_actions
        .iter()
        .map(|a| (a.kind.as_str(), a.pattern.as_str()))
        .collect();
    assert_eq!(
        actions,
        vec![
            ("actions", "*"),
            ("notActions", "*/read"),
            (
                "notActions",
                "microsoft.compute/disks/begingetaccess/action"
            ),
        ]
    );
}

#[test]
fn locks_apply_to_the_scope_they_hang_under() {
    let (inv, _) = Export::new().page("arm/locks", 1, "locks").parse();
    let rows: Vec<_> = inv
        .locks
        .iter()
        .map(|l| {
            (
                l.scope.clone(),
                l.name.as_str(),
                l.level.as_deref(),
                l.notes.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("/".to_string(), "testlock", Some("ReadOnly"), None),
            (
                IMAGES_RG.to_string(),
                "rg-delete-lock",
                Some("CanNotDelete"),
                Some("Protects production images")
            ),
            (
                format!(
                    "{MY_RG}/providers/microsoft.containerregistry/registries/mylockedregistry"
                ),
                "acr-lock",
                Some("CanNotDelete"),
                None
            ),
        ]
    );
}

fn input_error(e: Error) -> crate::error::InputError {
    match e {
        Error::Input(i) => i,
        other => panic!("expected an input error, got {other:?}"),
    }
}

#[test]
fn an_item_that_is_not_an_object_is_refused_with_file_and_index() {
    let e = Export::new().body(
        "arm/disks",
        1,
        r#"{"value": [{"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/disks/d"}, "oops"]}"#,
    );
    let err = input_error(e.try_parse().unwrap_err());
    assert_eq!(
        err.location.path.as_deref(),
        Some(e.path("arm/disks", 1).as_path())
    );
    assert!(err.message.contains("item 1"), "{}", err.message);
    assert!(err.message.contains("not a JSON object"), "{}", err.message);
    assert!(err.fix.is_some());
}

#[test]
fn an_item_without_id_is_refused_with_file_and_index() {
    let e = Export::new().body(
        "arm/role-assignments",
        1,
        r#"{"value": [{"properties": {"roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/x", "principalId": "p"}}]}"#,
    );
    let err = input_error(e.try_parse().unwrap_err());
    assert_eq!(
        err.location.path.as_deref(),
        Some(e.path("arm/role-assignments", 1).as_path())
    );
    assert!(err.message.contains("item 0"), "{}", err.message);
    assert!(err.message.contains("\"id\""), "{}", err.message);
    assert!(err.fix.as_deref().unwrap().contains("id"));

    let e = Export::new().body(
        "resource-graph/resources",
        1,
        r#"{"data": [{"type": "microsoft.compute/disks", "name": "d"}], "resultTruncated": "false"}"#,
    );
    let err = input_error(e.try_parse().unwrap_err());
    assert!(err.message.contains("item 0") && err.message.contains("\"id\""));
}

#[test]
fn a_resource_graph_row_without_type_is_refused() {
    let e = Export::new().body(
        "resource-graph/resources",
        1,
        r#"{"data": [{"id": "/subscriptions/s"}, {"id": "/subscriptions/t", "name": "t"}]}"#,
    );
    let err = input_error(e.try_parse().unwrap_err());
    assert!(err.message.contains("item 0") && err.message.contains("\"type\""));
    assert!(err.fix.as_deref().unwrap().contains("project"));
}

#[test]
fn an_image_version_with_no_gallery_anywhere_is_refused() {
    let e = Export::new().body(
        "arm/gallery-image-versions",
        1,
        r#"{"value": [{"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/images/i", "name": "1.0.0"}]}"#,
    );
    let err = input_error(e.try_parse().unwrap_err());
    assert!(err.message.contains("gallery"), "{}", err.message);
    assert!(err.fix.as_deref().unwrap().contains("meta.json"));
}

#[test]
fn target_side_rows_say_target() {
    let e = Export::new();
    let dir = e.dir.path().join("target/arm/locks");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(fixture("locks.json"), dir.join("page-0001.json")).unwrap();
    let raw = RawExport::open(e.dir.path()).unwrap();
    let mut inv = Inventory::default();
    let outcomes = parse(&raw, Side::Target, &mut inv).unwrap();
    assert_eq!(inv.locks.len(), 3);
    assert!(inv.locks.iter().all(|l| l.tenant == "target"));
    assert_eq!(outcome(&outcomes, "arm/locks").side, Side::Target);
    // Source has nothing.
    let mut src = Inventory::default();
    let src_outcomes = parse(&raw, Side::Source, &mut src).unwrap();
    assert!(src.locks.is_empty());
    assert_eq!(
        outcome(&src_outcomes, "arm/locks").status,
        Status::NotCollected
    );
}

#[test]
fn every_fixture_parses_into_frames() {
    let e = Export::new()
        .page("arm/subscriptions", 1, "subscriptions")
        .page("arm/resource-groups", 1, "resource-groups")
        .page("arm/disks", 1, "disks")
        .page("arm/snapshots", 1, "snapshots")
        .page("arm/virtual-machines", 1, "virtual-machines")
        .page("arm/disk-encryption-sets", 1, "disk-encryption-sets")
        .page("arm/registries", 1, "registries")
        .page("arm/registry-replications", 1, "registry-replications")
        .page("arm/galleries", 1, "galleries")
        .page("arm/gallery-images", 1, "gallery-images")
        .page("arm/gallery-image-versions", 1, "gallery-image-versions")
        .page("arm/role-definitions", 1, "role-definitions")
        .page("arm/role-assignments", 1, "role-assignments")
        .page("arm/deny-assignments", 1, "deny-assignments")
        .page("arm/locks", 1, "locks")
        .page("arm/vm-extensions", 1, "vm-extensions")
        .page("arm/vm-instance-views", 1, "vm-instance-views")
        .page("arm/resource-skus", 1, "resource-skus")
        .page("arm/marketplace-agreements", 1, "marketplace-agreements")
        .page("arm/providers", 1, "providers")
        .page("arm/resources", 1, "resources")
        .page("arm/key-vaults", 1, "key-vaults")
        .page("arm/sql-servers", 1, "sql-servers")
        .page("arm/storage-accounts", 1, "storage-accounts")
        .page("arm/policy-assignments", 1, "policy-assignments")
        .page("arm/registry-webhooks", 1, "registry-webhooks")
        .page("arm/registry-scope-maps", 1, "registry-scope-maps")
        .page("arm/registry-tokens", 1, "registry-tokens")
        .page("resource-graph/resources", 1, "resource-graph-resources")
        .page(
            "resource-graph/resourcecontainers",
            1,
            "resource-graph-resourcecontainers",
        );
    let (inv, outcomes) = e.parse();
    assert!(outcomes.iter().all(|o| o.status == Status::Complete));
    let frames = inv.frames().unwrap();
    let rows = |name: &str| frames.iter().find(|(n, _)| *n == name).unwrap().1.height();
    assert_eq!(rows("disks"), 5);
    assert_eq!(rows("gallery_image_versions"), 3);
    assert_eq!(rows("subscriptions"), 3);
    // Every ARM-fed table got rows from the fixtures.
    for spec in COLLECTIONS {
        for t in spec.tables {
            assert!(rows(t) > 0, "{t} is empty");
        }
    }
}

#[test]
fn generic_resources_keep_their_managed_identities() {
    let (inv, outcomes) = Export::new()
        .page("arm/resources", 1, "resources")
        .page("resource-graph/resources", 1, "resource-graph-resources")
        .parse();
    assert_eq!(outcome(&outcomes, "arm/resources").items, 3);
    // Three from the list, then the five Resource Graph rows (any type).
    assert_eq!(inv.resources.len(), 8);
    let vm = &inv.resources[0];
    assert_eq!(
        (
            vm.resource_type.as_str(),
            vm.identity_type.as_deref(),
            vm.identity_principal_id.as_deref()
        ),
        (
            "microsoft.compute/virtualmachines",
            Some("SystemAssigned, UserAssigned"),
            Some("d8a4f3b2-1c0e-4f9d-8b7a-6c5d4e3f2a1b")
        )
    );
    let uai: Vec<(&str, &str, Option<&str>)> = inv
        .resource_user_identities
        .iter()
        .map(|u| {
            (
                u.resource_id.as_str(),
                u.identity_id.as_str(),
                u.principal_id.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        uai,
        vec![(
            vm.id.as_str(),
            "/subscriptions/291bba3f-e0a5-47bc-a099-3bdcb2a50a05/resourcegroups/myresourcegroup/providers/microsoft.managedidentity/userassignedidentities/myidentity",
            Some("9c8b7a6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d")
        )]
    );
    let aks = &inv.resources[2];
    assert_eq!(aks.identity_type.as_deref(), Some("None"));
    assert_eq!(aks.managed_by, None);
    assert_eq!(aks.sku.as_deref(), Some("Base"));
    // Resource Graph's network interface, which has no typed table, is here.
    assert!(inv
        .resources
        .iter()
        .any(|r| r.resource_type == "microsoft.network/networkinterfaces"));
}

#[test]
fn vaults_sql_servers_storage_and_policy_assignments() {
    let (inv, _) = Export::new()
        .page("arm/subscriptions", 1, "subscriptions")
        .page("arm/key-vaults", 1, "key-vaults")
        .page("arm/sql-servers", 1, "sql-servers")
        .page("arm/storage-accounts", 1, "storage-accounts")
        .page("arm/policy-assignments", 1, "policy-assignments")
        .parse();
    assert_eq!(
        inv.subscriptions[0].quota_id.as_deref(),
        Some("Internal_2014-09-01")
    );
    let kv: Vec<_> = inv
        .key_vaults
        .iter()
        .map(|k| {
            (
                k.vault_tenant_id.as_deref(),
                k.vault_uri_lc.as_deref(),
                k.rbac_authorization,
                k.access_policy_count,
                k.purge_protection,
            )
        })
        .collect();
    let tenant = Some("31c75423-32d6-4322-88b7-c478bdde4858");
    assert_eq!(
        kv,
        vec![
            (
                tenant,
                Some("https://sample-vault.vault.azure.net"),
                Some(false),
                1,
                None
            ),
            (
                tenant,
                Some("https://sample-vault-rbac.vault.azure.net"),
                Some(true),
                0,
                Some(true)
            ),
        ]
    );
    let sql = &inv.sql_servers[0];
    assert_eq!(
        (
            sql.entra_admin_login.as_deref(),
            sql.entra_admin_sid.as_deref(),
            sql.entra_only_auth
        ),
        (
            Some("bob@contoso.com"),
            Some("00000011-1111-2222-2222-123456789111"),
            Some(true)
        )
    );
    assert_eq!(inv.sql_servers[1].entra_admin_login, None);
    let st = &inv.storage_accounts[0];
    assert_eq!(
        (
            st.hns_enabled,
            st.key_source.as_deref(),
            st.key_vault_uri_lc.as_deref(),
            st.files_identity_auth.as_deref()
        ),
        (
            Some(true),
            Some("Microsoft.Keyvault"),
            Some("https://myvault.vault.azure.net"),
            Some("AADKERB")
        )
    );
    assert_eq!(inv.storage_accounts[1].hns_enabled, None);
    let pa: Vec<(&str, &str, Option<&str>)> = inv
        .policy_assignments
        .iter()
        .map(|p| {
            (
                p.name.as_str(),
                p.scope.as_str(),
                p.identity_type.as_deref(),
            )
        })
        .collect();
    // The assignment's managed identity (SUB-003) is read; an assignment
    // without one has none.
    assert_eq!(pa[0], ("CostManagement", SUB, Some("SystemAssigned")));
    assert!(
        pa.len() > 1 && pa[1..].iter().all(|p| p.2.is_none()),
        "{pa:?}"
    );
}
