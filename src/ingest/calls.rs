//! calls: CTI call records (one row per inbound call).
//!
//! `caller` is personal data: it is masked in every output (rejected-rows
//! file included) and never used by any figure.

use super::schema::{col, ev, ColType::*, ColumnSpec, EnumValue, SourceSpec};
use crate::frame;
use polars::prelude::*;

/// Call outcomes.
pub const OUTCOMES: &[EnumValue] = &[
    ev("answered", &["応答"]),
    ev("abandoned", &["放棄"]),
    ev("timeout", &["タイムアウト"]),
    ev("overflow", &["転送"]),
];

const COLUMNS: &[ColumnSpec] = &[
    col("call_id", "呼ID", Text, true),
    col("queue", "キュー", Text, false),
    col("offered_at", "着信日時", DateTime, true),
    col("answered_at", "応答日時", DateTime, false),
    col("ended_at", "終了日時", DateTime, false),
    col("outcome", "結果", Enum(OUTCOMES), true),
    col("agent", "オペレータ", Text, false),
    col("talk_seconds", "通話秒", Int, false),
    col("wrap_seconds", "後処理秒", Int, false),
    col("caller", "発信者番号", Text, false),
];

/// The calls source.
pub static SPEC: SourceSpec = SourceSpec {
    name: "calls",
    title_ja: "コール",
    columns: COLUMNS,
    time_column: "offered_at",
    events: &["offered_at", "answered_at", "ended_at"],
    order: &[
        ("offered_at", "answered_at"),
        ("offered_at", "ended_at"),
        ("answered_at", "ended_at"),
    ],
    snapshot: false,
    personal: &["caller"],
};

/// Default `talk_seconds` to `ended_at − answered_at` and drop the caller
/// number, which no figure uses (so it cannot leak into any output).
pub fn finish(df: DataFrame) -> PolarsResult<DataFrame> {
    let talk = frame::i64s(&df, "talk_seconds")?;
    let ans = frame::i64s(&df, "answered_at")?;
    let end = frame::i64s(&df, "ended_at")?;
    let filled: Vec<Option<i64>> = talk
        .iter()
        .zip(ans.iter().zip(end.iter()))
        .map(|(t, (a, e))| match (t, a, e) {
            (Some(t), _, _) => Some(*t),
            (None, Some(a), Some(e)) if e >= a => Some((e - a) / 1000),
            _ => None,
        })
        .collect();
    let mut df = df;
    df.with_column(Column::new("talk_seconds".into(), filled))?;
    df.drop("caller")
}
