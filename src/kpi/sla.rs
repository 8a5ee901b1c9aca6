//! SLA clocks (kpis.md "Tickets"): response and resolution clocks per
//! (ticket, target), measured in the target's calendar, with pauses, and the
//! decision-time rule that counts each pair once, in one period.
//!
//! - Elapsed = business minutes from `opened_at` to the event, minus paused
//!   business minutes. Events: response = `first_response_at`, else
//!   `resolved_at` (a resolution answers the user); resolution =
//!   `resolved_at`, else `closed_at`.
//! - Pauses: `pending` intervals of the status history (companion source
//!   `ticket_status_history`) pause both clocks, measured in the same
//!   calendar; for a ticket without history rows, `pending_minutes` (already
//!   business minutes) pauses the resolution clock only.
//! - Decision time: the event when the clock stopped within target, else the
//!   deadline (the instant elapsed reached the target), whether the ticket is
//!   still open or stopped later. A cancelled ticket whose clock never
//!   stopped has no decision (never breaches while open).
//! - Population of a period: pairs whose decision time falls in it.
//!   Compliance = met / population; population 0 → データなし.
//! - Times (mean / median / p90 nearest-rank): elapsed of clocks that stopped
//!   in the period.
//! - A clock whose event column is absent from every file is データなし; a
//!   cancelled ticket's `closed_at` is not a resolution.

use super::{mean, median, nearest_rank, pct, Figures};
use crate::calendar::Calendars;
use crate::config::{ClockKind, SlaTarget};
use crate::frame;
use crate::ingest::SourceData;
use crate::time::{Period, MS_PER_MIN};
use anyhow::{anyhow, Context, Result};
use polars::prelude::*;
use std::collections::HashMap;

/// One (ticket, target) clock.
#[derive(Debug, Clone, PartialEq)]
pub struct Clock {
    pub ticket_id: String,
    pub title: Option<String>,
    pub kind: String,
    pub priority: i64,
    pub system: Option<String>,
    pub status: String,
    pub clock: ClockKind,
    /// Index into the targets slice.
    pub target: usize,
    pub target_min: f64,
    pub opened_at: i64,
    /// When the clock stopped (response / resolution event).
    pub stopped_at: Option<i64>,
    /// Elapsed business minutes at the stop, pauses deducted.
    pub elapsed_min: Option<f64>,
    /// Paused business minutes deducted (up to the stop).
    pub paused_min: f64,
    /// When elapsed reaches the target (None: not reached yet because a
    /// pause has not ended, or met).
    pub deadline: Option<i64>,
    /// The decision time; None = not decided (cancelled while running).
    pub decided_at: Option<i64>,
    /// Stopped with elapsed ≤ target.
    pub met: bool,
}

/// Pending intervals per ticket from the status history (sorted, disjoint;
/// `None` end = still pending).
pub type Pauses = HashMap<String, Vec<(i64, Option<i64>)>>;

/// Pending intervals from a status-history table
/// (`ticket_id`, `changed_at`, `to_status`).
pub fn pauses_from_history(df: &DataFrame) -> PolarsResult<Pauses> {
    let df = df.sort(["ticket_id", "changed_at"], SortMultipleOptions::default())?;
    let (ids, at, to) = (
        frame::str_ca(&df, "ticket_id")?,
        frame::i64s(&df, "changed_at")?,
        frame::str_ca(&df, "to_status")?,
    );
    let mut out: Pauses = HashMap::new();
    let mut cur: Option<&str> = None;
    let mut start: Option<i64> = None;
    for i in 0..df.height() {
        let (Some(id), Some(t), Some(s)) = (ids.get(i), at[i], to.get(i)) else {
            continue;
        };
        if cur != Some(id) {
            if let (Some(c), Some(a)) = (cur, start) {
                out.get_mut(c).expect("seen").push((a, None));
            }
            cur = Some(id);
            start = None;
            out.entry(id.to_string()).or_default();
        }
        match (start, s == "pending") {
            (None, true) => start = Some(t),
            (Some(a), false) => {
                out.get_mut(id).expect("seen").push((a, Some(t)));
                start = None;
            }
            _ => {}
        }
    }
    if let (Some(c), Some(a)) = (cur, start) {
        out.get_mut(c).expect("seen").push((a, None));
    }
    Ok(out)
}

