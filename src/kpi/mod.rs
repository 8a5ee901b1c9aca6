//! KPI engine: pure functions from canonical tables to figures (kpis.md).
//!
//! No file I/O here. Each module takes the canonical frames (as polars
//! `LazyFrame`s where the work is filtering and grouping, as column vectors
//! where it is sequential) and a [`Period`], and returns figures under the
//! stable keys of figures.md plus the detail rows the reports list.
//! A figure is `None` (データなし) when its source is absent or does not cover
//! the period, or when its denominator is zero — never 0 or 100 %.

pub mod availability;
pub mod backups;
pub mod calls;
pub mod capacity;
pub mod cost;
pub mod itsm;
pub mod jobs;
pub mod sla;
pub mod tickets;

use crate::config::Config;
use crate::ingest::Dataset;
use crate::time::Period;

use polars::prelude::*;
use std::collections::BTreeMap;

/// A figure: its value, or why it has none (kpis.md).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fig {
    /// A value.
    Value(f64),
    /// データなし: the source is absent, does not cover the period, or lacks
    /// the column the figure needs. A reader concludes collection failed.
    NoData,
    /// 対象なし: the source covers the period but there is nothing to
    /// measure (a rate whose denominator is 0, a mean of no values).
    NoPopulation,
}

impl Fig {
    /// The value, if any.
    pub fn value(self) -> Option<f64> {
        match self {
            Fig::Value(v) => Some(v),
            _ => None,
        }
    }
    /// From a value that is `None` because the source has no data.
    pub fn or_no_data(v: Option<f64>) -> Fig {
        v.map_or(Fig::NoData, Fig::Value)
    }
    /// From a value that is `None` because there is nothing to measure.
    pub fn or_no_population(v: Option<f64>) -> Fig {
        v.map_or(Fig::NoPopulation, Fig::Value)
    }
    /// Combine two figures into one computed from both (a change between
    /// periods): データなし if either has no data, else 対象なし if either
    /// has nothing to measure.
    pub fn zip_with(self, other: Fig, f: impl Fn(f64, f64) -> f64) -> Fig {
        match (self, other) {
            (Fig::Value(a), Fig::Value(b)) => Fig::Value(f(a, b)),
            (Fig::NoData, _) | (_, Fig::NoData) => Fig::NoData,
            _ => Fig::NoPopulation,
        }
    }
}

impl serde::Serialize for Fig {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Fig::Value(v) => s.serialize_f64(*v),
            _ => s.serialize_none(),
        }
    }
}

/// Flat map of figure key → figure. The JSON writes a value or `null`
/// (データなし and 対象なし alike; the report's `items` tell them apart).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Figures(pub BTreeMap<String, Fig>);

impl Figures {
    /// Set a figure (rounded to 6 decimals so documents and JSON agree
    /// exactly); `None` = データなし.
    pub fn set(&mut self, key: impl Into<String>, v: Option<f64>) {
        self.put(key, Fig::or_no_data(v));
    }
    /// Set a figure of a source that covers the period; `None` = 対象なし
    /// (nothing to measure: a zero denominator, no values).
    pub fn measured(&mut self, key: impl Into<String>, v: Option<f64>) {
        self.put(key, Fig::or_no_population(v));
    }
    /// Set a figure as it is.
    pub fn put(&mut self, key: impl Into<String>, v: Fig) {
        let v = match v {
            Fig::Value(x) => Fig::Value(round6(x)),
            other => other,
        };
        self.0.insert(key.into(), v);
    }
    /// Set a count.
    pub fn count(&mut self, key: impl Into<String>, v: Option<usize>) {
        self.set(key, v.map(|n| n as f64));
    }
    /// A figure's value; `None` when absent, データなし or 対象なし.
    pub fn get(&self, key: &str) -> Option<f64> {
        self.0.get(key).and_then(|f| f.value())
    }
    /// A figure; データなし when absent.
    pub fn fig(&self, key: &str) -> Fig {
        self.0.get(key).copied().unwrap_or(Fig::NoData)
    }
    /// Merge another set of figures.
    pub fn extend(&mut self, other: Figures) {
        self.0.extend(other.0);
    }
}

