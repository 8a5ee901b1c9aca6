//! PDF renderer: lays a [`Document`] out on A4 portrait pages with printpdf.
//!
//! # Layout model
//!
//! All layout happens in points with a *top-down* `y` (distance from the top
//! edge of the page); it is flipped to printpdf's bottom-left origin only when
//! an [`Op`] is emitted. A [`Pager`] owns the page being filled (`ops`), the
//! finished pages and the cursor `y`:
//!
//! * every page gets the header band (title, organisation, period label and a
//!   rule) when it is opened; content flows between `CONTENT_TOP` and
//!   the content bottom inside 15 mm side margins (A4 portrait or
//!   landscape, from the template);
//! * blocks ask for the height they need (`ensure`) and open a new page when
//!   it is not there; tables break between rows and repeat their header row,
//!   a row taller than a page is clipped (its last line ends in "…");
//! * once everything is laid out the page count `N` is known and each page
//!   gets its footer (作成日時 at the left, "n / N" centred).
//!
//! Only one font is used (IPAex Gothic, no bold), so hierarchy comes from size
//! and fills. Text is measured exactly as the PDF viewer will advance it (the
//! `/W` widths printpdf writes: `trunc(advance × 1000 / unitsPerEm)`), so
//! wrapping and right alignment match the output. A character the font lacks
//! is drawn as `〓` and reported in [`PdfOutput::missing_chars`].
//!
//! The output is byte-identical for the same document: the font is registered
//! under a fixed resource id, the document dates are the document's as-of
//! time and the trailer `/ID` is derived from the report kind and period.

use std::collections::BTreeSet;
use std::mem::take;

use anyhow::{anyhow, bail, Result};
use chrono::{Datelike, NaiveDateTime, Timelike};
use printpdf::color::{Color, Rgb};
use printpdf::date::{
    Date as PdfDate, DateTime as PdfDateTime, Offset as PdfOffset, Time as PdfTime,
};
use printpdf::deserialize::{PdfParseErrorSeverity, PdfWarnMsg};
use printpdf::font::{ParsedFont, PdfFont as PpFont};
use printpdf::graphics::{Line, LinePoint, PaintMode, Point, Rect, WindingOrder};
use printpdf::matrix::TextMatrix;
use printpdf::ops::{Op, PdfFontHandle, PdfPage};
use printpdf::serialize::PdfSaveOptions;
use printpdf::text::TextItem;
use printpdf::units::{Mm, Pt};
use printpdf::{FontId, PdfDocument};
use sha2::{Digest, Sha256};

use crate::report::model::{
    Block, Cell, Chart, ChartKind, Cover, Document, Orientation, Table, MISSING,
};

/// Points per millimetre (the factor printpdf uses for `Mm` → `Pt`).
const MM: f32 = 2.834_646;
const fn mm(v: f32) -> f32 {
    v * MM
}

const MARGIN: f32 = mm(15.0);
const CONTENT_TOP: f32 = mm(19.0);
const BLOCK_GAP: f32 = mm(4.0);

const TABLE_SIZE: f32 = 8.5;
const TABLE_LH: f32 = TABLE_SIZE * 1.35;
const CELL_PAD: f32 = mm(1.5);
const CAPTION_SIZE: f32 = 9.5;
const CAPTION_LH: f32 = mm(5.5);
const TEXT_SIZE: f32 = 9.0;
const TEXT_LH: f32 = TEXT_SIZE * 1.5;
const TICK_SIZE: f32 = 6.5;

/// Resource name of the font; its first six letters become the subset tag.
const FONT_ID: &str = "HOKOKUJP";
const ELLIPSIS: &str = "…";

type Rgb3 = (f32, f32, f32);
const INK: Rgb3 = (0.1, 0.1, 0.1);
const GREY: Rgb3 = (0.45, 0.45, 0.45);
const RULE: Rgb3 = (0.55, 0.55, 0.55);
const GRID: Rgb3 = (0.87, 0.87, 0.87);
const HEAD_FILL: Rgb3 = (0.88, 0.88, 0.88);
const BAR_FILL: Rgb3 = (0.86, 0.92, 0.98);
const ACCENT: Rgb3 = (0.16, 0.36, 0.62);
const PALETTE: [Rgb3; 6] = [
    (0.16, 0.36, 0.62),
    (0.93, 0.49, 0.19),
    (0.36, 0.62, 0.29),
    (0.78, 0.22, 0.24),
    (0.52, 0.40, 0.68),
    (0.55, 0.55, 0.55),
];

/// The report font, parsed once and reused for measuring and embedding.
pub struct PdfFont {
    parsed: ParsedFont,
    units_per_em: f32,
    /// What a missing character is drawn as (`〓`, else `?`, else nothing).
    replacement: Option<char>,
}

impl PdfFont {
    /// Parse a TrueType/OpenType font (a plain `.ttf`/`.otf`, face 0).
    pub fn from_bytes(bytes: &[u8]) -> Result<PdfFont> {
        let mut warnings = Vec::new();
        let parsed = ParsedFont::from_bytes(bytes, 0, &mut warnings).ok_or_else(|| {
            let msgs: Vec<&str> = warnings.iter().map(|w| w.message.as_str()).collect();
            anyhow!("cannot parse the PDF font: {}", msgs.join("; "))
        })?;
        let upm = parsed.pdf_font_metrics.units_per_em;
        if upm == 0 {
            bail!("the PDF font has unitsPerEm = 0");
        }
        let mut font = PdfFont {
            parsed,
            units_per_em: f32::from(upm),
            replacement: None,
        };
        let replacement = ['〓', '?'].into_iter().find(|&c| font.has_char(c));
        font.replacement = replacement;
        Ok(font)
    }

    fn glyph(&self, c: char) -> Option<u16> {
        self.parsed.lookup_glyph_index(c as u32).filter(|&g| g != 0)
    }

    /// Whether the font has a glyph for `c`.
    pub fn has_char(&self, c: char) -> bool {
        self.glyph(c).is_some()
    }

    /// Advance of `c` as drawn, in 1/1000 em (control characters are not
    /// drawn, a tab is drawn as a space, a missing char as its replacement).
    fn char_units(&self, c: char) -> i64 {
        let c = match c {
            '\t' => ' ',
            c if c.is_control() => return 0,
            c => c,
        };
        match self
            .glyph(c)
            .or_else(|| self.replacement.and_then(|r| self.glyph(r)))
        {
            Some(g) => {
                (f32::from(self.parsed.get_horizontal_advance(g)) * 1000.0 / self.units_per_em)
                    as i64
            }
            None => 0,
        }
    }

    fn text_units(&self, text: &str) -> i64 {
        text.chars().map(|c| self.char_units(c)).sum()
    }

    /// Width in points of `text` set at `size_pt`, exactly as a viewer
    /// advances it.
    pub fn text_width_pt(&self, text: &str, size_pt: f32) -> f32 {
        self.text_units(text) as f32 / 1000.0 * size_pt
    }

    /// The text as drawn: control chars dropped (tab → space), chars the font
    /// lacks replaced and recorded in `missing`.
    fn sanitize(&self, text: &str, missing: &mut BTreeSet<char>) -> String {
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            if c == '\t' {
                out.push(' ');
            } else if c.is_control() {
                continue;
            } else if self.has_char(c) {
                out.push(c);
            } else {
                missing.insert(c);
                out.extend(self.replacement);
            }
        }
        out
    }

    /// Lines of `text` (hard breaks at `\n`) each at most `max_w` points wide.
    fn wrap(&self, text: &str, size: f32, max_w: f32) -> Vec<String> {
        let max_units = (max_w / size * 1000.0).floor() as i64;
        wrap_with(text, max_units, |c| self.char_units(c))
    }

    /// `text`, shortened with "…" if wider than `max_w`.
    fn ellipsize(&self, text: &str, size: f32, max_w: f32) -> String {
        if self.text_width_pt(text, size) <= max_w {
            text.to_string()
        } else {
            self.with_ellipsis(text, size, max_w)
        }
    }

    /// `text` shortened until it fits `max_w` with a trailing "…".
    fn with_ellipsis(&self, text: &str, size: f32, max_w: f32) -> String {
        let max_units = (max_w / size * 1000.0).floor() as i64 - self.text_units(ELLIPSIS);
        let mut out = String::new();
        let mut units = 0;
        for c in text.chars() {
            units += self.char_units(c);
            if units > max_units {
                break;
            }
            out.push(c);
        }
        out.push_str(ELLIPSIS);
        out
    }
}

