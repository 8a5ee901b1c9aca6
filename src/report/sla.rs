//! SLA遵守状況報告 builder (reports.md): per SLA item 目標値 / 実績値 /
//! 判定 (達成 / 未達 / データなし) / 前月値, the 12-month trend, the breach
//! details behind every 未達 and 未達理由・改善策 from the remarks file.
//!
//! Items: 稼働率 per system; response and resolution compliance per kind ×
//! priority; 応答率, 放棄率, SL; backup success rate; batch final success
//! rate and late count; capacity p95 under the warn threshold. Targets come
//! from config (`[sla]`, `[availability]`, `[targets]`, `[capacity]`).
//!
//! Remarks (`inputs/remarks/sla/YYYY-MM.txt`, UTF-8 or CP932): free text; a
//! line `## <item key or label>` starts the reason for that item (e.g.
//! `## sla.resolution.incident.p2.compliance_pct` or
//! `## インシデント 高 解決`). Text before the first heading is shown as
//! general remarks.

use super::common::{col, list, month_quality, quality_blocks, table, QualityNote, NONE_TEXT};
use super::model::*;
use super::template::Templates;
use super::{Built, Context, Report, TemplateSpec};
use crate::config::{ClockKind, Config};
use crate::ingest::SourceId;
use crate::kpi::{Fig, Figures, PeriodKpis};
use crate::time::{format_short, wareki_month, Period};
use crate::time::{CalPeriod, Grain};
use anyhow::{bail, Result};
use chrono::{Datelike, NaiveDateTime, Timelike};
use std::collections::BTreeMap;

/// How an item is judged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Goal {
    /// At least this.
    Min(f64),
    /// At most this.
    Max(f64),
    /// No target configured.
    None,
}

/// 達成 / 未達 / 対象なし / データなし / 目標未設定.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Met,
    Missed,
    /// The data covers the month; there was nothing to judge (population 0).
    NoPopulation,
    NoData,
    NoTarget,
}

impl Verdict {
    /// Label-table code (`met`, `missed`, …).
    pub fn code(self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::Missed => "missed",
            Verdict::NoPopulation => "no_population",
            Verdict::NoData => "no_data",
            Verdict::NoTarget => "no_target",
        }
    }
}

/// Group of an item (its 区分).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Group {
    Availability,
    Tickets,
    Calls,
    Backups,
    Jobs,
    Capacity,
}

impl Group {
    /// Label-table code.
    pub fn code(self) -> &'static str {
        match self {
            Group::Availability => "availability",
            Group::Tickets => "tickets",
            Group::Calls => "calls",
            Group::Backups => "backups",
            Group::Jobs => "jobs",
            Group::Capacity => "capacity",
        }
    }
}

/// One SLA item.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub group: Group,
    pub label: String,
    /// The figure key of the actual value.
    pub key: String,
    pub unit: Unit,
    pub goal: Goal,
    /// Extra words after the goal (e.g. `15分以内・24x7`).
    pub goal_note: String,
    pub value: Fig,
    pub previous: Fig,
    pub verdict: Verdict,
}

/// Judge a value against a goal, as the document shows it: the value is
/// rounded to the unit's displayed decimals first (94.96 % is shown as
/// 95.0 % and meets a 95 % target), so a verdict never contradicts the
/// number printed beside it.
pub fn judge_shown(v: Fig, goal: Goal, unit: Unit) -> Verdict {
    let scale = 10f64.powi(unit.decimals() as i32);
    judge(
        match v {
            Fig::Value(x) => Fig::Value((x * scale).round() / scale),
            other => other,
        },
        goal,
    )
}

/// Judge a value against a goal.
pub fn judge(v: Fig, goal: Goal) -> Verdict {
    let v = match v {
        Fig::NoData => return Verdict::NoData,
        Fig::NoPopulation => return Verdict::NoPopulation,
        Fig::Value(x) => Some(x),
    };
    match (v, goal) {
        (None, _) => Verdict::NoData,
        (_, Goal::None) => Verdict::NoTarget,
        (Some(x), Goal::Min(m)) => {
            if x >= m {
                Verdict::Met
            } else {
                Verdict::Missed
            }
        }
        (Some(x), Goal::Max(m)) => {
            if x <= m {
                Verdict::Met
            } else {
                Verdict::Missed
            }
        }
    }
}

