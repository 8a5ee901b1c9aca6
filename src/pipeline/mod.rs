//! The pipeline: the one path from inputs to outputs that the CLI and the
//! scheduler both take.
//!
//! ```text
//! Setup (config, catalogue, templates, jobs)
//!   └ plan: inputs or store ──ingest/store──▶ Dataset (read once per run)
//!        └ each report ──report::Report::build──▶ Document
//!             └ render::render_all ──▶ files in memory
//!   └ commit_all: every file of every report written all or nothing
//! ```
//!
//! [`plan`] builds every report of a run in memory and writes nothing;
//! [`commit_all`] writes them. [`run_report`] is the two in a row for one
//! report (the CLI); a scheduled job plans all of its reports from one read
//! of its inputs and commits them together.

mod ingest;
mod manifest;
mod rejected;
mod validate;

pub use ingest::{run_ingest, IngestOutcome};
pub use rejected::rejected_csv;
pub use validate::{validate, Problems};

use crate::config::{self, Config};
use crate::ingest::{Catalogue, Dataset};
use crate::jobs::Job;
use crate::output::{OutputFile, Planned};
use crate::render::{self, Assets, Formats};
use crate::report::template::{self, Templates};
use crate::report::{Context as ReportContext, ReportKind, ScheduledJob};
use crate::time::Period;
use anyhow::{bail, Context, Result};
use manifest::{Manifest, Options, Provenance, Timings};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Instant;

pub use crate::util::no_formula;

/// The configuration, readers, templates and job definitions a run uses,
/// loaded and checked once.
pub struct Setup {
    pub config_dir: PathBuf,
    pub templates_dir: PathBuf,
    pub jobs_dir: PathBuf,
    pub cfg: Config,
    pub catalogue: Catalogue,
    pub tpl: Templates,
    pub assets: Assets,
    /// The job definitions, for the monthly report's 翌月の作業予定, or why
    /// they could not be read (a report does not fail for it).
    pub job_defs: Result<Vec<Job>, String>,
}

impl Setup {
    /// Load and check the configuration (with its readers), the templates
    /// and the job definitions; fails with every problem of the first two.
    pub fn load(config_dir: &Path, templates_dir: &Path, jobs_dir: &Path) -> Result<Setup> {
        let (cfg, mut errs) = config::load_lenient(config_dir);
        let (catalogue, cat_errs) = Catalogue::compile_lenient(&cfg);
        errs.extend(cat_errs);
        let tpl = template::load(templates_dir);
        if let Err(e) = &tpl {
            errs.extend(e.iter().cloned());
        }
        if !errs.is_empty() {
            bail!("configuration problems:\n  {}", errs.join("\n  "));
        }
        let tpl = tpl.expect("checked");
        let job_defs = crate::jobs::load(jobs_dir).map_err(|e| e.join("; "));
        Ok(Setup {
            config_dir: config_dir.to_path_buf(),
            templates_dir: templates_dir.to_path_buf(),
            jobs_dir: jobs_dir.to_path_buf(),
            assets: Assets::new(tpl.font.clone()),
            cfg,
            catalogue,
            tpl,
            job_defs,
        })
    }

    /// The runs of the enabled jobs in `[first, end_day)`.
    fn scheduled(
        &self,
        first: chrono::NaiveDate,
        end_day: chrono::NaiveDate,
    ) -> Result<Vec<ScheduledJob>, String> {
        let jobs = self.job_defs.as_ref().map_err(Clone::clone)?;
        let mut out = Vec::new();
        let mut err = None;
        for job in jobs.iter().filter(|j| j.enabled) {
            match job.runs_between(first, end_day, self.cfg.calendars.rule.as_ref()) {
                Ok(runs) => out.push(ScheduledJob {
                    id: job.id.clone(),
                    title: job.title.clone(),
                    schedule: job.describe(),
                    runs,
                }),
                Err(e) => err = Some(e),
            }
        }
        match err {
            Some(e) => Err(e),
            None => Ok(out),
        }
    }
}

