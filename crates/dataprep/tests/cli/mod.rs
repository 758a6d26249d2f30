//! The command lines of every example, parsed as `cargo run --example NAME -- ARGS` parses them.
//!
//! Each example's source is included as a module (Cargo gives tests no path to an example
//! binary), so these tests check the examples' own clap `Args`: `--help` lists every flag with its
//! default, `--version`, exit code 2 for unknown flags, missing or bad values, `--flag=value`,
//! non-UTF-8 paths, and the flags' meaning (the old hand-written parsers' names, defaults and
//! aliases). The quickstart module is the one of `tests/quickstart.rs` (`crate::quickstart`).

#![allow(dead_code)]

#[path = "../../../../examples/audio_features.rs"]
mod audio_features;
#[path = "../../../../examples/image_prep.rs"]
mod image_prep;
#[path = "../../../../examples/score_text.rs"]
mod score_text;
#[path = "../../../../examples/shards.rs"]
mod shards;
#[path = "../../../../examples/split.rs"]
mod split;
#[path = "../../../../examples/tokenize.rs"]
mod tokenize;
#[path = "../../../../examples/train_loader.rs"]
mod train_loader;
#[path = "../../../../examples/video_clips.rs"]
mod video_clips;

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use clap::error::ErrorKind;
use clap::{ArgAction, Command, CommandFactory, Parser};
use dataprep::audio::features::Preset;
use dataprep::image::{Filter, OutputFormat, ResizeMode};
use dataprep::text::langid::Backend;
use dataprep::text::tokenize::ModelKind;
use dataprep::video::ShotConfig;
use dataprep::video::clips::ClipPrecision;

use crate::quickstart;

/// Every example's command, by name.
fn commands() -> Vec<(&'static str, Command)> {
    vec![
        ("quickstart", quickstart::Args::command()),
        ("score_text", score_text::Args::command()),
        ("tokenize", tokenize::Args::command()),
        ("split", split::Args::command()),
        ("shards", shards::Args::command()),
        ("train_loader", train_loader::Args::command()),
        ("audio_features", audio_features::Args::command()),
        ("image_prep", image_prep::Args::command()),
        ("video_clips", video_clips::Args::command()),
    ]
}

/// The error of parsing `args` (after the program name) with `cmd`.
fn error_of(cmd: &Command, args: &[&str]) -> clap::Error {
    let argv = std::iter::once(cmd.get_name()).chain(args.iter().copied());
    match cmd.clone().try_get_matches_from(argv) {
        Ok(m) => panic!("{} {args:?} parsed: {m:?}", cmd.get_name()),
        Err(e) => e,
    }
}

/// `P::try_parse_from` with the program name first.
fn parse<P: Parser>(args: &[&str]) -> Result<P, clap::Error> {
    P::try_parse_from(std::iter::once("example").chain(args.iter().copied()))
}

fn parse_os<P: Parser>(args: &[&OsStr]) -> Result<P, clap::Error> {
    P::try_parse_from(std::iter::once(OsStr::new("example")).chain(args.iter().copied()))
}

#[test]
fn every_example_is_a_valid_clap_command_named_after_itself() {
    for (name, cmd) in commands() {
        // clap's own consistency checks (ids, groups, conflicts, defaults that parse).
        cmd.clone().debug_assert();
        assert_eq!(cmd.get_name(), name);
        let about = cmd.get_about().map(|a| a.to_string()).unwrap_or_default();
        assert!(about.len() > 40, "{name}: about text {about:?}");
    }
}

#[test]
fn help_lists_every_flag_with_its_default() {
    for (name, cmd) in commands() {
        let e = error_of(&cmd, &["--help"]);
        assert_eq!(e.kind(), ErrorKind::DisplayHelp, "{name}");
        assert_eq!(e.exit_code(), 0, "{name}");
        let help = e.to_string();
        assert!(help.contains("RUST_LOG"), "{name}: {help}");
        assert!(help.contains(&format!("Usage: {name}")), "{name}: {help}");
        for arg in cmd.get_arguments() {
            let long = arg.get_long().expect("every flag is long");
            let line = help
                .lines()
                .find(|l| l.trim_start().starts_with(&format!("--{long}")))
                .unwrap_or_else(|| panic!("{name}: --{long} not in help:\n{help}"));
            if matches!(arg.get_action(), ArgAction::Set) {
                // A value flag states its default: clap's own, or in words when it depends on
                // the run (the bundled sample) or on a library.
                assert!(line.contains("[default: "), "{name}: no default: {line}");
                for v in arg.get_default_values() {
                    let v = v.to_str().unwrap();
                    assert!(line.contains(&format!("[default: {v}]")), "{name}: {line}");
                }
            }
        }
    }
}

