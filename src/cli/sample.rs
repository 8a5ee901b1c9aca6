//! Sample data generator (`hokoku sample`): one month of realistic inputs
//! for a ministry helpdesk and operations centre, fully deterministic.
//!
//! [`generate`] writes, under the output folder (month `YYYY-MM`):
//! - `tickets/tickets-YYYY-MM.csv`: **CP932**, CRLF, Japanese header aliases
//!   and Japanese values (インシデント, 対応中, 電話, 有/無 …), Excel-style
//!   datetimes `YYYY/M/D H:MM` — the real-world path. About 620 tickets at
//!   scale 1: the desk's everyday requests (アカウントロック解除,
//!   強制サインアウト, パスワードリセット …), incidents, changes, releases,
//!   problems and configuration items, some still open at month end.
//! - `job_runs/`, `capacity/`, `backups/`, `calls/` `<source>-YYYY-MM.csv`:
//!   UTF-8 without BOM, canonical English headers and codes, ISO datetimes
//!   with `+09:00`.
//! - `remarks/daily/YYYY-MM-15.txt`: 特記事項 for the demo day (the 15th).
//! - `remarks/sla/YYYY-MM.txt`: 未達理由・改善策 for the SLA report, one
//!   `## <item key>` block per item the planted events make miss.
//! - `sample.toml`: month, scale, seed, demo day and data rows per file.
//!
//! Formats follow the input contract (inputs.md); rows are in time order.
//! `scale` multiplies tickets, calls, jobnets, capacity hosts and backup
//! targets; replicas get unique names (hosts are renumbered: `ap05`–`ap08`
//! join `ap01`–`ap04` at scale 2; jobs and jobnets get a `_02` suffix).
//!
//! Deterministic: all randomness comes from an in-module SplitMix64
//! generator seeded by `seed` (one stream per file); no clock, no hash-map
//! order. The same (month, scale, seed) gives byte-identical files.
//!
//! Planted events (once, whatever the scale):
//! - 15th (demo day): P1 incident, 共通認証基盤 outage 09:05–10:48 (with a
//!   call surge and an auth01 CPU pattern), its root-cause 問題 ticket left
//!   open and an emergency change at 20:00; JOB_HR_CALC fails (return code
//!   12) and succeeds on rerun; JOB_DOC_STATS ends after its 06:00 deadline;
//!   the `file01-incr` backup fails.
//! - 8th: JOB_BK_OFFSITE ends after its 07:00 deadline.
//! - 21st: no `ap02-snap` backup record at all (missing).
//! - First Saturday on or after the 8th: planned outage of 文書管理システム
//!   09:00–13:00 (重大 change, 計画停止=有). One unplanned 文書管理システム
//!   outage (14:20–15:05) on a business day from the 22nd.
//! - Last day of the month: the NIGHTLY_HR rows carry an explicit deadline
//!   (04:30); every other row leaves `deadline` empty (config applies).
//! - file01 `/data` fills from 70 % to 93 %; short CPU spikes above 90 % on
//!   the ap hosts; random job failures (~1.5 %) are rerun 30–60 min later.
//! - Exactly one ticket title starts with `=` (formula-safety check).
//!
//! Site configuration matching the sample at scale 1 (also available as
//! [`SAMPLE_DEADLINES`] and [`SAMPLE_BACKUP_TARGETS`]):
//! ```toml
//! [jobs.deadlines]
//! JOB_HR_EXTRACT = "03:00"
//! JOB_HR_CALC = "05:00"
//! JOB_HR_REPORT = "05:30"
//! JOB_HR_TRANSFER = "06:00"
//! JOB_DOC_INDEX = "04:30"
//! JOB_DOC_ARCHIVE = "05:30"
//! JOB_DOC_PURGE = "05:30"
//! JOB_DOC_STATS = "06:00"
//! JOB_BK_DBEXPORT = "04:30"
//! JOB_BK_FILECOPY = "06:00"
//! JOB_BK_VERIFY = "06:30"
//! JOB_BK_OFFSITE = "07:00"
//! ```

use anyhow::{anyhow, bail, Context, Result};
use chrono::{Datelike, Duration, Months, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Weekday};
use hokoku::calendar::BusinessDays;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Completion deadlines of the sample's nightly jobs at scale 1, as
/// `[jobs.deadlines]` entries (job name, `"HH:MM"` on the instance date).
/// The hourly `HOURLY_SYNC` has none. Replicas (scale > 1) append `_02`, `_03` … to job names.
#[cfg_attr(not(test), allow(dead_code))]
pub const SAMPLE_DEADLINES: &[(&str, &str)] = &[
    ("JOB_HR_EXTRACT", "03:00"),
    ("JOB_HR_CALC", "05:00"),
    ("JOB_HR_REPORT", "05:30"),
    ("JOB_HR_TRANSFER", "06:00"),
    ("JOB_DOC_INDEX", "04:30"),
    ("JOB_DOC_ARCHIVE", "05:30"),
    ("JOB_DOC_PURGE", "05:30"),
    ("JOB_DOC_STATS", "06:00"),
    ("JOB_BK_DBEXPORT", "04:30"),
    ("JOB_BK_FILECOPY", "06:00"),
    ("JOB_BK_VERIFY", "06:30"),
    ("JOB_BK_OFFSITE", "07:00"),
];

/// Expected backups of the sample at scale 1, as `[[backups.expected]]`
/// entries (target, schedule). Replicas renumber the hosts (`db03-full` …).
#[allow(dead_code)] // documents what the bundled site.toml expects
pub const SAMPLE_BACKUP_TARGETS: &[(&str, &str)] = &[
    ("db01-full", "daily"),
    ("db02-full", "daily"),
    ("file01-incr", "daily"),
    ("file01-full", "weekly:Sun"),
    ("ap01-snap", "daily"),
    ("ap02-snap", "daily"),
    ("ap03-snap", "daily"),
    ("ap04-snap", "daily"),
];

/// What [`generate`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleSummary {
    /// First day of the generated month.
    pub month: NaiveDate,
    /// Each CSV file written (tickets, job_runs, capacity, backups, calls) with its data rows.
    pub files: Vec<(PathBuf, usize)>,
}

/// Generate one month of sample inputs under `out` (folders are created).
///
/// `month_first_day` must be the first day of a month (years 2000–2200);
/// `scale` (1–100) multiplies the volumes. The same arguments always give
/// byte-identical files.
pub fn generate(
    month_first_day: NaiveDate,
    scale: u32,
    seed: u64,
    calendar: &BusinessDays,
    out: &Path,
) -> Result<SampleSummary> {
    // The data reaches a few weeks past the month (next-business-day
    // replies, the export's tail): the holiday list must cover them.
    for d in [
        month_first_day - Duration::days(1),
        month_first_day + Duration::days(70),
    ] {
        calendar
            .is_business_day(d)
            .map_err(|e| anyhow!("the holiday list does not cover the sample month: {e}"))?;
    }
    use_calendar(calendar);
    let m = Month::new(month_first_day)?;
    if !(1..=100).contains(&scale) {
        bail!("scale must be 1–100, got {scale}");
    }
    let tag = m.tag.clone();
    let mut files = Vec::new();
    let mut notes = Vec::new();

    let (bytes, rows, note) = tickets(&m, scale, &mut Rng::new(seed, 1))?;
    files.push((
        put(out, &format!("tickets/tickets-{tag}.csv"), &bytes)?,
        rows,
    ));
    notes.push(note);
    let (bytes, rows, note) = jobs(&m, scale, &mut Rng::new(seed, 2))?;
    files.push((
        put(out, &format!("job_runs/job_runs-{tag}.csv"), &bytes)?,
        rows,
    ));
    notes.push(note);
    let cap_path = out.join(format!("capacity/capacity-{tag}.csv"));
    let rows = capacity(&m, scale, &mut Rng::new(seed, 3), &cap_path)?;
    files.push((cap_path, rows));
    let (bytes, rows, note) = backups(&m, scale, &mut Rng::new(seed, 4))?;
    files.push((
        put(out, &format!("backups/backups-{tag}.csv"), &bytes)?,
        rows,
    ));
    notes.push(note);
    let (bytes, rows) = calls(&m, scale, &mut Rng::new(seed, 5))?;
    files.push((put(out, &format!("calls/calls-{tag}.csv"), &bytes)?, rows));

    let remarks: String = notes
        .iter()
        .filter(|n| !n.is_empty())
        .map(|n| format!("{n}\n"))
        .collect();
    put(
        out,
        &format!("remarks/daily/{}.txt", m.demo),
        remarks.as_bytes(),
    )?;
    put(
        out,
        &format!("remarks/sla/{tag}.txt"),
        sla_remarks(m.first.month()).as_bytes(),
    )?;
    let seed_toml = if i64::try_from(seed).is_ok() {
        seed.to_string()
    } else {
        format!("\"{seed}\"")
    };
    let mut toml = format!(
        "# hokoku sample data: the same month, scale and seed regenerate identical files\nmonth = \"{tag}\"\nscale = {scale}\nseed = {seed_toml}\ndemo_date = \"{}\"\n\n[rows]\n",
        m.demo
    );
    for (name, (_, rows)) in ["tickets", "job_runs", "capacity", "backups", "calls"]
        .iter()
        .zip(&files)
    {
        toml.push_str(&format!("{name} = {rows}\n"));
    }
    put(out, "sample.toml", toml.as_bytes())?;
    Ok(SampleSummary {
        month: m.first,
        files,
    })
}

