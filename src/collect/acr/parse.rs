//! Saved container-registry data-plane responses → repositories, tags and
//! manifests.
//!
//! The data plane is per registry: `acr/{loginServer}/_catalog`, `_tags` and
//! `_manifests`. A spec cannot name every login server, so the specs below
//! write it as `*` and [`parse`] returns one outcome per table group for the
//! whole family, aggregated over the registry directories:
//! - not collected when no registry directory has that collection;
//! - else the worst `_status.json` among them (and `acr/_status.json`, which a
//!   collector that could not list the registries writes);
//! - partial when some registries have the collection and others do not, since
//!   those were not looked at.
//!
//! Paging is by the `Link` header, so every page is a whole response; a
//! `_tags` or `_manifests` response names its repository only in the body
//! (`imageName`), hence pages are read one at a time.

use crate::collect::{CollectionOutcome, CollectionSpec, Status};
use crate::error::{Error, Location, Result};
use crate::inventory::{
    Inventory, RegistryManifest, RegistryManifestReference, RegistryTag, Repository,
};
use crate::normalize::{arr_at, bool_at, canonical_datetime, i64_at, str_at};
use crate::raw::{items, Envelope, Page, RawExport, RawItem, Side};

/// The family directory; its sub-directories are registry login servers.
const ROOT: &str = "acr";

const CATALOG: CollectionSpec = CollectionSpec {
    family: "acr",
    collection: "acr/*/_catalog",
    tables: &["repositories"],
};
const TAGS: CollectionSpec = CollectionSpec {
    family: "acr",
    collection: "acr/*/_tags",
    tables: &["registry_tags"],
};
const MANIFESTS: CollectionSpec = CollectionSpec {
    family: "acr",
    collection: "acr/*/_manifests",
    tables: &["registry_manifests", "registry_manifest_references"],
};

pub const COLLECTIONS: &[CollectionSpec] = &[CATALOG, TAGS, MANIFESTS];

type RegistryParser = fn(&RawExport, Side, &str, &mut Inventory) -> Result<usize>;

pub fn parse(raw: &RawExport, side: Side, inv: &mut Inventory) -> Result<Vec<CollectionOutcome>> {
    let registries = registries(raw, side)?;
    let parsers: [(CollectionSpec, RegistryParser); 3] = [
        (CATALOG, parse_catalog),
        (TAGS, parse_tags),
        (MANIFESTS, parse_manifests),
    ];
    let mut out = Vec::new();
    for (spec, parse_one) in parsers {
        let mut n = 0;
        for registry in &registries {
            n += parse_one(raw, side, registry, inv)?;
        }
        out.push(family_outcome(raw, side, &spec, &registries, n)?);
    }
    Ok(out)
}

/// Registry directories under `acr/` (their names are login servers).
fn registries(raw: &RawExport, side: Side) -> Result<Vec<String>> {
    let root = raw.side_dir(side).join(ROOT);
    Ok(raw
        .children(side, ROOT)?
        .into_iter()
        .filter(|r| root.join(r).is_dir())
        .collect())
}

/// `acr/{registry}/_catalog` for the spec `acr/*/_catalog`.
fn collection_of(spec: &CollectionSpec, registry: &str) -> String {
    spec.collection.replacen('*', registry, 1)
}

/// Host names are case-insensitive; ARM examples spell them in mixed case.
fn login_server(registry: &str) -> String {
    registry.trim().to_lowercase()
}

fn parse_catalog(
    raw: &RawExport,
    side: Side,
    registry: &str,
    inv: &mut Inventory,
) -> Result<usize> {
    let collection = collection_of(&CATALOG, registry);
    let pages = raw.pages(side, &collection)?;
    let list = items(&pages, Envelope::Field("repositories"))?;
    for item in &list {
        let repository = item
            .value
            .as_str()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                bad_body(
                    item.path,
                    &format!("repositories[{}] is not a repository name", item.index),
                    &collection,
                )
            })?;
        inv.repositories.push(Repository {
            tenant: side.as_str().to_string(),
            registry: login_server(registry),
            repository: repository.to_string(),
        });
    }
    Ok(list.len())
}

