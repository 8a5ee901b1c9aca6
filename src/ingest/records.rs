//! Records extracted by an adapter or a mapping profile, and their typing.
//!
//! Real exports (Asterisk, sysstat, AWS Backup, any CSV through a profile)
//! are first turned into [`Extracted`]: canonical column names, one text cell
//! per column per record, and the physical line each record came from. They
//! are then typed by the same cell parsers as a canonical CSV
//! ([`super::csv_reader::type_column`]), so a value an adapter produced is
//! checked exactly like one a person typed, and a bad cell is reported as
//! `file:line:column: reason` with the column as the tool named it.

use super::csv_reader::{FileData, FileReport, RowIssue};
use super::schema::SourceSpec;
use super::typing::{null_column, parse_cell, provenance, Builder, Val};
use crate::problem::Problem;
use crate::time::ms_to_dt;
use polars::prelude::*;
use sha2::Digest;
use std::collections::{BTreeMap, BTreeSet};

/// One record in canonical terms.
#[derive(Debug, Clone)]
pub struct Record {
    /// Physical line where the record starts (1-based).
    pub line: u64,
    /// One cell per [`Extracted::columns`] entry (`None` = empty).
    pub cells: Vec<Option<String>>,
    /// The record as written, for the rejected-rows file, with personal
    /// fields (a caller's number) already masked by the adapter.
    pub raw: Vec<String>,
    /// Flags on the accepted record: (cell index, problem), e.g. a value a
    /// profile's map did not know.
    pub flags: Vec<(usize, Problem)>,
}

/// What an adapter or profile read from one file.
#[derive(Debug, Clone)]
pub struct Extracted {
    /// `asterisk_queue_log`, `profile:redmine`, … (manifest and validate).
    pub format: String,
    /// Encoding of the file.
    pub encoding: &'static str,
    /// Canonical columns the records fill, in cell order.
    pub columns: Vec<&'static str>,
    /// How the tool names each column (for error messages), in cell order.
    pub labels: Vec<String>,
    /// The records.
    pub records: Vec<Record>,
    /// Lines or records that could not be read at all (each one record set
    /// aside).
    pub issues: Vec<RowIssue>,
    /// Records skipped on purpose by the format's rules.
    pub skipped: usize,
    /// Fields of the export that map onto nothing.
    pub unknown_columns: Vec<String>,
    /// Columns the reader fills but this file has no field for (not present).
    pub absent: Vec<&'static str>,
}

