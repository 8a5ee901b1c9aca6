//! The canonical CSV reader shared by every source.
//!
//! One pass of [`super::scan`] defines the records and their physical lines
//! for everything that follows, so a rejected row is always reported at the
//! line it starts on, with its own fields:
//! 1. a survey of the bytes (streamed in blocks for a large file): SHA-256,
//!    line ends, UTF-8 validity and the points where the file can be cut
//!    into chunks; then the file's encoding is decided ([`decide_encoding`]);
//! 2. the header is mapped onto the source's canonical columns (English
//!    names or Japanese aliases);
//! 3. the chunks are scanned and typed side by side (one thread per core),
//!    each record's cells by the shared cell parsers ([`super::typing`]);
//!    a chunk whose cut a stray quote made wrong is read again in one piece.
//!
//! A record is set aside, never dropped, when a cell does not parse, when
//! it has more non-empty fields than the header or fewer (unless the file
//! set allows short rows whose missing fields are all optional), when its
//! quotes are broken, or when its bytes are not in the file's encoding.
//! Each problem becomes a [`RowIssue`] `file:line:column: reason`; every
//! accepted row keeps its file and line (the `_file` and `_line` columns) so
//! that any later flag on it can name them.

use super::scan::{self, Field, Flaw, LineEnds, Scanner, Step};
use super::schema::{ColType, ColumnSpec, SourceSpec};
use super::typing::{null_column, parse_cell, provenance, Val};
use crate::encoding::{surely_utf8, Encoding, LineVote};
use crate::problem::Problem;
use crate::util::hex;
use polars::prelude::*;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
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
    pub problem: Problem,
    /// The raw fields of the record (phone numbers masked unless the site
    /// keeps raw rejected rows; personal columns always masked).
    #[serde(skip)]
    pub record: Vec<String>,
}

impl std::fmt::Display for RowIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.problem
        )
    }
}

/// A problem that makes a whole file unreadable.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum FileError {
    /// The file could not be read.
    #[error("{file}: cannot read: {reason}")]
    Io { file: String, reason: String },
    /// The header is not in the file's encoding.
    #[error("{file}:{line}: {reason}")]
    Encoding {
        file: String,
        line: u64,
        reason: String,
    },
    /// Nothing but blank lines (or a BOM).
    #[error("{file}: 空のファイルです (empty file: no header row)")]
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
    /// The structure of the file itself cannot be read.
    #[error("{file}: malformed: {reason}")]
    Malformed { file: String, reason: String },
}

/// What was read from one file (for the manifest).
#[derive(Debug, Clone, serde::Serialize)]
pub struct FileReport {
    /// File path as displayed.
    pub file: String,
    /// The source it was read as (`calls`, `tickets`, …).
    pub source: &'static str,
    /// SHA-256 of the raw bytes.
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
    /// Encoding the file was read as (detected or forced).
    pub encoding: &'static str,
    /// What read the file: `canonical`, an adapter (`asterisk_queue_log`,
    /// …) or a mapping profile (`profile:redmine`), and how it was chosen.
    pub format: String,
    /// `detected`, or the file set of site.toml that named the file.
    pub matched_by: String,
    /// Data records in the file: `accepted + rejected + skipped` (a
    /// queue_log's records are its calls, assembled from its lines).
    pub rows: usize,
    /// Rows accepted into the canonical table.
    pub accepted: usize,
    /// Rows set aside.
    pub rejected: usize,
    /// Records skipped on purpose by the format's rules (sysstat
    /// LINUX-RESTART rows, a profile's skip_rows, an AWS Backup job that a
    /// later export supersedes …): counted here, never silently.
    pub skipped: usize,
    /// Accepted rows that repeat, unchanged, a row of another file read in
    /// the same run (overlapping exports): counted once, here.
    pub repeated: usize,
    /// Header columns that are not part of the canonical schema.
    pub unknown_columns: Vec<String>,
    /// The period the file says it covers (`[sources.*] files` with
    /// `covers = "name"`), `YYYY-MM-DD` or `YYYY-MM`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub covers: Option<String>,
}

