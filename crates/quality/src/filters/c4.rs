//! C4's heuristics (Raffel et al. 2020) as datatrove's `C4QualityFilter` (with its line edits)
//! and `C4ParagraphFilter` (mC4).

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::gopher::setter;
use super::{
    Decider, FilterResult, MissingScore, QualityFilter, Verdict, decide_from, run_decide, to_f64,
};
use crate::pyuni;
use crate::words::count_sentences;

/// Lines containing one of these (lower-cased) are removed by the policy rule.
pub const POLICY_SUBSTRINGS: [&str; 6] = [
    "terms of use",
    "privacy policy",
    "cookie policy",
    "uses cookies",
    "use of cookies",
    "use cookies",
];

static CITATION: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"\[\d*\]|\[edit\]|\[citation needed\]").expect("citation pattern compiles")
});

/// C4 quality filter; `Default` is datatrove's defaults (lines split on line breaks).
///
/// Line edits, in datatrove's order, for each line (stripped): drop it when a word (whitespace
/// split) is longer than `max_word_length`; remove Wikipedia citations (`[1]`, `[edit]`,
/// `[citation needed]`); drop it without terminal punctuation (`.`, `?`, `!`, `"`, `'`) or
/// ending with `...`; drop it with fewer than `min_words_per_line` words; drop the document on
/// "lorem ipsum"; drop lines mentioning "javascript"; drop the document on `{`; drop lines with a
/// policy phrase ([`POLICY_SUBSTRINGS`]). The kept lines, joined by `\n`, are the edited text; the
/// document is dropped with fewer than `min_num_sentences` sentences in them (spaCy's
/// sentencizer, per line).
///
/// Scores: `lines`, `lines_kept`, `sentences` (in the kept lines), `lines_long_word`,
/// `lines_no_terminal_punct`, `lines_few_words`, `lines_javascript`, `lines_policy`,
/// `lorem_ipsum_line` and `curly_bracket_line` (1-based line of the first trigger, 0 = none).
/// Only `min_num_sentences` can be re-thresholded from scores; the line rules need the text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct C4Quality {
    /// Remove Wikipedia-style citations (true).
    pub remove_citations: bool,
    /// Drop lines without terminal punctuation (true).
    pub filter_no_terminal_punct: bool,
    /// Minimum sentences in the kept lines (5; `None` disables).
    pub min_num_sentences: Option<usize>,
    /// Minimum words per line (3; `None` disables).
    pub min_words_per_line: Option<usize>,
    /// Maximum word length in characters (1000; `None` disables).
    pub max_word_length: Option<usize>,
    /// Drop documents containing "lorem ipsum" (true).
    pub filter_lorem_ipsum: bool,
    /// Drop lines mentioning "javascript" (true).
    pub filter_javascript: bool,
    /// Drop documents containing `{` (true).
    pub filter_curly_bracket: bool,
    /// Drop lines with cookie/terms/privacy boilerplate (true).
    pub filter_policy: bool,
}

impl Default for C4Quality {
    fn default() -> Self {
        C4Quality {
            remove_citations: true,
            filter_no_terminal_punct: true,
            min_num_sentences: Some(5),
            min_words_per_line: Some(3),
            max_word_length: Some(1000),
            filter_lorem_ipsum: true,
            filter_javascript: true,
            filter_curly_bracket: true,
            filter_policy: true,
        }
    }
}

/// The result of C4's line pass.
#[derive(Debug, Clone, Default, PartialEq)]
struct LinePass {
    lines: usize,
    kept: Vec<String>,
    sentences: usize,
    long_word: usize,
    no_terminal: usize,
    few_words: usize,
    javascript: usize,
    policy: usize,
    lorem_line: usize,
    curly_line: usize,
}

impl C4Quality {
    setter! {
        /// Sets `remove_citations`.
        with_remove_citations: remove_citations: bool;
        /// Sets `filter_no_terminal_punct`.
        with_filter_no_terminal_punct: filter_no_terminal_punct: bool;
        /// Sets `min_num_sentences`.
        with_min_num_sentences: min_num_sentences: Option<usize>;
        /// Sets `min_words_per_line`.
        with_min_words_per_line: min_words_per_line: Option<usize>;
        /// Sets `max_word_length`.
        with_max_word_length: max_word_length: Option<usize>;
        /// Sets `filter_lorem_ipsum`.
        with_filter_lorem_ipsum: filter_lorem_ipsum: bool;
        /// Sets `filter_javascript`.
        with_filter_javascript: filter_javascript: bool;
        /// Sets `filter_curly_bracket`.
        with_filter_curly_bracket: filter_curly_bracket: bool;
        /// Sets `filter_policy`.
        with_filter_policy: filter_policy: bool;
    }

