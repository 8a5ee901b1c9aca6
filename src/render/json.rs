//! The JSON of every figure (figures.md): `report`, `period`, `as_of`,
//! `figures` (flat, sorted keys; `null` = データなし) and `data_quality`.

use crate::kpi::Figures;
use crate::report::daily::QualityNote;
use crate::report::model::Document;
use serde_json::{json, Map, Number, Value};

/// A figure as JSON: whole numbers as integers, `null` for データなし.
pub fn figure_value(v: Option<f64>) -> Value {
    match v {
        None => Value::Null,
        Some(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => Value::Number(Number::from(x as i64)),
        Some(x) => Number::from_f64(x).map_or(Value::Null, Value::Number),
    }
}

/// Render the figures document.
pub fn render(doc: &Document, figures: &Figures, quality: &[QualityNote]) -> Vec<u8> {
    let figs: Map<String, Value> = figures
        .0
        .iter()
        .map(|(k, v)| (k.clone(), figure_value(v.value())))
        .collect();
    let v = json!({
        "report": doc.kind,
        "period": doc.period,
        "as_of": crate::time::format_iso_jst(doc.as_of),
        "figures": figs,
        "items": doc.items,
        "data_quality": quality,
    });
    let mut out = serde_json::to_vec_pretty(&v).expect("JSON of plain values");
    out.push(b'\n');
    out
}
