//! The container registry data plane under `/acr/{loginServer}`: the token
//! exchange (`POST /oauth2/exchange`: an Entra ARM token of the registry's
//! tenant for a refresh token; `POST /oauth2/token`: a refresh token for an
//! access token whose `access` claim lists the granted scopes), then
//! `GET /acr/v1/_catalog`, `/acr/v1/{repo}/_tags` and `/acr/v1/{repo}/_manifests`
//! from the raw export, paged by `n` and `last` with a `Link` header, and the
//! registry's error bodies (`{"errors": [{"code", "message", "detail"}]}`).
//! A request whose token lacks the scope gets 401 with the
//! `WWW-Authenticate: Bearer realm=...,service=...,scope=...` challenge.
//!
//! Registry tokens are JWT-shaped and signed with the simulator's key, as its
//! Entra tokens are, and recorded so tests can grep a run's files for them.
//! A registry that ARM lists with public network access disabled and whose
//! data the export does not hold answers 403 `DENIED`, as a registry answers
//! a client outside its network; one whose data the export holds was
//! exported from inside and is served.

use super::quota::{retry_after_secs, Take};
use super::store::Tenant;
use super::tokens::{self, Issuer, TokenError};
use super::{request_id, Ctx, Reply, Shared};
use crate::error::Result;
use crate::raw::{RawExport, Side};
use axum::http::{Method, StatusCode};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

/// Entries a page holds unless `n` says otherwise, and the most it may say.
pub const DEFAULT_PAGE: usize = 100;
pub const MAX_PAGE: usize = 1000;
/// Lifetime of a refresh token (3 hours) and an access token (75 minutes), as ACR issues them.
const REFRESH_SECS: i64 = 3 * 3600;
const ACCESS_SECS: i64 = 75 * 60;

/// Entries sorted by their key (repository, tag name or digest), kept as
/// JSON text.
#[derive(Debug, Default)]
pub struct Repo {
    pub tags: Vec<(String, Box<str>)>,
    pub manifests: Vec<(String, Box<str>)>,
}

/// One registry as the simulator serves it.
#[derive(Debug, Default)]
pub struct Registry {
    /// The export holds its data-plane responses.
    pub served: bool,
    /// ARM's `publicNetworkAccess` is `Disabled`.
    pub private: bool,
    /// Read operations a minute its SKU allows (Basic 1,000, Standard 3,000, Premium 10,000).
    pub reads_per_minute: u32,
    /// By repository name (sorted, as the catalog is).
    pub repos: BTreeMap<String, Repo>,
}

/// The registries of one tenant, by lowercased login server.
#[derive(Debug, Default)]
pub struct Registries {
    pub by_host: HashMap<String, Registry>,
}

impl Registries {
    /// From `arm/registries` (already loaded) and the `acr/` family.
    pub fn load(
        raw: &RawExport,
        side: Side,
        arm: Option<&super::store::Collection>,
    ) -> Result<Registries> {
        let mut by_host: HashMap<String, Registry> = HashMap::new();
        for item in arm.map(|c| c.items.as_slice()).unwrap_or(&[]) {
            let v = item.value();
            let s = |p: &str| crate::normalize::str_at(&v, p);
            let Some(host) = s("properties.loginServer").map(|h| h.trim().to_ascii_lowercase())
            else {
                continue;
            };
            let r = by_host.entry(host).or_default();
            r.private = s("properties.publicNetworkAccess")
                .is_some_and(|p| p.eq_ignore_ascii_case("disabled"));
            r.reads_per_minute = match s("sku.name")
                .unwrap_or_default()
                .to_ascii_lowercase()
                .as_str()
            {
                "basic" => 1_000,
                "premium" => 10_000,
                _ => 3_000,
            };
        }
        let root = raw.side_dir(side).join("acr");
        for host in raw.children(side, "acr")? {
            if !root.join(&host).is_dir() {
                continue;
            }
            let coll = |w: &str| format!("acr/{host}/{w}");
            let reg = by_host.entry(host.to_ascii_lowercase()).or_default();
            reg.served = true;
            if reg.reads_per_minute == 0 {
                reg.reads_per_minute = 3_000;
            }
            raw.for_each_page(side, &coll("_catalog"), |page| {
                for r in page
                    .body
                    .get("repositories")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let Some(name) = r.as_str() {
                        reg.repos.entry(name.trim().to_string()).or_default();
                    }
                }
                Ok(())
            })?;
            for (which, list, key) in [
                ("_tags", "tags", "name"),
                ("_manifests", "manifests", "digest"),
            ] {
                raw.for_each_page(side, &coll(which), |page| {
                    let Some(repo) = page.body.get("imageName").and_then(Value::as_str) else {
                        return Ok(());
                    };
                    let r = reg.repos.entry(repo.trim().to_string()).or_default();
                    let dest = if which == "_tags" {
                        &mut r.tags
                    } else {
                        &mut r.manifests
                    };
                    for item in page
                        .body
                        .get(list)
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        let k = item
                            .get(key)
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string();
                        dest.push((k, item.to_string().into_boxed_str()));
                    }
                    Ok(())
                })?;
            }
            for r in reg.repos.values_mut() {
                r.tags.sort_by(|a, b| a.0.cmp(&b.0));
                r.manifests.sort_by(|a, b| a.0.cmp(&b.0));
            }
        }
        Ok(Registries { by_host })
    }
}

