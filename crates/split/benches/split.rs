//! Benchmarks of dataprep-split on 10M labels, side by side with `benches/split_sklearn.py`
//! (same labels: 10 classes, p(c) ∝ 0.6^c, drawn with splitmix64 from the row index).
//!
//! ```text
//! cargo bench -p dataprep-split --bench split -- --sample-size 10 --measurement-time 5
//! python3 benches/split_sklearn.py
//! ```

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use dataprep_split::{HashSplit, Splits, Splitter, StratifiedKFold};

const N: usize = 10_000_000;

fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// 10 imbalanced classes, identical to the Python script's.
fn labels(n: usize) -> Vec<u32> {
    // w_c = 0.6^c by repeated multiplication (the Python script does the same, bit for bit).
    let mut w = vec![1.0f64];
    for c in 1..10 {
        w.push(w[c - 1] * 0.6);
    }
    let total: f64 = w.iter().sum();
    let mut cum = Vec::new();
    let mut acc = 0.0;
    for x in &w {
        acc += x / total;
        cum.push(acc);
    }
    (0..n as u64)
        .map(|i| {
            let u = (splitmix64(i) >> 11) as f64 / (1u64 << 53) as f64;
            cum.iter().position(|&c| u < c).unwrap_or(9) as u32
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let y = labels(N);
    let mut counts = [0usize; 10];
    for &l in &y {
        counts[l as usize] += 1;
    }
    eprintln!("class counts (check against the Python script): {counts:?}");
    let mut g = c.benchmark_group("10M_labels");
    g.bench_function("stratified_k_fold_5_all_indices", |b| {
        b.iter(|| {
            let folds = StratifiedKFold::new(5).split(black_box(&y)).unwrap();
            let mut total = 0usize;
            for (train, test) in folds.iter() {
                total += black_box(train.len()) + black_box(test.len());
            }
            total
        })
    });
    g.bench_function("stratified_k_fold_5_all_indices_reused_buffers", |b| {
        let (mut train, mut test) = (Vec::new(), Vec::new());
        b.iter(|| {
            let folds = StratifiedKFold::new(5).split(black_box(&y)).unwrap();
            let mut total = 0usize;
            for f in 0..folds.k() {
                folds.split_into(f, &mut train, &mut test);
                total += black_box(train.len()) + black_box(test.len());
            }
            total
        })
    });
    g.bench_function("stratified_k_fold_5_fold_column", |b| {
        b.iter(|| StratifiedKFold::new(5).split(black_box(&y)).unwrap())
    });
    g.bench_function("stratified_k_fold_5_shuffled_all_indices", |b| {
        b.iter(|| {
            let folds = StratifiedKFold::new(5)
                .shuffled(1)
                .split(black_box(&y))
                .unwrap();
            let mut total = 0usize;
            for (train, test) in folds.iter() {
                total += black_box(train.len()) + black_box(test.len());
            }
            total
        })
    });
    g.bench_function("stratified_train_test_0.2_indices", |b| {
        b.iter(|| {
            let a = Splitter::new(Splits::train_test(0.2))
                .with_seed(0)
                .stratified(black_box(&y))
                .unwrap();
            a.all_indices()
        })
    });
    g.bench_function("stratified_train_test_0.2_split_column", |b| {
        b.iter(|| {
            Splitter::new(Splits::train_test(0.2))
                .with_seed(0)
                .stratified(black_box(&y))
                .unwrap()
        })
    });
    g.finish();

    let keys: Vec<String> = (0..1_000_000).map(|i| format!("doc-{i:08}")).collect();
    let hs = HashSplit::train_test(0.2).unwrap().with_salt("v1");
    c.bench_function("hash_split_1M_string_keys", |b| {
        b.iter(|| hs.split(black_box(&keys)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
