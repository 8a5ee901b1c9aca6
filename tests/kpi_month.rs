//! KPI engine over the month fixture (tests/fixtures/month): SLA clocks,
//! availability, calls, batch and capacity trend for October 2026, each
//! value worked out by hand (arithmetic in the comments).
//!
//! Calendars: `business` = 営業日 09:00–18:00 (10/12 スポーツの日 closed),
//! `24x7`. October 2026 has 22 weekdays − 10/12 = 21 business days.

use hokoku::calendar::Calendars;
use hokoku::config::{ClockKind, Config};
use hokoku::ingest::Dataset;
use hokoku::ingest::SourceId;
use hokoku::kpi::{self, sla::Clock, Figures};
use hokoku::time::{dt_to_ms, Period};
use std::path::Path;
use std::sync::OnceLock;

struct Fixture {
    cfg: Config,
    ds: Dataset,
    clocks: Vec<Clock>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/month");
        let cfg = hokoku::config::load(&root.join("config")).unwrap();
        let ds = hokoku::ingest::load(
            &root.join("inputs"),
            &hokoku::ingest::Catalogue::compile(&cfg).unwrap(),
        );
        assert!(ds.errors.is_empty(), "{:?}", ds.errors);
        assert!(ds.issues.is_empty(), "{:?}", ds.issues);
        let (clocks, problems) = kpi::sla::clocks_of(
            ds.get(SourceId::Tickets),
            ds.get(SourceId::TicketStatusHistory),
            &cfg.sla_targets,
            &cfg.calendars,
        )
        .unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        let clocks = clocks.unwrap();
        Fixture { cfg, ds, clocks }
    })
}

fn month(m: &str) -> Period {
    Period::parse_month(m).unwrap()
}

fn figures(m: &str) -> Figures {
    let f = fixture();
    kpi::compute_period(&f.ds, &f.cfg, month(m), Some(&f.clocks))
        .unwrap()
        .figures()
}

fn check(f: &Figures, want: &[(&str, Option<f64>)]) {
    for (k, v) in want {
        assert!(f.0.contains_key(*k), "figure {k} missing");
        assert_eq!(f.get(k), *v, "figure {k}");
    }
}

fn ms(s: &str) -> i64 {
    dt_to_ms(chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap())
}

fn clock(id: &str, c: ClockKind) -> &'static Clock {
    fixture()
        .clocks
        .iter()
        .find(|k| k.ticket_id == id && k.clock == c)
        .unwrap_or_else(|| panic!("no clock {id} {c:?}"))
}

#[test]
fn friday_evening_ticket_answered_after_a_holiday_weekend() {
    // S1 opened Fri 10/09 17:50, answered Tue 10/13 09:30 (Sat, Sun and
    // Mon 10/12 スポーツの日 closed): 10 + 30 = 40 business minutes ≤ 60.
    let c = clock("S1", ClockKind::Response);
    assert_eq!(c.elapsed_min, Some(40.0));
    assert!(c.met);
    assert_eq!(c.decided_at, Some(ms("2026-10-13 09:30")));
    // Resolution at 10:00: 10 + 60 = 70.
    assert_eq!(clock("S1", ClockKind::Resolution).elapsed_min, Some(70.0));
}

#[test]
fn pending_from_history_pauses_both_clocks_and_a_night_pause_pauses_nothing() {
    // S2: 10:00 → 17:00 = 420 business minutes, pending 11:00–15:00 = 240
    // → 180. The response (10:20) is before the pause: 20.
    let r = clock("S2", ClockKind::Resolution);
    assert_eq!((r.elapsed_min, r.paused_min), (Some(180.0), 240.0));
    assert_eq!(clock("S2", ClockKind::Response).elapsed_min, Some(20.0));
    // S3: 10/14 17:00 → 10/15 10:00 = 60 + 60 = 120; pending 18:30–08:30
    // lies outside 09:00–18:00 and pauses nothing. The history overrides
    // the snapshot's pending_minutes = 840 (else 120 − 840 → 0).
    let r = clock("S3", ClockKind::Resolution);
    assert_eq!((r.elapsed_min, r.paused_min), (Some(120.0), 0.0));
}

