//! Real exports (tests/fixtures/formats, see its README for the sources of
//! each format and the hand-worked figures): every adapter and shipped
//! profile is read through the same `ingest::load` a run uses, compared
//! with its canonical equivalent written by hand, and checked against
//! figures worked out by hand. Malformed lines name file and line and are
//! set aside.

mod common;

use common::{root, tmp};
use hokoku::config::Config;
use hokoku::frame;
use hokoku::ingest::Catalogue;
use hokoku::ingest::SourceId;
use hokoku::ingest::{self, Dataset};
use hokoku::kpi::{self, Figures};
use hokoku::time::Period;
use std::path::{Path, PathBuf};

fn fixture(p: &str) -> PathBuf {
    root().join("tests/fixtures/formats").join(p)
}

fn bundled_config() -> Config {
    hokoku::config::load(&root().join("jobs/config")).expect("bundled config")
}

/// The readers of a configuration.
fn cat(cfg: &Config) -> Catalogue {
    Catalogue::compile(cfg).expect("the configuration's readers")
}

/// An inputs folder with `files` copied into `<source>/`.
fn inputs_with(name: &str, source: &str, files: &[&str]) -> PathBuf {
    let dir = tmp(name);
    std::fs::create_dir_all(dir.join(source)).unwrap();
    for f in files {
        let from = fixture(f);
        std::fs::copy(&from, dir.join(source).join(from.file_name().unwrap())).unwrap();
    }
    dir
}

/// Read `files` (real exports) and `canonical` (their hand-written canonical
/// equivalent) and check that both give the same canonical table.
fn same_as_canonical(
    name: &str,
    source: &str,
    files: &[&str],
    canonical: &str,
    cat: &Catalogue,
) -> Dataset {
    let real = ingest::load(&inputs_with(&format!("{name}-real"), source, files), cat);
    assert!(real.errors.is_empty(), "{:?}", real.errors);
    let canon_dir = tmp(&format!("{name}-canonical"));
    std::fs::copy(fixture(canonical), canon_dir.join(format!("{source}.csv"))).unwrap();
    let canon = ingest::load(&canon_dir, cat);
    assert!(
        canon.errors.is_empty() && canon.issues.is_empty(),
        "{:?} {:?}",
        canon.errors,
        canon.issues
    );
    assert!(canon.files.iter().all(|f| f.format == "canonical"));
    // Row order follows the files (a rotated log's calls come with the file
    // they started in): compare in time order.
    let sorted = |ds: &Dataset| {
        let df = &ds
            .get(SourceId::parse(source).expect("a source"))
            .expect("rows")
            .frame;
        let time = ingest::SOURCES
            .iter()
            .find(|s| s.spec.name == source)
            .unwrap()
            .spec
            .time_column;
        let first = df.get_column_names()[0].to_string();
        // Provenance (file and line) differs by construction.
        df.drop_many(["_file", "_line"])
            .sort([time, first.as_str()], Default::default())
            .unwrap()
    };
    let (a, b) = (&sorted(&real), &sorted(&canon));
    assert!(a.equals_missing(b), "{name}: adapter output differs from the canonical equivalent\nadapter:\n{a}\ncanonical:\n{b}");
    real
}

/// The set-aside problems as `file-name:line: reason` (folder stripped).
fn issues(ds: &Dataset) -> Vec<String> {
    ds.issues
        .iter()
        .map(|i| {
            format!(
                "{}:{}:{}: {}",
                Path::new(&i.file).file_name().unwrap().to_string_lossy(),
                i.line,
                i.column,
                i.problem
            )
        })
        .collect()
}

fn formats_of(ds: &Dataset) -> Vec<(String, String, usize, usize, usize)> {
    ds.files
        .iter()
        .map(|f| {
            (
                Path::new(&f.file)
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
                f.format.clone(),
                f.accepted,
                f.rejected,
                f.skipped,
            )
        })
        .collect()
}

fn day(d: &str) -> Period {
    Period::day(chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap())
}

fn week_of_5_oct() -> Period {
    // Monday 2026-10-05 … Sunday 10-11: both fixture days.
    Period::week_of(chrono::NaiveDate::from_ymd_opt(2026, 10, 5).unwrap())
}

fn strs(ds: &Dataset, source: &str, col: &str) -> Vec<Option<String>> {
    frame::strs(
        &ds.get(SourceId::parse(source).expect("a source"))
            .unwrap()
            .frame,
        col,
    )
    .unwrap()
}

fn count_of(v: &[Option<String>], x: &str) -> usize {
    v.iter().filter(|s| s.as_deref() == Some(x)).count()
}