/// Greedy line breaking over per-char advances (`width`, in 1/1000 em) with
/// a limit of `max` units. Breaks between any two characters (Japanese); a
/// Latin word that would straddle the limit moves to the next line when the
/// line has an earlier space. Every line fits `max`, unless it is a single
/// character wider than `max`.
fn wrap_with(text: &str, max: i64, width: impl Fn(char) -> i64) -> Vec<String> {
    let mut out = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        let mut w = 0i64;
        let mut last_space: Option<usize> = None; // byte index in `line`
        for c in para.chars() {
            let cw = width(c);
            if !line.is_empty() && w + cw > max {
                if c == ' ' {
                    out.push(take(&mut line));
                    w = 0;
                    last_space = None;
                    continue;
                }
                match last_space {
                    Some(i)
                        if i > 0
                            && c.is_ascii_graphic()
                            && line[i + 1..].chars().all(|x| x.is_ascii_graphic()) =>
                    {
                        let rest = line.split_off(i + 1);
                        line.truncate(i);
                        out.push(take(&mut line));
                        w = rest.chars().map(&width).sum();
                        line = rest;
                    }
                    _ => {
                        out.push(take(&mut line));
                        w = 0;
                    }
                }
                last_space = None;
                if !line.is_empty() && w + cw > max {
                    out.push(take(&mut line));
                    w = 0;
                }
            }
            if c == ' ' {
                last_space = Some(line.len());
            }
            line.push(c);
            w += cw;
        }
        out.push(line);
    }
    out
}

/// Column widths proportional to the weights (non-positive or non-finite
/// weights count as zero; all-zero weights give equal widths).
fn column_widths(weights: &[f32], total: f32) -> Vec<f32> {
    let clean: Vec<f32> = weights
        .iter()
        .map(|&w| if w.is_finite() && w > 0.0 { w } else { 0.0 })
        .collect();
    let sum: f32 = clean.iter().sum();
    if sum <= 0.0 {
        let n = weights.len().max(1) as f32;
        return vec![total / n; weights.len()];
    }
    clean.iter().map(|w| total * w / sum).collect()
}

/// A "nice" step (1, 2, 2.5, 5 × 10ⁿ) at least `raw`.
fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let base = 10f64.powf(raw.log10().floor());
    let f = raw / base;
    let nf = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 2.5 {
        2.5
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    nf * base
}

/// Round tick values covering `lo..=hi` with about `target` intervals, and the step.
fn nice_ticks(lo: f64, hi: f64, target: usize) -> (Vec<f64>, f64) {
    let (lo, hi) = match (lo.is_finite(), hi.is_finite() && hi > lo) {
        (true, true) => (lo, hi),
        (true, false) => (lo, lo + 1.0),
        _ => (0.0, 1.0),
    };
    let step = nice_step((hi - lo) / target.max(1) as f64);
    let i0 = (lo / step + 1e-9).floor() as i64;
    let i1 = ((hi / step - 1e-9).ceil() as i64).max(i0.saturating_add(1));
    let ticks = (i0..=i1.min(i0.saturating_add(100)))
        .map(|i| i as f64 * step)
        .collect();
    (ticks, step)
}

/// Decimals needed to show multiples of `step` exactly (at most 6).
fn tick_decimals(step: f64) -> usize {
    (0..6)
        .find(|&d| {
            let s = step * 10f64.powi(d as i32);
            (s - s.round()).abs() < 1e-6 * s.abs().max(1.0)
        })
        .unwrap_or(6)
}

/// A tick label: `decimals` places, thousands separators.
fn fmt_tick(v: f64, decimals: usize) -> String {
    let v = if v.abs() < 1e-12 { 0.0 } else { v };
    let s = format!("{v:.decimals$}");
    let (int, frac) = s
        .split_once('.')
        .map_or((s.as_str(), None), |(i, f)| (i, Some(f)));
    let (sign, digits) = int.strip_prefix('-').map_or(("", int), |d| ("-", d));
    let mut out = String::from(sign);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

fn color((r, g, b): Rgb3) -> Color {
    Color::Rgb(Rgb {
        r,
        g,
        b,
        icc_profile: None,
    })
}

/// Baseline for text of `size` vertically centred in a line box of `lh` at `top`.
fn baseline(top: f32, lh: f32, size: f32) -> f32 {
    top + (lh - size) / 2.0 + size * 0.88
}

#[derive(Clone, Copy)]
enum Align {
    Left,
    Right,
    Center,
}

/// One laid-out table row: wrapped lines per cell, cell spans `(x, width)`.
struct RowLayout {
    cells: Vec<(Vec<String>, Align, Rgb3)>,
    spans: Vec<(f32, f32)>,
    h: f32,
    /// Per-cell background (heat tables).
    fills: Vec<Option<Rgb3>>,
}

/// Per category of a stacked chart: (sum of negatives, sum of positives).
fn stack_sums(c: &Chart, n: usize) -> Vec<(f64, f64)> {
    let mut sums = vec![(0.0f64, 0.0f64); n];
    for s in &c.series {
        for (k, v) in s.values.iter().take(n).enumerate() {
            match v {
                Some(v) if v.is_finite() && *v > 0.0 => sums[k].1 += v,
                Some(v) if v.is_finite() => sums[k].0 += v,
                _ => {}
            }
        }
    }
    sums
}

/// Smallest and largest number in a table's cells.
fn heat_range(t: &Table) -> Option<(f64, f64)> {
    let vals = t.rows.iter().flatten().filter_map(|c| match c {
        Cell::Number { value, .. } if value.is_finite() => Some(*value),
        _ => None,
    });
    vals.fold(None, |acc, v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((f64::min(lo, v), f64::max(hi, v))),
    })
}

fn heat_fill(c: &Cell, lo: f64, hi: f64) -> Option<Rgb3> {
    match c {
        Cell::Number { value, .. } if value.is_finite() => Some(heat_color(if hi > lo {
            (value - lo) / (hi - lo)
        } else {
            0.0
        })),
        _ => None,
    }
}

/// A4 in millimetres for the orientation.
fn page_mm(o: Orientation) -> (f32, f32) {
    match o {
        Orientation::Portrait => (210.0, 297.0),
        Orientation::Landscape => (297.0, 210.0),
    }
}

/// A4 in points for the orientation.
fn page_size(o: Orientation) -> (f32, f32) {
    let (w, h) = page_mm(o);
    (mm(w), mm(h))
}

/// Heat colour for `t` in 0..=1: white to a mid blue that keeps ink legible.
fn heat_color(t: f64) -> Rgb3 {
    let t = t.clamp(0.0, 1.0) as f32;
    let (lo, hi) = ((1.0f32, 1.0f32, 1.0f32), (0.45f32, 0.62f32, 0.88f32));
    (
        lo.0 + (hi.0 - lo.0) * t,
        lo.1 + (hi.1 - lo.1) * t,
        lo.2 + (hi.2 - lo.2) * t,
    )
}

