//! Masking of personal data (caller numbers) for every output.
//!
//! Two rules:
//! - [`mask`]: a value of a personal column (the caller's number) keeps
//!   only its last four digits.
//! - [`mask_phones`]: any text that came from an input (a ticket title, a
//!   cell quoted in an error, a field of a rejected row) has every
//!   phone-number-shaped run masked the same way, wherever it came from, so
//!   a number that lands in the wrong column (a broken row, headers in a
//!   different order, full-width digits) never leaves the process.
//!
//! Phone-number-shaped (besides a subscriber number alone, `1234-5678`):
//! digits (ASCII or full-width) with optional
//! separators (hyphens of any width, spaces, parentheses, dots, slashes),
//! optionally
//! after `+`/`＋`, with 10–13 digits starting with `0`, or 10–15 digits
//! after a `+`, or digits grouped as …-1234-5678 whatever comes first (a
//! leading 0 a spreadsheet dropped). A run glued to letters or digits on either side (an
//! identifier such as `INC-0312345678` or `A0312345678`) is not a phone
//! number.

use std::borrow::Cow;

/// Mask all digits but the last four: `03-1234-5678` → `**-****-5678`.
pub fn mask(s: &str) -> String {
    let digits = s.chars().filter(|c| digit(*c).is_some()).count();
    let mut seen = 0;
    s.chars()
        .map(|c| match digit(c) {
            Some(_) => {
                seen += 1;
                if seen + 4 <= digits {
                    star(c)
                } else {
                    c
                }
            }
            None => c,
        })
        .collect()
}

fn star(c: char) -> char {
    if c.is_ascii_digit() {
        '*'
    } else {
        '＊'
    }
}

/// The value of an ASCII or full-width digit.
fn digit(c: char) -> Option<u32> {
    match c {
        '0'..='9' => Some(c as u32 - '0' as u32),
        '０'..='９' => Some(c as u32 - '０' as u32),
        _ => None,
    }
}

fn separator(c: char) -> bool {
    matches!(
        c,
        '-' | '－'
            | '‐'
            | '‑'
            | '–'
            | '—'
            | '−'
            | 'ー'
            | ' '
            | '\u{3000}'
            | '('
            | ')'
            | '（'
            | '）'
            | '.'
            | '．'
            | '/'
            | '／'
    )
}

fn plus(c: char) -> bool {
    c == '+' || c == '＋'
}

/// A letter or digit of an identifier (ASCII or full-width), or `_`.
fn word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || digit(c).is_some() || ('Ａ'..='ｚ').contains(&c)
}

