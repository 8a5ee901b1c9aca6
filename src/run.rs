//! The one path through the pipeline: ingest → kpi → report model → render →
//! outputs. The CLI (`hokoku report …`, `hokoku demo`) and the scheduler call
//! [`run_report`]; nothing else produces reports.

use crate::config::{self, Config};
use crate::ingest::{self, Dataset};
use crate::kpi;
use crate::output::{OutputFile, Planned};
use crate::render;
use crate::report::common::{row_notes, QualityNote};
use crate::report::model::Document;
use crate::report::{cost, daily, monthly, sla, template, weekly};
use crate::time::{day_start_ms, ms_to_dt, Period, MS_PER_MIN};
use anyhow::{bail, Context, Result};
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use serde::Serialize;
use crate::problem::Problem;
use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Which report for which period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    /// 日次報告 for one day.
    Daily(NaiveDate),
    /// SLA遵守状況報告 for one month.
    Sla(Period),
    /// 月次報告 for one month.
    Monthly(Period),
    /// 週次報告 for one ISO week (Monday–Sunday).
    Weekly(Period),
    /// コスト管理報告 for one day.
    CostDaily(NaiveDate),
    /// コスト管理報告 for one month.
    CostMonthly(Period),
}

/// Parse an ISO week `YYYY-Www` (`2026-W42`) into its Monday–Sunday period.
pub fn parse_week(s: &str) -> Result<Period, String> {
    let bad = || format!("not a week: {s:?} (expected YYYY-Www, e.g. 2026-W42)");
    let (y, w) = s.trim().split_once("-W").ok_or_else(bad)?;
    let (y, w): (i32, u32) = (y.parse().map_err(|_| bad())?, w.parse().map_err(|_| bad())?);
    let monday = NaiveDate::from_isoywd_opt(y, w, chrono::Weekday::Mon).ok_or_else(bad)?;
    Ok(Period::week_of(monday))
}

/// The ISO week label of a Monday–Sunday period (`2026-W42`).
pub fn week_label(p: Period) -> String {
    let w = p.first.iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

impl ReportKind {
    /// `daily`, `sla`.
    pub fn code(&self) -> &'static str {
        match self {
            ReportKind::Daily(_) => "daily",
            ReportKind::Sla(_) => "sla",
            ReportKind::Monthly(_) => "monthly",
            ReportKind::Weekly(_) => "weekly",
            ReportKind::CostDaily(_) | ReportKind::CostMonthly(_) => "cost",
        }
    }
    /// The reported period.
    pub fn period(&self) -> Period {
        match self {
            ReportKind::Daily(d) | ReportKind::CostDaily(d) => Period::day(*d),
            ReportKind::Sla(m)
            | ReportKind::Monthly(m)
            | ReportKind::Weekly(m)
            | ReportKind::CostMonthly(m) => *m,
        }
    }
    /// The period as written in file names and remarks (`2026-10-15`, `2026-10`).
    pub fn period_id(&self) -> String {
        match self {
            ReportKind::Daily(d) | ReportKind::CostDaily(d) => d.format("%Y-%m-%d").to_string(),
            ReportKind::Sla(m) | ReportKind::Monthly(m) | ReportKind::CostMonthly(m) => {
                m.month_label()
            }
            ReportKind::Weekly(w) => week_label(*w),
        }
    }
    /// Where its files go: `<out>/daily/YYYY/MM/`, `<out>/{sla,monthly}/YYYY/`,
    /// `<out>/weekly/<ISO year>/`, `<out>/cost/YYYY/MM/` (daily) and
    /// `<out>/cost/YYYY/` (monthly).
    pub fn dir(&self, out: &Path) -> PathBuf {
        let first = self.period().first;
        let year = match self {
            ReportKind::Weekly(_) => first.iso_week().year(),
            _ => first.year(),
        };
        let base = out.join(self.code()).join(format!("{year:04}"));
        match self {
            ReportKind::Daily(_) | ReportKind::CostDaily(_) => {
                base.join(format!("{:02}", first.month()))
            }
            _ => base,
        }
    }
}

/// What a builder hands to the renderers.
struct Built {
    doc: Document,
    figures: kpi::Figures,
    quality: Vec<QualityNote>,
    warnings: Vec<String>,
    file_stem: String,
}

/// Everything a run needs.
#[derive(Debug, Clone)]
pub struct ReportRequest {
    pub kind: ReportKind,
    pub inputs: PathBuf,
    pub config: PathBuf,
    pub templates: PathBuf,
    pub out: PathBuf,
    /// A rejected row fails the run instead of being set aside.
    pub strict: bool,
    /// Read the history store (`hokoku ingest`) instead of the inputs' CSVs.
    pub store: Option<PathBuf>,
    /// The job definitions (`jobs/`), for the monthly report's 翌月の作業予定.
    pub jobs: PathBuf,
    /// Which documents to write (the manifest and the rejected-rows file are
    /// always written).
    pub formats: Formats,
}

/// The document formats of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Formats {
    pub xlsx: bool,
    pub pdf: bool,
    pub json: bool,
}

impl Formats {
    /// Workbook, PDF and JSON.
    pub const ALL: Formats = Formats {
        xlsx: true,
        pdf: true,
        json: true,
    };

    /// From names (`xlsx`, `pdf`, `json`); an unknown name is an error.
    pub fn parse(names: &[String]) -> Result<Formats, String> {
        let mut f = Formats {
            xlsx: false,
            pdf: false,
            json: false,
        };
        for n in names {
            match n.as_str() {
                "xlsx" => f.xlsx = true,
                "pdf" => f.pdf = true,
                "json" => f.json = true,
                other => {
                    return Err(format!(
                        "unknown output format {other:?} (known: xlsx, pdf, json)"
                    ))
                }
            }
        }
        if names.is_empty() {
            return Err("formats is empty: name at least one of xlsx, pdf, json".into());
        }
        Ok(f)
    }
}

