//! One definition of a line and of a record, for every delimited input
//! (canonical CSV, mapping profiles, the Asterisk CDR).
//!
//! - A **physical line** ends at LF (`\n`); a CR right before it belongs to
//!   the line end (CRLF). A CR anywhere else is data, never a line end,
//!   except in a file that has no LF at all (classic Mac line ends), where
//!   [`line_ends`] says CR ends lines and [`normalise_cr`] makes them LF.
//!   Line numbers count LFs, so every part of hokoku (typing, the
//!   rejected-rows file, adapters) agrees on them.
//! - A **record** is RFC 4180: fields separated by the delimiter; a field
//!   that starts with `"` is quoted (`""` inside is one quote) and may span
//!   lines; a quote inside an unquoted field is data. A record starts at
//!   the line where its first field starts.
//! - A **flawed record** (a quote followed by text, a quoted field that
//!   never closes, or a record that spans lines and ends with the wrong
//!   number of fields) is set aside as its *first physical line only*, and
//!   reading resumes at the next line: one broken row never swallows the
//!   rows after it.
//! - A quoted field longer than [`MAX_QUOTED`] bytes counts as never
//!   closed (so memory stays bounded whatever the file holds).

use memchr::{memchr, memchr2};
use std::ops::RangeInclusive;

/// Longest quoted field accepted (bytes).
pub const MAX_QUOTED: usize = 8 << 20;

/// One field of a record: a byte range of the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub start: usize,
    pub end: usize,
    /// Quoted, with `""` pairs that must be collapsed to one quote.
    pub escaped: bool,
}

/// Why a record is set aside by the scanner itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flaw {
    /// A closing quote followed by something other than a delimiter or a
    /// line end.
    StrayQuote,
    /// A quoted field that never closes (or is longer than [`MAX_QUOTED`]).
    Unterminated,
    /// A record spanning several lines with a field count outside the
    /// accepted range (the count is given).
    FieldsAcrossLines(usize),
}

/// One record (or one flawed first line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record {
    /// Physical line where it starts (1-based).
    pub line: u64,
    /// Byte range, line end included.
    pub start: usize,
    pub end: usize,
    /// Physical lines it spans (1 for a one-line record).
    pub lines: u64,
    /// Set when the scanner itself sets the record aside; the fields are
    /// then the first line split at every delimiter (for the
    /// rejected-rows file).
    pub flaw: Option<Flaw>,
}

/// What [`Scanner::next`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Record(Record),
    /// The buffer is used up at a record boundary.
    End,
    /// The buffer ends inside a record and is not the end of the file.
    NeedMore,
}

/// How lines end in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEnds {
    /// LF or CRLF (a bare CR is data).
    Lf,
    /// No LF anywhere but CRs: CR ends lines.
    Cr,
}

/// How the lines of `bytes` end (see the module docs).
pub fn line_ends(bytes: &[u8]) -> LineEnds {
    if memchr(b'\n', bytes).is_none() && memchr(b'\r', bytes).is_some() {
        LineEnds::Cr
    } else {
        LineEnds::Lf
    }
}

/// A CR-only file with its line ends made LF.
pub fn normalise_cr(bytes: &[u8]) -> Vec<u8> {
    bytes
        .iter()
        .map(|&b| if b == b'\r' { b'\n' } else { b })
        .collect()
}

/// Reads records from a buffer that starts at a record boundary.
pub struct Scanner<'a> {
    buf: &'a [u8],
    pos: usize,
    line: u64,
    delim: u8,
    last: bool,
    accept: RangeInclusive<usize>,
}

enum Parse {
    Ok { end: usize, lines: u64 },
    Flaw(Flaw),
    NeedMore,
}

