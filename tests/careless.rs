//! Careless exports (issue 16): every row used or set aside at its own line,
//! nothing of a caller's number in any output, nothing a spreadsheet would
//! run. Each test is named after the behaviour it pins down.

mod common;
use common::*;
use hokoku::ingest::csv_reader::{read_bytes, read_chunked, FileError, ReadOptions};
use hokoku::ingest::{calls, job_runs, tickets};

const JOBS_H: &str = "job_name,started_at,ended_at,status\n";

fn msgs(fd: &hokoku::ingest::FileData) -> Vec<String> {
    fd.issues.iter().map(ToString::to_string).collect()
}

#[test]
fn a_bare_cr_is_data_and_later_rows_keep_their_lines() {
    // Line 2 holds a bare CR inside an unquoted field (CRLF file): it is
    // data, not a line end; line 4's bad date is still reported at line 4
    // with its own fields.
    let text = "job_name,started_at,ended_at,status\r\n\
J1,2026-10-05 01:00,2026-10-05 01:10,succ\ress\r\n\
J2,2026-10-05 02:00,2026-10-05 02:10,success\r\n\
J3,2026-13-05 03:00,2026-10-05 03:10,success\r\n";
    let fd = read_bytes(
        &job_runs::SPEC,
        text.as_bytes(),
        "j.csv",
        ReadOptions::default(),
    )
    .unwrap();
    let m = msgs(&fd);
    assert_eq!(m.len(), 2, "{m:?}");
    assert!(
        m[0].starts_with("j.csv:2:status: unknown value \"succ\ress\""),
        "{m:?}"
    );
    assert!(
        m[1].starts_with("j.csv:4:started_at: no such date or time"),
        "{m:?}"
    );
    assert_eq!(fd.issues[1].record[0], "J3");
    assert_eq!((fd.report.rows, fd.report.accepted), (3, 1));
    // A file with CR line ends only (classic Mac) reads as lines.
    let mac = "job_name,started_at,ended_at,status\rJ1,2026-10-05 01:00,2026-10-05 01:10,success\rJ2,bad,,success\r";
    let fd = read_bytes(
        &job_runs::SPEC,
        mac.as_bytes(),
        "m.csv",
        ReadOptions::default(),
    )
    .unwrap();
    assert_eq!((fd.report.rows, fd.report.accepted), (2, 1));
    assert!(
        msgs(&fd)[0].starts_with("m.csv:3:started_at:"),
        "{:?}",
        msgs(&fd)
    );
}

#[test]
fn a_ragged_row_or_a_stray_quote_is_one_rejected_line_and_the_rest_is_read() {
    let text = format!(
        "{JOBS_H}J1,2026-10-05 01:00,2026-10-05 01:10,success\n\
J2,2026-10-05 02:00,2026-10-05 02:10,success,extra,fields\n\
J3,\"2026-10-05 03:00,2026-10-05 03:10,success\n\
J4,2026-10-05 04:00,2026-10-05 04:10,success\n\
J5,2026-10-05 05:00,\"2026-10-05 05:10\"x,success\n\
J6,2026-10-05 06:00,2026-10-05 06:10,success,\n"
    );
    // In one piece and in chunks of 40 bytes (the chunked path of a large
    // file cuts at every few records).
    let whole = read_bytes(
        &job_runs::SPEC,
        text.as_bytes(),
        "j.csv",
        ReadOptions::default(),
    )
    .unwrap();
    let path = std::env::temp_dir().join(format!("hokoku-ragged-{}.csv", std::process::id()));
    std::fs::write(&path, &text).unwrap();
    let chunked =
        read_chunked(&job_runs::SPEC, &path, "j.csv", ReadOptions::default(), 40).unwrap();
    std::fs::remove_file(&path).unwrap();
    for fd in [&whole, &chunked] {
        let m = msgs(fd);
        assert_eq!(
            m,
            vec![
                "j.csv:3:#5: 6 fields, expected 4",
                "j.csv:4:started_at: a quote in the wrong place (a field must be quoted as a whole)",
                "j.csv:6:ended_at: a quote in the wrong place (a field must be quoted as a whole)",
            ]
        );
        // J1, J4 and J6 (a trailing empty field is no data) are read.
        assert_eq!(
            hokoku::frame::strs(&fd.frame, "job_name").unwrap(),
            vec![Some("J1".into()), Some("J4".into()), Some("J6".into())]
        );
        assert_eq!((fd.report.rows, fd.report.rejected), (6, 3));
    }
}

