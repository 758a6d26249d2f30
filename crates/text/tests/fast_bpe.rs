//! The fast byte-level BPE path of `TextTokenizer` gives exactly the ids of `tokenizers`'
//! `encode_fast(text, false)`, for every tokenizer that takes it, and the other tokenizers keep
//! using `tokenizers`.

use std::sync::LazyLock;

use dataprep_core::{Pipeline, Record, VecDataset, VecSink};
use dataprep_text::tokenize::{EncodeConfig, EncodeStage, ModelKind, TextTokenizer, TrainConfig};
use proptest::prelude::*;
use serde_json::{Value, json};
use tokenizers::models::TrainerWrapper;
use tokenizers::models::bpe::{BPE, BpeTrainerBuilder};
use tokenizers::normalizers::unicode::NFC;
use tokenizers::pre_tokenizers::PreTokenizerWrapper;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::pre_tokenizers::sequence::Sequence;
use tokenizers::processors::PostProcessorWrapper;
use tokenizers::processors::byte_level::ByteLevel as ByteLevelProcessor;
use tokenizers::processors::roberta::RobertaProcessing;
use tokenizers::processors::sequence::Sequence as PostSequence;
use tokenizers::processors::template::TemplateProcessing;
use tokenizers::{AddedToken, Tokenizer};

const MULTILINGUAL: &str = include_str!("data/multilingual.txt");

/// Pieces the random texts are made of: every class boundary of the GPT-2 pattern, whitespace of
/// every kind, contractions, digits and letters of many scripts, emoji, combining marks, and the
/// added tokens of the tokenizers under test (and prefixes of them).
const PIECES: &[&str] = &[
    "a",
    "Z",
    "hello",
    "the",
    " ",
    "  ",
    "   ",
    "\t",
    "\n",
    "\r\n",
    "\r",
    "\u{a0}",
    "\u{3000}",
    "\u{2028}",
    "\u{2029}",
    "\u{85}",
    "\u{b}",
    "\u{c}",
    "'s",
    "'t",
    "'re",
    "'ve",
    "'m",
    "'ll",
    "'d",
    "'S",
    "'",
    "''",
    "'r",
    "'l",
    "0",
    "42",
    "٣",
    "१२",
    "๓",
    "৪",
    "፩",
    "Ⅻ",
    "½",
    "²",
    "é",
    "e\u{301}",
    "\u{301}",
    "東京",
    "こんにちは",
    "한국어",
    "Привет",
    "مرحبا",
    "עברית",
    "ελληνικά",
    "हिन्दी",
    "ไทย",
    "😀",
    "👍🏽",
    "👨\u{200d}👩",
    "🇫🇷",
    "!",
    "?!",
    "...",
    "-",
    "_",
    "<|endoftext|>",
    "<|end",
    "<|",
    "<pad>",
    "[X]",
    "\u{200b}",
    "\u{feff}",
    "\0",
    "\u{7f}",
    "𝐀𝟎",
    "ﬁ",
    "\u{10ffff}",
];

fn text_strategy() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            3 => prop::sample::select(PIECES).prop_map(str::to_owned),
            1 => any::<char>().prop_map(String::from),
        ],
        0..40,
    )
    .prop_map(|v| v.concat())
}

fn corpus() -> Vec<String> {
    let mut lines: Vec<String> = MULTILINGUAL.lines().map(str::to_owned).collect();
    lines.extend(PIECES.iter().map(|p| p.repeat(3)));
    lines.extend((0..50).map(|i| format!("the cat's {i} hats aren't there, hello hello")));
    lines
}

/// A byte-level BPE trained with `tokenizers` directly (the pre-tokenizer variants that
/// `TextTokenizer::train` does not make).
fn train_bpe(add_prefix_space: bool, sequence: bool, special: &[&str]) -> Tokenizer {
    let mut tok = Tokenizer::new(BPE::default());
    let bl = ByteLevel::default().add_prefix_space(add_prefix_space);
    if sequence {
        tok.with_pre_tokenizer(Some(Sequence::new(vec![PreTokenizerWrapper::ByteLevel(
            bl,
        )])));
    } else {
        tok.with_pre_tokenizer(Some(bl));
    }
    let mut trainer = TrainerWrapper::BpeTrainer(
        BpeTrainerBuilder::new()
            .vocab_size(700)
            .min_frequency(1)
            .special_tokens(special.iter().map(|s| AddedToken::from(*s, true)).collect())
            .initial_alphabet(ByteLevel::alphabet().into_iter().collect())
            .show_progress(false)
            .build(),
    );
    tok.train(&mut trainer, corpus().into_iter()).unwrap();
    tok
}