fn target_goal(cfg: &Config, key: &str) -> Goal {
    match cfg.site.targets.get(key) {
        Some(t) => match (t.min, t.max) {
            (Some(m), _) => Goal::Min(m),
            (_, Some(m)) => Goal::Max(m),
            _ => Goal::None,
        },
        None => Goal::None,
    }
}

/// The SLA items of a month, judged, with the previous month's values.
pub fn items(cfg: &Config, t: &Templates, cur: &PeriodKpis, prev_kpis: &PeriodKpis) -> Vec<Item> {
    let mut j = Judge {
        f: cur.figures(),
        prev: prev_kpis.figures(),
        out: Vec::new(),
    };
    availability_items(cfg, cur, &mut j);
    ticket_items(cfg, t, &mut j);
    call_items(cfg, &mut j);
    backup_and_job_items(cfg, &mut j);
    capacity_items(t, cur, prev_kpis, &mut j);
    j.out
}

/// Items being judged against this month's and last month's figures.
struct Judge {
    f: Figures,
    prev: Figures,
    out: Vec<Item>,
}

impl Judge {
    /// Judge the figure `key` against `goal`.
    fn add(
        &mut self,
        group: Group,
        label: String,
        key: String,
        unit: Unit,
        goal: Goal,
        goal_note: String,
    ) {
        let value = self.f.fig(&key);
        let previous = self.prev.fig(&key);
        let verdict = match super::common::judged(&self.f, &key) {
            Fig::NoPopulation if value.value().is_some() => Verdict::NoPopulation,
            _ => judge_shown(value, goal, unit),
        };
        self.out.push(Item {
            group,
            label,
            verdict,
            key,
            unit,
            goal,
            goal_note,
            value,
            previous,
        });
    }
}

/// 稼働率 per system: configured systems, plus systems with outages.
fn availability_items(cfg: &Config, cur: &PeriodKpis, j: &mut Judge) {
    let mut systems: Vec<String> = cfg.site.availability.systems.keys().cloned().collect();
    if let Some(s) = &cur.availability.systems {
        for a in s {
            if !systems.contains(&a.system) {
                systems.push(a.system.clone());
            }
        }
    }
    for sys in systems {
        let svc = cfg.system_service(&sys);
        let note = cfg
            .calendars
            .get(&svc.calendar)
            .map_or(svc.calendar.clone(), |c| c.describe());
        j.add(
            Group::Availability,
            format!("稼働率 {sys}"),
            format!("availability.{sys}.pct"),
            Unit::PercentFine,
            Goal::Min(svc.target_pct),
            note,
        );
    }
}

/// Each SLA target's compliance.
fn ticket_items(cfg: &Config, t: &Templates, j: &mut Judge) {
    for tg in &cfg.sla_targets {
        let label = format!(
            "{} {} {}",
            t.label("kinds", &tg.kind),
            t.label("priorities", &tg.priority.to_string()),
            t.label("clocks", tg.clock.code())
        );
        let cal = cfg
            .calendars
            .get(&tg.calendar)
            .map_or(tg.calendar.clone(), |c| c.describe());
        let what = match tg.clock {
            ClockKind::Response => "応答",
            ClockKind::Resolution => "解決",
        };
        let note = format!(
            "{}分以内に{what}・{cal}",
            format_number(tg.minutes, Unit::Integer)
        );
        j.add(
            Group::Tickets,
            format!("{label} 遵守率"),
            format!("{}.compliance_pct", tg.key()),
            Unit::Percent,
            Goal::Min(tg.target_pct),
            note,
        );
    }
}

/// 応答率, 放棄率, サービスレベル.
fn call_items(cfg: &Config, j: &mut Judge) {
    for (label, key) in [
        ("応答率", "calls.answer_rate"),
        ("放棄率", "calls.abandon_rate"),
        ("サービスレベル", "calls.service_level"),
    ] {
        let note = if key == "calls.service_level" {
            format!("{}秒以内に応答", cfg.site.calls.service_level_s)
        } else {
            String::new()
        };
        j.add(
            Group::Calls,
            label.to_string(),
            key.to_string(),
            Unit::Percent,
            target_goal(cfg, key),
            note,
        );
    }
}

