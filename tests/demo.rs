//! The demo pair end to end: every planted case shows up with the right rule
//! and readiness, item by item.

mod common;

use std::collections::BTreeMap;
use xtenant::rules::readiness::{ItemResult, Readiness};

/// (readiness, blockers, review) expected for an item.
type Want = (Readiness, Vec<&'static str>, Vec<&'static str>);

/// Expectations by (kind, name).
fn expected() -> BTreeMap<(&'static str, &'static str), Want> {
    use Readiness::*;
    let mut m = BTreeMap::new();
    let mut e = |kind, name, r, b: &[&'static str], v: &[&'static str]| {
        m.insert((kind, name), (r, b.to_vec(), v.to_vec()));
    };
    // Disks: SKU, region, permission and encryption cases.
    e("disk", "vm-app01-ultra01", Blocked, &["DISK-003"], &[]);
    e("disk", "vm-app01-data01", Blocked, &["DISK-003"], &[]);
    e("disk", "disk-us-backup01", Blocked, &["DISK-001"], &[]);
    e("disk", "disk-reports01", Blocked, &["DISK-006"], &[]);
    e("disk", "vm-sql01-data01", Blocked, &["DISK-006"], &[]);
    e(
        "disk",
        "vm-sql01_OsDisk_1_00bbbdbdd2a753bfab6995f3499b2454",
        Blocked,
        &["DISK-006"],
        &[],
    );
    e(
        "disk",
        "vm-dev01_OsDisk_1_c3644bd4b0b95dbf9d0e21aac34b3cbd",
        Blocked,
        &["DISK-006"],
        &[],
    );
    e("disk", "disk-app-cmk01", NeedsReview, &[], &["DISK-008"]);
    e(
        "disk",
        "disk-app-export-locked",
        NeedsReview,
        &[],
        &["DISK-010"],
    );
    // Registries.
    e("registry", "contosoprodacr", Blocked, &["ACR-008"], &[]);
    e("registry", "contosoprivacr", Blocked, &["ACR-001"], &[]);
    // Gallery: the share app has no service principal in Fabrikam (ID-003),
    // and 2.4.0 is not replicated to the target region.
    e(
        "image-version",
        "gal_contoso_images/img-ubuntu-app/2.4.0",
        Blocked,
        &["GAL-001", "ID-003"],
        &[],
    );
    e(
        "image-version",
        "gal_contoso_images/img-ubuntu-app/2.3.0",
        Blocked,
        &["ID-003"],
        &[],
    );
    e(
        "image-version",
        "gal_contoso_images/img-win2022-web/1.0.0",
        Blocked,
        &["ID-003"],
        &[],
    );
    e(
        "image-version",
        "gal_contoso_images/img-win2022-web/1.1.0",
        Blocked,
        &["ID-003"],
        &[],
    );
    // Mailboxes: the target organization relationship names a wrong tenant
    // id (EXO-009), which holds every mailbox back; each planted mailbox has
    // its own object-check failure on top.
    e(
        "mailbox",
        "guid.mismatch@contoso.com",
        Blocked,
        &["EXO-009", "EXO-021"],
        &[],
    );
    e(
        "mailbox",
        "archive.missing@contoso.com",
        Blocked,
        &["EXO-009", "EXO-022"],
        &[],
    );
    e(
        "mailbox",
        "archive.extra@contoso.com",
        Blocked,
        &["EXO-009", "EXO-022"],
        &[],
    );
    e(
        "mailbox",
        "x500.missing@contoso.com",
        Blocked,
        &["EXO-009", "EXO-023"],
        &[],
    );
    e(
        "mailbox",
        "external.wrong@contoso.com",
        Blocked,
        &["EXO-009", "EXO-027"],
        &[],
    );
    e(
        "mailbox",
        "primary.foreign@contoso.com",
        Blocked,
        &["EXO-009", "EXO-025", "EXO-026"],
        &[],
    );
    e(
        "mailbox",
        "proxy.foreign@contoso.com",
        Blocked,
        &["EXO-009", "EXO-026"],
        &[],
    );
    e(
        "mailbox",
        "not.in.scope@contoso.com",
        Blocked,
        &["EXO-009", "EXO-020"],
        &[],
    );
    e(
        "mailbox",
        "no.target@contoso.com",
        Blocked,
        &["EXO-009", "EXO-019"],
        &[],
    );
    // The readiness cases of the wider Exchange pack: one mailbox per rule,
    // blockers first, then warnings (still blocked by EXO-009, with the
    // warning to review).
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
        e("mailbox", name, Blocked, &["EXO-009", rule], &[]);
    }
    // An early licence provisioned a target mailbox: no mail user to pair with.
    e(
        "mailbox",
        "licensed.early@contoso.com",
        Blocked,
        &["EXO-009", "EXO-019", "EXO-028"],
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
        e("mailbox", name, Blocked, &["EXO-009"], &[rule]);
    }
    // Power Platform.
    e(
        "environment",
        "Contoso (default)",
        Blocked,
        &["PP-001"],
        &[],
    );
    e("environment", "Contoso Trial", Blocked, &["PP-001"], &[]);
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
    m
}

fn default_for(item: &ItemResult) -> Want {
    match item.kind.as_str() {
        "mailbox" => (Readiness::Blocked, vec!["EXO-009"], vec![]),
        _ => (Readiness::Ready, vec![], vec![]),
    }
}

#[test]
fn every_item_has_the_planted_readiness_and_rules() {
    let dir = tempfile::tempdir().expect("tempdir");
    let r = common::assess_case("demo", dir.path());
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
    assert_eq!(count("disk"), 13);
    assert_eq!(count("mailbox"), 44);
    assert_eq!(count("environment"), 4);
    assert_eq!(count("registry"), 2);
    assert_eq!(r.summary.exit_code, xtenant::error::exit::FAILING);
    assert!(
        r.summary.rule_errors.is_empty(),
        "{:?}",
        r.summary.rule_errors
    );
}

#[test]
fn planted_identity_cases_have_exact_findings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let r = common::assess_case("demo", dir.path());
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
    let id3 = status("ID-003", "Gallery Share App in target");
    assert_eq!(id3.len(), 1);
    assert_eq!(id3[0].0, "fail");
    assert!(
        id3[0]
            .1
            .contains("has no service principal in the target tenant"),
        "{}",
        id3[0].1
    );
    // Only the planted identity problem fails.
    let failing: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.rule_id == "ID-003" && f.status != "pass")
        .map(|f| f.object_name.as_str())
        .collect();
    assert_eq!(failing, vec!["Gallery Share App in target"]);
    // The disk with only Reader lacks exactly beginGetAccess.
    assert_eq!(
        status("DISK-006", "disk-reports01"),
        vec![(
            "fail".into(),
            "not allowed: Microsoft.Compute/disks/beginGetAccess/action".into()
        )]
    );
    // The wrong tenant id in the target organization relationship.
    let orgrel = status("EXO-009", "target organization relationship");
    assert_eq!(orgrel.len(), 1);
    assert_eq!(orgrel[0].0, "fail");
    assert!(
        orgrel[0].1.contains("8f1c2b3a-0d4e-4f5a-9b6c-7d8e9f0a1b2c"),
        "{}",
        orgrel[0].1
    );
}

#[test]
fn every_case_of_expected_toml_fails_some_rule() {
    let dir = tempfile::tempdir().expect("tempdir");
    let r = common::assess_case("demo", dir.path());
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