fn edit_json(tok: &Tokenizer, edit: impl FnOnce(&mut Value)) -> TextTokenizer {
    let mut v: Value = serde_json::from_str(&tok.to_string(false).unwrap()).unwrap();
    edit(&mut v);
    TextTokenizer::from_json(&v.to_string()).unwrap()
}

/// The trained vocabulary without any token holding a byte ≥ 0x80 (so those bytes are unknown),
/// plus `<unk>` when `unk` is set: a hand-built GPT-2-like tokenizer.json.
fn ascii_only(base: &Tokenizer, unk: bool, fuse_unk: bool) -> TextTokenizer {
    edit_json(base, |v| {
        let ascii = |s: &str| {
            s.chars()
                .all(|c| ('!'..='~').contains(&c) || c == 'Ġ' || c == 'Ċ')
        };
        let model = &mut v["model"];
        let mut kept: Vec<(String, u64)> = model["vocab"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(k, _)| ascii(k))
            .map(|(k, id)| (k.clone(), id.as_u64().unwrap()))
            .collect();
        kept.sort_by_key(|k| k.1);
        let mut vocab = serde_json::Map::new();
        for (i, (k, _)) in kept.into_iter().enumerate() {
            vocab.insert(k, json!(i + 1));
        }
        if unk {
            vocab.insert("<unk>".into(), json!(0));
        }
        let merges: Vec<Value> = model["merges"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| ascii(m[0].as_str().unwrap()) && ascii(m[1].as_str().unwrap()))
            .cloned()
            .collect();
        model["vocab"] = Value::Object(vocab);
        model["merges"] = Value::Array(merges);
        model["unk_token"] = if unk { json!("<unk>") } else { Value::Null };
        model["fuse_unk"] = json!(fuse_unk);
        v["added_tokens"] = json!([]);
    })
}

/// Every tokenizer that must take the fast path, by name.
static FAST: LazyLock<Vec<(&'static str, TextTokenizer)>> = LazyLock::new(|| {
    let texts = corpus();
    let ours = TextTokenizer::train(
        &TrainConfig::new(ModelKind::Bpe, 700).with_min_frequency(1),
        texts.iter(),
    )
    .unwrap();
    let no_special = TextTokenizer::train(
        &TrainConfig::new(ModelKind::Bpe, 500)
            .with_min_frequency(1)
            .with_special_tokens(Vec::<String>::new()),
        texts.iter(),
    )
    .unwrap();
    let prefix = train_bpe(true, false, &["<|endoftext|>"]);
    let mut seq = train_bpe(true, true, &["<|endoftext|>", "<pad>"]);
    // Non-special added tokens are `normalized` (matched in the second pass), and some overlap
    // words and the special tokens.
    seq.add_tokens([
        AddedToken::from("hello", false),
        AddedToken::from("[X]", false),
        AddedToken::from("<|end", false),
        AddedToken::from("東京", false),
    ])
    .unwrap();
    let plain = train_bpe(false, false, &[]);
    // Added tokens with every option tokenizers has (RoBERTa's `<mask>` is `lstrip`).
    let mut options = train_bpe(false, false, &["<|endoftext|>"]);
    options
        .add_special_tokens([
            AddedToken::from("<mask>", true).lstrip(true),
            AddedToken::from("<pad>", true).rstrip(true),
        ])
        .unwrap();
    options
        .add_tokens([
            AddedToken::from("hello", false).single_word(true),
            AddedToken::from("[X]", false).lstrip(true).rstrip(true),
            AddedToken::from("東京", false).single_word(true),
            AddedToken::from(" 's", false).normalized(false),
        ])
        .unwrap();
    let mut encode_special = train_bpe(false, false, &["<|endoftext|>", "<pad>"]);
    encode_special
        .add_tokens([AddedToken::from("hello", false)])
        .unwrap();
    encode_special.set_encode_special_tokens(true);
    // Post-processors that add special tokens only when asked to (never, here).
    let mut roberta = train_bpe(false, false, &["<s>", "</s>"]);
    roberta.with_post_processor(Some(RobertaProcessing::new(
        ("</s>".into(), 1),
        ("<s>".into(), 0),
    )));
    let mut template = train_bpe(true, false, &["<|endoftext|>"]);
    template.with_post_processor(Some(PostSequence::new(vec![
        PostProcessorWrapper::ByteLevel(ByteLevelProcessor::default()),
        PostProcessorWrapper::Template(
            TemplateProcessing::builder()
                .try_single("<|endoftext|> $A <|endoftext|>")
                .unwrap()
                .special_tokens(vec![("<|endoftext|>", 0)])
                .build()
                .unwrap(),
        ),
    ])));
    let ignore_merges = edit_json(ours.inner(), |v| v["model"]["ignore_merges"] = json!(true));
    let no_regex = edit_json(&prefix, |v| v["pre_tokenizer"]["use_regex"] = json!(false));
    vec![
        ("trained by TextTokenizer::train", ours.clone()),
        ("no special tokens", no_special),
        ("add_prefix_space", TextTokenizer::new(prefix)),
        (
            "Sequence[ByteLevel] + added tokens",
            TextTokenizer::new(seq),
        ),
        ("no added tokens", TextTokenizer::new(plain.clone())),
        // GPT-2's own tokenizer.json spells "no prefix / suffix" as empty strings.
        (
            "empty prefix and suffix (GPT-2 layout)",
            edit_json(&plain, |v| {
                v["model"]["continuing_subword_prefix"] = json!("");
                v["model"]["end_of_word_suffix"] = json!("");
            }),
        ),
        ("ignore_merges", ignore_merges),
        ("use_regex false", no_regex),
        ("unknown bytes, no unk", ascii_only(&plain, false, false)),
        ("unknown bytes, unk", ascii_only(&plain, true, false)),
        ("unknown bytes, fused unk", ascii_only(&plain, true, true)),
        ("RobertaProcessing", TextTokenizer::new(roberta)),
        (
            "lstrip, rstrip, single_word added tokens",
            TextTokenizer::new(options),
        ),
        ("encode_special_tokens", TextTokenizer::new(encode_special)),
        (
            "Sequence[ByteLevel, TemplateProcessing]",
            TextTokenizer::new(template),
        ),
    ]
});