/// バックアップ成功率, ジョブ最終成功率, ジョブ遅延件数.
fn backup_and_job_items(cfg: &Config, j: &mut Judge) {
    j.add(
        Group::Backups,
        "バックアップ成功率".into(),
        "backups.success_pct".into(),
        Unit::Percent,
        target_goal(cfg, "backups.success_pct"),
        String::new(),
    );
    j.add(
        Group::Jobs,
        "ジョブ最終成功率".into(),
        "jobs.final_success_pct".into(),
        Unit::Percent,
        target_goal(cfg, "jobs.final_success_pct"),
        String::new(),
    );
    j.add(
        Group::Jobs,
        "ジョブ遅延件数".into(),
        "jobs.late".into(),
        Unit::Count,
        target_goal(cfg, "jobs.late"),
        String::new(),
    );
}

/// Capacity: every series with a threshold this month or last month (a
/// host that stopped reporting shows データなし, it does not vanish).
fn capacity_items(t: &Templates, cur: &PeriodKpis, prev_kpis: &PeriodKpis, j: &mut Judge) {
    let mut series: BTreeMap<String, &crate::kpi::capacity::SeriesStats> = BTreeMap::new();
    for s in prev_kpis
        .capacity
        .series
        .iter()
        .flatten()
        .chain(cur.capacity.series.iter().flatten())
    {
        if s.warn.is_some() {
            series.insert(s.key(), s);
        }
    }
    if series.is_empty() && cur.capacity.series.is_none() {
        j.add(
            Group::Capacity,
            "キャパシティ p95".into(),
            "capacity.series".into(),
            Unit::Count,
            Goal::None,
            "警告しきい値以下".into(),
        );
    }
    for s in series.values() {
        let res = s
            .resource
            .as_deref()
            .map(|r| format!(" {r}"))
            .unwrap_or_default();
        let label = format!("{} {}{res} p95", s.host, t.label("metrics", &s.metric));
        j.add(
            Group::Capacity,
            label,
            format!("{}.p95", s.key()),
            Unit::Percent,
            Goal::Max(s.warn.expect("filtered")),
            "警告しきい値以下".into(),
        );
    }
}

impl Item {
    /// The item for the JSON's `items`.
    pub fn judged(&self) -> JudgedItem {
        let (target, comparator) = match self.goal {
            Goal::Min(v) => (Some(v), Some("min")),
            Goal::Max(v) => (Some(v), Some("max")),
            Goal::None => (None, None),
        };
        JudgedItem {
            key: self.key.clone(),
            label: self.label.clone(),
            target,
            comparator,
            actual: self.value.value(),
            verdict: self.verdict.code(),
            warning: false,
        }
    }
}

/// Remarks of the month: general text and reasons by item key or label.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Remarks {
    pub general: Vec<String>,
    pub by_item: BTreeMap<String, Vec<String>>,
}

/// Parse the remarks file (see the module docs).
pub fn parse_remarks(text: &str) -> Remarks {
    let mut r = Remarks::default();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            current = Some(h.trim().to_string());
            r.by_item.entry(h.trim().to_string()).or_default();
            continue;
        }
        match &current {
            Some(c) => r
                .by_item
                .get_mut(c)
                .expect("inserted")
                .push(line.to_string()),
            None => r.general.push(line.to_string()),
        }
    }
    for v in r.by_item.values_mut() {
        while v.last().is_some_and(|l| l.trim().is_empty()) {
            v.pop();
        }
    }
    while r.general.last().is_some_and(|l| l.trim().is_empty()) {
        r.general.pop();
    }
    r
}

