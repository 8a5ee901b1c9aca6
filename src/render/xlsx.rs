//! Workbook renderer (rust_xlsxwriter): one sheet per section, plus 指標一覧
//! (every figure key and value, machine-readable) and 定義.
//!
//! - Header rows frozen, print setup A4 portrait, fit to one page wide, the
//!   table header repeated on every printed page, footer `n / N`.
//! - Numbers keep their figure values; units live in the number format
//!   (`#,##0"件"`, `0.0"%"` on 0–100 values, `分`, `秒`, `円`), so a cell
//!   equals its JSON figure exactly. データなし is text, never 0.
//! - Text from inputs is written with `write_string`: never a formula.
//! - Column widths are measured with East Asian widths (a CJK character is
//!   two columns), which the crate's autofit does not do.
//! - The document date is pinned to the report's as-of time, so the same
//!   inputs give a byte-identical file.

use crate::report::model::{Block, Cell, Chart, ChartKind, Document, Orientation, Table, Unit};
use crate::report::model::{Fig, MISSING, NO_POPULATION};
use rust_xlsxwriter::{
    Chart as XChart, ChartType, ConditionalFormat2ColorScale, DocProperties, ExcelDateTime, Format,
    FormatAlign, FormatBorder, IntoCustomDateTime, Url, Workbook, Worksheet, XlsxError,
};
use unicode_width::UnicodeWidthStr;

struct UtcStamp(String);
impl IntoCustomDateTime for &UtcStamp {
    fn utc_datetime(self) -> String {
        self.0.clone()
    }
}

struct Formats {
    title: Format,
    subtitle: Format,
    caption: Format,
    header: Format,
    text: Format,
    missing: Format,
    datetime: Format,
    wrap: Format,
}

fn number_format(unit: Unit) -> Format {
    Format::new()
        .set_num_format(unit_format(unit))
        .set_border(FormatBorder::Thin)
}

/// Excel number format of a unit (also the chart axes').
fn unit_format(unit: Unit) -> &'static str {
    match unit {
        Unit::Count => "#,##0\"件\"",
        Unit::Percent => "0.0\"%\"",
        Unit::PercentFine => "0.00\"%\"",
        Unit::Minutes => "#,##0.0\"分\"",
        Unit::Seconds => "#,##0.0\"秒\"",
        Unit::Yen => "#,##0\"円\"",
        Unit::Decimal => "#,##0.0",
        Unit::Integer => "0",
        Unit::CountDelta => "+#,##0\"件\";-#,##0\"件\";0\"件\"",
        Unit::PointDelta => "+0.0\"pt\";-0.0\"pt\";0.0\"pt\"",
        Unit::SecondsDelta => "+#,##0.0\"秒\";-#,##0.0\"秒\";0.0\"秒\"",
        Unit::YenDelta => "+#,##0\"円\";-#,##0\"円\";0\"円\"",
        Unit::PercentDelta => "+0.0\"%\";-0.0\"%\";0.0\"%\"",
        Unit::YenFine => "#,##0.00\"円\"",
        Unit::Hours => "#,##0.0\"時間\"",
        Unit::Gib => "#,##0.0\"GiB\"",
        Unit::Days => "#,##0\"日\"",
    }
}

/// A workbook and the CSV 別紙 (annexes) of the tables longer than a sheet.
pub struct Rendered {
    pub bytes: Vec<u8>,
    /// (file name, bytes) of each annex, `<stem>.annex-<n>.csv`.
    pub annexes: Vec<(String, Vec<u8>)>,
}

/// The last row index a sheet has (Excel: 1,048,576 rows).
pub const EXCEL_ROWS: u32 = 1_048_576;

/// Render the document as an .xlsx workbook; `stem` names the annexes.
pub fn render(doc: &Document) -> Result<Rendered, XlsxError> {
    render_with(doc, EXCEL_ROWS)
}

/// The workbook renderer.
pub struct Xlsx;

impl crate::render::Renderer for Xlsx {
    fn noun(&self) -> &'static str {
        "workbook"
    }
    fn render(
        &self,
        doc: &Document,
        _: &crate::render::Assets,
    ) -> anyhow::Result<crate::render::Rendered> {
        let r = render(doc)?;
        let mut files = vec![(format!("{}.xlsx", doc.stem()), r.bytes)];
        // Tables longer than a sheet: their CSV 別紙 beside the workbook.
        files.extend(r.annexes);
        Ok(crate::render::Rendered {
            files,
            warnings: Vec::new(),
        })
    }
}

