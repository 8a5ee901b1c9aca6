//! コスト管理報告 builders (reports.md): the daily report (the day's cost by
//! category, month-to-date against the budget pro-rated by calendar days)
//! and the monthly report (cost by category and by source, every cost line
//! with its input, unit costs, budget vs actual by month of the fiscal year,
//! 年度累計, 着地見込み and the cumulative chart), plus the cost blocks the
//! daily, weekly and monthly operations reports show.
//!
//! Every number shown is a `cost.*` figure key of the JSON
//! ([`crate::kpi::cost`] documents them).

use super::common::{
    col, figure_table, quality_blocks, remarks_block, table, QualityNote, NONE_TEXT,
};
use super::common::{cost_quality, quality_notes as source_notes};
use super::model::*;
use super::template::{ReportTemplate, Templates};
use super::{Built, Context, Report, TemplateSpec};
use crate::config::cost::CATEGORIES;
use crate::ingest::SourceId;
use crate::kpi::cost::{CostKpis, CostLine, FyMonth, Gap, Measure};
use crate::kpi::Figures;
use crate::time::{month_label_ja, wareki_date_with_weekday, Period};
use crate::time::{CalPeriod, Grain};
use anyhow::Result;
use chrono::{Datelike, NaiveDate, NaiveDateTime};

/// The daily cost report.
pub struct CostDailyReport<'a> {
    pub date: NaiveDate,
    pub as_of: NaiveDateTime,
    pub day: &'a CostKpis,
    pub remarks: Option<&'a str>,
    pub quality: &'a [QualityNote],
}

/// The monthly cost report.
pub struct CostMonthlyReport<'a> {
    pub month: Period,
    pub as_of: NaiveDateTime,
    pub cost: &'a CostKpis,
    /// The twelve months of the fiscal year.
    pub fiscal_year: &'a [FyMonth],
    pub remarks: Option<&'a str>,
    pub quality: &'a [QualityNote],
}

/// Rows named one by one under each cost gap; the count of the rest is in
/// the summary line (and every row is in the JSON's `cost.inputs.*` count).
const GAP_ROWS_SHOWN: usize = 20;

/// Data-quality notes of a cost: no model, and rows that carried no
/// quantity — a line with the count, then each row by file and line (the
/// first [`GAP_ROWS_SHOWN`]).
pub fn quality_notes(
    ds: &crate::ingest::Dataset,
    gaps: &[Gap],
    model_present: bool,
    config_dir: &str,
) -> Vec<QualityNote> {
    let mut out = Vec::new();
    if !model_present {
        out.push(QualityNote::new(
            "cost_model_absent",
            format!("{config_dir}/cost.toml"),
            "コストモデル（cost.toml）がないため、コストはすべてデータなしです",
        ));
    }
    for g in gaps {
        let n = g.rows.len();
        if n == 0 {
            continue;
        }
        let mut what = match g.source {
            "tickets" => format!(
                "対象期間に解決したチケット{n}件に作業時間がないため、人件費に含めていません"
            ),
            "calls" => {
                format!("応答したコール{n}件に通話秒がないため、人件費・通信費に含めていません")
            }
            _ => {
                format!("成功したバックアップ{n}件にサイズがないため、ストレージ費に含めていません")
            }
        };
        if n > GAP_ROWS_SHOWN {
            what.push_str(&format!("（行は最初の{GAP_ROWS_SHOWN}件を示します）"));
        }
        out.push(
            QualityNote::new("cost_rows_without_quantity", g.source, what).at(None, Some(g.column)),
        );
        for (file, line) in g.rows.iter().take(GAP_ROWS_SHOWN) {
            out.push(
                QualityNote::new(
                    "cost_row_without_quantity",
                    ds.input(*file),
                    "この行は数量が空のため、コストに含めていません",
                )
                .at(line.map(u64::from), Some(g.column)),
            );
        }
    }
    out
}

