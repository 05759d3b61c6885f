//! The repository/tag manifest CSV: every image of every collected registry
//! as one row (`tenant,registry,repository,tag,digest,image`), the list that
//! the manual ACR move procedure builds with an export script and feeds to
//! an import script (docs/live-collection.md, "Registry manifest CSV").
//!
//! One row per tag; a manifest no tag points at gets one row with an empty
//! tag and `repo@digest` as its image, unless it is a platform manifest of an
//! index (it moves with the index). Rows are sorted, so two runs over the
//! same registries give the same file. Cells are neutralised against formula
//! injection as the report CSVs are: a tenant names its repositories and
//! tags, and the file is opened in spreadsheets.

use crate::error::{Error, Result};
use crate::inventory::Inventory;
use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

/// The file name, in the snapshot directory of a live collection.
pub const FILE_NAME: &str = "acr-manifest.csv";

pub const HEADER: [&str; 6] = ["tenant", "registry", "repository", "tag", "digest", "image"];

/// One image: the header's columns in order.
pub type Row = [String; 6];

/// The rows of the inventory's registry tables, sorted.
pub fn rows(inv: &Inventory) -> Vec<Row> {
    let mut out: Vec<Row> = inv
        .registry_tags
        .iter()
        .map(|t| {
            [
                t.tenant.clone(),
                t.registry.clone(),
                t.repository.clone(),
                t.tag.clone(),
                t.digest.clone().unwrap_or_default(),
                format!("{}:{}", t.repository, t.tag),
            ]
        })
        .collect();
    let tagged: HashSet<(&str, &str, &str, &str)> = inv
        .registry_tags
        .iter()
        .filter_map(|t| {
            t.digest.as_deref().map(|d| {
                (
                    t.tenant.as_str(),
                    t.registry.as_str(),
                    t.repository.as_str(),
                    d,
                )
            })
        })
        .collect();
    let referenced: HashSet<(&str, &str, &str, &str)> = inv
        .registry_manifest_references
        .iter()
        .map(|r| {
            (
                r.tenant.as_str(),
                r.registry.as_str(),
                r.repository.as_str(),
                r.reference_digest.as_str(),
            )
        })
        .collect();
    for m in &inv.registry_manifests {
        let key = (
            m.tenant.as_str(),
            m.registry.as_str(),
            m.repository.as_str(),
            m.digest.as_str(),
        );
        if m.tag_count > 0 || tagged.contains(&key) || referenced.contains(&key) {
            continue;
        }
        out.push([
            m.tenant.clone(),
            m.registry.clone(),
            m.repository.clone(),
            String::new(),
            m.digest.clone(),
            format!("{}@{}", m.repository, m.digest),
        ]);
    }
    out.sort();
    out.dedup();
    out
}

/// Writes the CSV to `path`; returns the number of rows.
pub fn write(path: &Path, inv: &Inventory) -> Result<usize> {
    let rows = rows(inv);
    let io = |e: std::io::Error| Error::io(path, e);
    let f = std::fs::File::create(path).map_err(io)?;
    let mut w = csv::Writer::from_writer(std::io::BufWriter::new(f));
    let bad = |e: csv::Error| Error::Runtime(format!("{}: {e}", path.display()));
    w.write_record(HEADER).map_err(bad)?;
    for r in &rows {
        w.write_record(r.iter().map(|c| cell(c))).map_err(bad)?;
    }
    let mut inner = w
        .into_inner()
        .map_err(|e| Error::Runtime(format!("{}: {e}", path.display())))?;
    inner.flush().map_err(io)?;
    Ok(rows.len())
}

/// The rule of `report::csv::csv_safe` (a cell starting with `=`, `+`, `-`,
/// `@`, tab or CR gets a leading apostrophe), kept here so collection does
/// not depend on the report stage; a test pins that both agree.
pub fn cell(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{RegistryManifest, RegistryManifestReference, RegistryTag};

    fn tag(repo: &str, tag: &str, digest: &str) -> RegistryTag {
        RegistryTag {
            tenant: "source".into(),
            registry: "r.azurecr.io".into(),
            repository: repo.into(),
            tag: tag.into(),
            digest: Some(digest.into()),
            created_time: None,
            last_update_time: None,
            write_enabled: None,
            delete_enabled: None,
        }
    }

    fn manifest(repo: &str, digest: &str, tags: i64) -> RegistryManifest {
        RegistryManifest {
            tenant: "source".into(),
            registry: "r.azurecr.io".into(),
            repository: repo.into(),
            digest: digest.into(),
            image_size: None,
            media_type: None,
            architecture: None,
            os: None,
            tag_count: tags,
            created_time: None,
            reference_count: 0,
        }
    }

    #[test]
    fn a_row_per_tag_and_per_untagged_manifest_but_not_per_platform_manifest() {
        let mut inv = Inventory::default();
        inv.registry_tags.push(tag("web/api", "2.0", "sha256:a"));
        inv.registry_tags.push(tag("web/api", "1.0", "sha256:b"));
        inv.registry_manifests
            .push(manifest("web/api", "sha256:a", 1));
        inv.registry_manifests
            .push(manifest("web/api", "sha256:b", 1));
        inv.registry_manifests
            .push(manifest("web/api", "sha256:dangling", 0));
        inv.registry_manifests
            .push(manifest("web/api", "sha256:arm64", 0));
        inv.registry_manifest_references
            .push(RegistryManifestReference {
                tenant: "source".into(),
                registry: "r.azurecr.io".into(),
                repository: "web/api".into(),
                digest: "sha256:a".into(),
                reference_digest: "sha256:arm64".into(),
                architecture: Some("arm64".into()),
                os: Some("linux".into()),
            });
        let r = rows(&inv);
        let images: Vec<&str> = r.iter().map(|x| x[5].as_str()).collect();
        assert_eq!(
            images,
            ["web/api@sha256:dangling", "web/api:1.0", "web/api:2.0"]
        );
        assert_eq!(r[0][3], "");
        assert_eq!(r[1][4], "sha256:b");
    }

    #[test]
    fn formulas_are_neutralised_as_in_the_reports() {
        let mut inv = Inventory::default();
        inv.registry_tags
            .push(tag("=cmd|' /C calc'!A0", "-1", "sha256:a"));
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join(FILE_NAME);
        assert_eq!(write(&p, &inv).expect("write"), 1);
        let text = std::fs::read_to_string(&p).expect("read");
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some("tenant,registry,repository,tag,digest,image")
        );
        let row = lines.next().expect("row");
        assert!(row.contains("'=cmd") && row.contains(",'-1,"), "{row}");
        for s in ["=x", "+x", "-x", "@x", "\tx", "\rx", "x", ""] {
            assert_eq!(cell(s), crate::report::csv::csv_safe(s), "{s:?}");
        }
    }
}
