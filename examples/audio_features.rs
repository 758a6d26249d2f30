//! Audio features: decode a folder of audio files, resample, and write mel / MFCC `.npy` files
//! with the librosa, torchaudio or Kaldi conventions; optionally cut VAD speech segments into
//! WebDataset shards.
//!
//! ```text
//! cargo run --release -p dataprep --example audio_features             # generated sample files
//! cargo run --release -p dataprep --example audio_features -- \
//!     --input DIR --output DIR --preset librosa|torchaudio|kaldi \
//!     [--sr 16000] [--n-fft N] [--hop H] [--n-mels M] [--mfcc K] [--segment]
//! ```
//!
//! `--help` lists the flags and their defaults; `RUST_LOG` sets the log level (default `info`,
//! on stderr).
//!
//! Every audio file under `--input` is decoded, down-mixed to mono and resampled to `--sr`. Files
//! are recognised by content (magic bytes, then symphonia's probe: WAV, FLAC, MP3, Ogg Vorbis,
//! AAC/M4A, ALAC, audio tracks of MP4/MKV/WebM), whatever their extension; every other file is
//! listed as skipped with the reason. Output in `--output` (default
//! `target/audio-features-example/out`):
//! - `<path relative to the input>.mel.npy`: power mel, `float32`, frames × n_mels;
//! - with `--mfcc K`: `<path>.mfcc.npy`, frames × K, computed from the log mel (for the librosa
//!   preset exactly `librosa.feature.mfcc(S=librosa.power_to_db(mel), n_mfcc=K)`);
//! - `metadata.jsonl`: one line per file with `path`, `sample_rate`, `channels`, `duration_s`,
//!   `codec`, `frames` (feature frames) — or `path` and `error` for a file that failed, or
//!   `path`, `"skipped": true` and `reason` (`not_audio: detected png image`, `probe_failed:
//!   unsupported audio: …`, `empty: empty file`) for one that is not decodable audio;
//! - with `--segment`: VAD speech segments (min speech 250 ms, min silence 100 ms, pad 30 ms) as
//!   WebDataset shards `segments/segments-000000.tar` …, one sample per segment: `KEY.wav`
//!   (16-bit PCM at `--sr`) and `KEY.json` (`source`, `start_s`, `end_s`, `sample_rate`).
//!
//! With no arguments it synthesises a few files (a stereo 44.1 kHz tone, speech-like bursts, a
//! float WAV and a corrupt file, listed as skipped) in a temporary folder and processes them with
//! `--segment`. The summary counts processed + skipped + failed = files under `--input`.

#[path = "common/cli.rs"]
pub(crate) mod cli;

use std::error::Error;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Parser;
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};

use dataprep::audio::features::{FeatureConfig, FeatureExtractor, Preset};
use dataprep::audio::{DecodeLimits, decode_file, npy, probe_file, signal, vad, wav};
use dataprep::prelude::*;
use dataprep::storage::sniff::MediaKind;
use dataprep::storage::{MediaFolder, ShardedWriter, WdsMapping, WebDatasetShards};

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "audio_features",
    version,
    about = "Decode a folder of audio files, down-mix, resample, and write mel / MFCC .npy files \
             with the librosa, torchaudio or Kaldi conventions, metadata.jsonl, and optionally \
             VAD speech segments as WebDataset shards.",
    after_help = "Without --input it synthesises a few files (one corrupt) in a temporary folder \
                  and processes them with --segment. Log level: RUST_LOG (default info), on stderr."
)]
pub(crate) struct Args {
    /// Folder of audio files (wav, flac, mp3, ogg, m4a/mp4/aac, aiff, caf, mka/webm)
    /// [default: generated samples]
    #[arg(long, value_name = "DIR")]
    pub(crate) input: Option<PathBuf>,
    /// Output folder
    #[arg(
        long,
        value_name = "DIR",
        default_value = "target/audio-features-example/out"
    )]
    pub(crate) output: PathBuf,
    /// Feature conventions (kaldi: also lhotse's)
    #[arg(
        long,
        value_name = "PRESET",
        default_value = "librosa",
        ignore_case = true,
        value_parser = PossibleValuesParser::new([
            PossibleValue::new("librosa"),
            PossibleValue::new("torchaudio"),
            PossibleValue::new("kaldi").alias("lhotse"),
        ])
        .try_map(|s| s.parse::<Preset>())
    )]
    pub(crate) preset: Preset,
    /// Sample rate to resample to, in Hz
    #[arg(long, value_name = "HZ", default_value_t = 16000)]
    pub(crate) sr: u32,
    /// FFT size [default: the preset's]
    #[arg(long, value_name = "N")]
    pub(crate) n_fft: Option<usize>,
    /// Hop length in samples [default: the preset's]
    #[arg(long, value_name = "H")]
    pub(crate) hop: Option<usize>,
    /// Mel bands [default: the preset's]
    #[arg(long, value_name = "M")]
    pub(crate) n_mels: Option<usize>,
    /// Also write K MFCCs per frame (<path>.mfcc.npy) [default: none]
    #[arg(long, value_name = "K")]
    pub(crate) mfcc: Option<usize>,
    /// Cut VAD speech segments into WebDataset shards (always on for the generated samples)
    #[arg(long)]
    pub(crate) segment: bool,
}

