//! Write endpoints of the simulator, with the semantics that make
//! `xtenant apply`'s checks mean something: cross-tenant copies authorised
//! by the auxiliary token's RBAC (evaluated with the assessment's own
//! evaluator over the served data), long-running operations that take
//! `--lro-seconds` and are polled, idempotent PUTs, deletes that hide items,
//! and the real error bodies of each refusal. See docs/simulator.md "Writes".
//!
//! Created resources live in one lock-protected [`state::WriteState`] that
//! overlays the read-only store: single-resource GETs and the ARM lists (so
//! the live collectors) see them, deleted items disappear from both.
//!
//! One module per service area: [`compute`] (snapshots, disks, VMs, NICs),
//! [`registry`], [`gallery`], [`exchange`] (Set-MailUser, New-MigrationBatch), [`authorization`] (role definitions and
//! assignments, and the RBAC view), [`invitations`] (Graph), with the
//! operation bookkeeping in [`lro`].

pub mod authorization;
pub mod compute;
pub mod exchange;
pub mod gallery;
pub mod invitations;
pub mod lro;
pub mod registry;
pub mod state;

use super::arm::{self, error};
use super::quota::{retry_after_secs, Take};
use super::store::{normalize_id, Tenant};
use super::tokens::Claims;
use super::{Ctx, DataSource, Reply, Shared};
use axum::http::{Method, StatusCode};
use serde_json::Value;
use sha2::{Digest, Sha256};
use state::{Created, WriteState};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// ARM write quota: 200 writes a burst, 10 a second refilled (per principal
/// and subscription, as ARM's token bucket counts them).
const ARM_WRITES: f64 = 200.0;
const ARM_WRITE_REFILL: f64 = 10.0;

/// What a write did, for the request log.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Written {
    /// A new resource came into being (not a repeat, not an update).
    pub created: bool,
    /// The id of the resource written (as the request named it).
    pub resource_id: Option<String>,
}

/// The write side's state and settings, shared by all connections.
pub struct Writes {
    state: Mutex<WriteState>,
    /// How long each long-running operation takes.
    pub lro: Duration,
    data: DataSource,
}

impl Writes {
    pub fn new(lro: Duration, data: DataSource) -> Writes {
        Writes {
            state: Mutex::new(WriteState::default()),
            lro,
            data,
        }
    }

    /// The state; a handler that panicked mid-write leaves it usable (every
    /// change is made with single inserts, so there is no half-done one).
    pub fn lock(&self) -> MutexGuard<'_, WriteState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The RBAC view, built on first use from the same data the store serves.
    pub fn rbac<'a>(&self, st: &'a mut WriteState) -> Result<&'a mut authorization::Rbac, Reply> {
        if st.rbac.is_none() {
            let r = authorization::Rbac::load(&self.data).map_err(|e| {
                error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "InternalServerError",
                    &format!("The simulator could not build its RBAC view of the data: {e}"),
                )
            })?;
            st.rbac = Some(r);
        }
        st.rbac.as_mut().ok_or_else(|| {
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalServerError",
                "The simulator has no RBAC view.",
            )
        })
    }
}

/// An ARM resource path, parsed: `{scope}/providers/{ns}/{type}/{name}[/{type}/{name}...][/{action}]`.
#[derive(Debug, Clone)]
pub struct ResPath {
    /// The path as the request wrote it (without `/arm`, trailing `/` dropped).
    pub display: String,
    /// Normalized (lowercased) form, the key of the state.
    pub id: String,
    /// Lowercased subscription id.
    pub sub: String,
    /// Resource group as written, when the path has one.
    pub rg: Option<String>,
    /// Lowercased `{ns}/{type}[/{type}...]`.
    pub key: String,
    /// Names as written, one per type (one fewer for collection-level actions).
    pub names: Vec<String>,
    /// A trailing action segment (`importImage`, `checkNameAvailability`), lowercased.
    pub action: Option<String>,
    /// The display path of the scope before the last `/providers/`.
    pub scope: String,
}

