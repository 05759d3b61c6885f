//! Derived tables computed in Rust where SQL is the wrong tool: pairing
//! source mailboxes with target mail users (a multi-key, first-match search),
//! resolving each workload's migration identity in both tenants, effective
//! RBAC permissions (wildcards, inheritance, groups, deny assignments), and
//! the list of migratable items. They are computed at assess time from the
//! snapshot and the config, and registered beside the base tables.

pub mod access;
pub mod identities;
pub mod items;
pub mod mailbox_pairs;
pub mod permissions;

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

    /// The migratable items whose readiness the assessment decides.
    Item => "items", source: "derived from the source tenant's inventory and the user files" {
        workload: String,
        /// disk, registry, image-version, mailbox, environment, mapped-user.
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
    let pairs = mailbox_pairs::compute(inv);
    let ids = identities::compute(inv, cfg);
    let checks = access::compute(inv, &ids);
    let items = items::compute(inv);
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
    };
    Ok(Derived {
        frames: vec![
            (MailboxPair::NAME, MailboxPair::to_frame(&pairs)?),
            (MigrationIdentity::NAME, MigrationIdentity::to_frame(&ids)?),
            (PermissionCheck::NAME, PermissionCheck::to_frame(&checks)?),
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
        _ => &[],
    }
}