#[test]
fn asterisk_queue_log_across_rotation_and_midnight() {
    let cfg = bundled_config();
    let ds = same_as_canonical(
        "queue-log",
        "calls",
        &[
            "asterisk_queue_log/queue_log.1",
            "asterisk_queue_log/queue_log",
        ],
        "asterisk_queue_log/canonical.csv",
        &cat(&cfg),
    );
    assert_eq!(
        formats_of(&ds),
        vec![
            ("queue_log".into(), "asterisk_queue_log".into(), 2, 3, 0),
            ("queue_log.1".into(), "asterisk_queue_log".into(), 13, 0, 0)
        ]
    );
    assert_eq!(
        issues(&ds),
        vec![
            "queue_log:9:callid: COMPLETECALLER for call 1791200000.66 without a matching ENTERQUEUE: not counted",
            "queue_log:10:line: expected epoch|callid|queue|agent|event…, found 4 field(s)",
            "queue_log:11:callid: call 1791246599.90 has no outcome by the end of the log (still waiting?): not counted until a later log has it",
        ]
    );
    // The call entered at 23:59:30 JST on 10-05 and answered after midnight
    // is one call, dated 10-05; the call entered at the end of queue_log.1
    // and completed in queue_log is one call of queue_log.1.
    let ids = strs(&ds, "calls", "call_id");
    assert!(ids.contains(&Some("1791235489.71".into())));
    // Figures worked out by hand in the fixtures README.
    let c = &cfg.site.calls;
    let one = |d: &str| {
        kpi::calls::compute(ds.get(SourceId::Calls), day(d), c, 80.0)
            .unwrap()
            .figures
    };
    assert_eq!(one("2026-10-05").get("calls.offered"), Some(12.0));
    assert_eq!(one("2026-10-06").get("calls.offered"), Some(3.0));
    let f = kpi::calls::compute(ds.get(SourceId::Calls), week_of_5_oct(), c, 80.0)
        .unwrap()
        .figures;
    assert_eq!(f.get("calls.offered"), Some(15.0));
    assert_eq!(f.get("calls.answered"), Some(9.0));
    assert_eq!(f.get("calls.short_abandons"), Some(2.0));
    assert_eq!(f.get("calls.abandoned"), Some(1.0));
    assert_eq!(f.get("calls.timeout"), Some(1.0));
    assert_eq!(f.get("calls.overflow"), Some(2.0));
    // 9 / (15 − 2 short abandons).
    assert_eq!(f.get("calls.answer_rate"), Some(kpi::round6(900.0 / 13.0)));
    // queue_log has no after-call work: AHT is talk only, 2520 s / 9.
    assert_eq!(f.get("calls.aht_s"), Some(280.0));
}

#[test]
fn asterisk_queue_log_rotated_names_need_no_order() {
    // The same two logs under names that sort the wrong way round read the
    // same: events are ordered by time, not by file name.
    let cfg = bundled_config();
    let dir = tmp("queue-log-names");
    std::fs::create_dir_all(dir.join("calls")).unwrap();
    std::fs::copy(
        fixture("asterisk_queue_log/queue_log.1"),
        dir.join("calls/b-older"),
    )
    .unwrap();
    std::fs::copy(
        fixture("asterisk_queue_log/queue_log"),
        dir.join("calls/a-newer"),
    )
    .unwrap();
    let ds = ingest::load(&dir, &cat(&cfg));
    assert_eq!(ds.get(SourceId::Calls).unwrap().frame.height(), 15);
    assert_eq!(ds.issues.len(), 3);
}

#[test]
fn asterisk_cdr_with_and_without_uniqueid() {
    let cfg = bundled_config();
    let ds = same_as_canonical(
        "cdr",
        "calls",
        &["asterisk_cdr/Master.csv"],
        "asterisk_cdr/canonical.csv",
        &cat(&cfg),
    );
    assert_eq!(
        issues(&ds),
        vec!["Master.csv:7:start: not a timestamp YYYY-MM-DD HH:MM:SS: \"2026-10-05 14:00:XX\""]
    );
    let f = kpi::calls::compute(
        ds.get(SourceId::Calls),
        week_of_5_oct(),
        &cfg.site.calls,
        80.0,
    )
    .unwrap()
    .figures;
    assert_eq!(f.get("calls.offered"), Some(8.0));
    assert_eq!(f.get("calls.answered"), Some(4.0));
    assert_eq!(f.get("calls.short_abandons"), Some(1.0));
    assert_eq!(f.get("calls.abandoned"), Some(1.0));
    assert_eq!(f.get("calls.overflow"), Some(2.0));
    assert_eq!(f.get("calls.aht_s"), Some(1020.0 / 4.0));
    let one = kpi::calls::compute(
        ds.get(SourceId::Calls),
        day("2026-10-05"),
        &cfg.site.calls,
        80.0,
    )
    .unwrap()
    .figures;
    assert_eq!(one.get("calls.offered"), Some(7.0));
    // The caller number never reaches the rejected-rows record unmasked.
    assert!(
        ds.issues[0].record[1].contains('*'),
        "{:?}",
        ds.issues[0].record
    );

    let ds = same_as_canonical(
        "cdr16",
        "calls",
        &["asterisk_cdr/Master-nouniqueid.csv"],
        "asterisk_cdr/canonical-nouniqueid.csv",
        &cat(&cfg),
    );
    assert!(ds.issues.is_empty());
    let outcomes = strs(&ds, "calls", "outcome");
    assert_eq!(
        (
            count_of(&outcomes, "answered"),
            count_of(&outcomes, "abandoned"),
            count_of(&outcomes, "overflow")
        ),
        (1, 1, 1)
    );
}

fn f64s(ds: &Dataset, source: &str, col: &str) -> Vec<Option<f64>> {
    frame::f64s(
        &ds.get(SourceId::parse(source).expect("a source"))
            .unwrap()
            .frame,
        col,
    )
    .unwrap()
}

