//! sysstat `sadf -d` → capacity.
//!
//! `sadf -d` writes one semicolon-separated line per sample after a header
//! line `# hostname;interval;timestamp;<activity fields>`; a file may hold
//! several activities, each after its own header. Read here:
//!
//! | activity | header has | metric | value | resource |
//! |---|---|---|---|---|
//! | `-u` CPU | `%idle` | cpu_pct | 100 − %idle | (all CPUs) |
//! | `-r` memory | `%memused` | mem_pct | %memused | |
//! | `-S` swap | `%swpused` | swap_pct | %swpused | |
//! | `-F` filesystems | `%fsused` | disk_pct | %fsused | FILESYSTEM or MOUNTPOINT |
//!
//! Timestamps ending in ` UTC` (sadf's default) are converted to Japan time;
//! `sadf -t` timestamps (local time, followed by the zone's abbreviation
//! such as ` JST` since sysstat 12.7.1, bare before) are local time in the
//! file set's `timezone` (default Asia/Tokyo). Skipped and counted, never read as samples:
//! `LINUX-RESTART` and `COM` records, per-CPU rows of `-P ALL` (the report
//! watches the machine, not one core) and rows of other activities.

use super::{decode_text, local_to_jst_ms, parse_plain, Format, Input, Options, Results};
use crate::ingest::csv_reader::FileError;
use crate::ingest::records::{jst_text, utc_ms_to_jst, Extracted, Record};
use crate::problem::Problem;

/// The registry entry.
pub const FORMAT: Format = Format {
    name: "sysstat_sadf",
    source: "capacity",
    describe: "sysstat sadf -d (-u CPU, -r memory, -S swap, -F filesystems)",
    sniff,
    read,
};

const COLUMNS: &[&str] = &["host", "metric", "resource", "sampled_at", "value"];

fn sniff(head: &str) -> bool {
    head.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .is_some_and(|l| l.starts_with("# hostname;interval;timestamp;"))
}

/// What the current header describes.
enum Layout {
    None,
    Other(String),
    Metric {
        metric: &'static str,
        value: usize,
        invert: bool,
        cpu: Option<usize>,
        resource: Option<usize>,
        header: Vec<String>,
    },
}

fn layout(fields: &[String]) -> Layout {
    let at = |n: &str| fields.iter().position(|f| f == n);
    let resource = at("FILESYSTEM").or_else(|| at("MOUNTPOINT"));
    let (metric, value, invert) = if let Some(i) = at("%idle") {
        ("cpu_pct", i, true)
    } else if let Some(i) = at("%memused") {
        ("mem_pct", i, false)
    } else if let Some(i) = at("%swpused") {
        ("swap_pct", i, false)
    } else if let Some(i) = at("%fsused") {
        ("disk_pct", i, false)
    } else {
        return Layout::Other(fields[3..].join(";"));
    };
    let cpu = if metric == "cpu_pct" { at("CPU") } else { None };
    Layout::Metric {
        metric,
        value,
        invert,
        cpu,
        resource: resource.filter(|_| metric == "disk_pct"),
        header: fields.to_vec(),
    }
}

fn read(inputs: &[Input], opts: &Options) -> Results {
    inputs.iter().map(|inp| read_one(inp, opts)).collect()
}

