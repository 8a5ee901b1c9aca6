//! backups: backup job results (one row per backup job).

use super::schema::{col, ev, ColType::*, ColumnSpec, EnumValue, SourceSpec};

const METHODS: &[EnumValue] = &[
    ev("full", &["フル"]),
    ev("incremental", &["増分"]),
    ev("differential", &["差分"]),
    ev("snapshot", &["スナップショット"]),
];
/// Backup statuses.
pub const STATUSES: &[EnumValue] = &[
    ev("success", &["正常", "成功"]),
    ev("failed", &["異常", "失敗"]),
    ev("partial", &["一部失敗"]),
    ev("running", &["実行中"]),
];

const COLUMNS: &[ColumnSpec] = &[
    col("backup_id", "ジョブID", Text, false),
    col("target", "対象", Text, true),
    col("method", "種別", Enum(METHODS), false),
    col("started_at", "開始日時", DateTime, true),
    col("ended_at", "終了日時", DateTime, false),
    col("status", "結果", Enum(STATUSES), true),
    col("size_bytes", "サイズ", Int, false),
    col("location", "保管先", Text, false),
];

/// The backups source.
pub static SPEC: SourceSpec = SourceSpec {
    name: "backups",
    title_ja: "バックアップ",
    columns: COLUMNS,
    time_column: "started_at",
    events: &["started_at", "ended_at"],
    order: &[("started_at", "ended_at")],
    snapshot: false,
    personal: &[],
};
