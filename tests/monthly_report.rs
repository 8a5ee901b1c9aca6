//! 月次報告 and 週次報告 over the fiscal-year boundary fixture
//! (tests/fixtures/fy: March → April 2026). Every expected value is worked
//! out by hand from the fixture files (arithmetic in the comments).
//!
//! Sources: tickets F1–F14, calls C1–C5 (3/30–4/20), job runs (3/31–4/2),
//! capacity only in March, no backups file at all.

mod common;
use common::*;
use std::path::{Path, PathBuf};

const FY: [&str; 4] = [
    "--inputs",
    "tests/fixtures/fy/inputs",
    "--config",
    "tests/fixtures/fy/config",
];

fn run(args: &[&str], out: &Path) -> PathBuf {
    let mut a: Vec<&str> = args.to_vec();
    a.extend(FY);
    a.extend(["--out", out.to_str().unwrap()]);
    let o = hokoku(&a);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    out.to_path_buf()
}

fn monthly(out: &Path) -> PathBuf {
    run(&["report", "monthly", "--month", "2026-04"], out).join("monthly/2026")
}

fn weekly(out: &Path) -> PathBuf {
    run(&["report", "weekly", "--week", "2026-W14"], out).join("weekly/2026")
}

#[test]
fn monthly_figures_across_the_fiscal_year_boundary() {
    let dir = monthly(&tmp("monthly-figures"));
    let f = figures(&dir.join("monthly-2026-04.json"));
    // Incidents received: March F1, F2 = 2; April F4, F5, F6 = 3 (P2, P3, P4).
    assert_eq!(num(&f, "trend.2026-03.tickets.received.incident"), 2.0);
    assert_eq!(num(&f, "trend.2026-04.tickets.received.incident"), 3.0);
    assert_eq!(num(&f, "mom.tickets.received.incident"), 1.0);
    assert_eq!(
        [1, 2, 3, 4].map(|p| num(&f, &format!("incidents.by_priority.p{p}"))),
        [0.0, 1.0, 1.0, 1.0]
    );
    // A month before the data (April 2025) is データなし, not 0.
    assert!(missing(&f, "trend.2025-04.tickets.received.incident"));
    assert!(missing(&f, "trend.2025-04.calls.answer_rate"));
    // All kinds received: March F1 F2 F3 F7 F12 = 5; April F4 F5 F6 F8 F9
    // F10 F11 F13 F14 = 9 → +4. Resolved: March 3, April F4 F5 F8 F9 F12
    // F13 = 6 → +3. Backlog at the end: March F7 F12 = 2; April F6 F7 F10
    // F11 = 4 → +2.
    assert_eq!(num(&f, "tickets.received.total"), 9.0);
    assert_eq!(num(&f, "mom.tickets.received.total"), 4.0);
    assert_eq!(num(&f, "mom.tickets.resolved.total"), 3.0);
    assert_eq!(num(&f, "mom.tickets.backlog.total"), 2.0);
    // Calls: March C1 answered, C2 abandoned → 50 %; April C3 C4 C5 all
    // answered → 100 %: +50 pt.
    assert_eq!(num(&f, "trend.2026-03.calls.answer_rate"), 50.0);
    assert_eq!(num(&f, "calls.answer_rate"), 100.0);
    assert_eq!(num(&f, "mom.calls.answer_rate"), 50.0);
    // Availability SYS_A (24x7): March 31 × 1440 = 44,640 min, 60 min
    // unplanned (F1) → 44,580 / 44,640 = 99.865591 %; April: only the planned
    // F9 outage (120 min) → 100 %.
    assert_eq!(num(&f, "trend.2026-03.availability.SYS_A.pct"), 99.865591);
    assert_eq!(num(&f, "availability.SYS_A.planned_min"), 120.0);
    assert_eq!(num(&f, "availability.SYS_A.pct"), 100.0);
    // Jobs: April JOB_A 4/1 ok, 4/2 failed then ok on rerun → first-run
    // 1/2 = 50 %, final 100 %.
    assert_eq!(num(&f, "jobs.first_run_success_pct"), 50.0);
    assert_eq!(num(&f, "jobs.final_success_pct"), 100.0);
    // Changes opened in April: F8 緊急 success, F9 重大 rolled back, F10
    // 標準 no result, F14 軽微 no result (cancelled, still opened) → 4;
    // success 1 of 2 with a result = 50 %; emergency 1/4 = 25 %.
    assert_eq!(num(&f, "changes.total"), 4.0);
    assert_eq!(num(&f, "changes.by_class_result.emergency.success"), 1.0);
    assert_eq!(num(&f, "changes.by_class_result.major.rolled_back"), 1.0);
    assert_eq!(num(&f, "changes.by_class_result.standard.none"), 1.0);
    assert_eq!(num(&f, "changes.by_class_result.minor.none"), 1.0);
    assert_eq!(num(&f, "changes.success_pct"), 50.0);
    assert_eq!(num(&f, "changes.emergency_pct"), 25.0);
    // Releases: F11 (opened in April) and F12 (scheduled 4/8, success).
    assert_eq!(num(&f, "releases.total"), 2.0);
    assert_eq!(num(&f, "releases.result.success"), 1.0);
    // Problems: F7 (opened 3/10) still open: active 1, open at the end 1.
    assert_eq!(num(&f, "problems.active"), 1.0);
    assert_eq!(num(&f, "problems.received"), 0.0);
    assert_eq!(num(&f, "problems.open_at_end"), 1.0);
    assert_eq!(num(&f, "configuration.received"), 1.0);
    // May schedule: F10 (5/12) and F11 (5/20); F14 is cancelled.
    assert_eq!(num(&f, "schedule.next_month.total"), 2.0);
    // jobs/*.toml in May 2026: daily and ingest 31 runs; weekly Mondays
    // 5/4, 11, 18, 25 = 4; monthly on 第1営業日 (5/1) = 1.
    assert_eq!(num(&f, "schedule.next_month.jobs.daily.runs"), 31.0);
    assert_eq!(num(&f, "schedule.next_month.jobs.weekly.runs"), 4.0);
    assert_eq!(num(&f, "schedule.next_month.jobs.monthly.runs"), 1.0);
    // No backups file; capacity only in March: April is データなし, and so
    // is every change from March that needs them.
    // (backups.expected stays 0: it comes from the configured targets, and
    // this site configures none.)
    for k in [
        "backups.success_pct",
        "backups.failed",
        "mom.backups.success_pct",
        "trend.2026-04.capacity.h1.cpu_pct.p95",
    ] {
        assert!(missing(&f, k), "{k} must be データなし");
    }
    assert_eq!(num(&f, "trend.2026-03.capacity.h1.cpu_pct.p95"), 60.0);
    // Heat table, April: C3 and C4 at 10:00/10:05 on Wednesday 4/1, C5 at
    // 14:00 on Monday 4/20; every other cell 0.
    assert_eq!(num(&f, "calls.heat.10.wed"), 2.0);
    assert_eq!(num(&f, "calls.heat.14.mon"), 1.0);
    assert_eq!(num(&f, "calls.heat.10.mon"), 0.0);
    // SLA summary by group: 稼働率 SYS_A and SYS_B are both 100 % against
    // 99.9 % → 2 達成, 0 未達. Backups have no data → no 達成 there.
    assert_eq!(num(&f, "sla_report.by_group.availability.met"), 2.0);
    assert_eq!(num(&f, "sla_report.by_group.availability.missed"), 0.0);
    assert_eq!(num(&f, "sla_report.by_group.backups.met"), 0.0);
    // 対象なし is its own column, not データなし: April's incidents are F4
    // (P2), F5 (P3) and F6 (P4, still open) → no P1 to judge (response and
    // resolution) and no resolved P4 → 3 ticket items 対象なし; no job has a
    // deadline → job lateness 対象なし. Backups: no file → データなし.
    assert_eq!(num(&f, "sla_report.by_group.tickets.no_population"), 3.0);
    assert_eq!(num(&f, "sla_report.by_group.tickets.no_data"), 0.0);
    assert_eq!(num(&f, "sla_report.by_group.jobs.no_population"), 1.0);
    assert_eq!(num(&f, "sla_report.by_group.backups.no_population"), 0.0);
    assert_eq!(num(&f, "sla_report.by_group.backups.no_data"), 1.0);

    let text = pdf_text(&dir.join("monthly-2026-04.pdf"));
    // Cover: 和暦 period and the 提出日 on 第5営業日 of May 2026: 5/1, 5/7
    // (5/4–5/6 holidays), 5/8, 5/11, 5/12.
    assert!(text.contains("対象期間 令和8年4月（2026年4月1日～4月30日）"));
    assert!(text.contains("提出日 令和8年5月12日"));
    assert!(text.contains("4月1日に年度初めの回線障害"), "remarks file");
    // The P2 incident F4 took 09:00 → 11:15 = 135 minutes.
    assert!(text.contains("135.0分"));
}