crate::closed_set! {
    /// The sections `templates/cost_daily.toml` may list.
    pub enum CostDailySection {
        Summary = "summary",
        MonthToDate = "month_to_date",
        Detail = "detail",
        Remarks = "remarks",
        DataQuality = "data_quality",
    }
}

crate::closed_set! {
    /// The sections `templates/cost_monthly.toml` may list.
    pub enum CostMonthlySection {
        Summary = "summary",
        BySource = "by_source",
        Detail = "detail",
        UnitCosts = "unit_costs",
        FiscalYear = "fiscal_year",
        Remarks = "remarks",
        DataQuality = "data_quality",
    }
}

/// コスト管理報告: a day's cost with the month to date, or a month's cost
/// with budget against actual, 年度累計 and 着地見込み.
pub struct Cost;

impl Report for Cost {
    fn about(&self) -> &'static str {
        "コスト管理報告: the day's cost and month-to-date (--date), or the month with budget vs actual, 年度累計 and 着地見込み (--month)"
    }
    fn grains(&self) -> &'static [Grain] {
        &[Grain::Day, Grain::Month]
    }
    fn templates(&self) -> &'static [TemplateSpec] {
        &[
            TemplateSpec {
                name: "cost_daily",
                grain: Some(Grain::Day),
                sections: CostDailySection::NAMES,
            },
            TemplateSpec {
                name: "cost_monthly",
                grain: Some(Grain::Month),
                sections: CostMonthlySection::NAMES,
            },
        ]
    }
    fn build(&self, cx: &Context, period: CalPeriod) -> Result<Built> {
        let (ds, cfg, tpl) = (cx.ds, cx.cfg, cx.tpl);
        let doc = match period {
            CalPeriod::Day(date) => {
                let p = Period::day(date);
                let model = cfg.cost.as_ref();
                let (tickets, calls, backups) = (
                    ds.get(SourceId::Tickets),
                    ds.get(SourceId::Calls),
                    ds.get(SourceId::Backups),
                );
                let day = crate::kpi::cost::compute(model, tickets, calls, backups, p)?;
                let mut figures = day.figures.clone();
                let (mtd, mtd_gaps) =
                    crate::kpi::cost::month_to_date(model, tickets, calls, backups, date)?;
                figures.extend(mtd);
                let mut quality =
                    source_notes(ds, tpl, Period::month_of(date).start_ms(), p.end_ms());
                // Rows without a quantity over the month to date (the day's included).
                quality.extend(cost_quality(cx.ds, cfg, &mtd_gaps));
                let report = CostDailyReport {
                    date,
                    as_of: cfg.as_of_time(p.end_day),
                    day: &day,
                    remarks: cx.remarks.as_deref(),
                    quality: &quality,
                };
                let mut doc = build_daily(&report, &figures, tpl);
                doc.figures = figure_rows(&figures);
                doc.quality = quality;
                doc
            }
            CalPeriod::Month(_) => {
                let month = period.period();
                let model = cfg.cost.as_ref();
                let current = crate::kpi::cost::compute_month(
                    model,
                    ds.get(SourceId::Tickets),
                    ds.get(SourceId::Calls),
                    ds.get(SourceId::Backups),
                    month,
                )?;
                // The unit costs' denominators.
                let others = [
                    crate::kpi::tickets::compute(
                        ds.get(SourceId::Tickets),
                        month,
                        cfg.site.report.top_categories,
                    )?
                    .figures,
                    crate::kpi::calls::compute(
                        ds.get(SourceId::Calls),
                        month,
                        &cfg.site.calls,
                        crate::kpi::sl_target_pct(cfg),
                    )?
                    .figures,
                    crate::kpi::jobs::compute(ds.get(SourceId::JobRuns), month, &cfg.deadlines)?
                        .figures,
                ];
                let mut figures = current.figures.clone();
                let mut all = crate::kpi::Figures::default();
                for o in &others {
                    all.extend(o.clone());
                }
                figures.extend(crate::kpi::cost::unit_costs(&current.figures, &all));
                for k in ["tickets.resolved.total", "calls.answered", "jobs.runs"] {
                    figures.set(k, all.get(k));
                }
                let (fy, fy_figures) = crate::kpi::fiscal_year_cost(ds, cfg, month, &current)?;
                figures.extend(fy_figures);
                let mut quality = source_notes(ds, tpl, month.start_ms(), month.end_ms());
                quality.extend(cost_quality(cx.ds, cfg, &current.gaps));
                for m in &fy {
                    let has_data = [SourceId::Tickets, SourceId::Calls, SourceId::Backups]
                        .iter()
                        .any(|n| {
                            ds.get(*n)
                                .is_some_and(|s| s.covers(m.month.start_ms(), m.month.end_ms()))
                        });
                    if m.confirmed && has_data {
                        quality.push(QualityNote::new(
                    "cost_confirmed_actuals",
                    format!("{}/cost.toml", cfg.dir.display()),
                    format!(
                        "{} は [actuals] の確定実績を使っています（入力データからは計算していません）",
                        m.month.month_label()
                    ),
                ));
                    }
                    if !m.confirmed && m.actual.is_some() {
                        // A source that covers only part of the month: its cost is the cost of that range.
                        let (start, end) = (m.month.start_ms(), m.month.end_ms());
                        let slack = 2 * 86_400_000;
                        for id in [SourceId::Tickets, SourceId::Calls, SourceId::Backups] {
                            let name = id.as_str();
                            let Some((lo, hi)) = ds
                                .get(id)
                                .filter(|s| s.covers(start, end))
                                .and_then(|s| s.coverage)
                            else {
                                continue;
                            };
                            if lo > start + slack || hi < end - slack {
                                let day = |ms: i64| {
                                    crate::time::ms_to_dt(ms)
                                        .date()
                                        .max(m.month.first)
                                        .min(m.month.end_day - chrono::Duration::days(1))
                                };
                                quality.push(QualityNote::new(
                            "cost_partial_source",
                            name,
                            format!("{} の {name} のデータは {} ～ {} の範囲だけです：この月のコストはその範囲の実績です", m.month.month_label(), day(lo), day(hi)),
                        ));
                            }
                        }
                    }
                    if m.month.first < month.first
                        && m.actual
                            .as_ref()
                            .is_some_and(|a| a.values().any(Option::is_none))
                    {
                        quality.push(QualityNote::new(
                    "cost_fy_no_data",
                    "",
                    format!("{} のコスト実績にデータなしの区分があるため、年度累計・着地見込みはデータなしです（過去月の実績は入力データか cost.toml の [actuals] から）", m.month.month_label()),
                ));
                    }
                }
                let report = CostMonthlyReport {
                    month,
                    as_of: cfg.as_of_time(month.end_day),
                    cost: &current,
                    fiscal_year: &fy,
                    remarks: cx.remarks.as_deref(),
                    quality: &quality,
                };
                let mut doc = build_monthly(&report, &figures, tpl);
                doc.figures = figure_rows(&figures);
                doc.quality = quality;
                doc
            }
            CalPeriod::Week(_) => anyhow::bail!("the cost report is for one day or one month"),
        };
        Ok(Built {
            doc,
            warnings: Vec::new(),
        })
    }
}

