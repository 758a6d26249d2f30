//! Span dedup: datatrove 0.10.1's sentence dedup (`SentenceDedupSignature` →
//! `SentenceFindDedups` → `SentenceDedupFilter`), as in C4: every span of 3 consecutive sentences
//! that occurs more than once is kept in its first occurrence and removed from the later ones.
//!
//! A text is split into sentences exactly as datatrove does for English (spaCy's sentencizer,
//! [`crate::words::sentence_spans`]), each sentence is stripped and normalised with
//! [`simplify_text`], and every n-gram of `n` consecutive sentences (default 3) joined by one space
//! is hashed with XXH64 (seed 0); blank n-grams are skipped. A hash seen earlier — in an earlier
//! document, or earlier in the same document — marks its `n` sentences for removal. The remaining
//! text is rebuilt from the kept pieces (each piece runs from the end of the previous sentence to
//! the end of its own, so the whitespace between sentences is kept) and left-stripped. A document
//! is kept unchanged, kept edited when the remainder still has at least
//! [`SpanDedupConfig::min_doc_words`] words and [`SpanDedupConfig::min_num_sentences`] sentences,
//! or dropped ([`SpanDrop`]).
//!
//! "First occurrence" is by stable order: (shard, document, sentence). datatrove sorts its
//! signatures by (hash, document, file), so with several input files its choice depends on
//! document numbers inside each file; ours does not, and 1 shard and N shards give the same output
//! (tested). On one shard the two are the same (golden-tested against datatrove).
//!
//! Three ways to run it:
//! - in memory, [`span_dedup`] over a slice of texts;
//! - streaming, [`SpanDedupStage`], a [`StatefulStage`] that remembers one u64 per distinct span;
//! - at scale, three file stages like the MinHash ones: [`write_span_signatures`] (per input
//!   shard) → [`find_span_duplicates`] (per hash bucket) → [`SpanDuplicates`] /
//!   [`SpanDedupFilterStage`] (per shard). [`build_span_index`] turns signatures into an index of an
//!   existing dataset; with [`SpanDedupConfig::only_dedup_in_index`] only spans found in the
//!   index are removed (datatrove's `index_folder`).
//!
//! ```
//! use dataprep_quality::dedup::span::{SpanDedupConfig, SpanOutcome, span_dedup};
//! let shared = "Sign up for our newsletter. We never share your address. You can leave at any time.";
//! let a = format!("{shared} The harbour was busy all morning.");
//! let b = format!("The ferry left at noon. {shared}");
//! let cfg = SpanDedupConfig::default().with_min_doc_words(0).with_min_num_sentences(0);
//! let out = span_dedup(&[a.as_str(), b.as_str()], &cfg, None);
//! assert_eq!(out[0], SpanOutcome::Unchanged);
//! assert!(matches!(&out[1], SpanOutcome::Edited { text, .. } if text == "The ferry left at noon."));
//! ```

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use dataprep_core::stage::config_json;
use dataprep_core::{Action, Context, Record, RecordError, StatefulStage};
use rayon::prelude::*;
use rustc_hash::FxHashSet;
use serde::{Deserialize, Serialize};

use super::files::{
    Codec, ExternalSort, RecReader, is_shard_file, remove_litter, shard_files, write_records,
};
use super::{TextNorm, simplify_text};
use crate::words::{count_sentences, sentence_spans, split_into_words};
use crate::{Error, Result, pyuni};

/// What a "sentence" is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpanUnit {
    /// spaCy-compatible English sentences (datatrove's `split_sentences=True`).
    #[default]
    Sentences,
    /// Lines (`str.splitlines()`; datatrove's `split_sentences=False`); kept lines are joined
    /// with `\n`.
    Lines,
}

/// Config of span dedup; `Default` is datatrove's `SentDedupConfig()`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SpanDedupConfig {
    /// Sentences per span (`n_sentences`, 3).
    pub n_sentences: usize,
    /// Sentences or lines.
    pub unit: SpanUnit,
    /// An edited document is dropped below this many words (50; 0 disables).
    pub min_doc_words: usize,
    /// An edited document is dropped below this many sentences (3; 0 disables).
    pub min_num_sentences: usize,
    /// With an index, remove only spans found in the index (true, datatrove's default); else
    /// spans repeated within the new data are removed too.
    pub only_dedup_in_index: bool,
    /// Normalisation of each sentence before hashing.
    pub norm: TextNorm,
}

impl Default for SpanDedupConfig {
    fn default() -> Self {
        SpanDedupConfig {
            n_sentences: 3,
            unit: SpanUnit::Sentences,
            min_doc_words: 50,
            min_num_sentences: 3,
            only_dedup_in_index: true,
            norm: TextNorm::default(),
        }
    }
}

