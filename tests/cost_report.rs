//! コスト管理報告 over the cost fixture (tests/fixtures/cost: March → May
//! 2026). Every expected value is worked out by hand from the fixture files
//! and the cost model in tests/fixtures/cost/config/cost.toml (arithmetic in
//! the comments).
//!
//! Model: labour 6000 円/時 incident, 3000 円/時 other kinds, 3600 円/時 call
//! handling; talk 2 円/分 + line 30,000 円/月; hosts h1 60,000 + h2 30,000
//! 円/月; storage 10 円/GiB月; contract 300,000 円/月. Budget per month:
//! labour 30,000 (May 2026: 40,000), telephony 30,000, infrastructure
//! 90,000, storage 1,000, contracts 300,000 = 451,000. FY2025's April →
//! February are confirmed actuals of 440,100 each.
//!
//! Data: tickets T1–T9 (work_minutes; T7 has none), calls C1–C5 (March and
//! April only), backups (one failed, one without size), job runs J1, J1, J2
//! in April.

mod common;
use common::*;
use std::path::{Path, PathBuf};

const FIXTURE: [&str; 4] = [
    "--inputs",
    "tests/fixtures/cost/inputs",
    "--config",
    "tests/fixtures/cost/config",
];

fn run(args: &[&str], out: &Path) {
    let mut a: Vec<&str> = args.to_vec();
    a.extend(FIXTURE);
    a.extend(["--out", out.to_str().unwrap()]);
    let o = hokoku(&a);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn cost_month(month: &str, out: &Path) -> PathBuf {
    run(&["report", "cost", "--month", month], out);
    out.join("cost")
        .join(&month[..4])
        .join(format!("cost-monthly-{month}.json"))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

#[test]
fn a_month_with_every_cost_line() {
    let out = tmp("cost-april");
    let f = figures(&cost_month("2026-04", &out));
    // Ticket labour (resolved in April): T3 incident 120 min → 2 h × 6000 =
    // 12,000; T4 request 45 min → 0.75 h × 3000 = 2,250; T5 inquiry 20 min →
    // 1/3 h × 3000 = 1,000; T6 change 100 min → 5,000; T7 has no work
    // minutes (counted, adds nothing); T8 is unresolved.
    assert_eq!(num(&f, "cost.detail.labour_tickets.incident"), 12000.0);
    assert_eq!(num(&f, "cost.detail.labour_tickets.request"), 2250.0);
    assert_eq!(num(&f, "cost.detail.labour_tickets.inquiry"), 1000.0);
    assert_eq!(num(&f, "cost.detail.labour_tickets.change"), 5000.0);
    assert_eq!(num(&f, "cost.detail.labour_tickets.problem"), 0.0);
    assert_eq!(
        num(&f, "cost.quantity.labour_tickets.inquiry.work_min"),
        20.0
    );
    assert_eq!(num(&f, "cost.labour_tickets"), 20250.0);
    assert_eq!(num(&f, "cost.inputs.tickets_without_work_minutes"), 1.0);
    // … and T7's row is named in データ品質: tickets.csv line 8.
    let j = json_doc(&cost_month("2026-04", &tmp("cost-april-dq")));
    let named = j["data_quality"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|q| q["code"] == "cost_row_without_quantity")
        .map(|q| {
            (
                q["file"].as_str().unwrap().to_string(),
                q["line"].as_u64(),
                q["column"].as_str().unwrap().to_string(),
            )
        })
        .collect::<Vec<_>>();
    assert!(
        named.contains(&(
            "tests/fixtures/cost/inputs/tickets.csv".to_string(),
            Some(8),
            "work_minutes".to_string()
        )),
        "{named:?}"
    );
    // Call labour: answered C2 600+120, C4 240+0, C5 (transferred after the
    // answer) 180+60 = 1,200 s = 1/3 h × 3600 = 1,200. C3 was abandoned.
    assert_eq!(num(&f, "cost.labour_calls"), 1200.0);
    assert_eq!(num(&f, "cost.labour"), 21450.0);
    // Telephony: talk 600+240+180 = 1,020 s = 17 min × 2 = 34, + line 30,000.
    assert_eq!(num(&f, "cost.quantity.telephony.talk.talk_min"), 17.0);
    assert_eq!(num(&f, "cost.detail.telephony.talk"), 34.0);
    assert_eq!(num(&f, "cost.telephony"), 30034.0);
    // Fixed amounts: a whole month is the monthly amount (30 days).
    assert_eq!(num(&f, "cost.detail.infrastructure.h1"), 60000.0);
    assert_eq!(num(&f, "cost.infrastructure"), 90000.0);
    assert_eq!(num(&f, "cost.quantity.infrastructure.h1.days"), 30.0);
    assert_eq!(num(&f, "cost.contracts"), 300000.0);
    // Storage: successful backups 20 GiB (4/15) + 30.5 GiB (4/30) = 50.5 GiB
    // × 10 = 505; the failed one is not stored, the one without a size is counted.
    assert_eq!(num(&f, "cost.quantity.storage.backups.gib"), 50.5);
    assert_eq!(num(&f, "cost.storage"), 505.0);
    assert_eq!(num(&f, "cost.inputs.backups_without_size_bytes"), 1.0);
    // Total 21,450 + 30,034 + 90,000 + 505 + 300,000 = 441,989; budget
    // 451,000; variance −9,011 = −1.998004 %.
    assert_eq!(num(&f, "cost.total"), 441989.0);
    assert_eq!(num(&f, "cost.budget"), 451000.0);
    assert_eq!(num(&f, "cost.variance"), -9011.0);
    assert!(close(num(&f, "cost.variance_pct"), -1.998004));
    assert_eq!(num(&f, "cost.by_category.labour.variance"), -8550.0);
    // By source: tickets 20,250; calls 1,200 + 34 = 1,234; backups 505;
    // fixed 30,000 + 90,000 + 300,000 = 420,000 (sum 441,989).
    assert_eq!(num(&f, "cost.by_source.tickets"), 20250.0);
    assert_eq!(num(&f, "cost.by_source.calls"), 1234.0);
    assert_eq!(num(&f, "cost.by_source.backups"), 505.0);
    assert_eq!(num(&f, "cost.by_source.fixed"), 420000.0);
    // Unit costs: 20,250 ÷ 5 resolved (T3–T7) = 4,050; (1,200 + 30,034) ÷ 3
    // answered = 10,411.333333; 90,000 ÷ 3 job runs = 30,000.
    assert_eq!(num(&f, "cost.unit.per_ticket_resolved"), 4050.0);
    assert!(close(num(&f, "cost.unit.per_call_answered"), 10411.333333));
    assert_eq!(num(&f, "cost.unit.per_job_run"), 30000.0);

    let dir = out.join("cost/2026");
    let q = json_doc(&dir.join("cost-monthly-2026-04.json"))["data_quality"].to_string();
    assert!(
        q.contains("作業時間がない") && q.contains("サイズがない"),
        "{q}"
    );
    assert_figures_sheet_equals_json(&dir.join("cost-monthly-2026-04.xlsx"), &f);
    let text = pdf_text(&dir.join("cost-monthly-2026-04.pdf"));
    for s in [
        "コスト管理報告（月次）",
        "441,989円",
        "-9,011円",
        "作業時間（解決分）",
        "累計予算と累計実績・着地見込み",
    ] {
        assert!(text.contains(s), "PDF lacks {s}");
    }
}

#[test]
fn a_day_in_the_middle_of_the_month_is_pro_rated() {
    let out = tmp("cost-day");
    run(&["report", "cost", "--date", "2026-04-15"], &out);
    let f = figures(&out.join("cost/2026/04/cost-daily-2026-04-15.json"));
    // The day: T4 2,250 + T5 1,000; C2 720 s = 0.2 h × 3600 = 720; talk 10
    // min × 2 = 20 + line 30,000 ÷ 30 = 1,000; hosts 2,000 + 1,000; storage
    // 20 GiB × 10 = 200; contract 300,000 ÷ 30 = 10,000. Total 18,190.
    assert_eq!(num(&f, "cost.labour_tickets"), 3250.0);
    assert_eq!(num(&f, "cost.labour_calls"), 720.0);
    assert_eq!(num(&f, "cost.telephony"), 1020.0);
    assert_eq!(num(&f, "cost.infrastructure"), 3000.0);
    assert_eq!(num(&f, "cost.storage"), 200.0);
    assert_eq!(num(&f, "cost.contracts"), 10000.0);
    assert_eq!(num(&f, "cost.total"), 18190.0);
    // The day's budget: 1,000 + 1,000 + 3,000 + round(33.33) 33 + 10,000.
    assert_eq!(num(&f, "cost.budget"), 15033.0);
    assert_eq!(num(&f, "cost.variance"), 3157.0);
    // Month to date (4/1–4/15): tickets T3 12,000 + 3,250; calls 720; talk 20
    // + line 15,000; hosts 45,000; storage 200; contract 150,000 = 226,190,
    // against 15/30 of 451,000 = 225,500 → +690 (+0.305987 %).
    assert_eq!(num(&f, "cost.mtd.labour_tickets"), 15250.0);
    assert_eq!(num(&f, "cost.mtd.telephony"), 15020.0);
    assert_eq!(num(&f, "cost.mtd.total"), 226190.0);
    assert_eq!(num(&f, "cost.mtd.budget"), 225500.0);
    assert_eq!(num(&f, "cost.mtd.variance"), 690.0);
    assert!(close(num(&f, "cost.mtd.variance_pct"), 0.305987));
    assert_eq!(num(&f, "cost.mtd.month_budget"), 451000.0);

    // The 日次報告's cost section shows the same figures.
    run(&["report", "daily", "--date", "2026-04-15"], &out);
    let d = figures(&out.join("daily/2026/04/daily-2026-04-15.json"));
    for k in [
        "cost.total",
        "cost.budget",
        "cost.mtd.total",
        "cost.mtd.budget",
        "cost.mtd.variance",
    ] {
        assert_eq!(d[k], f[k], "{k}");
    }
    let text = pdf_text(&out.join("daily/2026/04/daily-2026-04-15.pdf"));
    assert!(
        text.contains("226,190円") && text.contains("225,500円"),
        "daily PDF lacks the month-to-date cost"
    );
}

#[test]
fn a_week_across_two_months_takes_each_day_from_its_month() {
    let out = tmp("cost-week");
    run(&["report", "weekly", "--week", "2026-W14"], &out);
    let f = figures(&out.join("weekly/2026/weekly-2026-W14.json"));
    // 3/30–4/5: 2 days of March (31) and 5 of April (30).
    // Budget: labour 30,000×2/31 + 30,000×5/30 = 6,935.48 → 6,935; telephony
    // the same 6,935; infrastructure 5,806.45 + 15,000 → 20,806; storage
    // 64.52 + 166.67 → 231; contracts 19,354.84 + 50,000 → 69,355. Σ 104,262.
    assert_eq!(num(&f, "cost.by_category.labour.budget"), 6935.0);
    assert_eq!(num(&f, "cost.by_category.storage.budget"), 231.0);
    assert_eq!(num(&f, "cost.budget"), 104262.0);
    // Actual: T2 1,500 + T3 12,000; C1 360 s → 360; talk 5 min → 10 + line
    // 6,935; h1 3,870.97 + 10,000 → 13,871, h2 6,935; storage 0 (no backup
    // that week); contract 69,355. Σ 110,966.
    assert_eq!(num(&f, "cost.labour_tickets"), 13500.0);
    assert_eq!(num(&f, "cost.telephony"), 6945.0);
    assert_eq!(num(&f, "cost.infrastructure"), 20806.0);
    assert_eq!(num(&f, "cost.storage"), 0.0);
    assert_eq!(num(&f, "cost.total"), 110966.0);
    assert_eq!(num(&f, "cost.variance"), 6704.0);
}

#[test]
fn the_fiscal_year_boundary() {
    let out = tmp("cost-fy");
    // March 2026 closes FY2025: eleven confirmed months of 440,100 and March
    // from the data: tickets T1 9,000 + T2 1,500; call C1 360 s → 360; talk
    // 10 + line 30,000; hosts 90,000; storage 10 GiB → 100; contract 300,000
    // = 430,970. 年度累計 4,841,100 + 430,970 = 5,272,070; nothing remains,
    // so 着地見込み = 年度累計; budget 12 × 451,000 = 5,412,000.
    let march = figures(&cost_month("2026-03", &out));
    assert_eq!(num(&march, "cost.total"), 430970.0);
    assert_eq!(num(&march, "cost.fy.months.2025-04.actual"), 440100.0);
    assert_eq!(num(&march, "cost.fy.months_actual"), 12.0);
    assert_eq!(num(&march, "cost.fy.actual_to_date"), 5272070.0);
    assert_eq!(num(&march, "cost.fy.forecast"), 5272070.0);
    assert_eq!(num(&march, "cost.fy.budget"), 5412000.0);
    assert_eq!(num(&march, "cost.fy.forecast_variance"), -139930.0);
    assert_eq!(
        num(&march, "cost.fy.by_category.labour.actual_to_date"),
        11.0 * 20000.0 + 10860.0
    );
    let text = pdf_text(&out.join("cost/2026/cost-monthly-2026-03.pdf"));
    assert!(text.contains("確定実績"), "confirmed months are marked");

    // April 2026 starts FY2026: 年度累計 is April alone.
    let april = figures(&cost_month("2026-04", &out));
    assert_eq!(num(&april, "cost.fy.actual_to_date"), 441989.0);
    assert_eq!(num(&april, "cost.fy.budget_to_date"), 451000.0);
    assert!(
        !april.contains_key("cost.fy.months.2026-03.actual"),
        "March belongs to FY2025"
    );
    // FY2026 budget: labour 11 × 30,000 + 40,000 (May) + 360,000 + 1,080,000
    // + 12,000 + 3,600,000 = 5,422,000.
    assert_eq!(num(&april, "cost.fy.budget"), 5422000.0);
    assert_eq!(num(&april, "cost.fy.months.2026-05.budget"), 461000.0);
}

#[test]
fn a_forecast_with_fewer_than_three_months() {
    let out = tmp("cost-forecast");
    // April: one month of actuals, so each remaining month is April's:
    // 441,989 + 11 × 441,989 = 5,303,868; against 5,422,000 → −118,132.
    let april = figures(&cost_month("2026-04", &out));
    assert_eq!(num(&april, "cost.fy.forecast_basis_months"), 1.0);
    assert_eq!(num(&april, "cost.fy.forecast"), 5303868.0);
    assert_eq!(num(&april, "cost.fy.forecast_variance"), -118132.0);
    assert!(close(
        num(&april, "cost.fy.forecast_variance_pct"),
        -2.178753
    ));
    assert_eq!(num(&april, "cost.fy.months.2026-11.forecast"), 441989.0);
    assert!(
        missing(&april, "cost.fy.months.2026-11.actual"),
        "months ahead are forecast, not actuals"
    );
    assert_eq!(
        num(&april, "cost.fy.months.2027-03.cumulative_forecast"),
        5303868.0
    );
    assert!(missing(&april, "cost.fy.months.2027-03.cumulative_actual"));
    assert_eq!(
        num(&april, "cost.fy.months.2026-04.cumulative_forecast"),
        441989.0,
        "the forecast line starts at the actual"
    );

    // May: two months. Storage April 505, May 40 GiB → 400: mean 452.5 →
    // 453 (rounded per category); 905 + 10 × 453 = 5,435. Hosts and the
    // contract are the same every month.
    let may = figures(&cost_month("2026-05", &out));
    assert_eq!(num(&may, "cost.fy.forecast_basis_months"), 2.0);
    assert_eq!(num(&may, "cost.fy.by_category.storage.forecast"), 5435.0);
    assert_eq!(
        num(&may, "cost.fy.by_category.infrastructure.forecast"),
        1080000.0
    );
    assert_eq!(
        num(&may, "cost.fy.by_category.contracts.forecast"),
        3600000.0
    );
}

#[test]
fn a_missing_source_is_no_data_not_zero() {
    let out = tmp("cost-missing");
    // May has no call data: call labour and telephony are データなし, and so
    // are labour, the total, the variance and the year's totals. The fixed
    // line fee itself is known.
    let may = figures(&cost_month("2026-05", &out));
    for k in [
        "cost.labour_calls",
        "cost.labour",
        "cost.telephony",
        "cost.total",
        "cost.variance",
        "cost.by_source.calls",
        "cost.unit.per_call_answered",
        "cost.fy.actual_to_date",
        "cost.fy.forecast",
        "cost.fy.by_category.telephony.forecast",
    ] {
        assert!(missing(&may, k), "{k} should be データなし");
    }
    assert_eq!(num(&may, "cost.detail.telephony.line"), 30000.0);
    assert_eq!(num(&may, "cost.labour_tickets"), 6000.0);
    assert_eq!(num(&may, "cost.budget"), 461000.0);
    let q = json_doc(&out.join("cost/2026/cost-monthly-2026-05.json"))["data_quality"].to_string();
    assert!(q.contains("calls"), "the missing calls are named: {q}");
    let text = pdf_text(&out.join("cost/2026/cost-monthly-2026-05.pdf"));
    assert!(text.contains("データなし"));

    // Without a cost model (the fy fixture has no cost.toml) every cost figure is データなし.
    let o = hokoku(&[
        "report",
        "cost",
        "--month",
        "2026-04",
        "--inputs",
        "tests/fixtures/fy/inputs",
        "--config",
        "tests/fixtures/fy/config",
        "--out",
        out.join("nomodel").to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let json = out.join("nomodel/cost/2026/cost-monthly-2026-04.json");
    let f = figures(&json);
    for k in [
        "cost.total",
        "cost.labour_tickets",
        "cost.infrastructure",
        "cost.budget",
        "cost.fy.forecast",
    ] {
        assert!(missing(&f, k), "{k} without a model");
    }
    assert!(json_doc(&json)["data_quality"]
        .to_string()
        .contains("cost.toml"));
}

#[test]
fn a_missing_column_is_no_data_not_zero() {
    // The fixture with calls.csv lacking wrap_seconds and backups.csv lacking size_bytes.
    let out = tmp("cost-columns");
    let inputs = out.join("inputs");
    std::fs::create_dir_all(&inputs).unwrap();
    let src = root().join("tests/fixtures/cost/inputs");
    for f in ["tickets.csv", "job_runs.csv"] {
        std::fs::copy(src.join(f), inputs.join(f)).unwrap();
    }
    let drop_column = |file: &str, column: &str| {
        let text = std::fs::read_to_string(src.join(file)).unwrap();
        let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
        let at = header.iter().position(|h| *h == column).unwrap();
        let body: Vec<String> = text
            .lines()
            .map(|l| {
                l.split(',')
                    .enumerate()
                    .filter(|(i, _)| *i != at)
                    .map(|(_, v)| v)
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect();
        std::fs::write(inputs.join(file), body.join("\n") + "\n").unwrap();
    };
    drop_column("calls.csv", "wrap_seconds");
    drop_column("backups.csv", "size_bytes");
    let o = hokoku(&[
        "report",
        "cost",
        "--month",
        "2026-04",
        "--inputs",
        inputs.to_str().unwrap(),
        "--config",
        "tests/fixtures/cost/config",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let f = figures(&out.join("cost/2026/cost-monthly-2026-04.json"));
    // Handled time needs wrap; storage needs sizes: both データなし, never 0.
    for k in [
        "cost.labour_calls",
        "cost.labour",
        "cost.storage",
        "cost.total",
    ] {
        assert!(missing(&f, k), "{k} should be データなし");
    }
    // Telephony needs talk time only: 34 + 30,000 as before.
    assert_eq!(num(&f, "cost.telephony"), 30034.0);
    assert_eq!(num(&f, "cost.labour_tickets"), 20250.0);
    // Tickets without resolved_at: no ticket can be dated as resolved in
    // the month, so their labour is データなし, never 0円.
    drop_column("tickets.csv", "resolved_at");
    let out2 = out.join("no-resolved");
    let o = hokoku(&[
        "report",
        "cost",
        "--month",
        "2026-04",
        "--inputs",
        inputs.to_str().unwrap(),
        "--config",
        "tests/fixtures/cost/config",
        "--out",
        out2.to_str().unwrap(),
    ]);
    assert!(o.status.code().is_some_and(|c| c <= 1), "{o:?}");
    let f = figures(&out2.join("cost/2026/cost-monthly-2026-04.json"));
    for k in ["cost.labour_tickets", "cost.by_source.tickets"] {
        assert!(missing(&f, k), "{k} should be データなし");
    }
}

#[test]
fn days_are_computed_from_the_data_even_in_a_confirmed_month() {
    let out = tmp("cost-confirmed-day");
    // February 2026 is a confirmed month (440,100), but the month to date of
    // its last day comes from the data, and there is none before March.
    run(&["report", "cost", "--date", "2026-02-28"], &out);
    let f = figures(&out.join("cost/2026/02/cost-daily-2026-02-28.json"));
    assert!(missing(&f, "cost.mtd.total"), "not the confirmed amount");
    assert!(missing(&f, "cost.mtd.labour"));
    assert_eq!(
        num(&f, "cost.mtd.infrastructure"),
        90000.0,
        "fixed amounts are known"
    );
    assert_eq!(num(&f, "cost.mtd.budget"), 451000.0);
    // The month itself uses the confirmed amounts.
    let feb = figures(&cost_month("2026-02", &out));
    assert_eq!(num(&feb, "cost.total"), 440100.0);
    assert_eq!(num(&feb, "cost.labour"), 20000.0);
    assert!(
        missing(&feb, "cost.labour_tickets"),
        "a confirmed month does not split labour"
    );
    // March's calls are one day only, and its tickets start on 3/10: named in データ品質.
    cost_month("2026-03", &out);
    let q = json_doc(&out.join("cost/2026/cost-monthly-2026-03.json"))["data_quality"].to_string();
    assert!(
        q.contains("2026-03 の calls のデータは 2026-03-31 ～ 2026-03-31"),
        "{q}"
    );
}

#[test]
fn the_monthly_operations_report_shows_the_cost() {
    let out = tmp("cost-monthly-ops");
    run(&["report", "monthly", "--month", "2026-04"], &out);
    let f = figures(&out.join("monthly/2026/monthly-2026-04.json"));
    assert_eq!(num(&f, "cost.total"), 441989.0);
    assert_eq!(num(&f, "cost.fy.forecast"), 5303868.0);
    assert_eq!(num(&f, "cost.unit.per_job_run"), 30000.0);
    let text = pdf_text(&out.join("monthly/2026/monthly-2026-04.pdf"));
    assert!(text.contains("5,303,868円"), "section 13 shows 着地見込み");
}

#[test]
fn validate_lists_every_cost_model_problem() {
    let dir = tmp("cost-validate");
    for f in ["site.toml", "syukujitsu.csv"] {
        std::fs::copy(
            root().join("tests/fixtures/cost/config").join(f),
            dir.join(f),
        )
        .unwrap();
    }
    std::fs::write(
        dir.join("cost.toml"),
        "[labour]\ndefault_rate = -1\nhelpdesk_rate = 3000\n[labour.rates]\nincidnet = 5000\n[telephony]\nper_minute = 2\n[infrastructure]\n[storage]\nper_gib_month = 1\n[budget.2026]\nlabour = [1, 2]\ntelephony = [0,0,0,0,0,0,0,0,0,0,0,0]\ninfrastructure = [0,0,0,0,0,0,0,0,0,0,0,0]\nstorage = [0,0,0,0,0,0,0,0,0,0,0,0]\ncontracts = [0,0,0,0,0,0,0,0,0,0,0,0]\n",
    )
    .unwrap();
    let o = hokoku(&[
        "validate",
        "--inputs",
        "tests/fixtures/cost/inputs",
        "--config",
        dir.to_str().unwrap(),
    ]);
    assert_ne!(o.status.code(), Some(0));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    for s in [
        "cost.toml: labour.default_rate",
        "unknown ticket kind \"incidnet\"",
        "cost.toml: budget.2026.labour: 12 monthly amounts",
    ] {
        assert!(text.contains(s), "validate output lacks {s:?}:\n{text}");
    }
    // A missing section is an error too, not a silent 0.
    std::fs::write(
        dir.join("cost.toml"),
        "[labour]\ndefault_rate = 1\nhelpdesk_rate = 1\n",
    )
    .unwrap();
    let o = hokoku(&[
        "validate",
        "--inputs",
        "tests/fixtures/cost/inputs",
        "--config",
        dir.to_str().unwrap(),
    ]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        text.contains("cost.toml") && text.contains("telephony"),
        "{text}"
    );
}

/// The cost report from the history store equals the one from the CSVs.
#[test]
fn cost_from_the_store_is_identical() {
    let out = tmp("cost-store");
    let store = out.join("store");
    let o = hokoku(&[
        "ingest",
        FIXTURE[0],
        FIXTURE[1],
        FIXTURE[2],
        FIXTURE[3],
        "--store",
        store.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    cost_month("2026-04", &out.join("csv"));
    run(
        &[
            "report",
            "cost",
            "--month",
            "2026-04",
            "--store",
            store.to_str().unwrap(),
        ],
        &out.join("store-out"),
    );
    for ext in ["xlsx", "pdf", "json"] {
        let a =
            std::fs::read(out.join(format!("csv/cost/2026/cost-monthly-2026-04.{ext}"))).unwrap();
        let b = std::fs::read(out.join(format!("store-out/cost/2026/cost-monthly-2026-04.{ext}")))
            .unwrap();
        assert!(
            a == b,
            "cost-monthly-2026-04.{ext} differs between the store and the CSVs"
        );
    }
}

#[test]
fn cost_goldens_and_determinism() {
    let a = tmp("cost-golden-a");
    let b = tmp("cost-golden-b");
    for out in [&a, &b] {
        cost_month("2026-04", out);
        run(&["report", "cost", "--date", "2026-04-15"], out);
    }
    assert_identical_and_golden(
        &a,
        &b,
        &[
            ("cost/2026", "cost-monthly-2026-04"),
            ("cost/2026/04", "cost-daily-2026-04-15"),
        ],
    );
}