#[test]
fn a_short_row_is_rejected_unless_its_missing_fields_are_optional_and_allowed() {
    let text =
        format!("{JOBS_H}J1,2026-10-05 01:00,2026-10-05 01:10,success\nJ2,2026-10-05 02:00\nJ3\n");
    let fd = read_bytes(
        &job_runs::SPEC,
        text.as_bytes(),
        "j.csv",
        ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(
        msgs(&fd),
        vec![
            "j.csv:3:ended_at: 2 fields, expected 4",
            "j.csv:4:started_at: 1 fields, expected 4"
        ]
    );
    // Allowed: J2 lacks ended_at (optional) but also status (required): still
    // rejected; a row missing only an optional trailing field is read.
    let text =
        "job_name,started_at,status,ended_at\nJ1,2026-10-05 01:00,success\nJ2,2026-10-05 02:00\n";
    let opts = ReadOptions {
        allow_short_rows: true,
        ..Default::default()
    };
    let fd = read_bytes(&job_runs::SPEC, text.as_bytes(), "j.csv", opts).unwrap();
    assert_eq!(msgs(&fd), vec!["j.csv:3:status: 2 fields, expected 4"]);
    assert_eq!(fd.report.accepted, 1);
}

#[test]
fn mixed_encodings_reject_each_foreign_line_at_its_own_line() {
    // UTF-8 with one CP932 line (line 4): read as UTF-8, line 4 set aside,
    // nothing decoded as mojibake.
    let mut b = "job_name,started_at,ended_at,status\n夜間集計,2026-10-05 01:00,,正常終了\n"
        .as_bytes()
        .to_vec();
    b.extend_from_slice("J2,2026-10-05 02:00,,success\n".as_bytes());
    b.extend_from_slice(
        &encoding_rs::SHIFT_JIS
            .encode("月次集計,2026-10-05 03:00,,異常終了\n")
            .0,
    );
    b.extend_from_slice("日次集計,2026-10-05 04:00,,正常終了\n".as_bytes());
    let fd = read_bytes(&job_runs::SPEC, &b, "j.csv", ReadOptions::default()).unwrap();
    assert_eq!(fd.report.encoding, "utf-8");
    assert_eq!(
        msgs(&fd),
        vec!["j.csv:4:job_name: bytes that are not UTF-8 (the file was read as UTF-8)"]
    );
    assert_eq!(
        hokoku::frame::strs(&fd.frame, "job_name").unwrap(),
        vec![
            Some("夜間集計".into()),
            Some("J2".into()),
            Some("日次集計".into())
        ]
    );
    // CP932 with one UTF-8 line (line 3) and an invalid byte on line 11:
    // each at its own line.
    let mut b = encoding_rs::SHIFT_JIS
        .encode("ジョブ名,開始日時,終了日時,終了状態\n夜間集計,2026-10-05 01:00,,正常終了\n")
        .0
        .into_owned();
    b.extend_from_slice("月次集計,2026-10-05 02:00,,正常終了\n".as_bytes());
    for i in 4..=10 {
        b.extend_from_slice(
            &encoding_rs::SHIFT_JIS
                .encode(&format!("集計{i},2026-10-05 03:00,,正常終了\n"))
                .0,
        );
    }
    b.extend_from_slice(b"J11,2026-10-05 04:00,,\x82\n");
    let fd = read_bytes(&job_runs::SPEC, &b, "s.csv", ReadOptions::default()).unwrap();
    assert_eq!(fd.report.encoding, "cp932");
    assert_eq!(
        msgs(&fd),
        vec![
            "s.csv:3:ジョブ名: a UTF-8 line in a CP932 file",
            "s.csv:11:終了状態: bytes that are not CP932 (the file was read as CP932)",
        ]
    );
    assert_eq!(fd.report.accepted, 8);
    // A UTF-8 header on a CP932 file is not "missing required column".
    let mut b = "ジョブ名,開始日時,終了状態\n".as_bytes().to_vec();
    for i in 0..3 {
        b.extend_from_slice(
            &encoding_rs::SHIFT_JIS
                .encode(&format!("集計{i},2026-10-05 03:00,正常終了\n"))
                .0,
        );
    }
    let e = read_bytes(&job_runs::SPEC, &b, "h.csv", ReadOptions::default())
        .err()
        .unwrap();
    assert!(matches!(e, FileError::Encoding { line: 1, .. }), "{e}");
}

#[test]
fn an_empty_file_says_empty_file() {
    for (what, bytes) in [
        ("nothing", &b""[..]),
        ("a newline", b"\n"),
        ("a BOM", b"\xEF\xBB\xBF"),
        ("blank lines", b"\r\n\r\n  \n"),
    ] {
        let e = read_bytes(&tickets::SPEC, bytes, "t.csv", ReadOptions::default())
            .err()
            .unwrap();
        assert_eq!(
            e,
            FileError::Empty {
                file: "t.csv".into()
            },
            "{what}"
        );
        assert!(e.to_string().contains("空のファイル"), "{what}");
    }
}

#[test]
fn full_width_digits_are_numbers_and_dates() {
    let text = "job_name,started_at,ended_at,status,attempt\nJ1,２０２６/１０/５ １：００,２０２６-１０-０５ ０１：１０,正常終了,２\n";
    let fd = read_bytes(
        &job_runs::SPEC,
        text.as_bytes(),
        "j.csv",
        ReadOptions::default(),
    )
    .unwrap();
    assert!(fd.issues.is_empty(), "{:?}", msgs(&fd));
    assert_eq!(
        hokoku::frame::i64s(&fd.frame, "attempt").unwrap(),
        vec![Some(2)]
    );
    let t = hokoku::frame::i64s(&fd.frame, "started_at").unwrap()[0].unwrap();
    assert_eq!(hokoku::time::ms_to_dt(t).to_string(), "2026-10-05 01:00:00");
}

/// Every file of a report run (documents, JSON, rejected rows, manifest) as text.
fn all_outputs(dir: &std::path::Path) -> String {
    let mut out = String::new();
    for e in walk(dir) {
        let b = std::fs::read(&e).unwrap();
        if e.extension().is_some_and(|x| x == "xlsx") {
            for (_, part) in unzip(&e) {
                out.push_str(&String::from_utf8_lossy(&part));
            }
        } else if e.extension().is_some_and(|x| x == "pdf") {
            out.push_str(&pdf_text(&e));
        } else {
            out.push_str(&String::from_utf8_lossy(&b));
        }
    }
    out
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.path().is_dir() {
            v.extend(walk(&e.path()));
        } else {
            v.push(e.path());
        }
    }
    v
}