/// Writes sample files (three good, one corrupt) into `dir`.
fn generate(dir: &Path) -> Result<(), Box<dyn Error>> {
    std::fs::create_dir_all(dir.join("speech"))?;
    let tone = |f: f32, sr: u32, secs: f32, amp: f32| -> Vec<f32> {
        (0..(sr as f32 * secs) as usize)
            .map(|i| amp * (2.0 * std::f32::consts::PI * f * i as f32 / sr as f32).sin())
            .collect()
    };
    let l = tone(440.0, 44100, 1.5, 0.4);
    let r = tone(660.0, 44100, 1.5, 0.2);
    std::fs::write(
        dir.join("tone_44k_stereo.wav"),
        wav::encode_pcm16(&[l, r], 44100)?,
    )?;
    // Harmonic "syllables" (0.4 s on, 0.4 s off) over faint noise.
    let sr = 16000u32;
    let mut seed = 7u64;
    let bursts: Vec<f32> = (0..sr as usize * 3)
        .map(|i| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let noise = 0.002 * (((seed >> 33) as f32 / (1u64 << 31) as f32) - 0.5);
            let t = i as f32 / sr as f32;
            let on = (i / 6400) % 2 == 1;
            let voice: f32 = (1..8)
                .map(|h| (2.0 * std::f32::consts::PI * 150.0 * h as f32 * t).sin() / h as f32)
                .sum();
            noise + if on { 0.2 * voice } else { 0.0 }
        })
        .collect();
    std::fs::write(
        dir.join("speech/bursts_16k.wav"),
        wav::encode_pcm16(&[bursts], sr)?,
    )?;
    std::fs::write(
        dir.join("speech/float_22k.wav"),
        wav::encode_f32(&[tone(220.0, 22050, 1.0, 0.3)], 22050)?,
    )?;
    std::fs::write(
        dir.join("corrupt.mp3"),
        b"ID3\x04\x00\x00\x00\x00\x00\x10not really an mp3",
    )?;
    Ok(())
}

/// The files under `dir` in path order: `Ok(path)` for audio (by content, confirmed by
/// symphonia's probe), `Err(reason)` for every other file.
pub(crate) type Entry = (String, Result<PathBuf, String>);