/// The registry's error body: `{"errors": [{"code", "message", "detail"?}]}`.
pub fn error(status: StatusCode, code: &str, message: &str, detail: Option<Value>) -> Reply {
    let mut e = json!({"code": code, "message": message});
    if let Some(d) = detail {
        e["detail"] = d;
    }
    Reply::json(status, &json!({"errors": [e]}))
}

/// A registry token: `{grant_type, tenant, aud, sub, access, ...}`, signed
/// like the simulator's Entra tokens.
fn issue(issuer: &Issuer, mut claims: Value, lifetime: i64) -> String {
    let now = chrono::Utc::now().timestamp();
    claims["iat"] = now.into();
    claims["nbf"] = now.into();
    claims["exp"] = (now + lifetime).into();
    claims["iss"] = "Azure Container Registry".into();
    claims["jti"] = request_id().into();
    claims["version"] = "1.0".into();
    let header = B64.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = B64.encode(claims.to_string());
    let input = format!("{header}.{payload}");
    let sig = B64.encode(issuer.mac(input.as_bytes()));
    let token = format!("{input}.{sig}");
    issuer.record(&token);
    token
}

/// The claims of a registry token this simulator issued and that has not expired.
fn verify(issuer: &Issuer, token: &str) -> std::result::Result<Value, TokenError> {
    let parts: Vec<&str> = token.trim().split('.').collect();
    if parts.len() != 3 {
        return Err(TokenError::Malformed);
    }
    let expected = issuer.mac(format!("{}.{}", parts[0], parts[1]).as_bytes());
    let given = B64.decode(parts[2]).map_err(|_| TokenError::Malformed)?;
    if expected.as_slice() != given.as_slice() {
        return Err(TokenError::BadSignature);
    }
    let claims: Value = B64
        .decode(parts[1])
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(TokenError::Malformed)?;
    let now = chrono::Utc::now().timestamp();
    let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
    if exp <= now {
        return Err(TokenError::Expired { exp, now });
    }
    Ok(claims)
}

pub fn handle(sh: &Shared, ctx: &Ctx, tenant_out: &mut Option<String>) -> Reply {
    // `/acr/{host}/{rest}`
    let after = ctx.path.get("/acr/".len()..).unwrap_or("");
    let (host, rest) = after.split_once('/').unwrap_or((after, ""));
    let host = host.to_ascii_lowercase();
    // Tags `importImage` brought in, and registries a PUT created, are
    // served with the export's data.
    let written = super::write::registry::data_plane(sh, &host);
    let owner = sh
        .store
        .tenants
        .iter()
        .find(|t| t.acr.by_host.contains_key(&host))
        .or_else(|| written.as_ref().map(|(ti, _)| &sh.store.tenants[*ti]));
    let Some(t) = owner else {
        return error(
            StatusCode::NOT_FOUND,
            "NAME_UNKNOWN",
            &format!("registry '{host}' is not known to the simulator"),
            None,
        );
    };
    let created = Registry {
        served: true,
        reads_per_minute: 3_000,
        ..Registry::default()
    };
    let reg = t.acr.by_host.get(&host).unwrap_or(&created);
    let imported = written.map(|(_, m)| m).unwrap_or_default();
    if reg.private && !reg.served {
        return error(
            StatusCode::FORBIDDEN,
            "DENIED",
            "client with IP '127.0.0.1' is not allowed access. Refer https://aka.ms/acr/firewall to grant access.",
            None,
        );
    }
    if let Err(r) = take(sh, &host, reg) {
        return r;
    }
    let lower = rest.to_ascii_lowercase();
    match (ctx.method, lower.as_str()) {
        (&Method::POST, "oauth2/exchange") => exchange(sh, ctx, t, &host, tenant_out),
        (&Method::POST, "oauth2/token") => access_token(sh, ctx, &host, tenant_out),
        (&Method::GET, _) if lower.starts_with("acr/v1/") => {
            let path = &rest["acr/v1/".len()..];
            read(
                sh,
                ctx,
                &host,
                reg,
                &imported,
                path.trim_end_matches('/'),
                tenant_out,
            )
        }
        (m, _) if *m != Method::GET && lower.starts_with("acr/v1/") => error(
            StatusCode::METHOD_NOT_ALLOWED,
            "UNSUPPORTED",
            "The operation is unsupported.",
            None,
        ),
        _ => error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            &format!("the simulator does not serve '/{rest}' of a registry"),
            None,
        ),
    }
}

