//! Live collection: fetch both tenants into the raw-export layout
//! (docs/raw-export.md), then the offline parser makes the snapshot, so a
//! live snapshot equals an offline one of the same responses by construction.
//!
//! Per tenant, the ARM and Graph families run concurrently; inside a family
//! a collection starts as soon as what it fans out from is written
//! (subscriptions → per-subscription listings → per-parent listings), and the
//! requests of one collection run concurrently (bounded; the HTTP client
//! paces them per service, tenant and subscription). Pages stream to disk;
//! fan-outs read their parents back from the written pages. A collection that
//! fails after the client's retries gets `_status.json` (`failed`, or
//! `partial` when some of its pages were written) and the run goes on.

pub mod doctor;
mod exchange;
pub mod parents;
mod powerplatform;
pub mod probes;
mod progress;
pub mod spec;

use crate::auth::TenantAuth;
use crate::collect::arm::{fetch as arm, fetch_rg as rg};
use crate::collect::graph::fetch as graph;
use crate::collect::Status;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::http::{Client, HttpOptions, Paging, Request, Service, StatsSnapshot};
use crate::raw::write::{CollectionWriter, RawWriter, EMPTY_LIST};
use crate::raw::{CollectionStatus, PageMeta, RawExport, Side};
use futures_util::StreamExt;
use progress::Progress;
use spec::{Base, Fanout, Parent, Spec};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Where ARM resource listings come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ArmSource {
    /// Resource Graph when a tenant has more than [`RG_FROM_SUBSCRIPTIONS`]
    /// subscriptions in scope, else ARM REST.
    #[default]
    Auto,
    Rest,
    ResourceGraph,
}

/// The API families live collection fetches, each independently selectable
/// (`collect --only`): re-collecting one family after its failure, or
/// collecting one family live and the rest from a saved export
/// (`--fill-from`), is how a partial run is completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// ARM REST and Resource Graph (resources, RBAC, providers, Marketplace).
    Arm,
    /// Microsoft Graph, and the token probes of the migration identities.
    Graph,
    Exchange,
    /// The registry data plane; it reads the registry list, so it brings
    /// ARM with it.
    Acr,
    PowerPlatform,
}

impl Family {
    pub const ALL: [Family; 5] = [
        Family::Arm,
        Family::Graph,
        Family::Exchange,
        Family::Acr,
        Family::PowerPlatform,
    ];
}

/// Above this many subscriptions, Auto lists resources through Resource
/// Graph: one query per 1,000 subscriptions instead of ~15 listings each.
pub const RG_FROM_SUBSCRIPTIONS: usize = 10;

/// Requests of one collection in flight at once (the client bounds per host too).
const FANOUT_CONCURRENCY: usize = 32;

pub struct LiveOptions {
    /// The raw export to write (created if missing).
    pub raw_dir: PathBuf,
    pub http: HttpOptions,
    /// Progress bars on stderr (drawn only when it is a terminal).
    pub progress: bool,
    pub arm_source: ArmSource,
    /// Collections that live collection does not fetch (yet) are copied from
    /// this raw export, e.g. Exchange, ACR and Power Platform in part 1.
    pub fill_from: Option<PathBuf>,
    /// Sign-in to use instead of the config's (`[source]`, `[target]`), e.g.
    /// fixed tokens of the in-process simulator.
    pub auth: Option<[TenantAuth; 2]>,
    /// The families to fetch; empty means all. Others are neither fetched
    /// nor marked: their collections are simply absent (or filled from
    /// `fill_from`), so rules over them say `not collected`.
    pub only: Vec<Family>,
}

impl LiveOptions {
    pub fn new(raw_dir: impl Into<PathBuf>) -> LiveOptions {
        LiveOptions {
            raw_dir: raw_dir.into(),
            http: HttpOptions::default(),
            progress: false,
            arm_source: ArmSource::Auto,
            fill_from: None,
            auth: None,
            only: Vec::new(),
        }
    }
}

/// What happened to one collection of one tenant.
#[derive(Debug, Clone, PartialEq)]
pub struct CollectionReport {
    pub side: Side,
    pub collection: String,
    pub requests: usize,
    pub pages: usize,
    pub status: Status,
    pub error: Option<String>,
}

#[derive(Debug, Clone)]
pub struct LiveSummary {
    pub collections: Vec<CollectionReport>,
    /// Collections copied from [`LiveOptions::fill_from`] (`source/exchange/Get-Mailbox`, ...).
    pub copied: Vec<String>,
    /// Per side (source, target): whether resources were listed through Resource Graph.
    pub resource_graph: [bool; 2],
    pub stats: StatsSnapshot,
    pub elapsed: Duration,
    /// The process's peak resident memory when fetching ended (Linux), before
    /// the parser builds the snapshot: pages stream to disk, so it stays
    /// small whatever the tenant's size.
    pub peak_rss_bytes: Option<u64>,
}