fn cell_style(c: &Cell) -> (String, Align, Rgb3) {
    match c {
        Cell::Number { .. } => (c.display(), Align::Right, INK),
        Cell::Missing { .. } | Cell::NoPopulation { .. } => (c.display(), Align::Center, GREY),
        _ => (c.display(), Align::Left, INK),
    }
}

/// Page builder; see the module docs.
struct Pager<'a> {
    font: &'a PdfFont,
    doc: &'a Document,
    pages: Vec<Vec<Op>>,
    ops: Vec<Op>,
    y: f32,
    missing: BTreeSet<char>,
    /// Page width and height (A4 portrait or landscape).
    pw: f32,
    ph: f32,
    /// Content width and the lowest content line.
    cw: f32,
    cb: f32,
}

impl<'a> Pager<'a> {
    fn new(font: &'a PdfFont, doc: &'a Document) -> Self {
        let mut p = Pager::blank(font, doc);
        p.page_header();
        p
    }

    /// A pager whose first page has no header band (the cover).
    fn blank(font: &'a PdfFont, doc: &'a Document) -> Self {
        let (pw, ph) = page_size(doc.orientation);
        Pager {
            font,
            doc,
            pages: Vec::new(),
            ops: Vec::new(),
            y: CONTENT_TOP,
            missing: BTreeSet::new(),
            pw,
            ph,
            cw: pw - 2.0 * MARGIN,
            cb: ph - mm(17.0),
        }
    }

    fn new_page(&mut self) {
        self.pages.push(take(&mut self.ops));
        self.y = CONTENT_TOP;
        self.page_header();
    }

    fn at_top(&self) -> bool {
        self.y <= CONTENT_TOP + 0.01
    }

    /// Start a new page unless `h` fits below the cursor (or the page is fresh).
    fn ensure(&mut self, h: f32) {
        if self.y + h > self.cb + 0.01 && !self.at_top() {
            self.new_page();
        }
    }

    // ---- primitives (x, y in pt from the top-left corner) ----

    fn text(&mut self, x: f32, base: f32, size: f32, col: Rgb3, s: &str) {
        let s = self.font.sanitize(s, &mut self.missing);
        if s.trim().is_empty() {
            return;
        }
        self.ops.extend([
            Op::StartTextSection,
            Op::SetFont {
                font: PdfFontHandle::External(FontId(FONT_ID.to_string())),
                size: Pt(size),
            },
            Op::SetFillColor { col: color(col) },
            Op::SetTextMatrix {
                matrix: TextMatrix::Translate(Pt(x), Pt(self.ph - base)),
            },
            Op::ShowText {
                items: vec![TextItem::Text(s)],
            },
            Op::EndTextSection,
        ]);
    }

    fn text_right(&mut self, right: f32, base: f32, size: f32, col: Rgb3, s: &str) {
        let w = self.font.text_width_pt(s, size);
        self.text(right - w, base, size, col, s);
    }

    fn text_center(&mut self, cx: f32, base: f32, size: f32, col: Rgb3, s: &str) {
        let w = self.font.text_width_pt(s, size);
        self.text(cx - w / 2.0, base, size, col, s);
    }

    fn rect(&mut self, x: f32, top: f32, w: f32, h: f32, mode: PaintMode) {
        self.ops.push(Op::DrawRectangle {
            rectangle: Rect {
                x: Pt(x),
                y: Pt(self.ph - top - h),
                width: Pt(w),
                height: Pt(h),
                mode: Some(mode),
                winding_order: Some(WindingOrder::NonZero),
            },
        });
    }

    fn fill_rect(&mut self, x: f32, top: f32, w: f32, h: f32, col: Rgb3) {
        if w > 0.0 && h > 0.0 {
            self.ops.push(Op::SetFillColor { col: color(col) });
            self.rect(x, top, w, h, PaintMode::Fill);
        }
    }

    fn stroke_rect(&mut self, x: f32, top: f32, w: f32, h: f32, col: Rgb3, thick: f32) {
        self.ops.push(Op::SetOutlineColor { col: color(col) });
        self.ops.push(Op::SetOutlineThickness { pt: Pt(thick) });
        self.rect(x, top, w, h, PaintMode::Stroke);
    }

    fn line(&mut self, pts: &[(f32, f32)], col: Rgb3, thick: f32) {
        if pts.len() < 2 {
            return;
        }
        self.ops.push(Op::SetOutlineColor { col: color(col) });
        self.ops.push(Op::SetOutlineThickness { pt: Pt(thick) });
        let points = pts
            .iter()
            .map(|&(x, y)| LinePoint {
                p: Point {
                    x: Pt(x),
                    y: Pt(self.ph - y),
                },
                bezier: false,
            })
            .collect();
        self.ops.push(Op::DrawLine {
            line: Line {
                points,
                is_closed: false,
            },
        });
    }

    // ---- page furniture ----

    fn page_header(&mut self) {
        let (d, f) = (self.doc, self.font);
        let base = mm(11.0);
        let title = f.ellipsize(&d.title, 10.0, self.cw * 0.5);
        let title_w = f.text_width_pt(&title, 10.0);
        let period_w = f.text_width_pt(&d.period_label, 8.5);
        self.text(MARGIN, base, 10.0, INK, &title);
        let org_x = MARGIN + title_w + mm(3.0);
        let org_max = self.pw - MARGIN - period_w - mm(3.0) - org_x;
        if org_max > mm(5.0) {
            let org = f.ellipsize(&d.organisation, 7.5, org_max);
            self.text(org_x, base, 7.5, GREY, &org);
        }
        self.text_right(self.pw - MARGIN, base, 8.5, INK, &d.period_label);
        self.line(
            &[(MARGIN, mm(13.5)), (self.pw - MARGIN, mm(13.5))],
            ACCENT,
            0.6,
        );
    }

    fn footer(&mut self, n: usize, total: usize, stamp: &str) {
        self.line(
            &[
                (MARGIN, (self.ph - mm(13.0))),
                (self.pw - MARGIN, (self.ph - mm(13.0))),
            ],
            RULE,
            0.3,
        );
        self.text(MARGIN, self.ph - mm(8.0), 7.0, GREY, stamp);
        self.text_center(
            self.pw / 2.0,
            self.ph - mm(8.0),
            8.0,
            INK,
            &format!("{n} / {total}"),
        );
    }

    fn title_block(&mut self) {
        let (d, f) = (self.doc, self.font);
        let mut y = self.y + mm(2.0);
        let title = f.ellipsize(&d.title, 18.0, self.cw);
        self.text(MARGIN, baseline(y, 18.0 * 1.4, 18.0), 18.0, INK, &title);
        y += 18.0 * 1.6;
        let mut lines = vec![
            (d.organisation.clone(), 10.5, INK),
            (d.period_label.clone(), 10.5, INK),
            (
                format!("作成日時 {}", crate::time::format_datetime_ja(d.as_of)),
                9.0,
                GREY,
            ),
        ];
        if !d.author.trim().is_empty() {
            lines.push((format!("作成者 {}", d.author), 9.0, GREY));
        }
        for (s, size, col) in lines {
            if s.trim().is_empty() {
                continue;
            }
            let s = f.ellipsize(&s, size, self.cw);
            self.text(MARGIN, baseline(y, size * 1.6, size), size, col, &s);
            y += size * 1.6;
        }
        y += mm(1.5);
        self.line(&[(MARGIN, y), (self.pw - MARGIN, y)], RULE, 0.5);
        self.y = y + mm(6.0);
    }

    fn heading(&mut self, label: &str) {
        if self.cb - self.y < mm(40.0) && !self.at_top() {
            self.new_page();
        }
        let (top, h) = (self.y, mm(8.0));
        self.fill_rect(MARGIN, top, self.cw, h, BAR_FILL);
        self.fill_rect(MARGIN, top, mm(1.5), h, ACCENT);
        let label = self.font.ellipsize(label, 12.0, self.cw - mm(6.0));
        self.text(MARGIN + mm(4.0), baseline(top, h, 12.0), 12.0, INK, &label);
        self.y = top + h + mm(3.0);
    }

