//! Service-management figures of the monthly report (reports.md 3–7 and
//! 14): incidents by category, priority and system; problems; changes by
//! class × result; releases; 構成管理 counts; and the changes and releases
//! scheduled in the following month.
//!
//! Tickets are a few thousand rows a month, so the relevant columns are read
//! once and the lists built in plain Rust. Counting rules (kpis.md
//! "Tickets"): a ticket is *received* in the period its `opened_at` falls
//! in; changes are the change tickets opened in the period. Releases are the
//! release tickets opened in the period or scheduled (`scheduled_at`) in it.
//! The next-month schedule lists change and release tickets whose
//! `scheduled_at` falls in the following month and that are not cancelled.

use super::Figures;
use crate::frame;
use crate::ingest::SourceData;
use crate::time::Period;
use polars::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// Results of a change or release, in report order; `""` = not recorded.
pub const RESULTS: [&str; 4] = ["success", "failed", "rolled_back", ""];

/// One ticket as the monthly lists need it.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketLine {
    pub ticket_id: String,
    pub title: Option<String>,
    pub kind: String,
    pub status: String,
    pub priority: Option<i64>,
    pub category: Option<String>,
    pub system: Option<String>,
    pub change_class: Option<String>,
    pub result: Option<String>,
    pub opened_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub scheduled_at: Option<i64>,
    pub planned: Option<bool>,
}

/// Everything the monthly report lists about tickets; `None` = データなし.
#[derive(Debug, Clone, Default)]
pub struct ItsmKpis {
    /// Figures under `incidents.*`, `problems.*`, `changes.by_class_result.*`,
    /// `releases.*`, `configuration.*`, `schedule.*`.
    pub figures: Figures,
    /// Received incidents per category (most first; `""` = not set).
    pub incidents_by_category: Option<Vec<(String, usize)>>,
    /// Received incidents per system (most first).
    pub incidents_by_system: Option<Vec<(String, usize)>>,
    /// Received incidents per priority 1–4.
    pub incidents_by_priority: Option<[usize; 4]>,
    /// Problem tickets open at some time in the period.
    pub problems: Option<Vec<TicketLine>>,
    /// Change tickets opened in the period.
    pub changes: Option<Vec<TicketLine>>,
    /// Release tickets opened or scheduled in the period.
    pub releases: Option<Vec<TicketLine>>,
    /// 構成管理 tickets received per category.
    pub configuration_by_category: Option<Vec<(String, usize)>>,
    /// Changes and releases scheduled in the following month.
    pub next_month: Option<Vec<TicketLine>>,
    /// Whether the export has a result column (else a change's or a
    /// release's result is データなし, not 結果未記録).
    pub has_result: bool,
}

fn lines(df: &DataFrame) -> PolarsResult<Vec<TicketLine>> {
    let s = |c: &str| frame::strs(df, c);
    let i = |c: &str| frame::i64s(df, c);
    let (id, title, kind, status, cat, sys, class, result) = (
        s("ticket_id")?,
        s("title")?,
        s("kind")?,
        s("status")?,
        s("category")?,
        s("system")?,
        s("change_class")?,
        s("result")?,
    );
    let (prio, opened, resolved, scheduled) = (
        i("priority")?,
        i("opened_at")?,
        i("resolved_at")?,
        i("scheduled_at")?,
    );
    let planned = frame::bools(df, "planned")?;
    Ok((0..df.height())
        .map(|r| TicketLine {
            ticket_id: id[r].clone().unwrap_or_default(),
            title: title[r].clone(),
            kind: kind[r].clone().unwrap_or_default(),
            status: status[r].clone().unwrap_or_default(),
            priority: prio[r],
            category: cat[r].clone(),
            system: sys[r].clone(),
            change_class: class[r].clone(),
            result: result[r].clone(),
            opened_at: opened[r],
            resolved_at: resolved[r],
            scheduled_at: scheduled[r],
            planned: planned[r],
        })
        .collect())
}

fn ranked(counts: BTreeMap<String, usize>) -> Vec<(String, usize)> {
    let mut v: Vec<(String, usize)> = counts.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v
}

fn in_p(t: Option<i64>, p: Period) -> bool {
    t.is_some_and(|t| p.contains_ms(t))
}

/// Compute the lists for month `p` (the schedule looks at the month after).
pub fn compute(src: Option<&SourceData>, p: Period) -> PolarsResult<ItsmKpis> {
    let mut out = ItsmKpis::default();
    let next = Period::month_of(p.end_day);
    let Some(s) = src.filter(|s| s.covers(p.start_ms(), p.end_ms())) else {
        for k in [
            "incidents.received",
            "problems.active",
            "problems.open_at_end",
            "releases.total",
            "configuration.received",
            "schedule.next_month.total",
        ] {
            out.figures.set(k, None);
        }
        return Ok(out);
    };
    out.has_result = s.present.contains("result");
    let wanted = ["incident", "problem", "change", "release", "config"];
    let df = s
        .frame
        .clone()
        .lazy()
        .filter(
            wanted
                .iter()
                .map(|k| col("kind").eq(lit(*k)))
                .reduce(|a, b| a.or(b))
                .expect("kinds"),
        )
        .sort(["opened_at", "ticket_id"], Default::default())
        .collect()?;
    let all = lines(&df)?;
    incidents(&all, p, &mut out);
    problems(&all, p, &mut out);
    changes(&all, p, &s.present, &mut out);
    releases(&all, p, &mut out);
    configuration(&all, p, &mut out);
    next_month(s, &all, next, &mut out);
    Ok(out)
}

