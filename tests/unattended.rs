//! Unattended runs (issue 16): all-or-nothing outputs, stale temporaries,
//! the history store's writers, interrupted ingests. Each test is named
//! after the behaviour it pins down.

mod common;
use common::*;
use hokoku::ingest::SourceId;
use std::path::{Path, PathBuf};

fn daily(out: &Path) -> std::process::Output {
    fixture_report(out)
}

fn files_of(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn a_failed_write_replaces_no_output() {
    let out = tmp("allornothing");
    assert_eq!(daily(&out).status.code(), Some(1));
    let dir = out.join("daily/2026/10");
    let json = dir.join("daily-2026-10-15.json");
    // The JSON's place is taken by a folder: the run cannot put its file
    // there (as a full disk or a broken share would stop it). Every other
    // output of the previous run must stay byte for byte.
    std::fs::remove_file(&json).unwrap();
    std::fs::create_dir_all(json.join("blocked")).unwrap();
    let before = files_of(&dir);
    let o = daily(&out);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no output was replaced"), "{err}");
    assert_eq!(
        files_of(&dir),
        before,
        "every old file unchanged, nothing left behind"
    );
}

#[test]
fn stale_temporaries_of_a_killed_run_are_removed_at_the_next_run() {
    let out = tmp("stale");
    assert_eq!(daily(&out).status.code(), Some(1));
    let dir = out.join("daily/2026/10");
    // What kill -9 while writing leaves: hidden temporaries of a dead PID.
    let left = dir.join(".daily-2026-10-15.pdf.tmp-4194304-0");
    std::fs::write(&left, b"half a PDF").unwrap();
    assert_eq!(daily(&out).status.code(), Some(1));
    assert!(!left.exists(), "removed");
    let hidden: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect();
    assert!(hidden.is_empty(), "{hidden:?}");
}

const STORE_CFG: &str = "tests/fixtures/month/config";

fn ingest_cmd(inputs: &Path, store: &Path, extra: &[&str]) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_hokoku"));
    c.current_dir(root()).args([
        "ingest",
        "--inputs",
        inputs.to_str().unwrap(),
        "--config",
        STORE_CFG,
        "--store",
        store.to_str().unwrap(),
    ]);
    c.args(extra);
    c
}

fn jobs_file(dir: &Path, rows: &[(&str, &str)]) {
    let mut t = String::from("job_name,host,started_at,ended_at,status,attempt\n");
    for (job, host) in rows {
        t.push_str(&format!(
            "{job},{host},2026-10-05 01:00,2026-10-05 01:10,success,1\n"
        ));
    }
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("job_runs.csv"), t).unwrap();
}

fn stored_runs(store: &Path) -> usize {
    let ds = hokoku::store::load(store).unwrap();
    ds.get(SourceId::JobRuns).map_or(0, |s| s.frame.height())
}

#[test]
fn two_ingests_into_one_store_at_once_lose_no_rows() {
    let dir = tmp("two-writers");
    let store = dir.join("store");
    // Two exports of the same month, different jobs: both land in the same
    // partition. Started together, the second waits for the first.
    let (a, b) = (dir.join("a"), dir.join("b"));
    let rows_a: Vec<(String, &str)> = (0..200).map(|i| (format!("A{i}"), "h1")).collect();
    let rows_b: Vec<(String, &str)> = (0..200).map(|i| (format!("B{i}"), "h1")).collect();
    let ra: Vec<(&str, &str)> = rows_a.iter().map(|(j, h)| (j.as_str(), *h)).collect();
    let rb: Vec<(&str, &str)> = rows_b.iter().map(|(j, h)| (j.as_str(), *h)).collect();
    jobs_file(&a, &ra);
    jobs_file(&b, &rb);
    let mut pa = ingest_cmd(&a, &store, &[]).spawn().unwrap();
    let mut pb = ingest_cmd(&b, &store, &[]).spawn().unwrap();
    assert!(pa.wait().unwrap().success());
    assert!(pb.wait().unwrap().success());
    assert_eq!(stored_runs(&store), 400, "every row of both ingests");
}

