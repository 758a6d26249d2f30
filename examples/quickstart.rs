//! Quickstart: the full text pipeline, from JSONL or Parquet to filtered, deduplicated, redacted,
//! tokenized and split training data with token shards.
//!
//! ```text
//! cargo run --release -p dataprep --example quickstart                      # bundled sample
//! cargo run --release -p dataprep --example quickstart -- \
//!     --input docs.jsonl[.gz|.zst]|docs.parquet --output out/ [--text-field text] \
//!     [--min-words 5] [--threads N] [--batch-size N] \
//!     [--tokenizer tokenizer.json | --vocab-size 4096] [--split train=0.9,validation=0.1] \
//!     [--langid whatlang|lingua|hybrid]
//! ```
//!
//! `--help` lists the flags and their defaults; `RUST_LOG` sets the log level (default `info`,
//! on stderr).
//!
//! Stages, in order:
//! 1. Unicode/mojibake normalisation (NFC, ftfy-style repair, control characters) and
//!    whitespace folding (paragraphs kept): dataprep-text's `NormalizeStage`.
//! 2. Language identification: `language` field, confidence as the score
//!    `scores.langid.confidence` (labels only; nothing is dropped by language), with the backend
//!    of `--langid` (default: dataprep-text's default, `hybrid` with the facade's `lingua`
//!    feature, which `scripts/dev example` turns on, and `whatlang` without it).
//! 3. `min_words`: drop documents with fewer than `--min-words` words (count kept as a score).
//! 4. The heuristic quality filters of dataprep-quality with datatrove's English defaults, in this
//!    order: `gopher_quality`, `gopher_repetition`, `c4_quality` (which also removes the lines C4
//!    removes), `fineweb_quality`; every measured value is kept as `scores.<filter>.<score>`.
//! 5. `exact_dedup`: drop later copies of the same normalised text (dataprep-quality's
//!    `ExactDedupStage`; `exact_cluster` names the kept copy).
//! 6. `near_dedup`: MinHash near-dedup with the datatrove preset (word 5-grams, 14 bands × 8
//!    rows), in memory and in input order: a document sharing a band with an earlier one is
//!    dropped; `near_cluster` names the first document of its cluster.
//! 7. `pii`: e-mail addresses, phone numbers, IPs, card numbers, IBANs, … replaced by typed
//!    placeholders (`<EMAIL>`, `<PHONE>`, …); counts as `scores.pii.<kind>`.
//! 8. `tokenize`: token ids in `tokens` (count as `scores.tokenize.tokens`). Without
//!    `--tokenizer`, a byte-level BPE of `--vocab-size` tokens (default 4096) is first trained on
//!    the first 64 MiB of text that passes stages 1–7 (stages 1–7 run once over the start of
//!    the input, which is read once: the records of that start are kept in memory, at most
//!    256 MiB, and the main run takes them first; pre-tokens over 256 bytes are cut into chunks
//!    for training, see `TrainConfig`).
//! 9. `hash_split`: `split` column from a hash of the record key — the `id` field, or
//!    `<file name>:<line>` (JSONL) / `<file name>:<row>` (Parquet) for a record without one —
//!    with `--split` (default `train=0.9,validation=0.1`), so a document keeps its split across
//!    runs and thread counts.
//!
//! Output layout in `--output` (default `target/quickstart`):
//! - `data.parquet`    kept documents (zstd), all input fields plus `language`, `scores`,
//!   `exact_cluster`, `near_cluster`, `tokens` and `split`
//! - `dropped.jsonl`   dropped documents with `_reject_stage`, `_reject_reason`, `_reject_key`
//! - `rejected.jsonl`  records that failed (bad JSON, missing field) with the stage and the reason
//! - `summary.json`    per-stage counters (in, out, dropped by reason, failed, bytes, seconds)
//! - `tokenizer.json`  the tokenizer used (trained or loaded)
//! - `tokens/<split>/shard_00000.bin`, … + `index.json`: the kept documents' tokens of each split
//!   as flat little-endian ids with the tokenizer's EOS after each document, written by the same
//!   run as `data.parquet` (`index.json` gives dtype, EOS and per document `id`, `shard`,
//!   `offset`, `length`)
//!
//! The per-stage summary is printed at the end; `read = written + dropped + failed` always holds.

