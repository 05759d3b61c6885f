//! Azure Resource Manager under `/arm`: `GET /subscriptions`, every `arm/*`
//! collection of docs/raw-export.md at its real path (subscription lists,
//! resource-group lists, per-parent lists such as registry replications,
//! gallery images and versions, VM extensions), one Marketplace agreement,
//! and the real ARM error bodies (wire-facts.md §4).

use super::paging;
use super::quota::{retry_after_secs, Take};
use super::store::{normalize_id, Collection, Tenant};
use super::tokens::{self, Claims, TokenError};
use super::{Ctx, Reply, Shared};
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

/// Subscription-level lists: `{namespace}/{type}` -> collection.
const SUB_TYPES: &[(&str, &str)] = &[
    ("microsoft.compute/disks", "arm/disks"),
    ("microsoft.compute/snapshots", "arm/snapshots"),
    ("microsoft.compute/virtualmachines", "arm/virtual-machines"),
    (
        "microsoft.compute/diskencryptionsets",
        "arm/disk-encryption-sets",
    ),
    ("microsoft.compute/galleries", "arm/galleries"),
    ("microsoft.compute/skus", "arm/resource-skus"),
    ("microsoft.containerregistry/registries", "arm/registries"),
    (
        "microsoft.authorization/roledefinitions",
        "arm/role-definitions",
    ),
    (
        "microsoft.authorization/roleassignments",
        "arm/role-assignments",
    ),
    (
        "microsoft.authorization/denyassignments",
        "arm/deny-assignments",
    ),
    ("microsoft.authorization/locks", "arm/locks"),
    (
        "microsoft.authorization/policyassignments",
        "arm/policy-assignments",
    ),
    (
        "microsoft.marketplaceordering/agreements",
        "arm/marketplace-agreements",
    ),
    ("microsoft.keyvault/vaults", "arm/key-vaults"),
    ("microsoft.sql/servers", "arm/sql-servers"),
    ("microsoft.storage/storageaccounts", "arm/storage-accounts"),
];

/// Per-parent lists: `{namespace}/{type}`, child segment -> collection.
const CHILD_TYPES: &[(&str, &str, &str)] = &[
    (
        "microsoft.containerregistry/registries",
        "replications",
        "arm/registry-replications",
    ),
    (
        "microsoft.containerregistry/registries",
        "webhooks",
        "arm/registry-webhooks",
    ),
    (
        "microsoft.containerregistry/registries",
        "scopemaps",
        "arm/registry-scope-maps",
    ),
    (
        "microsoft.containerregistry/registries",
        "tokens",
        "arm/registry-tokens",
    ),
    (
        "microsoft.compute/virtualmachines",
        "extensions",
        "arm/vm-extensions",
    ),
    (
        "microsoft.compute/galleries",
        "images",
        "arm/gallery-images",
    ),
];

/// The ARM error body `{"error": {"code", "message"}}`.
pub fn error(status: StatusCode, code: &str, message: &str) -> Reply {
    Reply::json(
        status,
        &json!({"error": {"code": code, "message": message}}),
    )
}

/// Checks the bearer token the way ARM does, with its 401 bodies.
pub fn authenticate(sh: &Shared, ctx: &Ctx) -> Result<Claims, Reply> {
    let claims = ctx.verify(&sh.issuer).map_err(|e| match e {
        TokenError::Missing => error(
            StatusCode::UNAUTHORIZED,
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing.",
        )
        .header(
            "www-authenticate",
            "Bearer authorization_uri=\"https://login.windows.net/\", error=\"invalid_token\", error_description=\"The authentication failed because of missing 'Authorization' header.\"",
        ),
        TokenError::Expired { exp, now } => error(
            StatusCode::UNAUTHORIZED,
            "ExpiredAuthenticationToken",
            &format!(
                "The access token expiry UTC time '{}' is earlier than current UTC time '{}'.",
                utc(exp),
                utc(now)
            ),
        ),
        TokenError::Malformed | TokenError::BadSignature => error(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            "The access token is invalid.",
        )
        .header(
            "www-authenticate",
            "Bearer authorization_uri=\"https://login.windows.net/\", error=\"invalid_token\", error_description=\"The access token is invalid.\"",
        ),
    })?;
    if !tokens::audience_ok(&claims.aud, tokens::ARM_AUDIENCES) {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationTokenAudience",
            &format!(
                "The access token has been obtained for wrong audience or resource '{}'. It should exactly match with one of the allowed audiences 'https://management.core.windows.net/','https://management.core.windows.net','https://management.azure.com/','https://management.azure.com'.",
                claims.aud
            ),
        ));
    }
    Ok(claims)
}

