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

mod cron;
mod file;
mod periods;

pub use crate::config::AlertSpec;
pub use cron::{parse_cron, scheduler_exprs};
pub use file::{InputsSpec, OnMissing, OnTimeout, OutputsSpec, RelativePeriod, RetrySpec, Task};
pub use periods::{periods_label, Occurrence};

use crate::render::Formats;
use crate::report::ReportCode;
use croner::Cron;
use file::JobFile;
use std::path::Path;

/// A parsed job definition.
#[derive(Debug, Clone)]
pub struct Job {
    /// File stem (`monthly` for `jobs/monthly.toml`).
    pub id: String,
    pub title: String,
    pub task: Task,
    pub reports: Vec<ReportCode>,
    pub period: Option<RelativePeriod>,
    pub enabled: bool,
    /// The cron expression as written.
    pub cron_text: String,
    pub(crate) cron: Cron,
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
        if let Some(job) = compile(id, f, &mut bad) {
            jobs.push(job);
        }
    }
    if errors.is_empty() {
        Ok(jobs)
    } else {
        Err(errors)
    }
}

/// One job file, checked; `None` when its schedule cannot be read (every
/// problem goes to `bad`).
fn compile(id: String, f: JobFile, bad: &mut dyn FnMut(String)) -> Option<Job> {
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
            "task = \"report\" needs period = previous_day | previous_week | previous_month".into(),
        ),
        Task::Ingest if !f.reports.is_empty() => bad("task = \"ingest\" takes no reports".into()),
        _ => {}
    }
    let mut reports = Vec::new();
    for r in &f.reports {
        let Some(code) = ReportCode::parse(r) else {
            bad(format!(
                "unknown report {r:?} (known: {})",
                ReportCode::NAMES.join(", ")
            ));
            continue;
        };
        if let Some(per) = f.period {
            let grains = code.report().grains();
            if !grains.contains(&per.grain()) {
                let fits: Vec<&str> = grains
                    .iter()
                    .map(|g| RelativePeriod::of(*g).as_str())
                    .collect();
                bad(format!(
                    "the {code} report is made for period = {}, not {}",
                    fits.join(" or "),
                    per.as_str()
                ));
            }
        }
        reports.push(code);
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
            Formats::all()
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
            bad(format!(
                "inputs.ready {g:?}: write a pattern under inputs.dir (no absolute path, no ..)"
            ));
        }
    }
    for e in &f.inputs.expect {
        if crate::ingest::source(*e).optional {
            bad(format!(
                "inputs.expect {e:?}: a companion source cannot be expected; one of {}",
                crate::ingest::SOURCES
                    .iter()
                    .filter(|s| !s.optional)
                    .map(|s| s.spec.name)
                    .collect::<Vec<_>>()
                    .join(", ")
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
    let cron = cron?;
    Some(Job {
        id,
        title: f.title,
        task: f.task,
        reports,
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
    })
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
    use crate::calendar::BusinessDays;
    use chrono::NaiveDate;

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
                formats: Formats::all(),
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
            .any(|j| j.reports.contains(&ReportCode::Monthly)));
        assert!(jobs.iter().any(|j| j.reports.contains(&ReportCode::Cost)
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
                .any(|e| e.contains("w.toml") && e.contains("previous_day or previous_month")),
            "{e:?}"
        );
    }
}
