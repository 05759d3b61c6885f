//! Writing a raw export (docs/raw-export.md): what live collection fetched,
//! saved so the offline parser reads it exactly as it reads a customer's export.
//!
//! Every file is written to a `.tmp` name and renamed into place, so a run
//! killed mid-write never leaves a half page that the parser would reject.
//! Concurrent fan-out (one request per registry, per group, ...) writes
//! *staged* pages (`_part-IIIIII-JJJJ.json`, ignored by the reader because of
//! the `_`) that [`CollectionWriter::finish`] renames to `page-NNNN.json` in
//! parent order: page numbers then follow the parent order whatever order the
//! requests completed in, and no page is ever held in memory.

use super::{CollectionStatus, Marker, PageMeta, Side, MARKER_FILE};
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// The body of a collected-and-empty list collection: "nothing there" must
/// differ from "not looked" (a missing collection).
pub const EMPTY_LIST: &[u8] = b"{\"value\": []}\n";

/// The root of a raw export being written.
#[derive(Debug, Clone)]
pub struct RawWriter {
    root: PathBuf,
}

impl RawWriter {
    /// Creates `root` (and parents) and writes the marker file.
    pub fn create(root: impl AsRef<Path>, producer: &str) -> Result<RawWriter> {
        let root = root.as_ref().to_path_buf();
        mkdir(&root)?;
        let marker = serde_json::to_vec_pretty(&Marker::new(producer))
            .map_err(|e| Error::Runtime(format!("cannot encode the raw export marker: {e}")))?;
        write_atomic(&root.join(MARKER_FILE), &marker)?;
        Ok(RawWriter { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The directory of one collection (`arm/disks`, `graph/group-members/{id}`),
    /// created now so that a collection that yields nothing still counts as collected.
    pub fn collection(&self, side: Side, collection: &str) -> Result<CollectionWriter> {
        let dir = self.root.join(side.as_str()).join(collection);
        mkdir(&dir)?;
        Ok(CollectionWriter {
            dir,
            pages: Arc::new(AtomicUsize::new(0)),
        })
    }

    /// Whether a collection directory or file already exists (e.g. copied
    /// from an offline export).
    pub fn has(&self, side: Side, collection: &str) -> bool {
        let base = self.root.join(side.as_str()).join(collection);
        base.exists() || base.with_extension("json").exists()
    }
}

/// Pages of one collection. Cheap to clone; clones share the page counter, so
/// sequential writers of one collection never reuse a number.
#[derive(Debug, Clone)]
pub struct CollectionWriter {
    dir: PathBuf,
    pages: Arc<AtomicUsize>,
}

impl CollectionWriter {
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Pages written so far with [`Self::write_page`] (staged parts not counted).
    pub fn pages(&self) -> usize {
        self.pages.load(Ordering::SeqCst)
    }

    /// Writes the next `page-NNNN.json` (the body exactly as received) and its
    /// `.meta.json` sidecar.
    pub fn write_page(&self, body: &[u8], meta: &PageMeta) -> Result<PathBuf> {
        let n = self.pages.fetch_add(1, Ordering::SeqCst) + 1;
        let path = self.dir.join(page_name(n));
        write_page_files(&path, body, meta)?;
        Ok(path)
    }

    /// A writer for the pages of the `index`-th parent of a fan-out; its pages
    /// land after those of every lower index when the collection is finished.
    pub fn part(&self, index: usize) -> PartWriter {
        PartWriter {
            dir: self.dir.clone(),
            index,
            pages: 0,
        }
    }

    /// Turns the staged parts into numbered pages (parent order, then page
    /// order), writes `empty` as the only page when nothing was written at all
    /// (`None`: leave the directory empty, for collections whose pages are
    /// single objects), and `_status.json` when `status` says the collection is
    /// incomplete. Returns the number of pages.
    pub fn finish(self, empty: Option<&[u8]>, status: Option<&CollectionStatus>) -> Result<usize> {
        let mut staged = Vec::new();
        let entries = std::fs::read_dir(&self.dir).map_err(|e| runtime_io(&self.dir, e))?;
        for e in entries {
            let name = e
                .map_err(|e| runtime_io(&self.dir, e))?
                .file_name()
                .to_string_lossy()
                .to_string();
            if name.starts_with("_part-")
                && name.ends_with(".json")
                && !name.ends_with(".meta.json")
            {
                staged.push(name);
            }
        }
        // Zero-padded indexes: the name order is the (parent, page) order.
        staged.sort();
        for name in staged {
            let n = self.pages.fetch_add(1, Ordering::SeqCst) + 1;
            let from = self.dir.join(&name);
            let to = self.dir.join(page_name(n));
            rename(&from, &to)?;
            let from_meta = from.with_extension("meta.json");
            if from_meta.is_file() {
                rename(&from_meta, &to.with_extension("meta.json"))?;
            }
        }
        if self.pages() == 0 {
            if let Some(body) = empty {
                write_atomic(&self.dir.join(page_name(1)), body)?;
                self.pages.store(1, Ordering::SeqCst);
            }
        }
        if let Some(st) = status {
            write_status(&self.dir, st)?;
        }
        Ok(self.pages())
    }
}

/// Writes `_status.json` into a collection directory.
pub fn write_status(dir: &Path, status: &CollectionStatus) -> Result<()> {
    mkdir(dir)?;
    let body = serde_json::to_vec_pretty(status)
        .map_err(|e| Error::Runtime(format!("cannot encode a collection status: {e}")))?;
    write_atomic(&dir.join("_status.json"), &body)
}

/// Staged pages of one parent of a fan-out (see [`CollectionWriter::part`]).
#[derive(Debug)]
pub struct PartWriter {
    dir: PathBuf,
    index: usize,
    pages: usize,
}

impl PartWriter {
    pub fn write_page(&mut self, body: &[u8], meta: &PageMeta) -> Result<()> {
        self.pages += 1;
        let path = self
            .dir
            .join(format!("_part-{:06}-{:04}.json", self.index, self.pages));
        write_page_files(&path, body, meta)
    }

    pub fn pages(&self) -> usize {
        self.pages
    }
}

pub fn page_name(n: usize) -> String {
    format!("page-{n:04}.json")
}

fn write_page_files(path: &Path, body: &[u8], meta: &PageMeta) -> Result<()> {
    write_atomic(path, body)?;
    let meta = serde_json::to_vec_pretty(meta)
        .map_err(|e| Error::Runtime(format!("cannot encode a page sidecar: {e}")))?;
    write_atomic(&path.with_extension("meta.json"), &meta)
}

/// Writes `path` through a `.tmp` sibling and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut tmp = path.as_os_str().to_os_string();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes).map_err(|e| runtime_io(&tmp, e))?;
    rename(&tmp, path)
}

fn rename(from: &Path, to: &Path) -> Result<()> {
    std::fs::rename(from, to).map_err(|e| runtime_io(to, e))
}

fn mkdir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| runtime_io(dir, e))
}