fn utc(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|d| d.format("%m/%d/%Y %H:%M:%S").to_string())
        .unwrap_or_default()
}

/// 401 for a subscription that belongs to another tenant than the token's.
pub fn wrong_tenant(token_tid: &str, owner: &str) -> Reply {
    error(
        StatusCode::UNAUTHORIZED,
        "InvalidAuthenticationTokenTenant",
        &format!(
            "The access token is from the wrong issuer 'https://sts.windows.net/{token_tid}/'. It must match the tenant 'https://sts.windows.net/{owner}/' associated with this subscription. Please use the authority (URL) 'https://login.windows.net/{owner}' to get the token. Note, if the subscription is transferred to another tenant there is no impact to the services, but information about new tenant could take time to propagate (up to an hour). If you just transferred your subscription and see this error message, please try back later."
        ),
    )
    .header(
        "www-authenticate",
        format!("Bearer authorization_uri=\"https://login.windows.net/{owner}\", error=\"invalid_token\", error_description=\"The access token is from the wrong issuer.\""),
    )
}

/// Takes one ARM read from the subscription's (or the tenant's) bucket.
pub fn take_read(
    sh: &Shared,
    claims: &Claims,
    sub: Option<&str>,
) -> Result<Vec<(&'static str, String)>, Reply> {
    let q = &sh.quotas.opts;
    let (key, header, code) = match sub {
        Some(s) => (
            format!("arm:{}:{}:{s}", claims.tid, claims.oid),
            "x-ms-ratelimit-remaining-subscription-reads",
            "SubscriptionRequestsThrottled",
        ),
        None => (
            format!("arm:{}:{}", claims.tid, claims.oid),
            "x-ms-ratelimit-remaining-tenant-reads",
            "TenantRequestsThrottled",
        ),
    };
    match sh
        .quotas
        .bucket(&key, 1.0, f64::from(q.arm_reads), q.arm_refill_per_sec)
    {
        Take::Ok { remaining, .. } => Ok(vec![(header, remaining.to_string())]),
        Take::Throttled { retry_after } => {
            let secs = retry_after_secs(retry_after);
            let scope = match sub {
                Some(s) => format!("subscription '{s}'"),
                None => format!("tenant '{}'", claims.tid),
            };
            Err(error(
                StatusCode::TOO_MANY_REQUESTS,
                code,
                &format!(
                    "Number of 'read' requests for {scope} actor '{}' exceeded. Please try again after '{secs}' seconds after the last request. Refer to https://aka.ms/arm-throttling for more information.",
                    claims.oid
                ),
            )
            .header("retry-after", secs.to_string())
            .header(header, "0"))
        }
    }
}

