//! Typing of one cell and the column builders, shared by the canonical
//! reader and the typing of what adapters and profiles extract, so a value
//! is checked the same way wherever it came from.
//!
//! Free text is masked for phone numbers here ([`crate::mask::mask_phones`]),
//! at the door: nothing downstream ever holds a caller's number that landed
//! in a text column. Every other cell has full-width ASCII folded first
//! ([`super::schema::ascii_fold`]).

use super::schema::{
    ascii_fold, parse_bool, parse_enum, parse_float, parse_int, parse_priority, ColType, ColumnSpec,
};
use crate::problem::Problem;
use crate::time::parse_datetime_ms;
use polars::prelude::*;
use std::borrow::Cow;

/// A typed cell before it is committed to its column.
#[derive(Debug, Clone, PartialEq)]
pub enum Val<'a> {
    Null,
    Str(Cow<'a, str>),
    Code(&'static str),
    Int(i64),
    Float(f64),
    Bool(bool),
}

/// Type one cell of column `c` (`None` or blank = empty).
pub fn parse_cell<'a>(c: &'static ColumnSpec, raw: Option<&'a str>) -> Result<Val<'a>, Problem> {
    let s = match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None if c.required => return Err(Problem::plain("required_empty")),
        None => return Ok(Val::Null),
        Some(s) => s,
    };
    Ok(match &c.ty {
        ColType::Text => Val::Str(crate::mask::mask_phones(s)),
        ColType::Enum(values) => Val::Code(parse_enum(values, &ascii_fold(s))?),
        ColType::DateTime => Val::Int(parse_datetime_ms(&ascii_fold(s))?),
        ColType::Int => Val::Int(parse_int(&ascii_fold(s))?),
        ColType::Priority => Val::Int(parse_priority(&ascii_fold(s))?),
        ColType::Float => Val::Float(parse_float(&ascii_fold(s))?),
        ColType::Bool => Val::Bool(parse_bool(&ascii_fold(s))?),
    })
}

/// Builds one canonical column from committed cells.
pub enum Builder {
    Str(StringChunkedBuilder),
    Int(Vec<Option<i64>>),
    Float(Vec<Option<f64>>),
    Bool(Vec<Option<bool>>),
}

impl Builder {
    /// A builder for column `c` with room for `cap` rows.
    pub fn new(c: &ColumnSpec, cap: usize) -> Builder {
        match c.ty {
            ColType::Text | ColType::Enum(_) => {
                Builder::Str(StringChunkedBuilder::new(c.name.into(), cap))
            }
            ColType::DateTime | ColType::Int | ColType::Priority => {
                Builder::Int(Vec::with_capacity(cap))
            }
            ColType::Float => Builder::Float(Vec::with_capacity(cap)),
            ColType::Bool => Builder::Bool(Vec::with_capacity(cap)),
        }
    }

    /// Append a cell (typed by [`parse_cell`] for the same column).
    pub fn push(&mut self, v: &Val) {
        match (self, v) {
            (Builder::Str(b), Val::Str(s)) => b.append_value(s.as_ref()),
            (Builder::Str(b), Val::Code(s)) => b.append_value(*s),
            (Builder::Str(b), _) => b.append_null(),
            (Builder::Int(b), Val::Int(x)) => b.push(Some(*x)),
            (Builder::Int(b), _) => b.push(None),
            (Builder::Float(b), Val::Float(x)) => b.push(Some(*x)),
            (Builder::Float(b), _) => b.push(None),
            (Builder::Bool(b), Val::Bool(x)) => b.push(Some(*x)),
            (Builder::Bool(b), _) => b.push(None),
        }
    }

    /// The finished column.
    pub fn finish(self, c: &ColumnSpec) -> Column {
        match self {
            Builder::Str(b) => b.finish().into_column(),
            Builder::Int(v) => {
                let ca = Int64Chunked::from_iter_options(c.name.into(), v.into_iter());
                if matches!(c.ty, ColType::DateTime) {
                    ca.into_datetime(TimeUnit::Milliseconds, None).into_column()
                } else {
                    ca.into_column()
                }
            }
            Builder::Float(v) => {
                Float64Chunked::from_iter_options(c.name.into(), v.into_iter()).into_column()
            }
            Builder::Bool(v) => {
                BooleanChunked::from_iter_options(c.name.into(), v.into_iter()).into_column()
            }
        }
    }
}

/// An all-null column of `c`'s type.
pub fn null_column(c: &ColumnSpec, height: usize) -> Column {
    let dtype = match c.ty {
        ColType::Text | ColType::Enum(_) => DataType::String,
        ColType::DateTime => DataType::Datetime(TimeUnit::Milliseconds, None),
        ColType::Int | ColType::Priority => DataType::Int64,
        ColType::Float => DataType::Float64,
        ColType::Bool => DataType::Boolean,
    };
    Column::full_null(c.name.into(), height, &dtype)
}

/// Name of the provenance column holding the input file's index in
/// [`super::Dataset::inputs`].
pub const FILE_COL: &str = "_file";
/// Name of the provenance column holding the physical line of the row.
pub const LINE_COL: &str = "_line";

/// The provenance columns of `lines.len()` rows of file `file`.
pub fn provenance(file: u32, lines: Vec<u32>) -> [Column; 2] {
    let n = lines.len();
    [
        UInt32Chunked::full(FILE_COL.into(), file, n).into_column(),
        UInt32Chunked::from_vec(LINE_COL.into(), lines).into_column(),
    ]
}