/// 未達理由・改善策 for the items the planted events make miss (the SLA
/// report matches each `## <item key>` heading to its item).
fn sla_remarks(month: u32) -> String {
    format!(
        "{month}月は15日の共通認証基盤の障害（優先度1）により、稼働率ほか複数の項目が目標を下回りました。各項目の理由と改善策を以下に記します。

## availability.共通認証基盤.pct
15日 09:05～10:48 に認証サーバへの負荷集中で共通認証基盤が停止しました（103分）。
改善策：認証サーバのスケールアウトと負荷監視しきい値の見直しを翌月中に実施します。

## sla.response.inquiry.p3.compliance_pct
メール・FAXで受け付けた問い合わせの一次回答が、受付の集中する時間帯に60分を超えました。
改善策：メール受付の当番を1名増員し、受付後30分以内の一次回答を徹底します。

## calls.service_level
15日の障害時に着信が集中し、20秒以内の応答が目標を下回りました。
改善策：障害時は自動音声案内で障害情報を先に案内し、入電を抑制します。

## backups.success_pct
15日の file01-incr が失敗し、21日の ap02-snap が実行されませんでした。
改善策：失敗時の自動再実行と、予定時刻を過ぎても実行されないバックアップの検知を追加します。

## jobs.late
8日の JOB_BK_OFFSITE と15日の JOB_DOC_STATS が完了期限を過ぎました。
改善策：オフサイト転送の開始時刻を30分前倒しします。

## capacity.file01.disk_pct@/data.p95
file01 の /data の使用率が月末に93%まで上昇しました。
改善策：翌月第2週に不要ファイルを整理し、翌々月にディスクを増設します。
"
    )
}

// ---------------------------------------------------------------- helpers

/// SplitMix64: tiny, fast, deterministic on every platform.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64) -> Rng {
        Rng(seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03))
    }
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform integer in [lo, hi] (lo when hi ≤ lo).
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            lo
        } else {
            lo + (self.next_u64() % ((hi - lo) as u64 + 1)) as i64
        }
    }
    fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }
    /// Normal deviate (Box–Muller).
    fn normal(&mut self, mean: f64, sd: f64) -> f64 {
        let u1 = 1.0 - self.f64();
        let u2 = self.f64();
        mean + sd * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
    fn lognormal(&mut self, median: f64, sigma: f64) -> f64 {
        median * self.normal(0.0, sigma).exp()
    }
    /// Exponential with the given mean.
    fn exp(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.f64()).ln()
    }
    /// Poisson count (Knuth; normal approximation for large means).
    fn poisson(&mut self, mean: f64) -> usize {
        if mean <= 0.0 {
            return 0;
        }
        if mean > 30.0 {
            return self.normal(mean, mean.sqrt()).round().max(0.0) as usize;
        }
        let limit = (-mean).exp();
        let (mut k, mut p) = (0, self.f64());
        while p > limit {
            k += 1;
            p *= self.f64();
        }
        k
    }
    /// Index chosen with probability proportional to its weight.
    fn weighted(&mut self, w: &[f64]) -> usize {
        let mut x = self.f64() * w.iter().sum::<f64>();
        for (i, &wi) in w.iter().enumerate() {
            if x < wi {
                return i;
            }
            x -= wi;
        }
        w.len().saturating_sub(1)
    }
    fn pick<T: Copy + Default>(&mut self, items: &[T]) -> T {
        let i = self.range(0, items.len() as i64 - 1);
        items.get(i as usize).copied().unwrap_or_default()
    }
}

/// The generated month: its days, business days, export time `end` (first
/// moment of the next month), demo day (the 15th) and `YYYY-MM` tag.
struct Month {
    first: NaiveDate,
    next: NaiveDate,
    days: Vec<NaiveDate>,
    bdays: Vec<NaiveDate>,
    end: NaiveDateTime,
    demo: NaiveDate,
    tag: String,
}

impl Month {
    fn new(first: NaiveDate) -> Result<Month> {
        if first.day() != 1 {
            bail!("the month must be given by its first day, got {first}");
        }
        if !(2000..=2200).contains(&first.year()) {
            bail!("year {} is outside 2000–2200", first.year());
        }
        let next = first
            .checked_add_months(Months::new(1))
            .ok_or_else(|| anyhow!("month out of range"))?;
        let days: Vec<NaiveDate> = first.iter_days().take_while(|d| *d < next).collect();
        let bdays: Vec<NaiveDate> = days.iter().copied().filter(|d| business(*d)).collect();
        if bdays.len() < 10 {
            bail!("{first}: too few business days for sample data");
        }
        Ok(Month {
            first,
            next,
            end: at(next, 0),
            demo: day_of(first, 15),
            tag: first.format("%Y-%m").to_string(),
            days,
            bdays,
        })
    }
    fn day(&self, n: u32) -> NaiveDate {
        day_of(self.first, n)
    }
    fn last(&self) -> NaiveDate {
        self.next.pred_opt().unwrap_or(self.first)
    }
}

fn day_of(first: NaiveDate, n: u32) -> NaiveDate {
    first.with_day(n).unwrap_or(first)
}

thread_local! {
    /// The business calendar of the month being generated ([`generate`]).
    static CALENDAR: std::cell::RefCell<Option<BusinessDays>> = const { std::cell::RefCell::new(None) };
}

/// Generate on this thread with `calendar`.
fn use_calendar(calendar: &BusinessDays) {
    CALENDAR.with(|c| *c.borrow_mut() = Some(calendar.clone()));
}

/// 営業日 by the site's business calendar (the holiday list, 12/29–1/3):
/// the same days the reports count as business days. [`generate`] checked
/// that the list covers the dates it asks about.
fn business(d: NaiveDate) -> bool {
    CALENDAR.with(|c| {
        c.borrow()
            .as_ref()
            .and_then(|b| b.is_business_day(d).ok())
            .unwrap_or(false)
    })
}

fn next_business(d: NaiveDate) -> NaiveDate {
    let mut n = d;
    for _ in 0..30 {
        n = n.succ_opt().unwrap_or(n);
        if business(n) {
            break;
        }
    }
    n
}

fn at(d: NaiveDate, minutes: i64) -> NaiveDateTime {
    d.and_time(NaiveTime::MIN) + Duration::minutes(minutes)
}
fn mins(n: i64) -> Duration {
    Duration::minutes(n)
}
fn secs(n: i64) -> Duration {
    Duration::seconds(n)
}
/// ISO 8601 with the JST offset (canonical UTF-8 files).
fn iso(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S+09:00").to_string()
}
/// Excel style `YYYY/M/D H:MM` (the CP932 tickets file).
fn excel(t: NaiveDateTime) -> String {
    format!(
        "{}/{}/{} {}:{:02}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute()
    )
}
fn hm(t: NaiveDateTime) -> String {
    t.format("%H:%M").to_string()
}
fn minute_of_day(t: NaiveDateTime) -> i64 {
    i64::from(t.hour() * 60 + t.minute())
}
fn opt<T>(v: Option<T>, f: impl Fn(T) -> String) -> String {
    v.map(f).unwrap_or_default()
}

/// `t` if the desk is open (08:30–19:00 on a business day), else shortly after it next opens.
fn desk_open(rng: &mut Rng, t: NaiveDateTime) -> NaiveDateTime {
    let (mut d, min) = (t.date(), minute_of_day(t));
    if business(d) && (510..1140).contains(&min) {
        return t;
    }
    if !(business(d) && min < 510) {
        d = next_business(d);
    }
    at(d, 510 + rng.range(5, 40))
}