/// What an ARM path asks for.
enum Target {
    /// `GET /subscriptions`.
    Subscriptions,
    /// `GET /subscriptions/{s}`.
    Subscription,
    /// A subscription-level list, optionally narrowed to a resource group.
    SubList {
        coll: &'static str,
        rg_prefix: Option<String>,
    },
    /// A list under one parent resource.
    ChildList { coll: &'static str },
    /// `.../agreements/current`: one Marketplace agreement.
    Agreement,
    /// `.../providers/Microsoft.Authorization/permissions` at a subscription
    /// or resource group: the caller's effective permissions.
    Permissions,
}

pub fn handle(sh: &Shared, ctx: &Ctx, tenant_out: &mut Option<String>) -> Reply {
    let claims = match authenticate(sh, ctx) {
        Ok(c) => c,
        Err(r) => return r,
    };
    *tenant_out = Some(claims.tid.clone());
    if let Some(r) = super::write::arm(sh, ctx, &claims) {
        return r;
    }
    if ctx.method != Method::GET {
        return error(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            &format!(
                "The requested resource does not support http method '{}'.",
                ctx.method
            ),
        );
    }
    if ctx.param("api-version").is_none_or(str::is_empty) {
        return error(
            StatusCode::BAD_REQUEST,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        );
    }
    // Gallery images and versions are addressed by the ids ARM returned,
    // which carry a `locations/{region}` segment; normalized like the ids.
    let path = normalize_id(&ctx.path[4..]);
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let tenant = sh.store.tenant(&claims.tid);

    let (sub, target) = match segs.as_slice() {
        ["subscriptions"] => (None, Target::Subscriptions),
        ["subscriptions", s, rest @ ..] => match resolve(s, rest, ctx) {
            Some(t) => (Some(s.to_string()), t),
            None => return not_found(&path),
        },
        _ => return not_found(&path),
    };
    if let Some(s) = &sub {
        let owners = sh.store.sub_owner.get(s);
        let mine = tenant.is_some_and(|(i, _)| owners.is_some_and(|o| o.contains(&i)));
        if !mine {
            return match owners.and_then(|o| o.first()) {
                Some(&owner) => wrong_tenant(&claims.tid, &sh.store.tenants[owner].id),
                None => error(
                    StatusCode::NOT_FOUND,
                    "SubscriptionNotFound",
                    &format!("The subscription '{s}' could not be found."),
                ),
            };
        }
    }
    let quota_headers = match take_read(sh, &claims, sub.as_deref()) {
        Ok(h) => h,
        Err(r) => return r,
    };
    let mut reply = match (tenant, target) {
        (None, Target::Subscriptions) => {
            list_page(sh, ctx, &claims, &path, &[], &Collection::default())
        }
        (None, _) => not_found(&path),
        (Some((_, t)), target) => answer(
            sh,
            ctx,
            &claims,
            t,
            sub.as_deref().unwrap_or(""),
            &path,
            target,
        ),
    };
    reply.headers.extend(quota_headers);
    reply
}

fn resolve(_sub: &str, rest: &[&str], ctx: &Ctx) -> Option<Target> {
    let status_only = ctx
        .param("statusOnly")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let sub_type = |ns: &str, ty: &str| -> Option<&'static str> {
        let key = format!("{ns}/{ty}");
        if key == "microsoft.compute/virtualmachines" && status_only {
            return Some("arm/vm-instance-views");
        }
        SUB_TYPES.iter().find(|(k, _)| *k == key).map(|(_, c)| *c)
    };
    Some(match rest {
        [] => Target::Subscription,
        ["resourcegroups"] => Target::SubList {
            coll: "arm/resource-groups",
            rg_prefix: None,
        },
        ["resources"] => Target::SubList {
            coll: "arm/resources",
            rg_prefix: None,
        },
        ["providers"] => Target::SubList {
            coll: "arm/providers",
            rg_prefix: None,
        },
        ["providers", "microsoft.authorization", "permissions"]
        | ["resourcegroups", _, "providers", "microsoft.authorization", "permissions"] => {
            Target::Permissions
        }
        ["providers", ns, ty] => Target::SubList {
            coll: sub_type(ns, ty)?,
            rg_prefix: None,
        },
        ["providers", "microsoft.marketplaceordering", "offertypes", _, "publishers", _, "offers", _, "plans", _, "agreements", "current"] => {
            Target::Agreement
        }
        ["resourcegroups", rg, "providers", ns, ty] => Target::SubList {
            coll: sub_type(ns, ty)?,
            rg_prefix: Some(format!("/resourcegroups/{rg}/")),
        },
        ["resourcegroups", _, "providers", ns, ty, _, child] => {
            let key = format!("{ns}/{ty}");
            let coll = CHILD_TYPES
                .iter()
                .find(|(k, c, _)| *k == key && c == child)
                .map(|(_, _, coll)| *coll)?;
            Target::ChildList { coll }
        }
        ["resourcegroups", _, "providers", "microsoft.compute", "galleries", _, "images", _, "versions"] => {
            Target::ChildList {
                coll: "arm/gallery-image-versions",
            }
        }
        _ => return None,
    })
}

