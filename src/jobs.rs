//! Job definitions (`jobs/*.toml`): what hokoku runs, when, on which
//! inputs, into which outputs, how often it retries and whom it alerts.
//!
//! One file per job; the file stem is the job's id. The schedule is standard
//! cron, read in Asia/Tokyo (`min hour day-of-month month day-of-week`; a
//! sixth, leading seconds field is accepted), optionally narrowed by a
//! business-day rule that cron cannot express:
//!
//! ```toml
//! title = "月次報告・SLA遵守状況報告の作成"
//! task = "report"               # ingest | report
//! reports = ["monthly", "sla"]  # for task = "report"
//! period = "previous_month"     # previous_day | previous_week | previous_month
//!
//! [schedule]
//! cron = "0 6 * * *"            # every day at 06:00 JST …
//! business_day = 1              # … but only on 第1営業日 (−1 = 最終営業日)
//! # business_days_only = true   # or: on every business day
//! # after_period = true         # or: on the first business day after the period
//! ```
//!
//! See docs/JOBS.md for `[inputs]` (readiness), `[outputs]`, `[retry]` and
//! `[alert]`. [`Job::occurrences`] lists the runs in a range: the scheduler
//! uses it, and so does the 翌月の作業予定 of the monthly report.

use crate::calendar::BusinessDays;
use crate::run::{week_label, Formats, ReportKind};
use crate::time::Period;
use chrono::{Duration, NaiveDate, NaiveDateTime};
use chrono_tz::Asia::Tokyo;
use croner::parser::{CronParser, Seconds};
use croner::Cron;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    /// `hokoku ingest` into the store.
    Ingest,
    /// One or more reports.
    Report,
}

/// Which period a report job reports on, relative to its run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RelativePeriod {
    PreviousDay,
    PreviousWeek,
    PreviousMonth,
}

impl RelativePeriod {
    /// The option of `hokoku run` that names such a period.
    pub fn flag(&self) -> &'static str {
        match self {
            RelativePeriod::PreviousDay => "--date YYYY-MM-DD",
            RelativePeriod::PreviousWeek => "--week YYYY-Www",
            RelativePeriod::PreviousMonth => "--month YYYY-MM",
        }
    }
    /// As written in a job file.
    pub fn as_str(&self) -> &'static str {
        match self {
            RelativePeriod::PreviousDay => "previous_day",
            RelativePeriod::PreviousWeek => "previous_week",
            RelativePeriod::PreviousMonth => "previous_month",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScheduleFile {
    cron: String,
    #[serde(default)]
    business_day: Option<i32>,
    #[serde(default)]
    business_days_only: bool,
    #[serde(default)]
    after_period: bool,
}

/// What to do when the inputs are not ready by the deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum OnTimeout {
    /// The run fails and the alert is sent (default).
    #[default]
    Fail,
    /// The run goes on; a missing source is データなし in the reports.
    Proceed,
}

/// What to do when a report lacks a source it expects (absent, or not
/// covering the period).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnMissing {
    /// The run ends as `warning`, the alert names the sources.
    Warn,
    /// The run fails (nothing written), the alert names the sources.
    Fail,
}

impl InputsSpec {
    /// What a report without an expected source does (see `on_missing`).
    pub fn on_missing_for(&self, reports: &[String]) -> OnMissing {
        self.on_missing.unwrap_or_else(|| {
            if reports.iter().any(|r| r == "monthly" || r == "sla") {
                OnMissing::Fail
            } else {
                OnMissing::Warn
            }
        })
    }
}

/// `[inputs]`: where the run reads and when it may start.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InputsSpec {
    /// The inputs folder (relative to the working directory).
    pub dir: PathBuf,
    /// Read the history store here instead of the CSVs (report jobs), or
    /// the store to write (ingest jobs).
    pub store: Option<PathBuf>,
    /// Globs under `dir` that must each match at least one file.
    pub ready: Vec<String>,
    /// A matched file must be unchanged for this long.
    pub settle_seconds: u64,
    /// How long after the scheduled time to wait for the inputs.
    pub wait_minutes: u64,
    /// Fail (and alert), or proceed with データなし, when the wait ends.
    pub on_timeout: OnTimeout,
    /// A bad input row fails the run instead of being set aside.
    pub strict: bool,
    /// The sources every report of the run must have for its period
    /// (default: all five).
    pub expect: Vec<String>,
    /// A report without an expected source: `warn` (alert, status
    /// warning) or `fail` (nothing written). Default: `fail` for a job
    /// that makes a monthly or SLA report (what goes to the ministry),
    /// `warn` otherwise.
    pub on_missing: Option<OnMissing>,
}

