//! Integration tests of dataprep-storage: round trips, bad input, sharding, crash safety, interop.
//! (One test binary per crate keeps link time and disk use down.) Every fixture is generated here.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use dataprep_core::*;
use dataprep_storage::*;
use proptest::prelude::*;

mod bad_input;
mod cache;
mod formats;
mod loader;
mod media;
#[cfg(feature = "object-store")]
mod object;
mod open;
#[cfg(feature = "object-store")]
mod remote;
mod sharding;
mod versioning;

// ---------------------------------------------------------------------------------------------
// Helpers

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// Splits a stream into its records and its record errors (a fatal error fails the test).
fn drain(it: Records<'_>) -> (Vec<Record>, Vec<RecordError>) {
    let (mut ok, mut bad) = (Vec::new(), Vec::new());
    for item in it {
        match item {
            Ok(r) => ok.push(r),
            Err(Error::Record(e)) => bad.push(*e),
            Err(fatal) => panic!("unexpected fatal error: {fatal}"),
        }
    }
    (ok, bad)
}

/// Items in order: `Ok(key)` or `Err(kind)`.
fn outline(it: Records<'_>) -> Vec<std::result::Result<String, RecordErrorKind>> {
    it.map(|r| match r {
        Ok(r) => Ok(r.key().to_owned()),
        Err(Error::Record(e)) => Err(e.kind),
        Err(fatal) => panic!("unexpected fatal error: {fatal}"),
    })
    .collect()
}

fn loc(e: &RecordError) -> &Location {
    e.location.as_deref().expect("record error has a location")
}

/// Deterministic pseudo-random text (xorshift), so compressed streams have many blocks.
fn noise_text(seed: u64, words: usize) -> String {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = String::new();
    for _ in 0..words {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let len = 2 + (x % 9) as usize;
        if !out.is_empty() {
            out.push(' ');
        }
        for i in 0..len {
            out.push((b'a' + ((x >> (i * 5)) % 26) as u8) as char);
        }
    }
    out
}

fn docs(n: usize, words: usize) -> Vec<Record> {
    (0..n)
        .map(|i| {
            Record::new()
                .with("id", format!("doc-{i}"))
                .with("text", noise_text(i as u64, words))
                .with("n", i as i64)
                .with_key(format!("doc-{i}"))
        })
        .collect()
}

/// Records with JSON-representable values of every kind JSON has.
fn json_records() -> Vec<Record> {
    vec![
        Record::new()
            .with("id", "a")
            .with("text", "héllo \"wörld\"\n\ttab \\ back / 😀 \u{0001}")
            .with("n", -42_i64)
            .with("big", Value::UInt(u64::MAX))
            .with("f", 0.1 + 0.2)
            .with("ok", true)
            .with("none", Value::Null)
            .with(
                "tags",
                vec![Value::from("x"), Value::from(1_i64), Value::Null],
            )
            .with(
                "nested",
                Value::Struct(vec![
                    (
                        "k".into(),
                        Value::List(vec![Value::List(vec![1_i64.into()])]),
                    ),
                    ("e".into(), Value::Struct(vec![])),
                ]),
            ),
        Record::new().with("id", "b").with("text", ""),
        Record::new().with("id", 7_i64).with("f", -1.5e300),
    ]
}

/// The fields of each record (keys aside).
fn fields(recs: &[Record]) -> Vec<&[(String, Value)]> {
    recs.iter().map(Record::fields).collect()
}

fn expect_keys(recs: &[Record]) -> Vec<String> {
    recs.iter().map(|r| r.key().to_owned()).collect()
}

// ---------------------------------------------------------------------------------------------
// JSONL round trips

#[test]
fn jsonl_round_trips_plain_gzip_and_zstd() {
    let dir = tmp();
    let recs = json_records();
    for name in ["d.jsonl", "d.jsonl.gz", "d.jsonl.zst", "d.jsonl.zstd"] {
        let path = dir.path().join(name);
        write_jsonl(&path, &recs).unwrap();
        let back = read_jsonl(&path).unwrap();
        assert_eq!(back.len(), recs.len(), "{name}");
        for (a, b) in recs.iter().zip(&back) {
            assert_eq!(a.fields(), b.fields(), "{name}");
        }
        assert_eq!(expect_keys(&back), ["a", "b", "7"], "{name}");
    }
    // The compressed files really are compressed (magic numbers).
    let gz = std::fs::read(dir.path().join("d.jsonl.gz")).unwrap();
    assert_eq!(&gz[..2], &[0x1f, 0x8b]);
    let zst = std::fs::read(dir.path().join("d.jsonl.zst")).unwrap();
    assert_eq!(&zst[..4], &[0x28, 0xb5, 0x2f, 0xfd]);
}

#[test]
fn jsonl_explicit_compression_overrides_the_extension() {
    let dir = tmp();
    let path = dir.path().join("data.bin");
    let mut w = JsonlWriter::new(&path)
        .with_compression(Compression::Zstd { level: 19 })
        .build()
        .unwrap();
    for r in docs(50, 5) {
        w.write(r).unwrap();
    }
    w.finish().unwrap();
    assert_eq!(w.records_written(), 50);
    let reader = JsonlReader::new(&path)
        .with_compression(Compression::zstd())
        .build()
        .unwrap();
    let (ok, bad) = drain(reader.iter().unwrap());
    assert_eq!((ok.len(), bad.len()), (50, 0));
    // Read as plain, the zstd bytes are invalid UTF-8 or JSON: errors, not a panic.
    let plain = JsonlReader::new(&path).build().unwrap();
    let (ok, bad) = drain(plain.iter().unwrap());
    assert!(ok.is_empty() && !bad.is_empty());
    assert!(bad.iter().all(|e| e.kind == RecordErrorKind::Parse));
}

