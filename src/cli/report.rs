//! `hokoku report`, `hokoku demo`, `hokoku ingest`, `hokoku validate`,
//! `hokoku sample` and `hokoku bench`: each a few lines over the library.

use super::args::{Dirs, RunArgs};
use anyhow::{Context, Result};
use chrono::NaiveDate;
use hokoku::pipeline::{self, RunOptions, RunOutcome, Setup};
use hokoku::render::Formats;
use hokoku::report::{ReportCode, ReportKind};
use hokoku::time::{CalPeriod, Period};
use std::path::PathBuf;
use std::process::ExitCode;

/// `hokoku report <code> --date|--week|--month`.
pub fn report(
    code: ReportCode,
    date: Option<NaiveDate>,
    week: Option<Period>,
    month: Option<Period>,
    run: RunArgs,
) -> Result<ExitCode> {
    let period = match (date, week, month) {
        (Some(d), None, None) => CalPeriod::Day(d),
        (None, Some(w), None) => CalPeriod::Week(w.first),
        (None, None, Some(m)) => CalPeriod::Month(m.first),
        _ => anyhow::bail!("give one of --date YYYY-MM-DD, --week YYYY-Www or --month YYYY-MM"),
    };
    let kind = ReportKind::new(code, period).map_err(anyhow::Error::msg)?;
    let setup = Setup::load(&run.dirs.config, &run.dirs.templates, &run.jobs)?;
    let opts = RunOptions {
        inputs: run.dirs.inputs,
        store: run.store,
        out: run.out,
        strict: run.strict,
        formats: Formats::all(),
    };
    let out = pipeline::run_report(&setup, &opts, kind)?;
    Ok(print_outcomes(&[out]))
}

/// Print the files written; exit code 1 when rows were set aside.
fn print_outcomes(outcomes: &[RunOutcome]) -> ExitCode {
    let mut code = ExitCode::SUCCESS;
    for out in outcomes {
        for p in &out.outputs {
            println!("{}", p.display());
        }
        if out.rejected_rows > 0 {
            eprintln!(
                "{} input rows were set aside: see the .rejected.csv file and the データ品質 section",
                out.rejected_rows
            );
            code = ExitCode::from(1);
        }
    }
    code
}

/// `hokoku demo`: every report kind for the sample's demo day and its
/// week and month, from one read of `inputs/`.
pub fn demo(out: PathBuf) -> Result<ExitCode> {
    let text = std::fs::read_to_string("inputs/sample.toml")
        .context("reading inputs/sample.toml (run from the repository root)")?;
    let meta: toml::Table = toml::from_str(&text).context("parsing inputs/sample.toml")?;
    let date = meta
        .get("demo_date")
        .and_then(|v| v.as_str())
        .context("inputs/sample.toml has no demo_date")?
        .parse::<NaiveDate>()
        .context("demo_date")?;
    let kinds: Vec<ReportKind> = ReportCode::ALL
        .iter()
        .flat_map(|&code| {
            code.report()
                .grains()
                .iter()
                .filter_map(move |&g| ReportKind::new(code, CalPeriod::containing(g, date)).ok())
        })
        .collect();
    let setup = Setup::load(
        "jobs/config".as_ref(),
        "templates".as_ref(),
        "jobs".as_ref(),
    )?;
    let opts = RunOptions {
        inputs: "inputs".into(),
        store: None,
        out,
        strict: false,
        formats: Formats::all(),
    };
    let outcomes = pipeline::commit_all(pipeline::plan(&setup, &opts, &kinds)?)?;
    Ok(print_outcomes(&outcomes))
}

/// `hokoku ingest`.
pub fn ingest(dirs: Dirs, store: PathBuf, strict: bool, lock_timeout: u64) -> Result<ExitCode> {
    let setup = Setup::load(&dirs.config, &dirs.templates, "jobs".as_ref())?;
    let o = pipeline::run_ingest(
        &setup,
        &dirs.inputs,
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

/// `hokoku validate`.
pub fn validate(dirs: Dirs, jobs: PathBuf) -> Result<ExitCode> {
    let problems = pipeline::validate(&dirs.inputs, &dirs.config, &dirs.templates, &jobs);
    let lines = [
        ("profile\t", &problems.profiles),
        ("read\t", &problems.read),
        ("missing\t", &problems.missing),
        ("note\t", &problems.flags),
        ("warning: ", &problems.warnings),
        ("error: ", &problems.fatal),
        ("", &problems.rows),
    ];
    for (prefix, list) in lines {
        for l in list {
            println!("{prefix}{l}");
        }
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

/// `hokoku sample`.
pub fn sample(
    month: String,
    scale: u32,
    seed: u64,
    config: PathBuf,
    out: PathBuf,
) -> Result<ExitCode> {
    let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
        .with_context(|| format!("--month {month:?}: expected YYYY-MM"))?;
    let cfg = hokoku::config::load(&config)
        .map_err(|e| anyhow::anyhow!("configuration problems:\n  {}", e.join("\n  ")))?;
    let calendar = cfg.calendars.rule.as_ref().with_context(|| {
        format!(
            "{}: the sample needs the holiday list (business_days.holidays)",
            config.display()
        )
    })?;
    let s = super::sample::generate(first, scale, seed, calendar, &out)?;
    for (p, rows) in &s.files {
        println!("{}\t{rows}", p.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// `hokoku bench`.
pub fn bench(inputs: PathBuf, config: PathBuf) -> Result<ExitCode> {
    let (ingest, kpi) = super::bench::run(&inputs, &config)?;
    println!("{ingest}");
    println!("{kpi}");
    Ok(ExitCode::SUCCESS)
}