fn assert_same(name: &str, tok: &TextTokenizer, text: &str) {
    let want = tok.inner().encode_fast(text, false).unwrap();
    let got = tok.encode(text).unwrap();
    assert_eq!(got, want.get_ids(), "{name}: {text:?}");
}

#[test]
fn every_variant_takes_the_fast_path() {
    for (name, tok) in FAST.iter() {
        assert!(tok.is_fast_path(), "{name}");
    }
}

#[test]
fn multilingual_text_equals_tokenizers() {
    for (name, tok) in FAST.iter() {
        assert_same(name, tok, MULTILINGUAL);
        for line in MULTILINGUAL.split_inclusive('\n') {
            assert_same(name, tok, line);
        }
        let lines: Vec<&str> = MULTILINGUAL.split_inclusive('\n').collect();
        let batch = tok.encode_batch(&lines).unwrap();
        let want: Vec<Vec<u32>> = tok
            .inner()
            .encode_batch_fast(lines.clone(), false)
            .unwrap()
            .iter()
            .map(|e| e.get_ids().to_vec())
            .collect();
        assert_eq!(batch, want, "{name}");
    }
}

/// The same ids at any thread count (and whatever each thread's word cache holds).
#[test]
fn batch_is_the_same_at_any_thread_count() {
    let lines: Vec<&str> = MULTILINGUAL.split_inclusive(' ').collect();
    for (name, tok) in FAST.iter().take(4) {
        let default = tok.encode_batch(&lines).unwrap();
        for threads in [1, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            assert_eq!(
                pool.install(|| tok.encode_batch(&lines).unwrap()),
                default,
                "{name}"
            );
        }
    }
}

#[test]
fn edge_texts_equal_tokenizers() {
    let texts = [
        "",
        " ",
        "<|endoftext|>",
        "<|endoftext|><|endoftext|>",
        " <|endoftext|> ",
        "a<|endoftext|>b",
        "<|end<|endoftext|>",
        "hellohello hello",
        "[X][X]",
        "   \n\n\t ",
        "'s's's",
        "東京東京",
        "\u{10ffff}\0",
        "a  <mask>  b",
        "<mask><mask>  <pad>  <pad>x",
        "  [X]  [X][X]  ",
        "hello hellohello ahello hello_ hello, 東京 東京都",
        "it 's ok 's's",
    ];
    for (name, tok) in FAST.iter() {
        for t in texts {
            assert_same(name, tok, t);
        }
    }
}

