//! Network tests against a tiny in-test server on 127.0.0.1:0: paging of each
//! kind, throttling, faults and retries, the guard, and error mapping.

use super::*;
use crate::auth::claims::test_jwt;
use crate::auth::{Endpoints, Secret};
use crate::raw::Side;
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};

const TENANT: &str = "8f1c2b3a-0d4e-4f5a-9b6c-7d8e9f0a1b2c";

#[derive(Debug, Clone)]
struct Seen {
    method: String,
    uri: String,
    headers: axum::http::HeaderMap,
    body: String,
}

struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
}

fn ok(body: serde_json::Value) -> Reply {
    Reply {
        status: 200,
        headers: vec![("content-type", "application/json".into())],
        body: body.to_string(),
    }
}

fn status(status: u16, body: serde_json::Value) -> Reply {
    Reply { status, ..ok(body) }
}

type Handler = dyn Fn(&Seen, usize) -> Reply + Send + Sync;

struct Server {
    base: String,
    log: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    fn seen(&self) -> Vec<Seen> {
        self.log.lock().unwrap().clone()
    }
}

/// Serves `handler(request, n)` where `n` counts requests from 0.
async fn serve(handler: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static) -> Server {
    let log = Arc::new(Mutex::new(Vec::new()));
    let handler: Arc<Handler> = Arc::new(handler);
    let count = Arc::new(AtomicUsize::new(0));
    let l2 = log.clone();
    let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
        let handler = handler.clone();
        let log = l2.clone();
        let count = count.clone();
        async move {
            let (parts, body) = req.into_parts();
            let body = axum::body::to_bytes(body, 1 << 20)
                .await
                .unwrap_or_default();
            let seen = Seen {
                method: parts.method.to_string(),
                uri: parts.uri.to_string(),
                headers: parts.headers,
                body: String::from_utf8_lossy(&body).into_owned(),
            };
            let n = count.fetch_add(1, Ordering::SeqCst);
            let reply = handler(&seen, n);
            log.lock().unwrap().push(seen);
            let mut b = axum::http::Response::builder().status(reply.status);
            for (k, v) in reply.headers {
                b = b.header(k, v);
            }
            b.body(axum::body::Body::from(reply.body)).unwrap()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Server {
        base: format!("http://{addr}"),
        log,
    }
}

fn auth_for(base: &str, tid: &str) -> TenantAuth {
    let endpoints = Endpoints {
        login: format!("{base}/login"),
        arm: format!("{base}/arm"),
        graph: format!("{base}/graph"),
        acr: format!("{base}/acr/{{host}}"),
        acr_origin: None,
        bap: format!("{base}/bap"),
        powerapps: format!("{base}/powerapps"),
        flow: format!("{base}/flow"),
        powerplatform: format!("{base}/powerplatform"),
        dataverse: format!("{base}/dataverse/{{host}}"),
        exchange: format!("{base}/exchange"),
    };
    let token = test_jwt(&json!({"tid": tid, "oid": "oid-1", "exp": 4_000_000_000i64}));
    TenantAuth::fixed(
        Side::Source,
        TENANT,
        Some("Contoso"),
        endpoints,
        Secret::new(token),
    )
}

fn client(max_retries: u32) -> Client {
    Client::new(HttpOptions {
        max_retries,
        base_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
        timeout: Duration::from_secs(5),
        ..HttpOptions::default()
    })
    .unwrap()
}

async fn collect(
    c: &Client,
    req: Request<'_>,
    paging: Paging,
) -> Result<(Vec<Page>, PagesSummary)> {
    let mut pages = Vec::new();
    let sum = c
        .pages(req, paging, &mut |p| {
            pages.push(p);
            Ok(())
        })
        .await?;
    Ok((pages, sum))
}

#[tokio::test]
async fn arm_paging_follows_links_through_an_empty_page_and_stops_at_null() {
    let srv = serve(|s, _| {
        let base = s.headers.get("host").unwrap().to_str().unwrap().to_string();
        match s.uri.as_str() {
            u if u.ends_with("page=1") => ok(json!({"value": [{"id": "a"}, {"id": "b"}],
                "nextLink": format!("http://{base}/arm/list?page=2")})),
            u if u.ends_with("page=2") => ok(json!({"value": [],
                "nextLink": format!("http://{base}/arm/list?page=3")})),
            _ => ok(json!({"value": [{"id": "c"}], "nextLink": null})),
        }
    })
    .await;
    let auth = auth_for(&srv.base, TENANT);
    let c = client(2);
    let req = Request::get(Service::Arm, &auth, format!("{}/arm/list?page=1", srv.base))
        .subscription("sub-1");
    let (pages, sum) = collect(&c, req, Paging::ArmNextLink).await.unwrap();
    assert_eq!(pages.len(), 3);
    assert_eq!(sum.items, 3);
    assert_eq!(sum.pages, 3);
    // Bodies are handed on exactly as served.
    assert!(std::str::from_utf8(&pages[1].body)
        .unwrap()
        .contains("\"value\":[]"));
    assert_eq!(pages[0].method, "GET");
    assert!(pages[0].fetched_at.ends_with('Z'));
    let seen = srv.seen();
    assert!(seen.iter().all(|s| s
        .headers
        .get("authorization")
        .is_some_and(|v| v.to_str().unwrap().starts_with("Bearer ey"))));
    assert_eq!(c.stats().services["arm"].requests, 3);
}

#[tokio::test]
async fn arm_paging_ends_when_the_link_is_absent_and_refuses_junk_links() {
    let srv = serve(|s, _| {
        if s.uri.contains("junk") {
            ok(json!({"value": [], "nextLink": "..."}))
        } else {
            ok(json!({"value": [1]}))
        }
    })
    .await;
    let auth = auth_for(&srv.base, TENANT);
    let c = client(0);
    let (pages, _) = collect(
        &c,
        Request::get(Service::Arm, &auth, format!("{}/arm/x", srv.base)),
        Paging::ArmNextLink,
    )
    .await
    .unwrap();
    assert_eq!(pages.len(), 1);
    let e = collect(
        &c,
        Request::get(Service::Arm, &auth, format!("{}/arm/junk", srv.base)),
        Paging::ArmNextLink,
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("`nextLink` is not a URL"), "{e}");
}

#[tokio::test]
async fn a_next_link_loop_is_an_error() {
    let srv = serve(|s, _| {
        let host = s.headers.get("host").unwrap().to_str().unwrap().to_string();
        ok(json!({"value": [], "nextLink": format!("http://{host}/arm/loop?x=1")}))
    })
    .await;
    let auth = auth_for(&srv.base, TENANT);
    let e = collect(
        &client(0),
        Request::get(Service::Arm, &auth, format!("{}/arm/loop", srv.base)),
        Paging::ArmNextLink,
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("same next-page link twice"), "{e}");
    assert_eq!(srv.seen().len(), 2);
}

#[tokio::test]
async fn graph_paging_resends_consistency_level_on_every_page() {
    let srv = serve(|s, _| {
        let host = s.headers.get("host").unwrap().to_str().unwrap().to_string();
        if s.uri.contains("skiptoken") {
            ok(json!({"value": [{"id": "u2"}]}))
        } else {
            ok(json!({"@odata.context": "x", "@odata.count": 2, "value": [{"id": "u1"}],
                "@odata.nextLink": format!("http://{host}/graph/v1.0/users?$count=true&$skiptoken=abc")}))
        }
    })
    .await;
    let auth = auth_for(&srv.base, TENANT);
    let req = Request::get(
        Service::Graph,
        &auth,
        format!("{}/graph/v1.0/users?$count=true", srv.base),
    )
    .header("ConsistencyLevel", "eventual");
    let (pages, sum) = collect(&client(0), req, Paging::GraphNextLink)
        .await
        .unwrap();
    assert_eq!((pages.len(), sum.items), (2, 2));
    let seen = srv.seen();
    assert_eq!(seen.len(), 2);
    for s in &seen {
        assert_eq!(
            s.headers.get("consistencylevel").unwrap(),
            "eventual",
            "{}",
            s.uri
        );
    }
}

#[tokio::test]
async fn resource_graph_pages_by_skip_token_and_halves_top_when_too_large() {
    let srv = serve(|s, _| {
        let body: serde_json::Value = serde_json::from_str(&s.body).unwrap();
        let top = body["options"]["$top"].as_u64().unwrap();
        if top > 500 {
            return status(400, json!({"error": {"code": "BadRequest", "message": "payload",
                "details": [{"code": "ResponsePayloadTooLarge",
                    "message": "Response payload size is 94330584, and has exceeded the limit of 16777216"}]}}));
        }
        match body["options"].get("$skipToken").and_then(|t| t.as_str()) {
            None => ok(json!({"totalRecords": 3, "count": 2, "resultTruncated": "false",
                "$skipToken": "tok1", "data": [{"id": "a"}, {"id": "b"}], "facets": []})),
            Some("tok1") => ok(json!({"totalRecords": 3, "count": 1, "resultTruncated": "false",
                "data": [{"id": "c"}], "facets": []})),
            Some(_) => status(400, json!({"error": {"code": "BadRequest", "message": "bad token"}})),
        }
    })
    .await;
    let auth = auth_for(&srv.base, TENANT);
    let url = format!(
        "{}/arm/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01",
        srv.base
    );
    let req = Request::query(
        Service::ResourceGraph,
        &auth,
        url,
        json!({
        "subscriptions": ["s1"], "query": "resources | project id"}),
    );
    let (pages, sum) = collect(&client(0), req, Paging::ResourceGraph)
        .await
        .unwrap();
    assert_eq!((pages.len(), sum.items), (2, 3));
    assert_eq!(pages[0].method, "POST");
    let tops: Vec<u64> = srv
        .seen()
        .iter()
        .map(|s| {
            serde_json::from_str::<serde_json::Value>(&s.body).unwrap()["options"]["$top"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(tops, vec![1000, 500, 500]);
    assert!(srv.seen().iter().all(|s| s.method == "POST"));
    let last: serde_json::Value = serde_json::from_str(&srv.seen()[2].body).unwrap();
    assert_eq!(last["options"]["$skipToken"], "tok1");
    assert_eq!(last["options"]["resultFormat"], "objectArray");
    assert_eq!(last["query"], "resources | project id");
}

#[tokio::test]
async fn throttled_429_waits_retry_after_then_succeeds() {
    let srv = serve(|_, n| match n {
        0 => Reply {
            headers: vec![
                ("retry-after", "0.2".into()),
                ("content-type", "application/json".into()),
            ],
            ..status(
                429,
                json!({"error": {"code": "TooManyRequests", "message": "slow down"}}),
            )
        },
        _ => ok(json!({"value": []})),
    })
    .await;
    let auth = auth_for(&srv.base, TENANT);
    let c = client(3);
    let t = std::time::Instant::now();
    let r = c
        .send(&Request::get(
            Service::Graph,
            &auth,
            format!("{}/graph/v1.0/users", srv.base),
        ))
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    assert!(
        t.elapsed() >= Duration::from_millis(200),
        "{:?}",
        t.elapsed()
    );
    let st = c.stats().services["graph"];
    assert_eq!((st.requests, st.retries, st.throttled), (2, 1, 1));
}

#[tokio::test]
async fn server_errors_and_truncated_bodies_are_retried() {
    let srv = serve(|_, n| match n {
        0 => status(
            503,
            json!({"error": {"code": "ServiceUnavailable", "message": "busy"}}),
        ),
        1 => Reply {
            body: "{\"value\":[{\"id\":".into(),
            ..ok(json!({}))
        },
        2 => status(500, json!({})),
        _ => ok(json!({"value": [{"id": "a"}]})),
    })
    .await;
    let auth = auth_for(&srv.base, TENANT);
    let c = client(5);
    let r = c
        .send(&Request::get(
            Service::Arm,
            &auth,
            format!("{}/arm/x", srv.base),
        ))
        .await
        .unwrap();
    assert_eq!(&r.body[..], br#"{"value":[{"id":"a"}]}"#);
    assert_eq!(c.stats().services["arm"].retries, 3);
}

#[tokio::test]
async fn retries_exhausted_is_an_error_with_status_code_and_fix() {
    let srv = serve(|_, _| {
        status(
            503,
            json!({"error": {"code": "ServerBusy", "message": "try later"}}),
        )
    })
    .await;
    let auth = auth_for(&srv.base, TENANT);
    let e = client(2)
        .send(&Request::get(
            Service::Arm,
            &auth,
            format!("{}/arm/x?sig=SECRET", srv.base),
        ))
        .await
        .unwrap_err();
    let h = e.as_http().expect("an HTTP error");
    assert_eq!(h.status, Some(503));
    assert_eq!(h.code.as_deref(), Some("ServerBusy"));
    assert_eq!(h.attempts, 3);
    assert_eq!(srv.seen().len(), 3);
    let msg = e.to_string();
    assert!(
        msg.contains("HTTP 503 ServerBusy: try later (after 3 attempts)"),
        "{msg}"
    );
    assert!(msg.contains("fix: the service kept failing"), "{msg}");
    assert!(!msg.contains("SECRET"), "{msg}");
    assert_eq!(e.exit_code(), crate::error::exit::RUNTIME);
}

#[tokio::test]
async fn forbidden_names_the_role_and_is_not_retried() {
    let srv = serve(|_, _| {
        status(
            403,
            json!({"error": {"code": "AuthorizationFailed", "message": "no access"}}),
        )
    })
    .await;
    let auth = auth_for(&srv.base, TENANT);
    let e = client(5)
        .send(&Request::get(
            Service::Arm,
            &auth,
            format!("{}/arm/subscriptions/s", srv.base),
        ))
        .await
        .unwrap_err();
    assert_eq!(srv.seen().len(), 1);
    let msg = e.to_string();
    assert!(msg.contains("AuthorizationFailed"), "{msg}");
    assert!(msg.contains("--assignee oid-1 --role Reader"), "{msg}");
    assert!(msg.contains("source tenant (Contoso,"), "{msg}");
}

#[tokio::test]
async fn the_guard_refuses_a_post_to_a_non_query_path_before_sending() {
    let srv = serve(|_, _| ok(json!({}))).await;
    let auth = auth_for(&srv.base, TENANT);
    let url = format!("{}/arm/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm/start", srv.base);
    let e = client(0)
        .send(&Request::query(Service::Arm, &auth, url, json!({})))
        .await
        .unwrap_err();
    assert_eq!(
        e.as_http().unwrap().code.as_deref(),
        Some("RefusedByReadOnlyGuard")
    );
    // A token is never sent to a host that is not a configured endpoint.
    let e = client(0)
        .send(&Request::get(
            Service::Arm,
            &auth,
            "http://127.0.0.2:1/arm/x",
        ))
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("not one of the configured endpoints"),
        "{e}"
    );
    assert!(srv.seen().is_empty());
}

#[tokio::test]
async fn a_token_for_another_tenant_is_refused_before_any_request() {
    let srv = serve(|_, _| ok(json!({}))).await;
    let auth = auth_for(&srv.base, "11111111-2222-3333-4444-555555555555");
    let e = client(0)
        .send(&Request::get(
            Service::Graph,
            &auth,
            format!("{}/graph/v1.0/organization", srv.base),
        ))
        .await
        .unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("the token for the source tenant (Contoso, 8f1c2b3a-0d4e-4f5a-9b6c-7d8e9f0a1b2c) was issued by tenant 11111111-2222-3333-4444-555555555555"), "{msg}");
    assert!(srv.seen().is_empty());
}

#[tokio::test]
async fn a_reset_connection_is_retried() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        for n in 0.. {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let mut buf = vec![0u8; 4096];
            let _ = sock.read(&mut buf).await;
            if n == 0 {
                // Drop the connection without an answer.
                drop(sock);
                continue;
            }
            let body = r#"{"value":[]}"#;
            let resp = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = sock.write_all(resp.as_bytes()).await;
        }
    });
    let base = format!("http://{addr}");
    let auth = auth_for(&base, TENANT);
    let c = client(3);
    let r = c
        .send(&Request::get(Service::Arm, &auth, format!("{base}/arm/x")))
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(c.stats().services["arm"].retries, 1);
}

