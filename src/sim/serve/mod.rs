//! The tenant simulator: serves a raw export over HTTP on one loopback port,
//! at the real paths of each service under a path prefix (`/arm`, `/graph`,
//! `/login`, `/exchange`, `/bap`, `/powerapps`, `/flow`, `/powerplatform`,
//! `/dataverse/{host}`, `/acr/{loginServer}`), with real paging, real error
//! bodies, bearer-token checks, quotas, latency, seeded faults and a request
//! log. The live collectors are
//! tested against it, and `xtenant demo` collects the demo pair through it.
//! See docs/simulator.md.
//!
//! One module per service ([`arm`], [`resource_graph`], [`graph`],
//! [`login`], [`exchange`], [`powerplatform`], [`acr`]) answers a request fully in memory; this module owns the
//! listener, the per-request pipeline (latency, fault, route, log) and the
//! handle tests hold.

pub mod acr;
pub mod arm;
pub mod exchange;
pub mod faults;
pub mod graph;
pub mod log;
pub mod login;
pub mod paging;
pub mod powerplatform;
pub mod quota;
pub mod resource_graph;
pub mod store;
pub mod tokens;
pub mod write;

use crate::error::{Error, Result};
use crate::raw::Side;
use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use faults::{Fault, FaultSpec, Faults};
pub use log::LogEntry;
pub use quota::QuotaOptions;
use serde_json::Value;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Largest request body read (a Resource Graph query is a few KB).
const MAX_BODY: usize = 4 * 1024 * 1024;

/// What to serve.
#[derive(Debug, Clone, PartialEq)]
pub enum DataSource {
    /// A raw export directory (`xtenant collect --save-raw`, `xtenant sim generate`).
    Raw(PathBuf),
    /// The demo pair embedded in the binary.
    Demo,
}

/// How the simulator behaves. `Default` serves the demo on a free port with
/// quotas on, no latency and no faults.
#[derive(Debug, Clone)]
pub struct SimOptions {
    pub data: DataSource,
    /// `None` binds 127.0.0.1 on a free port.
    pub addr: Option<SocketAddr>,
    /// Added to every request before it is answered.
    pub latency: Duration,
    pub faults: FaultSpec,
    pub seed: u64,
    pub quotas: QuotaOptions,
    /// Caps every page (ARM, Graph, Resource Graph) so tests see many pages.
    pub page_size: Option<usize>,
    /// Also write the request log as JSON lines to this file.
    pub log_file: Option<PathBuf>,
    /// Resource Graph also answers with rows made from `arm/*` objects (the
    /// real service indexes every resource); off serves only the export's
    /// `resource-graph/*` rows.
    pub rg_from_arm: bool,
    /// Resource Graph refuses a page larger than this with
    /// `ResponsePayloadTooLarge` (the service's cap is 16 MiB).
    pub rg_max_payload: usize,
    /// How long each long-running write operation takes (`--lro-seconds`).
    pub lro: Duration,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            data: DataSource::Demo,
            addr: None,
            latency: Duration::ZERO,
            faults: FaultSpec::default(),
            seed: 0,
            quotas: QuotaOptions::default(),
            page_size: None,
            log_file: None,
            rg_from_arm: true,
            rg_max_payload: 16 * 1024 * 1024,
            lro: Duration::from_secs(1),
        }
    }
}

/// Everything a request handler reads; shared by all connections.
pub struct Shared {
    pub store: store::Store,
    pub issuer: tokens::Issuer,
    pub quotas: quota::Quotas,
    pub faults: Faults,
    pub log: log::RequestLog,
    pub latency: Duration,
    pub page_size: Option<usize>,
    pub rg: Vec<resource_graph::Tables>,
    pub rg_max_payload: usize,
    /// Per tenant (store order): Dataverse hosts of its environments.
    pub pp: Vec<powerplatform::Index>,
    /// Created resources, operations and the RBAC view (docs/simulator.md "Writes").
    pub writes: write::Writes,
}

