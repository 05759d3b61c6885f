//! arm family collector.
pub mod parse;
