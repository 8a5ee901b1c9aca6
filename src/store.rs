//! History store: the canonical rows of every ingest, normalised into
//! Parquet files by source and month (`<store>/<source>/<YYYY-MM>.parquet`,
//! the month of the source's time column), so that monthly and trend
//! reports read typed history instead of re-parsing raw exports.
//!
//! Upserts: tickets keep, per `ticket_id`, the row with the newest
//! `updated_at` (a tie: the newer ingest wins); other sources are
//! deduplicated on their natural keys ([`ingest::dedupe::natural_key`]),
//! the newer ingest winning, so the same file ingested twice changes
//! nothing and a corrected export replaces the rows it corrects; every row
//! replaced is reported by `hokoku ingest` with its file and line.
//!
//! Every partition is written to a temporary file and renamed into place, so
//! a crash never leaves a half-written file; a partition is either the old
//! or the new one, and re-running the ingest completes an interrupted one.
//! `<source>/columns.json` records which canonical columns the ingested
//! files had (a rate whose column never appeared stays データなし).

use crate::ingest::{self, csv_reader::hex, Dataset, FileReport, SourceData};
use crate::output::write_atomic;
use crate::time::ms_to_dt;
use anyhow::{Context, Result};
use chrono::Datelike;
use polars::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

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
    /// (`file:line: reason`).
    pub superseded: Vec<String>,
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
        s => ingest::dedupe::dedupe(s, df, names)?,
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

fn partition_path(store: &Path, source: &str, month: &str) -> PathBuf {
    store.join(source).join(format!("{month}.parquet"))
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

/// Upsert every source of `ds` into the store.
pub fn ingest(ds: &Dataset, store: &Path) -> Result<Vec<PartitionChange>> {
    let mut changes = Vec::new();
    for (&source, data) in &ds.sources {
        // `_file` of the store: an index into `<source>/files.json`, the
        // names of every file ever ingested into this source.
        let fpath = store.join(source).join("files.json");
        let old_files = std::fs::read(&fpath).ok();
        let mut names: Vec<String> = match &old_files {
            Some(b) => serde_json::from_slice(b)
                .with_context(|| format!("reading {}", fpath.display()))?,
            None => Vec::new(),
        };
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
        let mut b = serde_json::to_vec_pretty(&names)?;
        b.push(b'\n');
        if old_files.as_deref() != Some(&b[..]) {
            write_atomic(&fpath, &b)?;
        }
        // The periods the files said they cover, merged with earlier ones.
        if let Some(cov) = data.declared {
            let cpath = store.join(source).join("coverage.json");
            let old = std::fs::read(&cpath).ok();
            let prev: Option<(i64, i64)> = old.as_ref().and_then(|b| serde_json::from_slice(b).ok());
            let merged = prev.map_or(cov, |(a, b)| (a.min(cov.0), b.max(cov.1)));
            let mut b = serde_json::to_vec_pretty(&merged)?;
            b.push(b'\n');
            if old.as_deref() != Some(&b[..]) {
                write_atomic(&cpath, &b)?;
            }
        }
        let df = &df;
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
        let cpath = store.join(source).join("columns.json");
        let old = std::fs::read(&cpath).ok();
        let mut present: BTreeSet<String> = match &old {
            Some(b) => {
                serde_json::from_slice(b).with_context(|| format!("reading {}", cpath.display()))?
            }
            None => BTreeSet::new(),
        };
        present.extend(data.present.iter().map(|s| s.to_string()));
        let mut b = serde_json::to_vec_pretty(&present)?;
        b.push(b'\n');
        if old.as_deref() != Some(&b[..]) {
            write_atomic(&cpath, &b)?;
        }
    }
    Ok(changes)
}

/// Read the whole store back as a dataset (every partition of every
/// source), as the reports use it. The manifest lists each partition with
/// its SHA-256.
pub fn load(store: &Path) -> Result<Dataset> {
    let mut ds = Dataset::default();
    if !store.is_dir() {
        anyhow::bail!(
            "store {} not found (run `hokoku ingest` first)",
            store.display()
        );
    }
    for src in ingest::SOURCES {
        let name = src.spec.name;
        let dir = store.join(name);
        let mut parts: Vec<PathBuf> = match std::fs::read_dir(&dir) {
            Ok(rd) => rd
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "parquet"))
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
                sha256: hex(&Sha256::digest(&bytes)),
                bytes: bytes.len() as u64,
                encoding: "parquet",
                format: "store".into(),
                matched_by: String::new(),
                rows: df.height(),
                accepted: df.height(),
                rejected: 0,
                skipped: 0,
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
        let names: Vec<String> = std::fs::read(dir.join("files.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        let offset = ds.inputs.len() as u32;
        ds.inputs.extend(names);
        let ids: UInt32Chunked = df
            .column(ingest::typing::FILE_COL)?
            .u32()?
            .apply_values(|i| i + offset);
        df.with_column(ids.with_name(ingest::typing::FILE_COL.into()).into_column())?;
        let declared: Vec<(i64, i64)> = std::fs::read(dir.join("coverage.json"))
            .ok()
            .and_then(|b| serde_json::from_slice::<(i64, i64)>(&b).ok())
            .into_iter()
            .collect();
        if let Some(fin) = src.finish.filter(|_| name == "tickets") {
            df = fin(df)?; // a ticket whose opened_at moved month: newest wins
        }
        let present_names: BTreeSet<String> = std::fs::read(dir.join("columns.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        let present = src
            .spec
            .columns
            .iter()
            .map(|c| c.name)
            .filter(|c| present_names.contains(*c))
            .collect();
        ds.sources
            .insert(name, SourceData::new(df, present, src.spec, &declared)?);
    }
    Ok(ds)
}