fn form(ctx: &Ctx) -> Vec<(String, String)> {
    url::form_urlencoded::parse(ctx.body)
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn get<'a>(form: &'a [(String, String)], k: &str) -> Option<&'a str> {
    form.iter()
        .find(|(n, _)| n == k)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

fn unauthorized(message: &str) -> Reply {
    error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", message, None)
}

/// `POST /oauth2/exchange`: an Entra token of the registry's tenant, with the
/// ARM audience, for a refresh token.
fn exchange(
    sh: &Shared,
    ctx: &Ctx,
    t: &Tenant,
    host: &str,
    tenant_out: &mut Option<String>,
) -> Reply {
    let f = form(ctx);
    if let Some(refused) = refuse_form(&f, "access_token", host) {
        return refused;
    }
    let Some(aad) = get(&f, "access_token") else {
        return unauthorized("access_token is required");
    };
    let claims = match sh.issuer.verify(aad) {
        Ok(c) => c,
        Err(TokenError::Expired { .. }) => return unauthorized("the access token has expired"),
        Err(_) => return unauthorized("the access token is not valid"),
    };
    *tenant_out = Some(claims.tid.clone());
    if !tokens::audience_ok(&claims.aud, tokens::ARM_AUDIENCES) {
        return unauthorized("the access token's audience is not Azure Resource Manager");
    }
    if let Some(tn) = get(&f, "tenant") {
        if !tn.eq_ignore_ascii_case(&claims.tid) {
            return unauthorized(&format!(
                "the access token was issued by tenant {} and not by {tn}",
                claims.tid
            ));
        }
    }
    if claims.tid != t.id {
        return unauthorized(&format!(
            "the registry {host} does not belong to tenant {}",
            claims.tid
        ));
    }
    let rt = issue(
        &sh.issuer,
        json!({"grant_type": "refresh_token", "aud": host, "tenant": claims.tid, "sub": claims.oid}),
        REFRESH_SECS,
    );
    Reply::json(StatusCode::OK, &json!({"refresh_token": rt}))
}

/// One `type:name:actions` scope as an `access` entry.
fn access_entry(scope: &str) -> Option<Value> {
    let (ty, rest) = scope.split_once(':')?;
    let (name, actions) = rest.rsplit_once(':')?;
    let actions: Vec<&str> = actions.split(',').filter(|a| !a.is_empty()).collect();
    (!ty.is_empty() && !name.is_empty() && !actions.is_empty())
        .then(|| json!({"type": ty, "name": name, "actions": actions}))
}

/// The checks both token endpoints make of their form: the grant type
/// they take, and the registry they were asked for.
fn refuse_form(f: &[(String, String)], grant: &str, host: &str) -> Option<Reply> {
    if get(f, "grant_type") != Some(grant) {
        return Some(error(
            StatusCode::BAD_REQUEST,
            "UNSUPPORTED",
            &format!("grant_type must be {grant}"),
            None,
        ));
    }
    if !get(f, "service").is_some_and(|s| s.eq_ignore_ascii_case(host)) {
        return Some(error(
            StatusCode::BAD_REQUEST,
            "UNSUPPORTED",
            &format!("service must be {host}"),
            None,
        ));
    }
    None
}

