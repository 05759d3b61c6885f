//! The HTTP core of live collection: one [`Client`] per run sends every
//! request through the read-only guard ([`guard`]), client-side pacing
//! ([`pace`]), bounded retries ([`retry`]) and error mapping ([`errors`]),
//! and walks the three paging styles ([`paging`]). Each page body is handed
//! on exactly as received, so the raw export keeps the service's bytes.
//!
//! Tokens come from [`crate::auth::TenantAuth`] per request and are never
//! logged: spans carry the method, the redacted URL, status and attempt.

pub mod errors;
pub mod guard;
pub mod pace;
pub mod paging;
pub mod retry;
pub mod stats;
pub mod write;

pub use errors::HttpError;
pub use pace::{Limits, Rate};
pub use paging::{Page, PagesSummary, Paging};
pub use stats::{ServiceStats, StatsSnapshot};

/// The body type of pages and responses (`bytes::Bytes`).
pub use axum::body::Bytes;

use crate::auth::{redact, TenantAuth};
use crate::config::HttpConfig;
use crate::error::{Error, Result};
use rand::SeedableRng;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use tracing::Instrument;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Service {
    Arm,
    ResourceGraph,
    Graph,
    Login,
    /// A container registry's data plane (`https://{loginServer}`).
    Acr,
    /// Power Platform admin (BAP): environments, tenant-to-tenant migrations.
    Bap,
    /// Power Apps admin: apps, connections, custom connectors.
    PowerApps,
    /// Power Automate admin: flows.
    Flow,
    /// Power Platform API (`api.powerplatform.com`): licensing / capacity.
    PowerPlatform,
    /// Dataverse Web API of one environment (audience: its instance URL).
    Dataverse,
    /// Exchange Online admin API (`InvokeCommand`).
    Exchange,
}

