//! The quickstart example on its bundled sample, checked end to end.
//!
//! The example's source is included as a module, so this test runs exactly the code of
//! `cargo run --example quickstart` (Cargo gives tests no path to an example binary); only its
//! `main` and argument parsing are unused here.

// Each example includes the examples' shared `examples/common/cli.rs` as its own module.
#![allow(clippy::duplicate_mod)]

#[allow(dead_code)]
#[path = "../../../examples/quickstart.rs"]
mod quickstart;

// Every crate's stages fingerprint with their own crate (`tests/stage_versions/mod.rs`).
mod stage_versions;

// The command lines of every example (`tests/cli/mod.rs`), in this one test binary.
mod cli;

use std::path::Path;

use dataprep::prelude::*;
use dataprep::storage::ParquetReader;
use dataprep::text::tokenize::{ShardIndex, TextTokenizer};
use quickstart::{Args, Report, run};

fn run_in(dir: &Path, args: Args) -> Report {
    run(&Args {
        output: dir.to_path_buf(),
        ..args
    })
    .expect("quickstart runs")
}

fn kept(dir: &Path) -> Vec<Record> {
    ParquetReader::new(dir.join("data.parquet"))
        .build()
        .unwrap()
        .open(Shard::ALL)
        .unwrap()
        .collect::<Result<_>>()
        .unwrap()
}

fn lines(path: &Path) -> usize {
    std::fs::read_to_string(path).unwrap().lines().count()
}

#[test]
fn bundled_sample_runs_every_stage() {
    let dir = tempfile::tempdir().unwrap();
    let report = run_in(dir.path(), Args::default());
    let s = &report.summary;

    // Counts add up, overall and per stage, and match the files.
    assert!(s.is_balanced());
    assert_eq!(s.read, s.written + s.dropped + s.failed);
    assert_eq!(s.read, 57, "lines of the bundled sample");
    assert_eq!(s.failed, 2, "one bad JSON line, one record without text");
    let records = kept(dir.path());
    assert_eq!(records.len() as u64, s.written);
    assert!(s.written >= 10, "a meaningful number kept: {s}");
    assert_eq!(lines(&dir.path().join("dropped.jsonl")) as u64, s.dropped);
    assert_eq!(lines(&dir.path().join("rejected.jsonl")) as u64, s.failed);

    // Every filter and dedup stage drops something, with the expected reasons.
    for (stage, reason) in [
        ("min_words", "too_short"),
        ("gopher_quality", "gopher_short_doc"),
        ("gopher_quality", "gopher_too_many_bullets"),
        ("gopher_repetition", "dup_line_frac"),
        ("c4_quality", "too_few_sentences"),
        ("fineweb_quality", "char_dup_ratio"),
        ("exact_dedup", "exact_duplicate"),
        ("near_dedup", "near_duplicate"),
    ] {
        let m = s.stage(stage).unwrap_or_else(|| panic!("no stage {stage}"));
        assert!(
            m.dropped_by_reason.get(reason).copied().unwrap_or(0) > 0,
            "{stage} dropped nothing for {reason}: {s}"
        );
    }

    // Scores of every filter are recorded on kept records; clusters are written.
    for r in &records {
        for (stage, score) in [
            ("gopher_quality", "n_words"),
            ("gopher_repetition", "dup_line_frac"),
            ("fineweb_quality", "line_punct_ratio"),
            ("langid", "confidence"),
        ] {
            assert!(r.score(stage, score).is_some(), "{stage}.{score} on {r:?}");
        }
        assert_eq!(r.str("near_cluster").unwrap(), r.key());
        assert_eq!(r.str("exact_cluster").unwrap(), r.key());
    }

    // PII is redacted with typed placeholders in the kept letter.
    let letter = records
        .iter()
        .find(|r| r.str("id").unwrap() == "doc-106")
        .expect("the letter is kept");
    let text = letter.str("text").unwrap();
    assert!(
        text.contains("<EMAIL>") && text.contains("<PHONE>"),
        "{text}"
    );
    assert_eq!(letter.score("pii", "email"), Some(1.0));
    assert_eq!(letter.score("pii", "phone"), Some(1.0));
    assert!(records.iter().all(|r| {
        let t = r.str("text").unwrap();
        !t.contains("joan.whitfield@example.com") && !t.contains("7946 0958")
    }));

    // Token shards per split hold exactly the kept records' tokens, in order.
    let tokenizer = TextTokenizer::from_file(dir.path().join("tokenizer.json")).unwrap();
    assert_eq!(
        report
            .shards
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>(),
        ["train", "validation"]
    );
    let mut total = 0;
    for (name, index) in &report.shards {
        let split_dir = dir.path().join("tokens").join(name);
        assert_eq!(
            &ShardIndex::read(split_dir.join("index.json")).unwrap(),
            index
        );
        assert_eq!(index.eos, tokenizer.token_to_id("<|endoftext|>"));
        let in_split: Vec<&Record> = records
            .iter()
            .filter(|r| r.str("split").unwrap() == name)
            .collect();
        assert!(!in_split.is_empty(), "split {name} is empty");
        assert_eq!(index.documents.len(), in_split.len());
        for (i, (doc, rec)) in index.documents.iter().zip(&in_split).enumerate() {
            let tokens: Vec<u32> = rec
                .list("tokens")
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap() as u32)
                .collect();
            assert_eq!(doc.id, rec.str("id").unwrap());
            assert_eq!(doc.length, tokens.len() as u64);
            assert_eq!(rec.score("tokenize", "tokens"), Some(tokens.len() as f64));
            assert_eq!(index.read_document(&split_dir, i).unwrap(), tokens);
            assert_eq!(tokenizer.encode(rec.str("text").unwrap()).unwrap(), tokens);
        }
        total += in_split.len();
    }
    assert_eq!(total, records.len());
}

