//! Stop-band attenuation, pass-band ripple and -3 dB point of `signal::resample` for the common
//! rate pairs, against soxr HQ's figures on the same signals
//! (`tools/audio_resample_quality.py` writes `tests/data/resample_quality_soxr.json`; the
//! signals and the analysis are described there and mirrored here).

use dataprep_audio::signal::resample;
use realfft::RealFftPlanner;

use super::common::data;

const N: usize = 16384;
const SKIP: usize = 4096;
const GUARD: usize = 24;
const AMP: f64 = 1.0 / 64.0;

fn tones(freqs: &[f64], sr: u32, n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| {
            let t = i as f64 / f64::from(sr);
            let s: f64 = freqs
                .iter()
                .map(|f| AMP * (2.0 * std::f64::consts::PI * f * t).sin())
                .sum();
            s as f32
        })
        .collect()
}

fn input_len(src: u32, dst: u32) -> usize {
    ((N + 2 * SKIP) as f64 * f64::from(src) / f64::from(dst)).ceil() as usize
}

/// numpy's `kaiser(N, beta)`.
fn kaiser(n: usize, beta: f64) -> Vec<f64> {
    fn i0(x: f64) -> f64 {
        let (mut sum, mut term, mut k) = (1.0f64, 1.0f64, 1.0f64);
        loop {
            term *= (x / (2.0 * k)).powi(2);
            sum += term;
            if term < sum * 1e-17 {
                return sum;
            }
            k += 1.0;
        }
    }
    let m = (n - 1) as f64;
    (0..n)
        .map(|i| {
            let r = 2.0 * i as f64 / m - 1.0;
            i0(beta * (1.0 - r * r).max(0.0).sqrt()) / i0(beta)
        })
        .collect()
}

fn power(y: &[f32], w: &[f64]) -> Vec<f64> {
    let mut seg: Vec<f64> = y[SKIP..SKIP + N]
        .iter()
        .zip(w)
        .map(|(&v, &w)| f64::from(v) * w)
        .collect();
    let fft = RealFftPlanner::<f64>::new().plan_fft_forward(N);
    let mut spec = fft.make_output_vec();
    fft.process(&mut seg, &mut spec).unwrap();
    spec.iter().map(|c| c.norm_sqr()).collect()
}

fn amplitude(y: &[f32], w: &[f64], f: f64, sr: u32) -> f64 {
    let (mut re, mut im) = (0.0f64, 0.0f64);
    for (i, (&v, &w)) in y[SKIP..SKIP + N].iter().zip(w).enumerate() {
        let ph = -2.0 * std::f64::consts::PI * f * (SKIP + i) as f64 / f64::from(sr);
        re += f64::from(v) * w * ph.cos();
        im += f64::from(v) * w * ph.sin();
    }
    2.0 * re.hypot(im) / w.iter().sum::<f64>()
}

/// Imaging (upsampling) or aliasing (downsampling) attenuation in dB.
fn stop_band(src: u32, dst: u32, w: &[f64]) -> f64 {
    let lo = f64::from(src.min(dst)) / 2.0;
    let n = input_len(src, dst);
    let bin_hz = f64::from(dst) / N as f64;
    if dst > src {
        let probes: Vec<f64> = (0..48)
            .map(|k| lo * (0.02 + 0.97 * k as f64 / 47.0))
            .collect();
        let p = power(&resample(&tones(&probes, src, n), src, dst).unwrap(), w);
        let k_lo = (lo / bin_hz) as usize;
        let pass: f64 = p[1..k_lo].iter().sum();
        let stop: f64 = p[k_lo + GUARD..p.len() - GUARD].iter().sum();
        return 10.0 * (pass / stop).log10();
    }
    let reference = 0.25 * lo;
    let (a, b) = (lo * 1.01, f64::from(src) / 2.0 * 0.99);
    let mut freqs = vec![reference];
    freqs.extend((0..48).map(|k| a + (b - a) * k as f64 / 47.0));
    let p = power(&resample(&tones(&freqs, src, n), src, dst).unwrap(), w);
    let k_ref = (reference / bin_hz).round() as usize;
    let (r0, r1) = (k_ref - GUARD, k_ref + GUARD + 1);
    let p_ref: f64 = p[r0..r1].iter().sum();
    let alias: f64 = (GUARD..p.len() - GUARD)
        .filter(|k| !(r0..r1).contains(k))
        .map(|k| p[k])
        .sum();
    10.0 * (48.0 * p_ref / alias).log10()
}