/// Arrival weights per half hour from 08:30 (index 0) to 18:30 (index 20):
/// peaks 09:00–10:00 and 13:00–14:00, a lunch dip.
const CURVE: [f64; 21] = [
    0.5, 1.4, 1.6, 1.3, 1.1, 1.0, 0.9, 0.5, 0.6, 1.3, 1.4, 1.1, 1.0, 0.9, 0.9, 0.8, 0.7, 0.6, 0.4,
    0.2, 0.1,
];

/// A CSV writer counting data rows.
struct Csv<W: Write> {
    w: csv::Writer<W>,
    rows: usize,
}

impl<W: Write> Csv<W> {
    fn new(inner: W, header: &[&str], crlf: bool) -> Result<Csv<W>> {
        let term = if crlf {
            csv::Terminator::CRLF
        } else {
            csv::Terminator::Any(b'\n')
        };
        let mut w = csv::WriterBuilder::new()
            .terminator(term)
            .from_writer(inner);
        w.write_record(header)?;
        Ok(Csv { w, rows: 0 })
    }
    fn row<I: IntoIterator<Item = T>, T: AsRef<[u8]>>(&mut self, rec: I) -> Result<()> {
        self.w.write_record(rec)?;
        self.rows += 1;
        Ok(())
    }
    fn finish(self) -> Result<(W, usize)> {
        let rows = self.rows;
        let inner = self
            .w
            .into_inner()
            .map_err(|e| anyhow!("writing CSV: {}", e.error()))?;
        Ok((inner, rows))
    }
}

fn put(out: &Path, rel: &str, bytes: &[u8]) -> Result<PathBuf> {
    let path = out.join(rel);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

// ---------------------------------------------------------------- tickets

const INC: &str = "インシデント";
const INQ: &str = "問い合わせ";
const REQ: &str = "サービス要求";
const PRB: &str = "問題";
const CHG: &str = "変更";
const RLS: &str = "リリース";
const CFG: &str = "構成管理";
const AUTH: &str = "共通認証基盤";
const DOC: &str = "文書管理システム";

fn prefix(kind: &str) -> &'static str {
    match kind {
        INC => "INC",
        INQ => "INQ",
        REQ => "REQ",
        PRB => "PRB",
        CHG => "CHG",
        RLS => "RLS",
        _ => "CFG",
    }
}

/// Second-line team for a system.
fn team(system: &str) -> &'static str {
    if matches!(system, "人事給与システム" | DOC | "電子決裁システム") {
        "アプリチーム"
    } else {
        "基盤チーム"
    }
}

/// One desk category: volume per month at scale 1, titles, systems, first
/// contact resolution and escalation rates, resolution minutes, priorities 1–4.
struct Desk {
    cat: &'static str,
    kind: &'static str,
    vol: f64,
    titles: &'static [&'static str],
    systems: &'static [&'static str],
    fcr: f64,
    esc: f64,
    res: (i64, i64),
    prio: [f64; 4],
}

const LOW: [f64; 4] = [0.0, 0.0, 0.7, 0.3];
const DESK: &[Desk] = &[
    Desk {
        cat: "アカウントロック解除",
        kind: INQ,
        vol: 170.0,
        titles: &[
            "アカウントロック解除依頼",
            "ログインできない（アカウントロック）",
            "パスワード誤入力によるロックの解除",
        ],
        systems: &[AUTH],
        fcr: 0.75,
        esc: 0.01,
        res: (20, 180),
        prio: LOW,
    },
    Desk {
        cat: "強制サインアウト",
        kind: INQ,
        vol: 240.0,
        titles: &[
            "セッションが残り再ログインできない",
            "強制サインアウト依頼",
            "二重ログインエラーの解消依頼",
        ],
        systems: &["人事給与システム", DOC, "電子決裁システム"],
        fcr: 0.72,
        esc: 0.02,
        res: (15, 120),
        prio: LOW,
    },
    Desk {
        cat: "パスワードリセット",
        kind: REQ,
        vol: 50.0,
        titles: &[
            "パスワード初期化依頼",
            "パスワードを忘れた",
            "パスワード有効期限切れ",
        ],
        systems: &[AUTH],
        fcr: 0.0,
        esc: 0.05,
        res: (30, 480),
        prio: LOW,
    },
    Desk {
        cat: "ユーザID追加・削除",
        kind: REQ,
        vol: 20.0,
        titles: &[
            "人事異動に伴うユーザID追加",
            "退職者のユーザID削除",
            "併任者のユーザID追加申請",
        ],
        systems: &[AUTH],
        fcr: 0.0,
        esc: 0.2,
        res: (1440, 4320),
        prio: LOW,
    },
    Desk {
        cat: "仮パスワード発行",
        kind: REQ,
        vol: 10.0,
        titles: &["仮パスワード発行依頼（新規採用者）", "仮パスワード再発行"],
        systems: &[AUTH],
        fcr: 0.0,
        esc: 0.0,
        res: (30, 240),
        prio: LOW,
    },
    Desk {
        cat: "ホワイトリスト変更",
        kind: REQ,
        vol: 20.0,
        titles: &[
            "閲覧許可サイトの追加依頼",
            "ホワイトリストへのURL追加",
            "ファイル送信先ドメインの許可依頼",
        ],
        systems: &["インターネット接続環境"],
        fcr: 0.0,
        esc: 0.4,
        res: (1440, 5760),
        prio: LOW,
    },
    Desk {
        cat: "セキュリティ調査",
        kind: REQ,
        vol: 20.0,
        titles: &[
            "不審メール受信の調査依頼",
            "不審な通信ログの調査依頼",
            "USBメモリ接続警告の確認依頼",
        ],
        systems: &["メールシステム", "業務端末", "インターネット接続環境"],
        fcr: 0.0,
        esc: 0.4,
        res: (1440, 7200),
        prio: LOW,
    },
    Desk {
        cat: "操作方法",
        kind: INQ,
        vol: 45.0,
        titles: &[
            "電子決裁の差戻し方法",
            "文書登録時の添付ファイル上限",
            "給与明細の閲覧方法",
            "年末調整画面の入力方法",
        ],
        systems: &["電子決裁システム", DOC, "人事給与システム"],
        fcr: 0.45,
        esc: 0.1,
        res: (30, 1440),
        prio: LOW,
    },
    Desk {
        cat: "セキュリティインシデント",
        kind: INC,
        vol: 2.0,
        titles: &[
            "標的型攻撃メールの添付ファイルを開封",
            "業務端末でマルウェアを検知",
        ],
        systems: &["業務端末", "メールシステム"],
        fcr: 0.0,
        esc: 1.0,
        res: (1440, 4320),
        prio: [0.0, 1.0, 0.0, 0.0],
    },
    Desk {
        cat: "障害",
        kind: INC,
        vol: 16.0,
        titles: &[
            "画面の表示が遅い",
            "帳票が出力できない",
            "ログイン後にエラー画面が表示される",
            "検索結果が表示されない",
            "ファイルのアップロードに失敗する",
        ],
        systems: &["人事給与システム", DOC, AUTH, "電子決裁システム"],
        fcr: 0.0,
        esc: 0.9,
        res: (60, 480),
        prio: [0.0, 0.25, 0.75, 0.0],
    },
];

/// Changes and releases per replica: (kind, title, change class, system, scheduled next month, result).
const CHANGES: &[(&str, &str, &str, &str, bool, &str)] = &[
    (
        CHG,
        "月例セキュリティパッチ適用（APサーバ）",
        "標準",
        "人事給与システム",
        false,
        "成功",
    ),
    (
        CHG,
        "月例セキュリティパッチ適用（DBサーバ）",
        "標準",
        "人事給与システム",
        false,
        "成功",
    ),
    (
        CHG,
        "ウイルス対策ソフト定義配信設定の変更",
        "標準",
        "業務端末",
        false,
        "成功",
    ),
    (
        CHG,
        "SSLサーバ証明書更新（文書管理）",
        "標準",
        DOC,
        false,
        "成功",
    ),
    (
        CHG,
        "アカウント一括登録（人事異動分）",
        "標準",
        AUTH,
        false,
        "成功",
    ),
    (
        CHG,
        "ファイアウォール通信許可ルール追加",
        "軽微",
        "インターネット接続環境",
        false,
        "成功",
    ),
    (
        CHG,
        "帳票レイアウト修正（給与明細）",
        "軽微",
        "人事給与システム",
        false,
        "成功",
    ),
    (
        CHG,
        "ジョブスケジュール変更（NIGHTLY_DOC）",
        "軽微",
        DOC,
        false,
        "切り戻し",
    ),
    (
        CHG,
        "バックアップ保存世代数の変更",
        "軽微",
        DOC,
        false,
        "成功",
    ),
    (
        CHG,
        "メールボックス容量上限の変更",
        "軽微",
        "メールシステム",
        false,
        "成功",
    ),
    (
        CHG,
        "人事給与システム 年末調整機能改修",
        "重大",
        "人事給与システム",
        true,
        "",
    ),
    (CHG, "定期パッチ適用（翌月分）", "標準", AUTH, true, ""),
    (
        CHG,
        "サーバ証明書更新（共通認証基盤）",
        "標準",
        AUTH,
        true,
        "",
    ),
    (
        RLS,
        "人事給与システム 定例リリース（v3.12）",
        "",
        "人事給与システム",
        false,
        "成功",
    ),
    (
        RLS,
        "文書管理システム 機能改善リリース",
        "",
        DOC,
        false,
        "成功",
    ),
    (
        RLS,
        "電子決裁システム 定例リリース",
        "",
        "電子決裁システム",
        true,
        "",
    ),
];

