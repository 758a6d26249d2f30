#!/usr/bin/env python3
"""Goldens for dataprep-audio's FFmpeg decoder (feature `ffmpeg`).

Writes crates/audio/tests/data/codec_goldens.json: for every fixture made by
tools/audio_fixtures.sh that goes through FFmpeg, the reference decoder, sample rate, channels,
frames, per-channel sum and RMS (float64 over the float32 samples), and the float32 samples of
every channel at POSITIONS (evenly spaced over the stream, first and last frame included) plus the
first HEAD frames.

Reference decoders:
- soundfile (libsndfile) where libsndfile reads the file: Ogg Opus (libopus, float) and MS-ADPCM
  WAV (int16 / 32768), read as float32;
- otherwise the ffmpeg CLI, `-f f32le` (float32, packed): WebM Opus with `-c:a libopus
  -request_sample_fmt flt` (the decoder dataprep-audio uses for Opus), WMA (wmav2), AAC-LC in
  ADTS and in MP4 (the native `aac` decoder).

It first (re)writes two derived MS-ADPCM fixtures, both deterministic:
- fixture_16k_mono_msadpcm_sndfile.wav: speechlike_16k.wav encoded by libsndfile itself
  (`soundfile.write(..., subtype="MS_ADPCM")`; 512-byte blocks, every predictor used);
- fixture_16k_stereo_msadpcm_sndfile.wav: the same for its first 0.5 s as stereo, the right
  channel at half gain (int16 right = left // 2);
- fixture_16k_mono_msadpcm_partial.wav: fixture_16k_mono_msadpcm.wav (ffmpeg's encoder) with its
  data chunk cut 100 bytes short, so the last block is partial (RIFF and data sizes rewritten).

Requires numpy and soundfile (0.14 / libsndfile 1.2.2 were used) and the ffmpeg CLI (5.1).
Usage: python3 tools/audio_ffmpeg_goldens.py
"""
import json
import os
import subprocess

import struct

import numpy as np
import soundfile as sf

DATA = os.path.join(os.path.dirname(__file__), "..", "crates", "audio", "tests", "data")
POSITIONS = 256
HEAD = 64

# fixture -> (reference, extra ffmpeg input options)
FIXTURES = {
    "fixture_48k_stereo.opus": ("soundfile", []),
    "fixture_16k_mono_msadpcm.wav": ("soundfile", []),
    "fixture_22k_stereo_msadpcm.wav": ("soundfile", []),
    "fixture_16k_mono_msadpcm_sndfile.wav": ("soundfile", []),
    "fixture_16k_stereo_msadpcm_sndfile.wav": ("soundfile", []),
    "fixture_16k_mono_msadpcm_partial.wav": ("soundfile", []),
    "fixture_48k_mono.webm": ("ffmpeg", ["-c:a", "libopus", "-request_sample_fmt", "flt"]),
    "fixture_22k_stereo.wma": ("ffmpeg", []),
    "fixture_22k_stereo.aac": ("ffmpeg", []),
    "fixture_16k_mono.m4a": ("ffmpeg", []),
    "fixture_8k_mono.amr": ("ffmpeg", []),
}


def ffprobe(path, entry):
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries",
         f"stream={entry}", "-of", "csv=p=0", path],
        capture_output=True, text=True, check=True).stdout
    return int(out.strip())


def decode_ffmpeg(path, pre):
    ch = ffprobe(path, "channels")
    rate = ffprobe(path, "sample_rate")
    raw = subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", *pre, "-i", path,
         "-f", "f32le", "-"],
        capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype="<f4").reshape(-1, ch), rate


def riff_chunks(b):
    i, out = 12, {}
    while i + 8 <= len(b):
        cid, n = b[i:i + 4], struct.unpack("<I", b[i + 4:i + 8])[0]
        out[cid] = (i, n)
        i += 8 + n + (n & 1)
    return out


def derived_fixtures():
    x, sr = sf.read(os.path.join(DATA, "speechlike_16k.wav"), dtype="int16")
    sf.write(os.path.join(DATA, "fixture_16k_mono_msadpcm_sndfile.wav"), x, sr, subtype="MS_ADPCM")
    half = x[: sr // 2]
    st = np.stack([half, half // 2], axis=1)
    sf.write(os.path.join(DATA, "fixture_16k_stereo_msadpcm_sndfile.wav"), st, sr, subtype="MS_ADPCM")
    b = open(os.path.join(DATA, "fixture_16k_mono_msadpcm.wav"), "rb").read()
    at, n = riff_chunks(b)[b"data"]
    assert at + 8 + n == len(b), "data is the last chunk"
    n -= 100
    cut = b[:at + 4] + struct.pack("<I", n) + b[at + 8:at + 8 + n]
    cut = cut[:4] + struct.pack("<I", len(cut) - 8) + cut[8:]
    open(os.path.join(DATA, "fixture_16k_mono_msadpcm_partial.wav"), "wb").write(cut)


def main():
    derived_fixtures()
    out = {
        "generator": "tools/audio_ffmpeg_goldens.py",
        "soundfile": sf.__version__,
        "libsndfile": sf.__libsndfile_version__,
        "ffmpeg": subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True,
                                 check=True).stdout.splitlines()[0],
        "positions": f"{POSITIONS} indices round(linspace(0, frames-1)) plus the first {HEAD}",
        "fixtures": {},
    }
    for name, (ref, pre) in FIXTURES.items():
        path = os.path.join(DATA, name)
        if ref == "soundfile":
            x, rate = sf.read(path, dtype="float32", always_2d=True)
            call = f"soundfile.read({name!r}, dtype='float32', always_2d=True)"
        else:
            x, rate = decode_ffmpeg(path, pre)
            call = "ffmpeg " + " ".join(pre + ["-i", name, "-f", "f32le", "-"])
        frames, ch = x.shape
        idx = sorted(set(np.round(np.linspace(0, frames - 1, POSITIONS)).astype(int).tolist())
                     | set(range(min(HEAD, frames))))
        out["fixtures"][name] = {
            "reference": ref,
            "call": call,
            "sample_rate": int(rate),
            "channels": int(ch),
            "frames": int(frames),
            "sum": [float(np.sum(x[:, c], dtype=np.float64)) for c in range(ch)],
            "rms": [float(np.sqrt(np.mean(x[:, c].astype(np.float64) ** 2))) for c in range(ch)],
            "indices": idx,
            "samples": [[float(v) for v in x[idx, c]] for c in range(ch)],
        }
    with open(os.path.join(DATA, "codec_goldens.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