impl ResPath {
    pub fn parse(path: &str) -> Option<ResPath> {
        let display = path.trim_end_matches('/').to_string();
        let segs: Vec<&str> = display.split('/').filter(|s| !s.is_empty()).collect();
        if segs.len() < 2 || !segs[0].eq_ignore_ascii_case("subscriptions") {
            return None;
        }
        let sub = segs[1].to_ascii_lowercase();
        let rg = match segs.get(2) {
            Some(s) if s.eq_ignore_ascii_case("resourcegroups") => {
                segs.get(3).map(|s| s.to_string())
            }
            _ => None,
        };
        let p = segs
            .iter()
            .rposition(|s| s.eq_ignore_ascii_case("providers"))?;
        let scope = format!("/{}", segs[..p].join("/"));
        let rest = &segs[p + 1..];
        let (ns, pairs) = rest.split_first()?;
        let mut types = vec![ns.to_ascii_lowercase()];
        let mut names = Vec::new();
        let mut action = None;
        let mut it = pairs.chunks(2);
        for c in it.by_ref() {
            match c {
                [t, n] => {
                    types.push(t.to_ascii_lowercase());
                    names.push(n.to_string());
                }
                [a] => action = Some(a.to_ascii_lowercase()),
                _ => {}
            }
        }
        let mut id_segs: Vec<&str> = segs.clone();
        if action.is_some() {
            id_segs.pop();
        }
        Some(ResPath {
            id: normalize_id(&format!("/{}", id_segs.join("/"))),
            display,
            sub,
            rg,
            key: types.join("/"),
            names,
            action,
            scope,
        })
    }

    /// The last name (the resource's own).
    pub fn name(&self) -> &str {
        self.names.last().map(String::as_str).unwrap_or("")
    }

    /// The display id without the trailing action.
    pub fn display_id(&self) -> String {
        match &self.action {
            Some(_) => self
                .display
                .rsplit_once('/')
                .map(|(p, _)| p.to_string())
                .unwrap_or_default(),
            None => self.display.clone(),
        }
    }

    /// The normalized id of the parent list (the id minus its name).
    pub fn list(&self) -> String {
        self.id
            .rsplit_once('/')
            .map(|(p, _)| p.to_string())
            .unwrap_or_default()
    }
}

/// Answers the ARM requests the read side does not: every non-GET, operation
/// status URLs, and GETs of one resource. `None` leaves the request to the
/// read side (lists, subscriptions, agreements, permissions).
pub fn arm(sh: &Shared, ctx: &Ctx, claims: &Claims) -> Option<Reply> {
    let path = &ctx.path[4..];
    let lower = path.to_ascii_lowercase();
    if ctx.method == Method::GET {
        if let Some(r) = lro::status(sh, ctx, claims, &lower) {
            return Some(r);
        }
        let rp = ResPath::parse(path)?;
        if !is_single(&rp) {
            return None;
        }
        return Some(get_one(sh, ctx, claims, &rp));
    }
    if ctx.param("api-version").is_none_or(str::is_empty) {
        return Some(error(
            StatusCode::BAD_REQUEST,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        ));
    }
    let Some(rp) = ResPath::parse(path) else {
        return Some(no_route(ctx));
    };
    let (ti, _) = match owner(sh, claims, &rp.sub) {
        Ok(t) => t,
        Err(r) => return Some(r),
    };
    let quota = match take_write(sh, claims, &rp.sub) {
        Ok(h) => h,
        Err(r) => return Some(r),
    };
    let m = ctx.method.clone();
    let mut reply = match (rp.key.as_str(), rp.action.as_deref(), m) {
        ("microsoft.compute/snapshots" | "microsoft.compute/disks", None, Method::PUT) => {
            compute::put_disk_like(sh, ctx, claims, ti, &rp)
        }
        ("microsoft.compute/virtualmachines", None, Method::PUT)
        | ("microsoft.network/networkinterfaces", None, Method::PUT) => {
            compute::put_plain(sh, ctx, ti, &rp)
        }
        (
            "microsoft.compute/snapshots"
            | "microsoft.compute/disks"
            | "microsoft.compute/virtualmachines"
            | "microsoft.network/networkinterfaces",
            None,
            Method::DELETE,
        ) => compute::delete(sh, ctx, ti, &rp),
        ("microsoft.authorization/roleassignments", None, Method::PUT) => {
            authorization::put_assignment(sh, ctx, ti, &rp)
        }
        ("microsoft.authorization/roleassignments", None, Method::DELETE) => {
            authorization::delete_assignment(sh, ti, &rp)
        }
        ("microsoft.authorization/roledefinitions", None, Method::PUT) => {
            authorization::put_definition(sh, ctx, ti, &rp)
        }
        ("microsoft.containerregistry", Some("checknameavailability"), Method::POST) => {
            registry::check_name(sh, ctx)
        }
        ("microsoft.containerregistry/registries", None, Method::PUT) => {
            registry::put_registry(sh, ctx, ti, &rp)
        }
        ("microsoft.containerregistry/registries", Some("importimage"), Method::POST) => {
            registry::import_image(sh, ctx, claims, ti, &rp)
        }
        (
            "microsoft.compute/galleries"
            | "microsoft.compute/galleries/images"
            | "microsoft.compute/galleries/images/versions",
            None,
            Method::PUT,
        ) => gallery::put(sh, ctx, claims, ti, &rp),
        _ => no_route(ctx),
    };
    reply.headers.extend(quota);
    Some(reply)
}

