//! `hokoku serve`, `run`, `jobs` and `history`: the scheduler's commands.

use super::args::SchedDirs;
use anyhow::{Context, Result};
use chrono::NaiveDate;
use hokoku::jobs::{Job, RelativePeriod};
use hokoku::schedule::clock::{Cancel, Clock, SystemClock};
use hokoku::schedule::history::{History, Status};
use hokoku::schedule::{Ctx, Outcome, RunSpec, Setup, Trigger};
use hokoku::time::{CalPeriod, Period};
use std::process::ExitCode;

fn setup(dirs: &SchedDirs) -> Result<Setup> {
    Setup::load(&dirs.jobs, &dirs.config, &dirs.templates)
}

/// `hokoku serve [--once] [--pretend-now T]`.
pub fn serve(
    dirs: SchedDirs,
    once: bool,
    pretend_now: Option<chrono::NaiveDateTime>,
) -> Result<ExitCode> {
    let setup = setup(&dirs)?;
    let clock = match pretend_now {
        Some(t) => SystemClock::pretending(hokoku::schedule::clock::from_jst(t)),
        None => SystemClock::default(),
    };
    let cancel = stop_on_signals()?;
    if !once {
        tracing::info!(jobs = setup.jobs.len(), state = %setup.state_dir().display(), "hokoku serve starting");
        hokoku::schedule::daemon::serve(setup, std::sync::Arc::new(clock), cancel)?;
        tracing::info!("hokoku serve stopped");
        return Ok(ExitCode::SUCCESS);
    }
    hokoku::schedule::recover(&setup, clock.now_jst())?;
    let ctx = Ctx {
        setup: &setup,
        clock: &clock,
        cancel: &cancel,
    };
    let done = hokoku::schedule::tick(&ctx)?;
    // The worst run decides the exit code: 2 when any failed.
    let mut worst = 0u8;
    for (o, outcome) in &done {
        let (code, line) = match outcome {
            Ok(outcome) => describe_outcome(outcome),
            Err(e) => (2, format!("error: {e:#}")),
        };
        println!("{}\t{}\t{}", o.job, o.at.format("%Y-%m-%d %H:%M"), line);
        // Busy (3): another process is making this run.
        if code != 3 {
            worst = worst.max(code);
        }
    }
    Ok(ExitCode::from(worst))
}

/// `hokoku run <job> [--date|--week|--month]`.
pub fn run(
    job: String,
    date: Option<NaiveDate>,
    week: Option<Period>,
    month: Option<Period>,
    dirs: SchedDirs,
) -> Result<ExitCode> {
    let setup = setup(&dirs)?;
    let j = setup.job(&job)?;
    let clock = SystemClock::default();
    let given = match (date, week, month) {
        (Some(d), _, _) => Some((CalPeriod::Day(d), "--date")),
        (_, Some(w), _) => Some((CalPeriod::Week(w.first), "--week")),
        (_, _, Some(m)) => Some((CalPeriod::Month(m.first), "--month")),
        _ => None,
    };
    let periods = manual_periods(j, given, clock.now_jst().date(), &setup)?;
    let cancel = stop_on_signals()?;
    let ctx = Ctx {
        setup: &setup,
        clock: &clock,
        cancel: &cancel,
    };
    let outcome = hokoku::schedule::run_job(
        &ctx,
        &RunSpec {
            job: job.clone(),
            at: None,
            periods,
            trigger: Trigger::Manual,
        },
    )?;
    if let Outcome::Ran { outputs, .. } = &outcome {
        for p in outputs {
            println!("{}", p.display());
        }
    }
    let (code, line) = describe_outcome(&outcome);
    eprintln!("{job}: {line}");
    Ok(ExitCode::from(code))
}

