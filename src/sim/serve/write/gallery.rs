//! Gallery writes (seed 003): `PUT galleries/{g}`, `PUT .../images/{i}` and
//! `PUT .../images/{i}/versions/{v}`, all long-running. A version copied from
//! another tenant's version (`storageProfile.source.id`) needs the auxiliary
//! token of that tenant, whose principal may read the source version; the
//! stored version carries `replicationStatus` for its target regions.

use super::compute::linked_access;
use super::{
    body_json, check_group, digest, display_type, exists, lookup, owner_of, put_reply, store_put,
    str_at, ResPath,
};
use super::{Ctx, Reply, Shared};
use crate::sim::serve::arm::error;
use crate::sim::serve::store::{normalize_id, subscription_of};
use crate::sim::serve::tokens::Claims;
use axum::http::StatusCode;
use serde_json::{json, Value};

const SOURCE_ACTIONS: &[&str] = &["Microsoft.Compute/galleries/images/versions/read"];

pub fn put(sh: &Shared, ctx: &Ctx, claims: &Claims, ti: usize, rp: &ResPath) -> Reply {
    if let Err(r) = check_group(sh, ti, rp) {
        return r;
    }
    let req = match body_json(ctx) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(location) = str_at(&req, &["location"]) else {
        return error(
            StatusCode::BAD_REQUEST,
            "LocationRequired",
            "The location property is required for this definition.",
        );
    };
    let parent = rp.list();
    let parent = parent.rsplit_once('/').map(|(p, _)| p).unwrap_or("");
    if rp.names.len() > 1 && !exists(sh, ti, parent) {
        return error(
            StatusCode::NOT_FOUND,
            "ParentResourceNotFound",
            &format!(
                "Can not perform requested operation on nested resource. Parent resource '{}' not found.",
                rp.names[..rp.names.len() - 1].join("/")
            ),
        );
    }
    let mut props = req.get("properties").cloned().unwrap_or_else(|| json!({}));
    let coll = match rp.names.len() {
        1 => "arm/galleries",
        2 => "arm/gallery-images",
        _ => "arm/gallery-image-versions",
    };
    if coll == "arm/gallery-image-versions" {
        let Some(src) = str_at(&props, &["storageProfile", "source", "id"]).map(str::to_string)
        else {
            return error(
                StatusCode::BAD_REQUEST,
                "InvalidParameter",
                "Required parameter 'storageProfile.source.id' is missing (null).",
            );
        };
        let src_norm = normalize_id(&src);
        let Some(src_owner) = subscription_of(&src_norm).and_then(|s| owner_of(sh, &s)) else {
            return missing_source(&src);
        };
        if src_owner != ti {
            if let Err(r) = linked_access(
                sh,
                ctx,
                claims,
                rp,
                "Microsoft.Compute/galleries/images/versions/write",
                src_owner,
                &src,
                SOURCE_ACTIONS,
            ) {
                return r;
            }
        }
        if lookup(sh, src_owner, &sh.store.tenants[src_owner], &src_norm).is_none() {
            return missing_source(&src);
        }
        let mut regions: Vec<Value> = props
            .pointer("/publishingProfile/targetRegions")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|r| r.get("name").and_then(Value::as_str))
                    .map(|n| json!({"region": n, "state": "Completed", "details": "", "progress": 100}))
                    .collect()
            })
            .unwrap_or_default();
        if regions.is_empty() {
            regions.push(
                json!({"region": location, "state": "Completed", "details": "", "progress": 100}),
            );
        }
        props["replicationStatus"] = json!({"aggregatedState": "Completed", "summary": regions});
    }
    if let Some(p) = props.as_object_mut() {
        p.insert("provisioningState".into(), "Creating".into());
    }
    let mut body = json!({
        "name": rp.name(), "id": rp.display_id(), "type": display_type(&rp.key),
        "location": location, "properties": props,
    });
    if let Some(t) = req.get("tags") {
        body["tags"] = t.clone();
    }
    let out = store_put(sh, ti, rp, Some(coll), body, digest(&req), true);
    put_reply(ctx, rp, out)
}

fn missing_source(src: &str) -> Reply {
    error(
        StatusCode::NOT_FOUND,
        "NotFound",
        &format!("The source image version {src} is not found."),
    )
}