/// The typed rows of one file.
pub struct FileData {
    /// Canonical typed frame (every canonical column, absent ones all
    /// null, then `_file` and `_line`).
    pub frame: DataFrame,
    /// Canonical columns present in the file's header.
    pub present: BTreeSet<&'static str>,
    /// Manifest entry.
    pub report: FileReport,
    /// Row problems.
    pub issues: Vec<RowIssue>,
    /// Flags on accepted rows.
    pub flags: Vec<super::dedupe::RowFlag>,
}

/// How to read one file.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadOptions {
    /// Forced encoding (default: detected).
    pub encoding: Option<Encoding>,
    /// A row with fewer fields than the header is accepted when every
    /// missing field is optional (they are empty).
    pub allow_short_rows: bool,
    /// Keep the raw fields of set-aside rows unmasked in the rejected-rows
    /// file (`[privacy] keep_raw_rejected`); personal columns stay masked.
    pub keep_raw: bool,
    /// Index of the file in the dataset's inputs (the `_file` column).
    pub file_id: u32,
}

/// Files larger than this are streamed in blocks instead of read whole.
pub const CHUNK_THRESHOLD: u64 = 64 << 20;
/// Size of the chunks typed side by side in a large file.
pub const CHUNK_BYTES: usize = 16 << 20;
/// Size of the chunks of a file read whole.
const SMALL_CHUNK_BYTES: usize = 2 << 20;
/// Size of the blocks of the survey.
const BLOCK: usize = 8 << 20;

/// Where the bytes come from.
enum Src<'a> {
    Mem(&'a [u8]),
    File(&'a std::fs::File, usize),
}

impl<'a> Src<'a> {
    fn len(&self) -> usize {
        match self {
            Src::Mem(b) => b.len(),
            Src::File(_, n) => *n,
        }
    }
    fn range(&self, a: usize, b: usize) -> std::io::Result<Cow<'a, [u8]>> {
        match self {
            Src::Mem(m) => Ok(Cow::Borrowed(&m[a..b])),
            Src::File(f, _) => {
                use std::os::unix::fs::FileExt;
                let mut v = vec![0u8; b - a];
                f.read_exact_at(&mut v, a as u64)?;
                Ok(Cow::Owned(v))
            }
        }
    }
}

/// Read one canonical CSV file of `spec`.
pub fn read_file(
    spec: &'static SourceSpec,
    path: &Path,
    display: &str,
    opts: ReadOptions,
) -> Result<FileData, FileError> {
    let io = |e: std::io::Error| FileError::Io {
        file: display.into(),
        reason: e.to_string(),
    };
    let f = std::fs::File::open(path).map_err(io)?;
    let len = f.metadata().map_err(io)?.len();
    if len > CHUNK_THRESHOLD {
        return read_src(
            spec,
            Src::File(&f, len as usize),
            display,
            opts,
            CHUNK_BYTES,
        );
    }
    let raw = std::fs::read(path).map_err(io)?;
    read_bytes(spec, &raw, display, opts)
}

/// Read canonical CSV from bytes (the file's whole content).
pub fn read_bytes(
    spec: &'static SourceSpec,
    raw: &[u8],
    display: &str,
    opts: ReadOptions,
) -> Result<FileData, FileError> {
    read_src(spec, Src::Mem(raw), display, opts, SMALL_CHUNK_BYTES)
}

/// Read `path` as [`read_file`] does, in chunks of `chunk` bytes whatever
/// its size (tests of the chunked path).
pub fn read_chunked(
    spec: &'static SourceSpec,
    path: &Path,
    display: &str,
    opts: ReadOptions,
    chunk: usize,
) -> Result<FileData, FileError> {
    let io = |e: std::io::Error| FileError::Io {
        file: display.into(),
        reason: e.to_string(),
    };
    let f = std::fs::File::open(path).map_err(io)?;
    let len = f.metadata().map_err(io)?.len() as usize;
    read_src(spec, Src::File(&f, len), display, opts, chunk)
}

/// What the survey of a file found.
struct Survey {
    sha256: String,
    /// (offset, line) of each cut point (just after a LF outside quotes).
    cuts: Vec<(usize, u64)>,
    all_utf8: bool,
    bom: bool,
    line_ends: LineEnds,
}

