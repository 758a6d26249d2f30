//! Sharded writers (manifest, crash safety, resume) and WebDataset (round trip, index, bad input,
//! interop with the Python `webdataset` package).

use std::path::{Path, PathBuf};

use dataprep_core::*;
use dataprep_storage::sharded::MANIFEST_FILE;
use dataprep_storage::*;

use super::{dir_entries, docs, drain, tmp};

/// Samples with an image-like bytes field, a caption and JSON fields.
fn samples(n: usize) -> Vec<Record> {
    (0..n)
        .map(|i| {
            let img: Vec<u8> = (0..(50 + i * 7) % 300)
                .map(|j| (i * 31 + j) as u8)
                .collect();
            Record::new()
                .with_key(format!("s{i:05}"))
                .with("jpg", img)
                .with("caption", format!("caption {i} ünï"))
                .with("label", (i % 10) as i64)
                .with("score", i as f64 / 4.0)
        })
        .collect()
}

fn mapping() -> WdsMapping {
    WdsMapping::default().with_member("caption", "txt")
}

/// Fields sorted by name, with the key: the WebDataset reader gives members first, JSON last.
fn sorted(r: &Record) -> (String, Vec<(String, Value)>) {
    let mut f = r.fields().to_vec();
    f.sort_by(|a, b| a.0.cmp(&b.0));
    (r.key().to_owned(), f)
}

fn write_all<F: ShardFormat>(w: &mut ShardedWriter<F>, recs: &[Record]) {
    for r in recs {
        w.write(r.clone()).unwrap();
    }
}

/// Every file of a directory with its bytes (hidden temporary files included).
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    dir_entries(dir)
        .into_iter()
        .map(|n| {
            let b = std::fs::read(dir.join(&n)).unwrap();
            (n, b)
        })
        .collect()
}

fn jsonl_fmt() -> JsonlShards {
    JsonlShards::default()
}

#[test]
fn sharded_writer_rolls_over_by_records_and_bytes_and_counts_add_up() {
    let dir = tmp();
    let recs = docs(95, 20);
    let mut w = ShardedWriter::new(dir.path(), jsonl_fmt())
        .with_prefix("docs")
        .with_max_records(Some(20))
        .build()
        .unwrap();
    write_all(&mut w, &recs);
    w.finish().unwrap();
    let m = Manifest::read(dir.path().join(MANIFEST_FILE)).unwrap();
    assert!(m.complete);
    let counts: Vec<u64> = m.shards.iter().map(|s| s.records).collect();
    assert_eq!(counts, [20, 20, 20, 20, 15]);
    assert_eq!(m.total_records, 95);
    assert_eq!(m.total_bytes, m.shards.iter().map(|s| s.bytes).sum::<u64>());
    assert_eq!(m.shards[4].file, "docs-000004.jsonl.zst");
    assert!(m.verify(dir.path()).is_empty());
    // The inferred schema is in the manifest.
    let schema = m.schema.as_ref().unwrap();
    assert_eq!(schema.field("n").unwrap().data_type, DataType::Int64);
    // Reading the shards back in order gives the input.
    let back: Vec<Record> = JsonlReader::from_paths(m.shard_paths(dir.path()))
        .build()
        .unwrap()
        .iter()
        .unwrap()
        .collect::<Result<_>>()
        .unwrap();
    assert_eq!(back.len(), 95);
    assert!(
        back.iter()
            .zip(&recs)
            .all(|(a, b)| a.fields() == b.fields())
    );

    // By bytes: each record is ~20 words ≈ 130 bytes of text; 1000 bytes cut every few records.
    let dir2 = tmp();
    let mut w = ShardedWriter::new(dir2.path(), ParquetShards::default())
        .with_max_records(None)
        .with_max_bytes(Some(1000))
        .build()
        .unwrap();
    write_all(&mut w, &recs);
    w.finish().unwrap();
    let m = w.manifest().clone();
    assert!(m.shards.len() > 5, "{m}");
    assert_eq!(m.total_records, 95);
    for (i, s) in m.shards.iter().enumerate() {
        assert_eq!(s.file, format!("shard-{i:06}.parquet"));
        assert_eq!(
            read_parquet(dir2.path().join(&s.file)).unwrap().len() as u64,
            s.records
        );
    }
    assert!(m.to_string().contains("95 records"));
}

