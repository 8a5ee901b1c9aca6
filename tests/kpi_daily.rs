//! KPI figures of the fixture day (tests/fixtures/day, 2026-10-15), each
//! worked out by hand from the fixture rows (arithmetic in the comments).

use hokoku::kpi::Figures;
use hokoku::time::Period;
use std::path::Path;

fn figures() -> (Figures, hokoku::ingest::Dataset) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/day");
    let cfg = hokoku::config::load(&root.join("config")).unwrap();
    let ds = hokoku::ingest::load(
        &root.join("inputs"),
        &hokoku::ingest::Catalogue::compile(&cfg).unwrap(),
    );
    assert!(ds.errors.is_empty(), "{:?}", ds.errors);
    let d = chrono::NaiveDate::from_ymd_opt(2026, 10, 15).unwrap();
    let k = hokoku::kpi::compute_daily(&ds, &cfg, Period::day(d)).unwrap();
    (k.figures(), ds)
}

fn check(f: &Figures, want: &[(&str, Option<f64>)]) {
    for (k, v) in want {
        assert!(f.0.contains_key(*k), "figure {k} missing");
        assert_eq!(f.get(k), *v, "figure {k}");
    }
}

#[test]
fn tickets() {
    let (f, _) = figures();
    check(
        &f,
        &[
            // Opened on 10/15: T1, T5 (inquiry), T2, T6 (request; T6 cancelled
            // still counts), T3 (incident), C1 (change) = 6.
            ("tickets.received.total", Some(6.0)),
            ("tickets.received.inquiry", Some(2.0)),
            ("tickets.received.request", Some(2.0)),
            ("tickets.received.incident", Some(1.0)),
            ("tickets.received.change", Some(1.0)),
            ("tickets.received.problem", Some(0.0)),
            // Resolved on 10/15: T1, T5, T2, T4 (opened 10/14) = 4.
            ("tickets.resolved.total", Some(4.0)),
            ("tickets.resolved.incident", Some(1.0)),
            // Open at 10/16 00:00, not cancelled: T3, T7 (newest snapshot:
            // pending), C1 = 3. T6 is cancelled.
            ("tickets.backlog.total", Some(3.0)),
            ("tickets.backlog.incident", Some(2.0)),
            ("tickets.backlog.change", Some(1.0)),
            // Inquiries resolved: T1 (FCR true), T5 (false) → 1/2.
            ("tickets.fcr_pct", Some(50.0)),
            // Escalated among received: T3 → 1/6 = 16.666667 %.
            ("tickets.escalation_pct", Some(16.666667)),
            // Reopened among resolved: T4 → 1/4.
            ("tickets.reopen_pct", Some(25.0)),
            // C1: standard, result success.
            ("changes.total", Some(1.0)),
            ("changes.by_class.standard", Some(1.0)),
            ("changes.by_class.emergency", Some(0.0)),
            ("changes.success_pct", Some(100.0)),
            ("changes.emergency_pct", Some(0.0)),
            // Received by channel: phone T1 T3 T5, email T2 C1, fax T6.
            ("tickets.received_by_channel.phone", Some(3.0)),
            ("tickets.received_by_channel.email", Some(2.0)),
            ("tickets.received_by_channel.fax", Some(1.0)),
        ],
    );
}

#[test]
fn jobs() {
    let (f, _) = figures();
    check(
        &f,
        &[
            // Instances on 10/15: JOB_A, JOB_B (2 attempts, same scheduled_at),
            // JOB_C, JOB_D, JOB_F (no scheduled_at: the attempt-2 row attaches
            // to the 22:00 attempt). JOB_E is skipped: not a run. = 5.
            ("jobs.instances", Some(5.0)),
            ("jobs.runs", Some(7.0)),   // 1 + 2 + 1 + 1 + 2
            ("jobs.reruns", Some(2.0)), // JOB_B and JOB_F attempt 2
            // First attempts ok: A, C, F (warning counts) → 3/5.
            ("jobs.first_run_success_pct", Some(60.0)),
            // Final ok: A, B, C, F → 4/5.
            ("jobs.final_success_pct", Some(80.0)),
            ("jobs.failed_instances", Some(1.0)), // JOB_D
            // JOB_C ended 06:30 > data deadline 06:00; JOB_A ended 01:20 >
            // config deadline 01:10 → 2.
            ("jobs.late", Some(2.0)),
        ],
    );
}

#[test]
fn backups() {
    let (f, _) = figures();
    check(
        &f,
        &[
            // Due on Thu 10/15: db01 (daily), file01 (daily), ap01 (weekly:Thu);
            // web01 is monthly:1. db01 success (23:00), file01 failed + partial
            // → failed, ap01 none → missing; extra01 unexpected.
            ("backups.expected", Some(3.0)),
            ("backups.success", Some(1.0)),
            ("backups.failed", Some(1.0)),
            ("backups.missing", Some(1.0)),
            ("backups.running", Some(0.0)),
            ("backups.success_pct", Some(33.333333)),
            ("backups.unexpected", Some(1.0)),
        ],
    );
}