fn answer(
    sh: &Shared,
    ctx: &Ctx,
    claims: &Claims,
    t: &Tenant,
    sub: &str,
    path: &str,
    target: Target,
) -> Reply {
    let empty = Collection::default();
    match target {
        Target::Subscriptions => {
            let c = t.collection("arm/subscriptions").unwrap_or(&empty);
            let all: Vec<usize> = (0..c.items.len()).collect();
            list_page(sh, ctx, claims, path, &all, c)
        }
        Target::Subscription => t
            .collection("arm/subscriptions")
            .and_then(|c| {
                c.by_sub
                    .get(sub)
                    .and_then(|i| i.first())
                    .map(|&i| &c.items[i])
            })
            .map(|i| Reply::raw_json(StatusCode::OK, i.json.to_string()))
            .unwrap_or_else(|| not_found(path)),
        Target::SubList { coll, rg_prefix } => {
            let c = match t.collection(coll) {
                Some(c) => c,
                // Nothing collected, but writes made some: list those.
                None if super::write::has_created(sh, tenant_index(sh, t), coll) => &empty,
                None => return not_collected(claims, coll, &format!("/subscriptions/{sub}")),
            };
            let scope = format!("/subscriptions/{sub}");
            let location = ctx.param("$filter").and_then(location_filter);
            let mut idx: Vec<usize> = c.by_sub.get(sub).cloned().unwrap_or_default();
            if let Some(rg) = &rg_prefix {
                let prefix = format!("{scope}{rg}");
                idx.retain(|&i| c.items[i].id.starts_with(&prefix));
            } else {
                // Inherited from a management group: listed in every subscription.
                idx.extend(c.unscoped.iter().copied());
            }
            if let Some(loc) = location {
                idx.retain(|&i| in_location(&c.items[i].value(), &loc));
            }
            let ti = tenant_index(sh, t);
            let prefix = rg_prefix.as_ref().map(|rg| format!("{scope}{rg}"));
            let extra = super::write::overlay(sh, ti, coll, |r| {
                r.sub == sub
                    && prefix
                        .as_ref()
                        .is_none_or(|p| r.list.starts_with(p.as_str()))
            });
            list_page_with(sh, ctx, claims, path, &idx, c, extra)
        }
        Target::ChildList { coll } => {
            let c = match t.collection(coll) {
                Some(c) => c,
                None if super::write::has_created(sh, tenant_index(sh, t), coll) => &empty,
                None => return not_collected(claims, coll, path),
            };
            let idx = c.by_list.get(path).cloned().unwrap_or_default();
            let parent = path.rsplit_once('/').map(|(p, _)| p).unwrap_or("");
            let ti = tenant_index(sh, t);
            let extra = super::write::overlay(sh, ti, coll, |r| r.list == path);
            let parent_created = super::write::exists(sh, ti, parent);
            if idx.is_empty() && !t.ids.contains(parent) && !parent_created {
                return error(
                    StatusCode::NOT_FOUND,
                    "ParentResourceNotFound",
                    &format!(
                        "Can not perform requested operation on nested resource. Parent resource '{}' not found.",
                        parent.rsplit('/').next().unwrap_or(parent)
                    ),
                );
            }
            list_page_with(sh, ctx, claims, path, &idx, c, extra)
        }
        Target::Permissions => match t.collection("arm/permissions") {
            // Saved by a live run: what that identity had.
            Some(c) => {
                let mut idx = c.by_sub.get(sub).cloned().unwrap_or_default();
                idx.extend(c.unscoped.iter().copied());
                list_page(sh, ctx, claims, path, &idx, c)
            }
            // Otherwise the identity reads everything (Reader), which is
            // what collection needs; a missing role is simulated by
            // leaving collections out of the export.
            None => Reply::json(
                StatusCode::OK,
                &json!({"value": [{"actions": ["*/read"], "notActions": [], "dataActions": [], "notDataActions": []}]}),
            ),
        },
        Target::Agreement => {
            let Some(c) = t.collection("arm/marketplace-agreements") else {
                return not_collected(claims, "arm/marketplace-agreements", path);
            };
            let hit = c
                .items
                .iter()
                .position(|i| i.id == path)
                .or_else(|| c.by_list.get(path).and_then(|v| v.first().copied()));
            match hit {
                Some(i) => Reply::raw_json(StatusCode::OK, c.items[i].json.to_string()),
                None => not_found(path),
            }
        }
    }
}