#[test]
fn version_prints_the_crate_version() {
    for (name, cmd) in commands() {
        for flag in ["--version", "-V"] {
            let e = error_of(&cmd, &[flag]);
            assert_eq!(e.kind(), ErrorKind::DisplayVersion, "{name}");
            assert_eq!(e.exit_code(), 0);
            assert_eq!(
                e.to_string().trim(),
                format!("{name} {}", env!("CARGO_PKG_VERSION"))
            );
        }
    }
}

#[test]
fn unknown_flags_and_missing_values_exit_with_2() {
    for (name, cmd) in commands() {
        let e = error_of(&cmd, &["--no-such-flag"]);
        assert_eq!(e.kind(), ErrorKind::UnknownArgument, "{name}");
        assert_eq!(e.exit_code(), 2, "{name}");
        let e = error_of(&cmd, &["stray"]);
        assert_eq!(e.kind(), ErrorKind::UnknownArgument, "{name}");
        assert_eq!(e.exit_code(), 2, "{name}");
        for arg in cmd.get_arguments() {
            if !matches!(arg.get_action(), ArgAction::Set) {
                continue;
            }
            // `--input` with no value is an error, not the bundled sample.
            let flag = format!("--{}", arg.get_long().unwrap());
            let e = error_of(&cmd, &[&flag]);
            assert_eq!(e.kind(), ErrorKind::InvalidValue, "{name} {flag}");
            assert_eq!(e.exit_code(), 2, "{name} {flag}");
            assert!(e.to_string().contains("a value is required"), "{e}");
        }
    }
}

#[test]
fn no_arguments_keep_the_documented_defaults() {
    // The hand-written parsers' defaults, flag by flag.
    let q = quickstart::Args::default();
    assert_eq!(q.input, None);
    assert_eq!(q.output, PathBuf::from("target/quickstart"));
    assert_eq!(q.text_field, "text");
    assert_eq!(q.min_words, 5);
    assert_eq!(q.threads, None);
    assert_eq!(q.batch_size, 1024);
    assert_eq!(q.tokenizer, None);
    assert_eq!(q.vocab_size, 4096);
    assert_eq!(
        q.splits,
        [("train".to_owned(), 0.9), ("validation".to_owned(), 0.1)]
    );
    assert_eq!(q.langid, None);

    let s: score_text::Args = parse(&[]).unwrap();
    assert_eq!(
        (s.input, s.output, s.langid),
        (None, PathBuf::from("target/score_text"), None)
    );

    let t: tokenize::Args = parse(&[]).unwrap();
    assert_eq!(t.input, None);
    assert_eq!(t.output, PathBuf::from("target/tokenize"));
    assert_eq!(
        (t.tokenizer, t.train, t.vocab_size, t.seq_len),
        (None, None, None, None)
    );
    assert_eq!((t.text_field.as_str(), t.normalize), ("text", false));

    let s: split::Args = parse(&[]).unwrap();
    s.validate().unwrap();
    assert_eq!((s.input, s.label.as_str(), s.group), (None, "label", None));
    assert_eq!((s.k, s.test, s.shuffle, s.seed), (5, None, false, 0));
    assert_eq!(s.output, PathBuf::from("target/split"));

    let s: shards::Args = parse(&[]).unwrap();
    assert_eq!(s.input, None);
    assert_eq!(s.output, PathBuf::from("target/shards-example/out"));
    assert_eq!(
        (s.format.as_str(), s.prefix.as_str()),
        ("webdataset", "shard")
    );
    assert_eq!((s.max_records, s.max_bytes), (None, None));

    let l: train_loader::Args = parse(&[]).unwrap();
    assert_eq!(l.input, None);
    assert_eq!((l.batch_size, l.epochs, l.seed), (32, 2, 0));
    assert_eq!((l.rank, l.world_size, l.save_every), (0, 1, 100));
    assert_eq!(l.state, None);
    assert_eq!(
        (l.shuffle_buffer, l.memory_budget, l.threads),
        (None, None, None)
    );

    let a: audio_features::Args = parse(&[]).unwrap();
    assert_eq!(a.input, None);
    assert_eq!(a.output, PathBuf::from("target/audio-features-example/out"));
    assert_eq!((a.preset, a.sr, a.segment), (Preset::Librosa, 16000, false));
    assert_eq!((a.n_fft, a.hop, a.n_mels, a.mfcc), (None, None, None, None));

    let i: image_prep::Args = parse(&[]).unwrap();
    assert_eq!(i.input, None);
    assert_eq!(i.output, PathBuf::from("target/image-prep-example/out"));
    assert_eq!(
        (i.size, i.mode, i.filter),
        (256, ResizeMode::Border, Filter::Lanczos3)
    );
    assert_eq!(
        (i.format, i.webdataset, i.draft),
        (OutputFormat::Jpeg, false, None)
    );

    let v: video_clips::Args = parse(&[]).unwrap();
    assert_eq!(v.input, None);
    assert_eq!(v.output, PathBuf::from("target/video-clips-example/out"));
    assert_eq!(v.detector, ShotConfig::default());
    assert_eq!(v.precision, ClipPrecision::Low);
    assert_eq!(
        (v.min_length, v.max_length, v.subtitles),
        (0.0, None, false)
    );
    let clips = v.clip_config().unwrap();
    assert_eq!((clips.min_length_s, clips.max_length_s), (0.0, None));
}

