//! Call-centre figures (kpis.md "Calls (CTI)"): offered, short abandons,
//! answered, abandoned, timeout, overflow, 応答率, 放棄率, service level, ASA,
//! AHT and the hourly distribution.
//!
//! wait = answered_at − offered_at (answered) or ended_at − offered_at (not
//! answered). An abandon without ended_at has an unknown wait and is never a
//! short abandon. AHT = mean(talk + wrap) of answered calls; talk only when
//! the source has no wrap column; a call with an empty wrap cell is left out.

use super::{mean, pct, Figures};
use crate::config::CallsConfig;
use crate::frame;
use crate::ingest::SourceData;
use crate::time::{ms_to_dt, Period};
use chrono::Timelike;
use polars::prelude::*;

const KEYS: [&str; 11] = [
    "offered", "short_abandons", "answered", "abandoned", "timeout", "overflow", "answer_rate", "abandon_rate", "service_level", "asa_s", "aht_s",
];

/// Call results (None = データなし).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallKpis {
    /// Figures under `calls.*`.
    pub figures: Figures,
    /// Offered and answered calls per hour of day 0–23.
    pub hourly: Option<[(usize, usize); 24]>,
}

/// Compute call figures for the period.
pub fn compute(src: Option<&SourceData>, p: Period, cfg: &CallsConfig) -> PolarsResult<CallKpis> {
    let mut out = CallKpis::default();
    let Some(s) = src.filter(|s| s.covers(p.start_ms(), p.end_ms())) else {
        for k in KEYS {
            out.figures.set(format!("calls.{k}"), None);
        }
        return Ok(out);
    };
    let df = s.frame.clone().lazy().filter(super::within("offered_at", p.start_ms(), p.end_ms())).collect()?;
    let outcome = frame::strs(&df, "outcome")?;
    let (offered, answered, ended) = (frame::i64s(&df, "offered_at")?, frame::i64s(&df, "answered_at")?, frame::i64s(&df, "ended_at")?);
    let (talk, wrap) = (frame::i64s(&df, "talk_seconds")?, frame::i64s(&df, "wrap_seconds")?);
    let has_wrap = s.present.contains("wrap_seconds");
    let (mut n_ans, mut n_aband, mut n_short, mut n_timeout, mut n_overflow, mut n_sl) = (0, 0, 0, 0, 0, 0);
    let mut waits = Vec::new();
    let mut handle = Vec::new();
    let mut hourly = [(0usize, 0usize); 24];
    for i in 0..df.height() {
        let off = offered[i].expect("offered_at is required");
        let hour = ms_to_dt(off).hour() as usize;
        hourly[hour].0 += 1;
        let o = outcome[i].as_deref().unwrap_or("");
        let wait_s = |t: Option<i64>| t.map(|t| (t - off) as f64 / 1000.0);
        match o {
            "answered" => {
                n_ans += 1;
                hourly[hour].1 += 1;
                if let Some(w) = wait_s(answered[i]) {
                    waits.push(w);
                    if w <= cfg.service_level_s as f64 {
                        n_sl += 1;
                    }
                }
                let h = if has_wrap {
                    talk[i].zip(wrap[i]).map(|(t, w)| (t + w) as f64)
                } else {
                    talk[i].map(|t| t as f64)
                };
                handle.extend(h);
            }
            "abandoned" => match wait_s(ended[i]) {
                Some(w) if w < cfg.short_abandon_s as f64 => n_short += 1,
                _ => n_aband += 1,
            },
            "timeout" => n_timeout += 1,
            _ => n_overflow += 1,
        }
    }
    let n = df.height();
    let base = n - n_short;
    let f = &mut out.figures;
    f.count("calls.offered", Some(n));
    f.count("calls.short_abandons", Some(n_short));
    f.count("calls.answered", Some(n_ans));
    f.count("calls.abandoned", Some(n_aband));
    f.count("calls.timeout", Some(n_timeout));
    f.count("calls.overflow", Some(n_overflow));
    f.set("calls.answer_rate", pct(n_ans, base));
    f.set("calls.abandon_rate", pct(n_aband, base));
    f.set("calls.service_level", pct(n_sl, base));
    f.set("calls.asa_s", mean(&waits));
    f.set("calls.aht_s", mean(&handle));
    for (h, (o, a)) in hourly.iter().enumerate() {
        f.count(format!("calls.hourly.{h:02}.offered"), Some(*o));
        f.count(format!("calls.hourly.{h:02}.answered"), Some(*a));
    }
    out.hourly = Some(hourly);
    Ok(out)
}
