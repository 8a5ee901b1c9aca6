//! The format-neutral report model: what a report says, not how it looks.
//!
//! Builders ([`super::daily`]) turn figures into a [`Document`]; renderers
//! (`crate::render::{xlsx, pdf, json}`) see only this model. Every number a
//! document shows is a [`Cell::Number`] carrying its figure value unchanged,
//! so the workbook, the PDF and the JSON always agree.

pub use super::ReportCode;
pub use crate::figures::{Fig, Figures};
use chrono::NaiveDateTime;

/// Unit and display format of a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A count (件), shown with thousands separators.
    Count,
    /// A percentage 0–100, shown with one decimal and `%`.
    Percent,
    /// A percentage shown with two decimals (稼働率 99.95%).
    PercentFine,
    /// Minutes (分), one decimal.
    Minutes,
    /// Seconds (秒), one decimal.
    Seconds,
    /// Yen (円), whole, thousands separators.
    Yen,
    /// A plain decimal with one decimal place.
    Decimal,
    /// A whole number without unit or separators (line numbers, attempts).
    Integer,
    /// A signed change of a count (前月比 `+3件`, `-1件`).
    CountDelta,
    /// A signed change of a percentage, in points (`+1.2pt`).
    PointDelta,
    /// A signed change in seconds (`-4.0秒`).
    SecondsDelta,
    /// A signed change of a percentage, in percent (差異率 `+5.2%`).
    PercentDelta,
    /// Yen with two decimals (a unit rate such as 2.50円/分).
    YenFine,
    /// A signed amount of yen (差異 `+12,345円`, `-800円`).
    YenDelta,
    /// Hours (時間), one decimal.
    Hours,
    /// Gibibytes (GiB), one decimal.
    Gib,
    /// Calendar days (日), whole.
    Days,
}

impl Unit {
    /// Suffix shown after the number.
    pub fn suffix(self) -> &'static str {
        match self {
            Unit::Count => "件",
            Unit::Percent | Unit::PercentFine => "%",
            Unit::Minutes => "分",
            Unit::Seconds => "秒",
            Unit::Yen => "円",
            Unit::Decimal | Unit::Integer => "",
            Unit::CountDelta => "件",
            Unit::PointDelta => "pt",
            Unit::SecondsDelta => "秒",
            Unit::YenDelta | Unit::YenFine => "円",
            Unit::PercentDelta => "%",
            Unit::Hours => "時間",
            Unit::Gib => "GiB",
            Unit::Days => "日",
        }
    }
    /// Decimal places shown.
    pub fn decimals(self) -> usize {
        match self {
            Unit::Count
            | Unit::Yen
            | Unit::Integer
            | Unit::CountDelta
            | Unit::YenDelta
            | Unit::Days => 0,
            Unit::PercentFine | Unit::YenFine => 2,
            _ => 1,
        }
    }
}

/// One table cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text (from inputs or templates): always written as text.
    Text(String),
    /// A number with its unit; `key` names the figure it shows, if any.
    Number {
        value: f64,
        unit: Unit,
        key: Option<String>,
    },
    /// データなし: the figure has no data.
    Missing { key: Option<String> },
    /// 対象なし: the source covers the period; there is nothing to measure.
    NoPopulation { key: Option<String> },
    /// A date and time (JST).
    DateTime(NaiveDateTime),
    /// Nothing.
    Empty,
}

