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
    let (mut out, mut events) = parse_events(inputs, opts);
    order_events(&mut events);
    let names: Vec<String> = inputs.iter().map(|i| i.display.clone()).collect();
    let mut calls = Pairing::new(&names);
    for e in events {
        calls.event(e);
    }
    let (done, issues) = calls.finish();
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

/// Every file's events, and per file what it extracted so far (bad lines).
fn parse_events(
    inputs: &[Input],
    opts: &Options,
) -> (Vec<Result<Extracted, FileError>>, Vec<Event>) {
    let mut out: Vec<Result<Extracted, FileError>> = Vec::new();
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
            match parse_line(line, fi, line_no) {
                Ok(Some(e)) => events.push(e),
                Ok(None) => {}
                Err((column, problem, raw)) => {
                    ext.bad_line(&inp.display, line_no, column, problem, raw)
                }
            }
        }
        out.push(Ok(ext));
    }
    (out, events)
}

/// One line: an event, nothing (an event that says nothing about a call's
/// outcome), or why it cannot be read (column, problem, the masked fields).
#[allow(clippy::type_complexity)]
fn parse_line(
    line: &str,
    fi: usize,
    line_no: u64,
) -> Result<Option<Event>, (&'static str, Problem, Vec<String>)> {
    let f: Vec<&str> = line.split('|').collect();
    let mut raw: Vec<String> = f.iter().map(|s| s.to_string()).collect();
    // The callerid of ENTERQUEUE is personal data: masked before any
    // message can carry the line.
    if f.get(4).map(|e| e.trim()) == Some("ENTERQUEUE") && raw.len() > 6 {
        raw[6] = crate::mask::mask(&raw[6]);
    }
    if f.len() < 5 {
        let p = Problem::new(
            "format_fields",
            [
                f.len().to_string(),
                "epoch|callid|queue|agent|event…".into(),
            ],
        );
        return Err(("line", p, raw));
    }
    let ms = match f[0]
        .trim()
        .parse::<f64>()
        .ok()
        .and_then(crate::ingest::records::epoch_ms)
    {
        Some(ms) if ms > 0 => ms,
        _ => return Err(("epoch", Problem::value("format_epoch", f[0]), raw)),
    };
    let event = f[4].trim().to_string();
    if IGNORED.contains(&event.as_str()) {
        return Ok(None);
    }
    Ok(Some(Event {
        ms,
        file: fi,
        line: line_no,
        callid: f[1].trim().to_string(),
        queue: f[2].trim().to_string(),
        agent: f[3].trim().to_string(),
        event,
        data: f[5..].iter().map(|s| s.trim().to_string()).collect(),
        raw,
    }))
}

/// Files in the order of their first event (rotated names do not sort by
/// time), then every event by time; equal times keep file and line order.
fn order_events(events: &mut [Event]) {
    let mut first: HashMap<usize, i64> = HashMap::new();
    for e in events.iter() {
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
}

/// A set-aside line: (file index, line, column, problem, masked fields).
type Issue = (usize, u64, String, Problem, Vec<String>);

/// Events paired into calls: a call opens at ENTERQUEUE and ends at its
/// outcome.
struct Pairing<'a> {
    names: &'a [String],
    open: HashMap<String, Open>,
    entries: HashMap<String, usize>,
    done: Vec<(usize, Record)>,
    issues: Vec<Issue>,
}

impl<'a> Pairing<'a> {
    fn new(names: &'a [String]) -> Self {
        Pairing {
            names,
            open: HashMap::new(),
            entries: HashMap::new(),
            done: Vec::new(),
            issues: Vec::new(),
        }
    }

    /// `file:line` of an event.
    fn at(&self, e: &Event) -> String {
        format!("{}:{}", self.names[e.file], e.line)
    }

    fn orphan(&mut self, e: Event) {
        self.issues.push((
            e.file,
            e.line,
            "callid".to_string(),
            Problem::new("qlog_orphan", [e.event.as_str(), e.callid.as_str()]),
            e.raw,
        ));
    }

