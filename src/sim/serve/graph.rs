//! Microsoft Graph v1.0 under `/graph/v1.0`: every `graph/*` collection of
//! docs/raw-export.md at its real path for the token's tenant, the one-object
//! ones (`policies/crossTenantAccessPolicy/default`), group members by group
//! id, `servicePrincipals/{id}/appRoleAssignedTo`, `$top` (1..=999) and
//! `@odata.nextLink` paging with an opaque `$skiptoken`; Graph's error bodies.

use super::paging;
use super::quota::{graph_units_for, retry_after_secs, Take};
use super::store::{Collection, Tenant};
use super::tokens::{self, Claims, TokenError};
use super::{request_id, Ctx, Reply, Shared};
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

/// Plain collections: lowercased path under `/v1.0` -> collection.
const LISTS: &[(&str, &str)] = &[
    ("organization", "graph/organization"),
    ("users", "graph/users"),
    ("groups", "graph/groups"),
    ("applications", "graph/applications"),
    ("serviceprincipals", "graph/service-principals"),
    (
        "policies/crosstenantaccesspolicy/partners",
        "graph/cross-tenant-access-partners",
    ),
    (
        "rolemanagement/directory/roleassignments",
        "graph/directory-role-assignments",
    ),
    ("subscribedskus", "graph/subscribed-skus"),
    (
        "solutions/migrations/crosstenantmigrationjobs",
        "graph/cross-tenant-migration-jobs",
    ),
];

/// Graph's error body, with the `innerError` every real one carries.
pub fn error(status: StatusCode, code: &str, message: &str) -> Reply {
    let date = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string();
    let mut inner =
        json!({"date": date, "request-id": request_id(), "client-request-id": request_id()});
    if status == StatusCode::TOO_MANY_REQUESTS {
        inner["code"] = json!("429");
        inner["status"] = json!("429");
    }
    Reply::json(
        status,
        &json!({"error": {"code": code, "message": message, "innerError": inner}}),
    )
}

fn authenticate(sh: &Shared, ctx: &Ctx) -> Result<Claims, Reply> {
    let unauthorized = |m: &str| error(StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken", m);
    let claims = ctx.verify(&sh.issuer).map_err(|e| match e {
        TokenError::Missing => unauthorized("Access token is empty."),
        TokenError::Malformed => {
            unauthorized("IDX14100: JWT is not well formed, there are no dots (.).")
        }
        TokenError::BadSignature => {
            unauthorized("Access token validation failure. Invalid signature.")
        }
        TokenError::Expired { .. } => {
            unauthorized("Lifetime validation failed, the token is expired.")
        }
    })?;
    if !tokens::audience_ok(&claims.aud, tokens::GRAPH_AUDIENCES) {
        return Err(unauthorized(
            "Access token validation failure. Invalid audience.",
        ));
    }
    Ok(claims)
}

pub fn handle(sh: &Shared, ctx: &Ctx, tenant_out: &mut Option<String>) -> Reply {
    let claims = match authenticate(sh, ctx) {
        Ok(c) => c,
        Err(r) => return r,
    };
    *tenant_out = Some(claims.tid.clone());
    let Some((ti, t)) = sh.store.tenant(&claims.tid) else {
        return error(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            "Access token validation failure. Invalid tenant.",
        );
    };
    if ctx.method == Method::POST
        && ctx
            .path
            .trim_end_matches('/')
            .eq_ignore_ascii_case("/graph/v1.0/invitations")
    {
        return super::write::invitations::post(sh, ctx, ti);
    }
    if ctx.method != Method::GET {
        return error(
            StatusCode::METHOD_NOT_ALLOWED,
            "Request_BadRequest",
            "Specified HTTP method is not allowed for the request target.",
        );
    }
    let full = ctx.path["/graph".len()..].to_string();
    let Some(rest) = strip_ci(&full, "/v1.0/") else {
        return error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Invalid version: the simulator serves v1.0.",
        );
    };
    let rest = rest.trim_end_matches('/');
    let lower = rest.to_ascii_lowercase();
    let segs: Vec<&str> = lower.split('/').collect();

    let cost = cost(&segs, ctx);
    let quota_headers = match take(sh, &claims, t, cost) {
        Ok(h) => h,
        Err(r) => return r,
    };
    let mut reply = route(sh, ctx, &claims, t, &lower, &segs);
    reply.headers.extend(quota_headers);
    reply
}

