//! Power Platform under `/bap`, `/powerapps`, `/flow`, `/powerplatform` and
//! `/dataverse/{instanceHost}`: every `powerplatform/*` collection of
//! docs/raw-export.md at its real path for the token's tenant.
//!
//! - BAP: the admin environment list (`properties.capacity` only with
//!   `$expand=properties.capacity`, as the service does) and t2t migration
//!   requests; Power Apps admin apps, connections, custom connectors (`apis`)
//!   and Power Automate admin flows per environment, an unknown environment
//!   a 404 `EnvironmentNotFound`. These page with a top-level `nextLink`.
//! - Power Platform API: `licensing/tenantCapacity`, one object.
//! - Dataverse Web API `api/data/v9.2/{entitySet}` per environment host,
//!   `Prefer: odata.maxpagesize` (echoed in `Preference-Applied`) and
//!   `@odata.nextLink`; an entity set the environment lacks (the portal
//!   solution's `adx_websites`) is Dataverse's 404.
//!
//! Token audiences are checked per service (Dataverse: `https://{host}`),
//! and so is `api-version` where the real service requires it. Quotas:
//! 6,000 requests per user per 5 minutes, per service (Dataverse's service
//! protection limit; the admin APIs get the same budget).

use super::paging;
use super::quota::{retry_after_secs, Take};
use super::store::{Collection, Tenant};
use super::tokens::{self, Claims, TokenError};
use super::{Ctx, Reply, Service, Shared};
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;

/// Audiences the BAP and Power Apps admin APIs accept, per cloud.
pub const APPS_AUDIENCES: &[&str] = &[
    "https://service.powerapps.com",
    "https://api.bap.microsoft.com",
    "https://high.service.powerapps.us",
    "https://service.powerapps.cn",
];
pub const FLOW_AUDIENCES: &[&str] = &[
    "https://service.flow.microsoft.com",
    "https://high.service.flow.microsoft.us",
    "https://service.powerautomate.cn",
];
pub const API_AUDIENCES: &[&str] = &[
    "https://api.powerplatform.com",
    "https://api.high.powerplatform.microsoft.us",
    "https://api.powerplatform.partner.microsoftonline.cn",
];

/// Whether the token endpoint may issue a token for this resource: a
/// Power Platform service or a Dataverse instance.
pub fn known_audience(aud: &str) -> bool {
    tokens::audience_ok(aud, APPS_AUDIENCES)
        || tokens::audience_ok(aud, FLOW_AUDIENCES)
        || tokens::audience_ok(aud, API_AUDIENCES)
        || url::Url::parse(aud)
            .ok()
            .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
            .is_some_and(|h| {
                [".dynamics.com", ".microsoftdynamics.us", ".dynamics.cn"]
                    .iter()
                    .any(|s| h.ends_with(s))
            })
}

/// The `[endpoints]` lines that point the Power Platform services at a
/// simulator at `base`.
pub fn endpoints_toml(base: &str) -> String {
    format!(
        "bap = \"{base}/bap\"\npowerapps = \"{base}/powerapps\"\nflow = \"{base}/flow\"\npowerplatform = \"{base}/powerplatform\"\ndataverse = \"{base}/dataverse/{{host}}\"\n"
    )
}

/// Requests per user and service in [`QUOTA_WINDOW`].
const QUOTA: f64 = 6000.0;
const QUOTA_WINDOW: Duration = Duration::from_secs(300);

/// Admin list pages hold this many items unless `--page-size` says fewer.
const ADMIN_PAGE: usize = 250;
/// Dataverse's default and largest page.
const DATAVERSE_PAGE: usize = 5000;

/// Per tenant: Dataverse instance host → environment name (lowercase).
#[derive(Debug, Default)]
pub struct Index {
    pub hosts: HashMap<String, String>,
}

impl Index {
    pub fn build(t: &Tenant) -> Index {
        let mut hosts = HashMap::new();
        for item in t
            .collection("powerplatform/environments")
            .map(|c| c.items.as_slice())
            .unwrap_or(&[])
        {
            let v = item.value();
            let name = v.get("name").and_then(Value::as_str);
            let url = v
                .pointer("/properties/linkedEnvironmentMetadata/instanceUrl")
                .and_then(Value::as_str)
                .and_then(|u| url::Url::parse(u).ok())
                .and_then(|u| u.host_str().map(str::to_ascii_lowercase));
            if let (Some(name), Some(host)) = (name, url) {
                hosts.insert(host, name.to_ascii_lowercase());
            }
        }
        Index { hosts }
    }
}

/// The admin APIs' error body (ARM's shape).
pub fn error(status: StatusCode, code: &str, message: &str) -> Reply {
    Reply::json(
        status,
        &json!({"error": {"code": code, "message": message}}),
    )
}

