//! The stage-output cache: reuse, per-prefix invalidation, corrupt entries, failed runs, LRU
//! eviction, lossless entries.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use dataprep_core::*;
use dataprep_storage::cache::{StageCache, StageChain, fingerprint_files, fingerprint_manifest};
use dataprep_storage::*;
use proptest::prelude::*;

use super::tmp;

fn input(n: usize) -> VecDataset {
    VecDataset::new(
        (0..n)
            .map(|i| {
                Record::new()
                    .with("n", i as i64)
                    .with("text", format!("text {i}"))
                    .with_key(format!("r{i:04}"))
            })
            .collect(),
    )
}

fn fp(name: &str) -> Fingerprint {
    Fingerprint::of(name, "1", &serde_json::Value::Null)
}

/// A stage adding `add` to `n`, counting its calls.
#[derive(serde::Serialize)]
struct Add {
    add: i64,
}

fn add_stage(name: &'static str, add: i64, calls: Arc<AtomicUsize>) -> impl Stage {
    MapStage::new(name, Add { add }, move |r: &mut Record, _: &Context| {
        calls.fetch_add(1, Ordering::Relaxed);
        let n = r.i64("n")?;
        r.set("n", n + add);
        Ok(())
    })
}

/// Drops odd `n`.
fn even_filter(calls: Arc<AtomicUsize>) -> impl Stage {
    FilterStage::new("even", (), move |r: &mut Record, _: &Context| {
        calls.fetch_add(1, Ordering::Relaxed);
        Ok(if r.i64("n")? % 2 == 0 {
            Decision::Keep
        } else {
            Decision::drop("odd")
        })
    })
}

struct Counters {
    a: Arc<AtomicUsize>,
    f: Arc<AtomicUsize>,
    b: Arc<AtomicUsize>,
}

impl Counters {
    fn new() -> Self {
        Counters {
            a: Arc::default(),
            f: Arc::default(),
            b: Arc::default(),
        }
    }
    fn get(&self) -> (usize, usize, usize) {
        (
            self.a.load(Ordering::Relaxed),
            self.f.load(Ordering::Relaxed),
            self.b.load(Ordering::Relaxed),
        )
    }
    /// a: +1, drop odd, b: +`b`.
    fn chain(&self, b: i64) -> StageChain<'static> {
        StageChain::new()
            .stage(add_stage("a", 1, Arc::clone(&self.a)))
            .stage(even_filter(Arc::clone(&self.f)))
            .stage(add_stage("b", b, Arc::clone(&self.b)))
    }
}

fn values(ds: &dyn IterableDataset) -> Vec<(String, i64)> {
    ds.iter()
        .unwrap()
        .map(|r| {
            let r = r.unwrap();
            (r.key().to_owned(), r.i64("n").unwrap())
        })
        .collect()
}

#[test]
fn reruns_reuse_and_a_config_change_recomputes_only_what_follows() {
    let d = tmp();
    let cache = StageCache::open(d.path()).unwrap();
    let src = input(100);
    let c = Counters::new();
    let r1 = cache.run(&src, fp("in"), c.chain(10)).unwrap();
    assert_eq!((r1.reused, r1.computed), (0, 3));
    assert_eq!(c.get(), (100, 100, 50));
    let want: Vec<(String, i64)> = (0..100)
        .filter(|i| (i + 1) % 2 == 0)
        .map(|i| (format!("r{i:04}"), i as i64 + 1 + 10))
        .collect();
    assert_eq!(values(&r1.output), want);
    assert_eq!(r1.output.len_hint(), Some(50));
    let s = r1.summary.unwrap();
    assert_eq!((s.read, s.written, s.dropped), (100, 50, 50));
    // Same input, same chain: nothing runs.
    let r2 = cache.run(&src, fp("in"), c.chain(10)).unwrap();
    assert_eq!((r2.reused, r2.computed), (3, 0));
    assert_eq!(c.get(), (100, 100, 50));
    assert_eq!(values(&r2.output), want);
    assert_eq!(r2.fingerprint, r1.fingerprint);
    assert!(r2.summary.is_none());
    // The last stage's config changes: stages a and even are reused, b runs on 50 records.
    let r3 = cache.run(&src, fp("in"), c.chain(20)).unwrap();
    assert_eq!((r3.reused, r3.computed), (2, 1));
    assert_eq!(c.get(), (100, 100, 100));
    assert_eq!(values(&r3.output)[0], ("r0001".to_owned(), 22));
    // The first stage changes: everything after it runs again.
    let c2 = Counters::new();
    let chain = StageChain::new()
        .stage(add_stage("a", 2, Arc::clone(&c2.a)))
        .stage(even_filter(Arc::clone(&c2.f)))
        .stage(add_stage("b", 10, Arc::clone(&c2.b)));
    let r4 = cache.run(&src, fp("in"), chain).unwrap();
    assert_eq!((r4.reused, r4.computed), (0, 3));
    assert_eq!(c2.get(), (100, 100, 50));
    // Back to the first config: still cached.
    let r5 = cache.run(&src, fp("in"), c.chain(10)).unwrap();
    assert_eq!((r5.reused, r5.computed), (3, 0));
    // Another input fingerprint, or another seed, is another key.
    let r6 = cache.run(&src, fp("other input"), c.chain(10)).unwrap();
    assert_eq!(r6.reused, 0);
    let r7 = cache.run(&src, fp("in"), c.chain(10).with_seed(7)).unwrap();
    assert_eq!(r7.reused, 0);
    // One entry per prefix and input: 3 + 1 + 3 + 3 + 3.
    assert_eq!(cache.entries().unwrap().len(), 13);
}

