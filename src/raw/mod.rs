//! The raw export: API responses saved exactly as they came over the wire,
//! one directory per tenant and collection. Live collectors write it
//! (`--save-raw`), the simulator serves it, the generator produces it, and
//! `collect --from-dir` parses it. The layout is documented in
//! `docs/raw-export.md`; bump [`FORMAT_VERSION`] on any incompatible change.

pub mod write;

use crate::error::{Error, Location, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::{Path, PathBuf};

pub const MARKER_FILE: &str = "xtenant-raw.json";
pub const FORMAT_NAME: &str = "xtenant-raw-export";
pub const FORMAT_VERSION: u32 = 1;

/// `xtenant-raw.json` at the root of an export.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Marker {
    pub format: String,
    pub version: u32,
    #[serde(default)]
    pub producer: Option<String>,
    #[serde(default)]
    pub created: Option<String>,
}

impl Marker {
    pub fn new(producer: &str) -> Self {
        Marker {
            format: FORMAT_NAME.to_string(),
            version: FORMAT_VERSION,
            producer: Some(producer.to_string()),
            created: Some(chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()),
        }
    }
}

/// Which tenant of the pair a directory holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Source,
    Target,
}

impl Side {
    pub const BOTH: [Side; 2] = [Side::Source, Side::Target];
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Source => "source",
            Side::Target => "target",
        }
    }
}

/// `_status.json` in a collection directory: written by a live collector that
/// could not fetch everything, so the snapshot can say `partial` or `failed`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CollectionStatus {
    pub status: String,
    #[serde(default)]
    pub error: Option<String>,
}

/// Optional sidecar `page-0001.meta.json`: the request that produced a page.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct PageMeta {
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub fetched_at: Option<String>,
}

/// One saved response body (or one hand-made file) of a collection.
#[derive(Debug, Clone)]
pub struct Page {
    pub path: PathBuf,
    pub body: Value,
    pub meta: Option<PageMeta>,
}

/// One element of a collection, with where it came from for error messages.
#[derive(Debug, Clone)]
pub struct RawItem<'a> {
    pub value: &'a Value,
    pub path: &'a Path,
    pub index: usize,
    pub meta: Option<&'a PageMeta>,
}

#[derive(Debug, Clone)]
pub struct RawExport {
    root: PathBuf,
    pub marker: Marker,
}