#[path = "common/cli.rs"]
pub(crate) mod cli;

use std::error::Error;
use std::path::PathBuf;

use clap::Parser;
use clap::builder::{PossibleValuesParser, TypedValueParser};

use dataprep::prelude::*;
use dataprep::quality::dedup::minhash::{MinHashConfig, StreamingNearDedupStage};
use dataprep::quality::dedup::{ExactDedupConfig, ExactDedupStage};
use dataprep::quality::filters::{
    C4Quality, FineWebQuality, GopherQuality, GopherRepetition, QualityFilter,
};
use dataprep::quality::pii::{PiiConfig, PiiStage};
use dataprep::split::{HashSplit, HashSplitStage};
use dataprep::storage::{JsonlWriter, ParquetWriter};
use dataprep::text::langid::{Backend, LanguageIdConfig, LanguageIdStage};
use dataprep::text::normalize::{NormalizeConfig, NormalizeStage};
use dataprep::text::tokenize::{
    EncodeConfig, EncodeStage, ModelKind, ShardIndex, TextTokenizer, TokenDtype, TokenShardSink,
    TrainConfig, TrainReport, TrainSample,
};

const SAMPLE: &str = include_str!("data/quickstart.jsonl");

/// The command line.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "quickstart",
    version,
    about = "The full text pipeline: JSONL or Parquet → normalise → language → quality filters → \
             exact and near dedup → PII → tokenize → split → Parquet and token shards per split.",
    after_help = "Without --input it runs on a bundled sample. Log level: RUST_LOG (default info), \
                  on stderr."
)]
pub(crate) struct Args {
    /// JSONL (plain, .gz, .zst) or Parquet input [default: the bundled sample]
    #[arg(long, value_name = "FILE")]
    pub(crate) input: Option<PathBuf>,
    /// Output folder
    #[arg(long, value_name = "DIR", default_value = "target/quickstart")]
    pub(crate) output: PathBuf,
    /// The text field
    #[arg(long, value_name = "NAME", default_value = "text")]
    pub(crate) text_field: String,
    /// Drop documents with fewer words
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub(crate) min_words: usize,
    /// Worker threads [default: one per core]
    #[arg(long, value_name = "N")]
    pub(crate) threads: Option<usize>,
    /// Records in flight per batch
    #[arg(long, value_name = "N", default_value_t = 1024)]
    pub(crate) batch_size: usize,
    /// A tokenizer.json to use instead of training a BPE on the input [default: train one]
    #[arg(long, value_name = "FILE", conflicts_with = "vocab_size")]
    pub(crate) tokenizer: Option<PathBuf>,
    /// Vocabulary size of the BPE trained on the input (without --tokenizer)
    #[arg(long, value_name = "N", default_value_t = 4096)]
    pub(crate) vocab_size: usize,
    /// Splits and their fractions, hashed from the record key
    #[arg(
        long = "split",
        value_name = "NAME=F,...",
        default_value = "train=0.9,validation=0.1",
        value_parser = parse_splits
    )]
    pub(crate) splits: ::std::vec::Vec<(String, f64)>,
    // The help names the library's default backend.
    #[arg(long, value_name = "BACKEND", value_parser = langid_backend(), help = langid_help())]
    pub(crate) langid: Option<Backend>,
}

impl Default for Args {
    /// The defaults of the command line, as with no arguments.
    fn default() -> Self {
        Args::parse_from(["quickstart"])
    }
}

/// Parses `train=0.9,validation=0.1`.
fn parse_splits(s: &str) -> Result<Vec<(String, f64)>, String> {
    s.split(',')
        .map(|part| {
            let (name, f) = part
                .split_once('=')
                .ok_or_else(|| format!("want NAME=FRACTION, got `{part}`"))?;
            let f = f
                .trim()
                .parse()
                .map_err(|e| format!("`{part}`: fraction: {e}"))?;
            Ok((name.trim().to_owned(), f))
        })
        .collect()
}

/// One of [`Backend::NAMES`], parsed by the library (which names the missing feature).
fn langid_backend() -> impl TypedValueParser<Value = Backend> {
    PossibleValuesParser::new(Backend::NAMES).try_map(|name| name.parse::<Backend>())
}