fn document(
    tpl: &ReportTemplate,
    t: &Templates,
    period_label: String,
    period: String,
    as_of: NaiveDateTime,
    sections: Vec<Section>,
) -> Document {
    Document {
        kind: super::ReportCode::Cost,
        file_stem: tpl.file_stem.clone(),
        title: tpl.title.clone(),
        organisation: tpl.organisation.clone(),
        author: tpl.author.clone(),
        period_label,
        period,
        as_of,
        sections,
        definitions: super::common::definitions(t, None),
        cover: None,
        orientation: tpl.orientation(),
        list_rows: tpl.list_rows,
        items: Vec::new(),
        figures: Vec::new(),
        quality: Vec::new(),
    }
}

/// Build the daily cost report. `f` holds the day's and the month-to-date figures.
pub fn build_daily(r: &CostDailyReport, f: &Figures, t: &Templates) -> Document {
    let tpl = t.report("cost_daily");
    let mut sections = Vec::new();
    for (id, section) in tpl.sections_of(CostDailySection::parse) {
        let blocks = match section {
            CostDailySection::Summary => vec![category_table(
                "区分別（当日）",
                ["当日実績", "当日予算（日割）"],
                f,
                t,
                "cost",
            )],
            CostDailySection::MonthToDate => month_to_date(r.date, f, t),
            CostDailySection::Detail => vec![lines_table(&r.day.lines, t)],
            CostDailySection::Remarks => vec![remarks_block(r.remarks)],
            CostDailySection::DataQuality => quality_blocks(r.quality),
        };
        sections.push(Section {
            id: id.to_string(),
            title: tpl.section_title(id),
            blocks,
        });
    }
    let label = format!("{} {}", tpl.period_prefix, wareki_date_with_weekday(r.date));
    document(
        tpl,
        t,
        label,
        r.date.format("%Y-%m-%d").to_string(),
        r.as_of,
        sections,
    )
}

