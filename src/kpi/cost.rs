//! Cost figures (kpis.md "Cost (コスト管理)") from the cost model of
//! `cost.toml` ([`CostModel`]) and the canonical tables.
//!
//! Every cost is a list of [`CostLine`]s, each naming its input, quantity,
//! rate and amount:
//!
//! | category | line | quantity (input) | amount |
//! |---|---|---|---|
//! | labour (labour_tickets) | one per ticket kind | Σ `work_minutes` of tickets with `resolved_at` in the period | hours × the kind's rate (default rate when unlisted) |
//! | labour (labour_calls) | handled calls | Σ `talk_seconds` + `wrap_seconds` of answered calls offered in the period | hours × helpdesk rate |
//! | telephony | talk | Σ `talk_seconds` of answered calls | minutes × per-minute rate |
//! | telephony | one per line fee | calendar days | pro-rated monthly fee |
//! | infrastructure | one per host | calendar days | pro-rated monthly cost |
//! | storage | backups | Σ `size_bytes` of successful backups started in the period, in GiB | GiB × rate per GiB-month |
//! | contracts | one per contract line | calendar days | pro-rated monthly amount |
//!
//! Rules:
//! - A fixed monthly amount for a period is Σ over its days of
//!   amount ÷ days of that day's month: a whole month is the amount, day D
//!   of October is amount ÷ 31, a week across two months takes each day from
//!   its own month.
//! - Each part (`cost.<part>`) is its exact amount rounded to whole yen
//!   (四捨五入); its lines are rounded so that they add up to it (largest
//!   remainder, [`apportion`]), and every total is the sum of its parts, so
//!   the tables always add up and a fixed amount pro-rated over many hosts
//!   matches its pro-rated budget.
//! - A line whose source is absent or does not cover the period is データなし,
//!   and so is every total it is part of: a missing source is never 0 円.
//!   Rows of a covered source that lack the quantity (a resolved ticket
//!   without `work_minutes`, an answered call without talk time, a
//!   successful backup without size) add nothing and are counted in
//!   `cost.inputs.*` so the report shows them; a tickets source without a
//!   `work_minutes` column at all makes ticket labour データなし.
//! - The budget of a period is each category's monthly budget pro-rated the
//!   same way (rounded to yen per category); no budget set → データなし.
//! - A month listed under `[actuals]` in `cost.toml` (a month closed before
//!   hokoku) takes those amounts, one line per category.
//!
//! Fiscal year ([`fiscal_year`]): 年度累計 = Σ monthly actuals April → M;
//! 着地見込み = 年度累計 + remaining months × the mean of the last three
//! months' actuals **of the same fiscal year** (in April and May the mean of
//! the one or two months there are). The mean is rounded to whole yen per
//! category, and every total is the sum of its categories. A month without
//! actuals makes the year-to-date and the forecast データなし.

use super::{Fig, Figures};
use crate::config::cost::{CostModel, CATEGORIES};
use crate::frame;
use crate::ingest::SourceData;
use crate::time::Period;
use crate::vocab::TICKET_KINDS as KINDS;
use chrono::{Datelike, NaiveDate};
use polars::prelude::*;
use std::collections::BTreeMap;

/// The parts of the cost that figures.md names (`cost.<part>`); labour is
/// labour_tickets + labour_calls.
pub const PARTS: [&str; 6] = [
    "labour_tickets",
    "labour_calls",
    "telephony",
    "infrastructure",
    "storage",
    "contracts",
];

/// The category of a part.
pub fn category_of(part: &str) -> &'static str {
    match part {
        "labour_tickets" | "labour_calls" => "labour",
        "telephony" => "telephony",
        "infrastructure" => "infrastructure",
        "storage" => "storage",
        _ => "contracts",
    }
}

/// How a line's quantity is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Hours of work (`rate` in 円/時).
    Hours,
    /// Minutes of talk (円/分).
    Minutes,
    /// GiB of backups (円/GiB月).
    Gib,
    /// Calendar days of a fixed monthly amount (`rate` in 円/月).
    Days,
    /// A confirmed amount from `[actuals]` (no quantity).
    Confirmed,
}

/// One cost line.
#[derive(Debug, Clone, PartialEq)]
pub struct CostLine {
    /// `labour_tickets`, `labour_calls`, `telephony`, … ([`PARTS`]).
    pub part: &'static str,
    /// Ticket kind, host, line or contract name; `calls`, `talk`, `backups`.
    pub item: String,
    /// The input it is computed from (`tickets.work_minutes`, `cost.toml`).
    pub source: &'static str,
    pub measure: Measure,
    /// The quantity (None = データなし).
    pub quantity: Option<f64>,
    /// Rate per unit of the quantity (円/月 for [`Measure::Days`]).
    pub rate: f64,
    /// Amount in whole yen (None = データなし).
    pub amount: Option<f64>,
}