/// `(max, mean)` of capacity values of one metric (and resource).
fn stats(ds: &Dataset, metric: &str, resource: Option<&str>) -> (f64, f64) {
    let m = strs(ds, "capacity", "metric");
    let r = strs(ds, "capacity", "resource");
    let v = f64s(ds, "capacity", "value");
    let xs: Vec<f64> = (0..v.len())
        .filter(|&i| {
            m[i].as_deref() == Some(metric) && (resource.is_none() || r[i].as_deref() == resource)
        })
        .map(|i| v[i].unwrap())
        .collect();
    let max = xs.iter().copied().fold(f64::MIN, f64::max);
    (max, xs.iter().sum::<f64>() / xs.len() as f64)
}

#[test]
fn sysstat_sadf_cpu_memory_and_filesystems() {
    let cfg = bundled_config();
    // -u with UTC timestamps, a LINUX-RESTART row and the repeated header.
    let ds = same_as_canonical(
        "sadf-cpu",
        "capacity",
        &["sysstat_sadf/cpu.csv"],
        "sysstat_sadf/cpu.canonical.csv",
        &cat(&cfg),
    );
    assert_eq!(
        formats_of(&ds),
        vec![("cpu.csv".into(), "sysstat_sadf".into(), 6, 0, 1)]
    );
    assert_eq!(stats(&ds, "cpu_pct", None).0, 82.67);
    // -u -P ALL: the per-CPU rows are skipped and counted.
    let ds = same_as_canonical(
        "sadf-percpu",
        "capacity",
        &["sysstat_sadf/cpu-percpu.csv"],
        "sysstat_sadf/cpu-percpu.canonical.csv",
        &cat(&cfg),
    );
    assert_eq!(
        formats_of(&ds),
        vec![("cpu-percpu.csv".into(), "sysstat_sadf".into(), 2, 0, 4)]
    );
    assert_eq!(stats(&ds, "cpu_pct", None).0, 48.0);
    // -r with local timestamps; line 4 has %memused "abc".
    let ds = same_as_canonical(
        "sadf-mem",
        "capacity",
        &["sysstat_sadf/mem.csv"],
        "sysstat_sadf/mem.canonical.csv",
        &cat(&cfg),
    );
    assert_eq!(
        issues(&ds),
        vec!["mem.csv:4:%memused: not a number: \"abc\""]
    );
    assert_eq!(stats(&ds, "mem_pct", None), (70.55, 63.75));
    // -r -t from sysstat ≥ 12.7.1: local time followed by the zone name.
    let ds = same_as_canonical(
        "sadf-mem-jst",
        "capacity",
        &["sysstat_sadf/mem-jst.csv"],
        "sysstat_sadf/mem-jst.canonical.csv",
        &cat(&cfg),
    );
    assert_eq!(stats(&ds, "mem_pct", None).1, 60.75);
    // -F with FILESYSTEM, and -F MOUNT with MOUNTPOINT.
    let ds = same_as_canonical(
        "sadf-fs",
        "capacity",
        &["sysstat_sadf/fs.csv"],
        "sysstat_sadf/fs.canonical.csv",
        &cat(&cfg),
    );
    assert_eq!(stats(&ds, "disk_pct", Some("/dev/sda1")).0, 41.31);
    assert_eq!(
        stats(&ds, "disk_pct", Some("/dev/mapper/vg0-data")).0,
        80.02
    );
    let ds = same_as_canonical(
        "sadf-mount",
        "capacity",
        &["sysstat_sadf/fs-mount.csv"],
        "sysstat_sadf/fs-mount.canonical.csv",
        &cat(&cfg),
    );
    assert_eq!(stats(&ds, "disk_pct", Some("/")).0, 35.52);
    assert_eq!(stats(&ds, "disk_pct", Some("/var")).0, 91.75);
}

/// Counts of backups by status and by JST day of started_at, and the bytes
/// of successful ones.
fn backup_figures(ds: &Dataset) -> (Vec<(String, usize)>, Vec<(String, usize)>, i64) {
    let st = strs(ds, "backups", "status");
    let start = frame::i64s(&ds.get(SourceId::Backups).unwrap().frame, "started_at").unwrap();
    let size = frame::i64s(&ds.get(SourceId::Backups).unwrap().frame, "size_bytes").unwrap();
    let mut by_status = std::collections::BTreeMap::new();
    let mut by_day = std::collections::BTreeMap::new();
    let mut bytes = 0;
    for i in 0..st.len() {
        *by_status.entry(st[i].clone().unwrap()).or_insert(0) += 1;
        *by_day
            .entry(hokoku::time::ms_to_dt(start[i].unwrap()).date().to_string())
            .or_insert(0) += 1;
        if st[i].as_deref() == Some("success") {
            bytes += size[i].unwrap();
        }
    }
    (
        by_status.into_iter().collect(),
        by_day.into_iter().collect(),
        bytes,
    )
}

fn pairs(v: &[(&str, usize)]) -> Vec<(String, usize)> {
    v.iter().map(|(a, b)| (a.to_string(), *b)).collect()
}

