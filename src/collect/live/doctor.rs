//! `xtenant doctor`: signs in to both tenants, sends one request per
//! collector family, and checks the permissions each collector needs —
//! Reader on every subscription in scope (the Permissions API), Graph
//! `Directory.Read.All`, `Application.Read.All`, `Policy.Read.All` (from the
//! token's `roles` or `scp`) — then says per tenant what is missing and how to
//! grant it.

use crate::auth::TenantAuth;
use crate::collect::arm::{fetch as arm, fetch_rg as rg};
use crate::error::Result;
use crate::http::{Client, Paging, Request, Service};
use crate::raw::Side;
use serde_json::Value;

/// Graph permissions the collectors need (application `roles` or delegated `scp`).
/// With what it is needed for, and a request that needs it.
pub const GRAPH_PERMISSIONS: &[(&str, &str, &str)] = &[
    (
        "Directory.Read.All",
        "users, groups, members, organization, directory roles, licences",
        "/users?$select=id&$top=1",
    ),
    (
        "Application.Read.All",
        "applications, service principals, app role assignments",
        "/applications?$select=id&$top=1",
    ),
    (
        "Policy.Read.All",
        "cross-tenant access policies",
        "/policies/crossTenantAccessPolicy/default",
    ),
];

/// Actions that Reader grants and the ARM collectors use.
const READ_ACTIONS: &[&str] = &[
    "Microsoft.Compute/disks/read",
    "Microsoft.Authorization/roleAssignments/read",
    "Microsoft.Resources/subscriptions/resourceGroups/read",
];

#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub what: String,
    pub ok: bool,
    pub detail: String,
    /// How to fix it, when not ok.
    pub fix: Option<String>,
}

#[derive(Debug, Clone)]
pub struct TenantReport {
    pub side: Side,
    pub tenant: String,
    pub checks: Vec<Check>,
}

impl TenantReport {
    pub fn ok(&self) -> bool {
        self.checks.iter().all(|c| c.ok)
    }
}

pub async fn doctor(
    client: &Client,
    tenants: &[TenantAuth; 2],
    subscriptions: [&[String]; 2],
) -> Vec<TenantReport> {
    let mut out = Vec::new();
    for (t, only) in tenants.iter().zip(subscriptions) {
        out.push(check_tenant(client, t, only).await);
    }
    out
}

fn check(what: &str, ok: bool, detail: impl Into<String>, fix: Option<String>) -> Check {
    Check {
        what: what.to_string(),
        ok,
        detail: detail.into(),
        fix: if ok { None } else { fix },
    }
}

