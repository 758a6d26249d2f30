//! Gopher quality heuristics (Rae et al. 2021, table A1) as datatrove's `GopherQualityFilter`.

use serde::{Deserialize, Serialize};

use super::{
    Decider, FilterResult, MissingScore, QualityFilter, Verdict, decide_from, run_decide, to_f64,
};
use crate::pyuni;
use crate::words::{in_punctuation_set, split_into_words};

/// Gopher quality filter; `Default` is datatrove's defaults. A `None` limit disables its check.
///
/// Scores: `n_words` (all tokens), `n_non_symbol_words` (tokens with a character outside
/// datatrove's punctuation set), `avg_word_length` (of the latter; 0 without words),
/// `hash_ratio` and `ellipsis_ratio` (`#` and `...`/`…` occurrences per token), `bullet_lines_ratio`,
/// `end_ellipsis_lines_ratio` (per line), `alpha_words_ratio` (tokens with a letter) and
/// `stop_words` (distinct stop words present, case-sensitive). Ratios over zero tokens or lines
/// are 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct GopherQuality {
    /// Minimum number of non-symbol words (50).
    pub min_doc_words: Option<usize>,
    /// Maximum number of non-symbol words (100 000).
    pub max_doc_words: Option<usize>,
    /// Minimum mean word length (3).
    pub min_avg_word_length: Option<f64>,
    /// Maximum mean word length (10).
    pub max_avg_word_length: Option<f64>,
    /// Maximum `#` and ellipsis per word (0.1).
    pub max_symbol_word_ratio: Option<f64>,
    /// Maximum fraction of lines starting with a bullet (0.9).
    pub max_bullet_lines_ratio: Option<f64>,
    /// Maximum fraction of lines ending with an ellipsis (0.3).
    pub max_ellipsis_lines_ratio: Option<f64>,
    /// Minimum fraction of words with a letter (0.8; datatrove calls it `max_non_alpha_words_ratio`).
    pub min_alpha_words_ratio: Option<f64>,
    /// Minimum number of distinct stop words present (2).
    pub min_stop_words: Option<usize>,
    /// The stop words (the, be, to, of, and, that, have, with).
    pub stop_words: Vec<String>,
}

/// Gopher's stop words.
pub const STOP_WORDS: [&str; 8] = ["the", "be", "to", "of", "and", "that", "have", "with"];

impl Default for GopherQuality {
    fn default() -> Self {
        GopherQuality {
            min_doc_words: Some(50),
            max_doc_words: Some(100_000),
            min_avg_word_length: Some(3.0),
            max_avg_word_length: Some(10.0),
            max_symbol_word_ratio: Some(0.1),
            max_bullet_lines_ratio: Some(0.9),
            max_ellipsis_lines_ratio: Some(0.3),
            min_alpha_words_ratio: Some(0.8),
            min_stop_words: Some(2),
            stop_words: STOP_WORDS.iter().map(|s| (*s).to_owned()).collect(),
        }
    }
}

