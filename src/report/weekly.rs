//! 週次報告 builder: the week's (Monday–Sunday) figures with the previous
//! week for comparison, a day-by-day table and charts → [`Document`].
//!
//! Sections (order and titles from `templates/weekly.toml`): 概況 (key
//! figures, 前週比), 日別推移 (one row per day, charts), then the daily
//! report's ticket, batch, backup, capacity and call sections over the
//! whole week, コスト, 特記事項 and データ品質. Keys it adds: `days.<date>.<key>`
//! for the day-by-day table, `previous.<key>` and `wow.<key>` (前週比).

use super::common::{
    col, compared_figures, compared_table, quality_blocks, remarks_block, table, Compared,
    QualityNote, NONE_TEXT,
};
use super::daily::{self, DailyKpis};
use super::model::*;
use super::template::Templates;
use crate::kpi::Figures;
use crate::time::{span_label_ja, weekday_ja, Period};
use chrono::{NaiveDate, NaiveDateTime};

/// Everything the weekly report shows.
pub struct WeeklyReport<'a> {
    pub week: Period,
    /// ISO week label (`2026-W42`).
    pub label: String,
    pub as_of: NaiveDateTime,
    pub current: &'a DailyKpis,
    pub previous: &'a DailyKpis,
    /// The seven days, Monday first.
    pub days: &'a [(NaiveDate, Figures)],
    pub remarks: Option<&'a str>,
    pub quality: &'a [QualityNote],
}

/// (label, key, unit, unit of the change) of the 概況 with 前週比.
const KEY_FIGURES: [Compared; 11] = [
    (
        "受付件数",
        "tickets.received.total",
        Unit::Count,
        Unit::CountDelta,
    ),
    (
        "解決件数",
        "tickets.resolved.total",
        Unit::Count,
        Unit::CountDelta,
    ),
    (
        "未解決件数（週末）",
        "tickets.backlog.total",
        Unit::Count,
        Unit::CountDelta,
    ),
    (
        "インシデント受付",
        "tickets.received.incident",
        Unit::Count,
        Unit::CountDelta,
    ),
    ("着信数", "calls.offered", Unit::Count, Unit::CountDelta),
    (
        "応答率",
        "calls.answer_rate",
        Unit::Percent,
        Unit::PointDelta,
    ),
    (
        "サービスレベル",
        "calls.service_level",
        Unit::Percent,
        Unit::PointDelta,
    ),
    (
        "ジョブ 最終成功率",
        "jobs.final_success_pct",
        Unit::Percent,
        Unit::PointDelta,
    ),
    (
        "ジョブ 異常終了",
        "jobs.failed_instances",
        Unit::Count,
        Unit::CountDelta,
    ),
    (
        "バックアップ 成功率",
        "backups.success_pct",
        Unit::Percent,
        Unit::PointDelta,
    ),
    (
        "バックアップ 未実行",
        "backups.missing",
        Unit::Count,
        Unit::CountDelta,
    ),
];

/// (column header, key, unit) of the day-by-day table.
const DAY_COLUMNS: [(&str, &str, Unit); 9] = [
    ("受付", "tickets.received.total", Unit::Count),
    ("解決", "tickets.resolved.total", Unit::Count),
    ("インシデント", "tickets.received.incident", Unit::Count),
    ("着信", "calls.offered", Unit::Count),
    ("応答率", "calls.answer_rate", Unit::Percent),
    ("ジョブ数", "jobs.instances", Unit::Count),
    ("ジョブ異常", "jobs.failed_instances", Unit::Count),
    ("バックアップ失敗", "backups.failed", Unit::Count),
    ("バックアップ未実行", "backups.missing", Unit::Count),
];

/// The figures this report adds to the week's KPIs.
pub fn extra_figures(r: &WeeklyReport) -> Figures {
    let mut f = compared_figures(
        &r.current.figures(),
        &r.previous.figures(),
        &KEY_FIGURES,
        "wow",
    );
    for (d, fig) in r.days {
        for (_, key, _) in DAY_COLUMNS {
            f.put(format!("days.{}.{key}", d.format("%Y-%m-%d")), fig.fig(key));
        }
    }
    f
}