impl Remarks {
    /// The reason written for an item (by key, else by label).
    pub fn reason(&self, item: &Item) -> Option<String> {
        self.by_item
            .get(&item.key)
            .or_else(|| self.by_item.get(&item.label))
            .map(|l| l.join("\n"))
            .filter(|s| !s.trim().is_empty())
    }
    /// Headings that match no item (typos would silently hide a reason).
    pub fn unmatched(&self, items: &[Item]) -> Vec<String> {
        self.by_item
            .keys()
            .filter(|h| !items.iter().any(|i| &i.key == *h || &i.label == *h))
            .cloned()
            .collect()
    }
}

crate::closed_set! {
    /// The sections `templates/sla.toml` may list.
    pub enum SlaSection {
        Summary = "summary",
        Trend = "trend",
        Breaches = "breaches",
        Remarks = "remarks",
        DataQuality = "data_quality",
    }
}

/// SLA遵守状況報告: every SLA item of the month with its verdict, the
/// 12-month trend and the breaches.
pub struct Sla;

impl Report for Sla {
    fn about(&self) -> &'static str {
        "SLA遵守状況報告 for one month (--month)"
    }
    fn grains(&self) -> &'static [Grain] {
        &[Grain::Month]
    }
    fn templates(&self) -> &'static [TemplateSpec] {
        &[TemplateSpec {
            name: "sla",
            grain: None,
            sections: SlaSection::NAMES,
        }]
    }
    fn build(&self, cx: &Context, period: CalPeriod) -> Result<Built> {
        let CalPeriod::Month(_) = period else {
            bail!("the SLA report is for one month");
        };
        let (ds, cfg, tpl) = (cx.ds, cx.cfg, cx.tpl);
        let month = period.period();
        let (clocks, clock_problems) = crate::kpi::sla::clocks_of(
            ds.get(SourceId::Tickets),
            ds.get(SourceId::TicketStatusHistory),
            &cfg.sla_targets,
            &cfg.calendars,
        )?;
        // The 12 trailing months; the last two are this month and the previous
        // one, whose full results the items need (computed once).
        let (trend, previous, mut current) =
            crate::kpi::month_series(ds, cfg, month, 12, clocks.as_deref())?;
        crate::kpi::sla::left_out_is_no_data(
            &mut current.sla,
            &clock_problems,
            &cfg.sla_targets,
            month,
        );
        let trend: Vec<(String, Figures)> = trend
            .into_iter()
            .map(|(m, f)| (m.month_label(), f))
            .collect();
        let remarks = cx.remarks.as_deref().map(parse_remarks);
        let (mut quality, mut warnings) = month_quality(ds, tpl, month, &current, &clock_problems);
        let items = items(cfg, tpl, &current, &previous);
        if let Some(r) = &remarks {
            for h in r.unmatched(&items) {
                let w = format!(
                    "remarks: heading {h:?} matches no SLA item (use the item key or its label)"
                );
                quality.push(QualityNote::new(
                    "remarks_heading_unmatched",
                    format!("remarks/sla/{}.txt", month.month_label()),
                    format!("見出し「{h}」に一致するSLA項目がありません"),
                ));
                warnings.push(w);
            }
        }
        for it in items.iter().filter(|i| i.verdict == Verdict::Missed) {
            if remarks.as_ref().and_then(|r| r.reason(it)).is_none() {
                warnings.push(format!(
                    "未達 without a reason in the remarks file: {} ({})",
                    it.label, it.key
                ));
            }
        }
        let previous = previous.figures();
        let report = SlaReport {
            month,
            as_of: cfg.as_of_time(month.end_day),
            current: &current,
            previous: &previous,
            trend: &trend,
            remarks: remarks.as_ref(),
            quality: &quality,
        };
        let mut figures = current.figures();
        figures.extend(extra_figures(&items, &report));
        let mut doc = build(&report, &items, cfg, tpl);
        doc.figures = figure_rows(&figures);
        doc.quality = quality;
        Ok(Built { doc, warnings })
    }
}

/// Everything the SLA report shows.
pub struct SlaReport<'a> {
    pub month: Period,
    pub as_of: NaiveDateTime,
    pub current: &'a PeriodKpis,
    /// Figures of the previous month.
    pub previous: &'a Figures,
    /// (YYYY-MM, figures) for the 12 months ending with this one, oldest first.
    pub trend: &'a [(String, Figures)],
    pub remarks: Option<&'a Remarks>,
    pub quality: &'a [QualityNote],
}

