//! Adapters for real exports: each reads one tool's own format and maps it
//! onto a canonical source (inputs.md, "Real formats").
//!
//! An adapter is one file here plus one entry in [`FORMATS`]. It gets every
//! file of its format for a source at once, so a call that starts in one
//! rotated Asterisk log and ends in the next is still one call. What it
//! returns, per file, is [`Extracted`] text records that the canonical cell
//! parsers then type and check (see [`super::records`]).
//!
//! Tools whose export is a CSV with headers (Redmine, ServiceNow, job
//! schedulers) need no adapter: a mapping profile in configuration maps them
//! ([`super::profile`]).

pub mod asterisk_cdr;
pub mod asterisk_queue_log;
pub mod aws_backup;
pub mod sysstat_sadf;

use super::csv_reader::FileError;
use super::records::Extracted;
use crate::encoding::{decode_lines, Encoding};
use crate::problem::Problem;
use chrono::{NaiveDateTime, TimeZone};
use chrono_tz::Tz;

/// One input file handed to an adapter.
pub struct Input {
    /// File path as shown in messages.
    pub display: String,
    /// Its bytes.
    pub raw: Vec<u8>,
}

/// Per-file-set options from `[sources.<source>] files` (site.toml).
#[derive(Debug, Clone)]
pub struct Options {
    /// Zone of timestamps written without an offset (default Asia/Tokyo).
    pub timezone: Tz,
    /// Forced encoding (default: detected).
    pub encoding: Option<Encoding>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            timezone: chrono_tz::Asia::Tokyo,
            encoding: None,
        }
    }
}

/// A registered export format.
#[derive(Debug)]
pub struct Format {
    /// Name used in config, the manifest and `validate`.
    pub name: &'static str,
    /// The canonical source it feeds.
    pub source: &'static str,
    /// One line for `validate` and docs.
    pub describe: &'static str,
    /// Whether the start of a file (decoded text) looks like this format.
    pub sniff: fn(&str) -> bool,
    /// Read every file of this format for the source, in one go; one result
    /// per input, in input order.
    pub read: fn(&[Input], &Options) -> Results,
}

/// One result per input file.
pub type Results = Vec<Result<Extracted, FileError>>;

/// The calls columns both Asterisk adapters fill, in cell order.
pub const CALL_COLUMNS: &[&str] = &[
    "call_id",
    "queue",
    "offered_at",
    "answered_at",
    "ended_at",
    "outcome",
    "agent",
    "talk_seconds",
    "caller",
];

/// Every adapter.
pub static FORMATS: &[Format] = &[
    asterisk_queue_log::FORMAT,
    asterisk_cdr::FORMAT,
    sysstat_sadf::FORMAT,
    aws_backup::FORMAT,
];

/// The adapter with this name.
pub fn find(name: &str) -> Option<&'static Format> {
    FORMATS.iter().find(|f| f.name == name)
}

/// Decode a whole file line by line (UTF-8 or CP932, decided as the
/// canonical reader does): the text, the encoding's name, and each line
/// that is not in that encoding recorded in `ext` as set aside (its line
/// is empty in the text, so the numbering holds).
pub fn decode_text(
    inp: &Input,
    forced: Option<Encoding>,
) -> (
    String,
    &'static str,
    Vec<(u64, crate::problem::Problem, String)>,
) {
    let d = decode_lines(&inp.raw, forced);
    (d.text, d.encoding.name(), d.bad)
}

/// A wall-clock time in `tz` → naive JST milliseconds. An ambiguous time
/// (the hour repeated when daylight saving time ends) is taken as the first
/// of the two; a time that does not exist (skipped when it starts) is an
/// error.
pub fn local_to_jst_ms(local: NaiveDateTime, tz: Tz) -> Result<i64, Problem> {
    if tz == chrono_tz::Asia::Tokyo {
        return Ok(crate::time::dt_to_ms(local));
    }
    let utc = match tz.from_local_datetime(&local) {
        chrono::LocalResult::Single(t) => t,
        chrono::LocalResult::Ambiguous(a, _) => a,
        chrono::LocalResult::None => {
            return Err(Problem::new(
                "no_such_local_time",
                [local.to_string(), tz.to_string()],
            ))
        }
    };
    Ok(super::records::utc_ms_to_jst(utc.timestamp_millis()))
}

/// Parse `YYYY-MM-DD HH:MM:SS` as written by Asterisk and sysstat.
pub fn parse_plain(s: &str) -> Result<NaiveDateTime, Problem> {
    NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S")
        .map_err(|_| Problem::value("format_plain_time", s))
}