/// The configuration and its readers, every problem at once (tests, bench).
pub fn load_config(dir: &Path) -> Result<(Config, Catalogue), Vec<String>> {
    let (cfg, mut errs) = config::load_lenient(dir);
    let (cat, cat_errs) = Catalogue::compile_lenient(&cfg);
    errs.extend(cat_errs);
    if errs.is_empty() {
        Ok((cfg, cat))
    } else {
        Err(errs)
    }
}

/// Where a run reads and writes.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The inputs folder (CSVs; remarks are read from it either way).
    pub inputs: PathBuf,
    /// Read the history store (`hokoku ingest`) instead of the inputs' CSVs.
    pub store: Option<PathBuf>,
    /// The outputs folder.
    pub out: PathBuf,
    /// A rejected row fails the run instead of being set aside.
    pub strict: bool,
    /// Which documents to write (the manifest and the rejected-rows file
    /// are always written).
    pub formats: Formats,
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

/// A source a report has no data from for its period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Uncovered {
    pub source: crate::ingest::SourceId,
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
    crate::ingest::SOURCES
        .iter()
        .filter(|s| !s.optional)
        .filter_map(|s| match ds.get(s.id) {
            None => Some(Uncovered {
                source: s.id,
                reason: "absent",
            }),
            Some(d) if !d.covers(p.start_ms(), p.end_ms()) => Some(Uncovered {
                source: s.id,
                reason: "not_covering",
            }),
            _ => None,
        })
        .collect()
}

/// A report rendered in memory and not yet written: [`run_report`] is
/// [`plan`] then [`PlannedReport::commit`]. A scheduled job plans all of its
/// reports first and writes only when every one of them succeeded, so a
/// failed run leaves the previous outputs untouched.
pub struct PlannedReport {
    kind: ReportKind,
    files: Vec<Planned>,
    manifest: Manifest,
    manifest_path: PathBuf,
}

