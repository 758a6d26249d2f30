//! Decontamination: find training documents that share word n-grams (12 by default) with
//! benchmark texts, and drop or flag them.
//!
//! Text is normalised as datatrove's `NGramsDecontFilter` does (0.10.1): [`simplify_text`]
//! (lower case, punctuation removed, numbers to `0`, whitespace folded, diacritics removed), then
//! split into words ([`split_into_words`], spaCy-compatible English) — so, as in lm-eval's
//! decontamination, case and punctuation never hide a match. Each n-gram of words joined by one
//! space is hashed with XXH64 (seed 0), as in datatrove; a [`DecontIndex`] maps the hashes of the
//! benchmark texts to the benchmarks they come from. A text with fewer than `n` words has no
//! n-gram: it neither contaminates nor is contaminated.
//!
//! Unlike datatrove, which stops at the first match, [`DecontIndex::check`] counts every matched
//! n-gram and every benchmark involved, so a dataset can be re-thresholded later.
//!
//! ```
//! use dataprep_quality::dedup::decontam::{DecontConfig, DecontIndex};
//! let mut ix = DecontIndex::new(DecontConfig::default().with_n(5));
//! ix.add("trivia", "Which planet in the solar system has the most moons?");
//! let c = ix.check("QUIZ: which planet in the Solar System has the most moons? Saturn.");
//! assert_eq!(c.matched_ngrams, 6);
//! assert_eq!(c.benchmarks, [("trivia".to_string(), 6)]);
//! assert!(ix.check("Saturn has many moons.").is_clean());
//! ```

use std::sync::Arc;

use dataprep_core::{Action, Context, Record, RecordError, Stage, Value};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::{TextNorm, simplify_text};
use crate::words::split_into_words;

/// What the stage does with a contaminated document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecontAction {
    /// Drop it with reason `contaminated`.
    #[default]
    Drop,
    /// Keep it; the scores and the `contaminated_by` field say what matched.
    Flag,
}

/// Decontamination parameters; `Default` is datatrove's (12-grams, default normalisation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DecontConfig {
    /// Words per n-gram.
    pub n: usize,
    /// Normalisation before splitting into words.
    pub norm: TextNorm,
    /// Drop or flag.
    pub action: DecontAction,
}

impl Default for DecontConfig {
    fn default() -> Self {
        DecontConfig {
            n: 12,
            norm: TextNorm::default(),
            action: DecontAction::Drop,
        }
    }
}

impl DecontConfig {
    /// Sets the n-gram size (at least 1).
    #[must_use]
    pub fn with_n(mut self, n: usize) -> Self {
        self.n = n.max(1);
        self
    }

    /// Sets the normalisation.
    #[must_use]
    pub fn with_norm(mut self, norm: TextNorm) -> Self {
        self.norm = norm;
        self
    }

    /// Sets the action.
    #[must_use]
    pub fn with_action(mut self, action: DecontAction) -> Self {
        self.action = action;
        self
    }
}

/// The hashes of the word n-grams of `text` (normalised, XXH64 seed 0 of the words joined by a
/// space), in text order with repeats; empty below `n` words.
pub fn ngram_hashes(text: &str, cfg: &DecontConfig) -> Vec<u64> {
    let norm = simplify_text(text, &cfg.norm);
    crate::dedup::minhash::word_ngram_hashes(&split_into_words(&norm), cfg.n.max(1))
}

/// What a document shares with the benchmarks.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Contamination {
    /// The document's n-grams (positions, with repeats) found in any benchmark.
    pub matched_ngrams: usize,
    /// The document's n-grams.
    pub ngrams: usize,
    /// Per benchmark (in the order they were added), the matched n-grams; only benchmarks with a
    /// match.
    pub benchmarks: Vec<(String, usize)>,
}

impl Contamination {
    /// True when nothing matched.
    pub fn is_clean(&self) -> bool {
        self.matched_ngrams == 0
    }
}

