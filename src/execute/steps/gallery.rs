//! Galleries (seed 003): each ready image version copied into a gallery in
//! the target tenant, the gallery created first when the target does not
//! have it, and the image definition (an idempotent PUT of the source
//! definition's identity and features). The
//! copy reads the source version through the multi-tenant app's token in the
//! source tenant, sent as the auxiliary token.
//!
//! Bodies follow the Compute specs' examples: GalleryImages_CreateOrUpdate
//! and GalleryImageVersions_CreateOrUpdate "Create or update a simple Gallery
//! Image Version using shared image version as source"
//! (`storageProfile.source.id`).

use super::{arm_exists, arm_url, display_id, step, Ctx, GALLERY_API};
use crate::error::InputError;
use crate::execute::plan::{PlanItem, Service, Tenant};
use crate::rules::readiness::ItemResult;
use serde_json::{json, Value};

pub fn plan(ctx: &Ctx, items: &[&ItemResult], problems: &mut Vec<InputError>) -> Vec<PlanItem> {
    let g = &ctx.cfg.gallery;
    let (Some(sub), Some(rg)) = (&g.target_subscription_id, &g.target_resource_group) else {
        problems.push(ctx.config_error(
            "[gallery] target_subscription_id and target_resource_group are needed to copy image versions",
            "add them under [gallery]: where the target gallery is, in the target tenant",
        ));
        return Vec::new();
    };
    let mut out = Vec::new();
    for it in items {
        let Some(v) = ctx
            .inv
            .gallery_image_versions
            .iter()
            .find(|v| v.tenant == "source" && v.id == it.id)
        else {
            problems.push(ctx.data_error(it, "the image version is not in the snapshot"));
            continue;
        };
        let Some(image) = ctx
            .inv
            .gallery_images
            .iter()
            .find(|i| i.tenant == "source" && i.id == v.image_id)
        else {
            problems.push(ctx.data_error(it, "its image definition is not in the snapshot"));
            continue;
        };
        let Some(location) = v.location.as_deref().or(image.location.as_deref()) else {
            problems.push(ctx.data_error(it, "the image version has no location"));
            continue;
        };
        let gallery = g.target_gallery.as_deref().unwrap_or(&v.gallery_name);
        let gallery_id = format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Compute/galleries/{gallery}",
            sub.trim(),
            rg.trim(),
        );
        let image_id = format!("{gallery_id}/images/{}", v.image_name);
        // The gallery itself when the target does not have it yet: in the
        // source gallery's region, as an idempotent PUT every item of that
        // gallery repeats (the first creates it, the others find it).
        let mut steps = Vec::new();
        let have_gallery = ctx
            .inv
            .galleries
            .iter()
            .any(|x| x.tenant == "target" && x.id.eq_ignore_ascii_case(&gallery_id));
        if !have_gallery {
            let src_gallery = ctx
                .inv
                .galleries
                .iter()
                .find(|x| x.tenant == "source" && x.name == v.gallery_name);
            let gallery_location = src_gallery
                .and_then(|x| x.location.as_deref())
                .unwrap_or(location);
            let url = arm_url(&ctx.arm, &gallery_id, GALLERY_API);
            let mut s = step(
                format!("{}/gallery", it.name),
                "create-gallery",
                Service::Arm,
                "PUT",
                url.clone(),
            );
            s.body = Some(json!({"location": gallery_location, "properties": {}}));
            s.long_running = true;
            s.exists_check = Some(arm_exists(&url));
            steps.push(s);
        }
        let image_url = arm_url(&ctx.arm, &image_id, GALLERY_API);
        let mut def = step(
            format!("{}/image-definition", it.name),
            "create-image-definition",
            Service::Arm,
            "PUT",
            image_url.clone(),
        );
        let mut props = json!({
            "osType": image.os_type,
            "osState": image.os_state.as_deref().unwrap_or("Generalized"),
            "identifier": {
                "publisher": image.publisher,
                "offer": image.offer,
                "sku": image.sku,
            },
        });
        if let Some(h) = &image.hyper_v_generation {
            props["hyperVGeneration"] = h.clone().into();
        }
        if let Some(a) = &image.architecture {
            props["architecture"] = a.clone().into();
        }
        if let Some(st) = &image.security_type {
            props["features"] = json!([{"name": "SecurityType", "value": st}]);
        }
        if let (Some(p), Some(pr), Some(n)) = (
            &image.purchase_plan_publisher,
            &image.purchase_plan_product,
            &image.purchase_plan_name,
        ) {
            props["purchasePlan"] = json!({"publisher": p, "product": pr, "name": n});
        }
        def.body = Some(json!({"location": location, "properties": props}));
        def.long_running = true;
        def.exists_check = Some(arm_exists(&image_url));
        def.after = steps.iter().map(|s| s.id.clone()).collect();

        let version_id = format!("{image_id}/versions/{}", v.name);
        let version_url = arm_url(&ctx.arm, &version_id, GALLERY_API);
        let mut regions: Vec<Value> = ctx
            .inv
            .gallery_image_version_regions
            .iter()
            .filter(|r| r.tenant == "source" && r.version_id == v.id && r.is_target)
            .map(|r| {
                json!({
                    "name": r.region,
                    "regionalReplicaCount": r.replica_count.unwrap_or(1),
                })
            })
            .collect();
        if regions.is_empty() {
            regions.push(json!({"name": location, "regionalReplicaCount": 1}));
        }
        regions.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
        let mut profile = json!({"targetRegions": regions});
        if let Some(x) = v.exclude_from_latest {
            profile["excludeFromLatest"] = x.into();
        }
        if let Some(sa) = &v.storage_account_type {
            profile["storageAccountType"] = sa.clone().into();
        }
        let mut copy = step(
            format!("{}/copy-version", it.name),
            "copy-image-version",
            Service::Arm,
            "PUT",
            version_url.clone(),
        );
        copy.body = Some(json!({
            "location": location,
            "properties": {
                "publishingProfile": profile,
                "storageProfile": {"source": {"id": display_id(&v.id)}},
            },
        }));
        copy.auxiliary_tenant = Some(Tenant::Source);
        copy.long_running = true;
        copy.exists_check = Some(arm_exists(&version_url));
        copy.after = vec![def.id.clone()];
        out.push(PlanItem {
            item_id: it.id.clone(),
            workload: it.workload.clone(),
            kind: it.kind.clone(),
            name: it.name.clone(),
            rules: ctx.rules_for(&it.kind),
            steps: {
                steps.push(def);
                steps.push(copy);
                steps
            },
        });
    }
    out
}