/// Dataverse's error body: a hex error code.
pub fn dataverse_error(status: StatusCode, code: &str, message: &str) -> Reply {
    Reply::json(
        status,
        &json!({"error": {"code": code, "message": message}}),
    )
}

fn unauthorized(service: Service, why: &str) -> Reply {
    match service {
        // Dataverse answers 401 with an empty body and the challenge only.
        Service::Dataverse => Reply {
            status: StatusCode::UNAUTHORIZED,
            headers: vec![(
                "www-authenticate",
                "Bearer authorization_uri=https://login.microsoftonline.com/common/oauth2/authorize"
                    .into(),
            )],
            body: Vec::new(),
            written: None,
        },
        _ => error(StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken", why),
    }
}

fn authenticate(
    sh: &Shared,
    ctx: &Ctx,
    service: Service,
    host: Option<&str>,
) -> Result<Claims, Reply> {
    let claims = ctx.verify(&sh.issuer).map_err(|e| {
        unauthorized(
            service,
            match e {
                TokenError::Missing => "The 'Authorization' header is missing.",
                TokenError::Expired { .. } => "The access token has expired.",
                TokenError::Malformed | TokenError::BadSignature => "The access token is invalid.",
            },
        )
    })?;
    let ok = match service {
        Service::Bap | Service::PowerApps => tokens::audience_ok(&claims.aud, APPS_AUDIENCES),
        Service::Flow => tokens::audience_ok(&claims.aud, FLOW_AUDIENCES),
        Service::PowerPlatform => tokens::audience_ok(&claims.aud, API_AUDIENCES),
        _ => host.is_some_and(|h| tokens::audience_ok(&claims.aud, &[&format!("https://{h}")])),
    };
    if !ok {
        return Err(match service {
            Service::Dataverse => unauthorized(service, ""),
            _ => error(
                StatusCode::UNAUTHORIZED,
                "InvalidAuthenticationTokenAudience",
                &format!(
                    "The access token has been obtained for wrong audience or resource '{}'.",
                    claims.aud
                ),
            ),
        });
    }
    Ok(claims)
}

fn take(sh: &Shared, service: Service, claims: &Claims) -> Result<(), Reply> {
    let key = format!("{}:{}:{}", service.name(), claims.tid, claims.oid);
    let rate = QUOTA / QUOTA_WINDOW.as_secs_f64();
    match sh.quotas.bucket(&key, 1.0, QUOTA, rate) {
        Take::Ok { .. } => Ok(()),
        Take::Throttled { retry_after } => {
            let secs = retry_after_secs(retry_after);
            let r = match service {
                Service::Dataverse => dataverse_error(
                    StatusCode::TOO_MANY_REQUESTS,
                    "0x80072322",
                    "Number of requests exceeded the limit of 6000 over time window of 300 seconds.",
                ),
                _ => error(
                    StatusCode::TOO_MANY_REQUESTS,
                    "TooManyRequests",
                    "Rate limit is exceeded. Try again later.",
                ),
            };
            Err(r.header("retry-after", secs.to_string()))
        }
    }
}

pub fn handle(sh: &Shared, ctx: &Ctx, service: Service, tenant_out: &mut Option<String>) -> Reply {
    let prefix = format!("/{}", service.name());
    let rest = ctx.path.get(prefix.len()..).unwrap_or("").to_string();
    // Dataverse: `/dataverse/{host}/api/data/v9.2/...`.
    let (host, rest) = if service == Service::Dataverse {
        let r = rest.trim_start_matches('/');
        let (h, r) = r.split_once('/').unwrap_or((r, ""));
        (Some(h.to_ascii_lowercase()), format!("/{r}"))
    } else {
        (None, rest)
    };
    let claims = match authenticate(sh, ctx, service, host.as_deref()) {
        Ok(c) => c,
        Err(r) => return r,
    };
    *tenant_out = Some(claims.tid.clone());
    let Some((ti, t)) = sh.store.tenant(&claims.tid) else {
        return unauthorized(service, "The tenant of the access token is unknown.");
    };
    if ctx.method != Method::GET {
        return error(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            &format!("The requested method '{}' is not allowed.", ctx.method),
        );
    }
    if let Err(r) = take(sh, service, &claims) {
        return r;
    }
    let lower = rest.trim_end_matches('/').to_ascii_lowercase();
    let segs: Vec<&str> = lower.trim_start_matches('/').split('/').collect();
    if service == Service::Dataverse {
        let index = sh.pp.get(ti);
        let env = host
            .as_deref()
            .and_then(|h| index.and_then(|i| i.hosts.get(h)));
        let Some(env) = env else {
            // An instance host of another tenant, or none: Dataverse refuses
            // the token for an organization it does not belong to.
            return unauthorized(service, "");
        };
        return dataverse(
            sh,
            ctx,
            &claims,
            t,
            env,
            host.as_deref().unwrap_or(""),
            &segs,
        );
    }
    if ctx.param("api-version").is_none() {
        return error(
            StatusCode::BAD_REQUEST,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        );
    }
    match (service, segs.as_slice()) {
        (
            Service::Bap,
            ["providers", "microsoft.businessappplatform", "scopes", "admin", "environments"],
        ) => {
            let Some(c) = t.collection("powerplatform/environments") else {
                return forbidden();
            };
            let expand = ctx
                .param("$expand")
                .is_some_and(|e| e.to_ascii_lowercase().contains("properties.capacity"));
            let all: Vec<usize> = (0..c.items.len()).collect();
            admin_page(sh, ctx, &claims, &lower, &all, c, !expand)
        }
        (Service::Bap, ["providers", "microsoft.businessappplatform", "t2tmigrations"]) => {
            match t.collection("powerplatform/t2t-migrations") {
                Some(c) => {
                    let all: Vec<usize> = (0..c.items.len()).collect();
                    admin_page(sh, ctx, &claims, &lower, &all, c, false)
                }
                None => admin_page(sh, ctx, &claims, &lower, &[], &Collection::default(), false),
            }
        }
        (Service::PowerPlatform, ["licensing", "tenantcapacity"]) => {
            match t
                .collection("powerplatform/tenant-capacity")
                .and_then(|c| c.items.first())
            {
                Some(i) => Reply::raw_json(StatusCode::OK, i.json.to_string()),
                None => forbidden(),
            }
        }
        (
            Service::PowerApps,
            ["providers", "microsoft.powerapps", "scopes", "admin", "environments", env, kind @ ("apps" | "connections" | "apis")],
        ) => {
            let coll = match *kind {
                "apps" => "powerplatform/apps",
                "connections" => "powerplatform/connections",
                _ => "powerplatform/custom-connectors",
            };
            per_env(sh, ctx, &claims, t, &lower, coll, env)
        }
        (
            Service::Flow,
            ["providers", "microsoft.processsimple", "scopes", "admin", "environments", env, "v2", "flows"],
        ) => per_env(sh, ctx, &claims, t, &lower, "powerplatform/flows", env),
        _ => error(
            StatusCode::NOT_FOUND,
            "NotFound",
            &format!("The route '{}' is not served.", ctx.path),
        ),
    }
}

fn forbidden() -> Reply {
    error(
        StatusCode::FORBIDDEN,
        "Forbidden",
        "The caller does not have permission to perform this operation: it needs the Power Platform administrator role.",
    )
}

fn env_known(t: &Tenant, env: &str) -> bool {
    t.collection("powerplatform/environments")
        .is_some_and(|c| c.items.iter().any(|i| i.id.rsplit('/').next() == Some(env)))
}

fn per_env(
    sh: &Shared,
    ctx: &Ctx,
    claims: &Claims,
    t: &Tenant,
    lower: &str,
    coll: &str,
    env: &str,
) -> Reply {
    let empty = Collection::default();
    let c = t.children.get(coll).and_then(|m| m.get(env));
    let c = match c {
        Some(c) => c,
        None if env_known(t, env) => &empty,
        None => {
            return error(
                StatusCode::NOT_FOUND,
                "EnvironmentNotFound",
                &format!(
                    "The environment '{env}' could not be found in the tenant '{}'.",
                    claims.tid
                ),
            )
        }
    };
    let all: Vec<usize> = (0..c.items.len()).collect();
    admin_page(sh, ctx, claims, lower, &all, c, false)
}

/// One admin page: `{"value": [...], "nextLink"?}`; `strip_capacity` drops
/// `properties.capacity` (not asked for with `$expand`).
fn admin_page(
    sh: &Shared,
    ctx: &Ctx,
    claims: &Claims,
    lower: &str,
    idx: &[usize],
    c: &Collection,
    strip_capacity: bool,
) -> Reply {
    let scope = format!("{}|{lower}", claims.tid);
    let offset = match ctx.param("$skiptoken") {
        Some(tok) => match paging::decode(&sh.issuer, &scope, tok) {
            Some(o) => o,
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "InvalidSkipToken",
                    "The skip token is not valid for this request.",
                )
            }
        },
        None => 0,
    };
    let size = paging::size(None, ADMIN_PAGE, ADMIN_PAGE, sh.page_size);
    let (range, more) = paging::window(idx.len(), offset, size);
    let mut tail = Vec::new();
    if more {
        let rest = ctx.query_without(&["$skiptoken"]);
        let tok = paging::encode(&sh.issuer, &scope, range.end);
        let sep = if rest.is_empty() { "" } else { "&" };
        tail.push((
            "nextLink",
            Value::String(format!(
                "{}{}?{rest}{sep}%24skiptoken={tok}",
                ctx.base, ctx.path
            )),
        ));
    }
    let texts: Vec<String> = idx[range]
        .iter()
        .map(|&i| {
            let json = &c.items[i].json;
            if strip_capacity && json.contains("\"capacity\"") {
                let mut v = c.items[i].value();
                if let Some(p) = v.get_mut("properties").and_then(Value::as_object_mut) {
                    p.remove("capacity");
                }
                v.to_string()
            } else {
                json.to_string()
            }
        })
        .collect();
    Reply::raw_json(
        StatusCode::OK,
        super::list_body(&[], "value", texts.iter().map(String::as_str), &tail),
    )
}

