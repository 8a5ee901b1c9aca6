//! Building blocks shared by the report builders: table helpers, the
//! data-quality notes and their section.

use super::model::*;
use super::template::Templates;
use crate::ingest::dedupe::RowFlag;
use crate::ingest::Dataset;
use crate::problem::Problem;
use crate::kpi::Figures;

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
    pub fn new(code: &'static str, file: impl Into<String>, reason: impl Into<String>) -> QualityNote {
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
    /// A note on a row of the dataset (its `_file` and `_line`), for a
    /// problem of [`crate::problem::CODES`].
    pub fn on_row(
        ds: &Dataset,
        tpl: &Templates,
        file: Option<u32>,
        line: Option<u32>,
        column: &str,
        problem: &Problem,
    ) -> QualityNote {
        QualityNote {
            file: ds.input(file).to_string(),
            line: line.map(u64::from),
            column: Some(column.to_string()),
            code: problem.code,
            reason: tpl.problem(problem),
        }
    }
}

/// Notes on rows that were read (duplicates, open outages, …).
pub fn row_notes(ds: &Dataset, tpl: &Templates, flags: &[RowFlag]) -> Vec<QualityNote> {
    flags
        .iter()
        .map(|f| QualityNote::on_row(ds, tpl, f.file, f.line, &f.column, &f.problem))
        .collect()
}

/// Data-quality notes: rejected rows, then sources without data for the period.
pub fn quality_notes(ds: &Dataset, tpl: &Templates, start_ms: i64, end_ms: i64) -> Vec<QualityNote> {
    let mut notes: Vec<QualityNote> = ds
        .issues
        .iter()
        .map(|i| QualityNote {
            file: i.file.clone(),
            line: Some(i.line),
            column: Some(i.column.clone()),
            code: i.problem.code,
            reason: tpl.problem(&i.problem),
        })
        .collect();
    for e in &ds.errors {
        notes.push(QualityNote::new("file_unreadable", "", e.to_string()));
    }
    notes.extend(row_notes(ds, tpl, &ds.flags));
    for src in crate::ingest::SOURCES {
        let name = src.spec.name;
        if src.optional {
            continue; // a companion (status history) may be absent
        }
        let (code, reason) = match ds.get(name) {
            None => (
                "source_absent",
                format!(
                    "{}の入力ファイルがありません：関連する数値はデータなし",
                    src.spec.title_ja
                ),
            ),
            Some(s) if !s.covers(start_ms, end_ms) => (
                "source_not_covering",
                format!(
                    "{}のデータが対象期間を含みません：関連する数値はデータなし",
                    src.spec.title_ja
                ),
            ),
            _ => continue,
        };
        notes.push(QualityNote::new(code, name, reason));
    }
    notes
}

pub fn col(h: &str, w: f32) -> Column {
    Column {
        header: h.to_string(),
        weight: w,
    }
}

pub fn table(caption: &str, columns: Vec<Column>, rows: Vec<Vec<Cell>>, empty: &str) -> Block {
    Block::Table(Table {
        caption: caption.to_string(),
        columns,
        rows,
        empty_text: empty.to_string(),
    })
}

pub const NONE_TEXT: &str = "該当なし";

/// A two-column table of figures: label and value (データなし when missing).
pub fn figure_table(
    caption: &str,
    header: &str,
    f: &Figures,
    items: &[(&str, &str, Unit)],
) -> Block {
    table(
        caption,
        vec![col("項目", 3.0), col(header, 1.0)],
        items
            .iter()
            .map(|(l, key, u)| vec![Cell::text(*l), Cell::of(f, key, *u)])
            .collect(),
        NONE_TEXT,
    )
}

