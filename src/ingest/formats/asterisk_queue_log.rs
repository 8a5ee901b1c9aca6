//! Asterisk `queue_log` → calls.
//!
//! Each line is `epoch|callid|queue|agent|event|data1|data2|…` (epoch in UTC
//! seconds). A call is the run of events of one callid from `ENTERQUEUE` to
//! the event that ends its time in the queue:
//!
//! | event | outcome | ended_at | talk_seconds |
//! |---|---|---|---|
//! | CONNECT, then COMPLETECALLER / COMPLETEAGENT | answered | that event | calltime (data2) |
//! | CONNECT, then TRANSFER / BLINDTRANSFER / ATTENDEDTRANSFER | answered | that event | calltime (the next-to-last field) |
//! | ABANDON | abandoned | that event | |
//! | EXITWITHTIMEOUT | timeout | that event | |
//! | EXITEMPTY, EXITWITHKEY, WITHDRAW | overflow | that event | |
//!
//! `offered_at` is the ENTERQUEUE time, `caller` its callerid (data2),
//! `answered_at` the CONNECT time and `agent` the CONNECT line's agent.
//! RINGNOANSWER (an agent did not pick up) and the agent and queue events
//! (ADDMEMBER, PAUSE, AGENTLOGIN, QUEUESTART, …) change no call and are
//! ignored. All files are read together and ordered by time, so a call that
//! spans midnight or a log rotation is one call. An event whose callid has
//! no open ENTERQUEUE is reported, not guessed; so is a call still waiting
//! when the log ends (it is counted when a later log has its outcome). A
//! call connected but not yet ended is answered with no end time.

use super::{decode_text, Format, Input, Options, Results};
use crate::ingest::csv_reader::FileError;
use crate::ingest::records::{jst_text, utc_ms_to_jst, Extracted, Record};
use crate::problem::Problem;
use std::collections::HashMap;

/// The registry entry.
pub const FORMAT: Format = Format {
    name: "asterisk_queue_log",
    source: "calls",
    describe: "Asterisk queue_log (epoch|callid|queue|agent|event|data…)",
    sniff,
    read,
};

const COLUMNS: &[&str] = super::CALL_COLUMNS;
const LABELS: &[&str] = &[
    "callid",
    "queue",
    "ENTERQUEUE time",
    "CONNECT time",
    "end event time",
    "event",
    "agent",
    "calltime",
    "callerid",
];

/// Events that do not belong to a call in the queue, or change none.
const IGNORED: &[&str] = &[
    "ADDMEMBER",
    "REMOVEMEMBER",
    "PAUSE",
    "UNPAUSE",
    "PAUSEALL",
    "UNPAUSEALL",
    "PAUSECUSTOM",
    "AGENTLOGIN",
    "AGENTLOGOFF",
    "AGENTCALLBACKLOGIN",
    "AGENTCALLBACKLOGOFF",
    "AGENTDUMP",
    "QUEUESTART",
    "CONFIGRELOAD",
    "SYSCOMPAT",
    "DID",
    "INFO",
    "RINGCANCELED",
    "PENALTY",
];

fn sniff(head: &str) -> bool {
    let Some(line) = head.lines().map(str::trim).find(|l| !l.is_empty()) else {
        return false;
    };
    let f: Vec<&str> = line.split('|').collect();
    f.len() >= 5
        && !f[0].is_empty()
        && f[0].bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && !f[4].is_empty()
        && f[4].bytes().all(|b| b.is_ascii_uppercase() || b == b'_')
}

struct Event {
    ms: i64,
    file: usize,
    line: u64,
    callid: String,
    queue: String,
    agent: String,
    event: String,
    data: Vec<String>,
    raw: Vec<String>,
}

struct Open {
    file: usize,
    line: u64,
    raw: Vec<String>,
    call_id: String,
    queue: String,
    offered: i64,
    caller: String,
    answered: Option<(i64, String)>,
}