/// Build the monthly cost report. `f` holds the month's and the fiscal year's figures.
pub fn build_monthly(r: &CostMonthlyReport, f: &Figures, t: &Templates) -> Document {
    let tpl = t.report("cost_monthly");
    let mut sections = Vec::new();
    for (id, section) in tpl.sections_of(CostMonthlySection::parse) {
        let blocks = match section {
            CostMonthlySection::Summary => monthly_summary(f, t, r.cost.confirmed),
            CostMonthlySection::BySource => by_source(f, t),
            CostMonthlySection::Detail => vec![lines_table(&r.cost.lines, t)],
            CostMonthlySection::UnitCosts => unit_costs(f),
            CostMonthlySection::FiscalYear => fiscal_year(r, f, t),
            CostMonthlySection::Remarks => vec![remarks_block(r.remarks)],
            CostMonthlySection::DataQuality => quality_blocks(r.quality),
        };
        sections.push(Section {
            id: id.to_string(),
            title: tpl.section_title(id),
            blocks,
        });
    }
    let label = format!("{} {}", tpl.period_prefix, month_label_ja(r.month));
    document(tpl, t, label, r.month.month_label(), r.as_of, sections)
}

/// 区分 | actual | budget | 差異 | 差異率 for the five categories and the
/// total, from `<prefix>.by_category.*` and `<prefix>.{total,budget,variance}`.
fn category_table(
    caption: &str,
    heads: [&str; 2],
    f: &Figures,
    t: &Templates,
    prefix: &str,
) -> Block {
    let mut rows: Vec<Vec<Cell>> = CATEGORIES
        .iter()
        .map(|c| {
            let k = |w: &str| format!("{prefix}.by_category.{c}.{w}");
            let cell = |w: &str, u: Unit| Cell::of(f, &k(w), u);
            vec![
                Cell::text(t.label("cost_categories", c)),
                cell("actual", Unit::Yen),
                cell("budget", Unit::Yen),
                cell("variance", Unit::YenDelta),
                cell("variance_pct", Unit::PercentDelta),
            ]
        })
        .collect();
    let k = |w: &str| format!("{prefix}.{w}");
    let cell = |w: &str, u: Unit| Cell::of(f, &k(w), u);
    rows.push(vec![
        Cell::text("合計"),
        cell("total", Unit::Yen),
        cell("budget", Unit::Yen),
        cell("variance", Unit::YenDelta),
        cell("variance_pct", Unit::PercentDelta),
    ]);
    table(
        caption,
        vec![
            col("区分", 1.6),
            col(heads[0], 1.3),
            col(heads[1], 1.3),
            col("差異（実績−予算）", 1.3),
            col("差異率", 0.9),
        ],
        rows,
        NONE_TEXT,
    )
}

