//! What is wrong with a row, as a stable machine code with its arguments.
//!
//! Every reason a row is set aside (or flagged) is a [`Problem`]: a code
//! from [`CODES`] and the values it quotes. The English text (stderr,
//! `validate`) comes from [`CODES`]; the Japanese text of the documents
//! comes from `templates/labels.toml` `[problems]`, so the wording can
//! change without code; the JSON carries the code beside the text.
//!
//! Arguments quoted from an input pass through [`crate::mask::mask_phones`]
//! when the problem is made, so a caller's number that landed in the wrong
//! column never leaves the process in an error message.

use std::fmt;

/// Every problem code with its English template (`{0}`, `{1}`: arguments).
pub static CODES: &[(&str, &str)] = &[
    // Cells.
    ("required_empty", "required value is empty"),
    (
        "not_datetime",
        "not a datetime: {0} (expected e.g. 2026-10-01T09:15:00+09:00 or 2026/10/1 9:15)",
    ),
    ("date_without_time", "date without a time: {0}"),
    ("no_such_datetime", "no such date or time: {0}"),
    ("not_integer", "not a whole number: {0}"),
    ("not_number", "not a number: {0}"),
    ("not_boolean", "not a boolean: {0} (true/false, 1/0, 有/無, ○/×)"),
    ("unknown_value", "unknown value {0} (allowed: {1})"),
    ("unknown_priority", "unknown priority {0} (1–4, P1–P4, 緊急/高/中/低)"),
    ("no_such_local_time", "{0} does not exist in {1} (clocks skip it)"),
    ("format_mismatch", "{0} does not match {1}"),
    // Records.
    ("too_many_fields", "{0} fields, expected {1}"),
    ("too_few_fields", "{0} fields, expected {1}"),
    (
        "stray_quote",
        "a quote in the wrong place (a field must be quoted as a whole)",
    ),
    ("unterminated_quote", "a quoted field is never closed"),
    ("invalid_bytes", "bytes that are not {0} (the file was read as {0})"),
    ("foreign_encoding", "a {0} line in a {1} file"),
    // Adapters of real exports.
    ("format_fields", "expected {1}, found {0} field(s)"),
    ("format_epoch", "not a Unix time: {0}"),
    ("format_header", "expected a header line {0}"),
    ("format_before_header", "data before any header line {0}"),
    ("format_time", "not a time: {0}"),
    ("format_time_range", "not a time from 1970 to 2099: {0}"),
    ("format_plain_time", "not a timestamp YYYY-MM-DD HH:MM:SS: {0}"),
    ("format_time_offset", "not an ISO 8601 time with an offset: {0}"),
    ("format_not_object", "not a backup job object"),
    ("cdr_disposition", "unknown disposition {0}"),
    ("qlog_reentered", "call {0} entered the queue again at {1} before this entry ended: not counted"),
    ("qlog_second_connect", "second CONNECT for call {0}: ignored"),
    ("qlog_orphan", "{0} for call {1} without a matching ENTERQUEUE: not counted"),
    ("qlog_no_connect", "{0} at {1} without a CONNECT: call not counted"),
    ("qlog_after_connect", "{0} at {1} after CONNECT: call not counted"),
    ("qlog_unknown_event", "unknown queue_log event {0}: not counted"),
    ("qlog_no_outcome", "call {0} has no outcome by the end of the log (still waiting?): not counted until a later log has it"),
    // Flags on accepted rows (data-quality notes).
    ("outage_no_end", "outage of ticket {0} has no end: counted as down to the period end"),
    ("outage_no_start", "outage ticket {0} has no outage start: not in availability"),
    ("outage_whole_period", "system {0} was down for the whole period (ticket {1})"),
    ("outage_open_uncovered", "the outage of ticket {0} is still open, but the tickets export does not cover the period (nothing recorded in it): availability is no data; if the export was taken after the period, say so with covers = \"name\" (CONFIG.md) and the outage counts"),
    ("cancelled_resolved", "ticket {0} is cancelled but has a resolution time: not counted as resolved for SLA"),
    ("duplicate_key", "{0} is also on line {1} of this file: the row with the newest updated_at is used"),
    ("superseded", "{0} is replaced by a later row ({1})"),
    ("out_of_order", "{0} {1} is before {2} {3}: the row is set aside"),
    ("sla_no_holidays", "the {1} SLA clock of ticket {0} is left out: it runs on business days and there is no public-holiday data for {2} (the holiday list covers {3}); update the holiday CSV (docs/CONFIG.md)"),
    ("sla_clock_failed", "the {1} SLA clock of ticket {0} is left out: {2}"),
    ("repeated_row", "{0} repeats line {1} of this file unchanged: counted once"),
    ("profile_value_unmapped", "value {0} is not in the profile's map for {1}"),
    ("cdr_only", "calls come from the Asterisk CDR alone: a call that timed out of the queue or went to voicemail is counted as answered (Queue() answers the channel), so answered, timeout and ASA can be wrong; read queue_log as well"),
    ("cdr_without_uniqueid", "the CDR has no uniqueid column (loguniqueid = no), so its {0} rows cannot be matched with queue_log: calls are counted from queue_log alone and these rows are skipped"),
    ("cdr_unmatched", "{0} calls of the CDR are not in queue_log: counted from the CDR, where a call that timed out of a queue or went to voicemail is ANSWERED"),
    ("planned_column_absent", "the export has no planned column: every outage counted as unplanned"),
];

