//! Which tenant must issue each token of a cross-tenant ARM call, and with
//! which account of the migration identity. A request that touches resources
//! in two tenants carries the token of the tenant that owns the subscription
//! in the request URL as `Authorization` (the primary token) and the other
//! tenant's token in `x-ms-authorization-auxiliary`. In pull mode the primary
//! token comes from the identity's home account, in push mode from its guest
//! account (or, for an app, from its service principal in that tenant).

use super::{MigrationIdentity, TokenPlan};
use crate::config::Config;
use crate::inventory::Inventory;
use std::collections::BTreeSet;

pub fn compute(
    inv: &Inventory,
    cfg: &Config,
    identities: &[MigrationIdentity],
    tenant_id: impl Fn(&str) -> Option<String>,
) -> Vec<TokenPlan> {
    let mut out = Vec::new();
    // The snapshot PUT goes to the target subscription; its linked source
    // disk sits in a source subscription.
    let mut steps: Vec<(&str, &str, String)> = Vec::new();
    if let Some(sub) = cfg.disk.target_subscription_id.as_deref() {
        steps.push(("primary", "target", sub.trim().to_lowercase()));
    }
    let source_subs: BTreeSet<&str> = inv
        .disks
        .iter()
        .filter(|d| d.tenant == "source")
        .map(|d| d.subscription_id.as_str())
        .collect();
    for s in source_subs {
        steps.push(("auxiliary", "source", s.to_string()));
    }
    for (role, side, subscription_id) in steps {
        let identity = identities
            .iter()
            .find(|i| i.workload == "disk" && i.tenant == side);
        let listed = inv
            .subscriptions
            .iter()
            .find(|s| s.tenant == side && s.subscription_id == subscription_id);
        out.push(TokenPlan {
            workload: "disk".into(),
            role: role.into(),
            tenant: side.into(),
            subscription_id: subscription_id.clone(),
            subscription_found: listed.is_some(),
            subscription_tenant_id: listed.and_then(|s| s.tenant_id.clone()),
            token_tenant_id: tenant_id(side),
            mode: identity.map(|i| i.mode.clone()),
            account_id: identity.and_then(|i| i.object_id.clone()),
            account_kind: identity.map(|i| {
                match (i.kind.as_str(), i.is_home) {
                    ("app", _) => "service-principal",
                    (_, true) => "member",
                    (_, false) => "guest",
                }
                .to_string()
            }),
        });
    }
    out
}
