//! The synthetic tenant pair: a raw export (`docs/raw-export.md`) of a source
//! and a target tenant, shaped like the real services' responses, carrying the
//! faults a real cross-tenant migration meets at realistic rates. It feeds the
//! offline parsers, the rule packs and the benchmark (`benches/bench.sh`).
//!
//! Size is set by `scale`: one unit is 1,000 source mailboxes (with their
//! target mail users, ~90% aligned and ~10% faulty), 500 source disks and 2,500
//! role assignments per tenant; everything else grows in proportion.
//!
//! Every object is derived from `(seed, side, stream, index)` alone: a ChaCha8
//! generator seeded with the seed, switched to the stream of its object kind
//! and seeked to the object's own offset. So a target mail user can be rebuilt
//! from its source mailbox's index on demand, no collection has to be held in
//! memory to write another, collections can be written in parallel, and the
//! same seed and scale always give byte-identical files.
//!
//! The collections the rule packs need beyond the inventory's core live in
//! submodules: `exchange` (statistics, permissions, requests, roles and the
//! per-mailbox cmdlets, saved for the first wave and held mailboxes only),
//! `powerplatform` (capacity, migration requests, per-environment and
//! Dataverse collections) and `directory` (Graph tenant settings, ARM
//! governance, token probes).

use crate::config::{
    Config, DiskConfig, ExchangeConfig, Identity, IdentityKind, Mode, PowerPlatformConfig,
    TenantConfig,
};
use crate::error::{Error, Location, Result};
use crate::raw::{Marker, Side, MARKER_FILE};
use chrono::{DateTime, Duration, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde_json::{json, Map, Value};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Source mailboxes per scale unit.
pub const MAILBOXES_PER_UNIT: usize = 1_000;
/// Source managed disks per scale unit.
pub const DISKS_PER_UNIT: usize = 500;
/// Role assignments per tenant per scale unit.
pub const ROLE_ASSIGNMENTS_PER_UNIT: usize = 2_500;
/// The `producer` written into the export's marker.
pub const PRODUCER: &str = "xtenant sim generate";
/// User files written at the export root and named by its `xtenant.toml`.
pub const USER_MAPPING_FILE: &str = "usermapping.csv";
pub const BATCH_FILE: &str = "batch-01.csv";
/// The source's mail-enabled security group named in MailboxMovePublishedScopes.
pub const SCOPE_GROUP: &str = "CrossTenantMoveScope";
/// The target resource group migrated disks land in (named in the config).
pub const LANDING_RESOURCE_GROUP: &str = "rg-xtenant-landing";

/// The instant the synthetic export was "taken" (2026-01-31T08:00:00Z). All
/// timestamps lie before it, and the marker carries it instead of the wall
/// clock, so two runs are byte-identical.
const AS_OF_EPOCH: i64 = 1_769_846_400;

const ARM_PAGE: usize = 1_000;
const ARG_PAGE: usize = 1_000;
const GRAPH_PAGE: usize = 999;
const GRAPH_MEMBERS_PAGE: usize = 100;
const EXO_PAGE: usize = 1_000;
const BATCH_MAX_ROWS: usize = 2_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenerateOptions {
    pub scale: u32,
    pub seed: u64,
    /// Counts set apart from the scale, for a benchmark that needs a given
    /// shape (issue 5: 100,000 resources over 200 subscriptions).
    pub sizes: SizeOverrides,
}

impl GenerateOptions {
    pub const fn new(scale: u32, seed: u64) -> GenerateOptions {
        GenerateOptions {
            scale,
            seed,
            sizes: SizeOverrides::NONE,
        }
    }
}

/// Counts that replace what the scale implies. Subscriptions, disks and
/// registries are the source's (the target keeps its proportions to them:
/// a quarter of the subscriptions, a tenth of the disks and registries);
/// environments are the source's; role assignments are per tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SizeOverrides {
    pub subscriptions: Option<u32>,
    pub disks: Option<u32>,
    pub registries: Option<u32>,
    pub environments: Option<u32>,
    pub role_assignments: Option<u32>,
}

impl SizeOverrides {
    pub const NONE: SizeOverrides = SizeOverrides {
        subscriptions: None,
        disks: None,
        registries: None,
        environments: None,
        role_assignments: None,
    };
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GenerateStats {
    /// Files written, marker, config and user files included.
    pub files: usize,
    pub bytes: u64,
    /// Objects generated, per kind and tenant (`"source mailboxes"`, ...).
    pub counts: Vec<(&'static str, usize)>,
}

impl GenerateStats {
    /// The count of one kind, 0 when absent.
    pub fn count(&self, kind: &str) -> usize {
        self.counts
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, n)| n)
            .sum()
    }
}

type Counts = Vec<(&'static str, usize)>;

/// A per-tenant kind name as a `&'static str` (counts are keyed by them).
macro_rules! kind {
    ($side:expr, $name:literal) => {
        match $side {
            Side::Source => concat!("source ", $name),
            Side::Target => concat!("target ", $name),
        }
    };
}

// After `kind!`: macro_rules are visible only below their definition.
mod directory;
mod exchange;
mod powerplatform;

/// Writes the synthetic pair into `out`, which must be absent or empty.
pub fn generate(out: &Path, opts: &GenerateOptions) -> Result<GenerateStats> {
    if opts.scale == 0 {
        return Err(Error::input(
            Location::default(),
            "--scale must be at least 1",
            "one unit is 1,000 mailboxes, 500 disks and 2,500 role assignments per tenant; pass --scale 1 or more",
        ));
    }
    check_out_dir(out)?;
    let world = World::new(opts);
    let sink = Sink::new(out);

    let mut marker = Marker::new(PRODUCER);
    marker.created = Some(fmt_z(world.as_of));
    sink.json(
        &out.join(MARKER_FILE),
        &serde_json::to_value(&marker).map_err(internal)?,
    )?;

    type Task<'a> = Box<dyn Fn() -> Result<Counts> + Send + Sync + 'a>;
    let mut tasks: Vec<Task> = vec![
        Box::new(|| world.write_config(&sink)),
        Box::new(|| world.write_user_files(&sink)),
    ];
    for side in Side::BOTH {
        let (w, s) = (&world, &sink);
        tasks.push(Box::new(move || w.graph_directory(s, side)));
        tasks.push(Box::new(move || w.graph_users(s, side)));
        tasks.push(Box::new(move || w.graph_groups(s, side)));
        tasks.push(Box::new(move || w.graph_apps(s, side)));
        tasks.push(Box::new(move || w.arm_containers(s, side)));
        tasks.push(Box::new(move || w.arg_disks(s, side)));
        tasks.push(Box::new(move || w.arm_compute(s, side)));
        tasks.push(Box::new(move || w.arm_registries(s, side)));
        tasks.push(Box::new(move || w.acr_data_plane(s, side)));
        tasks.push(Box::new(move || w.arm_galleries(s, side)));
        tasks.push(Box::new(move || w.arm_rbac(s, side)));
        tasks.push(Box::new(move || w.exo_recipients(s, side)));
        tasks.push(Box::new(move || w.exo_organization(s, side)));
        tasks.push(Box::new(move || w.pp_environments(s, side)));
        tasks.push(Box::new(move || w.exo_more(s, side)));
        tasks.push(Box::new(move || w.pp_workloads(s, side)));
        tasks.push(Box::new(move || w.graph_tenant_settings(s, side)));
        tasks.push(Box::new(move || w.arm_governance(s, side)));
        tasks.push(Box::new(move || w.auth_token_probes(s, side)));
    }
    let counts: Vec<Counts> = tasks.par_iter().map(|t| t()).collect::<Result<_>>()?;
    Ok(GenerateStats {
        files: sink.files.load(Ordering::Relaxed),
        bytes: sink.bytes.load(Ordering::Relaxed),
        counts: counts.into_iter().flatten().collect(),
    })
}

fn check_out_dir(out: &Path) -> Result<()> {
    if out.exists() {
        let mut entries = std::fs::read_dir(out).map_err(|e| write_error(out, e))?;
        if entries.next().is_some() {
            return Err(Error::input(
                Location::file(out),
                "the output directory is not empty",
                "pass a new directory (files of an older export would mix with the new one)",
            ));
        }
    }
    Ok(())
}

fn write_error(path: &Path, e: std::io::Error) -> Error {
    Error::input(
        Location::file(path),
        format!("cannot write: {e}"),
        "check that the output directory is writable and the disk has space",
    )
}

fn internal(e: impl std::fmt::Display) -> Error {
    Error::Runtime(format!("generator: {e}"))
}

// ---------------------------------------------------------------------------
// Output: files, collections and page chains
// ---------------------------------------------------------------------------

/// Where files go, with totals shared by the parallel writers.
struct Sink {
    root: PathBuf,
    files: AtomicUsize,
    bytes: AtomicU64,
}

impl Sink {
    fn new(root: &Path) -> Self {
        Sink {
            root: root.to_path_buf(),
            files: AtomicUsize::new(0),
            bytes: AtomicU64::new(0),
        }
    }

    fn json(&self, path: &Path, body: &Value) -> Result<()> {
        let bytes = serde_json::to_vec(body).map_err(internal)?;
        self.bytes(path, &bytes)
    }

    fn text(&self, path: &Path) -> Result<TextFile<'_>> {
        let file = File::create(path).map_err(|e| write_error(path, e))?;
        Ok(TextFile {
            sink: self,
            path: path.to_path_buf(),
            out: BufWriter::new(file),
            bytes: 0,
        })
    }

    fn bytes(&self, path: &Path, bytes: &[u8]) -> Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| write_error(dir, e))?;
        }
        std::fs::write(path, bytes).map_err(|e| write_error(path, e))?;
        self.files.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        Ok(())
    }
}

/// A text file written line by line, so big user files are never held whole.
struct TextFile<'s> {
    sink: &'s Sink,
    path: PathBuf,
    out: BufWriter<File>,
    bytes: u64,
}

impl TextFile<'_> {
    fn line(&mut self, text: &str) -> Result<()> {
        self.out
            .write_all(text.as_bytes())
            .and_then(|()| self.out.write_all(b"\n"))
            .map_err(|e| write_error(&self.path, e))?;
        self.bytes += text.len() as u64 + 1;
        Ok(())
    }

    fn finish(mut self) -> Result<()> {
        self.out.flush().map_err(|e| write_error(&self.path, e))?;
        self.sink.files.fetch_add(1, Ordering::Relaxed);
        self.sink.bytes.fetch_add(self.bytes, Ordering::Relaxed);
        Ok(())
    }
}

/// One collection directory (`source/arm/disks/`): its pages are numbered on
/// across all the request chains written into it.
struct Coll<'s> {
    sink: &'s Sink,
    dir: PathBuf,
    pages: usize,
    items: usize,
}

impl<'s> Coll<'s> {
    fn new(sink: &'s Sink, side: Side, collection: &str) -> Self {
        Coll {
            sink,
            dir: sink.root.join(side.as_str()).join(collection),
            pages: 0,
            items: 0,
        }
    }

    fn write(&mut self, body: &Value) -> Result<()> {
        self.pages += 1;
        let path = self.dir.join(format!("page-{:04}.json", self.pages));
        self.sink.json(&path, body)
    }

    /// A per-parent ARM collection with no parents was still collected: it
    /// gets one empty page, so "nothing there" differs from "not looked".
    fn ensure_page(&mut self) -> Result<()> {
        if self.pages == 0 {
            self.write(&json!({ "value": [] }))?;
        }
        Ok(())
    }

    fn chain(&mut self, style: Style, size: usize) -> Pager<'_, 's> {
        Pager {
            coll: self,
            style,
            size,
            buf: Vec::new(),
            pending: None,
            page: 0,
        }
    }

    /// Writes the items as one request chain (an empty one still gets a page).
    fn all(
        &mut self,
        style: Style,
        size: usize,
        items: impl IntoIterator<Item = Value>,
    ) -> Result<()> {
        let mut pager = self.chain(style, size);
        for item in items {
            pager.push(item)?;
        }
        pager.finish()
    }
}

/// One request chain: a page is written only once the next item shows whether
/// another page follows, so the next link is on every page but the last
/// without knowing the total, and at most two pages are held in memory.
struct Pager<'c, 's> {
    coll: &'c mut Coll<'s>,
    style: Style,
    size: usize,
    buf: Vec<Value>,
    pending: Option<Vec<Value>>,
    page: usize,
}

impl Pager<'_, '_> {
    fn push(&mut self, item: Value) -> Result<()> {
        self.buf.push(item);
        if self.buf.len() >= self.size {
            if let Some(full) = self.pending.take() {
                self.emit(full, true)?;
            }
            self.pending = Some(std::mem::take(&mut self.buf));
        }
        Ok(())
    }

    fn emit(&mut self, items: Vec<Value>, more: bool) -> Result<()> {
        self.page += 1;
        self.coll.items += items.len();
        let body = self.style.body(items, self.page, more);
        self.coll.write(&body)
    }

    fn finish(mut self) -> Result<()> {
        let rest = std::mem::take(&mut self.buf);
        match self.pending.take() {
            Some(full) if rest.is_empty() => self.emit(full, false),
            Some(full) => {
                self.emit(full, true)?;
                self.emit(rest, false)
            }
            None => self.emit(rest, false),
        }
    }
}

/// The envelope of a family's list responses and how it links to the next page.
enum Style {
    /// ARM and BAP: `{"value", "nextLink"}`; the string is the request URL.
    Arm(String),
    /// Microsoft Graph: `{"@odata.context", "value", "@odata.nextLink"}`.
    Graph { url: String, context: String },
    /// Exchange InvokeCommand; the string is the tenant id.
    Exo(String),
    /// Resource Graph object-array result; the number is the query's total.
    Arg(usize),
}

impl Style {
    fn graph(path_and_query: &str, context: &str) -> Style {
        Style::Graph {
            url: format!("https://graph.microsoft.com/v1.0/{path_and_query}"),
            context: format!("https://graph.microsoft.com/v1.0/$metadata#{context}"),
        }
    }

    fn arm(path_and_query: &str) -> Style {
        Style::Arm(format!("https://management.azure.com{path_and_query}"))
    }

    fn body(&self, items: Vec<Value>, page: usize, more: bool) -> Value {
        match self {
            Style::Arm(url) => {
                let mut body = json!({ "value": items });
                if more {
                    body["nextLink"] = json!(format!("{url}&$skiptoken={}", token(url, page)));
                }
                body
            }
            Style::Graph { url, context } => {
                let mut body = json!({ "@odata.context": context, "value": items });
                if more {
                    let sep = if url.contains('?') { '&' } else { '?' };
                    body["@odata.nextLink"] =
                        json!(format!("{url}{sep}$skiptoken={}", token(url, page)));
                }
                body
            }
            Style::Exo(tenant) => {
                let base = format!("https://outlook.office365.com/adminapi/beta/{tenant}");
                let mut body = json!({
                    "@odata.context": format!("{base}/$metadata#Collection(Exchange.GenericHashTable)"),
                    "value": items,
                });
                if more {
                    body["@odata.nextLink"] = json!(format!(
                        "{base}/InvokeCommand?%24skiptoken={}",
                        token(&base, page)
                    ));
                }
                body
            }
            Style::Arg(total) => {
                let count = items.len();
                // `resultTruncated` is a string on the wire, not a boolean.
                let mut body = json!({
                    "totalRecords": total,
                    "count": count,
                    "data": items,
                    "facets": [],
                    "resultTruncated": "false",
                });
                if more {
                    let state = format!(
                        "{{\"$id\":\"1\",\"MaxRows\":{ARG_PAGE},\"RowsToSkip\":{},\"KustoClusterUrl\":\"https://ade.loganalytics.io/subscriptions/arg\"}}",
                        page * ARG_PAGE
                    );
                    body["$skipToken"] = json!(base64(state.as_bytes(), false));
                }
                body
            }
        }
    }
}

/// An opaque, deterministic paging token for a request URL and page number.
fn token(url: &str, page: usize) -> String {
    let h1 = fnv1a(url.as_bytes(), page as u64);
    let h2 = fnv1a(url.as_bytes(), h1);
    let h3 = fnv1a(url.as_bytes(), h2);
    let mut bytes = Vec::with_capacity(24);
    for h in [h1, h2, h3] {
        bytes.extend_from_slice(&h.to_le_bytes());
    }
    base64(&bytes, true)
}

fn fnv1a(bytes: &[u8], salt: u64) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ salt;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn base64(bytes: &[u8], url_safe: bool) -> String {
    let alphabet: &[u8; 64] = if url_safe {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    } else {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    };
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(alphabet[((n >> shift) & 63) as usize] as char);
            } else if !url_safe {
                out.push('=');
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Randomness, names and formats
// ---------------------------------------------------------------------------

/// Streams: one per object kind, so each kind's objects are independent of
/// how many objects of other kinds exist.
mod stream {
    pub const TENANT: u64 = 1;
    pub const SPECIAL: u64 = 2;
    pub const SUB: u64 = 3;
    pub const PERSON: u64 = 4;
    pub const FAULT: u64 = 5;
    pub const USER_ID: u64 = 6;
    pub const GUEST: u64 = 7;
    pub const EXTRA: u64 = 8;
    pub const GROUP: u64 = 9;
    pub const APP: u64 = 10;
    pub const THIRD_PARTY: u64 = 11;
    pub const RG: u64 = 12;
    pub const DISK: u64 = 13;
    pub const ATTACH: u64 = 14;
    pub const VM: u64 = 15;
    pub const REGISTRY: u64 = 16;
    pub const REPO: u64 = 17;
    pub const GALLERY: u64 = 18;
    pub const IMAGE: u64 = 19;
    pub const ROLE_DEF: u64 = 20;
    pub const ROLE_ASSIGNMENT: u64 = 21;
    pub const LOCK: u64 = 22;
    pub const ENV: u64 = 23;
    pub const SNAPSHOT: u64 = 24;
    pub const DES: u64 = 25;
    pub const DENY: u64 = 26;
    pub const FILES: u64 = 27;
    pub const EXO_STATS: u64 = 28;
    pub const EXO_PERM: u64 = 29;
    pub const EXO_MOVE: u64 = 30;
    pub const EXO_PER_MAILBOX: u64 = 31;
    pub const PP_ITEMS: u64 = 32;
    pub const PP_DATAVERSE: u64 = 33;
    pub const DIR_EXTRA: u64 = 34;
}

/// Well-known single objects, by index in the SPECIAL stream.
mod special {
    pub const MIGRATION_APP_ID: usize = 1;
    pub const MIGRATION_APP_OBJECT: usize = 2;
    pub const MIGRATION_SP: usize = 3; // + side
    pub const GALLERY_APP_ID: usize = 5;
    pub const GALLERY_APP_OBJECT: usize = 6;
    pub const GALLERY_SP: usize = 7; // + side
    pub const EXO_SP: usize = 9; // + side
    pub const GRAPH_SP: usize = 11; // + side
    pub const MIGRATOR_HOME: usize = 13;
    pub const MIGRATOR_GUEST: usize = 14;
    pub const PP_ADMIN: usize = 15;
    pub const SCOPE_GROUP: usize = 16;
}

type R = ChaCha8Rng;

/// The generator of one object: the seed's ChaCha8 stream for the side and
/// kind, seeked to the object's own window of 2^24 words.
fn object_rng(seed: u64, side: Side, stream: u64, index: usize) -> R {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    r.set_stream(stream * 2 + side_index(side) as u64);
    r.set_word_pos((index as u128) << 24);
    r
}

fn side_index(side: Side) -> usize {
    match side {
        Side::Source => 0,
        Side::Target => 1,
    }
}

fn chance(r: &mut R, p: f64) -> bool {
    r.random_bool(p)
}

fn pick<'a, T>(r: &mut R, items: &'a [T]) -> &'a T {
    &items[r.random_range(0..items.len())]
}

/// Picks by integer weights.
fn weighted<'a, T>(r: &mut R, items: &'a [(T, u32)]) -> &'a T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut roll = r.random_range(0..total);
    for (item, w) in items {
        if roll < *w {
            return item;
        }
        roll -= w;
    }
    &items[items.len() - 1].0
}

