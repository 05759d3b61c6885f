//! Saved Exchange Online cmdlet output → records. Each cmdlet may be saved as
//! InvokeCommand REST pages, ConvertTo-Json output or Export-Csv output
//! (docs/raw-export.md §Exchange); `source` hides the difference and `fields`
//! reads properties in all their spellings.

use super::super::{CollectionOutcome, CollectionSpec};
use super::fields::{proxy, split_flags, split_proxy_addresses, split_semicolons, split_words};
use super::source::{for_each_item, with_suffix, Cmdlet, Item};
use crate::error::{Error, Location, Result};
use crate::inventory::{
    AcceptedDomain, DistributionGroup, DistributionGroupMember, ExchangeUser, Inventory, MailUser,
    Mailbox, MailboxFolderStatistic, MailboxHold, MailboxHoldTracking, MailboxPermission,
    MailboxSendOnBehalf, MailboxStatistic, ManagementRoleAssignment, ManagementRoleEntry,
    MigrationEndpoint, MigrationServerTest, MigrationUser, MoveRequest, OrganizationConfig,
    OrganizationRelationship, OrganizationRelationshipDomain, ProxyAddress, RecipientCapability,
};
use crate::raw::{RawExport, Side};

const MAILBOXES: &str = "exchange/Get-Mailbox";
const MAIL_USERS: &str = "exchange/Get-MailUser";
const ORG_RELATIONSHIPS: &str = "exchange/Get-OrganizationRelationship";
const ACCEPTED_DOMAINS: &str = "exchange/Get-AcceptedDomain";
const MIGRATION_ENDPOINTS: &str = "exchange/Get-MigrationEndpoint";
const GROUP_MEMBERS: &str = "exchange/Get-DistributionGroupMember";
const GROUPS: &str = "exchange/Get-DistributionGroup";
const ORG_CONFIG: &str = "exchange/Get-OrganizationConfig";
const STATISTICS: &str = "exchange/Get-MailboxStatistics";
const FOLDER_STATISTICS: &str = "exchange/Get-MailboxFolderStatistics";
const HOLD_TRACKING: &str = "exchange/Export-MailboxDiagnosticLogs";
const PERMISSIONS: &str = "exchange/Get-MailboxPermission";
const MOVE_REQUESTS: &str = "exchange/Get-MoveRequest";
const MIGRATION_USERS: &str = "exchange/Get-MigrationUser";
const USERS: &str = "exchange/Get-User";
const SERVER_TESTS: &str = "exchange/Test-MigrationServerAvailability";
const ROLE_ASSIGNMENTS: &str = "exchange/Get-ManagementRoleAssignment";
const ROLE_ENTRIES: &str = "exchange/Get-ManagementRoleEntry";

