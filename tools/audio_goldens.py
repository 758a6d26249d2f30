#!/usr/bin/env python3
"""Golden values for dataprep-audio's feature presets.

Writes crates/audio/tests/data/{speechlike_16k.wav, goldens.json, *.f64}:
- speechlike_16k.wav: 1 s, 16 kHz, 16-bit mono, a synthetic speech-like signal (gliding harmonic
  source with vowel-like formant weighting, syllable envelope, plus white noise), seed 8.
- every array as raw little-endian float64, frames x bins (time first), listed in goldens.json with
  its shape and the exact call that produced it.

The reference is computed from the *decoded* int16 samples / 32768 in float64.
Requires: numpy, scipy, soundfile, librosa (0.11), kaldi-native-fbank (1.x), torch + torchaudio
(2.11, CPU is enough: `pip install torch==2.11.0 torchaudio==2.11.0`).

Usage: python3 tools/audio_goldens.py
"""
import json
import os

import kaldi_native_fbank as knf
import librosa
import numpy as np
import soundfile as sf

OUT = os.path.join(os.path.dirname(__file__), "..", "crates", "audio", "tests", "data")
SR = 16000


def signal():
    rng = np.random.default_rng(8)
    t = np.arange(SR) / SR
    f0 = 120 + 60 * np.sin(2 * np.pi * 1.5 * t)  # gliding pitch
    phase = 2 * np.pi * np.cumsum(f0) / SR
    y = np.zeros_like(t)
    for h in range(1, 30):
        fh = h * f0
        w = sum(np.exp(-((fh - fc) ** 2) / (2 * bw**2)) for fc, bw in ((700, 150), (1200, 200), (2600, 300)))
        y += (w + 0.02) * np.sin(h * phase) * (fh < SR / 2)
    env = 0.5 + 0.5 * np.sin(2 * np.pi * 3 * t) ** 2  # syllables
    y = 0.3 * y / np.max(np.abs(y)) * env
    y += 0.01 * rng.standard_normal(SR)
    q = np.clip(np.round(y * 32767), -32768, 32767).astype(np.int16)
    return q


