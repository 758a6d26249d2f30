//! Text normalisation: Unicode forms, mojibake repair, control characters, ANSI escapes,
//! backspace overstrike, line endings, whitespace folding, quote and dash standardisation.
//!
//! Every step is a plain function on `&str` returning [`Cow`] (borrowed when nothing changes) and
//! a named, serde-configurable switch of [`NormalizeConfig`]. [`normalize`] applies the enabled
//! steps in a fixed order and repeats until the text no longer changes (at most four rounds), so
//! the result is idempotent: `normalize(normalize(s)) == normalize(s)` (property-tested).
//!
//! ```
//! use dataprep_text::normalize::{normalize, NormalizeConfig, UnicodeForm};
//! let config = NormalizeConfig::default().with_unicode(UnicodeForm::Nfkc).with_fold_whitespace(true);
//! assert_eq!(normalize("ﬁne   cafÃ©\r\n", &config), "fine café");
//! ```

use std::borrow::Cow;

use dataprep_core::stage::config_json;
use dataprep_core::{Action, Context, Record, RecordError, Stage};
use serde::{Deserialize, Serialize};

use crate::generated::html_entities;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::{
    IsNormalized, is_nfc_quick, is_nfd_quick, is_nfkc_quick, is_nfkd_quick,
};

/// A Unicode normalisation form (UAX #15), or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum UnicodeForm {
    /// Leave the text as it is.
    None,
    /// Canonical composition (what ftfy applies by default).
    #[default]
    Nfc,
    /// Compatibility composition (ligatures, full-width forms, superscripts folded).
    Nfkc,
    /// Canonical decomposition.
    Nfd,
    /// Compatibility decomposition.
    Nfkd,
}

/// Applies a Unicode normalisation form; borrows when the text is already normalised.
///
/// Matches Python's `unicodedata.normalize` (checked against golden values).
///
/// ```
/// use dataprep_text::normalize::{unicode, UnicodeForm};
/// assert_eq!(unicode("ｆｕｌｌ ①", UnicodeForm::Nfkc), "full 1");
/// ```
pub fn unicode(text: &str, form: UnicodeForm) -> Cow<'_, str> {
    let quick = match form {
        UnicodeForm::None => return Cow::Borrowed(text),
        UnicodeForm::Nfc => is_nfc_quick(text.chars()),
        UnicodeForm::Nfkc => is_nfkc_quick(text.chars()),
        UnicodeForm::Nfd => is_nfd_quick(text.chars()),
        UnicodeForm::Nfkd => is_nfkd_quick(text.chars()),
    };
    if quick == IsNormalized::Yes {
        return Cow::Borrowed(text);
    }
    let out: String = match form {
        UnicodeForm::None => unreachable!("returned above"),
        UnicodeForm::Nfc => text.nfc().collect(),
        UnicodeForm::Nfkc => text.nfkc().collect(),
        UnicodeForm::Nfd => text.nfd().collect(),
        UnicodeForm::Nfkd => text.nfkd().collect(),
    };
    owned_if_changed(text, out)
}

fn owned_if_changed(text: &str, out: String) -> Cow<'_, str> {
    if out == text {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(out)
    }
}

/// The cp1252 characters of bytes 0x80..=0x9F (`None`: undefined in cp1252, decoded as Latin-1).
const CP1252_HIGH: [Option<char>; 32] = [
    Some('€'),
    None,
    Some('‚'),
    Some('ƒ'),
    Some('„'),
    Some('…'),
    Some('†'),
    Some('‡'),
    Some('ˆ'),
    Some('‰'),
    Some('Š'),
    Some('‹'),
    Some('Œ'),
    None,
    Some('Ž'),
    None,
    None,
    Some('‘'),
    Some('’'),
    Some('“'),
    Some('”'),
    Some('•'),
    Some('–'),
    Some('—'),
    Some('˜'),
    Some('™'),
    Some('š'),
    Some('›'),
    Some('œ'),
    None,
    Some('ž'),
    Some('Ÿ'),
];

/// The byte a character came from if it was produced by decoding bytes as cp1252 or Latin-1.
fn mojibake_byte(c: char) -> Option<u8> {
    let u = c as u32;
    if u < 0x100 {
        return Some(u as u8);
    }
    CP1252_HIGH
        .iter()
        .position(|&x| x == Some(c))
        .map(|i| 0x80 + i as u8)
}

fn utf8_len(lead: u8) -> usize {
    match lead {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => 0,
    }
}

