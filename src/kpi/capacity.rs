//! Capacity figures (kpis.md "Capacity"): per host × metric × resource mean,
//! p95 (nearest-rank), max and sample count; samples strictly above the warn
//! and critical thresholds and the time above them (samples × the series'
//! median sampling step).
//!
//! Trend: least-squares slope per day of every sample of the series in the
//! 30 days before the period end (history read with the period), fitted on
//! (days, value). It needs samples spanning at least 7 days, else データなし.
//! For disk metrics (`disk*`) with a positive slope: days until 100 % and
//! until the critical threshold, from the fitted value at the period end
//! (0 when already there).

use super::{mean, Figures};
use crate::config::CapacityConfig;
use crate::frame;
use crate::ingest::SourceData;
use crate::time::{Period, MS_PER_MIN};
use polars::prelude::*;

/// Statistics of one series.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesStats {
    pub host: String,
    pub metric: String,
    pub resource: Option<String>,
    pub mean: f64,
    pub p95: f64,
    pub max: f64,
    pub count: usize,
    pub warn: Option<f64>,
    pub crit: Option<f64>,
    pub warn_samples: usize,
    pub crit_samples: usize,
    /// None when the step is unknown (a single sample).
    pub warn_minutes: Option<f64>,
    pub crit_minutes: Option<f64>,
    /// Least-squares slope per day over the last 30 days (None: < 7 days of history).
    pub slope_per_day: Option<f64>,
    /// Disk only, positive slope: days until 100 %.
    pub days_to_full: Option<f64>,
    /// Disk only, positive slope: days until the critical threshold.
    pub days_to_crit: Option<f64>,
}

/// Days of history the trend uses, and the least span it needs.
pub const TREND_DAYS: i64 = 30;
const TREND_MIN_SPAN_DAYS: f64 = 7.0;

impl SeriesStats {
    /// The figure-key stem `capacity.<host>.<metric>[@<resource>]`.
    pub fn key(&self) -> String {
        match &self.resource {
            Some(r) => format!("capacity.{}.{}@{}", self.host, self.metric, r),
            None => format!("capacity.{}.{}", self.host, self.metric),
        }
    }
}

/// Capacity results (None = データなし).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CapacityKpis {
    /// Figures under `capacity.*`.
    pub figures: Figures,
    /// Every series, sorted by host, metric, resource.
    pub series: Option<Vec<SeriesStats>>,
}

/// Compute capacity statistics for the period.
pub fn compute(
    src: Option<&SourceData>,
    p: Period,
    cfg: &CapacityConfig,
) -> PolarsResult<CapacityKpis> {
    let mut out = CapacityKpis::default();
    let Some(s) = src.filter(|s| s.covers(p.start_ms(), p.end_ms())) else {
        out.figures.set("capacity.series", None);
        return Ok(out);
    };
    // One pass: polars groups the samples of the period and of the 30 days
    // before its end (multi-threaded) into one row per series with its
    // times and values as lists; each series' statistics are sequential.
    let (start, end) = (p.start_ms(), p.end_ms());
    let trend_start = end - TREND_DAYS * 86_400_000;
    let lo = start.min(trend_start);
    let mut lf = s.frame.clone().lazy();
    // Filtering copies every column; skip it when all the data is inside.
    if !s.coverage.is_some_and(|(a, b)| a >= lo && b < end) {
        lf = lf.filter(super::within("sampled_at", lo, end));
    }
    let df = lf
        .group_by([col("host"), col("metric"), col("resource")])
        .agg([
            col("sampled_at").cast(DataType::Int64).alias("__t"),
            col("value").alias("__v"),
        ])
        .sort(
            ["host", "metric", "resource"],
            SortMultipleOptions::default().with_nulls_last(false),
        )
        .collect()?;
    let (host, metric, res) = (
        frame::str_ca(&df, "host")?,
        frame::str_ca(&df, "metric")?,
        frame::str_ca(&df, "resource")?,
    );
    let (tl, vl) = (df.column("__t")?.list()?, df.column("__v")?.list()?);
    let mut series = Vec::new();
    for i in 0..df.height() {
        let (Some(h), Some(m)) = (host.get(i), metric.get(i)) else {
            continue;
        };
        let r = res.get(i);
        let (Some(ts), Some(vs)) = (tl.get_as_series(i), vl.get_as_series(i)) else {
            continue;
        };
        let vs = vs.cast(&DataType::Float64)?;
        let mut points: Vec<(i64, f64)> = ts
            .i64()?
            .iter()
            .zip(vs.f64()?.iter())
            .filter_map(|(t, v)| Some((t?, v?)))
            .collect();
        points.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let fit = fit_trend(
            &points[points.partition_point(|x| x.0 < trend_start)..],
            end,
        );
        let points = &points[points.partition_point(|x| x.0 < start)..];
        if points.is_empty() {
            continue; // only history before the period
        }
        let times: Vec<i64> = points.iter().map(|x| x.0).collect();
        let mut v: Vec<f64> = points.iter().map(|x| x.1).collect();
        let mut steps: Vec<f64> = times
            .windows(2)
            .map(|w| (w[1] - w[0]) as f64 / MS_PER_MIN as f64)
            .collect();
        let step = median_unsorted(&mut steps);
        let th = cfg.for_metric(m);
        let warn_samples = th.map_or(0, |t| v.iter().filter(|&&x| x > t.warn).count());
        let crit_samples = th.map_or(0, |t| v.iter().filter(|&&x| x > t.crit).count());
        let mu = mean(&v).unwrap_or(f64::NAN);
        let p95 = nearest_rank_unsorted(&mut v, 0.95);
        let max = v.iter().copied().fold(f64::NAN, f64::max);
        let slope = fit.map(|(b, _)| b);
        let until = |limit: Option<f64>| -> Option<f64> {
            let (b, at_end) = fit?;
            (is_disk_pct(m) && b > 0.0).then_some(((limit? - at_end) / b).max(0.0))
        };
        series.push(SeriesStats {
            slope_per_day: slope,
            days_to_full: until(Some(100.0)),
            days_to_crit: until(th.map(|t| t.crit)),
            host: h.to_string(),
            metric: m.to_string(),
            resource: r.map(str::to_string),
            mean: mu,
            p95: p95.unwrap_or(f64::NAN),
            max,
            count: v.len(),
            warn: th.map(|t| t.warn),
            crit: th.map(|t| t.crit),
            warn_samples,
            crit_samples,
            warn_minutes: th.and(step).map(|st| warn_samples as f64 * st),
            crit_minutes: th.and(step).map(|st| crit_samples as f64 * st),
        });
    }
    let f = &mut out.figures;
    f.count("capacity.series", Some(series.len()));
    for st in &series {
        let k = st.key();
        f.set(format!("{k}.mean"), Some(st.mean));
        f.set(format!("{k}.p95"), Some(st.p95));
        f.set(format!("{k}.max"), Some(st.max));
        f.count(format!("{k}.count"), Some(st.count));
        if st.warn.is_some() {
            f.count(format!("{k}.warn_samples"), Some(st.warn_samples));
            f.count(format!("{k}.crit_samples"), Some(st.crit_samples));
            f.set(format!("{k}.warn_minutes"), st.warn_minutes);
            f.set(format!("{k}.crit_minutes"), st.crit_minutes);
        }
        f.set(format!("{k}.slope_per_day"), st.slope_per_day);
        if is_disk_pct(&st.metric) {
            f.set(format!("{k}.days_to_full"), st.days_to_full);
            f.set(format!("{k}.days_to_crit"), st.days_to_crit);
        }
    }
    out.series = Some(series);
    Ok(out)
}

