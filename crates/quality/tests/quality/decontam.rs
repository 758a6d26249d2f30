//! Decontamination: datatrove 0.10.1's decisions on the parity corpus
//! (`tools/quality_decontam_goldens.py`), planted benchmark passages in corpus documents are found
//! (drop and flag), clean documents are not, and a property: a document matches exactly when it
//! shares a word n-gram with a benchmark.

use std::collections::HashSet;

use dataprep_core::{Action, Context, Record, Stage, Value};
use dataprep_quality::dedup::decontam::{DecontAction, DecontConfig, DecontIndex};
use proptest::prelude::*;

use super::common::CORPUS;

#[test]
fn decisions_match_datatrove() {
    let bench: Vec<(String, String)> = include_str!("../data/decontam_benchmarks.jsonl")
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["task"].as_str().unwrap().to_owned(),
                v["text"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let ix = DecontIndex::from_benchmarks(DecontConfig::default(), bench);
    let gold: Vec<serde_json::Value> = include_str!("../data/decontam_goldens.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(gold.len(), CORPUS.len());
    let mut contaminated = 0;
    for (d, g) in CORPUS.iter().zip(&gold) {
        assert_eq!(g["id"], d.id.as_str());
        let c = ix.check(&d.text);
        assert_eq!(
            !c.is_clean(),
            g["contaminated"].as_bool().unwrap(),
            "{}: {c:?}",
            d.id
        );
        if let Some(task) = g["task"].as_str() {
            // datatrove names the benchmark of the first matching n-gram; we list them all.
            assert!(
                c.benchmarks.iter().any(|(b, _)| b == task),
                "{}: {c:?}",
                d.id
            );
            contaminated += 1;
        }
    }
    assert_eq!(contaminated, 30);
}

const BENCH: [(&str, &str); 3] = [
    (
        "quiz_geo",
        "Which river flows through the city of Vienna and also through Budapest, Bratislava and Belgrade before reaching the Black Sea?",
    ),
    (
        "quiz_geo",
        "What is the name of the mountain range that separates the Iberian Peninsula from the rest of continental Europe?",
    ),
    (
        "reading",
        "The committee agreed that the bridge would be closed for repairs during the summer months, when traffic on the old road is lightest.",
    ),
];

fn index(action: DecontAction) -> DecontIndex {
    DecontIndex::from_benchmarks(DecontConfig::default().with_action(action), BENCH)
}

#[test]
fn planted_passages_are_found_and_the_corpus_is_clean() {
    let ix = index(DecontAction::Drop);
    assert_eq!(ix.benchmarks(), ["quiz_geo", "reading"]);
    let docs: Vec<&str> = CORPUS.iter().map(|d| d.text.as_str()).take(120).collect();
    // Every corpus document is clean.
    assert!(ix.check_all(&docs).iter().all(|c| c.is_clean()));
    // Plant a question (upper-cased, punctuation changed) into every 10th document.
    let mut planted = Vec::new();
    for (i, d) in docs.iter().enumerate() {
        let mut t = d.to_string();
        if i % 10 == 0 {
            let q = BENCH[i / 10 % 3].1.to_uppercase().replace(',', ";");
            let mid = t
                .char_indices()
                .nth(t.chars().count() / 2)
                .map_or(0, |(b, _)| b);
            let cut = t[mid..].find(' ').map_or(t.len(), |k| mid + k);
            t.insert_str(cut, &format!(" {q} "));
        }
        planted.push(t);
    }
    let res = ix.check_all(&planted);
    for (i, c) in res.iter().enumerate() {
        if i % 10 == 0 {
            let (bench, text) = BENCH[i / 10 % 3];
            assert!(!c.is_clean(), "doc {i} not found");
            assert_eq!(c.benchmarks.len(), 1);
            assert_eq!(c.benchmarks[0].0, bench);
            // At least every n-gram wholly inside the question.
            let words = text.split_whitespace().count();
            assert!(c.matched_ngrams >= words - 12 + 1 - 2, "doc {i}: {c:?}");
        } else {
            assert!(c.is_clean(), "doc {i}: {c:?}");
        }
    }
    // Stage: drop, or flag with the benchmark named.
    let cx = Context::new("decontamination", 0);
    let drop = ix.stage();
    let flag = index(DecontAction::Flag).stage();
    let mut dropped = 0;
    for (i, t) in planted.iter().enumerate() {
        let mut rec = Record::new().with("text", t.as_str());
        let a = drop.process(&mut rec, &cx).unwrap();
        if a != Action::Keep {
            assert_eq!(a, Action::drop("contaminated"));
            dropped += 1;
        }
        let mut rec = Record::new().with("text", t.as_str());
        assert_eq!(flag.process(&mut rec, &cx).unwrap(), Action::Keep);
        let names = rec.get("contaminated_by").unwrap();
        if i % 10 == 0 {
            assert!(rec.score("decontamination", "matched_ngrams").unwrap() > 0.0);
            assert_eq!(names, &Value::List(vec![Value::from(BENCH[i / 10 % 3].0)]));
        } else {
            assert_eq!(rec.score("decontamination", "matched_ngrams"), Some(0.0));
            assert_eq!(names, &Value::List(vec![]));
        }
    }
    assert_eq!(dropped, 12);
}

/// The word n-grams of a text of lower-case ASCII words (normalisation is the identity there).
fn ngram_set(words: &[&str], n: usize) -> HashSet<Vec<String>> {
    words
        .windows(n)
        .map(|w| w.iter().map(|s| s.to_string()).collect())
        .collect()
}

const VOCAB: [&str; 3] = ["alpha", "beta", "gamma"];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// A document matches if and only if it shares a word n-gram with a benchmark text, however
    /// the words are cased and punctuated.
    #[test]
    fn matches_iff_an_ngram_is_shared(
        bench in prop::collection::vec(0usize..3, 0..30),
        doc in prop::collection::vec(0usize..3, 0..30),
        n in 1usize..13,
        upper in any::<bool>(),
    ) {
        let b: Vec<&str> = bench.iter().map(|&i| VOCAB[i]).collect();
        let d: Vec<&str> = doc.iter().map(|&i| VOCAB[i]).collect();
        let ix = DecontIndex::from_benchmarks(DecontConfig::default().with_n(n), [("b", b.join(" "))]);
        let mut text = d.join(", ");
        if upper {
            text = text.to_uppercase();
        }
        let c = ix.check(&text);
        let shared = ngram_set(&b, n).intersection(&ngram_set(&d, n)).count() > 0;
        prop_assert_eq!(!c.is_clean(), shared);
        let expect = d.windows(n).filter(|w| ngram_set(&b, n).contains(&w.iter().map(|s| s.to_string()).collect::<Vec<_>>())).count();
        prop_assert_eq!(c.matched_ngrams, expect);
        prop_assert_eq!(c.ngrams, d.len().saturating_sub(n - 1).min(d.len()));
    }
}
