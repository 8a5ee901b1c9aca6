//! Golden tests of the fixture day's documents: the workbook's XML parts and
//! the PDF's extracted text (read with lopdf).
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
    let text = pdf_text(&dir.join("daily-2026-10-15.pdf"));
    assert!(text.contains("対象日 令和8年10月15日（木）"));
    // The footer "n / N" on
    // every page: page 1 and the last page N/N.
    let pages = text.matches('\u{c}').count();
    assert!(pages >= 6, "{pages} pages");
    assert!(
        text.contains(&format!("1 / {pages}")) && text.contains(&format!("{pages} / {pages}")),
        "footer n / {pages}"
    );
    golden("daily-fixture/pdf.txt", text.as_bytes());
    let fonts = pdf_fonts(&dir.join("daily-2026-10-15.pdf"));
    // The Type0 font and its CID descendant: the subset tag HOKOKU+ and an
    // embedded font file on the descendant.
    assert!(
        fonts.iter().any(|(n, e)| n == "HOKOKU+IPAexGothic" && *e)
            && fonts.iter().all(|(n, _)| n.starts_with("HOKOKU+")),
        "font embedded and subset: {fonts:?}"
    );
}
