//! Span dedup: datatrove 0.10.1 goldens (`tools/quality_span_goldens.py`), the file stages
//! against the in-memory path, 1 vs N shards, index dedup, and the streaming stage.

use std::path::Path;
use std::sync::LazyLock;

use dataprep_core::{Action, Context, Record, StatefulStage};
use dataprep_quality::dedup::span::{
    SpanDedupConfig, SpanDedupFilterStage, SpanDedupStage, SpanDedupStats, SpanDuplicates,
    SpanFileOptions, SpanIndex, SpanOutcome, SpanUnit, build_span_index, find_span_duplicates,
    span_dedup, write_span_signatures,
};
use proptest::prelude::*;

#[derive(Debug, Clone, serde::Deserialize)]
struct Doc {
    id: String,
    text: String,
}

static CORPUS: LazyLock<Vec<Doc>> = LazyLock::new(|| {
    include_str!("../data/span_corpus.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("corpus line"))
        .collect()
});

static GOLD: LazyLock<Vec<serde_json::Value>> = LazyLock::new(|| {
    include_str!("../data/span_goldens.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("golden line"))
        .collect()
});

/// The number of datatrove's first-20 documents that form the index in `index` mode.
const INDEXED: usize = 20;

fn texts() -> Vec<&'static str> {
    CORPUS.iter().map(|d| d.text.as_str()).collect()
}

/// (kept, output text) as datatrove reports it.
fn output(text: &str, o: &SpanOutcome) -> (bool, Option<String>) {
    match o {
        SpanOutcome::Unchanged => (true, Some(text.to_owned())),
        SpanOutcome::Edited { text, .. } => (true, Some(text.clone())),
        SpanOutcome::Dropped { .. } => (false, None),
    }
}

fn compare(mode: &str, docs: &[Doc], outs: &[SpanOutcome]) {
    let gold: Vec<&serde_json::Value> = GOLD.iter().filter(|g| g["mode"] == mode).collect();
    assert_eq!(gold.len(), docs.len(), "{mode}");
    let mut bad = Vec::new();
    for ((d, o), g) in docs.iter().zip(outs).zip(&gold) {
        assert_eq!(g["id"], d.id.as_str());
        let (kept, text) = output(&d.text, o);
        let want_kept = g["kept"].as_bool().unwrap();
        let want_text = g["text"].as_str().map(str::to_owned);
        if kept != want_kept || (kept && text != want_text) {
            bad.push(format!(
                "{}: ours {o:?} datatrove kept={want_kept} {want_text:?}",
                d.id
            ));
        }
    }
    let agree = docs.len() - bad.len();
    println!("{mode}: {agree}/{} identical", docs.len());
    assert!(
        agree * 100 >= docs.len() * 99,
        "{mode}: {} differ:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn in_memory_matches_datatrove() {
    let cfg = SpanDedupConfig::default();
    let t = texts();
    let outs = span_dedup(&t, &cfg, None);
    compare("within", &CORPUS, &outs);
    let s = SpanDedupStats::of(&outs);
    assert_eq!(s.documents, s.kept + s.edited + s.dropped);
    assert!(s.kept > 5 && s.edited > 5 && s.dropped > 5, "{s:?}");

    let ix = SpanIndex::from_texts(&t[..INDEXED], &cfg);
    let outs = span_dedup(&t[INDEXED..], &cfg, Some(&ix));
    compare("index", &CORPUS[INDEXED..], &outs);

    // Spans of 3 lines (datatrove's split_sentences=False).
    let lines = cfg.clone().with_unit(SpanUnit::Lines);
    let outs = span_dedup(&t, &lines, None);
    compare("lines", &CORPUS, &outs);
    let tmp = tempfile::tempdir().unwrap();
    let opts = SpanFileOptions::default().with_buckets(2);
    assert_eq!(run_files(tmp.path(), &t, &[33], &lines, &opts, None), outs);
}

/// Runs the three file stages over `shards` (cut points of the corpus) and returns the
/// outcomes in input order.
fn run_files(
    dir: &Path,
    texts: &[&str],
    cuts: &[usize],
    cfg: &SpanDedupConfig,
    opts: &SpanFileOptions,
    index: Option<&Path>,
) -> Vec<SpanOutcome> {
    let mut bounds = vec![0];
    bounds.extend_from_slice(cuts);
    bounds.push(texts.len());
    let (sigs, dups) = (dir.join("sigs"), dir.join("dups"));
    for (shard, w) in bounds.windows(2).enumerate() {
        write_span_signatures(&sigs, shard as u32, texts[w[0]..w[1]].iter(), cfg, opts).unwrap();
    }
    for b in 0..opts.buckets {
        find_span_duplicates(&sigs, b, &dups, index, cfg, opts).unwrap();
    }
    let mut out = Vec::new();
    for (shard, w) in bounds.windows(2).enumerate() {
        let d = SpanDuplicates::load(&dups, shard as u32).unwrap();
        for (i, t) in texts[w[0]..w[1]].iter().enumerate() {
            out.push(d.outcome(i as u32, t, cfg));
        }
    }
    out
}

fn bytes_of(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v = Vec::new();
    for e in walk(dir) {
        v.push((
            e.strip_prefix(dir).unwrap().display().to_string(),
            std::fs::read(&e).unwrap(),
        ));
    }
    v.sort();
    v
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn serialise(outs: &[SpanOutcome]) -> Vec<u8> {
    outs.iter()
        .map(|o| serde_json::to_string(o).unwrap() + "\n")
        .collect::<String>()
        .into_bytes()
}

#[test]
fn file_stages_match_datatrove_and_one_vs_three_shards() {
    let cfg = SpanDedupConfig::default();
    let t = texts();
    let tmp = tempfile::tempdir().unwrap();
    let one = run_files(
        &tmp.path().join("one"),
        &t,
        &[],
        &cfg,
        &SpanFileOptions::default(),
        None,
    );
    compare("within", &CORPUS, &one);
    let three = run_files(
        &tmp.path().join("three"),
        &t,
        &[25, 51],
        &cfg,
        &SpanFileOptions::default(),
        None,
    );
    assert_eq!(serialise(&one), serialise(&three));
    // Buckets and tiny spill buffers change nothing, and spilling writes the same files.
    let opts = SpanFileOptions::default()
        .with_buckets(3)
        .with_max_buffered(7);
    let spilled = run_files(
        &tmp.path().join("spill"),
        &t,
        &[10, 11, 60],
        &cfg,
        &opts,
        None,
    );
    assert_eq!(serialise(&one), serialise(&spilled));
    let again = run_files(
        &tmp.path().join("nospill"),
        &t,
        &[10, 11, 60],
        &cfg,
        &SpanFileOptions::default().with_buckets(3),
        None,
    );
    assert_eq!(
        bytes_of(&tmp.path().join("spill")),
        bytes_of(&tmp.path().join("nospill"))
    );
    assert_eq!(serialise(&again), serialise(&spilled));
    // No temporary file is left behind.
    for p in walk(tmp.path()) {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.ends_with(".spansig") || name.ends_with(".spandups"),
            "{name}"
        );
    }
}

#[test]
fn file_index_matches_datatrove() {
    let cfg = SpanDedupConfig::default();
    let t = texts();
    let tmp = tempfile::tempdir().unwrap();
    let opts = SpanFileOptions::default().with_buckets(2);
    let isigs = tmp.path().join("index_sigs");
    write_span_signatures(&isigs, 0, t[..INDEXED].iter(), &cfg, &opts).unwrap();
    let ix_path = tmp.path().join("base.spanidx");
    let n = build_span_index(&isigs, &ix_path).unwrap();
    let mem = SpanIndex::from_texts(&t[..INDEXED], &cfg);
    assert_eq!(n as usize, mem.len());
    assert_eq!(SpanIndex::load(&ix_path).unwrap(), mem);
    let outs = run_files(
        &tmp.path().join("new"),
        &t[INDEXED..],
        &[30],
        &cfg,
        &opts,
        Some(&ix_path),
    );
    compare("index", &CORPUS[INDEXED..], &outs);
    // Also removing repeats inside the new data: equal to the in-memory path.
    let all = cfg.clone().with_only_dedup_in_index(false);
    let outs = run_files(
        &tmp.path().join("all"),
        &t[INDEXED..],
        &[5],
        &all,
        &opts,
        Some(&ix_path),
    );
    assert_eq!(outs, span_dedup(&t[INDEXED..], &all, Some(&mem)));
}

#[test]
fn stages_edit_drop_and_count() {
    let cfg = SpanDedupConfig::default();
    let t = texts();
    let expect = span_dedup(&t, &cfg, None);
    let cx = Context::new("span_dedup", 0);
    let mut streaming = SpanDedupStage::new(cfg.clone());
    let tmp = tempfile::tempdir().unwrap();
    let outs = run_files(tmp.path(), &t, &[], &cfg, &SpanFileOptions::default(), None);
    assert_eq!(outs, expect);
    let mut filter = SpanDedupFilterStage::new(
        cfg.clone(),
        SpanDuplicates::load(&tmp.path().join("dups"), 0).unwrap(),
    );
    for (text, want) in t.iter().zip(&expect) {
        for stage in [&mut streaming as &mut dyn StatefulStage, &mut filter] {
            let mut rec = Record::new().with("text", *text);
            let action = stage.process(&mut rec, &cx).unwrap();
            assert_eq!(
                rec.score("span_dedup", "removed_sentences"),
                Some(want.removed_sentences() as f64)
            );
            match want {
                SpanOutcome::Unchanged => {
                    assert_eq!(action, Action::Keep);
                    assert_eq!(rec.str("text").unwrap(), *text);
                }
                SpanOutcome::Edited { text: e, .. } => {
                    assert_eq!(action, Action::Keep);
                    assert_eq!(rec.str("text").unwrap(), e);
                }
                SpanOutcome::Dropped { reason, .. } => {
                    assert_eq!(action, Action::drop(reason.as_str()));
                }
            }
        }
    }
    let want = SpanDedupStats::of(&expect);
    assert_eq!(streaming.stats(), want);
    assert_eq!(filter.stats(), want);
    assert_eq!(
        StatefulStage::config(&filter.with_field("body")).to_string(),
        r#"[{"n_sentences":3,"unit":"sentences","min_doc_words":50,"min_num_sentences":3,"only_dedup_in_index":true,"norm":{"lowercase":true,"norm_whitespace":true,"remove_punctuation":true,"norm_unicode_diacritics":true,"norm_numbers":true,"norm_weekdays":false,"norm_monthnames":false}},"body"]"#
    );
    assert_eq!(want.documents, t.len() as u64);
}

const POOL: [&str; 8] = [
    "The river rose during the night.",
    "Nobody in the village was surprised.",
    "The old bridge had seen worse floods.",
    "By morning the water had gone down again.",
    "Children came out to look at the mud.",
    "The baker opened his shop as usual.",
    "Later the mayor walked along the bank.",
    "He said the new wall had done its job.",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Any corpus, any shard cuts and buckets: the file stages give the in-memory result.
    #[test]
    fn file_stages_equal_in_memory(
        docs in prop::collection::vec(prop::collection::vec(0usize..8, 0..12), 1..20),
        cuts in prop::collection::vec(0usize..20, 0..4),
        buckets in 1u32..4,
    ) {
        let texts: Vec<String> = docs
            .iter()
            .map(|d| d.iter().map(|&i| POOL[i]).collect::<Vec<_>>().join(" "))
            .collect();
        let t: Vec<&str> = texts.iter().map(String::as_str).collect();
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(t.len())).collect();
        cuts.sort_unstable();
        let cfg = SpanDedupConfig::default().with_min_doc_words(8).with_min_num_sentences(2);
        let tmp = tempfile::tempdir().unwrap();
        let opts = SpanFileOptions::default().with_buckets(buckets).with_max_buffered(5);
        let files = run_files(tmp.path(), &t, &cuts, &cfg, &opts, None);
        let mem = span_dedup(&t, &cfg, None);
        prop_assert_eq!(&files, &mem);
        let s = SpanDedupStats::of(&mem);
        prop_assert_eq!(s.documents, s.kept + s.edited + s.dropped);
    }
}

#[test]
fn pipeline_counts_add_up() {
    use dataprep_core::{Pipeline, VecDataset, VecSink};
    let cfg = SpanDedupConfig::default();
    let t = texts();
    let expect = SpanDedupStats::of(&span_dedup(&t, &cfg, None));
    let mut records: Vec<Record> = CORPUS
        .iter()
        .map(|d| {
            Record::new()
                .with_key(d.id.as_str())
                .with("text", d.text.as_str())
        })
        .collect();
    // A record without the field fails on its own; the job goes on.
    records.insert(40, Record::new().with_key("no-text").with("title", "x"));
    let mut sink = VecSink::default();
    let summary = Pipeline::new(VecDataset::new(records))
        .stateful(SpanDedupStage::new(cfg))
        .sink(&mut sink)
        .run()
        .unwrap();
    let s = summary.stage("span_dedup").unwrap();
    assert!(summary.is_balanced());
    assert_eq!(s.records_in, t.len() as u64 + 1);
    assert_eq!(s.failed, 1);
    assert_eq!(s.dropped, expect.dropped);
    assert_eq!(s.records_out, expect.kept + expect.edited);
    assert_eq!(sink.records().len() as u64, expect.kept + expect.edited);
    let by_reason: u64 = s
        .dropped_by_reason
        .iter()
        .filter(|(r, _)| r.starts_with("span_dedup_"))
        .map(|(_, n)| n)
        .sum();
    assert_eq!(by_reason, expect.dropped);
}

#[test]
fn malformed_files_are_errors_not_panics() {
    let cfg = SpanDedupConfig::default();
    let opts = SpanFileOptions::default();
    let tmp = tempfile::tempdir().unwrap();
    let (sigs, dups) = (tmp.path().join("sigs"), tmp.path().join("dups"));
    write_span_signatures(&sigs, 0, texts().iter(), &cfg, &opts).unwrap();
    // Truncate the signature file by 3 bytes: a typed format error.
    let f = sigs.join("0000").join("00000.spansig");
    let mut bytes = std::fs::read(&f).unwrap();
    bytes.truncate(bytes.len() - 3);
    std::fs::write(&f, &bytes).unwrap();
    let e = find_span_duplicates(&sigs, 0, &dups, None, &cfg, &opts).unwrap_err();
    assert!(matches!(e, dataprep_quality::Error::Format { .. }), "{e}");
    // A file that is not named after a shard, and an index of the wrong length.
    std::fs::write(sigs.join("0000").join("x.spansig"), b"").unwrap();
    assert!(find_span_duplicates(&sigs, 0, &dups, None, &cfg, &opts).is_err());
    let ix = tmp.path().join("bad.spanidx");
    std::fs::write(&ix, [0u8; 12]).unwrap();
    assert!(matches!(
        SpanIndex::load(&ix),
        Err(dataprep_quality::Error::Format { .. })
    ));
    // No duplicates directory at all: nothing to remove.
    assert!(
        SpanDuplicates::load(&tmp.path().join("missing"), 0)
            .unwrap()
            .is_empty()
    );
}