#[test]
fn aws_backup_iso_and_epoch_dates_and_superseded_jobs() {
    let cfg = bundled_config();
    let ds = same_as_canonical(
        "aws-iso",
        "backups",
        &["aws_backup/jobs-iso.json"],
        "aws_backup/jobs-iso.canonical.csv",
        &cat(&cfg),
    );
    assert_eq!(
        issues(&ds),
        vec!["jobs-iso.json:235:CreationDate: not an ISO 8601 time with an offset: \"yesterday\""]
    );
    let (st, days, bytes) = backup_figures(&ds);
    assert_eq!(
        st,
        pairs(&[
            ("failed", 3),
            ("partial", 1),
            ("running", 4),
            ("success", 2)
        ])
    );
    // The backup created at 23:30 UTC on 10-05 is a 10-06 backup in Japan.
    assert_eq!(days, pairs(&[("2026-10-05", 5), ("2026-10-06", 5)]));
    assert_eq!(bytes, 26_843_545_600);
    let ds = same_as_canonical(
        "aws-epoch",
        "backups",
        &["aws_backup/jobs-epoch.json"],
        "aws_backup/jobs-epoch.canonical.csv",
        &cat(&cfg),
    );
    assert_eq!(backup_figures(&ds).2, 12_884_901_888);
    // All three exports together: a job repeated in a later export counts
    // once, as the later export has it; earlier copies are skipped.
    let ds = same_as_canonical(
        "aws-all",
        "backups",
        &[
            "aws_backup/jobs-epoch.json",
            "aws_backup/jobs-iso.json",
            "aws_backup/jobs-later.json",
        ],
        "aws_backup/combined.canonical.csv",
        &cat(&cfg),
    );
    let (st, days, bytes) = backup_figures(&ds);
    assert_eq!(
        st,
        pairs(&[
            ("failed", 3),
            ("partial", 1),
            ("running", 3),
            ("success", 6)
        ])
    );
    assert_eq!(
        days,
        pairs(&[("2026-10-04", 1), ("2026-10-05", 6), ("2026-10-06", 6)])
    );
    assert_eq!(bytes, 73_014_444_032);
    let skipped: usize = ds.files.iter().map(|f| f.skipped).sum();
    assert_eq!(skipped, 2, "{:?}", formats_of(&ds));
}

fn by(v: &[Option<String>]) -> Vec<(String, usize)> {
    let mut m = std::collections::BTreeMap::new();
    for x in v {
        *m.entry(x.clone().unwrap_or_default()).or_insert(0) += 1;
    }
    m.into_iter().collect()
}

fn priorities(ds: &Dataset) -> Vec<(String, usize)> {
    let p: Vec<Option<String>> = frame::i64s(&ds.get(SourceId::Tickets).unwrap().frame, "priority")
        .unwrap()
        .iter()
        .map(|p| p.map(|p| p.to_string()))
        .collect();
    by(&p)
}

#[test]
fn redmine_profile_reads_the_cp932_export() {
    let cfg = bundled_config();
    let ds = same_as_canonical(
        "redmine",
        "tickets",
        &["redmine/issues.csv"],
        "redmine/canonical.csv",
        &cat(&cfg),
    );
    assert_eq!(
        formats_of(&ds),
        vec![("issues.csv".into(), "profile:redmine".into(), 8, 1, 0)]
    );
    assert_eq!(ds.files[0].encoding, "cp932");
    assert_eq!(ds.files[0].matched_by, "detected");
    assert_eq!(issues(&ds).len(), 1);
    assert!(
        issues(&ds)[0].starts_with("issues.csv:9:作成日: "),
        "{:?}",
        issues(&ds)
    );
    assert_eq!(
        by(&strs(&ds, "tickets", "status")),
        pairs(&[
            ("cancelled", 1),
            ("closed", 2),
            ("in_progress", 1),
            ("new", 2),
            ("pending", 1),
            ("resolved", 1)
        ])
    );
    // 今すぐ → 1; 急いで, 高め → 2; 通常 → 3; 低め → 4.
    assert_eq!(
        priorities(&ds),
        pairs(&[("1", 2), ("2", 3), ("3", 2), ("4", 1)])
    );
    // 作業時間 in hours → minutes (0.33 h rounds to 20 min); an empty cell stays empty.
    let w = frame::i64s(&ds.get(SourceId::Tickets).unwrap().frame, "work_minutes").unwrap();
    assert_eq!(w.iter().flatten().sum::<i64>(), 470);
    assert_eq!(w.iter().filter(|x| x.is_none()).count(), 1);
}

#[test]
fn redmine_profile_reads_a_utf8_export_with_hours_as_h_mm() {
    // The same export saved as UTF-8 (the export dialog's エンコーディング)
    // with 作業時間 as H:MM (時間の表示形式 "0:45 h"): 0:15, 1:30, 2:00,
    // 3:45, 0:20 = 15 + 90 + 120 + 225 + 20 = 470 minutes, as in decimals.
    let cfg = bundled_config();
    let ds = same_as_canonical(
        "redmine-utf8",
        "tickets",
        &["redmine/issues-utf8.csv"],
        "redmine/canonical.csv",
        &cat(&cfg),
    );
    assert_eq!(ds.files[0].encoding, "utf-8");
    assert_eq!(ds.files[0].format, "profile:redmine");
    // 9 rows: 8 read, 1 set aside (作成日 2026/13/40), as from CP932.
    let r = &ds.files[0];
    assert_eq!((r.rows, r.accepted, r.rejected), (9, 8, 1));
    let w = frame::i64s(&ds.get(SourceId::Tickets).unwrap().frame, "work_minutes").unwrap();
    assert_eq!(w.iter().flatten().sum::<i64>(), 470);
    assert_eq!(w.iter().filter(|x| x.is_none()).count(), 1);
}

