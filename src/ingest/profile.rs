//! Mapping profiles: any tool's CSV export onto a canonical source, by
//! configuration alone (`<config>/profiles/<name>.toml`, docs/PROFILES.md).
//!
//! A profile names its source and, per canonical column, the export's
//! header(s) (several aliases), a value map, a unit conversion, date formats
//! or a constant; plus the file's encoding, delimiter, time zone, lines
//! before the header and rows to skip. Redmine, ServiceNow and a JP1/AJS3
//! job-history export ship as profiles.

use super::csv_reader::FileError;
use super::records::{jst_text, Extracted, Record};
use super::scan;
use super::schema::{parse_bool, parse_enum, parse_priority, ColType, SourceSpec};
use crate::encoding::{decode_line, decode_lossy, Encoding};
use crate::problem::{quote, Problem};
use chrono::{NaiveDate, NaiveDateTime};
use chrono_tz::Tz;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A profile file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    source: String,
    #[serde(default)]
    description: String,
    encoding: Option<Encoding>,
    delimiter: Option<String>,
    #[serde(default)]
    skip_lines: usize,
    timezone: Option<String>,
    #[serde(default)]
    datetime_formats: Vec<String>,
    #[serde(default)]
    detect: Vec<String>,
    columns: BTreeMap<String, ColumnFile>,
    #[serde(default)]
    skip_rows: Vec<SkipRule>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum ColumnFile {
    Headers(OneOrMany),
    Full(ColumnTable),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ColumnTable {
    from: Option<OneOrMany>,
    fallback: Option<OneOrMany>,
    value: Option<String>,
    #[serde(default)]
    map: BTreeMap<String, String>,
    /// What a value not in `map` becomes (`""` = empty); each such row is
    /// flagged in データ品質 with its file and line.
    default: Option<String>,
    /// The cell is left empty on rows where this holds.
    unless: Option<SkipRule>,
    unit: Option<String>,
    format: Option<OneOrMany>,
}

/// Rows to skip: those whose `column` holds one of `equals`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkipRule {
    /// Header of the export.
    pub column: String,
    /// Values (trimmed) that mark a row to skip; `""` = an empty cell.
    pub equals: Vec<String>,
}

/// How one canonical column is filled.
#[derive(Debug, Clone)]
pub struct ColumnMap {
    /// Canonical column.
    pub canonical: &'static str,
    /// Export headers tried in order.
    pub from: Vec<String>,
    /// Headers whose cell is used when the `from` cell is empty.
    pub fallback: Vec<String>,
    /// A constant instead of a column.
    pub value: Option<String>,
    /// Value map (export value → canonical value); others pass unchanged,
    /// or become `default`.
    pub map: BTreeMap<String, String>,
    /// What a value not in `map` becomes (flagged); `None`: passes unchanged.
    pub default: Option<String>,
    /// Rows where the cell is left empty.
    pub unless: Option<SkipRule>,
    /// Multiply numbers by this into the canonical unit.
    pub scale: Option<f64>,
    /// The unit is hours, so `H:MM` (Redmine's 時間の表示形式 "0:45 h")
    /// is read too: `1:30` = 1.5 hours.
    pub clock_hours: bool,
    /// Datetime formats (chrono `%Y/%m/%d %H:%M` style).
    pub formats: Vec<String>,
}

/// A compiled profile.
#[derive(Debug, Clone)]
pub struct Profile {
    /// Name (file stem).
    pub name: String,
    /// The file it came from.
    pub file: PathBuf,
    /// One line for `validate`.
    pub description: String,
    /// Canonical source.
    pub source: &'static SourceSpec,
    /// Forced encoding.
    pub encoding: Option<Encoding>,
    /// Field delimiter.
    pub delimiter: u8,
    /// Lines before the header.
    pub skip_lines: usize,
    /// Zone of datetimes written without an offset.
    pub timezone: Tz,
    /// Headers that must all be present for detection.
    pub detect: Vec<String>,
    /// Column maps, in canonical order.
    pub columns: Vec<ColumnMap>,
    /// Rows to skip.
    pub skip_rows: Vec<SkipRule>,
}

