//! Exchange parse tests over raw exports assembled in a temp dir from
//! fixtures/wire/exchange (see its README for what each file covers).

use super::fields::{proxy, ps_datetime, split_proxy_addresses, Proxy};
use super::parse::{parse, COLLECTIONS};
use crate::collect::{CollectionOutcome, Status};
use crate::inventory::*;
use crate::raw::{RawExport, Side};
use serde_json::json;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/wire/exchange");

struct Export {
    dir: TempDir,
    raw: RawExport,
}

impl Export {
    fn side(&self, side: Side) -> PathBuf {
        self.dir.path().join(side.as_str())
    }
}

/// A raw export holding the given fixtures: (side, fixture file or directory,
/// destination under the side directory).
fn export(files: &[(Side, &str, &str)]) -> Export {
    let dir = TempDir::new().unwrap();
    std::fs::write(
        dir.path().join("xtenant-raw.json"),
        r#"{"format":"xtenant-raw-export","version":1}"#,
    )
    .unwrap();
    for side in Side::BOTH {
        std::fs::create_dir_all(dir.path().join(side.as_str())).unwrap();
    }
    for (side, from, to) in files {
        copy(
            &Path::new(FIXTURES).join(from),
            &dir.path().join(side.as_str()).join(to),
        );
    }
    let raw = RawExport::open(dir.path()).unwrap();
    Export { dir, raw }
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    if from.is_dir() {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            copy(&e.path(), &to.join(e.file_name()));
        }
    } else {
        std::fs::copy(from, to).unwrap();
    }
}

fn write(ex: &Export, side: Side, rel: &str, text: &str) -> PathBuf {
    let p = ex.side(side).join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    p
}

fn run(ex: &Export, side: Side) -> (Inventory, Vec<CollectionOutcome>) {
    let mut inv = Inventory::default();
    let outcomes = parse(&ex.raw, side, &mut inv).unwrap();
    (inv, outcomes)
}

fn error(ex: &Export, side: Side) -> String {
    let mut inv = Inventory::default();
    parse(&ex.raw, side, &mut inv).unwrap_err().to_string()
}

fn outcome<'a>(outcomes: &'a [CollectionOutcome], collection: &str) -> &'a CollectionOutcome {
    outcomes
        .iter()
        .find(|o| o.collection == collection)
        .unwrap()
}

fn s(v: &str) -> Option<String> {
    Some(v.to_string())
}

fn proxies(inv: &Inventory, owner: &str) -> Vec<(String, String, String, bool, Option<String>)> {
    inv.proxy_addresses
        .iter()
        .filter(|p| p.owner_id == owner)
        .map(|p| {
            (
                p.address.clone(),
                p.prefix.clone(),
                p.value_lc.clone(),
                p.is_primary,
                p.domain.clone(),
            )
        })
        .collect()
}

const X500_ADELE: &str = "/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=8d2e5f0a3b4c4d6e9f1a2b3c4d5e6f70-AdeleV";

#[test]
fn collections_are_the_documented_ones() {
    let names: Vec<&str> = COLLECTIONS.iter().map(|c| c.collection).collect();
    assert_eq!(
        names,
        [
            "exchange/Get-Mailbox",
            "exchange/Get-MailUser",
            "exchange/Get-OrganizationRelationship",
            "exchange/Get-AcceptedDomain",
            "exchange/Get-MigrationEndpoint",
            "exchange/Get-DistributionGroupMember",
            "exchange/Get-DistributionGroup",
            "exchange/Get-OrganizationConfig",
            "exchange/Get-MailboxStatistics",
            "exchange/Get-MailboxFolderStatistics",
            "exchange/Export-MailboxDiagnosticLogs",
            "exchange/Get-MailboxPermission",
            "exchange/Get-MoveRequest",
            "exchange/Get-MigrationUser",
            "exchange/Get-User",
            "exchange/Test-MigrationServerAvailability",
            "exchange/Get-ManagementRoleAssignment",
            "exchange/Get-ManagementRoleEntry",
        ]
    );
    assert!(COLLECTIONS.iter().all(|c| c.family == "exchange"));
}

#[test]
fn nothing_saved_is_not_collected_for_every_collection() {
    let ex = export(&[]);
    let (inv, outcomes) = run(&ex, Side::Source);
    assert_eq!(outcomes.len(), COLLECTIONS.len());
    assert!(outcomes
        .iter()
        .all(|o| o.status == Status::NotCollected && o.items == 0 && o.side == Side::Source));
    assert_eq!(inv, Inventory::default());
}