/// One problem: a code of [`CODES`] and its arguments.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// Stable machine code (`not_datetime`, `too_many_fields`, …).
    pub code: &'static str,
    /// The values the message quotes (phone-shaped text masked).
    pub args: Vec<String>,
}

impl Problem {
    /// A problem quoting `args` (masked). Panics in debug builds on a code
    /// not in [`CODES`].
    pub fn new<I, S>(code: &'static str, args: I) -> Problem
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        debug_assert!(
            CODES.iter().any(|(c, _)| *c == code),
            "unknown problem code {code}"
        );
        Problem {
            code,
            args: args
                .into_iter()
                .map(|a| crate::mask::mask_phones(a.as_ref()).into_owned())
                .collect(),
        }
    }

    /// The problem of a stored `code` (one of [`CODES`]) and its arguments,
    /// as written earlier (already masked); `None` for a code this version
    /// does not know.
    pub fn from_stored(code: &str, args: Vec<String>) -> Option<Problem> {
        let code = CODES.iter().find(|(c, _)| *c == code)?.0;
        Some(Problem { code, args })
    }

    /// A problem without arguments.
    pub fn plain(code: &'static str) -> Problem {
        Problem::new::<[&str; 0], &str>(code, [])
    }

    /// A problem quoting one value, shown in quotes.
    pub fn value(code: &'static str, v: &str) -> Problem {
        Problem::new(code, [quote(v)])
    }

    /// The English text.
    pub fn english(&self) -> String {
        let tpl = CODES
            .iter()
            .find(|(c, _)| *c == self.code)
            .map_or("{0}", |(_, t)| t);
        fill(tpl, &self.args)
    }

    /// The text from a template of the same placeholders (the Japanese
    /// labels); the English text when `tpl` is `None`.
    pub fn render(&self, tpl: Option<&str>) -> String {
        match tpl {
            Some(t) => fill(t, &self.args),
            None => self.english(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.english())
    }
}

/// A value as quoted in messages: `"…"`, cut at 60 characters.
pub fn quote(v: &str) -> String {
    let v = v.trim();
    let mut s: String = v.chars().take(60).collect();
    if v.chars().nth(60).is_some() {
        s.push('…');
    }
    format!("\"{s}\"")
}

/// Replace `{0}`, `{1}`, … in `tpl`.
pub fn fill(tpl: &str, args: &[String]) -> String {
    let mut out = String::with_capacity(tpl.len() + 16);
    let mut rest = tpl;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        match after.find('}') {
            Some(j) if after[..j].chars().all(|c| c.is_ascii_digit()) && j > 0 => {
                let n: usize = after[..j].parse().unwrap_or(usize::MAX);
                out.push_str(args.get(n).map_or("", String::as_str));
                rest = &after[j + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_and_masks() {
        let p = Problem::new("unknown_value", ["\"03-6742-7981\"", "a, b"]);
        assert_eq!(
            p.english(),
            "unknown value \"**-****-7981\" (allowed: a, b)"
        );
        assert_eq!(fill("{1}／{0}{", &["x".into(), "y".into()]), "y／x{");
        assert_eq!(quote(&"あ".repeat(61)), format!("\"{}…\"", "あ".repeat(60)));
    }
}