#[test]
fn flag_equals_value_is_the_same_as_flag_space_value() {
    let a: quickstart::Args = parse(&[
        "--min-words=7",
        "--split=train=0.8,test=0.2",
        "--output=out dir",
        "--threads=3",
    ])
    .unwrap();
    let b: quickstart::Args = parse(&[
        "--min-words",
        "7",
        "--split",
        "train=0.8,test=0.2",
        "--output",
        "out dir",
        "--threads",
        "3",
    ])
    .unwrap();
    assert_eq!(a.min_words, 7);
    assert_eq!(
        a.splits,
        [("train".to_owned(), 0.8), ("test".to_owned(), 0.2)]
    );
    assert_eq!(a.output, PathBuf::from("out dir"));
    assert_eq!(a.threads, Some(3));
    assert_eq!(format!("{a:?}"), format!("{b:?}"));

    let v: video_clips::Args = parse(&[
        "--max-length=2.5",
        "--min-length=0.5",
        "--detector=adaptive",
    ])
    .unwrap();
    assert_eq!((v.min_length, v.max_length), (0.5, Some(2.5)));
    assert_eq!(v.detector, ShotConfig::adaptive());
}

#[test]
fn paths_may_be_any_bytes_but_names_must_be_utf8() {
    let bad = OsStr::from_bytes(b"data/\xff\xfe-docs.jsonl");
    let dir = OsStr::from_bytes(b"out-\xe9");
    let flag = |f: &'static str| OsStr::new(f);
    let q: quickstart::Args = parse_os(&[
        flag("--input"),
        bad,
        flag("--output"),
        dir,
        flag("--tokenizer"),
        bad,
    ])
    .unwrap();
    assert_eq!(q.input.as_deref().map(|p| p.as_os_str()), Some(bad));
    assert_eq!(q.output.as_os_str(), dir);
    assert_eq!(q.tokenizer.unwrap().as_os_str(), bad);

    // `--input` and `--output` of every example take a non-UTF-8 path as it is.
    let mut eq = OsString::from("--input=");
    eq.push(bad);
    for (name, cmd) in commands() {
        // tokenize needs a tokenizer for your input; train_loader has no --output.
        let mut argv = vec![OsStr::new(name), &eq];
        if name == "tokenize" {
            argv.extend([flag("--train"), flag("bpe")]);
        }
        let m = cmd
            .clone()
            .try_get_matches_from(argv.iter().chain([&flag("--output"), &dir]))
            .or_else(|_| cmd.clone().try_get_matches_from(&argv))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            m.get_one::<PathBuf>("input").unwrap().as_os_str(),
            bad,
            "{name}"
        );
        if let Ok(Some(out)) = m.try_get_one::<PathBuf>("output") {
            assert_eq!(out.as_os_str(), dir, "{name}");
        }
    }
    let t: Result<train_loader::Args, _> = parse_os(&[flag("--input"), bad, flag("--state"), dir]);
    assert_eq!(t.unwrap().state.unwrap().as_os_str(), dir);

    // A field name or a label is text: a clear error, exit 2, no panic.
    for (cmd, f) in [
        (quickstart::Args::command(), "--text-field"),
        (tokenize::Args::command(), "--text-field"),
        (split::Args::command(), "--label"),
        (shards::Args::command(), "--prefix"),
    ] {
        let e = cmd
            .try_get_matches_from([OsStr::new("x"), flag(f), bad])
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidUtf8, "{f}");
        assert_eq!(e.exit_code(), 2);
    }
}

