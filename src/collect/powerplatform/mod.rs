//! powerplatform family collector.
pub mod parse;
