//! Site configuration (`<config>/site.toml`): thresholds, targets, expected
//! backups, job deadlines and per-source options.
//!
//! Loading collects *all* problems (unknown keys, bad times, bad values) so
//! that `hokoku validate` can print them at once. See docs/CONFIG.md.

use crate::ingest::encoding::Encoding;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The whole site configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SiteConfig {
    /// Per-source options.
    pub sources: BTreeMap<String, SourceOptions>,
    /// Capacity thresholds.
    pub capacity: CapacityConfig,
    /// Call-centre parameters.
    pub calls: CallsConfig,
    /// Batch job options.
    pub jobs: JobsConfig,
    /// Backup expectations.
    pub backups: BackupsConfig,
    /// Targets for the status marks (○ / △ / ×), by figure key.
    pub targets: BTreeMap<String, Target>,
    /// Report options.
    pub report: ReportOptions,
}

/// Options for one source.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceOptions {
    /// Force an encoding instead of detecting it.
    pub encoding: Option<Encoding>,
}

/// Warn / critical thresholds in percent.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// Samples strictly above are warnings.
    pub warn: f64,
    /// Samples strictly above are critical.
    pub crit: f64,
}

/// Capacity thresholds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CapacityConfig {
    /// Default for every `*_pct` metric.
    pub default: Thresholds,
    /// Overrides per metric name.
    pub metrics: BTreeMap<String, Thresholds>,
}

impl Default for CapacityConfig {
    fn default() -> Self {
        CapacityConfig { default: Thresholds { warn: 80.0, crit: 90.0 }, metrics: BTreeMap::new() }
    }
}

impl CapacityConfig {
    /// Thresholds for a metric; only percentage metrics (`*_pct`) have defaults.
    pub fn for_metric(&self, metric: &str) -> Option<Thresholds> {
        self.metrics
            .get(metric)
            .copied()
            .or_else(|| metric.ends_with("_pct").then_some(self.default))
    }
}

/// Call-centre parameters.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CallsConfig {
    /// Abandons with a wait strictly below this are short abandons.
    pub short_abandon_s: i64,
    /// Service level threshold T: answered with wait ≤ T.
    pub service_level_s: i64,
}

impl Default for CallsConfig {
    fn default() -> Self {
        CallsConfig { short_abandon_s: 5, service_level_s: 20 }
    }
}

/// Batch job options.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JobsConfig {
    /// Completion deadlines by job name: `"HH:MM"` on the instance date or
    /// `"+1 HH:MM"` on the next day. Used when the data has no deadline.
    pub deadlines: BTreeMap<String, String>,
}

/// A parsed deadline rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeadlineRule {
    /// Days after the instance date.
    pub day_offset: i64,
    /// Minutes after midnight.
    pub minute_of_day: i64,
}

/// Parse `"HH:MM"` or `"+1 HH:MM"`.
pub fn parse_deadline(s: &str) -> Result<DeadlineRule, String> {
    let t = s.trim();
    let (day_offset, hm) = match t.strip_prefix('+') {
        Some(rest) => {
            let (d, hm) = rest.split_once(' ').ok_or_else(|| format!("bad deadline {s:?}: expected \"+1 HH:MM\""))?;
            (d.parse::<i64>().map_err(|_| format!("bad deadline {s:?}: day offset"))?, hm.trim())
        }
        None => (0, t),
    };
    let (h, m) = hm.split_once(':').ok_or_else(|| format!("bad deadline {s:?}: expected HH:MM"))?;
    let (h, m) = (h.parse::<i64>(), m.parse::<i64>());
    match (h, m) {
        (Ok(h), Ok(m)) if (0..24).contains(&h) && (0..60).contains(&m) && (0..=7).contains(&day_offset) => {
            Ok(DeadlineRule { day_offset, minute_of_day: h * 60 + m })
        }
        _ => Err(format!("bad deadline {s:?}: expected \"HH:MM\" or \"+1 HH:MM\"")),
    }
}

/// Backup expectations.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BackupsConfig {
    /// Which targets must be backed up when.
    pub expected: Vec<ExpectedBackup>,
}

