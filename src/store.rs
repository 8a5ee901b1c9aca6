//! History store: the canonical rows of every ingest, normalised into
//! Parquet by source and month, so that monthly and trend reports read
//! typed history instead of re-parsing raw exports.
//!
//! Layout (Hive-style, readable as is by DuckDB, Spark or Trino; see
//! docs/STORE.md):
//!
//! ```text
//! <store>/source=<source>/month=<YYYY-MM>/part-0.parquet   canonical columns, _file, _line
//! <store>/source=<source>/_columns.json    canonical columns the ingested files had
//! <store>/source=<source>/_files.json      the files rows came from (_file indexes it)
//! <store>/source=<source>/_coverage.json   the span the files said they cover
//! <store>/_hokoku/lock                     held by every writer (exclusive) and reader (shared)
//! <store>/_hokoku/ingest.json              the journal: the last ingest in progress or complete
//! <store>/_hokoku/ingest.manifest.json     the last complete ingest: inputs, rows, changes
//! <store>/_hokoku/ingest.rejected.csv      its set-aside rows
//! <store>/_hokoku/rows.json                set-aside rows and row flags of every file ingested
//! ```
//!
//! A report from the store shows the same データ品質 as one from the CSVs:
//! the rows each file had set aside (and the flags on its rows) are kept in
//! `rows.json` by file, replaced when the file is ingested again.
//!
//! Upserts: tickets keep, per `ticket_id`, the row with the newest
//! `updated_at` (a tie: the newer ingest wins); other sources are
//! deduplicated on their natural keys ([`ingest::dedupe::natural_key`]),
//! the newer ingest winning, so the same file ingested twice changes
//! nothing and a corrected export replaces the rows it corrects; every row
//! replaced is reported by `hokoku ingest` with its file and line.
//!
//! Every writer takes the store's lock, so two ingests never interleave
//! (the second waits, up to a timeout); readers take it shared. Each
//! partition is written atomically; the journal says whether the last
//! ingest completed, and a report refuses a store whose last ingest did
//! not (running the ingest again completes it: it is idempotent).

use crate::ingest::{self, Dataset, FileReport, SourceData};
use crate::output::write_atomic;
use crate::time::ms_to_dt;
use crate::util::hex;
use anyhow::{bail, Context, Result};
use chrono::Datelike;
use polars::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What one ingest did to one partition.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PartitionChange {
    pub source: String,
    pub month: String,
    /// Rows before and after the upsert.
    pub before: usize,
    pub after: usize,
    /// Whether the file's bytes changed.
    pub changed: bool,
    /// Rows replaced by a later row with the same natural key
    /// (`file:line:column: reason`).
    pub superseded: Vec<String>,
}

/// The rows one file had set aside, and the flags on its rows, as the store
/// keeps them (`_hokoku/rows.json`).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct StoredRows {
    /// The source the file was read as.
    #[serde(default)]
    source: String,
    #[serde(default)]
    issues: Vec<StoredRow>,
    #[serde(default)]
    flags: Vec<StoredRow>,
}

/// One set-aside row or flag (`line` 0: the file as a whole).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct StoredRow {
    line: u64,
    column: String,
    code: String,
    args: Vec<String>,
    /// The record's fields, phone numbers masked (set-aside rows only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    record: Vec<String>,
}

