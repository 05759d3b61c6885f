//! Live collection of the container registry data plane: for every registry
//! of `arm/registries` (read back from the written pages), the ARM token is
//! exchanged for a registry refresh token (`POST /oauth2/exchange`), that for
//! access tokens (`POST /oauth2/token`, one for the catalog, one per
//! repository), then `_catalog`, and per repository `_tags` and `_manifests`,
//! each walked by its `Link` header, into `acr/{loginServer}/_catalog`,
//! `_tags` and `_manifests` (docs/raw-export.md).
//!
//! Registries run concurrently, and the repositories of one registry too
//! (bounded; the HTTP client caps the requests in flight per host). A
//! registry the collector cannot reach (public network access disabled, a
//! firewall, no role) gets `_status.json` `failed` in its three collections,
//! with the reason; the other registries go on.
//!
//! Registry tokens are [`Secret`]s: they travel in a form body or an
//! `Authorization` header and are never logged, written or put in an error.

use crate::auth::{Secret, TenantAuth};
use crate::collect::live::CollectionReport;
use crate::collect::Status;
use crate::error::{Error, Result};
use crate::http::{Client, Page, Paging, Request, Service};
use crate::normalize::str_at;
use crate::raw::write::{CollectionWriter, RawWriter};
use crate::raw::{CollectionStatus, PageMeta, RawExport, Side};
use futures_util::StreamExt;
use std::collections::HashSet;

/// The family directory, and its three per-registry collections.
pub const ROOT: &str = "acr";
pub const CATALOG: &str = "_catalog";
pub const TAGS: &str = "_tags";
pub const MANIFESTS: &str = "_manifests";

/// Entries asked for per page (`n`); the registry may send fewer.
pub const PAGE_SIZE: usize = 100;
/// Registries of one tenant in flight at once.
const REGISTRY_CONCURRENCY: usize = 4;
/// Repositories of one registry in flight at once.
const REPOSITORY_CONCURRENCY: usize = 8;

/// A registry as ARM describes it: what the data plane needs and what
/// explains a refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registry {
    /// Lowercased `properties.loginServer`.
    pub login_server: String,
    /// `properties.publicNetworkAccess` (`Enabled` / `Disabled`).
    pub public_network_access: Option<String>,
    /// `properties.networkRuleSet.defaultAction` (`Allow` / `Deny`).
    pub default_action: Option<String>,
}

impl Registry {
    /// Why the data plane may refuse a collector outside the registry's
    /// network, when ARM says so.
    fn network_note(&self) -> Option<&'static str> {
        let is = |v: &Option<String>, want: &str| {
            v.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(want))
        };
        if is(&self.public_network_access, "disabled") {
            Some("the registry's public network access is disabled")
        } else if is(&self.default_action, "deny") {
            Some("the registry's firewall denies by default (networkRuleSet.defaultAction = Deny)")
        } else {
            None
        }
    }
}

/// The registries of `arm/registries` (or its Resource Graph stand-in), each
/// login server once, in order.
pub fn registries(raw: &RawExport, side: Side) -> Result<Vec<Registry>> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    crate::collect::live::parents::each_arm_object(raw, side, "arm/registries", |v| {
        let Some(login) = str_at(v, "properties.loginServer")
            .map(|l| l.trim().to_ascii_lowercase())
            .filter(|l| !l.is_empty())
        else {
            return;
        };
        if seen.insert(login.clone()) {
            out.push(Registry {
                login_server: login,
                public_network_access: str_at(v, "properties.publicNetworkAccess"),
                default_action: str_at(v, "properties.networkRuleSet.defaultAction"),
            });
        }
    })?;
    Ok(out)
}

/// `acr/{loginServer}/{which}`.
pub fn collection(login_server: &str, which: &str) -> String {
    format!("{ROOT}/{login_server}/{which}")
}