impl CostLine {
    /// `cost.detail.<part>.<item>`.
    pub fn key(&self) -> String {
        format!("cost.detail.{}.{}", self.part, self.item)
    }
    /// The figure key of the quantity, named by its unit.
    pub fn quantity_key(&self) -> String {
        let unit = match self.measure {
            Measure::Hours => "work_min",
            Measure::Minutes => "talk_min",
            Measure::Gib => "gib",
            Measure::Days => "days",
            Measure::Confirmed => "confirmed",
        };
        format!("cost.quantity.{}.{}.{unit}", self.part, self.item)
    }
}

/// Rows of a source that added nothing for lack of a quantity.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Gap {
    pub source: &'static str,
    /// The quantity column that is empty.
    pub column: &'static str,
    /// Where each such row is: (`_file` index, physical line).
    pub rows: Vec<(Option<u32>, Option<u32>)>,
}

impl Gap {
    /// The rows of `df` (already filtered to the rows that lack `column`).
    fn of(source: &'static str, column: &'static str, df: &DataFrame) -> PolarsResult<Gap> {
        let files = frame::u32s(df, crate::ingest::typing::FILE_COL)?;
        let lines = frame::u32s(df, crate::ingest::typing::LINE_COL)?;
        Ok(Gap {
            source,
            column,
            rows: files.into_iter().zip(lines).collect(),
        })
    }
}

/// Cost of one period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CostKpis {
    /// `cost.*` figures.
    pub figures: Figures,
    /// Every line in report order (empty without a cost model).
    pub lines: Vec<CostLine>,
    /// Rows that added nothing for lack of a quantity.
    pub gaps: Vec<Gap>,
    /// Whether the period's amounts are the confirmed actuals of `cost.toml`.
    pub confirmed: bool,
}

impl CostKpis {
    /// The actual of each category (None = データなし).
    pub fn category_actuals(&self) -> BTreeMap<&'static str, Option<f64>> {
        CATEGORIES
            .iter()
            .map(|c| {
                (
                    *c,
                    self.figures.get(&format!("cost.by_category.{c}.actual")),
                )
            })
            .collect()
    }
}

/// The days of `p` grouped by month: (year, month, days in the period, days in the month).
fn month_segments(p: Period) -> Vec<(i32, u32, i64, i64)> {
    let mut out: Vec<(i32, u32, i64, i64)> = Vec::new();
    let mut d = p.first;
    while d < p.end_day {
        let m = Period::month_of(d);
        let seg_end = m.end_day.min(p.end_day);
        out.push((d.year(), d.month(), (seg_end - d).num_days(), m.days()));
        d = seg_end;
    }
    out
}

/// A fixed monthly amount over `p`: Σ amount × days ÷ days of the month.
pub fn pro_rate(p: Period, monthly: f64) -> f64 {
    month_segments(p)
        .iter()
        .map(|(_, _, d, dim)| monthly * *d as f64 / *dim as f64)
        .sum()
}

/// The budget of each category over `p` (pro-rated, whole yen); None when a
/// month of the period has no budget.
pub fn budget(model: &CostModel, p: Period) -> BTreeMap<&'static str, Option<f64>> {
    let segs = month_segments(p);
    CATEGORIES
        .iter()
        .map(|c| {
            let v: Option<f64> = segs
                .iter()
                .map(|(y, m, d, dim)| {
                    model
                        .monthly_budget(*y, *m, c)
                        .map(|b| b * *d as f64 / *dim as f64)
                })
                .sum();
            (*c, v.map(f64::round))
        })
        .collect()
}

fn sum(v: impl IntoIterator<Item = Option<f64>>) -> Option<f64> {
    v.into_iter().sum()
}

/// The cost of a calendar month: the confirmed amounts of `[actuals]` when
/// the model lists the month, else [`compute`].
pub fn compute_month(
    model: Option<&CostModel>,
    tickets: Option<&SourceData>,
    calls: Option<&SourceData>,
    backups: Option<&SourceData>,
    month: Period,
) -> PolarsResult<CostKpis> {
    compute_with(model, tickets, calls, backups, month, true)
}

