//! Saved Microsoft Graph responses → directory tables (tenants, users, groups,
//! applications, service principals, app role assignments).
//!
//! Graph pages are `{"@odata.context"?, "@odata.count"?, "@odata.nextLink"?,
//! "value": [...]}`; only `value` is read, so the informational annotations
//! (a `beta` context on a v1.0 call, a count on page 1 only) never matter.
//! Properties that were not `$select`ed are absent and selected-but-unset ones
//! are null: both read as "unknown". Mail and UPN values are kept as sent
//! (the docs' own examples carry a stray quote), never validated.

use crate::collect::{CollectionOutcome, CollectionSpec, Status};
use crate::error::{Error, Location, Result};
use crate::inventory::{
    AppRoleAssignment, Application, ApplicationCredential, ApplicationRedirectUri,
    ApplicationRequiredAccess, CrossTenantAccessPolicy, CrossTenantAccessTarget,
    CrossTenantMigrationJob, Group, GroupMember, Inventory, OpenIdConfiguration, ServicePrincipal,
    ServicePrincipalAppRole, SubscribedSku, SubscribedSkuPlan, Tenant, TenantDomain, User,
    UserLicense,
};
use crate::normalize::{arr_at, bool_at, canonical_datetime, i64_at, is_guid, str_at, strings_at};
use crate::raw::{items, Envelope, RawExport, RawItem, Side};
use serde_json::Value;

const ORGANIZATION: CollectionSpec = CollectionSpec {
    family: "graph",
    collection: "graph/organization",
    tables: &["tenants", "tenant_domains"],
};
const USERS: CollectionSpec = CollectionSpec {
    family: "graph",
    collection: "graph/users",
    tables: &["users", "user_licenses"],
};
const GROUPS: CollectionSpec = CollectionSpec {
    family: "graph",
    collection: "graph/groups",
    tables: &["groups"],
};
/// One sub-directory (or `{groupId}.json`) per group: member objects do not
/// carry the group id, so the directory name supplies it.
const GROUP_MEMBERS: CollectionSpec = CollectionSpec {
    family: "graph",
    collection: "graph/group-members",
    tables: &["group_members"],
};
const APPLICATIONS: CollectionSpec = CollectionSpec {
    family: "graph",
    collection: "graph/applications",
    tables: &[
        "applications",
        "application_redirect_uris",
        "application_required_access",
        "application_credentials",
    ],
};
const SERVICE_PRINCIPALS: CollectionSpec = CollectionSpec {
    family: "graph",
    collection: "graph/service-principals",
    tables: &["service_principals", "service_principal_app_roles"],
};
const APP_ROLE_ASSIGNMENTS: CollectionSpec = CollectionSpec {
    family: "graph",
    collection: "graph/app-role-assignments",
    tables: &["app_role_assignments"],
};

/// `GET /v1.0/policies/crossTenantAccessPolicy/default`: one object.
const XTAP_DEFAULT: CollectionSpec = CollectionSpec {
    family: "graph",
    collection: "graph/cross-tenant-access-default",
    tables: &[
        "cross_tenant_access_policies",
        "cross_tenant_access_targets",
    ],
};
const XTAP_PARTNERS: CollectionSpec = CollectionSpec {
    family: "graph",
    collection: "graph/cross-tenant-access-partners",
    tables: &[
        "cross_tenant_access_policies",
        "cross_tenant_access_targets",
    ],
};

/// Active directory role assignments (PIM-eligible ones are a different list).
const DIRECTORY_ROLE_ASSIGNMENTS: CollectionSpec = CollectionSpec {
    family: "graph",
    collection: "graph/directory-role-assignments",
    tables: &["directory_role_assignments"],
};

const SUBSCRIBED_SKUS: CollectionSpec = CollectionSpec {
    family: "graph",
    collection: "graph/subscribed-skus",
    tables: &["subscribed_skus", "subscribed_sku_plans"],
};
/// Not a Graph call but the sign-in service's public metadata; kept with the
/// directory data because it describes the tenant.
const OPENID_CONFIGURATION: CollectionSpec = CollectionSpec {
    family: "graph",
    collection: "graph/openid-configuration",
    tables: &["openid_configurations"],
};

const MIGRATION_JOBS: CollectionSpec = CollectionSpec {
    family: "graph",
    collection: "graph/cross-tenant-migration-jobs",
    tables: &["cross_tenant_migration_jobs"],
};

pub const COLLECTIONS: &[CollectionSpec] = &[
    ORGANIZATION,
    USERS,
    GROUPS,
    GROUP_MEMBERS,
    APPLICATIONS,
    SERVICE_PRINCIPALS,
    APP_ROLE_ASSIGNMENTS,
    XTAP_DEFAULT,
    XTAP_PARTNERS,
    DIRECTORY_ROLE_ASSIGNMENTS,
    SUBSCRIBED_SKUS,
    OPENID_CONFIGURATION,
    MIGRATION_JOBS,
];

pub fn parse(raw: &RawExport, side: Side, inv: &mut Inventory) -> Result<Vec<CollectionOutcome>> {
    let n = parse_organization(raw, side, inv)?;
    let mut out = vec![ORGANIZATION.outcome(raw, side, n)?];
    let n = parse_users(raw, side, inv)?;
    out.push(USERS.outcome(raw, side, n)?);
    let n = parse_groups(raw, side, inv)?;
    out.push(GROUPS.outcome(raw, side, n)?);
    out.push(parse_group_members(raw, side, inv)?);
    let n = parse_applications(raw, side, inv)?;
    out.push(APPLICATIONS.outcome(raw, side, n)?);
    let n = parse_service_principals(raw, side, inv)?;
    out.push(SERVICE_PRINCIPALS.outcome(raw, side, n)?);
    let n = parse_app_role_assignments(raw, side, inv)?;
    out.push(APP_ROLE_ASSIGNMENTS.outcome(raw, side, n)?);
    for (spec, env) in [
        (&XTAP_DEFAULT, Envelope::Object),
        (&XTAP_PARTNERS, Envelope::Value),
    ] {
        let n = parse_cross_tenant_access(raw, side, inv, spec, env)?;
        out.push(spec.outcome(raw, side, n)?);
    }
    let n = parse_directory_role_assignments(raw, side, inv)?;
    out.push(DIRECTORY_ROLE_ASSIGNMENTS.outcome(raw, side, n)?);
    let n = parse_subscribed_skus(raw, side, inv)?;
    out.push(SUBSCRIBED_SKUS.outcome(raw, side, n)?);
    let n = parse_openid_configuration(raw, side, inv)?;
    out.push(OPENID_CONFIGURATION.outcome(raw, side, n)?);
    let n = parse_migration_jobs(raw, side, inv)?;
    out.push(MIGRATION_JOBS.outcome(raw, side, n)?);
    Ok(out)
}