/// One expected backup.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedBackup {
    /// Target as written in the backups data.
    pub target: String,
    /// `daily`, `weekdays`, `weekly:<Mon..Sun>` or `monthly:<1-31>`.
    pub schedule: String,
}

/// A backup schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schedule {
    /// Every day.
    Daily,
    /// Monday to Friday.
    Weekdays,
    /// One weekday.
    Weekly(chrono::Weekday),
    /// One day of the month.
    Monthly(u32),
}

impl Schedule {
    /// Parse a schedule string.
    pub fn parse(s: &str) -> Result<Schedule, String> {
        let t = s.trim();
        if t == "daily" {
            return Ok(Schedule::Daily);
        }
        if t == "weekdays" {
            return Ok(Schedule::Weekdays);
        }
        if let Some(d) = t.strip_prefix("weekly:") {
            return d.parse::<chrono::Weekday>().map(Schedule::Weekly).map_err(|_| format!("bad schedule {s:?}: weekday"));
        }
        if let Some(d) = t.strip_prefix("monthly:") {
            return match d.parse::<u32>() {
                Ok(n) if (1..=31).contains(&n) => Ok(Schedule::Monthly(n)),
                _ => Err(format!("bad schedule {s:?}: day of month 1–31")),
            };
        }
        Err(format!("bad schedule {s:?}: expected daily, weekdays, weekly:Sun or monthly:1"))
    }

    /// Whether a backup is expected on `d`.
    pub fn due_on(self, d: chrono::NaiveDate) -> bool {
        use chrono::Datelike;
        match self {
            Schedule::Daily => true,
            Schedule::Weekdays => d.weekday().number_from_monday() <= 5,
            Schedule::Weekly(w) => d.weekday() == w,
            Schedule::Monthly(n) => d.day() == n,
        }
    }
}

/// A target for a figure: `min` (higher is better) or `max` (lower is
/// better), with an optional `warn` level for △.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// The figure must be at least this.
    pub min: Option<f64>,
    /// The figure must be at most this.
    pub max: Option<f64>,
    /// Between `warn` and the target the mark is △ rather than ×.
    pub warn: Option<f64>,
}

/// Report options.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReportOptions {
    /// When the report is made, relative to the period end: `"+0 02:00"`
    /// means 02:00 on the day after the period. Used as 作成日時 and as the
    /// document date, so reruns are byte-identical.
    pub as_of: String,
    /// Rows in "top categories" tables.
    pub top_categories: usize,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions { as_of: "+0 02:00".into(), top_categories: 10 }
    }
}

/// Loaded configuration with its provenance.
#[derive(Debug, Clone)]
pub struct Config {
    /// The config folder.
    pub dir: PathBuf,
    /// Parsed site configuration.
    pub site: SiteConfig,
    /// Parsed deadlines by job name.
    pub deadlines: BTreeMap<String, DeadlineRule>,
    /// Parsed backup schedules (target, schedule), in config order.
    pub expected_backups: Vec<(String, Schedule)>,
    /// As-of rule.
    pub as_of: DeadlineRule,
    /// SHA-256 over every config file (name and bytes), for the manifest.
    pub digest: String,
}