/// Writes `recs` in one go into `dir`.
fn clean_run<F: ShardFormat>(dir: &Path, fmt: F, recs: &[Record]) -> Vec<(String, Vec<u8>)> {
    let mut w = ShardedWriter::new(dir, fmt)
        .with_max_records(Some(10))
        .build()
        .unwrap();
    write_all(&mut w, recs);
    w.finish().unwrap();
    snapshot(dir)
}

/// Crash after `crash_at` records (the writer is dropped mid-shard), then rerun with the full
/// input: the result is byte-identical to a clean run, manifest included.
fn crash_and_resume<F: ShardFormat + Clone>(fmt: F, recs: &[Record], crash_at: usize) {
    let clean = tmp();
    let expected = clean_run(clean.path(), fmt.clone(), recs);

    let dir = tmp();
    {
        let mut w = ShardedWriter::new(dir.path(), fmt.clone())
            .with_max_records(Some(10))
            .build()
            .unwrap();
        write_all(&mut w, &recs[..crash_at]);
        // dropped without finish: the kill
    }
    let done = crash_at / 10;
    let m = Manifest::read(dir.path().join(MANIFEST_FILE)).unwrap();
    assert!(!m.complete);
    assert_eq!(m.shards.len(), done);
    let ext = m.config.extension.clone();
    let names = dir_entries(dir.path());
    assert!(
        !names.iter().any(|n| n.ends_with(".tmp")),
        "no temporary file left: {names:?}"
    );
    assert!(
        !names.contains(&format!("shard-{done:06}.{ext}")),
        "no partial shard at its final path: {names:?}"
    );
    // The kept shards are exactly the clean run's.
    for s in &m.shards {
        let a = std::fs::read(dir.path().join(&s.file)).unwrap();
        let b = std::fs::read(clean.path().join(&s.file)).unwrap();
        assert!(a == b, "{} differs", s.file);
    }

    // Rerun with the same input: completed shards are skipped.
    let mut w = ShardedWriter::new(dir.path(), fmt)
        .with_max_records(Some(10))
        .build()
        .unwrap();
    assert_eq!(w.records_to_skip(), (done * 10) as u64);
    write_all(&mut w, recs);
    w.finish().unwrap();
    let got = snapshot(dir.path());
    let names = |v: &[(String, Vec<u8>)]| v.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&got), names(&expected));
    for ((n, a), (_, b)) in got.iter().zip(&expected) {
        assert!(a == b, "{n} differs after resume");
    }
}

#[test]
fn killed_sharded_writers_resume_to_byte_identical_output() {
    crash_and_resume(jsonl_fmt(), &docs(47, 10), 25);
    crash_and_resume(ParquetShards::default(), &docs(47, 10), 37);
    crash_and_resume(WebDatasetShards { mapping: mapping() }, &samples(47), 21);
    // A crash before the first shard completes, and one right at a shard boundary.
    crash_and_resume(jsonl_fmt(), &docs(30, 5), 5);
    crash_and_resume(ParquetShards::default(), &docs(30, 5), 20);
}

#[test]
fn resume_rewrites_from_the_first_corrupt_shard_and_removes_stale_ones() {
    let dir = tmp();
    let recs = docs(50, 5);
    let build = || {
        ShardedWriter::new(dir.path(), jsonl_fmt())
            .with_max_records(Some(10))
            .build()
            .unwrap()
    };
    let mut w = build();
    write_all(&mut w, &recs);
    w.finish().unwrap();
    let before = snapshot(dir.path());

    // Shard 2 damaged (same size, one byte flipped): shards 0..2 are kept, 2.. rewritten.
    let p = dir.path().join("shard-000002.jsonl.zst");
    let mut b = std::fs::read(&p).unwrap();
    let mid = b.len() / 2;
    b[mid] ^= 0xff;
    std::fs::write(&p, b).unwrap();
    let m = Manifest::read(dir.path().join(MANIFEST_FILE)).unwrap();
    assert_eq!(m.verify(dir.path()), [2]);
    let mut w = build();
    assert_eq!(w.records_to_skip(), 20);
    // The caller may skip the input itself.
    w.input_skipped();
    write_all(&mut w, &recs[20..]);
    w.finish().unwrap();
    assert_eq!(snapshot(dir.path()), before);

    // A rerun with resume off over shorter input: no stale shard 3 or 4 remains, no gap.
    let mut w = ShardedWriter::new(dir.path(), jsonl_fmt())
        .with_max_records(Some(10))
        .with_resume(false)
        .build()
        .unwrap();
    assert_eq!(w.records_to_skip(), 0);
    write_all(&mut w, &recs[..25]);
    w.finish().unwrap();
    assert_eq!(
        dir_entries(dir.path()),
        [
            "manifest.json",
            "shard-000000.jsonl.zst",
            "shard-000001.jsonl.zst",
            "shard-000002.jsonl.zst"
        ]
    );
    assert_eq!(w.manifest().total_records, 25);

    // Another configuration in the same directory is refused.
    let e = ShardedWriter::new(dir.path(), jsonl_fmt())
        .with_max_records(Some(11))
        .build()
        .unwrap_err();
    assert!(matches!(e, Error::Config(_)), "{e}");
}

