//! Quickstart: a small text pipeline from JSONL to Parquet.
//!
//! ```text
//! cargo run --release -p dataprep --example quickstart                      # bundled sample
//! cargo run --release -p dataprep --example quickstart -- \
//!     --input docs.jsonl[.gz|.zst] --output out/ [--text-field text] [--min-words 5] \
//!     [--threads N] [--batch-size N]
//! ```
//!
//! Stages: Unicode/mojibake normalisation (NFC, ftfy-style repair, control characters) → whitespace
//! normalisation (paragraphs kept) → language identification (`language` field, confidence as the
//! score `scores.langid.confidence`) → drop documents with fewer than `--min-words` words (the word
//! count is kept as a score) → drop exact duplicates of the normalised text (first one wins).
//!
//! Output layout in `--output` (default `target/quickstart`):
//! - `data.parquet`    kept documents (zstd), all input fields plus `language` and `scores`
//! - `dropped.jsonl`   dropped documents with `_reject_stage`, `_reject_reason`, `_reject_key`
//! - `rejected.jsonl`  records that failed (bad JSON, missing field) with the stage and the reason
//! - `summary.json`    per-stage counters (in, out, dropped by reason, failed, bytes, seconds)
//!
//! The per-stage summary is printed at the end; `read = written + dropped + failed` always holds.

use std::error::Error;
use std::path::PathBuf;

use dataprep::prelude::*;
use dataprep::storage::{JsonlReader, JsonlWriter, ParquetReader, ParquetWriter};
use dataprep::text::langid::{LanguageIdConfig, LanguageIdStage};
use dataprep::text::normalize::{NormalizeConfig, NormalizeStage};

const SAMPLE: &str = include_str!("data/quickstart.jsonl");

#[derive(Debug)]
struct Args {
    input: Option<PathBuf>,
    output: PathBuf,
    text_field: String,
    min_words: usize,
    threads: Option<usize>,
    batch_size: usize,
}

fn parse_args() -> Result<Args, Box<dyn Error>> {
    let mut args = Args {
        input: None,
        output: PathBuf::from("target/quickstart"),
        text_field: "text".into(),
        min_words: 5,
        threads: None,
        batch_size: 1024,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--input" => args.input = Some(value()?.into()),
            "--output" => args.output = value()?.into(),
            "--text-field" => args.text_field = value()?,
            "--min-words" => args.min_words = value()?.parse()?,
            "--threads" => args.threads = Some(value()?.parse()?),
            "--batch-size" => args.batch_size = value()?.parse()?,
            "-h" | "--help" => {
                println!(
                    "usage: quickstart [--input FILE.jsonl[.gz|.zst]|FILE.parquet] [--output DIR] \
                     [--text-field NAME] [--min-words N] [--threads N] [--batch-size N]"
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other} (try --help)").into()),
        }
    }
    Ok(args)
}

/// Trims every line, folds runs of spaces and tabs into one space, and keeps at most one blank
/// line between paragraphs.
fn normalize_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_run = 0;
    for line in text.lines() {
        let mut words = line.split_whitespace();
        match words.next() {
            None => blank_run += 1,
            Some(first) => {
                if !out.is_empty() {
                    out.push_str(if blank_run > 0 { "\n\n" } else { "\n" });
                }
                blank_run = 0;
                out.push_str(first);
                for w in words {
                    out.push(' ');
                    out.push_str(w);
                }
            }
        }
    }
    out
}

fn main() -> Result<(), Box<dyn Error>> {
    let args = parse_args()?;
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
    let is_parquet = input.extension().is_some_and(|e| e == "parquet");
    let source: Box<dyn IterableDataset> = if is_parquet {
        Box::new(ParquetReader::new(&input).build()?)
    } else {
        Box::new(JsonlReader::new(&input).build()?)
    };

    let field = args.text_field.clone();
    let config = serde_json::json!({ "field": field });
    let normalize = MapStage::new(
        "normalize_whitespace",
        config,
        move |r: &mut Record, _: &Context| {
            let text = normalize_whitespace(r.str(&field)?);
            r.set(field.as_str(), text);
            Ok(())
        },
    );
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

    let unicode =
        NormalizeStage::new(NormalizeConfig::default()).with_field(args.text_field.clone());
    let mut langid_config = LanguageIdConfig::default();
    langid_config.field = args.text_field.clone();
    let langid = LanguageIdStage::new(langid_config);

    let mut pipeline = Pipeline::new(source)
        .with_name("quickstart")
        .stage(unicode)
        .stage(normalize)
        .stage(langid)
        .stage(short)
        .stateful(dataprep::core::stages::Distinct::new(
            args.text_field.clone(),
        ))
        .sink(ParquetWriter::new(args.output.join("data.parquet")).build()?)
        .dropped(JsonlWriter::new(args.output.join("dropped.jsonl")).build()?)
        .rejects(JsonlWriter::new(args.output.join("rejected.jsonl")).build()?)
        .with_batch_size(args.batch_size);
    if let Some(t) = args.threads {
        pipeline = pipeline.with_threads(t);
    }
    let summary = pipeline.run()?;
    summary.write_json(args.output.join("summary.json"))?;

    println!("input:  {}", input.display());
    println!("output: {}", args.output.display());
    println!("{summary}");
    for name in [
        "data.parquet",
        "dropped.jsonl",
        "rejected.jsonl",
        "summary.json",
    ] {
        println!("  wrote {}", args.output.join(name).display());
    }
    assert!(summary.is_balanced(), "counts must add up");
    Ok(())
}