fn day_label(d: NaiveDate) -> String {
    format!(
        "{}/{}（{}）",
        d.format("%-m"),
        d.format("%-d"),
        weekday_ja(d)
    )
}

/// Build the document. `f` holds every figure (KPIs and [`extra_figures`]).
pub fn build(
    r: &WeeklyReport,
    f: &Figures,
    cfg: &crate::config::Config,
    t: &Templates,
) -> Document {
    let tpl = &t.weekly;
    let mut sections = Vec::new();
    for id in &tpl.sections {
        let blocks = match id.as_str() {
            "summary" => summary(f),
            "days" => days(r, f),
            "tickets" => daily::tickets(f, &r.current.tickets, t),
            "batch" => daily::batch(f, &r.current.jobs, t),
            "backups" => daily::backups(f, &r.current.backups, t),
            "capacity" => daily::capacity(f, &r.current.capacity, t),
            "calls" => daily::calls(f, &r.current.calls),
            "cost" => super::cost::weekly_section(f, t),
            "remarks" => vec![remarks_block(r.remarks)],
            "data_quality" => quality_blocks(r.quality),
            _ => continue,
        };
        sections.push(Section {
            id: id.clone(),
            title: tpl.section_title(id),
            blocks,
        });
    }
    Document {
        kind: "weekly".into(),
        title: tpl.title.clone(),
        organisation: tpl.organisation.clone(),
        author: tpl.author.clone(),
        period_label: format!(
            "{} {}（{}）",
            tpl.period_prefix,
            span_label_ja(r.week),
            r.label
        ),
        period: r.label.clone(),
        as_of: r.as_of,
        sections,
        definitions: super::common::definitions(t, Some(cfg)),
        cover: None,
        orientation: tpl.orientation(),
        items: super::daily::target_items(f, cfg, &super::daily::headline_labels()),
    }
}

fn summary(f: &Figures) -> Vec<Block> {
    vec![compared_table(
        "主要指標と前週比",
        ["今週", "前週", "前週比"],
        f,
        &KEY_FIGURES,
        "wow",
    )]
}

fn days(r: &WeeklyReport, f: &Figures) -> Vec<Block> {
    let mut columns = vec![col("日付", 1.2)];
    columns.extend(DAY_COLUMNS.iter().map(|(h, _, _)| col(h, 1.0)));
    let rows = r
        .days
        .iter()
        .map(|(d, _)| {
            let mut row = vec![Cell::text(day_label(*d))];
            row.extend(DAY_COLUMNS.iter().map(|(_, key, unit)| {
                let k = format!("days.{}.{key}", d.format("%Y-%m-%d"));
                Cell::of(f, &k, *unit)
            }));
            row
        })
        .collect();
    let cats: Vec<String> = r.days.iter().map(|(d, _)| day_label(*d)).collect();
    let series = |name: &str, key: &str| Series {
        name: name.into(),
        values: r.days.iter().map(|(_, fig)| fig.get(key)).collect(),
    };
    vec![
        table("日別の件数と率", columns, rows, NONE_TEXT),
        Block::Chart(Chart {
            title: "日別 受付・解決件数".into(),
            kind: ChartKind::Column,
            x_label: "日付".into(),
            y_label: "件".into(),
            categories: cats.clone(),
            series: vec![
                series("受付", "tickets.received.total"),
                series("解決", "tickets.resolved.total"),
            ],
            unit: Unit::Count,
        }),
        Block::Chart(Chart {
            title: "日別 着信数".into(),
            kind: ChartKind::Column,
            x_label: "日付".into(),
            y_label: "件".into(),
            categories: cats.clone(),
            series: vec![
                series("着信", "calls.offered"),
                series("応答", "calls.answered"),
            ],
            unit: Unit::Count,
        }),
        Block::Chart(Chart {
            title: "日別 応答率".into(),
            kind: ChartKind::Line,
            x_label: "日付".into(),
            y_label: "%".into(),
            categories: cats,
            series: vec![series("応答率", "calls.answer_rate")],
            unit: Unit::Percent,
        }),
    ]
}