/// Problems and configuration items per replica: (kind, title, system, still open).
const OTHERS: &[(&str, &str, &str, bool)] = &[
    (
        PRB,
        "人事給与システム 帳票出力遅延の恒久対策",
        "人事給与システム",
        false,
    ),
    (PRB, "強制サインアウト多発の原因調査", DOC, true),
    (
        CFG,
        "構成情報更新（ap03 メモリ増設）",
        "人事給与システム",
        false,
    ),
    (CFG, "ソフトウェアライセンス台帳の更新", "業務端末", false),
    (CFG, "構成管理DBの月次棚卸し", "運用管理基盤", false),
];

/// One ticket as the desk tool knows it (Japanese values); `p1` marks the planted P1.
struct Ticket {
    id: String,
    title: String,
    kind: &'static str,
    opened: NaiveDateTime,
    first: Option<NaiveDateTime>,
    resolved: Option<NaiveDateTime>,
    closed: Option<NaiveDateTime>,
    cancelled: bool,
    status: &'static str,
    priority: usize,
    category: &'static str,
    channel: &'static str,
    system: &'static str,
    group: &'static str,
    escalated: bool,
    fcr: Option<bool>,
    reopened: u32,
    pending: i64,
    impact: &'static str,
    outage: Option<(NaiveDateTime, NaiveDateTime)>,
    planned: Option<bool>,
    class: &'static str,
    result: &'static str,
    scheduled: Option<NaiveDateTime>,
    work: i64,
    p1: bool,
}

impl Ticket {
    fn new(
        kind: &'static str,
        title: &str,
        opened: NaiveDateTime,
        priority: usize,
        category: &'static str,
        system: &'static str,
    ) -> Ticket {
        Ticket {
            id: String::new(),
            title: title.to_string(),
            kind,
            opened,
            first: None,
            resolved: None,
            closed: None,
            cancelled: false,
            status: "",
            priority,
            category,
            channel: "",
            system,
            group: "ヘルプデスク",
            escalated: false,
            fcr: None,
            reopened: 0,
            pending: 0,
            impact: "",
            outage: None,
            planned: None,
            class: "",
            result: "",
            scheduled: None,
            work: 30,
            p1: false,
        }
    }

    /// Cut the ticket at the export time: later events are not known yet.
    fn settle(&mut self, end: NaiveDateTime) {
        let before = |t: Option<NaiveDateTime>| t.filter(|t| *t < end);
        (self.first, self.resolved, self.closed) = (
            before(self.first),
            before(self.resolved),
            before(self.closed),
        );
        if self.resolved.is_none() {
            self.result = "";
            self.reopened = 0;
            if !self.cancelled {
                self.closed = None;
            }
        }
        self.status = if self.cancelled && self.closed.is_some() {
            "取消"
        } else if self.first.is_none() {
            "新規"
        } else if self.resolved.is_none() {
            if self.pending > 0 {
                "保留"
            } else {
                "対応中"
            }
        } else if self.closed.is_none() {
            "解決済"
        } else {
            "完了"
        };
    }

    fn record(&self) -> Vec<String> {
        let dt = |t: Option<NaiveDateTime>| opt(t, excel);
        let yn = |b: bool| (if b { "有" } else { "無" }).to_string();
        let updated = [Some(self.opened), self.first, self.resolved, self.closed]
            .into_iter()
            .flatten()
            .max();
        vec![
            self.id.clone(),
            self.title.clone(),
            self.kind.into(),
            excel(self.opened),
            dt(updated),
            dt(self.first),
            dt(self.resolved),
            dt(self.closed),
            self.status.into(),
            self.priority.to_string(),
            self.category.into(),
            self.channel.into(),
            self.system.into(),
            self.group.into(),
            yn(self.escalated),
            opt(self.fcr, yn),
            self.reopened.to_string(),
            self.pending.to_string(),
            self.impact.into(),
            dt(self.outage.map(|o| o.0)),
            dt(self.outage.map(|o| o.1)),
            opt(self.planned, yn),
            self.class.into(),
            self.result.into(),
            dt(self.scheduled),
            self.work.to_string(),
        ]
    }
}

fn desk_ticket(rng: &mut Rng, t: &Desk, opened: NaiveDateTime) -> Ticket {
    let system = rng.pick(t.systems);
    let base = rng.pick(t.titles);
    let title = if t.cat == "障害" {
        format!("{system} {base}")
    } else {
        base.to_string()
    };
    let mut k = Ticket::new(
        t.kind,
        &title,
        opened,
        rng.weighted(&t.prio) + 1,
        t.cat,
        system,
    );
    k.channel = if !business(opened.date()) {
        "メール"
    } else if t.kind == INC {
        "電話"
    } else {
        ["電話", "メール", "FAX"][rng.weighted(&[0.6, 0.3, 0.1])]
    };
    let delay = match k.channel {
        "電話" => rng.range(1, 5),
        "メール" => 5 + (rng.exp(35.0) as i64).min(240),
        _ => 10 + (rng.exp(50.0) as i64).min(300),
    };
    let first = desk_open(rng, opened + mins(delay));
    k.first = Some(first);
    if t.kind == INQ {
        k.fcr = Some(rng.chance(t.fcr));
    }
    if k.fcr == Some(true) {
        let r = first + mins(rng.range(3, 15));
        (k.resolved, k.closed, k.work) =
            (Some(r), Some(r + mins(rng.range(0, 10))), rng.range(15, 30));
    } else {
        k.escalated = rng.chance(t.esc);
        if k.escalated {
            k.group = team(system);
        }
        let dur = rng.range(t.res.0, t.res.1);
        if dur >= 1440 && rng.chance(0.3) {
            k.pending = rng.range(30, (dur / 3).min(960));
        }
        let r = desk_open(rng, first + mins(dur));
        k.resolved = Some(r);
        let d = mins(rng.range(30, 1440));
        k.closed = Some(desk_open(rng, r + d));
        k.work = rng.range(30, 240);
        if t.kind == REQ && rng.chance(0.01) {
            (k.cancelled, k.resolved, k.pending) = (true, None, 0);
        } else {
            k.reopened = u32::from(rng.chance(0.01));
        }
    }
    if t.kind == INC {
        k.impact = if t.cat == "障害" && rng.chance(0.3) {
            "一部"
        } else {
            "なし"
        };
    }
    k
}

/// A fixed incident or change with an outage.
fn outage_ticket(
    kind: &'static str,
    title: &str,
    opened: NaiveDateTime,
    prio: usize,
    system: &'static str,
    outage: (NaiveDateTime, NaiveDateTime),
    resolved: NaiveDateTime,
) -> Ticket {
    let mut k = Ticket::new(
        kind,
        title,
        opened,
        prio,
        if kind == INC {
            "障害"
        } else {
            "システム変更"
        },
        system,
    );
    k.first = Some(if kind == INC {
        opened + mins(4)
    } else {
        opened + mins(30)
    });
    (k.resolved, k.escalated, k.group, k.impact) =
        (Some(resolved), kind == INC, team(system), "停止");
    (k.outage, k.planned, k.work) = (Some(outage), Some(kind == CHG), 240);
    if kind == INC {
        k.channel = "電話";
    }
    k
}