/// A path with a name after every type (not a list, not an action) and not
/// one the read side answers itself.
fn is_single(rp: &ResPath) -> bool {
    rp.action.is_none()
        && !rp.names.is_empty()
        && !rp.key.starts_with("microsoft.marketplaceordering")
}

pub fn no_route_pub(ctx: &Ctx) -> Reply {
    no_route(ctx)
}

fn no_route(ctx: &Ctx) -> Reply {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        "MethodNotAllowed",
        &format!(
            "The requested resource does not support http method '{}'. (The simulator's writes are listed in docs/simulator.md.)",
            ctx.method
        ),
    )
}

/// The tenant owning the subscription, which must be the token's: else
/// ARM's 401 `InvalidAuthenticationTokenTenant` (or 404 for a subscription
/// no tenant has).
pub fn owner<'a>(sh: &'a Shared, claims: &Claims, sub: &str) -> Result<(usize, &'a Tenant), Reply> {
    let owners = sh.store.sub_owner.get(sub);
    let mine = sh
        .store
        .tenant(&claims.tid)
        .filter(|(i, _)| owners.is_some_and(|o| o.contains(i)));
    match (mine, owners.and_then(|o| o.first())) {
        (Some(t), _) => Ok(t),
        (None, Some(&o)) => Err(arm::wrong_tenant(&claims.tid, &sh.store.tenants[o].id)),
        (None, None) => Err(error(
            StatusCode::NOT_FOUND,
            "SubscriptionNotFound",
            &format!("The subscription '{sub}' could not be found."),
        )),
    }
}

/// The tenant owning a subscription, whoever asks.
pub fn owner_of(sh: &Shared, sub: &str) -> Option<usize> {
    sh.store
        .sub_owner
        .get(&sub.to_ascii_lowercase())
        .and_then(|o| o.first().copied())
}

fn take_write(
    sh: &Shared,
    claims: &Claims,
    sub: &str,
) -> Result<Vec<(&'static str, String)>, Reply> {
    let key = format!("arm-w:{}:{}:{sub}", claims.tid, claims.oid);
    match sh.quotas.bucket(&key, 1.0, ARM_WRITES, ARM_WRITE_REFILL) {
        Take::Ok { remaining, .. } => Ok(vec![(
            "x-ms-ratelimit-remaining-subscription-writes",
            remaining.to_string(),
        )]),
        Take::Throttled { retry_after } => {
            let secs = retry_after_secs(retry_after);
            Err(error(
                StatusCode::TOO_MANY_REQUESTS,
                "SubscriptionRequestsThrottled",
                &format!(
                    "Number of 'write' requests for subscription '{sub}' actor '{}' exceeded. Please try again after '{secs}' seconds after the last request. Refer to https://aka.ms/arm-throttling for more information.",
                    claims.oid
                ),
            )
            .header("retry-after", secs.to_string())
            .header("x-ms-ratelimit-remaining-subscription-writes", "0"))
        }
    }
}

/// GET of one resource: a created one (with its current provisioning
/// state), else the export's item, unless deleted.
fn get_one(sh: &Shared, ctx: &Ctx, claims: &Claims, rp: &ResPath) -> Reply {
    let (ti, t) = match owner(sh, claims, &rp.sub) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let headers = match arm::take_read(sh, claims, Some(&rp.sub)) {
        Ok(h) => h,
        Err(r) => return r,
    };
    let _ = ctx;
    let mut reply = match lookup(sh, ti, t, &rp.id) {
        Some(v) => Reply::json(StatusCode::OK, &v),
        None => not_found(rp),
    };
    reply.headers.extend(headers);
    reply
}

/// The resource with this normalized id as GET would show it now.
pub fn lookup(sh: &Shared, ti: usize, t: &Tenant, id: &str) -> Option<Value> {
    {
        let st = sh.writes.lock();
        if let Some(c) = st.resources.get(id) {
            return (c.tenant == ti).then(|| c.render(Instant::now()));
        }
        if st.deleted.contains(id) {
            return None;
        }
    }
    base_item(t, id)
}

