//! The tenant simulator side of xtenant: synthetic exports for tests and benchmarks.

pub mod generate;
pub mod results;
