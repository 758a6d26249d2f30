//! Arrow IPC and CSV: round trips, keys, sharding, bad input, interop with pyarrow.

use dataprep_core::*;
use dataprep_storage::*;

use super::{docs, drain, normalised, rich_records, rich_schema, tmp};

#[test]
fn arrow_ipc_round_trips_nested_and_typed_values_and_shards_by_batch() {
    let dir = tmp();
    let schema = rich_schema();
    let recs = rich_records();
    let path = dir.path().join("rich.arrow");
    let mut w = ArrowIpcWriter::new(&path)
        .with_schema(schema.clone())
        .with_key_column("_key")
        .with_batch_size(2)
        .build()
        .unwrap();
    for r in recs.clone() {
        w.write(r).unwrap();
    }
    w.finish().unwrap();
    let reader = ArrowIpcReader::new(&path)
        .with_key_column("_key")
        .build()
        .unwrap();
    assert_eq!(reader.schema(), Some(schema.clone()));
    let (back, bad) = drain(reader.iter().unwrap());
    assert!(bad.is_empty(), "{bad:?}");
    let want: Vec<Record> = recs.iter().map(|r| normalised(r, &schema)).collect();
    assert_eq!(back, want);

    // Inferred schema, keys from file and row, one file sharded by batch.
    let path = dir.path().join("docs.arrow");
    let recs = docs(25, 3);
    let mut w = ArrowIpcWriter::new(&path)
        .with_batch_size(10)
        .build()
        .unwrap();
    for r in recs.clone() {
        w.write(r).unwrap();
    }
    w.finish().unwrap();
    let reader = ArrowIpcReader::new(&path).build().unwrap();
    let (all, _) = drain(reader.iter().unwrap());
    assert_eq!(all.len(), 25);
    assert_eq!(all[24].key(), "docs.arrow:24");
    assert!(all.iter().zip(&recs).all(|(a, b)| a.fields() == b.fields()));
    let s0 = drain(reader.open(Shard::new(0, 2).unwrap()).unwrap()).0;
    let s1 = drain(reader.open(Shard::new(1, 2).unwrap()).unwrap()).0;
    assert_eq!(
        (s0.len(), s1.len()),
        (10 + 5, 10),
        "batches 0 and 2 / batch 1"
    );
    assert_eq!(s1[0].key(), "docs.arrow:10");

    // Truncated and garbage files are one record error each; the next file is read.
    let bytes = std::fs::read(&path).unwrap();
    let cut = dir.path().join("cut.arrow");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let reader = ArrowIpcReader::from_paths([&cut, &path]).build().unwrap();
    let (ok, bad) = drain(reader.iter().unwrap());
    assert_eq!((ok.len(), bad.len()), (25, 1));
    assert_eq!(
        bad[0].location.as_deref().unwrap().path.as_deref(),
        Some(cut.as_path())
    );

    // A writer dropped without finish leaves nothing.
    {
        let mut w = ArrowIpcWriter::new(dir.path().join("gone.arrow"))
            .build()
            .unwrap();
        w.write(Record::new().with("a", 1_i64)).unwrap();
    }
    assert!(!dir.path().join("gone.arrow").exists());
}

#[test]
fn pyarrow_reads_our_arrow_ipc() {
    if !dataprep_core::testing::python_has("pyarrow.ipc", "pyarrow_reads_our_arrow_ipc") {
        return;
    }
    let dir = tmp();
    let path = dir.path().join("interop.arrow");
    let mut w = ArrowIpcWriter::new(&path)
        .with_schema(rich_schema())
        .with_key_column("_key")
        .build()
        .unwrap();
    for r in rich_records() {
        w.write(r).unwrap();
    }
    w.finish().unwrap();
    let script = r#"
import sys, pyarrow as pa
t = pa.ipc.open_file(sys.argv[1]).read_all()
print(t.num_rows, t.column("_key")[0].as_py(), t.column("meta")[0].as_py()["lang"], t.schema.field("ts").type)
"#;
    let stdout =
        dataprep_core::testing::stdout_of(dataprep_core::testing::python(script).arg(&path));
    assert_eq!(stdout.trim(), "3 r0 en timestamp[us, tz=UTC]");
}