#[test]
fn min_words_and_tokenizer_flags() {
    // A stricter --min-words drops more at min_words; --tokenizer reuses a saved tokenizer, and
    // the outputs do not depend on the thread count.
    let first = tempfile::tempdir().unwrap();
    let base = run_in(first.path(), Args::default());
    let strict = tempfile::tempdir().unwrap();
    let more = run_in(
        strict.path(),
        Args {
            min_words: 60,
            tokenizer: Some(first.path().join("tokenizer.json")),
            threads: Some(1),
            ..Args::default()
        },
    );
    let dropped = |r: &Report| r.summary.stage("min_words").unwrap().dropped;
    assert!(dropped(&more) > dropped(&base));
    assert!(more.summary.is_balanced());

    let again = tempfile::tempdir().unwrap();
    let same = run_in(
        again.path(),
        Args {
            tokenizer: Some(first.path().join("tokenizer.json")),
            threads: Some(3),
            batch_size: 7,
            ..Args::default()
        },
    );
    assert_eq!(same.summary.written, base.summary.written);
    for (name, index) in &base.shards {
        let a = first.path().join("tokens").join(name);
        let b = again.path().join("tokens").join(name);
        for shard in &index.shards {
            assert_eq!(
                std::fs::read(a.join(&shard.file)).unwrap(),
                std::fs::read(b.join(&shard.file)).unwrap()
            );
        }
    }
    assert_eq!(base.shards, same.shards);
}

#[test]
fn trains_on_a_bounded_sample_of_cleaned_records() {
    // Issue 19: one document that is a single 1-million-character word kept BPE training busy
    // for tens of minutes (quadratic in the word) when the tokenizer was trained on the raw
    // input. Training now sees the records that pass the cleaning stages (that one does not),
    // within a byte bound, with pre-tokens over 256 bytes cut.
    let dir = tempfile::tempdir().unwrap();
    let sample = include_str!("../../../examples/data/quickstart.jsonl");
    let mut input = sample.to_owned();
    input.push_str(&serde_json::json!({ "id": "huge", "text": "x".repeat(1_000_000) }).to_string());
    input.push('\n');
    let path = dir.path().join("in.jsonl");
    std::fs::write(&path, input).unwrap();
    let out = dir.path().join("out");
    let report = run_in(
        &out,
        Args {
            input: Some(path),
            ..Args::default()
        },
    );
    let s = &report.summary;
    assert!(s.is_balanced());
    assert_eq!(s.read, 57 + 1);
    let train = report.train.expect("trained");
    // Exactly the cleaned records were trained on, whole.
    assert_eq!(train.texts, s.written);
    assert!(!train.sample_truncated);
    let kept = kept(&out);
    let kept_bytes: u64 = kept
        .iter()
        .map(|r| r.str("text").unwrap().len() as u64)
        .sum();
    assert_eq!(train.bytes, kept_bytes);
    assert!(kept.iter().all(|r| r.key() != "huge"));
    let dropped = std::fs::read_to_string(out.join("dropped.jsonl")).unwrap();
    assert!(dropped.contains("\"huge\""));
}

