//! TenantAuth from config for every kind, the errors people meet (typo,
//! missing env var, wrong tenant), the token command, the client-secret flow
//! against an in-test token endpoint, and the cache.

use super::claims::test_jwt;
use super::*;
use crate::config::Config;
use serde_json::json;
use std::path::Path;

const SRC: &str = "8f1c2b3a-0d4e-4f5a-9b6c-7d8e9f0a1b2c";
const OTHER: &str = "2a3b4c5d-6e7f-4081-92a3-b4c5d6e7f809";

fn cfg(text: &str) -> Config {
    Config::parse(text, Path::new("xtenant.toml")).unwrap()
}

fn parse_err(text: &str) -> String {
    Config::parse(text, Path::new("xtenant.toml"))
        .unwrap_err()
        .to_string()
}

#[test]
fn every_kind_parses() {
    let c = cfg(&format!(
        r#"
[source]
tenant_id = "{SRC}"
name = "Contoso"
subscriptions = ["00000000-0000-0000-0000-000000000001"]
cloud = "AzureUSGovernment"
[source.auth]
kind = "client-secret"
client_id = "app"
client_secret_env = "XT_TEST_SECRET_UNSET"

[target]
tenant_id = "{OTHER}"
[target.auth]
kind = "command"
command = ["tok", "{{tenant}}", "{{scope}}"]

[endpoints]
arm = "http://127.0.0.1:9/arm"

[http]
timeout_secs = 5
max_retries = 2
concurrency = 4
pacing = false
"#
    ));
    assert_eq!(c.source.auth.kind, AuthKind::ClientSecret);
    assert_eq!(c.source.subscriptions.as_ref().unwrap().len(), 1);
    assert_eq!(c.target.auth.kind, AuthKind::Command);
    let o = crate::http::HttpOptions::from_config(&c.http);
    assert_eq!(
        (o.max_retries, o.per_host_concurrency, o.pacing),
        (2, Some(4), false)
    );
    assert_eq!(o.timeout, std::time::Duration::from_secs(5));
    for kind in ["azure-cli", "managed-identity", "workload-identity"] {
        let c = cfg(&format!(
            "[source]\ntenant_id = \"{SRC}\"\n[source.auth]\nkind = \"{kind}\"\n"
        ));
        assert_eq!(c.source.auth.kind.as_str(), kind);
    }
    let c = cfg(&format!(
        "[source]\ntenant_id = \"{SRC}\"\n[source.auth]\nkind = \"client-certificate\"\nclient_id = \"a\"\ncertificate = \"c.pem\"\n"
    ));
    assert_eq!(c.source.auth.kind, AuthKind::ClientCertificate);
    // Default kind is the Azure CLI.
    assert_eq!(cfg("[source]\n").source.auth.kind, AuthKind::AzureCli);
}

#[test]
fn config_mistakes_are_errors_with_the_fix() {
    let m = parse_err("[source.auth]\nkind = \"azure_cli\"\n");
    assert!(m.starts_with("xtenant.toml:2:"), "{m}");
    assert!(m.contains("unknown variant `azure_cli`"), "{m}");
    let m = parse_err("[source.auth]\nkind = \"client-secret\"\nclient_id = \"a\"\n");
    assert!(m.contains("needs `client_secret_env`"), "{m}");
    let m = parse_err("[target.auth]\nkind = \"command\"\ncommand = []\n");
    assert!(
        m.contains("[target.auth] kind = \"command\" needs `command`"),
        "{m}"
    );
    let m = parse_err("[source.auth]\nclient_secret_env = \"X\"\n");
    assert!(m.contains("does not use it"), "{m}");
    let m = parse_err("[source]\ncloud = \"AzureGermanCloud\"\n");
    assert!(
        m.contains("unknown cloud") && m.contains("AzureChinaCloud"),
        "{m}"
    );
    let m = parse_err("[endpoints]\noutlook = \"http://x\"\n");
    assert!(m.contains("unknown field `outlook`"), "{m}");
    let m = parse_err("[endpoints]\nexchange = \"outlook.office365.com\"\n");
    assert!(m.starts_with("xtenant.toml: [endpoints] exchange"), "{m}");
    let m = parse_err("[endpoints]\narm = \"management.azure.com\"\n");
    assert!(m.starts_with("xtenant.toml: [endpoints] arm"), "{m}");
    let m = parse_err("[source]\nsubscriptions = [\"prod\"]\n");
    assert!(m.contains("not a subscription id"), "{m}");
    let m = parse_err("[http]\nconcurrency = 0\n");
    assert!(m.contains("concurrency = 0"), "{m}");
}

