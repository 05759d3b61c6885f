//! Saved Exchange Online cmdlet output → records. Each cmdlet may be saved as
//! InvokeCommand REST pages, ConvertTo-Json output or Export-Csv output
//! (docs/raw-export.md §Exchange); `source` hides the difference and `fields`
//! reads properties in all their spellings.

use super::super::{CollectionOutcome, CollectionSpec};
use super::fields::{proxy, split_proxy_addresses, split_semicolons, split_words};
use super::source::{for_each_item, with_suffix, Cmdlet, Item};
use crate::error::{Error, Location, Result};
use crate::inventory::{
    AcceptedDomain, DistributionGroupMember, Inventory, MailUser, Mailbox, MailboxHold,
    MigrationEndpoint, OrganizationRelationship, OrganizationRelationshipDomain, ProxyAddress,
    RecipientCapability,
};
use crate::raw::{RawExport, Side};

const MAILBOXES: &str = "exchange/Get-Mailbox";
const MAIL_USERS: &str = "exchange/Get-MailUser";
const ORG_RELATIONSHIPS: &str = "exchange/Get-OrganizationRelationship";
const ACCEPTED_DOMAINS: &str = "exchange/Get-AcceptedDomain";
const MIGRATION_ENDPOINTS: &str = "exchange/Get-MigrationEndpoint";
const GROUP_MEMBERS: &str = "exchange/Get-DistributionGroupMember";

pub const COLLECTIONS: &[CollectionSpec] = &[
    CollectionSpec {
        family: "exchange",
        collection: MAILBOXES,
        tables: &[
            "mailboxes",
            "proxy_addresses",
            "mailbox_holds",
            "recipient_capabilities",
        ],
    },
    CollectionSpec {
        family: "exchange",
        collection: MAIL_USERS,
        tables: &["mail_users", "proxy_addresses", "recipient_capabilities"],
    },
    CollectionSpec {
        family: "exchange",
        collection: ORG_RELATIONSHIPS,
        tables: &[
            "organization_relationships",
            "organization_relationship_domains",
        ],
    },
    CollectionSpec {
        family: "exchange",
        collection: ACCEPTED_DOMAINS,
        tables: &["accepted_domains"],
    },
    CollectionSpec {
        family: "exchange",
        collection: MIGRATION_ENDPOINTS,
        tables: &["migration_endpoints"],
    },
    CollectionSpec {
        family: "exchange",
        collection: GROUP_MEMBERS,
        tables: &["distribution_group_members"],
    },
];

const GET_MAILBOX: Cmdlet = Cmdlet {
    name: "Get-Mailbox",
    fields: &[
        "Identity",
        "DisplayName",
        "Alias",
        "UserPrincipalName",
        "MicrosoftOnlineServicesID",
        "PrimarySmtpAddress",
        "RecipientTypeDetails",
        "ExchangeGuid",
        "ArchiveGuid",
        "ArchiveStatus",
        "DisabledArchiveGuid",
        "LegacyExchangeDN",
        "LitigationHoldEnabled",
        "DelayHoldApplied",
        "DelayReleaseHoldApplied",
        "ComplianceTagHoldApplied",
        "AutoExpandingArchiveEnabled",
        "MailboxLocations",
        "IsDirSynced",
        "ExternalDirectoryObjectId",
        "EmailAddresses",
        "InPlaceHolds",
        "PersistedCapabilities",
    ],
};

const GET_MAIL_USER: Cmdlet = Cmdlet {
    name: "Get-MailUser",
    fields: &[
        "Identity",
        "DisplayName",
        "Alias",
        "UserPrincipalName",
        "MicrosoftOnlineServicesID",
        "PrimarySmtpAddress",
        "ExternalEmailAddress",
        "RecipientTypeDetails",
        "ExchangeGuid",
        "ArchiveGuid",
        "LegacyExchangeDN",
        "IsDirSynced",
        "ExternalDirectoryObjectId",
        "RecoverableItemsQuota",
        "EmailAddresses",
        "PersistedCapabilities",
    ],
};