/// `POST /oauth2/token`: a refresh token for an access token with the scopes asked.
fn access_token(sh: &Shared, ctx: &Ctx, host: &str, tenant_out: &mut Option<String>) -> Reply {
    let f = form(ctx);
    if let Some(refused) = refuse_form(&f, "refresh_token", host) {
        return refused;
    }
    let Some(rt) = get(&f, "refresh_token") else {
        return unauthorized("refresh_token is required");
    };
    let claims = match verify(&sh.issuer, rt) {
        Ok(c) => c,
        Err(TokenError::Expired { .. }) => return unauthorized("the refresh token has expired"),
        Err(_) => return unauthorized("the refresh token is not valid"),
    };
    let s = |k: &str| {
        claims
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    *tenant_out = Some(s("tenant"));
    if s("grant_type") != "refresh_token" || !s("aud").eq_ignore_ascii_case(host) {
        return unauthorized("the refresh token is not for this registry");
    }
    let access: Vec<Value> = f
        .iter()
        .filter(|(k, _)| k == "scope")
        .flat_map(|(_, v)| v.split_whitespace())
        .filter_map(access_entry)
        .collect();
    let at = issue(
        &sh.issuer,
        json!({"grant_type": "access_token", "aud": host, "tenant": s("tenant"), "sub": s("sub"), "access": access}),
        ACCESS_SECS,
    );
    Reply::json(StatusCode::OK, &json!({"access_token": at}))
}

/// Whether the access claim grants `action` (or `*`) on `ty:name`.
fn granted(claims: &Value, ty: &str, name: &str, actions: &[&str]) -> bool {
    claims
        .get("access")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|a| {
            a.get("type").and_then(Value::as_str) == Some(ty)
                && a.get("name").and_then(Value::as_str) == Some(name)
                && a.get("actions")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .any(|x| x.as_str().is_some_and(|x| x == "*" || actions.contains(&x)))
        })
}

/// 401 with the challenge that names the token endpoint and the scope needed.
fn challenge(ctx: &Ctx, host: &str, scope: &str, detail: Value) -> Reply {
    error(
        StatusCode::UNAUTHORIZED,
        "UNAUTHORIZED",
        "authentication required, visit https://aka.ms/acr/authorization for more information.",
        Some(detail),
    )
    .header(
        "www-authenticate",
        format!(
            "Bearer realm=\"{}/acr/{host}/oauth2/token\",service=\"{host}\",scope=\"{scope}\"",
            ctx.base
        ),
    )
}

