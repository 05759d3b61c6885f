//! End-to-end checks of the simulator over real HTTP (reqwest), on the demo pair.

use super::*;
use serde_json::Value;
use std::time::{Duration, Instant};

const SRC: &str = "8f1c2b3a-0d4e-4f5a-9b6c-7d8e9f0a1b2c";
const TGT: &str = "2a3b4c5d-6e7f-4081-92a3-b4c5d6e7f809";
const SRC_SUB: &str = "5b7e1f0c-3a2d-4e8b-9c61-0d2f4a6b8c01";
const ARM: &str = "https://management.azure.com";
const GRAPH: &str = "https://graph.microsoft.com";

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn form(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

fn sim(opts: SimOptions) -> SimHandle {
    Simulator::start(opts).expect("simulator starts")
}

async fn get(url: &str, token: Option<&str>) -> (u16, reqwest::header::HeaderMap, Value) {
    let c = reqwest::Client::new();
    let mut rb = c.get(url);
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    let r = rb.send().await.expect("send");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let body = r.json::<Value>().await.unwrap_or(Value::Null);
    (status, headers, body)
}

#[test]
fn token_endpoint_issues_tokens_that_arm_accepts() {
    let s = sim(SimOptions::default());
    rt().block_on(async {
        let c = reqwest::Client::new();
        let r = c
            .post(format!("{}/login/{SRC}/oauth2/v2.0/token", s.base_url()))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&[
                ("grant_type", "client_credentials"),
                ("client_id", "app-1"),
                ("client_secret", "s3cret"),
                ("scope", "https://management.azure.com/.default"),
            ]))
            .send()
            .await
            .expect("token");
        assert_eq!(r.status().as_u16(), 200);
        let body: Value = r.json().await.expect("json");
        let token = body["access_token"]
            .as_str()
            .expect("access_token")
            .to_string();
        assert_eq!(body["token_type"], "Bearer");
        let (st, h, b) = get(
            &format!("{}/arm/subscriptions?api-version=2022-12-01", s.base_url()),
            Some(&token),
        )
        .await;
        assert_eq!(st, 200, "{b}");
        assert_eq!(b["value"].as_array().map(Vec::len), Some(3));
        assert!(h.contains_key("x-ms-ratelimit-remaining-tenant-reads"));

        // Wrong scope and unknown tenant get the sign-in service's errors.
        let r = c
            .post(format!("{}/login/{SRC}/oauth2/v2.0/token", s.base_url()))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&[
                ("grant_type", "client_credentials"),
                ("client_id", "a"),
                ("client_secret", "b"),
                ("scope", "User.Read"),
            ]))
            .send()
            .await
            .expect("send");
        assert_eq!(r.status().as_u16(), 400);
        let b: Value = r.json().await.expect("json");
        assert_eq!(b["error"], "invalid_scope");
        let r = c
            .post(format!(
                "{}/login/00000000-0000-0000-0000-000000000000/oauth2/v2.0/token",
                s.base_url()
            ))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&[
                ("grant_type", "client_credentials"),
                ("client_id", "a"),
                ("client_secret", "b"),
                ("scope", "https://graph.microsoft.com/.default"),
            ]))
            .send()
            .await
            .expect("send");
        let b: Value = r.json().await.expect("json");
        assert_eq!(b["error_codes"][0], 90002);
    });
}

#[test]
fn arm_pages_follow_next_links_to_the_full_list() {
    let s = sim(SimOptions {
        page_size: Some(2),
        ..SimOptions::default()
    });
    let token = s.token(SRC, ARM, "app");
    rt().block_on(async {
        let mut url = format!(
            "{}/arm/subscriptions/{SRC_SUB}/providers/Microsoft.Compute/disks?api-version=2024-03-02",
            s.base_url()
        );
        let mut ids = Vec::new();
        let mut pages = 0;
        loop {
            let (st, h, b) = get(&url, Some(&token)).await;
            assert_eq!(st, 200, "{b}");
            assert!(h.contains_key("x-ms-ratelimit-remaining-subscription-reads"));
            assert!(h.contains_key("x-ms-request-id"));
            let v = b["value"].as_array().expect("value");
            assert!(v.len() <= 2);
            ids.extend(v.iter().map(|d| d["id"].as_str().unwrap_or("").to_string()));
            pages += 1;
            match b["nextLink"].as_str() {
                Some(n) => {
                    assert!(n.contains("api-version=2024-03-02") && n.contains("%24skipToken="), "{n}");
                    url = n.to_string();
                }
                None => break,
            }
        }
        assert_eq!(ids.len(), 17, "source disks in {SRC_SUB}");
        assert_eq!(pages, 9);
        assert!(ids.iter().all(|i| i.to_lowercase().starts_with(&format!("/subscriptions/{SRC_SUB}/"))));
        // An edited token is refused, not misread.
        let (st, _, b) = get(&format!("{}/arm/subscriptions/{SRC_SUB}/resourcegroups?api-version=2021-04-01&$skipToken=MTAw", s.base_url()), Some(&token)).await;
        assert_eq!(st, 400, "{b}");
    });
}

