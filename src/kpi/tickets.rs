//! Ticket figures: received / resolved / backlog by kind, channels, top
//! categories, FCR, escalation, reopen, changes, and the priority 1–2
//! incident list (kpis.md "Tickets").

use super::{count, count_by, pct, within, Fig, Figures};
use crate::frame;
use crate::ingest::{tickets::KINDS, SourceData};
use crate::time::Period;
use polars::prelude::*;

/// Change classes in report order.
pub const CHANGE_CLASSES: [&str; 4] = ["emergency", "major", "minor", "standard"];

/// A priority 1–2 incident active during the period.
#[derive(Debug, Clone, PartialEq)]
pub struct MajorIncident {
    pub ticket_id: String,
    pub title: Option<String>,
    pub priority: i64,
    pub system: Option<String>,
    pub status: String,
    pub opened_at: i64,
    pub first_response_at: Option<i64>,
    pub resolved_at: Option<i64>,
}

/// Ticket results for a period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TicketKpis {
    /// Figures under `tickets.*` and `changes.*`.
    pub figures: Figures,
    /// Received per channel (None = データなし).
    pub by_channel: Option<Vec<(String, usize)>>,
    /// Most frequent categories among received tickets.
    pub top_categories: Option<Vec<(String, usize)>>,
    /// Priority 1–2 incidents open at some time in the period.
    pub major_incidents: Option<Vec<MajorIncident>>,
    /// Rows flagged in the period (a cancelled ticket with a resolution time).
    pub flags: Vec<crate::ingest::dedupe::RowFlag>,
}

/// Compute ticket figures. `src` is `None` when no ticket file was provided.
pub fn compute(src: Option<&SourceData>, p: Period, top_n: usize) -> PolarsResult<TicketKpis> {
    let mut out = TicketKpis::default();
    let covered = src.filter(|s| s.covers(p.start_ms(), p.end_ms()));
    let Some(s) = covered else {
        no_data(&mut out.figures);
        return Ok(out);
    };
    let (start, end) = (p.start_ms(), p.end_ms());
    let lf = s.frame.clone().lazy();
    let received = lf.clone().filter(within("opened_at", start, end));
    let resolved = lf.clone().filter(within("resolved_at", start, end));
    let backlog = lf.clone().filter(
        col("opened_at")
            .cast(DataType::Int64)
            .lt(lit(end))
            .and(col("status").neq(lit("cancelled")))
            .and(
                col("resolved_at")
                    .is_null()
                    .or(col("resolved_at").cast(DataType::Int64).gt_eq(lit(end))),
            ),
    );
    let [n_received, n_resolved, _] = counts(s, &received, &resolved, &backlog, &mut out.figures)?;
    rates(
        s,
        &received,
        &resolved,
        n_received,
        n_resolved,
        &mut out.figures,
    )?;
    changes(s, &received, &mut out.figures)?;
    out.flags = cancelled_resolved(&resolved)?;
    breakdowns(s, received, top_n, &mut out)?;
    out.major_incidents = Some(major_incidents(lf, start, end)?);
    Ok(out)
}

/// Every figure データなし (no ticket data for the period).
fn no_data(f: &mut Figures) {
    for what in ["received", "resolved", "backlog"] {
        f.set(format!("tickets.{what}.total"), None);
        for k in KINDS {
            f.set(format!("tickets.{what}.{}", k.code), None);
        }
    }
    for k in [
        "tickets.fcr_pct",
        "tickets.escalation_pct",
        "tickets.reopen_pct",
        "changes.total",
        "changes.success_pct",
        "changes.emergency_pct",
    ] {
        f.set(k, None);
    }
    for c in CHANGE_CLASSES {
        f.set(format!("changes.by_class.{c}"), None);
    }
}

/// Received, resolved and backlog by kind; the totals.
fn counts(
    s: &SourceData,
    received: &LazyFrame,
    resolved: &LazyFrame,
    backlog: &LazyFrame,
    f: &mut Figures,
) -> PolarsResult<[usize; 3]> {
    let mut totals = [0usize; 3];
    for (i, (what, frame)) in [
        ("received", received),
        ("resolved", resolved),
        ("backlog", backlog),
    ]
    .into_iter()
    .enumerate()
    {
        let by_kind = count_by(frame.clone(), "kind")?;
        totals[i] = by_kind.values().sum();
        // Resolved and backlog need the resolution time: without the column
        // nothing can be said (every ticket would look unresolved).
        let known = what == "received" || s.present.contains("resolved_at");
        f.count(format!("tickets.{what}.total"), known.then_some(totals[i]));
        for k in KINDS {
            f.count(
                format!("tickets.{what}.{}", k.code),
                known.then(|| by_kind.get(k.code).copied().unwrap_or(0)),
            );
        }
    }

    Ok(totals)
}

/// FCR, escalation and reopen rates.
fn rates(
    s: &SourceData,
    received: &LazyFrame,
    resolved: &LazyFrame,
    n_received: usize,
    n_resolved: usize,
    f: &mut Figures,
) -> PolarsResult<()> {
    // Rates: column absent → データなし; a zero denominator → 対象なし; an
    // empty cell counts as false.
    let rate = |present: bool, num: LazyFrame, den: usize| -> PolarsResult<Fig> {
        Ok(if present {
            Fig::or_no_population(pct(count(num)?, den))
        } else {
            Fig::NoData
        })
    };
    let inquiries_resolved = resolved.clone().filter(col("kind").eq(lit("inquiry")));
    let n_inq = count(inquiries_resolved.clone())?;
    f.put(
        "tickets.fcr_pct",
        rate(
            s.present.contains("first_contact_resolved"),
            inquiries_resolved.filter(col("first_contact_resolved").eq(lit(true))),
            n_inq,
        )?,
    );
    f.put(
        "tickets.escalation_pct",
        rate(
            s.present.contains("escalated"),
            received.clone().filter(col("escalated").eq(lit(true))),
            n_received,
        )?,
    );
    f.put(
        "tickets.reopen_pct",
        rate(
            s.present.contains("reopened"),
            resolved.clone().filter(col("reopened").gt(lit(0i64))),
            n_resolved,
        )?,
    );

    Ok(())
}

