//! Batch job figures (kpis.md "Batch jobs"): instances, runs, reruns,
//! first-run and final success, failed instances, late instances.
//!
//! A job instance is (job_name, scheduled_at) when scheduled_at is given;
//! otherwise each attempt-1 row starts an instance and later attempts of the
//! same job attach to the newest instance started before them. A row without
//! `attempt` counts as attempt 1. Skipped rows are not runs. An instance
//! belongs to the period of its scheduled_at (else its first start).
//!
//! Duration anomaly: an instance whose final attempt succeeded and ran more
//! than 1.5 × the p95 (nearest-rank) of that job's successful attempt
//! durations that started in the 30 days before it. At least
//! [`ANOMALY_MIN_HISTORY`] earlier successful runs are needed; with fewer the
//! instance is not assessed. `jobs.late` is データなし when neither the data
//! (a `deadline` column) nor the config gives deadlines; otherwise it is a
//! count (0 in a period without instances), judged on `jobs.with_deadline`
//! instances. `jobs.duration_anomalies` is データなし when instances exist
//! but none could be assessed. Reruns and first-run success need the
//! `attempt` or `scheduled_at` column.

use super::{pct, Figures};
use crate::config::DeadlineRule;
use crate::frame;
use crate::ingest::SourceData;
use crate::time::{ms_to_dt, Period, MS_PER_MIN};
use chrono::Duration;
use polars::prelude::*;
use std::collections::{BTreeMap, HashMap};

/// One job instance with its attempts.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    pub job_name: String,
    pub jobnet: Option<String>,
    pub scheduled_at: Option<i64>,
    pub first_started_at: i64,
    pub ended_at: Option<i64>,
    pub first_status: String,
    pub final_status: String,
    pub attempts: usize,
    pub deadline: Option<i64>,
    pub late: bool,
    /// Duration of the final attempt in minutes.
    pub duration_min: Option<f64>,
    /// p95 of the job's successful durations in the previous 30 days.
    pub baseline_p95_min: Option<f64>,
    /// Duration > 1.5 × baseline p95.
    pub anomaly: bool,
}

/// Earlier successful runs needed before a duration is judged.
pub const ANOMALY_MIN_HISTORY: usize = 5;

impl Instance {
    /// Final status is success or warning.
    pub fn succeeded(&self) -> bool {
        ok(&self.final_status)
    }
    /// Final status is failed or killed.
    pub fn failed(&self) -> bool {
        matches!(self.final_status.as_str(), "failed" | "killed")
    }
}

fn ok(s: &str) -> bool {
    matches!(s, "success" | "warning")
}

/// Job results for a period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobKpis {
    /// Figures under `jobs.*`.
    pub figures: Figures,
    /// Instances that failed or were late (None = データなし).
    pub problems: Option<Vec<Instance>>,
}

const KEYS: [&str; 9] = [
    "instances",
    "runs",
    "reruns",
    "first_run_success_pct",
    "final_success_pct",
    "failed_instances",
    "late",
    "with_deadline",
    "duration_anomalies",
];

struct Row {
    job: String,
    jobnet: Option<String>,
    sched: Option<i64>,
    start: i64,
    end: Option<i64>,
    status: String,
    attempt: i64,
    deadline: Option<i64>,
}