/// The figures this report adds under its own prefixes: `previous.<key>`,
/// `trend.<YYYY-MM>.<key>` for every item key, and `sla_report.*` counts.
pub fn extra_figures(items: &[Item], r: &SlaReport) -> Figures {
    let mut f = item_figures(items);
    for it in items {
        for (m, fig) in r.trend {
            f.put(format!("trend.{m}.{}", it.key), fig.fig(&it.key));
        }
    }
    f
}

/// `previous.<key>` of every item and the verdict counts `sla_report.*`.
pub fn item_figures(items: &[Item]) -> Figures {
    let mut f = Figures::default();
    for it in items {
        f.put(format!("previous.{}", it.key), it.previous);
    }
    let count = |v: Verdict| items.iter().filter(|i| i.verdict == v).count();
    f.count("sla_report.items", Some(items.len()));
    f.count("sla_report.met", Some(count(Verdict::Met)));
    f.count("sla_report.missed", Some(count(Verdict::Missed)));
    f.count(
        "sla_report.no_population",
        Some(count(Verdict::NoPopulation)),
    );
    f.count("sla_report.no_data", Some(count(Verdict::NoData)));
    f.count("sla_report.no_target", Some(count(Verdict::NoTarget)));
    f
}

/// The goal as shown (`99.50%以上（24x7）`).
pub(crate) fn goal_text(it: &Item) -> String {
    let base = match it.goal {
        Goal::Min(v) => format!("{}以上", format_number(v, it.unit)),
        Goal::Max(v) => format!("{}以下", format_number(v, it.unit)),
        Goal::None => "－".to_string(),
    };
    if it.goal_note.is_empty() {
        base
    } else {
        format!("{base}（{}）", it.goal_note)
    }
}

/// Build the document.
pub fn build(r: &SlaReport, items: &[Item], cfg: &Config, t: &Templates) -> Document {
    let tpl = t.report("sla");
    let mut sections = Vec::new();
    for (id, section) in tpl.sections_of(SlaSection::parse) {
        let title = tpl.section_title(id);
        let blocks = match section {
            SlaSection::Summary => summary(items, t),
            SlaSection::Trend => trend(items, r),
            SlaSection::Breaches => breaches(items, r, cfg, t),
            SlaSection::Remarks => remarks(items, r),
            SlaSection::DataQuality => quality_blocks(r.quality),
        };
        sections.push(Section {
            id: id.to_string(),
            title,
            blocks,
        });
    }
    let last = r.month.end_day.pred_opt().expect("non-empty month");
    Document {
        kind: super::ReportCode::Sla,
        file_stem: tpl.file_stem.clone(),
        title: tpl.title.clone(),
        organisation: tpl.organisation.clone(),
        author: tpl.author.clone(),
        period_label: format!(
            "{} {}（{}年{}月{}日～{}月{}日）",
            tpl.period_prefix,
            wareki_month(r.month.first),
            r.month.first.year(),
            r.month.first.month(),
            r.month.first.day(),
            last.month(),
            last.day()
        ),
        period: r.month.month_label(),
        as_of: r.as_of,
        sections,
        definitions: super::common::definitions(t, Some(cfg)),
        cover: None,
        orientation: tpl.orientation(),
        list_rows: tpl.list_rows,
        items: items.iter().map(Item::judged).collect(),
        figures: Vec::new(),
        quality: Vec::new(),
    }
}

