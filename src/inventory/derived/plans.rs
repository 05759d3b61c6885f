//! What the config plans for registries and gallery images, resolved against
//! the target tenant's inventory: the target registry of each source registry
//! (existing, or to be created where the config says), and where VMs are
//! created from shared gallery images.

use super::{GalleryPlan, RegistryTarget};
use crate::config::Config;
use crate::inventory::Inventory;
use crate::normalize::{canonical_guid, canonical_id, canonical_region};

/// One row per source registry, even without a plan (target columns null),
/// so a rule can say "no target planned" rather than see nothing.
pub fn registry_targets(inv: &Inventory, cfg: &Config) -> Vec<RegistryTarget> {
    let acr = &cfg.acr;
    let planned_sub = acr
        .target_subscription_id
        .as_deref()
        .map(|s| canonical_guid(s).unwrap_or_else(|| s.trim().to_lowercase()));
    let planned_rg = acr
        .target_resource_group
        .as_deref()
        .map(|s| s.trim().to_lowercase());
    inv.registries
        .iter()
        .filter(|r| r.tenant == "source")
        .map(|r| {
            // Registry names are case-insensitive, like every ARM name.
            let target_name = acr
                .targets
                .iter()
                .find(|(src, _)| src.eq_ignore_ascii_case(&r.name))
                .map(|(_, t)| t.clone())
                .or_else(|| acr.target_registry.clone())
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty());
            let mut row = RegistryTarget {
                registry_id: r.id.clone(),
                registry_name: r.name.clone(),
                target_name: target_name.clone(),
                ..Default::default()
            };
            let Some(name) = target_name else {
                return row;
            };
            let existing = inv
                .registries
                .iter()
                .find(|t| t.tenant == "target" && t.name.eq_ignore_ascii_case(&name));
            match existing {
                Some(t) => {
                    row.target_exists = true;
                    row.target_id = Some(t.id.clone());
                    row.target_subscription_id = Some(t.subscription_id.clone());
                    row.target_resource_group = Some(t.resource_group.clone());
                    row.target_location = t.location.clone();
                    row.target_sku = t.sku.clone();
                    row.target_login_server = t.login_server.clone();
                }
                None => {
                    row.target_subscription_id = planned_sub.clone();
                    row.target_resource_group = planned_rg.clone();
                    if let (Some(s), Some(rg)) = (&planned_sub, &planned_rg) {
                        row.target_id = Some(canonical_id(&format!(
                            "/subscriptions/{s}/resourcegroups/{rg}/providers/microsoft.containerregistry/registries/{name}"
                        )));
                    }
                    row.target_location = acr
                        .target_region
                        .as_deref()
                        .map(canonical_region)
                        .or_else(|| r.location.clone());
                    row.target_sku = acr.target_sku.clone();
                    row.target_login_server = Some(format!("{}.azurecr.io", name.to_lowercase()));
                }
            }
            row
        })
        .collect()
}

pub fn gallery_plan(cfg: &Config) -> GalleryPlan {
    let g = &cfg.gallery;
    let sub = g
        .target_subscription_id
        .as_deref()
        .map(|s| canonical_guid(s).unwrap_or_else(|| s.trim().to_lowercase()));
    let rg = g
        .target_resource_group
        .as_deref()
        .map(|s| s.trim().to_lowercase());
    let target_rg_id = match (&sub, &rg) {
        (Some(s), Some(rg)) => Some(canonical_id(&format!(
            "/subscriptions/{s}/resourcegroups/{rg}"
        ))),
        _ => None,
    };
    GalleryPlan {
        app_id: cfg
            .identities
            .get("gallery")
            .and_then(|i| i.app_id.as_deref())
            .map(|a| canonical_guid(a).unwrap_or_else(|| a.trim().to_lowercase())),
        target_subscription_id: sub,
        target_resource_group: rg,
        target_rg_id,
        vm_deployment: g.vm_deployment.as_deref().map(str::to_lowercase),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Registry;

    fn registry(tenant: &str, name: &str, sub: &str, rg: &str) -> Registry {
        Registry {
            tenant: tenant.into(),
            id: format!(
                "/subscriptions/{sub}/resourcegroups/{rg}/providers/microsoft.containerregistry/registries/{}",
                name.to_lowercase()
            ),
            subscription_id: sub.into(),
            resource_group: rg.into(),
            name: name.into(),
            location: Some("westeurope".into()),
            sku: Some("Premium".into()),
            login_server: Some(format!("{}.azurecr.io", name.to_lowercase())),
            ..Default::default()
        }
    }

    #[test]
    fn targets_resolve_existing_registries_and_plan_the_others() {
        let inv = Inventory {
            registries: vec![
                registry("source", "srcA", "s1", "rg"),
                registry("source", "srcB", "s1", "rg"),
                registry("source", "srcC", "s1", "rg"),
                registry("target", "TgtShared", "t1", "rg-shared"),
            ],
            ..Default::default()
        };
        let mut cfg = Config::default();
        cfg.acr.target_registry = Some("tgtshared".into());
        cfg.acr.targets.insert("SRCB".into(), "tgtnew".into());
        cfg.acr.target_subscription_id = Some("E3F1A2B4-5C6D-4E7F-8A9B-0C1D2E3F4A03".into());
        cfg.acr.target_resource_group = Some("RG-New".into());
        cfg.acr.target_sku = Some("Standard".into());
        let rows = registry_targets(&inv, &cfg);
        assert_eq!(rows.len(), 3, "one row per source registry only");
        let a = &rows[0];
        assert!(a.target_exists);
        assert_eq!(
            a.target_id.as_deref(),
            Some("/subscriptions/t1/resourcegroups/rg-shared/providers/microsoft.containerregistry/registries/tgtshared")
        );
        assert_eq!(a.target_sku.as_deref(), Some("Premium"));
        let b = &rows[1];
        assert!(!b.target_exists);
        assert_eq!(b.target_name.as_deref(), Some("tgtnew"));
        assert_eq!(
            b.target_id.as_deref(),
            Some("/subscriptions/e3f1a2b4-5c6d-4e7f-8a9b-0c1d2e3f4a03/resourcegroups/rg-new/providers/microsoft.containerregistry/registries/tgtnew")
        );
        assert_eq!(b.target_sku.as_deref(), Some("Standard"));
        assert_eq!(b.target_location.as_deref(), Some("westeurope"));
        assert_eq!(b.target_login_server.as_deref(), Some("tgtnew.azurecr.io"));

        cfg.acr = Default::default();
        let none = registry_targets(&inv, &cfg);
        assert!(none
            .iter()
            .all(|r| r.target_name.is_none() && r.target_id.is_none()));
    }

    #[test]
    fn gallery_plan_builds_the_target_resource_group_id() {
        let mut cfg = Config::default();
        assert_eq!(gallery_plan(&cfg).target_rg_id, None);
        cfg.gallery.target_subscription_id = Some("sub-1".into());
        cfg.gallery.target_resource_group = Some("RG-VMs".into());
        cfg.gallery.vm_deployment = Some("Portal".into());
        let p = gallery_plan(&cfg);
        assert_eq!(
            p.target_rg_id.as_deref(),
            Some("/subscriptions/sub-1/resourcegroups/rg-vms")
        );
        assert_eq!(p.vm_deployment.as_deref(), Some("portal"));
    }
}