fn guid(r: &mut R) -> String {
    let mut b: [u8; 16] = r.random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
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

fn hex_string(r: &mut R, chars: usize) -> String {
    let bytes: Vec<u8> = (0..chars.div_ceil(2)).map(|_| r.random()).collect();
    let mut h = hex::encode(bytes);
    h.truncate(chars);
    h
}

fn digest(r: &mut R) -> String {
    format!("sha256:{}", hex_string(r, 64))
}

/// A random instant between `min_days` and `max_days` before the export.
fn ago(r: &mut R, as_of: DateTime<Utc>, min_days: i64, max_days: i64) -> DateTime<Utc> {
    let secs = r.random_range(min_days * 86_400..max_days.max(min_days + 1) * 86_400);
    let nanos = r.random_range(0..1_000_000_000i64);
    as_of - Duration::seconds(secs) - Duration::nanoseconds(nanos)
}

/// Graph and Exchange: `2021-06-17T16:41:33Z`.
fn fmt_z(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Compute: `2016-12-28T04:41:35.079872+00:00`.
fn fmt_compute(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string()
}

/// ACR, RBAC and BAP: seven fraction digits, `2021-06-15T21:38:26.1537861Z`.
fn fmt_7(t: DateTime<Utc>) -> String {
    format!(
        "{}.{:07}Z",
        t.format("%Y-%m-%dT%H:%M:%S"),
        t.timestamp_subsec_nanos() / 100
    )
}

/// Regions as (canonical name, display name).
const REGIONS: [(&str, &str); 8] = [
    ("westeurope", "West Europe"),
    ("northeurope", "North Europe"),
    ("germanywestcentral", "Germany West Central"),
    ("swedencentral", "Sweden Central"),
    ("uksouth", "UK South"),
    ("eastus", "East US"),
    ("eastus2", "East US 2"),
    ("westus2", "West US 2"),
];

/// The providers the workloads need, registered in every generated
/// subscription and offered in every generated region.
fn providers_of(sub: &str) -> Vec<Value> {
    let locations: Vec<&str> = REGIONS.iter().map(|r| r.1).collect();
    [
        ("Microsoft.Compute", &["disks", "snapshots", "virtualMachines", "galleries"][..]),
        ("Microsoft.ContainerRegistry", &["registries"][..]),
        ("Microsoft.Network", &["networkInterfaces", "virtualNetworks"][..]),
    ]
    .into_iter()
    .map(|(ns, types)| {
        json!({
            "id": format!("/subscriptions/{sub}/providers/{ns}"),
            "namespace": ns,
            "registrationState": "Registered",
            "registrationPolicy": "RegistrationRequired",
            "resourceTypes": types.iter().map(|t| json!({ "resourceType": t, "locations": locations })).collect::<Vec<_>>(),
        })
    })
    .collect()
}

/// A region as ARM writes `location`: usually canonical, now and then the
/// display name, as some services and older resources do.
fn arm_location(r: &mut R, region: usize) -> &'static str {
    if chance(r, 0.08) {
        REGIONS[region].1
    } else {
        REGIONS[region].0
    }
}

const FIRST: [&str; 64] = [
    "anna", "ben", "clara", "david", "emma", "felix", "greta", "hannah", "ivan", "julia", "karl",
    "lena", "max", "nina", "oskar", "paula", "quinn", "rosa", "sam", "tara", "ugo", "vera", "wim",
    "xenia", "yusuf", "zoe", "amir", "bea", "carlos", "dana", "elif", "finn", "gina", "hugo",
    "ines", "jonas", "kira", "leon", "mia", "noah", "olga", "pia", "raj", "sofia", "timo", "una",
    "viktor", "wen", "yara", "zeno", "aiko", "bruno", "chloe", "dario", "eva", "fatima", "goran",
    "hana", "igor", "jana", "kemal", "luca", "mara", "nils",
];

const LAST: [&str; 64] = [
    "schmidt",
    "mueller",
    "garcia",
    "smith",
    "jones",
    "nguyen",
    "kowalski",
    "rossi",
    "dubois",
    "jansen",
    "silva",
    "novak",
    "kim",
    "patel",
    "ivanova",
    "larsen",
    "costa",
    "weber",
    "meyer",
    "wagner",
    "becker",
    "hoffmann",
    "koch",
    "richter",
    "klein",
    "wolf",
    "neumann",
    "schwarz",
    "zimmermann",
    "braun",
    "krueger",
    "hartmann",
    "lange",
    "werner",
    "lehmann",
    "schulz",
    "fischer",
    "bauer",
    "schneider",
    "keller",
    "berg",
    "lindqvist",
    "andersen",
    "moreau",
    "lambert",
    "fontaine",
    "ricci",
    "bianchi",
    "greco",
    "marino",
    "kovac",
    "horvat",
    "popescu",
    "nagy",
    "toth",
    "yilmaz",
    "demir",
    "sato",
    "tanaka",
    "chen",
    "wang",
    "li",
    "zhang",
    "singh",
];

const DEPARTMENTS: [&str; 12] = [
    "Finance",
    "Sales",
    "Marketing",
    "Engineering",
    "Support",
    "Legal",
    "HR",
    "Operations",
    "Procurement",
    "IT",
    "Research",
    "Facilities",
];

const WORKLOADS: [&str; 12] = [
    "app", "data", "web", "sap", "erp", "crm", "hr", "fin", "ops", "bi", "iot", "shared",
];

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A unique (first, last, suffix) for index `i`: the 4,096 name pairs are
/// walked in a scrambled order, then repeat with a number.
fn name_of(i: usize) -> (&'static str, &'static str, String) {
    const PAIRS: usize = FIRST.len() * LAST.len();
    let j = (i % PAIRS) * 2_654_435_761 % PAIRS;
    let round = i / PAIRS;
    let suffix = if round == 0 {
        String::new()
    } else {
        round.to_string()
    };
    (FIRST[j % FIRST.len()], LAST[j / FIRST.len()], suffix)
}

// ---------------------------------------------------------------------------
// The world: both tenants and the sizes of everything in them
// ---------------------------------------------------------------------------

struct Tenant {
    side: Side,
    id: String,
    /// `contoso`: the stem of domains and names.
    key: &'static str,
    org: &'static str,
    domain: String,
    initial: String,
    /// Index into REGIONS where most resources live.
    home: usize,
    subs: Vec<String>,
    /// Resource groups before the first disk's (the target's landing group).
    rg_offset: usize,
    rgs: usize,
    rg_list: Vec<Rg>,
    disks: usize,
    vms: usize,
    snapshots: usize,
    registries: usize,
    galleries: usize,
    groups: usize,
    apps: usize,
    third_party_sps: usize,
    guests: usize,
    /// Source: contractor mail users; target: the target's own mailboxes.
    extras: usize,
    envs: usize,
    custom_roles: usize,
    role_assignments: usize,
}

struct World {
    seed: u64,
    scale: usize,
    as_of: DateTime<Utc>,
    /// Source mailboxes (= persons; each may have a target mail user).
    persons: usize,
    src: Tenant,
    tgt: Tenant,
}

/// The sizes that differ between the two tenants.
struct Sizes {
    side: Side,
    subs: usize,
    disks: usize,
    registries: usize,
    galleries: usize,
    envs: Option<usize>,
    role_assignments: Option<usize>,
}

/// What is wrong with a person's target mail user (about 10% are faulty).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    GuidMismatch,
    MissingX500,
    MissingArchiveGuid,
    ForeignProxy,
    MissingTarget,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MailboxKind {
    User,
    Shared,
    Room,
    Equipment,
}

impl MailboxKind {
    fn details(self) -> &'static str {
        match self {
            MailboxKind::User => "UserMailbox",
            MailboxKind::Shared => "SharedMailbox",
            MailboxKind::Room => "RoomMailbox",
            MailboxKind::Equipment => "EquipmentMailbox",
        }
    }
}

/// A source mailbox owner and everything about their target twin.
struct Person {
    index: usize,
    kind: MailboxKind,
    alias: String,
    /// The alias as it appears in addresses: mixed case for some people.
    cased: String,
    display: String,
    fault: Fault,
    src_user: String,
    tgt_user: String,
    mailbox_object: String,
    exchange_guid: String,
    archive_guid: Option<String>,
    aux_archives: Vec<String>,
    auto_expanding: bool,
    disabled_archive: Option<String>,
    src_legacy_dn: String,
    tgt_legacy_dn: String,
    onprem_x500: Option<String>,
    litigation_hold: bool,
    delay_hold: bool,
    delay_release_hold: bool,
    compliance_tag_hold: bool,
    in_place_holds: Vec<String>,
    t2t_licence_src: bool,
    t2t_licence_tgt: bool,
    src_synced: bool,
    tgt_synced: bool,
    tgt_licensed: bool,
    in_scope: bool,
    hybrid: bool,
    sip: bool,
    created: DateTime<Utc>,
    tgt_created: DateTime<Utc>,
    database: String,
    wrong_mismatch_guid: String,
}

impl Person {
    fn has_target(&self) -> bool {
        self.fault != Fault::MissingTarget
    }
    fn src_upn(&self, w: &World) -> String {
        format!("{}@{}", self.alias, w.src.domain)
    }
    fn src_primary(&self, w: &World) -> String {
        format!("{}@{}", self.cased, w.src.domain)
    }
    fn tgt_upn(&self, w: &World) -> String {
        format!("{}@{}", self.alias, w.tgt.domain)
    }
    fn tgt_primary(&self, w: &World) -> String {
        format!("{}@{}", self.cased, w.tgt.domain)
    }
}

/// A resource group.
#[derive(Clone)]
struct Rg {
    name: String,
    sub: usize,
    region: usize,
    workload: &'static str,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum DiskRole {
    Os { vm: usize },
    Data { vm: usize, lun: i64 },
    Unattached,
}

impl World {
    fn new(opts: &GenerateOptions) -> World {
        let n = opts.scale as usize;
        let persons = MAILBOXES_PER_UNIT * n;
        let o = opts.sizes;
        let given = |v: Option<u32>| v.map(|v| v as usize);
        let src_disks = given(o.disks).unwrap_or(DISKS_PER_UNIT * n);
        // About 20 subscriptions per 100,000 disks.
        let src_subs = given(o.subscriptions)
            .unwrap_or_else(|| src_disks.div_ceil(5_000))
            .max(1);
        let src_registries = given(o.registries).unwrap_or_else(|| src_disks.div_ceil(400));
        let ras = given(o.role_assignments);
        let sizes = |side, subs, disks, registries, galleries| Sizes {
            side,
            subs,
            disks,
            registries,
            galleries,
            envs: if side == Side::Source {
                given(o.environments)
            } else {
                None
            },
            role_assignments: ras,
        };
        World {
            seed: opts.seed,
            scale: n,
            as_of: DateTime::from_timestamp(AS_OF_EPOCH, 0).unwrap_or_default(),
            persons,
            src: Tenant::new(
                opts.seed,
                n,
                ("contoso", "Contoso Ltd", 0),
                sizes(
                    Side::Source,
                    src_subs,
                    src_disks,
                    src_registries,
                    n.div_ceil(4),
                ),
            ),
            // The target: a smaller estate of its own, where the source's moves to.
            tgt: Tenant::new(
                opts.seed,
                n,
                ("fabrikam", "Fabrikam Inc", 1),
                sizes(
                    Side::Target,
                    src_subs.div_ceil(4),
                    src_disks / 10,
                    src_registries.div_ceil(10),
                    1,
                ),
            ),
        }
    }

    fn t(&self, side: Side) -> &Tenant {
        match side {
            Side::Source => &self.src,
            Side::Target => &self.tgt,
        }
    }

    fn other(&self, side: Side) -> &Tenant {
        match side {
            Side::Source => &self.tgt,
            Side::Target => &self.src,
        }
    }

    fn rng(&self, side: Side, stream: u64, index: usize) -> R {
        object_rng(self.seed, side, stream, index)
    }

    fn special(&self, which: usize) -> String {
        guid(&mut self.rng(Side::Source, stream::SPECIAL, which))
    }

    fn migration_app_id(&self) -> String {
        self.special(special::MIGRATION_APP_ID)
    }

    fn gallery_app_id(&self) -> String {
        self.special(special::GALLERY_APP_ID)
    }

    fn migrator_upn(&self) -> String {
        format!("migrator@{}", self.tgt.domain)
    }

    fn pp_admin_upn(&self) -> String {
        format!("ppadmin@{}", self.src.domain)
    }

    // -- people ------------------------------------------------------------

    fn fault(&self, i: usize) -> Fault {
        let roll = self
            .rng(Side::Source, stream::FAULT, i)
            .random_range(0..1000);
        match roll {
            0..=899 => Fault::None,
            900..=924 => Fault::GuidMismatch,
            925..=949 => Fault::MissingX500,
            950..=964 => Fault::MissingArchiveGuid,
            965..=984 => Fault::ForeignProxy,
            _ => Fault::MissingTarget,
        }
    }

    /// The directory object id of person `i` in a tenant.
    fn user_id(&self, side: Side, i: usize) -> String {
        guid(&mut self.rng(side, stream::USER_ID, i))
    }

    fn person(&self, i: usize) -> Person {
        let mut r = self.rng(Side::Source, stream::PERSON, i);
        let fault = self.fault(i);
        let kind = *weighted(
            &mut r,
            &[
                (MailboxKind::User, 92),
                (MailboxKind::Shared, 5),
                (MailboxKind::Room, 2),
                (MailboxKind::Equipment, 1),
            ],
        );
        let (first, last, suffix) = name_of(i);
        let (alias, display) = match kind {
            MailboxKind::User => (
                format!("{first}.{last}{suffix}"),
                format!("{} {}{}", capitalise(first), capitalise(last), suffix),
            ),
            MailboxKind::Shared => {
                let dept = pick(&mut r, &DEPARTMENTS);
                (
                    format!("{}.shared{i}", dept.to_lowercase()),
                    format!("{dept} Shared {i}"),
                )
            }
            MailboxKind::Room => (
                format!("room.b{}.{i}", i % 40),
                format!("Room B{}-{i}", i % 40),
            ),
            MailboxKind::Equipment => (format!("equipment.{i}"), format!("Equipment {i}")),
        };
        let cased = if chance(&mut r, 0.1) {
            alias
                .split('.')
                .map(capitalise)
                .collect::<Vec<_>>()
                .join(".")
        } else {
            alias.clone()
        };
        let exchange_guid = guid(&mut r);
        let has_archive = fault == Fault::MissingArchiveGuid
            || (kind == MailboxKind::User && chance(&mut r, 0.35));
        let archive_guid = has_archive.then(|| guid(&mut r));
        let aux_count = if !has_archive {
            0
        } else if chance(&mut r, 0.002) {
            r.random_range(13..=16)
        } else if chance(&mut r, 0.03) {
            r.random_range(1..=5)
        } else {
            0
        };
        let aux_archives = (0..aux_count).map(|_| guid(&mut r)).collect();
        let auto_expanding = aux_count > 0 || (has_archive && chance(&mut r, 0.02));
        let disabled_archive = (!has_archive && chance(&mut r, 0.005)).then(|| guid(&mut r));
        let short: String = alias.chars().take(12).collect();
        let src_legacy_dn = format!(
            "/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn={}-{short}",
            hex_string(&mut r, 32)
        );
        let tgt_legacy_dn = format!(
            "/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn={}-{short}",
            hex_string(&mut r, 32)
        );
        let onprem_x500 = chance(&mut r, 0.4).then(|| {
            format!(
                "X500:/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn={short}{}",
                hex_string(&mut r, 3)
            )
        });
        let mut in_place_holds = Vec::new();
        if chance(&mut r, 0.01) {
            in_place_holds.push(format!("mbx{}:1", hex_string(&mut r, 32)));
        }
        if chance(&mut r, 0.005) {
            in_place_holds.push(format!("UniH{}", guid(&mut r)));
        }
        if chance(&mut r, 0.003) {
            in_place_holds.push(hex_string(&mut r, 32));
        }
        if chance(&mut r, 0.01) {
            // Excluded from an org-wide policy: not a hold the move cares about.
            in_place_holds.push(format!("-mbx{}", hex_string(&mut r, 32)));
        }
        let t2t_licence_src = chance(&mut r, 0.92);
        let t2t_licence_tgt = !t2t_licence_src && chance(&mut r, 0.6);
        let created = ago(&mut r, self.as_of, 200, 3_650);
        let tgt_created = ago(&mut r, self.as_of, 5, 60);
        Person {
            index: i,
            kind,
            alias,
            cased,
            display,
            fault,
            src_user: self.user_id(Side::Source, i),
            tgt_user: self.user_id(Side::Target, i),
            mailbox_object: guid(&mut r),
            exchange_guid,
            archive_guid,
            aux_archives,
            auto_expanding,
            disabled_archive,
            src_legacy_dn,
            tgt_legacy_dn,
            onprem_x500,
            litigation_hold: chance(&mut r, 0.01),
            delay_hold: chance(&mut r, 0.005),
            delay_release_hold: chance(&mut r, 0.003),
            compliance_tag_hold: chance(&mut r, 0.005),
            in_place_holds,
            t2t_licence_src,
            t2t_licence_tgt,
            src_synced: chance(&mut r, 0.3),
            tgt_synced: chance(&mut r, 0.03),
            tgt_licensed: chance(&mut r, 0.02),
            in_scope: chance(&mut r, 0.985),
            hybrid: chance(&mut r, 0.3),
            sip: chance(&mut r, 0.5),
            created,
            tgt_created,
            database: format!(
                "EURP{}A{:03}.PROD.OUTLOOK.COM",
                r.random_range(190..=199),
                r.random_range(1..=999)
            ),
            wrong_mismatch_guid: guid(&mut r),
        }
    }

    // -- resources -----------------------------------------------------------

    /// Resource group `r_index` (precomputed: nearly every resource needs one).
    fn rg(&self, t: &Tenant, r_index: usize) -> Rg {
        t.rg_list[r_index].clone()
    }

    fn rg_id(&self, t: &Tenant, rg: &Rg) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{}",
            t.subs[rg.sub], rg.name
        )
    }

    /// Resource groups of one subscription.
    fn rgs_of(&self, t: &Tenant, sub: usize) -> impl Iterator<Item = usize> {
        (sub..t.rgs).step_by(t.subs.len())
    }

    fn disk_rg(&self, t: &Tenant, d: usize) -> usize {
        t.rg_offset + d / 25
    }

    fn vm_os_disk(v: usize) -> usize {
        5 * (v / 2) + v % 2
    }

    /// Disks come in fives: two OS disks, a data disk of the first VM, a data
    /// disk of the second VM (when attached) and an unattached disk.
    fn disk_role(&self, t: &Tenant, d: usize) -> DiskRole {
        let group = d / 5;
        match d % 5 {
            0 => DiskRole::Os { vm: 2 * group },
            1 => DiskRole::Os { vm: 2 * group + 1 },
            2 => DiskRole::Data {
                vm: 2 * group,
                lun: 0,
            },
            3 if self.rng(t.side, stream::ATTACH, d).random_bool(0.5) => DiskRole::Data {
                vm: 2 * group + 1,
                lun: 0,
            },
            _ => DiskRole::Unattached,
        }
    }

    fn vm_data_disks(&self, t: &Tenant, v: usize) -> Vec<usize> {
        let d = 5 * (v / 2) + 2 + v % 2;
        if d < t.disks && matches!(self.disk_role(t, d), DiskRole::Data { .. }) {
            vec![d]
        } else {
            Vec::new()
        }
    }
}

fn make_rg(seed: u64, t: &Tenant, r_index: usize) -> Rg {
    let sub = r_index % t.subs.len();
    if r_index < t.rg_offset {
        return Rg {
            name: LANDING_RESOURCE_GROUP.to_string(),
            sub,
            region: t.home,
            workload: "landing",
        };
    }
    let mut r = object_rng(seed, t.side, stream::RG, r_index);
    let workload = *pick(&mut r, &WORKLOADS);
    let env = *weighted(&mut r, &[("prod", 5), ("test", 2), ("dev", 2), ("qa", 1)]);
    // Most of an estate sits in its home region (where disks are copied to,
    // DISK-001); the rest is spread, so the region blocker stays planted.
    let region = if chance(&mut r, 0.85) {
        t.home
    } else {
        r.random_range(0..REGIONS.len())
    };
    let name = if chance(&mut r, 0.15) {
        format!(
            "RG-{}-{}-{r_index:04}",
            capitalise(workload),
            capitalise(env)
        )
    } else {
        format!("rg-{workload}-{env}-{r_index:04}")
    };
    Rg {
        name,
        sub,
        region,
        workload,
    }
}

impl Tenant {
    fn new(
        seed: u64,
        n: usize,
        (key, org, home): (&'static str, &'static str, usize),
        sizes: Sizes,
    ) -> Tenant {
        let Sizes {
            side,
            subs,
            disks,
            registries,
            galleries,
            envs,
            role_assignments,
        } = sizes;
        let source = side == Side::Source;
        let persons = MAILBOXES_PER_UNIT * n;
        let rg_offset = usize::from(!source);
        let mut t = Tenant {
            side,
            id: guid(&mut object_rng(seed, side, stream::TENANT, 0)),
            key,
            org,
            domain: format!("{key}.com"),
            initial: format!("{key}.onmicrosoft.com"),
            home,
            subs: (0..subs)
                .map(|s| guid(&mut object_rng(seed, side, stream::SUB, s)))
                .collect(),
            rg_offset,
            rgs: rg_offset + disks.div_ceil(25),
            rg_list: Vec::new(),
            disks,
            vms: 2 * (disks / 5) + (disks % 5).min(2),
            snapshots: if source { 2 * n } else { 0 },
            registries,
            galleries,
            groups: 20 * n,
            apps: if source { 5 * n } else { 3 * n },
            third_party_sps: n,
            guests: persons / 20,
            extras: if source {
                persons / 100
            } else {
                (persons / 50).max(5)
            },
            // `envs` + 1 are written (the default environment too).
            envs: envs.map_or(if source { (3 * n).min(300) } else { n.min(50) }, |e| {
                e.saturating_sub(1)
            }),
            custom_roles: CUSTOM_ROLES.len() + n / 10,
            role_assignments: role_assignments.unwrap_or(ROLE_ASSIGNMENTS_PER_UNIT * n),
        };
        t.rg_list = (0..t.rgs).map(|r| make_rg(seed, &t, r)).collect();
        t
    }

    fn sub_id(&self, s: usize) -> String {
        format!("/subscriptions/{}", self.subs[s])
    }
}

// ---------------------------------------------------------------------------
// Microsoft Graph
// ---------------------------------------------------------------------------

/// Microsoft's own tenant, owner of first-party service principals.
const MICROSOFT_SERVICES_TENANT: &str = "f8cdef31-a31e-4b4a-93e4-5f571e91255a";
const EXO_APP_ID: &str = "00000002-0000-0ff1-ce00-000000000000";
const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
/// The Exchange `Mailbox.Migration` app role. A synthetic id: rules map role
/// ids to names through the published appRoles, which carry this same id.
const MAILBOX_MIGRATION_ROLE: &str = "c7a4ad0c-6b6e-4c4f-9b0b-3f5d8f0e6a21";
const EXO_APP_ROLES: [(&str, &str, &str); 3] = [
    (
        MAILBOX_MIGRATION_ROLE,
        "Mailbox.Migration",
        "Move mailboxes between organizations",
    ),
    (
        "dc50a0fb-09a3-484d-be87-e023b12c6440",
        "Exchange.ManageAsApp",
        "Manage Exchange As Application",
    ),
    (
        "dc890d15-9560-4a4c-9b7f-a736ec74ec40",
        "full_access_as_app",
        "Use Exchange Web Services with full access to all mailboxes",
    ),
];
const GRAPH_APP_ROLES: [(&str, &str, &str); 5] = [
    (
        "df021288-bdef-4463-88db-98f22de89214",
        "User.Read.All",
        "Read all users' full profiles",
    ),
    (
        "7ab1d382-f21e-4acd-a863-ba3e13f7da61",
        "Directory.Read.All",
        "Read directory data",
    ),
    (
        "5b567255-7703-4780-807c-7be8301ae99b",
        "Group.Read.All",
        "Read all groups",
    ),
    (
        "810c84a8-4a9e-49e6-bf7d-12d183f40d01",
        "Mail.Read",
        "Read mail in all mailboxes",
    ),
    (
        "09850681-111b-4a89-9bed-3f2cae46d706",
        "User.Invite.All",
        "Invite guest users to the organization",
    ),
];
const GRAPH_USER_READ_SCOPE: &str = "e1fe6dd8-ba31-4d61-89e7-88639da4683d";

/// Licence SKUs: Microsoft 365 E3, E5, Exchange Online Plan 1, Power BI Pro,
/// and the Cross-tenant user data migration add-on.
const SKU_E3: &str = "05e9a617-0261-4cee-bb44-138d3ef5d965";
const SKU_E5: &str = "06ebc4ee-1bb5-47dd-8120-11324bc54e06";
const SKU_EXO_P1: &str = "4b9405b0-7788-4568-add1-99614e613b69";
const SKU_PBI_PRO: &str = "f8a1db68-be16-40ed-86d5-cb42ce701560";
const SKU_T2T: &str = "946ce899-873d-44bb-9d8b-671870cbfdbf";

const GUEST_DOMAINS: [&str; 5] = [
    "partner.com",
    "vendor.io",
    "consultco.net",
    "outlook.com",
    "gmail.com",
];

/// An application registration and its service principal in its home tenant.
struct App {
    object: String,
    app_id: String,
    sp: String,
    name: String,
    audience: &'static str,
    redirect_uris: Vec<String>,
    graph_roles: Vec<usize>,
    exo_manage: bool,
    secrets: Vec<(String, String, DateTime<Utc>, DateTime<Utc>)>,
    certificate: Option<(String, DateTime<Utc>, DateTime<Utc>)>,
    created: DateTime<Utc>,
}

fn license(sku: &str) -> Value {
    json!({ "disabledPlans": [], "skuId": sku })
}

fn member_identities(issuer: &str, upn: &str) -> Value {
    json!([{ "signInType": "userPrincipalName", "issuer": issuer, "issuerAssignedId": upn }])
}