/// Hours written as a clock, `H:MM` (optionally ` h` after it): `1:30` →
/// 1.5; minutes must be 00–59.
fn hours_clock(t: &str) -> Option<f64> {
    let t = t.trim().trim_end_matches('h').trim_end();
    let (h, m) = t.split_once(':')?;
    let ok = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !ok(h) || !ok(m) || m.len() != 2 {
        return None;
    }
    let (h, m): (f64, f64) = (h.parse().ok()?, m.parse().ok()?);
    (m < 60.0).then_some(h + m / 60.0)
}

/// The unit conversions a canonical column accepts (factor into its unit).
fn unit_factor(column: &str, unit: &str) -> Result<f64, String> {
    let u = unit.trim();
    let table: &[(&str, f64)] = if column.ends_with("_minutes") {
        &[
            ("seconds", 1.0 / 60.0),
            ("minutes", 1.0),
            ("hours", 60.0),
            ("days", 1440.0),
        ]
    } else if column.ends_with("_seconds") {
        &[
            ("milliseconds", 0.001),
            ("seconds", 1.0),
            ("minutes", 60.0),
            ("hours", 3600.0),
        ]
    } else if column.ends_with("_bytes") {
        &[
            ("bytes", 1.0),
            ("KB", 1e3),
            ("MB", 1e6),
            ("GB", 1e9),
            ("TB", 1e12),
            ("KiB", 1024.0),
            ("MiB", 1048576.0),
            ("GiB", 1073741824.0),
            ("TiB", 1099511627776.0),
        ]
    } else if column == "value" || column.ends_with("_pct") {
        &[("percent", 1.0), ("ratio", 100.0)]
    } else {
        return Err(format!("column {column} takes no unit"));
    };
    table
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(u))
        .map(|(_, f)| *f)
        .ok_or_else(|| {
            format!(
                "unit {u:?} does not fit {column} (use one of: {})",
                table.iter().map(|t| t.0).collect::<Vec<_>>().join(", ")
            )
        })
}

/// Check that `v` is a value the canonical column accepts.
fn check_value(spec: &SourceSpec, column: &str, v: &str) -> Result<(), String> {
    let Some(c) = spec.column(column) else {
        return Ok(());
    };
    match &c.ty {
        ColType::Enum(values) => parse_enum(values, v).map(|_| ()).map_err(|p| p.english()),
        ColType::Priority => parse_priority(v).map(|_| ()).map_err(|p| p.english()),
        ColType::Bool => parse_bool(v).map(|_| ()).map_err(|p| p.english()),
        _ => Ok(()),
    }
}

/// Compile every profile file read with the configuration, collecting all
/// problems.
pub fn compile_all(
    files: &[crate::config::ProfileFile],
    errors: &mut Vec<String>,
) -> BTreeMap<String, Profile> {
    let mut out = BTreeMap::new();
    for f in files {
        match compile(&f.name, &f.path, &f.text) {
            Ok(prof) => {
                out.insert(f.name.clone(), prof);
            }
            Err(es) => errors.extend(es),
        }
    }
    out
}