#[test]
fn jsonl_keys_come_from_the_key_field_or_file_and_line() {
    let dir = tmp();
    let path = dir.path().join("k.jsonl");
    std::fs::write(
        &path,
        "{\"id\": \"x\"}\n\n{\"id\": 12}\n{\"id\": 1.5}\n{\"doc\": \"q\"}\n",
    )
    .unwrap();
    let keys = |r: JsonlReader| expect_keys(&drain(r.iter().unwrap()).0);
    assert_eq!(
        keys(JsonlReader::new(&path).build().unwrap()),
        ["x", "12", "k.jsonl:4", "k.jsonl:5"]
    );
    assert_eq!(
        keys(
            JsonlReader::new(&path)
                .with_key_field("doc")
                .build()
                .unwrap()
        ),
        ["k.jsonl:1", "k.jsonl:3", "k.jsonl:4", "q"]
    );
    assert_eq!(
        keys(JsonlReader::new(&path).without_key_field().build().unwrap()),
        ["k.jsonl:1", "k.jsonl:3", "k.jsonl:4", "k.jsonl:5"]
    );
}

#[test]
fn jsonl_writer_writes_the_key_field_when_missing() {
    let dir = tmp();
    let path = dir.path().join("w.jsonl");
    let mut w = JsonlWriter::new(&path)
        .with_key_field("id")
        .build()
        .unwrap();
    w.write(Record::new().with("text", "a").with_key("k1"))
        .unwrap();
    w.write(
        Record::new()
            .with("id", 5_i64)
            .with("text", "b")
            .with_key("k2"),
    )
    .unwrap();
    w.write(Record::new().with("text", "c")).unwrap();
    w.finish().unwrap();
    w.finish().unwrap(); // idempotent
    assert!(w.write(Record::new()).is_err(), "write after finish");
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        text,
        "{\"id\":\"k1\",\"text\":\"a\"}\n{\"id\":5,\"text\":\"b\"}\n{\"text\":\"c\"}\n"
    );
}

// ---------------------------------------------------------------------------------------------
// JSONL bad input

#[test]
fn jsonl_bad_lines_are_record_errors_and_reading_goes_on() {
    let dir = tmp();
    let path = dir.path().join("bad.jsonl");
    let mut bytes: Vec<u8> = Vec::new();
    bytes.extend_from_slice(b"\xEF\xBB\xBF{\"id\": \"good-1\"}\r\n"); // 1: BOM + CRLF
    bytes.extend_from_slice(b"{\"id\": \"broken\"\n"); // 2: invalid JSON
    bytes.extend_from_slice(b"{\"id\": \"bad-\xff\xfe-utf8\"}\n"); // 3: invalid UTF-8
    bytes.extend_from_slice(b"   \n"); // 4: blank
    bytes.extend_from_slice(b"[1, 2]\n"); // 5: not an object
    bytes.extend_from_slice(format!("{{\"t\": \"{}\"}}\n", "x".repeat(5000)).as_bytes()); // 6: long
    bytes.extend_from_slice(b"{\"id\": \"good-2\"}"); // 7: no final newline
    std::fs::write(&path, &bytes).unwrap();

    let reader = JsonlReader::new(&path)
        .with_max_line_bytes(1000)
        .build()
        .unwrap();
    let items: Vec<_> = reader.iter().unwrap().collect();
    assert_eq!(
        items.len(),
        6,
        "blank line skipped, every other line one item"
    );
    let keys_and_kinds: Vec<_> = items
        .into_iter()
        .map(|r| match r {
            Ok(r) => Ok(r.key().to_owned()),
            Err(e) => {
                let e = e.into_record().expect("a record error");
                let l = loc(&e);
                assert_eq!(l.path.as_deref(), Some(path.as_path()));
                let msg = e.to_string();
                assert!(
                    msg.contains(&path.display().to_string()) && msg.contains("line"),
                    "{msg}"
                );
                Err((e.kind, l.line.unwrap()))
            }
        })
        .collect();
    assert_eq!(
        keys_and_kinds,
        vec![
            Ok("good-1".to_owned()),
            Err((RecordErrorKind::Parse, 2)),
            Err((RecordErrorKind::Parse, 3)),
            Err((RecordErrorKind::Parse, 5)),
            Err((RecordErrorKind::Limit, 6)),
            Ok("good-2".to_owned()),
        ]
    );
    // read_jsonl stops at the first bad line, with the same error.
    let e = read_jsonl(&path).unwrap_err().into_record().unwrap();
    assert_eq!((e.kind, loc(&e).line), (RecordErrorKind::Parse, Some(2)));
    assert!(e.to_string().contains("bad.jsonl:line 2"), "{e}");
}

#[test]
fn jsonl_overlong_lines_are_skipped_without_buffering_them() {
    // A 32 MiB line against a 1 KiB limit, tiny blocks: the error reports the full length and the
    // next records are read (memory stays at one block, which the reader's unit test checks).
    let dir = tmp();
    let path = dir.path().join("long.jsonl.zst");
    let mut w = JsonlWriter::new(&path).build().unwrap();
    w.write(Record::new().with("id", "before")).unwrap();
    w.write(Record::new().with("blob", "y".repeat(32 << 20)))
        .unwrap();
    w.write(Record::new().with("id", "after")).unwrap();
    w.finish().unwrap();
    let reader = JsonlReader::new(&path)
        .with_max_line_bytes(1024)
        .with_block_lines(2)
        .build()
        .unwrap();
    let (ok, bad) = drain(reader.iter().unwrap());
    assert_eq!(expect_keys(&ok), ["before", "after"]);
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0].kind, RecordErrorKind::Limit);
    assert_eq!(loc(&bad[0]).line, Some(2));
    assert!(
        bad[0].message.contains(&format!("{}", (32 << 20) + 11)),
        "{}",
        bad[0]
    );
}