impl Service {
    pub const ALL: [Service; 11] = [
        Service::Arm,
        Service::ResourceGraph,
        Service::Graph,
        Service::Login,
        Service::Acr,
        Service::Bap,
        Service::PowerApps,
        Service::Flow,
        Service::PowerPlatform,
        Service::Dataverse,
        Service::Exchange,
    ];
    pub fn as_str(self) -> &'static str {
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
        }
    }
    /// How messages name the service.
    pub fn label(self) -> &'static str {
        match self {
            Service::Arm => "ARM",
            Service::ResourceGraph => "Resource Graph",
            Service::Graph => "Microsoft Graph",
            Service::Login => "sign-in",
            Service::Acr => "container registry",
            Service::Bap => "Power Platform admin (BAP)",
            Service::PowerApps => "Power Apps admin",
            Service::Flow => "Power Automate admin",
            Service::PowerPlatform => "Power Platform API",
            Service::Dataverse => "Dataverse",
            Service::Exchange => "Exchange Online",
        }
    }
    fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `Get`, or `Query`: a POST to an allow-listed query endpoint (Resource Graph).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Query,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Query => "POST",
        }
    }
    fn reqwest(self) -> reqwest::Method {
        match self {
            Method::Get => reqwest::Method::GET,
            Method::Query => reqwest::Method::POST,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct HttpOptions {
    /// Whole request, body included.
    pub timeout: Duration,
    /// Retries after the first attempt; then the request fails.
    pub max_retries: u32,
    /// Requests in flight per host and service; `None`: each service's own
    /// default ([`pace::default_concurrency`]).
    pub per_host_concurrency: Option<usize>,
    /// Client-side token buckets and quota-header pacing (`Retry-After` is always honoured).
    pub pacing: bool,
    /// First backoff step (full jitter up to `base * 2^attempt`).
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    pub limits: Limits,
}

impl Default for HttpOptions {
    fn default() -> HttpOptions {
        HttpOptions {
            timeout: Duration::from_secs(60),
            max_retries: 8,
            per_host_concurrency: None,
            pacing: true,
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            limits: Limits::default(),
        }
    }
}

impl HttpOptions {
    /// The `[http]` section over the defaults.
    pub fn from_config(c: &HttpConfig) -> HttpOptions {
        let d = HttpOptions::default();
        HttpOptions {
            timeout: c.timeout_secs.map(Duration::from_secs).unwrap_or(d.timeout),
            max_retries: c.max_retries.unwrap_or(d.max_retries),
            per_host_concurrency: c.concurrency.map(|n| n.max(1)).or(d.per_host_concurrency),
            pacing: c.pacing.unwrap_or(d.pacing),
            ..d
        }
    }
}

pub struct Request<'a> {
    pub service: Service,
    pub auth: &'a TenantAuth,
    pub method: Method,
    pub url: String,
    pub body: Option<serde_json::Value>,
    pub headers: Vec<(&'static str, String)>,
    /// ARM pacing key: the subscription the request reads.
    pub subscription: Option<String>,
    /// A form body (`application/x-www-form-urlencoded`): the ACR token
    /// exchanges. Values may be secrets; they are never logged.
    pub form: Option<Vec<(&'static str, crate::auth::Secret)>>,
    /// The bearer token to send instead of the tenant's token for the service
    /// (an ACR access token). `None` with [`Service::Acr`]: no token at all.
    pub bearer: Option<crate::auth::Secret>,
    /// The token's resource when the service has one per host (Dataverse:
    /// the environment's instance URL); else the service's own audience.
    pub audience: Option<String>,
}

impl<'a> Request<'a> {
    pub fn get(service: Service, auth: &'a TenantAuth, url: impl Into<String>) -> Request<'a> {
        Request {
            service,
            auth,
            method: Method::Get,
            url: url.into(),
            body: None,
            headers: Vec::new(),
            subscription: None,
            form: None,
            bearer: None,
            audience: None,
        }
    }
    pub fn query(
        service: Service,
        auth: &'a TenantAuth,
        url: impl Into<String>,
        body: serde_json::Value,
    ) -> Request<'a> {
        Request {
            method: Method::Query,
            body: Some(body),
            ..Request::get(service, auth, url)
        }
    }
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Request<'a> {
        self.headers.push((name, value.into()));
        self
    }
    pub fn subscription(mut self, id: impl Into<String>) -> Request<'a> {
        self.subscription = Some(id.into());
        self
    }
    /// A form POST (a token exchange; the guard allows only those).
    pub fn form(
        service: Service,
        auth: &'a TenantAuth,
        url: impl Into<String>,
        fields: Vec<(&'static str, crate::auth::Secret)>,
    ) -> Request<'a> {
        Request {
            method: Method::Query,
            form: Some(fields),
            ..Request::get(service, auth, url)
        }
    }
    pub fn bearer(mut self, token: crate::auth::Secret) -> Request<'a> {
        self.bearer = Some(token);
        self
    }
    pub fn audience(mut self, resource: impl Into<String>) -> Request<'a> {
        self.audience = Some(resource.into());
        self
    }
    /// The same request to another URL (a nextLink) or with another body.
    fn with(&self, url: String, body: Option<serde_json::Value>) -> Request<'a> {
        Request {
            service: self.service,
            auth: self.auth,
            method: self.method,
            url,
            body,
            headers: self.headers.clone(),
            subscription: self.subscription.clone(),
            form: self.form.clone(),
            bearer: self.bearer.clone(),
            audience: self.audience.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    /// Redacted.
    pub url: String,
    pub headers: reqwest::header::HeaderMap,
    pub body: Bytes,
}

/// One HTTP client per run. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    opts: HttpOptions,
    pacer: pace::Pacer,
    stats: stats::Stats,
    rng: Mutex<rand_chacha::ChaCha8Rng>,
}

/// What one attempt came to.
enum Attempt {
    Done(Response),
    /// Worth another try: the failure so far, and the wait the server asked for.
    Retry(HttpError, Option<Duration>),
    Fail(HttpError),
}