/// Parse and check one profile.
pub fn compile(name: &str, path: &Path, text: &str) -> Result<Profile, Vec<String>> {
    let at = |k: &str| format!("{}: {k}", path.display());
    let pf: ProfileFile = toml::from_str(text)
        .map_err(|e| vec![format!("{}: {}", path.display(), e.to_string().trim_end())])?;
    let mut errors = Vec::new();
    let Some(src) = super::SOURCES.iter().find(|s| s.spec.name == pf.source) else {
        let known: Vec<&str> = super::SOURCES.iter().map(|s| s.spec.name).collect();
        return Err(vec![format!(
            "{}: unknown source {:?} (one of {})",
            at("source"),
            pf.source,
            known.join(", ")
        )]);
    };
    let spec = src.spec;
    let delimiter = match pf.delimiter.as_deref() {
        None => b',',
        Some("\\t") | Some("\t") | Some("tab") => b'\t',
        Some(d) if d.len() == 1 => d.as_bytes()[0],
        Some(d) => {
            errors.push(format!(
                "{}: one character (or \"tab\"), not {d:?}",
                at("delimiter")
            ));
            b','
        }
    };
    let timezone = match pf.timezone.as_deref() {
        None => chrono_tz::Asia::Tokyo,
        Some(z) => z.parse::<Tz>().unwrap_or_else(|_| {
            errors.push(format!(
                "{}: unknown time zone {z:?} (an IANA name such as Asia/Tokyo or America/New_York)",
                at("timezone")
            ));
            chrono_tz::Asia::Tokyo
        }),
    };
    let mut columns = Vec::new();
    for (canon, def) in &pf.columns {
        let key = format!("columns.{canon}");
        let Some(c) = spec.column(canon) else {
            let known: Vec<&str> = spec.columns.iter().map(|c| c.name).collect();
            errors.push(format!(
                "{}: {} has no column {canon:?} (columns: {})",
                at(&key),
                spec.name,
                known.join(", ")
            ));
            continue;
        };
        let t = match def.clone() {
            ColumnFile::Headers(h) => ColumnTable {
                from: Some(h),
                fallback: None,
                value: None,
                map: BTreeMap::new(),
                default: None,
                unless: None,
                unit: None,
                format: None,
            },
            ColumnFile::Full(t) => t,
        };
        let from = t.from.map(OneOrMany::into_vec).unwrap_or_default();
        if from.is_empty() == t.value.is_none() {
            errors.push(format!(
                "{}: give either from (the export's header) or value (a constant)",
                at(&key)
            ));
        }
        for (k, v) in &t.map {
            if let Err(e) = check_value(spec, c.name, v) {
                errors.push(format!("{}: {k:?} → {v:?}: {e}", at(&format!("{key}.map"))));
            }
        }
        if let Some(d) = t.default.as_deref().filter(|d| !d.is_empty()) {
            if let Err(e) = check_value(spec, c.name, d) {
                errors.push(format!("{}: {e}", at(&format!("{key}.default"))));
            }
        }
        if t.default.is_some() && t.map.is_empty() {
            errors.push(format!(
                "{}: a default needs a map",
                at(&format!("{key}.default"))
            ));
        }
        if t.default.as_deref() == Some("") && c.required {
            errors.push(format!(
                "{}: {} is required, so the default cannot be empty",
                at(&format!("{key}.default")),
                c.name
            ));
        }
        if let Some(v) = &t.value {
            if let Err(e) = check_value(spec, c.name, v) {
                errors.push(format!("{}: {e}", at(&format!("{key}.value"))));
            }
        }
        let scale = match &t.unit {
            None => None,
            Some(u) if matches!(c.ty, ColType::Int | ColType::Float) => {
                match unit_factor(c.name, u) {
                    Ok(f) => Some(f),
                    Err(e) => {
                        errors.push(format!("{}: {e}", at(&format!("{key}.unit"))));
                        None
                    }
                }
            }
            Some(_) => {
                errors.push(format!(
                    "{}: only number columns take a unit",
                    at(&format!("{key}.unit"))
                ));
                None
            }
        };
        // Profile-wide datetime_formats apply to datetime columns only.
        if t.format.is_some() && !matches!(c.ty, ColType::DateTime) {
            errors.push(format!(
                "{}: only datetime columns take a format",
                at(&format!("{key}.format"))
            ));
        }
        let formats = t
            .format
            .map(OneOrMany::into_vec)
            .unwrap_or_else(|| pf.datetime_formats.clone());
        let formats = if matches!(c.ty, ColType::DateTime) {
            formats
        } else {
            Vec::new()
        };
        columns.push(ColumnMap {
            canonical: c.name,
            from,
            fallback: t.fallback.map(OneOrMany::into_vec).unwrap_or_default(),
            value: t.value,
            map: t.map,
            default: t.default,
            unless: t.unless,
            scale,
            clock_hours: t.unit.as_deref().map(str::trim) == Some("hours"),
            formats,
        });
    }
    for c in spec.columns.iter().filter(|c| c.required) {
        if !columns.iter().any(|m| m.canonical == c.name) {
            errors.push(format!(
                "{}: required column {} [{}] is not mapped",
                at("columns"),
                c.name,
                c.alias
            ));
        }
    }
    columns.sort_by_key(|m| spec.columns.iter().position(|c| c.name == m.canonical));
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Profile {
        name: name.to_string(),
        file: path.to_path_buf(),
        description: pf.description,
        source: spec,
        encoding: pf.encoding,
        delimiter,
        skip_lines: pf.skip_lines,
        timezone,
        detect: pf.detect,
        columns,
        skip_rows: pf.skip_rows,
    })
}