/// Collects every registry of one tenant. `not_listed` is why the registry
/// list is missing (its ARM listing failed): then nothing is sent and
/// `acr/_status.json` says so.
pub async fn collect(
    client: &Client,
    auth: &TenantAuth,
    writer: &RawWriter,
    raw: &RawExport,
    not_listed: Option<String>,
) -> Vec<CollectionReport> {
    let side = auth.side();
    let fail_family = |why: String| {
        if let Ok(w) = writer.collection(side, ROOT) {
            let _ = crate::raw::write::write_status(
                w.dir(),
                &CollectionStatus {
                    status: Status::Failed.as_str().to_string(),
                    error: Some(why.clone()),
                },
            );
        }
        vec![report(side, ROOT, 0, 0, Status::Failed, Some(why))]
    };
    if let Some(why) = not_listed {
        return fail_family(why);
    }
    let list = match registries(raw, side) {
        Ok(l) => l,
        Err(e) => return fail_family(format!("not fetched: reading arm/registries failed: {e}")),
    };
    let per: Vec<Vec<CollectionReport>> = futures_util::stream::iter(list.iter())
        .map(|r| collect_registry(client, auth, writer, r))
        .buffer_unordered(REGISTRY_CONCURRENCY)
        .collect()
        .await;
    per.into_iter().flatten().collect()
}

/// The three collections of one registry.
async fn collect_registry(
    client: &Client,
    auth: &TenantAuth,
    writer: &RawWriter,
    reg: &Registry,
) -> Vec<CollectionReport> {
    let side = auth.side();
    let names = [CATALOG, TAGS, MANIFESTS].map(|w| collection(&reg.login_server, w));
    let writers: Vec<CollectionWriter> = match names
        .iter()
        .map(|c| writer.collection(side, c))
        .collect::<Result<Vec<_>>>()
    {
        Ok(w) => w,
        Err(e) => {
            return names
                .iter()
                .map(|c| report(side, c, 0, 0, Status::Failed, Some(e.to_string())))
                .collect()
        }
    };
    let base = auth.endpoints().acr_base(&reg.login_server);
    let session = Session {
        client,
        auth,
        base: &base,
        service: &reg.login_server,
    };
    // One refresh token per registry; every access token comes from it.
    let catalog = async {
        let refresh = session.exchange().await?;
        let token = session.access(&refresh, "registry:catalog:*").await?;
        let mut repos = Vec::new();
        let url = format!("{base}/acr/v1/_catalog?n={PAGE_SIZE}");
        let mut part = writers[0].part(0);
        let mut sink = |page: Page| -> Result<()> {
            let v: serde_json::Value = serde_json::from_slice(&page.body).unwrap_or_default();
            for r in v
                .get("repositories")
                .and_then(|r| r.as_array())
                .into_iter()
                .flatten()
            {
                if let Some(name) = r.as_str().map(str::trim).filter(|n| !n.is_empty()) {
                    repos.push(name.to_string());
                }
            }
            part.write_page(&page.body, &meta(&page))
        };
        let req = Request::get(Service::Acr, auth, url).bearer(token);
        client.pages(req, Paging::LinkHeader, &mut sink).await?;
        Ok::<_, Error>((refresh, repos))
    };
    let (refresh, repos) = match catalog.await {
        Ok(x) => x,
        Err(e) => {
            let why = explain(reg, &e);
            let mut out = Vec::new();
            for (w, c) in writers.into_iter().zip(&names) {
                let st = CollectionStatus {
                    status: Status::Failed.as_str().to_string(),
                    error: Some(why.clone()),
                };
                let pages = w.finish(None, Some(&st)).unwrap_or(0);
                out.push(report(side, c, 1, pages, Status::Failed, Some(why.clone())));
            }
            return out;
        }
    };
    let mut out = Vec::new();
    let catalog_writer = writers[0].clone();
    let pages = catalog_writer.finish(None, None).unwrap_or(0);
    out.push(report(side, &names[0], 1, pages, Status::Complete, None));

    // Per repository: one access token, then tags and manifests.
    let results: Vec<(usize, Option<String>, usize, Option<String>)> =
        futures_util::stream::iter(repos.iter().enumerate())
            .map(|(i, repo)| {
                let session = &session;
                let refresh = &refresh;
                let (tags_w, man_w) = (&writers[1], &writers[2]);
                async move {
                    let scope = format!("repository:{repo}:metadata_read");
                    let token = match session.access(refresh, &scope).await {
                        Ok(t) => t,
                        Err(e) => {
                            let why = format!("{repo}: {}", explain(reg, &e));
                            return (0, Some(why.clone()), 0, Some(why));
                        }
                    };
                    let t = session.list(tags_w, i, repo, TAGS, &token).await;
                    let m = session.list(man_w, i, repo, MANIFESTS, &token).await;
                    (
                        t.0,
                        t.1.map(|e| format!("{repo}: {}", explain(reg, &e))),
                        m.0,
                        m.1.map(|e| format!("{repo}: {}", explain(reg, &e))),
                    )
                }
            })
            .buffer_unordered(REPOSITORY_CONCURRENCY)
            .collect()
            .await;
    let n = repos.len();
    for (k, w) in [(1usize, writers[1].clone()), (2, writers[2].clone())] {
        let (with_pages, errors): (usize, Vec<String>) = if k == 1 {
            (
                results.iter().filter(|r| r.0 > 0).count(),
                results.iter().filter_map(|r| r.1.clone()).collect(),
            )
        } else {
            (
                results.iter().filter(|r| r.2 > 0).count(),
                results.iter().filter_map(|r| r.3.clone()).collect(),
            )
        };
        let status = crate::collect::live::outcome(&errors, with_pages, n);
        let error = crate::collect::live::summarize(&errors, n);
        let st = (status != Status::Complete).then(|| CollectionStatus {
            status: status.as_str().to_string(),
            error: error.clone(),
        });
        match w.finish(None, st.as_ref()) {
            Ok(p) => out.push(report(side, &names[k], n, p, status, error)),
            Err(e) => out.push(report(
                side,
                &names[k],
                n,
                0,
                Status::Failed,
                Some(e.to_string()),
            )),
        }
    }
    for r in &out {
        tracing::info!(
            side = side.as_str(),
            collection = %r.collection,
            status = r.status.as_str(),
            requests = r.requests,
            pages = r.pages,
            "collected"
        );
    }
    out
}

