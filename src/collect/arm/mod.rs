//! arm family collector: Azure Resource Manager lists and Azure Resource
//! Graph rows.
mod containers;
pub mod fetch;
pub mod fetch_rg;
mod gallery;
mod governance;
pub mod parse;
mod providers;
mod rbac;
mod resources;
mod services;
#[cfg(test)]
mod tests;
mod vm;
#[cfg(test)]
mod vm_tests;
