//! Ingest into the history store: the path of both `hokoku ingest` and a
//! scheduled `task = "ingest"` job.

use super::manifest::Provenance;
use super::{rejected_csv, Setup};
use crate::ingest;
use anyhow::{bail, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// What `ingest` did.
#[derive(Debug)]
pub struct IngestOutcome {
    /// One line per source and month: `tickets/2026-10  120 → 130 rows`.
    pub changes: Vec<String>,
    /// Rows set aside (in `<store>/_hokoku/ingest.rejected.csv`).
    pub rejected_rows: usize,
    /// The bad rows, `file:line:column: reason`.
    pub issues: Vec<String>,
    /// Rows replaced by a later row with the same natural key.
    pub superseded: Vec<String>,
    /// The ingest's manifest and rejected-rows file.
    pub records: Vec<PathBuf>,
}

#[derive(Serialize)]
struct IngestManifest<'a> {
    tool: &'static str,
    version: &'static str,
    inputs_dir: String,
    inputs: &'a [ingest::FileReport],
    rejected_rows: usize,
    rejected_file: &'static str,
    config: Provenance,
    partitions: &'a [crate::store::PartitionChange],
    warnings: Vec<String>,
}

/// Upsert every input file into the history store: the path of both
/// `hokoku ingest` and a scheduled `task = "ingest"` job. A file that cannot
/// be read stores nothing. The ingest's manifest and its rejected rows are
/// written in `<store>/_hokoku/`.
pub fn run_ingest(
    setup: &Setup,
    inputs: &Path,
    store: &Path,
    strict: bool,
    lock_timeout: std::time::Duration,
) -> Result<IngestOutcome> {
    let (cfg, tpl) = (&setup.cfg, &setup.tpl);
    if !inputs.is_dir() {
        bail!("inputs folder {} not found", inputs.display());
    }
    let ds = ingest::load(inputs, &setup.catalogue);
    if !ds.errors.is_empty() {
        let list: Vec<String> = ds.errors.iter().map(ToString::to_string).collect();
        bail!(
            "input files could not be read (nothing stored):\n  {}",
            list.join("\n  ")
        );
    }
    let issues: Vec<String> = ds.issues.iter().map(ToString::to_string).collect();
    if strict && !issues.is_empty() {
        bail!(
            "--strict: {} bad rows, nothing stored:\n  {}",
            ds.rejected_rows(),
            issues.join("\n  ")
        );
    }
    let rejected = rejected_csv(&ds, tpl, cfg.site.privacy.keep_raw_rejected)?;
    let record = |parts: &[crate::store::PartitionChange]| -> Result<Vec<(PathBuf, Vec<u8>)>> {
        let m = IngestManifest {
            tool: "hokoku",
            version: env!("CARGO_PKG_VERSION"),
            inputs_dir: inputs.display().to_string(),
            inputs: &ds.files,
            rejected_rows: ds.rejected_rows(),
            rejected_file: "ingest.rejected.csv",
            config: Provenance {
                dir: setup.config_dir.display().to_string(),
                sha256: cfg.digest.clone(),
            },
            partitions: parts,
            warnings: Vec::new(),
        };
        let mut mb = serde_json::to_vec_pretty(&m)?;
        mb.push(b'\n');
        Ok(vec![
            (PathBuf::from("ingest.rejected.csv"), rejected.clone()),
            (PathBuf::from("ingest.manifest.json"), mb),
        ])
    };
    let parts = crate::store::ingest(&ds, store, lock_timeout, record)?;
    let changes = parts
        .iter()
        .map(|c| {
            format!(
                "{}/{}\t{} → {} rows{}",
                c.source,
                c.month,
                c.before,
                c.after,
                if c.changed { "" } else { "\tunchanged" }
            )
        })
        .collect();
    Ok(IngestOutcome {
        changes,
        rejected_rows: ds.rejected_rows(),
        issues,
        // Rows replaced within this ingest (a later file or line with the
        // same natural key), then rows the store had that it replaced.
        superseded: ds
            .flags
            .iter()
            .filter(|f| f.problem.code == "superseded")
            .map(|f| {
                format!(
                    "{}:{}:{}: {}",
                    ds.input(f.file),
                    f.line.unwrap_or(0),
                    f.column,
                    f.problem
                )
            })
            .chain(parts.iter().flat_map(|c| c.superseded.clone()))
            .collect(),
        records: vec![
            store.join("_hokoku/ingest.manifest.json"),
            store.join("_hokoku/ingest.rejected.csv"),
        ],
    })
}