#[test]
fn servicenow_profile_converts_the_users_time_zone() {
    // The fixture was exported by a user in New York: the site sets the
    // profile's time zone to theirs (daylight saving time ends 2026-11-01).
    let mut snow = cat(&bundled_config());
    snow.profiles.get_mut("servicenow").unwrap().timezone = chrono_tz::America::New_York;
    for (name, file) in [
        ("snow-names", "servicenow/incident.csv"),
        ("snow-labels", "servicenow/incident-labels.csv"),
    ] {
        let ds = same_as_canonical(name, "tickets", &[file], "servicenow/canonical.csv", &snow);
        assert!(ds.issues.is_empty(), "{:?}", issues(&ds));
        assert_eq!(ds.files[0].format, "profile:servicenow");
        assert_eq!(
            by(&strs(&ds, "tickets", "status")),
            pairs(&[
                ("cancelled", 1),
                ("closed", 2),
                ("in_progress", 1),
                ("new", 1),
                ("pending", 1),
                ("resolved", 2)
            ])
        );
        // "5 - Planning" counts as 4.
        assert_eq!(
            priorities(&ds),
            pairs(&[("1", 2), ("2", 2), ("3", 2), ("4", 2)])
        );
        let opened = frame::i64s(&ds.get(SourceId::Tickets).unwrap().frame, "opened_at").unwrap();
        let days: Vec<Option<String>> = opened
            .iter()
            .map(|o| o.map(|o| hokoku::time::ms_to_dt(o).date().to_string()))
            .collect();
        assert_eq!(
            by(&days),
            pairs(&[
                ("2026-10-05", 3),
                ("2026-10-06", 3),
                ("2026-11-01", 1),
                ("2026-11-02", 1)
            ])
        );
    }
}

#[test]
fn job_history_profile_example() {
    let cfg = bundled_config();
    let ds = same_as_canonical(
        "jp1",
        "job_runs",
        &["job_history/jp1_history.csv"],
        "job_history/canonical.csv",
        &cat(&cfg),
    );
    assert_eq!(
        formats_of(&ds),
        vec![(
            "jp1_history.csv".into(),
            "profile:jp1_job_history".into(),
            8,
            1,
            0
        )]
    );
    // Two title lines before the header: line numbers stay physical.
    assert_eq!(
        issues(&ds),
        vec!["jp1_history.csv:7:戻り値: not a whole number: \"x\""]
    );
    assert_eq!(
        by(&strs(&ds, "job_runs", "status")),
        pairs(&[
            ("failed", 1),
            ("killed", 1),
            ("running", 1),
            ("skipped", 1),
            ("success", 3),
            ("warning", 1)
        ])
    );
}

/// A copy of the bundled config folder with `extra` appended to site.toml.
fn config_with(name: &str, extra: &str) -> PathBuf {
    let dir = tmp(name);
    let from = root().join("jobs/config");
    for f in ["site.toml", "cost.toml", "syukujitsu.csv"] {
        std::fs::copy(from.join(f), dir.join(f)).unwrap();
    }
    std::fs::create_dir_all(dir.join("profiles")).unwrap();
    for e in std::fs::read_dir(from.join("profiles")).unwrap().flatten() {
        std::fs::copy(e.path(), dir.join("profiles").join(e.file_name())).unwrap();
    }
    let mut site = std::fs::read_to_string(dir.join("site.toml")).unwrap();
    site.push_str(extra);
    std::fs::write(dir.join("site.toml"), site).unwrap();
    dir
}

fn put(dir: &Path, rel: &str, fixture_path: &str) {
    let to = dir.join(rel);
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::copy(fixture(fixture_path), to).unwrap();
}

#[test]
fn file_sets_validate_and_manifest_name_the_reader_of_each_file() {
    let cfg = config_with(
        "sets-cfg",
        r#"
[sources.calls]
files = [
  { glob = "pbx/queue_log*", format = "asterisk_queue_log" },
  { glob = "pbx/cdr/*.csv", format = "asterisk_cdr", timezone = "Asia/Tokyo" },
]
[sources.tickets]
files = [{ glob = "itsm/**/*.csv", profile = "redmine" }]
"#,
    );
    let inputs = tmp("sets-in");
    put(&inputs, "pbx/queue_log.1", "asterisk_queue_log/queue_log.1");
    put(&inputs, "pbx/queue_log", "asterisk_queue_log/queue_log");
    put(&inputs, "itsm/2026/issues.csv", "redmine/issues.csv");
    put(&inputs, "capacity/sar/cpu.csv", "sysstat_sadf/cpu.csv"); // detected
    put(
        &inputs,
        "job_runs/history.csv",
        "job_history/jp1_history.csv",
    ); // detected profile
    let (i, c) = (inputs.to_str().unwrap(), cfg.to_str().unwrap());
    let o = common::hokoku(&["validate", "--inputs", i, "--config", c]);
    let s = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "bad rows only: {s}");
    for want in [
        "profile\tredmine\ttickets\t",
        "pbx/queue_log.1\tasterisk_queue_log ([sources.calls] files \"pbx/queue_log*\")\t13 rows",
        "pbx/queue_log\tasterisk_queue_log ([sources.calls] files \"pbx/queue_log*\")\t2 rows, 3 set aside",
        "itsm/2026/issues.csv\tprofile:redmine ([sources.tickets] files \"itsm/**/*.csv\")\t8 rows, 1 set aside",
        "capacity/sar/cpu.csv\tsysstat_sadf (detected)\t6 rows, 1 skipped by the format's rules",
        "job_runs/history.csv\tprofile:jp1_job_history (detected)\t8 rows, 1 set aside",
        "pbx/queue_log:9:callid: COMPLETECALLER for call 1791200000.66 without a matching ENTERQUEUE",
        "history.csv:7:戻り値: not a whole number",
    ] {
        assert!(s.contains(want), "{want:?} not in:\n{s}");
    }

    // A report run reads the same way; the manifest names reader and file set.
    let out = tmp("sets-out");
    let o = common::hokoku(&[
        "report",
        "daily",
        "--date",
        "2026-10-05",
        "--inputs",
        i,
        "--config",
        c,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let m: serde_json::Value = serde_json::from_slice(
        &std::fs::read(out.join("daily/2026/10/daily-2026-10-05.manifest.json")).unwrap(),
    )
    .unwrap();
    let entry = m["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"].as_str().unwrap().ends_with("pbx/queue_log.1"))
        .unwrap()
        .clone();
    assert_eq!(entry["format"], "asterisk_queue_log");
    assert_eq!(
        entry["matched_by"],
        "[sources.calls] files \"pbx/queue_log*\""
    );
    assert_eq!(entry["accepted"], 13);
    let rejected =
        std::fs::read_to_string(out.join("daily/2026/10/daily-2026-10-05.rejected.csv")).unwrap();
    assert!(rejected.contains("pbx/queue_log,10,line,"), "{rejected}");
}

