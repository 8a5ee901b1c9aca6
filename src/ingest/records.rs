//! Records extracted by an adapter or a mapping profile, and their typing.
//!
//! Real exports (Asterisk, sysstat, AWS Backup, any CSV through a profile)
//! are first turned into [`Extracted`]: canonical column names, one text cell
//! per column per record, and the physical line each record came from. They
//! are then typed by the same cell parsers as a canonical CSV
//! ([`super::csv_reader::type_column`]), so a value an adapter produced is
//! checked exactly like one a person typed, and a bad cell is reported as
//! `file:line:column: reason` with the column as the tool named it.

use super::csv_reader::{assemble, type_column, FileData, FileReport, RowIssue};
use super::schema::SourceSpec;
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
        }
    }

    /// Record a line that cannot be read (it is set aside).
    pub fn bad_line(
        &mut self,
        file: &str,
        line: u64,
        column: &str,
        reason: impl Into<String>,
        raw: Vec<String>,
    ) {
        self.issues.push(RowIssue {
            file: file.into(),
            line,
            column: column.into(),
            reason: reason.into(),
            record: raw,
        });
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

/// Physical line numbers of records by their byte offsets. The csv crate's
/// own line numbers are off after CRLF line ends, so lines are counted from
/// the byte offsets (skipping the line ends before a record); offsets must
/// come in increasing order, so a whole file is counted once.
pub struct LineCounter<'a> {
    text: &'a [u8],
    pos: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    /// Count lines of `text`.
    pub fn new(text: &'a [u8]) -> Self {
        LineCounter {
            text,
            pos: 0,
            line: 1,
        }
    }

    /// The line (1-based) where the record starting at byte `pos` starts.
    pub fn line_at(&mut self, pos: u64) -> u64 {
        let t = self.text;
        let mut b = (pos as usize).clamp(self.pos, t.len());
        while b < t.len() && (t[b] == b'\n' || t[b] == b'\r') {
            b += 1;
        }
        self.line += memchr::memchr_iter(b'\n', &t[self.pos..b]).count() as u64;
        self.pos = b;
        self.line
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
/// (`raw`: the file's bytes, for the manifest's SHA-256 and size).
pub fn type_extracted(
    spec: &'static SourceSpec,
    ext: Extracted,
    file: &str,
    raw: &[u8],
) -> FileData {
    let height = ext.records.len();
    let mut present = BTreeSet::new();
    let mut typed: BTreeMap<&'static str, Column> = BTreeMap::new();
    let mut failures: Vec<(usize, usize, String)> = Vec::new();
    for (ci, name) in ext.columns.iter().enumerate() {
        let Some(c) = spec.column(name) else { continue };
        let ca: StringChunked = ext
            .records
            .iter()
            .map(|r| r.cells.get(ci).and_then(|v| v.as_deref()))
            .collect();
        let (col, errs) = type_column(c, &ca);
        present.insert(c.name);
        typed.insert(c.name, col);
        failures.extend(errs.into_iter().map(|(r, reason)| (r, ci, reason)));
    }
    let columns = assemble(spec, typed, height);
    let mut frame = DataFrame::new(height, columns).expect("columns of equal length");
    // Lines the adapter could not read, then cells that failed typing.
    let mut issues = ext.issues;
    // Each adapter issue is one record set aside (several can share a line,
    // e.g. AWS JSON written on one line).
    let unreadable = issues.len();
    failures.sort_by_key(|f| (f.0, f.1));
    let bad_rows: BTreeSet<usize> = failures.iter().map(|f| f.0).collect();
    for (row, ci, reason) in failures {
        let r = &ext.records[row];
        issues.push(RowIssue {
            file: file.into(),
            line: r.line,
            column: ext.labels[ci].clone(),
            reason,
            record: r.raw.clone(),
        });
    }
    if !bad_rows.is_empty() {
        let mask: BooleanChunked = (0..height).map(|r| !bad_rows.contains(&r)).collect();
        frame = frame.filter(&mask).expect("mask of frame height");
    }
    issues.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    let rejected = bad_rows.len() + unreadable;
    let rows = height + unreadable;
    FileData {
        report: FileReport {
            file: file.into(),
            sha256: super::csv_reader::hex(&sha2::Sha256::digest(raw)),
            bytes: raw.len() as u64,
            encoding: ext.encoding,
            format: ext.format,
            matched_by: String::new(),
            rows,
            accepted: rows - rejected,
            rejected,
            skipped: ext.skipped,
            unknown_columns: ext.unknown_columns,
        },
        frame,
        present,
        issues,
    }
}