/// Compute the cost of `p` from the data (days, weeks, month-to-date and
/// months without confirmed actuals). Without a model every figure is データなし.
pub fn compute(
    model: Option<&CostModel>,
    tickets: Option<&SourceData>,
    calls: Option<&SourceData>,
    backups: Option<&SourceData>,
    p: Period,
) -> PolarsResult<CostKpis> {
    compute_with(model, tickets, calls, backups, p, false)
}

fn compute_with(
    model: Option<&CostModel>,
    tickets: Option<&SourceData>,
    calls: Option<&SourceData>,
    backups: Option<&SourceData>,
    p: Period,
    confirmed: bool,
) -> PolarsResult<CostKpis> {
    let mut out = CostKpis::default();
    let Some(model) = model else {
        let none: BTreeMap<&str, Option<f64>> = CATEGORIES.iter().map(|c| (*c, None)).collect();
        set_totals(&mut out.figures, &BTreeMap::new(), &none, &none);
        return Ok(out);
    };
    let whole_month = confirmed && Period::month_of(p.first) == p;
    let mut parts = BTreeMap::new();
    let mut categories = BTreeMap::new();
    if let Some(a) = whole_month
        .then(|| model.actuals.get(&p.month_label()))
        .flatten()
    {
        // A closed month: one confirmed amount per category (part = category).
        out.confirmed = true;
        for c in CATEGORIES {
            let amount = Some(a.category(c).round());
            out.lines.push(CostLine {
                part: c,
                item: "confirmed".into(),
                source: "cost.toml actuals",
                measure: Measure::Confirmed,
                quantity: None,
                rate: 0.0,
                amount,
            });
            categories.insert(c, amount);
        }
        for part in PARTS {
            parts.insert(
                part,
                if part.starts_with("labour_") {
                    None
                } else {
                    categories[category_of(part)]
                },
            );
        }
    } else {
        labour_tickets(model, tickets, p, &mut out)?;
        calls_lines(model, calls, p, &mut out)?;
        for (host, monthly) in &model.infrastructure.hosts {
            out.lines.push(fixed("infrastructure", host, p, *monthly));
        }
        storage(model, backups, p, &mut out)?;
        for (name, monthly) in &model.contracts {
            out.lines.push(fixed("contracts", name, p, *monthly));
        }
        for part in PARTS {
            let idx: Vec<usize> = (0..out.lines.len())
                .filter(|i| out.lines[*i].part == part)
                .collect();
            let exact: Vec<Option<f64>> = idx.iter().map(|i| out.lines[*i].amount).collect();
            let rounded = match exact.iter().copied().collect::<Option<Vec<f64>>>() {
                Some(v) => apportion(&v).into_iter().map(Some).collect(),
                None => exact.iter().map(|v| v.map(f64::round)).collect::<Vec<_>>(),
            };
            for (i, r) in idx.iter().zip(rounded) {
                out.lines[*i].amount = r;
            }
            // A part with no lines (no hosts or contracts configured) is 0 円
            // by the model, not missing data.
            parts.insert(
                part,
                sum(out
                    .lines
                    .iter()
                    .filter(|l| l.part == part)
                    .map(|l| l.amount)),
            );
        }
        for c in CATEGORIES {
            categories.insert(
                c,
                sum(PARTS
                    .iter()
                    .filter(|p| category_of(p) == c)
                    .map(|p| parts[p])),
            );
        }
    }
    for l in &out.lines {
        out.figures.set(l.key(), l.amount);
        if l.measure != Measure::Confirmed {
            let q = match l.measure {
                Measure::Hours => l.quantity.map(|h| h * 60.0),
                _ => l.quantity,
            };
            out.figures.set(l.quantity_key(), q);
        }
    }
    let by_source = |pred: &dyn Fn(&CostLine) -> bool| {
        sum(out.lines.iter().filter(|l| pred(l)).map(|l| l.amount))
    };
    let sources = [
        ("tickets", by_source(&|l| l.source.starts_with("tickets."))),
        ("calls", by_source(&|l| l.source.starts_with("calls."))),
        ("backups", by_source(&|l| l.source.starts_with("backups."))),
        ("fixed", by_source(&|l| l.source == "cost.toml")),
    ];
    for (name, v) in sources {
        out.figures.set(
            format!("cost.by_source.{name}"),
            v.filter(|_| !out.confirmed),
        );
    }
    for g in &out.gaps {
        out.figures.count(
            format!("cost.inputs.{}_without_{}", g.source, g.column),
            Some(g.rows.len()),
        );
    }
    let b = budget(model, p);
    set_totals(&mut out.figures, &parts, &categories, &b);
    Ok(out)
}

