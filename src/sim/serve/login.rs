//! The sign-in service under `/login`: the token endpoint
//! `POST /login/{tenant}/oauth2/v2.0/token` (client credentials with any
//! client id and secret; or a user's password grant, whose token carries
//! that user's object id in the tenant — its guest account when it is a
//! guest there — so RBAC checks see the principal the export's role
//! assignments name; the tenant in the path is the token's tenant), and the public
//! `GET /login/{tenant}/v2.0/.well-known/openid-configuration`. Errors use
//! Microsoft Entra ID's OAuth body (`error`, `error_description` with the
//! AADSTS code, `error_codes`, ...).

use super::tokens;
use super::{Ctx, Reply, Shared};
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

/// The Azure CLI's public client id: what a token is issued to when the
/// request names none (only `xtenant sim token` does that).
pub const DEFAULT_CLIENT_ID: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

/// An OAuth error body as the sign-in service sends it.
pub fn oauth_error(status: StatusCode, error: &str, aadsts: u32, description: &str) -> Reply {
    let now = chrono::Utc::now().format("%Y-%m-%d %H:%M:%SZ").to_string();
    Reply::json(
        status,
        &json!({
            "error": error,
            "error_description": format!("AADSTS{aadsts}: {description} Trace ID: 00000000-0000-0000-0000-000000000000 Correlation ID: 00000000-0000-0000-0000-000000000000 Timestamp: {now}"),
            "error_codes": [aadsts],
            "timestamp": now,
            "trace_id": "00000000-0000-0000-0000-000000000000",
            "correlation_id": "00000000-0000-0000-0000-000000000000",
            "error_uri": format!("https://login.microsoftonline.com/error?code={aadsts}"),
        }),
    )
}

pub fn handle(sh: &Shared, ctx: &Ctx) -> Reply {
    let rest = &ctx.path["/login/".len()..];
    let segs: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    let lower: Vec<String> = segs.iter().map(|s| s.to_ascii_lowercase()).collect();
    let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
    match lower.as_slice() {
        [_, "oauth2", "v2.0", "token"] => token(sh, ctx, segs[0]),
        [_, "v2.0", ".well-known", "openid-configuration"] => openid(sh, ctx, segs[0]),
        _ => oauth_error(
            StatusCode::NOT_FOUND,
            "invalid_request",
            900561,
            "The endpoint is not one the simulator serves: use /login/{tenant}/oauth2/v2.0/token.",
        ),
    }
}

fn unknown_tenant(tenant: &str) -> Reply {
    oauth_error(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        90002,
        &format!("Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."),
    )
}

fn token(sh: &Shared, ctx: &Ctx, tenant: &str) -> Reply {
    if ctx.method != Method::POST {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900561,
            &format!(
                "The endpoint only accepts POST requests. Received a {} request.",
                ctx.method
            ),
        );
    }
    let form: Vec<(String, String)> = url::form_urlencoded::parse(ctx.body)
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let get = |k: &str| {
        form.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let missing = |p: &str| {
        oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            &format!("The request body must contain the following parameter: '{p}'."),
        )
    };
    let Some((_, t)) = sh.store.tenant(tenant) else {
        return unknown_tenant(tenant);
    };
    let Some(grant) = get("grant_type") else {
        return missing("grant_type");
    };
    if grant != "client_credentials" && grant != "password" {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            &format!("The app requested an unsupported grant type '{grant}'."),
        );
    }
    let Some(client_id) = get("client_id") else {
        return missing("client_id");
    };
    // The user's object in this tenant (ROPC): its own account, or its guest
    // account when a user of another tenant signs in here.
    let mut user_oid = None;
    if grant == "password" {
        let Some(username) = get("username") else {
            return missing("username");
        };
        if get("password").is_none() {
            return missing("password");
        }
        match user_object_id(t, username) {
            Some(oid) => user_oid = Some(oid),
            None => {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    50034,
                    &format!("The user account {{EUII Hidden}} does not exist in the {} directory. To sign into this application, the account must be added to the directory.", t.id),
                )
            }
        }
    } else if get("client_secret").is_none() && get("client_assertion").is_none() {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        );
    }
    let Some(scope) = get("scope") else {
        return missing("scope");
    };
    let Some(aud) = tokens::scope_audience(scope) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            1002012,
            &format!("The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."),
        );
    };
    if !tokens::audience_ok(&aud, tokens::ARM_AUDIENCES)
        && !tokens::audience_ok(&aud, tokens::GRAPH_AUDIENCES)
        && !super::powerplatform::known_audience(&aud)
        && !tokens::audience_ok(&aud, super::exchange::AUDIENCES)
    {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_resource",
            500011,
            &format!("The resource principal named {aud} was not found in the tenant named {}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.", t.id),
        );
    }
    let access_token = match &user_oid {
        Some(oid) => sh.issuer.issue_as(&t.id, &aud, client_id, oid),
        None => sh.issuer.issue(&t.id, &aud, client_id),
    };
    Reply::json(
        StatusCode::OK,
        &json!({
            "token_type": "Bearer",
            "expires_in": tokens::LIFETIME_SECS - 1,
            "ext_expires_in": tokens::LIFETIME_SECS - 1,
            "access_token": access_token,
        }),
    )
    .header("cache-control", "no-store, no-cache")
}