#[test]
fn bad_values_are_usage_errors() {
    fn kind<P: Parser + std::fmt::Debug>(args: &[&str]) -> ErrorKind {
        let e = parse::<P>(args).unwrap_err();
        assert_eq!(e.exit_code(), 2, "{args:?}: {e}");
        e.kind()
    }
    use ErrorKind::*;
    assert_eq!(
        kind::<quickstart::Args>(&["--min-words", "many"]),
        ValueValidation
    );
    assert_eq!(
        kind::<quickstart::Args>(&["--split", "train"]),
        ValueValidation
    );
    assert_eq!(
        kind::<quickstart::Args>(&["--split", "train=x"]),
        ValueValidation
    );
    assert_eq!(
        kind::<quickstart::Args>(&["--threads", "two"]),
        ValueValidation
    );
    // --tokenizer and --vocab-size are alternatives (the README's `--tokenizer F | --vocab-size N`).
    assert_eq!(
        kind::<quickstart::Args>(&["--tokenizer", "t.json", "--vocab-size", "10"]),
        ArgumentConflict
    );
    assert_eq!(
        kind::<score_text::Args>(&["--langid", "fasttext"]),
        InvalidValue
    );
    assert_eq!(
        kind::<tokenize::Args>(&["--tokenizer", "t.json", "--train", "bpe"]),
        ArgumentConflict
    );
    assert_eq!(
        kind::<tokenize::Args>(&["--train", "sentencepiece"]),
        InvalidValue
    );
    // Your own input needs a tokenizer: loaded or trained.
    assert_eq!(
        kind::<tokenize::Args>(&["--input", "d.jsonl"]),
        MissingRequiredArgument
    );
    assert_eq!(kind::<split::Args>(&["--test", "a fifth"]), ValueValidation);
    assert_eq!(kind::<shards::Args>(&["--format", "tar"]), InvalidValue);
    assert_eq!(
        kind::<shards::Args>(&["--max-bytes", "1e6"]),
        ValueValidation
    );
    // The demo run ignores the loader flags: they need --input.
    assert_eq!(
        kind::<train_loader::Args>(&["--batch-size", "8"]),
        MissingRequiredArgument
    );
    assert_eq!(
        kind::<train_loader::Args>(&["--input", "d", "--state", "s", "--save-every", "0"]),
        ValueValidation
    );
    assert_eq!(
        kind::<train_loader::Args>(&["--input", "d", "--save-every", "5"]),
        MissingRequiredArgument
    );
    assert_eq!(
        kind::<audio_features::Args>(&["--preset", "htk"]),
        InvalidValue
    );
    assert_eq!(
        kind::<audio_features::Args>(&["--sr", "16k"]),
        ValueValidation
    );
    assert_eq!(
        kind::<image_prep::Args>(&["--mode", "Border"]),
        InvalidValue
    );
    assert_eq!(
        kind::<image_prep::Args>(&["--filter", "gauss"]),
        InvalidValue
    );
    assert_eq!(
        kind::<image_prep::Args>(&["--format", "avif"]),
        InvalidValue
    );
    assert_eq!(
        kind::<image_prep::Args>(&["--draft", "0.5"]),
        ValueValidation
    );
    assert_eq!(
        kind::<image_prep::Args>(&["--draft", "inf"]),
        ValueValidation
    );
    assert_eq!(
        kind::<video_clips::Args>(&["--detector", "threshold"]),
        InvalidValue
    );
    assert_eq!(
        kind::<video_clips::Args>(&["--precision", "high"]),
        InvalidValue
    );
    assert_eq!(
        kind::<video_clips::Args>(&["--min-length", "1s"]),
        ValueValidation
    );

    // What one flag cannot check, the example checks before it starts, as a usage error.
    let s: split::Args = parse(&["--k", "0"]).unwrap();
    let e = s.validate().unwrap_err();
    assert_eq!((e.kind(), e.exit_code()), (MissingRequiredArgument, 2));
    let s: split::Args = parse(&["--k", "0", "--test", "0.25"]).unwrap();
    s.validate().unwrap();
    let v: video_clips::Args = parse(&["--min-length=-1"]).unwrap();
    let e = v.clip_config().unwrap_err();
    assert_eq!((e.kind(), e.exit_code()), (ValueValidation, 2));
    let v: video_clips::Args = parse(&["--min-length", "3", "--max-length", "2"]).unwrap();
    assert_eq!(v.clip_config().unwrap_err().exit_code(), 2);
}

