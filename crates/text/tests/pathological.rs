//! No super-linear blow-ups on pathological inputs (issue 19): tokenizer training and encoding
//! (fast path and `tokenizers` path) and HTML extraction, timed as ratios — the time on a
//! generated worst case over the time on ordinary prose of the same size, and the worst case's
//! time at 2N over its time at N. The bounds are deliberately generous (a loaded 2-core machine,
//! an unoptimised test build); a quadratic algorithm misses them by orders of magnitude.
//!
//! The size is `PATHOLOGICAL_BYTES` (default 200 000, a few seconds unoptimised); the figures of
//! docs/performance.md come from
//! `PATHOLOGICAL_BYTES=10000000 cargo test --release -p dataprep-text --test pathological -- --nocapture --test-threads 1`
//! (`PATHOLOGICAL_UNBOUNDED=1` trains without the word bound, as before it existed).

use std::time::{Duration, Instant};

use dataprep_text::html::{HtmlConfig, extract};
use dataprep_text::tokenize::{ModelKind, TextTokenizer, TrainConfig};

/// Worst case over prose of the same size.
const MAX_RATIO: f64 = 25.0;
/// Time at 2N over time at N (linear: 2; quadratic: 4, and worse in practice).
const MAX_SCALING: f64 = 3.2;

fn size() -> usize {
    std::env::var("PATHOLOGICAL_BYTES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200_000)
}

// The deterministic generator of the worst cases (the same SplitMix64 as the crash tests).
use dataprep_core::testing::SplitMix64 as Gen;

/// `n` bytes of English-like prose: a 2 000-word vocabulary with a skewed frequency,
/// punctuation, sentences and paragraphs.
fn prose(n: usize) -> String {
    let mut g = Gen(7);
    let vocab: Vec<String> = (0..2000)
        .map(|_| {
            let len = 2 + g.below(9);
            g.run_of(b"etaoinshrdlcumwfgypbvk", len)
        })
        .collect();
    let mut s = String::with_capacity(n + 16);
    let mut in_sentence = 0;
    while s.len() < n {
        let rank = g.below(2000).min(g.below(2000)).min(g.below(2000));
        s.push_str(&vocab[rank]);
        in_sentence += 1;
        if in_sentence > 8 + g.below(12) {
            s.push_str(if g.below(6) == 0 { ".\n\n" } else { ". " });
            in_sentence = 0;
        } else if g.below(10) == 0 {
            s.push_str(", ");
        } else {
            s.push(' ');
        }
    }
    s.truncate(n);
    s
}

/// The generated worst cases of `n` bytes: one huge word of one character, of random letters,
/// of digits, of punctuation; runs of spaces, newlines, '.', '@'; multi-byte letters.
fn worst_cases(n: usize) -> Vec<(&'static str, String)> {
    let mut g = Gen(11);
    vec![
        ("one word 'x'", "x".repeat(n)),
        (
            "one word, random letters",
            g.run_of(b"abcdefghijklmnopqrstuvwxyz", n),
        ),
        ("digits", g.run_of(b"0123456789", n)),
        ("punctuation", g.run_of(b".,;:!?-#%&*", n)),
        ("spaces", " ".repeat(n)),
        ("newlines", "\n".repeat(n)),
        ("'.'", ".".repeat(n)),
        ("'@'", "@".repeat(n)),
        ("one word '東'", "東".repeat(n / 3)),
    ]
}

/// The best of three runs.
fn best<T>(mut f: impl FnMut() -> T) -> Duration {
    (0..3)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed()
        })
        .min()
        .expect("three runs")
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64().max(1e-6)
}

/// Trains a byte-level BPE on the one document `text` and encodes it with the fast path and
/// with `tokenizers`; returns the times of (train, fast encode, `tokenizers` encode).
fn train_encode(text: &str) -> (Duration, Duration, Duration) {
    let mut config = TrainConfig::new(ModelKind::Bpe, 1000);
    if std::env::var_os("PATHOLOGICAL_UNBOUNDED").is_some() {
        // What training did before the word bound (for the "before" figures).
        config = config.with_max_word_len(usize::MAX);
    }
    let mut tok = None;
    let train = best(|| tok = Some(TextTokenizer::train(&config, [text]).expect("trains")));
    let tok = tok.expect("trained");
    assert!(tok.is_fast_path());
    let slow = tok.clone().with_fast_path(false);
    let mut fast_ids = Vec::new();
    let fast = best(|| fast_ids = tok.encode(text).expect("encodes"));
    let mut slow_ids = Vec::new();
    let general = best(|| slow_ids = slow.encode(text).expect("encodes"));
    assert_eq!(fast_ids, slow_ids, "both paths give the same ids");
    assert_eq!(tok.decode(&fast_ids).expect("decodes"), text, "lossless");
    (train, fast, general)
}

