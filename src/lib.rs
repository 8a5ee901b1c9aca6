//! hokoku (報告): batch reports for IT operations centres.
//!
//! Data flows one way: [`ingest`] → [`store`] → [`kpi`] → [`report`]
//! (format-neutral model) → [`render`] (xlsx, pdf, json) → [`output`].
//! [`pipeline`] is the single path the CLI and the scheduler use. See
//! docs/ARCHITECTURE.md.

pub mod calendar;
pub mod config;
pub mod encoding;
pub mod figures;
pub mod frame;
pub mod ingest;
pub mod jobs;
pub mod kpi;
pub mod mask;
pub mod output;
pub mod pipeline;
pub mod problem;
pub mod render;
pub mod report;
pub mod schedule;
pub mod store;
pub mod time;
pub mod util;
pub mod vocab;
