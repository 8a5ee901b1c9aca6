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

use crate::jobs::{self, periods_label, Job, Occurrence, OnTimeout, Task};
use crate::pipeline::{self, RunOptions};
use crate::time::CalPeriod;
use anyhow::{bail, Context, Result};
use chrono::{Datelike, Duration, NaiveDateTime};
use clock::{Cancel, Clock};
use history::{History, Status};
use readiness::Readiness;
use std::path::{Path, PathBuf};

/// The job definitions, with the configuration and templates every run of
/// them uses: read once when the scheduler starts (`serve` reads them
/// again when it is restarted; `serve --once` and `run` at every call).
pub struct Setup {
    /// What the pipeline runs with.
    pub base: pipeline::Setup,
    pub jobs: Vec<Job>,
}

impl std::ops::Deref for Setup {
    type Target = pipeline::Setup;
    fn deref(&self) -> &pipeline::Setup {
        &self.base
    }
}

impl Setup {
    /// Load jobs, configuration and templates; every problem at once. The
    /// daemon refuses to start on any of them (fail closed).
    pub fn load(jobs_dir: &Path, config_dir: &Path, templates_dir: &Path) -> Result<Setup> {
        let base = pipeline::Setup::load(config_dir, templates_dir, jobs_dir)?;
        let jobs = jobs::load(jobs_dir)
            .map_err(|e| anyhow::anyhow!("job definitions:\n  {}", e.join("\n  ")))?;
        // Fail closed: a job whose failure would reach nobody does not start.
        let problems = jobs::check_with_site(&jobs, &base.cfg);
        if !problems.is_empty() {
            bail!("job definitions:\n  {}", problems.join("\n  "));
        }
        Ok(Setup { base, jobs })
    }

    /// A job by id.
    pub fn job(&self, id: &str) -> Result<&Job> {
        self.jobs.iter().find(|j| j.id == id).with_context(|| {
            let ids: Vec<&str> = self.jobs.iter().map(|j| j.id.as_str()).collect();
            format!(
                "no job {id:?} in {} (jobs: {})",
                self.jobs_dir.display(),
                ids.join(", ")
            )
        })
    }

    /// The history and locks folder.
    pub fn state_dir(&self) -> &Path {
        &self.cfg.site.scheduler.state_dir
    }

    /// The next `n` runs of `job` after `now`, and, when the list stops
    /// early (the holiday list ends), why.
    pub fn next_runs(
        &self,
        job: &Job,
        now: NaiveDateTime,
        n: usize,
    ) -> (Vec<Occurrence>, Option<String>) {
        let mut out = Vec::new();
        let mut from = now;
        // Look ahead month by month (a 第N営業日 job runs once a month).
        for _ in 0..26 {
            let until = from + Duration::days(31);
            match job.occurrences(from, until, self.cfg.calendars.rule.as_ref()) {
                Ok(v) => out.extend(v),
                Err(e) => {
                    out.truncate(n);
                    return (
                        out,
                        Some(format!(
                            "the list stops after {}: {e}",
                            from.format("%Y-%m-%d")
                        )),
                    );
                }
            }
            if out.len() >= n {
                break;
            }
            from = until;
        }
        out.truncate(n);
        (out, None)
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
    pub periods: Vec<CalPeriod>,
    pub trigger: Trigger,
}

/// How a call to [`run_job`] ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Ended; see the history row.
    Ran {
        id: i64,
        status: Status,
        outputs: Vec<PathBuf>,
        error: Option<String>,
    },
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
    let mut run = Run {
        ctx,
        job,
        spec,
        history,
        id,
        periods,
        attempts: 0,
        alert_warning: false,
    };
    let proceed_note = match run.wait_for_inputs() {
        Ok(note) => note,
        Err(ended) => return ended,
    };
    run.tries(proceed_note)
}