async fn check_tenant(client: &Client, t: &TenantAuth, only: &[String]) -> TenantReport {
    let mut checks = Vec::new();
    let mut report = |c: Check| checks.push(c);
    // Sign-in to ARM and Graph (the tid check is inside).
    let arm_token = t.token(Service::Arm).await;
    report(match &arm_token {
        Ok(tok) => check(
            "sign-in (ARM)",
            true,
            format!("as {}", who(&tok.claims)),
            None,
        ),
        Err(e) => check("sign-in (ARM)", false, e.to_string(), Some(t.sign_in_fix())),
    });
    let graph_token = t.token(Service::Graph).await;
    report(match &graph_token {
        Ok(tok) => check(
            "sign-in (Graph)",
            true,
            format!("as {}", who(&tok.claims)),
            None,
        ),
        Err(e) => check(
            "sign-in (Graph)",
            false,
            e.to_string(),
            Some(t.sign_in_fix()),
        ),
    });
    if arm_token.is_ok() {
        let mut rg_subs: Vec<String> = only.to_vec();
        let subs = list_subscriptions(client, t).await;
        match subs {
            Err(e) => report(check(
                "ARM: list subscriptions",
                false,
                e,
                Some(reader_fix(t, None)),
            )),
            Ok(all) => {
                let wanted: Vec<String> = if only.is_empty() {
                    all.clone()
                } else {
                    only.to_vec()
                };
                rg_subs = wanted.clone();
                report(check(
                    "ARM: list subscriptions",
                    !wanted.is_empty(),
                    format!("{} visible", all.len()),
                    Some(reader_fix(t, None)),
                ));
                for s in &wanted {
                    if !all.iter().any(|a| a.eq_ignore_ascii_case(s)) {
                        report(check(
                            &format!("Reader on subscription {s}"),
                            false,
                            "the identity cannot see this subscription",
                            Some(reader_fix(t, Some(s))),
                        ));
                        continue;
                    }
                    report(match permissions(client, t, s).await {
                        Ok(missing) if missing.is_empty() => check(
                            &format!("Reader on subscription {s}"),
                            true,
                            "granted",
                            None,
                        ),
                        Ok(missing) => check(
                            &format!("Reader on subscription {s}"),
                            false,
                            format!("missing {}", missing.join(", ")),
                            Some(reader_fix(t, Some(s))),
                        ),
                        // No Permissions API here (a proxy, the simulator):
                        // a listing that needs Reader decides instead.
                        Err((Some(404), _)) => {
                            let r = list_once(client, t, s).await;
                            check(
                                &format!("Reader on subscription {s}"),
                                r.is_ok(),
                                r.err().unwrap_or_else(|| {
                                    "the Permissions API is not served; a resource group listing succeeded".into()
                                }),
                                Some(reader_fix(t, Some(s))),
                            )
                        }
                        Err((_, e)) => check(
                            &format!("Reader on subscription {s}"),
                            false,
                            e,
                            Some(reader_fix(t, Some(s))),
                        ),
                    });
                }
            }
        }
        // Resource Graph answers the same identity; one query proves it.
        let url = format!("{}{}", t.endpoints().arm, rg::PATH);
        let mut body = rg::body(rg::CONTAINERS_QUERY, &rg_subs);
        body["options"]["$top"] = 1.into();
        let r = client
            .send(&Request::query(Service::ResourceGraph, t, url, body))
            .await;
        report(check(
            "Resource Graph query",
            r.is_ok(),
            r.err()
                .map(|e| e.to_string())
                .unwrap_or_else(|| "answered".into()),
            Some("Resource Graph needs only read access to the subscriptions (Reader)".into()),
        ));
    }
    if let Ok(tok) = &graph_token {
        // The token's claims say what was granted; a request proves it (a
        // user's delegated token carries scopes, not the directory role that
        // decides what it may read).
        let granted = graph_grants(tok.token.expose());
        let base = format!("{}/v1.0", t.endpoints().graph);
        for (perm, why, probe) in GRAPH_PERMISSIONS {
            let in_token = granted.iter().any(|g| {
                g.eq_ignore_ascii_case(perm)
                    || g.eq_ignore_ascii_case(&perm.replace(".Read.", ".ReadWrite."))
            });
            let r = client
                .send(&Request::get(Service::Graph, t, format!("{base}{probe}")))
                .await;
            let detail = match (&r, in_token) {
                (Ok(_), true) => "granted (in the token, and a read succeeded)".to_string(),
                (Ok(_), false) => format!("a read of {probe} succeeded"),
                (Err(e), _) => format!("needed for {why}: {e}"),
            };
            report(check(
                &format!("Graph {perm}"),
                r.is_ok(),
                detail,
                Some(graph_fix(t, perm)),
            ));
        }
    }
    report(exchange_check(client, t).await);
    report(powerplatform_check(client, t).await);
    if arm_token.is_ok() {
        if let Some(c) = registry_check(client, t, only).await {
            report(c);
        }
    }
    TenantReport {
        side: t.side(),
        tenant: t.describe(),
        checks,
    }
}

/// Whether the Exchange Online REST route works: a Get-OrganizationConfig
/// call. When the tenant forbids it, the offline route applies instead.
async fn exchange_check(client: &Client, t: &TenantAuth) -> Check {
    use crate::collect::exchange::fetch;
    let url = fetch::invoke_url(&t.endpoints().exchange, t.tenant_id());
    let mut req = Request::query(
        Service::Exchange,
        t,
        url,
        fetch::body("Get-OrganizationConfig", &[]),
    );
    for (k, v) in fetch::headers("Get-OrganizationConfig", t.tenant_id()) {
        req = req.header(k, v);
    }
    match client.send(&req).await {
        Ok(_) => check(
            "Exchange Online (REST)",
            true,
            "Get-OrganizationConfig through InvokeCommand succeeded: Exchange is collected live",
            None,
        ),
        Err(e) => check(
            "Exchange Online (REST)",
            false,
            format!("Get-OrganizationConfig through InvokeCommand failed: {e}"),
            Some(format!(
                "grant Exchange.ManageAsApp and a read-only Exchange role (docs/auth.md) in the {}; \
                 where the tenant forbids this route, save the cmdlets' output with Export-Csv or \
                 ConvertTo-Json into the raw export (docs/raw-export.md, Exchange Online) and collect \
                 with --from-dir: that offline route applies",
                t.describe()
            )),
        ),
    }
}