/// Writes `n` noisy records compressed by extension and cuts the file to `keep` of its size.
fn truncated_file(dir: &Path, name: &str, n: usize, keep: f64) -> (PathBuf, usize) {
    let path = dir.join(name);
    write_jsonl(&path, &docs(n, 20)).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let cut = (bytes.len() as f64 * keep) as usize;
    std::fs::write(&path, &bytes[..cut]).unwrap();
    (path, cut)
}

#[test]
fn truncated_compressed_streams_end_the_file_with_one_io_error() {
    for name in ["cut.jsonl.zst", "cut.jsonl.gz"] {
        let dir = tmp();
        let (cut, _) = truncated_file(dir.path(), name, 5000, 0.5);
        let good = dir.path().join("good.jsonl");
        write_jsonl(&good, &docs(10, 3)).unwrap();
        let reader = JsonlReader::from_paths([&cut, &good]).build().unwrap();
        let (ok, bad) = drain(reader.iter().unwrap());
        assert_eq!(bad.len(), 1, "{name}: {bad:?}");
        let e = &bad[0];
        assert_eq!(e.kind, RecordErrorKind::Io, "{name}: {e}");
        let l = loc(e);
        assert_eq!(l.path.as_deref(), Some(cut.as_path()), "{name}");
        let from_cut = ok.iter().filter(|r| r.key().starts_with("doc-")).count() - 10;
        assert!(from_cut > 100 && from_cut < 5000, "{name}: {from_cut}");
        assert_eq!(
            l.line,
            Some(from_cut as u64 + 1),
            "{name}: the line reached"
        );
        assert!(l.offset.unwrap() > 0, "{name}: the decompressed offset");
        let msg = e.to_string();
        assert!(
            msg.contains(name) && msg.contains("line") && msg.contains("offset"),
            "{msg}"
        );
        // The records before the cut are intact, and the next file is read whole.
        assert_eq!(fields(&ok[..from_cut]), fields(&docs(from_cut, 20)));
        assert_eq!(ok.len(), from_cut + 10);
    }
}

#[test]
fn empty_concatenated_and_garbage_compressed_files() {
    let dir = tmp();
    let read = |p: &Path| outline(JsonlReader::new(p).build().unwrap().iter().unwrap());
    // Empty files (zero bytes) hold no records, whatever the extension.
    for name in ["e.jsonl", "e.jsonl.gz", "e.jsonl.zst"] {
        let p = dir.path().join(name);
        std::fs::write(&p, b"").unwrap();
        assert_eq!(read(&p), vec![], "{name}");
    }
    // Concatenated gzip members (pigz, bgzip) and zstd frames are read whole.
    for name in ["a.jsonl.gz", "a.jsonl.zst"] {
        let (p1, p2) = (
            dir.path().join(format!("1{name}")),
            dir.path().join(format!("2{name}")),
        );
        write_jsonl(&p1, &docs(3, 2)[..2]).unwrap();
        write_jsonl(&p2, &docs(3, 2)[2..]).unwrap();
        let mut both = std::fs::read(&p1).unwrap();
        both.extend(std::fs::read(&p2).unwrap());
        let p = dir.path().join(name);
        std::fs::write(&p, both).unwrap();
        assert_eq!(
            read(&p),
            vec![Ok("doc-0".into()), Ok("doc-1".into()), Ok("doc-2".into())],
            "{name}"
        );
    }
    // Bytes that are not a compressed stream at all: one I/O error at line 1, offset 0.
    for name in ["g.jsonl.gz", "g.jsonl.zst"] {
        let p = dir.path().join(name);
        std::fs::write(&p, b"{\"id\": \"plain text, not compressed\"}\n").unwrap();
        let it = JsonlReader::new(&p).build().unwrap();
        let (ok, bad) = drain(it.iter().unwrap());
        assert!(ok.is_empty(), "{name}");
        assert_eq!(bad.len(), 1, "{name}");
        assert_eq!(bad[0].kind, RecordErrorKind::Io, "{name}");
        assert_eq!((loc(&bad[0]).line, loc(&bad[0]).offset), (Some(1), Some(0)));
    }
}

#[test]
fn a_file_that_cannot_be_opened_is_one_record_error() {
    let dir = tmp();
    let a = dir.path().join("a.jsonl");
    write_jsonl(&a, &docs(3, 2)).unwrap();
    let missing = dir.path().join("missing.jsonl");
    let reader = JsonlReader::from_paths([&missing, &a]).build().unwrap();
    let items = outline(reader.iter().unwrap());
    assert_eq!(items[0], Err(RecordErrorKind::Io));
    assert_eq!(items.len(), 4);
    let e = reader.iter().unwrap().next().unwrap().unwrap_err();
    assert!(e.to_string().contains("missing.jsonl"), "{e}");
    // Parquet behaves the same.
    let p = dir.path().join("p.parquet");
    write_parquet(&p, &docs(2, 2)).unwrap();
    let reader = ParquetReader::from_paths([dir.path().join("nope.parquet"), p])
        .build()
        .unwrap();
    assert_eq!(
        outline(reader.iter().unwrap()),
        vec![
            Err(RecordErrorKind::Io),
            Ok("doc-0".into()),
            Ok("doc-1".into())
        ]
    );
    assert_eq!(reader.len_hint(), None, "a footer could not be read");
}