/// One run in progress: its history row and what its alert will say.
struct Run<'a> {
    ctx: &'a Ctx<'a>,
    job: &'a Job,
    spec: &'a RunSpec,
    history: History,
    id: i64,
    periods: String,
    attempts: u32,
    /// A warning that a person must hear about (a source missing), not
    /// only a failure, is alerted.
    alert_warning: bool,
}

impl Run<'_> {
    /// End the run: log it, alert when it failed (or warned about a
    /// missing source), record it. The alert goes out before the history is
    /// written, and a history error does not stop it: a failure must reach
    /// a person even when the disk is full.
    fn finish(
        &self,
        status: Status,
        outputs: &[PathBuf],
        error: Option<String>,
    ) -> Result<Outcome> {
        match status {
            Status::Failed => tracing::error!(error = error.as_deref().unwrap_or(""), "run failed"),
            Status::Interrupted => tracing::warn!(
                error = error.as_deref().unwrap_or(""),
                "run interrupted; nothing written"
            ),
            Status::Warning => tracing::warn!(
                outputs = outputs.len(),
                note = error.as_deref().unwrap_or(""),
                "run ended with warnings"
            ),
            _ => tracing::info!(
                status = status.as_str(),
                outputs = outputs.len(),
                "run ended"
            ),
        }
        let mut alert_problems = Vec::new();
        if status == Status::Failed || (status == Status::Warning && self.alert_warning) {
            alert_problems = self.alert(status, error.as_deref().unwrap_or_default());
        }
        let mut text = error.clone();
        for p in &alert_problems {
            text = Some(format!(
                "{}alert: {p}",
                text.map_or(String::new(), |t| format!("{t}\n"))
            ));
        }
        self.history.finish(
            self.id,
            status,
            outputs,
            text.as_deref(),
            self.ctx.clock.now_jst(),
        )?;
        Ok(Outcome::Ran {
            id: self.id,
            status,
            outputs: outputs.to_vec(),
            error,
        })
    }

    /// Send the job's alert (or the site's); returns what went wrong.
    fn alert(&self, status: Status, error: &str) -> Vec<String> {
        let (job, setup) = (self.job, self.ctx.setup);
        let msg = alert::AlertMessage {
            severity: if status == Status::Failed {
                alert::Severity::Failed
            } else {
                alert::Severity::Warning
            },
            job: job.id.clone(),
            title: job.title.clone(),
            periods: self.periods.clone(),
            scheduled_at: self.spec.at.map_or_else(
                || "manual".to_string(),
                |t| t.format("%Y-%m-%d %H:%M").to_string(),
            ),
            attempts: self.attempts,
            error: error.to_string(),
        };
        let spec = job.alert.as_ref().unwrap_or(&setup.cfg.site.alert);
        let problems = alert::send(spec, setup.cfg.site.smtp.as_ref(), &msg);
        for p in &problems {
            tracing::error!("{p}");
        }
        problems
    }

    /// Readiness: wait for the inputs up to `inputs.wait_minutes` from the
    /// scheduled time. `Ok(note)` goes on (with a note when it proceeds
    /// without them); `Err` is the ended run.
    fn wait_for_inputs(&self) -> std::result::Result<Option<String>, Result<Outcome>> {
        let (ctx, job) = (self.ctx, self.job);
        if job.inputs.ready.is_empty() {
            return Ok(None);
        }
        // From the scheduled time (a manual run: from now), so a run caught
        // up long after its time checks once and does not wait again.
        let from = self
            .spec
            .at
            .map_or_else(|| ctx.clock.now(), clock::from_jst);
        let deadline = from
            + Duration::minutes(
                i64::try_from(job.inputs.wait_minutes).unwrap_or(i64::MAX / 120_000),
            );
        let settle = std::time::Duration::from_secs(job.inputs.settle_seconds);
        loop {
            let why = match readiness::check(
                &job.inputs.dir,
                &job.inputs.ready,
                settle,
                ctx.clock.now().into(),
            ) {
                Readiness::Ready => return Ok(None),
                Readiness::Waiting(why) => why,
            };
            let left = deadline - ctx.clock.now();
            if left <= Duration::zero() {
                let e = format!(
                    "inputs not ready after {} minutes: {why}",
                    job.inputs.wait_minutes
                );
                if job.inputs.on_timeout == OnTimeout::Fail {
                    return Err(self.finish(Status::Failed, &[], Some(e)));
                }
                tracing::warn!(
                    "{e}; proceeding (on_timeout = \"proceed\"): missing sources are データなし"
                );
                return Ok(Some(e));
            }
            tracing::info!("waiting for inputs: {why}");
            let nap = left.to_std().unwrap_or_default().min(READY_POLL);
            if !ctx.clock.sleep(nap, ctx.cancel) {
                return Err(self.finish(
                    Status::Interrupted,
                    &[],
                    Some(format!("stopped while waiting for inputs ({why})")),
                ));
            }
        }
    }

    /// Up to `retry.attempts` tries with doubling waits.
    fn tries(&mut self, proceed_note: Option<String>) -> Result<Outcome> {
        let (ctx, job) = (self.ctx, self.job);
        let mut n = 0;
        loop {
            n += 1;
            self.attempts = n;
            self.history.set_attempt(self.id, n)?;
            match execute(ctx.setup, job, &self.spec.periods) {
                Ok(done) => return self.succeeded(done, proceed_note),
                Err(e) => {
                    let e = format!("{e:#}");
                    if n >= job.retry.attempts {
                        return self.finish(Status::Failed, &[], Some(e));
                    }
                    let wait = job.retry.wait_after(n);
                    tracing::warn!(attempt = n, error = %e, "try failed; retrying in {} s", wait.as_secs());
                    if !ctx.clock.sleep(wait, ctx.cancel) {
                        return self.finish(
                            Status::Interrupted,
                            &[],
                            Some(format!("stopped while waiting to retry after: {e}")),
                        );
                    }
                }
            }
        }
    }

    /// A try that wrote its outputs: succeeded, or warning when rows were set
    /// aside, the inputs were not ready or an expected source was missing.
    fn succeeded(&mut self, done: Executed, proceed_note: Option<String>) -> Result<Outcome> {
        let Executed {
            outputs,
            set_aside,
            missing,
        } = done;
        let status = if set_aside > 0 || proceed_note.is_some() || !missing.is_empty() {
            Status::Warning
        } else {
            Status::Succeeded
        };
        let mut note = Vec::new();
        if let Some(p) = &proceed_note {
            note.push(p.clone());
        }
        if !missing.is_empty() {
            note.push(format!(
                "sources without data for the period (データなし in the reports): {}",
                missing.join("; ")
            ));
        }
        if set_aside > 0 {
            note.push(format!(
                "{set_aside} input rows were set aside (see the .rejected.csv files, or _hokoku/ingest.rejected.csv of the store)"
            ));
        }
        self.alert_warning = !missing.is_empty() || proceed_note.is_some();
        self.finish(
            status,
            &outputs,
            (!note.is_empty()).then(|| note.join("; ")),
        )
    }
}

