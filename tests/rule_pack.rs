//! Meta-tests of the shipped rule pack (cargo-deny / PSRule style): every rule
//! is well-formed, lints clean, and has at least one passing and one failing
//! example, each checked against a real collect + assess of its fixture case.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use xtenant::rules::pack::{Pack, Severity};

#[test]
fn every_rule_has_unique_id_remediation_reference_and_clean_query() {
    let pack = Pack::load(None).expect("embedded pack loads");
    assert!(
        pack.rules.len() >= 20,
        "pack has {} rules",
        pack.rules.len()
    );
    let mut ids = BTreeSet::new();
    for r in &pack.rules {
        assert!(ids.insert(r.id.clone()), "duplicate id {}", r.id);
        assert!(
            !r.remediation.trim().is_empty(),
            "{} has no remediation",
            r.id
        );
        assert!(
            r.references.iter().any(|u| u.starts_with("https://")),
            "{} has no https reference",
            r.id
        );
        assert!(
            !r.title.trim().is_empty() && !r.description.trim().is_empty(),
            "{}",
            r.id
        );
        if r.confidence == "U" {
            assert_ne!(
                r.severity,
                Severity::Blocker,
                "{} is unconfirmed but a blocker",
                r.id
            );
        }
    }
    let all: Vec<_> = pack.rules.iter().collect();
    xtenant::assess::validate_rules(&all).expect("every rule lints and plans");
}

#[test]
fn dated_baseline_names_existing_rules_and_latest_is_everything() {
    let pack = Pack::load(None).expect("pack");
    let b = pack.select("xtenant-2026-11").expect("baseline exists");
    assert!(!b.is_empty());
    assert_eq!(
        pack.select("latest").expect("latest").len(),
        pack.rules.len()
    );
    let err = pack.select("xtenant-1999-01").unwrap_err().to_string();
    assert!(
        err.contains("unknown baseline \"xtenant-1999-01\""),
        "{err}"
    );
}

#[test]
fn every_rule_has_a_passing_and_a_failing_example() {
    let pack = Pack::load(None).expect("pack");
    for r in &pack.rules {
        let statuses: BTreeSet<&str> = r.examples.iter().map(|e| e.status.as_str()).collect();
        assert!(statuses.contains("pass"), "{} has no passing example", r.id);
        assert!(statuses.contains("fail"), "{} has no failing example", r.id);
    }
}

#[test]
fn every_example_holds_on_its_case() {
    let pack = Pack::load(None).expect("pack");
    let mut by_case: BTreeMap<&str, Vec<(&str, &str, &str)>> = BTreeMap::new();
    for r in &pack.rules {
        for e in &r.examples {
            by_case.entry(e.case.as_str()).or_default().push((
                r.id.as_str(),
                e.object.as_str(),
                e.status.as_str(),
            ));
        }
    }
    let mut failures = Vec::new();
    for (case, examples) in by_case {
        let dir = tempfile::tempdir().expect("tempdir");
        let results = common::assess_case(case, dir.path());
        for (rule, object, want) in examples {
            let got: Vec<&str> = results
                .findings
                .iter()
                .filter(|f| {
                    f.rule_id == rule
                        && (f.object_name.eq_ignore_ascii_case(object)
                            || f.object_id.eq_ignore_ascii_case(object))
                })
                .map(|f| f.status.as_str())
                .collect();
            if got.is_empty() || got.iter().any(|s| *s != want) {
                failures.push(format!(
                    "{case}: {rule} on {object}: want {want}, got {got:?}"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "examples that do not hold:\n{}",
        failures.join("\n")
    );
}

#[test]
fn explain_finds_the_rule_from_a_pasted_error() {
    let pack = Pack::load(None).expect("pack");
    let pasted = "Error: MigrationPermanentException: Cannot find a recipient that has mailbox GUID ... --> MissingExchangeGuidException";
    let ids: Vec<&str> = pack.explain(pasted).iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, vec!["EXO-021"]);
    let ids: Vec<&str> = pack
        .explain("exo-019")
        .iter()
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(ids, vec!["EXO-019"]);
    assert!(pack.explain("SomethingNobodyPredicts").is_empty());
}

#[test]
fn explain_finds_the_rule_for_each_known_migration_error() {
    let pack = Pack::load(None).expect("pack");
    let cases = [
        (
            "Error: MigrationRecipientNotFoundException: A recipient wasn't found for 'adele.vance@fabrikam.com' on the target.",
            "EXO-019",
        ),
        (
            "TransientException: InboundMailboxMoveCapabilityMissingException: The organization relationship ...",
            "EXO-009",
        ),
        ("NotAcceptedDomainException: contoso.com is not an accepted domain", "EXO-026"),
        (
            "(LinkedAuthorizationFailed) The client has permission to perform action 'Microsoft.Compute/snapshots/write' on scope ..., however the current tenant is not authorized to access linked subscription",
            "DISK-006",
        ),
        (
            "(MissingSubscriptionRegistration) The subscription is not registered to use namespace 'Microsoft.ContainerRegistry'.",
            "ACR-014",
        ),
    ];
    for (error, want) in cases {
        let ids: Vec<&str> = pack.explain(error).iter().map(|r| r.id.as_str()).collect();
        assert!(
            ids.contains(&want),
            "{want} not found for {error:?}: {ids:?}"
        );
    }
}
