//! hokoku (報告): batch reports for IT operations centres.
//!
//! Data flows one way: [`ingest`] → [`kpi`] → [`report`] (format-neutral
//! model) → [`render`] (xlsx, pdf, json) → [`output`]. [`run::run_report`] is
//! the single path the CLI and the scheduler use. See docs/ARCHITECTURE.md.

pub mod bench;
pub mod calendar;
pub mod config;
pub mod frame;
pub mod ingest;
pub mod jobs;
pub mod kpi;
pub mod mask;
pub mod problem;
pub mod output;
pub mod render;
pub mod report;
pub mod run;
pub mod sample;
pub mod schedule;
pub mod store;
pub mod time;