/// Whether the Power Platform admin API lists environments for this
/// identity: the environment list is what every PP rule starts from.
async fn powerplatform_check(client: &Client, t: &TenantAuth) -> Check {
    use crate::collect::powerplatform::fetch::ENVIRONMENTS;
    let url = format!(
        "{}{}?api-version=2021-04-01&$top=1",
        t.endpoints().bap,
        ENVIRONMENTS.path
    );
    match client.send(&Request::get(Service::Bap, t, url)).await {
        Ok(_) => check(
            "Power Platform admin (environments)",
            true,
            "the admin environment list answered",
            None,
        ),
        Err(e) => check(
            "Power Platform admin (environments)",
            false,
            format!("the admin environment list failed: {e}"),
            Some(format!(
                "give the identity the Power Platform administrator role in the {} (a service \
                 principal must also be registered as a management app: \
                 New-PowerAppManagementApp -ApplicationId <app id>); or save the admin API's \
                 answers into the raw export (docs/raw-export.md, Power Platform)",
                t.describe()
            )),
        ),
    }
}

/// Whether one registry's data plane can be read: the first registry ARM
/// lists in the subscriptions in scope, through the token exchange. `None`
/// when there is no registry to try (nothing to collect).
async fn registry_check(client: &Client, t: &TenantAuth, only: &[String]) -> Option<Check> {
    let subs = if only.is_empty() {
        list_subscriptions(client, t).await.ok()?
    } else {
        only.to_vec()
    };
    let mut login_server = None;
    for s in subs.iter().take(20) {
        let url = format!(
            "{}/subscriptions/{s}/providers/Microsoft.ContainerRegistry/registries?api-version=2023-07-01",
            t.endpoints().arm
        );
        let Ok(r) = client.send(&Request::get(Service::Arm, t, url)).await else {
            continue;
        };
        let v: Value = serde_json::from_slice(&r.body).unwrap_or_default();
        let found = v["value"].as_array().into_iter().flatten().find_map(|reg| {
            let public = reg["properties"]["publicNetworkAccess"]
                .as_str()
                .is_none_or(|p| p.eq_ignore_ascii_case("Enabled"));
            reg["properties"]["loginServer"]
                .as_str()
                .filter(|_| public)
                .map(str::to_string)
        });
        if found.is_some() {
            login_server = found;
            break;
        }
    }
    let ls = login_server?;
    let what = format!("Registry data plane ({ls})");
    Some(
        match crate::collect::acr::fetch::probe(client, t, &ls).await {
            Ok(()) => check(
                &what,
                true,
                "token exchange and catalog read succeeded",
                None,
            ),
            Err(e) => check(
                &what,
                false,
                format!("reading the catalog failed: {e}"),
                Some(format!(
                    "grant the identity AcrPull (or Reader plus the registry's catalog read, \
                     \"Container Registry Repository Catalog Lister\" on ABAC registries) on the \
                     registries in the {}, from a network they admit",
                    t.describe()
                )),
            ),
        },
    )
}

fn who(c: &crate::auth::Claims) -> String {
    c.upn
        .clone()
        .or_else(|| c.appid.clone().map(|a| format!("app {a}")))
        .or_else(|| c.oid.clone())
        .unwrap_or_else(|| "an unnamed principal".into())
}

async fn list_subscriptions(client: &Client, t: &TenantAuth) -> Result<Vec<String>, String> {
    let url = arm::SUBSCRIPTIONS.url(&t.endpoints().arm, &[]);
    let mut subs = Vec::new();
    let mut sink = |p: crate::http::Page| -> Result<()> {
        if let Ok(v) = serde_json::from_slice::<Value>(&p.body) {
            for s in v["value"].as_array().into_iter().flatten() {
                if let Some(id) = s["subscriptionId"].as_str() {
                    subs.push(id.to_string());
                }
            }
        }
        Ok(())
    };
    client
        .pages(
            Request::get(Service::Arm, t, url),
            Paging::ArmNextLink,
            &mut sink,
        )
        .await
        .map_err(|e| e.to_string())?;
    Ok(subs)
}

