//! Figures at the edges (issue 15), each worked out by hand from the small
//! inputs written here: what a source covers, 対象なし against データなし,
//! optional columns, flags that name file and line, backups on 営業日, and
//! reasons in Japanese.

mod common;
use common::*;
use hokoku::ingest::SourceId;
use hokoku::kpi::{self, Fig, Figures};
use hokoku::time::Period;
use std::path::{Path, PathBuf};

/// The month fixture's config (calendars, SYS_A 24x7 99.9 %, SYS_B
/// business 99.0 %, SLA targets) with `extra` appended to site.toml.
fn config(name: &str, extra: &str) -> PathBuf {
    let dir = tmp(&format!("{name}-cfg"));
    let src = root().join("tests/fixtures/month/config");
    for e in std::fs::read_dir(&src).unwrap().flatten() {
        std::fs::copy(e.path(), dir.join(e.file_name())).unwrap();
    }
    let mut site = std::fs::read_to_string(dir.join("site.toml")).unwrap();
    site.push('\n');
    site.push_str(extra);
    std::fs::write(dir.join("site.toml"), site).unwrap();
    dir
}

/// An inputs folder with `files` (relative path, content).
fn inputs(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = tmp(&format!("{name}-in"));
    for (rel, text) in files {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

fn month_figures(inputs: &Path, cfg: &Path, m: &str) -> (hokoku::ingest::Dataset, Figures) {
    let cfg = hokoku::config::load(cfg).unwrap();
    let ds = hokoku::ingest::load(inputs, &hokoku::ingest::Catalogue::compile(&cfg).unwrap());
    assert!(ds.errors.is_empty(), "{:?}", ds.errors);
    let (clocks, _) = kpi::sla::clocks_of(
        ds.get(SourceId::Tickets),
        ds.get(SourceId::TicketStatusHistory),
        &cfg.sla_targets,
        &cfg.calendars,
    )
    .unwrap();
    let f = kpi::compute_period(
        &ds,
        &cfg,
        Period::parse_month(m).unwrap(),
        clocks.as_deref(),
    )
    .unwrap()
    .figures();
    (ds, f)
}

const TICKETS_HEADER: &str = "ticket_id,title,kind,opened_at,updated_at,resolved_at,status,priority,system,service_impact,outage_start,outage_end,planned\n";
/// An outage of SYS_A from 28 September, still open: every timestamp of
/// this row is in September.
const OPEN_OUTAGE: &str = "T1,共通基盤停止,incident,2026-09-28 10:00,2026-09-28 10:00,,in_progress,1,SYS_A,outage,2026-09-28 10:00,,false\n";

#[test]
fn a_source_covers_a_month_by_every_timestamp_and_by_what_its_file_says() {
    let cfg = config(
        "cover",
        "[[sources.tickets.files]]\nglob = \"snap/*.csv\"\ncovers = \"name\"\n",
    );
    // 1. Only September timestamps, no declaration: October is データなし
    //    for everything tickets feed (collection may have failed).
    let only_sep = inputs(
        "cover-a",
        &[("tickets.csv", &format!("{TICKETS_HEADER}{OPEN_OUTAGE}"))],
    );
    let (ds, f) = month_figures(&only_sep, &cfg, "2026-10");
    assert_eq!(f.fig("availability.SYS_A.pct"), Fig::NoData);
    assert_eq!(f.fig("tickets.received.total"), Fig::NoData);
    // … but the open outage is named (tickets.csv line 2), with how to say
    // what the export covers.
    let a = kpi::availability::compute(
        ds.get(SourceId::Tickets),
        Period::parse_month("2026-10").unwrap(),
        &hokoku::config::load(&cfg).unwrap(),
    )
    .unwrap();
    let open: Vec<_> = a
        .open_uncovered
        .iter()
        .map(|r| (r.id.as_str(), r.line))
        .collect();
    assert_eq!(open, [("T1", Some(2))]);

    // 2. The same row in an export named for 1 November with covers =
    //    "name": the snapshot covers October. SYS_A (24x7) was down the
    //    whole month: S = 31 × 1440 = 44,640 min, U = 44,640, P = 0 →
    //    稼働率 (S − P − U) / (S − P) = 0 %. SYS_B had no outage: 100 %.
    //    Received 0 (nothing opened in October), backlog 1 (T1).
    let snap = inputs(
        "cover-b",
        &[(
            "snap/tickets-20261101.csv",
            &format!("{TICKETS_HEADER}{OPEN_OUTAGE}"),
        )],
    );
    let (ds, f) = month_figures(&snap, &cfg, "2026-10");
    assert_eq!(f.get("availability.SYS_A.service_min"), Some(44_640.0));
    assert_eq!(f.get("availability.SYS_A.unplanned_min"), Some(44_640.0));
    assert_eq!(f.get("availability.SYS_A.pct"), Some(0.0));
    assert_eq!(f.get("availability.SYS_B.pct"), Some(100.0));
    assert_eq!(f.get("tickets.received.total"), Some(0.0));
    assert_eq!(f.get("tickets.backlog.total"), Some(1.0));
    assert_eq!(ds.files[0].covers.as_deref(), Some("2026-11-01"));

    // 3. A ticket opened in September and resolved on 2 October makes the
    //    export cover October by its resolution time: resolved 1, received
    //    0, and T1's outage gives 0 % again.
    let resolved = "T2,問い合わせ,inquiry,2026-09-30 17:00,2026-10-02 10:00,2026-10-02 10:00,resolved,3,SYS_B,,,,\n";
    let both = inputs(
        "cover-c",
        &[(
            "tickets.csv",
            &format!("{TICKETS_HEADER}{OPEN_OUTAGE}{resolved}"),
        )],
    );
    let (_, f) = month_figures(&both, &cfg, "2026-10");
    assert_eq!(f.get("tickets.resolved.total"), Some(1.0));
    assert_eq!(f.get("tickets.received.total"), Some(0.0));
    assert_eq!(f.get("availability.SYS_A.pct"), Some(0.0));
}

#[test]
fn the_whole_month_down_is_a_missed_sla_item_with_its_file_and_line() {
    let cfg = config(
        "down",
        "[[sources.tickets.files]]\nglob = \"snap/*.csv\"\ncovers = \"name\"\n",
    );
    let inp = inputs(
        "down",
        &[(
            "snap/tickets-20261101.csv",
            &format!("{TICKETS_HEADER}{OPEN_OUTAGE}"),
        )],
    );
    let out = tmp("down-out");
    let o = report(&["sla", "--month", "2026-10"], &inp, &cfg, &out, &[]);
    assert!(
        o.status.code() == Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let j = json_doc(&out.join("sla/2026/sla-2026-10.json"));
    let items = j["items"].as_array().unwrap();
    let a = items
        .iter()
        .find(|i| i["key"] == "availability.SYS_A.pct")
        .unwrap();
    assert_eq!(
        (a["actual"].as_f64(), a["verdict"].as_str()),
        (Some(0.0), Some("missed"))
    );
    // The flags name the file, the physical line (header = 1, T1 = 2) and
    // the column, with a stable code and the reason in Japanese.
    let dq = j["data_quality"].as_array().unwrap();
    let file = inp.join("snap/tickets-20261101.csv").display().to_string();
    for (code, column, words) in [
        (
            "outage_no_end",
            "outage_end",
            "停止チケット T1 に停止終了がありません",
        ),
        (
            "outage_whole_period",
            "outage_start",
            "SYS_A は対象期間のすべてで停止していました",
        ),
    ] {
        let n = dq
            .iter()
            .find(|n| n["code"] == code)
            .unwrap_or_else(|| panic!("no {code} in {dq:?}"));
        assert_eq!(n["file"], file.as_str());
        assert_eq!(n["line"], 2);
        assert_eq!(n["column"], column);
        assert!(n["reason"].as_str().unwrap().contains(words), "{n}");
    }
    // The workbook's データ品質 sheet shows the same Japanese words.
    let cells = sheet_cells(&out.join("sla/2026/sla-2026-10.xlsx"), "5.データ品質");
    assert!(
        cells
            .iter()
            .any(|(_, v)| v.contains("停止チケット T1 に停止終了がありません")),
        "{cells:?}"
    );
}

#[test]
fn nothing_to_count_is_no_population_not_no_data() {
    let cfg = config("nopop", "");
    // Jobs and calls on the 14th and the 16th: the 15th is covered (the
    // data spans it) but has no instance and no call.
    let jobs = "job_name,scheduled_at,started_at,ended_at,status,attempt,deadline\n\
J1,2026-10-14 01:00,2026-10-14 01:00,2026-10-14 01:10,success,1,2026-10-14 03:00\n\
J1,2026-10-16 01:00,2026-10-16 01:00,2026-10-16 01:10,success,1,2026-10-16 03:00\n";
    let calls = "call_id,offered_at,answered_at,ended_at,outcome,talk_seconds\n\
C1,2026-10-14 10:00:00,2026-10-14 10:00:10,2026-10-14 10:05:00,answered,290\n\
C2,2026-10-16 10:00:00,2026-10-16 10:00:30,2026-10-16 10:02:00,answered,90\n";
    let inp = inputs("nopop", &[("job_runs.csv", jobs), ("calls.csv", calls)]);
    let cfg_l = hokoku::config::load(&cfg).unwrap();
    let ds = hokoku::ingest::load(&inp, &hokoku::ingest::Catalogue::compile(&cfg_l).unwrap());
    let day = Period::day(chrono::NaiveDate::from_ymd_opt(2026, 10, 15).unwrap());
    let j = kpi::jobs::compute(ds.get(SourceId::JobRuns), day, &cfg_l.deadlines)
        .unwrap()
        .figures;
    // 0 instances: counts are 0 (the same report shows 0 failed), rates 対象なし.
    assert_eq!(j.fig("jobs.instances"), Fig::Value(0.0));
    assert_eq!(j.fig("jobs.failed_instances"), Fig::Value(0.0));
    assert_eq!(j.fig("jobs.late"), Fig::Value(0.0));
    assert_eq!(j.fig("jobs.final_success_pct"), Fig::NoPopulation);
    assert_eq!(j.fig("jobs.duration_anomalies"), Fig::Value(0.0));
    let c = kpi::calls::compute(ds.get(SourceId::Calls), day, &cfg_l.site.calls, 80.0)
        .unwrap()
        .figures;
    assert_eq!(c.fig("calls.offered"), Fig::Value(0.0));
    assert_eq!(c.fig("calls.answer_rate"), Fig::NoPopulation);
    assert_eq!(c.fig("calls.asa_s"), Fig::NoPopulation);
    // The 14th has data: J1 ended 01:10 before its 03:00 deadline → 0 late
    // of 1 judged; C1 waited 10 s → ASA 10 s, SL 100 %.
    let d14 = Period::day(chrono::NaiveDate::from_ymd_opt(2026, 10, 14).unwrap());
    let j = kpi::jobs::compute(ds.get(SourceId::JobRuns), d14, &cfg_l.deadlines)
        .unwrap()
        .figures;
    assert_eq!(
        (j.get("jobs.late"), j.get("jobs.with_deadline")),
        (Some(0.0), Some(1.0))
    );
    let c = kpi::calls::compute(ds.get(SourceId::Calls), d14, &cfg_l.site.calls, 80.0)
        .unwrap()
        .figures;
    assert_eq!(
        (c.get("calls.asa_s"), c.get("calls.service_level")),
        (Some(10.0), Some(100.0))
    );
    // A day outside the data (the 20th) is データなし, not 0.
    let d20 = Period::day(chrono::NaiveDate::from_ymd_opt(2026, 10, 20).unwrap());
    let j = kpi::jobs::compute(ds.get(SourceId::JobRuns), d20, &cfg_l.deadlines)
        .unwrap()
        .figures;
    assert_eq!(j.fig("jobs.instances"), Fig::NoData);
    assert_eq!(j.fig("jobs.late"), Fig::NoData);
}

#[test]
fn a_column_the_export_does_not_have_is_no_data_never_zero() {
    let cfg = config("optional", "");
    // Tickets with only the required columns (a minimal export): no class,
    // result, channel, category or resolution time.
    let tickets = "ticket_id,kind,opened_at,status,priority\n\
C1,change,2026-10-05 10:00,closed,3\n\
C2,change,2026-10-06 10:00,closed,3\n\
I1,inquiry,2026-10-07 10:00,closed,3\n";
    // Jobs without attempt, scheduled_at or deadline (and the config has
    // no deadlines): reruns, first-run success and lateness are unknown.
    let jobs = "job_name,started_at,ended_at,status\n\
J1,2026-10-05 01:00,2026-10-05 01:10,failed\n\
J1,2026-10-05 01:20,2026-10-05 01:30,success\n";
    // Calls without answered_at or ended_at: waits unknown.
    let calls =
        "call_id,offered_at,outcome\nC1,2026-10-05 10:00,answered\nC2,2026-10-05 10:01,abandoned\n";
    let inp = inputs(
        "optional",
        &[
            ("tickets.csv", tickets),
            ("job_runs.csv", jobs),
            ("calls.csv", calls),
        ],
    );
    let (ds, f) = month_figures(&inp, &cfg, "2026-10");
    // Counted from required columns: 2 changes, 3 received.
    assert_eq!(f.get("changes.total"), Some(2.0));
    assert_eq!(f.get("tickets.received.total"), Some(3.0));
    for k in [
        "changes.by_class.emergency",
        "changes.by_class.standard",
        "changes.emergency_pct",
        "changes.success_pct",
        "tickets.resolved.total",
        "tickets.backlog.total",
        "tickets.fcr_pct",
        "tickets.escalation_pct",
        "tickets.reopen_pct",
        "jobs.reruns",
        "jobs.first_run_success_pct",
        "jobs.late",
        "calls.short_abandons",
        "calls.service_level",
        "calls.asa_s",
        "calls.aht_s",
    ] {
        assert_eq!(f.fig(k), Fig::NoData, "{k} must be データなし");
    }
    // The monthly class × result table too: no class and no result
    // column, so no cell may say 0件.
    let itsm = hokoku::kpi::itsm::compute(
        ds.get(SourceId::Tickets),
        Period::parse_month("2026-10").unwrap(),
    )
    .unwrap()
    .figures;
    for k in [
        "changes.by_class_result.emergency.success",
        "changes.by_class_result.unset.none",
    ] {
        assert!(itsm.0.contains_key(k), "{k} is reported");
        assert_eq!(itsm.fig(k), Fig::NoData, "{k} must be データなし");
    }
    // What the required columns do tell: 2 rows of J1 without attempt
    // numbers are 2 instances, 1 failed; 1 of 2 calls answered.
    assert_eq!(f.get("jobs.instances"), Some(2.0));
    assert_eq!(f.get("jobs.final_success_pct"), Some(50.0));
    assert_eq!(f.get("calls.answer_rate"), Some(50.0));
    // validate says which figures are データなし and why.
    let o = hokoku(&[
        "validate",
        "--inputs",
        inp.to_str().unwrap(),
        "--config",
        cfg.to_str().unwrap(),
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("missing\ttickets: no file has change_class: データなし for changes.by_class.*, changes.emergency_pct"), "{out}");
    assert!(
        out.contains("missing\tjob_runs: no file has deadline"),
        "{out}"
    );
}

#[test]
fn flags_on_rows_name_file_and_line() {
    let cfg = config("flags", "");
    // A job run repeated in a second export (the later file wins), a
    // cancelled ticket with a resolution time, a ticket twice in one file.
    let jobs_a = "job_name,host,started_at,ended_at,status,attempt\nJ1,h1,2026-10-05 01:00,2026-10-05 01:10,failed,1\nJ1,h2,2026-10-05 01:00,2026-10-05 01:12,success,1\n";
    let jobs_b = "job_name,host,started_at,ended_at,status,attempt\nJ1,h1,2026-10-05 01:00,2026-10-05 01:10,success,1\n";
    let tickets = "ticket_id,kind,opened_at,updated_at,resolved_at,status,priority\n\
X1,request,2026-10-05 10:00,2026-10-05 12:00,2026-10-05 12:00,cancelled,3\n\
X2,request,2026-10-05 10:00,2026-10-05 11:00,,new,3\n\
X2,request,2026-10-05 10:00,2026-10-05 13:00,,in_progress,3\n";
    let inp = inputs(
        "flags",
        &[
            ("job_runs/a.csv", jobs_a),
            ("job_runs/b.csv", jobs_b),
            ("tickets.csv", tickets),
        ],
    );
    let (ds, f) = month_figures(&inp, &cfg, "2026-10");
    // Same job on two hosts in the same second: two runs, not one; the
    // second export's h1 row replaces the first's.
    assert_eq!(f.get("jobs.runs"), Some(2.0));
    assert_eq!(f.get("jobs.failed_instances"), Some(0.0));
    let sup = ds
        .flags
        .iter()
        .find(|x| x.problem.code == "superseded")
        .unwrap();
    assert_eq!(
        (ds.input(sup.file), sup.line),
        (
            inp.join("job_runs/a.csv").display().to_string().as_str(),
            Some(2)
        )
    );
    assert!(
        sup.problem.args[1].ends_with("job_runs/b.csv:2"),
        "{:?}",
        sup.problem
    );
    let rep = ds
        .flags
        .iter()
        .find(|x| x.problem.code == "duplicate_key")
        .unwrap();
    assert_eq!((rep.line, rep.problem.args[1].as_str()), (Some(4), "3"));
    // The cancelled ticket with resolved_at is still resolved (kpis.md) and flagged.
    assert_eq!(f.get("tickets.resolved.total"), Some(1.0));
    let k = kpi::tickets::compute(
        ds.get(SourceId::Tickets),
        Period::parse_month("2026-10").unwrap(),
        10,
    )
    .unwrap();
    let c = &k.flags[0];
    assert_eq!(
        (c.problem.code, c.line, c.column.as_str()),
        ("cancelled_resolved", Some(2), "resolved_at")
    );
}

#[test]
fn backups_on_business_days_skip_public_holidays() {
    // 文化の日 (3 November 2026) is a Tuesday: a weekdays backup is due, a
    // business_days backup is not. 4 November is due for both.
    let cfg = config(
        "biz",
        "[[backups.expected]]\ntarget = \"biz\"\nschedule = \"business_days\"\n[[backups.expected]]\ntarget = \"wd\"\nschedule = \"weekdays\"\n",
    );
    let backups = "target,started_at,status\nwd,2026-11-03 01:00,success\nbiz,2026-11-04 01:00,success\nwd,2026-11-04 01:00,success\n";
    let inp = inputs("biz", &[("backups.csv", backups)]);
    let cfg_l = hokoku::config::load(&cfg).unwrap();
    let ds = hokoku::ingest::load(&inp, &hokoku::ingest::Catalogue::compile(&cfg_l).unwrap());
    let day = |d| Period::day(chrono::NaiveDate::from_ymd_opt(2026, 11, d).unwrap());
    let f3 = kpi::backups::compute(
        ds.get(SourceId::Backups),
        day(3),
        &cfg_l.expected_backups,
        cfg_l.calendars.rule.as_ref(),
    )
    .unwrap()
    .figures;
    assert_eq!(
        (f3.get("backups.expected"), f3.get("backups.missing")),
        (Some(1.0), Some(0.0))
    );
    let f4 = kpi::backups::compute(
        ds.get(SourceId::Backups),
        day(4),
        &cfg_l.expected_backups,
        cfg_l.calendars.rule.as_ref(),
    )
    .unwrap()
    .figures;
    assert_eq!(
        (f4.get("backups.expected"), f4.get("backups.success")),
        (Some(2.0), Some(2.0))
    );
}

#[test]
fn reasons_are_japanese_in_documents_with_a_code_in_the_json() {
    let out = tmp("ja-out");
    let o = fixture_report(&out);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let dir = out.join("daily/2026/10");
    let j = json_doc(&dir.join("daily-2026-10-15.json"));
    let dq = j["data_quality"].as_array().unwrap();
    let bad = dq
        .iter()
        .find(|n| n["line"].is_number() && n["code"] != "duplicate_key")
        .unwrap();
    // The fixture's bad row has "not a time" in a datetime column.
    assert_eq!(bad["code"], "not_datetime");
    assert_eq!(
        bad["reason"],
        "日時として読めません：\"not a time\"（例：2026-10-01T09:15:00+09:00、2026/10/1 9:15）"
    );
    // The rejected-rows file carries the code and the same words.
    let rejected = std::fs::read_to_string(dir.join("daily-2026-10-15.rejected.csv")).unwrap();
    assert!(
        rejected.starts_with("file,line,column,code,reason,record\n"),
        "{rejected}"
    );
    assert!(
        rejected.contains(",not_datetime,\"日時として読めません"),
        "{rejected}"
    );
}

#[test]
fn a_row_repeated_unchanged_is_counted_once_and_said() {
    let cfg = config("repeat", "");
    // a.csv lists call C1 twice, identically (a careless export), and C2;
    // b.csv (an overlapping export) repeats C2 unchanged and adds C3.
    let h = "call_id,queue,offered_at,answered_at,ended_at,outcome\n";
    let c1 = "C1,hd,2026-10-05 10:00:00,2026-10-05 10:00:10,2026-10-05 10:05:00,answered\n";
    let c2 = "C2,hd,2026-10-05 11:00:00,,2026-10-05 11:01:00,abandoned\n";
    let c3 = "C3,hd,2026-10-06 11:00:00,2026-10-06 11:00:30,2026-10-06 11:03:00,answered\n";
    let inp = inputs(
        "repeat",
        &[
            ("calls/a.csv", &format!("{h}{c1}{c2}{c1}")),
            ("calls/b.csv", &format!("{h}{c2}{c3}")),
        ],
    );
    let (ds, f) = month_figures(&inp, &cfg, "2026-10");
    // Three calls, not five: C1, C2, C3 offered; C1 and C3 answered.
    assert_eq!(f.get("calls.offered"), Some(3.0));
    assert_eq!(f.get("calls.answered"), Some(2.0));
    // The repeat inside a.csv is flagged at its first line (line 2; line 4
    // is the row kept) …
    let rep: Vec<_> = ds
        .flags
        .iter()
        .filter(|x| x.problem.code == "repeated_row")
        .collect();
    assert_eq!(rep.len(), 1, "{:?}", ds.flags);
    assert_eq!(
        (
            ds.input(rep[0].file),
            rep[0].line,
            rep[0].problem.args[1].as_str()
        ),
        (
            inp.join("calls/a.csv").display().to_string().as_str(),
            Some(2),
            "4"
        )
    );
    // … and C2 read again from b.csv is counted in a.csv's manifest entry
    // (its row there is the one dropped), not flagged.
    let a = ds.files.iter().find(|r| r.file.ends_with("a.csv")).unwrap();
    let b = ds.files.iter().find(|r| r.file.ends_with("b.csv")).unwrap();
    assert_eq!((a.rows, a.accepted, a.repeated), (3, 3, 1));
    assert_eq!((b.rows, b.accepted, b.repeated), (2, 2, 0));
}

#[test]
fn a_row_whose_events_are_out_of_order_is_set_aside_with_its_line() {
    let cfg = config("order", "");
    // calls: C1 fine; C2 answered 10 s *before* it was offered (would give
    // a negative ASA); C3 ends before it is answered.
    let calls = "call_id,queue,offered_at,answered_at,ended_at,outcome\n\
C1,hd,2026-10-05 10:00:00,2026-10-05 10:00:20,2026-10-05 10:05:00,answered\n\
C2,hd,2026-10-05 11:00:00,2026-10-05 10:59:50,2026-10-05 11:04:00,answered\n\
C3,hd,2026-10-05 12:00:00,2026-10-05 12:00:30,2026-10-05 12:00:10,answered\n";
    // tickets: T1 an outage of SYS_A that "ends" an hour before it starts
    // (would give 100 %); T2 resolved before it was opened (a 0-minute
    // clock); T3 fine, resolved in 2 h.
    let tickets = format!(
        "{TICKETS_HEADER}\
T1,障害,incident,2026-10-05 10:00,2026-10-05 12:00,2026-10-05 12:00,resolved,1,SYS_A,outage,2026-10-05 10:00,2026-10-05 09:00,false\n\
T2,問合せ,inquiry,2026-10-06 10:00,2026-10-06 10:00,2026-10-06 09:00,resolved,3,SYS_B,,,,\n\
T3,問合せ,inquiry,2026-10-07 10:00,2026-10-07 12:00,2026-10-07 12:00,resolved,3,SYS_B,,,,\n"
    );
    // job_runs: J2 ends before it starts.
    let jobs = "job_name,host,started_at,ended_at,status,attempt\n\
J1,h1,2026-10-05 01:00,2026-10-05 01:10,success,1\n\
J2,h1,2026-10-05 02:00,2026-10-05 01:59,success,1\n";
    let inp = inputs(
        "order",
        &[
            ("calls.csv", calls),
            ("tickets.csv", &tickets),
            ("job_runs.csv", jobs),
        ],
    );
    let (ds, f) = month_figures(&inp, &cfg, "2026-10");
    let at = |file: &str| -> Vec<(u64, String)> {
        let mut v: Vec<_> = ds
            .issues
            .iter()
            .filter(|i| i.file.ends_with(file) && i.problem.code == "out_of_order")
            .map(|i| (i.line, i.column.clone()))
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        at("calls.csv"),
        [(3, "answered_at".to_string()), (4, "ended_at".to_string())]
    );
    assert_eq!(
        at("tickets.csv"),
        [
            (2, "outage_end".to_string()),
            (3, "resolved_at".to_string())
        ]
    );
    assert_eq!(at("job_runs.csv"), [(3, "ended_at".to_string())]);
    // What is left is counted: 1 call offered and answered after 20 s; 1
    // ticket resolved; 1 job run.
    assert_eq!(f.get("calls.offered"), Some(1.0));
    assert_eq!(f.get("calls.asa_s"), Some(20.0));
    assert_eq!(f.get("tickets.resolved.total"), Some(1.0));
    assert_eq!(f.get("jobs.runs"), Some(1.0));
    // Counted as rejected in each file's manifest entry.
    let calls = ds
        .files
        .iter()
        .find(|r| r.file.ends_with("calls.csv"))
        .unwrap();
    assert_eq!((calls.rows, calls.accepted, calls.rejected), (3, 1, 2));
    // The reason names the columns by their Japanese headers.
    let tpl = hokoku::report::template::load(&root().join("templates")).unwrap();
    let t1 = ds
        .issues
        .iter()
        .find(|i| i.line == 2 && i.file.ends_with("tickets.csv"))
        .unwrap();
    assert_eq!(
        tpl.problem(&t1.problem),
        "停止終了（2026-10-05 09:00:00）が停止開始（2026-10-05 10:00:00）より前です：時刻の前後が逆のため、この行は集計から除外しました"
    );
}

#[test]
fn late_jobs_with_no_deadline_to_miss_are_no_population_in_the_daily_report() {
    let cfg = config("late0", "");
    // The deadline column is there, empty for both runs: 0 late of 0
    // judged → 対象なし, never ○.
    let jobs = "job_name,host,started_at,ended_at,status,attempt,deadline\n\
J1,h1,2026-10-05 01:00,2026-10-05 01:10,success,1,\n\
J2,h1,2026-10-05 02:00,2026-10-05 02:10,success,1,\n";
    let inp = inputs("late0", &[("job_runs.csv", jobs)]);
    let out = tmp("late0-out");
    let o = report(&["daily", "--date", "2026-10-05"], &inp, &cfg, &out, &[]);
    assert!(o.status.code().is_some_and(|c| c <= 1), "{o:?}");
    let j = json_doc(&out.join("daily/2026/10/daily-2026-10-05.json"));
    assert_eq!(j["figures"]["jobs.late"], 0.0);
    assert_eq!(j["figures"]["jobs.with_deadline"], 0.0);
    let item = j["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["key"] == "jobs.late")
        .expect("jobs.late is judged");
    assert_eq!(item["verdict"], "no_population", "{item}");
    // … and the PDF says so in the mark column: the row's runs are the
    // label, 0件, the goal 0件以下 and the mark.
    let text = pdf_text(&out.join("daily/2026/10/daily-2026-10-05.pdf"));
    let lines: Vec<&str> = text.lines().collect();
    let at = lines.iter().position(|l| *l == "ジョブ 遅延").expect("row");
    assert_eq!(
        &lines[at..at + 4],
        ["ジョブ 遅延", "0件", "0件以下", "対象なし"]
    );
}

#[test]
fn change_counts_by_class_need_no_result_column() {
    let cfg = config("classonly", "");
    // Two changes opened in October: C1 緊急, C2 without a class; the
    // export has change_class but no result column.
    let tickets = "ticket_id,kind,opened_at,status,priority,change_class\n\
C1,change,2026-10-05 10:00,closed,3,emergency\n\
C2,change,2026-10-06 10:00,closed,3,\n";
    let inp = inputs("classonly", &[("tickets.csv", tickets)]);
    let out = tmp("classonly-out");
    let o = report(&["monthly", "--month", "2026-10"], &inp, &cfg, &out, &[]);
    assert!(o.status.code().is_some_and(|c| c <= 1), "{o:?}");
    let xlsx = out.join("monthly/2026/monthly-2026-10.xlsx");
    let cells = sheet_cells(&xlsx, "5.変更管理");
    let right_of = |label: &str| -> String {
        let (r, _) = cells
            .iter()
            .find(|(_, v)| v == label)
            .unwrap_or_else(|| panic!("{label} in {cells:?}"));
        let row = &r[1..];
        cells
            .iter()
            .find(|(c, _)| c == &format!("B{row}"))
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    // 件数: 緊急 1, （未設定） 1 (2 changes − 1 classed); the result
    // columns are データなし.
    assert_eq!(right_of("緊急"), "1");
    assert_eq!(right_of("（未設定）"), "1");
    // 変更一覧 (C1 and C2): no result column → データなし, not 結果未記録.
    let text = pdf_text(&out.join("monthly/2026/monthly-2026-10.pdf"));
    let list = &text[text.find("変更一覧").expect("the list")..];
    let rows = &list[..list.find("6. ").unwrap_or(list.len())];
    assert!(!rows.contains("結果未記録"), "{rows}");
    assert!(rows.contains("データなし"), "{rows}");
}

#[test]
fn a_row_repeated_in_its_file_and_in_another_is_said_once_each_way() {
    let cfg = config("repeat2", "");
    let h = "call_id,queue,offered_at,answered_at,ended_at,outcome\n";
    let c1 = "C1,hd,2026-10-05 10:00:00,2026-10-05 10:00:10,2026-10-05 10:05:00,answered\n";
    // a.csv: C1 on lines 2 and 3; b.csv: C1 again on line 2 (the one kept).
    let inp = inputs(
        "repeat2",
        &[
            ("calls/a.csv", &format!("{h}{c1}{c1}")),
            ("calls/b.csv", &format!("{h}{c1}")),
        ],
    );
    let (ds, f) = month_figures(&inp, &cfg, "2026-10");
    assert_eq!(f.get("calls.offered"), Some(1.0));
    // a.csv line 2 repeats its line 3 (flagged); a.csv line 3 repeats
    // b.csv's row (counted in a.csv's `repeated`).
    let rep: Vec<_> = ds
        .flags
        .iter()
        .filter(|x| x.problem.code == "repeated_row")
        .map(|x| (x.line, x.problem.args[1].clone()))
        .collect();
    assert_eq!(rep, [(Some(2), "3".to_string())]);
    let a = ds.files.iter().find(|r| r.file.ends_with("a.csv")).unwrap();
    assert_eq!(a.repeated, 1);

    // Lines 2 and 3 identical, line 4 changed: line 2 repeats line 3;
    // line 3 is replaced by line 4.
    let j = "job_name,host,started_at,ended_at,status,attempt\n";
    let r1 = "J1,h1,2026-10-05 01:00,2026-10-05 01:10,failed,1\n";
    let r2 = "J1,h1,2026-10-05 01:00,2026-10-05 01:12,success,1\n";
    let inp = inputs("repeat3", &[("job_runs.csv", &format!("{j}{r1}{r1}{r2}"))]);
    let (ds, _) = month_figures(&inp, &cfg, "2026-10");
    let mut got: Vec<_> = ds.flags.iter().map(|x| (x.problem.code, x.line)).collect();
    got.sort();
    assert_eq!(got, [("repeated_row", Some(2)), ("superseded", Some(3))]);
}

#[test]
fn an_sla_item_with_clocks_left_out_is_no_data_not_no_population() {
    let cfg = config("leftout", "");
    // January 2031, past the fixture's holiday list: the inquiry P3 clock
    // (business calendar) cannot be computed; the incident P1 clock (24x7)
    // can: opened 10:00, first response 10:10 (≤ 15 min), resolved 11:00
    // (≤ 120 min).
    let tickets =
        "ticket_id,kind,opened_at,updated_at,first_response_at,resolved_at,status,priority\n\
I1,incident,2031-01-06 10:00,2031-01-06 11:00,2031-01-06 10:10,2031-01-06 11:00,resolved,1\n\
Q3,inquiry,2031-01-06 10:00,2031-01-06 11:00,2031-01-06 10:30,2031-01-06 11:00,resolved,3\n";
    let inp = inputs("leftout", &[("tickets.csv", tickets)]);
    let out = tmp("leftout-out");
    let o = report(&["sla", "--month", "2031-01"], &inp, &cfg, &out, &[]);
    let j = json_doc(&out.join("sla/2031/sla-2031-01.json"));
    let verdict = |key: &str| -> String {
        j["items"]
            .as_array()
            .unwrap_or_else(|| panic!("{o:?}"))
            .iter()
            .find(|i| i["key"] == key)
            .unwrap_or_else(|| panic!("{key}"))["verdict"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(verdict("sla.resolution.incident.p1.compliance_pct"), "met");
    assert_eq!(verdict("sla.response.incident.p1.compliance_pct"), "met");
    // Q3's clocks were left out: データなし, not 対象なし.
    assert_eq!(
        verdict("sla.resolution.inquiry.p3.compliance_pct"),
        "no_data"
    );
    assert_eq!(verdict("sla.response.inquiry.p3.compliance_pct"), "no_data");
    let dq = j["data_quality"].as_array().unwrap();
    assert!(
        dq.iter()
            .any(|q| q["code"] == "sla_no_holidays" && q["line"] == 3),
        "{dq:?}"
    );
}
