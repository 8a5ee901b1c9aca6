//! The command line (clap): every command and option, nothing else.

use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use hokoku::report::ReportCode;
use hokoku::time::Period;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "hokoku",
    version,
    about = "報告: daily/weekly/monthly operations reports from ticket, job, capacity, backup and call data"
)]
#[command(after_help = "Exit codes: 0 ok, 1 done but input rows were set aside, 2 failed.")]
pub struct Cli {
    /// More log output (-v info, -vv debug).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Log format on stderr: human (default) or json (one object per line).
    #[arg(long, value_enum, default_value_t = LogFormat::Human, global = true)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub cmd: Cmd,
}

#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Human,
    Json,
}

/// Where the scheduler finds its jobs, configuration and templates.
#[derive(clap::Args, Clone)]
pub struct SchedDirs {
    /// Folder with the job definitions (*.toml).
    #[arg(long, default_value = "jobs")]
    pub jobs: PathBuf,
    /// Folder with site.toml.
    #[arg(long, default_value = "jobs/config")]
    pub config: PathBuf,
    /// Folder with the report templates and font.
    #[arg(long, default_value = "templates")]
    pub templates: PathBuf,
}

#[derive(clap::Args, Clone)]
pub struct Dirs {
    /// Folder with the input files (<source>/*.csv).
    #[arg(long, default_value = "inputs")]
    pub inputs: PathBuf,
    /// Folder with site.toml.
    #[arg(long, default_value = "jobs/config")]
    pub config: PathBuf,
    /// Folder with the report templates and font.
    #[arg(long, default_value = "templates")]
    pub templates: PathBuf,
}

#[derive(Subcommand)]
pub enum Cmd {
    /// Produce a report (workbook, PDF and JSON).
    Report {
        /// Which report.
        #[arg(value_parser = ReportCodeParser)]
        report: ReportCode,
        /// The day, YYYY-MM-DD (daily, cost).
        #[arg(long, conflicts_with_all = ["week", "month"])]
        date: Option<NaiveDate>,
        /// The ISO week, YYYY-Www (e.g. 2026-W42) (weekly).
        #[arg(long, value_parser = hokoku::time::parse_week, conflicts_with = "month")]
        week: Option<Period>,
        /// The month, YYYY-MM (monthly, sla, cost).
        #[arg(long, value_parser = parse_month)]
        month: Option<Period>,
        #[command(flatten)]
        run: RunArgs,
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
        /// Folder with site.toml: its business calendar shapes the volumes.
        #[arg(long, default_value = "jobs/config")]
        config: PathBuf,
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
        #[arg(long, value_parser = hokoku::time::parse_week, conflicts_with = "month")]
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

/// Options every report takes.
#[derive(clap::Args, Clone)]
pub struct RunArgs {
    #[command(flatten)]
    pub dirs: Dirs,
    /// Output folder (files go to <out>/<report>/YYYY/…).
    #[arg(long, default_value = "outputs")]
    pub out: PathBuf,
    /// Fail on the first bad input row instead of setting rows aside.
    #[arg(long)]
    pub strict: bool,
    /// Read the history store made by `hokoku ingest` instead of the CSVs in --inputs.
    #[arg(long)]
    pub store: Option<PathBuf>,
    /// Folder with the job definitions (*.toml), for the monthly report's 翌月の作業予定.
    #[arg(long, default_value = "jobs")]
    pub jobs: PathBuf,
}

/// A report code from the registry, with each report's description in
/// `--help`.
#[derive(Clone)]
struct ReportCodeParser;

impl clap::builder::TypedValueParser for ReportCodeParser {
    type Value = ReportCode;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<ReportCode, clap::Error> {
        let names = clap::builder::PossibleValuesParser::new(ReportCode::NAMES);
        let name = names.parse_ref(cmd, arg, value)?;
        Ok(ReportCode::parse(&name).expect("a possible value"))
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(ReportCode::ALL.iter().map(|c| {
            clap::builder::PossibleValue::new(c.as_str()).help(c.report().about())
        })))
    }
}

fn parse_month(s: &str) -> Result<Period, String> {
    Period::parse_month(s)
}

/// `YYYY-MM-DDTHH:MM[:SS]` (or a space for the `T`), JST.
pub fn parse_jst_time(s: &str) -> Result<chrono::NaiveDateTime, String> {
    for f in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s.trim(), f) {
            return Ok(t);
        }
    }
    Err(format!(
        "not a time: {s:?} (expected YYYY-MM-DDTHH:MM, e.g. 2027-01-04T05:59)"
    ))
}