/// Tables and their annexes while writing.
struct Sink {
    /// Rows a sheet holds.
    rows: u32,
    stem: String,
    annexes: Vec<(String, Vec<u8>)>,
}

impl Sink {
    /// Every row of `t` as a CSV annex; returns its file name.
    fn annex(&mut self, t: &Table) -> String {
        let name = format!("{}.annex-{}.csv", self.stem, self.annexes.len() + 1);
        let mut w = csv::Writer::from_writer(Vec::new());
        let safe = |s: String| -> String {
            match s.as_bytes().first() {
                Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{s}"),
                _ => s,
            }
        };
        let _ = w.write_record(t.columns.iter().map(|c| safe(c.header.clone())));
        for row in &t.rows {
            let _ = w.write_record(row.iter().map(|c| safe(c.display())));
        }
        let mut bytes = vec![0xEF, 0xBB, 0xBF]; // a BOM, so Excel reads UTF-8
        bytes.extend(w.into_inner().unwrap_or_default());
        self.annexes.push((name.clone(), bytes));
        name
    }
}

/// [`render`] with a sheet of `max_rows` rows (tests of the annexes).
pub fn render_with(doc: &Document, max_rows: u32) -> Result<Rendered, XlsxError> {
    let mut sink = Sink {
        rows: max_rows,
        stem: doc.stem(),
        annexes: Vec::new(),
    };
    let f = Formats::new();
    let mut wb = Workbook::new();
    let created = UtcStamp(format!(
        "{}Z",
        (doc.as_of - chrono::Duration::hours(9)).format("%Y-%m-%dT%H:%M:%S")
    ));
    wb.set_properties(
        &DocProperties::new()
            .set_title(format!("{} {}", doc.title, doc.period))
            .set_author(&doc.author)
            .set_company(&doc.organisation)
            .set_creation_datetime(&created),
    );
    let names = doc.sheet_names();
    if let Some(cover) = &doc.cover {
        cover_sheet(&mut wb, &f, doc, cover, &names)?;
    }
    for (s, name) in doc.sections.iter().zip(&names) {
        section_sheet(&mut wb, &f, doc, s, name, &mut sink)?;
    }
    figures_sheet(&mut wb, &f, doc)?;
    definitions_sheet(&mut wb, &f, doc)?;
    Ok(Rendered {
        bytes: wb.save_to_buffer()?,
        annexes: sink.annexes,
    })
}

/// The font and size every cell uses.
fn base() -> Format {
    Format::new().set_font_name("游ゴシック").set_font_size(10)
}

impl Formats {
    fn new() -> Formats {
        Formats {
            title: base().set_bold().set_font_size(14),
            subtitle: base().set_font_color("#404040"),
            caption: base().set_bold(),
            header: base()
                .set_bold()
                .set_background_color("#D9E1F2")
                .set_border(FormatBorder::Thin)
                .set_align(FormatAlign::Center),
            text: base().set_border(FormatBorder::Thin),
            missing: base()
                .set_border(FormatBorder::Thin)
                .set_font_color("#808080")
                .set_align(FormatAlign::Center),
            datetime: base()
                .set_border(FormatBorder::Thin)
                .set_num_format("yyyy/mm/dd hh:mm"),
            wrap: base().set_border(FormatBorder::Thin).set_text_wrap(),
        }
    }
}