/// The export's item with this id (any ARM collection).
pub fn base_item(t: &Tenant, id: &str) -> Option<Value> {
    if !t.ids.contains(id) {
        return None;
    }
    // The typed collection has the full object; `arm/resources` (the
    // generic list) only its envelope, so it is the last resort.
    let find = |generic: bool| {
        t.collections
            .iter()
            .filter(|(name, _)| name.starts_with("arm/") && (*name == "arm/resources") == generic)
            .flat_map(|(_, c)| c.items.iter())
            .find(|i| i.id == id)
            .map(|i| i.value())
    };
    find(false)
        .or_else(|| resource_graph_item(t, id))
        .or_else(|| find(true))
}

/// A resource the export has only as a Resource Graph row (a generated pair
/// lists disks and VMs through Resource Graph, as a large tenant's collection
/// does), shaped as ARM's GET returns it: without the columns only Resource
/// Graph adds.
fn resource_graph_item(t: &Tenant, id: &str) -> Option<Value> {
    let mut v = t
        .collection("resource-graph/resources")?
        .items
        .iter()
        .find(|i| i.id == id)?
        .value();
    if let Some(o) = v.as_object_mut() {
        for k in ["tenantId", "subscriptionId", "resourceGroup"] {
            o.remove(k);
        }
        o.retain(|_, x| !x.is_null());
    }
    Some(v)
}

/// Whether a resource exists now (created and not deleted, or in the export).
pub fn exists(sh: &Shared, ti: usize, id: &str) -> bool {
    lookup(sh, ti, &sh.store.tenants[ti], id).is_some()
}

pub fn not_found(rp: &ResPath) -> Reply {
    let ty = rp
        .key
        .split_once('/')
        .map(|(ns, t)| format!("{}/{}", ns, t))
        .unwrap_or_else(|| rp.key.clone());
    let rg = rp.rg.clone().unwrap_or_default();
    error(
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
        &format!(
            "The Resource '{}/{}' under resource group '{rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
            display_type(&ty),
            rp.names.join("/")
        ),
    )
}

