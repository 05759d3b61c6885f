//! arm family collector: Azure Resource Manager lists and Azure Resource
//! Graph rows.
mod containers;
mod gallery;
pub mod parse;
mod rbac;
mod resources;
mod services;
#[cfg(test)]
mod tests;
