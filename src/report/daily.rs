//! 日次報告 builder: figures and detail rows of day D → [`Document`].
//!
//! Sections (order and titles from `templates/daily.toml`): 概況 with status
//! marks against the configured targets, tickets, batch, backups, capacity,
//! calls (with an hourly chart), cost, 特記事項 and データ品質.

use super::common::{
    col, cost_quality, count_rows, figure_table, holiday_note, list, quality_blocks, row_notes,
    table, NONE_TEXT,
};
pub use super::common::{quality_notes, QualityNote};
use super::model::*;
use super::template::Templates;
use super::{Built, Context, Report, TemplateSpec};
use crate::config::{Config, Target};
use crate::ingest::SourceId;
pub use crate::kpi::DailyKpis;
use crate::kpi::{Fig, Figures};
use crate::time::wareki_date_with_weekday;
use crate::time::{CalPeriod, Grain, Period};
use crate::vocab::TICKET_KINDS as KINDS;
use anyhow::{bail, Result};
use chrono::{NaiveDate, NaiveDateTime};

crate::closed_set! {
    /// The sections `templates/daily.toml` may list.
    pub enum DailySection {
        Summary = "summary",
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

/// 日次報告: the day's figures against their targets, each family's detail,
/// the month-to-date cost.
pub struct Daily;

impl Report for Daily {
    fn about(&self) -> &'static str {
        "日次報告 for one day (--date)"
    }
    fn grains(&self) -> &'static [Grain] {
        &[Grain::Day]
    }
    fn templates(&self) -> &'static [TemplateSpec] {
        &[TemplateSpec {
            name: "daily",
            grain: None,
            sections: DailySection::NAMES,
        }]
    }
    fn build(&self, cx: &Context, period: CalPeriod) -> Result<Built> {
        let CalPeriod::Day(date) = period else {
            bail!("the daily report is for one day");
        };
        let (ds, cfg, tpl) = (cx.ds, cx.cfg, cx.tpl);
        let p = Period::day(date);
        let mut k = crate::kpi::compute_daily(ds, cfg, p)?;
        k.month_to_date = crate::kpi::cost::month_to_date(
            cfg.cost.as_ref(),
            ds.get(SourceId::Tickets),
            ds.get(SourceId::Calls),
            ds.get(SourceId::Backups),
            date,
        )?
        .0;
        let figures = k.figures();
        let mut quality = quality_notes(ds, tpl, p.start_ms(), p.end_ms());
        quality.extend(row_notes(ds, tpl, &k.tickets.flags));
        quality.extend(cost_quality(ds, cfg, &k.cost.gaps));
        quality.extend(holiday_note(cfg, cfg.as_of_time(p.end_day).date()));
        let mut doc = build(
            date,
            cfg.as_of_time(p.end_day),
            &k,
            cfg,
            tpl,
            cx.remarks.as_deref(),
            &quality,
        );
        doc.figures = figure_rows(&figures);
        doc.quality = quality;
        Ok(Built {
            doc,
            warnings: Vec::new(),
        })
    }
}

/// The goal text and the status mark (○ △ × －) of a figure with a target.
pub(crate) fn mark(t: &Templates, target: Option<&Target>, v: Fig, unit: Unit) -> (Cell, Cell) {
    let Some(tg) = target else {
        return (Cell::Empty, Cell::Empty);
    };
    // The goal in the figure's own unit (90.0%以上, 0件以下, 20.0秒以下).
    let goal = match (tg.min, tg.max) {
        (Some(min), _) => format!("{}以上", format_number(min, unit)),
        (_, Some(max)) => format!("{}以下", format_number(max, unit)),
        _ => String::new(),
    };
    let (verdict, warning) = judge_target(tg, v);
    let m = match (verdict, warning) {
        ("no_population", _) => t.label("verdicts", "no_population"),
        ("met", _) => t.label("marks", "met"),
        ("missed", true) => t.label("marks", "warn"),
        ("missed", false) => t.label("marks", "missed"),
        _ => t.label("marks", "none"),
    };
    (Cell::text(goal), Cell::text(m))
}