/// `microsoft.compute/snapshots` -> `Microsoft.Compute/snapshots`.
pub fn display_type(key: &str) -> String {
    let (ns, rest) = key.split_once('/').unwrap_or((key, ""));
    let ns = ns
        .split('.')
        .map(|p| {
            let mut c = p.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(".");
    if rest.is_empty() {
        ns
    } else {
        format!("{ns}/{rest}")
    }
}

/// The resource group of a write must exist (when the export lists groups).
pub fn check_group(sh: &Shared, ti: usize, rp: &ResPath) -> Result<(), Reply> {
    let t = &sh.store.tenants[ti];
    let Some(rg) = &rp.rg else { return Ok(()) };
    if t.collection("arm/resource-groups").is_none() {
        return Ok(());
    }
    let id = normalize_id(&format!("/subscriptions/{}/resourcegroups/{rg}", rp.sub));
    if t.ids.contains(&id) || sh.writes.lock().resources.contains_key(&id) {
        Ok(())
    } else {
        Err(error(
            StatusCode::NOT_FOUND,
            "ResourceGroupNotFound",
            &format!("Resource group '{rg}' could not be found."),
        ))
    }
}

/// Digest of a request body, order of object members ignored (serde_json
/// maps are sorted), so a re-sent identical body is recognised.
pub fn digest(body: &Value) -> String {
    hex::encode(Sha256::digest(body.to_string().as_bytes()))
}

/// The request body as JSON, or ARM's 400 for one that is not.
pub fn body_json(ctx: &Ctx) -> Result<Value, Reply> {
    serde_json::from_slice(ctx.body).map_err(|e| {
        error(
            StatusCode::BAD_REQUEST,
            "InvalidRequestContent",
            &format!("The request content was invalid and could not be deserialized: '{e}'."),
        )
    })
}

/// Overlay for an ARM list: the export's items to hide and the created
/// resources to add. `in_list` says whether a created resource belongs.
pub fn overlay(
    sh: &Shared,
    ti: usize,
    coll: &str,
    in_list: impl Fn(&Created) -> bool,
) -> Option<(std::collections::HashSet<String>, Vec<String>)> {
    let st = sh.writes.lock();
    if st.is_empty() {
        return None;
    }
    let now = Instant::now();
    let mut hide: std::collections::HashSet<String> = st.deleted.clone();
    let mut add: Vec<(&String, String)> = Vec::new();
    for (id, c) in &st.resources {
        hide.insert(id.clone());
        if c.tenant == ti && c.coll == Some(coll) && in_list(c) {
            add.push((id, c.render(now).to_string()));
        }
    }
    add.sort();
    Some((hide, add.into_iter().map(|(_, j)| j).collect()))
}

/// Whether writes created resources of this collection in the tenant.
pub fn has_created(sh: &Shared, ti: usize, coll: &str) -> bool {
    sh.writes
        .lock()
        .resources
        .values()
        .any(|c| c.tenant == ti && c.coll == Some(coll))
}

/// Stores a resource from a PUT, deciding creation / repeat / update.
/// Returns the reply's status (201 new, 200 otherwise), whether it was
/// created, and the resource as stored.
pub struct PutOutcome {
    pub status: StatusCode,
    pub created: bool,
    /// Same body as the existing resource: nothing changed.
    pub repeat: bool,
    pub op_id: Option<String>,
    pub body: Value,
    pub ready_at: Instant,
}

/// Saves `body` (the resource as GET will show it) for a PUT whose request
/// body digests to `request_digest`; long-running when `lro`.
#[allow(clippy::too_many_arguments)]
pub fn store_put(
    sh: &Shared,
    ti: usize,
    rp: &ResPath,
    coll: Option<&'static str>,
    body: Value,
    request_digest: String,
    lro: bool,
) -> PutOutcome {
    let now = Instant::now();
    let existed_in_base = base_item(&sh.store.tenants[ti], &rp.id).is_some();
    let mut st = sh.writes.lock();
    if let Some(c) = st.resources.get(&rp.id) {
        if c.request_digest == request_digest && c.tenant == ti {
            return PutOutcome {
                status: StatusCode::OK,
                created: false,
                repeat: true,
                op_id: c.op_id.clone(),
                body: c.render(now),
                ready_at: c.ready_at,
            };
        }
    }
    let was_there =
        st.resources.contains_key(&rp.id) || (existed_in_base && !st.deleted.contains(&rp.id));
    let duration = if lro { sh.writes.lro } else { Duration::ZERO };
    let op_id = lro.then(|| lro::start(&mut st, ti, duration, lro::OpKind::Async));
    let created = Created {
        tenant: ti,
        coll,
        sub: rp.sub.clone(),
        list: rp.list(),
        body,
        request_digest,
        ready_at: now + duration,
        pending_state: if was_there { "Updating" } else { "Creating" },
        op_id: op_id.clone(),
    };
    let shown = created.render(now);
    st.deleted.remove(&rp.id);
    st.resources.insert(rp.id.clone(), created);
    PutOutcome {
        status: if was_there {
            StatusCode::OK
        } else {
            StatusCode::CREATED
        },
        created: !was_there,
        repeat: false,
        op_id,
        body: shown,
        ready_at: now + duration,
    }
}

/// The reply to a PUT: the resource, and for a long-running one still in
/// flight the `Azure-AsyncOperation` and `Retry-After` headers.
pub fn put_reply(ctx: &Ctx, rp: &ResPath, out: PutOutcome) -> Reply {
    let mut r = Reply::json(out.status, &out.body);
    if let Some(op) = &out.op_id {
        let now = Instant::now();
        if out.ready_at > now {
            r = r
                .header("azure-asyncoperation", lro::url(ctx, &rp.sub, op))
                .header("retry-after", lro::retry_after(out.ready_at - now));
        }
    }
    r.written = Some(Written {
        created: out.created,
        resource_id: Some(rp.display_id()),
    });
    r
}

/// The display form of a name from the path (`location` in bodies and
/// such are echoed as given).
pub fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut cur = v;
    for p in path {
        cur = cur.get(*p)?;
    }
    cur.as_str()
}

/// RFC 3339 UTC now, as ARM writes `timeCreated`.
pub fn now_rfc3339() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.6f+00:00")
        .to_string()
}

/// Parses the `x-ms-authorization-auxiliary` header: up to three
/// `Bearer <token>` values separated by commas.
pub fn auxiliary_tokens(ctx: &Ctx) -> Option<Vec<String>> {
    let h = ctx
        .headers
        .get("x-ms-authorization-auxiliary")
        .and_then(|v| v.to_str().ok())?;
    Some(
        h.split(',')
            .filter_map(|p| super::tokens::bearer(Some(p)).map(str::to_string))
            .collect(),
    )
}

#[cfg(test)]
mod tests;
