//! Segmentation into words, sentences, lines and paragraphs, shared by the quality filters.
//!
//! Words and sentences follow the Unicode rules of UAX #29 (`unicode-segmentation`); paragraphs
//! are runs of non-blank lines separated by blank lines.
//!
//! ```
//! use dataprep_text::segment::{words, sentences, paragraphs};
//! let text = "Hello, world! It's 3.5 km.\n\nSecond paragraph.";
//! assert_eq!(words(text).collect::<Vec<_>>(), ["Hello", "world", "It's", "3.5", "km", "Second", "paragraph"]);
//! assert_eq!(sentences(text).count(), 3);
//! assert_eq!(paragraphs(text).collect::<Vec<_>>(), ["Hello, world! It's 3.5 km.", "Second paragraph."]);
//! ```

use dataprep_core::stage::config_json;
use dataprep_core::{Action, Context, Record, RecordError, Stage, Value};
use serde::{Deserialize, Serialize};
use unicode_segmentation::UnicodeSegmentation;

/// Words (UAX #29 word boundaries, keeping only segments with a letter or digit).
pub fn words(text: &str) -> impl Iterator<Item = &str> {
    text.unicode_words()
}

/// Every UAX #29 word-boundary segment, punctuation and whitespace included, so that the
/// concatenation is the text.
pub fn word_bounds(text: &str) -> impl Iterator<Item = &str> {
    text.split_word_bounds()
}

/// Sentences (UAX #29 sentence boundaries), trimmed, empty ones skipped.
pub fn sentences(text: &str) -> impl Iterator<Item = &str> {
    // unicode-segmentation 1.13.3 overflows (panics in debug builds) on the empty string.
    let text = if text.is_empty() { " " } else { text };
    text.split_sentence_bounds()
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// Extended grapheme clusters (user-perceived characters).
pub fn graphemes(text: &str) -> impl Iterator<Item = &str> {
    text.graphemes(true)
}

/// Lines (split on `\n`, a trailing `\r` removed), blank ones included.
pub fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
}

/// Paragraphs: runs of non-blank lines separated by one or more blank lines, with the outer
/// whitespace trimmed.
pub fn paragraphs(text: &str) -> impl Iterator<Item = &str> {
    Paragraphs { rest: text }
}

#[derive(Debug)]
struct Paragraphs<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Paragraphs<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        // Skip leading blank lines.
        loop {
            if self.rest.is_empty() {
                return None;
            }
            let (line, after) = match self.rest.find('\n') {
                Some(i) => (&self.rest[..i], &self.rest[i + 1..]),
                None => (self.rest, ""),
            };
            if line.trim().is_empty() {
                self.rest = after;
            } else {
                break;
            }
        }
        let start = self.rest;
        let mut end = 0;
        let mut cursor = self.rest;
        loop {
            let (line, after, len) = match cursor.find('\n') {
                Some(i) => (&cursor[..i], &cursor[i + 1..], i + 1),
                None => (cursor, "", cursor.len()),
            };
            if line.trim().is_empty() {
                break;
            }
            end += len;
            cursor = after;
            if cursor.is_empty() {
                break;
            }
        }
        self.rest = cursor;
        Some(start[..end].trim())
    }
}

/// Counts of the segments of a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SegmentCounts {
    /// Unicode scalar values.
    pub chars: usize,
    /// Words.
    pub words: usize,
    /// Sentences.
    pub sentences: usize,
    /// Lines.
    pub lines: usize,
    /// Paragraphs.
    pub paragraphs: usize,
}

/// Counts characters, words, sentences, lines and paragraphs.
///
/// ```
/// use dataprep_text::segment::count;
/// let c = count("One two. Three!\n\nFour");
/// assert_eq!((c.words, c.sentences, c.lines, c.paragraphs), (4, 3, 3, 2));
/// ```
pub fn count(text: &str) -> SegmentCounts {
    SegmentCounts {
        chars: text.chars().count(),
        words: words(text).count(),
        sentences: sentences(text).count(),
        lines: lines(text).count(),
        paragraphs: paragraphs(text).count(),
    }
}

/// What [`SegmentStage`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum SegmentOutput {
    /// Only the counts, as scores `scores.segment.{chars,words,sentences,lines,paragraphs}`.
    #[default]
    Counts,
    /// The counts and the segments as list fields `words`, `sentences` and `paragraphs`.
    Lists,
}

