//! AWS Backup `list-backup-jobs` JSON → backups.
//!
//! The output of `aws backup list-backup-jobs` (or of the ListBackupJobs
//! API): `{"BackupJobs": [ {…}, … ], "NextToken": …}`. Mapping:
//! backup_id = BackupJobId, target = ResourceName (ResourceArn when the
//! name is absent or empty), started_at = CreationDate, ended_at =
//! CompletionDate, size_bytes = BackupSizeInBytes, location =
//! BackupVaultName; State COMPLETED → success, PARTIAL → partial, FAILED /
//! ABORTED / EXPIRED → failed, RUNNING / CREATED / PENDING / ABORTING →
//! running. Dates are UTC, as ISO 8601 strings (what the CLI prints) or
//! epoch seconds (what the raw API and some SDKs give), and are converted to
//! Japan time: a backup created at 23:30 UTC belongs to the next Japanese
//! day.
//!
//! Exports of overlapping windows repeat jobs: when a BackupJobId appears
//! more than once across the files, the one in the last file (file-name
//! order) wins and earlier copies are counted as skipped (superseded), so a
//! job seen RUNNING yesterday and COMPLETED today counts once, as
//! COMPLETED.

use super::{decode_text, Format, Input, Options, Results};
use crate::ingest::csv_reader::FileError;
use crate::ingest::records::{jst_text, utc_ms_to_jst, Extracted, Record};
use crate::problem::Problem;
use serde_json::Value;
use std::collections::HashMap;

/// The registry entry.
pub const FORMAT: Format = Format {
    name: "aws_backup",
    source: "backups",
    describe: "AWS Backup list-backup-jobs JSON (BackupJobs[])",
    sniff,
    read,
};

const COLUMNS: &[&str] = &[
    "backup_id",
    "target",
    "started_at",
    "ended_at",
    "status",
    "size_bytes",
    "location",
];
const LABELS: &[&str] = &[
    "BackupJobId",
    "ResourceName",
    "CreationDate",
    "CompletionDate",
    "State",
    "BackupSizeInBytes",
    "BackupVaultName",
];
const STATES: &[(&str, &str)] = &[
    ("COMPLETED", "success"),
    ("PARTIAL", "partial"),
    ("FAILED", "failed"),
    ("ABORTED", "failed"),
    ("EXPIRED", "failed"),
    ("RUNNING", "running"),
    ("CREATED", "running"),
    ("PENDING", "running"),
    ("ABORTING", "running"),
];

fn sniff(head: &str) -> bool {
    head.trim_start().starts_with('{') && head.contains("\"BackupJobs\"")
}