fn month_to_date(date: NaiveDate, f: &Figures, t: &Templates) -> Vec<Block> {
    let dim = Period::month_of(date).days();
    vec![
        category_table("区分別（月累計）", ["月累計実績", "月予算（日割・累計）"], f, t, "cost.mtd"),
        Block::Text(vec![format!(
            "月予算（日割・累計）は各月の予算を暦日で日割りし、{}日から{}日まで（{}日分／{}日）を合計した額です。",
            1,
            date.day(),
            date.day(),
            dim
        )]),
    ]
}

/// The label of a cost line's item.
fn item_label<'a>(l: &'a CostLine, t: &'a Templates) -> &'a str {
    match l.part {
        "labour_tickets" if l.item != "tickets" => t.label("kinds", &l.item),
        "infrastructure" | "contracts" if l.measure == Measure::Days => &l.item,
        "telephony" if l.measure == Measure::Days => &l.item,
        _ => t.label("cost_items", &l.item),
    }
}

/// Every cost line with its input, quantity, rate and amount.
pub fn lines_table(lines: &[CostLine], t: &Templates) -> Block {
    let rows = lines
        .iter()
        .map(|l| {
            let (unit, rate_unit) = match l.measure {
                Measure::Hours => (Unit::Hours, "円/時"),
                Measure::Minutes => (Unit::Minutes, "円/分"),
                Measure::Gib => (Unit::Gib, "円/GiB月"),
                Measure::Days => (Unit::Days, "円/月"),
                Measure::Confirmed => (Unit::Count, ""),
            };
            let quantity = match (l.measure, l.quantity) {
                (Measure::Confirmed, _) => Cell::Empty,
                (_, Some(q)) => Cell::num(q, unit),
                (_, None) => Cell::Missing { key: None },
            };
            let rate_unit_fmt = if l.rate.fract() == 0.0 {
                Unit::Yen
            } else {
                Unit::YenFine
            };
            let rate = if l.measure == Measure::Confirmed {
                Cell::Empty
            } else {
                Cell::num(l.rate, rate_unit_fmt)
            };
            vec![
                Cell::text(t.label("cost_parts", l.part)),
                Cell::text(item_label(l, t)),
                Cell::text(t.label("cost_inputs", l.source)),
                quantity,
                rate,
                Cell::text(rate_unit),
                Cell::figure(&l.key(), l.amount, Unit::Yen),
            ]
        })
        .collect();
    table(
        "コスト明細（入力・数量・単価・金額）",
        vec![
            col("区分", 2.1),
            col("明細", 1.9),
            col("入力", 1.8),
            col("数量", 1.0),
            col("単価", 1.2),
            col("単価の単位", 0.8),
            col("金額", 1.2),
        ],
        rows,
        "コストモデルが設定されていません",
    )
}

fn monthly_summary(f: &Figures, t: &Templates, confirmed: bool) -> Vec<Block> {
    // A confirmed month (`[actuals]`) has one amount per category: labour is
    // not split into tickets and calls.
    let parts: &[&str] = if confirmed {
        &[
            "labour",
            "telephony",
            "infrastructure",
            "storage",
            "contracts",
        ]
    } else {
        &[
            "labour_tickets",
            "labour_calls",
            "telephony",
            "infrastructure",
            "storage",
            "contracts",
        ]
    };
    let rows = parts
        .iter()
        .map(|p| {
            let k = format!("cost.{p}");
            vec![
                Cell::text(t.label("cost_parts", p)),
                Cell::of(f, &k, Unit::Yen),
            ]
        })
        .chain([vec![
            Cell::text("合計"),
            Cell::of(f, "cost.total", Unit::Yen),
        ]])
        .collect();
    vec![
        category_table("区分別の実績と予算", ["実績", "予算"], f, t, "cost"),
        Block::Chart(Chart {
            title: "区分別の実績と予算".into(),
            kind: ChartKind::Column,
            x_label: "区分".into(),
            y_label: "円".into(),
            categories: CATEGORIES
                .iter()
                .map(|c| t.label("cost_categories", c).to_string())
                .collect(),
            series: ["actual", "budget"]
                .iter()
                .map(|w| Series {
                    name: if *w == "actual" {
                        "実績".into()
                    } else {
                        "予算".into()
                    },
                    values: CATEGORIES
                        .iter()
                        .map(|c| f.get(&format!("cost.by_category.{c}.{w}")))
                        .collect(),
                })
                .collect(),
            unit: Unit::Yen,
        }),
        table(
            "費目別の実績",
            vec![col("費目", 2.4), col("実績", 1.3)],
            rows,
            NONE_TEXT,
        ),
    ]
}

