//! Events in the order they happen: a row whose later event is recorded
//! before its earlier one (an outage that ends before it starts, a call
//! answered before it was offered, a ticket resolved before it was opened)
//! cannot be counted — it would give a 100 % 稼働率, a negative ASA or a
//! 0-minute SLA clock. Such a row is set aside like a row that cannot be
//! parsed: named by file, line and column in データ品質 and the rejected
//! rows file (and failing the run under `--strict`). Equal times are fine.
//!
//! The pairs are declared per source in [`SourceSpec::order`], so every
//! reader (canonical CSV, adapters, profiles) is checked the same way.

use super::csv_reader::{FileData, RowIssue};
use super::schema::SourceSpec;
use super::typing::{FILE_COL, LINE_COL};
use crate::problem::Problem;
use polars::prelude::*;

/// Set aside the rows of `fd` whose events are out of order.
pub fn set_aside_out_of_order(spec: &SourceSpec, fd: &mut FileData) -> PolarsResult<()> {
    let df = &fd.frame;
    if spec.order.is_empty() || df.height() == 0 {
        return Ok(());
    }
    let mut bad: Vec<Option<(&str, &str)>> = vec![None; df.height()];
    for &(earlier, later) in spec.order {
        let a = crate::frame::i64s(df, earlier)?;
        let b = crate::frame::i64s(df, later)?;
        for (i, slot) in bad.iter_mut().enumerate() {
            if let (None, Some(x), Some(y)) = (*slot, a[i], b[i]) {
                if y < x {
                    *slot = Some((earlier, later));
                }
            }
        }
    }
    if bad.iter().all(Option::is_none) {
        return Ok(());
    }
    let lines = crate::frame::u32s(df, LINE_COL)?;
    let shown = |col: &str, i: usize| -> PolarsResult<String> {
        Ok(crate::frame::i64s(df, col)?[i]
            .map(|t| {
                crate::time::ms_to_dt(t)
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string()
            })
            .unwrap_or_default())
    };
    // Columns by their Japanese header (解決日時) in the reason.
    let alias = |c: &'static str| spec.column(c).map_or(c, |s| s.alias);
    let mut issues = Vec::new();
    for (i, b) in bad.iter().enumerate() {
        let Some((earlier, later)) = *b else { continue };
        issues.push(RowIssue {
            file: fd.report.file.clone(),
            line: u64::from(lines[i].unwrap_or(0)),
            column: later.to_string(),
            problem: Problem::new(
                "out_of_order",
                [
                    alias(later),
                    &shown(later, i)?,
                    alias(earlier),
                    &shown(earlier, i)?,
                ],
            ),
            record: record_of(spec, df, i)?,
        });
    }
    let keep: BooleanChunked = bad.iter().map(Option::is_none).collect();
    let n = issues.len();
    fd.frame = fd.frame.filter(&keep)?;
    fd.report.accepted -= n;
    fd.report.rejected += n;
    fd.issues.extend(issues);
    Ok(())
}

/// The row as canonical `column=value` fields (personal columns masked),
/// for the rejected rows file: the raw record is no longer at hand here.
fn record_of(spec: &SourceSpec, df: &DataFrame, i: usize) -> PolarsResult<Vec<String>> {
    let mut out = Vec::new();
    for c in df.columns() {
        let name = c.name().as_str();
        if name == FILE_COL || name == LINE_COL {
            continue;
        }
        let v = c.get(i)?;
        if v.is_null() {
            continue;
        }
        let text = match v {
            AnyValue::Datetime(ms, _, _) => crate::time::ms_to_dt(ms)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string(),
            AnyValue::String(s) => s.to_string(),
            other => other.to_string(),
        };
        let text = if spec.personal.contains(&name) {
            "***".to_string()
        } else {
            text
        };
        out.push(format!("{name}={text}"));
    }
    Ok(out)
}