impl PlannedReport {
    /// Which report.
    pub fn kind(&self) -> ReportKind {
        self.kind
    }

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
    fn stage(
        &mut self,
        tx: &mut crate::output::Transaction,
    ) -> Result<(), crate::output::CommitError> {
        let t3 = Instant::now();
        if let Some(dir) = self.manifest_path.parent() {
            for stale in crate::output::clean_stale(dir) {
                tracing::warn!(file = %stale.display(), "removed a temporary file a killed run left");
            }
        }
        for p in &self.files {
            tx.stage(&p.path, &p.bytes)?;
            self.manifest
                .outputs
                .push(OutputFile::new(&p.path, &p.bytes));
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

/// Produce one report end to end.
pub fn run_report(setup: &Setup, opts: &RunOptions, kind: ReportKind) -> Result<RunOutcome> {
    let mut planned = plan(setup, opts, &[kind])?;
    planned.remove(0).commit()
}

/// Read the run's data: the history store, or every input file.
fn load_dataset(setup: &Setup, opts: &RunOptions) -> Result<Dataset> {
    let ds = match &opts.store {
        Some(store) => crate::store::load(store)?,
        None => {
            if !opts.inputs.is_dir() {
                bail!("inputs folder {} not found", opts.inputs.display());
            }
            crate::ingest::load(&opts.inputs, &setup.catalogue)
        }
    };
    if !ds.errors.is_empty() {
        let list: Vec<String> = ds.errors.iter().map(ToString::to_string).collect();
        bail!("input files could not be read:\n  {}", list.join("\n  "));
    }
    if opts.strict && !ds.issues.is_empty() {
        let list: Vec<String> = ds.issues.iter().map(ToString::to_string).collect();
        bail!(
            "--strict: {} bad rows:\n  {}",
            ds.rejected_rows(),
            list.join("\n  ")
        );
    }
    Ok(ds)
}

/// Read the data once, then build and render every report in memory;
/// nothing is written.
pub fn plan(setup: &Setup, opts: &RunOptions, kinds: &[ReportKind]) -> Result<Vec<PlannedReport>> {
    let t0 = Instant::now();
    let ds = load_dataset(setup, opts)?;
    let ingest_ms = t0.elapsed().as_millis();
    let rejected = rejected_csv(&ds, &setup.tpl, setup.cfg.site.privacy.keep_raw_rejected)?;
    kinds
        .iter()
        .map(|&kind| {
            plan_one(setup, opts, &ds, kind, ingest_ms, &rejected)
                .with_context(|| format!("{} {}", kind.code(), kind.period_id()))
        })
        .collect()
}

/// Build and render one report from the run's data.
fn plan_one(
    setup: &Setup,
    opts: &RunOptions,
    ds: &Dataset,
    kind: ReportKind,
    ingest_ms: u128,
    rejected: &[u8],
) -> Result<PlannedReport> {
    let mut timings = Timings {
        ingest: ingest_ms,
        ..Default::default()
    };
    let t1 = Instant::now();
    let schedule = |first, end| setup.scheduled(first, end);
    let cx = ReportContext {
        ds,
        cfg: &setup.cfg,
        tpl: &setup.tpl,
        remarks: read_remarks(&opts.inputs, &kind)?,
        jobs_dir: setup.jobs_dir.display().to_string(),
        schedule: &schedule,
    };
    let built = kind.code.report().build(&cx, kind.period)?;
    let (doc, mut warnings) = (built.doc, built.warnings);
    timings.kpi = t1.elapsed().as_millis();

    let t2 = Instant::now();
    let rendered = render::render_all(&doc, &opts.formats, &setup.assets)?;
    warnings.extend(rendered.warnings);
    timings.render = t2.elapsed().as_millis();

    let dir = kind.dir(&opts.out);
    let stem = doc.stem();
    let rejected_path = dir.join(format!("{stem}.rejected.csv"));
    let mut files: Vec<Planned> = rendered
        .files
        .into_iter()
        .map(|(name, bytes)| Planned {
            path: dir.join(name),
            bytes,
        })
        .collect();
    files.push(Planned {
        path: rejected_path.clone(),
        bytes: rejected.to_vec(),
    });
    let manifest = Manifest {
        tool: "hokoku",
        version: env!("CARGO_PKG_VERSION"),
        report: kind.code(),
        period: doc.period.clone(),
        as_of: crate::time::format_iso_jst(doc.as_of),
        inputs_dir: opts.inputs.display().to_string(),
        inputs: ds.files.clone(),
        rejected_rows: ds.rejected_rows(),
        rejected_file: rejected_path.display().to_string(),
        config: Provenance {
            dir: setup.config_dir.display().to_string(),
            sha256: setup.cfg.digest.clone(),
        },
        templates: Provenance {
            dir: setup.templates_dir.display().to_string(),
            sha256: setup.tpl.digest.clone(),
        },
        options: Options {
            strict: opts.strict,
            short_abandon_s: setup.cfg.site.calls.short_abandon_s,
            service_level_s: setup.cfg.site.calls.service_level_s,
        },
        outputs: Vec::new(),
        uncovered_sources: uncovered(ds, kind.period()),
        warnings,
        timings_ms: timings,
    };
    Ok(PlannedReport {
        kind,
        files,
        manifest,
        manifest_path: dir.join(format!("{stem}.manifest.json")),
    })
}

/// The optional remarks file `inputs/remarks/<code>/<period>.txt`
/// (`daily/2026-10-15.txt`, `sla/2026-10.txt`), UTF-8 or CP932.
fn read_remarks(inputs: &Path, kind: &ReportKind) -> Result<Option<String>> {
    let p = inputs
        .join("remarks")
        .join(kind.code())
        .join(format!("{}.txt", kind.period_id()));
    match std::fs::read(&p) {
        Ok(b) => {
            let (text, _) = crate::encoding::decode(&b, None)
                .map_err(|(l, r)| anyhow::anyhow!("{}:{l}: {r}", p.display()))?;
            Ok(Some(text))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}", p.display())),
    }
}