/// `_catalog`, `{repo}/_tags`, `{repo}/_manifests`.
fn read(
    sh: &Shared,
    ctx: &Ctx,
    host: &str,
    reg: &Registry,
    imported: &Imported,
    path: &str,
    tenant_out: &mut Option<String>,
) -> Reply {
    // `{repo}/_tags/{tag}`: one tag (repository names may hold `/`, tags not).
    let one_tag = path
        .rfind("/_tags/")
        .map(|i| (&path[..i], &path[i + "/_tags/".len()..]))
        .filter(|(r, t)| !r.is_empty() && !t.is_empty() && !t.contains('/'));
    let (needed, repo, which) = if path == "_catalog" {
        ("registry:catalog:*".to_string(), None, "_catalog")
    } else if let Some((repo, _)) = one_tag {
        (
            format!("repository:{repo}:metadata_read"),
            Some(repo),
            "_tag",
        )
    } else if let Some((repo, which @ ("_tags" | "_manifests"))) = path.rsplit_once('/') {
        (
            format!("repository:{repo}:metadata_read"),
            Some(repo),
            which,
        )
    } else {
        return error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            &format!("'/acr/v1/{path}' is not an API of the registry"),
            None,
        );
    };
    let detail = match repo {
        None => json!([{"Type": "registry", "Name": "catalog", "Action": "*"}]),
        Some(r) => json!([{"Type": "repository", "Name": r, "Action": "metadata_read"}]),
    };
    let token = tokens::bearer(
        ctx.headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok()),
    );
    let claims = match token.map(|t| verify(&sh.issuer, t)) {
        Some(Ok(c)) => c,
        _ => return challenge(ctx, host, &needed, detail),
    };
    let s = |k: &str| {
        claims
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    *tenant_out = Some(s("tenant"));
    let ok = s("grant_type") == "access_token"
        && s("aud").eq_ignore_ascii_case(host)
        && match repo {
            None => granted(&claims, "registry", "catalog", &["*"]),
            Some(r) => granted(&claims, "repository", r, &["metadata_read", "pull"]),
        };
    if !ok {
        return challenge(ctx, host, &needed, detail);
    }
    let n = match ctx.param("n") {
        None => None,
        Some(v) => match v.trim().parse::<usize>() {
            Ok(n) if (1..=MAX_PAGE).contains(&n) => Some(n),
            _ => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "PAGINATION_NUMBER_INVALID",
                    &format!("invalid number of results requested: '{v}'; it must be between 1 and {MAX_PAGE}"),
                    None,
                )
            }
        },
    };
    let size = super::paging::size(n, DEFAULT_PAGE, MAX_PAGE, sh.page_size);
    let last = ctx.param("last").unwrap_or("");
    let merged;
    let reg_repos: &BTreeMap<String, Repo> = if imported.is_empty() {
        &reg.repos
    } else {
        merged = with_imports(sh, reg, imported);
        &merged
    };
    if let (Some(r), Some((_, tag))) = (repo, one_tag) {
        let found = reg_repos
            .get(r)
            .and_then(|d| d.tags.iter().find(|(k, _)| k == tag))
            .and_then(|(_, j)| serde_json::from_str::<Value>(j).ok());
        return match found {
            Some(t) => Reply::json(
                StatusCode::OK,
                &json!({"registry": host, "imageName": r, "tag": t}),
            )
            .header("docker-distribution-api-version", "registry/2.0"),
            None if reg_repos.contains_key(r) => error(
                StatusCode::NOT_FOUND,
                "TAG_UNKNOWN",
                "the specified tag does not exist",
                Some(json!({"name": r, "tag": tag})),
            ),
            None => error(
                StatusCode::NOT_FOUND,
                "NAME_UNKNOWN",
                "repository name not known to registry",
                Some(json!({"name": r})),
            ),
        };
    }
    let (body, next_last) = match repo {
        None => {
            let names: Vec<&String> = reg_repos.keys().filter(|k| k.as_str() > last).collect();
            let page: Vec<Value> = names
                .iter()
                .take(size)
                .map(|k| Value::String((*k).clone()))
                .collect();
            let more = names.len() > size;
            let next = more.then(|| names[size - 1].clone());
            (json!({"repositories": page}).to_string(), next)
        }
        Some(r) => {
            let Some(data) = reg_repos.get(r) else {
                return error(
                    StatusCode::NOT_FOUND,
                    "NAME_UNKNOWN",
                    "repository name not known to registry",
                    Some(json!({"name": r})),
                );
            };
            let (list, field) = if which == "_tags" {
                (&data.tags, "tags")
            } else {
                (&data.manifests, "manifests")
            };
            let rest: Vec<&(String, Box<str>)> =
                list.iter().filter(|(k, _)| k.as_str() > last).collect();
            let more = rest.len() > size;
            let next = more.then(|| rest[size - 1].0.clone());
            let items = rest.iter().take(size).map(|(_, j)| &**j);
            let head = [("registry", json!(host)), ("imageName", json!(r))];
            (super::list_body(&head, field, items, &[]), next)
        }
    };
    let mut reply = Reply::raw_json(StatusCode::OK, body)
        .header("docker-distribution-api-version", "registry/2.0");
    if let Some(l) = next_last {
        let enc: String = url::form_urlencoded::byte_serialize(l.as_bytes()).collect();
        // A path, not a URL, as the registry sends it; the client resolves it.
        reply = reply.header(
            "link",
            format!("</acr/v1/{path}?last={enc}&n={size}>; rel=\"next\""),
        );
    }
    reply
}

/// Repository -> tag -> digest of the images `importImage` brought in.
pub type Imported = BTreeMap<String, BTreeMap<String, String>>;