#[test]
fn pending_minutes_without_history_pause_the_resolution_clock_only() {
    // S4: 10/15 09:00 → 10/16 13:00 = 540 + 240 = 780, − 300 = 480 ≤ 540.
    let r = clock("S4", ClockKind::Resolution);
    assert_eq!(
        (r.elapsed_min, r.paused_min, r.met),
        (Some(480.0), 300.0, true)
    );
    // Response 09:00 → 09:30 = 30, no pause.
    assert_eq!(clock("S4", ClockKind::Response).elapsed_min, Some(30.0));
}

#[test]
fn breached_in_one_month_resolved_in_the_next_counts_once_in_the_first() {
    // S5 incident P2 (240 business minutes) opened Thu 10/29 15:00:
    // 15:00–18:00 = 180, then 60 more on Fri 10/30 → deadline 10/30 10:00.
    // Resolved Mon 11/02 15:00: 180 + 540 + 360 = 1080 > 240.
    let c = clock("S5", ClockKind::Resolution);
    assert_eq!(c.deadline, Some(ms("2026-10-30 10:00")));
    assert_eq!(c.decided_at, c.deadline);
    assert_eq!(c.elapsed_min, Some(1080.0));
    check(
        &figures("2026-10"),
        &[
            ("sla.resolution.incident.p2.population", Some(1.0)),
            ("sla.resolution.incident.p2.met", Some(0.0)),
            ("sla.resolution.incident.p2.compliance_pct", Some(0.0)),
            // The clock stopped in November: no October times.
            ("sla.resolution.incident.p2.mean_min", None),
        ],
    );
    check(
        &figures("2026-11"),
        &[
            ("sla.resolution.incident.p2.population", Some(0.0)),
            ("sla.resolution.incident.p2.compliance_pct", None),
            ("sla.resolution.incident.p2.mean_min", Some(1080.0)),
        ],
    );
}

#[test]
fn sla_figures_for_october() {
    check(
        &figures("2026-10"),
        &[
            // Inquiry P3 response: S1 40, S2 20, S3 10, S4 30 met; S7 (opened
            // Fri 10/30 17:00, never answered) breached at 18:00; S8 cancelled
            // while running, S11 cancelled with a closed_at (not a response or
            // resolution) → neither counted. 4 / 5 = 80 %.
            ("sla.response.inquiry.p3.population", Some(5.0)),
            ("sla.response.inquiry.p3.met", Some(4.0)),
            ("sla.response.inquiry.p3.compliance_pct", Some(80.0)),
            // Times of clocks stopped in October: 10 20 30 40 → mean 25,
            // median 25, p90 rank ⌈3.6⌉ = 4 → 40.
            ("sla.response.inquiry.p3.mean_min", Some(25.0)),
            ("sla.response.inquiry.p3.median_min", Some(25.0)),
            ("sla.response.inquiry.p3.p90_min", Some(40.0)),
            // Resolution: S1 70, S2 180, S3 120, S4 480 met; S7's deadline is
            // in November (60 on 10/30 + 480 on 11/02 → 17:00) → 4 / 4.
            ("sla.resolution.inquiry.p3.population", Some(4.0)),
            ("sla.resolution.inquiry.p3.compliance_pct", Some(100.0)),
            ("sla.resolution.inquiry.p3.mean_min", Some(212.5)), // 850 / 4
            ("sla.resolution.inquiry.p3.median_min", Some(150.0)), // (120 + 180) / 2
            ("sla.resolution.inquiry.p3.p90_min", Some(480.0)),
            // S6 incident P1 on the 24x7 calendar, Sat 02:00: answered 02:20
            // (20 > 15, decided at the 02:15 deadline); resolved 03:30 (90 ≤ 120).
            ("sla.response.incident.p1.compliance_pct", Some(0.0)),
            ("sla.resolution.incident.p1.compliance_pct", Some(100.0)),
            // Incident P4 response: O1 5, O2 5, O4 5, O5 0 (answered on a
            // Sunday: no business minutes) → 4 / 4; times 0 5 5 5 → mean 3.75.
            ("sla.response.incident.p4.population", Some(4.0)),
            ("sla.response.incident.p4.compliance_pct", Some(100.0)),
            ("sla.response.incident.p4.mean_min", Some(3.75)),
            ("sla.response.incident.p4.median_min", Some(5.0)),
            // Resolution P4: O1 60, O2 60 met; O5 (opened Sun 10/25, open) is
            // breached at 10/27 18:00 (540 on 10/26 + 540 on 10/27); O4 is
            // decided in November → 2 / 3.
            ("sla.resolution.incident.p4.population", Some(3.0)),
            ("sla.resolution.incident.p4.compliance_pct", Some(66.666667)),
            // No inquiries of P1: population 0 → データなし, never 0 or 100 %.
            ("sla.response.inquiry.p1.population", Some(0.0)),
            ("sla.response.inquiry.p1.compliance_pct", None),
        ],
    );
    // November: S9 met, S7's resolution breached 11/02 17:00 → 1 / 2.
    check(
        &figures("2026-11"),
        &[
            ("sla.resolution.inquiry.p3.population", Some(2.0)),
            ("sla.resolution.inquiry.p3.compliance_pct", Some(50.0)),
        ],
    );
}

