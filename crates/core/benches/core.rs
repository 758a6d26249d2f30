//! Benchmarks of dataprep-core: pipeline per-record overhead and Record <-> Arrow conversion.
//!
//! Run with `cargo bench -p dataprep-core --bench core`; figures are in docs/performance.md.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use dataprep_core::arrow::{ArrowOptions, from_record_batch, to_record_batch};
use dataprep_core::{Context, MapStage, Pipeline, Record, Schema, Value, VecDataset};

/// Web-like documents: id, url, text of a few hundred bytes, two numbers and a tag list.
fn docs(n: usize) -> Vec<Record> {
    (0..n)
        .map(|i| {
            Record::new()
                .with_key(format!("doc-{i}"))
                .with("id", i as i64)
                .with("url", format!("https://example.com/page/{i}"))
                .with(
                    "text",
                    "The quick brown fox jumps over the lazy dog. ".repeat(4 + i % 8),
                )
                .with("score", (i % 100) as f64 / 100.0)
                .with("tags", Value::List(vec!["a".into(), "b".into()]))
        })
        .collect()
}

fn noop(
    name: &str,
) -> MapStage<impl Fn(&mut Record, &Context) -> Result<(), dataprep_core::RecordError> + Send + Sync>
{
    MapStage::new(name, (), |_: &mut Record, _: &Context| Ok(()))
}

fn pipeline_overhead(c: &mut Criterion) {
    const N: usize = 100_000;
    let records = docs(N);
    let mut g = c.benchmark_group("pipeline_3_noop_stages");
    g.throughput(Throughput::Elements(N as u64));
    g.sample_size(10);
    // The engine alone (batches, chunking, metrics, ordered merge) with no stage.
    g.bench_function("no_stages_threads_1", |b| {
        b.iter_batched(
            || VecDataset::new(records.clone()),
            |src| {
                black_box(
                    Pipeline::new(src)
                        .with_threads(1)
                        .with_progress(false)
                        .run()
                        .expect("runs")
                        .written,
                )
            },
            BatchSize::LargeInput,
        )
    });
    for threads in [1, 2] {
        g.bench_function(format!("threads_{threads}"), |b| {
            b.iter_batched(
                || VecDataset::new(records.clone()),
                |src| {
                    let s = Pipeline::new(src)
                        .stage(noop("a"))
                        .stage(noop("b"))
                        .stage(noop("c"))
                        .with_threads(threads)
                        .with_progress(false)
                        .run()
                        .expect("runs");
                    black_box(s.written)
                },
                BatchSize::LargeInput,
            )
        });
    }
    // The cost of reading alone (clone out of the in-memory source), to subtract.
    g.bench_function("source_only_iterate", |b| {
        b.iter_batched(
            || VecDataset::new(records.clone()),
            |src| {
                use dataprep_core::IterableDataset;
                black_box(src.iter().expect("opens").count())
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

fn arrow_conversion(c: &mut Criterion) {
    const N: usize = 10_000;
    let records = docs(N);
    let schema = Schema::infer(&records).expect("infers");
    let opts = ArrowOptions::default();
    let batch = to_record_batch(&records, &schema, &opts).expect("converts");
    let bytes: usize = records.iter().map(Record::approx_size).sum();
    let mut g = c.benchmark_group("arrow");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("records_to_batch_10k_docs", |b| {
        b.iter(|| {
            black_box(
                to_record_batch(&records, &schema, &opts)
                    .expect("converts")
                    .num_rows(),
            )
        })
    });
    g.bench_function("batch_to_records_10k_docs", |b| {
        b.iter(|| black_box(from_record_batch(&batch, &opts).expect("converts").len()))
    });
    g.bench_function("infer_schema_10k_docs", |b| {
        b.iter(|| black_box(Schema::infer(&records).expect("infers")))
    });
    g.finish();
}

criterion_group!(benches, pipeline_overhead, arrow_conversion);
criterion_main!(benches);
