//! The generic canonical-CSV reader shared by every source.
//!
//! Design (keeps both speed and exact line numbers):
//! 1. the file is decoded to UTF-8 ([`super::encoding`]) and its header mapped
//!    onto the source's canonical columns (English names or Japanese aliases);
//! 2. polars reads every column as text (its multi-threaded CSV parser);
//! 3. each canonical column is typed by the cell parsers of
//!    [`super::schema`], one thread per column, recording failed row indexes;
//! 4. only when a row failed, a line-accurate pass with the `csv` crate maps
//!    those record indexes to the physical line where each record starts (the
//!    header is line 1) and recovers the raw fields for the rejected-rows file.
//!
//! Rows with any bad cell are set aside, never dropped silently: each problem
//! becomes a [`RowIssue`] `file:line:column: reason`.

use super::encoding::{decode, Encoding};
use super::schema::{
    parse_bool, parse_enum, parse_float, parse_int, parse_priority, ColType, ColumnSpec, SourceSpec,
};
use crate::frame::datetime_column;
use crate::time::parse_datetime_ms;
use polars::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Cursor;
use std::path::Path;

/// A problem with one row of an input file.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RowIssue {
    /// File as given on the command line / found under the inputs folder.
    pub file: String,
    /// Physical line where the record starts (header = 1).
    pub line: u64,
    /// Column header as written in the file.
    pub column: String,
    /// What is wrong.
    pub reason: String,
    /// The raw fields of the record (personal data masked).
    #[serde(skip)]
    pub record: Vec<String>,
}

impl std::fmt::Display for RowIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.reason
        )
    }
}

/// A problem that makes a whole file unreadable.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum FileError {
    /// The file could not be read.
    #[error("{file}: cannot read: {reason}")]
    Io { file: String, reason: String },
    /// The bytes are not in a supported encoding.
    #[error("{file}:{line}: {reason}")]
    Encoding {
        file: String,
        line: u64,
        reason: String,
    },
    /// No header row.
    #[error("{file}: empty file: no header row")]
    Empty { file: String },
    /// Required columns are missing from the header.
    #[error("{file}:1: missing required column {column}")]
    MissingColumn { file: String, column: String },
    /// Two headers map onto the same canonical column.
    #[error("{file}:1: columns {first:?} and {second:?} both map to {canonical}")]
    DuplicateColumn {
        file: String,
        first: String,
        second: String,
        canonical: String,
    },
    /// The CSV structure itself is broken (e.g. an unterminated quote).
    #[error("{file}: malformed CSV: {reason}")]
    Malformed { file: String, reason: String },
}

/// What was read from one file (for the manifest).
#[derive(Debug, Clone, serde::Serialize)]
pub struct FileReport {
    /// File path as displayed.
    pub file: String,
    /// SHA-256 of the raw bytes.
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
    /// Encoding detected or forced.
    pub encoding: &'static str,
    /// What read the file: `canonical`, an adapter (`asterisk_queue_log`,
    /// …) or a mapping profile (`profile:redmine`), and how it was chosen.
    pub format: String,
    /// `detected`, or the file set of site.toml that named the file.
    pub matched_by: String,
    /// Data rows in the file.
    pub rows: usize,
    /// Rows accepted into the canonical table.
    pub accepted: usize,
    /// Rows set aside.
    pub rejected: usize,
    /// Records skipped on purpose by the format's rules (sysstat
    /// LINUX-RESTART rows, a profile's skip_rows, an AWS Backup job that a
    /// later export supersedes …): counted here, never silently.
    pub skipped: usize,
    /// Header columns that are not part of the canonical schema.
    pub unknown_columns: Vec<String>,
}

/// The typed rows of one file.
pub struct FileData {
    /// Canonical typed frame (every canonical column; absent ones all null).
    pub frame: DataFrame,
    /// Canonical columns present in the file's header.
    pub present: BTreeSet<&'static str>,
    /// Manifest entry.
    pub report: FileReport,
    /// Row problems.
    pub issues: Vec<RowIssue>,
}

