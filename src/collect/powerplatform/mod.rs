//! powerplatform family collector: BAP, Power Apps, Power Automate and
//! Power Platform admin lists, and Dataverse Web API queries.
pub mod fetch;
mod items;
pub mod parse;
mod perenv;