/// Nearest-rank percentile by selection (O(n), same value as sorting and
/// [`super::nearest_rank`]).
fn nearest_rank_unsorted(v: &mut [f64], p: f64) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let rank = ((p * v.len() as f64).ceil() as usize).clamp(1, v.len());
    Some(*v.select_nth_unstable_by(rank - 1, f64::total_cmp).1)
}

/// Median by selection (the mean of the two middle values for an even count).
fn median_unsorted(v: &mut [f64]) -> Option<f64> {
    let n = v.len();
    if n == 0 {
        return None;
    }
    let hi = *v.select_nth_unstable_by(n / 2, f64::total_cmp).1;
    if n % 2 == 1 {
        return Some(hi);
    }
    let lo = v[..n / 2].iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some((lo + hi) / 2.0)
}

/// A disk usage percentage (`disk_pct`, `disk_used_pct` …): has days-to-full.
fn is_disk_pct(metric: &str) -> bool {
    metric.starts_with("disk") && metric.ends_with("_pct")
}

/// Least squares of value against time in days before `end`: (slope per
/// day, fitted value at `end`). None with less than 7 days of samples.
fn fit_trend(points: &[(i64, f64)], end: i64) -> Option<(f64, f64)> {
    let (first, last) = (points.first()?, points.last()?);
    if ((last.0 - first.0) as f64 / 86_400_000.0) < TREND_MIN_SPAN_DAYS {
        return None;
    }
    let n = points.len() as f64;
    let (mut st, mut sv, mut stt, mut stv) = (0.0, 0.0, 0.0, 0.0);
    for &(t, v) in points {
        let t = (t - end) as f64 / 86_400_000.0;
        st += t;
        sv += v;
        stt += t * t;
        stv += t * v;
    }
    let den = n * stt - st * st;
    if den <= 0.0 {
        return None;
    }
    let b = (n * stv - st * sv) / den;
    Some((b, (sv - b * st) / n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_equals_sorting() {
        // Deterministic pseudo-random vectors of every length 1..60.
        let mut x = 12345u64;
        for n in 1..60 {
            let mut v: Vec<f64> = (0..n)
                .map(|_| {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    ((x >> 33) % 1000) as f64 / 10.0
                })
                .collect();
            let mut sorted = v.clone();
            sorted.sort_by(f64::total_cmp);
            assert_eq!(
                nearest_rank_unsorted(&mut v.clone(), 0.95),
                crate::kpi::nearest_rank(&sorted, 0.95),
                "n={n}"
            );
            assert_eq!(
                median_unsorted(&mut v),
                crate::kpi::median(&sorted),
                "n={n}"
            );
        }
    }
}
