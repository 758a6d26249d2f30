//! Tokenization with the `tokenizers` library (offline): load a `tokenizer.json`, train BPE,
//! WordPiece and Unigram tokenizers from records, encode records in parallel, count tokens,
//! pack sequences to a fixed length, and write flat token shards readable by `numpy.memmap`.
//!
//! GPT-2-style byte-level BPE tokenizers are encoded by a built-in ids-only encoder that gives
//! the same ids as `tokenizers` (see [`TextTokenizer::is_fast_path`] for the conditions).
//!
//! ```
//! use dataprep_text::tokenize::{TextTokenizer, TrainConfig, ModelKind};
//! let texts = ["the cat sat on the mat", "the dog sat on the log"];
//! let tok = TextTokenizer::train(&TrainConfig::new(ModelKind::Bpe, 300), texts.iter().copied())?;
//! let ids = tok.encode("the cat")?;
//! assert_eq!(tok.decode(&ids)?, "the cat");
//! # Ok::<(), dataprep_text::Error>(())
//! ```

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, Mutex, OnceLock};

use dataprep_core::atomic::{TempFile, remove_stale_temps, write_atomic};
use dataprep_core::stage::config_json;
use dataprep_core::{
    Action, Context, IterableDataset, Record, RecordError, Shard, Sink, Stage, Value,
};
use serde::{Deserialize, Serialize};
use tokenizers::decoders::byte_level::ByteLevel as ByteLevelDecoder;
use tokenizers::decoders::metaspace::Metaspace as MetaspaceDecoder;
use tokenizers::decoders::wordpiece::WordPiece as WordPieceDecoder;
use tokenizers::models::bpe::{BPE, BpeTrainerBuilder};
use tokenizers::models::unigram::{Unigram, UnigramTrainer};
use tokenizers::models::wordpiece::{WordPiece, WordPieceTrainer};
use tokenizers::models::{ModelWrapper, TrainerWrapper};
use tokenizers::pre_tokenizers::bert::BertPreTokenizer;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::pre_tokenizers::metaspace::Metaspace;
use tokenizers::{
    AddedToken, OffsetReferential, OffsetType, PreTokenizedString, PreTokenizer,
    PreTokenizerWrapper, Tokenizer, Trainer,
};

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::fast_bpe::FastBpe;

mod shard_sink;
pub use shard_sink::TokenShardSink;

/// The model family to train.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ModelKind {
    /// Byte-level BPE (GPT-2 style): byte-level pre-tokenizer and decoder, no unknown token.
    Bpe,
    /// WordPiece (BERT style): BERT pre-tokenizer, `##` continuation prefix, `[UNK]`.
    WordPiece,
    /// Unigram (SentencePiece style): Metaspace pre-tokenizer, `<unk>`.
    Unigram,
}

impl std::str::FromStr for ModelKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "bpe" => Ok(ModelKind::Bpe),
            "wordpiece" => Ok(ModelKind::WordPiece),
            "unigram" => Ok(ModelKind::Unigram),
            other => Err(Error::Config(format!(
                "unknown model {other:?} (expected bpe, wordpiece or unigram)"
            ))),
        }
    }
}

/// Training parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TrainConfig {
    /// The model family.
    pub model: ModelKind,
    /// Target vocabulary size, special tokens included.
    pub vocab_size: usize,
    /// Minimum pair/word frequency (BPE, WordPiece).
    pub min_frequency: u64,
    /// Special tokens, added first (ids 0, 1, …). Defaults: BPE `<|endoftext|>`; WordPiece
    /// `[PAD] [UNK] [CLS] [SEP] [MASK]`; Unigram `<unk> <s> </s>`.
    pub special_tokens: Vec<String>,
    /// The longest pre-token (word) training sees, in characters of the pre-tokenized text —
    /// for byte-level BPE, bytes of the input. A longer pre-token is cut into consecutive chunks
    /// of this many characters (the last one shorter), counted in
    /// [`TrainReport::long_words`]. Default [`DEFAULT_MAX_WORD_LEN`] (256).
    ///
    /// Why: the trainers of `tokenizers` apply each merge to a word by inserting and removing in
    /// a vector, so a merge costs O(length²) on a long word; one 5-million-character word kept
    /// BPE training busy for over 20 minutes. The longest words of real prose are well under
    /// 100 characters; pre-tokens above 256 are runs, hashes, base64 or minified code, whose
    /// chunks still teach the vocabulary their pieces. Must be > 0.
    #[serde(default = "default_max_word_len")]
    pub max_word_len: usize,
    /// At most this many bytes of text are trained on: the texts are taken in order, and the
    /// one that crosses the bound is cut (at a character boundary) and is the last one read.
    /// Default [`DEFAULT_MAX_SAMPLE_BYTES`] (1 GiB); `u64::MAX` reads everything.
    #[serde(default = "default_max_sample_bytes")]
    pub max_sample_bytes: u64,
    /// At most this many texts are trained on (the first ones). Default `u64::MAX` (no bound).
    #[serde(default = "default_max_sample_texts")]
    pub max_sample_texts: u64,
}

/// The default [`TrainConfig::max_word_len`]: 256 characters.
pub const DEFAULT_MAX_WORD_LEN: usize = 256;
/// The default [`TrainConfig::max_sample_bytes`]: 1 GiB.
pub const DEFAULT_MAX_SAMPLE_BYTES: u64 = 1 << 30;

fn default_max_word_len() -> usize {
    DEFAULT_MAX_WORD_LEN
}

fn default_max_sample_bytes() -> u64 {
    DEFAULT_MAX_SAMPLE_BYTES
}

fn default_max_sample_texts() -> u64 {
    u64::MAX
}

/// What a training run saw (returned by [`TextTokenizer::train_with_report`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TrainReport {
    /// Texts trained on (a text cut by the byte bound counts).
    pub texts: u64,
    /// Bytes of text trained on.
    pub bytes: u64,
    /// Whether a sample bound ([`TrainConfig::max_sample_bytes`] or
    /// [`TrainConfig::max_sample_texts`]) was reached: the input was not read past it (and the
    /// last text may have been cut).
    pub sample_truncated: bool,
    /// Pre-tokens (words) trained on, before cutting long ones.
    pub words: u64,
    /// Pre-tokens longer than [`TrainConfig::max_word_len`], each cut into chunks.
    pub long_words: u64,
    /// Chunks the long pre-tokens were cut into.
    pub long_word_chunks: u64,
}

impl TrainConfig {
    /// The defaults of a model family with a vocabulary size.
    pub fn new(model: ModelKind, vocab_size: usize) -> Self {
        let special: &[&str] = match model {
            ModelKind::Bpe => &["<|endoftext|>"],
            ModelKind::WordPiece => &["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"],
            ModelKind::Unigram => &["<unk>", "<s>", "</s>"],
        };
        Self {
            model,
            vocab_size,
            min_frequency: 2,
            special_tokens: special.iter().map(|s| (*s).to_owned()).collect(),
            max_word_len: DEFAULT_MAX_WORD_LEN,
            max_sample_bytes: DEFAULT_MAX_SAMPLE_BYTES,
            max_sample_texts: u64::MAX,
        }
    }

    /// Sets the longest pre-token training sees ([`TrainConfig::max_word_len`]).
    #[must_use]
    pub fn with_max_word_len(mut self, chars: usize) -> Self {
        self.max_word_len = chars;
        self
    }

    /// Sets the byte bound of the training sample ([`TrainConfig::max_sample_bytes`]).
    #[must_use]
    pub fn with_max_sample_bytes(mut self, bytes: u64) -> Self {
        self.max_sample_bytes = bytes;
        self
    }

