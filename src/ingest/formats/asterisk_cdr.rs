//! Asterisk CDR `Master.csv` (cdr_csv) → calls.
//!
//! No header; the standard cdr_csv column order: accountcode, src, dst,
//! dcontext, clid, channel, dstchannel, lastapp, lastdata, start, answer,
//! end, duration, billsec, disposition, amaflags, then `uniqueid` when
//! `loguniqueid` is set, `userfield` when `loguserfield` is set and
//! peeraccount, linkedid, sequence when `newcdrcolumns` is set (16 to 21
//! fields). Field 17 is taken as the uniqueid when it looks like one
//! (`1791158400.123`). Times are `YYYY-MM-DD HH:MM:SS` in the PBX's local time
//! (the file set's `timezone`, default Asia/Tokyo; `usegmtime = yes` in
//! cdr.conf means `timezone = "UTC"`).
//!
//! Mapping: call_id = uniqueid (without it, `<channel>@<start>`), queue =
//! dst, offered_at = start, answered_at = answer, ended_at = end,
//! talk_seconds = billsec, caller = src, agent = dstchannel without its
//! `-<sequence>` suffix (`PJSIP/201-0000000a` → `PJSIP/201`); outcome
//! ANSWERED → answered, NO ANSWER / CANCEL → abandoned (the caller hung up
//! before an answer), BUSY / FAILED / CONGESTION → overflow (never reached
//! an agent); any other disposition (UNKNOWN) sets the line aside.
//! One CDR line is one call: a site whose dialplan writes several CDRs per
//! inbound call should read queue_log instead.

use super::{decode_text, local_to_jst_ms, parse_plain, Format, Input, Options, Results};
use crate::ingest::csv_reader::FileError;
use crate::ingest::records::{jst_text, Extracted, Record};

/// The registry entry.
pub const FORMAT: Format = Format {
    name: "asterisk_cdr",
    source: "calls",
    describe: "Asterisk CDR Master.csv (cdr_csv, no header)",
    sniff,
    read,
};

const COLUMNS: &[&str] = super::CALL_COLUMNS;
const LABELS: &[&str] = &[
    "uniqueid",
    "dst",
    "start",
    "answer",
    "end",
    "disposition",
    "dstchannel",
    "billsec",
    "src",
];
const DISPOSITIONS: &[(&str, &str)] = &[
    ("ANSWERED", "answered"),
    ("NO ANSWER", "abandoned"),
    ("CANCEL", "abandoned"),
    ("BUSY", "overflow"),
    ("FAILED", "overflow"),
    ("CONGESTION", "overflow"),
];

fn sniff(head: &str) -> bool {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(head.as_bytes());
    let Some(Ok(rec)) = r.records().next() else {
        return false;
    };
    (16..=21).contains(&rec.len())
        && parse_plain(&rec[9]).is_ok()
        && DISPOSITIONS.iter().any(|(d, _)| *d == &rec[14])
}

fn read(inputs: &[Input], opts: &Options) -> Results {
    inputs.iter().map(|inp| read_one(inp, opts)).collect()
}

fn read_one(inp: &Input, opts: &Options) -> Result<Extracted, FileError> {
    let (text, enc) = decode_text(inp, opts.encoding)?;
    let mut ext = Extracted::new(FORMAT.name, enc, COLUMNS);
    ext.labels = LABELS.iter().map(|s| s.to_string()).collect();
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rec = csv::StringRecord::new();
    let mut lines = crate::ingest::records::LineCounter::new(text.as_bytes());
    loop {
        match r.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                return Err(FileError::Malformed {
                    file: inp.display.clone(),
                    reason: e.to_string(),
                })
            }
        }
        let line = rec.position().map_or(0, |p| lines.line_at(p.byte()));
        if rec.iter().all(str::is_empty) {
            continue;
        }
        let mut raw: Vec<String> = rec.iter().map(str::to_string).collect();
        // src and clid carry the caller's number.
        for i in [1, 4] {
            if let Some(f) = raw.get_mut(i) {
                *f = crate::mask::mask(f);
            }
        }
        if rec.len() < 16 || rec.len() > 21 {
            ext.bad_line(
                &inp.display,
                line,
                "line",
                format!("expected 16–21 cdr_csv fields, found {}", rec.len()),
                raw,
            );
            continue;
        }
        let time = |i: usize| -> Result<Option<String>, String> {
            let s = rec[i].trim();
            if s.is_empty() {
                return Ok(None);
            }
            let dt = parse_plain(s)?;
            Ok(Some(jst_text(local_to_jst_ms(dt, opts.timezone)?)))
        };
        let times = (time(9), time(10), time(11));
        let (start, answer, end) = match times {
            (Ok(a), Ok(b), Ok(c)) => (a, b, c),
            (a, b, c) => {
                let (col, e) = [("start", a), ("answer", b), ("end", c)]
                    .into_iter()
                    .find_map(|(n, r)| r.err().map(|e| (n, e)))
                    .expect("one failed");
                ext.bad_line(&inp.display, line, col, e, raw);
                continue;
            }
        };
        let disposition = rec[14].trim();
        let outcome = DISPOSITIONS
            .iter()
            .find(|(d, _)| *d == disposition)
            .map_or(disposition.to_string(), |(_, o)| o.to_string());
        let looks_unique = |s: &&str| {
            s.split_once('.').is_some_and(|(a, b)| {
                !a.is_empty()
                    && !b.is_empty()
                    && a.bytes().chain(b.bytes()).all(|c| c.is_ascii_digit())
            })
        };
        let call_id = match rec.get(16).map(str::trim).filter(looks_unique) {
            Some(u) => u.to_string(),
            None => format!("{}@{}", rec[5].trim(), rec[9].trim()),
        };
        let agent = rec[6].trim();
        let agent = match agent.rsplit_once('-') {
            Some((base, seq)) if !seq.is_empty() && seq.bytes().all(|b| b.is_ascii_hexdigit()) => {
                base
            }
            _ => agent,
        };
        let cell = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
        ext.records.push(Record {
            line,
            cells: vec![
                Some(call_id),
                cell(&rec[2]),
                start,
                answer,
                end,
                Some(outcome),
                cell(agent),
                cell(&rec[13]),
                cell(&rec[1]),
            ],
            raw,
        });
    }
    Ok(ext)
}