#[test]
fn year_end_closing_days() {
    // S10 opened Mon 12/28 17:00, answered Mon 1/4 09:30: 12/29–1/3 are
    // closed (and 1/2–1/3 a weekend): 60 + 30 = 90 > 60, deadline 12/28 18:00.
    let c = clock("S10", ClockKind::Response);
    assert_eq!(
        (c.elapsed_min, c.deadline),
        (Some(90.0), Some(ms("2026-12-28 18:00")))
    );
    // Resolution (540, still open): 60 on 12/28 + 480 on 1/4 → 17:00.
    assert_eq!(
        clock("S10", ClockKind::Resolution).deadline,
        Some(ms("2027-01-04 17:00"))
    );
}

#[test]
fn availability() {
    check(
        &figures("2026-10"),
        &[
            // SYS_A 24x7: S = 31 × 1440 = 44640. Unplanned O1 10:00–11:00 and
            // O2 10:30–11:30 merge to 10:00–11:30; planned O3 11:00–12:00 →
            // P = 60, U = 10:00–11:00 = 60 (the part outside P).
            // (44640 − 60 − 60) / (44640 − 60) = 44520 / 44580.
            ("availability.SYS_A.service_min", Some(44640.0)),
            ("availability.SYS_A.planned_min", Some(60.0)),
            ("availability.SYS_A.unplanned_min", Some(60.0)),
            ("availability.SYS_A.pct", Some(99.86541)),
            // SYS_B business calendar: S = 21 × 540 = 11340. O4 runs 10/30
            // 17:00 → 11/02 10:00: October part 17:00–18:00 = 60.
            // 11280 / 11340 = 99.470899 %.
            ("availability.SYS_B.service_min", Some(11340.0)),
            ("availability.SYS_B.unplanned_min", Some(60.0)),
            ("availability.SYS_B.pct", Some(99.470899)),
            // SYS_C is not configured (default 24x7). O5 has no end: it runs
            // from Sun 10/25 20:00 to the period end: 240 + 6 × 1440 = 8880.
            // (44640 − 8880) / 44640 = 80.107527 %.
            ("availability.SYS_C.unplanned_min", Some(8880.0)),
            ("availability.SYS_C.pct", Some(80.107527)),
        ],
    );
    // November: O4's remaining 11/02 09:00–10:00 = 60 of 19 × 540 (11/3
    // 文化の日 and 11/23 勤労感謝の日 closed; 21 weekdays − 2) = 10260.
    check(
        &figures("2026-11"),
        &[
            ("availability.SYS_B.unplanned_min", Some(60.0)),
            ("availability.SYS_B.service_min", Some(10260.0)),
        ],
    );
    let f = fixture();
    let k = kpi::compute_period(&f.ds, &f.cfg, month("2026-10"), Some(&f.clocks)).unwrap();
    let open: Vec<&str> = k
        .availability
        .outages
        .as_ref()
        .unwrap()
        .iter()
        .filter(|o| o.end.is_none())
        .map(|o| o.ticket_id.as_str())
        .collect();
    assert_eq!(open, ["O5"], "an outage without an end is flagged");
}