fn parse_tags(raw: &RawExport, side: Side, registry: &str, inv: &mut Inventory) -> Result<usize> {
    let collection = collection_of(&TAGS, registry);
    let pages = raw.pages(side, &collection)?;
    let mut n = 0;
    for page in &pages {
        let repository = image_name(page, &collection)?;
        for item in items(std::slice::from_ref(page), Envelope::Field("tags"))? {
            let v = item.value;
            inv.registry_tags.push(RegistryTag {
                tenant: side.as_str().to_string(),
                registry: login_server(registry),
                repository: repository.clone(),
                tag: required(&item, "tags", "name", &collection)?,
                digest: str_at(v, "digest").map(|d| d.trim().to_string()),
                created_time: str_at(v, "createdTime").and_then(|s| canonical_datetime(&s)),
                last_update_time: str_at(v, "lastUpdateTime").and_then(|s| canonical_datetime(&s)),
                write_enabled: bool_at(v, "changeableAttributes.writeEnabled"),
                delete_enabled: bool_at(v, "changeableAttributes.deleteEnabled"),
            });
            n += 1;
        }
    }
    Ok(n)
}

fn parse_manifests(
    raw: &RawExport,
    side: Side,
    registry: &str,
    inv: &mut Inventory,
) -> Result<usize> {
    let collection = collection_of(&MANIFESTS, registry);
    let pages = raw.pages(side, &collection)?;
    let mut n = 0;
    for page in &pages {
        let repository = image_name(page, &collection)?;
        for item in items(std::slice::from_ref(page), Envelope::Field("manifests"))? {
            let v = item.value;
            let digest = required(&item, "manifests", "digest", &collection)?
                .trim()
                .to_string();
            let references = arr_at(v, "references");
            for (i, r) in references.iter().enumerate() {
                let reference_digest = str_at(r, "digest").ok_or_else(|| {
                    bad_body(
                        item.path,
                        &format!(
                            "manifests[{}].references[{i}] has no \"digest\"",
                            item.index
                        ),
                        &collection,
                    )
                })?;
                inv.registry_manifest_references
                    .push(RegistryManifestReference {
                        tenant: side.as_str().to_string(),
                        registry: login_server(registry),
                        repository: repository.clone(),
                        digest: digest.clone(),
                        reference_digest: reference_digest.trim().to_string(),
                        architecture: str_at(r, "architecture"),
                        os: str_at(r, "os"),
                    });
            }
            inv.registry_manifests.push(RegistryManifest {
                tenant: side.as_str().to_string(),
                registry: login_server(registry),
                repository: repository.clone(),
                // Digests are content addresses: kept exactly as sent.
                digest,
                image_size: i64_at(v, "imageSize"),
                media_type: str_at(v, "mediaType"),
                architecture: str_at(v, "architecture"),
                os: str_at(v, "os"),
                tag_count: arr_at(v, "tags").len() as i64,
                created_time: str_at(v, "createdTime").and_then(|s| canonical_datetime(&s)),
                reference_count: references.len() as i64,
            });
            n += 1;
        }
    }
    Ok(n)
}

/// The repository a `_tags` / `_manifests` response is about.
fn image_name(page: &Page, collection: &str) -> Result<String> {
    str_at(&page.body, "imageName")
        .map(|s| s.trim().to_string())
        .ok_or_else(|| bad_body(&page.path, "the response has no \"imageName\"", collection))
}

fn required(item: &RawItem, list: &str, field: &str, collection: &str) -> Result<String> {
    str_at(item.value, field).ok_or_else(|| {
        bad_body(
            item.path,
            &format!("{list}[{}] has no \"{field}\"", item.index),
            collection,
        )
    })
}

fn bad_body(path: &std::path::Path, what: &str, collection: &str) -> Error {
    Error::input(
        Location::file(path),
        format!("{what} ({collection})"),
        "save the data-plane response body exactly as the registry returned it (see docs/raw-export.md)",
    )
}