/// A write failure in the output directory is a runtime failure (exit 4),
/// not bad input.
fn runtime_io(path: &Path, e: std::io::Error) -> Error {
    Error::Runtime(format!(
        "cannot write {}: {e} (check free space and permissions of the output directory)",
        path.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raw::{items, Envelope, RawExport};

    fn meta(url: &str) -> PageMeta {
        PageMeta {
            method: Some("GET".into()),
            url: Some(url.into()),
            status: Some(200),
            fetched_at: Some("2026-11-20T06:00:00Z".into()),
        }
    }

    #[test]
    fn pages_are_read_back_byte_for_byte_with_their_sidecars() {
        let dir = tempfile::tempdir().unwrap();
        let w = RawWriter::create(dir.path(), "test").unwrap();
        let c = w.collection(Side::Source, "arm/disks").unwrap();
        let body1 = br#"{"value":[{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/disks/a"}],"nextLink":"https://x/?$skiptoken=1"}"#;
        let body2 = br#"{"value":[{"id":"b"}]}"#;
        c.write_page(body1, &meta("https://arm/1")).unwrap();
        c.write_page(body2, &meta("https://arm/2")).unwrap();
        assert_eq!(c.finish(Some(EMPTY_LIST), None).unwrap(), 2);

        let raw = RawExport::open(dir.path()).unwrap();
        assert_eq!(raw.marker.producer.as_deref(), Some("test"));
        let paths = raw.page_paths(Side::Source, "arm/disks").unwrap();
        assert_eq!(paths.len(), 2);
        assert_eq!(std::fs::read(&paths[0]).unwrap(), body1.to_vec());
        let pages = raw.pages(Side::Source, "arm/disks").unwrap();
        assert_eq!(
            pages[1].meta.as_ref().and_then(|m| m.url.as_deref()),
            Some("https://arm/2")
        );
        assert_eq!(items(&pages, Envelope::Value).unwrap().len(), 2);
        assert_eq!(raw.status(Side::Source, "arm/disks").unwrap(), None);
        // No temporary file is left behind.
        let leftovers: Vec<_> = std::fs::read_dir(c_dir(dir.path()))
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }

    fn c_dir(root: &Path) -> PathBuf {
        root.join("source/arm/disks")
    }

    #[test]
    fn staged_parts_become_pages_in_parent_order_whatever_the_write_order() {
        let dir = tempfile::tempdir().unwrap();
        let w = RawWriter::create(dir.path(), "test").unwrap();
        let c = w
            .collection(Side::Target, "arm/registry-replications")
            .unwrap();
        let mut p2 = c.part(2);
        let mut p10 = c.part(10);
        let mut p1 = c.part(1);
        p10.write_page(br#"{"value":[{"id":"j"}]}"#, &meta("u10"))
            .unwrap();
        p2.write_page(br#"{"value":[{"id":"c"}]}"#, &meta("u2a"))
            .unwrap();
        p1.write_page(br#"{"value":[{"id":"a"}]}"#, &meta("u1"))
            .unwrap();
        p2.write_page(br#"{"value":[{"id":"d"}]}"#, &meta("u2b"))
            .unwrap();
        assert_eq!(c.finish(Some(EMPTY_LIST), None).unwrap(), 4);
        let raw = RawExport::open(dir.path()).unwrap();
        let pages = raw
            .pages(Side::Target, "arm/registry-replications")
            .unwrap();
        let ids: Vec<String> = items(&pages, Envelope::Value)
            .unwrap()
            .iter()
            .map(|i| i.value["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(ids, ["a", "c", "d", "j"]);
        let urls: Vec<_> = pages
            .iter()
            .map(|p| p.meta.as_ref().unwrap().url.clone().unwrap())
            .collect();
        assert_eq!(urls, ["u1", "u2a", "u2b", "u10"]);
    }

    #[test]
    fn an_empty_collection_is_collected_and_empty_not_missing() {
        let dir = tempfile::tempdir().unwrap();
        let w = RawWriter::create(dir.path(), "test").unwrap();
        w.collection(Side::Source, "arm/locks")
            .unwrap()
            .finish(Some(EMPTY_LIST), None)
            .unwrap();
        // Single-object collections stay an empty directory: still collected.
        w.collection(Side::Source, "arm/marketplace-agreements")
            .unwrap()
            .finish(None, None)
            .unwrap();
        let raw = RawExport::open(dir.path()).unwrap();
        assert!(raw.has(Side::Source, "arm/locks"));
        let pages = raw.pages(Side::Source, "arm/locks").unwrap();
        assert_eq!(pages.len(), 1);
        assert!(items(&pages, Envelope::Value).unwrap().is_empty());
        assert!(raw.has(Side::Source, "arm/marketplace-agreements"));
        assert!(raw
            .pages(Side::Source, "arm/marketplace-agreements")
            .unwrap()
            .is_empty());
        assert!(!raw.has(Side::Source, "arm/disks"));
    }

    #[test]
    fn a_failed_collection_says_so_in_its_status_file() {
        let dir = tempfile::tempdir().unwrap();
        let w = RawWriter::create(dir.path(), "test").unwrap();
        let c = w.collection(Side::Source, "graph/users").unwrap();
        c.write_page(br#"{"value":[{"id":"u1"}]}"#, &meta("u"))
            .unwrap();
        let st = CollectionStatus {
            status: "partial".into(),
            error: Some("Graph 503 after 8 retries".into()),
        };
        c.finish(Some(EMPTY_LIST), Some(&st)).unwrap();
        let raw = RawExport::open(dir.path()).unwrap();
        assert_eq!(raw.status(Side::Source, "graph/users").unwrap(), Some(st));
        // The status file is not a page.
        assert_eq!(raw.pages(Side::Source, "graph/users").unwrap().len(), 1);
    }
}