#[test]
fn rest_pages_of_get_mailbox() {
    let ex = export(&[(Side::Source, "rest/Get-Mailbox", "exchange/Get-Mailbox")]);
    let (inv, outcomes) = run(&ex, Side::Source);
    let o = outcome(&outcomes, "exchange/Get-Mailbox");
    assert_eq!((o.status, o.items), (Status::Complete, 2));
    assert_eq!(
        o.tables,
        [
            "mailboxes",
            "proxy_addresses",
            "mailbox_holds",
            "recipient_capabilities",
            "mailbox_send_on_behalf"
        ]
    );
    assert_eq!(
        outcome(&outcomes, "exchange/Get-MailUser").status,
        Status::NotCollected
    );

    assert_eq!(
        inv.mailboxes[0],
        Mailbox {
            tenant: "source".into(),
            id: "8d2e5f0a-3b4c-4d6e-9f1a-2b3c4d5e6f70".into(),
            identity: s("AdeleV"),
            display_name: s("Adele Vance"),
            alias: s("AdeleV"),
            upn: s("AdeleV@contoso.com"),
            upn_lc: s("adelev@contoso.com"),
            primary_smtp: s("AdeleV@contoso.com"),
            primary_smtp_lc: s("adelev@contoso.com"),
            recipient_type_details: s("UserMailbox"),
            exchange_guid: s("8d2e5f0a-3b4c-4d6e-9f1a-2b3c4d5e6f70"),
            archive_guid: s("1f4e8a2c-7b9d-4e3f-a5c6-d7e8f9a0b1c2"),
            archive_status: s("Active"),
            disabled_archive_guid: None,
            legacy_exchange_dn: s(X500_ADELE),
            legacy_exchange_dn_lc: Some(X500_ADELE.to_lowercase()),
            litigation_hold_enabled: Some(true),
            delay_hold_applied: Some(false),
            delay_release_hold_applied: Some(false),
            compliance_tag_hold_applied: Some(false),
            auto_expanding_archive_enabled: Some(true),
            aux_archive_count: 2,
            is_dir_synced: Some(false),
            external_directory_object_id: s("4a5b6c7d-8e9f-4a0b-b1c2-d3e4f5a6b7c8"),
            data_encryption_policy: s("Contoso-DEP-EU"),
            prohibit_send_receive_quota: s("99 GB (106,300,440,576 bytes)"),
            prohibit_send_receive_quota_bytes: Some(106_300_440_576),
        }
    );
    // Send-on-behalf delegates, one row each (a display name with a space kept whole).
    let delegates: Vec<(&str, &str)> = inv
        .mailbox_send_on_behalf
        .iter()
        .map(|d| (d.mailbox_id.as_str(), d.trustee_lc.as_str()))
        .collect();
    assert_eq!(
        delegates,
        [
            ("8d2e5f0a-3b4c-4d6e-9f1a-2b3c4d5e6f70", "meganb"),
            ("8d2e5f0a-3b4c-4d6e-9f1a-2b3c4d5e6f70", "sales assistants")
        ]
    );
    // Page 2: upper-case GUID canonicalised, zero archive GUID is none, a
    // demoted archive's GUID kept.
    let shared = &inv.mailboxes[1];
    assert_eq!(shared.id, "c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f");
    assert_eq!(shared.recipient_type_details, s("SharedMailbox"));
    assert_eq!(shared.archive_guid, None);
    assert_eq!(
        shared.disabled_archive_guid,
        s("9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d")
    );
    assert_eq!(shared.aux_archive_count, 0);
    assert_eq!(shared.is_dir_synced, Some(true));
    assert_eq!(shared.delay_release_hold_applied, Some(true));

    let adele = "8d2e5f0a-3b4c-4d6e-9f1a-2b3c4d5e6f70";
    assert_eq!(
        proxies(&inv, adele),
        vec![
            (
                "SMTP:AdeleV@contoso.com".into(),
                "smtp".into(),
                "adelev@contoso.com".into(),
                true,
                s("contoso.com")
            ),
            (
                "smtp:AdeleV@contoso.onmicrosoft.com".into(),
                "smtp".into(),
                "adelev@contoso.onmicrosoft.com".into(),
                false,
                s("contoso.onmicrosoft.com")
            ),
            (
                "X500:/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=3f1e2d4c5b6a47898a7b6c5d4e3f2a1b-AdeleV".into(),
                "x500".into(),
                "/o=exchangelabs/ou=exchange administrative group (fydibohf23spdlt)/cn=recipients/cn=3f1e2d4c5b6a47898a7b6c5d4e3f2a1b-adelev".into(),
                false,
                None
            ),
            (
                "SIP:adelev@contoso.com".into(),
                "sip".into(),
                "adelev@contoso.com".into(),
                false,
                None
            ),
            (
                "SPO:SPO_0e8f7d6c-5b4a-4392-8170-6f5e4d3c2b1a@SPO_6c0a3bd5-1f2e-4d3c-9b8a-7f6e5d4c3b2a".into(),
                "spo".into(),
                "spo_0e8f7d6c-5b4a-4392-8170-6f5e4d3c2b1a@spo_6c0a3bd5-1f2e-4d3c-9b8a-7f6e5d4c3b2a".into(),
                false,
                None
            ),
        ]
    );
    assert!(inv
        .proxy_addresses
        .iter()
        .all(|p| p.owner_kind == "mailbox" && p.tenant == "source"));
    assert_eq!(inv.proxy_addresses.len(), 6);

    let holds: Vec<(&str, &str)> = inv
        .mailbox_holds
        .iter()
        .map(|h| (h.mailbox_id.as_str(), h.hold.as_str()))
        .collect();
    assert_eq!(
        holds,
        [
            (adele, "mbxa1b2c3d4e5f6478899aabbccddeeff00:1"),
            (adele, "UniH7d2f1c3e-5a4b-4c6d-8e9f-0a1b2c3d4e5f")
        ]
    );
    let caps: Vec<(&str, &str, &str)> = inv
        .recipient_capabilities
        .iter()
        .map(|c| {
            (
                c.owner_kind.as_str(),
                c.owner_id.as_str(),
                c.capability.as_str(),
            )
        })
        .collect();
    assert_eq!(
        caps,
        [
            ("mailbox", adele, "BPOS_S_Enterprise"),
            ("mailbox", adele, "BPOS_S_Analytics")
        ]
    );
}