    /// Sets the text bound of the training sample ([`TrainConfig::max_sample_texts`]).
    #[must_use]
    pub fn with_max_sample_texts(mut self, texts: u64) -> Self {
        self.max_sample_texts = texts;
        self
    }

    /// Sets the minimum frequency.
    #[must_use]
    pub fn with_min_frequency(mut self, min_frequency: u64) -> Self {
        self.min_frequency = min_frequency;
        self
    }

    /// Replaces the special tokens.
    #[must_use]
    pub fn with_special_tokens<S: Into<String>>(
        mut self,
        tokens: impl IntoIterator<Item = S>,
    ) -> Self {
        self.special_tokens = tokens.into_iter().map(Into::into).collect();
        self
    }
}

/// A tokenizer (a `tokenizers::Tokenizer`, shared cheaply between threads and stages).
///
/// A byte-level BPE tokenizer of the GPT-2 kind (no normalizer, `ByteLevel` pre-tokenizer, BPE
/// without dropout or prefixes; see [`TextTokenizer::is_fast_path`]) is encoded by an ids-only
/// encoder built at construction, which gives exactly the ids of `tokenizers`' `encode_fast`
/// without its offset bookkeeping. Every other tokenizer is encoded by `tokenizers` itself.
#[derive(Debug, Clone)]
pub struct TextTokenizer {
    inner: Arc<Tokenizer>,
    fast: Option<Arc<FastBpe>>,
    /// FNV-1a of the tokenizer JSON, computed once (a GPT-2-size JSON takes tens of ms).
    json_hash: Arc<OnceLock<String>>,
    /// The end-of-sequence token id ([`TextTokenizer::eos_id`]).
    eos: Option<u32>,
}

/// Conventional names of an end-of-sequence token, in the order [`TextTokenizer::eos_id`] tries
/// them among the special added tokens.
const EOS_NAMES: [&str; 7] = [
    "<|endoftext|>",
    "</s>",
    "<|end_of_text|>",
    "<eos>",
    "<|eos|>",
    "<|im_end|>",
    "[SEP]",
];

/// The token the post-processor appends to a single sequence, when it is a special token: the
/// last `SpecialToken` of a `TemplateProcessing`'s `single` template (when it comes after the
/// sequence), or the `sep` of `BertProcessing` / `RobertaProcessing`; inside a `Sequence`, the
/// first member that names one.
fn appended_special(pp: &serde_json::Value) -> Option<String> {
    match pp.get("type")?.as_str()? {
        "TemplateProcessing" => {
            let single = pp.get("single")?.as_array()?;
            let last = single.last()?;
            let seq_before = single
                .iter()
                .rev()
                .skip(1)
                .any(|p| p.get("Sequence").is_some());
            let id = last.get("SpecialToken")?.get("id")?.as_str()?;
            seq_before.then(|| id.to_owned())
        }
        "BertProcessing" | "RobertaProcessing" => {
            Some(pp.get("sep")?.as_array()?.first()?.as_str()?.to_owned())
        }
        "Sequence" => pp
            .get("processors")?
            .as_array()?
            .iter()
            .find_map(appended_special),
        _ => None,
    }
}

/// The `eos_token` of a `tokenizer_config.json` (a string, or an object with `content`).
fn config_eos(json: &str) -> Option<String> {
    let cfg: serde_json::Value = serde_json::from_str(json).ok()?;
    match cfg.get("eos_token")? {
        serde_json::Value::String(s) => Some(s.clone()),
        v => Some(v.get("content")?.as_str()?.to_owned()),
    }
}

impl TextTokenizer {
    /// Wraps a `tokenizers::Tokenizer` (and builds the fast byte-level BPE encoder when the
    /// tokenizer qualifies).
    pub fn new(tokenizer: Tokenizer) -> Self {
        let fast = FastBpe::from_tokenizer(&tokenizer).map(Arc::new);
        let eos = Self::find_eos(&tokenizer);
        Self {
            inner: Arc::new(tokenizer),
            fast,
            json_hash: Arc::default(),
            eos,
        }
    }

    /// The EOS the tokenizer itself says: the special token its post-processor appends, else
    /// the first of [`EOS_NAMES`] that is a special added token.
    fn find_eos(tokenizer: &Tokenizer) -> Option<u32> {
        let appended = tokenizer
            .get_post_processor()
            .and_then(|pp| serde_json::to_value(pp).ok())
            .and_then(|pp| appended_special(&pp))
            .and_then(|t| tokenizer.token_to_id(&t));
        appended.or_else(|| {
            let added = tokenizer.get_added_tokens_decoder();
            EOS_NAMES.iter().find_map(|name| {
                let id = tokenizer.token_to_id(name)?;
                added.get(&id).is_some_and(|t| t.special).then_some(id)
            })
        })
    }

    /// The id of the end-of-sequence token, which [`TokenShardWriter::with_eos`] appends after
    /// each document: the one set with [`with_eos_token`](Self::with_eos_token); for
    /// [`from_file`](Self::from_file), the `eos_token` of a `tokenizer_config.json` next to the
    /// file (what `transformers` uses); else the special token the post-processor appends to a
    /// sequence (`TemplateProcessing`, `BertProcessing`, `RobertaProcessing`); else the first
    /// special added token named `<|endoftext|>`, `</s>`, `<|end_of_text|>`, `<eos>`, `<|eos|>`,
    /// `<|im_end|>` or `[SEP]`. `None` when there is none (a plain token of one of those names
    /// does not count).
    ///
    /// ```
    /// use dataprep_text::tokenize::{ModelKind, TextTokenizer, TrainConfig};
    /// let bpe = TextTokenizer::train(&TrainConfig::new(ModelKind::Bpe, 280), ["the cat sat"])?;
    /// assert_eq!(bpe.eos_id(), bpe.token_to_id("<|endoftext|>"));
    /// # Ok::<(), dataprep_text::Error>(())
    /// ```
    pub fn eos_id(&self) -> Option<u32> {
        self.eos
    }

    /// Uses `token` as the end-of-sequence token.
    ///
    /// # Errors
    /// [`Error::Config`] when the tokenizer has no such token.
    pub fn with_eos_token(mut self, token: &str) -> Result<Self> {
        self.eos = Some(
            self.token_to_id(token)
                .ok_or_else(|| Error::Config(format!("no token {token:?} for the EOS")))?,
        );
        Ok(self)
    }

    /// FNV-1a (hex) of the tokenizer JSON, for stage fingerprints.
    fn json_hash(&self) -> &str {
        self.json_hash.get_or_init(|| {
            let json = self.inner.to_string(false).unwrap_or_default();
            fnv1a_hex(json.as_bytes())
        })
    }

    /// Turns the built-in byte-level BPE encoder off (`false`: every encode goes through
    /// `tokenizers`, for comparisons) or back on (`true`: used when the tokenizer qualifies).
    #[must_use]
    pub fn with_fast_path(mut self, enabled: bool) -> Self {
        self.fast = if enabled {
            FastBpe::from_tokenizer(&self.inner).map(Arc::new)
        } else {
            None
        };
        self
    }

