//! The manifests: what a run read (with digests), set aside, wrote and how
//! long each step took, so that every figure can be traced.

use crate::ingest;
use crate::output::OutputFile;
use serde::Serialize;

#[derive(Serialize)]
pub(super) struct Manifest {
    pub tool: &'static str,
    pub version: &'static str,
    pub report: &'static str,
    pub period: String,
    pub as_of: String,
    pub inputs_dir: String,
    pub inputs: Vec<ingest::FileReport>,
    pub rejected_rows: usize,
    pub rejected_file: String,
    pub config: Provenance,
    pub templates: Provenance,
    pub options: Options,
    pub outputs: Vec<OutputFile>,
    /// Sources without data for the period: absent, or not covering it.
    pub uncovered_sources: Vec<super::Uncovered>,
    pub warnings: Vec<String>,
    pub timings_ms: Timings,
}

#[derive(Serialize)]
pub(super) struct Provenance {
    pub dir: String,
    pub sha256: String,
}

#[derive(Serialize)]
pub(super) struct Options {
    pub strict: bool,
    pub short_abandon_s: i64,
    pub service_level_s: i64,
}

#[derive(Serialize, Default)]
pub(super) struct Timings {
    pub ingest: u128,
    pub kpi: u128,
    pub render: u128,
    pub write: u128,
}