#[test]
fn tokenizer_train_and_encode_stay_within_a_multiple_of_prose() {
    let n = size();
    let text = prose(n);
    let (pt, pf, pg) = train_encode(&text);
    let prose_total = secs(pt + pf + pg);
    eprintln!(
        "prose {n} B: train {:.3} s, encode fast {:.3} s, encode tokenizers {:.3} s",
        secs(pt),
        secs(pf),
        secs(pg)
    );
    let mut failures = Vec::new();
    for (name, text) in worst_cases(n) {
        let (t, f, g) = train_encode(&text);
        let ratio = secs(t + f + g) / prose_total;
        eprintln!(
            "{name} {} B: train {:.3} s, encode fast {:.3} s, encode tokenizers {:.3} s; \
             ratio to prose {ratio:.2}",
            text.len(),
            secs(t),
            secs(f),
            secs(g)
        );
        if ratio > MAX_RATIO {
            failures.push(format!("{name}: {ratio:.1}× prose"));
        }
    }
    assert!(failures.is_empty(), "too slow: {failures:?}");
}

#[test]
fn tokenizer_train_and_encode_scale_linearly() {
    let n = size() / 2;
    let mut failures = Vec::new();
    for ((name, small), (_, large)) in worst_cases(n).into_iter().zip(worst_cases(2 * n)) {
        let (t1, f1, g1) = train_encode(&small);
        let (t2, f2, g2) = train_encode(&large);
        // Small times are dominated by fixed costs; the bound only needs to catch growth.
        let scaling = secs(t2 + f2 + g2) / secs(t1 + f1 + g1).max(0.01);
        eprintln!(
            "{name}: {} B → {} B: train {:.3} → {:.3} s, encode fast {:.3} → {:.3} s, \
             encode tokenizers {:.3} → {:.3} s; scaling {scaling:.2}",
            small.len(),
            large.len(),
            secs(t1),
            secs(t2),
            secs(f1),
            secs(f2),
            secs(g1),
            secs(g2)
        );
        if scaling > MAX_SCALING {
            failures.push(format!("{name}: ×{scaling:.2} for ×2 input"));
        }
    }
    assert!(failures.is_empty(), "super-linear: {failures:?}");
}

/// Long pre-tokens are cut for training and counted; the rest of the text is trained as usual.
#[test]
fn training_cuts_long_words_and_reports_them() {
    let long = "x".repeat(100_000);
    let text = format!("the cat sat {long} on the mat");
    let config = TrainConfig::new(ModelKind::Bpe, 300);
    let (tok, report) = TextTokenizer::train_with_report(&config, [text.as_str()]).unwrap();
    assert_eq!(report.texts, 1);
    assert_eq!(report.bytes, text.len() as u64);
    assert!(!report.sample_truncated);
    // "the", " cat", " sat", " xxx…", " on", " the", " mat"
    assert_eq!(report.words, 7);
    assert_eq!(report.long_words, 1);
    // " " + 100 000 x = 100 001 bytes → 391 chunks of 256 (the last one 161).
    assert_eq!(report.long_word_chunks, 391);
    assert_eq!(tok.decode(&tok.encode(&text).unwrap()).unwrap(), text);
    // The longest token stays within the bound.
    let longest = (0..tok.vocab_size() as u32)
        .filter_map(|id| tok.inner().id_to_token(id))
        .map(|t| t.chars().count())
        .max()
        .unwrap();
    assert!(longest <= 256, "a token of {longest} chars");
}