/// A response the service modules build; turned into an HTTP response once.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
    /// What a write did, for the request log.
    pub written: Option<write::Written>,
}

impl Reply {
    pub fn json(status: StatusCode, v: &Value) -> Reply {
        Reply {
            status,
            headers: vec![("content-type", "application/json; charset=utf-8".into())],
            body: serde_json::to_vec(v).unwrap_or_default(),
            written: None,
        }
    }

    /// A body that is already JSON text (items joined by the list pages).
    pub fn raw_json(status: StatusCode, body: String) -> Reply {
        Reply {
            status,
            headers: vec![("content-type", "application/json; charset=utf-8".into())],
            body: body.into_bytes(),
            written: None,
        }
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }

    fn into_response(self) -> Response {
        let mut r = Response::new(Body::from(self.body));
        *r.status_mut() = self.status;
        for (k, v) in self.headers {
            if let Ok(v) = HeaderValue::from_str(&v) {
                r.headers_mut().append(k, v);
            }
        }
        r
    }
}

/// One request as the service modules see it.
pub struct Ctx<'a> {
    pub method: &'a Method,
    /// The path as received, prefix included (`/arm/subscriptions/...`).
    pub path: &'a str,
    pub raw_query: Option<&'a str>,
    /// Decoded query parameters in order.
    pub query: Vec<(String, String)>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    /// `http://host:port` as the client addressed us: next links use it.
    pub base: String,
}

impl Ctx<'_> {
    /// A query parameter by name, case-insensitively (`$skipToken`, `$skiptoken`).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The received query string without the named parameters (raw, still encoded).
    pub fn query_without(&self, drop: &[&str]) -> String {
        self.raw_query
            .unwrap_or("")
            .split('&')
            .filter(|kv| !kv.is_empty())
            .filter(|kv| {
                let k = kv.split('=').next().unwrap_or("");
                let k = url::form_urlencoded::parse(k.as_bytes())
                    .next()
                    .map(|(k, _)| k.to_string())
                    .unwrap_or_default();
                !drop.iter().any(|d| d.eq_ignore_ascii_case(&k))
            })
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The `Authorization` header's bearer token, verified.
    pub fn verify(
        &self,
        issuer: &tokens::Issuer,
    ) -> std::result::Result<tokens::Claims, tokens::TokenError> {
        let h = self
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        match tokens::bearer(h) {
            Some(t) => issuer.verify(t),
            None => Err(tokens::TokenError::Missing),
        }
    }
}

/// A JSON object whose `list` member holds the given items' texts, after the
/// other members (`(name, value)` pairs, in order); built as text so a page
/// costs one copy of its items.
pub fn list_body<'a>(
    head: &[(&str, Value)],
    list: &str,
    items: impl Iterator<Item = &'a str>,
    tail: &[(&str, Value)],
) -> String {
    let mut out = String::from("{");
    let member = |out: &mut String, k: &str, v: &Value| {
        if out.len() > 1 {
            out.push(',');
        }
        out.push_str(&Value::String(k.to_string()).to_string());
        out.push(':');
        out.push_str(&v.to_string());
    };
    for (k, v) in head {
        member(&mut out, k, v);
    }
    if out.len() > 1 {
        out.push(',');
    }
    out.push_str(&Value::String(list.to_string()).to_string());
    out.push_str(":[");
    for (n, item) in items.enumerate() {
        if n > 0 {
            out.push(',');
        }
        out.push_str(item);
    }
    out.push(']');
    for (k, v) in tail {
        member(&mut out, k, v);
    }
    out.push('}');
    out
}

/// Which service a path belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Arm,
    ResourceGraph,
    Graph,
    Login,
    Acr,
    Bap,
    PowerApps,
    Flow,
    PowerPlatform,
    Dataverse,
    Exchange,
    Unknown,
}