#[test]
fn values_and_aliases_of_the_old_parsers() {
    let t: tokenize::Args = parse(&["--train", "WordPiece", "--vocab-size", "300"]).unwrap();
    assert_eq!(
        (t.train, t.vocab_size),
        (Some(ModelKind::WordPiece), Some(300))
    );
    let t: tokenize::Args = parse(&[
        "--input",
        "d.jsonl",
        "--tokenizer",
        "t.json",
        "--normalize",
        "--seq-len",
        "64",
    ])
    .unwrap();
    assert_eq!(t.tokenizer, Some(PathBuf::from("t.json")));
    assert_eq!((t.normalize, t.seq_len), (true, Some(64)));

    for (given, canonical) in [
        ("wds", "webdataset"),
        ("webdataset", "webdataset"),
        ("hf", "hf"),
    ] {
        let s: shards::Args = parse(&["--format", given, "--max-records", "5"]).unwrap();
        assert_eq!((s.format.as_str(), s.max_records), (canonical, Some(5)));
    }

    for (given, preset) in [
        ("librosa", Preset::Librosa),
        ("torchaudio", Preset::Torchaudio),
        ("kaldi", Preset::Kaldi),
        ("lhotse", Preset::Kaldi),
        ("Kaldi", Preset::Kaldi),
    ] {
        let a: audio_features::Args = parse(&["--preset", given]).unwrap();
        assert_eq!(a.preset, preset, "{given}");
    }
    let a: audio_features::Args = parse(&[
        "--sr",
        "22050",
        "--n-fft",
        "512",
        "--hop",
        "128",
        "--n-mels",
        "40",
        "--mfcc",
        "13",
        "--segment",
    ])
    .unwrap();
    assert_eq!(
        (a.sr, a.n_fft, a.hop, a.n_mels, a.mfcc),
        (22050, Some(512), Some(128), Some(40), Some(13))
    );
    assert!(a.segment);

    for (given, filter) in [
        ("nearest", Filter::Nearest),
        ("area", Filter::Box),
        ("linear", Filter::Bilinear),
        ("hamming", Filter::Hamming),
        ("cubic", Filter::Bicubic),
        ("LANCZOS", Filter::Lanczos3),
    ] {
        let i: image_prep::Args = parse(&["--filter", given]).unwrap();
        assert_eq!(i.filter, filter, "{given}");
    }
    for (given, mode) in [
        ("no", ResizeMode::No),
        ("keep_ratio", ResizeMode::KeepRatio),
        ("keep_ratio_largest", ResizeMode::KeepRatioLargest),
        ("center_crop", ResizeMode::CenterCrop),
        ("stretch", ResizeMode::Stretch),
    ] {
        let i: image_prep::Args = parse(&["--mode", given]).unwrap();
        assert_eq!(i.mode, mode, "{given}");
    }
    for (given, format) in [
        ("jpg", OutputFormat::Jpeg),
        ("PNG", OutputFormat::Png),
        ("webp", OutputFormat::Webp),
    ] {
        let i: image_prep::Args = parse(&["--format", given]).unwrap();
        assert_eq!(i.format, format, "{given}");
    }
    let i: image_prep::Args = parse(&["--size", "64", "--webdataset", "--draft", "2"]).unwrap();
    assert_eq!((i.size, i.webdataset, i.draft), (64, true, Some(2.0)));

    for (given, precision) in [
        ("low", ClipPrecision::Low),
        ("keyframe_adjusted", ClipPrecision::KeyframeAdjusted),
        ("exact", ClipPrecision::Exact),
    ] {
        let v: video_clips::Args = parse(&["--precision", given, "--subtitles"]).unwrap();
        assert_eq!(v.precision, precision);
        assert!(v.subtitles);
        assert_eq!(v.clip_config().unwrap().precision, precision);
    }

    let s: split::Args = parse(&[
        "--label",
        "y",
        "--group",
        "user",
        "--k",
        "3",
        "--test",
        "0.1",
        "--shuffle",
        "--seed",
        "9",
    ])
    .unwrap();
    assert_eq!((s.label.as_str(), s.group.as_deref()), ("y", Some("user")));
    assert_eq!((s.k, s.test, s.shuffle, s.seed), (3, Some(0.1), true, 9));

    let l: train_loader::Args = parse(&[
        "--input",
        "s3://bucket/train/",
        "--batch-size",
        "8",
        "--epochs",
        "3",
        "--rank",
        "1",
        "--world-size",
        "4",
        "--state",
        "st.json",
        "--save-every",
        "7",
        "--shuffle-buffer",
        "99",
        "--memory-budget",
        "1000000",
        "--threads",
        "2",
        "--seed",
        "5",
    ])
    .unwrap();
    assert_eq!(l.input, Some(PathBuf::from("s3://bucket/train/")));
    assert_eq!((l.batch_size, l.epochs, l.rank, l.world_size), (8, 3, 1, 4));
    assert_eq!((l.save_every, l.seed), (7, 5));
    assert_eq!(
        (l.shuffle_buffer, l.memory_budget, l.threads),
        (Some(99), Some(1_000_000), Some(2))
    );
}

