//! Criterion benchmarks of dataprep-quality; the Python side is `tools/quality_bench.py`, run on
//! the same documents (the English documents of `tests/data/corpus.jsonl`). Results:
//! docs/performance.md.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dataprep_quality::dedup::decontam::{DecontConfig, DecontIndex};
use dataprep_quality::dedup::minhash::{
    HashFamily, LshIndex, MinHashConfig, MinHasher, near_clusters,
};
use dataprep_quality::dedup::span::{
    SpanDedupConfig, SpanDuplicates, SpanFileOptions, find_span_duplicates, span_dedup,
    write_span_signatures,
};
use dataprep_quality::dedup::{TextNorm, exact_clusters, simplify_text};
use dataprep_quality::filters::{
    C4Quality, FineWebQuality, GopherQuality, GopherRepetition, QualityFilter,
};
use dataprep_quality::pii::{PiiConfig, detect, redact};
use dataprep_quality::words::split_into_words;

fn english_docs() -> Vec<String> {
    include_str!("../tests/data/corpus.jsonl")
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("corpus line"))
        .filter(|v| v["lang"] == "en")
        .map(|v| v["text"].as_str().expect("text").to_owned())
        .collect()
}

fn benches(c: &mut Criterion) {
    let docs = english_docs();
    let n = docs.len() as u64;

    let mut g = c.benchmark_group("filters_en_docs");
    g.throughput(Throughput::Elements(n));
    let filters: Vec<Box<dyn QualityFilter>> = vec![
        Box::new(GopherQuality::default()),
        Box::new(GopherRepetition::default()),
        Box::new(C4Quality::default()),
        Box::new(FineWebQuality::default()),
    ];
    for f in &filters {
        g.bench_function(f.name().to_owned(), |b| {
            b.iter(|| {
                for d in &docs {
                    black_box(f.apply(black_box(d)));
                }
            })
        });
    }
    g.bench_function("all_four", |b| {
        b.iter(|| {
            for d in &docs {
                for f in &filters {
                    black_box(f.apply(black_box(d)));
                }
            }
        })
    });
    g.finish();

    let mut g = c.benchmark_group("dedup_en_docs");
    g.throughput(Throughput::Elements(n));
    let fast = MinHashConfig::datatrove().with_family(HashFamily::Fast32);
    for (name, cfg) in [
        ("datatrove_5w_14x8", MinHashConfig::datatrove()),
        ("fast32_5w_14x8", fast),
        ("nemo_24c_20x13", MinHashConfig::nemo()),
        (
            "fast32_24c_20x13",
            MinHashConfig::nemo().with_family(HashFamily::Fast32),
        ),
    ] {
        let h = MinHasher::new(cfg).unwrap();
        g.bench_function(format!("signature_{name}"), |b| {
            b.iter(|| {
                for d in &docs {
                    black_box(h.signature(black_box(d)));
                }
            })
        });
    }
    // MinHash (112 hashes) + LSH (14 bands × 8 rows) on shingles given, what datasketch and
    // rensa are timed on in tools/quality_bench.py: the word 5-grams of the normalised text as
    // bytes (each hashed here with the family's shingle hash), or already hashed.
    let grams: Vec<Vec<String>> = docs
        .iter()
        .map(|d| {
            let norm = simplify_text(d, &TextNorm::default());
            split_into_words(&norm)
                .windows(5)
                .map(|w| w.join(" "))
                .collect()
        })
        .collect();
    for (family, cfg) in [("datatrove", MinHashConfig::datatrove()), ("fast32", fast)] {
        let h = MinHasher::new(cfg).unwrap();
        g.bench_function(format!("minhash_lsh_given_shingle_bytes_{family}"), |b| {
            let mut hashes = Vec::new();
            let mut sig = vec![0; cfg.num_hashes()];
            b.iter(|| {
                let mut lsh = LshIndex::new(&cfg);
                for (i, grams) in grams.iter().enumerate() {
                    hashes.clear();
                    hashes.extend(grams.iter().map(|s| h.shingle_hash(s.as_bytes())));
                    if h.signature_into(black_box(&hashes), &mut sig) {
                        lsh.insert(i as u64, &sig, |m| {
                            black_box(m);
                        });
                    }
                }
                black_box(lsh.buckets())
            })
        });
        let hashed: Vec<Vec<u64>> = docs.iter().map(|d| h.shingles(d)).collect();
        g.bench_function(format!("minhash_lsh_given_shingle_hashes_{family}"), |b| {
            let mut sig = vec![0; cfg.num_hashes()];
            b.iter(|| {
                let mut lsh = LshIndex::new(&cfg);
                for (i, s) in hashed.iter().enumerate() {
                    if h.signature_into(black_box(s), &mut sig) {
                        lsh.insert(i as u64, &sig, |m| {
                            black_box(m);
                        });
                    }
                }
                black_box(lsh.buckets())
            })
        });
    }
    let h = MinHasher::new(MinHashConfig::datatrove()).unwrap();
    g.bench_function("near_clusters_datatrove_parallel", |b| {
        b.iter(|| black_box(near_clusters(black_box(&docs), &h)))
    });
    let hf = MinHasher::new(fast).unwrap();
    g.bench_function("near_clusters_fast32_parallel", |b| {
        b.iter(|| black_box(near_clusters(black_box(&docs), &hf)))
    });
    g.bench_function("exact_clusters_parallel", |b| {
        b.iter(|| black_box(exact_clusters(black_box(&docs), &TextNorm::default())))
    });
    g.finish();

    // ~1 MB of prose: the English documents repeated.
    let mut prose = String::new();
    while prose.len() < 1 << 20 {
        for d in &docs {
            prose.push_str(d);
            prose.push_str("\n\n");
        }
    }
    let mut g = c.benchmark_group("pii_prose");
    g.throughput(Throughput::Bytes(prose.len() as u64));
    let cfg = PiiConfig::default();
    g.bench_function("detect_all_kinds", |b| {
        b.iter(|| black_box(detect(black_box(&prose), &cfg)))
    });
    g.finish();

    pii_worst_cases(c, &docs);

    // Span dedup on the span corpus scaled up: 78 documents × 13 copies with a per-copy sentence
    // so that copies are not identical (the same texts as tools/quality_span_bench.py).
    let span_docs = span_docs();
    let mut g = c.benchmark_group("span_dedup");
    g.throughput(Throughput::Elements(span_docs.len() as u64));
    g.sample_size(10);
    let cfg = SpanDedupConfig::default();
    g.bench_function("in_memory", |b| {
        b.iter(|| black_box(span_dedup(black_box(&span_docs), &cfg, None)))
    });
    g.bench_function("file_stages_one_shard", |b| {
        b.iter(|| {
            let tmp = tempfile::tempdir().expect("tempdir");
            let (sigs, dups) = (tmp.path().join("sigs"), tmp.path().join("dups"));
            let opts = SpanFileOptions::default();
            write_span_signatures(&sigs, 0, span_docs.iter(), &cfg, &opts).expect("sigs");
            find_span_duplicates(&sigs, 0, &dups, None, &cfg, &opts).expect("dups");
            let d = SpanDuplicates::load(&dups, 0).expect("load");
            for (i, t) in span_docs.iter().enumerate() {
                black_box(d.outcome(i as u32, t, &cfg));
            }
        })
    });
    g.finish();

    // Decontamination: 12-grams of 40 English documents as the "benchmark", every English
    // document checked.
    let ix = DecontIndex::from_benchmarks(
        DecontConfig::default(),
        docs.iter().step_by(6).map(|d| ("bench", d.as_str())),
    );
    let mut g = c.benchmark_group("decontamination_en_docs");
    g.throughput(Throughput::Elements(n));
    g.bench_function("check_12_grams", |b| {
        b.iter(|| {
            for d in &docs {
                black_box(ix.check(black_box(d)));
            }
        })
    });
    g.finish();
}