macro_rules! setter {
    ($($(#[$doc:meta])* $name:ident: $field:ident: $ty:ty;)*) => {$(
        $(#[$doc])*
        #[must_use]
        pub fn $name(mut self, v: $ty) -> Self {
            self.$field = v;
            self
        }
    )*};
}
pub(crate) use setter;

impl GopherQuality {
    setter! {
        /// Sets `min_doc_words`.
        with_min_doc_words: min_doc_words: Option<usize>;
        /// Sets `max_doc_words`.
        with_max_doc_words: max_doc_words: Option<usize>;
        /// Sets `min_avg_word_length`.
        with_min_avg_word_length: min_avg_word_length: Option<f64>;
        /// Sets `max_avg_word_length`.
        with_max_avg_word_length: max_avg_word_length: Option<f64>;
        /// Sets `max_symbol_word_ratio`.
        with_max_symbol_word_ratio: max_symbol_word_ratio: Option<f64>;
        /// Sets `max_bullet_lines_ratio`.
        with_max_bullet_lines_ratio: max_bullet_lines_ratio: Option<f64>;
        /// Sets `max_ellipsis_lines_ratio`.
        with_max_ellipsis_lines_ratio: max_ellipsis_lines_ratio: Option<f64>;
        /// Sets `min_alpha_words_ratio`.
        with_min_alpha_words_ratio: min_alpha_words_ratio: Option<f64>;
        /// Sets `min_stop_words`.
        with_min_stop_words: min_stop_words: Option<usize>;
        /// Sets the stop words.
        with_stop_words: stop_words: Vec<String>;
    }

    /// Measures every value (see the type docs for the names).
    pub fn measure(&self, text: &str) -> Vec<(&'static str, f64)> {
        let words = split_into_words(text);
        let n_words = words.len();
        let mut n_non_symbol = 0usize;
        let mut non_symbol_chars = 0usize;
        let mut alpha_words = 0usize;
        for w in &words {
            let mut non_symbol = false;
            let mut alpha = false;
            let mut chars = 0usize;
            for c in w.chars() {
                chars += 1;
                non_symbol |= !in_punctuation_set(c);
                alpha |= pyuni::is_alpha(c);
            }
            if non_symbol {
                n_non_symbol += 1;
                non_symbol_chars += chars;
            }
            alpha_words += usize::from(alpha);
        }
        let stop_words = self
            .stop_words
            .iter()
            .enumerate()
            .filter(|(i, s)| {
                // distinct stop words (the configured list may repeat one)
                !self.stop_words[..*i].contains(s) && words.iter().any(|w| w == s)
            })
            .count();
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { to_f64(a) / to_f64(b) };
        let hashes = pyuni::count_substr(text, "#");
        let ellipses = pyuni::count_substr(text, "...") + pyuni::count_substr(text, "…");
        let mut lines = 0usize;
        let mut bullets = 0usize;
        let mut end_ellipsis = 0usize;
        for line in pyuni::splitlines(text) {
            lines += 1;
            let l = pyuni::lstrip(line);
            bullets += usize::from(l.starts_with('•') || l.starts_with('-'));
            let r = pyuni::rstrip(line);
            end_ellipsis += usize::from(r.ends_with("...") || r.ends_with('…'));
        }
        vec![
            ("n_words", to_f64(n_words)),
            ("n_non_symbol_words", to_f64(n_non_symbol)),
            ("avg_word_length", ratio(non_symbol_chars, n_non_symbol)),
            ("hash_ratio", ratio(hashes, n_words)),
            ("ellipsis_ratio", ratio(ellipses, n_words)),
            ("bullet_lines_ratio", ratio(bullets, lines)),
            ("end_ellipsis_lines_ratio", ratio(end_ellipsis, lines)),
            ("alpha_words_ratio", ratio(alpha_words, n_words)),
            ("stop_words", to_f64(stop_words)),
        ]
    }
}

impl QualityFilter for GopherQuality {
    fn name(&self) -> &str {
        "gopher_quality"
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
        let f = |o: Option<usize>| o.map(to_f64);
        run_decide(|| {
            d.below(
                "n_non_symbol_words",
                f(self.min_doc_words),
                "gopher_short_doc",
            )?;
            d.above(
                "n_non_symbol_words",
                f(self.max_doc_words),
                "gopher_long_doc",
            )?;
            d.below(
                "avg_word_length",
                self.min_avg_word_length,
                "gopher_below_avg_threshold",
            )?;
            d.above(
                "avg_word_length",
                self.max_avg_word_length,
                "gopher_above_avg_threshold",
            )?;
            d.above(
                "hash_ratio",
                self.max_symbol_word_ratio,
                "gopher_too_many_hashes",
            )?;
            d.above(
                "ellipsis_ratio",
                self.max_symbol_word_ratio,
                "gopher_too_many_ellipsis",
            )?;
            d.above(
                "bullet_lines_ratio",
                self.max_bullet_lines_ratio,
                "gopher_too_many_bullets",
            )?;
            d.above(
                "end_ellipsis_lines_ratio",
                self.max_ellipsis_lines_ratio,
                "gopher_too_many_end_ellipsis",
            )?;
            d.below(
                "alpha_words_ratio",
                self.min_alpha_words_ratio,
                "gopher_below_alpha_threshold",
            )?;
            d.below(
                "stop_words",
                f(self.min_stop_words),
                "gopher_enough_stop_words",
            )?;
            Ok(())
        })
    }
}
