//! Benchmarks of the training loader: throughput against a raw sequential read of the same shards.
//!
//! ```text
//! cargo bench -p dataprep-storage --bench loader
//! cargo run --release -p dataprep --example train_loader -- \
//!     --input target/bench-data/loader-wds --batch-size 256 --epochs 1     # peak memory
//! ```
//!
//! Two datasets are generated deterministically on first run under `target/bench-data/` (or
//! `$DATAPREP_BENCH_DATA`), as `ShardedWriter` output with a manifest:
//! - `loader-wds`: 16,384 WebDataset samples (an 8 KiB pseudo-random "image", a caption, a
//!   label) in 64 tar shards of 256 (≈ 140 MB);
//! - `loader-parquet`: 262,144 rows (a string id, 16 features as a list of floats, a label) in
//!   16 zstd Parquet shards of 16,384.
//!
//! `raw` reads every shard in file order with the format's reader on one consumer thread
//! (`WebDatasetReader` / `ParquetReader` over all the files), dropping the records; `loader`
//! reads one epoch of the [`Loader`] with its defaults (shard shuffle + 1,024-sample shuffle
//! buffer, 2 reader threads; batches of 256 / 1,024, every sample returned once);
//! `loader_unshuffled` turns shuffling off; `loader_buffer8192` uses an 8,192-sample shuffle
//! buffer; `loader_collate` also stacks a numeric field of every batch into an `ndarray`.

use std::hint::black_box;
use std::path::{Path, PathBuf};

mod common;
use common::{Rng, data_dir};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dataprep_core::{IterableDataset, Record, Sink, Value};
use dataprep_storage::sharded::{MANIFEST_FILE, Manifest, ParquetShards};
use dataprep_storage::{
    Loader, ParquetReader, ShardedWriter, WdsMapping, WebDatasetReader, WebDatasetShards,
};

const WDS_SAMPLES: usize = 16_384;
const PARQUET_ROWS: usize = 262_144;

/// The manifest of `dir` if it holds a complete dataset of `n` records.
fn existing(dir: &Path, n: usize) -> Option<Manifest> {
    let m = Manifest::read(dir.join(MANIFEST_FILE)).ok()?;
    (m.complete && m.total_records == n as u64 && m.verify(dir).is_empty()).then_some(m)
}

fn wds_mapping() -> WdsMapping {
    WdsMapping::default().with_member("caption", "txt")
}

fn wds_dataset() -> (PathBuf, Manifest) {
    let dir = data_dir().join("loader-wds");
    if let Some(m) = existing(&dir, WDS_SAMPLES) {
        return (dir, m);
    }
    let _ = std::fs::remove_dir_all(&dir);
    let mut w = ShardedWriter::new(
        &dir,
        WebDatasetShards {
            mapping: wds_mapping(),
        },
    )
    .with_max_records(Some(256))
    .build()
    .expect("writer");
    let mut rng = Rng(0x5eed);
    for i in 0..WDS_SAMPLES {
        let img: Vec<u8> = (0..8192).map(|_| rng.next() as u8).collect();
        w.write(
            Record::new()
                .with_key(format!("s{i:06}"))
                .with("jpg", img)
                .with("caption", format!("caption number {i}"))
                .with("label", (i % 10) as i64),
        )
        .expect("write");
    }
    w.finish().expect("finish");
    let m = w.manifest().clone();
    (dir, m)
}

fn parquet_dataset() -> (PathBuf, Manifest) {
    let dir = data_dir().join("loader-parquet");
    if let Some(m) = existing(&dir, PARQUET_ROWS) {
        return (dir, m);
    }
    let _ = std::fs::remove_dir_all(&dir);
    let mut w = ShardedWriter::new(&dir, ParquetShards::default())
        .with_max_records(Some(16_384))
        .build()
        .expect("writer");
    let mut rng = Rng(0xfeed);
    for i in 0..PARQUET_ROWS {
        let x: Vec<Value> = (0..16)
            .map(|_| Value::from((rng.next() >> 11) as f64 / (1u64 << 53) as f64))
            .collect();
        w.write(
            Record::new()
                .with("id", format!("row-{i:07}"))
                .with("x", x)
                .with("label", (i % 100) as i64),
        )
        .expect("write");
    }
    w.finish().expect("finish");
    let m = w.manifest().clone();
    (dir, m)
}

fn read_all(ds: &dyn IterableDataset) -> usize {
    ds.iter()
        .expect("open")
        .map(|r| black_box(r).is_ok() as usize)
        .sum()
}

fn epoch(loader: &mut Loader, epoch: u64, collate: Option<&str>) -> usize {
    loader.set_epoch(epoch);
    let mut n = 0;
    while let Some(b) = loader.next_batch().expect("batch") {
        if let Some(field) = collate {
            black_box(b.array_f32(field).expect("collate"));
        }
        n += black_box(b).len();
    }
    n
}

fn bench_dataset(
    c: &mut Criterion,
    name: &str,
    dir: &Path,
    raw: &dyn IterableDataset,
    samples: usize,
    batch: usize,
    collate: &str,
) {
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(samples as u64));
    g.sample_size(10);
    g.bench_function("raw", |b| b.iter(|| assert_eq!(read_all(raw), samples)));
    let build = |shuffle: bool, buffer: usize| {
        Loader::new(dir)
            .with_batch_size(batch)
            .with_shuffle(shuffle)
            .with_shuffle_buffer(buffer)
            .with_wds_mapping(wds_mapping())
            .build()
            .expect("loader")
    };
    for (label, shuffle, buffer, field) in [
        ("loader", true, 1024, None),
        ("loader_unshuffled", false, 1024, None),
        ("loader_buffer8192", true, 8192, None),
        ("loader_collate", true, 1024, Some(collate)),
    ] {
        let mut loader = build(shuffle, buffer);
        let mut e = 0;
        g.bench_function(label, |b| {
            b.iter(|| {
                e += 1;
                assert_eq!(epoch(&mut loader, e, field), samples);
            })
        });
        println!(
            "{name}/{label}: peak buffered {:.1} MiB",
            loader.stats().peak_buffered_bytes as f64 / f64::from(1 << 20)
        );
    }
    g.finish();
}

fn loader(c: &mut Criterion) {
    let (dir, m) = wds_dataset();
    let raw = WebDatasetReader::from_paths(m.shard_paths(&dir))
        .with_mapping(wds_mapping())
        .build()
        .expect("reader");
    bench_dataset(c, "loader_wds", &dir, &raw, WDS_SAMPLES, 256, "label");

    let (dir, m) = parquet_dataset();
    let raw = ParquetReader::from_paths(m.shard_paths(&dir))
        .build()
        .expect("reader");
    bench_dataset(c, "loader_parquet", &dir, &raw, PARQUET_ROWS, 1024, "x");
}

criterion_group!(benches, loader);
criterion_main!(benches);
