//! Criterion benchmarks of dataprep-audio; the Python side is `tools/audio_bench.py`, run on the
//! same signal (the committed speech-like clip tiled to 10 s). Results: docs/performance.md.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use dataprep_audio::features::{FeatureConfig, FeatureExtractor, Preset};
use dataprep_audio::{DecodeLimits, decode, signal, wav};

fn clip_16k_10s() -> Vec<f32> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/speechlike_16k.wav");
    let a = dataprep_audio::decode_file(std::path::Path::new(path), &DecodeLimits::default())
        .expect("fixture decodes");
    a.channels[0]
        .iter()
        .copied()
        .cycle()
        .take(160_000)
        .collect()
}

fn benches(c: &mut Criterion) {
    let x = clip_16k_10s();
    let x44 = signal::resample(&x, 16000, 44100).expect("resample");
    let librosa = FeatureExtractor::new(FeatureConfig::preset(Preset::Librosa, 16000)).unwrap();
    let torch = FeatureExtractor::new(FeatureConfig::preset(Preset::Torchaudio, 16000)).unwrap();
    let kaldi = FeatureExtractor::new(FeatureConfig::preset(Preset::Kaldi, 16000)).unwrap();
    let mut g = c.benchmark_group("audio_10s_16k");
    let stft = dataprep_audio::features::Stft::new(Default::default()).unwrap();
    g.bench_function("power_spectrogram_2048_512", |b| {
        b.iter(|| stft.spectrogram(black_box(&x), 2.0).unwrap())
    });
    g.bench_function("mel_librosa", |b| {
        b.iter(|| librosa.mel(black_box(&x)).unwrap())
    });
    g.bench_function("logmel_librosa", |b| {
        b.iter(|| librosa.log_mel(black_box(&x)).unwrap())
    });
    g.bench_function("mfcc_librosa", |b| {
        b.iter(|| librosa.mfcc(black_box(&x)).unwrap())
    });
    let log_mel = librosa.log_mel(&x).unwrap();
    g.bench_function("mfcc_of_log_librosa", |b| {
        b.iter(|| librosa.mfcc_of_log(black_box(&log_mel)))
    });
    g.bench_function("logmel_torchaudio", |b| {
        b.iter(|| torch.log_mel(black_box(&x)).unwrap())
    });
    g.bench_function("fbank_kaldi", |b| {
        b.iter(|| kaldi.log_mel(black_box(&x)).unwrap())
    });
    g.bench_function("resample_44k1_to_16k", |b| {
        b.iter(|| signal::resample(black_box(&x44), 44100, 16000).unwrap())
    });
    // Downsampling by at most 2.5× is computed in f64 (soxr HQ's stop band is out of f32's reach).
    g.bench_function("resample_44k1_to_22k05_f64", |b| {
        b.iter(|| signal::resample(black_box(&x44), 44100, 22050).unwrap())
    });
    let wav_bytes = wav::encode_pcm16(&[x44.clone(), x44.clone()], 44100).unwrap();
    g.bench_function("e2e_wav44k_stereo_to_16k_logmel", |b| {
        b.iter(|| {
            let a = decode(black_box(&wav_bytes), Some("wav"), &DecodeLimits::default()).unwrap();
            let m = signal::resample(&signal::downmix(&a), a.sample_rate, 16000).unwrap();
            librosa.log_mel(&m).unwrap()
        })
    });
    g.finish();
}

/// The FFmpeg decoder on the Ogg Opus fixture (1 s, 48 kHz stereo, libopus): from the file (read in
/// place by FFmpeg) and from bytes (through `decode`'s fallback, which writes a temporary file).
/// The Python side: `soundfile.read` of the same file (docs/performance.md).
#[cfg(feature = "ffmpeg")]
fn ffmpeg_benches(c: &mut Criterion) {
    let path = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/fixture_48k_stereo.opus"
    ));
    let bytes = std::fs::read(path).expect("fixture");
    let lim = DecodeLimits::default();
    let mut g = c.benchmark_group("ffmpeg_opus_1s_48k_stereo");
    g.bench_function("decode_file_ffmpeg", |b| {
        b.iter(|| dataprep_audio::ffmpeg::decode_file_ffmpeg(black_box(path), &lim).unwrap())
    });
    g.bench_function("decode_bytes_auto", |b| {
        b.iter(|| decode(black_box(&bytes), None, &lim).unwrap())
    });
    g.finish();
}

#[cfg(feature = "ffmpeg")]
criterion_group!(audio, benches, ffmpeg_benches);
#[cfg(not(feature = "ffmpeg"))]
criterion_group!(audio, benches);
criterion_main!(audio);