#[test]
fn a_pipeline_counts_bad_lines_as_failed_source_records() {
    let dir = tmp();
    let input = dir.path().join("in.jsonl");
    let mut text = String::new();
    for i in 0..100 {
        if i % 10 == 3 {
            text.push_str("{not json\n");
        } else {
            text.push_str(&format!("{{\"id\": {i}, \"text\": \"doc {i}\"}}\n"));
        }
    }
    std::fs::write(&input, text).unwrap();
    let output = dir.path().join("out.parquet");
    let rejects = dir.path().join("rejects.jsonl");
    let summary = Pipeline::new(JsonlReader::new(&input).build().unwrap())
        .sink(ParquetWriter::new(&output).build().unwrap())
        .rejects(JsonlWriter::new(&rejects).build().unwrap())
        .with_batch_size(7)
        .run()
        .unwrap();
    assert_eq!(
        (summary.read, summary.written, summary.failed),
        (100, 90, 10)
    );
    assert!(summary.is_balanced());
    let back = read_parquet(&output).unwrap();
    assert_eq!(back.len(), 90);
    assert_eq!(back[3].i64("id").unwrap(), 4);
    let rejected = read_jsonl(&rejects).unwrap();
    assert_eq!(rejected.len(), 10);
    let reason = rejected[0].str("_reject_reason").unwrap();
    assert!(reason.contains("in.jsonl:line 4"), "{reason}");
}

// ---------------------------------------------------------------------------------------------
// Sharding

fn shard_keys(ds: &dyn IterableDataset, world: usize) -> Vec<Vec<String>> {
    (0..world)
        .map(|rank| {
            let (ok, bad) = drain(ds.open(Shard::new(rank, world).unwrap()).unwrap());
            assert!(bad.is_empty());
            expect_keys(&ok)
        })
        .collect()
}

fn assert_partition(all: &[String], shards: &[Vec<String>]) {
    let mut seen = BTreeSet::new();
    for s in shards {
        for k in s {
            assert!(seen.insert(k.clone()), "{k} in two shards");
        }
    }
    assert_eq!(seen, all.iter().cloned().collect::<BTreeSet<_>>());
    assert_eq!(seen.len(), all.len());
}

#[test]
fn jsonl_shards_partition_files_and_lines() {
    let dir = tmp();
    let recs = docs(47, 2);
    let all = expect_keys(&recs);
    let mut files = Vec::new();
    for (i, chunk) in recs.chunks(10).enumerate() {
        let p = dir.path().join(format!("part-{i}.jsonl.gz"));
        write_jsonl(&p, chunk).unwrap();
        files.push(p);
    }
    let many = JsonlReader::from_paths(&files).build().unwrap();
    let one_path = dir.path().join("one.jsonl");
    std::fs::write(&one_path, "\n").unwrap(); // a leading blank line shifts nothing
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&one_path)
        .unwrap();
    for r in &recs {
        use std::io::Write as _;
        writeln!(f, "{}", json::record_to_json(r)).unwrap();
    }
    drop(f);
    let one = JsonlReader::new(&one_path)
        .with_block_lines(4)
        .build()
        .unwrap();
    for ds in [&many, &one] {
        for world in [1, 2, 3] {
            let shards = shard_keys(ds, world);
            assert_partition(&all, &shards);
        }
    }
    // Files by rank: shard 1 of 2 reads files 1 and 3, in order.
    let expected: Vec<String> = all[10..20].iter().chain(&all[30..40]).cloned().collect();
    assert_eq!(shard_keys(&many, 2)[1], expected);
    // One file by line: shard 0 of 3 reads lines 1, 4, 7, ... (line 1 is blank).
    assert_eq!(
        shard_keys(&one, 3)[0][..2],
        [all[2].clone(), all[5].clone()]
    );
}

#[test]
fn parquet_shards_partition_files_and_row_groups() {
    let dir = tmp();
    let recs = docs(95, 2);
    let all = expect_keys(&recs);
    let one_path = dir.path().join("one.parquet");
    let mut w = ParquetWriter::new(&one_path)
        .with_max_row_group_size(10)
        .with_batch_size(7)
        .build()
        .unwrap();
    for r in recs.clone() {
        w.write(r).unwrap();
    }
    w.finish().unwrap();
    let one = ParquetReader::new(&one_path)
        .with_batch_size(4)
        .build()
        .unwrap();
    let mut files = Vec::new();
    for (i, chunk) in recs.chunks(20).enumerate() {
        let p = dir.path().join(format!("part-{i}.parquet"));
        write_parquet(&p, chunk).unwrap();
        files.push(p);
    }
    let many = ParquetReader::from_paths(&files).build().unwrap();
    for ds in [&one, &many] {
        assert_eq!(ds.len_hint(), Some(95));
        for world in [1, 2, 3] {
            assert_partition(&all, &shard_keys(ds, world));
        }
    }
    // One file by row group: shard 1 of 3 reads groups 1, 4, 7 (rows 10..20, 40..50, 70..80).
    let expected: Vec<String> = [10..20, 40..50, 70..80]
        .into_iter()
        .flat_map(|r| all[r].to_vec())
        .collect();
    assert_eq!(shard_keys(&one, 3)[1], expected);
}

#[test]
fn parquet_row_groups_are_bounded_by_rows_and_bytes() {
    use ::parquet::file::reader::{FileReader, SerializedFileReader};
    let dir = tmp();
    let groups = |p: &Path| -> Vec<i64> {
        let r = SerializedFileReader::new(std::fs::File::open(p).unwrap()).unwrap();
        r.metadata()
            .row_groups()
            .iter()
            .map(|g| g.num_rows())
            .collect()
    };
    let recs = docs(1000, 50);
    let by_rows = dir.path().join("rows.parquet");
    let mut w = ParquetWriter::new(&by_rows)
        .with_max_row_group_size(300)
        .build()
        .unwrap();
    let by_bytes = dir.path().join("bytes.parquet");
    let mut wb = ParquetWriter::new(&by_bytes)
        .with_max_row_group_bytes(Some(32 << 10))
        .with_compression(Compression::None)
        .with_batch_size(50)
        .build()
        .unwrap();
    for r in &recs {
        w.write(r.clone()).unwrap();
        wb.write(r.clone()).unwrap();
    }
    w.finish().unwrap();
    wb.finish().unwrap();
    assert_eq!(groups(&by_rows), [300, 300, 300, 100]);
    let g = groups(&by_bytes);
    assert!(g.len() > 5 && g.iter().sum::<i64>() == 1000, "{g:?}");
    assert_eq!(
        read_parquet(&by_bytes).unwrap(),
        read_parquet(&by_rows).unwrap()
    );
}