/// The outcome of one table group over all registries; see the module doc.
/// Built here rather than by [`CollectionSpec::outcome`], which looks for the
/// spec's path literally and would never find `acr/*/_catalog`.
fn family_outcome(
    raw: &RawExport,
    side: Side,
    spec: &CollectionSpec,
    registries: &[String],
    items: usize,
) -> Result<CollectionOutcome> {
    let mut status: Option<Status> = None;
    let mut errors = Vec::new();
    let mut note =
        |status: &mut Option<Status>, s: Option<crate::raw::CollectionStatus>, who: &str| {
            let base = status.unwrap_or(Status::Complete);
            *status = Some(match s {
                Some(s) => {
                    let st = Status::parse(&s.status).unwrap_or(Status::Failed);
                    if st != Status::Complete {
                        errors.push(format!(
                            "{who}: {}",
                            s.error.as_deref().unwrap_or(&s.status)
                        ));
                    }
                    base.max(st)
                }
                None => base,
            });
        };
    if let Some(s) = raw.status(side, ROOT)? {
        note(&mut status, Some(s), ROOT);
    }
    let mut missing = Vec::new();
    for registry in registries {
        let collection = collection_of(spec, registry);
        if raw.has(side, &collection) {
            note(&mut status, raw.status(side, &collection)?, registry);
        } else {
            missing.push(registry.as_str());
        }
    }
    if let (Some(st), false) = (status, missing.is_empty()) {
        status = Some(st.max(Status::Partial));
        errors.push(format!("not collected for {}", missing.join(", ")));
    }
    Ok(CollectionOutcome {
        family: spec.family.to_string(),
        collection: spec.collection.to_string(),
        side,
        status: status.unwrap_or(Status::NotCollected),
        tables: spec.tables.iter().map(|t| t.to_string()).collect(),
        items,
        error: (!errors.is_empty()).then(|| errors.join("; ")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/wire/acr");
    /// Mixed case, as ARM returns `loginServer` in its examples.
    const REG: &str = "myRegistry.azurecr-test.io";

    /// A raw export whose source tenant holds fixtures at the given paths.
    fn export(files: &[(&str, &str)]) -> (tempfile::TempDir, RawExport) {
        crate::raw::testing::export(FIXTURES, files)
    }

    fn full_registry(reg: &str) -> Vec<(&'static str, String)> {
        vec![
            ("catalog.json", format!("acr/{reg}/_catalog/page-0001.json")),
            (
                "tags-nanoserver.json",
                format!("acr/{reg}/_tags/page-0001.json"),
            ),
            (
                "tags-production-alpine.json",
                format!("acr/{reg}/_tags/page-0002.json"),
            ),
            (
                "manifests-nanoserver.json",
                format!("acr/{reg}/_manifests/page-0001.json"),
            ),
        ]
    }

    fn run_files(files: &[(&str, String)]) -> (tempfile::TempDir, RawExport) {
        let refs: Vec<(&str, &str)> = files.iter().map(|(f, d)| (*f, d.as_str())).collect();
        export(&refs)
    }

    fn parse_all(raw: &RawExport) -> (Inventory, Vec<CollectionOutcome>) {
        let mut inv = Inventory::default();
        let outcomes = parse(raw, Side::Source, &mut inv).unwrap();
        (inv, outcomes)
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn catalog_gives_repositories_under_the_lower_case_login_server() {
        let (_d, raw) = run_files(&full_registry(REG));
        let (inv, outcomes) = parse_all(&raw);
        let repos: Vec<_> = inv
            .repositories
            .iter()
            .map(|r| {
                (
                    r.tenant.as_str(),
                    r.registry.as_str(),
                    r.repository.as_str(),
                )
            })
            .collect();
        assert_eq!(
            repos,
            vec![
                ("source", "myregistry.azurecr-test.io", "nanoserver"),
                ("source", "myregistry.azurecr-test.io", "production/alpine"),
            ]
        );
        let o = &outcomes[0];
        assert_eq!(o.collection, "acr/*/_catalog");
        assert_eq!(
            (o.status, o.items, o.error.as_deref()),
            (Status::Complete, 2, None)
        );
        assert_eq!(o.tables, vec!["repositories"]);
    }

    #[test]
    fn tags_take_the_repository_from_each_response() {
        let (_d, raw) = run_files(&full_registry(REG));
        let (inv, outcomes) = parse_all(&raw);
        let reg = "myregistry.azurecr-test.io";
        assert_eq!(
            inv.registry_tags,
            vec![
                RegistryTag {
                    tenant: "source".into(),
                    registry: reg.into(),
                    repository: "nanoserver".into(),
                    tag: "4.7.2-20180905-nanoserver-1803".into(),
                    digest: s(
                        "sha256:110d2b6c84592561338aa040b1b14b7ab81c2f9edbd564c2285dd7d70d777086"
                    ),
                    created_time: s("2018-09-06T06:17:21Z"),
                    last_update_time: s("2018-09-06T06:17:21Z"),
                    write_enabled: Some(true),
                    delete_enabled: Some(true),
                },
                RegistryTag {
                    tenant: "source".into(),
                    registry: reg.into(),
                    repository: "nanoserver".into(),
                    tag: "latest".into(),
                    digest: s(
                        "sha256:7af5cd1dde3e8f5c2c9103860afa4ca871a6075373b6564b0e7b1b47866dab52"
                    ),
                    created_time: s("2018-09-06T16:30:43Z"),
                    last_update_time: s("2018-09-07T16:30:46Z"),
                    write_enabled: Some(false),
                    delete_enabled: Some(false),
                },
                RegistryTag {
                    tenant: "source".into(),
                    registry: reg.into(),
                    repository: "production/alpine".into(),
                    tag: "3.19".into(),
                    digest: s(
                        "sha256:c5b1261d6d3e43071626931fc004f70149baeba2c8ec672bd4f27761f8e1ad6b"
                    ),
                    created_time: s("2024-01-27T00:00:00Z"),
                    last_update_time: s("2024-01-27T00:00:00Z"),
                    // changeableAttributes absent: unknown.
                    write_enabled: None,
                    delete_enabled: None,
                },
            ]
        );
        assert_eq!(
            (outcomes[1].status, outcomes[1].items),
            (Status::Complete, 3)
        );
    }

    #[test]
    fn manifests_count_tags_and_keep_untagged_ones() {
        let (_d, raw) = run_files(&full_registry(REG));
        let (inv, outcomes) = parse_all(&raw);
        let rows: Vec<_> = inv
            .registry_manifests
            .iter()
            .map(|m| {
                (
                    &m.digest[..15],
                    m.tag_count,
                    m.image_size,
                    m.media_type.as_deref(),
                    m.architecture.as_deref(),
                    m.os.as_deref(),
                    m.created_time.as_deref(),
                    m.reference_count,
                )
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                (
                    "sha256:110d2b6c",
                    1,
                    Some(2401606),
                    Some("application/vnd.docker.distribution.manifest.v2+json"),
                    Some("amd64"),
                    Some("windows"),
                    Some("2018-09-06T06:17:20Z"),
                    0
                ),
                (
                    "sha256:7af5cd1d",
                    2,
                    Some(4135121),
                    None,
                    Some("amd64"),
                    Some("windows"),
                    Some("2018-09-07T16:30:46Z"),
                    0
                ),
                (
                    "sha256:0f5e1a6c",
                    0,
                    Some(3221225472),
                    None,
                    None,
                    None,
                    Some("2018-08-30T10:00:00Z"),
                    0
                ),
                // A manifest list: it references one manifest per platform.
                (
                    "sha256:9d2b4f0e",
                    1,
                    Some(1024),
                    Some("application/vnd.docker.distribution.manifest.list.v2+json"),
                    None,
                    None,
                    Some("2018-09-07T16:31:02Z"),
                    3
                ),
            ]
        );
        assert!(inv
            .registry_manifests
            .iter()
            .all(|m| m.registry == "myregistry.azurecr-test.io" && m.repository == "nanoserver"));
        let refs: Vec<_> = inv
            .registry_manifest_references
            .iter()
            .map(|r| {
                (
                    &r.digest[..15],
                    &r.reference_digest[..15],
                    r.architecture.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            refs,
            vec![
                ("sha256:9d2b4f0e", "sha256:110d2b6c", Some("amd64")),
                ("sha256:9d2b4f0e", "sha256:7af5cd1d", Some("amd64")),
                ("sha256:9d2b4f0e", "sha256:0f5e1a6c", Some("arm64")),
            ]
        );
        assert_eq!(
            (outcomes[2].status, outcomes[2].items),
            (Status::Complete, 4)
        );
    }

    #[test]
    fn absent_family_is_not_collected() {
        let (_d, raw) = export(&[]);
        let (inv, outcomes) = parse_all(&raw);
        assert_eq!(
            outcomes
                .iter()
                .map(|o| (o.collection.as_str(), o.status, o.items))
                .collect::<Vec<_>>(),
            vec![
                ("acr/*/_catalog", Status::NotCollected, 0),
                ("acr/*/_tags", Status::NotCollected, 0),
                ("acr/*/_manifests", Status::NotCollected, 0),
            ]
        );
        assert_eq!(inv, Inventory::default());
    }

    #[test]
    fn a_registry_without_a_collection_makes_it_partial() {
        let mut files = full_registry(REG);
        files.push((
            "catalog.json",
            "acr/other.azurecr.io/_catalog/page-0001.json".into(),
        ));
        let (_d, raw) = run_files(&files);
        let (inv, outcomes) = parse_all(&raw);
        assert_eq!(inv.repositories.len(), 4);
        assert_eq!(outcomes[0].status, Status::Complete);
        assert_eq!(outcomes[1].status, Status::Partial);
        assert_eq!(
            outcomes[1].error.as_deref(),
            Some("not collected for other.azurecr.io")
        );
        // Only the catalog of the second registry: tags are not collected for it
        // and, with no registry holding tags at all, the group is not collected.
        let (_d, raw) = run_files(&[(
            "catalog.json",
            "acr/other.azurecr.io/_catalog/page-0001.json".into(),
        )]);
        let (_, outcomes) = parse_all(&raw);
        assert_eq!(outcomes[1].status, Status::NotCollected);
    }

    #[test]
    fn status_files_of_registries_and_family_are_merged() {
        let (dir, _) = run_files(&full_registry(REG));
        let side = dir.path().join("source/acr");
        std::fs::write(
            side.join(REG).join("_manifests/_status.json"),
            r#"{"status":"failed","error":"401 on nanoserver"}"#,
        )
        .unwrap();
        std::fs::write(
            side.join("_status.json"),
            r#"{"status":"partial","error":"registry list truncated"}"#,
        )
        .unwrap();
        let raw = RawExport::open(dir.path()).unwrap();
        let (_, outcomes) = parse_all(&raw);
        assert_eq!(outcomes[0].status, Status::Partial);
        assert_eq!(
            outcomes[0].error.as_deref(),
            Some("acr: registry list truncated")
        );
        assert_eq!(outcomes[2].status, Status::Failed);
        assert_eq!(
            outcomes[2].error.as_deref(),
            Some("acr: registry list truncated; myRegistry.azurecr-test.io: 401 on nanoserver")
        );
    }

    #[test]
    fn a_tags_response_without_image_name_is_an_input_error() {
        let (dir, _) = export(&[]);
        let p = dir.path().join("source/acr").join(REG).join("_tags");
        std::fs::create_dir_all(&p).unwrap();
        std::fs::write(p.join("page-0001.json"), r#"{"tags": []}"#).unwrap();
        let raw = RawExport::open(dir.path()).unwrap();
        let err = parse(&raw, Side::Source, &mut Inventory::default()).unwrap_err();
        let Error::Input(e) = err else {
            panic!("expected an input error, got {err:?}")
        };
        assert!(e.location.path.unwrap().ends_with("_tags/page-0001.json"));
        assert_eq!(
            e.message,
            format!("the response has no \"imageName\" (acr/{REG}/_tags)")
        );
    }
}
