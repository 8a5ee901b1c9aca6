//! A mutation fuzz test of every reader (issue 16): the canonical reader of
//! each source, the adapters (queue_log, CDR, sadf, AWS JSON) and the
//! shipped profiles (Redmine, ServiceNow, JP1, Hinemos), on mutations of
//! the fixtures — bytes flipped, inserted and deleted, CR / LF / quotes and
//! delimiters added, lines duplicated and dropped, columns shuffled, the
//! text re-encoded as CP932 or given a stray CP932 line, full-width digits.
//!
//! For every input: no panic, no hang, rows in = rows used + rows set
//! aside, every set-aside row at a line inside the file, and no caller's
//! number (planted in the fixtures' text and caller columns) in any
//! message, rejected-rows record or text column.
//!
//! `cargo test` runs a few hundred inputs per reader in seconds. The long
//! mode: `HOKOKU_FUZZ_ITERATIONS=200000 cargo test --release --test fuzz --
//! --nocapture` (docs/FUZZING.md records how many ran without a failure);
//! `HOKOKU_FUZZ_SEED` starts from another seed.

mod common;
use common::*;
use hokoku::ingest::csv_reader::{read_bytes, FileData, ReadOptions};
use hokoku::ingest::{formats, records, schema::SourceSpec, SOURCES};
use std::time::{Duration, Instant};

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// The caller's numbers planted in the seeds; none may leave unmasked.
const PHONES: &[&str] = &["03-6742-7981", "０３－６７４２－７９８１", "090-8765-4321"];
const LEAKS: &[&str] = &[
    "6742-7981",
    "６７４２－７９８１",
    "8765-4321",
    "67427981",
    "87654321",
];

fn lines_of(b: &[u8]) -> Vec<&[u8]> {
    b.split(|&c| c == b'\n').collect()
}

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut b = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let n = b.len().max(1);
        let at = rng.below(n);
        match rng.below(14) {
            0 => {
                if !b.is_empty() {
                    let i = at.min(b.len() - 1);
                    b[i] ^= 1 << rng.below(8);
                }
            }
            1 => b.insert(at.min(b.len()), rng.next() as u8),
            2 => {
                if !b.is_empty() {
                    b.remove(at.min(b.len() - 1));
                }
            }
            3 => b.insert(at.min(b.len()), b'\r'),
            4 => b.insert(at.min(b.len()), b'\n'),
            5 => b.insert(at.min(b.len()), b'"'),
            6 => b.insert(at.min(b.len()), [b',', b'|', b';', b'\t'][rng.below(4)]),
            7 | 8 => {
                // Duplicate or drop a line.
                let mut ls: Vec<Vec<u8>> = lines_of(&b).into_iter().map(<[u8]>::to_vec).collect();
                if !ls.is_empty() {
                    let i = rng.below(ls.len());
                    if rng.below(2) == 0 {
                        let l = ls[i].clone();
                        ls.insert(i, l);
                    } else {
                        ls.remove(i);
                    }
                }
                b = ls.join(&b'\n');
            }
            9 => {
                // Swap two comma-separated fields of one line (columns
                // out of the header's order).
                let mut ls: Vec<Vec<u8>> = lines_of(&b).into_iter().map(<[u8]>::to_vec).collect();
                if !ls.is_empty() {
                    let i = rng.below(ls.len());
                    let mut f: Vec<&[u8]> = ls[i].split(|&c| c == b',').collect();
                    if f.len() > 1 {
                        let (x, y) = (rng.below(f.len()), rng.below(f.len()));
                        f.swap(x, y);
                        ls[i] = f.join(&b',');
                    }
                }
                b = ls.join(&b'\n');
            }
            10 => {
                // The whole text as CP932 (when it is UTF-8).
                if let Ok(t) = std::str::from_utf8(&b) {
                    b = encoding_rs::SHIFT_JIS.encode(t).0.into_owned();
                }
            }
            11 => {
                // One stray CP932 line.
                let line = encoding_rs::SHIFT_JIS
                    .encode("異常終了,監視,０３－６７４２－７９８１\n")
                    .0;
                let pos = b
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(b.len(), |p| p + 1);
                b.splice(pos..pos, line.iter().copied());
            }
            12 => {
                // A caller's number landing in another column (a whole
                // field: after a delimiter or at a line start) or in free
                // text between spaces.
                let p = PHONES[rng.below(PHONES.len())];
                let cuts: Vec<usize> = b
                    .iter()
                    .enumerate()
                    .filter(|(_, &c)| matches!(c, b',' | b'\n' | b' ' | b'|' | b';'))
                    .map(|(i, _)| i + 1)
                    .collect();
                let pos = if cuts.is_empty() {
                    0
                } else {
                    cuts[rng.below(cuts.len())]
                };
                let sep = if pos > 0 { b[pos - 1] } else { b',' };
                let mut ins = p.as_bytes().to_vec();
                ins.push(if sep == b'\n' { b',' } else { sep });
                b.splice(pos..pos, ins);
            }
            _ => {
                // A long cell.
                let long = "長".repeat(rng.below(3000));
                b.splice(at.min(b.len())..at.min(b.len()), long.bytes());
            }
        }
    }
    b
}