    /// Whether [`encode`](Self::encode), [`encode_batch`](Self::encode_batch) and
    /// [`EncodeStage`] use the built-in byte-level BPE encoder (true) or `tokenizers` (false).
    ///
    /// The built-in encoder is used exactly when the tokenizer has no normalizer, truncation or
    /// padding; a post-processor that adds nothing without special tokens (none, `ByteLevel`,
    /// `RobertaProcessing`, `BertProcessing`, a `TemplateProcessing` with `$A` once, or a
    /// `Sequence` of those); a `ByteLevel` pre-tokenizer (alone or the only member of a
    /// `Sequence`); and a BPE model without dropout, continuing-subword prefix, end-of-word
    /// suffix or byte fallback. Added tokens of any kind are fine. Both paths give identical
    /// ids.
    ///
    /// ```
    /// use dataprep_text::tokenize::{ModelKind, TextTokenizer, TrainConfig};
    /// let texts = ["the cat sat", "the dog sat"];
    /// let bpe = TextTokenizer::train(&TrainConfig::new(ModelKind::Bpe, 280), texts)?;
    /// assert!(bpe.is_fast_path());
    /// let wp = TextTokenizer::train(&TrainConfig::new(ModelKind::WordPiece, 100), texts)?;
    /// assert!(!wp.is_fast_path());
    /// # Ok::<(), dataprep_text::Error>(())
    /// ```
    pub fn is_fast_path(&self) -> bool {
        self.fast.is_some()
    }

    /// Loads any Hugging Face `tokenizer.json`, and the `eos_token` of a
    /// `tokenizer_config.json` beside it when there is one ([`eos_id`](Self::eos_id)).
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be read, [`Error::Tokenizer`] when it is not a valid
    /// tokenizer, [`Error::Config`] when the config's `eos_token` is not one of its tokens.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let mut tok = Self::from_json(&text)
            .map_err(|e| Error::tokenizer(format!("loading {}", path.display()), e.into()))?;
        let config = path.with_file_name("tokenizer_config.json");
        if let Some(eos) = std::fs::read_to_string(&config)
            .ok()
            .and_then(|j| config_eos(&j))
        {
            tok = tok.with_eos_token(&eos).map_err(|_| {
                Error::Config(format!(
                    "{}: eos_token {eos:?} is not a token of {}",
                    config.display(),
                    path.display()
                ))
            })?;
        }
        Ok(tok)
    }

    /// Parses the JSON of a `tokenizer.json`.
    ///
    /// # Errors
    /// [`Error::Tokenizer`] when the JSON is not a valid tokenizer.
    pub fn from_json(json: &str) -> Result<Self> {
        let tok: Tokenizer = json
            .parse()
            .map_err(|e| Error::tokenizer("parsing tokenizer.json", e))?;
        Ok(Self::new(tok))
    }

    /// Trains a tokenizer on texts (within the sample and word-length bounds of the config; see
    /// [`TextTokenizer::train_with_report`]).
    ///
    /// # Errors
    /// [`Error::Config`] for a vocabulary size of 0, [`Error::Tokenizer`] when training fails
    /// (for example a Unigram vocabulary too small for the alphabet).
    pub fn train<I, S>(config: &TrainConfig, texts: I) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        I::IntoIter: Send,
        S: AsRef<str> + Send,
    {
        Self::train_with_report(config, texts).map(|(tok, _)| tok)
    }

    /// Trains a tokenizer on texts and says what training saw.
    ///
    /// Training reads the texts in order up to [`TrainConfig::max_sample_bytes`] and
    /// [`TrainConfig::max_sample_texts`] (the rest of the iterator is not consumed), pre-tokenizes
    /// them as the model's pre-tokenizer does, and cuts every pre-token longer than
    /// [`TrainConfig::max_word_len`] into chunks of that length, so the time stays linear in the
    /// sample whatever its words. With no pre-token above the bound the result is exactly that of
    /// `tokenizers`' own `Tokenizer::train`.
    ///
    /// ```
    /// use dataprep_text::tokenize::{ModelKind, TextTokenizer, TrainConfig};
    /// let long = "x".repeat(1000);
    /// let config = TrainConfig::new(ModelKind::Bpe, 300).with_max_word_len(256);
    /// let (tok, report) = TextTokenizer::train_with_report(&config, ["a b", long.as_str()])?;
    /// assert_eq!((report.texts, report.long_words, report.long_word_chunks), (2, 1, 4));
    /// assert_eq!(tok.decode(&tok.encode(&long)?)?, long);
    /// # Ok::<(), dataprep_text::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`TextTokenizer::train`]; also [`Error::Config`] for a `max_word_len` of 0.
    pub fn train_with_report<I, S>(config: &TrainConfig, texts: I) -> Result<(Self, TrainReport)>
    where
        I: IntoIterator<Item = S>,
        I::IntoIter: Send,
        S: AsRef<str> + Send,
    {
        if config.vocab_size == 0 {
            return Err(Error::Config("vocab_size must be > 0".into()));
        }
        if config.max_word_len == 0 {
            return Err(Error::Config("max_word_len must be > 0".into()));
        }
        let special: Vec<AddedToken> = config
            .special_tokens
            .iter()
            .map(|t| AddedToken::from(t.clone(), true))
            .collect();
        let (mut tok, mut trainer, pre, mut model) = match config.model {
            ModelKind::Bpe => {
                let mut tok = Tokenizer::new(BPE::default());
                let pre = PreTokenizerWrapper::from(ByteLevel::default().add_prefix_space(false));
                tok.with_pre_tokenizer(Some(pre.clone()));
                tok.with_decoder(Some(ByteLevelDecoder::default().add_prefix_space(false)));
                let alphabet: HashSet<char> = ByteLevel::alphabet().into_iter().collect();
                let trainer = BpeTrainerBuilder::new()
                    .vocab_size(config.vocab_size)
                    .min_frequency(config.min_frequency)
                    .special_tokens(special)
                    .initial_alphabet(alphabet)
                    .show_progress(false)
                    .build();
                let model = ModelWrapper::from(BPE::default());
                (tok, TrainerWrapper::BpeTrainer(trainer), pre, model)
            }
            ModelKind::WordPiece => {
                let unk = config
                    .special_tokens
                    .iter()
                    .find(|t| t.contains("UNK") || t.contains("unk"))
                    .cloned()
                    .unwrap_or_else(|| "[UNK]".to_owned());
                let model = WordPiece::builder()
                    .unk_token(unk)
                    .build()
                    .map_err(|e| Error::tokenizer("building WordPiece", e))?;
                let mut tok = Tokenizer::new(model.clone());
                let pre = PreTokenizerWrapper::from(BertPreTokenizer);
                tok.with_pre_tokenizer(Some(pre.clone()));
                tok.with_decoder(Some(WordPieceDecoder::default()));
                let trainer = WordPieceTrainer::builder()
                    .vocab_size(config.vocab_size)
                    .min_frequency(config.min_frequency)
                    .special_tokens(special)
                    .show_progress(false)
                    .build();
                (
                    tok,
                    TrainerWrapper::WordPieceTrainer(trainer),
                    pre,
                    ModelWrapper::from(model),
                )
            }
            ModelKind::Unigram => {
                let mut tok = Tokenizer::new(Unigram::default());
                let pre = PreTokenizerWrapper::from(Metaspace::default());
                tok.with_pre_tokenizer(Some(pre.clone()));
                tok.with_decoder(Some(MetaspaceDecoder::default()));
                let unk = config
                    .special_tokens
                    .iter()
                    .find(|t| t.contains("unk") || t.contains("UNK"))
                    .cloned();
                let trainer = UnigramTrainer::builder()
                    .vocab_size(u32::try_from(config.vocab_size).unwrap_or(u32::MAX))
                    .special_tokens(special)
                    .unk_token(unk)
                    .show_progress(false)
                    .build()
                    .map_err(|e| Error::tokenizer("building the Unigram trainer", e.into()))?;
                let model = ModelWrapper::from(Unigram::default());
                (tok, TrainerWrapper::UnigramTrainer(trainer), pre, model)
            }
        };
        // What `Tokenizer::train` does (the new tokenizer has no normalizer and no added tokens
        // yet), with the sample bound and long pre-tokens cut.
        let counters = TrainCounters::default();
        let sample = bounded_sample(texts.into_iter(), config, &counters);
        let max = config.max_word_len;
        let process = |seq: &str| -> tokenizers::Result<Vec<String>> {
            let mut pts = PreTokenizedString::from(seq);
            pre.pre_tokenize(&mut pts)?;
            let splits = pts.get_splits(OffsetReferential::Original, OffsetType::Byte);
            let mut words = Vec::with_capacity(splits.len());
            let (mut long, mut chunks) = (0u64, 0u64);
            for (w, _, _) in splits {
                if w.len() <= max || w.chars().count() <= max {
                    words.push(w.to_owned());
                    continue;
                }
                long += 1;
                let before = words.len();
                push_chunks(w, max, &mut words);
                chunks += (words.len() - before) as u64;
            }
            let pre_tokens = words.len() as u64 - chunks + long;
            counters.words.fetch_add(pre_tokens, Relaxed);
            counters.long_words.fetch_add(long, Relaxed);
            counters.long_word_chunks.fetch_add(chunks, Relaxed);
            Ok(words)
        };
        trainer
            .feed(sample, process)
            .map_err(|e| Error::tokenizer("training", e))?;
        let special = trainer
            .train(&mut model)
            .map_err(|e| Error::tokenizer("training", e))?;
        tok.with_model(model);
        tok.add_special_tokens(special)
            .map_err(|e| Error::tokenizer("adding the special tokens", e))?;
        let report = TrainReport {
            texts: counters.texts.load(Relaxed),
            bytes: counters.bytes.load(Relaxed),
            sample_truncated: counters.truncated.load(Relaxed),
            words: counters.words.load(Relaxed),
            long_words: counters.long_words.load(Relaxed),
            long_word_chunks: counters.long_word_chunks.load(Relaxed),
        };
        Ok((Self::new(tok), report))
    }

    /// Trains a tokenizer on the string field `field` of a dataset (all shards), streaming.
    /// Records without the field (or with null) are skipped.
    ///
    /// # Errors
    /// The first dataset error (a record that cannot be read, or a field that is not a string),
    /// or a training error as in [`TextTokenizer::train`].
    pub fn train_from_dataset(
        config: &TrainConfig,
        dataset: impl IterableDataset,
        field: &str,
    ) -> Result<Self> {
        let first_error: Mutex<Option<Error>> = Mutex::new(None);
        let records = dataset.open(Shard::ALL).map_err(Error::Core)?;
        let texts = records.map_while(|r| {
            let text = r
                .map_err(Error::Core)
                .and_then(|rec| match rec.opt_str(field) {
                    Ok(t) => Ok(t.map(str::to_owned)),
                    Err(e) => Err(Error::Core(RecordError::from(e).with_key(rec.key()).into())),
                });
            match text {
                Ok(t) => Some(t.unwrap_or_default()),
                Err(e) => {
                    *first_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                    None
                }
            }
        });
        let tok = Self::train(config, texts)?;
        match first_error.into_inner().unwrap_or_else(|p| p.into_inner()) {
            Some(e) => Err(e),
            None => Ok(tok),
        }
    }

    /// The wrapped `tokenizers::Tokenizer`.
    pub fn inner(&self) -> &Tokenizer {
        &self.inner
    }

    /// Saves as `tokenizer.json` (pretty-printed).
    ///
    /// # Errors
    /// [`Error::Tokenizer`] when serialising or writing fails.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        self.inner
            .save(path, true)
            .map_err(|e| Error::tokenizer(format!("saving {}", path.display()), e))
    }

    /// Vocabulary size, added tokens included.
    pub fn vocab_size(&self) -> usize {
        self.inner.get_vocab_size(true)
    }

    /// The id of a token (for example `<|endoftext|>`).
    pub fn token_to_id(&self, token: &str) -> Option<u32> {
        self.inner.token_to_id(token)
    }

    /// Encodes one text as it is (the tokenizer's own normaliser applies; no special tokens are
    /// added). The ids are those of `tokenizers`' `encode_fast(text, false)`, computed by the
    /// built-in encoder on the fast path ([`TextTokenizer::is_fast_path`]).
    ///
    /// # Errors
    /// [`Error::Tokenizer`] if the tokenizer fails (for example a WordPiece model without an
    /// unknown token meeting an unknown character).
    pub fn encode(&self, text: &str) -> Result<Vec<u32>> {
        if let Some(fast) = &self.fast {
            return Ok(fast.encode(text));
        }
        self.inner
            .encode_fast(text, false)
            .map(|e| e.get_ids().to_vec())
            .map_err(|e| Error::tokenizer("encoding", e))
    }

    /// Encodes many texts in parallel (rayon; through `tokenizers`' batch API off the fast
    /// path), in order.
    ///
    /// # Errors
    /// As [`TextTokenizer::encode`].
    pub fn encode_batch(&self, texts: &[&str]) -> Result<Vec<Vec<u32>>> {
        if let Some(fast) = &self.fast {
            return Ok(texts
                .par_iter()
                .with_min_len(16)
                .map(|t| fast.encode(t))
                .collect());
        }
        self.inner
            .encode_batch_fast(texts.to_vec(), false)
            .map(|v| v.into_iter().map(|e| e.get_ids().to_vec()).collect())
            .map_err(|e| Error::tokenizer("encoding a batch", e))
    }

    /// Decodes ids to text (special tokens skipped).
    ///
    /// # Errors
    /// [`Error::Tokenizer`] if the decoder fails.
    pub fn decode(&self, ids: &[u32]) -> Result<String> {
        self.inner
            .decode(ids, true)
            .map_err(|e| Error::tokenizer("decoding", e))
    }
}