/// What one successful try did.
struct Executed {
    outputs: Vec<PathBuf>,
    set_aside: usize,
    /// Expected sources the reports had no data from (`report: source`).
    missing: Vec<String>,
}

/// One try: every report built in memory, then all written (all or
/// nothing). A report without an expected source fails the try before
/// anything is written when the job says `on_missing = "fail"`.
fn execute(setup: &Setup, job: &Job, periods: &[CalPeriod]) -> Result<Executed> {
    match job.task {
        Task::Ingest => {
            let store = job
                .inputs
                .store
                .as_ref()
                .context("an ingest job needs inputs.store")?;
            let o = pipeline::run_ingest(
                &setup.base,
                &job.inputs.dir,
                store,
                job.inputs.strict,
                crate::store::LOCK_TIMEOUT,
            )?;
            for c in &o.changes {
                tracing::info!("{c}");
            }
            for s in &o.superseded {
                tracing::warn!("superseded: {s}");
            }
            let mut outputs = vec![store.clone()];
            outputs.extend(o.records);
            Ok(Executed {
                outputs,
                set_aside: o.rejected_rows,
                missing: Vec::new(),
            })
        }
        Task::Report => {
            let kinds = job.report_kinds(periods);
            if kinds.is_empty() {
                bail!("nothing to report for periods {}", periods_label(periods));
            }
            let opts = RunOptions {
                inputs: job.inputs.dir.clone(),
                store: job.inputs.store.clone(),
                out: job.outputs.dir.clone(),
                strict: job.inputs.strict,
                formats: job.outputs.formats.clone(),
            };
            // Every report of the run from one read of its inputs.
            let planned = pipeline::plan(&setup.base, &opts, &kinds)?;
            // Sources a report expects but has no data from.
            let mut missing = Vec::new();
            for p in &planned {
                let kind = p.kind();
                for u in p.uncovered() {
                    if job.inputs.expect.contains(&u.source) {
                        missing.push(format!("{} {}: {u}", kind.code(), kind.period_id()));
                    }
                }
            }
            if !missing.is_empty()
                && job.inputs.on_missing_for(&job.reports) == crate::jobs::OnMissing::Fail
            {
                bail!(
                    "the reports lack expected sources, nothing written (inputs.on_missing = \"fail\"): {}",
                    missing.join("; ")
                );
            }
            // All reports of the run, all or nothing.
            let done = pipeline::commit_all(planned)?;
            Ok(Executed {
                outputs: done.iter().flat_map(|o| o.outputs.clone()).collect(),
                set_aside: done.iter().map(|o| o.rejected_rows).sum(),
                missing,
            })
        }
    }
}