/// Verdict counts and the item table.
fn summary(items: &[Item], t: &Templates) -> Vec<Block> {
    let count = |v: Verdict| items.iter().filter(|i| i.verdict == v).count() as f64;
    let overview = vec![
        vec![
            Cell::text("SLA項目数"),
            Cell::figure("sla_report.items", Some(items.len() as f64), Unit::Count),
        ],
        vec![
            Cell::text(t.label("verdicts", "met")),
            Cell::figure("sla_report.met", Some(count(Verdict::Met)), Unit::Count),
        ],
        vec![
            Cell::text(t.label("verdicts", "missed")),
            Cell::figure(
                "sla_report.missed",
                Some(count(Verdict::Missed)),
                Unit::Count,
            ),
        ],
        vec![
            Cell::text(t.label("verdicts", "no_population")),
            Cell::figure(
                "sla_report.no_population",
                Some(count(Verdict::NoPopulation)),
                Unit::Count,
            ),
        ],
        vec![
            Cell::text(t.label("verdicts", "no_data")),
            Cell::figure(
                "sla_report.no_data",
                Some(count(Verdict::NoData)),
                Unit::Count,
            ),
        ],
        vec![
            Cell::text(t.label("verdicts", "no_target")),
            Cell::figure(
                "sla_report.no_target",
                Some(count(Verdict::NoTarget)),
                Unit::Count,
            ),
        ],
    ];
    let rows = items
        .iter()
        .map(|it| {
            vec![
                Cell::text(t.label("sla_groups", it.group.code())),
                Cell::text(&it.label),
                Cell::text(goal_text(it)),
                Cell::fig(&it.key, it.value, it.unit),
                Cell::text(t.label("verdicts", it.verdict.code())),
                Cell::fig(&format!("previous.{}", it.key), it.previous, it.unit),
            ]
        })
        .collect();
    vec![
        table(
            "判定の内訳",
            vec![col("判定", 2.0), col("項目数", 1.0)],
            overview,
            NONE_TEXT,
        ),
        table(
            "SLA項目別 遵守状況",
            vec![
                col("区分", 1.3),
                col("項目", 3.0),
                col("目標値", 2.8),
                col("実績値", 1.1),
                col("判定", 1.1),
                col("前月値", 1.1),
            ],
            rows,
            NONE_TEXT,
        ),
    ]
}

fn trend(items: &[Item], r: &SlaReport) -> Vec<Block> {
    let mut blocks = Vec::new();
    for (i, half) in r.trend.chunks(6).enumerate() {
        let mut cols = vec![col("項目", 3.0)];
        cols.extend(half.iter().map(|(m, _)| col(m, 1.0)));
        let rows = items
            .iter()
            .map(|it| {
                let mut row = vec![Cell::text(&it.label)];
                row.extend(half.iter().map(|(m, f)| {
                    Cell::fig(&format!("trend.{m}.{}", it.key), f.fig(&it.key), it.unit)
                }));
                row
            })
            .collect();
        let caption = if i == 0 {
            "推移（前半6か月）"
        } else {
            "推移（後半6か月）"
        };
        blocks.push(table(caption, cols, rows, NONE_TEXT));
    }
    blocks
}

fn missed(items: &[Item], g: Group) -> bool {
    items
        .iter()
        .any(|i| i.group == g && i.verdict == Verdict::Missed)
}

fn breaches(items: &[Item], r: &SlaReport, cfg: &Config, t: &Templates) -> Vec<Block> {
    let mut blocks = vec![ticket_breaches(r, cfg, t)];
    blocks.extend(outage_table(items, r, t));
    blocks.extend(call_intervals(items, r));
    blocks.extend(job_breaches(items, r, t));
    blocks.extend(backup_breaches(items, r, t));
    blocks.extend(capacity_breaches(items, r, t));
    blocks
}

/// Tickets: every breached (ticket, target) decided this month.
fn ticket_breaches(r: &SlaReport, cfg: &Config, t: &Templates) -> Block {
    let k = r.current;
    let (rows, empty) = match &k.sla.breaches {
        None => (Vec::new(), MISSING),
        Some(b) => (
            b.iter()
                .map(|c| {
                    let tg = &cfg.sla_targets[c.target];
                    vec![
                        Cell::text(&c.ticket_id),
                        Cell::text(t.label("kinds", &c.kind)),
                        Cell::text(t.label("priorities", &c.priority.to_string())),
                        Cell::text(t.label("clocks", c.clock.code())),
                        Cell::num(tg.minutes, Unit::Minutes),
                        c.elapsed_min
                            .map_or(Cell::text("未完了"), |e| Cell::num(e, Unit::Minutes)),
                        Cell::datetime(c.deadline),
                        Cell::datetime(c.stopped_at),
                        Cell::text(t.label("ticket_statuses", &c.status)),
                    ]
                })
                .collect(),
            NONE_TEXT,
        ),
    };
    list(
        "チケット（目標超過）",
        vec![
            col("チケット", 1.8),
            col("種別", 1.1),
            col("優先度", 0.6),
            col("時計", 0.6),
            col("目標", 0.9),
            col("経過", 0.9),
            col("期限", 1.5),
            col("完了", 1.5),
            col("状態", 0.7),
        ],
        rows,
        empty,
    )
}

