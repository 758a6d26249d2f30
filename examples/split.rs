//! Split a table for training: a stratified k-fold `fold` column and/or a stratified train/test
//! `split` column, written next to the input rows, with a class-balance report and the record of
//! the split.
//!
//! ```text
//! cargo run --release -p dataprep --example split                      # generated sample data
//! cargo run --release -p dataprep --example split -- \
//!     --input table.(parquet|jsonl[.gz|.zst]) --label COL [--group COL] [--k 5] [--test 0.2] \
//!     [--shuffle] [--seed S] --output DIR
//! ```
//!
//! `--help` lists the flags and their defaults; `RUST_LOG` sets the log level (default `info`,
//! on stderr).
//!
//! - `fold` (unless `--k 0`): stratified k-fold test fold of every row. Without `--shuffle` it is
//!   exactly scikit-learn's `StratifiedKFold(n_splits=k, shuffle=False)` assignment; with
//!   `--group`, `StratifiedGroupKFold` (no group in two folds). `--shuffle` shuffles with `--seed`.
//! - `split` (with `--test F`): stratified `train`/`test` split with scikit-learn's sizes
//!   (`n_test = ceil(F × n)`) and per-class counts, drawn with `--seed` (default 0); with
//!   `--group`, no group in both splits (use duplicate-cluster ids to keep duplicates together).
//!
//! Output layout in `--output` (default `target/split`):
//! - `split.parquet`  the input rows, in input order, plus the `fold` and/or `split` columns
//! - `report.json`    rows and class counts and fractions per fold and per split
//! - `split.json`     the record of the split: methods, parameters, seed, digests (replayable)
//!
//! Without `--input`, a 1,000-row synthetic labelled table is written to
//! `target/split/sample.parquet` and split with `--k 5 --test 0.2`.

#[path = "common/cli.rs"]
pub(crate) mod cli;

use std::error::Error;
use std::path::PathBuf;

use clap::{CommandFactory, Parser};

use dataprep::core::{Record, Value};
use dataprep::split::{
    Method, SplitRecord, SplitSpec, Splits, Splitter, StratifiedGroupKFold, StratifiedKFold,
};
use dataprep::storage::{read_jsonl, read_parquet, write_parquet};

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "split",
    version,
    about = "Split a table for training: a stratified k-fold `fold` column and/or a stratified \
             train/test `split` column (scikit-learn's assignments), a class-balance report and \
             the replayable record of the split.",
    after_help = "Without --input it splits a generated 1,000-row table with --k 5 --test 0.2. \
                  Log level: RUST_LOG (default info), on stderr."
)]
pub(crate) struct Args {
    /// Parquet or JSONL (plain, .gz, .zst) table [default: a generated sample]
    #[arg(long, value_name = "FILE")]
    pub(crate) input: Option<PathBuf>,
    /// The label column to stratify on
    #[arg(long, value_name = "COL", default_value = "label")]
    pub(crate) label: String,
    /// A group column: no group in two folds or in both splits [default: none]
    #[arg(long, value_name = "COL")]
    pub(crate) group: Option<String>,
    /// Folds of the `fold` column (0: no fold column)
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub(crate) k: usize,
    /// Test fraction of the train/test `split` column [default: none; 0.2 for the sample]
    #[arg(long, value_name = "F")]
    pub(crate) test: Option<f64>,
    /// Shuffle the folds with --seed (without it, StratifiedKFold(shuffle=False))
    #[arg(long)]
    pub(crate) shuffle: bool,
    /// Seed of the shuffled folds and of the train/test draw
    #[arg(long, value_name = "S", default_value_t = 0)]
    pub(crate) seed: u64,
    /// Output folder
    #[arg(long, value_name = "DIR", default_value = "target/split")]
    pub(crate) output: PathBuf,
}

impl Args {
    /// Checks what one flag cannot: there is something to do.
    pub(crate) fn validate(&self) -> Result<(), clap::Error> {
        if self.k == 0 && self.test.is_none() {
            return Err(Args::command().error(
                clap::error::ErrorKind::MissingRequiredArgument,
                "nothing to do: give --k N (N >= 2) and/or --test F",
            ));
        }
        Ok(())
    }
}

fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// 1,000 rows: an id, a text, an imbalanced label (cat 60%, dog 30%, bird 10%), a user id (200
/// users: a natural group) and a duplicate-cluster id for one row in twenty (null otherwise).
fn sample_records() -> Vec<Record> {
    (0..1000u64)
        .map(|i| {
            let u = splitmix64(i) % 100;
            let label = match u {
                0..=59 => "cat",
                60..=89 => "dog",
                _ => "bird",
            };
            let dup = if i % 20 == 7 {
                Value::Str(format!("cluster-{}", (i / 20) % 25))
            } else {
                Value::Null
            };
            Record::new()
                .with("id", format!("row-{i:04}"))
                .with("text", format!("a picture of a {label}, number {i}"))
                .with("label", label)
                .with("user", (splitmix64(i ^ 0xABCD) % 200) as i64)
                .with("dup_cluster", dup)
        })
        .collect()
}

fn main() -> std::process::ExitCode {
    cli::exit_code(try_main())
}

fn try_main() -> Result<(), Box<dyn Error>> {
    cli::init_tracing();
    let mut args = Args::parse();
    cli::require_input(args.input.as_deref())?;
    if let Err(e) = args.validate() {
        e.exit();
    }
    std::fs::create_dir_all(&args.output)?;
    let input = match &args.input {
        Some(p) => p.clone(),
        None => {
            let p = PathBuf::from("target/split/sample.parquet");
            std::fs::create_dir_all("target/split")?;
            write_parquet(&p, &sample_records())?;
            args.test.get_or_insert(0.2);
            p
        }
    };
    let name = input.to_string_lossy();
    let mut records = if name.ends_with(".parquet") {
        read_parquet(&input)?
    } else {
        read_jsonl(&input)?
    };
    println!("input:  {} ({} rows)", input.display(), records.len());

    let mut specs = Vec::new();
    if args.k > 0 {
        let method = match &args.group {
            None => {
                let mut skf = StratifiedKFold::new(args.k);
                if args.shuffle {
                    skf = skf.shuffled(args.seed);
                }
                Method::StratifiedKFold(skf)
            }
            Some(_) => {
                let mut sgkf = StratifiedGroupKFold::new(args.k);
                if args.shuffle {
                    sgkf = sgkf.shuffled(args.seed);
                }
                Method::StratifiedGroupKFold(sgkf)
            }
        };
        specs.push(SplitSpec::new("fold", method));
    }
    if let Some(test) = args.test {
        let splitter = Splitter::new(Splits::train_test(test)).with_seed(args.seed);
        let method = match &args.group {
            None => Method::StratifiedSplit(splitter),
            Some(_) => Method::StratifiedGroupSplit(splitter),
        };
        specs.push(SplitSpec::new("split", method));
    }

    let mut record = SplitRecord::new(records.len()).with_input(name.as_ref());
    let mut report = serde_json::Map::new();
    report.insert("rows".into(), records.len().into());
    report.insert("label".into(), args.label.clone().into());
    for spec in specs {
        let mut spec = spec.with_label(&args.label);
        if let Some(g) = &args.group {
            spec = spec.with_group(g);
        }
        let rec = spec.apply(&mut records)?;
        println!("\n{} column ({}):", spec.column, spec.method.name());
        print!("{}", rec.balance);
        for w in &rec.warnings {
            println!("warning: {w}");
        }
        report.insert(spec.column.clone(), serde_json::to_value(&rec.balance)?);
        record.push(rec);
    }

    let data = args.output.join("split.parquet");
    write_parquet(&data, &records)?;
    let report_path = args.output.join("report.json");
    std::fs::write(
        &report_path,
        serde_json::to_vec_pretty(&serde_json::Value::Object(report))?,
    )?;
    let record_path = args.output.join("split.json");
    record.write_json(&record_path)?;

    // The record replays: the same spec on the same rows gives the same assignment.
    for a in &record.assignments {
        assert!(a.verify(&records)?, "{} does not replay", a.spec.column);
    }
    println!();
    for p in [&data, &report_path, &record_path] {
        println!("  wrote {}", p.display());
    }
    Ok(())
}