    // ---- blocks ----

    /// One line of ink text at the left margin, advancing the cursor.
    fn flow_line(&mut self, text: &str, size: f32, lh: f32) {
        let top = self.y;
        self.text(MARGIN, baseline(top, lh, size), size, INK, text);
        self.y = top + lh;
    }

    fn paragraphs(&mut self, paras: &[String]) {
        let f = self.font;
        for p in paras {
            for line in f.wrap(p, TEXT_SIZE, self.cw) {
                self.ensure(TEXT_LH);
                self.flow_line(&line, TEXT_SIZE, TEXT_LH);
            }
            self.y += mm(1.5);
        }
    }

    /// Wrap each cell into its span; clip the row to `max_h` (last kept line
    /// of a clipped cell ends in "…").
    fn layout_row(
        &self,
        cells: Vec<(String, Align, Rgb3)>,
        spans: &[(f32, f32)],
        max_h: f32,
    ) -> RowLayout {
        let max_lines = (((max_h - 2.0 * CELL_PAD) / TABLE_LH).floor() as usize).max(1);
        let mut out = Vec::with_capacity(spans.len());
        let mut n_lines = 1;
        let mut cells = cells.into_iter();
        for &(_, w) in spans {
            let (text, align, col) = cells.next().unwrap_or((String::new(), Align::Left, INK));
            let inner = (w - 2.0 * CELL_PAD).max(1.0);
            let mut lines = self.font.wrap(&text, TABLE_SIZE, inner);
            if lines.len() > max_lines {
                lines.truncate(max_lines);
                if let Some(last) = lines.last_mut() {
                    *last = self.font.with_ellipsis(last, TABLE_SIZE, inner);
                }
            }
            n_lines = n_lines.max(lines.len());
            out.push((lines, align, col));
        }
        RowLayout {
            fills: Vec::new(),
            cells: out,
            spans: spans.to_vec(),
            h: n_lines as f32 * TABLE_LH + 2.0 * CELL_PAD,
        }
    }

    fn draw_row(&mut self, row: &RowLayout, fill: Option<Rgb3>) {
        let (f, top) = (self.font, self.y);
        if let Some(fill) = fill {
            for &(x, w) in &row.spans {
                self.fill_rect(x, top, w, row.h, fill);
            }
        }
        for (fill, &(x, w)) in row.fills.iter().zip(&row.spans) {
            if let Some(c) = fill {
                self.fill_rect(x, top, w, row.h, *c);
            }
        }
        for ((lines, align, col), &(x, w)) in row.cells.iter().zip(&row.spans) {
            for (k, line) in lines.iter().enumerate() {
                let base = baseline(top + CELL_PAD + k as f32 * TABLE_LH, TABLE_LH, TABLE_SIZE);
                let tw = f.text_width_pt(line, TABLE_SIZE);
                let tx = match align {
                    Align::Left => x + CELL_PAD,
                    Align::Right => x + w - CELL_PAD - tw,
                    Align::Center => x + (w - tw) / 2.0,
                };
                self.text(tx, base, TABLE_SIZE, *col, line);
            }
        }
        for &(x, w) in &row.spans {
            self.stroke_rect(x, top, w, row.h, RULE, 0.4);
        }
        self.y = top + row.h;
    }

    fn table(&mut self, t: &Table, heat: bool) {
        let weights: Vec<f32> = t.columns.iter().map(|c| c.weight).collect();
        let mut spans = Vec::with_capacity(weights.len());
        let mut x = MARGIN;
        for w in column_widths(&weights, self.cw) {
            spans.push((x, w));
            x += w;
        }
        let body = self.cb - CONTENT_TOP;
        let header = (!spans.is_empty()).then(|| {
            let cells = t
                .columns
                .iter()
                .map(|c| (c.header.clone(), Align::Center, INK))
                .collect();
            self.layout_row(cells, &spans, body / 3.0)
        });
        let header_h = header.as_ref().map_or(0.0, |h| h.h);
        let row_max = body - header_h;
        let rows: Vec<RowLayout> = if t.rows.is_empty() || spans.is_empty() {
            let cell = vec![(t.empty_text.clone(), Align::Center, GREY)];
            vec![self.layout_row(cell, &[(MARGIN, self.cw)], row_max)]
        } else {
            let range = if heat { heat_range(t) } else { None };
            t.rows
                .iter()
                .map(|r| {
                    let mut l =
                        self.layout_row(r.iter().map(cell_style).collect(), &spans, row_max);
                    if heat {
                        l.fills = r
                            .iter()
                            .map(|c| range.and_then(|(lo, hi)| heat_fill(c, lo, hi)))
                            .collect();
                    }
                    l
                })
                .collect()
        };
        let caption_h = if t.caption.trim().is_empty() {
            0.0
        } else {
            CAPTION_LH
        };
        self.ensure(caption_h + header_h + rows.first().map_or(0.0, |r| r.h));
        if caption_h > 0.0 {
            let caption = self.font.ellipsize(&t.caption, CAPTION_SIZE, self.cw);
            self.flow_line(&caption, CAPTION_SIZE, CAPTION_LH);
        }
        if let Some(h) = &header {
            self.draw_row(h, Some(HEAD_FILL));
        }
        for row in &rows {
            if self.y + row.h > self.cb + 0.01 {
                self.new_page();
                if let Some(h) = &header {
                    self.draw_row(h, Some(HEAD_FILL));
                }
            }
            self.draw_row(row, None);
        }
    }

    fn chart(&mut self, c: &Chart) {
        let f = self.font;
        let legend = self.chart_legend(c);
        let legend_rows = legend.last().map_or(0, |l| l.1 + 1);
        let total_h = mm(65.0) + legend_rows.saturating_sub(1) as f32 * mm(4.0);
        self.ensure(total_h);
        let top = self.y;
        let title = f.ellipsize(&c.title, 10.0, self.cw);
        self.text(MARGIN, top + mm(3.5), 10.0, INK, &title);

        let plot_top = top + mm(12.0);
        let xlabel_h = if c.x_label.trim().is_empty() {
            0.0
        } else {
            mm(4.0)
        };
        let cat_h = mm(4.5);
        let plot_bottom = top + total_h - legend_rows as f32 * mm(4.0) - xlabel_h - cat_h;
        let right = MARGIN + self.cw - mm(2.0);
        let n = c
            .series
            .iter()
            .map(|s| s.values.len())
            .max()
            .unwrap_or(0)
            .max(c.categories.len());
        let values: Vec<f64> = c
            .series
            .iter()
            .flat_map(|s| s.values.iter().flatten().copied())
            .filter(|v| v.is_finite())
            .collect();
        if values.is_empty() || n == 0 {
            let left = MARGIN + mm(10.0);
            self.stroke_rect(
                left,
                plot_top,
                right - left,
                plot_bottom - plot_top,
                RULE,
                0.5,
            );
            let base = (plot_top + plot_bottom) / 2.0 + 9.0 * 0.35;
            self.text_center((left + right) / 2.0, base, 9.0, GREY, MISSING);
            self.y = top + total_h;
            return;
        }
        let plot = self.chart_axis(c, &values, n, plot_top, plot_bottom, right);
        self.chart_series(c, &plot);
        self.line(
            &[(plot.left, plot_top), (plot.left, plot_bottom)],
            RULE,
            0.6,
        );
        let y0 = plot.y(0.0);
        self.line(&[(plot.left, y0), (right, y0)], RULE, 0.6);
        self.chart_labels(c, &plot, cat_h, xlabel_h);
        let legend_top = plot_bottom + cat_h + xlabel_h;
        for (lx, row, si, name) in &legend {
            let base = legend_top + *row as f32 * mm(4.0) + mm(3.0);
            self.fill_rect(
                MARGIN + lx,
                base - mm(2.4),
                mm(3.0),
                mm(2.5),
                PALETTE[si % PALETTE.len()],
            );
            self.text(MARGIN + lx + mm(4.5), base, 7.0, INK, name);
        }
        self.y = top + total_h;
    }