    fn event(&mut self, e: Event) {
        let jst = utc_ms_to_jst(e.ms);
        match e.event.as_str() {
            "ENTERQUEUE" => self.enter(e, jst),
            "CONNECT" => match self.open.get_mut(&e.callid) {
                Some(o) if o.answered.is_none() => o.answered = Some((jst, e.agent)),
                Some(_) => self.issues.push((
                    e.file,
                    e.line,
                    "event".into(),
                    Problem::new("qlog_second_connect", [e.callid.as_str()]),
                    e.raw,
                )),
                None => self.orphan(e),
            },
            "RINGNOANSWER" => {
                if !self.open.contains_key(&e.callid) {
                    self.orphan(e);
                }
            }
            "COMPLETECALLER" | "COMPLETEAGENT" | "TRANSFER" | "BLINDTRANSFER"
            | "ATTENDEDTRANSFER" => self.complete(e, jst),
            "ABANDON" | "EXITWITHTIMEOUT" | "EXITEMPTY" | "EXITWITHKEY" | "WITHDRAW" => {
                self.exit(e, jst)
            }
            other => self.issues.push((
                e.file,
                e.line,
                "event".into(),
                Problem::value("qlog_unknown_event", other),
                e.raw,
            )),
        }
    }

    /// ENTERQUEUE: a call opens; a call that enters again before its
    /// outcome is a new entry (`<callid>#n`), the earlier one set aside.
    fn enter(&mut self, e: Event, jst: i64) {
        if let Some(prev) = self.open.remove(&e.callid) {
            let at = self.at(&e);
            self.issues.push((
                prev.file,
                prev.line,
                "callid".into(),
                Problem::new("qlog_reentered", [e.callid.clone(), at]),
                prev.raw,
            ));
        }
        let n = self.entries.entry(e.callid.clone()).or_insert(0);
        *n += 1;
        let call_id = if *n == 1 {
            e.callid.clone()
        } else {
            format!("{}#{n}", e.callid)
        };
        self.open.insert(
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

    /// COMPLETE* and the transfers: an answered call ends.
    fn complete(&mut self, e: Event, jst: i64) {
        // COMPLETE*: holdtime|calltime|origposition. The transfers end
        // in …|holdtime|calltime|origposition after a variable number
        // of fields (ATTENDEDTRANSFER LINK has two channels), so count
        // from the end.
        let talk = if e.event.starts_with("COMPLETE") {
            e.data.get(1)
        } else {
            e.data.len().checked_sub(2).and_then(|i| e.data.get(i))
        };
        match self.open.remove(&e.callid) {
            Some(o) if o.answered.is_some() => self.done.push((
                o.file,
                record(&o, Some(jst), "answered", talk.map(String::as_str)),
            )),
            Some(o) => {
                let at = self.at(&e);
                self.issues.push((
                    o.file,
                    o.line,
                    "event".into(),
                    Problem::new("qlog_no_connect", [e.event.clone(), at]),
                    o.raw,
                ))
            }
            None => self.orphan(e),
        }
    }

    /// ABANDON, EXITWITH*, WITHDRAW: an unanswered call ends.
    fn exit(&mut self, e: Event, jst: i64) {
        let outcome = match e.event.as_str() {
            "ABANDON" => "abandoned",
            "EXITWITHTIMEOUT" => "timeout",
            _ => "overflow",
        };
        match self.open.remove(&e.callid) {
            Some(o) if o.answered.is_none() => self
                .done
                .push((o.file, record(&o, Some(jst), outcome, None))),
            Some(o) => {
                let at = self.at(&e);
                self.issues.push((
                    o.file,
                    o.line,
                    "event".into(),
                    Problem::new("qlog_after_connect", [e.event.clone(), at]),
                    o.raw,
                ))
            }
            None => self.orphan(e),
        }
    }

    /// Calls still open at the end of the logs: answered ones end there,
    /// the others have no outcome. The records in file and line order.
    fn finish(mut self) -> (Vec<(usize, Record)>, Vec<Issue>) {
        for o in std::mem::take(&mut self.open).into_values() {
            if o.answered.is_some() {
                self.done.push((o.file, record(&o, None, "answered", None)));
            } else {
                self.issues.push((
                    o.file,
                    o.line,
                    "callid".into(),
                    Problem::new("qlog_no_outcome", [o.call_id.as_str()]),
                    o.raw,
                ));
            }
        }
        self.done.sort_by_key(|(f, r)| (*f, r.line));
        (self.done, self.issues)
    }
}