#[test]
fn arm_refuses_missing_forged_and_wrong_tenant_tokens() {
    let s = sim(SimOptions::default());
    let url = format!(
        "{}/arm/subscriptions/{SRC_SUB}/resourcegroups?api-version=2021-04-01",
        s.base_url()
    );
    rt().block_on(async {
        let (st, h, b) = get(&url, None).await;
        assert_eq!(
            (st, b["error"]["code"].as_str()),
            (401, Some("AuthenticationFailed"))
        );
        assert!(h.contains_key("www-authenticate"));
        let forged = Issuer::forge(SRC, ARM);
        let (st, _, b) = get(&url, Some(&forged)).await;
        assert_eq!(
            (st, b["error"]["code"].as_str()),
            (401, Some("InvalidAuthenticationToken"))
        );
        let tgt = s.token(TGT, ARM, "app");
        let (st, _, b) = get(&url, Some(&tgt)).await;
        assert_eq!(st, 401);
        assert_eq!(b["error"]["code"], "InvalidAuthenticationTokenTenant");
        let msg = b["error"]["message"].as_str().unwrap_or("");
        assert!(msg.contains(TGT) && msg.contains(SRC), "{msg}");
        let graph_token = s.token(SRC, GRAPH, "app");
        let (st, _, b) = get(&url, Some(&graph_token)).await;
        assert_eq!(
            (st, b["error"]["code"].as_str()),
            (401, Some("InvalidAuthenticationTokenAudience"))
        );
        let (st, _, b) = get(&format!("{}/graph/v1.0/users", s.base_url()), None).await;
        assert_eq!(
            (st, b["error"]["code"].as_str()),
            (401, Some("InvalidAuthenticationToken"))
        );
        assert!(b["error"]["innerError"]["request-id"].is_string());
    });
    let log = s.log();
    assert_eq!(log.len(), 5);
    assert!(log.iter().all(|e| e.status == Some(401)));
    assert_eq!(log[2].tenant.as_deref(), Some(TGT));
}

/// A token signed with a key that is not the simulator's.
struct Issuer;
impl Issuer {
    fn forge(tenant: &str, aud: &str) -> String {
        tokens::Issuer::new([42; 32]).issue(tenant, aud, "app")
    }
}

#[test]
fn graph_answers_for_the_token_tenant_with_top_and_skiptoken() {
    let s = sim(SimOptions::default());
    rt().block_on(async {
        for (tid, users) in [(SRC, 48), (TGT, 47)] {
            let token = s.token(tid, GRAPH, "app");
            let mut url = format!(
                "{}/graph/v1.0/users?$select=id,userPrincipalName&$top=10",
                s.base_url()
            );
            let mut n = 0;
            loop {
                let (st, _, b) = get(&url, Some(&token)).await;
                assert_eq!(st, 200, "{b}");
                n += b["value"].as_array().map_or(0, Vec::len);
                match b["@odata.nextLink"].as_str() {
                    Some(next) => {
                        assert!(
                            next.contains("$top=10") && next.contains("%24skiptoken="),
                            "{next}"
                        );
                        url = next.to_string();
                    }
                    None => break,
                }
            }
            assert_eq!(n, users);
        }
        let token = s.token(SRC, GRAPH, "app");
        let (st, _, b) = get(
            &format!("{}/graph/v1.0/users?$top=1000", s.base_url()),
            Some(&token),
        )
        .await;
        assert_eq!(st, 400, "{b}");
        let (st, _, b) = get(
            &format!(
                "{}/graph/v1.0/policies/crossTenantAccessPolicy/default",
                s.base_url()
            ),
            Some(&token),
        )
        .await;
        assert_eq!(st, 200);
        assert!(b.get("value").is_none() && b.get("inboundTrust").is_some());
        let (st, _, b) = get(
            &format!(
                "{}/graph/v1.0/groups/095cbee5-b58b-5a30-8344-487af66614db/members?$select=id",
                s.base_url()
            ),
            Some(&token),
        )
        .await;
        assert_eq!(st, 200, "{b}");
        assert!(b["value"].as_array().is_some_and(|v| !v.is_empty()));
        let (st, _, b) = get(
            &format!("{}/graph/v1.0/nonsense", s.base_url()),
            Some(&token),
        )
        .await;
        assert_eq!((st, b["error"]["code"].as_str()), (400, Some("BadRequest")));
    });
}