impl<'a> Scanner<'a> {
    /// Scan `buf`, whose first byte is on physical line `line`. `last`: the
    /// buffer ends at the end of the file. `accept`: the field counts a
    /// record that spans lines may have (outside it, the record is a
    /// [`Flaw::FieldsAcrossLines`]).
    pub fn new(
        buf: &'a [u8],
        line: u64,
        delim: u8,
        last: bool,
        accept: RangeInclusive<usize>,
    ) -> Scanner<'a> {
        Scanner {
            buf,
            pos: 0,
            line,
            delim,
            last,
            accept,
        }
    }

    /// Byte offset of the next record.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Line of the next record.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// The field counts accepted across lines from now on.
    pub fn set_accept(&mut self, accept: RangeInclusive<usize>) {
        self.accept = accept;
    }

    /// The next record; its fields replace the contents of `fields`.
    pub fn next(&mut self, fields: &mut Vec<Field>) -> Step {
        if self.pos >= self.buf.len() {
            return Step::End;
        }
        fields.clear();
        let start = self.pos;
        match self.parse(fields) {
            Parse::NeedMore => Step::NeedMore,
            Parse::Ok { end, lines } => {
                if lines > 0 && !self.accept.contains(&fields.len()) {
                    let n = fields.len();
                    return self.first_line_only(fields, Flaw::FieldsAcrossLines(n));
                }
                let rec = Record {
                    line: self.line,
                    start,
                    end,
                    lines: lines + 1,
                    flaw: None,
                };
                // A record that ends at the end of the buffer without a
                // line end still counts its last line.
                self.line += lines + u64::from(end > start && self.buf[end - 1] == b'\n');
                self.pos = end;
                Step::Record(rec)
            }
            Parse::Flaw(f) => self.first_line_only(fields, f),
        }
    }

    /// Set aside the first physical line of the record at `pos`.
    fn first_line_only(&mut self, fields: &mut Vec<Field>, flaw: Flaw) -> Step {
        let start = self.pos;
        let rest = &self.buf[start..];
        let end = match memchr(b'\n', rest) {
            Some(i) => start + i + 1,
            None if self.last => self.buf.len(),
            None => return Step::NeedMore,
        };
        fields.clear();
        let mut content_end = end;
        while content_end > start && matches!(self.buf[content_end - 1], b'\n' | b'\r') {
            content_end -= 1;
        }
        let mut s = start;
        for i in start..content_end {
            if self.buf[i] == self.delim {
                fields.push(Field {
                    start: s,
                    end: i,
                    escaped: false,
                });
                s = i + 1;
            }
        }
        fields.push(Field {
            start: s,
            end: content_end,
            escaped: false,
        });
        let rec = Record {
            line: self.line,
            start,
            end,
            lines: 1,
            flaw: Some(flaw),
        };
        self.line += u64::from(self.buf[end - 1] == b'\n');
        self.pos = end;
        Step::Record(rec)
    }

    fn parse(&self, fields: &mut Vec<Field>) -> Parse {
        let buf = self.buf;
        let len = buf.len();
        let delim = self.delim;
        let mut p = self.pos;
        let mut lines = 0u64;
        loop {
            if p < len && buf[p] == b'"' {
                // Quoted field.
                let qstart = p + 1;
                let mut q = qstart;
                let mut escaped = false;
                let close = loop {
                    match memchr(b'"', &buf[q..]) {
                        None => {
                            if !self.last && len - qstart <= MAX_QUOTED {
                                return Parse::NeedMore;
                            }
                            return Parse::Flaw(Flaw::Unterminated);
                        }
                        Some(k) => {
                            let at = q + k;
                            if at - qstart > MAX_QUOTED {
                                return Parse::Flaw(Flaw::Unterminated);
                            }
                            if at + 1 < len && buf[at + 1] == b'"' {
                                escaped = true;
                                q = at + 2;
                                continue;
                            }
                            if at + 1 == len && !self.last {
                                return Parse::NeedMore;
                            }
                            break at;
                        }
                    }
                };
                lines += memchr::memchr_iter(b'\n', &buf[qstart..close]).count() as u64;
                fields.push(Field {
                    start: qstart,
                    end: close,
                    escaped,
                });
                p = close + 1;
                // Spaces or tabs between the closing quote and the delimiter
                // are tolerated.
                while p < len && matches!(buf[p], b' ' | b'\t') && buf[p] != delim {
                    p += 1;
                }
                if p == len {
                    if !self.last {
                        return Parse::NeedMore;
                    }
                    return Parse::Ok { end: len, lines };
                }
                match buf[p] {
                    c if c == delim => {
                        p += 1;
                        continue;
                    }
                    b'\n' => return Parse::Ok { end: p + 1, lines },
                    b'\r' if p + 1 < len && buf[p + 1] == b'\n' => {
                        return Parse::Ok { end: p + 2, lines }
                    }
                    b'\r' if p + 1 == len => {
                        if !self.last {
                            return Parse::NeedMore;
                        }
                        return Parse::Ok { end: len, lines };
                    }
                    _ => return Parse::Flaw(Flaw::StrayQuote),
                }
            }
            // Unquoted field: up to the delimiter or the line end.
            match memchr2(delim, b'\n', &buf[p..]) {
                None => {
                    if !self.last {
                        return Parse::NeedMore;
                    }
                    let mut e = len;
                    if e > p && buf[e - 1] == b'\r' {
                        e -= 1;
                    }
                    fields.push(Field {
                        start: p,
                        end: e,
                        escaped: false,
                    });
                    return Parse::Ok { end: len, lines };
                }
                Some(k) => {
                    let at = p + k;
                    if buf[at] == delim {
                        fields.push(Field {
                            start: p,
                            end: at,
                            escaped: false,
                        });
                        p = at + 1;
                        continue;
                    }
                    let mut e = at;
                    if e > p && buf[e - 1] == b'\r' {
                        e -= 1;
                    }
                    fields.push(Field {
                        start: p,
                        end: e,
                        escaped: false,
                    });
                    return Parse::Ok { end: at + 1, lines };
                }
            }
        }
    }
}

