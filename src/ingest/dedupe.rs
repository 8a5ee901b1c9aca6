//! Natural keys: one row per thing that happened, whichever files repeat it.
//!
//! The same job run, sample, backup or call can come in twice (two exports
//! that overlap, a file copied under two names, a re-export that corrects
//! rows). Every source but tickets keeps one row per natural key, the last
//! one read winning (later file, later line; in the history store, the
//! newer ingest), and each row it replaces is flagged with its file and
//! line and the row that replaced it. The keys cannot merge distinct
//! events: a job run is its job, jobnet, host, scheduled and start time and
//! attempt.
//!
//! Tickets are snapshots, handled by [`super::tickets::finish`] (the newest
//! `updated_at` wins); a ticket listed twice in one file is flagged here.

use super::typing::{FILE_COL, LINE_COL};
use crate::problem::Problem;
use polars::prelude::*;
use std::collections::{BTreeMap, HashMap};

/// A flag on a row of the dataset: where it is and what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct RowFlag {
    /// Index into [`super::Dataset::inputs`].
    pub file: Option<u32>,
    /// Physical line.
    pub line: Option<u32>,
    /// The canonical column it is about.
    pub column: String,
    pub problem: Problem,
}

/// The natural key of a source (empty: no key, every row is kept).
pub fn natural_key(source: &str) -> &'static [&'static str] {
    match source {
        "job_runs" => &[
            "job_name",
            "jobnet",
            "host",
            "scheduled_at",
            "started_at",
            "attempt",
        ],
        "capacity" => &["host", "metric", "resource", "sampled_at"],
        "calls" => &["call_id"],
        "backups" => &["backup_id", "target", "started_at"],
        "ticket_status_history" => &["ticket_id", "changed_at", "to_status"],
        _ => &[],
    }
}

/// The key columns of `df` rows are compared on, with the frame to compare
/// (backups: the `backup_id` when there is one, else target and start).
fn key_frame(source: &str, df: &DataFrame) -> PolarsResult<(Vec<&'static str>, DataFrame)> {
    if source == "backups" {
        let ids = crate::frame::strs(df, "backup_id")?;
        let targets = crate::frame::strs(df, "target")?;
        let starts = crate::frame::i64s(df, "started_at")?;
        let key: StringChunked = (0..df.height())
            .map(|i| {
                Some(match &ids[i] {
                    Some(id) => format!("backup_id={id}"),
                    None => format!(
                        "target={} started_at={}",
                        targets[i].as_deref().unwrap_or(""),
                        starts[i].map_or_else(String::new, |t| {
                            crate::time::ms_to_dt(t)
                                .format("%Y-%m-%d %H:%M:%S%.3f")
                                .to_string()
                        })
                    ),
                })
            })
            .collect();
        let k = DataFrame::new(df.height(), vec![key.with_name("key".into()).into_column()])?;
        return Ok((vec!["backup_id"], k));
    }
    let keys = natural_key(source).to_vec();
    let k = df.select(keys.iter().copied())?;
    Ok((keys, k))
}

/// The rows kept, one per natural key, and what became of the others.
pub struct Deduped {
    pub frame: DataFrame,
    /// A flag for each row replaced by a different one (`superseded`) and
    /// for each row one file repeats unchanged (`repeated_row`).
    pub flags: Vec<RowFlag>,
    /// By input file index: rows that repeat, unchanged, a row of another
    /// file (overlapping exports, the same file read twice) — counted once,
    /// and counted in the manifest.
    pub repeats: BTreeMap<u32, usize>,
}

impl Deduped {
    fn unchanged(frame: DataFrame) -> Deduped {
        Deduped {
            frame,
            flags: Vec::new(),
            repeats: BTreeMap::new(),
        }
    }
}

