//! The three paging styles: ARM `nextLink`, Graph `@odata.nextLink`, and
//! Resource Graph `$skipToken` in the request body. Each page goes to the
//! sink unchanged; only the link is read out of it.

use super::{Client, HttpError, Request, Service};
use crate::auth::redact;
use crate::error::{Error, Result};
use serde::de::IgnoredAny;
use serde::Deserialize;
use std::collections::HashSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paging {
    /// One response.
    None,
    /// ARM: follow `nextLink` until absent or null; an empty page may still link on.
    ArmNextLink,
    /// Graph: follow `@odata.nextLink`, re-sending the request headers (`ConsistencyLevel`).
    GraphNextLink,
    /// Resource Graph: re-POST the body with `options.$skipToken`.
    ResourceGraph,
    /// The container registry data plane: the `Link` response header
    /// (`</acr/v1/_catalog?last=x&n=100>; rel="next"`), relative to the
    /// request URL; the body carries no link.
    LinkHeader,
    /// Exchange `InvokeCommand`: POST the same body to each `@odata.nextLink`.
    ExchangeNextLink,
}

/// One page as received.
#[derive(Debug, Clone)]
pub struct Page {
    pub method: &'static str,
    /// Redacted.
    pub url: String,
    pub status: u16,
    /// RFC 3339 UTC.
    pub fetched_at: String,
    pub body: super::Bytes,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PagesSummary {
    pub pages: u64,
    /// Items in `value` (ARM, Graph) or `data` (Resource Graph), summed.
    pub items: u64,
    pub bytes: u64,
}

/// Resource Graph's page size limit.
pub const RESOURCE_GRAPH_TOP: u64 = 1000;

#[derive(Deserialize)]
struct LinkPage {
    #[serde(rename = "nextLink", default)]
    arm_next: Option<serde_json::Value>,
    #[serde(rename = "@odata.nextLink", default)]
    graph_next: Option<serde_json::Value>,
    #[serde(rename = "$skipToken", default)]
    skip_token: Option<serde_json::Value>,
    #[serde(default)]
    value: Option<Vec<IgnoredAny>>,
    #[serde(default)]
    data: Option<Vec<IgnoredAny>>,
}

pub(super) async fn run(
    client: &Client,
    req: Request<'_>,
    paging: Paging,
    sink: &mut (dyn FnMut(Page) -> Result<()> + Send),
) -> Result<PagesSummary> {
    let mut sum = PagesSummary::default();
    let mut seen = HashSet::new();
    let mut current = req.with(req.url.clone(), req.body.clone());
    let mut top = match paging {
        Paging::ResourceGraph => {
            let body = current.body.as_mut().ok_or_else(|| {
                Error::Runtime("internal: a Resource Graph query needs a body".into())
            })?;
            let opts = options_of(body)?;
            let top = opts
                .get("$top")
                .and_then(|t| t.as_u64())
                .unwrap_or(RESOURCE_GRAPH_TOP)
                .clamp(1, RESOURCE_GRAPH_TOP);
            opts.insert("$top".into(), top.into());
            opts.entry("resultFormat").or_insert("objectArray".into());
            top
        }
        _ => 0,
    };
    loop {
        let resp = match client.send(&current).await {
            Ok(r) => r,
            Err(Error::Http(e))
                if paging == Paging::ResourceGraph
                    && e.has_code("ResponsePayloadTooLarge")
                    && top > 1 =>
            {
                top /= 2;
                tracing::debug!(top, "Resource Graph page too large; halving $top");
                if let Some(body) = current.body.as_mut() {
                    options_of(body)?.insert("$top".into(), top.into());
                }
                continue;
            }
            Err(e) => return Err(e),
        };
        let parsed: Option<LinkPage> = if paging == Paging::None {
            None
        } else {
            Some(serde_json::from_slice(&resp.body).map_err(|e| {
                page_error(
                    &current,
                    &resp.url,
                    format!("the page is not a JSON object ({e})"),
                )
            })?)
        };
        sum.pages += 1;
        sum.bytes += resp.body.len() as u64;
        if let Some(p) = &parsed {
            sum.items += p
                .value
                .as_ref()
                .or(p.data.as_ref())
                .map_or(0, |v| v.len() as u64);
        }
        sink(Page {
            method: current.method.as_str(),
            url: resp.url.clone(),
            status: resp.status,
            fetched_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            body: resp.body,
        })?;
        let Some(p) = parsed else { break };
        let next = match paging {
            Paging::None => None,
            Paging::ArmNextLink => link(&current, &resp.url, "nextLink", p.arm_next)?,
            Paging::GraphNextLink | Paging::ExchangeNextLink => {
                link(&current, &resp.url, "@odata.nextLink", p.graph_next)?
            }
            Paging::ResourceGraph => token(&current, &resp.url, p.skip_token)?,
            Paging::LinkHeader => link_header(&current, &resp.url, &resp.headers)?,
        };
        let Some(next) = next else { break };
        if !seen.insert(next.clone()) {
            return Err(page_error(
                &current,
                &resp.url,
                "the service sent the same next-page link twice; stopping instead of looping"
                    .into(),
            ));
        }
        current = match paging {
            Paging::ResourceGraph => {
                let mut body = current.body.clone().unwrap_or_default();
                options_of(&mut body)?.insert("$skipToken".into(), next.into());
                current.with(current.url.clone(), Some(body))
            }
            _ => {
                let u = url::Url::parse(&next).map_err(|_| {
                    page_error(
                        &current,
                        &resp.url,
                        format!("the next-page link is not a URL: {}", redact(&next)),
                    )
                })?;
                // InvokeCommand's next page is the same cmdlet POSTed to the link.
                let body = (paging == Paging::ExchangeNextLink)
                    .then(|| current.body.clone())
                    .flatten();
                current.with(u.to_string(), body)
            }
        };
    }
    Ok(sum)
}

fn options_of(
    body: &mut serde_json::Value,
) -> Result<&mut serde_json::Map<String, serde_json::Value>> {
    let obj = body.as_object_mut().ok_or_else(|| {
        Error::Runtime("internal: a Resource Graph body must be an object".into())
    })?;
    let opts = obj
        .entry("options")
        .or_insert_with(|| serde_json::Value::Object(Default::default()));
    if !opts.is_object() {
        *opts = serde_json::Value::Object(Default::default());
    }
    opts.as_object_mut()
        .ok_or_else(|| Error::Runtime("internal: options is not an object".into()))
}

/// A link field: absent or null ends; an empty string ends too (the
/// contract says it is never sent, and no URL could follow it); anything
/// else must be an absolute URL.
fn link(
    req: &Request<'_>,
    url: &str,
    field: &str,
    v: Option<serde_json::Value>,
) -> Result<Option<String>> {
    match v {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(serde_json::Value::String(s)) => match url::Url::parse(s.trim()) {
            Ok(u) if u.scheme() == "https" || u.scheme() == "http" => {
                Ok(Some(s.trim().to_string()))
            }
            _ => Err(page_error(
                req,
                url,
                format!("`{field}` is not a URL: \"{}\"", redact(&s)),
            )),
        },
        Some(other) => Err(page_error(
            req,
            url,
            format!(
                "`{field}` is not a string: {}",
                other.to_string().chars().take(60).collect::<String>()
            ),
        )),
    }
}

/// The `rel="next"` target of a `Link` header, resolved against the request
/// URL (ACR sends a path; resolving keeps the registry's origin and any
/// path prefix the base URL has, e.g. the simulator's `/acr/{host}`).
fn link_header(
    req: &Request<'_>,
    url: &str,
    headers: &reqwest::header::HeaderMap,
) -> Result<Option<String>> {
    for value in headers.get_all(reqwest::header::LINK) {
        let text = value
            .to_str()
            .map_err(|_| page_error(req, url, "the Link header is not text".into()))?;
        for link in text.split(',') {
            let Some((target, params)) = link.split_once(';') else {
                continue;
            };
            let is_next = params.split(';').any(|p| {
                let p = p.trim().to_ascii_lowercase().replace(' ', "");
                p == "rel=\"next\"" || p == "rel=next"
            });
            if !is_next {
                continue;
            }
            let target = target.trim().trim_start_matches('<').trim_end_matches('>');
            return Ok(Some(resolve_link(&req.url, target).ok_or_else(|| {
                page_error(
                    req,
                    url,
                    format!(
                        "the Link header's next target is not a URL: {}",
                        redact(target)
                    ),
                )
            })?));
        }
    }
    Ok(None)
}

/// `target` against `base`: an absolute URL as is; a path keeps the part of
/// the base path before `/acr/v1/` or `/v2/` (the registry API root), so a
/// base with a prefix (`http://127.0.0.1:9/acr/r.azurecr.io/acr/v1/_catalog`)
/// resolves `/acr/v1/_catalog?last=a` under the same prefix unless the target
/// already carries it.
pub fn resolve_link(base: &str, target: &str) -> Option<String> {
    if let Ok(u) = url::Url::parse(target) {
        return Some(u.to_string());
    }
    let b = url::Url::parse(base).ok()?;
    if !target.starts_with('/') {
        return b.join(target).ok().map(|u| u.to_string());
    }
    let path = b.path();
    let root = ["/acr/v1/", "/v2/"]
        .iter()
        .filter_map(|m| path.rfind(m))
        .max()
        .map(|i| &path[..i])
        .unwrap_or("");
    let full = if root.is_empty() || target.starts_with(&format!("{root}/")) {
        target.to_string()
    } else {
        format!("{root}{target}")
    };
    b.join(&full).ok().map(|u| u.to_string())
}

fn token(req: &Request<'_>, url: &str, v: Option<serde_json::Value>) -> Result<Option<String>> {
    match v {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) if s.is_empty() => Ok(None),
        Some(serde_json::Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(page_error(req, url, "`$skipToken` is not a string".into())),
    }
}

fn page_error(req: &Request<'_>, url: &str, message: String) -> Error {
    Error::Http(Box::new(HttpError {
        service: req.service,
        method: req.method.as_str(),
        url: url.to_string(),
        status: None,
        code: Some("BadPaging".into()),
        detail_codes: Vec::new(),
        message,
        fix: match req.service {
            Service::Login => None,
            _ => Some("re-run; if it repeats, report it with the request log".into()),
        },
        attempts: 1,
    }))
}
