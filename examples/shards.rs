//! Shards: convert JSONL, Parquet or a folder of media files into numbered, crash-safe shards with a
//! manifest, and resume after a crash.
//!
//! ```text
//! cargo run --release -p dataprep --example shards                      # generated sample data
//! cargo run --release -p dataprep --example shards -- \
//!     --input docs.jsonl[.gz|.zst] | data.parquet | images/  \
//!     --output out/ | s3://bucket/prefix [--format webdataset|parquet|jsonl|hf] \
//!     [--prefix shard] [--max-records N] [--max-bytes B]
//! ```
//!
//! `--help` lists the flags and their defaults; `RUST_LOG` sets the log level (default `info`,
//! on stderr).
//!
//! `--output` (and `--input`) may be object-store URLs (`s3://bucket/prefix`, `gs://…`, `az://…`,
//! `file://…`) when built with the `object-store` feature (`--features dataprep/object-store`, or
//! `scripts/dev example shards …`, which builds with every feature); credentials and the endpoint
//! come from the usual variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`,
//! `AWS_ENDPOINT_URL`, `AWS_ALLOW_HTTP` for S3). Each shard is uploaded (multipart) as soon as it
//! is complete and the manifest is written after it, so an interrupted upload resumes too.
//!
//! Output in `--output` (default `target/shards-example/out`): `{prefix}-000000.{tar|parquet|
//! jsonl.zst}`, … and `manifest.json` (records, bytes, BLAKE3 and SHA-256 of every shard, and
//! the schema); WebDataset shards also get `{shard}.idx.json` for random access. Running the same command
//! again resumes: shards listed in the manifest whose checksum matches are kept and their records
//! skipped, so an interrupted conversion never leaves a truncated shard or a gap. The manifest
//! summary is printed at the end.
//!
//! `--format hf` writes the Hugging Face `datasets` layout instead: `data/train-{i:05}-of-{n:05}.
//! parquet` and a `README.md` dataset card (`datasets.load_dataset(DIR)` reads it); it is not
//! resumable.

#[path = "common/cli.rs"]
pub(crate) mod cli;

use std::error::Error;
use std::path::{Path, PathBuf};

use clap::Parser;
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};

use dataprep::prelude::*;
use dataprep::storage::sharded::{JsonlShards, ParquetShards, ShardFormat};
use dataprep::storage::{
    HfDatasetWriter, MediaFolder, ShardedWriter, WdsMapping, WebDatasetShards, is_url,
    write_parquet,
};

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "shards",
    version,
    about = "Convert JSONL, Parquet or a folder of media files into numbered, crash-safe shards \
             with a checksummed manifest; running the same command again resumes.",
    after_help = "Without --input it converts a generated 250-record dataset twice (the second run \
                  verifies and keeps every shard). URLs (s3://, gs://, az://, file://) need the \
                  `object-store` feature. Log level: RUST_LOG (default info), on stderr."
)]
pub(crate) struct Args {
    /// JSONL (plain, .gz, .zst), Parquet, a folder of media files, or a URL [default: a
    /// generated sample]
    #[arg(long, value_name = "FILE|DIR|URL")]
    pub(crate) input: Option<PathBuf>,
    /// Output folder or URL (s3://bucket/prefix, …)
    #[arg(
        long,
        value_name = "DIR|URL",
        default_value = "target/shards-example/out"
    )]
    pub(crate) output: PathBuf,
    /// Shard format (hf: the Hugging Face `datasets` layout, not resumable)
    #[arg(
        long,
        value_name = "FORMAT",
        default_value = "webdataset",
        value_parser = PossibleValuesParser::new([
            PossibleValue::new("webdataset").alias("wds"),
            PossibleValue::new("parquet"),
            PossibleValue::new("jsonl"),
            PossibleValue::new("hf"),
        ])
        .map(|f| if f == "wds" { "webdataset".to_owned() } else { f })
    )]
    pub(crate) format: String,
    /// Shard file name prefix
    #[arg(long, value_name = "P", default_value = "shard")]
    pub(crate) prefix: String,
    /// Records per shard [default: 10000; 100 for the generated sample]
    #[arg(long, value_name = "N")]
    pub(crate) max_records: Option<u64>,
    /// Bytes per shard [default: no limit]
    #[arg(long, value_name = "B")]
    pub(crate) max_bytes: Option<u64>,
}