/// Every KPI of one period (day, week, month or fiscal year).
#[derive(Debug, Clone)]
pub struct PeriodKpis {
    pub period: Period,
    pub tickets: tickets::TicketKpis,
    pub sla: sla::SlaKpis,
    pub availability: availability::AvailabilityKpis,
    pub jobs: jobs::JobKpis,
    pub backups: backups::BackupKpis,
    pub capacity: capacity::CapacityKpis,
    pub calls: calls::CallKpis,
    /// Cost of the period, with unit costs (`cost.*`).
    pub cost: cost::CostKpis,
}

impl PeriodKpis {
    /// All figures in one map.
    pub fn figures(&self) -> Figures {
        let mut f = Figures::default();
        for part in [
            &self.tickets.figures,
            &self.sla.figures,
            &self.availability.figures,
            &self.jobs.figures,
            &self.backups.figures,
            &self.capacity.figures,
            &self.calls.figures,
            &self.cost.figures,
        ] {
            f.extend(part.clone());
        }
        f
    }
}

/// Optional columns and the figures that are データなし without them
/// (source, column, what is lost), for `hokoku validate` and docs/KPI.md.
pub static OPTIONAL_COLUMNS: &[(&str, &str, &str)] = &[
    ("tickets", "resolved_at", "tickets.resolved.*, tickets.backlog.*, SLA resolution clocks (unless closed_at), cost.labour_tickets"),
    ("tickets", "first_response_at", "SLA response compliance sla.response.* (resolution answers it only when the column exists)"),
    ("tickets", "first_contact_resolved", "tickets.fcr_pct"),
    ("tickets", "escalated", "tickets.escalation_pct"),
    ("tickets", "reopened", "tickets.reopen_pct"),
    ("tickets", "change_class", "changes.by_class.*, changes.emergency_pct"),
    ("tickets", "result", "changes.success_pct"),
    ("tickets", "channel", "tickets.received_by_channel.*"),
    ("tickets", "category", "top categories"),
    ("tickets", "service_impact", "availability.* (稼働率)"),
    ("tickets", "outage_start", "availability.* (稼働率)"),
    ("tickets", "work_minutes", "cost.labour_tickets"),
    ("job_runs", "attempt", "jobs.reruns, jobs.first_run_success_pct (unless scheduled_at groups attempts)"),
    ("job_runs", "deadline", "jobs.late (unless [jobs.deadlines] in site.toml)"),
    ("backups", "size_bytes", "cost.storage"),
    ("calls", "wrap_seconds", "AHT without after-call work (talk only), cost.labour_calls"),
    ("calls", "answered_at", "calls.asa_s, calls.service_level"),
];

/// The service-level target (%) used for Erlang C staffing.
pub fn sl_target_pct(cfg: &Config) -> f64 {
    cfg.site
        .targets
        .get("calls.service_level")
        .and_then(|t| t.min)
        .unwrap_or(80.0)
}

/// Compute every KPI for `p`. `clocks` are the dataset's SLA clocks
/// ([`sla::clocks_of`]), computed once and shared across periods.
pub fn compute_period(
    ds: &Dataset,
    cfg: &Config,
    p: Period,
    clocks: Option<&[sla::Clock]>,
) -> anyhow::Result<PeriodKpis> {
    let s = &cfg.site;
    // Capacity (millions of samples) dominates; the other families run
    // beside it on this thread.
    std::thread::scope(|scope| {
        let cap = scope.spawn(|| capacity::compute(ds.get("capacity"), p, &s.capacity));
        let cost = period_cost_lines(ds, cfg, p);
        let rest = (|| -> anyhow::Result<_> {
            Ok((
                tickets::compute(ds.get("tickets"), p, s.report.top_categories)?,
                sla::compute(ds.get("tickets"), clocks, p, &cfg.sla_targets),
                availability::compute(ds.get("tickets"), p, cfg)?,
                jobs::compute(ds.get("job_runs"), p, &cfg.deadlines)?,
                backups::compute(ds.get("backups"), p, &cfg.expected_backups, cfg.calendars.rule.as_ref())?,
                calls::compute(ds.get("calls"), p, &s.calls, sl_target_pct(cfg))?,
            ))
        })();
        let capacity = cap
            .join()
            .map_err(|_| anyhow::anyhow!("capacity KPIs panicked"))??;
        let (tickets, sla, availability, jobs, backups, calls) = rest?;
        let cost = with_unit_costs(cost?, [&tickets.figures, &calls.figures, &jobs.figures]);
        Ok(PeriodKpis {
            period: p,
            tickets,
            sla,
            availability,
            jobs,
            backups,
            capacity,
            calls,
            cost,
        })
    })
}

