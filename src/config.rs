//! Site configuration (`<config>/site.toml`): business days and calendars,
//! SLA targets, availability, thresholds, targets, expected backups, job
//! deadlines and per-source options. The holiday list it names
//! (`syukujitsu.csv`) lives in the same folder.
//!
//! Loading collects *all* problems (unknown keys, bad times, bad values) so
//! that `hokoku validate` can print them at once. See docs/CONFIG.md.

pub mod cost;

use crate::calendar::{BusinessDays, Calendar, Calendars, Days, Holidays, Hours};
use crate::encoding::Encoding;
use chrono::NaiveDate;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
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
    /// The business-day rule: holiday list, closing days, extra days.
    pub business_days: BusinessDaysConfig,
    /// Named calendars (`[calendars.<name>]`); `business` and `24x7` exist
    /// unless redefined.
    pub calendars: BTreeMap<String, CalendarDef>,
    /// SLA targets per ticket kind × priority.
    pub sla: SlaConfig,
    /// Service calendars and targets per system.
    pub availability: AvailabilityConfig,
    /// The scheduler daemon (`hokoku serve`, `hokoku run`).
    pub scheduler: SchedulerConfig,
    /// The alert of every job that has no `[alert]` of its own.
    pub alert: AlertSpec,
    /// The mail relay for alerts.
    pub smtp: Option<SmtpConfig>,
    /// Personal data in outputs.
    pub privacy: PrivacyConfig,
}

/// `[privacy]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrivacyConfig {
    /// Keep the raw fields of set-aside rows in the rejected-rows file
    /// unmasked (phone-number-shaped text included; the caller column stays
    /// masked). Off by default: everywhere else text from inputs is masked.
    pub keep_raw_rejected: bool,
}

/// `[scheduler]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SchedulerConfig {
    /// Run history (`history.sqlite`) and job locks, relative to the working
    /// directory.
    pub state_dir: PathBuf,
    /// On start, runs missed within this many days are caught up.
    pub catch_up_days: u32,
    /// How often the daemon also looks for due runs besides the cron
    /// triggers (a run skipped because its job was busy is picked up then).
    pub sweep_minutes: u32,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig {
            state_dir: "outputs/state".into(),
            catch_up_days: 7,
            sweep_minutes: 10,
        }
    }
}

/// `[smtp]`: a plain SMTP relay inside the operations network (no TLS, no
/// login).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    #[serde(default = "smtp_port")]
    pub port: u16,
    /// The sender, e.g. `hokoku@ops.example.go.jp`.
    pub from: String,
    #[serde(default = "smtp_timeout")]
    pub timeout_seconds: u64,
}

fn smtp_port() -> u16 {
    25
}

fn smtp_timeout() -> u64 {
    30
}

/// `[business_days]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BusinessDaysConfig {
    /// The Cabinet Office holiday CSV, relative to the config folder.
    pub holidays: String,
    /// Close 12/29–1/3 (government closing days).
    pub year_end_closing: bool,
    /// Extra closed days, `"YYYY-MM-DD"`.
    pub extra_closed: Vec<String>,
    /// Extra working days (e.g. a Saturday), `"YYYY-MM-DD"`.
    pub extra_working: Vec<String>,
}

impl Default for BusinessDaysConfig {
    fn default() -> Self {
        BusinessDaysConfig {
            holidays: "syukujitsu.csv".into(),
            year_end_closing: true,
            extra_closed: Vec::new(),
            extra_working: Vec::new(),
        }
    }
}

/// `[calendars.<name>]`: open days and hours.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarDef {
    /// `business` (営業日) or `all` (every day).
    pub days: String,
    /// `"09:00-18:00"`; `"00:00-24:00"` for all day.
    pub hours: String,
}

/// `[sla]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SlaConfig {
    /// Compliance % a target must reach (達成), unless the target says otherwise.
    pub target_pct: f64,
    /// `[[sla.targets]]`.
    pub targets: Vec<SlaTargetDef>,
}

impl Default for SlaConfig {
    fn default() -> Self {
        SlaConfig {
            target_pct: 95.0,
            targets: Vec::new(),
        }
    }
}