#[tokio::test]
async fn unauthorized_says_how_to_sign_in() {
    let srv = serve(|_, _| {
        status(
            401,
            json!({"error": {"code": "InvalidAuthenticationTokenTenant",
            "message": "The access token is from the wrong issuer"}}),
        )
    })
    .await;
    let auth = auth_for(&srv.base, TENANT);
    let e = client(3)
        .send(&Request::get(
            Service::Arm,
            &auth,
            format!("{}/arm/subscriptions", srv.base),
        ))
        .await
        .unwrap_err();
    assert_eq!(srv.seen().len(), 1);
    let m = e.to_string();
    assert!(
        m.contains("HTTP 401 InvalidAuthenticationTokenTenant"),
        "{m}"
    );
    assert!(m.contains("fix: check [source.auth]"), "{m}");
}

/// Shared buffer the test subscriber writes into.
#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);
impl std::io::Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The buffer of a process-wide DEBUG subscriber. A scoped subscriber
/// (`set_default`) raced with tests running beside it: tracing caches each
/// callsite's interest globally, and a callsite first hit on another thread
/// with no subscriber could stay "never" however the cache was rebuilt. One
/// global subscriber makes every callsite's interest "always"; the test then
/// reads only the lines of its own request.
fn global_log() -> Option<&'static Buf> {
    static LOG: std::sync::OnceLock<Option<Buf>> = std::sync::OnceLock::new();
    LOG.get_or_init(|| {
        let buf = Buf::default();
        let w = buf.clone();
        let sub = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .with_writer(move || w.clone())
            .finish();
        tracing::subscriber::set_global_default(sub).ok()?;
        tracing::callsite::rebuild_interest_cache();
        Some(buf)
    })
    .as_ref()
}