#[test]
fn a_damaged_entry_is_a_miss_never_wrong_data() {
    let d = tmp();
    let cache = StageCache::open(d.path()).unwrap();
    let src = input(300);
    let c = Counters::new();
    let want = values(&cache.run(&src, fp("in"), c.chain(5)).unwrap().output);
    let fps = c.chain(5).prefix_fingerprints(fp("in"));
    let entry = |k: usize| d.path().join(fps[k].to_hex());
    // One byte of the final entry's records.
    let f = entry(3).join("records.bin.zst");
    let mut b = std::fs::read(&f).unwrap();
    let mid = b.len() / 2;
    b[mid] ^= 0x10;
    std::fs::write(&f, &b).unwrap();
    let r = cache.run(&src, fp("in"), c.chain(5)).unwrap();
    assert_eq!((r.reused, r.computed), (2, 1));
    assert_eq!(values(&r.output), want);
    // A truncated records file of the middle entry, and a garbage entry.json of the first.
    let f = entry(2).join("records.bin.zst");
    let b = std::fs::read(&f).unwrap();
    std::fs::write(&f, &b[..b.len() / 2]).unwrap();
    std::fs::write(entry(3).join("entry.json"), b"{not json").unwrap();
    let r = cache.run(&src, fp("in"), c.chain(5)).unwrap();
    assert_eq!((r.reused, r.computed), (1, 2));
    assert_eq!(values(&r.output), want);
    // A missing records file.
    std::fs::remove_file(entry(1).join("records.bin.zst")).unwrap();
    std::fs::remove_dir_all(entry(2)).unwrap();
    std::fs::remove_dir_all(entry(3)).unwrap();
    let before = c.get();
    let r = cache.run(&src, fp("in"), c.chain(5)).unwrap();
    assert_eq!((r.reused, r.computed), (0, 3));
    assert_eq!(c.get().0, before.0 + 300);
    assert_eq!(values(&r.output), want);
}

/// A source that fails (fatally) after `n` records.
struct Failing(usize);

impl IterableDataset for Failing {
    fn open(&self, _shard: Shard) -> Result<Records<'_>> {
        let n = self.0;
        Ok(Box::new((0..=n).map(move |i| {
            if i == n {
                Err(Error::io(
                    "failing-source",
                    std::io::Error::other("disk on fire"),
                ))
            } else {
                Ok(Record::new().with("n", i as i64))
            }
        })))
    }
}

#[test]
fn a_failed_run_leaves_no_entry_and_no_temporary_files() {
    let d = tmp();
    let cache = StageCache::open(d.path()).unwrap();
    let c = Counters::new();
    let e = cache.run(&Failing(5000), fp("in"), c.chain(1)).unwrap_err();
    assert!(e.to_string().contains("disk on fire"), "{e}");
    assert!(c.get().0 > 0, "the stages did run");
    assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 0);
    assert!(matches!(
        cache.run(&input(1), fp("in"), StageChain::new()),
        Err(Error::Config(_))
    ));
}