impl World {
    fn graph_directory(&self, sink: &Sink, side: Side) -> Result<Counts> {
        let t = self.t(side);
        let mut r = self.rng(side, stream::TENANT, 1);
        let domain = |name: &str, default: bool, initial: bool| {
            json!({
                "capabilities": "Email, OfficeCommunicationsOnline",
                "isDefault": default,
                "isInitial": initial,
                "name": name,
                "type": "Managed",
            })
        };
        let org = json!({
            "id": t.id,
            "deletedDateTime": null,
            "businessPhones": ["+1 425 555 0100"],
            "city": if side == Side::Source { "Munich" } else { "Seattle" },
            "countryLetterCode": if side == Side::Source { "DE" } else { "US" },
            "createdDateTime": fmt_z(ago(&mut r, self.as_of, 2_000, 4_000)),
            "displayName": t.org,
            "onPremisesSyncEnabled": if side == Side::Source { json!(true) } else { Value::Null },
            "tenantType": "AAD",
            "verifiedDomains": [
                domain(&t.domain, true, false),
                domain(&t.initial, false, true),
                domain(&format!("{}.mail.onmicrosoft.com", t.key), false, false),
            ],
        });
        let mut coll = Coll::new(sink, side, "graph/organization");
        coll.all(
            Style::graph("organization", "organization"),
            GRAPH_PAGE,
            [org],
        )?;
        Ok(vec![(kind!(side, "organizations"), coll.items)])
    }

    fn graph_users(&self, sink: &Sink, side: Side) -> Result<Counts> {
        let t = self.t(side);
        let style = Style::graph(
            "users?$select=id,userPrincipalName,displayName,mail,userType,externalUserState,accountEnabled,assignedLicenses,createdDateTime,identities,otherMails,onPremisesSyncEnabled&$top=999",
            "users(id,userPrincipalName,displayName,mail,userType,externalUserState,accountEnabled,assignedLicenses,createdDateTime,identities,otherMails,onPremisesSyncEnabled)",
        );
        let mut coll = Coll::new(sink, side, "graph/users");
        let mut pager = coll.chain(style, GRAPH_PAGE);
        for k in 0..t.extras {
            pager.push(self.extra_user(side, k))?;
        }
        for i in 0..self.persons {
            let p = self.person(i);
            match side {
                Side::Source => pager.push(self.src_person_user(&p))?,
                Side::Target if p.has_target() => pager.push(self.tgt_person_user(&p))?,
                Side::Target => {}
            }
        }
        for k in 0..t.guests {
            pager.push(self.guest_user(side, k))?;
        }
        for u in self.special_users(side) {
            pager.push(u)?;
        }
        pager.finish()?;
        Ok(vec![(kind!(side, "users"), coll.items)])
    }

    fn src_person_user(&self, p: &Person) -> Value {
        let upn = p.src_upn(self);
        let licences: Vec<Value> = if p.kind == MailboxKind::User {
            let mut l = vec![license(if p.index % 5 == 0 { SKU_E5 } else { SKU_E3 })];
            if p.t2t_licence_src {
                l.push(license(SKU_T2T));
            }
            if p.index % 7 == 0 {
                l.push(license(SKU_PBI_PRO));
            }
            l
        } else {
            Vec::new()
        };
        json!({
            "id": p.src_user,
            "userPrincipalName": upn,
            "displayName": p.display,
            "mail": p.src_primary(self),
            "userType": "Member",
            "externalUserState": null,
            "accountEnabled": p.kind == MailboxKind::User,
            "assignedLicenses": licences,
            "createdDateTime": fmt_z(p.created),
            "identities": member_identities(&self.src.initial, &upn),
            "otherMails": [],
            "onPremisesSyncEnabled": if p.src_synced { json!(true) } else { Value::Null },
        })
    }

    fn tgt_person_user(&self, p: &Person) -> Value {
        let upn = p.tgt_upn(self);
        // Licensing a target user before the move provisions a mailbox
        // (EXO-028): only a few are, by mistake.
        // Everyone is mapped for Power Platform, whose destination users need
        // a licence (PP-014) that is not an Exchange one: Power BI Pro stands
        // in; about 3% were forgotten.
        let licences: Vec<Value> = if p.tgt_licensed {
            vec![license(SKU_E3)]
        } else if p.t2t_licence_tgt {
            vec![license(SKU_T2T), license(SKU_PBI_PRO)]
        } else if p.index % 33 != 0 {
            vec![license(SKU_PBI_PRO)]
        } else {
            Vec::new()
        };
        json!({
            "id": p.tgt_user,
            "userPrincipalName": upn,
            "displayName": p.display,
            "mail": p.tgt_primary(self),
            "userType": "Member",
            "externalUserState": null,
            "accountEnabled": true,
            "assignedLicenses": licences,
            "createdDateTime": fmt_z(p.tgt_created),
            "identities": member_identities(&self.tgt.initial, &upn),
            "otherMails": [],
            "onPremisesSyncEnabled": if p.tgt_synced { json!(true) } else { Value::Null },
        })
    }

    /// Source: contractors with mail users; target: the target's own staff.
    fn extra(&self, side: Side, k: usize) -> (String, String, String, R) {
        let mut r = self.rng(side, stream::EXTRA, k);
        let (first, last, suffix) = name_of(k * 3 + 1 + side_index(side) * 7);
        let alias = match side {
            Side::Source => format!("ext.{first}.{last}{suffix}"),
            Side::Target => format!("{first}_{last}{suffix}"),
        };
        let display = format!("{} {}{}", capitalise(first), capitalise(last), suffix);
        let id = guid(&mut r);
        (id, alias, display, r)
    }

    fn extra_user(&self, side: Side, k: usize) -> Value {
        let t = self.t(side);
        let (id, alias, display, mut r) = self.extra(side, k);
        let upn = format!("{alias}@{}", t.domain);
        let licences = match side {
            Side::Source => Vec::new(),
            Side::Target => vec![license(if k % 4 == 0 { SKU_E5 } else { SKU_EXO_P1 })],
        };
        json!({
            "id": id,
            "userPrincipalName": upn,
            "displayName": display,
            "mail": format!("{alias}@{}", t.domain),
            "userType": "Member",
            "externalUserState": null,
            "accountEnabled": true,
            "assignedLicenses": licences,
            "createdDateTime": fmt_z(ago(&mut r, self.as_of, 30, 2_000)),
            "identities": member_identities(&t.initial, &upn),
            "otherMails": [],
            "onPremisesSyncEnabled": null,
        })
    }

    fn guest_user(&self, side: Side, k: usize) -> Value {
        let t = self.t(side);
        let mut r = self.rng(side, stream::GUEST, k);
        let id = guid(&mut r);
        let (first, last, suffix) = name_of(k * 5 + 2 + side_index(side) * 11);
        let home_domain = if chance(&mut r, 0.2) {
            self.other(side).domain.clone()
        } else {
            pick(&mut r, &GUEST_DOMAINS).to_string()
        };
        let local = format!("{first}.{last}{suffix}");
        let address = format!("{local}@{home_domain}");
        let pending = chance(&mut r, 0.2);
        // The docs' own examples carry sloppy addresses; never assume clean ones.
        let mail = if chance(&mut r, 0.002) {
            format!("'{address}")
        } else {
            address.clone()
        };
        json!({
            "id": id,
            "userPrincipalName": format!("{local}_{home_domain}#EXT#@{}", t.initial),
            "displayName": format!("{} {}{} ({})", capitalise(first), capitalise(last), suffix, home_domain),
            "mail": mail,
            "userType": "Guest",
            "externalUserState": if pending { "PendingAcceptance" } else { "Accepted" },
            "accountEnabled": !chance(&mut r, 0.03),
            "assignedLicenses": [],
            "createdDateTime": fmt_z(ago(&mut r, self.as_of, 1, 1_500)),
            "identities": [{ "signInType": "federated", "issuer": "ExternalAzureAD", "issuerAssignedId": null }],
            "otherMails": [address],
            "onPremisesSyncEnabled": null,
        })
    }

    /// The migration identity (at home in the target, guest in the source:
    /// pull mode) and the Power Platform admin (source member).
    fn special_users(&self, side: Side) -> Vec<Value> {
        let created = fmt_z(self.as_of - Duration::days(21));
        match side {
            Side::Source => vec![
                json!({
                    "id": self.special(special::MIGRATOR_GUEST),
                    "userPrincipalName": format!("migrator_{}#EXT#@{}", self.tgt.domain, self.src.initial),
                    "displayName": "Tenant Migration (Fabrikam)",
                    "mail": self.migrator_upn(),
                    "userType": "Guest",
                    "externalUserState": "Accepted",
                    "accountEnabled": true,
                    "assignedLicenses": [],
                    "createdDateTime": created,
                    "identities": [{ "signInType": "federated", "issuer": "ExternalAzureAD", "issuerAssignedId": null }],
                    "otherMails": [self.migrator_upn()],
                    "onPremisesSyncEnabled": null,
                }),
                json!({
                    "id": self.special(special::PP_ADMIN),
                    "userPrincipalName": self.pp_admin_upn(),
                    "displayName": "Power Platform Admin",
                    "mail": self.pp_admin_upn(),
                    "userType": "Member",
                    "externalUserState": null,
                    "accountEnabled": true,
                    "assignedLicenses": [license(SKU_E5)],
                    "createdDateTime": created,
                    "identities": member_identities(&self.src.initial, &self.pp_admin_upn()),
                    "otherMails": [],
                    "onPremisesSyncEnabled": null,
                }),
            ],
            Side::Target => vec![json!({
                "id": self.special(special::MIGRATOR_HOME),
                "userPrincipalName": self.migrator_upn(),
                "displayName": "Tenant Migration",
                "mail": self.migrator_upn(),
                "userType": "Member",
                "externalUserState": null,
                "accountEnabled": true,
                "assignedLicenses": [license(SKU_E3)],
                "createdDateTime": created,
                "identities": member_identities(&self.tgt.initial, &self.migrator_upn()),
                "otherMails": [],
                "onPremisesSyncEnabled": null,
            })],
        }
    }

    fn group_id(&self, side: Side, g: usize) -> String {
        guid(&mut self.rng(side, stream::GROUP, g))
    }

    /// A user who exists in the tenant, for memberships and role assignments.
    fn some_user(&self, side: Side, r: &mut R) -> String {
        let i = r.random_range(0..self.persons);
        if side == Side::Source || self.fault(i) != Fault::MissingTarget {
            self.user_id(side, i)
        } else {
            self.extra(side, i % self.t(side).extras).0
        }
    }

    fn graph_groups(&self, sink: &Sink, side: Side) -> Result<Counts> {
        let t = self.t(side);
        let mut groups = Coll::new(sink, side, "graph/groups");
        let mut pager = groups.chain(
            Style::graph(
                "groups?$select=id,displayName,mail,securityEnabled,mailEnabled",
                "groups(id,displayName,mail,securityEnabled,mailEnabled)",
            ),
            GRAPH_PAGE,
        );
        let mut members_total = 0;
        for g in 0..t.groups {
            let mut r = self.rng(side, stream::GROUP, g);
            let id = guid(&mut r);
            let dept = *pick(&mut r, &DEPARTMENTS);
            let kind = *weighted(
                &mut r,
                &[
                    ("security", 50),
                    ("m365", 35),
                    ("distribution", 10),
                    ("mailsec", 5),
                ],
            );
            let (name, mail_enabled, security_enabled) = match kind {
                "security" => (format!("SG-{dept}-Readers-{g}"), false, true),
                "m365" => (format!("{dept} Team {g}"), true, false),
                "distribution" => (format!("DL {dept} {g}"), true, false),
                _ => (format!("MESG {dept} {g}"), true, true),
            };
            let mail = mail_enabled.then(|| format!("{}{g}@{}", dept.to_lowercase(), t.domain));
            pager.push(json!({
                "id": id,
                "displayName": name,
                "mail": mail,
                "securityEnabled": security_enabled,
                "mailEnabled": mail_enabled,
            }))?;
            members_total += self.group_members(sink, side, &id, &mut r)?;
        }
        if side == Side::Source {
            pager.push(json!({
                "id": self.special(special::SCOPE_GROUP),
                "displayName": SCOPE_GROUP,
                "mail": format!("{}@{}", SCOPE_GROUP.to_lowercase(), t.domain),
                "securityEnabled": true,
                "mailEnabled": true,
            }))?;
        }
        pager.finish()?;
        Ok(vec![
            (kind!(side, "groups"), groups.items),
            (kind!(side, "group members"), members_total),
        ])
    }

    fn group_members(&self, sink: &Sink, side: Side, group: &str, r: &mut R) -> Result<usize> {
        let t = self.t(side);
        let count = match r.random_range(0..100) {
            0..=4 => 0,
            5..=44 => r.random_range(1..10),
            45..=89 => r.random_range(10..60),
            _ => r.random_range(60..250),
        };
        let mut coll = Coll::new(sink, side, &format!("graph/group-members/{group}"));
        let style = Style::graph(
            &format!("groups/{group}/members?$select=id"),
            "directoryObjects(id)",
        );
        let members = (0..count).map(|_| match r.random_range(0..100) {
            0..=89 => {
                json!({ "@odata.type": "#microsoft.graph.user", "id": self.some_user(side, r) })
            }
            90..=94 => json!({
                "@odata.type": "#microsoft.graph.group",
                "id": self.group_id(side, r.random_range(0..t.groups)),
            }),
            _ => json!({
                "@odata.type": "#microsoft.graph.servicePrincipal",
                "id": self.app_sp(side, r.random_range(0..t.apps.max(1))),
            }),
        });
        let members: Vec<Value> = members.collect();
        coll.all(style, GRAPH_MEMBERS_PAGE, members)?;
        Ok(coll.items)
    }

    /// The service principal id of app `k` without building the whole app
    /// (its third draw, as in [`World::app`]).
    fn app_sp(&self, side: Side, k: usize) -> String {
        let mut r = self.rng(side, stream::APP, k);
        guid(&mut r);
        guid(&mut r);
        guid(&mut r)
    }

    fn app(&self, side: Side, k: usize) -> App {
        let t = self.t(side);
        let mut r = self.rng(side, stream::APP, k);
        let (object, app_id, sp) = (guid(&mut r), guid(&mut r), guid(&mut r));
        let dept = *pick(&mut r, &DEPARTMENTS);
        let what = *pick(
            &mut r,
            &[
                "Portal",
                "Sync",
                "Reporting",
                "Automation",
                "API",
                "Connector",
            ],
        );
        let audience = *weighted(
            &mut r,
            &[
                ("AzureADMyOrg", 80),
                ("AzureADMultipleOrgs", 15),
                ("AzureADandPersonalMicrosoftAccount", 5),
            ],
        );
        let slug = format!("{}-{}", dept.to_lowercase(), what.to_lowercase());
        let redirect_uris = (0..r.random_range(0..3))
            .map(|u| {
                if u == 1 {
                    "http://localhost:5000/signin-oidc".to_string()
                } else {
                    format!("https://{slug}{k}.{}/signin-oidc", t.domain)
                }
            })
            .collect();
        let graph_roles = if chance(&mut r, 0.3) {
            let first = r.random_range(0..GRAPH_APP_ROLES.len() - 1);
            (first..=first + usize::from(chance(&mut r, 0.4))).collect()
        } else {
            Vec::new()
        };
        let exo_manage = chance(&mut r, 0.05);
        let created = ago(&mut r, self.as_of, 30, 2_500);
        let secrets = (0..r.random_range(0..3))
            .map(|_| {
                let start = ago(&mut r, self.as_of, 10, 900);
                // Some expired, some expiring during a migration window.
                let end = start + Duration::days(*pick(&mut r, &[90, 180, 365, 730]));
                (guid(&mut r), hex_string(&mut r, 3), start, end)
            })
            .collect();
        let certificate = chance(&mut r, 0.2).then(|| {
            let start = ago(&mut r, self.as_of, 10, 700);
            (guid(&mut r), start, start + Duration::days(365))
        });
        App {
            object,
            app_id,
            sp,
            name: format!("{} {dept} {what} {k}", capitalise(t.key)),
            audience,
            redirect_uris,
            graph_roles,
            exo_manage,
            secrets,
            certificate,
            created,
        }
    }

    fn application_json(&self, a: &App) -> Value {
        let mut required = vec![json!({
            "resourceAppId": GRAPH_APP_ID,
            "resourceAccess": std::iter::once(json!({ "id": GRAPH_USER_READ_SCOPE, "type": "Scope" }))
                .chain(a.graph_roles.iter().map(|i| json!({ "id": GRAPH_APP_ROLES[*i].0, "type": "Role" })))
                .collect::<Vec<_>>(),
        })];
        if a.exo_manage {
            required.push(json!({
                "resourceAppId": EXO_APP_ID,
                "resourceAccess": [{ "id": EXO_APP_ROLES[1].0, "type": "Role" }],
            }));
        }
        json!({
            "id": a.object,
            "appId": a.app_id,
            "displayName": a.name,
            "signInAudience": a.audience,
            "createdDateTime": fmt_z(a.created),
            "web": {
                "homePageUrl": null,
                "logoutUrl": null,
                "redirectUris": a.redirect_uris,
                "implicitGrantSettings": { "enableAccessTokenIssuance": false, "enableIdTokenIssuance": false },
            },
            "requiredResourceAccess": required,
            "passwordCredentials": a.secrets.iter().map(|(id, hint, start, end)| json!({
                "customKeyIdentifier": null,
                "displayName": "client secret",
                "endDateTime": fmt_z(*end),
                "hint": hint,
                "keyId": id,
                "secretText": null,
                "startDateTime": fmt_z(*start),
            })).collect::<Vec<_>>(),
            "keyCredentials": a.certificate.iter().map(|(id, start, end)| json!({
                "customKeyIdentifier": null,
                "displayName": format!("CN={}", a.name.to_lowercase().replace(' ', "-")),
                "endDateTime": fmt_z(*end),
                "key": null,
                "keyId": id,
                "startDateTime": fmt_z(*start),
                "type": "AsymmetricX509Cert",
                "usage": "Verify",
            })).collect::<Vec<_>>(),
        })
    }

    /// The multi-tenant apps the workloads use: the mailbox migration app
    /// (registered in the target) and the gallery sharing app (in the source).
    fn home_special_app(&self, side: Side) -> Value {
        let secret_start = self.as_of - Duration::days(40);
        let (object, app_id, name, uris, required, secret_days) = match side {
            Side::Target => (
                self.special(special::MIGRATION_APP_OBJECT),
                self.migration_app_id(),
                "Cross-Tenant Mailbox Migration",
                vec!["https://office.com"],
                json!([
                    { "resourceAppId": EXO_APP_ID, "resourceAccess": [{ "id": MAILBOX_MIGRATION_ROLE, "type": "Role" }] },
                    { "resourceAppId": GRAPH_APP_ID, "resourceAccess": [{ "id": GRAPH_USER_READ_SCOPE, "type": "Scope" }] },
                ]),
                // Expires a few weeks after the export: inside a migration window.
                70,
            ),
            Side::Source => (
                self.special(special::GALLERY_APP_OBJECT),
                self.gallery_app_id(),
                "Gallery Image Sharing",
                vec!["https://www.microsoft.com"],
                json!([
                    { "resourceAppId": GRAPH_APP_ID, "resourceAccess": [{ "id": GRAPH_USER_READ_SCOPE, "type": "Scope" }] },
                ]),
                365,
            ),
        };
        json!({
            "id": object,
            "appId": app_id,
            "displayName": name,
            "signInAudience": "AzureADMultipleOrgs",
            "createdDateTime": fmt_z(secret_start),
            "web": {
                "homePageUrl": null,
                "logoutUrl": null,
                "redirectUris": uris,
                "implicitGrantSettings": { "enableAccessTokenIssuance": false, "enableIdTokenIssuance": false },
            },
            "requiredResourceAccess": required,
            "passwordCredentials": [{
                "customKeyIdentifier": null,
                "displayName": "migration",
                "endDateTime": fmt_z(secret_start + Duration::days(secret_days)),
                "hint": "Xq~",
                "keyId": guid(&mut self.rng(side, stream::SPECIAL, 100)),
                "secretText": null,
                "startDateTime": fmt_z(secret_start),
            }],
            "keyCredentials": [],
        })
    }

    fn graph_apps(&self, sink: &Sink, side: Side) -> Result<Counts> {
        let t = self.t(side);
        let s = side_index(side);
        let exo_sp = self.special(special::EXO_SP + s);
        let graph_sp = self.special(special::GRAPH_SP + s);

        let mut apps = Coll::new(sink, side, "graph/applications");
        let mut pager = apps.chain(
            Style::graph(
                "applications?$select=id,appId,displayName,signInAudience,web,requiredResourceAccess,passwordCredentials,keyCredentials",
                "applications(id,appId,displayName,signInAudience,web,requiredResourceAccess,passwordCredentials,keyCredentials)",
            ),
            GRAPH_PAGE,
        );
        for k in 0..t.apps {
            pager.push(self.application_json(&self.app(side, k)))?;
        }
        pager.push(self.home_special_app(side))?;
        pager.finish()?;

        let mut sps = Coll::new(sink, side, "graph/service-principals");
        let mut pager = sps.chain(
            Style::graph(
                "servicePrincipals?$select=id,appId,displayName,appOwnerOrganizationId,accountEnabled,servicePrincipalType,appRoles",
                "servicePrincipals(id,appId,displayName,appOwnerOrganizationId,accountEnabled,servicePrincipalType,appRoles)",
            ),
            GRAPH_PAGE,
        );
        let sp = |id: &str, app_id: &str, name: &str, owner: &str, roles: &[(&str, &str, &str)]| {
            json!({
                "id": id,
                "appId": app_id,
                "displayName": name,
                "appOwnerOrganizationId": owner,
                "accountEnabled": true,
                "servicePrincipalType": "Application",
                "appRoles": roles.iter().map(|(rid, value, display)| json!({
                    "allowedMemberTypes": ["Application"],
                    "description": display,
                    "displayName": display,
                    "id": rid,
                    "isEnabled": true,
                    "origin": "Application",
                    "value": value,
                })).collect::<Vec<_>>(),
            })
        };
        pager.push(sp(
            &exo_sp,
            EXO_APP_ID,
            "Office 365 Exchange Online",
            MICROSOFT_SERVICES_TENANT,
            &EXO_APP_ROLES,
        ))?;
        pager.push(sp(
            &graph_sp,
            GRAPH_APP_ID,
            "Microsoft Graph",
            MICROSOFT_SERVICES_TENANT,
            &GRAPH_APP_ROLES,
        ))?;
        pager.push(sp(
            &self.special(special::MIGRATION_SP + s),
            &self.migration_app_id(),
            "Cross-Tenant Mailbox Migration",
            &self.tgt.id,
            &[],
        ))?;
        pager.push(sp(
            &self.special(special::GALLERY_SP + s),
            &self.gallery_app_id(),
            "Gallery Image Sharing",
            &self.src.id,
            &[],
        ))?;
        for k in 0..t.apps {
            let a = self.app(side, k);
            pager.push(sp(&a.sp, &a.app_id, &a.name, &t.id, &[]))?;
        }
        for k in 0..t.third_party_sps {
            let mut r = self.rng(side, stream::THIRD_PARTY, k);
            let (id, app_id, owner) = (guid(&mut r), guid(&mut r), guid(&mut r));
            let vendor = *pick(
                &mut r,
                &[
                    "Zendesk",
                    "Salesforce",
                    "ServiceNow",
                    "Workday",
                    "Atlassian",
                    "Slack",
                    "DocuSign",
                ],
            );
            pager.push(sp(&id, &app_id, &format!("{vendor} {k}"), &owner, &[]))?;
        }
        pager.finish()?;

        let assignments = self.app_role_assignments(sink, side, &exo_sp, &graph_sp)?;
        Ok(vec![
            (kind!(side, "applications"), apps.items),
            (kind!(side, "service principals"), sps.items),
            (kind!(side, "app role assignments"), assignments),
        ])
    }