/// Whether a space at continuation position `k` of the UTF-8 sequence led by `lead` (`n` bytes,
/// the other bytes in `buf`) may stand for a lost 0xA0 byte: ftfy's `ALTERED_UTF8_RE`.
fn a0_space_allowed(lead: u8, n: usize, k: usize, other: Option<u8>) -> bool {
    // Continuation bytes ftfy accepts next to the altered one (not 0x85 and not 0xA0).
    let plain = |b: Option<u8>| matches!(b, Some(0x80..=0x84 | 0x86..=0x9F | 0xA1..=0xBF));
    match (n, k) {
        (2, 1) => matches!(lead, 0xC2 | 0xC3 | 0xC5 | 0xCE | 0xD0 | 0xD9),
        (3, 1) => matches!(lead, 0xE2 | 0xE3) && plain(other),
        (3, 2) => matches!(lead, 0xE0..=0xE3) && plain(other),
        (4, _) => lead == 0xF0,
        _ => false,
    }
}

/// ftfy's `A_GRAVE_WORD_RE` exceptions: after `Ã` + space, these keep the space as the 0xA0
/// byte of `à` instead of as a word break (`Ã quele` → `àquele`).
fn a_grave_joins(rest: &[char]) -> bool {
    let starts = |w: &str| {
        let mut it = rest.iter();
        w.chars().all(|c| it.next() == Some(&c))
    };
    rest.first() == Some(&' ') || ["quele", "quela", "quilo", "s "].iter().any(|w| starts(w))
}

/// One round of mojibake repair; `None` when nothing was found. With `a0`, a space inside a
/// sequence may stand for a lost 0xA0 byte (ftfy's `restore_byte_a0`).
fn mojibake_round(text: &str, a0: bool) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let bytes: Vec<Option<u8>> = chars.iter().map(|&c| mojibake_byte(c)).collect();
    let encodable = bytes.iter().all(Option::is_some);
    // Candidates: (start, len in chars, decoded char, strong).
    let mut cands: Vec<(usize, usize, char, bool)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let Some(lead) = bytes[i] else {
            i += 1;
            continue;
        };
        let n = utf8_len(lead);
        if n == 0 || i + n > chars.len() {
            i += 1;
            continue;
        }
        let mut buf = [0u8; 4];
        buf[0] = lead;
        let mut ok = true;
        let mut space_at = None;
        // ftfy restores 0xA0 bytes only when the whole segment can be encoded byte by byte.
        let a0 = a0 && encodable;
        for k in 1..n {
            match bytes[i + k] {
                Some(b @ 0x80..=0xBF) => buf[k] = b,
                Some(0x20) if a0 && space_at.is_none() => {
                    space_at = Some(k);
                    buf[k] = 0xA0;
                }
                _ => {
                    ok = false;
                    break;
                }
            }
        }
        if let Some(k) = space_at {
            // The other continuation byte the three-byte patterns look at.
            let other = match (n, k) {
                (3, 1) => bytes[i + 2],
                (3, 2) => bytes[i + 1],
                _ => None,
            };
            ok = ok && a0_space_allowed(lead, n, k, other);
        }
        let decoded = if ok {
            std::str::from_utf8(&buf[..n])
                .ok()
                .and_then(|s| s.chars().next())
        } else {
            None
        };
        match decoded {
            Some(c) => {
                // `Â`/`Ã` + space is strong evidence only at the start or after a lower-case
                // letter (ftfy's badness rules `^[ÃÂ][ ]` and `[a-z]\s?[ÃÂ][ ]`), so
                // `MAÇÃ VERDE` (Portuguese) stays.
                let after_letter = match i {
                    0 => true,
                    1 => chars[0].is_ascii_lowercase() || chars[0].is_whitespace(),
                    _ => {
                        chars[i - 1].is_ascii_lowercase()
                            || (chars[i - 1].is_whitespace() && chars[i - 2].is_ascii_lowercase())
                    }
                };
                let strong = n >= 3
                    || ((lead == 0xC2 || lead == 0xC3) && (space_at.is_none() || after_letter));
                // `Ã` + space before a word is `à` followed by that space (`A_GRAVE_WORD_RE`).
                let len = if n == 2
                    && lead == 0xC3
                    && space_at.is_some()
                    && !a_grave_joins(&chars[i + 2..])
                {
                    1
                } else {
                    n
                };
                cands.push((i, len, c, strong));
                i += len;
            }
            None => i += 1,
        }
    }
    // C1 control characters left over are cp1252 punctuation decoded as Latin-1 (ftfy
    // `fix_c1_controls`).
    let has_c1 = chars
        .iter()
        .any(|&c| matches!(c as u32, 0x80..=0x9F) && CP1252_HIGH[c as usize - 0x80].is_some());
    if cands.is_empty() && !has_c1 {
        return None;
    }
    // A weak candidate (a two-byte sequence whose lead is not Â or Ã) is accepted when it is
    // chained to another candidate or when the text holds strong evidence elsewhere: a strong
    // candidate or a chain of candidates (`Ð Ð¾Ñ\u{81}Ñ\u{81}Ð¸Ñ\u{8f} Ð¸` → `Россия и`).
    let any_strong =
        cands.iter().any(|c| c.3) || cands.windows(2).any(|w| w[0].0 + w[0].1 == w[1].0);
    let accepted: Vec<bool> = (0..cands.len())
        .map(|j| {
            let (s, n, _, strong) = cands[j];
            strong
                || any_strong
                || (j > 0 && cands[j - 1].0 + cands[j - 1].1 == s)
                || (j + 1 < cands.len() && cands[j + 1].0 == s + n)
        })
        .collect();
    if !accepted.iter().any(|&a| a) && !has_c1 {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut j = 0;
    let mut i = 0;
    while i < chars.len() {
        if j < cands.len() && cands[j].0 == i {
            let (_, n, c, _) = cands[j];
            j += 1;
            if accepted[j - 1] {
                out.push(c);
                i += n;
                continue;
            }
        }
        let c = chars[i];
        match c as u32 {
            0x80..=0x9F => out.push(CP1252_HIGH[c as usize - 0x80].unwrap_or(c)),
            _ => out.push(c),
        }
        i += 1;
    }
    (out != text).then_some(out)
}