impl Client {
    pub fn new(opts: HttpOptions) -> Result<Client> {
        let http = reqwest::Client::builder()
            .timeout(opts.timeout)
            .connect_timeout(opts.timeout.min(Duration::from_secs(15)))
            // A redirect could carry the Authorization header elsewhere, and
            // no collection endpoint redirects: a 3xx is an error.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("xtenant/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Runtime(format!("cannot set up the HTTP client: {e}")))?;
        let seed = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(7);
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                pacer: pace::Pacer::new(opts.pacing, opts.limits, opts.per_host_concurrency),
                opts,
                stats: stats::Stats::default(),
                rng: Mutex::new(rand_chacha::ChaCha8Rng::seed_from_u64(seed)),
            }),
        })
    }

    pub fn options(&self) -> &HttpOptions {
        &self.inner.opts
    }

    pub fn stats(&self) -> StatsSnapshot {
        self.inner.stats.snapshot()
    }

    /// One request, with the guard, pacing, a token, and retries on 429,
    /// 408, 5xx, connection errors, timeouts and truncated JSON bodies.
    pub async fn send(&self, req: &Request<'_>) -> Result<Response> {
        let i = &self.inner;
        let method = req.method.reqwest();
        let shown_url = redact(&req.url);
        let auth = req.auth;
        let mut origins = auth.endpoints().origins();
        if req.service == Service::Dataverse {
            origins.extend(auth.endpoints().dataverse_origin(&req.url));
        }
        if let Err(why) = guard::check(&method, req.service, &req.url, &origins) {
            return Err(http_error(HttpError {
                service: req.service,
                method: req.method.as_str(),
                url: shown_url,
                status: None,
                code: Some("RefusedByReadOnlyGuard".into()),
                detail_codes: Vec::new(),
                message: format!("refused before sending: {why}"),
                fix: Some("this is a bug in xtenant's collector; please report it".into()),
                attempts: 0,
            }));
        }
        if let Err(why) = guard::check_cmdlet(req.service, req.body.as_ref()) {
            return Err(http_error(HttpError {
                service: req.service,
                method: req.method.as_str(),
                url: shown_url,
                status: None,
                code: Some("RefusedByReadOnlyGuard".into()),
                detail_codes: Vec::new(),
                message: format!("refused before sending: {why}"),
                fix: Some("this is a bug in xtenant's collector; please report it".into()),
                attempts: 0,
            }));
        }
        let keys = pace::keys(req.service, auth.tenant_id(), req.subscription.as_deref());
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let span = tracing::debug_span!(
                "http",
                service = req.service.as_str(),
                method = req.method.as_str(),
                url = %shown_url,
                attempt
            );
            let waited = i.pacer.admit(&keys).await;
            i.stats.waited(req.service, waited);
            let outcome = self
                .attempt(req, &method, &shown_url, attempt)
                .instrument(span.clone())
                .await?;
            let (err, server_wait) = match outcome {
                Attempt::Done(r) => {
                    i.pacer.observe(req.service, &keys, &r.headers);
                    return Ok(r);
                }
                Attempt::Fail(e) => return Err(http_error(e)),
                Attempt::Retry(e, w) => (e, w),
            };
            if attempt > i.opts.max_retries {
                let mut e = err;
                e.attempts = attempt;
                e.fix = errors::fix_for(
                    req.service,
                    e.status,
                    &auth.describe(),
                    &auth.sign_in_fix(),
                    None,
                );
                return Err(http_error(e));
            }
            let wait = match server_wait {
                Some(w) => w,
                None => {
                    let mut rng = match i.rng.lock() {
                        Ok(g) => g,
                        Err(p) => p.into_inner(),
                    };
                    retry::backoff(
                        attempt - 1,
                        i.opts.base_backoff,
                        i.opts.max_backoff,
                        &mut *rng,
                    )
                }
            };
            if server_wait.is_some() {
                // Every request on these keys waits, not only this one.
                i.pacer.hold(&keys, wait);
            }
            span.in_scope(|| {
                tracing::debug!(
                    status = err.status,
                    code = err.code.as_deref().unwrap_or(""),
                    wait_ms = wait.as_millis() as u64,
                    "retrying"
                )
            });
            i.stats.retry(req.service);
            i.stats.waited(req.service, wait);
            tokio::time::sleep(wait).await;
        }
    }

    async fn attempt(
        &self,
        req: &Request<'_>,
        method: &reqwest::Method,
        shown_url: &str,
        attempt: u32,
    ) -> Result<Attempt> {
        let i = &self.inner;
        let auth = req.auth;
        let token = match req.service {
            Service::Login | Service::Acr => None,
            s => Some(match &req.audience {
                Some(resource) => auth.token_for_resource(resource).await?,
                None => auth.token(s).await?,
            }),
        };
        let base = |status: Option<u16>, code: Option<String>, message: String| HttpError {
            service: req.service,
            method: req.method.as_str(),
            url: shown_url.to_string(),
            status,
            code,
            detail_codes: Vec::new(),
            message,
            fix: None,
            attempts: attempt,
        };
        let mut rb = i.http.request(method.clone(), &req.url);
        if let Some(t) = &token {
            rb = rb.bearer_auth(t.token.expose());
        } else if let Some(t) = &req.bearer {
            rb = rb.bearer_auth(t.expose());
        }
        for (k, v) in &req.headers {
            rb = rb.header(*k, v);
        }
        if let Some(b) = &req.body {
            rb = rb.json(b);
        }
        if let Some(f) = &req.form {
            let text = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(f.iter().map(|(k, v)| (*k, v.expose())))
                .finish();
            rb = rb
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .body(text);
        }
        let permit = i.pacer.permit(req.service, &req.url).await;
        let sent = rb.send().await;
        let resp = match sent {
            Ok(r) => r,
            Err(e) => {
                drop(permit);
                i.stats.request(req.service, 0);
                tracing::debug!(error = %transport_text(&e), "no response");
                return Ok(Attempt::Retry(base(None, None, transport_text(&e)), None));
            }
        };
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.bytes().await;
        drop(permit);
        let body = match body {
            Ok(b) => b,
            Err(e) => {
                i.stats.request(req.service, 0);
                let msg = format!("the body broke off: {}", transport_text(&e));
                tracing::debug!(status, "{msg}");
                return Ok(Attempt::Retry(base(Some(status), None, msg), None));
            }
        };
        i.stats.request(req.service, body.len() as u64);
        tracing::debug!(status, bytes = body.len(), "response");
        if (200..300).contains(&status) {
            if expects_json(&headers, &body) && !complete_json(&body) {
                return Ok(Attempt::Retry(
                    base(
                        Some(status),
                        Some("TruncatedBody".into()),
                        format!("the body ({} bytes) is not complete JSON", body.len()),
                    ),
                    None,
                ));
            }
            return Ok(Attempt::Done(Response {
                status,
                url: shown_url.to_string(),
                headers,
                body,
            }));
        }
        if status == 429 {
            i.stats.throttled(req.service);
        }
        let (code, detail_codes, message) = errors::parse_body(&body);
        let mut err = base(
            Some(status),
            code,
            message.unwrap_or_else(|| {
                let ex = errors::body_excerpt(&body);
                if ex.is_empty() {
                    reqwest::StatusCode::from_u16(status)
                        .ok()
                        .and_then(|s| s.canonical_reason())
                        .unwrap_or("error")
                        .to_string()
                } else {
                    ex
                }
            }),
        );
        err.detail_codes = detail_codes;
        if retry::retryable_status(status) {
            let wait = retry::server_wait(&headers, SystemTime::now());
            return Ok(Attempt::Retry(err, wait));
        }
        err.fix = errors::fix_for(
            req.service,
            Some(status),
            &auth.describe(),
            &auth.sign_in_fix(),
            token.as_ref().and_then(|t| t.claims.oid.as_deref()),
        );
        Ok(Attempt::Fail(err))
    }

    /// All pages of a listing, in order; `sink` gets each body as received.
    pub async fn pages(
        &self,
        req: Request<'_>,
        paging: Paging,
        sink: &mut (dyn FnMut(Page) -> Result<()> + Send),
    ) -> Result<PagesSummary> {
        paging::run(self, req, paging, sink).await
    }
}

fn http_error(e: HttpError) -> Error {
    Error::Http(Box::new(e))
}

/// reqwest's text for a transport failure, without its URL (printed separately).
fn transport_text(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "the connection broke while reading the body"
    } else {
        "the connection failed"
    };
    let mut detail = String::new();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        detail = s.to_string();
        src = s.source();
    }
    if detail.is_empty() {
        kind.to_string()
    } else {
        redact(&format!("{kind} ({detail})"))
    }
}

/// A 2xx body must be JSON when the server says so or it starts like JSON;
/// `text/plain` answers (Graph's `$count`) are passed through.
fn expects_json(headers: &reqwest::header::HeaderMap, body: &[u8]) -> bool {
    let ct = headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    ct.contains("json")
        || (ct.is_empty()
            && body
                .iter()
                .find(|b| !b.is_ascii_whitespace())
                .is_some_and(|b| *b == b'{' || *b == b'['))
}

fn complete_json(body: &[u8]) -> bool {
    serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok()
}

#[cfg(test)]
mod tests;
