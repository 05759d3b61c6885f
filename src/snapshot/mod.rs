//! The snapshot: what `collect` hands to `assess`. A directory with
//! `manifest.json`, `config.toml` (the config in force at collection) and one
//! Parquet file per inventory table under `tables/`. Documented in
//! `docs/snapshot.md`.

use crate::collect::{CollectionOutcome, Status};
use crate::config::Config;
use crate::error::{Error, Location, Result};
use crate::inventory::Inventory;
use crate::raw::Side;
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const FORMAT_NAME: &str = "xtenant-snapshot";
/// Bumped whenever a table or column changes meaning or type.
pub const SCHEMA_VERSION: u32 = 1;
pub const MANIFEST: &str = "manifest.json";
pub const CONFIG: &str = "config.toml";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct TenantInfo {
    pub tenant_id: Option<String>,
    pub name: Option<String>,
}

/// Status of one table on each side.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TableStatus {
    pub rows: usize,
    pub source: Status,
    pub target: Status,
}

impl TableStatus {
    pub fn side(&self, side: Side) -> Status {
        match side {
            Side::Source => self.source,
            Side::Target => self.target,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub format: String,
    pub schema_version: u32,
    pub tool_version: String,
    pub source: TenantInfo,
    pub target: TenantInfo,
    pub collected_at: String,
    /// Where the data came from: `raw:<dir>` or `live`.
    pub origin: String,
    pub collections: Vec<CollectionOutcome>,
    pub tables: BTreeMap<String, TableStatus>,
    /// SHA-256 over each table's name and the SHA-256 of its file, in name order.
    pub content_hash: String,
}

impl Manifest {
    pub fn table_status(&self, table: &str, side: Side) -> Status {
        self.tables
            .get(table)
            .map(|t| t.side(side))
            .unwrap_or(Status::NotCollected)
    }
}

/// Per table and side: the worst status among the collections that were
/// collected for it, so `arm/disks` and `resource-graph/resources` can stand in
/// for each other; `not-collected` when none was.
pub fn table_statuses(
    inv: &Inventory,
    outcomes: &[CollectionOutcome],
) -> BTreeMap<String, TableStatus> {
    let counts: BTreeMap<&str, usize> = inv.counts().into_iter().collect();
    let mut out = BTreeMap::new();
    for name in Inventory::table_names() {
        let mut st = [Status::NotCollected, Status::NotCollected];
        for (i, side) in Side::BOTH.iter().enumerate() {
            let feeding: Vec<Status> = outcomes
                .iter()
                .filter(|o| o.side == *side && o.tables.iter().any(|t| t == name))
                .map(|o| o.status)
                .filter(|s| *s != Status::NotCollected)
                .collect();
            if let Some(worst) = feeding.into_iter().max() {
                st[i] = worst;
            }
        }
        out.insert(
            name.to_string(),
            TableStatus {
                rows: counts.get(name).copied().unwrap_or(0),
                source: st[0],
                target: st[1],
            },
        );
    }
    out
}

pub fn write(
    dir: &Path,
    inv: &Inventory,
    outcomes: Vec<CollectionOutcome>,
    config: &Config,
    origin: &str,
) -> Result<Manifest> {
    let tables_dir = dir.join("tables");
    std::fs::create_dir_all(&tables_dir).map_err(|e| runtime_io(&tables_dir, e))?;
    // One table at a time per thread: its frame exists only while written.
    use rayon::prelude::*;
    let mut names = Inventory::table_names();
    names.sort_unstable();
    let digests: Vec<Result<[u8; 32]>> = crate::par::install(|| {
        names
            .par_iter()
            .map(|name| {
                let mut df = inv.frame_of(name)?.unwrap_or_default();
                let path = tables_dir.join(format!("{name}.parquet"));
                let file = std::fs::File::create(&path).map_err(|e| runtime_io(&path, e))?;
                let mut w = HashingWriter {
                    inner: std::io::BufWriter::new(file),
                    hash: Sha256::new(),
                };
                ParquetWriter::new(&mut w)
                    .with_statistics(StatisticsOptions::empty())
                    .finish(&mut df)?;
                std::io::Write::flush(&mut w.inner).map_err(|e| runtime_io(&path, e))?;
                Ok(w.hash.finalize().into())
            })
            .collect()
    });
    let mut hasher = Sha256::new();
    for (name, digest) in names.iter().zip(digests) {
        hasher.update(name.as_bytes());
        hasher.update(digest?);
    }
    let tables = table_statuses(inv, &outcomes);
    let tenant = |side: Side, cfg: &crate::config::TenantConfig| {
        let from_inv = inv.tenants.iter().find(|t| t.tenant == side.as_str());
        TenantInfo {
            tenant_id: from_inv
                .map(|t| t.tenant_id.clone())
                .or_else(|| cfg.tenant_id.clone()),
            name: cfg
                .name
                .clone()
                .or_else(|| from_inv.and_then(|t| t.display_name.clone())),
        }
    };
    let manifest = Manifest {
        format: FORMAT_NAME.to_string(),
        schema_version: SCHEMA_VERSION,
        tool_version: crate::VERSION.to_string(),
        source: tenant(Side::Source, &config.source),
        target: tenant(Side::Target, &config.target),
        collected_at: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        origin: origin.to_string(),
        collections: outcomes,
        tables,
        content_hash: hex::encode(hasher.finalize()),
    };
    let mpath = dir.join(MANIFEST);
    let text =
        serde_json::to_string_pretty(&manifest).map_err(|e| Error::Runtime(e.to_string()))?;
    std::fs::write(&mpath, text).map_err(|e| runtime_io(&mpath, e))?;
    let cpath = dir.join(CONFIG);
    let ctext = toml::to_string_pretty(config).map_err(|e| Error::Runtime(e.to_string()))?;
    std::fs::write(&cpath, ctext).map_err(|e| runtime_io(&cpath, e))?;
    Ok(manifest)
}

/// A loaded snapshot: every table as a frame, as stored.
pub struct Snapshot {
    pub dir: PathBuf,
    pub manifest: Manifest,
    pub config: Config,
    pub frames: BTreeMap<String, DataFrame>,
}

impl Snapshot {
    /// Typed records of the named tables only (the others stay empty): the
    /// derived tables need a few, and typed rows cost far more memory than
    /// columns.
    pub fn inventory(&self, tables: &[&str]) -> Result<Inventory> {
        Inventory::from_frames(|name| {
            Ok(tables
                .contains(&name)
                .then(|| self.frames.get(name).cloned())
                .flatten())
        })
        .map_err(|e| damaged(&self.dir, e))
    }
}

fn damaged(dir: &Path, e: PolarsError) -> Error {
    Error::input(
        Location::file(dir.join("tables")),
        format!("snapshot tables cannot be read: {e}"),
        "collect again; the snapshot is damaged or was edited",
    )
}

pub fn read_manifest(dir: &Path) -> Result<Manifest> {
    let mpath = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&mpath).map_err(|_| {
        Error::input(
            Location::file(&mpath),
            "not an xtenant snapshot: manifest.json is missing",
            "pass the directory written by `xtenant collect --out`",
        )
    })?;
    // Check the version before the full shape, so an older or newer snapshot
    // gets a version message rather than a field error.
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| crate::raw::json_error(&mpath, &e))?;
    let format = v.get("format").and_then(|f| f.as_str()).unwrap_or("");
    if format != FORMAT_NAME {
        return Err(Error::input(
            Location::file(&mpath),
            format!("not an xtenant snapshot (format {format:?})"),
            "pass the directory written by `xtenant collect --out`",
        ));
    }
    let version = v
        .get("schema_version")
        .and_then(|f| f.as_u64())
        .unwrap_or(0);
    if version != SCHEMA_VERSION as u64 {
        return Err(Error::input(
            Location::file(&mpath),
            format!(
                "snapshot schema version {version} is not supported by xtenant {} (it reads version {SCHEMA_VERSION})",
                crate::VERSION
            ),
            "collect again with this version of xtenant (`xtenant collect`), or assess with the version that wrote it",
        ));
    }
    serde_json::from_value(v).map_err(|e| {
        Error::input(
            Location::file(&mpath),
            format!("manifest.json is damaged: {e}"),
            "collect again",
        )
    })
}