#[test]
fn rest_page_of_get_mail_user() {
    let ex = export(&[(Side::Target, "rest/Get-MailUser", "exchange/Get-MailUser")]);
    let (inv, outcomes) = run(&ex, Side::Target);
    assert_eq!(outcome(&outcomes, "exchange/Get-MailUser").items, 1);
    assert_eq!(
        inv.mail_users,
        [MailUser {
            tenant: "target".into(),
            id: "8d2e5f0a-3b4c-4d6e-9f1a-2b3c4d5e6f70".into(),
            identity: s("AdeleV"),
            display_name: s("Adele Vance"),
            alias: s("AdeleV"),
            upn: s("AdeleV@fabrikam.com"),
            upn_lc: s("adelev@fabrikam.com"),
            primary_smtp: s("AdeleV@fabrikam.com"),
            primary_smtp_lc: s("adelev@fabrikam.com"),
            external_email_address: s("AdeleV@contoso.onmicrosoft.com"),
            external_email_address_lc: s("adelev@contoso.onmicrosoft.com"),
            recipient_type_details: s("MailUser"),
            exchange_guid: s("8d2e5f0a-3b4c-4d6e-9f1a-2b3c4d5e6f70"),
            archive_guid: s("1f4e8a2c-7b9d-4e3f-a5c6-d7e8f9a0b1c2"),
            legacy_exchange_dn: s("/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=e5d4c3b2a1f04e9d8c7b6a5f4e3d2c1b-AdeleV"),
            is_dir_synced: Some(false),
            external_directory_object_id: s("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"),
            recoverable_items_quota: s("30 GB (32,212,254,720 bytes)"),
            recoverable_items_quota_bytes: Some(32_212_254_720),
            max_receive_size: s("150 MB (157,286,400 bytes)"),
            max_receive_size_bytes: Some(157_286_400),
        }]
    );
    // The source's LegacyExchangeDN as an x500 proxy (lower-case prefix kept as stored).
    let x500 = &inv.proxy_addresses[2];
    assert_eq!(x500.address, format!("x500:{X500_ADELE}"));
    assert_eq!(
        (
            x500.owner_kind.as_str(),
            x500.prefix.as_str(),
            x500.is_primary
        ),
        ("mail_user", "x500", false)
    );
    assert_eq!(x500.value_lc, X500_ADELE.to_lowercase());
    assert_eq!(
        inv.recipient_capabilities[0].capability,
        "ExchangeT2TMbxMove"
    );
    assert_eq!(inv.recipient_capabilities[0].owner_kind, "mail_user");
}

#[test]
fn convertto_json_files_single_object_and_arrays() {
    let ex = export(&[
        (
            Side::Target,
            "json/Get-OrganizationRelationship.json",
            "exchange/Get-OrganizationRelationship.json",
        ),
        (
            Side::Target,
            "json/Get-AcceptedDomain.json",
            "exchange/Get-AcceptedDomain.json",
        ),
        (
            Side::Target,
            "json/Get-MigrationEndpoint.json",
            "exchange/Get-MigrationEndpoint.json",
        ),
    ]);
    let (inv, outcomes) = run(&ex, Side::Target);
    assert_eq!(
        outcome(&outcomes, "exchange/Get-OrganizationRelationship").items,
        1
    );
    assert_eq!(
        inv.organization_relationships,
        [OrganizationRelationship {
            tenant: "target".into(),
            id: "contoso migration".into(),
            name: "Contoso migration".into(),
            enabled: Some(true),
            mailbox_move_enabled: Some(true),
            mailbox_move_capability: s("Inbound"),
            oauth_application_id: None,
            mailbox_move_published_scopes: None,
        }]
    );
    let domains: Vec<(&str, &str)> = inv
        .organization_relationship_domains
        .iter()
        .map(|d| (d.relationship_id.as_str(), d.domain.as_str()))
        .collect();
    assert_eq!(
        domains,
        [
            ("contoso migration", "6c0a3bd5-1f2e-4d3c-9b8a-7f6e5d4c3b2a"),
            ("contoso migration", "contoso.onmicrosoft.com")
        ]
    );
    assert_eq!(
        inv.accepted_domains,
        [
            AcceptedDomain {
                tenant: "target".into(),
                domain: "fabrikam.com".into(),
                domain_type: s("Authoritative"),
                is_default: Some(true),
            },
            AcceptedDomain {
                tenant: "target".into(),
                domain: "fabrikam.onmicrosoft.com".into(),
                domain_type: s("Authoritative"),
                is_default: Some(false),
            },
        ]
    );
    assert_eq!(
        inv.migration_endpoints,
        [MigrationEndpoint {
            tenant: "target".into(),
            id: "contoso-t2t".into(),
            name: "Contoso-T2T".into(),
            endpoint_type: s("ExchangeRemoteMove"),
            remote_server: s("outlook.office.com"),
            remote_tenant: s("contoso.onmicrosoft.com"),
            application_id: s("b7c8d9e0-f1a2-4b3c-8d4e-5f6a7b8c9d0e"),
            app_secret_key_vault_url: None,
            max_concurrent_migrations: Some(20),
            is_remote: Some(true),
        }]
    );
}

#[test]
fn windows_powershell_json_guid_objects_string_booleans_and_dates() {
    let ex = export(&[
        (
            Side::Source,
            "ps51/Get-Mailbox.json",
            "exchange/Get-Mailbox.json",
        ),
        (
            Side::Source,
            "ps51/Get-OrganizationRelationship.json",
            "exchange/Get-OrganizationRelationship.json",
        ),
    ]);
    let (inv, outcomes) = run(&ex, Side::Source);
    assert_eq!(outcome(&outcomes, "exchange/Get-Mailbox").items, 1);
    let m = &inv.mailboxes[0];
    assert_eq!(m.id, "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f");
    assert_eq!(m.exchange_guid.as_deref(), Some(m.id.as_str()));
    assert_eq!(
        (m.archive_guid.clone(), m.disabled_archive_guid.clone()),
        (None, None)
    );
    assert_eq!(m.compliance_tag_hold_applied, Some(true));
    assert_eq!(m.is_dir_synced, Some(false));
    assert_eq!(m.aux_archive_count, 0);
    assert!(inv.mailbox_holds.is_empty());
    assert_eq!(inv.proxy_addresses.len(), 2);

    assert_eq!(
        inv.organization_relationships,
        [OrganizationRelationship {
            tenant: "source".into(),
            id: "fabrikam migration".into(),
            name: "Fabrikam migration".into(),
            enabled: Some(true),
            mailbox_move_enabled: Some(true),
            mailbox_move_capability: s("Inbound, RemoteOutbound"),
            oauth_application_id: s("b7c8d9e0-f1a2-4b3c-8d4e-5f6a7b8c9d0e"),
            mailbox_move_published_scopes: s("Migration Scope, Wave 1;mig-scope@contoso.com"),
        }]
    );
    assert_eq!(
        inv.organization_relationship_domains[0].domain,
        "7d8e9f0a-1b2c-4d3e-8f4a-5b6c7d8e9f0a"
    );
}