fn strip_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    // `get` rather than slicing: a multi-byte character at the cut is a miss, not a panic.
    s.get(..prefix.len())
        .filter(|head| head.eq_ignore_ascii_case(prefix))
        .and_then(|_| s.get(prefix.len()..))
}

fn route(sh: &Shared, ctx: &Ctx, claims: &Claims, t: &Tenant, lower: &str, segs: &[&str]) -> Reply {
    let empty = Collection::default();
    if let Some((_, coll)) = LISTS.iter().find(|(p, _)| *p == lower) {
        return match t.collection(coll) {
            Some(c) => {
                let all: Vec<usize> = (0..c.items.len()).collect();
                page(sh, ctx, claims, lower, &all, c)
            }
            None => denied(),
        };
    }
    match segs {
        ["policies", "crosstenantaccesspolicy", "default"] => {
            match t
                .collection("graph/cross-tenant-access-default")
                .and_then(|c| c.items.first())
            {
                Some(i) => Reply::raw_json(StatusCode::OK, i.json.to_string()),
                None => denied(),
            }
        }
        ["groups", id, "members", cast @ ..] if cast.len() <= 1 => {
            let members = t
                .children
                .get("graph/group-members")
                .and_then(|m| m.get(*id));
            let known = t
                .collection("graph/groups")
                .is_some_and(|g| g.items.iter().any(|i| i.id.trim_start_matches('/') == *id));
            let c = match members {
                Some(c) => c,
                None if known => &empty,
                None => return not_found(id),
            };
            let mut idx: Vec<usize> = (0..c.items.len()).collect();
            if let Some(cast) = cast.first() {
                let want = format!("#{cast}");
                idx.retain(|&i| {
                    c.items[i]
                        .odata_type
                        .as_deref()
                        .is_none_or(|ty| ty.eq_ignore_ascii_case(&want))
                });
            }
            page(sh, ctx, claims, lower, &idx, c)
        }
        ["serviceprincipals", id, "approleassignedto"] => {
            let Some(c) = t.collection("graph/app-role-assignments") else {
                return denied();
            };
            let idx: Vec<usize> = (0..c.items.len())
                .filter(|&i| {
                    c.items[i]
                        .resource_id
                        .as_deref()
                        .is_some_and(|r| r.eq_ignore_ascii_case(id))
                })
                .collect();
            let known = t
                .collection("graph/service-principals")
                .is_some_and(|s| s.items.iter().any(|i| i.id.trim_start_matches('/') == *id));
            if idx.is_empty() && !known {
                return not_found(id);
            }
            page(sh, ctx, claims, lower, &idx, c)
        }
        [kind @ ("users" | "groups" | "applications" | "serviceprincipals"), id] => {
            let coll = LISTS
                .iter()
                .find(|(p, _)| p == kind)
                .map(|(_, c)| *c)
                .unwrap_or("");
            match t
                .collection(coll)
                .and_then(|c| c.items.iter().find(|i| i.id.trim_start_matches('/') == *id))
            {
                Some(i) => Reply::raw_json(StatusCode::OK, i.json.to_string()),
                None => not_found(id),
            }
        }
        _ => {
            let seg = segs.iter().find(|s| !s.is_empty()).copied().unwrap_or("");
            error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                &format!("Resource not found for the segment '{seg}'."),
            )
        }
    }
}