/// A stage that encodes a text field into a list of token ids (`UInt` values) and records the
/// count as the score `scores.tokenize.tokens`.
///
/// The pipeline runs stages on all cores, so a pipeline with this stage is parallel batch
/// encoding over records, in input order. A text the tokenizer cannot encode is a record error.
///
/// ```
/// use dataprep_core::{Context, Record, Stage};
/// use dataprep_text::tokenize::{EncodeConfig, EncodeStage, ModelKind, TextTokenizer, TrainConfig};
/// let tok = TextTokenizer::train(&TrainConfig::new(ModelKind::Bpe, 280), ["a b c", "a b"])?;
/// let stage = EncodeStage::new(EncodeConfig::default(), tok);
/// let mut rec = Record::new().with("text", "a b");
/// stage.process(&mut rec, &Context::new("tokenize", 0))?;
/// assert_eq!(rec.score("tokenize", "tokens"), Some(rec.list("tokens")?.len() as f64));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct EncodeStage {
    tokenizer: TextTokenizer,
    config: EncodeConfig,
}

/// The serde configuration of [`EncodeStage`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct EncodeConfig {
    /// The text field (default `text`).
    pub field: String,
    /// The output field (default `tokens`).
    pub output: String,
    /// Keep the text field (default true).
    pub keep_text: bool,
}

impl Default for EncodeConfig {
    fn default() -> Self {
        Self {
            field: "text".into(),
            output: "tokens".into(),
            keep_text: true,
        }
    }
}

