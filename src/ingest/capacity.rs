//! capacity: resource samples (long format, one row per sample).

use super::schema::{col, ColType::*, ColumnSpec, SourceSpec};

const COLUMNS: &[ColumnSpec] = &[
    col("host", "ホスト", Text, true),
    // Metric names are open-ended (cpu_pct, mem_pct, disk_pct, swap_pct,
    // net_mbps, …): kept as text; thresholds apply to names ending in _pct.
    col("metric", "項目", Text, true),
    col("resource", "対象", Text, false),
    col("sampled_at", "取得日時", DateTime, true),
    col("value", "値", Float, true),
];

/// The capacity source.
pub static SPEC: SourceSpec = SourceSpec {
    name: "capacity",
    title_ja: "リソース使用状況",
    columns: COLUMNS,
    time_column: "sampled_at",
    events: &["sampled_at"],
    order: &[],
    snapshot: false,
    personal: &[],
};