/// `n` bytes of `unit` repeated (`n` rounded down to whole units).
fn rep(unit: &str, n: usize) -> String {
    unit.repeat(n / unit.len())
}

/// `n` bytes drawn from `alphabet` by a fixed SplitMix64 stream.
fn random_run(alphabet: &[u8], n: usize, seed: u64) -> String {
    let mut g = dataprep_core::testing::SplitMix64(seed);
    g.run_of(alphabet, n)
}

/// PII detection on the worst cases of issue 19 (long runs of what the patterns are made of)
/// against English prose of the same size. Sizes in bytes from `PII_BENCH_BYTES`
/// (comma-separated; default `1000000,10000000`). Results: docs/performance.md, "Pathological
/// inputs".
fn pii_worst_cases(c: &mut Criterion, docs: &[String]) {
    let sizes: Vec<usize> = std::env::var("PII_BENCH_BYTES")
        .unwrap_or_else(|_| "1000000,10000000".into())
        .split(',')
        .map(|s| s.trim().parse().expect("PII_BENCH_BYTES: sizes in bytes"))
        .collect();
    let cfg = PiiConfig::default();
    for n in sizes {
        let mut prose = String::with_capacity(n + (1 << 16));
        while prose.len() < n {
            for d in docs {
                prose.push_str(d);
                prose.push_str("\n\n");
            }
        }
        let mut end = n;
        while !prose.is_char_boundary(end) {
            end -= 1;
        }
        prose.truncate(end);
        let cases: Vec<(&str, String)> = vec![
            ("prose", prose),
            ("digits", random_run(b"0123456789", n, 1)),
            ("letters", random_run(b"abcdefghijklmnopqrstuvwxyz", n, 2)),
            (
                "alphanumeric",
                random_run(
                    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
                    n,
                    3,
                ),
            ),
            (
                "base64",
                random_run(
                    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/=",
                    n,
                    4,
                ),
            ),
            ("1111.", rep("1111.", n)),
            ("1.", rep("1.", n)),
            ("a.", rep("a.", n)),
            ("a+", rep("a+", n)),
            ("a-", rep("a-", n)),
            ("@", rep("@", n)),
            ("a@", rep("a@", n)),
            ("x@ a.", format!("x@{}", rep("a.", n - 2))),
            ("+00 00", format!("+{}", rep("00 ", n - 1))),
            ("1111 ", rep("1111 ", n)),
            ("123-45-", rep("123-45-", n)),
            (":", rep(":", n)),
            ("1a2b:", rep("1a2b:", n)),
            ("eyJ", rep("eyJ", n)),
            ("eyJ…8.", rep("eyJabcdefgh.", n)),
            ("sk-", rep("sk-", n)),
            ("-----BEGIN ", rep("-----BEGIN ", n)),
            ("22 digits+", rep("1111111111111111111111+", n)),
        ];
        let mut g = c.benchmark_group(format!("pii_worst_{n}"));
        g.throughput(Throughput::Bytes(n as u64));
        g.sample_size(10);
        for (name, text) in &cases {
            g.bench_function(format!("detect/{name}"), |b| {
                b.iter(|| black_box(detect(black_box(text), &cfg)))
            });
            g.bench_function(format!("redact/{name}"), |b| {
                b.iter(|| black_box(redact(black_box(text), &cfg)))
            });
        }
        g.finish();
    }
}

/// The span corpus repeated 13 times (1,014 documents), each copy with its own first sentence.
fn span_docs() -> Vec<String> {
    let base: Vec<String> = include_str!("../tests/data/span_corpus.jsonl")
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("corpus line"))
        .map(|v| v["text"].as_str().expect("text").to_owned())
        .collect();
    (0..13)
        .flat_map(|k| {
            base.iter()
                .enumerate()
                .map(move |(i, t)| format!("Copy {k} of document {i} starts here. {t}"))
        })
        .collect()
}

criterion_group!(quality, benches);
criterion_main!(quality);
