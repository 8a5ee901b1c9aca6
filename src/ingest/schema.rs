//! Column specifications: the canonical schema every input is mapped onto.
//!
//! A [`SourceSpec`] lists the canonical columns of one source (inputs.md),
//! each with its Japanese header alias, type and whether it is required. The
//! generic reader ([`super::csv_reader`]) uses it to map headers, parse and
//! type every cell and reject bad rows.

use crate::problem::{quote, Problem};

pub use crate::vocab::{ev, EnumValue};

/// Type of a canonical column and how its text is parsed.
#[derive(Debug)]
pub enum ColType {
    /// Free text, kept as written (never interpreted as a formula downstream).
    Text,
    /// One of a fixed set of values; stored as the canonical code.
    Enum(&'static [EnumValue]),
    /// A datetime in one of the accepted forms; stored as naive JST ms.
    DateTime,
    /// A whole number.
    Int,
    /// A decimal number.
    Float,
    /// true/false, 1/0, 有/無, ○/×, yes/no.
    Bool,
    /// Priority 1–4 (also P1–P4 and 緊急/高/中/低); stored as an integer.
    Priority,
}

/// One canonical column.
#[derive(Debug)]
pub struct ColumnSpec {
    /// Canonical English header.
    pub name: &'static str,
    /// Japanese header alias.
    pub alias: &'static str,
    /// Type.
    pub ty: ColType,
    /// A missing column or an empty cell is an error when required.
    pub required: bool,
}

/// The canonical schema of one source.
#[derive(Debug)]
pub struct SourceSpec {
    /// Source name, also the input folder name (`inputs/<name>/`).
    pub name: &'static str,
    /// Japanese name used in reports.
    pub title_ja: &'static str,
    /// Canonical columns.
    pub columns: &'static [ColumnSpec],
    /// The column that dates a row (the store's month partitions).
    pub time_column: &'static str,
    /// Every timestamp a row records: the source covers a period when any
    /// of them falls in it or their span reaches across it (kpis.md). A
    /// plan (a change's `scheduled_at`) or a limit (a job's `deadline`) is
    /// not a record of something that happened, and is not listed.
    pub events: &'static [&'static str],
    /// Pairs `(earlier, later)` of event columns that cannot be the other
    /// way round: a row where `later < earlier` is set aside
    /// ([`super::order`]).
    pub order: &'static [(&'static str, &'static str)],
    /// Each export is the state of everything as of its time (tickets), not
    /// a log of events: an export dated D covers every period up to D.
    pub snapshot: bool,
    /// Columns holding personal data: masked wherever written out.
    pub personal: &'static [&'static str],
}

impl SourceSpec {
    /// The column spec with this canonical name.
    pub fn column(&self, name: &str) -> Option<&ColumnSpec> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Map a header as written in a file (English or Japanese alias) to the
    /// canonical column.
    pub fn resolve_header(&self, header: &str) -> Option<&ColumnSpec> {
        let h = header.trim();
        self.columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(h) || c.alias == h)
    }
}

/// Shorthand constructor used by the per-source modules.
pub const fn col(
    name: &'static str,
    alias: &'static str,
    ty: ColType,
    required: bool,
) -> ColumnSpec {
    ColumnSpec {
        name,
        alias,
        ty,
        required,
    }
}

/// Full-width ASCII (`０-９`, `Ａ-ｚ`, `－`, `：`, `／` …) and the
/// ideographic space folded to ASCII, for every cell that is not free text:
/// `２０２６/１０/１ ９:１５` is a datetime, `１２` a number, `ＦＡＸ` a channel.
pub fn ascii_fold(s: &str) -> std::borrow::Cow<'_, str> {
    if s.is_ascii() {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(
        s.chars()
            .map(|c| match c {
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                '\u{3000}' => ' ',
                _ => c,
            })
            .collect(),
    )
}

/// Parse an enum cell.
pub fn parse_enum(values: &'static [EnumValue], s: &str) -> Result<&'static str, Problem> {
    let t = s.trim();
    values
        .iter()
        .find(|v| {
            v.code.eq_ignore_ascii_case(t) || v.aliases.iter().any(|a| a.eq_ignore_ascii_case(t))
        })
        .map(|v| v.code)
        .ok_or_else(|| {
            let allowed: Vec<&str> = values.iter().map(|v| v.code).collect();
            Problem::new("unknown_value", [quote(t), allowed.join(", ")])
        })
}

/// Parse a boolean cell.
pub fn parse_bool(s: &str) -> Result<bool, Problem> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "y" | "有" | "あり" | "○" | "〇" | "はい" => Ok(true),
        "false" | "0" | "no" | "n" | "無" | "なし" | "×" | "いいえ" => Ok(false),
        other => Err(Problem::value("not_boolean", other)),
    }
}

/// Parse a priority cell into 1–4.
pub fn parse_priority(s: &str) -> Result<i64, Problem> {
    let t = s.trim();
    let p = match t {
        "1" | "P1" | "p1" | "緊急" => 1,
        "2" | "P2" | "p2" | "高" => 2,
        "3" | "P3" | "p3" | "中" => 3,
        "4" | "P4" | "p4" | "低" => 4,
        _ => return Err(Problem::value("unknown_priority", t)),
    };
    Ok(p)
}

/// Parse an integer cell (a trailing `.0` as Excel writes it is accepted).
pub fn parse_int(s: &str) -> Result<i64, Problem> {
    let t = s.trim();
    if let Ok(v) = t.parse::<i64>() {
        return Ok(v);
    }
    let stripped = t.strip_suffix(".0").unwrap_or("");
    stripped
        .parse::<i64>()
        .map_err(|_| Problem::value("not_integer", t))
}

/// Parse a decimal cell.
pub fn parse_float(s: &str) -> Result<f64, Problem> {
    let t = s.trim();
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(Problem::value("not_number", t)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_parsers() {
        assert_eq!(parse_bool("有"), Ok(true));
        assert_eq!(parse_bool("×"), Ok(false));
        assert_eq!(parse_bool("TRUE"), Ok(true));
        assert!(parse_bool("maybe").is_err());
        assert_eq!(parse_priority("P2"), Ok(2));
        assert_eq!(parse_priority("緊急"), Ok(1));
        assert!(parse_priority("5").is_err());
        assert_eq!(parse_int("12.0"), Ok(12));
        assert!(parse_int("12.5").is_err());
        assert_eq!(parse_float(" 81.5 "), Ok(81.5));
        assert!(parse_float("NaN").is_err());
        assert_eq!(ascii_fold("２０２６/１０/１　９：１５"), "2026/10/1 9:15");
        assert_eq!(parse_int(&ascii_fold("１２")), Ok(12));
    }
}
