//! The read-only guard: collection sends GET, plus POST only to the query
//! endpoints on an allow-list, and a bearer token only to the configured
//! endpoints. Checked on every request just before it is built, so no code
//! path can send a write or leak a token to a host named in a response
//! (a `nextLink` is followed verbatim).

use super::Service;

/// POST endpoints that are queries, by service and (lowercase) path suffix.
const QUERY_POSTS: &[(Service, &str)] = &[
    (
        Service::ResourceGraph,
        "/providers/microsoft.resourcegraph/resources",
    ),
    // ACR: the Entra token for a registry refresh token, that for an access
    // token. They create nothing in the registry.
    (Service::Acr, "/oauth2/exchange"),
    (Service::Acr, "/oauth2/token"),
    // Read-only only for the cmdlets `check_cmdlet` lets through.
    (Service::Exchange, "/invokecommand"),
];

/// Exchange cmdlets other than `Get-*` that only read.
const READ_CMDLETS: &[&str] = &[
    "Test-MigrationServerAvailability",
    "Export-MailboxDiagnosticLogs",
];

/// Whether an Exchange cmdlet only reads: `Get-*`, or one of [`READ_CMDLETS`].
pub fn read_only_cmdlet(name: &str) -> bool {
    let n = name.trim();
    n.len() > 4 && n[..4].eq_ignore_ascii_case("get-")
        || READ_CMDLETS.iter().any(|c| c.eq_ignore_ascii_case(n))
}

/// `Err(why)` when an Exchange `InvokeCommand` body names a cmdlet that may
/// write (`Set-*`, `New-*`, ...) or names none; other services pass.
pub fn check_cmdlet(service: Service, body: Option<&serde_json::Value>) -> Result<(), String> {
    if service != Service::Exchange {
        return Ok(());
    }
    let name = body
        .and_then(|b| b.pointer("/CmdletInput/CmdletName"))
        .and_then(|v| v.as_str())
        .ok_or("an InvokeCommand body must name its cmdlet (CmdletInput.CmdletName)")?;
    if read_only_cmdlet(name) {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not a read-only cmdlet: collection runs only Get-*, \
             Test-MigrationServerAvailability and Export-MailboxDiagnosticLogs"
        ))
    }
}

/// Actions that return secrets, refused whatever the method.
const SECRET_ACTIONS: &[&str] = &[
    "listkeys",
    "listcredentials",
    "listsecrets",
    "listconnectionstrings",
    "regeneratekey",
    "listaccountsas",
    "listservicesas",
    "generatepassword",
];

/// An allowed origin is exact, or `scheme://*.suffix` for every host under
/// the suffix (registries: `https://*.azurecr.io`, whose login servers are
/// only known from ARM).
pub fn origin_matches(allowed: &str, origin: &str) -> bool {
    if let Some((scheme, suffix)) = allowed.split_once("://*.") {
        let want = format!("{}://", scheme.to_ascii_lowercase());
        return origin
            .to_ascii_lowercase()
            .strip_prefix(&want)
            .is_some_and(|host| {
                host.len() > suffix.len() + 1
                    && host.ends_with(&format!(".{}", suffix.to_ascii_lowercase()))
                    && !host.contains(':')
            });
    }
    allowed.eq_ignore_ascii_case(origin)
}