fn tickets(m: &Month, scale: u32, rng: &mut Rng) -> Result<(Vec<u8>, usize, String)> {
    let mut list = Vec::new();
    let day_w: Vec<f64> = m
        .days
        .iter()
        .map(|&d| {
            if !business(d) {
                0.03
            } else if d.weekday() == Weekday::Mon {
                1.25
            } else {
                1.0
            }
        })
        .collect();
    for t in DESK {
        for _ in 0..rng.poisson(t.vol * f64::from(scale)) {
            let d = m.days[rng.weighted(&day_w).min(m.days.len() - 1)];
            let opened = if business(d) {
                at(d, 510 + 30 * rng.weighted(&CURVE) as i64 + rng.range(0, 29))
            } else {
                at(d, 540 + rng.range(0, 480))
            };
            list.push(desk_ticket(rng, t, opened));
        }
    }
    let bd = &m.bdays;
    let n = bd.len() as i64;
    for _ in 0..scale {
        for &(kind, title, class, system, next, result) in CHANGES {
            let (opened, sched) = if next {
                let od = bd[rng.range(n / 2, n - 1) as usize];
                let sd = next_business(m.last() + Duration::days(rng.range(0, 18)));
                (at(od, 600 + rng.range(0, 360)), at(sd, 1140))
            } else {
                let i = rng.range(3, n - 3);
                (
                    at(
                        bd[(i - rng.range(2, 6).min(i)) as usize],
                        600 + rng.range(0, 360),
                    ),
                    at(bd[i as usize], 1140),
                )
            };
            let mut k = Ticket::new(
                kind,
                title,
                opened,
                3,
                if kind == CHG {
                    "システム変更"
                } else {
                    "リリース作業"
                },
                system,
            );
            let d = mins(rng.range(30, 120));
            k.first = Some(desk_open(rng, opened + d));
            let r = sched + mins(rng.range(40, 150));
            (k.group, k.class, k.scheduled, k.impact, k.result) =
                (team(system), class, Some(sched), "なし", result);
            (k.resolved, k.closed, k.work) = (
                Some(r),
                Some(desk_open(rng, r + Duration::days(1))),
                rng.range(60, 240),
            );
            k.planned = (kind == CHG).then_some(false);
            list.push(k);
        }
        for &(kind, title, system, open) in OTHERS {
            let opened = at(bd[rng.range(0, n - 8) as usize], 600 + rng.range(0, 420));
            let (prio, cat) = if kind == PRB {
                (3, "問題管理")
            } else {
                (4, "構成管理")
            };
            let mut k = Ticket::new(kind, title, opened, prio, cat, system);
            let d = mins(rng.range(30, 240));
            k.first = Some(desk_open(rng, opened + d));
            let d = mins(if kind == PRB {
                rng.range(3, 8) * 1440
            } else {
                rng.range(60, 480)
            });
            let r = desk_open(rng, opened + d);
            (k.group, k.work, k.pending) =
                (team(system), rng.range(60, 240), if open { 480 } else { 0 });
            if !open {
                (k.resolved, k.closed) = (Some(r), Some(desk_open(rng, r + Duration::days(1))));
            }
            list.push(k);
        }
    }
    // Planted tickets (once).
    let d = m.demo;
    let mut p1 = outage_ticket(
        INC,
        "共通認証基盤 全庁でログインできない（認証サーバ停止）",
        at(d, 552),
        1,
        AUTH,
        (at(d, 545), at(d, 648)),
        at(d, 665),
    );
    (p1.p1, p1.work) = (true, 240);
    p1.closed = Some(desk_open(rng, at(d, 665) + Duration::days(1)));
    list.push(p1);
    let mut rca = Ticket::new(
        PRB,
        "共通認証基盤 認証サーバ停止の根本原因調査",
        at(d, 840),
        2,
        "問題管理",
        AUTH,
    );
    (rca.first, rca.group, rca.work) = (Some(at(d, 870)), team(AUTH), 180);
    list.push(rca);
    let mut emg = Ticket::new(
        CHG,
        "緊急パッチ適用（共通認証基盤 認証サーバ）",
        at(d, 810),
        2,
        "システム変更",
        AUTH,
    );
    (emg.first, emg.scheduled, emg.resolved) =
        (Some(at(d, 825)), Some(at(d, 1200)), Some(at(d, 1240)));
    (emg.closed, emg.class, emg.result, emg.group) = (
        Some(desk_open(rng, at(d, 1240) + Duration::days(1))),
        "緊急",
        "成功",
        team(AUTH),
    );
    (emg.impact, emg.planned, emg.work) = ("なし", Some(false), 150);
    list.push(emg);
    let late: Vec<NaiveDate> = bd
        .iter()
        .copied()
        .filter(|d| (22..=28).contains(&d.day()))
        .collect();
    let od = if late.is_empty() {
        m.bdays[m.bdays.len() - 1]
    } else {
        rng.pick(&late)
    };
    let mut doc = outage_ticket(
        INC,
        "文書管理システム 画面が表示されない（APサーバ停止）",
        at(od, 866),
        2,
        DOC,
        (at(od, 860), at(od, 905)),
        at(od, 915),
    );
    doc.closed = Some(desk_open(rng, at(od, 915) + Duration::days(1)));
    list.push(doc);
    let sat = m
        .days
        .iter()
        .copied()
        .find(|d| d.day() >= 8 && d.weekday() == Weekday::Sat)
        .unwrap_or(m.first);
    let mut pm = outage_ticket(
        CHG,
        "文書管理システム ストレージ増設（計画停止）",
        at(bd[0], 600),
        3,
        DOC,
        (at(sat, 540), at(sat, 780)),
        at(sat, 790),
    );
    (pm.class, pm.result, pm.scheduled, pm.group) =
        ("重大", "成功", Some(at(sat, 540)), "基盤チーム");
    pm.closed = Some(desk_open(rng, at(sat, 790)));
    list.push(pm);
    let mut f = Ticket::new(
        INQ,
        "=SUM(A1) と表示される",
        at(bd[2], 620),
        4,
        "操作方法",
        "業務端末",
    );
    (f.channel, f.first, f.fcr, f.resolved, f.closed, f.work) = (
        "電話",
        Some(at(bd[2], 623)),
        Some(true),
        Some(at(bd[2], 635)),
        Some(at(bd[2], 640)),
        15,
    );
    list.push(f);

    list.sort_by(|a, b| a.opened.cmp(&b.opened).then_with(|| a.title.cmp(&b.title)));
    let mut seq: BTreeMap<&str, usize> = BTreeMap::new();
    let mut note = String::new();
    let mut csv = Csv::new(Vec::new(), &TICKET_HEADER, true)?;
    for k in &mut list {
        let p = prefix(k.kind);
        let n = seq.entry(p).or_insert(0);
        *n += 1;
        k.id = format!("{p}-{}{:04}", m.first.format("%Y%m"), n);
        k.settle(m.end);
        if k.p1 {
            note = format!("09:05から10:48まで共通認証基盤の認証サーバが停止し、全庁でログインできない状態となった（{}、優先度1）。同時間帯はヘルプデスクへの入電が集中し放棄呼が増加した。同日20:00に緊急パッチを適用済み、根本原因は問題管理で調査中。", k.id);
        }
        csv.row(k.record())?;
    }
    let (bytes, rows) = csv.finish()?;
    let text = String::from_utf8(bytes)?;
    let (encoded, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&text);
    if unmappable {
        bail!("ticket text contains characters not encodable in CP932");
    }
    Ok((encoded.into_owned(), rows, note))
}

const TICKET_HEADER: [&str; 26] = [
    "チケット番号",
    "件名",
    "種別",
    "受付日時",
    "更新日時",
    "一次回答日時",
    "解決日時",
    "完了日時",
    "ステータス",
    "優先度",
    "分類",
    "受付経路",
    "対象システム",
    "担当",
    "エスカレーション",
    "一次解決",
    "再オープン回数",
    "保留時間",
    "影響",
    "停止開始",
    "停止終了",
    "計画停止",
    "変更区分",
    "結果",
    "実施予定日時",
    "作業時間(分)",
];

// ---------------------------------------------------------------- job runs

/// Nightly jobnets: (jobnet, system, host prefix, start minute, jobs (name, min, max minutes)).
/// Deadlines ([`SAMPLE_DEADLINES`]) leave room for one failure and rerun per night.
type Net = (
    &'static str,
    &'static str,
    &'static str,
    i64,
    &'static [(&'static str, i64, i64)],
);
const NETS: &[Net] = &[
    (
        "NIGHTLY_HR",
        "人事給与システム",
        "batch",
        60,
        &[
            ("JOB_HR_EXTRACT", 15, 25),
            ("JOB_HR_CALC", 40, 60),
            ("JOB_HR_REPORT", 15, 30),
            ("JOB_HR_TRANSFER", 5, 10),
        ],
    ),
    (
        "NIGHTLY_DOC",
        DOC,
        "batch",
        90,
        &[
            ("JOB_DOC_INDEX", 30, 50),
            ("JOB_DOC_ARCHIVE", 20, 40),
            ("JOB_DOC_PURGE", 10, 20),
            ("JOB_DOC_STATS", 5, 10),
        ],
    ),
    (
        "NIGHTLY_BKUP",
        "運用管理基盤",
        "bkup",
        120,
        &[
            ("JOB_BK_DBEXPORT", 20, 35),
            ("JOB_BK_FILECOPY", 30, 60),
            ("JOB_BK_VERIFY", 10, 20),
            ("JOB_BK_OFFSITE", 20, 40),
        ],
    ),
];