fn by_source(f: &Figures, t: &Templates) -> Vec<Block> {
    let total = f.get("cost.total");
    let rows = ["tickets", "calls", "backups", "fixed"]
        .iter()
        .map(|s| {
            let k = format!("cost.by_source.{s}");
            let v = f.get(&k);
            let share = v
                .zip(total)
                .and_then(|(v, t)| (t > 0.0).then(|| 100.0 * v / t));
            vec![
                Cell::text(t.label("cost_sources", s)),
                Cell::figure(&k, v, Unit::Yen),
                share.map_or(Cell::Missing { key: None }, |s| Cell::num(s, Unit::Percent)),
            ]
        })
        .collect();
    vec![table(
        "データ源別のコスト",
        vec![col("データ源", 2.4), col("金額", 1.3), col("構成比", 0.9)],
        rows,
        NONE_TEXT,
    )]
}

fn unit_costs(f: &Figures) -> Vec<Block> {
    let items = [
        (
            "解決チケット1件あたり人件費",
            "cost.unit.per_ticket_resolved",
            "人件費（チケット対応）÷ 解決件数",
            "tickets.resolved.total",
        ),
        (
            "応答コール1件あたりコスト",
            "cost.unit.per_call_answered",
            "（人件費（コール対応）＋通信費）÷ 応答数",
            "calls.answered",
        ),
        (
            "ジョブ実行1回あたり基盤費",
            "cost.unit.per_job_run",
            "基盤費 ÷ ジョブ実行回数",
            "jobs.runs",
        ),
    ];
    let rows = items
        .iter()
        .map(|(label, key, formula, den)| {
            let den_unit = if *den == "jobs.runs" {
                Unit::Integer
            } else {
                Unit::Count
            };
            vec![
                Cell::text(*label),
                Cell::of(f, key, Unit::Yen),
                Cell::text(*formula),
                Cell::of(f, den, den_unit),
            ]
        })
        .collect();
    vec![table(
        "単位コスト",
        vec![
            col("指標", 2.2),
            col("値", 1.1),
            col("算式", 2.8),
            col("分母", 1.0),
        ],
        rows,
        NONE_TEXT,
    )]
}

fn short_month(m: Period) -> String {
    format!("{}/{:02}", m.first.year(), m.first.month())
}

fn fiscal_year(r: &CostMonthlyReport, f: &Figures, t: &Templates) -> Vec<Block> {
    let mut blocks = vec![fy_by_category(f, t)];
    let n = f.get("cost.fy.forecast_basis_months").unwrap_or(0.0) as usize;
    let remaining = r.fiscal_year.iter().filter(|m| m.actual.is_none()).count();
    blocks.push(Block::Text(vec![format!(
        "着地見込み＝年度累計実績＋残り{remaining}か月×直近{n}か月の実績平均（同じ年度の月だけを使い、年度の初めで3か月に満たないときはある月の平均。平均は区分ごとに円未満四捨五入）。金額は費目ごとに円未満を四捨五入し、明細はその合計に一致するよう配分しています。"
    )]));
    blocks.push(fy_by_month(r, f));
    blocks.extend(fy_charts(r, f));
    blocks.push(fy_category_months(r, f, t));
    blocks
}