#[test]
fn calls_transfer_after_answer_and_short_abandon() {
    check(
        &figures("2026-10"),
        &[
            // M1 is 転送 (overflow) but has answered_at: transferred after the
            // answer → answered. M2 abandoned after 3 s < 5 → short. M3
            // overflow before answer. M4 answered after 40 s.
            ("calls.offered", Some(4.0)),
            ("calls.short_abandons", Some(1.0)),
            ("calls.answered", Some(2.0)),
            ("calls.overflow", Some(1.0)),
            // Base 4 − 1 = 3: answered 2/3; SL: only M1 (10 s ≤ 20) → 1/3.
            ("calls.answer_rate", Some(66.666667)),
            ("calls.service_level", Some(33.333333)),
            ("calls.asa_s", Some(25.0)),  // (10 + 40) / 2
            ("calls.aht_s", Some(330.0)), // (300 + 60 + 240 + 60) / 2
            ("calls.weekday.mon.offered", Some(3.0)),
            ("calls.weekday.mon.answered", Some(1.0)),
            ("calls.weekday.tue.offered", Some(1.0)),
            // Hour 10: (4 − 1 short) / 2 days with calls = 1.5 calls/h;
            // A = 1.5 × 330 / 3600 = 0.1375 E. One agent: C = A = 0.1375,
            // SL = 1 − 0.1375·e^(−0.8625·20/330) = 0.8695 ≥ 0.8 → 1.
            ("calls.staffing.10.agents", Some(1.0)),
            ("calls.staffing.03.agents", Some(0.0)),
        ],
    );
}

#[test]
fn hourly_jobs_rerun_and_duration_anomaly() {
    check(
        &figures("2026-10"),
        &[
            // HOURLY_SYNC scheduled 01:00–09:00: 9 instances; the 09:00 one
            // failed and was rerun (same scheduled_at) with success.
            ("jobs.instances", Some(9.0)),
            ("jobs.runs", Some(10.0)),
            ("jobs.reruns", Some(1.0)),
            ("jobs.first_run_success_pct", Some(88.888889)), // 8 / 9
            ("jobs.final_success_pct", Some(100.0)),
            // 08:00 ran 20 min; the 7 earlier runs took 10 → p95 10, 20 > 15.
            // The 09:00 rerun (10 min) vs p95 of 10×7, 20 (rank 8 → 20): no.
            // 01:00–05:00 have < 5 earlier runs: not assessed.
            ("jobs.duration_anomalies", Some(1.0)),
            // No deadline in the data or config: lateness is unknown.
            // The deadline column is there but empty: no instance has a
            // deadline, so 0 late out of 0 judged (対象なし), not データなし.
            ("jobs.late", Some(0.0)),
            ("jobs.with_deadline", Some(0.0)),
        ],
    );
}

#[test]
fn capacity_trend_and_days_to_full() {
    check(
        &figures("2026-10"),
        &[
            // f1 /data: 60 + 0.5 × (day − 1) at 00:00 daily. The 30 days
            // before 11/01: 10/02 (60.5) … 10/31 (75) → slope 0.5 / day,
            // fitted 75.5 at 11/01 00:00. To 100 %: 24.5 / 0.5 = 49 days; to
            // crit 90: 14.5 / 0.5 = 29 days.
            ("capacity.f1.disk_pct@/data.slope_per_day", Some(0.5)),
            ("capacity.f1.disk_pct@/data.days_to_full", Some(49.0)),
            ("capacity.f1.disk_pct@/data.days_to_crit", Some(29.0)),
        ],
    );
}

#[test]
fn absent_source_is_no_data() {
    // No backups file at all: every backup figure is データなし, except
    // `expected`, which comes from config (this one lists none → 0).
    // September is before every source.
    let f = figures("2026-10");
    check(
        &f,
        &[
            ("backups.success_pct", None),
            ("backups.success", None),
            ("backups.missing", None),
            ("backups.expected", Some(0.0)),
        ],
    );
    let sep = figures("2026-09");
    check(
        &sep,
        &[
            ("sla.response.inquiry.p3.population", None),
            ("sla.response.inquiry.p3.compliance_pct", None),
            ("availability.SYS_A.pct", None),
            ("calls.answer_rate", None),
            ("jobs.final_success_pct", None),
        ],
    );
}

