//! Derived tables computed in Rust where SQL is the wrong tool.
pub mod permissions;