fn survey(src: &Src, every: usize) -> std::io::Result<Survey> {
    let len = src.len();
    let mut hasher = Sha256::new();
    let mut cuts = Vec::new();
    let mut in_quotes = false;
    let mut last_cut = 0usize;
    let mut line = 1u64;
    let mut all_utf8 = true;
    let mut carry: Vec<u8> = Vec::new(); // an incomplete UTF-8 tail
    let (mut saw_lf, mut saw_cr) = (false, false);
    let mut bom = false;
    let mut pos = 0;
    while pos < len {
        let end = (pos + BLOCK).min(len);
        let block = src.range(pos, end)?;
        hasher.update(&block);
        if pos == 0 {
            bom = block.starts_with(&[0xEF, 0xBB, 0xBF]);
        }
        for i in memchr::memchr3_iter(b'"', b'\n', b'\r', &block) {
            match block[i] {
                b'"' => in_quotes = !in_quotes,
                b'\r' => saw_cr = true,
                _ => {
                    saw_lf = true;
                    line += 1;
                    let at = pos + i + 1;
                    if !in_quotes && at - last_cut >= every && at < len {
                        last_cut = at;
                        cuts.push((at, line));
                    }
                }
            }
        }
        if all_utf8 {
            let mut buf = std::mem::take(&mut carry);
            buf.extend_from_slice(&block);
            match std::str::from_utf8(&buf) {
                Ok(_) => {}
                Err(e) if e.error_len().is_none() && end < len => {
                    carry = buf[e.valid_up_to()..].to_vec();
                }
                Err(_) => all_utf8 = false,
            }
        }
        pos = end;
    }
    if !carry.is_empty() {
        all_utf8 = false;
    }
    Ok(Survey {
        sha256: hex(&hasher.finalize()),
        cuts,
        all_utf8,
        bom,
        line_ends: if !saw_lf && saw_cr {
            LineEnds::Cr
        } else {
            LineEnds::Lf
        },
    })
}

/// The encoding of a file that is not valid UTF-8 as a whole, by the
/// vote of its lines ([`LineVote`]); the minority lines are then set aside
/// one by one by the reader.
fn decide_encoding(src: &Src) -> std::io::Result<Encoding> {
    let mut vote = LineVote::default();
    let len = src.len();
    let mut pos = 0;
    let mut carry: Vec<u8> = Vec::new();
    while pos < len {
        let end = (pos + BLOCK).min(len);
        let mut buf = std::mem::take(&mut carry);
        buf.extend_from_slice(&src.range(pos, end)?);
        let upto = if end < len {
            memchr::memrchr(b'\n', &buf).map_or(0, |i| i + 1)
        } else {
            buf.len()
        };
        for line in buf[..upto].split(|&b| b == b'\n') {
            vote.add(line);
        }
        carry = buf[upto..].to_vec();
        pos = end;
    }
    Ok(vote.decide())
}

