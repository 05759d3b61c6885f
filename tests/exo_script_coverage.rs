//! Every check of Microsoft's cross-tenant mailbox scripts maps to a rule of
//! the embedded pack whose `covers` names it (rules catalogue, Part A):
//! CrossTenantMailboxMigrationValidation.ps1 (microsoft/CSS-Exchange), its 23
//! object and 10 organization checks, and VerifySetup.ps1
//! (microsoft/cross-tenant), run in each tenant, including the app-ownership
//! check that script never reports.

use std::collections::BTreeSet;
use xtenant::rules::pack::{Pack, Severity};

const VALIDATION: &str = "CrossTenantMailboxMigrationValidation.ps1";
const VERIFY: &str = "VerifySetup.ps1";

/// (check as written in `covers`, rule id).
fn checks() -> Vec<(String, &'static str)> {
    let object = [
        (1, "EXO-019"),  // source mailbox found
        (2, "EXO-019"),  // target MailUser found
        (3, "EXO-033"),  // more than 12 auxArchive locations
        (4, "EXO-018"),  // ExchangeT2TMbxMove on either side (UserMailbox)
        (5, "EXO-031"),  // LitigationHoldEnabled
        (6, "EXO-031"),  // DelayHoldApplied
        (7, "EXO-031"),  // DelayReleaseHoldApplied
        (8, "EXO-031"),  // ComplianceTagHoldApplied
        (9, "EXO-031"),  // InPlaceHolds mbx, cld, UniH, skp
        (10, "EXO-031"), // InPlaceHolds of 32 characters
        (11, "EXO-032"), // HoldTracking organization-wide hold
        (12, "EXO-034"), // archive SubstrateHolds items
        (13, "EXO-020"), // member of MailboxMovePublishedScopes
        (14, "EXO-035"), // TotalDeletedItemSize vs RecoverableItemsQuota
        (15, "EXO-021"), // ExchangeGuid
        (16, "EXO-022"), // target ArchiveGuid without source archive
        (17, "EXO-022"), // ArchiveGuid equal
        (18, "EXO-023"), // X500 of LegacyExchangeDN
        (19, "EXO-025"), // primary SMTP in an accepted domain
        (20, "EXO-026"), // every smtp proxy in an accepted domain
        (21, "EXO-024"), // every source X500 on the target
        (22, "EXO-027"), // ExternalEmailAddress is a source address
        (23, "EXO-030"), // target IsDirSynced
    ];
    let organization = [
        (1, "EXO-001"),  // target app: office.com redirect, Exchange resource
        (2, "EXO-006"),  // target migration endpoint
        (3, "EXO-004"),  // source service principal owned by the target
        (4, "EXO-009"),  // target relationship names the source tenant id
        (5, "EXO-009"),  // target MailboxMoveEnabled
        (6, "EXO-009"),  // target MailboxMoveCapability Inbound
        (7, "EXO-010"),  // source MailboxMoveEnabled
        (8, "EXO-010"),  // source MailboxMoveCapability RemoteOutbound
        (9, "EXO-010"),  // source DomainNames has the target tenant id
        (10, "EXO-010"), // source MailboxMovePublishedScopes set
    ];
    let verify = [
        ("check 1 (target)", "EXO-001"), // service principal of the app
        ("check 1 (source)", "EXO-004"),
        ("check 2 (target)", "EXO-003"), // app owned by the target (never reported)
        ("check 2 (source)", "EXO-003"),
        ("check 3 (target)", "EXO-002"), // Mailbox.Migration consented
        ("check 3 (source)", "EXO-004"),
        ("check 4 (target)", "EXO-009"), // relationship with the partner id
        ("check 4 (source)", "EXO-010"),
        ("check 5", "EXO-009"), // target move settings
        ("check 6", "EXO-010"), // source move settings, app, scopes
        ("check 7", "EXO-006"), // endpoint app id, remote tenant, IsRemote
    ];
    let mut out = Vec::new();
    for (n, rule) in object {
        out.push((format!("{VALIDATION} object check {n}"), rule));
    }
    for (n, rule) in organization {
        out.push((format!("{VALIDATION} organization check {n}"), rule));
    }
    for (check, rule) in verify {
        out.push((format!("{VERIFY} {check}"), rule));
    }
    out
}

#[test]
fn every_script_check_maps_to_a_rule_that_covers_it() {
    let pack = Pack::load(None).expect("embedded pack");
    let checks = checks();
    assert_eq!(
        checks
            .iter()
            .filter(|(c, _)| c.starts_with(VALIDATION))
            .count(),
        33
    );
    let mut problems = Vec::new();
    for (check, id) in &checks {
        match pack.get(id) {
            None => problems.push(format!("{check}: rule {id} is not in the pack")),
            Some(rule) if !rule.covers.iter().any(|c| c == check) => problems.push(format!(
                "{check}: {id} does not name it in covers ({:?})",
                rule.covers
            )),
            Some(_) => {}
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn no_rule_claims_a_script_check_that_is_not_listed() {
    let pack = Pack::load(None).expect("embedded pack");
    let listed: BTreeSet<(String, &str)> = checks().into_iter().collect();
    let mut stray = Vec::new();
    for rule in &pack.rules {
        for c in &rule.covers {
            let of_a_script = c.starts_with(VALIDATION) || c.starts_with(&format!("{VERIFY} "));
            if of_a_script && !listed.contains(&(c.clone(), rule.id.as_str())) {
                stray.push(format!("{} covers {c:?}", rule.id));
            }
        }
    }
    assert!(stray.is_empty(), "{}", stray.join("\n"));
}

#[test]
fn the_scripts_errors_are_blockers_and_their_warning_is_not_dropped() {
    // The validation script reports every check but 14 and 21 as an error;
    // 14 ("might cause the migration to fail") is a warning in the catalogue,
    // 21 is a blocker there (the article says the move won't proceed) and 23
    // is advice on where to fix. VerifySetup's checks are all errors.
    let pack = Pack::load(None).expect("embedded pack");
    let warnings = [
        format!("{VALIDATION} object check 14"),
        format!("{VALIDATION} object check 23"),
    ];
    for (check, id) in checks() {
        let rule = pack.get(id).expect("rule exists");
        let want = if warnings.contains(&check) {
            Severity::Warning
        } else {
            Severity::Blocker
        };
        assert_eq!(rule.severity, want, "{check} ({id})");
    }
}