    /// `appRoleAssignedTo` of the Exchange Online and Microsoft Graph service
    /// principals: one request chain each.
    fn app_role_assignments(
        &self,
        sink: &Sink,
        side: Side,
        exo_sp: &str,
        graph_sp: &str,
    ) -> Result<usize> {
        let t = self.t(side);
        let mut r = self.rng(side, stream::SPECIAL, 200);
        let mut coll = Coll::new(sink, side, "graph/app-role-assignments");
        let mut assignment = |principal: &str,
                              principal_name: &str,
                              resource: &str,
                              resource_name: &str,
                              role: &str| {
            let mut id_bytes = [0u8; 32];
            r.fill(&mut id_bytes[..]);
            json!({
                "id": base64(&id_bytes, true),
                "deletedDateTime": null,
                "appRoleId": role,
                "createdDateTime": fmt_z(ago(&mut r, self.as_of, 1, 700)),
                "principalDisplayName": principal_name,
                "principalId": principal,
                "principalType": "ServicePrincipal",
                "resourceDisplayName": resource_name,
                "resourceId": resource,
            })
        };

        let mut exo = vec![assignment(
            &self.special(special::MIGRATION_SP + side_index(side)),
            "Cross-Tenant Mailbox Migration",
            exo_sp,
            "Office 365 Exchange Online",
            MAILBOX_MIGRATION_ROLE,
        )];
        let mut graph = Vec::new();
        for k in 0..t.apps {
            let a = self.app(side, k);
            if a.exo_manage {
                exo.push(assignment(
                    &a.sp,
                    &a.name,
                    exo_sp,
                    "Office 365 Exchange Online",
                    EXO_APP_ROLES[1].0,
                ));
            }
            for role in &a.graph_roles {
                graph.push(assignment(
                    &a.sp,
                    &a.name,
                    graph_sp,
                    "Microsoft Graph",
                    GRAPH_APP_ROLES[*role].0,
                ));
            }
        }
        for (sp, items) in [(exo_sp, exo), (graph_sp, graph)] {
            coll.all(
                Style::graph(
                    &format!("servicePrincipals/{sp}/appRoleAssignedTo"),
                    &format!("servicePrincipals('{sp}')/appRoleAssignedTo"),
                ),
                GRAPH_PAGE,
                items,
            )?;
        }
        Ok(coll.items)
    }
}

// ---------------------------------------------------------------------------
// Azure Resource Manager: containers, locks and deny assignments
// ---------------------------------------------------------------------------

const API_SUBSCRIPTIONS: &str = "2022-12-01";
const API_RESOURCES: &str = "2021-04-01";
const API_COMPUTE: &str = "2024-03-02";
const API_VMS: &str = "2024-07-01";
const API_ACR: &str = "2023-07-01";
const API_GALLERY: &str = "2023-07-03";
const API_AUTHZ: &str = "2022-04-01";
const API_LOCKS: &str = "2016-09-01";

impl World {
    fn arm_containers(&self, sink: &Sink, side: Side) -> Result<Counts> {
        let t = self.t(side);
        let mut subs = Coll::new(sink, side, "arm/subscriptions");
        let items = t.subs.iter().enumerate().map(|(s, id)| {
            json!({
                "id": t.sub_id(s),
                "authorizationSource": "RoleBased",
                "managedByTenants": [],
                "tags": {},
                "subscriptionId": id,
                "tenantId": t.id,
                "displayName": format!("{} {} {:02}", capitalise(t.key), if s % 3 == 2 { "Non-Production" } else { "Production" }, s + 1),
                "state": "Enabled",
                "subscriptionPolicies": {
                    "locationPlacementId": "Public_2014-09-01",
                    "quotaId": "EnterpriseAgreement_2014-09-01",
                    "spendingLimit": "Off",
                },
            })
        });
        subs.all(
            Style::arm(&format!("/subscriptions?api-version={API_SUBSCRIPTIONS}")),
            ARM_PAGE,
            items,
        )?;

        let mut rgs = Coll::new(sink, side, "arm/resource-groups");
        let mut locks = Coll::new(sink, side, "arm/locks");
        let mut denies = Coll::new(sink, side, "arm/deny-assignments");
        let mut providers = Coll::new(sink, side, "arm/providers");
        // Marketplace agreements are one object per response (GET
        // .../agreements/current per plan); the generated images carry no
        // plans, so the collection is present and empty.
        let agreements_dir = sink
            .root
            .join(side.as_str())
            .join("arm/marketplace-agreements");
        std::fs::create_dir_all(&agreements_dir).map_err(|e| write_error(&agreements_dir, e))?;
        for (s, sub) in t.subs.iter().enumerate() {
            let items = self.rgs_of(t, s).map(|ri| {
                let rg = self.rg(t, ri);
                json!({
                    "id": self.rg_id(t, &rg),
                    "name": rg.name,
                    "type": "Microsoft.Resources/resourceGroups",
                    "location": REGIONS[rg.region].0,
                    "tags": if rg.workload == "landing" { json!({ "purpose": "cross-tenant migration" }) } else { json!({ "workload": rg.workload }) },
                    "properties": { "provisioningState": "Succeeded" },
                })
            });
            rgs.all(
                Style::arm(&format!(
                    "/subscriptions/{sub}/resourcegroups?api-version={API_RESOURCES}"
                )),
                ARM_PAGE,
                items,
            )?;
            locks.all(
                Style::arm(&format!("/subscriptions/{sub}/providers/Microsoft.Authorization/locks?api-version={API_LOCKS}")),
                ARM_PAGE,
                self.locks_of(t, s),
            )?;
            denies.all(
                Style::arm(&format!("/subscriptions/{sub}/providers/Microsoft.Authorization/denyAssignments?api-version={API_AUTHZ}")),
                ARM_PAGE,
                if s == 0 { self.deny_assignments(t) } else { Vec::new() },
            )?;
            providers.all(
                Style::arm(&format!(
                    "/subscriptions/{sub}/providers?api-version={API_RESOURCES}"
                )),
                ARM_PAGE,
                providers_of(sub),
            )?;
        }
        Ok(vec![
            (kind!(side, "subscriptions"), subs.items),
            (kind!(side, "resource groups"), rgs.items),
            (kind!(side, "locks"), locks.items),
            (kind!(side, "deny assignments"), denies.items),
            (kind!(side, "resource providers"), providers.items),
        ])
    }

    /// Locks of one subscription: CanNotDelete on some resource groups and
    /// registries, ReadOnly (which blocks POST actions) on a few groups. The
    /// target's landing group is never locked.
    fn locks_of(&self, t: &Tenant, sub: usize) -> Vec<Value> {
        let lock = |scope: String, name: &str, level: &str, notes: &str| {
            json!({
                "properties": { "level": level, "notes": notes },
                "id": format!("{scope}/providers/Microsoft.Authorization/locks/{name}"),
                "type": "Microsoft.Authorization/locks",
                "name": name,
            })
        };
        let mut out = Vec::new();
        for ri in self.rgs_of(t, sub).filter(|ri| *ri >= t.rg_offset) {
            let mut r = self.rng(t.side, stream::LOCK, ri);
            let rg = self.rg(t, ri);
            match r.random_range(0..100) {
                0..=5 => out.push(lock(
                    self.rg_id(t, &rg),
                    "do-not-delete",
                    "CanNotDelete",
                    "Production resource group",
                )),
                6 => out.push(lock(
                    self.rg_id(t, &rg),
                    "freeze",
                    "ReadOnly",
                    "Change freeze",
                )),
                _ => {}
            }
        }
        for k in 0..t.registries {
            let reg = self.registry(t, k).0;
            if reg.sub == sub && reg.locked {
                out.push(lock(
                    reg.id.clone(),
                    "acr-protect",
                    "CanNotDelete",
                    "Shared registry",
                ));
            }
        }
        out
    }

    /// A few deny assignments in the first subscription: a managed
    /// application's group, a deployment stack, and (source) a blueprint that
    /// makes one group read-only, which blocks disk export there.
    fn deny_assignments(&self, t: &Tenant) -> Vec<Value> {
        let mut r = self.rng(t.side, stream::DENY, 0);
        let targets: Vec<usize> = self
            .rgs_of(t, 0)
            .filter(|ri| *ri >= t.rg_offset)
            .skip(1)
            .take(3)
            .collect();
        let specs: [DenySpec; 3] = [
            (
                "managed application",
                "Created by a managed application; only the publisher may change its resources.",
                &["*"],
                &["*/read"],
                true,
            ),
            (
                "deployment stack",
                "Deny settings of a deployment stack.",
                &["*/delete"],
                &[],
                false,
            ),
            (
                "blueprint",
                "Blueprint assignment 'locked-landing-zone' is in ReadOnly mode.",
                &["*"],
                &["*/read"],
                true,
            ),
        ];
        let count = if t.side == Side::Source { 3 } else { 2 };
        targets
            .iter()
            .zip(specs.iter().take(count))
            .map(|(ri, (what, description, actions, not_actions, system))| {
                let rg = self.rg(t, *ri);
                let scope = self.rg_id(t, &rg);
                let name = guid(&mut r);
                json!({
                    "properties": {
                        "denyAssignmentName": format!("Deny assignment '{name}' created by {what}"),
                        "description": description,
                        "permissions": [{ "actions": actions, "notActions": not_actions, "dataActions": [], "notDataActions": [] }],
                        "scope": scope,
                        "doNotApplyToChildScopes": false,
                        "principals": [{ "id": "00000000-0000-0000-0000-000000000000", "type": "SystemDefined" }],
                        "excludePrincipals": [{ "id": guid(&mut r), "type": "ServicePrincipal" }],
                        "isSystemProtected": system,
                    },
                    "id": format!("{scope}/providers/Microsoft.Authorization/denyAssignments/{name}"),
                    "type": "Microsoft.Authorization/denyAssignments",
                    "name": name,
                })
            })
            .collect()
    }
}

/// A deny assignment as (created by, description, actions, notActions,
/// system protected).
type DenySpec = (
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    bool,
);

// ---------------------------------------------------------------------------
// Compute: disks (Resource Graph), VMs, snapshots, disk encryption sets
// ---------------------------------------------------------------------------

const VM_SIZES: [&str; 8] = [
    "Standard_D2s_v5",
    "Standard_D4s_v5",
    "Standard_D8s_v5",
    "Standard_E4s_v5",
    "Standard_B2ms",
    "Standard_F4s_v2",
    "Standard_DS2_v2",
    "Standard_E8ds_v5",
];

/// Marketplace images as (publisher, offer, sku, os type).
const IMAGES: [(&str, &str, &str, &str); 5] = [
    (
        "MicrosoftWindowsServer",
        "WindowsServer",
        "2022-datacenter-azure-edition",
        "Windows",
    ),
    (
        "MicrosoftWindowsServer",
        "WindowsServer",
        "2019-Datacenter",
        "Windows",
    ),
    (
        "Canonical",
        "0001-com-ubuntu-server-jammy",
        "22_04-lts-gen2",
        "Linux",
    ),
    ("RedHat", "RHEL", "8-lvm-gen2", "Linux"),
    (
        "MicrosoftSQLServer",
        "sql2022-ws2022",
        "standard-gen2",
        "Windows",
    ),
];

struct VmPlace {
    rg: Rg,
    region: usize,
    zone: Option<u8>,
    name: String,
    image: usize,
    hyper_v: &'static str,
    trusted_launch: bool,
}

struct DiskSpec {
    name: String,
    id: String,
    rg: Rg,
    region: usize,
    zone: Option<u8>,
    sku: &'static str,
    size_gb: i64,
    role: DiskRole,
    /// For OS disks: the VM's image, generation and security type.
    os: Option<(usize, &'static str, bool)>,
}

fn sku_tier(sku: &str) -> &'static str {
    if sku.starts_with("UltraSSD") {
        "Ultra"
    } else if sku.starts_with("Premium") {
        "Premium"
    } else {
        "Standard"
    }
}

impl World {
    fn vm_place(&self, t: &Tenant, v: usize) -> (VmPlace, R) {
        let rg = self.rg(t, self.disk_rg(t, Self::vm_os_disk(v)));
        let mut r = self.rng(t.side, stream::VM, v);
        let region = if chance(&mut r, 0.95) {
            rg.region
        } else {
            r.random_range(0..REGIONS.len())
        };
        let zone = chance(&mut r, 0.3).then(|| r.random_range(1..=3u8));
        let name = if chance(&mut r, 0.1) {
            format!("VM-{}-{v:05}", rg.workload.to_uppercase())
        } else {
            format!("vm-{}-{v:05}", rg.workload)
        };
        let image = r.random_range(0..IMAGES.len());
        let hyper_v = if chance(&mut r, 0.6) { "V2" } else { "V1" };
        let trusted_launch = hyper_v == "V2" && chance(&mut r, 0.4);
        (
            VmPlace {
                rg,
                region,
                zone,
                name,
                image,
                hyper_v,
                trusted_launch,
            },
            r,
        )
    }

    fn vm_id(&self, t: &Tenant, p: &VmPlace, upper_rg: bool) -> String {
        let rg = if upper_rg {
            p.rg.name.to_uppercase()
        } else {
            p.rg.name.clone()
        };
        format!(
            "/subscriptions/{}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/{}",
            t.subs[p.rg.sub], p.name
        )
    }