    /// The legend's entries: (x offset, row, series index, name), at most
    /// five rows; it decides the chart's height.
    fn chart_legend(&self, c: &Chart) -> Vec<(f32, usize, usize, String)> {
        const MAX_LEGEND_ROWS: usize = 5;
        let f = self.font;
        let mut legend = Vec::new();
        let (mut lx, mut row) = (0.0f32, 0usize);
        for (i, s) in c.series.iter().enumerate() {
            let name = f.ellipsize(&s.name, 7.0, self.cw / 2.0);
            let w = mm(4.5) + f.text_width_pt(&name, 7.0) + mm(5.0);
            if lx > 0.0 && lx + w > self.cw {
                row += 1;
                lx = 0.0;
            }
            if row < MAX_LEGEND_ROWS {
                legend.push((lx, row, i, name));
            }
            lx += w;
        }
        legend
    }

    /// The Y axis: nice ticks from min(0, data) to max(0, data) (stacked
    /// columns range over the per-category sums), drawn with their grid
    /// lines and labels; returns the plot's geometry.
    fn chart_axis(
        &mut self,
        c: &Chart,
        values: &[f64],
        n: usize,
        plot_top: f32,
        plot_bottom: f32,
        right: f32,
    ) -> Plot {
        let f = self.font;
        let (lo, hi) = if c.kind == ChartKind::StackedColumn {
            let sums = stack_sums(c, n);
            (
                sums.iter().fold(0.0f64, |a, s| a.min(s.0)),
                sums.iter().fold(0.0f64, |a, s| a.max(s.1)),
            )
        } else {
            (
                values.iter().fold(0.0f64, |a, &b| a.min(b)),
                values.iter().fold(0.0f64, |a, &b| a.max(b)),
            )
        };
        let (ticks, step) = nice_ticks(lo, hi, 5);
        let decimals = tick_decimals(step);
        let labels: Vec<String> = ticks.iter().map(|&t| fmt_tick(t, decimals)).collect();
        let label_w = labels
            .iter()
            .map(|l| f.text_width_pt(l, TICK_SIZE))
            .fold(0.0f32, f32::max);
        let left = MARGIN + label_w + mm(2.0);
        let a_lo = ticks.first().copied().unwrap_or(0.0);
        let a_hi = ticks.last().copied().unwrap_or(1.0);
        let plot = Plot {
            left,
            right,
            bottom: plot_bottom,
            height: plot_bottom - plot_top,
            lo: a_lo,
            span: if a_hi > a_lo { a_hi - a_lo } else { 1.0 },
            n,
            slot: (right - left) / n as f32,
        };
        for (&t, l) in ticks.iter().zip(&labels) {
            let y = plot.y(t);
            self.line(&[(left, y), (right, y)], GRID, 0.4);
            self.text_right(left - mm(1.5), y + TICK_SIZE * 0.35, TICK_SIZE, GREY, l);
        }
        if !c.y_label.trim().is_empty() {
            let y_label = f.ellipsize(&c.y_label, TICK_SIZE, self.cw / 2.0);
            self.text(MARGIN, plot_top - mm(2.5), TICK_SIZE, GREY, &y_label);
        }
        plot
    }

    /// Every series: grouped columns, stacked columns or lines with markers.
    fn chart_series(&mut self, c: &Chart, plot: &Plot) {
        let (n, slot, left) = (plot.n, plot.slot, plot.left);
        let y0 = plot.y(0.0);
        // Running (negative, positive) stack per category.
        let mut stack = vec![(0.0f64, 0.0f64); n];
        for (si, s) in c.series.iter().enumerate() {
            let col = PALETTE[si % PALETTE.len()];
            let pts: Vec<Option<(f32, f32)>> = s
                .values
                .iter()
                .take(n)
                .enumerate()
                .map(|(k, v)| {
                    v.filter(|v| v.is_finite())
                        .map(|v| (left + (k as f32 + 0.5) * slot, plot.y(v)))
                })
                .collect();
            match c.kind {
                ChartKind::Column => {
                    let group = slot * 0.7;
                    let bw = group / c.series.len().max(1) as f32;
                    for (k, p) in pts.iter().enumerate() {
                        if let Some((_, y1)) = *p {
                            let x = left + k as f32 * slot + (slot - group) / 2.0 + si as f32 * bw;
                            self.fill_rect(x, y0.min(y1), bw, (y0 - y1).abs(), col);
                        }
                    }
                }
                ChartKind::StackedColumn => {
                    let bw = slot * 0.6;
                    for (k, v) in s.values.iter().take(n).enumerate() {
                        let Some(v) = v.filter(|v| v.is_finite() && *v != 0.0) else {
                            continue;
                        };
                        let (neg, pos) = &mut stack[k];
                        let (a, b) = if v > 0.0 {
                            let a = *pos;
                            *pos += v;
                            (a, *pos)
                        } else {
                            let a = *neg;
                            *neg += v;
                            (a, *neg)
                        };
                        let (ya, yb) = (plot.y(a), plot.y(b));
                        let x = left + k as f32 * slot + (slot - bw) / 2.0;
                        self.fill_rect(x, ya.min(yb), bw, (ya - yb).abs(), col);
                    }
                }
                ChartKind::Line => {
                    for seg in pts.split(|p| p.is_none()) {
                        let seg: Vec<(f32, f32)> = seg.iter().flatten().copied().collect();
                        self.line(&seg, col, 1.2);
                    }
                    for &(x, y) in pts.iter().flatten() {
                        self.fill_rect(x - mm(0.8), y - mm(0.8), mm(1.6), mm(1.6), col);
                    }
                }
            }
        }
    }

    /// Category labels (thinned out so they do not overlap) and the X
    /// axis label.
    fn chart_labels(&mut self, c: &Chart, plot: &Plot, cat_h: f32, xlabel_h: f32) {
        let f = self.font;
        let (n, slot, left) = (plot.n, plot.slot, plot.left);
        let max_lw = c
            .categories
            .iter()
            .map(|s| f.text_width_pt(s, TICK_SIZE))
            .fold(0.0f32, f32::max);
        let every = ((max_lw + mm(1.0)) / slot).ceil().max(1.0) as usize;
        for (k, cat) in c
            .categories
            .iter()
            .enumerate()
            .take(n)
            .step_by(every.max(1))
        {
            self.text_center(
                left + (k as f32 + 0.5) * slot,
                plot.bottom + mm(3.2),
                TICK_SIZE,
                INK,
                cat,
            );
        }
        if xlabel_h > 0.0 {
            self.text_center(
                (left + plot.right) / 2.0,
                plot.bottom + cat_h + mm(3.0),
                7.0,
                GREY,
                &c.x_label,
            );
        }
    }

