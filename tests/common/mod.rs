//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh empty temporary folder for one test.
pub fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("hokoku-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Run the hokoku binary from the repository root.
pub fn hokoku(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hokoku"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run hokoku")
}

/// The fixture day's report command.
/// `hokoku report <what…> --inputs I --config C --out O [extra…]`, e.g.
/// `report(&["daily", "--date", "2026-10-05"], &i, &c, &o, &[])`.
pub fn report(
    what: &[&str],
    inputs: &Path,
    config: &Path,
    out: &Path,
    extra: &[&str],
) -> std::process::Output {
    let mut args = vec!["report"];
    args.extend(what);
    args.extend([
        "--inputs",
        inputs.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    args.extend(extra);
    hokoku(&args)
}

pub fn fixture_report(out: &Path) -> std::process::Output {
    let out = out.to_str().unwrap();
    hokoku(&[
        "report",
        "daily",
        "--date",
        "2026-10-15",
        "--inputs",
        "tests/fixtures/day/inputs",
        "--config",
        "tests/fixtures/day/config",
        "--out",
        out,
    ])
}

/// Run the fixture day's report into a fresh folder; it sets one row aside
/// (exit code 1). Returns the folder holding the outputs.
pub fn fixture_outputs(name: &str) -> PathBuf {
    let out = tmp(name);
    let o = fixture_report(&out);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    out.join("daily/2026/10")
}

/// Every entry of a zip archive, sorted by name.
pub fn unzip(path: &Path) -> Vec<(String, Vec<u8>)> {
    let f = std::fs::File::open(path).unwrap();
    let mut z = zip::ZipArchive::new(f).unwrap();
    let mut out = Vec::new();
    for i in 0..z.len() {
        let mut e = z.by_index(i).unwrap();
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut e, &mut b).unwrap();
        out.push((e.name().unwrap().to_string(), b));
    }
    out.sort();
    out
}

fn between<'a>(s: &'a str, start: &str, end: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find(start) {
        let after = &rest[i + start.len()..];
        let Some(j) = after.find(end) else { break };
        out.push(&after[..j]);
        rest = &after[j + end.len()..];
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// A worksheet as `(cell ref, value)`: shared strings resolved, numbers as text.
pub fn sheet_cells(xlsx: &Path, sheet_name: &str) -> Vec<(String, String)> {
    let files = unzip(xlsx);
    let get =
        |n: &str| String::from_utf8(files.iter().find(|(k, _)| k == n).unwrap().1.clone()).unwrap();
    let strings: Vec<String> = between(&get("xl/sharedStrings.xml"), "<si>", "</si>")
        .into_iter()
        .map(|si| {
            between(si, ">", "</t>")
                .iter()
                .map(|t| unescape(t.rsplit('>').next().unwrap()))
                .collect::<String>()
        })
        .collect();
    let wb = get("xl/workbook.xml");
    let names: Vec<String> = between(&wb, "<sheet name=\"", "\"")
        .into_iter()
        .map(unescape)
        .collect();
    let idx = names
        .iter()
        .position(|n| n == sheet_name)
        .unwrap_or_else(|| panic!("no sheet {sheet_name} in {names:?}"));
    let xml = get(&format!("xl/worksheets/sheet{}.xml", idx + 1));
    let mut cells = Vec::new();
    let mut rest = xml.as_str();
    while let Some(at) = rest.find("<c r=\"") {
        rest = &rest[at + 6..];
        let tag_end = rest.find('>').expect("a cell tag ends");
        // An empty cell (`<c r="B3" s="1"/>`) has no value: skip it, so
        // the next cell's value is never read as this one's.
        if rest[..tag_end].ends_with('/') {
            continue;
        }
        let end = rest.find("</c>").expect("a cell closes");
        let c = &rest[..end];
        let r = c.split('"').next().unwrap().to_string();
        let Some(v) = between(c, "<v>", "</v>").first().map(|v| v.to_string()) else {
            continue;
        };
        let value = if c.contains("t=\"s\"") {
            strings[v.parse::<usize>().unwrap()].clone()
        } else {
            v
        };
        cells.push((r, value));
    }
    cells
}

/// Compare `actual` with the golden file, or rewrite it when
/// `HOKOKU_UPDATE_GOLDEN=1`.
pub fn golden(name: &str, actual: &[u8]) {
    let p = root().join("tests/golden").join(name);
    if std::env::var("HOKOKU_UPDATE_GOLDEN").as_deref() == Ok("1") {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, actual).unwrap();
        return;
    }
    let want = std::fs::read(&p).unwrap_or_else(|_| {
        panic!(
            "missing golden file {} (run with HOKOKU_UPDATE_GOLDEN=1)",
            p.display()
        )
    });
    if want != actual {
        let at = want
            .iter()
            .zip(actual)
            .position(|(a, b)| a != b)
            .unwrap_or(want.len().min(actual.len()));
        let window = |b: &[u8]| {
            String::from_utf8_lossy(&b[at.saturating_sub(80)..(at + 80).min(b.len())]).into_owned()
        };
        panic!(
            "{} differs from the golden file at byte {at}:\n  got:  …{}…\n  want: …{}…\n(refresh with HOKOKU_UPDATE_GOLDEN=1 if the change is intended)",
            p.display(),
            window(actual),
            window(&want)
        );
    }
}

/// The workbook's 指標一覧 sheet lists every JSON figure with the same value
/// (データなし for null).
pub fn assert_figures_sheet_equals_json(
    xlsx: &Path,
    figs: &serde_json::Map<String, serde_json::Value>,
) {
    let cells = sheet_cells(xlsx, "指標一覧");
    // Group by row: the digits of the cell reference.
    let mut rows: Vec<(u32, Vec<String>)> = Vec::new();
    for (r, v) in cells {
        let n: u32 = r
            .trim_start_matches(|c: char| c.is_ascii_alphabetic())
            .parse()
            .unwrap();
        match rows.last_mut() {
            Some((m, vals)) if *m == n => vals.push(v),
            _ => rows.push((n, vec![v])),
        }
    }
    let header = rows
        .iter()
        .position(|(_, v)| v.first().map(String::as_str) == Some("指標キー"))
        .expect("header row");
    assert_eq!(rows[header].1, ["指標キー", "値", "単位"]);
    let mut seen = 0;
    for (_, row) in &rows[header + 1..] {
        let (key, value) = (&row[0], &row[1]);
        let unit = row.get(2).cloned().unwrap_or_default();
        let want = &figs[key.as_str()];
        if want.is_null() {
            assert!(
                value == "データなし" || value == "対象なし（0件）",
                "{key}: {value}"
            );
        } else {
            assert_eq!(
                value.parse::<f64>().unwrap(),
                want.as_f64().unwrap(),
                "{key}"
            );
        }
        assert!(
            !unit.is_empty() || key.starts_with("capacity."),
            "{key} has a unit"
        );
        seen += 1;
    }
    assert_eq!(seen, figs.len(), "every figure listed once");
}

/// A report's JSON document.
pub fn json_doc(json: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(json).unwrap()).unwrap()
}

