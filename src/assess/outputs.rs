//! The file written by `assess`: `results.json`. Everything people read
//! (CSV, HTML, Excel, Markdown) is derived from it by `report`.

use super::Results;
use crate::error::{Error, Result};
use std::path::Path;

pub fn write_all(dir: &Path, results: &Results) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let p = dir.join("results.json");
    let file = std::fs::File::create(&p).map_err(|e| io(&p, e))?;
    let mut w = std::io::BufWriter::new(file);
    serde_json::to_writer_pretty(&mut w, results)
        .map_err(|e| Error::Runtime(format!("{}: {e}", p.display())))?;
    std::io::Write::flush(&mut w).map_err(|e| io(&p, e))?;
    Ok(())
}

fn io(path: &Path, e: std::io::Error) -> Error {
    Error::Runtime(format!("{}: {e}", path.display()))
}