/// Mask every phone-number-shaped run in `s` (see the module docs). Text
/// with fewer than eight digits is returned as is, without copying.
pub fn mask_phones(s: &str) -> Cow<'_, str> {
    // Fast path: fewer than eight digit characters cannot hold a number
    // (the shortest is a subscriber number, 1234-5678).
    let mut n = 0;
    for b in s.bytes() {
        // ASCII digits, or the last byte of a full-width digit (EF BC 90–99).
        if b.is_ascii_digit() || (0x90..=0x99).contains(&b) {
            n += 1;
        }
    }
    if n < 8 {
        return Cow::Borrowed(s);
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out: Vec<char> = chars.clone();
    let mut changed = false;
    let n_chars = chars.len();
    let mut i = 0;
    while i < n_chars {
        let c = chars[i];
        let group_start = digit(c).is_some() && !(i > 0 && digit(chars[i - 1]).is_some());
        if !(group_start || plus(c) || matches!(c, '(' | '（')) {
            i += 1;
            continue;
        }
        let international = plus(c);
        // Walk digit groups up to the first prefix shaped like a number and
        // not glued to a word after it.
        let mut j = i + usize::from(international);
        let mut digits: Vec<usize> = Vec::new();
        let mut best: Option<usize> = None; // digits of the number found
        let mut first_group_end = None;
        let mut groups: Vec<usize> = Vec::new(); // digits per group
        let mut best_groups = 0;
        loop {
            let mut seps = 0;
            while j < n_chars && separator(chars[j]) && seps < 2 {
                j += 1;
                seps += 1;
            }
            if j >= n_chars || digit(chars[j]).is_none() {
                break;
            }
            let before = digits.len();
            while j < n_chars && digit(chars[j]).is_some() {
                digits.push(j);
                j += 1;
            }
            groups.push(digits.len() - before);
            first_group_end.get_or_insert(j);
            let count = digits.len();
            if count > 15 {
                break;
            }
            let lead = digit(chars[digits[0]]).unwrap_or(9);
            let shaped = if international {
                (10..=15).contains(&count)
            } else {
                (lead == 0 && (10..=13).contains(&count))
                    // Written as a phone number, …-1234-5678, whatever its
                    // area code (a leading 0 that a spreadsheet dropped).
                    || (groups.len() >= 3
                        && !(i >= 2 && separator(chars[i - 1]) && digit(chars[i - 2]).is_some())
                        && groups[groups.len() - 1] == 4
                        && groups[groups.len() - 2] == 4
                        && (9..=13).contains(&count))
            };
            // A subscriber number without its area code: 1234-5678.
            // (Only as a run of its own: not the tail of a longer number,
            // not followed by more digit groups.)
            let continues = i >= 2 && separator(chars[i - 1]) && digit(chars[i - 2]).is_some();
            let more = j + 1 < n_chars && separator(chars[j]) && digit(chars[j + 1]).is_some();
            let local = !international
                && !continues
                && !more
                && groups.len() == 2
                && groups[0] == 4
                && groups[1] == 4
                && {
                    // Not a range of years (2026-2027).
                    let year = |g: &[usize]| {
                        let v: u32 = g
                            .iter()
                            .fold(0, |a, &k| a * 10 + digit(chars[k]).unwrap_or(0));
                        (1900..=2100).contains(&v)
                    };
                    !(year(&digits[..4]) && year(&digits[4..8]))
                };
            // The first group end that makes a number: the longest would
            // swallow the digits after it (`090-8765-4321 10:30`).
            if (shaped || local) && !chars.get(j).copied().is_some_and(word) {
                best = Some(count);
                best_groups = groups.len();
                break;
            }
        }
        let before_ok = match i.checked_sub(1).map(|k| chars[k]) {
            None => true,
            // Glued to a word: an identifier (`A0312345678`) — unless the
            // digits are grouped as a phone number is (`x3-6742-7981`).
            Some(b) if word(b) => best_groups > 2,
            // `INC-0312345678`: a hyphen after a letter joins an identifier
            // — when the digits are one unbroken run. Digits in groups
            // (`XX-6742-7981`) are formatted as a phone number: masked.
            Some(b) if separator(b) && !matches!(b, ' ' | '\u{3000}' | '(' | '（') => {
                best_groups > 1
                    || !i
                        .checked_sub(2)
                        .map(|k| chars[k])
                        .is_some_and(|p| word(p) && digit(p).is_none())
            }
            Some(_) => true,
        };
        // Every start is tried, and the digits to mask are the union of
        // what each found: a date run into a number (`09/10 090-8765-4321`)
        // never lets the number through half masked.
        if let (Some(count), true) = (best, before_ok) {
            for &k in &digits[..count - 4] {
                out[k] = star(chars[k]);
            }
            changed = true;
        }
        i = first_group_end.unwrap_or(i + 1).max(i + 1);
    }
    if changed {
        Cow::Owned(out.into_iter().collect())
    } else {
        Cow::Borrowed(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_all_but_last_four() {
        assert_eq!(mask("03-1234-5678"), "**-****-5678");
        assert_eq!(mask("123"), "123");
        assert_eq!(mask(""), "");
        assert_eq!(mask("０３－６７４２－７９８１"), "＊＊－＊＊＊＊－７９８１");
    }

    #[test]
    fn phone_shaped_text_is_masked_wherever_it_is() {
        let m = |s: &str| mask_phones(s).into_owned();
        assert_eq!(m("TEL 03-6742-7981 から"), "TEL **-****-7981 から");
        assert_eq!(m("０３－６７４２－７９８１"), "＊＊－＊＊＊＊－７９８１");
        assert_eq!(m("(03)6742-7981"), "(**)****-7981");
        assert_eq!(m("+81-3-6742-7981"), "+**-*-****-7981");
        assert_eq!(m("携帯09012345678です"), "携帯*******5678です");
        assert_eq!(m("0120-123-456"), "****-**3-456");
        assert_eq!(m("ID 2026 03-6742-7981"), "ID 2026 **-****-7981");
        assert_eq!(m("03-6742-7981 2026年"), "**-****-7981 2026年");
        assert_eq!(m("03.6742.7981"), "**.****.7981");
        assert_eq!(m("局番なし 6742-7981"), "局番なし ****-7981");
        assert_eq!(m("\"8765-4321\""), "\"****-4321\"");
        assert_eq!(m("ＮR－６７４２－７９８１"), "ＮR－＊＊＊＊－７９８１");
        assert_eq!(
            m("2026/09/10 090-8765-4321 10:30"),
            "2026/**/** ***-****-4321 10:30"
        );
        // A leading 0 that a spreadsheet dropped.
        assert_eq!(m("3-6742-7981"), "*-****-7981");
        assert_eq!(m("43-6742-7981"), "**-****-7981");
        assert_eq!(m("03|-6742-7981"), "03|-****-7981");
        // Not phone numbers: identifiers, dates, epochs, short numbers.
        for s in [
            "INC-0312345678",
            "A0312345678",
            "2026-10-15 09:15:00",
            "1791158400.123",
            "job 12345",
            "0312345678901234",
            "令和8年度（2026-2027）",
        ] {
            assert_eq!(m(s), s, "{s}");
        }
    }
}