/// (ripple in dB over 0.02..0.9 lo, -3 dB point as a fraction of lo).
fn response(src: u32, dst: u32, w: &[f64]) -> (f64, f64) {
    let lo = f64::from(src.min(dst)) / 2.0;
    let n = input_len(src, dst);
    let flat: Vec<f64> = (0..45)
        .map(|k| lo * (0.02 + 0.88 * k as f64 / 44.0))
        .collect();
    let edge: Vec<f64> = (0..31).map(|k| lo * (0.85 + 0.005 * k as f64)).collect();
    let gains = |group: &[f64]| -> Vec<f64> {
        let y = resample(&tones(group, src, n), src, dst).unwrap();
        group
            .iter()
            .map(|&f| 20.0 * (amplitude(&y, w, f, dst) / AMP).log10())
            .collect()
    };
    let g = gains(&flat);
    let ripple =
        g.iter().copied().fold(f64::MIN, f64::max) - g.iter().copied().fold(f64::MAX, f64::min);
    let e = gains(&edge);
    let mut minus3 = 1.0;
    for i in 1..e.len() {
        if e[i] < -3.0 {
            let (f0, f1) = (0.85 + 0.005 * (i - 1) as f64, 0.85 + 0.005 * i as f64);
            minus3 = if e[i - 1] >= -3.0 {
                f0 + (f1 - f0) * (e[i - 1] + 3.0) / (e[i - 1] - e[i])
            } else {
                f0
            };
            break;
        }
    }
    (ripple, minus3)
}

#[test]
fn resampler_stop_band_meets_soxr_hq_on_every_pair() {
    let soxr: serde_json::Value =
        serde_json::from_slice(&std::fs::read(data("resample_quality_soxr.json")).unwrap())
            .unwrap();
    let w = kaiser(N, 20.0);
    let mut worse = Vec::new();
    let pairs = soxr["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 42);
    for row in pairs {
        let (src, dst) = (
            row["from"].as_u64().unwrap() as u32,
            row["to"].as_u64().unwrap() as u32,
        );
        let theirs = row["stop_band_db"].as_f64().unwrap();
        let ours = stop_band(src, dst, &w);
        let (ripple, m3) = response(src, dst, &w);
        eprintln!(
            "| {src} → {dst} | {ours:.2} | {theirs:.2} | {ripple:.4} | {:.4} | {m3:.4} | {:.4} |",
            row["ripple_db"].as_f64().unwrap(),
            row["minus3db_frac"].as_f64().unwrap()
        );
        // Meet or beat soxr HQ on every pair, with no allowance: in f32 the 2:1 downsampling
        // pairs sat at 141.6 dB against soxr's 142.2 dB, so downsampling by ≤ 2.5× is computed
        // in f64 (`signal::resample`).
        if ours < theirs {
            worse.push(format!("{src}→{dst}: {ours:.2} dB < soxr {theirs:.2} dB"));
        }
        // Pass band: flat within soxr HQ's own ripple bound, and at least as wide.
        if ripple > 0.01 {
            worse.push(format!("{src}→{dst}: ripple {ripple:.4} dB"));
        }
        if m3 < row["minus3db_frac"].as_f64().unwrap() {
            worse.push(format!("{src}→{dst}: -3 dB at {m3:.4} of Nyquist"));
        }
    }
    assert!(worse.is_empty(), "worse than soxr HQ: {worse:#?}");
}