impl Default for InputsSpec {
    fn default() -> Self {
        InputsSpec {
            dir: "inputs".into(),
            store: None,
            ready: Vec::new(),
            settle_seconds: 60,
            wait_minutes: 60,
            on_timeout: OnTimeout::Fail,
            strict: false,
            expect: ["tickets", "job_runs", "backups", "capacity", "calls"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            on_missing: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct OutputsFile {
    dir: PathBuf,
    formats: Vec<String>,
}

impl Default for OutputsFile {
    fn default() -> Self {
        OutputsFile {
            dir: "outputs".into(),
            formats: vec!["xlsx".into(), "pdf".into(), "json".into()],
        }
    }
}

/// `[outputs]`.
#[derive(Debug, Clone)]
pub struct OutputsSpec {
    /// Files go to `<dir>/<report>/YYYY/…`.
    pub dir: PathBuf,
    pub formats: Formats,
}

/// `[retry]`: tries and the wait between them.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct RetrySpec {
    /// Tries in all (1 = no retry).
    pub attempts: u32,
    /// Wait before the second try; each later wait doubles.
    pub backoff_seconds: u64,
}

impl Default for RetrySpec {
    fn default() -> Self {
        RetrySpec {
            attempts: 3,
            backoff_seconds: 300,
        }
    }
}

impl RetrySpec {
    /// The wait after failed try `n` (1-based): backoff × 2^(n−1).
    pub fn wait_after(&self, n: u32) -> std::time::Duration {
        std::time::Duration::from_secs(
            self.backoff_seconds
                .saturating_mul(1u64 << (n.saturating_sub(1)).min(16)),
        )
    }
}

/// `[alert]`: who hears about a run that failed after its last try.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct AlertSpec {
    /// A command and its arguments; hokoku appends the job id, the period
    /// and the error, and sets `HOKOKU_JOB`, `HOKOKU_PERIOD`,
    /// `HOKOKU_ERROR`, `HOKOKU_SCHEDULED_AT` and `HOKOKU_ATTEMPTS`.
    pub command: Vec<String>,
    /// Mail recipients, sent through `[smtp]` of site.toml.
    pub mail: Vec<String>,
}

impl AlertSpec {
    /// Neither a command nor mail.
    pub fn is_empty(&self) -> bool {
        self.command.is_empty() && self.mail.is_empty()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct JobFile {
    title: String,
    task: Task,
    #[serde(default)]
    reports: Vec<String>,
    #[serde(default)]
    period: Option<RelativePeriod>,
    #[serde(default = "yes")]
    enabled: bool,
    schedule: ScheduleFile,
    #[serde(default)]
    inputs: InputsSpec,
    #[serde(default)]
    outputs: OutputsFile,
    #[serde(default)]
    retry: RetrySpec,
    #[serde(default)]
    alert: Option<AlertSpec>,
}

fn yes() -> bool {
    true
}

/// Report kinds a job may name; `cost` is the daily or the monthly
/// コスト管理報告 by the job's period (previous_day or previous_month).
pub const REPORT_KINDS: &[&str] = &["daily", "weekly", "monthly", "sla", "cost"];

/// A parsed job definition.
#[derive(Debug, Clone)]
pub struct Job {
    /// File stem (`monthly` for `jobs/monthly.toml`).
    pub id: String,
    pub title: String,
    pub task: Task,
    pub reports: Vec<String>,
    pub period: Option<RelativePeriod>,
    pub enabled: bool,
    /// The cron expression as written.
    pub cron_text: String,
    cron: Cron,
    /// Nth business day of the month (negative from the end).
    pub business_day: Option<i32>,
    /// Only on business days.
    pub business_days_only: bool,
    /// On the first business day after each period (翌営業日).
    pub after_period: bool,
    pub inputs: InputsSpec,
    pub outputs: OutputsSpec,
    pub retry: RetrySpec,
    /// The job's own `[alert]`; `None` uses `[alert]` of site.toml.
    pub alert: Option<AlertSpec>,
}

/// One period a run reports on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum JobPeriod {
    Day(NaiveDate),
    Week(NaiveDate),
    Month(NaiveDate),
}

impl JobPeriod {
    /// The period containing `d`, of the job's kind.
    pub fn containing(kind: RelativePeriod, d: NaiveDate) -> JobPeriod {
        match kind {
            RelativePeriod::PreviousDay => JobPeriod::Day(d),
            RelativePeriod::PreviousWeek => JobPeriod::Week(Period::week_of(d).first),
            RelativePeriod::PreviousMonth => JobPeriod::Month(Period::month_of(d).first),
        }
    }
    /// As a half-open period.
    pub fn period(&self) -> Period {
        match *self {
            JobPeriod::Day(d) => Period::day(d),
            JobPeriod::Week(d) => Period::week_of(d),
            JobPeriod::Month(d) => Period::month_of(d),
        }
    }
    /// The period before this one.
    pub fn previous(&self) -> JobPeriod {
        let d = self.period().first - Duration::days(1);
        match self {
            JobPeriod::Day(_) => JobPeriod::Day(d),
            JobPeriod::Week(_) => JobPeriod::Week(Period::week_of(d).first),
            JobPeriod::Month(_) => JobPeriod::Month(Period::month_of(d).first),
        }
    }
    /// `2026-10-15`, `2026-W42`, `2026-10`.
    pub fn label(&self) -> String {
        match *self {
            JobPeriod::Day(d) => d.format("%Y-%m-%d").to_string(),
            JobPeriod::Week(_) => week_label(self.period()),
            JobPeriod::Month(_) => self.period().month_label(),
        }
    }
    /// The report of `code` for this period (`cost` is daily or monthly by
    /// the period); `None` for a combination the job check refuses.
    pub fn report(&self, code: &str) -> Option<ReportKind> {
        let p = self.period();
        Some(match (code, *self) {
            ("daily", JobPeriod::Day(d)) => ReportKind::Daily(d),
            ("cost", JobPeriod::Day(d)) => ReportKind::CostDaily(d),
            ("weekly", JobPeriod::Week(_)) => ReportKind::Weekly(p),
            ("monthly", JobPeriod::Month(_)) => ReportKind::Monthly(p),
            ("sla", JobPeriod::Month(_)) => ReportKind::Sla(p),
            ("cost", JobPeriod::Month(_)) => ReportKind::CostMonthly(p),
            _ => return None,
        })
    }
}

/// Labels joined with `,` (`2026-11-21,2026-11-22`); `-` for none.
pub fn periods_label(periods: &[JobPeriod]) -> String {
    if periods.is_empty() {
        return "-".into();
    }
    periods
        .iter()
        .map(JobPeriod::label)
        .collect::<Vec<_>>()
        .join(",")
}

/// One scheduled run of a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    pub job: String,
    /// Scheduled time, JST.
    pub at: NaiveDateTime,
    /// What it reports on, oldest first (empty for an ingest job).
    pub periods: Vec<JobPeriod>,
}

fn cron_parser() -> CronParser {
    CronParser::builder()
        .seconds(Seconds::Optional)
        .year(croner::parser::Year::Disallowed)
        .dom_and_dow(false)
        .build()
}

/// Parse a cron expression: standard 5 fields (`min hour day-of-month month
/// day-of-week`) or 6 with seconds first. As in standard cron, when both day
/// fields are restricted a day matching either runs.
pub fn parse_cron(expr: &str) -> Result<Cron, String> {
    let n = expr.split_whitespace().count();
    if !(5..=6).contains(&n) {
        return Err(format!("cron {expr:?} has {n} fields: write 5 (minute hour day-of-month month day-of-week), e.g. \"30 2 * * *\" for 02:30 every day"));
    }
    cron_parser().parse(expr).map_err(|e| {
        format!("cron {expr:?}: {e} (fields: minute hour day-of-month month day-of-week)")
    })
}

/// The same schedule as tokio-cron-scheduler 0.15 expressions: seconds
/// first, and split in two when both day fields are restricted, because
/// tokio-cron-scheduler combines them with AND where cron uses OR.
pub fn scheduler_exprs(expr: &str) -> Vec<String> {
    let mut f: Vec<&str> = expr.split_whitespace().collect();
    if f.len() == 5 {
        f.insert(0, "0");
    }
    let free = |x: &str| x == "*" || x == "?";
    if f.len() == 6 && !free(f[3]) && !free(f[5]) {
        let mut a = f.clone();
        a[5] = "*";
        let mut b = f.clone();
        b[3] = "*";
        return vec![a.join(" "), b.join(" ")];
    }
    vec![f.join(" ")]
}

impl Job {
    /// Runs in `[first, end_day)` (JST), in order. A business-day rule needs
    /// the holiday list; a date outside it is an error.
    pub fn runs_between(
        &self,
        first: NaiveDate,
        end_day: NaiveDate,
        days: Option<&BusinessDays>,
    ) -> Result<Vec<NaiveDateTime>, String> {
        let start = first.and_hms_opt(0, 0, 0).expect("midnight") - Duration::seconds(1);
        let end = end_day.and_hms_opt(0, 0, 0).expect("midnight") - Duration::seconds(1);
        Ok(self
            .occurrences(start, end, days)?
            .into_iter()
            .map(|o| o.at)
            .collect())
    }

    /// Runs with `after < at <= until` (JST), in order, with the periods
    /// each reports on.
    pub fn occurrences(
        &self,
        after: NaiveDateTime,
        until: NaiveDateTime,
        days: Option<&BusinessDays>,
    ) -> Result<Vec<Occurrence>, String> {
        let Some(from) = after.and_local_timezone(Tokyo).single() else {
            return Err("invalid start".into());
        };
        let mut out = Vec::new();
        let needs_days =
            self.business_day.is_some() || self.business_days_only || self.after_period;
        if needs_days && days.is_none() {
            return Err(format!(
                "job {}: a business-day rule needs the holiday list",
                self.id
            ));
        }
        for t in self.cron.iter_after(from) {
            let t = t.naive_local();
            if t > until {
                break;
            }
            let d = t.date();
            if let Some(b) = days {
                if (self.business_days_only || self.after_period)
                    && !b.is_business_day(d).map_err(|e| e.to_string())?
                {
                    continue;
                }
                if let Some(n) = self.business_day {
                    if b.nth_of_month(d, n).map_err(|e| e.to_string())? != Some(d) {
                        continue;
                    }
                }
            }
            let periods = self.periods_at(d, days)?;
            if self.after_period && periods.is_empty() {
                continue;
            }
            out.push(Occurrence {
                job: self.id.clone(),
                at: t,
                periods,
            });
        }
        Ok(out)
    }

    /// The periods a run on `d` reports on: the one before `d`, or with
    /// `after_period` every period whose first business day after it is `d`
    /// (a Tuesday after a Monday holiday reports Friday to Monday).
    pub fn periods_at(
        &self,
        d: NaiveDate,
        days: Option<&BusinessDays>,
    ) -> Result<Vec<JobPeriod>, String> {
        let Some(kind) = self.period else {
            return Ok(Vec::new());
        };
        let yesterday = d - Duration::days(1);
        let mut p = JobPeriod::containing(kind, yesterday);
        if p.period().end_day > d {
            p = p.previous();
        }
        if !self.after_period {
            return Ok(vec![p]);
        }
        let b =
            days.ok_or_else(|| format!("job {}: after_period needs the holiday list", self.id))?;
        let mut out = Vec::new();
        while b
            .next_business_day(p.period().end_day)
            .map_err(|e| e.to_string())?
            == d
        {
            out.push(p);
            p = p.previous();
        }
        out.reverse();
        Ok(out)
    }

    /// The reports of one run, in the order of `reports`, oldest period first.
    pub fn report_kinds(&self, periods: &[JobPeriod]) -> Vec<ReportKind> {
        periods
            .iter()
            .flat_map(|p| self.reports.iter().filter_map(|r| p.report(r)))
            .collect()
    }

    /// The schedule in words: `毎日 02:30`, `第1営業日 06:00`, `営業日 07:00`,
    /// or the cron expression when it is not a daily time.
    pub fn describe(&self) -> String {
        let mut f: Vec<&str> = self.cron_text.split_whitespace().collect();
        if f.len() == 5 {
            f.insert(0, "0");
        }
        let simple_time = f.len() == 6
            && f[3] == "*"
            && f[4] == "*"
            && [f[0], f[1], f[2]].iter().all(|x| x.parse::<u32>().is_ok());
        let time = simple_time.then(|| {
            format!(
                "{:02}:{:02}",
                f[2].parse::<u32>().unwrap_or(0),
                f[1].parse::<u32>().unwrap_or(0)
            )
        });
        let weekday = f.get(5).copied().unwrap_or("*");
        let day = match (self.business_day, self.business_days_only) {
            _ if self.after_period => "翌営業日".to_string(),
            (Some(-1), _) => "最終営業日".to_string(),
            (Some(n), _) if n < 0 => format!("最終営業日の{}営業日前", -n - 1),
            (Some(n), _) => format!("第{n}営業日"),
            (None, true) => "営業日".to_string(),
            (None, false) if weekday == "*" => "毎日".to_string(),
            (None, false) => format!("曜日 {}", weekday_words(weekday)),
        };
        match time {
            Some(t) => format!("{day} {t}"),
            None if day == "毎日" => format!("cron {}", self.cron_text),
            None => format!("{day}（cron {}）", self.cron_text),
        }
    }
}

fn weekday_words(dow: &str) -> String {
    const JA: [&str; 8] = ["日", "月", "火", "水", "木", "金", "土", "日"];
    let word = |s: &str| match s.to_ascii_uppercase().as_str() {
        "SUN" => "日".to_string(),
        "MON" => "月".to_string(),
        "TUE" => "火".to_string(),
        "WED" => "水".to_string(),
        "THU" => "木".to_string(),
        "FRI" => "金".to_string(),
        "SAT" => "土".to_string(),
        n => n
            .parse::<usize>()
            .ok()
            .and_then(|i| JA.get(i))
            .map_or(s.to_string(), |x| x.to_string()),
    };
    dow.split(',')
        .map(|part| part.split('-').map(word).collect::<Vec<_>>().join("～"))
        .collect::<Vec<_>>()
        .join("・")
}

/// Load every `*.toml` directly under `dir` (sub-folders such as `config/`
/// are not jobs), sorted by file name, collecting every problem.
pub fn load(dir: &Path) -> Result<Vec<Job>, Vec<String>> {
    let mut errors = Vec::new();
    let mut files: Vec<_> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "toml"))
            .collect(),
        Err(e) => return Err(vec![format!("{}: {e}", dir.display())]),
    };
    files.sort();
    let mut jobs = Vec::new();
    for p in files {
        let id = p
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = match std::fs::read_to_string(&p) {
            Ok(t) => t,
            Err(e) => {
                errors.push(format!("{}: {e}", p.display()));
                continue;
            }
        };
        let f: JobFile = match toml::from_str(&text) {
            Ok(f) => f,
            Err(e) => {
                errors.push(format!("{}: {}", p.display(), e.to_string().trim_end()));
                continue;
            }
        };
        let mut bad = |m: String| errors.push(format!("{}: {m}", p.display()));
        let cron = match parse_cron(&f.schedule.cron) {
            Ok(c) => Some(c),
            Err(e) => {
                bad(e);
                None
            }
        };
        match f.task {
            Task::Report if f.reports.is_empty() => {
                bad("task = \"report\" needs reports = [...]".into())
            }
            Task::Report if f.period.is_none() => bad(
                "task = \"report\" needs period = previous_day | previous_week | previous_month"
                    .into(),
            ),
            Task::Ingest if !f.reports.is_empty() => {
                bad("task = \"ingest\" takes no reports".into())
            }
            _ => {}
        }
        for r in &f.reports {
            if !REPORT_KINDS.contains(&r.as_str()) {
                bad(format!(
                    "unknown report {r:?} (known: {})",
                    REPORT_KINDS.join(", ")
                ));
            }
            if r == "cost" && f.period == Some(RelativePeriod::PreviousWeek) {
                bad("the cost report is daily or monthly: use period = previous_day or previous_month".into());
            }
        }
        if let Some(n) = f.schedule.business_day {
            if n == 0 || !(-20..=23).contains(&n) {
                bad(format!(
                    "business_day = {n}: use 1…23 (第N営業日) or −1…−20 (from the last)"
                ));
            }
        }
        if f.schedule.after_period && (f.schedule.business_day.is_some() || f.period.is_none()) {
            bad("after_period = true runs on the first business day after each period: it needs period = … and no business_day".into());
        }
        let formats = match Formats::parse(&f.outputs.formats) {
            Ok(x) => x,
            Err(e) => {
                bad(format!("outputs.formats: {e}"));
                Formats::ALL
            }
        };
        if f.retry.attempts == 0 || f.retry.attempts > 10 {
            bad(format!(
                "retry.attempts = {}: use 1…10 (1 = no retry)",
                f.retry.attempts
            ));
        }
        for g in &f.inputs.ready {
            if let Err(e) = glob::Pattern::new(g) {
                bad(format!("inputs.ready {g:?}: {e}"));
            }
            if Path::new(g).is_absolute() || g.split('/').any(|c| c == "..") {
                bad(format!("inputs.ready {g:?}: write a pattern under inputs.dir (no absolute path, no ..)"));
            }
        }
        for e in &f.inputs.expect {
            if !crate::ingest::SOURCES.iter().any(|s| s.spec.name == e && !s.optional) {
                bad(format!(
                    "inputs.expect {e:?}: one of tickets, job_runs, backups, capacity, calls"
                ));
            }
        }
        if f.task == Task::Ingest && f.inputs.store.is_none() {
            bad(
                "task = \"ingest\" needs inputs.store = \"<folder>\" (the history store to write)"
                    .into(),
            );
        }
        if let Some(a) = &f.alert {
            if a.command.first().is_some_and(|c| c.trim().is_empty()) {
                bad("alert.command starts with an empty program name".into());
            }
            for m in &a.mail {
                if !m.contains('@') {
                    bad(format!("alert.mail {m:?} is not a mail address"));
                }
            }
        }
        if let Some(cron) = cron {
            jobs.push(Job {
                id,
                title: f.title,
                task: f.task,
                reports: f.reports,
                period: f.period,
                enabled: f.enabled,
                cron_text: f.schedule.cron,
                cron,
                business_day: f.schedule.business_day,
                business_days_only: f.schedule.business_days_only,
                after_period: f.schedule.after_period,
                inputs: f.inputs,
                outputs: OutputsSpec {
                    dir: f.outputs.dir,
                    formats,
                },
                retry: f.retry,
                alert: f.alert,
            });
        }
    }
    if errors.is_empty() {
        Ok(jobs)
    } else {
        Err(errors)
    }
}