/// One execution attempt.
#[derive(Clone)]
struct JobRow {
    job: String,
    net: String,
    system: &'static str,
    host: String,
    sched: NaiveDateTime,
    start: NaiveDateTime,
    end: NaiveDateTime,
    status: &'static str,
    rc: i64,
    attempt: u32,
    deadline: Option<NaiveDateTime>,
}

fn job_rows(m: &Month, scale: u32, rng: &mut Rng) -> Vec<JobRow> {
    let mut rows = Vec::new();
    for r in 0..scale {
        let sfx = |s: &str| {
            if r == 0 {
                s.to_string()
            } else {
                format!("{s}_{:02}", r + 1)
            }
        };
        for &d in &m.days {
            let (demo, late_day, month_end) = (
                r == 0 && d == m.demo,
                r == 0 && d == m.day(8),
                r == 0 && d == m.last(),
            );
            let planted = demo || late_day || month_end;
            for &(net, system, host, start, jobs) in NETS {
                let fail_at = if !planted && rng.chance(0.06) {
                    Some(rng.range(0, jobs.len() as i64 - 1) as usize)
                } else {
                    None
                };
                let sched = at(d, start);
                let mut t = sched + secs(rng.range(0, 20));
                for (j, &(name, lo, hi)) in jobs.iter().enumerate() {
                    let mut dur = rng.range(lo * 60, hi * 60);
                    if demo && name == "JOB_DOC_STATS" {
                        dur = (at(d, 380 + rng.range(0, 9)) - t).num_seconds().max(60);
                    }
                    if late_day && name == "JOB_BK_OFFSITE" {
                        dur = (at(d, 430 + rng.range(0, 20)) - t).num_seconds().max(60);
                    }
                    let deadline = (month_end && net == "NIGHTLY_HR").then(|| at(d, 270));
                    let base = JobRow {
                        job: sfx(name),
                        net: sfx(net),
                        system,
                        host: format!("{host}{:02}", r + 1),
                        sched,
                        start: t,
                        end: t,
                        status: "success",
                        rc: 0,
                        attempt: 1,
                        deadline,
                    };
                    let mut attempt = 1;
                    if fail_at == Some(j) || (demo && name == "JOB_HR_CALC") {
                        let fend = t + secs(dur * rng.range(20, 60) / 100);
                        let rc = if demo { 12 } else { rng.pick(&[8, 12]) };
                        rows.push(JobRow {
                            end: fend,
                            status: "failed",
                            rc,
                            ..base.clone()
                        });
                        t = fend + mins(rng.range(30, 60));
                        attempt = 2;
                    }
                    let end = t + secs(dur);
                    rows.push(JobRow {
                        start: t,
                        end,
                        attempt,
                        ..base
                    });
                    t = end + secs(rng.range(10, 40));
                }
            }
            for h in 0..24 {
                let sched = at(d, h * 60);
                let start = sched + secs(rng.range(0, 5));
                let dur = rng.range(40, 170);
                let base = JobRow {
                    job: sfx("HOURLY_SYNC"),
                    net: sfx("HOURLY"),
                    system: AUTH,
                    host: format!("auth{:02}", r + 1),
                    sched,
                    start,
                    end: start + secs(dur),
                    status: "success",
                    rc: 0,
                    attempt: 1,
                    deadline: None,
                };
                if !planted && rng.chance(0.003) {
                    let rerun = start + mins(rng.range(5, 15));
                    rows.push(JobRow {
                        end: start + secs(dur / 2),
                        status: "failed",
                        rc: 8,
                        ..base.clone()
                    });
                    rows.push(JobRow {
                        start: rerun,
                        end: rerun + secs(dur),
                        attempt: 2,
                        ..base
                    });
                } else {
                    rows.push(base);
                }
            }
        }
    }
    rows.sort_by(|a, b| (a.start, &a.job).cmp(&(b.start, &b.job)));
    rows
}

fn jobs(m: &Month, scale: u32, rng: &mut Rng) -> Result<(Vec<u8>, usize, String)> {
    let rows = job_rows(m, scale, rng);
    let on_demo = |job: &str, attempt: u32| {
        rows.iter()
            .find(|r| r.job == job && r.attempt == attempt && r.sched.date() == m.demo)
    };
    let note = match (on_demo("JOB_HR_CALC", 2), on_demo("JOB_DOC_STATS", 1)) {
        (Some(rerun), Some(stats)) => format!(
            "夜間バッチ JOB_HR_CALC が異常終了（戻り値12）したため{}に再実行し正常終了した。JOB_DOC_STATS はDBロック待ちにより長時間化し、完了期限06:00を超過して{}に終了した。",
            hm(rerun.start),
            hm(stats.end)
        ),
        _ => String::new(),
    };
    let header = [
        "job_name",
        "jobnet",
        "system",
        "host",
        "scheduled_at",
        "started_at",
        "ended_at",
        "status",
        "return_code",
        "attempt",
        "deadline",
    ];
    let mut csv = Csv::new(Vec::new(), &header, false)?;
    for r in &rows {
        csv.row([
            r.job.clone(),
            r.net.clone(),
            r.system.into(),
            r.host.clone(),
            iso(r.sched),
            iso(r.start),
            iso(r.end),
            r.status.into(),
            r.rc.to_string(),
            r.attempt.to_string(),
            opt(r.deadline, iso),
        ])?;
    }
    let (bytes, n) = csv.finish()?;
    Ok((bytes, n, note))
}

// ---------------------------------------------------------------- capacity

#[derive(Clone, Copy, PartialEq)]
enum Role {
    Web,
    Ap,
    Db,
    File,
    Auth,
    Batch,
    Bkup,
}

/// Hosts per replica: (name prefix, count, role, mount points sampled).
const HOSTS: &[(&str, u32, Role, &[&str])] = &[
    ("web", 2, Role::Web, &["/", "/var"]),
    ("ap", 4, Role::Ap, &["/"]),
    ("db", 2, Role::Db, &["/", "/data"]),
    ("file", 1, Role::File, &["/", "/data"]),
    ("auth", 1, Role::Auth, &["/"]),
    ("batch", 1, Role::Batch, &["/", "/data"]),
    ("bkup", 1, Role::Bkup, &["/", "/data"]),
];

/// A monitored host: base memory and `/` levels, CPU spike windows (sample indexes).
struct Host {
    name: String,
    role: Role,
    mounts: &'static [&'static str],
    mem: f64,
    root: f64,
    spikes: Vec<(usize, usize)>,
    planted: bool,
}