    fn disk_spec(&self, t: &Tenant, d: usize) -> (DiskSpec, R) {
        let role = self.disk_role(t, d);
        let mut r = self.rng(t.side, stream::DISK, d);
        let (rg, region, zone, name, os) = match role {
            DiskRole::Os { vm } => {
                let p = self.vm_place(t, vm).0;
                let name = format!("{}_OsDisk_1_{}", p.name, hex_string(&mut r, 32));
                (
                    p.rg,
                    p.region,
                    p.zone,
                    name,
                    Some((p.image, p.hyper_v, p.trusted_launch)),
                )
            }
            DiskRole::Data { vm, lun } => {
                let p = self.vm_place(t, vm).0;
                let name = format!("{}-data-{lun:02}", p.name);
                (p.rg, p.region, p.zone, name, None)
            }
            DiskRole::Unattached => {
                let rg = self.rg(t, self.disk_rg(t, d));
                let region = if chance(&mut r, 0.97) {
                    rg.region
                } else {
                    r.random_range(0..REGIONS.len())
                };
                let zone = chance(&mut r, 0.1).then(|| r.random_range(1..=3u8));
                let name = if chance(&mut r, 0.1) {
                    format!("Disk-{}-{d:06}", capitalise(rg.workload))
                } else {
                    format!("disk-{}-{d:06}", rg.workload)
                };
                (rg, region, zone, name, None)
            }
        };
        let sku = if os.is_some() {
            *weighted(
                &mut r,
                &[
                    ("Premium_LRS", 55),
                    ("StandardSSD_LRS", 25),
                    ("Standard_LRS", 15),
                    ("Premium_ZRS", 5),
                ],
            )
        } else {
            *weighted(
                &mut r,
                &[
                    ("Premium_LRS", 45),
                    ("StandardSSD_LRS", 20),
                    ("Standard_LRS", 20),
                    ("PremiumV2_LRS", 6),
                    ("UltraSSD_LRS", 2),
                    ("StandardSSD_ZRS", 3),
                    ("Premium_ZRS", 4),
                ],
            )
        };
        // Zone-redundant disks cannot be zonal.
        let sku = match (sku, zone) {
            ("Premium_ZRS", Some(_)) => "Premium_LRS",
            ("StandardSSD_ZRS", Some(_)) => "StandardSSD_LRS",
            (s, _) => s,
        };
        let size_gb = if os.is_some() {
            *pick(&mut r, &[30, 64, 127, 128, 256])
        } else {
            *pick(&mut r, &[32, 64, 128, 256, 512, 1024, 2048, 4095])
        };
        let id = format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Compute/disks/{name}",
            t.subs[rg.sub], rg.name
        );
        (
            DiskSpec {
                name,
                id,
                rg,
                region,
                zone,
                sku,
                size_gb,
                role,
                os,
            },
            r,
        )
    }

    /// The disk encryption set of a source subscription: (region, id).
    fn des(&self, t: &Tenant, sub: usize) -> Option<(usize, String)> {
        if t.side != Side::Source {
            return None;
        }
        let ri = self.rgs_of(t, sub).next()?;
        let rg = self.rg(t, ri);
        let id = format!(
            "{}/providers/Microsoft.Compute/diskEncryptionSets/des-{}-cmk-{:02}",
            self.rg_id(t, &rg),
            t.key,
            sub + 1
        );
        Some((rg.region, id))
    }

    fn image_reference_id(region: usize, image: usize) -> String {
        let (publisher, offer, sku, _) = IMAGES[image];
        // The capitalised segments are how the service returns them.
        format!(
            "/Subscriptions/00000000-0000-0000-0000-000000000000/Providers/Microsoft.Compute/Locations/{}/Publishers/{publisher}/ArtifactTypes/VMImage/Offers/{offer}/Skus/{sku}/Versions/latest",
            REGIONS[region].0
        )
    }

    /// A Resource Graph row for disk `d`.
    fn disk_row(&self, t: &Tenant, d: usize) -> Value {
        let (spec, mut r) = self.disk_spec(t, d);
        let created = ago(&mut r, self.as_of, 10, 1_800);
        let mut props = Map::new();
        let mut creation = Map::new();
        match spec.os {
            Some((image, hyper_v, trusted)) => {
                creation.insert("createOption".into(), json!("FromImage"));
                creation.insert(
                    "imageReference".into(),
                    json!({ "id": Self::image_reference_id(spec.region, image) }),
                );
                props.insert("osType".into(), json!(IMAGES[image].3));
                props.insert("hyperVGeneration".into(), json!(hyper_v));
                props.insert(
                    "supportedCapabilities".into(),
                    json!({ "architecture": "x64", "acceleratedNetwork": true }),
                );
                if trusted {
                    props.insert(
                        "securityProfile".into(),
                        json!({ "securityType": "TrustedLaunch" }),
                    );
                } else if hyper_v == "V2" && chance(&mut r, 0.01) {
                    props.insert(
                        "securityProfile".into(),
                        json!({ "securityType": "ConfidentialVM_DiskEncryptedWithCustomerKey" }),
                    );
                }
            }
            None => match r.random_range(0..100) {
                0..=84 => {
                    creation.insert("createOption".into(), json!("Empty"));
                }
                85..=94 => {
                    let other = self.disk_spec(t, (d * 31 + 7) % t.disks).0;
                    // Some services drop the leading slash of the source id.
                    let source = if chance(&mut r, 0.3) {
                        other.id.trim_start_matches('/').to_string()
                    } else {
                        other.id
                    };
                    creation.insert("createOption".into(), json!("Copy"));
                    creation.insert("sourceResourceId".into(), json!(source));
                    creation.insert("sourceUniqueId".into(), json!(guid(&mut r)));
                }
                _ => {
                    creation.insert("createOption".into(), json!("Import"));
                    creation.insert(
                        "sourceUri".into(),
                        json!(format!(
                            "https://st{}import.blob.core.windows.net/vhds/{}.vhd",
                            t.key, spec.name
                        )),
                    );
                    creation.insert("storageAccountId".into(), json!(format!("/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Storage/storageAccounts/st{}import", t.subs[spec.rg.sub], spec.rg.name, t.key)));
                }
            },
        }
        if matches!(spec.sku, "UltraSSD_LRS" | "PremiumV2_LRS") {
            creation.insert(
                "logicalSectorSize".into(),
                json!(if chance(&mut r, 0.5) { 4096 } else { 512 }),
            );
            props.insert(
                "diskIOPSReadWrite".into(),
                json!(3000 + 1000 * r.random_range(0..10)),
            );
            props.insert(
                "diskMBpsReadWrite".into(),
                json!(125 + 25 * r.random_range(0..10)),
            );
        }
        props.insert("creationData".into(), Value::Object(creation));
        props.insert("diskSizeGB".into(), json!(spec.size_gb));
        props.insert("diskSizeBytes".into(), json!(spec.size_gb * 1_073_741_824));
        props.insert("uniqueId".into(), json!(guid(&mut r)));
        props.insert("provisioningState".into(), json!("Succeeded"));
        props.insert("timeCreated".into(), json!(fmt_compute(created)));

        let attached = spec.role != DiskRole::Unattached;
        let state = if attached {
            *weighted(
                &mut r,
                &[("Attached", 89), ("Reserved", 10), ("ActiveSAS", 1)],
            )
        } else {
            *weighted(
                &mut r,
                &[("Unattached", 990), ("ReadyToUpload", 5), ("ActiveSAS", 5)],
            )
        };
        props.insert("diskState".into(), json!(state));

        let des = self
            .des(t, spec.rg.sub)
            .filter(|(region, _)| *region == spec.region);
        let encryption = match des {
            Some((_, des_id)) if chance(&mut r, 0.08) => {
                json!({ "type": "EncryptionAtRestWithCustomerKey", "diskEncryptionSetId": des_id })
            }
            _ => json!({ "type": "EncryptionAtRestWithPlatformKey" }),
        };
        props.insert("encryption".into(), encryption);
        if spec.os.is_some() && chance(&mut r, 0.02) {
            let vault = format!(
                "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.KeyVault/vaults/kv-{}-ade",
                t.subs[spec.rg.sub], spec.rg.name, t.key
            );
            props.insert(
                "encryptionSettingsCollection".into(),
                json!({
                    "enabled": true,
                    "encryptionSettings": [{
                        "diskEncryptionKey": {
                            "sourceVault": { "id": vault },
                            "secretUrl": format!("https://kv-{}-ade.vault.azure.net/secrets/{}/{}", t.key, guid(&mut r), hex_string(&mut r, 32)),
                        },
                    }],
                    "encryptionSettingsVersion": "1.1",
                }),
            );
        }
        let policy = *weighted(
            &mut r,
            &[("AllowAll", 90), ("AllowPrivate", 7), ("DenyAll", 3)],
        );
        props.insert("networkAccessPolicy".into(), json!(policy));
        if policy == "AllowPrivate" {
            props.insert(
                "diskAccessId".into(),
                json!(format!("/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Compute/diskAccesses/da-{}", t.subs[spec.rg.sub], spec.rg.name, t.key)),
            );
        }
        props.insert(
            "publicNetworkAccess".into(),
            json!(if chance(&mut r, 0.05) {
                "Disabled"
            } else {
                "Enabled"
            }),
        );
        if chance(&mut r, 0.05) {
            props.insert("dataAccessAuthMode".into(), json!("AzureActiveDirectory"));
        }
        if spec.sku.starts_with("Premium_") {
            props.insert(
                "tier".into(),
                json!(match spec.size_gb {
                    0..=32 => "P4",
                    33..=64 => "P6",
                    65..=128 => "P10",
                    129..=256 => "P15",
                    257..=512 => "P20",
                    513..=1024 => "P30",
                    1025..=2048 => "P40",
                    _ => "P50",
                }),
            );
        }

        let managed_by = match spec.role {
            DiskRole::Os { vm } | DiskRole::Data { vm, .. } => {
                let p = self.vm_place(t, vm).0;
                // The owning VM's id comes back with the group upper-cased now and then.
                let id = self.vm_id(t, &p, chance(&mut r, 0.3));
                if chance(&mut r, 0.1) {
                    props.insert(
                        "LastOwnershipUpdateTime".into(),
                        json!(fmt_compute(ago(&mut r, self.as_of, 1, 300))),
                    );
                }
                id
            }
            DiskRole::Unattached => String::new(),
        };
        let tags = if chance(&mut r, 0.5) {
            json!({ "workload": spec.rg.workload, "costCenter": format!("CC{}", 1000 + r.random_range(0..90)) })
        } else {
            json!({})
        };
        json!({
            "id": spec.id,
            "name": spec.name,
            "type": "microsoft.compute/disks",
            "tenantId": t.id,
            "kind": "",
            "location": REGIONS[spec.region].0,
            "resourceGroup": spec.rg.name.to_lowercase(),
            "subscriptionId": t.subs[spec.rg.sub],
            "managedBy": managed_by,
            "sku": { "name": spec.sku, "tier": sku_tier(spec.sku) },
            "plan": null,
            "properties": props,
            "tags": tags,
            "identity": null,
            "zones": spec.zone.map(|z| json!([z.to_string()])).unwrap_or(Value::Null),
            "extendedLocation": null,
        })
    }

    fn arg_disks(&self, sink: &Sink, side: Side) -> Result<Counts> {
        let t = self.t(side);
        let mut coll = Coll::new(sink, side, "resource-graph/resources");
        coll.all(
            Style::Arg(t.disks),
            ARG_PAGE,
            (0..t.disks).map(|d| self.disk_row(t, d)),
        )?;
        Ok(vec![(kind!(side, "disks"), coll.items)])
    }

    fn vm_json(&self, t: &Tenant, v: usize) -> Value {
        let (p, mut r) = self.vm_place(t, v);
        let (os, _) = self.disk_spec(t, Self::vm_os_disk(v));
        let (publisher, offer, sku, os_type) = IMAGES[p.image];
        // VMs often report their disks' ids with the group upper-cased.
        let upper = chance(&mut r, 0.4);
        let disk_id = |spec: &DiskSpec| {
            if upper {
                spec.id
                    .replacen(&spec.rg.name, &spec.rg.name.to_uppercase(), 1)
            } else {
                spec.id.clone()
            }
        };
        let data_disks: Vec<Value> = self
            .vm_data_disks(t, v)
            .into_iter()
            .map(|d| {
                let (spec, _) = self.disk_spec(t, d);
                let lun = match spec.role {
                    DiskRole::Data { lun, .. } => lun,
                    _ => 0,
                };
                json!({
                    "lun": lun,
                    "name": spec.name,
                    "createOption": "Attach",
                    "caching": "None",
                    "managedDisk": { "storageAccountType": spec.sku, "id": disk_id(&spec) },
                    "deleteOption": "Detach",
                    "diskSizeGB": spec.size_gb,
                    "toBeDetached": false,
                })
            })
            .collect();
        let os_config = if os_type == "Windows" {
            (
                "windowsConfiguration",
                json!({ "provisionVMAgent": true, "enableAutomaticUpdates": true, "patchSettings": { "patchMode": "AutomaticByOS" } }),
            )
        } else {
            (
                "linuxConfiguration",
                json!({ "disablePasswordAuthentication": true, "provisionVMAgent": true }),
            )
        };
        let mut props = json!({
            "vmId": guid(&mut r),
            "hardwareProfile": { "vmSize": *pick(&mut r, &VM_SIZES) },
            "storageProfile": {
                "imageReference": { "publisher": publisher, "offer": offer, "sku": sku, "version": "latest", "exactVersion": format!("{}.{}.{}", 20_348 + r.random_range(0..50), r.random_range(1000..3000), r.random_range(100..999)) },
                "osDisk": {
                    "osType": os_type,
                    "name": os.name,
                    "createOption": "FromImage",
                    "caching": "ReadWrite",
                    "managedDisk": { "storageAccountType": os.sku, "id": disk_id(&os) },
                    "deleteOption": "Delete",
                    "diskSizeGB": os.size_gb,
                },
                "dataDisks": data_disks,
                "diskControllerType": "SCSI",
            },
            "osProfile": {
                "computerName": p.name.chars().take(15).collect::<String>(),
                "adminUsername": "azureuser",
                os_config.0: os_config.1,
                "secrets": [],
                "allowExtensionOperations": true,
                "requireGuestProvisionSignal": true,
            },
            "networkProfile": { "networkInterfaces": [{ "id": format!("/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Network/networkInterfaces/{}-nic", t.subs[p.rg.sub], p.rg.name, p.name) }] },
            "diagnosticsProfile": { "bootDiagnostics": { "enabled": true } },
            "provisioningState": "Succeeded",
            "timeCreated": fmt_compute(ago(&mut r, self.as_of, 10, 1_800)),
        });
        if p.trusted_launch {
            props["securityProfile"] = json!({ "uefiSettings": { "secureBootEnabled": true, "vTpmEnabled": true }, "securityType": "TrustedLaunch" });
        }
        let mut vm = json!({
            "name": p.name,
            "id": self.vm_id(t, &p, false),
            "type": "Microsoft.Compute/virtualMachines",
            "location": arm_location(&mut r, p.region),
            "tags": {},
            "properties": props,
        });
        if let Some(z) = p.zone {
            vm["zones"] = json!([z.to_string()]);
        }
        if os_type == "Linux" && chance(&mut r, 0.05) {
            vm["plan"] = json!({ "name": "cis-ubuntu2204-l1", "publisher": "center-for-internet-security-inc", "product": "cis-ubuntu-linux-2204-l1" });
        }
        vm
    }

    fn vm_sub(&self, t: &Tenant, v: usize) -> usize {
        self.disk_rg(t, Self::vm_os_disk(v)) % t.subs.len()
    }

    fn arm_compute(&self, sink: &Sink, side: Side) -> Result<Counts> {
        let t = self.t(side);
        let mut vms = Coll::new(sink, side, "arm/virtual-machines");
        let mut snaps = Coll::new(sink, side, "arm/snapshots");
        let mut sets = Coll::new(sink, side, "arm/disk-encryption-sets");
        for (s, sub) in t.subs.iter().enumerate() {
            let items = (0..t.vms)
                .filter(|v| self.vm_sub(t, *v) == s)
                .map(|v| self.vm_json(t, v));
            vms.all(
                Style::arm(&format!("/subscriptions/{sub}/providers/Microsoft.Compute/virtualMachines?api-version={API_VMS}")),
                ARM_PAGE,
                items,
            )?;
            let items = (0..t.snapshots)
                .filter(|k| self.disk_rg(t, self.snapshot_disk(t, *k)) % t.subs.len() == s)
                .map(|k| self.snapshot_json(t, k));
            snaps.all(
                Style::arm(&format!("/subscriptions/{sub}/providers/Microsoft.Compute/snapshots?api-version={API_COMPUTE}")),
                ARM_PAGE,
                items,
            )?;
            sets.all(
                Style::arm(&format!("/subscriptions/{sub}/providers/Microsoft.Compute/diskEncryptionSets?api-version={API_COMPUTE}")),
                ARM_PAGE,
                self.des_json(t, s),
            )?;
        }
        Ok(vec![
            (kind!(side, "virtual machines"), vms.items),
            (kind!(side, "snapshots"), snaps.items),
            (kind!(side, "disk encryption sets"), sets.items),
        ])
    }

    fn snapshot_disk(&self, t: &Tenant, k: usize) -> usize {
        (k * 97 + 13) % t.disks.max(1)
    }

    fn snapshot_json(&self, t: &Tenant, k: usize) -> Value {
        let (disk, _) = self.disk_spec(t, self.snapshot_disk(t, k));
        let mut r = self.rng(t.side, stream::SNAPSHOT, k);
        let incremental = chance(&mut r, 0.5);
        let name = format!(
            "snap-{}-{k:04}",
            disk.name.chars().take(40).collect::<String>()
        );
        let mut props = json!({
            "creationData": { "createOption": "Copy", "sourceResourceId": disk.id, "sourceUniqueId": guid(&mut r) },
            "diskSizeGB": disk.size_gb,
            "diskSizeBytes": disk.size_gb * 1_073_741_824,
            "incremental": incremental,
            "encryption": { "type": "EncryptionAtRestWithPlatformKey" },
            "networkAccessPolicy": "AllowAll",
            "publicNetworkAccess": "Enabled",
            "timeCreated": fmt_compute(ago(&mut r, self.as_of, 1, 60)),
            "provisioningState": "Succeeded",
            "diskState": "Unattached",
            "uniqueId": guid(&mut r),
        });
        if incremental {
            props["completionPercent"] = json!(100.0);
        }
        if let Some((image, hyper_v, _)) = disk.os {
            props["osType"] = json!(IMAGES[image].3);
            props["hyperVGeneration"] = json!(hyper_v);
        }
        json!({
            "name": name,
            "id": format!("/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Compute/snapshots/{name}", t.subs[disk.rg.sub], disk.rg.name),
            "type": "Microsoft.Compute/snapshots",
            "location": REGIONS[disk.region].0,
            "tags": {},
            "sku": { "name": "Standard_LRS", "tier": "Standard" },
            "properties": props,
        })
    }

    fn des_json(&self, t: &Tenant, sub: usize) -> Vec<Value> {
        let Some((region, id)) = self.des(t, sub) else {
            return Vec::new();
        };
        let mut r = self.rng(t.side, stream::DES, sub);
        let vault = format!("kv-{}-cmk-{:02}", t.key, sub + 1);
        let rg = self.rg(t, self.rgs_of(t, sub).next().unwrap_or(0));
        vec![json!({
            "id": id,
            "name": id.rsplit('/').next().unwrap_or_default(),
            "type": "Microsoft.Compute/diskEncryptionSets",
            "location": REGIONS[region].0,
            "identity": { "type": "SystemAssigned", "principalId": guid(&mut r), "tenantId": t.id },
            "properties": {
                "activeKey": {
                    "sourceVault": { "id": format!("/subscriptions/{}/resourceGroups/{}/providers/Microsoft.KeyVault/vaults/{vault}", t.subs[sub], rg.name) },
                    "keyUrl": format!("https://{vault}.vault.azure.net/keys/disk-cmk/{}", hex_string(&mut r, 32)),
                },
                "encryptionType": "EncryptionAtRestWithCustomerKey",
                "rotationToLatestKeyVersionEnabled": chance(&mut r, 0.5),
                "provisioningState": "Succeeded",
            },
        })]
    }
}

// ---------------------------------------------------------------------------
// Container registries: ARM control plane and the ACR data plane
// ---------------------------------------------------------------------------

const REPO_TEAMS: [&str; 6] = ["platform", "payments", "web", "data", "ml", "tools"];
const REPO_BASES: [&str; 10] = [
    "api", "frontend", "worker", "gateway", "auth", "billing", "jobs", "nginx", "scoring", "cli",
];

struct RegistrySpec {
    name: String,
    id: String,
    login_server: String,
    sub: usize,
    rg: Rg,
    region: usize,
    sku: &'static str,
    public: bool,
    locked: bool,
}

impl World {
    fn registry(&self, t: &Tenant, k: usize) -> (RegistrySpec, R) {
        let plain = (t.rgs - t.rg_offset).max(1);
        let ri = t.rg_offset + (k * 13 + 3) % plain;
        let rg = self.rg(t, ri);
        let mut r = self.rng(t.side, stream::REGISTRY, k);
        let mixed = chance(&mut r, 0.3);
        let name = if mixed {
            format!("{}Acr{k:04}", capitalise(t.key))
        } else {
            format!("{}acr{k:04}", t.key)
        };
        // Login servers are lower-case, except on some older registries.
        let login_server = if mixed && chance(&mut r, 0.5) {
            format!("{name}.azurecr.io")
        } else {
            format!("{}.azurecr.io", name.to_lowercase())
        };
        let sku = *weighted(&mut r, &[("Premium", 40), ("Standard", 40), ("Basic", 20)]);
        let public = !(sku == "Premium" && chance(&mut r, 0.12));
        let locked = chance(&mut r, 0.05);
        let id = format!(
            "{}/providers/Microsoft.ContainerRegistry/registries/{name}",
            self.rg_id(t, &rg)
        );
        let region = rg.region;
        (
            RegistrySpec {
                name,
                id,
                login_server,
                sub: rg.sub,
                rg,
                region,
                sku,
                public,
                locked,
            },
            r,
        )
    }

    fn registry_json(&self, t: &Tenant, k: usize) -> Value {
        let (reg, mut r) = self.registry(t, k);
        let premium = reg.sku == "Premium";
        let status = |on: bool| if on { "enabled" } else { "disabled" };
        let export_enabled = reg.public || !chance(&mut r, 0.4);
        let trust = premium && chance(&mut r, 0.08);
        let retention = premium && chance(&mut r, 0.2);
        let created = ago(&mut r, self.as_of, 30, 1_500);
        json!({
            "sku": { "name": reg.sku, "tier": reg.sku },
            "type": "Microsoft.ContainerRegistry/registries",
            "id": reg.id,
            "name": reg.name,
            "location": arm_location(&mut r, reg.region),
            "tags": {},
            "systemData": { "createdAt": fmt_7(created), "createdByType": "User", "lastModifiedAt": fmt_7(created), "lastModifiedByType": "User" },
            "properties": {
                "loginServer": reg.login_server,
                "creationDate": fmt_7(created),
                "provisioningState": "Succeeded",
                "adminUserEnabled": chance(&mut r, 0.3),
                "networkRuleSet": { "defaultAction": if reg.public { "Allow" } else { "Deny" }, "ipRules": [] },
                "policies": {
                    "quarantinePolicy": { "status": "disabled" },
                    "trustPolicy": { "type": "Notary", "status": status(trust) },
                    "retentionPolicy": { "days": 7, "lastUpdatedTime": fmt_7(created), "status": status(retention) },
                    "exportPolicy": { "status": status(export_enabled) },
                    "azureADAuthenticationAsArmPolicy": { "status": status(!chance(&mut r, 0.05)) },
                },
                "encryption": { "status": "disabled" },
                "dataEndpointEnabled": premium && chance(&mut r, 0.1),
                "dataEndpointHostNames": [],
                "privateEndpointConnections": [],
                "publicNetworkAccess": if reg.public { "Enabled" } else { "Disabled" },
                "networkRuleBypassOptions": if chance(&mut r, 0.8) { "AzureServices" } else { "None" },
                "zoneRedundancy": if premium && chance(&mut r, 0.2) { "Enabled" } else { "Disabled" },
                "anonymousPullEnabled": chance(&mut r, 0.02),
                "status": null,
            },
        })
    }

    /// Geo-replications of a Premium registry, the home region included.
    fn replications(&self, t: &Tenant, k: usize, reg: &RegistrySpec) -> Vec<Value> {
        let mut r = self.rng(t.side, stream::REGISTRY, 1_000_000 + k);
        let mut regions = vec![reg.region];
        for _ in 0..r.random_range(1..=2) {
            let extra = r.random_range(0..REGIONS.len());
            if !regions.contains(&extra) {
                regions.push(extra);
            }
        }
        regions
            .into_iter()
            .map(|region| {
                json!({
                    "id": format!("{}/replications/{}", reg.id, REGIONS[region].0),
                    "name": REGIONS[region].0,
                    "type": "Microsoft.ContainerRegistry/registries/replications",
                    "location": arm_location(&mut r, region),
                    "tags": {},
                    "properties": {
                        "provisioningState": "Succeeded",
                        "status": { "displayStatus": "Ready", "message": null, "timestamp": fmt_7(ago(&mut r, self.as_of, 1, 30)) },
                        "regionEndpointEnabled": true,
                        "zoneRedundancy": "Disabled",
                    },
                })
            })
            .collect()
    }

    fn arm_registries(&self, sink: &Sink, side: Side) -> Result<Counts> {
        let t = self.t(side);
        let mut regs = Coll::new(sink, side, "arm/registries");
        for (s, sub) in t.subs.iter().enumerate() {
            let items = (0..t.registries)
                .filter(|k| {
                    (t.rg_offset + (k * 13 + 3) % (t.rgs - t.rg_offset).max(1)) % t.subs.len() == s
                })
                .map(|k| self.registry_json(t, k));
            regs.all(
                Style::arm(&format!("/subscriptions/{sub}/providers/Microsoft.ContainerRegistry/registries?api-version={API_ACR}")),
                ARM_PAGE,
                items,
            )?;
        }
        let mut reps = Coll::new(sink, side, "arm/registry-replications");
        for k in 0..t.registries {
            let reg = self.registry(t, k).0;
            if reg.sku == "Premium" {
                let url = format!(
                    "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.ContainerRegistry/registries/{}/replications?api-version={API_ACR}",
                    t.subs[reg.sub], reg.rg.name, reg.name
                );
                reps.all(Style::arm(&url), ARM_PAGE, self.replications(t, k, &reg))?;
            }
        }
        reps.ensure_page()?;
        // Every registry has the system scope maps; tokens and webhooks are
        // made by hand, and the generated tenants have none (webhooks come
        // through Resource Graph when they exist).
        let mut maps = Coll::new(sink, side, "arm/registry-scope-maps");
        let mut tokens = Coll::new(sink, side, "arm/registry-tokens");
        for k in 0..t.registries {
            let reg = self.registry(t, k).0;
            let base = format!(
                "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.ContainerRegistry/registries/{}",
                t.subs[reg.sub], reg.rg.name, reg.name
            );
            let system = [
                "_repositories_admin",
                "_repositories_pull",
                "_repositories_push",
            ]
            .into_iter()
            .map(|m| {
                json!({
                    "id": format!("{}/scopeMaps/{m}", reg.id),
                    "name": m,
                    "type": "Microsoft.ContainerRegistry/registries/scopeMaps",
                    "properties": {
                        "description": "Built-in scope map",
                        "type": "SystemDefined",
                        "provisioningState": "Succeeded",
                        "actions": ["repositories/*/content/read"],
                    },
                })
            });
            maps.all(
                Style::arm(&format!("{base}/scopeMaps?api-version={API_ACR}")),
                ARM_PAGE,
                system,
            )?;
            tokens.all(
                Style::arm(&format!("{base}/tokens?api-version={API_ACR}")),
                ARM_PAGE,
                std::iter::empty(),
            )?;
        }
        maps.ensure_page()?;
        tokens.ensure_page()?;
        Ok(vec![
            (kind!(side, "registries"), regs.items),
            (kind!(side, "registry replications"), reps.items),
            (kind!(side, "registry scope maps"), maps.items),
        ])
    }

    /// `_catalog`, `_tags` and `_manifests` of every registry. A registry with
    /// public access disabled cannot be read from outside its network: its
    /// collections say so in `_status.json`, as a live collector would.
    fn acr_data_plane(&self, sink: &Sink, side: Side) -> Result<Counts> {
        let t = self.t(side);
        let (mut repos, mut tags, mut manifests) = (0, 0, 0);
        for k in 0..t.registries {
            let (reg, _) = self.registry(t, k);
            let base = sink
                .root
                .join(side.as_str())
                .join("acr")
                .join(&reg.login_server);
            if !reg.public {
                let status = json!({
                    "status": "failed",
                    "error": format!("403 Forbidden: client with IP '203.0.113.7' is not allowed access to '{}' (public network access is disabled)", reg.login_server),
                });
                for c in ["_catalog", "_tags", "_manifests"] {
                    sink.json(&base.join(c).join("_status.json"), &status)?;
                }
                continue;
            }
            let mut r = self.rng(side, stream::REPO, k * 64);
            let count = if side == Side::Source {
                r.random_range(3..=15)
            } else {
                r.random_range(1..=4)
            };
            let combos = REPO_TEAMS.len() * REPO_BASES.len();
            let offset = r.random_range(0..combos);
            let names: Vec<String> = (0..count)
                .map(|j| {
                    let c = (offset + j * 7) % combos;
                    format!(
                        "{}/{}",
                        REPO_TEAMS[c % REPO_TEAMS.len()],
                        REPO_BASES[c / REPO_TEAMS.len()]
                    )
                })
                .collect();
            sink.json(
                &base.join("_catalog").join("page-0001.json"),
                &json!({ "repositories": names }),
            )?;
            repos += names.len();
            for (j, repo) in names.iter().enumerate() {
                let (tag_list, manifest_list) = self.repository(side, k, j);
                tags += tag_list.len();
                manifests += manifest_list.len();
                let page = format!("page-{:04}.json", j + 1);
                sink.json(
                    &base.join("_tags").join(&page),
                    &json!({ "registry": reg.login_server, "imageName": repo, "tags": tag_list }),
                )?;
                sink.json(
                    &base.join("_manifests").join(&page),
                    &json!({ "registry": reg.login_server, "imageName": repo, "manifests": manifest_list }),
                )?;
            }
        }
        Ok(vec![
            (kind!(side, "repositories"), repos),
            (kind!(side, "tags"), tags),
            (kind!(side, "manifests"), manifests),
        ])
    }

    /// Tags and manifests of one repository: a version series with `latest`
    /// on the newest, a few untagged manifests, and multi-arch indexes in
    /// some repositories.
    fn repository(&self, side: Side, k: usize, j: usize) -> (Vec<Value>, Vec<Value>) {
        let mut r = self.rng(side, stream::REPO, k * 64 + j + 1);
        let versions = if chance(&mut r, 0.02) {
            r.random_range(60..=100)
        } else {
            r.random_range(1..=20)
        };
        let multi_arch = chance(&mut r, 0.15);
        let locked = chance(&mut r, 0.05);
        let mut start = ago(&mut r, self.as_of, 100, 900);
        let attrs = |write: bool| json!({ "deleteEnabled": write, "writeEnabled": write, "readEnabled": true, "listEnabled": true });
        let mut tags = Vec::new();
        let mut manifests = Vec::new();
        for v in 0..versions {
            start += Duration::hours(r.random_range(6..240));
            let created = fmt_7(start);
            let dg = digest(&mut r);
            let name = format!("1.{}.{}", v / 10, v % 10);
            let mut names = vec![json!(name)];
            if v + 1 == versions && chance(&mut r, 0.6) {
                names.push(json!("latest"));
            }
            for n in &names {
                tags.push(json!({
                    "name": n,
                    "digest": dg,
                    "createdTime": created,
                    "lastUpdateTime": created,
                    "signed": false,
                    "changeableAttributes": attrs(!locked),
                }));
            }
            let mut m = json!({
                "digest": dg,
                "imageSize": r.random_range(5_000_000..900_000_000i64),
                "createdTime": created,
                "lastUpdateTime": created,
                "tags": names,
                "changeableAttributes": attrs(!locked),
            });
            if multi_arch {
                m["mediaType"] = json!("application/vnd.oci.image.index.v1+json");
                for arch in ["amd64", "arm64"] {
                    manifests.push(json!({
                        "digest": digest(&mut r),
                        "imageSize": r.random_range(5_000_000..400_000_000i64),
                        "createdTime": created,
                        "lastUpdateTime": created,
                        "architecture": arch,
                        "os": "linux",
                        "mediaType": "application/vnd.oci.image.manifest.v1+json",
                        "configMediaType": "application/vnd.oci.image.config.v1+json",
                        "changeableAttributes": attrs(true),
                    }));
                }
            } else {
                m["mediaType"] = json!("application/vnd.docker.distribution.manifest.v2+json");
                m["configMediaType"] = json!("application/vnd.docker.container.image.v1+json");
                m["architecture"] = json!("amd64");
                m["os"] = json!(if chance(&mut r, 0.1) {
                    "windows"
                } else {
                    "linux"
                });
            }
            manifests.push(m);
        }
        for _ in 0..r.random_range(0..=3) {
            let created = fmt_7(ago(&mut r, self.as_of, 50, 800));
            manifests.push(json!({
                "digest": digest(&mut r),
                "imageSize": r.random_range(5_000_000..400_000_000i64),
                "createdTime": created,
                "lastUpdateTime": created,
                "architecture": "amd64",
                "os": "linux",
                "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                "changeableAttributes": attrs(true),
            }));
        }
        (tags, manifests)
    }
}

