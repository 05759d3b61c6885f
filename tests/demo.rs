//! The demo pair end to end: every planted case shows up with the right rule
//! and readiness, item by item, today and on day 1 (before the organisation
//! prerequisites were done), and between the two runs every blocker rule
//! fails somewhere and passes somewhere.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;
use xtenant::assess::Results;
use xtenant::rules::pack::{Pack, Severity};
use xtenant::rules::readiness::{ItemResult, Readiness};

/// The demo assessed as it is today, once for all tests of this file.
fn today() -> &'static Results {
    static R: OnceLock<Results> = OnceLock::new();
    R.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        common::assess_case("demo", dir.path())
    })
}

/// The demo assessed as it was on day 1, once for all tests of this file.
fn day_1() -> &'static Results {
    static R: OnceLock<Results> = OnceLock::new();
    R.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        common::assess_case(common::DEMO_DAY_1, dir.path())
    })
}

/// (readiness, blockers, review) expected for an item.
type Want = (Readiness, Vec<&'static str>, Vec<&'static str>);

/// Expectations by (kind, name).
fn expected() -> BTreeMap<(&'static str, &'static str), Want> {
    use Readiness::*;
    let mut m = BTreeMap::new();
    let mut e = |kind, name, r, b: &[&'static str], v: &[&'static str]| {
        m.insert((kind, name), (r, b.to_vec(), v.to_vec()));
    };
    // Disks: SKU, region, permission and encryption cases; the VM rebuild
    // (ADE, Marketplace terms, PV2 OS disk), token tenant, deny assignment,
    // disabled subscription and lock cases.
    e(
        "disk",
        "vm-app01-ultra01",
        Blocked,
        &["DISK-003", "ID-010"],
        &["DISK-005"],
    );
    e(
        "disk",
        "vm-app01-data01",
        Blocked,
        &["DISK-003"],
        &["DISK-005"],
    );
    e("disk", "disk-us-backup01", Blocked, &["DISK-001"], &[]);
    e("disk", "disk-reports01", Blocked, &["DISK-006"], &[]);
    e(
        "disk",
        "vm-sql01-data01",
        Blocked,
        &["DISK-006"],
        &["DISK-013"],
    );
    e(
        "disk",
        "vm-sql01_OsDisk_1_00bbbdbdd2a753bfab6995f3499b2454",
        Blocked,
        &["DISK-006"],
        &["DISK-013"],
    );
    e(
        "disk",
        "vm-dev01_OsDisk_1_c3644bd4b0b95dbf9d0e21aac34b3cbd",
        Blocked,
        &["DISK-006", "ID-009"],
        &[],
    );
    e(
        "disk",
        "disk-app-cmk01",
        Blocked,
        &["DISK-007"],
        &["DISK-008"],
    );
    e(
        "disk",
        "disk-app-export-locked",
        NeedsReview,
        &[],
        &["DISK-010"],
    );
    e(
        "disk",
        "disk-analytics-cache01",
        Blocked,
        &["DISK-006", "ID-008"],
        &[],
    );
    e(
        "disk",
        "disk-nw-legacy01",
        Blocked,
        &["DISK-006", "ID-001"],
        &[],
    );
    e(
        "disk",
        "disk-pv2-restore01",
        Blocked,
        &["DISK-003", "VM-004"],
        &[],
    );
    e("disk", "vm-ade01-data01", Blocked, &["DISK-009"], &[]);
    e(
        "disk",
        "vm-ade01_OsDisk_1_6bec86ca3b6936c3e7e4ebf468cb733d",
        Blocked,
        &["DISK-009"],
        &[],
    );
    e(
        "disk",
        "vm-fw01_OsDisk_1_4ce8441aeec6af8a014ba964767e1a8b",
        Blocked,
        &["VM-003"],
        &[],
    );
    // Registries: one planted problem family per registry; contosotoolsacr is
    // the clean one.
    e(
        "registry",
        "contosoprodacr",
        Blocked,
        &["ACR-008", "ACR-009"],
        &["ACR-013", "ACR-015"],
    );
    e(
        "registry",
        "contosoprivacr",
        Blocked,
        &["ACR-001", "ACR-003", "ACR-004"],
        &[],
    );
    e("registry", "contosoedgeacr", Blocked, &["ACR-002"], &[]);
    e(
        "registry",
        "contosobuildacr",
        Blocked,
        &["ACR-005", "ACR-010", "ACR-014"],
        &["ACR-012"],
    );
    // Gallery: the share app is consented in Fabrikam with a role on the
    // target resource group (on day 1 it was not); each planted version has
    // its own problem, the others are ready.
    e(
        "image-version",
        "gal_contoso_images/img-ubuntu-app/2.4.0",
        Blocked,
        &["GAL-001"],
        &[],
    );
    e(
        "image-version",
        "gal_contoso_images/img-ubuntu-app/2.2.0",
        NeedsReview,
        &[],
        &["GAL-011"],
    );
    e(
        "image-version",
        "gal_contoso_images/img-win2022-web/1.2.0",
        NeedsReview,
        &[],
        &["GAL-009"],
    );
    e(
        "image-version",
        "gal_contoso_images/img-rhel9-byos/1.0.0",
        Blocked,
        &["GAL-008"],
        &[],
    );
    e(
        "image-version",
        "gal_contoso_sandbox/img-devbox/0.9.0",
        Blocked,
        &["GAL-004"],
        &[],
    );
    // Mailboxes: the organisation prerequisites are done today (the target
    // relationship's mistyped tenant id, EXO-009, is a day-1 case); each
    // planted mailbox has its own object-check failure, the others are ready.
    e(
        "mailbox",
        "guid.mismatch@contoso.com",
        Blocked,
        &["EXO-021"],
        &[],
    );
    e(
        "mailbox",
        "archive.missing@contoso.com",
        Blocked,
        &["EXO-022"],
        &[],
    );
    e(
        "mailbox",
        "archive.extra@contoso.com",
        Blocked,
        &["EXO-022"],
        &[],
    );
    e(
        "mailbox",
        "x500.missing@contoso.com",
        Blocked,
        &["EXO-023"],
        &[],
    );
    e(
        "mailbox",
        "external.wrong@contoso.com",
        Blocked,
        &["EXO-027"],
        &[],
    );
    e(
        "mailbox",
        "primary.foreign@contoso.com",
        Blocked,
        &["EXO-025", "EXO-026"],
        &[],
    );
    e(
        "mailbox",
        "proxy.foreign@contoso.com",
        Blocked,
        &["EXO-026"],
        &[],
    );
    e(
        "mailbox",
        "not.in.scope@contoso.com",
        Blocked,
        &["EXO-020"],
        &[],
    );
    e(
        "mailbox",
        "no.target@contoso.com",
        Blocked,
        &["EXO-019"],
        &[],
    );
    // The readiness cases of the wider Exchange pack: one mailbox per rule,
    // blockers first, then warnings (to review).
    for (name, rule) in [
        ("licence.missing@contoso.com", "EXO-018"),
        ("x500.history@contoso.com", "EXO-024"),
        ("previous.mailbox@contoso.com", "EXO-029"),
        ("litigation.hold@contoso.com", "EXO-031"),
        ("org.hold@contoso.com", "EXO-032"),
        ("aux.archives@contoso.com", "EXO-033"),
        ("substrate.holds@contoso.com", "EXO-034"),
        ("demoted.archive@contoso.com", "EXO-037"),
        ("move.pending@contoso.com", "EXO-038"),
        ("duplicate.batch@contoso.com", "EXO-039"),
        ("batch.source@contoso.com", "EXO-040"),
    ] {
        e("mailbox", name, Blocked, &[rule], &[]);
    }
    // An early licence provisioned a target mailbox: no mail user to pair with.
    e(
        "mailbox",
        "licensed.early@contoso.com",
        Blocked,
        &["EXO-019", "EXO-028"],
        &[],
    );
    for (name, rule) in [
        ("dirsynced.target@contoso.com", "EXO-030"),
        ("dumpster.full@contoso.com", "EXO-035"),
        ("quota.full@contoso.com", "EXO-036"),
        ("delegate.split@contoso.com", "EXO-042"),
        ("small.receive@contoso.com", "EXO-043"),
        ("customer.key@contoso.com", "EXO-044"),
    ] {
        e("mailbox", name, NeedsReview, &[], &[rule]);
    }
    // Power Platform: the guest admin in Fabrikam holds no admin role
    // (PP-016), which holds back every environment; each environment has its
    // own planted problems on top.
    e(
        "environment",
        "Contoso (default)",
        Blocked,
        &["PP-001", "PP-002", "PP-016"],
        &[],
    );
    e(
        "environment",
        "Contoso Trial",
        Blocked,
        &["PP-001", "PP-003", "PP-004", "PP-005", "PP-009", "PP-016"],
        &["PP-021"],
    );
    e(
        "environment",
        "Contoso Sales UAT",
        Blocked,
        &["PP-007", "PP-008", "PP-016", "PP-017"],
        &["PP-006", "PP-010", "PP-011", "PP-015", "PP-019"],
    );
    // Clean but for the operator and its connections to recreate.
    e(
        "environment",
        "Contoso Sales",
        Blocked,
        &["PP-016"],
        &["PP-011"],
    );
    e(
        "mapped-user",
        "diego.siciliani@contoso.com",
        Blocked,
        &["PP-014"],
        &[],
    );
    e(
        "mapped-user",
        "isaiah.langer@contoso.com",
        Blocked,
        &["PP-014"],
        &[],
    );
    e(
        "mapped-user",
        "pradeep.gupta@contoso.com",
        Blocked,
        &["PP-014"],
        &[],
    );
    // Mapped to itself: the row is invalid (PP-013), so its destination is
    // not looked up (PP-014 skips); only this user is held back.
    e(
        "mapped-user",
        "lee.gu@contoso.com",
        Blocked,
        &["PP-013"],
        &[],
    );
    // Subscription directory transfer (the alternative path): what moving
    // each whole subscription would break.
    e(
        "subscription",
        "Contoso Production",
        Blocked,
        &["SUB-005", "SUB-008"],
        &["SUB-002", "SUB-003", "SUB-004", "SUB-007", "SUB-009"],
    );
    e(
        "subscription",
        "Contoso Dev-Test",
        Blocked,
        &["SUB-001", "SUB-006"],
        &["SUB-002"],
    );
    m
}