impl EncodeConfig {
    /// Sets the text field read (default `text`).
    #[must_use]
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = field.into();
        self
    }

    /// Sets the field written with the token ids (default `tokens`).
    #[must_use]
    pub fn with_output(mut self, output: impl Into<String>) -> Self {
        self.output = output.into();
        self
    }

    /// Keeps (default) or removes the text field after encoding.
    #[must_use]
    pub fn with_keep_text(mut self, keep: bool) -> Self {
        self.keep_text = keep;
        self
    }
}

impl EncodeStage {
    /// Encodes `config.field` into `config.output` with `tokenizer` (not serialisable, so it
    /// comes after the configuration).
    pub fn new(config: EncodeConfig, tokenizer: TextTokenizer) -> Self {
        Self { tokenizer, config }
    }

    /// Sets the configuration.
    #[deprecated(
        since = "0.1.0",
        note = "pass the configuration to `EncodeStage::new(config, tokenizer)`"
    )]
    #[must_use]
    pub fn with_config(mut self, config: EncodeConfig) -> Self {
        self.config = config;
        self
    }

    /// The configuration.
    pub fn config(&self) -> &EncodeConfig {
        &self.config
    }

    /// The tokenizer.
    pub fn tokenizer(&self) -> &TextTokenizer {
        &self.tokenizer
    }
}

impl Stage for EncodeStage {
    fn version(&self) -> &str {
        concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"))
    }

    fn name(&self) -> &str {
        "tokenize"
    }

    fn config(&self) -> serde_json::Value {
        // The tokenizer is part of the fingerprint through a hash of its JSON.
        serde_json::json!({
            "config": config_json(&self.config),
            "tokenizer_fnv1a": self.tokenizer.json_hash(),
        })
    }

    fn process(&self, record: &mut Record, _cx: &Context) -> Result<Action, RecordError> {
        let text = record.str(&self.config.field)?;
        let ids = self
            .tokenizer
            .encode(text)
            .map_err(|e| RecordError::process(e.to_string()))?;
        record.set_score("tokenize", "tokens", ids.len() as f64);
        if !self.config.keep_text {
            record.remove(&self.config.field);
        }
        record.set(
            self.config.output.as_str(),
            Value::List(ids.into_iter().map(|i| Value::UInt(u64::from(i))).collect()),
        );
        Ok(Action::Keep)
    }
}

/// A [`Sink`] that keeps the text field of the records written to it, up to a byte bound: the
/// training sample of a cleaning pipeline, so a tokenizer is trained on a bounded amount of
/// *cleaned* text (after normalisation, filters and dedup) rather than on all the raw input.
///
/// [`TrainSample::until_full`] wraps the pipeline's source so that reading stops once the
/// sample holds `max_bytes` (the pipeline finishes the batch in flight); the text that crosses
/// the bound is cut at a character boundary. Records without the field (or with a non-string
/// one) are not kept and are counted in [`TrainSample::records_without_text`].
///
/// ```
/// use dataprep_core::{Pipeline, Record, VecDataset};
/// use dataprep_text::tokenize::{ModelKind, TextTokenizer, TrainConfig, TrainSample};
/// let records = (0..100).map(|i| Record::new().with("text", format!("document {i}"))).collect();
/// let mut sample = TrainSample::new("text", 50);
/// let source = sample.until_full(VecDataset::new(records));
/// Pipeline::new(source).sink(&mut sample).run()?;
/// assert_eq!(sample.bytes(), 50);
/// assert!(sample.is_full());
/// let tok = TextTokenizer::train(&TrainConfig::new(ModelKind::Bpe, 280), sample.texts())?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct TrainSample {
    field: String,
    max_bytes: u64,
    texts: Vec<String>,
    bytes: u64,
    records: u64,
    without_text: u64,
    full: Arc<AtomicBool>,
}

impl TrainSample {
    /// An empty sample of the string field `field`, of at most `max_bytes` bytes.
    pub fn new(field: impl Into<String>, max_bytes: u64) -> Self {
        Self {
            field: field.into(),
            max_bytes,
            texts: Vec::new(),
            bytes: 0,
            records: 0,
            without_text: 0,
            full: Arc::new(AtomicBool::new(max_bytes == 0)),
        }
    }

    /// `dataset`, read only until this sample is full.
    pub fn until_full<D: IterableDataset>(&self, dataset: D) -> UntilFull<D> {
        UntilFull {
            inner: dataset,
            full: Arc::clone(&self.full),
        }
    }

    /// Whether the sample holds `max_bytes`.
    pub fn is_full(&self) -> bool {
        self.full.load(Relaxed)
    }

    /// The texts kept, in the order written.
    pub fn texts(&self) -> &[String] {
        &self.texts
    }

    /// The texts kept.
    pub fn into_texts(self) -> Vec<String> {
        self.texts
    }

    /// Bytes kept.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Records written to the sink (kept or not).
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Records written without a string in the field.
    pub fn records_without_text(&self) -> u64 {
        self.without_text
    }
}

impl Sink for TrainSample {
    fn write(&mut self, record: Record) -> dataprep_core::Result<()> {
        self.records += 1;
        let Ok(Some(text)) = record.opt_str(&self.field) else {
            self.without_text += 1;
            return Ok(());
        };
        let left = self.max_bytes - self.bytes;
        if left == 0 {
            return Ok(());
        }
        let len = if text.len() as u64 >= left {
            self.full.store(true, Relaxed);
            floor_boundary(text, usize::try_from(left).unwrap_or(usize::MAX))
        } else {
            text.len()
        };
        self.bytes += len as u64;
        self.texts.push(text[..len].to_owned());
        Ok(())
    }
}

/// A dataset read until a [`TrainSample`] is full (see [`TrainSample::until_full`]).
#[derive(Debug)]
pub struct UntilFull<D> {
    inner: D,
    full: Arc<AtomicBool>,
}

impl<D: IterableDataset> IterableDataset for UntilFull<D> {
    fn open(&self, shard: Shard) -> dataprep_core::Result<dataprep_core::Records<'_>> {
        let full = Arc::clone(&self.full);
        let records = self.inner.open(shard)?;
        Ok(Box::new(records.take_while(move |_| !full.load(Relaxed))))
    }
}

/// Counters of a training run, shared with the (possibly parallel) pre-tokenization.
#[derive(Debug, Default)]
struct TrainCounters {
    texts: AtomicU64,
    bytes: AtomicU64,
    truncated: AtomicBool,
    words: AtomicU64,
    long_words: AtomicU64,
    long_word_chunks: AtomicU64,
}

/// A text of the training sample: `text[..len]`.
#[derive(Debug)]
struct SampleText<S> {
    text: S,
    len: usize,
}

impl<S: AsRef<str>> AsRef<str> for SampleText<S> {
    fn as_ref(&self) -> &str {
        &self.text.as_ref()[..self.len]
    }
}

/// The largest character boundary of `s` at or below `i`.
fn floor_boundary(s: &str, i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    (0..=i).rev().find(|&k| s.is_char_boundary(k)).unwrap_or(0)
}

