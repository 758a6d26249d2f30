//! Readers and the sharded writer/reader on URLs (feature `object-store`): `memory://` and
//! `file://` always, a real S3-compatible server when `DATAPREP_S3_TEST_URL` is set.

use std::path::Path;

use dataprep_core::*;
use dataprep_storage::object::ObjectStorage;
use dataprep_storage::sharded::MANIFEST_FILE;
use dataprep_storage::*;

use dataprep_storage::sharded::ParquetShards;
use dataprep_storage::webdataset::INDEX_SUFFIX;

use super::{docs, drain, fields, tmp};

/// Records with a bytes field, for WebDataset (key = sample key).
fn samples(n: usize) -> Vec<Record> {
    (0..n)
        .map(|i| {
            Record::new()
                .with_key(format!("s{i:04}"))
                .with("jpg", vec![(i % 251) as u8; 40 + i % 17])
                .with("caption", format!("caption {i}"))
                .with("label", (i % 7) as i64)
        })
        .collect()
}

/// A fresh prefix under `base` per test (memory:// is shared by the whole test process).
fn under(base: &str, name: &str) -> String {
    format!("{}/{name}", base.trim_end_matches('/'))
}

/// The reader of a file, by extension.
fn open(p: &Path) -> Box<dyn IterableDataset> {
    let name = p.to_string_lossy();
    if name.ends_with(".parquet") {
        Box::new(ParquetReader::new(p).build().unwrap())
    } else if name.ends_with(".arrow") {
        Box::new(ArrowIpcReader::new(p).build().unwrap())
    } else if name.ends_with(".csv") {
        Box::new(CsvReader::new(p).build().unwrap())
    } else {
        Box::new(JsonlReader::new(p).build().unwrap())
    }
}

/// Writes each format locally, uploads it under `base`, and reads it back through its URL with
/// the format's reader: same records (and keys) as reading the local file.
fn readers_read_urls(base: &str) {
    let store = ObjectStorage::open(base).unwrap();
    let d = tmp();
    // Large enough for several 4 MiB ranged blocks and several row groups.
    let big = docs(4000, 400);
    write_jsonl(d.path().join("docs.jsonl.zst"), &big).unwrap();
    let mut pw = ParquetWriter::new(d.path().join("docs.parquet"))
        .with_max_row_group_size(700)
        .build()
        .unwrap();
    let mut aw = ArrowIpcWriter::new(d.path().join("docs.arrow"))
        .build()
        .unwrap();
    let mut cw = CsvWriter::new(d.path().join("docs.csv")).build().unwrap();
    for r in &big {
        pw.write(r.clone()).unwrap();
        aw.write(r.clone()).unwrap();
        cw.write(r.clone()).unwrap();
    }
    pw.finish().unwrap();
    aw.finish().unwrap();
    cw.finish().unwrap();
    let pq_size = std::fs::metadata(d.path().join("docs.parquet"))
        .unwrap()
        .len();
    assert!(
        pq_size > dataprep_storage::object::RANGE_BLOCK,
        "the Parquet file spans several ranged blocks: {pq_size}"
    );
    for name in ["docs.jsonl.zst", "docs.parquet", "docs.arrow", "docs.csv"] {
        let local = d.path().join(name);
        store.upload(&local, name).unwrap();
        let url = under(base, name);
        let (want, bad) = drain(open(&local).iter().unwrap());
        assert!(bad.is_empty());
        let remote = open(Path::new(&url));
        let (got, bad) = drain(remote.iter().unwrap());
        assert!(bad.is_empty(), "{name}: {bad:?}");
        assert_eq!(got, want, "{name}");
        assert_eq!(got.len(), 4000, "{name}");
        // Sharded reads partition the file the same way as locally.
        let (half, _) = drain(remote.open(Shard::new(1, 2).unwrap()).unwrap());
        let (local_half, _) = drain(open(&local).open(Shard::new(1, 2).unwrap()).unwrap());
        assert_eq!(half, local_half, "{name}");
        if name == "docs.parquet" {
            assert_eq!(remote.len_hint(), Some(4000));
            assert_eq!(remote.schema(), open(&local).schema());
        }
    }
    // WebDataset tar.
    let tar = d.path().join("s.tar");
    let mut w = WebDatasetWriter::new(&tar).build().unwrap();
    for r in samples(30) {
        w.write(r).unwrap();
    }
    w.finish().unwrap();
    store.upload(&tar, "s.tar").unwrap();
    let (got, bad) = drain(
        WebDatasetReader::new(under(base, "s.tar"))
            .build()
            .unwrap()
            .iter()
            .unwrap(),
    );
    assert!(bad.is_empty());
    let (want, _) = drain(WebDatasetReader::new(&tar).build().unwrap().iter().unwrap());
    assert_eq!(got, want);
    // A missing object is one `Io` record error naming its URL; the job goes on.
    let missing = under(base, "missing.jsonl");
    let (ok, bad) = drain(JsonlReader::new(&missing).build().unwrap().iter().unwrap());
    assert!(ok.is_empty());
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0].kind, RecordErrorKind::Io);
    assert!(bad[0].to_string().contains(&missing), "{}", bad[0]);
}

