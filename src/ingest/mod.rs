//! Ingest: read every input file of every source into its canonical table.
//!
//! One module per source defines its canonical schema (inputs.md); the
//! generic reader in [`csv_reader`] does encoding detection, header mapping,
//! typing and row-level error reporting for all of them. A new source is one
//! new module plus one entry in [`SOURCES`].
//!
//! Files are found under the inputs folder as `<source>.csv`,
//! `<source>/**/*` and the globs of `[sources.<source>] files` (site.toml),
//! and read in file-name order (so a later export of the same ticket wins a
//! tie). What reads each file (the canonical reader, an adapter of
//! [`formats`] or a mapping [`profile`]) is configured per glob or detected
//! from the file's first bytes ([`plan`]); the manifest records it.

pub mod backups;
pub mod calls;
pub mod capacity;
pub mod catalogue;
pub mod csv_reader;
pub mod dedupe;

pub mod formats;
pub mod job_runs;
pub mod order;
pub mod profile;
pub mod records;
pub mod scan;
pub mod schema;
pub mod ticket_status_history;
pub mod tickets;
pub mod typing;

use crate::encoding;
pub use catalogue::Catalogue;
pub use csv_reader::{FileData, FileError, FileReport, RowIssue};
use polars::prelude::*;
use schema::SourceSpec;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

crate::closed_set! {
    /// A canonical source (inputs.md), as the configuration, the jobs and
    /// the history store name it. (Declared in name order, so that maps
    /// keyed by it keep the order of its names.)
    pub enum SourceId {
        Backups = "backups",
        Calls = "calls",
        Capacity = "capacity",
        JobRuns = "job_runs",
        TicketStatusHistory = "ticket_status_history",
        Tickets = "tickets",
    }
}

/// The registered source of an id.
pub fn source(id: SourceId) -> &'static Source {
    SOURCES
        .iter()
        .find(|s| s.id == id)
        .expect("every source id is registered")
}

/// A registered source: its schema and an optional post-processing step.
pub struct Source {
    pub id: SourceId,
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
        id: SourceId::Tickets,
        spec: &tickets::SPEC,
        finish: Some(tickets::finish),
        optional: false,
    },
    Source {
        id: SourceId::TicketStatusHistory,
        spec: &ticket_status_history::SPEC,
        finish: None,
        optional: true,
    },
    Source {
        id: SourceId::JobRuns,
        spec: &job_runs::SPEC,
        finish: None,
        optional: false,
    },
    Source {
        id: SourceId::Backups,
        spec: &backups::SPEC,
        finish: None,
        optional: false,
    },
    Source {
        id: SourceId::Capacity,
        spec: &capacity::SPEC,
        finish: None,
        optional: false,
    },
    Source {
        id: SourceId::Calls,
        spec: &calls::SPEC,
        finish: Some(calls::finish),
        optional: false,
    },
];

/// The canonical table of one source.
pub struct SourceData {
    /// Typed rows of every file, post-processed, with the provenance
    /// columns `_file` (index into [`Dataset::inputs`]) and `_line`.
    pub frame: DataFrame,
    /// Canonical columns present in at least one file's header.
    pub present: BTreeSet<&'static str>,
    /// `[min, max]` of every timestamp the rows record ([`SourceSpec::events`])
    /// and of the periods the files say they cover (naive JST ms).
    pub coverage: Option<(i64, i64)>,
    /// The part of the coverage the files declared (`covers = "name"`),
    /// kept by the history store.
    pub declared: Option<(i64, i64)>,
}