/// Repairs mojibake: UTF-8 text that was decoded as cp1252 or Latin-1 (`cafÃ©` → `café`,
/// `â€œ` → `“`), also when only part of the text is mangled and when it was mangled twice, and
/// C1 control characters that stand for cp1252 punctuation (ftfy's `fix_encoding`).
///
/// Heuristic, like ftfy: three- and four-byte sequences and two-byte sequences led by `Â`/`Ã` are
/// always repaired; other two-byte sequences (`Ð¿` → `п`) only when chained to another sequence or
/// when the text holds such strong evidence elsewhere, so legitimate Latin-1 text is left alone.
///
/// ```
/// use dataprep_text::normalize::fix_mojibake;
/// assert_eq!(fix_mojibake("Itâ€™s cafÃ©"), "It’s café");
/// assert_eq!(fix_mojibake("naïve"), "naïve");
/// ```
pub fn fix_mojibake(text: &str) -> Cow<'_, str> {
    fix_mojibake_with(text, true)
}

/// [`fix_mojibake`] with ftfy's `restore_byte_a0` switched on or off. On, a space inside a
/// mangled sequence may stand for a lost 0xA0 byte, as when a process replaced the no-break
/// space of `Â\u{a0}` or the second byte of `à` (`Ã\u{a0}`) by an ASCII space: `voilÃ  tout` →
/// `voilà tout`, `Ð Ð¾Ð¼` → `Ром`, `â€ ` → `†`. As in ftfy, only when every character of the
/// text can be encoded as cp1252/Latin-1, and `Â`/`Ã` + space is strong evidence only at the
/// start or after a lower-case letter; otherwise the same strength rules apply as for other
/// sequences, so `Å ta` (legitimate Swedish `Å` + space) and `MAÇÃ VERDE` are left alone.
///
/// ```
/// use dataprep_text::normalize::fix_mojibake_with;
/// assert_eq!(fix_mojibake_with("voilÃ  tout", true), "voilà tout");
/// assert_eq!(fix_mojibake_with("voilÃ  tout", false), "voilÃ  tout");
/// ```
pub fn fix_mojibake_with(text: &str, restore_byte_a0: bool) -> Cow<'_, str> {
    if text.is_ascii() {
        return Cow::Borrowed(text);
    }
    let mut cur: Cow<'_, str> = Cow::Borrowed(text);
    for _ in 0..8 {
        match mojibake_round(&cur, restore_byte_a0) {
            Some(next) => cur = Cow::Owned(next),
            None => break,
        }
    }
    cur
}

/// When to decode HTML entities ([`NormalizeConfig::unescape_html`]), as ftfy's `unescape_html`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum HtmlUnescape {
    /// Leave entities as they are.
    #[default]
    Off,
    /// ftfy's `"auto"` ([`unescape_html`]): decode unless the text looks like HTML, line by line
    /// up to the first line that contains `<`.
    Auto,
    /// Decode everywhere ([`unescape_entities`]).
    Always,
}