const GET_ORG_RELATIONSHIP: Cmdlet = Cmdlet {
    name: "Get-OrganizationRelationship",
    fields: &[
        "Identity",
        "Name",
        "Enabled",
        "DomainNames",
        "MailboxMoveEnabled",
        "MailboxMoveCapability",
        "OAuthApplicationId",
        "MailboxMovePublishedScopes",
    ],
};

const GET_ACCEPTED_DOMAIN: Cmdlet = Cmdlet {
    name: "Get-AcceptedDomain",
    fields: &["DomainName", "DomainType", "Default"],
};

const GET_MIGRATION_ENDPOINT: Cmdlet = Cmdlet {
    name: "Get-MigrationEndpoint",
    fields: &[
        "Identity",
        "Name",
        "EndpointType",
        "RemoteServer",
        "RemoteTenant",
        "ApplicationId",
        "AppSecretKeyVaultUrl",
        "MaxConcurrentMigrations",
        "IsRemote",
    ],
};

const GET_GROUP_MEMBER: Cmdlet = Cmdlet {
    name: "Get-DistributionGroupMember",
    fields: &[
        "Identity",
        "PrimarySmtpAddress",
        "ExchangeGuid",
        "ExternalDirectoryObjectId",
        "RecipientType",
    ],
};

const FIX_UNCHANGED: &str = "save the cmdlet output unchanged (see docs/raw-export.md)";

pub fn parse(raw: &RawExport, side: Side, inv: &mut Inventory) -> Result<Vec<CollectionOutcome>> {
    let mut out = Vec::with_capacity(COLLECTIONS.len());
    for spec in COLLECTIONS {
        let items = match spec.collection {
            MAILBOXES => parse_mailboxes(raw, side, inv)?,
            MAIL_USERS => parse_mail_users(raw, side, inv)?,
            ORG_RELATIONSHIPS => parse_org_relationships(raw, side, inv)?,
            ACCEPTED_DOMAINS => parse_accepted_domains(raw, side, inv)?,
            MIGRATION_ENDPOINTS => parse_migration_endpoints(raw, side, inv)?,
            GROUP_MEMBERS => parse_group_members(raw, side, inv)?,
            other => {
                return Err(Error::Runtime(format!(
                    "internal: no Exchange parser for {other}"
                )))
            }
        };
        out.push(spec.outcome(raw, side, items)?);
    }
    Ok(out)
}

/// The item key: ExchangeGuid, which cross-tenant moves carry over, else the
/// Entra object id, else the Identity.
fn recipient_id(
    item: &Item,
    exchange_guid: &Option<String>,
    object_id: &Option<String>,
    identity: &Option<String>,
) -> Result<String> {
    exchange_guid
        .clone()
        .or_else(|| object_id.clone())
        .or_else(|| identity.as_ref().map(|s| s.to_lowercase()))
        .ok_or_else(|| {
            item.error(
                "Identity",
                "the recipient has no ExchangeGuid, ExternalDirectoryObjectId or Identity to key it by",
                FIX_UNCHANGED,
            )
        })
}

fn upn(item: &Item) -> Result<Option<String>> {
    Ok(match item.str("UserPrincipalName")? {
        Some(u) => Some(u),
        None => item.str("MicrosoftOnlineServicesID")?,
    })
}

fn lc(s: &Option<String>) -> Option<String> {
    s.as_ref().map(|x| x.to_lowercase())
}

fn push_proxies(
    item: &Item,
    tenant: &str,
    owner_kind: &str,
    owner_id: &str,
    rows: &mut Vec<ProxyAddress>,
) -> Result<()> {
    for address in item.list("EmailAddresses", split_proxy_addresses)? {
        let p = proxy(&address).ok_or_else(|| {
            item.error(
                "EmailAddresses",
                format!("EmailAddresses entry {address:?} has no prefix such as SMTP: or X500:"),
                FIX_UNCHANGED,
            )
        })?;
        rows.push(ProxyAddress {
            tenant: tenant.to_string(),
            owner_kind: owner_kind.to_string(),
            owner_id: owner_id.to_string(),
            address,
            prefix: p.prefix,
            value_lc: p.value_lc,
            is_primary: p.is_primary,
            domain: p.domain,
        });
    }
    Ok(())
}