/// The read actions of [`READ_ACTIONS`] the permissions at `s` do not grant.
async fn permissions(
    client: &Client,
    t: &TenantAuth,
    s: &str,
) -> Result<Vec<String>, (Option<u16>, String)> {
    let url = arm::PERMISSIONS.url(&t.endpoints().arm, &[("s", s)]);
    let r = client
        .send(&Request::get(Service::Arm, t, url).subscription(s))
        .await
        .map_err(|e| (e.as_http().and_then(|h| h.status), e.to_string()))?;
    let v: Value =
        serde_json::from_slice(&r.body).map_err(|e| (None, format!("unreadable answer: {e}")))?;
    let perms = v["value"].as_array().cloned().unwrap_or_default();
    Ok(READ_ACTIONS
        .iter()
        .filter(|a| !allowed(&perms, a))
        .map(|a| a.to_string())
        .collect())
}

/// One resource group listing of `s`: what Reader allows.
async fn list_once(client: &Client, t: &TenantAuth, s: &str) -> Result<(), String> {
    let url = format!(
        "{}/subscriptions/{s}/resourcegroups?api-version=2021-04-01&$top=1",
        t.endpoints().arm
    );
    client
        .send(&Request::get(Service::Arm, t, url).subscription(s))
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Whether a permissions list allows `action` (wildcards, notActions).
pub fn allowed(perms: &[Value], action: &str) -> bool {
    let strs = |p: &Value, k: &str| -> Vec<String> {
        p[k].as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect()
    };
    perms.iter().any(|p| {
        strs(p, "actions").iter().any(|a| matches(a, action))
            && !strs(p, "notActions").iter().any(|a| matches(a, action))
    })
}

fn matches(pattern: &str, action: &str) -> bool {
    let (p, a) = (pattern.to_ascii_lowercase(), action.to_ascii_lowercase());
    match p.split_once('*') {
        None => p == a,
        Some((pre, post)) => a.starts_with(pre) && a[pre.len()..].ends_with(post),
    }
}

/// The `roles` (application) and `scp` (delegated) claims of a JWT, unverified.
pub fn graph_grants(token: &str) -> Vec<String> {
    use base64::Engine;
    let Some(payload) = token.split('.').nth(1) else {
        return Vec::new();
    };
    let Ok(bytes) =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('='))
    else {
        return Vec::new();
    };
    let Ok(v) = serde_json::from_slice::<Value>(&bytes) else {
        return Vec::new();
    };
    let mut out: Vec<String> = v["roles"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r.as_str().map(str::to_string))
        .collect();
    if let Some(scp) = v["scp"].as_str() {
        out.extend(scp.split_whitespace().map(str::to_string));
    }
    out
}

fn reader_fix(t: &TenantAuth, s: Option<&str>) -> String {
    let scope = s
        .map(|s| format!("/subscriptions/{s}"))
        .unwrap_or_else(|| "/subscriptions/<id>".into());
    format!(
        "grant Reader to the identity xtenant signs in as in the {}: `az role assignment create --assignee <principal> --role Reader --scope {scope}` (or at a management group above)",
        t.describe()
    )
}

fn graph_fix(t: &TenantAuth, perm: &str) -> String {
    format!(
        "in the {}: for an app, add the Microsoft Graph application permission {perm} and grant admin consent (Entra admin center > App registrations > API permissions); for a user (azure-cli), a Global Reader or Directory Readers role covers the reads",
        t.describe()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_permissions_allow_reads_and_not_actions_subtract() {
        let reader: Vec<Value> = vec![serde_json::json!({"actions": ["*/read"], "notActions": []})];
        assert!(allowed(&reader, "Microsoft.Compute/disks/read"));
        assert!(!allowed(&reader, "Microsoft.Compute/disks/write"));
        let minus: Vec<Value> =
            vec![serde_json::json!({"actions": ["*"], "notActions": ["Microsoft.Compute/*"]})];
        assert!(!allowed(&minus, "Microsoft.Compute/disks/read"));
        assert!(allowed(
            &minus,
            "Microsoft.Authorization/roleAssignments/read"
        ));
    }

    #[test]
    fn graph_grants_reads_roles_and_scp() {
        use base64::Engine;
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"roles":["Directory.Read.All"],"scp":"Policy.Read.All User.Read"}"#);
        let g = graph_grants(&format!("h.{payload}.s"));
        assert_eq!(g, ["Directory.Read.All", "Policy.Read.All", "User.Read"]);
    }
}