/// Files larger than this are read in chunks of about [`CHUNK_BYTES`], so
/// that memory stays bounded by the typed table plus one chunk.
pub const CHUNK_THRESHOLD: u64 = 64 << 20;
/// Target size of one chunk of a large file.
pub const CHUNK_BYTES: u64 = 16 << 20;

/// Read one canonical CSV file of `spec`.
pub fn read_file(
    spec: &'static SourceSpec,
    path: &Path,
    display: &str,
    forced: Option<Encoding>,
) -> Result<FileData, FileError> {
    let io = |e: std::io::Error| FileError::Io {
        file: display.into(),
        reason: e.to_string(),
    };
    let len = std::fs::metadata(path).map_err(io)?.len();
    if len > CHUNK_THRESHOLD {
        return read_chunked(spec, path, display, forced, CHUNK_BYTES);
    }
    let raw = std::fs::read(path).map_err(io)?;
    read_bytes(spec, &raw, display, forced)
}

/// Read canonical CSV from bytes (the file's whole content).
pub fn read_bytes(
    spec: &'static SourceSpec,
    raw: &[u8],
    display: &str,
    forced: Option<Encoding>,
) -> Result<FileData, FileError> {
    let file = display.to_string();
    let sha256 = hex(&Sha256::digest(raw));
    let (text, encoding) = decode(raw, forced).map_err(|(line, reason)| FileError::Encoding {
        file: file.clone(),
        line,
        reason,
    })?;
    let (header, _) = read_header(&text, &file)?;
    let cols = map_header(spec, &header, &file)?;
    let body = if has_second_record(&text) {
        Some(&text[..])
    } else {
        None
    };
    let part = parse_body(spec, &cols, body, true, 0, &file)?;
    Ok(FileData {
        report: FileReport {
            file,
            sha256,
            bytes: raw.len() as u64,
            encoding: encoding.name(),
            format: "canonical".into(),
            matched_by: String::new(),
            rows: part.rows,
            accepted: part.rows - part.rejected,
            rejected: part.rejected,
            skipped: 0,
            unknown_columns: cols.unknown.clone(),
        },
        frame: part.frame,
        present: part.present,
        issues: part.issues,
    })
}

/// The header record (trimmed names) and the byte offset where the data starts.
fn read_header(text: &[u8], file: &str) -> Result<(Vec<String>, usize), FileError> {
    let mut hdr_reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text);
    let header: Vec<String> = match hdr_reader.records().next() {
        None => return Err(FileError::Empty { file: file.into() }),
        Some(Err(e)) => {
            return Err(FileError::Malformed {
                file: file.into(),
                reason: e.to_string(),
            })
        }
        Some(Ok(r)) => r.iter().map(|h| h.trim().to_string()).collect(),
    };
    if header.iter().all(String::is_empty) {
        return Err(FileError::Empty { file: file.into() });
    }
    Ok((header, hdr_reader.position().byte() as usize))
}

/// A file's header mapped onto the canonical columns.
struct Columns {
    header: Vec<String>,
    mapping: Vec<Option<&'static ColumnSpec>>,
    unknown: Vec<String>,
}

fn map_header(
    spec: &'static SourceSpec,
    header: &[String],
    file: &str,
) -> Result<Columns, FileError> {
    let mut mapping: Vec<Option<&'static ColumnSpec>> = Vec::with_capacity(header.len());
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    let mut unknown = Vec::new();
    for h in header {
        match spec.resolve_header(h) {
            Some(c) => {
                if let Some(first) = seen.insert(c.name, h) {
                    return Err(FileError::DuplicateColumn {
                        file: file.into(),
                        first: first.to_string(),
                        second: h.clone(),
                        canonical: c.name.to_string(),
                    });
                }
                mapping.push(Some(c));
            }
            None => {
                unknown.push(h.clone());
                mapping.push(None);
            }
        }
    }
    if let Some(missing) = spec
        .columns
        .iter()
        .find(|c| c.required && !seen.contains_key(c.name))
    {
        return Err(FileError::MissingColumn {
            file: file.into(),
            column: format!("{} [{}]", missing.name, missing.alias),
        });
    }
    Ok(Columns {
        header: header.to_vec(),
        mapping,
        unknown,
    })
}