impl Service {
    pub fn of(path: &str) -> Service {
        let p = path.to_ascii_lowercase();
        if p.starts_with("/arm/providers/microsoft.resourcegraph/") {
            Service::ResourceGraph
        } else if p == "/arm" || p.starts_with("/arm/") {
            Service::Arm
        } else if p.starts_with("/graph/") {
            Service::Graph
        } else if p.starts_with("/login/") {
            Service::Login
        } else if p.starts_with("/acr/") {
            Service::Acr
        } else if p.starts_with("/bap/") {
            Service::Bap
        } else if p.starts_with("/powerapps/") {
            Service::PowerApps
        } else if p.starts_with("/flow/") {
            Service::Flow
        } else if p.starts_with("/powerplatform/") {
            Service::PowerPlatform
        } else if p.starts_with("/dataverse/") {
            Service::Dataverse
        } else if p.starts_with("/exchange/") {
            Service::Exchange
        } else {
            Service::Unknown
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Service::Arm => "arm",
            Service::ResourceGraph => "resource-graph",
            Service::Graph => "graph",
            Service::Login => "login",
            Service::Acr => "acr",
            Service::Bap => "bap",
            Service::PowerApps => "powerapps",
            Service::Flow => "flow",
            Service::PowerPlatform => "powerplatform",
            Service::Dataverse => "dataverse",
            Service::Exchange => "exchange",
            Service::Unknown => "unknown",
        }
    }
}

/// Starts simulators.
pub struct Simulator;

impl Simulator {
    /// Loads the data, binds the port and serves on a thread with its own
    /// runtime, so sync tests and async code (inside another runtime) can
    /// both use it. The simulator stops when the handle is dropped.
    pub fn start(opts: SimOptions) -> Result<SimHandle> {
        let store = match &opts.data {
            DataSource::Raw(dir) => store::Store::load(dir)?,
            DataSource::Demo => store::Store::load_demo()?,
        };
        let rg = store
            .tenants
            .iter()
            .map(|t| resource_graph::Tables::build(t, opts.rg_from_arm))
            .collect();
        let pp = store
            .tenants
            .iter()
            .map(powerplatform::Index::build)
            .collect();
        let shared = Arc::new(Shared {
            store,
            issuer: tokens::Issuer::new(tokens::random_key()),
            quotas: quota::Quotas::new(opts.quotas.clone()),
            faults: Faults::new(opts.faults.clone(), opts.seed),
            log: log::RequestLog::new(opts.log_file.as_deref())?,
            latency: opts.latency,
            page_size: opts.page_size,
            rg,
            rg_max_payload: opts.rg_max_payload,
            pp,
            writes: write::Writes::new(opts.lro, opts.data.clone()),
        });
        let want = opts
            .addr
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
        let listener = std::net::TcpListener::bind(want).map_err(|e| {
            Error::Runtime(format!(
                "simulator: cannot listen on {want}: {e}\n  fix: pick a free port with --addr 127.0.0.1:PORT, or leave --addr out for any free port"
            ))
        })?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::Runtime(format!("simulator: {e}")))?;
        listener
            .set_nonblocking(true)
            .map_err(|e| Error::Runtime(format!("simulator: {e}")))?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("xtenant-sim")
            .enable_all()
            .build()
            .map_err(|e| Error::Runtime(format!("simulator: cannot start its runtime: {e}")))?;
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<std::result::Result<(), String>>();
        let state = shared.clone();
        let thread = std::thread::Builder::new()
            .name("xtenant-sim".into())
            .spawn(move || {
                rt.block_on(async move {
                    let listener = match tokio::net::TcpListener::from_std(listener) {
                        Ok(l) => l,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e.to_string()));
                            return;
                        }
                    };
                    let app = axum::Router::new().fallback(serve).with_state(state);
                    let _ = ready_tx.send(Ok(()));
                    tokio::select! {
                        r = axum::serve(listener, app) => {
                            if let Err(e) = r {
                                tracing::error!("simulator stopped: {e}");
                            }
                        }
                        _ = stop_rx => {}
                    }
                });
                // Open keep-alive connections must not hold the shutdown up.
                rt.shutdown_timeout(Duration::from_millis(200));
            })
            .map_err(|e| Error::Runtime(format!("simulator: cannot start its thread: {e}")))?;
        match ready_rx.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(Error::Runtime(format!("simulator: {e}"))),
            Err(_) => {
                return Err(Error::Runtime(
                    "simulator: its thread ended at start".into(),
                ))
            }
        }
        Ok(SimHandle {
            addr,
            shared,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }
}