// ---------------------------------------------------------------------------------------------
// Parquet round trips

fn rich_schema() -> Schema {
    use DataType as T;
    Schema::new(vec![
        Field::new("id", T::Utf8, false),
        Field::new("i8", T::Int8, true),
        Field::new("u32", T::UInt32, true),
        Field::new("u64", T::UInt64, true),
        Field::new("f32", T::Float32, true),
        Field::new("f64", T::Float64, true),
        Field::new("flag", T::Bool, true),
        Field::new("bytes", T::Binary, true),
        Field::new(
            "ts",
            T::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            true,
        ),
        Field::new(
            "lists",
            T::List(Box::new(T::List(Box::new(T::Int64)))),
            true,
        ),
        Field::new(
            "meta",
            T::Struct(vec![
                Field::new("lang", T::Utf8, true),
                Field::new("scores", T::List(Box::new(T::Float64)), true),
            ]),
            true,
        ),
        Field::new(
            "counts",
            T::Map(Box::new(T::Utf8), Box::new(T::Int64)),
            true,
        ),
        Field::new("emb", T::Tensor(TensorElem::F32), true),
        Field::new("mask", T::Tensor(TensorElem::U8), true),
        Field::new("nothing", T::Null, true),
    ])
}

fn rich_records() -> Vec<Record> {
    let full = Record::new()
        .with("id", "r0")
        .with("i8", -128_i64)
        .with("u32", Value::UInt(4_000_000_000))
        .with("u64", Value::UInt(u64::MAX))
        .with("f32", 1.5)
        .with("f64", -0.0)
        .with("flag", true)
        .with("bytes", vec![0u8, 255, 10])
        .with(
            "ts",
            Value::Timestamp {
                value: 1_700_000_000_000_000,
                unit: TimeUnit::Microsecond,
            },
        )
        .with(
            "lists",
            Value::List(vec![
                Value::List(vec![1_i64.into(), Value::Null]),
                Value::List(vec![]),
                Value::Null,
            ]),
        )
        .with(
            "meta",
            Value::Struct(vec![
                ("lang".into(), "en".into()),
                ("scores".into(), Value::List(vec![0.5.into(), 1e-9.into()])),
            ]),
        )
        .with(
            "counts",
            Value::Map(vec![("a".into(), 1_i64.into()), ("b".into(), Value::Null)]),
        )
        .with(
            "emb",
            Tensor::f32(vec![2, 3], vec![0.0, 1.0, 2.0, 3.0, 4.0, -5.5]).unwrap(),
        )
        .with("mask", Tensor::u8(vec![3], vec![1, 0, 1]).unwrap())
        .with("nothing", Value::Null)
        .with_key("r0");
    let nulls = Record::from_parts(
        "r1".into(),
        rich_schema()
            .fields
            .iter()
            .map(|f| {
                let v = if f.name == "id" {
                    "r1".into()
                } else {
                    Value::Null
                };
                (f.name.clone(), v)
            })
            .collect(),
    );
    let sparse = Record::new()
        .with("id", "r2")
        .with("lists", Value::List(vec![]))
        .with(
            "meta",
            Value::Struct(vec![
                ("lang".into(), Value::Null),
                ("scores".into(), Value::Null),
            ]),
        )
        .with("counts", Value::Map(vec![]))
        .with("emb", Tensor::f32(vec![0], vec![]).unwrap())
        .with_key("r2");
    vec![full, nulls, sparse]
}

/// The record as it reads back: every schema field present, in schema order.
fn normalised(r: &Record, schema: &Schema) -> Record {
    Record::from_parts(
        r.key().to_owned(),
        schema
            .fields
            .iter()
            .map(|f| (f.name.clone(), r.get(&f.name).cloned().unwrap_or_default()))
            .collect(),
    )
}

#[test]
fn parquet_round_trips_nested_and_typed_values() {
    let dir = tmp();
    let schema = rich_schema();
    let recs = rich_records();
    for compression in [
        Compression::zstd(),
        Compression::Snappy,
        Compression::None,
        Compression::Gzip { level: 1 },
        Compression::Lz4,
    ] {
        let path = dir.path().join(format!("rich-{compression}.parquet"));
        let mut w = ParquetWriter::new(&path)
            .with_schema(schema.clone())
            .with_compression(compression)
            .with_key_column("_key")
            .build()
            .unwrap();
        for r in recs.clone() {
            w.write(r).unwrap();
        }
        w.finish().unwrap();
        assert_eq!(w.records_written(), 3);
        let reader = ParquetReader::new(&path)
            .with_key_column("_key")
            .build()
            .unwrap();
        assert_eq!(reader.schema().as_ref(), Some(&schema), "{compression}");
        assert_eq!(reader.len_hint(), Some(3));
        let (back, bad) = drain(reader.iter().unwrap());
        assert!(bad.is_empty(), "{bad:?}");
        let want: Vec<Record> = recs.iter().map(|r| normalised(r, &schema)).collect();
        assert_eq!(back, want, "{compression}");
    }
}