/// What a successful run produced.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// Files written (documents, JSON, rejected rows, manifest).
    pub outputs: Vec<PathBuf>,
    /// Rows set aside across all inputs.
    pub rejected_rows: usize,
    /// Warnings worth a human's attention (also in the manifest).
    pub warnings: Vec<String>,
    /// Sources without data for the period (also in the manifest).
    pub uncovered: Vec<Uncovered>,
}

#[derive(Serialize)]
struct Manifest {
    tool: &'static str,
    version: &'static str,
    report: &'static str,
    period: String,
    as_of: String,
    inputs_dir: String,
    inputs: Vec<ingest::FileReport>,
    rejected_rows: usize,
    rejected_file: String,
    config: Provenance,
    templates: Provenance,
    options: Options,
    outputs: Vec<OutputFile>,
    /// Sources without data for the period: absent, or not covering it.
    uncovered_sources: Vec<Uncovered>,
    warnings: Vec<String>,
    timings_ms: Timings,
}

/// A source a report has no data from for its period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Uncovered {
    pub source: &'static str,
    /// `absent` (no file) or `not_covering` (its data does not reach the period).
    pub reason: &'static str,
}

impl std::fmt::Display for Uncovered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.reason {
            "absent" => write!(f, "{} (no input file)", self.source),
            _ => write!(f, "{} (its data does not cover the period)", self.source),
        }
    }
}

/// The canonical sources without data for `p` in `ds`.
pub fn uncovered(ds: &Dataset, p: Period) -> Vec<Uncovered> {
    ingest::SOURCES
        .iter()
        .filter(|s| !s.optional)
        .filter_map(|s| match ds.get(s.spec.name) {
            None => Some(Uncovered {
                source: s.spec.name,
                reason: "absent",
            }),
            Some(d) if !d.covers(p.start_ms(), p.end_ms()) => Some(Uncovered {
                source: s.spec.name,
                reason: "not_covering",
            }),
            _ => None,
        })
        .collect()
}

/// A report rendered in memory and not yet written: [`run_report`] is
/// [`plan_report`] then [`PlannedReport::commit`]. A scheduled job plans all
/// of its reports first and writes only when every one of them succeeded,
/// so a failed run leaves the previous outputs untouched.
pub struct PlannedReport {
    files: Vec<Planned>,
    manifest: Manifest,
    manifest_path: PathBuf,
}

impl PlannedReport {
    /// The sources this report has no data from for its period.
    pub fn uncovered(&self) -> &[Uncovered] {
        &self.manifest.uncovered_sources
    }

    /// The files this report will write (documents, rejected rows, manifest).
    pub fn paths(&self) -> Vec<PathBuf> {
        self.files
            .iter()
            .map(|p| p.path.clone())
            .chain([self.manifest_path.clone()])
            .collect()
    }

    /// Write every file of this report, all or nothing.
    pub fn commit(self) -> Result<RunOutcome> {
        let mut v = commit_all(vec![self])?;
        Ok(v.remove(0))
    }

    /// Stage every file in `tx`: documents first, the manifest last, with
    /// the digests of what it describes.
    fn stage(&mut self, tx: &mut crate::output::Transaction) -> Result<(), crate::output::CommitError> {
        let t3 = Instant::now();
        if let Some(dir) = self.manifest_path.parent() {
            for stale in crate::output::clean_stale(dir) {
                tracing::warn!(file = %stale.display(), "removed a temporary file a killed run left");
            }
        }
        for p in &self.files {
            tx.stage(&p.path, &p.bytes)?;
            self.manifest.outputs.push(OutputFile::new(&p.path, &p.bytes));
        }
        self.manifest.timings_ms.write = t3.elapsed().as_millis();
        let mut mbytes = serde_json::to_vec_pretty(&self.manifest).expect("manifest JSON");
        mbytes.push(b'\n');
        tx.stage(&self.manifest_path, &mbytes)
    }
}

/// Write the files of every report, all or nothing: each is written to a
/// synced temporary, then all are renamed into place; if any step fails,
/// every previous output stays as it was and the error says exactly what
/// was and was not replaced.
pub fn commit_all(mut reports: Vec<PlannedReport>) -> Result<Vec<RunOutcome>> {
    let mut tx = crate::output::Transaction::new();
    for r in &mut reports {
        r.stage(&mut tx)?;
    }
    tx.commit()?;
    Ok(reports
        .into_iter()
        .map(|r| {
            for w in &r.manifest.warnings {
                tracing::warn!("{w}");
            }
            let mut outputs: Vec<PathBuf> = r.files.iter().map(|p| p.path.clone()).collect();
            outputs.push(r.manifest_path);
            RunOutcome {
                outputs,
                rejected_rows: r.manifest.rejected_rows,
                warnings: r.manifest.warnings,
                uncovered: r.manifest.uncovered_sources,
            }
        })
        .collect())
}

#[derive(Serialize)]
struct Provenance {
    dir: String,
    sha256: String,
}

#[derive(Serialize)]
struct Options {
    strict: bool,
    short_abandon_s: i64,
    service_level_s: i64,
}

#[derive(Serialize, Default)]
struct Timings {
    ingest: u128,
    kpi: u128,
    render: u128,
    write: u128,
}

/// Load config and templates, failing with every problem listed.
pub fn load_setup(
    config_dir: &Path,
    templates_dir: &Path,
) -> Result<(Config, template::Templates)> {
    let cfg = config::load(config_dir);
    let tpl = template::load(templates_dir);
    let mut errs = Vec::new();
    if let Err(e) = &cfg {
        errs.extend(e.iter().cloned());
    }
    if let Err(e) = &tpl {
        errs.extend(e.iter().cloned());
    }
    if !errs.is_empty() {
        bail!("configuration problems:\n  {}", errs.join("\n  "));
    }
    Ok((cfg.expect("checked"), tpl.expect("checked")))
}