impl SpanDedupConfig {
    /// Sets the sentences per span (at least 1).
    #[must_use]
    pub fn with_n_sentences(mut self, n: usize) -> Self {
        self.n_sentences = n.max(1);
        self
    }

    /// Sets the unit (sentences or lines).
    #[must_use]
    pub fn with_unit(mut self, unit: SpanUnit) -> Self {
        self.unit = unit;
        self
    }

    /// Sets the minimum words of an edited document (0 disables).
    #[must_use]
    pub fn with_min_doc_words(mut self, n: usize) -> Self {
        self.min_doc_words = n;
        self
    }

    /// Sets the minimum sentences of an edited document (0 disables).
    #[must_use]
    pub fn with_min_num_sentences(mut self, n: usize) -> Self {
        self.min_num_sentences = n;
        self
    }

    /// Sets whether only spans in the index are removed when there is an index.
    #[must_use]
    pub fn with_only_dedup_in_index(mut self, only: bool) -> Self {
        self.only_dedup_in_index = only;
        self
    }

    /// Sets the normalisation.
    #[must_use]
    pub fn with_norm(mut self, norm: TextNorm) -> Self {
        self.norm = norm;
        self
    }
}

/// Why [`span_dedup`] dropped a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpanDrop {
    /// Nothing left (or the document was empty; datatrove drops those too).
    Empty,
    /// Fewer than `min_doc_words` words left.
    TooFewWords,
    /// Fewer than `min_num_sentences` sentences left.
    TooFewSentences,
}

impl SpanDrop {
    /// The drop reason: `span_dedup_empty`, `span_dedup_too_few_words`,
    /// `span_dedup_too_few_sentences`.
    pub fn as_str(self) -> &'static str {
        match self {
            SpanDrop::Empty => "span_dedup_empty",
            SpanDrop::TooFewWords => "span_dedup_too_few_words",
            SpanDrop::TooFewSentences => "span_dedup_too_few_sentences",
        }
    }
}

/// What span dedup does to one document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum SpanOutcome {
    /// No repeated span: kept as it is.
    Unchanged,
    /// Repeated spans removed; enough is left.
    Edited {
        /// The remaining text.
        text: String,
        /// Sentences removed.
        removed_sentences: usize,
    },
    /// Repeated spans removed and too little is left (or the document is empty).
    Dropped {
        /// Why.
        reason: SpanDrop,
        /// Sentences removed.
        removed_sentences: usize,
    },
}

impl SpanOutcome {
    /// True unless dropped.
    pub fn is_kept(&self) -> bool {
        !matches!(self, SpanOutcome::Dropped { .. })
    }

    /// The sentences removed.
    pub fn removed_sentences(&self) -> usize {
        match self {
            SpanOutcome::Unchanged => 0,
            SpanOutcome::Edited {
                removed_sentences, ..
            }
            | SpanOutcome::Dropped {
                removed_sentences, ..
            } => *removed_sentences,
        }
    }
}

/// Counts of a span-dedup run: `documents = kept + edited + dropped`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SpanDedupStats {
    /// Documents seen.
    pub documents: u64,
    /// Kept unchanged.
    pub kept: u64,
    /// Kept with spans removed.
    pub edited: u64,
    /// Dropped.
    pub dropped: u64,
    /// Sentences removed (from edited and dropped documents).
    pub removed_sentences: u64,
}

impl SpanDedupStats {
    /// Counts one outcome.
    pub fn add(&mut self, o: &SpanOutcome) {
        self.documents += 1;
        match o {
            SpanOutcome::Unchanged => self.kept += 1,
            SpanOutcome::Edited { .. } => self.edited += 1,
            SpanOutcome::Dropped { .. } => self.dropped += 1,
        }
        self.removed_sentences += o.removed_sentences() as u64;
    }

    /// The counts of a list of outcomes.
    pub fn of(outcomes: &[SpanOutcome]) -> Self {
        let mut s = SpanDedupStats::default();
        for o in outcomes {
            s.add(o);
        }
        s
    }
}