/// One `[[sla.targets]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaTargetDef {
    /// Ticket kind code (`incident`, `inquiry`, `request`, …).
    pub kind: String,
    /// Priority 1–4.
    pub priority: i64,
    /// Minutes to first response, in the response calendar.
    pub response_min: Option<f64>,
    /// Minutes to resolution, in the resolution calendar.
    pub resolution_min: Option<f64>,
    /// Calendar for both clocks.
    pub calendar: Option<String>,
    /// Calendar for the response clock (overrides `calendar`).
    pub response_calendar: Option<String>,
    /// Calendar for the resolution clock (overrides `calendar`).
    pub resolution_calendar: Option<String>,
    /// Compliance % to reach (default `[sla] target_pct`).
    pub target_pct: Option<f64>,
}

/// `[availability]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AvailabilityConfig {
    /// Service calendar of systems not listed.
    pub calendar: String,
    /// 稼働率 target % of systems not listed.
    pub target_pct: f64,
    /// `[availability.systems."<system>"]`.
    pub systems: BTreeMap<String, SystemDef>,
}

impl Default for AvailabilityConfig {
    fn default() -> Self {
        AvailabilityConfig {
            calendar: "24x7".into(),
            target_pct: 99.9,
            systems: BTreeMap::new(),
        }
    }
}

/// One system's service calendar and target.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemDef {
    pub calendar: Option<String>,
    pub target_pct: Option<f64>,
}

/// Which SLA clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ClockKind {
    /// Opened → first response.
    Response,
    /// Opened → resolution.
    Resolution,
}

impl ClockKind {
    /// Key part: `response` / `resolution`.
    pub fn code(self) -> &'static str {
        match self {
            ClockKind::Response => "response",
            ClockKind::Resolution => "resolution",
        }
    }
}

/// One resolved SLA target: a clock for a kind × priority.
#[derive(Debug, Clone, PartialEq)]
pub struct SlaTarget {
    pub kind: String,
    pub priority: i64,
    pub clock: ClockKind,
    /// Target in business minutes of `calendar`.
    pub minutes: f64,
    pub calendar: String,
    /// Compliance % to reach.
    pub target_pct: f64,
}

impl SlaTarget {
    /// Figure key prefix: `sla.response.incident.p1`.
    pub fn key(&self) -> String {
        format!("sla.{}.{}.p{}", self.clock.code(), self.kind, self.priority)
    }
}

/// A system's resolved availability settings.
#[derive(Debug, Clone, PartialEq)]
pub struct SystemService {
    pub calendar: String,
    pub target_pct: f64,
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

/// A mapping profile file as read from `<config>/profiles/`.
#[derive(Debug, Clone)]
pub struct ProfileFile {
    /// The file stem: the profile's name.
    pub name: String,
    pub path: PathBuf,
    pub text: String,
}

/// Options for one source.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceOptions {
    /// Force an encoding instead of detecting it.
    pub encoding: Option<Encoding>,
    /// Where the source's files are (globs under the inputs folder) and
    /// what reads them; files in `inputs/<source>/` are detected anyway.
    #[serde(default)]
    pub files: Vec<FileSet>,
    /// Accept rows with fewer fields than the header when every missing
    /// field is optional (they are read as empty). Off by default: such a
    /// row is set aside.
    #[serde(default)]
    pub allow_short_rows: bool,
}