/// The as-of time of a period ending at `end_day`.
pub fn as_of(cfg: &Config, end_day: NaiveDate) -> NaiveDateTime {
    let ms = day_start_ms(end_day)
        + (cfg.as_of.day_offset * 1440 + cfg.as_of.minute_of_day) * MS_PER_MIN;
    ms_to_dt(ms)
}

/// Produce one report end to end.
pub fn run_report(req: &ReportRequest) -> Result<RunOutcome> {
    plan_report(req)?.commit()
}

/// Ingest, compute and render one report in memory; nothing is written.
pub fn plan_report(req: &ReportRequest) -> Result<PlannedReport> {
    let (cfg, tpl) = load_setup(&req.config, &req.templates)?;
    let mut timings = Timings::default();

    let t0 = Instant::now();
    let ds = match &req.store {
        Some(store) => crate::store::load(store)?,
        None => {
            if !req.inputs.is_dir() {
                bail!("inputs folder {} not found", req.inputs.display());
            }
            ingest::load(&req.inputs, &cfg)
        }
    };
    timings.ingest = t0.elapsed().as_millis();
    if !ds.errors.is_empty() {
        let list: Vec<String> = ds.errors.iter().map(ToString::to_string).collect();
        bail!("input files could not be read:\n  {}", list.join("\n  "));
    }
    if req.strict && !ds.issues.is_empty() {
        let list: Vec<String> = ds.issues.iter().map(ToString::to_string).collect();
        bail!(
            "--strict: {} bad rows:\n  {}",
            ds.rejected_rows(),
            list.join("\n  ")
        );
    }

    let t1 = Instant::now();
    let built = match req.kind {
        ReportKind::Daily(date) => build_daily(req, &ds, &cfg, &tpl, date)?,
        ReportKind::Sla(month) => build_sla(req, &ds, &cfg, &tpl, month)?,
        ReportKind::Monthly(month) => build_monthly(req, &ds, &cfg, &tpl, month)?,
        ReportKind::Weekly(week) => build_weekly(req, &ds, &cfg, &tpl, week)?,
        ReportKind::CostDaily(date) => build_cost_daily(req, &ds, &cfg, &tpl, date)?,
        ReportKind::CostMonthly(month) => build_cost_monthly(req, &ds, &cfg, &tpl, month)?,
    };
    let Built {
        doc,
        figures,
        quality,
        mut warnings,
        file_stem,
    } = built;
    let as_of = doc.as_of;
    let stem = format!("{file_stem}-{}", doc.period);
    timings.kpi = t1.elapsed().as_millis();

    let t2 = Instant::now();
    let font = if req.formats.pdf {
        Some(render::pdf::PdfFont::from_bytes(&tpl.font).context("loading the bundled font")?)
    } else {
        None
    };
    // The PDF and the workbook are independent: render them side by side.
    let (pdf, xlsx) = std::thread::scope(|s| {
        let pdf = font
            .as_ref()
            .map(|font| s.spawn(|| render::pdf::render(&doc, font)));
        let xlsx = req
            .formats
            .xlsx
            .then(|| render::xlsx::render(&doc, &figures, &stem));
        (pdf.map(|h| h.join()), xlsx)
    });
    let pdf = match pdf {
        Some(p) => Some(
            p.map_err(|_| anyhow::anyhow!("the PDF renderer panicked"))?
                .context("rendering the PDF")?,
        ),
        None => None,
    };
    let xlsx = xlsx.transpose().context("rendering the workbook")?;
    if let Some(pdf) = &pdf {
        if !pdf.missing_chars.is_empty() {
            let chars: String = pdf.missing_chars.iter().collect();
            warnings.push(format!(
                "characters missing from the PDF font, shown as 〓: {chars}"
            ));
        }
    }
    let json = req
        .formats
        .json
        .then(|| render::json::render(&doc, &figures, &quality));
    timings.render = t2.elapsed().as_millis();

    let dir = req.kind.dir(&req.out);
    let rejected_path = dir.join(format!("{stem}.rejected.csv"));
    let mut files = Vec::new();
    if let Some(x) = xlsx {
        files.push(Planned {
            path: dir.join(format!("{stem}.xlsx")),
            bytes: x.bytes,
        });
        // Tables longer than a sheet: their CSV 別紙, named in the workbook
        // and listed in the manifest's outputs.
        for (name, bytes) in x.annexes {
            files.push(Planned {
                path: dir.join(name),
                bytes,
            });
        }
    }
    if let Some(pdf) = pdf {
        files.push(Planned {
            path: dir.join(format!("{stem}.pdf")),
            bytes: pdf.bytes,
        });
    }
    if let Some(bytes) = json {
        files.push(Planned {
            path: dir.join(format!("{stem}.json")),
            bytes,
        });
    }
    files.push(Planned {
        path: rejected_path.clone(),
        bytes: rejected_csv(&ds, &tpl, cfg.site.privacy.keep_raw_rejected)?,
    });
    let manifest = Manifest {
        tool: "hokoku",
        version: env!("CARGO_PKG_VERSION"),
        report: req.kind.code(),
        period: doc.period.clone(),
        as_of: crate::time::format_iso_jst(as_of),
        inputs_dir: req.inputs.display().to_string(),
        inputs: ds.files.clone(),
        rejected_rows: ds.rejected_rows(),
        rejected_file: rejected_path.display().to_string(),
        config: Provenance {
            dir: req.config.display().to_string(),
            sha256: cfg.digest.clone(),
        },
        templates: Provenance {
            dir: req.templates.display().to_string(),
            sha256: tpl.digest.clone(),
        },
        options: Options {
            strict: req.strict,
            short_abandon_s: cfg.site.calls.short_abandon_s,
            service_level_s: cfg.site.calls.service_level_s,
        },
        outputs: Vec::new(),
        uncovered_sources: uncovered(&ds, req.kind.period()),
        warnings,
        timings_ms: timings,
    };
    Ok(PlannedReport {
        files,
        manifest,
        manifest_path: dir.join(format!("{stem}.manifest.json")),
    })
}

