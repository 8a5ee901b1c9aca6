//! Report templates (`templates/`): titles, organisation, section order and
//! the Japanese labels of canonical codes. Nothing a document shows in words
//! is hard-coded elsewhere; see docs/TEMPLATES.md.

use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One report's template (e.g. `templates/daily.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportTemplate {
    pub title: String,
    pub organisation: String,
    pub author: String,
    pub period_prefix: String,
    /// Output file stem (`daily` → daily-2026-10-15.xlsx).
    pub file_stem: String,
    /// Section ids in order.
    pub sections: Vec<String>,
    /// Title per section id.
    pub section_titles: BTreeMap<String, String>,
    /// `portrait` (default) or `landscape`: A4 orientation of the PDF and
    /// the printed workbook.
    #[serde(default)]
    pub orientation: TemplateOrientation,
    /// Addressee printed on the cover (表紙), e.g. `… 御中`.
    #[serde(default)]
    pub recipient: String,
    /// 提出日 on the cover: the Nth business day (営業日) of the month after
    /// the period. Only documents with a cover use it.
    #[serde(default)]
    pub submit_business_day: Option<u32>,
}

/// Orientation as written in a template.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum TemplateOrientation {
    #[default]
    Portrait,
    Landscape,
}

impl ReportTemplate {
    /// The title of a section id (the id itself when the template has none).
    pub fn section_title(&self, id: &str) -> String {
        self.section_titles
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }
    /// The model's orientation.
    pub fn orientation(&self) -> super::model::Orientation {
        match self.orientation {
            TemplateOrientation::Portrait => super::model::Orientation::Portrait,
            TemplateOrientation::Landscape => super::model::Orientation::Landscape,
        }
    }
}

/// A term and its definition for the 定義 sheet.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Definition {
    pub term: String,
    pub text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DefinitionsFile {
    definition: Vec<Definition>,
}

/// Every template the reports use.
#[derive(Debug, Clone)]
pub struct Templates {
    pub dir: PathBuf,
    pub daily: ReportTemplate,
    /// SLA遵守状況報告.
    pub sla: ReportTemplate,
    /// 月次報告.
    pub monthly: ReportTemplate,
    /// 週次報告.
    pub weekly: ReportTemplate,
    /// コスト管理報告（日次）.
    pub cost_daily: ReportTemplate,
    /// コスト管理報告（月次）.
    pub cost_monthly: ReportTemplate,
    /// Label tables: `labels["kinds"]["incident"] = "インシデント"`.
    pub labels: BTreeMap<String, BTreeMap<String, String>>,
    pub definitions: Vec<Definition>,
    /// The bundled font.
    pub font: Vec<u8>,
    /// SHA-256 over every template file (name and bytes).
    pub digest: String,
}

impl Templates {
    /// The label of `code` in `table`, or the code itself.
    pub fn label<'a>(&'a self, table: &str, code: &'a str) -> &'a str {
        self.labels
            .get(table)
            .and_then(|t| t.get(code))
            .map_or(code, String::as_str)
    }

    /// A problem in Japanese (`[problems]` of labels.toml; the English text
    /// when the label is missing).
    pub fn problem(&self, p: &crate::problem::Problem) -> String {
        p.render(
            self.labels
                .get("problems")
                .and_then(|t| t.get(p.code))
                .map(String::as_str),
        )
    }
}

/// Section ids the daily builder knows.
pub const DAILY_SECTIONS: &[&str] = &[
    "summary",
    "tickets",
    "batch",
    "backups",
    "capacity",
    "calls",
    "cost",
    "remarks",
    "data_quality",
];
/// Section ids the SLA builder knows.
pub const SLA_SECTIONS: &[&str] = &["summary", "trend", "breaches", "remarks", "data_quality"];
/// Section ids the monthly builder knows (reports.md 1–14, remarks, data quality).
pub const MONTHLY_SECTIONS: &[&str] = &[
    "summary",
    "sla",
    "incidents",
    "problems",
    "changes",
    "releases",
    "configuration",
    "calls",
    "batch",
    "backups",
    "capacity",
    "availability",
    "cost",
    "next_month",
    "remarks",
    "data_quality",
];
/// Section ids the weekly builder knows.
pub const WEEKLY_SECTIONS: &[&str] = &[
    "summary",
    "days",
    "tickets",
    "batch",
    "backups",
    "capacity",
    "calls",
    "cost",
    "remarks",
    "data_quality",
];

/// Section ids the daily cost builder knows.
pub const COST_DAILY_SECTIONS: &[&str] = &[
    "summary",
    "month_to_date",
    "detail",
    "remarks",
    "data_quality",
];
/// Section ids the monthly cost builder knows.
pub const COST_MONTHLY_SECTIONS: &[&str] = &[
    "summary",
    "by_source",
    "detail",
    "unit_costs",
    "fiscal_year",
    "remarks",
    "data_quality",
];

