//! Bad input through a pipeline: a wrong checksum, truncated zstd / JSONL / tar / Parquet and a
//! decompression bomb each become one quarantined record error naming the path and the position
//! (line, offset or row group), and the job goes on with the rest.

use std::io::Write as _;
use std::path::Path;

use dataprep_core::pipeline::reject_fields;
use dataprep_core::*;
use dataprep_storage::*;

use super::{docs, drain, loc, tmp};

/// Runs `source` through a pipeline with a rejects sink: (written, reject reasons).
fn quarantine(source: impl IterableDataset) -> (Vec<Record>, Vec<String>) {
    let mut out = VecSink::default();
    let mut rejects = VecSink::default();
    let summary = Pipeline::new(source)
        .sink(&mut out)
        .rejects(&mut rejects)
        .with_progress(false)
        .run()
        .unwrap();
    assert_eq!(summary.failed as usize, rejects.records().len());
    let reasons = rejects
        .records()
        .iter()
        .map(|r| r.str(reject_fields::REASON).unwrap().to_owned())
        .collect();
    (out.into_records(), reasons)
}

#[test]
fn a_wrong_checksum_quarantines_the_shard_and_the_job_goes_on() {
    let dir = tmp();
    let recs = docs(100, 10);
    let mut w = ShardedWriter::new(dir.path(), JsonlShards::default())
        .with_max_records(Some(20))
        .build()
        .unwrap();
    for r in &recs {
        w.write(r.clone()).unwrap();
    }
    w.finish().unwrap();
    let m = w.manifest().clone();
    assert!(m.shards.iter().all(|s| s.sha256.len() == 64));
    // Flip one byte in the middle of shard 2.
    let bad = dir.path().join(&m.shards[2].file);
    let mut bytes = std::fs::read(&bad).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    std::fs::write(&bad, &bytes).unwrap();
    assert_eq!(m.verify(dir.path()), [2]);

    let (out, reasons) = quarantine(ShardedReader::open(dir.path()).build().unwrap());
    assert_eq!(out.len(), 80);
    let keys: Vec<&str> = out.iter().map(Record::key).collect();
    let want: Vec<&str> = recs[..40]
        .iter()
        .chain(&recs[60..])
        .map(Record::key)
        .collect();
    assert_eq!(keys, want);
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert!(
        reasons[0].contains(&bad.display().to_string())
            && reasons[0].contains("checksum mismatch")
            && reasons[0].contains(&m.shards[2].sha256),
        "{}",
        reasons[0]
    );
    // Without verification the damage surfaces later, if at all (zstd frames carry no checksum
    // by default): here as a bad line and a record count that differs from the manifest.
    let (out, reasons) = quarantine(
        ShardedReader::open(dir.path())
            .with_verify_checksums(false)
            .build()
            .unwrap(),
    );
    assert!(out.len() >= 80 && out.len() < 100, "{}", out.len());
    assert!(
        reasons
            .iter()
            .any(|r| r.contains(&bad.display().to_string()) && r.contains("line")),
        "{reasons:?}"
    );
    // A missing shard, and a manifest that lists more records than a shard holds.
    std::fs::remove_file(&bad).unwrap();
    let (out, reasons) = quarantine(ShardedReader::open(dir.path()).build().unwrap());
    assert_eq!(out.len(), 80);
    assert_eq!(reasons.len(), 1);
    assert!(reasons[0].contains("cannot read shard"), "{}", reasons[0]);
}

/// A zstd or gzip JSONL file that decompresses to `lines` lines of 1,000 bytes.
fn bomb(path: &Path, lines: usize) {
    let line = format!("{{\"text\":\"{}\"}}\n", "a".repeat(988));
    let f = std::fs::File::create(path).unwrap();
    let mut w: Box<dyn std::io::Write> = if path.extension().unwrap() == "zst" {
        Box::new(zstd::Encoder::new(f, 19).unwrap().auto_finish())
    } else {
        Box::new(flate2::write::GzEncoder::new(
            f,
            flate2::Compression::best(),
        ))
    };
    for _ in 0..lines {
        w.write_all(line.as_bytes()).unwrap();
    }
}

