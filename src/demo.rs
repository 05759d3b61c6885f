//! The embedded demo tenant pair (Contoso → Fabrikam): a hand-made raw export
//! in the real wire formats, shipped inside the binary so `xtenant demo` works
//! on a machine with no network and no credentials.
//!
//! The pair is seen at two points in time. [`extract`] writes it as it is
//! today; [`extract_day_1`] writes it as it was on day 1, before the
//! organisation prerequisites were done: the files of `fixtures/demo/day-1/`
//! replace the demo's files at the same paths (the mechanism of the rule test
//! cases in `fixtures/cases/`). Organisation-level rules hold back every item of
//! a workload when they fail, so they can only fail in a run of their own: the
//! day-1 run is where they do.

use crate::error::{Error, Result};
use include_dir::{include_dir, Dir, DirEntry};
use std::path::Path;

static DEMO: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/fixtures/demo");

/// The overlay directory inside `fixtures/demo`, and the name of the day-1
/// output directory of `xtenant demo`.
pub const DAY_1: &str = "day-1";

/// Writes the demo raw export as it is today (with its config and user files)
/// to `dir`.
pub fn extract(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| write_failed(dir, e))?;
    write_tree(&DEMO, Path::new(""), dir, &|p| !p.starts_with(DAY_1))
}

/// Writes the demo raw export as it was on day 1 to `dir`: today's files,
/// then the day-1 overlay over them.
pub fn extract_day_1(dir: &Path) -> Result<()> {
    extract(dir)?;
    let overlay = DEMO.get_dir(DAY_1).ok_or_else(|| {
        Error::Runtime(format!(
            "the demo has no {DAY_1} overlay: this binary was built without fixtures/demo/{DAY_1}"
        ))
    })?;
    // The overlay's README describes it; it is not part of the export.
    write_tree(overlay, Path::new(DAY_1), dir, &|p| {
        p != Path::new(DAY_1).join("README.md")
    })
}

/// Writes every file of `tree` that `keep` accepts to `dir`, at its path
/// relative to `base` (include_dir paths are relative to `fixtures/demo`).
fn write_tree(tree: &Dir<'_>, base: &Path, dir: &Path, keep: &dyn Fn(&Path) -> bool) -> Result<()> {
    let to = |p: &Path| dir.join(p.strip_prefix(base).unwrap_or(p));
    for entry in tree.entries() {
        if !keep(entry.path()) {
            continue;
        }
        match entry {
            DirEntry::Dir(d) => {
                let path = to(d.path());
                std::fs::create_dir_all(&path).map_err(|e| write_failed(&path, e))?;
                write_tree(d, base, dir, keep)?;
            }
            DirEntry::File(f) => {
                let path = to(f.path());
                std::fs::write(&path, f.contents()).map_err(|e| write_failed(&path, e))?;
            }
        }
    }
    Ok(())
}

fn write_failed(p: &Path, e: std::io::Error) -> Error {
    Error::Runtime(format!("cannot write the demo to {}: {e}", p.display()))
}
