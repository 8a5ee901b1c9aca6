//! Encoding detection: UTF-8 (with or without BOM) or Shift_JIS/CP932,
//! decided once per file, then checked line by line.
//!
//! A BOM means UTF-8; a file that is valid UTF-8 throughout is UTF-8.
//! Otherwise the lines vote ([`LineVote`]): lines that are surely UTF-8
//! (valid, with a 3-byte sequence as Japanese text has) against lines that
//! are not UTF-8 at all; UTF-8 wins a tie, else the file is CP932 (WHATWG
//! Shift_JIS, which is Microsoft's CP932 with the NEC/IBM extensions).
//! The lines of the other encoding are then set aside one by one, each at
//! its own line, by the reader: a UTF-8 export with one CP932 line loses
//! that line (named), not its Japanese text to mojibake.

use crate::problem::Problem;
use std::borrow::Cow;

/// An input encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// UTF-8, BOM optional.
    Utf8,
    /// Shift_JIS / CP932.
    Cp932,
}

impl Encoding {
    /// Name used in the manifest.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Cp932 => "cp932",
        }
    }
    /// Name used in messages (`UTF-8`, `CP932`).
    pub fn label(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Cp932 => "CP932",
        }
    }
}

const BOM: &[u8] = &[0xEF, 0xBB, 0xBF];

/// Whether a line is surely UTF-8: valid UTF-8 with at least one 3- or
/// 4-byte sequence (Japanese in UTF-8). Valid UTF-8 of 2-byte sequences
/// only is ambiguous (CP932 half-width kana can look like it).
pub fn surely_utf8(line: &[u8]) -> bool {
    std::str::from_utf8(line).is_ok() && line.iter().any(|&b| b >= 0xE0)
}

/// The lines' vote on a file's encoding.
#[derive(Debug, Default, Clone, Copy)]
pub struct LineVote {
    utf8: u64,
    other: u64,
}

impl LineVote {
    /// Count one line.
    pub fn add(&mut self, line: &[u8]) {
        if line.is_ascii() {
            return;
        }
        if surely_utf8(line) {
            self.utf8 += 1;
        } else if std::str::from_utf8(line).is_err() {
            self.other += 1;
        }
    }
    /// The encoding the lines chose.
    pub fn decide(&self) -> Encoding {
        if self.utf8 > 0 && self.utf8 >= self.other {
            Encoding::Utf8
        } else {
            Encoding::Cp932
        }
    }
}

/// The encoding of a whole file in memory (unless `forced`), and how many
/// bytes of BOM to skip.
pub fn detect(bytes: &[u8], forced: Option<Encoding>) -> (Encoding, usize) {
    let bom = bytes.starts_with(BOM);
    let enc = match forced {
        Some(e) => e,
        None if bom => Encoding::Utf8,
        None if std::str::from_utf8(bytes).is_ok() => Encoding::Utf8,
        None => {
            let mut v = LineVote::default();
            for l in bytes.split(|&b| b == b'\n') {
                v.add(l);
            }
            v.decide()
        }
    };
    let skip = if bom && enc == Encoding::Utf8 { 3 } else { 0 };
    (enc, skip)
}

/// Decode one line (or field) in `enc`, or say why it cannot be.
pub fn decode_line(b: &[u8], enc: Encoding) -> Result<Cow<'_, str>, Problem> {
    if b.is_ascii() {
        return Ok(Cow::Borrowed(std::str::from_utf8(b).expect("ASCII")));
    }
    match enc {
        Encoding::Utf8 => std::str::from_utf8(b)
            .map(Cow::Borrowed)
            .map_err(|_| Problem::new("invalid_bytes", ["UTF-8"])),
        Encoding::Cp932 => {
            if surely_utf8(b) {
                return Err(Problem::new("foreign_encoding", ["UTF-8", "CP932"]));
            }
            encoding_rs::SHIFT_JIS
                .decode_without_bom_handling_and_without_replacement(b)
                .ok_or_else(|| Problem::new("invalid_bytes", ["CP932"]))
        }
    }
}

/// Lossy text of bytes in `enc` (for a set-aside line's raw fields).
pub fn lossy(b: &[u8], enc: Encoding) -> String {
    match enc {
        Encoding::Cp932 if std::str::from_utf8(b).is_err() => encoding_rs::SHIFT_JIS
            .decode_without_bom_handling(b)
            .0
            .into_owned(),
        _ => String::from_utf8_lossy(b).into_owned(),
    }
}