/// `cost.<part>`, `cost.labour`, `cost.total`, budget, variance and the
/// figures by category.
fn set_totals(
    f: &mut Figures,
    parts: &BTreeMap<&str, Option<f64>>,
    actual: &BTreeMap<&str, Option<f64>>,
    budget: &BTreeMap<&str, Option<f64>>,
) {
    for p in PARTS {
        f.set(format!("cost.{p}"), parts.get(p).copied().flatten());
    }
    for c in CATEGORIES {
        let (v, b) = (
            actual.get(c).copied().flatten(),
            budget.get(c).copied().flatten(),
        );
        f.set(format!("cost.by_category.{c}.actual"), v);
        f.set(format!("cost.by_category.{c}.budget"), b);
        let (var, var_pct) = variance(v, b);
        f.set(format!("cost.by_category.{c}.variance"), var);
        f.set(format!("cost.by_category.{c}.variance_pct"), var_pct);
    }
    f.set("cost.labour", actual.get("labour").copied().flatten());
    let total = sum(CATEGORIES.iter().map(|c| actual.get(c).copied().flatten()));
    let b = sum(CATEGORIES.iter().map(|c| budget.get(c).copied().flatten()));
    f.set("cost.total", total);
    f.set("cost.budget", b);
    let (var, var_pct) = variance(total, b);
    f.set("cost.variance", var);
    f.set("cost.variance_pct", var_pct);
}

/// Round non-negative amounts to whole yen so that they add up to the
/// rounded sum (largest remainder; ties go to the earlier line).
pub fn apportion(v: &[f64]) -> Vec<f64> {
    let v: Vec<f64> = v.iter().map(|x| super::round6(*x)).collect();
    let target = v.iter().sum::<f64>().round();
    let mut out: Vec<f64> = v.iter().map(|x| x.floor()).collect();
    let mut left = (target - out.iter().sum::<f64>()).max(0.0) as usize;
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|a, b| {
        (v[*b] - out[*b])
            .total_cmp(&(v[*a] - out[*a]))
            .then(a.cmp(b))
    });
    for i in order {
        if left == 0 {
            break;
        }
        out[i] += 1.0;
        left -= 1;
    }
    out
}

/// Actual − budget and its percentage of the budget (None when the budget is 0).
pub fn variance(actual: Option<f64>, budget: Option<f64>) -> (Option<f64>, Option<f64>) {
    let v = actual.zip(budget).map(|(a, b)| a - b);
    (
        v,
        v.zip(budget)
            .and_then(|(v, b)| (b != 0.0).then(|| 100.0 * v / b)),
    )
}

fn fixed(part: &'static str, item: &str, p: Period, monthly: f64) -> CostLine {
    CostLine {
        part,
        item: item.to_string(),
        source: "cost.toml",
        measure: Measure::Days,
        quantity: Some(p.days() as f64),
        rate: monthly,
        amount: Some(pro_rate(p, monthly)),
    }
}

fn labour_tickets(
    model: &CostModel,
    src: Option<&SourceData>,
    p: Period,
    out: &mut CostKpis,
) -> PolarsResult<()> {
    // Labour is counted on the tickets resolved in the period: without a
    // resolution time (resolved_at) no ticket can be dated, so データなし.
    let covered = src.filter(|s| {
        s.covers(p.start_ms(), p.end_ms())
            && s.present.contains("work_minutes")
            && s.present.contains("resolved_at")
    });
    let Some(s) = covered else {
        out.lines.push(CostLine {
            part: "labour_tickets",
            item: "tickets".into(),
            source: "tickets.work_minutes",
            measure: Measure::Hours,
            quantity: None,
            rate: model.labour.default_rate,
            amount: None,
        });
        return Ok(());
    };
    let resolved =
        s.frame
            .clone()
            .lazy()
            .filter(super::within("resolved_at", p.start_ms(), p.end_ms()));
    let df = resolved
        .clone()
        .filter(col("work_minutes").is_not_null())
        .group_by([col("kind")])
        .agg([col("work_minutes").cast(DataType::Int64).sum().alias("m")])
        .collect()?;
    let (kinds, mins) = (frame::strs(&df, "kind")?, frame::i64s(&df, "m")?);
    let minutes: BTreeMap<String, i64> = kinds
        .into_iter()
        .zip(mins)
        .filter_map(|(k, m)| Some((k?, m.unwrap_or(0))))
        .collect();
    for k in KINDS {
        let m = minutes.get(k.code).copied().unwrap_or(0);
        let rate = model.labour.rate(k.code);
        let hours = m as f64 / 60.0;
        out.lines.push(CostLine {
            part: "labour_tickets",
            item: k.code.into(),
            source: "tickets.work_minutes",
            measure: Measure::Hours,
            quantity: Some(hours),
            rate,
            amount: Some(hours * rate),
        });
    }
    let missing = resolved.filter(col("work_minutes").is_null()).collect()?;
    out.gaps.push(Gap::of("tickets", "work_minutes", &missing)?);
    Ok(())
}