// ---------------------------------------------------------------------------
// Compute galleries
// ---------------------------------------------------------------------------

const GALLERY_IMAGES: [(&str, &str, &str); 6] = [
    ("ubuntu-2204-base", "Linux", "ubuntu"),
    ("rhel8-hardened", "Linux", "rhel"),
    ("win2022-base", "Windows", "windowsserver"),
    ("win2019-iis", "Windows", "windowsserver"),
    ("sql2022-std", "Windows", "sqlserver"),
    ("aks-node-custom", "Linux", "aksnode"),
];

impl World {
    fn gallery(&self, t: &Tenant, g: usize) -> (Rg, String, R) {
        let plain = (t.rgs - t.rg_offset).max(1);
        let rg = self.rg(t, t.rg_offset + (g * 17 + 5) % plain);
        let mut r = self.rng(t.side, stream::GALLERY, g);
        let name = if chance(&mut r, 0.3) {
            format!("{}_Gallery_{g:03}", capitalise(t.key))
        } else {
            format!("{}_gallery_{g:03}", t.key)
        };
        (rg, name, r)
    }

    fn arm_galleries(&self, sink: &Sink, side: Side) -> Result<Counts> {
        let t = self.t(side);
        let mut galleries = Coll::new(sink, side, "arm/galleries");
        let mut images = Coll::new(sink, side, "arm/gallery-images");
        let mut versions = Coll::new(sink, side, "arm/gallery-image-versions");
        for (s, sub) in t.subs.iter().enumerate() {
            let items: Vec<Value> = (0..t.galleries)
                .filter(|g| self.gallery(t, *g).0.sub == s)
                .map(|g| {
                    let (rg, name, mut r) = self.gallery(t, g);
                    json!({
                        "id": format!("{}/providers/Microsoft.Compute/galleries/{name}", self.rg_id(t, &rg)),
                        "name": name,
                        "type": "Microsoft.Compute/galleries",
                        "location": arm_location(&mut r, rg.region),
                        "tags": {},
                        "properties": {
                            "description": format!("{} golden images", t.org),
                            "identifier": { "uniqueName": format!("{sub}-{}", name.to_uppercase()) },
                            "sharingProfile": { "permissions": if chance(&mut r, 0.3) { "Groups" } else { "Private" } },
                            "provisioningState": "Succeeded",
                        },
                    })
                })
                .collect();
            galleries.all(
                Style::arm(&format!("/subscriptions/{sub}/providers/Microsoft.Compute/galleries?api-version={API_GALLERY}")),
                ARM_PAGE,
                items,
            )?;
        }
        for g in 0..t.galleries {
            let (rg, gallery, mut r) = self.gallery(t, g);
            let gallery_path = format!(
                "{}/providers/Microsoft.Compute/galleries/{gallery}",
                self.rg_id(t, &rg)
            );
            let count = if side == Side::Source {
                r.random_range(3..=6)
            } else {
                1
            };
            let mut image_items = Vec::new();
            for j in 0..count {
                let mut ri = self.rng(side, stream::IMAGE, g * 16 + j);
                let (image, os_type, offer) = GALLERY_IMAGES[(g + j) % GALLERY_IMAGES.len()];
                let hyper_v = if chance(&mut ri, 0.7) { "V2" } else { "V1" };
                let mut props = json!({
                    "osType": os_type,
                    "osState": if chance(&mut ri, 0.85) { "Generalized" } else { "Specialized" },
                    "hyperVGeneration": hyper_v,
                    "architecture": if chance(&mut ri, 0.03) { "Arm64" } else { "x64" },
                    "identifier": { "publisher": t.key, "offer": offer, "sku": image },
                    "recommended": { "vCPUs": { "min": 2, "max": 16 }, "memory": { "min": 4, "max": 64 } },
                    "provisioningState": "Succeeded",
                });
                if hyper_v == "V2" && chance(&mut ri, 0.4) {
                    props["features"] =
                        json!([{ "name": "SecurityType", "value": "TrustedLaunch" }]);
                }
                image_items.push(json!({
                    "id": gallery_child_id(t, &rg, &gallery, &[("Images", image)], &mut ri),
                    "name": image,
                    "type": "Microsoft.Compute/galleries/images",
                    "location": arm_location(&mut ri, rg.region),
                    "tags": {},
                    "properties": props,
                }));
                let version_items = self.image_versions(t, &rg, &gallery, image, g * 16 + j);
                versions.all(
                    Style::arm(&format!("{gallery_path}/images/{image}/versions?api-version={API_GALLERY}&$expand=ReplicationStatus")),
                    ARM_PAGE,
                    version_items,
                )?;
            }
            images.all(
                Style::arm(&format!("{gallery_path}/images?api-version={API_GALLERY}")),
                ARM_PAGE,
                image_items,
            )?;
        }
        images.ensure_page()?;
        versions.ensure_page()?;
        Ok(vec![
            (kind!(side, "galleries"), galleries.items),
            (kind!(side, "gallery images"), images.items),
            (kind!(side, "gallery image versions"), versions.items),
        ])
    }

    fn image_versions(
        &self,
        t: &Tenant,
        rg: &Rg,
        gallery: &str,
        image: &str,
        index: usize,
    ) -> Vec<Value> {
        let mut r = self.rng(t.side, stream::IMAGE, 1_000_000 + index);
        (0..r.random_range(1..=4))
            .map(|v| {
                let version = format!("1.{v}.0");
                let mut regions = vec![rg.region];
                if chance(&mut r, 0.6) {
                    let extra = r.random_range(0..REGIONS.len());
                    if extra != rg.region {
                        regions.push(extra);
                    }
                }
                let state = *weighted(&mut r, &[("Completed", 90), ("InProgress", 7), ("Failed", 3)]);
                let summary: Vec<Value> = regions
                    .iter()
                    .enumerate()
                    .map(|(n, region)| {
                        let (st, progress) = match (state, n) {
                            ("InProgress", n) if n + 1 == regions.len() => ("Replicating", 40),
                            ("Failed", n) if n + 1 == regions.len() => ("Failed", 0),
                            _ => ("Completed", 100),
                        };
                        json!({ "region": REGIONS[*region].1, "state": st, "details": "", "progress": progress })
                    })
                    .collect();
                let published = ago(&mut r, self.as_of, 5, 700);
                let source = if chance(&mut r, 0.3) {
                    json!({ "virtualMachineId": format!("/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Compute/virtualMachines/build-{image}", t.subs[rg.sub], rg.name) })
                } else {
                    json!({ "id": format!("/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Compute/images/{image}-{version}", t.subs[rg.sub], rg.name) })
                };
                json!({
                    "id": gallery_child_id(t, rg, gallery, &[("Images", image), ("Versions", &version)], &mut r),
                    "name": version,
                    "type": "Microsoft.Compute/galleries/images/versions",
                    "location": arm_location(&mut r, rg.region),
                    "tags": {},
                    "properties": {
                        "publishingProfile": {
                            "targetRegions": regions.iter().map(|region| json!({
                                "name": REGIONS[*region].1,
                                "regionalReplicaCount": 1,
                                "storageAccountType": "Standard_LRS",
                            })).collect::<Vec<_>>(),
                            "replicaCount": 1,
                            "excludeFromLatest": chance(&mut r, 0.1),
                            "publishedDate": fmt_compute(published),
                            "endOfLifeDate": fmt_compute(published + Duration::days(*pick(&mut r, &[180, 365, 730]))),
                            "storageAccountType": "Standard_LRS",
                        },
                        "storageProfile": {
                            "source": source,
                            "osDiskImage": { "sizeInGB": 30, "hostCaching": "ReadWrite", "source": {} },
                        },
                        "safetyProfile": { "allowDeletionOfReplicatedLocations": false },
                        "provisioningState": "Succeeded",
                        "replicationStatus": { "aggregatedState": state, "summary": summary },
                    },
                })
            })
            .collect()
    }
}

/// Gallery image (version) ids as the service returns them: mostly with an
/// extra `locations/{region}` segment and capitalised `Galleries/Images/Versions`.
fn gallery_child_id(
    t: &Tenant,
    rg: &Rg,
    gallery: &str,
    parts: &[(&str, &str)],
    r: &mut R,
) -> String {
    let tail: String = parts
        .iter()
        .map(|(seg, name)| format!("/{seg}/{name}"))
        .collect();
    if chance(r, 0.7) {
        format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Compute/locations/{}/Galleries/{gallery}{tail}",
            t.subs[rg.sub], rg.name, REGIONS[rg.region].0
        )
    } else {
        let tail: String = parts
            .iter()
            .map(|(seg, name)| format!("/{}/{name}", seg.to_lowercase()))
            .collect();
        format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Compute/galleries/{gallery}{tail}",
            t.subs[rg.sub], rg.name
        )
    }
}

// ---------------------------------------------------------------------------
// RBAC: role definitions and role assignments
// ---------------------------------------------------------------------------

/// A role definition as (id or name, role name, description, actions,
/// notActions, dataActions).
type RoleTemplate = (
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
);

const BUILTIN_ROLES: [RoleTemplate; 11] = [
    ("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner", "Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.", &["*"], &[], &[]),
    ("b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor", "Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC, manage assignments in Azure Blueprints, or share image galleries.", &["*"], &["Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write", "Microsoft.Authorization/elevateAccess/Action", "Microsoft.Blueprint/blueprintAssignments/write", "Microsoft.Blueprint/blueprintAssignments/delete", "Microsoft.Compute/galleries/share/action", "Microsoft.Purview/consents/write", "Microsoft.Purview/consents/delete"], &[]),
    ("acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader", "View all resources, but does not allow you to make any changes.", &["*/read"], &[], &[]),
    ("18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", "User Access Administrator", "Lets you manage user access to Azure resources.", &["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"], &[], &[]),
    ("9980e02c-c2be-4d73-94e8-173b1dc7cf3c", "Virtual Machine Contributor", "Create and manage virtual machines, manage disks, install and run software, reset password of the root user of the virtual machine using VM extensions, and manage local user accounts using VM extensions.", &["Microsoft.Authorization/*/read", "Microsoft.Compute/availabilitySets/*", "Microsoft.Compute/locations/*", "Microsoft.Compute/virtualMachines/*", "Microsoft.Compute/virtualMachineScaleSets/*", "Microsoft.Compute/disks/write", "Microsoft.Compute/disks/read", "Microsoft.Compute/disks/delete", "Microsoft.Network/networkInterfaces/*", "Microsoft.Network/virtualNetworks/read", "Microsoft.Network/virtualNetworks/subnets/join/action", "Microsoft.Resources/deployments/*", "Microsoft.Resources/subscriptions/resourceGroups/read"], &[], &[]),
    ("7efff54f-a5b4-42b5-a1c5-5411624893ce", "Disk Snapshot Contributor", "Provides permission to backup vault to manage disk snapshots.", &["Microsoft.Authorization/*/read", "Microsoft.Compute/snapshots/delete", "Microsoft.Compute/snapshots/write", "Microsoft.Compute/snapshots/read", "Microsoft.Compute/snapshots/beginGetAccess/action", "Microsoft.Compute/snapshots/endGetAccess/action", "Microsoft.Compute/disks/beginGetAccess/action", "Microsoft.Storage/storageAccounts/listkeys/action", "Microsoft.Storage/storageAccounts/write", "Microsoft.Storage/storageAccounts/read", "Microsoft.Resources/subscriptions/resourceGroups/read"], &[], &[]),
    ("3e5e47e6-65f7-47ef-90b5-e5dd4d455f24", "Disk Backup Reader", "Provides permission to backup vault to perform disk backup.", &["Microsoft.Authorization/*/read", "Microsoft.Compute/disks/read", "Microsoft.Compute/disks/beginGetAccess/action"], &[], &[]),
    ("959f8984-c045-4866-89c7-12bf9737be2e", "Data Operator for Managed Disks", "Provides permissions to upload data to empty managed disks, read, or export data of managed disks and snapshots using SAS URIs and Azure AD authentication.", &[], &[], &["Microsoft.Compute/disks/download/action", "Microsoft.Compute/disks/upload/action", "Microsoft.Compute/snapshots/download/action", "Microsoft.Compute/snapshots/upload/action"]),
    ("7f951dda-4ed3-4680-a7ca-43fe172d538d", "AcrPull", "acr pull", &["Microsoft.ContainerRegistry/registries/pull/read"], &[], &[]),
    ("8311e382-0749-4cb8-b61a-304f252e45ec", "AcrPush", "acr push", &["Microsoft.ContainerRegistry/registries/pull/read", "Microsoft.ContainerRegistry/registries/push/write"], &[], &[]),
    ("577a9874-89fd-4f24-9dbd-b5034d0ad23a", "Container Registry Data Importer and Data Reader", "Allows import of images to a registry through the registry's importImage ARM action.", &["Microsoft.ContainerRegistry/registries/importImage/action", "Microsoft.ContainerRegistry/registries/read"], &[], &["Microsoft.ContainerRegistry/registries/repositories/content/read", "Microsoft.ContainerRegistry/registries/repositories/metadata/read"]),
];

mod role {
    pub const OWNER: usize = 0;
    pub const CONTRIBUTOR: usize = 1;
    pub const READER: usize = 2;
    pub const USER_ACCESS_ADMIN: usize = 3;
    pub const VM_CONTRIBUTOR: usize = 4;
    pub const DISK_SNAPSHOT_CONTRIBUTOR: usize = 5;
    pub const ACR_PULL: usize = 8;
    pub const ACR_PUSH: usize = 9;
    pub const ACR_IMPORTER: usize = 10;
}

/// Custom roles; the first is the minimal cross-tenant disk reader.
const CUSTOM_ROLES: [RoleTemplate; 6] = [
    (
        "",
        "Cross-Tenant Disk Reader",
        "Read disks and open them for a cross-tenant snapshot copy.",
        &[
            "Microsoft.Compute/disks/read",
            "Microsoft.Compute/disks/beginGetAccess/action",
        ],
        &[],
        &[],
    ),
    (
        "",
        "Compute Operator",
        "Operate VMs and disks; no deletes, no disk export.",
        &[
            "Microsoft.Compute/*",
            "Microsoft.Network/*/read",
            "Microsoft.Resources/subscriptions/resourceGroups/read",
        ],
        &[
            "Microsoft.Compute/*/delete",
            "Microsoft.Compute/disks/beginGetAccess/action",
        ],
        &[],
    ),
    (
        "",
        "Snapshot Writer",
        "Create snapshots.",
        &[
            "Microsoft.Compute/snapshots/*",
            "Microsoft.Compute/disks/read",
            "Microsoft.Resources/subscriptions/resourceGroups/read",
        ],
        &["Microsoft.Compute/snapshots/delete"],
        &[],
    ),
    (
        "",
        "Registry Importer",
        "Import images into registries.",
        &[
            "Microsoft.ContainerRegistry/registries/read",
            "Microsoft.ContainerRegistry/registries/importImage/action",
        ],
        &[],
        &["Microsoft.ContainerRegistry/registries/repositories/content/read"],
    ),
    (
        "",
        "Auditor",
        "Read everything except secrets.",
        &["*/read"],
        &[
            "Microsoft.KeyVault/vaults/secrets/*",
            "Microsoft.Storage/storageAccounts/listkeys/action",
        ],
        &[],
    ),
    (
        "",
        "Gallery Publisher",
        "Publish gallery images.",
        &[
            "Microsoft.Compute/galleries/*",
            "Microsoft.Compute/images/read",
        ],
        &["Microsoft.Compute/galleries/share/action"],
        &[],
    ),
];

/// One role assignment before it is written: role, principal and scope.
struct Grant {
    sub: usize,
    scope: String,
    role: RoleRef,
    principal: String,
    principal_type: &'static str,
}

/// A role by index: built-ins first, then custom roles.
#[derive(Clone, Copy)]
enum RoleRef {
    Builtin(usize),
    Custom(usize),
}

impl World {
    fn custom_role_id(&self, t: &Tenant, c: usize) -> String {
        guid(&mut self.rng(t.side, stream::ROLE_DEF, c))
    }

    fn role_guid(&self, t: &Tenant, role: RoleRef) -> String {
        match role {
            RoleRef::Builtin(b) => BUILTIN_ROLES[b].0.to_string(),
            RoleRef::Custom(c) => self.custom_role_id(t, c),
        }
    }

    fn role_definitions(&self, t: &Tenant) -> Vec<Value> {
        let sub0 = &t.subs[0];
        let definition = |id: String,
                          template: &RoleTemplate,
                          name: String,
                          custom: bool,
                          created: String| {
            let (_, _, description, actions, not_actions, data_actions) = *template;
            let scopes: Vec<String> = if custom {
                (0..t.subs.len()).map(|s| t.sub_id(s)).collect()
            } else {
                vec!["/".into()]
            };
            json!({
                "properties": {
                    "roleName": name,
                    "type": if custom { "CustomRole" } else { "BuiltInRole" },
                    "description": description,
                    "assignableScopes": scopes,
                    "permissions": [{ "actions": actions, "notActions": not_actions, "dataActions": data_actions, "notDataActions": [] }],
                    "createdOn": created,
                    "updatedOn": created,
                    "createdBy": null,
                    "updatedBy": null,
                },
                "id": format!("/subscriptions/{sub0}/providers/Microsoft.Authorization/roleDefinitions/{id}"),
                "type": "Microsoft.Authorization/roleDefinitions",
                "name": id,
            })
        };
        let mut out: Vec<Value> = BUILTIN_ROLES
            .iter()
            .map(|b| {
                definition(
                    b.0.to_string(),
                    b,
                    b.1.to_string(),
                    false,
                    "2015-02-02T21:55:09.8806423Z".into(),
                )
            })
            .collect();
        for c in 0..t.custom_roles {
            let template = &CUSTOM_ROLES[c % CUSTOM_ROLES.len()];
            let name = if c < CUSTOM_ROLES.len() {
                template.1.to_string()
            } else {
                format!("{} {}", template.1, c / CUSTOM_ROLES.len() + 1)
            };
            let mut r = self.rng(t.side, stream::ROLE_DEF, 10_000 + c);
            out.push(definition(
                self.custom_role_id(t, c),
                template,
                name,
                true,
                fmt_7(ago(&mut r, self.as_of, 30, 900)),
            ));
        }
        out
    }

    /// Assignments the workloads need, placed first in their subscription's
    /// chain: the migration identity's roles in each tenant.
    fn special_assignments(&self, t: &Tenant) -> Vec<Grant> {
        let user = |sub, scope, role, principal: &String| Grant {
            sub,
            scope,
            role: RoleRef::Builtin(role),
            principal: principal.clone(),
            principal_type: "User",
        };
        let mut out = Vec::new();
        match t.side {
            Side::Source => {
                let guest = self.special(special::MIGRATOR_GUEST);
                for s in 0..t.subs.len() {
                    out.push(Grant {
                        role: RoleRef::Custom(0),
                        ..user(s, t.sub_id(s), 0, &guest)
                    });
                }
                for k in 0..t.registries {
                    let reg = self.registry(t, k).0;
                    out.push(user(reg.sub, reg.id, role::ACR_PULL, &guest));
                }
                // The gallery app reads the galleries it shares.
                let gallery_sp = self.special(special::GALLERY_SP);
                for g in 0..t.galleries {
                    let (rg, name, _) = self.gallery(t, g);
                    let scope = format!(
                        "{}/providers/Microsoft.Compute/galleries/{name}",
                        self.rg_id(t, &rg)
                    );
                    out.push(Grant {
                        principal_type: "ServicePrincipal",
                        ..user(rg.sub, scope, role::READER, &gallery_sp)
                    });
                }
            }
            Side::Target => {
                let home = self.special(special::MIGRATOR_HOME);
                let landing = self.rg_id(t, &self.rg(t, 0));
                out.push(user(
                    0,
                    landing.clone(),
                    role::DISK_SNAPSHOT_CONTRIBUTOR,
                    &home,
                ));
                out.push(user(0, landing.clone(), role::VM_CONTRIBUTOR, &home));
                let gallery_sp = self.special(special::GALLERY_SP + 1);
                out.push(Grant {
                    principal_type: "ServicePrincipal",
                    ..user(0, landing, role::CONTRIBUTOR, &gallery_sp)
                });
                for k in 0..t.registries {
                    let reg = self.registry(t, k).0;
                    out.push(user(reg.sub, reg.id, role::ACR_IMPORTER, &home));
                }
            }
        }
        out.truncate(t.role_assignments);
        out
    }

    fn assignment_json(&self, t: &Tenant, r: &mut R, grant: &Grant) -> Value {
        let Grant {
            sub,
            scope,
            role,
            principal,
            principal_type,
        } = grant;
        let name = guid(r);
        let role_guid = self.role_guid(t, *role);
        // Often tenant-level even when listed at a subscription.
        let role_def = if chance(r, 0.3) {
            format!("/providers/Microsoft.Authorization/roleDefinitions/{role_guid}")
        } else {
            format!(
                "/subscriptions/{}/providers/Microsoft.Authorization/roleDefinitions/{role_guid}",
                t.subs[*sub]
            )
        };
        let (condition, version) = if matches!(role, RoleRef::Builtin(role::USER_ACCESS_ADMIN))
            && chance(r, 0.5)
        {
            (
                json!("((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {acdd72a7-3385-48ef-bd42-f606fba81ae7}))"),
                json!("2.0"),
            )
        } else {
            (Value::Null, Value::Null)
        };
        let created = fmt_7(ago(r, self.as_of, 1, 1_500));
        json!({
            "properties": {
                "roleDefinitionId": role_def,
                "principalId": principal,
                "principalType": principal_type,
                "scope": scope,
                "condition": condition,
                "conditionVersion": version,
                "createdOn": created,
                "updatedOn": created,
                "createdBy": guid(r),
                "updatedBy": guid(r),
                "delegatedManagedIdentityResourceId": null,
                "description": null,
            },
            "id": format!("{scope}/providers/Microsoft.Authorization/roleAssignments/{name}"),
            "type": "Microsoft.Authorization/roleAssignments",
            "name": name,
        })
    }

