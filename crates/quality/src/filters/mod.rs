//! Heuristic quality filters with datatrove's defaults: every filter measures all of its values,
//! decides keep or drop with a reason, and says which check failed.
//!
//! Each filter is a config struct (serde, `Default` = datatrove's defaults, `with_*` setters) that
//! implements [`QualityFilter`]:
//! - [`QualityFilter::apply`] measures a text and decides: a [`FilterResult`] with the decision,
//!   the failed [`Check`] (value, comparison, limit), every measured value, and for C4 the edited
//!   text;
//! - [`QualityFilter::decide`] decides from measured values alone — the re-threshold operation:
//!   change a limit and decide again over a scored dataset, without tokenizing anything
//!   ([`rethreshold`], [`RethresholdStage`]);
//! - [`QualityFilter::stage`] wraps it as a pipeline [`Stage`] that writes every value with
//!   [`Record::set_score`] under `scores.<filter name>` and drops with the reason ([`explain`]
//!   answers "why was this dropped" from those scores).
//!
//! | filter | name | reasons (datatrove's) |
//! |---|---|---|
//! | [`GopherQuality`] | `gopher_quality` | `gopher_short_doc`, `gopher_long_doc`, `gopher_below_avg_threshold`, `gopher_above_avg_threshold`, `gopher_too_many_hashes`, `gopher_too_many_ellipsis`, `gopher_too_many_bullets`, `gopher_too_many_end_ellipsis`, `gopher_below_alpha_threshold`, `gopher_enough_stop_words` |
//! | [`GopherRepetition`] | `gopher_repetition` | `empty`, `dup_para_frac`, `dup_para_char_frac`, `dup_line_frac`, `dup_line_char_frac`, `top_{n}_gram`, `duplicated_{n}_n_grams` |
//! | [`C4Quality`] | `c4_quality` | `lorem_ipsum`, `curly_bracket`, `too_few_sentences` (and line edits) |
//! | [`C4Paragraph`] | `c4_paragraph` | `< 3 paragraphs` |
//! | [`FineWebQuality`] | `fineweb_quality` | `empty`, `line_punct_ratio`, `short_line_ratio`, `char_dup_ratio`, `list_ratio` |
//! | [`BadWords`] | `bad_words` | `document_removed_with_badwords` |
//! | [`UrlFilter`] | `url_filter` | `domain`, `subdomain`, `url`, `hard_blacklisted`, `soft_blacklisted`, `blacklisted_subword` |
//! | [`LanguageFilter`] | `language` | `language`, `low_confidence` |
//!
//! ```
//! use dataprep_quality::filters::{GopherQuality, QualityFilter};
//! let text = "Buy now! Buy now! Buy now!";
//! let r = GopherQuality::default().apply(text);
//! assert_eq!(r.reason(), Some("gopher_short_doc"));
//! assert_eq!(r.score("n_non_symbol_words"), Some(6.0));
//! assert_eq!(r.failed.as_ref().unwrap().to_string(), "n_non_symbol_words = 6 < 50");
//! // Re-threshold from the scores alone: with min_doc_words = 5 the next check decides (the
//! // three "!" tokens have no letter: 6 of 9 words, below 0.8).
//! let relaxed = GopherQuality::default().with_min_doc_words(Some(5));
//! let d = relaxed.decide(&|name| r.score(name)).unwrap();
//! assert_eq!(d.reason(), Some("gopher_below_alpha_threshold"));
//! ```

mod badwords;
mod c4;
mod fineweb;
mod gopher;
mod language;
mod repetition;
mod url;

use std::borrow::Cow;
use std::fmt;

use dataprep_core::stage::config_json;
use dataprep_core::{Action, Context, Decision, Record, RecordError, Stage, Value};
use serde::{Deserialize, Serialize};

pub use badwords::BadWords;
pub use c4::{C4Paragraph, C4Quality, POLICY_SUBSTRINGS};
pub use fineweb::FineWebQuality;
pub use gopher::{GopherQuality, STOP_WORDS};
pub use language::{LanguageFilter, iso639_1};
pub use repetition::GopherRepetition;
pub use url::UrlFilter;

/// How a measured value is compared with its limit; the record is dropped when the comparison
/// holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// Dropped when `value < limit`.
    Below,
    /// Dropped when `value > limit`.
    Above,
}

/// The check that dropped a record: `score` measured `value`, which is below/above `limit`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// The score name (as in `scores.<filter>.<score>`).
    pub score: Cow<'static, str>,
    /// The measured value.
    pub value: f64,
    /// The comparison that held.
    pub op: Op,
    /// The configured limit.
    pub limit: f64,
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match self.op {
            Op::Below => "<",
            Op::Above => ">",
        };
        write!(f, "{} = {} {op} {}", self.score, self.value, self.limit)
    }
}