#[test]
fn unreadable_and_ambiguous_files_and_bad_profiles_are_errors() {
    let cfg = bundled_config();
    // A file no reader accepts names the file and what each reader missed.
    let inputs = tmp("unknown-in");
    std::fs::create_dir_all(inputs.join("backups")).unwrap();
    std::fs::write(inputs.join("backups/report.txt"), "これは報告書です\n").unwrap();
    let ds = ingest::load(&inputs, &cat(&cfg));
    assert_eq!(ds.errors.len(), 1);
    let e = ds.errors[0].to_string();
    assert!(
        e.contains("backups/report.txt")
            && e.contains("not a backups file hokoku can read")
            && e.contains("not aws_backup"),
        "{e}"
    );

    // Two profiles that fit the same file: the site must name one.
    let dir = config_with("ambiguous-cfg", "");
    std::fs::copy(
        dir.join("profiles/redmine.toml"),
        dir.join("profiles/redmine_copy.toml"),
    )
    .unwrap();
    let cfg2 = hokoku::config::load(&dir).unwrap();
    let inputs = inputs_with("ambiguous-in", "tickets", &["redmine/issues.csv"]);
    let ds = ingest::load(&inputs, &cat(&cfg2));
    assert!(
        ds.errors[0]
            .to_string()
            .contains("fits several profiles (redmine, redmine_copy)"),
        "{}",
        ds.errors[0]
    );

    // A profile's problems are all reported at once.
    let dir = config_with("bad-profile-cfg", "[sources.calls]\nfiles = [{ glob = \"x/*\", profile = \"nope\" }, { glob = \"y/*\", format = \"sysstat_sadf\" }]\n");
    std::fs::write(
        dir.join("profiles/broken.toml"),
        "source = \"tickets\"\ntimezone = \"Mars/Olympus\"\n[columns]\nticket_id = \"No\"\nkind = { from = \"Type\", map = { \"Bug\" = \"defect\" } }\nopened_at = \"Opened\"\nwork_minutes = { from = \"Hours\", unit = \"GB\" }\nnot_a_column = \"X\"\n",
    )
    .unwrap();
    let errs = hokoku::pipeline::load_config(&dir).unwrap_err().join("\n");
    for want in [
        "broken.toml: timezone: unknown time zone \"Mars/Olympus\"",
        "columns.kind.map: \"Bug\" → \"defect\": unknown value \"defect\"",
        "columns.work_minutes.unit: unit \"GB\" does not fit work_minutes",
        "columns.not_a_column: tickets has no column \"not_a_column\"",
        "columns: required column status [ステータス] is not mapped",
        "columns: required column priority [優先度] is not mapped",
        "sources.calls.files[0]: unknown profile \"nope\"",
        "sources.calls.files[1]: format sysstat_sadf reads capacity, not calls",
    ] {
        assert!(errs.contains(want), "{want:?} not in:\n{errs}");
    }
}

