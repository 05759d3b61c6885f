//! Resolves each workload's configured migration identity in both tenants:
//! a user is a member in its home tenant and a B2B guest in the other; an app
//! has an application in its home tenant and a service principal in both.

use super::MigrationIdentity;
use crate::config::{Config, IdentityKind};
use crate::inventory::Inventory;

pub fn compute(inv: &Inventory, cfg: &Config) -> Vec<MigrationIdentity> {
    let mut out = Vec::new();
    for (workload, id) in &cfg.identities {
        for tenant in ["source", "target"] {
            let is_home = id.mode.home() == tenant;
            let mut row = MigrationIdentity {
                workload: workload.clone(),
                kind: match id.kind {
                    IdentityKind::User => "user".into(),
                    IdentityKind::App => "app".into(),
                },
                mode: id.mode.as_str().into(),
                tenant: tenant.into(),
                is_home,
                ..Default::default()
            };
            match id.kind {
                IdentityKind::User => {
                    let upn = id.upn.clone().unwrap_or_default().to_lowercase();
                    row.identity = upn.clone();
                    row.display_name = upn.clone();
                    let user = inv.users.iter().find(|u| {
                        u.tenant == tenant
                            && if is_home {
                                u.upn_lc == upn
                            } else {
                                // The guest stands for the home account: by the
                                // address behind its #EXT# UPN, its mail, or its UPN.
                                u.home_identity_lc.as_deref() == Some(upn.as_str())
                                    || (u
                                        .user_type
                                        .as_deref()
                                        .is_some_and(|t| t.eq_ignore_ascii_case("guest"))
                                        && u.mail_lc.as_deref() == Some(upn.as_str()))
                            }
                    });
                    if let Some(u) = user {
                        row.found = true;
                        row.object_id = Some(u.id.clone());
                        row.object_name = Some(u.upn.clone());
                        row.user_type = u.user_type.clone();
                        row.external_user_state = u.external_user_state.clone();
                        row.account_enabled = u.account_enabled;
                    }
                }
                IdentityKind::App => {
                    let app_id = id.app_id.clone().unwrap_or_default().to_lowercase();
                    row.identity = app_id.clone();
                    row.display_name = app_name(inv, &app_id).unwrap_or_else(|| app_id.clone());
                    if let Some(sp) = inv
                        .service_principals
                        .iter()
                        .find(|s| s.tenant == tenant && s.app_id.eq_ignore_ascii_case(&app_id))
                    {
                        row.found = true;
                        row.object_id = Some(sp.id.clone());
                        row.object_name = sp.display_name.clone();
                        row.account_enabled = sp.account_enabled;
                        row.app_owner_tenant_id = sp.app_owner_tenant_id.clone();
                    }
                }
            }
            out.push(row);
        }
    }
    out
}

/// The app's display name from its registration or any service principal.
fn app_name(inv: &Inventory, app_id: &str) -> Option<String> {
    inv.applications
        .iter()
        .filter(|a| a.app_id.eq_ignore_ascii_case(app_id))
        .find_map(|a| a.display_name.clone())
        .or_else(|| {
            inv.service_principals
                .iter()
                .filter(|s| s.app_id.eq_ignore_ascii_case(app_id))
                .find_map(|s| s.display_name.clone())
        })
}
