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

#[cfg(test)]
mod tests {
    use super::*;

    fn export(body: &str) -> (tempfile::TempDir, RawExport) {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("xtenant-raw.json"),
            r#"{"format":"xtenant-raw-export","version":1}"#,
        )
        .expect("marker");
        let d = dir.path().join("target/auth/token-probes");
        std::fs::create_dir_all(&d).expect("mkdir");
        std::fs::write(d.join("page-0001.json"), body).expect("write");
        let raw = RawExport::open(dir.path()).expect("open");
        (dir, raw)
    }

    #[test]
    fn probes_keep_the_failure_and_turn_exp_into_a_timestamp() {
        let (_d, raw) = export(
            r#"{"value": [
                {"identity": "Migrator@Fabrikam.com", "resource": "https://management.azure.com/.default",
                 "acquired": true, "claims": {"tid": "2A3B4C5D-6E7F-4081-92A3-B4C5D6E7F809", "exp": 1795673655},
                 "probedAt": "2026-11-20T06:14:15Z"},
                {"identity": "1e5f9a2b-7c3d-4e8f-a0b1-c2d3e4f5a6b7", "resource": "https://management.azure.com/.default",
                 "acquired": false, "errorCode": "AADSTS700016", "error": "AADSTS700016: Application not found"}]}"#,
        );
        let mut inv = Inventory::default();
        let out = parse(&raw, Side::Target, &mut inv).expect("parses");
        assert_eq!(out[0].items, 2);
        let ok = &inv.token_probes[0];
        assert_eq!(ok.identity, "migrator@fabrikam.com");
        assert_eq!(
            ok.token_tenant_id.as_deref(),
            Some("2a3b4c5d-6e7f-4081-92a3-b4c5d6e7f809")
        );
        assert_eq!(ok.expires.as_deref(), Some("2026-11-26T06:14:15Z"));
        let failed = &inv.token_probes[1];
        assert!(!failed.acquired);
        assert_eq!(failed.error_code.as_deref(), Some("AADSTS700016"));
        assert_eq!(failed.tenant, "target");
    }

    #[test]
    fn a_probe_without_acquired_names_the_file() {
        let (d, raw) = export(r#"{"value": [{"identity": "a", "resource": "r"}]}"#);
        let mut inv = Inventory::default();
        let msg = parse(&raw, Side::Target, &mut inv).unwrap_err().to_string();
        assert!(
            msg.contains(
                &d.path()
                    .join("target/auth/token-probes/page-0001.json")
                    .display()
                    .to_string()
            ),
            "{msg}"
        );
        assert!(msg.contains("no boolean \"acquired\""), "{msg}");
    }
}