#[test]
fn cdr_in_utc_with_the_file_sets_time_zone() {
    // cdr.conf usegmtime=yes: the same calls written in UTC read the same
    // once the file set says so.
    let text = std::fs::read_to_string(fixture("asterisk_cdr/Master-nouniqueid.csv")).unwrap();
    let shifted: String = text
        .lines()
        .map(|l| {
            let mut r = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(l.as_bytes());
            let rec = r.records().next().unwrap().unwrap();
            let f: Vec<String> = rec
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    if (9..=11).contains(&i) && !v.is_empty() {
                        let t = chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M:%S")
                            .unwrap()
                            - chrono::Duration::hours(9);
                        format!("\"{}\"", t.format("%Y-%m-%d %H:%M:%S"))
                    } else if i == 12 || i == 13 {
                        v.to_string()
                    } else {
                        // cdr_csv doubles quotes inside a field.
                        format!("\"{}\"", v.replace('"', "\"\""))
                    }
                })
                .collect();
            f.join(",") + "\n"
        })
        .collect();
    let cfg_dir = config_with("cdr-utc-cfg", "[sources.calls]\nfiles = [{ glob = \"pbx/*.csv\", format = \"asterisk_cdr\", timezone = \"UTC\" }]\n");
    let cfg = hokoku::config::load(&cfg_dir).unwrap();
    let inputs = tmp("cdr-utc-in");
    std::fs::create_dir_all(inputs.join("pbx")).unwrap();
    std::fs::write(inputs.join("pbx/Master.csv"), shifted).unwrap();
    let utc = ingest::load(&inputs, &cat(&cfg));
    assert!(
        utc.errors.is_empty() && utc.issues.is_empty(),
        "{:?} {:?}",
        utc.errors,
        issues(&utc)
    );
    let jst = ingest::load(
        &inputs_with(
            "cdr-jst-in",
            "calls",
            &["asterisk_cdr/Master-nouniqueid.csv"],
        ),
        &cat(&cfg),
    );
    let a = &utc.get(SourceId::Calls).unwrap().frame;
    let b = &jst.get(SourceId::Calls).unwrap().frame;
    // Same times; call ids differ only because the fallback id carries the
    // start as written.
    for c in [
        "offered_at",
        "answered_at",
        "ended_at",
        "outcome",
        "talk_seconds",
    ] {
        assert!(
            a.column(c).unwrap().equals_missing(b.column(c).unwrap()),
            "{c}"
        );
    }
}

#[test]
fn odd_lines_are_set_aside_without_panics_or_leaks() {
    let cfg = bundled_config();
    let dir = tmp("odd-in");
    for d in ["calls", "backups"] {
        std::fs::create_dir_all(dir.join(d)).unwrap();
    }
    // queue_log: an epoch far beyond any date, and a bad epoch on an
    // ENTERQUEUE line whose callerid must still be masked.
    std::fs::write(
        dir.join("calls/queue_log"),
        "1791158400|c1|q|NONE|ENTERQUEUE||09012345678|1\n99999999999999|c1|q|NONE|ABANDON|1|1|1\n17911x8400|c2|q|NONE|ENTERQUEUE||09087654321|1\n",
    )
    .unwrap();
    // AWS JSON written on one line: two bad jobs on line 1 are two records.
    std::fs::write(
        dir.join("backups/jobs.json"),
        r#"{"BackupJobs":[{"BackupJobId":"a","ResourceName":"x","CreationDate":"x","State":"COMPLETED"},{"BackupJobId":"b","ResourceName":"y","CreationDate":1e14,"State":"COMPLETED"}]}"#,
    )
    .unwrap();
    let ds = ingest::load(&dir, &cat(&cfg));
    assert!(ds.errors.is_empty(), "{:?}", ds.errors);
    let got = issues(&ds);
    assert!(
        got.iter()
            .any(|i| i.starts_with("queue_log:2:epoch: not a Unix time")),
        "{got:?}"
    );
    assert!(
        got.iter()
            .any(|i| i.starts_with("queue_log:3:epoch: not a Unix time")),
        "{got:?}"
    );
    assert!(
        got.iter()
            .any(|i| i.starts_with("queue_log:1:callid: call c1 has no outcome")),
        "{got:?}"
    );
    let bad = ds.issues.iter().find(|i| i.line == 3).unwrap();
    assert_eq!(bad.record[6], "*******4321");
    let aws = ds
        .files
        .iter()
        .find(|f| f.file.ends_with("jobs.json"))
        .unwrap();
    assert_eq!((aws.rows, aws.accepted, aws.rejected), (2, 0, 2));
    assert!(
        got.iter()
            .any(|i| i.starts_with("jobs.json:1:CompletionDate")
                || i.starts_with("jobs.json:1:CreationDate: not a time from 1970 to 2099")),
        "{got:?}"
    );
}

/// Read a queue_log and a CDR together (`calls/queue_log`,
/// `calls/Master.csv`): the dataset, cleanly read, and the call figures of
/// 2026-10-05.
fn asterisk_pair(name: &str, queue_log: &str, cdr: &str, cfg: &Config) -> (Dataset, Figures) {
    let dir = tmp(name);
    std::fs::create_dir_all(dir.join("calls")).unwrap();
    std::fs::write(dir.join("calls/queue_log"), queue_log).unwrap();
    std::fs::write(dir.join("calls/Master.csv"), cdr).unwrap();
    let ds = ingest::load(&dir, &cat(cfg));
    assert!(
        ds.errors.is_empty() && ds.issues.is_empty(),
        "{:?} {:?}",
        ds.errors,
        ds.issues
    );
    let f = kpi::calls::compute(
        ds.get(SourceId::Calls),
        day("2026-10-05"),
        &cfg.site.calls,
        80.0,
    )
    .unwrap()
    .figures;
    (ds, f)
}