/// 表紙 with the 目次: one link per sheet.
fn cover_sheet(
    wb: &mut Workbook,
    f: &Formats,
    doc: &Document,
    cover: &crate::report::model::Cover,
    names: &[String],
) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name("表紙")?;
    page_setup(ws, doc)?;
    put(ws, 0, 0, &cover.submitted, &f.subtitle)?;
    put(ws, 1, 0, &cover.recipient, &base())?;
    put(ws, 3, 0, &doc.title, &f.title)?;
    put(ws, 4, 0, &doc.period_label, &base())?;
    put(ws, 5, 0, &doc.organisation, &base())?;
    put(ws, 6, 0, &doc.author, &base())?;
    put(ws, 8, 0, &cover.toc_title, &f.caption)?;
    let extra = ["指標一覧".to_string(), "定義".to_string()];
    for (row, name) in (9..).zip(names.iter().chain(&extra)) {
        // An apostrophe in a sheet name is doubled inside the reference.
        let target = format!("internal:'{}'!A1", name.replace('\'', "''"));
        ws.write_url_with_text(row, 0, Url::new(target), name)?;
    }
    let w = [
        &doc.title,
        &doc.period_label,
        &doc.organisation,
        &cover.recipient,
    ]
    .iter()
    .map(|s| s.width())
    .max()
    .unwrap_or(20);
    apply_widths(ws, &[w.min(58)])?;
    Ok(())
}

/// One section's sheet: its blocks in order, tables longer than the sheet
/// to annexes.
fn section_sheet(
    wb: &mut Workbook,
    f: &Formats,
    doc: &Document,
    s: &crate::report::model::Section,
    name: &str,
    sink: &mut Sink,
) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name(name)?;
    page_setup(ws, doc)?;
    let mut row = heading(ws, f, doc, &s.title)?;
    let mut widths: Vec<usize> = Vec::new();
    let mut first_header: Option<u32> = None;
    for b in &s.blocks {
        // A sheet filled by a table longer than it: the tables after it
        // go to annexes too (their charts are drawn from them).
        if row + 4 >= sink.rows {
            if let Block::Table(t) | Block::Heat(t) = b {
                sink.annex(t);
            }
            continue;
        }
        match b {
            Block::Table(t) => {
                let (next, hdr) = write_table(ws, f, t, row, &mut widths, sink)?;
                first_header.get_or_insert(hdr);
                row = next + 1;
            }
            Block::Heat(t) => {
                let (next, hdr) = write_table(ws, f, t, row, &mut widths, sink)?;
                first_header.get_or_insert(hdr);
                if !t.rows.is_empty() && !t.columns.is_empty() {
                    let scale = ConditionalFormat2ColorScale::new()
                        .set_minimum_color("#FFFFFF")
                        .set_maximum_color("#7399E0");
                    ws.add_conditional_format(
                        hdr + 1,
                        0,
                        next,
                        t.columns.len() as u16 - 1,
                        &scale,
                    )?;
                }
                row = next + 1;
            }
            Block::Chart(c) => row = write_chart(ws, f, c, row, &mut widths)? + 1,
            Block::Text(lines) => {
                for l in lines {
                    put(ws, row, 0, l, &base())?;
                    row += 1;
                }
                row += 1;
            }
        }
    }
    if let Some(h) = first_header {
        ws.set_freeze_panes(h + 1, 0)?;
        ws.set_repeat_rows(0, h)?;
    }
    apply_widths(ws, &widths)?;
    Ok(())
}

/// 指標一覧: every figure, one value per cell, with its unit.
fn figures_sheet(wb: &mut Workbook, f: &Formats, doc: &Document) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name("指標一覧")?;
    page_setup(ws, doc)?;
    let mut row = heading(ws, f, doc, "指標一覧")?;
    put(ws, row, 0, "指標キー", &f.header)?;
    put(ws, row, 1, "値", &f.header)?;
    put(ws, row, 2, "単位", &f.header)?;
    ws.set_freeze_panes(row + 1, 0)?;
    ws.set_repeat_rows(0, row)?;
    let mut widths = vec![12, 12, 6];
    for fr in &doc.figures {
        let (k, v) = (&fr.key, &fr.value);
        row += 1;
        put(ws, row, 0, k, &f.text)?;
        match v {
            Fig::Value(x) => {
                ws.write_number_with_format(
                    row,
                    1,
                    *x,
                    &number_format(Unit::Decimal).set_num_format("General"),
                )?;
            }
            Fig::NoData => put(ws, row, 1, MISSING, &f.missing)?,
            Fig::NoPopulation => put(ws, row, 1, NO_POPULATION, &f.missing)?,
        };
        put(ws, row, 2, fr.unit, &f.text)?;
        widths[0] = widths[0].max(k.width());
    }
    apply_widths(ws, &widths)?;
    Ok(())
}

