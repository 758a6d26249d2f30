//! The training loader: determinism, rank partitioning with equal batch counts, resume without
//! loss or repetition, the memory budget, bad shards, every shard format, collation.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use dataprep_core::*;
use dataprep_storage::loader::{BadRecordPolicy, CollateError, ShardSpec, UnevenPolicy};
use dataprep_storage::sharded::{JsonlShards, MANIFEST_FILE, ParquetShards};
use dataprep_storage::*;
use proptest::prelude::*;

use super::tmp;

fn rec(shard: usize, j: usize) -> Record {
    let id = format!("s{shard:02}-{j:04}");
    Record::new()
        .with_key(id.clone())
        .with("id", id)
        .with("x", (shard * 1000 + j) as f64)
        .with("v", vec![Value::from(j as f64), Value::from(shard as f64)])
}

/// Writes `sizes[i]` records into `part-{i:03}.jsonl` and returns the specs (with counts).
fn jsonl_shards(dir: &Path, sizes: &[usize]) -> Vec<ShardSpec> {
    sizes
        .iter()
        .enumerate()
        .map(|(i, &n)| {
            let p = dir.join(format!("part-{i:03}.jsonl"));
            let recs: Vec<Record> = (0..n).map(|j| rec(i, j)).collect();
            write_jsonl(&p, &recs).unwrap();
            ShardSpec::new(p.to_string_lossy())
                .unwrap()
                .with_records(Some(n as u64))
        })
        .collect()
}

fn all_ids(sizes: &[usize]) -> BTreeSet<String> {
    sizes
        .iter()
        .enumerate()
        .flat_map(|(i, &n)| (0..n).map(move |j| format!("s{i:02}-{j:04}")))
        .collect()
}

fn ids(b: &Batch) -> Vec<String> {
    b.records()
        .iter()
        .map(|r| r.str("id").unwrap().to_owned())
        .collect()
}

/// The batches of the loader's current epoch, as ids (panics on an error).
fn epoch_ids(l: &mut Loader) -> Vec<Vec<String>> {
    l.by_ref().map(|b| ids(&b.unwrap())).collect()
}

fn loader(specs: &[ShardSpec], cfg: LoaderConfig) -> Loader {
    Loader::from_shards(specs.to_vec())
        .with_config(cfg)
        .build()
        .unwrap()
}

#[test]
fn order_depends_on_seed_and_epoch_only() {
    let dir = tmp();
    let sizes = [37, 50, 12, 64, 5, 40, 33, 21];
    let specs = jsonl_shards(dir.path(), &sizes);
    let base = LoaderConfig::default()
        .with_batch_size(7)
        .with_seed(11)
        .with_shuffle_buffer(16);
    let mut a = loader(
        &specs,
        base.clone().with_num_threads(1).with_prefetch_shards(1),
    );
    let first = epoch_ids(&mut a);
    assert_eq!(first.len() as u64, a.batches_per_epoch());
    assert_eq!(first.len(), 262 / 7);
    assert!(first.iter().all(|b| b.len() == 7));
    // Threads, prefetch depth and the memory budget do not change the order.
    for cfg in [
        base.clone().with_num_threads(4).with_prefetch_shards(8),
        base.clone()
            .with_num_threads(3)
            .with_prefetch_shards(2)
            .with_memory_budget(300 << 20),
    ] {
        assert_eq!(epoch_ids(&mut loader(&specs, cfg)), first);
    }
    // Every sample at most once; the order is shuffled (not file order, not shard by shard).
    let flat: Vec<&String> = first.iter().flatten().collect();
    let distinct: BTreeSet<&String> = flat.iter().copied().collect();
    assert_eq!(distinct.len(), flat.len());
    let mut sorted = flat.clone();
    sorted.sort();
    assert_ne!(flat, sorted);
    // Another epoch or seed gives another order; coming back to epoch 0 gives it again.
    a.set_epoch(1);
    let second = epoch_ids(&mut a);
    assert_ne!(second, first);
    a.set_epoch(0);
    assert_eq!(epoch_ids(&mut a), first);
    assert_ne!(
        epoch_ids(&mut loader(&specs, base.clone().with_seed(12))),
        first
    );
    // Without shuffling: file order.
    let plain = epoch_ids(&mut loader(&specs, base.with_shuffle(false)));
    let plain: Vec<String> = plain.into_iter().flatten().collect();
    let expected: Vec<String> = all_ids(&sizes).into_iter().take(plain.len()).collect();
    assert_eq!(plain, expected);
}