/// A clock that could not be computed, and where its ticket is.
#[derive(Debug, Clone, PartialEq)]
pub struct LeftOut {
    pub ticket_id: String,
    /// Index into the SLA targets of the clock left out.
    pub target: usize,
    /// When the ticket was opened.
    pub opened_at: i64,
    /// `_file` index and physical line of the ticket's row.
    pub file: Option<u32>,
    pub line: Option<u32>,
    /// `sla_no_holidays` (a business-day clock on a date outside the
    /// holiday list) or `sla_clock_failed`.
    pub problem: crate::problem::Problem,
}

impl std::fmt::Display for LeftOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.problem.english())
    }
}

/// Compute every clock of every ticket that has a target. A ticket whose
/// clock cannot be computed (a business-day clock on a date outside the
/// holiday list's years) is left out and named, with its file and line, in
/// the returned list, never silently. Clocks on calendars open every day
/// (24x7) need no holiday list.
pub fn clocks(
    tickets: &DataFrame,
    history: Option<&Pauses>,
    targets: &[SlaTarget],
    cals: &Calendars,
) -> Result<(Vec<Clock>, Vec<LeftOut>)> {
    let mut by_key: HashMap<(&str, i64), Vec<usize>> = HashMap::new();
    for (i, t) in targets.iter().enumerate() {
        by_key
            .entry((t.kind.as_str(), t.priority))
            .or_default()
            .push(i);
    }
    let ids = frame::str_ca(tickets, "ticket_id")?;
    let titles = frame::str_ca(tickets, "title")?;
    let kinds = frame::str_ca(tickets, "kind")?;
    let systems = frame::str_ca(tickets, "system")?;
    let status = frame::str_ca(tickets, "status")?;
    let prio = frame::i64s(tickets, "priority")?;
    let opened = frame::i64s(tickets, "opened_at")?;
    let first = frame::i64s(tickets, "first_response_at")?;
    let resolved = frame::i64s(tickets, "resolved_at")?;
    let closed = frame::i64s(tickets, "closed_at")?;
    let pending = frame::i64s(tickets, "pending_minutes")?;
    let files = frame::u32s(tickets, crate::ingest::typing::FILE_COL)?;
    let lines = frame::u32s(tickets, crate::ingest::typing::LINE_COL)?;
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for i in 0..tickets.height() {
        let (Some(kind), Some(p), Some(open)) = (kinds.get(i), prio[i], opened[i]) else {
            continue;
        };
        let Some(tix) = by_key.get(&(kind, p)) else {
            continue;
        };
        let id = ids.get(i).unwrap_or("");
        let st = status.get(i).unwrap_or("");
        let hist = history.and_then(|h| h.get(id));
        for &ti in tix {
            let t = &targets[ti];
            match one_clock(
                t,
                ti,
                cals,
                id,
                st,
                kind,
                p,
                open,
                titles.get(i),
                systems.get(i),
                first[i],
                resolved[i],
                closed[i],
                pending[i],
                hist,
            ) {
                Ok(c) => out.push(c),
                Err(e) => {
                    let clock = match t.clock {
                        ClockKind::Response => "応答",
                        ClockKind::Resolution => "解決",
                    };
                    let problem = match e.downcast_ref::<crate::calendar::CalendarError>() {
                        Some(crate::calendar::CalendarError::OutOfRange { date, first, last }) => {
                            crate::problem::Problem::new(
                                "sla_no_holidays",
                                [
                                    id.to_string(),
                                    clock.to_string(),
                                    date.to_string(),
                                    format!("{first}–{last}"),
                                ],
                            )
                        }
                        _ => crate::problem::Problem::new(
                            "sla_clock_failed",
                            [id.to_string(), clock.to_string(), format!("{e:#}")],
                        ),
                    };
                    problems.push(LeftOut {
                        ticket_id: id.to_string(),
                        target: ti,
                        opened_at: open,
                        file: files[i],
                        line: lines[i],
                        problem,
                    });
                }
            }
        }
    }
    Ok((out, problems))
}

