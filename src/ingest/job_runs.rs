//! job_runs: batch job execution log (one row per execution attempt).

use super::schema::{col, ev, ColType::*, ColumnSpec, EnumValue, SourceSpec};

/// Job statuses.
pub const STATUSES: &[EnumValue] = &[
    ev("success", &["正常終了", "正常"]),
    ev("warning", &["警告終了", "警告"]),
    ev("failed", &["異常終了", "異常"]),
    ev("killed", &["強制終了"]),
    ev("skipped", &["計画未実行"]),
    ev("running", &["実行中"]),
];

const COLUMNS: &[ColumnSpec] = &[
    col("job_name", "ジョブ名", Text, true),
    col("jobnet", "ジョブネット", Text, false),
    col("system", "対象システム", Text, false),
    col("host", "実行ホスト", Text, false),
    col("scheduled_at", "予定開始", DateTime, false),
    col("started_at", "開始日時", DateTime, true),
    col("ended_at", "終了日時", DateTime, false),
    col("status", "終了状態", Enum(STATUSES), true),
    col("return_code", "戻り値", Int, false),
    col("attempt", "実行回数", Int, false),
    col("deadline", "完了期限", DateTime, false),
];

/// The job_runs source.
pub static SPEC: SourceSpec = SourceSpec {
    name: "job_runs",
    title_ja: "ジョブ実行履歴",
    columns: COLUMNS,
    time_column: "started_at",
    events: &["scheduled_at", "started_at", "ended_at"],
    order: &[("started_at", "ended_at")],
    snapshot: false,
    personal: &[],
};
