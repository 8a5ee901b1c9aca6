//! The history store: idempotent ingest, corrected exports replacing what
//! they correct, and reports from the store equal to reports from the CSVs.

mod common;
use common::*;
use hokoku::ingest::SourceId;
use std::path::Path;

const FIX: &str = "tests/fixtures/month";

fn ingest(inputs: &Path, store: &Path) -> String {
    let o = hokoku(&[
        "ingest",
        "--inputs",
        inputs.to_str().unwrap(),
        "--config",
        &format!("{FIX}/config"),
        "--store",
        store.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.path().is_dir() {
            out.extend(files(&e.path()));
        } else {
            out.push((
                e.path().display().to_string(),
                std::fs::read(e.path()).unwrap(),
            ));
        }
    }
    out.sort();
    out
}

#[test]
fn same_file_twice_changes_nothing_and_reports_match_the_csvs() {
    let dir = tmp("store-idem");
    let store = dir.join("store");
    // Inputs named as the report below names them: the store keeps each
    // row's file as it was given, for the data-quality notes.
    let inputs = Path::new(FIX).join("inputs");
    let first = ingest(&inputs, &store);
    assert!(first.contains("tickets/2026-10\t0 → 14 rows"), "{first}");
    // The ingest's own records (journal, manifest) say what each ingest
    // did; the data may not change.
    let data = |store: &Path| -> Vec<(String, String)> {
        use sha2::Digest;
        files(store)
            .into_iter()
            .filter(|(p, _)| !p.contains("/_hokoku/"))
            .map(|(p, b)| (p, format!("{:x}", sha2::Sha256::digest(&b))))
            .collect()
    };
    let before = data(&store);
    let second = ingest(&inputs, &store);
    let partitions: Vec<&str> = second
        .lines()
        .filter(|l| !l.starts_with("wrote\t"))
        .collect();
    assert!(!partitions.is_empty());
    assert!(
        partitions.iter().all(|l| l.ends_with("unchanged")),
        "{second}"
    );
    assert_eq!(
        data(&store),
        before,
        "a second ingest of the same files must not change the store"
    );

    // The SLA report from the store is byte-identical to the one from the CSVs.
    let (a, b) = (dir.join("a"), dir.join("b"));
    for (out, extra) in [(&a, None), (&b, Some(store.to_str().unwrap()))] {
        let mut args = vec![
            "report",
            "sla",
            "--month",
            "2026-10",
            "--inputs",
            "tests/fixtures/month/inputs",
            "--config",
            "tests/fixtures/month/config",
            "--out",
            out.to_str().unwrap(),
        ];
        if let Some(s) = extra {
            args.extend(["--store", s]);
        }
        let o = hokoku(&args);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    for ext in ["json", "xlsx", "pdf"] {
        let x = std::fs::read(a.join(format!("sla/2026/sla-2026-10.{ext}"))).unwrap();
        let y = std::fs::read(b.join(format!("sla/2026/sla-2026-10.{ext}"))).unwrap();
        assert!(x == y, "sla-2026-10.{ext}: store and CSVs disagree");
    }
}

#[test]
fn a_corrected_export_replaces_what_it_corrects() {
    let dir = tmp("store-fix");
    let store = dir.join("store");
    ingest(&root().join(FIX).join("inputs"), &store);
    // A later export: S7 resolved (newer updated_at), and the 08:00
    // HOURLY_SYNC run corrected to end at 08:10 (same natural key).
    let inputs = dir.join("in");
    std::fs::create_dir_all(&inputs).unwrap();
    std::fs::write(
        inputs.join("tickets.csv"),
        "ticket_id,kind,opened_at,updated_at,first_response_at,resolved_at,status,priority\n\
S7,inquiry,2026-10-30T17:00:00+09:00,2026-11-02T09:30:00+09:00,2026-11-02T09:10:00+09:00,2026-11-02T09:30:00+09:00,resolved,3\n",
    )
    .unwrap();
    std::fs::write(
        inputs.join("job_runs.csv"),
        "job_name,jobnet,scheduled_at,started_at,ended_at,status,return_code,attempt\n\
HOURLY_SYNC,SYNC,2026-10-05T08:00:00+09:00,2026-10-05T08:00:00+09:00,2026-10-05T08:10:00+09:00,success,0,1\n",
    )
    .unwrap();
    let out = ingest(&inputs, &store);
    // Same row counts: the rows were replaced, not added.
    assert!(out.contains("tickets/2026-10\t14 → 14 rows"), "{out}");
    assert!(out.contains("job_runs/2026-10\t10 → 10 rows"), "{out}");
    let ds = hokoku::store::load(&store).unwrap();
    let t = &ds.get(SourceId::Tickets).unwrap().frame;
    let ids = hokoku::frame::strs(t, "ticket_id").unwrap();
    let status = hokoku::frame::strs(t, "status").unwrap();
    let s7 = ids.iter().position(|i| i.as_deref() == Some("S7")).unwrap();
    assert_eq!(status[s7].as_deref(), Some("resolved"));
    // With the 08:00 run at 10 minutes there is no duration anomaly left.
    let cfg = hokoku::config::load(&root().join(FIX).join("config")).unwrap();
    let k = hokoku::kpi::jobs::compute(
        ds.get(SourceId::JobRuns),
        hokoku::time::Period::parse_month("2026-10").unwrap(),
        &cfg.deadlines,
    )
    .unwrap();
    assert_eq!(k.figures.get("jobs.duration_anomalies"), Some(0.0));
    assert_eq!(k.figures.get("jobs.runs"), Some(10.0));
}

#[test]
fn a_report_from_the_store_shows_the_rows_ingest_set_aside() {
    let dir = tmp("store-rejected");
    let inputs = dir.join("inputs");
    std::fs::create_dir_all(&inputs).unwrap();
    // Line 3: no such time (25:00); line 4: answered before offered; line 6
    // repeats line 2 (counted once, flagged); lines 2 and 5 are good.
    std::fs::write(
        inputs.join("calls.csv"),
        "call_id,queue,offered_at,answered_at,ended_at,outcome\n\
C1,hd,2026-10-05 10:00:00,2026-10-05 10:00:10,2026-10-05 10:05:00,answered\n\
C2,hd,2026-10-05 25:00:00,,2026-10-05 11:01:00,abandoned\n\
C3,hd,2026-10-05 12:00:00,2026-10-05 11:59:00,2026-10-05 12:03:00,answered\n\
C4,hd,2026-10-05 13:00:00,,2026-10-05 13:00:30,abandoned\n\
C1,hd,2026-10-05 10:00:00,2026-10-05 10:00:10,2026-10-05 10:05:00,answered\n",
    )
    .unwrap();
    let store = dir.join("store");
    let o = hokoku(&[
        "ingest",
        "--inputs",
        inputs.to_str().unwrap(),
        "--config",
        &format!("{FIX}/config"),
        "--store",
        store.to_str().unwrap(),
    ]);
    assert!(o.status.code().is_some(), "{o:?}");
    let run = |out: &Path, from_store: bool| {
        let store_arg = ["--store", store.to_str().unwrap()];
        report(
            &["daily", "--date", "2026-10-05"],
            &inputs,
            Path::new("tests/fixtures/month/config"),
            out,
            if from_store { &store_arg } else { &[] },
        )
    };
    let (a, b) = (dir.join("a"), dir.join("b"));
    let (oa, ob) = (run(&a, false), run(&b, true));
    // Rows were set aside: both runs end with the warning exit code.
    assert_eq!(
        oa.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&oa.stderr)
    );
    assert_eq!(
        ob.status.code(),
        oa.status.code(),
        "{}",
        String::from_utf8_lossy(&ob.stderr)
    );
    let stem = "daily/2026/10/daily-2026-10-05";
    let dq = |d: &Path| json_doc(&d.join(format!("{stem}.json")))["data_quality"].clone();
    let (qa, qb) = (dq(&a), dq(&b));
    let codes: Vec<(&str, u64)> = qa
        .as_array()
        .unwrap()
        .iter()
        .filter(|q| q["line"].is_u64())
        .map(|q| (q["code"].as_str().unwrap(), q["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        codes,
        [
            ("no_such_datetime", 3),
            ("out_of_order", 4),
            ("repeated_row", 2)
        ],
        "{qa}"
    );
    assert_eq!(qa, qb, "the store's データ品質 must be the CSVs'");
    let rej = |d: &Path| std::fs::read_to_string(d.join(format!("{stem}.rejected.csv"))).unwrap();
    assert_eq!(rej(&a), rej(&b));
    assert_eq!(rej(&a).lines().count(), 3, "header and two rows");
    // The manifest counts the two set-aside rows in both.
    let m = |d: &Path| json_doc(&d.join(format!("{stem}.manifest.json")))["rejected_rows"].clone();
    assert_eq!((m(&a), m(&b)), (2.into(), 2.into()));
}

#[test]
fn a_cdr_ingested_apart_from_its_queue_log_is_refused() {
    let dir = tmp("store-asterisk");
    let store = dir.join("store");
    let put = |sub: &str, name: &str, from: &str| {
        let d = dir.join(sub).join("calls");
        std::fs::create_dir_all(&d).unwrap();
        std::fs::copy(
            root().join("tests/fixtures/formats").join(from),
            d.join(name),
        )
        .unwrap();
        dir.join(sub)
    };
    let q = put("q", "queue_log", "asterisk_queue_log/queue_log");
    let c = put("c", "Master.csv", "asterisk_cdr/Master.csv");
    let run = |inputs: &Path| {
        hokoku(&[
            "ingest",
            "--inputs",
            inputs.to_str().unwrap(),
            "--config",
            &format!("{FIX}/config"),
            "--store",
            store.to_str().unwrap(),
        ])
    };
    let first = run(&q);
    assert!(first.status.code().is_some_and(|c| c <= 1), "{first:?}");
    let parts = |s: &Path| files(&s.join("source=calls"));
    let before = parts(&store);
    // The CDR alone, into a store holding queue_log calls: refused, nothing
    // written (the CDR cannot be matched with a queue_log read apart).
    let second = run(&c);
    assert_eq!(second.status.code(), Some(2), "{second:?}");
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(
        err.contains("ingest the queue_log and the CDR of the same period in one `hokoku ingest`"),
        "{err}"
    );
    assert_eq!(parts(&store), before, "nothing written");
    // Both together are fine.
    let both = dir.join("both/calls");
    std::fs::create_dir_all(&both).unwrap();
    for e in std::fs::read_dir(dir.join("q/calls"))
        .unwrap()
        .chain(std::fs::read_dir(dir.join("c/calls")).unwrap())
    {
        let e = e.unwrap();
        std::fs::copy(e.path(), both.join(e.file_name())).unwrap();
    }
    let third = run(&dir.join("both"));
    assert!(third.status.code().is_some_and(|c| c <= 1), "{third:?}");
}

#[test]
fn set_aside_rows_of_several_sources_come_back_in_reading_order() {
    let dir = tmp("store-order");
    let inputs = dir.join("inputs");
    std::fs::create_dir_all(&inputs).unwrap();
    // A bad row in each of two sources whose names sort the other way
    // round from the sources' reading order.
    std::fs::write(
        inputs.join("tickets.csv"),
        "ticket_id,kind,opened_at,status,priority\nT1,inquiry,2026-10-05 10:00,new,3\nT2,inquiry,not a date,new,3\n",
    )
    .unwrap();
    std::fs::write(
        inputs.join("calls.csv"),
        "call_id,queue,offered_at,outcome\nC1,hd,2026-10-05 10:00,abandoned\nC2,hd,2026-10-05 99:00,abandoned\n",
    )
    .unwrap();
    let store = dir.join("store");
    hokoku(&[
        "ingest",
        "--inputs",
        inputs.to_str().unwrap(),
        "--config",
        &format!("{FIX}/config"),
        "--store",
        store.to_str().unwrap(),
    ]);
    let run = |out: &Path, from_store: bool| {
        let store_arg = ["--store", store.to_str().unwrap()];
        report(
            &["daily", "--date", "2026-10-05"],
            &inputs,
            Path::new("tests/fixtures/month/config"),
            out,
            if from_store { &store_arg } else { &[] },
        )
    };
    let (a, b) = (dir.join("a"), dir.join("b"));
    run(&a, false);
    run(&b, true);
    let stem = "daily/2026/10/daily-2026-10-05";
    for ext in ["rejected.csv", "json"] {
        let x = std::fs::read(a.join(format!("{stem}.{ext}"))).unwrap();
        let y = std::fs::read(b.join(format!("{stem}.{ext}"))).unwrap();
        assert!(x == y, "{ext}: store and CSVs disagree");
    }
}