/// `[[sources.<source>.files]]`: a glob under the inputs folder and its
/// format (an adapter), profile, or `auto` (detected).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSet {
    /// Glob relative to the inputs folder (`pbx/queue_log*`).
    pub glob: String,
    /// `canonical`, an adapter name, or `auto` (default).
    pub format: Option<String>,
    /// A profile name (`<config>/profiles/<name>.toml`).
    pub profile: Option<String>,
    /// Zone of timestamps without an offset, for adapters (default Asia/Tokyo).
    pub timezone: Option<String>,
    /// Force an encoding for these files.
    pub encoding: Option<Encoding>,
    /// What the files say they cover: `"name"` = the date (`YYYY-MM-DD`,
    /// `YYYYMMDD`) or month (`YYYY-MM`, `YYYYMM`) in each file's name is
    /// the period the export covers (for a snapshot source such as
    /// tickets: its state as of the end of that day or month).
    pub covers: Option<String>,
    /// As `[sources.<source>] allow_short_rows`, for these files.
    pub allow_short_rows: Option<bool>,
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
        CapacityConfig {
            default: Thresholds {
                warn: 80.0,
                crit: 90.0,
            },
            metrics: BTreeMap::new(),
        }
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
        CallsConfig {
            short_abandon_s: 5,
            service_level_s: 20,
        }
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
            let (d, hm) = rest
                .split_once(' ')
                .ok_or_else(|| format!("bad deadline {s:?}: expected \"+1 HH:MM\""))?;
            (
                d.parse::<i64>()
                    .map_err(|_| format!("bad deadline {s:?}: day offset"))?,
                hm.trim(),
            )
        }
        None => (0, t),
    };
    let (h, m) = hm
        .split_once(':')
        .ok_or_else(|| format!("bad deadline {s:?}: expected HH:MM"))?;
    let (h, m) = (h.parse::<i64>(), m.parse::<i64>());
    match (h, m) {
        (Ok(h), Ok(m))
            if (0..24).contains(&h) && (0..60).contains(&m) && (0..=7).contains(&day_offset) =>
        {
            Ok(DeadlineRule {
                day_offset,
                minute_of_day: h * 60 + m,
            })
        }
        _ => Err(format!(
            "bad deadline {s:?}: expected \"HH:MM\" or \"+1 HH:MM\""
        )),
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
    /// `daily`, `weekdays` (Monday–Friday), `business_days` (営業日),
    /// `weekly:<Mon..Sun>` or `monthly:<1-31>`.
    pub schedule: String,
}