#[test]
fn capacity() {
    let (f, _) = figures();
    check(
        &f,
        &[
            // web01 cpu on 10/15 (the 10/14 23:55 sample is outside):
            // 50 85 95 70 81 60 → mean 441/6 = 73.5; sorted p95 rank ⌈5.7⌉ = 6 → 95.
            ("capacity.web01.cpu_pct.mean", Some(73.5)),
            ("capacity.web01.cpu_pct.p95", Some(95.0)),
            ("capacity.web01.cpu_pct.max", Some(95.0)),
            ("capacity.web01.cpu_pct.count", Some(6.0)),
            // > 80: 85, 95, 81; > 90: 95. Step 5 min.
            ("capacity.web01.cpu_pct.warn_samples", Some(3.0)),
            ("capacity.web01.cpu_pct.crit_samples", Some(1.0)),
            ("capacity.web01.cpu_pct.warn_minutes", Some(15.0)),
            ("capacity.web01.cpu_pct.crit_minutes", Some(5.0)),
            // 80.0 is not strictly above 80.
            ("capacity.db01.disk_pct@/.mean", Some(79.95)),
            ("capacity.db01.disk_pct@/.warn_samples", Some(0.0)),
            ("capacity.db01.disk_pct@/.warn_minutes", Some(0.0)),
            // One sample: the step is unknown → time above is データなし.
            ("capacity.web01.mem_pct.warn_samples", Some(1.0)),
            ("capacity.web01.mem_pct.warn_minutes", None),
            ("capacity.web01.net_mbps@eth0.max", Some(12.5)),
        ],
    );
    // No thresholds for a non-percentage metric.
    assert!(!f
        .0
        .contains_key("capacity.web01.net_mbps@eth0.warn_samples"));
}

#[test]
fn calls() {
    let (f, ds) = figures();
    check(
        &f,
        &[
            // K1–K7 offered on 10/15 (K8 is 10/14; K9 was rejected).
            ("calls.offered", Some(7.0)),
            ("calls.answered", Some(3.0)),       // K1 K2 K6
            ("calls.short_abandons", Some(1.0)), // K3 waited 3 s < 5 s
            ("calls.abandoned", Some(1.0)),      // K4 waited 60 s
            ("calls.timeout", Some(1.0)),        // K5
            ("calls.overflow", Some(1.0)),       // K7
            // Base = 7 − 1 short = 6: 3/6, 1/6, SL ≤ 20 s: K1 (10 s), K6 (5 s) → 2/6.
            ("calls.answer_rate", Some(50.0)),
            ("calls.abandon_rate", Some(16.666667)),
            ("calls.service_level", Some(33.333333)),
            // ASA (10 + 30 + 5) / 3 = 15 s.
            ("calls.asa_s", Some(15.0)),
            // AHT: K1 300 + 60; K2 talk = 09:12:30 − 09:10:30 = 120, + 30;
            // K6 has an empty wrap cell → left out. (360 + 150) / 2 = 255 s.
            ("calls.aht_s", Some(255.0)),
            ("calls.hourly.09.offered", Some(3.0)),
            ("calls.hourly.09.answered", Some(2.0)),
            ("calls.hourly.13.offered", Some(3.0)),
            ("calls.hourly.14.answered", Some(0.0)),
        ],
    );
    assert_eq!(ds.rejected_rows(), 1);
}

#[test]
fn absent_source_is_no_data_never_zero() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/day");
    let cfg = hokoku::config::load(&root.join("config")).unwrap();
    let empty = std::env::temp_dir().join(format!("hokoku-empty-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let ds = hokoku::ingest::load(&empty, &hokoku::ingest::Catalogue::compile(&cfg).unwrap());
    let d = chrono::NaiveDate::from_ymd_opt(2026, 10, 15).unwrap();
    let f = hokoku::kpi::compute_daily(&ds, &cfg, Period::day(d))
        .unwrap()
        .figures();
    for k in [
        "tickets.received.total",
        "tickets.fcr_pct",
        "jobs.instances",
        "jobs.final_success_pct",
        "backups.success",
        "backups.success_pct",
        "calls.offered",
        "calls.answer_rate",
        "cost.total",
    ] {
        assert_eq!(
            f.0.get(k),
            Some(&hokoku::kpi::Fig::NoData),
            "{k} must be データなし"
        );
    }
    // Expected backups come from configuration, not from the data.
    assert_eq!(f.get("backups.expected"), Some(3.0));
    // A day outside the data's range is データなし too.
    let (figs, _) = figures();
    assert!(figs.get("calls.offered").is_some());
    let ds = hokoku::ingest::load(
        &root.join("inputs"),
        &hokoku::ingest::Catalogue::compile(&cfg).unwrap(),
    );
    let later = chrono::NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
    let f = hokoku::kpi::compute_daily(&ds, &cfg, Period::day(later))
        .unwrap()
        .figures();
    assert_eq!(f.0.get("calls.offered"), Some(&hokoku::kpi::Fig::NoData));
    assert_eq!(
        f.0.get("tickets.received.total"),
        Some(&hokoku::kpi::Fig::NoData)
    );
    std::fs::remove_dir_all(&empty).unwrap();
}
