//! Golden tests of the fixture day's documents: the workbook's XML parts and
//! the PDF's extracted text (pdftotext, from poppler-utils; see README).
//! Refresh after an intended change with `HOKOKU_UPDATE_GOLDEN=1 cargo test`.

mod common;
use common::*;

#[test]
fn workbook_xml_and_pdf_text() {
    let dir = fixture_outputs("golden");
    for (name, bytes) in unzip(&dir.join("daily-2026-10-15.xlsx")) {
        if name.ends_with(".xml") || name.ends_with(".rels") {
            golden(&format!("daily-fixture/xlsx/{name}"), &bytes);
        }
    }
    let t = std::process::Command::new("pdftotext")
        .args([
            "-layout",
            dir.join("daily-2026-10-15.pdf").to_str().unwrap(),
            "-",
        ])
        .output()
        .expect("pdftotext (poppler-utils) is needed: run bash .ci/setup");
    assert!(t.status.success());
    let text = String::from_utf8(t.stdout).unwrap();
    assert!(text.contains("対象日 令和8年10月15日（木）"));
    // The footer "n / N" (pdftotext drops the spaces around the slash) on
    // every page: page 1 and the last page N/N.
    let pages = text.matches('\u{c}').count();
    assert!(pages >= 6, "{pages} pages");
    assert!(
        text.contains(&format!("1/{pages}")) && text.contains(&format!("{pages}/{pages}")),
        "footer n / {pages}"
    );
    golden("daily-fixture/pdf.txt", text.as_bytes());
    let fonts = std::process::Command::new("pdffonts")
        .arg(dir.join("daily-2026-10-15.pdf"))
        .output()
        .unwrap();
    let fonts = String::from_utf8(fonts.stdout).unwrap();
    assert!(
        fonts.contains("HOKOKU+IPAexGothic") && fonts.contains("yes yes yes"),
        "font embedded and subset: {fonts}"
    );
}