/// Every 目次 line `N. title …… P` points at the page where that heading is.
#[test]
fn table_of_contents_points_at_the_right_pages() {
    let dir = monthly(&tmp("monthly-toc"));
    let text = pdf_text(&dir.join("monthly-2026-04.pdf"));
    let pages: Vec<&str> = text.split('\u{c}').collect();
    let n = pages.iter().filter(|p| !p.trim().is_empty()).count();
    let footer = |p: &str, k: usize| p.replace(' ', "").contains(&format!("{k}/{n}"));
    assert!(
        pages[0].contains("提出日") && !footer(pages[0], 1),
        "the cover has no page number"
    );
    assert!(pages[1].contains("目次") && footer(pages[1], 2));
    let mut entries = 0;
    // Each entry is three text runs: the title, the leader dots, the page.
    let lines: Vec<&str> = pages[1].lines().map(str::trim).collect();
    for w in lines.windows(3) {
        let (label, dots, page) = (w[0], w[1], w[2]);
        if dots.is_empty() || !dots.chars().all(|c| c == '.') {
            continue;
        }
        let Ok(page) = page.parse::<usize>() else {
            continue;
        };
        if !label.contains(". ") && label != "定義" {
            continue;
        }
        entries += 1;
        assert!(
            pages[page - 1].contains(label),
            "目次 says {label:?} is on page {page}"
        );
    }
    // 16 sections + 定義.
    assert_eq!(entries, 17, "{}", pages[1]);
}