/// How an error says that some files of the run were already replaced.
pub use crate::output::PARTIAL;

/// Grace after the scheduled time before a run counts as caught up.
const LATE: Duration = Duration::minutes(5);

/// Scheduled runs due at `now` that the history does not have as ended,
/// oldest first: those after the job was first seen and within
/// `catch_up_days`. A job whose runs cannot be listed (a date beyond the
/// holiday list) is returned in the second list and does not stop the
/// others.
pub fn due(setup: &Setup, history: &History, now: NaiveDateTime) -> Result<Due> {
    let window = Duration::days(i64::from(setup.cfg.site.scheduler.catch_up_days));
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let mut skipped = Vec::new();
    for job in setup.jobs.iter().filter(|j| j.enabled) {
        let seen = history.first_seen(&job.id, now)?;
        let after = (now - window).max(seen - Duration::seconds(1));
        // Two seconds of slack: a cron trigger may wake us a moment early.
        match job.occurrences(
            after,
            now + Duration::seconds(2),
            setup.cfg.calendars.rule.as_ref(),
        ) {
            Ok(list) => {
                for o in list {
                    if !history.settled(&job.id, o.at)? {
                        out.push(o);
                    }
                }
            }
            Err(e) => problems.push((job.id.clone(), e)),
        }
        // Runs missed for longer than the catch-up window are not made but
        // reported: from the later of when the job was first seen and its
        // latest run in the history, up to the window.
        let from = history
            .latest_scheduled(&job.id)?
            .map_or(seen, |l| l.max(seen))
            - Duration::seconds(1);
        if from < after {
            if let Ok(list) = job.occurrences(from, after, setup.cfg.calendars.rule.as_ref()) {
                for o in list {
                    if o.at < after && !history.settled(&job.id, o.at)? {
                        skipped.push(o);
                    }
                }
            }
        }
    }
    out.sort_by(|a, b| (a.at, &a.job).cmp(&(b.at, &b.job)));
    Ok(Due {
        runs: out,
        problems,
        skipped,
    })
}

/// What [`due`] found.
#[derive(Debug)]
pub struct Due {
    /// Runs to make, oldest first.
    pub runs: Vec<Occurrence>,
    /// Jobs whose runs could not be listed: (job id, why).
    pub problems: Vec<(String, String)>,
    /// Runs missed for longer than `catch_up_days`: not made, reported.
    pub skipped: Vec<Occurrence>,
}

