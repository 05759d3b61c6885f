//! The write client of `xtenant apply`: separate from the read-only
//! [`super::Client`] so collection can never send a write. It sends a
//! non-GET request only when that exact request — method, URL and the
//! SHA-256 of its canonical JSON body — appears in the loaded plan (a step or
//! an `exists_check`); GETs (exists checks, operation polls) go only to the
//! plan's origins. A bearer token is only ever sent to an origin the tenant's
//! configured endpoints name. ARM writes are paced per tenant (200 burst,
//! 10/s refill, the published write limits) and so are its reads (250
//! burst, 25/s); 429 and 5xx are retried at the server's `Retry-After`.

use crate::auth::{redact, Secret, TenantAuth};
use crate::error::{Error, Result};
use crate::execute::plan::{canonical_json, Plan, Service as PlanService};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use reqwest::header::HeaderMap;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, HashMap};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

#[derive(Debug, Clone)]
pub struct WriteOptions {
    pub timeout: Duration,
    /// Retries after the first attempt on 429, 5xx and transport failures.
    pub max_retries: u32,
    /// ARM writes per tenant: bucket size and refill per second.
    pub arm_write_burst: u32,
    pub arm_write_per_second: u32,
    /// ARM reads per tenant (exists checks, operation polls, resource
    /// reads): bucket size and refill per second. Without them hundreds of
    /// operations polled at once drain the read bucket and every poll after
    /// that is a 429 and a retry.
    pub arm_read_burst: u32,
    pub arm_read_per_second: u32,
    /// Pace ARM writes at all (off only in tests that measure something else).
    pub pacing: bool,
}

impl Default for WriteOptions {
    fn default() -> WriteOptions {
        WriteOptions {
            timeout: Duration::from_secs(120),
            max_retries: 6,
            arm_write_burst: 200,
            arm_write_per_second: 10,
            arm_read_burst: 250,
            arm_read_per_second: 25,
            pacing: true,
        }
    }
}

/// A response, whatever its status: callers decide what a 404 or 409 means.
#[derive(Debug, Clone)]
pub struct WriteResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: super::Bytes,
    /// `x-ms-request-id` (or `request-id`, `client-request-id`) of the answer.
    pub request_id: Option<String>,
    /// `x-ms-correlation-request-id` of the answer, else the one we sent.
    pub correlation_id: Option<String>,
}

impl WriteResponse {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
    /// `error.code: error.message` of an ARM/Graph error body, else an excerpt.
    pub fn error_text(&self) -> String {
        let (code, _, msg) = super::errors::parse_body(&self.body);
        let text = match (code, msg) {
            (Some(c), Some(m)) => format!("{c}: {m}"),
            (Some(c), None) => c,
            (None, Some(m)) => m,
            (None, None) => super::errors::body_excerpt(&self.body),
        };
        redact(&format!("HTTP {}: {text}", self.status))
    }
}

/// Requests counted by the write client, for the summary and the benchmark.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteStats {
    pub writes: u64,
    pub reads: u64,
    pub retries: u64,
}

pub struct WriteClient {
    http: reqwest::Client,
    opts: WriteOptions,
    /// `METHOD url sha256(canonical body)` of every request in the plan.
    allowed: BTreeSet<String>,
    /// Origins of the plan's endpoints and step URLs (lowercase).
    origins: BTreeSet<String>,
    limiters: Mutex<HashMap<String, Arc<DefaultDirectRateLimiter>>>,
    writes: AtomicU64,
    reads: AtomicU64,
    retries: AtomicU64,
}

fn body_digest(body: Option<&Value>) -> String {
    match body {
        None | Some(Value::Null) => "-".to_string(),
        Some(v) => hex::encode(Sha256::digest(canonical_json(v).as_bytes())),
    }
}

fn key(method: &str, url: &str, body: Option<&Value>) -> String {
    format!(
        "{} {url} {}",
        method.to_ascii_uppercase(),
        body_digest(body)
    )
}

fn origin(url: &str) -> String {
    crate::auth::cloud::origin_of(url)
        .unwrap_or_default()
        .to_ascii_lowercase()
}