/// Issue 20: the quickstart reads its input once. The input is a named pipe, which holds the
/// sample for one reader only: a second open of it would get none of the data, or wait for a
/// writer forever. This test's writer thread gives the sample to the first reader; once the run
/// has gone on for five minutes more (it takes seconds), it releases any reader left waiting and
/// the test fails instead of hanging. The outputs are byte for byte those of a run on a plain
/// file, which a second reader sharing the pipe would also break.
#[cfg(target_os = "linux")]
#[test]
fn reads_its_input_once() {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};

    /// `O_NONBLOCK` on Linux: opening a pipe for writing then fails unless a reader has it open.
    const O_NONBLOCK: i32 = 0o4000;
    let sample = include_str!("../../../examples/data/quickstart.jsonl");
    let dir = tempfile::tempdir().unwrap();
    // Named as the plain run's input is, so that keys made from the file name agree.
    std::fs::create_dir(dir.path().join("pipe")).unwrap();
    let fifo = dir.path().join("pipe/sample-input.jsonl");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success(), "mkfifo");

    let (released, done) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicBool::new(false)),
    );
    let writer = {
        let (fifo, released, done) = (fifo.clone(), Arc::clone(&released), Arc::clone(&done));
        std::thread::spawn(move || {
            // Waits for the first reader.
            let mut w = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
            w.write_all(sample.as_bytes()).unwrap();
            drop(w);
            let deadline = Instant::now() + Duration::from_secs(300);
            while !done.load(Ordering::SeqCst) {
                if Instant::now() > deadline
                    && let Ok(_w) = std::fs::OpenOptions::new()
                        .write(true)
                        .custom_flags(O_NONBLOCK)
                        .open(&fifo)
                {
                    released.store(true, Ordering::SeqCst);
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        })
    };
    let out = dir.path().join("out");
    let piped = run(&Args {
        input: Some(fifo.clone()),
        output: out.clone(),
        ..Args::default()
    });
    done.store(true, Ordering::SeqCst);
    writer.join().unwrap();
    let piped = piped.expect("quickstart runs on a pipe");
    assert!(
        !released.load(Ordering::SeqCst),
        "the input was opened a second time"
    );
    assert_eq!(piped.summary.read, 57);

    let plain = tempfile::tempdir().unwrap();
    let file_report = run_in(plain.path(), Args::default());
    assert_eq!(piped.summary.written, file_report.summary.written);
    let same = |rel: &str| {
        assert_eq!(
            std::fs::read(out.join(rel)).unwrap(),
            std::fs::read(plain.path().join(rel)).unwrap(),
            "{rel}"
        );
    };
    for rel in ["data.parquet", "dropped.jsonl", "tokenizer.json"] {
        same(rel);
    }
    // The rejects name the input's path.
    let rejected = |dir: &Path, input: &Path| {
        std::fs::read_to_string(dir.join("rejected.jsonl"))
            .unwrap()
            .replace(input.to_str().unwrap(), "INPUT")
    };
    assert_eq!(
        rejected(&out, &fifo),
        rejected(plain.path(), &plain.path().join("sample-input.jsonl"))
    );
    for (name, index) in &file_report.shards {
        same(&format!("tokens/{name}/index.json"));
        for shard in &index.shards {
            same(&format!("tokens/{name}/{}", shard.file));
        }
    }
}