pub fn read(dir: &Path) -> Result<Snapshot> {
    let manifest = read_manifest(dir)?;
    let cpath = dir.join(CONFIG);
    let config = if cpath.is_file() {
        let text = std::fs::read_to_string(&cpath).map_err(|e| Error::io(&cpath, e))?;
        Config::parse(&text, &cpath)?
    } else {
        Config::default()
    };
    let tables_dir = dir.join("tables");
    let mut frames = BTreeMap::new();
    for def in Inventory::table_defs() {
        let path = tables_dir.join(format!("{}.parquet", def.name));
        let df = if path.is_file() {
            let file = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
            let df = ParquetReader::new(file)
                .finish()
                .map_err(|e| damaged(dir, e))?;
            check_columns(&def, &df, &path)?;
            df
        } else {
            // A table added after this snapshot's tool version: empty, and
            // its status in the manifest says it was not collected.
            def.empty_frame()
        };
        frames.insert(def.name.to_string(), df);
    }
    Ok(Snapshot {
        dir: dir.to_path_buf(),
        manifest,
        config,
        frames,
    })
}

/// A table file must have the declared columns with the declared types, or a
/// rule would read something else than it was written for.
fn check_columns(def: &crate::inventory::TableDef, df: &DataFrame, path: &Path) -> Result<()> {
    for c in &def.columns {
        match df.schema().get(c.name) {
            Some(dt) if *dt == c.ty.dtype() || *dt == DataType::Null => {}
            found => {
                return Err(Error::input(
                    Location::file(path),
                    format!(
                        "column {} should be {} but is {}",
                        c.name,
                        c.ty.name(c.nullable),
                        found
                            .map(|d| d.to_string())
                            .unwrap_or_else(|| "missing".into())
                    ),
                    "collect again; the snapshot is damaged or was edited",
                ))
            }
        }
    }
    Ok(())
}

/// Hashes what it writes, so a table file is not read back to be hashed.
struct HashingWriter<W: std::io::Write> {
    inner: W,
    hash: Sha256,
}

impl<W: std::io::Write> std::io::Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn runtime_io(path: &Path, e: std::io::Error) -> Error {
    Error::Runtime(format!("{}: {e}", path.display()))
}