/// The verdict code of a figure against its target (`met`, `missed`,
/// `no_population`, `no_data`, `no_target`) and whether a miss is within
/// the warning level (△).
pub fn judge_target(tg: &Target, v: Fig) -> (&'static str, bool) {
    let x = match v {
        Fig::NoData => return ("no_data", false),
        Fig::NoPopulation => return ("no_population", false),
        Fig::Value(x) => x,
    };
    match (tg.min, tg.max) {
        (Some(min), _) if x >= min => ("met", false),
        (Some(_), _) => ("missed", tg.warn.is_some_and(|w| x >= w)),
        (_, Some(max)) if x <= max => ("met", false),
        (_, Some(_)) => ("missed", tg.warn.is_some_and(|w| x <= w)),
        _ => ("no_target", false),
    }
}

/// The judged items of the figures with a target among `labelled`
/// ((label, key) pairs), for the JSON's `items`.
pub fn target_items(f: &Figures, cfg: &Config, labelled: &[(&str, &str)]) -> Vec<JudgedItem> {
    labelled
        .iter()
        .filter_map(|(label, key)| {
            let tg = cfg.site.targets.get(*key)?;
            let v = f.fig(key);
            let (verdict, warning) = judge_target(tg, super::common::judged(f, key));
            Some(JudgedItem {
                key: key.to_string(),
                label: label.to_string(),
                target: tg.min.or(tg.max),
                comparator: match (tg.min, tg.max) {
                    (Some(_), _) => Some("min"),
                    (_, Some(_)) => Some("max"),
                    _ => None,
                },
                actual: v.value(),
                verdict,
                warning,
            })
        })
        .collect()
}

/// (label, key, unit) of the headline figures (概況), shared by the daily,
/// weekly and monthly reports' judged items.
pub const HEADLINE: [(&str, &str, Unit); 14] = [
    ("受付件数", "tickets.received.total", Unit::Count),
    ("解決件数", "tickets.resolved.total", Unit::Count),
    ("未解決件数（期末）", "tickets.backlog.total", Unit::Count),
    ("ジョブ インスタンス数", "jobs.instances", Unit::Count),
    ("ジョブ 最終成功率", "jobs.final_success_pct", Unit::Percent),
    ("ジョブ 異常終了", "jobs.failed_instances", Unit::Count),
    ("ジョブ 遅延", "jobs.late", Unit::Count),
    ("バックアップ 成功率", "backups.success_pct", Unit::Percent),
    ("バックアップ 未実行", "backups.missing", Unit::Count),
    ("応答率", "calls.answer_rate", Unit::Percent),
    ("放棄率", "calls.abandon_rate", Unit::Percent),
    ("サービスレベル", "calls.service_level", Unit::Percent),
    ("平均応答待ち時間（ASA）", "calls.asa_s", Unit::Seconds),
    ("当日コスト", "cost.total", Unit::Yen),
];

/// The headline figures' (label, key) pairs.
pub fn headline_labels() -> Vec<(&'static str, &'static str)> {
    HEADLINE.iter().map(|(l, k, _)| (*l, *k)).collect()
}

