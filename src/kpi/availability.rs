//! Availability (稼働率, kpis.md "Availability") per system from the outage
//! intervals of tickets (`service_impact = outage`).
//!
//! S = service time of the system's service calendar over the period;
//! P = union of planned outage intervals ∩ service time; U = union of the
//! other outage intervals ∩ service time, outside P (overlaps merged, never
//! counted twice). 稼働率 = (S − P − U) / (S − P); S − P = 0 → データなし.
//! An outage without an end runs to the period end and is flagged. A tickets
//! source without the `service_impact` or `outage_start` column gives
//! データなし, never 100 %.
//!
//! Systems reported: every system configured under `[availability.systems]`
//! plus every system with an outage in the period (those use the default
//! calendar and target).

use super::{within, Figures};
use crate::calendar::{merge, subtract};
use crate::config::Config;
use crate::frame;
use crate::ingest::SourceData;
use crate::time::{Period, MS_PER_MIN};
use anyhow::{anyhow, Result};
use polars::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// One outage interval from a ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct Outage {
    pub ticket_id: String,
    pub title: Option<String>,
    pub system: String,
    pub planned: bool,
    pub start: i64,
    /// None: no end recorded (runs to the period end; flagged).
    pub end: Option<i64>,
    /// Minutes of this outage inside the period's service time (before
    /// merging with other outages).
    pub service_min: f64,
    /// Where the ticket row is (`_file`, `_line`).
    pub file: Option<u32>,
    pub line: Option<u32>,
}

/// A ticket row that a flag names: its id and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct RowRef {
    pub id: String,
    pub file: Option<u32>,
    pub line: Option<u32>,
}

/// One system's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct SystemAvailability {
    pub system: String,
    pub calendar: String,
    pub target_pct: f64,
    pub service_min: f64,
    pub planned_min: f64,
    pub unplanned_min: f64,
    pub pct: Option<f64>,
}

/// Availability results (None = データなし).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AvailabilityKpis {
    /// `availability.<system>.{service_min,planned_min,unplanned_min,pct}`.
    pub figures: Figures,
    pub systems: Option<Vec<SystemAvailability>>,
    /// Outages overlapping the period, by start.
    pub outages: Option<Vec<Outage>>,
    /// Outage tickets without an outage start (cannot be measured; listed
    /// in the data-quality section).
    pub unmeasurable: Vec<RowRef>,
    /// Outages that span the whole period (the system was down all of it).
    pub whole_period: Vec<Outage>,
    /// When the tickets do not cover the period: outages still open that
    /// started before its end — the export may simply predate the period
    /// (稼働率 stays データなし; the reader is told which outage).
    pub open_uncovered: Vec<RowRef>,
}

const KEYS: [&str; 4] = ["service_min", "planned_min", "unplanned_min", "pct"];

/// Outages without an end that started before `hi`.
fn open_outages(s: &SourceData, hi: i64) -> Result<Vec<RowRef>> {
    let df = s
        .frame
        .clone()
        .lazy()
        .filter(
            col("service_impact")
                .eq(lit("outage"))
                .and(col("outage_end").is_null())
                .and(col("outage_start").cast(DataType::Int64).lt(lit(hi))),
        )
        .sort(
            ["outage_start", "ticket_id"],
            SortMultipleOptions::default(),
        )
        .collect()?;
    let ids = frame::strs(&df, "ticket_id")?;
    let files = frame::u32s(&df, crate::ingest::typing::FILE_COL)?;
    let lines = frame::u32s(&df, crate::ingest::typing::LINE_COL)?;
    Ok((0..df.height())
        .map(|i| RowRef {
            id: ids[i].clone().unwrap_or_default(),
            file: files[i],
            line: lines[i],
        })
        .collect())
}