/// An item not planted is ready today (mailboxes too: the organisation
/// prerequisites are done).
fn default_for(_item: &ItemResult) -> Want {
    (Readiness::Ready, vec![], vec![])
}

#[test]
fn every_item_has_the_planted_readiness_and_rules() {
    let r = today();
    let want = expected();
    let mut problems = Vec::new();
    for key in want.keys() {
        if !r
            .items
            .iter()
            .any(|i| (i.kind.as_str(), i.name.as_str()) == *key)
        {
            problems.push(format!("planted item {key:?} is missing from the results"));
        }
    }
    for item in &r.items {
        let (readiness, blockers, review) = want
            .get(&(item.kind.as_str(), item.name.as_str()))
            .cloned()
            .unwrap_or_else(|| default_for(item));
        let got_b: Vec<&str> = item.blockers.iter().map(String::as_str).collect();
        let got_r: Vec<&str> = item.review.iter().map(String::as_str).collect();
        if item.readiness != readiness || got_b != blockers || got_r != review {
            problems.push(format!(
                "{} {}: want {:?} {:?} {:?}, got {:?} {:?} {:?}",
                item.kind, item.name, readiness, blockers, review, item.readiness, got_b, got_r
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The pair has the size the issue asks for.
    let count = |k: &str| r.items.iter().filter(|i| i.kind == k).count();
    assert_eq!(count("disk"), 19);
    assert_eq!(count("mailbox"), 44);
    assert_eq!(count("environment"), 4);
    assert_eq!(count("registry"), 5);
    assert_eq!(count("image-version"), 8);
    assert_eq!(count("subscription"), 3);
    assert_eq!(count("mapped-user"), 9);
    assert_eq!(r.summary.exit_code, xtenant::error::exit::FAILING);
    assert!(
        r.summary.rule_errors.is_empty(),
        "{:?}",
        r.summary.rule_errors
    );
}

#[test]
fn planted_identity_cases_have_exact_findings() {
    let r = today();
    let status = |rule: &str, name: &str| -> Vec<(String, String)> {
        r.findings
            .iter()
            .filter(|f| f.rule_id == rule && f.object_name == name)
            .map(|f| (f.status.clone(), f.reason.clone()))
            .collect()
    };
    assert_eq!(
        status(
            "ID-004",
            "pending.guest_fabrikam.com#EXT#@contoso.onmicrosoft.com"
        ),
        vec![(
            "fail".into(),
            "invitation not redeemed (source tenant)".into()
        )]
    );
    assert_eq!(
        status(
            "ID-004",
            "migrator_fabrikam.com#EXT#@contoso.onmicrosoft.com"
        ),
        vec![("pass".into(), "redeemed and enabled (source tenant)".into())]
    );
    // Every identity exists in both tenants today; on day 1 the gallery app
    // had not been consented in Fabrikam.
    let id3_failing = |r: &Results| -> Vec<(String, String)> {
        r.findings
            .iter()
            .filter(|f| f.rule_id == "ID-003" && f.status != "pass")
            .map(|f| (f.object_name.clone(), f.reason.clone()))
            .collect()
    };
    assert_eq!(id3_failing(r), vec![]);
    let id3 = id3_failing(day_1());
    assert_eq!(id3.len(), 1, "{id3:?}");
    assert_eq!(id3[0].0, "Gallery Share App in target");
    assert!(
        id3[0]
            .1
            .contains("has no service principal in the target tenant"),
        "{}",
        id3[0].1
    );
    // The disk with only Reader lacks exactly beginGetAccess.
    assert_eq!(
        status("DISK-006", "disk-reports01"),
        vec![(
            "fail".into(),
            "not allowed: Microsoft.Compute/disks/beginGetAccess/action".into()
        )]
    );
    // The target organization relationship names the source tenant today;
    // its mistyped tenant id is a day-1 case.
    let orgrel = status("EXO-009", "target organization relationship");
    assert!(orgrel.iter().all(|(st, _)| st == "pass"), "{orgrel:?}");
    let (st, why) = finding_of(day_1(), "EXO-009", "target organization relationship");
    assert_eq!(st, "fail");
    assert!(
        why.contains("8f1c2b3a-0d4e-4f5a-9b6c-7d8e9f0a1b2c"),
        "{why}"
    );
}

#[test]
fn planted_registry_and_gallery_cases_have_exact_findings() {
    let r = today();
    let one = |rule: &str, name: &str| -> (String, String) {
        let hits: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.rule_id == rule && f.object_name == name)
            .collect();
        assert_eq!(hits.len(), 1, "{rule} {name}: {hits:?}");
        (hits[0].status.clone(), hits[0].reason.clone())
    };
    // The index over the import limit is named with its size.
    let (st, why) = one("ACR-009", "contosoprodacr");
    assert_eq!(st, "fail");
    assert!(
        why.contains("tools/migrator@sha256:") && why.contains("(56 manifests)"),
        "{why}"
    );
    // The planned target: no rights where it is to be created, provider not registered.
    let (st, why) = one("ACR-005", "contosobuildacr");
    assert_eq!(st, "fail");
    assert!(
        why.contains("fabrikambuildacr") && why.contains("rg-registries"),
        "{why}"
    );
    let (_, why) = one("ACR-005", "contosotoolsacr");
    assert!(
        why.contains("Container Registry Data Importer and Data Reader"),
        "{why}"
    );
    let (_, why) = one("ACR-014", "contosobuildacr");
    assert!(
        why.contains("NotRegistered") && why.contains("e3f1a2b4-5c6d-4e7f-8a9b-0c1d2e3f4a03"),
        "{why}"
    );
    // Each registry's credential, or its absence.
    let creds = [
        ("contosoprodacr", "pass", "Contoso Registry Export"),
        (
            "contosoedgeacr",
            "pass",
            "migrator_fabrikam.com#EXT#@contoso.onmicrosoft.com",
        ),
        ("contosobuildacr", "pass", "admin user"),
        ("contosotoolsacr", "pass", "migration-pull"),
        ("contosoprivacr", "fail", "no service principal"),
    ];
    for (name, status, says) in creds {
        let (st, why) = one("ACR-004", name);
        assert_eq!(
            (st.as_str(), why.contains(says)),
            (status, true),
            "{name}: {why}"
        );
    }
    // The kubelet's managed identity is listed for re-creation, not as a credential.
    let (_, why) = one("ACR-015", "contosoprodacr");
    assert!(
        why.contains("aks-contoso-prod-agentpool (ManagedIdentity): AcrPull"),
        "{why}"
    );
    let (st, why) = one("ACR-013", "contosoprodacr");
    assert_eq!(
        (st.as_str(), why.contains("base/dotnet-runtime:8.0")),
        ("fail", true),
        "{why}"
    );
    // On day 1 the app had no service principal in Fabrikam: the consent URL
    // names Fabrikam and the app. Today it is consented.
    assert_eq!(one("GAL-003", "Gallery Share App in target").0, "pass");
    let (st, why) = finding_of(day_1(), "GAL-003", "Gallery Share App in target");
    assert_eq!(st, "fail");
    assert!(
        why.contains("https://login.microsoftonline.com/2a3b4c5d-6e7f-4081-92a3-b4c5d6e7f809/oauth2/authorize?client_id=1e5f9a2b-7c3d-4e8f-a0b1-c2d3e4f5a6b7"),
        "{why}"
    );
    let (_, why) = one("GAL-008", "gal_contoso_images/img-rhel9-byos/1.0.0");
    assert!(why.contains("redhat/rhel-byos/rhel-lvm94"), "{why}");
    let (_, why) = one("GAL-011", "gal_contoso_images/img-ubuntu-app/2.2.0");
    assert!(
        why.contains("2026-06-30") && why.contains("excluded from latest"),
        "{why}"
    );
    // Info rules say what to do without holding anything back.
    assert_eq!(one("ACR-017", "contosoprodacr").0, "fail");
    assert_eq!(
        one("GAL-013", "gal_contoso_sandbox/img-devbox/0.9.0").0,
        "fail"
    );
}

#[test]
fn every_case_of_expected_toml_fails_some_rule() {
    let r = today();
    let text = std::fs::read_to_string(common::manifest_dir().join("fixtures/demo/expected.toml"))
        .expect("expected.toml");
    let v: toml::Table = toml::from_str(&text).expect("toml");
    let cases = v.get("case").and_then(|c| c.as_array()).expect("cases");
    let mut missing = Vec::new();
    for c in cases {
        let object = c
            .get("object")
            .and_then(|o| o.as_str())
            .expect("object")
            .to_lowercase();
        let hit = r.findings.iter().any(|f| {
            f.status != "pass"
                && f.status != "skip"
                && (f.object_name.to_lowercase() == object
                    || f.object_name
                        .to_lowercase()
                        .ends_with(&format!("/{object}"))
                    || f.object_name
                        .to_lowercase()
                        .starts_with(&format!("{object} in "))
                    || f.reason.to_lowercase().contains(&object))
        });
        if !hit {
            missing.push(object);
        }
    }
    assert!(
        missing.is_empty(),
        "planted cases no rule flags: {missing:?}"
    );
}

#[test]
fn planted_disk_rebuild_and_tenant_cases_have_exact_findings() {
    let r = today();
    let finding = |rule: &str, name: &str| -> (String, String) {
        let found: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.rule_id == rule && f.object_name == name)
            .collect();
        assert_eq!(found.len(), 1, "{rule} on {name}: {found:?}");
        (found[0].status.clone(), found[0].reason.clone())
    };
    // The CMK disk is copied into a target disk encryption set, which the
    // target roles (Disk Snapshot + Virtual Machine Contributor) cannot read.
    assert_eq!(
        finding("DISK-007", "disk-app-cmk01"),
        (
            "fail".into(),
            "not allowed in /subscriptions/e3f1a2b4-5c6d-4e7f-8a9b-0c1d2e3f4a03/resourcegroups/rg-migrated-disks: Microsoft.Compute/diskEncryptionSets/read".into()
        )
    );
    // An OS disk needs the VM rebuild rights too, and has them.
    assert_eq!(
        finding(
            "DISK-007",
            "vm-web01_OsDisk_1_82d5c434c85c592abf5fb55e510d1196"
        )
        .0,
        "pass"
    );
    let (status, reason) = finding("ID-001", "disk-nw-legacy01");
    assert_eq!(status, "fail");
    assert!(
        reason.contains("belongs to tenant 5d6e7f80-9a1b-4c2d-8e3f-4a5b6c7d8e9f"),
        "{reason}"
    );
    assert_eq!(
        finding("ID-001", "disk-reports01"),
        (
            "pass".into(),
            "primary token: member in the target tenant; auxiliary: guest in the source tenant"
                .into()
        )
    );
    assert_eq!(
        finding(
            "ID-009",
            "vm-dev01_OsDisk_1_c3644bd4b0b95dbf9d0e21aac34b3cbd"
        ),
        (
            "fail".into(),
            "source subscription Contoso Dev-Test is Disabled".into()
        )
    );
    let (status, reason) = finding("ID-010", "vm-app01-ultra01");
    assert_eq!(status, "fail");
    assert!(reason.contains("lock-ultra01-readonly"), "{reason}");
    let (status, reason) = finding("ID-008", "disk-analytics-cache01");
    assert_eq!(status, "fail");
    assert!(
        reason.ends_with(": Microsoft.Compute/disks/beginGetAccess/action"),
        "{reason}"
    );
    // The data disk carries no ADE settings itself: its VM's extension does.
    assert_eq!(
        finding("DISK-009", "vm-ade01-data01"),
        (
            "fail".into(),
            "attached to a VM with the AzureDiskEncryption extension: its volumes are ADE-encrypted"
                .into()
        )
    );
    assert_eq!(
        finding("VM-003", "vm-fw01_OsDisk_1_4ce8441aeec6af8a014ba964767e1a8b"),
        (
            "fail".into(),
            "plan fortinet/fortinet_fortigate-vm_v5/fortinet_fg-vm_payg_2023: terms not accepted in the target subscription".into()
        )
    );
    // On day 1 the gallery app could not sign in to Fabrikam because it had
    // no service principal there: ID-003 reports the cause, the token probe
    // is skipped. Today it gets a token.
    assert_eq!(finding("ID-006", "Gallery Share App in target").0, "pass");
    assert_eq!(
        finding_of(day_1(), "ID-006", "Gallery Share App in target").0,
        "skip"
    );
    // The same account serves disks and registries: one row per workload.
    let id5: Vec<(&str, &str)> = r
        .findings
        .iter()
        .filter(|f| {
            f.rule_id == "ID-005"
                && f.object_name == "migrator@fabrikam.com inbound (source tenant)"
        })
        .map(|f| (f.object_id.as_str(), f.status.as_str()))
        .collect();
    assert_eq!(id5, vec![("acr:inbound", "pass"), ("disk:inbound", "pass")]);
}

#[test]
fn planted_power_platform_and_subscription_cases_have_exact_findings() {
    let r = today();
    let find = |rule: &str, name: &str| -> (String, String) {
        let hits: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.rule_id == rule && f.object_name == name)
            .collect();
        assert_eq!(hits.len(), 1, "{rule} on {name}: {hits:?}");
        (hits[0].status.clone(), hits[0].reason.clone())
    };
    // The request submitted on 2026-11-10 and never approved has expired
    // whatever day the test runs (the demo was made on 2026-11-20).
    let (st, why) = find("PP-017", "Contoso Sales UAT");
    assert_eq!(st, "fail");
    assert!(
        why.contains("2026-11-10") && why.contains("has expired"),
        "{why}"
    );
    // An approved request never expires.
    assert_eq!(find("PP-017", "Contoso Sales").0, "pass");
    // Only the target side of the operator check fails.
    assert_eq!(find("PP-016", "admin@contoso.com in source").0, "pass");
    let (st, why) = find(
        "PP-016",
        "admin_contoso.com#EXT#@fabrikam.onmicrosoft.com in target",
    );
    assert_eq!(st, "fail");
    assert!(why.contains("holds none of"), "{why}");
    // The one flow outside Dataverse is named.
    let (_, why) = find("PP-007", "Contoso Sales UAT");
    assert!(why.contains("UAT - mail test results to testers"), "{why}");
    assert!(why.starts_with("1 of 2 cloud flows"), "{why}");
    // The unmapped user is the enabled one, not the disabled tester or
    // SYSTEM / INTEGRATION.
    let (_, why) = find("PP-015", "Contoso Sales UAT");
    assert!(why.ends_with(": grady.archie@contoso.com"), "{why}");
    // Dataverse checks skip the environment without a database.
    assert_eq!(find("PP-009", "Contoso (default)").0, "skip");
    // The disk encrypted with the key from the subscription's own vault.
    let (st, why) = find("SUB-008", "Contoso Production");
    assert_eq!(st, "fail");
    assert!(
        why.contains("des-contoso-weu")
            && why.contains("kv-contoso-cmk")
            && why.contains("disk-app-cmk01"),
        "{why}"
    );
    // Inherited management-group policy assignments are not counted.
    assert_eq!(find("SUB-009", "Contoso Dev-Test").0, "pass");
}

/// The one finding of `rule` on the object named `name`, as (status, reason).
fn finding_of(r: &Results, rule: &str, name: &str) -> (String, String) {
    let hits: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.rule_id == rule && f.object_name == name)
        .collect();
    assert_eq!(hits.len(), 1, "{rule} on {name}: {hits:?}");
    (hits[0].status.clone(), hits[0].reason.clone())
}

