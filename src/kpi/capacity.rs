//! Capacity figures (kpis.md "Capacity"): per host × metric × resource mean,
//! p95 (nearest-rank), max and sample count; samples strictly above the warn
//! and critical thresholds and the time above them (samples × the series'
//! median sampling step).

use super::{mean, median, nearest_rank, Figures};
use crate::config::CapacityConfig;
use crate::frame;
use crate::ingest::SourceData;
use crate::time::{Period, MS_PER_MIN};
use polars::prelude::*;
use std::collections::BTreeMap;

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
}

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
pub fn compute(src: Option<&SourceData>, p: Period, cfg: &CapacityConfig) -> PolarsResult<CapacityKpis> {
    let mut out = CapacityKpis::default();
    let Some(s) = src.filter(|s| s.covers(p.start_ms(), p.end_ms())) else {
        out.figures.set("capacity.series", None);
        return Ok(out);
    };
    let df = s
        .frame
        .clone()
        .lazy()
        .filter(super::within("sampled_at", p.start_ms(), p.end_ms()))
        .sort(["host", "metric", "resource", "sampled_at"], SortMultipleOptions::default().with_nulls_last(false))
        .collect()?;
    let (host, metric, res) = (frame::str_ca(&df, "host")?, frame::str_ca(&df, "metric")?, frame::str_ca(&df, "resource")?);
    let at = frame::i64s(&df, "sampled_at")?;
    let val = frame::f64s(&df, "value")?;
    let mut groups: BTreeMap<(&str, &str, Option<&str>), Vec<usize>> = BTreeMap::new();
    for i in 0..df.height() {
        let (Some(h), Some(m)) = (host.get(i), metric.get(i)) else { continue };
        groups.entry((h, m, res.get(i))).or_default().push(i);
    }
    let mut series = Vec::new();
    for ((h, m, r), idx) in groups {
        let mut v: Vec<f64> = idx.iter().filter_map(|&i| val[i]).collect();
        let times: Vec<i64> = idx.iter().filter_map(|&i| at[i]).collect();
        let mut steps: Vec<f64> = times.windows(2).map(|w| (w[1] - w[0]) as f64 / MS_PER_MIN as f64).collect();
        steps.sort_by(f64::total_cmp);
        let step = median(&steps);
        let th = cfg.for_metric(m);
        let warn_samples = th.map_or(0, |t| v.iter().filter(|&&x| x > t.warn).count());
        let crit_samples = th.map_or(0, |t| v.iter().filter(|&&x| x > t.crit).count());
        let mu = mean(&v).unwrap_or(f64::NAN);
        v.sort_by(f64::total_cmp);
        series.push(SeriesStats {
            host: h.to_string(),
            metric: m.to_string(),
            resource: r.map(str::to_string),
            mean: mu,
            p95: nearest_rank(&v, 0.95).unwrap_or(f64::NAN),
            max: *v.last().unwrap_or(&f64::NAN),
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
    }
    out.series = Some(series);
    Ok(out)
}