fn calls_lines(
    model: &CostModel,
    src: Option<&SourceData>,
    p: Period,
    out: &mut CostKpis,
) -> PolarsResult<()> {
    let Some(s) = src.filter(|s| s.covers(p.start_ms(), p.end_ms())) else {
        out.lines.push(CostLine {
            part: "labour_calls",
            item: "calls".into(),
            source: "calls.talk_seconds+wrap_seconds",
            measure: Measure::Hours,
            quantity: None,
            rate: model.labour.helpdesk_rate,
            amount: None,
        });
        out.lines.push(CostLine {
            part: "telephony",
            item: "talk".into(),
            source: "calls.talk_seconds",
            measure: Measure::Minutes,
            quantity: None,
            rate: model.telephony.per_minute,
            amount: None,
        });
        for (name, monthly) in &model.telephony.lines {
            out.lines.push(fixed("telephony", name, p, *monthly));
        }
        return Ok(());
    };
    // Without a wrap column the handled time is unknown: call labour is
    // データなし rather than talk time alone (telephony needs talk only).
    let has_wrap = s.present.contains("wrap_seconds");
    // Answered as in the call KPIs: outcome answered, or a transfer after the answer.
    let answered = col("outcome").eq(lit("answered")).or(col("outcome")
        .eq(lit("overflow"))
        .and(col("answered_at").is_not_null()));
    let df = s
        .frame
        .clone()
        .lazy()
        .filter(super::within("offered_at", p.start_ms(), p.end_ms()).and(answered))
        .collect()?;
    let (talk, wrap) = (
        frame::i64s(&df, "talk_seconds")?,
        frame::i64s(&df, "wrap_seconds")?,
    );
    let (mut talk_s, mut handled_s) = (0i64, 0i64);
    let mut missing = Vec::new();
    for (i, (t, w)) in talk.iter().zip(&wrap).enumerate() {
        match t {
            Some(t) => {
                talk_s += t;
                handled_s += t + w.unwrap_or(0);
            }
            None => missing.push(i as IdxSize),
        }
    }
    let missing = df.take(&IdxCa::from_vec("i".into(), missing))?;
    let hours = Some(handled_s as f64 / 3600.0).filter(|_| has_wrap);
    let minutes = talk_s as f64 / 60.0;
    let (hr, pm) = (model.labour.helpdesk_rate, model.telephony.per_minute);
    out.lines.push(CostLine {
        part: "labour_calls",
        item: "calls".into(),
        source: "calls.talk_seconds+wrap_seconds",
        measure: Measure::Hours,
        quantity: hours,
        rate: hr,
        amount: hours.map(|h| h * hr),
    });
    out.lines.push(CostLine {
        part: "telephony",
        item: "talk".into(),
        source: "calls.talk_seconds",
        measure: Measure::Minutes,
        quantity: Some(minutes),
        rate: pm,
        amount: Some(minutes * pm),
    });
    for (name, monthly) in &model.telephony.lines {
        out.lines.push(fixed("telephony", name, p, *monthly));
    }
    out.gaps.push(Gap::of("calls", "talk_seconds", &missing)?);
    Ok(())
}

fn storage(
    model: &CostModel,
    src: Option<&SourceData>,
    p: Period,
    out: &mut CostKpis,
) -> PolarsResult<()> {
    let rate = model.storage.per_gib_month;
    // A backups source without a size column cannot be charged: データなし.
    let Some(s) =
        src.filter(|s| s.covers(p.start_ms(), p.end_ms()) && s.present.contains("size_bytes"))
    else {
        out.lines.push(CostLine {
            part: "storage",
            item: "backups".into(),
            source: "backups.size_bytes",
            measure: Measure::Gib,
            quantity: None,
            rate,
            amount: None,
        });
        return Ok(());
    };
    let df = s
        .frame
        .clone()
        .lazy()
        .filter(
            super::within("started_at", p.start_ms(), p.end_ms())
                .and(col("status").eq(lit("success"))),
        )
        .collect()?;
    let sizes = frame::i64s(&df, "size_bytes")?;
    let bytes: i64 = sizes.iter().flatten().sum();
    let missing = df.filter(&df.column("size_bytes")?.is_null())?;
    let gib = bytes as f64 / (1u64 << 30) as f64;
    out.lines.push(CostLine {
        part: "storage",
        item: "backups".into(),
        source: "backups.size_bytes",
        measure: Measure::Gib,
        quantity: Some(gib),
        rate,
        amount: Some(gib * rate),
    });
    out.gaps.push(Gap::of("backups", "size_bytes", &missing)?);
    Ok(())
}