impl Cell {
    /// Text cell.
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }
    /// A figure: a number, or データなし when `None`.
    pub fn figure(key: &str, value: Option<f64>, unit: Unit) -> Cell {
        Cell::fig(key, Fig::or_no_data(value), unit)
    }
    /// A figure: a number, データなし or 対象なし.
    pub fn fig(key: &str, value: Fig, unit: Unit) -> Cell {
        let key = Some(key.to_string());
        match value {
            Fig::Value(v) => Cell::Number {
                value: v,
                unit,
                key,
            },
            Fig::NoData => Cell::Missing { key },
            Fig::NoPopulation => Cell::NoPopulation { key },
        }
    }
    /// The figure `key` of `f`.
    pub fn of(f: &Figures, key: &str, unit: Unit) -> Cell {
        Cell::fig(key, f.fig(key), unit)
    }
    /// A number not tied to a figure key (e.g. a list row).
    pub fn num(value: f64, unit: Unit) -> Cell {
        Cell::Number {
            value,
            unit,
            key: None,
        }
    }
    /// Optional datetime from naive JST ms.
    pub fn datetime(ms: Option<i64>) -> Cell {
        ms.map_or(Cell::Empty, |m| Cell::DateTime(crate::time::ms_to_dt(m)))
    }
    /// The text shown for this cell (PDF, widths).
    pub fn display(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Number { value, unit, .. } => format_number(*value, *unit),
            Cell::Missing { .. } => MISSING.to_string(),
            Cell::NoPopulation { .. } => NO_POPULATION.to_string(),
            Cell::DateTime(dt) => dt.format("%Y/%m/%d %H:%M").to_string(),
            Cell::Empty => String::new(),
        }
    }
}

/// The words shown for a figure without data.
pub const MISSING: &str = "データなし";
/// The words shown for a figure with nothing to measure.
pub const NO_POPULATION: &str = "対象なし（0件）";

/// Format a number as the documents show it: thousands separators, the
/// unit's decimals and suffix.
pub fn format_number(v: f64, unit: Unit) -> String {
    let s = format!("{:.*}", unit.decimals(), v);
    // A value that rounds to zero has no sign ("0.0%", never "-0.0%").
    let is_zero = s
        .trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.');
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i.to_string(), Some(f.to_string())),
        None => (s, None),
    };
    if unit == Unit::Integer {
        return int;
    }
    let (sign, digits) = int
        .strip_prefix('-')
        .map_or(("", int.as_str()), |d| ("-", d));
    let signed = matches!(
        unit,
        Unit::CountDelta
            | Unit::PointDelta
            | Unit::SecondsDelta
            | Unit::YenDelta
            | Unit::PercentDelta
    );
    // A signed change shows "+" above zero.
    let sign = if is_zero {
        ""
    } else if signed && sign.is_empty() {
        "+"
    } else {
        sign
    };
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}{}", unit.suffix()),
        None => format!("{sign}{grouped}{}", unit.suffix()),
    }
}

/// Column alignment and role.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Header text.
    pub header: String,
    /// Relative width hint for the PDF (the workbook measures text).
    pub weight: f32,
}

/// A table.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Short name (sheet area title / caption).
    pub caption: String,
    /// Columns.
    pub columns: Vec<Column>,
    /// Rows; each has `columns.len()` cells.
    pub rows: Vec<Vec<Cell>>,
    /// Text shown instead of an empty body (e.g. 該当なし or データなし).
    pub empty_text: String,
    /// A list of records (tickets, job runs, breaches, data-quality lines)
    /// rather than a summary: a paged document shows its first
    /// [`Document::list_rows`] rows and says how many more are in the
    /// workbook. Summary tables are always shown whole.
    pub list: bool,
}

/// Chart kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    /// Clustered columns.
    Column,
    /// Lines.
    Line,
    /// Stacked columns (parts of a whole per category).
    StackedColumn,
}

/// One data series.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub values: Vec<Option<f64>>,
}

/// A chart over categories.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub title: String,
    pub kind: ChartKind,
    pub x_label: String,
    pub y_label: String,
    pub categories: Vec<String>,
    pub series: Vec<Series>,
    /// Unit of the values (number format of the chart data and axis).
    pub unit: Unit,
}

/// A block of content within a section.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A table.
    Table(Table),
    /// A chart.
    Chart(Chart),
    /// Paragraphs of text.
    Text(Vec<String>),
    /// A table whose number cells are shaded by value, lightest at the
    /// smallest (e.g. calls by hour × weekday).
    Heat(Table),
}

/// A section (one sheet in the workbook).
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// Stable id (`summary`, `tickets`, …).
    pub id: String,
    /// Title shown (from templates).
    pub title: String,
    /// Content in order.
    pub blocks: Vec<Block>,
}