/// A running simulator; dropping it stops the server.
pub struct SimHandle {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SimHandle {
    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request answered so far, in arrival order of completion.
    pub fn log(&self) -> Vec<LogEntry> {
        self.shared.log.entries()
    }

    /// Each quota's demand so far and the floor it implies, largest first.
    pub fn quota_demand(&self) -> Vec<quota::Demand> {
        self.shared.quotas.demand()
    }

    /// A token as the token endpoint would issue it, without an HTTP round trip.
    /// `audience` is a resource URI (`https://management.azure.com`).
    pub fn token(&self, tenant: &str, audience: &str, client_id: &str) -> String {
        self.shared.issuer.issue(tenant, audience, client_id)
    }

    /// A token as [`Self::token`], for the principal with object id `oid`
    /// (write tests act as a principal the export's role assignments name).
    pub fn token_as(&self, tenant: &str, audience: &str, client_id: &str, oid: &str) -> String {
        self.shared
            .issuer
            .issue_as(tenant, audience, client_id, oid)
    }

    /// Tags imported into a registry by `importImage` (its ARM id):
    /// repository -> tag -> digest.
    pub fn imported_tags(
        &self,
        registry_id: &str,
    ) -> std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>> {
        write::registry::imported(&self.shared, registry_id)
    }

    /// Every token the simulator has issued (token endpoint and [`Self::token`]):
    /// a test greps a run's files and logs for them.
    pub fn issued_tokens(&self) -> Vec<String> {
        self.shared.issuer.issued()
    }

    /// The tenants served: side and lowercased tenant id.
    pub fn tenants(&self) -> Vec<(Side, String)> {
        self.shared
            .store
            .tenants
            .iter()
            .map(|t| (t.side, t.id.clone()))
            .collect()
    }