/// A backup schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schedule {
    /// Every day.
    Daily,
    /// Monday to Friday (public holidays included).
    Weekdays,
    /// 営業日 of the site's business calendar (Monday–Friday minus public
    /// holidays, the 12/29–1/3 closing days and the extra closed days, plus
    /// the extra working days).
    BusinessDays,
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
        if t == "business_days" {
            return Ok(Schedule::BusinessDays);
        }
        if let Some(d) = t.strip_prefix("weekly:") {
            return d
                .parse::<chrono::Weekday>()
                .map(Schedule::Weekly)
                .map_err(|_| format!("bad schedule {s:?}: weekday"));
        }
        if let Some(d) = t.strip_prefix("monthly:") {
            return match d.parse::<u32>() {
                Ok(n) if (1..=31).contains(&n) => Ok(Schedule::Monthly(n)),
                _ => Err(format!("bad schedule {s:?}: day of month 1–31")),
            };
        }
        Err(format!(
            "bad schedule {s:?}: expected daily, weekdays, business_days, weekly:Sun or monthly:1"
        ))
    }

    /// Whether a backup is expected on `d`. `business_days` needs the
    /// site's business-day rule (an error when it is missing or its holiday
    /// list does not reach `d`).
    pub fn due_on(
        self,
        d: chrono::NaiveDate,
        rule: Option<&crate::calendar::BusinessDays>,
    ) -> Result<bool, String> {
        use chrono::Datelike;
        Ok(match self {
            Schedule::Daily => true,
            Schedule::Weekdays => d.weekday().number_from_monday() <= 5,
            Schedule::BusinessDays => rule
                .ok_or("the business-day rule could not be loaded")?
                .is_business_day(d)
                .map_err(|e| e.to_string())?,
            Schedule::Weekly(w) => d.weekday() == w,
            Schedule::Monthly(n) => d.day() == n,
        })
    }
    /// How the schedule reads in the documents (定義).
    pub fn describe_ja(self) -> String {
        match self {
            Schedule::Daily => "毎日".into(),
            Schedule::Weekdays => "平日（月～金、祝日を含む）".into(),
            Schedule::BusinessDays => "営業日（祝日・年末年始を除く）".into(),
            Schedule::Weekly(w) => format!("毎週{}曜日", crate::time::weekday_name_ja(w)),
            Schedule::Monthly(n) => format!("毎月{n}日"),
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
        ReportOptions {
            as_of: "+0 02:00".into(),
            top_categories: 10,
        }
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
    /// Compiled calendars (business days × hours) by name.
    pub calendars: Calendars,
    /// SLA targets, one per (kind, priority, clock), in config order.
    pub sla_targets: Vec<SlaTarget>,
    /// The cost model (`cost.toml`); None when the file is absent.
    pub cost: Option<cost::CostModel>,
    /// The mapping profile files (`profiles/*.toml`), in name order, as
    /// read: the readers compile them ([`crate::ingest::Catalogue`]).
    pub profiles: Vec<ProfileFile>,
    /// SHA-256 over every config file (name and bytes), for the manifest.
    pub digest: String,
}

impl Config {
    /// Defaults for everything (no calendars): used by `validate` to read
    /// inputs when the config itself is broken.
    pub fn fallback(dir: &Path) -> Config {
        Config {
            dir: dir.to_path_buf(),
            site: SiteConfig::default(),
            deadlines: BTreeMap::new(),
            expected_backups: Vec::new(),
            as_of: DeadlineRule {
                day_offset: 0,
                minute_of_day: 120,
            },
            calendars: Calendars::default(),
            sla_targets: Vec::new(),
            cost: None,
            profiles: Vec::new(),
            digest: String::new(),
        }
    }

    /// The as-of time (作成日時) of a period ending at `end_day`.
    pub fn as_of_time(&self, end_day: NaiveDate) -> chrono::NaiveDateTime {
        let ms = crate::time::day_start_ms(end_day)
            + (self.as_of.day_offset * 1440 + self.as_of.minute_of_day) * crate::time::MS_PER_MIN;
        crate::time::ms_to_dt(ms)
    }

    /// Service calendar and target of a system.
    pub fn system_service(&self, system: &str) -> SystemService {
        let a = &self.site.availability;
        let def = a.systems.get(system);
        SystemService {
            calendar: def
                .and_then(|d| d.calendar.clone())
                .unwrap_or_else(|| a.calendar.clone()),
            target_pct: def.and_then(|d| d.target_pct).unwrap_or(a.target_pct),
        }
    }
}

/// A path named in the configuration, which must be a file inside the
/// config folder (relative, no `..`, not leaving it through a symbolic
/// link): configuration never reads files elsewhere, and an error never
/// quotes what such a file holds.
pub fn confined(dir: &Path, rel: &str) -> Result<PathBuf, String> {
    let p = Path::new(rel);
    let outside = || {
        format!(
            "{}: business_days.holidays = {rel:?} must name a file inside the config folder (a relative path without ..)",
            dir.join("site.toml").display()
        )
    };
    if p.is_absolute()
        || p.components().any(|c| {
            matches!(
                c,
                std::path::Component::ParentDir
                    | std::path::Component::RootDir
                    | std::path::Component::Prefix(_)
            )
        })
    {
        return Err(outside());
    }
    let full = dir.join(p);
    if let (Ok(real), Ok(base)) = (full.canonicalize(), dir.canonicalize()) {
        if !real.starts_with(&base) {
            return Err(outside());
        }
    }
    Ok(full)
}

/// Load `<dir>/site.toml` (absent = all defaults), returning every problem.
pub fn load(dir: &Path) -> Result<Config, Vec<String>> {
    match load_lenient(dir) {
        (c, e) if e.is_empty() => Ok(c),
        (_, e) => Err(e),
    }
}

/// [`load`], returning the configuration as far as it could be read (a
/// broken part takes its defaults) beside every problem, so that a caller
/// can go on to check what builds on it and report everything at once.
pub fn load_lenient(dir: &Path) -> (Config, Vec<String>) {
    let path = dir.join("site.toml");
    let mut errors = Vec::new();
    let mut hasher = Sha256::new();
    let site = read_site(dir, &mut hasher, &mut errors);
    let at = |key: &str| format!("{}: {key}", path.display());
    let deadlines = deadlines(&site, &at, &mut errors);
    check_alerts(&site, &at, &mut errors);
    let expected_backups = expected_backups(&site, &at, &mut errors);
    check_levels(&site, &at, &mut errors);
    let profiles = read_profiles(dir, &mut hasher, &mut errors);
    let as_of = match parse_deadline(&site.report.as_of) {
        Ok(r) => r,
        Err(e) => {
            errors.push(format!("{}: {e}", at("report.as_of")));
            DeadlineRule {
                day_offset: 0,
                minute_of_day: 120,
            }
        }
    };
    let calendars = load_calendars(dir, &site, &mut hasher, &mut errors);
    let sla_targets = resolve_sla(&site, &calendars, &at, &mut errors);
    check_availability(&site, &calendars, &at, &mut errors);
    let cost = load_cost(dir, &mut hasher, &mut errors);
    let config = Config {
        dir: dir.to_path_buf(),
        site,
        deadlines,
        expected_backups,
        as_of,
        calendars,
        sla_targets,
        cost,
        profiles,
        digest: crate::util::hex(&hasher.finalize()),
    };
    (config, errors)
}

/// `site.toml` (absent: every default), digested.
fn read_site(dir: &Path, hasher: &mut Sha256, errors: &mut Vec<String>) -> SiteConfig {
    let path = dir.join("site.toml");
    match std::fs::read_to_string(&path) {
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
    }
}

/// `[jobs.deadlines]`, parsed.
fn deadlines(
    site: &SiteConfig,
    at: &dyn Fn(&str) -> String,
    errors: &mut Vec<String>,
) -> BTreeMap<String, DeadlineRule> {
    let mut deadlines = BTreeMap::new();
    for (job, d) in &site.jobs.deadlines {
        match parse_deadline(d) {
            Ok(r) => {
                deadlines.insert(job.clone(), r);
            }
            Err(e) => errors.push(format!("{}: {e}", at(&format!("jobs.deadlines.{job}")))),
        }
    }
    deadlines
}

/// `[alert]` mail needs `[smtp]`; `[smtp]` needs a host and a sender;
/// the scheduler's sweep is 1–59 minutes.
fn check_alerts(site: &SiteConfig, at: &dyn Fn(&str) -> String, errors: &mut Vec<String>) {
    if !site.alert.mail.is_empty() && site.smtp.is_none() {
        errors.push(format!(
            "{}: alert.mail needs an [smtp] section (host, from)",
            at("").trim_end_matches(": ")
        ));
    }
    if let Some(m) = &site.smtp {
        if m.host.trim().is_empty() || !m.from.contains('@') {
            errors.push(format!(
                "{}: smtp needs host and a from address",
                at("smtp")
            ));
        }
    }
    if site.scheduler.sweep_minutes == 0 || site.scheduler.sweep_minutes > 59 {
        errors.push(format!("{}: use 1…59", at("scheduler.sweep_minutes")));
    }
}

/// `[[backups.expected]]`: each schedule parsed, no target twice.
fn expected_backups(
    site: &SiteConfig,
    at: &dyn Fn(&str) -> String,
    errors: &mut Vec<String>,
) -> Vec<(String, Schedule)> {
    let mut expected_backups = Vec::new();
    for (i, b) in site.backups.expected.iter().enumerate() {
        match Schedule::parse(&b.schedule) {
            Ok(s) => expected_backups.push((b.target.clone(), s)),
            Err(e) => errors.push(format!("{}: {e}", at(&format!("backups.expected[{i}]")))),
        }
        if site.backups.expected[..i]
            .iter()
            .any(|o| o.target == b.target)
        {
            errors.push(format!(
                "{}: target {:?} listed twice",
                at(&format!("backups.expected[{i}]")),
                b.target
            ));
        }
    }
    expected_backups
}

/// Capacity thresholds, targets and call thresholds in range.
fn check_levels(site: &SiteConfig, at: &dyn Fn(&str) -> String, errors: &mut Vec<String>) {
    let mut check_thresholds = |key: String, t: &Thresholds| {
        if !(0.0..=100.0).contains(&t.warn) || !(0.0..=100.0).contains(&t.crit) || t.warn > t.crit {
            errors.push(format!(
                "{}: warn and crit must be percentages with warn ≤ crit",
                at(&key)
            ));
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
            errors.push(format!(
                "{}: give exactly one of min or max; warn must be on the failing side of it",
                at(&format!("targets.{k}"))
            ));
        }
    }
    if site.calls.short_abandon_s < 0 || site.calls.service_level_s < 0 {
        errors.push(format!("{}: thresholds must not be negative", at("calls")));
    }
}

/// `[availability]`: its calendars exist, its targets are percentages.
fn check_availability(
    site: &SiteConfig,
    calendars: &Calendars,
    at: &dyn Fn(&str) -> String,
    errors: &mut Vec<String>,
) {
    let a = &site.availability;
    if !calendars.by_name.contains_key(&a.calendar) && calendars.rule.is_some() {
        errors.push(format!(
            "{}: unknown calendar {:?} (defined: {})",
            at("availability.calendar"),
            a.calendar,
            names(calendars)
        ));
    }
    check_pct(&at("availability.target_pct"), a.target_pct, errors);
    for (sys, d) in &a.systems {
        if let Some(c) = &d.calendar {
            if !calendars.by_name.contains_key(c) && calendars.rule.is_some() {
                errors.push(format!(
                    "{}: unknown calendar {c:?} (defined: {})",
                    at(&format!("availability.systems.{sys}.calendar")),
                    names(calendars)
                ));
            }
        }
        if let Some(t) = d.target_pct {
            check_pct(
                &at(&format!("availability.systems.{sys}.target_pct")),
                t,
                errors,
            );
        }
    }
}

/// Read (and digest, in name order) every `<dir>/profiles/*.toml`; the
/// readers compile them ([`crate::ingest::Catalogue`]).
fn read_profiles(dir: &Path, hasher: &mut Sha256, errors: &mut Vec<String>) -> Vec<ProfileFile> {
    let mut out = Vec::new();
    let pdir = dir.join("profiles");
    let Ok(rd) = std::fs::read_dir(&pdir) else {
        return out;
    };
    let mut paths: Vec<PathBuf> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    for path in paths {
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                hasher.update(format!("profiles/{name}.toml").as_bytes());
                hasher.update(b"\0");
                hasher.update(text.as_bytes());
                out.push(ProfileFile { name, path, text });
            }
            Err(e) => errors.push(format!("{}: {e}", path.display())),
        }
    }
    out
}