/// The object id a user signing in to `t` as `username` gets: the member
/// whose `userPrincipalName` it is, else a guest whose `mail` or `otherMails`
/// names it (a user of another tenant signing in to this one as a guest).
pub fn user_object_id(t: &super::store::Tenant, username: &str) -> Option<String> {
    let users = t.collection("graph/users")?;
    let want = username.to_ascii_lowercase();
    let mut guest = None;
    for item in &users.items {
        // Most users do not mention the name at all: skip them unparsed.
        if !item.json.to_ascii_lowercase().contains(&want) {
            continue;
        }
        let Ok(v) = serde_json::from_str::<Value>(&item.json) else {
            continue;
        };
        let text = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("");
        let id = text("id");
        if id.is_empty() {
            continue;
        }
        if text("userPrincipalName").eq_ignore_ascii_case(&want) {
            return Some(id.to_ascii_lowercase());
        }
        let mails = v.get("otherMails").and_then(Value::as_array);
        let named = text("mail").eq_ignore_ascii_case(&want)
            || mails.is_some_and(|m| {
                m.iter()
                    .filter_map(Value::as_str)
                    .any(|x| x.eq_ignore_ascii_case(&want))
            });
        if guest.is_none() && named && text("userType").eq_ignore_ascii_case("guest") {
            guest = Some(id.to_ascii_lowercase());
        }
    }
    guest
}

fn openid(sh: &Shared, ctx: &Ctx, tenant: &str) -> Reply {
    let Some((_, t)) = sh.store.tenant(tenant) else {
        return unknown_tenant(tenant);
    };
    if let Some(item) = t
        .collection("graph/openid-configuration")
        .and_then(|c| c.items.first())
    {
        return Reply::raw_json(StatusCode::OK, item.json.to_string());
    }
    // Not in the export: the real endpoint always answers, so answer with
    // the standard document for the tenant.
    let id = &t.id;
    let login = format!("{}/login", ctx.base);
    let v: Value = json!({
        "token_endpoint": format!("{login}/{id}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{login}/{id}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": format!("https://login.microsoftonline.com/{id}/v2.0"),
        "request_uri_parameter_supported": false,
        "authorization_endpoint": format!("{login}/{id}/oauth2/v2.0/authorize"),
        "tenant_region_scope": "EU",
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
    });
    Reply::json(StatusCode::OK, &v)
}

/// Gets a token from a running simulator's token endpoint (`xtenant sim
/// token`). The simulator accepts any secret, so a fixed one is sent.
pub fn fetch_token(
    base: &str,
    tenant: &str,
    scope: &str,
    client_id: &str,
) -> crate::Result<String> {
    let form = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", "simulator"),
            ("scope", scope),
        ])
        .finish();
    post_token_form(base, tenant, form)
}

/// As [`fetch_token`], for a user (`username`, a UPN) with the password
/// grant: the token's `oid` is that user's object in `tenant`, or its guest
/// object there (`xtenant sim token --username`).
pub fn fetch_user_token(
    base: &str,
    tenant: &str,
    scope: &str,
    client_id: &str,
    username: &str,
) -> crate::Result<String> {
    let form = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("grant_type", "password"),
            ("client_id", client_id),
            ("username", username),
            ("password", "simulator"),
            ("scope", scope),
        ])
        .finish();
    post_token_form(base, tenant, form)
}

fn post_token_form(base: &str, tenant: &str, form: String) -> crate::Result<String> {
    use crate::Error;
    let url = format!(
        "{}/login/{tenant}/oauth2/v2.0/token",
        base.trim_end_matches('/')
    );
    // On a thread of its own, so a caller inside an async runtime (a test,
    // the demo) can use it as well as the CLI.
    let request_url = url.clone();
    let outcome = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        rt.block_on(async {
            let r = reqwest::Client::new()
                .post(&request_url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form)
                .send()
                .await?;
            let status = r.status().as_u16();
            Ok::<_, reqwest::Error>((status, r.bytes().await?))
        })
        .map_err(|e| e.to_string())
    })
    .join()
    .map_err(|_| Error::Runtime("the token request thread failed".into()))?;
    let (status, body) = outcome.map_err(|e| {
        Error::Runtime(format!(
            "cannot reach the simulator at {url}: {e}\n  fix: start it with `xtenant sim serve` and pass the base URL it prints"
        ))
    })?;
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    match (status, v.get("access_token").and_then(Value::as_str)) {
        (200, Some(t)) => Ok(t.to_string()),
        _ => Err(Error::Runtime(format!(
            "the simulator refused the token request ({status}): {}\n  fix: check --tenant (a tenant the simulator serves), --scope (RESOURCE/.default) and --username (a user of that tenant, or a guest there)",
            v.get("error_description").and_then(Value::as_str).unwrap_or("no error description")
        ))),
    }
}