/// Writes a small generated dataset (records with an image-like bytes field, a caption and a
/// label) and returns its path.
fn generate(dir: &Path) -> Result<PathBuf, Box<dyn Error>> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join("generated.parquet");
    let records: Vec<Record> = (0..250_u32)
        .map(|i| {
            let img: Vec<u8> = (0..64 + i % 50).map(|j| (i * 7 + j) as u8).collect();
            Record::new()
                .with("id", format!("sample{i:04}"))
                .with("jpg", img)
                .with("caption", format!("generated caption number {i}"))
                .with("label", i64::from(i % 5))
        })
        .collect();
    write_parquet(&path, &records)?;
    Ok(path)
}

fn source(input: &Path) -> Result<Box<dyn IterableDataset>, Box<dyn Error>> {
    Ok(if !is_url(input) && input.is_dir() {
        Box::new(MediaFolder::new(input).build()?)
    } else {
        dataprep::storage::open(input)?
    })
}

fn convert<F: ShardFormat>(
    args: &Args,
    input: &dyn IterableDataset,
    format: F,
) -> Result<(), Box<dyn Error>> {
    let mut writer = ShardedWriter::new(&args.output, format)
        .with_prefix(&args.prefix)
        .with_max_records(args.max_records)
        .with_max_bytes(args.max_bytes)
        .build()?;
    if writer.records_to_skip() > 0 {
        println!(
            "resuming: {} shards verified, skipping their {} records",
            writer.manifest().shards.len(),
            writer.records_to_skip()
        );
    }
    let summary = Pipeline::new(input).sink(&mut writer).run()?;
    println!(
        "read {}, written {}, failed {}",
        summary.read, summary.written, summary.failed
    );
    println!(
        "{}: {}",
        args.output.join("manifest.json").display(),
        writer.manifest()
    );
    Ok(())
}

fn convert_hf(args: &Args, input: &dyn IterableDataset) -> Result<(), Box<dyn Error>> {
    // Straight to the output, local or URL: the writer uploads the data files, then the card.
    let mut writer = HfDatasetWriter::new(&args.output)
        .with_max_records_per_shard(args.max_records.unwrap_or(100_000))
        .build()?;
    let summary = Pipeline::new(input).sink(&mut writer).run()?;
    println!(
        "read {}, written {}, failed {}",
        summary.read, summary.written, summary.failed
    );
    let card = read_card(&args.output)?;
    let yaml = card.split("---").nth(1).unwrap_or_default();
    println!("{}/README.md:\n---{yaml}---", args.output.display());
    Ok(())
}

/// The dataset card written to `out` (a directory or a URL).
fn read_card(out: &Path) -> Result<String, Box<dyn Error>> {
    if !is_url(out) {
        return Ok(std::fs::read_to_string(out.join("README.md"))?);
    }
    #[cfg(feature = "object-store")]
    {
        let store = dataprep::storage::object::ObjectStorage::open(&out.to_string_lossy())?;
        Ok(String::from_utf8(store.read("README.md")?)?)
    }
    #[cfg(not(feature = "object-store"))]
    Err(format!(
        "{}: URLs need the `object-store` feature (--features dataprep/object-store)",
        out.display()
    )
    .into())
}

fn main() -> std::process::ExitCode {
    cli::exit_code(try_main())
}

fn try_main() -> Result<(), Box<dyn Error>> {
    cli::init_tracing();
    let mut args = Args::parse();
    cli::require_input(args.input.as_deref())?;
    let generated = args.input.is_none();
    args.max_records
        .get_or_insert(if generated { 100 } else { 10_000 });
    let input = match args.input.clone() {
        Some(p) => p,
        None => generate(Path::new("target/shards-example"))?,
    };
    let ds = source(&input)?;
    let runs = if generated { 2 } else { 1 };
    for run in 0..runs {
        if run == 1 {
            println!("\nrunning again: every shard is verified and kept");
        }
        match args.format.as_str() {
            "webdataset" | "wds" => convert(
                &args,
                &*ds,
                WebDatasetShards {
                    mapping: WdsMapping::default().with_member("caption", "txt"),
                },
            )?,
            "parquet" => convert(&args, &*ds, ParquetShards::default())?,
            "jsonl" => convert(&args, &*ds, JsonlShards::default())?,
            "hf" => {
                convert_hf(&args, &*ds)?;
                break;
            }
            other => return Err(format!("unknown format {other}").into()),
        }
    }
    Ok(())
}
