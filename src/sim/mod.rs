//! The tenant simulator side of xtenant: synthetic exports for tests and
//! benchmarks, and the HTTP simulator that serves an export (`serve`).

pub mod generate;
pub mod results;
pub mod serve;
