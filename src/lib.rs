//! xtenant: readiness assessment and gated execution for Azure and Microsoft
//! 365 cross-tenant migrations.
//!
//! The pipeline is the architecture (see ARCHITECTURE.md):
//! `collect` → snapshot → `assess` → results → `report` / `plan` → `apply`.

pub mod app;
pub mod assess;
pub mod auth;
pub mod cli;
pub mod collect;
pub mod config;
pub mod demo;
pub mod error;
pub mod execute;
pub mod http;
pub mod inventory;
pub mod logfmt;
pub mod normalize;
pub mod par;
pub mod raw;
pub mod report;
pub mod rules;
pub mod sim;
pub mod snapshot;
pub mod userfiles;

pub use error::{Error, Result};

/// The tool version written into snapshots and results.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
