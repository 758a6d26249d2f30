#!/usr/bin/env python3
"""Python baselines for dataprep-audio's criterion bench (crates/audio/benches/audio.rs).

Same signal: crates/audio/tests/data/speechlike_16k.wav tiled to 10 s at 16 kHz.
Prints the median of N runs (ms) for librosa log-mel / MFCC (librosa defaults), soxr HQ resampling
44.1 kHz -> 16 kHz and an end-to-end soundfile decode (WAV 44.1 kHz stereo) -> soxr HQ 16 kHz ->
librosa log-mel, and the resampling SNR of soxr HQ and of dataprep's rubato path on a sweep is
printed by the Rust test `resampling_a_sweep_has_high_snr` (run with --nocapture).

Usage: python3 tools/audio_bench.py
"""
import io
import os
import time

import librosa
import numpy as np
import soundfile as sf
import soxr

HERE = os.path.dirname(os.path.abspath(__file__))
y, sr = sf.read(os.path.join(HERE, "..", "crates", "audio", "tests", "data", "speechlike_16k.wav"), dtype="float32")
x = np.tile(y, 10)[:160000]
x44 = soxr.resample(x, 16000, 44100, quality="HQ").astype(np.float32)
buf = io.BytesIO()
sf.write(buf, np.stack([x44, x44], axis=1), 44100, format="WAV", subtype="PCM_16")
wav = buf.getvalue()


def bench(name, f, n=30):
    f()
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    print(f"{name:36s} {np.median(ts) * 1000:9.3f} ms")


def logmel():
    return librosa.power_to_db(librosa.feature.melspectrogram(y=x, sr=16000), top_db=80.0)


def e2e():
    a, r = sf.read(io.BytesIO(wav), dtype="float32")
    m = soxr.resample(a.mean(axis=1), r, 16000, quality="HQ")
    return librosa.power_to_db(librosa.feature.melspectrogram(y=m, sr=16000), top_db=80.0)


def sweep(rate, secs=2.0, f0=50.0, f1=7000.0):
    t = np.arange(int(rate * secs)) / rate
    k = (f1 - f0) / secs
    return (0.5 * np.sin(2 * np.pi * (f0 * t + 0.5 * k * t * t))).astype(np.float32)


print(f"librosa {librosa.__version__}, soxr {soxr.__version__}, numpy {np.__version__}")
bench("logmel_librosa", logmel)
bench("mfcc_librosa", lambda: librosa.feature.mfcc(S=logmel(), n_mfcc=20))
bench("resample_44k1_to_16k (soxr HQ)", lambda: soxr.resample(x44, 44100, 16000, quality="HQ"))
bench("resample_44k1_to_22k05 (soxr HQ)", lambda: soxr.resample(x44, 44100, 22050, quality="HQ"))
bench("e2e_wav44k_stereo_to_16k_logmel", e2e)
try:
    import torch
    import torchaudio
    import torchaudio.transforms as T

    torch.set_num_threads(1)
    xt = torch.from_numpy(x)
    mel_t, db_t = T.MelSpectrogram(sample_rate=16000), T.AmplitudeToDB("power", top_db=80.0)
    print(f"torch {torch.__version__}, torchaudio {torchaudio.__version__} (1 thread)")
    bench("logmel_torchaudio", lambda: db_t(mel_t(xt)))
    bench("fbank_kaldi (torchaudio.compliance)", lambda: torchaudio.compliance.kaldi.fbank(
        xt.unsqueeze(0), num_mel_bins=80, high_freq=-400.0, dither=0.0))
except ImportError:
    print("torch/torchaudio not installed: torchaudio baselines skipped")
s44, s16 = sweep(44100), sweep(16000)
r = soxr.resample(s44, 44100, 16000, quality="HQ")
a, b = s16[1000:30000], r[1000:30000]
print(f"soxr HQ sweep SNR 44.1k->16k: {10 * np.log10(np.sum(a**2) / np.sum((a - b) ** 2)):.1f} dB")