#[test]
fn sharded_parquet_shards_share_one_schema_and_it_is_in_the_manifest() {
    let dir = tmp();
    let recs = docs(25, 3);
    let mut w = ShardedWriter::new(dir.path(), ParquetShards::default())
        .with_max_records(Some(10))
        .build()
        .unwrap();
    write_all(&mut w, &recs);
    // A record that does not fit the schema fixed by shard 0 is rejected alone.
    let e = w
        .write(Record::new().with("n", "not a number").with_key("bad"))
        .unwrap_err();
    assert!(e.is_record(), "{e}");
    w.finish().unwrap();
    let m = w.manifest();
    assert_eq!(m.total_records, 25);
    let schema = m.schema.clone().unwrap();
    for p in m.shard_paths(dir.path()) {
        let r = ParquetReader::new(p).build().unwrap();
        assert_eq!(IterableDataset::schema(&r).unwrap(), schema);
    }
}

// ---------------------------------------------------------------------------------------------
// WebDataset

#[test]
fn webdataset_round_trips_records_and_random_access_matches() {
    let dir = tmp();
    let recs = samples(23);
    let mut w = ShardedWriter::new(dir.path(), WebDatasetShards { mapping: mapping() })
        .with_prefix("train")
        .with_max_records(Some(8))
        .build()
        .unwrap();
    write_all(&mut w, &recs);
    w.finish().unwrap();
    let m = w.manifest().clone();
    assert_eq!(
        m.shards.iter().map(|s| s.file.as_str()).collect::<Vec<_>>(),
        ["train-000000.tar", "train-000001.tar", "train-000002.tar"]
    );
    let paths = m.shard_paths(dir.path());
    assert!(dir.path().join("train-000002.tar.idx.json").exists());

    let reader = WebDatasetReader::from_paths(paths.clone())
        .with_mapping(mapping())
        .build()
        .unwrap();
    let (back, bad) = drain(reader.iter().unwrap());
    assert!(bad.is_empty(), "{bad:?}");
    assert_eq!(back.len(), 23);
    for (a, b) in back.iter().zip(&recs) {
        assert_eq!(sorted(a), sorted(b));
    }
    // Sharded by file: 3 files over 2 ranks.
    let n0 = reader.open(Shard::new(0, 2).unwrap()).unwrap().count();
    let n1 = reader.open(Shard::new(1, 2).unwrap()).unwrap().count();
    assert_eq!((n0, n1), (8 + 7, 8));

    // Random access through the sidecar indices, and by scanning when they are gone.
    let idx = WebDatasetIndex::open(&paths, mapping()).unwrap();
    assert_eq!(idx.len(), 23);
    for i in [0, 7, 8, 15, 22] {
        assert_eq!(sorted(&idx.get(i).unwrap()), sorted(&recs[i]));
    }
    assert!(matches!(idx.get(23), Err(Error::OutOfRange { .. })));
    for p in &paths {
        let mut s = p.as_os_str().to_owned();
        s.push(".idx.json");
        std::fs::remove_file(PathBuf::from(s)).unwrap();
    }
    let scanned = WebDatasetIndex::open(&paths, mapping()).unwrap();
    for i in 0..23 {
        assert_eq!(scanned.entry(i).unwrap().1, idx.entry(i).unwrap().1);
    }
}