/// Where a profile's columns are in one export.
struct Layout {
    /// Header positions of personal data (masked in set-aside rows).
    personal: Vec<usize>,
    /// The position of each profile column (`None`: a constant or absent).
    sources: Vec<Option<usize>>,
    /// The position of each column's fallback.
    fallbacks: Vec<Option<usize>>,
    /// Each column as messages name it.
    labels: Vec<String>,
    /// Positions of required columns.
    required_at: Vec<usize>,
    /// `skip_rows`: (position, values that skip the row).
    skips: Vec<(Option<usize>, Vec<String>)>,
    /// Mapped columns the export lacks.
    absent: Vec<&'static str>,
    /// Headers no column maps (masked).
    unknown: Vec<String>,
}

impl Layout {
    /// Whether a `skip_rows` rule skips `rec`.
    fn skips(&self, rec: &[String]) -> bool {
        self.skips.iter().any(|(p, equals)| {
            p.is_some_and(|p| {
                equals
                    .iter()
                    .any(|v| v.trim() == rec.get(p).map_or("", |x| x.as_str()).trim())
            })
        })
    }
}

/// The header: the first record that is not blank, as text (masked).
fn read_header(
    sc: &mut scan::Scanner,
    body: &[u8],
    enc: Encoding,
    file: &str,
    fields: &mut Vec<scan::Field>,
    scratch: &mut Vec<u8>,
) -> Result<Vec<String>, FileError> {
    loop {
        match sc.next(fields) {
            scan::Step::Record(r) if r.flaw.is_none() && scan::is_blank(body, fields) => continue,
            scan::Step::Record(r) => {
                if r.flaw.is_some() {
                    return Err(FileError::Malformed {
                        file: file.into(),
                        reason: format!(
                            "line {}: the header row has a quote in the wrong place",
                            r.line
                        ),
                    });
                }
                let mut h = Vec::with_capacity(fields.len());
                for f in fields.iter() {
                    let t = decode_line(scan::field_bytes(body, f, scratch), enc).map_err(|p| {
                        FileError::Encoding {
                            file: file.into(),
                            line: r.line,
                            reason: format!("the header row: {p}"),
                        }
                    })?;
                    h.push(
                        crate::mask::mask_phones(t.trim().trim_start_matches('\u{feff}'))
                            .into_owned(),
                    );
                }
                return Ok(h);
            }
            _ => return Err(FileError::Empty { file: file.into() }),
        }
    }
}

/// A record whose shape is wrong (a quote out of place, fields across
/// lines, more fields than the header, or fewer when that is not allowed):
/// the field position to name and the problem.
fn shape_problem(
    flaw: Option<scan::Flaw>,
    rec: &[String],
    m: usize,
    allow_short_rows: bool,
    required_at: &[usize],
) -> Option<(usize, Problem)> {
    let n = rec.len();
    if let Some(fl) = flaw {
        let at = rec.iter().position(|x| x.contains('"')).unwrap_or(0);
        let p = match fl {
            scan::Flaw::StrayQuote => Problem::plain("stray_quote"),
            scan::Flaw::Unterminated => Problem::plain("unterminated_quote"),
            scan::Flaw::FieldsAcrossLines(k) if k > m => {
                Problem::new("too_many_fields", [k.to_string(), m.to_string()])
            }
            scan::Flaw::FieldsAcrossLines(k) => {
                Problem::new("too_few_fields", [k.to_string(), m.to_string()])
            }
        };
        Some((at, p))
    } else if n > m && rec[m..].iter().any(|f| !f.trim().is_empty()) {
        let at = (m..n).find(|&i| !rec[i].trim().is_empty()).unwrap_or(m);
        Some((
            at,
            Problem::new("too_many_fields", [n.to_string(), m.to_string()]),
        ))
    } else if n < m && (!allow_short_rows || required_at.iter().any(|&p| p >= n)) {
        Some((
            n,
            Problem::new("too_few_fields", [n.to_string(), m.to_string()]),
        ))
    } else {
        None
    }
}