#[test]
fn eviction_keeps_the_cache_under_its_bound_least_recently_used_first() {
    let d = tmp();
    let src = input(2000);
    let c = Counters::new();
    let one = |name: &str| {
        StageCache::open(d.path())
            .unwrap()
            .run(
                &src,
                fp(name),
                StageChain::new().stage(add_stage("a", 1, Arc::clone(&c.a))),
            )
            .unwrap()
    };
    let size = {
        one("size");
        StageCache::open(d.path()).unwrap().total_bytes().unwrap()
    };
    std::fs::remove_dir_all(d.path()).unwrap();
    // Room for three entries.
    let cache = StageCache::open(d.path())
        .unwrap()
        .with_max_bytes(Some(size * 3 + size / 2));
    let run = |name: &str| {
        cache
            .run(
                &src,
                fp(name),
                StageChain::new().stage(add_stage("a", 1, Arc::clone(&c.a))),
            )
            .unwrap()
    };
    let key = |name: &str| {
        StageChain::new()
            .stage(add_stage("a", 1, Arc::clone(&c.a)))
            .prefix_fingerprints(fp(name))[1]
            .to_hex()
    };
    let present = || -> Vec<String> {
        cache
            .entries()
            .unwrap()
            .into_iter()
            .map(|e| e.fingerprint)
            .collect()
    };
    for name in ["a", "b", "c"] {
        run(name);
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert_eq!(present().len(), 3);
    // A hit on `a` makes `b` the least recently used.
    assert_eq!(run("a").reused, 1);
    std::thread::sleep(std::time::Duration::from_millis(5));
    run("d");
    let now = present();
    assert_eq!(now.len(), 3);
    assert!(!now.contains(&key("b")), "b evicted");
    assert!(now.contains(&key("a")) && now.contains(&key("c")) && now.contains(&key("d")));
    assert!(cache.total_bytes().unwrap() <= size * 3 + size / 2);
    // An output larger than the bound is still returned (and kept until the next run).
    let tiny = StageCache::open(d.path()).unwrap().with_max_bytes(Some(1));
    let r = tiny
        .run(
            &src,
            fp("e"),
            StageChain::new().stage(add_stage("a", 1, Arc::clone(&c.a))),
        )
        .unwrap();
    assert_eq!(r.output.iter().unwrap().count(), 2000);
    assert_eq!(tiny.entries().unwrap().len(), 1);
}

#[test]
fn input_fingerprints_follow_the_files() {
    let d = tmp();
    let a = d.path().join("a.jsonl");
    write_jsonl(&a, &[Record::new().with("x", 1_i64)]).unwrap();
    let f1 = fingerprint_files([&a], true).unwrap();
    assert_eq!(f1, fingerprint_files([&a], true).unwrap());
    write_jsonl(&a, &[Record::new().with("x", 2_i64)]).unwrap();
    assert_ne!(f1, fingerprint_files([&a], true).unwrap());
    assert!(fingerprint_files([d.path().join("missing")], false).is_err());
    let shards = d.path().join("shards");
    let mut w = ShardedWriter::new(&shards, JsonlShards::default())
        .build()
        .unwrap();
    w.write(Record::new().with("x", 1_i64)).unwrap();
    w.finish().unwrap();
    let m1 = fingerprint_manifest(&shards).unwrap();
    let mut w = ShardedWriter::new(&shards, JsonlShards::default())
        .with_resume(false)
        .build()
        .unwrap();
    w.write(Record::new().with("x", 2_i64)).unwrap();
    w.finish().unwrap();
    assert_ne!(m1, fingerprint_manifest(&shards).unwrap());
}

fn arb_records() -> impl Strategy<Value = (Schema, Vec<Record>)> {
    dataprep_core::testing::arb_schema_and_records(
        dataprep_core::testing::TypeOptions::default(),
        1..5,
        0..12,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn entries_are_lossless((_, records) in arb_records()) {
        let d = tmp();
        let cache = StageCache::open(d.path()).unwrap();
        let records: Vec<Record> = records
            .into_iter()
            .enumerate()
            .map(|(i, r)| r.with_key(format!("key-{i}")))
            .collect();
        let src = VecDataset::new(records.clone());
        let chain = || StageChain::new().stage(MapStage::new("id", (), |_: &mut Record, _: &Context| Ok(())));
        let first = cache.run(&src, fp("p"), chain()).unwrap();
        let back: Vec<Record> = first.output.iter().unwrap().collect::<Result<_>>().unwrap();
        prop_assert_eq!(&back, &records);
        let again = cache.run(&src, fp("p"), chain()).unwrap();
        prop_assert_eq!(again.reused, 1);
        let back: Vec<Record> = again.output.iter().unwrap().collect::<Result<_>>().unwrap();
        prop_assert_eq!(back, records);
    }
}
