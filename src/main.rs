//! The `hokoku` command: a thin layer over the library (see `hokoku --help`).
//!
//! Exit codes: 0 ok; 1 done, but input rows were set aside (see the
//! rejected-rows file and the report's データ品質 section); 2 failed.

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use hokoku::run::{run_report, ReportKind, ReportRequest};
use hokoku::time::Period;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "hokoku", version, about = "報告: daily/weekly/monthly operations reports from ticket, job, capacity, backup and call data")]
#[command(after_help = "Exit codes: 0 ok, 1 done but input rows were set aside, 2 failed.")]
struct Cli {
    /// More log output (-v info, -vv debug).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    cmd: Cmd,
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
    },
    /// Check the configuration, templates and every input file; print all problems.
    Validate {
        #[command(flatten)]
        dirs: Dirs,
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
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level)))
        .with_writer(std::io::stderr)
        .without_time()
        .init();
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
        eprintln!("{} input rows were set aside: see the .rejected.csv file and the データ品質 section", out.rejected_rows);
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn dispatch(cmd: Cmd) -> Result<ExitCode> {
    match cmd {
        Cmd::Report { kind: ReportCmd::Daily { date, run } } => report(run.request(ReportKind::Daily(date))),
        Cmd::Report { kind: ReportCmd::Sla { month, run } } => report(run.request(ReportKind::Sla(month))),
        Cmd::Report { kind: ReportCmd::Monthly { month, run } } => report(run.request(ReportKind::Monthly(month))),
        Cmd::Report { kind: ReportCmd::Weekly { week, run } } => report(run.request(ReportKind::Weekly(week))),
        Cmd::Report { kind: ReportCmd::Cost { date, month, run } } => {
            let kind = match (date, month) {
                (Some(d), None) => ReportKind::CostDaily(d),
                (None, Some(m)) => ReportKind::CostMonthly(m),
                _ => anyhow::bail!("give either --date YYYY-MM-DD or --month YYYY-MM"),
            };
            report(run.request(kind))
        }
        Cmd::Demo { out } => {
            let text = std::fs::read_to_string("inputs/sample.toml").context("reading inputs/sample.toml (run from the repository root)")?;
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
                })?;
                if code != ExitCode::SUCCESS {
                    worst = code;
                }
            }
            Ok(worst)
        }
        Cmd::Ingest { dirs, store, strict } => {
            let (cfg, _) = hokoku::run::load_setup(&dirs.config, &dirs.templates)?;
            anyhow::ensure!(dirs.inputs.is_dir(), "inputs folder {} not found", dirs.inputs.display());
            let ds = hokoku::ingest::load(&dirs.inputs, &cfg);
            if !ds.errors.is_empty() {
                let list: Vec<String> = ds.errors.iter().map(ToString::to_string).collect();
                anyhow::bail!("input files could not be read (nothing stored):\n  {}", list.join("\n  "));
            }
            for i in &ds.issues {
                eprintln!("{i}");
            }
            if strict && !ds.issues.is_empty() {
                anyhow::bail!("--strict: {} bad rows, nothing stored", ds.rejected_rows());
            }
            for c in hokoku::store::ingest(&ds, &store)? {
                println!("{}/{}\t{} → {} rows{}", c.source, c.month, c.before, c.after, if c.changed { "" } else { "\tunchanged" });
            }
            Ok(if ds.issues.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        Cmd::Validate { dirs } => {
            let problems = hokoku::run::validate(&dirs.inputs, &dirs.config, &dirs.templates);
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
        Cmd::Sample { month, scale, seed, out } => {
            let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").with_context(|| format!("--month {month:?}: expected YYYY-MM"))?;
            let s = hokoku::sample::generate(first, scale, seed, &out)?;
            for (p, rows) in &s.files {
                println!("{}\t{rows}", p.display());
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