impl WriteClient {
    pub fn new(plan: &Plan, opts: WriteOptions) -> Result<WriteClient> {
        let http = reqwest::Client::builder()
            .timeout(opts.timeout)
            .connect_timeout(opts.timeout.min(Duration::from_secs(15)))
            // A redirect could carry the token elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("xtenant/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Runtime(format!("cannot set up the HTTP client: {e}")))?;
        let mut allowed = BTreeSet::new();
        let mut origins: BTreeSet<String> = plan.endpoints.values().map(|u| origin(u)).collect();
        for (_, s) in plan.steps() {
            if let (Some(m), Some(u)) = (&s.method, &s.url) {
                allowed.insert(key(m, u, s.body.as_ref()));
                origins.insert(origin(u));
            }
            if let Some(c) = &s.exists_check {
                allowed.insert(key(&c.method, &c.url, c.body.as_ref()));
                origins.insert(origin(&c.url));
            }
        }
        origins.remove("");
        Ok(WriteClient {
            http,
            opts,
            allowed,
            origins,
            limiters: Mutex::new(HashMap::new()),
            writes: AtomicU64::new(0),
            reads: AtomicU64::new(0),
            retries: AtomicU64::new(0),
        })
    }

    pub fn stats(&self) -> WriteStats {
        WriteStats {
            writes: self.writes.load(Ordering::Relaxed),
            reads: self.reads.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
        }
    }

    /// Whether this exact request is in the plan.
    pub fn planned(&self, method: &str, url: &str, body: Option<&Value>) -> bool {
        self.allowed.contains(&key(method, url, body))
    }

    /// Sends a request of the plan (a step, or an exists check that is a
    /// POST), with `auth`'s token and, when asked, `aux`'s as
    /// `x-ms-authorization-auxiliary`.
    pub async fn send(
        &self,
        method: &str,
        url: &str,
        body: Option<&Value>,
        service: PlanService,
        auth: &TenantAuth,
        aux: Option<&TenantAuth>,
    ) -> Result<WriteResponse> {
        let is_get = method.eq_ignore_ascii_case("GET");
        if !is_get && !self.planned(method, url, body) {
            return Err(Error::Runtime(format!(
                "refused before sending: {method} {} is not a request of the plan (write client allow-list); this is a bug in xtenant",
                redact(url)
            )));
        }
        if is_get {
            self.reads.fetch_add(1, Ordering::Relaxed);
            if service == PlanService::Arm && self.opts.pacing {
                self.limiter(auth.tenant_id(), true).until_ready().await;
            }
        } else {
            self.writes.fetch_add(1, Ordering::Relaxed);
            if service == PlanService::Arm && self.opts.pacing {
                self.limiter(auth.tenant_id(), false).until_ready().await;
            }
        }
        self.request(method, url, body, service, auth, aux).await
    }

    /// A GET of `url` (exists checks, operation polls, source reads): only to
    /// the plan's origins.
    pub async fn get(
        &self,
        url: &str,
        service: PlanService,
        auth: &TenantAuth,
    ) -> Result<WriteResponse> {
        self.send("GET", url, None, service, auth, None).await
    }

    fn limiter(&self, tenant: &str, read: bool) -> Arc<DefaultDirectRateLimiter> {
        let mut m = match self.limiters.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let (burst, rate) = if read {
            (self.opts.arm_read_burst, self.opts.arm_read_per_second)
        } else {
            (self.opts.arm_write_burst, self.opts.arm_write_per_second)
        };
        let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
        let rate = NonZeroU32::new(rate.max(1)).unwrap_or(NonZeroU32::MIN);
        let kind = if read { "read" } else { "write" };
        m.entry(format!("{kind} {}", tenant.to_ascii_lowercase()))
            .or_insert_with(|| {
                Arc::new(RateLimiter::direct(
                    Quota::per_second(rate).allow_burst(burst),
                ))
            })
            .clone()
    }

