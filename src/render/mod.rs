//! Renderers: each sees only the report model ([`crate::report::model`]).
//! A new output format is one new module here plus one entry in
//! [`crate::run`]'s output list.

pub mod json;
pub mod pdf;
pub mod xlsx;
