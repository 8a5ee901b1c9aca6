//! The `hokoku` command: a thin layer over the library (see `hokoku --help`).
//!
//! Exit codes: 0 ok; 1 done, but input rows were set aside (see the
//! rejected-rows file and the report's データ品質 section); 2 failed.

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use hokoku::run::{run_report, Formats, ReportKind, ReportRequest};
use hokoku::schedule::clock::{Cancel, Clock, SystemClock};
use hokoku::schedule::history::{History, Status};
use hokoku::schedule::{Ctx, Outcome, RunSpec, Setup, Trigger};
use hokoku::time::Period;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "hokoku",
    version,
    about = "報告: daily/weekly/monthly operations reports from ticket, job, capacity, backup and call data"
)]
#[command(after_help = "Exit codes: 0 ok, 1 done but input rows were set aside, 2 failed.")]
struct Cli {
    /// More log output (-v info, -vv debug).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    /// Log format on stderr: human (default) or json (one object per line).
    #[arg(long, value_enum, default_value_t = LogFormat::Human, global = true)]
    log_format: LogFormat,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq)]
enum LogFormat {
    Human,
    Json,
}

/// Where the scheduler finds its jobs, configuration and templates.
#[derive(clap::Args, Clone)]
struct SchedDirs {
    /// Folder with the job definitions (*.toml).
    #[arg(long, default_value = "jobs")]
    jobs: PathBuf,
    /// Folder with site.toml.
    #[arg(long, default_value = "jobs/config")]
    config: PathBuf,
    /// Folder with the report templates and font.
    #[arg(long, default_value = "templates")]
    templates: PathBuf,
}

impl SchedDirs {
    fn setup(&self) -> Result<Setup> {
        Setup::load(&self.jobs, &self.config, &self.templates)
    }
}

#[derive(clap::Args, Clone)]
struct Dirs {
    /// Folder with the input files (<source>/*.csv).
    #[arg(long, default_value = "inputs")]
    inputs: PathBuf,
    /// Folder with site.toml.
    #[arg(long, default_value = "jobs/config")]
    config: PathBuf,
    /// Folder with the report templates and font.
    #[arg(long, default_value = "templates")]
    templates: PathBuf,
}