/// Put the set-aside rows and flags the store keeps back into `ds`; each
/// file with set-aside rows gets a manifest entry saying how many.
fn restore_rows(store: &Path, ds: &mut Dataset) -> Result<()> {
    let kept: BTreeMap<String, StoredRows> = read_json(&meta_dir(store).join("rows.json"))?;
    // In the order a run over the CSVs reads them: by source, then path.
    let source_of = |s: &str| ingest::SOURCES.iter().position(|x| x.spec.name == s);
    let mut kept: Vec<(String, StoredRows)> = kept.into_iter().collect();
    kept.sort_by_key(|(name, r)| (source_of(&r.source).unwrap_or(usize::MAX), name.clone()));
    for (name, rows) in kept {
        let source = ingest::SOURCES
            .iter()
            .find(|x| x.spec.name == rows.source)
            .map_or("", |x| x.spec.name);
        let idx = match ds.inputs.iter().position(|n| n == &name) {
            Some(i) => i as u32,
            None => {
                ds.inputs.push(name.clone());
                (ds.inputs.len() - 1) as u32
            }
        };
        let n = rows.issues.len();
        for r in rows.issues {
            let Some(problem) = crate::problem::Problem::from_stored(&r.code, r.args) else {
                continue;
            };
            ds.issues.push(ingest::csv_reader::RowIssue {
                file: name.clone(),
                line: r.line,
                column: r.column,
                problem,
                record: r.record,
            });
        }
        for r in rows.flags {
            let Some(problem) = crate::problem::Problem::from_stored(&r.code, r.args) else {
                continue;
            };
            ds.flags.push(ingest::dedupe::RowFlag {
                file: Some(idx),
                line: (r.line > 0).then_some(r.line as u32),
                column: r.column,
                problem,
            });
        }
        if n > 0 {
            ds.files.push(FileReport {
                file: name,
                source,
                sha256: String::new(),
                bytes: 0,
                encoding: "",
                format: "store: set aside at ingest".into(),
                matched_by: String::new(),
                rows: n,
                accepted: 0,
                rejected: n,
                skipped: 0,
                repeated: 0,
                unknown_columns: Vec::new(),
                covers: None,
            });
        }
    }
    Ok(())
}

/// The Asterisk logs the store's calls came from (`source=calls/_formats.json`:
/// file → `asterisk_queue_log` or `asterisk_cdr`), with this ingest's, or
/// an error when this ingest would mix them across ingests: a CDR is
/// matched with queue_log only when both are read together (docs/FORMATS.md),
/// so a CDR ingested after its queue_log (or before it) would count each
/// call twice or with the CDR's outcomes. `None`: no Asterisk file here.
fn asterisk_formats(store: &Path, ds: &Dataset) -> Result<Option<BTreeMap<String, String>>> {
    let new: BTreeMap<String, String> = ds
        .files
        .iter()
        .filter(|f| f.format.starts_with("asterisk_"))
        .map(|f| (f.file.clone(), f.format.clone()))
        .collect();
    if new.is_empty() {
        return Ok(None);
    }
    let path = source_dir(store, "calls").join("_formats.json");
    let mut all: BTreeMap<String, String> = read_json(&path)?;
    let has = |m: &BTreeMap<String, String>, f: &str| m.values().any(|v| v == f);
    let (q, c) = ("asterisk_queue_log", "asterisk_cdr");
    let lone = |this: &str, other: &str| has(&new, this) && !has(&new, other) && has(&all, other);
    if lone(c, q) || lone(q, c) {
        bail!(
            "calls: this ingest has an Asterisk {} without its {}, and the store already holds calls from a {} ingested earlier. A CDR is matched with queue_log only when both are read together: ingest the queue_log and the CDR of the same period in one `hokoku ingest` (put both under the inputs folder). Nothing was written",
            if has(&new, c) { "CDR" } else { "queue_log" },
            if has(&new, c) { "queue_log" } else { "CDR" },
            if has(&new, c) { "queue_log" } else { "CDR" },
        );
    }
    all.extend(new);
    Ok(Some(all))
}

/// How long a writer or a reader waits for the store's lock by default.
pub const LOCK_TIMEOUT: Duration = Duration::from_secs(600);

fn meta_dir(store: &Path) -> PathBuf {
    store.join("_hokoku")
}

fn source_dir(store: &Path, source: &str) -> PathBuf {
    store.join(format!("source={source}"))
}

fn partition_path(store: &Path, source: &str, month: &str) -> PathBuf {
    source_dir(store, source)
        .join(format!("month={month}"))
        .join("part-0.parquet")
}