impl Extracted {
    /// An empty extraction for `columns` (labels = the canonical names).
    pub fn new(
        format: impl Into<String>,
        encoding: &'static str,
        columns: &[&'static str],
    ) -> Extracted {
        Extracted {
            format: format.into(),
            encoding,
            columns: columns.to_vec(),
            labels: columns.iter().map(|c| c.to_string()).collect(),
            records: Vec::new(),
            issues: Vec::new(),
            skipped: 0,
            unknown_columns: Vec::new(),
            absent: Vec::new(),
        }
    }

    /// Record a line that cannot be read (it is set aside).
    pub fn bad_line(
        &mut self,
        file: &str,
        line: u64,
        column: &str,
        problem: Problem,
        raw: Vec<String>,
    ) {
        self.issues.push(RowIssue {
            file: file.into(),
            line,
            column: column.into(),
            problem,
            record: raw,
        });
    }

    /// Record the lines that are not in the file's encoding
    /// ([`crate::encoding::decode_lines`]), each set aside.
    pub fn bad_encoding(&mut self, file: &str, bad: Vec<(u64, Problem, String)>) {
        for (line, p, text) in bad {
            self.bad_line(file, line, "", p, vec![text]);
        }
    }
}

/// Naive JST milliseconds as the canonical text form
/// (`2026-10-05T09:15:00`, with `.123` when there are milliseconds).
pub fn jst_text(ms: i64) -> String {
    let dt = ms_to_dt(ms);
    let frac = ms.rem_euclid(1000);
    if frac == 0 {
        dt.format("%Y-%m-%dT%H:%M:%S").to_string()
    } else {
        format!("{}.{frac:03}", dt.format("%Y-%m-%dT%H:%M:%S"))
    }
}

/// Epoch seconds (UTC) → milliseconds, for times from 1970 to 2099 only
/// (anything else is a broken value, not a date to compute with).
pub fn epoch_ms(seconds: f64) -> Option<i64> {
    (seconds.is_finite() && (0.0..4_102_444_800.0).contains(&seconds))
        .then(|| (seconds * 1000.0).round() as i64)
}

/// UTC epoch milliseconds → naive JST milliseconds.
pub fn utc_ms_to_jst(ms: i64) -> i64 {
    ms + 9 * 3_600_000
}

/// Type extracted records against `spec` into one file's canonical table
/// (`raw`: the file's bytes, for the manifest's SHA-256 and size; `file_id`:
/// the file's index in the dataset's inputs).
pub fn type_extracted(
    spec: &'static SourceSpec,
    ext: Extracted,
    file: &str,
    raw: &[u8],
    file_id: u32,
) -> FileData {
    let cols: Vec<(usize, &'static super::schema::ColumnSpec)> = ext
        .columns
        .iter()
        .enumerate()
        .filter_map(|(ci, name)| spec.column(name).map(|c| (ci, c)))
        .collect();
    let mut builders: Vec<Builder> = cols
        .iter()
        .map(|(_, c)| Builder::new(c, ext.records.len()))
        .collect();
    let mut lines: Vec<u32> = Vec::with_capacity(ext.records.len());
    // Records in line order (adapters may emit them in event order).
    // Lines the adapter could not read, then records that failed typing.
    let mut issues = ext.issues;
    // Each adapter issue is one record set aside (several can share a line,
    // e.g. AWS JSON written on one line).
    let unreadable = issues.len();
    let mut bad_rows = 0;
    let mut flags = Vec::new();
    let mut vals: Vec<Val> = Vec::with_capacity(cols.len());
    for r in &ext.records {
        vals.clear();
        let mut problems = Vec::new();
        for (ci, c) in &cols {
            match parse_cell(c, r.cells.get(*ci).and_then(|v| v.as_deref())) {
                Ok(v) => vals.push(v),
                Err(p) => {
                    problems.push((*ci, p));
                    vals.push(Val::Null);
                }
            }
        }
        if problems.is_empty() {
            for (b, v) in builders.iter_mut().zip(&vals) {
                b.push(v);
            }
            lines.push(r.line.min(u32::MAX as u64) as u32);
            for (ci, p) in &r.flags {
                flags.push(super::dedupe::RowFlag {
                    file: Some(file_id),
                    line: Some(r.line.min(u32::MAX as u64) as u32),
                    column: ext.labels.get(*ci).cloned().unwrap_or_default(),
                    problem: p.clone(),
                });
            }
            continue;
        }
        bad_rows += 1;
        for (ci, problem) in problems {
            issues.push(RowIssue {
                file: file.into(),
                line: r.line,
                column: ext.labels[ci].clone(),
                problem,
                record: r.raw.clone(),
            });
        }
    }
    let height = lines.len();
    let mut typed: BTreeMap<&'static str, Column> = BTreeMap::new();
    let mut present = BTreeSet::new();
    for ((_, c), b) in cols.iter().zip(builders) {
        if !ext.absent.contains(&c.name) {
            present.insert(c.name);
        }
        typed.insert(c.name, b.finish(c));
    }
    let mut columns: Vec<Column> = spec
        .columns
        .iter()
        .map(|c| {
            typed
                .remove(c.name)
                .unwrap_or_else(|| null_column(c, height))
        })
        .collect();
    columns.extend(provenance(file_id, lines));
    let frame = DataFrame::new(height, columns).expect("columns of equal length");
    issues.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    let rejected = bad_rows + unreadable;
    // Every data record of the file: accepted + rejected + skipped, for
    // every reader alike.
    let rows = ext.records.len() + unreadable + ext.skipped;
    FileData {
        report: FileReport {
            file: file.into(),
            source: spec.name,
            sha256: crate::util::hex(&sha2::Sha256::digest(raw)),
            bytes: raw.len() as u64,
            encoding: ext.encoding,
            format: ext.format,
            matched_by: String::new(),
            rows,
            accepted: rows - rejected - ext.skipped,
            rejected,
            skipped: ext.skipped,
            repeated: 0,
            unknown_columns: ext.unknown_columns,
            covers: None,
        },
        frame,
        present,
        issues,
        flags,
    }
}
