//! `hokoku validate`: every problem of the configuration, templates, job
//! definitions and input files, collected at once.

use crate::config::{self, Config};
use crate::ingest::{self, Catalogue};
use crate::kpi;
use crate::report::template;
use std::path::Path;

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
    let (loaded, errs) = config::load_lenient(config_dir);
    let (catalogue, cat_errs) = Catalogue::compile_lenient(&loaded);
    let cfg = if errs.is_empty() { Some(loaded) } else { None };
    p.fatal.extend(errs);
    p.fatal.extend(cat_errs);
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
    p.profiles = catalogue
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
    let ds = ingest::load(inputs, &catalogue);
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
        if let Some(sd) = ds.get(*source) {
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