    /// The cover page (表紙): submission date, addressee, title, period,
    /// organisation and author. No header band and no page number.
    fn cover(&mut self, c: &Cover) {
        let (d, f) = (self.doc, self.font);
        let (pw, ph, cw) = (self.pw, self.ph, self.cw);
        let sub = f.ellipsize(&c.submitted, 11.0, cw);
        self.text_right(pw - MARGIN, mm(30.0), 11.0, INK, &sub);
        if !c.recipient.trim().is_empty() {
            let r = f.ellipsize(&c.recipient, 12.0, cw);
            self.text(MARGIN, mm(45.0), 12.0, INK, &r);
        }
        let mid = ph * 0.40;
        self.line(
            &[
                (MARGIN + mm(10.0), mid - mm(16.0)),
                (pw - MARGIN - mm(10.0), mid - mm(16.0)),
            ],
            ACCENT,
            1.2,
        );
        let title = f.ellipsize(&d.title, 24.0, cw - mm(20.0));
        self.text_center(pw / 2.0, mid, 24.0, INK, &title);
        let period = f.ellipsize(&d.period_label, 12.0, cw - mm(20.0));
        self.text_center(pw / 2.0, mid + mm(13.0), 12.0, INK, &period);
        self.line(
            &[
                (MARGIN + mm(10.0), mid + mm(20.0)),
                (pw - MARGIN - mm(10.0), mid + mm(20.0)),
            ],
            ACCENT,
            1.2,
        );
        let mut y = ph * 0.72;
        for (s, size) in [(d.organisation.as_str(), 12.0), (d.author.as_str(), 12.0)] {
            if s.trim().is_empty() {
                continue;
            }
            let s = f.ellipsize(s, size, cw - mm(20.0));
            self.text_center(pw / 2.0, y, size, INK, &s);
            y += mm(9.0);
        }
    }

    /// The table of contents on fresh pages: one line per entry with a dot
    /// leader and the page number at the right.
    fn toc(&mut self, title: &str, entries: &[(String, usize)]) {
        const LH: f32 = mm(8.0);
        const SIZE: f32 = 10.5;
        self.new_page();
        self.heading(title);
        self.y += mm(2.0);
        let f = self.font;
        let right = self.pw - MARGIN - mm(2.0);
        let dot_w = f.text_width_pt(".", SIZE);
        for (label, page) in entries {
            if self.y + LH > self.cb + 0.01 {
                self.new_page();
            }
            let num = page.to_string();
            let num_w = f.text_width_pt(&num, SIZE);
            let label = f.ellipsize(label, SIZE, self.cw - mm(30.0));
            let base = baseline(self.y, LH, SIZE);
            let x = MARGIN + mm(4.0);
            self.text(x, base, SIZE, INK, &label);
            let from = x + f.text_width_pt(&label, SIZE) + mm(2.0);
            let to = right - num_w - mm(2.0);
            if to > from && dot_w > 0.0 {
                let dots = ".".repeat(((to - from) / dot_w).floor() as usize);
                self.text_right(to, base, SIZE, GREY, &dots);
            }
            self.text_right(right, base, SIZE, INK, &num);
            self.y += LH;
        }
    }

    /// Close the last page; returns the pages and the characters the font lacked.
    fn finish(mut self) -> (Vec<Vec<Op>>, BTreeSet<char>) {
        self.pages.push(take(&mut self.ops));
        (self.pages, self.missing)
    }
}

/// A chart's plot area and value scale.
struct Plot {
    left: f32,
    right: f32,
    bottom: f32,
    height: f32,
    /// The lowest tick and the ticks' span.
    lo: f64,
    span: f64,
    /// Categories and the width of each.
    n: usize,
    slot: f32,
}

impl Plot {
    /// The y of a value.
    fn y(&self, v: f64) -> f32 {
        self.bottom - ((v - self.lo) / self.span) as f32 * self.height
    }
}

/// The PDF renderer.
pub struct Pdf;

impl crate::render::Renderer for Pdf {
    fn noun(&self) -> &'static str {
        "PDF"
    }
    fn render(
        &self,
        doc: &Document,
        assets: &crate::render::Assets,
    ) -> Result<crate::render::Rendered> {
        let out = render(doc, assets.pdf_font()?)?;
        let mut warnings = Vec::new();
        if !out.missing_chars.is_empty() {
            let chars: String = out.missing_chars.iter().collect();
            warnings.push(format!(
                "characters missing from the PDF font, shown as 〓: {chars}"
            ));
        }
        Ok(crate::render::Rendered {
            files: vec![(format!("{}.pdf", doc.stem()), out.bytes)],
            warnings,
        })
    }
}

/// A rendered PDF.
pub struct PdfOutput {
    /// The PDF file.
    pub bytes: Vec<u8>,
    /// Characters the font lacks (drawn as 〓).
    pub missing_chars: BTreeSet<char>,
    /// Number of pages.
    pub pages: usize,
}

fn pdf_date(dt: NaiveDateTime) -> PdfDateTime {
    PdfDateTime::new_in_offset(
        PdfDate {
            year: dt.year(),
            month: dt.month() as u8,
            day: dt.day() as u8,
        },
        PdfTime {
            hour: dt.hour() as u8,
            minute: dt.minute() as u8,
            second: dt.second() as u8,
            millisecond: 0,
        },
        PdfOffset {
            hours: 9,
            minutes: 0,
            seconds: 0,
            milliseconds: 0,
        },
    )
}

/// 32 hex chars from sha256(kind, 0, period): the pinned trailer `/ID`.
fn trailer_id(kind: &str, period: &str) -> [u8; 32] {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let digest = Sha256::new()
        .chain_update(kind.as_bytes())
        .chain_update([0u8])
        .chain_update(period.as_bytes())
        .finalize();
    let mut out = [0u8; 32];
    for (i, b) in digest.iter().take(16).enumerate() {
        out[2 * i] = HEX[usize::from(b >> 4)];
        out[2 * i + 1] = HEX[usize::from(b & 15)];
    }
    out
}

/// Overwrite both strings of the trailer's `/ID[(…)(…)]` (32 chars each, as
/// printpdf writes them) in place; the length is unchanged so the xref stays
/// valid. Returns false if the pattern is not found.
fn pin_trailer_id(pdf: &mut [u8], id: &[u8; 32]) -> bool {
    let pat = b"/ID[(";
    let Some(pos) = pdf.windows(pat.len()).rposition(|w| w == pat) else {
        return false;
    };
    let a = pos + pat.len();
    if pdf.len() > a + 66 && &pdf[a + 32..a + 34] == b")(" && pdf[a + 66] == b')' {
        pdf[a..a + 32].copy_from_slice(id);
        pdf[a + 34..a + 66].copy_from_slice(id);
        true
    } else {
        false
    }
}

/// The line under a list cut for the PDF: how many rows follow, and where.
pub fn more_rows_note(more: usize, sheet: &str) -> String {
    format!("ほか{more}件（全件はExcel版の「{sheet}」シートに記載しています）")
}

