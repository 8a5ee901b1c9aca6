//! The rejected-rows file written beside every report and ingest.

use crate::ingest::Dataset;
use crate::report::template::Templates;
use crate::util::no_formula;
use anyhow::Result;

/// The rejected-rows file: one row per problem (file, line, column, the
/// stable code, the reason in Japanese) with the raw record, so nothing is
/// lost. Phone-number-shaped text is masked in every field unless the site
/// keeps raw rejected rows (`[privacy] keep_raw_rejected`; the caller
/// column is masked by the readers either way). A cell that a spreadsheet
/// would take for a formula gets a leading `'`, as in the workbook.
pub fn rejected_csv(ds: &Dataset, tpl: &Templates, keep_raw: bool) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["file", "line", "column", "code", "reason", "record"])?;
    let masked = |s: &str| -> String {
        if keep_raw {
            s.to_string()
        } else {
            crate::mask::mask_phones(s).into_owned()
        }
    };
    for i in &ds.issues {
        let mut rec = csv::Writer::from_writer(Vec::new());
        let fields: Vec<String> = i.record.iter().map(|f| masked(f)).collect();
        rec.write_record(&fields)?;
        let raw = String::from_utf8(rec.into_inner()?)?;
        let cells = [
            masked(&i.file),
            i.line.to_string(),
            masked(&i.column),
            i.problem.code.to_string(),
            tpl.problem(&i.problem),
            raw.trim_end().to_string(),
        ];
        w.write_record(cells.iter().map(|c| no_formula(c).into_owned()))?;
    }
    Ok(w.into_inner()?)
}
