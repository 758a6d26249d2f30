//! Bad-words filter as datatrove's `C4BadWordsFilter`, with user-supplied word lists (for example
//! the LDNOOBW lists C4 used).

use aho_corasick::AhoCorasick;
use serde::{Deserialize, Serialize};

use super::{
    Decider, FilterResult, MissingScore, QualityFilter, Verdict, decide_from, run_decide, to_f64,
};
use crate::pyuni;

/// Drops documents containing a listed word or phrase (case-insensitive: the text is lower-cased,
/// and so is the list). With `word_boundaries` (the default; datatrove turns it off for Japanese,
/// Thai and Chinese, see [`BadWords::for_language`]) a match counts only between non-word
/// characters (Python's `\W`) or the text's ends, as datatrove's `(?:\W|^)(…)(?:\W|$)`.
///
/// Score: `badwords`, the number of matches (occurrences, overlapping ones included); dropped
/// with `document_removed_with_badwords` when above `max_badwords` (0).
///
/// ```
/// use dataprep_quality::filters::{BadWords, QualityFilter};
/// let f = BadWords::new(["darn", "heck"]);
/// assert!(!f.apply("Darn it.").is_keep());
/// assert!(f.apply("The heckler left.").is_keep());
/// ```
#[derive(Clone, Serialize, Deserialize)]
#[serde(from = "BadWordsSpec", into = "BadWordsSpec")]
#[non_exhaustive]
pub struct BadWords {
    words: Vec<String>,
    /// Require non-word characters around a match.
    pub word_boundaries: bool,
    /// Keep documents with at most this many matches (0).
    pub max_badwords: usize,
    automaton: Option<AhoCorasick>,
}

/// The serialised form of [`BadWords`].
#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
struct BadWordsSpec {
    words: Vec<String>,
    word_boundaries: bool,
    max_badwords: usize,
}

impl Default for BadWordsSpec {
    fn default() -> Self {
        BadWordsSpec {
            words: Vec::new(),
            word_boundaries: true,
            max_badwords: 0,
        }
    }
}

impl From<BadWordsSpec> for BadWords {
    fn from(s: BadWordsSpec) -> Self {
        BadWords::new(s.words)
            .with_word_boundaries(s.word_boundaries)
            .with_max_badwords(s.max_badwords)
    }
}

impl From<BadWords> for BadWordsSpec {
    fn from(b: BadWords) -> Self {
        BadWordsSpec {
            words: b.words,
            word_boundaries: b.word_boundaries,
            max_badwords: b.max_badwords,
        }
    }
}

impl std::fmt::Debug for BadWords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BadWords")
            .field("words", &self.words.len())
            .field("word_boundaries", &self.word_boundaries)
            .field("max_badwords", &self.max_badwords)
            .finish()
    }
}

impl PartialEq for BadWords {
    fn eq(&self, other: &Self) -> bool {
        self.words == other.words
            && self.word_boundaries == other.word_boundaries
            && self.max_badwords == other.max_badwords
    }
}

impl Default for BadWords {
    fn default() -> Self {
        BadWords::new(Vec::<String>::new())
    }
}

impl BadWords {
    /// A filter for these words (blank entries are ignored).
    pub fn new<S: AsRef<str>>(words: impl IntoIterator<Item = S>) -> Self {
        let mut words: Vec<String> = words
            .into_iter()
            .map(|w| w.as_ref().trim().to_lowercase())
            .filter(|w| !w.is_empty())
            .collect();
        words.sort();
        words.dedup();
        let automaton = AhoCorasick::new(&words).ok();
        BadWords {
            words,
            word_boundaries: true,
            max_badwords: 0,
            automaton,
        }
    }

    /// A filter for a language's list: without word boundaries for `ja`, `th` and `zh` (as
    /// datatrove), with them otherwise.
    pub fn for_language<S: AsRef<str>>(language: &str, words: impl IntoIterator<Item = S>) -> Self {
        let mut f = BadWords::new(words);
        f.word_boundaries = !matches!(language, "ja" | "th" | "zh" | "jpn" | "tha" | "cmn" | "zho");
        f
    }

    /// Reads a list with one word or phrase per line.
    ///
    /// # Errors
    /// The file cannot be read.
    pub fn from_file(path: impl AsRef<std::path::Path>) -> crate::Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| crate::Error::io(path, e))?;
        Ok(BadWords::new(text.lines()))
    }

    /// The words and phrases (lower-cased, sorted, deduplicated).
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// Sets `word_boundaries`.
    #[must_use]
    pub fn with_word_boundaries(mut self, on: bool) -> Self {
        self.word_boundaries = on;
        self
    }

    /// Sets `max_badwords`.
    #[must_use]
    pub fn with_max_badwords(mut self, n: usize) -> Self {
        self.max_badwords = n;
        self
    }

    /// The number of (bounded) matches in `text`.
    pub fn count(&self, text: &str) -> usize {
        let Some(ac) = self.automaton.as_ref().filter(|_| !self.words.is_empty()) else {
            return 0;
        };
        let lower = text.to_lowercase();
        ac.find_overlapping_iter(&lower)
            .filter(|m| {
                !self.word_boundaries
                    || (lower[..m.start()]
                        .chars()
                        .next_back()
                        .is_none_or(|c| !pyuni::is_word_char(c))
                        && lower[m.end()..]
                            .chars()
                            .next()
                            .is_none_or(|c| !pyuni::is_word_char(c)))
            })
            .count()
    }
}

impl QualityFilter for BadWords {
    fn name(&self) -> &str {
        "bad_words"
    }

    fn config(&self) -> serde_json::Value {
        super::cfg(self)
    }

    fn apply(&self, text: &str) -> FilterResult {
        let scores = vec![("badwords", to_f64(self.count(text)))];
        FilterResult::new(decide_from(self, &scores), scores)
    }

    fn decide(&self, score: &dyn Fn(&str) -> Option<f64>) -> Result<Verdict, MissingScore> {
        let d = Decider::new(self.name(), score);
        run_decide(|| {
            d.above(
                "badwords",
                Some(to_f64(self.max_badwords)),
                "document_removed_with_badwords",
            )?;
            Ok(())
        })
    }
}
