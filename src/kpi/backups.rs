//! Backup figures (kpis.md "Backups"): expected (target × date from config)
//! against what ran. A (target, date) is success if a success record started
//! that date, failed if only failed/partial records, running if only running
//! records, missing if none. Records for targets or dates not expected are
//! listed as unexpected, not counted.

use super::{pct, Figures};
use crate::config::Schedule;
use crate::frame;
use crate::ingest::SourceData;
use crate::time::{ms_to_dt, Period};
use chrono::NaiveDate;
use polars::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// Outcome of one expected backup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failed,
    Running,
    Missing,
}

/// One expected (target, date) that did not succeed, or an unexpected run.
#[derive(Debug, Clone, PartialEq)]
pub struct BackupLine {
    pub target: String,
    pub date: NaiveDate,
    /// `None` for an unexpected run.
    pub outcome: Option<Outcome>,
    /// Status of the records seen (failed, partial, …).
    pub statuses: Vec<String>,
    pub started_at: Option<i64>,
}

impl BackupLine {
    /// Outcome code for labels: success, failed, running, missing or
    /// unexpected (a run nobody expected).
    pub fn outcome_code(&self) -> &'static str {
        match self.outcome {
            Some(Outcome::Failed) => "failed",
            Some(Outcome::Missing) => "missing",
            Some(Outcome::Running) => "running",
            Some(Outcome::Success) => "success",
            None => "unexpected",
        }
    }
}

/// Backup results for a period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BackupKpis {
    /// Figures under `backups.*`.
    pub figures: Figures,
    /// Failed, missing and running expected backups (None = データなし).
    pub problems: Option<Vec<BackupLine>>,
    /// Unexpected runs.
    pub unexpected: Option<Vec<BackupLine>>,
}

/// Compute backup figures for the expected `(target, schedule)` list.
pub fn compute(
    src: Option<&SourceData>,
    p: Period,
    expected: &[(String, Schedule)],
    rule: Option<&crate::calendar::BusinessDays>,
) -> anyhow::Result<BackupKpis> {
    let mut out = BackupKpis::default();
    let mut due: Vec<(String, NaiveDate)> = Vec::new();
    for d in p.first.iter_days().take_while(|d| *d < p.end_day) {
        for (t, s) in expected {
            if s.due_on(d, rule)
                .map_err(|e| anyhow::anyhow!("expected backup {t} ({d}): {e}"))?
            {
                due.push((t.clone(), d));
            }
        }
    }
    let f = &mut out.figures;
    f.count("backups.expected", Some(due.len()));
    let Some(s) = src.filter(|s| s.covers(p.start_ms(), p.end_ms())) else {
        for k in [
            "success",
            "failed",
            "missing",
            "running",
            "success_pct",
            "unexpected",
        ] {
            f.set(format!("backups.{k}"), None);
        }
        return Ok(out);
    };
    let df = s
        .frame
        .clone()
        .lazy()
        .filter(super::within("started_at", p.start_ms(), p.end_ms()))
        .sort(["started_at"], Default::default())
        .collect()?;
    let (targets, starts, statuses) = (
        frame::strs(&df, "target")?,
        frame::i64s(&df, "started_at")?,
        frame::strs(&df, "status")?,
    );
    // (target, date) → [(status, start)]
    let mut seen: BTreeMap<(String, NaiveDate), Vec<(String, i64)>> = BTreeMap::new();
    for i in 0..df.height() {
        let (Some(t), Some(st)) = (&targets[i], starts[i]) else {
            continue;
        };
        seen.entry((t.clone(), ms_to_dt(st).date()))
            .or_default()
            .push((statuses[i].clone().unwrap_or_default(), st));
    }
    let (mut ok, mut failed, mut missing, mut running) = (0, 0, 0, 0);
    let mut problems = Vec::new();
    let due_set: BTreeSet<(String, NaiveDate)> = due.iter().cloned().collect();
    for (t, d) in &due {
        let recs = seen.get(&(t.clone(), *d));
        let has = |st: &str| recs.is_some_and(|r| r.iter().any(|(s, _)| s == st));
        let outcome = if has("success") {
            Outcome::Success
        } else if has("failed") || has("partial") {
            Outcome::Failed
        } else if has("running") {
            Outcome::Running
        } else {
            Outcome::Missing
        };
        match outcome {
            Outcome::Success => ok += 1,
            Outcome::Failed => failed += 1,
            Outcome::Running => running += 1,
            Outcome::Missing => missing += 1,
        }
        if outcome != Outcome::Success {
            problems.push(BackupLine {
                target: t.clone(),
                date: *d,
                outcome: Some(outcome),
                statuses: recs
                    .map(|r| r.iter().map(|x| x.0.clone()).collect())
                    .unwrap_or_default(),
                started_at: recs.and_then(|r| r.first().map(|x| x.1)),
            });
        }
    }
    let unexpected: Vec<BackupLine> = seen
        .iter()
        .filter(|(k, _)| !due_set.contains(*k))
        .map(|((t, d), recs)| BackupLine {
            target: t.clone(),
            date: *d,
            outcome: None,
            statuses: recs.iter().map(|x| x.0.clone()).collect(),
            started_at: recs.first().map(|x| x.1),
        })
        .collect();
    f.count("backups.success", Some(ok));
    f.count("backups.failed", Some(failed));
    f.count("backups.missing", Some(missing));
    f.count("backups.running", Some(running));
    f.measured("backups.success_pct", pct(ok, due.len()));
    f.count("backups.unexpected", Some(unexpected.len()));
    out.problems = Some(problems);
    out.unexpected = Some(unexpected);
    Ok(out)
}
