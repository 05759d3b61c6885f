//! Derived tables computed in Rust where SQL is the wrong tool: pairing
//! source mailboxes with target mail users (a multi-key, first-match search),
//! resolving each workload's migration identity in both tenants, effective
//! RBAC permissions (wildcards, inheritance, groups, deny assignments), and
//! the list of migratable items. They are computed at assess time from the
//! snapshot and the config, and registered beside the base tables.

pub mod access;
pub mod b2b;
pub mod identities;
pub mod items;
pub mod mailbox_pairs;
pub mod permissions;
pub mod plans;
pub mod registry_access;
pub mod tokens;

use super::table::{Table, TableDef};
use super::Inventory;
use crate::config::Config;
use crate::tables;
use polars::prelude::*;

tables! {
    /// Each source mailbox with the target mail user it pairs with, and the
    /// attributes that must line up. Pairing order: equal ExchangeGuid; target
    /// ExternalEmailAddress equal to one of the source's SMTP addresses; target
    /// X500 equal to the source LegacyExchangeDN; same local part of the
    /// primary SMTP address.
    MailboxPair => "mailbox_pairs", source: "derived from mailboxes, mail_users, proxy_addresses" {
        mailbox_id: String,
        /// Source primary SMTP address (or identity).
        mailbox_name: String,
        source_recipient_type: Option<String>,
        source_exchange_guid: Option<String>,
        source_archive_guid: Option<String>,
        source_legacy_dn_lc: Option<String>,
        source_primary_smtp_lc: Option<String>,
        mail_user_id: Option<String>,
        mail_user_name: Option<String>,
        target_exchange_guid: Option<String>,
        target_archive_guid: Option<String>,
        target_primary_smtp_lc: Option<String>,
        /// Domain of the target primary SMTP address.
        target_primary_domain: Option<String>,
        target_external_lc: Option<String>,
        target_is_dir_synced: Option<bool>,
        /// exchange-guid, external-address, x500, primary-local-part, or none.
        match_method: String,
        /// RecipientTypeDetails of the target mail user (MailUser while it waits for the move).
        target_recipient_type: Option<String>,
        /// Entra object id of the target mail user (ExternalDirectoryObjectId).
        target_object_id: Option<String>,
        /// When no target mail user pairs: a target *mailbox* standing where it
        /// should be (same ExchangeGuid or local part), e.g. one provisioned by
        /// a licence assigned before the mail user was stamped.
        target_mailbox_id: Option<String>,
        target_mailbox_name: Option<String>,
        target_mailbox_type: Option<String>,
    }

    /// The migration identity of each workload, resolved in each tenant.
    MigrationIdentity => "migration_identities", source: "derived from the config, users, service_principals, applications" {
        workload: String,
        /// user or app.
        kind: String,
        /// push or pull.
        mode: String,
        /// source or target: the tenant this row describes.
        tenant: String,
        /// Whether this is the identity's home tenant.
        is_home: bool,
        /// UPN (lower-case) or app id as configured.
        identity: String,
        /// What people call it: the UPN, or the app's display name from
        /// either tenant.
        display_name: String,
        found: bool,
        object_id: Option<String>,
        object_name: Option<String>,
        user_type: Option<String>,
        external_user_state: Option<String>,
        account_enabled: Option<bool>,
        /// For apps: the tenant that owns the application.
        app_owner_tenant_id: Option<String>,
    }

    /// Effective permission of a workload's migration identity for one action
    /// on one object (wildcards, inheritance, group membership and deny
    /// assignments applied).
    PermissionCheck => "permission_checks", source: "derived from role_definitions, role_assignments, deny_assignments, group_members and the config" {
        workload: String,
        tenant: String,
        /// Canonical id of the object the action is needed on.
        object_id: String,
        object_name: String,
        principal_id: Option<String>,
        action: String,
        allowed: bool,
        granted: bool,
        denied: bool,
        /// Role names that grant the action, `; `-joined.
        via_roles: Option<String>,
        /// Deny assignments that block it, `; `-joined.
        denied_by: Option<String>,
        /// A granting assignment carries an ABAC condition.
        conditional: bool,
    }

    /// Which tenant must issue each token of the disk copy (the primary
    /// `Authorization` token for the subscription in the request URL, the
    /// auxiliary one for the linked source disk's subscription), and the
    /// account of the migration identity that signs in there.
    TokenPlan => "token_plan", source: "derived from the config, subscriptions, disks and migration_identities" {
        workload: String,
        /// primary or auxiliary.
        role: String,
        /// source or target: the side whose account gets the token.
        tenant: String,
        subscription_id: String,
        /// The subscription is listed in that side's export.
        subscription_found: bool,
        /// Tenant that owns the subscription (from the export).
        subscription_tenant_id: Option<String>,
        /// Tenant the token is requested from (the side's tenant id).
        token_tenant_id: Option<String>,
        mode: Option<String>,
        /// The identity's object in that tenant (member, guest or service principal).
        account_id: Option<String>,
        /// member, guest or service-principal.
        account_kind: Option<String>,
    }

    /// Whether cross-tenant access settings let each user migration identity
    /// collaborate: inbound in the tenant where it is a guest, outbound in its
    /// home tenant.
    B2bAccess => "b2b_access", source: "derived from cross_tenant_access_policies, cross_tenant_access_targets, group_members and migration_identities" {
        workload: String,
        identity: String,
        /// inbound or outbound.
        direction: String,
        /// The tenant whose setting this is.
        tenant: String,
        partner_tenant_id: Option<String>,
        /// partner (a partner entry decides), default, or none (no settings collected).
        decided_by: String,
        /// allowed or blocked, for users and groups.
        access_type: Option<String>,
        /// Targets of the deciding setting, `; `-joined.
        targets: Option<String>,
        /// Null when no settings were found.
        allowed: Option<bool>,
    }

    /// The target registry of each source registry: from `[acr]` of the config,
    /// resolved against the target tenant's registries (existing) or planned
    /// in `[acr] target_subscription_id` / `target_resource_group`.
    RegistryTarget => "registry_targets", source: "derived from the config ([acr]) and registries" {
        /// Canonical id of the source registry.
        registry_id: String,
        registry_name: String,
        /// Null when the config plans no target for this registry.
        target_name: Option<String>,
        /// Canonical id of the target, existing or planned; null when a planned
        /// target has no subscription and resource group configured.
        target_id: Option<String>,
        /// The target registry exists in the target export.
        target_exists: bool,
        target_subscription_id: Option<String>,
        target_resource_group: Option<String>,
        /// Existing: its region; planned: `[acr] target_region`, else the source's.
        target_location: Option<String>,
        /// Existing: its SKU; planned: `[acr] target_sku`.
        target_sku: Option<String>,
        target_login_server: Option<String>,
    }

    /// Principals with a role assignment at or above each source registry, plus
    /// the ACR migration identity, with whether they can pull (the registry's
    /// permission mode applied: AcrPull-style actions, or the ABAC data action).
    RegistryAccess => "registry_access", source: "derived from registries, role assignments and definitions, service_principals, users, groups" {
        tenant: String,
        registry_id: String,
        registry_name: String,
        principal_id: String,
        /// User, Group, ServicePrincipal, ... as the assignment says.
        principal_type: Option<String>,
        principal_name: Option<String>,
        /// Application or ManagedIdentity, for service principals in the export.
        service_principal_type: Option<String>,
        is_migration_identity: bool,
        /// Allowed to pull (granted, not denied).
        can_pull: bool,
        /// Roles granting pull, `; `-joined.
        pull_via: Option<String>,
        /// The pull grant rests only on conditional (ABAC) assignments.
        conditional: bool,
        /// Roles assigned at the registry itself (not inherited), `; `-joined.
        roles_at_registry: Option<String>,
    }

    /// One row: the gallery sharing plan (`[gallery]` of the config).
    GalleryPlan => "gallery_plan", source: "the config ([gallery], [identities.gallery])" {
        /// Application id of the gallery identity (lower-case).
        app_id: Option<String>,
        target_subscription_id: Option<String>,
        target_resource_group: Option<String>,
        /// Canonical id of the resource group VMs are created in (tenant 2).
        target_rg_id: Option<String>,
        /// cli, powershell, rest, template, portal (lower-case); null when not stated.
        vm_deployment: Option<String>,
    }

    /// The migratable items whose readiness the assessment decides.
    Item => "items", source: "derived from the source tenant's inventory and the user files" {
        workload: String,
        /// disk, registry, image-version, mailbox, environment, mapped-user, subscription.
        kind: String,
        id: String,
        name: String,
    }
}