/// Numeric character reference as Python's `html.unescape` resolves it; `None` keeps the
/// reference as written (ftfy keeps it when the result contains `;`).
fn numeric_reference(body: &str) -> Option<Cow<'static, str>> {
    let (digits, radix) = match body.strip_prefix(['x', 'X']) {
        Some(hex) => (hex, 16),
        None => (body, 10),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    // Too large for u32 means larger than U+10FFFF: the replacement character.
    let num = u32::from_str_radix(digits, radix).unwrap_or(u32::MAX);
    let out: Cow<'static, str> =
        if let Ok(i) = html_entities::INVALID_CHARREFS.binary_search_by_key(&num, |&(n, _)| n) {
            Cow::Borrowed(html_entities::INVALID_CHARREFS[i].1)
        } else if (0xD800..=0xDFFF).contains(&num) || num > 0x10FFFF {
            Cow::Borrowed("\u{fffd}")
        } else if html_entities::INVALID_CODEPOINTS
            .binary_search(&num)
            .is_ok()
        {
            Cow::Borrowed("")
        } else {
            Cow::Owned(char::from_u32(num).map(String::from).unwrap_or_default())
        };
    (!out.contains(';')).then_some(out)
}

/// One left-to-right pass of ftfy's entity regex `&#?[0-9A-Za-z]{1,24};`.
fn unescape_pass(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    let mut i = 0;
    while let Some(off) = text[i..].find('&') {
        let amp = i + off;
        let mut j = amp + 1;
        let numeric = b.get(j) == Some(&b'#');
        if numeric {
            j += 1;
        }
        let start = j;
        while j < b.len() && j - start < 25 && b[j].is_ascii_alphanumeric() {
            j += 1;
        }
        let len = j - start;
        if !(1..=24).contains(&len) || b.get(j) != Some(&b';') {
            i = amp + 1;
            continue;
        }
        let name = &text[start..j];
        let value = if numeric {
            numeric_reference(name)
        } else {
            html_entities::NAMED
                .binary_search_by(|&(n, _)| n.cmp(name))
                .ok()
                .map(|k| Cow::Borrowed(html_entities::NAMED[k].1))
        };
        if let Some(v) = value {
            out.push_str(&text[copied..amp]);
            out.push_str(&v);
            copied = j + 1;
        }
        i = j + 1;
    }
    if copied == 0 {
        return None;
    }
    out.push_str(&text[copied..]);
    Some(out)
}

/// Decodes HTML entities and character references everywhere, as ftfy's `fixes.unescape_html`
/// does, repeated until nothing changes (`&amp;amp;` → `&`): the HTML5 named entities that end
/// in `;` (`&eacute;`, `&Jscr;`, `&checkmark;`), upper-case forms of the lower-case ones
/// (`&EACUTE;` → `É`, `&SZLIG;` → `SS`), and numeric references with Python's `html.unescape`
/// rules (`&#233;`, `&#xE9;`; `&#128;` → `€`, `&#0;` and out-of-range → U+FFFD, other control
/// code points removed). Entities without `;`, unknown names and names of more than 24
/// characters are left as written (`this&not that` stays).
///
/// ```
/// use dataprep_text::normalize::unescape_entities;
/// assert_eq!(unescape_entities("P&EACUTE;REZ &amp; caf&#233; &bogus; &amp"), "PÉREZ & café &bogus; &amp");
/// ```
pub fn unescape_entities(text: &str) -> Cow<'_, str> {
    if !text.contains('&') {
        return Cow::Borrowed(text);
    }
    let mut cur: Cow<'_, str> = Cow::Borrowed(text);
    // Every pass that changes something enables a further change only by shortening the text
    // (a new `&` comes from `&amp;` or `&#38;`), so this terminates.
    while let Some(next) = unescape_pass(&cur) {
        cur = Cow::Owned(next);
    }
    cur
}

/// ftfy's `unescape_html="auto"`: [`unescape_entities`] on the lines before the first line that
/// contains `<` (ftfy's `fix_text` fixes line by line and stops unescaping for the rest of the
/// text once a line looks like HTML); text from that line on is left as it is.
///
/// ```
/// use dataprep_text::normalize::unescape_html;
/// assert_eq!(unescape_html("Tom &amp; Jerry"), "Tom & Jerry");
/// assert_eq!(unescape_html("a &amp; b\n<p>&amp;</p>\n&amp;"), "a & b\n<p>&amp;</p>\n&amp;");
/// ```
pub fn unescape_html(text: &str) -> Cow<'_, str> {
    if !text.contains('&') {
        return Cow::Borrowed(text);
    }
    let cut = match text.find('<') {
        Some(lt) => text[..lt].rfind('\n').map_or(0, |nl| nl + 1),
        None => text.len(),
    };
    match unescape_entities(&text[..cut]) {
        Cow::Borrowed(_) => Cow::Borrowed(text),
        Cow::Owned(mut s) => {
            s.push_str(&text[cut..]);
            Cow::Owned(s)
        }
    }
}