/// One (ticket, target) clock.
#[allow(clippy::too_many_arguments)]
fn one_clock(
    t: &SlaTarget,
    ti: usize,
    cals: &Calendars,
    id: &str,
    st: &str,
    kind: &str,
    p: i64,
    open: i64,
    title: Option<&str>,
    system: Option<&str>,
    first: Option<i64>,
    resolved: Option<i64>,
    closed: Option<i64>,
    pending: Option<i64>,
    hist: Option<&Vec<(i64, Option<i64>)>>,
) -> Result<Clock> {
    let cal = cals
        .get(&t.calendar)
        .ok_or_else(|| anyhow!("calendar {:?} is not defined", t.calendar))?;
    let event = match t.clock {
        ClockKind::Response => first.or(resolved),
        // A cancelled ticket's closed_at is not a resolution.
        ClockKind::Resolution if st == "cancelled" => resolved,
        ClockKind::Resolution => resolved.or(closed),
    };
    let need = (t.minutes * MS_PER_MIN as f64).round() as i64;
    // Pauses as intervals, and the extra allowance of pending_minutes.
    let (pauses, allowance): (Vec<(i64, Option<i64>)>, i64) = match hist {
        Some(h) => (h.iter().map(|&(a, b)| (a, b.or(event))).collect(), 0),
        None if t.clock == ClockKind::Resolution => (
            Vec::new(),
            pending.unwrap_or(0).max(0).saturating_mul(MS_PER_MIN),
        ),
        None => (Vec::new(), 0),
    };
    let ctx = || format!("SLA clock of ticket {id}");
    let mut c = Clock {
        ticket_id: id.to_string(),
        title: title.map(str::to_string),
        kind: kind.to_string(),
        priority: p,
        system: system.map(str::to_string),
        status: st.to_string(),
        clock: t.clock,
        target: ti,
        target_min: t.minutes,
        opened_at: open,
        stopped_at: event,
        elapsed_min: None,
        paused_min: 0.0,
        deadline: None,
        decided_at: None,
        met: false,
    };
    if let Some(ev) = event {
        let gross = cal.business_ms(open, ev).with_context(ctx)?;
        let mut paused = allowance.min(gross);
        for &(a, b) in &pauses {
            let b = b.unwrap_or(ev).min(ev);
            paused += cal.business_ms(a.max(open), b).with_context(ctx)?;
        }
        let elapsed = (gross - paused).max(0);
        c.elapsed_min = Some(elapsed as f64 / MS_PER_MIN as f64);
        c.paused_min = paused as f64 / MS_PER_MIN as f64;
        c.met = elapsed <= need;
        if c.met {
            c.decided_at = Some(ev);
            return Ok(c);
        }
    } else if st == "cancelled" {
        return Ok(c); // never breaches while open
    }
    c.deadline = cal
        .deadline(open, need.saturating_add(allowance), &pauses)
        .with_context(ctx)?;
    c.decided_at = c.deadline;
    Ok(c)
}

/// SLA results for a period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SlaKpis {
    /// `sla.<clock>.<kind>.p<N>.{population,met,compliance_pct,mean_min,median_min,p90_min}`.
    pub figures: Figures,
    /// Breached pairs decided in the period (None = データなし), by decision time.
    pub breaches: Option<Vec<Clock>>,
}

const STATS: [&str; 6] = [
    "population",
    "met",
    "compliance_pct",
    "mean_min",
    "median_min",
    "p90_min",
];