/// The default configuration and the partner entries share one shape; a
/// partner's null setting means "inherit the default" and stays null here.
fn parse_cross_tenant_access(
    raw: &RawExport,
    side: Side,
    inv: &mut Inventory,
    spec: &CollectionSpec,
    env: Envelope,
) -> Result<usize> {
    let pages = raw.pages(side, spec.collection)?;
    let list = items(&pages, env)?;
    let is_default = env == Envelope::Object;
    for item in &list {
        let partner_tenant_id = if is_default {
            None
        } else {
            Some(object_id(&required(item, "tenantId", spec)?))
        };
        let access = |dir: &str, kind: &str| {
            str_at(
                item.value,
                &format!("b2bCollaboration{dir}.{kind}.accessType"),
            )
            .map(|a| a.to_lowercase())
        };
        for (dir, direction) in [("Inbound", "inbound"), ("Outbound", "outbound")] {
            for kind in ["usersAndGroups", "applications"] {
                let path = format!("b2bCollaboration{dir}.{kind}.targets");
                for t in arr_at(item.value, &path) {
                    let Some(target) = str_at(t, "target") else {
                        continue;
                    };
                    let target = if is_guid(&target) {
                        object_id(&target)
                    } else {
                        target
                    };
                    inv.cross_tenant_access_targets
                        .push(CrossTenantAccessTarget {
                            tenant: side.as_str().to_string(),
                            partner_tenant_id: partner_tenant_id.clone(),
                            direction: direction.into(),
                            kind: kind.into(),
                            access_type: access(dir, kind),
                            target,
                            target_type: str_at(t, "targetType"),
                        });
                }
            }
        }
        inv.cross_tenant_access_policies
            .push(CrossTenantAccessPolicy {
                tenant: side.as_str().to_string(),
                partner_tenant_id,
                is_default,
                inbound_users_access: access("Inbound", "usersAndGroups"),
                inbound_apps_access: access("Inbound", "applications"),
                outbound_users_access: access("Outbound", "usersAndGroups"),
                outbound_apps_access: access("Outbound", "applications"),
            });
    }
    Ok(list.len())
}

fn parse_organization(raw: &RawExport, side: Side, inv: &mut Inventory) -> Result<usize> {
    let pages = raw.pages(side, ORGANIZATION.collection)?;
    let list = items(&pages, Envelope::Value)?;
    for item in &list {
        let tenant_id = object_id(&required(item, "id", &ORGANIZATION)?);
        let mut initial_domain = None;
        let mut default_domain = None;
        for (i, d) in arr_at(item.value, "verifiedDomains")
            .into_iter()
            .enumerate()
        {
            let domain = str_at(d, "name")
                .map(|s| s.trim().to_lowercase())
                .ok_or_else(|| {
                    missing_nested(
                        item,
                        &format!("verifiedDomains[{i}]"),
                        "name",
                        &ORGANIZATION,
                    )
                })?;
            // The column is not nullable: a flag that is absent reads as false.
            let is_default = bool_at(d, "isDefault").unwrap_or(false);
            let is_initial = bool_at(d, "isInitial").unwrap_or(false);
            if is_default && default_domain.is_none() {
                default_domain = Some(domain.clone());
            }
            if is_initial && initial_domain.is_none() {
                initial_domain = Some(domain.clone());
            }
            inv.tenant_domains.push(TenantDomain {
                tenant: side.as_str().to_string(),
                tenant_id: tenant_id.clone(),
                domain,
                is_default,
                is_initial,
            });
        }
        inv.tenants.push(Tenant {
            tenant: side.as_str().to_string(),
            tenant_id,
            display_name: str_at(item.value, "displayName"),
            initial_domain,
            default_domain,
        });
    }
    Ok(list.len())
}

fn parse_users(raw: &RawExport, side: Side, inv: &mut Inventory) -> Result<usize> {
    let mut n = 0;
    raw.for_each_page(side, USERS.collection, |page| {
        let list = items(std::slice::from_ref(page), Envelope::Value)?;
        n += list.len();
        for item in &list {
            let v = item.value;
            let id = object_id(&required(item, "id", &USERS)?);
            let upn = required(item, "userPrincipalName", &USERS)?;
            let mut license_count = 0;
            for (i, lic) in arr_at(v, "assignedLicenses").into_iter().enumerate() {
                let sku = str_at(lic, "skuId").ok_or_else(|| {
                    missing_nested(item, &format!("assignedLicenses[{i}]"), "skuId", &USERS)
                })?;
                inv.user_licenses.push(UserLicense {
                    tenant: side.as_str().to_string(),
                    user_id: id.clone(),
                    sku_id: object_id(&sku),
                });
                license_count += 1;
            }
            let mail = str_at(v, "mail");
            let user_type = str_at(v, "userType");
            let home_identity_lc = if is_external(&upn, user_type.as_deref()) {
                home_identity(&upn, mail.as_deref(), &strings_at(v, "otherMails", &[]))
            } else {
                None
            };
            inv.users.push(User {
                tenant: side.as_str().to_string(),
                id,
                upn_lc: upn.to_lowercase(),
                upn,
                display_name: str_at(v, "displayName"),
                mail_lc: mail.as_ref().map(|m| m.to_lowercase()),
                mail,
                user_type,
                external_user_state: str_at(v, "externalUserState"),
                account_enabled: bool_at(v, "accountEnabled"),
                license_count,
                created: str_at(v, "createdDateTime").and_then(|s| canonical_datetime(&s)),
                home_identity_lc,
                on_premises_sync: bool_at(v, "onPremisesSyncEnabled"),
            });
        }
        Ok(())
    })?;
    Ok(n)
}

/// Guests, and B2B members invited from another tenant: both stand for an
/// identity at home elsewhere. `userType` may not have been selected, so the
/// `#EXT#` marker in the UPN counts too.
fn is_external(upn: &str, user_type: Option<&str>) -> bool {
    user_type.is_some_and(|t| t.eq_ignore_ascii_case("guest")) || ext_marker(upn).is_some()
}

fn ext_marker(upn: &str) -> Option<usize> {
    upn.to_ascii_uppercase().find("#EXT#")
}

/// The home identity a guest account stands for, lower-case: decoded from the
/// `alias_homedomain.com#EXT#@tenant.onmicrosoft.com` UPN when possible (the
/// last `_` separates local part and domain, since local parts may contain
/// `_` and domain names may not), else `mail`, else the first of `otherMails`.
pub fn home_identity(upn: &str, mail: Option<&str>, other_mails: &[String]) -> Option<String> {
    let from_upn = ext_marker(upn).and_then(|end| {
        let encoded = &upn[..end];
        let cut = encoded.rfind('_')?;
        let (local, domain) = (&encoded[..cut], &encoded[cut + 1..]);
        (!local.is_empty() && !domain.is_empty()).then(|| format!("{local}@{domain}"))
    });
    from_upn
        .or_else(|| mail.map(str::to_string))
        .or_else(|| other_mails.first().cloned())
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty())
}