/// One page: `{"@odata.context", "value": [...], "@odata.nextLink"?}`.
fn page(
    sh: &Shared,
    ctx: &Ctx,
    claims: &Claims,
    lower: &str,
    idx: &[usize],
    c: &Collection,
) -> Reply {
    let top = match ctx.param("$top") {
        None => None,
        Some(v) => match v.trim().parse::<usize>() {
            Ok(n) if (1..=paging::GRAPH_MAX).contains(&n) => Some(n),
            _ => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "Request_BadRequest",
                    &format!(
                        "Invalid page size specified: '{v}'. Must be between 1 and 999 inclusive."
                    ),
                )
            }
        },
    };
    let scope = format!(
        "{}|{lower}|{}",
        claims.tid,
        ctx.param("$filter").unwrap_or("")
    );
    let offset = match ctx.param("$skiptoken") {
        Some(tok) => match paging::decode(&sh.issuer, &scope, tok) {
            Some(o) => o,
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "Request_BadRequest",
                    "The specified page token value has expired and can no longer be included in your request.",
                )
            }
        },
        None => 0,
    };
    let size = paging::size(top, paging::GRAPH_DEFAULT, paging::GRAPH_MAX, sh.page_size);
    let (range, more) = paging::window(idx.len(), offset, size);
    let context = c
        .context
        .clone()
        .unwrap_or_else(|| format!("https://graph.microsoft.com/v1.0/$metadata#{lower}"));
    let mut head = vec![("@odata.context", Value::String(context))];
    if offset == 0
        && ctx
            .param("$count")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        head.push(("@odata.count", json!(idx.len())));
    }
    if more {
        let rest = ctx.query_without(&["$skiptoken"]);
        let tok = paging::encode(&sh.issuer, &scope, range.end);
        let sep = if rest.is_empty() { "" } else { "&" };
        head.push((
            "@odata.nextLink",
            Value::String(format!(
                "{}{}?{rest}{sep}%24skiptoken={tok}",
                ctx.base, ctx.path
            )),
        ));
    }
    let items = idx[range].iter().map(|&i| &*c.items[i].json);
    Reply::raw_json(StatusCode::OK, super::list_body(&head, "value", items, &[]))
}

/// Resource units of a request (throttling-limits page): users 2, members 3,
/// others 1; `$select` saves one; never below 1.
fn cost(segs: &[&str], ctx: &Ctx) -> f64 {
    let base: f64 = match segs {
        ["users", ..] => 2.0,
        [_, _, "members", ..] => 3.0,
        _ => 1.0,
    };
    let select = if ctx.param("$select").is_some() {
        1.0
    } else {
        0.0
    };
    (base - select).max(1.0)
}

fn take(
    sh: &Shared,
    claims: &Claims,
    t: &Tenant,
    cost: f64,
) -> Result<Vec<(&'static str, String)>, Reply> {
    let q = &sh.quotas.opts;
    let cap = f64::from(
        q.graph_units
            .unwrap_or_else(|| graph_units_for(t.user_count)),
    );
    let rate = cap / q.graph_window.as_secs_f64().max(0.001);
    let key = format!("graph:{}:{}", claims.tid, claims.appid);
    match sh.quotas.bucket(&key, cost, cap, rate) {
        Take::Ok { remaining, .. } => {
            let mut h = vec![("x-ms-resource-unit", format!("{cost}"))];
            let used = 1.0 - remaining as f64 / cap;
            if used >= 0.8 {
                h.push(("x-ms-throttle-limit-percentage", format!("{used:.1}")));
            }
            Ok(h)
        }
        Take::Throttled { retry_after } => Err(error(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequests",
            "Too many requests.",
        )
        .header("retry-after", retry_after_secs(retry_after).to_string())
        .header(
            "x-ms-throttle-scope",
            format!(
                "Tenant_Application/ReadWrite/{}/{}",
                claims.tid, claims.appid
            ),
        )
        .header("x-ms-throttle-information", "ResourceUnitLimitExceeded")),
    }
}

fn denied() -> Reply {
    error(
        StatusCode::FORBIDDEN,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
    )
}

fn not_found(id: &str) -> Reply {
    error(
        StatusCode::NOT_FOUND,
        "Request_ResourceNotFound",
        &format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."),
    )
}