fn record(o: &Open, ended: Option<i64>, outcome: &str, talk: Option<&str>) -> Record {
    let cell = |s: &str| (!s.is_empty()).then(|| s.to_string());
    Record {
        line: o.line,
        cells: vec![
            Some(o.call_id.clone()),
            cell(&o.queue),
            Some(jst_text(o.offered)),
            o.answered.as_ref().map(|a| jst_text(a.0)),
            ended.map(jst_text),
            Some(outcome.to_string()),
            o.answered.as_ref().and_then(|a| cell(&a.1)),
            talk.and_then(cell),
            cell(&o.caller),
        ],
        raw: o.raw.clone(),
        flags: Vec::new(),
    }
}

fn read(inputs: &[Input], opts: &Options) -> Results {
    let mut out: Vec<Result<Extracted, FileError>> = Vec::new();
    #[allow(clippy::type_complexity)]
    let mut events: Vec<Event> = Vec::new();
    for (fi, inp) in inputs.iter().enumerate() {
        let (text, enc, bad) = decode_text(inp, opts.encoding);
        let mut ext = Extracted::new(FORMAT.name, enc, COLUMNS);
        ext.labels = LABELS.iter().map(|s| s.to_string()).collect();
        ext.bad_encoding(&inp.display, bad);
        for (li, line) in text.lines().enumerate() {
            let line_no = li as u64 + 1;
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() {
                continue;
            }
            let f: Vec<&str> = line.split('|').collect();
            let mut raw: Vec<String> = f.iter().map(|s| s.to_string()).collect();
            // The callerid of ENTERQUEUE is personal data: masked before any
            // message can carry the line.
            if f.get(4).map(|e| e.trim()) == Some("ENTERQUEUE") && raw.len() > 6 {
                raw[6] = crate::mask::mask(&raw[6]);
            }
            if f.len() < 5 {
                ext.bad_line(
                    &inp.display,
                    line_no,
                    "line",
                    Problem::new(
                        "format_fields",
                        [f.len().to_string(), "epoch|callid|queue|agent|event…".into()],
                    ),
                    raw,
                );
                continue;
            }
            let ms = match f[0]
                .trim()
                .parse::<f64>()
                .ok()
                .and_then(crate::ingest::records::epoch_ms)
            {
                Some(ms) if ms > 0 => ms,
                _ => {
                    ext.bad_line(
                        &inp.display,
                        line_no,
                        "epoch",
                        Problem::value("format_epoch", f[0]),
                        raw,
                    );
                    continue;
                }
            };
            let event = f[4].trim().to_string();
            if IGNORED.contains(&event.as_str()) {
                continue;
            }

            events.push(Event {
                ms,
                file: fi,
                line: line_no,
                callid: f[1].trim().to_string(),
                queue: f[2].trim().to_string(),
                agent: f[3].trim().to_string(),
                event,
                data: f[5..].iter().map(|s| s.trim().to_string()).collect(),
                raw,
            });
        }
        out.push(Ok(ext));
    }
    // Files in the order of their first event (rotated names do not sort by
    // time), then every event by time; equal times keep file and line order.
    let mut first: HashMap<usize, i64> = HashMap::new();
    for e in &events {
        first
            .entry(e.file)
            .and_modify(|m| *m = (*m).min(e.ms))
            .or_insert(e.ms);
    }
    events.sort_by_key(|e| {
        (
            e.ms,
            first.get(&e.file).copied().unwrap_or(0),
            e.file,
            e.line,
        )
    });

    let mut open: HashMap<String, Open> = HashMap::new();
    let mut entries: HashMap<String, usize> = HashMap::new();
    let mut done: Vec<(usize, Record)> = Vec::new();
    let mut issues: Vec<(usize, u64, String, Problem, Vec<String>)> = Vec::new();
    let name = |i: usize| inputs[i].display.clone();
    for e in events {
        let jst = utc_ms_to_jst(e.ms);
        let orphan = |e: &Event| {
            (
                e.file,
                e.line,
                "callid".to_string(),
                Problem::new("qlog_orphan", [e.event.as_str(), e.callid.as_str()]),
                e.raw.clone(),
            )
        };
        match e.event.as_str() {
            "ENTERQUEUE" => {
                if let Some(prev) = open.remove(&e.callid) {
                    issues.push((
                        prev.file,
                        prev.line,
                        "callid".into(),
                        Problem::new(
                            "qlog_reentered",
                            [e.callid.clone(), format!("{}:{}", name(e.file), e.line)],
                        ),
                        prev.raw,
                    ));
                }
                let n = entries.entry(e.callid.clone()).or_insert(0);
                *n += 1;
                let call_id = if *n == 1 {
                    e.callid.clone()
                } else {
                    format!("{}#{n}", e.callid)
                };
                open.insert(
                    e.callid.clone(),
                    Open {
                        file: e.file,
                        line: e.line,
                        raw: e.raw,
                        call_id,
                        queue: e.queue,
                        offered: jst,
                        caller: e.data.get(1).cloned().unwrap_or_default(),
                        answered: None,
                    },
                );
            }
            "CONNECT" => match open.get_mut(&e.callid) {
                Some(o) if o.answered.is_none() => o.answered = Some((jst, e.agent)),
                Some(_) => issues.push((
                    e.file,
                    e.line,
                    "event".into(),
                    Problem::new("qlog_second_connect", [e.callid.as_str()]),
                    e.raw,
                )),
                None => issues.push(orphan(&e)),
            },
            "RINGNOANSWER" => {
                if !open.contains_key(&e.callid) {
                    issues.push(orphan(&e));
                }
            }
            "COMPLETECALLER" | "COMPLETEAGENT" | "TRANSFER" | "BLINDTRANSFER"
            | "ATTENDEDTRANSFER" => {
                // COMPLETE*: holdtime|calltime|origposition. The transfers end
                // in …|holdtime|calltime|origposition after a variable number
                // of fields (ATTENDEDTRANSFER LINK has two channels), so count
                // from the end.
                let talk = if e.event.starts_with("COMPLETE") {
                    e.data.get(1)
                } else {
                    e.data.len().checked_sub(2).and_then(|i| e.data.get(i))
                };
                match open.remove(&e.callid) {
                    Some(o) if o.answered.is_some() => done.push((
                        o.file,
                        record(&o, Some(jst), "answered", talk.map(String::as_str)),
                    )),
                    Some(o) => issues.push((
                        o.file,
                        o.line,
                        "event".into(),
                        Problem::new(
                            "qlog_no_connect",
                            [e.event.clone(), format!("{}:{}", name(e.file), e.line)],
                        ),
                        o.raw,
                    )),
                    None => issues.push(orphan(&e)),
                }
            }
            "ABANDON" | "EXITWITHTIMEOUT" | "EXITEMPTY" | "EXITWITHKEY" | "WITHDRAW" => {
                let outcome = match e.event.as_str() {
                    "ABANDON" => "abandoned",
                    "EXITWITHTIMEOUT" => "timeout",
                    _ => "overflow",
                };
                match open.remove(&e.callid) {
                    Some(o) if o.answered.is_none() => {
                        done.push((o.file, record(&o, Some(jst), outcome, None)))
                    }
                    Some(o) => issues.push((
                        o.file,
                        o.line,
                        "event".into(),
                        Problem::new(
                            "qlog_after_connect",
                            [e.event.clone(), format!("{}:{}", name(e.file), e.line)],
                        ),
                        o.raw,
                    )),
                    None => issues.push(orphan(&e)),
                }
            }
            other => issues.push((
                e.file,
                e.line,
                "event".into(),
                Problem::value("qlog_unknown_event", other),
                e.raw,
            )),
        }
    }
    for o in open.into_values() {
        if o.answered.is_some() {
            done.push((o.file, record(&o, None, "answered", None)));
        } else {
            issues.push((
                o.file,
                o.line,
                "callid".into(),
                Problem::new("qlog_no_outcome", [o.call_id.as_str()]),
                o.raw,
            ));
        }
    }
    done.sort_by_key(|(f, r)| (*f, r.line));
    // `out` holds one result per input, in input order.
    for (fi, rec) in done {
        if let Some(Ok(ext)) = out.get_mut(fi) {
            ext.records.push(rec);
        }
    }
    for (fi, line, column, reason, raw) in issues {
        if let Some(Ok(ext)) = out.get_mut(fi) {
            ext.bad_line(&inputs[fi].display, line, &column, reason, raw);
        }
    }
    out
}