/// Availability: the outages of the month.
fn outage_table(items: &[Item], r: &SlaReport, t: &Templates) -> Option<Block> {
    let k = r.current;
    if !(missed(items, Group::Availability)
        || k.availability
            .outages
            .as_ref()
            .is_some_and(|o| !o.is_empty()))
    {
        return None;
    }
    let rows = k
        .availability
        .outages
        .iter()
        .flatten()
        .map(|o| {
            vec![
                Cell::text(&o.system),
                Cell::text(&o.ticket_id),
                Cell::text(t.label(
                    "outage_kinds",
                    if o.planned { "planned" } else { "unplanned" },
                )),
                Cell::datetime(Some(o.start)),
                o.end
                    .map_or(Cell::text("終了未記録"), |e| Cell::datetime(Some(e))),
                Cell::num(o.service_min, Unit::Minutes),
            ]
        })
        .collect();
    Some(list(
        "停止（稼働率）",
        vec![
            col("システム", 1.8),
            col("チケット", 1.2),
            col("区分", 1.0),
            col("開始", 1.4),
            col("終了", 1.4),
            col("提供時間内", 1.0),
        ],
        rows,
        if k.availability.outages.is_none() {
            MISSING
        } else {
            NONE_TEXT
        },
    ))
}

/// Calls: one-hour intervals that miss a missed call target.
fn call_intervals(items: &[Item], r: &SlaReport) -> Option<Block> {
    let k = r.current;
    if !missed(items, Group::Calls) {
        return None;
    }
    let goal = |key: &str| {
        items
            .iter()
            .find(|i| i.key == key)
            .filter(|i| i.verdict == Verdict::Missed)
            .map(|i| i.goal)
    };
    let (ar, ab, sl) = (
        goal("calls.answer_rate"),
        goal("calls.abandon_rate"),
        goal("calls.service_level"),
    );
    let misses = |v: Option<f64>, g: Option<Goal>| {
        g.is_some_and(|g| judge_shown(Fig::or_no_data(v), g, Unit::Percent) == Verdict::Missed)
    };
    let rows = k
        .calls
        .intervals
        .iter()
        .flatten()
        .filter(|iv| {
            misses(iv.answer_rate(), ar)
                || misses(iv.abandon_rate(), ab)
                || misses(iv.service_level(), sl)
        })
        .map(|iv| {
            let p = |v: Option<f64>| v.map_or(Cell::text(MISSING), |x| Cell::num(x, Unit::Percent));
            vec![
                Cell::text(format!(
                    "{}–{:02}:00",
                    format_short(iv.start),
                    (crate::time::ms_to_dt(iv.start).hour() + 1) % 24
                )),
                Cell::num(iv.offered as f64, Unit::Count),
                Cell::num(iv.answered as f64, Unit::Count),
                Cell::num(iv.abandoned as f64, Unit::Count),
                p(iv.answer_rate()),
                p(iv.abandon_rate()),
                p(iv.service_level()),
            ]
        })
        .collect();
    Some(list(
        "コール（目標を下回った1時間帯）",
        vec![
            col("時間帯", 1.6),
            col("着信", 0.8),
            col("応答", 0.8),
            col("放棄", 0.8),
            col("応答率", 0.9),
            col("放棄率", 0.9),
            col("SL", 0.9),
        ],
        rows,
        NONE_TEXT,
    ))
}