/// A file's header mapped onto the canonical columns.
pub(crate) struct Columns {
    pub header: Vec<String>,
    /// (header index, canonical column) of each mapped header.
    pub mapped: Vec<(usize, &'static ColumnSpec)>,
    pub unknown: Vec<String>,
    pub personal: Vec<bool>,
}

fn map_header(
    spec: &'static SourceSpec,
    header: &[String],
    file: &str,
) -> Result<Columns, FileError> {
    let mut mapped = Vec::new();
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    let mut unknown = Vec::new();
    let mut personal = Vec::new();
    for (i, h) in header.iter().enumerate() {
        match spec.resolve_header(h) {
            Some(c) => {
                if let Some(first) = seen.insert(c.name, h) {
                    return Err(FileError::DuplicateColumn {
                        file: file.into(),
                        first: crate::mask::mask_phones(first).into_owned(),
                        second: crate::mask::mask_phones(h).into_owned(),
                        canonical: c.name.to_string(),
                    });
                }
                personal.push(spec.personal.contains(&c.name));
                mapped.push((i, c));
            }
            None => {
                personal.push(false);
                if !h.is_empty() {
                    unknown.push(crate::mask::mask_phones(h).into_owned());
                }
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
        // Header text reaches messages (the column of a bad row): masked.
        header: header
            .iter()
            .map(|h| crate::mask::mask_phones(h).into_owned())
            .collect(),
        mapped,
        unknown,
        personal,
    })
}

/// Decoding of one file's fields.
#[derive(Clone, Copy)]
struct Dec {
    enc: Encoding,
}

impl Dec {
    /// Decode `b` (a field) into text, or say it is not in the encoding.
    fn decode<'b>(&self, b: &'b [u8], scratch: &'b mut String) -> Result<&'b str, ()> {
        if b.is_ascii() {
            // ASCII is the same in both encodings.
            return Ok(unsafe { std::str::from_utf8_unchecked(b) });
        }
        match self.enc {
            Encoding::Utf8 => std::str::from_utf8(b).map_err(|_| ()),
            Encoding::Cp932 => {
                scratch.clear();
                let mut d = encoding_rs::SHIFT_JIS.new_decoder_without_bom_handling();
                scratch.reserve(
                    d.max_utf8_buffer_length_without_replacement(b.len())
                        .unwrap_or(b.len() * 3),
                );
                let (res, _) = d.decode_to_string_without_replacement(b, scratch, true);
                match res {
                    encoding_rs::DecoderResult::InputEmpty => Ok(scratch.as_str()),
                    _ => Err(()),
                }
            }
        }
    }

    /// Lossy text of a field, for the rejected-rows file.
    fn lossy(&self, b: &[u8]) -> String {
        match self.enc {
            Encoding::Utf8 => String::from_utf8_lossy(b).into_owned(),
            Encoding::Cp932 if std::str::from_utf8(b).is_ok() => {
                String::from_utf8_lossy(b).into_owned()
            }
            Encoding::Cp932 => encoding_rs::SHIFT_JIS
                .decode_without_bom_handling(b)
                .0
                .into_owned(),
        }
    }
}

/// The header record: names and where the data starts.
struct Header {
    names: Vec<String>,
    data_start: usize,
    data_line: u64,
}

fn read_header(src: &Src, start: usize, dec: Dec, file: &str) -> Result<Header, FileError> {
    let len = src.len();
    let io = |e: std::io::Error| FileError::Io {
        file: file.into(),
        reason: e.to_string(),
    };
    let mut window = (1 << 20).min(len - start);
    loop {
        let end = start + window;
        let buf = src.range(start, end).map_err(io)?;
        let mut s = Scanner::new(&buf, 1, b',', end == len, 0..=usize::MAX);
        let mut fields = Vec::new();
        loop {
            match s.next(&mut fields) {
                Step::End if end == len => return Err(FileError::Empty { file: file.into() }),
                Step::End | Step::NeedMore => break,
                Step::Record(r) => {
                    if r.flaw.is_none() && scan::is_blank(&buf, &fields) {
                        continue;
                    }
                    if let Some(f) = r.flaw {
                        return Err(FileError::Malformed {
                            file: file.into(),
                            reason: format!(
                                "line {}: the header row: {}",
                                r.line,
                                flaw_problem(f, 0).english()
                            ),
                        });
                    }
                    let mut names = Vec::with_capacity(fields.len());
                    let mut scratch = Vec::new();
                    let mut text = String::new();
                    for f in &fields {
                        let b = scan::field_bytes(&buf, f, &mut scratch);
                        let name = dec.decode(b, &mut text).map_err(|_| FileError::Encoding {
                            file: file.into(),
                            line: r.line,
                            reason: format!(
                                "the header row is not {} (the file was read as {})",
                                dec.enc.name(),
                                dec.enc.name()
                            ),
                        })?;
                        names.push(name.trim().trim_start_matches('\u{feff}').to_string());
                    }
                    if dec.enc == Encoding::Cp932 && surely_utf8(&buf[r.start..r.end]) {
                        return Err(FileError::Encoding {
                            file: file.into(),
                            line: r.line,
                            reason: "the header row is UTF-8 in a file read as CP932 (most of its lines are CP932)".into(),
                        });
                    }
                    return Ok(Header {
                        names,
                        data_start: start + r.end,
                        data_line: r.line + r.lines,
                    });
                }
            }
        }
        if end == len || window >= 16 << 20 {
            return Err(FileError::Malformed {
                file: file.into(),
                reason: "the header row does not end".into(),
            });
        }
        window = (window * 4).min(len - start);
    }
}

fn read_src(
    spec: &'static SourceSpec,
    src: Src,
    display: &str,
    opts: ReadOptions,
    chunk: usize,
) -> Result<FileData, FileError> {
    let file = display.to_string();
    let io = |e: std::io::Error| FileError::Io {
        file: file.clone(),
        reason: e.to_string(),
    };
    let sv = survey(&src, chunk).map_err(io)?;
    // A file with CR line ends only: CR becomes LF (read whole).
    let normalised;
    let src = match sv.line_ends {
        LineEnds::Cr => {
            normalised = scan::normalise_cr(&src.range(0, src.len()).map_err(io)?);
            Src::Mem(&normalised)
        }
        LineEnds::Lf => src,
    };
    let cuts = match sv.line_ends {
        LineEnds::Cr => survey(&src, chunk).map_err(io)?.cuts,
        LineEnds::Lf => sv.cuts.clone(),
    };
    let enc = match opts.encoding {
        Some(e) => e,
        None if sv.bom || sv.all_utf8 => Encoding::Utf8,
        None => decide_encoding(&src).map_err(io)?,
    };
    let dec = Dec { enc };
    let start = if sv.bom && enc == Encoding::Utf8 {
        3
    } else {
        0
    };
    let header = read_header(&src, start, dec, &file)?;
    let cols = map_header(spec, &header.names, &file)?;
    let ctx = Ctx {
        spec,
        cols: &cols,
        dec,
        file: &file,
        opts,
        utf8_clean: enc == Encoding::Utf8 && sv.all_utf8,
    };

    // Chunks from the data start, at the survey's cut points.
    let mut bounds: Vec<(usize, u64)> = vec![(header.data_start, header.data_line)];
    bounds.extend(cuts.iter().copied().filter(|c| c.0 > header.data_start));
    let len = src.len();
    let n = bounds.len();
    let results: Vec<std::sync::Mutex<Option<Result<Part, FileError>>>> =
        (0..n).map(|_| std::sync::Mutex::new(None)).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || loop {
        let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if k >= n {
            break;
        }
        let (a, line) = bounds[k];
        let b = bounds.get(k + 1).map_or(len, |x| x.0);
        let r = src
            .range(a, b)
            .map_err(|e| FileError::Io {
                file: file.clone(),
                reason: e.to_string(),
            })
            .map(|buf| type_chunk(&ctx, &buf, line, b == len));
        *results[k].lock().expect("chunk result") = Some(r);
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(n);
    if threads <= 1 {
        work();
    } else {
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(work);
            }
        });
    }
    let mut parts = Vec::with_capacity(n);
    let mut redo_from = None;
    for (k, r) in results.into_iter().enumerate() {
        let part = r
            .into_inner()
            .expect("chunk result")
            .expect("every chunk typed")?;
        if part.incomplete {
            redo_from = Some(k);
            break;
        }
        parts.push(part);
    }
    // A cut inside a record (a stray quote upset the quote parity): read
    // from that chunk to the end as one stream, carrying what a block
    // leaves of an unfinished record into the next.
    if let Some(k) = redo_from {
        let (mut read_to, mut line) = bounds[k];
        let mut carry: Vec<u8> = Vec::new();
        loop {
            let end = (read_to + chunk).min(len);
            let mut buf = std::mem::take(&mut carry);
            buf.extend_from_slice(&src.range(read_to, end).map_err(io)?);
            read_to = end;
            let last = end == len;
            let part = type_chunk(&ctx, &buf, line, last);
            line = part.end_line;
            if part.incomplete {
                carry = buf[part.consumed..].to_vec();
            }
            parts.push(part);
            if last {
                break; // at the end of the file the scanner never asks for more
            }
        }
    }