/// One judged item: an SLA item or a figure with a target (the JSON's
/// `items`, figures.md), so that a machine can tell 対象なし from
/// データなし without parsing text.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct JudgedItem {
    /// The figure key of the actual value.
    pub key: String,
    /// The item as the documents name it.
    pub label: String,
    /// The target value.
    pub target: Option<f64>,
    /// `min` (at least the target) or `max` (at most); none without a target.
    pub comparator: Option<&'static str>,
    /// The actual value (`null` for 対象なし and データなし).
    pub actual: Option<f64>,
    /// `met`, `missed`, `no_population`, `no_data` or `no_target`.
    pub verdict: &'static str,
    /// Between the warning level and the target (△).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub warning: bool,
}

/// A whole report.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Which report.
    pub kind: ReportCode,
    /// Output file stem from the template (`daily` → `daily-2026-10-15.xlsx`).
    pub file_stem: String,
    /// Title (日次報告).
    pub title: String,
    /// Organisation / system line.
    pub organisation: String,
    /// Author (operations contractor).
    pub author: String,
    /// Period label (対象日 令和8年10月15日（木）).
    pub period_label: String,
    /// Period in ISO form (2026-10-15).
    pub period: String,
    /// The as-of time (作成日時, document date).
    pub as_of: NaiveDateTime,
    /// Sections in template order.
    pub sections: Vec<Section>,
    /// The 定義 (terms and their definitions), for the workbook's sheet
    /// and the PDF's appendix.
    pub definitions: Table,
    /// A cover page (表紙) and table of contents (目次), for documents that
    /// are submitted (the monthly report).
    pub cover: Option<Cover>,
    /// Page orientation of the PDF and the printed workbook.
    pub orientation: Orientation,
    /// Rows a table shows in a paged document (PDF); the workbook shows
    /// every row, and the PDF says how many more there are and on which
    /// sheet (template `list_rows`).
    pub list_rows: usize,
    /// The judged items (SLA items, figures with a target).
    pub items: Vec<JudgedItem>,
    /// Every figure of the report with its unit, by key (the JSON's
    /// `figures`, the workbook's 指標一覧).
    pub figures: Vec<FigureRow>,
    /// The data-quality notes (the JSON's `data_quality`; the documents
    /// show them in their データ品質 section).
    pub quality: Vec<QualityNote>,
}

impl Document {
    /// The workbook's sheet of each section (`1.概況`), as Excel accepts
    /// them; the PDF names them where a list continues in the workbook.
    pub fn sheet_names(&self) -> Vec<String> {
        unique_names(
            self.sections
                .iter()
                .enumerate()
                .map(|(i, s)| sheet_name(&format!("{}.{}", i + 1, s.title)))
                .collect(),
            &["表紙", "指標一覧", "定義"],
        )
    }
    /// The stem of its files: `<file_stem>-<period>` (`daily-2026-10-15`).
    pub fn stem(&self) -> String {
        format!("{}-{}", self.file_stem, self.period)
    }
}

/// A figure with its unit.
#[derive(Debug, Clone, PartialEq)]
pub struct FigureRow {
    pub key: String,
    pub value: Fig,
    /// The unit written beside the value in the 指標一覧 (`件`, `%`, `円/件`).
    pub unit: &'static str,
}

/// The rows of `figures`, sorted by key, each with the unit of its key
/// ([`crate::figures::unit_of_key`]).
pub fn figure_rows(figures: &Figures) -> Vec<FigureRow> {
    figures
        .0
        .iter()
        .map(|(k, v)| FigureRow {
            key: k.clone(),
            value: *v,
            unit: crate::figures::unit_of_key(k),
        })
        .collect()
}

/// A data-quality line shown in the report and written to the JSON: where
/// (file, physical line, column), a stable machine code (`not_datetime`,
/// `outage_no_end`, `source_absent`, …) and the reason in Japanese.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct QualityNote {
    pub file: String,
    pub line: Option<u64>,
    pub column: Option<String>,
    pub code: &'static str,
    pub reason: String,
}