#[test]
fn export_csv_with_type_line_bom_and_joined_lists() {
    let ex = export(&[(
        Side::Source,
        "csv/Get-Mailbox.csv",
        "exchange/Get-Mailbox.csv",
    )]);
    let (inv, outcomes) = run(&ex, Side::Source);
    let o = outcome(&outcomes, "exchange/Get-Mailbox");
    assert_eq!((o.status, o.items), (Status::Complete, 2));
    let alex = &inv.mailboxes[0];
    assert_eq!(alex.id, "d4e5f6a7-b8c9-4d0e-9f1a-2b3c4d5e6f7a");
    assert_eq!(alex.primary_smtp_lc, s("alexw@contoso.com"));
    assert_eq!(alex.archive_guid, s("e5f6a7b8-c9d0-4e1f-8a2b-3c4d5e6f7a8b"));
    assert_eq!(alex.disabled_archive_guid, None);
    assert_eq!(
        (alex.litigation_hold_enabled, alex.delay_hold_applied),
        (Some(false), Some(true))
    );
    assert_eq!(alex.auto_expanding_archive_enabled, Some(true));
    assert_eq!(alex.aux_archive_count, 1);
    let addresses: Vec<&str> = inv
        .proxy_addresses
        .iter()
        .filter(|p| p.owner_id == alex.id)
        .map(|p| p.address.as_str())
        .collect();
    assert_eq!(
        addresses,
        [
            "SMTP:AlexW@contoso.com",
            "smtp:AlexW@contoso.onmicrosoft.com",
            "X500:/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=0f1e2d3c4b5a69788796a5b4c3d2e1f0-AlexW",
            "X400:C=US;A= ;P=Contoso;O=Exchange;S=Wilber;G=Alex;",
            "SIP:alexw@contoso.com",
        ]
    );
    let holds: Vec<&str> = inv.mailbox_holds.iter().map(|h| h.hold.as_str()).collect();
    assert_eq!(
        holds,
        [
            "mbxb1c2d3e4f5a6478899aabbccddeeff11:1",
            "skp127d7c2e-8a9b-4c0d-9e1f-2a3b4c5d6e7f"
        ]
    );

    let room = &inv.mailboxes[1];
    assert_eq!(room.display_name, s("Adams, Conference Room"));
    assert_eq!(room.recipient_type_details, s("RoomMailbox"));
    assert_eq!(room.archive_guid, None);
    assert_eq!(room.aux_archive_count, 0);
    assert_eq!(inv.recipient_capabilities.len(), 1);
    assert_eq!(
        proxies(&inv, &room.id),
        [(
            "SMTP:Adams@contoso.com".into(),
            "smtp".into(),
            "adams@contoso.com".into(),
            true,
            s("contoso.com")
        )]
    );
}

#[test]
fn export_csv_utf16_with_space_joined_addresses() {
    let ex = export(&[(
        Side::Target,
        "csv/Get-MailUser.csv",
        "exchange/Get-MailUser.csv",
    )]);
    let (inv, _) = run(&ex, Side::Target);
    assert_eq!(inv.mail_users.len(), 1);
    let u = &inv.mail_users[0];
    assert_eq!(u.id, "d4e5f6a7-b8c9-4d0e-9f1a-2b3c4d5e6f7a");
    assert_eq!(u.external_email_address, s("AlexW@contoso.onmicrosoft.com"));
    assert_eq!(u.is_dir_synced, Some(true));
    assert_eq!(u.recoverable_items_quota, s("30 GB (32,212,254,720 bytes)"));
    let addresses: Vec<&str> = inv
        .proxy_addresses
        .iter()
        .map(|p| p.address.as_str())
        .collect();
    assert_eq!(
        addresses,
        [
            "SMTP:AlexW@fabrikam.com",
            "smtp:AlexW@fabrikam.onmicrosoft.com",
            "X500:/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=d4e5f6a7b8c94d0e9f1a2b3c4d5e6f7a-AlexW",
        ]
    );
}

#[test]
fn export_csv_type_name_cell_is_refused_with_line_column_and_fix() {
    let ex = export(&[(
        Side::Source,
        "csv/bad/Get-Mailbox.csv",
        "exchange/Get-Mailbox.csv",
    )]);
    let path = ex.side(Side::Source).join("exchange/Get-Mailbox.csv");
    assert_eq!(
        error(&ex, Side::Source),
        format!(
            "{}:3:3: column EmailAddresses holds \"System.Collections.ArrayList\", the type name Export-Csv writes for a multi-valued property instead of its values\n  fix: join multi-valued properties before exporting: Get-Mailbox | Select-Object *,@{{n='EmailAddresses';e={{$_.EmailAddresses -join ';'}}}},@{{n='InPlaceHolds';e={{$_.InPlaceHolds -join ';'}}}} -ExcludeProperty EmailAddresses,InPlaceHolds | Export-Csv -NoTypeInformation <file>",
            path.display()
        )
    );
}