/// Build the daily report document.
pub fn build(
    date: NaiveDate,
    as_of: NaiveDateTime,
    k: &DailyKpis,
    cfg: &Config,
    t: &Templates,
    remarks: Option<&str>,
    quality: &[QualityNote],
) -> Document {
    let fig = k.figures();
    let tpl = t.report("daily");
    let mut sections = Vec::new();
    for (id, section) in tpl.sections_of(DailySection::parse) {
        let blocks = match section {
            DailySection::Summary => summary(&fig, cfg, t),
            DailySection::Tickets => tickets(&fig, &k.tickets, t),
            DailySection::Batch => batch(&fig, &k.jobs, t),
            DailySection::Backups => backups(&fig, &k.backups, t),
            DailySection::Capacity => capacity(&fig, &k.capacity, t),
            DailySection::Calls => calls(&fig, &k.calls),
            DailySection::Cost => super::cost::daily_section(&fig),
            DailySection::Remarks => vec![super::common::remarks_block(remarks)],
            DailySection::DataQuality => quality_blocks(quality),
        };
        sections.push(Section {
            id: id.to_string(),
            title: tpl.section_title(id),
            blocks,
        });
    }
    Document {
        kind: super::ReportCode::Daily,
        file_stem: tpl.file_stem.clone(),
        title: tpl.title.clone(),
        organisation: tpl.organisation.clone(),
        author: tpl.author.clone(),
        period_label: format!("{} {}", tpl.period_prefix, wareki_date_with_weekday(date)),
        period: date.format("%Y-%m-%d").to_string(),
        as_of,
        sections,
        definitions: super::common::definitions(t, Some(cfg)),
        cover: None,
        orientation: tpl.orientation(),
        list_rows: tpl.list_rows,
        items: target_items(&fig, cfg, &headline_labels()),
        figures: Vec::new(),
        quality: Vec::new(),
    }
}

fn summary(f: &Figures, cfg: &Config, t: &Templates) -> Vec<Block> {
    let items = HEADLINE;
    let rows = items
        .iter()
        .map(|(label, key, unit)| {
            let v = f.fig(key);
            let (goal, m) = mark(
                t,
                cfg.site.targets.get(*key),
                super::common::judged(f, key),
                *unit,
            );
            vec![Cell::text(*label), Cell::fig(key, v, *unit), goal, m]
        })
        .collect();
    vec![table(
        "主要指標",
        vec![
            col("項目", 3.0),
            col("実績", 1.6),
            col("目標", 1.4),
            col("判定", 0.8),
        ],
        rows,
        NONE_TEXT,
    )]
}

pub(crate) fn tickets(
    f: &Figures,
    k: &crate::kpi::tickets::TicketKpis,
    t: &Templates,
) -> Vec<Block> {
    let mut rows = Vec::new();
    for kind in KINDS.iter().map(|e| e.code).chain(["total"]) {
        let label = if kind == "total" {
            "合計"
        } else {
            t.label("kinds", kind)
        };
        let c = |what: &str| {
            let key = format!("tickets.{what}.{kind}");
            Cell::of(f, &key, Unit::Count)
        };
        rows.push(vec![
            Cell::text(label),
            c("received"),
            c("resolved"),
            c("backlog"),
        ]);
    }
    let mut blocks = vec![table(
        "種別別",
        vec![
            col("種別", 2.0),
            col("受付", 1.0),
            col("解決", 1.0),
            col("未解決", 1.0),
        ],
        rows,
        NONE_TEXT,
    )];
    let rates = [
        ("一次解決率（問い合わせ）", "tickets.fcr_pct", Unit::Percent),
        (
            "エスカレーション率",
            "tickets.escalation_pct",
            Unit::Percent,
        ),
        ("再オープン率", "tickets.reopen_pct", Unit::Percent),
    ];
    blocks.push(figure_table("対応品質", "値", f, &rates));
    let (rows, empty) = count_rows(&k.by_channel, t.label("channels", "unknown"), |c| {
        t.label("channels", c).to_string()
    });
    blocks.push(table(
        "受付経路別（受付）",
        vec![col("受付経路", 2.0), col("件数", 1.0)],
        rows,
        empty,
    ));
    let (rows, empty) = count_rows(&k.top_categories, "（未分類）", str::to_string);
    blocks.push(table(
        "分類別 上位（受付）",
        vec![col("分類", 3.0), col("件数", 1.0)],
        rows,
        empty,
    ));
    blocks.push(major_incidents(
        &k.major_incidents,
        t,
        "優先度1・2のインシデント",
        false,
    ));
    blocks
}