#[test]
fn langid_flag_picks_the_backend_or_says_what_is_missing() {
    fn langid(cmd_args: &[&str]) -> [Result<Option<Backend>, clap::Error>; 2] {
        [
            parse::<quickstart::Args>(cmd_args).map(|a| a.langid),
            parse::<score_text::Args>(cmd_args).map(|a| a.langid),
        ]
    }
    // Omitted: the library's default backend (resolved by the example, not here).
    for r in langid(&[]) {
        assert_eq!(r.unwrap(), None);
    }
    for r in langid(&["--langid", "whatlang"]) {
        assert_eq!(r.unwrap(), Some(Backend::Whatlang));
    }
    for r in langid(&["--langid=lingua"]) {
        #[cfg(feature = "lingua")]
        assert_eq!(r.unwrap(), Some(Backend::Lingua));
        #[cfg(not(feature = "lingua"))]
        {
            let e = r.unwrap_err();
            assert_eq!((e.kind(), e.exit_code()), (ErrorKind::ValueValidation, 2));
            assert!(e.to_string().contains("--features dataprep/lingua"), "{e}");
        }
    }
    for r in langid(&["--langid", "cld3"]) {
        let e = r.unwrap_err();
        assert_eq!((e.kind(), e.exit_code()), (ErrorKind::InvalidValue, 2));
        assert!(
            e.to_string()
                .contains("[possible values: whatlang, lingua, hybrid]"),
            "{e}"
        );
    }
}