#[test]
fn a_missing_secret_env_var_is_named() {
    let c = cfg(&format!(
        "[source]\ntenant_id = \"{SRC}\"\n[source.auth]\nkind = \"client-secret\"\nclient_id = \"app1\"\nclient_secret_env = \"XT_TEST_SECRET_NEVER_SET\"\n"
    ));
    let e = TenantAuth::from_config(Side::Source, &c.source, &c).unwrap_err();
    let m = e.to_string();
    assert!(
        m.contains("the environment variable XT_TEST_SECRET_NEVER_SET is not set"),
        "{m}"
    );
    assert!(m.contains("export XT_TEST_SECRET_NEVER_SET="), "{m}");
    assert_eq!(e.exit_code(), crate::error::exit::INVALID_INPUT);
}

#[test]
fn tenant_id_is_needed_and_endpoints_follow_cloud_and_overrides() {
    let c = cfg("[source]\nname = \"Contoso\"\n");
    let m = TenantAuth::from_config(Side::Source, &c.source, &c)
        .unwrap_err()
        .to_string();
    assert!(m.contains("[source] tenant_id is needed"), "{m}");

    let c = cfg(&format!(
        "[target]\ntenant_id = \"{OTHER}\"\ncloud = \"AzureChinaCloud\"\n[target.auth]\nkind = \"command\"\ncommand = [\"x\"]\n[endpoints]\ngraph = \"http://127.0.0.1:5/graph\"\n"
    ));
    let a = TenantAuth::from_config(Side::Target, &c.target, &c).unwrap();
    assert_eq!(a.endpoints().arm, "https://management.chinacloudapi.cn");
    assert_eq!(a.endpoints().graph, "http://127.0.0.1:5/graph");
    // The scope names the real audience, not the override.
    assert_eq!(
        a.scope(Service::Graph).unwrap(),
        "https://microsoftgraph.chinacloudapi.cn/.default"
    );
    assert_eq!(
        a.scope(Service::ResourceGraph).unwrap(),
        "https://management.chinacloudapi.cn/.default"
    );
}

#[test]
fn client_certificate_says_what_to_use_instead() {
    let c = cfg(&format!(
        "[source]\ntenant_id = \"{SRC}\"\n[source.auth]\nkind = \"client-certificate\"\nclient_id = \"a\"\ncertificate = \"c.pem\"\n"
    ));
    let m = TenantAuth::from_config(Side::Source, &c.source, &c)
        .unwrap_err()
        .to_string();
    assert!(m.contains("workload-identity"), "{m}");
}

fn command_auth(script: &str, tenant: &str) -> TenantAuth {
    let c = cfg(&format!(
        "[source]\ntenant_id = \"{tenant}\"\nname = \"Contoso\"\n[source.auth]\nkind = \"command\"\ncommand = [\"sh\", \"-c\", {}, \"sh\", \"{{tenant}}\", \"{{scope}}\"]\n",
        toml::Value::String(script.into())
    ));
    TenantAuth::from_config(Side::Source, &c.source, &c).unwrap()
}

#[tokio::test]
async fn token_command_success_is_cached_and_sees_tenant_and_scope() {
    let dir = tempfile::tempdir().unwrap();
    let count = dir.path().join("count");
    let tok = test_jwt(&json!({"tid": SRC, "exp": 4_000_000_000i64}));
    // Records its arguments, then prints the token as JSON.
    let script = format!(
        "echo \"$1 $2\" >> {}; echo '{{\"accessToken\":\"{tok}\",\"expires_in\":3600}}'",
        count.display()
    );
    let a = command_auth(&script, SRC);
    let t1 = a.token(Service::Arm).await.unwrap();
    let t2 = a.token(Service::ResourceGraph).await.unwrap();
    assert_eq!(t1.token.expose(), tok);
    assert_eq!(t2.token.expose(), tok);
    assert_eq!(t1.claims.tid.as_deref(), Some(SRC));
    let _ = a.token(Service::Graph).await.unwrap();
    let calls = std::fs::read_to_string(&count).unwrap();
    // ARM and Resource Graph share a scope: two runs, not three.
    assert_eq!(
        calls.lines().collect::<Vec<_>>(),
        vec![
            format!("{SRC} https://management.azure.com/.default"),
            format!("{SRC} https://graph.microsoft.com/.default")
        ]
    );
}

