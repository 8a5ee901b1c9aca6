//! Call-centre figures (kpis.md "Calls (CTI)"): offered, short abandons,
//! answered, abandoned, timeout, overflow, 応答率, 放棄率, service level, ASA,
//! AHT and the hourly distribution.
//!
//! A row with outcome overflow (転送) but an `answered_at` was transferred
//! after the answer: it counts as answered.
//!
//! wait = answered_at − offered_at (answered) or ended_at − offered_at (not
//! answered). An abandon without ended_at has an unknown wait and is never a
//! short abandon. AHT = mean(talk + wrap) of answered calls; talk only when
//! the source has no wrap column; a call with an empty wrap cell is left out.
//!
//! Staffing (Erlang C): for each hour of day h, the traffic is
//! λ_h × AHT where λ_h = (offered − short abandons in hour h over the
//! period) ÷ (days of the period with any call): the calls of an average
//! operating day in that hour. Agents needed = the smallest N > traffic with
//! 1 − C(N, A)·e^(−(N − A)·T / AHT) ≥ the SL target (`[targets]
//! "calls.service_level"` min, else 80 %), T = the service-level threshold.

use super::{mean, pct, Fig, Figures};
use crate::config::CallsConfig;
use crate::frame;
use crate::ingest::SourceData;
use crate::time::{ms_to_dt, Period};
use chrono::{Datelike, Timelike};
use polars::prelude::*;

const KEYS: [&str; 11] = [
    "offered",
    "short_abandons",
    "answered",
    "abandoned",
    "timeout",
    "overflow",
    "answer_rate",
    "abandon_rate",
    "service_level",
    "asa_s",
    "aht_s",
];

/// Call results (None = データなし).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallKpis {
    /// Figures under `calls.*`.
    pub figures: Figures,
    /// Offered and answered calls per hour of day 0–23.
    pub hourly: Option<[(usize, usize); 24]>,
    /// Offered and answered calls per weekday, Monday first.
    pub weekday: Option<[(usize, usize); 7]>,
    /// Offered × (hour, weekday Monday first).
    pub heat: Option<[[usize; 7]; 24]>,
    /// Erlang C staffing per hour of day (None = データなし).
    pub staffing: Option<Vec<Staffing>>,
    /// One-hour intervals (date × hour) with calls, in time order.
    pub intervals: Option<Vec<CallInterval>>,
}

/// Counts of one one-hour interval.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CallInterval {
    /// Interval start (naive JST ms).
    pub start: i64,
    pub offered: usize,
    pub short_abandons: usize,
    pub answered: usize,
    pub abandoned: usize,
    /// Answered within the service-level threshold.
    pub within_sl: usize,
}

impl CallInterval {
    fn base(&self) -> usize {
        self.offered - self.short_abandons
    }
    /// 応答率 of the interval.
    pub fn answer_rate(&self) -> Option<f64> {
        pct(self.answered, self.base())
    }
    /// 放棄率 of the interval.
    pub fn abandon_rate(&self) -> Option<f64> {
        pct(self.abandoned, self.base())
    }
    /// Service level of the interval.
    pub fn service_level(&self) -> Option<f64> {
        pct(self.within_sl, self.base())
    }
}

/// Agents needed in one hour of day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Staffing {
    pub hour: usize,
    /// Calls per hour on an average operating day (short abandons excluded).
    pub calls_per_hour: f64,
    /// Offered traffic in erlangs.
    pub erlangs: f64,
    /// Agents needed (0 when no calls).
    pub agents: u32,
    /// Predicted service level with that many agents, 0–100.
    pub predicted_sl: f64,
}

/// Weekday codes used in keys, Monday first.
pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Erlang C: probability that a call waits, `n` agents, `a` erlangs
/// (`n > a`).
pub fn erlang_c(n: u32, a: f64) -> f64 {
    // Erlang B by the stable recursion, then C = N·B / (N − A·(1 − B)).
    let mut b = 1.0;
    for k in 1..=n {
        b = a * b / (f64::from(k) + a * b);
    }
    let n = f64::from(n);
    n * b / (n - a * (1.0 - b))
}