fn header_pos(header: &[String], names: &[String]) -> Option<usize> {
    names
        .iter()
        .find_map(|n| header.iter().position(|h| h.eq_ignore_ascii_case(n.trim())))
}

impl Profile {
    /// The export's header (after the skipped lines), from decoded text.
    fn header(&self, text: &str) -> Option<Vec<String>> {
        let b = text.as_bytes();
        let mut start = 0;
        for _ in 0..self.skip_lines {
            start = memchr::memchr(b'\n', &b[start..]).map_or(b.len(), |i| start + i + 1);
        }
        let body = &b[start..];
        let mut sc = scan::Scanner::new(body, 1, self.delimiter, true, 0..=usize::MAX);
        let mut fields = Vec::new();
        let mut scratch = Vec::new();
        loop {
            match sc.next(&mut fields) {
                scan::Step::Record(r) if r.flaw.is_none() && scan::is_blank(body, &fields) => {}
                scan::Step::Record(_) => {
                    return Some(
                        fields
                            .iter()
                            .map(|f| {
                                String::from_utf8_lossy(scan::field_bytes(body, f, &mut scratch))
                                    .trim()
                                    .trim_start_matches('\u{feff}')
                                    .to_string()
                            })
                            .collect(),
                    )
                }
                _ => return None,
            }
        }
    }

    /// Whether the file (its first bytes) is this profile's export: every
    /// `detect` header and a header for every required column are present.
    /// `Err` says what is missing.
    pub fn matches(&self, head: &[u8]) -> Result<(), String> {
        let text = decode_lossy(head, self.encoding);
        let header = self.header(&text).ok_or("no header")?;
        if let Some(d) = self
            .detect
            .iter()
            .find(|d| !header.iter().any(|h| h.eq_ignore_ascii_case(d.trim())))
        {
            return Err(format!("no {d:?} column"));
        }
        for m in &self.columns {
            let required = self.source.column(m.canonical).is_some_and(|c| c.required);
            if required && m.value.is_none() && header_pos(&header, &m.from).is_none() {
                return Err(format!(
                    "no column for {} ({})",
                    m.canonical,
                    m.from.join(" / ")
                ));
            }
        }
        Ok(())
    }