#[test]
fn webdataset_keys_with_dots_are_sanitised_and_bare_records_get_a_json_member() {
    let dir = tmp();
    let path = dir.path().join("x.tar");
    let mut w = WebDatasetWriter::new(&path).build().unwrap();
    w.write(Record::new().with_key("docs.jsonl:3").with("text", "hi"))
        .unwrap();
    w.write(Record::new().with_key("empty")).unwrap();
    let e = w.write(Record::new().with("text", "no key")).unwrap_err();
    assert!(e.is_record(), "{e}");
    w.finish().unwrap();
    let (back, bad) = drain(
        WebDatasetReader::new(&path)
            .build()
            .unwrap()
            .iter()
            .unwrap(),
    );
    assert!(bad.is_empty());
    assert_eq!(back[0].key(), "docs_jsonl:3");
    assert_eq!(back[0].str("text").unwrap(), "hi");
    assert_eq!(back[1].key(), "empty");
    assert!(back[1].is_empty());
}

#[test]
fn truncated_tar_is_one_record_error_with_path_and_offset_and_reading_goes_on() {
    let dir = tmp();
    let recs = samples(10);
    let a = dir.path().join("a.tar");
    let b = dir.path().join("b.tar");
    for p in [&a, &b] {
        let mut w = WebDatasetWriter::new(p)
            .with_mapping(mapping())
            .build()
            .unwrap();
        for r in &recs {
            w.write(r.clone()).unwrap();
        }
        w.finish().unwrap();
    }
    // Cut `a` in the middle of sample 6's data.
    let idx = WebDatasetIndex::open([&a], mapping()).unwrap();
    let (_, e6) = idx.entry(6).unwrap();
    let cut = e6.offset + 1100;
    let bytes = std::fs::read(&a).unwrap();
    std::fs::write(&a, &bytes[..cut as usize]).unwrap();

    let reader = WebDatasetReader::from_paths([&a, &b])
        .with_mapping(mapping())
        .build()
        .unwrap();
    let (ok, bad) = drain(reader.iter().unwrap());
    assert_eq!(ok.len(), 6 + 10, "six whole samples of a, then all of b");
    assert_eq!(bad.len(), 1, "{bad:?}");
    let loc = bad[0].location.as_deref().unwrap();
    assert_eq!(loc.path.as_deref(), Some(a.as_path()));
    let off = loc.offset.unwrap();
    assert!(
        off >= e6.offset && off < e6.offset + e6.length,
        "offset {off} in sample 6 at {}",
        e6.offset
    );
    assert_eq!(bad[0].key.as_deref(), Some("s00006"));
    assert!(bad[0].to_string().contains("a.tar"), "{}", bad[0]);

    // A member over the limit is a Limit error for its sample only.
    let reader = WebDatasetReader::new(&b)
        .with_mapping(mapping())
        .with_max_member_bytes(80)
        .build()
        .unwrap();
    let (ok, bad) = drain(reader.iter().unwrap());
    assert_eq!(
        (ok.len(), bad.len()),
        (5, 5),
        "samples 5.. have members over 80 bytes"
    );
    assert!(!bad.is_empty() && bad.iter().all(|e| e.kind == RecordErrorKind::Limit));

    // Garbage and a missing file are record errors too.
    let g = dir.path().join("g.tar");
    std::fs::write(&g, vec![0x41_u8; 1500]).unwrap();
    let reader = WebDatasetReader::from_paths([g, dir.path().join("missing.tar")])
        .build()
        .unwrap();
    let (ok, bad) = drain(reader.iter().unwrap());
    assert!(ok.is_empty());
    assert_eq!(bad.len(), 2, "{bad:?}");
}