/// 定義: the terms and their definitions.
fn definitions_sheet(wb: &mut Workbook, f: &Formats, doc: &Document) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name("定義")?;
    page_setup(ws, doc)?;
    let mut row = heading(ws, f, doc, "定義")?;
    let defs = &doc.definitions;
    for (i, c) in defs.columns.iter().enumerate() {
        put(ws, row, i as u16, &c.header, &f.header)?;
    }
    ws.set_freeze_panes(row + 1, 0)?;
    ws.set_repeat_rows(0, row)?;
    for r in &defs.rows {
        row += 1;
        for (i, c) in r.iter().enumerate() {
            // The term as text, its definition wrapped.
            let fmt = if i == 0 { &f.text } else { &f.wrap };
            put(ws, row, i as u16, c.display(), fmt)?;
        }
    }
    let term_w = defs
        .rows
        .iter()
        .filter_map(|r| r.first())
        .map(|c| c.display().width())
        .max()
        .unwrap_or(8);
    apply_widths(ws, &[term_w, 80])?;
    Ok(())
}

fn page_setup(ws: &mut Worksheet, doc: &Document) -> Result<(), XlsxError> {
    ws.set_paper_size(9); // A4
    match doc.orientation {
        Orientation::Portrait => ws.set_portrait(),
        Orientation::Landscape => ws.set_landscape(),
    };
    ws.set_print_fit_to_pages(1, 0);
    let esc = |s: &str| s.replace('&', "&&");
    ws.set_header(format!("&L{}&R{}", esc(&doc.title), esc(&doc.period_label)));
    ws.set_footer("&C&P / &N");
    Ok(())
}

/// Title, organisation and period at the top of a sheet; returns the next row.
fn heading(
    ws: &mut Worksheet,
    f: &Formats,
    doc: &Document,
    section: &str,
) -> Result<u32, XlsxError> {
    put(ws, 0, 0, format!("{} {}", doc.title, section), &f.title)?;
    put(
        ws,
        1,
        0,
        format!(
            "{}　{}　作成日時 {}",
            doc.organisation,
            doc.period_label,
            crate::time::format_datetime_ja(doc.as_of)
        ),
        &f.subtitle,
    )?;
    Ok(3)
}

fn note_width(widths: &mut Vec<usize>, col: usize, w: usize) {
    if widths.len() <= col {
        widths.resize(col + 1, 0);
    }
    widths[col] = widths[col].max(w);
}

/// Write a table at `row`; returns (last row written, header row).
fn write_table(
    ws: &mut Worksheet,
    f: &Formats,
    t: &Table,
    row: u32,
    widths: &mut Vec<usize>,
    sink: &mut Sink,
) -> Result<(u32, u32), XlsxError> {
    let mut r = row;
    if !t.caption.is_empty() {
        put(ws, r, 0, &t.caption, &f.caption)?;
        r += 1;
    }
    let hdr = r;
    for (c, col) in t.columns.iter().enumerate() {
        put(ws, r, c as u16, &col.header, &f.header)?;
        note_width(widths, c, col.header.width());
    }
    if t.rows.is_empty() {
        r += 1;
        put(ws, r, 0, &t.empty_text, &f.missing)?;
        return Ok((r, hdr));
    }
    // Rows that fit on the sheet, keeping one for the note.
    let room = sink.rows.saturating_sub(r + 2) as usize;
    let cut = t.rows.len() > room;
    for cells in t.rows.iter().take(if cut { room } else { t.rows.len() }) {
        r += 1;
        for (c, cell) in cells.iter().enumerate() {
            write_cell(ws, f, r, c as u16, cell)?;
            note_width(widths, c, cell.display().width());
        }
    }
    if cut {
        let name = sink.annex(t);
        r += 1;
        put(
            ws,
            r,
            0,
            format!(
                "ほか {} 行：シートの行数の上限（{}行）を超えるため、全{}行を別紙 {name} に出力しています",
                t.rows.len() - room,
                sink.rows,
                t.rows.len()
            ),
            &f.missing,
        )?;
    }
    Ok((r, hdr))
}