/// The first texts of `texts` within the sample bounds of `config` (the one crossing the byte
/// bound cut at a character boundary); the iterator is not pulled past the bound.
fn bounded_sample<'a, I, S>(
    texts: I,
    config: &TrainConfig,
    counters: &'a TrainCounters,
) -> impl Iterator<Item = SampleText<S>> + Send + 'a
where
    I: Iterator<Item = S> + Send + 'a,
    S: AsRef<str> + Send,
{
    let (max_bytes, max_texts) = (config.max_sample_bytes, config.max_sample_texts);
    let mut left = max_bytes;
    let mut taken = 0u64;
    let mut done = false;
    let mut texts = texts;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        if taken >= max_texts || left == 0 {
            done = true;
            // Reaching a bound with more input behind it truncates the sample.
            if texts.next().is_some() {
                counters.truncated.store(true, Relaxed);
            }
            return None;
        }
        let text = texts.next()?;
        let full = text.as_ref().len();
        let len = if (full as u64) > left {
            counters.truncated.store(true, Relaxed);
            done = true;
            floor_boundary(text.as_ref(), usize::try_from(left).unwrap_or(usize::MAX))
        } else {
            full
        };
        left -= len as u64;
        taken += 1;
        counters.texts.fetch_add(1, Relaxed);
        counters.bytes.fetch_add(len as u64, Relaxed);
        Some(SampleText { text, len })
    })
}

/// Cuts `w` into chunks of `max` characters (the last one shorter).
fn push_chunks(w: &str, max: usize, out: &mut Vec<String>) {
    let mut start = 0;
    for (n, (i, _)) in w.char_indices().enumerate() {
        if n > 0 && n % max == 0 {
            out.push(w[start..i].to_owned());
            start = i;
        }
    }
    if start < w.len() {
        out.push(w[start..].to_owned());
    }
}

fn fnv1a_hex(bytes: &[u8]) -> String {
    // FNV-1a of the tokenizer JSON tells tokenizers apart; the core fingerprint then hashes the
    // whole config with BLAKE3.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// Token-count statistics over documents.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TokenStats {
    /// Documents counted.
    pub documents: u64,
    /// Total tokens.
    pub tokens: u64,
    /// Fewest tokens in a document (0 when no document).
    pub min: u64,
    /// Most tokens in a document.
    pub max: u64,
}

impl TokenStats {
    /// Adds one document of `n` tokens.
    pub fn add(&mut self, n: usize) {
        let n = n as u64;
        self.min = if self.documents == 0 {
            n
        } else {
            self.min.min(n)
        };
        self.max = self.max.max(n);
        self.documents += 1;
        self.tokens += n;
    }

    /// Mean tokens per document (0 when empty).
    pub fn mean(&self) -> f64 {
        if self.documents == 0 {
            0.0
        } else {
            self.tokens as f64 / self.documents as f64
        }
    }
}

/// How to pack documents into fixed-length sequences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PackConfig {
    /// Tokens per sequence.
    pub seq_len: usize,
    /// Token put before each document.
    pub bos: Option<u32>,
    /// Token put after each document.
    pub eos: Option<u32>,
    /// Padding token for the last sequence (mask 0); `None` drops the last partial sequence.
    pub pad: Option<u32>,
}

impl PackConfig {
    /// Packs to `seq_len` with no BOS/EOS, padding the last sequence with 0.
    pub fn new(seq_len: usize) -> Self {
        Self {
            seq_len,
            bos: None,
            eos: None,
            pad: Some(0),
        }
    }

    /// Sets the BOS token.
    #[must_use]
    pub fn with_bos(mut self, bos: Option<u32>) -> Self {
        self.bos = bos;
        self
    }

    /// Sets the EOS token.
    #[must_use]
    pub fn with_eos(mut self, eos: Option<u32>) -> Self {
        self.eos = eos;
        self
    }

    /// Sets the padding token (`None`: drop the last partial sequence).
    #[must_use]
    pub fn with_pad(mut self, pad: Option<u32>) -> Self {
        self.pad = pad;
        self
    }
}

/// One packed sequence of exactly `seq_len` tokens.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PackedSequence {
    /// Token ids.
    pub input_ids: Vec<u32>,
    /// 1 for real tokens, 0 for padding.
    pub attention_mask: Vec<u8>,
    /// Document number within the sequence, from 1; 0 for padding. Tokens may attend to tokens
    /// with the same number only (block-diagonal attention across document boundaries).
    pub segment_ids: Vec<u32>,
    /// Position of each token within its document (restarts at each document boundary, and
    /// continues across sequences for a document split over two sequences).
    pub position_ids: Vec<u32>,
}

/// Packs documents into fixed-length sequences (concatenate and cut, as in GPT pre-training):
/// each document becomes `[bos] tokens [eos]`, documents longer than a sequence continue in the
/// next one.
///
/// ```
/// use dataprep_text::tokenize::{PackConfig, Packer};
/// let mut packer = Packer::new(PackConfig::new(4).with_bos(Some(1)).with_eos(Some(2)))?;
/// let mut out = packer.push(&[7, 8, 9]);
/// out.extend(packer.push(&[5]));
/// out.extend(packer.finish());
/// assert_eq!(out[0].input_ids, [1, 7, 8, 9]);
/// assert_eq!(out[1].input_ids, [2, 1, 5, 2]);
/// assert_eq!(out[1].segment_ids, [1, 2, 2, 2]);
/// # Ok::<(), dataprep_text::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Packer {
    config: PackConfig,
    current: PackedSequence,
    doc_in_seq: u32,
}

impl Packer {
    /// A packer.
    ///
    /// # Errors
    /// [`Error::Config`] when `seq_len` is 0.
    pub fn new(config: PackConfig) -> Result<Self> {
        if config.seq_len == 0 {
            return Err(Error::Config("seq_len must be > 0".into()));
        }
        Ok(Self {
            config,
            current: PackedSequence::default(),
            doc_in_seq: 0,
        })
    }

    /// Adds one document; returns the sequences it completed.
    pub fn push(&mut self, tokens: &[u32]) -> Vec<PackedSequence> {
        let mut done = Vec::new();
        let bos = self.config.bos;
        let eos = self.config.eos;
        let doc = bos.iter().chain(tokens).chain(eos.iter());
        self.doc_in_seq += 1;
        let mut pos = 0u32;
        for &t in doc {
            let cur = &mut self.current;
            cur.input_ids.push(t);
            cur.attention_mask.push(1);
            cur.segment_ids.push(self.doc_in_seq);
            cur.position_ids.push(pos);
            pos = pos.saturating_add(1);
            if cur.input_ids.len() == self.config.seq_len {
                done.push(std::mem::take(cur));
                self.doc_in_seq = 1;
            }
        }
        if self.current.input_ids.is_empty() {
            self.doc_in_seq = 0;
        }
        done
    }

    /// Ends packing: the last partial sequence, padded, or nothing when padding is off or the
    /// sequence is empty.
    pub fn finish(&mut self) -> Option<PackedSequence> {
        let mut cur = std::mem::take(&mut self.current);
        self.doc_in_seq = 0;
        let pad = self.config.pad?;
        if cur.input_ids.is_empty() {
            return None;
        }
        let missing = self.config.seq_len - cur.input_ids.len();
        cur.input_ids.extend(std::iter::repeat_n(pad, missing));
        cur.attention_mask.extend(std::iter::repeat_n(0, missing));
        cur.segment_ids.extend(std::iter::repeat_n(0, missing));
        cur.position_ids.extend(std::iter::repeat_n(0, missing));
        Some(cur)
    }
}

/// Packs a whole list of documents (see [`Packer`]).
///
/// # Errors
/// [`Error::Config`] when `seq_len` is 0.
pub fn pack<'a>(
    docs: impl IntoIterator<Item = &'a [u32]>,
    config: PackConfig,
) -> Result<Vec<PackedSequence>> {
    let mut packer = Packer::new(config)?;
    let mut out = Vec::new();
    for d in docs {
        out.extend(packer.push(d));
    }
    out.extend(packer.finish());
    Ok(out)
}