/// A filter's verdict with the check that failed (none for a keep, or for a drop that is not a
/// threshold, such as `lorem_ipsum`).
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// Keep, or drop with the reason.
    pub decision: Decision,
    /// The failed check, when the drop came from a limit.
    pub failed: Option<Check>,
}

impl Verdict {
    /// A keep.
    pub fn keep() -> Self {
        Verdict {
            decision: Decision::Keep,
            failed: None,
        }
    }

    /// True for a keep.
    pub fn is_keep(&self) -> bool {
        self.decision.is_keep()
    }

    /// The drop reason, if dropped.
    pub fn reason(&self) -> Option<&str> {
        match &self.decision {
            Decision::Keep => None,
            Decision::Drop(r) => Some(r),
        }
    }
}

/// What [`QualityFilter::apply`] returns: the decision, the failed check, every measured value
/// and (for filters that edit, like C4) the edited text.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterResult {
    /// Keep, or drop with the reason.
    pub decision: Decision,
    /// The check that failed, when the drop came from a limit.
    pub failed: Option<Check>,
    /// Every measured value, in a stable order.
    pub scores: Vec<(&'static str, f64)>,
    /// The edited text, when the filter edits and kept the document.
    pub text: Option<String>,
    /// Fields the stage sets on the record besides scores (for example `language`).
    pub fields: Vec<(&'static str, Value)>,
}

impl FilterResult {
    fn new(verdict: Verdict, scores: Vec<(&'static str, f64)>) -> Self {
        FilterResult {
            decision: verdict.decision,
            failed: verdict.failed,
            scores,
            text: None,
            fields: Vec::new(),
        }
    }

    /// True for a keep.
    pub fn is_keep(&self) -> bool {
        self.decision.is_keep()
    }

    /// The drop reason, if dropped.
    pub fn reason(&self) -> Option<&str> {
        match &self.decision {
            Decision::Keep => None,
            Decision::Drop(r) => Some(r),
        }
    }

    /// A measured value by name.
    pub fn score(&self, name: &str) -> Option<f64> {
        self.scores
            .iter()
            .find(|(k, _)| *k == name)
            .map(|&(_, v)| v)
    }
}

/// A score a filter needs for [`QualityFilter::decide`] is missing (the record was not scored by
/// this filter, or by a version that measured less).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("score `{filter}.{score}` is missing")]
pub struct MissingScore {
    /// The filter name.
    pub filter: String,
    /// The score name.
    pub score: String,
}

/// A quality filter: measures a text, decides, and can decide again from stored measurements.
pub trait QualityFilter: Send + Sync + fmt::Debug {
    /// The filter name: the stage name and the score namespace (`scores.<name>.<score>`).
    fn name(&self) -> &str;

    /// The configuration as JSON (for the stage fingerprint).
    fn config(&self) -> serde_json::Value;

    /// The record field the stage reads by default (`text`; `url` for the URL filter).
    fn default_field(&self) -> &str {
        "text"
    }

    /// Measures `text` and decides.
    fn apply(&self, text: &str) -> FilterResult;

    /// Decides from measured values alone (`score(name)` returns a stored value), applying this
    /// filter's limits in the same order as [`QualityFilter::apply`].
    ///
    /// # Errors
    /// [`MissingScore`] when a needed value is absent.
    fn decide(&self, score: &dyn Fn(&str) -> Option<f64>) -> Result<Verdict, MissingScore>;

    /// The filter as a pipeline stage over the `text` field.
    fn stage(self) -> QualityStage<Self>
    where
        Self: Sized,
    {
        QualityStage::new(self)
    }
}

impl<F: QualityFilter + ?Sized> QualityFilter for Box<F> {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn config(&self) -> serde_json::Value {
        (**self).config()
    }
    fn default_field(&self) -> &str {
        (**self).default_field()
    }
    fn apply(&self, text: &str) -> FilterResult {
        (**self).apply(text)
    }
    fn decide(&self, score: &dyn Fn(&str) -> Option<f64>) -> Result<Verdict, MissingScore> {
        (**self).decide(score)
    }
}

/// Helper for `decide` implementations: reads scores and applies limits in order.
pub(crate) struct Decider<'a> {
    filter: &'a str,
    get: &'a dyn Fn(&str) -> Option<f64>,
}

/// Early exit of a `decide` chain.
pub(crate) enum Stop {
    Drop(Verdict),
    Missing(MissingScore),
}

impl From<Stop> for Result<Verdict, MissingScore> {
    fn from(s: Stop) -> Self {
        match s {
            Stop::Drop(v) => Ok(v),
            Stop::Missing(m) => Err(m),
        }
    }
}

impl<'a> Decider<'a> {
    pub(crate) fn new(filter: &'a str, get: &'a dyn Fn(&str) -> Option<f64>) -> Self {
        Decider { filter, get }
    }

    pub(crate) fn get(&self, score: &str) -> Result<f64, Stop> {
        (self.get)(score).ok_or_else(|| {
            Stop::Missing(MissingScore {
                filter: self.filter.to_owned(),
                score: score.to_owned(),
            })
        })
    }

    fn check(
        &self,
        score: &'static str,
        limit: Option<f64>,
        op: Op,
        reason: impl Into<Cow<'static, str>>,
    ) -> Result<(), Stop> {
        let Some(limit) = limit else {
            return Ok(());
        };
        let value = self.get(score)?;
        let hit = match op {
            Op::Below => value < limit,
            Op::Above => value > limit,
        };
        if hit {
            return Err(Stop::Drop(Verdict {
                decision: Decision::Drop(reason.into()),
                failed: Some(Check {
                    score: Cow::Borrowed(score),
                    value,
                    op,
                    limit,
                }),
            }));
        }
        Ok(())
    }

    /// Drops when `score < limit`.
    pub(crate) fn below(
        &self,
        score: &'static str,
        limit: Option<f64>,
        reason: impl Into<Cow<'static, str>>,
    ) -> Result<(), Stop> {
        self.check(score, limit, Op::Below, reason)
    }

    /// Drops when `score > limit`.
    pub(crate) fn above(
        &self,
        score: &'static str,
        limit: Option<f64>,
        reason: impl Into<Cow<'static, str>>,
    ) -> Result<(), Stop> {
        self.check(score, limit, Op::Above, reason)
    }

    /// Drops without a threshold check.
    pub(crate) fn drop(reason: impl Into<Cow<'static, str>>) -> Stop {
        Stop::Drop(Verdict {
            decision: Decision::Drop(reason.into()),
            failed: None,
        })
    }
}

/// Runs a `decide` chain written with `?` on [`Stop`].
pub(crate) fn run_decide(f: impl FnOnce() -> Result<(), Stop>) -> Result<Verdict, MissingScore> {
    match f() {
        Ok(()) => Ok(Verdict::keep()),
        Err(stop) => stop.into(),
    }
}

/// Decides from a scores list (as returned by `apply`): used by `apply` itself so that measuring
/// and re-thresholding share one code path.
pub(crate) fn decide_from(filter: &dyn QualityFilter, scores: &[(&'static str, f64)]) -> Verdict {
    let get = |name: &str| scores.iter().find(|(k, _)| *k == name).map(|&(_, v)| v);
    // Every score a filter's `decide` reads is produced by its `apply`, so this cannot be missing;
    // a missing one (a bug) keeps the record rather than panicking.
    filter.decide(&get).unwrap_or_else(|_| Verdict::keep())
}

/// A [`QualityFilter`] as a pipeline stage: reads a text field (default `text`, `url` for the URL filter), writes every
/// measured value as `scores.<filter>.<score>`, drops with the filter's reason, and for editing
/// filters (C4) writes the edited text back unless [`QualityStage::with_edit_text`] is false.
#[derive(Debug, Clone, Serialize)]
pub struct QualityStage<F> {
    filter: F,
    field: String,
    edit_text: bool,
}

impl<F: QualityFilter> QualityStage<F> {
    /// A stage over the filter's default field (`text`, or `url` for the URL filter).
    pub fn new(filter: F) -> Self {
        QualityStage {
            field: filter.default_field().to_owned(),
            filter,
            edit_text: true,
        }
    }

    /// Reads another text field.
    #[must_use]
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = field.into();
        self
    }

    /// Whether to write the edited text back (default true).
    #[must_use]
    pub fn with_edit_text(mut self, edit: bool) -> Self {
        self.edit_text = edit;
        self
    }

    /// The filter: the stage's configuration.
    pub fn config(&self) -> &F {
        &self.filter
    }

    /// The text field.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// Whether the edited text is written back.
    pub fn edit_text(&self) -> bool {
        self.edit_text
    }
}

impl<F: QualityFilter> Stage for QualityStage<F> {
    fn name(&self) -> &str {
        self.filter.name()
    }

    fn config(&self) -> serde_json::Value {
        serde_json::json!({
            "filter": self.filter.config(),
            "field": self.field,
            "edit_text": self.edit_text,
        })
    }

    fn version(&self) -> &str {
        concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"))
    }

    fn process(&self, record: &mut Record, _cx: &Context) -> Result<Action, RecordError> {
        let text = record.str(&self.field)?;
        let r = self.filter.apply(text);
        let name = self.filter.name();
        for &(k, v) in &r.scores {
            record.set_score(name, k, v);
        }
        if self.edit_text
            && let Some(t) = r.text
        {
            record.set(self.field.as_str(), t);
        }
        for (k, v) in r.fields {
            record.set(k, v);
        }
        Ok(r.decision.into())
    }
}

/// Decides a filter again from the scores stored on a record (`scores.<filter name>.*`), for
/// example with changed limits — nothing is recomputed.
///
/// ```
/// use dataprep_core::{Context, Record, Stage};
/// use dataprep_quality::filters::{rethreshold, FineWebQuality, QualityFilter};
/// let mut rec = Record::new().with("text", "A line.\nAnother line without an end\nThird line.");
/// FineWebQuality::default().stage().process(&mut rec, &Context::new("fineweb_quality", 0))?;
/// let strict = FineWebQuality::default().with_short_line_thr(0.5);
/// assert_eq!(rethreshold(&rec, &strict)?.reason(), Some("short_line_ratio"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`MissingScore`] when the record lacks a score the filter needs.
pub fn rethreshold(record: &Record, filter: &dyn QualityFilter) -> Result<Verdict, MissingScore> {
    let name = filter.name();
    filter.decide(&|score| record.score(name, score))
}

/// A stage that re-decides filters from stored scores (no recomputation) and drops with the
/// first failing filter's reason. Records lacking the scores fail (a record error naming the
/// missing score).
#[derive(Debug)]
pub struct RethresholdStage {
    filters: Vec<Box<dyn QualityFilter>>,
}

impl RethresholdStage {
    /// Re-decides these filters, in order.
    pub fn new(filters: Vec<Box<dyn QualityFilter>>) -> Self {
        RethresholdStage { filters }
    }
}

impl Stage for RethresholdStage {
    fn name(&self) -> &str {
        "rethreshold"
    }

    fn config(&self) -> serde_json::Value {
        serde_json::Value::Array(
            self.filters
                .iter()
                .map(|f| serde_json::json!({"name": f.name(), "config": f.config()}))
                .collect(),
        )
    }

    fn version(&self) -> &str {
        concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"))
    }

    fn process(&self, record: &mut Record, _cx: &Context) -> Result<Action, RecordError> {
        for f in &self.filters {
            let v =
                rethreshold(record, f.as_ref()).map_err(|e| RecordError::process(e.to_string()))?;
            if let Decision::Drop(reason) = v.decision {
                return Ok(Action::Drop(format!("{}:{reason}", f.name()).into()));
            }
        }
        Ok(Action::Keep)
    }
}

/// Why a record was (or would be) dropped by one filter: its verdict from the stored scores.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// The filter name.
    pub filter: String,
    /// The verdict from the stored scores.
    pub verdict: Verdict,
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.verdict.decision, &self.verdict.failed) {
            (Decision::Keep, _) => write!(f, "{}: keep", self.filter),
            (Decision::Drop(r), Some(c)) => write!(f, "{}: dropped ({r}): {c}", self.filter),
            (Decision::Drop(r), None) => write!(f, "{}: dropped ({r})", self.filter),
        }
    }
}