/// The sample bounds: the first texts only, the crossing one cut, the rest not read.
#[test]
fn training_reads_a_bounded_sample() {
    let texts = [
        "aaaa bbbb aaaa bbbb",
        "cccc dddd cccc dddd",
        "eeee ffff eeee ffff",
        "gggg hhhh gggg hhhh",
    ];
    let pulled = std::sync::atomic::AtomicUsize::new(0);
    let iter = texts.iter().inspect(|_| {
        pulled.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    });
    // 19 bytes of the first text, 14 of the second: "cccc dddd cccc".
    let config = TrainConfig::new(ModelKind::Bpe, 280).with_max_sample_bytes(33);
    let (tok, report) = TextTokenizer::train_with_report(&config, iter).unwrap();
    assert_eq!((report.texts, report.bytes), (2, 33));
    assert!(report.sample_truncated);
    assert_eq!(pulled.load(std::sync::atomic::Ordering::Relaxed), 2);
    // The second text was read, the third was not.
    assert!(tok.token_to_id("cc").is_some());
    assert!(tok.token_to_id("ee").is_none());

    let config = TrainConfig::new(ModelKind::Bpe, 280).with_max_sample_texts(3);
    let (_, report) = TextTokenizer::train_with_report(&config, texts).unwrap();
    assert_eq!((report.texts, report.bytes), (3, 57));
    assert!(report.sample_truncated);
    let config = TrainConfig::new(ModelKind::Bpe, 280).with_max_sample_texts(4);
    let (_, report) = TextTokenizer::train_with_report(&config, texts).unwrap();
    assert!(!report.sample_truncated);

    // A cut never splits a character.
    let config = TrainConfig::new(ModelKind::Bpe, 280).with_max_sample_bytes(4);
    let (_, report) = TextTokenizer::train_with_report(&config, ["éééé"]).unwrap();
    assert_eq!(report.bytes, 4);
    let config = TrainConfig::new(ModelKind::Bpe, 280).with_max_sample_bytes(5);
    let (_, report) = TextTokenizer::train_with_report(&config, ["éééé"]).unwrap();
    assert_eq!(report.bytes, 4);
    assert!(
        TextTokenizer::train(
            &TrainConfig::new(ModelKind::Bpe, 280).with_max_word_len(0),
            ["a"]
        )
        .is_err()
    );
}

/// Below the word bound, training is exactly `tokenizers`' own `Tokenizer::train`.
#[test]
fn bounded_training_equals_tokenizers_training_on_ordinary_text() {
    let text = prose(60_000);
    let lines: Vec<&str> = text.lines().collect();
    // WordPiece is left out: two runs of `tokenizers`' own WordPiece training on the same text
    // order ties differently (its alphabet comes from a hash map), so there is nothing to equal.
    for (model, vocab) in [(ModelKind::Bpe, 600), (ModelKind::Unigram, 300)] {
        let config = TrainConfig::new(model, vocab);
        let (ours, report) = TextTokenizer::train_with_report(&config, lines.iter()).unwrap();
        assert_eq!(report.long_words, 0);
        let unbounded = config
            .clone()
            .with_max_word_len(usize::MAX)
            .with_max_sample_bytes(u64::MAX);
        let reference = reference_train(&unbounded, &lines);
        if model == ModelKind::Bpe {
            assert_eq!(
                ours.inner().to_string(false).unwrap(),
                reference.to_string(false).unwrap()
            );
        } else {
            // Unigram scores differ in the last digits between two runs (a parallel sum); the
            // pieces and their order are the same.
            assert_eq!(ours.inner().get_vocab(true), reference.get_vocab(true));
        }
    }
}

