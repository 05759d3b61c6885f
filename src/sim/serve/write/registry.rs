//! Container registry writes (seed 001): `POST checkNameAvailability`,
//! `PUT registries/{name}` (long-running) and `POST registries/{r}/importImage`
//! (long-running, `Location`), which adds the source tag's digest to the
//! target registry. The source digests come from the export's ACR data
//! (`registry_tags`); imported tags are kept in the write state (see
//! [`imported`]); the data plane (`serve::acr`) does not show them yet.

use super::compute::linked_access;
use super::{
    body_json, digest, display_type, exists, now_rfc3339, owner_of, put_reply, store_put, str_at,
    ResPath, Written,
};
use super::{lro, Ctx, Reply, Shared};
use crate::sim::serve::arm::error;
use crate::sim::serve::store::{normalize_id, subscription_of};
use crate::sim::serve::tokens::Claims;
use axum::http::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// What the auxiliary principal needs on the source registry to import from it.
const SOURCE_ACTIONS: &[&str] = &["Microsoft.ContainerRegistry/registries/read"];

/// Registry names taken in any tenant (the name is global), lowercased,
/// with the id that holds each.
fn taken(sh: &Shared) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for t in &sh.store.tenants {
        for i in t
            .collection("arm/registries")
            .map(|c| c.items.as_slice())
            .unwrap_or(&[])
        {
            if let Some(n) = i.id.rsplit('/').next() {
                out.insert(n.to_string(), i.id.clone());
            }
        }
    }
    let st = sh.writes.lock();
    for id in &st.deleted {
        if id.contains("/microsoft.containerregistry/registries/") {
            if let Some(n) = id.rsplit('/').next() {
                out.remove(n);
            }
        }
    }
    for (id, c) in &st.resources {
        if c.coll == Some("arm/registries") {
            if let Some(n) = id.rsplit('/').next() {
                out.insert(n.to_string(), id.clone());
            }
        }
    }
    out
}

fn valid_name(n: &str) -> bool {
    (5..=50).contains(&n.len()) && n.chars().all(|c| c.is_ascii_alphanumeric())
}

/// `POST .../providers/Microsoft.ContainerRegistry/checkNameAvailability`.
pub fn check_name(sh: &Shared, ctx: &Ctx) -> Reply {
    let req = match body_json(ctx) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let name = str_at(&req, &["name"]).unwrap_or("");
    let body = if !valid_name(name) {
        json!({"nameAvailable": false, "reason": "Invalid",
            "message": "The specified resource name may contain only alphanumeric characters and must be between 5 and 50 characters."})
    } else if taken(sh).contains_key(&name.to_ascii_lowercase()) {
        json!({"nameAvailable": false, "reason": "AlreadyExists",
            "message": format!("The registry {name} is already in use.")})
    } else {
        json!({"nameAvailable": true})
    };
    Reply::json(StatusCode::OK, &body)
}

/// `PUT registries/{name}`: 201 Creating, then Succeeded after the LRO;
/// a name another registry holds is refused.
pub fn put_registry(sh: &Shared, ctx: &Ctx, ti: usize, rp: &ResPath) -> Reply {
    if let Err(r) = super::check_group(sh, ti, rp) {
        return r;
    }
    let req = match body_json(ctx) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let name = rp.name();
    if !valid_name(name) {
        return error(
            StatusCode::BAD_REQUEST,
            "InvalidResourceName",
            &format!("Resource name '{name}' may contain only alphanumeric characters and must be between 5 and 50 characters."),
        );
    }
    if taken(sh)
        .get(&name.to_ascii_lowercase())
        .is_some_and(|id| *id != rp.id)
    {
        return error(
            StatusCode::CONFLICT,
            "RegistryNameAlreadyExists",
            &format!("The registry {name} is already in use."),
        );
    }
    let Some(location) = str_at(&req, &["location"]) else {
        return error(
            StatusCode::BAD_REQUEST,
            "LocationRequired",
            "The location property is required for this definition.",
        );
    };
    let sku = str_at(&req, &["sku", "name"]).unwrap_or("Standard");
    let mut props = req.get("properties").cloned().unwrap_or_else(|| json!({}));
    if let Some(p) = props.as_object_mut() {
        p.insert(
            "loginServer".into(),
            format!("{}.azurecr.io", name.to_ascii_lowercase()).into(),
        );
        p.insert("creationDate".into(), now_rfc3339().into());
        p.insert("provisioningState".into(), "Creating".into());
        p.entry("adminUserEnabled").or_insert(false.into());
        p.entry("publicNetworkAccess").or_insert("Enabled".into());
        p.insert("status".into(), Value::Null);
    }
    let mut body = json!({
        "name": name, "id": rp.display_id(), "type": display_type(&rp.key),
        "location": location, "sku": {"name": sku, "tier": sku}, "properties": props,
    });
    if let Some(t) = req.get("tags") {
        body["tags"] = t.clone();
    }
    let out = store_put(sh, ti, rp, Some("arm/registries"), body, digest(&req), true);
    put_reply(ctx, rp, out)
}

