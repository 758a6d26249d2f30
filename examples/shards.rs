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

use std::error::Error;
use std::path::{Path, PathBuf};

use dataprep::prelude::*;
use dataprep::storage::sharded::{JsonlShards, ParquetShards, ShardFormat};
use dataprep::storage::{
    HfDatasetWriter, MediaFolder, ParquetReader, ShardedWriter, WdsMapping, WebDatasetShards,
    is_url, write_parquet,
};

#[derive(Debug)]
struct Args {
    input: Option<PathBuf>,
    output: PathBuf,
    format: String,
    prefix: String,
    max_records: Option<u64>,
    max_bytes: Option<u64>,
}

fn parse_args() -> Result<Args, Box<dyn Error>> {
    let mut args = Args {
        input: None,
        output: PathBuf::from("target/shards-example/out"),
        format: "webdataset".into(),
        prefix: "shard".into(),
        max_records: Some(10_000),
        max_bytes: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--input" => args.input = Some(value()?.into()),
            "--output" => args.output = value()?.into(),
            "--format" => args.format = value()?,
            "--prefix" => args.prefix = value()?,
            "--max-records" => args.max_records = Some(value()?.parse()?),
            "--max-bytes" => args.max_bytes = Some(value()?.parse()?),
            "-h" | "--help" => {
                println!(
                    "usage: shards [--input FILE.jsonl[.gz|.zst]|FILE.parquet|DIR|URL] \
                     [--output DIR|s3://bucket/prefix] [--format webdataset|parquet|jsonl|hf] \
                     [--prefix P] [--max-records N] [--max-bytes B]"
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    Ok(args)
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
    let name = input.to_string_lossy().to_ascii_lowercase();
    Ok(if !is_url(input) && input.is_dir() {
        Box::new(MediaFolder::new(input).build()?)
    } else if name.ends_with(".parquet") {
        Box::new(ParquetReader::new(input).build()?)
    } else {
        Box::new(JsonlReader::new(input).build()?)
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

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = parse_args()?;
    let generated = args.input.is_none();
    let input = match args.input.clone() {
        Some(p) => p,
        None => {
            args.max_records = Some(100);
            generate(Path::new("target/shards-example"))?
        }
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