/// `tokenizers`' `Tokenizer::train` with the same model, pre-tokenizer and trainer as
/// `TextTokenizer::train` (what it ran before the bounds).
fn reference_train(config: &TrainConfig, lines: &[&str]) -> tokenizers::Tokenizer {
    use std::collections::HashSet;
    use tokenizers::decoders::byte_level::ByteLevel as ByteLevelDecoder;
    use tokenizers::decoders::metaspace::Metaspace as MetaspaceDecoder;
    use tokenizers::decoders::wordpiece::WordPiece as WordPieceDecoder;
    use tokenizers::models::TrainerWrapper;
    use tokenizers::models::bpe::{BPE, BpeTrainerBuilder};
    use tokenizers::models::unigram::{Unigram, UnigramTrainer};
    use tokenizers::models::wordpiece::{WordPiece, WordPieceTrainer};
    use tokenizers::pre_tokenizers::bert::BertPreTokenizer;
    use tokenizers::pre_tokenizers::byte_level::ByteLevel;
    use tokenizers::pre_tokenizers::metaspace::Metaspace;
    use tokenizers::{AddedToken, Tokenizer};
    let special: Vec<AddedToken> = config
        .special_tokens
        .iter()
        .map(|t| AddedToken::from(t.clone(), true))
        .collect();
    let (mut tok, mut trainer) = match config.model {
        ModelKind::Bpe => {
            let mut tok = Tokenizer::new(BPE::default());
            tok.with_pre_tokenizer(Some(ByteLevel::default().add_prefix_space(false)));
            tok.with_decoder(Some(ByteLevelDecoder::default().add_prefix_space(false)));
            let alphabet: HashSet<char> = ByteLevel::alphabet().into_iter().collect();
            let trainer = BpeTrainerBuilder::new()
                .vocab_size(config.vocab_size)
                .min_frequency(config.min_frequency)
                .special_tokens(special)
                .initial_alphabet(alphabet)
                .show_progress(false)
                .build();
            (tok, TrainerWrapper::BpeTrainer(trainer))
        }
        ModelKind::WordPiece => {
            let model = WordPiece::builder()
                .unk_token("[UNK]".into())
                .build()
                .unwrap();
            let mut tok = Tokenizer::new(model);
            tok.with_pre_tokenizer(Some(BertPreTokenizer));
            tok.with_decoder(Some(WordPieceDecoder::default()));
            let trainer = WordPieceTrainer::builder()
                .vocab_size(config.vocab_size)
                .min_frequency(config.min_frequency)
                .special_tokens(special)
                .show_progress(false)
                .build();
            (tok, TrainerWrapper::WordPieceTrainer(trainer))
        }
        _ => {
            let mut tok = Tokenizer::new(Unigram::default());
            tok.with_pre_tokenizer(Some(Metaspace::default()));
            tok.with_decoder(Some(MetaspaceDecoder::default()));
            let trainer = UnigramTrainer::builder()
                .vocab_size(config.vocab_size as u32)
                .special_tokens(special)
                .unk_token(Some("<unk>".into()))
                .show_progress(false)
                .build()
                .unwrap();
            (tok, TrainerWrapper::UnigramTrainer(trainer))
        }
    };
    tok.train(&mut trainer, lines.iter()).unwrap();
    tok
}

/// HTML extraction on deeply nested tags and on a page of one huge text node, against a page of
/// ordinary paragraphs of the same size.
#[test]
fn html_extraction_stays_within_a_multiple_of_ordinary_pages() {
    let n = size();
    let config = HtmlConfig::default();
    let page =
        |body: &str| format!("<html><head><title>t</title></head><body>{body}</body></html>");
    let ordinary = {
        let text = prose(n);
        let body: String = text
            .split("\n\n")
            .map(|p| format!("<p>{p}</p>\n"))
            .collect();
        page(&body)
    };
    let t_ordinary = best(|| extract(&ordinary, &config));
    let deep = |depth: usize| {
        let mut s = String::new();
        for _ in 0..depth {
            s.push_str("<div>");
        }
        s.push_str("deep text");
        for _ in 0..depth {
            s.push_str("</div>");
        }
        page(&s)
    };
    let unclosed = |depth: usize| page(&"<span>x".repeat(depth));
    type Page<'a> = Box<dyn Fn(usize) -> String + 'a>;
    let cases: Vec<(&str, Page<'_>)> = vec![
        ("nested <div>", Box::new(move |n| deep(n / 11))),
        ("unclosed <span>x", Box::new(move |n| unclosed(n / 7))),
        ("one text node", Box::new(|n| page(&"x".repeat(n)))),
        (
            "one word in <p>",
            Box::new(|n| page(&format!("<p>{}</p>", "y".repeat(n)))),
        ),
    ];
    eprintln!(
        "html ordinary {} B: {:.3} s",
        ordinary.len(),
        secs(t_ordinary)
    );
    let mut failures = Vec::new();
    for (name, make) in &cases {
        let small = make(n / 2);
        let large = make(n);
        let t_small = best(|| extract(&small, &config));
        let t_large = best(|| extract(&large, &config));
        let ratio = secs(t_large) / secs(t_ordinary);
        let scaling = secs(t_large) / secs(t_small).max(0.01);
        eprintln!(
            "html {name} {} B: {:.3} s (half: {:.3} s); ratio to ordinary {ratio:.2}, \
             scaling {scaling:.2}",
            large.len(),
            secs(t_large),
            secs(t_small)
        );
        if ratio > MAX_RATIO || scaling > MAX_SCALING {
            failures.push(format!("{name}: ratio {ratio:.1}, scaling {scaling:.2}"));
        }
    }
    assert!(failures.is_empty(), "super-linear: {failures:?}");
}