/// The year per category and in total.
fn fy_by_category(f: &Figures, t: &Templates) -> Block {
    let heads = [
        ("年度予算", "budget", Unit::Yen),
        ("予算（累計）", "budget_to_date", Unit::Yen),
        ("実績（年度累計）", "actual_to_date", Unit::Yen),
        ("差異", "variance_to_date", Unit::YenDelta),
        ("差異率", "variance_to_date_pct", Unit::PercentDelta),
        ("着地見込み", "forecast", Unit::Yen),
        ("着地差異", "forecast_variance", Unit::YenDelta),
        ("着地差異率", "forecast_variance_pct", Unit::PercentDelta),
    ];
    let mut columns = vec![col("区分", 1.3)];
    columns.extend(heads.iter().map(|(h, _, _)| col(h, 1.2)));
    let rows = CATEGORIES
        .iter()
        .map(|c| {
            (
                t.label("cost_categories", c).to_string(),
                format!("cost.fy.by_category.{c}"),
            )
        })
        .chain([("合計".to_string(), "cost.fy".to_string())])
        .map(|(label, prefix)| {
            let mut row = vec![Cell::text(label)];
            row.extend(heads.iter().map(|(_, w, u)| {
                let k = format!("{prefix}.{w}");
                Cell::of(f, &k, *u)
            }));
            row
        })
        .collect();
    table("年度累計と着地見込み（区分別）", columns, rows, NONE_TEXT)
}

/// Month by month: budget, actual or forecast, cumulative.
fn fy_by_month(r: &CostMonthlyReport, f: &Figures) -> Block {
    let rows = r
        .fiscal_year
        .iter()
        .map(|m| {
            let label = m.month.month_label();
            let k = |w: &str| format!("cost.fy.months.{label}.{w}");
            let c = |w: &str, u: Unit| Cell::of(f, &k(w), u);
            let status = if m.actual.is_some() {
                if m.confirmed {
                    "確定実績"
                } else {
                    "実績"
                }
            } else {
                "見込み"
            };
            let shown = if m.actual.is_some() {
                "actual"
            } else {
                "forecast"
            };
            let var = f
                .get(&k(shown))
                .zip(f.get(&k("budget")))
                .map(|(a, b)| a - b);
            let cum = if m.actual.is_some() {
                "cumulative_actual"
            } else {
                "cumulative_forecast"
            };
            vec![
                Cell::text(short_month(m.month)),
                Cell::text(status),
                c("budget", Unit::Yen),
                c(shown, Unit::Yen),
                var.map_or(Cell::Missing { key: None }, |v| {
                    Cell::num(v, Unit::YenDelta)
                }),
                c("cumulative_budget", Unit::Yen),
                c(cum, Unit::Yen),
            ]
        })
        .collect();
    table(
        "月別の予算と実績・見込み",
        vec![
            col("年月", 1.0),
            col("種別", 0.9),
            col("予算", 1.3),
            col("実績・見込み", 1.3),
            col("差異", 1.3),
            col("累計予算", 1.4),
            col("累計実績・見込み", 1.4),
        ],
        rows,
        NONE_TEXT,
    )
}

/// The months' budget against actual and forecast, and the cumulative ones.
fn fy_charts(r: &CostMonthlyReport, f: &Figures) -> [Block; 2] {
    let months: Vec<String> = r.fiscal_year.iter().map(|m| short_month(m.month)).collect();
    let series = |name: &str, w: &str| Series {
        name: name.into(),
        values: r
            .fiscal_year
            .iter()
            .map(|m| f.get(&format!("cost.fy.months.{}.{w}", m.month.month_label())))
            .collect(),
    };
    let by_month = Block::Chart(Chart {
        title: "月別の予算と実績・見込み".into(),
        kind: ChartKind::Column,
        x_label: "年月".into(),
        y_label: "円".into(),
        categories: months.clone(),
        series: vec![
            series("予算", "budget"),
            series("実績", "actual"),
            series("見込み", "forecast"),
        ],
        unit: Unit::Yen,
    });
    let cumulative = Block::Chart(Chart {
        title: "累計予算と累計実績・着地見込み".into(),
        // Columns side by side: cumulative lines this close would hide
        // each other.
        kind: ChartKind::Column,
        x_label: "年月".into(),
        y_label: "円".into(),
        categories: months,
        series: vec![
            series("累計予算", "cumulative_budget"),
            series("累計実績", "cumulative_actual"),
            series("累計見込み", "cumulative_forecast"),
        ],
        unit: Unit::Yen,
    });
    [by_month, cumulative]
}

