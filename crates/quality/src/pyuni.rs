//! Character and string predicates with Python's semantics (`str.isspace`, `str.isalpha`,
//! `str.strip`, `str.splitlines`, `unicodedata.category`), which the reference filters use. Rust's
//! `char::is_whitespace` / `is_alphabetic` differ from Python's on a few hundred code points
//! (`\x1c`–`\x1f` are spaces in Python; combining vowel signs are alphabetic in Rust but not
//! letters in Python), enough to flip threshold decisions on Indic text.

use unicode_general_category::{GeneralCategory as G, get_general_category};

/// `str.isspace()` for one character: bidirectional class WS, B or S, or category Zs.
#[inline]
pub(crate) fn is_space(c: char) -> bool {
    match c {
        '\t' | '\n' | '\x0b' | '\x0c' | '\r' | '\x1c'..='\x1f' | ' ' | '\u{85}' | '\u{a0}' => true,
        c if (c as u32) < 0x1680 => false,
        '\u{1680}'
        | '\u{2000}'..='\u{200a}'
        | '\u{2028}'
        | '\u{2029}'
        | '\u{202f}'
        | '\u{205f}'
        | '\u{3000}' => true,
        _ => false,
    }
}

/// `str.isalpha()` for one character: general category Lu, Ll, Lt, Lm or Lo.
#[inline]
pub(crate) fn is_alpha(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    matches!(
        get_general_category(c),
        G::UppercaseLetter
            | G::LowercaseLetter
            | G::TitlecaseLetter
            | G::ModifierLetter
            | G::OtherLetter
    )
}

/// `unicodedata.category(c).startswith("P")`.
#[inline]
pub(crate) fn is_punct_category(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_punctuation()
            && !matches!(c, '$' | '+' | '<' | '=' | '>' | '^' | '`' | '|' | '~');
    }
    matches!(
        get_general_category(c),
        G::ConnectorPunctuation
            | G::DashPunctuation
            | G::OpenPunctuation
            | G::ClosePunctuation
            | G::InitialPunctuation
            | G::FinalPunctuation
            | G::OtherPunctuation
    )
}

/// Python's regex `\w` for `str` patterns: alphanumeric (letters and numbers) or `_`.
#[inline]
pub(crate) fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric() || c == '_';
    }
    matches!(
        get_general_category(c),
        G::UppercaseLetter
            | G::LowercaseLetter
            | G::TitlecaseLetter
            | G::ModifierLetter
            | G::OtherLetter
            | G::DecimalNumber
            | G::LetterNumber
            | G::OtherNumber
    )
}

/// `str.strip()`.
#[inline]
pub(crate) fn strip(s: &str) -> &str {
    s.trim_matches(is_space)
}

/// `str.lstrip()`.
#[inline]
pub(crate) fn lstrip(s: &str) -> &str {
    s.trim_start_matches(is_space)
}

/// `str.rstrip()`.
#[inline]
pub(crate) fn rstrip(s: &str) -> &str {
    s.trim_end_matches(is_space)
}

/// Python's `len(s)`: the number of code points.
#[inline]
pub(crate) fn len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

/// True for the line boundaries of `str.splitlines()` other than `\r` (handled with `\r\n`).
#[inline]
fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\x0b' | '\x0c' | '\x1c' | '\x1d' | '\x1e' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// `str.splitlines()` (no trailing empty line; `\r\n` is one break).
pub(crate) fn splitlines(s: &str) -> SplitLines<'_> {
    SplitLines { rest: s }
}

/// Iterator of [`splitlines`].
#[derive(Debug)]
pub(crate) struct SplitLines<'a> {
    rest: &'a str,
}

impl<'a> Iterator for SplitLines<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if self.rest.is_empty() {
            return None;
        }
        let bytes = self.rest.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b == b'\r' {
                let line = &self.rest[..i];
                let skip = if bytes.get(i + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
                self.rest = &self.rest[i + skip..];
                return Some(line);
            }
            if b < 0x80 {
                if is_line_break(b as char) {
                    let line = &self.rest[..i];
                    self.rest = &self.rest[i + 1..];
                    return Some(line);
                }
                i += 1;
            } else {
                let c = self.rest[i..].chars().next().unwrap_or('\0');
                if is_line_break(c) {
                    let line = &self.rest[..i];
                    self.rest = &self.rest[i + c.len_utf8()..];
                    return Some(line);
                }
                i += c.len_utf8();
            }
        }
        let line = self.rest;
        self.rest = "";
        Some(line)
    }
}

/// Python's `s.count(sub)`: non-overlapping occurrences.
pub(crate) fn count_substr(s: &str, sub: &str) -> usize {
    if sub.is_empty() {
        return len(s) + 1;
    }
    memchr::memmem::find_iter(s.as_bytes(), sub.as_bytes())
        .fold((0usize, 0usize), |(n, next), i| {
            if i >= next {
                (n + 1, i + sub.len())
            } else {
                (n, next)
            }
        })
        .0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitlines_like_python() {
        let v: Vec<_> = splitlines("a\r\nb\rc\n\nd\u{2028}e\x0cf\n").collect();
        assert_eq!(v, ["a", "b", "c", "", "d", "e", "f"]);
        assert_eq!(splitlines("").count(), 0);
        assert_eq!(splitlines("\n").collect::<Vec<_>>(), [""]);
    }

    #[test]
    fn predicates_like_python() {
        assert!(is_space('\x1c') && is_space('\u{3000}') && !is_space('\u{200b}'));
        assert!(is_alpha('é') && is_alpha('漢') && !is_alpha('\u{93e}') && !is_alpha('1'));
        assert!(is_punct_category('¡') && is_punct_category('-') && !is_punct_category('$'));
        assert!(is_word_char('_') && is_word_char('٣') && !is_word_char('-'));
        assert_eq!(count_substr("......", "..."), 2);
        assert_eq!(count_substr("a...b…", "..."), 1);
        assert_eq!(strip("\u{a0} x \x1f"), "x");
    }
}