/// The span hashes of `text`: `(XXH64 of the n normalised sentences joined by a space, index of
/// the first sentence)`, in sentence order, blank spans skipped; empty below `n` sentences.
/// (datatrove's `SentenceDedupSignature.get_hashes`.)
pub fn span_hashes(text: &str, cfg: &SpanDedupConfig) -> Vec<(u64, u32)> {
    let n = cfg.n_sentences.max(1);
    let units: Vec<String> = match cfg.unit {
        SpanUnit::Sentences => sentence_spans(text)
            .into_iter()
            .map(|(a, b)| pyuni::strip(&text[a..b]))
            .filter(|s| !s.is_empty())
            .map(|s| simplify_text(s, &cfg.norm))
            .collect(),
        SpanUnit::Lines => pyuni::splitlines(text)
            .map(|s| simplify_text(s, &cfg.norm))
            .collect(),
    };
    if units.len() < n {
        return Vec::new();
    }
    let mut buf = String::new();
    units
        .windows(n)
        .enumerate()
        .take(u32::MAX as usize)
        .filter_map(|(i, w)| {
            buf.clear();
            for (k, s) in w.iter().enumerate() {
                if k > 0 {
                    buf.push(' ');
                }
                buf.push_str(s);
            }
            (!pyuni::strip(&buf).is_empty())
                .then(|| (xxhash_rust::xxh64::xxh64(buf.as_bytes(), 0), i as u32))
        })
        .collect()
}

/// Removes the spans starting at the sentence indices `starts` (ascending; as found by the
/// signatures of the same text and config) and decides: datatrove's
/// `SentenceDedupFilter.remove_dup_sentences` and keep rule. With no start, the document is
/// [`SpanOutcome::Unchanged`] (or dropped as [`SpanDrop::Empty`] when empty).
pub fn remove_spans(text: &str, starts: &[u32], cfg: &SpanDedupConfig) -> SpanOutcome {
    if starts.is_empty() {
        return if text.is_empty() {
            SpanOutcome::Dropped {
                reason: SpanDrop::Empty,
                removed_sentences: 0,
            }
        } else {
            SpanOutcome::Unchanged
        };
    }
    let n = cfg.n_sentences.max(1);
    let mut kept = String::with_capacity(text.len());
    let mut removed = 0usize;
    let mut next = 0usize;
    let mut drop_until = 0usize;
    let mut visit = |idx: usize, piece: &str, kept: &mut String| {
        while next < starts.len() && (starts[next] as usize) < idx {
            next += 1;
        }
        if next < starts.len() && starts[next] as usize == idx {
            drop_until = idx + n;
            next += 1;
        }
        if idx >= drop_until {
            kept.push_str(piece);
            true
        } else {
            removed += 1;
            false
        }
    };
    match cfg.unit {
        SpanUnit::Sentences => {
            let mut last = 0;
            for (idx, (_, end)) in sentence_spans(text).into_iter().enumerate() {
                visit(idx, &text[last..end], &mut kept);
                last = end;
            }
        }
        SpanUnit::Lines => {
            let mut first = true;
            for (idx, line) in pyuni::splitlines(text).enumerate() {
                let mark = kept.len();
                if !first {
                    kept.push('\n');
                }
                if visit(idx, line, &mut kept) {
                    first = false;
                } else {
                    kept.truncate(mark);
                }
            }
        }
    }
    let filtered = pyuni::lstrip(&kept);
    if filtered == text {
        return SpanOutcome::Unchanged;
    }
    let reason = if filtered.is_empty() {
        Some(SpanDrop::Empty)
    } else if cfg.min_doc_words > 0 && split_into_words(filtered).len() < cfg.min_doc_words {
        Some(SpanDrop::TooFewWords)
    } else if cfg.min_num_sentences > 0 && count_sentences(filtered) < cfg.min_num_sentences {
        Some(SpanDrop::TooFewSentences)
    } else {
        None
    };
    match reason {
        Some(reason) => SpanOutcome::Dropped {
            reason,
            removed_sentences: removed,
        },
        None => SpanOutcome::Edited {
            text: filtered.to_owned(),
            removed_sentences: removed,
        },
    }
}

/// The span hashes of an existing dataset: spans found here are removed from new data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpanIndex {
    hashes: FxHashSet<u64>,
}

impl SpanIndex {
    /// The index of `texts`.
    pub fn from_texts<S: AsRef<str> + Sync>(texts: &[S], cfg: &SpanDedupConfig) -> Self {
        let hashes = texts
            .par_iter()
            .map(|t| span_hashes(t.as_ref(), cfg))
            .collect::<Vec<_>>()
            .into_iter()
            .flatten()
            .map(|(h, _)| h)
            .collect();
        SpanIndex { hashes }
    }

    /// Loads an index file written by [`build_span_index`] or [`SpanIndex::write`].
    ///
    /// # Errors
    /// I/O errors, a file whose length is not a multiple of 8.
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = fs::read(path).map_err(|e| Error::io(path, e))?;
        if bytes.len() % 8 != 0 {
            return Err(Error::Format {
                path: path.to_owned(),
                message: "span index length is not a multiple of 8".into(),
            });
        }
        Ok(SpanIndex {
            hashes: bytes
                .chunks_exact(8)
                .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes")))
                .collect(),
        })
    }

    /// Writes the index file: sorted distinct little-endian u64 (datatrove's `SentenceDedupBuildIndex` layout).
    ///
    /// # Errors
    /// I/O errors.
    pub fn write(&self, path: &Path) -> Result<()> {
        let mut v: Vec<u64> = self.hashes.iter().copied().collect();
        v.sort_unstable();
        write_records(path, &v, HashCodec)
    }

    /// True when the span hash is in the index.
    pub fn contains(&self, hash: u64) -> bool {
        self.hashes.contains(&hash)
    }

    /// Distinct spans in the index.
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    /// True when the index has no span.
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }
}

