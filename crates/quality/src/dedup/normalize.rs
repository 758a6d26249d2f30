//! datatrove's `simplify_text` (`datatrove/utils/text.py`, 0.10.1): the normalisation applied
//! before hashing content for exact and MinHash deduplication.

use std::borrow::Cow;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use unicode_general_category::{GeneralCategory, get_general_category};
use unicode_normalization::UnicodeNormalization;

use crate::pyuni;

/// Which of datatrove's `TextNormConfig` steps to apply; `Default` is datatrove's default
/// (everything except weekday and month names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TextNorm {
    /// `str.lower()`.
    pub lowercase: bool,
    /// Whitespace runs become one space; leading/trailing whitespace is removed.
    pub norm_whitespace: bool,
    /// datatrove's `PUNCTUATION` characters (ASCII punctuation and controls, common CJK and
    /// typographic punctuation) become spaces.
    pub remove_punctuation: bool,
    /// NFD, then combining marks (category `Mn`) removed.
    pub norm_unicode_diacritics: bool,
    /// Every number (`\p{Nd}+` with an optional decimal part) becomes `0`.
    pub norm_numbers: bool,
    /// English weekday names become `WEEKDAY`.
    pub norm_weekdays: bool,
    /// English month names become `MONTH`.
    pub norm_monthnames: bool,
}

impl Default for TextNorm {
    fn default() -> Self {
        TextNorm {
            lowercase: true,
            norm_whitespace: true,
            remove_punctuation: true,
            norm_unicode_diacritics: true,
            norm_numbers: true,
            norm_weekdays: false,
            norm_monthnames: false,
        }
    }
}

impl TextNorm {
    /// No normalisation at all (hash the raw text).
    pub fn none() -> Self {
        TextNorm {
            lowercase: false,
            norm_whitespace: false,
            remove_punctuation: false,
            norm_unicode_diacritics: false,
            norm_numbers: false,
            norm_weekdays: false,
            norm_monthnames: false,
        }
    }

    /// Sets weekday normalisation.
    #[must_use]
    pub fn with_weekdays(mut self, on: bool) -> Self {
        self.norm_weekdays = on;
        self
    }

    /// Sets month-name normalisation.
    #[must_use]
    pub fn with_monthnames(mut self, on: bool) -> Self {
        self.norm_monthnames = on;
        self
    }
}

/// datatrove's `PUNCTUATION` string as a sorted set (without its `TERMINAL_PUNCTUATION`).
static PUNCTUATION: &[char] = &[
    '\u{0}', '\u{1}', '\u{2}', '\u{3}', '\u{4}', '\u{5}', '\u{6}', '\u{7}', '\u{8}', '\u{b}',
    '\u{c}', '\u{d}', '\u{e}', '\u{f}', '\u{10}', '\u{11}', '\u{12}', '\u{13}', '\u{14}', '\u{15}',
    '\u{16}', '\u{17}', '\u{18}', '\u{19}', '\u{1a}', '\u{1b}', '\u{1c}', '\u{1d}', '\u{1e}',
    '\u{1f}', '\u{21}', '\u{22}', '\u{23}', '\u{24}', '\u{25}', '\u{26}', '\u{27}', '\u{28}',
    '\u{29}', '\u{2a}', '\u{2b}', '\u{2c}', '\u{2d}', '\u{2e}', '\u{2f}', '\u{3a}', '\u{3b}',
    '\u{3c}', '\u{3d}', '\u{3e}', '\u{3f}', '\u{40}', '\u{5b}', '\u{5c}', '\u{5d}', '\u{5e}',
    '\u{5f}', '\u{60}', '\u{7b}', '\u{7c}', '\u{7d}', '\u{7e}', '\u{7f}', '\u{80}', '\u{81}',
    '\u{82}', '\u{83}', '\u{84}', '\u{85}', '\u{86}', '\u{87}', '\u{88}', '\u{89}', '\u{8a}',
    '\u{8b}', '\u{8c}', '\u{8d}', '\u{8e}', '\u{8f}', '\u{90}', '\u{91}', '\u{92}', '\u{93}',
    '\u{94}', '\u{95}', '\u{96}', '\u{97}', '\u{98}', '\u{99}', '\u{9a}', '\u{9b}', '\u{9c}',
    '\u{9d}', '\u{9e}', '\u{9f}', '\u{ab}', '\u{b4}', '\u{bb}', '\u{2013}', '\u{2014}', '\u{2019}',
    '\u{201c}', '\u{201d}', '\u{201e}', '\u{2026}', '\u{2236}', '\u{2501}', '\u{25ba}', '\u{3001}',
    '\u{3002}', '\u{3008}', '\u{3009}', '\u{300a}', '\u{300b}', '\u{300c}', '\u{300d}', '\u{3010}',
    '\u{3011}', '\u{ff01}', '\u{ff05}', '\u{ff08}', '\u{ff09}', '\u{ff0c}', '\u{ff0e}', '\u{ff11}',
    '\u{ff1a}', '\u{ff1b}', '\u{ff1f}', '\u{ff5e}',
];