#[test]
fn calendars_are_compiled_from_config() {
    let c: &Calendars = &fixture().cfg.calendars;
    assert!(c.get("business").is_some() && c.get("24x7").is_some());
    assert_eq!(c.get("business").unwrap().describe(), "営業日 09:00–18:00");
}

#[test]
fn weeks_and_fiscal_years() {
    let f = fixture();
    let at = |p: Period| {
        kpi::compute_period(&f.ds, &f.cfg, p, Some(&f.clocks))
            .unwrap()
            .figures()
    };
    // Week Mon 10/12 – Sun 10/18: inquiry P3 responses decided S1 (10/13),
    // S2, S3 (10/14), S4 (10/15) → 4 / 4.
    let d = chrono::NaiveDate::from_ymd_opt(2026, 10, 15).unwrap();
    let w = at(Period::week_of(d));
    check(
        &w,
        &[
            ("sla.response.inquiry.p3.population", Some(4.0)),
            ("sla.response.inquiry.p3.compliance_pct", Some(100.0)),
        ],
    );
    // Fiscal year 2026 (4/1–3/31): October 5 + November 1 (S9) + December 1
    // (S10, breached 12/28 18:00) = 7; each pair counted once, so the
    // months add up to the year.
    let fy = at(Period::fiscal_year_of(d));
    let months: f64 = ["2026-10", "2026-11", "2026-12"]
        .iter()
        .map(|m| {
            figures(m)
                .get("sla.response.inquiry.p3.population")
                .unwrap()
        })
        .sum();
    assert_eq!(fy.get("sla.response.inquiry.p3.population"), Some(7.0));
    assert_eq!(months, 7.0);
}

#[test]
fn absent_columns_and_uncomputable_clocks_are_no_data_never_guesses() {
    // A tickets export without first_response_at, service_impact or
    // outage_start, and one ticket dated 2030 (after the holiday list).
    let dir = std::env::temp_dir().join(format!("hokoku-cols-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("tickets.csv"),
        "ticket_id,kind,opened_at,resolved_at,status,priority\n\
A1,inquiry,2026-10-14T10:00:00+09:00,2026-10-14T11:00:00+09:00,resolved,3\n\
A2,inquiry,2030-01-07T10:00:00+09:00,,new,3\n\
A3,incident,2030-01-07T10:00:00+09:00,,new,1\n",
    )
    .unwrap();
    let cfg = &fixture().cfg;
    let ds = hokoku::ingest::load(&dir, &hokoku::ingest::Catalogue::compile(cfg).unwrap());
    let (clocks, problems) = kpi::sla::clocks_of(
        ds.get(SourceId::Tickets),
        None,
        &cfg.sla_targets,
        &cfg.calendars,
    )
    .unwrap();
    assert_eq!(
        problems.len(),
        2,
        "A2's two clocks are left out and named: {problems:?}"
    );
    // Named with the ticket's file and line (tickets.csv line 3).
    let p = &problems[0];
    assert_eq!((p.ticket_id.as_str(), p.line), ("A2", Some(3)));
    assert_eq!(p.problem.code, "sla_no_holidays");
    assert!(p.to_string().contains("2030"), "{problems:?}");
    // A3 (incident P1) runs on 24x7, which needs no holiday list: both its
    // clocks are computed (no first response and no resolution yet).
    assert!(problems.iter().all(|p| p.ticket_id != "A3"), "{problems:?}");
    let a3: Vec<_> = clocks
        .as_deref()
        .unwrap()
        .iter()
        .filter(|c| c.ticket_id == "A3")
        .collect();
    assert_eq!(a3.len(), 2);
    let f = kpi::compute_period(&ds, cfg, month("2026-10"), clocks.as_deref())
        .unwrap()
        .figures();
    check(
        &f,
        &[
            // No first_response_at column: response compliance is unknown,
            // not measured against resolved_at.
            ("sla.response.inquiry.p3.compliance_pct", None),
            // A1 resolved in 60 business minutes ≤ 540.
            ("sla.resolution.inquiry.p3.compliance_pct", Some(100.0)),
            // No outage columns: 稼働率 is データなし, never 100 %.
            ("availability.SYS_A.pct", None),
        ],
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