/// Record and alert what cannot run: each job whose runs cannot be listed
/// (a holiday list that ran out) is a failed run with an alert, once a day
/// while the problem stands; the runs missed beyond the catch-up window
/// are `skipped` rows with one alert per job listing them. Returns them as
/// outcomes (for `serve --once`'s exit code).
pub fn settle_unrunnable(
    setup: &Setup,
    clock: &dyn Clock,
    problems: &[(String, String)],
    skipped: &[Occurrence],
) -> Vec<(Occurrence, Result<Outcome>)> {
    let mut done = Vec::new();
    let history = match History::open(setup.state_dir()) {
        Ok(h) => h,
        Err(e) => {
            tracing::error!("cannot open the run history: {e:#}");
            return done;
        }
    };
    let now = clock.now_jst();
    let today = now.date().and_hms_opt(0, 0, 0).expect("midnight");
    let alert_of = |job: &Job| {
        job.alert
            .clone()
            .unwrap_or_else(|| setup.cfg.site.alert.clone())
    };
    for (job_id, e) in problems {
        let Ok(job) = setup.job(job_id) else { continue };
        let error = format!("cannot list the runs of this job: {e}");
        tracing::error!(job = %job_id, "{error}");
        let o = Occurrence {
            job: job_id.clone(),
            at: now,
            periods: Vec::new(),
        };
        let r = (|| -> Result<Outcome> {
            if history.reported_since(job_id, &error, today)? {
                return Ok(Outcome::AlreadyDone);
            }
            let id = history.begin(job_id, None, "-", "schedule", now)?;
            let msg = alert::AlertMessage {
                severity: alert::Severity::Failed,
                job: job_id.clone(),
                title: job.title.clone(),
                periods: "-".into(),
                scheduled_at: now.format("%Y-%m-%d %H:%M").to_string(),
                attempts: 0,
                error: error.clone(),
            };
            let mut text = error.clone();
            for p in alert::send(&alert_of(job), setup.cfg.site.smtp.as_ref(), &msg) {
                tracing::error!("{p}");
                text.push_str(&format!("\nalert: {p}"));
            }
            history.finish(id, Status::Failed, &[], Some(&text), now)?;
            Ok(Outcome::Ran {
                id,
                status: Status::Failed,
                outputs: Vec::new(),
                error: Some(error.clone()),
            })
        })();
        done.push((o, r));
    }
    for (job_id, occ) in by_job(skipped.to_vec()) {
        let Ok(job) = setup.job(&job_id) else {
            continue;
        };
        let why = format!(
            "missed for longer than catch_up_days = {} (hokoku was not running): not made",
            setup.cfg.site.scheduler.catch_up_days
        );
        let list: Vec<String> = occ
            .iter()
            .map(|o| {
                format!(
                    "{} ({})",
                    o.at.format("%Y-%m-%d %H:%M"),
                    periods_label(&o.periods)
                )
            })
            .collect();
        for o in &occ {
            tracing::warn!(job = %job_id, scheduled = %o.at, periods = %periods_label(&o.periods), "{why}");
        }
        let msg = alert::AlertMessage {
            severity: alert::Severity::Skipped,
            job: job_id.clone(),
            title: job.title.clone(),
            periods: occ
                .iter()
                .map(|o| periods_label(&o.periods))
                .collect::<Vec<_>>()
                .join(","),
            scheduled_at: list.join(", "),
            attempts: 0,
            error: format!("{why}: {}", list.join(", ")),
        };
        let problems = alert::send(&alert_of(job), setup.cfg.site.smtp.as_ref(), &msg);
        for p in &problems {
            tracing::error!("{p}");
        }
        for o in occ {
            let r = (|| -> Result<Outcome> {
                let id = history.begin(
                    &job_id,
                    Some(o.at),
                    &periods_label(&o.periods),
                    "catch-up",
                    now,
                )?;
                let mut text = why.clone();
                for p in &problems {
                    text.push_str(&format!("\nalert: {p}"));
                }
                history.finish(id, Status::Skipped, &[], Some(&text), now)?;
                Ok(Outcome::Ran {
                    id,
                    status: Status::Skipped,
                    outputs: Vec::new(),
                    error: Some(why.clone()),
                })
            })();
            done.push((o, r));
        }
    }
    done
}