    /// Read one export. `forced`: the file set's or source's encoding,
    /// which wins over the profile's. Records, lines and encodings follow
    /// the same rules as the canonical reader ([`super::scan`],
    /// [`crate::encoding`]): a broken record or a line in another encoding
    /// is set aside at its own line, and the rest is read.
    pub fn read(
        &self,
        raw: &[u8],
        file: &str,
        forced: Option<Encoding>,
        allow_short_rows: bool,
    ) -> Result<Extracted, FileError> {
        let (enc, body, first_line) = self.body(raw, forced);
        let mut sc = scan::Scanner::new(&body, first_line, self.delimiter, true, 0..=usize::MAX);
        let mut fields = Vec::new();
        let mut scratch = Vec::new();
        let header = read_header(&mut sc, &body, enc, file, &mut fields, &mut scratch)?;
        let m = header.len();
        sc.set_accept(m..=m);
        let layout = self.layout(&header, file)?;
        let mut ext = Extracted::new(
            format!("profile:{}", self.name),
            enc.name(),
            &self.columns.iter().map(|c| c.canonical).collect::<Vec<_>>(),
        );
        ext.labels = layout.labels.clone();
        ext.absent = layout.absent.clone();
        ext.unknown_columns = layout.unknown.clone();
        let label = |i: usize| {
            header
                .get(i)
                .filter(|h| !h.is_empty())
                .cloned()
                .unwrap_or_else(|| format!("#{}", i + 1))
        };
        while let scan::Step::Record(r) = sc.next(&mut fields) {
            if r.flaw.is_none() && scan::is_blank(&body, &fields) {
                continue;
            }
            let line = r.line;
            // Every field as text; a field not in the file's encoding sets
            // the record aside.
            let mut rec: Vec<String> = Vec::with_capacity(fields.len());
            let mut bad: Option<(String, Problem)> = None;
            for (i, f) in fields.iter().enumerate() {
                let b = scan::field_bytes(&body, f, &mut scratch);
                match decode_line(b, enc) {
                    Ok(t) => rec.push(t.into_owned()),
                    Err(p) => {
                        bad.get_or_insert((label(i), p));
                        rec.push(crate::encoding::lossy(b, enc));
                    }
                }
            }
            // Personal data (a caller's number) is masked in the raw record
            // of a set-aside row, whichever alias or fallback header holds it.
            let raw: Vec<String> = rec
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    if layout.personal.contains(&i) {
                        crate::mask::mask(f)
                    } else {
                        f.clone()
                    }
                })
                .collect();
            // A broken record is named for its shape; a record of the wrong
            // length keeps an encoding problem found first.
            match shape_problem(r.flaw, &rec, m, allow_short_rows, &layout.required_at) {
                Some((at, p)) if r.flaw.is_some() => bad = Some((label(at), p)),
                Some((at, p)) => {
                    bad.get_or_insert((label(at), p));
                }
                None => {}
            }
            if let Some((column, problem)) = bad {
                ext.bad_line(file, line, &column, problem, raw);
                continue;
            }
            if layout.skips(&rec) {
                ext.skipped += 1;
                continue;
            }
            match self.map_record(&layout, &header, &rec) {
                Err((k, problem)) => {
                    let column = ext.labels[k].clone();
                    ext.bad_line(file, line, &column, problem, raw);
                }
                Ok((cells, flags)) => ext.records.push(Record {
                    line,
                    cells,
                    raw,
                    flags,
                }),
            }
        }
        Ok(ext)
    }

    /// The bytes after the BOM and the lines before the header (a CR-only
    /// file with LF line ends), its encoding and the line the rest starts at.
    fn body<'a>(
        &self,
        raw: &'a [u8],
        forced: Option<Encoding>,
    ) -> (Encoding, std::borrow::Cow<'a, [u8]>, u64) {
        let (enc, bom) = crate::encoding::detect(raw, forced.or(self.encoding));
        let mut bytes = std::borrow::Cow::Borrowed(&raw[bom..]);
        if scan::line_ends(&bytes) == scan::LineEnds::Cr {
            bytes = std::borrow::Cow::Owned(scan::normalise_cr(&bytes));
        }
        let mut start = 0;
        for _ in 0..self.skip_lines {
            match memchr::memchr(b'\n', &bytes[start..]) {
                Some(i) => start += i + 1,
                None => start = bytes.len(),
            }
        }
        let body = match bytes {
            std::borrow::Cow::Borrowed(b) => std::borrow::Cow::Borrowed(&b[start..]),
            std::borrow::Cow::Owned(b) => std::borrow::Cow::Owned(b[start..].to_vec()),
        };
        (enc, body, self.skip_lines as u64 + 1)
    }

    /// Where each canonical column comes from in an export with `header`.
    fn layout(&self, header: &[String], file: &str) -> Result<Layout, FileError> {
        let personal = header
            .iter()
            .enumerate()
            .filter(|(_, h)| {
                self.columns.iter().any(|c| {
                    self.source.personal.contains(&c.canonical)
                        && c.from
                            .iter()
                            .chain(&c.fallback)
                            .any(|n| h.eq_ignore_ascii_case(n.trim()))
                })
            })
            .map(|(i, _)| i)
            .collect();
        let fallbacks: Vec<Option<usize>> = self
            .columns
            .iter()
            .map(|c| header_pos(header, &c.fallback))
            .collect();
        let mut sources: Vec<Option<usize>> = Vec::new();
        let mut labels = Vec::new();
        for c in &self.columns {
            let pos = if c.value.is_some() {
                None
            } else {
                header_pos(header, &c.from)
            };
            let required = self.source.column(c.canonical).is_some_and(|c| c.required);
            if required && c.value.is_none() && pos.is_none() {
                return Err(FileError::MissingColumn {
                    file: file.into(),
                    column: format!(
                        "{} (profile {}: {})",
                        c.from.join(" / "),
                        self.name,
                        c.canonical
                    ),
                });
            }
            labels.push(pos.map_or_else(
                || format!("{} (profile constant)", c.canonical),
                |p| header[p].clone(),
            ));
            sources.push(pos);
        }
        let used: Vec<usize> = sources.iter().flatten().copied().collect();
        let required_at = self
            .columns
            .iter()
            .zip(&sources)
            .filter(|(c, _)| self.source.column(c.canonical).is_some_and(|s| s.required))
            .filter_map(|(_, p)| *p)
            .collect();
        let skips = self
            .skip_rows
            .iter()
            .map(|s| {
                (
                    header_pos(header, std::slice::from_ref(&s.column)),
                    s.equals.clone(),
                )
            })
            .collect();
        // A mapped column whose header this export lacks is not present: its
        // figures are データなし, never counted from empty cells.
        let absent = self
            .columns
            .iter()
            .zip(&sources)
            .enumerate()
            .filter(|(k, (c, pos))| c.value.is_none() && pos.is_none() && fallbacks[*k].is_none())
            .map(|(_, (c, _))| c.canonical)
            .collect();
        let unknown = header
            .iter()
            .enumerate()
            .filter(|(i, h)| !used.contains(i) && !h.is_empty())
            .map(|(_, h)| crate::mask::mask_phones(h).into_owned())
            .collect();
        Ok(Layout {
            personal,
            sources,
            fallbacks,
            labels,
            required_at,
            skips,
            absent,
            unknown,
        })
    }

    /// The canonical cells of one record (with the flags a map raised), or
    /// the first column that cannot be converted.
    #[allow(clippy::type_complexity)]
    fn map_record(
        &self,
        layout: &Layout,
        header: &[String],
        rec: &[String],
    ) -> Result<(Vec<Option<String>>, Vec<(usize, Problem)>), (usize, Problem)> {
        let mut cells = Vec::with_capacity(self.columns.len());
        let mut bad: Option<(usize, Problem)> = None;
        let mut flags: Vec<(usize, Problem)> = Vec::new();
        for (k, (c, pos)) in self.columns.iter().zip(&layout.sources).enumerate() {
            let blanked = c.unless.as_ref().is_some_and(|u| {
                header_pos(header, std::slice::from_ref(&u.column)).is_some_and(|p| {
                    let v = rec.get(p).map_or("", |x| x.as_str()).trim();
                    u.equals.iter().any(|e| e.trim() == v)
                })
            });
            let cell = |p: Option<usize>| {
                p.and_then(|p| rec.get(p))
                    .map(|s| s.trim())
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
            };
            // `unless` empties the `from` cell; the fallback still applies.
            let primary = if blanked { None } else { cell(*pos) };
            let text = match &c.value {
                Some(v) => Some(v.clone()),
                None => primary.or_else(|| cell(layout.fallbacks[k])),
            };
            match text.map(|t| self.convert(c, t, &mut flags, k)).transpose() {
                Ok(v) => cells.push(v.flatten()),
                Err(problem) => {
                    bad.get_or_insert((k, problem));
                    cells.push(None);
                }
            }
        }
        match bad {
            Some(b) => Err(b),
            None => Ok((cells, flags)),
        }
    }

    /// Map, convert units and normalise datetimes of one cell.
    /// Map, convert units and normalise datetimes of one cell; `None` when
    /// a value outside the map became an empty default.
    fn convert(
        &self,
        m: &ColumnMap,
        t: String,
        flags: &mut Vec<(usize, Problem)>,
        k: usize,
    ) -> Result<Option<String>, Problem> {
        let mapped = m
            .map
            .iter()
            .find(|(key, _)| key.trim() == t || key.trim().eq_ignore_ascii_case(&t))
            .map(|(_, v)| v.clone());
        let t = match (mapped, &m.default) {
            (Some(v), _) => v,
            (None, Some(d)) => {
                flags.push((
                    k,
                    Problem::new(
                        "profile_value_unmapped",
                        [quote(&t), m.canonical.to_string()],
                    ),
                ));
                if d.is_empty() {
                    return Ok(None);
                }
                d.clone()
            }
            (None, None) => t,
        };
        self.convert_value(m, t).map(Some)
    }

    fn convert_value(&self, m: &ColumnMap, t: String) -> Result<String, Problem> {
        let col = self
            .source
            .column(m.canonical)
            .expect("compiled against the spec");
        if let Some(f) = m.scale {
            let x: f64 = if m.clock_hours { hours_clock(&t) } else { None }
                .or_else(|| t.replace(',', "").parse().ok())
                .filter(|x: &f64| x.is_finite())
                .ok_or_else(|| Problem::value("not_number", &t))?;
            let y = x * f;
            return Ok(match col.ty {
                ColType::Int => format!("{}", y.round() as i64),
                _ => format!("{y}"),
            });
        }
        if matches!(col.ty, ColType::DateTime) {
            return self.datetime(m, &t);
        }
        Ok(t)
    }

    fn datetime(&self, m: &ColumnMap, t: &str) -> Result<String, Problem> {
        let s = t.trim();
        let local = if m.formats.is_empty() {
            if has_offset(s) {
                return crate::time::parse_datetime_ms(s).map(jst_text);
            }
            if self.timezone == chrono_tz::Asia::Tokyo {
                return Ok(s.to_string()); // the canonical parser checks it
            }
            crate::time::ms_to_dt(crate::time::parse_datetime_ms(s)?)
        } else {
            let mut found = None;
            for f in &m.formats {
                if let Ok(dt) = chrono::DateTime::parse_from_str(s, f) {
                    return Ok(jst_text(super::records::utc_ms_to_jst(
                        dt.timestamp_millis(),
                    )));
                }
                if let Ok(dt) = NaiveDateTime::parse_from_str(s, f) {
                    found = Some(dt);
                    break;
                }
                if let Ok(d) = NaiveDate::parse_from_str(s, f) {
                    found = Some(d.and_hms_opt(0, 0, 0).expect("midnight"));
                    break;
                }
            }
            found
                .ok_or_else(|| Problem::new("format_mismatch", [quote(s), m.formats.join(" / ")]))?
        };
        super::formats::local_to_jst_ms(local, self.timezone).map(jst_text)
    }
}