#[test]
fn a_decompression_bomb_stops_at_the_limit_with_path_line_and_offset() {
    let dir = tmp();
    for name in ["bomb.jsonl.zst", "bomb.jsonl.gz"] {
        let path = dir.path().join(name);
        bomb(&path, 10_000); // 10 MB decompressed
        assert!(std::fs::metadata(&path).unwrap().len() < 100_000, "{name}");
        let good = dir.path().join("good.jsonl");
        write_jsonl(&good, &docs(7, 3)).unwrap();
        let reader = JsonlReader::from_paths([&path, &good])
            .with_max_decompressed_bytes(Some(1 << 20))
            .build()
            .unwrap();
        let (ok, bad) = drain(reader.iter().unwrap());
        assert_eq!(bad.len(), 1, "{name}: {bad:?}");
        let e = &bad[0];
        assert_eq!(e.kind, RecordErrorKind::Limit, "{name}: {e}");
        let l = loc(e);
        assert_eq!(l.path.as_deref(), Some(path.as_path()));
        // Every complete line within the limit was read; the error names the next one.
        let before = ok.len() - 7;
        assert_eq!(before, (1 << 20) / 1000, "{name}");
        assert_eq!(l.line, Some(before as u64 + 1));
        assert_eq!(
            l.offset,
            Some(1 << 20),
            "the limit, where decompression stopped"
        );
        assert!(e.to_string().contains("decompression limit"), "{e}");
        // Without a limit the whole file is read.
        let all = JsonlReader::new(&path).build().unwrap();
        assert_eq!(all.iter().unwrap().count(), 10_000, "{name}");
    }
}

#[test]
fn truncated_inputs_are_quarantined_with_their_position_and_the_job_goes_on() {
    let dir = tmp();
    let recs = docs(300, 10);
    // JSONL: a zstd stream cut in half, a plain file cut mid-line, a bomb, and a good file.
    let zst = dir.path().join("cut.jsonl.zst");
    write_jsonl(&zst, &recs).unwrap();
    let b = std::fs::read(&zst).unwrap();
    std::fs::write(&zst, &b[..b.len() / 2]).unwrap();
    let plain = dir.path().join("cut.jsonl");
    write_jsonl(&plain, &recs[..10]).unwrap();
    let b = std::fs::read(&plain).unwrap();
    std::fs::write(&plain, &b[..b.len() - 7]).unwrap();
    let boom = dir.path().join("bomb.jsonl.zst");
    bomb(&boom, 3_000);
    let good = dir.path().join("good.jsonl");
    write_jsonl(&good, &recs[..5]).unwrap();
    let reader = JsonlReader::from_paths([&zst, &plain, &boom, &good])
        .with_max_decompressed_bytes(Some(100_000))
        .build()
        .unwrap();
    let (out, reasons) = quarantine(reader);
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(
        reasons[0].contains("cut.jsonl.zst:line") && reasons[0].contains("offset"),
        "{}",
        reasons[0]
    );
    assert!(reasons[1].contains("cut.jsonl:line 10"), "{}", reasons[1]);
    assert!(
        reasons[2].contains("bomb.jsonl.zst:line 101") && reasons[2].contains("limit"),
        "{}",
        reasons[2]
    );
    // What the cut zstd stream decoded, 9 complete lines of the plain file, 100 of the bomb,
    // the good file whole.
    let from_bomb = out
        .iter()
        .filter(|r| r.key().starts_with("bomb.jsonl.zst:"))
        .count();
    assert_eq!(from_bomb, 100);
    assert!(out.len() >= 9 + 100 + 5);
    assert_eq!(out.last().unwrap().key(), "doc-4");

    // WebDataset: a tar cut mid-member, then a good one.
    let tar = dir.path().join("cut.tar");
    let mut w = WebDatasetWriter::new(&tar).build().unwrap();
    for i in 0..20 {
        w.write(
            Record::new()
                .with_key(format!("k{i:02}"))
                .with("bin", vec![i as u8; 3000]),
        )
        .unwrap();
    }
    w.finish().unwrap();
    let b = std::fs::read(&tar).unwrap();
    std::fs::write(&tar, &b[..b.len() / 2 + 100]).unwrap();
    let good_tar = dir.path().join("good.tar");
    let mut w = WebDatasetWriter::new(&good_tar).build().unwrap();
    w.write(Record::new().with_key("g").with("bin", vec![1u8; 10]))
        .unwrap();
    w.finish().unwrap();
    let (out, reasons) = quarantine(
        WebDatasetReader::from_paths([&tar, &good_tar])
            .build()
            .unwrap(),
    );
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert!(
        reasons[0].contains("cut.tar") && reasons[0].contains("offset"),
        "{}",
        reasons[0]
    );
    assert_eq!(out.last().unwrap().key(), "g");

    // Parquet: a file cut in half, then a good one.
    let pq = dir.path().join("cut.parquet");
    write_parquet(&pq, &recs).unwrap();
    let b = std::fs::read(&pq).unwrap();
    std::fs::write(&pq, &b[..b.len() / 2]).unwrap();
    let good_pq = dir.path().join("good.parquet");
    write_parquet(&good_pq, &recs[..4]).unwrap();
    let (out, reasons) = quarantine(ParquetReader::from_paths([&pq, &good_pq]).build().unwrap());
    assert_eq!(out.len(), 4);
    assert_eq!(reasons.len(), 1);
    assert!(reasons[0].contains("cut.parquet"), "{}", reasons[0]);
}