/// `--langid lingua` on the command line reaches the quickstart's language-ID stage.
#[cfg(feature = "lingua")]
#[test]
fn quickstart_langid_flag_reaches_the_pipeline() {
    use dataprep::prelude::*;
    use dataprep::storage::ParquetReader;

    fn languages(dir: &std::path::Path) -> Vec<(String, Option<String>, f64)> {
        let kept = ParquetReader::new(dir.join("data.parquet"))
            .build()
            .unwrap();
        kept.open(Shard::ALL)
            .unwrap()
            .map(|r| {
                let r = r.unwrap();
                let lang = r.opt_str("language").unwrap().map(str::to_owned);
                (
                    r.key().to_owned(),
                    lang,
                    r.score("langid", "confidence").unwrap(),
                )
            })
            .collect()
    }
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let out = |d: &tempfile::TempDir| d.path().to_str().unwrap().to_owned();
    let whatlang: quickstart::Args =
        parse(&["--langid", "whatlang", "--output", &out(&a)]).unwrap();
    quickstart::run(&whatlang).unwrap();
    let tokenizer = a.path().join("tokenizer.json");
    let lingua: quickstart::Args = parse(&[
        "--langid=lingua",
        "--output",
        &out(&b),
        "--tokenizer",
        tokenizer.to_str().unwrap(),
    ])
    .unwrap();
    let report = quickstart::run(&lingua).unwrap();
    assert!(report.summary.is_balanced());
    let (w, l) = (languages(a.path()), languages(b.path()));
    assert!(!w.is_empty());
    // The sample's kept documents are English for both detectors, with the detectors' own
    // confidences (both are 1.0 on some, lingua's are lower on others).
    let ids =
        |v: &[(String, Option<String>, f64)]| v.iter().map(|d| d.0.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&w), ids(&l));
    for ((id, wl, wc), (_, ll, lc)) in w.iter().zip(&l) {
        assert_eq!(wl.as_deref(), Some("eng"), "{id}");
        assert_eq!(ll.as_deref(), Some("eng"), "{id}");
        assert!((0.0..=1.0).contains(wc), "{id}: {wc}");
        assert!((0.0..=1.0).contains(lc), "{id}: {lc}");
    }
    // On these long English documents both detectors are certain (confidence 1.0), so the
    // outputs cannot tell the backends apart; the parsed flag must name lingua.
    assert_eq!(lingua.langid, Some(dataprep::text::langid::Backend::Lingua));
}

#[test]
fn a_missing_input_is_an_error_before_any_work_and_errors_read_as_one_message() {
    use std::path::Path;
    // Every example calls `cli::require_input` right after parsing (the examples share one
    // `examples/common/cli.rs`); before it, `shards --input missing.jsonl` exited 0 with an empty
    // output and one failed record.
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.jsonl");
    let e = shards::cli::require_input(Some(&missing)).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("input {} does not exist", missing.display())
    );
    let non_utf8 = dir.path().join(OsStr::from_bytes(b"\xff\xfe.jsonl"));
    assert!(
        video_clips::cli::require_input(Some(&non_utf8))
            .unwrap_err()
            .to_string()
            .contains("does not exist")
    );
    assert!(shards::cli::require_input(None).is_ok());
    // URLs are the object-store reader's to open
    assert!(train_loader::cli::require_input(Some(Path::new("s3://bucket/shards"))).is_ok());
    assert!(shards::cli::require_input(Some(dir.path())).is_ok());
    std::fs::write(&missing, "{}\n").unwrap();
    assert!(shards::cli::require_input(Some(&missing)).is_ok());
    // A dangling symlink is there (the reader reports it, with its path).
    let link = dir.path().join("link.jsonl");
    std::os::unix::fs::symlink(dir.path().join("gone"), &link).unwrap();
    assert!(shards::cli::require_input(Some(&link)).is_ok());

    // Errors print their message and causes, not Rust's Debug form.
    let io = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file or directory");
    let e = dataprep::core::Error::Io {
        path: Some("x.jsonl".into()),
        source: io,
    };
    let text = score_text::cli::describe(&e);
    assert!(
        !text.contains("Os {") && !text.contains("Custom {"),
        "{text}"
    );
    assert!(
        text.contains("x.jsonl") && text.contains("No such file"),
        "{text}"
    );
    assert_eq!(
        shards::cli::exit_code(Ok(())),
        std::process::ExitCode::SUCCESS
    );
    assert_eq!(
        shards::cli::exit_code(Err("boom".into())),
        std::process::ExitCode::FAILURE
    );
}