    let (mut rows, mut rejected) = (0usize, 0usize);
    let mut issues = Vec::new();
    let mut frame: Option<DataFrame> = None;
    for p in parts {
        rows += p.rows;
        rejected += p.rejected;
        issues.extend(p.issues);
        match &mut frame {
            None => frame = Some(p.frame),
            Some(df) => {
                df.vstack_mut(&p.frame).map_err(|e| FileError::Malformed {
                    file: file.clone(),
                    reason: e.to_string(),
                })?;
            }
        }
    }
    let frame = match frame {
        Some(f) => f,
        None => empty_frame(spec, opts.file_id),
    };
    let present = cols.mapped.iter().map(|(_, c)| c.name).collect();
    Ok(FileData {
        report: FileReport {
            file: file.clone(),
            source: spec.name,
            sha256: sv.sha256,
            bytes: len as u64,
            encoding: enc.name(),
            format: "canonical".into(),
            matched_by: String::new(),
            rows,
            accepted: rows - rejected,
            rejected,
            skipped: 0,
            repeated: 0,
            unknown_columns: cols.unknown.clone(),
            covers: None,
        },
        frame,
        present,
        issues,
        flags: Vec::new(),
    })
}

/// A canonical frame of no rows.
pub fn empty_frame(spec: &SourceSpec, file_id: u32) -> DataFrame {
    let mut columns: Vec<Column> = spec.columns.iter().map(|c| null_column(c, 0)).collect();
    columns.extend(provenance(file_id, Vec::new()));
    DataFrame::new(0, columns).expect("columns of equal length")
}