    /// The `[endpoints]` table that points xtenant at this simulator.
    pub fn endpoints_toml(&self) -> String {
        let b = self.base_url();
        format!(
            "[endpoints]\nlogin = \"{b}/login\"\narm = \"{b}/arm\"\ngraph = \"{b}/graph\"\nexchange = \"{b}/exchange\"\nacr = \"{b}/acr/{{host}}\"\n{}",
            powerplatform::endpoints_toml(&b)
        )
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The one handler: latency, fault, route, log.
async fn serve(
    axum::extract::State(sh): axum::extract::State<Arc<Shared>>,
    req: Request<Body>,
) -> Response {
    let started = Instant::now();
    let (parts, body) = req.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return Reply::json(
                StatusCode::PAYLOAD_TOO_LARGE,
                &serde_json::json!({"error": {"code": "RequestEntityTooLarge",
                    "message": format!("The request body is over {MAX_BODY} bytes or could not be read.")}}),
            )
            .into_response()
        }
    };
    let path = parts.uri.path().to_string();
    let raw_query = parts.uri.query().map(str::to_string);
    let path_and_query = match &raw_query {
        Some(q) => format!("{path}?{q}"),
        None => path.clone(),
    };
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_string();
    let ctx = Ctx {
        method: &parts.method,
        path: &path,
        raw_query: raw_query.as_deref(),
        query: url::form_urlencoded::parse(raw_query.as_deref().unwrap_or("").as_bytes())
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        headers: &parts.headers,
        body: &body,
        base: format!("http://{host}"),
    };
    let service = Service::of(&path);
    if !sh.latency.is_zero() {
        tokio::time::sleep(sh.latency).await;
    }
    // The token endpoint never faults: tests of retry behaviour are about the
    // data services, and a flaky sign-in would only blur them.
    let fault = match service {
        Service::Login if path.to_ascii_lowercase().ends_with("/token") => None,
        Service::Unknown => None,
        _ => sh
            .faults
            .draw(parts.method.as_str(), &path_and_query, &body),
    };
    // A faulted request never reaches its service, but the log still says
    // whose it was when the token is good.
    let mut tenant = fault
        .and_then(|_| ctx.verify(&sh.issuer).ok())
        .map(|c| c.tid);
    let mut applied = fault;
    let reply = match fault {
        Some(Fault::Reset) => {
            record(
                &sh,
                &ctx,
                &path_and_query,
                service,
                tenant,
                None,
                fault,
                None,
                started,
            );
            return reset();
        }
        Some(f @ (Fault::TooMany | Fault::Internal | Fault::Unavailable)) => {
            fault_reply(service, f)
        }
        _ => {
            let mut r = route(&sh, &ctx, service, &mut tenant);
            if fault == Some(Fault::Truncate) {
                if r.status == StatusCode::OK && r.body.len() > 1 {
                    r.body.truncate(r.body.len() / 2);
                } else {
                    applied = None;
                }
            }
            r
        }
    };
    record(
        &sh,
        &ctx,
        &path_and_query,
        service,
        tenant,
        Some(reply.status.as_u16()),
        applied,
        reply.written.clone(),
        started,
    );
    // Each service's request-id header, which clients quote in errors.
    let id = request_id();
    let reply = match service {
        Service::Arm | Service::ResourceGraph => reply
            .header("x-ms-request-id", id.clone())
            .header("x-ms-correlation-request-id", id),
        Service::Graph => reply
            .header("request-id", id.clone())
            .header("client-request-id", id),
        Service::Login => reply.header("x-ms-request-id", id),
        Service::Acr => reply.header("x-ms-correlation-request-id", id),
        Service::Bap | Service::PowerApps | Service::Flow | Service::PowerPlatform => {
            reply.header("x-ms-request-id", id)
        }
        Service::Dataverse => reply.header("req_id", id),
        Service::Exchange => reply
            .header("request-id", id.clone())
            .header("client-request-id", id),
        Service::Unknown => reply,
    };
    reply.into_response()
}

#[allow(clippy::too_many_arguments)]
fn record(
    sh: &Shared,
    ctx: &Ctx,
    path_and_query: &str,
    service: Service,
    tenant: Option<String>,
    status: Option<u16>,
    fault: Option<Fault>,
    written: Option<write::Written>,
    started: Instant,
) {
    let written = written.unwrap_or_default();
    sh.log.record(LogEntry {
        time: chrono::Utc::now()
            .format("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string(),
        method: ctx.method.to_string(),
        path: path_and_query.to_string(),
        service: service.name().to_string(),
        tenant,
        status,
        fault: fault.map(|f| f.name().to_string()),
        ms: started.elapsed().as_millis() as u64,
        created: written.created,
        resource_id: written.resource_id,
        cmdlet: (service == Service::Exchange)
            .then(|| serde_json::from_slice::<Value>(ctx.body).ok())
            .flatten()
            .and_then(|b| {
                b.pointer("/CmdletInput/CmdletName")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            }),
    });
}

fn route(sh: &Shared, ctx: &Ctx, service: Service, tenant: &mut Option<String>) -> Reply {
    match service {
        Service::Arm => arm::handle(sh, ctx, tenant),
        Service::ResourceGraph => resource_graph::handle(sh, ctx, tenant),
        Service::Graph => graph::handle(sh, ctx, tenant),
        Service::Login => login::handle(sh, ctx),
        Service::Acr => acr::handle(sh, ctx, tenant),
        Service::Bap
        | Service::PowerApps
        | Service::Flow
        | Service::PowerPlatform
        | Service::Dataverse => powerplatform::handle(sh, ctx, service, tenant),
        Service::Exchange => exchange::handle(sh, ctx, tenant),
        Service::Unknown => Reply::json(
            StatusCode::NOT_FOUND,
            &serde_json::json!({"error": {"code": "NotFound",
                "message": format!("The simulator serves /arm, /graph, /login, /exchange, /acr, /bap, /powerapps, /flow, /powerplatform and /dataverse; '{}' is none of them.", ctx.path)}}),
        ),
    }
}

/// A GUID-shaped id, unique within the process.
pub fn request_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(1);
    let n = N.fetch_add(1, Ordering::Relaxed);
    format!("00000000-0000-4000-8000-{n:012x}")
}

/// An injected 429/500/503 in the service's own error shape.
fn fault_reply(service: Service, f: Fault) -> Reply {
    let (status, retry) = match f {
        Fault::TooMany => (StatusCode::TOO_MANY_REQUESTS, true),
        Fault::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, true),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, false),
    };
    if (service, f) == (Service::ResourceGraph, Fault::TooMany) {
        return resource_graph::throttled(Duration::from_secs(1));
    }
    if service == Service::Acr {
        return match f {
            Fault::TooMany => acr::throttled(Duration::from_secs(1)),
            Fault::Unavailable => acr::error(
                status,
                "UNAVAILABLE",
                "service unavailable, please retry later",
                None,
            )
            .header("retry-after", "1"),
            _ => acr::error(status, "UNKNOWN", "unknown service error", None),
        };
    }
    if (service, f) == (Service::Exchange, Fault::TooMany) {
        return exchange::throttled(Duration::from_secs(1));
    }
    let r = match (service, f) {
        (Service::Dataverse, Fault::TooMany) => powerplatform::dataverse_error(status, "0x80072322", "Number of requests exceeded the limit of 6000 over time window of 300 seconds."),
        (Service::Dataverse, Fault::Unavailable) => powerplatform::dataverse_error(status, "0x80040216", "The service is temporarily unavailable. Please retry later."),
        (Service::Dataverse, _) => powerplatform::dataverse_error(status, "0x80040216", "An unexpected error occurred."),
        (Service::Graph, Fault::TooMany) => graph::error(status, "TooManyRequests", "Too many requests."),
        (Service::Graph, Fault::Unavailable) => graph::error(status, "serviceNotAvailable", "The service is temporarily unavailable. Please retry later."),
        (Service::Graph, _) => graph::error(status, "generalException", "General exception while processing."),
        (Service::Exchange, Fault::Unavailable) => exchange::error(status, "ServiceUnavailable", "|Microsoft.Exchange.Data.Storage.ServerBusyException|The server is busy. Please retry later."),
        (Service::Exchange, _) => exchange::error(status, "InternalServerError", "|Microsoft.Exchange.Management.RestApiClient.RestClientException|An internal error occurred (simulated fault)."),
        (_, Fault::TooMany) => arm::error(status, "TooManyRequests", "The request is being throttled. For more information, refer to - https://aka.ms/armthrottling"),
        (_, Fault::Unavailable) => arm::error(status, "ServiceUnavailable", "The server is currently unable to handle the request. Please retry later."),
        _ => arm::error(status, "InternalServerError", "Encountered internal server error. Diagnostic information: simulated fault."),
    };
    if retry {
        r.header("retry-after", "1")
    } else {
        r
    }
}

/// A response whose body fails before its first byte: hyper then closes the
/// connection without having written the status line, which the client sees
/// as a connection reset.
fn reset() -> Response {
    let stream = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "simulated reset",
        ))
    });
    Body::from_stream(stream).into_response()
}

#[cfg(test)]
mod tests;