/// Shards written straight to `base`: manifest last, shards and sidecars uploaded, resume after a
/// crash, stale shards deleted, read back verified through `ShardedReader`.
fn sharded_writer_on_urls(base: &str) {
    let recs = samples(95);
    let fmt = || WebDatasetShards::default();
    let write = |url: &str, input: &[Record], stop_after: Option<usize>| {
        let mut w = ShardedWriter::new(url, fmt())
            .with_prefix("train")
            .with_max_records(Some(20))
            .build()
            .unwrap();
        let skip = w.records_to_skip() as usize;
        for (i, r) in input.iter().enumerate() {
            if stop_after == Some(i) {
                return (skip, None); // dropped mid-shard: a crash
            }
            w.write(r.clone()).unwrap();
        }
        w.finish().unwrap();
        (skip, Some(w.manifest().clone()))
    };
    // An uninterrupted run.
    let clean = under(base, "clean");
    let (_, m) = write(&clean, &recs, None);
    let m = m.unwrap();
    assert_eq!(m.shards.len(), 5);
    assert!(m.complete);
    assert_eq!(Manifest::open(&clean).unwrap(), m);
    let store = ObjectStorage::open(&clean).unwrap();
    let keys: Vec<String> = store.list("").unwrap().into_iter().map(|o| o.key).collect();
    assert_eq!(
        keys.len(),
        11,
        "5 shards, 5 indices, the manifest: {keys:?}"
    );
    assert!(keys.contains(&"train-000004.tar.idx.json".to_owned()));
    for s in &m.shards {
        let bytes = store.read(&s.file).unwrap();
        assert_eq!(blake3::hash(&bytes).to_hex().as_str(), s.blake3);
        assert_eq!(s.sha256.len(), 64);
    }
    // Read back, verified (each shard spooled once), and sharded by shard file.
    let ds = ShardedReader::open(&clean).build().unwrap();
    assert_eq!(ds.len_hint(), Some(95));
    let (got, bad) = drain(ds.iter().unwrap());
    assert!(bad.is_empty(), "{bad:?}");
    let key_list = |v: &[Record]| v.iter().map(|r| r.key().to_owned()).collect::<Vec<_>>();
    assert_eq!(key_list(&got), key_list(&recs));
    assert_eq!(got[3].bytes("jpg").unwrap(), recs[3].bytes("jpg").unwrap());
    let (rank1, _) = drain(ds.open(Shard::new(1, 2).unwrap()).unwrap());
    assert_eq!(
        key_list(&rank1),
        key_list(&[&recs[20..40], &recs[60..80]].concat())
    );

    // A crash in shard 2, then a rerun over the same input: same objects as the clean run.
    let crashed = under(base, "crashed");
    let (skip, done) = write(&crashed, &recs, Some(50));
    assert_eq!((skip, done.is_none()), (0, true));
    let m2 = Manifest::open(&crashed).unwrap();
    assert_eq!((m2.shards.len(), m2.complete), (2, false));
    let (skip, m3) = write(&crashed, &recs, None);
    assert_eq!(skip, 40);
    assert_eq!(m3.unwrap(), m);
    let a = ObjectStorage::open(&crashed).unwrap();
    for k in &keys {
        assert!(a.read(k).unwrap() == store.read(k).unwrap(), "{k}");
    }
    // A rerun over a shorter input from scratch deletes the stale higher shards.
    let mut w = ShardedWriter::new(crashed.as_str(), fmt())
        .with_prefix("train")
        .with_max_records(Some(20))
        .with_resume(false)
        .build()
        .unwrap();
    for r in &recs[..30] {
        w.write(r.clone()).unwrap();
    }
    w.finish().unwrap();
    let left: Vec<String> = a.list("").unwrap().into_iter().map(|o| o.key).collect();
    assert_eq!(
        left,
        [
            MANIFEST_FILE,
            "train-000000.tar",
            "train-000000.tar.idx.json",
            "train-000001.tar",
            "train-000001.tar.idx.json"
        ]
    );
    // A corrupted object is caught by the reader's verification and by `Manifest::verify`.
    let m = Manifest::open(&crashed).unwrap();
    let mut bytes = a.read("train-000001.tar").unwrap();
    bytes[600] ^= 1;
    a.write("train-000001.tar", &bytes).unwrap();
    assert_eq!(m.verify(&crashed), [1]);
    let ds = ShardedReader::open(&crashed).build().unwrap();
    let (ok, bad) = drain(ds.iter().unwrap());
    assert_eq!(ok.len(), 20);
    assert_eq!(bad.len(), 1);
    assert!(bad[0].message.contains("checksum mismatch"), "{}", bad[0]);
    assert!(
        bad[0].to_string().contains("train-000001.tar"),
        "{}",
        bad[0]
    );
}

