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
    /// Rows a list shows in the PDF (the rest: 「ほか N 件」 and the
    /// workbook, which keeps every row). Default 25.
    #[serde(default = "default_list_rows")]
    pub list_rows: usize,
}

fn default_list_rows() -> usize {
    25
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
    /// The sections the template lists, each with the report's own section
    /// id (`parse` is the id set's; the loader refused any other id).
    pub fn sections_of<S: 'static>(
        &self,
        parse: fn(&str) -> Option<S>,
    ) -> impl Iterator<Item = (&str, S)> + '_ {
        self.sections
            .iter()
            .filter_map(move |id| parse(id).map(|s| (id.as_str(), s)))
    }
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
    /// Each registered report's templates by name (`daily`, `cost_monthly`).
    pub reports: BTreeMap<&'static str, ReportTemplate>,
    /// Label tables: `labels["kinds"]["incident"] = "インシデント"`.
    pub labels: BTreeMap<String, BTreeMap<String, String>>,
    pub definitions: Vec<Definition>,
    /// The bundled font.
    pub font: Vec<u8>,
    /// SHA-256 over every template file (name and bytes).
    pub digest: String,
}

impl Templates {
    /// The template `name` of a registered report (checked at load).
    pub fn report(&self, name: &str) -> &ReportTemplate {
        &self.reports[name]
    }

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

/// Load the template of every registered report (`<dir>/<name>.toml`),
/// `labels.toml`, `definitions.toml` and `<dir>/fonts/ipaexg.ttf`,
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
    let specs = super::all_templates();
    let raw_reports: Vec<Option<Vec<u8>>> = specs
        .iter()
        .map(|s| read(&format!("{}.toml", s.name)))
        .collect();
    let labels = read("labels.toml");
    let defs = read("definitions.toml");
    let font = read("fonts/ipaexg.ttf");
    let digest = crate::util::hex(&hasher.finalize());
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
    let reports: Vec<Option<ReportTemplate>> = specs
        .iter()
        .zip(raw_reports)
        .map(|(s, b)| parse(dir, &format!("{}.toml", s.name), b, &mut errors))
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
    for (spec, tpl) in specs.iter().zip(&reports) {
        let Some(d) = tpl else { continue };
        let file = dir.join(format!("{}.toml", spec.name));
        if d.submit_business_day
            .is_some_and(|n| !(1..=20).contains(&n))
        {
            errors.push(format!(
                "{}: submit_business_day must be 1–20",
                file.display()
            ));
        }
        for s in &d.sections {
            if !spec.sections.contains(&s.as_str()) {
                errors.push(format!(
                    "{}: unknown section {s:?} (known: {})",
                    file.display(),
                    spec.sections.join(", ")
                ));
            } else if !d.section_titles.contains_key(s) {
                errors.push(format!(
                    "{}: section {s:?} has no entry in [section_titles]",
                    file.display()
                ));
            }
        }
    }
    let all_reports = reports.iter().all(Option::is_some);
    match (labels, defs, font) {
        (Some(labels), Some(defs), Some(font)) if errors.is_empty() && all_reports => {
            Ok(Templates {
                dir: dir.to_path_buf(),
                reports: specs
                    .iter()
                    .map(|s| s.name)
                    .zip(reports.into_iter().flatten())
                    .collect(),
                labels,
                definitions: defs.definition,
                font,
                digest,
            })
        }
        _ => Err(errors),
    }
}
