//! Collection: API responses → typed inventory. One module per API family,
//! each split into `fetch` (HTTP, live collection) and `parse` (saved
//! responses → records). Offline collection (`collect --from-dir`) runs only
//! the parse halves over a raw export.

pub mod acr;
pub mod arm;
pub mod auth;
pub mod exchange;
pub mod graph;
pub mod live;
pub mod powerplatform;

use crate::error::Result;
use crate::inventory::Inventory;
use crate::raw::{RawExport, Side};
use serde::{Deserialize, Serialize};

/// How completely a collection was gathered. Rules over a table that is not
/// `Complete` yield `error`, never `pass`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Complete,
    Partial,
    Failed,
    NotCollected,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Complete => "complete",
            Status::Partial => "partial",
            Status::Failed => "failed",
            Status::NotCollected => "not-collected",
        }
    }
    pub fn parse(s: &str) -> Option<Status> {
        match s.to_ascii_lowercase().as_str() {
            "complete" => Some(Status::Complete),
            "partial" => Some(Status::Partial),
            "failed" => Some(Status::Failed),
            "not-collected" => Some(Status::NotCollected),
            _ => None,
        }
    }
}

/// What happened to one collection (e.g. `arm/disks`) of one tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CollectionOutcome {
    /// API family: arm, graph, exchange, acr, powerplatform, userfiles.
    pub family: String,
    /// Collection path inside the tenant directory, e.g. `arm/disks`.
    pub collection: String,
    pub side: Side,
    pub status: Status,
    /// Tables this collection feeds.
    pub tables: Vec<String>,
    pub items: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A collection a family parser knows: its path and the tables it feeds.
#[derive(Debug, Clone, Copy)]
pub struct CollectionSpec {
    pub family: &'static str,
    pub collection: &'static str,
    pub tables: &'static [&'static str],
}

impl CollectionSpec {
    /// The outcome for a collection before parsing: `not-collected` when the
    /// export has nothing for it, else what its `_status.json` says
    /// (`complete` when there is none).
    pub fn outcome(&self, raw: &RawExport, side: Side, items: usize) -> Result<CollectionOutcome> {
        let (status, error) = if !raw.has(side, self.collection) {
            (Status::NotCollected, None)
        } else {
            match raw.status(side, self.collection)? {
                Some(s) => (Status::parse(&s.status).unwrap_or(Status::Failed), s.error),
                None => (Status::Complete, None),
            }
        };
        Ok(CollectionOutcome {
            family: self.family.to_string(),
            collection: self.collection.to_string(),
            side,
            status,
            tables: self.tables.iter().map(|t| t.to_string()).collect(),
            items,
            error,
        })
    }
}

/// Every collection of every family, in one list (like azqr's scanner
/// registry), so the manifest and `docs/raw-export.md` can be checked against it.
pub fn all_collections() -> Vec<CollectionSpec> {
    let mut v = Vec::new();
    v.extend_from_slice(graph::parse::COLLECTIONS);
    v.extend_from_slice(arm::parse::COLLECTIONS);
    v.extend_from_slice(exchange::parse::COLLECTIONS);
    v.extend_from_slice(acr::parse::COLLECTIONS);
    v.extend_from_slice(powerplatform::parse::COLLECTIONS);
    v.extend_from_slice(auth::parse::COLLECTIONS);
    v
}

type FamilyParser = fn(&RawExport, Side, &mut Inventory) -> Result<Vec<CollectionOutcome>>;

/// Every family's parser, in the order their rows and outcomes are merged.
const FAMILIES: [FamilyParser; 6] = [
    graph::parse::parse,
    arm::parse::parse,
    exchange::parse::parse,
    acr::parse::parse,
    powerplatform::parse::parse,
    auth::parse::parse,
];

/// Parses a whole raw export (both tenants) into an inventory. Each family
/// of each tenant is parsed on its own (in parallel) into its own inventory;
/// the parts are merged in a fixed order, so the result does not depend on
/// scheduling, and the first error in that order is the one reported.
pub fn parse_export(raw: &RawExport) -> Result<(Inventory, Vec<CollectionOutcome>)> {
    use rayon::prelude::*;
    let jobs: Vec<(Side, FamilyParser)> = Side::BOTH
        .iter()
        .flat_map(|s| FAMILIES.iter().map(move |f| (*s, *f)))
        .collect();
    let parts: Vec<Result<(Inventory, Vec<CollectionOutcome>)>> = crate::par::install(|| {
        jobs.par_iter()
            .map(|(side, parse)| {
                let mut inv = Inventory::default();
                let outcomes = parse(raw, *side, &mut inv)?;
                Ok((inv, outcomes))
            })
            .collect()
    });
    let mut inv = Inventory::default();
    let mut outcomes = Vec::new();
    for part in parts {
        let (i, o) = part?;
        inv.extend(i);
        outcomes.extend(o);
    }
    Ok((inv, outcomes))
}