/// The store's lock, held until dropped.
#[derive(Debug)]
pub struct StoreLock {
    file: File,
}

impl Drop for StoreLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

/// Take the store's lock: `exclusive` for a writer, shared for a reader.
/// Waits while another process holds it, up to `timeout`, then fails
/// naming the holder.
pub fn lock(store: &Path, exclusive: bool, timeout: Duration) -> Result<StoreLock> {
    let dir = meta_dir(store);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join("lock");
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    let start = Instant::now();
    let mut told = false;
    loop {
        let r = if exclusive {
            file.try_lock()
        } else {
            file.try_lock_shared()
        };
        match r {
            Ok(()) => break,
            Err(TryLockError::WouldBlock) => {
                let holder = std::fs::read_to_string(&path).unwrap_or_default();
                let holder = holder.trim();
                if start.elapsed() >= timeout {
                    bail!(
                        "the history store {} is locked by another hokoku ({}) for more than {} s: try again when it has finished",
                        store.display(),
                        if holder.is_empty() { "a reader".to_string() } else { format!("PID {holder}") },
                        timeout.as_secs()
                    );
                }
                if !told {
                    tracing::warn!(store = %store.display(), holder, "waiting for the history store's lock");
                    told = true;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("locking {}", path.display()))
            }
        }
    }
    if exclusive {
        use std::io::Write;
        file.set_len(0)?;
        writeln!(file, "{}", std::process::id())?;
    }
    Ok(StoreLock { file })
}

/// The journal of the last ingest.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Journal {
    /// `in_progress` or `complete`.
    state: String,
    pid: u32,
    started: String,
    #[serde(default)]
    finished: Option<String>,
}

fn now_text() -> String {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Tokyo)
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

fn write_journal(store: &Path, j: &Journal) -> Result<()> {
    let p = meta_dir(store).join("ingest.json");
    let mut b = serde_json::to_vec_pretty(j)?;
    b.push(b'\n');
    write_atomic(&p, &b).with_context(|| format!("writing {}", p.display()))
}

/// A store written by an earlier hokoku (`<store>/<source>/<month>.parquet`).
fn old_layout(store: &Path) -> bool {
    ingest::SOURCES
        .iter()
        .any(|s| store.join(s.spec.name).is_dir())
}

fn time_column(source: &str) -> &'static str {
    ingest::SOURCES
        .iter()
        .find(|s| s.spec.name == source)
        .map_or("", |s| s.spec.time_column)
}

/// Keep one row per natural key ([`ingest::dedupe`]: the newer ingest wins;
/// tickets keep their newest snapshot) in a canonical order (time column,
/// then the keys) so the stored bytes are deterministic. Returns the rows
/// replaced, named by file and line.
fn dedupe(
    source: &str,
    df: DataFrame,
    names: &[String],
) -> PolarsResult<(DataFrame, Vec<ingest::dedupe::RowFlag>)> {
    let (df, flags) = match source {
        "tickets" => (ingest::tickets::finish(df)?, Vec::new()),
        s => {
            // A stored row read again unchanged (the same file ingested
            // twice) is no news here: only replacements are reported.
            let d = ingest::dedupe::dedupe(s, df, names)?;
            let flags = d
                .flags
                .into_iter()
                .filter(|f| f.problem.code == "superseded")
                .collect();
            (d.frame, flags)
        }
    };
    let mut by: Vec<PlSmallStr> = vec![time_column(source).into()];
    by.extend(match source {
        "tickets" => vec!["ticket_id".into()],
        s => ingest::dedupe::natural_key(s)
            .iter()
            .map(|k| (*k).into())
            .collect(),
    });
    by.dedup();
    let df = df.sort(
        by,
        SortMultipleOptions::default()
            .with_nulls_last(false)
            .with_maintain_order(true),
    )?;
    Ok((df, flags))
}

fn read_parquet(bytes: &[u8], path: &Path) -> Result<DataFrame> {
    anyhow::Context::with_context(
        ParquetReader::new(std::io::Cursor::new(bytes)).finish(),
        || format!("reading {}", path.display()),
    )
}

