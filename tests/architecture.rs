//! The import graph points one way. Every top-level module of the library
//! has a layer; a module may name (`crate::x`) only modules of lower layers,
//! so the graph has no cycle and no upward edge. The renderers may name
//! only the report model of the report layer. docs/ARCHITECTURE.md lists
//! every source file there is, and none that is not.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Lowest first. Modules on one line are peers and may not name each other.
const LAYERS: &[&[&str]] = &[
    &["util", "vocab", "mask", "figures"],
    &["problem"],
    &["encoding", "time"],
    &["calendar", "frame"],
    &["output"],
    &["config"],
    &["ingest"],
    &["store"],
    &["kpi"],
    &["report"],
    &["render"],
    &["jobs"],
    &["pipeline"],
    &["schedule"],
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The source without comments and string literals (a path in a doc
/// comment or a message is not an import).
fn code_only(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            let mut depth = 0;
            while i < b.len() {
                if b[i..].starts_with(b"/*") {
                    depth += 1;
                    i += 2;
                } else if b[i..].starts_with(b"*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if b[i] == b'\'' && i + 2 < b.len() && (b[i + 2] == b'\'' || b[i + 1] == b'\\') {
            // A char literal ('"', '\'').
            let end = b[i + 1..]
                .iter()
                .position(|&c| c == b'\'')
                .map_or(i + 1, |p| i + 2 + p);
            let end = if b[i + 1] == b'\\' {
                b[i + 3..]
                    .iter()
                    .position(|&c| c == b'\'')
                    .map_or(i + 3, |p| i + 4 + p)
            } else {
                end
            };
            out.push_str("' '");
            i = end;
        } else {
            out.push(b[i] as char);
            i += 1;
        }
    }
    out
}

/// Every `crate::<module>[::<sub>]` a source names, with `use crate::{a, b}`
/// groups expanded.
fn named(code: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let words: Vec<char> = code.chars().collect();
    let text: String = words.iter().collect();
    for (pos, _) in text.match_indices("crate::") {
        let before = text[..pos].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') && !text[..pos].ends_with('$') {
            continue;
        }
        let rest = &text[pos + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let inner = &group[..group.find('}').unwrap_or(group.len())];
            for part in inner.split(',') {
                let part = part.trim();
                let mut it = part.split("::");
                if let Some(m) = it.next().filter(|m| !m.is_empty()) {
                    out.push((m.to_string(), it.next().map(|s| s.trim().to_string())));
                }
            }
            continue;
        }
        let ident = |s: &str| -> String {
            s.chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect()
        };
        let m = ident(rest);
        let sub = rest[m.len()..]
            .strip_prefix("::")
            .map(ident)
            .filter(|s| !s.is_empty());
        out.push((m, sub));
    }
    out
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// The library's top-level modules, from `src/lib.rs`.
fn lib_modules() -> BTreeSet<String> {
    let lib = std::fs::read_to_string(root().join("src/lib.rs")).unwrap();
    lib.lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod "))
        .map(|m| m.trim_end_matches(';').to_string())
        .collect()
}

#[test]
fn every_module_has_a_layer() {
    for m in lib_modules() {
        assert!(
            layer_of(&m).is_some(),
            "module {m} has no layer in tests/architecture.rs"
        );
    }
}

#[test]
fn imports_point_down_only() {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    files.sort();
    let mut upward = Vec::new();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut checked = 0;
    for f in &files {
        let rel = f.strip_prefix(root().join("src")).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        // The binary (main.rs, cli/) sits above everything.
        if top == "main" || top == "cli" || top == "lib" {
            continue;
        }
        let mine = layer_of(&top).unwrap_or_else(|| panic!("{top} has no layer"));
        let code = code_only(&std::fs::read_to_string(f).unwrap());
        for (m, sub) in named(&code) {
            // `crate::closed_set!` is util's macro.
            let m = if m == "closed_set" {
                "util".to_string()
            } else {
                m
            };
            if m == top {
                continue;
            }
            checked += 1;
            edges.entry(top.clone()).or_default().insert(m.clone());
            match layer_of(&m) {
                Some(l) if l < mine => {}
                _ => upward.push(format!("{}: {top} → {m}", rel.display())),
            }
            if top == "render" && m == "report" && sub.as_deref() != Some("model") {
                upward.push(format!(
                    "{}: render → report::{} (renderers see only report::model)",
                    rel.display(),
                    sub.unwrap_or_default()
                ));
            }
        }
    }
    assert!(
        checked > 100,
        "only {checked} imports found: the scan is broken"
    );
    assert!(
        upward.is_empty(),
        "imports against the layers:\n  {}\nedges: {edges:#?}",
        upward.join("\n  ")
    );
}

#[test]
fn the_scan_sees_imports_and_ignores_comments() {
    let code = code_only(
        "use crate::{config::Config, ingest};\n// crate::schedule\n/* crate::jobs */\nlet s = \"crate::report\";\nlet c = '\"'; crate::time::Period::day(d);\n",
    );
    let names: Vec<String> = named(&code).into_iter().map(|(m, _)| m).collect();
    assert_eq!(names, ["config", "ingest", "time"]);
}

#[test]
fn architecture_md_lists_every_source_file() {
    let doc = std::fs::read_to_string(root().join("docs/ARCHITECTURE.md")).unwrap();
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let mut missing = Vec::new();
    for f in &files {
        let rel = f
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        // A module's folder may be listed as a whole (`src/ingest/formats/`).
        let folder = rel
            .rsplit_once('/')
            .map(|(d, _)| format!("{d}/"))
            .unwrap_or_default();
        let listed = doc.contains(&format!("`{rel}`"))
            || (rel.ends_with("/mod.rs") && doc.contains(&format!("`{folder}`")));
        if !listed {
            missing.push(rel);
        }
    }
    missing.sort();
    assert!(
        missing.is_empty(),
        "docs/ARCHITECTURE.md does not list:\n  {}",
        missing.join("\n  ")
    );
    // Nothing it names is gone.
    let mut stale = Vec::new();
    for piece in doc.split('`') {
        if piece.starts_with("src/") && !piece.contains(' ') && !root().join(piece).exists() {
            stale.push(piece.to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "docs/ARCHITECTURE.md names files that do not exist: {stale:?}"
    );
}