/// A whole file decoded for a line-based reader.
#[derive(Debug)]
pub struct Decoded {
    /// The text; a line that is not in the file's encoding is left empty,
    /// so line numbers still count the file's lines.
    pub text: String,
    /// The encoding the file was read as.
    pub encoding: Encoding,
    /// The lines set aside: (line, problem, lossy text of the line).
    pub bad: Vec<(u64, Problem, String)>,
}

/// Decode a whole file line by line (see the module docs).
pub fn decode_lines(bytes: &[u8], forced: Option<Encoding>) -> Decoded {
    let (enc, skip) = detect(bytes, forced);
    let body = &bytes[skip..];
    if enc == Encoding::Utf8 {
        if let Ok(t) = std::str::from_utf8(body) {
            return Decoded {
                text: t.to_string(),
                encoding: enc,
                bad: Vec::new(),
            };
        }
    }
    let mut text = String::with_capacity(body.len() * 3 / 2);
    let mut bad = Vec::new();
    for (i, line) in body.split(|&b| b == b'\n').enumerate() {
        if i > 0 {
            text.push('\n');
        }
        match decode_line(line, enc) {
            Ok(t) => text.push_str(&t),
            Err(p) => bad.push((
                i as u64 + 1,
                p,
                lossy(line, enc).trim_end_matches('\r').to_string(),
            )),
        }
    }
    Decoded {
        text,
        encoding: enc,
        bad,
    }
}

/// Decode a whole small text (remarks files): UTF-8 or CP932, the first
/// line that does not decode is an error `(line, reason)`.
pub fn decode(bytes: &[u8], forced: Option<Encoding>) -> Result<(String, Encoding), (u64, String)> {
    let d = decode_lines(bytes, forced);
    match d.bad.first() {
        Some((line, p, _)) => Err((*line, p.english())),
        None => Ok((d.text, d.encoding)),
    }
}

/// Lossy text of the first bytes of a file, for detecting its format.
pub fn decode_lossy(bytes: &[u8], forced: Option<Encoding>) -> String {
    let (enc, skip) = detect(bytes, forced);
    lossy(&bytes[skip..], enc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects() {
        let (t, e) = decode("a,b\n".as_bytes(), None).unwrap();
        assert_eq!((t.as_str(), e), ("a,b\n", Encoding::Utf8));
        let (t, e) = decode(b"\xEF\xBB\xBFa\n", None).unwrap();
        assert_eq!((t.as_str(), e), ("a\n", Encoding::Utf8));
        // "異常終了" in CP932.
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("x\n異常終了\n");
        let (t, e) = decode(&sjis, None).unwrap();
        assert_eq!((t.as_str(), e), ("x\n異常終了\n", Encoding::Cp932));
        // A lone 0x82 at the end is neither.
        assert_eq!(decode(b"ok\nbad\x82", None).unwrap_err().0, 2);
    }

    #[test]
    fn a_minority_line_is_set_aside_at_its_own_line() {
        // UTF-8 with one CP932 line on line 3: read as UTF-8, line 3 set aside.
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("停止");
        let mut b = "見出し\n正常\n".as_bytes().to_vec();
        b.extend_from_slice(&sjis);
        b.extend_from_slice("\n終了\n".as_bytes());
        let d = decode_lines(&b, None);
        assert_eq!(d.encoding, Encoding::Utf8);
        assert_eq!(d.bad.len(), 1);
        assert_eq!((d.bad[0].0, d.bad[0].1.code), (3, "invalid_bytes"));
        assert_eq!(d.text, "見出し\n正常\n\n終了\n");
        // CP932 with one UTF-8 line: that line is the foreign one.
        let mut b = encoding_rs::SHIFT_JIS
            .encode("見出し\n正常\n異常\n")
            .0
            .into_owned();
        b.extend_from_slice("終了\n".as_bytes());
        let d = decode_lines(&b, None);
        assert_eq!(d.encoding, Encoding::Cp932);
        assert_eq!((d.bad[0].0, d.bad[0].1.code), (4, "foreign_encoding"));
    }
}