/// The cost of `p` with its unit costs; `others` are the period's ticket,
/// call and job figures (the denominators).
pub fn period_cost(
    ds: &Dataset,
    cfg: &Config,
    p: Period,
    others: [&Figures; 3],
) -> anyhow::Result<cost::CostKpis> {
    Ok(with_unit_costs(period_cost_lines(ds, cfg, p)?, others))
}

/// The cost of `p` without unit costs (a calendar month may be confirmed).
fn period_cost_lines(ds: &Dataset, cfg: &Config, p: Period) -> PolarsResult<cost::CostKpis> {
    let (t, c, b) = (ds.get("tickets"), ds.get("calls"), ds.get("backups"));
    if Period::month_of(p.first) == p {
        cost::compute_month(cfg.cost.as_ref(), t, c, b, p)
    } else {
        cost::compute(cfg.cost.as_ref(), t, c, b, p)
    }
}

/// Add `cost.unit.*` from the period's ticket, call and job figures.
fn with_unit_costs(mut k: cost::CostKpis, others: [&Figures; 3]) -> cost::CostKpis {
    let mut all = Figures::default();
    for o in others {
        all.extend(o.clone());
    }
    k.figures.extend(cost::unit_costs(&k.figures, &all));
    k
}

/// The unit of a figure key, for the 単位 column of the workbook's 指標一覧
/// (総務省 machine-readable rules: the value alone in its cell, the unit
/// beside it). Derived from the key's naming rules (figures.md): `_pct` and
/// rates are %, `_min` minutes, `_s` seconds, `cost.*` yen; a change of a
/// percentage (`mom.`, `wow.`) is in points; runs and reruns are 回.
/// Anything else is a count (件).
pub fn figure_unit(key: &str) -> &'static str {
    let mut k = key;
    let mut change = false;
    loop {
        if let Some(rest) = k.strip_prefix("mom.").or_else(|| k.strip_prefix("wow.")) {
            change = true;
            k = rest;
        } else if let Some(rest) = k.strip_prefix("previous.") {
            k = rest;
        } else if let Some(rest) = k.strip_prefix("trend.").or_else(|| k.strip_prefix("days.")) {
            k = rest.split_once('.').map_or(rest, |x| x.1);
        } else {
            break;
        }
    }
    let last = k.rsplit('.').next().unwrap_or(k);
    let pct = last.ends_with("_pct")
        || last == "pct"
        || matches!(
            k,
            "calls.answer_rate" | "calls.abandon_rate" | "calls.service_level"
        );
    if pct {
        return if change { "pt" } else { "%" };
    }
    if k.starts_with("capacity.") && matches!(last, "mean" | "p95" | "max") {
        let metric = k.rsplitn(2, '.').nth(1).unwrap_or("");
        let metric = metric.split('@').next().unwrap_or(metric);
        return if metric.ends_with("_pct") {
            if change {
                "pt"
            } else {
                "%"
            }
        } else if metric.ends_with("_mbps") {
            "Mbps"
        } else {
            ""
        };
    }
    if k.starts_with("cost.quantity.") {
        return match last {
            "gib" => "GiB",
            "days" => "日",
            _ => "分",
        };
    }
    if k.starts_with("cost.") && last == "days" {
        return "日";
    }
    if k.starts_with("cost.fy.months_actual") || k.starts_with("cost.fy.forecast_basis_months") {
        return "か月";
    }
    if k.starts_with("cost.inputs.") {
        return "件";
    }
    if k.starts_with("cost.unit.per_ticket_resolved") {
        return "円/件";
    }
    if k.starts_with("cost.unit.per_call_answered") {
        return "円/呼";
    }
    if k.starts_with("cost.unit.per_job_run") {
        return "円/回";
    }
    if last.ends_with("_min") || last.ends_with("_minutes") {
        "分"
    } else if last.ends_with("_s") {
        "秒"
    } else if k.starts_with("cost.") {
        "円"
    } else if k.starts_with("calls.staffing.") {
        "人"
    } else if matches!(last, "runs" | "reruns") {
        "回"
    } else {
        "件"
    }
}

/// Round to 6 decimals.
pub fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