fn build_daily(
    req: &ReportRequest,
    ds: &Dataset,
    cfg: &Config,
    tpl: &template::Templates,
    date: NaiveDate,
) -> Result<Built> {
    let p = Period::day(date);
    let mut k = compute_daily(ds, cfg, p)?;
    k.month_to_date = kpi::cost::month_to_date(
        cfg.cost.as_ref(),
        ds.get("tickets"),
        ds.get("calls"),
        ds.get("backups"),
        date,
    )?
    .0;
    let figures = k.figures();
    let mut quality = daily::quality_notes(ds, tpl, p.start_ms(), p.end_ms());
    quality.extend(row_notes(ds, tpl, &k.tickets.flags));
    quality.extend(cost_quality(req, cfg, &k.cost.gaps));
    quality.extend(holiday_note(cfg, as_of(cfg, p.end_day).date()));
    let remarks = read_remarks(&req.inputs, &req.kind)?;
    let doc = daily::build(
        date,
        as_of(cfg, p.end_day),
        &k,
        cfg,
        tpl,
        remarks.as_deref(),
        &quality,
    );
    Ok(Built {
        doc,
        figures,
        quality,
        warnings: Vec::new(),
        file_stem: tpl.daily.file_stem.clone(),
    })
}

/// The months `[month − 11, month]`, oldest first.
pub fn trailing_months(month: Period, n: usize) -> Vec<Period> {
    let mut v = vec![month];
    while v.len() < n {
        let prev = v.last().expect("non-empty").previous_month();
        v.push(prev);
    }
    v.reverse();
    v
}

/// Data-quality notes of a month's report: rejected rows and missing sources,
/// SLA clocks left out, outages that cannot be measured or have no end.
fn month_quality(
    ds: &Dataset,
    tpl: &template::Templates,
    month: Period,
    current: &kpi::PeriodKpis,
    clock_problems: &[String],
) -> (Vec<QualityNote>, Vec<String>) {
    let mut quality = daily::quality_notes(ds, tpl, month.start_ms(), month.end_ms());
    let mut warnings = Vec::new();
    for p in clock_problems {
        quality.push(QualityNote::new(
            "sla_clock_left_out",
            "tickets",
            format!("SLA時計を計算できないため除外しました：{p}"),
        ));
        warnings.push(format!("SLA clock left out: {p}"));
    }
    quality.extend(row_notes(ds, tpl, &current.tickets.flags));
    let a = &current.availability;
    for r in &a.unmeasurable {
        let p = Problem::new("outage_no_start", [r.id.as_str()]);
        quality.push(QualityNote::on_row(ds, tpl, r.file, r.line, "outage_start", &p));
    }
    for o in a.outages.iter().flatten().filter(|o| o.end.is_none()) {
        let p = Problem::new("outage_no_end", [o.ticket_id.as_str()]);
        quality.push(QualityNote::on_row(ds, tpl, o.file, o.line, "outage_end", &p));
    }
    for o in &a.whole_period {
        let p = Problem::new("outage_whole_period", [o.system.as_str(), o.ticket_id.as_str()]);
        quality.push(QualityNote::on_row(ds, tpl, o.file, o.line, "outage_start", &p));
    }
    (quality, warnings)
}

/// The month `n` trailing months, each month's KPIs, with the last two
/// (previous, current) kept whole.
fn month_series(
    ds: &Dataset,
    cfg: &Config,
    month: Period,
    n: usize,
    clocks: Option<&[kpi::sla::Clock]>,
) -> Result<(
    Vec<(Period, kpi::Figures)>,
    kpi::PeriodKpis,
    kpi::PeriodKpis,
)> {
    let months = trailing_months(month, n);
    let mut trend = Vec::new();
    let mut last_two = Vec::new();
    for (i, m) in months.iter().enumerate() {
        let k = kpi::compute_period(ds, cfg, *m, clocks)?;
        trend.push((*m, k.figures()));
        if i + 2 >= months.len() {
            last_two.push(k);
        }
    }
    let (Some(current), Some(previous)) = (last_two.pop(), last_two.pop()) else {
        bail!("a trend needs at least two months");
    };
    Ok((trend, previous, current))
}

fn build_monthly(
    req: &ReportRequest,
    ds: &Dataset,
    cfg: &Config,
    tpl: &template::Templates,
    month: Period,
) -> Result<Built> {
    let (clocks, clock_problems) = kpi::sla::clocks_of(
        ds.get("tickets"),
        ds.get("ticket_status_history"),
        &cfg.sla_targets,
        &cfg.calendars,
    )?;
    let (trend, previous, current) =
        month_series(ds, cfg, month, monthly::TREND_MONTHS, clocks.as_deref())?;
    let itsm = kpi::itsm::compute(ds.get("tickets"), month)?;
    let items = sla::items(cfg, tpl, &current, &previous);
    let (mut quality, mut warnings) = month_quality(ds, tpl, month, &current, &clock_problems);
    quality.extend(holiday_note(cfg, as_of(cfg, month.end_day).date()));
    let next = Period::month_of(month.end_day);
    let schedule = match crate::jobs::load(&req.jobs) {
        Ok(jobs) => {
            let mut out = Vec::new();
            let mut err = None;
            for job in jobs.into_iter().filter(|j| j.enabled) {
                match job.runs_between(next.first, next.end_day, cfg.calendars.rule.as_ref()) {
                    Ok(runs) => out.push(monthly::ScheduledJob { job, runs }),
                    Err(e) => err = Some(e),
                }
            }
            match err {
                Some(e) => Err(e),
                None => Ok(out),
            }
        }
        Err(e) => Err(e.join("; ")),
    };
    if let Err(e) = &schedule {
        warnings.push(format!("next month's job runs unknown: {e}"));
        quality.push(QualityNote::new(
            "jobs_unreadable",
            req.jobs.display().to_string(),
            format!("ジョブ定義を読めません：{e}"),
        ));
    }
    let submitted = match (tpl.monthly.submit_business_day, cfg.calendars.rule.as_ref()) {
        (Some(n), Some(rule)) => rule
            .nth_of_month(next.first, n as i32)
            .map_err(|e| anyhow::anyhow!("提出日: {e}"))?,
        _ => None,
    };
    quality.extend(cost_quality(req, cfg, &current.cost.gaps));
    let (_, fy_figures) = fiscal_year_cost(ds, cfg, month, &current.cost)?;
    let remarks = read_remarks(&req.inputs, &req.kind)?;
    let report = monthly::MonthlyReport {
        month,
        as_of: as_of(cfg, month.end_day),
        submitted,
        current: &current,
        previous: &previous,
        trend: &trend,
        itsm: &itsm,
        sla_items: &items,
        schedule,
        remarks: remarks.as_deref(),
        quality: &quality,
    };
    let mut figures = current.figures();
    figures.extend(monthly::extra_figures(&report));
    figures.extend(fy_figures);
    let doc = monthly::build(&report, &figures, cfg, tpl);
    Ok(Built {
        doc,
        figures,
        quality,
        warnings,
        file_stem: tpl.monthly.file_stem.clone(),
    })
}