/// `collect --from-dir`: parse a raw export and the user files named in the
/// config into a snapshot.
pub fn offline(
    raw_dir: &std::path::Path,
    out: &std::path::Path,
    config: &crate::config::Config,
) -> Result<(crate::snapshot::Manifest, Inventory)> {
    from_raw(raw_dir, out, config, &format!("raw:{}", raw_dir.display()))
}

/// Parses a raw export (offline, or just fetched live) into a snapshot whose
/// manifest names `origin`.
pub fn from_raw(
    raw_dir: &std::path::Path,
    out: &std::path::Path,
    config: &crate::config::Config,
    origin: &str,
) -> Result<(crate::snapshot::Manifest, Inventory)> {
    let started = std::time::Instant::now();
    let raw = RawExport::open(raw_dir)?;
    let (mut inv, mut outcomes) = parse_export(&raw)?;
    tracing::info!(elapsed = ?started.elapsed(), "parsed the raw export");
    check_tenants(&raw, &inv, config)?;
    outcomes.extend(userfiles::load(config, &mut inv)?);
    let manifest = crate::snapshot::write(out, &inv, outcomes, config, origin)?;
    tracing::info!(elapsed = ?started.elapsed(), "wrote the snapshot");
    Ok((manifest, inv))
}

/// A raw export of the wrong tenant is a classic mistake (two admin sessions,
/// two exports): refuse it when the config names the tenant ids.
fn check_tenants(raw: &RawExport, inv: &Inventory, config: &crate::config::Config) -> Result<()> {
    for (side, cfg) in [
        (Side::Source, &config.source),
        (Side::Target, &config.target),
    ] {
        let Some(want) = cfg
            .tenant_id
            .as_deref()
            .and_then(crate::normalize::canonical_guid)
        else {
            continue;
        };
        let found: Vec<&str> = inv
            .tenants
            .iter()
            .filter(|t| t.tenant == side.as_str())
            .map(|t| t.tenant_id.as_str())
            .collect();
        if !found.is_empty() && !found.contains(&want.as_str()) {
            return Err(crate::error::Error::input(
                crate::error::Location::file(raw.side_dir(side).join("graph/organization")),
                format!(
                    "the {} export is of tenant {} but the config says the {} tenant is {want}",
                    side.as_str(),
                    found.join(", "),
                    side.as_str()
                ),
                "export the right tenant into this directory, or correct tenant_id in the config",
            ));
        }
    }
    Ok(())
}

mod userfiles {
    //! The user files named in the config become tables like any collection.
    use super::{CollectionOutcome, Status};
    use crate::config::Config;
    use crate::error::Result;
    use crate::inventory::Inventory;
    use crate::raw::Side;

    /// User files belong to the pair, not to one tenant: their tables are as
    /// complete on both sides as the file is.
    fn both(out: &mut Vec<CollectionOutcome>, f: impl Fn(Side) -> CollectionOutcome) {
        out.extend(Side::BOTH.map(f));
    }

    pub fn load(config: &Config, inv: &mut Inventory) -> Result<Vec<CollectionOutcome>> {
        let mut out = Vec::new();
        let outcome =
            |collection: &str, side: Side, tables: &[&str], status: Status, items: usize| {
                CollectionOutcome {
                    family: "userfiles".into(),
                    collection: collection.into(),
                    side,
                    status,
                    tables: tables.iter().map(|t| t.to_string()).collect(),
                    items,
                    error: None,
                }
            };
        let map_tables = ["user_mapping", "user_file_issues"];
        match &config.powerplatform.user_mapping {
            Some(path) => {
                let loaded = crate::userfiles::mapping::load(path)?;
                let n = loaded.rows.len();
                inv.user_mapping.extend(loaded.rows);
                inv.user_file_issues.extend(loaded.issues);
                both(&mut out, |side| {
                    outcome("usermapping", side, &map_tables, Status::Complete, n)
                });
            }
            None => both(&mut out, |side| {
                outcome("usermapping", side, &map_tables, Status::NotCollected, 0)
            }),
        }
        let batch_tables = ["migration_batch", "user_file_issues"];
        if config.exchange.batches.is_empty() {
            both(&mut out, |side| {
                outcome("batches", side, &batch_tables, Status::NotCollected, 0)
            });
        } else {
            let mut n = 0;
            for path in &config.exchange.batches {
                let name = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().to_string())
                    .unwrap_or_default();
                let loaded = crate::userfiles::batch::load(path, &name)?;
                n += loaded.rows.len();
                inv.migration_batch.extend(loaded.rows);
                inv.user_file_issues.extend(loaded.issues);
            }
            both(&mut out, |side| {
                outcome("batches", side, &batch_tables, Status::Complete, n)
            });
        }
        Ok(out)
    }
}