fn write_cell(
    ws: &mut Worksheet,
    f: &Formats,
    r: u32,
    c: u16,
    cell: &Cell,
) -> Result<(), XlsxError> {
    match cell {
        Cell::Text(s) => {
            put(ws, r, c, s, &f.text)?;
        }
        Cell::Number { value, unit, .. } => {
            ws.write_number_with_format(r, c, *value, &number_format(*unit))?;
        }
        Cell::Missing { .. } => {
            put(ws, r, c, crate::report::model::MISSING, &f.missing)?;
        }
        Cell::NoPopulation { .. } => {
            put(ws, r, c, crate::report::model::NO_POPULATION, &f.missing)?;
        }
        Cell::DateTime(dt) => {
            use chrono::{Datelike, Timelike};
            let x = ExcelDateTime::from_ymd(dt.year() as u16, dt.month() as u8, dt.day() as u8)?
                .and_hms(dt.hour() as u16, dt.minute() as u8, dt.second())?;
            ws.write_datetime_with_format(r, c, x, &f.datetime)?;
        }
        Cell::Empty => {
            ws.write_blank(r, c, &f.text)?;
        }
    }
    Ok(())
}

/// Write the chart's data as a small table and a native chart beside it;
/// returns the last row used.
fn write_chart(
    ws: &mut Worksheet,
    f: &Formats,
    c: &Chart,
    row: u32,
    widths: &mut Vec<usize>,
) -> Result<u32, XlsxError> {
    put(
        ws,
        row,
        0,
        format!("{}（グラフデータ、空欄はデータなし）", c.title),
        &f.caption,
    )?;
    if c.series.is_empty() || c.categories.is_empty() {
        // Nothing to draw: say so instead of an empty chart.
        put(ws, row + 1, 0, crate::report::model::MISSING, &f.missing)?;
        return Ok(row + 1);
    }
    let hdr = row + 1;
    put(ws, hdr, 0, &c.x_label, &f.header)?;
    for (j, s) in c.series.iter().enumerate() {
        put(ws, hdr, 1 + j as u16, &s.name, &f.header)?;
        note_width(widths, 1 + j, s.name.width());
    }
    for (i, cat) in c.categories.iter().enumerate() {
        let r = hdr + 1 + i as u32;
        put(ws, r, 0, cat, &f.text)?;
        for (j, s) in c.series.iter().enumerate() {
            match s.values.get(i).copied().flatten() {
                Some(v) => {
                    ws.write_number_with_format(r, 1 + j as u16, v, &number_format(c.unit))?
                }
                // Blank, not the text データなし: a chart plots a text cell as
                // 0, and a missing month must be a gap, never a zero.
                None => ws.write_blank(r, 1 + j as u16, &f.text)?,
            };
        }
    }
    let last = hdr + c.categories.len() as u32;
    let mut chart = XChart::new(match c.kind {
        ChartKind::Column => ChartType::Column,
        ChartKind::Line => ChartType::Line,
        ChartKind::StackedColumn => ChartType::ColumnStacked,
    });
    chart.title().set_name(&c.title);
    chart.x_axis().set_name(&c.x_label);
    chart
        .y_axis()
        .set_name(&c.y_label)
        .set_num_format(unit_format(c.unit));
    let sheet = ws.name();
    for (j, s) in c.series.iter().enumerate() {
        let col = 1 + j as u16;
        chart
            .add_series()
            .set_name(&s.name)
            .set_categories((sheet.as_str(), hdr + 1, 0, last, 0))
            .set_values((sheet.as_str(), hdr + 1, col, last, col));
    }
    chart.set_width(640).set_height(320);
    ws.insert_chart(hdr, 2 + c.series.len() as u16, &chart)?;
    Ok(last.max(hdr + 17))
}

fn apply_widths(ws: &mut Worksheet, widths: &[usize]) -> Result<(), XlsxError> {
    for (c, w) in widths.iter().enumerate() {
        let w = (*w as f64 + 2.0).clamp(8.0, 60.0);
        ws.set_column_width(c as u16, w)?;
    }
    Ok(())
}

/// Excel's limit on the characters of one cell.
pub const MAX_CELL_CHARS: usize = 32_767;