/// Answers "why was this dropped": re-decides each filter from the record's stored scores and
/// returns one [`Explanation`] per filter that has scores on the record (filters that never saw
/// the record are skipped). The pipeline's dropped sink keeps the scores, so this works on
/// dropped records read back from disk too.
///
/// ```
/// use dataprep_core::{Context, Record, Stage};
/// use dataprep_quality::filters::{explain, GopherQuality, QualityFilter};
/// let filter = GopherQuality::default();
/// let mut rec = Record::new().with("text", "Too short to be a document.");
/// filter.clone().stage().process(&mut rec, &Context::new("gopher_quality", 0))?;
/// let why = explain(&rec, &[&filter]);
/// assert_eq!(why[0].to_string(), "gopher_quality: dropped (gopher_short_doc): n_non_symbol_words = 6 < 50");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn explain(record: &Record, filters: &[&dyn QualityFilter]) -> Vec<Explanation> {
    filters
        .iter()
        .filter_map(|f| {
            let scored = matches!(
                record
                    .get(dataprep_core::SCORES_FIELD)
                    .and_then(|s| s.field(f.name())),
                Some(Value::Struct(_))
            );
            if !scored {
                return None;
            }
            rethreshold(record, *f).ok().map(|verdict| Explanation {
                filter: f.name().to_owned(),
                verdict,
            })
        })
        .collect()
}

pub(crate) fn to_f64(n: usize) -> f64 {
    n as f64
}

pub(crate) fn cfg<C: Serialize>(c: &C) -> serde_json::Value {
    config_json(c)
}