/// The element type of a token shard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenDtype {
    /// Little-endian `uint16` (vocabularies up to 65 536).
    Uint16,
    /// Little-endian `uint32`.
    Uint32,
}

impl TokenDtype {
    /// `uint16` when every id of a vocabulary of `vocab_size` fits, else `uint32`.
    pub fn for_vocab(vocab_size: usize) -> Self {
        if vocab_size <= 1 << 16 {
            TokenDtype::Uint16
        } else {
            TokenDtype::Uint32
        }
    }

    /// The numpy name (`uint16`, `uint32`).
    pub fn name(self) -> &'static str {
        match self {
            TokenDtype::Uint16 => "uint16",
            TokenDtype::Uint32 => "uint32",
        }
    }

    /// Bytes per token.
    pub fn size(self) -> usize {
        match self {
            TokenDtype::Uint16 => 2,
            TokenDtype::Uint32 => 4,
        }
    }

    fn write(self, out: &mut impl Write, ids: &[u32]) -> std::io::Result<()> {
        let mut buf = Vec::with_capacity(ids.len() * self.size());
        for &id in ids {
            match self {
                TokenDtype::Uint16 => {
                    let v = u16::try_from(id).map_err(|_| {
                        std::io::Error::new(
                            std::io::ErrorKind::InvalidData,
                            TokenOverflowMarker(id),
                        )
                    })?;
                    buf.extend_from_slice(&v.to_le_bytes());
                }
                TokenDtype::Uint32 => buf.extend_from_slice(&id.to_le_bytes()),
            }
        }
        out.write_all(&buf)
    }
}

#[derive(Debug)]
struct TokenOverflowMarker(u32);

impl std::fmt::Display for TokenOverflowMarker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "token id {} does not fit uint16", self.0)
    }
}

impl std::error::Error for TokenOverflowMarker {}

/// One document in a shard index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentEntry {
    /// The document id (the record key or id field).
    pub id: String,
    /// Shard number (index into [`ShardIndex::shards`]).
    pub shard: usize,
    /// Offset of the first token in the shard, in tokens.
    pub offset: u64,
    /// Number of tokens, EOS not counted.
    pub length: u64,
}

/// One shard file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardEntry {
    /// File name, relative to the index.
    pub file: String,
    /// Tokens in the file.
    pub tokens: u64,
}

/// The `index.json` of a directory of token shards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardIndex {
    /// Element type (`uint16` or `uint32`), little-endian.
    pub dtype: TokenDtype,
    /// The EOS id appended after each document, if any.
    pub eos: Option<u32>,
    /// The shard files.
    pub shards: Vec<ShardEntry>,
    /// Every document, in write order.
    pub documents: Vec<DocumentEntry>,
    /// Packed sequences, when written (see [`PackedIndex`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packed: Option<PackedIndex>,
}

/// Packed sequences stored next to the shards: row-major `[sequences, seq_len]` arrays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackedIndex {
    /// Tokens per sequence.
    pub seq_len: usize,
    /// Number of sequences.
    pub sequences: u64,
    /// `input_ids` file (the shard dtype).
    pub input_ids: String,
    /// `attention_mask` file (`uint8`).
    pub attention_mask: String,
    /// `segment_ids` file (`uint32`, document number within the sequence, 0 = padding).
    pub segment_ids: String,
    /// `position_ids` file (`uint32`).
    pub position_ids: String,
}

impl ShardIndex {
    /// Reads an `index.json`.
    ///
    /// # Errors
    /// [`Error::Io`] when it cannot be read, [`Error::Config`] when it is not a valid index.
    pub fn read(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        serde_json::from_str(&text)
            .map_err(|e| Error::Config(format!("{}: invalid index: {e}", path.display())))
    }

    /// Reads the tokens of document `i` from the shard files in `dir`.
    ///
    /// # Errors
    /// [`Error::Config`] when `i` is out of range or the shard is too short, [`Error::Io`] when
    /// the shard cannot be read.
    pub fn read_document(&self, dir: impl AsRef<Path>, i: usize) -> Result<Vec<u32>> {
        let d = self
            .documents
            .get(i)
            .ok_or_else(|| Error::Config(format!("document {i} out of range")))?;
        let shard = self
            .shards
            .get(d.shard)
            .ok_or_else(|| Error::Config(format!("shard {} out of range", d.shard)))?;
        let path = dir.as_ref().join(&shard.file);
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        let size = self.dtype.size();
        let start = usize::try_from(d.offset)
            .unwrap_or(usize::MAX)
            .saturating_mul(size);
        let len = usize::try_from(d.length)
            .unwrap_or(usize::MAX)
            .saturating_mul(size);
        let slice = bytes
            .get(start..start.saturating_add(len))
            .ok_or_else(|| Error::Config(format!("{}: shard too short", path.display())))?;
        Ok(match self.dtype {
            TokenDtype::Uint16 => slice
                .chunks_exact(2)
                .map(|c| u32::from(u16::from_le_bytes([c[0], c[1]])))
                .collect(),
            TokenDtype::Uint32 => slice
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        })
    }
}

/// Writes documents as flat little-endian token arrays (`shard_00000.bin`, …, each readable by
/// `numpy.memmap(path, dtype=…)`, nanoGPT/Megatron style) plus `index.json`.
///
/// Every file goes through [`dataprep_core::atomic::TempFile`] (a uniquely named temporary
/// sibling, fsynced and renamed into place); a writer dropped early leaves no `index.json` and no
/// temporary file. The writer has no resume: a rerun after a crash (even SIGKILL) writes the
/// whole output again — [`TokenShardWriter::create`] first removes the temporary files a dead
/// run of this layout left, and [`TokenShardWriter::finish`] removes higher-numbered shards of an
/// older, longer run — so the directory ends byte-identical to an uninterrupted run's.
///
/// ```
/// use dataprep_text::tokenize::{ShardIndex, TokenDtype, TokenShardWriter};
/// let dir = tempfile::tempdir()?;
/// let mut w = TokenShardWriter::create(dir.path(), TokenDtype::Uint16)?.with_eos(Some(0));
/// w.push("doc-1", &[5, 6, 7])?;
/// w.push("doc-2", &[8])?;
/// let index = w.finish()?;
/// assert_eq!(index.documents[1].offset, 4); // 3 tokens + EOS
/// assert_eq!(index.read_document(dir.path(), 1)?, [8]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct TokenShardWriter {
    dir: PathBuf,
    dtype: TokenDtype,
    eos: Option<u32>,
    max_shard_tokens: u64,
    current: Option<(BufWriter<File>, TempFile)>,
    index: ShardIndex,
}

const PACKED_FILES: [&str; 4] = [
    "packed_input_ids.bin",
    "packed_attention_mask.bin",
    "packed_segment_ids.bin",
    "packed_position_ids.bin",
];

/// The number of a shard file name `shard_NNNNN.bin`.
fn token_shard_number(name: &str) -> Option<usize> {
    let d = name.strip_prefix("shard_")?.strip_suffix(".bin")?;
    if d.len() >= 5 && d.bytes().all(|b| b.is_ascii_digit()) {
        d.parse().ok()
    } else {
        None
    }
}