/// Checks that need the site configuration: a business-day rule needs the
/// holiday list, alert mail needs `[smtp]`, and every job needs an alert
/// (its own or the site's), so a failure at night reaches a person.
pub fn check_with_site(jobs: &[Job], cfg: &crate::config::Config) -> Vec<String> {
    let mut out = Vec::new();
    for j in jobs.iter().filter(|j| j.enabled) {
        if (j.business_day.is_some() || j.business_days_only || j.after_period)
            && cfg.calendars.rule.is_none()
        {
            out.push(format!(
                "job {}: a business-day rule needs the holiday list of site.toml",
                j.id
            ));
        }
        let alert = j.alert.as_ref().unwrap_or(&cfg.site.alert);
        if alert.is_empty() {
            out.push(format!("job {}: no alert (neither [alert] in the job nor in site.toml): a failed night run would reach nobody", j.id));
        }
        if !alert.mail.is_empty() && cfg.site.smtp.is_none() {
            out.push(format!(
                "job {}: alert.mail needs [smtp] in site.toml",
                j.id
            ));
        }
        if let Some(prog) = alert.command.first() {
            if prog.contains('/') && !Path::new(prog).exists() {
                out.push(format!("job {}: alert command {prog} not found", j.id));
            }
        }
        if let Some(arg) = alert.command.get(1).filter(|_| {
            alert
                .command
                .first()
                .is_some_and(|p| p == "sh" || p == "bash")
        }) {
            if !arg.starts_with('-') && !Path::new(arg).exists() {
                out.push(format!("job {}: alert script {arg} not found", j.id));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(cron: &str, business_day: Option<i32>, only: bool) -> Job {
        Job {
            id: "t".into(),
            title: "t".into(),
            task: Task::Ingest,
            reports: Vec::new(),
            period: None,
            enabled: true,
            cron_text: cron.into(),
            cron: parse_cron(cron).unwrap(),
            business_day,
            business_days_only: only,
            after_period: false,
            inputs: InputsSpec::default(),
            outputs: OutputsSpec {
                dir: "outputs".into(),
                formats: Formats::ALL,
            },
            retry: RetrySpec::default(),
            alert: None,
        }
    }

    fn days() -> BusinessDays {
        let bytes = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/jobs/config/syukujitsu.csv"
        ))
        .unwrap();
        BusinessDays::new(crate::calendar::Holidays::parse(&bytes, "syukujitsu.csv").unwrap())
    }

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    #[test]
    fn runs_in_november_2026() {
        let b = days();
        let (first, end) = (d(11, 1), d(12, 1));
        // Every day at 02:30: 30 runs, the first at 11/1 02:30.
        let daily = job("0 30 2 * * *", None, false)
            .runs_between(first, end, Some(&b))
            .unwrap();
        assert_eq!(daily.len(), 30);
        assert_eq!(daily[0], d(11, 1).and_hms_opt(2, 30, 0).unwrap());
        // Business days: 30 days − 9 weekend days (1,7,8,14,15,21,22,28,29)
        // − 11/3 文化の日 − 11/23 勤労感謝の日 = 19.
        assert_eq!(
            job("0 0 7 * * *", None, true)
                .runs_between(first, end, Some(&b))
                .unwrap()
                .len(),
            19
        );
        // 第5営業日: 2, 4, 5, 6, 9 → 11/9.
        let fifth = job("0 0 6 * * *", Some(5), false)
            .runs_between(first, end, Some(&b))
            .unwrap();
        assert_eq!(fifth, [d(11, 9).and_hms_opt(6, 0, 0).unwrap()]);
        // 最終営業日: 11/30 (Mon).
        let last = job("0 0 18 * * *", Some(-1), false)
            .runs_between(first, end, Some(&b))
            .unwrap();
        assert_eq!(last, [d(11, 30).and_hms_opt(18, 0, 0).unwrap()]);
        // Mondays at 03:00 (day-of-week 1): 2, 9, 16, 23, 30.
        assert_eq!(
            job("0 0 3 * * MON", None, false)
                .runs_between(first, end, Some(&b))
                .unwrap()
                .len(),
            5
        );
        // A business-day rule without a holiday list is an error, not a guess.
        assert!(job("0 0 6 * * *", Some(1), false)
            .runs_between(first, end, None)
            .is_err());
    }

    #[test]
    fn descriptions_and_bad_cron() {
        assert_eq!(job("0 30 2 * * *", None, false).describe(), "毎日 02:30");
        assert_eq!(
            job("0 0 6 * * *", Some(5), false).describe(),
            "第5営業日 06:00"
        );
        assert_eq!(
            job("0 0 6 * * *", Some(-1), false).describe(),
            "最終営業日 06:00"
        );
        assert_eq!(job("0 0 7 * * *", None, true).describe(), "営業日 07:00");
        assert_eq!(
            job("0 0 3 * * MON", None, false).describe(),
            "曜日 月 03:00"
        );
        assert_eq!(job("30 2 * * *", None, false).describe(), "毎日 02:30");
        assert!(parse_cron("0 61 2 * * *").is_err());
        assert!(parse_cron("2 * * *").is_err(), "4 fields are refused");
        assert!(
            parse_cron("0 0 2 * * * 2027").is_err(),
            "a year field is refused"
        );
    }

    #[test]
    fn bundled_jobs_load() {
        let jobs = load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("jobs")).unwrap();
        assert!(jobs
            .iter()
            .any(|j| j.reports.iter().any(|r| r == "monthly")));
        assert!(jobs.iter().any(|j| j.reports.iter().any(|r| r == "cost")
            && j.period == Some(RelativePeriod::PreviousDay)));
    }

    #[test]
    fn a_weekly_cost_report_is_refused() {
        let dir = std::env::temp_dir().join(format!("hokoku-jobs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("w.toml"), "title = \"w\"\ntask = \"report\"\nreports = [\"cost\"]\nperiod = \"previous_week\"\n[schedule]\ncron = \"0 0 3 * * MON\"\n").unwrap();
        let e = load(&dir).unwrap_err();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(
            e.iter()
                .any(|e| e.contains("w.toml") && e.contains("daily or monthly")),
            "{e:?}"
        );
    }
}