/// The priority 1–2 incident list. With `duration`, the 一次回答 column
/// gives way to 所要時間 (受付 → 解決, wall clock), as in the monthly report.
pub(crate) fn major_incidents(
    list: &Option<Vec<crate::kpi::tickets::MajorIncident>>,
    t: &Templates,
    caption: &str,
    duration: bool,
) -> Block {
    let (rows, empty) = match list {
        None => (Vec::new(), MISSING),
        Some(list) => (
            list.iter()
                .map(|m| {
                    let mut row = vec![
                        Cell::text(&m.ticket_id),
                        Cell::text(m.title.clone().unwrap_or_default()),
                        Cell::text(format!(
                            "{}（{}）",
                            m.priority,
                            t.label("priorities", &m.priority.to_string())
                        )),
                        Cell::text(m.system.clone().unwrap_or_default()),
                        Cell::datetime(Some(m.opened_at)),
                    ];
                    if duration {
                        row.push(Cell::datetime(m.resolved_at));
                        row.push(match m.resolved_at {
                            Some(r) if r >= m.opened_at => Cell::num(
                                (r - m.opened_at) as f64 / crate::time::MS_PER_MIN as f64,
                                Unit::Minutes,
                            ),
                            _ => Cell::Empty,
                        });
                    } else {
                        row.push(Cell::datetime(m.first_response_at));
                        row.push(Cell::datetime(m.resolved_at));
                    }
                    row.push(Cell::text(t.label("ticket_statuses", &m.status)));
                    row
                })
                .collect(),
            NONE_TEXT,
        ),
    };
    let columns = if duration {
        vec![
            col("チケット番号", 1.4),
            col("件名", 3.0),
            col("優先度", 0.9),
            col("対象システム", 1.4),
            col("受付", 1.3),
            col("解決", 1.3),
            col("所要時間", 1.0),
            col("状態", 0.8),
        ]
    } else {
        vec![
            col("チケット番号", 1.5),
            col("件名", 3.0),
            col("優先度", 0.9),
            col("対象システム", 1.5),
            col("受付", 1.3),
            col("一次回答", 1.3),
            col("解決", 1.3),
            col("状態", 0.8),
        ]
    };
    table(caption, columns, rows, empty)
}

pub(crate) fn batch(f: &Figures, k: &crate::kpi::jobs::JobKpis, t: &Templates) -> Vec<Block> {
    let items = [
        ("インスタンス数", "jobs.instances", Unit::Count),
        ("実行回数", "jobs.runs", Unit::Count),
        ("再実行回数", "jobs.reruns", Unit::Count),
        ("初回成功率", "jobs.first_run_success_pct", Unit::Percent),
        ("最終成功率", "jobs.final_success_pct", Unit::Percent),
        ("異常終了インスタンス", "jobs.failed_instances", Unit::Count),
        ("遅延", "jobs.late", Unit::Count),
    ];
    let mut blocks = vec![figure_table("ジョブ実行状況", "値", f, &items)];
    let (rows, empty) = match &k.problems {
        None => (Vec::new(), MISSING),
        Some(list) => (
            needing_action_first(list)
                .into_iter()
                .map(|i| {
                    let mut what = Vec::new();
                    if i.failed() {
                        what.push("異常終了");
                    } else if i.attempts > 1 {
                        what.push("再実行で回復");
                    }
                    if i.late {
                        what.push("遅延");
                    }
                    vec![
                        Cell::text(&i.job_name),
                        Cell::text(i.jobnet.clone().unwrap_or_default()),
                        Cell::datetime(i.scheduled_at.or(Some(i.first_started_at))),
                        Cell::datetime(i.ended_at),
                        Cell::datetime(i.deadline),
                        Cell::num(i.attempts as f64, Unit::Integer),
                        Cell::text(t.label("job_statuses", &i.final_status)),
                        Cell::text(what.join("・")),
                    ]
                })
                .collect(),
            NONE_TEXT,
        ),
    };
    blocks.push(Block::Text(vec![
        "異常終了（回復していないもの）、遅延、再実行で回復したものの順に示します。".into(),
    ]));
    blocks.push(list(
        "異常終了・再実行・遅延ジョブ",
        vec![
            col("ジョブ名", 2.0),
            col("ジョブネット", 1.6),
            col("予定／開始", 1.3),
            col("終了", 1.3),
            col("期限", 1.3),
            col("実行回数", 0.8),
            col("最終状態", 1.0),
            col("内容", 1.3),
        ],
        rows,
        empty,
    ));
    blocks
}