/// The n-gram hashes of benchmark texts, each mapped to the benchmarks it occurs in.
#[derive(Debug, Clone, Default)]
pub struct DecontIndex {
    config: DecontConfig,
    names: Vec<String>,
    /// Hash → the first benchmark it was added for.
    first: FxHashMap<u64, u32>,
    /// Hash → the other benchmarks, for hashes shared by several.
    more: FxHashMap<u64, Vec<u32>>,
}

impl DecontIndex {
    /// An empty index.
    pub fn new(config: DecontConfig) -> Self {
        DecontIndex {
            config,
            ..DecontIndex::default()
        }
    }

    /// An index of `(benchmark name, text)` pairs.
    pub fn from_benchmarks<N, T>(
        config: DecontConfig,
        texts: impl IntoIterator<Item = (N, T)>,
    ) -> Self
    where
        N: AsRef<str>,
        T: AsRef<str>,
    {
        let mut ix = DecontIndex::new(config);
        for (n, t) in texts {
            ix.add(n.as_ref(), t.as_ref());
        }
        ix
    }

    /// The config.
    pub fn config(&self) -> &DecontConfig {
        &self.config
    }

    /// Adds one benchmark text (a question, an answer, a passage) under `benchmark`; returns its
    /// number of n-grams (0 below `n` words).
    pub fn add(&mut self, benchmark: &str, text: &str) -> usize {
        let id = match self.names.iter().position(|n| n == benchmark) {
            Some(i) => i as u32,
            None => {
                self.names.push(benchmark.to_owned());
                (self.names.len() - 1) as u32
            }
        };
        let hashes = ngram_hashes(text, &self.config);
        for &h in &hashes {
            match self.first.get(&h) {
                None => {
                    self.first.insert(h, id);
                }
                Some(&f) if f == id => {}
                Some(_) => {
                    let m = self.more.entry(h).or_default();
                    if !m.contains(&id) {
                        m.push(id);
                    }
                }
            }
        }
        hashes.len()
    }

    /// Distinct n-grams in the index.
    pub fn len(&self) -> usize {
        self.first.len()
    }

    /// True when the index is empty.
    pub fn is_empty(&self) -> bool {
        self.first.is_empty()
    }

    /// The benchmark names, in the order they were added.
    pub fn benchmarks(&self) -> &[String] {
        &self.names
    }

    /// What `text` shares with the indexed benchmarks.
    pub fn check(&self, text: &str) -> Contamination {
        let hashes = ngram_hashes(text, &self.config);
        let mut per = vec![0usize; self.names.len()];
        let mut matched = 0;
        for h in &hashes {
            if let Some(&f) = self.first.get(h) {
                matched += 1;
                per[f as usize] += 1;
                if let Some(m) = self.more.get(h) {
                    for &b in m {
                        per[b as usize] += 1;
                    }
                }
            }
        }
        Contamination {
            matched_ngrams: matched,
            ngrams: hashes.len(),
            benchmarks: per
                .into_iter()
                .enumerate()
                .filter(|&(_, c)| c > 0)
                .map(|(i, c)| (self.names[i].clone(), c))
                .collect(),
        }
    }

    /// [`DecontIndex::check`] over many texts, in parallel (order kept).
    pub fn check_all<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Vec<Contamination> {
        texts.par_iter().map(|t| self.check(t.as_ref())).collect()
    }

    /// The decontamination stage over this index.
    pub fn stage(self) -> DecontStage {
        DecontStage::new(Arc::new(self))
    }
}

/// Decontamination as a stateless [`Stage`]: writes `scores.decontamination.matched_ngrams`
/// and `.ngrams`, the field `contaminated_by` (the benchmark names, empty when clean), and drops
/// a contaminated document with reason `contaminated` (or keeps it, [`DecontAction::Flag`]).
#[derive(Debug, Clone)]
pub struct DecontStage {
    index: Arc<DecontIndex>,
    field: String,
    flag_field: String,
}