fn push_capabilities(
    item: &Item,
    tenant: &str,
    owner_kind: &str,
    owner_id: &str,
    rows: &mut Vec<RecipientCapability>,
) -> Result<()> {
    for capability in item.list("PersistedCapabilities", split_words)? {
        rows.push(RecipientCapability {
            tenant: tenant.to_string(),
            owner_kind: owner_kind.to_string(),
            owner_id: owner_id.to_string(),
            capability,
        });
    }
    Ok(())
}

fn parse_mailboxes(raw: &RawExport, side: Side, inv: &mut Inventory) -> Result<usize> {
    let tenant = side.as_str();
    for_each_item(raw, side, MAILBOXES, &GET_MAILBOX, |item| {
        let exchange_guid = item.guid("ExchangeGuid")?;
        let object_id = item.guid("ExternalDirectoryObjectId")?;
        let identity = item.str("Identity")?;
        let id = recipient_id(item, &exchange_guid, &object_id, &identity)?;
        let upn = upn(item)?;
        let primary_smtp = item.str("PrimarySmtpAddress")?;
        let legacy_exchange_dn = item.str("LegacyExchangeDN")?;
        push_proxies(item, tenant, "mailbox", &id, &mut inv.proxy_addresses)?;
        push_capabilities(
            item,
            tenant,
            "mailbox",
            &id,
            &mut inv.recipient_capabilities,
        )?;
        for hold in item.list("InPlaceHolds", split_words)? {
            inv.mailbox_holds.push(MailboxHold {
                tenant: tenant.to_string(),
                mailbox_id: id.clone(),
                hold,
            });
        }
        inv.mailboxes.push(Mailbox {
            tenant: tenant.to_string(),
            id,
            identity,
            display_name: item.str("DisplayName")?,
            alias: item.str("Alias")?,
            upn_lc: lc(&upn),
            upn,
            primary_smtp_lc: lc(&primary_smtp),
            primary_smtp,
            recipient_type_details: item.enum_name("RecipientTypeDetails")?,
            exchange_guid,
            archive_guid: item.guid("ArchiveGuid")?,
            archive_status: item.enum_name("ArchiveStatus")?,
            disabled_archive_guid: item.guid("DisabledArchiveGuid")?,
            legacy_exchange_dn_lc: lc(&legacy_exchange_dn),
            legacy_exchange_dn,
            litigation_hold_enabled: item.bool("LitigationHoldEnabled")?,
            delay_hold_applied: item.bool("DelayHoldApplied")?,
            delay_release_hold_applied: item.bool("DelayReleaseHoldApplied")?,
            compliance_tag_hold_applied: item.bool("ComplianceTagHoldApplied")?,
            auto_expanding_archive_enabled: item.bool("AutoExpandingArchiveEnabled")?,
            aux_archive_count: item.aux_archive_count("MailboxLocations")?,
            is_dir_synced: item.bool("IsDirSynced")?,
            external_directory_object_id: object_id,
        });
        Ok(())
    })
}