#[test]
fn sha256_is_verified_on_resume_and_old_manifests_without_it_still_resume() {
    let dir = tmp();
    let recs = docs(50, 5);
    let run = |resume_check: &dyn Fn(u64)| {
        let mut w = ShardedWriter::new(dir.path(), JsonlShards::default())
            .with_max_records(Some(10))
            .build()
            .unwrap();
        resume_check(w.records_to_skip());
        for r in &recs {
            w.write(r.clone()).unwrap();
        }
        w.finish().unwrap();
        w.manifest().clone()
    };
    let m = run(&|skip| assert_eq!(skip, 0));
    let path = dir.path().join(sharded::MANIFEST_FILE);
    // A manifest whose shard 2 has the right size and BLAKE3 but another SHA-256: shard 2 is not
    // trusted, so the resume keeps shards 0 and 1 only.
    let text = std::fs::read_to_string(&path).unwrap();
    let wrong = "0".repeat(64);
    std::fs::write(&path, text.replace(&m.shards[2].sha256, &wrong)).unwrap();
    assert_eq!(Manifest::read(&path).unwrap().verify(dir.path()), [2]);
    let again = run(&|skip| assert_eq!(skip, 20));
    assert_eq!(again, m, "rewritten identically");
    // A manifest from before SHA-256 (no `sha256` fields) is verified by size and BLAKE3.
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for s in v["shards"].as_array_mut().unwrap() {
        s.as_object_mut().unwrap().remove("sha256");
    }
    std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
    let old = Manifest::read(&path).unwrap();
    assert!(old.shards.iter().all(|s| s.sha256.is_empty()));
    assert!(old.verify(dir.path()).is_empty());
    run(&|skip| assert_eq!(skip, 50));
}