/// Job exceptions in the order they need action: failed (not recovered),
/// then late, then recovered by a rerun; each group by its scheduled or
/// first start time (ties keep the KPI order).
fn needing_action_first(list: &[crate::kpi::jobs::Instance]) -> Vec<&crate::kpi::jobs::Instance> {
    let rank = |i: &crate::kpi::jobs::Instance| {
        if i.failed() {
            0
        } else if i.late {
            1
        } else {
            2
        }
    };
    let mut v: Vec<_> = list.iter().collect();
    v.sort_by_key(|i| (rank(i), i.scheduled_at.unwrap_or(i.first_started_at)));
    v
}

pub(crate) fn backups(
    f: &Figures,
    k: &crate::kpi::backups::BackupKpis,
    t: &Templates,
) -> Vec<Block> {
    let items = [
        ("予定", "backups.expected", Unit::Count),
        ("成功", "backups.success", Unit::Count),
        ("失敗", "backups.failed", Unit::Count),
        ("未実行", "backups.missing", Unit::Count),
        ("実行中", "backups.running", Unit::Count),
        ("成功率", "backups.success_pct", Unit::Percent),
        ("予定外の実行", "backups.unexpected", Unit::Count),
    ];
    let mut blocks = vec![figure_table("バックアップ結果", "値", f, &items)];
    let line = |b: &crate::kpi::backups::BackupLine| {
        let outcome = b.outcome_code();
        vec![
            Cell::text(&b.target),
            Cell::text(b.date.format("%Y/%m/%d").to_string()),
            Cell::text(t.label("backup_outcomes", outcome)),
            Cell::datetime(b.started_at),
            Cell::text(
                b.statuses
                    .iter()
                    .map(|s| t.label("backup_outcomes", s))
                    .collect::<Vec<_>>()
                    .join("、"),
            ),
        ]
    };
    let cols = || {
        vec![
            col("対象", 2.0),
            col("日付", 1.0),
            col("判定", 0.8),
            col("開始", 1.3),
            col("記録の結果", 1.5),
        ]
    };
    let (rows, empty) = match &k.problems {
        None => (Vec::new(), MISSING),
        Some(l) => (l.iter().map(line).collect(), NONE_TEXT),
    };
    blocks.push(list("失敗・未実行", cols(), rows, empty));
    if let Some(u) = k.unexpected.as_ref().filter(|u| !u.is_empty()) {
        blocks.push(list(
            "予定外の実行（件数に含めない）",
            cols(),
            u.iter().map(line).collect(),
            NONE_TEXT,
        ));
    }
    blocks
}

pub(crate) fn capacity(
    _f: &Figures,
    k: &crate::kpi::capacity::CapacityKpis,
    t: &Templates,
) -> Vec<Block> {
    let (rows, empty) = match &k.series {
        None => (Vec::new(), MISSING),
        Some(s) => (
            s.iter()
                .filter(|s| s.warn_samples > 0)
                .map(|s| {
                    let key = s.key();
                    let opt = |v: Option<f64>, k2: &str| {
                        Cell::figure(&format!("{key}.{k2}"), v, Unit::Minutes)
                    };
                    vec![
                        Cell::text(&s.host),
                        Cell::text(t.label("metrics", &s.metric)),
                        Cell::text(s.resource.clone().unwrap_or_default()),
                        Cell::figure(&format!("{key}.max"), Some(s.max), Unit::Percent),
                        Cell::figure(&format!("{key}.p95"), Some(s.p95), Unit::Percent),
                        opt(s.warn_minutes, "warn_minutes"),
                        opt(s.crit_minutes, "crit_minutes"),
                    ]
                })
                .collect(),
            "しきい値超過なし",
        ),
    };
    vec![list(
        "しきい値超過（警告・重大）",
        vec![
            col("ホスト", 1.3),
            col("項目", 1.6),
            col("対象", 1.0),
            col("ピーク", 1.0),
            col("p95", 1.0),
            col("警告超過時間", 1.2),
            col("重大超過時間", 1.2),
        ],
        rows,
        empty,
    )]
}

