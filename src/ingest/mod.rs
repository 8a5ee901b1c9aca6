//! Ingest: read every input file of every source into its canonical table.
//!
//! One module per source defines its canonical schema (inputs.md); the
//! generic reader in [`csv_reader`] does encoding detection, header mapping,
//! typing and row-level error reporting for all of them. A new source is one
//! new module plus one entry in [`SOURCES`].
//!
//! Files are found under the inputs folder as `<source>.csv` and
//! `<source>/**/*.csv`, read in file-name order (so a later export of the same
//! ticket wins a tie).

pub mod backups;
pub mod calls;
pub mod capacity;
pub mod csv_reader;
pub mod encoding;
pub mod job_runs;
pub mod schema;
pub mod ticket_status_history;
pub mod tickets;

use crate::config::Config;
pub use csv_reader::{FileError, FileReport, RowIssue};
use polars::prelude::*;
use schema::SourceSpec;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A registered source: its schema and an optional post-processing step.
pub struct Source {
    /// Canonical schema.
    pub spec: &'static SourceSpec,
    /// Applied to the concatenated typed rows of all its files.
    pub finish: Option<fn(DataFrame) -> PolarsResult<DataFrame>>,
    /// A companion source whose absence is normal (not a data-quality note).
    pub optional: bool,
}

/// Every source, in report order.
pub static SOURCES: &[Source] = &[
    Source {
        spec: &tickets::SPEC,
        finish: Some(tickets::finish),
        optional: false,
    },
    Source {
        spec: &ticket_status_history::SPEC,
        finish: None,
        optional: true,
    },
    Source {
        spec: &job_runs::SPEC,
        finish: None,
        optional: false,
    },
    Source {
        spec: &backups::SPEC,
        finish: None,
        optional: false,
    },
    Source {
        spec: &capacity::SPEC,
        finish: None,
        optional: false,
    },
    Source {
        spec: &calls::SPEC,
        finish: Some(calls::finish),
        optional: false,
    },
];

/// The canonical table of one source.
pub struct SourceData {
    /// Typed rows of every file, post-processed.
    pub frame: DataFrame,
    /// Canonical columns present in at least one file's header.
    pub present: BTreeSet<&'static str>,
    /// `[min, max]` of the source's time column over accepted rows (naive JST ms).
    pub coverage: Option<(i64, i64)>,
}

impl SourceData {
    /// Wrap a canonical frame, measuring its coverage on `time_column`
    /// (min/max on the physical i64 column: no copy of a large column).
    pub fn new(
        frame: DataFrame,
        present: BTreeSet<&'static str>,
        time_column: &str,
    ) -> PolarsResult<SourceData> {
        let t = frame
            .column(time_column)?
            .as_materialized_series()
            .to_physical_repr();
        let t = t.i64()?;
        let coverage = t.min().zip(t.max());
        Ok(SourceData {
            frame,
            present,
            coverage,
        })
    }

    /// Whether the data reaches into `[start, end)`: the source has data for
    /// the period when its time range overlaps the period's days.
    pub fn covers(&self, start_ms: i64, end_ms: i64) -> bool {
        match self.coverage {
            None => false,
            Some((lo, hi)) => {
                let day = 86_400_000;
                lo.div_euclid(day) * day < end_ms && (hi.div_euclid(day) + 1) * day > start_ms
            }
        }
    }
}

/// Everything read from the inputs folder.
#[derive(Default)]
pub struct Dataset {
    /// Sources that had at least one readable file.
    pub sources: BTreeMap<&'static str, SourceData>,
    /// Per-file manifest entries, in reading order.
    pub files: Vec<FileReport>,
    /// Row-level problems (rows set aside).
    pub issues: Vec<RowIssue>,
    /// File-level problems (the file could not be used at all).
    pub errors: Vec<FileError>,
}

impl Dataset {
    /// The source's table when it was provided.
    pub fn get(&self, name: &str) -> Option<&SourceData> {
        self.sources.get(name)
    }
    /// Rows set aside.
    pub fn rejected_rows(&self) -> usize {
        self.files.iter().map(|f| f.rejected).sum()
    }
}

/// The files of `source` under `inputs`, sorted by path.
pub fn discover(inputs: &Path, source: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let single = inputs.join(format!("{source}.csv"));
    if single.is_file() {
        out.push(single);
    }
    let dir = inputs.join(source);
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x.eq_ignore_ascii_case("csv")) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Read every source's files. Never fails as a whole: file and row problems
/// are collected in the dataset for the caller's policy.
pub fn load(inputs: &Path, cfg: &Config) -> Dataset {
    let mut ds = Dataset::default();
    for src in SOURCES {
        let name = src.spec.name;
        let forced = cfg.site.sources.get(name).and_then(|s| s.encoding);
        let mut frames: Vec<DataFrame> = Vec::new();
        let mut present = BTreeSet::new();
        for path in discover(inputs, name) {
            let shown = path.display().to_string();
            match csv_reader::read_file(src.spec, &path, &shown, forced) {
                Ok(fd) => {
                    if !fd.report.unknown_columns.is_empty() {
                        tracing::info!(file = %shown, columns = ?fd.report.unknown_columns, "unknown columns ignored");
                    }
                    tracing::debug!(file = %shown, rows = fd.report.rows, rejected = fd.report.rejected, encoding = fd.report.encoding, "read");
                    present.extend(fd.present);
                    frames.push(fd.frame);
                    ds.files.push(fd.report);
                    ds.issues.extend(fd.issues);
                }
                Err(e) => ds.errors.push(e),
            }
        }
        if frames.is_empty() {
            continue;
        }
        let built = (|| -> PolarsResult<SourceData> {
            let mut it = frames.into_iter();
            let mut df = it.next().expect("one frame");
            for f in it {
                df.vstack_mut(&f)?;
            }
            if let Some(fin) = src.finish {
                df = fin(df)?;
            }
            SourceData::new(df, present, src.spec.time_column)
        })();
        match built {
            Ok(sd) => {
                ds.sources.insert(name, sd);
            }
            Err(e) => ds.errors.push(FileError::Malformed {
                file: format!("{}/*", inputs.join(name).display()),
                reason: e.to_string(),
            }),
        }
    }
    ds
}
