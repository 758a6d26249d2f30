//! Deduplication: exact (normalised content hashes) and near (MinHash LSH, see [`minhash`]).
//!
//! Both normalise text with datatrove's `simplify_text` ([`simplify_text`], configured by
//! [`TextNorm`]): lower case, numbers to `0`, punctuation to spaces, whitespace folded, diacritics
//! removed. So `"Hello, World!"` and `"hello world"` are exact duplicates.
//!
//! Exact dedup keeps the first document of each group in input (stable) order:
//! [`exact_clusters`] on a slice of texts, or [`ExactDedupStage`], a [`StatefulStage`] that records the
//! cluster id (the key of the first document with that content) in `exact_cluster` and drops the
//! later ones with reason `exact_duplicate`.
//!
//! ```
//! use dataprep_quality::dedup::{exact_clusters, TextNorm};
//! let docs = ["Hello, World!", "something else", "hello   world", "HELLO WORLD."];
//! assert_eq!(exact_clusters(&docs, &TextNorm::default()), [0, 1, 0, 0]);
//! ```

pub mod decontam;
mod files;
pub mod minhash;
mod normalize;
pub mod span;

use std::collections::HashMap;

use dataprep_core::stage::config_json;
use dataprep_core::{Action, Context, Record, RecordError, StatefulStage};
use serde::{Deserialize, Serialize};

pub use normalize::{TextNorm, simplify_text};

/// The 128-bit content hash of a text after [`simplify_text`] (XXH3-128 of its UTF-8).
pub fn content_hash(text: &str, norm: &TextNorm) -> u128 {
    xxhash_rust::xxh3::xxh3_128(simplify_text(text, norm).as_bytes())
}

/// Exact-duplicate clusters of `texts`: for each text, the index of the first text with the same
/// normalised content (itself for the first of its group). Keep the texts where
/// `cluster[i] == i`.
pub fn exact_clusters<S: AsRef<str> + Sync>(texts: &[S], norm: &TextNorm) -> Vec<usize> {
    let hashes: Vec<u128> = {
        use rayon::prelude::*;
        texts
            .par_iter()
            .map(|t| content_hash(t.as_ref(), norm))
            .collect()
    };
    let mut first: HashMap<u128, usize> = HashMap::with_capacity(hashes.len());
    hashes
        .iter()
        .enumerate()
        .map(|(i, h)| *first.entry(*h).or_insert(i))
        .collect()
}

/// Config of [`ExactDedupStage`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ExactDedupConfig {
    /// The text field.
    pub field: String,
    /// The normalisation before hashing.
    pub norm: TextNorm,
    /// The field that receives the cluster id (the key of the first record with this content).
    pub cluster_field: String,
    /// Drop the later duplicates (else only mark them).
    pub drop: bool,
}

impl Default for ExactDedupConfig {
    fn default() -> Self {
        ExactDedupConfig {
            field: "text".into(),
            norm: TextNorm::default(),
            cluster_field: "exact_cluster".into(),
            drop: true,
        }
    }
}

impl ExactDedupConfig {
    /// Sets the text field.
    #[must_use]
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = field.into();
        self
    }

    /// Sets the normalisation.
    #[must_use]
    pub fn with_norm(mut self, norm: TextNorm) -> Self {
        self.norm = norm;
        self
    }

    /// Sets the cluster field.
    #[must_use]
    pub fn with_cluster_field(mut self, field: impl Into<String>) -> Self {
        self.cluster_field = field.into();
        self
    }

    /// Drop duplicates (`true`, the default) or only mark them.
    #[must_use]
    pub fn with_drop(mut self, drop: bool) -> Self {
        self.drop = drop;
        self
    }
}

/// Exact dedup as a [`StatefulStage`]: keeps the first record of each normalised content in
/// input order, writes the cluster id (that first record's key, or its ordinal when it has no key) to the cluster field of every
/// record, and drops later ones with reason `exact_duplicate`. Memory: one 128-bit hash and one
/// key per distinct content.
#[derive(Debug)]
pub struct ExactDedupStage {
    config: ExactDedupConfig,
    seen: HashMap<u128, String>,
    count: u64,
}

impl ExactDedupStage {
    /// A stage with this config.
    pub fn new(config: ExactDedupConfig) -> Self {
        ExactDedupStage {
            config,
            seen: HashMap::new(),
            count: 0,
        }
    }

    /// The number of distinct contents seen so far.
    pub fn distinct(&self) -> usize {
        self.seen.len()
    }
}

impl Default for ExactDedupStage {
    fn default() -> Self {
        ExactDedupStage::new(ExactDedupConfig::default())
    }
}

impl StatefulStage for ExactDedupStage {
    fn name(&self) -> &str {
        "exact_dedup"
    }

    fn config(&self) -> serde_json::Value {
        config_json(&self.config)
    }

    fn version(&self) -> &str {
        concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"))
    }

    fn process(&mut self, record: &mut Record, _cx: &Context) -> Result<Action, RecordError> {
        let h = content_hash(record.str(&self.config.field)?, &self.config.norm);
        let key = if record.key().is_empty() {
            self.count.to_string()
        } else {
            record.key().to_owned()
        };
        self.count += 1;
        let (cluster, dup) = match self.seen.get(&h) {
            Some(first) => (first.clone(), true),
            None => {
                self.seen.insert(h, key.clone());
                (key, false)
            }
        };
        record.set(self.config.cluster_field.clone(), cluster);
        Ok(if dup && self.config.drop {
            Action::drop("exact_duplicate")
        } else {
            Action::Keep
        })
    }
}

// The names before every stage type ended in `Stage` (CHANGELOG: Unreleased).
/// Renamed to [`ExactDedupStage`].
#[deprecated(since = "0.1.0", note = "renamed to `ExactDedupStage`")]
pub type ExactDedup = ExactDedupStage;