#[test]
fn every_blocker_rule_fails_somewhere_and_passes_somewhere_between_day_1_and_today() {
    let pack = Pack::load(None).expect("pack");
    let blockers: Vec<&str> = pack
        .rules
        .iter()
        .filter(|r| r.severity == Severity::Blocker)
        .map(|r| r.id.as_str())
        .collect();
    assert!(blockers.len() > 50, "{} blocker rules", blockers.len());
    let statuses = |status: &str| -> BTreeSet<&str> {
        today()
            .findings
            .iter()
            .chain(&day_1().findings)
            .filter(|f| f.status == status)
            .map(|f| f.rule_id.as_str())
            .collect()
    };
    let (failing, passing) = (statuses("fail"), statuses("pass"));
    let never_fail: Vec<&str> = blockers
        .iter()
        .copied()
        .filter(|id| !failing.contains(id))
        .collect();
    let never_pass: Vec<&str> = blockers
        .iter()
        .copied()
        .filter(|id| !passing.contains(id))
        .collect();
    assert!(
        never_fail.is_empty(),
        "blocker rules that fail neither today nor on day 1: {never_fail:?}"
    );
    assert!(
        never_pass.is_empty(),
        "blocker rules that pass neither today nor on day 1: {never_pass:?}"
    );
    for r in [today(), day_1()] {
        assert!(
            r.summary.rule_errors.is_empty(),
            "{:?}",
            r.summary.rule_errors
        );
    }
}