#[tokio::test]
async fn token_command_failure_shows_stderr_never_stdout() {
    let a = command_auth("echo leaked-stdout; echo 'login required' >&2; exit 1", SRC);
    let m = a.token(Service::Graph).await.unwrap_err().to_string();
    assert!(m.contains("login required"), "{m}");
    assert!(m.contains("source tenant (Contoso, 8f1c2b3a"), "{m}");
    assert!(!m.contains("leaked-stdout"), "{m}");
    let a = command_auth("true", SRC);
    let m = a.token(Service::Graph).await.unwrap_err().to_string();
    assert!(m.contains("printed no token"), "{m}");
}

#[tokio::test]
async fn wrong_tenant_token_names_both_tenants_and_the_fix() {
    let tok = test_jwt(&json!({"tid": OTHER}));
    let a = command_auth(&format!("echo {tok}"), SRC);
    let e = a.token(Service::Arm).await.unwrap_err();
    let m = e.to_string();
    assert!(
        m.contains(&format!(
            "the token for the source tenant (Contoso, {SRC}) was issued by tenant {OTHER}"
        )),
        "{m}"
    );
    assert!(
        m.contains("fix [source.auth]") || m.contains("check [source.auth]"),
        "{m}"
    );
    assert!(!m.contains(&tok), "{m}");
    assert_eq!(e.exit_code(), crate::error::exit::RUNTIME);

    // The Azure CLI kind's fix is `az login --tenant`.
    let c = cfg(&format!(
        "[source]\ntenant_id = \"{SRC}\"\nname = \"Contoso\"\n"
    ));
    let cli = TenantAuth::from_config(Side::Source, &c.source, &c).unwrap();
    assert_eq!(
        cli.sign_in_fix(),
        format!("sign in to the source tenant: `az login --tenant {SRC}` (or fix [source.auth])")
    );
}

#[tokio::test]
async fn client_secret_signs_in_at_the_configured_login_endpoint() {
    use std::sync::{Arc, Mutex};
    let forms: Arc<Mutex<Vec<String>>> = Arc::default();
    let f2 = forms.clone();
    let tok = test_jwt(&json!({"tid": SRC, "appid": "app1"}));
    let t2 = tok.clone();
    let app = axum::Router::new().route(
        "/login/{tenant}/oauth2/v2.0/token",
        axum::routing::post(
            move |axum::extract::Path(tenant): axum::extract::Path<String>, body: String| {
                let forms = f2.clone();
                let tok = t2.clone();
                async move {
                    forms.lock().unwrap().push(format!("{tenant}|{body}"));
                    axum::Json(
                        json!({"token_type": "Bearer", "expires_in": 3599, "access_token": tok}),
                    )
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    // Unique name: tests in this process run in parallel and share the environment.
    let var = "XT_TEST_SECRET_CLIENT_SECRET_FLOW";
    std::env::set_var(var, "s3cr3t value");
    let c = cfg(&format!(
        "[source]\ntenant_id = \"{SRC}\"\n[source.auth]\nkind = \"client-secret\"\nclient_id = \"app1\"\nclient_secret_env = \"{var}\"\n[endpoints]\nlogin = \"http://{addr}/login\"\n"
    ));
    let a = TenantAuth::from_config(Side::Source, &c.source, &c).unwrap();
    assert!(!format!("{a:?}").contains("s3cr3t"));
    let t = a.token(Service::Graph).await.unwrap();
    assert_eq!(t.token.expose(), tok);
    assert_eq!(t.claims.appid.as_deref(), Some("app1"));
    let forms = forms.lock().unwrap().clone();
    assert_eq!(forms.len(), 1);
    assert!(
        forms[0].starts_with(&format!("{SRC}|grant_type=client_credentials")),
        "{}",
        forms[0]
    );
    assert!(
        forms[0].contains("client_secret=s3cr3t+value"),
        "{}",
        forms[0]
    );
    assert!(
        forms[0].contains("scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"),
        "{}",
        forms[0]
    );
}
