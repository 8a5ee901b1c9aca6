//! `hokoku report sla --month` end to end on the month fixture: the items,
//! their verdicts (worked out by hand from tests/kpi_month.rs's figures),
//! previous month and trend, remarks, breach details, workbook = JSON,
//! byte-identical reruns and goldens.

mod common;
use common::*;
use std::path::{Path, PathBuf};

fn run(name: &str) -> (PathBuf, std::process::Output) {
    let out = tmp(name);
    let o = report(
        &["sla", "--month", "2026-10"],
        Path::new("tests/fixtures/month/inputs"),
        Path::new("tests/fixtures/month/config"),
        &out,
        &[],
    );
    (out.join("sla/2026"), o)
}

fn json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn sla_report_end_to_end() {
    let (dir, o) = run("sla");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    for ext in ["xlsx", "pdf", "json", "manifest.json", "rejected.csv"] {
        assert!(dir.join(format!("sla-2026-10.{ext}")).is_file(), "{ext}");
    }
    let j = json(&dir.join("sla-2026-10.json"));
    assert_eq!(j["report"], "sla");
    assert_eq!(j["period"], "2026-10");
    assert_eq!(j["as_of"], "2026-11-01T02:00:00+09:00");
    let f = j["figures"].as_object().unwrap();
    // 26 items: 3 systems (SYS_A, SYS_B configured, SYS_C from an outage),
    // 8 targets × 2 clocks, 応答率 / 放棄率 / SL, backups, 2 job items, one
    // capacity series.
    // 達成: SYS_B 99.47 ≥ 99.0; incident P1 resolution, P2 response, P4
    //   response, inquiry P3 resolution; jobs final 100 ≥ 100;
    //   f1 /data p95 74.5 ≤ 80 → 7.
    // 未達: SYS_A 99.87 < 99.9, SYS_C 80.1; incident P1 response 0, P2
    //   resolution 0, P4 resolution 66.7, inquiry P3 response 80 < 90;
    //   応答率 66.7 < 90, SL 33.3 < 80 → 8.
    // 対象なし (tickets cover the month, population 0): incident P3 ×2,
    //   inquiry P1, P2, P4 ×2 = 8, and job lateness (the deadline column is
    //   there but no job has a deadline: 0 of 0 judged) → 9.
    // データなし: backups (no backup file) → 1.
    // 目標未設定: 放棄率 → 1.
    assert_eq!(f["sla_report.items"], 26.0);
    assert_eq!(f["sla_report.met"], 7.0);
    assert_eq!(f["sla_report.missed"], 8.0);
    assert_eq!(f["sla_report.no_population"], 9.0);
    assert_eq!(f["sla_report.no_data"], 1.0);
    assert_eq!(f["sla_report.no_target"], 1.0);
    // The items tell 対象なし from データなし without parsing text.
    let items = j["items"].as_array().unwrap();
    assert_eq!(items.len(), 26);
    let item = |k: &str| {
        items
            .iter()
            .find(|i| i["key"] == k)
            .unwrap_or_else(|| panic!("{k}"))
    };
    let p3 = item("sla.response.incident.p3.compliance_pct");
    assert_eq!(p3["verdict"], "no_population");
    assert!(p3["actual"].is_null());
    assert_eq!(
        (p3["target"].as_f64(), p3["comparator"].as_str()),
        (Some(90.0), Some("min"))
    );
    assert_eq!(item("backups.success_pct")["verdict"], "no_data");
    assert_eq!(item("jobs.late")["verdict"], "no_population");
    assert_eq!(item("availability.SYS_A.pct")["verdict"], "missed");
    assert_eq!(item("calls.abandon_rate")["verdict"], "no_target");
    // figures.md keys, previous month (September: no data) and the trend.
    assert_eq!(f["sla.response.inquiry.p3.compliance_pct"], 80.0);
    assert_eq!(f["availability.SYS_A.pct"], 99.86541);
    assert!(f["previous.sla.response.inquiry.p3.compliance_pct"].is_null());
    assert_eq!(
        f["trend.2026-10.sla.response.inquiry.p3.compliance_pct"],
        80.0
    );
    assert!(f["trend.2025-11.availability.SYS_A.pct"].is_null());
    assert!(f.contains_key("trend.2026-09.calls.answer_rate"));

    // The summary sheet shows each item's verdict; the workbook's 指標一覧
    // equals the JSON.
    let xlsx = dir.join("sla-2026-10.xlsx");
    let summary = sheet_cells(&xlsx, "1.SLA遵守状況");
    let verdict_of = |label: &str| -> String {
        let (r, _) = summary
            .iter()
            .find(|(_, v)| v == label)
            .unwrap_or_else(|| panic!("{label} in {summary:?}"));
        let row = &r[1..];
        summary
            .iter()
            .find(|(c, _)| c == &format!("E{row}"))
            .unwrap()
            .1
            .clone()
    };
    assert_eq!(verdict_of("稼働率 SYS_A"), "未達");
    assert_eq!(verdict_of("稼働率 SYS_B"), "達成");
    assert_eq!(verdict_of("インシデント 緊急 応答 遵守率"), "未達");
    assert_eq!(verdict_of("問い合わせ 緊急 応答 遵守率"), "対象なし");
    assert_eq!(verdict_of("放棄率"), "目標未設定");
    assert_eq!(verdict_of("ジョブ遅延件数"), "対象なし");
    assert_eq!(verdict_of("バックアップ成功率"), "データなし");
    assert_figures_sheet_equals_json(&xlsx, f);

    // Breach details and remarks in the PDF text.
    let txt = pdf_text(&dir.join("sla-2026-10.pdf"));
    for want in [
        "SLA遵守状況報告",
        "令和8年10月",
        "S6",
        "S7",
        "O5",
        "夜間待機者への連絡に時間を要したため。",
        "終了未記録",
        "見出し「存在しない項目」",
    ] {
        assert!(txt.contains(want), "PDF lacks {want:?}");
    }
    // 未達 items without a reason are reported for the overnight log.
    assert!(
        stderr.contains("未達 without a reason") && stderr.contains("availability.SYS_A.pct"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("sla.response.incident.p1.compliance_pct"),
        "{stderr}"
    );

    // Byte-identical rerun, and the workbook XML and PDF text against the
    // goldens under tests/golden/sla-2026-10/.
    let (dir2, o2) = run("sla2");
    assert_eq!(o2.status.code(), Some(0));
    assert_identical_and_golden(&dir, &dir2, &[("", "sla-2026-10")]);
}

#[test]
fn bad_month_is_refused() {
    let o = hokoku(&["report", "sla", "--month", "2026-13"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a month"));
}

#[test]
fn the_monthly_summary_lists_misses_before_no_data() {
    // The month fixture has 未達 items (SYS_A, SYS_C, …) and one データなし
    // (backups, no file); the SLA report's order puts availability first
    // and backups later, but the monthly §2 list puts every 未達 first.
    // With the disk warning level at 50 %, f1 /data (p95 74.5 %) is 未達
    // too: a capacity item, after backups in item order.
    let out = tmp("sla-monthly-order");
    let cfg = out.join("config");
    std::fs::create_dir_all(&cfg).unwrap();
    for e in std::fs::read_dir("tests/fixtures/month/config")
        .unwrap()
        .flatten()
    {
        std::fs::copy(e.path(), cfg.join(e.file_name())).unwrap();
    }
    let mut site = std::fs::read_to_string(cfg.join("site.toml")).unwrap();
    site.push_str("\n[capacity.metrics.disk_pct]\nwarn = 50\ncrit = 90\n");
    std::fs::write(cfg.join("site.toml"), site).unwrap();
    let o = report(
        &["monthly", "--month", "2026-10"],
        Path::new("tests/fixtures/month/inputs"),
        &cfg,
        &out,
        &[],
    );
    assert!(o.status.code().is_some_and(|c| c <= 1), "{o:?}");
    let xlsx = out.join("monthly/2026/monthly-2026-10.xlsx");
    let cells = sheet_cells(&xlsx, "2.サービスレベル遵守状況");
    // The 判定 column (E) of the list, top to bottom, after its header.
    let (hdr, _) = cells
        .iter()
        .find(|(_, v)| v == "未達・データなしの項目")
        .expect("the list");
    let start: u32 = hdr[1..].parse().unwrap();
    let mut verdicts: Vec<(u32, String)> = cells
        .iter()
        .filter(|(c, _)| c.starts_with('E'))
        .filter_map(|(c, v)| Some((c[1..].parse::<u32>().ok()?, v.clone())))
        .filter(|(r, v)| *r > start + 1 && (v == "未達" || v == "データなし"))
        .collect();
    verdicts.sort();
    let v: Vec<&str> = verdicts.iter().map(|(_, v)| v.as_str()).collect();
    let first_no_data = v
        .iter()
        .position(|x| *x == "データなし")
        .expect("a データなし item");
    assert!(first_no_data > 0, "{v:?}");
    assert!(
        v[first_no_data..].iter().all(|x| *x == "データなし"),
        "{v:?}"
    );
}
