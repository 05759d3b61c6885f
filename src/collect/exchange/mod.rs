//! exchange family collector.
pub mod fetch;
pub mod fields;
pub mod parse;
mod source;
#[cfg(test)]
mod tests;