impl TokenShardWriter {
    /// Creates `dir` if needed, removes the temporary files that a killed run left for this
    /// layout's files (`shard_NNNNN.bin`, `index.json`, `packed_*.bin`; see
    /// [`dataprep_core::atomic::remove_stale_temps`]) and starts writing.
    ///
    /// # Errors
    /// [`Error::Io`] when the directory cannot be created or listed.
    pub fn create(dir: impl Into<PathBuf>, dtype: TokenDtype) -> Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        remove_stale_temps(&dir, |n| {
            n == "index.json" || PACKED_FILES.contains(&n) || token_shard_number(n).is_some()
        })?;
        Ok(Self {
            dir,
            dtype,
            eos: None,
            max_shard_tokens: 1 << 30,
            current: None,
            index: ShardIndex {
                dtype,
                eos: None,
                shards: Vec::new(),
                documents: Vec::new(),
                packed: None,
            },
        })
    }

    /// Appends `eos` after every document (not counted in its length).
    #[must_use]
    pub fn with_eos(mut self, eos: Option<u32>) -> Self {
        self.eos = eos;
        self.index.eos = eos;
        self
    }

    /// Starts a new shard once a shard holds this many tokens (default 2³⁰); a document is
    /// never split across shards.
    #[must_use]
    pub fn with_max_shard_tokens(mut self, tokens: u64) -> Self {
        self.max_shard_tokens = tokens.max(1);
        self
    }

    fn io_err(&self, path: &Path, e: std::io::Error) -> Error {
        if let Some(m) = e
            .get_ref()
            .and_then(|r| r.downcast_ref::<TokenOverflowMarker>())
        {
            return Error::TokenOverflow {
                id: m.0,
                dtype: self.dtype.name(),
            };
        }
        Error::io(path, e)
    }

    /// Appends one document.
    ///
    /// # Errors
    /// [`Error::TokenOverflow`] when an id does not fit the dtype (nothing is written),
    /// [`Error::Io`] when writing fails.
    pub fn push(&mut self, id: &str, tokens: &[u32]) -> Result<()> {
        if self.dtype == TokenDtype::Uint16
            && let Some(&bad) = tokens.iter().chain(self.eos.iter()).find(|&&t| t > 0xFFFF)
        {
            return Err(Error::TokenOverflow {
                id: bad,
                dtype: self.dtype.name(),
            });
        }
        let need_new = match self.index.shards.last() {
            None => true,
            Some(s) => s.tokens > 0 && s.tokens >= self.max_shard_tokens,
        };
        if need_new {
            self.close_current()?;
            let name = format!("shard_{:05}.bin", self.index.shards.len());
            let (tmp, f) = TempFile::create(&self.dir.join(&name))?;
            self.current = Some((BufWriter::new(f), tmp));
            self.index.shards.push(ShardEntry {
                file: name,
                tokens: 0,
            });
        }
        let shard = self.index.shards.len() - 1;
        let dtype = self.dtype;
        let eos = self.eos;
        let (w, tmp) = self.current.as_mut().expect("a shard is open");
        let r = dtype
            .write(w, tokens)
            .and_then(|()| eos.map_or(Ok(()), |e| dtype.write(w, &[e])));
        if let Err(e) = r {
            let tmp = tmp.path().to_path_buf();
            return Err(self.io_err(&tmp, e));
        }
        let entry = &mut self.index.shards[shard];
        self.index.documents.push(DocumentEntry {
            id: id.to_owned(),
            shard,
            offset: entry.tokens,
            length: tokens.len() as u64,
        });
        entry.tokens += tokens.len() as u64 + u64::from(eos.is_some());
        Ok(())
    }

    fn close_current(&mut self) -> Result<()> {
        if let Some((w, tmp)) = self.current.take() {
            let f = w
                .into_inner()
                .map_err(|e| Error::io(tmp.path(), e.into_error()))?;
            tmp.commit(f)?;
        }
        Ok(())
    }

    /// Writes packed sequences as `packed_input_ids.bin` (the dtype), `packed_attention_mask.bin`
    /// (`uint8`), `packed_segment_ids.bin` and `packed_position_ids.bin` (`uint32`), each
    /// row-major `[sequences, seq_len]`, and records them in the index.
    ///
    /// # Errors
    /// [`Error::Config`] when a sequence has the wrong length, [`Error::TokenOverflow`],
    /// [`Error::Io`].
    pub fn write_packed(&mut self, seq_len: usize, sequences: &[PackedSequence]) -> Result<()> {
        if let Some(bad) = sequences.iter().find(|s| s.input_ids.len() != seq_len) {
            return Err(Error::Config(format!(
                "packed sequence of {} tokens, expected {seq_len}",
                bad.input_ids.len()
            )));
        }
        let files = PACKED_FILES;
        for (k, name) in files.iter().enumerate() {
            let path = self.dir.join(name);
            let mut buf: Vec<u8> = Vec::new();
            let r = sequences.iter().try_for_each(|s| match k {
                0 => self.dtype.write(&mut buf, &s.input_ids),
                1 => buf.write_all(&s.attention_mask),
                2 => TokenDtype::Uint32.write(&mut buf, &s.segment_ids),
                _ => TokenDtype::Uint32.write(&mut buf, &s.position_ids),
            });
            r.map_err(|e| self.io_err(&path, e))?;
            write_atomic(&path, &buf)?;
        }
        self.index.packed = Some(PackedIndex {
            seq_len,
            sequences: sequences.len() as u64,
            input_ids: files[0].into(),
            attention_mask: files[1].into(),
            segment_ids: files[2].into(),
            position_ids: files[3].into(),
        });
        Ok(())
    }

    /// Closes the last shard, removes shard files numbered past it (left by an older, longer
    /// run in the same directory) and writes `index.json`; returns the index.
    ///
    /// # Errors
    /// [`Error::Io`] when flushing, renaming, removing or writing the index fails.
    pub fn finish(mut self) -> Result<ShardIndex> {
        self.close_current()?;
        let n = self.index.shards.len();
        let rd = std::fs::read_dir(&self.dir).map_err(|e| Error::io(&self.dir, e))?;
        for e in rd {
            let e = e.map_err(|e| Error::io(&self.dir, e))?;
            let stale = e
                .file_name()
                .to_str()
                .and_then(token_shard_number)
                .is_some_and(|i| i >= n);
            if stale {
                let p = e.path();
                std::fs::remove_file(&p).map_err(|err| Error::io(&p, err))?;
            }
        }
        let json = serde_json::to_vec_pretty(&self.index)
            .map_err(|e| Error::Config(format!("serialising the index: {e}")))?;
        write_atomic(&self.dir.join("index.json"), &json)?;
        Ok(self.index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_boundaries() {
        let docs: Vec<&[u32]> = vec![&[10, 11, 12, 13, 14], &[20]];
        let seqs = pack(docs, PackConfig::new(3).with_eos(Some(0))).unwrap();
        let flat: Vec<u32> = seqs.iter().flat_map(|s| s.input_ids.clone()).collect();
        assert_eq!(flat, [10, 11, 12, 13, 14, 0, 20, 0, 0]);
        assert_eq!(seqs[1].position_ids, [3, 4, 5]);
        assert_eq!(seqs[2].attention_mask, [1, 1, 0]);
        assert_eq!(seqs[2].segment_ids, [1, 1, 0]);
        let dropped = pack(vec![&[1u32, 2][..]], PackConfig::new(4).with_pad(None)).unwrap();
        assert!(dropped.is_empty());
        assert!(Packer::new(PackConfig::new(0)).is_err());
    }

    #[test]
    fn stats() {
        let mut s = TokenStats::default();
        s.add(3);
        s.add(1);
        assert_eq!((s.min, s.max, s.tokens), (1, 3, 4));
        assert!((s.mean() - 2.0).abs() < 1e-12);
    }
}