/// The call figures table (also in the weekly and monthly reports).
pub(crate) fn call_summary(f: &Figures) -> Block {
    let items = [
        ("着信数", "calls.offered", Unit::Count),
        ("応答数", "calls.answered", Unit::Count),
        ("放棄数（短時間放棄を除く）", "calls.abandoned", Unit::Count),
        ("短時間放棄", "calls.short_abandons", Unit::Count),
        ("タイムアウト", "calls.timeout", Unit::Count),
        ("転送（応答前）", "calls.overflow", Unit::Count),
        ("応答率", "calls.answer_rate", Unit::Percent),
        ("放棄率", "calls.abandon_rate", Unit::Percent),
        ("サービスレベル", "calls.service_level", Unit::Percent),
        ("平均応答待ち時間（ASA）", "calls.asa_s", Unit::Seconds),
        ("平均処理時間（AHT）", "calls.aht_s", Unit::Seconds),
    ];
    figure_table("コール実績", "値", f, &items)
}

pub(crate) fn calls(f: &Figures, k: &crate::kpi::calls::CallKpis) -> Vec<Block> {
    let mut blocks = vec![call_summary(f)];
    let cats: Vec<String> = (0..24).map(|h| format!("{h}")).collect();
    let (off, ans): (Vec<Option<f64>>, Vec<Option<f64>>) = match &k.hourly {
        Some(h) => h
            .iter()
            .map(|(o, a)| (Some(*o as f64), Some(*a as f64)))
            .unzip(),
        None => (vec![None; 24], vec![None; 24]),
    };
    blocks.push(Block::Chart(Chart {
        title: "時間帯別 着信数・応答数".into(),
        kind: ChartKind::Column,
        x_label: "時".into(),
        y_label: "件".into(),
        categories: cats.clone(),
        series: vec![
            Series {
                name: "着信".into(),
                values: off.clone(),
            },
            Series {
                name: "応答".into(),
                values: ans.clone(),
            },
        ],
        unit: Unit::Count,
    }));
    let rows = (0..24)
        .map(|h| {
            let c = |w: &str| {
                let key = format!("calls.hourly.{h:02}.{w}");
                Cell::of(f, &key, Unit::Count)
            };
            vec![Cell::text(format!("{h}時台")), c("offered"), c("answered")]
        })
        .collect();
    blocks.push(table(
        "時間帯別",
        vec![col("時間帯", 1.0), col("着信", 1.0), col("応答", 1.0)],
        rows,
        NONE_TEXT,
    ));
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kpi::jobs::Instance;

    fn inst(name: &str, at: i64, status: &str, attempts: usize, late: bool) -> Instance {
        Instance {
            job_name: name.into(),
            jobnet: None,
            scheduled_at: Some(at),
            first_started_at: at,
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
    fn job_exceptions_needing_action_come_first() {
        let list = [
            inst("recovered-early", 1, "success", 2, false),
            inst("late-ok", 2, "success", 1, true),
            inst("failed-late", 5, "failed", 1, false),
            inst("failed-early", 3, "killed", 2, false),
            inst("late-running", 4, "running", 1, true),
        ];
        let order: Vec<&str> = needing_action_first(&list)
            .iter()
            .map(|i| i.job_name.as_str())
            .collect();
        // Failed by time (3, 5), then late by time (2, 4), then recovered.
        assert_eq!(
            order,
            [
                "failed-early",
                "failed-late",
                "late-ok",
                "late-running",
                "recovered-early"
            ]
        );
    }
}
