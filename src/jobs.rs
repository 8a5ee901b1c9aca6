//! Job definitions (`jobs/*.toml`): what hokoku runs and when.
//!
//! One file per job. The schedule is a 6-field cron expression
//! (`sec min hour day-of-month month day-of-week`, read in Asia/Tokyo) parsed
//! exactly as tokio-cron-scheduler parses it (seconds required; when both
//! day fields are restricted a day must match both), optionally narrowed by a
//! business-day rule:
//!
//! ```toml
//! title = "月次報告・SLA遵守状況報告の作成"
//! task = "report"               # ingest | report
//! reports = ["monthly", "sla"]  # for task = "report"
//! period = "previous_month"     # previous_day | previous_week | previous_month
//!
//! [schedule]
//! cron = "0 0 6 * * *"          # every day at 06:00 JST …
//! business_day = 1              # … but only on 第1営業日 (−1 = 最終営業日)
//! # business_days_only = true   # or: on every business day
//! ```
//!
//! [`Job::runs_between`] lists the runs in a range: the 翌月の作業予定 of
//! the monthly report uses it, and so does the scheduler.

use crate::calendar::BusinessDays;
use chrono::{NaiveDate, NaiveDateTime};
use chrono_tz::Asia::Tokyo;
use croner::parser::{CronParser, Seconds};
use croner::Cron;
use serde::Deserialize;
use std::path::Path;

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

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScheduleFile {
    cron: String,
    #[serde(default)]
    business_day: Option<i32>,
    #[serde(default)]
    business_days_only: bool,
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
}

fn yes() -> bool {
    true
}

/// Report kinds a job may name.
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
}

/// Parse a 6-field cron expression the way tokio-cron-scheduler does.
pub fn parse_cron(expr: &str) -> Result<Cron, String> {
    if expr.split_whitespace().count() != 6 {
        return Err(format!("cron {expr:?} must have 6 fields: sec min hour day-of-month month day-of-week"));
    }
    CronParser::builder().seconds(Seconds::Required).dom_and_dow(true).build().parse(expr).map_err(|e| format!("cron {expr:?}: {e}"))
}

impl Job {
    /// Runs in `[first, end_day)` (JST), in order. A business-day rule needs
    /// the holiday list; a date outside it is an error.
    pub fn runs_between(&self, first: NaiveDate, end_day: NaiveDate, days: Option<&BusinessDays>) -> Result<Vec<NaiveDateTime>, String> {
        let start = first.and_hms_opt(0, 0, 0).expect("midnight");
        let end = end_day.and_hms_opt(0, 0, 0).expect("midnight");
        let Some(from) = start.and_local_timezone(Tokyo).single() else { return Err("invalid start".into()) };
        let mut out = Vec::new();
        let needs_days = self.business_day.is_some() || self.business_days_only;
        if needs_days && days.is_none() {
            return Err(format!("job {}: a business-day rule needs the holiday list", self.id));
        }
        for t in self.cron.iter_from(from, croner::Direction::Forward) {
            let t = t.naive_local();
            if t >= end {
                break;
            }
            let d = t.date();
            if let Some(b) = days {
                if self.business_days_only && !b.is_business_day(d).map_err(|e| e.to_string())? {
                    continue;
                }
                if let Some(n) = self.business_day {
                    if b.nth_of_month(d, n).map_err(|e| e.to_string())? != Some(d) {
                        continue;
                    }
                }
            }
            out.push(t);
        }
        Ok(out)
    }