#[tokio::test]
async fn debug_logs_carry_requests_but_never_the_token_or_a_signature() {
    let Some(buf) = global_log() else {
        panic!("another test installed a global tracing subscriber first");
    };
    let srv = serve(|_, n| match n {
        0 => status(503, json!({})),
        _ => ok(json!({"value": []})),
    })
    .await;
    let auth = auth_for(&srv.base, TENANT);
    let token = auth.token(Service::Arm).await.unwrap();
    client(2)
        .send(&Request::get(
            Service::Arm,
            &auth,
            format!("{}/arm/logcheck?sig=SASSIG&a=1", srv.base),
        ))
        .await
        .unwrap();
    let all = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    let mine: Vec<&str> = all
        .lines()
        .filter(|l| l.contains("/arm/logcheck"))
        .collect();
    assert!(
        mine.iter()
            .any(|l| l.contains("retrying") && l.contains("sig=REDACTED")),
        "{mine:#?}"
    );
    assert!(!all.contains(token.token.expose()));
    assert!(!all.contains("SASSIG"), "{mine:#?}");
}

#[test]
fn send_and_pages_futures_can_be_spawned() {
    fn assert_send<T: Send>(_: &T) {}
    let auth = auth_for("http://127.0.0.1:1", TENANT);
    let c = client(0);
    let req = Request::get(Service::Arm, &auth, "http://127.0.0.1:1/arm/x");
    assert_send(&c.send(&req));
    let mut sink = |_p: Page| Ok(());
    assert_send(&c.pages(req, Paging::ArmNextLink, &mut sink));
}