/// The typed rows of one body part (a whole file or one chunk).
struct Part {
    frame: DataFrame,
    present: BTreeSet<&'static str>,
    rows: usize,
    rejected: usize,
    issues: Vec<RowIssue>,
}

/// Parse and type `text` (None = no data rows). `with_header`: the text
/// starts with the header record; otherwise it is data only. `lines_before`
/// is the number of physical lines before `text` in the file.
fn parse_body(
    spec: &'static SourceSpec,
    cols: &Columns,
    text: Option<&[u8]>,
    with_header: bool,
    lines_before: u64,
    file: &str,
) -> Result<Part, FileError> {
    let malformed = |e: PolarsError| FileError::Malformed {
        file: file.into(),
        reason: e.to_string(),
    };
    let header = &cols.header;
    let mapping = &cols.mapping;
    // Every column as text.
    let text_df = match text {
        None => None,
        Some(text) => {
            let mut opts = CsvReadOptions::default()
                .with_has_header(with_header)
                .with_infer_schema_length(Some(0))
                .with_raise_if_empty(false)
                .map_parse_options(|o| o.with_missing_is_null(true));
            if !with_header {
                let names: Vec<Field> = (0..header.len())
                    .map(|i| Field::new(format!("c{i}").into(), DataType::String))
                    .collect();
                opts = opts.with_schema(Some(Arc::new(Schema::from_iter(names))));
            }
            let df = opts
                .into_reader_with_file_handle(Cursor::new(text))
                .finish()
                .map_err(malformed)?;
            if df.width() != header.len() {
                return Err(FileError::Malformed {
                    file: file.into(),
                    reason: format!(
                        "header has {} columns but {} were read",
                        header.len(),
                        df.width()
                    ),
                });
            }
            // Blank lines (and records whose every field is empty) carry no data:
            // polars reads them as all-null rows while the line-accurate reader
            // skips them, so drop them here to keep both numbering schemes equal.
            let mut keep: Option<BooleanChunked> = None;
            for c in df.columns() {
                let nn = c.is_not_null();
                keep = Some(match keep {
                    None => nn,
                    Some(k) => &k | &nn,
                });
            }
            match keep {
                Some(k) if k.sum().unwrap_or(0) as usize != df.height() => {
                    Some(df.filter(&k).map_err(malformed)?)
                }
                _ => Some(df),
            }
        }
    };
    let height = text_df.as_ref().map_or(0, DataFrame::height);

    // Type each canonical column, in parallel.
    let mut present = BTreeSet::new();
    let mut typed: BTreeMap<&'static str, Column> = BTreeMap::new();
    let mut failures: Vec<(usize, usize, String)> = Vec::new(); // (row, header idx, reason)
    if let Some(df) = &text_df {
        let jobs: Vec<(usize, &'static ColumnSpec, &StringChunked)> = mapping
            .iter()
            .enumerate()
            .filter_map(|(i, m)| m.map(|c| (i, c)))
            .map(|(i, c)| Ok((i, c, df.columns()[i].str()?)))
            .collect::<PolarsResult<_>>()
            .map_err(malformed)?;
        let results: Vec<(usize, &'static ColumnSpec, Column, Vec<(usize, String)>)> =
            std::thread::scope(|s| {
                let handles: Vec<_> = jobs
                    .into_iter()
                    .map(|(i, c, ca)| {
                        s.spawn(move || {
                            let (col, errs) = type_column(c, ca);
                            (i, c, col, errs)
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().expect("typing thread"))
                    .collect()
            });
        for (i, c, col, errs) in results {
            present.insert(c.name);
            typed.insert(c.name, col);
            failures.extend(errs.into_iter().map(|(r, reason)| (r, i, reason)));
        }
    }
    drop(text_df);

    // Assemble all canonical columns in spec order.
    let columns = assemble(spec, typed, height);
    let mut frame = DataFrame::new(height, columns).map_err(malformed)?;

    let mut issues = Vec::new();
    let mut rejected = 0;
    if !failures.is_empty() {
        failures.sort_by_key(|f| (f.0, f.1));
        let bad_rows: BTreeSet<usize> = failures.iter().map(|f| f.0).collect();
        rejected = bad_rows.len();
        let located = locate_records(
            text.unwrap_or_default(),
            with_header,
            lines_before,
            &bad_rows,
            spec,
            mapping,
        );
        for (row, hidx, reason) in failures {
            let (line, record) = located.get(&row).cloned().unwrap_or((0, Vec::new()));
            issues.push(RowIssue {
                file: file.into(),
                line,
                column: header[hidx].clone(),
                reason,
                record,
            });
        }
        let mask: BooleanChunked = (0..height).map(|r| !bad_rows.contains(&r)).collect();
        frame = frame.filter(&mask).map_err(malformed)?;
    }
    Ok(Part {
        frame,
        present,
        rows: height,
        rejected,
        issues,
    })
}

/// Read a large file in chunks of about `chunk` bytes, each cut at a record
/// boundary (a newline outside quotes): pass 1 streams the file once for
/// its SHA-256, the encoding (UTF-8 unless some line is not) and the chunk
/// boundaries; pass 2 reads, decodes and types one chunk at a time. Memory
/// is the typed table plus one chunk, never the whole text.
pub fn read_chunked(
    spec: &'static SourceSpec,
    path: &Path,
    display: &str,
    forced: Option<Encoding>,
    chunk: u64,
) -> Result<FileData, FileError> {
    use std::io::{Read, Seek, SeekFrom};
    let file = display.to_string();
    let io = |e: std::io::Error| FileError::Io {
        file: file.clone(),
        reason: e.to_string(),
    };
    let mut f = std::fs::File::open(path).map_err(io)?;

    // Pass 1.
    let mut hasher = Sha256::new();
    let mut buf: Vec<u8> = vec![0; 8 << 20];
    let mut filled = 0usize;
    let mut offset = 0u64; // file offset of buf[0]
    let mut in_quotes = false;
    let mut lines = 0u64; // newlines before the current scan position
    let mut utf8 = true;
    let mut first_bad_line: Option<u64> = None;
    // (start, end, lines before start); the first one is the header record.
    let mut bounds: Vec<(u64, u64, u64)> = Vec::new();
    let mut start = (0u64, 0u64);
    let mut total = 0u64;
    loop {
        if filled == buf.len() {
            buf.resize(buf.len() * 2, 0); // a line longer than the buffer
        }
        let n = f.read(&mut buf[filled..]).map_err(io)?;
        hasher.update(&buf[filled..filled + n]);
        total += n as u64;
        filled += n;
        let eof = n == 0;
        // Scan up to the last newline (or everything at the end of file).
        let upto = if eof {
            filled
        } else {
            buf[..filled]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1)
        };
        let block = &buf[..upto];
        if utf8 && std::str::from_utf8(block).is_err() {
            utf8 = false;
            let valid = std::str::from_utf8(block)
                .err()
                .map_or(0, |e| e.valid_up_to());
            first_bad_line =
                Some(lines + block[..valid].iter().filter(|&&b| b == b'\n').count() as u64 + 1);
        }
        for i in memchr::memchr2_iter(b'"', b'\n', block) {
            if block[i] == b'"' {
                in_quotes = !in_quotes;
                continue;
            }
            lines += 1;
            let pos = offset + i as u64 + 1;
            if !in_quotes && (bounds.is_empty() || pos - start.0 >= chunk) {
                bounds.push((start.0, pos, start.1));
                start = (pos, lines);
            }
        }
        if eof {
            break;
        }
        buf.copy_within(upto..filled, 0);
        filled -= upto;
        offset += upto as u64;
    }
    if start.0 < total {
        bounds.push((start.0, total, start.1));
    }
    drop(buf);
    let encoding = match forced {
        Some(e) => e,
        None if utf8 => Encoding::Utf8,
        None => Encoding::Cp932,
    };
    if forced == Some(Encoding::Utf8) && !utf8 {
        return Err(FileError::Encoding {
            file,
            line: first_bad_line.unwrap_or(1),
            reason: "not valid UTF-8 (encoding forced to utf-8)".into(),
        });
    }

    // Pass 2.
    let read_range = |f: &mut std::fs::File, (a, b): (u64, u64)| -> Result<Vec<u8>, FileError> {
        let mut v = vec![0u8; (b - a) as usize];
        f.seek(SeekFrom::Start(a)).map_err(io)?;
        f.read_exact(&mut v).map_err(io)?;
        Ok(v)
    };
    let mut parts = bounds.into_iter();
    let Some((h0, h1, _)) = parts.next() else {
        return Err(FileError::Empty { file });
    };
    let raw = read_range(&mut f, (h0, h1))?;
    let (text, _) = decode(&raw, Some(encoding)).map_err(|(line, reason)| FileError::Encoding {
        file: file.clone(),
        line,
        reason,
    })?;
    let (header, _) = read_header(&text, &file)?;
    let cols = map_header(spec, &header, &file)?;
    let mut frame: Option<DataFrame> = None;
    let mut present = BTreeSet::new();
    let (mut rows, mut rejected, mut issues) = (0usize, 0usize, Vec::new());
    for (a, b, lines_before) in parts {
        let raw = read_range(&mut f, (a, b))?;
        let (text, _) =
            decode(&raw, Some(encoding)).map_err(|(line, reason)| FileError::Encoding {
                file: file.clone(),
                line: line + lines_before,
                reason,
            })?;
        let part = parse_body(spec, &cols, Some(&text), false, lines_before, &file)?;
        rows += part.rows;
        rejected += part.rejected;
        issues.extend(part.issues);
        present.extend(part.present);
        match &mut frame {
            None => frame = Some(part.frame),
            Some(df) => {
                df.vstack_mut(&part.frame)
                    .map_err(|e| FileError::Malformed {
                        file: file.clone(),
                        reason: e.to_string(),
                    })?;
            }
        }
    }
    let frame = match frame {
        Some(df) => df,
        None => parse_body(spec, &cols, None, false, 0, &file)?.frame,
    };
    Ok(FileData {
        report: FileReport {
            file: file.clone(),
            sha256: hex(&hasher.finalize()),
            bytes: total,
            encoding: encoding.name(),
            format: "canonical".into(),
            matched_by: String::new(),
            rows,
            accepted: rows - rejected,
            rejected,
            skipped: 0,
            unknown_columns: cols.unknown,
        },
        frame,
        present,
        issues,
    })
}

fn has_second_record(text: &[u8]) -> bool {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text);
    r.records().next().is_some()
}

fn as_text(s: &str) -> Result<&str, String> {
    Ok(s)
}

/// Every canonical column in spec order: the typed ones, all-null for the
/// rest.
pub(crate) fn assemble(
    spec: &SourceSpec,
    mut typed: BTreeMap<&'static str, Column>,
    height: usize,
) -> Vec<Column> {
    spec.columns
        .iter()
        .map(|c| {
            typed
                .remove(c.name)
                .unwrap_or_else(|| null_column(c, height))
        })
        .collect()
}

pub(crate) fn null_column(c: &ColumnSpec, height: usize) -> Column {
    let dtype = match c.ty {
        ColType::Text | ColType::Enum(_) => DataType::String,
        ColType::DateTime => DataType::Datetime(TimeUnit::Milliseconds, None),
        ColType::Int | ColType::Priority => DataType::Int64,
        ColType::Float => DataType::Float64,
        ColType::Bool => DataType::Boolean,
    };
    Column::full_null(c.name.into(), height, &dtype)
}

/// Type one column; returns the typed column and `(row, reason)` failures.
pub(crate) fn type_column(
    c: &'static ColumnSpec,
    ca: &StringChunked,
) -> (Column, Vec<(usize, String)>) {
    let mut errs = Vec::new();
    let name: PlSmallStr = c.name.into();
    macro_rules! typed {
        ($parse:expr) => {{
            let mut out = Vec::with_capacity(ca.len());
            for (r, v) in ca.iter().enumerate() {
                match v.map(str::trim).filter(|s| !s.is_empty()) {
                    None => {
                        if c.required {
                            errs.push((r, "required value is empty".to_string()));
                        }
                        out.push(None);
                    }
                    Some(s) => match $parse(s) {
                        Ok(x) => out.push(Some(x)),
                        Err(e) => {
                            errs.push((r, e));
                            out.push(None);
                        }
                    },
                }
            }
            out
        }};
    }
    let col = match &c.ty {
        ColType::Text => {
            let v: Vec<Option<&str>> = typed!(as_text);
            Column::new(name, v)
        }
        ColType::Enum(values) => {
            let v: Vec<Option<&'static str>> = typed!(|s: &str| parse_enum(values, s));
            Column::new(name, v)
        }
        ColType::DateTime => datetime_column(c.name, typed!(parse_datetime_ms)),
        ColType::Int => Column::new(name, typed!(parse_int)),
        ColType::Priority => Column::new(name, typed!(parse_priority)),
        ColType::Float => Column::new(name, typed!(parse_float)),
        ColType::Bool => Column::new(name, typed!(parse_bool)),
    };
    (col, errs)
}

/// Map data-record indexes (0 = first record after the header) to the
/// physical line where each starts, with the record's raw fields (personal
/// columns masked).
fn locate_records(
    text: &[u8],
    with_header: bool,
    lines_before: u64,
    rows: &BTreeSet<usize>,
    spec: &SourceSpec,
    mapping: &[Option<&'static ColumnSpec>],
) -> BTreeMap<usize, (u64, Vec<String>)> {
    let mut out = BTreeMap::new();
    let Some(&last) = rows.iter().next_back() else {
        return out;
    };
    let mut r = csv::ReaderBuilder::new()
        .has_headers(with_header)
        .flexible(true)
        .from_reader(text);
    let mut rec = csv::StringRecord::new();
    let mut idx = 0usize;
    while idx <= last {
        match r.read_record(&mut rec) {
            Ok(true) => {}
            _ => break,
        }
        if rec.iter().all(|f| f.is_empty()) {
            continue; // see the blank-row note in read_bytes
        }
        if rows.contains(&idx) {
            // The reader's own line number can point at blank lines before
            // the record; derive the physical line from the byte offset of
            // the record's first character instead.
            let line = rec.position().map_or(0, |p| {
                let mut b = p.byte() as usize;
                while b < text.len() && (text[b] == b'\n' || text[b] == b'\r') {
                    b += 1;
                }
                lines_before + text[..b].iter().filter(|&&c| c == b'\n').count() as u64 + 1
            });
            let fields = rec
                .iter()
                .enumerate()
                .map(|(i, f)| match mapping.get(i).copied().flatten() {
                    Some(c) if spec.personal.contains(&c.name) => crate::mask::mask(f),
                    _ => f.to_string(),
                })
                .collect();
            out.insert(idx, (line, fields));
        }
        idx += 1;
    }
    out
}

/// Lower-case hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