    /// The schedule in words: `毎日 02:30`, `第1営業日 06:00`, `営業日 07:00`,
    /// or the cron expression when it is not a daily time.
    pub fn describe(&self) -> String {
        let f: Vec<&str> = self.cron_text.split_whitespace().collect();
        let simple_time = f.len() == 6 && f[3] == "*" && f[4] == "*" && [f[0], f[1], f[2]].iter().all(|x| x.parse::<u32>().is_ok());
        let time = simple_time.then(|| format!("{:02}:{:02}", f[2].parse::<u32>().unwrap_or(0), f[1].parse::<u32>().unwrap_or(0)));
        let weekday = f.get(5).copied().unwrap_or("*");
        let day = match (self.business_day, self.business_days_only) {
            (Some(n), _) if n < 0 && n == -1 => "最終営業日".to_string(),
            (Some(n), _) if n < 0 => format!("最終営業日の{}営業日前", -n - 1),
            (Some(n), _) => format!("第{n}営業日"),
            (None, true) => "営業日".to_string(),
            (None, false) if weekday == "*" => "毎日".to_string(),
            (None, false) => format!("曜日 {}", weekday_words(weekday)),
        };
        match time {
            Some(t) => format!("{day} {t}"),
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
        n => n.parse::<usize>().ok().and_then(|i| JA.get(i)).map_or(s.to_string(), |x| x.to_string()),
    };
    dow.split(',').map(|part| part.split('-').map(word).collect::<Vec<_>>().join("～")).collect::<Vec<_>>().join("・")
}

/// Load every `*.toml` directly under `dir` (sub-folders such as `config/`
/// are not jobs), sorted by file name, collecting every problem.
pub fn load(dir: &Path) -> Result<Vec<Job>, Vec<String>> {
    let mut errors = Vec::new();
    let mut files: Vec<_> = match std::fs::read_dir(dir) {
        Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "toml")).collect(),
        Err(e) => return Err(vec![format!("{}: {e}", dir.display())]),
    };
    files.sort();
    let mut jobs = Vec::new();
    for p in files {
        let id = p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
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
            Task::Report if f.reports.is_empty() => bad("task = \"report\" needs reports = [...]".into()),
            Task::Report if f.period.is_none() => bad("task = \"report\" needs period = previous_day | previous_week | previous_month".into()),
            Task::Ingest if !f.reports.is_empty() => bad("task = \"ingest\" takes no reports".into()),
            _ => {}
        }
        for r in &f.reports {
            if !REPORT_KINDS.contains(&r.as_str()) {
                bad(format!("unknown report {r:?} (known: {})", REPORT_KINDS.join(", ")));
            }
            if r == "cost" && f.period == Some(RelativePeriod::PreviousWeek) {
                bad("the cost report is daily or monthly: use period = previous_day or previous_month".into());
            }
        }
        if let Some(n) = f.schedule.business_day {
            if n == 0 || !(-20..=23).contains(&n) {
                bad(format!("business_day = {n}: use 1…23 (第N営業日) or −1…−20 (from the last)"));
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
            });
        }
    }
    if errors.is_empty() {
        Ok(jobs)
    } else {
        Err(errors)
    }
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
        }
    }

    fn days() -> BusinessDays {
        let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/jobs/config/syukujitsu.csv")).unwrap();
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
        let daily = job("0 30 2 * * *", None, false).runs_between(first, end, Some(&b)).unwrap();
        assert_eq!(daily.len(), 30);
        assert_eq!(daily[0], d(11, 1).and_hms_opt(2, 30, 0).unwrap());
        // Business days: 30 days − 9 weekend days (1,7,8,14,15,21,22,28,29)
        // − 11/3 文化の日 − 11/23 勤労感謝の日 = 19.
        assert_eq!(job("0 0 7 * * *", None, true).runs_between(first, end, Some(&b)).unwrap().len(), 19);
        // 第5営業日: 2, 4, 5, 6, 9 → 11/9.
        let fifth = job("0 0 6 * * *", Some(5), false).runs_between(first, end, Some(&b)).unwrap();
        assert_eq!(fifth, [d(11, 9).and_hms_opt(6, 0, 0).unwrap()]);
        // 最終営業日: 11/30 (Mon).
        let last = job("0 0 18 * * *", Some(-1), false).runs_between(first, end, Some(&b)).unwrap();
        assert_eq!(last, [d(11, 30).and_hms_opt(18, 0, 0).unwrap()]);
        // Mondays at 03:00 (day-of-week 1): 2, 9, 16, 23, 30.
        assert_eq!(job("0 0 3 * * MON", None, false).runs_between(first, end, Some(&b)).unwrap().len(), 5);
        // A business-day rule without a holiday list is an error, not a guess.
        assert!(job("0 0 6 * * *", Some(1), false).runs_between(first, end, None).is_err());
    }

    #[test]
    fn descriptions_and_bad_cron() {
        assert_eq!(job("0 30 2 * * *", None, false).describe(), "毎日 02:30");
        assert_eq!(job("0 0 6 * * *", Some(5), false).describe(), "第5営業日 06:00");
        assert_eq!(job("0 0 6 * * *", Some(-1), false).describe(), "最終営業日 06:00");
        assert_eq!(job("0 0 7 * * *", None, true).describe(), "営業日 07:00");
        assert_eq!(job("0 0 3 * * MON", None, false).describe(), "曜日 月 03:00");
        assert!(parse_cron("30 2 * * *").is_err(), "5 fields are refused");
        assert!(parse_cron("0 61 2 * * *").is_err());
    }

    #[test]
    fn bundled_jobs_load() {
        let jobs = load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("jobs")).unwrap();
        assert!(jobs.iter().any(|j| j.reports.iter().any(|r| r == "monthly")));
        assert!(jobs.iter().any(|j| j.reports.iter().any(|r| r == "cost") && j.period == Some(RelativePeriod::PreviousDay)));
    }

    #[test]
    fn a_weekly_cost_report_is_refused() {
        let dir = std::env::temp_dir().join(format!("hokoku-jobs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("w.toml"), "title = \"w\"\ntask = \"report\"\nreports = [\"cost\"]\nperiod = \"previous_week\"\n[schedule]\ncron = \"0 0 3 * * MON\"\n").unwrap();
        let e = load(&dir).unwrap_err();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(e.iter().any(|e| e.contains("w.toml") && e.contains("daily or monthly")), "{e:?}");
    }
}