/// `POST registries/{r}/importImage`: 202 with `Location`; the tags land in
/// the target registry with the source's digests.
pub fn import_image(sh: &Shared, ctx: &Ctx, claims: &Claims, ti: usize, rp: &ResPath) -> Reply {
    let req = match body_json(ctx) {
        Ok(v) => v,
        Err(r) => return r,
    };
    if !exists(sh, ti, &rp.id) {
        return super::not_found(rp);
    }
    let (Some(src), Some(image)) = (
        str_at(&req, &["source", "resourceId"]),
        str_at(&req, &["source", "sourceImage"]),
    ) else {
        return error(
            StatusCode::BAD_REQUEST,
            "InvalidParameter",
            "The import needs source.resourceId and source.sourceImage (registryUri sources are not simulated).",
        );
    };
    let src_norm = normalize_id(src);
    let Some(src_owner) = subscription_of(&src_norm).and_then(|s| owner_of(sh, &s)) else {
        return error(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            &format!("The source registry '{src}' was not found."),
        );
    };
    if src_owner != ti {
        if let Err(r) = linked_access(
            sh,
            ctx,
            claims,
            rp,
            "Microsoft.ContainerRegistry/registries/importImage/action",
            src_owner,
            src,
            SOURCE_ACTIONS,
        ) {
            return r;
        }
    }
    let Some(src_item) = super::lookup(sh, src_owner, &sh.store.tenants[src_owner], &src_norm)
    else {
        return error(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            &format!("The source registry '{src}' was not found."),
        );
    };
    let login = src_item
        .pointer("/properties/loginServer")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_ascii_lowercase();
    let (repo, tag) = image.split_once(':').unwrap_or((image, "latest"));
    let side = sh.store.tenants[src_owner].side.as_str();
    let mut st = sh.writes.lock();
    let found = match sh.writes.rbac(&mut st) {
        Ok(rbac) => rbac
            .inv
            .registry_tags
            .iter()
            .find(|t| {
                t.tenant == side
                    && t.registry.eq_ignore_ascii_case(&login)
                    && t.repository == repo
                    && t.tag == tag
            })
            .map(|t| t.digest.clone().unwrap_or_default()),
        Err(r) => return r,
    };
    let Some(source_digest) = found else {
        return error(
            StatusCode::NOT_FOUND,
            "ImageNotFound",
            &format!("The source image {login}/{image} was not found."),
        );
    };
    let force = str_at(&req, &["mode"]).is_some_and(|m| m.eq_ignore_ascii_case("Force"));
    let targets: Vec<String> = req
        .get("targetTags")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .filter(|v: &Vec<String>| !v.is_empty())
        .unwrap_or_else(|| vec![image.to_string()]);
    let reg = st.imported.entry(rp.id.clone()).or_default();
    let mut created = false;
    for t in &targets {
        let (r, tg) = t.split_once(':').unwrap_or((t, "latest"));
        let have = reg.get(r).and_then(|m| m.get(tg));
        match have {
            Some(d) if *d == source_digest => {}
            Some(d) if !force => {
                return error(
                    StatusCode::CONFLICT,
                    "TagAlreadyExists",
                    &format!("The tag {t} already exists with digest {d}; import with mode Force to overwrite it."),
                )
            }
            _ => {
                reg.entry(r.to_string())
                    .or_default()
                    .insert(tg.to_string(), source_digest.clone());
                created = true;
            }
        }
    }
    let duration = sh.writes.lro;
    let op = lro::start(
        &mut st,
        ti,
        duration,
        lro::OpKind::Location {
            status: 200,
            body: Some(json!({})),
        },
    );
    let mut r = Reply::json(StatusCode::ACCEPTED, &Value::Null)
        .header("location", lro::result_url(ctx, &rp.sub, &op))
        .header("retry-after", lro::retry_after(duration));
    r.body.clear();
    r.written = Some(Written {
        created,
        resource_id: Some(format!("{}/{}", rp.display_id(), image)),
    });
    r
}

/// The tags imported into a registry (normalized id): repository -> tag -> digest.
pub fn imported(sh: &Shared, registry_id: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    sh.writes
        .lock()
        .imported
        .get(&normalize_id(registry_id))
        .cloned()
        .unwrap_or_default()
}

/// A registry's data plane as the writes left it: the owning tenant, and the
/// tags imported into it (repository -> tag -> digest). Registries created
/// by a PUT are found here too (the export's data plane does not have them).
pub fn data_plane(sh: &Shared, host: &str) -> Option<(usize, crate::sim::serve::acr::Imported)> {
    let host = host.to_ascii_lowercase();
    let login_of = |v: &Value| {
        v.pointer("/properties/loginServer")
            .and_then(Value::as_str)
            .map(|s| s.trim().to_ascii_lowercase())
    };
    let st = sh.writes.lock();
    let created = st.resources.iter().find(|(_, c)| {
        c.coll == Some("arm/registries") && login_of(&c.body).as_deref() == Some(host.as_str())
    });
    let (ti, id) = match created {
        Some((id, c)) => (c.tenant, id.clone()),
        None => sh.store.tenants.iter().enumerate().find_map(|(i, t)| {
            t.collection("arm/registries")?
                .items
                .iter()
                .find(|it| login_of(&it.value()).as_deref() == Some(host.as_str()))
                .map(|it| (i, normalize_id(&it.id)))
        })?,
    };
    if st.deleted.contains(&id) {
        return None;
    }
    Some((ti, st.imported.get(&id).cloned().unwrap_or_default()))
}