impl LiveSummary {
    pub fn incomplete(&self) -> impl Iterator<Item = &CollectionReport> {
        self.collections
            .iter()
            .filter(|c| c.status != Status::Complete)
    }
}

/// Live collection into a snapshot: fetch into `opts.raw_dir`, then parse it
/// like an offline export (blocking).
pub fn collect_to_snapshot(
    cfg: &Config,
    opts: &LiveOptions,
    out: &Path,
) -> Result<(
    crate::snapshot::Manifest,
    crate::inventory::Inventory,
    LiveSummary,
)> {
    let summary = collect_live(cfg, opts)?;
    let (manifest, inv) = crate::collect::from_raw(&opts.raw_dir, out, cfg, "live")?;
    // The image list a registry move is planned from, beside the snapshot.
    let csv = crate::collect::acr::manifest_csv::FILE_NAME;
    crate::collect::acr::manifest_csv::write(&out.join(csv), &inv)?;
    Ok((manifest, inv, summary))
}

/// Collects both tenants into `opts.raw_dir` (blocking; runs its own runtime).
pub fn collect_live(cfg: &Config, opts: &LiveOptions) -> Result<LiveSummary> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Runtime(format!("cannot start the async runtime: {e}")))?;
    rt.block_on(collect_live_async(cfg, opts))
}

pub async fn collect_live_async(cfg: &Config, opts: &LiveOptions) -> Result<LiveSummary> {
    let started = Instant::now();
    let auths = match &opts.auth {
        Some(a) => a.clone(),
        None => [
            TenantAuth::from_config(Side::Source, &cfg.source, cfg)?,
            TenantAuth::from_config(Side::Target, &cfg.target, cfg)?,
        ],
    };
    let client = Client::new(opts.http.clone())?;
    let writer = RawWriter::create(&opts.raw_dir, &format!("xtenant {} live", crate::VERSION))?;
    let progress = Progress::new(opts.progress);
    let ctx = Ctx {
        cfg,
        client: &client,
        writer: &writer,
        raw: RawExport::open(&opts.raw_dir)?,
        reports: Mutex::new(Vec::new()),
        progress: &progress,
        arm_source: opts.arm_source,
        families: selected(&opts.only),
    };
    // Sign in first, once per tenant and service: a wrong tenant or a missing
    // login is one clear error, not one per collection.
    let first = [
        (ctx.wants(Family::Arm), Service::Arm),
        (ctx.wants(Family::Graph), Service::Graph),
    ];
    for a in &auths {
        for (_, s) in first.iter().filter(|(w, _)| *w) {
            a.token(*s).await?;
        }
    }
    let sides = futures_util::future::join_all(auths.iter().map(|a| ctx.side(a))).await;
    let rg_used = [sides[0], sides[1]];
    // Marketplace agreements need the source tenant's plans, so they come
    // after both tenants' listings.
    if ctx.wants(Family::Arm) {
        // Read once for both tenants: at 100,000 resources it is seconds of parsing.
        let plans = parents::plans_in_use(&ctx.raw, Side::Source).map_err(|e| e.to_string());
        futures_util::future::join_all(auths.iter().map(|a| ctx.marketplace(a, &plans))).await;
    }
    let probes = if ctx.wants(Family::Graph) {
        probes::probe_identities(cfg, &auths, &writer).await?
    } else {
        Vec::new()
    };
    progress.finish();
    let mut copied = Vec::new();
    if let Some(from) = &opts.fill_from {
        copied = fill_from(from, &opts.raw_dir)?;
    }
    let mut collections = ctx.reports.into_inner().unwrap_or_default();
    collections.extend(probes);
    collections.sort_by(|a, b| (a.side, &a.collection).cmp(&(b.side, &b.collection)));
    Ok(LiveSummary {
        collections,
        copied,
        resource_graph: rg_used,
        stats: client.stats(),
        elapsed: started.elapsed(),
        peak_rss_bytes: peak_rss(),
    })
}

/// `VmHWM` of `/proc/self/status`, where there is one.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// One request of a collection.
struct Req {
    service: Service,
    url: String,
    body: Option<serde_json::Value>,
    subscription: Option<String>,
    paging: Paging,
    consistency: bool,
    /// A 404 means "nothing there", not a failure (a Marketplace plan whose
    /// terms were never looked at in that subscription).
    absent_ok: bool,
    /// Headers sent on every page (Dataverse `Prefer`).
    headers: Vec<(&'static str, String)>,
    /// The token's resource when it is per host (Dataverse).
    audience: Option<String>,
}

struct Ctx<'a> {
    cfg: &'a Config,
    client: &'a Client,
    writer: &'a RawWriter,
    /// The export being written, for reading parents back.
    raw: RawExport,
    reports: Mutex<Vec<CollectionReport>>,
    progress: &'a Progress,
    arm_source: ArmSource,
    families: Vec<Family>,
}