/// The streaming decision: which of a document's spans are repeats.
fn dup_starts(
    hashes: &[(u64, u32)],
    seen: &mut FxHashSet<u64>,
    index: Option<&SpanIndex>,
    only_in_index: bool,
) -> Vec<u32> {
    hashes
        .iter()
        .filter(|&&(h, _)| match index {
            Some(ix) if ix.contains(h) => true,
            Some(_) if only_in_index => false,
            _ => !seen.insert(h),
        })
        .map(|&(_, s)| s)
        .collect()
}

/// Span dedup of `texts` in memory (input order is the stable order), optionally against the
/// index of an existing dataset. One outcome per text.
pub fn span_dedup<S: AsRef<str> + Sync>(
    texts: &[S],
    cfg: &SpanDedupConfig,
    index: Option<&SpanIndex>,
) -> Vec<SpanOutcome> {
    let hashes: Vec<Vec<(u64, u32)>> = texts
        .par_iter()
        .map(|t| span_hashes(t.as_ref(), cfg))
        .collect();
    let mut seen = FxHashSet::default();
    let starts: Vec<Vec<u32>> = hashes
        .iter()
        .map(|h| dup_starts(h, &mut seen, index, cfg.only_dedup_in_index))
        .collect();
    texts
        .par_iter()
        .zip(starts.par_iter())
        .map(|(t, s)| remove_spans(t.as_ref(), s, cfg))
        .collect()
}

/// Writes an outcome to a record: the edited text into `field`, and the scores
/// `scores.span_dedup.removed_sentences`.
fn apply(record: &mut Record, field: &str, outcome: SpanOutcome, stage: &str) -> Action {
    record.set_score(
        stage,
        "removed_sentences",
        outcome.removed_sentences() as f64,
    );
    match outcome {
        SpanOutcome::Unchanged => Action::Keep,
        SpanOutcome::Edited { text, .. } => {
            record.set(field, text);
            Action::Keep
        }
        SpanOutcome::Dropped { reason, .. } => Action::drop(reason.as_str()),
    }
}

/// Span dedup as a streaming [`StatefulStage`]: records in input order, each span hash
/// remembered (8 bytes per distinct span, plus the index). Edits the text field, writes
/// `scores.span_dedup.removed_sentences`, drops with a [`SpanDrop`] reason; [`SpanDedupStage::stats`]
/// has the counts.
#[derive(Debug)]
pub struct SpanDedupStage {
    config: SpanDedupConfig,
    field: String,
    index: Option<SpanIndex>,
    seen: FxHashSet<u64>,
    stats: SpanDedupStats,
}

impl SpanDedupStage {
    /// A stage over the `text` field.
    pub fn new(config: SpanDedupConfig) -> Self {
        SpanDedupStage {
            config,
            field: "text".into(),
            index: None,
            seen: FxHashSet::default(),
            stats: SpanDedupStats::default(),
        }
    }

    /// Dedups against an existing dataset's index.
    #[must_use]
    pub fn with_index(mut self, index: SpanIndex) -> Self {
        self.index = Some(index);
        self
    }

    /// Sets the text field.
    #[must_use]
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = field.into();
        self
    }

    /// The counts so far.
    pub fn stats(&self) -> SpanDedupStats {
        self.stats
    }
}

impl StatefulStage for SpanDedupStage {
    fn name(&self) -> &str {
        "span_dedup"
    }

    fn config(&self) -> serde_json::Value {
        config_json(&(
            &self.config,
            &self.field,
            self.index.as_ref().map(SpanIndex::len),
        ))
    }

    fn version(&self) -> &str {
        concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"))
    }

    fn process(&mut self, record: &mut Record, _cx: &Context) -> Result<Action, RecordError> {
        let text = record.str(&self.field)?;
        let hashes = span_hashes(text, &self.config);
        let starts = dup_starts(
            &hashes,
            &mut self.seen,
            self.index.as_ref(),
            self.config.only_dedup_in_index,
        );
        let outcome = remove_spans(text, &starts, &self.config);
        self.stats.add(&outcome);
        Ok(apply(record, &self.field, outcome, "span_dedup"))
    }
}

// ---------------------------------------------------------------------------------------------
// File stages
// ---------------------------------------------------------------------------------------------

