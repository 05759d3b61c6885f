//! acr family collector: `fetch` (live, the registry data plane), `parse`
//! (the raw export into tables), `manifest_csv` (the repository/tag list for
//! an import script).
pub mod fetch;
pub mod manifest_csv;
pub mod parse;
