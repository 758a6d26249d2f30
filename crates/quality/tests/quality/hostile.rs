//! Bad input for every heuristic filter, span dedup and decontamination: empty, huge,
//! binary-as-text (invalid UTF-8 decoded lossily, NUL bytes) and pathological repetitive
//! documents never panic, always give a decision, and the decision re-derived from the recorded
//! scores (`decide`) equals the one `apply` gave. (No timing asserts: a quadratic path would show
//! as a test that does not finish, and the criterion benches measure speed.)

use dataprep_quality::dedup::decontam::{DecontConfig, DecontIndex};
use dataprep_quality::dedup::span::{SpanDedupConfig, span_dedup};
use dataprep_quality::filters::{
    BadWords, C4Paragraph, C4Quality, FineWebQuality, GopherQuality, GopherRepetition,
    LanguageFilter, QualityFilter, UrlFilter,
};
use proptest::prelude::*;

fn filters() -> Vec<Box<dyn QualityFilter>> {
    vec![
        Box::new(GopherQuality::default()),
        Box::new(GopherRepetition::default()),
        Box::new(C4Quality::default()),
        Box::new(C4Paragraph::default()),
        Box::new(FineWebQuality::default()),
        Box::new(BadWords::new(["darn", "heck"])),
        Box::new(UrlFilter::default().with_domains(["example.com"])),
        Box::new(LanguageFilter::new(["en"])),
    ]
}

/// Applies every filter and checks the result is self-consistent.
fn check_all(text: &str) {
    for f in filters() {
        let r = f.apply(text);
        assert_eq!(r.is_keep(), r.reason().is_none(), "{}", f.name());
        for &(k, v) in &r.scores {
            assert!(!v.is_infinite(), "{}: {k} = {v}", f.name());
        }
        let again = f
            .decide(&|k| r.score(k))
            .unwrap_or_else(|e| panic!("{}: {e}", f.name()));
        assert_eq!(
            again.decision,
            r.decision,
            "{} on {:?}",
            f.name(),
            preview(text)
        );
    }
}

fn preview(s: &str) -> String {
    s.chars().take(60).collect()
}

fn hostile_docs() -> Vec<(&'static str, String)> {
    let bytes: Vec<u8> = (0..200_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    vec![
        ("empty", String::new()),
        ("spaces", " ".repeat(10_000)),
        ("one char 1 MB", "a".repeat(1 << 20)),
        ("one punct 1 MB", ".".repeat(1 << 20)),
        ("100k empty lines", "\n".repeat(100_000)),
        ("100k lines", "same line.\n".repeat(100_000)),
        ("nul bytes", "\0".repeat(100_000)),
        ("lossy binary", String::from_utf8_lossy(&bytes).into_owned()),
        ("one word repeated", "word ".repeat(200_000)),
        (
            "one sentence repeated",
            "The cat sat on the mat. ".repeat(20_000),
        ),
        (
            "long url",
            format!("http://{}.example.com/", "a".repeat(100_000)),
        ),
        // A long run of prefix characters was quadratic in the word splitter (fixed).
        ("brackets", "{[(".repeat(100_000)),
        ("ellipses", "… ...\n".repeat(50_000)),
        ("bullets", "• - * \n".repeat(50_000)),
        ("combining marks", "e\u{301}".repeat(100_000)),
    ]
}

#[test]
fn pathological_documents() {
    let bench = DecontIndex::from_benchmarks(
        DecontConfig::default(),
        [("b", "The cat sat on the mat. ".repeat(5))],
    );
    let docs = hostile_docs();
    for (name, d) in &docs {
        check_all(d);
        let c = bench.check(d);
        assert!(c.matched_ngrams <= c.ngrams, "{name}");
        if *name == "one sentence repeated" {
            assert_eq!(c.matched_ngrams, c.ngrams);
        }
    }
    let texts: Vec<&str> = docs.iter().map(|(_, d)| d.as_str()).collect();
    let outs = span_dedup(&texts, &SpanDedupConfig::default(), None);
    assert_eq!(outs.len(), texts.len());
    // The empty document is dropped (as datatrove does); the sentence repeated 20,000 times
    // keeps only its first sentence.
    assert!(!outs[0].is_kept());
    let rep = texts.iter().position(|t| t.starts_with("The cat")).unwrap();
    assert_eq!(outs[rep].removed_sentences(), 20_000 - 1);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Arbitrary bytes decoded lossily.
    #[test]
    fn arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..4000)) {
        let text = String::from_utf8_lossy(&bytes);
        check_all(&text);
        let _ = span_dedup(&[text.as_ref(), text.as_ref()], &SpanDedupConfig::default(), None);
    }

    /// Arbitrary strings of a few building blocks that trigger every rule: punctuation, line
    /// breaks, bullets, ellipses, brackets, words, URLs, non-Latin letters.
    #[test]
    fn arbitrary_structure(parts in prop::collection::vec(
        prop::sample::select(vec![
            "the ", "word", ". ", "\n", "\n\n", "• ", "...", "…", "{", "}", "#", "lorem ipsum ",
            "javascript ", "cookies ", "http://a.example.com/x ", "日本語", "\u{0}", "\r\n",
            "Mr. ", "don't ", "  ", "\t", "1,000.5 ", "!", "?", "[1] ",
        ]),
        0..400,
    )) {
        let text: String = parts.concat();
        check_all(&text);
        let outs = span_dedup(&[text.as_str(), text.as_str()], &SpanDedupConfig::default(), None);
        prop_assert_eq!(outs.len(), 2);
    }
}