/// Incidents received in the period: by category, system and priority.
fn incidents(all: &[TicketLine], p: Period, out: &mut ItsmKpis) {
    let f = &mut out.figures;
    let incidents: Vec<&TicketLine> = all
        .iter()
        .filter(|t| t.kind == "incident" && in_p(t.opened_at, p))
        .collect();
    f.count("incidents.received", Some(incidents.len()));
    let mut by_cat = BTreeMap::new();
    let mut by_sys = BTreeMap::new();
    let mut by_prio = [0usize; 4];
    for t in &incidents {
        *by_cat
            .entry(t.category.clone().unwrap_or_default())
            .or_insert(0) += 1;
        *by_sys
            .entry(t.system.clone().unwrap_or_default())
            .or_insert(0) += 1;
        if let Some(pr) = t.priority.filter(|p| (1..=4).contains(p)) {
            by_prio[(pr - 1) as usize] += 1;
        }
    }
    for (i, n) in by_prio.iter().enumerate() {
        f.count(format!("incidents.by_priority.p{}", i + 1), Some(*n));
    }
    out.incidents_by_category = Some(ranked(by_cat));
    out.incidents_by_system = Some(ranked(by_sys));
    out.incidents_by_priority = Some(by_prio);
}

/// Problems open at some time in the period; open at its end.
fn problems(all: &[TicketLine], p: Period, out: &mut ItsmKpis) {
    let f = &mut out.figures;
    let (start, end) = (p.start_ms(), p.end_ms());
    let active = |t: &TicketLine| {
        t.status != "cancelled"
            && t.opened_at.is_some_and(|o| o < end)
            && t.resolved_at.is_none_or(|r| r >= start)
    };
    let problems: Vec<TicketLine> = all
        .iter()
        .filter(|t| t.kind == "problem" && active(t))
        .cloned()
        .collect();
    f.count("problems.active", Some(problems.len()));
    f.count(
        "problems.received",
        Some(problems.iter().filter(|t| in_p(t.opened_at, p)).count()),
    );
    f.count(
        "problems.resolved",
        Some(problems.iter().filter(|t| in_p(t.resolved_at, p)).count()),
    );
    f.count(
        "problems.open_at_end",
        Some(
            problems
                .iter()
                .filter(|t| t.resolved_at.is_none_or(|r| r >= end))
                .count(),
        ),
    );
    out.problems = Some(problems);
}

/// Changes opened in the period, by class × result; データなし for every
/// cell when the export has no change_class or no result column (a count
/// of 0 there would be a guess).
fn changes(all: &[TicketLine], p: Period, present: &BTreeSet<&'static str>, out: &mut ItsmKpis) {
    let known = present.contains("change_class") && present.contains("result");
    let f = &mut out.figures;
    let changes: Vec<TicketLine> = all
        .iter()
        .filter(|t| t.kind == "change" && in_p(t.opened_at, p))
        .cloned()
        .collect();
    for class in super::tickets::CHANGE_CLASSES.iter().chain(&[""]) {
        for result in RESULTS {
            let n = changes
                .iter()
                .filter(|t| {
                    t.change_class.as_deref().unwrap_or("") == *class
                        && t.result.as_deref().unwrap_or("") == result
                })
                .count();
            let c = if class.is_empty() { "unset" } else { class };
            let r = if result.is_empty() { "none" } else { result };
            f.count(
                format!("changes.by_class_result.{c}.{r}"),
                known.then_some(n),
            );
        }
    }
    out.changes = Some(changes);
}

/// Releases opened or scheduled in the period.
fn releases(all: &[TicketLine], p: Period, out: &mut ItsmKpis) {
    let f = &mut out.figures;
    let releases: Vec<TicketLine> = all
        .iter()
        .filter(|t| t.kind == "release" && (in_p(t.opened_at, p) || in_p(t.scheduled_at, p)))
        .cloned()
        .collect();
    f.count("releases.total", Some(releases.len()));
    for result in RESULTS {
        let r = if result.is_empty() { "none" } else { result };
        f.count(
            format!("releases.result.{r}"),
            Some(
                releases
                    .iter()
                    .filter(|t| t.result.as_deref().unwrap_or("") == result)
                    .count(),
            ),
        );
    }
    out.releases = Some(releases);
}

/// 構成管理: received per category.
fn configuration(all: &[TicketLine], p: Period, out: &mut ItsmKpis) {
    let f = &mut out.figures;
    let mut cfg_cat = BTreeMap::new();
    let mut n_cfg = 0;
    for t in all
        .iter()
        .filter(|t| t.kind == "config" && in_p(t.opened_at, p))
    {
        n_cfg += 1;
        *cfg_cat
            .entry(t.category.clone().unwrap_or_default())
            .or_insert(0) += 1;
    }
    f.count("configuration.received", Some(n_cfg));
    out.configuration_by_category = Some(ranked(cfg_cat));
}

/// The following month's scheduled changes and releases. Without the
/// scheduled_at column the schedule is unknown, not empty.
fn next_month(s: &SourceData, all: &[TicketLine], next: Period, out: &mut ItsmKpis) {
    let f = &mut out.figures;
    if s.present.contains("scheduled_at") {
        let mut sched: Vec<TicketLine> = all
            .iter()
            .filter(|t| {
                matches!(t.kind.as_str(), "change" | "release")
                    && t.status != "cancelled"
                    && in_p(t.scheduled_at, next)
            })
            .cloned()
            .collect();
        sched.sort_by(|a, b| {
            a.scheduled_at
                .cmp(&b.scheduled_at)
                .then(a.ticket_id.cmp(&b.ticket_id))
        });
        f.count("schedule.next_month.total", Some(sched.len()));
        out.next_month = Some(sched);
    } else {
        f.set("schedule.next_month.total", None);
    }
}
