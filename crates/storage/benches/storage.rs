//! Benchmarks of dataprep-storage: JSONL parse throughput, JSONL → Parquet conversion, Parquet
//! write/read of records in memory, WebDataset shards, media folder listing and sniffing.
//!
//! ```text
//! cargo bench -p dataprep-storage --bench storage                  # full run
//! cargo bench -p dataprep-storage --bench storage -- --quick       # a quick look
//! python3 benches/jsonl_to_parquet.py target/bench-data/docs.jsonl  # pyarrow on the same file
//! python3 benches/parquet_pyarrow.py                                # pyarrow, records in memory
//! python3 benches/webdataset_py.py                                  # Python webdataset
//! ```
//!
//! The input is ~20 MB of web-like documents (id, url, text of 200–5000 characters, a few numbers),
//! generated deterministically into `target/bench-data/docs.jsonl` on first run (or into
//! `$DATAPREP_BENCH_DATA/docs.jsonl`), so the Python script compares on the very same bytes.

use std::hint::black_box;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

mod common;
use common::{Rng, data_dir};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dataprep_core::{IterableDataset, Pipeline};
use dataprep_storage::{Compression, JsonlReader, ParquetReader, ParquetWriter};

const TARGET_BYTES: u64 = 20_000_000;

const WORDS: &[&str] = &[
    "the",
    "of",
    "and",
    "to",
    "in",
    "data",
    "model",
    "training",
    "language",
    "quality",
    "filter",
    "document",
    "web",
    "page",
    "crawl",
    "token",
    "about",
    "which",
    "their",
    "would",
    "people",
    "information",
    "research",
    "between",
    "however",
    "système",
    "über",
    "naïve",
    "café",
    "日本語",
    "données",
    "\"quoted\"",
    "back\\slash",
    "tab\there",
    "emoji😀",
    "price:",
    "$12.50",
    "2024",
];

/// Reads every record, failing on any error; returns the count.
fn read_all(ds: &dyn IterableDataset) -> usize {
    ds.iter().expect("open").fold(0, |n, r| {
        black_box(r.expect("record"));
        n + 1
    })
}

/// Writes the benchmark input if it is missing; returns its path.
fn ensure_docs() -> PathBuf {
    let dir = data_dir();
    let path = dir.join("docs.jsonl");
    if path.exists() {
        return path;
    }
    std::fs::create_dir_all(&dir).expect("create bench-data dir");
    let tmp = dir.join("docs.jsonl.partial");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp).expect("create input"));
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let mut written = 0u64;
    let mut id = 0u64;
    while written < TARGET_BYTES {
        let chars = 200 + rng.below(4801) as usize;
        let mut text = String::with_capacity(chars + 16);
        while text.chars().count() < chars {
            if !text.is_empty() {
                text.push(if rng.below(40) == 0 { '\n' } else { ' ' });
            }
            text.push_str(WORDS[rng.below(WORDS.len() as u64) as usize]);
        }
        let doc = serde_json::json!({
            "id": id,
            "url": format!("https://www.example{}.com/articles/{}/{}.html", rng.below(500), rng.below(10_000), id),
            "text": text,
            "length": text.chars().count(),
            "score": rng.below(1_000_000) as f64 / 1_000_000.0,
            "lang_score": 0.5 + rng.below(500_000) as f64 / 1_000_000.0,
            "timestamp": 1_600_000_000 + rng.below(100_000_000),
        });
        let line = serde_json::to_string(&doc).expect("serialise");
        writeln!(out, "{line}").expect("write input");
        written += line.len() as u64 + 1;
        id += 1;
    }
    out.flush().expect("flush input");
    drop(out);
    std::fs::rename(&tmp, &path).expect("rename input");
    path
}

fn storage(c: &mut Criterion) {
    let input = ensure_docs();
    let bytes = std::fs::metadata(&input).expect("input").len();
    let out_dir = data_dir();
    let parquet = out_dir.join("docs.bench.parquet");

    let mut g = c.benchmark_group("jsonl");
    g.throughput(Throughput::Bytes(bytes));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(10));
    let reader = JsonlReader::new(&input).build().expect("reader");
    g.bench_function("parse", |b| b.iter(|| read_all(&reader)));
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool");
    g.bench_function("parse_threads_1", |b| {
        b.iter(|| one.install(|| read_all(&reader)))
    });
    g.bench_function("to_parquet", |b| {
        b.iter(|| {
            let summary = Pipeline::new(&reader)
                .sink(ParquetWriter::new(&parquet).build().expect("writer"))
                .with_progress(false)
                .run()
                .expect("runs");
            black_box(summary.written)
        })
    });
    // zstd level 1 is what pyarrow's `write_table(compression="zstd")` uses.
    g.bench_function("to_parquet_zstd1", |b| {
        b.iter(|| {
            let sink = ParquetWriter::new(&parquet)
                .with_compression(Compression::Zstd { level: 1 })
                .build()
                .expect("writer");
            let summary = Pipeline::new(&reader)
                .sink(sink)
                .with_progress(false)
                .run()
                .expect("runs");
            black_box(summary.written)
        })
    });
    g.finish();

    let mut g = c.benchmark_group("parquet");
    g.throughput(Throughput::Bytes(bytes));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(10));
    let reader = ParquetReader::new(&parquet).build().expect("reader");
    g.bench_function("read", |b| b.iter(|| read_all(&reader)));
    g.finish();
}

