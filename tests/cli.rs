//! The command line end to end: outputs, exit codes, figures equal across
//! workbook and JSON, byte-identical reruns, atomic outputs, validate.

mod common;
use common::*;

fn json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn fixture_day_report_exit_code_outputs_and_determinism() {
    // One row (calls.csv line 10) was set aside → exit code 1.
    let dir = fixture_outputs("fixture");
    for ext in ["xlsx", "pdf", "json", "rejected.csv", "manifest.json"] {
        assert!(
            dir.join(format!("daily-2026-10-15.{ext}")).is_file(),
            "{ext}"
        );
    }
    let rejected = std::fs::read_to_string(dir.join("daily-2026-10-15.rejected.csv")).unwrap();
    assert!(
        rejected.contains("tests/fixtures/day/inputs/calls.csv,10,answered_at,"),
        "{rejected}"
    );
    assert!(
        rejected.contains("***-****-0000") && !rejected.contains("080-9999-0000"),
        "caller must be masked: {rejected}"
    );
    let j = json(&dir.join("daily-2026-10-15.json"));
    assert_eq!(j["report"], "daily");
    assert_eq!(j["as_of"], "2026-10-16T02:00:00+09:00");
    assert_eq!(j["data_quality"][0]["line"], 10);
    assert_eq!(j["figures"]["cost.total"], serde_json::Value::Null);
    let m = json(&dir.join("daily-2026-10-15.manifest.json"));
    assert_eq!(m["rejected_rows"], 1);
    assert_eq!(m["inputs"].as_array().unwrap().len(), 5);
    assert_eq!(m["inputs"][0]["sha256"].as_str().unwrap().len(), 64);

    // A ticket title starting with "=" is text, never a formula.
    let tickets = sheet_cells(&dir.join("daily-2026-10-15.xlsx"), "2.チケット");
    let all = String::from_utf8(
        unzip(&dir.join("daily-2026-10-15.xlsx"))
            .into_iter()
            .flat_map(|(_, b)| b)
            .collect(),
    )
    .unwrap();
    assert!(!all.contains("<f>"), "no formulas in the workbook");
    assert!(
        tickets.iter().any(|(_, v)| v == "=SUM(A1) と表示される"),
        "{tickets:?}"
    );

    // Same inputs → byte-identical documents.
    let dir2 = fixture_outputs("fixture2");
    for ext in ["xlsx", "pdf", "json", "rejected.csv"] {
        let a = std::fs::read(dir.join(format!("daily-2026-10-15.{ext}"))).unwrap();
        let b = std::fs::read(dir2.join(format!("daily-2026-10-15.{ext}"))).unwrap();
        assert!(a == b, "{ext} differs between runs");
    }
    // No temporary files left behind.
    assert!(std::fs::read_dir(&dir).unwrap().all(|e| !e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .starts_with('.')));

    // --strict makes the bad row fatal and writes nothing.
    let out3 = tmp("strict");
    let o = hokoku(&[
        "report",
        "daily",
        "--date",
        "2026-10-15",
        "--inputs",
        "tests/fixtures/day/inputs",
        "--config",
        "tests/fixtures/day/config",
        "--out",
        out3.to_str().unwrap(),
        "--strict",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("calls.csv:10:answered_at"));
    assert!(!out3.join("daily").exists());
}

#[test]
fn demo_on_bundled_sample_workbook_equals_json() {
    let out = tmp("demo");
    let o = hokoku(&["demo", "--out", out.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let dir = out.join("daily/2026/10");
    let j = json(&dir.join("daily-2026-10-15.json"));
    let figs = j["figures"].as_object().unwrap();
    assert!(figs.len() > 100);
    // 指標一覧 lists every JSON figure with the same value.
    assert_figures_sheet_equals_json(&dir.join("daily-2026-10-15.xlsx"), figs);
    // The 概況 sheet shows the same numbers as the JSON.
    let summary = sheet_cells(&dir.join("daily-2026-10-15.xlsx"), "1.概況");
    let value_of = |label: &str| -> String {
        let (r, _) = summary
            .iter()
            .find(|(_, v)| v == label)
            .unwrap_or_else(|| panic!("{label}"));
        let row = &r[1..];
        summary
            .iter()
            .find(|(c, _)| c == &format!("B{row}"))
            .unwrap()
            .1
            .clone()
    };
    for (label, key) in [
        ("受付件数", "tickets.received.total"),
        ("応答率", "calls.answer_rate"),
        ("バックアップ 成功率", "backups.success_pct"),
        ("ジョブ 遅延", "jobs.late"),
        ("当日コスト", "cost.total"),
    ] {
        assert_eq!(
            value_of(label).parse::<f64>().unwrap(),
            figs[key].as_f64().unwrap(),
            "{label}"
        );
    }
    // The demo writes the cost reports of the sample's cost model too.
    let cost = out.join("cost/2026/cost-monthly-2026-10.json");
    let cj = json(&cost);
    let cf = cj["figures"].as_object().unwrap();
    assert!(cf["cost.total"].as_f64().is_some_and(|v| v > 0.0));
    assert!(
        cf["cost.fy.forecast"].as_f64().is_some(),
        "the sample's closed months give a 着地見込み"
    );
    assert_figures_sheet_equals_json(&cost.with_extension("xlsx"), cf);
    assert!(out.join("cost/2026/10/cost-daily-2026-10-15.pdf").is_file());
}

#[test]
fn validate_prints_every_problem() {
    let dir = tmp("validate");
    std::fs::create_dir_all(dir.join("in/tickets")).unwrap();
    std::fs::create_dir_all(dir.join("cfg")).unwrap();
    std::fs::write(
        dir.join("in/tickets/a.csv"),
        "ticket_id,kind\nT1,incident\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("in/calls.csv"),
        "call_id,offered_at,outcome\nC1,2026-10-15 09:00,hangup\nC2,x,answered\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("cfg/site.toml"),
        "[jobs.deadlines]\nX = \"99:00\"\n",
    )
    .unwrap();
    let o = hokoku(&[
        "validate",
        "--inputs",
        dir.join("in").to_str().unwrap(),
        "--config",
        dir.join("cfg").to_str().unwrap(),
    ]);
    let s = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(2), "{s}");
    assert!(s.contains("jobs.deadlines.X"), "{s}");
    assert!(
        s.contains("a.csv:1: missing required column opened_at"),
        "{s}"
    );
    assert!(
        s.contains("calls.csv:2:outcome: unknown value \"hangup\""),
        "{s}"
    );
    assert!(s.contains("calls.csv:3:offered_at:"), "{s}");
    let o = hokoku(&["validate"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}
