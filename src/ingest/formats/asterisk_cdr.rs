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
//! Several CDRs with one uniqueid (an agent who did not answer, a transfer)
//! are one call: the first answered leg ([`merge_legs`]). What a CDR cannot
//! tell (a call answered by `Answer()` that then timed out of the queue or
//! went to voicemail is ANSWERED) is said in データ品質; queue_log, when
//! given, wins.

use super::{decode_text, local_to_jst_ms, parse_plain, Format, Input, Options, Results};
use crate::ingest::csv_reader::FileError;
use crate::ingest::records::{jst_text, Extracted, Record};
use crate::ingest::scan;
use crate::problem::Problem;

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

/// The fields of the first record of `text` (the scanner's rules).
fn first_record(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut sc = scan::Scanner::new(b, 1, b',', true, 0..=usize::MAX);
    let mut fields = Vec::new();
    let mut scratch = Vec::new();
    loop {
        match sc.next(&mut fields) {
            scan::Step::Record(r) if r.flaw.is_none() && scan::is_blank(b, &fields) => {}
            scan::Step::Record(_) => {
                return fields
                    .iter()
                    .map(|f| {
                        String::from_utf8_lossy(scan::field_bytes(b, f, &mut scratch)).into_owned()
                    })
                    .collect()
            }
            _ => return Vec::new(),
        }
    }
}

fn sniff(head: &str) -> bool {
    let rec = first_record(head);
    (16..=21).contains(&rec.len())
        && parse_plain(&rec[9]).is_ok()
        && DISPOSITIONS.iter().any(|(d, _)| *d == rec[14])
}

/// One call, one record: a call that rang an agent who did not answer
/// before another did, or was transferred, has several CDRs with the same
/// uniqueid. The first answered leg is the call (the queue's agent and
/// talk time); the other legs are skipped (counted). Without an answered
/// leg, the first leg is kept.
fn merge_legs(ext: &mut Extracted) {
    use std::collections::HashMap;
    let mut keep: HashMap<String, usize> = HashMap::new();
    for (i, r) in ext.records.iter().enumerate() {
        let Some(id) = r.cells[0].clone() else {
            continue;
        };
        let answered = r.cells[5].as_deref() == Some("answered");
        match keep.get(&id) {
            None => {
                keep.insert(id, i);
            }
            Some(&k) => {
                let kept_answered = ext.records[k].cells[5].as_deref() == Some("answered");
                if answered && !kept_answered {
                    keep.insert(id, i);
                }
            }
        }
    }
    let before = ext.records.len();
    let mut i = 0;
    ext.records.retain(|r| {
        let k = r.cells[0]
            .as_ref()
            .is_none_or(|id| keep.get(id) == Some(&i));
        i += 1;
        k
    });
    ext.skipped += before - ext.records.len();
}

fn read(inputs: &[Input], opts: &Options) -> Results {
    inputs.iter().map(|inp| read_one(inp, opts)).collect()
}

fn read_one(inp: &Input, opts: &Options) -> Result<Extracted, FileError> {
    let (text, enc, bad) = decode_text(inp, opts.encoding);
    let mut ext = Extracted::new(FORMAT.name, enc, COLUMNS);
    ext.labels = LABELS.iter().map(|s| s.to_string()).collect();
    ext.bad_encoding(&inp.display, bad);
    let b = text.as_bytes();
    let mut sc = scan::Scanner::new(b, 1, b',', true, 16..=21);
    let mut fields = Vec::new();
    let mut scratch = Vec::new();
    while let scan::Step::Record(r) = sc.next(&mut fields) {
        if r.flaw.is_none() && scan::is_blank(b, &fields) {
            continue;
        }
        let line = r.line;
        let rec: Vec<String> = fields
            .iter()
            .map(|f| String::from_utf8_lossy(scan::field_bytes(b, f, &mut scratch)).into_owned())
            .collect();
        let mut raw = rec.clone();
        // src and clid carry the caller's number.
        for i in [1, 4] {
            if let Some(f) = raw.get_mut(i) {
                *f = crate::mask::mask(f);
            }
        }
        if let Some(fl) = r.flaw {
            let p = match fl {
                scan::Flaw::StrayQuote => Problem::plain("stray_quote"),
                scan::Flaw::Unterminated => Problem::plain("unterminated_quote"),
                scan::Flaw::FieldsAcrossLines(n) => Problem::new(
                    "format_fields",
                    [n.to_string(), "16–21 cdr_csv fields".to_string()],
                ),
            };
            ext.bad_line(&inp.display, line, "line", p, raw);
            continue;
        }
        if rec.len() < 16 || rec.len() > 21 {
            ext.bad_line(
                &inp.display,
                line,
                "line",
                Problem::new(
                    "format_fields",
                    [rec.len().to_string(), "16–21 cdr_csv fields".to_string()],
                ),
                raw,
            );
            continue;
        }
        let time = |i: usize| -> Result<Option<String>, Problem> {
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
        let call_id = match rec.get(16).map(|s| s.trim()).filter(looks_unique) {
            Some(u) => u.to_string(),
            None => format!("{}@{}", peer_masked(rec[5].trim()), rec[9].trim()),
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
            flags: Vec::new(),
        });
    }
    merge_legs(&mut ext);
    Ok(ext)
}

/// A channel (`SIP/09087654321-00000003`) with its peer's digits masked
/// when the peer is a number (a trunk named by the caller's number): the
/// channel makes the call id of a CDR without uniqueid, and a call id is
/// written out (rejected rows, the store).
fn peer_masked(channel: &str) -> String {
    let Some((tech, rest)) = channel.split_once('/') else {
        return channel.to_string();
    };
    let (peer, seq) = match rest.rsplit_once('-') {
        Some((p, s)) => (p, Some(s)),
        None => (rest, None),
    };
    if peer.chars().filter(|c| c.is_ascii_digit()).count() < 8 {
        return channel.to_string();
    }
    let peer = crate::mask::mask(peer);
    match seq {
        Some(s) => format!("{tech}/{peer}-{s}"),
        None => format!("{tech}/{peer}"),
    }
}

#[cfg(test)]
mod peer_tests {
    use super::peer_masked;

    #[test]
    fn a_numbered_peer_is_masked_in_the_call_id() {
        assert_eq!(
            peer_masked("SIP/09087654321-00000003"),
            "SIP/*******4321-00000003"
        );
        assert_eq!(peer_masked("PJSIP/201-0000000a"), "PJSIP/201-0000000a");
        assert_eq!(peer_masked("SIP/trunk-00000001"), "SIP/trunk-00000001");
        assert_eq!(
            peer_masked("Local/0312345678@from"),
            "Local/******5678@from"
        );
    }
}