/// The checks on what a reader produced from `raw`.
fn check(what: &str, raw: &[u8], fd: &FileData) {
    let r = &fd.report;
    assert_eq!(
        r.rows,
        r.accepted + r.rejected + r.skipped,
        "{what}: rows in = used + set aside + skipped"
    );
    assert_eq!(
        fd.frame.height(),
        r.accepted,
        "{what}: accepted rows are in the table"
    );
    let nlines = raw.iter().filter(|&&c| c == b'\n').count() as u64 + 1;
    for i in &fd.issues {
        assert!(
            i.line >= 1 && i.line <= nlines,
            "{what}: line {} outside 1..={nlines}",
            i.line
        );
    }
    // Accepted rows and set-aside rows are at different lines.
    let lines = hokoku::frame::u32s(&fd.frame, "_line").unwrap();
    for l in lines.iter().flatten() {
        assert!(
            u64::from(*l) >= 1 && u64::from(*l) <= nlines,
            "{what}: _line {l}"
        );
    }
    // No caller's number anywhere that leaves the process.
    let mut out = String::new();
    for i in &fd.issues {
        out.push_str(&i.to_string());
        out.push('\n');
    }
    let ds = hokoku::ingest::Dataset {
        issues: fd.issues.clone(),
        ..Default::default()
    };
    out.push_str(&String::from_utf8_lossy(
        &hokoku::pipeline::rejected_csv(&ds, &templates(), false).unwrap(),
    ));
    for c in fd.frame.columns() {
        if let Ok(s) = c.str() {
            for v in s.iter().flatten() {
                out.push_str(v);
                out.push('\n');
            }
        }
    }
    out.push_str(&r.unknown_columns.join(","));
    for leak in LEAKS {
        assert!(!leaks(&out, leak), "{what}: {leak} leaked:\n{out}");
    }
}

/// Whether `leak` stands in `text` as a token of its own: a number that
/// later mutations glued to other digits or letters (`…43211791247399`) is
/// no longer a phone number.
fn leaks(text: &str, leak: &str) -> bool {
    let glued = |c: Option<char>| {
        c.is_some_and(|c| {
            c.is_ascii_alphanumeric() || ('０'..='９').contains(&c) || ('Ａ'..='ｚ').contains(&c)
        })
    };
    text.match_indices(leak).any(|(i, m)| {
        let before = text[..i].chars().next_back();
        let after = text[i + m.len()..].chars().next();
        !glued(before) && !glued(after)
    })
}

fn templates() -> hokoku::report::template::Templates {
    use std::sync::OnceLock;
    static T: OnceLock<hokoku::report::template::Templates> = OnceLock::new();
    T.get_or_init(|| hokoku::report::template::load(&root().join("templates")).unwrap())
        .clone()
}

fn config() -> &'static hokoku::ingest::Catalogue {
    use std::sync::OnceLock;
    static C: OnceLock<hokoku::ingest::Catalogue> = OnceLock::new();
    C.get_or_init(|| {
        hokoku::pipeline::load_config(&root().join("jobs/config"))
            .unwrap()
            .1
    })
}

fn spec(name: &str) -> &'static SourceSpec {
    SOURCES.iter().find(|s| s.spec.name == name).unwrap().spec
}