#[inline]
fn is_punctuation(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_punctuation() || (c.is_ascii_control() && c != '\t' && c != '\n');
    }
    PUNCTUATION.binary_search(&c).is_ok()
}

static NUMBERS: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(r"\p{Nd}+([.,،٫⎖⎗⎘]\p{Nd}+)?").expect("numbers pattern"));
static WEEKDAYS: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new("monday|tuesday|wednesday|thursday|friday|saturday|sunday")
        .expect("weekdays pattern")
});
static MONTHS: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        "january|february|march|april|may|june|july|august|september|october|november|december",
    )
    .expect("months pattern")
});

/// datatrove's `simplify_text(text, config)`: lower case, numbers to `0`, punctuation to spaces,
/// whitespace folded, diacritics removed — in datatrove's order, with Python's definitions of
/// whitespace.
///
/// ```
/// use dataprep_quality::dedup::{TextNorm, simplify_text};
/// assert_eq!(simplify_text("  Café, 3.14 — \"naïve\"\tTEST!  ", &TextNorm::default()), "cafe 0 naive test");
/// ```
pub fn simplify_text(text: &str, cfg: &TextNorm) -> String {
    let mut t: Cow<'_, str> = Cow::Borrowed(text);
    if cfg.lowercase && t.chars().any(|c| c.is_uppercase() || !c.is_ascii()) {
        t = Cow::Owned(t.to_lowercase());
    }
    if cfg.norm_numbers
        && let Cow::Owned(s) = NUMBERS.replace_all(&t, "0")
    {
        t = Cow::Owned(s);
    }
    if cfg.norm_weekdays
        && let Cow::Owned(s) = WEEKDAYS.replace_all(&t, "WEEKDAY")
    {
        t = Cow::Owned(s);
    }
    if cfg.norm_monthnames
        && let Cow::Owned(s) = MONTHS.replace_all(&t, "MONTH")
    {
        t = Cow::Owned(s);
    }
    let mut out = String::with_capacity(t.len());
    if cfg.norm_whitespace {
        // Punctuation becomes a space first, then whitespace runs fold (strip, then `\s+` → " ").
        let mapped = t.chars().map(|c| {
            if cfg.remove_punctuation && is_punctuation(c) {
                ' '
            } else {
                c
            }
        });
        let mut pending_space = false;
        for c in mapped {
            if pyuni::is_space(c) {
                pending_space = !out.is_empty();
            } else {
                if pending_space {
                    out.push(' ');
                    pending_space = false;
                }
                out.push(c);
            }
        }
    } else if cfg.remove_punctuation {
        out.extend(t.chars().map(|c| if is_punctuation(c) { ' ' } else { c }));
    } else {
        out.push_str(&t);
    }
    if cfg.norm_unicode_diacritics && !out.is_ascii() {
        out = out
            .nfd()
            .filter(|&c| get_general_category(c) != GeneralCategory::NonspacingMark)
            .collect();
    }
    let trimmed = pyuni::strip(&out);
    if trimmed.len() != out.len() {
        trimmed.to_owned()
    } else {
        out
    }
}
