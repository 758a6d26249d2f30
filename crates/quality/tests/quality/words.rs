//! The word tokenizer and sentencizer against spaCy 3.8.18 as datatrove 0.10.1 calls them.

use dataprep_quality::words::{count_sentences, split_into_sentences, split_into_words};

use super::common::{CORPUS, GOLDENS, fnv1a64};

#[test]
fn tricky_strings_tokenize_like_spacy() {
    let mut bad = Vec::new();
    let mut n = 0;
    for line in include_str!("../data/tokens.jsonl").lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let text = v["text"].as_str().unwrap();
        let want: Vec<&str> = v["words"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w.as_str().unwrap())
            .collect();
        let got = split_into_words(text);
        if got != want {
            bad.push(format!("{text:?}\n  got  {got:?}\n  want {want:?}"));
        }
        let want: Vec<&str> = v["sentences"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w.as_str().unwrap())
            .collect();
        let got = split_into_sentences(text);
        if got != want {
            bad.push(format!(
                "sentences {text:?}\n  got  {got:?}\n  want {want:?}"
            ));
        }
        n += 1;
    }
    assert!(n >= 70);
    assert!(
        bad.is_empty(),
        "{} mismatches:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn corpus_tokenizes_like_spacy() {
    let mut bad = Vec::new();
    for (doc, g) in CORPUS.iter().zip(GOLDENS.iter()) {
        assert_eq!(doc.id, g["id"].as_str().unwrap());
        let words = split_into_words(&doc.text);
        let fnv = fnv1a64(&words.join("\0"));
        if words.len() as u64 != g["n_words"].as_u64().unwrap()
            || fnv != g["words_fnv"].as_str().unwrap()
        {
            bad.push(format!(
                "{}: {} words (want {})",
                doc.id,
                words.len(),
                g["n_words"]
            ));
        }
        let ns = if doc.text.is_empty() {
            0
        } else {
            count_sentences(&doc.text)
        };
        if ns as u64 != g["n_sentences"].as_u64().unwrap() {
            bad.push(format!(
                "{}: {} sentences (want {})",
                doc.id, ns, g["n_sentences"]
            ));
        }
    }
    assert!(
        bad.is_empty(),
        "{} mismatches:\n{}",
        bad.len(),
        bad.join("\n")
    );
}
