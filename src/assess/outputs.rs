//! The file written by `assess`: `results.json`. Everything people read
//! (CSV, HTML, Excel, Markdown) is derived from it by `report`.

use super::Results;
use crate::error::{Error, Result};
use std::path::Path;

pub fn write_all(dir: &Path, results: &Results) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let json = serde_json::to_string_pretty(results).map_err(|e| Error::Runtime(e.to_string()))?;
    let p = dir.join("results.json");
    std::fs::write(&p, json).map_err(|e| io(&p, e))?;
    Ok(())
}

fn io(path: &Path, e: std::io::Error) -> Error {
    Error::Runtime(format!("{}: {e}", path.display()))
}