#[test]
fn parquet_inferred_schema_round_trips_too() {
    let dir = tmp();
    let path = dir.path().join("inferred.parquet");
    let recs: Vec<Record> = rich_records()
        .into_iter()
        .map(|r| {
            // Inference sees natural widths: Int64, UInt64, Float64, timestamps without zone.
            let (k, fields) = r.into_parts();
            Record::from_parts(k, fields.into_iter().filter(|(n, _)| n != "ts").collect())
        })
        .collect();
    write_parquet(&path, &recs).unwrap();
    let schema = Schema::infer(&recs).unwrap();
    let back = read_parquet(&path).unwrap();
    // Without a key column the key comes from `id`.
    let want: Vec<Record> = recs.iter().map(|r| normalised(r, &schema)).collect();
    assert_eq!(back, want);
    let ds = ParquetReader::new(&path).build().unwrap();
    assert_eq!(ds.schema(), Some(schema));
}

#[test]
fn parquet_keys_come_from_the_key_column_field_or_row() {
    let dir = tmp();
    let path = dir.path().join("keys.parquet");
    let recs = vec![
        Record::new()
            .with("id", 10_i64)
            .with("x", 1_i64)
            .with_key("k0"),
        Record::new().with("x", 2_i64).with_key("k1"),
    ];
    let mut w = ParquetWriter::new(&path)
        .with_key_column("_key")
        .build()
        .unwrap();
    for r in recs {
        w.write(r).unwrap();
    }
    w.finish().unwrap();
    let keys = |b: ParquetReaderBuilder| expect_keys(&drain(b.build().unwrap().iter().unwrap()).0);
    assert_eq!(
        keys(ParquetReader::new(&path).with_key_column("_key")),
        ["k0", "k1"]
    );
    // Without the key column option, `_key` is an ordinary field, and the key comes from `id`.
    assert_eq!(keys(ParquetReader::new(&path)), ["10", "keys.parquet:1"]);
    assert_eq!(
        keys(ParquetReader::new(&path).without_key_field()),
        ["keys.parquet:0", "keys.parquet:1"]
    );
    let r = &drain(ParquetReader::new(&path).build().unwrap().iter().unwrap()).0[0];
    assert_eq!(r.str("_key").unwrap(), "k0");
}

#[test]
fn parquet_writer_rejects_misfits_alone() {
    let dir = tmp();
    // A given schema.
    let path = dir.path().join("given.parquet");
    let schema = Schema::new(vec![
        Field::new("text", DataType::Utf8, false),
        Field::new("score", DataType::Float64, true),
    ]);
    let mut w = ParquetWriter::new(&path)
        .with_schema(schema)
        .with_batch_size(2)
        .build()
        .unwrap();
    let mut rejected = Vec::new();
    let inputs = vec![
        Record::new()
            .with("text", "a")
            .with("score", 1_i64)
            .with_key("int-ok"),
        Record::new()
            .with("text", "b")
            .with("score", "x")
            .with_key("bad-type"),
        Record::new().with("score", 1.0).with_key("missing-text"),
        Record::new()
            .with("text", "c")
            .with("extra", 1_i64)
            .with_key("extra-field"),
        Record::new()
            .with("text", "d")
            .with("score", 2.5)
            .with_key("ok"),
    ];
    for r in inputs {
        if let Err(e) = w.write(r) {
            let e = e.into_record().expect("record error");
            assert_eq!(e.kind, RecordErrorKind::Schema);
            rejected.push(e.key.unwrap());
        }
    }
    w.finish().unwrap();
    assert_eq!(rejected, ["bad-type", "missing-text", "extra-field"]);
    assert_eq!(w.records_written(), 2);
    let back = read_parquet(&path).unwrap();
    assert_eq!(back.len(), 2);
    assert_eq!(back[0].f64("score").unwrap(), 1.0);
    assert_eq!(back[1].str("text").unwrap(), "d");

    // An inferred schema: fixed after `infer_rows` records; conflicts rejected during inference.
    let path = dir.path().join("inferred.parquet");
    let mut w = ParquetWriter::new(&path)
        .with_infer_rows(3)
        .build()
        .unwrap();
    let mut rejected = Vec::new();
    let inputs = vec![
        Record::new().with("n", 1_i64).with_key("a"),
        Record::new().with("n", "one").with_key("conflict"),
        Record::new().with("n", 2.5).with("t", "x").with_key("b"),
        Record::new().with("n", Value::Null).with_key("c"),
        // Schema fixed now: n: float64?, t: utf8?.
        Record::new().with("n", 3_i64).with_key("d"),
        Record::new().with("z", 1_i64).with_key("new-field"),
        Record::new().with("t", true).with_key("wrong-type"),
    ];
    for r in inputs {
        if let Err(e) = w.write(r) {
            let e = e.into_record().expect("record error");
            assert_eq!(e.kind, RecordErrorKind::Schema, "{e}");
            rejected.push(e.key.unwrap());
        }
    }
    assert_eq!(w.schema().field("n").unwrap().data_type, DataType::Float64);
    w.finish().unwrap();
    assert_eq!(rejected, ["conflict", "new-field", "wrong-type"]);
    let back = read_parquet(&path).unwrap();
    let ns: Vec<Value> = back.iter().map(|r| r.get("n").unwrap().clone()).collect();
    assert_eq!(
        ns,
        [
            Value::Float(1.0),
            Value::Float(2.5),
            Value::Null,
            Value::Float(3.0)
        ]
    );
}