pub const COLLECTIONS: &[CollectionSpec] = &[
    CollectionSpec {
        family: "exchange",
        collection: MAILBOXES,
        tables: &[
            "mailboxes",
            "proxy_addresses",
            "mailbox_holds",
            "recipient_capabilities",
            "mailbox_send_on_behalf",
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
    CollectionSpec {
        family: "exchange",
        collection: GROUPS,
        tables: &["distribution_groups"],
    },
    CollectionSpec {
        family: "exchange",
        collection: ORG_CONFIG,
        tables: &["organization_configs"],
    },
    CollectionSpec {
        family: "exchange",
        collection: STATISTICS,
        tables: &["mailbox_statistics"],
    },
    CollectionSpec {
        family: "exchange",
        collection: FOLDER_STATISTICS,
        tables: &["mailbox_folder_statistics"],
    },
    CollectionSpec {
        family: "exchange",
        collection: HOLD_TRACKING,
        tables: &["mailbox_hold_tracking"],
    },
    CollectionSpec {
        family: "exchange",
        collection: PERMISSIONS,
        tables: &["mailbox_permissions"],
    },
    CollectionSpec {
        family: "exchange",
        collection: MOVE_REQUESTS,
        tables: &["move_requests"],
    },
    CollectionSpec {
        family: "exchange",
        collection: MIGRATION_USERS,
        tables: &["migration_users"],
    },
    CollectionSpec {
        family: "exchange",
        collection: USERS,
        tables: &["exchange_users"],
    },
    CollectionSpec {
        family: "exchange",
        collection: SERVER_TESTS,
        tables: &["migration_server_tests"],
    },
    CollectionSpec {
        family: "exchange",
        collection: ROLE_ASSIGNMENTS,
        tables: &["management_role_assignments"],
    },
    CollectionSpec {
        family: "exchange",
        collection: ROLE_ENTRIES,
        tables: &["management_role_entries"],
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
        "DataEncryptionPolicy",
        "ProhibitSendReceiveQuota",
        "GrantSendOnBehalfTo",
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
        "MaxReceiveSize",
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

const GET_GROUP: Cmdlet = Cmdlet {
    name: "Get-DistributionGroup",
    fields: &[
        "Identity",
        "Name",
        "DisplayName",
        "PrimarySmtpAddress",
        "RecipientTypeDetails",
        "ExternalDirectoryObjectId",
    ],
};

const GET_ORG_CONFIG: Cmdlet = Cmdlet {
    name: "Get-OrganizationConfig",
    fields: &["Name", "Identity", "IsDehydrated"],
};

const GET_STATISTICS: Cmdlet = Cmdlet {
    name: "Get-MailboxStatistics",
    fields: &[
        "MailboxGuid",
        "DisplayName",
        "TotalItemSize",
        "TotalDeletedItemSize",
        "ItemCount",
        "DeletedItemCount",
    ],
};

const GET_FOLDER_STATISTICS: Cmdlet = Cmdlet {
    name: "Get-MailboxFolderStatistics",
    fields: &[
        "Name",
        "FolderPath",
        "FolderType",
        "ItemsInFolder",
        "FolderSize",
    ],
};

const EXPORT_DIAGNOSTIC_LOGS: Cmdlet = Cmdlet {
    name: "Export-MailboxDiagnosticLogs",
    fields: &["MailboxLog"],
};

const GET_PERMISSION: Cmdlet = Cmdlet {
    name: "Get-MailboxPermission",
    fields: &["Identity", "User", "AccessRights", "IsInherited", "Deny"],
};

const GET_MOVE_REQUEST: Cmdlet = Cmdlet {
    name: "Get-MoveRequest",
    fields: &[
        "Identity",
        "DisplayName",
        "ExchangeGuid",
        "Status",
        "BatchName",
    ],
};

const GET_MIGRATION_USER: Cmdlet = Cmdlet {
    name: "Get-MigrationUser",
    fields: &["Identity", "BatchId", "Status", "MailboxGuid"],
};

const GET_USER: Cmdlet = Cmdlet {
    name: "Get-User",
    fields: &[
        "Identity",
        "UserPrincipalName",
        "RecipientTypeDetails",
        "PreviousRecipientTypeDetails",
        "ExternalDirectoryObjectId",
    ],
};

const TEST_SERVER: Cmdlet = Cmdlet {
    name: "Test-MigrationServerAvailability",
    fields: &["Result", "Message", "ErrorDetail"],
};

const GET_ROLE_ASSIGNMENT: Cmdlet = Cmdlet {
    name: "Get-ManagementRoleAssignment",
    fields: &["Role", "RoleAssigneeName", "EffectiveUserName", "Enabled"],
};

const GET_ROLE_ENTRY: Cmdlet = Cmdlet {
    name: "Get-ManagementRoleEntry",
    fields: &["Role", "Name", "Parameters"],
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
            GROUPS => parse_groups(raw, side, inv)?,
            ORG_CONFIG => parse_org_config(raw, side, inv)?,
            STATISTICS => parse_statistics(raw, side, inv)?,
            FOLDER_STATISTICS => parse_folder_statistics(raw, side, inv)?,
            HOLD_TRACKING => parse_hold_tracking(raw, side, inv)?,
            PERMISSIONS => parse_permissions(raw, side, inv)?,
            MOVE_REQUESTS => parse_move_requests(raw, side, inv)?,
            MIGRATION_USERS => parse_migration_users(raw, side, inv)?,
            USERS => parse_users(raw, side, inv)?,
            SERVER_TESTS => parse_server_tests(raw, side, inv)?,
            ROLE_ASSIGNMENTS => parse_role_assignments(raw, side, inv)?,
            ROLE_ENTRIES => parse_role_entries(raw, side, inv)?,
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
        for trustee in item.list("GrantSendOnBehalfTo", split_semicolons)? {
            inv.mailbox_send_on_behalf.push(MailboxSendOnBehalf {
                tenant: tenant.to_string(),
                mailbox_id: id.clone(),
                trustee_lc: trustee.to_lowercase(),
                trustee,
            });
        }
        let (prohibit_send_receive_quota, prohibit_send_receive_quota_bytes) =
            item.size("ProhibitSendReceiveQuota")?;
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
            data_encryption_policy: item.str("DataEncryptionPolicy")?,
            prohibit_send_receive_quota,
            prohibit_send_receive_quota_bytes,
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
        let (recoverable_items_quota, recoverable_items_quota_bytes) =
            item.size("RecoverableItemsQuota")?;
        let (max_receive_size, max_receive_size_bytes) = item.size("MaxReceiveSize")?;
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
            recoverable_items_quota,
            recoverable_items_quota_bytes,
            max_receive_size,
            max_receive_size_bytes,
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

/// Output saved once per object (group, mailbox) because the result objects
/// do not name that object: `{collection}/{child}.json`, `.csv`, or a
/// `{child}/` directory of pages. Output saved without a child name cannot be
/// used and is refused.
struct PerChild {
    collection: &'static str,
    cmdlet: &'static Cmdlet,
    /// What a child is: group, mailbox.
    child: &'static str,
    /// What is saved per child: members, HoldTracking log, ...
    what: &'static str,
    /// Why the name is needed.
    why: &'static str,
}

impl PerChild {
    /// Calls `f(child, item)` on every item of every child; returns the count.
    fn for_each(
        &self,
        raw: &RawExport,
        side: Side,
        mut f: impl FnMut(&str, &Item) -> Result<()>,
    ) -> Result<usize> {
        let dir = raw.side_dir(side).join(self.collection);
        for unnamed in [with_suffix(&dir, ".json"), with_suffix(&dir, ".csv")] {
            if unnamed.is_file() {
                return Err(self.no_child_name(&unnamed));
            }
        }
        if dir.is_dir() {
            if let Some(page) = first_page_file(&dir)? {
                return Err(self.no_child_name(&page));
            }
        }
        let mut count = 0;
        for child in raw.children(side, self.collection)? {
            let collection = format!("{}/{child}", self.collection);
            let path = dir.join(&child);
            // `children` also lists `Child.JSON`; reading looks for `.json` only.
            if !path.is_dir()
                && !with_suffix(&path, ".json").is_file()
                && !with_suffix(&path, ".csv").is_file()
            {
                return Err(Error::input(
                    Location::file(&path),
                    format!(
                        "the {} of {} {child:?} cannot be read: the file extension is not .json or .csv in lower case",
                        self.what, self.child
                    ),
                    format!("rename the file to <{0}>.json or <{0}>.csv", self.child),
                ));
            }
            count += for_each_item(raw, side, &collection, self.cmdlet, |item| f(&child, item))?;
        }
        Ok(count)
    }

    fn no_child_name(&self, path: &std::path::Path) -> Error {
        Error::input(
            Location::file(path),
            format!(
                "{} output is not saved under a {} name, and {}",
                self.cmdlet.name, self.child, self.why
            ),
            format!(
                "save each {0}'s {1} as {2}/<{0}>.json (or .csv, or a <{0}>/ directory of pages)",
                self.child, self.what, self.collection
            ),
        )
    }
}

/// Members are saved per group (`Get-DistributionGroupMember/{group}.json`,
/// `.csv`, or a `{group}/` directory of pages).
fn parse_group_members(raw: &RawExport, side: Side, inv: &mut Inventory) -> Result<usize> {
    let tenant = side.as_str();
    let per = PerChild {
        collection: GROUP_MEMBERS,
        cmdlet: &GET_GROUP_MEMBER,
        child: "group",
        what: "members",
        why: "member objects do not say which group they belong to",
    };
    per.for_each(raw, side, |group, item| {
        inv.distribution_group_members
            .push(DistributionGroupMember {
                tenant: tenant.to_string(),
                group: group.to_lowercase(),
                member_identity: item.str("Identity")?,
                member_smtp_lc: item.str_lc("PrimarySmtpAddress")?,
                member_exchange_guid: item.guid("ExchangeGuid")?,
                member_external_directory_object_id: item.guid("ExternalDirectoryObjectId")?,
                recipient_type: item.enum_name("RecipientType")?,
            });
        Ok(())
    })
}

fn parse_groups(raw: &RawExport, side: Side, inv: &mut Inventory) -> Result<usize> {
    let tenant = side.as_str();
    for_each_item(raw, side, GROUPS, &GET_GROUP, |item| {
        inv.distribution_groups.push(DistributionGroup {
            tenant: tenant.to_string(),
            identity: item.str("Identity")?,
            name: item.str("Name")?,
            display_name: item.str("DisplayName")?,
            primary_smtp_lc: item.str_lc("PrimarySmtpAddress")?,
            recipient_type_details: item.enum_name("RecipientTypeDetails")?,
            external_directory_object_id: item.guid("ExternalDirectoryObjectId")?,
        });
        Ok(())
    })
}

fn parse_org_config(raw: &RawExport, side: Side, inv: &mut Inventory) -> Result<usize> {
    let tenant = side.as_str();
    for_each_item(raw, side, ORG_CONFIG, &GET_ORG_CONFIG, |item| {
        inv.organization_configs.push(OrganizationConfig {
            tenant: tenant.to_string(),
            name: item.str("Name")?.or(item.str("Identity")?),
            is_dehydrated: item.bool("IsDehydrated")?,
        });
        Ok(())
    })
}

fn parse_statistics(raw: &RawExport, side: Side, inv: &mut Inventory) -> Result<usize> {
    let tenant = side.as_str();
    for_each_item(raw, side, STATISTICS, &GET_STATISTICS, |item| {
        let mailbox_guid = item.guid("MailboxGuid")?.ok_or_else(|| {
            item.error(
                "MailboxGuid",
                "the statistics have no MailboxGuid to say which mailbox they describe",
                FIX_UNCHANGED,
            )
        })?;
        let (total_item_size, total_item_size_bytes) = item.size("TotalItemSize")?;
        let (total_deleted_item_size, total_deleted_item_size_bytes) =
            item.size("TotalDeletedItemSize")?;
        inv.mailbox_statistics.push(MailboxStatistic {
            tenant: tenant.to_string(),
            mailbox_guid,
            display_name: item.str("DisplayName")?,
            total_item_size,
            total_item_size_bytes,
            total_deleted_item_size,
            total_deleted_item_size_bytes,
            item_count: item.count_or_unlimited("ItemCount")?,
            deleted_item_count: item.count_or_unlimited("DeletedItemCount")?,
        });
        Ok(())
    })
}

/// Saved per mailbox (the script names the archive by its ArchiveGuid).
fn parse_folder_statistics(raw: &RawExport, side: Side, inv: &mut Inventory) -> Result<usize> {
    let tenant = side.as_str();
    let per = PerChild {
        collection: FOLDER_STATISTICS,
        cmdlet: &GET_FOLDER_STATISTICS,
        child: "mailbox",
        what: "folder statistics",
        why: "folder objects do not reliably say which mailbox or archive they belong to",
    };
    per.for_each(raw, side, |mailbox, item| {
        let name = item
            .str("Name")?
            .ok_or_else(|| item.error("Name", "the folder has no Name", FIX_UNCHANGED))?;
        inv.mailbox_folder_statistics.push(MailboxFolderStatistic {
            tenant: tenant.to_string(),
            mailbox: mailbox.to_lowercase(),
            name,
            folder_path: item.str("FolderPath")?,
            folder_type: item.enum_name("FolderType")?,
            items_in_folder: item.count_or_unlimited("ItemsInFolder")?,
            folder_size_bytes: item.size("FolderSize")?.1,
        });
        Ok(())
    })
}

/// Saved per mailbox; each saved log becomes its hold rows, or one row
/// without a hold when the log tracks none.
fn parse_hold_tracking(raw: &RawExport, side: Side, inv: &mut Inventory) -> Result<usize> {
    let tenant = side.as_str();
    let per = PerChild {
        collection: HOLD_TRACKING,
        cmdlet: &EXPORT_DIAGNOSTIC_LOGS,
        child: "mailbox",
        what: "HoldTracking log",
        why: "the log object does not say which mailbox it belongs to",
    };
    per.for_each(raw, side, |mailbox, item| {
        let log = item.str("MailboxLog")?.unwrap_or_default();
        let holds = hold_tracking_entries(&log);
        let mailbox = mailbox.to_lowercase();
        if holds.is_empty() {
            inv.mailbox_hold_tracking.push(MailboxHoldTracking {
                tenant: tenant.to_string(),
                mailbox,
                hold_id: None,
                hold_type: None,
            });
            return Ok(());
        }
        for (hold_id, hold_type) in holds {
            inv.mailbox_hold_tracking.push(MailboxHoldTracking {
                tenant: tenant.to_string(),
                mailbox: mailbox.clone(),
                hold_id: Some(hold_id),
                hold_type,
            });
        }
        Ok(())
    })
}

/// `(hid, ht)` of every entry of a HoldTracking log. The log is JSON text
/// (`[{"hid":"mbx…:1","ht":4,…},…]`) but is matched the way the validation
/// script matches it, entry by entry in the text, so a log that was cut or
/// re-wrapped on its way to the file still yields its holds.
pub(super) fn hold_tracking_entries(log: &str) -> Vec<(String, Option<i64>)> {
    let mut out = Vec::new();
    for entry in log.split('{').skip(1) {
        let entry = entry.split('}').next().unwrap_or(entry);
        let Some(hid) = json_field(entry, "hid") else {
            continue;
        };
        let hid = hid.trim_matches('"').to_string();
        let ht = json_field(entry, "ht").and_then(|v| v.trim_matches('"').parse().ok());
        out.push((hid, ht));
    }
    out
}

/// The raw value of `"key":` in a flat JSON object's text (a string keeps its quotes).
fn json_field<'a>(entry: &'a str, key: &str) -> Option<&'a str> {
    let pat = format!("\"{key}\"");
    let at = entry.find(&pat)? + pat.len();
    let rest = entry[at..].trim_start().strip_prefix(':')?.trim_start();
    let end = if let Some(stripped) = rest.strip_prefix('"') {
        stripped.find('"').map(|i| i + 2)?
    } else {
        rest.find(',').unwrap_or(rest.len())
    };
    Some(rest[..end].trim())
}

fn parse_permissions(raw: &RawExport, side: Side, inv: &mut Inventory) -> Result<usize> {
    let tenant = side.as_str();
    for_each_item(raw, side, PERMISSIONS, &GET_PERMISSION, |item| {
        let need = |field: &str| -> Result<String> {
            item.str(field)?.ok_or_else(|| {
                item.error(
                    field,
                    format!("the permission entry has no {field}"),
                    FIX_UNCHANGED,
                )
            })
        };
        let mailbox_identity = need("Identity")?;
        let user = need("User")?;
        let rights = item.list("AccessRights", split_flags)?;
        inv.mailbox_permissions.push(MailboxPermission {
            tenant: tenant.to_string(),
            mailbox_identity_lc: mailbox_identity.to_lowercase(),
            mailbox_identity,
            user_lc: user.to_lowercase(),
            user,
            access_rights: (!rights.is_empty()).then(|| rights.join(", ")),
            is_inherited: item.bool("IsInherited")?,
            deny: item.bool("Deny")?,
        });
        Ok(())
    })
}

fn parse_move_requests(raw: &RawExport, side: Side, inv: &mut Inventory) -> Result<usize> {
    let tenant = side.as_str();
    for_each_item(raw, side, MOVE_REQUESTS, &GET_MOVE_REQUEST, |item| {
        inv.move_requests.push(MoveRequest {
            tenant: tenant.to_string(),
            identity: item.str("Identity")?,
            display_name: item.str("DisplayName")?,
            exchange_guid: item.guid("ExchangeGuid")?,
            status: item.enum_name("Status")?,
            batch_name: item.str("BatchName")?,
        });
        Ok(())
    })
}

fn parse_migration_users(raw: &RawExport, side: Side, inv: &mut Inventory) -> Result<usize> {
    let tenant = side.as_str();
    for_each_item(raw, side, MIGRATION_USERS, &GET_MIGRATION_USER, |item| {
        let identity_lc = item.str_lc("Identity")?.ok_or_else(|| {
            item.error(
                "Identity",
                "the migration user has no Identity (e-mail address)",
                FIX_UNCHANGED,
            )
        })?;
        inv.migration_users.push(MigrationUser {
            tenant: tenant.to_string(),
            identity_lc,
            batch_id: item.str("BatchId")?,
            status: item.enum_name("Status")?,
            mailbox_guid: item.guid("MailboxGuid")?,
        });
        Ok(())
    })
}

fn parse_users(raw: &RawExport, side: Side, inv: &mut Inventory) -> Result<usize> {
    let tenant = side.as_str();
    for_each_item(raw, side, USERS, &GET_USER, |item| {
        inv.exchange_users.push(ExchangeUser {
            tenant: tenant.to_string(),
            identity: item.str("Identity")?,
            upn_lc: item.str_lc("UserPrincipalName")?,
            recipient_type_details: item.enum_name("RecipientTypeDetails")?,
            previous_recipient_type_details: item.enum_name("PreviousRecipientTypeDetails")?,
            external_directory_object_id: item.guid("ExternalDirectoryObjectId")?,
        });
        Ok(())
    })
}

/// Saved per test mailbox: the result object does not name the mailbox probed.
fn parse_server_tests(raw: &RawExport, side: Side, inv: &mut Inventory) -> Result<usize> {
    let tenant = side.as_str();
    let per = PerChild {
        collection: SERVER_TESTS,
        cmdlet: &TEST_SERVER,
        child: "mailbox",
        what: "availability test result",
        why: "the result object does not say which -TestMailbox it probed",
    };
    per.for_each(raw, side, |mailbox, item| {
        inv.migration_server_tests.push(MigrationServerTest {
            tenant: tenant.to_string(),
            test_mailbox: mailbox.to_lowercase(),
            result: item.enum_name("Result")?,
            message: item.str("Message")?,
            error_detail: item.str("ErrorDetail")?,
        });
        Ok(())
    })
}

fn parse_role_assignments(raw: &RawExport, side: Side, inv: &mut Inventory) -> Result<usize> {
    let tenant = side.as_str();
    for_each_item(raw, side, ROLE_ASSIGNMENTS, &GET_ROLE_ASSIGNMENT, |item| {
        let role = item
            .str("Role")?
            .ok_or_else(|| item.error("Role", "the role assignment has no Role", FIX_UNCHANGED))?;
        inv.management_role_assignments
            .push(ManagementRoleAssignment {
                tenant: tenant.to_string(),
                role,
                role_assignee_name: item.str("RoleAssigneeName")?,
                effective_user_lc: item.str_lc("EffectiveUserName")?,
                enabled: item.bool("Enabled")?,
            });
        Ok(())
    })
}

/// One row per parameter; `Name` is the cmdlet (the entry's Identity is
/// `Role\Cmdlet`).
fn parse_role_entries(raw: &RawExport, side: Side, inv: &mut Inventory) -> Result<usize> {
    let tenant = side.as_str();
    for_each_item(raw, side, ROLE_ENTRIES, &GET_ROLE_ENTRY, |item| {
        let need = |field: &str| -> Result<String> {
            item.str(field)?.ok_or_else(|| {
                item.error(
                    field,
                    format!("the role entry has no {field}"),
                    FIX_UNCHANGED,
                )
            })
        };
        let role = need("Role")?;
        let cmdlet = need("Name")?;
        for parameter in item.list("Parameters", split_words)? {
            inv.management_role_entries.push(ManagementRoleEntry {
                tenant: tenant.to_string(),
                role: role.clone(),
                cmdlet: cmdlet.clone(),
                parameter,
            });
        }
        Ok(())
    })
}

/// A `page-*.json` directly under a per-child collection, where a child's
/// name should have been.
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