/// Write text, never longer than a cell holds: longer text (a user may
/// type anything) is cut with a marked ellipsis that says how long it was,
/// so nothing a user types can fail a report.
fn put(
    ws: &mut Worksheet,
    r: u32,
    c: u16,
    s: impl AsRef<str>,
    f: &Format,
) -> Result<(), XlsxError> {
    ws.write_string_with_format(r, c, cell_text(s.as_ref()), f)?;
    Ok(())
}

/// `s` cut to fit a cell (see [`put`]).
pub fn cell_text(s: &str) -> std::borrow::Cow<'_, str> {
    // Excel counts UTF-16 units; a char is at most two.
    if s.len() <= MAX_CELL_CHARS || s.encode_utf16().count() <= MAX_CELL_CHARS {
        return std::borrow::Cow::Borrowed(s);
    }
    let total = s.chars().count();
    let mark = format!("…（以下省略：全{total}文字）");
    let room = MAX_CELL_CHARS - mark.encode_utf16().count();
    let mut out = String::new();
    let mut units = 0;
    for ch in s.chars() {
        units += ch.len_utf16();
        if units > room {
            break;
        }
        out.push(ch);
    }
    out.push_str(&mark);
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_longer_than_a_sheet_goes_whole_to_a_csv_annex() {
        use crate::report::model::*;
        let rows: Vec<Vec<Cell>> = (0..50)
            .map(|i| {
                vec![
                    Cell::text(format!("=T{i}")),
                    Cell::num(i as f64, Unit::Count),
                ]
            })
            .collect();
        let table = Block::Table(Table {
            caption: "一覧".into(),
            columns: vec![
                Column {
                    header: "ID".into(),
                    weight: 1.0,
                },
                Column {
                    header: "件数".into(),
                    weight: 1.0,
                },
            ],
            rows,
            empty_text: String::new(),
            list: false,
        });
        let doc = Document {
            kind: crate::report::model::ReportCode::Daily,
            file_stem: "daily".into(),
            figures: Vec::new(),
            quality: Vec::new(),
            title: "日次報告".into(),
            organisation: String::new(),
            author: String::new(),
            period_label: String::new(),
            period: "2026-10-15".into(),
            as_of: chrono::NaiveDate::from_ymd_opt(2026, 10, 16)
                .unwrap()
                .and_hms_opt(2, 0, 0)
                .unwrap(),
            sections: vec![Section {
                id: "batch".into(),
                title: "ジョブ".into(),
                blocks: vec![table.clone(), table],
            }],
            definitions: Table {
                caption: String::new(),
                columns: Vec::new(),
                rows: Vec::new(),
                empty_text: String::new(),
                list: false,
            },
            cover: None,
            orientation: Orientation::Portrait,
            list_rows: 25,
            items: Vec::new(),
        };
        // A sheet of 30 rows: the first table is cut with a note, the second
        // does not fit at all; both are whole in their annexes.
        let r = render_with(&doc, 30).unwrap();
        assert_eq!(r.annexes.len(), 2);
        assert_eq!(r.annexes[0].0, "daily-2026-10-15.annex-1.csv");
        let csv = String::from_utf8(r.annexes[0].1[3..].to_vec()).unwrap();
        assert_eq!(csv.lines().count(), 51, "the header and all 50 rows");
        assert!(csv.contains("'=T0,0件"), "no formula: {csv}");
        let xml = {
            let mut z = zip::ZipArchive::new(std::io::Cursor::new(&r.bytes)).unwrap();
            let mut f = z.by_name("xl/sharedStrings.xml").unwrap();
            let mut s = String::new();
            std::io::Read::read_to_string(&mut f, &mut s).unwrap();
            s
        };
        assert!(
            xml.contains("全50行を別紙 daily-2026-10-15.annex-1.csv に出力しています"),
            "{xml}"
        );
    }

    #[test]
    fn long_text_is_cut_to_a_cell() {
        let s = "x".repeat(40_000);
        let c = cell_text(&s);
        assert_eq!(c.encode_utf16().count(), MAX_CELL_CHARS);
        assert!(c.ends_with("…（以下省略：全40000文字）"));
        // Characters outside the BMP count twice.
        let e = "😀".repeat(20_000);
        assert!(cell_text(&e).encode_utf16().count() <= MAX_CELL_CHARS);
        assert_eq!(cell_text("short"), "short");
    }
}