impl QualityNote {
    /// A note about `file` (a path, a source name or empty) that names no line.
    pub fn new(
        code: &'static str,
        file: impl Into<String>,
        reason: impl Into<String>,
    ) -> QualityNote {
        QualityNote {
            file: file.into(),
            line: None,
            column: None,
            code,
            reason: reason.into(),
        }
    }
    /// The note names a line and a column.
    pub fn at(mut self, line: Option<u64>, column: Option<&str>) -> QualityNote {
        self.line = line;
        self.column = column.map(str::to_string);
        self
    }
}

/// 表紙 and 目次 of a submitted document.
#[derive(Debug, Clone, PartialEq)]
pub struct Cover {
    /// Addressee (宛先), e.g. `厚生労働省 … 御中`; may be empty.
    pub recipient: String,
    /// `提出日 令和8年11月5日`.
    pub submitted: String,
    /// Heading of the table of contents (目次).
    pub toc_title: String,
}

/// A4 portrait or landscape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Orientation {
    #[default]
    Portrait,
    Landscape,
}

/// A sheet name Excel accepts: no `[]:*?/\`, no leading or trailing
/// apostrophe, at most 31 characters, not empty, not `History`.
fn sheet_name(s: &str) -> String {
    let t: String = s
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c) && !c.is_control())
        .collect();
    let t = t.trim_matches('\'').trim();
    let t: String = t.chars().take(31).collect();
    if t.is_empty() || t.eq_ignore_ascii_case("history") {
        "シート".to_string()
    } else {
        t
    }
}

/// Sheet names made unique (Excel compares them case-insensitively):
/// a repeat gets ` (2)`, ` (3)`, … within 31 characters.
fn unique_names(names: Vec<String>, taken: &[&str]) -> Vec<String> {
    let mut seen: Vec<String> = taken.iter().map(|t| t.to_lowercase()).collect();
    names
        .into_iter()
        .map(|n| {
            let mut candidate = n.clone();
            let mut k = 2;
            while seen.contains(&candidate.to_lowercase()) {
                let suffix = format!(" ({k})");
                let base: String = n.chars().take(31 - suffix.chars().count()).collect();
                candidate = format!("{base}{suffix}");
                k += 1;
            }
            seen.push(candidate.to_lowercase());
            candidate
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_fit_excel() {
        assert_eq!(
            sheet_name("1.障害/変更 [月次]: 一覧?"),
            "1.障害変更 月次 一覧"
        );
        assert_eq!(sheet_name(&"あ".repeat(40)).chars().count(), 31);
        assert_eq!(sheet_name("'quoted'"), "quoted");
        assert_eq!(sheet_name("History"), "シート");
        let n = unique_names(vec!["定義".into(), "A".into(), "a".into()], &["定義"]);
        assert_eq!(n, vec!["定義 (2)", "A", "a (2)"]);
        let long = "い".repeat(31);
        let n = unique_names(vec![long.clone(), long], &[]);
        assert_eq!(n[1].chars().count(), 31);
        assert!(n[1].ends_with(" (2)"));
    }

    #[test]
    fn numbers_format_with_separators_and_signed_changes() {
        assert_eq!(format_number(1234567.0, Unit::Count), "1,234,567件");
        assert_eq!(format_number(99.954, Unit::PercentFine), "99.95%");
        assert_eq!(format_number(-0.04, Unit::Percent), "0.0%");
        assert_eq!(format_number(3.0, Unit::CountDelta), "+3件");
        assert_eq!(format_number(-1200.0, Unit::CountDelta), "-1,200件");
        assert_eq!(format_number(0.0, Unit::CountDelta), "0件");
        assert_eq!(format_number(1.26, Unit::PointDelta), "+1.3pt");
        assert_eq!(format_number(-0.04, Unit::PointDelta), "0.0pt");
        assert_eq!(format_number(-4.0, Unit::SecondsDelta), "-4.0秒");
        assert_eq!(format_number(12345.0, Unit::YenDelta), "+12,345円");
        assert_eq!(format_number(-800.0, Unit::YenDelta), "-800円");
        assert_eq!(format_number(1234.56, Unit::Hours), "1,234.6時間");
        assert_eq!(format_number(2.5, Unit::YenFine), "2.50円");
    }
}