/// The text of a field: quotes collapsed when escaped.
pub fn field_bytes<'b>(buf: &'b [u8], f: &Field, scratch: &'b mut Vec<u8>) -> &'b [u8] {
    let raw = &buf[f.start..f.end];
    if !f.escaped {
        return raw;
    }
    scratch.clear();
    let mut i = 0;
    while i < raw.len() {
        scratch.push(raw[i]);
        if raw[i] == b'"' && raw.get(i + 1) == Some(&b'"') {
            i += 1;
        }
        i += 1;
    }
    scratch
}

/// Whether every field of a record is empty or blank: such a record (a
/// blank line, `,,,`) carries no data and is not a row.
pub fn is_blank(buf: &[u8], fields: &[Field]) -> bool {
    fields.iter().all(|f| {
        buf[f.start..f.end]
            .iter()
            .all(|b| matches!(b, b' ' | b'\t' | b'\r'))
    })
}

/// Byte offsets just after a LF outside quotes (by quote parity), about
/// every `every` bytes: where a file can be cut into chunks that are read
/// side by side. A cut that a stray quote makes wrong is detected by the
/// reader (the chunk before it ends inside a record) and that part is read
/// again in one piece.
pub fn cut_points(
    buf: &[u8],
    base: usize,
    every: usize,
    in_quotes: &mut bool,
    out: &mut Vec<usize>,
    last_cut: &mut usize,
) {
    for i in memchr::memchr2_iter(b'"', b'\n', buf) {
        if buf[i] == b'"' {
            *in_quotes = !*in_quotes;
        } else if !*in_quotes && base + i + 1 - *last_cut >= every {
            *last_cut = base + i + 1;
            out.push(*last_cut);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str, accept: RangeInclusive<usize>) -> Vec<(u64, Option<Flaw>, Vec<String>)> {
        let b = text.as_bytes();
        let mut s = Scanner::new(b, 1, b',', true, accept);
        let mut f = Vec::new();
        let mut out = Vec::new();
        let mut scratch = Vec::new();
        loop {
            match s.next(&mut f) {
                Step::Record(r) => out.push((
                    r.line,
                    r.flaw,
                    f.iter()
                        .map(|x| {
                            String::from_utf8(field_bytes(b, x, &mut scratch).to_vec()).unwrap()
                        })
                        .collect(),
                )),
                Step::End => break,
                Step::NeedMore => panic!("need more at the end"),
            }
        }
        out
    }

    #[test]
    fn lines_end_at_lf_only() {
        let r = all("a,b\r\nc\rd,e\n\nf,g", 2..=2);
        assert_eq!(r[0], (1, None, vec!["a".into(), "b".into()]));
        // A bare CR is data, never a line end.
        assert_eq!(r[1], (2, None, vec!["c\rd".into(), "e".into()]));
        // The blank line is a record of one empty field on line 3.
        assert_eq!(r[2].0, 3);
        assert_eq!(r[3], (4, None, vec!["f".into(), "g".into()]));
    }

    #[test]
    fn quoted_fields_span_lines_and_count_them() {
        let r = all("a,\"x\ny\"\"z\"\nb,c\n", 2..=2);
        assert_eq!(r[0], (1, None, vec!["a".into(), "x\ny\"z".into()]));
        assert_eq!(r[1], (3, None, vec!["b".into(), "c".into()]));
    }

    #[test]
    fn a_broken_quote_sets_aside_one_line_only() {
        // Line 2 opens a quote that closes on line 4 and is followed by text:
        // only line 2 is set aside; lines 3 and 4 are read.
        let r = all("h1,h2\na,\"broken\nb,c\nd,\"e\"x\n", 2..=2);
        assert_eq!(r[1].0, 2);
        assert_eq!(r[1].1, Some(Flaw::StrayQuote));
        assert_eq!(r[2], (3, None, vec!["b".into(), "c".into()]));
        assert_eq!(r[3].0, 4);
        assert_eq!(r[3].1, Some(Flaw::StrayQuote));
        // Never closed: only its line.
        let r = all("a,\"open\nb,c\n", 2..=2);
        assert_eq!(r[0].1, Some(Flaw::Unterminated));
        assert_eq!(r.last().unwrap().2, vec!["b".to_string(), "c".to_string()]);
    }

    #[test]
    fn chunks_end_where_records_end() {
        let b = b"a,b\nc,\"d";
        let mut s = Scanner::new(b, 1, b',', false, 2..=2);
        let mut f = Vec::new();
        assert!(matches!(s.next(&mut f), Step::Record(_)));
        assert_eq!(s.next(&mut f), Step::NeedMore);
    }
}