/// A signature record: (hash, doc, sentence); files are sorted by it.
type SpanSig = (u64, u32, u32);

#[derive(Debug, Clone, Copy)]
struct SigCodec;

impl Codec for SigCodec {
    type Rec = SpanSig;
    fn size(&self) -> usize {
        16
    }
    fn encode(&self, r: &SpanSig, out: &mut Vec<u8>) {
        out.extend_from_slice(&r.0.to_le_bytes());
        out.extend_from_slice(&r.1.to_le_bytes());
        out.extend_from_slice(&r.2.to_le_bytes());
    }
    fn decode(&self, b: &[u8]) -> SpanSig {
        (
            u64::from_le_bytes(b[..8].try_into().expect("8 bytes")),
            u32::from_le_bytes(b[8..12].try_into().expect("4 bytes")),
            u32::from_le_bytes(b[12..16].try_into().expect("4 bytes")),
        )
    }
}

#[derive(Debug, Clone, Copy)]
struct DupCodec;

impl Codec for DupCodec {
    type Rec = (u32, u32);
    fn size(&self) -> usize {
        8
    }
    fn encode(&self, r: &(u32, u32), out: &mut Vec<u8>) {
        out.extend_from_slice(&r.0.to_le_bytes());
        out.extend_from_slice(&r.1.to_le_bytes());
    }
    fn decode(&self, b: &[u8]) -> (u32, u32) {
        (
            u32::from_le_bytes(b[..4].try_into().expect("4 bytes")),
            u32::from_le_bytes(b[4..8].try_into().expect("4 bytes")),
        )
    }
}

#[derive(Debug, Clone, Copy)]
struct HashCodec;

impl Codec for HashCodec {
    type Rec = u64;
    fn size(&self) -> usize {
        8
    }
    fn encode(&self, r: &u64, out: &mut Vec<u8>) {
        out.extend_from_slice(&r.to_le_bytes());
    }
    fn decode(&self, b: &[u8]) -> u64 {
        u64::from_le_bytes(b.try_into().expect("8 bytes"))
    }
}

/// Options of the span-dedup file stages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SpanFileOptions {
    /// Hash buckets (datatrove's `finder_workers`): stage 2 runs once per bucket.
    pub buckets: u32,
    /// Records held in memory before a sorted run is spilled to disk.
    pub max_buffered: usize,
    /// Documents hashed per parallel batch.
    pub batch: usize,
}

impl Default for SpanFileOptions {
    fn default() -> Self {
        SpanFileOptions {
            buckets: 1,
            max_buffered: 4 << 20,
            batch: 4096,
        }
    }
}

impl SpanFileOptions {
    /// Sets the number of hash buckets (at least 1).
    #[must_use]
    pub fn with_buckets(mut self, n: u32) -> Self {
        self.buckets = n.max(1);
        self
    }

    /// Sets the spill threshold (records in memory, at least 1).
    #[must_use]
    pub fn with_max_buffered(mut self, n: usize) -> Self {
        self.max_buffered = n.max(1);
        self
    }
}

fn bucket_of(hash: u64, buckets: u32) -> u32 {
    ((u128::from(hash) * u128::from(buckets)) >> 64) as u32
}

fn bucket_dir(dir: &Path, bucket: u32) -> PathBuf {
    dir.join(format!("{bucket:04}"))
}

/// What [`write_span_signatures`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SpanSignatureStats {
    /// Documents read.
    pub documents: u64,
    /// Span signatures written.
    pub signatures: u64,
    /// Times the buffers were spilled to disk.
    pub runs: u64,
}

/// Stage 1, per input shard: writes `dir/BBBB/SSSSS.spansig` for every bucket — records
/// (u64 hash, u32 doc, u32 sentence), little-endian, sorted — for the shard's documents in
/// order (the document index is its position). Memory: [`SpanFileOptions::max_buffered`]
/// records, then sorted runs are spilled and merged.
///
/// # Errors
/// I/O errors; more than 2³² documents in one shard.
pub fn write_span_signatures<I, S>(
    dir: &Path,
    shard: u32,
    docs: I,
    cfg: &SpanDedupConfig,
    opts: &SpanFileOptions,
) -> Result<SpanSignatureStats>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str> + Send + Sync,
{
    let buckets = opts.buckets.max(1);
    let sig = format!("{shard:05}.spansig");
    for b in 0..buckets {
        remove_litter(&bucket_dir(dir, b), |n| n == sig, true)?;
    }
    let mut sorts: Vec<ExternalSort<SigCodec>> = (0..buckets)
        .map(|b| {
            ExternalSort::new(
                bucket_dir(dir, b).join(format!("{shard:05}.spansig")),
                SigCodec,
            )
        })
        .collect();
    let mut stats = SpanSignatureStats::default();
    let mut iter = docs.into_iter();
    loop {
        let batch: Vec<S> = iter.by_ref().take(opts.batch.max(1)).collect();
        if batch.is_empty() {
            break;
        }
        let hashes: Vec<Vec<(u64, u32)>> = batch
            .par_iter()
            .map(|t| span_hashes(t.as_ref(), cfg))
            .collect();
        for hs in hashes {
            let doc = u32::try_from(stats.documents)
                .map_err(|_| Error::Config("more than 2^32 documents in one shard".into()))?;
            stats.documents += 1;
            for (h, s) in hs {
                sorts[bucket_of(h, buckets) as usize].push((h, doc, s));
                stats.signatures += 1;
            }
        }
        let buffered: usize = sorts.iter().map(ExternalSort::buffered).sum();
        if buffered >= opts.max_buffered {
            sorts.par_iter_mut().try_for_each(ExternalSort::spill)?;
            stats.runs += 1;
        }
    }
    sorts.into_par_iter().try_for_each(ExternalSort::finish)?;
    Ok(stats)
}

