//! 月次報告 builder: the month's figures, the previous month, the 13-month
//! trend, the service-management lists and the next month's schedule →
//! [`Document`] with a cover (表紙) and table of contents (目次).
//!
//! Sections (order and titles from `templates/monthly.toml`) follow
//! reports.md 1–14, then 特記事項 and データ品質. Every number shown is a
//! figure key in the JSON: the month's KPIs, `mom.<key>` (前月比, the change
//! from the previous month), `trend.<YYYY-MM>.<key>` (13-month trends),
//! `previous.<key>` and `sla_report.*` (section 2), `calls.heat.<HH>.<wd>`,
//! and the service-management counts of [`crate::kpi::itsm`].

use super::common::{
    col, compared_figures, compared_table, count_rows, figure_table, list, quality_blocks,
    remarks_block, table, Compared, QualityNote, NONE_TEXT,
};
use super::common::{cost_quality, holiday_note, month_quality};
use super::model::*;
use super::sla::{self, Verdict};
use super::template::Templates;
pub use super::ScheduledJob;
use super::{Built, Context, Report, TemplateSpec};
use crate::config::Config;
use crate::ingest::SourceId;
use crate::kpi::itsm::{ItsmKpis, TicketLine, RESULTS};
use crate::kpi::tickets::CHANGE_CLASSES;
use crate::kpi::{calls::WEEKDAYS, Figures, PeriodKpis};
use crate::time::{format_short, month_label_ja, wareki_date, Period};
use crate::time::{CalPeriod, Grain};
use anyhow::{bail, Result};
use chrono::{Datelike, NaiveDate, NaiveDateTime};

/// Months in the trend (the month and the twelve before it).
pub const TREND_MONTHS: usize = 13;
/// Capacity series drawn in the p95 trend chart (highest p95 first).
const CAPACITY_TREND_SERIES: usize = 6;

crate::closed_set! {
    /// The sections `templates/monthly.toml` may list (reports.md 1–14, remarks, data quality).
    pub enum MonthlySection {
        Summary = "summary",
        Sla = "sla",
        Incidents = "incidents",
        Problems = "problems",
        Changes = "changes",
        Releases = "releases",
        Configuration = "configuration",
        Calls = "calls",
        Batch = "batch",
        Backups = "backups",
        Capacity = "capacity",
        Availability = "availability",
        Cost = "cost",
        NextMonth = "next_month",
        Remarks = "remarks",
        DataQuality = "data_quality",
    }
}

/// 月次報告: the month against the month before and its 13-month trend,
/// the service-management lists and next month's schedule, with a cover.
pub struct Monthly;

impl Report for Monthly {
    fn about(&self) -> &'static str {
        "月次報告 for one month, with cover, contents and 13-month trends (--month)"
    }
    fn grains(&self) -> &'static [Grain] {
        &[Grain::Month]
    }
    fn templates(&self) -> &'static [TemplateSpec] {
        &[TemplateSpec {
            name: "monthly",
            grain: None,
            sections: MonthlySection::NAMES,
        }]
    }
    fn build(&self, cx: &Context, period: CalPeriod) -> Result<Built> {
        let CalPeriod::Month(_) = period else {
            bail!("the monthly report is for one month");
        };
        let (ds, cfg, tpl) = (cx.ds, cx.cfg, cx.tpl);
        let month = period.period();
        let (clocks, clock_problems) = crate::kpi::sla::clocks_of(
            ds.get(SourceId::Tickets),
            ds.get(SourceId::TicketStatusHistory),
            &cfg.sla_targets,
            &cfg.calendars,
        )?;
        let (trend, previous, mut current) =
            crate::kpi::month_series(ds, cfg, month, TREND_MONTHS, clocks.as_deref())?;
        crate::kpi::sla::left_out_is_no_data(
            &mut current.sla,
            &clock_problems,
            &cfg.sla_targets,
            month,
        );
        let itsm = crate::kpi::itsm::compute(ds.get(SourceId::Tickets), month)?;
        let items = sla::items(cfg, tpl, &current, &previous);
        let (mut quality, mut warnings) = month_quality(ds, tpl, month, &current, &clock_problems);
        quality.extend(holiday_note(cfg, cfg.as_of_time(month.end_day).date()));
        let next = Period::month_of(month.end_day);
        let schedule = (cx.schedule)(next.first, next.end_day);
        if let Err(e) = &schedule {
            warnings.push(format!("next month's job runs unknown: {e}"));
            quality.push(QualityNote::new(
                "jobs_unreadable",
                cx.jobs_dir.clone(),
                format!("ジョブ定義を読めません：{e}"),
            ));
        }
        let submitted = match (
            tpl.report("monthly").submit_business_day,
            cfg.calendars.rule.as_ref(),
        ) {
            (Some(n), Some(rule)) => rule
                .nth_of_month(next.first, n as i32)
                .map_err(|e| anyhow::anyhow!("提出日: {e}"))?,
            _ => None,
        };
        quality.extend(cost_quality(cx.ds, cfg, &current.cost.gaps));
        let (_, fy_figures) = crate::kpi::fiscal_year_cost(ds, cfg, month, &current.cost)?;
        let report = MonthlyReport {
            month,
            as_of: cfg.as_of_time(month.end_day),
            submitted,
            current: &current,
            previous: &previous,
            trend: &trend,
            itsm: &itsm,
            sla_items: &items,
            schedule,
            remarks: cx.remarks.as_deref(),
            quality: &quality,
        };
        let mut figures = current.figures();
        figures.extend(extra_figures(&report));
        figures.extend(fy_figures);
        let mut doc = build(&report, &figures, cfg, tpl);
        doc.figures = figure_rows(&figures);
        doc.quality = quality;
        Ok(Built { doc, warnings })
    }
}

/// Everything the monthly report shows.
pub struct MonthlyReport<'a> {
    pub month: Period,
    pub as_of: NaiveDateTime,
    /// 提出日 (None: no business-day rule could place it).
    pub submitted: Option<NaiveDate>,
    pub current: &'a PeriodKpis,
    pub previous: &'a PeriodKpis,
    /// (month, figures) for the 13 months ending with this one, oldest first.
    pub trend: &'a [(Period, Figures)],
    pub itsm: &'a ItsmKpis,
    pub sla_items: &'a [sla::Item],
    /// hokoku's own jobs in the following month, or why they are unknown.
    pub schedule: Result<Vec<ScheduledJob>, String>,
    pub remarks: Option<&'a str>,
    pub quality: &'a [QualityNote],
}