/// Jobs: failed and late instances.
fn job_breaches(items: &[Item], r: &SlaReport, t: &Templates) -> Option<Block> {
    let k = r.current;
    if !missed(items, Group::Jobs) {
        return None;
    }
    let rows = k
        .jobs
        .problems
        .iter()
        .flatten()
        .filter(|i| !i.succeeded() || i.late)
        .map(|i| {
            vec![
                Cell::text(&i.job_name),
                Cell::datetime(i.scheduled_at.or(Some(i.first_started_at))),
                Cell::datetime(i.ended_at),
                Cell::datetime(i.deadline),
                Cell::text(t.label("job_statuses", &i.final_status)),
                Cell::text(if i.late { "遅延" } else { "" }),
                Cell::num(i.attempts as f64, Unit::Integer),
            ]
        })
        .collect();
    Some(list(
        "ジョブ（異常終了・遅延）",
        vec![
            col("ジョブ", 1.8),
            col("予定・開始", 1.4),
            col("終了", 1.4),
            col("期限", 1.4),
            col("最終状態", 1.0),
            col("遅延", 0.6),
            col("実行回数", 0.7),
        ],
        rows,
        NONE_TEXT,
    ))
}

/// Backups: failed and missing.
fn backup_breaches(items: &[Item], r: &SlaReport, t: &Templates) -> Option<Block> {
    let k = r.current;
    if !missed(items, Group::Backups) {
        return None;
    }
    let rows = k
        .backups
        .problems
        .iter()
        .flatten()
        .map(|b| {
            let outcome = b.outcome_code();
            vec![
                Cell::text(&b.target),
                Cell::text(b.date.format("%Y/%m/%d").to_string()),
                Cell::text(t.label("backup_outcomes", outcome)),
                Cell::datetime(b.started_at),
            ]
        })
        .collect();
    Some(list(
        "バックアップ（失敗・未実行）",
        vec![
            col("対象", 2.0),
            col("日付", 1.0),
            col("判定", 0.8),
            col("開始", 1.4),
        ],
        rows,
        NONE_TEXT,
    ))
}

/// Capacity: series whose p95 is above the warn threshold.
fn capacity_breaches(items: &[Item], r: &SlaReport, t: &Templates) -> Option<Block> {
    let k = r.current;
    if !missed(items, Group::Capacity) {
        return None;
    }
    let rows = k
        .capacity
        .series
        .iter()
        .flatten()
        .filter(|s| s.warn.is_some_and(|w| s.p95 > w))
        .map(|s| {
            vec![
                Cell::text(&s.host),
                Cell::text(t.label("metrics", &s.metric)),
                Cell::text(s.resource.clone().unwrap_or_default()),
                Cell::num(s.p95, Unit::Percent),
                Cell::num(s.warn.expect("filtered"), Unit::Percent),
                Cell::num(s.max, Unit::Percent),
                s.warn_minutes
                    .map_or(Cell::Empty, |m| Cell::num(m, Unit::Minutes)),
            ]
        })
        .collect();
    Some(list(
        "キャパシティ（p95が警告しきい値超過）",
        vec![
            col("ホスト", 1.2),
            col("項目", 1.5),
            col("対象", 1.0),
            col("p95", 0.9),
            col("しきい値", 0.9),
            col("最大", 0.9),
            col("超過時間", 1.0),
        ],
        rows,
        NONE_TEXT,
    ))
}

fn remarks(items: &[Item], r: &SlaReport) -> Vec<Block> {
    let rows: Vec<Vec<Cell>> = items
        .iter()
        .filter(|i| i.verdict == Verdict::Missed)
        .map(|i| {
            let reason = r
                .remarks
                .and_then(|rm| rm.reason(i))
                .unwrap_or_else(|| "（未記入）".to_string());
            vec![
                Cell::text(&i.label),
                Cell::fig(&i.key, i.value, i.unit),
                Cell::text(reason),
            ]
        })
        .collect();
    let mut blocks = vec![list(
        "未達項目",
        vec![
            col("項目", 2.4),
            col("実績値", 1.0),
            col("未達理由・改善策", 4.0),
        ],
        rows,
        "未達項目はありません",
    )];
    if let Some(g) = r.remarks.map(|rm| &rm.general).filter(|g| !g.is_empty()) {
        blocks.push(Block::Text(g.clone()));
    }
    blocks
}
