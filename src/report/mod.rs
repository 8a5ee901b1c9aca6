//! Reports: each kind is one module that plans its KPIs and builds a
//! format-neutral [`model::Document`] from them and its template; the
//! renderers ([`crate::render`]) see only that document.
//!
//! A new report kind is one new module implementing [`Report`] plus one
//! line in the registry below (and its template in `templates/`): the
//! registry makes its [`ReportCode`] (what jobs and the CLI name it by),
//! and the template loader, `hokoku validate` and the scheduler find it
//! there.

pub mod common;
pub mod cost;
pub mod daily;
pub mod model;
pub mod monthly;
pub mod sla;
pub mod template;
pub mod weekly;

use crate::config::Config;
use crate::ingest::Dataset;
use crate::time::{CalPeriod, Grain};
use anyhow::Result;
use chrono::{Datelike, NaiveDateTime};
use model::Document;
use std::path::{Path, PathBuf};
use template::Templates;

/// One report kind.
pub trait Report: Sync {
    /// What it is, for `hokoku report --help`.
    fn about(&self) -> &'static str;
    /// The periods it reports on; the first is the default.
    fn grains(&self) -> &'static [Grain];
    /// Its templates (`templates/<name>.toml`) and the section ids each
    /// may list, by grain (a report of one template lists one).
    fn templates(&self) -> &'static [TemplateSpec];
    /// The template a period uses.
    fn template_of(&self, period: CalPeriod) -> &'static str {
        let specs = self.templates();
        specs
            .iter()
            .find(|s| s.grain == Some(period.grain()))
            .unwrap_or(&specs[0])
            .name
    }
    /// Compute its figures and build its document for `period`.
    fn build(&self, cx: &Context, period: CalPeriod) -> Result<Built>;
}

/// A template a report uses: its file stem and the section ids it knows.
pub struct TemplateSpec {
    /// `daily` for `templates/daily.toml`.
    pub name: &'static str,
    /// The grain it is for (`None`: every grain of the report).
    pub grain: Option<Grain>,
    /// The section ids a template may list, in the default order.
    pub sections: &'static [&'static str],
}

/// What a report is built from: the data, the configuration, the words,
/// and what the pipeline read for it.
pub struct Context<'a> {
    pub ds: &'a Dataset,
    pub cfg: &'a Config,
    pub tpl: &'a Templates,
    /// The remarks file for this report and period
    /// (`inputs/remarks/<code>/<period>.txt`), as text.
    pub remarks: Option<String>,
    /// The job definitions folder, as shown (a note when it cannot be read).
    pub jobs_dir: String,
    /// hokoku's own jobs in a span of days (the monthly report's
    /// 翌月の作業予定), or why they are unknown.
    pub schedule: &'a (dyn Fn(chrono::NaiveDate, chrono::NaiveDate) -> Result<Vec<ScheduledJob>, String>
             + Sync),
}

/// The runs of one of hokoku's jobs in a span.
#[derive(Debug, Clone)]
pub struct ScheduledJob {
    /// The job id (`monthly`).
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its schedule in words (`第1営業日 06:00`).
    pub schedule: String,
    /// Its runs, JST.
    pub runs: Vec<NaiveDateTime>,
}

/// A built report: the document (with its figures and data-quality notes)
/// and warnings for the run's log and manifest.
pub struct Built {
    pub doc: Document,
    pub warnings: Vec<String>,
}

/// Declares the registry: the [`ReportCode`] of each report kind and the
/// module that implements it.
macro_rules! registry {
    ($($(#[$m:meta])* $variant:ident = $code:literal => $imp:expr),* $(,)?) => {
        crate::closed_set! {
            /// A report kind, as jobs (`reports = ["daily"]`), the CLI and
            /// the output folders name it.
            pub enum ReportCode { $($(#[$m])* $variant = $code),* }
        }

        impl ReportCode {
            /// The report that implements it.
            pub fn report(self) -> &'static dyn Report {
                match self { $(ReportCode::$variant => $imp),* }
            }
        }
    };
}

registry! {
    /// 日次報告.
    Daily = "daily" => &daily::Daily,
    /// 週次報告.
    Weekly = "weekly" => &weekly::Weekly,
    /// 月次報告.
    Monthly = "monthly" => &monthly::Monthly,
    /// SLA遵守状況報告.
    Sla = "sla" => &sla::Sla,
    /// コスト管理報告 (daily and monthly).
    Cost = "cost" => &cost::Cost,
}

/// Which report for which period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ReportKind {
    pub code: ReportCode,
    pub period: CalPeriod,
}

impl ReportKind {
    /// The report `code` for `period`, when it reports on such periods.
    pub fn new(code: ReportCode, period: CalPeriod) -> Result<ReportKind, String> {
        let grains = code.report().grains();
        if grains.contains(&period.grain()) {
            Ok(ReportKind { code, period })
        } else {
            Err(format!(
                "the {code} report is for {}, not {}",
                grains
                    .iter()
                    .map(|g| g.as_str())
                    .collect::<Vec<_>>()
                    .join(" or "),
                period.grain().as_str()
            ))
        }
    }
    /// `daily`, `sla`.
    pub fn code(&self) -> &'static str {
        self.code.as_str()
    }
    /// The reported period.
    pub fn period(&self) -> crate::time::Period {
        self.period.period()
    }
    /// The period as written in file names and remarks (`2026-10-15`,
    /// `2026-W42`, `2026-10`).
    pub fn period_id(&self) -> String {
        self.period.label()
    }
    /// Where its files go: `<out>/<code>/YYYY/MM/` for a day,
    /// `<out>/<code>/<ISO year>/` for a week, `<out>/<code>/YYYY/` for a
    /// month.
    pub fn dir(&self, out: &Path) -> PathBuf {
        let first = self.period().first;
        let year = match self.period {
            CalPeriod::Week(_) => first.iso_week().year(),
            _ => first.year(),
        };
        let base = out.join(self.code()).join(format!("{year:04}"));
        match self.period {
            CalPeriod::Day(_) => base.join(format!("{:02}", first.month())),
            _ => base,
        }
    }
    /// The template it uses.
    pub fn template(&self) -> &'static str {
        self.code.report().template_of(self.period)
    }
}

/// Every template of every registered report: (template name, section ids).
pub fn all_templates() -> Vec<&'static TemplateSpec> {
    ReportCode::ALL
        .iter()
        .flat_map(|c| c.report().templates())
        .collect()
}