fn build_weekly(
    req: &ReportRequest,
    ds: &Dataset,
    cfg: &Config,
    tpl: &template::Templates,
    week: Period,
) -> Result<Built> {
    let current = compute_daily(ds, cfg, week)?;
    let prev_week = Period::week_of(week.first - chrono::Duration::days(7));
    let previous = compute_daily(ds, cfg, prev_week)?;
    let mut days = Vec::new();
    for d in week.first.iter_days().take_while(|d| *d < week.end_day) {
        days.push((d, compute_daily(ds, cfg, Period::day(d))?.figures()));
    }
    let mut quality = daily::quality_notes(ds, tpl, week.start_ms(), week.end_ms());
    quality.extend(row_notes(ds, tpl, &current.tickets.flags));
    quality.extend(cost_quality(req, cfg, &current.cost.gaps));
    let remarks = read_remarks(&req.inputs, &req.kind)?;
    let report = weekly::WeeklyReport {
        week,
        label: week_label(week),
        as_of: as_of(cfg, week.end_day),
        current: &current,
        previous: &previous,
        days: &days,
        remarks: remarks.as_deref(),
        quality: &quality,
    };
    let mut figures = current.figures();
    figures.extend(weekly::extra_figures(&report));
    let doc = weekly::build(&report, &figures, cfg, tpl);
    Ok(Built {
        doc,
        figures,
        quality,
        warnings: Vec::new(),
        file_stem: tpl.weekly.file_stem.clone(),
    })
}

fn build_sla(
    req: &ReportRequest,
    ds: &Dataset,
    cfg: &Config,
    tpl: &template::Templates,
    month: Period,
) -> Result<Built> {
    let (clocks, clock_problems) = kpi::sla::clocks_of(
        ds.get("tickets"),
        ds.get("ticket_status_history"),
        &cfg.sla_targets,
        &cfg.calendars,
    )?;
    // The 12 trailing months; the last two are this month and the previous
    // one, whose full results the items need (computed once).
    let (trend, previous, current) = month_series(ds, cfg, month, 12, clocks.as_deref())?;
    let trend: Vec<(String, kpi::Figures)> = trend
        .into_iter()
        .map(|(m, f)| (m.month_label(), f))
        .collect();
    let remarks = read_remarks(&req.inputs, &req.kind)?.map(|t| sla::parse_remarks(&t));
    let (mut quality, mut warnings) = month_quality(ds, tpl, month, &current, &clock_problems);
    let items = sla::items(cfg, tpl, &current, &previous);
    if let Some(r) = &remarks {
        for h in r.unmatched(&items) {
            let w = format!(
                "remarks: heading {h:?} matches no SLA item (use the item key or its label)"
            );
            quality.push(QualityNote::new(
                "remarks_heading_unmatched",
                format!("remarks/sla/{}.txt", month.month_label()),
                format!("見出し「{h}」に一致するSLA項目がありません"),
            ));
            warnings.push(w);
        }
    }
    for it in items.iter().filter(|i| i.verdict == sla::Verdict::Missed) {
        if remarks.as_ref().and_then(|r| r.reason(it)).is_none() {
            warnings.push(format!(
                "未達 without a reason in the remarks file: {} ({})",
                it.label, it.key
            ));
        }
    }
    let previous = previous.figures();
    let report = sla::SlaReport {
        month,
        as_of: as_of(cfg, month.end_day),
        current: &current,
        previous: &previous,
        trend: &trend,
        remarks: remarks.as_ref(),
        quality: &quality,
    };
    let mut figures = current.figures();
    figures.extend(sla::extra_figures(&items, &report));
    let doc = sla::build(&report, &items, cfg, tpl);
    Ok(Built {
        doc,
        figures,
        quality,
        warnings,
        file_stem: tpl.sla.file_stem.clone(),
    })
}

/// The data-quality note from 90 days before the holiday list ends, as of
/// `today` (the report's as-of date).
fn holiday_note(cfg: &Config, today: NaiveDate) -> Option<QualityNote> {
    let left = cfg.calendars.horizon_days(today)?;
    let until = cfg.calendars.holidays_until()?;
    let when = format!("{}年{}月{}日", until.year(), until.month(), until.day());
    let reason = if left < 0 {
        format!("祝日データは{when}で終わっています：それ以降の営業日を判定できないため、営業日を使う集計とジョブが失敗します。内閣府の新しい祝日データ（syukujitsu.csv）を設定フォルダに置いてください")
    } else {
        format!("祝日データは{when}までです（あと{left}日）：それまでに内閣府の新しい祝日データ（syukujitsu.csv）を設定フォルダに置いてください。期限を過ぎると営業日を使う集計とジョブが失敗します")
    };
    Some(QualityNote::new(
        "holidays_ending",
        format!("{}/{}", cfg.dir.display(), cfg.site.business_days.holidays),
        reason,
    ))
}