#[test]
fn an_inferred_empty_struct_is_a_clear_schema_error() {
    let dir = tmp();
    let path = dir.path().join("empty-struct.parquet");
    let mut w = ParquetWriter::new(&path).build().unwrap();
    w.write(
        Record::new()
            .with("a", 1_i64)
            .with("meta", Value::Struct(vec![])),
    )
    .unwrap();
    let e = w.finish().unwrap_err();
    assert!(matches!(e, Error::Schema(_)), "{e}");
    assert!(e.to_string().contains("`meta`"), "{e}");
    assert!(
        dir_entries(dir.path()).is_empty(),
        "nothing written, temporary file removed"
    );
}

#[test]
fn parquet_with_no_records_is_a_valid_empty_file() {
    let dir = tmp();
    let path = dir.path().join("empty.parquet");
    let mut w = ParquetWriter::new(&path).build().unwrap();
    w.finish().unwrap();
    assert!(read_parquet(&path).unwrap().is_empty());
    let ds = ParquetReader::new(&path).build().unwrap();
    assert_eq!(ds.len_hint(), Some(0));
    assert_eq!(ds.schema(), Some(Schema::default()));

    let path = dir.path().join("empty-with-schema.parquet");
    let schema = rich_schema();
    let mut w = ParquetWriter::new(&path)
        .with_schema(schema.clone())
        .build()
        .unwrap();
    w.finish().unwrap();
    let ds = ParquetReader::new(&path).build().unwrap();
    assert_eq!(ds.schema(), Some(schema));
    assert_eq!(ds.iter().unwrap().count(), 0);
}

// ---------------------------------------------------------------------------------------------
// Corrupt Parquet

#[test]
fn truncated_parquet_is_one_parse_error_then_the_next_file() {
    let dir = tmp();
    let bad = dir.path().join("truncated.parquet");
    write_parquet(&bad, &docs(500, 10)).unwrap();
    let bytes = std::fs::read(&bad).unwrap();
    std::fs::write(&bad, &bytes[..bytes.len() / 2]).unwrap();
    let good = dir.path().join("good.parquet");
    write_parquet(&good, &docs(5, 2)).unwrap();
    // Also: a file that is not Parquet at all, and an empty one.
    let junk = dir.path().join("junk.parquet");
    std::fs::write(&junk, b"PAR1 this is not parquet at all").unwrap();
    let empty = dir.path().join("zero.parquet");
    std::fs::write(&empty, b"").unwrap();

    let reader = ParquetReader::from_paths([&bad, &junk, &empty, &good])
        .build()
        .unwrap();
    let (ok, errs) = drain(reader.iter().unwrap());
    assert_eq!(expect_keys(&ok), expect_keys(&docs(5, 2)));
    assert_eq!(errs.len(), 3);
    for (e, p) in errs.iter().zip([&bad, &junk, &empty]) {
        assert_eq!(e.kind, RecordErrorKind::Parse, "{e}");
        assert_eq!(loc(e).path.as_deref(), Some(p.as_path()));
        assert!(e.to_string().contains(&p.display().to_string()), "{e}");
    }
    assert_eq!(reader.len_hint(), None);
    assert_eq!(
        reader.schema(),
        Some(Schema::infer(&docs(5, 2)).unwrap()),
        "the schema of the first readable file"
    );
    let e = read_parquet(&bad).unwrap_err();
    assert!(e.is_record(), "{e}");
}

#[test]
fn corrupt_parquet_pages_name_the_row_group() {
    use ::parquet::file::reader::{FileReader, SerializedFileReader};
    let dir = tmp();
    let path = dir.path().join("pages.parquet");
    let recs = docs(300, 30);
    let mut w = ParquetWriter::new(&path)
        .with_max_row_group_size(100)
        .build()
        .unwrap();
    for r in recs.clone() {
        w.write(r).unwrap();
    }
    w.finish().unwrap();
    // Overwrite the middle of every column chunk of row group 1 with garbage.
    let mut bytes = std::fs::read(&path).unwrap();
    {
        let meta = SerializedFileReader::new(std::fs::File::open(&path).unwrap()).unwrap();
        let rg = meta.metadata().row_group(1);
        assert_eq!(rg.num_rows(), 100);
        for c in rg.columns() {
            let (start, len) = c.byte_range();
            let mid = (start + len / 2) as usize;
            for b in &mut bytes[mid..mid + 16.min(len as usize / 4)] {
                *b ^= 0x5A;
            }
        }
    }
    std::fs::write(&path, &bytes).unwrap();
    let good = dir.path().join("good.parquet");
    write_parquet(&good, &docs(3, 2)).unwrap();
    let reader = ParquetReader::from_paths([&path, &good])
        .with_batch_size(50)
        .build()
        .unwrap();
    let (ok, errs) = drain(reader.iter().unwrap());
    assert_eq!(errs.len(), 1, "{errs:?}");
    let e = &errs[0];
    assert_eq!(e.kind, RecordErrorKind::Parse);
    assert!(e.message.contains("row group 1"), "{e}");
    assert_eq!(loc(e).row, Some(100));
    assert!(e.to_string().contains("pages.parquet"), "{e}");
    // Row group 0 came out intact before the error, the next file after it.
    assert_eq!(fields(&ok[..100]), fields(&recs[..100]));
    assert_eq!(expect_keys(&ok[100..]), expect_keys(&docs(3, 2)));
}

// ---------------------------------------------------------------------------------------------
// Crash safety