/// Parquet write and read of the same records held in memory (the docs file, parsed once):
/// `write_zstd1` is what pyarrow's `write_table(table, compression="zstd")` does from a table.
fn parquet_records(c: &mut Criterion) {
    let input = ensure_docs();
    let bytes = std::fs::metadata(&input).expect("input").len();
    let records: Vec<dataprep_core::Record> = JsonlReader::new(&input)
        .build()
        .expect("reader")
        .iter()
        .expect("open")
        .collect::<dataprep_core::Result<_>>()
        .expect("records");
    let schema = dataprep_core::Schema::infer(&records).expect("schema");
    let path = data_dir().join("docs.records.parquet");
    let write = |level: i32| {
        let mut w = ParquetWriter::new(&path)
            .with_schema(schema.clone())
            .with_compression(Compression::Zstd { level })
            .build()
            .expect("writer");
        for chunk in records.chunks(1024) {
            w.write_batch(chunk).expect("write");
        }
        dataprep_core::Sink::finish(&mut w).expect("finish");
    };
    let mut g = c.benchmark_group("parquet_records");
    g.throughput(Throughput::Bytes(bytes));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(10));
    g.bench_function("write_zstd3", |b| b.iter(|| write(3)));
    g.bench_function("write_zstd1", |b| b.iter(|| write(1)));
    let reader = ParquetReader::new(&path).build().expect("reader");
    g.bench_function("read", |b| b.iter(|| read_all(&reader)));
    g.finish();
}

/// 4,000 samples of an 8 KiB pseudo-random "image", a caption and a label (~33 MB of tar).
fn wds_samples() -> Vec<dataprep_core::Record> {
    let mut rng = Rng(0x5eed);
    (0..4000)
        .map(|i| {
            let img: Vec<u8> = (0..8192).map(|_| rng.next() as u8).collect();
            dataprep_core::Record::new()
                .with_key(format!("s{i:06}"))
                .with("jpg", img)
                .with("caption", format!("caption number {i}"))
                .with("label", (i % 10) as i64)
        })
        .collect()
}

fn webdataset(c: &mut Criterion) {
    use dataprep_core::Sink as _;
    use dataprep_storage::{ShardedWriter, WdsMapping, WebDatasetReader, WebDatasetShards};
    let recs = wds_samples();
    let dir = data_dir().join("wds");
    let mapping = WdsMapping::default().with_member("caption", "txt");
    let write = |dir: &Path| {
        let _ = std::fs::remove_dir_all(dir);
        let mut w = ShardedWriter::new(
            dir,
            WebDatasetShards {
                mapping: mapping.clone(),
            },
        )
        .with_max_records(Some(1000))
        .build()
        .unwrap();
        for r in &recs {
            w.write(r.clone()).unwrap();
        }
        w.finish().unwrap();
        w.manifest().clone()
    };
    let manifest = write(&dir);
    let bytes = manifest.total_bytes;
    let mut g = c.benchmark_group("webdataset");
    g.throughput(Throughput::Bytes(bytes));
    g.sample_size(10);
    g.bench_function("write_shards", |b| b.iter(|| write(&dir)));
    let manifest = write(&dir);
    let reader = WebDatasetReader::from_paths(manifest.shard_paths(&dir))
        .with_mapping(mapping.clone())
        .build()
        .unwrap();
    g.bench_function("read", |b| b.iter(|| read_all(&reader)));
    g.finish();
}

/// `MediaFolder::build` on 2 000 small files: listing only, and choosing by content (4 KiB read
/// and magic-byte sniff per file).
fn media_folder(c: &mut Criterion) {
    use dataprep_storage::MediaFolder;
    use dataprep_storage::sniff::MediaKind;
    let dir = data_dir().join("media-folder");
    if !dir.join("done").exists() {
        let _ = std::fs::remove_dir_all(&dir);
        let heads: [&[u8]; 4] = [
            b"\0\0\x01\xBA\x44\0\x04\0\x04\x01",
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
            b"\0\0\0\x20ftypisom\0\0\x02\0isomiso2avc1mp41",
            b"RIFF\x24\0\0\0WAVEfmt ",
        ];
        for i in 0..2000 {
            let sub = dir.join(format!("d{:02}", i % 20));
            std::fs::create_dir_all(&sub).unwrap();
            let mut bytes = heads[i % 4].to_vec();
            bytes.resize(16 << 10, 0x55);
            std::fs::write(sub.join(format!("f{i:05}.bin")), bytes).unwrap();
        }
        std::fs::write(dir.join("done"), b"").unwrap();
    }
    let mut g = c.benchmark_group("media_folder");
    g.throughput(Throughput::Elements(2001));
    g.sample_size(20);
    g.bench_function("list", |b| {
        b.iter(|| MediaFolder::new(&dir).build().unwrap().files().len())
    });
    g.bench_function("list_and_sniff", |b| {
        b.iter(|| {
            MediaFolder::new(&dir)
                .with_kind(MediaKind::Video)
                .build()
                .unwrap()
                .files()
                .len()
        })
    });
    g.finish();
}

criterion_group!(benches, storage, parquet_records, webdataset, media_folder);
criterion_main!(benches);
