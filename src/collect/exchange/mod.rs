//! exchange family collector.
pub mod parse;