fn parse_mail_users(raw: &RawExport, side: Side, inv: &mut Inventory) -> Result<usize> {
    let tenant = side.as_str();
    for_each_item(raw, side, MAIL_USERS, &GET_MAIL_USER, |item| {
        let exchange_guid = item.guid("ExchangeGuid")?;
        let object_id = item.guid("ExternalDirectoryObjectId")?;
        let identity = item.str("Identity")?;
        let id = recipient_id(item, &exchange_guid, &object_id, &identity)?;
        let upn = upn(item)?;
        let primary_smtp = item.str("PrimarySmtpAddress")?;
        let external = item.str("ExternalEmailAddress")?.map(strip_smtp);
        push_proxies(item, tenant, "mail_user", &id, &mut inv.proxy_addresses)?;
        push_capabilities(
            item,
            tenant,
            "mail_user",
            &id,
            &mut inv.recipient_capabilities,
        )?;
        inv.mail_users.push(MailUser {
            tenant: tenant.to_string(),
            id,
            identity,
            display_name: item.str("DisplayName")?,
            alias: item.str("Alias")?,
            upn_lc: lc(&upn),
            upn,
            primary_smtp_lc: lc(&primary_smtp),
            primary_smtp,
            external_email_address_lc: lc(&external),
            external_email_address: external,
            recipient_type_details: item.enum_name("RecipientTypeDetails")?,
            exchange_guid,
            archive_guid: item.guid("ArchiveGuid")?,
            legacy_exchange_dn: item.str("LegacyExchangeDN")?,
            is_dir_synced: item.bool("IsDirSynced")?,
            external_directory_object_id: object_id,
            recoverable_items_quota: item.quota("RecoverableItemsQuota")?,
        });
        Ok(())
    })
}

/// `SMTP:user@source.onmicrosoft.com` → `user@source.onmicrosoft.com`.
fn strip_smtp(address: String) -> String {
    match address.get(..5) {
        Some(p) if p.eq_ignore_ascii_case("smtp:") => address[5..].trim().to_string(),
        _ => address,
    }
}

fn parse_org_relationships(raw: &RawExport, side: Side, inv: &mut Inventory) -> Result<usize> {
    let tenant = side.as_str();
    for_each_item(
        raw,
        side,
        ORG_RELATIONSHIPS,
        &GET_ORG_RELATIONSHIP,
        |item| {
            let identity = item.str("Identity")?;
            let name = item
                .str("Name")?
                .or_else(|| identity.clone())
                .ok_or_else(|| {
                    item.error(
                        "Name",
                        "the organization relationship has no Name or Identity",
                        FIX_UNCHANGED,
                    )
                })?;
            let id = identity.unwrap_or_else(|| name.clone()).to_lowercase();
            for domain in item.list("DomainNames", split_words)? {
                inv.organization_relationship_domains
                    .push(OrganizationRelationshipDomain {
                        tenant: tenant.to_string(),
                        relationship_id: id.clone(),
                        domain: domain.to_lowercase(),
                    });
            }
            let scopes = item.list("MailboxMovePublishedScopes", split_semicolons)?;
            inv.organization_relationships
                .push(OrganizationRelationship {
                    tenant: tenant.to_string(),
                    id,
                    name,
                    enabled: item.bool("Enabled")?,
                    mailbox_move_enabled: item.bool("MailboxMoveEnabled")?,
                    mailbox_move_capability: item.flags("MailboxMoveCapability")?,
                    oauth_application_id: item.guid("OAuthApplicationId")?,
                    mailbox_move_published_scopes: (!scopes.is_empty()).then(|| scopes.join(";")),
                });
            Ok(())
        },
    )
}

fn parse_accepted_domains(raw: &RawExport, side: Side, inv: &mut Inventory) -> Result<usize> {
    let tenant = side.as_str();
    for_each_item(raw, side, ACCEPTED_DOMAINS, &GET_ACCEPTED_DOMAIN, |item| {
        let domain = item.str_lc("DomainName")?.ok_or_else(|| {
            item.error(
                "DomainName",
                "the accepted domain has no DomainName",
                FIX_UNCHANGED,
            )
        })?;
        inv.accepted_domains.push(AcceptedDomain {
            tenant: tenant.to_string(),
            domain,
            domain_type: item.enum_name("DomainType")?,
            is_default: item.bool("Default")?,
        });
        Ok(())
    })
}