struct Ctx<'a> {
    spec: &'static SourceSpec,
    cols: &'a Columns,
    dec: Dec,
    file: &'a str,
    opts: ReadOptions,
    /// The whole file is valid UTF-8 (no per-field check needed).
    utf8_clean: bool,
}

/// The typed rows of one chunk.
struct Part {
    frame: DataFrame,
    rows: usize,
    rejected: usize,
    issues: Vec<RowIssue>,
    /// Bytes of the chunk used (all of it unless `incomplete`).
    consumed: usize,
    /// Line of the first byte not used.
    end_line: u64,
    /// The chunk ends inside a record.
    incomplete: bool,
}

/// Text cells of a chunk: byte ranges of the chunk, or of the arena for
/// text that was decoded or masked.
#[derive(Clone, Copy)]
struct Span {
    arena: bool,
    start: u32,
    len: u32,
}

enum Store {
    Text(Vec<Option<Span>>),
    Code(Vec<Option<&'static str>>),
    Int(Vec<Option<i64>>),
    Float(Vec<Option<f64>>),
    Bool(Vec<Option<bool>>),
}

impl Store {
    fn new(c: &ColumnSpec) -> Store {
        match c.ty {
            ColType::Text => Store::Text(Vec::new()),
            ColType::Enum(_) => Store::Code(Vec::new()),
            ColType::DateTime | ColType::Int | ColType::Priority => Store::Int(Vec::new()),
            ColType::Float => Store::Float(Vec::new()),
            ColType::Bool => Store::Bool(Vec::new()),
        }
    }
    fn truncate(&mut self, n: usize) {
        match self {
            Store::Text(v) => v.truncate(n),
            Store::Code(v) => v.truncate(n),
            Store::Int(v) => v.truncate(n),
            Store::Float(v) => v.truncate(n),
            Store::Bool(v) => v.truncate(n),
        }
    }
    fn push(&mut self, v: Val, buf: &[u8], arena: &mut String) {
        match (self, v) {
            (Store::Text(s), Val::Str(t)) => {
                let p = t.as_ptr() as usize;
                let b0 = buf.as_ptr() as usize;
                let span = if p >= b0 && p + t.len() <= b0 + buf.len() {
                    Span {
                        arena: false,
                        start: (p - b0) as u32,
                        len: t.len() as u32,
                    }
                } else {
                    let start = arena.len() as u32;
                    arena.push_str(&t);
                    Span {
                        arena: true,
                        start,
                        len: t.len() as u32,
                    }
                };
                s.push(Some(span));
            }
            (Store::Text(s), _) => s.push(None),
            (Store::Code(s), Val::Code(c)) => s.push(Some(c)),
            (Store::Code(s), _) => s.push(None),
            (Store::Int(s), Val::Int(x)) => s.push(Some(x)),
            (Store::Int(s), _) => s.push(None),
            (Store::Float(s), Val::Float(x)) => s.push(Some(x)),
            (Store::Float(s), _) => s.push(None),
            (Store::Bool(s), Val::Bool(x)) => s.push(Some(x)),
            (Store::Bool(s), _) => s.push(None),
        }
    }
    fn finish(self, c: &ColumnSpec, buf: &[u8], arena: &str) -> Column {
        let name: PlSmallStr = c.name.into();
        match self {
            Store::Text(v) => {
                let text = |s: &Span| -> &str {
                    let (a, b) = (s.start as usize, (s.start + s.len) as usize);
                    if s.arena {
                        &arena[a..b]
                    } else {
                        // Spans point at text that was validated as UTF-8.
                        unsafe { std::str::from_utf8_unchecked(&buf[a..b]) }
                    }
                };
                let ca: StringChunked = v.iter().map(|s| s.as_ref().map(text)).collect();
                ca.with_name(name).into_column()
            }
            Store::Code(v) => {
                let ca: StringChunked = v.into_iter().collect();
                ca.with_name(name).into_column()
            }
            Store::Int(v) => {
                let ca = Int64Chunked::from_iter_options(name, v.into_iter());
                if matches!(c.ty, ColType::DateTime) {
                    ca.into_datetime(TimeUnit::Milliseconds, None).into_column()
                } else {
                    ca.into_column()
                }
            }
            Store::Float(v) => Float64Chunked::from_iter_options(name, v.into_iter()).into_column(),
            Store::Bool(v) => BooleanChunked::from_iter_options(name, v.into_iter()).into_column(),
        }
    }
}

/// The problem of a record the scanner set aside, and the index of the
/// field it names.
fn flaw_problem(f: Flaw, expected: usize) -> Problem {
    match f {
        Flaw::StrayQuote => Problem::plain("stray_quote"),
        Flaw::Unterminated => Problem::plain("unterminated_quote"),
        Flaw::FieldsAcrossLines(n) if n > expected => {
            Problem::new("too_many_fields", [n.to_string(), expected.to_string()])
        }
        Flaw::FieldsAcrossLines(n) => {
            Problem::new("too_few_fields", [n.to_string(), expected.to_string()])
        }
    }
}

/// The label of field `i` of a record: its header, or `#N` beyond it.
fn field_label(header: &[String], i: usize) -> String {
    match header.get(i) {
        Some(h) if !h.is_empty() => h.clone(),
        _ => format!("#{}", i + 1),
    }
}

fn type_chunk(ctx: &Ctx, buf: &[u8], line: u64, last: bool) -> Part {
    let cols = ctx.cols;
    let m = cols.header.len();
    let mut scanner = Scanner::new(buf, line, b',', last, m..=m);
    let mut stores: Vec<Store> = cols.mapped.iter().map(|(_, c)| Store::new(c)).collect();
    let mut arena = String::new();
    let mut lines: Vec<u32> = Vec::new();
    let mut issues = Vec::new();
    let (mut rows, mut rejected) = (0usize, 0usize);
    let mut fields: Vec<Field> = Vec::new();
    let mut scratch_bytes: Vec<u8> = Vec::new();
    let mut scratch_text = String::new();
    let mut problems: Vec<(String, Problem)> = Vec::new();
    let mut incomplete = false;
    // Whether a chunk of a file that is not all UTF-8 needs per-field checks.
    let clean =
        ctx.utf8_clean || (ctx.dec.enc == Encoding::Utf8 && std::str::from_utf8(buf).is_ok());
    loop {
        let rec = match scanner.next(&mut fields) {
            Step::End => break,
            Step::NeedMore => {
                incomplete = true;
                break;
            }
            Step::Record(r) => r,
        };
        if rec.flaw.is_none() && scan::is_blank(buf, &fields) {
            continue;
        }
        rows += 1;
        problems.clear();
        let n = fields.len();
        if let Some(f) = rec.flaw {
            let at = fields
                .iter()
                .position(|x| buf[x.start..x.end].contains(&b'"'))
                .unwrap_or(0);
            problems.push((field_label(&cols.header, at), flaw_problem(f, m)));
        } else if n > m
            && !fields[m..]
                .iter()
                .all(|f| buf[f.start..f.end].iter().all(|b| b.is_ascii_whitespace()))
        {
            let at = (m..n)
                .find(|&i| {
                    !buf[fields[i].start..fields[i].end]
                        .iter()
                        .all(|b| b.is_ascii_whitespace())
                })
                .unwrap_or(m);
            problems.push((
                field_label(&cols.header, at),
                Problem::new("too_many_fields", [n.to_string(), m.to_string()]),
            ));
        } else if n < m {
            let missing_required = cols.mapped.iter().any(|(i, c)| *i >= n && c.required);
            if !ctx.opts.allow_short_rows || missing_required {
                problems.push((
                    field_label(&cols.header, n),
                    Problem::new("too_few_fields", [n.to_string(), m.to_string()]),
                ));
            }
        }
        // Encoding of the whole record.
        if problems.is_empty() && !clean {
            let bytes = &buf[rec.start..rec.end];
            if !bytes.is_ascii() {
                if ctx.dec.enc == Encoding::Cp932 && surely_utf8(bytes) {
                    // The column: the first field with non-ASCII bytes.
                    let at = fields
                        .iter()
                        .position(|f| !scan::field_bytes(buf, f, &mut scratch_bytes).is_ascii())
                        .unwrap_or(0);
                    problems.push((
                        field_label(&cols.header, at),
                        Problem::new("foreign_encoding", ["UTF-8", "CP932"]),
                    ));
                } else {
                    for (i, f) in fields.iter().enumerate() {
                        let b = scan::field_bytes(buf, f, &mut scratch_bytes);
                        if ctx.dec.decode(b, &mut scratch_text).is_err() {
                            problems.push((
                                field_label(&cols.header, i),
                                Problem::new("invalid_bytes", [ctx.dec.enc.name().to_uppercase()]),
                            ));
                            break;
                        }
                    }
                }
            }
        }
        let committed = lines.len();
        let arena_len = arena.len();
        if problems.is_empty() {
            for (k, (hi, c)) in cols.mapped.iter().enumerate() {
                let raw: Option<&str> = match fields.get(*hi) {
                    None => None,
                    Some(f) => {
                        let b = if f.escaped {
                            scan::field_bytes(buf, f, &mut scratch_bytes)
                        } else {
                            &buf[f.start..f.end]
                        };
                        if b.is_empty() {
                            None
                        } else if clean || b.is_ascii() {
                            // Checked above (or ASCII): valid text.
                            Some(unsafe { std::str::from_utf8_unchecked(b) })
                        } else {
                            match ctx.dec.decode(b, &mut scratch_text) {
                                Ok(t) => Some(t),
                                Err(()) => {
                                    problems.push((
                                        cols.header[*hi].clone(),
                                        Problem::new(
                                            "invalid_bytes",
                                            [ctx.dec.enc.name().to_uppercase()],
                                        ),
                                    ));
                                    continue;
                                }
                            }
                        }
                    }
                };
                match parse_cell(c, raw) {
                    Ok(v) => stores[k].push(v, buf, &mut arena),
                    Err(p) => problems.push((cols.header[*hi].clone(), p)),
                }
            }
        }
        if problems.is_empty() {
            lines.push(rec.line.min(u32::MAX as u64) as u32);
            continue;
        }
        // Set aside: undo this record's cells, keep its raw fields.
        for s in &mut stores {
            s.truncate(committed);
        }
        arena.truncate(arena_len);
        rejected += 1;
        let record: Vec<String> = fields
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let b = scan::field_bytes(buf, f, &mut scratch_bytes);
                let t = ctx.dec.lossy(b);
                if cols.personal.get(i).copied().unwrap_or(false) {
                    crate::mask::mask(&t)
                } else if ctx.opts.keep_raw {
                    t
                } else {
                    crate::mask::mask_phones(&t).into_owned()
                }
            })
            .collect();
        for (column, problem) in problems.drain(..) {
            issues.push(RowIssue {
                file: ctx.file.to_string(),
                line: rec.line,
                column,
                problem,
                record: record.clone(),
            });
        }
    }
    let height = lines.len();
    let mut typed: BTreeMap<&'static str, Column> = BTreeMap::new();
    for ((_, c), s) in cols.mapped.iter().zip(stores) {
        typed.insert(c.name, s.finish(c, buf, &arena));
    }
    let mut columns: Vec<Column> = ctx
        .spec
        .columns
        .iter()
        .map(|c| {
            typed
                .remove(c.name)
                .unwrap_or_else(|| null_column(c, height))
        })
        .collect();
    columns.extend(provenance(ctx.opts.file_id, lines));
    let frame = DataFrame::new(height, columns).expect("columns of equal length");
    Part {
        frame,
        rows,
        rejected,
        issues,
        consumed: scanner.pos(),
        end_line: scanner.line(),
        incomplete,
    }
}