/// The families a selection fetches: all for an empty one; ACR brings ARM.
fn selected(only: &[Family]) -> Vec<Family> {
    if only.is_empty() {
        return Family::ALL.to_vec();
    }
    let mut f = only.to_vec();
    if f.contains(&Family::Acr) && !f.contains(&Family::Arm) {
        f.push(Family::Arm);
    }
    f
}

impl Ctx<'_> {
    /// Everything of one tenant but the Marketplace agreements; returns
    /// whether Resource Graph listed the resources.
    async fn side(&self, auth: &TenantAuth) -> bool {
        let (tx, rx) = tokio::sync::watch::channel(false);
        // The registry data plane needs the registry list ARM wrote.
        let arm = async {
            if !self.wants(Family::Arm) {
                let _ = tx.send(true);
                return false;
            }
            let rg_used = self.arm_family(auth, tx).await;
            if self.wants(Family::Acr) {
                self.acr_family(auth).await;
            }
            rg_used
        };
        let graph = async {
            if self.wants(Family::Graph) {
                self.graph_family(auth, rx).await;
            }
        };
        let pp = async {
            if self.wants(Family::PowerPlatform) {
                self.powerplatform_family(auth).await;
            }
        };
        let exchange = async {
            if self.wants(Family::Exchange) {
                self.exchange_family(auth).await;
            }
        };
        let (rg_used, (), (), ()) = futures_util::join!(arm, graph, pp, exchange);
        rg_used
    }

    async fn arm_family(
        &self,
        auth: &TenantAuth,
        rbac_done: tokio::sync::watch::Sender<bool>,
    ) -> bool {
        let side = auth.side();
        let subs_report = self.run_spec(auth, &arm::SUBSCRIPTIONS, &[]).await;
        let only = self
            .tenant_cfg(side)
            .subscriptions
            .clone()
            .unwrap_or_default();
        let subs = if subs_report.status == Status::Failed {
            None
        } else {
            parents::subscriptions(&self.raw, side, &only).ok()
        };
        let Some(subs) = subs else {
            let why = format!(
                "not fetched: the subscription list failed ({})",
                subs_report
                    .error
                    .as_deref()
                    .unwrap_or("see arm/subscriptions")
            );
            for s in arm::BULK.iter().chain(arm::ALWAYS) {
                self.give_up(side, s.collection, &why);
            }
            let _ = rbac_done.send(true);
            return false;
        };
        let missing: Vec<&String> = only
            .iter()
            .filter(|o| !subs.iter().any(|s| s.eq_ignore_ascii_case(o.trim())))
            .collect();
        if !missing.is_empty() {
            // Asked for and not visible: what the rules would read about
            // them is missing, which must not pass for "nothing there".
            let why = format!(
                "subscriptions named in [{}] subscriptions are not visible to the signed-in identity: {}; grant it Reader there or correct the list",
                side.as_str(),
                missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
            );
            self.mark_partial(side, arm::SUBSCRIPTIONS.collection, &why);
        }
        let use_rg = match self.arm_source {
            ArmSource::Rest => false,
            ArmSource::ResourceGraph => true,
            ArmSource::Auto => subs.len() > RG_FROM_SUBSCRIPTIONS,
        };
        let per_sub: Vec<&Spec> = arm::ALWAYS
            .iter()
            .chain(if use_rg { &[][..] } else { arm::BULK })
            .filter(|s| s.fanout == Fanout::Subscription)
            .collect();
        let registry_ids = std::sync::OnceLock::new();
        // Stage 1: everything that needs only the subscription list. The
        // Resource Graph resource listing is the long pole (its 15 queries
        // per 5 s): it runs beside the rest, not before it.
        let mut stage1: Vec<futures_util::future::LocalBoxFuture<'_, ()>> = per_sub
            .iter()
            .map(|s| {
                let subs = &subs;
                Box::pin(async move {
                    self.run_spec(auth, s, subs).await;
                }) as _
            })
            .collect();
        stage1.push(Box::pin(async {
            self.run_rg(auth, rg::CONTAINERS, rg::CONTAINERS_QUERY, &subs)
                .await;
        }));
        if let Some(skus) = arm::ALWAYS
            .iter()
            .find(|s| s.fanout == Fanout::ResourceSkus)
        {
            let subs = &subs;
            stage1.push(Box::pin(async move {
                self.resource_skus(auth, skus, subs).await;
            }));
        }
        // The registries the per-registry listings fan out from: with
        // Resource Graph, one small query of their ids, so those listings
        // need not wait for every resource.
        if use_rg {
            let (subs, ids) = (&subs, &registry_ids);
            stage1.push(Box::pin(async move {
                if let Ok(found) = self.rg_ids(auth, rg::REGISTRY_IDS_QUERY, subs).await {
                    let _ = ids.set(found);
                }
            }));
        }
        let resources = async {
            if use_rg {
                self.run_rg(auth, rg::RESOURCES, rg::RESOURCES_QUERY, &subs)
                    .await;
            }
        };
        let rest = async {
            futures_util::future::join_all(stage1).await;
            // Role assignments are in: the Graph group choice may start.
            let _ = rbac_done.send(true);
            // Stage 2 and 3: per-parent listings, parents before children.
            let per_parent: Vec<&Spec> = arm::ALWAYS
                .iter()
                .chain(if use_rg { &[][..] } else { arm::BULK })
                .filter(|s| matches!(s.fanout, Fanout::Parent(_)))
                .collect();
            // Those whose parents only the full resource listing gives wait for it.
            let needs_listing = |s: &&Spec| {
                use_rg
                    && s.fanout == Fanout::Parent(Parent::ArmId("arm/registries"))
                    && registry_ids.get().is_none()
            };
            let (late, early): (Vec<&Spec>, Vec<&Spec>) =
                per_parent.into_iter().partition(needs_listing);
            let (first, second): (Vec<&Spec>, Vec<&Spec>) = early
                .into_iter()
                .partition(|s| s.fanout != Fanout::Parent(Parent::GalleryImage));
            for stage in [first, second] {
                futures_util::future::join_all(stage.iter().map(|s| match s.fanout {
                    Fanout::Parent(Parent::ArmId("arm/registries")) if use_rg => {
                        let ids = registry_ids.get().cloned().unwrap_or_default();
                        Box::pin(self.run_parented_on(auth, s, ids))
                            as futures_util::future::LocalBoxFuture<'_, CollectionReport>
                    }
                    _ => Box::pin(self.run_parented(auth, s)),
                }))
                .await;
            }
            late
        };
        let ((), late) = futures_util::join!(resources, rest);
        futures_util::future::join_all(late.iter().map(|s| self.run_parented(auth, s))).await;
        use_rg
    }

    /// Every registry's data plane (`acr/`), from the registries ARM listed.
    async fn acr_family(&self, auth: &TenantAuth) {
        let side = auth.side();
        let listing = ["arm/registries", rg::RESOURCES]
            .into_iter()
            .find(|c| self.raw.has(side, c));
        let not_listed = match listing.and_then(|c| self.report_of(side, c).map(|r| (c, r))) {
            Some((c, r)) if r.status == Status::Failed => Some(format!(
                "not fetched: {c} failed ({})",
                r.error.as_deref().unwrap_or("see its _status.json")
            )),
            Some(_) => None,
            None if listing.is_some() => None,
            None => {
                Some("not fetched: the registry list (arm/registries) was not collected".into())
            }
        };
        let reports = crate::collect::acr::fetch::collect(
            self.client,
            auth,
            self.writer,
            &self.raw,
            not_listed,
        )
        .await;
        for r in reports {
            self.record(r);
        }
    }

    async fn graph_family(
        &self,
        auth: &TenantAuth,
        mut rbac_done: tokio::sync::watch::Receiver<bool>,
    ) {
        futures_util::future::join_all(graph::LISTS.iter().map(|s| self.run_spec(auth, s, &[])))
            .await;
        // A large tenant's group choice reads the ARM role assignments.
        let _ = rbac_done.wait_for(|done| *done).await;
        futures_util::future::join_all(
            graph::PER_PARENT.iter().map(|s| self.run_parented(auth, s)),
        )
        .await;
    }

    fn wants(&self, f: Family) -> bool {
        self.families.contains(&f)
    }

    fn tenant_cfg(&self, side: Side) -> &crate::config::TenantConfig {
        match side {
            Side::Source => &self.cfg.source,
            Side::Target => &self.cfg.target,
        }
    }

    fn base(&self, auth: &TenantAuth, base: Base) -> String {
        let e = auth.endpoints();
        match base {
            Base::Arm => e.arm.clone(),
            Base::Graph => format!("{}/v1.0", e.graph),
            Base::Login => e.login.clone(),
            Base::Bap => e.bap.clone(),
            Base::PowerApps => e.powerapps.clone(),
            Base::Flow => e.flow.clone(),
            Base::PowerPlatform => e.powerplatform.clone(),
        }
    }

    fn request(
        &self,
        auth: &TenantAuth,
        spec: &Spec,
        vars: &[(&str, &str)],
        sub: Option<&str>,
    ) -> Req {
        let (service, paging) = match (spec.base, spec.single_object) {
            (Base::Login, _) => (Service::Login, Paging::None),
            (Base::Arm, true) => (Service::Arm, Paging::None),
            (Base::Arm, false) => (Service::Arm, Paging::ArmNextLink),
            (Base::Graph, true) => (Service::Graph, Paging::None),
            (Base::Graph, false) => (Service::Graph, Paging::GraphNextLink),
            (Base::PowerPlatform, _) => (Service::PowerPlatform, Paging::None),
            (b, single) => {
                let service = match b {
                    Base::Bap => Service::Bap,
                    Base::PowerApps => Service::PowerApps,
                    _ => Service::Flow,
                };
                // BAP, Power Apps and Power Automate page like ARM (`nextLink`).
                (
                    service,
                    if single {
                        Paging::None
                    } else {
                        Paging::ArmNextLink
                    },
                )
            }
        };
        let mut all_vars: Vec<(&str, &str)> = vars.to_vec();
        all_vars.push(("tenant", auth.tenant_id()));
        Req {
            service,
            url: spec.url(&self.base(auth, spec.base), &all_vars),
            body: None,
            subscription: sub.map(str::to_string),
            paging,
            consistency: spec.consistency,
            absent_ok: spec.fanout == Fanout::MarketplaceAgreements,
            headers: Vec::new(),
            audience: None,
        }
    }

    /// A tenant-level or per-subscription collection.
    async fn run_spec(&self, auth: &TenantAuth, spec: &Spec, subs: &[String]) -> CollectionReport {
        let reqs = match spec.fanout {
            Fanout::Subscription => subs
                .iter()
                .map(|s| self.request(auth, spec, &[("s", s)], Some(s)))
                .collect(),
            _ => vec![self.request(auth, spec, &[], None)],
        };
        self.run(auth, spec.collection, reqs, empty_of(spec)).await
    }

    /// A per-parent collection: parents read back from the written pages.
    async fn run_parented(&self, auth: &TenantAuth, spec: &Spec) -> CollectionReport {
        let side = auth.side();
        let Fanout::Parent(parent) = spec.fanout else {
            return self.run_spec(auth, spec, &[]).await;
        };
        if let Some(dep) = spec.depends_on() {
            if let Some(r) = self
                .report_of(side, dep)
                .filter(|r| r.status == Status::Failed)
            {
                let why = format!(
                    "not fetched: {dep} failed ({})",
                    r.error.as_deref().unwrap_or("see its _status.json")
                );
                return self.give_up(side, spec.collection, &why);
            }
        }
        let found = match parent {
            Parent::ArmId(c) => parents::arm_ids(&self.raw, side, c),
            Parent::GalleryImage => parents::gallery_images(&self.raw, side),
            Parent::Group => {
                parents::member_groups(&self.raw, side, self.cfg.exchange.scope_group.as_deref())
            }
            Parent::ResourceSp => parents::resource_sps(&self.raw, side),
        };
        let list = match found {
            Ok(l) => l,
            Err(e) => {
                return self.give_up(
                    side,
                    spec.collection,
                    &format!("not fetched: reading its parents failed: {e}"),
                )
            }
        };
        if parent == Parent::Group {
            // One directory per group: the member objects do not name it.
            return self
                .run_per_object(auth, spec.collection, &list, |g| {
                    self.request(auth, spec, &[("parent", g)], None)
                })
                .await;
        }
        self.run_parented_on(auth, spec, list).await
    }

    /// A per-parent listing over the given parents (ARM ids).
    async fn run_parented_on(
        &self,
        auth: &TenantAuth,
        spec: &Spec,
        list: Vec<String>,
    ) -> CollectionReport {
        let reqs = list
            .iter()
            .map(|p| {
                let sub = crate::normalize::id_parts(&crate::normalize::canonical_id(p)).0;
                self.request(
                    auth,
                    spec,
                    &[("parent", p.trim_end_matches('/'))],
                    sub.as_deref(),
                )
            })
            .collect();
        self.run(auth, spec.collection, reqs, empty_of(spec)).await
    }

    /// One sub-collection per object (`{collection}/{object}`), because the
    /// output does not name the object (group members, per-object Exchange
    /// cmdlets): one request each, all reported as one collection.
    async fn run_per_object(
        &self,
        auth: &TenantAuth,
        collection: &str,
        objects: &[String],
        request: impl Fn(&str) -> Req,
    ) -> CollectionReport {
        let side = auth.side();
        let parent = match self.writer.collection(side, collection) {
            Ok(w) => w,
            Err(e) => return self.give_up(side, collection, &e.to_string()),
        };
        let results: Vec<CollectionReport> = futures_util::stream::iter(objects.iter())
            .map(|o| {
                let req = request(o);
                let sub = format!("{collection}/{o}");
                async move {
                    self.run_quiet(auth, &sub, vec![req], Some(EMPTY_LIST))
                        .await
                }
            })
            .buffered(FANOUT_CONCURRENCY)
            .collect()
            .await;
        let errors: Vec<String> = results.iter().filter_map(|r| r.error.clone()).collect();
        let status = outcome(
            &errors,
            results.iter().filter(|r| r.pages > 0).count(),
            objects.len(),
        );
        let report = CollectionReport {
            side,
            collection: collection.to_string(),
            requests: objects.len(),
            pages: results.iter().map(|r| r.pages).sum(),
            status,
            error: summarize(&errors, objects.len()),
        };
        if status != Status::Complete {
            let _ = crate::raw::write::write_status(parent.dir(), &status_file(&report));
        }
        self.record(report)
    }

    async fn run_rg(
        &self,
        auth: &TenantAuth,
        collection: &str,
        query: &str,
        subs: &[String],
    ) -> CollectionReport {
        let url = format!("{}{}", auth.endpoints().arm, rg::PATH);
        let reqs = subs
            .chunks(rg::SUBSCRIPTIONS_PER_QUERY)
            .map(|chunk| Req {
                service: Service::ResourceGraph,
                url: url.clone(),
                body: Some(rg::body(query, chunk)),
                subscription: None,
                paging: Paging::ResourceGraph,
                consistency: false,
                absent_ok: false,
                headers: Vec::new(),
                audience: None,
            })
            .collect();
        self.run(auth, collection, reqs, Some(EMPTY_RG)).await
    }

    /// The `id`s a Resource Graph query returns, all pages, kept in memory
    /// (not written: the full listing writes the same rows).
    async fn rg_ids(&self, auth: &TenantAuth, query: &str, subs: &[String]) -> Result<Vec<String>> {
        let url = format!("{}{}", auth.endpoints().arm, rg::PATH);
        let mut ids = Vec::new();
        for chunk in subs.chunks(rg::SUBSCRIPTIONS_PER_QUERY) {
            let req = Request::query(
                Service::ResourceGraph,
                auth,
                url.clone(),
                rg::body(query, chunk),
            );
            let mut sink = |page: crate::http::Page| -> Result<()> {
                let v: serde_json::Value = serde_json::from_slice(&page.body).unwrap_or_default();
                for row in v["data"].as_array().into_iter().flatten() {
                    if let Some(id) = row["id"].as_str() {
                        ids.push(id.to_string());
                    }
                }
                Ok(())
            };
            self.client
                .pages(req, Paging::ResourceGraph, &mut sink)
                .await?;
        }
        Ok(ids)
    }

    /// `arm/resource-skus`: the disk target subscription and region, in the
    /// tenant that has that subscription; elsewhere collected and empty.
    async fn resource_skus(
        &self,
        auth: &TenantAuth,
        spec: &Spec,
        subs: &[String],
    ) -> CollectionReport {
        let d = &self.cfg.disk;
        let reqs = match (&d.target_subscription_id, &d.target_region) {
            (Some(s), Some(region)) if subs.iter().any(|x| x.eq_ignore_ascii_case(s)) => {
                let region = crate::normalize::canonical_region(region);
                vec![self.request(auth, spec, &[("s", s), ("region", &region)], Some(s))]
            }
            _ => Vec::new(),
        };
        self.run(auth, spec.collection, reqs, Some(EMPTY_LIST))
            .await
    }

    /// `arm/marketplace-agreements`: each plan of a source VM or disk, in its
    /// source subscription (source tenant) and in the disk target
    /// subscription (target tenant).
    async fn marketplace(
        &self,
        auth: &TenantAuth,
        plans: &std::result::Result<Vec<(String, parents::Plan)>, String>,
    ) -> CollectionReport {
        let side = auth.side();
        let Some(spec) = arm::ALWAYS
            .iter()
            .find(|s| s.fanout == Fanout::MarketplaceAgreements)
        else {
            return self.give_up(side, "arm/marketplace-agreements", "internal: no request");
        };
        let plans = match plans {
            Ok(p) => p.clone(),
            Err(e) => return self.give_up(side, spec.collection, &format!("not fetched: {e}")),
        };
        let mut targets: Vec<(String, parents::Plan)> = Vec::new();
        match side {
            Side::Source => targets = plans,
            Side::Target => {
                let subs = parents::subscriptions(&self.raw, side, &[]).unwrap_or_default();
                if let Some(t) = self.cfg.disk.target_subscription_id.as_deref() {
                    if subs.iter().any(|s| s.eq_ignore_ascii_case(t)) {
                        for (_, plan) in plans {
                            if !targets.iter().any(|(_, p)| *p == plan) {
                                targets.push((t.to_string(), plan));
                            }
                        }
                    }
                }
            }
        }
        let reqs = targets
            .iter()
            .map(|(s, (publisher, product, plan))| {
                self.request(
                    auth,
                    spec,
                    &[
                        ("s", s),
                        ("publisher", publisher),
                        ("product", product),
                        ("plan", plan),
                    ],
                    Some(s),
                )
            })
            .collect();
        self.run(auth, spec.collection, reqs, None).await
    }

    fn report_of(&self, side: Side, collection: &str) -> Option<CollectionReport> {
        self.reports
            .lock()
            .ok()?
            .iter()
            .find(|r| r.side == side && r.collection == collection)
            .cloned()
    }

    fn record(&self, r: CollectionReport) -> CollectionReport {
        if r.status != Status::Complete {
            tracing::warn!(
                side = r.side.as_str(),
                collection = %r.collection,
                status = r.status.as_str(),
                error = r.error.as_deref().unwrap_or(""),
                "collection incomplete"
            );
        }
        if let Ok(mut v) = self.reports.lock() {
            v.push(r.clone());
        }
        r
    }

    /// Downgrades a written collection to partial, with why.
    fn mark_partial(&self, side: Side, collection: &str, why: &str) {
        if let Ok(mut v) = self.reports.lock() {
            if let Some(r) = v
                .iter_mut()
                .find(|r| r.side == side && r.collection == collection)
            {
                r.status = Status::Partial;
                r.error = Some(why.to_string());
            }
        }
        tracing::warn!(side = side.as_str(), collection, "{why}");
        let dir = self.writer.root().join(side.as_str()).join(collection);
        let _ = crate::raw::write::write_status(
            &dir,
            &CollectionStatus {
                status: Status::Partial.as_str().to_string(),
                error: Some(why.to_string()),
            },
        );
    }

    /// Marks a collection failed without sending anything.
    fn give_up(&self, side: Side, collection: &str, why: &str) -> CollectionReport {
        let report = CollectionReport {
            side,
            collection: collection.to_string(),
            requests: 0,
            pages: 0,
            status: Status::Failed,
            error: Some(why.to_string()),
        };
        if let Ok(w) = self.writer.collection(side, collection) {
            let _ = crate::raw::write::write_status(w.dir(), &status_file(&report));
        }
        self.record(report)
    }

    async fn run(
        &self,
        auth: &TenantAuth,
        collection: &str,
        reqs: Vec<Req>,
        empty: Option<&[u8]>,
    ) -> CollectionReport {
        let r = self.run_quiet(auth, collection, reqs, empty).await;
        self.record(r)
    }

    /// Sends the requests of one collection concurrently, each one's pages
    /// staged in request order, and finishes the collection directory.
    async fn run_quiet(
        &self,
        auth: &TenantAuth,
        collection: &str,
        reqs: Vec<Req>,
        empty: Option<&[u8]>,
    ) -> CollectionReport {
        let side = auth.side();
        let started = Instant::now();
        let writer = match self.writer.collection(side, collection) {
            Ok(w) => w,
            Err(e) => {
                return CollectionReport {
                    side,
                    collection: collection.to_string(),
                    requests: 0,
                    pages: 0,
                    status: Status::Failed,
                    error: Some(e.to_string()),
                }
            }
        };
        let family = collection.split('/').next().unwrap_or("");
        let bar = self.progress.bar(side, family);
        let n = reqs.len();
        let results: Vec<(usize, Option<String>)> =
            futures_util::stream::iter(reqs.into_iter().enumerate())
                .map(|(i, req)| {
                    let writer = &writer;
                    let bar = &bar;
                    async move { self.fetch_part(auth, writer, i, req, bar).await }
                })
                .buffer_unordered(FANOUT_CONCURRENCY)
                .collect()
                .await;
        let errors: Vec<String> = results.iter().filter_map(|r| r.1.clone()).collect();
        let with_pages = results.iter().filter(|r| r.0 > 0).count();
        let status = outcome(&errors, with_pages, n);
        let mut report = CollectionReport {
            side,
            collection: collection.to_string(),
            requests: n,
            pages: 0,
            status,
            error: summarize(&errors, n),
        };
        let st = (status != Status::Complete).then(|| status_file(&report));
        match writer.finish(if errors.is_empty() { empty } else { None }, st.as_ref()) {
            Ok(p) => report.pages = p,
            Err(e) => {
                report.status = Status::Failed;
                report.error = Some(e.to_string());
            }
        }
        tracing::info!(
            side = side.as_str(),
            collection,
            status = report.status.as_str(),
            requests = report.requests,
            pages = report.pages,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "collected"
        );
        report
    }

    /// One request's pages into part `i`; returns the pages written and the error.
    async fn fetch_part(
        &self,
        auth: &TenantAuth,
        writer: &CollectionWriter,
        i: usize,
        req: Req,
        bar: &progress::Bar,
    ) -> (usize, Option<String>) {
        let mut part = writer.part(i);
        let absent_ok = req.absent_ok;
        let mut request = match req.body {
            Some(b) => Request::query(req.service, auth, req.url, b),
            None => Request::get(req.service, auth, req.url),
        };
        if let Some(s) = req.subscription {
            request = request.subscription(s);
        }
        if req.consistency {
            request = request.header("ConsistencyLevel", "eventual");
        }
        for (k, v) in req.headers {
            request = request.header(k, v);
        }
        if let Some(a) = req.audience {
            request = request.audience(a);
        }
        let mut sink = |page: crate::http::Page| -> Result<()> {
            let meta = PageMeta {
                method: Some(page.method.to_string()),
                url: Some(page.url.clone()),
                status: Some(page.status),
                fetched_at: Some(page.fetched_at.clone()),
            };
            part.write_page(&page.body, &meta)?;
            bar.page(page.body.len());
            Ok(())
        };
        let result = self.client.pages(request, req.paging, &mut sink).await;
        let pages = part.pages();
        match result {
            Ok(_) => (pages, None),
            Err(e) if absent_ok && e.as_http().and_then(|h| h.status) == Some(404) => (pages, None),
            Err(e) => (pages, Some(e.to_string())),
        }
    }
}

