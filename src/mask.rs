//! Masking of personal data (caller numbers) for every output.

/// Mask all digits but the last four: `03-1234-5678` → `**-****-5678`.
pub fn mask(s: &str) -> String {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    let mut seen = 0;
    s.chars()
        .map(|c| {
            if c.is_ascii_digit() {
                seen += 1;
                if seen + 4 <= digits {
                    return '*';
                }
            }
            c
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn masks_all_but_last_four() {
        assert_eq!(super::mask("03-1234-5678"), "**-****-5678");
        assert_eq!(super::mask("123"), "123");
        assert_eq!(super::mask(""), "");
    }
}
