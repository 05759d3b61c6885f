//! Compute and network writes: snapshots and disks (`PUT` with
//! `creationData`, including the one-call cross-tenant copy of seed 000 that
//! reads the source disk through the auxiliary token), virtual machines and
//! NICs (`PUT`), and deletes. All long-running.

use super::{
    auxiliary_tokens, base_item, body_json, check_group, digest, display_type, lookup, now_rfc3339,
    owner_of, put_reply, store_put, str_at, ResPath, Written,
};
use super::{lro, Ctx, Reply, Shared};
use crate::sim::serve::arm::error;
use crate::sim::serve::store::{normalize_id, subscription_of};
use crate::sim::serve::tokens::{self, Claims};
use axum::http::StatusCode;
use serde_json::{json, Value};
use std::time::Instant;

/// What the auxiliary token's principal needs on the source disk (seed 000).
pub const SOURCE_DISK_ACTIONS: &[&str] = &[
    "Microsoft.Compute/disks/read",
    "Microsoft.Compute/disks/beginGetAccess/action",
];

/// `PUT snapshots/{name}` and `PUT disks/{name}`.
pub fn put_disk_like(sh: &Shared, ctx: &Ctx, claims: &Claims, ti: usize, rp: &ResPath) -> Reply {
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
    let ty = display_type(&rp.key);
    let write_action = format!("{ty}/write");
    let option = str_at(&req, &["properties", "creationData", "createOption"]).unwrap_or("Empty");
    let source_id = str_at(&req, &["properties", "creationData", "sourceResourceId"]);
    let mut source: Option<Value> = None;
    if option.eq_ignore_ascii_case("Copy") || option.eq_ignore_ascii_case("CopyStart") {
        let Some(src) = source_id else {
            return error(
                StatusCode::BAD_REQUEST,
                "InvalidParameter",
                "Required parameter 'sourceResourceId' is missing (null).",
            )
            .header("x-ms-error-target", "creationData.sourceResourceId");
        };
        let src_norm = normalize_id(src);
        let Some(src_owner) = subscription_of(&src_norm).and_then(|s| owner_of(sh, &s)) else {
            return linked_not_found(src);
        };
        if src_owner != ti {
            if let Err(r) = linked_access(
                sh,
                ctx,
                claims,
                rp,
                &write_action,
                src_owner,
                src,
                SOURCE_DISK_ACTIONS,
            ) {
                return r;
            }
        }
        match lookup(sh, src_owner, &sh.store.tenants[src_owner], &src_norm) {
            Some(v) => source = Some(v),
            None => return linked_not_found(src),
        }
    }
    let mut props = req.get("properties").cloned().unwrap_or_else(|| json!({}));
    if let (Some(p), Some(s)) = (props.as_object_mut(), &source) {
        for k in ["diskSizeGB", "osType", "hyperVGeneration", "diskSizeBytes"] {
            if !p.contains_key(k) {
                if let Some(v) = s.get("properties").and_then(|sp| sp.get(k)) {
                    p.insert(k.into(), v.clone());
                }
            }
        }
        if let Some(u) = s.pointer("/properties/uniqueId") {
            if let Some(cd) = p.get_mut("creationData").and_then(Value::as_object_mut) {
                cd.insert("sourceUniqueId".into(), u.clone());
            }
        }
    }
    if let Some(p) = props.as_object_mut() {
        p.insert("provisioningState".into(), "Creating".into());
        p.insert("timeCreated".into(), now_rfc3339().into());
        p.insert("uniqueId".into(), crate::sim::serve::request_id().into());
        p.insert("diskState".into(), "Unattached".into());
        if rp.key.ends_with("snapshots") && !p.contains_key("incremental") {
            p.insert("incremental".into(), false.into());
        }
    }
    let mut body = json!({
        "name": rp.name(),
        "id": rp.display_id(),
        "type": ty,
        "location": location,
        "properties": props,
    });
    for k in ["sku", "zones", "tags"] {
        if let Some(v) = req.get(k) {
            body[k] = v.clone();
        }
    }
    if body.get("sku").is_none() {
        body["sku"] = json!({"name": "Standard_LRS", "tier": "Standard"});
    }
    let coll = if rp.key.ends_with("snapshots") {
        "arm/snapshots"
    } else {
        "arm/disks"
    };
    let out = store_put(sh, ti, rp, Some(coll), body, digest(&req), true);
    put_reply(ctx, rp, out)
}