/// Unit costs (`cost.unit.*`) from the cost and the period's other figures:
/// ticket labour ÷ tickets resolved; (call labour + telephony) ÷ calls
/// answered; infrastructure ÷ job runs. データなし when a side is missing;
/// 対象なし when the count is 0 (nothing resolved, answered or run: the
/// source covers the period, there is nothing to divide by).
pub fn unit_costs(cost: &Figures, other: &Figures) -> Figures {
    let mut f = Figures::default();
    let per = |num: Fig, den: Fig| match (num, den) {
        (Fig::NoData, _) | (_, Fig::NoData) => Fig::NoData,
        (_, Fig::NoPopulation) | (_, Fig::Value(0.0)) => Fig::NoPopulation,
        (Fig::Value(n), Fig::Value(d)) => Fig::Value(n / d),
        (Fig::NoPopulation, _) => Fig::NoPopulation,
    };
    f.put(
        "cost.unit.per_ticket_resolved",
        per(
            cost.fig("cost.labour_tickets"),
            other.fig("tickets.resolved.total"),
        ),
    );
    let calls = match (cost.fig("cost.labour_calls"), cost.fig("cost.telephony")) {
        (Fig::Value(a), Fig::Value(b)) => Fig::Value(a + b),
        _ => Fig::NoData,
    };
    f.put(
        "cost.unit.per_call_answered",
        per(calls, other.fig("calls.answered")),
    );
    f.put(
        "cost.unit.per_job_run",
        per(cost.fig("cost.infrastructure"), other.fig("jobs.runs")),
    );
    f
}

/// The month-to-date figures of day D: the cost of the month's first day
/// through D and the budget pro-rated over those days, under `cost.mtd.*`;
/// and the rows of those days that added nothing.
pub fn month_to_date(
    model: Option<&CostModel>,
    tickets: Option<&SourceData>,
    calls: Option<&SourceData>,
    backups: Option<&SourceData>,
    day: NaiveDate,
) -> PolarsResult<(Figures, Vec<Gap>)> {
    let p = Period {
        first: Period::month_of(day).first,
        end_day: day + chrono::Duration::days(1),
    };
    let k = compute(model, tickets, calls, backups, p)?;
    let mut f = Figures::default();
    for (key, v) in k.figures.0 {
        if key.starts_with("cost.detail.")
            || key.starts_with("cost.quantity.")
            || key.starts_with("cost.inputs.")
        {
            continue;
        }
        f.0.insert(key.replacen("cost.", "cost.mtd.", 1), v);
    }
    let month = model.map(|m| budget(m, Period::month_of(day)));
    f.set(
        "cost.mtd.month_budget",
        month.and_then(|b| sum(b.into_values())),
    );
    Ok((f, k.gaps))
}

/// One month of the fiscal year in the budget-vs-actual table.
#[derive(Debug, Clone, PartialEq)]
pub struct FyMonth {
    pub month: Period,
    /// Budget per category (None = not set).
    pub budget: BTreeMap<&'static str, Option<f64>>,
    /// Actual per category for months up to the report month (None = データなし);
    /// empty for the months ahead.
    pub actual: Option<BTreeMap<&'static str, Option<f64>>>,
    /// Forecast per category for the months ahead.
    pub forecast: Option<BTreeMap<&'static str, Option<f64>>>,
    /// The actuals are the confirmed amounts of `cost.toml`.
    pub confirmed: bool,
}

impl FyMonth {
    /// Total of a per-category map.
    pub fn total(m: &BTreeMap<&'static str, Option<f64>>) -> Option<f64> {
        sum(CATEGORIES.iter().map(|c| m.get(c).copied().flatten()))
    }
}