impl RawExport {
    /// Opens an export, checking its marker and format version.
    pub fn open(root: impl AsRef<Path>) -> Result<Self> {
        let root = root.as_ref().to_path_buf();
        if !root.is_dir() {
            return Err(Error::input(
                Location::file(&root),
                "raw export directory not found",
                "pass the directory that holds xtenant-raw.json, source/ and target/",
            ));
        }
        let marker_path = root.join(MARKER_FILE);
        let text = std::fs::read_to_string(&marker_path).map_err(|_| {
            Error::input(
                Location::file(&marker_path),
                "not an xtenant raw export: the marker file is missing",
                format!(
                    "create it with {{\"format\": \"{FORMAT_NAME}\", \"version\": {FORMAT_VERSION}}} (see docs/raw-export.md)"
                ),
            )
        })?;
        let marker: Marker =
            serde_json::from_str(&text).map_err(|e| json_error(&marker_path, &e))?;
        if marker.format != FORMAT_NAME {
            return Err(Error::input(
                Location::file(&marker_path),
                format!("unknown format {:?}", marker.format),
                format!("the format must be \"{FORMAT_NAME}\""),
            ));
        }
        if marker.version != FORMAT_VERSION {
            return Err(Error::input(
                Location::file(&marker_path),
                format!(
                    "raw export format version {} is not supported by this xtenant (it reads version {FORMAT_VERSION})",
                    marker.version
                ),
                "re-export with a matching xtenant version, or use the xtenant release that wrote it",
            ));
        }
        Ok(RawExport { root, marker })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn side_dir(&self, side: Side) -> PathBuf {
        self.root.join(side.as_str())
    }

    /// Whether anything was saved for a collection (`arm/disks`, ...).
    pub fn has(&self, side: Side, collection: &str) -> bool {
        let base = self.side_dir(side).join(collection);
        base.is_dir() || with_ext(&base, "json").is_file() || with_ext(&base, "csv").is_file()
    }

    /// The `_status.json` of a collection directory, if a collector wrote one.
    pub fn status(&self, side: Side, collection: &str) -> Result<Option<CollectionStatus>> {
        let p = self.side_dir(side).join(collection).join("_status.json");
        if !p.is_file() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&p).map_err(|e| Error::io(&p, e))?;
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| json_error(&p, &e))
    }

    /// Sub-directories of a collection, for per-parent collections such as
    /// `graph/group-members/{groupId}` or `acr/{loginServer}`.
    pub fn children(&self, side: Side, collection: &str) -> Result<Vec<String>> {
        let dir = self.side_dir(side).join(collection);
        if !dir.is_dir() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        let entries = std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))?;
        for e in entries {
            let e = e.map_err(|e| Error::io(&dir, e))?;
            if e.path().is_dir() {
                out.push(e.file_name().to_string_lossy().to_string());
            } else if let Some(stem) = file_stem_with(&e.path(), &["json", "csv"]) {
                // `Get-DistributionGroupMember/scope-group.json` style children.
                if !stem.starts_with('_') && !stem.starts_with("page-") {
                    out.push(stem);
                }
            }
        }
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// The JSON pages of a collection in file-name order: `{collection}/*.json`
    /// (sidecars and `_status.json` excluded), or a single `{collection}.json`.
    /// Holds every page in memory: large collections use [`Self::for_each_page`].
    pub fn pages(&self, side: Side, collection: &str) -> Result<Vec<Page>> {
        self.page_paths(side, collection)?
            .iter()
            .map(|p| read_page(p))
            .collect()
    }

    /// Calls `f` on each page in turn, holding one page at a time: a tenant's
    /// 200,000 mailboxes are 200 pages, and their JSON trees would not fit
    /// in memory together with the records made from them.
    pub fn for_each_page(
        &self,
        side: Side,
        collection: &str,
        mut f: impl FnMut(&Page) -> Result<()>,
    ) -> Result<()> {
        for p in self.page_paths(side, collection)? {
            f(&read_page(&p)?)?;
        }
        Ok(())
    }

    /// The page files of a collection, in file-name order.
    pub fn page_paths(&self, side: Side, collection: &str) -> Result<Vec<PathBuf>> {
        let base = self.side_dir(side).join(collection);
        let mut files = Vec::new();
        if base.is_dir() {
            let entries = std::fs::read_dir(&base).map_err(|e| Error::io(&base, e))?;
            for e in entries {
                let p = e.map_err(|e| Error::io(&base, e))?.path();
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
                if p.is_file()
                    && name.ends_with(".json")
                    && !name.ends_with(".meta.json")
                    && !name.starts_with('_')
                {
                    files.push(p);
                }
            }
            files.sort();
        } else if with_ext(&base, "json").is_file() {
            files.push(with_ext(&base, "json"));
        }
        Ok(files)
    }

    /// The CSV file of a collection (`exchange/Get-Mailbox.csv`), if any.
    pub fn csv_file(&self, side: Side, collection: &str) -> Option<PathBuf> {
        let p = with_ext(&self.side_dir(side).join(collection), "csv");
        p.is_file().then_some(p)
    }
}

/// `name.ext` beside `base`, keeping dots already in the name
/// (`Get-DistributionGroupMember/scope@contoso.com` + `json`).
fn with_ext(base: &Path, ext: &str) -> PathBuf {
    let mut s = base.as_os_str().to_os_string();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

fn file_stem_with(p: &Path, exts: &[&str]) -> Option<String> {
    let ext = p.extension()?.to_string_lossy().to_lowercase();
    if !exts.contains(&ext.as_str()) {
        return None;
    }
    let name = p.file_name()?.to_string_lossy();
    if name.ends_with(".meta.json") {
        return None;
    }
    Some(p.file_stem()?.to_string_lossy().to_string())
}

fn read_page(path: &Path) -> Result<Page> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    // PowerShell's ConvertTo-Json | Out-File writes a BOM (UTF-8 or UTF-16).
    let text = crate::userfiles::decode_text(&bytes)
        .map_err(|msg| Error::input(Location::file(path), msg, "save the file as UTF-8"))?;
    let body: Value = serde_json::from_str(&text).map_err(|e| json_error(path, &e))?;
    let meta_path = path.with_extension("meta.json");
    let meta = if meta_path.is_file() {
        let t = std::fs::read_to_string(&meta_path).map_err(|e| Error::io(&meta_path, e))?;
        Some(serde_json::from_str(&t).map_err(|e| json_error(&meta_path, &e))?)
    } else {
        None
    };
    Ok(Page {
        path: path.to_path_buf(),
        body,
        meta,
    })
}