impl SourceData {
    /// Wrap a canonical frame, measuring its coverage on the source's event
    /// columns (min/max on the physical i64 columns: no copy of a large
    /// column), widened by `declared` spans (`[start, end)` of the periods
    /// the files say they cover; for a snapshot source, from its earliest
    /// record up to the end of that period).
    pub fn new(
        frame: DataFrame,
        present: BTreeSet<&'static str>,
        spec: &SourceSpec,
        declared: &[(i64, i64)],
    ) -> PolarsResult<SourceData> {
        let mut span: Option<(i64, i64)> = None;
        let widen = |span: &mut Option<(i64, i64)>, lo: i64, hi: i64| {
            *span = Some(match *span {
                None => (lo, hi),
                Some((a, b)) => (a.min(lo), b.max(hi)),
            });
        };
        for c in spec.events {
            let Ok(col) = frame.column(c) else { continue };
            let t = col.as_materialized_series().to_physical_repr();
            let t = t.i64()?;
            if let (Some(lo), Some(hi)) = (t.min(), t.max()) {
                widen(&mut span, lo, hi);
            }
        }
        let data = span;
        let mut decl = None;
        for &(lo, hi) in declared {
            let lo = if spec.snapshot {
                data.map_or(lo, |d| d.0.min(lo))
            } else {
                lo
            };
            widen(&mut span, lo, hi - 1);
            widen(&mut decl, lo, hi);
        }
        Ok(SourceData {
            frame,
            present,
            coverage: span,
            declared: decl,
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
    pub sources: BTreeMap<SourceId, SourceData>,
    /// Every input file by its index (the `_file` column of the frames), as
    /// displayed.
    pub inputs: Vec<String>,
    /// Per-file manifest entries, in reading order.
    pub files: Vec<FileReport>,
    /// Row-level problems (rows set aside).
    pub issues: Vec<RowIssue>,
    /// Flags on rows that were read (a row replaced by a later one with the
    /// same key, a ticket listed twice in one file).
    pub flags: Vec<dedupe::RowFlag>,
    /// File-level problems (the file could not be used at all).
    pub errors: Vec<FileError>,
}

impl Dataset {
    /// The source's table when it was provided.
    pub fn get(&self, id: SourceId) -> Option<&SourceData> {
        self.sources.get(&id)
    }
    /// Rows set aside.
    pub fn rejected_rows(&self) -> usize {
        self.files.iter().map(|f| f.rejected).sum()
    }
    /// The file a row's `_file` index names.
    pub fn input(&self, id: Option<u32>) -> &str {
        id.and_then(|i| self.inputs.get(i as usize))
            .map_or("", String::as_str)
    }
}

/// What reads a file.
#[derive(Debug, Clone)]
pub enum Reader {
    /// The canonical CSV reader.
    Canonical,
    /// An adapter for a tool's own format.
    Adapter(&'static formats::Format),
    /// A mapping profile (by name).
    Profile(String),
}

impl Reader {
    /// Name as in the manifest: `canonical`, `asterisk_queue_log`, `profile:redmine`.
    pub fn name(&self) -> String {
        match self {
            Reader::Canonical => "canonical".into(),
            Reader::Adapter(f) => f.name.into(),
            Reader::Profile(p) => format!("profile:{p}"),
        }
    }
}

/// One input file and how it will be read.
#[derive(Debug, Clone)]
pub struct Planned {
    /// The file.
    pub path: PathBuf,
    /// As shown in messages.
    pub display: String,
    /// Its source.
    pub source: &'static str,
    /// What reads it.
    pub reader: Reader,
    /// `detected`, or the file set (`[sources.calls] files "pbx/queue_log*"`).
    pub matched_by: String,
    /// Index of the file set (None = detected in the source's folder).
    pub set: Option<usize>,
    /// Adapter options.
    pub options: formats::Options,
    /// The file says what it covers (`covers = "name"`).
    pub covers_by_name: bool,
    /// Rows with fewer fields than the header are accepted when the
    /// missing ones are optional.
    pub allow_short_rows: bool,
}

/// Every file under `dir` (recursively), skipping hidden files and Excel
/// lock files.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name.starts_with("~$") {
            continue;
        }
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// The first bytes of a file (up to 64 KiB, cut after the last full line).
fn head(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut buf = vec![0u8; 64 << 10];
    let mut f = std::fs::File::open(path)?;
    let mut n = 0;
    while n < buf.len() {
        let k = f.read(&mut buf[n..])?;
        if k == 0 {
            break;
        }
        n += k;
    }
    buf.truncate(n);
    if n == 64 << 10 {
        if let Some(i) = buf.iter().rposition(|&b| b == b'\n') {
            buf.truncate(i + 1);
        }
    }
    Ok(buf)
}

/// Decide what reads a file of `source` from its first bytes: an adapter
/// whose format it has, else the canonical reader when its header names the
/// required columns, else the one profile it fits.
pub fn detect(
    path: &Path,
    display: &str,
    source: &'static Source,
    cat: &Catalogue,
    forced: Option<encoding::Encoding>,
) -> Result<Reader, FileError> {
    let head = head(path).map_err(|e| FileError::Io {
        file: display.into(),
        reason: e.to_string(),
    })?;
    let text = encoding::decode_lossy(&head, forced);
    // Nothing but a BOM and blank lines: say so, whatever format it was
    // meant to be.
    if is_empty_text(text.as_bytes()) {
        return Err(FileError::Empty {
            file: display.into(),
        });
    }
    let name = source.spec.name;
    let adapters: Vec<&'static formats::Format> = formats::FORMATS
        .iter()
        .filter(|f| f.source == name)
        .collect();
    if let Some(f) = adapters.iter().find(|f| (f.sniff)(&text)) {
        return Ok(Reader::Adapter(f));
    }
    // The header, parsed once: the canonical reader takes the file when it
    // names every required column.
    let header: Vec<String> = first_record(&text);
    let named: Vec<&str> = header
        .iter()
        .filter_map(|h| source.spec.resolve_header(h))
        .map(|c| c.name)
        .collect();
    let mut why = Vec::new();
    match source
        .spec
        .columns
        .iter()
        .find(|c| c.required && !named.contains(&c.name))
    {
        None => return Ok(Reader::Canonical),
        Some(c) => why.push(format!(
            "canonical: missing required column {} [{}]",
            c.name, c.alias
        )),
    }
    let fits: Vec<&profile::Profile> = cat
        .profiles
        .values()
        .filter(|p| p.source.name == name)
        .filter(|p| match p.matches(&head) {
            Ok(()) => true,
            Err(e) => {
                why.push(format!("profile {}: {e}", p.name));
                false
            }
        })
        .collect();
    match fits.as_slice() {
        [p] => return Ok(Reader::Profile(p.name.clone())),
        [] => {}
        many => {
            return Err(FileError::Malformed {
                file: display.into(),
                reason: format!(
                    "fits several profiles ({}): name one in [sources.{name}] files",
                    many.iter()
                        .map(|p| p.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })
        }
    }
    // A header that names canonical columns is a canonical file with a
    // problem: let the canonical reader name it (`file:1: missing required
    // column …`).
    if !named.is_empty() {
        return Ok(Reader::Canonical);
    }
    for f in adapters {
        why.push(format!("not {}", f.name));
    }
    Err(FileError::Malformed { file: display.into(), reason: format!("not a {name} file hokoku can read ({}); set its format or profile in [sources.{name}] files", why.join("; ")) })
}

/// The fields of the first non-blank record of `text` (header detection).
fn first_record(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut sc = scan::Scanner::new(b, 1, b',', true, 0..=usize::MAX);
    let mut fields = Vec::new();
    let mut scratch = Vec::new();
    loop {
        match sc.next(&mut fields) {
            scan::Step::Record(r) if r.flaw.is_none() && scan::is_blank(b, &fields) => {}
            scan::Step::Record(_) => {
                return fields
                    .iter()
                    .map(|f| {
                        String::from_utf8_lossy(scan::field_bytes(b, f, &mut scratch))
                            .trim()
                            .trim_start_matches('\u{feff}')
                            .to_string()
                    })
                    .collect()
            }
            _ => return Vec::new(),
        }
    }
}

/// Find every input file and decide what reads it. Files named by a file
/// set take its format or profile; the rest are detected.
pub fn plan(inputs: &Path, cat: &Catalogue) -> (Vec<Planned>, Vec<FileError>) {
    let mut planned: Vec<Planned> = Vec::new();
    let mut errors = Vec::new();
    let mut taken: BTreeMap<PathBuf, String> = BTreeMap::new();
    let shown = |p: &Path| p.display().to_string();
    for src in SOURCES {
        let name = src.spec.name;
        let Some(opts) = cat.sources.get(name) else {
            continue;
        };
        for (i, set) in opts.files.iter().enumerate() {
            let label = format!("[sources.{name}] files {:?}", set.glob);
            let pattern = inputs.join(&set.glob);
            let mut paths: Vec<PathBuf> = match glob::glob(&pattern.to_string_lossy()) {
                Ok(it) => it.flatten().filter(|p| p.is_file()).collect(),
                Err(e) => {
                    errors.push(FileError::Malformed {
                        file: shown(&pattern),
                        reason: e.to_string(),
                    });
                    continue;
                }
            };
            paths.sort();
            let options = formats::Options {
                timezone: set
                    .timezone
                    .as_deref()
                    .and_then(|z| z.parse().ok())
                    .unwrap_or(chrono_tz::Asia::Tokyo),
                encoding: set.encoding.or(opts.encoding),
            };
            for path in paths {
                let display = shown(&path);
                if let Some(other) = taken.get(&path) {
                    errors.push(FileError::Malformed {
                        file: display,
                        reason: format!("matched by both {other} and {label}"),
                    });
                    continue;
                }
                let reader = match (set.format.as_deref(), &set.profile) {
                    (_, Some(p)) => Ok(Reader::Profile(p.clone())),
                    (Some("canonical"), _) => Ok(Reader::Canonical),
                    (Some(f), _) if f != "auto" => formats::find(f)
                        .map(Reader::Adapter)
                        .ok_or_else(|| FileError::Malformed {
                            file: display.clone(),
                            reason: format!("unknown format {f:?}"),
                        }),
                    _ => detect(&path, &display, src, cat, options.encoding),
                };
                taken.insert(path.clone(), label.clone());
                match reader {
                    Ok(reader) => planned.push(Planned {
                        path,
                        display,
                        source: name,
                        reader,
                        matched_by: label.clone(),
                        set: Some(i),
                        options: options.clone(),
                        covers_by_name: set.covers.as_deref() == Some("name"),
                        allow_short_rows: set.allow_short_rows.unwrap_or(opts.allow_short_rows),
                    }),
                    Err(e) => errors.push(e),
                }
            }
        }
    }
    for src in SOURCES {
        let name = src.spec.name;
        let forced = cat.sources.get(name).and_then(|s| s.encoding);
        let short = cat.sources.get(name).is_some_and(|s| s.allow_short_rows);
        for path in discover(inputs, name) {
            if taken.contains_key(&path) {
                continue;
            }
            let display = shown(&path);
            taken.insert(path.clone(), name.into());
            match detect(&path, &display, src, cat, forced) {
                Ok(reader) => planned.push(Planned {
                    path,
                    display,
                    source: name,
                    reader,
                    matched_by: "detected".into(),
                    set: None,
                    options: formats::Options {
                        encoding: forced,
                        ..Default::default()
                    },
                    covers_by_name: false,
                    allow_short_rows: short,
                }),
                Err(e) => errors.push(e),
            }
        }
    }
    planned.sort_by(|a, b| a.path.cmp(&b.path));
    (planned, errors)
}

/// The files of `source` under `inputs`, sorted by path: `<source>.csv`
/// and every file under `<source>/`.
pub fn discover(inputs: &Path, source: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let single = inputs.join(format!("{source}.csv"));
    if single.is_file() {
        out.push(single);
    }
    walk(&inputs.join(source), &mut out);
    out.sort();
    out
}

/// Calls from both Asterisk logs: a call in queue_log keeps queue_log's
/// outcome (a CDR counts a call that timed out of the queue or went to
/// voicemail as ANSWERED, because Queue() answers the channel); its CDR row
/// is skipped (counted in the CDR file's `skipped`). Calls from the CDR
/// alone are flagged: what the CDR cannot tell is named in データ品質. A CDR
/// without uniqueids cannot be matched, so beside a queue_log its rows are
/// skipped (counted, and flagged on the file) rather than counted twice.
fn prefer_queue_log(
    read: &mut [(PathBuf, FileData)],
    flags: &mut Vec<dedupe::RowFlag>,
    planned: &[(u32, &Planned)],
) {
    let is = |fd: &FileData, f: &str| fd.report.format == f;
    let id_of = |path: &PathBuf| {
        planned
            .iter()
            .find(|(_, p)| &p.path == path)
            .map(|(i, _)| *i)
    };
    let mut queue_ids: std::collections::HashSet<String> = std::collections::HashSet::new();
    for (_, fd) in read.iter().filter(|(_, fd)| is(fd, "asterisk_queue_log")) {
        if let Ok(ids) = fd.frame.column("call_id").and_then(|c| c.str().cloned()) {
            queue_ids.extend(ids.iter().flatten().map(|s| {
                // A re-entry is `<callid>#n`: the CDR row is the channel's.
                s.split('#').next().unwrap_or(s).to_string()
            }));
        }
    }
    for (path, fd) in read.iter_mut().filter(|(_, fd)| is(fd, "asterisk_cdr")) {
        if queue_ids.is_empty() {
            flags.push(dedupe::RowFlag {
                file: id_of(path),
                line: None,
                column: "disposition".into(),
                problem: crate::problem::Problem::plain("cdr_only"),
            });
            continue;
        }
        let Ok(ids) = fd.frame.column("call_id").and_then(|c| c.str().cloned()) else {
            continue;
        };
        // A CDR without uniqueid (cdr.conf without loguniqueid) names a
        // call `<channel>@<start>`, which no queue_log line can match: its
        // rows would count every queued call a second time, so queue_log
        // alone counts the calls, and the rows set apart are said.
        let unmatchable = ids
            .iter()
            .filter(|id| id.is_some_and(|i| i.contains('@')))
            .count();
        if unmatchable > 0 {
            flags.push(dedupe::RowFlag {
                file: id_of(path),
                line: None,
                column: "uniqueid".into(),
                problem: crate::problem::Problem::new(
                    "cdr_without_uniqueid",
                    [unmatchable.to_string()],
                ),
            });
        }
        let keep: BooleanChunked = ids
            .iter()
            .map(|id| !id.is_some_and(|i| queue_ids.contains(i) || i.contains('@')))
            .collect();
        let dropped = keep.len() - keep.sum().unwrap_or(0) as usize;
        // Calls the CDR has and queue_log does not (a direct call, a call
        // outside the queue's log): counted from the CDR, with what the
        // CDR cannot tell said.
        let cdr_alone = keep.sum().unwrap_or(0) as usize;
        if cdr_alone > 0 {
            flags.push(dedupe::RowFlag {
                file: id_of(path),
                line: None,
                column: "uniqueid".into(),
                problem: crate::problem::Problem::new("cdr_unmatched", [cdr_alone.to_string()]),
            });
        }
        if dropped > 0 {
            if let Ok(df) = fd.frame.filter(&keep) {
                fd.frame = df;
                fd.report.skipped += dropped;
                fd.report.accepted -= dropped;
            }
        }
    }
}

/// Read every source's files. Never fails as a whole: file and row problems
/// are collected in the dataset for the caller's policy.
pub fn load(inputs: &Path, cat: &Catalogue) -> Dataset {
    let (planned, errors) = plan(inputs, cat);
    let mut ds = Dataset {
        errors,
        inputs: planned.iter().map(|p| p.display.clone()).collect(),
        ..Default::default()
    };
    for src in SOURCES {
        let mine: Vec<(u32, &Planned)> = planned
            .iter()
            .enumerate()
            .filter(|(_, p)| p.source == src.spec.name)
            .map(|(i, p)| (i as u32, p))
            .collect();
        let mut read = read_files(src, &mine, cat, &mut ds.errors);
        if src.id == SourceId::Calls {
            prefer_queue_log(&mut read, &mut ds.flags, &mine);
        }
        combine(inputs, src, &mine, read, &mut ds);
    }
    ds
}

/// Read the files of one source, each by its reader, in path order.
fn read_files(
    src: &Source,
    mine: &[(u32, &Planned)],
    cat: &Catalogue,
    errors: &mut Vec<FileError>,
) -> Vec<(PathBuf, FileData)> {
    let mut read: Vec<(PathBuf, FileData)> = Vec::new();
    // Adapter files are read together per (format, file set): a call
    // can start in one rotated log and end in the next.
    let mut groups: BTreeMap<(String, Option<usize>), Vec<(u32, &Planned)>> = BTreeMap::new();
    for &(id, p) in mine {
        let fd = match &p.reader {
            Reader::Canonical => {
                let opts = csv_reader::ReadOptions {
                    encoding: p.options.encoding,
                    allow_short_rows: p.allow_short_rows,
                    keep_raw: cat.keep_raw_rejected,
                    file_id: id,
                };
                csv_reader::read_file(src.spec, &p.path, &p.display, opts)
            }
            Reader::Profile(prof) => read_profiled(src, p, id, cat.profiles.get(prof), prof),
            Reader::Adapter(f) => {
                groups
                    .entry((f.name.to_string(), p.set))
                    .or_default()
                    .push((id, p));
                continue;
            }
        };
        match fd {
            Ok(mut fd) => {
                fd.report.matched_by = p.matched_by.clone();
                read.push((p.path.clone(), fd));
            }
            Err(e) => errors.push(e),
        }
    }
    for ((fname, _), files) in groups {
        read_adapted(src, &fname, &files, &mut read, errors);
    }
    read.sort_by(|a, b| a.0.cmp(&b.0));
    read
}

/// One file through a mapping profile.
fn read_profiled(
    src: &Source,
    p: &Planned,
    id: u32,
    prof: Option<&profile::Profile>,
    name: &str,
) -> Result<FileData, FileError> {
    let Some(prof) = prof else {
        return Err(FileError::Malformed {
            file: p.display.clone(),
            reason: format!("unknown profile {name:?}"),
        });
    };
    let raw = std::fs::read(&p.path).map_err(|e| FileError::Io {
        file: p.display.clone(),
        reason: e.to_string(),
    })?;
    if is_empty_text(&raw) {
        return Err(FileError::Empty {
            file: p.display.clone(),
        });
    }
    let ext = prof.read(&raw, &p.display, p.options.encoding, p.allow_short_rows)?;
    Ok(records::type_extracted(src.spec, ext, &p.display, &raw, id))
}

/// Nothing but a UTF-8 BOM and whitespace: an empty export (空のファイル),
/// whatever reader it was meant for.
fn is_empty_text(raw: &[u8]) -> bool {
    raw.strip_prefix(b"\xef\xbb\xbf")
        .unwrap_or(raw)
        .iter()
        .all(u8::is_ascii_whitespace)
}

/// The files of one adapter and file set, read together.
fn read_adapted(
    src: &Source,
    format: &str,
    files: &[(u32, &Planned)],
    read: &mut Vec<(PathBuf, FileData)>,
    errors: &mut Vec<FileError>,
) {
    let f = formats::find(format).expect("registered");
    let mut inputs: Vec<formats::Input> = Vec::new();
    let mut kept: Vec<(u32, &Planned)> = Vec::new();
    for &(id, p) in files {
        match std::fs::read(&p.path) {
            Ok(raw) if is_empty_text(&raw) => errors.push(FileError::Empty {
                file: p.display.clone(),
            }),
            Ok(raw) => {
                inputs.push(formats::Input {
                    display: p.display.clone(),
                    raw,
                });
                kept.push((id, p));
            }
            Err(e) => errors.push(FileError::Io {
                file: p.display.clone(),
                reason: e.to_string(),
            }),
        }
    }
    let Some(first) = kept.first() else { return };
    let results = (f.read)(&inputs, &first.1.options);
    for (((id, p), inp), res) in kept.iter().zip(&inputs).zip(results) {
        match res {
            Ok(ext) => {
                let mut fd = records::type_extracted(src.spec, ext, &p.display, &inp.raw, *id);
                fd.report.matched_by = p.matched_by.clone();
                read.push((p.path.clone(), fd));
            }
            Err(e) => errors.push(e),
        }
    }
}

/// Put one source's files together: the periods they say they cover, one
/// table, duplicates resolved, the source's own finishing step.
fn combine(
    inputs: &Path,
    src: &Source,
    mine: &[(u32, &Planned)],
    read: Vec<(PathBuf, FileData)>,
    ds: &mut Dataset,
) {
    let name = src.spec.name;
    let mut frames: Vec<DataFrame> = Vec::new();
    let mut present = BTreeSet::new();
    let mut declared: Vec<(i64, i64)> = Vec::new();
    for (path, mut fd) in read {
        if !fd.report.unknown_columns.is_empty() {
            tracing::info!(file = %fd.report.file, columns = ?fd.report.unknown_columns, "unknown columns ignored");
        }
        let by_name = mine.iter().any(|(_, p)| p.path == path && p.covers_by_name);
        if by_name {
            match declared_period(&path) {
                Some(per) => {
                    declared.push((per.start_ms(), per.end_ms()));
                    fd.report.covers = Some(if per.days() == 1 {
                        per.first.format("%Y-%m-%d").to_string()
                    } else {
                        per.month_label()
                    });
                }
                None => {
                    ds.errors.push(FileError::Malformed {
                        file: fd.report.file.clone(),
                        reason: "covers = \"name\" but the file name has no date (YYYY-MM-DD, YYYYMMDD, YYYY-MM or YYYYMM)".into(),
                    });
                    continue;
                }
            }
        }
        if let Err(e) = order::set_aside_out_of_order(src.spec, &mut fd) {
            ds.errors.push(FileError::Malformed {
                file: fd.report.file.clone(),
                reason: e.to_string(),
            });
            continue;
        }
        tracing::debug!(file = %fd.report.file, format = %fd.report.format, rows = fd.report.rows, rejected = fd.report.rejected, skipped = fd.report.skipped, encoding = fd.report.encoding, "read");
        present.extend(fd.present);
        frames.push(fd.frame);
        ds.files.push(fd.report);
        ds.issues.extend(fd.issues);
        ds.flags.extend(fd.flags);
    }
    if frames.is_empty() {
        return;
    }
    let inputs_names = ds.inputs.clone();
    let mut flags = Vec::new();
    let mut repeats = std::collections::BTreeMap::new();
    let built = (|| -> PolarsResult<SourceData> {
        let mut it = frames.into_iter();
        let mut df = it.next().expect("one frame");
        for f in it {
            df.vstack_mut(&f)?;
        }
        if src.id == SourceId::Tickets {
            flags.extend(dedupe::ticket_repeats(&df)?);
        } else {
            let d = dedupe::dedupe(name, df, &inputs_names)?;
            df = d.frame;
            flags.extend(d.flags);
            repeats = d.repeats;
        }
        if let Some(fin) = src.finish {
            df = fin(df)?;
        }
        SourceData::new(df, present, src.spec, &declared)
    })();
    ds.flags.extend(flags);
    for (file, n) in repeats {
        let name = &ds.inputs[file as usize];
        if let Some(r) = ds.files.iter_mut().find(|r| &r.file == name) {
            r.repeated += n;
        }
    }
    match built {
        Ok(sd) => {
            ds.sources.insert(src.id, sd);
        }
        Err(e) => ds.errors.push(FileError::Malformed {
            file: format!("{}/*", inputs.join(name).display()),
            reason: e.to_string(),
        }),
    }
}

/// The period a file's name says it covers (`covers = "name"`).
fn declared_period(path: &Path) -> Option<crate::time::Period> {
    let stem = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    crate::time::period_in_name(&stem)
}