/// Log a warning from 90 days before the holiday list ends (once a day).
pub fn warn_holiday_horizon(setup: &Setup, today: chrono::NaiveDate) {
    static LAST: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(i64::MIN);
    let day = today.num_days_from_ce() as i64;
    if LAST.swap(day, std::sync::atomic::Ordering::Relaxed) == day {
        return;
    }
    if let Some(w) = setup.cfg.calendars.horizon_warning(today) {
        tracing::warn!("{w}");
    }
}

/// Mark the `running` rows of every job whose lock is free as interrupted
/// (their process died): at start, before anything runs.
pub fn recover(setup: &Setup, now: NaiveDateTime) -> Result<()> {
    let history = History::open(setup.state_dir())?;
    for job in &setup.jobs {
        if let Some(_lock) = lock::try_lock(setup.state_dir(), &job.id)? {
            let n = history.interrupt_stale(&job.id, now)?;
            if n > 0 {
                tracing::warn!(job = %job.id, runs = n, "runs ended without finishing (crash or kill); marked interrupted");
            }
        }
    }
    Ok(())
}

/// The due runs of one job, oldest first, each with how it ended; stops
/// early when cancelled.
pub fn run_occurrences(
    ctx: &Ctx,
    occurrences: &[Occurrence],
) -> Vec<(Occurrence, Result<Outcome>)> {
    let mut done = Vec::new();
    for o in occurrences {
        if ctx.cancel.is_cancelled() {
            break;
        }
        let trigger = if ctx.clock.now_jst() - o.at > LATE {
            Trigger::CatchUp
        } else {
            Trigger::Schedule
        };
        let spec = RunSpec {
            job: o.job.clone(),
            at: Some(o.at),
            periods: o.periods.clone(),
            trigger,
        };
        let outcome = run_job(ctx, &spec);
        if let Err(e) = &outcome {
            tracing::error!(job = %o.job, "run could not be made: {e:#}");
        }
        done.push((o.clone(), outcome));
    }
    done
}

/// Due runs grouped by job, in the order of their first run.
pub fn by_job(due: Vec<Occurrence>) -> Vec<(String, Vec<Occurrence>)> {
    let mut groups: Vec<(String, Vec<Occurrence>)> = Vec::new();
    for o in due {
        match groups.iter_mut().find(|(j, _)| *j == o.job) {
            Some((_, v)) => v.push(o),
            None => groups.push((o.job.clone(), vec![o])),
        }
    }
    groups
}

/// Run everything due now: each job on its own thread (so one job waiting
/// for its inputs does not hold up another), its runs oldest first. Jobs
/// whose runs cannot be listed are logged as errors and skipped.
pub fn tick(ctx: &Ctx) -> Result<Vec<(Occurrence, Result<Outcome>)>> {
    let now = ctx.clock.now_jst();
    let Due {
        runs: due,
        problems,
        skipped,
    } = due(ctx.setup, &History::open(ctx.setup.state_dir())?, now)?;
    warn_holiday_horizon(ctx.setup, now.date());
    let mut done = settle_unrunnable(ctx.setup, ctx.clock, &problems, &skipped);
    let groups = by_job(due);
    std::thread::scope(|s| {
        let handles: Vec<_> = groups
            .iter()
            .map(|(_, occ)| s.spawn(|| run_occurrences(ctx, occ)))
            .collect();
        for h in handles {
            match h.join() {
                Ok(v) => done.extend(v),
                Err(_) => tracing::error!("a job thread panicked"),
            }
        }
    });
    done.sort_by(|a, b| (a.0.at, &a.0.job).cmp(&(b.0.at, &b.0.job)));
    Ok(done)
}