enum Reader {
    Canonical(&'static str),
    Adapter(&'static str),
    Profile(&'static str),
}

fn read(reader: &Reader, raw: &[u8]) -> Vec<FileData> {
    match reader {
        Reader::Canonical(src) => read_bytes(spec(src), raw, "f.csv", ReadOptions::default())
            .into_iter()
            .collect(),
        Reader::Adapter(name) => {
            let f = formats::find(name).unwrap();
            let inputs = [formats::Input {
                display: "f".into(),
                raw: raw.to_vec(),
            }];
            (f.read)(&inputs, &formats::Options::default())
                .into_iter()
                .flatten()
                .map(|ext| records::type_extracted(spec(f.source), ext, "f", raw, 0))
                .collect()
        }
        Reader::Profile(name) => {
            let p = &config().profiles[*name];
            p.read(raw, "f.csv", None, false)
                .into_iter()
                .map(|ext| records::type_extracted(p.source, ext, "f.csv", raw, 0))
                .collect()
        }
    }
}

fn seeds() -> Vec<(Reader, Vec<u8>)> {
    let f = |p: &str| std::fs::read(root().join("tests/fixtures").join(p)).unwrap();
    let phone = PHONES[0].as_bytes();
    let mut v = Vec::new();
    for src in ["tickets", "job_runs", "capacity", "backups", "calls"] {
        let mut b = f(&format!("day/inputs/{src}.csv"));
        // A caller's number in a text field of the last row.
        b.extend_from_slice(b"\n");
        b.extend_from_slice(phone);
        v.push((Reader::Canonical(src), b));
    }
    for (name, file) in [
        ("asterisk_queue_log", "formats/asterisk_queue_log/queue_log"),
        ("asterisk_queue_log", "formats/realistic/asterisk_queue_log"),
        ("asterisk_cdr", "formats/asterisk_cdr/Master.csv"),
        ("asterisk_cdr", "formats/realistic/asterisk_Master.csv"),
        ("sysstat_sadf", "formats/sysstat_sadf/fs.csv"),
        ("sysstat_sadf", "formats/sysstat_sadf/cpu-percpu.csv"),
        ("aws_backup", "formats/aws_backup/jobs-iso.json"),
    ] {
        v.push((Reader::Adapter(name), f(file)));
    }
    for (name, file) in [
        ("redmine", "formats/realistic/redmine_issues.csv"),
        ("servicenow", "formats/realistic/servicenow_incident.csv"),
        ("servicenow", "formats/servicenow/incident-labels.csv"),
        ("jp1_job_history", "formats/job_history/jp1_history.csv"),
        (
            "hinemos_job_history",
            "formats/realistic/hinemos_job_history.csv",
        ),
    ] {
        v.push((Reader::Profile(name), f(file)));
    }
    v
}

#[test]
fn mutated_inputs_never_panic_hang_lose_rows_or_leak_numbers() {
    let per_seed: usize = std::env::var("HOKOKU_FUZZ_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    let seed: u64 = std::env::var("HOKOKU_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5eed_1234_abcd);
    let seeds = seeds();
    let mut rng = Rng(seed | 1);
    let mut runs = 0usize;
    let started = Instant::now();
    for (si, (reader, base)) in seeds.iter().enumerate() {
        // The unmutated seed first: it must hold too.
        for k in 0..=per_seed {
            let input = if k == 0 {
                base.clone()
            } else {
                mutate(&mut rng, base)
            };
            let what = format!("seed {si} iteration {k}");
            let t0 = Instant::now();
            let out =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read(reader, &input)));
            let took = t0.elapsed();
            let files = match out {
                Ok(f) => f,
                Err(_) => {
                    let p = std::env::temp_dir().join(format!("hokoku-fuzz-crash-{si}-{k}"));
                    std::fs::write(&p, &input).unwrap();
                    panic!(
                        "{what}: the reader panicked; input saved to {}",
                        p.display()
                    );
                }
            };
            assert!(took < Duration::from_secs(10), "{what}: {took:?} (a hang?)");
            for fd in &files {
                check(&what, &input, fd);
            }
            runs += 1;
        }
    }
    eprintln!(
        "fuzz: {runs} inputs over {} readers without a failure in {:.1} s (seed {seed})",
        seeds.len(),
        started.elapsed().as_secs_f64()
    );
}