/// The media folder, the WebDataset index, the HF layout and the loader on URLs: the same
/// records as the local equivalents.
fn folders_indices_hf_and_loader_on_urls(base: &str) {
    // A media folder: nested keys, hidden objects skipped, the size limit checked.
    let store = ObjectStorage::open(&under(base, "media")).unwrap();
    store.write("a.jpg", b"aaaa").unwrap();
    store.write("cats/b.JPG", &[9_u8; 30]).unwrap();
    store.write("cats/big.jpg", &[1_u8; 100]).unwrap();
    store.write("cats/notes.txt", b"not an image").unwrap();
    store.write(".tmp/c.jpg", b"hidden").unwrap();
    let ds = MediaFolder::new(under(base, "media"))
        .with_extensions(["jpg"])
        .with_max_file_bytes(50)
        .build()
        .unwrap();
    assert_eq!(ds.files(), ["a.jpg", "cats/b.JPG", "cats/big.jpg"]);
    assert_eq!(ds.sizes(), [4, 30, 100]);
    let (ok, bad) = drain(ds.iter().unwrap());
    assert_eq!(ok.len(), 2);
    assert_eq!(
        (ok[1].key(), ok[1].bytes("bytes").unwrap()),
        ("cats/b.JPG", &[9_u8; 30][..])
    );
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0].kind, RecordErrorKind::Limit);
    assert!(bad[0].to_string().contains("cats/big.jpg"), "{}", bad[0]);
    assert_eq!(Dataset::get(&ds, 0).unwrap().i64("size").unwrap(), 4);

    // A WebDataset index over tars at URLs: with the sidecar index, and scanned without one.
    let d = tmp();
    let recs = samples(25);
    let tar = d.path().join("s.tar");
    let mut w = WebDatasetWriter::new(&tar).build().unwrap();
    for r in &recs {
        w.write(r.clone()).unwrap();
    }
    w.finish().unwrap();
    let wds = ObjectStorage::open(&under(base, "wds")).unwrap();
    wds.upload(&tar, "with-index.tar").unwrap();
    wds.upload(
        d.path().join(format!("s.tar{INDEX_SUFFIX}")),
        &format!("with-index.tar{INDEX_SUFFIX}"),
    )
    .unwrap();
    wds.upload(&tar, "no-index.tar").unwrap();
    let local = WebDatasetIndex::open([&tar], WdsMapping::default()).unwrap();
    for name in ["with-index.tar", "no-index.tar"] {
        let url = under(&under(base, "wds"), name);
        let idx = WebDatasetIndex::open([&url], WdsMapping::default()).unwrap();
        assert_eq!(Dataset::len(&idx), 25, "{name}");
        for i in [0, 7, 24] {
            assert_eq!(idx.get(i).unwrap(), local.get(i).unwrap(), "{name} {i}");
        }
        assert!(idx.get(25).is_err());
    }
    let missing = under(&under(base, "wds"), "missing.tar");
    assert!(WebDatasetIndex::open([&missing], WdsMapping::default()).is_err());

    // The HF layout written straight to a URL, then read back from it.
    let hf_url = under(base, "hf");
    let write_hf = |dir: &str| {
        let mut w = HfDatasetWriter::new(dir)
            .with_max_records_per_shard(10)
            .with_license("mit")
            .build()
            .unwrap();
        for (i, r) in docs(34, 5).into_iter().enumerate() {
            w.write_to(if i % 4 == 0 { "test" } else { "train" }, r)
                .unwrap();
        }
        w.finish().unwrap();
    };
    write_hf(&hf_url);
    let local_hf = d.path().join("hf");
    write_hf(local_hf.to_str().unwrap());
    let hf_store = ObjectStorage::open(&hf_url).unwrap();
    let keys: Vec<String> = hf_store
        .list("")
        .unwrap()
        .into_iter()
        .map(|o| o.key)
        .collect();
    assert_eq!(
        keys,
        [
            "README.md",
            "data/test-00000-of-00001.parquet",
            "data/train-00000-of-00003.parquet",
            "data/train-00001-of-00003.parquet",
            "data/train-00002-of-00003.parquet",
        ]
    );
    assert_eq!(
        hf_store.read("README.md").unwrap(),
        std::fs::read(local_hf.join("README.md")).unwrap()
    );
    let remote_ds = HfDataset::open(&hf_url).unwrap();
    let local_ds = HfDataset::open(&local_hf).unwrap();
    assert_eq!(remote_ds.splits(), ["test", "train"]);
    for split in ["test", "train"] {
        let a = drain(remote_ds.split(split).unwrap().iter().unwrap());
        let b = drain(local_ds.split(split).unwrap().iter().unwrap());
        assert!(a.1.is_empty());
        assert_eq!(fields(&a.0), fields(&b.0), "{split}");
    }
    // A rerun with fewer records replaces the split's shards (none of the old ones is left).
    let mut w = HfDatasetWriter::new(hf_url.as_str()).build().unwrap();
    w.write_to("train", Record::new().with("text", "only"))
        .unwrap();
    w.finish().unwrap();
    let train: Vec<String> = hf_store
        .list("data")
        .unwrap()
        .into_iter()
        .map(|o| o.key)
        .filter(|k| k.contains("train"))
        .collect();
    assert_eq!(train, ["data/train-00000-of-00001.parquet"]);

    // The loader streams shards from the URL: the same batches as from the local copy.
    let shards = d.path().join("shards");
    let mut sw = ShardedWriter::new(&shards, ParquetShards::default())
        .with_max_records(Some(16))
        .build()
        .unwrap();
    for i in 0..80_i64 {
        sw.write(Record::new().with("id", i).with("x", i as f64 * 0.5))
            .unwrap();
    }
    sw.finish().unwrap();
    let shard_url = under(base, "loader");
    ObjectStorage::open(&shard_url)
        .unwrap()
        .upload_dir(&shards, "")
        .unwrap();
    let keys_of = |loc: &str| -> Vec<Vec<String>> {
        let mut l = Loader::new(loc)
            .with_batch_size(8)
            .with_seed(3)
            .with_shuffle_buffer(20)
            .build()
            .unwrap();
        l.by_ref().map(|b| b.unwrap().keys()).collect()
    };
    let want = keys_of(shards.to_str().unwrap());
    assert_eq!(want.len(), 10);
    assert_eq!(keys_of(&shard_url), want);
}

