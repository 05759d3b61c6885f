//! acr family collector.
pub mod parse;