/// The `--langid` help, with the library's default backend.
fn langid_help() -> String {
    format!(
        "Language-ID backend: whatlang, lingua, or hybrid (whatlang when reliable, else lingua; \
         lingua and hybrid need the `lingua` feature) [default: {}, the library's default]",
        Backend::default().name()
    )
}

/// What a run produced.
#[derive(Debug)]
pub(crate) struct Report {
    /// The input read (the bundled sample is written to `DIR/sample-input.jsonl`).
    pub(crate) input: PathBuf,
    /// The pipeline's counters.
    pub(crate) summary: Summary,
    /// The token shard index of each split, in `--split` order.
    pub(crate) shards: Vec<(String, ShardIndex)>,
    /// What tokenizer training saw (`None` with `--tokenizer`).
    pub(crate) train: Option<TrainReport>,
    /// Kept documents in no split (fractions summing to less than 1): in `data.parquet` with a
    /// null `split`, in no token shard.
    pub(crate) without_split: u64,
}

/// Bytes of cleaned text a tokenizer is trained on (the first records that pass stages 1–7).
const TRAIN_SAMPLE_BYTES: u64 = 64 << 20;

/// The tokenizer: loaded from `--tokenizer`, or a byte-level BPE trained on the first
/// [`TRAIN_SAMPLE_BYTES`] of text that passes the cleaning stages (1–7, run over the head of the
/// input until the sample is full); what training saw is returned with it.
fn tokenizer(
    args: &Args,
    input: &ReadOnce<'_>,
) -> Result<(TextTokenizer, Option<TrainReport>), Box<dyn Error>> {
    if let Some(path) = &args.tokenizer {
        return Ok((TextTokenizer::from_file(path)?, None));
    }
    let mut sample = TrainSample::new(&args.text_field, TRAIN_SAMPLE_BYTES);
    let source = sample.until_full(input.head());
    let mut pipeline = clean(Pipeline::new(source), args)?
        .with_name("quickstart_train_sample")
        .with_progress(false)
        .with_batch_size(args.batch_size);
    if let Some(t) = args.threads {
        pipeline = pipeline.with_threads(t);
    }
    pipeline.sink(&mut sample).run()?;
    let config =
        TrainConfig::new(ModelKind::Bpe, args.vocab_size).with_max_sample_bytes(TRAIN_SAMPLE_BYTES);
    let (tokenizer, report) = TextTokenizer::train_with_report(&config, sample.texts())?;
    Ok((tokenizer, Some(report)))
}

/// Adds the cleaning stages 1–7 (normalisation, language ID, filters, dedup, PII).
fn clean<'a>(pipeline: Pipeline<'a>, args: &Args) -> Result<Pipeline<'a>, Box<dyn Error>> {
    let field = args.text_field.clone();
    let min_words = args.min_words;
    let short = FilterStage::new(
        "min_words",
        serde_json::json!({ "field": field, "min_words": min_words }),
        move |r: &mut Record, cx: &Context| {
            let words = r.str(&field)?.split_whitespace().count();
            r.set_score(cx.stage(), "words", words as f64);
            Ok(if words >= min_words {
                Decision::Keep
            } else {
                Decision::drop("too_short")
            })
        },
    );

    let text = args.text_field.as_str();
    let normalize = NormalizeConfig::default().with_fold_whitespace(true);
    let mut langid = LanguageIdConfig::default().with_field(text);
    if let Some(backend) = args.langid {
        langid = langid.with_backend(backend);
    }
    Ok(pipeline
        .stage(NormalizeStage::new(normalize).with_field(text))
        .stage(LanguageIdStage::new(langid))
        .stage(short)
        .stage(GopherQuality::default().stage().with_field(text))
        .stage(GopherRepetition::default().stage().with_field(text))
        .stage(C4Quality::default().stage().with_field(text))
        .stage(FineWebQuality::default().stage().with_field(text))
        .stateful(ExactDedupStage::new(
            ExactDedupConfig::default().with_field(text),
        ))
        .stateful(StreamingNearDedupStage::new(MinHashConfig::datatrove())?.with_field(text))
        .stage(PiiStage::new(PiiConfig::default()).with_field(text)))
}