#[test]
fn group_members_per_group_file_and_directory() {
    // Groups in file-name order ("Sales Team" sorts before "mig-scope...").
    let ex = export(&[
        (
            Side::Source,
            "json/Get-DistributionGroupMember/mig-scope@contoso.com.json",
            "exchange/Get-DistributionGroupMember/mig-scope@contoso.com.json",
        ),
        (
            Side::Source,
            "rest/Get-DistributionGroupMember/Sales Team",
            "exchange/Get-DistributionGroupMember/Sales Team",
        ),
    ]);
    let (inv, outcomes) = run(&ex, Side::Source);
    let o = outcome(&outcomes, "exchange/Get-DistributionGroupMember");
    assert_eq!((o.status, o.items), (Status::Complete, 3));
    assert_eq!(
        inv.distribution_group_members,
        [
            DistributionGroupMember {
                tenant: "source".into(),
                group: "sales team".into(),
                member_identity: s("sales"),
                member_smtp_lc: s("sales@contoso.com"),
                member_exchange_guid: s("c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f"),
                member_external_directory_object_id: s("5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e"),
                recipient_type: s("UserMailbox"),
            },
            DistributionGroupMember {
                tenant: "source".into(),
                group: "mig-scope@contoso.com".into(),
                member_identity: s("AdeleV"),
                member_smtp_lc: s("adelev@contoso.com"),
                member_exchange_guid: s("8d2e5f0a-3b4c-4d6e-9f1a-2b3c4d5e6f70"),
                member_external_directory_object_id: s("4a5b6c7d-8e9f-4a0b-b1c2-d3e4f5a6b7c8"),
                recipient_type: s("UserMailbox"),
            },
            DistributionGroupMember {
                tenant: "source".into(),
                group: "mig-scope@contoso.com".into(),
                member_identity: s("Finance"),
                member_smtp_lc: s("finance@contoso.com"),
                member_exchange_guid: None,
                member_external_directory_object_id: s("7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f9a0b"),
                recipient_type: s("MailUniversalSecurityGroup"),
            },
        ]
    );
}

#[test]
fn group_members_without_a_group_name_are_refused() {
    let fix = "save each group's members as exchange/Get-DistributionGroupMember/<group>.json (or .csv, or a <group>/ directory of pages)";
    let msg = "Get-DistributionGroupMember output is not saved under a group name, and member objects do not say which group they belong to";
    let ex = export(&[]);
    let p = write(
        &ex,
        Side::Source,
        "exchange/Get-DistributionGroupMember.json",
        "[]",
    );
    assert_eq!(
        error(&ex, Side::Source),
        format!("{}: {msg}\n  fix: {fix}", p.display())
    );
    let ex = export(&[]);
    let p = write(
        &ex,
        Side::Source,
        "exchange/Get-DistributionGroupMember/page-0001.json",
        r#"{"value":[]}"#,
    );
    assert_eq!(
        error(&ex, Side::Source),
        format!("{}: {msg}\n  fix: {fix}", p.display())
    );
}

#[test]
fn a_group_file_with_an_upper_case_extension_is_not_skipped() {
    let ex = export(&[]);
    write(
        &ex,
        Side::Source,
        "exchange/Get-DistributionGroupMember/Scope.JSON",
        "[]",
    );
    let p = ex
        .side(Side::Source)
        .join("exchange/Get-DistributionGroupMember/Scope");
    assert_eq!(
        error(&ex, Side::Source),
        format!(
            "{}: the members of group \"Scope\" cannot be read: the file extension is not .json or .csv in lower case\n  fix: rename the file to <group>.json or <group>.csv",
            p.display()
        )
    );
}

#[test]
fn a_partial_status_is_reported_with_the_items_read() {
    let ex = export(&[(Side::Source, "rest/Get-Mailbox", "exchange/Get-Mailbox")]);
    write(
        &ex,
        Side::Source,
        "exchange/Get-Mailbox/_status.json",
        r#"{"status":"partial","error":"429 after 5 retries"}"#,
    );
    let (_, outcomes) = run(&ex, Side::Source);
    let o = outcome(&outcomes, "exchange/Get-Mailbox");
    assert_eq!(
        (o.status, o.items, o.error.as_deref()),
        (Status::Partial, 2, Some("429 after 5 retries"))
    );
}

#[test]
fn two_forms_of_one_cmdlet_are_refused() {
    let ex = export(&[
        (
            Side::Target,
            "json/Get-AcceptedDomain.json",
            "exchange/Get-AcceptedDomain.json",
        ),
        (
            Side::Target,
            "csv/bad/Get-Mailbox.csv",
            "exchange/Get-AcceptedDomain.csv",
        ),
    ]);
    let dir = ex.side(Side::Target).join("exchange/Get-AcceptedDomain");
    assert_eq!(
        error(&ex, Side::Target),
        format!(
            "{}: Get-AcceptedDomain output is saved in more than one form (Get-AcceptedDomain.json, Get-AcceptedDomain.csv), so items would be counted twice\n  fix: keep one of them: the REST pages directory, the ConvertTo-Json .json file or the Export-Csv .csv file",
            dir.display()
        )
    );
}

#[test]
fn a_value_that_is_not_a_guid_names_item_and_property() {
    let ex = export(&[]);
    let p = write(
        &ex,
        Side::Source,
        "exchange/Get-Mailbox/page-0001.json",
        r#"{"value":[{"Identity":"a","ExchangeGuid":"8d2e5f0a-3b4c-4d6e-9f1a-2b3c4d5e6f70"},{"Identity":"b","ExchangeGuid":"not-a-guid"}]}"#,
    );
    assert_eq!(
        error(&ex, Side::Source),
        format!(
            "{}: item 2: ExchangeGuid \"not-a-guid\" is not a GUID\n  fix: save the cmdlet output unchanged (see docs/raw-export.md)",
            p.display()
        )
    );
}

#[test]
fn csv_errors_point_at_line_and_column() {
    let ex = export(&[]);
    let p = write(
        &ex,
        Side::Source,
        "exchange/Get-MailUser.csv",
        "\"Identity\",\"IsDirSynced\"\r\n\"a\",\"True\"\r\n\"b\",\"perhaps\"\r\n",
    );
    assert_eq!(
        error(&ex, Side::Source),
        format!(
            "{}:3:2: IsDirSynced should be True or False, found \"perhaps\"\n  fix: save the cmdlet output unchanged (see docs/raw-export.md)",
            p.display()
        )
    );
    // CRLF terminators, a quoted cell spanning two lines, and a short row.
    let ex = export(&[]);
    let p = write(
        &ex,
        Side::Source,
        "exchange/Get-MailUser.csv",
        "\"Identity\",\"DisplayName\"\r\n\"a\",\"two\r\nlines\"\r\n\"b\"\r\n",
    );
    assert_eq!(
        error(&ex, Side::Source),
        format!(
            "{}:4: the row has 1 fields but the header has 2\n  fix: save the Export-Csv output unchanged (fields with commas or line breaks stay quoted)",
            p.display()
        )
    );
}