const EMPTY_RG: &[u8] =
    b"{\"totalRecords\": 0, \"count\": 0, \"data\": [], \"facets\": [], \"resultTruncated\": \"false\"}\n";

fn empty_of(spec: &Spec) -> Option<&'static [u8]> {
    (!spec.single_object).then_some(EMPTY_LIST)
}

/// Complete without errors; partial when some requests brought pages;
/// failed when none did.
pub(crate) fn outcome(errors: &[String], with_pages: usize, requests: usize) -> Status {
    if errors.is_empty() {
        Status::Complete
    } else if with_pages > 0 && requests > 0 {
        Status::Partial
    } else {
        Status::Failed
    }
}

/// The first error, and how many requests failed in all.
pub(crate) fn summarize(errors: &[String], requests: usize) -> Option<String> {
    let first = errors.first()?;
    Some(if errors.len() > 1 {
        format!(
            "{} of {requests} requests failed; the first: {first}",
            errors.len()
        )
    } else {
        first.clone()
    })
}

fn status_file(r: &CollectionReport) -> CollectionStatus {
    CollectionStatus {
        status: r.status.as_str().to_string(),
        error: r.error.clone(),
    }
}

/// Copies every collection of `from` that the live run did not write
/// (directory or file, per side and family). Returns what was copied.
pub fn fill_from(from: &Path, to: &Path) -> Result<Vec<String>> {
    let src = RawExport::open(from)?;
    let mut copied = Vec::new();
    for side in Side::BOTH {
        let side_dir = src.side_dir(side);
        let Ok(families) = std::fs::read_dir(&side_dir) else {
            continue;
        };
        for fam in families.flatten() {
            if !fam.path().is_dir() {
                continue;
            }
            let entries = std::fs::read_dir(fam.path()).map_err(|e| Error::io(fam.path(), e))?;
            for entry in entries.flatten() {
                let rel = Path::new(side.as_str())
                    .join(fam.file_name())
                    .join(entry.file_name());
                let dest = to.join(&rel);
                // `Get-AcceptedDomain.csv` is the same collection as a live
                // `Get-AcceptedDomain/` directory.
                let name = entry.file_name().to_string_lossy().to_string();
                let stem = name
                    .strip_suffix(".csv")
                    .or_else(|| name.strip_suffix(".json"))
                    .unwrap_or(&name);
                if dest.exists()
                    || dest.with_extension("json").exists()
                    || dest.with_file_name(stem).is_dir()
                {
                    continue;
                }
                copy_tree(&entry.path(), &dest)?;
                copied.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    copied.sort();
    Ok(copied)
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    let io = |p: &Path, e: std::io::Error| {
        Error::Runtime(format!(
            "cannot copy {} to the raw export: {e}",
            p.display()
        ))
    };
    if from.is_dir() {
        std::fs::create_dir_all(to).map_err(|e| io(to, e))?;
        for e in std::fs::read_dir(from).map_err(|e| io(from, e))?.flatten() {
            copy_tree(&e.path(), &to.join(e.file_name()))?;
        }
    } else {
        if let Some(p) = to.parent() {
            std::fs::create_dir_all(p).map_err(|e| io(p, e))?;
        }
        std::fs::copy(from, to).map_err(|e| io(from, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_arm_and_graph_collection_the_parser_reads_is_requested() {
        let requested: Vec<&str> = arm::BULK
            .iter()
            .chain(arm::ALWAYS)
            .chain(graph::LISTS)
            .chain(graph::PER_PARENT)
            .chain([&arm::SUBSCRIPTIONS])
            .map(|s| s.collection)
            .chain([rg::RESOURCES, rg::CONTAINERS])
            .collect();
        let parsed = crate::collect::arm::parse::COLLECTIONS
            .iter()
            .chain(crate::collect::graph::parse::COLLECTIONS);
        for c in parsed {
            assert!(
                requested.contains(&c.collection),
                "{} is parsed but never requested",
                c.collection
            );
        }
        // Each collection has one request spec.
        let mut sorted = requested.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), requested.len());
    }

    #[test]
    fn outcome_is_partial_only_when_something_was_written() {
        assert_eq!(outcome(&[], 0, 0), Status::Complete);
        assert_eq!(outcome(&["x".into()], 1, 2), Status::Partial);
        assert_eq!(outcome(&["x".into()], 0, 2), Status::Failed);
        assert_eq!(
            summarize(&["a".into(), "b".into()], 5).as_deref(),
            Some("2 of 5 requests failed; the first: a")
        );
    }
}
