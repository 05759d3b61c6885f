//! The Microsoft Graph requests of live collection (docs/raw-export.md,
//! `graph/`), and the choice of parents for the two per-parent collections.
//!
//! - `graph/group-members/{groupId}`: a tenant with up to
//!   [`ALL_GROUPS_UP_TO`] groups has every group's members fetched (cheap,
//!   and every rule that follows a membership — RBAC through groups, PP-016's
//!   directory roles through groups, cross-tenant access targets, the
//!   Exchange scope group — finds it). A larger tenant gets only the groups
//!   the rules can reach: principals of ARM role and deny assignments and of
//!   directory role assignments, groups named in cross-tenant access
//!   policies, and the scope group of `[exchange] scope_group` (by id, mail
//!   or display name).
//! - `graph/app-role-assignments`: `appRoleAssignedTo` of the resource
//!   service principals whose app roles the rules check: Office 365 Exchange
//!   Online and Microsoft Graph ([`RESOURCE_APPS`]).

use crate::collect::live::spec::{Base, Fanout, Parent, Spec};

/// Above this many groups, only referenced groups have their members fetched.
pub const ALL_GROUPS_UP_TO: usize = 1000;

/// App ids of the resource applications whose assignments are read.
pub const RESOURCE_APPS: &[&str] = &[
    "00000002-0000-0ff1-ce00-000000000000",
    "00000003-0000-0000-c000-000000000000",
];

pub const GROUPS: &str = "graph/groups";
pub const SERVICE_PRINCIPALS: &str = "graph/service-principals";
pub const GROUP_MEMBERS: &str = "graph/group-members";

pub const LISTS: &[Spec] = &[
    Spec::graph("graph/organization", "/organization", ""),
    Spec::graph(
        "graph/users",
        "/users",
        "$select=id,userPrincipalName,displayName,mail,userType,externalUserState,accountEnabled,assignedLicenses,createdDateTime,identities,otherMails,onPremisesSyncEnabled&$top=999",
    ),
    Spec::graph(
        GROUPS,
        "/groups",
        "$select=id,displayName,mail,securityEnabled,mailEnabled&$top=999",
    ),
    Spec::graph(
        "graph/applications",
        "/applications",
        "$select=id,appId,displayName,signInAudience,web,requiredResourceAccess,passwordCredentials,keyCredentials&$top=999",
    ),
    Spec::graph(
        SERVICE_PRINCIPALS,
        "/servicePrincipals",
        "$select=id,appId,displayName,appOwnerOrganizationId,accountEnabled,servicePrincipalType,appRoles&$top=999",
    ),
    Spec::graph(
        "graph/cross-tenant-access-default",
        "/policies/crossTenantAccessPolicy/default",
        "",
    )
    .single(),
    Spec::graph(
        "graph/cross-tenant-access-partners",
        "/policies/crossTenantAccessPolicy/partners",
        "",
    ),
    Spec::graph(
        "graph/directory-role-assignments",
        "/roleManagement/directory/roleAssignments",
        "$select=id,principalId,roleDefinitionId,directoryScopeId",
    ),
    Spec::graph(
        "graph/subscribed-skus",
        "/subscribedSkus",
        "$select=skuId,skuPartNumber,capabilityStatus,prepaidUnits,consumedUnits,servicePlans",
    ),
    Spec::graph(
        "graph/cross-tenant-migration-jobs",
        "/solutions/migrations/crossTenantMigrationJobs",
        "",
    ),
    Spec {
        collection: "graph/openid-configuration",
        base: Base::Login,
        path: "/{tenant}/v2.0/.well-known/openid-configuration",
        query: "",
        fanout: Fanout::Tenant,
        consistency: false,
        single_object: true,
    },
];

/// Per-parent Graph collections (after [`LISTS`]).
pub const PER_PARENT: &[Spec] = &[
    Spec::graph(
        "graph/group-members",
        "/groups/{parent}/members",
        "$select=id&$top=999",
    )
    .fanout(Fanout::Parent(Parent::Group)),
    Spec::graph(
        "graph/app-role-assignments",
        "/servicePrincipals/{parent}/appRoleAssignedTo",
        "$top=999",
    )
    .fanout(Fanout::Parent(Parent::ResourceSp)),
];