/// Data-quality notes of a cost (no model, rows without a quantity).
fn cost_quality(req: &ReportRequest, cfg: &Config, gaps: &[kpi::cost::Gap]) -> Vec<QualityNote> {
    cost::quality_notes(gaps, cfg.cost.is_some(), &req.config.display().to_string())
}

/// The fiscal year of `month` up to it: each month's cost (the report
/// month's is `current`), then the year's figures ([`kpi::cost::fiscal_year`]).
fn fiscal_year_cost(
    ds: &Dataset,
    cfg: &Config,
    month: Period,
    current: &kpi::cost::CostKpis,
) -> Result<(Vec<kpi::cost::FyMonth>, kpi::Figures)> {
    let mut actuals = Vec::new();
    let mut m = Period::month_of(Period::fiscal_year_of(month.first).first);
    while m.first < month.first {
        let k = kpi::cost::compute_month(
            cfg.cost.as_ref(),
            ds.get("tickets"),
            ds.get("calls"),
            ds.get("backups"),
            m,
        )?;
        actuals.push((m, k.category_actuals(), k.confirmed));
        m = Period::month_of(m.end_day);
    }
    actuals.push((month, current.category_actuals(), current.confirmed));
    Ok(kpi::cost::fiscal_year(cfg.cost.as_ref(), month, &actuals))
}

fn build_cost_daily(
    req: &ReportRequest,
    ds: &Dataset,
    cfg: &Config,
    tpl: &template::Templates,
    date: NaiveDate,
) -> Result<Built> {
    let p = Period::day(date);
    let model = cfg.cost.as_ref();
    let (tickets, calls, backups) = (ds.get("tickets"), ds.get("calls"), ds.get("backups"));
    let day = kpi::cost::compute(model, tickets, calls, backups, p)?;
    let mut figures = day.figures.clone();
    let (mtd, mtd_gaps) = kpi::cost::month_to_date(model, tickets, calls, backups, date)?;
    figures.extend(mtd);
    let mut quality = daily::quality_notes(ds, tpl, Period::month_of(date).start_ms(), p.end_ms());
    // Rows without a quantity over the month to date (the day's included).
    quality.extend(cost_quality(req, cfg, &mtd_gaps));
    let remarks = read_remarks(&req.inputs, &req.kind)?;
    let report = cost::CostDailyReport {
        date,
        as_of: as_of(cfg, p.end_day),
        day: &day,
        remarks: remarks.as_deref(),
        quality: &quality,
    };
    let doc = cost::build_daily(&report, &figures, tpl);
    Ok(Built {
        doc,
        figures,
        quality,
        warnings: Vec::new(),
        file_stem: tpl.cost_daily.file_stem.clone(),
    })
}

fn build_cost_monthly(
    req: &ReportRequest,
    ds: &Dataset,
    cfg: &Config,
    tpl: &template::Templates,
    month: Period,
) -> Result<Built> {
    let model = cfg.cost.as_ref();
    let current = kpi::cost::compute_month(
        model,
        ds.get("tickets"),
        ds.get("calls"),
        ds.get("backups"),
        month,
    )?;
    // The unit costs' denominators.
    let others = [
        kpi::tickets::compute(ds.get("tickets"), month, cfg.site.report.top_categories)?.figures,
        kpi::calls::compute(
            ds.get("calls"),
            month,
            &cfg.site.calls,
            kpi::sl_target_pct(cfg),
        )?
        .figures,
        kpi::jobs::compute(ds.get("job_runs"), month, &cfg.deadlines)?.figures,
    ];
    let mut figures = current.figures.clone();
    let mut all = kpi::Figures::default();
    for o in &others {
        all.extend(o.clone());
    }
    figures.extend(kpi::cost::unit_costs(&current.figures, &all));
    for k in ["tickets.resolved.total", "calls.answered", "jobs.runs"] {
        figures.set(k, all.get(k));
    }
    let (fy, fy_figures) = fiscal_year_cost(ds, cfg, month, &current)?;
    figures.extend(fy_figures);
    let mut quality = daily::quality_notes(ds, tpl, month.start_ms(), month.end_ms());
    quality.extend(cost_quality(req, cfg, &current.gaps));
    for m in &fy {
        let has_data = ["tickets", "calls", "backups"].iter().any(|n| {
            ds.get(n)
                .is_some_and(|s| s.covers(m.month.start_ms(), m.month.end_ms()))
        });
        if m.confirmed && has_data {
            quality.push(QualityNote::new(
                "cost_confirmed_actuals",
                format!("{}/cost.toml", req.config.display()),
                format!(
                    "{} は [actuals] の確定実績を使っています（入力データからは計算していません）",
                    m.month.month_label()
                ),
            ));
        }
        if !m.confirmed && m.actual.is_some() {
            // A source that covers only part of the month: its cost is the cost of that range.
            let (start, end) = (m.month.start_ms(), m.month.end_ms());
            let slack = 2 * 86_400_000;
            for name in ["tickets", "calls", "backups"] {
                let Some((lo, hi)) = ds
                    .get(name)
                    .filter(|s| s.covers(start, end))
                    .and_then(|s| s.coverage)
                else {
                    continue;
                };
                if lo > start + slack || hi < end - slack {
                    let day = |ms: i64| {
                        crate::time::ms_to_dt(ms)
                            .date()
                            .max(m.month.first)
                            .min(m.month.end_day - chrono::Duration::days(1))
                    };
                    quality.push(QualityNote::new(
                        "cost_partial_source",
                        name,
                        format!("{} の {name} のデータは {} ～ {} の範囲だけです：この月のコストはその範囲の実績です", m.month.month_label(), day(lo), day(hi)),
                    ));
                }
            }
        }
        if m.month.first < month.first
            && m.actual
                .as_ref()
                .is_some_and(|a| a.values().any(Option::is_none))
        {
            quality.push(QualityNote::new(
                "cost_fy_no_data",
                "",
                format!("{} のコスト実績にデータなしの区分があるため、年度累計・着地見込みはデータなしです（過去月の実績は入力データか cost.toml の [actuals] から）", m.month.month_label()),
            ));
        }
    }
    let remarks = read_remarks(&req.inputs, &req.kind)?;
    let report = cost::CostMonthlyReport {
        month,
        as_of: as_of(cfg, month.end_day),
        cost: &current,
        fiscal_year: &fy,
        remarks: remarks.as_deref(),
        quality: &quality,
    };
    let doc = cost::build_monthly(&report, &figures, tpl);
    Ok(Built {
        doc,
        figures,
        quality,
        warnings: Vec::new(),
        file_stem: tpl.cost_monthly.file_stem.clone(),
    })
}

