//! tickets: the helpdesk / ITSM export (one row per ticket, latest state).
//!
//! Exports are snapshots; the same ticket may appear in several files. After
//! typing, [`finish`] fills `updated_at` (newest of the other timestamps when
//! empty) and keeps, per `ticket_id`, the row with the newest `updated_at`
//! (ties: the later file/row wins).

use super::schema::{col, ev, ColType::*, ColumnSpec, EnumValue, SourceSpec};
use crate::frame;
use polars::prelude::*;
use std::collections::HashMap;

/// Ticket kinds.
pub use crate::vocab::TICKET_KINDS as KINDS;
/// Ticket statuses.
pub const STATUSES: &[EnumValue] = &[
    ev("new", &["新規"]),
    ev("in_progress", &["対応中"]),
    ev("pending", &["保留"]),
    ev("resolved", &["解決済", "解決済み"]),
    ev("closed", &["完了"]),
    ev("cancelled", &["取消", "canceled"]),
];
/// Reception channels.
pub const CHANNELS: &[EnumValue] = &[
    ev("phone", &["電話"]),
    ev("fax", &["FAX", "ＦＡＸ"]),
    ev("email", &["メール", "e-mail", "mail"]),
    ev("web", &["Web", "ウェブ"]),
    ev("monitoring", &["監視"]),
];
const IMPACTS: &[EnumValue] = &[
    ev("none", &["なし"]),
    ev("degraded", &["一部"]),
    ev("outage", &["停止"]),
];
const CHANGE_CLASSES: &[EnumValue] = &[
    ev("emergency", &["緊急"]),
    ev("major", &["重大"]),
    ev("minor", &["軽微"]),
    ev("standard", &["標準"]),
];
const RESULTS: &[EnumValue] = &[
    ev("success", &["成功"]),
    ev("failed", &["失敗"]),
    ev("rolled_back", &["切り戻し"]),
];

const COLUMNS: &[ColumnSpec] = &[
    col("ticket_id", "チケット番号", Text, true),
    col("title", "件名", Text, false),
    col("kind", "種別", Enum(KINDS), true),
    col("opened_at", "受付日時", DateTime, true),
    col("updated_at", "更新日時", DateTime, false),
    col("first_response_at", "一次回答日時", DateTime, false),
    col("resolved_at", "解決日時", DateTime, false),
    col("closed_at", "完了日時", DateTime, false),
    col("status", "ステータス", Enum(STATUSES), true),
    col("priority", "優先度", Priority, true),
    col("category", "分類", Text, false),
    col("channel", "受付経路", Enum(CHANNELS), false),
    col("system", "対象システム", Text, false),
    col("assigned_group", "担当", Text, false),
    col("escalated", "エスカレーション", Bool, false),
    col("first_contact_resolved", "一次解決", Bool, false),
    col("reopened", "再オープン回数", Int, false),
    col("pending_minutes", "保留時間", Int, false),
    col("service_impact", "影響", Enum(IMPACTS), false),
    col("outage_start", "停止開始", DateTime, false),
    col("outage_end", "停止終了", DateTime, false),
    col("planned", "計画停止", Bool, false),
    col("change_class", "変更区分", Enum(CHANGE_CLASSES), false),
    col("result", "結果", Enum(RESULTS), false),
    col("scheduled_at", "実施予定日時", DateTime, false),
    col("work_minutes", "作業時間(分)", Int, false),
];

/// The tickets source.
pub static SPEC: SourceSpec = SourceSpec {
    name: "tickets",
    title_ja: "チケット",
    columns: COLUMNS,
    time_column: "opened_at",
    events: &[
        "opened_at",
        "updated_at",
        "first_response_at",
        "resolved_at",
        "closed_at",
        "outage_start",
        "outage_end",
    ],
    order: &[
        ("opened_at", "first_response_at"),
        ("opened_at", "resolved_at"),
        ("opened_at", "closed_at"),
        ("outage_start", "outage_end"),
    ],
    snapshot: true,
    personal: &[],
};

/// Fill `updated_at` and keep the newest row per ticket.
pub fn finish(df: DataFrame) -> PolarsResult<DataFrame> {
    let ids = frame::strs(&df, "ticket_id")?;
    let mut updated = frame::i64s(&df, "updated_at")?;
    let others: Vec<Vec<Option<i64>>> =
        ["opened_at", "first_response_at", "resolved_at", "closed_at"]
            .iter()
            .map(|c| frame::i64s(&df, c))
            .collect::<PolarsResult<_>>()?;
    for (i, u) in updated.iter_mut().enumerate() {
        if u.is_none() {
            *u = others.iter().filter_map(|c| c[i]).max();
        }
    }
    // Newest updated_at per ticket; on a tie the later row (later file) wins.
    let mut best: HashMap<&str, usize> = HashMap::new();
    for (i, id) in ids.iter().enumerate() {
        let Some(id) = id else { continue };
        best.entry(id.as_str())
            .and_modify(|b| {
                if updated[i] >= updated[*b] {
                    *b = i;
                }
            })
            .or_insert(i);
    }
    let mut keep: Vec<IdxSize> = best.into_values().map(|i| i as IdxSize).collect();
    keep.sort_unstable();
    let mut df = df;
    df.with_column(frame::datetime_column("updated_at", updated))?;
    df.take(&IdxCa::from_vec("idx".into(), keep))
}