/// The configuration of [`SegmentStage`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct SegmentConfig {
    /// The text field (default `text`).
    pub field: String,
    /// What to write (serialised as `output`, its name before `SegmentConfig`).
    #[serde(rename = "output")]
    pub mode: SegmentOutput,
}

impl Default for SegmentConfig {
    fn default() -> Self {
        Self {
            field: "text".to_owned(),
            mode: SegmentOutput::Counts,
        }
    }
}

impl SegmentConfig {
    /// Uses another text field.
    #[must_use]
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = field.into();
        self
    }

    /// Sets what to write: counts only, or the segments as lists too.
    #[must_use]
    pub fn with_mode(mut self, mode: SegmentOutput) -> Self {
        self.mode = mode;
        self
    }
}

/// A stage that counts (and optionally lists) the segments of a text field.
///
/// ```
/// use dataprep_core::{Context, Record, Stage};
/// use dataprep_text::segment::{SegmentConfig, SegmentOutput, SegmentStage};
/// let mut rec = Record::new().with("text", "A b. C d.");
/// SegmentStage::default().process(&mut rec, &Context::new("segment", 0))?;
/// assert_eq!(rec.score("segment", "words"), Some(4.0));
/// let lists = SegmentStage::new(SegmentConfig::default().with_mode(SegmentOutput::Lists));
/// lists.process(&mut rec, &Context::new("segment", 0))?;
/// assert_eq!(rec.list("sentences")?.len(), 2);
/// # Ok::<(), dataprep_core::RecordError>(())
/// ```
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SegmentStage {
    config: SegmentConfig,
}

impl SegmentStage {
    /// A stage with a configuration.
    pub fn new(config: SegmentConfig) -> Self {
        Self { config }
    }

    /// The configuration.
    pub fn config(&self) -> &SegmentConfig {
        &self.config
    }

    /// Uses another text field.
    #[deprecated(since = "0.1.0", note = "use `SegmentConfig::with_field`")]
    #[must_use]
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.config.field = field.into();
        self
    }

    /// Sets what to write: counts only, or the segments as lists too.
    #[deprecated(since = "0.1.0", note = "use `SegmentConfig::with_mode`")]
    #[must_use]
    pub fn with_mode(mut self, output: SegmentOutput) -> Self {
        self.config.mode = output;
        self
    }

    /// Sets what to write.
    #[deprecated(
        since = "0.1.0",
        note = "use `SegmentConfig::with_mode`: `with_output` names the field written, everywhere else"
    )]
    #[must_use]
    pub fn with_output(mut self, output: SegmentOutput) -> Self {
        self.config.mode = output;
        self
    }
}

impl Stage for SegmentStage {
    fn version(&self) -> &str {
        concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"))
    }

    fn name(&self) -> &str {
        "segment"
    }

    fn config(&self) -> serde_json::Value {
        config_json(&self.config)
    }

    fn process(&self, record: &mut Record, _cx: &Context) -> Result<Action, RecordError> {
        let text = record.str(&self.config.field)?;
        let c = count(text);
        let lists = (self.config.mode == SegmentOutput::Lists).then(|| {
            let list = |it: &mut dyn Iterator<Item = &str>| {
                Value::List(it.map(|s| Value::Str(s.to_owned())).collect())
            };
            (
                list(&mut words(text)),
                list(&mut sentences(text)),
                list(&mut paragraphs(text)),
            )
        });
        for (name, v) in [
            ("chars", c.chars),
            ("words", c.words),
            ("sentences", c.sentences),
            ("lines", c.lines),
            ("paragraphs", c.paragraphs),
        ] {
            record.set_score("segment", name, v as f64);
        }
        if let Some((w, s, p)) = lists {
            record.set("words", w);
            record.set("sentences", s);
            record.set("paragraphs", p);
        }
        Ok(Action::Keep)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_edge_cases() {
        assert_eq!(paragraphs("").count(), 0);
        assert_eq!(paragraphs("\n \n").count(), 0);
        assert_eq!(
            paragraphs("a\nb\n\n\nc\n").collect::<Vec<_>>(),
            ["a\nb", "c"]
        );
        assert_eq!(paragraphs("a\r\n\r\nb").collect::<Vec<_>>(), ["a", "b"]);
    }
}
