//! Unattended runs (issue 16): all-or-nothing outputs, stale temporaries,
//! the history store's writers, interrupted ingests. Each test is named
//! after the behaviour it pins down.

mod common;
use common::*;
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
    assert_eq!(files_of(&dir), before, "every old file unchanged, nothing left behind");
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
