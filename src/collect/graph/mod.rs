//! graph family collector.
pub mod fetch;
pub mod parse;
