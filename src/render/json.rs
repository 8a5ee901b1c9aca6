//! The JSON of every figure (figures.md): `report`, `period`, `as_of`,
//! `figures` (flat, sorted keys; `null` = データなし) and `data_quality`.

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

/// The JSON renderer.
pub struct Json;

impl crate::render::Renderer for Json {
    fn noun(&self) -> &'static str {
        "JSON"
    }
    fn render(
        &self,
        doc: &Document,
        _: &crate::render::Assets,
    ) -> anyhow::Result<crate::render::Rendered> {
        Ok(crate::render::Rendered {
            files: vec![(format!("{}.json", doc.stem()), render(doc))],
            warnings: Vec::new(),
        })
    }
}

/// Render the figures document.
pub fn render(doc: &Document) -> Vec<u8> {
    let figs: Map<String, Value> = doc
        .figures
        .iter()
        .map(|f| (f.key.clone(), figure_value(f.value.value())))
        .collect();
    let v = json!({
        "report": doc.kind,
        "period": doc.period,
        "as_of": crate::time::format_iso_jst(doc.as_of),
        "figures": figs,
        "items": doc.items,
        "data_quality": doc.quality,
    });
    let mut out = serde_json::to_vec_pretty(&v).expect("JSON of plain values");
    out.push(b'\n');
    out
}