/// Every KPI the daily report needs (pure: no I/O).
pub fn compute_daily(ds: &Dataset, cfg: &Config, p: Period) -> Result<daily::DailyKpis> {
    let s = &cfg.site;
    let mut k = daily::DailyKpis {
        tickets: kpi::tickets::compute(ds.get("tickets"), p, s.report.top_categories)?,
        jobs: kpi::jobs::compute(ds.get("job_runs"), p, &cfg.deadlines)?,
        backups: kpi::backups::compute(
            ds.get("backups"),
            p,
            &cfg.expected_backups,
            cfg.calendars.rule.as_ref(),
        )?,
        capacity: kpi::capacity::compute(ds.get("capacity"), p, &s.capacity)?,
        calls: kpi::calls::compute(ds.get("calls"), p, &s.calls, kpi::sl_target_pct(cfg))?,
        cost: Default::default(),
        month_to_date: kpi::Figures::default(),
    };
    k.cost = kpi::period_cost(
        ds,
        cfg,
        p,
        [&k.tickets.figures, &k.calls.figures, &k.jobs.figures],
    )?;
    Ok(k)
}

/// The optional remarks file `inputs/remarks/<kind>/<period>.txt`
/// (`daily/2026-10-15.txt`, `sla/2026-10.txt`), UTF-8 or CP932.
fn read_remarks(inputs: &Path, kind: &ReportKind) -> Result<Option<String>> {
    let p = inputs
        .join("remarks")
        .join(kind.code())
        .join(format!("{}.txt", kind.period_id()));
    match std::fs::read(&p) {
        Ok(b) => {
            let (text, _) = ingest::encoding::decode(&b, None)
                .map_err(|(l, r)| anyhow::anyhow!("{}:{l}: {r}", p.display()))?;
            Ok(Some(text))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}", p.display())),
    }
}

/// The rejected-rows file: one row per problem (file, line, column, the
/// stable code, the reason in Japanese) with the raw record, so nothing is
/// lost. Phone-number-shaped text is masked in every field unless the site
/// keeps raw rejected rows (`[privacy] keep_raw_rejected`; the caller
/// column is masked by the readers either way). A cell that a spreadsheet
/// would take for a formula gets a leading `'`, as in the workbook.
pub fn rejected_csv(ds: &Dataset, tpl: &template::Templates, keep_raw: bool) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["file", "line", "column", "code", "reason", "record"])?;
    let masked = |s: &str| -> String {
        if keep_raw {
            s.to_string()
        } else {
            crate::mask::mask_phones(s).into_owned()
        }
    };
    for i in &ds.issues {
        let mut rec = csv::Writer::from_writer(Vec::new());
        let fields: Vec<String> = i.record.iter().map(|f| masked(f)).collect();
        rec.write_record(&fields)?;
        let raw = String::from_utf8(rec.into_inner()?)?;
        let cells = [
            masked(&i.file),
            i.line.to_string(),
            masked(&i.column),
            i.problem.code.to_string(),
            tpl.problem(&i.problem),
            raw.trim_end().to_string(),
        ];
        w.write_record(cells.iter().map(|c| no_formula(c).into_owned()))?;
    }
    Ok(w.into_inner()?)
}

/// Text a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, a tab or
/// CR first) with a leading `'`.
pub fn no_formula(s: &str) -> Cow<'_, str> {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
}

/// Everything `hokoku validate` found.
#[derive(Debug, Default)]
pub struct Problems {
    /// Config, template and file-level problems.
    pub fatal: Vec<String>,
    /// Bad rows (`file:line:column: reason`).
    pub rows: Vec<String>,
    /// Files read.
    pub files: usize,
    /// One line per file read: what read it, how it was chosen, its rows.
    pub read: Vec<String>,
    /// Mapping profiles found in the config (name, source, description).
    pub profiles: Vec<String>,
    /// Optional columns no file of a source has, with the figures that are
    /// データなし because of it.
    pub missing: Vec<String>,
    /// Notes on rows that were read (duplicates, values a profile's map did
    /// not know, CDR-only calls).
    pub flags: Vec<String>,
    /// Warnings about the setup (a holiday list that ends soon).
    pub warnings: Vec<String>,
}

impl Problems {
    /// One closing line.
    pub fn summary(&self) -> String {
        format!(
            "{} files checked: {} errors, {} bad rows",
            self.files,
            self.fatal.len(),
            self.rows.len()
        )
    }
}

