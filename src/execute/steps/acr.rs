//! Registries (seed 001): the target registry when it does not exist yet
//! (name availability checked first, SKU and settings mirrored from the
//! source), then one `importImage` per repository:tag collected from the
//! source (tags keep their names), then a digest check of each imported tag
//! against the source's digest on the target's data plane.
//!
//! Bodies follow the ContainerRegistry specs' examples:
//! Registries_CheckNameAvailable, Registries_Create, Registries_ImportImage
//! ("ImportImageByTag": `source.resourceId`, `sourceImage`, `targetTags`,
//! `mode`). A cross-tenant import authorises the source read with the
//! auxiliary token.

use super::{arm_exists, arm_url, display_id, step, Ctx, ACR_API};
use crate::error::InputError;
use crate::execute::plan::{ExistsCheck, PlanItem, Service, Tenant};
use crate::inventory::{Registry, RegistryTag};
use crate::rules::readiness::ItemResult;
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub fn plan(ctx: &Ctx, items: &[&ItemResult], problems: &mut Vec<InputError>) -> Vec<PlanItem> {
    let mut out = Vec::new();
    for it in items {
        let Some(src) = ctx
            .inv
            .registries
            .iter()
            .find(|r| r.tenant == "source" && r.id == it.id)
        else {
            problems
                .push(ctx.data_error(it, "the registry is not in the snapshot's registries table"));
            continue;
        };
        let Some(tgt) = ctx.registry_targets.iter().find(|t| t.registry_id == it.id) else {
            problems.push(ctx.data_error(it, "no target registry was derived for it"));
            continue;
        };
        let (Some(tname), Some(tid)) = (&tgt.target_name, &tgt.target_id) else {
            problems.push(ctx.config_error(
                format!("registry {}: no target registry is configured", src.name),
                "set [acr] target_registry (or [acr.targets]) and, for a registry that does not exist yet, target_subscription_id and target_resource_group",
            ));
            continue;
        };
        let login = tgt
            .target_login_server
            .clone()
            .unwrap_or_else(|| format!("{}.azurecr.io", tname.to_lowercase()));
        let reg_url = arm_url(&ctx.arm, &display_id(tid), ACR_API);
        let mut steps = Vec::new();
        let mut first_after = Vec::new();
        if !tgt.target_exists {
            let Some(sub) = &tgt.target_subscription_id else {
                problems.push(ctx.config_error(
                    format!(
                        "registry {}: target {tname} does not exist and has no subscription",
                        src.name
                    ),
                    "set [acr] target_subscription_id and target_resource_group",
                ));
                continue;
            };
            let mut s = step(
                format!("{}/check-name", it.name),
                "check-registry-name",
                Service::Arm,
                "POST",
                format!(
                    "{}/subscriptions/{sub}/providers/Microsoft.ContainerRegistry/checkNameAvailability?api-version={ACR_API}",
                    ctx.arm
                ),
            );
            s.body = Some(json!({"name": tname, "type": "Microsoft.ContainerRegistry/registries"}));
            // Our own registry from an earlier apply makes the name
            // unavailable: that is done, not a conflict.
            s.exists_check = Some(arm_exists(&reg_url));
            let check = s.id.clone();
            steps.push(s);
            let mut s = step(
                format!("{}/registry", it.name),
                "create-registry",
                Service::Arm,
                "PUT",
                reg_url.clone(),
            );
            s.body = Some(registry_body(
                src,
                tgt.target_location.as_deref(),
                tgt.target_sku.as_deref(),
            ));
            s.long_running = true;
            s.exists_check = Some(arm_exists(&reg_url));
            s.after = vec![check];
            first_after.push(s.id.clone());
            steps.push(s);
        }
        let src_login = src.login_server.clone().unwrap_or_default();
        let mut tags: Vec<&RegistryTag> = ctx
            .inv
            .registry_tags
            .iter()
            .filter(|t| t.tenant == "source" && t.registry == src_login)
            .collect();
        tags.sort_by(|a, b| (&a.repository, &a.tag).cmp(&(&b.repository, &b.tag)));
        for t in tags {
            let image = format!("{}:{}", t.repository, t.tag);
            let tag_url = format!(
                "{}/acr/v1/{}/_tags/{}",
                ctx.acr.replace("{host}", &login.to_ascii_lowercase()),
                t.repository,
                t.tag
            );
            let mut expect = BTreeMap::new();
            if let Some(d) = &t.digest {
                expect.insert("tag.digest".to_string(), Value::from(d.clone()));
            }
            let check = ExistsCheck {
                method: "GET".into(),
                url: tag_url.clone(),
                body: None,
                expect,
            };
            let mut s = step(
                format!("{}/import/{image}", it.name),
                "import-image",
                Service::Arm,
                "POST",
                format!(
                    "{}{}/importImage?api-version={ACR_API}",
                    ctx.arm,
                    display_id(tid)
                ),
            );
            // NoForce: never overwrite a tag someone else pushed meanwhile;
            // the check above already counts our own earlier import as done.
            s.body = Some(json!({
                "source": {"resourceId": display_id(&src.id), "sourceImage": image},
                "targetTags": [image],
                "untaggedTargetRepositories": [],
                "mode": "NoForce",
            }));
            s.auxiliary_tenant = Some(Tenant::Source);
            s.long_running = true;
            s.exists_check = Some(check.clone());
            s.after = first_after.clone();
            let import = s.id.clone();
            steps.push(s);
            let mut v = step(
                format!("{}/verify/{image}", it.name),
                "verify-digests",
                Service::Acr,
                "GET",
                tag_url,
            );
            v.exists_check = Some(check);
            v.after = vec![import];
            steps.push(v);
        }
        out.push(PlanItem {
            item_id: it.id.clone(),
            workload: it.workload.clone(),
            kind: it.kind.clone(),
            name: it.name.clone(),
            rules: ctx.rules_for(&it.kind),
            steps,
        });
    }
    out
}

/// The source's settings that carry over; the SKU and region are the
/// target's (configured or the source's).
fn registry_body(src: &Registry, location: Option<&str>, sku: Option<&str>) -> Value {
    let sku = sku.or(src.sku.as_deref()).unwrap_or("Standard");
    let premium = sku.eq_ignore_ascii_case("premium");
    let mut props = json!({
        "adminUserEnabled": src.admin_user_enabled.unwrap_or(false),
    });
    if let Some(p) = &src.public_network_access {
        props["publicNetworkAccess"] = Value::from(if p.eq_ignore_ascii_case("disabled") {
            "Disabled"
        } else {
            "Enabled"
        });
    }
    if let Some(a) = src.anonymous_pull_enabled {
        if !sku.eq_ignore_ascii_case("basic") {
            props["anonymousPullEnabled"] = a.into();
        }
    }
    if premium {
        if let Some(z) = &src.zone_redundancy {
            props["zoneRedundancy"] = Value::from(if z.eq_ignore_ascii_case("enabled") {
                "Enabled"
            } else {
                "Disabled"
            });
        }
        if let Some(d) = src.data_endpoint_enabled {
            props["dataEndpointEnabled"] = d.into();
        }
        if let (Some(status), Some(days)) = (&src.retention_policy, src.retention_days) {
            props["policies"] = json!({"retentionPolicy": {
                "days": days,
                "status": if status.eq_ignore_ascii_case("enabled") { "enabled" } else { "disabled" },
            }});
        }
    }
    json!({
        "location": location.or(src.location.as_deref()).unwrap_or_default(),
        "sku": {"name": sku},
        "properties": props,
    })
}