#[test]
fn caller_numbers_never_leave_the_process_wherever_they_land() {
    // A caller's number in the wrong column, three ways: an unquoted line
    // break splits a row (the number starts a line of its own), headers in
    // a different order than the data, full-width digits in a title.
    let calls_csv = "call_id,offered_at,answered_at,outcome,caller\n\
K1,2026-10-15 10:00:00,2026-10-15 10:00:05,answered,03-6742-7981\n\
K2,2026-10-15 10:05:00,,abandoned,090-1234\n5678\n\
K3,03-6742-7982,2026-10-15 10:10:00,answered,\n";
    let tickets_csv = "ticket_id,title,kind,opened_at,status,priority\n\
T1,折返し先 ０３－６７４２－７９８３ まで連絡,incident,2026-10-15 09:00,new,1\n\
T2,電話 03(6742)7984 から,inquiry,2026-10-15 bad,new,3\n";
    let inp = tmp("leak-in");
    std::fs::write(inp.join("calls.csv"), calls_csv).unwrap();
    std::fs::write(inp.join("tickets.csv"), tickets_csv).unwrap();
    let out = tmp("leak-out");
    let o = hokoku(&[
        "report",
        "daily",
        "--date",
        "2026-10-15",
        "--inputs",
        inp.to_str().unwrap(),
        "--config",
        "tests/fixtures/day/config",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let mut everything = all_outputs(&out);
    everything.push_str(&String::from_utf8_lossy(&o.stderr));
    everything.push_str(&String::from_utf8_lossy(&o.stdout));
    for n in [
        "6742-7981",
        "6742-7982",
        "６７４２－７９８３",
        "6742)7984",
        "1234",
    ] {
        assert!(!everything.contains(n), "{n} leaked");
    }
    // What is kept: the last four digits, so the desk can still tell calls
    // apart; the P1 incident's title is listed in the PDF and the workbook.
    assert!(
        everything.contains("折返し先 ＊＊－＊＊＊＊－７９８３ まで連絡"),
        "masked title shown"
    );
    // The site may keep the raw rejected rows; only that file then has them,
    // and the caller column stays masked.
    let cfg = tmp("leak-cfg");
    for e in std::fs::read_dir(root().join("tests/fixtures/day/config"))
        .unwrap()
        .flatten()
    {
        std::fs::copy(e.path(), cfg.join(e.file_name())).unwrap();
    }
    let mut site = std::fs::read_to_string(cfg.join("site.toml")).unwrap();
    site.push_str("\n[privacy]\nkeep_raw_rejected = true\n");
    std::fs::write(cfg.join("site.toml"), site).unwrap();
    let out2 = tmp("leak-out-raw");
    hokoku(&[
        "report",
        "daily",
        "--date",
        "2026-10-15",
        "--inputs",
        inp.to_str().unwrap(),
        "--config",
        cfg.to_str().unwrap(),
        "--out",
        out2.to_str().unwrap(),
    ]);
    let rejected =
        std::fs::read_to_string(out2.join("daily/2026/10/daily-2026-10-15.rejected.csv")).unwrap();
    assert!(rejected.contains("03-6742-7982"), "kept raw: {rejected}");
    let json = std::fs::read_to_string(out2.join("daily/2026/10/daily-2026-10-15.json")).unwrap();
    assert!(
        !json.contains("6742-7982"),
        "only the rejected-rows file keeps it"
    );
}

#[test]
fn the_rejected_rows_file_carries_no_formula() {
    let text = format!("{JOBS_H}=cmd|' /C calc'!A0,bad,,success\n@SUM(A1),bad,,success\n");
    let inp = tmp("formula-in");
    std::fs::write(inp.join("job_runs.csv"), text).unwrap();
    let out = tmp("formula-out");
    hokoku(&[
        "report",
        "daily",
        "--date",
        "2026-10-15",
        "--inputs",
        inp.to_str().unwrap(),
        "--config",
        "tests/fixtures/day/config",
        "--out",
        out.to_str().unwrap(),
    ]);
    let rejected =
        std::fs::read_to_string(out.join("daily/2026/10/daily-2026-10-15.rejected.csv")).unwrap();
    let mut r = csv::Reader::from_reader(rejected.as_bytes());
    let mut n = 0;
    for rec in r.records() {
        let rec = rec.unwrap();
        for cell in rec.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@']),
                "{cell:?} would be a formula"
            );
        }
        n += 1;
    }
    assert_eq!(n, 2);
    assert!(rejected.contains("'=cmd|"), "{rejected}");
}