fn read_one(inp: &Input, opts: &Options) -> Result<Extracted, FileError> {
    let (text, enc, bad) = decode_text(inp, opts.encoding);
    let mut ext = Extracted::new(FORMAT.name, enc, COLUMNS);
    ext.bad_encoding(&inp.display, bad);
    ext.labels = ["hostname", "activity", "FILESYSTEM", "timestamp", "value"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut lay = Layout::None;
    let mut others: Vec<String> = Vec::new();
    for (li, line) in text.lines().enumerate() {
        let line_no = li as u64 + 1;
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        if let Some(h) = line.strip_prefix('#') {
            let fields: Vec<String> = h.trim().split(';').map(|s| s.trim().to_string()).collect();
            if fields.len() < 4 || fields[..3] != ["hostname", "interval", "timestamp"] {
                ext.bad_line(
                    &inp.display,
                    line_no,
                    "header",
                    Problem::new("format_header", ["`# hostname;interval;timestamp;…`"]),
                    vec![line.to_string()],
                );
                lay = Layout::None;
                continue;
            }
            lay = layout(&fields);
            if let Layout::Other(a) = &lay {
                if !others.contains(a) {
                    others.push(a.clone());
                }
            }
            continue;
        }
        let f: Vec<&str> = line.split(';').map(str::trim).collect();
        let raw: Vec<String> = f.iter().map(|s| s.to_string()).collect();
        if f.len() >= 4
            && (f[3].starts_with("LINUX-RESTART") || f[3].starts_with("COM ") || f[3] == "COM")
        {
            ext.skipped += 1;
            continue;
        }
        let (metric, value, invert, cpu, resource, header) = match &lay {
            Layout::None => {
                ext.bad_line(
                    &inp.display,
                    line_no,
                    "line",
                    Problem::new(
                        "format_before_header",
                        ["`# hostname;interval;timestamp;…`"],
                    ),
                    raw,
                );
                continue;
            }
            Layout::Other(_) => {
                ext.skipped += 1;
                continue;
            }
            Layout::Metric {
                metric,
                value,
                invert,
                cpu,
                resource,
                header,
            } => (*metric, *value, *invert, *cpu, *resource, header),
        };
        if f.len() != header.len() {
            ext.bad_line(
                &inp.display,
                line_no,
                "line",
                Problem::new(
                    "format_fields",
                    [
                        f.len().to_string(),
                        format!("{} fields as the header", header.len()),
                    ],
                ),
                raw,
            );
            continue;
        }
        if let Some(c) = cpu {
            if f[c] != "-1" && !f[c].eq_ignore_ascii_case("all") {
                ext.skipped += 1; // one core of -P ALL
                continue;
            }
        }
        // `… UTC` by default; `sadf -t` writes local time, with the zone's
        // name since sysstat 12.7.1 (`… JST`), without one before.
        let (ts, zone) = match f[2].rsplit_once(' ') {
            Some((t, z)) if !z.is_empty() && z.bytes().all(|b| b.is_ascii_alphabetic()) => {
                (t.trim(), Some(z))
            }
            _ => (f[2], None),
        };
        let utc = matches!(zone, Some("UTC") | Some("GMT"));
        let at = parse_plain(ts).and_then(|dt| {
            if utc {
                Ok(utc_ms_to_jst(crate::time::dt_to_ms(dt)))
            } else {
                local_to_jst_ms(dt, opts.timezone)
            }
        });
        let at = match at {
            Ok(ms) => jst_text(ms),
            Err(e) => {
                ext.bad_line(&inp.display, line_no, "timestamp", e, raw);
                continue;
            }
        };
        let v = match f[value].parse::<f64>() {
            Ok(v) if v.is_finite() => {
                let v = if invert { 100.0 - v } else { v };
                format!("{:.2}", v)
            }
            _ => {
                ext.bad_line(
                    &inp.display,
                    line_no,
                    &header[value],
                    Problem::value("not_number", f[value]),
                    raw,
                );
                continue;
            }
        };
        ext.records.push(Record {
            line: line_no,
            cells: vec![
                Some(f[0].to_string()),
                Some(metric.to_string()),
                resource.map(|r| f[r].to_string()).filter(|s| !s.is_empty()),
                Some(at),
                Some(v),
            ],
            raw,
            flags: Vec::new(),
        });
    }
    if !others.is_empty() {
        tracing::info!(file = %inp.display, activities = ?others, "sadf activities hokoku does not read were skipped");
    }
    Ok(ext)
}