/// Write the capacity file straight to disk (about 380k rows per scale unit).
fn capacity(m: &Month, scale: u32, rng: &mut Rng, path: &Path) -> Result<usize> {
    let total = m.days.len() * 288;
    let mut hosts = Vec::new();
    for r in 0..scale {
        for &(p, count, role, mounts) in HOSTS {
            for i in 1..=count {
                let mut spikes = Vec::new();
                if role == Role::Ap {
                    for _ in 0..rng.poisson(3.0) {
                        let s = rng.range(0, m.days.len() as i64 - 1) as usize * 288
                            + rng.range(108, 215) as usize;
                        spikes.push((s, s + rng.range(2, 6) as usize));
                    }
                }
                let mem = match role {
                    Role::Db => 74.0,
                    Role::Ap => 60.0,
                    Role::Web | Role::Bkup => 42.0,
                    Role::Auth => 50.0,
                    Role::File => 35.0,
                    Role::Batch => 30.0,
                } + rng.normal(0.0, 3.0);
                let name = format!("{p}{:02}", i + r * count);
                hosts.push(Host {
                    name,
                    role,
                    mounts,
                    mem,
                    root: rng.range(28, 45) as f64,
                    spikes,
                    planted: r == 0,
                });
            }
        }
    }
    // file01 /data grows mostly during business hours: cumulative weight.
    let mut cum = Vec::with_capacity(total);
    let mut acc = 0.0;
    for &d in &m.days {
        let b = business(d);
        for s in 0..288 {
            acc += if b && (108..216).contains(&s) {
                1.0
            } else {
                0.08
            };
            cum.push(acc);
        }
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let file =
        std::fs::File::create(path).with_context(|| format!("writing {}", path.display()))?;
    let mut csv = Csv::new(
        std::io::BufWriter::new(file),
        &["host", "metric", "resource", "sampled_at", "value"],
        false,
    )?;
    for (di, &d) in m.days.iter().enumerate() {
        let bday = business(d);
        for s in 0..288usize {
            let (idx, min) = (di * 288 + s, s as i64 * 5);
            let ts = iso(at(d, min));
            let load = if bday && (510..1140).contains(&min) {
                CURVE[((min - 510) / 30) as usize] / 1.6
            } else {
                0.03
            };
            let (night, frac) = ((60..210).contains(&min), idx as f64 / total as f64);
            for h in &hosts {
                let mut cpu = match h.role {
                    Role::Web => 4.0 + 30.0 * load,
                    Role::Ap => 6.0 + 45.0 * load,
                    Role::Db => 8.0 + 25.0 * load + if night { 55.0 } else { 0.0 },
                    Role::File => 3.0 + 15.0 * load,
                    Role::Auth => {
                        3.0 + 20.0 * load
                            + if bday && (510..570).contains(&min) {
                                25.0
                            } else {
                                0.0
                            }
                    }
                    Role::Batch => {
                        2.0 + 5.0 * load + if (60..240).contains(&min) { 70.0 } else { 0.0 }
                    }
                    Role::Bkup => {
                        2.0 + if !(150..1380).contains(&min) {
                            45.0
                        } else {
                            0.0
                        }
                    }
                };
                cpu = (cpu + rng.normal(0.0, 1.5 + cpu * 0.06)).clamp(0.3, 88.0);
                if h.spikes.iter().any(|&(a, b)| (a..b).contains(&idx)) {
                    cpu = 91.0 + 8.5 * rng.f64();
                }
                if h.planted && h.role == Role::Auth && d == m.demo && (530..650).contains(&min) {
                    cpu = if min < 545 {
                        96.0 + 3.5 * rng.f64()
                    } else {
                        0.5 + rng.f64()
                    };
                }
                let batch = if h.role == Role::Batch && night {
                    25.0
                } else {
                    0.0
                };
                let mem = (h.mem + 4.0 * load + batch + rng.normal(0.0, 1.0)).clamp(1.0, 99.0);
                csv.row([
                    h.name.as_str(),
                    "cpu_pct",
                    "",
                    ts.as_str(),
                    format!("{cpu:.1}").as_str(),
                ])?;
                csv.row([
                    h.name.as_str(),
                    "mem_pct",
                    "",
                    ts.as_str(),
                    format!("{mem:.1}").as_str(),
                ])?;
                for &mount in h.mounts {
                    let v = match (h.role, mount) {
                        (_, "/") => h.root + 2.0 * frac,
                        (Role::Web, _) => 35.0 + 12.0 * min as f64 / 1440.0,
                        (Role::File, _) if h.planted => 70.0 + 23.0 * cum[idx] / acc,
                        (Role::File, _) => 55.0 + 5.0 * frac,
                        (Role::Db, _) => 62.0 + 3.0 * frac,
                        (Role::Batch, _) => {
                            40.0 + if (60..240).contains(&min) {
                                15.0 * (min - 60) as f64 / 180.0
                            } else {
                                0.0
                            }
                        }
                        _ => 55.0 + 3.0 * f64::from(d.weekday().num_days_from_sunday()),
                    };
                    let v = (v + rng.normal(0.0, 0.05)).clamp(0.0, 100.0);
                    csv.row([
                        h.name.as_str(),
                        "disk_pct",
                        mount,
                        ts.as_str(),
                        format!("{v:.1}").as_str(),
                    ])?;
                }
            }
        }
    }
    let (mut w, rows) = csv.finish()?;
    w.flush()
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(rows)
}

// ---------------------------------------------------------------- backups

/// Backup targets per replica: (host prefix, host number, hosts per replica,
/// suffix, method, start minute, duration minutes, size GB, Sundays only).
type Target = (
    &'static str,
    u32,
    u32,
    &'static str,
    &'static str,
    i64,
    (i64, i64),
    f64,
    bool,
);
const TARGETS: &[Target] = &[
    ("db", 1, 2, "full", "full", 1380, (35, 50), 180.0, false),
    ("db", 2, 2, "full", "full", 1410, (25, 40), 120.0, false),
    (
        "file",
        1,
        1,
        "incr",
        "incremental",
        90,
        (10, 40),
        8.0,
        false,
    ),
    ("file", 1, 1, "full", "full", 1200, (150, 200), 1400.0, true),
    ("ap", 1, 4, "snap", "snapshot", 10, (2, 5), 50.0, false),
    ("ap", 2, 4, "snap", "snapshot", 15, (2, 5), 50.0, false),
    ("ap", 3, 4, "snap", "snapshot", 20, (2, 5), 50.0, false),
    ("ap", 4, 4, "snap", "snapshot", 25, (2, 5), 50.0, false),
];

fn backups(m: &Month, scale: u32, rng: &mut Rng) -> Result<(Vec<u8>, usize, String)> {
    let mut rows: Vec<(NaiveDateTime, [String; 8])> = Vec::new();
    let mut note = String::new();
    for (di, &d) in m.days.iter().enumerate() {
        let growth = di as f64 / m.days.len() as f64;
        for r in 0..scale {
            for (ti, &(p, num, per, sfx, method, start, (lo, hi), gb, sunday)) in
                TARGETS.iter().enumerate()
            {
                let host = format!("{p}{:02}", num + r * per);
                let target = format!("{host}-{sfx}");
                if (sunday && d.weekday() != Weekday::Sun)
                    || (r == 0 && d == m.day(21) && target == "ap02-snap")
                {
                    continue;
                }
                let t0 = at(d, start + rng.range(0, 5)) + secs(rng.range(0, 59));
                let failed = r == 0 && d == m.demo && target == "file01-incr";
                let end = t0
                    + if failed {
                        mins(rng.range(3, 8))
                    } else {
                        secs(rng.range(lo * 60, hi * 60))
                    };
                let size = match (method, sunday) {
                    ("incremental", _) => {
                        gb * (if business(d) { 1.0 } else { 0.3 }) * rng.lognormal(1.0, 0.25)
                    }
                    (_, true) => 2000.0 * (0.70 + 0.23 * growth),
                    _ => gb * (1.0 + 0.02 * growth) * (1.0 + rng.normal(0.0, 0.01)),
                };
                let location = if method == "snapshot" {
                    "snapshot-pool".to_string()
                } else {
                    format!("bkup{:02}:/backup/{host}", r + 1)
                };
                if failed {
                    note = format!("{target} のバックアップ（{}開始）が異常終了した（保管先ストレージ応答なし）。翌日分の取得結果を確認する。", hm(t0));
                }
                let id = format!(
                    "BK{}-{:03}",
                    d.format("%Y%m%d"),
                    ti + r as usize * TARGETS.len() + 1
                );
                let size = if failed {
                    String::new()
                } else {
                    ((size * 1e9) as u64).to_string()
                };
                let status = if failed { "failed" } else { "success" };
                rows.push((
                    t0,
                    [
                        id,
                        target,
                        method.into(),
                        iso(t0),
                        iso(end),
                        status.into(),
                        size,
                        location,
                    ],
                ));
            }
        }
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1[0].cmp(&b.1[0])));
    let mut csv = Csv::new(
        Vec::new(),
        &[
            "backup_id",
            "target",
            "method",
            "started_at",
            "ended_at",
            "status",
            "size_bytes",
            "location",
        ],
        false,
    )?;
    for (_, rec) in &rows {
        csv.row(rec)?;
    }
    let (bytes, n) = csv.finish()?;
    Ok((bytes, n, note))
}

// ---------------------------------------------------------------- calls

struct Call {
    offered: NaiveDateTime,
    answered: Option<NaiveDateTime>,
    ended: NaiveDateTime,
    outcome: &'static str,
    agent: String,
    talk: Option<i64>,
    wrap: Option<i64>,
    caller: String,
}