/// Changes opened in the period: by class, success and emergency rates.
fn changes(s: &SourceData, received: &LazyFrame, f: &mut Figures) -> PolarsResult<()> {
    let changes = received.clone().filter(col("kind").eq(lit("change")));
    let n_changes = count(changes.clone())?;
    f.count("changes.total", Some(n_changes));
    // The class and the result are optional columns: without them the
    // figures are データなし, never 0.
    let has_class = s.present.contains("change_class");
    let by_class = count_by(changes.clone(), "change_class")?;
    for c in CHANGE_CLASSES {
        f.count(
            format!("changes.by_class.{c}"),
            has_class.then(|| by_class.get(c).copied().unwrap_or(0)),
        );
    }
    let with_result = count(changes.clone().filter(col("result").is_not_null()))?;
    let success = count(changes.clone().filter(col("result").eq(lit("success"))))?;
    f.put(
        "changes.success_pct",
        if s.present.contains("result") {
            Fig::or_no_population(pct(success, with_result))
        } else {
            Fig::NoData
        },
    );
    f.put(
        "changes.emergency_pct",
        if has_class {
            Fig::or_no_population(pct(
                by_class.get("emergency").copied().unwrap_or(0),
                n_changes,
            ))
        } else {
            Fig::NoData
        },
    );

    Ok(())
}

/// A cancelled ticket with a resolution time in the period: counted as
/// resolved (kpis.md), but the reader should know.
fn cancelled_resolved(resolved: &LazyFrame) -> PolarsResult<Vec<crate::ingest::dedupe::RowFlag>> {
    let mut flags = Vec::new();
    let odd = resolved
        .clone()
        .filter(col("status").eq(lit("cancelled")))
        .collect()?;
    if odd.height() > 0 {
        let ids = frame::strs(&odd, "ticket_id")?;
        let files = frame::u32s(&odd, crate::ingest::typing::FILE_COL)?;
        let lines = frame::u32s(&odd, crate::ingest::typing::LINE_COL)?;
        for i in 0..odd.height() {
            flags.push(crate::ingest::dedupe::RowFlag {
                file: files[i],
                line: lines[i],
                column: "resolved_at".into(),
                problem: crate::problem::Problem::new(
                    "cancelled_resolved",
                    [ids[i].clone().unwrap_or_default()],
                ),
            });
        }
    }
    Ok(flags)
}

/// Received tickets by channel and the top categories.
fn breakdowns(
    s: &SourceData,
    received: LazyFrame,
    top_n: usize,
    out: &mut TicketKpis,
) -> PolarsResult<()> {
    let f = &mut out.figures;
    // Optional columns: without the column, the table is データなし.
    if s.present.contains("channel") {
        let mut ch: Vec<(String, usize)> =
            count_by(received.clone(), "channel")?.into_iter().collect();
        ch.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        for (c, n) in &ch {
            let key = if c.is_empty() { "unknown" } else { c };
            f.count(format!("tickets.received_by_channel.{key}"), Some(*n));
        }
        out.by_channel = Some(ch);
    }
    if s.present.contains("category") {
        let mut cats: Vec<(String, usize)> = count_by(received, "category")?.into_iter().collect();
        cats.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        cats.truncate(top_n);
        out.top_categories = Some(cats);
    }

    Ok(())
}

/// Priority 1–2 incidents active in the period.
fn major_incidents(lf: LazyFrame, start: i64, end: i64) -> PolarsResult<Vec<MajorIncident>> {
    let major = lf
        .filter(
            col("kind")
                .eq(lit("incident"))
                .and(col("priority").lt_eq(lit(2i64)))
                .and(col("opened_at").cast(DataType::Int64).lt(lit(end)))
                .and(
                    col("resolved_at")
                        .is_null()
                        .or(col("resolved_at").cast(DataType::Int64).gt_eq(lit(start))),
                ),
        )
        .sort(["opened_at"], Default::default())
        .collect()?;
    let ids = frame::strs(&major, "ticket_id")?;
    let titles = frame::strs(&major, "title")?;
    let prio = frame::i64s(&major, "priority")?;
    let sys = frame::strs(&major, "system")?;
    let status = frame::strs(&major, "status")?;
    let opened = frame::i64s(&major, "opened_at")?;
    let fr = frame::i64s(&major, "first_response_at")?;
    let res = frame::i64s(&major, "resolved_at")?;
    Ok((0..major.height())
        .map(|i| MajorIncident {
            ticket_id: ids[i].clone().unwrap_or_default(),
            title: titles[i].clone(),
            priority: prio[i].unwrap_or(0),
            system: sys[i].clone(),
            status: status[i].clone().unwrap_or_default(),
            opened_at: opened[i].unwrap_or(0),
            first_response_at: fr[i],
            resolved_at: res[i],
        })
        .collect())
}