/// Compute job figures. `deadlines` maps job names to configured deadlines.
pub fn compute(
    src: Option<&SourceData>,
    p: Period,
    deadlines: &BTreeMap<String, DeadlineRule>,
) -> PolarsResult<JobKpis> {
    let mut out = JobKpis::default();
    let Some(s) = src.filter(|s| s.covers(p.start_ms(), p.end_ms())) else {
        for k in KEYS {
            out.figures.set(format!("jobs.{k}"), None);
        }
        return Ok(out);
    };
    let df = s
        .frame
        .clone()
        .lazy()
        .filter(col("status").neq(lit("skipped")))
        .sort(["started_at"], Default::default())
        .collect()?;
    let (jobs, nets) = (frame::strs(&df, "job_name")?, frame::strs(&df, "jobnet")?);
    let (sched, start, end) = (
        frame::i64s(&df, "scheduled_at")?,
        frame::i64s(&df, "started_at")?,
        frame::i64s(&df, "ended_at")?,
    );
    let (status, attempt, deadline) = (
        frame::strs(&df, "status")?,
        frame::i64s(&df, "attempt")?,
        frame::i64s(&df, "deadline")?,
    );
    let rows: Vec<Row> = (0..df.height())
        .map(|i| Row {
            job: jobs[i].clone().unwrap_or_default(),
            jobnet: nets[i].clone(),
            sched: sched[i],
            start: start[i].unwrap_or(0),
            end: end[i],
            status: status[i].clone().unwrap_or_default(),
            attempt: attempt[i].unwrap_or(1),
            deadline: deadline[i],
        })
        .collect();

    // Group attempts into instances (rows are in start order).
    let mut instances: Vec<Vec<usize>> = Vec::new();
    let mut by_sched: HashMap<(&str, i64), usize> = HashMap::new();
    let mut newest: HashMap<&str, usize> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        let slot = if let Some(t) = r.sched {
            let slot = *by_sched.entry((r.job.as_str(), t)).or_insert_with(|| {
                instances.push(Vec::new());
                instances.len() - 1
            });
            // A later rerun without a scheduled time attaches to the newest
            // instance started before it, scheduled or not.
            newest.insert(r.job.as_str(), slot);
            slot
        } else if r.attempt <= 1 || !newest.contains_key(r.job.as_str()) {
            // An orphan rerun (no earlier attempt in the data) starts its own
            // instance rather than being lost.
            instances.push(Vec::new());
            newest.insert(r.job.as_str(), instances.len() - 1);
            instances.len() - 1
        } else {
            newest[r.job.as_str()]
        };
        instances[slot].push(i);
    }

    // Successful attempt durations per job, in start order.
    let mut ok_runs: HashMap<&str, Vec<(i64, f64)>> = HashMap::new();
    for r in &rows {
        if let (true, Some(e)) = (ok(&r.status), r.end) {
            ok_runs
                .entry(r.job.as_str())
                .or_default()
                .push((r.start, (e - r.start) as f64 / MS_PER_MIN as f64));
        }
    }
    let baseline = |job: &str, before: i64| -> Option<f64> {
        let runs = ok_runs.get(job)?;
        let lo = runs.partition_point(|x| x.0 < before - 30 * 86_400_000);
        let hi = runs.partition_point(|x| x.0 < before);
        if hi - lo < ANOMALY_MIN_HISTORY {
            return None;
        }
        let mut d: Vec<f64> = runs[lo..hi].iter().map(|x| x.1).collect();
        d.sort_by(f64::total_cmp);
        super::nearest_rank(&d, 0.95)
    };
    let (pstart, pend) = (p.start_ms(), p.end_ms());
    let mut anomalies = 0;
    let (mut with_deadline, mut assessed) = (0, 0);
    let mut list = Vec::new();
    let (mut n_inst, mut runs, mut reruns, mut first_ok, mut final_ok, mut failed, mut late) =
        (0, 0, 0, 0, 0, 0, 0);
    for idx in &instances {
        let first = &rows[idx[0]];
        let key_time = first.sched.unwrap_or(first.start);
        if !(pstart..pend).contains(&key_time) {
            continue;
        }
        let last = &rows[*idx.last().expect("non-empty")];
        let first_attempt = idx
            .iter()
            .map(|&i| &rows[i])
            .min_by_key(|r| (r.attempt, r.start))
            .expect("non-empty");
        let dl = idx.iter().find_map(|&i| rows[i].deadline).or_else(|| {
            deadlines.get(&first.job).map(|rule| {
                let day = ms_to_dt(key_time).date() + Duration::days(rule.day_offset);
                crate::time::day_start_ms(day) + rule.minute_of_day * MS_PER_MIN
            })
        });
        let is_late = match (dl, last.end) {
            (Some(d), Some(e)) => e > d,
            (Some(d), None) => last.status == "running" && pend > d,
            _ => false,
        };
        let duration_min = last
            .end
            .filter(|_| ok(&last.status))
            .map(|e| (e - last.start) as f64 / MS_PER_MIN as f64);
        let baseline_p95_min = duration_min.and_then(|_| baseline(&first.job, last.start));
        let anomaly = matches!((duration_min, baseline_p95_min), (Some(d), Some(b)) if d > 1.5 * b);
        anomalies += usize::from(anomaly);
        assessed += usize::from(baseline_p95_min.is_some());
        with_deadline += usize::from(dl.is_some());
        let inst = Instance {
            duration_min,
            baseline_p95_min,
            anomaly,
            job_name: first.job.clone(),
            jobnet: first.jobnet.clone(),
            scheduled_at: first.sched,
            first_started_at: first.start,
            ended_at: last.end,
            first_status: first_attempt.status.clone(),
            final_status: last.status.clone(),
            attempts: idx.len(),
            deadline: dl,
            late: is_late,
        };
        n_inst += 1;
        runs += idx.len();
        reruns += if s.present.contains("attempt") {
            idx.iter().filter(|&&i| rows[i].attempt > 1).count()
        } else {
            idx.len() - 1 // attempts grouped by scheduled_at: all but the first
        };
        first_ok += usize::from(ok(&inst.first_status));
        final_ok += usize::from(inst.succeeded());
        failed += usize::from(inst.failed());
        late += usize::from(is_late);
        if !inst.succeeded() || is_late || idx.len() > 1 || anomaly {
            list.push(inst);
        }
    }
    let f = &mut out.figures;
    // Which attempt is a rerun needs the attempt column, or scheduled_at to
    // group attempts: without both, reruns and first-run success are
    // データなし (every row would look like a first run).
    let attempts_known = s.present.contains("attempt") || s.present.contains("scheduled_at");
    f.count("jobs.instances", Some(n_inst));
    f.count("jobs.runs", Some(runs));
    f.count("jobs.reruns", attempts_known.then_some(reruns));
    if attempts_known {
        f.measured("jobs.first_run_success_pct", pct(first_ok, n_inst));
    } else {
        f.set("jobs.first_run_success_pct", None);
    }
    f.measured("jobs.final_success_pct", pct(final_ok, n_inst));
    f.count("jobs.failed_instances", Some(failed));
    // Lateness needs a deadline (the column or the config): without either
    // it is データなし; with one, a period with no instances has 0 late, and
    // `jobs.with_deadline` is the population the count is judged on.
    let deadlines_known = s.present.contains("deadline") || !deadlines.is_empty();
    f.count("jobs.late", deadlines_known.then_some(late));
    f.count(
        "jobs.with_deadline",
        deadlines_known.then_some(with_deadline),
    );
    // Anomalies need 30 days of history: none assessable → データなし,
    // unless there was nothing to assess.
    f.count(
        "jobs.duration_anomalies",
        (assessed > 0 || n_inst == 0).then_some(anomalies),
    );
    out.problems = Some(list);
    Ok(out)
}
