//! ticket_status_history: the optional companion of tickets (one row per
//! status change). It gives the exact `pending` intervals that pause SLA
//! clocks; for a ticket it covers, it overrides `pending_minutes`
//! (kpis.md "Tickets").

use super::schema::{col, ColType::*, ColumnSpec, SourceSpec};
use super::tickets::STATUSES;

const COLUMNS: &[ColumnSpec] = &[
    col("ticket_id", "チケット番号", Text, true),
    col("changed_at", "変更日時", DateTime, true),
    col("to_status", "変更後ステータス", Enum(STATUSES), true),
];

/// The ticket_status_history source.
pub static SPEC: SourceSpec = SourceSpec {
    name: "ticket_status_history",
    title_ja: "チケット状態履歴",
    columns: COLUMNS,
    time_column: "changed_at",
    events: &["changed_at"],
    order: &[],
    snapshot: false,
    personal: &[],
};