#[test]
fn encode_stage_uses_the_fast_path() {
    let (_, tok) = &FAST[3];
    let lines: Vec<&str> = MULTILINGUAL.lines().collect();
    let ds = VecDataset::new(
        lines
            .iter()
            .map(|l| Record::new().with("text", *l))
            .collect(),
    );
    let mut sink = VecSink::default();
    let summary = Pipeline::new(&ds)
        .stage(EncodeStage::new(EncodeConfig::default(), tok.clone()))
        .sink(&mut sink)
        .with_threads(2)
        .run()
        .unwrap();
    assert_eq!(summary.written, lines.len() as u64);
    for (rec, line) in sink.records().iter().zip(&lines) {
        let ids: Vec<u32> = rec
            .list("tokens")
            .unwrap()
            .iter()
            .map(|v| u32::try_from(v.as_u64().unwrap()).unwrap())
            .collect();
        assert_eq!(
            ids,
            tok.inner().encode_fast(*line, false).unwrap().get_ids()
        );
    }
}

#[test]
fn other_tokenizers_keep_the_general_path() {
    let texts = corpus();
    let wordpiece =
        TextTokenizer::train(&TrainConfig::new(ModelKind::WordPiece, 200), texts.iter()).unwrap();
    let unigram =
        TextTokenizer::train(&TrainConfig::new(ModelKind::Unigram, 2000), texts.iter()).unwrap();
    let mut normalized = train_bpe(false, false, &["<|endoftext|>"]);
    normalized.with_normalizer(Some(NFC)).unwrap();
    let dropout = edit_json(&train_bpe(false, false, &[]), |v| {
        v["model"]["dropout"] = json!(0.5);
    });
    let suffix = edit_json(&train_bpe(false, false, &[]), |v| {
        v["model"]["end_of_word_suffix"] = json!("</w>");
    });
    let truncated = edit_json(&train_bpe(false, false, &[]), |v| {
        v["truncation"] =
            json!({"direction": "Right", "max_length": 4, "strategy": "LongestFirst", "stride": 0});
    });
    let mut twice = train_bpe(false, false, &["<|endoftext|>"]);
    twice.with_post_processor(Some(
        TemplateProcessing::builder()
            .try_single("$A <|endoftext|> $A")
            .unwrap()
            .special_tokens(vec![("<|endoftext|>", 0)])
            .build()
            .unwrap(),
    ));
    for (name, tok) in [
        ("template with $A twice", TextTokenizer::new(twice)),
        ("WordPiece", wordpiece),
        ("Unigram", unigram),
        ("BPE + NFC normalizer", TextTokenizer::new(normalized)),
        ("BPE with dropout", dropout),
        ("BPE with end_of_word_suffix", suffix),
        ("BPE with truncation", truncated),
    ] {
        assert!(!tok.is_fast_path(), "{name}");
        if name != "BPE with dropout" {
            assert_same(name, &tok, "the cat's hats <mask> 東京");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Random texts give the ids of `tokenizers` on every fast-path tokenizer (and never panic).
    #[test]
    fn random_texts_equal_tokenizers(text in text_strategy()) {
        for (name, tok) in FAST.iter() {
            let want = tok.inner().encode_fast(text.as_str(), false).unwrap();
            prop_assert_eq!(tok.encode(&text).unwrap(), want.get_ids(), "{}", name);
        }
    }

    /// Arbitrary strings never panic and agree too.
    #[test]
    fn arbitrary_strings_equal_tokenizers(text in any::<String>()) {
        let (name, tok) = &FAST[3];
        let want = tok.inner().encode_fast(text.as_str(), false).unwrap();
        prop_assert_eq!(tok.encode(&text).unwrap(), want.get_ids(), "{}", name);
    }
}

/// Ids from the Python `tokenizers` wheel (Oniguruma pre-tokenizer) for a GPT-2-like
/// tokenizer.json it trained (`tools/fast_bpe_goldens.py`): the fast path gives the same ids,
/// and so does the Rust `tokenizers` (fancy-regex) build.
#[test]
fn python_tokenizers_goldens() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");
    let tok = TextTokenizer::from_file(format!("{dir}/bpe_gpt2like.json")).unwrap();
    assert!(tok.is_fast_path());
    let goldens: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{dir}/bpe_gpt2like_goldens.json")).unwrap(),
    )
    .unwrap();
    let cases = goldens["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 43);
    for case in cases {
        let text = case["text"].as_str().unwrap();
        let want: Vec<u32> = case["ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| u32::try_from(v.as_u64().unwrap()).unwrap())
            .collect();
        assert_eq!(tok.encode(text).unwrap(), want, "{text:?}");
        assert_eq!(
            tok.inner().encode_fast(text, false).unwrap().get_ids(),
            want,
            "{text:?}"
        );
    }
}