/// Compute availability for the period.
pub fn compute(src: Option<&SourceData>, p: Period, cfg: &Config) -> Result<AvailabilityKpis> {
    let mut out = AvailabilityKpis::default();
    let configured: BTreeSet<String> = cfg.site.availability.systems.keys().cloned().collect();
    // Outages need both columns: without them no outage can be seen, and
    // 100 % would be a guess.
    let measurable = |s: &&SourceData| {
        s.present.contains("service_impact") && s.present.contains("outage_start")
    };
    let Some(s) = src
        .filter(|s| s.covers(p.start_ms(), p.end_ms()))
        .filter(measurable)
    else {
        for sys in &configured {
            for k in KEYS {
                out.figures.set(format!("availability.{sys}.{k}"), None);
            }
        }
        if let Some(s) = src.filter(measurable) {
            out.open_uncovered = open_outages(s, p.end_ms())?;
        }
        return Ok(out);
    };
    let (lo, hi) = (p.start_ms(), p.end_ms());
    let df = s
        .frame
        .clone()
        .lazy()
        .filter(col("service_impact").eq(lit("outage")))
        .filter(
            col("outage_start")
                .is_null()
                .and(within("opened_at", lo, hi))
                .or(col("outage_start").cast(DataType::Int64).lt(lit(hi)).and(
                    col("outage_end")
                        .is_null()
                        .or(col("outage_end").cast(DataType::Int64).gt(lit(lo))),
                )),
        )
        .sort(
            ["outage_start", "ticket_id"],
            SortMultipleOptions::default(),
        )
        .collect()?;
    let ids = frame::strs(&df, "ticket_id")?;
    let titles = frame::strs(&df, "title")?;
    let systems = frame::strs(&df, "system")?;
    let planned = frame::bools(&df, "planned")?;
    let starts = frame::i64s(&df, "outage_start")?;
    let ends = frame::i64s(&df, "outage_end")?;
    let files = frame::u32s(&df, crate::ingest::typing::FILE_COL)?;
    let lines = frame::u32s(&df, crate::ingest::typing::LINE_COL)?;
    let mut outages = Vec::new();
    for i in 0..df.height() {
        let id = ids[i].clone().unwrap_or_default();
        let Some(start) = starts[i] else {
            out.unmeasurable.push(RowRef {
                id,
                file: files[i],
                line: lines[i],
            });
            continue;
        };
        outages.push(Outage {
            ticket_id: id,
            title: titles[i].clone(),
            system: systems[i]
                .clone()
                .unwrap_or_else(|| "（システム未記入）".to_string()),
            planned: planned[i].unwrap_or(false),
            start,
            end: ends[i],
            service_min: 0.0,
            file: files[i],
            line: lines[i],
        });
    }
    out.whole_period = outages
        .iter()
        .filter(|o| !o.planned && o.start <= lo && o.end.is_none_or(|e| e >= hi))
        .cloned()
        .collect();
    let mut names = configured.clone();
    names.extend(outages.iter().map(|o| o.system.clone()));
    let mut per: BTreeMap<String, SystemAvailability> = BTreeMap::new();
    for sys in &names {
        let svc = cfg.system_service(sys);
        let cal = cfg
            .calendars
            .get(&svc.calendar)
            .ok_or_else(|| anyhow!("calendar {:?} of system {sys} is not defined", svc.calendar))?;
        let mut planned_iv = Vec::new();
        let mut other_iv = Vec::new();
        for o in outages.iter_mut().filter(|o| &o.system == sys) {
            let iv = (o.start.max(lo), o.end.unwrap_or(hi).min(hi));
            o.service_min = cal.business_ms(iv.0, iv.1)? as f64 / MS_PER_MIN as f64;
            if o.planned {
                planned_iv.push(iv);
            } else {
                other_iv.push(iv);
            }
        }
        let pset = merge(&planned_iv);
        let uset = subtract(&merge(&other_iv), &pset);
        let s_ms = cal.business_ms(lo, hi)?;
        let p_ms = cal.measure_union(&pset, lo, hi)?;
        let u_ms = cal.measure_union(&uset, lo, hi)?;
        let avail =
            (s_ms - p_ms > 0).then(|| 100.0 * (s_ms - p_ms - u_ms) as f64 / (s_ms - p_ms) as f64);
        let m = |v: i64| v as f64 / MS_PER_MIN as f64;
        per.insert(
            sys.clone(),
            SystemAvailability {
                system: sys.clone(),
                calendar: svc.calendar.clone(),
                target_pct: svc.target_pct,
                service_min: m(s_ms),
                planned_min: m(p_ms),
                unplanned_min: m(u_ms),
                pct: avail,
            },
        );
    }
    for a in per.values() {
        let k = format!("availability.{}", a.system);
        out.figures
            .set(format!("{k}.service_min"), Some(a.service_min));
        out.figures
            .set(format!("{k}.planned_min"), Some(a.planned_min));
        out.figures
            .set(format!("{k}.unplanned_min"), Some(a.unplanned_min));
        // The data covers the period: no service time is 対象なし.
        out.figures.measured(format!("{k}.pct"), a.pct);
    }
    out.systems = Some(per.into_values().collect());
    out.outages = Some(outages);
    Ok(out)
}