/// Read `<dir>/cost.toml` when it exists and check it.
fn load_cost(dir: &Path, hasher: &mut Sha256, errors: &mut Vec<String>) -> Option<cost::CostModel> {
    let path = dir.join("cost.toml");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            errors.push(format!("{}: {e}", path.display()));
            return None;
        }
    };
    hasher.update(b"cost.toml\0");
    hasher.update(text.as_bytes());
    match toml::from_str::<cost::CostModel>(&text) {
        Ok(m) => {
            let problems = m.check(&|k| format!("{}: {k}", path.display()));
            let ok = problems.is_empty();
            errors.extend(problems);
            ok.then_some(m)
        }
        Err(e) => {
            errors.push(format!("{}: {}", path.display(), e.to_string().trim_end()));
            None
        }
    }
}

fn names(c: &Calendars) -> String {
    c.by_name.keys().cloned().collect::<Vec<_>>().join(", ")
}

fn check_pct(at: &str, v: f64, errors: &mut Vec<String>) {
    if !(0.0..=100.0).contains(&v) {
        errors.push(format!("{at}: a percentage 0–100 is required, got {v}"));
    }
}

/// Read the holiday list, apply `[business_days]`, compile `[calendars]`
/// (plus the built-in `business` and `24x7`).
fn load_calendars(
    dir: &Path,
    site: &SiteConfig,
    hasher: &mut Sha256,
    errors: &mut Vec<String>,
) -> Calendars {
    let bd = &site.business_days;
    let path = dir.join(&bd.holidays);
    let holidays = match confined(dir, &bd.holidays).and_then(|p| {
        std::fs::read(&p).map_err(|e| {
            format!(
                "{}: holiday list: {e} (business_days.holidays)",
                path.display()
            )
        })
    }) {
        Ok(bytes) => {
            hasher.update(bd.holidays.as_bytes());
            hasher.update([0]);
            hasher.update(&bytes);
            Holidays::parse(&bytes, &path.display().to_string())
                .map_err(|e| errors.extend(e))
                .ok()
        }
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let at = |k: &str| format!("{}: {k}", dir.join("site.toml").display());
    let mut dates = |list: &[String], key: &str| -> BTreeSet<NaiveDate> {
        let mut out = BTreeSet::new();
        for s in list {
            match NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
                Ok(d) => {
                    out.insert(d);
                }
                Err(_) => errors.push(format!("{}: {s:?} is not a date (YYYY-MM-DD)", at(key))),
            }
        }
        out
    };
    let extra_closed = dates(&bd.extra_closed, "business_days.extra_closed");
    let extra_working = dates(&bd.extra_working, "business_days.extra_working");
    for d in extra_closed.intersection(&extra_working) {
        errors.push(format!(
            "{}: {d} is both an extra closed and an extra working day",
            at("business_days")
        ));
    }
    let mut defs: Vec<(String, Result<(Days, Hours), String>)> = vec![
        (
            "business".into(),
            Ok((
                Days::Business,
                Hours {
                    start_min: 540,
                    end_min: 1080,
                },
            )),
        ),
        ("24x7".into(), Ok((Days::All, Hours::ALL_DAY))),
    ];
    for (name, d) in &site.calendars {
        let days = match d.days.as_str() {
            "business" => Ok(Days::Business),
            "all" => Ok(Days::All),
            other => Err(format!(
                "days must be \"business\" or \"all\", got {other:?}"
            )),
        };
        let parsed = days.and_then(|days| Hours::parse(&d.hours).map(|h| (days, h)));
        defs.retain(|(n, _)| n != name);
        defs.push((name.clone(), parsed));
    }
    let Some(holidays) = holidays else {
        return Calendars::default();
    };
    let rule = BusinessDays {
        holidays,
        year_end_closing: bd.year_end_closing,
        extra_closed,
        extra_working,
    };
    let mut by_name = BTreeMap::new();
    for (name, parsed) in defs {
        match parsed {
            Ok((days, hours)) => {
                by_name.insert(name.clone(), Calendar::compile(&name, days, hours, &rule));
            }
            Err(e) => errors.push(format!("{}: {e}", at(&format!("calendars.{name}")))),
        }
    }
    Calendars {
        by_name,
        rule: Some(rule),
    }
}