/// (label, key, unit, unit of the change) of the 概況 figures with 前月比.
const KEY_FIGURES: [Compared; 14] = [
    (
        "受付件数（全種別）",
        "tickets.received.total",
        Unit::Count,
        Unit::CountDelta,
    ),
    (
        "インシデント受付件数",
        "tickets.received.incident",
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
        "未解決件数（月末）",
        "tickets.backlog.total",
        Unit::Count,
        Unit::CountDelta,
    ),
    ("変更件数", "changes.total", Unit::Count, Unit::CountDelta),
    ("着信数", "calls.offered", Unit::Count, Unit::CountDelta),
    (
        "応答率",
        "calls.answer_rate",
        Unit::Percent,
        Unit::PointDelta,
    ),
    (
        "放棄率",
        "calls.abandon_rate",
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
        "平均応答待ち時間（ASA）",
        "calls.asa_s",
        Unit::Seconds,
        Unit::SecondsDelta,
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

/// `2025/10` for chart categories.
fn short_month(p: Period) -> String {
    format!("{}/{:02}", p.first.year(), p.first.month())
}

/// The trend keys the report draws, besides availability and capacity.
const TREND_KEYS: [&str; 8] = [
    "tickets.received.incident",
    "tickets.resolved.incident",
    "calls.offered",
    "calls.answered",
    "calls.answer_rate",
    "jobs.final_success_pct",
    "backups.success_pct",
    "changes.total",
];

fn availability_systems(r: &MonthlyReport) -> Vec<String> {
    r.current
        .availability
        .systems
        .as_ref()
        .map(|s| s.iter().map(|a| a.system.clone()).collect())
        .unwrap_or_default()
}

/// Capacity series (name, key stem `capacity.<host>.<metric>[@res]`) for
/// the p95 trend: every series with a p95 in any of the 13 months, ranked by
/// its latest p95 (highest first), so a host that stopped reporting still
/// shows its history.
fn capacity_trend_keys(r: &MonthlyReport) -> Vec<(String, String)> {
    let mut latest: std::collections::BTreeMap<String, f64> = std::collections::BTreeMap::new();
    for (_, fig) in r.trend.iter().rev() {
        for (k, v) in &fig.0 {
            if let (Some(stem), Some(v)) = (
                k.strip_prefix("capacity.")
                    .and_then(|x| x.strip_suffix(".p95")),
                v.value(),
            ) {
                latest.entry(stem.to_string()).or_insert(v);
            }
        }
    }
    let mut v: Vec<(String, f64)> = latest.into_iter().collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    v.into_iter()
        .take(CAPACITY_TREND_SERIES)
        .map(|(stem, _)| {
            let name = match stem.split_once('@') {
                Some((hm, res)) => format!("{} {res}", hm.replacen('.', " ", 1)),
                None => stem.replacen('.', " ", 1),
            };
            (name, format!("capacity.{stem}"))
        })
        .collect()
}

/// The figures this report adds to the month's KPIs (see the module docs).
pub fn extra_figures(r: &MonthlyReport) -> Figures {
    let mut f = sla::item_figures(r.sla_items);
    f.extend(sla_group_figures(r.sla_items));
    f.extend(r.itsm.figures.clone());
    f.extend(compared_figures(
        &r.current.figures(),
        &r.previous.figures(),
        &KEY_FIGURES,
        "mom",
    ));
    let mut keys: Vec<String> = TREND_KEYS.iter().map(|k| k.to_string()).collect();
    keys.extend(
        availability_systems(r)
            .iter()
            .map(|s| format!("availability.{s}.pct")),
    );
    keys.extend(
        capacity_trend_keys(r)
            .into_iter()
            .map(|(_, k)| format!("{k}.p95")),
    );
    for (m, fig) in r.trend {
        for k in &keys {
            f.put(format!("trend.{}.{k}", m.month_label()), fig.fig(k));
        }
    }
    match &r.current.calls.heat {
        Some(h) => {
            for (hour, row) in h.iter().enumerate() {
                for (d, n) in row.iter().enumerate() {
                    f.count(format!("calls.heat.{hour:02}.{}", WEEKDAYS[d]), Some(*n));
                }
            }
        }
        None => f.set("calls.heat", None),
    }
    if let Ok(jobs) = &r.schedule {
        for j in jobs {
            f.count(
                format!("schedule.next_month.jobs.{}.runs", j.id),
                Some(j.runs.len()),
            );
        }
    }
    f
}

/// Build the document. `f` holds every figure (KPIs and [`extra_figures`]).
pub fn build(r: &MonthlyReport, f: &Figures, cfg: &Config, t: &Templates) -> Document {
    let tpl = t.report("monthly");
    let mut sections = Vec::new();
    for (id, section) in tpl.sections_of(MonthlySection::parse) {
        let blocks = match section {
            MonthlySection::Summary => summary(r, f),
            MonthlySection::Sla => sla_summary(r, f, t),
            MonthlySection::Incidents => incidents(r, f, t),
            MonthlySection::Problems => problems(r, f, t),
            MonthlySection::Changes => changes(r, f, t),
            MonthlySection::Releases => releases(r, f, t),
            MonthlySection::Configuration => configuration(r, f, t),
            MonthlySection::Calls => calls(r, f),
            MonthlySection::Batch => batch(r, f, t),
            MonthlySection::Backups => backups(r, f, t),
            MonthlySection::Capacity => capacity(r, t),
            MonthlySection::Availability => availability(r, f, cfg),
            MonthlySection::Cost => super::cost::monthly_section(f, t),
            MonthlySection::NextMonth => next_month(r, t),
            MonthlySection::Remarks => vec![remarks_block(r.remarks)],
            MonthlySection::DataQuality => quality_blocks(r.quality),
        };
        sections.push(Section {
            id: id.to_string(),
            title: tpl.section_title(id),
            blocks,
        });
    }
    Document {
        kind: super::ReportCode::Monthly,
        file_stem: tpl.file_stem.clone(),
        title: tpl.title.clone(),
        organisation: tpl.organisation.clone(),
        author: tpl.author.clone(),
        period_label: format!("{} {}", tpl.period_prefix, month_label_ja(r.month)),
        period: r.month.month_label(),
        as_of: r.as_of,
        sections,
        definitions: super::common::definitions(t, Some(cfg)),
        cover: Some(Cover {
            recipient: tpl.recipient.clone(),
            submitted: match r.submitted {
                Some(d) => format!("提出日 {}", wareki_date(d)),
                None => format!("提出日 {}", wareki_date(r.as_of.date())),
            },
            toc_title: "目次".into(),
        }),
        orientation: tpl.orientation(),
        list_rows: tpl.list_rows,
        items: r.sla_items.iter().map(sla::Item::judged).collect(),
        figures: Vec::new(),
        quality: Vec::new(),
    }
}

/// A chart of trend keys over the 13 months.
fn trend_chart(
    r: &MonthlyReport,
    title: &str,
    kind: ChartKind,
    y_label: &str,
    unit: Unit,
    series: &[(String, String)],
) -> Block {
    Block::Chart(Chart {
        title: title.into(),
        kind,
        x_label: "年月".into(),
        y_label: y_label.into(),
        categories: r.trend.iter().map(|(m, _)| short_month(*m)).collect(),
        series: series
            .iter()
            .map(|(name, key)| Series {
                name: name.clone(),
                values: r.trend.iter().map(|(_, f)| f.get(key)).collect(),
            })
            .collect(),
        unit,
    })
}

fn s(name: &str, key: &str) -> (String, String) {
    (name.to_string(), key.to_string())
}

/// The same trend as a table (one value per cell, for the ministry's files).
fn trend_table(r: &MonthlyReport, caption: &str, series: &[(String, String, Unit)]) -> Block {
    let mut columns = vec![col("年月", 1.0)];
    columns.extend(series.iter().map(|(n, _, _)| col(n, 1.0)));
    let rows = r
        .trend
        .iter()
        .map(|(m, fig)| {
            let mut row = vec![Cell::text(short_month(*m))];
            row.extend(series.iter().map(|(_, k, u)| {
                Cell::fig(&format!("trend.{}.{k}", m.month_label()), fig.fig(k), *u)
            }));
            row
        })
        .collect();
    table(caption, columns, rows, NONE_TEXT)
}

fn summary(r: &MonthlyReport, f: &Figures) -> Vec<Block> {
    let count = |v: Verdict| r.sla_items.iter().filter(|i| i.verdict == v).count() as f64;
    let sla_rows = vec![
        vec![
            Cell::text("SLA項目数"),
            Cell::figure(
                "sla_report.items",
                Some(r.sla_items.len() as f64),
                Unit::Count,
            ),
        ],
        vec![
            Cell::text("達成"),
            Cell::figure("sla_report.met", Some(count(Verdict::Met)), Unit::Count),
        ],
        vec![
            Cell::text("未達"),
            Cell::figure(
                "sla_report.missed",
                Some(count(Verdict::Missed)),
                Unit::Count,
            ),
        ],
        vec![
            Cell::text("対象なし"),
            Cell::figure(
                "sla_report.no_population",
                Some(count(Verdict::NoPopulation)),
                Unit::Count,
            ),
        ],
        vec![
            Cell::text("データなし"),
            Cell::figure(
                "sla_report.no_data",
                Some(count(Verdict::NoData)),
                Unit::Count,
            ),
        ],
    ];
    vec![
        compared_table(
            "主要指標と前月比",
            ["当月", "前月", "前月比"],
            f,
            &KEY_FIGURES,
            "mom",
        ),
        table(
            "SLA遵守状況（項目数）",
            vec![col("判定", 3.0), col("項目数", 1.2)],
            sla_rows,
            NONE_TEXT,
        ),
    ]
}

/// SLA groups in report order.
const SLA_GROUPS: [sla::Group; 6] = [
    sla::Group::Availability,
    sla::Group::Tickets,
    sla::Group::Calls,
    sla::Group::Backups,
    sla::Group::Jobs,
    sla::Group::Capacity,
];
const VERDICTS: [Verdict; 5] = [
    Verdict::Met,
    Verdict::Missed,
    Verdict::NoPopulation,
    Verdict::NoData,
    Verdict::NoTarget,
];

/// `sla_report.by_group.<group>.<verdict>` counts (section 2).
fn sla_group_figures(items: &[sla::Item]) -> Figures {
    let mut f = Figures::default();
    for g in SLA_GROUPS {
        for v in VERDICTS {
            let n = items
                .iter()
                .filter(|i| i.group == g && i.verdict == v)
                .count();
            f.count(
                format!("sla_report.by_group.{}.{}", g.code(), v.code()),
                Some(n),
            );
        }
    }
    f
}

/// Section 2 is a summary: verdicts per group, and the items that missed
/// or have no data. Every item with its 12-month trend and the breach
/// details are in the separate SLA遵守状況報告.
fn sla_summary(r: &MonthlyReport, f: &Figures, t: &Templates) -> Vec<Block> {
    let mut columns = vec![col("区分", 1.6), col("項目数", 0.9)];
    columns.extend(
        VERDICTS
            .iter()
            .map(|v| col(t.label("verdicts", v.code()), 0.9)),
    );
    let rows = SLA_GROUPS
        .iter()
        .map(|g| {
            let total = r.sla_items.iter().filter(|i| i.group == *g).count();
            let mut row = vec![
                Cell::text(t.label("sla_groups", g.code())),
                Cell::num(total as f64, Unit::Count),
            ];
            row.extend(VERDICTS.iter().map(|v| {
                let k = format!("sla_report.by_group.{}.{}", g.code(), v.code());
                Cell::of(f, &k, Unit::Count)
            }));
            row
        })
        .collect();
    // 未達 first (what needs action), then データなし; each in item order.
    let mut listed: Vec<&sla::Item> = r
        .sla_items
        .iter()
        .filter(|i| matches!(i.verdict, Verdict::Missed | Verdict::NoData))
        .collect();
    listed.sort_by_key(|i| i.verdict != Verdict::Missed);
    let missed_rows = listed
        .iter()
        .map(|it| {
            vec![
                Cell::text(t.label("sla_groups", it.group.code())),
                Cell::text(&it.label),
                Cell::text(sla::goal_text(it)),
                Cell::fig(&it.key, it.value, it.unit),
                Cell::text(t.label("verdicts", it.verdict.code())),
                Cell::fig(&format!("previous.{}", it.key), it.previous, it.unit),
            ]
        })
        .collect();
    vec![
        Block::Text(vec![format!(
            "SLA項目の判定を区分ごとに集計し、未達とデータなしの項目を示します。全項目の目標値・実績値、12か月推移、未達の明細と未達理由・改善策は別冊「{}」に記載しています。",
            t.report("sla").title
        )]),
        table("区分別の判定", columns, rows, NONE_TEXT),
        list(
            "未達・データなしの項目",
            vec![col("区分", 1.3), col("項目", 3.0), col("目標値", 2.8), col("実績値", 1.1), col("判定", 1.1), col("前月値", 1.1)],
            missed_rows,
            "すべての項目が目標を達成しました",
        ),
    ]
}

fn incidents(r: &MonthlyReport, f: &Figures, t: &Templates) -> Vec<Block> {
    let items = [
        ("受付", "tickets.received.incident", Unit::Count),
        ("解決", "tickets.resolved.incident", Unit::Count),
        ("未解決（月末）", "tickets.backlog.incident", Unit::Count),
        ("優先度1（緊急）", "incidents.by_priority.p1", Unit::Count),
        ("優先度2（高）", "incidents.by_priority.p2", Unit::Count),
        ("優先度3（中）", "incidents.by_priority.p3", Unit::Count),
        ("優先度4（低）", "incidents.by_priority.p4", Unit::Count),
    ];
    let mut blocks = vec![figure_table("インシデント件数", "件数", f, &items)];
    blocks.push(trend_chart(
        r,
        "インシデント件数の推移（13か月）",
        ChartKind::Column,
        "件",
        Unit::Count,
        &[
            s("受付", "tickets.received.incident"),
            s("解決", "tickets.resolved.incident"),
        ],
    ));
    blocks.push(trend_table(
        r,
        "インシデント件数の推移（表）",
        &[
            (
                "受付".into(),
                "tickets.received.incident".into(),
                Unit::Count,
            ),
            (
                "解決".into(),
                "tickets.resolved.incident".into(),
                Unit::Count,
            ),
        ],
    ));
    let (rows, empty) = count_rows(&r.itsm.incidents_by_category, "（未分類）", str::to_string);
    blocks.push(table(
        "分類別（受付）",
        vec![col("分類", 3.0), col("件数", 1.0)],
        rows,
        empty,
    ));
    let (rows, empty) = count_rows(&r.itsm.incidents_by_system, "（未設定）", str::to_string);
    blocks.push(table(
        "対象システム別（受付）",
        vec![col("対象システム", 3.0), col("件数", 1.0)],
        rows,
        empty,
    ));
    blocks.push(super::daily::major_incidents(
        &r.current.tickets.major_incidents,
        t,
        "優先度1・2のインシデント（所要時間は受付から解決まで）",
        true,
    ));
    blocks
}

fn ticket_rows(
    list: &Option<Vec<TicketLine>>,
    row: impl Fn(&TicketLine) -> Vec<Cell>,
) -> (Vec<Vec<Cell>>, &'static str) {
    match list {
        None => (Vec::new(), MISSING),
        Some(l) => (l.iter().map(row).collect(), NONE_TEXT),
    }
}

fn problems(r: &MonthlyReport, f: &Figures, t: &Templates) -> Vec<Block> {
    let items = [
        (
            "対応中の問題（当月中に未解決だったもの）",
            "problems.active",
            Unit::Count,
        ),
        ("新規", "problems.received", Unit::Count),
        ("解決", "problems.resolved", Unit::Count),
        ("未解決（月末）", "problems.open_at_end", Unit::Count),
    ];
    let mut blocks = vec![figure_table("問題管理の件数", "件数", f, &items)];
    let (rows, empty) = ticket_rows(&r.itsm.problems, |p| {
        vec![
            Cell::text(&p.ticket_id),
            Cell::text(p.title.clone().unwrap_or_default()),
            Cell::text(p.system.clone().unwrap_or_default()),
            Cell::datetime(p.opened_at),
            Cell::datetime(p.resolved_at),
            Cell::text(t.label("ticket_statuses", &p.status)),
        ]
    });
    blocks.push(list(
        "問題一覧",
        vec![
            col("チケット番号", 1.4),
            col("件名", 3.4),
            col("対象システム", 1.4),
            col("登録", 1.3),
            col("解決", 1.3),
            col("状態", 0.8),
        ],
        rows,
        empty,
    ));
    blocks
}

fn result_label<'a>(t: &'a Templates, r: &'a str) -> &'a str {
    t.label("results", if r.is_empty() { "none" } else { r })
}

/// A change's or release's result: its label, 結果未記録 when the cell is
/// empty, データなし when the export has no result column at all.
fn result_cell(r: &MonthlyReport, t: &Templates, result: Option<&str>) -> Cell {
    if r.itsm.has_result {
        Cell::text(result_label(t, result.unwrap_or("")))
    } else {
        Cell::Missing { key: None }
    }
}

fn changes(r: &MonthlyReport, f: &Figures, t: &Templates) -> Vec<Block> {
    let mut columns = vec![col("変更区分", 1.4), col("件数", 1.0)];
    columns.extend(RESULTS.iter().map(|x| col(result_label(t, x), 1.0)));
    let classes: Vec<&str> = CHANGE_CLASSES.iter().copied().chain(["unset"]).collect();
    let key = |c: &str, res: &str| {
        format!(
            "changes.by_class_result.{c}.{}",
            if res.is_empty() { "none" } else { res }
        )
    };
    let rows = classes
        .iter()
        .map(|c| {
            let label = if *c == "unset" {
                "（未設定）".to_string()
            } else {
                t.label("change_classes", c).to_string()
            };
            let total: Option<f64> = RESULTS.iter().map(|x| f.get(&key(c, x))).sum();
            let total_key = if *c == "unset" {
                "changes.by_class.unset".to_string()
            } else {
                format!("changes.by_class.{c}")
            };
            // The count of a class does not need the result column: it is
            // changes.by_class.<c>; unset = the changes without a class.
            let total_cell = if *c != "unset" {
                Cell::of(f, &total_key, Unit::Count)
            } else {
                let classed: Option<f64> = CHANGE_CLASSES
                    .iter()
                    .map(|k| f.get(&format!("changes.by_class.{k}")))
                    .sum();
                match total.or_else(|| Some(f.get("changes.total")? - classed?)) {
                    Some(n) => Cell::num(n, Unit::Count),
                    None => Cell::Missing { key: None },
                }
            };
            let mut row = vec![Cell::text(label), total_cell];
            row.extend(RESULTS.iter().map(|x| Cell::of(f, &key(c, x), Unit::Count)));
            row
        })
        .collect();
    let mut blocks = vec![table(
        "変更区分別の件数と結果（当月に登録された変更）",
        columns,
        rows,
        NONE_TEXT,
    )];
    blocks.push(figure_table(
        "変更の指標",
        "値",
        f,
        &[
            ("変更件数", "changes.total", Unit::Count),
            (
                "成功率（結果のある変更）",
                "changes.success_pct",
                Unit::Percent,
            ),
            ("緊急変更の割合", "changes.emergency_pct", Unit::Percent),
        ],
    ));
    blocks.push(Block::Chart(Chart {
        title: "変更区分別の結果".into(),
        kind: ChartKind::StackedColumn,
        x_label: "変更区分".into(),
        y_label: "件".into(),
        categories: classes
            .iter()
            .map(|c| {
                if *c == "unset" {
                    "未設定".to_string()
                } else {
                    t.label("change_classes", c).to_string()
                }
            })
            .collect(),
        series: RESULTS
            .iter()
            .map(|x| Series {
                name: result_label(t, x).to_string(),
                values: classes.iter().map(|c| f.get(&key(c, x))).collect(),
            })
            .collect(),
        unit: Unit::Count,
    }));
    let (rows, empty) = ticket_rows(&r.itsm.changes, |c| {
        vec![
            Cell::text(&c.ticket_id),
            Cell::text(c.title.clone().unwrap_or_default()),
            Cell::text(
                c.change_class
                    .as_deref()
                    .map_or("（未設定）", |x| t.label("change_classes", x)),
            ),
            Cell::text(if c.planned == Some(true) { "有" } else { "" }),
            Cell::datetime(c.scheduled_at),
            result_cell(r, t, c.result.as_deref()),
            Cell::text(t.label("ticket_statuses", &c.status)),
        ]
    });
    blocks.push(list(
        "変更一覧",
        vec![
            col("チケット番号", 1.4),
            col("件名", 3.0),
            col("区分", 0.8),
            col("計画停止", 0.8),
            col("実施予定", 1.3),
            col("結果", 1.0),
            col("状態", 0.8),
        ],
        rows,
        empty,
    ));
    blocks
}

fn releases(r: &MonthlyReport, f: &Figures, t: &Templates) -> Vec<Block> {
    let mut items: Vec<(String, String)> = vec![("リリース件数".into(), "releases.total".into())];
    items.extend(RESULTS.iter().map(|x| {
        (
            result_label(t, x).to_string(),
            format!("releases.result.{}", if x.is_empty() { "none" } else { x }),
        )
    }));
    let rows = items
        .iter()
        .map(|(l, k)| vec![Cell::text(l), Cell::of(f, k, Unit::Count)])
        .collect();
    let mut blocks = vec![table(
        "リリースの件数（当月に登録または実施予定のもの）",
        vec![col("項目", 3.0), col("件数", 1.0)],
        rows,
        NONE_TEXT,
    )];
    let (rows, empty) = ticket_rows(&r.itsm.releases, |x| {
        vec![
            Cell::text(&x.ticket_id),
            Cell::text(x.title.clone().unwrap_or_default()),
            Cell::text(x.system.clone().unwrap_or_default()),
            Cell::datetime(x.scheduled_at),
            result_cell(r, t, x.result.as_deref()),
            Cell::text(t.label("ticket_statuses", &x.status)),
        ]
    });
    blocks.push(list(
        "リリース一覧",
        vec![
            col("チケット番号", 1.4),
            col("件名", 3.2),
            col("対象システム", 1.4),
            col("実施予定", 1.3),
            col("結果", 1.0),
            col("状態", 0.8),
        ],
        rows,
        empty,
    ));
    blocks
}

fn configuration(r: &MonthlyReport, f: &Figures, _t: &Templates) -> Vec<Block> {
    let items = [
        ("構成管理の受付", "tickets.received.config", Unit::Count),
        (
            "構成管理の完了（解決）",
            "tickets.resolved.config",
            Unit::Count,
        ),
        ("未完了（月末）", "tickets.backlog.config", Unit::Count),
    ];
    let mut blocks = vec![figure_table("構成管理の件数", "件数", f, &items)];
    let (rows, empty) = count_rows(
        &r.itsm.configuration_by_category,
        "（未分類）",
        str::to_string,
    );
    blocks.push(table(
        "分類別（受付）",
        vec![col("分類", 3.0), col("件数", 1.0)],
        rows,
        empty,
    ));
    blocks
}

fn calls(r: &MonthlyReport, f: &Figures) -> Vec<Block> {
    let mut blocks = vec![super::daily::call_summary(f)];
    blocks.push(trend_chart(
        r,
        "着信数・応答数の推移（13か月）",
        ChartKind::Column,
        "件",
        Unit::Count,
        &[s("着信", "calls.offered"), s("応答", "calls.answered")],
    ));
    blocks.push(trend_chart(
        r,
        "応答率の推移（13か月）",
        ChartKind::Line,
        "%",
        Unit::Percent,
        &[s("応答率", "calls.answer_rate")],
    ));
    blocks.push(trend_table(
        r,
        "コールの推移（表）",
        &[
            ("着信".into(), "calls.offered".into(), Unit::Count),
            ("応答".into(), "calls.answered".into(), Unit::Count),
            ("応答率".into(), "calls.answer_rate".into(), Unit::Percent),
        ],
    ));
    // Hour × weekday heat table.
    let days = ["月", "火", "水", "木", "金", "土", "日"];
    let mut columns = vec![col("時間帯", 1.0)];
    columns.extend(days.iter().map(|d| col(d, 0.8)));
    let (rows, empty) = match &r.current.calls.heat {
        None => (Vec::new(), MISSING),
        Some(h) => (
            h.iter()
                .enumerate()
                .map(|(hour, row)| {
                    let mut cells = vec![Cell::text(format!("{hour}時台"))];
                    cells.extend(row.iter().enumerate().map(|(d, n)| Cell::Number {
                        value: *n as f64,
                        unit: Unit::Count,
                        key: Some(format!("calls.heat.{hour:02}.{}", WEEKDAYS[d])),
                    }));
                    cells
                })
                .collect(),
            NONE_TEXT,
        ),
    };
    blocks.push(Block::Heat(Table {
        caption: "時間帯 × 曜日別 着信数".into(),
        columns,
        rows,
        empty_text: empty.into(),
        list: false,
    }));
    let (rows, empty) = match &r.current.calls.staffing {
        None => (Vec::new(), MISSING),
        Some(st) => (
            st.iter()
                .filter(|x| x.calls_per_hour > 0.0)
                .map(|x| {
                    vec![
                        Cell::text(format!("{}時台", x.hour)),
                        Cell::num(x.calls_per_hour, Unit::Decimal),
                        Cell::num(x.erlangs, Unit::Decimal),
                        Cell::figure(
                            &format!("calls.staffing.{:02}.agents", x.hour),
                            Some(f64::from(x.agents)),
                            Unit::Integer,
                        ),
                        Cell::num(x.predicted_sl, Unit::Percent),
                    ]
                })
                .collect(),
            NONE_TEXT,
        ),
    };
    blocks.push(table(
        "必要オペレーター数（アーランC、営業日平均）",
        vec![
            col("時間帯", 1.0),
            col("着信/時", 1.0),
            col("呼量（アーラン）", 1.2),
            col("必要人数", 1.0),
            col("予測サービスレベル", 1.3),
        ],
        rows,
        empty,
    ));
    blocks
}

fn batch(r: &MonthlyReport, f: &Figures, t: &Templates) -> Vec<Block> {
    let mut blocks = super::daily::batch(f, &r.current.jobs, t);
    // Before the instance list: the month's exceptions by job, the jobs
    // that needed action most first.
    if let Some(problems) = &r.current.jobs.problems {
        let at = blocks.len().saturating_sub(2);
        blocks.insert(at, exceptions_by_job(problems));
    }
    blocks.insert(
        1,
        figure_table(
            "実行時間の異常",
            "値",
            f,
            &[(
                "実行時間の異常（過去30日p95の1.5倍超）",
                "jobs.duration_anomalies",
                Unit::Count,
            )],
        ),
    );
    blocks.insert(
        1,
        trend_chart(
            r,
            "ジョブ最終成功率の推移（13か月）",
            ChartKind::Line,
            "%",
            Unit::Percent,
            &[s("最終成功率", "jobs.final_success_pct")],
        ),
    );
    blocks
}

fn backups(r: &MonthlyReport, f: &Figures, t: &Templates) -> Vec<Block> {
    let mut blocks = super::daily::backups(f, &r.current.backups, t);
    blocks.insert(
        1,
        trend_chart(
            r,
            "バックアップ成功率の推移（13か月）",
            ChartKind::Line,
            "%",
            Unit::Percent,
            &[s("成功率", "backups.success_pct")],
        ),
    );
    blocks
}

fn capacity(r: &MonthlyReport, t: &Templates) -> Vec<Block> {
    let (rows, empty) = match &r.current.capacity.series {
        None => (Vec::new(), MISSING),
        Some(list) => (
            by_risk(list)
                .into_iter()
                .map(|x| {
                    let key = x.key();
                    let pct = |k: &str, v: f64| {
                        Cell::figure(&format!("{key}.{k}"), Some(v), Unit::Percent)
                    };
                    vec![
                        Cell::text(&x.host),
                        Cell::text(t.label("metrics", &x.metric)),
                        Cell::text(x.resource.clone().unwrap_or_default()),
                        pct("mean", x.mean),
                        pct("p95", x.p95),
                        pct("max", x.max),
                        x.warn_minutes.map_or(Cell::Empty, |m| {
                            Cell::figure(&format!("{key}.warn_minutes"), Some(m), Unit::Minutes)
                        }),
                        x.slope_per_day
                            .map_or(Cell::Missing { key: None }, |v| Cell::num(v, Unit::Decimal)),
                        x.days_to_full
                            .map_or(Cell::Empty, |d| Cell::num(d, Unit::Decimal)),
                    ]
                })
                .collect(),
            NONE_TEXT,
        ),
    };
    let mut blocks = vec![list(
        "ホスト別 使用率（平均・p95・最大）と増加傾向",
        vec![
            col("ホスト", 1.1),
            col("項目", 1.5),
            col("対象", 0.9),
            col("平均", 0.9),
            col("p95", 0.9),
            col("最大", 0.9),
            col("警告超過時間", 1.1),
            col("傾き（pt/日）", 1.0),
            col("満杯まで（日）", 1.0),
        ],
        rows,
        empty,
    )];
    let series = capacity_trend_keys(r);
    let keyed: Vec<(String, String)> = series
        .iter()
        .map(|(n, k)| (n.clone(), format!("{k}.p95")))
        .collect();
    blocks.push(trend_chart(
        r,
        "p95使用率の推移（13か月、当月p95上位）",
        ChartKind::Line,
        "%",
        Unit::Percent,
        &keyed,
    ));
    blocks.push(Block::Text(vec![
        "リスクの高い順（重大しきい値の超過時間、警告しきい値の超過時間、満杯までの日数、p95の順）に示します。傾きは直近30日の最小二乗法による1日あたりの増加（ポイント）、満杯までの日数はディスク使用率が増加傾向の場合のみ示します。".into(),
    ]));
    blocks
}

/// The month's job exceptions by job net and job: how many instances
/// failed (not recovered), were late, or recovered by a rerun; most
/// failures first, then most late, then most exceptions.
fn exceptions_by_job(problems: &[crate::kpi::jobs::Instance]) -> Block {
    #[derive(Default)]
    struct Count {
        failed: usize,
        late: usize,
        recovered: usize,
    }
    let mut by: std::collections::BTreeMap<(String, String), Count> = Default::default();
    for i in problems {
        let c = by
            .entry((i.jobnet.clone().unwrap_or_default(), i.job_name.clone()))
            .or_default();
        if i.failed() {
            c.failed += 1;
        } else if i.attempts > 1 {
            c.recovered += 1;
        }
        if i.late {
            c.late += 1;
        }
    }
    let mut rows: Vec<_> = by.into_iter().collect();
    rows.sort_by(|(ka, a), (kb, b)| {
        (b.failed, b.late, b.failed + b.late + b.recovered)
            .cmp(&(a.failed, a.late, a.failed + a.late + a.recovered))
            .then(ka.cmp(kb))
    });
    list(
        "ジョブ別の異常件数（異常終了の多い順）",
        vec![
            col("ジョブネット", 1.6),
            col("ジョブ名", 2.0),
            col("異常終了", 1.0),
            col("遅延", 1.0),
            col("再実行で回復", 1.0),
        ],
        rows.into_iter()
            .map(|((net, job), c)| {
                vec![
                    Cell::text(net),
                    Cell::text(job),
                    Cell::num(c.failed as f64, Unit::Count),
                    Cell::num(c.late as f64, Unit::Count),
                    Cell::num(c.recovered as f64, Unit::Count),
                ]
            })
            .collect(),
        NONE_TEXT,
    )
}

/// Capacity series riskiest first: the longest time above the critical
/// level, then above the warning level, then the fewest days to full, then
/// the highest p95 (ties keep the host order).
fn by_risk(list: &[crate::kpi::capacity::SeriesStats]) -> Vec<&crate::kpi::capacity::SeriesStats> {
    let mut v: Vec<_> = list.iter().collect();
    v.sort_by(|a, b| {
        let crit = |x: &crate::kpi::capacity::SeriesStats| x.crit_minutes.unwrap_or(0.0);
        let warn = |x: &crate::kpi::capacity::SeriesStats| x.warn_minutes.unwrap_or(0.0);
        let full = |x: &crate::kpi::capacity::SeriesStats| x.days_to_full.unwrap_or(f64::INFINITY);
        crit(b)
            .total_cmp(&crit(a))
            .then(warn(b).total_cmp(&warn(a)))
            .then(full(a).total_cmp(&full(b)))
            .then(b.p95.total_cmp(&a.p95))
    });
    v
}

fn availability(r: &MonthlyReport, f: &Figures, cfg: &Config) -> Vec<Block> {
    let (rows, empty) = match &r.current.availability.systems {
        None => (Vec::new(), MISSING),
        Some(list) => (
            list.iter()
                .map(|a| {
                    let k = |x: &str| format!("availability.{}.{x}", a.system);
                    let pct = f.fig(&k("pct"));
                    let verdict =
                        sla::judge_shown(pct, sla::Goal::Min(a.target_pct), Unit::PercentFine);
                    vec![
                        Cell::text(&a.system),
                        Cell::text(cfg.system_service(&a.system).calendar),
                        Cell::of(f, &k("service_min"), Unit::Minutes),
                        Cell::of(f, &k("planned_min"), Unit::Minutes),
                        Cell::of(f, &k("unplanned_min"), Unit::Minutes),
                        Cell::fig(&k("pct"), pct, Unit::PercentFine),
                        Cell::num(a.target_pct, Unit::PercentFine),
                        Cell::text(match verdict {
                            Verdict::Met => "達成",
                            Verdict::Missed => "未達",
                            Verdict::NoPopulation => "対象なし",
                            _ => MISSING,
                        }),
                    ]
                })
                .collect(),
            NONE_TEXT,
        ),
    };
    let mut blocks = vec![table(
        "システム別 稼働率",
        vec![
            col("対象システム", 1.6),
            col("サービス時間帯", 1.1),
            col("サービス時間", 1.1),
            col("計画停止", 1.0),
            col("計画外停止", 1.0),
            col("稼働率", 0.9),
            col("目標", 0.9),
            col("判定", 0.7),
        ],
        rows,
        empty,
    )];
    let series: Vec<(String, String)> = availability_systems(r)
        .iter()
        .map(|s| (s.clone(), format!("availability.{s}.pct")))
        .collect();
    blocks.push(trend_chart(
        r,
        "稼働率の推移（13か月）",
        ChartKind::Line,
        "%",
        Unit::PercentFine,
        &series,
    ));
    let (rows, empty) = match &r.current.availability.outages {
        None => (Vec::new(), MISSING),
        Some(list) => (
            list.iter()
                .map(|o| {
                    vec![
                        Cell::text(&o.system),
                        Cell::text(&o.ticket_id),
                        Cell::text(o.title.clone().unwrap_or_default()),
                        Cell::text(if o.planned {
                            "計画停止"
                        } else {
                            "計画外"
                        }),
                        Cell::datetime(Some(o.start)),
                        o.end.map_or(Cell::text("（終了未記録）"), |e| {
                            Cell::datetime(Some(e))
                        }),
                        Cell::num(o.service_min, Unit::Minutes),
                    ]
                })
                .collect(),
            "停止なし",
        ),
    };
    blocks.push(list(
        "停止一覧（サービス時間内の停止時間）",
        vec![
            col("対象システム", 1.4),
            col("チケット番号", 1.2),
            col("件名", 2.6),
            col("区分", 0.9),
            col("開始", 1.3),
            col("終了", 1.3),
            col("停止時間", 1.0),
        ],
        rows,
        empty,
    ));
    blocks
}

fn next_month(r: &MonthlyReport, t: &Templates) -> Vec<Block> {
    let next = Period::month_of(r.month.end_day);
    let (rows, empty) = ticket_rows(&r.itsm.next_month, |x| {
        vec![
            Cell::datetime(x.scheduled_at),
            Cell::text(t.label("kinds", &x.kind)),
            Cell::text(&x.ticket_id),
            Cell::text(x.title.clone().unwrap_or_default()),
            Cell::text(
                x.change_class
                    .as_deref()
                    .map_or("", |c| t.label("change_classes", c)),
            ),
            Cell::text(x.system.clone().unwrap_or_default()),
            Cell::text(if x.planned == Some(true) { "有" } else { "" }),
        ]
    });
    let mut blocks = vec![table(
        &format!(
            "{}の変更・リリース予定（実施予定日時の順）",
            crate::time::wareki_month(next.first)
        ),
        vec![
            col("実施予定", 1.3),
            col("種別", 0.8),
            col("チケット番号", 1.7),
            col("件名", 2.6),
            col("区分", 0.6),
            col("対象システム", 1.6),
            col("計画停止", 0.7),
        ],
        rows,
        if r.itsm.next_month.is_none() && empty == MISSING {
            "データなし（実施予定日時の列がないか、チケットのデータがありません）"
        } else {
            empty
        },
    )];
    match &r.schedule {
        Ok(jobs) => {
            let rows = jobs
                .iter()
                .map(|j| {
                    let when = match j.runs.len() {
                        0 => "実行なし".to_string(),
                        1..=4 => j
                            .runs
                            .iter()
                            .map(|d| format_short(crate::time::dt_to_ms(*d)))
                            .collect::<Vec<_>>()
                            .join("、"),
                        _ => format!(
                            "{} ～ {}",
                            format_short(crate::time::dt_to_ms(j.runs[0])),
                            format_short(crate::time::dt_to_ms(*j.runs.last().expect("non-empty")))
                        ),
                    };
                    vec![
                        Cell::text(&j.title),
                        Cell::text(&j.schedule),
                        Cell::figure(
                            &format!("schedule.next_month.jobs.{}.runs", j.id),
                            Some(j.runs.len() as f64),
                            Unit::Integer,
                        ),
                        Cell::text(when),
                    ]
                })
                .collect();
            blocks.push(table(
                "報告書作成・データ取込の実行予定（jobs/ の定義から）",
                vec![
                    col("ジョブ", 2.6),
                    col("スケジュール", 1.6),
                    col("回数（回）", 0.8),
                    col("実行日時", 3.0),
                ],
                rows,
                "定義されたジョブはありません",
            ));
        }
        Err(e) => blocks.push(Block::Text(vec![format!(
            "ジョブ定義を読めないため実行予定はデータなしです：{e}"
        )])),
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kpi::capacity::SeriesStats;

    fn series(
        host: &str,
        p95: f64,
        warn: Option<f64>,
        crit: Option<f64>,
        full: Option<f64>,
    ) -> SeriesStats {
        SeriesStats {
            host: host.into(),
            metric: "disk_pct".into(),
            resource: None,
            mean: 0.0,
            p95,
            max: 0.0,
            count: 1,
            warn: None,
            crit: None,
            warn_samples: 0,
            crit_samples: 0,
            warn_minutes: warn,
            crit_minutes: crit,
            slope_per_day: None,
            days_to_full: full,
            days_to_crit: None,
        }
    }

    fn inst(
        net: &str,
        name: &str,
        status: &str,
        attempts: usize,
        late: bool,
    ) -> crate::kpi::jobs::Instance {
        crate::kpi::jobs::Instance {
            job_name: name.into(),
            jobnet: Some(net.into()),
            scheduled_at: Some(0),
            first_started_at: 0,
            ended_at: None,
            first_status: "failed".into(),
            final_status: status.into(),
            attempts,
            deadline: None,
            late,
            duration_min: None,
            baseline_p95_min: None,
            anomaly: false,
        }
    }

    #[test]
    fn job_exceptions_summarised_by_job_most_failures_first() {
        let problems = [
            inst("N1", "A", "success", 2, false), // A: recovered
            inst("N1", "A", "success", 2, false), // A: recovered
            inst("N1", "A", "success", 1, true),  // A: late
            inst("N2", "B", "failed", 1, false),  // B: failed
            inst("N1", "C", "success", 1, true),  // C: late
            inst("N1", "C", "killed", 1, true),   // C: failed and late
        ];
        let Block::Table(t) = exceptions_by_job(&problems) else {
            panic!("a table")
        };
        assert!(t.list);
        let rows: Vec<(String, Vec<f64>)> = t
            .rows
            .iter()
            .map(|r| {
                let Cell::Text(job) = &r[1] else { panic!() };
                let n = r[2..]
                    .iter()
                    .map(|c| match c {
                        Cell::Number { value, .. } => *value,
                        _ => panic!(),
                    })
                    .collect();
                (job.clone(), n)
            })
            .collect();
        // C: 1 failed, 2 late; B: 1 failed, 0 late; A: 0 failed, 1 late,
        // 2 recovered.
        assert_eq!(
            rows,
            [
                ("C".to_string(), vec![1.0, 2.0, 0.0]),
                ("B".to_string(), vec![1.0, 0.0, 0.0]),
                ("A".to_string(), vec![0.0, 1.0, 2.0]),
            ]
        );
    }

    #[test]
    fn capacity_series_riskiest_first() {
        let list = [
            series("a", 50.0, None, None, None),
            series("b", 70.0, Some(30.0), None, Some(400.0)),
            series("c", 90.0, Some(30.0), Some(5.0), None),
            series("d", 60.0, Some(30.0), None, Some(40.0)),
            series("e", 80.0, None, None, None),
            series("f", 75.0, Some(120.0), None, None),
        ];
        let order: Vec<&str> = by_risk(&list).iter().map(|s| s.host.as_str()).collect();
        // c: 5 min critical; then warning time f 120 > b, d 30; of b and d,
        // d is full sooner (40 < 400 days); then no breach: e (p95 80) > a.
        assert_eq!(order, ["c", "f", "d", "b", "e", "a"]);
    }
}