#[test]
fn reads_manifests_directories_and_every_format() {
    let dir = tmp();
    let recs: Vec<Record> = (0..60).map(|j| rec(j / 20, j % 20)).collect();
    let expected: Vec<String> = recs
        .iter()
        .map(|r| r.str("id").unwrap().to_owned())
        .collect();
    let cfg = LoaderConfig::default()
        .with_batch_size(6)
        .with_shuffle(false);
    let write = |sub: &str, f: &mut dyn FnMut(&Path)| {
        let d = dir.path().join(sub);
        f(&d);
        d
    };
    let jsonl = write("jsonl", &mut |d| {
        let mut w = ShardedWriter::new(d, JsonlShards::default())
            .with_max_records(Some(17))
            .build()
            .unwrap();
        for r in &recs {
            w.write(r.clone()).unwrap();
        }
        w.finish().unwrap();
    });
    let parquet = write("parquet", &mut |d| {
        let mut w = ShardedWriter::new(d, ParquetShards::default())
            .with_max_records(Some(25))
            .build()
            .unwrap();
        for r in &recs {
            w.write(r.clone()).unwrap();
        }
        w.finish().unwrap();
    });
    let tars = write("wds", &mut |d| {
        let mut w = ShardedWriter::new(d, WebDatasetShards::default())
            .with_max_records(Some(30))
            .build()
            .unwrap();
        for r in &recs {
            w.write(r.clone()).unwrap();
        }
        w.finish().unwrap();
    });
    let ipc = write("ipc", &mut |d| {
        std::fs::create_dir_all(d).unwrap();
        for (i, chunk) in recs.chunks(22).enumerate() {
            let mut w = ArrowIpcWriter::new(d.join(format!("p-{i}.arrow")))
                .build()
                .unwrap();
            for r in chunk {
                w.write(r.clone()).unwrap();
            }
            w.finish().unwrap();
        }
    });
    let inputs = [
        jsonl.clone(),
        jsonl.join(MANIFEST_FILE),
        parquet.clone(),
        tars.clone(),
        ipc.clone(),
    ];
    for input in &inputs {
        let mut l = Loader::new(input).with_config(cfg.clone()).build().unwrap();
        assert_eq!(l.num_samples(), 60, "{}", input.display());
        let got: Vec<String> = epoch_ids(&mut l).into_iter().flatten().collect();
        assert_eq!(got, expected, "{}", input.display());
    }
    // A directory without a manifest is listed and counted; a list of files works too.
    std::fs::remove_file(parquet.join(MANIFEST_FILE)).unwrap();
    let mut l = Loader::new(&parquet)
        .with_config(cfg.clone())
        .build()
        .unwrap();
    assert_eq!(l.shards().len(), 3);
    assert_eq!(epoch_ids(&mut l).concat(), expected);
    let files: Vec<String> = Loader::new(&jsonl)
        .build()
        .unwrap()
        .shards()
        .into_iter()
        .map(|s| s.location)
        .collect();
    let mut l = Loader::from_files(&files)
        .with_config(cfg.clone())
        .build()
        .unwrap();
    assert_eq!(epoch_ids(&mut l).concat(), expected);
    // Values survive: collate a column of every format the same way.
    for input in &inputs {
        let mut l = Loader::new(input).with_config(cfg.clone()).build().unwrap();
        let b = l.next().unwrap().unwrap();
        let x = b.array_f64("x").unwrap();
        assert_eq!(x.as_slice().unwrap(), &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    }
    // Errors: nothing there, unknown extension, a URL without the feature (or a bad one).
    assert!(Loader::new(dir.path().join("missing")).build().is_err());
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    assert!(matches!(Loader::new(&empty).build(), Err(Error::Config(_))));
    assert!(matches!(
        Loader::from_files(["a.csv"]).build(),
        Err(Error::Config(_))
    ));
    assert!(matches!(
        Loader::new(&jsonl).with_batch_size(0).build(),
        Err(Error::Config(_))
    ));
    assert!(matches!(
        Loader::new(&jsonl).with_rank(2, 2).build(),
        Err(Error::Config(_))
    ));
    assert!(matches!(
        Loader::new(&jsonl)
            .with_memory_budget(10)
            .with_shuffle_buffer_bytes(11)
            .build(),
        Err(Error::Config(_))
    ));
}

fn policy() -> impl Strategy<Value = UnevenPolicy> {
    prop_oneof![Just(UnevenPolicy::DropLast), Just(UnevenPolicy::PadWrap)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    /// Every rank returns the same number of full batches; dropping, the ranks' samples are
    /// disjoint and at most `world × batch − 1` are left out; padding, they cover every sample
    /// and at most `world × batch − 1` repeat.
    #[test]
    fn ranks_get_equal_batches_and_partition_the_samples(
        sizes in prop::collection::vec(0usize..30, 1..6),
        world in 1usize..5,
        batch in 1usize..6,
        buffer in 1usize..20,
        uneven in policy(),
        shuffle in any::<bool>(),
        seed in 0u64..1000,
        epoch in 0u64..3,
    ) {
        let dir = tmp();
        let specs = jsonl_shards(dir.path(), &sizes);
        let n: usize = sizes.iter().sum();
        let mut per_rank = Vec::new();
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for rank in 0..world {
            let cfg = LoaderConfig::default()
                .with_batch_size(batch)
                .with_shuffle_buffer(buffer)
                .with_shuffle(shuffle)
                .with_seed(seed)
                .with_uneven(uneven)
                .with_rank(rank, world);
            let mut l = loader(&specs, cfg);
            l.set_epoch(epoch);
            let batches = epoch_ids(&mut l);
            prop_assert_eq!(batches.len() as u64, l.batches_per_epoch());
            prop_assert!(batches.iter().all(|b| b.len() == batch));
            per_rank.push(batches.len());
            for id in batches.into_iter().flatten() {
                *counts.entry(id).or_default() += 1;
            }
        }
        prop_assert!(per_rank.iter().all(|&k| k == per_rank[0]));
        let total = per_rank[0] * batch * world;
        let slack = world * batch - 1;
        let all = all_ids(&sizes);
        prop_assert!(counts.keys().all(|k| all.contains(k)));
        match uneven {
            UnevenPolicy::DropLast => {
                prop_assert!(counts.values().all(|&c| c == 1));
                prop_assert_eq!(counts.len(), total);
                prop_assert!(n - total <= slack);
            }
            _ => {
                prop_assert_eq!(counts.len(), n);
                prop_assert!(total - n <= slack || n == 0);
                // Wrapping repeats the first positions: nothing more often than ⌈total / N⌉.
                prop_assert!(counts.values().all(|&c| c <= total.div_ceil(n.max(1))));
            }
        }
    }

    /// Samples before a stop + samples after resuming from the saved state == one uninterrupted
    /// epoch, in the same order; the resumed loader may use other threads and prefetch depths.
    #[test]
    fn resume_neither_loses_nor_repeats_a_sample(
        sizes in prop::collection::vec(0usize..40, 1..7),
        world in 1usize..4,
        rank_pick in 0usize..4,
        batch in 1usize..8,
        buffer in 1usize..40,
        buffer_bytes in prop_oneof![Just(1u64 << 20), 200u64..2000],
        uneven in policy(),
        seed in 0u64..1000,
        epoch in 0u64..2,
        stop_frac in 0.0f64..=1.0,
        threads in 1usize..4,
    ) {
        let dir = tmp();
        let specs = jsonl_shards(dir.path(), &sizes);
        let cfg = LoaderConfig::default()
            .with_batch_size(batch)
            .with_shuffle_buffer(buffer)
            .with_shuffle_buffer_bytes(buffer_bytes)
            .with_seed(seed)
            .with_uneven(uneven)
            .with_rank(rank_pick % world, world);
        let mut full = loader(&specs, cfg.clone());
        full.set_epoch(epoch);
        let whole = epoch_ids(&mut full);
        let stop = (whole.len() as f64 * stop_frac) as usize;

        let mut first = loader(&specs, cfg.clone().with_num_threads(threads));
        first.set_epoch(epoch);
        let mut before = Vec::new();
        for _ in 0..stop {
            before.push(ids(&first.next().unwrap().unwrap()));
        }
        let saved = first.state().to_json();
        drop(first); // the "crash"

        let state = LoaderState::from_json(&saved).unwrap();
        prop_assert_eq!(state.batches, stop as u64);
        let mut second = loader(
            &specs,
            cfg.with_num_threads(4 - threads).with_prefetch_shards(threads + 1),
        );
        second.resume(&state).unwrap();
        prop_assert_eq!(second.epoch(), epoch);
        let after = epoch_ids(&mut second);
        before.extend(after);
        prop_assert_eq!(before, whole);
    }
}

#[test]
fn resume_at_epoch_end_and_across_epochs() {
    let dir = tmp();
    let specs = jsonl_shards(dir.path(), &[30, 20, 25]);
    let cfg = LoaderConfig::default()
        .with_batch_size(5)
        .with_shuffle_buffer(8);
    let mut l = loader(&specs, cfg.clone());
    let e0 = epoch_ids(&mut l);
    assert_eq!(e0.len(), 15);
    let end = l.state();
    let mut r = loader(&specs, cfg.clone());
    r.resume(&end).unwrap();
    assert!(r.next().is_none());
    l.set_epoch(1);
    let first = ids(&l.next().unwrap().unwrap());
    let mid = l.state();
    assert_eq!((mid.epoch, mid.batches), (1, 1));
    let rest = epoch_ids(&mut l);
    r.resume(&mid).unwrap();
    assert_eq!(epoch_ids(&mut r), rest);
    let mut e1 = vec![first];
    e1.extend(rest);
    assert_ne!(e1, e0);
    // A state survives a file round trip.
    let path = dir.path().join("state.json");
    mid.save(&path).unwrap();
    assert_eq!(LoaderState::load(&path).unwrap(), mid);
}

#[test]
fn resume_with_another_configuration_is_refused() {
    let dir = tmp();
    let specs = jsonl_shards(dir.path(), &[30, 20, 25]);
    let cfg = LoaderConfig::default()
        .with_batch_size(5)
        .with_seed(3)
        .with_rank(0, 2);
    let mut l = loader(&specs, cfg.clone());
    l.next().unwrap().unwrap();
    let state = l.state();
    let refused = |c: LoaderConfig, s: &[ShardSpec]| -> String {
        match loader(s, c).resume(&state) {
            Err(Error::Config(m)) => m,
            other => panic!("expected a config error, got {other:?}"),
        }
    };
    assert!(refused(cfg.clone().with_batch_size(6), &specs).contains("batch size 5"));
    assert!(refused(cfg.clone().with_seed(4), &specs).contains("seed 3"));
    assert!(refused(cfg.clone().with_rank(1, 2), &specs).contains("rank 0 of 2"));
    assert!(refused(cfg.clone().with_rank(0, 3), &specs).contains("rank 0 of 2"));
    assert!(refused(cfg.clone().with_shuffle_buffer(7), &specs).contains("fingerprint"));
    assert!(refused(cfg.clone().with_shuffle(false), &specs).contains("fingerprint"));
    let mut more = specs.clone();
    std::fs::create_dir_all(dir.path().join("x")).unwrap();
    more.extend(jsonl_shards(&dir.path().join("x"), &[4]));
    assert!(refused(cfg.clone(), &more).contains("dataset"));
    let mut fewer = specs.clone();
    fewer[1] = fewer[1].clone().with_records(Some(19));
    assert!(refused(cfg.clone(), &fewer).contains("dataset"));
    // Threads, prefetch and the memory budget may change.
    let mut ok = loader(
        &specs,
        cfg.with_num_threads(3)
            .with_prefetch_shards(1)
            .with_memory_budget(512 << 20),
    );
    ok.resume(&state).unwrap();
    let mut bad = state.clone();
    bad.version = "dataprep.loader/0".into();
    assert!(ok.resume(&bad).is_err());
}

#[test]
fn buffered_bytes_stay_within_the_budget() {
    let dir = tmp();
    // 20 shards of 100 records with payloads of 100–2,100 bytes.
    let mut specs = Vec::new();
    let mut max_sample = 0u64;
    for i in 0..20 {
        let p = dir.path().join(format!("big-{i:02}.jsonl"));
        let recs: Vec<Record> = (0..100)
            .map(|j| {
                let r = rec(i, j).with("pad", "z".repeat(100 + (i * 131 + j * 17) % 2000));
                max_sample = max_sample.max(r.approx_size() as u64);
                r
            })
            .collect();
        write_jsonl(&p, &recs).unwrap();
        specs.push(
            ShardSpec::new(p.to_string_lossy())
                .unwrap()
                .with_records(Some(100)),
        );
    }
    let budget = 24_000;
    let cfg = LoaderConfig::default()
        .with_batch_size(10)
        .with_shuffle_buffer(1000)
        .with_shuffle_buffer_bytes(8_000)
        .with_memory_budget(budget)
        .with_num_threads(4)
        .with_prefetch_shards(8);
    let mut small = loader(&specs, cfg.clone());
    let order = epoch_ids(&mut small);
    assert_eq!(order.len(), 200);
    let stats = small.stats();
    assert!(
        stats.peak_buffered_bytes <= budget + max_sample,
        "peak {} > budget {budget} + one sample {max_sample}",
        stats.peak_buffered_bytes
    );
    assert!(stats.peak_buffered_bytes > budget / 2, "{stats:?}");
    assert_eq!(stats.buffered_bytes, 0);
    // A larger budget prefetches more, but gives the same order (the block size is the same).
    let mut large = loader(&specs, cfg.with_memory_budget(64 << 20));
    assert_eq!(epoch_ids(&mut large), order);
    assert!(large.stats().peak_buffered_bytes > budget + max_sample);
}

/// Valid records, then a truncated zstd stream, a bad line, a truncated tar, garbage Parquet,
/// and a missing file, with the counts a manifest would have given.
fn bad_shards(dir: &Path) -> (Vec<ShardSpec>, usize) {
    let mut specs = jsonl_shards(dir, &[100, 100, 100, 100]);
    let z = dir.join("trunc.jsonl.zst");
    let many: Vec<Record> = (0..100)
        .map(|j| rec(4, j).with("t", format!("{j:x}").repeat(40)))
        .collect();
    write_jsonl(&z, &many).unwrap();
    let bytes = std::fs::read(&z).unwrap();
    std::fs::write(&z, &bytes[..bytes.len() / 2]).unwrap();
    specs.push(
        ShardSpec::new(z.to_string_lossy())
            .unwrap()
            .with_records(Some(100)),
    );

    let l = dir.join("badline.jsonl");
    let mut text = String::new();
    for j in 0..10 {
        text.push_str(&format!("{{\"id\":\"s05-{j:04}\",\"x\":{j}}}\n"));
        if j == 4 {
            text.push_str("{not json\n");
        }
    }
    std::fs::write(&l, text).unwrap();
    specs.push(
        ShardSpec::new(l.to_string_lossy())
            .unwrap()
            .with_records(Some(11)),
    );

    let t = dir.join("trunc.tar");
    let mut w = WebDatasetWriter::new(&t).build().unwrap();
    for j in 0..30 {
        w.write(rec(6, j).with("bin", vec![7_u8; 3000])).unwrap();
    }
    w.finish().unwrap();
    let bytes = std::fs::read(&t).unwrap();
    std::fs::write(&t, &bytes[..bytes.len() / 3 + 100]).unwrap();
    specs.push(
        ShardSpec::new(t.to_string_lossy())
            .unwrap()
            .with_records(Some(30)),
    );

    let p = dir.join("garbage.parquet");
    std::fs::write(&p, b"PAR1 this is not parquet PAR1").unwrap();
    specs.push(
        ShardSpec::new(p.to_string_lossy())
            .unwrap()
            .with_records(Some(20)),
    );

    let m = dir.join("missing.jsonl");
    specs.push(
        ShardSpec::new(m.to_string_lossy())
            .unwrap()
            .with_records(Some(5)),
    );
    (specs, 400 + 100 + 11 + 30 + 20 + 5)
}

#[test]
fn bad_shards_are_counted_and_the_epoch_goes_on() {
    let dir = tmp();
    let (specs, listed) = bad_shards(dir.path());
    let cfg = LoaderConfig::default().with_batch_size(8).with_seed(5);
    let mut l = loader(&specs, cfg.clone());
    assert_eq!(l.num_samples(), listed as u64);
    let batches = epoch_ids(&mut l);
    // The promised batch count, all full, although many listed samples are unreadable.
    assert_eq!(batches.len() as u64, l.batches_per_epoch());
    assert_eq!(batches.len(), listed / 8);
    assert!(batches.iter().all(|b| b.len() == 8));
    let stats = l.stats();
    assert!(stats.errors >= 4, "{stats:?}");
    let msgs = stats.recent_errors.join("\n");
    for name in [
        "trunc.jsonl.zst",
        "badline.jsonl",
        "trunc.tar",
        "garbage.parquet",
        "missing.jsonl",
    ] {
        assert!(msgs.contains(name), "no error names {name}:\n{msgs}");
    }
    // Resuming in the middle of bad data continues exactly.
    for stop in [1, 20, 45, 60] {
        let mut first = loader(&specs, cfg.clone());
        let mut got: Vec<Vec<String>> = first
            .by_ref()
            .take(stop)
            .map(|b| ids(&b.unwrap()))
            .collect();
        let mut second = loader(&specs, cfg.clone().with_num_threads(3));
        second.resume(&first.state()).unwrap();
        got.extend(epoch_ids(&mut second));
        assert_eq!(got, batches, "stop {stop}");
    }
    // Every good sample was read (the missing ones are made up by reading on).
    let seen: BTreeSet<String> = batches.into_iter().flatten().collect();
    assert!(
        all_ids(&[100, 100, 100, 100])
            .iter()
            .all(|id| seen.contains(id))
    );

    // Failing: the errors come out of the iterator, and the epoch goes on to the same batches.
    let mut f = loader(&specs, cfg.with_on_error(BadRecordPolicy::Fail));
    let (mut ok, mut errs) = (Vec::new(), Vec::new());
    for item in f.by_ref() {
        match item {
            Ok(b) => ok.push(ids(&b)),
            Err(e) => {
                assert!(e.is_record(), "{e}");
                errs.push(e.to_string());
            }
        }
    }
    assert_eq!(ok.len(), listed / 8);
    assert_eq!(errs.len() as u64, f.stats().errors);
    assert!(errs.iter().any(|m| m.contains("trunc.tar")));
    let again = epoch_ids(&mut loader(
        &specs,
        LoaderConfig::default().with_batch_size(8).with_seed(5),
    ));
    assert_eq!(ok, again);
}

#[test]
fn a_dataset_without_enough_readable_samples_is_an_error_not_a_hang() {
    let dir = tmp();
    let p = dir.path().join("missing.jsonl");
    let specs = vec![
        ShardSpec::new(p.to_string_lossy())
            .unwrap()
            .with_records(Some(10)),
    ];
    let mut l = loader(&specs, LoaderConfig::default().with_batch_size(2));
    let items: Vec<_> = l.by_ref().collect();
    let fatal = items
        .iter()
        .filter(|r| matches!(r, Err(e) if !e.is_record()))
        .count();
    assert_eq!(fatal, 1, "{items:?}");
    assert!(items.iter().all(|r| r.is_err()));
}

#[test]
fn batches_collate_to_ndarray_and_arrow() {
    let t = |a: f32| Value::Tensor(Tensor::f32(vec![2, 3], vec![a; 6]).unwrap());
    let recs: Vec<Record> = (0..4)
        .map(|i| {
            Record::new()
                .with_key(format!("k{i}"))
                .with("img", t(i as f32))
                .with("label", i as i64)
                .with("ok", i % 2 == 0)
                .with(
                    "grid",
                    Value::List(vec![
                        Value::List(vec![Value::from(i as i64), Value::from(1_i64)]),
                        Value::List(vec![Value::from(2_i64), Value::from(3_i64)]),
                    ]),
                )
                .with("text", format!("t{i}"))
        })
        .collect();
    let b = Batch::new(0, 0, recs.clone());
    let img = b.array_f32("img").unwrap();
    assert_eq!(img.shape(), &[4, 2, 3]);
    assert_eq!(img[[3, 1, 2]], 3.0);
    let label = b.array_i64("label").unwrap();
    assert_eq!(label.shape(), &[4]);
    assert_eq!(label.iter().copied().collect::<Vec<_>>(), vec![0, 1, 2, 3]);
    assert_eq!(
        b.array_u8("ok")
            .unwrap()
            .iter()
            .copied()
            .collect::<Vec<_>>(),
        vec![1, 0, 1, 0]
    );
    let grid = b.array_f64("grid").unwrap();
    assert_eq!(grid.shape(), &[4, 2, 2]);
    assert_eq!(grid[[2, 0, 0]], 2.0);
    // Typed errors.
    assert!(matches!(
        b.array_f32("text"),
        Err(CollateError::Type { .. })
    ));
    assert!(matches!(
        b.array_f32("nope"),
        Err(CollateError::Missing { .. })
    ));
    let mut ragged = recs.clone();
    ragged[2].set(
        "img",
        Value::Tensor(Tensor::f32(vec![3, 2], vec![0.0; 6]).unwrap()),
    );
    match Batch::new(0, 0, ragged).array_f32("img") {
        Err(CollateError::Ragged {
            key,
            expected,
            found,
            ..
        }) => {
            assert_eq!(
                (key.as_str(), expected, found),
                ("k2", vec![2, 3], vec![3, 2])
            );
        }
        other => panic!("{other:?}"),
    }
    let mut inner = recs.clone();
    inner[1].set(
        "grid",
        Value::List(vec![Value::List(vec![1_i64.into()]), Value::List(vec![])]),
    );
    assert!(matches!(
        Batch::new(0, 0, inner).array_i64("grid"),
        Err(CollateError::Ragged { .. })
    ));
    let mut big = recs.clone();
    big[0].set("label", 300_i64);
    assert!(matches!(
        Batch::new(0, 0, big).array_u8("label"),
        Err(CollateError::Type { .. })
    ));
    let e: Error = b.array_f32("text").unwrap_err().into();
    assert!(e.is_record());
    // Arrow.
    let rb = b.to_record_batch().unwrap();
    assert_eq!((rb.num_rows(), rb.num_columns()), (4, 5));
    assert_eq!(rb.schema().field(1).name(), "label");
    let back = dataprep_core::arrow::from_record_batch(&rb, &Default::default()).unwrap();
    assert_eq!(back[3].i64("label").unwrap(), 3);
}

#[cfg(feature = "object-store")]
#[test]
fn reads_object_storage_urls_and_resumes_a_local_state() {
    use dataprep_storage::object::ObjectStorage;
    let dir = tmp();
    let local = dir.path().join("local");
    let mut w = ShardedWriter::new(&local, JsonlShards::default())
        .with_max_records(Some(16))
        .build()
        .unwrap();
    for j in 0..70 {
        w.write(rec(j / 16, j % 16)).unwrap();
    }
    w.finish().unwrap();
    let remote = dir.path().join("remote");
    std::fs::create_dir_all(&remote).unwrap();
    let url = format!("file://{}", remote.display());
    ObjectStorage::open(&url)
        .unwrap()
        .upload_dir(&local, "")
        .unwrap();
    let cfg = LoaderConfig::default().with_batch_size(4).with_seed(9);
    let mut a = Loader::new(&local)
        .with_config(cfg.clone())
        .build()
        .unwrap();
    let mut b = Loader::new(&url).with_config(cfg.clone()).build().unwrap();
    assert_eq!(b.shards().len(), 5);
    assert_eq!(a.fingerprint(), b.fingerprint());
    let first = ids(&a.next().unwrap().unwrap());
    // A state saved on local data resumes on the same shards in object storage.
    b.resume(&a.state()).unwrap();
    let rest_a = epoch_ids(&mut a);
    assert_eq!(epoch_ids(&mut b), rest_a);
    assert!(!rest_a.concat().contains(&first[0]));
    // A list of shard URLs (counted by downloading them) gives the same order.
    let files: Vec<String> = b.shards().into_iter().map(|s| s.location).collect();
    assert!(files[0].starts_with("file://"));
    let mut c = Loader::from_files(&files).with_config(cfg).build().unwrap();
    assert_eq!(c.num_samples(), 70);
    let all = epoch_ids(&mut c);
    assert_eq!(all[0], first);
    assert_eq!(&all[1..], &rest_a[..]);
}