#[test]
fn readers_and_sharded_writer_on_memory_and_file_urls() {
    readers_read_urls("memory:///readers-test");
    sharded_writer_on_urls("memory:///sharded-test");
    folders_indices_hf_and_loader_on_urls("memory:///more-test");
    let d = tmp();
    let url = format!("file://{}", d.path().display());
    readers_read_urls(&under(&url, "r"));
    sharded_writer_on_urls(&under(&url, "w"));
    folders_indices_hf_and_loader_on_urls(&under(&url, "m"));
    // A plain local path and a file:// URL give the same dataset.
    let local = d.path().join("w").join("clean");
    let a = drain(ShardedReader::open(&local).build().unwrap().iter().unwrap()).0;
    let b = drain(
        ShardedReader::open(format!("{url}/w/clean"))
            .build()
            .unwrap()
            .iter()
            .unwrap(),
    )
    .0;
    assert_eq!(a, b);
}

#[test]
fn readers_and_sharded_writer_on_a_real_s3_server() {
    let Ok(url) = std::env::var("DATAPREP_S3_TEST_URL") else {
        eprintln!(
            "SKIPPED readers_and_sharded_writer_on_a_real_s3_server: set \
             DATAPREP_S3_TEST_URL=s3://bucket/prefix and AWS_* to run it against an S3 server"
        );
        return;
    };
    let base = under(&url, &format!("urls-{}", std::process::id()));
    readers_read_urls(&under(&base, "r"));
    sharded_writer_on_urls(&under(&base, "w"));
    folders_indices_hf_and_loader_on_urls(&under(&base, "m"));
}