#[test]
fn a_writer_waits_for_the_store_lock_and_gives_up_with_a_clear_message() {
    let dir = tmp("locked");
    let store = dir.join("store");
    jobs_file(&dir.join("in"), &[("J1", "h1")]);
    assert!(ingest_cmd(&dir.join("in"), &store, &[])
        .status()
        .unwrap()
        .success());
    let held = hokoku::store::lock(&store, true, std::time::Duration::from_secs(1)).unwrap();
    let o = ingest_cmd(&dir.join("in"), &store, &["--lock-timeout", "1"])
        .output()
        .unwrap();
    drop(held);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("is locked by another hokoku")
            && err.contains(&format!("PID {}", std::process::id())),
        "{err}"
    );
}

#[test]
fn a_report_refuses_a_store_whose_last_ingest_did_not_complete() {
    let dir = tmp("interrupted");
    let store = dir.join("store");
    jobs_file(&dir.join("in"), &[("J1", "h1")]);
    assert!(ingest_cmd(&dir.join("in"), &store, &[])
        .status()
        .unwrap()
        .success());
    // What a kill during the ingest leaves: the journal still in progress.
    let journal = store.join("_hokoku/ingest.json");
    let text = std::fs::read_to_string(&journal)
        .unwrap()
        .replace("\"complete\"", "\"in_progress\"");
    std::fs::write(&journal, text).unwrap();
    let out = dir.join("out");
    let report = |out: &Path| {
        hokoku(&[
            "report",
            "daily",
            "--date",
            "2026-10-05",
            "--inputs",
            dir.join("in").to_str().unwrap(),
            "--config",
            STORE_CFG,
            "--store",
            store.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
    };
    let o = report(&out);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("did not complete"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!out.join("daily").exists(), "nothing written");
    // Ingesting again completes it.
    assert!(ingest_cmd(&dir.join("in"), &store, &[])
        .status()
        .unwrap()
        .success());
    assert_eq!(report(&out).status.code(), Some(0));
}

#[test]
fn an_ingest_writes_its_rejected_rows_and_manifest() {
    let dir = tmp("ingest-records");
    let store = dir.join("store");
    let inp = dir.join("in");
    std::fs::create_dir_all(&inp).unwrap();
    std::fs::write(
        inp.join("job_runs.csv"),
        "job_name,started_at,status\nJ1,2026-10-05 01:00,success\nJ2,not a time,success\n",
    )
    .unwrap();
    let o = ingest_cmd(&inp, &store, &[]).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "a row set aside");
    let rejected = std::fs::read_to_string(store.join("_hokoku/ingest.rejected.csv")).unwrap();
    assert!(
        rejected.contains("job_runs.csv,3,started_at,not_datetime"),
        "{rejected}"
    );
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(store.join("_hokoku/ingest.manifest.json")).unwrap())
            .unwrap();
    assert_eq!(m["rejected_rows"], 1);
    assert_eq!(m["inputs"][0]["rows"], 2);
    assert_eq!(m["inputs"][0]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(m["partitions"][0]["source"], "job_runs");
}

#[test]
fn the_same_job_on_two_hosts_in_one_second_is_two_runs_in_the_store() {
    let dir = tmp("two-hosts");
    let store = dir.join("store");
    jobs_file(&dir.join("in"), &[("J1", "h1"), ("J1", "h2")]);
    assert!(ingest_cmd(&dir.join("in"), &store, &[])
        .status()
        .unwrap()
        .success());
    assert_eq!(stored_runs(&store), 2);
}

#[test]
fn the_store_is_hive_partitioned_parquet_that_other_engines_read() {
    let dir = tmp("hive");
    let store = dir.join("store");
    jobs_file(&dir.join("in"), &[("J1", "h1"), ("J2", "h1")]);
    assert!(ingest_cmd(&dir.join("in"), &store, &[])
        .status()
        .unwrap()
        .success());
    let part = store.join("source=job_runs/month=2026-10/part-0.parquet");
    assert!(part.is_file());
    // polars' own hive scan reads the store as is, with source and month
    // from the paths.
    use polars::prelude::*;
    let glob = format!("{}/**/*.parquet", store.display());
    let args = ScanArgsParquet {
        hive_options: polars::io::HiveOptions::new_enabled(),
        ..Default::default()
    };
    let df = LazyFrame::scan_parquet(PlRefPath::new(glob.as_str()), args)
        .unwrap()
        .filter(col("source").eq(lit("job_runs")))
        .collect()
        .unwrap();
    assert_eq!(df.height(), 2);
    assert_eq!(
        df.column("month")
            .unwrap()
            .cast(&DataType::String)
            .unwrap()
            .str()
            .unwrap()
            .get(0),
        Some("2026-10")
    );
}
