//! FineWeb's heuristics (Penedo et al. 2024) as datatrove's `FineWebQualityFilter`.

use serde::{Deserialize, Serialize};

use super::gopher::setter;
use super::repetition::find_duplicates;
use super::{
    Decider, FilterResult, MissingScore, QualityFilter, Verdict, decide_from, run_decide, to_f64,
};
use crate::pyuni;
use crate::words::{is_terminal_punctuation, split_into_words};

/// FineWeb quality filter; `Default` is datatrove's defaults.
///
/// Over the non-blank lines (split on `\n`): `line_punct_ratio` (lines ending with terminal
/// punctuation, any script), `short_line_ratio` (lines of at most `short_line_length`
/// characters), `char_dup_ratio` (characters in lines repeating an earlier line, over the text's
/// characters other than `\n`) and `list_ratio` (`\n` count per word); plus `lines`, the number
/// of non-blank lines (0 drops with `empty`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct FineWebQuality {
    /// Minimum fraction of lines ending with terminal punctuation (0.12).
    pub line_punct_thr: f64,
    /// Do not drop on a ratio of exactly 0 (false).
    pub line_punct_exclude_zero: bool,
    /// Maximum fraction of short lines (0.67).
    pub short_line_thr: f64,
    /// Lines of at most this many characters are short (30).
    pub short_line_length: usize,
    /// Maximum fraction of characters in duplicated lines (0.01).
    pub char_duplicates_ratio: f64,
    /// Maximum newlines per word (0.3).
    pub new_line_ratio: f64,
}

impl Default for FineWebQuality {
    fn default() -> Self {
        FineWebQuality {
            line_punct_thr: 0.12,
            line_punct_exclude_zero: false,
            short_line_thr: 0.67,
            short_line_length: 30,
            char_duplicates_ratio: 0.01,
            new_line_ratio: 0.3,
        }
    }
}

impl FineWebQuality {
    setter! {
        /// Sets `line_punct_thr`.
        with_line_punct_thr: line_punct_thr: f64;
        /// Sets `line_punct_exclude_zero`.
        with_line_punct_exclude_zero: line_punct_exclude_zero: bool;
        /// Sets `short_line_thr`.
        with_short_line_thr: short_line_thr: f64;
        /// Sets `short_line_length` (changes a measurement: needs the text).
        with_short_line_length: short_line_length: usize;
        /// Sets `char_duplicates_ratio`.
        with_char_duplicates_ratio: char_duplicates_ratio: f64;
        /// Sets `new_line_ratio`.
        with_new_line_ratio: new_line_ratio: f64;
    }

    /// Measures every value.
    pub fn measure(&self, text: &str) -> Vec<(&'static str, f64)> {
        let lines: Vec<&str> = text
            .split('\n')
            .filter(|l| !pyuni::strip(l).is_empty())
            .collect();
        let n = lines.len();
        if n == 0 {
            return vec![("lines", 0.0)];
        }
        let punct = lines
            .iter()
            .filter(|l| l.chars().next_back().is_some_and(is_terminal_punctuation))
            .count();
        let short = lines
            .iter()
            .filter(|l| {
                l.len() <= self.short_line_length || pyuni::len(l) <= self.short_line_length
            })
            .count();
        let (_, _, dup_chars) = find_duplicates(lines.iter().copied());
        let newlines = memchr::memchr_iter(b'\n', text.as_bytes()).count();
        let non_newline = pyuni::len(text) - newlines;
        let words = split_into_words(text).len();
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { to_f64(a) / to_f64(b) };
        vec![
            ("lines", to_f64(n)),
            ("line_punct_ratio", ratio(punct, n)),
            ("short_line_ratio", ratio(short, n)),
            ("char_dup_ratio", ratio(dup_chars, non_newline)),
            ("list_ratio", ratio(newlines, words)),
        ]
    }
}

impl QualityFilter for FineWebQuality {
    fn name(&self) -> &str {
        "fineweb_quality"
    }

    fn config(&self) -> serde_json::Value {
        super::cfg(self)
    }

    fn apply(&self, text: &str) -> FilterResult {
        let scores = self.measure(text);
        FilterResult::new(decide_from(self, &scores), scores)
    }

    fn decide(&self, score: &dyn Fn(&str) -> Option<f64>) -> Result<Verdict, MissingScore> {
        let d = Decider::new(self.name(), score);
        run_decide(|| {
            if d.get("lines")? == 0.0 {
                return Err(Decider::drop("empty"));
            }
            let punct = d.get("line_punct_ratio")?;
            if !(punct == 0.0 && self.line_punct_exclude_zero) {
                d.below(
                    "line_punct_ratio",
                    Some(self.line_punct_thr),
                    "line_punct_ratio",
                )?;
            }
            d.above(
                "short_line_ratio",
                Some(self.short_line_thr),
                "short_line_ratio",
            )?;
            d.above(
                "char_dup_ratio",
                Some(self.char_duplicates_ratio),
                "char_dup_ratio",
            )?;
            d.above("list_ratio", Some(self.new_line_ratio), "list_ratio")?;
            Ok(())
        })
    }
}