    async fn request(
        &self,
        method: &str,
        url: &str,
        body: Option<&Value>,
        service: PlanService,
        auth: &TenantAuth,
        aux: Option<&TenantAuth>,
    ) -> Result<WriteResponse> {
        let shown = redact(url);
        let o = origin(url);
        if !self.origins.contains(&o) {
            return Err(Error::Runtime(format!(
                "refused before sending: {shown} is not at an endpoint of the plan"
            )));
        }
        // The token goes only where the tenant's own config says its services are.
        let token_origins: Vec<String> = auth
            .endpoints()
            .origins()
            .iter()
            .map(|s| s.to_ascii_lowercase())
            .collect();
        if !token_origins
            .iter()
            .any(|t| super::guard::origin_matches(t, &o))
        {
            return Err(Error::Runtime(format!(
                "refused before sending: {o} is not one of the {}'s configured endpoints ({}); the token is only sent there\n  fix: plan again with the same [endpoints] as this config, or pass the config the plan was made with",
                auth.describe(),
                token_origins.join(", ")
            )));
        }
        let (bearer, headers) = match service {
            PlanService::Arm => (Bearer::Service(super::Service::Arm), Vec::new()),
            PlanService::Graph => (Bearer::Service(super::Service::Graph), Vec::new()),
            PlanService::Exchange => {
                // The headers the EXO module sends: the cmdlet, JSON answers,
                // and the anchor that routes to the tenant's forest.
                let cmdlet = body
                    .and_then(|b| b.pointer("/CmdletInput/CmdletName"))
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                (
                    Bearer::Service(super::Service::Exchange),
                    crate::collect::exchange::fetch::headers(cmdlet, auth.tenant_id()),
                )
            }
            PlanService::Acr => {
                if !method.eq_ignore_ascii_case("GET") {
                    return Err(Error::Runtime(format!(
                        "{method} {shown}: xtenant apply only reads a registry's data plane"
                    )));
                }
                let token = self.acr_token(url, auth).await?;
                (Bearer::Fixed(token), Vec::new())
            }
            other => {
                return Err(Error::Runtime(format!(
                "{} steps are not sent by this build of xtenant apply; run them from the runbook",
                other.as_str()
            )))
            }
        };
        let body = match body.filter(|b| !b.is_null()) {
            Some(b) => Payload::Json(b),
            None => Payload::None,
        };
        self.send_retrying(method, url, body, &bearer, &headers, auth, aux)
            .await
    }

    /// A registry access token for the repository (or catalog) `url` reads:
    /// the tenant's ARM token exchanged for a refresh token
    /// (`POST {base}/oauth2/exchange`), that for an access token with the
    /// read scope (`POST {base}/oauth2/token`). Neither creates anything.
    async fn acr_token(&self, url: &str, auth: &TenantAuth) -> Result<Secret> {
        let shown = redact(url);
        let bad = || {
            Error::Runtime(format!(
                "{shown} is not a registry data-plane URL of the configured [endpoints] acr ({})",
                auth.endpoints().acr
            ))
        };
        let i = url.find("/acr/v1/").ok_or_else(bad)?;
        let (base, path) = (&url[..i], &url[i + "/acr/v1/".len()..]);
        let (pre, post) = auth.endpoints().acr.split_once("{host}").ok_or_else(bad)?;
        let lower = base.to_ascii_lowercase();
        let host = lower
            .strip_prefix(&pre.to_ascii_lowercase())
            .and_then(|h| h.strip_suffix(&post.to_ascii_lowercase()))
            .filter(|h| !h.is_empty() && !h.contains('/'))
            .ok_or_else(bad)?
            .to_string();
        let path = path.split('?').next().unwrap_or_default();
        let scope = if path == "_catalog" {
            "registry:catalog:*".to_string()
        } else {
            let repo = ["/_tags", "/_manifests"]
                .iter()
                .find_map(|m| path.find(m).map(|j| &path[..j]))
                .ok_or_else(bad)?;
            format!("repository:{repo}:metadata_read")
        };
        let arm = auth.token(super::Service::Arm).await?;
        let form = vec![
            ("grant_type", Secret::new("access_token")),
            ("service", Secret::new(&host)),
            ("tenant", Secret::new(auth.tenant_id())),
            ("access_token", arm.token),
        ];
        let refresh = self
            .acr_form(
                &format!("{base}/oauth2/exchange"),
                form,
                "refresh_token",
                auth,
            )
            .await?;
        let form = vec![
            ("grant_type", Secret::new("refresh_token")),
            ("service", Secret::new(&host)),
            ("scope", Secret::new(&scope)),
            ("refresh_token", refresh),
        ];
        self.acr_form(&format!("{base}/oauth2/token"), form, "access_token", auth)
            .await
    }

    async fn acr_form(
        &self,
        url: &str,
        form: Vec<(&'static str, Secret)>,
        field: &str,
        auth: &TenantAuth,
    ) -> Result<Secret> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        let r = self
            .send_retrying(
                "POST",
                url,
                Payload::Form(&form),
                &Bearer::None,
                &[],
                auth,
                None,
            )
            .await?;
        if !r.ok() {
            return Err(Error::Runtime(format!(
                "POST {}: {}",
                redact(url),
                r.error_text()
            )));
        }
        r.json()
            .and_then(|v| v.get(field).and_then(Value::as_str).map(Secret::new))
            .filter(|t| !t.expose().is_empty())
            .ok_or_else(|| {
                Error::Runtime(format!("POST {}: the answer has no {field}", redact(url)))
            })
    }