/// `Err(why)` when the request must not be sent.
pub fn check(
    method: &reqwest::Method,
    service: Service,
    url: &str,
    allowed_origins: &[String],
) -> Result<(), String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("not an absolute URL ({e})"))?;
    if parsed.scheme() != "https" && parsed.scheme() != "http" {
        return Err(format!("scheme {} is not http(s)", parsed.scheme()));
    }
    let origin = crate::auth::cloud::origin_of(url).unwrap_or_default();
    if !allowed_origins.iter().any(|o| origin_matches(o, &origin)) {
        return Err(format!(
            "{origin} is not one of the configured endpoints ({}); the token is only sent there",
            allowed_origins.join(", ")
        ));
    }
    let path = parsed.path().to_ascii_lowercase();
    if let Some(a) = path.split('/').find(|seg| SECRET_ACTIONS.contains(seg)) {
        return Err(format!("`{a}` returns secrets; collection never calls it"));
    }
    if *method == reqwest::Method::GET {
        return Ok(());
    }
    if *method == reqwest::Method::POST
        && QUERY_POSTS
            .iter()
            .any(|(s, suffix)| *s == service && path.ends_with(suffix))
    {
        return Ok(());
    }
    Err(format!(
        "{method} {} is not a read: collection only sends GET and POSTs to query endpoints",
        parsed.path()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::Method;

    fn origins() -> Vec<String> {
        vec![
            "https://management.azure.com".into(),
            "https://graph.microsoft.com".into(),
            "http://127.0.0.1:8080".into(),
        ]
    }

    #[test]
    fn allows_reads_and_resource_graph_queries() {
        let o = origins();
        assert!(check(
            &Method::GET,
            Service::Arm,
            "https://management.azure.com/subscriptions?api-version=2022-12-01",
            &o
        )
        .is_ok());
        assert!(check(&Method::POST, Service::ResourceGraph, "https://management.azure.com/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01", &o).is_ok());
        assert!(check(&Method::POST, Service::ResourceGraph, "http://127.0.0.1:8080/arm/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01", &o).is_ok());
    }

    #[test]
    fn refuses_writes_and_other_posts() {
        let o = origins();
        let sub =
            "https://management.azure.com/subscriptions/s/resourceGroups/rg?api-version=2021-04-01";
        for m in [Method::PUT, Method::DELETE, Method::PATCH] {
            let e = check(&m, Service::Arm, sub, &o).unwrap_err();
            assert!(e.contains("is not a read"), "{e}");
        }
        let e = check(&Method::POST, Service::Arm, sub, &o).unwrap_err();
        assert!(e.contains("POST"), "{e}");
        // The Resource Graph path under another service is not the query endpoint.
        assert!(check(
            &Method::POST,
            Service::Graph,
            "https://graph.microsoft.com/v1.0/providers/Microsoft.ResourceGraph/resources",
            &o
        )
        .is_err());
    }

    #[test]
    fn refuses_secret_actions_and_foreign_hosts() {
        let o = origins();
        let e = check(&Method::GET, Service::Arm, "https://management.azure.com/subscriptions/s/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/a/listKeys?api-version=1", &o).unwrap_err();
        assert!(e.contains("listkeys"), "{e}");
        let e = check(
            &Method::GET,
            Service::Arm,
            "https://evil.example/subscriptions",
            &o,
        )
        .unwrap_err();
        assert!(e.contains("not one of the configured endpoints"), "{e}");
        assert!(check(&Method::GET, Service::Arm, "...", &o).is_err());
    }

    #[test]
    fn registry_token_exchanges_and_wildcard_registry_hosts() {
        let mut o = origins();
        o.push("https://*.azurecr.io".into());
        for path in ["oauth2/exchange", "oauth2/token"] {
            let url = format!("https://contoso.azurecr.io/{path}");
            assert!(
                check(&Method::POST, Service::Acr, &url, &o).is_ok(),
                "{path}"
            );
            // The same path is no query under another service.
            assert!(check(&Method::POST, Service::Arm, &url, &o).is_err());
        }
        assert!(check(
            &Method::GET,
            Service::Acr,
            "https://contoso.azurecr.io/acr/v1/_catalog",
            &o
        )
        .is_ok());
        // Writes to a registry are refused.
        for m in [Method::PUT, Method::DELETE, Method::PATCH] {
            assert!(check(
                &m,
                Service::Acr,
                "https://contoso.azurecr.io/v2/r/manifests/1",
                &o
            )
            .is_err());
        }
        let e = check(
            &Method::POST,
            Service::Acr,
            "https://contoso.azurecr.io/v2/r/blobs/uploads/",
            &o,
        )
        .unwrap_err();
        assert!(e.contains("not a read"), "{e}");
        // Lookalike hosts and other schemes do not match the wildcard.
        for bad in [
            "https://azurecr.io/acr/v1/_catalog",
            "https://contoso.azurecr.io.evil.example/acr/v1/_catalog",
            "http://contoso.azurecr.io/acr/v1/_catalog",
            "https://contoso.azurecr.io:8443/acr/v1/_catalog",
        ] {
            assert!(check(&Method::GET, Service::Acr, bad, &o).is_err(), "{bad}");
        }
    }

    #[test]
    fn exchange_invoke_command_only_for_read_cmdlets() {
        let o = vec!["https://outlook.office365.com".to_string()];
        let url = "https://outlook.office365.com/adminapi/beta/t/InvokeCommand";
        assert!(check(&Method::POST, Service::Exchange, url, &o).is_ok());
        // The same path under another service is not the Exchange endpoint.
        assert!(check(&Method::POST, Service::Graph, url, &o).is_err());
        let body =
            |c: &str| serde_json::json!({"CmdletInput": {"CmdletName": c, "Parameters": {}}});
        for ok in [
            "Get-Mailbox",
            "get-mailuser",
            "Test-MigrationServerAvailability",
            "Export-MailboxDiagnosticLogs",
        ] {
            assert!(
                check_cmdlet(Service::Exchange, Some(&body(ok))).is_ok(),
                "{ok}"
            );
        }
        for bad in [
            "Set-Mailbox",
            "New-MigrationBatch",
            "Remove-MailUser",
            "Get-",
            "Start-MigrationBatch",
        ] {
            let e = check_cmdlet(Service::Exchange, Some(&body(bad))).unwrap_err();
            assert!(e.contains("not a read-only cmdlet"), "{bad}: {e}");
        }
        assert!(check_cmdlet(Service::Exchange, None).is_err());
        assert!(check_cmdlet(Service::Exchange, Some(&serde_json::json!({}))).is_err());
        assert!(check_cmdlet(Service::Graph, None).is_ok());
    }
}