    /// Regular assignment `k`, in subscription `k % subs`: scoped to the
    /// subscription, a resource group, or a disk, VM or registry in it.
    fn regular_assignment(&self, t: &Tenant, k: usize) -> Value {
        let subs = t.subs.len();
        let sub = k % subs;
        let mut r = self.rng(t.side, stream::ROLE_ASSIGNMENT, k);
        let rg_count = if sub < t.rgs {
            (t.rgs - sub).div_ceil(subs)
        } else {
            0
        };
        let roll = r.random_range(0..100);
        let (scope, kind) = if rg_count == 0 || roll < 8 {
            (t.sub_id(sub), "subscription")
        } else {
            let ri = sub + subs * r.random_range(0..rg_count);
            let rg = self.rg(t, ri);
            let rg_scope = if chance(&mut r, 0.1) {
                format!("/subscriptions/{}/resourcegroups/{}", t.subs[sub], rg.name)
            } else {
                self.rg_id(t, &rg)
            };
            let first_disk = ri.saturating_sub(t.rg_offset) * 25;
            let disks_here = if ri < t.rg_offset {
                0
            } else {
                t.disks.saturating_sub(first_disk).min(25)
            };
            if roll < 53 || disks_here == 0 {
                (rg_scope, "group")
            } else if roll < 90 {
                let d = first_disk + r.random_range(0..disks_here);
                if chance(&mut r, 0.55) {
                    (self.disk_spec(t, d).0.id, "disk")
                } else {
                    let v = 2 * (d / 5) + usize::from(chance(&mut r, 0.5));
                    if v < t.vms {
                        (self.vm_id(t, &self.vm_place(t, v).0, false), "vm")
                    } else {
                        (rg_scope, "group")
                    }
                }
            } else {
                let reg =
                    (t.registries > 0).then(|| self.registry(t, r.random_range(0..t.registries)).0);
                match reg {
                    Some(reg) if reg.sub == sub => (reg.id, "registry"),
                    _ => (rg_scope, "group"),
                }
            }
        };
        let role = if kind == "registry" {
            *weighted(
                &mut r,
                &[
                    (RoleRef::Builtin(role::ACR_PULL), 60),
                    (RoleRef::Builtin(role::ACR_PUSH), 25),
                    (RoleRef::Builtin(role::CONTRIBUTOR), 15),
                ],
            )
        } else if chance(&mut r, 0.15) {
            RoleRef::Custom(r.random_range(0..t.custom_roles))
        } else {
            *weighted(
                &mut r,
                &[
                    (RoleRef::Builtin(role::READER), 40),
                    (RoleRef::Builtin(role::CONTRIBUTOR), 30),
                    (RoleRef::Builtin(role::VM_CONTRIBUTOR), 12),
                    (RoleRef::Builtin(role::OWNER), 6),
                    (RoleRef::Builtin(role::DISK_SNAPSHOT_CONTRIBUTOR), 4),
                    (RoleRef::Builtin(role::USER_ACCESS_ADMIN), 3),
                    (RoleRef::Builtin(6), 3),
                    (RoleRef::Builtin(7), 2),
                ],
            )
        };
        let (principal, principal_type) = match r.random_range(0..100) {
            0..=59 => (self.some_user(t.side, &mut r), "User"),
            60..=84 => (
                self.group_id(t.side, r.random_range(0..t.groups.max(1))),
                "Group",
            ),
            85..=97 if t.apps > 0 => (
                self.app_sp(t.side, r.random_range(0..t.apps)),
                "ServicePrincipal",
            ),
            // A principal deleted from the directory: the assignment lingers.
            _ => (guid(&mut r), "User"),
        };
        let grant = Grant {
            sub,
            scope,
            role,
            principal,
            principal_type,
        };
        self.assignment_json(t, &mut r, &grant)
    }

    fn arm_rbac(&self, sink: &Sink, side: Side) -> Result<Counts> {
        let t = self.t(side);
        let mut defs = Coll::new(sink, side, "arm/role-definitions");
        defs.all(
            Style::arm(&format!("/subscriptions/{}/providers/Microsoft.Authorization/roleDefinitions?api-version={API_AUTHZ}", t.subs[0])),
            ARM_PAGE,
            self.role_definitions(t),
        )?;

        let specials = self.special_assignments(t);
        let regular = t.role_assignments - specials.len();
        let mut assignments = Coll::new(sink, side, "arm/role-assignments");
        for (s, sub) in t.subs.iter().enumerate() {
            let mut pager = assignments.chain(
                Style::arm(&format!("/subscriptions/{sub}/providers/Microsoft.Authorization/roleAssignments?api-version={API_AUTHZ}")),
                ARM_PAGE,
            );
            for (i, grant) in specials.iter().enumerate().filter(|(_, g)| g.sub == s) {
                let mut r = self.rng(side, stream::SPECIAL, 1_000 + i);
                pager.push(self.assignment_json(t, &mut r, grant))?;
            }
            for k in (s..regular).step_by(t.subs.len()) {
                pager.push(self.regular_assignment(t, k))?;
            }
            pager.finish()?;
        }
        Ok(vec![
            (kind!(side, "role definitions"), defs.items),
            (kind!(side, "role assignments"), assignments.items),
        ])
    }
}

// ---------------------------------------------------------------------------
// Exchange Online
// ---------------------------------------------------------------------------

const ZERO_GUID: &str = "00000000-0000-0000-0000-000000000000";
const RECOVERABLE_QUOTA: &str = "30 GB (32,212,254,720 bytes)";
const MAILBOX_QUOTA: &str = "100 GB (107,374,182,400 bytes)";

impl World {
    fn exo_recipients(&self, sink: &Sink, side: Side) -> Result<Counts> {
        let t = self.t(side);
        let style = || Style::Exo(t.id.clone());
        let mut mailboxes = Coll::new(sink, side, "exchange/Get-Mailbox");
        let mut mail_users = Coll::new(sink, side, "exchange/Get-MailUser");
        match side {
            Side::Source => {
                mailboxes.all(
                    style(),
                    EXO_PAGE,
                    (0..self.persons).map(|i| self.mailbox_json(&self.person(i))),
                )?;
                mail_users.all(
                    style(),
                    EXO_PAGE,
                    (0..t.extras).map(|k| self.contractor_mail_user(k)),
                )?;
                let mut members = Coll::new(
                    sink,
                    side,
                    &format!("exchange/Get-DistributionGroupMember/{SCOPE_GROUP}"),
                );
                let items = (0..self.persons)
                    .map(|i| self.person(i))
                    .filter(|p| p.in_scope)
                    .map(|p| {
                        json!({
                            "Identity": p.alias,
                            "Name": p.alias,
                            "DisplayName": p.display,
                            "PrimarySmtpAddress": p.src_primary(self),
                            "ExchangeGuid": p.exchange_guid,
                            "ExternalDirectoryObjectId": p.src_user,
                            "RecipientType": "UserMailbox",
                            "RecipientTypeDetails": p.kind.details(),
                        })
                    });
                members.all(style(), EXO_PAGE, items)?;
                Ok(vec![
                    (kind!(side, "mailboxes"), mailboxes.items),
                    (kind!(side, "mail users"), mail_users.items),
                    (kind!(side, "scope group members"), members.items),
                ])
            }
            Side::Target => {
                mailboxes.all(
                    style(),
                    EXO_PAGE,
                    (0..t.extras).map(|k| self.native_mailbox(k)),
                )?;
                let items = (0..self.persons)
                    .map(|i| self.person(i))
                    .filter(Person::has_target)
                    .map(|p| self.mail_user_json(&p));
                mail_users.all(style(), EXO_PAGE, items)?;
                Ok(vec![
                    (kind!(side, "mailboxes"), mailboxes.items),
                    (kind!(side, "mail users"), mail_users.items),
                ])
            }
        }
    }

    fn mailbox_json(&self, p: &Person) -> Value {
        let src = &self.src;
        let mut addresses = vec![
            format!("SMTP:{}", p.src_primary(self)),
            format!("smtp:{}@{}", p.alias, src.initial),
        ];
        if p.hybrid {
            addresses.push(format!("smtp:{}@{}.mail.onmicrosoft.com", p.alias, src.key));
        }
        if p.kind == MailboxKind::User {
            addresses.push(format!("SPO:SPO_{}@SPO_{}", p.mailbox_object, src.id));
            if p.sip {
                addresses.push(format!("SIP:{}", p.src_upn(self)));
            }
        }
        if let Some(x500) = &p.onprem_x500 {
            addresses.push(x500.clone());
        }
        let mut locations = vec![format!(
            "1;{};Primary;{};{}",
            p.exchange_guid, src.initial, p.mailbox_object
        )];
        if let Some(archive) = &p.archive_guid {
            locations.push(format!(
                "1;{archive};MainArchive;{};{}",
                src.initial, p.mailbox_object
            ));
        }
        for aux in &p.aux_archives {
            locations.push(format!(
                "1;{aux};AuxArchive;{};{}",
                src.initial, p.mailbox_object
            ));
        }
        let mut capabilities = Vec::new();
        if p.kind == MailboxKind::User {
            capabilities.push(if p.index % 5 == 0 {
                "BPOS_S_Enterprise"
            } else {
                "BPOS_S_Standard"
            });
            if p.t2t_licence_src {
                capabilities.push("ExchangeT2TMbxMove");
            }
        }
        json!({
            "Name": p.alias,
            "Alias": p.alias,
            "DisplayName": p.display,
            "Identity": p.alias,
            "Guid": p.mailbox_object,
            "ExternalDirectoryObjectId": p.src_user,
            "ExchangeGuid": p.exchange_guid,
            "ArchiveGuid": p.archive_guid.as_deref().unwrap_or(ZERO_GUID),
            "ArchiveStatus": if p.archive_guid.is_some() { "Active" } else { "None" },
            "ArchiveState": if p.archive_guid.is_some() { "Local" } else { "None" },
            "ArchiveName": if p.archive_guid.is_some() { vec![format!("In-Place Archive - {}", p.display)] } else { Vec::new() },
            "DisabledArchiveGuid": p.disabled_archive.as_deref().unwrap_or(ZERO_GUID),
            "AutoExpandingArchiveEnabled": p.auto_expanding,
            "LegacyExchangeDN": p.src_legacy_dn,
            "EmailAddresses": addresses,
            "PrimarySmtpAddress": p.src_primary(self),
            "WindowsEmailAddress": p.src_primary(self),
            "UserPrincipalName": p.src_upn(self),
            "MicrosoftOnlineServicesID": p.src_upn(self),
            "RecipientType": "UserMailbox",
            "RecipientTypeDetails": p.kind.details(),
            "IsDirSynced": p.src_synced,
            "LitigationHoldEnabled": p.litigation_hold,
            "DelayHoldApplied": p.delay_hold,
            "DelayReleaseHoldApplied": p.delay_release_hold,
            "ComplianceTagHoldApplied": p.compliance_tag_hold,
            "RetentionHoldEnabled": false,
            "InPlaceHolds": p.in_place_holds,
            "MailboxLocations": locations,
            "PersistedCapabilities": capabilities,
            "RecoverableItemsQuota": RECOVERABLE_QUOTA,
            "ProhibitSendReceiveQuota": MAILBOX_QUOTA,
            "HiddenFromAddressListsEnabled": p.kind == MailboxKind::Equipment,
            "GrantSendOnBehalfTo": [],
            "Database": p.database,
            "OrganizationalUnit": format!("{}/Configuration", src.initial),
            "WhenCreatedUTC": fmt_z(p.created),
        })
    }

    /// The target MailUser prepared for person `p`, with its fault applied.
    fn mail_user_json(&self, p: &Person) -> Value {
        let tgt = &self.tgt;
        let mut addresses = vec![
            format!("SMTP:{}", p.tgt_primary(self)),
            format!("smtp:{}@{}", p.alias, tgt.initial),
        ];
        if p.fault != Fault::MissingX500 {
            addresses.push(format!("X500:{}", p.src_legacy_dn));
            if let Some(x500) = &p.onprem_x500 {
                addresses.push(x500.clone());
            }
        }
        if p.fault == Fault::ForeignProxy {
            // A source-domain proxy left on the target blocks the conversion.
            addresses.push(format!("smtp:{}@{}", p.alias, self.src.domain));
        }
        let exchange_guid = if p.fault == Fault::GuidMismatch {
            &p.wrong_mismatch_guid
        } else {
            &p.exchange_guid
        };
        let archive_guid = match (&p.archive_guid, p.fault) {
            (Some(_), Fault::MissingArchiveGuid) | (None, _) => ZERO_GUID,
            (Some(a), _) => a.as_str(),
        };
        let capabilities: Vec<&str> = if p.t2t_licence_tgt {
            vec!["ExchangeT2TMbxMove"]
        } else {
            Vec::new()
        };
        json!({
            "Name": p.alias,
            "Alias": p.alias,
            "DisplayName": p.display,
            "Identity": p.alias,
            "Guid": guid(&mut self.rng(Side::Target, stream::PERSON, p.index)),
            "ExternalDirectoryObjectId": p.tgt_user,
            "ExchangeGuid": exchange_guid,
            "ArchiveGuid": archive_guid,
            "LegacyExchangeDN": p.tgt_legacy_dn,
            "EmailAddresses": addresses,
            "PrimarySmtpAddress": p.tgt_primary(self),
            "WindowsEmailAddress": p.tgt_primary(self),
            "ExternalEmailAddress": format!("SMTP:{}@{}", p.alias, self.src.initial),
            "UserPrincipalName": p.tgt_upn(self),
            "MicrosoftOnlineServicesID": p.tgt_upn(self),
            "RecipientType": "MailUser",
            "RecipientTypeDetails": "MailUser",
            "IsDirSynced": p.tgt_synced,
            "PersistedCapabilities": capabilities,
            "RecoverableItemsQuota": RECOVERABLE_QUOTA,
            "MaxReceiveSize": if p.index % 3 == 0 { "150 MB (157,286,400 bytes)" } else { "36 MB (37,748,736 bytes)" },
            "HiddenFromAddressListsEnabled": false,
            "OrganizationalUnit": format!("{}/Configuration", tgt.initial),
            "WhenCreatedUTC": fmt_z(p.tgt_created),
        })
    }

    fn contractor_mail_user(&self, k: usize) -> Value {
        let (id, alias, display, mut r) = self.extra(Side::Source, k);
        let external = format!(
            "{}@{}",
            alias.trim_start_matches("ext."),
            pick(&mut r, &GUEST_DOMAINS)
        );
        json!({
            "Name": alias,
            "Alias": alias,
            "DisplayName": display,
            "Identity": alias,
            "Guid": guid(&mut r),
            "ExternalDirectoryObjectId": id,
            "ExchangeGuid": ZERO_GUID,
            "ArchiveGuid": ZERO_GUID,
            "LegacyExchangeDN": format!("/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn={}-{alias}", hex_string(&mut r, 32)),
            "EmailAddresses": [format!("SMTP:{external}"), format!("smtp:{alias}@{}", self.src.initial)],
            "PrimarySmtpAddress": external,
            "ExternalEmailAddress": format!("SMTP:{external}"),
            "UserPrincipalName": format!("{alias}@{}", self.src.domain),
            "RecipientType": "MailUser",
            "RecipientTypeDetails": "MailUser",
            "IsDirSynced": false,
            "PersistedCapabilities": [],
            "RecoverableItemsQuota": RECOVERABLE_QUOTA,
        })
    }

    fn native_mailbox(&self, k: usize) -> Value {
        let tgt = &self.tgt;
        let (id, alias, display, mut r) = self.extra(Side::Target, k);
        let primary = format!("{alias}@{}", tgt.domain);
        let exchange_guid = guid(&mut r);
        let db = guid(&mut r);
        json!({
            "Name": alias,
            "Alias": alias,
            "DisplayName": display,
            "Identity": alias,
            "Guid": guid(&mut r),
            "ExternalDirectoryObjectId": id,
            "ExchangeGuid": exchange_guid,
            "ArchiveGuid": ZERO_GUID,
            "ArchiveStatus": "None",
            "DisabledArchiveGuid": ZERO_GUID,
            "AutoExpandingArchiveEnabled": false,
            "LegacyExchangeDN": format!("/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn={}-{alias}", hex_string(&mut r, 32)),
            "EmailAddresses": [format!("SMTP:{primary}"), format!("smtp:{alias}@{}", tgt.initial)],
            "PrimarySmtpAddress": primary,
            "UserPrincipalName": primary,
            "MicrosoftOnlineServicesID": primary,
            "RecipientType": "UserMailbox",
            "RecipientTypeDetails": "UserMailbox",
            "IsDirSynced": false,
            "LitigationHoldEnabled": false,
            "DelayHoldApplied": false,
            "DelayReleaseHoldApplied": false,
            "ComplianceTagHoldApplied": false,
            "InPlaceHolds": [],
            "MailboxLocations": [format!("1;{exchange_guid};Primary;{};{db}", tgt.initial)],
            "PersistedCapabilities": ["BPOS_S_Standard"],
            "RecoverableItemsQuota": RECOVERABLE_QUOTA,
        })
    }

    /// Organization relationships, accepted domains and migration endpoints:
    /// the source publishes the move scope to the target, the target accepts
    /// inbound moves over the migration app.
    fn exo_organization(&self, sink: &Sink, side: Side) -> Result<Counts> {
        let t = self.t(side);
        let other = self.other(side);
        let app = self.migration_app_id();
        let relationship = |name: String,
                            domains: Vec<String>,
                            enabled: bool,
                            capability: &str,
                            oauth: Option<&str>,
                            scopes: Vec<&str>,
                            free_busy: bool| {
            json!({
                "Name": name,
                "Identity": name,
                "DomainNames": domains,
                "Enabled": enabled,
                "MailboxMoveEnabled": capability != "None",
                "MailboxMoveCapability": capability,
                "OAuthApplicationId": oauth,
                "MailboxMovePublishedScopes": scopes,
                "FreeBusyAccessEnabled": free_busy,
                "FreeBusyAccessLevel": if free_busy { "LimitedDetails" } else { "None" },
                "TargetApplicationUri": if free_busy { json!(format!("outlook.com/{}", other.initial)) } else { Value::Null },
                "TargetAutodiscoverEpr": if free_busy { json!(format!("https://autodiscover-s.outlook.com/autodiscover/autodiscover.svc/WSSecurity")) } else { Value::Null },
            })
        };
        let relationships = match side {
            Side::Source => vec![
                relationship(
                    format!("{} cross-tenant move", capitalise(other.key)),
                    vec![other.id.clone()],
                    true,
                    "RemoteOutbound",
                    Some(&app),
                    vec![SCOPE_GROUP],
                    false,
                ),
                // A second relationship to the same partner, for free/busy.
                relationship(
                    format!("{} free-busy", capitalise(other.key)),
                    vec![other.domain.clone(), other.initial.clone()],
                    true,
                    "None",
                    None,
                    vec![],
                    true,
                ),
            ],
            Side::Target => vec![relationship(
                format!("{} cross-tenant move", capitalise(other.key)),
                vec![other.id.clone()],
                true,
                "Inbound",
                None,
                vec![],
                false,
            )],
        };
        let mut rels = Coll::new(sink, side, "exchange/Get-OrganizationRelationship");
        rels.all(Style::Exo(t.id.clone()), EXO_PAGE, relationships)?;

        let domain = |name: &str, kind: &str, default: bool| json!({ "Name": name, "Identity": name, "DomainName": name, "DomainType": kind, "Default": default });
        let mut domains = Coll::new(sink, side, "exchange/Get-AcceptedDomain");
        domains.all(
            Style::Exo(t.id.clone()),
            EXO_PAGE,
            [
                domain(&t.domain, "Authoritative", true),
                domain(&t.initial, "Authoritative", false),
                domain(
                    &format!("{}.mail.onmicrosoft.com", t.key),
                    "InternalRelay",
                    false,
                ),
            ],
        )?;

        let endpoints = match side {
            Side::Source => Vec::new(),
            Side::Target => vec![json!({
                "Identity": format!("{}-t2t", capitalise(other.key)),
                "EndpointType": "ExchangeRemoteMove",
                "RemoteServer": "outlook.office.com",
                "RemoteTenant": other.initial,
                "ApplicationId": app,
                "AppSecretKeyVaultUrl": null,
                "MaxConcurrentMigrations": 20,
                "MaxConcurrentIncrementalSyncs": 10,
                "IsRemote": true,
                "LastModifiedTime": fmt_z(self.as_of - Duration::days(12)),
            })],
        };
        let mut eps = Coll::new(sink, side, "exchange/Get-MigrationEndpoint");
        eps.all(Style::Exo(t.id.clone()), EXO_PAGE, endpoints)?;
        Ok(vec![
            (kind!(side, "organization relationships"), rels.items),
            (kind!(side, "accepted domains"), domains.items),
            (kind!(side, "migration endpoints"), eps.items),
        ])
    }
}

// ---------------------------------------------------------------------------
// Power Platform
// ---------------------------------------------------------------------------

impl World {
    fn pp_environments(&self, sink: &Sink, side: Side) -> Result<Counts> {
        let t = self.t(side);
        let items = (0..=t.envs).map(|k| self.environment(t, k));
        let mut coll = Coll::new(sink, side, "powerplatform/environments");
        coll.all(
            Style::Arm("https://api.bap.microsoft.com/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments?api-version=2021-04-01&$expand=properties.capacity".into()),
            ARM_PAGE,
            items,
        )?;
        Ok(vec![(kind!(side, "environments"), coll.items)])
    }