/// Check `[[sla.targets]]` and resolve each into one target per clock.
fn resolve_sla(
    site: &SiteConfig,
    cals: &Calendars,
    at: &dyn Fn(&str) -> String,
    errors: &mut Vec<String>,
) -> Vec<SlaTarget> {
    use crate::vocab::TICKET_KINDS as KINDS;
    let sla = &site.sla;
    check_pct(&at("sla.target_pct"), sla.target_pct, errors);
    let mut out = Vec::new();
    let mut seen: BTreeMap<(String, i64), usize> = BTreeMap::new();
    for (i, t) in sla.targets.iter().enumerate() {
        let here = at(&format!("sla.targets[{i}] ({} P{})", t.kind, t.priority));
        if !KINDS.iter().any(|k| k.code == t.kind) {
            let known: Vec<&str> = KINDS.iter().map(|k| k.code).collect();
            errors.push(format!(
                "{here}: unknown kind {:?} (known: {})",
                t.kind,
                known.join(", ")
            ));
        }
        if !(1..=4).contains(&t.priority) {
            errors.push(format!("{here}: priority must be 1–4"));
        }
        if let Some(prev) = seen.insert((t.kind.clone(), t.priority), i) {
            errors.push(format!(
                "{here}: duplicate target (also sla.targets[{prev}])"
            ));
        }
        if t.response_min.is_none() && t.resolution_min.is_none() {
            errors.push(format!("{here}: give response_min, resolution_min or both"));
        }
        if let Some(p) = t.target_pct {
            check_pct(&here, p, errors);
        }
        for (clock, minutes, specific) in [
            (ClockKind::Response, t.response_min, &t.response_calendar),
            (
                ClockKind::Resolution,
                t.resolution_min,
                &t.resolution_calendar,
            ),
        ] {
            let Some(minutes) = minutes else { continue };
            if minutes.is_nan() || minutes <= 0.0 {
                errors.push(format!("{here}: {}_min must be positive", clock.code()));
            }
            let cal = specific
                .clone()
                .or_else(|| t.calendar.clone())
                .unwrap_or_else(|| "business".to_string());
            if cals.rule.is_some() && cals.get(&cal).is_none() {
                errors.push(format!(
                    "{here}: unknown calendar {cal:?} (defined: {})",
                    names(cals)
                ));
            }
            out.push(SlaTarget {
                kind: t.kind.clone(),
                priority: t.priority,
                clock,
                minutes,
                calendar: cal,
                target_pct: t.target_pct.unwrap_or(sla.target_pct),
            });
        }
    }
    // Every kind with a target needs all four priorities.
    let kinds: BTreeSet<&String> = sla.targets.iter().map(|t| &t.kind).collect();
    for k in kinds {
        for p in 1..=4 {
            if !seen.contains_key(&(k.clone(), p)) {
                errors.push(format!(
                    "{}: missing target for {k} P{p} (each kind with targets needs priorities 1–4)",
                    at("sla.targets")
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines() {
        assert_eq!(
            parse_deadline("06:30"),
            Ok(DeadlineRule {
                day_offset: 0,
                minute_of_day: 390
            })
        );
        assert_eq!(
            parse_deadline("+1 06:00"),
            Ok(DeadlineRule {
                day_offset: 1,
                minute_of_day: 360
            })
        );
        assert!(parse_deadline("25:00").is_err());
        assert!(parse_deadline("+x 06:00").is_err());
    }

    #[test]
    fn collects_every_problem() {
        let dir = tmp_config("basic");
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

    /// A config folder holding the bundled holiday list.
    fn tmp_config(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("hokoku-cfg-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(
            concat!(env!("CARGO_MANIFEST_DIR"), "/jobs/config/syukujitsu.csv"),
            dir.join("syukujitsu.csv"),
        )
        .unwrap();
        dir
    }

    #[test]
    fn sla_and_calendar_problems_all_at_once() {
        let dir = tmp_config("sla");
        std::fs::write(
            dir.join("site.toml"),
            r#"
[business_days]
extra_closed = ["2026-10-14", "2026-13-01"]
extra_working = ["2026-10-14"]

[calendars.night]
days = "business"
hours = "22:00-06:00"

[[sla.targets]]
kind = "incident"
priority = 1
response_min = 15
calendar = "nosuch"
[[sla.targets]]
kind = "incident"
priority = 1
resolution_min = 60
[[sla.targets]]
kind = "incident"
priority = 2
[[sla.targets]]
kind = "incidnet"
priority = 3
response_min = 10

[availability.systems.X]
calendar = "weekend"
"#,
        )
        .unwrap();
        let errs = load(&dir).unwrap_err();
        let want = [
            "business_days.extra_closed: \"2026-13-01\" is not a date",
            "2026-10-14 is both an extra closed and an extra working day",
            "calendars.night: bad hours \"22:00-06:00\"",
            "sla.targets[0] (incident P1): unknown calendar \"nosuch\"",
            "sla.targets[1] (incident P1): duplicate target (also sla.targets[0])",
            "sla.targets[2] (incident P2): give response_min, resolution_min or both",
            "sla.targets[3] (incidnet P3): unknown kind \"incidnet\"",
            "missing target for incident P3",
            "missing target for incident P4",
            "availability.systems.X.calendar: unknown calendar \"weekend\"",
        ];
        for w in want {
            assert!(
                errs.iter().any(|e| e.contains(w)),
                "no error containing {w:?} in {errs:#?}"
            );
        }
        assert_eq!(errs.len(), want.len() + 3, "{errs:#?}"); // + incidnet P1, P2, P4 missing
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn missing_holiday_list_is_an_error() {
        let dir =
            std::env::temp_dir().join(format!("hokoku-cfg-{}-noholidays", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("site.toml"), "").unwrap();
        let errs = load(&dir).unwrap_err();
        assert!(errs[0].contains("holiday list"), "{errs:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