/// One row per natural key (the last one wins): see [`Deduped`] for what is
/// said about the others. Rows must be in reading order.
pub fn dedupe(source: &str, df: DataFrame, inputs: &[String]) -> PolarsResult<Deduped> {
    if natural_key(source).is_empty() || df.height() < 2 {
        return Ok(Deduped::unchanged(df));
    }
    let (keys, kf) = key_frame(source, &df)?;
    let dup = kf.is_duplicated()?;
    if !dup.any() {
        return Ok(Deduped::unchanged(df));
    }
    // The few duplicated rows: their key as text, where they are.
    let rows: Vec<IdxSize> = dup
        .iter()
        .enumerate()
        .filter(|(_, d)| d.unwrap_or(false))
        .map(|(i, _)| i as IdxSize)
        .collect();
    let idx = IdxCa::from_vec("idx".into(), rows.clone());
    let sub = df.take(&idx)?;
    let ksub = kf.take(&idx)?;
    let names: Vec<String> = ksub
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    let texts: Vec<Vec<String>> = names
        .iter()
        .map(|k| {
            let c = ksub.column(k)?;
            let c = if matches!(c.dtype(), DataType::Datetime(_, _)) {
                c.cast(&DataType::Int64)?
                    .i64()?
                    .iter()
                    .map(|v| {
                        v.map_or_else(String::new, |t| {
                            crate::time::ms_to_dt(t)
                                .format("%Y-%m-%d %H:%M:%S%.3f")
                                .to_string()
                        })
                    })
                    .collect()
            } else {
                c.cast(&DataType::String)?
                    .str()?
                    .iter()
                    .map(|v| v.unwrap_or("").to_string())
                    .collect()
            };
            Ok(c)
        })
        .collect::<PolarsResult<_>>()?;
    let files = crate::frame::u32s(&sub, FILE_COL)?;
    let lines = crate::frame::u32s(&sub, LINE_COL)?;
    // The content of each duplicated row (everything but where it came
    // from): a row seen again unchanged is no news; a changed one is.
    let content: Vec<String> = {
        let cols: Vec<Vec<String>> = sub
            .columns()
            .iter()
            .filter(|c| c.name() != FILE_COL && c.name() != LINE_COL)
            .map(|c| {
                let c = c.cast(&DataType::String)?;
                Ok(c.str()?
                    .iter()
                    .map(|v| v.map_or("\u{0}".to_string(), str::to_string))
                    .collect())
            })
            .collect::<PolarsResult<_>>()?;
        (0..sub.height())
            .map(|i| {
                cols.iter()
                    .map(|c| c[i].as_str())
                    .collect::<Vec<_>>()
                    .join("\u{1f}")
            })
            .collect()
    };
    let key_text = |i: usize| -> String {
        if source == "backups" {
            return texts[0][i].clone();
        }
        names
            .iter()
            .zip(&texts)
            .filter(|(_, t)| !t[i].is_empty())
            .map(|(k, t)| format!("{k}={}", t[i]))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut last: HashMap<String, usize> = HashMap::new();
    // The next row with the same key in the same file, for each row.
    let mut next_in_file: Vec<Option<usize>> = vec![None; rows.len()];
    let mut seen_in_file: HashMap<(String, Option<u32>), usize> = HashMap::new();
    for i in (0..rows.len()).rev() {
        let k = key_text(i);
        next_in_file[i] = seen_in_file.insert((k.clone(), files[i]), i);
    }
    for i in 0..rows.len() {
        last.insert(key_text(i), i);
    }
    let mut drop = vec![false; df.height()];
    let mut flags = Vec::new();
    let mut repeats: BTreeMap<u32, usize> = BTreeMap::new();
    for i in 0..rows.len() {
        let k = key_text(i);
        let w = last[&k];
        if w == i {
            continue;
        }
        drop[rows[i] as usize] = true;
        // One export listing the same row again, unchanged: counted once,
        // and said so (a careless export, or two events the key cannot
        // tell apart), naming the next copy.
        if let Some(j) = next_in_file[i].filter(|&j| content[j] == content[i]) {
            flags.push(RowFlag {
                file: files[i],
                line: lines[i],
                column: keys[0].to_string(),
                problem: Problem::new("repeated_row", [k, lines[j].unwrap_or(0).to_string()]),
            });
            continue;
        }
        if content[i] == content[w] {
            // The same row read again from another file (overlapping
            // exports): no news, counted in the manifest.
            if let Some(f) = files[i] {
                *repeats.entry(f).or_default() += 1;
            }
            continue;
        }
        let winner = format!(
            "{}:{}",
            files[w]
                .and_then(|f| inputs.get(f as usize))
                .map_or("", String::as_str),
            lines[w].unwrap_or(0)
        );
        flags.push(RowFlag {
            file: files[i],
            line: lines[i],
            column: keys[0].to_string(),
            problem: Problem::new("superseded", [k, winner]),
        });
    }
    let keep: BooleanChunked = drop.iter().map(|d| !d).collect();
    Ok(Deduped {
        frame: df.filter(&keep)?,
        flags,
        repeats,
    })
}

/// Tickets listed more than once in one file (a snapshot lists each ticket
/// once): each repeat is flagged; the newest `updated_at` still wins.
pub fn ticket_repeats(df: &DataFrame) -> PolarsResult<Vec<RowFlag>> {
    if df.height() < 2 {
        return Ok(Vec::new());
    }
    let dup = df.select(["ticket_id", FILE_COL])?.is_duplicated()?;
    if !dup.any() {
        return Ok(Vec::new());
    }
    let ids = crate::frame::strs(df, "ticket_id")?;
    let files = crate::frame::u32s(df, FILE_COL)?;
    let lines = crate::frame::u32s(df, LINE_COL)?;
    let mut first: HashMap<(String, Option<u32>), Option<u32>> = HashMap::new();
    let mut out = Vec::new();
    for (i, d) in dup.iter().enumerate() {
        if !d.unwrap_or(false) {
            continue;
        }
        let id = ids[i].clone().unwrap_or_default();
        match first.get(&(id.clone(), files[i])) {
            None => {
                first.insert((id, files[i]), lines[i]);
            }
            Some(l) => out.push(RowFlag {
                file: files[i],
                line: lines[i],
                column: "ticket_id".into(),
                problem: Problem::new(
                    "duplicate_key",
                    [format!("ticket_id={id}"), l.map_or(0, |x| x).to_string()],
                ),
            }),
        }
    }
    Ok(out)
}