#[test]
fn day_1_planted_org_level_failures_have_exact_findings_and_pass_today() {
    // (rule, object, what the day-1 reason says); each passes today.
    let planted = [
        (
            "EXO-001",
            "migration app in target",
            "no Web redirect URI https://office.com (has: none)",
        ),
        (
            "EXO-002",
            "Mailbox.Migration consent in target",
            "no app role assignment of Mailbox.Migration to the app's service principal: admin consent not granted",
        ),
        (
            "EXO-003",
            "migration app owner in source",
            "T2T Mailbox Migration is owned by tenant 8f1c2b3a-0d4e-4f5a-9b6c-7d8e9f0a1b2c, not the target tenant 2a3b4c5d-6e7f-4081-92a3-b4c5d6e7f809 (seen from the source tenant)",
        ),
        (
            "EXO-004",
            "migration app consent in source",
            "the source service principal for 6c3d8e1f-2a4b-4c5d-9e6f-7a8b9c0d1e2f is owned by 8f1c2b3a-0d4e-4f5a-9b6c-7d8e9f0a1b2c, not the target tenant 2a3b4c5d-6e7f-4081-92a3-b4c5d6e7f809",
        ),
        (
            "EXO-006",
            "target migration endpoint",
            "RemoteTenant contosso.onmicrosoft.com is not a domain of the source tenant",
        ),
        (
            "EXO-007",
            "migration endpoint probe",
            "every saved probe failed: adele.vance@fabrikam.com: Failed AADSTS7000215: Invalid client secret provided.",
        ),
        (
            "EXO-010",
            "source organization relationship",
            "Fabrikam_T2T_Outbound: MailboxMoveCapability lacks RemoteOutbound",
        ),
        (
            "EXO-012",
            "organization config of target",
            "fabrikam.onmicrosoft.com is dehydrated (IsDehydrated true): run Enable-OrganizationCustomization",
        ),
        (
            "EXO-013",
            "migration operator roles in target",
            "t2t.operator: no Move Mailboxes role; Set-MailUser lacks ArchiveGuid, ExchangeGuid; not in Organization Management",
        ),
        (
            "EXO-014",
            "migration scope group",
            "t2t-scope@contoso.com is a MailUniversalDistributionGroup, not a MailUniversalSecurityGroup",
        ),
        (
            "EXO-016",
            "cloud instance of both tenants",
            "the source is in microsoftonline.com (EU) and the target in microsoftonline.us (USGov DODCON): cross-cloud moves are not supported",
        ),
        (
            "GAL-002",
            "Gallery Share App",
            "signInAudience AzureADMyOrg: the app cannot be consented in the other tenant",
        ),
        (
            "GAL-006",
            "gallery VM deployment",
            "the portal cannot deploy a VM from another tenant's image",
        ),
        (
            "PP-012",
            "usermapping.csv",
            "line 0: the file is named `UserMapping.csv`; the service requires exactly `usermapping.csv` (the name is case-sensitive)",
        ),
    ];
    let mut problems = Vec::new();
    for (rule, object, says) in planted {
        let (st, why) = finding_of(day_1(), rule, object);
        if st != "fail" || !why.contains(says) {
            problems.push(format!(
                "day 1: {rule} on {object}: want fail {says:?}, got {st} {why:?}"
            ));
        }
        let (st, why) = finding_of(today(), rule, object);
        if st != "pass" {
            problems.push(format!(
                "today: {rule} on {object}: want pass, got {st} {why:?}"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // Only the planted side of the two-sided checks fails.
    assert_eq!(
        finding_of(day_1(), "EXO-003", "migration app owner in target").0,
        "pass"
    );
    assert_eq!(
        finding_of(day_1(), "EXO-012", "organization config of source").0,
        "pass"
    );
    // The relationship whose DomainNames was mistyped on day 1 and fixed since.
    assert_eq!(
        finding_of(day_1(), "EXO-009", "target organization relationship").0,
        "fail"
    );
}

#[test]
fn day_1_org_level_failures_hold_back_every_item_of_their_kind() {
    let org = |kind: &str| -> &'static [&'static str] {
        match kind {
            "mailbox" => &[
                "EXO-001", "EXO-002", "EXO-003", "EXO-004", "EXO-006", "EXO-007", "EXO-009",
                "EXO-010", "EXO-012", "EXO-013", "EXO-014", "EXO-016",
            ],
            "image-version" => &["GAL-002", "GAL-006"],
            "environment" | "mapped-user" => &["PP-012"],
            _ => &[],
        }
    };
    let mut problems = Vec::new();
    for item in &day_1().items {
        let want = org(&item.kind);
        let missing: Vec<&&str> = want
            .iter()
            .filter(|id| !item.blockers.iter().any(|b| b == *id))
            .collect();
        if !missing.is_empty() || (!want.is_empty() && item.readiness != Readiness::Blocked) {
            problems.push(format!(
                "{} {}: {:?}, blockers {:?} lack {missing:?}",
                item.kind, item.name, item.readiness, item.blockers
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The same items on both days: day 1 changed only organisation settings.
    let ids = |r: &Results| -> Vec<(String, String)> {
        r.items
            .iter()
            .map(|i| (i.kind.clone(), i.id.clone()))
            .collect()
    };
    assert_eq!(ids(day_1()), ids(today()));
    // Items no org-level rule touches keep their day-1 readiness today: a
    // clean disk is ready on both days.
    let ready =
        |r: &Results, name: &str| r.items.iter().find(|i| i.name == name).map(|i| i.readiness);
    assert_eq!(ready(day_1(), "vm-web01-data01"), Some(Readiness::Ready));
    assert_eq!(ready(today(), "vm-web01-data01"), Some(Readiness::Ready));
}

#[test]
fn planted_mapping_row_fails_only_its_own_user() {
    let r = today();
    assert_eq!(
        finding_of(r, "PP-013", "lee.gu@contoso.com"),
        (
            "fail".into(),
            "Destination `lee.gu@contoso.com` is the same as Source; a user cannot be mapped to itself"
                .into()
        )
    );
    // Its destination is not looked up: the row itself is invalid.
    assert_eq!(finding_of(r, "PP-014", "lee.gu@contoso.com").0, "skip");
    let failing: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.rule_id == "PP-013" && f.status != "pass")
        .map(|f| f.object_name.as_str())
        .collect();
    assert_eq!(failing, vec!["lee.gu@contoso.com"]);
    // A row-level problem is not a file-format problem.
    assert_eq!(finding_of(r, "PP-012", "usermapping.csv").0, "pass");
}

#[test]
fn day_1_overlay_replaces_demo_files_and_changes_only_two_config_settings() {
    let demo = common::manifest_dir().join("fixtures/demo");
    let day_1 = demo.join(xtenant::demo::DAY_1);
    fn files(dir: &std::path::Path, base: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).expect("read dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                files(&p, base, out);
            } else {
                out.push(p.strip_prefix(base).expect("under base").to_path_buf());
            }
        }
    }
    let mut overlay = Vec::new();
    files(&day_1, &day_1, &mut overlay);
    // Every page replaces a page of the demo: day 1 is the same pair, with
    // the same items, only configured differently. The mapping file under
    // its wrong name is the one addition.
    let added: Vec<_> = overlay.iter().filter(|p| !demo.join(p).is_file()).collect();
    assert_eq!(added, vec![std::path::Path::new("UserMapping.csv")]);
    let read = |p: std::path::PathBuf| std::fs::read_to_string(p).expect("read");
    assert_eq!(
        read(day_1.join("UserMapping.csv")),
        read(demo.join("usermapping.csv"))
    );
    let settings = |text: String| -> Vec<String> {
        text.lines()
            .filter(|l| !l.starts_with('#'))
            .map(str::to_string)
            .collect()
    };
    let (today, then) = (
        settings(read(demo.join("xtenant.toml"))),
        settings(read(day_1.join("xtenant.toml"))),
    );
    assert_eq!(today.len(), then.len());
    let changed: Vec<(&String, &String)> =
        today.iter().zip(&then).filter(|(a, b)| a != b).collect();
    assert_eq!(
        changed,
        vec![
            (
                &"vm_deployment = \"cli\"".to_string(),
                &"vm_deployment = \"portal\"".to_string()
            ),
            (
                &"user_mapping = \"usermapping.csv\"".to_string(),
                &"user_mapping = \"UserMapping.csv\"".to_string()
            ),
        ]
    );
}