/// Load `<dir>/site.toml` (absent = all defaults), returning every problem.
pub fn load(dir: &Path) -> Result<Config, Vec<String>> {
    let path = dir.join("site.toml");
    let mut errors = Vec::new();
    let mut hasher = Sha256::new();
    let site: SiteConfig = match std::fs::read_to_string(&path) {
        Ok(text) => {
            hasher.update(b"site.toml\0");
            hasher.update(text.as_bytes());
            match toml::from_str(&text) {
                Ok(s) => s,
                Err(e) => {
                    errors.push(format!("{}: {}", path.display(), e.to_string().trim_end()));
                    SiteConfig::default()
                }
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !dir.exists() => {
            errors.push(format!("{}: config folder not found", dir.display()));
            SiteConfig::default()
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => SiteConfig::default(),
        Err(e) => {
            errors.push(format!("{}: {e}", path.display()));
            SiteConfig::default()
        }
    };
    let at = |key: &str| format!("{}: {key}", path.display());
    let mut deadlines = BTreeMap::new();
    for (job, d) in &site.jobs.deadlines {
        match parse_deadline(d) {
            Ok(r) => {
                deadlines.insert(job.clone(), r);
            }
            Err(e) => errors.push(format!("{}: {e}", at(&format!("jobs.deadlines.{job}")))),
        }
    }
    let mut expected_backups = Vec::new();
    for (i, b) in site.backups.expected.iter().enumerate() {
        match Schedule::parse(&b.schedule) {
            Ok(s) => expected_backups.push((b.target.clone(), s)),
            Err(e) => errors.push(format!("{}: {e}", at(&format!("backups.expected[{i}]")))),
        }
        if site.backups.expected[..i].iter().any(|o| o.target == b.target) {
            errors.push(format!("{}: target {:?} listed twice", at(&format!("backups.expected[{i}]")), b.target));
        }
    }
    let mut check_thresholds = |key: String, t: &Thresholds| {
        if !(0.0..=100.0).contains(&t.warn) || !(0.0..=100.0).contains(&t.crit) || t.warn > t.crit {
            errors.push(format!("{}: warn and crit must be percentages with warn ≤ crit", at(&key)));
        }
    };
    check_thresholds("capacity.default".into(), &site.capacity.default);
    for (m, t) in &site.capacity.metrics {
        check_thresholds(format!("capacity.metrics.{m}"), t);
    }
    for (k, t) in &site.targets {
        let ok = match (t.min, t.max, t.warn) {
            (Some(_), Some(_), _) | (None, None, _) => false,
            (Some(min), None, Some(w)) => w <= min,
            (None, Some(max), Some(w)) => w >= max,
            _ => true,
        };
        if !ok {
            errors.push(format!("{}: give exactly one of min or max; warn must be on the failing side of it", at(&format!("targets.{k}"))));
        }
    }
    if site.calls.short_abandon_s < 0 || site.calls.service_level_s < 0 {
        errors.push(format!("{}: thresholds must not be negative", at("calls")));
    }
    for name in site.sources.keys() {
        if !crate::ingest::SOURCES.iter().any(|s| s.spec.name == name) {
            errors.push(format!("{}: unknown source {name:?}", at("sources")));
        }
    }
    let as_of = match parse_deadline(&site.report.as_of) {
        Ok(r) => r,
        Err(e) => {
            errors.push(format!("{}: {e}", at("report.as_of")));
            DeadlineRule { day_offset: 0, minute_of_day: 120 }
        }
    };
    if errors.is_empty() {
        Ok(Config {
            dir: dir.to_path_buf(),
            site,
            deadlines,
            expected_backups,
            as_of,
            digest: crate::ingest::csv_reader::hex(&hasher.finalize()),
        })
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines() {
        assert_eq!(parse_deadline("06:30"), Ok(DeadlineRule { day_offset: 0, minute_of_day: 390 }));
        assert_eq!(parse_deadline("+1 06:00"), Ok(DeadlineRule { day_offset: 1, minute_of_day: 360 }));
        assert!(parse_deadline("25:00").is_err());
        assert!(parse_deadline("+x 06:00").is_err());
    }

    #[test]
    fn collects_every_problem() {
        let dir = std::env::temp_dir().join(format!("hokoku-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("site.toml"),
            "[jobs.deadlines]\nA = \"6\"\nB = \"+1 07:00\"\n[[backups.expected]]\ntarget = \"db\"\nschedule = \"hourly\"\n[capacity.default]\nwarn = 95\ncrit = 90\n",
        )
        .unwrap();
        let errs = load(&dir).unwrap_err();
        assert_eq!(errs.len(), 3, "{errs:?}");
        assert!(errs[0].contains("jobs.deadlines.A"));
        assert!(errs[1].contains("backups.expected[0]"));
        assert!(errs[2].contains("capacity.default"));
        std::fs::write(dir.join("site.toml"), "[nonsense]\n").unwrap();
        let errs = load(&dir).unwrap_err();
        assert!(errs[0].contains("unknown field `nonsense`"), "{errs:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
