//! The scheduler: which runs are due, and one run of a job from lock to
//! alert. `hokoku serve`, `hokoku serve --once` (for a systemd timer) and
//! `hokoku run` all go through [`run_job`], which produces reports only
//! through [`crate::run`].
//!
//! A run:
//! 1. takes the job's lock (another run of the same job, in any process,
//!    means this one is skipped);
//! 2. skips a scheduled run the history already has as ended;
//! 3. records itself as `running` in the history;
//! 4. waits for its inputs (readiness) up to `inputs.wait_minutes`;
//! 5. tries up to `retry.attempts` times with doubling waits: every report
//!    of the run is built in memory first and written only when all of them
//!    succeeded, so a failed run leaves the previous outputs untouched;
//! 6. records the end; after the last failed try, sends the alert.

pub mod alert;
pub mod clock;
pub mod daemon;
pub mod history;
pub mod lock;
pub mod readiness;

use crate::config::Config;
use crate::jobs::{self, periods_label, Job, JobPeriod, OnTimeout, Occurrence, Task};
use crate::run::{self, ReportRequest};
use anyhow::{bail, Context, Result};
use chrono::{Duration, NaiveDateTime};
use clock::{Cancel, Clock};
use history::{History, Status};
use readiness::Readiness;
use std::path::{Path, PathBuf};

/// The job definitions and the configuration a scheduler runs with.
pub struct Setup {
    pub jobs_dir: PathBuf,
    pub config_dir: PathBuf,
    pub templates_dir: PathBuf,
    pub jobs: Vec<Job>,
    pub cfg: Config,
}

impl Setup {
    /// Load jobs, configuration and templates; every problem at once. The
    /// daemon refuses to start on any of them (fail closed).
    pub fn load(jobs_dir: &Path, config_dir: &Path, templates_dir: &Path) -> Result<Setup> {
        let (cfg, _) = run::load_setup(config_dir, templates_dir)?;
        let jobs = jobs::load(jobs_dir).map_err(|e| anyhow::anyhow!("job definitions:\n  {}", e.join("\n  ")))?;
        if cfg.calendars.rule.is_none() && jobs.iter().any(|j| j.business_day.is_some() || j.business_days_only || j.after_period) {
            bail!("a job has a business-day rule but the holiday list could not be loaded");
        }
        Ok(Setup { jobs_dir: jobs_dir.to_path_buf(), config_dir: config_dir.to_path_buf(), templates_dir: templates_dir.to_path_buf(), jobs, cfg })
    }

    /// A job by id.
    pub fn job(&self, id: &str) -> Result<&Job> {
        self.jobs.iter().find(|j| j.id == id).with_context(|| {
            let ids: Vec<&str> = self.jobs.iter().map(|j| j.id.as_str()).collect();
            format!("no job {id:?} in {} (jobs: {})", self.jobs_dir.display(), ids.join(", "))
        })
    }

    /// The history and locks folder.
    pub fn state_dir(&self) -> &Path {
        &self.cfg.site.scheduler.state_dir
    }

    /// The next `n` runs of `job` after `now`.
    pub fn next_runs(&self, job: &Job, now: NaiveDateTime, n: usize) -> Result<Vec<Occurrence>> {
        let mut out = Vec::new();
        let mut from = now;
        // Look ahead month by month (a 第N営業日 job runs once a month).
        for _ in 0..26 {
            let until = from + Duration::days(31);
            out.extend(job.occurrences(from, until, self.cfg.calendars.rule.as_ref()).map_err(anyhow::Error::msg)?);
            if out.len() >= n {
                break;
            }
            from = until;
        }
        out.truncate(n);
        Ok(out)
    }
}

/// Why a run was started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// At its scheduled time.
    Schedule,
    /// Missed while the daemon was down, run on start.
    CatchUp,
    /// `hokoku run`.
    Manual,
}

impl Trigger {
    pub fn as_str(&self) -> &'static str {
        match self {
            Trigger::Schedule => "schedule",
            Trigger::CatchUp => "catch-up",
            Trigger::Manual => "manual",
        }
    }
}

/// One run to make.
#[derive(Debug, Clone)]
pub struct RunSpec {
    pub job: String,
    /// The scheduled time; `None` for `hokoku run`.
    pub at: Option<NaiveDateTime>,
    pub periods: Vec<JobPeriod>,
    pub trigger: Trigger,
}

/// How a call to [`run_job`] ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Ended; see the history row.
    Ran { id: i64, status: Status, outputs: Vec<PathBuf>, error: Option<String> },
    /// Another run of the job holds its lock.
    Busy,
    /// The history already has this scheduled run as ended.
    AlreadyDone,
}