pub fn quality_blocks(q: &[QualityNote]) -> Vec<Block> {
    let rows = q
        .iter()
        .map(|n| {
            vec![
                Cell::text(&n.file),
                n.line
                    .map_or(Cell::Empty, |l| Cell::num(l as f64, Unit::Integer)),
                Cell::text(n.column.clone().unwrap_or_default()),
                Cell::text(&n.reason),
            ]
        })
        .collect();
    vec![table(
        "除外した行・欠けているデータ",
        vec![
            col("ファイル", 2.2),
            col("行", 0.6),
            col("列", 1.0),
            col("内容", 3.2),
        ],
        rows,
        "問題なし（除外した行はありません）",
    )]
}

/// (label, key, unit, unit of the change) of a figure shown with the
/// previous period and the change (前月比, 前週比).
pub type Compared = (&'static str, &'static str, Unit, Unit);

/// `previous.<key>` and `<prefix>.<key>` (the change, `mom` or `wow`) of
/// each compared figure; データなし when either period has no data, 対象なし
/// when either has nothing to measure.
pub fn compared_figures(
    cur: &Figures,
    prev: &Figures,
    items: &[Compared],
    prefix: &str,
) -> Figures {
    let mut f = Figures::default();
    for (_, key, _, _) in items {
        f.put(format!("previous.{key}"), prev.fig(key));
        f.put(
            format!("{prefix}.{key}"),
            cur.fig(key).zip_with(prev.fig(key), |a, b| a - b),
        );
    }
    f
}

/// The table of compared figures: 項目, this period, the previous one, the change.
pub fn compared_table(
    caption: &str,
    headers: [&str; 3],
    f: &Figures,
    items: &[Compared],
    prefix: &str,
) -> Block {
    let rows = items
        .iter()
        .map(|(label, key, unit, delta)| {
            let prev = format!("previous.{key}");
            let change = format!("{prefix}.{key}");
            vec![
                Cell::text(*label),
                Cell::of(f, key, *unit),
                Cell::of(f, &prev, *unit),
                Cell::of(f, &change, *delta),
            ]
        })
        .collect();
    table(
        caption,
        vec![
            col("項目", 3.0),
            col(headers[0], 1.2),
            col(headers[1], 1.2),
            col(headers[2], 1.2),
        ],
        rows,
        NONE_TEXT,
    )
}

/// 特記事項 from an optional remarks file.
pub fn remarks_block(text: Option<&str>) -> Block {
    Block::Text(match text {
        Some(x) if !x.trim().is_empty() => x.lines().map(str::to_string).collect(),
        _ => vec!["特記事項なし".to_string()],
    })
}

/// Rows of (name, count) pairs, most first; `unset` names the empty key.
/// `None` (no data) gives no rows and the text データなし.
pub fn count_rows(
    v: &Option<Vec<(String, usize)>>,
    unset: &str,
    label: impl Fn(&str) -> String,
) -> (Vec<Vec<Cell>>, &'static str) {
    match v {
        None => (Vec::new(), MISSING),
        Some(items) => (
            items
                .iter()
                .map(|(c, n)| {
                    vec![
                        Cell::text(if c.is_empty() {
                            unset.to_string()
                        } else {
                            label(c)
                        }),
                        Cell::num(*n as f64, Unit::Count),
                    ]
                })
                .collect(),
            NONE_TEXT,
        ),
    }
}

/// The 定義 (term, definition) pairs: the templates' KPI dictionary, then
/// what the site's configuration decides (which backups are expected when).
pub fn definitions(t: &Templates, cfg: Option<&crate::config::Config>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = t
        .definitions
        .iter()
        .map(|d| (d.term.clone(), d.text.clone()))
        .collect();
    if let Some(cfg) = cfg {
        if !cfg.expected_backups.is_empty() {
            let list: Vec<String> = cfg
                .expected_backups
                .iter()
                .map(|(target, s)| format!("{target}：{}", s.describe_ja()))
                .collect();
            out.push((
                "バックアップの予定".into(),
                format!(
                    "設定（backups.expected）で予定したバックアップと取得日。{}。「平日」は月～金（祝日も予定日）、「営業日」は祝日・年末年始などを除く。",
                    list.join("、")
                ),
            ));
        }
    }
    out
}
