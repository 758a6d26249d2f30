//! Tokenize a JSONL corpus into flat token shards (nanoGPT/Megatron style) and Parquet.
//!
//! ```text
//! cargo run --release -p dataprep --example tokenize                       # generated sample, small BPE
//! cargo run --release -p dataprep --example tokenize -- \
//!     --input FILE.jsonl[.gz|.zst] --output DIR \
//!     (--tokenizer tokenizer.json | --train bpe|wordpiece|unigram --vocab-size N) \
//!     [--seq-len N] [--text-field text] [--normalize]
//! ```
//!
//! `--help` lists the flags and their defaults; `RUST_LOG` sets the log level (default `info`,
//! on stderr).
//!
//! The `text` field is encoded as it is (the tokenizer's own normaliser aside); `--normalize`
//! applies `dataprep_text::normalize` with its defaults (mojibake, control characters, NFC) first.
//!
//! Output layout in `DIR` (default `target/tokenize`):
//! - `tokenizer.json`        the tokenizer used (loaded or trained)
//! - `shard_00000.bin`, …    flat little-endian token ids, EOS after each document;
//!   `numpy.memmap(path, dtype=index["dtype"], mode="r")`
//! - `index.json`            dtype, EOS id, shards, and for every document its `id`, `shard`,
//!   token `offset` and `length` (EOS not counted)
//! - `tokens.parquet`        one row per document: `id`, `input_ids` (list of uint)
//! - with `--seq-len N`: `packed_input_ids.bin` (dtype), `packed_attention_mask.bin` (uint8),
//!   `packed_segment_ids.bin`, `packed_position_ids.bin` (uint32), each `[sequences, N]`,
//!   described under `packed` in `index.json`; documents are `[BOS] tokens EOS`.

#[path = "common/cli.rs"]
pub(crate) mod cli;

use std::error::Error;
use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use dataprep::prelude::*;
use dataprep::storage::{JsonlReader, write_parquet};
use dataprep::text::normalize::{NormalizeConfig, normalize};
use dataprep::text::tokenize::{
    ModelKind, PackConfig, Packer, TextTokenizer, TokenDtype, TokenShardWriter, TokenStats,
    TrainConfig,
};

/// The vocabulary size trained without `--vocab-size` (500 for the generated sample).
const DEFAULT_VOCAB: usize = 8000;

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "tokenize",
    version,
    about = "Tokenize a JSONL corpus into flat token shards (nanoGPT/Megatron style, numpy.memmap), \
             an index, Parquet and optionally packed sequences.",
    after_help = "Without --input it tokenizes a generated sample with a 500-token BPE and \
                  --seq-len 128. Log level: RUST_LOG (default info), on stderr."
)]
pub(crate) struct Args {
    /// JSONL input (plain, .gz, .zst) with an `id` and a text field; needs --tokenizer or --train
    /// [default: a generated sample]
    #[arg(long, value_name = "FILE", requires = "model")]
    pub(crate) input: Option<PathBuf>,
    /// Output folder
    #[arg(long, value_name = "DIR", default_value = "target/tokenize")]
    pub(crate) output: PathBuf,
    /// A tokenizer.json to use [default: none]
    #[arg(long, value_name = "FILE", group = "model")]
    pub(crate) tokenizer: Option<PathBuf>,
    /// Train a tokenizer of this kind on the input [default: none; bpe for the generated sample]
    #[arg(
        long,
        value_name = "MODEL",
        group = "model",
        ignore_case = true,
        value_parser = PossibleValuesParser::new(["bpe", "wordpiece", "unigram"])
            .try_map(|s| s.parse::<ModelKind>())
    )]
    pub(crate) train: Option<ModelKind>,
    /// Vocabulary size to train [default: 8000; 500 for the generated sample]
    #[arg(long, value_name = "N", conflicts_with = "tokenizer")]
    pub(crate) vocab_size: Option<usize>,
    /// Also pack sequences of N tokens ([BOS] tokens EOS) [default: none; 128 for the sample]
    #[arg(long, value_name = "N")]
    pub(crate) seq_len: Option<usize>,
    /// The text field
    #[arg(long, value_name = "NAME", default_value = "text")]
    pub(crate) text_field: String,
    /// Normalise the text first (mojibake, control characters, NFC)
    #[arg(long)]
    pub(crate) normalize: bool,
}

/// A small generated corpus for the no-argument run.
fn sample_corpus(path: &std::path::Path) -> Result<(), Box<dyn Error>> {
    let subjects = [
        "The river",
        "A small model",
        "Our tokenizer",
        "The mountain",
        "Every dataset",
    ];
    let verbs = ["carries", "learns", "splits", "shapes", "describes"];
    let objects = [
        "clean text",
        "long documents",
        "rare words",
        "the valley",
        "numbers like 3.14",
    ];
    let mut out = String::new();
    for i in 0..400usize {
        let sentences: Vec<String> = (0..(3 + i % 5))
            .map(|j| {
                format!(
                    "{} {} {}.",
                    subjects[(i + j) % 5],
                    verbs[(i * 3 + j) % 5],
                    objects[(i * 7 + j * 2) % 5]
                )
            })
            .collect();
        let rec = serde_json::json!({"id": format!("doc-{i:04}"), "text": sentences.join(" ")});
        out.push_str(&rec.to_string());
        out.push('\n');
    }
    std::fs::write(path, out)?;
    Ok(())
}