/// The `figures` object of a report's JSON.
pub fn figures(json: &Path) -> serde_json::Map<String, serde_json::Value> {
    json_doc(json)["figures"].as_object().unwrap().clone()
}

/// A figure's value; panics when it is absent or データなし.
pub fn num(f: &serde_json::Map<String, serde_json::Value>, k: &str) -> f64 {
    f.get(k)
        .unwrap_or_else(|| panic!("no figure {k}"))
        .as_f64()
        .unwrap_or_else(|| panic!("{k} is データなし"))
}

/// Whether a figure is データなし (null); panics when it is absent.
pub fn missing(f: &serde_json::Map<String, serde_json::Value>, k: &str) -> bool {
    f.get(k)
        .unwrap_or_else(|| panic!("no figure {k}"))
        .is_null()
}

/// The text of a PDF, read with lopdf (no system package needed): each
/// page's text runs in content-stream order, one run per line, pages
/// separated by a form feed.
pub fn pdf_text(pdf: &Path) -> String {
    let doc = lopdf::Document::load(pdf).unwrap_or_else(|e| panic!("{}: {e}", pdf.display()));
    let mut out = String::new();
    for n in doc.get_pages().keys() {
        let t = doc
            .extract_text(&[*n])
            .unwrap_or_else(|e| panic!("{} page {n}: {e}", pdf.display()));
        out.push_str(&t);
        out.push('\u{c}');
    }
    out
}

/// The fonts of a PDF as (BaseFont, embedded): embedded when its descriptor
/// (on the font or its CID descendant) carries a font file.
pub fn pdf_fonts(pdf: &Path) -> Vec<(String, bool)> {
    use lopdf::Object;
    let doc = lopdf::Document::load(pdf).unwrap();
    let mut out = Vec::new();
    for (_, obj) in doc.objects.iter() {
        let Ok(d) = obj.as_dict() else { continue };
        if d.get(b"Type").and_then(Object::as_name).ok() != Some(b"Font".as_slice()) {
            continue;
        }
        let name = d
            .get(b"BaseFont")
            .and_then(Object::as_name)
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .unwrap_or_default();
        // The descriptor is on the font itself or on its CID descendant
        // (DescendantFonts, often a direct object inside the array).
        let mut fonts = vec![d];
        if let Ok(Object::Array(kids)) = d
            .get(b"DescendantFonts")
            .and_then(|o| doc.dereference(o).map(|x| x.1))
        {
            fonts.extend(
                kids.iter()
                    .filter_map(|k| doc.dereference(k).ok().and_then(|x| x.1.as_dict().ok())),
            );
        }
        let embedded = fonts.iter().any(|f| {
            f.get(b"FontDescriptor")
                .and_then(|o| doc.dereference(o).map(|x| x.1))
                .and_then(Object::as_dict)
                .is_ok_and(|fd| fd.has(b"FontFile2") || fd.has(b"FontFile") || fd.has(b"FontFile3"))
        });
        out.push((name, embedded));
    }
    out.sort();
    out
}

/// Two runs `a` and `b` wrote byte-identical xlsx, pdf and json for each
/// `(folder, name)`; the first run's workbook XML and PDF text match the
/// goldens under `tests/golden/<name>/`.
pub fn assert_identical_and_golden(a: &Path, b: &Path, reports: &[(&str, &str)]) {
    for (rel, name) in reports {
        for ext in ["xlsx", "pdf", "json"] {
            let x = std::fs::read(a.join(rel).join(format!("{name}.{ext}"))).unwrap();
            let y = std::fs::read(b.join(rel).join(format!("{name}.{ext}"))).unwrap();
            assert!(x == y, "{name}.{ext} differs between two runs");
        }
        let dir = a.join(rel);
        for (part, bytes) in unzip(&dir.join(format!("{name}.xlsx"))) {
            if part.ends_with(".xml") || part.ends_with(".rels") {
                golden(&format!("{name}/xlsx/{part}"), &bytes);
            }
        }
        golden(
            &format!("{name}/pdf.txt"),
            pdf_text(&dir.join(format!("{name}.pdf"))).as_bytes(),
        );
    }
}