/// [`fix_mojibake_with`] line by line, as ftfy's `fix_text` fixes each line as its own segment
/// (the evidence for a repair must be on the same line).
fn fix_mojibake_lines(text: &str, restore_byte_a0: bool) -> Cow<'_, str> {
    if text.is_ascii() {
        return Cow::Borrowed(text);
    }
    let mut out = String::new();
    let mut done = 0;
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        if let Cow::Owned(fixed) = fix_mojibake_with(line, restore_byte_a0) {
            out.push_str(&text[done..start]);
            out.push_str(&fixed);
            done = start + line.len();
        }
        start += line.len();
    }
    if done == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[done..]);
    Cow::Owned(out)
}

/// Removes ANSI terminal escape sequences (CSI `ESC [ … final`, OSC `ESC ] … BEL/ST`, two-byte
/// `ESC x`) and any lone `ESC`.
///
/// ```
/// use dataprep_text::normalize::strip_ansi;
/// assert_eq!(strip_ansi("\x1b[1;31mred\x1b[0m"), "red");
/// ```
pub fn strip_ansi(text: &str) -> Cow<'_, str> {
    if !text.contains('\x1b') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut it = text.chars().peekable();
    while let Some(c) = it.next() {
        if c != '\x1b' {
            out.push(c);
            continue;
        }
        match it.peek().copied() {
            Some('[') => {
                it.next();
                // Parameter and intermediate bytes, then one final byte.
                while let Some(&p) = it.peek() {
                    if ('\x20'..='\x3f').contains(&p) {
                        it.next();
                    } else {
                        if ('\x40'..='\x7e').contains(&p) {
                            it.next();
                        }
                        break;
                    }
                }
            }
            Some(']') => {
                it.next();
                while let Some(p) = it.next() {
                    if p == '\x07' {
                        break;
                    }
                    if p == '\x1b' {
                        if it.peek() == Some(&'\\') {
                            it.next();
                        }
                        break;
                    }
                }
            }
            Some(p) if ('\x40'..='\x5f').contains(&p) => {
                it.next();
            }
            _ => {}
        }
    }
    Cow::Owned(out)
}

/// Applies backspace overstrike as a terminal would: each `\x08` erases the character before it
/// (not across a line break), so `_\x08a` (underlined `a`) and `a\x08a` (bold `a`) become `a`.
///
/// ```
/// use dataprep_text::normalize::apply_backspaces;
/// assert_eq!(apply_backspaces("_\x08b_\x08o_\x08ld"), "bold");
/// ```
pub fn apply_backspaces(text: &str) -> Cow<'_, str> {
    if !text.contains('\x08') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '\x08' {
            if out.chars().next_back().is_some_and(|p| p != '\n') {
                out.pop();
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Converts `\r\n`, `\r`, U+0085, U+2028 and U+2029 line breaks to `\n`.
///
/// ```
/// use dataprep_text::normalize::normalize_line_endings;
/// assert_eq!(normalize_line_endings("a\r\nb\rc\u{2028}d"), "a\nb\nc\nd");
/// ```
pub fn normalize_line_endings(text: &str) -> Cow<'_, str> {
    if !text.contains(['\r', '\u{85}', '\u{2028}', '\u{2029}']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut it = text.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '\r' => {
                if it.peek() == Some(&'\n') {
                    it.next();
                }
                out.push('\n');
            }
            '\u{85}' | '\u{2028}' | '\u{2029}' => out.push('\n'),
            _ => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn is_removable_control(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        || matches!(c, '\u{feff}' | '\u{fff9}'..='\u{fffb}' | '\u{206a}'..='\u{206f}')
}

/// Removes control characters (Unicode `Cc` except tab, line feed and carriage return) and the
/// invisible format characters ftfy removes (BOM, interlinear annotation, deprecated format).
///
/// ```
/// use dataprep_text::normalize::remove_control_chars;
/// assert_eq!(remove_control_chars("a\x00b\x07c\td"), "abc\td");
/// ```
pub fn remove_control_chars(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_removable_control) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.chars().filter(|&c| !is_removable_control(c)).collect())
}

/// Replaces the Latin ligatures U+FB00..=U+FB06 by their letters (`ﬁ` → `fi`), as ftfy does.
///
/// ```
/// use dataprep_text::normalize::fix_ligatures;
/// assert_eq!(fix_ligatures("ﬁne ﬂour"), "fine flour");
/// ```
pub fn fix_ligatures(text: &str) -> Cow<'_, str> {
    let is_lig = |c: char| ('\u{fb00}'..='\u{fb06}').contains(&c);
    if !text.chars().any(is_lig) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_lig(c) {
            out.extend(std::iter::once(c).nfkc());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn map_chars(text: &str, f: impl Fn(char) -> Option<char>) -> Cow<'_, str> {
    if !text.chars().any(|c| f(c).is_some()) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.chars().map(|c| f(c).unwrap_or(c)).collect())
}

