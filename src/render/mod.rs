//! Renderers: each turns a report's [`Document`] (the report model, with its
//! figures and data-quality notes) into files, and sees nothing else.
//!
//! A new output format is one new module implementing [`Renderer`] plus one
//! line in the registry below: the registry makes its [`Format`] (what jobs
//! name in `outputs.formats`), and the pipeline renders every chosen format
//! through it.

pub mod json;
pub mod pdf;
pub mod xlsx;

use crate::report::model::Document;
use anyhow::Result;
use std::sync::OnceLock;

/// One output format.
pub trait Renderer: Sync {
    /// What an error calls its output (`workbook`, `PDF`).
    fn noun(&self) -> &'static str;
    /// Render `doc` into files named after [`Document::stem`] (`<stem>.xlsx`,
    /// and any annexes beside it).
    fn render(&self, doc: &Document, assets: &Assets) -> Result<Rendered>;
}

/// What a renderer produced.
#[derive(Debug, Default)]
pub struct Rendered {
    /// (file name, bytes), in the order they are listed in the manifest.
    pub files: Vec<(String, Vec<u8>)>,
    /// Warnings for the run's log and manifest.
    pub warnings: Vec<String>,
}

/// What renderers share across documents: the bundled font, parsed once
/// when a PDF is first drawn.
pub struct Assets {
    font_bytes: Vec<u8>,
    font: OnceLock<Result<pdf::PdfFont, String>>,
}

impl Assets {
    /// From the bundled font's bytes (`templates/fonts/ipaexg.ttf`).
    pub fn new(font_bytes: Vec<u8>) -> Assets {
        Assets {
            font_bytes,
            font: OnceLock::new(),
        }
    }
    /// The PDF font.
    pub fn pdf_font(&self) -> Result<&pdf::PdfFont> {
        self.font
            .get_or_init(|| {
                pdf::PdfFont::from_bytes(&self.font_bytes).map_err(|e| format!("{e:#}"))
            })
            .as_ref()
            .map_err(|e| anyhow::anyhow!("loading the bundled font: {e}"))
    }
}

macro_rules! registry {
    ($($(#[$m:meta])* $variant:ident = $code:literal => $imp:expr),* $(,)?) => {
        crate::closed_set! {
            /// An output format, as jobs name it in `outputs.formats`.
            pub enum Format { $($(#[$m])* $variant = $code),* }
        }

        impl Format {
            /// The renderer that writes it.
            pub fn renderer(self) -> &'static dyn Renderer {
                match self { $(Format::$variant => $imp),* }
            }
        }
    };
}

registry! {
    /// The workbook (`.xlsx`), with its CSV 別紙 when a table is longer than a sheet.
    Xlsx = "xlsx" => &xlsx::Xlsx,
    /// The PDF.
    Pdf = "pdf" => &pdf::Pdf,
    /// The JSON of every figure.
    Json = "json" => &json::Json,
}

/// The formats a run writes (the manifest and the rejected-rows file are
/// always written), in registry order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Formats(Vec<Format>);

impl Formats {
    /// Every format.
    pub fn all() -> Formats {
        Formats(Format::ALL.to_vec())
    }

    /// From names (`xlsx`, `pdf`, `json`); an unknown name is an error.
    pub fn parse(names: &[String]) -> Result<Formats, String> {
        if names.is_empty() {
            return Err(format!(
                "formats is empty: name at least one of {}",
                Format::NAMES.join(", ")
            ));
        }
        let mut chosen = Vec::new();
        for n in names {
            match Format::parse(n) {
                Some(f) => chosen.push(f),
                None => {
                    return Err(format!(
                        "unknown output format {n:?} (known: {})",
                        Format::NAMES.join(", ")
                    ))
                }
            }
        }
        Ok(Formats(
            Format::ALL
                .iter()
                .copied()
                .filter(|f| chosen.contains(f))
                .collect(),
        ))
    }

    /// Whether `f` is chosen.
    pub fn has(&self, f: Format) -> bool {
        self.0.contains(&f)
    }

    /// The chosen formats, in registry order.
    pub fn iter(&self) -> impl Iterator<Item = Format> + '_ {
        self.0.iter().copied()
    }
}

/// Render `doc` in every chosen format, side by side; the files in format
/// order.
pub fn render_all(doc: &Document, formats: &Formats, assets: &Assets) -> Result<Rendered> {
    let results: Vec<Result<Rendered>> = std::thread::scope(|s| {
        let handles: Vec<_> = formats
            .iter()
            .map(|f| (f, s.spawn(move || f.renderer().render(doc, assets))))
            .collect();
        handles
            .into_iter()
            .map(|(f, h)| {
                h.join()
                    .map_err(|_| anyhow::anyhow!("the {f} renderer panicked"))
                    .and_then(|r| {
                        r.map_err(|e| e.context(format!("rendering the {}", f.renderer().noun())))
                    })
            })
            .collect()
    });
    let mut out = Rendered::default();
    for r in results {
        let r = r?;
        out.files.extend(r.files);
        out.warnings.extend(r.warnings);
    }
    Ok(out)
}