/// `100 × num / den`, or データなし when the denominator is 0.
pub fn pct(num: usize, den: usize) -> Option<f64> {
    (den > 0).then(|| 100.0 * num as f64 / den as f64)
}

/// Nearest-rank percentile of sorted values: the ⌈p·n⌉-th smallest.
pub fn nearest_rank(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}

/// Mean of values, データなし when empty.
pub fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// Median (mean of the two middle values for an even count).
pub fn median(sorted: &[f64]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// Filter expression: datetime column `c` within `[start, end)` (naive JST ms).
pub fn within(c: &str, start_ms: i64, end_ms: i64) -> Expr {
    let v = col(c).cast(DataType::Int64);
    v.clone().gt_eq(lit(start_ms)).and(v.lt(lit(end_ms)))
}

/// Count rows per value of `key` (nulls under `""`), sorted by key.
pub fn count_by(lf: LazyFrame, key: &str) -> PolarsResult<BTreeMap<String, usize>> {
    let df = lf
        .group_by([col(key)])
        .agg([len().alias("__n")])
        .collect()?;
    let keys = df.column(key)?.cast(&DataType::String)?;
    let keys = keys.str()?;
    let ns = df.column("__n")?.cast(&DataType::Int64)?;
    let ns = ns.i64()?;
    Ok(keys
        .iter()
        .zip(ns.iter())
        .map(|(k, n)| (k.unwrap_or("").to_string(), n.unwrap_or(0) as usize))
        .collect())
}

/// Number of rows.
pub fn count(lf: LazyFrame) -> PolarsResult<usize> {
    let df = lf.select([len().alias("__n")]).collect()?;
    Ok(df
        .column("__n")?
        .cast(&DataType::Int64)?
        .i64()?
        .get(0)
        .unwrap_or(0) as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0];
        // p95 of 10 values: rank ⌈9.5⌉ = 10 → 10; p90: rank 9 → 9.
        assert_eq!(nearest_rank(&v, 0.95), Some(10.0));
        assert_eq!(nearest_rank(&v, 0.90), Some(9.0));
        assert_eq!(median(&v), Some(5.5));
        assert_eq!(pct(0, 0), None);
        assert_eq!(pct(1, 4), Some(25.0));
    }

    #[test]
    fn figure_units_follow_the_key_rules() {
        assert_eq!(figure_unit("calls.answer_rate"), "%");
        assert_eq!(figure_unit("mom.calls.answer_rate"), "pt");
        assert_eq!(figure_unit("trend.2026-03.availability.SYS_A.pct"), "%");
        assert_eq!(figure_unit("days.2026-04-01.calls.offered"), "件");
        assert_eq!(figure_unit("previous.calls.asa_s"), "秒");
        assert_eq!(figure_unit("sla.response.incident.p1.mean_min"), "分");
        assert_eq!(figure_unit("capacity.db01.disk_pct@/data.p95"), "%");
        assert_eq!(figure_unit("capacity.web01.net_mbps.max"), "Mbps");
        assert_eq!(
            figure_unit("capacity.db01.disk_pct@/data.warn_minutes"),
            "分"
        );
        assert_eq!(figure_unit("capacity.db01.disk_pct@/data.count"), "件");
        assert_eq!(figure_unit("cost.total"), "円");
        assert_eq!(figure_unit("cost.variance_pct"), "%");
        assert_eq!(
            figure_unit("cost.fy.by_category.labour.forecast_variance_pct"),
            "%"
        );
        assert_eq!(
            figure_unit("cost.quantity.labour_tickets.incident.work_min"),
            "分"
        );
        assert_eq!(figure_unit("cost.quantity.storage.backups.gib"), "GiB");
        assert_eq!(figure_unit("cost.quantity.contracts.保守.days"), "日");
        assert_eq!(figure_unit("cost.unit.per_call_answered"), "円/呼");
        assert_eq!(
            figure_unit("cost.inputs.tickets_without_work_minutes"),
            "件"
        );
        assert_eq!(figure_unit("cost.fy.months.2026-04.actual"), "円");
        assert_eq!(figure_unit("calls.staffing.09.agents"), "人");
        assert_eq!(figure_unit("jobs.instances"), "件");
        assert_eq!(figure_unit("jobs.reruns"), "回");
        assert_eq!(figure_unit("schedule.next_month.jobs.daily.runs"), "回");
    }
}