/// The requests of one registry.
struct Session<'a> {
    client: &'a Client,
    auth: &'a TenantAuth,
    /// `https://{loginServer}` (or the simulator's prefix).
    base: &'a str,
    /// The login server: the `service` of every token request.
    service: &'a str,
}

/// `doctor`: whether this identity can read `login_server`'s catalog (the
/// token exchange, then one `_catalog` page of one entry).
pub async fn probe(client: &Client, auth: &TenantAuth, login_server: &str) -> Result<()> {
    let base = auth.endpoints().acr_base(login_server);
    let session = Session {
        client,
        auth,
        base: &base,
        service: login_server,
    };
    let refresh = session.exchange().await?;
    let token = session.access(&refresh, "registry:catalog:*").await?;
    let url = format!("{base}/acr/v1/_catalog?n=1");
    client
        .send(&Request::get(Service::Acr, auth, url).bearer(token))
        .await?;
    Ok(())
}

impl Session<'_> {
    /// The tenant's ARM token for a registry refresh token.
    async fn exchange(&self) -> Result<Secret> {
        let arm = self.auth.token(Service::Arm).await?;
        let form = vec![
            ("grant_type", Secret::new("access_token")),
            ("service", Secret::new(self.service)),
            ("tenant", Secret::new(self.auth.tenant_id())),
            ("access_token", arm.token),
        ];
        self.token_request("oauth2/exchange", form, "refresh_token")
            .await
    }

    /// An access token for `scope` (`registry:catalog:*`,
    /// `repository:{repo}:metadata_read`).
    async fn access(&self, refresh: &Secret, scope: &str) -> Result<Secret> {
        let form = vec![
            ("grant_type", Secret::new("refresh_token")),
            ("service", Secret::new(self.service)),
            ("scope", Secret::new(scope)),
            ("refresh_token", refresh.clone()),
        ];
        self.token_request("oauth2/token", form, "access_token")
            .await
    }

    async fn token_request(
        &self,
        path: &str,
        form: Vec<(&'static str, Secret)>,
        field: &str,
    ) -> Result<Secret> {
        let url = format!("{}/{path}", self.base);
        let req = Request::form(Service::Acr, self.auth, url.clone(), form);
        let resp = self.client.send(&req).await?;
        let v: serde_json::Value = serde_json::from_slice(&resp.body).unwrap_or_default();
        match v
            .get(field)
            .and_then(|t| t.as_str())
            .filter(|t| !t.is_empty())
        {
            Some(t) => Ok(Secret::new(t)),
            None => Err(Error::Runtime(format!(
                "{} POST {}: the answer has no {field}",
                Service::Acr.label(),
                crate::auth::redact(&resp.url)
            ))),
        }
    }

    /// All pages of `_tags` or `_manifests` of one repository into part `i`:
    /// the pages written and the error.
    async fn list(
        &self,
        w: &CollectionWriter,
        i: usize,
        repo: &str,
        which: &str,
        token: &Secret,
    ) -> (usize, Option<Error>) {
        let mut part = w.part(i);
        let url = format!("{}/acr/v1/{repo}/{which}?n={PAGE_SIZE}", self.base);
        let mut sink = |page: Page| -> Result<()> { part.write_page(&page.body, &meta(&page)) };
        let req = Request::get(Service::Acr, self.auth, url).bearer(token.clone());
        let r = self.client.pages(req, Paging::LinkHeader, &mut sink).await;
        (part.pages(), r.err())
    }
}