#[test]
fn queue_log_with_a_cdr_without_uniqueid_counts_each_call_once() {
    let cfg = bundled_config();
    // Three queued calls on 2026-10-05 (epoch 1791158400 = 09:00 JST):
    // Q1 answered after 10 s, Q2 answered after 30 s, Q3 timed out after
    // 60 s. The PBX's CDR (16 fields: no loguniqueid) has the same three
    // calls, all ANSWERED because Queue() answers the channel.
    let queue_log = "\
1791158400|1791158400.1|helpdesk|NONE|ENTERQUEUE||0312340001|1
1791158410|1791158400.1|helpdesk|PJSIP/201|CONNECT|10|1791158405.2|5
1791158600|1791158400.1|helpdesk|PJSIP/201|COMPLETECALLER|10|190|1
1791162000|1791162000.3|helpdesk|NONE|ENTERQUEUE||0312340002|1
1791162030|1791162000.3|helpdesk|PJSIP/202|CONNECT|30|1791162025.4|5
1791162300|1791162000.3|helpdesk|PJSIP/202|COMPLETEAGENT|30|270|1
1791165600|1791165600.5|helpdesk|NONE|ENTERQUEUE||0312340003|1
1791165660|1791165600.5|helpdesk|NONE|EXITWITHTIMEOUT|1|1|60
";
    let cdr = "\
\"\",\"0312340001\",\"7001\",\"from-trunk\",\"\",\"SIP/trunk-00000001\",\"SIP/201-00000002\",\"Queue\",\"helpdesk,t\",\"2026-10-05 09:00:00\",\"2026-10-05 09:00:00\",\"2026-10-05 09:03:20\",200,200,\"ANSWERED\",\"DOCUMENTATION\"
\"\",\"0312340002\",\"7001\",\"from-trunk\",\"\",\"SIP/trunk-00000003\",\"SIP/202-00000004\",\"Queue\",\"helpdesk,t\",\"2026-10-05 10:00:00\",\"2026-10-05 10:00:00\",\"2026-10-05 10:05:00\",300,300,\"ANSWERED\",\"DOCUMENTATION\"
\"\",\"0312340003\",\"7001\",\"from-trunk\",\"\",\"SIP/trunk-00000005\",\"\",\"Queue\",\"helpdesk,t\",\"2026-10-05 11:00:00\",\"2026-10-05 11:00:00\",\"2026-10-05 11:01:00\",60,60,\"ANSWERED\",\"DOCUMENTATION\"
";
    let (ds, f) = asterisk_pair("ql-cdr16", queue_log, cdr, &cfg);
    // Once each: 3 offered, 2 answered, 1 timeout — not 6 / 5.
    assert_eq!(f.get("calls.offered"), Some(3.0));
    assert_eq!(f.get("calls.answered"), Some(2.0));
    assert_eq!(f.get("calls.timeout"), Some(1.0));
    // ASA = (10 + 30) / 2 = 20 s.
    assert_eq!(f.get("calls.asa_s"), Some(20.0));
    // The CDR's three rows are skipped, counted, and said on the file.
    let m = ds
        .files
        .iter()
        .find(|r| r.file.ends_with("Master.csv"))
        .unwrap();
    assert_eq!((m.rows, m.accepted, m.skipped), (3, 0, 3));
    let flag = ds
        .flags
        .iter()
        .find(|x| x.problem.code == "cdr_without_uniqueid")
        .expect("flagged");
    assert!(ds.input(flag.file).ends_with("Master.csv"));
    assert_eq!(flag.problem.args, ["3"]);
}

#[test]
fn a_cdr_call_queue_log_does_not_have_is_counted_and_said() {
    let cfg = bundled_config();
    // queue_log has Q1 (answered after 10 s). The CDR (17 fields: with
    // uniqueid) has Q1 too, and a direct call 1791170000.9 that never
    // entered a queue.
    let queue_log = "\
1791158400|1791158400.1|helpdesk|NONE|ENTERQUEUE||0312340001|1
1791158410|1791158400.1|helpdesk|PJSIP/201|CONNECT|10|1791158405.2|5
1791158600|1791158400.1|helpdesk|PJSIP/201|COMPLETECALLER|10|190|1
";
    let cdr = "\
\"\",\"0312340001\",\"7001\",\"from-trunk\",\"\",\"SIP/trunk-00000001\",\"SIP/201-00000002\",\"Queue\",\"helpdesk,t\",\"2026-10-05 09:00:00\",\"2026-10-05 09:00:00\",\"2026-10-05 09:03:20\",200,200,\"ANSWERED\",\"DOCUMENTATION\",\"1791158400.1\"
\"\",\"0312340009\",\"201\",\"from-trunk\",\"\",\"SIP/trunk-00000009\",\"SIP/201-0000000a\",\"Dial\",\"SIP/201\",\"2026-10-05 12:20:00\",\"2026-10-05 12:20:05\",\"2026-10-05 12:25:05\",305,300,\"ANSWERED\",\"DOCUMENTATION\",\"1791170000.9\"
";
    let (ds, f) = asterisk_pair("ql-cdr-unmatched", queue_log, cdr, &cfg);
    // Q1 once (from queue_log) and the direct call (from the CDR): 2.
    assert_eq!(f.get("calls.offered"), Some(2.0));
    let m = ds
        .files
        .iter()
        .find(|r| r.file.ends_with("Master.csv"))
        .unwrap();
    assert_eq!((m.rows, m.accepted, m.skipped), (2, 1, 1));
    let flag = ds
        .flags
        .iter()
        .find(|x| x.problem.code == "cdr_unmatched")
        .expect("the CDR-only call is said");
    assert_eq!(flag.problem.args, ["1"]);
}