/// Check config, templates, job definitions and every input file; collect
/// every problem.
pub fn validate(
    inputs: &Path,
    config_dir: &Path,
    templates_dir: &Path,
    jobs_dir: &Path,
) -> Problems {
    let mut p = Problems::default();
    let cfg = match config::load(config_dir) {
        Ok(c) => Some(c),
        Err(e) => {
            p.fatal.extend(e);
            None
        }
    };
    if let Some(c) = &cfg {
        let today = chrono::Utc::now()
            .with_timezone(&chrono_tz::Asia::Tokyo)
            .date_naive();
        p.warnings.extend(c.calendars.horizon_warning(today));
    }
    match crate::jobs::load(jobs_dir) {
        Ok(jobs) => {
            if let Some(cfg) = &cfg {
                p.fatal.extend(crate::jobs::check_with_site(&jobs, cfg));
            }
        }
        Err(e) => p.fatal.extend(e),
    }
    if let Err(e) = template::load(templates_dir) {
        p.fatal.extend(e);
    }
    if !inputs.is_dir() {
        p.fatal
            .push(format!("inputs folder {} not found", inputs.display()));
        return p;
    }
    let fallback;
    let cfg = match &cfg {
        Some(c) => c,
        None => {
            fallback = Config::fallback(config_dir);
            &fallback
        }
    };
    p.profiles = cfg
        .profiles
        .values()
        .map(|pr| {
            format!(
                "{}\t{}\t{}\t{}",
                pr.name,
                pr.source.name,
                pr.file.display(),
                pr.description
            )
        })
        .collect();
    let ds = ingest::load(inputs, cfg);
    p.read = ds
        .files
        .iter()
        .map(|f| {
            let mut line = format!(
                "{}\t{} ({})\t{} rows",
                f.file, f.format, f.matched_by, f.accepted
            );
            if f.rejected > 0 {
                line.push_str(&format!(", {} set aside", f.rejected));
            }
            if f.skipped > 0 {
                line.push_str(&format!(", {} skipped by the format's rules", f.skipped));
            }
            line
        })
        .collect();
    p.files = ds.files.len() + ds.errors.len();
    p.fatal.extend(ds.errors.iter().map(ToString::to_string));
    p.rows.extend(ds.issues.iter().map(ToString::to_string));
    for (source, column, what) in kpi::OPTIONAL_COLUMNS {
        if let Some(sd) = ds.get(source) {
            if !sd.present.contains(column) {
                let deadlines_configured = *column == "deadline" && !cfg.deadlines.is_empty();
                if !deadlines_configured {
                    p.missing.push(format!(
                        "{source}: no file has {column}: データなし for {what}"
                    ));
                }
            }
        }
    }
    for f in &ds.flags {
        p.flags.push(format!(
            "{}:{}:{}: {}",
            ds.input(f.file),
            f.line.map_or(String::new(), |l| l.to_string()),
            f.column,
            f.problem
        ));
    }
    p
}

/// What `ingest` did.
#[derive(Debug)]
pub struct IngestOutcome {
    /// One line per source and month: `tickets/2026-10  120 → 130 rows`.
    pub changes: Vec<String>,
    /// Rows set aside (in `<store>/_hokoku/ingest.rejected.csv`).
    pub rejected_rows: usize,
    /// The bad rows, `file:line:column: reason`.
    pub issues: Vec<String>,
    /// Rows replaced by a later row with the same natural key.
    pub superseded: Vec<String>,
    /// The ingest's manifest and rejected-rows file.
    pub records: Vec<PathBuf>,
}

#[derive(Serialize)]
struct IngestManifest<'a> {
    tool: &'static str,
    version: &'static str,
    inputs_dir: String,
    inputs: &'a [ingest::FileReport],
    rejected_rows: usize,
    rejected_file: &'static str,
    config: Provenance,
    partitions: &'a [crate::store::PartitionChange],
    warnings: Vec<String>,
}

/// Upsert every input file into the history store: the path of both
/// `hokoku ingest` and a scheduled `task = "ingest"` job. A file that cannot
/// be read stores nothing. The ingest's manifest and its rejected rows are
/// written in `<store>/_hokoku/`.
pub fn run_ingest(
    inputs: &Path,
    config_dir: &Path,
    templates_dir: &Path,
    store: &Path,
    strict: bool,
    lock_timeout: std::time::Duration,
) -> Result<IngestOutcome> {
    let (cfg, tpl) = load_setup(config_dir, templates_dir)?;
    if !inputs.is_dir() {
        bail!("inputs folder {} not found", inputs.display());
    }
    let ds = ingest::load(inputs, &cfg);
    if !ds.errors.is_empty() {
        let list: Vec<String> = ds.errors.iter().map(ToString::to_string).collect();
        bail!(
            "input files could not be read (nothing stored):\n  {}",
            list.join("\n  ")
        );
    }
    let issues: Vec<String> = ds.issues.iter().map(ToString::to_string).collect();
    if strict && !issues.is_empty() {
        bail!(
            "--strict: {} bad rows, nothing stored:\n  {}",
            ds.rejected_rows(),
            issues.join("\n  ")
        );
    }
    let rejected = rejected_csv(&ds, &tpl, cfg.site.privacy.keep_raw_rejected)?;
    let record = |parts: &[crate::store::PartitionChange]| -> Result<Vec<(PathBuf, Vec<u8>)>> {
        let m = IngestManifest {
            tool: "hokoku",
            version: env!("CARGO_PKG_VERSION"),
            inputs_dir: inputs.display().to_string(),
            inputs: &ds.files,
            rejected_rows: ds.rejected_rows(),
            rejected_file: "ingest.rejected.csv",
            config: Provenance {
                dir: config_dir.display().to_string(),
                sha256: cfg.digest.clone(),
            },
            partitions: parts,
            warnings: Vec::new(),
        };
        let mut mb = serde_json::to_vec_pretty(&m)?;
        mb.push(b'\n');
        Ok(vec![
            (PathBuf::from("ingest.rejected.csv"), rejected.clone()),
            (PathBuf::from("ingest.manifest.json"), mb),
        ])
    };
    let parts = crate::store::ingest(&ds, store, lock_timeout, record)?;
    let changes = parts
        .iter()
        .map(|c| {
            format!(
                "{}/{}\t{} → {} rows{}",
                c.source,
                c.month,
                c.before,
                c.after,
                if c.changed { "" } else { "\tunchanged" }
            )
        })
        .collect();
    Ok(IngestOutcome {
        changes,
        rejected_rows: ds.rejected_rows(),
        issues,
        superseded: parts.iter().flat_map(|c| c.superseded.clone()).collect(),
        records: vec![
            store.join("_hokoku/ingest.manifest.json"),
            store.join("_hokoku/ingest.rejected.csv"),
        ],
    })
}