/// The Web API: entity set → the collection it is saved in, and the key
/// its rows carry (websites hold both Power Pages data models).
const ENTITY_SETS: &[(&str, &str, &str)] = &[
    ("solutions", "powerplatform/dataverse/solutions", ""),
    ("systemusers", "powerplatform/dataverse/systemusers", ""),
    ("bots", "powerplatform/dataverse/bots", ""),
    (
        "powerpagesites",
        "powerplatform/dataverse/websites",
        "\"powerpagesiteid\"",
    ),
    (
        "adx_websites",
        "powerplatform/dataverse/websites",
        "\"adx_websiteid\"",
    ),
];

fn dataverse(
    sh: &Shared,
    ctx: &Ctx,
    claims: &Claims,
    t: &Tenant,
    env: &str,
    host: &str,
    segs: &[&str],
) -> Reply {
    let not_found = |seg: &str| {
        dataverse_error(
            StatusCode::NOT_FOUND,
            "0x8006088a",
            &format!("Resource not found for the segment '{seg}'."),
        )
    };
    let set = match segs {
        ["api", "data", "v9.2", set] => *set,
        ["api", "data", v, ..] if *v != "v9.2" => return not_found(v),
        _ => return not_found(segs.last().copied().unwrap_or("")),
    };
    let Some((_, coll, key)) = ENTITY_SETS.iter().find(|(s, _, _)| *s == set) else {
        return not_found(set);
    };
    let empty = Collection::default();
    let c = t
        .children
        .get(*coll)
        .and_then(|m| m.get(env))
        .unwrap_or(&empty);
    let idx: Vec<usize> = (0..c.items.len())
        .filter(|&i| key.is_empty() || c.items[i].json.contains(key))
        .collect();
    // The portal solution's table exists only where it is installed.
    if set == "adx_websites" && idx.is_empty() {
        return not_found(set);
    }
    let requested = ctx
        .headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|p| p.trim().strip_prefix("odata.maxpagesize="))
        .and_then(|n| n.trim().parse::<usize>().ok())
        .filter(|n| *n > 0);
    let size = paging::size(requested, DATAVERSE_PAGE, DATAVERSE_PAGE, sh.page_size);
    let scope = format!(
        "{}|{host}|{set}|{}",
        claims.tid,
        ctx.param("$select").unwrap_or("")
    );
    let offset = match ctx.param("$skiptoken") {
        Some(tok) => match paging::decode(&sh.issuer, &scope, tok) {
            Some(o) => o,
            None => {
                return dataverse_error(
                    StatusCode::BAD_REQUEST,
                    "0x80060888",
                    "The paging cookie is not valid for this query.",
                )
            }
        },
        None => 0,
    };
    let (range, more) = paging::window(idx.len(), offset, size);
    let select = ctx.param("$select").unwrap_or("");
    let context = format!("https://{host}/api/data/v9.2/$metadata#{set}({select})");
    let mut tail = Vec::new();
    if more {
        let rest = ctx.query_without(&["$skiptoken"]);
        let tok = paging::encode(&sh.issuer, &scope, range.end);
        let sep = if rest.is_empty() { "" } else { "&" };
        tail.push((
            "@odata.nextLink",
            Value::String(format!(
                "{}{}?{rest}{sep}%24skiptoken={tok}",
                ctx.base, ctx.path
            )),
        ));
    }
    let items = idx[range].iter().map(|&i| &*c.items[i].json);
    let mut reply = Reply::raw_json(
        StatusCode::OK,
        super::list_body(
            &[("@odata.context", Value::String(context))],
            "value",
            items,
            &tail,
        ),
    )
    .header("odata-version", "4.0");
    if let Some(n) = requested {
        reply = reply.header(
            "preference-applied",
            format!("odata.maxpagesize={}", n.min(size)),
        );
    }
    reply
}