fn call(rng: &mut Rng, offered: NaiveDateTime, agents: i64, surge: bool, bday: bool) -> Call {
    let min = minute_of_day(offered);
    let factor = if surge {
        3.0
    } else if (540..600).contains(&min) || (780..840).contains(&min) {
        1.5
    } else {
        1.0
    };
    let caller = if rng.chance(0.75) {
        format!("03-{:04}-{:04}", rng.range(3000, 6999), rng.range(0, 9999))
    } else {
        format!(
            "0{}0-{:04}-{:04}",
            rng.range(7, 9),
            rng.range(1000, 9999),
            rng.range(0, 9999)
        )
    };
    let w = if surge {
        [0.78, 0.16, 0.04, 0.02]
    } else {
        [0.92, 0.06, 0.01, 0.01]
    };
    let s = |x: f64| x.round() as i64;
    // A third of the abandons are short (wait < 5 s); timeouts leave the queue at 120 s.
    let (outcome, wait) = match rng.weighted(&w) {
        0 => (
            "answered",
            s(rng.lognormal(12.0, 0.75) * factor).clamp(1, 900),
        ),
        1 => (
            "abandoned",
            if rng.chance(1.0 / 3.0) {
                rng.range(1, 4)
            } else {
                s(rng.lognormal(40.0, 0.6) * factor).clamp(5, 600)
            },
        ),
        2 => ("timeout", 120),
        _ => ("overflow", rng.range(30, 90)),
    };
    let mut c = Call {
        offered,
        answered: None,
        ended: offered + secs(wait),
        outcome,
        agent: String::new(),
        talk: None,
        wrap: None,
        caller,
    };
    if outcome == "answered" {
        let (talk, wrap) = (
            s(rng.lognormal(170.0, 0.5)).clamp(60, 600),
            s(rng.lognormal(60.0, 0.5)).clamp(20, 180),
        );
        let agent = if bday {
            rng.range(1, agents)
        } else {
            1 + i64::from(offered.day() % 2)
        };
        let ans = offered + secs(wait);
        (c.answered, c.ended, c.talk, c.wrap, c.agent) = (
            Some(ans),
            ans + secs(talk),
            Some(talk),
            Some(wrap),
            format!("OP{agent:02}"),
        );
    }
    c
}

fn calls(m: &Month, scale: u32, rng: &mut Rng) -> Result<(Vec<u8>, usize)> {
    let agents = 8 * i64::from(scale);
    let w: Vec<f64> = m
        .days
        .iter()
        .map(|&d| {
            if !business(d) {
                0.03
            } else if d.weekday() == Weekday::Mon {
                1.2
            } else {
                1.0
            }
        })
        .collect();
    let total: f64 = w.iter().sum();
    let mut list = Vec::new();
    for (i, &d) in m.days.iter().enumerate() {
        let bday = business(d);
        for _ in 0..rng.poisson(2300.0 * f64::from(scale) * w[i] / total) {
            let offered = if bday {
                at(d, 510 + 30 * rng.weighted(&CURVE[..20]) as i64) + secs(rng.range(0, 1799))
            } else {
                at(d, 540) + secs(rng.range(0, 8 * 3600 - 1))
            };
            list.push(call(rng, offered, agents, false, bday));
        }
        if d == m.demo {
            for _ in 0..rng.poisson(70.0 * f64::from(scale)) {
                let offered = at(d, 545) + secs(rng.range(0, 105 * 60));
                list.push(call(rng, offered, agents, true, true));
            }
        }
    }
    list.sort_by(|a, b| {
        a.offered
            .cmp(&b.offered)
            .then_with(|| a.caller.cmp(&b.caller))
    });
    let header = [
        "call_id",
        "queue",
        "offered_at",
        "answered_at",
        "ended_at",
        "outcome",
        "agent",
        "talk_seconds",
        "wrap_seconds",
        "caller",
    ];
    let mut csv = Csv::new(Vec::new(), &header, false)?;
    let (mut day, mut seq) = (m.first, 0);
    for c in &list {
        if c.offered.date() != day {
            (day, seq) = (c.offered.date(), 0);
        }
        seq += 1;
        let id = format!("HD-{}-{seq:05}", day.format("%Y%m%d"));
        let num = |v: Option<i64>| opt(v, |x| x.to_string());
        csv.row([
            id,
            "helpdesk".into(),
            iso(c.offered),
            opt(c.answered, iso),
            iso(c.ended),
            c.outcome.into(),
            c.agent.clone(),
            num(c.talk),
            num(c.wrap),
            c.caller.clone(),
        ])?;
    }
    csv.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(tag: &str) -> PathBuf {
        std::env::temp_dir().join(format!("hokoku-sample-{}-{tag}", std::process::id()))
    }

    /// The bundled business calendar.
    fn cal() -> BusinessDays {
        let cfg = hokoku::config::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("jobs/config"))
            .expect("bundled config");
        cfg.calendars.rule.expect("bundled holiday list")
    }

    #[test]
    fn same_inputs_give_identical_files_and_cp932_tickets() {
        let month = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        let (a, b) = (temp("a"), temp("b"));
        let sa = generate(month, 1, 42, &cal(), &a).unwrap();
        let sb = generate(month, 1, 42, &cal(), &b).unwrap();
        assert_eq!(sa.month, month);
        let rels = [
            "tickets/tickets-2026-10.csv",
            "job_runs/job_runs-2026-10.csv",
            "capacity/capacity-2026-10.csv",
            "backups/backups-2026-10.csv",
            "calls/calls-2026-10.csv",
            "remarks/daily/2026-10-15.txt",
            "sample.toml",
            "remarks/sla/2026-10.txt",
        ];
        for rel in rels {
            let (x, y) = (
                std::fs::read(a.join(rel)).unwrap(),
                std::fs::read(b.join(rel)).unwrap(),
            );
            assert!(!x.is_empty() && x == y, "{rel} differs between runs");
        }
        for ((pa, na), (_, nb)) in sa.files.iter().zip(&sb.files) {
            assert!(
                pa.starts_with(&a) && na == nb && *na > 0,
                "{}",
                pa.display()
            );
        }
        let raw = std::fs::read(a.join(rels[0])).unwrap();
        assert!(
            std::str::from_utf8(&raw).is_err(),
            "tickets must be CP932, not UTF-8"
        );
        let (text, had_errors) = encoding_rs::SHIFT_JIS.decode_without_bom_handling(&raw);
        assert!(!had_errors);
        assert!(text.starts_with("チケット番号,件名,種別,受付日時"));
        assert_eq!(
            text.lines()
                .filter(|l| l.contains(",=SUM(A1) と表示される,"))
                .count(),
            1
        );
        assert!(
            text.contains(",インシデント,2026/10/15 9:12,"),
            "P1 on the 15th"
        );
        assert!(
            (550..700).contains(&sa.files[0].1),
            "tickets: {}",
            sa.files[0].1
        );
        let remarks = std::fs::read_to_string(a.join(rels[5])).unwrap();
        assert_eq!(remarks.lines().count(), 3, "{remarks}");
        let other = temp("c");
        generate(month, 1, 43, &cal(), &other).unwrap();
        assert_ne!(
            std::fs::read(other.join(rels[4])).unwrap(),
            std::fs::read(a.join(rels[4])).unwrap()
        );
        for dir in [a, b, other] {
            std::fs::remove_dir_all(dir).unwrap();
        }
    }

    #[test]
    fn only_the_planted_jobs_are_late() {
        use_calendar(&cal());
        let m = Month::new(NaiveDate::from_ymd_opt(2026, 10, 1).unwrap()).unwrap();
        for seed in 0..20 {
            let rows = job_rows(&m, 1, &mut Rng::new(seed, 2));
            let mut late: Vec<(String, u32)> = rows
                .iter()
                .filter(|r| r.status == "success")
                .filter_map(|r| {
                    let (_, hhmm) = SAMPLE_DEADLINES.iter().find(|(j, _)| *j == r.job)?;
                    let (h, mm) = hhmm.split_once(':')?;
                    let dl = r.deadline.unwrap_or(at(
                        r.sched.date(),
                        h.parse::<i64>().ok()? * 60 + mm.parse::<i64>().ok()?,
                    ));
                    (r.end > dl).then(|| (r.job.clone(), r.sched.day()))
                })
                .collect();
            late.sort();
            assert_eq!(
                late,
                vec![
                    ("JOB_BK_OFFSITE".to_string(), 8),
                    ("JOB_DOC_STATS".to_string(), 15)
                ],
                "seed {seed}"
            );
            let reruns_15 = rows
                .iter()
                .filter(|r| r.attempt == 2 && r.sched.day() == 15)
                .count();
            assert_eq!(reruns_15, 1, "seed {seed}");
        }
    }

    #[test]
    fn rejects_bad_arguments() {
        let out = temp("bad");
        assert!(generate(
            NaiveDate::from_ymd_opt(2026, 10, 2).unwrap(),
            1,
            1,
            &cal(),
            &out
        )
        .is_err());
        assert!(generate(
            NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
            0,
            1,
            &cal(),
            &out
        )
        .is_err());
        assert!(!out.exists());
    }
}