/// Replaces curly single and double quotes by ASCII `'` and `"` (ftfy's `uncurl_quotes`).
///
/// ```
/// use dataprep_text::normalize::standardize_quotes;
/// assert_eq!(standardize_quotes("“It’s”"), "\"It's\"");
/// ```
pub fn standardize_quotes(text: &str) -> Cow<'_, str> {
    map_chars(text, |c| match c {
        '\u{2018}'..='\u{201b}' => Some('\''),
        '\u{201c}'..='\u{201f}' => Some('"'),
        _ => None,
    })
}

/// Replaces Unicode dashes and hyphens (U+2010..=U+2015, U+2212 minus) by ASCII `-`.
///
/// ```
/// use dataprep_text::normalize::standardize_dashes;
/// assert_eq!(standardize_dashes("a – b — c"), "a - b - c");
/// ```
pub fn standardize_dashes(text: &str) -> Cow<'_, str> {
    map_chars(text, |c| match c {
        '\u{2010}'..='\u{2015}' | '\u{2212}' => Some('-'),
        _ => None,
    })
}

/// Folds whitespace: within each line, runs of whitespace become one space and leading and
/// trailing whitespace is removed; runs of blank lines become one blank line; the text is
/// trimmed. Line breaks other than `\n` count as whitespace, so normalise line endings first.
///
/// ```
/// use dataprep_text::normalize::fold_whitespace;
/// assert_eq!(fold_whitespace("  a \t b \n\n\n\n c  "), "a b\n\nc");
/// ```
pub fn fold_whitespace(text: &str) -> Cow<'_, str> {
    let mut out = String::with_capacity(text.len());
    let mut blank_run = 0usize;
    for line in text.split('\n') {
        let mut words = line.split_whitespace();
        match words.next() {
            None => blank_run += 1,
            Some(first) => {
                if !out.is_empty() {
                    out.push('\n');
                    if blank_run > 0 {
                        out.push('\n');
                    }
                }
                blank_run = 0;
                out.push_str(first);
                for w in words {
                    out.push(' ');
                    out.push_str(w);
                }
            }
        }
    }
    owned_if_changed(text, out)
}

/// Which normalisation steps to apply. Steps run in the order of the fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct NormalizeConfig {
    /// Decode HTML entities ([`unescape_html`] for `auto`, [`unescape_entities`] for `always`).
    pub unescape_html: HtmlUnescape,
    /// Repair mojibake ([`fix_mojibake`]).
    pub fix_mojibake: bool,
    /// Within mojibake repair, let a space stand for a lost 0xA0 byte ([`fix_mojibake_with`]).
    pub restore_byte_a0: bool,
    /// Remove ANSI escape sequences ([`strip_ansi`]).
    pub strip_ansi: bool,
    /// Apply backspace overstrike ([`apply_backspaces`]).
    pub apply_backspaces: bool,
    /// Convert line endings to `\n` ([`normalize_line_endings`]).
    pub line_endings: bool,
    /// Remove control characters ([`remove_control_chars`]).
    pub remove_control: bool,
    /// Replace Latin ligatures ([`fix_ligatures`]).
    pub fix_ligatures: bool,
    /// Unicode normalisation form ([`unicode`]).
    pub unicode: UnicodeForm,
    /// Replace curly quotes by ASCII ([`standardize_quotes`]).
    pub standardize_quotes: bool,
    /// Replace Unicode dashes by ASCII ([`standardize_dashes`]).
    pub standardize_dashes: bool,
    /// Fold whitespace ([`fold_whitespace`]).
    pub fold_whitespace: bool,
}

impl Default for NormalizeConfig {
    /// Lossless-for-meaning cleanup: mojibake, ANSI, backspaces, line endings, control
    /// characters and NFC; ligatures, quotes, dashes and whitespace are left as they are.
    fn default() -> Self {
        Self {
            unescape_html: HtmlUnescape::Off,
            fix_mojibake: true,
            restore_byte_a0: true,
            strip_ansi: true,
            apply_backspaces: true,
            line_endings: true,
            remove_control: true,
            fix_ligatures: false,
            unicode: UnicodeForm::Nfc,
            standardize_quotes: false,
            standardize_dashes: false,
            fold_whitespace: false,
        }
    }
}