impl DecontStage {
    /// The stage over a shared index (its config's action decides drop or flag).
    pub fn new(index: Arc<DecontIndex>) -> Self {
        DecontStage {
            index,
            field: "text".into(),
            flag_field: "contaminated_by".into(),
        }
    }

    /// Sets the text field.
    #[must_use]
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = field.into();
        self
    }

    /// Sets the field that receives the benchmark names.
    #[must_use]
    pub fn with_flag_field(mut self, field: impl Into<String>) -> Self {
        self.flag_field = field.into();
        self
    }
}

impl Stage for DecontStage {
    fn name(&self) -> &str {
        "decontamination"
    }

    fn config(&self) -> serde_json::Value {
        serde_json::json!({
            "config": self.index.config,
            "field": self.field,
            "flag_field": self.flag_field,
            "benchmarks": self.index.names,
            "ngrams": self.index.len(),
        })
    }

    fn version(&self) -> &str {
        concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"))
    }

    fn process(&self, record: &mut Record, _cx: &Context) -> Result<Action, RecordError> {
        let c = self.index.check(record.str(&self.field)?);
        record.set_score("decontamination", "matched_ngrams", c.matched_ngrams as f64);
        record.set_score("decontamination", "ngrams", c.ngrams as f64);
        let names: Vec<Value> = c
            .benchmarks
            .iter()
            .map(|(n, _)| Value::from(n.as_str()))
            .collect();
        record.set(self.flag_field.clone(), Value::List(names));
        Ok(
            if !c.is_clean() && self.index.config.action == DecontAction::Drop {
                Action::drop("contaminated")
            } else {
                Action::Keep
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const Q: &str = "In which year did the first crewed landing on the Moon take place, and who was the commander of that mission?";

    #[test]
    fn planted_question_is_found_despite_case_and_punctuation() {
        let mut ix = DecontIndex::new(DecontConfig::default());
        assert_eq!(ix.add("moon_qa", Q), 21 - 12 + 1);
        ix.add("other", "A completely different benchmark passage that talks about rivers and bridges in old towns of Europe.");
        let doc = format!(
            "Forum post. {} I think it was 1969!",
            Q.to_uppercase().replace(',', " ;")
        );
        let c = ix.check(&doc);
        assert_eq!(c.matched_ngrams, 10);
        assert_eq!(c.benchmarks, [("moon_qa".to_string(), 10)]);
        assert!(
            ix.check("The first crewed landing on the Moon took place in 1969.")
                .is_clean()
        );
    }

    #[test]
    fn shared_ngrams_count_for_every_benchmark() {
        let cfg = DecontConfig::default().with_n(3);
        let ix = DecontIndex::from_benchmarks(
            cfg,
            [("a", "one two three four"), ("b", "two three four five")],
        );
        let c = ix.check("zero two three four six");
        assert_eq!(c.matched_ngrams, 1);
        assert_eq!(c.benchmarks, [("a".to_string(), 1), ("b".to_string(), 1)]);
    }

    #[test]
    fn stage_drops_or_flags() {
        let ix = DecontIndex::from_benchmarks(DecontConfig::default(), [("moon_qa", Q)]);
        let mut rec = Record::new().with("text", Q);
        let a = ix
            .clone()
            .stage()
            .process(&mut rec, &Context::new("d", 0))
            .unwrap();
        assert_eq!(a, Action::drop("contaminated"));
        assert_eq!(rec.score("decontamination", "matched_ngrams"), Some(10.0));
        let mut flag = ix.clone();
        flag.config.action = DecontAction::Flag;
        let mut rec = Record::new().with("text", Q);
        assert_eq!(
            flag.stage()
                .process(&mut rec, &Context::new("d", 0))
                .unwrap(),
            Action::Keep
        );
        assert_eq!(
            rec.get("contaminated_by"),
            Some(&Value::List(vec![Value::from("moon_qa")]))
        );
    }
}