#[test]
fn weekly_figures_day_by_day() {
    let dir = weekly(&tmp("weekly-figures"));
    let f = figures(&dir.join("weekly-2026-W14.json"));
    // Week 2026-W14 = Mon 3/30 – Sun 4/5, across the fiscal-year boundary.
    // Calls: 3/30 C1, 3/31 C2 (abandoned), 4/1 C3 C4 → 4 offered, 3 answered.
    assert_eq!(num(&f, "days.2026-03-30.calls.offered"), 1.0);
    assert_eq!(num(&f, "days.2026-03-31.calls.offered"), 1.0);
    assert_eq!(num(&f, "days.2026-04-01.calls.offered"), 2.0);
    assert_eq!(num(&f, "days.2026-04-05.calls.offered"), 0.0);
    assert_eq!(num(&f, "calls.offered"), 4.0);
    assert_eq!(num(&f, "calls.answered"), 3.0);
    // 3/31 C2 abandoned of 1 → 0 %, 4/1 2 of 2 → 100 %.
    assert_eq!(num(&f, "days.2026-03-31.calls.answer_rate"), 0.0);
    assert_eq!(num(&f, "days.2026-04-01.calls.answer_rate"), 100.0);
    // The week before has no call data: 前週比 is データなし, not +4.
    assert!(missing(&f, "wow.calls.offered"));
    // Tickets received: F4 (4/1), F5 (4/2).
    assert_eq!(num(&f, "tickets.received.total"), 2.0);
    assert_eq!(num(&f, "days.2026-04-01.tickets.received.total"), 1.0);
    // Jobs: 3/31, 4/1, 4/2 (failed, rerun ok) → 3 instances, first-run 2/3.
    assert_eq!(num(&f, "jobs.instances"), 3.0);
    assert_eq!(num(&f, "jobs.first_run_success_pct"), 66.666667);
    assert_eq!(num(&f, "days.2026-04-02.jobs.failed_instances"), 0.0);
    assert!(missing(&f, "backups.success_pct"));
    let text = pdf_text(&dir.join("weekly-2026-W14.pdf"));
    assert!(
        text.contains("対象週 令和8年3月30日（月）～4月5日（日）（2026-W14）"),
        "{}",
        &text[..400.min(text.len())]
    );
}

#[test]
fn monthly_and_weekly_goldens_and_determinism() {
    let a = tmp("monthly-golden-a");
    let b = tmp("monthly-golden-b");
    for out in [&a, &b] {
        monthly(out);
        weekly(out);
    }
    let reports = [
        ("monthly/2026", "monthly-2026-04"),
        ("weekly/2026", "weekly-2026-W14"),
    ];
    assert_identical_and_golden(&a, &b, &reports);
    for (rel, name) in reports {
        let dir = a.join(rel);
        assert_figures_sheet_equals_json(
            &dir.join(format!("{name}.xlsx")),
            &figures(&dir.join(format!("{name}.json"))),
        );
    }
}

/// The monthly report from the history store equals the one from the CSVs.
#[test]
fn monthly_from_the_store_is_identical() {
    let out = tmp("monthly-store");
    let store = out.join("store");
    let o = hokoku(&[
        "ingest",
        FY[0],
        FY[1],
        FY[2],
        FY[3],
        "--store",
        store.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = monthly(&out.join("csv"));
    let mut a = vec![
        "report",
        "monthly",
        "--month",
        "2026-04",
        "--store",
        store.to_str().unwrap(),
    ];
    let from_store = out.join("from-store");
    a.extend(FY);
    a.extend(["--out", from_store.to_str().unwrap()]);
    let o = hokoku(&a);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    for ext in ["xlsx", "pdf", "json"] {
        let x = std::fs::read(csv.join(format!("monthly-2026-04.{ext}"))).unwrap();
        let y =
            std::fs::read(from_store.join(format!("monthly/2026/monthly-2026-04.{ext}"))).unwrap();
        assert!(x == y, "monthly-2026-04.{ext}: store and CSV differ");
    }
}
