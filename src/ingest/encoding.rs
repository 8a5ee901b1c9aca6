//! Encoding detection: UTF-8 (with or without BOM) or Shift_JIS/CP932.
//!
//! A BOM means UTF-8; otherwise bytes that are valid UTF-8 are UTF-8, and
//! anything else is decoded as CP932 (WHATWG Shift_JIS, which is Microsoft's
//! CP932 including NEC/IBM extensions). Undecodable bytes are an error naming
//! the line, never replaced silently.

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
}

/// Decode `bytes` to UTF-8, detecting the encoding unless `forced`.
/// Returns the text and the encoding used, or `(line, reason)` on failure.
pub fn decode(
    bytes: &[u8],
    forced: Option<Encoding>,
) -> Result<(Cow<'_, [u8]>, Encoding), (u64, String)> {
    let bom = bytes.starts_with(&[0xEF, 0xBB, 0xBF]);
    let enc = match forced {
        Some(e) => e,
        None if bom => Encoding::Utf8,
        None => match std::str::from_utf8(bytes) {
            Ok(_) => Encoding::Utf8,
            Err(_) => Encoding::Cp932,
        },
    };
    match enc {
        Encoding::Utf8 => {
            let body = if bom { &bytes[3..] } else { bytes };
            match std::str::from_utf8(body) {
                Ok(_) => Ok((Cow::Borrowed(body), enc)),
                Err(e) => Err((line_of(body, e.valid_up_to()), "invalid UTF-8".to_string())),
            }
        }
        Encoding::Cp932 => {
            let (text, had_errors) = encoding_rs::SHIFT_JIS.decode_without_bom_handling(bytes);
            if had_errors {
                let pos = text.find('\u{FFFD}').unwrap_or(0);
                let line = text[..pos].bytes().filter(|&b| b == b'\n').count() as u64 + 1;
                return Err((line, "bytes that are neither UTF-8 nor CP932".to_string()));
            }
            Ok((Cow::Owned(text.into_owned().into_bytes()), enc))
        }
    }
}

fn line_of(b: &[u8], pos: usize) -> u64 {
    b[..pos].iter().filter(|&&c| c == b'\n').count() as u64 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects() {
        let (t, e) = decode("a,b\n".as_bytes(), None).unwrap();
        assert_eq!((&*t, e), (&b"a,b\n"[..], Encoding::Utf8));
        let (t, e) = decode(b"\xEF\xBB\xBFa\n", None).unwrap();
        assert_eq!((&*t, e), (&b"a\n"[..], Encoding::Utf8));
        // "異常終了" in CP932.
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("x\n異常終了\n");
        let (t, e) = decode(&sjis, None).unwrap();
        assert_eq!(
            (std::str::from_utf8(&t).unwrap(), e),
            ("x\n異常終了\n", Encoding::Cp932)
        );
        // A lone 0x82 at the end is neither.
        assert_eq!(decode(b"ok\nbad\x82", None).unwrap_err().0, 2);
    }
}