/// Builds an index file of an existing dataset from its signatures (every bucket of `sig_dir`):
/// sorted distinct u64 hashes. Returns the number of distinct spans.
///
/// # Errors
/// I/O errors, malformed files.
pub fn build_span_index(sig_dir: &Path, out: &Path) -> Result<u64> {
    let mut buckets: Vec<PathBuf> = match fs::read_dir(sig_dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir())
            .collect(),
        Err(e) => return Err(Error::io(sig_dir, e)),
    };
    buckets.sort();
    let mut hashes: Vec<u64> = Vec::new();
    for b in &buckets {
        for (_, p) in shard_files(b, ".spansig")? {
            let mut r = RecReader::open(&p, SigCodec)?;
            while let Some((h, _, _)) = r.next_rec()? {
                hashes.push(h);
            }
        }
    }
    hashes.sort_unstable();
    hashes.dedup();
    if let (Some(dir), Some(name)) = (out.parent(), out.file_name().and_then(|n| n.to_str())) {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        remove_litter(dir, |n| n == name, false)?;
    }
    write_records(out, &hashes, HashCodec)?;
    Ok(hashes.len() as u64)
}

/// What [`find_span_duplicates`] did for one bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SpanMatchStats {
    /// Signatures read (new data only).
    pub signatures: u64,
    /// Duplicate spans written.
    pub duplicates: u64,
}

/// Stage 2, per bucket: a streaming k-way merge of the bucket's signature files of every shard
/// (in (hash, shard, doc, sentence) order, index hashes first) writes, per shard,
/// `out_dir/BBBB/SSSSS.spandups`: sorted (u32 doc, u32 sentence) of every span to remove. With
/// `index` (a file from [`build_span_index`] or [`SpanIndex::write`]), spans in the index are
/// removed, and with [`SpanDedupConfig::only_dedup_in_index`] only those. Memory: one record
/// per input file plus [`SpanFileOptions::max_buffered`] duplicates.
///
/// # Errors
/// I/O errors, malformed files.
pub fn find_span_duplicates(
    sig_dir: &Path,
    bucket: u32,
    out_dir: &Path,
    index: Option<&Path>,
    cfg: &SpanDedupConfig,
    opts: &SpanFileOptions,
) -> Result<SpanMatchStats> {
    let buckets = opts.buckets.max(1);
    let mut readers: Vec<(u32, RecReader<SigCodec>)> =
        shard_files(&bucket_dir(sig_dir, bucket), ".spansig")?
            .into_iter()
            .map(|(s, p)| Ok((s, RecReader::open(&p, SigCodec)?)))
            .collect::<Result<_>>()?;
    let mut index_reader = index.map(|p| RecReader::open(p, HashCodec)).transpose()?;
    // The next index hash of this bucket.
    let next_index = |r: &mut Option<RecReader<HashCodec>>| -> Result<Option<u64>> {
        if let Some(r) = r {
            while let Some(h) = r.next_rec()? {
                match bucket_of(h, buckets).cmp(&bucket) {
                    std::cmp::Ordering::Less => continue,
                    std::cmp::Ordering::Equal => return Ok(Some(h)),
                    std::cmp::Ordering::Greater => return Ok(None),
                }
            }
        }
        Ok(None)
    };
    type Item = std::cmp::Reverse<(u64, u32, u32, u32, usize)>;
    let mut heap: std::collections::BinaryHeap<Item> = std::collections::BinaryHeap::new();
    for (i, (shard, r)) in readers.iter_mut().enumerate() {
        if let Some((h, d, s)) = r.next_rec()? {
            heap.push(std::cmp::Reverse((h, *shard, d, s, i)));
        }
    }
    let has_index = index.is_some();
    let mut ix = next_index(&mut index_reader)?;
    let mut outs: HashMap<u32, ExternalSort<DupCodec>> = HashMap::new();
    let out_bucket = bucket_dir(out_dir, bucket);
    remove_litter(&out_bucket, |n| is_shard_file(n, ".spandups"), true)?;
    let mut stats = SpanMatchStats::default();
    let mut last: Option<u64> = None;
    let mut buffered = 0usize;
    while let Some(std::cmp::Reverse((h, shard, doc, sent, i))) = heap.pop() {
        stats.signatures += 1;
        while let Some(x) = ix
            && x < h
        {
            ix = next_index(&mut index_reader)?;
        }
        let in_index = ix == Some(h);
        let repeat = last == Some(h);
        let dup = in_index || (repeat && !(has_index && cfg.only_dedup_in_index));
        last = Some(h);
        if dup {
            outs.entry(shard)
                .or_insert_with(|| {
                    ExternalSort::new(out_bucket.join(format!("{shard:05}.spandups")), DupCodec)
                })
                .push((doc, sent));
            stats.duplicates += 1;
            buffered += 1;
            if buffered >= opts.max_buffered {
                for s in outs.values_mut() {
                    if s.buffered() > 0 {
                        s.spill()?;
                    }
                }
                buffered = 0;
            }
        }
        if let Some((h, d, s)) = readers[i].1.next_rec()? {
            heap.push(std::cmp::Reverse((h, shard, d, s, i)));
        }
    }
    fs::create_dir_all(&out_bucket).map_err(|e| Error::io(&out_bucket, e))?;
    let mut outs: Vec<(u32, ExternalSort<DupCodec>)> = outs.into_iter().collect();
    outs.sort_by_key(|(s, _)| *s);
    for (_, s) in outs {
        s.finish()?;
    }
    Ok(stats)
}