/// Runs the whole quickstart: the input is read once, by one pipeline that writes Parquet and
/// token shards (after a run over its head that trains the tokenizer, without `--tokenizer`).
pub(crate) fn run(args: &Args) -> Result<Report, Box<dyn Error>> {
    std::fs::create_dir_all(&args.output)?;
    let input = match &args.input {
        Some(p) => p.clone(),
        None => {
            // The bundled sample, written next to the outputs so the run is self-contained.
            let p = args.output.join("sample-input.jsonl");
            std::fs::write(&p, SAMPLE)?;
            p
        }
    };
    let split = HashSplit::new(args.splits.iter().map(|(n, f)| (n.as_str(), *f)))?;
    let reader = dataprep::storage::open(&input)?;
    let once = ReadOnce::new(&*reader)?.with_max_head_bytes(4 * TRAIN_SAMPLE_BYTES);
    let (tokenizer, train) = tokenizer(args, &once)?;
    tokenizer.save(args.output.join("tokenizer.json"))?;

    let dtype = TokenDtype::for_vocab(tokenizer.vocab_size());
    let mut tokens = TokenShardSink::new(args.output.join("tokens"), dtype)
        .with_route_field("split")
        .with_routes(args.splits.iter().map(|(name, _)| name.as_str()))
        .with_eos(tokenizer.eos_id());
    let parquet = ParquetWriter::new(args.output.join("data.parquet")).build()?;
    let encode = EncodeConfig::default().with_field(&args.text_field);
    let mut pipeline = clean(Pipeline::new(&once), args)?
        .with_name("quickstart")
        .stage(EncodeStage::new(encode, tokenizer))
        .stage(HashSplitStage::new(split))
        .sink(Tee::new().with(parquet).with(&mut tokens))
        .dropped(JsonlWriter::new(args.output.join("dropped.jsonl")).build()?)
        .rejects(JsonlWriter::new(args.output.join("rejected.jsonl")).build()?)
        .with_batch_size(args.batch_size);
    if let Some(t) = args.threads {
        pipeline = pipeline.with_threads(t);
    }
    let summary = pipeline.run()?;
    summary.write_json(args.output.join("summary.json"))?;
    let shards = args
        .splits
        .iter()
        .filter_map(|(name, _)| Some((name.clone(), tokens.indexes().get(name)?.clone())))
        .collect();
    Ok(Report {
        input,
        summary,
        shards,
        train,
        without_split: tokens.records_without_route(),
    })
}

fn main() -> std::process::ExitCode {
    cli::exit_code(try_main())
}

fn try_main() -> Result<(), Box<dyn Error>> {
    cli::init_tracing();
    let args = Args::parse();
    cli::require_input(args.input.as_deref())?;
    let report = run(&args)?;
    let summary = &report.summary;

    println!("input:  {}", report.input.display());
    println!("output: {}", args.output.display());
    println!("{summary}");
    if let Some(t) = &report.train {
        println!(
            "tokenizer trained on {} texts, {} bytes{}; {} words, {} over the length bound (cut into {} chunks)",
            t.texts,
            t.bytes,
            if t.sample_truncated {
                " (sample bound reached)"
            } else {
                ""
            },
            t.words,
            t.long_words,
            t.long_word_chunks
        );
    }
    if report.without_split > 0 {
        println!(
            "{} kept documents are in no split (the fractions sum to less than 1): no tokens",
            report.without_split
        );
    }
    for (name, index) in &report.shards {
        let tokens: u64 = index.shards.iter().map(|s| s.tokens).sum();
        println!(
            "tokens/{name}: {} documents, {} shard(s), {tokens} tokens ({}, EOS {:?})",
            index.documents.len(),
            index.shards.len(),
            index.dtype.name(),
            index.eos
        );
    }
    for name in [
        "data.parquet",
        "dropped.jsonl",
        "rejected.jsonl",
        "summary.json",
        "tokenizer.json",
    ] {
        println!("  wrote {}", args.output.join(name).display());
    }
    for (name, _) in &report.shards {
        println!(
            "  wrote {}",
            args.output
                .join("tokens")
                .join(name)
                .join("index.json")
                .display()
        );
    }
    assert!(summary.is_balanced(), "counts must add up");
    Ok(())
}
