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
use crate::ingest::SourceId;
use crate::time::Period;

use polars::prelude::*;
use std::collections::BTreeMap;

pub use crate::figures::{round6, Fig, Figures};

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
pub static OPTIONAL_COLUMNS: &[(SourceId, &str, &str)] = &[
    (SourceId::Tickets, "resolved_at", "tickets.resolved.*, tickets.backlog.*, SLA resolution clocks (unless closed_at), cost.labour_tickets"),
    (SourceId::Tickets, "first_response_at", "SLA response compliance sla.response.* (resolution answers it only when the column exists)"),
    (SourceId::Tickets, "first_contact_resolved", "tickets.fcr_pct"),
    (SourceId::Tickets, "escalated", "tickets.escalation_pct"),
    (SourceId::Tickets, "reopened", "tickets.reopen_pct"),
    (SourceId::Tickets, "change_class", "changes.by_class.*, changes.emergency_pct"),
    (SourceId::Tickets, "result", "changes.success_pct"),
    (SourceId::Tickets, "channel", "tickets.received_by_channel.*"),
    (SourceId::Tickets, "category", "top categories"),
    (SourceId::Tickets, "service_impact", "availability.* (稼働率)"),
    (SourceId::Tickets, "outage_start", "availability.* (稼働率)"),
    (SourceId::Tickets, "work_minutes", "cost.labour_tickets"),
    (SourceId::JobRuns, "attempt", "jobs.reruns, jobs.first_run_success_pct (unless scheduled_at groups attempts)"),
    (SourceId::JobRuns, "deadline", "jobs.late (unless [jobs.deadlines] in site.toml)"),
    (SourceId::Backups, "size_bytes", "cost.storage"),
    (SourceId::Calls, "wrap_seconds", "AHT without after-call work (talk only), cost.labour_calls"),
    (SourceId::Calls, "answered_at", "calls.asa_s, calls.service_level"),
];

/// Everything computed for one day.
pub struct DailyKpis {
    pub tickets: tickets::TicketKpis,
    pub jobs: jobs::JobKpis,
    pub backups: backups::BackupKpis,
    pub capacity: capacity::CapacityKpis,
    pub calls: calls::CallKpis,
    /// Cost of the period (`cost.*`); データなし without a cost model.
    pub cost: cost::CostKpis,
    /// Month-to-date cost of a day (`cost.mtd.*`); empty for a week.
    pub month_to_date: Figures,
}

impl DailyKpis {
    /// All figures in one map.
    pub fn figures(&self) -> Figures {
        let mut f = Figures::default();
        for part in [
            &self.tickets.figures,
            &self.jobs.figures,
            &self.backups.figures,
            &self.capacity.figures,
            &self.calls.figures,
            &self.cost.figures,
            &self.month_to_date,
        ] {
            f.extend(part.clone());
        }
        f
    }
}

/// Every KPI the daily report needs (pure: no I/O).
pub fn compute_daily(ds: &Dataset, cfg: &Config, p: Period) -> anyhow::Result<DailyKpis> {
    let s = &cfg.site;
    let mut k = DailyKpis {
        tickets: tickets::compute(ds.get(SourceId::Tickets), p, s.report.top_categories)?,
        jobs: jobs::compute(ds.get(SourceId::JobRuns), p, &cfg.deadlines)?,
        backups: backups::compute(
            ds.get(SourceId::Backups),
            p,
            &cfg.expected_backups,
            cfg.calendars.rule.as_ref(),
        )?,
        capacity: capacity::compute(ds.get(SourceId::Capacity), p, &s.capacity)?,
        calls: calls::compute(ds.get(SourceId::Calls), p, &s.calls, sl_target_pct(cfg))?,
        cost: Default::default(),
        month_to_date: Figures::default(),
    };
    k.cost = period_cost(
        ds,
        cfg,
        p,
        [&k.tickets.figures, &k.calls.figures, &k.jobs.figures],
    )?;
    Ok(k)
}

/// The months `[month − 11, month]`, oldest first.
pub fn trailing_months(month: Period, n: usize) -> Vec<Period> {
    let mut v = vec![month];
    while v.len() < n {
        let prev = v.last().expect("non-empty").previous_month();
        v.push(prev);
    }
    v.reverse();
    v
}

/// The month `n` trailing months, each month's KPIs, with the last two
/// (previous, current) kept whole.
pub fn month_series(
    ds: &Dataset,
    cfg: &Config,
    month: Period,
    n: usize,
    clocks: Option<&[sla::Clock]>,
) -> anyhow::Result<(Vec<(Period, Figures)>, PeriodKpis, PeriodKpis)> {
    let months = trailing_months(month, n);
    let mut trend = Vec::new();
    let mut last_two = Vec::new();
    for (i, m) in months.iter().enumerate() {
        let k = compute_period(ds, cfg, *m, clocks)?;
        trend.push((*m, k.figures()));
        if i + 2 >= months.len() {
            last_two.push(k);
        }
    }
    let (Some(current), Some(previous)) = (last_two.pop(), last_two.pop()) else {
        anyhow::bail!("a trend needs at least two months");
    };
    Ok((trend, previous, current))
}

/// The fiscal year of `month` up to it: each month's cost (the report
/// month's is `current`), then the year's figures ([`cost::fiscal_year`]).
pub fn fiscal_year_cost(
    ds: &Dataset,
    cfg: &Config,
    month: Period,
    current: &cost::CostKpis,
) -> anyhow::Result<(Vec<cost::FyMonth>, Figures)> {
    let mut actuals = Vec::new();
    let mut m = Period::month_of(Period::fiscal_year_of(month.first).first);
    while m.first < month.first {
        let k = cost::compute_month(
            cfg.cost.as_ref(),
            ds.get(SourceId::Tickets),
            ds.get(SourceId::Calls),
            ds.get(SourceId::Backups),
            m,
        )?;
        actuals.push((m, k.category_actuals(), k.confirmed));
        m = Period::month_of(m.end_day);
    }
    actuals.push((month, current.category_actuals(), current.confirmed));
    Ok(cost::fiscal_year(cfg.cost.as_ref(), month, &actuals))
}

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
        let cap = scope.spawn(|| capacity::compute(ds.get(SourceId::Capacity), p, &s.capacity));
        let cost = period_cost_lines(ds, cfg, p);
        let rest = (|| -> anyhow::Result<_> {
            Ok((
                tickets::compute(ds.get(SourceId::Tickets), p, s.report.top_categories)?,
                sla::compute(ds.get(SourceId::Tickets), clocks, p, &cfg.sla_targets),
                availability::compute(ds.get(SourceId::Tickets), p, cfg)?,
                jobs::compute(ds.get(SourceId::JobRuns), p, &cfg.deadlines)?,
                backups::compute(
                    ds.get(SourceId::Backups),
                    p,
                    &cfg.expected_backups,
                    cfg.calendars.rule.as_ref(),
                )?,
                calls::compute(ds.get(SourceId::Calls), p, &s.calls, sl_target_pct(cfg))?,
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
    let (t, c, b) = (
        ds.get(SourceId::Tickets),
        ds.get(SourceId::Calls),
        ds.get(SourceId::Backups),
    );
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
}
