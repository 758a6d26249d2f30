//! `open`: one call reads every layout, and says which it chose.

use dataprep_core::*;
use dataprep_storage::*;

use super::tmp;

fn texts(d: &dyn IterableDataset) -> Vec<String> {
    d.iter()
        .unwrap()
        .map(|r| r.unwrap().str("text").unwrap().to_owned())
        .collect()
}

fn recs(words: &[&str]) -> Vec<Record> {
    words
        .iter()
        .enumerate()
        .map(|(i, w)| Record::new().with("id", i as i64).with("text", *w))
        .collect()
}

#[test]
fn open_chooses_the_reader_by_extension_content_and_layout() {
    let dir = tmp();
    let d = dir.path();
    // Files by extension.
    write_jsonl(d.join("a.jsonl.zst"), &recs(&["j1", "j2"])).unwrap();
    write_parquet(d.join("b.parquet"), &recs(&["p1", "p2"])).unwrap();
    for (name, want) in [
        ("a.jsonl.zst", Format::Jsonl),
        ("b.parquet", Format::Parquet),
    ] {
        assert_eq!(detect_format(d.join(name)).unwrap(), want);
    }
    assert_eq!(texts(&*open(d.join("a.jsonl.zst")).unwrap()), ["j1", "j2"]);
    assert_eq!(texts(&*open(d.join("b.parquet")).unwrap()), ["p1", "p2"]);
    // A file without a known extension, by its first bytes.
    std::fs::copy(d.join("b.parquet"), d.join("no_extension")).unwrap();
    assert_eq!(
        detect_format(d.join("no_extension")).unwrap(),
        Format::Parquet
    );
    assert_eq!(texts(&*open(d.join("no_extension")).unwrap()), ["p1", "p2"]);
    std::fs::write(d.join("plain.txt"), "{\"text\": \"t\"}\n").unwrap();
    assert_eq!(detect_format(d.join("plain.txt")).unwrap(), Format::Jsonl);
    std::fs::write(d.join("notes.bin"), "hello").unwrap();
    let err = open(d.join("notes.bin")).err().unwrap();
    assert!(
        matches!(err, Error::Config(ref m) if m.contains("notes.bin")),
        "{err}"
    );
    assert!(matches!(
        open(d.join("missing.jsonl")),
        Err(Error::Io { .. })
    ));
    assert!(matches!(open(d.join("missing_dir")), Err(Error::Io { .. })));
}

#[test]
fn open_reads_directories_of_shards_sharded_outputs_hf_layouts_and_media_folders() {
    let dir = tmp();
    let d = dir.path();
    // A directory of Parquet files: one reader over them, in name order.
    let parts = d.join("parts");
    std::fs::create_dir(&parts).unwrap();
    write_parquet(parts.join("1.parquet"), &recs(&["b"])).unwrap();
    write_parquet(parts.join("0.parquet"), &recs(&["a"])).unwrap();
    assert_eq!(detect_format(&parts).unwrap(), Format::Parquet);
    assert_eq!(texts(&*open(&parts).unwrap()), ["a", "b"]);
    // A sharded output.
    let sharded = d.join("sharded");
    let mut w = ShardedWriter::new(&sharded, JsonlShards::default())
        .with_max_records(Some(2))
        .build()
        .unwrap();
    for r in recs(&["s1", "s2", "s3"]) {
        w.write(r).unwrap();
    }
    w.finish().unwrap();
    assert_eq!(detect_format(&sharded).unwrap(), Format::Sharded);
    assert_eq!(texts(&*open(&sharded).unwrap()), ["s1", "s2", "s3"]);
    // The Hugging Face layout: every split, in name order.
    let hf = d.join("hf");
    let mut w = HfDatasetWriter::new(&hf)
        .with_split_field("split")
        .build()
        .unwrap();
    for (split, r) in [("train", "t1"), ("test", "e1"), ("train", "t2")] {
        w.write(Record::new().with("split", split).with("text", r))
            .unwrap();
    }
    w.finish().unwrap();
    assert_eq!(detect_format(&hf).unwrap(), Format::HfDataset);
    let got = texts(&*open(&hf).unwrap());
    assert_eq!(got, ["e1", "t1", "t2"]);
    // Anything else is a folder of files.
    let media = d.join("media");
    std::fs::create_dir(&media).unwrap();
    std::fs::write(media.join("a.png"), b"x").unwrap();
    std::fs::write(media.join("b.wav"), b"y").unwrap();
    assert_eq!(detect_format(&media).unwrap(), Format::MediaFolder);
    assert_eq!(open(&media).unwrap().iter().unwrap().count(), 2);
}