macro_rules! with {
    ($($(#[$m:meta])* $name:ident: $field:ident: $ty:ty;)*) => {$(
        $(#[$m])*
        #[must_use]
        pub fn $name(mut self, value: $ty) -> Self {
            self.$field = value;
            self
        }
    )*};
}

impl NormalizeConfig {
    /// Every step off; enable the ones you want with the `with_*` methods.
    pub fn none() -> Self {
        Self {
            unescape_html: HtmlUnescape::Off,
            fix_mojibake: false,
            restore_byte_a0: false,
            strip_ansi: false,
            apply_backspaces: false,
            line_endings: false,
            remove_control: false,
            fix_ligatures: false,
            unicode: UnicodeForm::None,
            standardize_quotes: false,
            standardize_dashes: false,
            fold_whitespace: false,
        }
    }

    /// The steps of `ftfy.fix_text` with its defaults: HTML entities (`auto`), mojibake (with
    /// `restore_byte_a0`), terminal escapes, line breaks, control characters, ligatures, NFC and
    /// uncurled quotes (dashes and whitespace untouched).
    pub fn ftfy() -> Self {
        Self {
            unescape_html: HtmlUnescape::Auto,
            fix_ligatures: true,
            standardize_quotes: true,
            ..Self::default()
        }
    }

    with! {
        /// Sets [`NormalizeConfig::unescape_html`].
        with_unescape_html: unescape_html: HtmlUnescape;
        /// Sets [`NormalizeConfig::fix_mojibake`].
        with_fix_mojibake: fix_mojibake: bool;
        /// Sets [`NormalizeConfig::restore_byte_a0`].
        with_restore_byte_a0: restore_byte_a0: bool;
        /// Sets [`NormalizeConfig::strip_ansi`].
        with_strip_ansi: strip_ansi: bool;
        /// Sets [`NormalizeConfig::apply_backspaces`].
        with_apply_backspaces: apply_backspaces: bool;
        /// Sets [`NormalizeConfig::line_endings`].
        with_line_endings: line_endings: bool;
        /// Sets [`NormalizeConfig::remove_control`].
        with_remove_control: remove_control: bool;
        /// Sets [`NormalizeConfig::fix_ligatures`].
        with_fix_ligatures: fix_ligatures: bool;
        /// Sets [`NormalizeConfig::unicode`].
        with_unicode: unicode: UnicodeForm;
        /// Sets [`NormalizeConfig::standardize_quotes`].
        with_standardize_quotes: standardize_quotes: bool;
        /// Sets [`NormalizeConfig::standardize_dashes`].
        with_standardize_dashes: standardize_dashes: bool;
        /// Sets [`NormalizeConfig::fold_whitespace`].
        with_fold_whitespace: fold_whitespace: bool;
    }
}

fn step<'a>(cur: Cow<'a, str>, f: impl for<'b> Fn(&'b str) -> Cow<'b, str>) -> Cow<'a, str> {
    match cur {
        Cow::Borrowed(s) => f(s),
        Cow::Owned(s) => match f(&s) {
            Cow::Borrowed(_) => Cow::Owned(s),
            Cow::Owned(t) => Cow::Owned(t),
        },
    }
}

fn one_round<'a>(text: &'a str, c: &NormalizeConfig) -> Cow<'a, str> {
    let mut cur = Cow::Borrowed(text);
    match c.unescape_html {
        HtmlUnescape::Off => {}
        HtmlUnescape::Auto => cur = step(cur, unescape_html),
        HtmlUnescape::Always => cur = step(cur, unescape_entities),
    }
    if c.fix_mojibake {
        let a0 = c.restore_byte_a0;
        cur = step(cur, |s| fix_mojibake_lines(s, a0));
    }
    if c.strip_ansi {
        cur = step(cur, strip_ansi);
    }
    if c.apply_backspaces {
        cur = step(cur, apply_backspaces);
    }
    if c.line_endings {
        cur = step(cur, normalize_line_endings);
    }
    if c.remove_control {
        cur = step(cur, remove_control_chars);
    }
    if c.fix_ligatures {
        cur = step(cur, fix_ligatures);
    }
    let form = c.unicode;
    cur = step(cur, |s| unicode(s, form));
    if c.standardize_quotes {
        cur = step(cur, standardize_quotes);
    }
    if c.standardize_dashes {
        cur = step(cur, standardize_dashes);
    }
    if c.fold_whitespace {
        cur = step(cur, fold_whitespace);
    }
    cur
}

/// Applies the enabled steps of `config` in order, repeating until the text is stable (at most
/// four rounds; a second round runs only when the first changed something), so the result is
/// idempotent. Borrows when nothing changes.
///
/// ```
/// use dataprep_text::normalize::{normalize, NormalizeConfig};
/// let fixed = normalize("\x1b[1mThÃ© â€œendâ€\u{9d}\r\n", &NormalizeConfig::ftfy());
/// assert_eq!(fixed, "Thé \"end\"\n");
/// ```
pub fn normalize<'a>(text: &'a str, config: &NormalizeConfig) -> Cow<'a, str> {
    let mut cur = one_round(text, config);
    for _ in 0..3 {
        let Cow::Owned(s) = &cur else { break };
        match one_round(s, config) {
            Cow::Borrowed(_) => break,
            Cow::Owned(next) => cur = Cow::Owned(next),
        }
    }
    cur
}

