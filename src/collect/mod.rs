//! Collection: API responses → typed inventory. One module per API family,
//! each split into `fetch` (HTTP, live collection) and `parse` (saved
//! responses → records). Offline collection (`collect --from-dir`) runs only
//! the parse halves over a raw export.

pub mod acr;
pub mod arm;
pub mod exchange;
pub mod graph;
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
    v
}

/// Parses a whole raw export (both tenants) into an inventory.
pub fn parse_export(raw: &RawExport) -> Result<(Inventory, Vec<CollectionOutcome>)> {
    let mut inv = Inventory::default();
    let mut outcomes = Vec::new();
    for side in Side::BOTH {
        outcomes.extend(graph::parse::parse(raw, side, &mut inv)?);
        outcomes.extend(arm::parse::parse(raw, side, &mut inv)?);
        outcomes.extend(exchange::parse::parse(raw, side, &mut inv)?);
        outcomes.extend(acr::parse::parse(raw, side, &mut inv)?);
        outcomes.extend(powerplatform::parse::parse(raw, side, &mut inv)?);
    }
    Ok((inv, outcomes))
}