/// Definitions of every derived table, for `xtenant schema` and rule planning.
pub fn table_defs() -> Vec<TableDef> {
    vec![
        MailboxPair::def(),
        MigrationIdentity::def(),
        PermissionCheck::def(),
        TokenPlan::def(),
        B2bAccess::def(),
        RegistryTarget::def(),
        RegistryAccess::def(),
        GalleryPlan::def(),
        Item::def(),
        RunContext::def(),
    ]
}

tables! {
    /// One row of run facts, so rules never hard-code tenant ids or dates
    /// (polars SQL has no bind variables and no `now()`).
    RunContext => "run_context", source: "the config and the clock at assess time" {
        /// YYYY-MM-DD (UTC) of the assessment.
        run_date: String,
        run_time: String,
        source_tenant_id: Option<String>,
        target_tenant_id: Option<String>,
        source_name: Option<String>,
        target_name: Option<String>,
        /// Canonical region the disks are copied into.
        target_region: Option<String>,
        /// Exchange scope group (MailboxMovePublishedScopes), lower-case.
        scope_group_lc: Option<String>,
        /// Whether a user mapping file is configured.
        user_mapping_configured: bool,
        /// `[disk] target_subscription_id`, lower-case.
        target_subscription_id: Option<String>,
        /// Canonical id of the disk target resource group.
        target_resource_group_id: Option<String>,
    }
}