#[test]
fn a_recipient_without_any_key_is_refused() {
    let ex = export(&[]);
    let p = write(
        &ex,
        Side::Source,
        "exchange/Get-Mailbox.json",
        r#"{"DisplayName":"nobody","ExchangeGuid":"00000000-0000-0000-0000-000000000000"}"#,
    );
    assert_eq!(
        error(&ex, Side::Source),
        format!(
            "{}: item 1: the recipient has no ExchangeGuid, ExternalDirectoryObjectId or Identity to key it by\n  fix: save the cmdlet output unchanged (see docs/raw-export.md)",
            p.display()
        )
    );
}

#[test]
fn numeric_enums_from_windows_powershell_are_refused() {
    let ex = export(&[]);
    let p = write(
        &ex,
        Side::Target,
        "exchange/Get-AcceptedDomain.json",
        r#"[{"DomainName":"fabrikam.com","DomainType":0,"Default":true}]"#,
    );
    assert_eq!(
        error(&ex, Side::Target),
        format!(
            "{}: item 1: DomainType is the number 0, not the name of the value\n  fix: save enum properties as names: use the InvokeCommand REST output, Export-Csv, or PowerShell 7's ConvertTo-Json -EnumsAsStrings",
            p.display()
        )
    );
}

#[test]
fn clixml_pages_and_shallow_convertto_json_are_refused() {
    let ex = export(&[]);
    let p = write(
        &ex,
        Side::Source,
        "exchange/Get-Mailbox/page-0001.json",
        r#"{"value":[{"_clixml":"<Objs Version=\"1.1.0.1\"></Objs>"}]}"#,
    );
    assert_eq!(
        error(&ex, Side::Source),
        format!(
            "{}: item 1: the page holds CLIXML-serialised results\n  fix: request the page with the header X-ResponseFormat: json",
            p.display()
        )
    );
    let ex = export(&[]);
    let p = write(
        &ex,
        Side::Source,
        "exchange/Get-MailUser.json",
        r#"[{"Identity":"a","EmailAddresses":"System.Collections.ArrayList"}]"#,
    );
    assert_eq!(
        error(&ex, Side::Source),
        format!(
            "{}: item 1: EmailAddresses holds \"System.Collections.ArrayList\": ConvertTo-Json wrote a type name instead of the values\n  fix: convert with enough depth: Get-MailUser | ConvertTo-Json -Depth 5",
            p.display()
        )
    );
}

#[test]
fn an_address_without_prefix_is_refused() {
    let ex = export(&[]);
    let p = write(
        &ex,
        Side::Source,
        "exchange/Get-MailUser.json",
        r#"{"Identity":"a","EmailAddresses":["SMTP:a@b.com","a@c.com"]}"#,
    );
    assert_eq!(
        error(&ex, Side::Source),
        format!(
            "{}: item 1: EmailAddresses entry \"a@c.com\" has no prefix such as SMTP: or X500:\n  fix: save the cmdlet output unchanged (see docs/raw-export.md)",
            p.display()
        )
    );
}

#[test]
fn semicolon_delimited_csv_and_identity_key() {
    let ex = export(&[]);
    write(
        &ex,
        Side::Source,
        "exchange/Get-Mailbox.csv",
        "\"Identity\";\"EmailAddresses\";\"MailboxMoveCapability\"\n\"Room 1\";\"SMTP:r1@contoso.com\";\"x\"\n",
    );
    let (inv, _) = run(&ex, Side::Source);
    assert_eq!(inv.mailboxes[0].id, "room 1");
    assert_eq!(inv.proxy_addresses[0].owner_id, "room 1");
}

#[test]
fn proxy_addresses_split_only_before_a_prefix() {
    assert_eq!(
        split_proxy_addresses("SMTP:a@b.com; smtp:c@d.com;EUM:123;phone-context=dp.contoso.com x500:/o=Org/ou=A B/cn=x"),
        [
            "SMTP:a@b.com",
            "smtp:c@d.com",
            "EUM:123;phone-context=dp.contoso.com",
            "x500:/o=Org/ou=A B/cn=x"
        ]
    );
    assert!(split_proxy_addresses("  ").is_empty());
    assert_eq!(
        proxy("SMTP:User@Contoso.COM"),
        Some(Proxy {
            prefix: "smtp".into(),
            value_lc: "user@contoso.com".into(),
            is_primary: true,
            domain: s("contoso.com"),
        })
    );
    assert!(!proxy("Smtp:u@c.com").unwrap().is_primary);
    assert_eq!(proxy("user@contoso.com"), None);
}

#[test]
fn windows_powershell_dates() {
    assert_eq!(
        ps_datetime(&json!("/Date(1700000000000)/")).as_deref(),
        Some("2023-11-14T22:13:20Z")
    );
    assert_eq!(
        ps_datetime(&json!("/Date(1700000000000+0100)/")).as_deref(),
        Some("2023-11-14T22:13:20Z")
    );
    assert_eq!(
        ps_datetime(&json!({"value": "/Date(-1000)/", "DisplayHint": 2})).as_deref(),
        Some("1969-12-31T23:59:59Z")
    );
    assert_eq!(
        ps_datetime(&json!("2022-09-21T08:07:47.0000000+00:00")).as_deref(),
        Some("2022-09-21T08:07:47Z")
    );
    assert_eq!(ps_datetime(&json!("/Date(abc)/")), None);
}