    fn line_pass(&self, text: &str) -> LinePass {
        let mut p = LinePass::default();
        for (i, raw) in pyuni::splitlines(text).enumerate() {
            p.lines += 1;
            let line = pyuni::strip(raw);
            let n_words = line
                .split(pyuni::is_space)
                .filter(|w| !w.is_empty())
                .count();
            if let Some(max) = self.max_word_length
                && line
                    .split(pyuni::is_space)
                    .any(|w| w.len() > max && pyuni::len(w) > max)
            {
                p.long_word += 1;
                continue;
            }
            let line: std::borrow::Cow<'_, str> = if self.remove_citations && line.contains('[') {
                CITATION.replace_all(line, "")
            } else {
                line.into()
            };
            if self.filter_no_terminal_punct
                && (!line.ends_with(['.', '?', '!', '"', '\'']) || line.ends_with("..."))
            {
                p.no_terminal += 1;
                continue;
            }
            if self.min_words_per_line.is_some_and(|m| n_words < m) {
                p.few_words += 1;
                continue;
            }
            let lower = line.to_lowercase();
            if self.filter_lorem_ipsum && lower.contains("lorem ipsum") && p.lorem_line == 0 {
                p.lorem_line = i + 1;
            }
            if self.filter_javascript && lower.contains("javascript") {
                p.javascript += 1;
                continue;
            }
            if self.filter_curly_bracket && line.contains('{') && p.curly_line == 0 {
                p.curly_line = i + 1;
            }
            if self.filter_policy && POLICY_SUBSTRINGS.iter().any(|s| lower.contains(s)) {
                p.policy += 1;
                continue;
            }
            if self.min_num_sentences.is_some() {
                p.sentences += count_sentences(&line);
            }
            p.kept.push(line.into_owned());
        }
        p
    }

    fn scores(p: &LinePass) -> Vec<(&'static str, f64)> {
        vec![
            ("lines", to_f64(p.lines)),
            ("lines_kept", to_f64(p.kept.len())),
            ("sentences", to_f64(p.sentences)),
            ("lines_long_word", to_f64(p.long_word)),
            ("lines_no_terminal_punct", to_f64(p.no_terminal)),
            ("lines_few_words", to_f64(p.few_words)),
            ("lines_javascript", to_f64(p.javascript)),
            ("lines_policy", to_f64(p.policy)),
            ("lorem_ipsum_line", to_f64(p.lorem_line)),
            ("curly_bracket_line", to_f64(p.curly_line)),
        ]
    }
}

impl QualityFilter for C4Quality {
    fn name(&self) -> &str {
        "c4_quality"
    }

    fn config(&self) -> serde_json::Value {
        super::cfg(self)
    }

    fn apply(&self, text: &str) -> FilterResult {
        let pass = self.line_pass(text);
        let scores = Self::scores(&pass);
        let mut r = FilterResult::new(decide_from(self, &scores), scores);
        if r.is_keep() {
            r.text = Some(pyuni::strip(&pass.kept.join("\n")).to_owned());
        }
        r
    }

    fn decide(&self, score: &dyn Fn(&str) -> Option<f64>) -> Result<Verdict, MissingScore> {
        let d = Decider::new(self.name(), score);
        run_decide(|| {
            let lorem = d.get("lorem_ipsum_line")?;
            let curly = d.get("curly_bracket_line")?;
            // datatrove returns at the first trigger, in line order (lorem ipsum is checked first
            // within a line).
            match (lorem > 0.0, curly > 0.0) {
                (true, true) if curly < lorem => return Err(Decider::drop("curly_bracket")),
                (true, _) => return Err(Decider::drop("lorem_ipsum")),
                (false, true) => return Err(Decider::drop("curly_bracket")),
                (false, false) => {}
            }
            d.below(
                "sentences",
                self.min_num_sentences.map(to_f64),
                "too_few_sentences",
            )?;
            Ok(())
        })
    }
}

/// mC4's paragraph filter as datatrove's `C4ParagraphFilter`: keep documents with at least
/// `min_paragraphs` lines (split on `\n`) of which the `min_paragraphs` longest have at least
/// `min_paragraph_len` characters.
///
/// Scores: `lines`, `third_longest_line` (the length of the `min_paragraphs`-th longest line,
/// 0 when there are fewer lines).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct C4Paragraph {
    /// Minimum number of long lines (3).
    pub min_paragraphs: usize,
    /// Minimum length of those lines in characters (200).
    pub min_paragraph_len: usize,
}

impl Default for C4Paragraph {
    fn default() -> Self {
        C4Paragraph {
            min_paragraphs: 3,
            min_paragraph_len: 200,
        }
    }
}

impl C4Paragraph {
    setter! {
        /// Sets `min_paragraphs`.
        with_min_paragraphs: min_paragraphs: usize;
        /// Sets `min_paragraph_len`.
        with_min_paragraph_len: min_paragraph_len: usize;
    }
}

impl QualityFilter for C4Paragraph {
    fn name(&self) -> &str {
        "c4_paragraph"
    }

    fn config(&self) -> serde_json::Value {
        super::cfg(self)
    }

    fn apply(&self, text: &str) -> FilterResult {
        let mut lens: Vec<usize> = text.split('\n').map(pyuni::len).collect();
        let lines = lens.len();
        let k = self.min_paragraphs.max(1);
        let kth = if lines >= k {
            lens.select_nth_unstable_by(k - 1, |a, b| b.cmp(a));
            lens[k - 1]
        } else {
            0
        };
        let scores = vec![
            ("lines", to_f64(lines)),
            ("third_longest_line", to_f64(kth)),
        ];
        FilterResult::new(decide_from(self, &scores), scores)
    }

    fn decide(&self, score: &dyn Fn(&str) -> Option<f64>) -> Result<Verdict, MissingScore> {
        let d = Decider::new(self.name(), score);
        let reason = format!("< {} paragraphs", self.min_paragraphs);
        run_decide(|| {
            d.below("lines", Some(to_f64(self.min_paragraphs)), reason.clone())?;
            d.below(
                "third_longest_line",
                Some(to_f64(self.min_paragraph_len)),
                reason,
            )?;
            Ok(())
        })
    }
}