fn meta(page: &Page) -> PageMeta {
    PageMeta {
        method: Some(page.method.to_string()),
        url: Some(page.url.clone()),
        status: Some(page.status),
        fetched_at: Some(page.fetched_at.clone()),
    }
}

/// The error, and what ARM says about the registry's network when the
/// registry refused or could not be reached.
fn explain(reg: &Registry, e: &Error) -> String {
    let text = e.to_string();
    let refused = e
        .as_http()
        .is_some_and(|h| matches!(h.status, None | Some(401) | Some(403)));
    match reg.network_note().filter(|_| refused) {
        Some(note) => format!(
            "{text}\n  note: {note}; collect from a network the registry admits (a private \
             endpoint or an allowed IP), or save this registry's responses there and add them \
             to the raw export (docs/raw-export.md)"
        ),
        None => text,
    }
}

fn report(
    side: Side,
    collection: &str,
    requests: usize,
    pages: usize,
    status: Status,
    error: Option<String>,
) -> CollectionReport {
    CollectionReport {
        side,
        collection: collection.to_string(),
        requests,
        pages,
        status,
        error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_notes_follow_what_arm_says() {
        let r = |pna: Option<&str>, da: Option<&str>| Registry {
            login_server: "r.azurecr.io".into(),
            public_network_access: pna.map(Into::into),
            default_action: da.map(Into::into),
        };
        assert!(r(Some("Disabled"), Some("Allow"))
            .network_note()
            .unwrap()
            .contains("public network access is disabled"));
        assert!(r(Some("Enabled"), Some("deny"))
            .network_note()
            .unwrap()
            .contains("Deny"));
        assert_eq!(r(Some("Enabled"), Some("Allow")).network_note(), None);
        assert_eq!(r(None, None).network_note(), None);
    }

    #[test]
    fn registries_come_from_arm_each_once_in_lower_case() {
        let dir = tempfile::tempdir().expect("tempdir");
        crate::demo::extract(dir.path()).expect("demo");
        let raw = RawExport::open(dir.path()).expect("open");
        let regs = registries(&raw, Side::Source).expect("registries");
        let names: Vec<&str> = regs.iter().map(|r| r.login_server.as_str()).collect();
        assert_eq!(
            names,
            [
                "contosoprodacr.azurecr.io",
                "contosoprivacr.azurecr.io",
                "contosoedgeacr.azurecr.io",
                "contosobuildacr.azurecr.io",
                "contosotoolsacr.azurecr.io"
            ]
        );
        assert_eq!(regs[1].public_network_access.as_deref(), Some("Disabled"));
    }
}