pub(crate) fn audio_files(dir: &Path, limits: &DecodeLimits) -> Result<Vec<Entry>, Box<dyn Error>> {
    let limits = *limits;
    let folder = MediaFolder::new(dir)
        .with_kind(MediaKind::Audio)
        .with_probe(move |p, _| {
            probe_file(p, &limits)
                .map(|i| format!("{} {}", i.format, i.codec))
                .map_err(|e| e.to_string())
        })
        .build()?;
    let mut out: Vec<Entry> = (0..folder.files().len())
        .map(|i| (folder.files()[i].clone(), Ok(folder.path(i))))
        .chain(
            folder
                .skipped()
                .iter()
                .map(|s| (s.path.clone(), Err(s.reason.to_string()))),
        )
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

fn main() -> std::process::ExitCode {
    cli::exit_code(try_main())
}

fn try_main() -> Result<(), Box<dyn Error>> {
    cli::init_tracing();
    let args = Args::parse();
    cli::require_input(args.input.as_deref())?;
    let input = match &args.input {
        Some(p) => p.clone(),
        None => {
            let dir =
                std::env::temp_dir().join(format!("dataprep-audio-example-{}", std::process::id()));
            generate(&dir)?;
            println!("generated sample audio in {}", dir.display());
            dir
        }
    };
    let segment = args.segment || args.input.is_none();
    let mut cfg = FeatureConfig::preset(args.preset, args.sr);
    if let Some(n) = args.n_fft {
        cfg = cfg.with_n_fft(n);
    }
    if let Some(h) = args.hop {
        cfg = cfg.with_hop_length(h);
    }
    if let Some(m) = args.n_mels {
        cfg = cfg.with_n_mels(m);
    }
    if let Some(k) = args.mfcc {
        cfg = cfg.with_n_mfcc(k);
    }
    let fx = FeatureExtractor::new(cfg)?;
    std::fs::create_dir_all(&args.output)?;
    let mut meta =
        std::io::BufWriter::new(std::fs::File::create(args.output.join("metadata.jsonl"))?);
    let mut shards = if segment {
        Some(
            ShardedWriter::new(
                args.output.join("segments"),
                WebDatasetShards {
                    mapping: WdsMapping::default().with_member("wav", "wav"),
                },
            )
            .with_prefix("segments")
            .with_resume(false)
            .build()?,
        )
    } else {
        None
    };
    let limits = DecodeLimits::default();
    let (mut ok, mut failed, mut segments) = (0usize, 0usize, 0usize);
    let mut skipped = 0usize;
    for (rel, path) in audio_files(&input, &limits)? {
        let path = match path {
            Ok(p) => p,
            Err(reason) => {
                skipped += 1;
                let line = serde_json::json!({"path": rel, "skipped": true, "reason": reason});
                writeln!(meta, "{line}")?;
                continue;
            }
        };
        let result = (|| -> Result<serde_json::Value, Box<dyn Error>> {
            let audio = decode_file(&path, &limits)?;
            let info = audio.info();
            let mono = signal::resample(&signal::downmix(&audio), audio.sample_rate, args.sr)?;
            let mel = fx.mel(&mono)?;
            let out = args.output.join(format!("{rel}.mel.npy"));
            if let Some(parent) = out.parent() {
                std::fs::create_dir_all(parent)?;
            }
            npy::write_npy(&out, &mel)?;
            if args.mfcc.is_some() {
                let m = fx.mfcc_of_log(&fx.log_of(&mel));
                npy::write_npy(&args.output.join(format!("{rel}.mfcc.npy")), &m)?;
            }
            if let Some(w) = shards.as_mut() {
                let key_base: String = rel
                    .chars()
                    .map(|c| {
                        if c.is_ascii_alphanumeric() || c == '-' {
                            c
                        } else {
                            '_'
                        }
                    })
                    .collect();
                for (i, s) in vad::detect_speech(&mono, args.sr, &vad::VadConfig::default())?
                    .iter()
                    .enumerate()
                {
                    let (a, b) = s.seconds(args.sr);
                    let bytes = wav::encode_pcm16(&[mono[s.start..s.end].to_vec()], args.sr)?;
                    w.write(
                        Record::new()
                            .with_key(format!("{key_base}_{i:04}"))
                            .with("wav", bytes)
                            .with("source", rel.clone())
                            .with("start_s", a)
                            .with("end_s", b)
                            .with("sample_rate", u64::from(args.sr)),
                    )?;
                    segments += 1;
                }
            }
            Ok(serde_json::json!({
                "path": rel, "sample_rate": info.sample_rate, "channels": info.channels,
                "duration_s": info.duration_s, "codec": info.codec, "frames": mel.nrows(),
            }))
        })();
        let line = match result {
            Ok(v) => {
                ok += 1;
                v
            }
            Err(e) => {
                failed += 1;
                serde_json::json!({"path": rel, "error": e.to_string()})
            }
        };
        writeln!(meta, "{line}")?;
    }
    meta.flush()?;
    if let Some(mut w) = shards {
        w.finish()?;
    }
    println!(
        "{ok} files processed, {skipped} skipped, {failed} failed, {segments} speech segments; \
         preset {:?}; output in {}",
        args.preset,
        args.output.display()
    );
    if args.input.is_none() {
        let _ = std::fs::remove_dir_all(&input);
    }
    Ok(())
}