#[test]
fn python_webdataset_reads_our_shards_and_we_read_its_tars() {
    if !dataprep_core::testing::python_has(
        "webdataset",
        "python_webdataset_reads_our_shards_and_we_read_its_tars",
    ) {
        return;
    }
    let dir = tmp();
    let recs = samples(12);
    let mut w = ShardedWriter::new(dir.path(), WebDatasetShards { mapping: mapping() })
        .with_max_records(Some(5))
        .build()
        .unwrap();
    write_all(&mut w, &recs);
    w.finish().unwrap();
    let script = r#"
import sys, json, webdataset as wds
ds = wds.WebDataset(sys.argv[1], shardshuffle=False, empty_check=False)
for s in ds:
    print(s["__key__"], sorted(k for k in s if not k.startswith("__")),
          s["jpg"].hex(), s["txt"].decode(), json.loads(s["json"])["label"])
"#;
    let url = dir.path().join("shard-{000000..000002}.tar");
    let stdout =
        dataprep_core::testing::stdout_of(dataprep_core::testing::python(script).arg(&url));
    let got = stdout;
    let lines: Vec<&str> = got.lines().collect();
    assert_eq!(lines.len(), 12, "{got}");
    for (line, r) in lines.iter().zip(&recs) {
        let jpg = r.bytes("jpg").unwrap();
        let hex: String = jpg.iter().map(|b| format!("{b:02x}")).collect();
        let want = format!(
            "{} ['jpg', 'json', 'txt'] {hex} {} {}",
            r.key(),
            r.str("caption").unwrap(),
            r.i64("label").unwrap()
        );
        assert_eq!(*line, want);
    }

    // A tar written by Python's webdataset.TarWriter, with mixed-case extensions and a
    // multi-dot extension.
    let py_tar = dir.path().join("py.tar");
    let script = r#"
import sys, webdataset as wds
with wds.TarWriter(sys.argv[1]) as sink:
    for i in range(4):
        sink.write({"__key__": f"dir/k{i}", "PNG": bytes([i]) * (i + 1), "seg.png": b"seg",
                    "txt": f"text {i}", "json": {"i": i, "name": f"n{i}"}})
"#;
    // Python writes the tar; its output does not matter, only that it succeeded.
    dataprep_core::testing::stdout_of(dataprep_core::testing::python(script).arg(&py_tar));
    let (back, bad) = drain(
        WebDatasetReader::new(&py_tar)
            .build()
            .unwrap()
            .iter()
            .unwrap(),
    );
    assert!(bad.is_empty(), "{bad:?}");
    assert_eq!(back.len(), 4);
    for (i, r) in back.iter().enumerate() {
        assert_eq!(r.key(), format!("dir/k{i}"));
        assert_eq!(r.bytes("png").unwrap(), vec![i as u8; i + 1].as_slice());
        assert_eq!(r.bytes("seg.png").unwrap(), b"seg");
        assert_eq!(r.str("txt").unwrap(), format!("text {i}"));
        assert_eq!(r.i64("i").unwrap(), i as i64);
        assert_eq!(r.str("name").unwrap(), format!("n{i}"));
    }
    let idx = WebDatasetIndex::open([&py_tar], WdsMapping::default()).unwrap();
    assert_eq!(idx.get(3).unwrap().key(), "dir/k3");
}

// ---------------------------------------------------------------------------------------------
// Folder of media files

