//! The embedded demo tenant pair (Contoso → Fabrikam): a hand-made raw export
//! in the real wire formats, shipped inside the binary so `xtenant demo` works
//! on a machine with no network and no credentials.

use crate::error::{Error, Result};
use include_dir::{include_dir, Dir};
use std::path::Path;

static DEMO: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/fixtures/demo");

/// Writes the demo raw export (with its config and user files) to `dir`.
pub fn extract(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::Runtime(format!("{}: {e}", dir.display())))?;
    DEMO.extract(dir)
        .map_err(|e| Error::Runtime(format!("cannot write the demo to {}: {e}", dir.display())))
}