/// Every derived table as a frame.
pub struct Derived {
    pub frames: Vec<(&'static str, DataFrame)>,
    pub items: Vec<Item>,
}

pub fn compute(
    inv: &Inventory,
    cfg: &Config,
    run_date: &str,
    run_time: &str,
) -> PolarsResult<Derived> {
    // Independent of each other: pairing and the item list run beside the
    // permission evaluation, the slowest of them.
    let ids = identities::compute(inv, cfg);
    let targets = plans::registry_targets(inv, cfg);
    let gallery = plans::gallery_plan(cfg);
    let eval = permissions::Evaluator::new(inv);
    let plans = access::Plans {
        registry_targets: &targets,
        gallery: &gallery,
    };
    let ((pairs, items), (checks, registry_access)) = crate::par::install(|| {
        rayon::join(
            || rayon::join(|| mailbox_pairs::compute(inv), || items::compute(inv)),
            || {
                (
                    access::compute(inv, cfg, &eval, &ids, &plans),
                    registry_access::compute(inv, &eval, &ids),
                )
            },
        )
    });
    let side_tenant = |side: &str| tenant_id(inv, cfg, side);
    let token_plan = tokens::compute(inv, cfg, &ids, side_tenant);
    let b2b = b2b::compute(inv, &ids, side_tenant);
    let ctx = RunContext {
        run_date: run_date.to_string(),
        run_time: run_time.to_string(),
        source_tenant_id: tenant_id(inv, cfg, "source"),
        target_tenant_id: tenant_id(inv, cfg, "target"),
        source_name: cfg.source.name.clone(),
        target_name: cfg.target.name.clone(),
        target_region: cfg
            .disk
            .target_region
            .as_deref()
            .map(crate::normalize::canonical_region),
        scope_group_lc: cfg.exchange.scope_group.as_ref().map(|s| s.to_lowercase()),
        user_mapping_configured: cfg.powerplatform.user_mapping.is_some(),
        target_subscription_id: cfg
            .disk
            .target_subscription_id
            .as_deref()
            .map(|s| s.trim().to_lowercase()),
        target_resource_group_id: access::disk_target_group(cfg).map(|(id, _)| id),
    };
    Ok(Derived {
        frames: vec![
            (MailboxPair::NAME, MailboxPair::to_frame(&pairs)?),
            (MigrationIdentity::NAME, MigrationIdentity::to_frame(&ids)?),
            (PermissionCheck::NAME, PermissionCheck::to_frame(&checks)?),
            (TokenPlan::NAME, TokenPlan::to_frame(&token_plan)?),
            (B2bAccess::NAME, B2bAccess::to_frame(&b2b)?),
            (RegistryTarget::NAME, RegistryTarget::to_frame(&targets)?),
            (
                RegistryAccess::NAME,
                RegistryAccess::to_frame(&registry_access)?,
            ),
            (GalleryPlan::NAME, GalleryPlan::to_frame(&[gallery])?),
            (Item::NAME, Item::to_frame(&items)?),
            (RunContext::NAME, RunContext::to_frame(&[ctx])?),
        ],
        items,
    })
}

/// The config's tenant id, else the one collected from Graph.
fn tenant_id(inv: &Inventory, cfg: &Config, side: &str) -> Option<String> {
    let c = if side == "source" {
        &cfg.source
    } else {
        &cfg.target
    };
    c.tenant_id
        .as_deref()
        .and_then(crate::normalize::canonical_guid)
        .or_else(|| {
            inv.tenants
                .iter()
                .find(|t| t.tenant == side)
                .map(|t| t.tenant_id.clone())
        })
}

/// Large base tables no derived computation reads: assess leaves them as
/// columns and does not build typed records for them (every other table is
/// typed, so a derived table that starts reading one just works).
pub const UNTYPED: &[&str] = &[
    "user_licenses",
    "recipient_capabilities",
    "distribution_group_members",
    "registry_tags",
    "registry_manifests",
    "repositories",
    "mailbox_holds",
    "migration_batch",
    "user_file_issues",
];

/// Which base tables each derived table reads: a derived table is only as
/// complete as its inputs.
pub fn inputs(name: &str) -> &'static [&'static str] {
    match name {
        "mailbox_pairs" => &["mailboxes", "mail_users", "proxy_addresses"],
        "migration_identities" => &["users", "service_principals", "applications"],
        "permission_checks" => &[
            "users",
            "disks",
            "role_definitions",
            "role_definition_actions",
            "role_assignments",
            "deny_assignments",
            "group_members",
        ],
        "token_plan" => &["subscriptions", "disks", "users", "service_principals"],
        "b2b_access" => &[
            "cross_tenant_access_policies",
            "cross_tenant_access_targets",
            "users",
            "group_members",
        ],
        "registry_targets" => &["registries"],
        "registry_access" => &[
            "registries",
            "users",
            "service_principals",
            "role_definitions",
            "role_definition_actions",
            "role_assignments",
            "deny_assignments",
            "group_members",
        ],
        _ => &[],
    }
}