/// Byte offsets where each element of the top-level `BackupJobs` array
/// starts (for line numbers; serde_json gives values, not positions).
fn element_offsets(text: &str) -> Vec<usize> {
    let b = text.as_bytes();
    let (mut depth, mut i) = (0usize, 0usize);
    let mut in_jobs = false;
    let mut last_key: Option<(usize, usize)> = None;
    let mut out = Vec::new();
    while i < b.len() {
        match b[i] {
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                if depth == 1 {
                    last_key = Some((start, i));
                }
                if in_jobs && depth == 2 {
                    out.push(start - 1); // a string element (not a job object)
                }
            }
            b'[' | b'{' => {
                if in_jobs && depth == 2 {
                    out.push(i);
                }
                if b[i] == b'['
                    && depth == 1
                    && last_key.is_some_and(|(s, e)| &text[s..e] == "BackupJobs")
                {
                    in_jobs = true;
                }
                depth += 1;
            }
            b']' | b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 1 {
                    in_jobs = false;
                }
            }
            c if in_jobs && depth == 2 && !c.is_ascii_whitespace() && c != b',' => {
                out.push(i); // a scalar element (not a job object)
                while i + 1 < b.len() && !matches!(b[i + 1], b',' | b']') {
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// Drop the sub-second part (AWS gives microseconds; reports use minutes,
/// and whole seconds keep ISO and epoch exports of one job equal).
fn whole_seconds(ms: i64) -> i64 {
    ms - ms.rem_euclid(1000)
}

/// An AWS date (ISO 8601 string or epoch seconds) → canonical JST text,
/// to the second.
fn date(v: &Value) -> Result<Option<String>, Problem> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => {
            let ms = n
                .as_f64()
                .and_then(crate::ingest::records::epoch_ms)
                .ok_or_else(|| Problem::new("format_time_range", [n.to_string()]))?;
            Ok(Some(jst_text(utc_ms_to_jst(whole_seconds(ms)))))
        }
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => {
            // Numbers sent as strings are epoch seconds too.
            if let Ok(secs) = s.trim().parse::<f64>() {
                return date(&serde_json::json!(secs));
            }
            let t = s.trim();
            let has_offset = t.ends_with('Z')
                || t.ends_with('z')
                || t.get(t.len().saturating_sub(6)..)
                    .is_some_and(|x| x.starts_with('+') || x.starts_with('-'));
            if !has_offset {
                return Err(Problem::value("format_time_offset", s));
            }
            crate::time::parse_datetime_ms(t).map(|ms| Some(jst_text(whole_seconds(ms))))
        }
        other => Err(Problem::value("format_time", &other.to_string())),
    }
}

fn read(inputs: &[Input], opts: &Options) -> Results {
    let mut out: Vec<Result<Extracted, FileError>> =
        inputs.iter().map(|inp| read_one(inp, opts)).collect();
    // Later files supersede earlier copies of the same job (inputs come in
    // file-name order).
    let mut last: HashMap<String, (usize, usize)> = HashMap::new();
    for (fi, r) in out.iter().enumerate() {
        if let Ok(ext) = r {
            for (ri, rec) in ext.records.iter().enumerate() {
                if let Some(id) = &rec.cells[0] {
                    last.insert(id.clone(), (fi, ri));
                }
            }
        }
    }
    for (fi, r) in out.iter_mut().enumerate() {
        if let Ok(ext) = r {
            let before = ext.records.len();
            let mut ri = 0;
            ext.records.retain(|rec| {
                let keep = rec.cells[0]
                    .as_ref()
                    .is_none_or(|id| last.get(id) == Some(&(fi, ri)));
                ri += 1;
                keep
            });
            ext.skipped += before - ext.records.len();
        }
    }
    out
}

fn read_one(inp: &Input, opts: &Options) -> Result<Extracted, FileError> {
    let (text, enc, undecodable) = decode_text(inp, opts.encoding);
    if let Some((line, p, _)) = undecodable.first() {
        // JSON is read as a whole: a line in another encoding spoils it.
        return Err(FileError::Encoding {
            file: inp.display.clone(),
            line: *line,
            reason: p.english(),
        });
    }
    let bad = |reason: String| FileError::Malformed {
        file: inp.display.clone(),
        reason,
    };
    let doc: Value = serde_json::from_str(&text).map_err(|e| bad(format!("not JSON: {e}")))?;
    let jobs = doc
        .get("BackupJobs")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            bad("no BackupJobs array (expected the output of aws backup list-backup-jobs)".into())
        })?;
    let offsets = element_offsets(&text);
    // Offsets come in increasing order: count the lines once.
    let (mut at, mut line) = (0usize, 1u64);
    let lines: Vec<u64> = offsets
        .iter()
        .map(|&o| {
            line += memchr::memchr_iter(b'\n', &text.as_bytes()[at..o.max(at)]).count() as u64;
            at = o.max(at);
            line
        })
        .collect();
    let line_of = |i: usize| lines.get(i).copied().unwrap_or(1);
    let mut ext = Extracted::new(FORMAT.name, enc, COLUMNS);
    ext.labels = LABELS.iter().map(|s| s.to_string()).collect();
    for (i, job) in jobs.iter().enumerate() {
        let line = line_of(i);
        let raw = vec![job.to_string()];
        let Some(obj) = job.as_object() else {
            ext.bad_line(
                &inp.display,
                line,
                "BackupJobs",
                Problem::plain("format_not_object"),
                raw,
            );
            continue;
        };
        let s = |k: &str| -> Option<String> {
            match obj.get(k) {
                Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
                Some(Value::Number(n)) => Some(n.to_string()),
                _ => None,
            }
        };
        let (created, completed) = match (
            date(obj.get("CreationDate").unwrap_or(&Value::Null)),
            date(obj.get("CompletionDate").unwrap_or(&Value::Null)),
        ) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(e), _) => {
                ext.bad_line(&inp.display, line, "CreationDate", e, raw);
                continue;
            }
            (_, Err(e)) => {
                ext.bad_line(&inp.display, line, "CompletionDate", e, raw);
                continue;
            }
        };
        let state = s("State");
        let status = state.as_deref().map(|st| {
            STATES
                .iter()
                .find(|(a, _)| *a == st)
                .map_or(st.to_string(), |(_, c)| c.to_string())
        });
        ext.records.push(Record {
            line,
            cells: vec![
                s("BackupJobId"),
                s("ResourceName").or_else(|| s("ResourceArn")),
                created,
                completed,
                status,
                s("BackupSizeInBytes"),
                s("BackupVaultName"),
            ],
            raw,
            flags: Vec::new(),
        });
    }
    Ok(ext)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn element_lines() {
        let t = "{\n \"NextToken\": \"[x]\",\n \"BackupJobs\": [\n  {\"a\": {\"b\": [1]}},\n  {\"c\": 2}\n ]\n}";
        let offs = element_offsets(t);
        let lines: Vec<usize> = offs
            .iter()
            .map(|&o| t[..o].matches('\n').count() + 1)
            .collect();
        assert_eq!(lines, vec![4, 5]);
    }

    #[test]
    fn dates() {
        assert_eq!(
            date(&serde_json::json!("2026-10-05T23:30:00.000Z"))
                .unwrap()
                .unwrap(),
            "2026-10-06T08:30:00"
        );
        assert_eq!(
            date(&serde_json::json!(1.791170400125E9)).unwrap().unwrap(),
            jst_text(utc_ms_to_jst(1_791_170_400_000))
        );
        assert!(date(&serde_json::json!("yesterday")).is_err());
        assert!(date(&serde_json::json!("2026-10-05T23:30:00")).is_err());
    }
}