/// Figures of the clocks for period `p`. `clocks` is `None` when the tickets
/// source is absent or does not cover the period (every figure データなし).
pub fn summarise(clocks: Option<&[Clock]>, p: Period, targets: &[SlaTarget]) -> SlaKpis {
    let mut out = SlaKpis::default();
    let f = &mut out.figures;
    let Some(clocks) = clocks else {
        for t in targets {
            for s in STATS {
                f.set(format!("{}.{s}", t.key()), None);
            }
        }
        return out;
    };
    let mut pop = vec![0usize; targets.len()];
    let mut met = vec![0usize; targets.len()];
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); targets.len()];
    let mut breaches = Vec::new();
    for c in clocks {
        if c.decided_at.is_some_and(|d| p.contains_ms(d)) {
            pop[c.target] += 1;
            if c.met {
                met[c.target] += 1;
            } else {
                breaches.push(c.clone());
            }
        }
        if let (Some(s), Some(e)) = (c.stopped_at, c.elapsed_min) {
            if p.contains_ms(s) {
                times[c.target].push(e);
            }
        }
    }
    for (i, t) in targets.iter().enumerate() {
        let k = t.key();
        times[i].sort_by(f64::total_cmp);
        f.count(format!("{k}.population"), Some(pop[i]));
        f.count(format!("{k}.met"), Some(met[i]));
        // Population 0 (or no clock stopped) is 対象なし, not データなし.
        f.measured(format!("{k}.compliance_pct"), pct(met[i], pop[i]));
        f.measured(format!("{k}.mean_min"), mean(&times[i]));
        f.measured(format!("{k}.median_min"), median(&times[i]));
        f.measured(format!("{k}.p90_min"), nearest_rank(&times[i], 0.90));
    }
    breaches.sort_by(|a, b| {
        (a.decided_at, &a.ticket_id, a.clock).cmp(&(b.decided_at, &b.ticket_id, b.clock))
    });
    out.breaches = Some(breaches);
    out
}

/// All clocks of a dataset's tickets (None when tickets are absent).
/// Also returns the tickets left out (see [`clocks`]).
pub fn clocks_of(
    tickets: Option<&SourceData>,
    history: Option<&SourceData>,
    targets: &[SlaTarget],
    cals: &Calendars,
) -> Result<(Option<Vec<Clock>>, Vec<LeftOut>)> {
    let Some(t) = tickets else {
        return Ok((None, Vec::new()));
    };
    let pauses = history.map(|h| pauses_from_history(&h.frame)).transpose()?;
    let (c, problems) = clocks(&t.frame, pauses.as_ref(), targets, cals)?;
    Ok((Some(c), problems))
}

/// A target with a clock left out that could fall in `p` (its ticket was
/// opened before the period's end) cannot be judged from the rest: its
/// figures for `p` become データなし (the データ品質 note names the ticket),
/// never a 対象なし or a compliance over the clocks that could be counted.
pub fn left_out_is_no_data(
    k: &mut SlaKpis,
    left_out: &[LeftOut],
    targets: &[SlaTarget],
    p: Period,
) {
    for l in left_out.iter().filter(|l| l.opened_at < p.end_ms()) {
        let Some(t) = targets.get(l.target) else {
            continue;
        };
        for st in STATS {
            k.figures.set(format!("{}.{st}", t.key()), None);
        }
    }
}

/// Figures and breaches for a period, データなし when tickets do not cover it.
/// A clock whose event column is absent from every file is データなし
/// (never measured against another event): response needs
/// `first_response_at`; resolution needs `resolved_at` or `closed_at`.
pub fn compute(
    tickets: Option<&SourceData>,
    all: Option<&[Clock]>,
    p: Period,
    targets: &[SlaTarget],
) -> SlaKpis {
    let covered = tickets.is_some_and(|s| s.covers(p.start_ms(), p.end_ms()));
    let mut out = summarise(all.filter(|_| covered), p, targets);
    let Some(s) = tickets else { return out };
    let measurable = |c: ClockKind| match c {
        ClockKind::Response => s.present.contains("first_response_at"),
        ClockKind::Resolution => {
            s.present.contains("resolved_at") || s.present.contains("closed_at")
        }
    };
    for t in targets.iter().filter(|t| !measurable(t.clock)) {
        for st in STATS {
            out.figures.set(format!("{}.{st}", t.key()), None);
        }
    }
    if let Some(b) = &mut out.breaches {
        b.retain(|c| measurable(c.clock));
    }
    out
}