/// Actuals by category and month (the months ahead have none).
fn fy_category_months(r: &CostMonthlyReport, f: &Figures, t: &Templates) -> Block {
    let mut columns = vec![col("年月", 1.0)];
    columns.extend(
        CATEGORIES
            .iter()
            .map(|c| col(t.label("cost_categories", c), 1.2)),
    );
    columns.push(col("合計", 1.3));
    let rows = r
        .fiscal_year
        .iter()
        .filter(|m| m.actual.is_some())
        .map(|m| {
            let label = m.month.month_label();
            let mut row = vec![Cell::text(short_month(m.month))];
            row.extend(CATEGORIES.iter().map(|c| {
                let k = format!("cost.fy.months.{label}.{c}.actual");
                Cell::of(f, &k, Unit::Yen)
            }));
            let k = format!("cost.fy.months.{label}.actual");
            row.push(Cell::of(f, &k, Unit::Yen));
            row
        })
        .collect();
    table("区分別の月次実績", columns, rows, NONE_TEXT)
}

/// The cost section of the 日次報告: the day and month-to-date against the
/// pro-rated budget.
pub fn daily_section(f: &Figures) -> Vec<Block> {
    let items: [(&str, &str, Unit); 8] = [
        ("当日コスト", "cost.total", Unit::Yen),
        ("当日予算（日割）", "cost.budget", Unit::Yen),
        ("当日差異", "cost.variance", Unit::YenDelta),
        ("月累計コスト", "cost.mtd.total", Unit::Yen),
        ("月予算（日割・累計）", "cost.mtd.budget", Unit::Yen),
        ("月累計差異", "cost.mtd.variance", Unit::YenDelta),
        ("月累計差異率", "cost.mtd.variance_pct", Unit::PercentDelta),
        ("月予算", "cost.mtd.month_budget", Unit::Yen),
    ];
    vec![figure_table("コスト（当日・月累計）", "金額", f, &items)]
}

/// The cost section of the 週次報告: the week against its pro-rated budget, by category.
pub fn weekly_section(f: &Figures, t: &Templates) -> Vec<Block> {
    vec![category_table(
        "コスト（週・区分別）",
        ["週の実績", "予算（日割）"],
        f,
        t,
        "cost",
    )]
}

/// The cost section (13 コスト概要) of the 月次報告: by category against the
/// budget, and the fiscal year to date with the forecast.
pub fn monthly_section(f: &Figures, t: &Templates) -> Vec<Block> {
    let items: [(&str, &str, Unit); 6] = [
        ("年度予算", "cost.fy.budget", Unit::Yen),
        ("予算（年度累計）", "cost.fy.budget_to_date", Unit::Yen),
        ("実績（年度累計）", "cost.fy.actual_to_date", Unit::Yen),
        (
            "差異（年度累計）",
            "cost.fy.variance_to_date",
            Unit::YenDelta,
        ),
        ("着地見込み", "cost.fy.forecast", Unit::Yen),
        ("着地差異", "cost.fy.forecast_variance", Unit::YenDelta),
    ];
    vec![
        category_table("区分別の実績と予算（当月）", ["実績", "予算"], f, t, "cost"),
        figure_table("年度累計と着地見込み", "金額", f, &items),
        Block::Text(vec![
            "明細・単位コスト・月別の予実はコスト管理報告（月次）に記載しています。".into(),
        ]),
    ]
}
