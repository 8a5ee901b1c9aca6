//! Report models: builders turn KPI results and templates into a
//! format-neutral [`model::Document`]. A new report kind is one new builder
//! module plus one entry in [`crate::run::ReportKind`].

pub mod common;
pub mod cost;
pub mod daily;
pub mod model;
pub mod monthly;
pub mod sla;
pub mod template;
pub mod weekly;