#[test]
fn csv_round_trips_infers_types_and_reports_bad_rows() {
    let dir = tmp();
    let path = dir.path().join("t.csv");
    let recs = vec![
        Record::new()
            .with("id", "a")
            .with("text", "comma, quote \" newline\n ünï")
            .with("n", 1_i64)
            .with("f", 0.1 + 0.2)
            .with("ok", true)
            .with("tags", vec![Value::from("x")]),
        Record::new().with("id", "b").with("n", -5_i64),
    ];
    let mut w = CsvWriter::new(&path).build().unwrap();
    for r in recs.clone() {
        w.write(r).unwrap();
    }
    let e = w.write(Record::new().with("extra", 1_i64)).unwrap_err();
    assert!(e.is_record(), "{e}");
    w.finish().unwrap();
    let (back, bad) = drain(CsvReader::new(&path).build().unwrap().iter().unwrap());
    assert!(bad.is_empty(), "{bad:?}");
    assert_eq!(back.len(), 2);
    assert_eq!(back[0].key(), "a");
    assert_eq!(
        back[0].str("text").unwrap(),
        "comma, quote \" newline\n ünï"
    );
    assert_eq!(back[0].f64("f").unwrap(), 0.1 + 0.2);
    assert_eq!(back[0].get("ok"), Some(&Value::Bool(true)));
    assert_eq!(back[0].str("tags").unwrap(), r#"["x"]"#);
    assert_eq!(back[1].get("text"), Some(&Value::Null));
    assert_eq!(back[1].i64("n").unwrap(), -5);

    // Without inference every cell is text; keys from file and line; a ragged row is one error.
    let p2 = dir.path().join("r.csv");
    std::fs::write(&p2, "x,y\n007,a\n1,2,3\n\"q\",\n").unwrap();
    let ds = CsvReader::new(&p2)
        .with_infer_types(false)
        .without_key_field()
        .build()
        .unwrap();
    let items: Vec<_> = ds.iter().unwrap().collect();
    assert_eq!(items.len(), 3);
    let r0 = items[0].as_ref().unwrap();
    assert_eq!((r0.key(), r0.str("x").unwrap()), ("r.csv:2", "007"));
    let Err(Error::Record(e)) = &items[1] else {
        panic!("{:?}", items[1])
    };
    assert_eq!(e.kind, RecordErrorKind::Parse);
    assert_eq!(e.location.as_deref().unwrap().line, Some(3));
    assert_eq!(items[2].as_ref().unwrap().str("y").unwrap(), "");
    // One file shards by row.
    let n: usize = (0..2)
        .map(|k| ds.open(Shard::new(k, 2).unwrap()).unwrap().count())
        .sum();
    assert_eq!(n, 3);
    // A missing file is one record error.
    let (_, bad) = drain(
        CsvReader::new(dir.path().join("missing.csv"))
            .build()
            .unwrap()
            .iter()
            .unwrap(),
    );
    assert_eq!(bad[0].kind, RecordErrorKind::Io);
}

// ---------------------------------------------------------------------------------------------
// Hugging Face layout

fn hf_records(n: usize, split: &str) -> Vec<Record> {
    (0..n)
        .map(|i| {
            Record::new()
                .with("id", format!("{split}-{i}"))
                .with("text", format!("text {i} ünï \"q\""))
                .with("n", i as i64)
                .with("score", i as f64 / 8.0)
                .with("tags", vec![Value::from("a"), Value::from(format!("t{i}"))])
                .with(
                    "meta",
                    Value::Struct(vec![("lang".into(), Value::from("en"))]),
                )
                .with("blob", vec![i as u8; 3])
        })
        .collect()
}

fn write_hf(dir: &std::path::Path) -> (Vec<Record>, Vec<Record>) {
    let train = hf_records(25, "train");
    let test = hf_records(5, "test");
    let mut w = HfDatasetWriter::new(dir)
        .with_max_records_per_shard(10)
        .with_license("cc-by-4.0")
        .with_language(["en", "fr"])
        .with_task_categories(["text-generation"])
        .with_pretty_name("Tiny \"test\" set")
        .with_split_field("split")
        .build()
        .unwrap();
    for r in &train {
        w.write(r.clone().with("split", "train")).unwrap();
    }
    for r in &test {
        w.write(r.clone().with("split", "test")).unwrap();
    }
    // Nothing visible before finish.
    assert!(HfDataset::open(dir).unwrap().splits().is_empty());
    w.finish().unwrap();
    (train, test)
}

#[test]
fn hf_layout_names_shards_writes_the_card_and_reads_back() {
    let dir = tmp();
    let (train, test) = write_hf(dir.path());
    let ds = HfDataset::open(dir.path()).unwrap();
    assert_eq!(ds.splits(), ["test", "train"]);
    let names: Vec<String> = ds
        .files("train")
        .unwrap()
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "train-00000-of-00003.parquet",
            "train-00001-of-00003.parquet",
            "train-00002-of-00003.parquet"
        ]
    );
    let back = drain(ds.split("train").unwrap().iter().unwrap()).0;
    assert_eq!(back.len(), 25);
    assert!(
        back.iter()
            .zip(&train)
            .all(|(a, b)| a.fields() == b.fields())
    );
    assert_eq!(
        drain(ds.split("test").unwrap().iter().unwrap()).0.len(),
        test.len()
    );
    let card = std::fs::read_to_string(dir.path().join("README.md")).unwrap();
    for needle in [
        "license: \"cc-by-4.0\"",
        "language:\n- \"en\"\n- \"fr\"",
        "size_categories:\n- \"n<1K\"",
        "  - split: \"train\"\n    path: \"data/train-*\"",
        "  - name: \"tags\"\n    sequence: \"string\"",
        "  - name: \"meta\"\n    struct:\n    - name: \"lang\"\n      dtype: \"string\"",
        "  - name: \"train\"\n    num_bytes: ",
        "num_examples: 25",
        "num_examples: 5",
    ] {
        assert!(card.contains(needle), "{needle:?} not in\n{card}");
    }
    // A missing shard is an error naming the split.
    std::fs::remove_file(dir.path().join("data/train-00001-of-00003.parquet")).unwrap();
    let e = HfDataset::open(dir.path()).unwrap_err();
    assert!(e.to_string().contains("train"), "{e}");
}

