//! Small helpers between polars frames and plain Rust values.
//!
//! Canonical frames store datetimes as `Datetime(ms)` naive JST (see
//! [`crate::time`]). These helpers read columns out as vectors for the parts
//! of the KPI logic that are sequential by nature (instances, intervals), and
//! build typed columns back.

use polars::prelude::*;

/// A string column as a borrowed chunked array.
pub fn str_ca<'a>(df: &'a DataFrame, name: &str) -> PolarsResult<&'a StringChunked> {
    df.column(name)?.str()
}

/// A string column as owned values.
pub fn strs(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<String>>> {
    Ok(str_ca(df, name)?
        .iter()
        .map(|v| v.map(str::to_owned))
        .collect())
}

/// An integer or datetime column as `i64` values (datetimes: naive JST ms).
pub fn i64s(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<i64>>> {
    let c = df.column(name)?.cast(&DataType::Int64)?;
    Ok(c.i64()?.iter().collect())
}

/// A `UInt32` column (the provenance columns `_file` and `_line`); all
/// `None` when the frame has no such column.
pub fn u32s(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<u32>>> {
    match df.column(name) {
        Ok(c) => Ok(c.cast(&DataType::UInt32)?.u32()?.iter().collect()),
        Err(_) => Ok(vec![None; df.height()]),
    }
}

/// A numeric column as `f64` values.
pub fn f64s(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<f64>>> {
    let c = df.column(name)?.cast(&DataType::Float64)?;
    Ok(c.f64()?.iter().collect())
}

/// A boolean column.
pub fn bools(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<bool>>> {
    Ok(df.column(name)?.bool()?.iter().collect())
}

/// Build a `Datetime(ms)` column from naive JST ms values.
pub fn datetime_column(name: &str, values: Vec<Option<i64>>) -> Column {
    Int64Chunked::from_iter_options(name.into(), values.into_iter())
        .into_datetime(TimeUnit::Milliseconds, None)
        .into_column()
}