/// Stage 3 data: the spans to remove from one shard's documents, from every bucket's
/// `SSSSS.spandups`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpanDuplicates {
    entries: Vec<(u32, u32)>,
}

impl SpanDuplicates {
    /// Loads shard `shard` from a [`find_span_duplicates`] output directory (empty when no
    /// span of the shard is repeated).
    ///
    /// # Errors
    /// I/O errors, malformed files.
    pub fn load(dups_dir: &Path, shard: u32) -> Result<Self> {
        let mut entries = Vec::new();
        let mut buckets: Vec<PathBuf> = match fs::read_dir(dups_dir) {
            Ok(rd) => rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_dir())
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(Error::io(dups_dir, e)),
        };
        buckets.sort();
        for b in buckets {
            let path = b.join(format!("{shard:05}.spandups"));
            if !path.exists() {
                continue;
            }
            let mut r = RecReader::open(&path, DupCodec)?;
            while let Some(e) = r.next_rec()? {
                entries.push(e);
            }
        }
        entries.sort_unstable();
        entries.dedup();
        Ok(SpanDuplicates { entries })
    }

    /// The first sentences of the spans to remove from document `doc`, ascending.
    pub fn starts(&self, doc: u32) -> Vec<u32> {
        let a = self.entries.partition_point(|e| e.0 < doc);
        let b = self.entries.partition_point(|e| e.0 <= doc);
        self.entries[a..b].iter().map(|e| e.1).collect()
    }

    /// The outcome for document `doc` with this `text` ([`remove_spans`]).
    pub fn outcome(&self, doc: u32, text: &str, cfg: &SpanDedupConfig) -> SpanOutcome {
        remove_spans(text, &self.starts(doc), cfg)
    }

    /// Spans to remove in the shard.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing is to be removed.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Stage 3 as a [`StatefulStage`] over one shard's records in their original order: edits the
/// text field, writes `scores.span_dedup.removed_sentences`, drops with a [`SpanDrop`] reason.
#[derive(Debug)]
pub struct SpanDedupFilterStage {
    dups: SpanDuplicates,
    config: SpanDedupConfig,
    field: String,
    next: u32,
    stats: SpanDedupStats,
}

impl SpanDedupFilterStage {
    /// The filter for one shard's duplicates, found with `config` (the duplicates are data
    /// computed beforehand, so they come after the configuration).
    pub fn new(config: SpanDedupConfig, dups: SpanDuplicates) -> Self {
        SpanDedupFilterStage {
            dups,
            config,
            field: "text".into(),
            next: 0,
            stats: SpanDedupStats::default(),
        }
    }

    /// Sets the text field.
    #[must_use]
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = field.into();
        self
    }

    /// The counts so far.
    pub fn stats(&self) -> SpanDedupStats {
        self.stats
    }
}