fn dir_entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn writers_dropped_without_finish_leave_nothing() {
    let dir = tmp();
    let recs = docs(3000, 10);
    {
        let mut w = JsonlWriter::new(dir.path().join("a.jsonl.zst"))
            .build()
            .unwrap();
        let mut p = ParquetWriter::new(dir.path().join("a.parquet"))
            .with_batch_size(100)
            .build()
            .unwrap();
        for r in &recs {
            w.write(r.clone()).unwrap();
            p.write(r.clone()).unwrap();
        }
        // The temporary files exist while writing, hidden and next to the targets.
        let during = dir_entries(dir.path());
        assert_eq!(during.len(), 2, "{during:?}");
        assert!(
            during
                .iter()
                .all(|n| n.starts_with('.') && n.ends_with(".tmp"))
        );
    }
    assert!(dir_entries(dir.path()).is_empty());

    // An existing file at the target is left as it was.
    let target = dir.path().join("keep.jsonl");
    std::fs::write(&target, "{\"old\": true}\n").unwrap();
    {
        let mut w = JsonlWriter::new(&target).build().unwrap();
        w.write(Record::new().with("new", true)).unwrap();
    }
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "{\"old\": true}\n"
    );
    assert_eq!(dir_entries(dir.path()), ["keep.jsonl"]);
    // ... and replaced whole on finish.
    let mut w = JsonlWriter::new(&target).build().unwrap();
    w.write(Record::new().with("new", true)).unwrap();
    w.finish().unwrap();
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "{\"new\":true}\n"
    );
    assert_eq!(dir_entries(dir.path()), ["keep.jsonl"]);
}

#[test]
fn writers_report_unwritable_targets_at_build() {
    let e = JsonlWriter::new("/nonexistent-dir-dataprep/x.jsonl")
        .build()
        .unwrap_err();
    assert!(matches!(e, Error::Io { .. }), "{e}");
    let e = ParquetWriter::new("/nonexistent-dir-dataprep/x.parquet")
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("x.parquet"), "{e}");
    assert!(matches!(
        ParquetWriter::new("x.parquet")
            .with_max_row_group_size(0)
            .build(),
        Err(Error::Config(_))
    ));
}

// ---------------------------------------------------------------------------------------------
// Interop with pyarrow (optional: skipped with a message when pyarrow is not installed)

#[test]
fn pyarrow_reads_our_parquet() {
    if !dataprep_core::testing::python_has("pyarrow.parquet", "pyarrow_reads_our_parquet") {
        return;
    }
    let dir = tmp();
    let path = dir.path().join("interop.parquet");
    let mut w = ParquetWriter::new(&path)
        .with_schema(rich_schema())
        .with_key_column("_key")
        .build()
        .unwrap();
    for r in rich_records() {
        w.write(r).unwrap();
    }
    w.finish().unwrap();
    let script = r#"
import sys, pyarrow.parquet as pq
t = pq.read_table(sys.argv[1])
m = pq.ParquetFile(sys.argv[1]).metadata
print(t.num_rows, t.column("_key")[0].as_py(), t.column("meta")[0].as_py()["lang"],
      t.column("counts")[0].as_py(), t.column("emb")[0].as_py()["shape"],
      t.schema.field("ts").type, m.row_group(0).column(1).compression)
"#;
    let stdout =
        dataprep_core::testing::stdout_of(dataprep_core::testing::python(script).arg(&path));
    assert_eq!(
        stdout.trim(),
        "3 r0 en [('a', 1), ('b', None)] [2, 3] timestamp[us, tz=UTC] ZSTD"
    );
}

// ---------------------------------------------------------------------------------------------
// Property tests

/// Random schemas (no empty structs: Parquet cannot store them) and records that fit them.
fn schema_and_records() -> impl Strategy<Value = (Schema, Vec<Record>)> {
    let opts = dataprep_core::testing::TypeOptions::default().without_empty_structs();
    dataprep_core::testing::arb_schema_and_records(opts, 1..6, 0..20)
}

/// JSON-representable values: strings (any unicode, escapes), ints, finite floats, nested lists.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any::<String>().prop_map(Value::Str),
        "[\"\\\\/\\n\\t\\u{0}-\\u{1f}é😀]{0,8}".prop_map(Value::Str),
        any::<i64>().prop_map(Value::Int),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::Float),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop::collection::vec(inner, 0..4).prop_map(Value::List)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn parquet_round_trip_is_lossless(
        (schema, records) in schema_and_records(),
        row_group in 1usize..8,
    ) {
        let dir = tmp();
        let path = dir.path().join("p.parquet");
        let mut w = ParquetWriter::new(&path)
            .with_schema(schema.clone())
            .with_key_column("__key")
            .with_max_row_group_size(row_group)
            .with_batch_size(3)
            .build()
            .unwrap();
        for r in records.clone() {
            w.write(r).unwrap();
        }
        w.finish().unwrap();
        let reader = ParquetReader::new(&path)
            .with_key_column("__key")
            .with_batch_size(5)
            .build()
            .unwrap();
        prop_assert_eq!(reader.schema(), Some(schema));
        prop_assert_eq!(reader.len_hint(), Some(records.len() as u64));
        let back: Vec<Record> = reader.iter().unwrap().collect::<Result<_>>().unwrap();
        prop_assert_eq!(back, records);
    }

    #[test]
    fn jsonl_round_trip_is_lossless(
        rows in prop::collection::vec(prop::collection::vec(json_value(), 0..5), 0..20),
        ext in prop_oneof![Just("jsonl"), Just("jsonl.gz"), Just("jsonl.zst")],
    ) {
        let dir = tmp();
        let path = dir.path().join(format!("p.{ext}"));
        let records: Vec<Record> = rows
            .into_iter()
            .map(|vals| {
                Record::from_parts(
                    String::new(),
                    vals.into_iter().enumerate().map(|(i, v)| (format!("f{i}"), v)).collect(),
                )
            })
            .collect();
        write_jsonl(&path, &records).unwrap();
        let back = read_jsonl(&path).unwrap();
        prop_assert_eq!(back.len(), records.len());
        for (i, (a, b)) in records.iter().zip(&back).enumerate() {
            prop_assert_eq!(a.fields(), b.fields());
            prop_assert_eq!(b.key(), format!("p.{ext}:{}", i + 1));
        }
    }
}