/// What a run needs besides the job.
pub struct Ctx<'a> {
    pub setup: &'a Setup,
    pub clock: &'a dyn Clock,
    pub cancel: &'a Cancel,
}

/// How often readiness is checked while waiting.
const READY_POLL: std::time::Duration = std::time::Duration::from_secs(30);

/// Make one run of a job (see the module documentation).
pub fn run_job(ctx: &Ctx, spec: &RunSpec) -> Result<Outcome> {
    let job = ctx.setup.job(&spec.job)?;
    let state = ctx.setup.state_dir();
    let Some(_lock) = lock::try_lock(state, &job.id)? else {
        tracing::info!(job = %job.id, "already running elsewhere; skipped");
        return Ok(Outcome::Busy);
    };
    let history = History::open(state)?;
    let now = ctx.clock.now_jst();
    let stale = history.interrupt_stale(&job.id, now)?;
    if stale > 0 {
        tracing::warn!(job = %job.id, runs = stale, "an earlier run ended without finishing (crash or kill); marked interrupted");
    }
    if let Some(at) = spec.at {
        if history.settled(&job.id, at)? {
            return Ok(Outcome::AlreadyDone);
        }
    }
    let periods = periods_label(&spec.periods);
    let id = history.begin(&job.id, spec.at, &periods, spec.trigger.as_str(), now)?;
    let span = tracing::info_span!("run", job = %job.id, period = %periods, run = id);
    let _enter = span.enter();
    tracing::info!(trigger = spec.trigger.as_str(), scheduled = ?spec.at, "run started");

    let finish = |status: Status, outputs: &[PathBuf], error: Option<String>| -> Result<Outcome> {
        history.finish(id, status, outputs, error.as_deref(), ctx.clock.now_jst())?;
        match status {
            Status::Failed => tracing::error!(error = error.as_deref().unwrap_or(""), "run failed"),
            Status::Interrupted => tracing::warn!(error = error.as_deref().unwrap_or(""), "run interrupted; nothing written"),
            Status::Warning => tracing::warn!(outputs = outputs.len(), note = error.as_deref().unwrap_or(""), "run ended with warnings"),
            _ => tracing::info!(status = status.as_str(), outputs = outputs.len(), "run ended"),
        }
        if status == Status::Failed {
            let msg = alert::AlertMessage {
                job: job.id.clone(),
                title: job.title.clone(),
                periods: periods.clone(),
                scheduled_at: spec.at.map_or_else(|| "manual".to_string(), |t| t.format("%Y-%m-%d %H:%M").to_string()),
                attempts: history.get(id)?.map_or(0, |r| r.attempts),
                error: error.clone().unwrap_or_default(),
            };
            let spec = job.alert.as_ref().unwrap_or(&ctx.setup.cfg.site.alert);
            for p in alert::send(spec, ctx.setup.cfg.site.smtp.as_ref(), &msg) {
                tracing::error!("{p}");
                history.append_error(id, &format!("alert: {p}"))?;
            }
        }
        Ok(Outcome::Ran { id, status, outputs: outputs.to_vec(), error })
    };

    // Readiness.
    let mut proceed_note = None;
    if !job.inputs.ready.is_empty() {
        let deadline = ctx.clock.now() + Duration::minutes(i64::try_from(job.inputs.wait_minutes).unwrap_or(i64::MAX / 120_000));
        let settle = std::time::Duration::from_secs(job.inputs.settle_seconds);
        loop {
            match readiness::check(&job.inputs.dir, &job.inputs.ready, settle, ctx.clock.now().into()) {
                Readiness::Ready => break,
                Readiness::Waiting(why) => {
                    let left = deadline - ctx.clock.now();
                    if left <= Duration::zero() {
                        let e = format!("inputs not ready after {} minutes: {why}", job.inputs.wait_minutes);
                        if job.inputs.on_timeout == OnTimeout::Fail {
                            return finish(Status::Failed, &[], Some(e));
                        }
                        tracing::warn!("{e}; proceeding (on_timeout = \"proceed\"): missing sources are データなし");
                        proceed_note = Some(e);
                        break;
                    }
                    tracing::info!("waiting for inputs: {why}");
                    let nap = left.to_std().unwrap_or_default().min(READY_POLL);
                    if !ctx.clock.sleep(nap, ctx.cancel) {
                        return finish(Status::Interrupted, &[], Some(format!("stopped while waiting for inputs ({why})")));
                    }
                }
            }
        }
    }

    // Tries.
    let mut n = 0;
    loop {
        n += 1;
        history.set_attempt(id, n)?;
        match execute(ctx.setup, job, &spec.periods) {
            Ok((outputs, set_aside)) => {
                let status = if set_aside > 0 || proceed_note.is_some() { Status::Warning } else { Status::Succeeded };
                let mut note = Vec::new();
                if let Some(p) = &proceed_note {
                    note.push(p.clone());
                }
                if set_aside > 0 {
                    note.push(format!("{set_aside} input rows were set aside (see the .rejected.csv files)"));
                }
                return finish(status, &outputs, (!note.is_empty()).then(|| note.join("; ")));
            }
            Err(e) => {
                let e = format!("{e:#}");
                if n >= job.retry.attempts {
                    return finish(Status::Failed, &[], Some(e));
                }
                let wait = job.retry.wait_after(n);
                tracing::warn!(attempt = n, error = %e, "try failed; retrying in {} s", wait.as_secs());
                if !ctx.clock.sleep(wait, ctx.cancel) {
                    return finish(Status::Interrupted, &[], Some(format!("stopped while waiting to retry after: {e}")));
                }
            }
        }
    }
}