impl StatefulStage for SpanDedupFilterStage {
    fn name(&self) -> &str {
        "span_dedup"
    }

    fn config(&self) -> serde_json::Value {
        config_json(&(&self.config, &self.field))
    }

    fn version(&self) -> &str {
        concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"))
    }

    fn process(&mut self, record: &mut Record, _cx: &Context) -> Result<Action, RecordError> {
        let doc = self.next;
        self.next = self.next.wrapping_add(1);
        let outcome = self
            .dups
            .outcome(doc, record.str(&self.field)?, &self.config);
        self.stats.add(&outcome);
        Ok(apply(record, &self.field, outcome, "span_dedup"))
    }
}

// The names before every stage type ended in `Stage` (CHANGELOG: Unreleased).
/// Renamed to [`SpanDedupStage`].
#[deprecated(since = "0.1.0", note = "renamed to `SpanDedupStage`")]
pub type SpanDedup = SpanDedupStage;
/// Renamed to [`SpanDedupFilterStage`].
#[deprecated(since = "0.1.0", note = "renamed to `SpanDedupFilterStage`")]
pub type SpanDedupFilter = SpanDedupFilterStage;

#[cfg(test)]
mod tests {
    use super::*;

    const SHARED: &str = "Sign up for our newsletter today. We never share your address with anyone. You can unsubscribe at any time you like.";

    #[test]
    fn later_copy_is_removed_first_kept() {
        let a = format!("The harbour was busy. {SHARED} Boats came and went.");
        let b = format!("{SHARED}   The ferry left at noon.");
        let cfg = SpanDedupConfig::default()
            .with_min_doc_words(0)
            .with_min_num_sentences(0);
        let out = span_dedup(&[a.as_str(), b.as_str()], &cfg, None);
        assert_eq!(out[0], SpanOutcome::Unchanged);
        assert_eq!(
            out[1],
            SpanOutcome::Edited {
                text: "The ferry left at noon.".into(),
                removed_sentences: 3
            }
        );
        // With datatrove's minimums the remainder is too short.
        let out = span_dedup(&[a.as_str(), b.as_str()], &SpanDedupConfig::default(), None);
        assert_eq!(
            out[1],
            SpanOutcome::Dropped {
                reason: SpanDrop::TooFewWords,
                removed_sentences: 3
            }
        );
    }

    #[test]
    fn normalisation_and_index() {
        let a = SHARED.to_uppercase().replace('.', "!");
        let cfg = SpanDedupConfig::default()
            .with_min_doc_words(0)
            .with_min_num_sentences(0);
        let ix = SpanIndex::from_texts(&[a.as_str()], &cfg);
        assert_eq!(ix.len(), 1);
        let b = format!("First here. {SHARED}");
        let c = "One. Two. Three. One. Two. Three.";
        let out = span_dedup(&[b.as_str(), c, c], &cfg, Some(&ix));
        assert_eq!(
            out[0],
            SpanOutcome::Edited {
                text: "First here.".into(),
                removed_sentences: 3
            }
        );
        // Only spans of the index are removed: the repeats inside `c` stay.
        assert_eq!(out[1], SpanOutcome::Unchanged);
        assert_eq!(out[2], SpanOutcome::Unchanged);
        let all = cfg.clone().with_only_dedup_in_index(false);
        let out = span_dedup(&[b.as_str(), c, c], &all, Some(&ix));
        assert_eq!(
            out[1],
            SpanOutcome::Edited {
                text: "One. Two. Three.".into(),
                removed_sentences: 3
            }
        );
        assert!(matches!(
            out[2],
            SpanOutcome::Dropped {
                reason: SpanDrop::Empty,
                ..
            }
        ));
    }

    #[test]
    fn lines_mode_and_edges() {
        let cfg = SpanDedupConfig::default()
            .with_unit(SpanUnit::Lines)
            .with_min_doc_words(0)
            .with_min_num_sentences(0);
        let a = "x\na\nb\nc\ny";
        let b = "a\nb\nc\nz";
        let out = span_dedup(&[a, b], &cfg, None);
        assert_eq!(out[0], SpanOutcome::Unchanged);
        assert_eq!(
            out[1],
            SpanOutcome::Edited {
                text: "z".into(),
                removed_sentences: 3
            }
        );
        let cfg = SpanDedupConfig::default();
        assert_eq!(span_hashes("", &cfg), []);
        assert_eq!(span_hashes("One. Two.", &cfg), []);
        assert_eq!(span_hashes("... ... ...", &cfg), []);
        assert!(matches!(
            span_dedup(&[""], &cfg, None)[0],
            SpanOutcome::Dropped {
                reason: SpanDrop::Empty,
                ..
            }
        ));
    }
}