#[test]
fn reset_drops_the_connection_and_truncate_cuts_the_body() {
    let s = sim(SimOptions {
        faults: faults::FaultSpec::parse("reset=100%").expect("spec"),
        ..SimOptions::default()
    });
    let token = s.token(SRC, ARM, "app");
    rt().block_on(async {
        let r = reqwest::Client::new()
            .get(format!(
                "{}/arm/subscriptions?api-version=2022-12-01",
                s.base_url()
            ))
            .bearer_auth(&token)
            .send()
            .await;
        assert!(r.is_err(), "a reset must not deliver a status: {r:?}");
    });
    assert_eq!(s.log()[0].status, None);
    assert_eq!(s.log()[0].fault.as_deref(), Some("reset"));
    drop(s);

    let s = sim(SimOptions {
        faults: faults::FaultSpec::parse("truncate=100%").expect("spec"),
        ..SimOptions::default()
    });
    let token = s.token(SRC, ARM, "app");
    rt().block_on(async {
        let r = reqwest::Client::new()
            .get(format!(
                "{}/arm/subscriptions?api-version=2022-12-01",
                s.base_url()
            ))
            .bearer_auth(&token)
            .send()
            .await
            .expect("a truncated body still has a status");
        assert_eq!(r.status().as_u16(), 200);
        let text = r.text().await.expect("body");
        assert!(
            serde_json::from_str::<Value>(&text).is_err(),
            "cut JSON must not parse"
        );
    });
}

#[test]
fn latency_delays_every_answer() {
    let s = sim(SimOptions {
        latency: Duration::from_millis(120),
        ..SimOptions::default()
    });
    let token = s.token(SRC, ARM, "app");
    rt().block_on(async {
        let t0 = Instant::now();
        let (st, _, _) = get(
            &format!("{}/arm/subscriptions?api-version=2022-12-01", s.base_url()),
            Some(&token),
        )
        .await;
        assert_eq!(st, 200);
        assert!(t0.elapsed() >= Duration::from_millis(120));
    });
    assert!(s.log()[0].ms >= 120);
}

#[test]
fn arm_and_graph_error_bodies_for_paths_data_and_methods() {
    let s = sim(SimOptions::default());
    let arm = s.token(SRC, ARM, "app");
    let graph = s.token(SRC, GRAPH, "app");
    let b = s.base_url();
    rt().block_on(async {
        let cases = [
            (format!("{b}/arm/subscriptions/{SRC_SUB}/resourcegroups"), &arm, 400, "MissingApiVersionParameter"),
            (format!("{b}/arm/subscriptions/00000000-0000-0000-0000-000000000009/resourcegroups?api-version=1"), &arm, 404, "SubscriptionNotFound"),
            (format!("{b}/arm/subscriptions/{SRC_SUB}/resourceGroups/rg-x/providers/Microsoft.ContainerRegistry/registries/nope/replications?api-version=1"), &arm, 404, "ParentResourceNotFound"),
            (format!("{b}/arm/subscriptions/{SRC_SUB}/providers/Microsoft.Web/sites?api-version=1"), &arm, 404, "ResourceNotFound"),
            (format!("{b}/graph/v1.0/groups/00000000-0000-0000-0000-000000000009/members"), &graph, 404, "Request_ResourceNotFound"),
        ];
        for (url, token, status, code) in cases {
            let (st, _, body) = get(&url, Some(token)).await;
            assert_eq!((st, body["error"]["code"].as_str()), (status, Some(code)), "{url}");
        }
        let r = reqwest::Client::new()
            .delete(format!("{b}/arm/subscriptions/{SRC_SUB}/resourcegroups/rg-app-prod?api-version=2021-04-01"))
            .bearer_auth(&arm)
            .send()
            .await
            .expect("send");
        assert_eq!(r.status().as_u16(), 405);
    });
    let log = s.log();
    assert_eq!(log.last().map(|e| e.method.as_str()), Some("DELETE"));
}