#[test]
fn python_datasets_loads_our_hf_layout() {
    if !dataprep_core::testing::python_has("datasets", "python_datasets_loads_our_hf_layout") {
        return;
    }
    let dir = tmp();
    let (train, _) = write_hf(dir.path());
    let script = r#"
import sys, glob, os
from datasets import load_dataset
d = sys.argv[1]
a = load_dataset(d, cache_dir=os.path.join(d, ".cache"))
b = load_dataset("parquet", data_files={"train": sorted(glob.glob(d + "/data/train-*.parquet")),
                 "test": sorted(glob.glob(d + "/data/test-*.parquet"))}, cache_dir=os.path.join(d, ".cache2"))
for ds in (a, b):
    t = ds["train"]
    print(sorted(ds.keys()), t.num_rows, ds["test"].num_rows, t.column_names)
    r = t[24]
    print(r["id"], r["text"], r["n"], r["score"], r["tags"], r["meta"], list(r["blob"]))
print(a["train"].features["tags"], a["train"].features["meta"])
"#;
    let stdout = dataprep_core::testing::stdout_of(
        dataprep_core::testing::python(script)
            .arg(dir.path())
            .env("HF_DATASETS_OFFLINE", "1")
            .env("HF_HUB_OFFLINE", "1")
            .env("HF_HOME", dir.path().join(".hf"))
            .env("HF_DATASETS_DISABLE_PROGRESS_BARS", "1"),
    );
    let got = stdout;
    let lines: Vec<&str> = got.lines().collect();
    let r = &train[24];
    let want_row = format!(
        "{} {} 24 3.0 ['a', 't24'] {{'lang': 'en'}} [24, 24, 24]",
        r.str("id").unwrap(),
        r.str("text").unwrap()
    );
    let header = "['test', 'train'] 25 5 ['id', 'text', 'n', 'score', 'tags', 'meta', 'blob']";
    assert_eq!(lines[0], header, "{got}");
    assert_eq!(lines[1], want_row, "{got}");
    assert_eq!(lines[2], header, "{got}");
    assert_eq!(lines[3], want_row, "{got}");
    eprintln!("datasets features: {}", lines[4]);
}