#[test]
fn readiness_cmdlets_of_the_source() {
    let adele = "8d2e5f0a-3b4c-4d6e-9f1a-2b3c4d5e6f70";
    let archive = "1f4e8a2c-7b9d-4e3f-a5c6-d7e8f9a0b1c2";
    let ex = export(&[
        (
            Side::Source,
            "rest/Get-MailboxStatistics",
            "exchange/Get-MailboxStatistics",
        ),
        (
            Side::Source,
            "rest/Get-MailboxFolderStatistics",
            "exchange/Get-MailboxFolderStatistics",
        ),
        (
            Side::Source,
            "rest/Export-MailboxDiagnosticLogs",
            "exchange/Export-MailboxDiagnosticLogs",
        ),
        (
            Side::Source,
            "rest/Get-MailboxPermission",
            "exchange/Get-MailboxPermission",
        ),
        (
            Side::Source,
            "rest/Get-MoveRequest",
            "exchange/Get-MoveRequest",
        ),
        (
            Side::Source,
            "rest/Get-DistributionGroup",
            "exchange/Get-DistributionGroup",
        ),
    ]);
    let (inv, outcomes) = run(&ex, Side::Source);
    for (collection, items) in [
        ("exchange/Get-MailboxStatistics", 2),
        ("exchange/Get-MailboxFolderStatistics", 2),
        ("exchange/Export-MailboxDiagnosticLogs", 2),
        ("exchange/Get-MailboxPermission", 3),
        ("exchange/Get-MoveRequest", 1),
        ("exchange/Get-DistributionGroup", 1),
    ] {
        let o = outcome(&outcomes, collection);
        assert_eq!(
            (o.status, o.items),
            (Status::Complete, items),
            "{collection}"
        );
    }
    assert_eq!(
        inv.mailbox_statistics[0],
        MailboxStatistic {
            tenant: "source".into(),
            mailbox_guid: adele.into(),
            display_name: s("Adele Vance"),
            total_item_size: s("12.31 GB (13,217,714,176 bytes)"),
            total_item_size_bytes: Some(13_217_714_176),
            total_deleted_item_size: s("1.002 GB (1,075,838,976 bytes)"),
            total_deleted_item_size_bytes: Some(1_075_838_976),
            item_count: Some(48_213),
            deleted_item_count: Some(5_120),
        }
    );
    // Upper-case GUID canonicalised; zero bytes is a size, not a missing one.
    let sales = &inv.mailbox_statistics[1];
    assert_eq!(sales.mailbox_guid, "c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f");
    assert_eq!(sales.total_deleted_item_size_bytes, Some(0));

    let folders: Vec<(&str, &str, Option<i64>, Option<i64>)> = inv
        .mailbox_folder_statistics
        .iter()
        .map(|f| {
            (
                f.mailbox.as_str(),
                f.name.as_str(),
                f.items_in_folder,
                f.folder_size_bytes,
            )
        })
        .collect();
    assert_eq!(
        folders,
        [
            (archive, "Recoverable Items", Some(0), Some(0)),
            (archive, "SubstrateHolds", Some(17), Some(2_422_190)),
        ]
    );

    // Mailboxes in file-name order; the empty log is one row without a hold.
    let holds: Vec<(&str, Option<&str>, Option<i64>)> = inv
        .mailbox_hold_tracking
        .iter()
        .map(|h| (h.mailbox.as_str(), h.hold_id.as_deref(), h.hold_type))
        .collect();
    assert_eq!(
        holds,
        [
            (
                "adelev@contoso.com",
                Some("mbx0a1b2c3d4e5f60718293a4b5c6d7e8f9:2"),
                Some(4)
            ),
            (
                "adelev@contoso.com",
                Some("UniH7d2f1c3e-5a4b-4c6d-8e9f-0a1b2c3d4e5f"),
                Some(3)
            ),
            ("sales@contoso.com", None, None),
        ]
    );

    let perms: Vec<(&str, &str, Option<&str>, Option<bool>)> = inv
        .mailbox_permissions
        .iter()
        .map(|p| {
            (
                p.mailbox_identity_lc.as_str(),
                p.user_lc.as_str(),
                p.access_rights.as_deref(),
                p.is_inherited,
            )
        })
        .collect();
    assert_eq!(
        perms,
        [
            (
                "adelev",
                "nt authority\\self",
                Some("FullAccess, ReadPermission"),
                Some(false)
            ),
            (
                "adelev",
                "meganb@contoso.com",
                Some("FullAccess"),
                Some(false)
            ),
            (
                "sales",
                "adelev@contoso.com",
                Some("FullAccess, SendAs"),
                Some(true)
            ),
        ]
    );
    assert_eq!(
        inv.move_requests,
        [MoveRequest {
            tenant: "source".into(),
            identity: s("AdeleV"),
            display_name: s("Adele Vance"),
            exchange_guid: s(adele),
            status: s("Completed"),
            batch_name: s("MigrationService:Onboarding-2023"),
        }]
    );
    assert_eq!(
        inv.distribution_groups,
        [DistributionGroup {
            tenant: "source".into(),
            identity: s("mig-scope"),
            name: s("mig-scope"),
            display_name: s("Migration scope"),
            primary_smtp_lc: s("mig-scope@contoso.com"),
            recipient_type_details: s("MailUniversalSecurityGroup"),
            external_directory_object_id: s("7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f9a0b"),
        }]
    );
}