/// The cross-tenant read of a linked resource: an auxiliary token of the
/// linked resource's tenant, whose principal may perform `needed` on it.
#[allow(clippy::too_many_arguments)]
pub fn linked_access(
    sh: &Shared,
    ctx: &Ctx,
    claims: &Claims,
    rp: &ResPath,
    write_action: &str,
    src_owner: usize,
    src: &str,
    needed: &[&str],
) -> Result<(), Reply> {
    let src_tenant = &sh.store.tenants[src_owner];
    let src_sub = subscription_of(&normalize_id(src)).unwrap_or_default();
    let tenant_refused = || {
        error(
            StatusCode::FORBIDDEN,
            "LinkedAuthorizationFailed",
            &format!(
                "The client has permission to perform action '{write_action}' on scope '{}', however the current tenant '{}' is not authorized to access linked subscription '{src_sub}'.",
                rp.display_id(),
                claims.tid
            ),
        )
    };
    let Some(tokens) = auxiliary_tokens(ctx) else {
        return Err(tenant_refused());
    };
    if tokens.len() > 3 {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "InvalidAuxiliaryTokens",
            "The 'x-ms-authorization-auxiliary' header carries more than 3 tokens.",
        ));
    }
    let mut aux = None;
    for t in &tokens {
        match sh.issuer.verify(t) {
            Ok(c) if tokens::audience_ok(&c.aud, tokens::ARM_AUDIENCES) => {
                if c.tid == src_tenant.id {
                    aux = Some(c);
                }
            }
            Ok(c) => {
                return Err(error(
                    StatusCode::UNAUTHORIZED,
                    "InvalidAuthenticationTokenAudience",
                    &format!(
                        "The auxiliary access token has been obtained for wrong audience or resource '{}'.",
                        c.aud
                    ),
                ))
            }
            Err(_) => {
                return Err(error(
                    StatusCode::UNAUTHORIZED,
                    "InvalidAuthenticationToken",
                    "The access token in the 'x-ms-authorization-auxiliary' header is invalid.",
                ))
            }
        }
    }
    let Some(aux) = aux else {
        return Err(tenant_refused());
    };
    let mut st = sh.writes.lock();
    let rbac = sh.writes.rbac(&mut st)?;
    let missing: Vec<&str> = needed
        .iter()
        .copied()
        .filter(|a| !rbac.allowed(src_tenant.side.as_str(), &aux.oid, src, a))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(error(
        StatusCode::FORBIDDEN,
        "LinkedAuthorizationFailed",
        &format!(
            "The client '{}' with object id '{}' has permission to perform action '{write_action}' on scope '{}'; however, it does not have permission to perform action(s) '{}' on the linked scope(s) '{src}' (respectively) or the linked scope(s) are invalid.",
            aux.appid,
            aux.oid,
            rp.display_id(),
            missing.join(",")
        ),
    ))
}

fn linked_not_found(src: &str) -> Reply {
    error(
        StatusCode::NOT_FOUND,
        "NotFound",
        &format!("Resource {src} is not found."),
    )
}

/// `PUT virtualMachines/{name}` and `PUT networkInterfaces/{name}`: stored
/// as sent, provisioning like any other; the disks a VM attaches must exist.
pub fn put_plain(sh: &Shared, ctx: &Ctx, ti: usize, rp: &ResPath) -> Reply {
    if let Err(r) = check_group(sh, ti, rp) {
        return r;
    }
    let req = match body_json(ctx) {
        Ok(v) => v,
        Err(r) => return r,
    };
    if str_at(&req, &["location"]).is_none() {
        return error(
            StatusCode::BAD_REQUEST,
            "LocationRequired",
            "The location property is required for this definition.",
        );
    }
    let vm = rp.key == "microsoft.compute/virtualmachines";
    let mut disks = Vec::new();
    if vm {
        if let Some(id) = req.pointer("/properties/storageProfile/osDisk/managedDisk/id") {
            disks.push(id.as_str().unwrap_or_default().to_string());
        }
        for d in req
            .pointer("/properties/storageProfile/dataDisks")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(id) = d.pointer("/managedDisk/id").and_then(Value::as_str) {
                disks.push(id.to_string());
            }
        }
        for d in &disks {
            if lookup(sh, ti, &sh.store.tenants[ti], &normalize_id(d)).is_none() {
                return error(
                    StatusCode::NOT_FOUND,
                    "NotFound",
                    &format!("Disk {d} is not found."),
                );
            }
        }
    }
    let mut body = req.clone();
    body["name"] = rp.name().into();
    body["id"] = rp.display_id().into();
    body["type"] = display_type(&rp.key).into();
    if body.get("properties").and_then(Value::as_object).is_none() {
        body["properties"] = json!({});
    }
    body["properties"]["provisioningState"] = "Creating".into();
    let coll = vm.then_some("arm/virtual-machines");
    let out = store_put(sh, ti, rp, coll, body, digest(&req), true);
    if vm && (out.created || !out.repeat) {
        // The disks now belong to the VM, as ARM shows on the disk.
        let mut st = sh.writes.lock();
        for d in &disks {
            if let Some(c) = st.resources.get_mut(&normalize_id(d)) {
                c.body["managedBy"] = rp.display_id().into();
                c.body["properties"]["diskState"] = "Attached".into();
            }
        }
    }
    put_reply(ctx, rp, out)
}

/// `DELETE` of a compute or network resource: 202 with `Location` (and
/// `Azure-AsyncOperation`) while it runs; 204 when there is nothing to delete.
pub fn delete(sh: &Shared, ctx: &Ctx, ti: usize, rp: &ResPath) -> Reply {
    let in_base = base_item(&sh.store.tenants[ti], &rp.id).is_some();
    let mut st = sh.writes.lock();
    let exists = st.resources.get(&rp.id).is_some_and(|c| c.tenant == ti)
        || (in_base && !st.deleted.contains(&rp.id));
    let written = Some(Written {
        created: false,
        resource_id: Some(rp.display_id()),
    });
    if !exists {
        let mut r = Reply {
            status: StatusCode::NO_CONTENT,
            headers: Vec::new(),
            body: Vec::new(),
            written: None,
        };
        r.written = written;
        return r;
    }
    st.resources.remove(&rp.id);
    st.deleted.insert(rp.id.clone());
    let duration = sh.writes.lro;
    let op = lro::start(
        &mut st,
        ti,
        duration,
        lro::OpKind::Location {
            status: 200,
            body: None,
        },
    );
    let _ = Instant::now();
    let mut r = Reply {
        status: StatusCode::ACCEPTED,
        headers: vec![
            ("location", lro::result_url(ctx, &rp.sub, &op)),
            ("azure-asyncoperation", lro::url(ctx, &rp.sub, &op)),
            ("retry-after", lro::retry_after(duration)),
        ],
        body: Vec::new(),
        written: None,
    };
    r.written = written;
    r
}