fn parse_groups(raw: &RawExport, side: Side, inv: &mut Inventory) -> Result<usize> {
    let pages = raw.pages(side, GROUPS.collection)?;
    let list = items(&pages, Envelope::Value)?;
    for item in &list {
        let v = item.value;
        let mail = str_at(v, "mail");
        inv.groups.push(Group {
            tenant: side.as_str().to_string(),
            id: object_id(&required(item, "id", &GROUPS)?),
            display_name: str_at(v, "displayName"),
            mail_lc: mail.as_ref().map(|m| m.to_lowercase()),
            mail,
            security_enabled: bool_at(v, "securityEnabled"),
            mail_enabled: bool_at(v, "mailEnabled"),
        });
    }
    Ok(list.len())
}

fn parse_group_members(
    raw: &RawExport,
    side: Side,
    inv: &mut Inventory,
) -> Result<CollectionOutcome> {
    let groups = raw.children(side, GROUP_MEMBERS.collection)?;
    let mut count = 0;
    let mut child_statuses = Vec::new();
    for group in &groups {
        let collection = format!("{}/{group}", GROUP_MEMBERS.collection);
        let pages = raw.pages(side, &collection)?;
        for item in items(&pages, Envelope::Value)? {
            inv.group_members.push(GroupMember {
                tenant: side.as_str().to_string(),
                group_id: object_id(group),
                member_id: object_id(&required(&item, "id", &GROUP_MEMBERS)?),
                member_type: member_type(item.value),
            });
            count += 1;
        }
        if let Some(s) = raw.status(side, &collection)? {
            child_statuses.push((group.clone(), s));
        }
    }
    let mut outcome = GROUP_MEMBERS.outcome(raw, side, count)?;
    // A collector that gave up on one group says so in that group's directory;
    // the whole collection is then only as good as its worst group.
    for (group, s) in child_statuses {
        let status = Status::parse(&s.status).unwrap_or(Status::Failed);
        if status > outcome.status && outcome.status != Status::NotCollected {
            outcome.status = status;
        }
        if status != Status::Complete {
            let msg = format!("group {group}: {}", s.error.as_deref().unwrap_or(&s.status));
            outcome.error = Some(match outcome.error.take() {
                Some(prev) => format!("{prev}; {msg}"),
                None => msg,
            });
        }
    }
    Ok(outcome)
}

/// `#microsoft.graph.user` → `user`. Read with a plain key lookup: the dotted
/// path helpers would split `@odata.type` at its dot.
fn member_type(v: &Value) -> Option<String> {
    let t = v.get("@odata.type")?.as_str()?.trim();
    let t = t.strip_prefix('#').unwrap_or(t);
    let t = t.strip_prefix("microsoft.graph.").unwrap_or(t);
    (!t.is_empty()).then(|| t.to_string())
}

fn parse_applications(raw: &RawExport, side: Side, inv: &mut Inventory) -> Result<usize> {
    let pages = raw.pages(side, APPLICATIONS.collection)?;
    let list = items(&pages, Envelope::Value)?;
    let tenant = side.as_str();
    for item in &list {
        let v = item.value;
        let id = object_id(&required(item, "id", &APPLICATIONS)?);
        let app_id = object_id(&required(item, "appId", &APPLICATIONS)?);
        for uri in strings_at(v, "web.redirectUris", &[]) {
            inv.application_redirect_uris.push(ApplicationRedirectUri {
                tenant: tenant.to_string(),
                app_id: app_id.clone(),
                uri_lc: uri.to_lowercase(),
                uri,
            });
        }
        required_access(item, tenant, &app_id, inv)?;
        credentials(item, tenant, &app_id, inv)?;
        inv.applications.push(Application {
            tenant: tenant.to_string(),
            id,
            app_id,
            display_name: str_at(v, "displayName"),
            sign_in_audience: str_at(v, "signInAudience"),
        });
    }
    Ok(list.len())
}

fn required_access(item: &RawItem, tenant: &str, app_id: &str, inv: &mut Inventory) -> Result<()> {
    for (i, rra) in arr_at(item.value, "requiredResourceAccess")
        .into_iter()
        .enumerate()
    {
        let at = format!("requiredResourceAccess[{i}]");
        let resource_app_id = str_at(rra, "resourceAppId")
            .ok_or_else(|| missing_nested(item, &at, "resourceAppId", &APPLICATIONS))?;
        for (j, ra) in arr_at(rra, "resourceAccess").into_iter().enumerate() {
            let at = format!("{at}.resourceAccess[{j}]");
            let field =
                |f: &str| str_at(ra, f).ok_or_else(|| missing_nested(item, &at, f, &APPLICATIONS));
            inv.application_required_access
                .push(ApplicationRequiredAccess {
                    tenant: tenant.to_string(),
                    app_id: app_id.to_string(),
                    resource_app_id: object_id(&resource_app_id),
                    permission_id: object_id(&field("id")?),
                    permission_type: field("type")?,
                });
        }
    }
    Ok(())
}

fn credentials(item: &RawItem, tenant: &str, app_id: &str, inv: &mut Inventory) -> Result<()> {
    for (field, kind) in [
        ("passwordCredentials", "password"),
        ("keyCredentials", "certificate"),
    ] {
        for (i, c) in arr_at(item.value, field).into_iter().enumerate() {
            let key_id = str_at(c, "keyId").ok_or_else(|| {
                missing_nested(item, &format!("{field}[{i}]"), "keyId", &APPLICATIONS)
            })?;
            let date = |f: &str| str_at(c, f).and_then(|s| canonical_datetime(&s));
            inv.application_credentials.push(ApplicationCredential {
                tenant: tenant.to_string(),
                app_id: app_id.to_string(),
                key_id: object_id(&key_id),
                kind: kind.to_string(),
                display_name: str_at(c, "displayName"),
                start: date("startDateTime"),
                end: date("endDateTime"),
            });
        }
    }
    Ok(())
}

fn parse_service_principals(raw: &RawExport, side: Side, inv: &mut Inventory) -> Result<usize> {
    let pages = raw.pages(side, SERVICE_PRINCIPALS.collection)?;
    let list = items(&pages, Envelope::Value)?;
    let tenant = side.as_str();
    for item in &list {
        let v = item.value;
        let id = object_id(&required(item, "id", &SERVICE_PRINCIPALS)?);
        let app_id = object_id(&required(item, "appId", &SERVICE_PRINCIPALS)?);
        for (i, role) in arr_at(v, "appRoles").into_iter().enumerate() {
            let role_id = str_at(role, "id").ok_or_else(|| {
                missing_nested(item, &format!("appRoles[{i}]"), "id", &SERVICE_PRINCIPALS)
            })?;
            inv.service_principal_app_roles
                .push(ServicePrincipalAppRole {
                    tenant: tenant.to_string(),
                    service_principal_id: id.clone(),
                    app_id: app_id.clone(),
                    role_id: object_id(&role_id),
                    value: str_at(role, "value"),
                });
        }
        inv.service_principals.push(ServicePrincipal {
            tenant: tenant.to_string(),
            id,
            app_id,
            display_name: str_at(v, "displayName"),
            app_owner_tenant_id: str_at(v, "appOwnerOrganizationId").map(|s| object_id(&s)),
            account_enabled: bool_at(v, "accountEnabled"),
            service_principal_type: str_at(v, "servicePrincipalType"),
        });
    }
    Ok(list.len())
}

