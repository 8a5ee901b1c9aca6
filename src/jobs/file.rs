//! What a job file says (`jobs/<id>.toml`): the task, the period, the
//! inputs and readiness, the outputs, the retries and the alert.

use crate::config::AlertSpec;
use crate::ingest::SourceId;
use crate::render::Formats;
use crate::report::ReportCode;
use crate::time::Grain;
use serde::Deserialize;
use std::path::PathBuf;

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
    /// The length of the period.
    pub fn grain(&self) -> Grain {
        match self {
            RelativePeriod::PreviousDay => Grain::Day,
            RelativePeriod::PreviousWeek => Grain::Week,
            RelativePeriod::PreviousMonth => Grain::Month,
        }
    }
    /// The period of a grain, as a job file writes it.
    pub fn of(grain: Grain) -> RelativePeriod {
        match grain {
            Grain::Day => RelativePeriod::PreviousDay,
            Grain::Week => RelativePeriod::PreviousWeek,
            Grain::Month => RelativePeriod::PreviousMonth,
        }
    }
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
pub(super) struct ScheduleFile {
    pub cron: String,
    #[serde(default)]
    pub business_day: Option<i32>,
    #[serde(default)]
    pub business_days_only: bool,
    #[serde(default)]
    pub after_period: bool,
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
    pub fn on_missing_for(&self, reports: &[ReportCode]) -> OnMissing {
        self.on_missing.unwrap_or_else(|| {
            if reports
                .iter()
                .any(|r| matches!(r, ReportCode::Monthly | ReportCode::Sla))
            {
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
    pub expect: Vec<SourceId>,
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
            expect: crate::ingest::SOURCES
                .iter()
                .filter(|s| !s.optional)
                .map(|s| s.id)
                .collect(),
            on_missing: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct OutputsFile {
    pub dir: PathBuf,
    pub formats: Vec<String>,
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

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct JobFile {
    pub title: String,
    pub task: Task,
    #[serde(default)]
    pub reports: Vec<String>,
    #[serde(default)]
    pub period: Option<RelativePeriod>,
    #[serde(default = "yes")]
    pub enabled: bool,
    pub schedule: ScheduleFile,
    #[serde(default)]
    pub inputs: InputsSpec,
    #[serde(default)]
    pub outputs: OutputsFile,
    #[serde(default)]
    pub retry: RetrySpec,
    #[serde(default)]
    pub alert: Option<AlertSpec>,
}

fn yes() -> bool {
    true
}