def main():
    os.makedirs(OUT, exist_ok=True)
    q = signal()
    sf.write(os.path.join(OUT, "speechlike_16k.wav"), q, SR, subtype="PCM_16")
    y = q.astype(np.float64) / 32768.0
    manifest = {"source": "tools/audio_goldens.py", "librosa": librosa.__version__,
                "kaldi_native_fbank": getattr(knf, "__version__", "1.x"), "arrays": {}}

    def put(name, arr, call):
        arr = np.ascontiguousarray(np.asarray(arr, dtype="<f8"))
        arr.tofile(os.path.join(OUT, name + ".f64"))
        manifest["arrays"][name] = {"shape": list(arr.shape), "call": call}

    # librosa preset
    mel = librosa.feature.melspectrogram(y=y, sr=SR, dtype=np.float64)
    put("librosa_mel", mel.T, "librosa.feature.melspectrogram(y=y, sr=16000, dtype=np.float64).T")
    db = librosa.power_to_db(mel, ref=1.0, amin=1e-10, top_db=80.0)
    put("librosa_logmel", db.T, "librosa.power_to_db(mel, ref=1.0, amin=1e-10, top_db=80.0).T")
    put("librosa_mfcc", librosa.feature.mfcc(S=db, n_mfcc=20).T, "librosa.feature.mfcc(S=db, n_mfcc=20).T")
    put("librosa_mfcc_lifter22", librosa.feature.mfcc(S=db, n_mfcc=20, lifter=22).T,
        "librosa.feature.mfcc(S=db, n_mfcc=20, lifter=22).T")
    put("librosa_stft_mag", np.abs(librosa.stft(y, n_fft=512, hop_length=160, win_length=400)).T,
        "np.abs(librosa.stft(y, n_fft=512, hop_length=160, win_length=400)).T")
    put("fb_htk_nonorm", librosa.filters.mel(sr=SR, n_fft=512, n_mels=40, fmin=50, fmax=7000, htk=True,
                                             norm=None, dtype=np.float64),
        "librosa.filters.mel(sr=16000, n_fft=512, n_mels=40, fmin=50, fmax=7000, htk=True, norm=None)")
    put("fb_slaney_slaney", librosa.filters.mel(sr=22050, n_fft=512, n_mels=64, dtype=np.float64),
        "librosa.filters.mel(sr=22050, n_fft=512, n_mels=64)")

    # torchaudio preset: torchaudio.transforms defaults, in float64
    import torch
    import torchaudio
    import torchaudio.transforms as T
    manifest["torch"] = torch.__version__
    manifest["torchaudio"] = torchaudio.__version__
    yt = torch.from_numpy(y)
    tmel = T.MelSpectrogram(sample_rate=SR).double()(yt)
    put("torchaudio_mel", tmel.numpy().T, "torchaudio.transforms.MelSpectrogram(sample_rate=16000).double()(y).T")
    tdb = T.AmplitudeToDB(stype="power", top_db=80.0)(tmel)
    put("torchaudio_logmel", tdb.numpy().T, "torchaudio.transforms.AmplitudeToDB('power', top_db=80)(mel).T")
    tmfcc = T.MFCC(sample_rate=SR).double()(yt)
    put("torchaudio_mfcc", tmfcc.numpy().T, "torchaudio.transforms.MFCC(sample_rate=16000).double()(y).T")
    kfb = torchaudio.compliance.kaldi.fbank(yt.unsqueeze(0), num_mel_bins=80, high_freq=-400.0, dither=0.0,
                                            sample_frequency=SR)
    put("torchaudio_kaldi_fbank", kfb.numpy(),
        "torchaudio.compliance.kaldi.fbank(y, num_mel_bins=80, high_freq=-400, dither=0)")

    # Kaldi preset via kaldi-native-fbank
    def kaldi(opts_cls, mel_bins=80):
        o = opts_cls()
        o.frame_opts.dither = 0.0
        o.frame_opts.samp_freq = SR
        o.mel_opts.num_bins = mel_bins
        o.mel_opts.low_freq = 20.0
        o.mel_opts.high_freq = -400.0
        return o

    fo = kaldi(knf.FbankOptions)
    fb = knf.OnlineFbank(fo)
    fb.accept_waveform(SR, y.tolist())
    fb.input_finished()
    fbank = np.stack([fb.get_frame(i) for i in range(fb.num_frames_ready)])
    put("kaldi_fbank", fbank, "knf.OnlineFbank(dither=0, num_bins=80, low_freq=20, high_freq=-400)")
    mo = kaldi(knf.MfccOptions)
    mo.num_ceps = 13
    mo.cepstral_lifter = 22.0
    mo.use_energy = False
    mf = knf.OnlineMfcc(mo)
    mf.accept_waveform(SR, y.tolist())
    mf.input_finished()
    mfcc = np.stack([mf.get_frame(i) for i in range(mf.num_frames_ready)])
    put("kaldi_mfcc", mfcc, "knf.OnlineMfcc(num_ceps=13, lifter=22, use_energy=False, num_bins=80, high_freq=-400)")

    # noisereduce: speech-like bursts (150 ms on / 450 ms off) + white noise at 5 dB SNR, 1 s
    import noisereduce as nr
    from importlib.metadata import version
    manifest["noisereduce"] = version("noisereduce")
    n = SR
    idx = np.arange(n)
    clean = np.where((idx % 9600) < 2400, y[idx % len(y)], 0.0)
    w = np.random.default_rng(3).random(n + SR // 2) - 0.5
    k = np.sqrt(np.mean(clean**2)) / (np.sqrt(np.mean(w**2)) * 10 ** (5 / 20))
    noisy, clip = clean + k * w[:n], k * w[n:]
    put("nr_noisy", noisy[None, :], "speech-like bursts + white noise at 5 dB SNR (seed 3)")
    put("nr_clip", clip[None, :], "noise-only clip at the same level")
    put("nr_stationary", nr.reduce_noise(y=noisy, sr=SR, y_noise=clip, stationary=True)[None, :],
        "noisereduce.reduce_noise(y=noisy, sr=16000, y_noise=clip, stationary=True)")
    put("nr_nonstationary", nr.reduce_noise(y=noisy, sr=SR)[None, :],
        "noisereduce.reduce_noise(y=noisy, sr=16000)")

    with open(os.path.join(OUT, "goldens.json"), "w") as f:
        json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    main()