pub fn json_error(path: &Path, e: &serde_json::Error) -> Error {
    Error::input(
        Location::at(path, e.line(), Some(e.column())),
        format!("invalid JSON: {e}"),
        "the file must hold the API response body exactly as returned",
    )
}

/// Where the items of a page live, by API family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Envelope {
    /// ARM, Microsoft Graph, BAP and Exchange InvokeCommand: `{"value": [...]}`.
    Value,
    /// Azure Resource Graph: `{"data": [...]}` (object-array result format).
    Data,
    /// A named array (`repositories`, `tags`, `manifests` in the ACR data plane).
    Field(&'static str),
    /// Exchange cmdlet output saved with ConvertTo-Json: an array, or a single
    /// object when the cmdlet returned one result; `{"value": [...]}` accepted too.
    PowerShell,
    /// A GET of one object (Graph `crossTenantAccessPolicy/default`, a
    /// Marketplace agreement): the body is the item.
    Object,
}

/// Flattens pages into items, failing with the file name when a page does not
/// have the shape its collection requires.
pub fn items<'a>(pages: &'a [Page], env: Envelope) -> Result<Vec<RawItem<'a>>> {
    let mut out = Vec::new();
    for page in pages {
        let arr: Vec<&Value> = match env {
            Envelope::Value => list_field(page, "value")?,
            Envelope::Data => list_field(page, "data")?,
            Envelope::Field(f) => list_field(page, f)?,
            Envelope::PowerShell => match &page.body {
                Value::Array(a) => a.iter().collect(),
                Value::Object(o) if o.contains_key("value") => list_field(page, "value")?,
                Value::Object(_) => vec![&page.body],
                _ => return Err(shape_error(page, "an array or an object")),
            },
            Envelope::Object => match &page.body {
                Value::Object(_) => vec![&page.body],
                _ => return Err(shape_error(page, "one JSON object")),
            },
        };
        for (index, value) in arr.into_iter().enumerate() {
            out.push(RawItem {
                value,
                path: &page.path,
                index,
                meta: page.meta.as_ref(),
            });
        }
    }
    Ok(out)
}

fn list_field<'a>(page: &'a Page, field: &str) -> Result<Vec<&'a Value>> {
    match page.body.get(field) {
        Some(Value::Array(a)) => Ok(a.iter().collect()),
        // An empty page may still carry a next link; a null list is empty.
        Some(Value::Null) => Ok(Vec::new()),
        None if page.body.is_object() => Err(shape_error(
            page,
            &format!("an object with a \"{field}\" array"),
        )),
        _ => Err(shape_error(
            page,
            &format!("an object with a \"{field}\" array"),
        )),
    }
}

fn shape_error(page: &Page, want: &str) -> Error {
    Error::input(
        Location::file(&page.path),
        format!("unexpected response shape: expected {want}"),
        "save the response body exactly as the API returned it (see docs/raw-export.md)",
    )
}

/// Raw exports built from fixture files, for the parsers' tests.
#[cfg(test)]
pub mod testing {
    use super::RawExport;
    use std::path::Path;

    /// A raw export in a temporary directory whose source tenant holds the
    /// files of `fixtures` at the given paths (`(fixture, path under source/)`).
    pub fn export(fixtures: &str, files: &[(&str, &str)]) -> (tempfile::TempDir, RawExport) {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join(super::MARKER_FILE),
            r#"{"format":"xtenant-raw-export","version":1}"#,
        )
        .expect("marker");
        for (fixture, dest) in files {
            let to = dir.path().join("source").join(dest);
            std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
            std::fs::copy(Path::new(fixtures).join(fixture), &to).expect("copy fixture");
        }
        let raw = RawExport::open(dir.path()).expect("open export");
        (dir, raw)
    }
}