/// Load `<dir>/{daily,weekly,monthly,sla,cost_daily,cost_monthly,labels,definitions}.toml` and `<dir>/fonts/ipaexg.ttf`,
/// collecting every problem.
pub fn load(dir: &Path) -> Result<Templates, Vec<String>> {
    let mut errors = Vec::new();
    let mut hasher = Sha256::new();
    let mut read = |name: &str| -> Option<Vec<u8>> {
        let p = dir.join(name);
        match std::fs::read(&p) {
            Ok(b) => {
                hasher.update(name.as_bytes());
                hasher.update([0]);
                hasher.update(&b);
                Some(b)
            }
            Err(e) => {
                errors.push(format!("{}: {e}", p.display()));
                None
            }
        }
    };
    let report_files = [
        "daily.toml",
        "sla.toml",
        "monthly.toml",
        "weekly.toml",
        "cost_daily.toml",
        "cost_monthly.toml",
    ];
    let raw_reports: Vec<Option<Vec<u8>>> = report_files.iter().map(|n| read(n)).collect();
    let labels = read("labels.toml");
    let defs = read("definitions.toml");
    let font = read("fonts/ipaexg.ttf");
    let digest = crate::ingest::csv_reader::hex(&hasher.finalize());
    fn parse<T: serde::de::DeserializeOwned>(
        dir: &Path,
        name: &str,
        b: Option<Vec<u8>>,
        errors: &mut Vec<String>,
    ) -> Option<T> {
        let b = b?;
        let text = match String::from_utf8(b) {
            Ok(t) => t,
            Err(_) => {
                errors.push(format!("{}: not UTF-8", dir.join(name).display()));
                return None;
            }
        };
        toml::from_str(&text)
            .map_err(|e| {
                errors.push(format!(
                    "{}: {}",
                    dir.join(name).display(),
                    e.to_string().trim_end()
                ))
            })
            .ok()
    }
    let mut reports: Vec<Option<ReportTemplate>> = report_files
        .iter()
        .zip(raw_reports)
        .map(|(n, b)| parse(dir, n, b, &mut errors))
        .collect();
    let labels: Option<BTreeMap<String, BTreeMap<String, String>>> =
        parse(dir, "labels.toml", labels, &mut errors);
    let defs: Option<DefinitionsFile> = parse(dir, "definitions.toml", defs, &mut errors);
    // Every reason a document can show has its Japanese words.
    if let Some(l) = &labels {
        let problems = l.get("problems");
        let missing: Vec<&str> = crate::problem::CODES
            .iter()
            .map(|(c, _)| *c)
            .filter(|c| problems.is_none_or(|t| !t.contains_key(*c)))
            .collect();
        if !missing.is_empty() {
            errors.push(format!(
                "{}: [problems] has no Japanese text for {}",
                dir.join("labels.toml").display(),
                missing.join(", ")
            ));
        }
    }
    for ((name, tpl), known) in report_files.iter().zip(&reports).zip([
        DAILY_SECTIONS,
        SLA_SECTIONS,
        MONTHLY_SECTIONS,
        WEEKLY_SECTIONS,
        COST_DAILY_SECTIONS,
        COST_MONTHLY_SECTIONS,
    ]) {
        let Some(d) = tpl else { continue };
        if d.submit_business_day
            .is_some_and(|n| !(1..=20).contains(&n))
        {
            errors.push(format!(
                "{}: submit_business_day must be 1–20",
                dir.join(name).display()
            ));
        }
        for s in &d.sections {
            if !known.contains(&s.as_str()) {
                errors.push(format!(
                    "{}: unknown section {s:?} (known: {})",
                    dir.join(name).display(),
                    known.join(", ")
                ));
            } else if !d.section_titles.contains_key(s) {
                errors.push(format!(
                    "{}: section {s:?} has no entry in [section_titles]",
                    dir.join(name).display()
                ));
            }
        }
    }
    let cost_monthly = reports.pop().flatten();
    let cost_daily = reports.pop().flatten();
    let weekly = reports.pop().flatten();
    let monthly = reports.pop().flatten();
    let sla = reports.pop().flatten();
    let daily = reports.pop().flatten();
    match (
        daily,
        sla,
        monthly,
        weekly,
        (cost_daily, cost_monthly),
        labels,
        defs,
        font,
    ) {
        (
            Some(daily),
            Some(sla),
            Some(monthly),
            Some(weekly),
            (Some(cost_daily), Some(cost_monthly)),
            Some(labels),
            Some(defs),
            Some(font),
        ) if errors.is_empty() => Ok(Templates {
            dir: dir.to_path_buf(),
            daily,
            sla,
            monthly,
            weekly,
            cost_daily,
            cost_monthly,
            labels,
            definitions: defs.definition,
            font,
            digest,
        }),
        _ => Err(errors),
    }
}
