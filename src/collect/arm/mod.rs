//! arm family collector: Azure Resource Manager lists and Azure Resource
//! Graph rows.
mod containers;
mod gallery;
pub mod parse;
mod providers;
mod rbac;
mod resources;
#[cfg(test)]
mod tests;