/// Service level (0–1) with `n` agents: share answered within `t_s`.
pub fn erlang_sl(n: u32, a: f64, aht_s: f64, t_s: f64) -> f64 {
    if f64::from(n) <= a {
        return 0.0;
    }
    1.0 - erlang_c(n, a) * (-(f64::from(n) - a) * t_s / aht_s).exp()
}

/// The fewest agents reaching `target` (0–1) for `calls_per_hour` calls of
/// `aht_s` seconds, answered within `t_s`.
pub fn agents_needed(calls_per_hour: f64, aht_s: f64, t_s: f64, target: f64) -> (u32, f64) {
    if calls_per_hour <= 0.0 || aht_s <= 0.0 {
        return (0, 100.0);
    }
    let a = calls_per_hour * aht_s / 3600.0;
    let mut n = (a.floor() as u32).saturating_add(1);
    loop {
        let sl = erlang_sl(n, a, aht_s, t_s);
        if sl >= target || n > 10_000 {
            return (n, 100.0 * sl);
        }
        n += 1;
    }
}

/// Compute call figures for the period.
pub fn compute(
    src: Option<&SourceData>,
    p: Period,
    cfg: &CallsConfig,
    sl_target_pct: f64,
) -> PolarsResult<CallKpis> {
    let mut out = CallKpis::default();
    let Some(s) = src.filter(|s| s.covers(p.start_ms(), p.end_ms())) else {
        for k in KEYS {
            out.figures.set(format!("calls.{k}"), None);
        }
        return Ok(out);
    };
    let df = s
        .frame
        .clone()
        .lazy()
        .filter(super::within("offered_at", p.start_ms(), p.end_ms()))
        .collect()?;
    let outcome = frame::strs(&df, "outcome")?;
    let (offered, answered, ended) = (
        frame::i64s(&df, "offered_at")?,
        frame::i64s(&df, "answered_at")?,
        frame::i64s(&df, "ended_at")?,
    );
    let (talk, wrap) = (
        frame::i64s(&df, "talk_seconds")?,
        frame::i64s(&df, "wrap_seconds")?,
    );
    let has_wrap = s.present.contains("wrap_seconds");
    let (mut n_ans, mut n_aband, mut n_short, mut n_timeout, mut n_overflow, mut n_sl) =
        (0, 0, 0, 0, 0, 0);
    let mut waits = Vec::new();
    let mut handle = Vec::new();
    let mut hourly = [(0usize, 0usize); 24];
    let mut weekday = [(0usize, 0usize); 7];
    let mut heat = [[0usize; 7]; 24];
    let mut short_by_hour = [0usize; 24];
    let mut days = std::collections::BTreeSet::new();
    let mut intervals: std::collections::BTreeMap<i64, CallInterval> =
        std::collections::BTreeMap::new();
    for i in 0..df.height() {
        let off = offered[i].expect("offered_at is required");
        let slot = off.div_euclid(3_600_000) * 3_600_000;
        let iv = intervals.entry(slot).or_insert(CallInterval {
            start: slot,
            ..CallInterval::default()
        });
        iv.offered += 1;
        let dt = ms_to_dt(off);
        let hour = dt.hour() as usize;
        let wd = dt.weekday().num_days_from_monday() as usize;
        days.insert(dt.date());
        hourly[hour].0 += 1;
        weekday[wd].0 += 1;
        heat[hour][wd] += 1;
        // A call transferred after it was answered (an overflow/転送 row
        // with answered_at) is still answered.
        let o = match outcome[i].as_deref().unwrap_or("") {
            "overflow" if answered[i].is_some() => "answered",
            o => o,
        };
        let wait_s = |t: Option<i64>| t.map(|t| (t - off) as f64 / 1000.0);
        match o {
            "answered" => {
                n_ans += 1;
                iv.answered += 1;
                hourly[hour].1 += 1;
                weekday[wd].1 += 1;
                if let Some(w) = wait_s(answered[i]) {
                    waits.push(w);
                    if w <= cfg.service_level_s as f64 {
                        n_sl += 1;
                        iv.within_sl += 1;
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
                Some(w) if w < cfg.short_abandon_s as f64 => {
                    n_short += 1;
                    iv.short_abandons += 1;
                    short_by_hour[hour] += 1;
                }
                _ => {
                    n_aband += 1;
                    iv.abandoned += 1;
                }
            },
            "timeout" => n_timeout += 1,
            _ => n_overflow += 1,
        }
    }
    let n = df.height();
    let base = n - n_short;
    let f = &mut out.figures;
    f.count("calls.offered", Some(n));
    // Without end times no wait of an abandon is known: short abandons are
    // データなし (the rates then count every abandon in their denominator).
    let has = |c: &str| s.present.contains(c);
    f.count("calls.short_abandons", has("ended_at").then_some(n_short));
    f.count("calls.answered", Some(n_ans));
    f.count("calls.abandoned", Some(n_aband));
    f.count("calls.timeout", Some(n_timeout));
    f.count("calls.overflow", Some(n_overflow));
    // The source covers the period: a zero denominator is 対象なし.
    f.measured("calls.answer_rate", pct(n_ans, base));
    f.measured("calls.abandon_rate", pct(n_aband, base));
    // The wait of an answered call needs answered_at; the handle time
    // needs talk_seconds (or answered_at and ended_at to derive it).
    let known = |present: bool, v: Option<f64>| {
        if present {
            Fig::or_no_population(v)
        } else {
            Fig::NoData
        }
    };
    f.put(
        "calls.service_level",
        known(has("answered_at"), pct(n_sl, base)),
    );
    f.put("calls.asa_s", known(has("answered_at"), mean(&waits)));
    f.put(
        "calls.aht_s",
        known(
            has("talk_seconds") || (has("answered_at") && has("ended_at")),
            mean(&handle),
        ),
    );
    for (h, (o, a)) in hourly.iter().enumerate() {
        f.count(format!("calls.hourly.{h:02}.offered"), Some(*o));
        f.count(format!("calls.hourly.{h:02}.answered"), Some(*a));
    }
    for (d, (o, a)) in weekday.iter().enumerate() {
        f.count(format!("calls.weekday.{}.offered", WEEKDAYS[d]), Some(*o));
        f.count(format!("calls.weekday.{}.answered", WEEKDAYS[d]), Some(*a));
    }
    let aht = f.get("calls.aht_s");
    let staffing = aht.map(|aht| {
        (0..24)
            .map(|h| {
                let cph = (hourly[h].0 - short_by_hour[h]) as f64 / days.len().max(1) as f64;
                let (agents, sl) =
                    agents_needed(cph, aht, cfg.service_level_s as f64, sl_target_pct / 100.0);
                Staffing {
                    hour: h,
                    calls_per_hour: cph,
                    erlangs: cph * aht / 3600.0,
                    agents,
                    predicted_sl: sl,
                }
            })
            .collect::<Vec<_>>()
    });
    for h in 0..24 {
        f.set(
            format!("calls.staffing.{h:02}.agents"),
            staffing.as_ref().map(|s| f64::from(s[h].agents)),
        );
    }
    out.hourly = Some(hourly);
    out.weekday = Some(weekday);
    out.heat = Some(heat);
    out.staffing = staffing;
    out.intervals = Some(intervals.into_values().collect());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erlang_c_by_hand() {
        // A = 72 calls/h × 100 s / 3600 = 2 erlangs, T = 20 s, target 80 %.
        // Erlang B: B1 = 2/3, B2 = 0.4, B3 = 0.8/3.8 = 0.210526,
        // B4 = 0.421053/4.421053 = 0.095238.
        // N = 3: C = 3·B3 / (3 − 2·(1 − B3)) = 0.631579/1.421053 = 0.444444;
        //        SL = 1 − 0.444444·e^(−1·20/100) = 1 − 0.363881 = 0.636119.
        // N = 4: C = 0.380952/2.190476 = 0.173913;
        //        SL = 1 − 0.173913·e^(−0.4) = 1 − 0.116577 = 0.883423 ≥ 0.8.
        assert!((erlang_c(3, 2.0) - 0.444444).abs() < 1e-6);
        assert!((erlang_sl(3, 2.0, 100.0, 20.0) - 0.636119).abs() < 1e-6);
        assert!((erlang_sl(4, 2.0, 100.0, 20.0) - 0.883423).abs() < 1e-6);
        let (n, sl) = agents_needed(72.0, 100.0, 20.0, 0.8);
        assert_eq!(n, 4);
        assert!((sl - 88.3423).abs() < 1e-3);
        assert_eq!(agents_needed(0.0, 100.0, 20.0, 0.8).0, 0);
    }
}