#[test]
fn media_folder_is_sorted_sharded_by_file_and_limited() {
    let dir = tmp();
    let root = dir.path();
    std::fs::create_dir_all(root.join("b/c")).unwrap();
    std::fs::write(root.join("b/c/z.PNG"), b"zz").unwrap();
    std::fs::write(root.join("a.jpg"), b"a").unwrap();
    std::fs::write(root.join("b/y.jpg"), vec![7_u8; 100]).unwrap();
    std::fs::write(root.join("b/notes.txt"), b"skip me").unwrap();
    std::fs::write(root.join(".hidden.jpg"), b"h").unwrap();
    let ds = MediaFolder::new(root)
        .with_extensions(["jpg", "png"])
        .with_max_file_bytes(50)
        .build()
        .unwrap();
    assert_eq!(ds.files(), ["a.jpg", "b/c/z.PNG", "b/y.jpg"]);
    let (ok, bad) = drain(ds.iter().unwrap());
    assert_eq!(ok.len(), 2);
    assert_eq!(ok[1].bytes("bytes").unwrap(), b"zz");
    assert_eq!(ok[1].i64("size").unwrap(), 2);
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0].kind, RecordErrorKind::Limit);
    assert_eq!(bad[0].key.as_deref(), Some("b/y.jpg"));
    let s0: Vec<String> = drain(ds.open(Shard::new(0, 2).unwrap()).unwrap())
        .0
        .iter()
        .map(|r| r.key().to_owned())
        .collect();
    assert_eq!(s0, ["a.jpg"], "files 0 and 2; file 2 is over the limit");
    assert_eq!(
        Dataset::get(&ds, 1).unwrap().str("path").unwrap(),
        "b/c/z.PNG"
    );
    // Into WebDataset shards: the path becomes the sample key.
    let out = tmp();
    let mut w = ShardedWriter::new(out.path(), WebDatasetShards::default())
        .build()
        .unwrap();
    w.write(Dataset::get(&ds, 0).unwrap()).unwrap();
    w.finish().unwrap();
    let back = drain(
        WebDatasetReader::from_paths(w.manifest().shard_paths(out.path()))
            .build()
            .unwrap()
            .iter()
            .unwrap(),
    )
    .0;
    assert_eq!(back[0].key(), "a_jpg");
    assert_eq!(back[0].bytes("bytes").unwrap(), b"a");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]
    /// For any input size and limits: shards are numbered 0..n, none is empty, none exceeds the
    /// record limit, only the last may be under it, and the counts add up to the input.
    #[test]
    fn sharded_counts_add_up_for_any_limits(
        n in 0usize..60,
        max_records in proptest::option::of(1u64..15),
        max_bytes in proptest::option::of(50u64..2000),
    ) {
        let dir = tmp();
        let recs = docs(n, 4);
        let mut w = ShardedWriter::new(dir.path(), jsonl_fmt())
            .with_max_records(max_records)
            .with_max_bytes(max_bytes)
            .build()
            .unwrap();
        write_all(&mut w, &recs);
        w.finish().unwrap();
        let m = w.manifest();
        proptest::prop_assert_eq!(m.total_records, n as u64);
        proptest::prop_assert_eq!(m.shards.iter().map(|s| s.records).sum::<u64>(), n as u64);
        for (i, s) in m.shards.iter().enumerate() {
            proptest::prop_assert_eq!(&s.file, &format!("shard-{i:06}.jsonl.zst"));
            proptest::prop_assert!(s.records > 0);
            if let Some(mr) = max_records {
                proptest::prop_assert!(s.records <= mr);
                if i + 1 < m.shards.len() && max_bytes.is_none() {
                    proptest::prop_assert_eq!(s.records, mr);
                }
            }
        }
        let mut expected: Vec<String> =
            m.shards.iter().map(|s| s.file.clone()).collect();
        expected.push(MANIFEST_FILE.into());
        expected.sort();
        proptest::prop_assert_eq!(dir_entries(dir.path()), expected);
        proptest::prop_assert!(m.verify(dir.path()).is_empty());
    }
}

// ---------------------------------------------------------------------------------------------
// Crash safety with real processes (SIGKILL), see `dataprep_core::testing::crash`.

/// The workload of the crash test: JSONL, Parquet and WebDataset shards of the same samples,
/// each resuming from its manifest.
fn sharded_workload(dir: &Path) {
    let recs = samples(1200);
    fn run<F: ShardFormat>(dir: PathBuf, fmt: F, recs: &[Record]) {
        let mut w = ShardedWriter::new(dir, fmt)
            .with_max_records(Some(40))
            .build()
            .unwrap();
        write_all(&mut w, recs);
        w.finish().unwrap();
    }
    run(dir.join("jsonl"), jsonl_fmt(), &recs);
    run(dir.join("parquet"), ParquetShards::default(), &recs);
    let wds = WebDatasetShards { mapping: mapping() };
    run(dir.join("wds"), wds, &recs);
}

/// The child process of `sharded_writers_killed_and_resumed_are_byte_identical_without_litter`;
/// a no-op unless started by it.
#[test]
fn crash_child_sharded_writers() {
    if let Some(dir) = testing::crash::child_dir() {
        sharded_workload(&dir);
    }
}

#[test]
fn sharded_writers_killed_and_resumed_are_byte_identical_without_litter() {
    use dataprep_core::testing::crash;
    let (reference, crashed) = (tmp(), tmp());
    let run = crash::kill_and_rerun(
        "sharding::crash_child_sharded_writers",
        reference.path(),
        crashed.path(),
        16,
        0x5eed_0001,
        crash::Rerun::Resumes,
    )
    .unwrap();
    assert!(
        run.killed_running >= 8 && run.litter_seen > 0,
        "the kills must land mid-write: {run:?}"
    );
    let a = crash::assert_same_output_without_litter(reference.path(), crashed.path(), &run);
    assert!(a.len() > 3 * 30, "{} files", a.len());
    eprintln!("{run:?}");
}
