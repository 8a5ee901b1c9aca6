//! Parser paths of the canonical CSV reader: encodings, Japanese headers and
//! values, bad rows with exact `file:line:column: reason`, missing required
//! columns, empty and header-only files.

use hokoku::frame;
use hokoku::ingest::csv_reader::{read_bytes, FileError, ReadOptions};
use hokoku::ingest::{calls, job_runs, tickets};

const JOBS_JA: &str = "ジョブ名,ジョブネット,開始日時,終了日時,終了状態,実行回数,予定外の列\n\
JOB1,NET,2026/10/15 1:00,2026/10/15 1:20:30,異常終了,1,x\n\
JOB1,NET,2026/10/15 1:40,2026/10/15 1:50,正常終了,2,y\n";

#[test]
fn cp932_with_japanese_headers_and_values() {
    let (sjis, _, unmappable) = encoding_rs::SHIFT_JIS.encode(JOBS_JA);
    assert!(!unmappable);
    let fd = read_bytes(&job_runs::SPEC, &sjis, "jobs.csv", ReadOptions::default()).unwrap();
    assert_eq!(fd.report.encoding, "cp932");
    assert_eq!((fd.report.rows, fd.report.rejected), (2, 0));
    assert_eq!(fd.report.unknown_columns, vec!["予定外の列".to_string()]);
    assert_eq!(
        frame::strs(&fd.frame, "status").unwrap(),
        vec![Some("failed".into()), Some("success".into())]
    );
    assert_eq!(
        frame::strs(&fd.frame, "job_name").unwrap()[0].as_deref(),
        Some("JOB1")
    );
    let ended = frame::i64s(&fd.frame, "ended_at").unwrap()[0].unwrap();
    assert_eq!(
        hokoku::time::ms_to_dt(ended).to_string(),
        "2026-10-15 01:20:30"
    );
    // The same text in UTF-8 with a BOM reads the same.
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend_from_slice(JOBS_JA.as_bytes());
    let fd2 = read_bytes(&job_runs::SPEC, &bom, "jobs.csv", ReadOptions::default()).unwrap();
    assert_eq!(fd2.report.encoding, "utf-8");
    assert!(fd2.frame.equals_missing(&fd.frame));
}

#[test]
fn bad_rows_name_file_line_and_column_and_are_set_aside() {
    // Line 3 starts a record with a quoted newline in the title, so the next
    // record starts on line 5. Line 6 is blank (skipped).
    let text = "ticket_id,title,kind,opened_at,status,priority\n\
T1,ok,incident,2026-10-15T09:00:00+09:00,new,1\n\
T2,\"two\nlines\",問い合わせ,2026/10/15 9:00,新規,P2\n\
T3,bad date,incident,2026-10-32 09:00,new,2\n\
\n\
T4,bad kind and priority,accident,2026-10-15 10:00,new,9\n\
T5,,incident,,new,3\n";
    let fd = read_bytes(
        &tickets::SPEC,
        text.as_bytes(),
        "in/t.csv",
        ReadOptions::default(),
    )
    .unwrap();
    let msgs: Vec<String> = fd.issues.iter().map(ToString::to_string).collect();
    assert_eq!(
        msgs,
        vec![
            "in/t.csv:5:opened_at: no such date or time: \"2026-10-32 09:00\"",
            "in/t.csv:7:kind: unknown value \"accident\" (allowed: incident, inquiry, request, problem, change, release, config)",
            "in/t.csv:7:priority: unknown priority \"9\" (1–4, P1–P4, 緊急/高/中/低)",
            "in/t.csv:8:opened_at: required value is empty",
        ]
    );
    assert_eq!(
        (fd.report.rows, fd.report.accepted, fd.report.rejected),
        (5, 2, 3)
    );
    assert_eq!(
        frame::strs(&fd.frame, "ticket_id").unwrap(),
        vec![Some("T1".into()), Some("T2".into())]
    );
    assert_eq!(
        frame::strs(&fd.frame, "title").unwrap()[1].as_deref(),
        Some("two\nlines")
    );
    assert_eq!(
        frame::i64s(&fd.frame, "priority").unwrap(),
        vec![Some(1), Some(2)]
    );
    // The raw record is kept for the rejected-rows file.
    assert_eq!(fd.issues[0].record[0], "T3");
}