/// The registry's repositories with the imported tags added (an imported
/// tag replaces one of the same name); a manifest is the source's (found by
/// its digest in any served registry), else a minimal one.
fn with_imports(sh: &Shared, reg: &Registry, imported: &Imported) -> BTreeMap<String, Repo> {
    let mut out: BTreeMap<String, Repo> = reg
        .repos
        .iter()
        .map(|(k, r)| {
            (
                k.clone(),
                Repo {
                    tags: r.tags.clone(),
                    manifests: r.manifests.clone(),
                },
            )
        })
        .collect();
    let now = chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string();
    let attrs = json!({"deleteEnabled": true, "writeEnabled": true, "readEnabled": true, "listEnabled": true});
    let source_manifest = |digest: &str| -> Option<Value> {
        sh.store.tenants.iter().find_map(|t| {
            t.acr.by_host.values().find_map(|r| {
                r.repos.values().find_map(|rp| {
                    rp.manifests
                        .iter()
                        .find(|(d, _)| d == digest)
                        .and_then(|(_, j)| serde_json::from_str::<Value>(j).ok())
                })
            })
        })
    };
    for (repo, tags) in imported {
        let r = out.entry(repo.clone()).or_default();
        for (tag, digest) in tags {
            r.tags.retain(|(k, _)| k != tag);
            let t = json!({"name": tag, "digest": digest, "createdTime": now,
                "lastUpdateTime": now, "signed": false, "changeableAttributes": attrs});
            r.tags.push((tag.clone(), t.to_string().into_boxed_str()));
            let mut m = match r.manifests.iter().position(|(d, _)| d == digest) {
                Some(i) => {
                    let (_, j) = r.manifests.remove(i);
                    serde_json::from_str::<Value>(&j).unwrap_or_default()
                }
                None => source_manifest(digest).unwrap_or_else(|| {
                    json!({"digest": digest, "createdTime": now, "lastUpdateTime": now,
                        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                        "changeableAttributes": attrs})
                }),
            };
            // The manifest lists the tags it has here, not in the source.
            let mut names: Vec<Value> = r
                .tags
                .iter()
                .filter(|(_, j)| j.contains(digest.as_str()))
                .map(|(k, _)| Value::from(k.clone()))
                .collect();
            names.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
            m["tags"] = Value::Array(names);
            r.manifests
                .push((digest.clone(), m.to_string().into_boxed_str()));
        }
        r.tags.sort_by(|a, b| a.0.cmp(&b.0));
        r.manifests.sort_by(|a, b| a.0.cmp(&b.0));
    }
    out
}

/// Read operations per registry and minute, by its SKU.
fn take(sh: &Shared, host: &str, reg: &Registry) -> std::result::Result<(), Reply> {
    let per_sec = f64::from(reg.reads_per_minute.max(1)) / 60.0;
    // A burst of ten seconds' worth, refilled continuously.
    match sh
        .quotas
        .bucket(&format!("acr:{host}"), 1.0, per_sec * 10.0, per_sec)
    {
        Take::Ok { .. } => Ok(()),
        Take::Throttled { retry_after } => Err(throttled(retry_after)),
    }
}

pub fn throttled(retry_after: Duration) -> Reply {
    error(
        StatusCode::TOO_MANY_REQUESTS,
        "TOOMANYREQUESTS",
        "too many requests, please retry later",
        None,
    )
    .header("retry-after", retry_after_secs(retry_after).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_become_access_entries() {
        assert_eq!(
            access_entry("repository:web/api:metadata_read,pull"),
            Some(
                json!({"type": "repository", "name": "web/api", "actions": ["metadata_read", "pull"]})
            )
        );
        assert_eq!(
            access_entry("registry:catalog:*"),
            Some(json!({"type": "registry", "name": "catalog", "actions": ["*"]}))
        );
        assert_eq!(access_entry("repository::pull"), None);
        assert_eq!(access_entry("nonsense"), None);
    }

    #[test]
    fn registry_tokens_verify_and_carry_their_grants() {
        let iss = Issuer::new([3; 32]);
        let t = issue(
            &iss,
            json!({"grant_type": "access_token", "aud": "r.azurecr.io", "access": [access_entry("repository:a:pull").unwrap()]}),
            60,
        );
        let c = verify(&iss, &t).expect("valid");
        assert!(granted(&c, "repository", "a", &["metadata_read", "pull"]));
        assert!(!granted(&c, "repository", "b", &["pull"]));
        assert!(!granted(&c, "registry", "catalog", &["*"]));
        assert!(iss.issued().contains(&t));
        assert_eq!(
            verify(&Issuer::new([4; 32]), &t),
            Err(TokenError::BadSignature)
        );
    }
}
