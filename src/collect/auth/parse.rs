//! `auth/token-probes`: one page `{"value": [...]}` the live collector writes
//! after requesting a token for each migration identity in each tenant (a dry
//! run of the sign-in the migration will make). Each item:
//! `{"identity", "resource", "acquired", "errorCode"?, "error"?,
//!   "claims": {"tid", "oid", "exp"}?, "probedAt"}` — `exp` in seconds since
//! the epoch as in the JWT, or RFC 3339.

use crate::collect::{CollectionOutcome, CollectionSpec};
use crate::error::{Error, Location, Result};
use crate::inventory::{Inventory, TokenProbe};
use crate::normalize::{at, bool_at, canonical_datetime, canonical_guid, str_at};
use crate::raw::{items, Envelope, RawExport, RawItem, Side};

const TOKEN_PROBES: CollectionSpec = CollectionSpec {
    family: "auth",
    collection: "auth/token-probes",
    tables: &["token_probes"],
};

pub const COLLECTIONS: &[CollectionSpec] = &[TOKEN_PROBES];

pub fn parse(raw: &RawExport, side: Side, inv: &mut Inventory) -> Result<Vec<CollectionOutcome>> {
    let pages = raw.pages(side, TOKEN_PROBES.collection)?;
    let list = items(&pages, Envelope::Value)?;
    for item in &list {
        inv.token_probes.push(probe(item, side)?);
    }
    Ok(vec![TOKEN_PROBES.outcome(raw, side, list.len())?])
}

fn probe(item: &RawItem, side: Side) -> Result<TokenProbe> {
    let v = item.value;
    let field = |f: &str| {
        str_at(v, f).ok_or_else(|| {
            Error::input(
                Location::file(item.path),
                format!("item {} (counting from 0) has no \"{f}\"", item.index),
                "token probes are written by `xtenant collect` (live); do not edit them by hand",
            )
        })
    };
    let identity = field("identity")?.trim().to_lowercase();
    let resource = field("resource")?;
    let acquired = bool_at(v, "acquired").ok_or_else(|| {
        Error::input(
            Location::file(item.path),
            format!(
                "item {} (counting from 0) has no boolean \"acquired\"",
                item.index
            ),
            "token probes are written by `xtenant collect` (live); do not edit them by hand",
        )
    })?;
    Ok(TokenProbe {
        tenant: side.as_str().to_string(),
        identity,
        resource,
        acquired,
        error_code: str_at(v, "errorCode"),
        error: str_at(v, "error"),
        token_tenant_id: str_at(v, "claims.tid").and_then(|t| canonical_guid(&t)),
        expires: at(v, "claims.exp").and_then(expiry),
        probed_at: str_at(v, "probedAt").and_then(|s| canonical_datetime(&s)),
    })
}

/// A JWT `exp` (seconds since the epoch) or a timestamp, as RFC 3339 UTC.
fn expiry(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Number(n) => chrono::DateTime::from_timestamp(n.as_i64()?, 0)
            .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
        serde_json::Value::String(s) => canonical_datetime(s),
        _ => None,
    }
}