/// The fiscal year of `month` (April → March): `actuals` are the months
/// April → `month` in order with their per-category actuals and whether they
/// are confirmed amounts. Returns the twelve months and `cost.fy.*` figures.
pub fn fiscal_year(
    model: Option<&CostModel>,
    month: Period,
    actuals: &[(Period, BTreeMap<&'static str, Option<f64>>, bool)],
) -> (Vec<FyMonth>, Figures) {
    let fy = Period::fiscal_year_of(month.first);
    let mut months = Vec::new();
    let mut m = Period::month_of(fy.first);
    while m.first < fy.end_day {
        months.push(m);
        m = Period::month_of(m.end_day);
    }
    let no_budget = || {
        CATEGORIES
            .iter()
            .map(|c| (*c, None))
            .collect::<BTreeMap<_, _>>()
    };
    let budgets: Vec<BTreeMap<&'static str, Option<f64>>> = months
        .iter()
        .map(|m| model.map_or_else(no_budget, |md| budget(md, *m)))
        .collect();
    let n_done = actuals.len();
    // Mean of the last three months of actuals in this fiscal year, per category.
    let last = &actuals[n_done.saturating_sub(3)..];
    let mean: BTreeMap<&'static str, Option<f64>> = CATEGORIES
        .iter()
        .map(|c| {
            let v: Option<f64> = sum(last.iter().map(|(_, a, _)| a.get(c).copied().flatten()));
            (
                *c,
                v.filter(|_| !last.is_empty())
                    .map(|v| (v / last.len() as f64).round()),
            )
        })
        .collect();
    let mut out = Vec::new();
    let mut f = Figures::default();
    // Running totals: the budget over the year, the actuals to the report
    // month, and the forecast from the report month on (starting from the
    // actual to date, so the chart's lines meet).
    let (mut cum_budget, mut cum_actual) = (Some(0.0), Some(0.0));
    for (i, (m, b)) in months.iter().zip(&budgets).enumerate() {
        let label = m.month_label();
        let (actual, forecast, confirmed) = if i < n_done {
            (Some(actuals[i].1.clone()), None, actuals[i].2)
        } else {
            (None, Some(mean.clone()), false)
        };
        f.set(format!("cost.fy.months.{label}.budget"), FyMonth::total(b));
        f.set(
            format!("cost.fy.months.{label}.actual"),
            actual.as_ref().and_then(FyMonth::total),
        );
        f.set(
            format!("cost.fy.months.{label}.forecast"),
            forecast.as_ref().and_then(FyMonth::total),
        );
        cum_budget = cum_budget.zip(FyMonth::total(b)).map(|(a, b)| a + b);
        cum_actual = cum_actual
            .zip(
                actual
                    .as_ref()
                    .or(forecast.as_ref())
                    .and_then(FyMonth::total),
            )
            .map(|(a, b)| a + b);
        f.set(
            format!("cost.fy.months.{label}.cumulative_budget"),
            cum_budget,
        );
        let is_actual = actual.is_some();
        f.set(
            format!("cost.fy.months.{label}.cumulative_actual"),
            cum_actual.filter(|_| is_actual),
        );
        f.set(
            format!("cost.fy.months.{label}.cumulative_forecast"),
            cum_actual.filter(|_| !is_actual || i + 1 == n_done),
        );
        for c in CATEGORIES {
            f.set(
                format!("cost.fy.months.{label}.{c}.budget"),
                b.get(c).copied().flatten(),
            );
            f.set(
                format!("cost.fy.months.{label}.{c}.actual"),
                actual.as_ref().and_then(|a| a.get(c).copied().flatten()),
            );
        }
        out.push(FyMonth {
            month: *m,
            budget: b.clone(),
            actual,
            forecast,
            confirmed,
        });
    }
    let remaining = (months.len() - n_done) as f64;
    for c in CATEGORIES.iter().copied().chain(["total"]) {
        let pick = |m: &BTreeMap<&'static str, Option<f64>>| {
            if c == "total" {
                FyMonth::total(m)
            } else {
                m.get(c).copied().flatten()
            }
        };
        let budget_year: Option<f64> = sum(budgets.iter().map(pick));
        let budget_to_date: Option<f64> = sum(budgets[..n_done].iter().map(pick));
        let actual_to_date: Option<f64> = if n_done == 0 {
            None
        } else {
            sum(actuals.iter().map(|(_, a, _)| pick(a)))
        };
        let mean_c = if c == "total" {
            FyMonth::total(&mean)
        } else {
            mean.get(c).copied().flatten()
        };
        let forecast = actual_to_date.zip(mean_c).map(|(a, m)| a + remaining * m);
        let prefix = if c == "total" {
            "cost.fy".to_string()
        } else {
            format!("cost.fy.by_category.{c}")
        };
        f.set(format!("{prefix}.budget"), budget_year);
        f.set(format!("{prefix}.budget_to_date"), budget_to_date);
        f.set(format!("{prefix}.actual_to_date"), actual_to_date);
        let (v, vp) = variance(actual_to_date, budget_to_date);
        f.set(format!("{prefix}.variance_to_date"), v);
        f.set(format!("{prefix}.variance_to_date_pct"), vp);
        f.set(format!("{prefix}.forecast"), forecast);
        let (v, vp) = variance(forecast, budget_year);
        f.set(format!("{prefix}.forecast_variance"), v);
        f.set(format!("{prefix}.forecast_variance_pct"), vp);
    }
    f.count("cost.fy.months_actual", Some(n_done));
    f.count("cost.fy.forecast_basis_months", Some(last.len()));
    (out, f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_costs_tell_nothing_to_divide_by_from_no_data() {
        let mut cost = Figures::default();
        cost.set("cost.labour_tickets", Some(12_000.0));
        cost.set("cost.labour_calls", Some(3_000.0));
        cost.set("cost.telephony", Some(1_500.0));
        // infrastructure unknown (no model line for it).
        cost.set("cost.infrastructure", None);
        let mut other = Figures::default();
        // 3 tickets resolved; calls covered but none answered; 5 job runs.
        other.set("tickets.resolved.total", Some(3.0));
        other.set("calls.answered", Some(0.0));
        other.set("jobs.runs", Some(5.0));
        let f = unit_costs(&cost, &other);
        // 12,000 ÷ 3 = 4,000 円/件.
        assert_eq!(f.fig("cost.unit.per_ticket_resolved"), Fig::Value(4_000.0));
        // (3,000 + 1,500) ÷ 0: nothing answered → 対象なし, not データなし.
        assert_eq!(f.fig("cost.unit.per_call_answered"), Fig::NoPopulation);
        // The cost side is missing → データなし.
        assert_eq!(f.fig("cost.unit.per_job_run"), Fig::NoData);
        // Calls absent altogether → データなし.
        other.set("calls.answered", None);
        let f = unit_costs(&cost, &other);
        assert_eq!(f.fig("cost.unit.per_call_answered"), Fig::NoData);
        // A count that is itself 対象なし stays 対象なし.
        other.measured("tickets.resolved.total", None);
        let f = unit_costs(&cost, &other);
        assert_eq!(f.fig("cost.unit.per_ticket_resolved"), Fig::NoPopulation);
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn fixed_amounts_pro_rate_by_calendar_days() {
        let oct = Period::month_of(d("2026-10-01"));
        assert_eq!(pro_rate(oct, 310_000.0), 310_000.0);
        assert_eq!(pro_rate(Period::day(d("2026-10-15")), 310_000.0), 10_000.0);
        // Week 2026-09-28 … 10-04: 3 days of September (30) and 4 of
        // October (31): 310,000 × 3/30 + 310,000 × 4/31 = 31,000 + 40,000.
        let w = Period::week_of(d("2026-10-01"));
        assert!((pro_rate(w, 310_000.0) - 71_000.0).abs() < 1e-6);
    }

    #[test]
    fn lines_add_up_to_the_rounded_part() {
        // 12 hosts pro-rated for one day of October: each ÷ 31.
        let hosts = [
            80_000.0, 80_000.0, 80_000.0, 80_000.0, 120_000.0, 90_000.0, 150_000.0, 250_000.0,
            250_000.0, 130_000.0, 60_000.0, 60_000.0,
        ];
        let exact: Vec<f64> = hosts.iter().map(|h| h / 31.0).collect();
        let r = apportion(&exact);
        // Σ = 1,430,000 ÷ 31 = 46,129.03 → 46,129, where rounding each host
        // separately gives 46,131.
        assert_eq!(r.iter().sum::<f64>(), 46_129.0);
        assert_eq!(exact.iter().map(|x| x.round()).sum::<f64>(), 46_131.0);
        assert!(r.iter().zip(&exact).all(|(a, e)| (a - e).abs() < 1.0));
        assert_eq!(
            apportion(&[1.5, 1.5]),
            vec![2.0, 1.0],
            "ties go to the earlier line"
        );
        assert_eq!(
            apportion(&[1000.0000000001, 2249.9999999999]),
            vec![1000.0, 2250.0]
        );
    }

    #[test]
    fn variance_is_actual_minus_budget() {
        assert_eq!(variance(Some(110.0), Some(100.0)), (Some(10.0), Some(10.0)));
        assert_eq!(variance(Some(5.0), Some(0.0)), (Some(5.0), None));
        assert_eq!(variance(None, Some(100.0)), (None, None));
    }
}