#[test]
fn expired_tokens_and_absent_collections() {
    // An export whose source lacks graph/users and arm/locks.
    let dir = tempfile::tempdir().expect("tempdir");
    crate::demo::extract(dir.path()).expect("demo");
    std::fs::remove_dir_all(dir.path().join("source/graph/users")).expect("rm users");
    std::fs::remove_dir_all(dir.path().join("source/arm/locks")).expect("rm locks");
    let s = sim(SimOptions {
        data: DataSource::Raw(dir.path().to_path_buf()),
        ..SimOptions::default()
    });
    let b = s.base_url();
    rt().block_on(async {
        let graph = s.token(SRC, GRAPH, "app");
        let (st, _, body) = get(&format!("{b}/graph/v1.0/users"), Some(&graph)).await;
        assert_eq!((st, body["error"]["code"].as_str()), (403, Some("Authorization_RequestDenied")));
        let arm = s.token(SRC, ARM, "app");
        let url = format!("{b}/arm/subscriptions/{SRC_SUB}/providers/Microsoft.Authorization/locks?api-version=2016-09-01");
        let (st, _, body) = get(&url, Some(&arm)).await;
        assert_eq!((st, body["error"]["code"].as_str()), (403, Some("AuthorizationFailed")));
        // The target still has both.
        let tgt = s.token(TGT, GRAPH, "app");
        let (st, _, _) = get(&format!("{b}/graph/v1.0/users"), Some(&tgt)).await;
        assert_eq!(st, 200);
        let old = s.shared.issuer.issue_at(SRC, ARM, "app", 1_000_000);
        let (st, _, body) = get(&url, Some(&old)).await;
        assert_eq!((st, body["error"]["code"].as_str()), (401, Some("ExpiredAuthenticationToken")));
    });
}

#[test]
fn doctor_requests_permissions_and_a_limited_query() {
    let s = sim(SimOptions::default());
    let arm = s.token(SRC, ARM, "app");
    let b = s.base_url();
    rt().block_on(async {
        let (st, _, body) = get(
            &format!("{b}/arm/subscriptions/{SRC_SUB}/providers/Microsoft.Authorization/permissions?api-version=2022-04-01"),
            Some(&arm),
        )
        .await;
        assert_eq!(st, 200, "{body}");
        assert_eq!(body["value"][0]["actions"][0], "*/read");
        let r = reqwest::Client::new()
            .post(format!("{b}/arm/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01"))
            .bearer_auth(&arm)
            .header("content-type", "application/json")
            .body(r#"{"query": "resourcecontainers | project id | limit 1", "options": {"$top": 1}}"#)
            .send()
            .await
            .expect("send");
        assert_eq!(r.status().as_u16(), 200);
        let body: Value = r.json().await.expect("json");
        assert_eq!(body["count"], 1);
        assert_eq!(body["resultTruncated"], "true");
        assert!(body.get("$skipToken").is_none());
        assert_eq!(body["data"][0].as_object().map(|o| o.len()), Some(1));
    });
}

#[test]
fn password_grant_tokens_carry_the_users_object_or_its_guest_object() {
    let s = sim(SimOptions::default());
    let base = s.base_url();
    let scope = "https://management.azure.com/.default";
    // migrator@fabrikam.com is a member of the target and a guest in the
    // source: the demo's role assignments name those two objects.
    for (tenant, oid) in [
        (TGT, "96fc599b-2f86-59e3-8ada-e45689cb45e4"),
        (SRC, "d012cc5a-d1e2-59e6-af2d-daa25d4e7758"),
    ] {
        let tok = login::fetch_user_token(
            &base,
            tenant,
            scope,
            login::DEFAULT_CLIENT_ID,
            "Migrator@Fabrikam.com",
        )
        .expect("user token");
        let claims = s.shared.issuer.verify(&tok).expect("verifies");
        assert_eq!(claims.oid, oid, "{tenant}");
        assert_eq!(claims.tid, tenant);
    }
    let e = login::fetch_user_token(&base, SRC, scope, "c", "nobody@fabrikam.com")
        .unwrap_err()
        .to_string();
    assert!(e.contains("AADSTS50034"), "{e}");
    rt().block_on(async {
        let r = reqwest::Client::new()
            .post(format!("{base}/login/{SRC}/oauth2/v2.0/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&[
                ("grant_type", "password"),
                ("client_id", "c"),
                ("username", "migrator@fabrikam.com"),
                ("scope", scope),
            ]))
            .send()
            .await
            .expect("token");
        assert_eq!(r.status().as_u16(), 400);
        let v: Value = r.json().await.expect("json");
        assert_eq!(v["error"], "invalid_request", "{v}");
    });
}