/// `hokoku jobs [--next N]`: exit code 1 when a list stops early.
pub fn jobs(dirs: SchedDirs, next: usize) -> Result<ExitCode> {
    let setup = setup(&dirs)?;
    let now = SystemClock::default().now_jst();
    let mut incomplete = false;
    for j in &setup.jobs {
        let what = match j.task {
            hokoku::jobs::Task::Ingest => "ingest".to_string(),
            hokoku::jobs::Task::Report => j
                .reports
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join("+"),
        };
        println!(
            "{}\t{}\t{}\tcron \"{}\"{}",
            j.id,
            j.title,
            what,
            j.cron_text,
            if j.enabled { "" } else { "\t(disabled)" }
        );
        println!("    {}", j.describe());
        println!("    {}", cron_fields(&j.cron_text));
        if j.enabled {
            let (runs, stop) = setup.next_runs(j, now, next);
            for o in runs {
                println!(
                    "    next {} {}  → {}",
                    o.at.format("%Y-%m-%d %H:%M"),
                    hokoku::time::weekday_ja(o.at.date()),
                    hokoku::jobs::periods_label(&o.periods)
                );
            }
            if let Some(why) = stop {
                println!("    {why}");
                incomplete = true;
            }
        }
    }
    if let Some(w) = setup.cfg.calendars.horizon_warning(now.date()) {
        println!("warning: {w}");
    }
    Ok(if incomplete {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `hokoku history [--job J] [--limit N]`.
pub fn history(dirs: SchedDirs, job: Option<String>, limit: usize) -> Result<ExitCode> {
    // Only site.toml is needed to find the history.
    let cfg = hokoku::config::load(&dirs.config)
        .map_err(|e| anyhow::anyhow!("configuration problems:\n  {}", e.join("\n  ")))?;
    let h = History::open(&cfg.site.scheduler.state_dir)?;
    let rows = h.list(job.as_deref(), limit)?;
    if rows.is_empty() {
        println!("no runs in {}", h.path.display());
    }
    for r in rows {
        println!(
            "#{}\t{}\t{}\t{}\t{}\t{} → {}\ttries {}\t{}",
            r.id,
            r.job,
            r.periods,
            r.status.as_str(),
            r.trigger,
            r.started_at,
            r.ended_at.as_deref().unwrap_or("…"),
            r.attempts,
            r.scheduled_at
                .as_deref()
                .map_or("manual".to_string(), |s| format!("scheduled {s}")),
        );
        for o in &r.outputs {
            println!("    {o}");
        }
        if let Some(e) = &r.error {
            for line in e.lines() {
                println!("    ! {line}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// SIGTERM and SIGINT set the returned flag instead of killing the process.
fn stop_on_signals() -> Result<Cancel> {
    let cancel = Cancel::new();
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(sig, cancel.flag()).context("installing the signal handler")?;
    }
    Ok(cancel)
}

/// Exit code and one line for a run's outcome: 0 succeeded, 1 done with
/// warnings, 2 failed or interrupted, 3 busy (another run of the job).
fn describe_outcome(o: &Outcome) -> (u8, String) {
    match o {
        Outcome::Ran {
            id, status, error, ..
        } => {
            let code = match status {
                Status::Succeeded => 0,
                Status::Warning | Status::Skipped => 1,
                _ => 2,
            };
            (
                code,
                format!(
                    "run #{id} {}{}",
                    status.as_str(),
                    error.as_deref().map_or(String::new(), |e| format!(": {e}"))
                ),
            )
        }
        Outcome::Busy => (
            3,
            "another run of this job is in progress; not started".into(),
        ),
        Outcome::AlreadyDone => (0, "already done".into()),
    }
}

/// The periods of `hokoku run`: the one given (with the option that gave
/// it), or those of a run today.
fn manual_periods(
    job: &Job,
    given: Option<(CalPeriod, &str)>,
    today: NaiveDate,
    setup: &Setup,
) -> Result<Vec<CalPeriod>> {
    match (given, job.period) {
        (None, None) => Ok(Vec::new()),
        (None, Some(jp)) => {
            let p = job
                .periods_at(today, setup.cfg.calendars.rule.as_ref())
                .map_err(anyhow::Error::msg)?;
            if p.is_empty() {
                anyhow::bail!("job {} runs on the first business day after each period, and no period ends before today ({today}): give {}", job.id, jp.flag());
            }
            Ok(p)
        }
        (Some((p, _)), Some(jp)) if RelativePeriod::of(p.grain()) == jp => Ok(vec![p]),
        (Some((_, flag)), Some(jp)) => anyhow::bail!(
            "job {} reports on {}; give {}, not {flag}",
            job.id,
            jp.as_str(),
            jp.flag()
        ),
        (Some((_, flag)), None) => {
            anyhow::bail!("job {} is an ingest job: it takes no {flag}", job.id)
        }
    }
}

/// What each cron field means, for `hokoku jobs`.
fn cron_fields(expr: &str) -> String {
    let f: Vec<&str> = expr.split_whitespace().collect();
    let names: &[&str] = if f.len() == 6 {
        &["秒", "分", "時", "日", "月", "曜日"]
    } else {
        &["分", "時", "日", "月", "曜日"]
    };
    let parts: Vec<String> = names
        .iter()
        .zip(&f)
        .map(|(n, v)| format!("{n}={v}"))
        .collect();
    format!("cron (Asia/Tokyo): {}", parts.join(" "))
}