    /// Environment `k`; the first is the tenant's default environment.
    fn environment(&self, t: &Tenant, k: usize) -> Value {
        let mut r = self.rng(t.side, stream::ENV, k);
        let name = if k == 0 {
            format!("Default-{}", t.id)
        } else {
            guid(&mut r)
        };
        let sku = if k == 0 {
            "Default"
        } else {
            *weighted(
                &mut r,
                &[
                    ("Production", 35),
                    ("Sandbox", 35),
                    ("Developer", 15),
                    ("Trial", 10),
                    ("Teams", 5),
                ],
            )
        };
        let (geo, region, crm) = *pick(
            &mut r,
            &[
                ("europe", "westeurope", "crm4"),
                ("europe", "northeurope", "crm4"),
                ("unitedstates", "eastus", "crm"),
                ("unitedkingdom", "uksouth", "crm11"),
            ],
        );
        let display = if k == 0 {
            format!("{} (default)", t.org)
        } else {
            format!(
                "{} {} {k}",
                pick(&mut r, &DEPARTMENTS),
                if sku == "Production" { "Prod" } else { sku }
            )
        };
        let created = ago(&mut r, self.as_of, 20, 1_500);
        let dataverse = sku != "Teams" && (k == 0 || chance(&mut r, 0.8));
        let managed = chance(&mut r, 0.15);
        let mut props = json!({
            "tenantId": t.id,
            "azureRegion": region,
            "displayName": display,
            "createdTime": fmt_7(created),
            "createdBy": { "id": "SYSTEM", "displayName": "SYSTEM", "type": "NotSpecified" },
            "lastModifiedTime": fmt_7(created + Duration::days(3)),
            "provisioningState": "Succeeded",
            "creationType": if k == 0 { "DefaultTenant" } else { "User" },
            "environmentSku": sku,
            "isDefault": k == 0,
            "clientUris": { "admin": format!("https://admin.powerplatform.microsoft.com/environments/environment/{name}/hub"), "maker": format!("https://make.powerapps.com/environments/{name}/home") },
            "runtimeEndpoints": { "microsoft.PowerApps": "https://api.powerapps.com", "microsoft.Flow": "https://emea.api.flow.microsoft.com" },
            "databaseType": if dataverse { "CommonDataService" } else { "None" },
            "retentionPeriod": "P7D",
            "states": { "management": { "id": "Ready" }, "runtime": { "id": if chance(&mut r, 0.03) { "Disabled" } else { "Enabled" } } },
            "governanceConfiguration": { "protectionLevel": if managed { "Standard" } else { "Basic" }, "settings": { "extendedSettings": {} } },
            "protectionStatus": { "keyManagedBy": if chance(&mut r, 0.05) { "Customer" } else { "Microsoft" } },
            "cluster": { "category": "Prod", "number": format!("{}", r.random_range(100..200)) },
            "capacity": [
                { "capacityType": "Database", "actualConsumption": (r.random_range(0..400_000) as f64) / 100.0, "ratedConsumption": 0, "capacityUnit": "MB", "updatedOn": fmt_7(ago(&mut r, self.as_of, 0, 2)) },
                { "capacityType": "File", "actualConsumption": (r.random_range(0..100_000) as f64) / 100.0, "ratedConsumption": 0, "capacityUnit": "MB", "updatedOn": fmt_7(ago(&mut r, self.as_of, 0, 2)) },
            ],
        });
        if dataverse {
            let org = format!("org{}", hex_string(&mut r, 8));
            let mut metadata = json!({
                "resourceId": guid(&mut r),
                "friendlyName": display,
                "uniqueName": format!("unq{}", hex_string(&mut r, 32)),
                "domainName": org,
                "version": "9.2.25013.00154",
                "instanceUrl": format!("https://{org}.{crm}.dynamics.com/"),
                "instanceApiUrl": format!("https://{org}.api.{crm}.dynamics.com"),
                "baseLanguage": 1033,
                "instanceState": "Ready",
                "createdTime": fmt_7(created),
                "platformSku": "Standard",
            });
            if chance(&mut r, 0.4) {
                metadata["securityGroupId"] =
                    json!(self.group_id(t.side, r.random_range(0..t.groups.max(1))));
            }
            props["linkedEnvironmentMetadata"] = metadata;
        }
        json!({
            "id": format!("/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/{name}"),
            "type": "Microsoft.BusinessAppPlatform/scopes/environments",
            "location": geo,
            "name": name,
            "properties": props,
        })
    }
}

// ---------------------------------------------------------------------------
// Files people write: config, user mapping, migration batch
// ---------------------------------------------------------------------------

impl World {
    fn write_config(&self, sink: &Sink) -> Result<Counts> {
        let user = |upn: String, mode: Mode| Identity {
            kind: IdentityKind::User,
            upn: Some(upn),
            app_id: None,
            mode,
            auth: None,
        };
        let app = |app_id: String, mode: Mode| Identity {
            kind: IdentityKind::App,
            upn: None,
            app_id: Some(app_id),
            mode,
            auth: None,
        };
        let mut config = Config {
            source: TenantConfig {
                tenant_id: Some(self.src.id.clone()),
                name: Some(self.src.org.into()),
                ..Default::default()
            },
            target: TenantConfig {
                tenant_id: Some(self.tgt.id.clone()),
                name: Some(self.tgt.org.into()),
                ..Default::default()
            },
            disk: DiskConfig {
                // Disks are copied in their own region, mostly the source's home.
                target_region: Some(REGIONS[self.src.home].0.into()),
                target_subscription_id: Some(self.tgt.subs[0].clone()),
                target_resource_group: Some(LANDING_RESOURCE_GROUP.into()),
                ..Default::default()
            },
            exchange: ExchangeConfig {
                scope_group: Some(SCOPE_GROUP.into()),
                batches: vec![PathBuf::from(BATCH_FILE)],
                // The per-mailbox output is saved for the wave (and held
                // mailboxes) only; a live collection asks for the wave.
                per_mailbox: crate::config::PerMailbox::Batches,
                ..Default::default()
            },
            powerplatform: PowerPlatformConfig {
                user_mapping: Some(PathBuf::from(USER_MAPPING_FILE)),
                ..Default::default()
            },
            ..Config::default()
        };
        config
            .identities
            .insert("disk".into(), user(self.migrator_upn(), Mode::Pull));
        config
            .identities
            .insert("acr".into(), user(self.migrator_upn(), Mode::Pull));
        config
            .identities
            .insert("gallery".into(), app(self.gallery_app_id(), Mode::Push));
        config
            .identities
            .insert("exchange".into(), app(self.migration_app_id(), Mode::Pull));
        config.identities.insert(
            "powerplatform".into(),
            user(self.pp_admin_upn(), Mode::Push),
        );
        let body = toml::to_string(&config).map_err(internal)?;
        let text = format!(
            "# Written by `{PRODUCER}` (seed {}, scale {}) for the synthetic pair in this directory.\n\n{body}",
            self.seed, self.scale
        );
        sink.bytes(&sink.root.join(crate::config::FILE_NAME), text.as_bytes())?;
        Ok(Vec::new())
    }

    /// `usermapping.csv` (every user mailbox, source UPN to target UPN) and
    /// one migration batch of target addresses, up to the 2,000 a batch
    /// should hold. Both carry the mistakes people make: a few batch rows
    /// give the source address, and people without a target user are mapped.
    fn write_user_files(&self, sink: &Sink) -> Result<Counts> {
        let mut mapping = sink.text(&sink.root.join(USER_MAPPING_FILE))?;
        let mut batch = sink.text(&sink.root.join(BATCH_FILE))?;
        mapping.line("Source,Destination")?;
        batch.line("EmailAddress")?;
        let (mut mapped, mut batched) = (0, 0);
        let mut r = self.rng(Side::Source, stream::FILES, 0);
        for i in 0..self.persons {
            let p = self.person(i);
            if p.kind != MailboxKind::User {
                continue;
            }
            mapping.line(&format!("{},{}", p.src_upn(self), p.tgt_upn(self)))?;
            mapped += 1;
            if batched < BATCH_MAX_ROWS && p.in_scope {
                let address = if chance(&mut r, 0.005) {
                    p.src_primary(self)
                } else {
                    p.tgt_primary(self)
                };
                batch.line(&address)?;
                batched += 1;
            }
        }
        mapping.finish()?;
        batch.finish()?;
        Ok(vec![("user mapping rows", mapped), ("batch rows", batched)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raw::{items, Envelope, RawExport};
    use sha2::{Digest, Sha256};
    use std::collections::BTreeMap;
    use std::time::Instant;

    const OPTS: GenerateOptions = GenerateOptions::new(1, 42);

    fn generate_timed(dir: &Path, opts: &GenerateOptions) -> GenerateStats {
        let start = Instant::now();
        let stats = generate(dir, opts).expect("generation succeeds");
        println!(
            "generate scale {} seed {}: {:.2?}, {} files, {} bytes",
            opts.scale,
            opts.seed,
            start.elapsed(),
            stats.files,
            stats.bytes
        );
        stats
    }

    fn count(raw: &RawExport, side: Side, collection: &str, env: Envelope) -> usize {
        let pages = raw.pages(side, collection).expect("pages read");
        items(&pages, env).expect("pages have their envelope").len()
    }

    /// Every page of a one-chain collection: the link field is an absolute
    /// URL on every page but the last, and absent on the last.
    fn assert_single_chain(raw: &RawExport, side: Side, collection: &str, link: &str) -> usize {
        let pages = raw.pages(side, collection).expect("pages read");
        assert!(!pages.is_empty(), "{collection}: no pages");
        for (i, page) in pages.iter().enumerate() {
            let next = page.body.get(link);
            if i + 1 < pages.len() {
                let url = next.and_then(Value::as_str).unwrap_or_default();
                assert!(
                    url.starts_with("https://") || link == "$skipToken" && !url.is_empty(),
                    "{}: page {} lacks {link}",
                    collection,
                    i + 1
                );
            } else {
                assert!(next.is_none(), "{collection}: the last page has {link}");
            }
        }
        pages.len()
    }

    #[test]
    fn scale_one_pair_has_the_expected_files_shapes_and_counts() {
        let dir = tempfile::tempdir().expect("temp dir");
        let stats = generate_timed(dir.path(), &OPTS);
        let raw = RawExport::open(dir.path()).expect("the export opens");
        assert_eq!(raw.marker.producer.as_deref(), Some(PRODUCER));

        for side in Side::BOTH {
            for collection in [
                "graph/organization",
                "graph/users",
                "graph/groups",
                "graph/applications",
                "graph/service-principals",
                "graph/app-role-assignments",
                "arm/subscriptions",
                "arm/resource-groups",
                "arm/virtual-machines",
                "arm/snapshots",
                "arm/disk-encryption-sets",
                "arm/registries",
                "arm/registry-replications",
                "arm/registry-scope-maps",
                "arm/registry-tokens",
                "arm/providers",
                "arm/galleries",
                "arm/gallery-images",
                "arm/gallery-image-versions",
                "arm/role-definitions",
                "arm/role-assignments",
                "arm/deny-assignments",
                "arm/locks",
                "resource-graph/resources",
                "exchange/Get-Mailbox",
                "exchange/Get-MailUser",
                "exchange/Get-OrganizationRelationship",
                "exchange/Get-AcceptedDomain",
                "exchange/Get-MigrationEndpoint",
                "powerplatform/environments",
            ] {
                assert!(raw.has(side, collection), "{side:?} {collection} missing");
                let pages = raw.pages(side, collection).expect("pages read");
                assert!(!pages.is_empty(), "{side:?} {collection} has no page");
                let env = if collection.starts_with("resource-graph") {
                    Envelope::Data
                } else {
                    Envelope::Value
                };
                items(&pages, env).unwrap_or_else(|e| panic!("{side:?} {collection}: {e}"));
            }
            assert!(!raw
                .children(side, "graph/group-members")
                .unwrap()
                .is_empty());
            assert!(!raw.children(side, "acr").unwrap().is_empty());
        }
        assert_eq!(
            raw.children(Side::Source, "exchange/Get-DistributionGroupMember")
                .unwrap(),
            vec![SCOPE_GROUP.to_string()]
        );

        // The counts the scale promises, read back from the files.
        assert_eq!(
            count(&raw, Side::Source, "exchange/Get-Mailbox", Envelope::Value),
            1_000
        );
        assert_eq!(
            count(
                &raw,
                Side::Source,
                "resource-graph/resources",
                Envelope::Data
            ),
            500
        );
        assert_eq!(
            count(
                &raw,
                Side::Target,
                "resource-graph/resources",
                Envelope::Data
            ),
            50
        );
        for side in Side::BOTH {
            assert_eq!(
                count(&raw, side, "arm/role-assignments", Envelope::Value),
                2_500,
                "{side:?}"
            );
        }
        assert_eq!(
            count(&raw, Side::Source, "arm/virtual-machines", Envelope::Value),
            200
        );
        let users = count(&raw, Side::Source, "graph/users", Envelope::Value);
        assert!((1_050..1_070).contains(&users), "source users {users}");
        assert_eq!(stats.count("source mailboxes"), 1_000);
        assert_eq!(stats.count("source disks"), 500);
        assert_eq!(stats.count("source role assignments"), 2_500);
        assert_eq!(stats.count("target role assignments"), 2_500);
        assert_eq!(stats.count("source users"), users);

        // Paging: absolute next links on all but the last page of a chain.
        assert_eq!(
            assert_single_chain(
                &raw,
                Side::Source,
                "exchange/Get-Mailbox",
                "@odata.nextLink"
            ),
            1
        );
        assert_eq!(
            assert_single_chain(&raw, Side::Source, "graph/users", "@odata.nextLink"),
            2
        );
        assert_eq!(
            assert_single_chain(&raw, Side::Source, "arm/role-assignments", "nextLink"),
            3
        );
        assert_eq!(
            assert_single_chain(&raw, Side::Source, "resource-graph/resources", "$skipToken"),
            1
        );

        // Resource Graph specifics: string resultTruncated, lower-case types.
        for page in raw.pages(Side::Source, "resource-graph/resources").unwrap() {
            assert_eq!(page.body["resultTruncated"], json!("false"));
            assert_eq!(page.body["totalRecords"], json!(500));
            for row in page.body["data"].as_array().unwrap() {
                assert_eq!(row["type"], json!("microsoft.compute/disks"));
            }
        }
    }

    #[test]
    fn larger_chains_page_at_the_service_sizes() {
        // Scale 3: 3,000 mailboxes and 1,500 disks span several pages.
        let dir = tempfile::tempdir().expect("temp dir");
        generate_timed(dir.path(), &GenerateOptions::new(3, 7));
        let raw = RawExport::open(dir.path()).unwrap();
        assert_eq!(
            assert_single_chain(
                &raw,
                Side::Source,
                "exchange/Get-Mailbox",
                "@odata.nextLink"
            ),
            3
        );
        assert_eq!(
            assert_single_chain(&raw, Side::Source, "resource-graph/resources", "$skipToken"),
            2
        );
        let pages = raw.pages(Side::Source, "resource-graph/resources").unwrap();
        assert_eq!(pages[0].body["data"].as_array().unwrap().len(), 1_000);
        assert_eq!(pages[0].body["count"], json!(1_000));
        assert_eq!(pages[1].body["data"].as_array().unwrap().len(), 500);
        let users = raw.pages(Side::Source, "graph/users").unwrap();
        assert_eq!(users[0].body["value"].as_array().unwrap().len(), 999);
    }

    #[test]
    fn target_mail_users_are_mostly_aligned_with_realistic_faults() {
        let dir = tempfile::tempdir().expect("temp dir");
        generate(dir.path(), &OPTS).unwrap();
        let raw = RawExport::open(dir.path()).unwrap();
        let src = raw.pages(Side::Source, "exchange/Get-Mailbox").unwrap();
        let tgt = raw.pages(Side::Target, "exchange/Get-MailUser").unwrap();
        let mailboxes: BTreeMap<String, &Value> = items(&src, Envelope::Value)
            .unwrap()
            .into_iter()
            .map(|i| (i.value["Alias"].as_str().unwrap().to_string(), i.value))
            .collect();
        let mut faults = BTreeMap::new();
        let mut aligned = 0;
        let mail_users = items(&tgt, Envelope::Value).unwrap();
        for mu in &mail_users {
            let mbx = mailboxes[mu.value["Alias"].as_str().unwrap()];
            let addresses: Vec<&str> = mu.value["EmailAddresses"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(Value::as_str)
                .collect();
            let x500 = format!("X500:{}", mbx["LegacyExchangeDN"].as_str().unwrap());
            let problems = [
                ("guid", mu.value["ExchangeGuid"] != mbx["ExchangeGuid"]),
                ("archive", mu.value["ArchiveGuid"] != mbx["ArchiveGuid"]),
                ("x500", !addresses.contains(&x500.as_str())),
                (
                    "foreign",
                    addresses
                        .iter()
                        .any(|a| a.to_lowercase().ends_with("@contoso.com")),
                ),
            ];
            let mut ok = true;
            for (name, bad) in problems {
                if bad {
                    *faults.entry(name).or_insert(0) += 1;
                    ok = false;
                }
            }
            aligned += usize::from(ok);
            assert!(mu.value["ExternalEmailAddress"]
                .as_str()
                .unwrap()
                .starts_with("SMTP:"));
        }
        let missing = mailboxes.len() - mail_users.len();
        println!(
            "aligned {aligned} of {}, missing {missing}, faults {faults:?}",
            mailboxes.len()
        );
        assert!((850..=950).contains(&aligned), "aligned {aligned}");
        assert!(
            missing > 0 && faults.len() == 4,
            "every fault kind occurs: {faults:?}, missing {missing}"
        );
    }

    #[test]
    fn config_and_user_files_are_valid_inputs() {
        let dir = tempfile::tempdir().expect("temp dir");
        generate(dir.path(), &OPTS).unwrap();
        let config =
            Config::load(&dir.path().join(crate::config::FILE_NAME)).expect("config parses");
        assert_eq!(config.exchange.scope_group.as_deref(), Some(SCOPE_GROUP));
        assert_eq!(config.identities.len(), 5);
        let batch = std::fs::read_to_string(&config.exchange.batches[0]).expect("batch file");
        assert!(batch.starts_with("EmailAddress\n"));
        let rows = batch.lines().count() - 1;
        assert!(rows > 800 && rows <= BATCH_MAX_ROWS, "{rows} batch rows");
        let mapping =
            std::fs::read_to_string(config.powerplatform.user_mapping.as_ref().unwrap()).unwrap();
        assert!(mapping.starts_with("Source,Destination\n"));
        assert!(mapping.lines().skip(1).all(|l| l.split(',').count() == 2));
        let target = config.disk.target_subscription_id.unwrap();
        let raw = RawExport::open(dir.path()).unwrap();
        let subs = raw.pages(Side::Target, "arm/subscriptions").unwrap();
        assert_eq!(subs[0].body["value"][0]["subscriptionId"], json!(target));
    }

    fn ids(
        raw: &RawExport,
        side: Side,
        collection: &str,
        env: Envelope,
        field: &str,
    ) -> Vec<String> {
        let pages = raw.pages(side, collection).unwrap();
        items(&pages, env)
            .unwrap()
            .iter()
            .filter_map(|i| i.value[field].as_str().map(str::to_lowercase))
            .collect()
    }

    #[test]
    fn references_between_objects_resolve() {
        let dir = tempfile::tempdir().expect("temp dir");
        generate(dir.path(), &OPTS).unwrap();
        let raw = RawExport::open(dir.path()).unwrap();
        for side in Side::BOTH {
            // Disks and VMs point at each other (ids compared case-insensitively).
            let disks: std::collections::BTreeSet<String> =
                ids(&raw, side, "resource-graph/resources", Envelope::Data, "id")
                    .into_iter()
                    .collect();
            let vms: std::collections::BTreeSet<String> =
                ids(&raw, side, "arm/virtual-machines", Envelope::Value, "id")
                    .into_iter()
                    .collect();
            let vm_pages = raw.pages(side, "arm/virtual-machines").unwrap();
            for vm in items(&vm_pages, Envelope::Value).unwrap() {
                let os = vm.value["properties"]["storageProfile"]["osDisk"]["managedDisk"]["id"]
                    .as_str()
                    .unwrap();
                assert!(disks.contains(&os.to_lowercase()), "{os}");
                for dd in vm.value["properties"]["storageProfile"]["dataDisks"]
                    .as_array()
                    .unwrap()
                {
                    assert!(
                        disks.contains(&dd["managedDisk"]["id"].as_str().unwrap().to_lowercase())
                    );
                }
            }
            let disk_pages = raw.pages(side, "resource-graph/resources").unwrap();
            for d in items(&disk_pages, Envelope::Data).unwrap() {
                let managed_by = d.value["managedBy"].as_str().unwrap();
                assert!(
                    managed_by.is_empty() || vms.contains(&managed_by.to_lowercase()),
                    "{managed_by}"
                );
            }

            // Role assignment principals exist, bar a few deleted ones.
            let mut principals: std::collections::BTreeSet<String> =
                std::collections::BTreeSet::new();
            principals.extend(ids(&raw, side, "graph/users", Envelope::Value, "id"));
            principals.extend(ids(&raw, side, "graph/groups", Envelope::Value, "id"));
            principals.extend(ids(
                &raw,
                side,
                "graph/service-principals",
                Envelope::Value,
                "id",
            ));
            let ra_pages = raw.pages(side, "arm/role-assignments").unwrap();
            let assignments = items(&ra_pages, Envelope::Value).unwrap();
            let unresolved = assignments
                .iter()
                .filter(|a| {
                    !principals.contains(a.value["properties"]["principalId"].as_str().unwrap())
                })
                .count();
            assert!(
                unresolved * 100 < assignments.len() * 5,
                "{side:?}: {unresolved} unresolved"
            );
            let members = raw.children(side, "graph/group-members").unwrap();
            for group in members {
                let pages = raw
                    .pages(side, &format!("graph/group-members/{group}"))
                    .unwrap();
                for m in items(&pages, Envelope::Value).unwrap() {
                    assert!(
                        principals.contains(m.value["id"].as_str().unwrap()),
                        "{side:?} member of {group}"
                    );
                }
            }
        }
        let world = World::new(&OPTS);
        assert_eq!(world.app_sp(Side::Source, 3), world.app(Side::Source, 3).sp);
    }

    fn tree_hash(root: &Path) -> (usize, String) {
        fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(&p, files);
                } else {
                    files.push(p);
                }
            }
        }
        let mut files = Vec::new();
        walk(root, &mut files);
        files.sort();
        let mut h = Sha256::new();
        for f in &files {
            h.update(f.strip_prefix(root).unwrap().to_string_lossy().as_bytes());
            h.update(std::fs::read(f).unwrap());
        }
        (files.len(), hex::encode(h.finalize()))
    }

    /// The benchmark's shape is set apart from the scale: the counts written
    /// are the ones asked for, read back from the files, and the target
    /// keeps its proportions to the source.
    #[test]
    fn size_overrides_set_the_counts_written() {
        let dir = tempfile::tempdir().unwrap();
        let opts = GenerateOptions {
            sizes: SizeOverrides {
                subscriptions: Some(12),
                disks: Some(600),
                registries: Some(7),
                environments: Some(9),
                role_assignments: Some(3_000),
            },
            ..OPTS
        };
        let stats = generate_timed(dir.path(), &opts);
        for (kind, n) in [
            ("source subscriptions", 12),
            ("target subscriptions", 3),
            ("source disks", 600),
            ("target disks", 60),
            ("source registries", 7),
            ("target registries", 1),
            ("source environments", 9),
            ("source role assignments", 3_000),
            ("target role assignments", 3_000),
        ] {
            assert_eq!(stats.count(kind), n, "{kind}");
        }
        let raw = crate::raw::RawExport::open(dir.path()).unwrap();
        let mut subs = 0;
        for page in raw.pages(Side::Source, "arm/subscriptions").unwrap() {
            subs += page.body["value"].as_array().map_or(0, Vec::len);
        }
        assert_eq!(subs, 12);
    }

    #[test]
    fn the_same_seed_gives_byte_identical_output() {
        let (a, b, c) = (
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
        );
        let stats = generate(a.path(), &OPTS).unwrap();
        generate(b.path(), &OPTS).unwrap();
        generate(c.path(), &GenerateOptions { seed: 43, ..OPTS }).unwrap();
        let (files, hash) = tree_hash(a.path());
        assert_eq!(files, stats.files);
        assert_eq!((files, hash.clone()), tree_hash(b.path()));
        assert_ne!(hash, tree_hash(c.path()).1);
    }

    #[test]
    fn refuses_a_non_empty_directory_and_scale_zero() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("old.json"), "{}").unwrap();
        let err = generate(dir.path(), &OPTS).unwrap_err().to_string();
        assert!(err.contains("not empty"), "{err}");
        let empty = tempfile::tempdir().unwrap();
        let err = generate(empty.path(), &GenerateOptions::new(0, 1))
            .unwrap_err()
            .to_string();
        assert!(err.contains("--scale must be at least 1"), "{err}");
    }

    #[test]
    fn base64_matches_the_standard_alphabet() {
        assert_eq!(base64(b"Man", false), "TWFu");
        assert_eq!(base64(b"Ma", false), "TWE=");
        assert_eq!(base64(b"M", false), "TQ==");
        assert_eq!(base64(b"M", true), "TQ");
    }
}