fn parse_app_role_assignments(raw: &RawExport, side: Side, inv: &mut Inventory) -> Result<usize> {
    let pages = raw.pages(side, APP_ROLE_ASSIGNMENTS.collection)?;
    let list = items(&pages, Envelope::Value)?;
    for item in &list {
        let field = |f: &str| required(item, f, &APP_ROLE_ASSIGNMENTS);
        inv.app_role_assignments.push(AppRoleAssignment {
            tenant: side.as_str().to_string(),
            // Opaque base64url: case is significant, so kept exactly as sent.
            id: field("id")?.trim().to_string(),
            principal_id: object_id(&field("principalId")?),
            principal_type: str_at(item.value, "principalType"),
            resource_id: object_id(&field("resourceId")?),
            // The zero GUID is "default access", a real grant: kept, not nulled.
            app_role_id: object_id(&field("appRoleId")?),
        });
    }
    Ok(list.len())
}

fn parse_directory_role_assignments(
    raw: &RawExport,
    side: Side,
    inv: &mut Inventory,
) -> Result<usize> {
    let pages = raw.pages(side, DIRECTORY_ROLE_ASSIGNMENTS.collection)?;
    let list = items(&pages, Envelope::Value)?;
    for item in &list {
        let field = |f: &str| required(item, f, &DIRECTORY_ROLE_ASSIGNMENTS);
        inv.directory_role_assignments
            .push(crate::inventory::DirectoryRoleAssignment {
                tenant: side.as_str().to_string(),
                // Opaque (base64url-like): kept exactly as sent.
                id: field("id")?.trim().to_string(),
                principal_id: object_id(&field("principalId")?),
                // Built-in roles are assigned by their template id.
                role_definition_id: object_id(&field("roleDefinitionId")?).to_ascii_lowercase(),
                directory_scope_id: str_at(item.value, "directoryScopeId"),
            });
    }
    Ok(list.len())
}

/// Object ids and GUID-valued references: lower-case hyphenated when they are
/// GUIDs (the zero GUID included), else kept as sent, since Graph ids are not
/// always GUIDs (the members example has `"id": "id-value"`).
fn object_id(s: &str) -> String {
    let t = s.trim();
    let bare = t.trim_start_matches('{').trim_end_matches('}');
    if is_guid(bare) {
        bare.to_ascii_lowercase()
    } else {
        t.to_string()
    }
}

fn required(item: &RawItem, field: &str, spec: &CollectionSpec) -> Result<String> {
    str_at(item.value, field).ok_or_else(|| missing(item, "", field, spec))
}

fn missing_nested(item: &RawItem, at: &str, field: &str, spec: &CollectionSpec) -> Error {
    missing(item, &format!(".{at}"), field, spec)
}

/// An object that cannot be keyed or is missing a property xtenant requests
/// is an input problem: the request's `$select` was different from the
/// documented one (Graph leaves unselected properties out, and returns `{}`
/// when nothing selected is set).
fn missing(item: &RawItem, at: &str, field: &str, spec: &CollectionSpec) -> Error {
    let what = if at.is_empty() && item.value.as_object().is_some_and(|o| o.is_empty()) {
        format!(
            "value[{}] is an empty object {{}}: it has no \"{field}\"",
            item.index
        )
    } else {
        format!("value[{}]{at} has no \"{field}\"", item.index)
    };
    Error::input(
        Location::file(item.path),
        format!("{what} ({})", spec.collection),
        format!(
            "request the property with $select: save the response of the {} request exactly as listed in docs/raw-export.md",
            spec.collection
        ),
    )
}

fn parse_subscribed_skus(raw: &RawExport, side: Side, inv: &mut Inventory) -> Result<usize> {
    let pages = raw.pages(side, SUBSCRIBED_SKUS.collection)?;
    let list = items(&pages, Envelope::Value)?;
    let tenant = side.as_str();
    for item in &list {
        let v = item.value;
        let sku_id = object_id(&required(item, "skuId", &SUBSCRIBED_SKUS)?);
        for (i, plan) in arr_at(v, "servicePlans").into_iter().enumerate() {
            let plan_id = str_at(plan, "servicePlanId").ok_or_else(|| {
                missing_nested(
                    item,
                    &format!("servicePlans[{i}]"),
                    "servicePlanId",
                    &SUBSCRIBED_SKUS,
                )
            })?;
            inv.subscribed_sku_plans.push(SubscribedSkuPlan {
                tenant: tenant.to_string(),
                sku_id: sku_id.clone(),
                service_plan_id: object_id(&plan_id),
                service_plan_name: str_at(plan, "servicePlanName"),
            });
        }
        inv.subscribed_skus.push(SubscribedSku {
            tenant: tenant.to_string(),
            sku_id,
            sku_part_number: str_at(v, "skuPartNumber"),
            capability_status: str_at(v, "capabilityStatus"),
            enabled_units: i64_at(v, "prepaidUnits.enabled"),
            consumed_units: i64_at(v, "consumedUnits"),
        });
    }
    Ok(list.len())
}

/// The metadata document is one object per page, not a `value` list. The
/// tenant id is the GUID segment of `issuer`
/// (`https://login.microsoftonline.com/{tenantId}/v2.0`).
fn parse_openid_configuration(raw: &RawExport, side: Side, inv: &mut Inventory) -> Result<usize> {
    let pages = raw.pages(side, OPENID_CONFIGURATION.collection)?;
    for page in &pages {
        let v = &page.body;
        if !v.is_object() || v.get("issuer").is_none() {
            return Err(Error::input(
                Location::file(&page.path),
                "expected the OpenID Connect metadata object (with \"issuer\")",
                "save the body of GET https://login.microsoftonline.com/{tenantId}/v2.0/.well-known/openid-configuration unchanged",
            ));
        }
        let tenant_id = str_at(v, "issuer").and_then(|iss| {
            iss.split('/')
                .find(|seg| is_guid(seg))
                .map(|g| g.to_ascii_lowercase())
        });
        inv.openid_configurations.push(OpenIdConfiguration {
            tenant: side.as_str().to_string(),
            tenant_id,
            cloud_instance_name: str_at(v, "cloud_instance_name").map(|s| s.to_lowercase()),
            tenant_region_scope: str_at(v, "tenant_region_scope"),
            tenant_region_sub_scope: str_at(v, "tenant_region_sub_scope"),
            msgraph_host: str_at(v, "msgraph_host"),
        });
    }
    Ok(pages.len())
}

