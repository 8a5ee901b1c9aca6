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
use super::common::{cost_quality, quality_notes, row_notes};
use super::daily::{self, DailyKpis};
use super::model::*;
use super::template::Templates;
use super::{Built, Context, Report, TemplateSpec};
use crate::kpi::{compute_daily, Figures};
use crate::time::{span_label_ja, week_label, weekday_ja, CalPeriod, Grain, Period};
use anyhow::{bail, Result};
use chrono::{NaiveDate, NaiveDateTime};

crate::closed_set! {
    /// The sections `templates/weekly.toml` may list.
    pub enum WeeklySection {
        Summary = "summary",
        Days = "days",
        Tickets = "tickets",
        Batch = "batch",
        Backups = "backups",
        Capacity = "capacity",
        Calls = "calls",
        Cost = "cost",
        Remarks = "remarks",
        DataQuality = "data_quality",
    }
}

/// 週次報告: the week against the week before, day by day.
pub struct Weekly;

impl Report for Weekly {
    fn about(&self) -> &'static str {
        "週次報告 for one ISO week, Monday–Sunday (--week)"
    }
    fn grains(&self) -> &'static [Grain] {
        &[Grain::Week]
    }
    fn templates(&self) -> &'static [TemplateSpec] {
        &[TemplateSpec {
            name: "weekly",
            grain: None,
            sections: WeeklySection::NAMES,
        }]
    }
    fn build(&self, cx: &Context, period: CalPeriod) -> Result<Built> {
        let CalPeriod::Week(_) = period else {
            bail!("the weekly report is for one ISO week");
        };
        let (ds, cfg, tpl) = (cx.ds, cx.cfg, cx.tpl);
        let week = period.period();
        let current = compute_daily(ds, cfg, week)?;
        let prev_week = Period::week_of(week.first - chrono::Duration::days(7));
        let previous = compute_daily(ds, cfg, prev_week)?;
        let mut days = Vec::new();
        for d in week.first.iter_days().take_while(|d| *d < week.end_day) {
            days.push((d, compute_daily(ds, cfg, Period::day(d))?.figures()));
        }
        let mut quality = quality_notes(ds, tpl, week.start_ms(), week.end_ms());
        quality.extend(row_notes(ds, tpl, &current.tickets.flags));
        quality.extend(cost_quality(ds, cfg, &current.cost.gaps));
        let report = WeeklyReport {
            week,
            label: week_label(week),
            as_of: cfg.as_of_time(week.end_day),
            current: &current,
            previous: &previous,
            days: &days,
            remarks: cx.remarks.as_deref(),
            quality: &quality,
        };
        let mut figures = current.figures();
        figures.extend(extra_figures(&report));
        let mut doc = build(&report, &figures, cfg, tpl);
        doc.figures = figure_rows(&figures);
        doc.quality = quality;
        Ok(Built {
            doc,
            warnings: Vec::new(),
        })
    }
}

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
    let tpl = t.report("weekly");
    let mut sections = Vec::new();
    for (id, section) in tpl.sections_of(WeeklySection::parse) {
        let blocks = match section {
            WeeklySection::Summary => summary(f),
            WeeklySection::Days => days(r, f),
            WeeklySection::Tickets => daily::tickets(f, &r.current.tickets, t),
            WeeklySection::Batch => daily::batch(f, &r.current.jobs, t),
            WeeklySection::Backups => daily::backups(f, &r.current.backups, t),
            WeeklySection::Capacity => daily::capacity(f, &r.current.capacity, t),
            WeeklySection::Calls => daily::calls(f, &r.current.calls),
            WeeklySection::Cost => super::cost::weekly_section(f, t),
            WeeklySection::Remarks => vec![remarks_block(r.remarks)],
            WeeklySection::DataQuality => quality_blocks(r.quality),
        };
        sections.push(Section {
            id: id.to_string(),
            title: tpl.section_title(id),
            blocks,
        });
    }
    Document {
        kind: super::ReportCode::Weekly,
        file_stem: tpl.file_stem.clone(),
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
        list_rows: tpl.list_rows,
        items: super::daily::target_items(f, cfg, &super::daily::headline_labels()),
        figures: Vec::new(),
        quality: Vec::new(),
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
