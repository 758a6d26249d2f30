#!/usr/bin/env python3
"""Stop-band attenuation, pass-band ripple and -3 dB point of soxr HQ for the common rate pairs.

Writes crates/audio/tests/data/resample_quality_soxr.json, which the Rust test
`resampler_stop_band_meets_soxr_hq_on_every_pair` (crates/audio/tests/audio/resample_quality.rs)
compares dataprep's resampler against. The Rust test computes the same three figures with the same
signals and the same analysis, written out below; keep the two in step.

Signals (all float32, as both resamplers run in float32), for a pair src -> dst with
lo = min(src, dst) / 2:
- upsampling (dst > src), imaging: 48 probe tones, equal amplitude 1/64, at
  lo * (0.02 + 0.97 * k / 47), k = 0..47. Attenuation = 10 log10(P_pass / P_stop) where, on the
  output, P_pass is the power in (0, lo) and P_stop the power in (lo + guard, dst/2 - guard).
- downsampling (dst < src), aliasing: a reference tone at 0.25 lo (amplitude 1/64) plus 48 probe
  tones of the same amplitude at lo * 1.01 + (src/2 * 0.99 - lo * 1.01) * k / 47. On the output,
  P_ref is the power within `guard` bins of the reference, P_alias the power in every other bin of
  (guard, dst/2 - guard); attenuation = 10 log10(48 P_ref / P_alias): the part of the probes'
  energy that aliases into the output band.
- response (both directions): tones at lo * (0.02 + 0.88 * k / 44), k = 0..44, and at
  lo * (0.85 + 0.005 k), k = 0..30, in two signals of amplitude 1/64 each; the output amplitude of
  each is the windowed projection at its exact frequency. Ripple = max - min of the gain in dB over
  the tones in [0.02, 0.9] lo; the -3 dB point (fraction of lo) is where the gain first falls below
  -3 dB, linearly interpolated in dB.

Analysis: output samples [skip, skip + N) with N = 16384 and skip = 4096, Kaiser window beta 20
(side lobes below -190 dB), real FFT, power |X_k|^2; guard = 24 bins.

Usage: python3 tools/audio_resample_quality.py        (soxr 1.1.0, numpy 2.4.6)
"""
import json
import os

import numpy as np
import soxr

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "crates", "audio", "tests", "data", "resample_quality_soxr.json")

N = 16384
SKIP = 4096
GUARD = 24
AMP = 1.0 / 64.0
SRC = [8000, 11025, 22050, 44100, 48000, 96000]
DST = [16000, 22050, 24000, 44100]


def pairs():
    out = []
    for a in SRC:
        for b in DST:
            for p in ((a, b), (b, a)):
                if p[0] != p[1] and p not in out:
                    out.append(p)
    return out


def tones(freqs, sr, n):
    t = np.arange(n, dtype=np.float64) / sr
    x = np.zeros(n)
    for f in freqs:
        x += AMP * np.sin(2 * np.pi * f * t)
    return x.astype(np.float32)


def input_len(src, dst):
    return int(np.ceil((N + 2 * SKIP) * src / dst))


def window():
    return np.kaiser(N, 20.0)


def power(y):
    seg = y[SKIP:SKIP + N].astype(np.float64) * window()
    return np.abs(np.fft.rfft(seg)) ** 2


def amplitude(y, f, sr):
    w = window()
    seg = y[SKIP:SKIP + N].astype(np.float64) * w
    t = (SKIP + np.arange(N)) / sr
    return 2 * abs(np.sum(seg * np.exp(-2j * np.pi * f * t))) / w.sum()


def stop_band(rs, src, dst):
    lo = min(src, dst) / 2
    n = input_len(src, dst)
    bin_hz = dst / N
    if dst > src:
        probes = [lo * (0.02 + 0.97 * k / 47) for k in range(48)]
        p = power(rs(tones(probes, src, n), src, dst))
        k_lo = int(lo / bin_hz)
        p_pass = p[1:k_lo].sum()
        p_stop = p[k_lo + GUARD:len(p) - GUARD].sum()
        return 10 * np.log10(p_pass / p_stop)
    ref = 0.25 * lo
    a, b = lo * 1.01, src / 2 * 0.99
    probes = [a + (b - a) * k / 47 for k in range(48)]
    p = power(rs(tones([ref] + probes, src, n), src, dst))
    k_ref = int(round(ref / bin_hz))
    p_ref = p[k_ref - GUARD:k_ref + GUARD + 1].sum()
    mask = np.zeros(len(p), dtype=bool)
    mask[GUARD:len(p) - GUARD] = True
    mask[k_ref - GUARD:k_ref + GUARD + 1] = False
    p_alias = p[mask].sum()
    return 10 * np.log10(48 * p_ref / p_alias)


def response(rs, src, dst):
    lo = min(src, dst) / 2
    n = input_len(src, dst)
    flat = [lo * (0.02 + 0.88 * k / 44) for k in range(45)]
    edge = [lo * (0.85 + 0.005 * k) for k in range(31)]
    gains = []
    for group in (flat, edge):
        y = rs(tones(group, src, n), src, dst)
        gains.append([20 * np.log10(amplitude(y, f, dst) / AMP) for f in group])
    ripple = max(gains[0]) - min(gains[0])
    minus3 = 1.0
    for i in range(1, len(edge)):
        g0, g1 = gains[1][i - 1], gains[1][i]
        if g1 < -3.0:
            f0, f1 = 0.85 + 0.005 * (i - 1), 0.85 + 0.005 * i
            minus3 = f0 + (f1 - f0) * (g0 + 3.0) / (g0 - g1) if g0 >= -3.0 else f0
            break
    return ripple, minus3


def soxr_hq(x, src, dst):
    return soxr.resample(x, src, dst, quality="HQ")


def main():
    rows = []
    for src, dst in pairs():
        att = stop_band(soxr_hq, src, dst)
        ripple, m3 = response(soxr_hq, src, dst)
        rows.append({"from": src, "to": dst, "stop_band_db": round(float(att), 2),
                     "ripple_db": round(float(ripple), 5), "minus3db_frac": round(float(m3), 4)})
        print(f"{src:6d} -> {dst:6d}  stop {att:7.2f} dB  ripple {ripple:.5f} dB  -3 dB at {m3:.4f} lo")
    with open(OUT, "w") as f:
        json.dump({"reference": f"soxr {soxr.__version__} HQ, float32", "n": N, "skip": SKIP,
                   "guard_bins": GUARD, "pairs": rows}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