#[test]
fn caller_numbers_are_masked_in_rejected_records() {
    let text = "call_id,offered_at,outcome,caller\nC1,yesterday,answered,03-1234-5678\n";
    let fd = read_bytes(
        &calls::SPEC,
        text.as_bytes(),
        "c.csv",
        ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(fd.issues[0].to_string(), "c.csv:2:offered_at: not a datetime: \"yesterday\" (expected e.g. 2026-10-01T09:15:00+09:00 or 2026/10/1 9:15)");
    assert_eq!(fd.issues[0].record[3], "**-****-5678");
}

#[test]
fn missing_required_column_fails_naming_file_and_column() {
    let text = "ticket_id,kind,opened_at,priority\nT1,incident,2026-10-15 09:00,1\n";
    let e = read_bytes(
        &tickets::SPEC,
        text.as_bytes(),
        "t.csv",
        ReadOptions::default(),
    )
    .err()
    .unwrap();
    assert_eq!(
        e,
        FileError::MissingColumn {
            file: "t.csv".into(),
            column: "status [ステータス]".into()
        }
    );
    assert_eq!(
        e.to_string(),
        "t.csv:1: missing required column status [ステータス]"
    );
}

#[test]
fn empty_file_fails_and_header_only_file_has_no_rows() {
    let e = read_bytes(&tickets::SPEC, b"", "t.csv", ReadOptions::default())
        .err()
        .unwrap();
    assert_eq!(
        e.to_string(),
        "t.csv: 空のファイルです (empty file: no header row)"
    );
    let fd = read_bytes(
        &tickets::SPEC,
        "チケット番号,種別,受付日時,ステータス,優先度\r\n".as_bytes(),
        "t.csv",
        ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(
        (fd.report.rows, fd.frame.height(), fd.issues.len()),
        (0, 0, 0)
    );
    // Every canonical column, then the provenance columns _file and _line.
    assert_eq!(fd.frame.width(), tickets::SPEC.columns.len() + 2);
}

#[test]
fn undecodable_bytes_set_aside_their_own_line() {
    // A UTF-8 file whose line 3 has a lone 0x82: that row is set aside at
    // line 3, the others are read.
    let text = b"ticket_id,kind,opened_at,status,priority,title\n\
T1,incident,2026-10-15 09:00,new,1,\xe4\xbb\xb6\xe5\x90\x8d\n\
T2,incident,2026-10-15 09:00,new,1,bad\x82\n\
T3,incident,2026-10-15 09:00,new,1,ok\n";
    let fd = read_bytes(&tickets::SPEC, text, "t.csv", ReadOptions::default()).unwrap();
    assert_eq!(fd.report.encoding, "utf-8");
    let msgs: Vec<String> = fd.issues.iter().map(ToString::to_string).collect();
    assert_eq!(
        msgs,
        vec!["t.csv:3:title: bytes that are not UTF-8 (the file was read as UTF-8)"]
    );
    assert_eq!((fd.report.rows, fd.report.accepted), (3, 2));
}

#[test]
fn newest_ticket_snapshot_wins() {
    let text = "ticket_id,kind,opened_at,updated_at,status,priority\n\
T1,incident,2026-10-01 09:00,2026-10-03 09:00,resolved,2\n\
T1,incident,2026-10-01 09:00,2026-10-02 09:00,in_progress,2\n\
T2,incident,2026-10-01 10:00,,new,3\n";
    let fd = read_bytes(
        &tickets::SPEC,
        text.as_bytes(),
        "t.csv",
        ReadOptions::default(),
    )
    .unwrap();
    let df = tickets::finish(fd.frame).unwrap();
    assert_eq!(
        frame::strs(&df, "status").unwrap(),
        vec![Some("resolved".into()), Some("new".into())]
    );
    // updated_at defaults to the newest other timestamp (opened_at here).
    assert_eq!(
        frame::i64s(&df, "updated_at").unwrap()[1],
        frame::i64s(&df, "opened_at").unwrap()[1]
    );
}

#[test]
fn large_files_read_in_chunks_give_the_same_rows_lines_and_digest() {
    use hokoku::ingest::csv_reader::read_chunked;
    // Chunks of ~40 bytes cut this file at many record boundaries, one of
    // them right after a record whose quoted title spans two lines.
    let mut text = String::from("ticket_id,title,kind,opened_at,status,priority\r\n");
    for i in 0..40 {
        match i {
            7 => text.push_str("T7,\"二行の\r\n件名\",問い合わせ,2026/10/15 9:00,新規,P2\r\n"),
            13 => text.push_str("T13,日付誤り,incident,2026-10-32 09:00,new,2\r\n"),
            20 => text.push_str("\r\n"),
            31 => text.push_str("T31,\"引用符\"\"あり\",accident,2026-10-15 10:00,new,9\r\n"),
            _ => text.push_str(&format!(
                "T{i},件名{i},incident,2026-10-15T09:{:02}:00+09:00,new,3\r\n",
                i % 60
            )),
        }
    }
    for (label, bytes) in [
        ("utf-8", text.as_bytes().to_vec()),
        ("cp932", encoding_rs::SHIFT_JIS.encode(&text).0.into_owned()),
    ] {
        let whole = read_bytes(&tickets::SPEC, &bytes, "t.csv", ReadOptions::default()).unwrap();
        let path =
            std::env::temp_dir().join(format!("hokoku-chunks-{}-{label}.csv", std::process::id()));
        std::fs::write(&path, &bytes).unwrap();
        let chunked =
            read_chunked(&tickets::SPEC, &path, "t.csv", ReadOptions::default(), 40).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(chunked.report.encoding, label);
        assert_eq!(chunked.report.sha256, whole.report.sha256, "{label}");
        assert_eq!(
            (chunked.report.rows, chunked.report.rejected),
            (whole.report.rows, whole.report.rejected),
            "{label}"
        );
        assert!(
            chunked.frame.equals_missing(&whole.frame),
            "{label}: frames differ"
        );
        let a: Vec<String> = chunked.issues.iter().map(ToString::to_string).collect();
        let b: Vec<String> = whole.issues.iter().map(ToString::to_string).collect();
        assert_eq!(a, b, "{label}");
        // Line numbers are physical lines: header 1, T0 line 2, T7's title
        // takes two lines, so T13 is on line 16; T31 after the blank line 23 → 34.
        assert_eq!(
            a[0],
            "t.csv:16:opened_at: no such date or time: \"2026-10-32 09:00\""
        );
        assert!(a[1].starts_with("t.csv:34:kind:"), "{a:?}");
        assert_eq!(
            frame::strs(&chunked.frame, "title").unwrap()[7].as_deref(),
            Some("二行の\r\n件名")
        );
    }
}

#[test]
fn an_empty_file_is_named_empty_whatever_the_source_expects() {
    // calls has adapters (queue_log, CDR) and tickets has profiles: an
    // empty, newline-only or BOM-only file is 空のファイル, not "missing
    // required column … not asterisk_queue_log".
    let cfg = hokoku::config::load(std::path::Path::new("tests/fixtures/month/config")).unwrap();
    let cat = hokoku::ingest::Catalogue::compile(&cfg).unwrap();
    for (i, bytes) in [
        &b""[..],
        b"\n",
        b"\r\n\r\n",
        b"\xef\xbb\xbf",
        b"\xef\xbb\xbf\n",
    ]
    .iter()
    .enumerate()
    {
        let dir = std::env::temp_dir().join(format!("hokoku-empty-{}-{i}", std::process::id()));
        std::fs::create_dir_all(dir.join("calls")).unwrap();
        std::fs::write(dir.join("calls/calls-2.csv"), bytes).unwrap();
        std::fs::write(dir.join("tickets.csv"), bytes).unwrap();
        let ds = hokoku::ingest::load(&dir, &cat);
        let msgs: Vec<String> = ds.errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(msgs.len(), 2, "{msgs:?}");
        assert!(
            msgs.iter().all(|m| m.contains("空のファイルです")),
            "{bytes:?}: {msgs:?}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
    // A file set that names its format or profile skips detection: the same
    // words (CDR, sysstat, AWS Backup JSON, the Redmine profile).
    let cfg_dir = std::env::temp_dir().join(format!("hokoku-empty-cfg-{}", std::process::id()));
    std::fs::create_dir_all(&cfg_dir).unwrap();
    for e in std::fs::read_dir("tests/fixtures/month/config")
        .unwrap()
        .flatten()
    {
        std::fs::copy(e.path(), cfg_dir.join(e.file_name())).unwrap();
    }
    let mut site = std::fs::read_to_string(cfg_dir.join("site.toml")).unwrap();
    site.push_str(
        "\n[[sources.calls.files]]\nglob = \"cdr/*.csv\"\nformat = \"asterisk_cdr\"\n\
[[sources.capacity.files]]\nglob = \"sar/*.csv\"\nformat = \"sysstat_sadf\"\n\
[[sources.backups.files]]\nglob = \"aws/*.json\"\nformat = \"aws_backup\"\n\
[[sources.tickets.files]]\nglob = \"redmine/*.csv\"\nprofile = \"redmine\"\n",
    );
    std::fs::write(cfg_dir.join("site.toml"), site).unwrap();
    let profiles = std::path::Path::new("jobs/config/profiles");
    std::fs::create_dir_all(cfg_dir.join("profiles")).unwrap();
    std::fs::copy(
        profiles.join("redmine.toml"),
        cfg_dir.join("profiles/redmine.toml"),
    )
    .unwrap();
    let cfg = hokoku::config::load(&cfg_dir).unwrap();
    let cat = hokoku::ingest::Catalogue::compile(&cfg).unwrap();
    let dir = std::env::temp_dir().join(format!("hokoku-empty-set-{}", std::process::id()));
    for (rel, bytes) in [
        ("cdr/Master.csv", &b""[..]),
        ("sar/sar.csv", b"\n"),
        ("aws/jobs.json", b"\xef\xbb\xbf"),
        ("redmine/issues.csv", b"\r\n"),
    ] {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    let ds = hokoku::ingest::load(&dir, &cat);
    let msgs: Vec<String> = ds.errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(msgs.len(), 4, "{msgs:?}");
    assert!(
        msgs.iter().all(|m| m.contains("空のファイルです")),
        "{msgs:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_dir_all(&cfg_dir).unwrap();
}