#[test]
fn readiness_cmdlets_of_the_target() {
    let ex = export(&[
        (
            Side::Target,
            "rest/Get-MigrationUser",
            "exchange/Get-MigrationUser",
        ),
        (Side::Target, "rest/Get-User", "exchange/Get-User"),
        (
            Side::Target,
            "rest/Get-OrganizationConfig",
            "exchange/Get-OrganizationConfig",
        ),
        (
            Side::Target,
            "rest/Test-MigrationServerAvailability",
            "exchange/Test-MigrationServerAvailability",
        ),
        (
            Side::Target,
            "rest/Get-ManagementRoleAssignment",
            "exchange/Get-ManagementRoleAssignment",
        ),
        (
            Side::Target,
            "rest/Get-ManagementRoleEntry",
            "exchange/Get-ManagementRoleEntry",
        ),
    ]);
    let (inv, _) = run(&ex, Side::Target);
    assert_eq!(
        inv.migration_users,
        [MigrationUser {
            tenant: "target".into(),
            identity_lc: "adelev@fabrikam.com".into(),
            batch_id: s("T2T-Pilot"),
            status: s("Failed"),
            mailbox_guid: s("8d2e5f0a-3b4c-4d6e-9f1a-2b3c4d5e6f70"),
        }]
    );
    let users: Vec<(Option<&str>, Option<&str>, Option<&str>)> = inv
        .exchange_users
        .iter()
        .map(|u| {
            (
                u.upn_lc.as_deref(),
                u.previous_recipient_type_details.as_deref(),
                u.external_directory_object_id.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        users,
        [
            (
                Some("adelev@fabrikam.com"),
                Some("UserMailbox"),
                Some("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d")
            ),
            (Some("ops@fabrikam.com"), Some("None"), None),
        ]
    );
    assert_eq!(
        inv.organization_configs,
        [OrganizationConfig {
            tenant: "target".into(),
            name: s("fabrikam.onmicrosoft.com"),
            is_dehydrated: Some(true),
        }]
    );
    assert_eq!(
        inv.migration_server_tests,
        [MigrationServerTest {
            tenant: "target".into(),
            test_mailbox: "adelev@fabrikam.com".into(),
            result: s("Failed"),
            message: s("The connection to the server could not be completed."),
            error_detail: s("AADSTS7000215: Invalid client secret provided."),
        }]
    );
    let roles: Vec<(&str, Option<&str>, Option<bool>)> = inv
        .management_role_assignments
        .iter()
        .map(|r| (r.role.as_str(), r.effective_user_lc.as_deref(), r.enabled))
        .collect();
    assert_eq!(
        roles,
        [
            ("Move Mailboxes", Some("ops"), Some(true)),
            ("Mail Recipients", Some("ops"), Some(false)),
        ]
    );
    let params: Vec<(&str, &str, &str)> = inv
        .management_role_entries
        .iter()
        .map(|e| (e.role.as_str(), e.cmdlet.as_str(), e.parameter.as_str()))
        .collect();
    assert_eq!(
        params,
        [
            ("Mail Recipients", "Set-MailUser", "ArchiveGuid"),
            ("Mail Recipients", "Set-MailUser", "EmailAddresses"),
            ("Mail Recipients", "Set-MailUser", "ExchangeGuid"),
        ]
    );
}

#[test]
fn mailbox_statistics_from_export_csv_with_culture_digit_grouping() {
    let ex = export(&[(
        Side::Source,
        "csv/Get-MailboxStatistics.csv",
        "exchange/Get-MailboxStatistics.csv",
    )]);
    let (inv, _) = run(&ex, Side::Source);
    assert_eq!(inv.mailbox_statistics.len(), 1);
    let st = &inv.mailbox_statistics[0];
    assert_eq!(st.total_item_size_bytes, Some(13_217_714_176));
    assert_eq!(st.total_deleted_item_size_bytes, Some(0));
    assert_eq!(st.item_count, Some(48_213));
}

#[test]
fn a_size_that_is_not_one_names_line_column_and_value() {
    let ex = export(&[]);
    let p = write(
        &ex,
        Side::Source,
        "exchange/Get-MailboxStatistics.csv",
        "MailboxGuid,TotalItemSize\r\n8d2e5f0a-3b4c-4d6e-9f1a-2b3c4d5e6f70,lots\r\n",
    );
    assert_eq!(
        error(&ex, Side::Source),
        format!(
            "{}:2:2: TotalItemSize \"lots\" is not a size such as \"30 GB (32,212,254,720 bytes)\"\n  fix: save the cmdlet output unchanged (see docs/raw-export.md)",
            p.display()
        )
    );
}

#[test]
fn sizes_in_the_forms_exchange_and_people_write_them() {
    use super::fields::size_bytes;
    assert_eq!(
        size_bytes("30 GB (32,212,254,720 bytes)"),
        Some(32_212_254_720)
    );
    assert_eq!(
        size_bytes("1,5 GB (1.610.612.736 bytes)"),
        Some(1_610_612_736)
    );
    assert_eq!(size_bytes("0 B (0 bytes)"), Some(0));
    assert_eq!(size_bytes("157286400"), Some(157_286_400));
    assert_eq!(size_bytes("150 MB"), Some(157_286_400));
    assert_eq!(size_bytes("1.5 KB"), Some(1_536));
    assert_eq!(size_bytes("150 parsecs"), None);
    assert_eq!(size_bytes("30 GB (about a lot)"), None);
}

#[test]
fn hold_tracking_entries_are_read_entry_by_entry() {
    use super::parse::hold_tracking_entries;
    let log = r#"[{"ed":"0001-01-01T00:00:00.0000000","hid":"mbxabc:2","ht":4},{"hid":"UniH1","ht":"3","lsd":"x"},{"ed":"no hold here"}]"#;
    assert_eq!(
        hold_tracking_entries(log),
        [
            ("mbxabc:2".to_string(), Some(4)),
            ("UniH1".to_string(), Some(3))
        ]
    );
    assert!(hold_tracking_entries("[]").is_empty());
    // A cut log still yields its complete entries and the id of a cut one.
    assert_eq!(
        hold_tracking_entries(r#"[{"hid":"mbxa","ht":4},{"hid":"mbxb","#),
        [("mbxa".to_string(), Some(4)), ("mbxb".to_string(), None)]
    );
}

#[test]
fn per_mailbox_output_without_a_mailbox_name_is_refused() {
    let ex = export(&[]);
    let p = write(
        &ex,
        Side::Source,
        "exchange/Export-MailboxDiagnosticLogs/page-0001.json",
        r#"{"value":[{"MailboxLog":"[]"}]}"#,
    );
    assert_eq!(
        error(&ex, Side::Source),
        format!(
            "{}: Export-MailboxDiagnosticLogs output is not saved under a mailbox name, and the log object does not say which mailbox it belongs to\n  fix: save each mailbox's HoldTracking log as exchange/Export-MailboxDiagnosticLogs/<mailbox>.json (or .csv, or a <mailbox>/ directory of pages)",
            p.display()
        )
    );
}