/// A 2.5 KB Arrow IPC file whose footer claims a batch body of gigabytes (the `ipc` fuzz target's
/// find, `fuzz/corpus/ipc/oom_footer_block.arrow`) is one parse error naming the block; before the
/// footer check arrow allocated the claimed length and the process ran out of memory.
#[test]
fn an_ipc_footer_block_past_the_end_is_refused_before_reading() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ipc_oversized_footer_block.arrow");
    let reader = ArrowIpcReader::new(&path).build().unwrap();
    let (out, reasons) = quarantine(reader);
    assert!(out.is_empty());
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert!(reasons[0].contains("reaches past the data"), "{reasons:?}");
}

#[test]
fn an_ipc_batch_of_2_pow_56_rows_of_nothing_is_refused_before_allocating() {
    use ::arrow::array::RecordBatchOptions;
    use ::arrow::record_batch::RecordBatch;
    use dataprep_core::arrow::{ArrowOptions, from_record_batch};

    // The ipc fuzz target's find: a stream whose batch declares ~1.08e17 rows and has no data
    // (a batch without columns, or of Null-typed ones, has a row count nothing backs);
    // converting it asked for a 108 PB allocation.
    let data = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ipc_stream_rows_of_nothing.arrows"),
    )
    .unwrap();
    let stream = ::arrow::ipc::reader::StreamReader::try_new(&data[..], None).unwrap();
    let batches: Vec<RecordBatch> = stream.take(64).filter_map(Result::ok).collect();
    let huge: Vec<&RecordBatch> = batches
        .iter()
        .filter(|b| b.num_rows() > ArrowOptions::DEFAULT_MAX_ROWS)
        .collect();
    assert!(!huge.is_empty());
    for b in huge {
        let e = from_record_batch(b, &ArrowOptions::default()).unwrap_err();
        assert!(e.to_string().contains("over the limit"), "{e}");
    }

    // The same through the file reader: one record error, then the rows after it.
    let empty = std::sync::Arc::new(::arrow::datatypes::Schema::empty());
    let opts = RecordBatchOptions::new().with_row_count(Some(1 << 56));
    let nothing = RecordBatch::try_new_with_options(empty.clone(), vec![], &opts).unwrap();
    let three = RecordBatch::try_new_with_options(
        empty.clone(),
        vec![],
        &RecordBatchOptions::new().with_row_count(Some(3)),
    )
    .unwrap();
    let dir = tmp();
    let path = dir.path().join("nothing.arrow");
    let mut w =
        ::arrow::ipc::writer::FileWriter::try_new(std::fs::File::create(&path).unwrap(), &empty)
            .unwrap();
    w.write(&nothing).unwrap();
    w.write(&three).unwrap();
    w.finish().unwrap();
    let (out, reasons) = quarantine(ArrowIpcReader::new(&path).build().unwrap());
    assert_eq!(out.len(), 3);
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert!(reasons[0].contains("over the limit"), "{reasons:?}");
    // A caller can raise the limit for its own in-memory batches.
    let small = ArrowOptions::default().with_max_rows(2);
    assert!(from_record_batch(&three, &small).is_err());
    assert_eq!(
        from_record_batch(&three, &small.with_max_rows(3))
            .unwrap()
            .len(),
        3
    );
}

/// The parquet fuzz target's find (also `fuzz/corpus/parquet/spin_page_header_skip.parquet`): a
/// page header whose unknown Thrift field is a list of ~2^31 binaries. The parquet crate skips
/// each one by copying its declared length without checking that bytes came, so it spun on
/// reads at the end of the 2.5 KB file for minutes. It is now one corrupt-file error per read.
#[test]
fn a_parquet_page_header_that_skips_past_the_end_is_an_error_not_a_spin() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/parquet_page_header_skip_spin.parquet");
    for batch in [3, 8192] {
        let reader = ParquetReader::new(&path)
            .with_batch_size(batch)
            .build()
            .unwrap();
        let (_, reasons) = quarantine(reader);
        assert!(!reasons.is_empty(), "batch {batch}: no error");
        assert!(
            reasons.iter().any(|r| r.contains("past the end")),
            "batch {batch}: {reasons:?}"
        );
    }
}