#[derive(Subcommand)]
enum Cmd {
    /// Produce a report (workbook, PDF and JSON).
    Report {
        #[command(subcommand)]
        kind: ReportCmd,
    },
    /// Upsert the input files into the history store (Parquet by source and month).
    Ingest {
        #[command(flatten)]
        dirs: Dirs,
        /// The store folder.
        #[arg(long, default_value = "outputs/store")]
        store: PathBuf,
        /// Refuse the whole ingest when any row is bad.
        #[arg(long)]
        strict: bool,
        /// Seconds to wait for another ingest or report holding the store.
        #[arg(long, default_value_t = 600)]
        lock_timeout: u64,
    },
    /// Check the configuration, templates and every input file; print all problems.
    Validate {
        #[command(flatten)]
        dirs: Dirs,
        /// Folder with the job definitions (*.toml).
        #[arg(long, default_value = "jobs")]
        jobs: PathBuf,
    },
    /// Write a deterministic sample month of all five sources.
    Sample {
        /// Month to generate, YYYY-MM.
        #[arg(long)]
        month: String,
        /// Volume multiplier.
        #[arg(long, default_value_t = 1)]
        scale: u32,
        /// Random seed.
        #[arg(long, default_value_t = 20261)]
        seed: u64,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
    },
    /// Run every report on the bundled sample data (inputs/) into outputs/.
    Demo {
        /// Output folder.
        #[arg(long, default_value = "outputs")]
        out: PathBuf,
    },
    /// The scheduler daemon: runs jobs/*.toml at their times, catches up runs
    /// missed while it was down, until SIGTERM/SIGINT.
    Serve {
        #[command(flatten)]
        dirs: SchedDirs,
        /// Run what is due (and missed) now, then exit: for a systemd timer
        /// instead of the daemon.
        #[arg(long)]
        once: bool,
        /// Rehearsal: act as if it were this JST time (YYYY-MM-DDTHH:MM,
        /// seconds optional); the clock runs on from there.
        #[arg(long, value_parser = parse_jst_time)]
        pretend_now: Option<chrono::NaiveDateTime>,
    },
    /// One run of a job, through exactly the daemon's path (readiness,
    /// retries, alert, history); by default the period(s) it would report on
    /// if it ran today.
    Run {
        /// Job id (file stem in jobs/).
        job: String,
        /// The day, for a previous_day job.
        #[arg(long, conflicts_with_all = ["week", "month"])]
        date: Option<NaiveDate>,
        /// The ISO week (YYYY-Www), for a previous_week job.
        #[arg(long, value_parser = hokoku::run::parse_week, conflicts_with = "month")]
        week: Option<Period>,
        /// The month (YYYY-MM), for a previous_month job.
        #[arg(long, value_parser = parse_month)]
        month: Option<Period>,
        #[command(flatten)]
        dirs: SchedDirs,
    },
    /// Each job with its schedule and next run times.
    Jobs {
        #[command(flatten)]
        dirs: SchedDirs,
        /// How many next runs to show per job.
        #[arg(long, default_value_t = 3)]
        next: usize,
    },
    /// Past runs, newest first: period, start, end, status, outputs, error.
    History {
        #[command(flatten)]
        dirs: SchedDirs,
        /// Only this job.
        #[arg(long)]
        job: Option<String>,
        /// How many runs.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Measure typed ingest (speed, peak memory) and the KPI engine on an inputs folder.
    Bench {
        /// Folder made by `hokoku sample --scale N`.
        #[arg(long)]
        inputs: PathBuf,
        /// Folder with site.toml.
        #[arg(long, default_value = "jobs/config")]
        config: PathBuf,
    },
}

#[derive(Subcommand)]
enum ReportCmd {
    /// 日次報告 for one day.
    Daily {
        /// The day, YYYY-MM-DD.
        #[arg(long)]
        date: NaiveDate,
        #[command(flatten)]
        run: RunArgs,
    },
    /// 週次報告 for one ISO week (Monday–Sunday).
    Weekly {
        /// The week, YYYY-Www (e.g. 2026-W42).
        #[arg(long, value_parser = hokoku::run::parse_week)]
        week: Period,
        #[command(flatten)]
        run: RunArgs,
    },
    /// 月次報告 for one month (with cover, contents and 13-month trends).
    Monthly {
        /// The month, YYYY-MM.
        #[arg(long, value_parser = parse_month)]
        month: Period,
        #[command(flatten)]
        run: RunArgs,
    },
    /// コスト管理報告: the day's cost and month-to-date (--date), or the
    /// month with budget vs actual, 年度累計 and 着地見込み (--month).
    Cost {
        /// The day, YYYY-MM-DD.
        #[arg(long, conflicts_with = "month", required_unless_present = "month")]
        date: Option<NaiveDate>,
        /// The month, YYYY-MM.
        #[arg(long, value_parser = parse_month)]
        month: Option<Period>,
        #[command(flatten)]
        run: RunArgs,
    },
    /// SLA遵守状況報告 for one month.
    Sla {
        /// The month, YYYY-MM.
        #[arg(long, value_parser = parse_month)]
        month: Period,
        #[command(flatten)]
        run: RunArgs,
    },
}

/// Options every report takes.
#[derive(clap::Args, Clone)]
struct RunArgs {
    #[command(flatten)]
    dirs: Dirs,
    /// Output folder (files go to <out>/<report>/YYYY/…).
    #[arg(long, default_value = "outputs")]
    out: PathBuf,
    /// Fail on the first bad input row instead of setting rows aside.
    #[arg(long)]
    strict: bool,
    /// Read the history store made by `hokoku ingest` instead of the CSVs in --inputs.
    #[arg(long)]
    store: Option<PathBuf>,
    /// Folder with the job definitions (*.toml), for the monthly report's 翌月の作業予定.
    #[arg(long, default_value = "jobs")]
    jobs: PathBuf,
}

impl RunArgs {
    fn request(self, kind: ReportKind) -> ReportRequest {
        ReportRequest {
            kind,
            inputs: self.dirs.inputs,
            config: self.dirs.config,
            templates: self.dirs.templates,
            out: self.out,
            strict: self.strict,
            store: self.store,
            jobs: self.jobs,
            formats: Formats::ALL,
        }
    }
}

fn parse_month(s: &str) -> Result<Period, String> {
    Period::parse_month(s)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let level = match cli.verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    // The scheduler commands log at info by default: their log is the
    // night's record.
    let level = match (&cli.cmd, cli.verbose) {
        (Cmd::Serve { .. } | Cmd::Run { .. }, 0) => "info",
        _ => level,
    };
    // tokio-cron-scheduler's own info lines ("Job creator created") are noise.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(format!("{level},tokio_cron_scheduler=warn"))
    });
    let timed = matches!(cli.cmd, Cmd::Serve { .. } | Cmd::Run { .. });
    let fmt = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_timer(JstTime)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    match (cli.log_format, timed) {
        (LogFormat::Json, _) => fmt.json().init(),
        (LogFormat::Human, true) => fmt.init(),
        (LogFormat::Human, false) => fmt.without_time().init(),
    }
    match dispatch(cli.cmd) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn report(req: ReportRequest) -> Result<ExitCode> {
    let out = run_report(&req)?;
    for p in &out.outputs {
        println!("{}", p.display());
    }
    if out.rejected_rows > 0 {
        eprintln!(
            "{} input rows were set aside: see the .rejected.csv file and the データ品質 section",
            out.rejected_rows
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn dispatch(cmd: Cmd) -> Result<ExitCode> {
    match cmd {
        Cmd::Report {
            kind: ReportCmd::Daily { date, run },
        } => report(run.request(ReportKind::Daily(date))),
        Cmd::Report {
            kind: ReportCmd::Sla { month, run },
        } => report(run.request(ReportKind::Sla(month))),
        Cmd::Report {
            kind: ReportCmd::Monthly { month, run },
        } => report(run.request(ReportKind::Monthly(month))),
        Cmd::Report {
            kind: ReportCmd::Weekly { week, run },
        } => report(run.request(ReportKind::Weekly(week))),
        Cmd::Report {
            kind: ReportCmd::Cost { date, month, run },
        } => {
            let kind = match (date, month) {
                (Some(d), None) => ReportKind::CostDaily(d),
                (None, Some(m)) => ReportKind::CostMonthly(m),
                _ => anyhow::bail!("give either --date YYYY-MM-DD or --month YYYY-MM"),
            };
            report(run.request(kind))
        }
        Cmd::Demo { out } => {
            let text = std::fs::read_to_string("inputs/sample.toml")
                .context("reading inputs/sample.toml (run from the repository root)")?;
            let meta: toml::Table = toml::from_str(&text).context("parsing inputs/sample.toml")?;
            let date = meta
                .get("demo_date")
                .and_then(|v| v.as_str())
                .context("inputs/sample.toml has no demo_date")?
                .parse::<NaiveDate>()
                .context("demo_date")?;
            // Every report kind for the sample: the demo day and its month.
            let mut worst = ExitCode::SUCCESS;
            let month = Period::month_of(date);
            for kind in [
                ReportKind::Daily(date),
                ReportKind::Weekly(Period::week_of(date)),
                ReportKind::Monthly(month),
                ReportKind::Sla(month),
                ReportKind::CostDaily(date),
                ReportKind::CostMonthly(month),
            ] {
                let code = report(ReportRequest {
                    kind,
                    inputs: "inputs".into(),
                    config: "jobs/config".into(),
                    templates: "templates".into(),
                    out: out.clone(),
                    strict: false,
                    store: None,
                    jobs: "jobs".into(),
                    formats: Formats::ALL,
                })?;
                if code != ExitCode::SUCCESS {
                    worst = code;
                }
            }
            Ok(worst)
        }
        Cmd::Ingest {
            dirs,
            store,
            strict,
            lock_timeout,
        } => {
            let o = hokoku::run::run_ingest(
                &dirs.inputs,
                &dirs.config,
                &dirs.templates,
                &store,
                strict,
                std::time::Duration::from_secs(lock_timeout),
            )?;
            for i in &o.issues {
                eprintln!("{i}");
            }
            for s in &o.superseded {
                eprintln!("superseded: {s}");
            }
            for c in &o.changes {
                println!("{c}");
            }
            for r in &o.records {
                println!("wrote\t{}", r.display());
            }
            Ok(if o.issues.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Cmd::Validate { dirs, jobs } => {
            let problems =
                hokoku::run::validate(&dirs.inputs, &dirs.config, &dirs.templates, &jobs);
            for p in &problems.profiles {
                println!("profile\t{p}");
            }
            for r in &problems.read {
                println!("read\t{r}");
            }
            for m in &problems.missing {
                println!("missing\t{m}");
            }
            for f in &problems.flags {
                println!("note\t{f}");
            }
            for w in &problems.warnings {
                println!("warning: {w}");
            }
            for p in &problems.fatal {
                println!("error: {p}");
            }
            for p in &problems.rows {
                println!("{p}");
            }
            println!("{}", problems.summary());
            Ok(if !problems.fatal.is_empty() {
                ExitCode::from(2)
            } else if !problems.rows.is_empty() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Cmd::Sample {
            month,
            scale,
            seed,
            out,
        } => {
            let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
                .with_context(|| format!("--month {month:?}: expected YYYY-MM"))?;
            let s = hokoku::sample::generate(first, scale, seed, &out)?;
            for (p, rows) in &s.files {
                println!("{}\t{rows}", p.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Serve {
            dirs,
            once,
            pretend_now,
        } => {
            let setup = dirs.setup()?;
            let clock = match pretend_now {
                Some(t) => SystemClock::pretending(hokoku::schedule::clock::from_jst(t)),
                None => SystemClock::default(),
            };
            let cancel = stop_on_signals()?;
            if once {
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
                return Ok(ExitCode::from(worst));
            }
            tracing::info!(jobs = setup.jobs.len(), state = %setup.state_dir().display(), "hokoku serve starting");
            hokoku::schedule::daemon::serve(setup, std::sync::Arc::new(clock), cancel)?;
            tracing::info!("hokoku serve stopped");
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Run {
            job,
            date,
            week,
            month,
            dirs,
        } => {
            let setup = dirs.setup()?;
            let j = setup.job(&job)?;
            let clock = SystemClock::default();
            let today = clock.now_jst().date();
            let periods = manual_periods(j, date, week, month, today, &setup)?;
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
        Cmd::Jobs { dirs, next } => {
            let setup = dirs.setup()?;
            let now = SystemClock::default().now_jst();
            let mut incomplete = false;
            for j in &setup.jobs {
                let what = match j.task {
                    hokoku::jobs::Task::Ingest => "ingest".to_string(),
                    hokoku::jobs::Task::Report => j.reports.join("+"),
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
        Cmd::History { dirs, job, limit } => {
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
        Cmd::Bench { inputs, config } => {
            let (ingest, kpi) = hokoku::bench::run(&inputs, &config)?;
            println!("{ingest}");
            println!("{kpi}");
            Ok(ExitCode::SUCCESS)
        }
    }
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
/// `YYYY-MM-DDTHH:MM[:SS]` (or a space for the `T`), JST.
fn parse_jst_time(s: &str) -> Result<chrono::NaiveDateTime, String> {
    for f in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s.trim(), f) {
            return Ok(t);
        }
    }
    Err(format!("not a time: {s:?} (expected YYYY-MM-DDTHH:MM, e.g. 2027-01-04T05:59)"))
}

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

/// The periods of `hokoku run`: the one given, or those of a run today.
fn manual_periods(
    job: &hokoku::jobs::Job,
    date: Option<NaiveDate>,
    week: Option<Period>,
    month: Option<Period>,
    today: NaiveDate,
    setup: &Setup,
) -> Result<Vec<hokoku::jobs::JobPeriod>> {
    use hokoku::jobs::{JobPeriod, RelativePeriod};
    let given = match (date, week, month) {
        (Some(d), _, _) => Some((RelativePeriod::PreviousDay, JobPeriod::Day(d), "--date")),
        (_, Some(w), _) => Some((
            RelativePeriod::PreviousWeek,
            JobPeriod::Week(w.first),
            "--week",
        )),
        (_, _, Some(m)) => Some((
            RelativePeriod::PreviousMonth,
            JobPeriod::Month(m.first),
            "--month",
        )),
        _ => None,
    };
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
        (Some((kind, p, _)), Some(jp)) if kind == jp => Ok(vec![p]),
        (Some((_, _, flag)), Some(jp)) => anyhow::bail!(
            "job {} reports on {}; give {}, not {flag}",
            job.id,
            jp.as_str(),
            jp.flag()
        ),
        (Some((_, _, flag)), None) => {
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

/// Log timestamps in JST, the time every schedule is written in.
struct JstTime;

impl tracing_subscriber::fmt::time::FormatTime for JstTime {
    fn format_time(&self, w: &mut tracing_subscriber::fmt::format::Writer<'_>) -> std::fmt::Result {
        write!(
            w,
            "{}",
            chrono::Utc::now()
                .with_timezone(&chrono_tz::Asia::Tokyo)
                .format("%Y-%m-%dT%H:%M:%S%.3f%:z")
        )
    }
}