fn main() -> std::process::ExitCode {
    cli::exit_code(try_main())
}

fn try_main() -> Result<(), Box<dyn Error>> {
    cli::init_tracing();
    let mut args = Args::parse();
    cli::require_input(args.input.as_deref())?;
    std::fs::create_dir_all(&args.output)?;
    let input = match &args.input {
        Some(p) => p.clone(),
        None => {
            let p = args.output.join("sample.jsonl");
            sample_corpus(&p)?;
            if args.tokenizer.is_none() && args.train.is_none() {
                args.train = Some(ModelKind::Bpe);
                args.vocab_size.get_or_insert(500);
            }
            args.seq_len = args.seq_len.or(Some(128));
            p
        }
    };
    let reader = JsonlReader::new(&input).with_key_field("id").build()?;
    let norm = NormalizeConfig::default();
    let text_of = |rec: &Record| -> Result<String, Box<dyn Error>> {
        let t = rec.str(&args.text_field)?;
        Ok(if args.normalize {
            normalize(t, &norm).into_owned()
        } else {
            t.to_owned()
        })
    };

    // 1. The tokenizer.
    let started = Instant::now();
    let tokenizer = match (&args.tokenizer, args.train) {
        (Some(path), _) => TextTokenizer::from_file(path)?,
        (None, Some(kind)) => {
            let config = TrainConfig::new(kind, args.vocab_size.unwrap_or(DEFAULT_VOCAB));
            if args.normalize {
                let texts: Vec<String> = reader
                    .open(Shard::ALL)?
                    .filter_map(|r| r.ok().and_then(|rec| text_of(&rec).ok()))
                    .collect();
                TextTokenizer::train(&config, texts)?
            } else {
                TextTokenizer::train_from_dataset(&config, &reader, &args.text_field)?
            }
        }
        (None, None) => return Err("give --tokenizer or --train".into()),
    };
    tokenizer.save(args.output.join("tokenizer.json"))?;
    println!(
        "tokenizer: vocabulary {} ({:.2} s)",
        tokenizer.vocab_size(),
        started.elapsed().as_secs_f64()
    );

    // 2. Encode in parallel batches, write shards, Parquet and packed sequences.
    let find = |names: &[&str]| names.iter().find_map(|n| tokenizer.token_to_id(n));
    let eos = find(&["<|endoftext|>", "</s>", "[SEP]", "<eos>"]);
    let bos = find(&["<s>", "[CLS]", "<bos>"]);
    let dtype = TokenDtype::for_vocab(tokenizer.vocab_size());
    let mut writer = TokenShardWriter::create(&args.output, dtype)?.with_eos(eos);
    let mut packer = match args.seq_len {
        Some(n) => Some(Packer::new(
            PackConfig::new(n)
                .with_bos(bos)
                .with_eos(eos)
                .with_pad(eos.or(Some(0))),
        )?),
        None => None,
    };
    let mut packed = Vec::new();
    let mut rows = Vec::new();
    let mut stats = TokenStats::default();
    let mut failed = 0usize;
    let started = Instant::now();
    let mut records = reader.open(Shard::ALL)?.peekable();
    while records.peek().is_some() {
        let mut ids = Vec::new();
        let mut texts = Vec::new();
        for item in records.by_ref().take(1024) {
            match item
                .map_err(Box::<dyn Error>::from)
                .and_then(|rec| Ok((rec.key().to_owned(), text_of(&rec)?)))
            {
                Ok((id, text)) => {
                    ids.push(id);
                    texts.push(text);
                }
                Err(e) => {
                    failed += 1;
                    eprintln!("skipped: {e}");
                }
            }
        }
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        for (id, tokens) in ids.iter().zip(tokenizer.encode_batch(&refs)?) {
            stats.add(tokens.len());
            writer.push(id, &tokens)?;
            if let Some(p) = packer.as_mut() {
                packed.extend(p.push(&tokens));
            }
            rows.push(Record::new().with("id", id.as_str()).with(
                "input_ids",
                Value::List(tokens.iter().map(|&t| Value::UInt(u64::from(t))).collect()),
            ));
        }
    }
    if let (Some(p), Some(n)) = (packer.as_mut(), args.seq_len) {
        packed.extend(p.finish());
        writer.write_packed(n, &packed)?;
    }
    let index = writer.finish()?;
    write_parquet(args.output.join("tokens.parquet"), &rows)?;
    let secs = started.elapsed().as_secs_f64();

    println!("input:  {}", input.display());
    println!("output: {}", args.output.display());
    println!(
        "documents {} (failed {failed}), tokens {}, per document min {} mean {:.1} max {}, {:.0} tokens/s",
        stats.documents,
        stats.tokens,
        stats.min,
        stats.mean(),
        stats.max,
        stats.tokens as f64 / secs.max(1e-9)
    );
    println!(
        "dtype {}, {} shard(s), EOS {:?}, BOS {:?}",
        index.dtype.name(),
        index.shards.len(),
        eos,
        bos
    );
    if let Some(p) = &index.packed {
        println!("packed: {} sequences of {} tokens", p.sequences, p.seq_len);
    }
    Ok(())
}
