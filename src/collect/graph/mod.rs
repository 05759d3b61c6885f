//! graph family collector.
pub mod parse;