fn parquet_bytes(df: &mut DataFrame) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    ParquetWriter::new(&mut buf).finish(df)?;
    Ok(buf)
}

fn read_json<T: serde::de::DeserializeOwned + Default>(p: &Path) -> Result<T> {
    match std::fs::read(p) {
        Ok(b) => serde_json::from_slice(&b).with_context(|| format!("reading {}", p.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(T::default()),
        Err(e) => Err(e).with_context(|| format!("reading {}", p.display())),
    }
}

fn write_json_if_changed<T: serde::Serialize>(p: &Path, v: &T) -> Result<()> {
    let mut b = serde_json::to_vec_pretty(v)?;
    b.push(b'\n');
    if std::fs::read(p).ok().as_deref() != Some(&b[..]) {
        write_atomic(p, &b).with_context(|| format!("writing {}", p.display()))?;
    }
    Ok(())
}

/// Upsert every source of `ds` into the store, under the store's lock,
/// between the journal's `in_progress` and `complete`. `record` writes the
/// ingest's manifest and rejected rows (in `_hokoku/`) before the journal
/// says complete.
pub fn ingest(
    ds: &Dataset,
    store: &Path,
    timeout: Duration,
    record: impl FnOnce(&[PartitionChange]) -> Result<Vec<(PathBuf, Vec<u8>)>>,
) -> Result<Vec<PartitionChange>> {
    if old_layout(store) {
        bail!(
            "{} is a history store of an earlier layout (<source>/<month>.parquet): ingest into a new folder (the layout is docs/STORE.md)",
            store.display()
        );
    }
    std::fs::create_dir_all(store).with_context(|| format!("creating {}", store.display()))?;
    let _lock = lock(store, true, timeout)?;
    let formats = asterisk_formats(store, ds)?;
    for stale in crate::output::clean_stale(&meta_dir(store)) {
        tracing::warn!(file = %stale.display(), "removed a temporary file a killed ingest left");
    }
    let mut journal = Journal {
        state: "in_progress".into(),
        pid: std::process::id(),
        started: now_text(),
        finished: None,
    };
    write_journal(store, &journal)?;
    let mut changes = Vec::new();
    for (&id, data) in &ds.sources {
        let source = id.as_str();
        let sdir = source_dir(store, source);
        std::fs::create_dir_all(&sdir)?;
        for stale in crate::output::clean_stale(&sdir) {
            tracing::warn!(file = %stale.display(), "removed a temporary file a killed ingest left");
        }
        // `_file` of the store: an index into `_files.json`, the names of
        // every file ever ingested into this source.
        let fpath = sdir.join("_files.json");
        let mut names: Vec<String> = read_json(&fpath)?;
        let remap: Vec<u32> = ds
            .inputs
            .iter()
            .map(|n| match names.iter().position(|x| x == n) {
                Some(i) => i as u32,
                None => {
                    names.push(n.clone());
                    (names.len() - 1) as u32
                }
            })
            .collect();
        let mut df = data.frame.clone();
        let ids: UInt32Chunked = df
            .column(ingest::typing::FILE_COL)?
            .u32()?
            .apply_values(|i| remap.get(i as usize).copied().unwrap_or(i));
        df.with_column(ids.with_name(ingest::typing::FILE_COL.into()).into_column())?;
        write_json_if_changed(&fpath, &names)?;
        // The periods the files said they cover, merged with earlier ones.
        if let Some(cov) = data.declared {
            let cpath = sdir.join("_coverage.json");
            let prev: Option<(i64, i64)> = read_json(&cpath)?;
            let merged = prev.map_or(cov, |(a, b)| (a.min(cov.0), b.max(cov.1)));
            write_json_if_changed(&cpath, &Some(merged))?;
        }
        let t = df
            .column(time_column(source))?
            .as_materialized_series()
            .to_physical_repr()
            .into_owned();
        let t = t.i64()?;
        let mut by_month: BTreeMap<String, Vec<IdxSize>> = BTreeMap::new();
        for (i, v) in t.iter().enumerate() {
            let Some(v) = v else { continue };
            let d = ms_to_dt(v).date();
            by_month
                .entry(format!("{:04}-{:02}", d.year(), d.month()))
                .or_default()
                .push(i as IdxSize);
        }
        for (month, idx) in by_month {
            let new = df.take(&IdxCa::from_vec("idx".into(), idx))?;
            let path = partition_path(store, source, &month);
            let old_bytes = match std::fs::read(&path) {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
                Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
            };
            let old = if old_bytes.is_empty() {
                None
            } else {
                Some(read_parquet(&old_bytes, &path)?)
            };
            let before = old.as_ref().map_or(0, DataFrame::height);
            let merged = match old {
                Some(mut o) => {
                    o.vstack_mut(&new)?;
                    o
                }
                None => new,
            };
            let (mut merged, flags) = dedupe(source, merged, &names)?;
            merged.rechunk_mut();
            let superseded = flags
                .iter()
                .map(|f| {
                    format!(
                        "{}:{}:{}: {}",
                        f.file
                            .and_then(|i| names.get(i as usize))
                            .map_or("", String::as_str),
                        f.line.unwrap_or(0),
                        f.column,
                        f.problem
                    )
                })
                .collect();
            let bytes = parquet_bytes(&mut merged)?;
            let changed = bytes != old_bytes;
            if changed {
                if let Some(d) = path.parent() {
                    for stale in crate::output::clean_stale(d) {
                        tracing::warn!(file = %stale.display(), "removed a temporary file a killed ingest left");
                    }
                }
                write_atomic(&path, &bytes)
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            changes.push(PartitionChange {
                source: source.to_string(),
                month,
                before,
                after: merged.height(),
                changed,
                superseded,
            });
        }
        // Columns the ingested files had, merged with earlier ingests.
        let cpath = sdir.join("_columns.json");
        let mut present: BTreeSet<String> = read_json(&cpath)?;
        present.extend(data.present.iter().map(|s| s.to_string()));
        write_json_if_changed(&cpath, &present)?;
    }
    if let Some(f) = formats {
        let dir = source_dir(store, "calls");
        std::fs::create_dir_all(&dir)?;
        write_json_if_changed(&dir.join("_formats.json"), &f)?;
    }
    // Set-aside rows and row flags by file, replacing earlier ones of the
    // same files.
    let rpath = meta_dir(store).join("rows.json");
    let mut kept: BTreeMap<String, StoredRows> = read_json(&rpath)?;
    for f in &ds.files {
        kept.insert(
            f.file.clone(),
            StoredRows {
                source: f.source.to_string(),
                ..Default::default()
            },
        );
    }
    for i in &ds.issues {
        kept.entry(i.file.clone())
            .or_default()
            .issues
            .push(StoredRow {
                line: i.line,
                column: i.column.clone(),
                code: i.problem.code.to_string(),
                args: i.problem.args.clone(),
                record: i
                    .record
                    .iter()
                    .map(|f| crate::mask::mask_phones(f).into_owned())
                    .collect(),
            });
    }
    for f in &ds.flags {
        let Some(name) = f.file.and_then(|i| ds.inputs.get(i as usize)) else {
            continue;
        };
        kept.entry(name.clone()).or_default().flags.push(StoredRow {
            line: f.line.map_or(0, u64::from),
            column: f.column.clone(),
            code: f.problem.code.to_string(),
            args: f.problem.args.clone(),
            record: Vec::new(),
        });
    }
    kept.retain(|_, r| !r.issues.is_empty() || !r.flags.is_empty());
    write_json_if_changed(&rpath, &kept)?;
    // The ingest's own record, then the journal says it is complete.
    let mut tx = crate::output::Transaction::new();
    for (p, bytes) in record(&changes)? {
        tx.stage(&meta_dir(store).join(p), &bytes)?;
    }
    tx.commit()?;
    journal.state = "complete".into();
    journal.finished = Some(now_text());
    write_journal(store, &journal)?;
    Ok(changes)
}

/// Read the whole store back as a dataset (every partition of every
/// source), as the reports use it, under the store's shared lock. The
/// manifest lists each partition with its SHA-256. A store whose last
/// ingest did not complete is refused, naming it.
pub fn load(store: &Path) -> Result<Dataset> {
    let mut ds = Dataset::default();
    if !store.is_dir() {
        bail!(
            "store {} not found (run `hokoku ingest` first)",
            store.display()
        );
    }
    if old_layout(store) {
        bail!(
            "{} is a history store of an earlier layout (<source>/<month>.parquet): ingest into a new folder (docs/STORE.md)",
            store.display()
        );
    }
    let _lock = lock(store, false, LOCK_TIMEOUT)?;
    match std::fs::read(meta_dir(store).join("ingest.json")) {
        Ok(b) => {
            let j: Journal = serde_json::from_slice(&b).context("reading the store's journal")?;
            if j.state != "complete" {
                bail!(
                    "the last ingest into {} (started {} by PID {}) did not complete: its data may be partial. Run `hokoku ingest` again (it completes what was interrupted)",
                    store.display(),
                    j.started,
                    j.pid
                );
            }
        }
        Err(_) => bail!(
            "{} has no complete ingest (no _hokoku/ingest.json): run `hokoku ingest` first",
            store.display()
        ),
    }
    for src in ingest::SOURCES {
        let name = src.spec.name;
        let dir = source_dir(store, name);
        let mut parts: Vec<PathBuf> = match std::fs::read_dir(&dir) {
            Ok(rd) => rd
                .flatten()
                .map(|e| e.path().join("part-0.parquet"))
                .filter(|p| p.is_file())
                .collect(),
            Err(_) => continue,
        };
        parts.sort();
        let mut frame: Option<DataFrame> = None;
        for p in &parts {
            let bytes = std::fs::read(p)?;
            let df = read_parquet(&bytes, p)?;
            ds.files.push(FileReport {
                file: p.display().to_string(),
                source: src.spec.name,
                sha256: hex(&Sha256::digest(&bytes)),
                bytes: bytes.len() as u64,
                encoding: "parquet",
                format: "store".into(),
                matched_by: String::new(),
                rows: df.height(),
                accepted: df.height(),
                rejected: 0,
                skipped: 0,
                repeated: 0,
                unknown_columns: Vec::new(),
                covers: None,
            });
            match &mut frame {
                None => frame = Some(df),
                Some(f) => {
                    f.vstack_mut(&df)?;
                }
            }
        }
        let Some(mut df) = frame else { continue };
        // Store-wide file ids → this dataset's inputs.
        let names: Vec<String> = read_json(&dir.join("_files.json"))?;
        let offset = ds.inputs.len() as u32;
        ds.inputs.extend(names);
        let ids: UInt32Chunked = df
            .column(ingest::typing::FILE_COL)?
            .u32()?
            .apply_values(|i| i + offset);
        df.with_column(ids.with_name(ingest::typing::FILE_COL.into()).into_column())?;
        let declared: Option<(i64, i64)> = read_json(&dir.join("_coverage.json"))?;
        if let Some(fin) = src.finish.filter(|_| name == "tickets") {
            df = fin(df)?; // a ticket whose opened_at moved month: newest wins
        }
        let present_names: BTreeSet<String> = read_json(&dir.join("_columns.json"))?;
        let present = src
            .spec
            .columns
            .iter()
            .map(|c| c.name)
            .filter(|c| present_names.contains(*c))
            .collect();
        let declared: Vec<(i64, i64)> = declared.into_iter().collect();
        ds.sources
            .insert(src.id, SourceData::new(df, present, src.spec, &declared)?);
    }
    restore_rows(store, &mut ds)?;
    Ok(ds)
}
