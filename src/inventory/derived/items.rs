//! The migratable items of the source tenant: what readiness is decided for.

use super::Item;
use crate::inventory::Inventory;

pub fn compute(inv: &Inventory) -> Vec<Item> {
    let src = |t: &str| t == "source";
    let mut out = Vec::new();
    let mut push = |workload: &str, kind: &str, id: &str, name: &str| {
        out.push(Item {
            workload: workload.into(),
            kind: kind.into(),
            id: id.into(),
            name: name.into(),
        })
    };
    for d in inv.disks.iter().filter(|d| src(&d.tenant)) {
        push("disk", "disk", &d.id, &d.name);
    }
    for r in inv.registries.iter().filter(|r| src(&r.tenant)) {
        push("acr", "registry", &r.id, &r.name);
    }
    for v in inv.gallery_image_versions.iter().filter(|v| src(&v.tenant)) {
        let name = format!("{}/{}/{}", v.gallery_name, v.image_name, v.name);
        push("gallery", "image-version", &v.id, &name);
    }
    for m in inv.mailboxes.iter().filter(|m| src(&m.tenant)) {
        let name = m
            .primary_smtp_lc
            .clone()
            .or_else(|| m.upn_lc.clone())
            .or_else(|| m.identity.clone())
            .unwrap_or_else(|| m.id.clone());
        push("exchange", "mailbox", &m.id, &name);
    }
    for e in inv.pp_environments.iter().filter(|e| src(&e.tenant)) {
        let name = e.display_name.clone().unwrap_or_else(|| e.name.clone());
        push("powerplatform", "environment", &e.id, &name);
    }
    // The subscription itself is the item of the directory-transfer path:
    // what moving it to the target directory would break.
    for s in inv.subscriptions.iter().filter(|s| src(&s.tenant)) {
        let name = s
            .display_name
            .clone()
            .unwrap_or_else(|| s.subscription_id.clone());
        push("subscription", "subscription", &s.id, &name);
    }
    for m in &inv.user_mapping {
        push(
            "powerplatform",
            "mapped-user",
            &mapped_user_id(m),
            &m.source_lc,
        );
    }
    out.sort_by(|a, b| {
        (&a.workload, &a.kind, &a.name, &a.id).cmp(&(&b.workload, &b.kind, &b.name, &b.id))
    });
    out
}

/// Mapped users are keyed by their line, since a duplicate source is itself a
/// finding and must not collapse two rows into one item.
pub fn mapped_user_id(m: &crate::inventory::UserMappingRow) -> String {
    format!("usermapping:{}", m.line)
}