/// Render `doc` as an A4 PDF using `font` (subset-embedded). Deterministic:
/// the same document gives the same bytes.
pub fn render(doc: &Document, font: &PdfFont) -> Result<PdfOutput> {
    // The body first: the 目次 needs the page where each section starts.
    let mut body = Pager::new(font, doc);
    if doc.cover.is_none() {
        body.title_block();
    }
    let mut toc: Vec<(String, usize)> = Vec::new();
    let sheets = doc.sheet_names();
    for (i, section) in doc.sections.iter().enumerate() {
        let label = format!("{}. {}", i + 1, section.title);
        body.heading(&label);
        toc.push((label, body.pages.len()));
        for block in &section.blocks {
            match block {
                Block::Table(t) if t.list && t.rows.len() > doc.list_rows => {
                    // A list is bounded by its reader: the first rows (in
                    // the builder's order, what needs action first), then
                    // where the rest is.
                    let shown = Table {
                        rows: t.rows[..doc.list_rows].to_vec(),
                        ..t.clone()
                    };
                    body.table(&shown, false);
                    body.paragraphs(&[more_rows_note(t.rows.len() - doc.list_rows, &sheets[i])]);
                }
                Block::Table(t) => body.table(t, false),
                Block::Heat(t) => body.table(t, true),
                Block::Chart(c) => body.chart(c),
                Block::Text(p) => body.paragraphs(p),
            }
            body.y += BLOCK_GAP;
        }
    }
    if !doc.definitions.rows.is_empty() {
        body.heading("定義");
        toc.push(("定義".to_string(), body.pages.len()));
        body.table(&doc.definitions, false);
    }
    let (body_pages, mut missing_chars) = body.finish();

    // Cover and 目次: a dry run counts the contents pages, so the page
    // numbers it prints are the final ones.
    let mut pages: Vec<Vec<Op>> = Vec::new();
    if let Some(cover) = &doc.cover {
        let mut dry = Pager::blank(font, doc);
        dry.toc(&cover.toc_title, &toc);
        let front = dry.finish().0.len(); // the cover page plus the contents pages
        let entries: Vec<(String, usize)> = toc
            .iter()
            .map(|(l, p)| (l.clone(), front + p + 1))
            .collect();
        let mut f = Pager::blank(font, doc);
        f.cover(cover);
        f.toc(&cover.toc_title, &entries);
        let (front_pages, m) = f.finish();
        if front_pages.len() != front {
            bail!("table of contents paginated differently on the second pass");
        }
        pages.extend(front_pages);
        missing_chars.extend(m);
    }
    pages.extend(body_pages);
    let page_count = pages.len();
    let stamp = format!("作成日時 {}", crate::time::format_datetime_ja(doc.as_of));
    let mut ft = Pager::blank(font, doc);
    for (i, ops) in pages.iter_mut().enumerate() {
        if doc.cover.is_some() && i == 0 {
            continue; // the cover carries no page number
        }
        ft.ops = take(ops);
        ft.footer(i + 1, page_count, &stamp);
        *ops = take(&mut ft.ops);
    }
    missing_chars.extend(ft.missing);

    let mut pdf = PdfDocument::new(&format!("{} {}", doc.title, doc.period));
    let date = pdf_date(doc.as_of);
    let info = &mut pdf.metadata.info;
    info.creation_date = date;
    info.modification_date = date;
    info.metadata_date = date;
    info.author = doc.author.clone();
    info.subject = doc.period_label.clone();
    info.creator = "hokoku".to_string();
    info.producer = "hokoku".to_string();
    // A fixed id instead of `add_font` (whose id comes from a process-global PRNG).
    pdf.resources.fonts.map.insert(
        FontId(FONT_ID.to_string()),
        PpFont::new(font.parsed.clone()),
    );
    pdf.pages = pages
        .into_iter()
        .map(|ops| {
            let (w, h) = page_mm(doc.orientation);
            PdfPage::new(Mm(w), Mm(h), ops)
        })
        .collect();

    let opts = PdfSaveOptions {
        subset_fonts: true,
        ..Default::default()
    };
    let mut warnings: Vec<PdfWarnMsg> = Vec::new();
    let mut bytes = pdf.save(&opts, &mut warnings);
    let font_problem = warnings.iter().find(|w| {
        let m = w.msg.to_ascii_lowercase();
        matches!(w.severity, PdfParseErrorSeverity::Error)
            && (m.contains("subset") || m.contains("not be embedded"))
    });
    if let Some(w) = font_problem {
        bail!("PDF font could not be subset: {}", w.msg);
    }
    let tag = format!("{}+", &FONT_ID[..6]);
    if !bytes.windows(tag.len()).any(|w| w == tag.as_bytes()) {
        bail!("PDF font was not subset (no {tag} subset tag in the output)");
    }
    if !pin_trailer_id(&mut bytes, &trailer_id(doc.kind.as_str(), &doc.period)) {
        bail!("PDF trailer /ID not found; cannot make the output deterministic");
    }
    Ok(PdfOutput {
        bytes,
        missing_chars,
        pages: page_count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::model::{Column, Section, Series, Unit};

    /// Fake advances: ASCII half width, everything else full width.
    fn fake(c: char) -> i64 {
        if c.is_ascii() {
            500
        } else {
            1000
        }
    }

    fn fits(lines: &[String], max: i64) -> bool {
        lines
            .iter()
            .all(|l| l.chars().map(fake).sum::<i64>() <= max || l.chars().count() == 1)
    }

    #[test]
    fn wrap_breaks_japanese_anywhere() {
        let lines = wrap_with("日本語のテキストです", 3000, fake);
        assert_eq!(lines, ["日本語", "のテキ", "ストで", "す"]);
        assert!(fits(&lines, 3000));
    }

    #[test]
    fn wrap_prefers_spaces_for_latin_and_keeps_hard_breaks() {
        let lines = wrap_with("hello world foo\nbar", 3500, fake);
        assert_eq!(lines, ["hello", "world", "foo", "bar"]);
        let lines = wrap_with("abcdefghijklmnop", 3000, fake);
        assert!(fits(&lines, 3000));
        assert_eq!(lines.concat(), "abcdefghijklmnop");
        // A char wider than the limit still makes progress.
        assert_eq!(wrap_with("日日", 500, fake), ["日", "日"]);
        assert_eq!(wrap_with("", 500, fake), [""]);
    }

    #[test]
    fn nice_ticks_are_round_and_cover_the_range() {
        assert_eq!(
            nice_ticks(0.0, 87.0, 5).0,
            [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]
        );
        let (t, step) = nice_ticks(0.0, 1234.0, 5);
        assert_eq!(step, 250.0);
        assert_eq!(t.first(), Some(&0.0));
        assert_eq!(t.last(), Some(&1250.0));
        let (t, _) = nice_ticks(0.0, 0.0, 5);
        assert_eq!(t.first(), Some(&0.0));
        assert!(t.last().is_some_and(|&v| v >= 1.0));
        let (t, _) = nice_ticks(-5.0, 12.0, 5);
        assert!(t[0] <= -5.0 && *t.last().unwrap_or(&0.0) >= 12.0);
        assert_eq!(tick_decimals(250.0), 0);
        assert_eq!(tick_decimals(2.5), 1);
        assert_eq!(tick_decimals(0.05), 2);
        assert_eq!(fmt_tick(1250.0, 0), "1,250");
        assert_eq!(fmt_tick(-1234567.5, 1), "-1,234,567.5");
    }

    #[test]
    fn column_widths_are_proportional() {
        let w = column_widths(&[1.0, 3.0], 100.0);
        assert_eq!(w, [25.0, 75.0]);
        assert_eq!(column_widths(&[0.0, f32::NAN], 100.0), [50.0, 50.0]);
        assert!(column_widths(&[], 100.0).is_empty());
    }

    #[test]
    fn trailer_id_is_pinned_in_place() {
        let mut pdf = b"xref\ntrailer\n<</ID[(AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA)(BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB)]>>".to_vec();
        let len = pdf.len();
        let id = trailer_id("daily", "2026-10-15");
        assert!(id.iter().all(u8::is_ascii_hexdigit));
        assert_eq!(id, trailer_id("daily", "2026-10-15"));
        assert_ne!(id, trailer_id("weekly", "2026-10-15"));
        assert!(pin_trailer_id(&mut pdf, &id));
        assert_eq!(pdf.len(), len);
        let s = String::from_utf8_lossy(&pdf).to_string();
        let id = String::from_utf8_lossy(&id).to_string();
        assert!(s.contains(&format!("/ID[({id})({id})]")));
        assert!(!pin_trailer_id(&mut b"no id here".to_vec(), &[b'0'; 32]));
    }

    fn real_font() -> PdfFont {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/templates/fonts/ipaexg.ttf");
        let bytes = std::fs::read(path).expect("templates/fonts/ipaexg.ttf");
        PdfFont::from_bytes(&bytes).expect("IPAex Gothic parses")
    }

    #[test]
    fn real_font_measures_and_wraps() {
        let font = real_font();
        assert!(font.has_char('日') && font.has_char('A') && font.has_char('〓'));
        assert!(!font.has_char('\u{1F600}'));
        assert!((font.text_width_pt("あ", 10.0) - 10.0).abs() < 0.01);
        assert_eq!(
            font.text_width_pt("a\nb", 10.0),
            font.text_width_pt("ab", 10.0)
        );
        let text = "本日の障害対応件数は前日比で増加しました。Backup job nightly-full completed with warnings.";
        for max in [40.0f32, 100.0, 250.0] {
            let lines = font.wrap(text, 9.0, max);
            assert!(lines.len() > 1);
            for l in &lines {
                assert!(
                    font.text_width_pt(l, 9.0) <= max + 1e-3,
                    "{l:?} wider than {max}"
                );
            }
        }
        let short = font.ellipsize(text, 9.0, 60.0);
        assert!(short.ends_with('…') && font.text_width_pt(&short, 9.0) <= 60.0 + 1e-3);
    }

    fn sample_doc() -> Document {
        let as_of = chrono::NaiveDate::from_ymd_opt(2026, 10, 15)
            .and_then(|d| d.and_hms_opt(9, 5, 0))
            .expect("valid date");
        let rows = (0..90)
            .map(|i| {
                vec![
                    Cell::text(format!(
                        "INC-{i:04} サーバ応答遅延の調査と対応（長い件名の折り返し確認）😀"
                    )),
                    Cell::num(f64::from(i) * 1234.5, Unit::Yen),
                    if i % 7 == 0 {
                        Cell::Missing { key: None }
                    } else {
                        Cell::num(f64::from(i), Unit::Percent)
                    },
                    Cell::datetime(Some(1_700_000_000_000)),
                ]
            })
            .collect();
        let table = Table {
            caption: "チケット一覧".into(),
            columns: ["件名", "金額", "達成率", "発生日時"]
                .iter()
                .zip([4.0, 1.5, 1.0, 1.5])
                .map(|(h, w)| Column {
                    header: h.to_string(),
                    weight: w,
                })
                .collect(),
            rows,
            empty_text: "該当なし".into(),
            list: false,
        };
        let empty = Table {
            rows: Vec::new(),
            ..table.clone()
        };
        let cats: Vec<String> = (1..=31).map(|d| format!("10/{d}")).collect();
        let series = |name: &str, k: f64| Series {
            name: name.into(),
            values: (0..31)
                .map(|i| {
                    if i % 5 == 3 {
                        None
                    } else {
                        Some(f64::from(i) * k)
                    }
                })
                .collect(),
        };
        let chart = |kind| Chart {
            title: "日別件数".into(),
            kind,
            x_label: "日付".into(),
            y_label: "件数".into(),
            categories: cats.clone(),
            series: vec![series("受付", 3.0), series("完了", 2.5)],
            unit: Unit::Count,
        };
        let no_data = Chart {
            series: vec![Series {
                name: "受付".into(),
                values: vec![None; 3],
            }],
            ..chart(ChartKind::Column)
        };
        Document {
            kind: crate::report::model::ReportCode::Daily,
            file_stem: "daily".into(),
            figures: Vec::new(),
            quality: Vec::new(),
            title: "日次報告".into(),
            organisation: "運用センター 基幹システム".into(),
            author: "運用受託者".into(),
            period_label: "対象日 令和8年10月15日（木）".into(),
            period: "2026-10-15".into(),
            as_of,
            sections: vec![
                Section {
                    id: "summary".into(),
                    title: "概況".into(),
                    blocks: vec![
                        Block::Text(vec![
                            "本日の概況です。".repeat(30),
                            String::new(),
                            "second\tparagraph".into(),
                        ]),
                        Block::Chart(chart(ChartKind::Column)),
                        Block::Chart(chart(ChartKind::Line)),
                        Block::Chart(no_data),
                    ],
                },
                Section {
                    id: "tickets".into(),
                    title: "チケット".into(),
                    blocks: vec![Block::Table(table), Block::Table(empty)],
                },
            ],
            definitions: Table {
                caption: String::new(),
                columns: vec![
                    Column {
                        header: "用語".into(),
                        weight: 1.0,
                    },
                    Column {
                        header: "定義".into(),
                        weight: 3.0,
                    },
                ],
                rows: vec![vec![
                    Cell::text("達成率"),
                    Cell::text("期限内に完了した件数の割合。"),
                ]],
                empty_text: String::new(),
                list: false,
            },
            cover: None,
            orientation: Orientation::Portrait,
            list_rows: 25,
            items: Vec::new(),
        }
    }

    #[test]
    fn render_is_deterministic_and_multi_page() {
        let font = real_font();
        let doc = sample_doc();
        let a = render(&doc, &font).expect("render");
        let b = render(&doc, &font).expect("render again");
        assert!(a.bytes.starts_with(b"%PDF-"));
        assert!(a.pages >= 3, "pages = {}", a.pages);
        assert_eq!(a.bytes, b.bytes);
        assert!(a.missing_chars.contains(&'\u{1F600}'));
        assert!(!a.missing_chars.contains(&'\t'));
        let id = trailer_id(doc.kind.as_str(), &doc.period);
        assert!(a.bytes.windows(32).any(|w| w == id));
    }

    #[test]
    fn oversized_row_is_clipped_not_looped() {
        let font = real_font();
        let mut doc = sample_doc();
        let huge = "とても長いセル".repeat(3000);
        doc.sections = vec![Section {
            id: "x".into(),
            title: "巨大".into(),
            blocks: vec![Block::Table(Table {
                caption: String::new(),
                columns: vec![Column {
                    header: "内容".into(),
                    weight: 1.0,
                }],
                rows: vec![vec![Cell::text(huge)], vec![Cell::text("次の行")]],
                empty_text: String::new(),
                list: false,
            })],
        }];
        doc.definitions.rows.clear();
        let out = render(&doc, &font).expect("render");
        assert!(out.pages <= 3, "pages = {}", out.pages);
    }

    #[test]
    fn a_long_list_shows_its_first_rows_and_says_where_the_rest_is() {
        let font = real_font();
        let mut doc = sample_doc();
        doc.list_rows = 25;
        let rows = (1..=30)
            .map(|i| vec![Cell::text(format!("JOB{i:03}"))])
            .collect();
        doc.sections = vec![Section {
            id: "batch".into(),
            title: "ジョブ運用".into(),
            blocks: vec![
                Block::Table(Table {
                    caption: "異常終了".into(),
                    columns: vec![Column {
                        header: "ジョブ".into(),
                        weight: 1.0,
                    }],
                    rows,
                    empty_text: String::new(),
                    list: true,
                }),
                Block::Table(Table {
                    caption: "項目別".into(),
                    columns: vec![Column {
                        header: "項目".into(),
                        weight: 1.0,
                    }],
                    rows: (1..=30)
                        .map(|i| vec![Cell::text(format!("SUM{i:03}"))])
                        .collect(),
                    empty_text: String::new(),
                    list: false,
                }),
            ],
        }];
        doc.definitions.rows.clear();
        let out = render(&doc, &font).expect("render");
        let pdf = lopdf::Document::load_mem(&out.bytes).unwrap();
        let pages: Vec<u32> = pdf.get_pages().keys().copied().collect();
        let text = pdf.extract_text(&pages).unwrap();
        // A summary table is shown whole.
        assert!(text.contains("SUM030"), "{text}");
        // The list: rows 1–25 shown, 26–30 not; then the count and the sheet.
        assert!(
            text.contains("JOB025") && !text.contains("JOB026"),
            "{text}"
        );
        assert!(
            text.contains("ほか5件（全件はExcel版の「1.ジョブ運用」シートに記載しています）"),
            "{text}"
        );
        assert_eq!(doc.sheet_names(), ["1.ジョブ運用"]);
    }
}