#[test]
fn caller_column_is_masked_in_the_rejected_record_even_when_kept_raw() {
    let text = "call_id,offered_at,outcome,caller\nC1,yesterday,answered,03-1234-5678\n";
    let opts = ReadOptions {
        keep_raw: true,
        ..Default::default()
    };
    let fd = read_bytes(&calls::SPEC, text.as_bytes(), "c.csv", opts).unwrap();
    assert_eq!(fd.issues[0].record[3], "**-****-5678");
}

#[test]
fn a_value_longer_than_a_cell_is_cut_in_the_documents_not_a_failed_report() {
    // A valid ticket whose title is 40,000 characters (a pasted log), a P1
    // incident, so the daily report lists it.
    let long: String = "ログ".repeat(20_000);
    let tickets_csv = format!(
        "ticket_id,title,kind,opened_at,status,priority\nT1,{long},incident,2026-10-15 09:00,new,1\n"
    );
    let inp = tmp("long-in");
    std::fs::write(inp.join("tickets.csv"), tickets_csv).unwrap();
    let out = tmp("long-out");
    let o = hokoku(&[
        "report",
        "daily",
        "--date",
        "2026-10-15",
        "--inputs",
        inp.to_str().unwrap(),
        "--config",
        "tests/fixtures/day/config",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let xlsx = out.join("daily/2026/10/daily-2026-10-15.xlsx");
    let strings = String::from_utf8(
        unzip(&xlsx)
            .into_iter()
            .find(|(n, _)| n == "xl/sharedStrings.xml")
            .unwrap()
            .1,
    )
    .unwrap();
    assert!(
        strings.contains("…（以下省略：全40000文字）"),
        "the cut is marked"
    );
    assert!(
        !strings.contains(&long),
        "never the whole 40,000 characters in one cell"
    );
    // The PDF shows the row (cut to its cell), not 40,000 characters of pages.
    let pdf = out.join("daily/2026/10/daily-2026-10-15.pdf");
    let text = pdf_text(&pdf);
    assert!(text.contains("T1"), "the incident is listed");
    assert!(text.matches('\u{c}').count() < 20, "a bounded document");
}