    /// Sends one request, retrying 429, 5xx and transport failures at the
    /// server's `Retry-After` (else a doubling backoff).
    #[allow(clippy::too_many_arguments)]
    async fn send_retrying(
        &self,
        method: &str,
        url: &str,
        body: Payload<'_>,
        bearer: &Bearer,
        headers: &[(&'static str, String)],
        auth: &TenantAuth,
        aux: Option<&TenantAuth>,
    ) -> Result<WriteResponse> {
        let shown = redact(url);
        let m = reqwest::Method::from_bytes(method.to_ascii_uppercase().as_bytes())
            .map_err(|_| Error::Runtime(format!("not an HTTP method: {method}")))?;
        let correlation = random_id();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let mut rb = self
                .http
                .request(m.clone(), url)
                .header("x-ms-correlation-request-id", &correlation)
                .header("x-ms-client-request-id", random_id());
            match bearer {
                Bearer::Service(s) => {
                    let token = auth.token(*s).await?;
                    rb = rb.bearer_auth(token.token.expose());
                    if let Some(a) = aux {
                        let t = a.token(*s).await?;
                        rb = rb.header(
                            "x-ms-authorization-auxiliary",
                            format!("Bearer {}", t.token.expose()),
                        );
                    }
                }
                Bearer::Fixed(t) => rb = rb.bearer_auth(t.expose()),
                Bearer::None => {}
            }
            for (k, v) in headers {
                rb = rb.header(*k, v);
            }
            match &body {
                Payload::Json(b) => rb = rb.json(b),
                Payload::Form(f) => {
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
                Payload::None => {}
            }
            let sent = rb.send().await;
            let (status, headers_got, bytes) = match sent {
                Ok(r) => {
                    let status = r.status().as_u16();
                    let headers = r.headers().clone();
                    match r.bytes().await {
                        Ok(b) => (Some(status), headers, b),
                        Err(_) => (None, HeaderMap::new(), super::Bytes::new()),
                    }
                }
                Err(_) => (None, HeaderMap::new(), super::Bytes::new()),
            };
            let retry = match status {
                None => true,
                Some(s) => super::retry::retryable_status(s),
            };
            if retry && attempt <= self.opts.max_retries {
                self.retries.fetch_add(1, Ordering::Relaxed);
                let wait = super::retry::server_wait(&headers_got, SystemTime::now())
                    .unwrap_or_else(|| {
                        Duration::from_millis(500u64.saturating_mul(1 << attempt.min(6)))
                    });
                tracing::debug!(method, url = %shown, ?status, wait_ms = wait.as_millis() as u64, "write retry");
                tokio::time::sleep(wait).await;
                // A throttled request goes back through the pacer: a retry
                // that skipped it would take the server token the next paced
                // request counts on, which would be throttled in turn, and so
                // on until one of them runs out of retries.
                let arm = matches!(bearer, Bearer::Service(super::Service::Arm));
                if status == Some(429) && arm && self.opts.pacing {
                    let read = method.eq_ignore_ascii_case("GET");
                    self.limiter(auth.tenant_id(), read).until_ready().await;
                }
                continue;
            }
            let Some(status) = status else {
                return Err(Error::Runtime(format!(
                    "{method} {shown}: no response after {attempt} attempts (connection failed)"
                )));
            };
            tracing::debug!(method, url = %shown, status, "response");
            let h = |n: &str| {
                headers_got
                    .get(n)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            };
            let request_id = h("x-ms-request-id")
                .or_else(|| h("request-id"))
                .or_else(|| h("client-request-id"));
            let correlation_id = h("x-ms-correlation-request-id").or(Some(correlation.clone()));
            return Ok(WriteResponse {
                status,
                headers: headers_got,
                body: bytes,
                request_id,
                correlation_id,
            });
        }
    }
}

/// Which token a request carries.
enum Bearer {
    /// The tenant's token for this service (and the auxiliary's, if any).
    Service(super::Service),
    /// A token obtained for this request (a registry access token).
    Fixed(Secret),
    /// None: the registry token endpoints take their credential in the form.
    None,
}

enum Payload<'a> {
    None,
    Json(&'a Value),
    /// Form fields; values are secrets (tokens) and never logged.
    Form(&'a [(&'static str, Secret)]),
}

/// A random GUID-shaped id for correlation headers.
fn random_id() -> String {
    use rand::{Rng, SeedableRng};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let seed =
        nanos ^ N.fetch_add(1, Ordering::Relaxed).rotate_left(32) ^ u64::from(std::process::id());
    let mut r = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let b: [u8; 16] = r.random();
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}
