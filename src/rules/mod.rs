//! Rules: packs (data), lint, the SQL engine, exceptions and readiness.

pub mod engine;
pub mod exceptions;
pub mod lint;
pub mod pack;
pub mod readiness;