/// One try: every report built in memory, then all written. Returns the
/// files written and the rows set aside.
fn execute(setup: &Setup, job: &Job, periods: &[JobPeriod]) -> Result<(Vec<PathBuf>, usize)> {
    match job.task {
        Task::Ingest => {
            let store = job.inputs.store.as_ref().context("an ingest job needs inputs.store")?;
            let o = run::run_ingest(&job.inputs.dir, &setup.config_dir, &setup.templates_dir, store, job.inputs.strict)?;
            for c in &o.changes {
                tracing::info!("{c}");
            }
            Ok((vec![store.clone()], o.rejected_rows))
        }
        Task::Report => {
            let kinds = job.report_kinds(periods);
            if kinds.is_empty() {
                bail!("nothing to report for periods {}", periods_label(periods));
            }
            let mut planned = Vec::new();
            for kind in kinds {
                let req = ReportRequest {
                    kind,
                    inputs: job.inputs.dir.clone(),
                    config: setup.config_dir.clone(),
                    templates: setup.templates_dir.clone(),
                    out: job.outputs.dir.clone(),
                    strict: job.inputs.strict,
                    store: job.inputs.store.clone(),
                    jobs: setup.jobs_dir.clone(),
                    formats: job.outputs.formats,
                };
                let p = run::plan_report(&req).with_context(|| format!("{} {}", kind.code(), kind.period_id()))?;
                planned.push(p);
            }
            let mut outputs = Vec::new();
            let mut set_aside = 0;
            for p in planned {
                let o = p.commit()?;
                outputs.extend(o.outputs);
                set_aside += o.rejected_rows;
            }
            Ok((outputs, set_aside))
        }
    }
}

/// Grace after the scheduled time before a run counts as caught up.
const LATE: Duration = Duration::minutes(5);

/// Scheduled runs due at `now` that the history does not have as ended,
/// oldest first: those after the job was first seen and within
/// `catch_up_days`.
pub fn due(setup: &Setup, history: &History, now: NaiveDateTime) -> Result<Vec<Occurrence>> {
    let window = Duration::days(i64::from(setup.cfg.site.scheduler.catch_up_days));
    let mut out = Vec::new();
    for job in setup.jobs.iter().filter(|j| j.enabled) {
        let seen = history.first_seen(&job.id, now)?;
        let after = (now - window).max(seen - Duration::seconds(1));
        // Two seconds of slack: a cron trigger may wake us a moment early.
        for o in job.occurrences(after, now + Duration::seconds(2), setup.cfg.calendars.rule.as_ref()).map_err(anyhow::Error::msg)? {
            if !history.settled(&job.id, o.at)? {
                out.push(o);
            }
        }
    }
    out.sort_by(|a, b| (a.at, &a.job).cmp(&(b.at, &b.job)));
    Ok(out)
}

/// Run everything due now, oldest first; stop early when cancelled.
pub fn tick(ctx: &Ctx) -> Result<Vec<(Occurrence, Outcome)>> {
    let now = ctx.clock.now_jst();
    let due = due(ctx.setup, &History::open(ctx.setup.state_dir())?, now)?;
    let mut done = Vec::new();
    for o in due {
        if ctx.cancel.is_cancelled() {
            break;
        }
        let trigger = if ctx.clock.now_jst() - o.at > LATE { Trigger::CatchUp } else { Trigger::Schedule };
        let spec = RunSpec { job: o.job.clone(), at: Some(o.at), periods: o.periods.clone(), trigger };
        let outcome = run_job(ctx, &spec)?;
        done.push((o, outcome));
    }
    Ok(done)
}