/// A map stage that normalises a text field in place.
///
/// A missing field or a field that is not a string is a record error (kind `field`); null is
/// left as it is.
///
/// ```
/// use dataprep_core::{Context, Record, Stage};
/// use dataprep_text::normalize::{NormalizeConfig, NormalizeStage};
/// let stage = NormalizeStage::new(NormalizeConfig::ftfy());
/// let mut rec = Record::new().with("text", "cafÃ©");
/// stage.process(&mut rec, &Context::new("normalize", 0))?;
/// assert_eq!(rec.str("text")?, "café");
/// # Ok::<(), dataprep_core::RecordError>(())
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NormalizeStage {
    /// The text field (default `text`).
    field: String,
    /// The steps.
    config: NormalizeConfig,
}

impl NormalizeStage {
    /// A stage over the field `text`.
    pub fn new(config: NormalizeConfig) -> Self {
        Self {
            field: "text".to_owned(),
            config,
        }
    }

    /// Uses another text field.
    #[must_use]
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = field.into();
        self
    }

    /// The steps.
    pub fn config(&self) -> &NormalizeConfig {
        &self.config
    }

    /// The text field.
    pub fn field(&self) -> &str {
        &self.field
    }
}

impl Stage for NormalizeStage {
    fn version(&self) -> &str {
        concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"))
    }

    fn name(&self) -> &str {
        "normalize"
    }

    fn config(&self) -> serde_json::Value {
        config_json(self)
    }

    fn process(&self, record: &mut Record, _cx: &Context) -> Result<Action, RecordError> {
        let Some(text) = record.opt_str(&self.field)? else {
            record.require(&self.field)?;
            return Ok(Action::Keep);
        };
        if let Cow::Owned(s) = normalize(text, &self.config) {
            record.set(self.field.as_str(), s);
        }
        Ok(Action::Keep)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mojibake_cases() {
        assert_eq!(fix_mojibake("cafÃ©"), "café");
        assert_eq!(fix_mojibake("Ð¿Ñ€Ð¸Ð²ÐµÑ‚"), "привет");
        // Twice mangled.
        let once: String = "é".bytes().map(|b| b as char).collect();
        let twice: String = once.bytes().map(|b| b as char).collect();
        assert_eq!(fix_mojibake(&twice), "é");
        // Legitimate Latin-1 letters are kept.
        assert_eq!(fix_mojibake("Ëlodie Ñandú"), "Ëlodie Ñandú");
        assert!(matches!(fix_mojibake("plain ascii"), Cow::Borrowed(_)));
    }

    #[test]
    fn entities() {
        assert_eq!(unescape_entities("&amp;amp;amp;"), "&");
        assert_eq!(unescape_entities("&#59; &#x3B;"), "&#59; &#x3B;");
        assert_eq!(unescape_entities("a&#1;b&#0;"), "ab\u{fffd}");
        assert_eq!(unescape_entities("&#99999999999999999999999;"), "\u{fffd}");
        assert_eq!(unescape_entities("&#150;&#x80;"), "–€");
        assert_eq!(
            unescape_entities("&a&amp;&#x;&;&abcdefghijklmnopqrstuvwxy;"),
            "&a&&#x;&;&abcdefghijklmnopqrstuvwxy;"
        );
        assert!(matches!(
            unescape_entities("no entity & here"),
            Cow::Borrowed(_)
        ));
        assert_eq!(unescape_html("&lt;\n&lt;x<\n&gt;"), "<\n&lt;x<\n&gt;");
        let html = NormalizeConfig::none().with_unescape_html(HtmlUnescape::Always);
        assert_eq!(normalize("<b>&amp;</b>", &html), "<b>&</b>");
    }

    #[test]
    fn restore_byte_a0() {
        assert_eq!(fix_mojibake("Ã  la carte"), "à la carte");
        assert_eq!(fix_mojibake("Ã s vezes"), "às vezes");
        assert_eq!(fix_mojibake("voilÃ "), "voilà ");
        assert_eq!(fix_mojibake("Noteâ€  here"), "Note† here");
        assert_eq!(fix_mojibake("10Â â‚¬"), "10\u{a0}€");
        assert_eq!(fix_mojibake("Å ta ima"), "Å ta ima");
        assert_eq!(fix_mojibake("MAÇÃ VERDE"), "MAÇÃ VERDE");
        assert_eq!(fix_mojibake_with("Ã  la carte", false), "Ã  la carte");
    }

    #[test]
    fn steps() {
        assert_eq!(strip_ansi("a\x1b]0;title\x07b\x1b"), "ab");
        assert_eq!(apply_backspaces("\x08a\n\x08b"), "a\nb");
        assert_eq!(fold_whitespace("\n\n a\n"), "a");
        assert_eq!(unicode("e\u{301}", UnicodeForm::Nfc), "é");
    }
}