/// Whether a datetime text carries its own offset (`Z`, `+09:00`, `-0500`).
fn has_offset(s: &str) -> bool {
    if s.ends_with('Z') || s.ends_with('z') {
        return true;
    }
    let b = s.as_bytes();
    let n = b.len();
    let sign = |i: usize| matches!(b[i], b'+' | b'-');
    (n >= 6 && sign(n - 6) && b[n - 3] == b':' && s.contains(':'))
        || (n >= 5
            && sign(n - 5)
            && b[n - 4..].iter().all(u8::is_ascii_digit)
            && s[..n - 5].contains(':'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets() {
        assert!(has_offset("2026-10-05T09:00:00+09:00"));
        assert!(has_offset("2026-10-05T09:00:00Z"));
        assert!(has_offset("2026-10-05T09:00:00-0500"));
        assert!(!has_offset("2026-10-05 09:00:00"));
        assert!(!has_offset("2026/10/5 9:00"));
        assert!(!has_offset("2026-10-05"));
    }

    #[test]
    fn units() {
        assert_eq!(hours_clock("1:30"), Some(1.5));
        assert_eq!(hours_clock("0:45 h"), Some(0.75));
        assert_eq!(hours_clock("12:05"), Some(12.0 + 5.0 / 60.0));
        assert_eq!(hours_clock("1:75"), None);
        assert_eq!(hours_clock("1:5"), None);
        assert_eq!(hours_clock("1.5"), None);
        assert_eq!(unit_factor("work_minutes", "hours"), Ok(60.0));
        assert_eq!(unit_factor("size_bytes", "GiB"), Ok(1073741824.0));
        assert_eq!(unit_factor("value", "ratio"), Ok(100.0));
        assert!(unit_factor("work_minutes", "GB").is_err());
        assert!(unit_factor("ticket_id", "hours").is_err());
    }
}