fn parse_migration_endpoints(raw: &RawExport, side: Side, inv: &mut Inventory) -> Result<usize> {
    let tenant = side.as_str();
    for_each_item(
        raw,
        side,
        MIGRATION_ENDPOINTS,
        &GET_MIGRATION_ENDPOINT,
        |item| {
            let identity = item.str("Identity")?;
            let name = item
                .str("Name")?
                .or_else(|| identity.clone())
                .ok_or_else(|| {
                    item.error(
                        "Identity",
                        "the migration endpoint has no Identity or Name",
                        FIX_UNCHANGED,
                    )
                })?;
            inv.migration_endpoints.push(MigrationEndpoint {
                tenant: tenant.to_string(),
                id: identity.unwrap_or_else(|| name.clone()).to_lowercase(),
                name,
                endpoint_type: item.enum_name("EndpointType")?,
                remote_server: item.str("RemoteServer")?,
                remote_tenant: item.str("RemoteTenant")?,
                application_id: item.guid("ApplicationId")?,
                app_secret_key_vault_url: item.str("AppSecretKeyVaultUrl")?,
                max_concurrent_migrations: item.count_or_unlimited("MaxConcurrentMigrations")?,
                is_remote: item.bool("IsRemote")?,
            });
            Ok(())
        },
    )
}

/// Members are saved per group (`Get-DistributionGroupMember/{group}.json`,
/// `.csv`, or a `{group}/` directory of pages): member objects do not name
/// their group, so output saved without a group name cannot be used.
fn parse_group_members(raw: &RawExport, side: Side, inv: &mut Inventory) -> Result<usize> {
    let tenant = side.as_str();
    let dir = raw.side_dir(side).join(GROUP_MEMBERS);
    for unnamed in [with_suffix(&dir, ".json"), with_suffix(&dir, ".csv")] {
        if unnamed.is_file() {
            return Err(no_group_name(&unnamed));
        }
    }
    if dir.is_dir() {
        if let Some(page) = first_page_file(&dir)? {
            return Err(no_group_name(&page));
        }
    }
    let mut count = 0;
    for group in raw.children(side, GROUP_MEMBERS)? {
        let collection = format!("{GROUP_MEMBERS}/{group}");
        let path = dir.join(&group);
        // `children` also lists `Group.JSON`; reading looks for `.json` only.
        if !path.is_dir()
            && !with_suffix(&path, ".json").is_file()
            && !with_suffix(&path, ".csv").is_file()
        {
            return Err(Error::input(
                Location::file(&path),
                format!("the members of group {group:?} cannot be read: the file extension is not .json or .csv in lower case"),
                "rename the file to <group>.json or <group>.csv",
            ));
        }
        let group_lc = group.to_lowercase();
        count += for_each_item(raw, side, &collection, &GET_GROUP_MEMBER, |item| {
            inv.distribution_group_members
                .push(DistributionGroupMember {
                    tenant: tenant.to_string(),
                    group: group_lc.clone(),
                    member_identity: item.str("Identity")?,
                    member_smtp_lc: item.str_lc("PrimarySmtpAddress")?,
                    member_exchange_guid: item.guid("ExchangeGuid")?,
                    member_external_directory_object_id: item.guid("ExternalDirectoryObjectId")?,
                    recipient_type: item.enum_name("RecipientType")?,
                });
            Ok(())
        })?;
    }
    Ok(count)
}

/// A `page-*.json` directly under `Get-DistributionGroupMember/`, where a
/// group's name should have been.
fn first_page_file(dir: &std::path::Path) -> Result<Option<std::path::PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut pages = Vec::new();
    for e in entries {
        let p = e.map_err(|e| Error::io(dir, e))?.path();
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        if p.is_file() && name.starts_with("page-") && name.ends_with(".json") {
            pages.push(p);
        }
    }
    pages.sort();
    Ok(pages.into_iter().next())
}

fn no_group_name(path: &std::path::Path) -> Error {
    Error::input(
        Location::file(path),
        "Get-DistributionGroupMember output is not saved under a group name, and member objects do not say which group they belong to",
        "save each group's members as exchange/Get-DistributionGroupMember/<group>.json (or .csv, or a <group>/ directory of pages)",
    )
}