fn parse_migration_jobs(raw: &RawExport, side: Side, inv: &mut Inventory) -> Result<usize> {
    let pages = raw.pages(side, MIGRATION_JOBS.collection)?;
    let list = items(&pages, Envelope::Value)?;
    for item in &list {
        let v = item.value;
        let workloads = strings_at(v, "workloads", &[]);
        inv.cross_tenant_migration_jobs
            .push(CrossTenantMigrationJob {
                tenant: side.as_str().to_string(),
                id: object_id(&required(item, "id", &MIGRATION_JOBS)?),
                display_name: str_at(v, "displayName"),
                status: str_at(v, "status"),
                message: str_at(v, "message"),
                workloads: (!workloads.is_empty()).then(|| workloads.join(", ")),
                source_tenant_id: str_at(v, "sourceTenantId").map(|s| object_id(&s)),
                target_tenant_id: str_at(v, "targetTenantId").map(|s| object_id(&s)),
                last_updated: str_at(v, "lastUpdatedDateTime").and_then(|s| canonical_datetime(&s)),
            });
    }
    Ok(list.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/wire/graph");

    /// A raw export whose source tenant holds fixtures at the given paths.
    fn export(files: &[(&str, &str)]) -> (tempfile::TempDir, RawExport) {
        crate::raw::testing::export(FIXTURES, files)
    }

    fn run(files: &[(&str, &str)]) -> (Inventory, Vec<CollectionOutcome>) {
        let (_dir, raw) = export(files);
        let mut inv = Inventory::default();
        let outcomes = parse(&raw, Side::Source, &mut inv).unwrap();
        (inv, outcomes)
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

    #[test]
    fn organization_gives_tenant_and_lower_case_domains() {
        let (inv, outcomes) = run(&[(
            "organization-list.json",
            "graph/organization/page-0001.json",
        )]);
        let tid = "a1b2c3d4-0000-4e5f-8a9b-0c1d2e3f4a5b";
        assert_eq!(
            inv.tenants,
            vec![Tenant {
                tenant: "source".into(),
                tenant_id: tid.into(),
                display_name: s("Contoso"),
                initial_domain: s("contoso.onmicrosoft.com"),
                default_domain: s("contoso.com"),
            }]
        );
        let domains: Vec<_> = inv
            .tenant_domains
            .iter()
            .map(|d| {
                (
                    d.tenant_id.as_str(),
                    d.domain.as_str(),
                    d.is_default,
                    d.is_initial,
                )
            })
            .collect();
        assert_eq!(
            domains,
            vec![
                (tid, "contoso.com", true, false),
                (tid, "contoso.onmicrosoft.com", false, true),
                // isInitial absent: the non-null column reads it as false.
                (tid, "mail.contoso.com", false, false),
            ]
        );
        let o = outcome(&outcomes, "graph/organization");
        assert_eq!((o.status, o.items), (Status::Complete, 1));
        assert_eq!(o.tables, vec!["tenants", "tenant_domains"]);
    }

    #[test]
    fn users_across_pages_with_guest_quirks() {
        let (inv, outcomes) = run(&[
            ("users-select-page-1.json", "graph/users/page-0001.json"),
            ("users-select-page-2.json", "graph/users/page-0002.json"),
        ]);
        // @odata.count (page 1 only) and @odata.nextLink are ignored.
        assert_eq!(outcome(&outcomes, "graph/users").items, 6);
        let by_id = |id: &str| inv.users.iter().find(|u| u.id == id).unwrap().clone();

        assert_eq!(
            by_id("6ea91a8d-e32e-41a1-b7bd-d2d185eed0e0"),
            User {
                tenant: "source".into(),
                id: "6ea91a8d-e32e-41a1-b7bd-d2d185eed0e0".into(),
                upn: "Adams@contoso.com".into(),
                upn_lc: "adams@contoso.com".into(),
                display_name: s("Conf Room Adams"),
                mail: s("Adams@contoso.com"),
                mail_lc: s("adams@contoso.com"),
                user_type: s("Member"),
                external_user_state: None,
                account_enabled: Some(true),
                license_count: 2,
                created: s("2021-06-17T16:41:33Z"),
                home_identity_lc: None,
                on_premises_sync: Some(true),
            }
        );
        let licences: Vec<_> = inv
            .user_licenses
            .iter()
            .map(|l| (l.user_id.as_str(), l.sku_id.as_str()))
            .collect();
        assert_eq!(
            licences,
            vec![
                (
                    "6ea91a8d-e32e-41a1-b7bd-d2d185eed0e0",
                    "cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46"
                ),
                (
                    "6ea91a8d-e32e-41a1-b7bd-d2d185eed0e0",
                    "946ce899-873d-44bb-9d8b-671870cbfdbf"
                ),
            ]
        );

        // Sloppy mail kept as sent; home identity decoded from the #EXT# UPN.
        let guest = by_id("4562bcc8-c436-4f95-b7c0-4f8ce89dca5e");
        assert_eq!(guest.mail.as_deref(), Some("'contosoadmin1@fabrikam.com"));
        assert_eq!(
            guest.mail_lc.as_deref(),
            Some("'contosoadmin1@fabrikam.com")
        );
        assert_eq!(
            guest.home_identity_lc.as_deref(),
            Some("contosoadmin1@fabrikam.com")
        );
        assert_eq!(guest.external_user_state.as_deref(), Some("Accepted"));
        assert_eq!(guest.created.as_deref(), Some("2020-08-18T12:51:51Z"));
        assert_eq!((guest.license_count, guest.on_premises_sync), (0, None));

        // The last underscore splits local part and domain; mail null.
        let adele = by_id("39807bd1-3dde-48f3-8165-81ddd4e46de0");
        assert_eq!(
            adele.home_identity_lc.as_deref(),
            Some("adele_v@adatum.com")
        );
        assert_eq!((adele.mail, adele.mail_lc), (None, None));

        // No underscore before #EXT#: mail, else otherMails[0].
        let grady = by_id("e8b753b5-4117-464e-9a08-713e1ff266b3");
        assert_eq!(
            grady.home_identity_lc.as_deref(),
            Some("gradya@fabrikam.com")
        );
        assert_eq!(grady.account_enabled, Some(false));
        assert_eq!(grady.created.as_deref(), Some("2023-03-01T06:00:00Z"));
        let debra = by_id("81a133c2-bdf2-4e67-8755-7264366b04ee");
        assert_eq!(
            debra.home_identity_lc.as_deref(),
            Some("debra.berger@northwind.example")
        );

        // Absent (not selected) and empty properties are unknown, not defaults.
        let john = by_id("87d349ed-44d7-43e1-9a83-5f2406dee5bd");
        assert_eq!(
            (
                john.user_type,
                john.account_enabled,
                john.mail,
                john.created
            ),
            (None, None, None, None)
        );
        assert_eq!((john.license_count, john.home_identity_lc), (0, None));
    }

    #[test]
    fn empty_user_objects_are_an_input_error_naming_file_and_index() {
        let (_dir, raw) = export(&[(
            "users-select-empty-objects.json",
            "graph/users/page-0001.json",
        )]);
        let err = parse(&raw, Side::Source, &mut Inventory::default()).unwrap_err();
        let Error::Input(e) = err else {
            panic!("expected an input error, got {err:?}")
        };
        assert!(e
            .location
            .path
            .unwrap()
            .ends_with("graph/users/page-0001.json"));
        assert_eq!(
            e.message,
            "value[0] is an empty object {}: it has no \"id\" (graph/users)"
        );
        assert!(e
            .fix
            .unwrap()
            .starts_with("request the property with $select"));
    }

    #[test]
    fn missing_upn_names_the_property() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("xtenant-raw.json"),
            r#"{"format":"xtenant-raw-export","version":1}"#,
        )
        .unwrap();
        let users = dir.path().join("source/graph/users");
        std::fs::create_dir_all(&users).unwrap();
        std::fs::write(
            users.join("page-0001.json"),
            r#"{"value":[{"id":"e8b753b5-4117-464e-9a08-713e1ff266b3","displayName":"x"}]}"#,
        )
        .unwrap();
        let raw = RawExport::open(dir.path()).unwrap();
        let err = parse(&raw, Side::Source, &mut Inventory::default()).unwrap_err();
        assert!(err
            .to_string()
            .contains("value[0] has no \"userPrincipalName\" (graph/users)"));
    }

    #[test]
    fn groups_keep_mail_and_flags() {
        let (inv, _) = run(&[("groups-select.json", "graph/groups/page-0001.json")]);
        assert_eq!(
            inv.groups,
            vec![
                Group {
                    tenant: "source".into(),
                    id: "02bd9fd6-8f93-4758-87c3-1fb73740a315".into(),
                    display_name: s("HR Taskforce"),
                    mail: s("HRTaskforce@Contoso.com"),
                    mail_lc: s("hrtaskforce@contoso.com"),
                    security_enabled: Some(false),
                    mail_enabled: Some(true),
                },
                Group {
                    tenant: "source".into(),
                    id: "45b7d2e7-b882-4a80-ba97-10b7a63b8fa4".into(),
                    display_name: s("Mailbox Migration Scope"),
                    mail: None,
                    mail_lc: None,
                    security_enabled: Some(true),
                    mail_enabled: Some(false),
                },
            ]
        );
    }

    #[test]
    fn group_members_take_the_group_from_the_directory() {
        let g = "45B7D2E7-B882-4A80-BA97-10B7A63B8FA4";
        let (inv, outcomes) = run(&[(
            "group-members-select.json",
            &format!("graph/group-members/{g}/page-0001.json"),
        )]);
        let rows: Vec<_> = inv
            .group_members
            .iter()
            .map(|m| {
                (
                    m.group_id.as_str(),
                    m.member_id.as_str(),
                    m.member_type.as_deref(),
                )
            })
            .collect();
        let g = "45b7d2e7-b882-4a80-ba97-10b7a63b8fa4";
        assert_eq!(
            rows,
            vec![
                (g, "6ea91a8d-e32e-41a1-b7bd-d2d185eed0e0", Some("user")),
                (g, "c43a7cc9-2d95-44b6-bf6a-6392e41949b4", Some("group")),
                (
                    g,
                    "59e617e5-e447-4adc-8b88-00af644d7c92",
                    Some("servicePrincipal")
                ),
                // The docs' placeholder id, no @odata.type: kept, type unknown.
                (g, "id-value", None),
            ]
        );
        let o = outcome(&outcomes, "graph/group-members");
        assert_eq!(
            (o.status, o.items, o.error.as_deref()),
            (Status::Complete, 4, None)
        );
    }

    #[test]
    fn a_partial_group_makes_the_members_collection_partial() {
        let (dir, _) = export(&[
            (
                "group-members-select.json",
                "graph/group-members/g1/page-0001.json",
            ),
            (
                "group-members-select.json",
                "graph/group-members/g2/page-0001.json",
            ),
        ]);
        std::fs::write(
            dir.path()
                .join("source/graph/group-members/g2/_status.json"),
            r#"{"status":"partial","error":"throttled after 5 retries"}"#,
        )
        .unwrap();
        let raw = RawExport::open(dir.path()).unwrap();
        let mut inv = Inventory::default();
        let outcomes = parse(&raw, Side::Source, &mut inv).unwrap();
        let o = outcome(&outcomes, "graph/group-members");
        assert_eq!(o.status, Status::Partial);
        assert_eq!(o.items, 8);
        assert_eq!(
            o.error.as_deref(),
            Some("group g2: throttled after 5 retries")
        );
    }

    #[test]
    fn applications_with_uris_permissions_and_credentials() {
        let (inv, outcomes) = run(&[(
            "applications-select.json",
            "graph/applications/page-0001.json",
        )]);
        let app = "b1d8c6e0-7a41-4f8b-9c5e-2d3f4a5b6c7d";
        assert_eq!(
            inv.applications,
            vec![
                Application {
                    tenant: "source".into(),
                    id: "03ef14b0-ca33-4840-8f4f-d6e91916010e".into(),
                    app_id: app.into(),
                    display_name: s("Cross-tenant mailbox migration"),
                    sign_in_audience: s("AzureADMultipleOrgs"),
                },
                Application {
                    tenant: "source".into(),
                    id: "a9d3c0f1-5b6e-4c7d-8e9f-0a1b2c3d4e5f".into(),
                    app_id: "00000000-0000-0000-0000-000000000000".into(),
                    display_name: s("My app"),
                    sign_in_audience: s("AzureADandPersonalMicrosoftAccount"),
                },
            ]
        );
        let uris: Vec<_> = inv
            .application_redirect_uris
            .iter()
            .map(|u| (u.app_id.as_str(), u.uri.as_str(), u.uri_lc.as_str()))
            .collect();
        assert_eq!(
            uris,
            vec![
                (app, "https://office.com", "https://office.com"),
                (
                    app,
                    "https://Contoso.example/Auth",
                    "https://contoso.example/auth"
                ),
            ]
        );
        let access: Vec<_> = inv
            .application_required_access
            .iter()
            .map(|a| {
                (
                    a.resource_app_id.as_str(),
                    a.permission_id.as_str(),
                    a.permission_type.as_str(),
                )
            })
            .collect();
        assert_eq!(
            access,
            vec![
                (
                    "00000002-0000-0ff1-ce00-000000000000",
                    "da13d3b4-0e59-44a1-ab15-d1b8e3b6a5c2",
                    "Role"
                ),
                (
                    "00000003-0000-0000-c000-000000000000",
                    "e1fe6dd8-ba31-4d61-89e7-88639da4683d",
                    "Scope"
                ),
            ]
        );
        assert_eq!(
            inv.application_credentials,
            vec![
                ApplicationCredential {
                    tenant: "source".into(),
                    app_id: app.into(),
                    key_id: "7a1b9c8d-2e3f-4a5b-8c6d-0e1f2a3b4c5d".into(),
                    kind: "password".into(),
                    display_name: s("migration secret"),
                    start: s("2025-01-01T00:00:00Z"),
                    end: s("2026-12-31T23:59:59Z"),
                },
                ApplicationCredential {
                    tenant: "source".into(),
                    app_id: app.into(),
                    key_id: "f0e1d2c3-b4a5-4697-8877-665544332211".into(),
                    kind: "certificate".into(),
                    display_name: s("CN=migration"),
                    start: s("2025-06-30T10:00:00Z"),
                    end: s("2027-06-30T10:00:00Z"),
                },
            ]
        );
        assert_eq!(outcome(&outcomes, "graph/applications").items, 2);
    }

    #[test]
    fn service_principals_and_their_app_roles() {
        let (inv, _) = run(&[(
            "serviceprincipals-select.json",
            "graph/service-principals/page-0001.json",
        )]);
        let exo = "59e617e5-e447-4adc-8b88-00af644d7c92";
        assert_eq!(
            inv.service_principals[0],
            ServicePrincipal {
                tenant: "source".into(),
                id: exo.into(),
                app_id: "00000002-0000-0ff1-ce00-000000000000".into(),
                display_name: s("Office 365 Exchange Online"),
                app_owner_tenant_id: s("f8cdef31-a31e-4b4a-93e4-5f571e91255a"),
                account_enabled: Some(true),
                service_principal_type: s("Application"),
            }
        );
        let second = &inv.service_principals[1];
        assert_eq!(
            (
                second.app_owner_tenant_id.as_deref(),
                second.account_enabled
            ),
            (None, None)
        );
        assert_eq!(
            inv.service_principal_app_roles,
            vec![
                ServicePrincipalAppRole {
                    tenant: "source".into(),
                    service_principal_id: exo.into(),
                    app_id: "00000002-0000-0ff1-ce00-000000000000".into(),
                    role_id: "da13d3b4-0e59-44a1-ab15-d1b8e3b6a5c2".into(),
                    value: s("Mailbox.Migration"),
                },
                ServicePrincipalAppRole {
                    tenant: "source".into(),
                    service_principal_id: exo.into(),
                    app_id: "00000002-0000-0ff1-ce00-000000000000".into(),
                    role_id: "a7e7b4c1-1111-4222-8333-944455566677".into(),
                    value: None,
                },
            ]
        );
    }

    #[test]
    fn app_role_assignments_keep_opaque_ids_and_default_access() {
        let (inv, _) = run(&[(
            "approleassignedto-list.json",
            "graph/app-role-assignments/page-0001.json",
        )]);
        assert_eq!(
            inv.app_role_assignments,
            vec![
                AppRoleAssignment {
                    tenant: "source".into(),
                    id: "41W1zT6z1U-kJxf62svfp1HFE8pMZhxDun-ThPczmJE".into(),
                    principal_id: "cdb555e3-b33e-4fd5-a427-17fadacbdfa7".into(),
                    principal_type: s("User"),
                    resource_id: "59e617e5-e447-4adc-8b88-00af644d7c92".into(),
                    app_role_id: "00000000-0000-0000-0000-000000000000".into(),
                },
                AppRoleAssignment {
                    tenant: "source".into(),
                    id: "U1MzgI41r0WvIe4TRFgqTbhTiI6a_BFLmzJZ7h2gZ_0".into(),
                    principal_id: "8e881353-1735-45af-af21-ee1344582a4d".into(),
                    principal_type: s("ServicePrincipal"),
                    resource_id: "59e617e5-e447-4adc-8b88-00af644d7c92".into(),
                    app_role_id: "da13d3b4-0e59-44a1-ab15-d1b8e3b6a5c2".into(),
                },
            ]
        );
    }

    #[test]
    fn directory_role_assignments_keep_the_role_template() {
        let (inv, outcomes) = run(&[(
            "directory-role-assignments-select.json",
            "graph/directory-role-assignments/page-0001.json",
        )]);
        let got: Vec<(&str, &str, &str, Option<&str>)> = inv
            .directory_role_assignments
            .iter()
            .map(|a| {
                (
                    a.id.as_str(),
                    a.principal_id.as_str(),
                    a.role_definition_id.as_str(),
                    a.directory_scope_id.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "lAPpYvVpN0KRkAEhdxReEJC2sEqbR_9Hr48lds9SGHI-1",
                    "4ab6a6e6-0a3f-4e5c-8b6a-6f2a1d5c3b70",
                    "62e90394-69f5-4237-9190-012177145e10",
                    Some("/")
                ),
                (
                    "l4WGEZJsw0ycNrzrusjbcNKrhiYfVVNMuw-fCfqAhOg-1",
                    "9d1e8c7b-6a5f-4e3d-8c2b-1a0f9e8d7c6b",
                    "11648597-926c-4cf3-9c36-bcebb0ba8dcc",
                    Some("/administrativeUnits/5d107bba-d8e2-4e13-b6ae-884be90e5d1a")
                ),
            ]
        );
        let o = outcome(&outcomes, "graph/directory-role-assignments");
        assert_eq!((o.status, o.items), (Status::Complete, 2));
    }

    #[test]
    fn absent_collections_are_not_collected() {
        let (inv, outcomes) = run(&[]);
        assert_eq!(outcomes.len(), COLLECTIONS.len());
        for (o, spec) in outcomes.iter().zip(COLLECTIONS) {
            assert_eq!(o.collection, spec.collection);
            assert_eq!(
                (o.status, o.items),
                (Status::NotCollected, 0),
                "{}",
                o.collection
            );
            assert_eq!(o.family, "graph");
        }
        assert_eq!(inv, Inventory::default());
    }

    #[test]
    fn an_empty_collection_is_complete_not_missing() {
        let (dir, _) = export(&[]);
        let p = dir.path().join("source/graph/groups");
        std::fs::create_dir_all(&p).unwrap();
        std::fs::write(p.join("page-0001.json"), r#"{"value": []}"#).unwrap();
        let raw = RawExport::open(dir.path()).unwrap();
        let outcomes = parse(&raw, Side::Source, &mut Inventory::default()).unwrap();
        let o = outcome(&outcomes, "graph/groups");
        assert_eq!((o.status, o.items), (Status::Complete, 0));
    }

    #[test]
    fn home_identity_fallbacks() {
        let none: [String; 0] = [];
        assert_eq!(
            home_identity("a_b_c.example#EXT#@t.onmicrosoft.com", None, &none).as_deref(),
            Some("a_b@c.example")
        );
        assert_eq!(
            home_identity(
                "_c.example#ext#@t.onmicrosoft.com",
                s("M@X.example").as_deref(),
                &none
            )
            .as_deref(),
            Some("m@x.example")
        );
        assert_eq!(
            home_identity("plain@t.example", None, &["O@Y.example".to_string()]).as_deref(),
            Some("o@y.example")
        );
        assert_eq!(home_identity("plain@t.example", None, &none), None);
    }

    #[test]
    fn cross_tenant_access_default_is_one_object_and_partners_inherit_with_null() {
        let (inv, outcomes) = run(&[
            (
                "crosstenantaccess-default.json",
                "graph/cross-tenant-access-default/page-0001.json",
            ),
            (
                "crosstenantaccess-partners.json",
                "graph/cross-tenant-access-partners/page-0001.json",
            ),
        ]);
        assert_eq!(
            outcome(&outcomes, "graph/cross-tenant-access-default").items,
            1
        );
        let p = &inv.cross_tenant_access_policies;
        assert_eq!(p.len(), 3);
        assert!(p[0].is_default && p[0].partner_tenant_id.is_none());
        assert_eq!(p[0].inbound_users_access, s("allowed"));
        // A null setting stays null: the partner inherits the default.
        assert_eq!(
            p[1].partner_tenant_id,
            s("123f4846-ba00-4fd7-ba43-dac1f8f63013")
        );
        assert_eq!(p[1].inbound_users_access, None);
        // Braced upper-case ids and access types are normalised.
        assert_eq!(
            p[2].partner_tenant_id,
            s("3d0f5dc4-a6e2-4c6a-8e3b-1f2a3b4c5d6e")
        );
        assert_eq!(p[2].inbound_users_access, s("blocked"));
        let blocked: Vec<_> = inv
            .cross_tenant_access_targets
            .iter()
            .filter(|t| t.partner_tenant_id == p[2].partner_tenant_id && t.kind == "usersAndGroups")
            .map(|t| {
                (
                    t.direction.as_str(),
                    t.target.as_str(),
                    t.access_type.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            blocked,
            vec![(
                "inbound",
                "6f1b7a2c-3d4e-4f5a-8b9c-0d1e2f3a4b5c",
                Some("blocked")
            )]
        );
        // Only B2B collaboration is kept, not direct connect.
        assert!(!inv
            .cross_tenant_access_targets
            .iter()
            .any(|t| t.target == "Office365"));
    }

    #[test]
    fn subscribed_skus_and_their_service_plans() {
        let (inv, outcomes) = run(&[(
            "subscribedskus-list.json",
            "graph/subscribed-skus/page-0001.json",
        )]);
        let e3 = "05e9a617-0261-4cee-bb44-138d3ef5d965";
        assert_eq!(
            inv.subscribed_skus,
            vec![
                SubscribedSku {
                    tenant: "source".into(),
                    sku_id: e3.into(),
                    sku_part_number: s("SPE_E3"),
                    capability_status: s("Enabled"),
                    enabled_units: Some(25),
                    consumed_units: Some(14),
                },
                SubscribedSku {
                    tenant: "source".into(),
                    sku_id: "946ce899-873d-44bb-9d8b-671870cbfdbf".into(),
                    sku_part_number: s("Cross_tenant_user_data_migration"),
                    capability_status: s("Warning"),
                    enabled_units: Some(0),
                    consumed_units: Some(3),
                },
            ]
        );
        let plans: Vec<(&str, &str, Option<&str>)> = inv
            .subscribed_sku_plans
            .iter()
            .map(|p| {
                (
                    p.sku_id.as_str(),
                    p.service_plan_id.as_str(),
                    p.service_plan_name.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            plans,
            vec![
                (
                    e3,
                    "efb87545-963c-4e0d-99df-69c6916d9eb0",
                    Some("EXCHANGE_S_ENTERPRISE")
                ),
                (e3, "57ff2da0-773e-42df-b2af-ffb7a2317929", Some("TEAMS1")),
            ]
        );
        let o = outcome(&outcomes, "graph/subscribed-skus");
        assert_eq!((o.status, o.items), (Status::Complete, 2));
    }

    #[test]
    fn openid_configuration_is_one_object_naming_the_cloud() {
        let (inv, outcomes) = run(&[(
            "openid-configuration-usgov.json",
            "graph/openid-configuration.json",
        )]);
        assert_eq!(
            inv.openid_configurations,
            vec![OpenIdConfiguration {
                tenant: "source".into(),
                tenant_id: s("b0c1d2e3-4f5a-4b6c-8d7e-9f0a1b2c3d4e"),
                cloud_instance_name: s("microsoftonline.us"),
                tenant_region_scope: s("USGov"),
                tenant_region_sub_scope: s("DODCON"),
                msgraph_host: s("graph.microsoft.us"),
            }]
        );
        let o = outcome(&outcomes, "graph/openid-configuration");
        assert_eq!((o.status, o.items), (Status::Complete, 1));
        // A Graph-style page is not the metadata document.
        let (dir, raw) = export(&[(
            "groups-select.json",
            "graph/openid-configuration/page-0001.json",
        )]);
        let err = parse(&raw, Side::Source, &mut Inventory::default())
            .unwrap_err()
            .to_string();
        let page = dir
            .path()
            .join("source/graph/openid-configuration/page-0001.json");
        assert_eq!(
            err,
            format!(
                "{}: expected the OpenID Connect metadata object (with \"issuer\")\n  fix: save the body of GET https://login.microsoftonline.com/{{tenantId}}/v2.0/.well-known/openid-configuration unchanged",
                page.display()
            )
        );
    }

    #[test]
    fn cross_tenant_migration_jobs() {
        let (inv, outcomes) = run(&[(
            "crosstenantmigrationjobs-list.json",
            "graph/cross-tenant-migration-jobs/page-0001.json",
        )]);
        assert_eq!(
            inv.cross_tenant_migration_jobs,
            vec![
                CrossTenantMigrationJob {
                    tenant: "source".into(),
                    id: "7c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f".into(),
                    display_name: s("Wave 1 validation"),
                    status: s("validateFailed"),
                    message: s("Validation failed for 1 of 1 users."),
                    workloads: s("exchange, teams"),
                    source_tenant_id: s("a1b2c3d4-0000-4e5f-8a9b-0c1d2e3f4a5b"),
                    target_tenant_id: s("b0c1d2e3-4f5a-4b6c-8d7e-9f0a1b2c3d4e"),
                    last_updated: s("2024-05-02T08:12:31Z"),
                },
                CrossTenantMigrationJob {
                    tenant: "source".into(),
                    id: "8d2f3e4a-5b6c-4d7e-9f8a-0b1c2d3e4f5a".into(),
                    display_name: None,
                    status: s("submitted"),
                    message: None,
                    workloads: None,
                    source_tenant_id: None,
                    target_tenant_id: None,
                    last_updated: s("2024-05-03T08:00:00Z"),
                },
            ]
        );
        let o = outcome(&outcomes, "graph/cross-tenant-migration-jobs");
        assert_eq!((o.status, o.items), (Status::Complete, 2));
    }
}
