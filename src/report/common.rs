//! Building blocks shared by the report builders: table helpers, the
//! data-quality notes and their section.

pub use super::model::QualityNote;
use super::model::*;
use super::template::Templates;
use crate::ingest::dedupe::RowFlag;
use crate::ingest::Dataset;
use crate::problem::Problem;
use crate::time::Period;
use chrono::{Datelike, NaiveDate};

impl QualityNote {
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
pub fn quality_notes(
    ds: &Dataset,
    tpl: &Templates,
    start_ms: i64,
    end_ms: i64,
) -> Vec<QualityNote> {
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
        let (code, reason) = match ds.get(src.id) {
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
        list: false,
    })
}

/// A list of records, in the order a reader should act on them: bounded
/// in the PDF (the rest in the workbook), whole in the workbook.
pub fn list(caption: &str, columns: Vec<Column>, rows: Vec<Vec<Cell>>, empty: &str) -> Block {
    match table(caption, columns, rows, empty) {
        Block::Table(t) => Block::Table(Table { list: true, ..t }),
        b => b,
    }
}

pub const NONE_TEXT: &str = "該当なし";

/// The value a figure is judged on: a count judged on a population (late
/// jobs among the instances that have a deadline) is 対象なし when that
/// population is 0, though the count itself is 0.
pub fn judged(f: &Figures, key: &str) -> Fig {
    let value = f.fig(key);
    let population = match key {
        "jobs.late" => Some("jobs.with_deadline"),
        _ => None,
    };
    match population.map(|p| f.fig(p)) {
        Some(Fig::Value(n)) if n == 0.0 && value.value().is_some() => Fig::NoPopulation,
        _ => value,
    }
}

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
    vec![list(
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

/// The 定義 table (用語, 定義): the templates' KPI dictionary, then what the
/// site's configuration decides (which backups are expected when).
pub fn definitions(t: &Templates, cfg: Option<&crate::config::Config>) -> Table {
    Table {
        caption: String::new(),
        columns: vec![col("用語", 1.0), col("定義", 3.0)],
        rows: definition_pairs(t, cfg)
            .into_iter()
            .map(|(term, text)| vec![Cell::Text(term), Cell::Text(text)])
            .collect(),
        empty_text: String::new(),
        list: false,
    }
}

fn definition_pairs(t: &Templates, cfg: Option<&crate::config::Config>) -> Vec<(String, String)> {
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

/// Data-quality notes of a month's report: rejected rows and missing sources,
/// SLA clocks left out, outages that cannot be measured or have no end.
pub fn month_quality(
    ds: &Dataset,
    tpl: &Templates,
    month: Period,
    current: &crate::kpi::PeriodKpis,
    clock_problems: &[crate::kpi::sla::LeftOut],
) -> (Vec<QualityNote>, Vec<String>) {
    let mut quality = quality_notes(ds, tpl, month.start_ms(), month.end_ms());
    let mut warnings = Vec::new();
    for p in clock_problems {
        quality.push(QualityNote::on_row(
            ds,
            tpl,
            p.file,
            p.line,
            "opened_at",
            &p.problem,
        ));
        warnings.push(format!(
            "{}:{}: SLA clock left out: {p}",
            ds.input(p.file),
            p.line.unwrap_or(0)
        ));
    }
    quality.extend(row_notes(ds, tpl, &current.tickets.flags));
    let a = &current.availability;
    for r in &a.unmeasurable {
        let p = Problem::new("outage_no_start", [r.id.as_str()]);
        quality.push(QualityNote::on_row(
            ds,
            tpl,
            r.file,
            r.line,
            "outage_start",
            &p,
        ));
    }
    for o in a.outages.iter().flatten().filter(|o| o.end.is_none()) {
        let p = Problem::new("outage_no_end", [o.ticket_id.as_str()]);
        quality.push(QualityNote::on_row(
            ds,
            tpl,
            o.file,
            o.line,
            "outage_end",
            &p,
        ));
    }
    for r in &a.open_uncovered {
        let p = Problem::new("outage_open_uncovered", [r.id.as_str()]);
        quality.push(QualityNote::on_row(
            ds,
            tpl,
            r.file,
            r.line,
            "outage_end",
            &p,
        ));
    }
    for o in &a.whole_period {
        let p = Problem::new(
            "outage_whole_period",
            [o.system.as_str(), o.ticket_id.as_str()],
        );
        quality.push(QualityNote::on_row(
            ds,
            tpl,
            o.file,
            o.line,
            "outage_start",
            &p,
        ));
    }
    (quality, warnings)
}

/// The data-quality note from 90 days before the holiday list ends, as of
/// `today` (the report's as-of date).
pub fn holiday_note(cfg: &crate::config::Config, today: NaiveDate) -> Option<QualityNote> {
    let left = cfg.calendars.horizon_days(today)?;
    let until = cfg.calendars.holidays_until()?;
    let when = format!("{}年{}月{}日", until.year(), until.month(), until.day());
    let reason = if left < 0 {
        format!("祝日データは{when}で終わっています：それ以降の営業日を判定できないため、営業日を使う集計とジョブが失敗します。内閣府の新しい祝日データ（syukujitsu.csv）を設定フォルダに置いてください")
    } else {
        format!("祝日データは{when}までです（あと{left}日）：それまでに内閣府の新しい祝日データ（syukujitsu.csv）を設定フォルダに置いてください。期限を過ぎると営業日を使う集計とジョブが失敗します")
    };
    Some(QualityNote::new(
        "holidays_ending",
        format!("{}/{}", cfg.dir.display(), cfg.site.business_days.holidays),
        reason,
    ))
}

/// Data-quality notes of a cost (no model, rows without a quantity).
pub fn cost_quality(
    ds: &Dataset,
    cfg: &crate::config::Config,
    gaps: &[crate::kpi::cost::Gap],
) -> Vec<QualityNote> {
    super::cost::quality_notes(ds, gaps, cfg.cost.is_some(), &cfg.dir.display().to_string())
}