/// The store index of a tenant.
fn tenant_index(sh: &Shared, t: &Tenant) -> usize {
    sh.store
        .tenants
        .iter()
        .position(|x| std::ptr::eq(x, t))
        .unwrap_or(0)
}

/// One page of a list: `{"value": [...], "nextLink"?}`.
fn list_page(
    sh: &Shared,
    ctx: &Ctx,
    claims: &Claims,
    path: &str,
    idx: &[usize],
    c: &Collection,
) -> Reply {
    list_page_with(sh, ctx, claims, path, idx, c, None)
}

/// A list page with the writes' overlay applied: the export's items that
/// were deleted or replaced are left out, created resources added after.
#[allow(clippy::too_many_arguments)]
fn list_page_with(
    sh: &Shared,
    ctx: &Ctx,
    claims: &Claims,
    path: &str,
    idx: &[usize],
    c: &Collection,
    extra: Option<(std::collections::HashSet<String>, Vec<String>)>,
) -> Reply {
    let texts: Vec<&str> = match &extra {
        None => idx.iter().map(|&i| &*c.items[i].json).collect(),
        Some((hide, add)) => idx
            .iter()
            .filter(|&&i| !hide.contains(&c.items[i].id))
            .map(|&i| &*c.items[i].json)
            .chain(add.iter().map(String::as_str))
            .collect(),
    };
    let scope = format!(
        "{}|{}|{}",
        claims.tid,
        path,
        ctx.param("$filter").unwrap_or("")
    );
    let offset = match ctx.param("$skipToken") {
        Some(tok) => match paging::decode(&sh.issuer, &scope, tok) {
            Some(o) => o,
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "InvalidSkipToken",
                    "The provided skip token is invalid or has expired.",
                )
            }
        },
        None => 0,
    };
    let size = paging::size(None, paging::ARM_DEFAULT, usize::MAX, sh.page_size);
    let (range, more) = paging::window(texts.len(), offset, size);
    let mut tail = Vec::new();
    if more {
        let rest = ctx.query_without(&["$skipToken"]);
        let tok = paging::encode(&sh.issuer, &scope, range.end);
        let sep = if rest.is_empty() { "" } else { "&" };
        tail.push((
            "nextLink",
            Value::String(format!(
                "{}{}?{rest}{sep}%24skipToken={tok}",
                ctx.base, ctx.path
            )),
        ));
    }
    let items = texts[range].iter().copied();
    Reply::raw_json(StatusCode::OK, super::list_body(&[], "value", items, &tail))
}

/// `location eq 'westeurope'` from a SKU list's `$filter`.
fn location_filter(f: &str) -> Option<String> {
    let f = f.trim();
    let rest = f
        .strip_prefix("location eq ")
        .or_else(|| f.strip_prefix("location eq"))?;
    Some(
        rest.trim()
            .trim_matches('\'')
            .to_ascii_lowercase()
            .replace(' ', ""),
    )
}

fn in_location(v: &Value, loc: &str) -> bool {
    let norm = |s: &str| s.to_ascii_lowercase().replace(' ', "");
    match v.get("locations").and_then(Value::as_array) {
        Some(ls) => ls.iter().filter_map(Value::as_str).any(|l| norm(l) == loc),
        None => v
            .get("location")
            .and_then(Value::as_str)
            .is_none_or(|l| norm(l) == loc),
    }
}

fn not_found(path: &str) -> Reply {
    error(
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
        &format!("The Resource '{path}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"),
    )
}

/// A collection absent from the export: answered as the identity lacking the
/// permission, which is what "not collected" means for the live collector.
fn not_collected(claims: &Claims, coll: &str, scope: &str) -> Reply {
    error(
        StatusCode::FORBIDDEN,
        "AuthorizationFailed",
        &format!(
            "The client '{oid}' with object id '{oid}' does not have authorization to perform action '{coll}/read' over scope '{scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.",
            oid = claims.oid
        ),
    )
}
